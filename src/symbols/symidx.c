/* symidx — symbols by address with dwfl_module_addrinfo()'s choices, in
 * two passes as libdwfl makes them (globals, then locals), each over an
 * array sorted by address with a running maximum of the symbols' ends:
 * the sized symbols holding an address are found by walking down from
 * it only while some symbol below can still reach it, which is one or
 * two steps in a real symbol table.
 */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/symbols/symidx.h"

struct ent {
	struct dp_symidx_sym s;
	uint32_t order;            /* in the symbol table */
};

struct pass {
	struct ent *e;             /* by address, then table order */
	uint64_t *max_end;         /* max(addr + size) over e[0..i] */
	uint32_t *labels;          /* indexes into e of the sizeless ones */
	size_t n, nr_labels;
};

struct dp_symidx {
	struct pass pass[2];       /* globals and weak ones, then locals */
	struct dp_symidx_scn *scns;
	size_t nr_scns;
};

/* A most-containing-symbols bound: more symbols than this that all hold
 * one address (nested aliases) are not told apart. */
#define MAX_HOLDERS 16

static int cmp_ent(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->s.addr != y->s.addr)
		return x->s.addr < y->s.addr ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

static int binding_value(const struct dp_symidx_sym *s)
{
	switch (s->bind) {
	case STB_GLOBAL:
		return 3;
	case STB_WEAK:
		return 2;
	case STB_LOCAL:
		return 1;
	default:
		return 0;
	}
}

static uint64_t end_of(const struct dp_symidx_sym *s)
{
	uint64_t e = s->addr + s->size;

	return e < s->addr ? UINT64_MAX : e;
}

static int build_pass(struct pass *p)
{
	uint64_t m = 0;

	qsort(p->e, p->n, sizeof(*p->e), cmp_ent);
	p->max_end = malloc((p->n ? p->n : 1) * sizeof(*p->max_end));
	p->labels = malloc((p->n ? p->n : 1) * sizeof(*p->labels));
	if (!p->max_end || !p->labels)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++) {
		if (end_of(&p->e[i].s) > m)
			m = end_of(&p->e[i].s);
		p->max_end[i] = m;
		if (!p->e[i].s.size)
			p->labels[p->nr_labels++] = (uint32_t)i;
	}
	return 0;
}

int dp_symidx_new(struct dp_symidx **out, const struct dp_symidx_sym *syms, size_t n,
		  const struct dp_symidx_scn *scns, size_t nscn)
{
	struct dp_symidx *x;
	size_t nl = 0;

	*out = NULL;
	if (n > UINT32_MAX)
		return -ENOMEM;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		nl += syms[i].bind == STB_LOCAL;
	x->pass[0].e = malloc((n - nl + 1) * sizeof(struct ent));
	x->pass[1].e = malloc((nl + 1) * sizeof(struct ent));
	x->scns = malloc((nscn + 1) * sizeof(*x->scns));
	if (!x->pass[0].e || !x->pass[1].e || !x->scns)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		struct pass *p = &x->pass[syms[i].bind == STB_LOCAL];

		p->e[p->n++] = (struct ent){ syms[i], (uint32_t)i };
	}
	if (nscn)
		memcpy(x->scns, scns, nscn * sizeof(*scns));
	x->nr_scns = nscn;
	if (build_pass(&x->pass[0]) || build_pass(&x->pass[1]))
		goto nomem;
	*out = x;
	return 0;
nomem:
	dp_symidx_free(x);
	return -ENOMEM;
}

void dp_symidx_free(struct dp_symidx *x)
{
	if (!x)
		return;
	for (int i = 0; i < 2; i++) {
		free(x->pass[i].e);
		free(x->pass[i].max_end);
		free(x->pass[i].labels);
	}
	free(x->scns);
	free(x);
}

/* How many of p's symbols start at or below a. */
static size_t upto(const struct pass *p, uint64_t a)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->e[mid].s.addr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The sized symbol libdwfl keeps, given what it held before: the rules
 * depend on the order symbols come in, so holders are taken in table
 * order. */
static const struct ent *better(const struct ent *cur, const struct ent *c)
{
	int bc, bn;

	if (!cur)
		return c;
	bc = binding_value(&cur->s);
	bn = binding_value(&c->s);
	if (cur->s.addr < c->s.addr || bc < bn)
		return c;
	if (cur->s.addr == c->s.addr &&
	    ((cur->s.size > c->s.size && bc <= bn) || (cur->s.size >= c->s.size && bc < bn)))
		return c;
	return cur;
}

static const struct ent *sized_holder(const struct pass *p, size_t hi, uint64_t a,
				      const struct ent *cur)
{
	const struct ent *h[MAX_HOLDERS];
	size_t k = 0;

	for (size_t i = hi; i-- > 0 && p->max_end[i] > a;) {
		const struct ent *e = &p->e[i];

		if (e->s.size && a - e->s.addr < e->s.size && k < MAX_HOLDERS)
			h[k++] = e;
	}
	/* Into table order (k is 1 or 2 in practice). */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && h[j - 1]->order > h[j]->order; j--) {
			const struct ent *t = h[j];

			h[j] = h[j - 1];
			h[j - 1] = t;
		}
	for (size_t i = 0; i < k; i++)
		cur = better(cur, h[i]);
	return cur;
}

/* The section of a: its index and start, or SHN_ABS when none. */
static uint32_t section_of(const struct dp_symidx *x, uint64_t a, uint64_t *start)
{
	for (size_t i = 0; i < x->nr_scns; i++)
		if (a >= x->scns[i].addr && a - x->scns[i].addr < x->scns[i].size) {
			*start = x->scns[i].addr;
			return x->scns[i].index;
		}
	*start = a;
	return SHN_ABS;
}

/* The nearest label at or below a in a's section; of labels at one
 * address the later in the table. */
static const struct ent *label_below(const struct pass *p, uint64_t a, uint32_t shndx,
				     uint64_t start)
{
	size_t lo = 0, hi = p->nr_labels;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->e[p->labels[mid]].s.addr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo-- > 0) {
		const struct ent *e = &p->e[p->labels[lo]];

		if (e->s.addr < start)
			break;          /* below a's section: none can match */
		if (e->s.shndx >= SHN_LORESERVE ? e->s.addr == a : e->s.shndx == shndx)
			return e;
	}
	return NULL;
}

const struct dp_symidx_sym *dp_symidx_find(const struct dp_symidx *x, uint64_t a)
{
	const struct ent *closest = NULL, *label = NULL;
	uint64_t min_label = 0, start = 0;
	uint32_t shndx = 0;
	bool scn_known = false;

	for (int pi = 0; pi < 2; pi++) {
		const struct pass *p = &x->pass[pi];
		size_t hi;

		/* Locals only when no global holds a, and no global label
		 * is exactly at it. */
		if (pi == 1 && (closest || (label && label->s.addr == a)))
			break;
		hi = upto(p, a);
		if (!hi)
			continue;
		if (p->max_end[hi - 1] > min_label)
			min_label = p->max_end[hi - 1];
		closest = sized_holder(p, hi, a, closest);
		if (!closest) {
			const struct ent *l;

			if (!scn_known) {
				shndx = section_of(x, a, &start);
				scn_known = true;
			}
			l = label_below(p, a, shndx, start);
			if (l && (!label || l->s.addr >= label->s.addr))
				label = l;
		}
	}
	if (closest)
		return &closest->s;
	/* A label counts only if no symbol below a reaches past it. */
	if (label && label->s.addr >= min_label)
		return &label->s;
	return NULL;
}
