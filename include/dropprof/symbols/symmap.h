/* symmap — the names of one profile: every unique address it holds,
 * resolved once (function, module, offset), and every reason value it
 * holds, named once.  Built from kallsyms and the tracepoint format on the
 * recording machine; saved inside a profile file so a report reads the
 * same anywhere, without root or the recording kernel.
 */
#ifndef DROPPROF_SYMMAP_H
#define DROPPROF_SYMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dropprof/symbols/buildid.h"

/* One frame of an address's source view, innermost first: zero or more
 * inlined frames, then the function the code was compiled into. */
struct dp_symmap_src {
	char *function;            /* owned; NULL: DWARF gave no name */
	char *file;                /* owned; NULL: unknown */
	uint32_t line;             /* 0: unknown */
	bool inlined;
};

struct dp_symmap_entry {
	uint64_t addr;
	char *name;                /* owned; NULL: unknown address */
	char *module;              /* owned; NULL: vmlinux */
	uint64_t offset;           /* addr - function start */
	struct dp_symmap_src *src; /* owned; NULL: no source line */
	size_t nr_src;
};

/* Which kernel the addresses belong to, so a saved profile can be
 * symbolized later (report --vmlinux) against the same build only. */
struct dp_symmap_kernel {
	struct dp_buildid buildid; /* of the running kernel; len 0: unknown */
	uint64_t stext;            /* run-time _stext (0: unknown) */
	uint64_t text;             /* run-time _text (0: unknown) */
};

struct dp_reason_name {
	uint64_t value;
	char *name;                /* owned */
};

struct dp_symmap {
	struct dp_symmap_entry *addrs;   /* sorted by addr, unique */
	size_t nr_addrs, cap_addrs;
	struct dp_reason_name *reasons;  /* sorted by value, unique */
	size_t nr_reasons, cap_reasons;
	bool restricted;                 /* kallsyms gave zero addresses */
	struct dp_symmap_kernel kernel;
	size_t nr_src;                   /* entries with source lines */
};

void dp_symmap_init(struct dp_symmap *m);
void dp_symmap_release(struct dp_symmap *m);

/* Add entries one by one (profile/names.c, the profile loader), then sort
 * once.  Strings
 * are copied.  dp_symmap_sort() returns -EINVAL on a duplicate key. */
int dp_symmap_add_addr(struct dp_symmap *m, uint64_t addr, const char *name,
		       const char *module, uint64_t offset);
int dp_symmap_add_reason(struct dp_symmap *m, uint64_t value, const char *name);
int dp_symmap_sort(struct dp_symmap *m);

/* At most this many source frames an address (a profile's limit too). */
#define DP_SYMMAP_MAX_SRC 256

/* After dp_symmap_sort(): give addr's entry the source frames src[0..n)
 * (copied; replaces any it had; n 0 removes them).  Returns 0, -ENOENT
 * (no such address), -E2BIG (n > DP_SYMMAP_MAX_SRC), -ENOMEM (the entry
 * unchanged). */
int dp_symmap_set_src(struct dp_symmap *m, uint64_t addr,
		      const struct dp_symmap_src *src, size_t n);

/* Lookups: NULL when absent. */
const struct dp_symmap_entry *dp_symmap_addr(const struct dp_symmap *m,
					     uint64_t addr);
const char *dp_symmap_reason(const struct dp_symmap *m, uint64_t value);

#endif
