/* estimate — exact strata, weighted samples: share each stratum's exact
 * drop count over its stack samples by weight (see the header).
 *
 * Rounding is Hamilton's largest-remainder method: every sample gets the
 * floor of its quota, and the drops left over go one each to the largest
 * fractional parts (ties to the earlier key), so integers add up exactly
 * and the same profile always gives the same counts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/model/estimate.h"
#include "dropprof/profile/profile.h"

struct stratum {
	uint64_t reason, site, cpu;
	uint64_t drops;
};

struct item {
	struct stratum s;
	const uint64_t *key;     /* the profile's key, borrowed */
	uint32_t len;
	int unstacked;
	uint64_t samples, weight;
	uint64_t drops;
	unsigned __int128 rem;   /* quota remainder: the fractions of one
				    stratum share a denominator */
	size_t order;            /* position in key order, for ties */
};

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_stratum(const struct stratum *a, const struct stratum *b)
{
	int c = cmp_u64(a->reason, b->reason);

	if (!c)
		c = cmp_u64(a->site, b->site);
	return c ? c : cmp_u64(a->cpu, b->cpu);
}

static int cmp_strata(const void *pa, const void *pb)
{
	return cmp_stratum(pa, pb);
}

static int cmp_items(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	int c = cmp_stratum(&a->s, &b->s);

	if (c)
		return c;
	if (a->unstacked != b->unstacked)
		return a->unstacked - b->unstacked;
	for (uint32_t i = DP_STACK_KEY_HEAD; i < a->len && i < b->len; i++)
		if (a->key[i] != b->key[i])
			return cmp_u64(a->key[i], b->key[i]);
	return cmp_u64(a->len, b->len);
}

static int cmp_remainder(const void *pa, const void *pb)
{
	const struct item *a = *(const struct item *const *)pa;
	const struct item *b = *(const struct item *const *)pb;

	if (a->rem != b->rem)
		return a->rem > b->rem ? -1 : 1;
	return cmp_u64(a->order, b->order);
}

static struct stratum stratum_of(const struct dp_profile *p, uint64_t reason,
				 uint64_t site, uint64_t cpu)
{
	struct stratum s = { reason, site, cpu, 0 };

	if (p->stack_strata == DP_STRATA_REASON) {
		s.site = 0;
		s.cpu = DP_CPU_ANY;
	}
	return s;
}

/* The exact strata from 'sites' ([location, reason, cpu]), merged. */
static struct stratum *collect_strata(const struct dp_profile *p, size_t *nr)
{
	const struct dp_keytab *t = &p->sites;
	struct stratum *v = calloc(t->nr_used ? t->nr_used : 1, sizeof(*v));
	size_t n = 0, m = 0;

	if (!v)
		return NULL;
	for (const struct dp_keytab_entry *e = dp_keytab_next(t, NULL); e;
	     e = dp_keytab_next(t, e)) {
		const uint64_t *k = dp_keytab_key(t, e);

		v[n] = stratum_of(p, k[1], k[0], e->key_len > 2 ? k[2] : DP_CPU_ANY);
		v[n++].drops = e->count;
	}
	qsort(v, n, sizeof(*v), cmp_strata);
	for (size_t i = 0; i < n; i++) {
		if (m && !cmp_stratum(&v[m - 1], &v[i]))
			v[m - 1].drops += v[i].drops;
		else
			v[m++] = v[i];
	}
	*nr = m;
	return v;
}

static size_t collect_items(const struct dp_profile *p, struct item *v)
{
	size_t n = 0;

	for (int u = 0; u < 2; u++) {
		const struct dp_keytab *t = u ? &p->unstacked : &p->stacks;

		for (const struct dp_keytab_entry *e = dp_keytab_next(t, NULL); e;
		     e = dp_keytab_next(t, e)) {
			const uint64_t *k = dp_keytab_key(t, e);

			if (e->key_len < DP_STACK_KEY_HEAD + (u ? 1 : 0))
				continue;   /* never written so; not ours to place */
			v[n].s = stratum_of(p, k[0], k[1], k[2]);
			v[n].key = k;
			v[n].len = e->key_len;
			v[n].unstacked = u;
			v[n].samples = e->count;
			/* A weight of 0 (never written so) counts as one. */
			v[n].weight = e->weight ? e->weight : e->count;
			n++;
		}
	}
	qsort(v, n, sizeof(*v), cmp_items);
	for (size_t i = 0; i < n; i++)
		v[i].order = i;
	return n;
}

/* Share s->drops over items[0..n) by weight. */
static int apportion(const struct stratum *s, struct item *it, size_t n)
{
	unsigned __int128 total = 0;
	uint64_t given = 0;
	struct item **by_rem;

	for (size_t i = 0; i < n; i++)
		total += it[i].weight;
	if (!total)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned __int128 q = (unsigned __int128)s->drops * it[i].weight;

		it[i].drops = (uint64_t)(q / total);
		it[i].rem = q % total;
		given += it[i].drops;
	}
	if (given == s->drops)
		return 0;
	by_rem = malloc(n * sizeof(*by_rem));
	if (!by_rem)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		by_rem[i] = &it[i];
	qsort(by_rem, n, sizeof(*by_rem), cmp_remainder);
	/* Fewer than n drops are left: one each to the largest remainders. */
	for (size_t i = 0; given < s->drops && i < n; i++, given++)
		by_rem[i]->drops++;
	free(by_rem);
	return 0;
}

static void emit(struct dp_estimates *out, const struct item *it, bool exact)
{
	struct dp_estimate *e = &out->v[out->nr++];

	memset(e, 0, sizeof(*e));
	e->reason = it->s.reason;
	e->site = it->s.site;
	e->cpu = it->s.cpu;
	e->samples = it->samples;
	e->drops = it->drops;
	e->exact = exact;
	if (it->unstacked) {
		e->kind = DP_EST_UNSTACKED;
		e->unstacked = it->key[DP_STACK_KEY_HEAD];
	} else {
		e->kind = DP_EST_STACK;
		e->ips = it->key + DP_STACK_KEY_HEAD;
		e->nr_ips = it->len - DP_STACK_KEY_HEAD;
	}
}

int dp_estimate_stacks(const struct dp_profile *p, struct dp_estimates *out)
{
	size_t nr_strata = 0, nr_items, i = 0, j = 0;
	size_t cap = p->stacks.nr_used + p->unstacked.nr_used;
	struct stratum *strata;
	struct item *items;
	int err = 0;

	memset(out, 0, sizeof(*out));
	strata = collect_strata(p, &nr_strata);
	items = calloc(cap ? cap : 1, sizeof(*items));
	out->v = calloc(cap + nr_strata ? cap + nr_strata : 1, sizeof(*out->v));
	if (!strata || !items || !out->v) {
		err = -ENOMEM;
		goto out;
	}
	nr_items = collect_items(p, items);
	/* Merge-walk strata and items, both in stratum order. */
	while (i < nr_strata || j < nr_items) {
		int c = i == nr_strata ? 1 : j == nr_items ? -1 :
			cmp_stratum(&strata[i], &items[j].s);
		size_t k = j;
		uint64_t samples = 0, weight = 0;
		bool exact;

		if (c < 0) {   /* a stratum without any sample */
			struct dp_estimate *e = &out->v[out->nr++];

			memset(e, 0, sizeof(*e));
			e->kind = DP_EST_UNSAMPLED;
			e->reason = strata[i].reason;
			e->site = strata[i].site;
			e->cpu = strata[i].cpu;
			e->drops = strata[i].drops;
			i++;
			continue;
		}
		while (k < nr_items && !cmp_stratum(&items[k].s, &items[j].s)) {
			samples += items[k].samples;
			weight += items[k].weight;
			k++;
		}
		if (c > 0) {   /* samples of drops the exact count lacks */
			for (; j < k; j++)
				out->unplaced += items[j].samples;
			continue;
		}
		err = apportion(&strata[i], items + j, k - j);
		if (err)
			goto out;
		exact = samples == strata[i].drops && weight == samples;
		/* Samples whose share rounds to no drop stay (0 drops), so
		 * every sample is accounted for. */
		for (; j < k; j++)
			emit(out, &items[j], exact);
		i++;
	}
out:
	free(strata);
	free(items);
	if (err)
		dp_estimates_release(out);
	return err;
}

void dp_estimates_release(struct dp_estimates *e)
{
	free(e->v);
	memset(e, 0, sizeof(*e));
}
