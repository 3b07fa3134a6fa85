/* sources — add source lines and inlined frames to a symmap's kernel
 * addresses from an open DWARF symbolizer (symbols/dwarf.h), each unique
 * address exactly once.  Call-chain addresses are return addresses (the
 * drop site too: the tracepoint's 'location' is the caller's return
 * address), so each is looked up at addr - 1, the call instruction, as
 * perf and addr2line users do; otherwise the line after the call would be
 * named.
 */
#ifndef DROPPROF_SOURCES_H
#define DROPPROF_SOURCES_H

#include <stddef.h>

struct dp_dwarf;
struct dp_symmap;

struct dp_sources_stats {
	size_t addrs;          /* vmlinux addresses looked up */
	size_t with_lines;     /* got a file:line */
	size_t with_inline;    /* got at least one inlined frame */
	size_t named;          /* had no kallsyms name; the ELF symbol
				  table (with sizes) named them */
};

/* For every address of m that kallsyms placed in vmlinux (or could not
 * place at all), resolve it in d and attach its source frames
 * (dp_symmap_set_src); an address kallsyms could not name but the ELF
 * symbol table can gets that name and offset.  Module addresses are left
 * as they are.  m must be sorted.  Returns 0 or -ENOMEM. */
int dp_sources_add(struct dp_symmap *m, struct dp_dwarf *d,
		   struct dp_sources_stats *st);

#endif
