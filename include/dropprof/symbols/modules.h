/* modules — find the file with DWARF of each kernel module a profile
 * names, for kernel release R, in the order a user expects:
 *   1. when the loaded module's build-id is known, its build-id path
 *      /usr/lib/debug/.build-id/xx/yyyy.debug;
 *   2. debug files: /usr/lib/debug/lib/modules/R/.../NAME.ko.debug, then
 *      .../NAME.ko (what debug packages install);
 *   3. the modules themselves: /lib/modules/R/.../NAME.ko, .ko.xz, .ko.zst,
 *      .ko.gz (they have DWARF when the kernel was built with it and the
 *      package did not strip them); under updates/ first, as depmod does.
 * Each tree is walked once for all the modules asked for, never once per
 * module or address.  kallsyms names a module with '_' where its file may
 * have '-' (snd_hda_intel is snd-hda-intel.ko): names are compared with
 * '-' read as '_'.
 *
 * A file is used only when its build-id is the loaded module's (read from
 * /sys/module/NAME/notes/.note.gnu.build-id, so only for the running
 * kernel): a file of another build is never used; one whose build-id
 * cannot be checked only with ignore_build_id.  Every path is under a
 * root prefix so tests use fixture trees.
 */
#ifndef DROPPROF_MODULES_H
#define DROPPROF_MODULES_H

#include <stdbool.h>
#include <stddef.h>

#include "dropprof/util/strbuf.h"

struct dp_dwarf;
struct dp_modules;

struct dp_modules_opts {
	const char *release;       /* uname -r of the kernel; NULL: only the
				      build-id paths */
	const char *root;          /* prefix of /usr/lib/debug, /lib/modules
				      and /sys/module ("" or NULL: /) */
	bool live;                 /* the kernel is the running one: the
				      loaded modules' build-ids are in
				      ROOT/sys/module/NAME/notes; false:
				      unknown */
	bool ignore_build_id;      /* use a file whose build-id cannot be
				      checked (the loaded module's is
				      unknown); another build's never */
};

/* Walk the trees for the modules names[0..n) (kallsyms names; copied,
 * duplicates allowed).  Trees that do not exist or cannot be read give no
 * files.  Returns 0 and *out, or -ENOMEM. */
int dp_modules_new(struct dp_modules **out, const struct dp_modules_opts *o,
		   const char *const *names, size_t n);

/* No-op on NULL. */
void dp_modules_free(struct dp_modules *ms);

/* The files found for module name, best first (borrowed; the build-id
 * path is not among them, it is tried by dp_modules_open).  Returns
 * their number; 0 for a module not asked for. */
size_t dp_modules_files(const struct dp_modules *ms, const char *name,
			const char *const **paths);

enum dp_module_file {
	DP_MODULE_OPENED,          /* *d is the module's DWARF */
	DP_MODULE_NO_FILE,         /* no file at all */
	DP_MODULE_NO_DWARF,        /* files, none with DWARF (stripped) */
	DP_MODULE_REFUSED,         /* files refused: why says which and why */
};

/* Open the best file of module name whose build-id is the loaded
 * module's (ROOT/sys/module/NAME/notes/.note.gnu.build-id).  why
 * gets, for DP_MODULE_REFUSED, "; "-separated reasons on one line without
 * a newline ("'/lib/modules/R/.../x.ko' has build-id 12ab.., the loaded
 * module's is 34cd.."), and for an unchecked file used (ignore_build_id)
 * a line saying so.  Returns a dp_module_file (>= 0) with *d NULL unless
 * DP_MODULE_OPENED (the caller frees it), or -ENOMEM. */
int dp_modules_open(struct dp_modules *ms, const char *name,
		    struct dp_dwarf **d, struct dp_strbuf *why);

#endif
