/* diff — match two reports' tables by name and compute rate changes.
 * Every table goes through one routine: collect (name, value) from each
 * side, sort both by name, merge, then order by |change| so the biggest
 * movement comes first; ties break on name for deterministic output.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/model/diff.h"
#include "dropprof/model/report.h"

struct cell {
	const char *name;   /* borrowed from a report, or 'owned' */
	char *owned;
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

/* The scope a counter row goes by.  A profile before 2.1 read its
 * counters in dropprof's own namespace, softnet for the machine: against
 * a newer profile they take the names that one gives those scopes, so
 * that one counter stays one row instead of one gone and one new. */
static const char *row_scope(const struct dp_report *r, const struct dp_report *other,
			     const struct dp_counter_row *row)
{
	const struct dp_report_scope *s = row->scope < r->nr_scopes ?
					  &r->scopes[row->scope] : NULL;
	bool machine = !strncmp(row->name, "softnet:", 8);

	if (s && s->kind != DP_SCOPE_LEGACY)
		return s->name;
	for (size_t i = 0; i < other->nr_scopes; i++) {
		const struct dp_report_scope *o = &other->scopes[i];

		if (machine ? o->kind == DP_SCOPE_MACHINE :
		    o->kind != DP_SCOPE_LEGACY && (o->flags & DP_SCOPE_OWN))
			return o->name;
	}
	return s ? s->name : "own";
}

static struct cell *cells_of(const struct dp_report *r, const struct dp_report *other,
			     enum what w, size_t *n)
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
		case COUNTERS: {
			/* One counter in two namespaces is two rows: the
			 * scope's name goes with it. */
			const struct dp_counter_row *row = &r->counters[i].row;
			const char *sc = row_scope(r, other, row);

			if (asprintf(&c[i].owned, "%s (%s)", row->name, sc) < 0) {
				c[i].owned = NULL;
				c[i].name = "";
			} else {
				c[i].name = c[i].owned;
			}
			c[i].value = r->counters[i].row.delta;
			c[i].drop_related = r->counters[i].row.drop_related;
			break;
		}
		}
	}
	return c;
}

static int build_table(struct dp_diff *d, struct dp_diff_table *t, enum what w)
{
	size_t na, nb;
	struct cell *a = cells_of(d->before, d->after, w, &na);
	struct cell *b = cells_of(d->after, d->before, w, &nb);
	int ret = -ENOMEM;

	if (a && b)
		ret = merge(t, a, na, b, nb, d->before->duration,
			    d->after->duration);
	for (size_t i = 0; a && i < na; i++) {
		if (w == COUNTERS && !a[i].owned)
			ret = -ENOMEM;
		free(a[i].owned);
	}
	for (size_t i = 0; b && i < nb; i++) {
		if (w == COUNTERS && !b[i].owned)
			ret = -ENOMEM;
		free(b[i].owned);
	}
	free(a);
	free(b);
	return ret;
}

static int scale_after(struct dp_diff *d);

static const struct dp_report_scope *scope_named(const struct dp_report *r,
						 const char *name)
{
	for (size_t i = 0; i < r->nr_scopes; i++)
		if (!strcmp(r->scopes[i].name, name))
			return &r->scopes[i];
	return NULL;
}

static char *setting_text(const struct dp_setting *s)
{
	return strdup(s->state == DP_SETTING_VALUE ? s->value :
		      s->state == DP_SETTING_ABSENT ? "(absent)" : "(unreadable)");
}

/* Settings read in a namespace of the same name in both windows whose
 * values differ, in AFTER's scope order, by name. */
static int build_settings(struct dp_diff *d)
{
	const struct dp_report *a = d->after, *b = d->before;
	size_t cap = 0;

	d->settings_compared = a->has_settings && b->has_settings;
	for (size_t i = 0; i < a->nr_scopes; i++)
		cap += a->scopes[i].nr_settings;
	d->settings = calloc(cap ? cap : 1, sizeof(*d->settings));
	if (!d->settings)
		return -ENOMEM;
	for (size_t i = 0; i < a->nr_scopes; i++) {
		const struct dp_report_scope *sa = &a->scopes[i];
		const struct dp_report_scope *sb = scope_named(b, sa->name);

		for (size_t k = 0; sb && k < sa->nr_settings; k++) {
			const struct dp_setting *x = &sa->settings[k], *y = NULL;
			struct dp_diff_setting *ds;

			for (size_t n = 0; n < sb->nr_settings && !y; n++)
				if (!strcmp(sb->settings[n].name, x->name))
					y = &sb->settings[n];
			if (!y || (x->state == y->state &&
				   (x->state != DP_SETTING_VALUE || !strcmp(x->value, y->value))))
				continue;
			ds = &d->settings[d->nr_settings++];
			ds->scope = strdup(sa->name);
			ds->label = strdup(sa->label ? sa->label : sa->name);
			ds->name = strdup(x->name);
			ds->before = setting_text(y);
			ds->after = setting_text(x);
			if (!ds->scope || !ds->label || !ds->name || !ds->before || !ds->after)
				return -ENOMEM;
		}
	}
	return 0;
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
		ret = scale_after(d);
	if (!ret)
		ret = build_table(d, &d->counters, COUNTERS);
	if (!ret)
		ret = build_settings(d);
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
	for (size_t i = 0; i < d->nr_settings; i++) {
		free(d->settings[i].scope);
		free(d->settings[i].label);
		free(d->settings[i].name);
		free(d->settings[i].before);
		free(d->settings[i].after);
	}
	free(d->settings);
	d->settings = NULL;
	d->nr_settings = 0;
}

uint64_t dp_diff_scaled_after(const struct dp_diff *d, const struct dp_diff_row *r)
{
	(void)d;
	return r->scaled_after;
}

struct quota {
	struct dp_diff_row *row;
	double frac;
};

static int cmp_quota(const void *pa, const void *pb)
{
	const struct quota *a = pa, *b = pb;

	if (a->frac != b->frac)
		return a->frac > b->frac ? -1 : 1;
	return strcmp(a->row->name, b->row->name);
}

/* AFTER's stack counts at BEFORE's duration, in whole drops that add up
 * to AFTER's total scaled the same way (largest remainder, as the
 * report's estimates): a differential flame graph's two columns then
 * cover the same time and each sums to its drops. */
static int scale_after(struct dp_diff *d)
{
	struct dp_diff_table *t = &d->stacks;
	double da = d->before->duration, db = d->after->duration;
	double k = da > 0 && db > 0 ? da / db : 1.0;
	uint64_t total = 0, given = 0, want;
	struct quota *q;
	size_t n = 0;

	for (size_t i = 0; i < t->nr; i++)
		if (t->rows[i].after > 0)
			total += (uint64_t)t->rows[i].after;
	want = (uint64_t)llround((double)total * k);
	q = calloc(t->nr ? t->nr : 1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	for (size_t i = 0; i < t->nr; i++) {
		struct dp_diff_row *r = &t->rows[i];
		double x = r->after > 0 ? (double)r->after * k : 0.0;

		r->scaled_after = (uint64_t)x;
		given += r->scaled_after;
		if (r->after > 0)
			q[n++] = (struct quota){ r, x - (double)r->scaled_after };
	}
	qsort(q, n, sizeof(*q), cmp_quota);
	for (size_t i = 0; i < n && given < want; i++, given++)
		q[i].row->scaled_after++;
	free(q);
	return 0;
}
