/* Round trips of the saved profile file (.dprof): what a recording can
 * write must load, and report byte for byte the same.
 *
 * The fixture profile (profile_fixture.h) and edge cases are encoded and
 * decoded: weights, per-CPU sites and stacks, the kernel's identity
 * (KERN), source frames (SRCL), the scopes of the counters and their
 * settings (SCOP) come back as they went; names a real machine can have
 * (a hostname with a space, an interface name in UTF-8, in a counter or
 * a setting) and a recording whose reader was stopped (drops lost, stacks
 * still sampled) must load; files are written 0600.  Files of other versions
 * (1.x, a newer minor) and the committed samples are
 * test_profile_versions.c's; files that must be refused are
 * test_profile_hostile.c's and test_profile_lies*.c's.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <cmocka.h>

#include "profile_fixture.h"

/* Encode, decode, and every output must be byte-identical. */
static void round_trip(const struct dp_profile *p, const struct dp_symmap *m)
{
	struct dp_profile q;
	struct dp_symmap n;
	unsigned char *buf, *again;
	size_t len, len2;

	assert_int_equal(dp_profile_encode(p, m, &buf, &len), 0);
	/* Deterministic: the same profile gives the same bytes. */
	assert_int_equal(dp_profile_encode(p, m, &again, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, again, len);
	free(again);
	expect_load(buf, len, &q, &n);
	assert_same_profile(p, m, &q, &n);
	for (size_t i = 0; i < 3; i++) {
		char *want = render(p, m, formats[i]), *got = render(&q, &n, formats[i]);

		assert_string_equal(got, want);
		free(want);
		free(got);
	}
	check_sane(&q, &n);
	dp_profile_release(&q);
	dp_symmap_release(&n);
	free(buf);
}

static void test_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct dp_profile q;
	struct dp_symmap n;
	const struct dp_symmap_entry *e;

	/* The hostile tests' every-offset loops run in full on this file. */
	assert_true(fx->len < FULL_SCAN_MAX);
	assert_memory_equal(fx->file, DP_PROFILE_MAGIC, 8);
	assert_int_equal(get_le(fx->file + 8, 2), DP_PROFILE_MAJOR);
	assert_int_equal(get_le(fx->file + 10, 2), DP_PROFILE_MINOR);
	assert_int_equal(get_le(fx->file + 28, 4), fx->len - 32);

	expect_load(fx->file, fx->len, &q, &n);
	for (size_t i = 0; i < 3; i++) {
		char *got = render(&q, &n, formats[i]);

		assert_string_equal(got, fx->out[i]);
		free(got);
	}
	assert_same_profile(&fx->prof, &fx->names, &q, &n);

	/* A few fields by hand, so the comparison above is not vacuous. */
	assert_int_equal(q.drops, 16);
	assert_int_equal(q.nr_cpu_slots, 4);
	assert_false(q.cpu_recorded[2]);
	assert_true(q.cpu_recorded[3]);
	assert_int_equal(q.cpu_frees[3], 10);
	assert_int_equal(q.cpu_lost[1], 4);
	assert_true(q.hits_known);
	assert_int_equal(q.cpu_hits[1], 9);
	assert_int_equal(q.cpu_recovered[3], 1);
	assert_int_equal(q.recovered, 1);
	assert_int_equal(q.cpu_offline[3], 1);
	assert_int_equal(q.cpus_added, 1);
	assert_int_equal(q.throttled, 2);
	assert_int_equal(q.stacks_other, 1);
	assert_int_equal(q.no_stack, 1);
	assert_string_equal(q.cpu_list, "0-1,3");
	assert_null(q.filter);
	assert_int_equal(q.nr_counters, 7);
	assert_string_equal(q.counters[3].name, "TcpCurrEstab");
	assert_int_equal(q.counters[3].delta, -2);
	assert_int_equal(q.counters[4].delta, 11);
	{
		/* SCOP: where each row was read, and the settings. */
		const struct dp_scope *sc = q.scopes;

		assert_int_equal(q.nr_scopes, FIX_NR_SCOPES);
		assert_int_equal(q.netns_seen, 6);
		assert_int_equal(q.netns_hidden, 2);
		assert_int_equal(sc[FIX_MACHINE].kind, DP_SCOPE_MACHINE);
		assert_int_equal(sc[FIX_MACHINE].nr_counters, 1);
		assert_int_equal(q.counters[0].scope, FIX_MACHINE);
		assert_string_equal(q.counters[0].name, "softnet:cpu0:dropped");
		assert_int_equal(sc[FIX_ROOT].kind, DP_SCOPE_ROOT);
		assert_int_equal(sc[FIX_ROOT].flags, DP_SCOPE_OWN);
		assert_int_equal(sc[FIX_ROOT].inode, 4026531840ULL);
		assert_int_equal(sc[FIX_ROOT].pid, 1);
		assert_string_equal(sc[FIX_ROOT].comm, "systemd");
		assert_null(sc[FIX_ROOT].note);
		assert_int_equal(sc[FIX_ROOT].first_counter, 1);
		assert_int_equal(sc[FIX_ROOT].nr_counters, 4);
		assert_int_equal(q.counters[4].scope, FIX_ROOT);
		assert_int_equal(sc[FIX_ROOT].nr_settings, 4);
		assert_string_equal(sc[FIX_ROOT].settings[0].name, "net.ipv4.conf.vb1.rp_filter");
		assert_int_equal(sc[FIX_ROOT].settings[0].state, DP_SETTING_ABSENT);
		assert_null(sc[FIX_ROOT].settings[0].value);
		assert_string_equal(dp_scope_setting(&sc[FIX_ROOT], "net.ipv4.udp_mem")->value,
				    "4096 131072 6291456");
		assert_string_equal(dp_scope_setting(&sc[FIX_ROOT], "net.netfilter.nf_conntrack_max")->value,
				    "262144");
		assert_int_equal(dp_scope_setting(&sc[FIX_ROOT], "net.netfilter.nf_conntrack_tcp_be_liberal")->state,
				 DP_SETTING_UNREADABLE);
		assert_string_equal(sc[FIX_NAMED].name, "dl-x-b");
		assert_int_equal(sc[FIX_NAMED].flags, DP_SCOPE_APPEARED);
		assert_int_equal(sc[FIX_NAMED].first_counter, 5);
		assert_string_equal(q.counters[5].name, "UdpNoPorts");
		assert_int_equal(q.counters[5].scope, FIX_NAMED);
		assert_int_equal(q.counters[6].scope, FIX_NAMED);
		assert_string_equal(dp_scope_setting(&sc[FIX_NAMED], "net.ipv4.conf.vb1.rp_filter")->value,
				    "1");
		assert_int_equal(sc[FIX_VANISHED].flags, DP_SCOPE_VANISHED);
		assert_int_equal(sc[FIX_VANISHED].nr_counters, 0);
		assert_int_equal(sc[FIX_VANISHED].nr_settings, 0);
		assert_int_equal(sc[FIX_UNREAD].kind, DP_SCOPE_PROCESS);
		assert_int_equal(sc[FIX_UNREAD].flags, DP_SCOPE_UNREAD);
		assert_string_equal(sc[FIX_UNREAD].note,
				    "not read at the end: cannot open it: permission denied (run as root)");
		assert_string_equal(sc[FIX_UNREAD].comm, "sleep");
		assert_int_equal(sc[FIX_UNREAD].pid, 3200);
	}
	assert_int_equal(q.stack_strata, DP_STRATA_SITE_CPU);
	{
		/* 2.0 keys: [reason, location, cpu, ...], the site per CPU. */
		const uint64_t k[] = { 0x30005, IP_RCV_CORE + 0x50, 0, DP_UNSTACKED_NONE };
		const uint64_t c[] = { 3, UDP_RCV + 0x24, 1, DP_UNSTACKED_OVER_CAP };
		const uint64_t s[] = { 12, NFT_DO_CHAIN + 0x30, 0,
				       NFT_DO_CHAIN + 0x30, IP_RCV + 0x5, STEXT + 0x40 };
		const uint64_t s0[] = { UDP_RCV + 0x20, 3, 0 };
		const uint64_t s1[] = { UDP_RCV + 0x20, 3, 1 };

		assert_int_equal(dp_keytab_get(&q.unstacked, k, 4), 1);
		assert_int_equal(keytab_weight(&q.unstacked, k, 4), 1);
		assert_int_equal(dp_keytab_get(&q.unstacked, c, 4), 1);
		assert_int_equal(dp_keytab_get(&q.stacks, s, 6), 3);
		assert_int_equal(keytab_weight(&q.stacks, s, 6), 3);
		assert_int_equal(dp_keytab_get(&q.sites, s0, 3), 5);
		assert_int_equal(dp_keytab_get(&q.sites, s1, 3), 2);
	}
	/* KERN and SRCL. */
	assert_int_equal(n.kernel.buildid.len, 20);
	assert_int_equal(n.kernel.buildid.id[19], 0xa0 + 19);
	assert_int_equal(n.kernel.stext, STEXT);
	assert_int_equal(n.kernel.text, STEXT - 0x1000);
	assert_int_equal(n.nr_src, 3);
	e = dp_symmap_addr(&n, UDP_RCV + 0x20);
	assert_non_null(e);
	assert_int_equal(e->nr_src, 2);
	assert_string_equal(e->src[0].function, "__udp4_lib_lookup_skb");
	assert_true(e->src[0].inlined);
	assert_int_equal(e->src[0].line, 2470);
	assert_string_equal(e->src[1].function, "udp_rcv");
	assert_string_equal(e->src[1].file, "net/ipv4/udp.c");
	assert_false(e->src[1].inlined);
	e = dp_symmap_addr(&n, NFT_DO_CHAIN + 0x30);
	assert_non_null(e);
	assert_int_equal(e->nr_src, 1);
	assert_null(e->src[0].function);
	assert_int_equal(e->src[0].line, 0);
	e = dp_symmap_addr(&n, UDP_RCV + 0x24);
	assert_non_null(e);
	assert_int_equal(e->nr_src, 0);
	assert_null(e->src);
	e = dp_symmap_addr(&n, NFT_DO_CHAIN + 0x30);
	assert_non_null(e);
	assert_string_equal(e->name, "nft_do_chain");
	assert_string_equal(e->module, "nf_tables");
	assert_int_equal(e->offset, 0x30);
	e = dp_symmap_addr(&n, NOWHERE);
	assert_non_null(e);
	assert_null(e->name);
	assert_string_equal(dp_symmap_reason(&n, 3), "NO_SOCKET");
	assert_string_equal(dp_symmap_reason(&n, 0x30005), "SUBSYS_3:5");
	assert_string_equal(dp_symmap_reason(&n, 500), "REASON_500");
	/* What the report shows came through. */
	assert_non_null(strstr(fx->out[0], "nft_do_chain+0x30 [nf_tables]"));
	/* Samples without a stack of their own show at their site. */
	assert_non_null(strstr(fx->out[0], "NO_SOCKET  1 drops (6.25%)\n      udp_rcv+0x24\n      (stacks over the cap)\n"));
	assert_non_null(strstr(fx->out[0], "SUBSYS_3:5  1 drops (6.25%)\n      ip_rcv_core+0x50\n      (no stack)\n"));
	assert_null(strstr(fx->out[0], "est. from"));
	assert_non_null(strstr(fx->out[0], "throttled sampling 2 times"));
	assert_non_null(strstr(fx->out[0], "-2       -1.0/s  TcpCurrEstab"));
	assert_non_null(strstr(fx->out[0], "lost 4 of 20 drops (counted by the kernel, not delivered; cpu1 4)"));
	assert_non_null(strstr(fx->out[0], "1 drops in idle context read from dropprof's ftrace instance"));
	assert_non_null(strstr(fx->out[2], "NETFILTER_DROP;0xffffffff81000040;ip_rcv;nft_do_chain_[nf_tables] 3\n"));
	dp_profile_release(&q);
	dp_symmap_release(&n);

	round_trip(&fx->prof, &fx->names);
}

/* Edges: an empty recording; names that say "restricted", no reason
 * field, no frees, no hit counts; the longest stack a key can hold; a CPU
 * list far longer than the 255 characters profiles used to keep. */
static void test_round_trip_edges(void **state)
{
	struct dp_profile p;
	struct dp_symmap m;
	uint64_t ips[DP_MAX_FRAMES + 10];
	struct dp_skb_fields f = { .location = UDP_RCV, .reason = 2,
				   .protocol = 0x86DD };
	struct dp_strbuf cpus = DP_STRBUF_INIT;
	(void)state;

	assert_int_equal(dp_profile_init(&p, 1, 0), 0);
	dp_symmap_init(&m);
	round_trip(&p, &m);
	dp_profile_release(&p);

	assert_int_equal(dp_profile_init(&p, 3, 0), 0);
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++)
		ips[i] = STEXT + 0x1000 * i;
	assert_int_equal(dp_profile_add_drop_stack(&p, 2, &f, ips, DP_MAX_FRAMES + 10), 0);
	assert_int_equal(p.stacks.nr_used, 1);
	assert_int_equal(p.stacks.arena_len, DP_MAX_FRAMES + DP_STACK_KEY_HEAD);
	/* A weight far beyond any count, on the last CPU slot. */
	f.reason = 5;
	assert_int_equal(dp_profile_add_drop(&p, 2, &f), 0);
	assert_int_equal(dp_profile_add_stack(&p, 2, &f, (uint64_t)1 << 40, ips, 3), 0);
	assert_int_equal(dp_profile_add_stack(&p, 2, &f, (uint64_t)1 << 40, NULL, 0), 0);
	p.has_reason = false;
	p.frees_known = false;
	p.cpu_recorded[2] = true;
	p.duration = 0;
	for (int cpu = 0; cpu < 4000; cpu += 2)
		assert_int_equal(dp_strbuf_addf(&cpus, "%s%d", cpu ? "," : "", cpu), 0);
	assert_true(cpus.len > 8000);
	assert_int_equal(dp_profile_set_cpu_list(&p, cpus.buf), 0);
	assert_int_equal(dp_profile_names(&m, &p, NULL, NULL), 0);
	m.restricted = true;
	round_trip(&p, &m);
	dp_symmap_release(&m);
	dp_profile_release(&p);
	dp_strbuf_release(&cpus);
}

/* Sampled stacks: every drop counted, a stack for only some of them;
 * the in-kernel filter text (spaces and operators) is kept. */
static void test_round_trip_sampled(void **state)
{
	struct fixture *fx = *state;
	struct dp_profile p;
	struct dp_symmap m;
	const uint64_t udp[] = { UDP_RCV + 0x20, IP_RCV + 0x5 };
	const uint64_t nft[] = { NFT_DO_CHAIN + 0x30, IP_RCV + 0x5 };
	struct dp_skb_fields f = { .location = UDP_RCV + 0x20, .reason = 3,
				   .protocol = 0x0800 };
	char *text;

	assert_int_equal(dp_profile_init(&p, 2, 0), 0);
	p.cpu_recorded[0] = p.cpu_recorded[1] = true;
	p.has_reason = true;
	p.duration = 10.0;
	assert_int_equal(dp_profile_set_cpu_list(&p, "0-1"), 0);
	assert_int_equal(dp_profile_set_filter(&p, "reason != 2 && protocol == 0x0800"), 0);
	for (int i = 0; i < 40; i++)
		assert_int_equal(dp_profile_add_drop(&p, (uint32_t)(i & 1), &f), 0);
	f.reason = 12;
	f.location = NFT_DO_CHAIN + 0x30;
	for (int i = 0; i < 24; i++)
		assert_int_equal(dp_profile_add_drop(&p, 0, &f), 0);
	f.reason = 3;
	f.location = UDP_RCV + 0x20;
	for (int i = 0; i < 5; i++)
		assert_int_equal(dp_profile_add_stack(&p, (uint32_t)(i & 1), &f,
						      8, udp, 2), 0);
	f.reason = 12;
	f.location = NFT_DO_CHAIN + 0x30;
	assert_int_equal(dp_profile_add_stack(&p, 0, &f, 8, nft, 2), 0);
	assert_int_equal(dp_profile_add_stack(&p, 0, &f, 8, NULL, 0), 0);
	p.stack_period_max = 8;
	p.stack_budget = 500;
	p.stack_lost = 2;
	p.all_stacks = false;
	assert_int_equal(p.drops, 64);
	assert_int_equal(p.stack_samples, 7);
	/* The same stack on two CPUs is two entries, each with the drops
	 * its samples stand for. */
	{
		const uint64_t k0[] = { 3, UDP_RCV + 0x20, 0, UDP_RCV + 0x20, IP_RCV + 0x5 };
		const uint64_t k1[] = { 3, UDP_RCV + 0x20, 1, UDP_RCV + 0x20, IP_RCV + 0x5 };
		const uint64_t none[] = { 12, NFT_DO_CHAIN + 0x30, 0, DP_UNSTACKED_NONE };

		assert_int_equal(p.stacks.nr_used, 3);
		assert_int_equal(dp_keytab_get(&p.stacks, k0, 5), 3);
		assert_int_equal(keytab_weight(&p.stacks, k0, 5), 24);
		assert_int_equal(dp_keytab_get(&p.stacks, k1, 5), 2);
		assert_int_equal(keytab_weight(&p.stacks, k1, 5), 16);
		assert_int_equal(keytab_weight(&p.unstacked, none, 4), 8);
	}
	assert_int_equal(dp_profile_names(&m, &p, fx->ks, &fx->fmt), 0);
	round_trip(&p, &m);
	text = render(&p, &m, DP_FORMAT_TEXT);
	assert_non_null(strstr(text, "'reason != 2 && protocol == 0x0800'"));
	/* 40 NO_SOCKET drops, 20 per CPU, over 3 and 2 samples; 24
	 * NETFILTER_DROP drops over a stack and a sample without one. */
	assert_non_null(strstr(text, "NO_SOCKET  ~40 drops (est. from 5 samples, 62.50%)"));
	assert_non_null(strstr(text, "NETFILTER_DROP  ~12 drops (est. from 1 samples, 18.75%)"));
	assert_non_null(strstr(text, "stack counts marked '~' are estimates"));
	free(text);
	dp_symmap_release(&m);
	dp_profile_release(&p);
}

/* Regression: a reader stopped during a flood (kill -STOP) lets the ring
 * overflow; drop records are lost while stack records of the same hits
 * still arrive, so there are more stack samples than delivered drops.
 * Such a profile was refused as "sampling section has impossible values";
 * it must load, and the report must say what was lost. */
static void test_stopped_reader(void **state)
{
	struct fixture *fx = *state;
	const uint64_t udp[] = { UDP_RCV + 0x20, IP_RCV + 0x5 };
	struct dp_skb_fields f = { .location = UDP_RCV + 0x20, .reason = 3,
				   .protocol = 0x0800 };
	struct dp_profile p, q;
	struct dp_symmap m, n;
	unsigned char *buf;
	size_t len;
	char *text, *json;

	assert_int_equal(dp_profile_init(&p, 2, 0), 0);
	p.cpu_recorded[0] = p.cpu_recorded[1] = true;
	p.has_reason = true;
	p.duration = 3.0;
	assert_int_equal(dp_profile_set_cpu_list(&p, "0-1"), 0);
	for (int i = 0; i < 26803; i++)
		assert_int_equal(dp_profile_add_drop(&p, 0, &f), 0);
	for (int i = 0; i < 28000; i++)
		assert_int_equal(dp_profile_add_stack(&p, 0, &f, 1, udp, 2), 0);
	p.stack_budget = 2000;
	p.all_stacks = false;
	p.hits_known = true;
	p.cpu_hits[0] = 30000;
	dp_test_add_lost(&p, 0, 30000 - 26803);
	assert_true(p.stack_samples > p.drops);
	assert_int_equal(dp_profile_names(&m, &p, fx->ks, &fx->fmt), 0);
	assert_int_equal(dp_profile_encode(&p, &m, &buf, &len), 0);
	expect_load(buf, len, &q, &n);
	assert_same_profile(&p, &m, &q, &n);
	text = render(&q, &n, DP_FORMAT_TEXT);
	assert_non_null(strstr(text, "lost 3,197 of 30,000 drops (counted by the kernel, not delivered; cpu0 3,197)"));
	json = render(&q, &n, DP_FORMAT_JSON);
	assert_non_null(strstr(json, "\"lost\":3197,"));
	assert_non_null(strstr(json, "\"hits\":30000,"));
	free(json);
	free(text);
	dp_profile_release(&q);
	dp_symmap_release(&n);
	free(buf);
	dp_symmap_release(&m);
	dp_profile_release(&p);
}

/* Regression: names a machine really has.  A hostname may hold spaces,
 * tabs, any byte; an interface name (in a dev: counter) UTF-8.  They were
 * written as they are and the reader refused them, so the profile of such
 * a machine could never be reported.  They are written escaped now. */
static void test_names_from_the_wild(void **state)
{
	struct fixture *fx = *state;
	struct dp_profile p, q;
	struct dp_symmap n;
	unsigned char *buf;
	size_t len;
	char *text;
	char long_host[65];
	(void)fx;

	assert_int_equal(dp_profile_init(&p, 1, 0), 0);
	strcpy(p.hostname, "lab host\t7");
	strcpy(p.kernel, "6.18.0-caf\xc3\xa9");
	assert_int_equal(dp_profile_add_counter(&p, "dev:caf\xc3\xa9:rx_drop", 1, 3, 2, true), 0);
	assert_int_equal(dp_profile_encode(&p, &fx->names, &buf, &len), 0);
	expect_load(buf, len, &q, &n);
	assert_string_equal(q.hostname, "lab\\x20host\\x097");
	assert_string_equal(q.kernel, "6.18.0-caf\\xc3\\xa9");
	assert_string_equal(q.counters[0].name, "dev:caf\\xc3\\xa9:rx_drop");
	text = render(&q, &n, DP_FORMAT_TEXT);
	assert_non_null(strstr(text, "dev:caf\\xc3\\xa9:rx_drop"));
	free(text);
	dp_profile_release(&q);
	dp_symmap_release(&n);
	free(buf);

	/* 64 bytes of UTF-8 escape to 256 characters: more than the field
	 * holds, so it is cut, visibly, and still loads. */
	for (size_t i = 0; i < 64; i += 2)
		memcpy(long_host + i, "\xc3\xa9", 2);
	long_host[64] = '\0';
	strcpy(p.hostname, long_host);
	assert_int_equal(dp_profile_encode(&p, &fx->names, &buf, &len), 0);
	expect_load(buf, len, &q, &n);
	assert_true(strlen(q.hostname) <= 127);
	assert_true(strlen(q.hostname) > 120);
	assert_int_equal(strncmp(q.hostname, "\\xc3\\xa9\\xc3\\xa9", 16), 0);
	assert_string_equal(q.hostname + strlen(q.hostname) - 3, "...");
	dp_profile_release(&q);
	dp_symmap_release(&n);
	free(buf);
	dp_profile_release(&p);
}

/* Regression: the settings of a scope were written in the order of their
 * names in memory, then escaped; escaping can reorder names (an
 * interface named in UTF-8: 0xc3 sorts after 'z', "\xc3" before it) and
 * make two names one (a name that holds a backslash), and the reader,
 * which wants them sorted and each once, refused the file.  A recording
 * in a namespace with such an interface could not be reported.  Now
 * they are sorted as written, and of two that became one the first in
 * memory is kept. */
static void test_settings_from_the_wild(void **state)
{
	struct fixture *fx = *state;
	struct dp_scope s = { .kind = DP_SCOPE_NAMED, .pid = 7 };
	struct dp_profile p, q;
	struct dp_symmap n;
	unsigned char *buf;
	size_t len;
	const struct dp_scope *sc;

	assert_int_equal(dp_profile_init(&p, 1, 0), 0);
	s.name = strdup("caf\xc3\xa9 lab");
	s.comm = strdup("Web Content");
	assert_non_null(s.name);
	assert_non_null(s.comm);
	assert_int_equal(dp_scope_set_setting(&s, "net.ipv4.conf.cafz.rp_filter",
					      DP_SETTING_VALUE, "1"), 0);
	assert_int_equal(dp_scope_set_setting(&s, "net.ipv4.conf.caf\xc3\xa9.rp_filter",
					      DP_SETTING_VALUE, "2"), 0);
	assert_int_equal(dp_scope_set_setting(&s, "net.ipv4.conf.caf\\xc3\\xa9.rp_filter",
					      DP_SETTING_ABSENT, NULL), 0);
	assert_int_equal(dp_scope_set_setting(&s, "net.ipv4.tcp_rmem",
					      DP_SETTING_VALUE, "4096\t131072\t6291456"), 0);
	/* In memory: the backslash (0x5c), then 0xc3 after "cafz". */
	assert_string_equal(s.settings[1].name, "net.ipv4.conf.cafz.rp_filter");
	assert_int_equal(dp_profile_add_scope(&p, &s), 0);
	assert_int_equal(dp_profile_add_counter(&p, "dev:caf\xc3\xa9:rx_drop", 1, 3, 2, true), 0);
	assert_int_equal(dp_profile_encode(&p, &fx->names, &buf, &len), 0);
	expect_load(buf, len, &q, &n);
	sc = &q.scopes[0];
	assert_int_equal(q.nr_scopes, 1);
	assert_string_equal(sc->name, "caf\\xc3\\xa9\\x20lab");
	/* A comm is text: its space stays a space. */
	assert_string_equal(sc->comm, "Web Content");
	assert_int_equal(sc->nr_counters, 1);
	assert_int_equal(sc->nr_settings, 3);
	assert_string_equal(sc->settings[0].name, "net.ipv4.conf.caf\\xc3\\xa9.rp_filter");
	assert_int_equal(sc->settings[0].state, DP_SETTING_ABSENT);
	assert_string_equal(sc->settings[1].name, "net.ipv4.conf.cafz.rp_filter");
	assert_string_equal(sc->settings[1].value, "1");
	assert_string_equal(sc->settings[2].name, "net.ipv4.tcp_rmem");
	assert_string_equal(sc->settings[2].value, "4096\\x09131072\\x096291456");
	/* What loaded is written as it is, and loads the same. */
	{
		unsigned char *again;
		size_t len2;
		struct dp_profile r;
		struct dp_symmap o;

		assert_int_equal(dp_profile_encode(&q, &n, &again, &len2), 0);
		expect_load(again, len2, &r, &o);
		assert_same_data(&q, &r);
		dp_profile_release(&r);
		dp_symmap_release(&o);
		free(again);
	}
	check_sane(&q, &n);
	dp_profile_release(&q);
	dp_symmap_release(&n);
	free(buf);
	dp_profile_release(&p);
}

/* Scopes as a recording leaves them and as a profile made by hand can:
 * rows added before any scope come back in a legacy scope ahead of the
 * others; no rows and no scope, with namespaces seen; rows and no scope
 * at all (test_names_from_the_wild's). */
static void test_round_trip_scopes(void **state)
{
	struct fixture *fx = *state;
	struct dp_scope s = { .kind = DP_SCOPE_ROOT, .flags = DP_SCOPE_OWN };
	struct dp_profile p, q;
	struct dp_symmap n;
	unsigned char *buf;
	size_t len;

	assert_int_equal(dp_profile_init(&p, 1, 0), 0);
	p.netns_seen = 4;
	p.netns_hidden = 1;
	round_trip(&p, &fx->names);
	assert_int_equal(dp_profile_add_counter(&p, "IpInReceives", 1, 2, 1, false), 0);
	s.name = strdup("root");
	assert_non_null(s.name);
	assert_int_equal(dp_profile_add_scope(&p, &s), 0);
	assert_int_equal(dp_profile_add_counter(&p, "UdpNoPorts", 1, 3, 2, true), 0);
	assert_int_equal(p.counters[0].scope, 0);
	assert_int_equal(p.scopes[0].first_counter, 1);
	assert_int_equal(dp_profile_encode(&p, &fx->names, &buf, &len), 0);
	expect_load(buf, len, &q, &n);
	assert_same_data(&p, &q);
	assert_int_equal(q.nr_scopes, 2);
	assert_int_equal(q.scopes[0].kind, DP_SCOPE_LEGACY);
	assert_int_equal(q.scopes[0].nr_counters, 1);
	assert_string_equal(q.scopes[1].name, "root");
	assert_int_equal(q.scopes[1].first_counter, 1);
	assert_int_equal(q.counters[0].scope, 0);
	assert_int_equal(q.counters[1].scope, 1);
	assert_int_equal(q.netns_seen, 4);
	check_sane(&q, &n);
	dp_profile_release(&q);
	dp_symmap_release(&n);
	free(buf);
	dp_profile_release(&p);
}

/* KERN and SRCL: the kernel's identity and source frames as the
 * symbolizer leaves them (dp_symmap_set_src after dp_symmap_sort): inlined
 * chains, frames without a function or a file, the most frames an
 * address may have, the longest build-id, none at all. */
static void test_round_trip_sources(void **state)
{
	struct fixture *fx = *state;
	const uint64_t ips[] = { UDP_RCV + 0x20, IP_RCV + 0x5, STEXT + 0x40 };
	struct dp_skb_fields f = { .location = UDP_RCV + 0x20, .reason = 3,
				   .protocol = 0x0800 };
	const struct dp_symmap_src chain[] = {
		{ "udp_lib_checksum_complete", "include/net/udp.h", 120, true },
		{ "__udp4_lib_lookup_skb", "net/ipv4/udp.c", 2470, true },
		{ "udp_rcv", "net/ipv4/udp.c", 2660, false },
	};
	struct dp_symmap_src odd[] = {
		{ NULL, NULL, 0, true },
		{ "ip_rcv", "net/ipv4/ip_input.c", 7, false },
	};
	struct dp_symmap_src many[256];
	struct dp_profile p, q;
	struct dp_symmap m, n;
	unsigned char *buf;
	size_t len;
	const struct dp_symmap_entry *e;

	assert_int_equal(dp_profile_init(&p, 2, 0), 0);
	p.cpu_recorded[0] = p.cpu_recorded[1] = true;
	p.has_reason = true;
	p.duration = 1.0;
	add(&p, 1, 3, UDP_RCV + 0x20, 0x0800, ips, 3, 2);
	assert_int_equal(dp_profile_add_stack(&p, 0, &f, 4, ips, 3), 0);
	assert_int_equal(dp_profile_add_drop(&p, 0, &f), 0);
	assert_int_equal(dp_profile_names(&m, &p, fx->ks, &fx->fmt), 0);
	assert_int_equal(dp_symmap_sort(&m), 0);
	assert_int_equal(dp_symmap_set_src(&m, UDP_RCV + 0x20, chain, 3), 0);
	assert_int_equal(dp_symmap_set_src(&m, IP_RCV + 0x5, odd, 2), 0);
	for (size_t i = 0; i < 256; i++)
		many[i] = (struct dp_symmap_src){ "f", "f.c", (uint32_t)i, i < 255 };
	assert_int_equal(dp_symmap_set_src(&m, STEXT + 0x40, many, 256), 0);
	assert_int_equal(dp_symmap_set_src(&m, NOWHERE, chain, 1), -ENOENT);
	memset(m.kernel.buildid.id, 0x5a, DP_BUILDID_MAX);
	m.kernel.buildid.len = DP_BUILDID_MAX;
	m.kernel.stext = STEXT;
	m.kernel.text = STEXT;
	round_trip(&p, &m);

	/* Names in the file hold no space (folded lines split on them): a
	 * path with one is written escaped. */
	odd[1].file = (char *)"dir with space/ip_input.c";
	assert_int_equal(dp_symmap_set_src(&m, IP_RCV + 0x5, odd, 2), 0);
	assert_int_equal(dp_profile_encode(&p, &m, &buf, &len), 0);
	expect_load(buf, len, &q, &n);
	free(buf);
	e = dp_symmap_addr(&n, UDP_RCV + 0x20);
	assert_non_null(e);
	assert_int_equal(e->nr_src, 3);
	assert_string_equal(e->src[0].file, "include/net/udp.h");
	assert_true(e->src[1].inlined);
	assert_false(e->src[2].inlined);
	e = dp_symmap_addr(&n, IP_RCV + 0x5);
	assert_non_null(e);
	assert_null(e->src[0].function);
	assert_null(e->src[0].file);
	assert_string_equal(e->src[1].file, "dir\\x20with\\x20space/ip_input.c");
	assert_int_equal(dp_symmap_addr(&n, STEXT + 0x40)->nr_src, 256);
	assert_int_equal(n.kernel.buildid.len, DP_BUILDID_MAX);
	dp_profile_release(&q);
	dp_symmap_release(&n);

	/* Taken away again: no source lines, no build-id. */
	assert_int_equal(dp_symmap_set_src(&m, UDP_RCV + 0x20, NULL, 0), 0);
	assert_int_equal(dp_symmap_set_src(&m, IP_RCV + 0x5, NULL, 0), 0);
	assert_int_equal(dp_symmap_set_src(&m, STEXT + 0x40, NULL, 0), 0);
	assert_int_equal(m.nr_src, 0);
	memset(&m.kernel, 0, sizeof(m.kernel));
	round_trip(&p, &m);
	dp_symmap_release(&m);
	dp_profile_release(&p);
}

/* ---- files ---- */

static size_t count_entries(const char *dir, const char *only)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (only && strcmp(e->d_name, only))
			fail_msg("unexpected file '%s' in '%s'", e->d_name, dir);
		n++;
	}
	closedir(d);
	return n;
}

static void test_save_load(void **state)
{
	struct fixture *fx = *state;
	struct dp_profile p;
	struct dp_symmap m;
	struct dp_err err = DP_ERR_INIT;
	char *path = NULL, *missing = NULL, *text;
	unsigned char *file;
	size_t len;

	assert_true(asprintf(&path, "%s/run.dprof", fx->tmpdir) > 0);
	assert_true(asprintf(&missing, "%s/no/such/dir/run.dprof", fx->tmpdir) > 0);

	/* Saved: exactly the encoded bytes, no temporary left behind. */
	if (dp_profile_save(path, &fx->prof, &fx->names, &err))
		fail_msg("save failed: %s", dp_err_msg(&err));
	assert_int_equal(count_entries(fx->tmpdir, "run.dprof"), 1);
	file = (unsigned char *)dp_test_slurp(path, &len);
	assert_non_null(file);
	assert_int_equal(len, fx->len);
	assert_memory_equal(file, fx->file, len);
	free(file);
	if (dp_profile_load(path, &p, &m, &err))
		fail_msg("load failed: %s", dp_err_msg(&err));
	text = render(&p, &m, DP_FORMAT_TEXT);
	assert_string_equal(text, fx->out[0]);
	free(text);
	dp_profile_release(&p);
	dp_symmap_release(&m);

	/* Saving over it replaces it whole. */
	{
		struct dp_profile q;

		assert_int_equal(dp_profile_init(&q, 1, 0), 0);
		strcpy(q.hostname, "replaced");
		if (dp_profile_save(path, &q, &fx->names, &err))
			fail_msg("save failed: %s", dp_err_msg(&err));
		dp_profile_release(&q);
		assert_int_equal(count_entries(fx->tmpdir, "run.dprof"), 1);
		if (dp_profile_load(path, &p, &m, &err))
			fail_msg("load failed: %s", dp_err_msg(&err));
		assert_string_equal(p.hostname, "replaced");
		assert_int_equal(p.drops, 0);
		dp_profile_release(&p);
		dp_symmap_release(&m);
	}

	/* Into a missing directory: an error naming the path, nothing made. */
	dp_err_release(&err);
	assert_int_equal(dp_profile_save(missing, &fx->prof, &fx->names, &err), -ENOENT);
	assert_one_line(dp_err_msg(&err));
	assert_mentions(dp_err_msg(&err), missing);
	assert_int_equal(count_entries(fx->tmpdir, "run.dprof"), 1);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(count_entries(fx->tmpdir, NULL), 0);
	free(missing);
	free(path);
	dp_err_release(&err);
}

/* Regression: profiles hold raw kernel addresses, which
 * kernel.kptr_restrict hides from other users; they were written 0666
 * less the umask.  Now 0600 whatever the umask. */
static void test_save_mode(void **state)
{
	struct fixture *fx = *state;
	const mode_t masks[] = { 0, 022, 077, 0277 };
	struct dp_err err = DP_ERR_INIT;
	char *path = NULL;

	assert_true(asprintf(&path, "%s/mode.dprof", fx->tmpdir) > 0);
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		mode_t old = umask(masks[i]);
		struct stat st;
		int ret = dp_profile_save(path, &fx->prof, &fx->names, &err);

		umask(old);
		if (ret)
			fail_msg("save failed: %s", dp_err_msg(&err));
		assert_int_equal(stat(path, &st), 0);
		if ((st.st_mode & 07777) != 0600)
			fail_msg("umask %03o: saved with mode %04o, want 0600",
				 (unsigned)masks[i], (unsigned)(st.st_mode & 07777));
		assert_int_equal(unlink(path), 0);
	}
	free(path);
	dp_err_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_edges),
		cmocka_unit_test(test_round_trip_sampled),
		cmocka_unit_test(test_round_trip_sources),
		cmocka_unit_test(test_stopped_reader),
		cmocka_unit_test(test_names_from_the_wild),
		cmocka_unit_test(test_settings_from_the_wild),
		cmocka_unit_test(test_round_trip_scopes),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_save_mode),
	};

	return cmocka_run_group_tests_name("profile_roundtrip", tests,
					   fixture_setup, fixture_teardown);
}
