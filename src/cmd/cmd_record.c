/* cmd_record — "dropprof record -d N -o FILE": record like the live
 * command, then save the whole profile (names resolved, counters
 * included) instead of printing it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dropprof/cmd/cmd.h"
#include "dropprof/profile/profile_io.h"
#include "dropprof/record/session.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/util/error.h"
#include "dropprof/util/outfile.h"
#include "dropprof/util/strbuf.h"

static const char usage_text[] =
"usage: dropprof record -o FILE [-d SECONDS] [-m PAGES] [-q]\n"
"                       [--reason LIST] [--exclude-reason LIST] [--proto LIST]\n"
"                       [--all-stacks | --stack-rate N] [--vmlinux FILE [--ignore-build-id]]\n";

static const char help_text[] =
"dropprof record — record drops into a profile file for 'report' and 'diff'\n"
"\n"
"usage: dropprof record -o FILE [-d SECONDS] [-m PAGES] [-q]\n"
"                       [--reason LIST] [--exclude-reason LIST] [--proto LIST]\n"
"                       [--all-stacks | --stack-rate N] [--vmlinux FILE [--ignore-build-id]]\n"
"\n"
"Records exactly what 'dropprof' records (every online CPU, until -d\n"
"expires or Ctrl-C) plus the kernel counters of the window, and saves it\n"
"with every symbol already resolved: the file reports on any machine,\n"
"without root.  The file is written under a temporary name (created before\n"
"the recording starts, so a bad path fails at once) and renamed, so an\n"
"interrupted run never leaves a half file; a profile is mode 0600 whatever\n"
"the umask (it holds kernel addresses).  Ctrl-C, SIGTERM or SIGHUP stops the recording\n"
"and the profile is still saved; a second one exits at once and removes the\n"
"temporary file.\n"
"\n"
"Options:\n"
"  -o, --output FILE       the profile to write (required); a symlink's target\n"
"                          is replaced, a device node or FIFO written through\n"
"  -d, --duration SECONDS  record for SECONDS (at least 0.001); without -d,\n"
"                          until Ctrl-C, SIGTERM or SIGHUP\n"
"  -m, --mmap-pages PAGES  ring size per CPU in pages, a power of two (default 256,\n"
"                          1024 with --all-stacks)\n"
"  -q, --quiet             no progress messages on stderr\n"
"      --reason LIST, --exclude-reason LIST, --proto LIST\n"
"                          in-kernel filters, as for 'dropprof' (see dropprof --help)\n"
"      --all-stacks | --stack-rate N\n"
"                          stack sampling, as for 'dropprof'\n"
"      --vmlinux FILE, --ignore-build-id\n"
"                          source lines, as for 'dropprof'; the profile keeps\n"
"                          them, and always keeps the raw addresses, the kernel's\n"
"                          build-id and _stext, so 'dropprof report --vmlinux'\n"
"                          can add them later on another machine\n"
"\n"
"Example:\n"
"  dropprof record -d 30 -o before.dprof\n"
"  sysctl -w net.ipv4.conf.all.rp_filter=2\n"
"  dropprof record -d 30 -o after.dprof\n"
"  dropprof diff before.dprof after.dprof\n";

/* Encode the recording and write it to out (closed here). */
static int save(struct dp_outfile *out, const struct dp_session *s,
		const struct dp_symmap *names)
{
	unsigned char *buf;
	size_t len;
	int ret;

	ret = dp_profile_encode(&s->prof, names, &buf, &len);
	if (ret) {
		dp_outfile_close(out, 0);
		dp_cmd_error("cannot encode the profile: %s", strerror(-ret));
		return DP_EXIT_FAIL;
	}
	ret = fwrite(buf, 1, len, out->f) == len ? 0 : -EIO;
	free(buf);
	return dp_cli_close_output(out, ret);
}

int dp_cmd_record(int argc, char **argv)
{
	static const struct dp_cli_text text = { "dropprof record", usage_text, help_text };
	struct dp_cli cli = { .rec = { .stack_budget = DP_DEFAULT_STACK_RATE, .stop_fd = -1 } };
	struct dp_session s;
	struct dp_symmap names;
	struct dp_outfile out;
	struct dp_strbuf notes = DP_STRBUF_INIT;
	int ret;

	if (!dp_cli_parse(argc, argv, DP_CLI_RECORD | DP_CLI_SYMBOLS, &text, &cli, &ret))
		return ret;
	if (cli.nr_args)
		return dp_usage_error(&text, "unexpected argument '%s'", cli.args[0]);
	if (!cli.output || !strcmp(cli.output, "-"))
		return dp_usage_error(&text, "%s", "give the profile file with -o FILE");
	/* The temporary file exists before the recording starts: a path
	 * that cannot be written fails now, not after -d seconds.  Raw
	 * kernel addresses are what kernel.kptr_restrict hides: a created
	 * profile is for its owner only (DP_PROFILE_FILE_MODE). */
	if (!dp_cli_open_output(cli.output, DP_PROFILE_FILE_MODE, &out, &ret))
		return ret;
	/* 0600 whatever the umask, as dp_profile_save() does; a node or
	 * FIFO written through keeps its mode. */
	if (out.tmp && fchmod(out.fd, DP_PROFILE_FILE_MODE) < 0) {
		ret = -errno;
		dp_cmd_error("cannot write '%s': %s", cli.output, strerror(-ret));
		dp_outfile_close(&out, 0);
		return DP_EXIT_FAIL;
	}
	if (!dp_cli_record(&cli, &s, &names, &ret)) {
		dp_outfile_close(&out, 0);
		return ret;
	}
	/* With debuginfo at hand the profile keeps its source lines; the
	 * raw addresses, build-id and _stext are kept either way, for
	 * 'report --vmlinux' elsewhere. */
	if (!dp_cli_symbolize(&cli, &names, s.prof.kernel, true, &notes, &ret)) {
		dp_outfile_close(&out, 0);
		dp_strbuf_release(&notes);
		dp_symmap_release(&names);
		dp_session_close(&s);
		return ret;
	}
	for (char *line = strtok(notes.buf, "\n"); line && !cli.rec.quiet && notes.len;
	     line = strtok(NULL, "\n"))
		dp_info("%s", line);
	dp_strbuf_release(&notes);
	ret = save(&out, &s, &names);
	dp_symmap_release(&names);
	if (ret == DP_EXIT_OK && !cli.rec.quiet)
		dp_info("saved %llu drops in %.2f s (%zu stacks, %zu counters moved, %llu lost) to '%s'",
			(unsigned long long)s.prof.drops, s.prof.duration,
			s.prof.stacks.nr_used, s.prof.nr_counters,
			(unsigned long long)s.prof.lost, cli.output);
	dp_session_close(&s);
	return ret;
}
