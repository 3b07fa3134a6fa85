/* dwarf — source lines and inlined frames of kernel text addresses, from
 * a vmlinux or a kernel module with DWARF, through libdwfl (elfutils).
 *
 * The kernel runs at a different address than its ELF says when KASLR is
 * on: the caller passes the run-time address of _stext (or _text) read
 * from kallsyms or saved in a profile, and the symbolizer shifts every
 * lookup by (run-time - ELF) itself.  A module (.ko, ET_REL) has no
 * address of its own offline: libdwfl lays its sections out where it
 * likes, so a module address is resolved by the name and offset kallsyms
 * gave it (dp_dwarf_resolve_sym).  Each address is meant to be resolved
 * once (profile/names.c keeps one entry per unique address); nothing here
 * caches.
 */
#ifndef DROPPROF_DWARF_H
#define DROPPROF_DWARF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dropprof/symbols/buildid.h"

struct dp_err;
struct dp_dwarf;

/* One frame of the source view of an address, innermost first: zero or
 * more inlined frames, then the function the code was compiled into.
 * The strings of a frame (and the symbol of a dp_src_info) are borrowed
 * from the struct dp_dwarf that resolved it: the DWARF and ELF string
 * data libdw has mapped, and the file names it joins once per file.
 * They stay valid until dp_dwarf_free; copy them to keep them longer
 * (a batch of 10,000 addresses would otherwise copy 50,000 strings). */
struct dp_src_frame {
	const char *function;      /* borrowed; NULL when DWARF has no name */
	const char *file;          /* borrowed; as DWARF says, made relative to
				      the compilation directory when it lies
				      under it ("net/ipv4/udp.c"); NULL when
				      unknown */
	uint32_t line;             /* 0: unknown */
	uint32_t column;           /* 0: unknown */
	bool inlined;              /* an inlined copy inside the next frame */
};

struct dp_src_info {
	struct dp_src_frame *frames;   /* owned by the info; innermost first */
	size_t nr_frames;
	/* From the ELF symbol table (not kallsyms): the symbol containing
	 * the address, with its size, so any offset inside a large function
	 * names it.  symbol NULL when no ELF symbol contains it. */
	const char *symbol;        /* borrowed from the struct dp_dwarf */
	uint64_t sym_offset;       /* addr - run-time symbol start */
	uint64_t sym_size;         /* 0: unknown */
};

struct dp_dwarf_opts {
	const char *path;          /* the vmlinux ELF with DWARF */
	/* Run-time address of _stext (else _text, see stext_name) and the
	 * name of that symbol.  0: use the ELF's addresses as they are. */
	uint64_t runtime_stext;
	const char *stext_name;    /* "_stext" (default when NULL) or "_text" */
	/* Not NULL: path is this kernel module's file (.ko, .ko.debug, or
	 * compressed .ko.xz/.ko.gz, which libdw decompresses itself;
	 * .ko.zst only when libdw was built with zstd).  runtime_stext is
	 * not used: look module addresses up with dp_dwarf_resolve_sym. */
	const char *module;
};

/* Open the ELF and index its DWARF (libdwfl, offline reporting).  The
 * DWARF must be in the file itself: no separate debuginfo is looked for
 * (and so nothing is downloaded here; vmlinux.h and modules.h find the
 * file).
 * Returns 0, -ENOENT/-EACCES (the file), -EINVAL (not an ELF, corrupt or
 * truncated, a compressed form libdw cannot read; no DWARF at all in a
 * vmlinux; no _stext/_text symbol while runtime_stext is set), -ENODATA
 * (a module file without DWARF: a stripped .ko, usable for names only),
 * -ENOMEM.  err says which in one line naming the file. */
int dp_dwarf_open(struct dp_dwarf **out, const struct dp_dwarf_opts *o,
		  struct dp_err *err);

/* No-op on NULL. */
void dp_dwarf_free(struct dp_dwarf *d);

/* The file's build-id (len 0 when it has none).  Borrowed. */
const struct dp_buildid *dp_dwarf_buildid(const struct dp_dwarf *d);

/* run-time address - ELF address. */
int64_t dp_dwarf_bias(const struct dp_dwarf *d);

/* Resolve one run-time address into *out (zeroed first): a batch of
 * one (dp_dwarf_resolve_many is the fast way to do many).  Returns 0 (at
 * least a symbol or one frame found), -ENOENT (the address is in no
 * module or has neither symbol nor line), -ENOMEM.  A corrupt DWARF
 * entry yields -ENOENT for its addresses, never a crash. */
int dp_dwarf_resolve(struct dp_dwarf *d, uint64_t addr, struct dp_src_info *out);

/* Resolve n run-time addresses at once (any order, repeats allowed):
 * out[i] for addrs[i], each as dp_dwarf_resolve fills it, or zeroed
 * (symbol NULL, nr_frames 0) for an address it would call -ENOENT.  The
 * work is per CU, not per address (each CU's line program is decoded
 * once and its DIE tree walked once for all its addresses), so a report
 * resolves all its unique addresses in one call.  Returns 0 or -ENOMEM
 * (then every out[i] is released and zeroed); release each out[i] with
 * dp_src_info_release. */
int dp_dwarf_resolve_many(struct dp_dwarf *d, const uint64_t *addrs, size_t n,
			  struct dp_src_info *out);

/* Resolve ELF symbol name + offset (a function symbol defined in the
 * file: kallsyms names module code by it) into *out as dp_dwarf_resolve
 * does; offset wraps like an address (name + (uint64_t)-1 is the byte
 * before the symbol).  Of several symbols of one name (static functions
 * of different files) the first whose size covers offset is taken.  The
 * file's symbol names are indexed on the first call (a module has a few
 * thousand), not at open, so a vmlinux that never needs them pays
 * nothing.  Returns 0, -ENOENT (no such symbol, or nothing at that
 * place), -ENOMEM. */
int dp_dwarf_resolve_sym(struct dp_dwarf *d, const char *name, uint64_t offset,
			 struct dp_src_info *out);

/* Free what resolve put in info (the frames array; the strings belong
 * to the struct dp_dwarf) and zero it.  Safe on a zeroed info; may be
 * called before or after dp_dwarf_free. */
void dp_src_info_release(struct dp_src_info *info);

#endif
