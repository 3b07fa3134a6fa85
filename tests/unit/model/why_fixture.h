/* why_fixture — a profile recorded across several network namespaces, for
 * the Why section's model (test_why.c) and its text and JSON goldens
 * (test_report.c, report-why.{txt,json}).  Include after cmocka.h.
 *
 * The machine it describes, as record/context.c leaves a profile:
 *   scope 0  machine          softnet and rt_cache counters; the initial
 *                             namespace's values of the machine-wide
 *                             settings (net.core.rmem_max, ...)
 *   scope 1  root (own)       dropprof runs here: a UDP socket whose
 *                             buffer overflows, eth0's FIFO overruns, one
 *                             packet refused by rp_filter
 *   scope 2  dl-x-b (named)   a veth vb1 with asymmetric routes: rp_filter
 *                             refuses most; also a small UDP overflow
 *   scope 3  netns:[4026532400] nginx's, no drop counter moved
 * Drops traced: SOCKET_RCVBUFF 8, IP_RPFILTER 5, CPU_BACKLOG 3,
 * NEIGH_CREATEFAIL 2 (none of its counters moved), DUALPI2_STEP_DROP 1
 * (not in the catalogue).
 */
#ifndef DROPPROF_TEST_WHY_FIXTURE_H
#define DROPPROF_TEST_WHY_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "dropprof/kernel/skb_fields.h"
#include "dropprof/model/report.h"
#include "dropprof/profile/profile.h"
#include "dropprof/profile/scope.h"
#include "dropprof/symbols/symmap.h"

/* Reason values of this fixture's "kernel". */
#define WHY_RCVBUFF   6
#define WHY_RPFILTER  16
#define WHY_BACKLOG   40
#define WHY_NEIGH     52
#define WHY_DUALPI2   90

/* Drop sites and their callers. */
#define WHY_UDP_ENQ   0xffffffff81000700ULL
#define WHY_UDP_RCV   0xffffffff81000620ULL
#define WHY_IP_FINISH 0xffffffff81000210ULL
#define WHY_IP_RCV    0xffffffff81000110ULL
#define WHY_BACKLOG_Q 0xffffffff81000900ULL
#define WHY_NETIF_RX  0xffffffff81000950ULL
#define WHY_IP_OUT2   0xffffffff81000a40ULL
#define WHY_IP_OUT    0xffffffff81000a10ULL
#define WHY_DUALPI2_Q 0xffffffffc0300040ULL
#define WHY_DEV_QUEUE 0xffffffff81000b20ULL

struct why_fixture {
	struct dp_profile prof;
	struct dp_symmap names;
};

static inline void why_drops(struct dp_profile *p, uint32_t reason, uint64_t loc,
			     uint64_t caller, uint16_t proto, int times)
{
	struct dp_skb_fields f = { .location = loc, .reason = reason, .protocol = proto };
	uint64_t ips[2] = { loc, caller };

	for (int i = 0; i < times; i++)
		assert_int_equal(dp_profile_add_drop_stack(p, (uint32_t)(i & 1), &f, ips, 2), 0);
}

/* A scope with its settings; name "k=v" for a value, "k" alone with
 * state for the others.  Its counters follow (dp_profile_add_counter). */
struct why_setting {
	const char *name;
	enum dp_setting_state state;
	const char *value;
};

static inline void why_scope(struct dp_profile *p, enum dp_scope_kind kind,
			     unsigned int flags, const char *name, uint64_t inode,
			     int32_t pid, const char *comm,
			     const struct why_setting *settings)
{
	struct dp_scope s = {
		.kind = kind, .flags = flags, .inode = inode, .pid = pid,
	};

	s.name = strdup(name);
	s.comm = comm ? strdup(comm) : NULL;
	assert_non_null(s.name);
	for (size_t i = 0; settings && settings[i].name; i++)
		assert_int_equal(dp_scope_set_setting(&s, settings[i].name, settings[i].state,
						      settings[i].value), 0);
	assert_true(dp_profile_add_scope(p, &s) >= 0);
}

static inline void why_counter(struct dp_profile *p, const char *name, uint64_t before,
			       int64_t delta, bool drop)
{
	assert_int_equal(dp_profile_add_counter(p, name, before, before + (uint64_t)delta,
						delta, drop), 0);
}

static inline void why_fixture_init(struct why_fixture *fx)
{
	struct dp_profile *p = &fx->prof;
	struct dp_symmap *m = &fx->names;
	static const struct why_setting machine[] = {
		{ "net.core.flow_limit_cpu_bitmap", DP_SETTING_VALUE, "0" },
		{ "net.core.netdev_max_backlog", DP_SETTING_VALUE, "1000" },
		{ "net.core.rmem_default", DP_SETTING_VALUE, "212992" },
		{ "net.core.rmem_max", DP_SETTING_VALUE, "212992" },
		{ "net.ipv4.conf.all.rp_filter", DP_SETTING_VALUE, "2" },
		{ NULL, 0, NULL },
	};
	static const struct why_setting root[] = {
		{ "net.core.flow_limit_cpu_bitmap", DP_SETTING_VALUE, "0" },
		{ "net.core.netdev_max_backlog", DP_SETTING_VALUE, "1000" },
		{ "net.core.rmem_default", DP_SETTING_VALUE, "212992" },
		{ "net.core.rmem_max", DP_SETTING_VALUE, "212992" },
		{ "net.ipv4.conf.all.rp_filter", DP_SETTING_VALUE, "2" },
		{ "net.ipv4.conf.eth0.rp_filter", DP_SETTING_VALUE, "1" },
		{ "net.ipv4.neigh.default.gc_thresh3", DP_SETTING_VALUE, "1024" },
		{ "net.ipv6.neigh.default.gc_thresh3", DP_SETTING_ABSENT, NULL },
		{ NULL, 0, NULL },
	};
	/* In a namespace: rmem_max is the machine's (no entry here), the
	 * buffer default could not be read. */
	static const struct why_setting dlxb[] = {
		{ "net.core.rmem_default", DP_SETTING_UNREADABLE, NULL },
		{ "net.core.rmem_max", DP_SETTING_ABSENT, NULL },
		{ "net.ipv4.conf.all.rp_filter", DP_SETTING_VALUE, "1" },
		{ "net.ipv4.conf.vb1.rp_filter", DP_SETTING_VALUE, "1" },
		{ "net.ipv4.neigh.default.gc_thresh3", DP_SETTING_VALUE, "1024" },
		{ NULL, 0, NULL },
	};
	static const struct why_setting nginx[] = {
		{ "net.core.rmem_default", DP_SETTING_VALUE, "212992" },
		{ "net.core.rmem_max", DP_SETTING_ABSENT, NULL },
		{ NULL, 0, NULL },
	};

	memset(fx, 0, sizeof(*fx));
	assert_int_equal(dp_profile_init(p, 2, 0), 0);
	dp_symmap_init(m);
	assert_int_equal(dp_symmap_add_addr(m, WHY_UDP_ENQ, "__udp_enqueue_schedule_skb", NULL, 0x1f0), 0);
	assert_int_equal(dp_symmap_add_addr(m, WHY_UDP_RCV, "udp_queue_rcv_one_skb", NULL, 0x3c), 0);
	assert_int_equal(dp_symmap_add_addr(m, WHY_IP_FINISH, "ip_rcv_finish_core", NULL, 0x1b0), 0);
	assert_int_equal(dp_symmap_add_addr(m, WHY_IP_RCV, "ip_rcv", NULL, 0x5), 0);
	assert_int_equal(dp_symmap_add_addr(m, WHY_BACKLOG_Q, "enqueue_to_backlog", NULL, 0x90), 0);
	assert_int_equal(dp_symmap_add_addr(m, WHY_NETIF_RX, "netif_rx_internal", NULL, 0x44), 0);
	assert_int_equal(dp_symmap_add_addr(m, WHY_IP_OUT2, "ip_finish_output2", NULL, 0x2a0), 0);
	assert_int_equal(dp_symmap_add_addr(m, WHY_IP_OUT, "ip_output", NULL, 0x60), 0);
	assert_int_equal(dp_symmap_add_addr(m, WHY_DUALPI2_Q, "dualpi2_enqueue_skb", "sch_dualpi2", 0x40), 0);
	assert_int_equal(dp_symmap_add_addr(m, WHY_DEV_QUEUE, "dev_qdisc_enqueue", NULL, 0x20), 0);
	assert_int_equal(dp_symmap_add_reason(m, WHY_RCVBUFF, "SOCKET_RCVBUFF"), 0);
	assert_int_equal(dp_symmap_add_reason(m, WHY_RPFILTER, "IP_RPFILTER"), 0);
	assert_int_equal(dp_symmap_add_reason(m, WHY_BACKLOG, "CPU_BACKLOG"), 0);
	assert_int_equal(dp_symmap_add_reason(m, WHY_NEIGH, "NEIGH_CREATEFAIL"), 0);
	assert_int_equal(dp_symmap_add_reason(m, WHY_DUALPI2, "DUALPI2_STEP_DROP"), 0);
	assert_int_equal(dp_symmap_sort(m), 0);

	p->cpu_recorded[0] = p->cpu_recorded[1] = true;
	p->has_reason = true;
	p->duration = 10.0;
	p->start_time = 1795300000;
	p->stack_budget = 2000;
	p->hits_known = true;
	p->cpu_hits[0] = 10;
	p->cpu_hits[1] = 9;
	strcpy(p->kernel, "6.18.0-test");
	strcpy(p->hostname, "fixture");
	assert_int_equal(dp_profile_set_cpu_list(p, "0-1"), 0);
	why_drops(p, WHY_RCVBUFF, WHY_UDP_ENQ, WHY_UDP_RCV, 0x0800, 8);
	why_drops(p, WHY_RPFILTER, WHY_IP_FINISH, WHY_IP_RCV, 0x0800, 5);
	why_drops(p, WHY_BACKLOG, WHY_BACKLOG_Q, WHY_NETIF_RX, 0x0800, 3);
	why_drops(p, WHY_NEIGH, WHY_IP_OUT2, WHY_IP_OUT, 0x0800, 2);
	why_drops(p, WHY_DUALPI2, WHY_DUALPI2_Q, WHY_DEV_QUEUE, 0x86DD, 1);

	/* Each scope's rows in report order: drop-related first, then by
	 * size, then name. */
	p->netns_seen = 3;
	why_scope(p, DP_SCOPE_MACHINE, 0, "machine", 0, 0, NULL, machine);
	why_counter(p, "rt_cache:in_martian_src", 40, 3, true);
	why_counter(p, "softnet:cpu0:dropped", 0, 3, true);
	why_counter(p, "softnet:cpu1:time_squeeze", 17, 2, true);
	why_scope(p, DP_SCOPE_ROOT, DP_SCOPE_OWN, "root", 4026531840ULL, 1, "systemd", root);
	why_counter(p, "dev:eth0:rx_fifo", 0, 9, true);
	why_counter(p, "UdpInErrors", 100, 7, true);
	why_counter(p, "UdpRcvbufErrors", 100, 6, true);
	why_counter(p, "TcpExtListenDrops", 0, 2, true);
	why_counter(p, "TcpExtIPReversePathFilter", 12, 1, true);
	why_counter(p, "dev:eth0:rx_packets", 50000, 12000, false);
	why_counter(p, "IpInReceives", 60000, 11000, false);
	why_scope(p, DP_SCOPE_NAMED, 0, "dl-x-b", 4026532301ULL, 0, NULL, dlxb);
	why_counter(p, "TcpExtIPReversePathFilter", 0, 4, true);
	why_counter(p, "UdpInErrors", 0, 2, true);
	why_counter(p, "UdpRcvbufErrors", 0, 2, true);
	why_counter(p, "dev:vb1:rx_packets", 0, 40, false);
	why_scope(p, DP_SCOPE_PROCESS, 0, "netns:[4026532400]", 4026532400ULL, 1234,
		  "nginx", nginx);
	why_counter(p, "IpInReceives", 10, 300, false);
}

static inline void why_fixture_release(struct why_fixture *fx)
{
	dp_symmap_release(&fx->names);
	dp_profile_release(&fx->prof);
}

static inline void why_report(struct dp_report *rep, struct why_fixture *fx)
{
	struct dp_report_opts o = { .top_n = 3 };

	assert_int_equal(dp_report_build(rep, &fx->prof, &fx->names, &o), 0);
}

#endif
