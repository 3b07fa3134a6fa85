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


struct dp_symmap_entry {
	uint64_t addr;
	char *name;                /* owned; NULL: unknown address */
	char *module;              /* owned; NULL: vmlinux */
	uint64_t offset;           /* addr - function start */
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

/* Lookups: NULL when absent. */
const struct dp_symmap_entry *dp_symmap_addr(const struct dp_symmap *m,
					     uint64_t addr);
const char *dp_symmap_reason(const struct dp_symmap *m, uint64_t value);

#endif
