/* cmd_diff — "dropprof diff BEFORE AFTER": what a change did to the drops,
 * by reason, site, stack and kernel counter, in rates per second.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dropprof/util/error.h"

#include "dropprof/cmd/cmd.h"
#include "dropprof/model/diff.h"
#include "dropprof/output/output.h"
#include "dropprof/util/outfile.h"
#include "dropprof/profile/profile.h"
#include "dropprof/profile/profile_io.h"
#include "dropprof/model/report.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/util/strbuf.h"

static const char usage_text[] =
"usage: dropprof diff BEFORE AFTER [-n N] [--folded | --json] [-o OUTPUT]\n"
"                                  [--vmlinux FILE [--ignore-build-id]]\n";

static const char help_text[] =
"dropprof diff — compare two saved profiles (before and after a change)\n"
"\n"
"usage: dropprof diff BEFORE AFTER [-n N] [--folded | --json] [-o OUTPUT]\n"
"                                  [--vmlinux FILE [--ignore-build-id]]\n"
"\n"
"For every reason, drop site, stack (function path) and kernel counter:\n"
"the rate per second before and after, the change and the change in\n"
"percent, sorted by the size of the change; entries seen on one side only\n"
"are marked 'new' or 'gone'.  Rates make windows of different lengths\n"
"comparable.  Profiles from different kernels are compared with a warning.\n"
"\n"
"Options:\n"
"  -n, --top N        sites and stacks shown in the text output (default 10)\n"
"      --json         the diff as JSON (schema \"dropprof-diff\", see README)\n"
"      --folded       differential folded stacks for FlameGraph:\n"
"                     'REASON;root;...;site BEFORE AFTER' per line, where\n"
"                     AFTER's count is scaled to BEFORE's duration\n"
"                     (count x before_seconds / after_seconds, in whole drops\n"
"                     that add up to AFTER's scaled total), so\n"
"                     'flamegraph.pl' colours a real change in rate:\n"
"                       dropprof diff a.dprof b.dprof --folded | flamegraph.pl > diff.svg\n"
"  -o, --output FILE  write to FILE instead of stdout; never one of the input\n"
"                     files (refused, exit status 2)\n"
"      --vmlinux FILE the recording kernel's image with debug info: adds source\n"
"                     lines and inlined frames (a profile recorded without\n"
"                     debuginfo keeps raw addresses, build-id and _stext for\n"
"                     this); refused when its build-id is not the profile's\n"
"      --ignore-build-id  use --vmlinux FILE whatever its build-id\n"
"Without --vmlinux, a profile without source lines gets them from the usual\n"
"debug paths or debuginfod (DEBUGINFOD_URLS) when its kernel's build is there.\n";

struct side {
	struct dp_profile prof;
	struct dp_symmap names;
	struct dp_report rep;
	int loaded, built;
};

static int load_side(struct side *s, const char *path, const struct dp_cli *cli)
{
	struct dp_report_opts ro = { .top_n = 0 };
	struct dp_err err = DP_ERR_INIT;
	struct dp_strbuf notes = DP_STRBUF_INIT;
	int ret, status;

	ret = dp_profile_load(path, &s->prof, &s->names, &err);
	if (ret) {
		dp_cmd_error("%s", dp_err_msg(&err));
		dp_err_release(&err);
		return ret;
	}
	s->loaded = 1;
	/* Both sides named alike, so their inlined frames match. */
	if (!dp_cli_symbolize(cli, &s->names, s->prof.kernel, false, &notes, &status)) {
		dp_strbuf_release(&notes);
		return -EINVAL;
	}
	dp_strbuf_release(&notes);
	ret = dp_report_build(&s->rep, &s->prof, &s->names, &ro);
	if (ret) {
		dp_cmd_error("cannot build the report of '%s': %s", path,
			     strerror(-ret));
		return ret;
	}
	s->built = 1;
	return 0;
}

static void release_side(struct side *s)
{
	if (s->built)
		dp_report_release(&s->rep);
	if (s->loaded) {
		dp_symmap_release(&s->names);
		dp_profile_release(&s->prof);
	}
}

int dp_cmd_diff(int argc, char **argv)
{
	static const struct dp_cli_text text = { "dropprof diff", usage_text, help_text };
	struct dp_cli cli = { .top = 10 };
	struct side a = { 0 }, b = { 0 };
	struct dp_diff d;
	struct dp_outfile out;
	int ret;

	if (!dp_cli_parse(argc, argv, DP_CLI_REPORT | DP_CLI_SYMBOLS, &text, &cli, &ret))
		return ret;
	if (cli.nr_args != 2)
		return dp_usage_error(&text, "%s", "give two profile files: BEFORE AFTER");
	if (!dp_cli_check_inputs(&text, cli.output, cli.args, 2, &ret) ||
	    !dp_cli_open_output(cli.output, 0666, &out, &ret))
		return ret;
	ret = DP_EXIT_FAIL;
	if (load_side(&a, cli.args[0], &cli) || load_side(&b, cli.args[1], &cli)) {
		dp_outfile_close(&out, 0);
		goto out;
	}
	if (strcmp(a.rep.kernel, b.rep.kernel))
		dp_warn("'%s' is from kernel %s, '%s' from %s; sites and stacks may not match",
			cli.args[0], a.rep.kernel, cli.args[1], b.rep.kernel);
	if (dp_diff_build(&d, &a.rep, &b.rep, cli.args[0], cli.args[1], cli.top)) {
		dp_outfile_close(&out, 0);
		dp_cmd_error("cannot build the diff: out of memory");
		goto out;
	}
	ret = dp_cli_close_output(&out, dp_out_diff_write(&d, cli.format, out.f));
	dp_diff_release(&d);
out:
	release_side(&a);
	release_side(&b);
	return ret;
}
