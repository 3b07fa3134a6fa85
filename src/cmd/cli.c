/* cli — what the commands share: one option parser, strict parsing of
 * numeric option values ("10", "2.5" and "0.1" are durations; "abc",
 * "-1", "1e999", "1e-10", "0x10", "10s" and "" are usage errors), the
 * recording sequence, and output files opened before any work and
 * closed with the real reason of any failure.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/cmd/cmd.h"
#include "dropprof/cmd/signals.h"
#include "dropprof/model/explain.h"
#include "dropprof/model/report.h"
#include "dropprof/record/filter.h"
#include "dropprof/record/session.h"
#include "dropprof/util/error.h"
#include "dropprof/util/outfile.h"
#include "dropprof/util/strbuf.h"

int dp_parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	/* Decimal only: strtod would also take " 5", "+5", "0x1p3",
	 * "infinity". */
	if (!s || !((*s >= '0' && *s <= '9') || *s == '.') ||
	    s[strspn(s, "0123456789.eE+-")])
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < DP_MIN_DURATION ||
	    v > DP_MAX_DURATION)
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

/* What to do about a file that cannot be written. */
static const char *output_hint(int code)
{
	switch (-code) {
	case ENOENT:
		return " (check that the directory exists)";
	case ENOTDIR:
		return " (a part of the path is not a directory)";
	case EACCES:
	case EPERM:
		return " (choose a directory you can write to, or run as root)";
	case EROFS:
		return " (choose a file on a writable file system)";
	case EISDIR:
		return " (give a file name, not a directory)";
	case ENXIO:
		return " (a FIFO needs a reader; a socket cannot be written)";
	default:
		return "";
	}
}

bool dp_cli_open_output(const char *path, mode_t mode, struct dp_outfile *out,
			int *status)
{
	int ret = dp_outfile_open_mode(out, path, mode);

	if (!ret)
		return true;
	dp_cmd_error_code(ret, "cannot write '%s': %s%s", path ? path : "stdout",
			  strerror(-ret), output_hint(ret));
	*status = DP_EXIT_FAIL;
	return false;
}

int dp_cli_close_output(struct dp_outfile *out, int ret)
{
	struct dp_strbuf name = DP_STRBUF_INIT;
	int err;

	if (dp_strbuf_adds(&name, dp_outfile_name(out)))
		dp_strbuf_release(&name);
	err = dp_outfile_close(out, ret == 0);
	/* The outfile knows the errno; the formatter only says -EIO. */
	err = err ? err : ret;
	if (err)
		dp_cmd_error_code(err, "cannot write '%s': %s",
				  name.len ? name.buf : "output", strerror(-err));
	dp_strbuf_release(&name);
	return err ? DP_EXIT_FAIL : DP_EXIT_OK;
}

bool dp_cli_check_inputs(const struct dp_cli_text *text, const char *output,
			 char *const *inputs, int nr, int *status)
{
	for (int i = 0; output && i < nr; i++) {
		if (dp_outfile_same(output, inputs[i]) == 1) {
			*status = dp_usage_error(text, "output '%s' is the input '%s': give another file with -o",
						 output, inputs[i]);
			return false;
		}
	}
	return true;
}

int dp_emit_report(const struct dp_profile *prof, const struct dp_symmap *names,
		   size_t top_n, const char *symbol_notes, enum dp_format format,
		   struct dp_outfile *out)
{
	struct dp_report_opts ro = { .top_n = top_n, .symbol_notes = symbol_notes };
	struct dp_report rep;
	int ret;

	ret = dp_report_build(&rep, prof, names, &ro);
	if (ret) {
		dp_outfile_close(out, 0);
		dp_cmd_error("cannot build the report: %s", strerror(-ret));
		return DP_EXIT_FAIL;
	}
	ret = dp_out_write(&rep, format, out->f);
	dp_report_release(&rep);
	return dp_cli_close_output(out, ret);
}

/* The option as the user wrote it, for a message: "--name" of
 * "--name=value", "-x" of a cluster such as "-qx". */
static int option_text(struct dp_strbuf *sb, const char *arg, int opt)
{
	if (arg && !strncmp(arg, "--", 2))
		return dp_strbuf_add(sb, arg, strcspn(arg, "="));
	if (opt > 0 && opt < 256)
		return dp_strbuf_addf(sb, "-%c", opt);
	return dp_strbuf_adds(sb, arg ? arg : "?");
}

enum opt_problem { NEEDS_VALUE, TAKES_NO_VALUE, UNKNOWN };

static int option_error(const struct dp_cli_text *text, enum opt_problem why,
			const char *arg, int opt)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;
	const char *name = option_text(&sb, arg, opt) ? "?" : sb.buf;
	int ret;

	if (why == NEEDS_VALUE)
		ret = dp_usage_error(text, "option '%s' needs a value", name);
	else if (why == TAKES_NO_VALUE)
		ret = dp_usage_error(text, "option '%s' takes no value", name);
	else
		ret = dp_usage_error(text, "unknown option '%s'", name);
	dp_strbuf_release(&sb);
	return ret;
}

bool dp_cli_parse(int argc, char **argv, unsigned int what,
		  const struct dp_cli_text *text, struct dp_cli *out, int *status)
{
	enum { OPT_FOLDED = 256, OPT_JSON, OPT_REASON, OPT_EXCLUDE, OPT_PROTO,
	       OPT_ALL_STACKS, OPT_STACK_RATE, OPT_VMLINUX, OPT_IGNORE_BUILD_ID };
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
		{ "vmlinux", required_argument, NULL, OPT_VMLINUX },
		{ "ignore-build-id", no_argument, NULL, OPT_IGNORE_BUILD_ID },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool stack_rate = false;
	unsigned long v;
	int c, li = -1;

	opterr = 0;
	optind = 0;     /* 0, not 1: glibc then forgets the last argv */
	while ((c = getopt_long(argc, argv, ":d:m:qn:o:hV", longopts, &li)) != -1) {
		/* An option of another command is as unknown as a typo. */
		if (((c == 'd' || c == OPT_REASON ||
		      c == OPT_EXCLUDE || c == OPT_PROTO || c == OPT_ALL_STACKS ||
		      c == OPT_STACK_RATE) && !(what & DP_CLI_RECORD)) ||
		    ((c == 'm' || c == 'q') && !(what & (DP_CLI_RECORD | DP_CLI_CHECK))) ||
		    ((c == 'n' || c == OPT_FOLDED) && !(what & DP_CLI_REPORT)) ||
		    (c == OPT_JSON && !(what & (DP_CLI_REPORT | DP_CLI_CHECK))) ||
		    ((c == OPT_VMLINUX || c == OPT_IGNORE_BUILD_ID) &&
		     !(what & DP_CLI_SYMBOLS)) ||
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
				return *status = dp_usage_error(text, "invalid duration '%s': give seconds from %g (1 ms) to %.0f (31 days), decimals allowed",
								optarg, DP_MIN_DURATION, DP_MAX_DURATION), false;
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
			stack_rate = true;
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
			if (!*optarg)
				return *status = dp_usage_error(text, "%s", "give a file name with -o ('-' for stdout)"), false;
			out->output = optarg;
			break;
		case OPT_VMLINUX:
			if (!*optarg)
				return *status = dp_usage_error(text, "%s", "give a file name with --vmlinux"), false;
			out->vmlinux = optarg;
			break;
		case OPT_IGNORE_BUILD_ID:
			out->ignore_build_id = true;
			break;
		case 'h':
			fputs(text->help, stdout);
			return *status = DP_EXIT_OK, false;
		case 'V':
			printf("dropprof %s\n", DP_VERSION);
			return *status = DP_EXIT_OK, false;
		case ':':
			return *status = option_error(text, NEEDS_VALUE,
						      argv[optind - 1], optopt), false;
		default:
			/* glibc: optopt is the option's value for "--json=x",
			 * 0 for a long option it does not know. */
			if (optopt && !strncmp(argv[optind - 1], "--", 2))
				return *status = option_error(text, TAKES_NO_VALUE,
							      argv[optind - 1], optopt), false;
			return *status = option_error(text, UNKNOWN,
						      argv[optind - 1], optopt), false;
		}
	}
	if (stack_rate && out->rec.all_stacks)
		return *status = dp_usage_error(text, "%s", "--stack-rate and --all-stacks exclude each other: --all-stacks takes every stack"), false;
	if (what & (DP_CLI_RECORD | DP_CLI_CHECK)) {
		if (!out->rec.ring_pages)
			out->rec.ring_pages = out->rec.all_stacks ? DP_DEFAULT_RING_PAGES_ALL_STACKS :
							    DP_DEFAULT_RING_PAGES;
	}
	if (what & DP_CLI_RECORD) {
		out->rec.stop_fd = dp_signals_stop_fd();
		/* Read at the end of the recording, for the Why section. */
		out->rec.settings = dp_explain_all_settings();
	}
	out->nr_args = argc - optind;
	out->args = argv + optind;
	return true;
}

bool dp_cli_record(const struct dp_cli *cli, struct dp_session *s,
		   struct dp_symmap *names, int *status)
{
	struct dp_err err = DP_ERR_INIT;
	int ret;

	*status = DP_EXIT_FAIL;
	ret = dp_session_open(s, &err);
	if (ret) {
		dp_cmd_error_code(ret, "%s", dp_err_msg(&err));
		dp_err_release(&err);
		return false;
	}
	/* A bad filter word is a usage error, found only now that the
	 * kernel's reason table is known. */
	ret = dp_session_set_filter(s, &cli->rec.filter, &err);
	if (ret) {
		dp_cmd_error_code(ret, "%s", dp_err_msg(&err));
		dp_err_release(&err);
		dp_session_close(s);
		*status = DP_EXIT_USAGE;
		return false;
	}
	ret = dp_session_record(s, &cli->rec, &err);
	if (!ret && (ret = dp_session_names(s, names)) != 0)
		dp_err_set(&err, ret, "cannot resolve symbols: %s", strerror(-ret));
	if (ret) {
		dp_cmd_error_code(ret, "%s", dp_err_msg(&err));
		dp_err_release(&err);
		dp_session_close(s);
		return false;
	}
	return true;
}
