/* sources — add source lines and inlined frames to a symmap's kernel
 * addresses from an open DWARF symbolizer (symbols/dwarf.h), each unique
 * address exactly once: vmlinux addresses by address, module addresses by
 * the function name and offset kallsyms gave them, in the module's file
 * (symbols/modules.h finds it).  Call-chain addresses are return
 * addresses (the drop site too: the tracepoint's 'location' is the
 * caller's return address), so each is looked up at addr - 1 (for a
 * module, name + offset - 1), the call instruction, as perf and addr2line
 * users do; otherwise the line after the call would be named.
 */
#ifndef DROPPROF_SOURCES_H
#define DROPPROF_SOURCES_H

#include <stddef.h>

#include "dropprof/symbols/modules.h"
#include "dropprof/util/strbuf.h"

struct dp_dwarf;
struct dp_symmap;

struct dp_sources_stats {
	size_t addrs;          /* vmlinux (module) addresses looked up */
	size_t with_lines;     /* got a file:line */
	size_t with_inline;    /* got at least one inlined frame */
	size_t named;          /* had no kallsyms name; the ELF symbol
				  table (with sizes) named them */
	size_t modules;        /* dp_sources_add_modules: modules whose file
				  gave at least one line */
};

/* For every address of m that kallsyms placed in vmlinux (or could not
 * place at all), resolve it in d and attach its source frames
 * (dp_symmap_set_src); an address kallsyms could not name but the ELF
 * symbol table can gets that name and offset.  Module addresses are left
 * as they are.  m must be sorted.  Returns 0 or -ENOMEM. */
int dp_sources_add(struct dp_symmap *m, struct dp_dwarf *d,
		   struct dp_sources_stats *st);

/* The same for the addresses kallsyms placed in modules (entries with a
 * module and a name): each module's file is found once (modules.h, with
 * o's release, root and build-id rules) and its addresses resolved at
 * name + offset - 1.  Only for the running kernel (o->live): offline
 * there is no loaded module's build-id to check a file against, so the
 * addresses keep their kallsyms names and notes says so once.  notes
 * gets, one per line: each module whose files were refused and why, one
 * line for the modules without a file with debug info, an unchecked file
 * used (ignore_build_id), and "source lines for N module addresses from
 * M modules" when there are some.  Addresses of a module that cannot be
 * used keep their names.  m must be sorted.  Returns 0 or -ENOMEM. */
int dp_sources_add_modules(struct dp_symmap *m, const struct dp_modules_opts *o,
			   struct dp_sources_stats *st, struct dp_strbuf *notes);

#endif
