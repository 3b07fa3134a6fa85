/* profile — aggregation of decoded drops.  Called once per sample on the
 * reader's hot path, so it only does hash-table updates on raw values.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/profile/profile.h"
#include "dropprof/kernel/skb_fields.h"

int dp_profile_init(struct dp_profile *p, size_t nr_cpu_slots,
		    size_t max_stacks)
{
	memset(p, 0, sizeof(*p));
	dp_keytab_init(&p->stacks, max_stacks);
	dp_keytab_init(&p->sites, 0);
	dp_keytab_init(&p->protos, 0);
	dp_keytab_init(&p->unstacked, 0);
	dp_keytab_init(&p->rx_socks, DP_MAX_RX_SOCKS);
	p->stack_period_max = 1;
	p->nr_cpu_slots = nr_cpu_slots;
	p->cpu_drops = calloc(nr_cpu_slots ? nr_cpu_slots : 1, sizeof(uint64_t));
	p->cpu_lost = calloc(nr_cpu_slots ? nr_cpu_slots : 1, sizeof(uint64_t));
	p->cpu_frees = calloc(nr_cpu_slots ? nr_cpu_slots : 1, sizeof(uint64_t));
	p->cpu_recorded = calloc(nr_cpu_slots ? nr_cpu_slots : 1, sizeof(bool));
	p->cpu_hits = calloc(nr_cpu_slots ? nr_cpu_slots : 1, sizeof(uint64_t));
	p->cpu_recovered = calloc(nr_cpu_slots ? nr_cpu_slots : 1, sizeof(uint64_t));
	p->cpu_offline = calloc(nr_cpu_slots ? nr_cpu_slots : 1, sizeof(uint64_t));
	if (!p->cpu_drops || !p->cpu_lost || !p->cpu_frees || !p->cpu_recorded ||
	    !p->cpu_hits || !p->cpu_recovered || !p->cpu_offline) {
		dp_profile_release(p);
		return -ENOMEM;
	}
	return 0;
}

void dp_profile_release(struct dp_profile *p)
{
	dp_keytab_release(&p->stacks);
	dp_keytab_release(&p->sites);
	dp_keytab_release(&p->protos);
	dp_keytab_release(&p->unstacked);
	dp_keytab_release(&p->rx_socks);
	dp_socket_rows_free(p->sockets, p->nr_sockets);
	free(p->cpu_drops);
	free(p->cpu_lost);
	free(p->cpu_frees);
	free(p->cpu_recorded);
	free(p->cpu_hits);
	free(p->cpu_recovered);
	free(p->cpu_offline);
	free(p->cpu_list);
	free(p->filter);
	dp_counter_rows_free(p->counters, p->nr_counters);
	for (size_t i = 0; i < p->nr_scopes; i++)
		dp_scope_release(&p->scopes[i]);
	free(p->scopes);
	dp_qdisc_rows_free(p->qdiscs, p->nr_qdiscs);
	dp_rule_rows_free(p->rules, p->nr_rules);
	free(p->object_notes);
	memset(p, 0, sizeof(*p));
}

static int set_string(char **dst, const char *s)
{
	char *copy = NULL;

	if (s && *s && !(copy = strdup(s)))
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

int dp_profile_set_cpu_list(struct dp_profile *p, const char *s)
{
	return set_string(&p->cpu_list, s);
}

int dp_profile_set_filter(struct dp_profile *p, const char *s)
{
	return set_string(&p->filter, s);
}

int dp_profile_add_drop(struct dp_profile *p, uint32_t cpu,
			const struct dp_skb_fields *f)
{
	uint64_t site[3] = { f->location, f->reason, cpu };
	uint64_t proto = f->protocol;
	int err;

	p->drops++;
	if (cpu < p->nr_cpu_slots)
		p->cpu_drops[cpu]++;
	err = dp_keytab_add(&p->sites, site, 3, 1);
	if (!err)
		err = dp_keytab_add(&p->protos, &proto, 1, 1);
	if (!err && f->rx_sk) {
		uint64_t sk[2] = { f->rx_sk, f->reason };

		p->socket_drops++;
		err = dp_keytab_add(&p->rx_socks, sk, 2, 1);
		if (err == -ENOSPC) {
			/* Past the cap: counted, never placed. */
			p->socket_unmatched++;
			err = 0;
		}
	}
	return err;
}

int dp_profile_add_stack(struct dp_profile *p, uint32_t cpu,
			 const struct dp_skb_fields *f, uint64_t weight,
			 const uint64_t *ips, size_t nr_ips)
{
	uint64_t key[DP_STACK_KEY_HEAD + DP_MAX_FRAMES];
	int err;

	p->stack_samples++;
	key[0] = f->reason;
	key[1] = f->location;
	key[2] = cpu;
	if (!nr_ips) {
		key[3] = DP_UNSTACKED_NONE;
		p->no_stack++;
		return dp_keytab_add_weighted(&p->unstacked, key,
					      DP_STACK_KEY_HEAD + 1, 1, weight);
	}
	if (nr_ips > DP_MAX_FRAMES)
		nr_ips = DP_MAX_FRAMES;
	memcpy(key + DP_STACK_KEY_HEAD, ips, nr_ips * sizeof(*ips));
	err = dp_keytab_add_weighted(&p->stacks, key,
				     (uint32_t)nr_ips + DP_STACK_KEY_HEAD, 1,
				     weight);
	if (err == -ENOSPC) {
		/* Bounded memory: counted, reported, never silently cut.
		 * Strata are few next to stacks, so this table stays small. */
		key[3] = DP_UNSTACKED_OVER_CAP;
		p->stacks_other++;
		return dp_keytab_add_weighted(&p->unstacked, key,
					      DP_STACK_KEY_HEAD + 1, 1, weight);
	}
	return err;
}

int dp_profile_add_drop_stack(struct dp_profile *p, uint32_t cpu,
			      const struct dp_skb_fields *f, const uint64_t *ips,
			      size_t nr_ips)
{
	int err = dp_profile_add_drop(p, cpu, f);

	return err ? err : dp_profile_add_stack(p, cpu, f, 1, ips, nr_ips);
}

size_t dp_profile_nr_recorded_cpus(const struct dp_profile *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nr_cpu_slots; i++)
		n += p->cpu_recorded[i];
	return n;
}

int dp_profile_add_counter(struct dp_profile *p, const char *name,
			   uint64_t before, uint64_t after, int64_t delta,
			   bool drop_related)
{
	struct dp_counter_row *c;
	char *n = strdup(name);

	if (!n)
		return -ENOMEM;
	c = realloc(p->counters, (p->nr_counters + 1) * sizeof(*c));
	if (!c) {
		free(n);
		return -ENOMEM;
	}
	p->counters = c;
	c[p->nr_counters].name = n;
	c[p->nr_counters].before = before;
	c[p->nr_counters].after = after;
	c[p->nr_counters].delta = delta;
	c[p->nr_counters].drop_related = drop_related;
	c[p->nr_counters].scope = 0;
	if (p->nr_scopes) {
		c[p->nr_counters].scope = (uint32_t)(p->nr_scopes - 1);
		p->scopes[p->nr_scopes - 1].nr_counters++;
	}
	p->nr_counters++;
	return 0;
}

int dp_profile_add_scope(struct dp_profile *p, struct dp_scope *s)
{
	struct dp_scope *v = reallocarray(p->scopes, p->nr_scopes + 1, sizeof(*v));

	if (!v) {
		dp_scope_release(s);
		return -ENOMEM;
	}
	p->scopes = v;
	v[p->nr_scopes] = *s;
	v[p->nr_scopes].first_counter = p->nr_counters;
	v[p->nr_scopes].nr_counters = 0;
	memset(s, 0, sizeof(*s));
	return (int)p->nr_scopes++;
}
