/* cmd_record — "dropprof record -d N -o FILE": record like the live
 * command, then save the whole profile (names resolved, counters
 * included) instead of printing it.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dropprof/cmd.h"
#include "dropprof/profile_io.h"
#include "dropprof/session.h"
#include "dropprof/symmap.h"

static const char usage_text[] =
"usage: dropprof record -o FILE [-d SECONDS] [-m PAGES] [-q]\n";

static const char help_text[] =
"dropprof record — record drops into a profile file for 'report' and 'diff'\n"
"\n"
"usage: dropprof record -o FILE [-d SECONDS] [-m PAGES] [-q]\n"
"\n"
"Records exactly what 'dropprof' records (every online CPU, until -d\n"
"expires or Ctrl-C) plus the kernel counters of the window, and saves it\n"
"with every symbol already resolved: the file reports on any machine,\n"
"without root.  The file is written under a temporary name and renamed,\n"
"so an interrupted run never leaves a half file.\n"
"\n"
"Options:\n"
"  -o, --output FILE       the profile to write (required)\n"
"  -d, --duration SECONDS  record for SECONDS; without -d, until Ctrl-C\n"
"  -m, --mmap-pages PAGES  ring size per CPU in pages, a power of two (default 128)\n"
"  -q, --quiet             no progress messages on stderr\n"
"\n"
"Example:\n"
"  dropprof record -d 30 -o before.dprof\n"
"  sysctl -w net.ipv4.conf.all.rp_filter=2\n"
"  dropprof record -d 30 -o after.dprof\n"
"  dropprof diff before.dprof after.dprof\n";

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("dropprof record: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(usage_text, stderr);
	return DP_EXIT_USAGE;
}

int dp_cmd_record(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "mmap-pages", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dp_session_opts so = { .ring_pages = 128 };
	const char *output = NULL;
	unsigned long pages;
	struct dp_session s;
	struct dp_symmap names;
	char err[512];
	int c, ret;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":d:o:m:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (dp_parse_seconds(optarg, &so.duration))
				return usage_error("invalid duration '%s': give a positive number of seconds", optarg);
			break;
		case 'm':
			if (dp_parse_count(optarg, 1, 1UL << 16, &pages) ||
			    (pages & (pages - 1)))
				return usage_error("invalid ring size '%s': give a power of two from 1 to 65536 pages", optarg);
			so.ring_pages = pages;
			break;
		case 'o':
			output = optarg;
			break;
		case 'q':
			so.quiet = true;
			break;
		case 'h':
			fputs(help_text, stdout);
			return DP_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!output || !*output || !strcmp(output, "-"))
		return usage_error("%s", "give the profile file with -o FILE");

	ret = dp_session_open(&s, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "dropprof: %s\n", err);
		return DP_EXIT_FAIL;
	}
	ret = dp_session_record(&s, &so, err, sizeof(err));
	if (!ret && (ret = dp_session_names(&s, &names)) != 0)
		snprintf(err, sizeof(err), "cannot resolve symbols: %s", strerror(-ret));
	if (!ret) {
		ret = dp_profile_save(output, &s.prof, &names, err, sizeof(err));
		dp_symmap_release(&names);
	}
	if (ret) {
		fprintf(stderr, "dropprof: %s\n", err);
		dp_session_close(&s);
		return DP_EXIT_FAIL;
	}
	if (!so.quiet)
		fprintf(stderr, "dropprof: saved %llu drops in %.2f s (%zu stacks, %zu counters moved, %llu lost) to '%s'\n",
			(unsigned long long)s.prof.drops, s.prof.duration,
			s.prof.stacks.nr_used, s.prof.nr_counters,
			(unsigned long long)s.prof.lost, output);
	dp_session_close(&s);
	return DP_EXIT_OK;
}
