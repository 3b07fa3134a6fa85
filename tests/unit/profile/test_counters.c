/* test_counters — unit tests for the counter rows of a recording window
 * (src/profile/counters.c): deltas between two /proc/net snapshots, their
 * order, and which counters mean drops.
 *
 * The snapshots come from tests/fixtures/counters/ (see
 * tests/unit/kernel/test_procnet.c): after/ adds known increments to
 * before/, an IcmpMsg type, an interface (veth0) and drops one (ifb1),
 * wraps softnet cpu3's u32 processed count and lowers the TcpCurrEstab
 * gauge (which is not a counter); in stat/ it adds ARP discards, martian
 * sources, conntrack invalid packets and drops, a bad SYN cookie and some
 * traffic, and grows the tables' "entries" (gauges, left out); the
 * expected deltas are spelled out in test_delta_fixture.  The last test
 * sends UDP datagrams to a closed port on 127.0.0.1 and reads the running
 * kernel's /proc/net.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dropprof/kernel/procnet.h"
#include "dropprof/profile/counters.h"
#include "testutil.h"

#define FIXTURE(name) "tests/fixtures/counters/" name
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t magnitude(int64_t d)
{
	return d < 0 ? -(uint64_t)d : (uint64_t)d;
}

/* The documented order, checked pairwise: drop-related first, then
 * |delta| descending, then name; nothing zero. */
static void assert_delta_order(const struct dp_counter_row *d, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		assert_true(d[i].delta != 0);
		assert_int_equal(d[i].drop_related,
				 dp_counter_is_drop_related(d[i].name));
		if (!i)
			continue;
		if (d[i - 1].drop_related != d[i].drop_related) {
			assert_true(d[i - 1].drop_related);
		} else if (magnitude(d[i - 1].delta) != magnitude(d[i].delta)) {
			assert_true(magnitude(d[i - 1].delta) > magnitude(d[i].delta));
		} else {
			assert_true(strcmp(d[i - 1].name, d[i].name) < 0);
		}
	}
}

/* ---- deltas of the fixtures ------------------------------------------- */

struct want_delta {
	const char *name;
	uint64_t before, after;
	int64_t delta;
	bool drop;
};

static void test_delta_fixture(void **state)
{
	/* Every edit made to after/, in the order the report gets them. */
	static const struct want_delta want[] = {
		{ "UdpNoPorts", 101001, 101051, 50, true },
		{ "dev:eth0:rx_drop", 0, 12, 12, true },
		{ "UdpInErrors", 9, 16, 7, true },
		{ "UdpRcvbufErrors", 9, 16, 7, true },
		{ "Udp6NoPorts", 100, 105, 5, true },
		/* 3 on one CPU, 2 on the other: the sum. */
		{ "nf_conntrack:invalid", 4, 9, 5, true },
		{ "dev:veth0:tx_drop", 0, 4, 4, true },
		{ "TcpExtListenDrops", 0, 3, 3, true },
		{ "TcpExtListenOverflows", 0, 3, 3, true },
		{ "arp_cache:unresolved_discards", 0, 3, 3, true },
		{ "softnet:cpu0:dropped", 0, 3, 3, true },
		{ "Ip6InDiscards", 0, 2, 2, true },
		{ "IpExtInNoRoutes", 0, 2, 2, true },
		{ "rt_cache:in_martian_src", 0, 2, 2, true },
		{ "softnet:cpu0:time_squeeze", 0, 2, 2, true },
		{ "nf_conntrack:drop", 0, 1, 1, true },
		{ "softnet:cpu0:flow_limit_count", 0, 1, 1, true },
		{ "synproxy:cookie_invalid", 0, 1, 1, true },
		{ "IpExtInOctets", 33821969, 33836969, 15000, false },
		{ "dev:eth0:rx_bytes", 18795191, 18810191, 15000, false },
		{ "UdpInDatagrams", 26, 1026, 1000, false },
		/* ifb1 went away: from its last value to nothing. */
		{ "dev:ifb1:rx_bytes", 500, 0, -500, false },
		/* veth0 came: from nothing. */
		{ "dev:veth0:tx_bytes", 0, 420, 420, false },
		{ "softnet:cpu0:processed", 0x3ded, 0x3eed, 0x100, false },
		{ "dev:eth0:rx_packets", 760, 860, 100, false },
		/* u32 wrap: 0xfffffff0 -> 0x10 is 32 more, not 4 billion fewer. */
		{ "softnet:cpu3:processed", 0xfffffff0, 0x10, 32, false },
		/* One CPU's count wider than 32 bits. */
		{ "arp_cache:lookups", 0x10000067fULL, 0x100000695ULL, 22, false },
		{ "dev:vethlongname123:rx_bytes", 18446744073709551600ULL,
		  18446744073709551615ULL, 15, false },
		{ "Ip6InReceives", 401, 408, 7, false },
		{ "dev:veth0:tx_packets", 0, 6, 6, false },
		{ "rt_cache:in_slow_tot", 43, 49, 6, false },
		{ "dev:ifb1:rx_packets", 5, 0, -5, false },
		{ "softnet:cpu3:received_rps", 0, 5, 5, false },
		/* Every ARP request between two other hosts, too: no drop. */
		{ "rt_cache:in_no_route", 42, 46, 4, false },
		{ "synproxy:syn_received", 0, 4, 4, false },
		{ "synproxy:cookie_valid", 0, 3, 3, false },
		/* IcmpMsg columns appear with the first packet of a type. */
		{ "IcmpMsgInType8", 0, 2, 2, false },
		{ "IcmpMsgOutType0", 0, 2, 2, false },
		{ "dev:vethlongname123:rx_packets", 4294967296ULL, 4294967297ULL,
		  1, false },
	};
	struct dp_counters before, after;
	struct dp_counter_row *d;
	size_t nr;

	(void)state;
	dp_test_snapshot(&before, FIXTURE("before"));
	dp_test_snapshot(&after, FIXTURE("after"));
	assert_int_equal(dp_counters_delta(&before, &after, &d, &nr), 0);
	for (size_t i = 0; i < nr && i < ARRAY_SIZE(want); i++) {
		if (strcmp(d[i].name, want[i].name))
			fail_msg("delta %zu is '%s', want '%s'", i, d[i].name,
				 want[i].name);
		assert_int_equal(d[i].before, want[i].before);
		assert_int_equal(d[i].after, want[i].after);
		assert_int_equal(d[i].delta, want[i].delta);
		assert_int_equal(d[i].drop_related, want[i].drop);
	}
	assert_int_equal(nr, ARRAY_SIZE(want));
	assert_delta_order(d, nr);
	/* cpu3's queue-length columns (11, 13, 14) changed too, but they
	 * are gauges: no counter, no delta. */
	assert_null(dp_counters_find(&after, "softnet:cpu3:backlog_len"));
	/* The tables grew (arp_cache 2 -> 5 a CPU, nf_conntrack 31 -> 37):
	 * gauges again, so no row. */
	for (size_t i = 0; i < nr; i++)
		assert_null(strstr(d[i].name, ":entries"));
	dp_counter_rows_free(d, nr);
	dp_counters_release(&before);
	dp_counters_release(&after);
}

static void test_delta_unchanged(void **state)
{
	struct dp_counters a, b;
	struct dp_counter_row *d = (struct dp_counter_row *)(uintptr_t)1;
	size_t nr = 99;

	(void)state;
	dp_test_snapshot(&a, FIXTURE("before"));
	dp_test_snapshot(&b, FIXTURE("before"));
	assert_int_equal(dp_counters_delta(&a, &b, &d, &nr), 0);
	assert_null(d);
	assert_int_equal(nr, 0);

	/* Nothing before: everything non-zero counts from 0. */
	dp_counters_release(&a);
	assert_int_equal(dp_counters_delta(&a, &b, &d, &nr), 0);
	assert_non_null(d);
	for (size_t i = 0; i < nr; i++) {
		assert_int_equal(d[i].before, 0);
		/* vethlongname123's 2^64-16 bytes saturate. */
		assert_int_equal(d[i].delta, d[i].after > INT64_MAX ?
				 INT64_MAX : (int64_t)d[i].after);
	}
	assert_delta_order(d, nr);
	dp_counter_rows_free(d, nr);
	dp_counters_release(&b);
}

/* ---- deltas of hand-made sets ----------------------------------------- */

static void test_delta_arithmetic(void **state)
{
	struct dp_counter b_v[] = {
		{ "big", 0, 64 },
		{ "gone32", 5, 32 },
		{ "huge_drop", UINT64_MAX, 64 },
		{ "wrap32", 0xfffffffe, 32 },
		{ "wrap64", 10, 64 },
	};
	struct dp_counter a_v[] = {
		{ "big", UINT64_MAX, 64 },
		{ "huge_drop", 0, 64 },
		{ "wrap32", 1, 32 },
		{ "wrap64", 9, 64 },
	};
	struct dp_counters b = { b_v, ARRAY_SIZE(b_v), ARRAY_SIZE(b_v) };
	struct dp_counters a = { a_v, ARRAY_SIZE(a_v), ARRAY_SIZE(a_v) };
	struct dp_counter_row *d;
	size_t nr;

	(void)state;
	assert_int_equal(dp_counters_delta(&b, &a, &d, &nr), 0);
	assert_int_equal(nr, 5);
	/* Saturated, not wrapped into the wrong sign. */
	assert_string_equal(d[0].name, "huge_drop");
	assert_int_equal(d[0].delta, INT64_MIN);
	assert_string_equal(d[1].name, "big");
	assert_int_equal(d[1].delta, INT64_MAX);
	/* A vanished 32-bit counter went to nothing; it did not wrap. */
	assert_string_equal(d[2].name, "gone32");
	assert_int_equal(d[2].delta, -5);
	assert_int_equal(d[2].after, 0);
	assert_string_equal(d[3].name, "wrap32");
	assert_int_equal(d[3].delta, 3);
	/* 64-bit counters do not wrap in a recording: it fell. */
	assert_string_equal(d[4].name, "wrap64");
	assert_int_equal(d[4].delta, -1);
	dp_counter_rows_free(d, nr);
}

static void test_delta_rejects_unsorted(void **state)
{
	struct dp_counter unsorted_v[] = { { "b", 1, 64 }, { "a", 1, 64 } };
	struct dp_counter dup_v[] = { { "a", 1, 64 }, { "a", 2, 64 } };
	struct dp_counter ok_v[] = { { "a", 1, 64 } };
	struct dp_counters unsorted = { unsorted_v, 2, 2 };
	struct dp_counters dup = { dup_v, 2, 2 };
	struct dp_counters ok = { ok_v, 1, 1 };
	struct dp_counters empty = { 0 };
	struct dp_counters broken = { NULL, 3, 0 };
	struct dp_counter_row *d;
	size_t nr;

	(void)state;
	assert_int_equal(dp_counters_delta(&unsorted, &ok, &d, &nr), -EINVAL);
	assert_null(d);
	assert_int_equal(nr, 0);
	assert_int_equal(dp_counters_delta(&ok, &dup, &d, &nr), -EINVAL);
	assert_int_equal(dp_counters_delta(&broken, &ok, &d, &nr), -EINVAL);
	assert_int_equal(dp_counters_delta(&empty, &empty, &d, &nr), 0);
	assert_null(d);
	assert_int_equal(dp_counters_delta(&ok, &empty, &d, &nr), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(d[0].delta, -1);
	dp_counter_rows_free(d, nr);
}

/* A CPU that came online during the window: its softnet line appears
 * with counts from boot, which are not the window's; an interface that
 * appeared does count from 0. */
static void test_delta_cpu_came_online(void **state)
{
	struct dp_counter b_v[] = {
		{ "softnet:cpu0:processed", 100, 32 },
	};
	struct dp_counter a_v[] = {
		{ "dev:veth9:rx_packets", 7, 64 },
		{ "softnet:cpu0:processed", 150, 32 },
		{ "softnet:cpu1:processed", 289717, 32 },
	};
	struct dp_counters b = { b_v, ARRAY_SIZE(b_v), ARRAY_SIZE(b_v) };
	struct dp_counters a = { a_v, ARRAY_SIZE(a_v), ARRAY_SIZE(a_v) };
	struct dp_counter_row *d;
	size_t nr;

	(void)state;
	assert_int_equal(dp_counters_delta(&b, &a, &d, &nr), 0);
	assert_int_equal(nr, 2);     /* by |delta|: 50, then 7 */
	assert_string_equal(d[0].name, "softnet:cpu0:processed");
	assert_int_equal(d[0].delta, 50);
	assert_string_equal(d[1].name, "dev:veth9:rx_packets");
	assert_int_equal(d[1].delta, 7);
	dp_counter_rows_free(d, nr);
	/* and the other way round: a CPU that went offline */
	assert_int_equal(dp_counters_delta(&a, &b, &d, &nr), 0);
	for (size_t i = 0; i < nr; i++)
		assert_string_not_equal(d[i].name, "softnet:cpu1:processed");
	dp_counter_rows_free(d, nr);
}

/* A stat/ table is the sum of its CPUs' u32 counts, kept 64 bits wide:
 * one CPU's count wrapping inside the window makes the sum fall by 2^32,
 * and procnet.h says that is not corrected.  This pins it down. */
static void test_delta_stat_wrap_not_corrected(void **state)
{
	static const char before[] =
		"entries in_slow_tot\n00000001 fffffff0\n00000001 00000005\n";
	static const char after[] =
		"entries in_slow_tot\n00000001 00000010\n00000001 00000006\n";
	struct dp_counters b = { 0 }, a = { 0 };
	struct dp_counter_row *d;
	char *dir = dp_test_tmpdir();
	char path[256];
	size_t nr;

	(void)state;
	snprintf(path, sizeof(path), "%s/stat", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/stat/rt_cache", dir);
	dp_test_spill(path, before, strlen(before));
	dp_test_snapshot(&b, dir);
	dp_test_spill(path, after, strlen(after));
	dp_test_snapshot(&a, dir);
	assert_int_equal(dp_counters_find(&a, "rt_cache:in_slow_tot")->width, 64);
	assert_int_equal(dp_counters_delta(&b, &a, &d, &nr), 0);
	assert_int_equal(nr, 1);
	/* 33 events really: 32 on the wrapped CPU, 1 on the other. */
	assert_int_equal(d[0].delta, 33 - (int64_t)0x100000000);
	dp_counter_rows_free(d, nr);
	dp_counters_release(&a);
	dp_counters_release(&b);
	dp_test_rmdir(dir);
}

static void test_drop_related(void **state)
{
	static const struct {
		const char *name;
		bool drop;
	} cases[] = {
		{ "UdpNoPorts", true }, { "UdpInErrors", true },
		{ "UdpRcvbufErrors", true }, { "UdpSndbufErrors", true },
		{ "UdpInCsumErrors", true }, { "UdpMemErrors", true },
		{ "Udp6NoPorts", true }, { "Udp6RcvbufErrors", true },
		{ "UdpLiteInErrors", true }, { "UdpLite6NoPorts", true },
		{ "IpInHdrErrors", true }, { "IpInAddrErrors", true },
		{ "IpInUnknownProtos", true }, { "IpInDiscards", true },
		{ "IpOutDiscards", true }, { "IpOutNoRoutes", true },
		{ "IpReasmFails", true }, { "IpFragFails", true },
		{ "IpExtInNoRoutes", true }, { "IpExtInTruncatedPkts", true },
		{ "IpExtInCsumErrors", true }, { "Ip6InDiscards", true },
		{ "Ip6InNoRoutes", true }, { "Ip6InAddrErrors", true },
		{ "Ip6InHdrErrors", true }, { "TcpInErrs", true },
		{ "TcpInCsumErrors", true }, { "TcpExtListenOverflows", true },
		{ "TcpExtListenDrops", true }, { "TcpExtTCPBacklogDrop", true },
		{ "TcpExtPFMemallocDrop", true }, { "TcpExtTCPMinTTLDrop", true },
		{ "TcpExtTCPRcvQDrop", true }, { "TcpExtTCPZeroWindowDrop", true },
		{ "TcpExtTCPOFODrop", true }, { "TcpExtPAWSEstab", true },
		{ "IcmpInErrors", true }, { "IcmpInCsumErrors", true },
		{ "dev:eth0:rx_drop", true }, { "dev:eth0:rx_errs", true },
		{ "dev:eth0:rx_fifo", true }, { "dev:eth0:rx_frame", true },
		{ "dev:eth0:tx_drop", true }, { "dev:eth0:tx_errs", true },
		{ "dev:eth0:tx_fifo", true }, { "dev:eth0:tx_carrier", true },
		{ "dev:vethlongname123:rx_drop", true },
		{ "softnet:cpu0:dropped", true },
		{ "softnet:cpu127:time_squeeze", true },
		{ "softnet:cpu3:flow_limit_count", true },
		{ "TcpExtIPReversePathFilter", true },
		/* /proc/net/stat/ */
		{ "arp_cache:unresolved_discards", true },
		{ "ndisc_cache:unresolved_discards", true },
		{ "arp_cache:table_fulls", true }, { "ndisc_cache:table_fulls", true },
		{ "rt_cache:in_martian_src", true },
		{ "rt_cache:in_martian_dst", true },
		{ "nf_conntrack:drop", true }, { "nf_conntrack:early_drop", true },
		{ "nf_conntrack:insert_failed", true },
		{ "nf_conntrack:invalid", true }, { "synproxy:cookie_invalid", true },
		/* Not drops: totals, gauges, good traffic. */
		{ "UdpInDatagrams", false }, { "UdpOutDatagrams", false },
		{ "UdpIgnoredMulti", false }, { "IpInReceives", false },
		{ "TcpCurrEstab", false }, { "TcpMaxConn", false },
		{ "IcmpOutRateLimitHost", false }, { "Ip6InReceives", false },
		{ "dev:eth0:rx_bytes", false }, { "dev:eth0:rx_packets", false },
		{ "dev:eth0:tx_colls", false }, { "dev:eth0:rx_multicast", false },
		{ "softnet:cpu0:processed", false },
		{ "softnet:cpu0:received_rps", false },
		/* in_no_route: also ARP lookups, and its IP drops are counted
		 * by IpExtInNoRoutes / IpInAddrErrors already. */
		{ "rt_cache:in_no_route", false }, { "rt_cache:in_slow_tot", false },
		{ "rt_cache:in_brd", false }, { "arp_cache:res_failed", false },
		{ "arp_cache:lookups", false }, { "arp_cache:entries", false },
		{ "nf_conntrack:entries", false }, { "nf_conntrack:insert", false },
		{ "nf_conntrack:chainlength", false },
		{ "nf_conntrack:icmp_error", false },
		{ "synproxy:cookie_valid", false }, { "synproxy:syn_received", false },
		/* Near misses. */
		{ "UdpNoPortsX", false }, { "Udp", false }, { "NoPorts", false },
		{ "udpnoports", false }, { "Udp7NoPorts", false },
		{ "dev:rx_drop", false }, { "dev::rx_drop", false },
		{ "dev:eth0:rx_drop_x", false }, { "softnet::dropped", false },
		{ "xdev:eth0:rx_drop", false }, { "", false },
		{ "arp_cache:", false }, { "unresolved_discards", false },
		{ "rt_cache:in_martian", false }, { "nf_conntrack:drops", false },
		{ "arp_cache:unresolved_discards:x", false },
		{ "ndisc_cache:drop", false }, { "conntrack:drop", false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (dp_counter_is_drop_related(cases[i].name) != cases[i].drop)
			fail_msg("'%s' should %sbe drop-related", cases[i].name,
				 cases[i].drop ? "" : "not ");
}

/* ---- the running kernel ----------------------------------------------- */

/* A UDP port on 127.0.0.1 nobody listens on: bound, read, closed. */
static int closed_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len)) {
		close(fd);
		return -1;
	}
	close(fd);
	return ntohs(sin.sin_port);
}

static int64_t delta_named(const struct dp_counter_row *d, size_t nr,
			   const char *name)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(d[i].name, name))
			return d[i].delta;
	return 0;
}

static void test_real_udp_noports(void **state)
{
	enum { SENT = 50 };
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct dp_counters before, after = { 0 };
	struct dp_counter_row *d = NULL;
	size_t nr = 0;
	int64_t got = 0;
	int fd, port, rc;

	(void)state;
	before = (struct dp_counters){ 0 };
	rc = dp_counters_snapshot(&before, "/proc/net");
	if (rc == -ENOENT || rc == -EACCES) {
		print_message("skipped: /proc/net unreadable (%s)\n", strerror(-rc));
		skip();
	}
	assert_int_equal(rc, 0);
	dp_test_assert_sorted(&before);
	/* Names this machine's kernel is known to print. */
	assert_non_null(dp_counters_find(&before, "UdpNoPorts"));
	assert_non_null(dp_counters_find(&before, "TcpExtListenOverflows"));
	assert_non_null(dp_counters_find(&before, "IpExtInNoRoutes"));
	assert_non_null(dp_counters_find(&before, "dev:lo:rx_drop"));

	port = closed_port();
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(port);
	for (int i = 0; i < SENT; i++) {
		if (port < 0 || sendto(fd, "x", 1, 0, (struct sockaddr *)&to,
				       sizeof(to)) != 1) {
			print_message("skipped: cannot send to 127.0.0.1 (%s)\n",
				      strerror(errno));
			close(fd);
			dp_counters_release(&before);
			skip();
		}
	}
	close(fd);

	/* Loopback delivers in softirq context, normally before sendto
	 * returns but possibly later (ksoftirqd): wait for it, bounded. */
	for (int tries = 0; tries < 200; tries++) {
		assert_int_equal(dp_counters_snapshot(&after, "/proc/net"), 0);
		assert_int_equal(dp_counters_delta(&before, &after, &d, &nr), 0);
		got = delta_named(d, nr, "UdpNoPorts");
		if (got >= SENT)
			break;
		dp_counter_rows_free(d, nr);
		d = NULL;
		dp_counters_release(&after);
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	/* Other traffic may add to it; nothing takes away. */
	assert_true(got >= SENT);
	assert_non_null(d);
	assert_true(d[0].drop_related);
	assert_delta_order(d, nr);
	dp_counter_rows_free(d, nr);
	dp_counters_release(&after);
	dp_counters_release(&before);
}

static void test_free_null(void **state)
{
	(void)state;
	dp_counter_rows_free(NULL, 0);
	dp_counter_rows_free(NULL, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delta_fixture),
		cmocka_unit_test(test_delta_unchanged),
		cmocka_unit_test(test_delta_arithmetic),
		cmocka_unit_test(test_delta_rejects_unsorted),
		cmocka_unit_test(test_delta_cpu_came_online),
		cmocka_unit_test(test_delta_stat_wrap_not_corrected),
		cmocka_unit_test(test_drop_related),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_real_udp_noports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
