/* cmd_live — the default command: record every CPU for -d seconds (or
 * until Ctrl-C) and print the report.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dropprof/cmd.h"
#include "dropprof/output.h"
#include "dropprof/session.h"
#include "dropprof/symmap.h"

#define DEFAULT_TOP 5
#define DEFAULT_RING_PAGES 128

static const char usage_text[] =
"usage: dropprof [-d SECONDS] [-n N] [--folded | --json] [-o FILE] [-m PAGES] [-q]\n"
"       dropprof --help | --version\n";

static const char help_text[] =
"dropprof — where, and why, is this kernel dropping packets?\n"
"\n"
"usage: dropprof [-d SECONDS] [-n N] [--folded | --json] [-o FILE] [-m PAGES] [-q]\n"
"\n"
"Records the skb:kfree_skb tracepoint on every online CPU with perf events,\n"
"then reports drops by reason (as the running kernel names them), by drop\n"
"site (the function that freed the packet), by kernel stack, by protocol\n"
"and by CPU.  Normal frees (skb:consume_skb) are counted for the drop share.\n"
"Needs root (or CAP_PERFMON, or kernel.perf_event_paranoid=-1).\n"
"\n"
"Options:\n"
"  -d, --duration SECONDS  record for SECONDS (decimals allowed), then report;\n"
"                          without -d, record until Ctrl-C or SIGTERM\n"
"  -n, --top N             stacks shown in the text report (default 5)\n"
"      --folded            print FlameGraph folded stacks instead of the report:\n"
"                          REASON;root;...;drop_site COUNT, one line per stack\n"
"      --json              print the report as one JSON document (schema in README)\n"
"  -o, --output FILE       write the output to FILE instead of stdout\n"
"  -m, --mmap-pages PAGES  ring size per CPU in 4 KiB pages, a power of two\n"
"                          (default 128); raise it when samples are lost\n"
"  -q, --quiet             no progress messages on stderr\n"
"  -h, --help              this help\n"
"  -V, --version           print the version\n"
"\n"
"Ctrl-C (or SIGTERM) stops the recording and still prints the report of what\n"
"was recorded; a second Ctrl-C exits at once.  Samples the kernel could not\n"
"hand over (ring full) are always counted and shown as 'lost'.\n"
"\n"
"Examples:\n"
"  dropprof -d 10                      10 s on every CPU, then the report\n"
"  dropprof                            until Ctrl-C\n"
"  dropprof -d 10 -n 20                show the 20 busiest stacks\n"
"  dropprof -d 10 --folded > drops.folded && flamegraph.pl drops.folded > drops.svg\n"
"  dropprof -d 30 --json -o drops.json\n"
"\n"
"Exit status: 0 success, 1 runtime failure, 2 usage error.\n"
"See dropprof(1).\n";

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("dropprof: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(usage_text, stderr);
	fputs("Try 'dropprof --help' for more.\n", stderr);
	return DP_EXIT_USAGE;
}

int dp_cmd_live(int argc, char **argv)
{
	enum { OPT_FOLDED = 256, OPT_JSON };
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "top", required_argument, NULL, 'n' },
		{ "folded", no_argument, NULL, OPT_FOLDED },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "output", required_argument, NULL, 'o' },
		{ "mmap-pages", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct dp_session_opts so = { .ring_pages = DEFAULT_RING_PAGES };
	enum dp_format format = DP_FORMAT_TEXT;
	unsigned long top = DEFAULT_TOP, pages;
	const char *output = NULL;
	struct dp_session s;
	struct dp_symmap names;
	char err[512];
	int c, ret;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":d:n:o:m:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (dp_parse_seconds(optarg, &so.duration))
				return usage_error("invalid duration '%s': give a positive number of seconds", optarg);
			break;
		case 'n':
			if (dp_parse_count(optarg, 1, 100000, &top))
				return usage_error("invalid stack count '%s': give a number from 1 to 100000", optarg);
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
		case OPT_FOLDED:
			if (format == DP_FORMAT_JSON)
				return usage_error("%s", "--folded and --json exclude each other");
			format = DP_FORMAT_FOLDED;
			break;
		case OPT_JSON:
			if (format == DP_FORMAT_FOLDED)
				return usage_error("%s", "--folded and --json exclude each other");
			format = DP_FORMAT_JSON;
			break;
		case 'h':
			fputs(help_text, stdout);
			return DP_EXIT_OK;
		case 'V':
			printf("dropprof %s\n", DP_VERSION);
			return DP_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);

	ret = dp_session_open(&s, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "dropprof: %s\n", err);
		return DP_EXIT_FAIL;
	}
	ret = dp_session_record(&s, &so, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "dropprof: %s\n", err);
		dp_session_close(&s);
		return DP_EXIT_FAIL;
	}
	ret = dp_session_names(&s, &names);
	if (ret) {
		fprintf(stderr, "dropprof: cannot resolve symbols: %s\n",
			strerror(-ret));
		dp_session_close(&s);
		return DP_EXIT_FAIL;
	}
	ret = dp_emit_report(&s.prof, &names, top, format, output);
	dp_symmap_release(&names);
	dp_session_close(&s);
	return ret;
}
