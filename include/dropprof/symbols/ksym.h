/* ksym — kernel symbol table from /proc/kallsyms (or any file in that
 * format, so tests use fixtures).
 *
 * The file is read once into one string buffer and an array of text
 * symbols sorted by address; lookups are binary searches.
 */
#ifndef DROPPROF_KSYM_H
#define DROPPROF_KSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_ksym {
	uint64_t addr;
	const char *name;    /* borrowed from the table */
	const char *module;  /* NULL for vmlinux, else "nf_tables" (borrowed) */
};

struct dp_ksyms;

/* No kernel function is this large: an address further past the nearest
 * symbol is reported as unknown rather than as a huge offset. */
#define DP_KSYM_MAX_OFFSET (512 * 1024)

/* Load a kallsyms-format file.  Only text symbols (t T w W) are kept.
 * Returns 0 and *out, or -errno (-ENOENT, -EACCES, -ENOMEM, -EINVAL for
 * a file with no symbol at all). */
int dp_ksyms_load(struct dp_ksyms **out, const char *path);

/* No-op on NULL. */
void dp_ksyms_free(struct dp_ksyms *ks);

/* Number of symbols kept. */
size_t dp_ksyms_count(const struct dp_ksyms *ks);

/* True when every address in the file was zero (kernel.kptr_restrict or
 * not privileged): lookups then always fail. */
bool dp_ksyms_restricted(const struct dp_ksyms *ks);

/* Symbol containing addr: the last symbol whose address is <= addr.
 * NULL when addr is below the first symbol, past the last one (the last
 * symbol only marks the end of the table; it contains nothing), more than
 * DP_KSYM_MAX_OFFSET past its symbol, or when that symbol is a vmlinux
 * section marker (_stext, _etext, __sched_text_end, ...; is_marker() in
 * ksym.c has the rule).  A function that shares its address with a marker
 * is always the one returned.
 * *offset (may be NULL) gets addr - sym->addr. */
const struct dp_ksym *dp_ksyms_find(const struct dp_ksyms *ks, uint64_t addr,
				    uint64_t *offset);

/* First symbol with that exact name (vmlinux before modules), or NULL.
 * Section markers are found by name too (_stext, _etext).
 * *end (may be NULL) gets the address of the next higher distinct address
 * in the table, i.e. the end of the function. */
const struct dp_ksym *dp_ksyms_by_name(const struct dp_ksyms *ks,
				       const char *name, uint64_t *end);

#endif
