/* Unit tests for the record demultiplexer, on synthetic records: samples
 * routed by event id (drop, stack, unknown), LOST and THROTTLE routing,
 * --all-stacks, ftrace entries, and the reconciliation of delivered drops
 * with the kernel's own hit counts (issue 7, items 0 and 1). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/perf_event.h>

#include "dropprof/kernel/skb_fields.h"
#include "dropprof/kernel/tp_format.h"
#include "dropprof/profile/profile.h"
#include "dropprof/record/demux.h"
#include "testutil.h"

#define DROP_ID 11
#define STACK_ID 12
#define RAW_ST (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_RAW)
#define STACK_ST (RAW_ST | PERF_SAMPLE_CALLCHAIN)
#define SITE 0xffffffff81a00010ULL

struct fx {
	struct dp_tp_format fmt;
	struct dp_skb_layout layout;
	struct dp_profile prof;
	struct dp_demux d;
	struct dp_demux_cpu cpu[2];
	_Alignas(8) unsigned char buf[512];
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	dp_test_load_format(&fx->fmt, "kfree_skb-6.18.format");
	assert_int_equal(dp_skb_layout_init(&fx->layout, &fx->fmt), 0);
	assert_int_equal(dp_profile_init(&fx->prof, 2, 0), 0);
	fx->d = (struct dp_demux){
		.prof = &fx->prof, .layout = &fx->layout,
		.drop_type = RAW_ST, .stack_type = STACK_ST,
		.kfree_id = fx->fmt.id,
	};
	for (int i = 0; i < 2; i++)
		fx->cpu[i] = (struct dp_demux_cpu){
			.cpu = i, .drop_id = DROP_ID + 10 * i,
			.stack_id = STACK_ID + 10 * i, .hits_known = true,
		};
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	dp_profile_release(&fx->prof);
	dp_tp_format_release(&fx->fmt);
	free(fx);
	return 0;
}

/* The raw trace entry of one kfree_skb: common fields, then the event's. */
static size_t put_entry(const struct fx *fx, unsigned char *p, uint32_t reason,
			uint16_t proto)
{
	uint16_t type = (uint16_t)fx->fmt.id;
	uint64_t loc = SITE;

	memset(p, 0, 40);
	memcpy(p, &type, 2);
	memcpy(p + fx->layout.location_off, &loc, 8);
	memcpy(p + fx->layout.reason_off, &reason, 4);
	memcpy(p + fx->layout.protocol_off, &proto, 2);
	return 40;
}

/* A PERF_RECORD_SAMPLE with IDENTIFIER [CALLCHAIN] RAW. */
static const struct perf_event_header *sample(struct fx *fx, uint64_t id,
					      const uint64_t *ips, uint64_t nr,
					      uint32_t reason)
{
	struct perf_event_header h = { .type = PERF_RECORD_SAMPLE };
	unsigned char *p = fx->buf + sizeof(h);
	uint32_t raw_size = 44;   /* 40 bytes of entry + 4 of padding */

	memcpy(p, &id, 8); p += 8;
	if (ips) {
		memcpy(p, &nr, 8); p += 8;
		memcpy(p, ips, nr * 8); p += nr * 8;
	}
	memcpy(p, &raw_size, 4); p += 4;
	put_entry(fx, p, reason, 0x0800);
	memset(p + 40, 0, 4);
	p += raw_size;
	h.size = (uint16_t)(p - fx->buf);
	memcpy(fx->buf, &h, sizeof(h));
	return (const void *)fx->buf;
}

static const struct perf_event_header *lost(struct fx *fx, uint64_t id, uint64_t n)
{
	struct perf_event_header h = { .type = PERF_RECORD_LOST, .size = 24 };

	memcpy(fx->buf, &h, sizeof(h));
	memcpy(fx->buf + 8, &id, 8);
	memcpy(fx->buf + 16, &n, 8);
	return (const void *)fx->buf;
}

static const struct perf_event_header *throttle(struct fx *fx, uint64_t id)
{
	struct perf_event_header h = { .type = PERF_RECORD_THROTTLE, .size = 32 };
	uint64_t t = 1, stream = id;

	memcpy(fx->buf, &h, sizeof(h));
	memcpy(fx->buf + 8, &t, 8);
	memcpy(fx->buf + 16, &id, 8);
	memcpy(fx->buf + 24, &stream, 8);
	return (const void *)fx->buf;
}

static const uint64_t kstack[] = {
	(uint64_t)PERF_CONTEXT_KERNEL, SITE, 0xffffffff81a00100ULL,
};

static void test_routing_by_id(void **state)
{
	struct fx *fx = *state;
	struct dp_demux_cpu *c = &fx->cpu[1];

	/* drop samples of cpu 1 count exactly, stack samples are stacks */
	for (int i = 0; i < 3; i++)
		assert_int_equal(dp_demux_record(&fx->d, c,
				 sample(fx, DROP_ID + 10, NULL, 0, 3)), 0);
	assert_int_equal(dp_demux_record(&fx->d, c,
			 sample(fx, STACK_ID + 10, kstack, 3, 3)), 0);
	/* cpu 0's ids mean nothing on cpu 1's ring */
	assert_int_equal(dp_demux_record(&fx->d, c,
			 sample(fx, DROP_ID, NULL, 0, 3)), 0);
	assert_int_equal(c->delivered, 3);
	assert_int_equal(c->bad, 1);
	assert_int_equal(fx->prof.drops, 3);
	assert_int_equal(fx->prof.cpu_drops[1], 3);
	assert_int_equal(fx->prof.cpu_drops[0], 0);
	assert_int_equal(fx->prof.stack_samples, 1);
	assert_int_equal(fx->prof.stacks.nr_used, 1);
	/* A stack sample weighs the period its CPU samples at, keyed by its
	 * stratum (reason, site, cpu) so the estimate can scale it. */
	c->stack_period = 64;
	assert_int_equal(dp_demux_record(&fx->d, c,
			 sample(fx, STACK_ID + 10, kstack, 3, 3)), 0);
	{
		const struct dp_keytab_entry *e = dp_keytab_next(&fx->prof.stacks, NULL);
		const uint64_t *k = dp_keytab_key(&fx->prof.stacks, e);

		assert_int_equal(e->count, 2);
		assert_int_equal(e->weight, 1 + 64);
		assert_int_equal(k[1], SITE);
		assert_int_equal(k[2], 1);
	}
}

static void test_lost_and_throttle_routing(void **state)
{
	struct fx *fx = *state;
	struct dp_demux_cpu *c = &fx->cpu[0];

	dp_demux_record(&fx->d, c, lost(fx, DROP_ID, 7));
	dp_demux_record(&fx->d, c, lost(fx, STACK_ID, 5));
	assert_int_equal(c->lost_records, 7);
	assert_int_equal(dp_demux_cpu_stack_lost(c), 5);
	dp_demux_record(&fx->d, c, throttle(fx, STACK_ID));
	assert_int_equal(fx->prof.throttled, 0);   /* only thins stacks */
	dp_demux_record(&fx->d, c, throttle(fx, DROP_ID));
	assert_int_equal(fx->prof.throttled, 1);
	/* a truncated LOST record is counted, not trusted */
	{
		struct perf_event_header h = { .type = PERF_RECORD_LOST, .size = 12 };

		memcpy(fx->buf, &h, sizeof(h));
		dp_demux_record(&fx->d, c, (const void *)fx->buf);
		assert_int_equal(c->bad, 1);
		assert_int_equal(c->lost_records, 7);
	}
}

static void test_all_stacks(void **state)
{
	struct fx *fx = *state;
	struct dp_demux_cpu *c = &fx->cpu[0];

	fx->d.all_stacks = true;
	fx->d.drop_type = STACK_ST;
	c->stack_id = 0;
	dp_demux_record(&fx->d, c, sample(fx, DROP_ID, kstack, 3, 6));
	assert_int_equal(c->delivered, 1);
	assert_int_equal(fx->prof.drops, 1);
	assert_int_equal(fx->prof.stack_samples, 1);
	/* with no stack event, no id can be taken for one */
	dp_demux_record(&fx->d, c, sample(fx, 0, kstack, 3, 6));
	assert_int_equal(c->bad, 1);
}

/* Item 1: a reader stopped during a flood.  The kernel counted 30,000,
 * 3,197 arrived, and the LOST record that would have said so was never
 * written: the hit count alone settles it. */
static void test_reconcile_hits(void **state)
{
	struct fx *fx = *state;
	struct dp_demux_cpu *c = &fx->cpu[0];

	for (int i = 0; i < 3197; i++)
		dp_demux_record(&fx->d, c, sample(fx, DROP_ID, NULL, 0, 3));
	dp_demux_record(&fx->d, c, lost(fx, DROP_ID, 100));  /* partial */
	dp_demux_hits(c, 30000, true, 0);
	assert_int_equal(dp_demux_cpu_lost(c), 30000 - 3197);
	dp_demux_finish(&fx->d, fx->cpu, 2);
	assert_int_equal(fx->prof.drops, 3197);
	assert_int_equal(fx->prof.lost, 30000 - 3197);
	assert_int_equal(fx->prof.cpu_lost[0], 30000 - 3197);
	assert_int_equal(fx->prof.cpu_hits[0], 30000);
	assert_true(fx->prof.hits_known);
	assert_int_equal(fx->prof.cpu_drops[0] + fx->prof.cpu_lost[0],
			 fx->prof.cpu_hits[0]);
}

/* Without a readable hit count, the LOST records are all there is. */
static void test_reconcile_unknown_hits(void **state)
{
	struct fx *fx = *state;
	struct dp_demux_cpu *c = &fx->cpu[1];

	dp_demux_record(&fx->d, c, sample(fx, DROP_ID + 10, NULL, 0, 3));
	dp_demux_record(&fx->d, c, lost(fx, DROP_ID + 10, 9));
	dp_demux_hits(c, 0, false, 0);
	assert_int_equal(dp_demux_cpu_lost(c), 9);
	dp_demux_finish(&fx->d, fx->cpu, 2);
	assert_false(fx->prof.hits_known);
	assert_int_equal(fx->prof.lost, 9);
}

/* A CPU that went offline and came back: two incarnations, new ids, the
 * counts of both add up. */
static void test_reconcile_incarnations(void **state)
{
	struct fx *fx = *state;
	struct dp_demux_cpu *c = &fx->cpu[1];

	for (int i = 0; i < 4; i++)
		dp_demux_record(&fx->d, c, sample(fx, DROP_ID + 10, NULL, 0, 3));
	dp_demux_hits(c, 5, true, 0);
	c->drop_id = 99;
	c->stack_id = 98;
	for (int i = 0; i < 6; i++)
		dp_demux_record(&fx->d, c, sample(fx, 99, NULL, 0, 3));
	/* an old record still in the ring of the old incarnation would be
	 * drained before the switch: after it, the old id is unknown */
	dp_demux_record(&fx->d, c, sample(fx, DROP_ID + 10, NULL, 0, 3));
	dp_demux_hits(c, 6, true, 0);
	assert_int_equal(c->delivered, 10);
	assert_int_equal(c->bad, 1);
	assert_int_equal(dp_demux_cpu_lost(c), 1);
}

/* Item 0: idle-context drops come from the ftrace ring; they count
 * exactly, show as recovered, and the ring's own losses are lost. */
static void test_ftrace_entries(void **state)
{
	struct fx *fx = *state;
	struct dp_demux_cpu *c = &fx->cpu[1];
	unsigned char raw[48];
	uint16_t other = (uint16_t)(fx->fmt.id + 1);

	put_entry(fx, raw, 58 /* NEIGH_FAILED */, 0x0800);
	for (int i = 0; i < 200; i++)
		assert_int_equal(dp_demux_ftrace_entry(&fx->d, c, raw, 40), 0);
	/* another event's entry in the same ring: not a drop */
	memcpy(raw, &other, 2);
	dp_demux_ftrace_entry(&fx->d, c, raw, 40);
	/* a cut entry */
	dp_demux_ftrace_entry(&fx->d, c, raw, 1);
	dp_demux_ftrace_missed(c, 3);
	dp_demux_hits(c, 0, true, 0);
	dp_demux_finish(&fx->d, fx->cpu, 2);
	assert_int_equal(fx->prof.drops, 200);
	assert_int_equal(fx->prof.cpu_drops[1], 200);
	assert_int_equal(fx->prof.recovered, 200);
	assert_int_equal(fx->prof.cpu_recovered[1], 200);
	assert_int_equal(fx->prof.cpu_lost[1], 3);
	assert_int_equal(fx->prof.cpu_hits[1], 203);
	assert_int_equal(c->bad, 1);
	{
		uint64_t key[3] = { SITE, 58, 1 };

		assert_int_equal(dp_keytab_get(&fx->prof.sites, key, 3), 200);
	}
}

/* With --all-stacks an ftrace drop has no callchain: counted under
 * '[no stack]' so stack counts still add up to the drops. */
static void test_ftrace_all_stacks(void **state)
{
	struct fx *fx = *state;
	unsigned char raw[48];

	fx->d.all_stacks = true;
	put_entry(fx, raw, 3, 0x0800);
	dp_demux_ftrace_entry(&fx->d, &fx->cpu[0], raw, 40);
	assert_int_equal(fx->prof.drops, 1);
	assert_int_equal(fx->prof.stack_samples, 1);
	assert_int_equal(fx->prof.no_stack, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_routing_by_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_and_throttle_routing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_stacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconcile_hits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconcile_unknown_hits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconcile_incarnations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ftrace_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ftrace_all_stacks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
