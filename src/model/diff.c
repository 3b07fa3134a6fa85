/* diff — match two reports' tables by name and compute rate changes.
 * Every table goes through one routine: collect (name, value) from each
 * side, sort both by name, merge, then order by |change| so the biggest
 * movement comes first; ties break on name for deterministic output.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/model/diff.h"
#include "dropprof/model/report.h"

struct cell {
	const char *name;   /* borrowed from a report */
	int64_t value;
	bool drop_related;
};

static int cmp_cell_name(const void *a, const void *b)
{
	return strcmp(((const struct cell *)a)->name, ((const struct cell *)b)->name);
}

static int cmp_row(const void *pa, const void *pb)
{
	const struct dp_diff_row *a = pa, *b = pb;
	double x = fabs(a->change), y = fabs(b->change);

	if (a->drop_related != b->drop_related)
		return a->drop_related ? -1 : 1;
	if (x != y)
		return x > y ? -1 : 1;
	return strcmp(a->name, b->name);
}

static double per_second(int64_t v, double duration)
{
	return duration > 0 ? (double)v / duration : 0.0;
}

/* Merge two name-sorted cell lists into rows. */
static int merge(struct dp_diff_table *t, struct cell *a, size_t na,
		 struct cell *b, size_t nb, double da, double db)
{
	size_t i = 0, j = 0;

	qsort(a, na, sizeof(*a), cmp_cell_name);
	qsort(b, nb, sizeof(*b), cmp_cell_name);
	t->rows = calloc(na + nb ? na + nb : 1, sizeof(*t->rows));
	if (!t->rows)
		return -ENOMEM;
	while (i < na || j < nb) {
		struct dp_diff_row *r = &t->rows[t->nr];
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i].name, b[j].name);
		const struct cell *src = c <= 0 ? &a[i] : &b[j];

		r->name = strdup(src->name);
		if (!r->name)
			return -ENOMEM;
		t->nr++;
		r->drop_related = src->drop_related;
		r->status = c < 0 ? DP_DIFF_GONE : c > 0 ? DP_DIFF_NEW : DP_DIFF_BOTH;
		r->before = c <= 0 ? a[i].value : 0;
		r->after = c >= 0 ? b[j].value : 0;
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
		r->rate_before = per_second(r->before, da);
		r->rate_after = per_second(r->after, db);
		r->change = r->rate_after - r->rate_before;
		r->has_pct = r->rate_before != 0;
		if (r->has_pct)
			r->change_pct = 100.0 * r->change / fabs(r->rate_before);
	}
	qsort(t->rows, t->nr, sizeof(*t->rows), cmp_row);
	return 0;
}

enum what { REASONS, SITES, STACKS, COUNTERS };

static struct cell *cells_of(const struct dp_report *r, enum what w, size_t *n)
{
	size_t cap = w == REASONS ? r->nr_reasons : w == SITES ? r->nr_sites :
		     w == STACKS ? r->nr_folded : r->nr_counters;
	struct cell *c = calloc(cap ? cap : 1, sizeof(*c));

	*n = cap;
	if (!c)
		return NULL;
	for (size_t i = 0; i < cap; i++) {
		switch (w) {
		case REASONS:
			c[i].name = r->reasons[i].name;
			c[i].value = (int64_t)r->reasons[i].count;
			break;
		case SITES:
			c[i].name = r->sites[i].site;
			c[i].value = (int64_t)r->sites[i].count;
			break;
		case STACKS:
			c[i].name = r->folded[i].stack;
			c[i].value = (int64_t)r->folded[i].count;
			break;
		case COUNTERS:
			c[i].name = r->counters[i].row.name;
			c[i].value = r->counters[i].row.delta;
			c[i].drop_related = r->counters[i].row.drop_related;
			break;
		}
	}
	return c;
}

static int build_table(struct dp_diff *d, struct dp_diff_table *t, enum what w)
{
	size_t na, nb;
	struct cell *a = cells_of(d->before, w, &na);
	struct cell *b = cells_of(d->after, w, &nb);
	int ret = -ENOMEM;

	if (a && b)
		ret = merge(t, a, na, b, nb, d->before->duration,
			    d->after->duration);
	free(a);
	free(b);
	return ret;
}

int dp_diff_build(struct dp_diff *d, const struct dp_report *before,
		  const struct dp_report *after, const char *before_name,
		  const char *after_name, size_t top_n)
{
	int ret;

	memset(d, 0, sizeof(*d));
	d->before = before;
	d->after = after;
	d->before_name = before_name;
	d->after_name = after_name;
	d->top_n = top_n;
	d->kernels_differ = strcmp(before->kernel, after->kernel) != 0;
	d->rate_before = before->drop_rate;
	d->rate_after = after->drop_rate;
	d->change = d->rate_after - d->rate_before;
	d->has_pct = d->rate_before != 0;
	if (d->has_pct)
		d->change_pct = 100.0 * d->change / d->rate_before;
	ret = build_table(d, &d->reasons, REASONS);
	if (!ret)
		ret = build_table(d, &d->sites, SITES);
	if (!ret)
		ret = build_table(d, &d->stacks, STACKS);
	if (!ret)
		ret = build_table(d, &d->counters, COUNTERS);
	if (ret)
		dp_diff_release(d);
	return ret;
}

static void release_table(struct dp_diff_table *t)
{
	for (size_t i = 0; i < t->nr; i++)
		free(t->rows[i].name);
	free(t->rows);
	t->rows = NULL;
	t->nr = 0;
}

void dp_diff_release(struct dp_diff *d)
{
	release_table(&d->reasons);
	release_table(&d->sites);
	release_table(&d->stacks);
	release_table(&d->counters);
}

uint64_t dp_diff_scaled_after(const struct dp_diff *d, const struct dp_diff_row *r)
{
	double da = d->before->duration, db = d->after->duration;

	if (r->after <= 0)
		return 0;
	if (da <= 0 || db <= 0)
		return (uint64_t)r->after;
	return (uint64_t)llround((double)r->after * da / db);
}
