/* cli — what the commands share: strict parsing of numeric option values
 * ("10", "2.5" and "0.1" are durations; "abc", "-1", "1e999", "10s" and ""
 * are usage errors) and writing a report to stdout or a file.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/cmd/cmd.h"
#include "dropprof/util/outfile.h"
#include "dropprof/record/filter.h"
#include "dropprof/model/report.h"
#include "dropprof/record/session.h"

int dp_parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > 31 * 24 * 3600.0)
		return -EINVAL;
	*out = v;
	return 0;
}

int dp_parse_count(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int dp_emit_report(const struct dp_profile *prof, const struct dp_symmap *names,
		   size_t top_n, enum dp_format format, const char *output)
{
	struct dp_report_opts ro = { .top_n = top_n };
	struct dp_report rep;
	struct dp_outfile out;
	int ret;

	ret = dp_report_build(&rep, prof, names, &ro);
	if (ret) {
		fprintf(stderr, "dropprof: cannot build the report: %s\n",
			strerror(-ret));
		return DP_EXIT_FAIL;
	}
	ret = dp_outfile_open(&out, output);
	if (ret) {
		fprintf(stderr, "dropprof: cannot create '%s': %s\n", output,
			strerror(-ret));
	} else {
		ret = dp_out_write(&rep, format, out.f);
		ret = dp_outfile_close(&out, ret == 0) ?: ret;
		if (ret)
			fprintf(stderr, "dropprof: cannot write '%s': %s\n",
				output ? output : "stdout", strerror(-ret));
	}
	dp_report_release(&rep);
	return ret ? DP_EXIT_FAIL : DP_EXIT_OK;
}

int dp_usage_error(const struct dp_cli_text *text, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", text->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(text->usage, stderr);
	fprintf(stderr, "Try '%s --help' for more.\n", text->cmd);
	return DP_EXIT_USAGE;
}

bool dp_cli_parse(int argc, char **argv, unsigned int what,
		  const struct dp_cli_text *text, struct dp_cli *out, int *status)
{
	enum { OPT_FOLDED = 256, OPT_JSON, OPT_REASON, OPT_EXCLUDE, OPT_PROTO,
	       OPT_ALL_STACKS, OPT_STACK_RATE };
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "mmap-pages", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "exclude-reason", required_argument, NULL, OPT_EXCLUDE },
		{ "proto", required_argument, NULL, OPT_PROTO },
		{ "all-stacks", no_argument, NULL, OPT_ALL_STACKS },
		{ "stack-rate", required_argument, NULL, OPT_STACK_RATE },
		{ "top", required_argument, NULL, 'n' },
		{ "folded", no_argument, NULL, OPT_FOLDED },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c, li = -1;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":d:m:qn:o:hV", longopts, &li)) != -1) {
		/* An option of another command is as unknown as a typo. */
		if (((c == 'd' || c == 'm' || c == 'q' || c == OPT_REASON ||
		      c == OPT_EXCLUDE || c == OPT_PROTO || c == OPT_ALL_STACKS ||
		      c == OPT_STACK_RATE) && !(what & DP_CLI_RECORD)) ||
		    ((c == 'n' || c == OPT_FOLDED || c == OPT_JSON) &&
		     !(what & DP_CLI_REPORT)) ||
		    (c == 'V' && !(what & DP_CLI_VERSION))) {
			if (li >= 0)
				return *status = dp_usage_error(text, "option '--%s' is not for this command",
						      longopts[li].name), false;
			return *status = dp_usage_error(text, "option '-%c' is not for this command", c), false;
		}
		li = -1;
		switch (c) {
		case 'd':
			if (dp_parse_seconds(optarg, &out->rec.duration))
				return *status = dp_usage_error(text, "invalid duration '%s': give a positive number of seconds", optarg), false;
			break;
		case 'm':
			if (dp_parse_count(optarg, 1, 1UL << 16, &v) || (v & (v - 1)))
				return *status = dp_usage_error(text, "invalid ring size '%s': give a power of two from 1 to 65536 pages", optarg), false;
			out->rec.ring_pages = v;
			break;
		case 'q':
			out->rec.quiet = true;
			break;
		case OPT_REASON:
			out->rec.filter.reasons = optarg;
			break;
		case OPT_EXCLUDE:
			out->rec.filter.exclude_reasons = optarg;
			break;
		case OPT_PROTO:
			out->rec.filter.protos = optarg;
			break;
		case OPT_ALL_STACKS:
			out->rec.all_stacks = true;
			break;
		case OPT_STACK_RATE:
			if (dp_parse_count(optarg, 1, 10000000, &v))
				return *status = dp_usage_error(text, "invalid stack rate '%s': give stacks per second per CPU, 1 to 10000000", optarg), false;
			out->rec.stack_budget = (double)v;
			break;
		case 'n':
			if (dp_parse_count(optarg, 1, 100000, &out->top))
				return *status = dp_usage_error(text, "invalid count '%s': give a number from 1 to 100000", optarg), false;
			break;
		case OPT_FOLDED:
		case OPT_JSON:
			if (out->format != DP_FORMAT_TEXT &&
			    out->format != (c == OPT_JSON ? DP_FORMAT_JSON : DP_FORMAT_FOLDED))
				return *status = dp_usage_error(text, "%s", "--folded and --json exclude each other"), false;
			out->format = c == OPT_JSON ? DP_FORMAT_JSON : DP_FORMAT_FOLDED;
			break;
		case 'o':
			out->output = optarg;
			break;
		case 'h':
			fputs(text->help, stdout);
			return *status = DP_EXIT_OK, false;
		case 'V':
			printf("dropprof %s\n", DP_VERSION);
			return *status = DP_EXIT_OK, false;
		case ':':
			return *status = dp_usage_error(text, "option '%s' needs a value", argv[optind - 1]), false;
		default:
			return *status = dp_usage_error(text, "unknown option '%s'", argv[optind - 1]), false;
		}
	}
	if ((what & DP_CLI_RECORD) && !out->rec.ring_pages)
		out->rec.ring_pages = out->rec.all_stacks ? DP_DEFAULT_RING_PAGES_ALL_STACKS :
						    DP_DEFAULT_RING_PAGES;
	out->nr_args = argc - optind;
	out->args = argv + optind;
	return true;
}

bool dp_cli_record(const struct dp_cli *cli, struct dp_session *s,
		   struct dp_symmap *names, int *status)
{
	char err[4096];
	int ret;

	*status = DP_EXIT_FAIL;
	if (dp_session_open(s, err, sizeof(err))) {
		fprintf(stderr, "dropprof: %s\n", err);
		return false;
	}
	/* A bad filter word is a usage error, found only now that the
	 * kernel's reason table is known. */
	if (dp_session_set_filter(s, &cli->rec.filter, err, sizeof(err))) {
		fprintf(stderr, "dropprof: %s\n", err);
		dp_session_close(s);
		*status = DP_EXIT_USAGE;
		return false;
	}
	ret = dp_session_record(s, &cli->rec, err, sizeof(err));
	if (!ret && (ret = dp_session_names(s, names)) != 0)
		snprintf(err, sizeof(err), "cannot resolve symbols: %s", strerror(-ret));
	if (ret) {
		fprintf(stderr, "dropprof: %s\n", err);
		dp_session_close(s);
		return false;
	}
	return true;
}
