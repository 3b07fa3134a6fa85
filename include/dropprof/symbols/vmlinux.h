/* vmlinux — find the kernel image with debuginfo that matches a kernel
 * (its release and its build-id), in the order a user expects:
 *   1. an explicit file (--vmlinux): a build-id mismatch is refused
 *      (unless ignore_build_id), never quietly used;
 *   2. the usual places for release R (root prefix first, so tests use a
 *      fixture tree): /usr/lib/debug/boot/vmlinux-R,
 *      /usr/lib/debug/lib/modules/R/vmlinux, /boot/vmlinux-R,
 *      /lib/modules/R/build/vmlinux, and by build-id
 *      /usr/lib/debug/.build-id/xx/yyyy.debug; a file of another build is
 *      skipped with a note;
 *   3. debuginfod (libdebuginfod), only when DEBUGINFOD_URLS is set, with
 *      a bounded time and a progress callback while downloading.
 */
#ifndef DROPPROF_VMLINUX_H
#define DROPPROF_VMLINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dropprof/symbols/buildid.h"
#include "dropprof/util/strbuf.h"

struct dp_err;

/* Progress of a download: bytes so far and total (0: unknown).  Return
 * nonzero to cancel (a stop signal). */
typedef int (*dp_vmlinux_progress_fn)(uint64_t done, uint64_t total, void *ctx);

struct dp_vmlinux_opts {
	const char *explicit_path;     /* --vmlinux, or NULL */
	bool ignore_build_id;          /* --ignore-build-id */
	const char *release;           /* uname -r of the kernel, NULL: skip
					  the release paths */
	const struct dp_buildid *want; /* the kernel's build-id; NULL or len 0:
					  unknown (then only the explicit file
					  or, with ignore_build_id, the release
					  paths are used) */
	const char *root;              /* prefix for the usual places ("" or
					  NULL: /) */
	bool no_debuginfod;            /* never ask debuginfod */
	double debuginfod_timeout;     /* seconds for the whole download; 0:
					  a default of 120 */
	dp_vmlinux_progress_fn progress;  /* may be NULL */
	void *progress_ctx;
};

enum dp_vmlinux_source {
	DP_VMLINUX_NONE,
	DP_VMLINUX_EXPLICIT,
	DP_VMLINUX_PATH,
	DP_VMLINUX_BUILDID_PATH,
	DP_VMLINUX_DEBUGINFOD,
};

struct dp_vmlinux {
	char *path;                    /* owned; NULL when none was found */
	enum dp_vmlinux_source source;
	struct dp_buildid buildid;     /* the file's */
	bool buildid_checked;          /* it matched 'want' */
	/* One line per file or service tried and not used, for the report
	 * ("/boot/vmlinux-R: build-id 12ab.., the kernel's is 34cd..",
	 * "debuginfod: timed out after 120 s"), and, when nothing was found,
	 * a last line saying how to get source lines. */
	struct dp_strbuf notes;
};

void dp_vmlinux_init(struct dp_vmlinux *v);
void dp_vmlinux_release(struct dp_vmlinux *v);

/* v must have been initialised (dp_vmlinux_init); what it held is
 * released first.
 * Returns 0 with v->path set, 0 with v->path NULL (nothing found: the
 * notes say what was tried and how to get source lines), or an error
 * that must stop the command: -EINVAL for an explicit file of another
 * build (err names both build-ids and --ignore-build-id), or the errno
 * of an explicit file that cannot be read (-ENOENT ...), -ENOMEM. */
int dp_vmlinux_find(struct dp_vmlinux *v, const struct dp_vmlinux_opts *o,
		    struct dp_err *err);

#endif
