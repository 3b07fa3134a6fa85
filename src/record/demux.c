/* demux — the routing of perf records and ftrace entries into the
 * profile, and the reconciliation of delivered drops with the kernel's
 * own counts (see the header for the numbers model).
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>

#include "dropprof/record/demux.h"
#include "dropprof/record/sample.h"

static int on_sample(struct dp_demux *d, struct dp_demux_cpu *c,
		     const struct perf_event_header *rec)
{
	struct dp_sample s;
	struct dp_skb_fields f;
	uint64_t id;
	size_t n;
	bool stack;

	/* IDENTIFIER is the first field of every sample. */
	if (rec->size < sizeof(*rec) + sizeof(id))
		goto bad;
	memcpy(&id, rec + 1, sizeof(id));
	if (c->stack_id && id == c->stack_id)
		stack = true;
	else if (id == c->drop_id)
		stack = false;
	else
		goto bad;     /* an event this CPU does not know */
	if (dp_sample_decode(rec, stack ? d->stack_type : d->drop_type, &s) ||
	    dp_skb_fields_read(d->layout, s.raw, s.raw_size, &f))
		goto bad;
	if (!stack) {
		c->delivered++;
		if (!d->all_stacks)
			return dp_profile_add_drop(d->prof, (uint32_t)c->cpu, &f);
	}
	n = dp_callchain_kernel(s.ips, s.nr_ips, d->plumbing, d->nr_plumbing,
				d->frames, DP_MAX_FRAMES);
	if (stack)
		c->stack_delivered++;
	if (stack)
		return dp_profile_add_stack(d->prof, (uint32_t)c->cpu, &f,
					    c->stack_period ? c->stack_period : 1,
					    d->frames, n);
	return dp_profile_add_drop_stack(d->prof, (uint32_t)c->cpu, &f,
					 d->frames, n);
bad:
	c->bad++;
	return 0;
}

int dp_demux_record(struct dp_demux *d, struct dp_demux_cpu *c,
		    const struct perf_event_header *rec)
{
	uint64_t id, lost;

	switch (rec->type) {
	case PERF_RECORD_SAMPLE:
		return on_sample(d, c, rec);
	case PERF_RECORD_LOST:
		if (dp_sample_decode_lost(rec, &id, &lost))
			c->bad++;
		else if (c->stack_id && id == c->stack_id)
			c->stack_lost_records += lost;   /* the drops were counted */
		else
			c->lost_records += lost;
		return 0;
	case PERF_RECORD_THROTTLE:
		/* { time, id, stream_id }: a throttled stack event only thins
		 * the stacks; a throttled drop event hides drops, and they
		 * are not in its hit count either, so say it. */
		if (rec->size >= sizeof(*rec) + 16) {
			memcpy(&id, (const unsigned char *)(rec + 1) + 8, sizeof(id));
			if (c->stack_id && id == c->stack_id)
				return 0;
		}
		d->prof->throttled++;
		return 0;
	default:
		return 0;
	}
}

int dp_demux_ftrace_entry(struct dp_demux *d, struct dp_demux_cpu *c,
			  const void *raw, size_t len)
{
	struct dp_skb_fields f;
	uint16_t type;

	if (len < sizeof(type)) {
		c->bad++;
		return 0;
	}
	memcpy(&type, raw, sizeof(type));
	if (type != d->kfree_id)
		return 0;
	if (dp_skb_fields_read(d->layout, raw, len, &f)) {
		c->bad++;
		return 0;
	}
	c->ftrace_read++;
	/* No callchain in the ftrace ring: with --all-stacks such a drop is
	 * counted as having no stack rather than left out of the stacks,
	 * unless a stack event takes the idle task's stacks. */
	if (d->all_stacks && !d->idle_stacks)
		return dp_profile_add_drop_stack(d->prof, (uint32_t)c->cpu, &f,
						 NULL, 0);
	return dp_profile_add_drop(d->prof, (uint32_t)c->cpu, &f);
}

void dp_demux_ftrace_missed(struct dp_demux_cpu *c, uint64_t n)
{
	c->ftrace_missed += n;
}

void dp_demux_hits(struct dp_demux_cpu *c, uint64_t hits, bool known,
		   uint64_t stack_lost)
{
	if (known)
		c->hits += hits;
	else
		c->hits_known = false;
	c->stack_lost_counted += stack_lost;
}

uint64_t dp_demux_cpu_stack_lost(const struct dp_demux_cpu *c)
{
	return c->stack_lost_counted > c->stack_lost_records ?
	       c->stack_lost_counted : c->stack_lost_records;
}

uint64_t dp_demux_cpu_lost(const struct dp_demux_cpu *c)
{
	uint64_t perf_lost;

	if (c->hits_known)
		perf_lost = c->hits > c->delivered ? c->hits - c->delivered : 0;
	else
		perf_lost = c->lost_records;
	return perf_lost + c->ftrace_missed;
}

void dp_demux_finish(struct dp_demux *d, const struct dp_demux_cpu *cpus,
		     size_t nr)
{
	struct dp_profile *p = d->prof;
	bool known = true;

	p->lost = 0;
	p->stack_lost = 0;
	p->recovered = 0;
	for (size_t i = 0; i < nr; i++) {
		const struct dp_demux_cpu *c = &cpus[i];
		uint64_t lost = dp_demux_cpu_lost(c);

		p->lost += lost;
		p->stack_lost += dp_demux_cpu_stack_lost(c);
		p->recovered += c->ftrace_read;
		p->bad_records += c->bad;
		known = known && c->hits_known;
		if (c->cpu < 0 || (size_t)c->cpu >= p->nr_cpu_slots)
			continue;
		p->cpu_lost[c->cpu] = lost;
		p->cpu_recovered[c->cpu] = c->ftrace_read;
		p->cpu_hits[c->cpu] = c->hits + c->ftrace_read + c->ftrace_missed;
	}
	p->hits_known = known;
}
