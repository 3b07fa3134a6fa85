/* cmd_live — the default command: record every CPU for -d seconds (or
 * until Ctrl-C) and print the report.
 */
#include <stdio.h>
#include <string.h>

#include "dropprof/cmd/cmd.h"
#include "dropprof/output/output.h"
#include "dropprof/record/session.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/util/outfile.h"
#include "dropprof/util/strbuf.h"

#define DEFAULT_TOP 5

static const char usage_text[] =
"usage: dropprof [-d SECONDS] [-n N] [--folded | --json] [-o FILE] [-m PAGES] [-q]\n"
"                [--reason LIST] [--exclude-reason LIST] [--proto LIST]\n"
"                [--all-stacks | --stack-rate N] [--vmlinux FILE [--ignore-build-id]]\n"
"       dropprof record|report|diff ...   (see 'dropprof COMMAND --help')\n"
"       dropprof --help | --version\n";

static const char help_text[] =
"dropprof — where, and why, is this kernel dropping packets?\n"
"\n"
"usage: dropprof [-d SECONDS] [-n N] [--folded | --json] [-o FILE] [-m PAGES] [-q]\n"
"                [--reason LIST] [--exclude-reason LIST] [--proto LIST]\n"
"                [--all-stacks | --stack-rate N] [--vmlinux FILE [--ignore-build-id]]\n"
"       dropprof record|report|diff ...   (see 'dropprof COMMAND --help')\n"
"\n"
"Records the skb:kfree_skb tracepoint on every online CPU with perf events,\n"
"then reports drops by reason (as the running kernel names them), by drop\n"
"site (the function that freed the packet), by kernel stack, by protocol\n"
"and by CPU.  Normal frees (skb:consume_skb) are counted for the drop share.\n"
"The Why section says what each reason means and where it happened: the\n"
"kernel counters of every network namespace are read at the start and the\n"
"end (entered with setns; CAP_SYS_ADMIN), and the settings that govern the\n"
"reasons are read at the end, with their values.\n"
"Needs root, or CAP_PERFMON (or kernel.perf_event_paranoid=-1) together with\n"
"CAP_DAC_OVERRIDE (CAP_DAC_READ_SEARCH: no idle-context instance) for tracefs,\n"
"plus CAP_SYSLOG for function names; see PRIVILEGES in dropprof(1).\n"
"\n"
"Options:\n"
"  -d, --duration SECONDS  record for SECONDS (decimals allowed, at least 0.001),\n"
"                          then report; without -d, record until Ctrl-C,\n"
"                          SIGTERM or SIGHUP\n"
"  -n, --top N             stacks shown in the text report (default 5)\n"
"      --folded            print FlameGraph folded stacks instead of the report:\n"
"                          REASON;root;...;drop_site COUNT, one line per stack;\n"
"                          COUNT is drops: exact, or estimated from weighted stack\n"
"                          samples so that the lines add up to the drops exactly\n"
"      --json              print the report as one JSON document (schema in README)\n"
"  -o, --output FILE       write the output to FILE instead of stdout; FILE is\n"
"                          checked before recording starts, a regular file (or\n"
"                          a symlink's target) is replaced only when complete,\n"
"                          a device node, FIFO or /dev/stdout is written through\n"
"  -m, --mmap-pages PAGES  ring size per CPU in memory pages, a power of two\n"
"                          (default 256,\n"
"                          1024 with --all-stacks); raise it when samples are lost\n"
"  -q, --quiet             no progress messages on stderr\n"
"      --all-stacks        take a kernel stack with every drop (costlier at high\n"
"                          drop rates); by default every drop is counted exactly\n"
"                          by reason, site, protocol and CPU, and stacks are\n"
"                          sampled: one with every drop while a CPU drops less\n"
"                          than --stack-rate per second, then 1 in 2, 4, 8, ...\n"
"                          drops, as the report says\n"
"      --stack-rate N      stack budget per CPU per second before sampling starts\n"
"                          (default 2000; not with --all-stacks)\n"
"      --reason LIST       record only these drop reasons (comma-separated names\n"
"                          as this kernel spells them, e.g. NO_SOCKET,NETFILTER_DROP)\n"
"      --exclude-reason LIST  record every reason but these\n"
"      --proto LIST        record only these protocols (ipv4, ipv6, arp, vlan,\n"
"                          lldp, mpls, pppoe, ... or an EtherType number)\n"
"                          Filters run in the kernel: filtered drops cost nothing,\n"
"                          and the report names the filter it ran with.\n"
"      --vmlinux FILE      the kernel image with debug info, for source lines\n"
"                          (file:line, inlined frames); without it dropprof\n"
"                          looks in /usr/lib/debug/boot/vmlinux-RELEASE,\n"
"                          /usr/lib/debug/lib/modules/RELEASE/vmlinux,\n"
"                          /boot/vmlinux-RELEASE, /lib/modules/RELEASE/build/vmlinux,\n"
"                          /usr/lib/debug/.build-id/, then asks debuginfod when\n"
"                          DEBUGINFOD_URLS is set; a file of another kernel build\n"
"                          (build-id) is refused\n"
"      --ignore-build-id   use --vmlinux FILE even when its build-id differs\n"
"  -h, --help              this help\n"
"  -V, --version           print the version\n"
"\n"
"Ctrl-C, SIGTERM or SIGHUP stops the recording (even during setup) and still\n"
"writes the report of what was recorded, exit status 0; a second one exits at\n"
"once (status 128 + signal) after removing dropprof's temporary file, tracefs\n"
"instance and tracefs mount.  A signal ignored at start (nohup) stays ignored.\n"
"A closed pipe or a full disk is one error line and exit status 1.\n"
"\n"
"Every drop is counted exactly by reason, site, protocol and CPU.  Stack counts\n"
"are drops too: while stacks are sampled, each stack sample stands for the\n"
"drops of its reason, site and CPU it represents, and the report marks those\n"
"counts as estimates ('~1,234 drops (est. from 56 samples)').\n"
"At the stop each CPU's count is reconciled with\n"
"the kernel's own hit count, and what never arrived is shown as 'lost'.  Drops\n"
"in the idle task come from dropprof's tracefs instance instances/dropprof-PID.\n"
"\n"
"Examples:\n"
"  dropprof -d 10                      10 s on every CPU, then the report\n"
"  dropprof                            until Ctrl-C\n"
"  dropprof -d 10 -n 20                show the 20 busiest stacks\n"
"  dropprof -d 10 --folded > drops.folded && flamegraph.pl drops.folded > drops.svg\n"
"  dropprof -d 30 --json -o drops.json\n"
"  dropprof -d 10 --exclude-reason NOT_SPECIFIED --proto ipv4\n"
"  dropprof record -d 30 -o before.dprof     save a profile; then 'report', 'diff'\n"
"\n"
"Exit status: 0 success, 1 runtime failure, 2 usage error.\n"
"See dropprof(1).\n";

int dp_cmd_live(int argc, char **argv)
{
	static const struct dp_cli_text text = { "dropprof", usage_text, help_text };
	struct dp_cli cli = {
		.top = DEFAULT_TOP,
		.rec = { .stack_budget = DP_DEFAULT_STACK_RATE, .stop_fd = -1 },
	};
	struct dp_session s;
	struct dp_symmap names;
	struct dp_outfile out;
	struct dp_strbuf notes = DP_STRBUF_INIT;
	int ret;

	if (!dp_cli_parse(argc, argv, DP_CLI_RECORD | DP_CLI_REPORT | DP_CLI_VERSION |
			  DP_CLI_SYMBOLS,
			   &text, &cli, &ret))
		return ret;
	if (cli.nr_args)
		return dp_usage_error(&text, "unexpected argument '%s'", cli.args[0]);
	/* A path that cannot be written fails now, not after the recording. */
	if (!dp_cli_open_output(cli.output, 0666, &out, &ret))
		return ret;
	if (!dp_cli_record(&cli, &s, &names, &ret)) {
		dp_outfile_close(&out, 0);
		return ret;
	}
	if (!dp_cli_symbolize(&cli, &names, s.prof.kernel, true, &notes, &ret))
		dp_outfile_close(&out, 0);
	else
		ret = dp_emit_report(&s.prof, &names, cli.top, notes.buf,
				     cli.format, &out);
	dp_strbuf_release(&notes);
	dp_symmap_release(&names);
	dp_session_close(&s);
	return ret;
}
