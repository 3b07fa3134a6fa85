/* Tests of the diff model and its formatters: two hand-built reports
 * (before: an nftables rule dropping; after: the rule gone, a closed port
 * instead), exact text/JSON/differential-folded output against golden
 * files (DP_UPDATE_GOLDEN=1 rewrites them), and the arithmetic. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dropprof/kernel/skb_fields.h"
#include "dropprof/model/diff.h"
#include "dropprof/output/output.h"
#include "dropprof/profile/profile.h"
#include "dropprof/model/report.h"
#include "dropprof/record/sample.h"
#include "dropprof/symbols/symmap.h"
#include "testutil.h"

#define GOLDEN "tests/fixtures/golden/"
#define NFT 0xffffffffc0200040ULL
#define UDP 0xffffffff81000620ULL
#define IPR 0xffffffff81000115ULL

struct side {
	struct dp_profile prof;
	struct dp_symmap names;
	struct dp_report rep;
};

static void add(struct dp_profile *p, uint32_t reason, uint64_t loc,
		uint64_t caller, int times)
{
	struct dp_skb_fields f = { .location = loc, .reason = reason,
				   .protocol = 0x0800 };
	uint64_t ips[2] = { loc, caller };

	for (int i = 0; i < times; i++)
		assert_int_equal(dp_profile_add_drop_stack(p, 0, &f, ips, 2), 0);
}

static void side_init(struct side *s, double duration)
{
	struct dp_report_opts o = { .top_n = 10 };

	assert_int_equal(dp_symmap_add_addr(&s->names, NFT, "nft_do_chain", "nf_tables", 0x30), 0);
	assert_int_equal(dp_symmap_add_addr(&s->names, UDP, "udp_rcv", NULL, 0x10), 0);
	assert_int_equal(dp_symmap_add_addr(&s->names, IPR, "ip_rcv", NULL, 0x5), 0);
	assert_int_equal(dp_symmap_add_reason(&s->names, 3, "NO_SOCKET"), 0);
	assert_int_equal(dp_symmap_add_reason(&s->names, 12, "NETFILTER_DROP"), 0);
	assert_int_equal(dp_symmap_sort(&s->names), 0);
	s->prof.cpu_recorded[0] = true;
	s->prof.has_reason = true;
	s->prof.duration = duration;
	strcpy(s->prof.kernel, "6.18.0-test");
	strcpy(s->prof.hostname, "fixture");
	assert_int_equal(dp_profile_set_cpu_list(&s->prof, "0"), 0);
	(void)o;
}

static void side_build(struct side *s)
{
	struct dp_report_opts o = { .top_n = 10 };

	assert_int_equal(dp_report_build(&s->rep, &s->prof, &s->names, &o), 0);
}

static void side_release(struct side *s)
{
	dp_report_release(&s->rep);
	dp_symmap_release(&s->names);
	dp_profile_release(&s->prof);
}

struct fixture {
	struct side a, b;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	assert_int_equal(dp_profile_init(&fx->a.prof, 1, 0), 0);
	assert_int_equal(dp_profile_init(&fx->b.prof, 1, 0), 0);
	dp_symmap_init(&fx->a.names);
	dp_symmap_init(&fx->b.names);
	side_init(&fx->a, 10.0);
	side_init(&fx->b, 20.0);  /* twice as long: rates must still compare */
	add(&fx->a.prof, 12, NFT, IPR, 300);     /* 30/s NETFILTER_DROP */
	add(&fx->a.prof, 3, UDP, IPR, 50);       /* 5/s NO_SOCKET */
	add(&fx->b.prof, 3, UDP, IPR, 400);      /* 20/s NO_SOCKET */
	/* After: 10 of the kernel's 410 drops lost, 5 recovered from the
	 * ftrace ring; before: no hit counts (an older profile). */
	dp_test_add_lost(&fx->b.prof, 0, 10);
	fx->b.prof.hits_known = true;
	fx->b.prof.cpu_hits[0] = 410;
	fx->b.prof.cpu_recovered[0] = 5;
	fx->b.prof.recovered = 5;
	assert_int_equal(dp_profile_add_counter(&fx->a.prof, "UdpNoPorts", 0, 50, 50, true), 0);
	assert_int_equal(dp_profile_add_counter(&fx->b.prof, "UdpNoPorts", 50, 450, 400, true), 0);
	assert_int_equal(dp_profile_add_counter(&fx->a.prof, "IpInReceives", 0, 350, 350, false), 0);
	side_build(&fx->a);
	side_build(&fx->b);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	side_release(&fx->a);
	side_release(&fx->b);
	free(fx);
	return 0;
}

static const struct dp_diff_row *row(const struct dp_diff_table *t, const char *name)
{
	for (size_t i = 0; i < t->nr; i++)
		if (!strcmp(t->rows[i].name, name))
			return &t->rows[i];
	return NULL;
}

static void test_rates_and_status(void **state)
{
	struct fixture *fx = *state;
	struct dp_diff d;
	const struct dp_diff_row *r;

	assert_int_equal(dp_diff_build(&d, &fx->a.rep, &fx->b.rep, "a", "b", 10), 0);
	assert_false(d.kernels_differ);
	r = row(&d.reasons, "NETFILTER_DROP");
	assert_non_null(r);
	assert_int_equal(r->status, DP_DIFF_GONE);
	assert_int_equal(r->before, 300);
	assert_int_equal(r->after, 0);
	assert_true(r->rate_before == 30.0 && r->change == -30.0);
	assert_true(r->has_pct && r->change_pct == -100.0);
	r = row(&d.reasons, "NO_SOCKET");
	assert_int_equal(r->status, DP_DIFF_BOTH);
	assert_true(r->rate_before == 5.0 && r->rate_after == 20.0);
	assert_true(r->change_pct == 300.0);
	/* Sorted by size of change: -30/s before +15/s. */
	assert_string_equal(d.reasons.rows[0].name, "NETFILTER_DROP");
	/* Counters: drop-related first, a counter seen once is gone. */
	/* Named with their scope: one counter in two namespaces is two rows. */
	assert_string_equal(d.counters.rows[0].name, "UdpNoPorts (own)");
	r = row(&d.counters, "IpInReceives (own)");
	assert_int_equal(r->status, DP_DIFF_GONE);
	/* AFTER scaled to BEFORE's 10 s: 400 in 20 s -> 200. */
	r = row(&d.stacks, "NO_SOCKET;ip_rcv;udp_rcv");
	assert_non_null(r);
	assert_int_equal(dp_diff_scaled_after(&d, r), 200);
	dp_diff_release(&d);
}

static char *render(const struct dp_diff *d, enum dp_format fmt)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	assert_int_equal(dp_out_diff_write(d, fmt, f), 0);
	fclose(f);
	return out;
}

static void golden(const char *out, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), GOLDEN "%s", name);
	dp_test_golden(out, path);
}

static void test_golden(void **state)
{
	struct fixture *fx = *state;
	struct dp_diff d;
	char *out;

	assert_int_equal(dp_diff_build(&d, &fx->a.rep, &fx->b.rep, "before.dprof",
				       "after.dprof", 10), 0);
	out = render(&d, DP_FORMAT_TEXT);
	golden(out, "diff.txt");
	free(out);
	out = render(&d, DP_FORMAT_JSON);
	golden(out, "diff.json");
	free(out);
	out = render(&d, DP_FORMAT_FOLDED);
	golden(out, "diff.folded");
	free(out);
	dp_diff_release(&d);
}

static void test_different_kernels(void **state)
{
	struct fixture *fx = *state;
	struct dp_diff d;
	char *out;
	char *saved = fx->b.rep.kernel;

	fx->b.rep.kernel = "6.1.0-other";
	assert_int_equal(dp_diff_build(&d, &fx->a.rep, &fx->b.rep, "a", "b", 10), 0);
	assert_true(d.kernels_differ);
	out = render(&d, DP_FORMAT_TEXT);
	assert_non_null(strstr(out, "warning: the profiles come from different kernels"));
	free(out);
	dp_diff_release(&d);
	fx->b.rep.kernel = saved;
}

/* ---- settings and counters by namespace ------------------------------ */

struct scoped {
	struct side a, b;
};

static void add_scope(struct dp_profile *p, enum dp_scope_kind kind, unsigned int flags,
		      const char *name)
{
	struct dp_scope s = { .kind = kind, .flags = flags };

	s.name = strdup(name);
	assert_non_null(s.name);
	assert_true(dp_profile_add_scope(p, &s) >= 0);
}

static void set(struct dp_profile *p, const char *name, enum dp_setting_state st,
		const char *value)
{
	assert_int_equal(dp_scope_set_setting(&p->scopes[p->nr_scopes - 1], name, st,
					      value), 0);
}

/* Before and after a change in dl-x-b (vb1 made loose, rmem_max raised
 * where it had no entry, rmem_default no longer readable); root's
 * settings unchanged; a namespace only before and one only after. */
static void scoped_init(struct scoped *x)
{
	memset(x, 0, sizeof(*x));
	assert_int_equal(dp_profile_init(&x->a.prof, 1, 0), 0);
	assert_int_equal(dp_profile_init(&x->b.prof, 1, 0), 0);
	dp_symmap_init(&x->a.names);
	dp_symmap_init(&x->b.names);
	side_init(&x->a, 10.0);
	side_init(&x->b, 10.0);
	add(&x->a.prof, 3, UDP, IPR, 20);
	add(&x->b.prof, 3, UDP, IPR, 10);

	add_scope(&x->a.prof, DP_SCOPE_MACHINE, 0, "machine");
	set(&x->a.prof, "net.core.rmem_max", DP_SETTING_VALUE, "212992");
	assert_int_equal(dp_profile_add_counter(&x->a.prof, "softnet:cpu0:dropped", 0, 4, 4, true), 0);
	add_scope(&x->a.prof, DP_SCOPE_ROOT, DP_SCOPE_OWN, "root");
	set(&x->a.prof, "net.ipv4.conf.all.rp_filter", DP_SETTING_VALUE, "1");
	assert_int_equal(dp_profile_add_counter(&x->a.prof, "UdpRcvbufErrors", 0, 30, 30, true), 0);
	add_scope(&x->a.prof, DP_SCOPE_NAMED, 0, "dl-x-b");
	set(&x->a.prof, "net.core.rmem_default", DP_SETTING_VALUE, "212992");
	set(&x->a.prof, "net.core.rmem_max", DP_SETTING_ABSENT, NULL);
	set(&x->a.prof, "net.ipv4.conf.all.rp_filter", DP_SETTING_VALUE, "1");
	set(&x->a.prof, "net.ipv4.conf.vb1.rp_filter", DP_SETTING_VALUE, "1");
	set(&x->a.prof, "net.ipv4.tcp_rmem", DP_SETTING_UNREADABLE, NULL);
	assert_int_equal(dp_profile_add_counter(&x->a.prof, "UdpRcvbufErrors", 0, 20, 20, true), 0);
	assert_int_equal(dp_profile_add_counter(&x->a.prof, "TcpExtIPReversePathFilter", 0, 8, 8, true), 0);
	add_scope(&x->a.prof, DP_SCOPE_PROCESS, 0, "netns:[4026532400]");
	set(&x->a.prof, "net.ipv4.conf.all.rp_filter", DP_SETTING_VALUE, "0");

	add_scope(&x->b.prof, DP_SCOPE_MACHINE, 0, "machine");
	set(&x->b.prof, "net.core.rmem_max", DP_SETTING_VALUE, "4194304");
	add_scope(&x->b.prof, DP_SCOPE_ROOT, DP_SCOPE_OWN, "root");
	set(&x->b.prof, "net.ipv4.conf.all.rp_filter", DP_SETTING_VALUE, "1");
	assert_int_equal(dp_profile_add_counter(&x->b.prof, "UdpRcvbufErrors", 30, 40, 10, true), 0);
	add_scope(&x->b.prof, DP_SCOPE_NAMED, 0, "dl-x-b");
	set(&x->b.prof, "net.core.rmem_default", DP_SETTING_UNREADABLE, NULL);
	set(&x->b.prof, "net.core.rmem_max", DP_SETTING_VALUE, "4194304");
	set(&x->b.prof, "net.ipv4.conf.all.rp_filter", DP_SETTING_VALUE, "1");
	set(&x->b.prof, "net.ipv4.conf.eth9.rp_filter", DP_SETTING_VALUE, "1");
	set(&x->b.prof, "net.ipv4.conf.vb1.rp_filter", DP_SETTING_VALUE, "2");
	set(&x->b.prof, "net.ipv4.tcp_rmem", DP_SETTING_UNREADABLE, NULL);
	assert_int_equal(dp_profile_add_counter(&x->b.prof, "TcpExtIPReversePathFilter", 8, 9, 1, true), 0);
	add_scope(&x->b.prof, DP_SCOPE_NAMED, 0, "dl-x-c");
	set(&x->b.prof, "net.ipv4.conf.all.rp_filter", DP_SETTING_VALUE, "2");
	side_build(&x->a);
	side_build(&x->b);
}

static void scoped_release(struct scoped *x)
{
	side_release(&x->a);
	side_release(&x->b);
}

static void test_settings_changed(void **state)
{
	struct scoped x;
	struct dp_diff d;
	char *out;

	(void)state;
	scoped_init(&x);
	assert_int_equal(dp_diff_build(&d, &x.a.rep, &x.b.rep, "a", "b", 10), 0);
	assert_true(d.settings_compared);
	/* In AFTER's scope order, by name within a scope.  Unchanged ones
	 * (root's rp_filter, dl-x-b's all.rp_filter, an unreadable
	 * tcp_rmem on both sides), one read on one side only (eth9), and
	 * the scopes of one side only (netns:[...], dl-x-c) are not
	 * listed. */
	assert_int_equal(d.nr_settings, 4);
	assert_string_equal(d.settings[0].scope, "machine");
	assert_string_equal(d.settings[0].name, "net.core.rmem_max");
	assert_string_equal(d.settings[0].before, "212992");
	assert_string_equal(d.settings[0].after, "4194304");
	assert_string_equal(d.settings[1].scope, "dl-x-b");
	assert_string_equal(d.settings[1].label, "netns dl-x-b");
	assert_string_equal(d.settings[1].name, "net.core.rmem_default");
	assert_string_equal(d.settings[1].before, "212992");
	assert_string_equal(d.settings[1].after, "(unreadable)");
	assert_string_equal(d.settings[2].name, "net.core.rmem_max");
	assert_string_equal(d.settings[2].before, "(absent)");
	assert_string_equal(d.settings[2].after, "4194304");
	assert_string_equal(d.settings[3].name, "net.ipv4.conf.vb1.rp_filter");
	assert_string_equal(d.settings[3].before, "1");
	assert_string_equal(d.settings[3].after, "2");
	out = render(&d, DP_FORMAT_TEXT);
	assert_non_null(strstr(out, "\nSettings that changed (read at the end of each window)\n"
			       "  machine-wide: net.core.rmem_max 212992 -> 4194304\n"
			       "  netns dl-x-b: net.core.rmem_default 212992 -> (unreadable)\n"
			       "  netns dl-x-b: net.core.rmem_max (absent) -> 4194304\n"
			       "  netns dl-x-b: net.ipv4.conf.vb1.rp_filter 1 -> 2\n"));
	free(out);
	out = render(&d, DP_FORMAT_JSON);
	assert_non_null(strstr(out, "\"settings_compared\":true"));
	assert_non_null(strstr(out, "{\"scope\":\"dl-x-b\",\"name\":\"net.ipv4.conf.vb1.rp_filter\",\"before\":\"1\",\"after\":\"2\"}"));
	free(out);
	dp_diff_release(&d);

	/* The other way round: the changes reversed, in BEFORE's order now
	 * (it is the AFTER side). */
	assert_int_equal(dp_diff_build(&d, &x.b.rep, &x.a.rep, "b", "a", 10), 0);
	assert_int_equal(d.nr_settings, 4);
	assert_string_equal(d.settings[3].name, "net.ipv4.conf.vb1.rp_filter");
	assert_string_equal(d.settings[3].before, "2");
	assert_string_equal(d.settings[3].after, "1");
	dp_diff_release(&d);

	/* Against itself: nothing changed, and it says so. */
	assert_int_equal(dp_diff_build(&d, &x.b.rep, &x.b.rep, "b", "b", 10), 0);
	assert_true(d.settings_compared);
	assert_int_equal(d.nr_settings, 0);
	out = render(&d, DP_FORMAT_TEXT);
	assert_non_null(strstr(out, "\nSettings that changed (read at the end of each window)\n  none\n"));
	free(out);
	dp_diff_release(&d);
	scoped_release(&x);
}

/* One side without settings (a profile before 2.1): not compared, and
 * the text says which side. */
static void test_settings_not_compared(void **state)
{
	struct fixture *fx = *state;
	struct scoped x;
	struct dp_diff d;
	char *out;

	scoped_init(&x);
	assert_int_equal(dp_diff_build(&d, &fx->a.rep, &x.b.rep, "old", "new", 10), 0);
	assert_false(d.settings_compared);
	assert_int_equal(d.nr_settings, 0);
	out = render(&d, DP_FORMAT_TEXT);
	assert_non_null(strstr(out, "  not compared: before has no settings"));
	free(out);
	out = render(&d, DP_FORMAT_JSON);
	assert_non_null(strstr(out, "\"settings_compared\":false"));
	free(out);
	dp_diff_release(&d);
	assert_int_equal(dp_diff_build(&d, &x.b.rep, &fx->a.rep, "new", "old", 10), 0);
	assert_false(d.settings_compared);
	out = render(&d, DP_FORMAT_TEXT);
	assert_non_null(strstr(out, "  not compared: after has no settings"));
	free(out);
	dp_diff_release(&d);
	scoped_release(&x);
}

/* Counter rows are "NAME (scope)": one counter in two namespaces is two
 * rows, matched by namespace name across the two windows. */
static void test_counters_by_scope(void **state)
{
	struct scoped x;
	struct dp_diff d;
	const struct dp_diff_row *r;

	(void)state;
	scoped_init(&x);
	assert_int_equal(dp_diff_build(&d, &x.a.rep, &x.b.rep, "a", "b", 10), 0);
	assert_int_equal(d.counters.nr, 4);
	r = row(&d.counters, "UdpRcvbufErrors (root)");
	assert_non_null(r);
	assert_int_equal(r->status, DP_DIFF_BOTH);
	assert_int_equal(r->before, 30);
	assert_int_equal(r->after, 10);
	r = row(&d.counters, "UdpRcvbufErrors (dl-x-b)");
	assert_non_null(r);
	assert_int_equal(r->status, DP_DIFF_GONE);
	assert_int_equal(r->before, 20);
	r = row(&d.counters, "TcpExtIPReversePathFilter (dl-x-b)");
	assert_non_null(r);
	assert_int_equal(r->status, DP_DIFF_BOTH);
	assert_true(fabs(r->change + 0.7) < 1e-9);   /* 0.8/s -> 0.1/s */
	r = row(&d.counters, "softnet:cpu0:dropped (machine)");
	assert_non_null(r);
	assert_int_equal(r->status, DP_DIFF_GONE);
	assert_true(r->drop_related);
	assert_null(row(&d.counters, "UdpRcvbufErrors"));
	/* Biggest change first. */
	assert_string_equal(d.counters.rows[0].name, "UdpRcvbufErrors (dl-x-b)");
	dp_diff_release(&d);
	scoped_release(&x);
}

/* A profile before 2.1 (one legacy scope, "own") against a newer one:
 * its counters were read in dropprof's namespace, softnet for the
 * machine, so they are matched with the newer one's own namespace and
 * machine scope instead of all gone and all new. */
static void test_counters_legacy(void **state)
{
	struct fixture *fx = *state;
	struct side old, cur;
	struct dp_diff d;
	const struct dp_diff_row *r;

	memset(&old, 0, sizeof(old));
	memset(&cur, 0, sizeof(cur));
	assert_int_equal(dp_profile_init(&old.prof, 1, 0), 0);
	assert_int_equal(dp_profile_init(&cur.prof, 1, 0), 0);
	dp_symmap_init(&old.names);
	dp_symmap_init(&cur.names);
	side_init(&old, 10.0);
	side_init(&cur, 10.0);
	assert_int_equal(dp_profile_add_counter(&old.prof, "UdpNoPorts", 0, 50, 50, true), 0);
	assert_int_equal(dp_profile_add_counter(&old.prof, "softnet:cpu0:dropped", 0, 6, 6, true), 0);
	add_scope(&cur.prof, DP_SCOPE_MACHINE, 0, "machine");
	assert_int_equal(dp_profile_add_counter(&cur.prof, "softnet:cpu0:dropped", 6, 8, 2, true), 0);
	add_scope(&cur.prof, DP_SCOPE_NAMED, 0, "blue");
	assert_int_equal(dp_profile_add_counter(&cur.prof, "UdpNoPorts", 0, 1, 1, true), 0);
	add_scope(&cur.prof, DP_SCOPE_ROOT, DP_SCOPE_OWN, "root");
	assert_int_equal(dp_profile_add_counter(&cur.prof, "UdpNoPorts", 50, 80, 30, true), 0);
	side_build(&old);
	side_build(&cur);
	assert_int_equal(old.rep.scopes[0].kind, DP_SCOPE_LEGACY);

	assert_int_equal(dp_diff_build(&d, &old.rep, &cur.rep, "old", "new", 10), 0);
	assert_int_equal(d.counters.nr, 3);
	r = row(&d.counters, "UdpNoPorts (root)");
	assert_non_null(r);
	assert_int_equal(r->status, DP_DIFF_BOTH);
	assert_int_equal(r->before, 50);
	assert_int_equal(r->after, 30);
	r = row(&d.counters, "softnet:cpu0:dropped (machine)");
	assert_non_null(r);
	assert_int_equal(r->status, DP_DIFF_BOTH);
	r = row(&d.counters, "UdpNoPorts (blue)");
	assert_non_null(r);
	assert_int_equal(r->status, DP_DIFF_NEW);
	dp_diff_release(&d);
	/* Either way round. */
	assert_int_equal(dp_diff_build(&d, &cur.rep, &old.rep, "new", "old", 10), 0);
	assert_int_equal(d.counters.nr, 3);
	assert_int_equal(row(&d.counters, "UdpNoPorts (root)")->status, DP_DIFF_BOTH);
	dp_diff_release(&d);
	/* Two old ones keep their one scope's name. */
	assert_int_equal(dp_diff_build(&d, &old.rep, &fx->b.rep, "old", "older", 10), 0);
	assert_int_equal(row(&d.counters, "UdpNoPorts (own)")->status, DP_DIFF_BOTH);
	assert_int_equal(row(&d.counters, "softnet:cpu0:dropped (own)")->status, DP_DIFF_GONE);
	dp_diff_release(&d);
	side_release(&old);
	side_release(&cur);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates_and_status),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_different_kernels),
		cmocka_unit_test(test_settings_changed),
		cmocka_unit_test(test_settings_not_compared),
		cmocka_unit_test(test_counters_by_scope),
		cmocka_unit_test(test_counters_legacy),
	};

	return cmocka_run_group_tests_name("diff", tests, setup, teardown);
}
