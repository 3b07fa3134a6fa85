/* symbolize — source lines for the commands: pick the vmlinux with
 * debuginfo (symbols/vmlinux.c), open its DWARF (symbols/dwarf.c), add
 * the lines to the names (symbols/sources.c), then the same for module
 * addresses from the modules' files (symbols/modules.c; only for the
 * running kernel), and say in the report where they came from or why
 * there are none.  A download from debuginfod shows its progress on a
 * terminal and stops on Ctrl-C.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dropprof/cmd/cmd.h"
#include "dropprof/cmd/signals.h"
#include "dropprof/symbols/dwarf.h"
#include "dropprof/symbols/sources.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/symbols/vmlinux.h"
#include "dropprof/util/error.h"
#include "dropprof/util/strbuf.h"

struct progress {
	bool tty;
	bool shown;
	bool stopped;        /* a stop signal came before: it ended the
				recording, it does not cancel this */
};

/* Called by the debuginfod client while it downloads: a line that
 * rewrites itself on a terminal, nothing otherwise; a stop signal
 * cancels the download (the report then goes on without lines). */
static int on_progress(uint64_t done, uint64_t total, void *ctx)
{
	struct progress *p = ctx;

	if (!p->stopped && dp_signals_received())
		return 1;
	if (!p->tty)
		return 0;
	if (total)
		fprintf(stderr, "\rdropprof: downloading kernel debuginfo: %llu of %llu MiB",
			(unsigned long long)(done >> 20),
			(unsigned long long)(total >> 20));
	else
		fprintf(stderr, "\rdropprof: downloading kernel debuginfo: %llu MiB",
			(unsigned long long)(done >> 20));
	p->shown = true;
	return 0;
}

static bool has_kernel_addrs(const struct dp_symmap *m)
{
	for (size_t i = 0; i < m->nr_addrs; i++)
		if (!m->addrs[i].module)
			return true;
	return false;
}

static const char *source_name(enum dp_vmlinux_source s)
{
	switch (s) {
	case DP_VMLINUX_EXPLICIT:
		return "--vmlinux";
	case DP_VMLINUX_DEBUGINFOD:
		return "debuginfod";
	default:
		return "found";
	}
}

/* Notes of the locator, one per line, into the report's notes. */
static void add_notes(struct dp_strbuf *notes, const struct dp_strbuf *v)
{
	if (v->len && !dp_strbuf_adds(notes, v->buf) &&
	    v->buf[v->len - 1] != '\n')
		dp_strbuf_addch(notes, '\n');
}

/* Lines for the module addresses; failing only for lack of memory. */
static bool add_module_lines(const struct dp_cli *cli, struct dp_symmap *names,
			     const char *release, bool live,
			     struct dp_strbuf *notes, int *status)
{
	struct dp_modules_opts mo = {
		.release = release && *release ? release : NULL,
		.live = live,
		.ignore_build_id = cli->ignore_build_id,
	};
	int ret = dp_sources_add_modules(names, &mo, NULL, notes);

	if (ret) {
		dp_cmd_error_code(ret, "cannot add module source lines: %s",
				  strerror(-ret));
		*status = DP_EXIT_FAIL;
		return false;
	}
	return true;
}

static bool add_vmlinux_lines(const struct dp_cli *cli, struct dp_symmap *names,
			      const char *release, struct dp_strbuf *notes,
			      int *status)
{
	struct progress prog = { isatty(STDERR_FILENO) == 1, false,
				 dp_signals_received() != 0 };
	struct dp_vmlinux_opts vo = {
		.explicit_path = cli->vmlinux,
		.ignore_build_id = cli->ignore_build_id,
		.release = release && *release ? release : NULL,
		.want = &names->kernel.buildid,
		.progress = on_progress,
		.progress_ctx = &prog,
	};
	struct dp_dwarf_opts dopts = { 0 };
	struct dp_err err = DP_ERR_INIT;
	struct dp_sources_stats st;
	struct dp_vmlinux v;
	struct dp_dwarf *d = NULL;
	char hex[2 * DP_BUILDID_MAX + 1];
	int ret;

	if (!cli->vmlinux && (!has_kernel_addrs(names) || names->restricted))
		return true;   /* nothing a vmlinux could name */
	dp_vmlinux_init(&v);
	ret = dp_vmlinux_find(&v, &vo, &err);
	if (prog.shown)
		fputc('\n', stderr);
	if (ret) {
		dp_cmd_error_code(ret, "%s", dp_err_msg(&err));
		*status = DP_EXIT_FAIL;
		goto out;
	}
	if (!v.path) {
		add_notes(notes, &v.notes);
		goto out;
	}
	dopts.path = v.path;
	dopts.runtime_stext = names->kernel.stext ? names->kernel.stext :
			      names->kernel.text;
	dopts.stext_name = names->kernel.stext ? "_stext" : "_text";
	/* Profiles before format 2.0 (and restricted kallsyms) do not say
	 * where the kernel ran: right only without KASLR. */
	if (!dopts.runtime_stext)
		dp_strbuf_adds(notes, "the kernel's run-time _stext is unknown: addresses are taken as the vmlinux's own (right only when KASLR was off)\n");
	ret = dp_dwarf_open(&d, &dopts, &err);
	if (ret) {
		if (cli->vmlinux) {
			dp_cmd_error_code(ret, "%s", dp_err_msg(&err));
			*status = DP_EXIT_FAIL;
			goto out;
		}
		add_notes(notes, &v.notes);
		dp_strbuf_addf(notes, "no source lines: %s\n", dp_err_msg(&err));
		goto out;
	}
	ret = dp_sources_add(names, d, &st);
	if (ret) {
		dp_cmd_error_code(ret, "cannot add source lines: %s", strerror(-ret));
		*status = DP_EXIT_FAIL;
		goto out;
	}
	add_notes(notes, &v.notes);
	dp_buildid_hex(&v.buildid, hex, sizeof(hex));
	dp_strbuf_addf(notes, "source lines from %s (%s; build-id %s%s): %zu of %zu kernel addresses, %zu with inlined frames\n",
		       v.path, source_name(v.source), hex[0] ? hex : "none",
		       v.buildid_checked ? ", matches the kernel's" :
		       cli->ignore_build_id ? ", not checked: --ignore-build-id" : "",
		       st.with_lines, st.addrs, st.with_inline);
out:
	dp_dwarf_free(d);
	dp_vmlinux_release(&v);
	dp_err_release(&err);
	return *status == DP_EXIT_OK;
}

bool dp_cli_symbolize(const struct dp_cli *cli, struct dp_symmap *names,
		      const char *release, bool live, struct dp_strbuf *notes,
		      int *status)
{
	*status = DP_EXIT_OK;
	if (!cli->vmlinux && names->nr_src) {
		dp_strbuf_addf(notes, "source lines resolved when the profile was recorded (%zu addresses)\n",
			       names->nr_src);
		return true;
	}
	if (!add_vmlinux_lines(cli, names, release, notes, status))
		return false;
	/* Modules are tried whether a vmlinux was found or not: their
	 * files are separate, often installed when the vmlinux is not. */
	return add_module_lines(cli, names, release, live, notes, status);
}
