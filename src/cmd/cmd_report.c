/* cmd_report — "dropprof report FILE": print a saved profile exactly as
 * the live recording would have printed it.  Needs no root and no access
 * to the recording kernel.
 */
#include <stdio.h>

#include "dropprof/cmd/cmd.h"
#include "dropprof/profile/profile.h"
#include "dropprof/profile/profile_io.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/util/outfile.h"
#include "dropprof/util/error.h"
#include "dropprof/util/strbuf.h"

static const char usage_text[] =
"usage: dropprof report FILE [-n N] [--folded | --json] [-o OUTPUT]\n"
"                            [--vmlinux FILE [--ignore-build-id]]\n";

static const char help_text[] =
"dropprof report — print the report of a saved profile\n"
"\n"
"usage: dropprof report FILE [-n N] [--folded | --json] [-o OUTPUT]\n"
"                            [--vmlinux FILE [--ignore-build-id]]\n"
"\n"
"Prints the same report 'dropprof' prints at the end of a live recording,\n"
"from a file written by 'dropprof record'.  No root is needed.\n"
"\n"
"Options:\n"
"  -n, --top N        stacks shown in the text report (default 5)\n"
"      --folded       FlameGraph folded stacks (REASON;root;...;site COUNT)\n"
"      --json         the report as JSON (schema in README)\n"
"  -o, --output FILE  write to FILE instead of stdout; never one of the input\n"
"                     files (refused, exit status 2)\n"
"      --vmlinux FILE the recording kernel's image with debug info: adds source\n"
"                     lines and inlined frames (a profile recorded without\n"
"                     debuginfo keeps raw addresses, build-id and _stext for\n"
"                     this); refused when its build-id is not the profile's\n"
"      --ignore-build-id  use --vmlinux FILE whatever its build-id\n"
"Without --vmlinux, a profile without source lines gets them from the usual\n"
"debug paths or debuginfod (DEBUGINFOD_URLS) when its kernel's build is there.\n";

int dp_cmd_report(int argc, char **argv)
{
	static const struct dp_cli_text text = { "dropprof report", usage_text, help_text };
	struct dp_cli cli = { .top = 5 };
	struct dp_profile prof;
	struct dp_symmap names;
	struct dp_outfile out;
	struct dp_err err = DP_ERR_INIT;
	struct dp_strbuf notes = DP_STRBUF_INIT;
	int ret;

	if (!dp_cli_parse(argc, argv, DP_CLI_REPORT | DP_CLI_SYMBOLS, &text, &cli, &ret))
		return ret;
	if (cli.nr_args != 1)
		return dp_usage_error(&text, "%s", cli.nr_args ? "give exactly one profile file" :
				      "give the profile file to report");
	if (!dp_cli_check_inputs(&text, cli.output, cli.args, 1, &ret) ||
	    !dp_cli_open_output(cli.output, 0666, &out, &ret))
		return ret;
	ret = dp_profile_load(cli.args[0], &prof, &names, &err);
	if (ret) {
		dp_outfile_close(&out, 0);
		dp_cmd_error("%s", dp_err_msg(&err));
		dp_err_release(&err);
		return DP_EXIT_FAIL;
	}
	if (!dp_cli_symbolize(&cli, &names, prof.kernel, false, &notes, &ret))
		dp_outfile_close(&out, 0);
	else
		ret = dp_emit_report(&prof, &names, cli.top, notes.buf,
				     cli.format, &out);
	dp_strbuf_release(&notes);
	dp_symmap_release(&names);
	dp_profile_release(&prof);
	return ret;
}
