/* cmd_report — "dropprof report FILE": print a saved profile exactly as
 * the live recording would have printed it.  Needs no root and no access
 * to the recording kernel.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>

#include "dropprof/cmd.h"
#include "dropprof/profile.h"
#include "dropprof/profile_io.h"
#include "dropprof/symmap.h"

static const char usage_text[] =
"usage: dropprof report FILE [-n N] [--folded | --json] [-o OUTPUT]\n";

static const char help_text[] =
"dropprof report — print the report of a saved profile\n"
"\n"
"usage: dropprof report FILE [-n N] [--folded | --json] [-o OUTPUT]\n"
"\n"
"Prints the same report 'dropprof' prints at the end of a live recording,\n"
"from a file written by 'dropprof record'.  No root is needed.\n"
"\n"
"Options:\n"
"  -n, --top N        stacks shown in the text report (default 5)\n"
"      --folded       FlameGraph folded stacks (REASON;root;...;site COUNT)\n"
"      --json         the report as JSON (schema in README)\n"
"  -o, --output FILE  write to FILE instead of stdout\n";

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("dropprof report: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(usage_text, stderr);
	return DP_EXIT_USAGE;
}

int dp_cmd_report(int argc, char **argv)
{
	enum { OPT_FOLDED = 256, OPT_JSON };
	static const struct option longopts[] = {
		{ "top", required_argument, NULL, 'n' },
		{ "folded", no_argument, NULL, OPT_FOLDED },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum dp_format format = DP_FORMAT_TEXT;
	unsigned long top = 5;
	const char *output = NULL;
	struct dp_profile prof;
	struct dp_symmap names;
	char err[512];
	int c, ret;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":n:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (dp_parse_count(optarg, 1, 100000, &top))
				return usage_error("invalid stack count '%s': give a number from 1 to 100000", optarg);
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_FOLDED:
		case OPT_JSON:
			if (format != DP_FORMAT_TEXT)
				return usage_error("%s", "--folded and --json exclude each other");
			format = c == OPT_JSON ? DP_FORMAT_JSON : DP_FORMAT_FOLDED;
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
	if (argc - optind != 1)
		return usage_error("%s", argc - optind ? "give exactly one profile file" :
				   "give the profile file to report");
	ret = dp_profile_load(argv[optind], &prof, &names, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "dropprof: %s\n", err);
		return DP_EXIT_FAIL;
	}
	ret = dp_emit_report(&prof, &names, top, format, output);
	dp_symmap_release(&names);
	dp_profile_release(&prof);
	return ret;
}
