/* symmap — the names of a profile's addresses and reasons: a container
 * filled once (profile/names.c from kallsyms, or the profile loader from a
 * file), sorted, and searched.  The report model reads names only from
 * here, so a live report and the report of a saved profile go through the
 * same code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/symbols/symmap.h"

void dp_symmap_init(struct dp_symmap *m)
{
	memset(m, 0, sizeof(*m));
}

static void free_src(struct dp_symmap_src *src, size_t n)
{
	for (size_t i = 0; src && i < n; i++) {
		free(src[i].function);
		free(src[i].file);
	}
	free(src);
}

void dp_symmap_release(struct dp_symmap *m)
{
	for (size_t i = 0; i < m->nr_addrs; i++) {
		free(m->addrs[i].name);
		free(m->addrs[i].module);
		free_src(m->addrs[i].src, m->addrs[i].nr_src);
	}
	free(m->addrs);
	for (size_t i = 0; i < m->nr_reasons; i++)
		free(m->reasons[i].name);
	free(m->reasons);
	memset(m, 0, sizeof(*m));
}

static int grow(void **arr, size_t *cap, size_t nr, size_t size)
{
	void *p;
	size_t n;

	if (nr < *cap)
		return 0;
	n = *cap ? *cap * 2 : 64;
	p = realloc(*arr, n * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

static char *dup_or_null(const char *s, int *err)
{
	char *p;

	if (!s)
		return NULL;
	p = strdup(s);
	if (!p)
		*err = -ENOMEM;
	return p;
}

int dp_symmap_add_addr(struct dp_symmap *m, uint64_t addr, const char *name,
		       const char *module, uint64_t offset)
{
	struct dp_symmap_entry *e;
	int err = 0;

	if (grow((void **)&m->addrs, &m->cap_addrs, m->nr_addrs, sizeof(*e)))
		return -ENOMEM;
	e = &m->addrs[m->nr_addrs];
	e->addr = addr;
	e->offset = name ? offset : 0;
	e->name = dup_or_null(name, &err);
	e->module = name ? dup_or_null(module, &err) : NULL;
	e->src = NULL;
	e->nr_src = 0;
	if (err) {
		free(e->name);
		free(e->module);
		return err;
	}
	m->nr_addrs++;
	return 0;
}

int dp_symmap_add_reason(struct dp_symmap *m, uint64_t value, const char *name)
{
	struct dp_reason_name *r;

	if (grow((void **)&m->reasons, &m->cap_reasons, m->nr_reasons, sizeof(*r)))
		return -ENOMEM;
	r = &m->reasons[m->nr_reasons];
	r->value = value;
	r->name = strdup(name);
	if (!r->name)
		return -ENOMEM;
	m->nr_reasons++;
	return 0;
}

static int cmp_addr(const void *a, const void *b)
{
	uint64_t x = ((const struct dp_symmap_entry *)a)->addr;
	uint64_t y = ((const struct dp_symmap_entry *)b)->addr;

	return x < y ? -1 : x > y;
}

static int cmp_reason(const void *a, const void *b)
{
	uint64_t x = ((const struct dp_reason_name *)a)->value;
	uint64_t y = ((const struct dp_reason_name *)b)->value;

	return x < y ? -1 : x > y;
}

int dp_symmap_sort(struct dp_symmap *m)
{
	/* qsort() must not see a NULL base, even for zero elements. */
	if (m->nr_addrs)
		qsort(m->addrs, m->nr_addrs, sizeof(*m->addrs), cmp_addr);
	if (m->nr_reasons)
		qsort(m->reasons, m->nr_reasons, sizeof(*m->reasons), cmp_reason);
	for (size_t i = 1; i < m->nr_addrs; i++)
		if (m->addrs[i].addr == m->addrs[i - 1].addr)
			return -EINVAL;
	for (size_t i = 1; i < m->nr_reasons; i++)
		if (m->reasons[i].value == m->reasons[i - 1].value)
			return -EINVAL;
	return 0;
}

int dp_symmap_set_src(struct dp_symmap *m, uint64_t addr,
		      const struct dp_symmap_src *src, size_t n)
{
	struct dp_symmap_entry *e = (struct dp_symmap_entry *)dp_symmap_addr(m, addr);
	struct dp_symmap_src *copy = NULL;
	int err = 0;

	if (!e)
		return -ENOENT;
	if (n > DP_SYMMAP_MAX_SRC)
		return -E2BIG;
	if (n) {
		copy = calloc(n, sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			copy[i].function = dup_or_null(src[i].function, &err);
			copy[i].file = dup_or_null(src[i].file, &err);
			copy[i].line = src[i].line;
			copy[i].inlined = src[i].inlined;
		}
		if (err) {
			free_src(copy, n);
			return err;
		}
	}
	m->nr_src -= e->nr_src != 0;
	free_src(e->src, e->nr_src);
	e->src = copy;
	e->nr_src = n;
	m->nr_src += n != 0;
	return 0;
}

const struct dp_symmap_entry *dp_symmap_addr(const struct dp_symmap *m,
					     uint64_t addr)
{
	struct dp_symmap_entry key = { .addr = addr };

	if (!m->nr_addrs)
		return NULL;
	return bsearch(&key, m->addrs, m->nr_addrs, sizeof(key), cmp_addr);
}

const char *dp_symmap_reason(const struct dp_symmap *m, uint64_t value)
{
	struct dp_reason_name key = { .value = value };
	const struct dp_reason_name *r;

	if (!m->nr_reasons)
		return NULL;
	r = bsearch(&key, m->reasons, m->nr_reasons, sizeof(key), cmp_reason);
	return r ? r->name : NULL;
}
