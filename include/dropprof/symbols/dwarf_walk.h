/* dwarf_walk — the DIE tree of one CU walked once for many addresses
 * (src/symbols/dwarf_walk.c).  Internal to the symbolizer: dwarf_batch.c
 * runs one walk per CU of a batch; everything else uses dwarf.h.
 *
 * The walk keeps a node for every DIE that lexically contains at least
 * one of the addresses (functions, inlined copies, blocks), with what a
 * frame needs of it already read (its name, its call site), so that the
 * frames are made from the nodes without libdw.  libdw is called from
 * one thread only: the walk and the origin cache are that thread's.
 */
#ifndef DROPPROF_DWARF_WALK_H
#define DROPPROF_DWARF_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <elfutils/libdw.h>

/* The names found along a chain of abstract_origin/specification from
 * one DIE: the first linkage name and the first name. */
struct dp_chain_names {
	const char *linkage, *name;
};

/* The names of the abstract origins met by walks, by DIE offset: an
 * inline helper is inlined in many places, and its DIE (and what it in
 * turn refers to) is read once per batch. */
struct dp_origin_cache {
	Dwarf_Off *keys;           /* 0: empty (no DIE is at offset 0) */
	struct dp_chain_names *vals;
	size_t mask;
};

/* Room for about expect entries.  Returns 0 or -ENOMEM. */
int dp_origin_cache_init(struct dp_origin_cache *c, size_t expect);
/* Safe on a zeroed c. */
void dp_origin_cache_release(struct dp_origin_cache *c);

/* A DIE that holds at least one of a CU's addresses: the chain of an
 * address is its innermost node and the parents up from it. */
struct dp_walk_node {
	int32_t parent;            /* -1 at the top */
	int tag;
	/* Functions (subprogram, inlined_subroutine, entry_point): the name
	 * it is known by, its linkage name when it has one (as addr2line
	 * prints it), else its name, through abstract_origin and
	 * specification; borrowed from libdw's string data, NULL when none. */
	const char *name;
	/* inlined_subroutine: where it was called from (the file is the
	 * CU line program's index). */
	bool has_call_file;
	uint64_t call_file;
	uint32_t call_line, call_column;   /* 0: unknown */
};

/* One CU's walk.  The caller sets a (the addresses, sorted, DWARF's),
 * n and oc; dp_cu_walk_run fills the rest. */
struct dp_cu_walk {
	const Dwarf_Addr *a;
	size_t n;
	struct dp_origin_cache *oc;    /* borrowed */
	int32_t *inner;            /* per address: innermost node, -1 none */
	struct dp_walk_node *nodes;
	size_t nr_nodes, cap_nodes;
};

/* Walk cu's tree once for w->a[0..n): descending only into the DIEs that
 * can hold code and hold one of the addresses.  Returns 0 or -ENOMEM.
 * A corrupt DIE ends the walk below it (its addresses get fewer frames),
 * never a crash. */
int dp_cu_walk_run(struct dp_cu_walk *w, Dwarf_Die *cu);

/* Free inner and nodes.  Safe on a zeroed w. */
void dp_cu_walk_release(struct dp_cu_walk *w);

#endif
