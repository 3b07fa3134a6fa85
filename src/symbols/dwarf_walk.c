/* dwarf_walk — one CU's DIE tree walked once for all of a batch's
 * addresses in it: top level first, descending only into the functions,
 * inlined copies and blocks that hold one of them, and reading each DIE
 * it looks at in one scan of its attributes.
 *
 * That one scan is most of the saving: libdw's dwarf_ranges() finds
 * low_pc and high_pc with a dwarf_attr() each (each a scan of the DIE's
 * attributes, high_pc twice when it is an offset), and a kept DIE was
 * scanned again for its name and call site.  Here the scan keeps every
 * attribute the walk or a frame needs; dwarf_ranges is called only for
 * a DIE that does not have both low_pc and high_pc itself (DW_AT_ranges,
 * or bounds found through abstract_origin), so the ranges are the ones
 * libdw gives.
 *
 * The inline chain is the one elfutils' addr2line -i prints: every DIE
 * that lexically contains the address, innermost first.  addr2line gets
 * it from dwarf_getscopes, which leaks its array when an inlined
 * instance's abstract_origin is broken (elfutils 0.188, found by
 * fuzz_notes); the walk here finds the same DIEs, the first child
 * holding an address at each level.
 */
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/symbols/dwarf_walk.h"

/* Nesting deeper than this (inlines of inlines of ...) is cut; real
 * kernels stay far below it. */
#define MAX_DEPTH 64

/* The attributes of one DIE that the walk and the frames use. */
enum {
	A_LINKAGE, A_NAME, A_ORIGIN, A_SPEC, A_LOW, A_HIGH,
	A_CALL_FILE, A_CALL_LINE, A_CALL_COLUMN, NR_ATTRS
};

struct scan {
	Dwarf_Attribute a[NR_ATTRS];
	unsigned have;             /* 1 << A_x when a[A_x] was found */
};

static int grab_attr(Dwarf_Attribute *a, void *arg)
{
	struct scan *s = arg;
	int k;

	switch (dwarf_whatattr(a)) {
	case DW_AT_linkage_name:   k = A_LINKAGE; break;
	case DW_AT_name:           k = A_NAME; break;
	case DW_AT_abstract_origin: k = A_ORIGIN; break;
	case DW_AT_specification:  k = A_SPEC; break;
	case DW_AT_low_pc:         k = A_LOW; break;
	case DW_AT_high_pc:        k = A_HIGH; break;
	case DW_AT_call_file:      k = A_CALL_FILE; break;
	case DW_AT_call_line:      k = A_CALL_LINE; break;
	case DW_AT_call_column:    k = A_CALL_COLUMN; break;
	default:
		return DWARF_CB_OK;
	}
	s->a[k] = *a;
	s->have |= 1u << k;
	return DWARF_CB_OK;
}

static void scan_die(Dwarf_Die *die, struct scan *s)
{
	s->have = 0;
	dwarf_getattrs(die, grab_attr, s, 0);
}

static bool has(const struct scan *s, int k)
{
	return s->have & (1u << k);
}

static const char *str_of(struct scan *s, int k)
{
	return has(s, k) ? dwarf_formstring(&s->a[k]) : NULL;
}

static uint64_t udata_of(struct scan *s, int k)
{
	Dwarf_Word v = 0;

	return has(s, k) && dwarf_formudata(&s->a[k], &v) == 0 ? v : 0;
}

/* [lo, hi) from the DIE's own low_pc and high_pc, read as dwarf_lowpc
 * and dwarf_highpc read them (high_pc an address, else an offset from
 * low_pc).  false: not both there, or unreadable; dwarf_ranges decides. */
static bool own_range(struct scan *s, Dwarf_Addr *lo, Dwarf_Addr *hi)
{
	Dwarf_Word off;

	if (!has(s, A_LOW) || !has(s, A_HIGH) || dwarf_formaddr(&s->a[A_LOW], lo) != 0)
		return false;
	switch (dwarf_whatform(&s->a[A_HIGH])) {
	case DW_FORM_addr:
	case DW_FORM_addrx:
	case DW_FORM_addrx1:
	case DW_FORM_addrx2:
	case DW_FORM_addrx3:
	case DW_FORM_addrx4:
	case DW_FORM_GNU_addr_index:
		return dwarf_formaddr(&s->a[A_HIGH], hi) == 0;
	default:
		if (dwarf_formudata(&s->a[A_HIGH], &off) != 0)
			return false;
		*hi = *lo + off;
		return true;
	}
}

int dp_origin_cache_init(struct dp_origin_cache *c, size_t expect)
{
	size_t n = 64;

	while (n < 2 * expect && n < ((size_t)1 << 24))
		n *= 2;
	c->keys = calloc(n, sizeof(*c->keys));
	c->vals = malloc(n * sizeof(*c->vals));
	c->mask = n - 1;
	return c->keys && c->vals ? 0 : -ENOMEM;
}

void dp_origin_cache_release(struct dp_origin_cache *c)
{
	free(c->keys);
	free(c->vals);
	memset(c, 0, sizeof(*c));
}

/* The slot of off: its entry, or the empty slot for it (the table never
 * fills: when it is full the caller just does not cache). */
static size_t origin_slot(const struct dp_origin_cache *c, Dwarf_Off off, bool *hit)
{
	size_t i = (size_t)((off * 0x9e3779b97f4a7c15ULL) >> 20) & c->mask;

	for (size_t probes = 0; probes <= c->mask; probes++, i = (i + 1) & c->mask) {
		if (c->keys[i] == off) {
			*hit = true;
			return i;
		}
		if (!c->keys[i]) {
			*hit = false;
			return i;
		}
	}
	*hit = false;
	return SIZE_MAX;
}

/* The names along the chain from a DIE (s: its attributes) through
 * abstract_origin and specification, up to 17 DIEs as libdw follows, as
 * dwarf_attr_integrate() finds each. */
static struct dp_chain_names chain_names(struct dp_origin_cache *c, struct scan *s,
					 int depth)
{
	struct dp_chain_names r = { str_of(s, A_LINKAGE), str_of(s, A_NAME) }, up;
	Dwarf_Attribute *ref = has(s, A_ORIGIN) ? &s->a[A_ORIGIN] :
			       has(s, A_SPEC) ? &s->a[A_SPEC] : NULL;
	Dwarf_Die mem;
	struct scan g;
	size_t slot;
	bool hit;

	if (r.linkage || !ref || depth >= 16 || !dwarf_formref_die(ref, &mem))
		return r;
	slot = origin_slot(c, dwarf_dieoffset(&mem), &hit);
	if (hit) {
		up = c->vals[slot];
	} else {
		scan_die(&mem, &g);
		up = chain_names(c, &g, depth + 1);
		/* The recursion may have filled the slot's neighbourhood. */
		slot = origin_slot(c, dwarf_dieoffset(&mem), &hit);
		if (slot != SIZE_MAX) {
			c->keys[slot] = dwarf_dieoffset(&mem);
			c->vals[slot] = up;
		}
	}
	if (up.linkage)
		r.linkage = up.linkage;
	if (!r.name)
		r.name = up.name;
	return r;
}

/* Tags that can have code ranges, and so hold the scope of an address.
 * Anything else (types, variables, parameters, call sites, labels) is
 * skipped without a look at its attributes or its children. */
static bool holds_code(int tag)
{
	switch (tag) {
	case DW_TAG_subprogram:
	case DW_TAG_inlined_subroutine:
	case DW_TAG_entry_point:
	case DW_TAG_lexical_block:
	case DW_TAG_try_block:
	case DW_TAG_catch_block:
	case DW_TAG_with_stmt:
		return true;
	default:
		return false;
	}
}

/* A node for a DIE (s: its attributes) found to hold an address: what
 * its frame needs, read now, while the DIE is at hand. */
static int add_node(struct dp_cu_walk *w, struct scan *s, int tag, int32_t parent,
		    int32_t *idx)
{
	struct dp_walk_node *n;

	if (w->nr_nodes == w->cap_nodes) {
		size_t nc = w->cap_nodes ? 2 * w->cap_nodes : 64;
		struct dp_walk_node *nn = realloc(w->nodes, nc * sizeof(*nn));

		if (!nn)
			return -ENOMEM;
		w->nodes = nn;
		w->cap_nodes = nc;
	}
	*idx = (int32_t)w->nr_nodes;
	n = &w->nodes[w->nr_nodes++];
	*n = (struct dp_walk_node){ .parent = parent, .tag = tag };
	if (tag == DW_TAG_subprogram || tag == DW_TAG_entry_point ||
	    tag == DW_TAG_inlined_subroutine) {
		struct dp_chain_names r = chain_names(w->oc, s, 0);

		n->name = r.linkage ? r.linkage : r.name;
	}
	if (tag == DW_TAG_inlined_subroutine) {
		uint64_t line = udata_of(s, A_CALL_LINE), col = udata_of(s, A_CALL_COLUMN);

		n->has_call_file = has(s, A_CALL_FILE);
		n->call_file = udata_of(s, A_CALL_FILE);
		n->call_line = line <= UINT32_MAX ? (uint32_t)line : 0;
		n->call_column = col <= UINT32_MAX ? (uint32_t)col : 0;
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* What the addresses list[0..nl) (sorted) of one level are claimed by. */
struct level {
	const uint32_t *list;
	size_t nl;
	int32_t pnode;             /* the parent's node */
	size_t left;               /* not yet claimed by a child */
	uint32_t *sub;             /* those a child claims */
	size_t nsub;
};

/* The addresses of [lo, hi) that no earlier sibling has become child's
 * (node *idx, made on the first). */
static int claim(struct dp_cu_walk *w, struct level *l, struct scan *s, int tag,
		 Dwarf_Addr lo, Dwarf_Addr hi, int32_t *idx)
{
	size_t k = 0, top = l->nl;

	while (k < top) {       /* first address >= lo */
		size_t mid = k + (top - k) / 2;

		if (w->a[l->list[mid]] < lo)
			k = mid + 1;
		else
			top = mid;
	}
	for (; k < l->nl && w->a[l->list[k]] < hi; k++) {
		uint32_t x = l->list[k];

		if (w->inner[x] != l->pnode)
			continue;   /* an earlier sibling has it */
		if (*idx < 0) {
			if (add_node(w, s, tag, l->pnode, idx) < 0)
				return -ENOMEM;
			if (!l->sub && !(l->sub = malloc(l->nl * sizeof(*l->sub))))
				return -ENOMEM;
		}
		w->inner[x] = *idx;
		l->sub[l->nsub++] = x;
		l->left--;
	}
	return 0;
}

/* list: indexes of the addresses (sorted) whose innermost node so far is
 * pnode, the parent's.  Each child that can hold code and whose ranges
 * hold some of them becomes their innermost node (the first such child
 * wins, as in a walk down by dwarf_haspc), and is walked in turn with
 * those.  A child none of them is in is not descended into: at the top
 * that skips every function without an address of the batch. */
static int walk(struct dp_cu_walk *w, Dwarf_Die *parent, int32_t pnode,
		const uint32_t *list, size_t nl, int depth)
{
	struct level l = { list, nl, pnode, nl, NULL, 0 };
	Dwarf_Die child;
	int ret = 0;

	if (depth >= MAX_DEPTH || dwarf_child(parent, &child) != 0)
		return 0;
	do {
		Dwarf_Addr base, lo, hi;
		int32_t idx = -1;
		int tag = dwarf_tag(&child);
		struct scan s;

		if (!holds_code(tag))
			continue;
		l.nsub = 0;
		scan_die(&child, &s);
		if (own_range(&s, &lo, &hi)) {
			ret = claim(w, &l, &s, tag, lo, hi, &idx);
		} else {
			ptrdiff_t off = 0;

			while (ret == 0 && (off = dwarf_ranges(&child, off, &base, &lo, &hi)) > 0)
				ret = claim(w, &l, &s, tag, lo, hi, &idx);
		}
		if (ret < 0)
			goto out;
		if (l.nsub && dwarf_haschildren(&child)) {
			/* Ranges may come in any order: keep the list sorted. */
			qsort(l.sub, l.nsub, sizeof(*l.sub), cmp_u32);
			ret = walk(w, &child, idx, l.sub, l.nsub, depth + 1);
			if (ret < 0)
				goto out;
		}
		/* Every address has its child: later siblings get none. */
	} while (l.left && dwarf_siblingof(&child, &child) == 0);
out:
	free(l.sub);
	return ret;
}

int dp_cu_walk_run(struct dp_cu_walk *w, Dwarf_Die *cu)
{
	uint32_t *list;
	int ret;

	w->inner = malloc((w->n ? w->n : 1) * sizeof(*w->inner));
	list = malloc((w->n ? w->n : 1) * sizeof(*list));
	if (!w->inner || !list) {
		free(list);
		return -ENOMEM;
	}
	for (size_t i = 0; i < w->n; i++) {
		w->inner[i] = -1;
		list[i] = (uint32_t)i;
	}
	ret = w->n ? walk(w, cu, -1, list, w->n, 0) : 0;
	free(list);
	return ret;
}

void dp_cu_walk_release(struct dp_cu_walk *w)
{
	free(w->nodes);
	free(w->inner);
	w->nodes = NULL;
	w->inner = NULL;
	w->nr_nodes = w->cap_nodes = 0;
}
