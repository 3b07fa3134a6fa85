/* test_procnet — unit tests for the /proc/net counter snapshots
 * (src/kernel/procnet.c).  Deltas and the drop-related list are
 * tests/unit/profile/test_counters.c.
 *
 * Fixtures in tests/fixtures/counters/ (run from the repository root),
 * copied from a 6.18 x86-64 machine's /proc/net and then edited:
 *   before/, after/  the five files and stat/{arp_cache,ndisc_cache,
 *                    rt_cache,nf_conntrack,synproxy} (two CPUs) at the
 *                    start and end of a recording (the deltas between
 *                    them are test_counters.c's)
 *   newer/           snmp with a column and a table no kernel has yet,
 *                    softnet_stat with four more columns
 *   old/             softnet_stat as kernels before 5.10 print it (11
 *                    columns, no CPU id)
 * Malformed files are written by the tests into temporary directories so
 * each sits next to its assertion.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dropprof/kernel/procnet.h"
#include "dropprof/util/strpool.h"
#include "testutil.h"

#define FIXTURE(name) "tests/fixtures/counters/" name
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* before/: snmp 84 - 7 settings and gauges + netstat 229 + snmp6 90 + dev
 * 5 interfaces x 16 + nf_conntrack 17 - entries + synproxy 6 - entries
 * per namespace; softnet 2 CPUs x 5 + arp_cache and ndisc_cache 13 -
 * entries + rt_cache 17 - entries for the machine. */
#define BEFORE_NETNS (77 + 229 + 90 + 80 + 16 + 5)
#define BEFORE_MACHINE (10 + 12 + 12 + 16)
#define BEFORE_COUNT (BEFORE_NETNS + BEFORE_MACHINE)

static const char *const files[] = {
	"snmp", "netstat", "snmp6", "dev", "softnet_stat",
	"stat/arp_cache", "stat/ndisc_cache", "stat/rt_cache",
	"stat/nf_conntrack", "stat/synproxy",
};

static const char *const stat_tables[] = {
	"arp_cache", "ndisc_cache", "rt_cache", "nf_conntrack", "synproxy",
};

/* ---- helpers ---------------------------------------------------------- */

static uint64_t value_of(const struct dp_counters *c, const char *name)
{
	const struct dp_counter *k = dp_counters_find(c, name);

	if (!k)
		fail_msg("counter '%s' missing", name);
	return k->value;
}

/* dir/name with those bytes. */
static void put_file(const char *dir, const char *name, const void *data,
		     size_t len)
{
	char *path = NULL;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	dp_test_spill(path, data, len);
	free(path);
}

static void put_str(const char *dir, const char *name, const char *text)
{
	put_file(dir, name, text, strlen(text));
}

/* dir/stat, made. */
static void make_stat_dir(const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/stat", dir);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* How many counters of c start with prefix. */
static size_t count_prefixed(const struct dp_counters *c, const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nr; i++)
		n += !strncmp(c->v[i].name, prefix, strlen(prefix));
	return n;
}

/* ---- snapshots of the fixtures ---------------------------------------- */

static void test_before_fixture(void **state)
{
	struct dp_counters c;
	const struct dp_counter *k;

	(void)state;
	dp_test_snapshot(&c, FIXTURE("before"));
	assert_int_equal(c.nr, BEFORE_COUNT);
	dp_test_assert_sorted(&c);

	/* snmp and netstat: PREFIX+NAME, first and last columns included. */
	assert_int_equal(value_of(&c, "IpInReceives"), 202996);
	assert_int_equal(value_of(&c, "IpOutTransmits"), 202894);
	assert_int_equal(value_of(&c, "IcmpOutRateLimitHost"), 0);
	assert_int_equal(value_of(&c, "IcmpMsgInType3"), 101003);
	assert_int_equal(value_of(&c, "IcmpMsgOutType3"), 101001);
	assert_int_equal(value_of(&c, "TcpActiveOpens"), 213);
	assert_int_equal(value_of(&c, "TcpInCsumErrors"), 0);
	/* Settings and gauges are left out, as nstat does. */
	assert_null(dp_counters_find(&c, "IpForwarding"));
	assert_null(dp_counters_find(&c, "IpDefaultTTL"));
	assert_null(dp_counters_find(&c, "TcpRtoAlgorithm"));
	assert_null(dp_counters_find(&c, "TcpRtoMin"));
	assert_null(dp_counters_find(&c, "TcpRtoMax"));
	assert_null(dp_counters_find(&c, "TcpMaxConn"));
	assert_null(dp_counters_find(&c, "TcpCurrEstab"));
	assert_int_equal(value_of(&c, "UdpNoPorts"), 101001);
	assert_int_equal(value_of(&c, "UdpLiteMemErrors"), 0);
	assert_int_equal(value_of(&c, "TcpExtSyncookiesSent"), 0);
	assert_int_equal(value_of(&c, "TcpExtTW"), 11);
	assert_int_equal(value_of(&c, "TcpExtTCPAODroppedIcmps"), 0);
	assert_int_equal(value_of(&c, "IpExtInOctets"), 33821969);
	assert_int_equal(value_of(&c, "IpExtReasmOverlaps"), 0);
	assert_int_equal(value_of(&c, "MPTcpExtWinProbe"), 0);

	/* snmp6: names as they are. */
	assert_int_equal(value_of(&c, "Ip6InReceives"), 401);
	assert_int_equal(value_of(&c, "Icmp6OutType143"), 4);
	assert_int_equal(value_of(&c, "Udp6NoPorts"), 100);
	assert_int_equal(value_of(&c, "UdpLite6MemErrors"), 0);

	/* dev: field names from the file's header, rx_ and tx_ sides. */
	assert_int_equal(value_of(&c, "dev:lo:rx_bytes"), 15072458);
	assert_int_equal(value_of(&c, "dev:lo:tx_packets"), 202641);
	assert_int_equal(value_of(&c, "dev:eth0:rx_multicast"), 0);
	assert_int_equal(value_of(&c, "dev:eth0:tx_bytes"), 49463);
	assert_int_equal(value_of(&c, "dev:eth0:tx_carrier"), 0);
	assert_int_equal(value_of(&c, "dev:eth0:tx_colls"), 0);
	/* Name and count touching, the count near 2^64. */
	assert_int_equal(value_of(&c, "dev:vethlongname123:rx_bytes"),
			 18446744073709551600ULL);
	assert_int_equal(value_of(&c, "dev:vethlongname123:rx_packets"),
			 4294967296ULL);

	/* softnet: the second line says it is CPU 3. */
	assert_int_equal(value_of(&c, "softnet:cpu0:processed"), 0x3ded);
	k = dp_counters_find(&c, "softnet:cpu3:processed");
	assert_non_null(k);
	assert_int_equal(k->value, 0xfffffff0);
	assert_int_equal(k->width, 32);
	assert_int_equal(value_of(&c, "softnet:cpu3:dropped"), 0);
	assert_int_equal(value_of(&c, "softnet:cpu3:time_squeeze"), 0);
	assert_int_equal(value_of(&c, "softnet:cpu3:received_rps"), 0);
	assert_int_equal(value_of(&c, "softnet:cpu3:flow_limit_count"), 0);
	assert_null(dp_counters_find(&c, "softnet:cpu1:processed"));
	assert_int_equal(dp_counters_find(&c, "UdpNoPorts")->width, 64);

	/* stat/: "<file>:<column>", summed over the two CPU lines. */
	assert_int_equal(value_of(&c, "arp_cache:allocs"), 0x151 + 0x197);
	assert_int_equal(value_of(&c, "arp_cache:periodic_gc_runs"), 0x45a);
	assert_int_equal(value_of(&c, "arp_cache:unresolved_discards"), 0);
	assert_int_equal(value_of(&c, "arp_cache:table_fulls"), 0);
	/* A neighbour count is an unsigned long, wider than %08lx here;
	 * every stat/ sum is 64 bits wide. */
	k = dp_counters_find(&c, "arp_cache:lookups");
	assert_non_null(k);
	assert_int_equal(k->value, 0x246 + 0x100000439ULL);
	assert_int_equal(k->width, 64);
	assert_int_equal(value_of(&c, "ndisc_cache:res_failed"), 3);
	assert_int_equal(value_of(&c, "ndisc_cache:hash_grows"), 1);
	assert_int_equal(value_of(&c, "rt_cache:in_slow_tot"), 0x5 + 0x26);
	assert_int_equal(value_of(&c, "rt_cache:in_no_route"), 0x5 + 0x25);
	assert_int_equal(value_of(&c, "rt_cache:out_slow_tot"), 0x4a6 + 0x4e7);
	assert_int_equal(value_of(&c, "rt_cache:out_hlist_search"), 0);
	assert_int_equal(value_of(&c, "nf_conntrack:clashres"), 1);
	assert_int_equal(value_of(&c, "nf_conntrack:invalid"), 3 + 1);
	assert_int_equal(value_of(&c, "nf_conntrack:insert"), 0x2a + 0x30);
	assert_int_equal(value_of(&c, "nf_conntrack:search_restart"), 0);
	/* synproxy separates with tabs. */
	assert_int_equal(value_of(&c, "synproxy:syn_received"), 0);
	assert_int_equal(value_of(&c, "synproxy:conn_reopened"), 0);
	assert_int_equal(dp_counters_find(&c, "rt_cache:in_hit")->width, 64);
	/* The table sizes are gauges: left out of every table. */
	for (size_t i = 0; i < ARRAY_SIZE(stat_tables); i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s:entries", stat_tables[i]);
		assert_null(dp_counters_find(&c, name));
	}
	assert_int_equal(count_prefixed(&c, "arp_cache:"), 12);
	assert_int_equal(count_prefixed(&c, "ndisc_cache:"), 12);
	assert_int_equal(count_prefixed(&c, "rt_cache:"), 16);
	assert_int_equal(count_prefixed(&c, "nf_conntrack:"), 16);
	assert_int_equal(count_prefixed(&c, "synproxy:"), 5);

	assert_null(dp_counters_find(&c, "Udp"));
	assert_null(dp_counters_find(&c, "NoPorts"));
	assert_null(dp_counters_find(&c, "dev:ifb1"));
	dp_counters_release(&c);
	assert_int_equal(c.nr, 0);
	assert_null(c.v);
}

/* ---- scopes ------------------------------------------------------------ */

static void test_scopes(void **state)
{
	struct dp_counters all, netns = { 0 }, machine = { 0 }, c = { 0 };

	(void)state;
	dp_test_snapshot(&all, FIXTURE("before"));
	assert_int_equal(dp_counters_snapshot_scope(&netns, FIXTURE("before"),
						    DP_PROCNET_NETNS), 0);
	assert_int_equal(dp_counters_snapshot_scope(&machine, FIXTURE("before"),
						    DP_PROCNET_MACHINE), 0);
	dp_test_assert_sorted(&netns);
	dp_test_assert_sorted(&machine);
	assert_int_equal(netns.nr, BEFORE_NETNS);
	assert_int_equal(machine.nr, BEFORE_MACHINE);

	/* The namespace's own: snmp, netstat, snmp6, dev, conntrack,
	 * synproxy; nothing kept for the whole machine. */
	assert_int_equal(value_of(&netns, "UdpNoPorts"), 101001);
	assert_int_equal(value_of(&netns, "Ip6InReceives"), 401);
	assert_int_equal(value_of(&netns, "dev:lo:rx_bytes"), 15072458);
	assert_int_equal(value_of(&netns, "nf_conntrack:invalid"), 4);
	assert_int_equal(value_of(&netns, "synproxy:syn_received"), 0);
	assert_int_equal(count_prefixed(&netns, "softnet:"), 0);
	assert_int_equal(count_prefixed(&netns, "arp_cache:"), 0);
	assert_int_equal(count_prefixed(&netns, "ndisc_cache:"), 0);
	assert_int_equal(count_prefixed(&netns, "rt_cache:"), 0);

	/* The machine's: softnet and the global tables, no namespace's. */
	assert_int_equal(value_of(&machine, "softnet:cpu0:processed"), 0x3ded);
	assert_int_equal(value_of(&machine, "arp_cache:allocs"), 0x151 + 0x197);
	assert_int_equal(value_of(&machine, "ndisc_cache:res_failed"), 3);
	assert_int_equal(value_of(&machine, "rt_cache:in_no_route"), 42);
	assert_null(dp_counters_find(&machine, "UdpNoPorts"));
	assert_null(dp_counters_find(&machine, "IpInReceives"));
	assert_null(dp_counters_find(&machine, "TcpExtTW"));
	assert_null(dp_counters_find(&machine, "Ip6InReceives"));
	assert_int_equal(count_prefixed(&machine, "dev:"), 0);
	assert_int_equal(count_prefixed(&machine, "nf_conntrack:"), 0);
	assert_int_equal(count_prefixed(&machine, "synproxy:"), 0);

	/* ALL is both, and what dp_counters_snapshot() reads. */
	assert_int_equal(all.nr, netns.nr + machine.nr);
	for (size_t i = 0; i < all.nr; i++) {
		const struct dp_counter *n = dp_counters_find(&netns, all.v[i].name);
		const struct dp_counter *m = dp_counters_find(&machine, all.v[i].name);

		if (!n == !m)
			fail_msg("'%s' in %s scope", all.v[i].name,
				 n ? "both" : "neither");
		assert_int_equal((n ? n : m)->value, all.v[i].value);
	}
	assert_int_equal(dp_counters_snapshot_scope(&c, FIXTURE("before"),
						    DP_PROCNET_ALL), 0);
	assert_int_equal(c.nr, all.nr);
	dp_counters_release(&c);

	/* No scope, or a bit nobody defined: the caller's mistake. */
	assert_int_equal(dp_counters_snapshot_scope(&c, FIXTURE("before"), 0),
			 -EINVAL);
	assert_int_equal(dp_counters_snapshot_scope(&c, FIXTURE("before"), 0x4),
			 -EINVAL);
	assert_int_equal(dp_counters_snapshot_scope(&c, FIXTURE("before"),
						    DP_PROCNET_ALL | 0x80), -EINVAL);
	assert_int_equal(c.nr, 0);
	assert_null(c.v);

	/* old/ has only softnet_stat: nothing of a namespace's to read. */
	assert_int_equal(dp_counters_snapshot_scope(&c, FIXTURE("old"),
						    DP_PROCNET_NETNS), -ENOENT);
	assert_int_equal(dp_counters_snapshot_scope(&c, FIXTURE("old"),
						    DP_PROCNET_MACHINE), 0);
	assert_int_equal(c.nr, 3 * 5);
	dp_counters_release(&c);

	dp_counters_release(&all);
	dp_counters_release(&netns);
	dp_counters_release(&machine);
}

static void test_scope_missing(void **state)
{
	struct dp_counters c = { 0 };
	char *dir = dp_test_tmpdir();
	char path[256];

	(void)state;
	/* Only a namespace's file: the machine's scope finds none. */
	put_str(dir, "snmp", "Udp: NoPorts\nUdp: 3\n");
	assert_int_equal(dp_counters_snapshot_scope(&c, dir, DP_PROCNET_MACHINE),
			 -ENOENT);
	assert_int_equal(dp_counters_snapshot_scope(&c, dir, DP_PROCNET_NETNS), 0);
	assert_int_equal(c.nr, 1);
	dp_counters_release(&c);

	/* An empty stat/ changes nothing. */
	make_stat_dir(dir);
	assert_int_equal(dp_counters_snapshot_scope(&c, dir, DP_PROCNET_MACHINE),
			 -ENOENT);
	dp_test_snapshot(&c, dir);
	assert_int_equal(c.nr, 1);
	dp_counters_release(&c);

	/* A machine-wide table is the machine's scope's only file. */
	snprintf(path, sizeof(path), "%s/snmp", dir);
	assert_int_equal(unlink(path), 0);
	put_str(dir, "stat/rt_cache", "entries in_martian_src\n00000001 00000002\n");
	assert_int_equal(dp_counters_snapshot_scope(&c, dir, DP_PROCNET_NETNS),
			 -ENOENT);
	assert_int_equal(dp_counters_snapshot_scope(&c, dir, DP_PROCNET_MACHINE), 0);
	assert_int_equal(c.nr, 1);
	assert_int_equal(value_of(&c, "rt_cache:in_martian_src"), 2);
	dp_counters_release(&c);

	/* And a per-namespace one the namespace's. */
	put_str(dir, "stat/nf_conntrack", "entries drop\n00000001 00000002\n");
	assert_int_equal(dp_counters_snapshot_scope(&c, dir, DP_PROCNET_NETNS), 0);
	assert_int_equal(c.nr, 1);
	assert_int_equal(value_of(&c, "nf_conntrack:drop"), 2);
	dp_counters_release(&c);
	dp_test_rmdir(dir);
}

/* ---- stat/ files -------------------------------------------------------- */

static void test_stat_files(void **state)
{
	struct dp_counters c = { 0 };
	char *dir = dp_test_tmpdir();

	(void)state;
	make_stat_dir(dir);
	/* Four CPUs, tabs and blanks mixed, upper-case digits, sixteen of
	 * them, a trailing blank (old kernels' rt_cache), and a column no
	 * kernel has yet: kept as it comes. */
	put_str(dir, "stat/rt_cache",
		"entries  in_hit in_martian_src in_future \n"
		"00000005  00000001\t00000000 0000000A \n"
		"00000005  00000002 00000001 0000000b\n"
		"\n"
		"00000005  00000003 00000000 ffffffff00000000\n"
		"00000005  00000004 00000000 0000000000000001\n");
	/* Only the table size: no counter, no error. */
	put_str(dir, "stat/synproxy", "entries\n00000000\n00000000\n");
	/* Not a file we know the scope of: not read at all, so even a
	 * malformed one does no harm. */
	put_str(dir, "stat/lhtable", "entries lookups\n0000zzzz\n");
	put_str(dir, "stat/future_cache", "entries lookups\n00000001 00000002\n");
	dp_test_snapshot(&c, dir);
	assert_int_equal(c.nr, 3);
	assert_int_equal(value_of(&c, "rt_cache:in_hit"), 1 + 2 + 3 + 4);
	assert_int_equal(value_of(&c, "rt_cache:in_martian_src"), 1);
	assert_int_equal(value_of(&c, "rt_cache:in_future"),
			 0xa + 0xb + 0xffffffff00000000ULL + 1);
	assert_null(dp_counters_find(&c, "rt_cache:entries"));
	assert_null(dp_counters_find(&c, "future_cache:lookups"));
	assert_null(dp_counters_find(&c, "lhtable:lookups"));
	dp_counters_release(&c);

	/* An empty file holds no counter but is no error. */
	put_str(dir, "stat/rt_cache", "");
	put_str(dir, "stat/synproxy", "\n");
	assert_int_equal(dp_counters_snapshot(&c, dir), 0);
	assert_int_equal(c.nr, 0);
	dp_counters_release(&c);

	/* The sum may reach 2^64 - 1, not pass it. */
	put_str(dir, "stat/rt_cache", "entries in_hit\n"
		"00000000 fffffffffffffffe\n00000000 00000001\n");
	dp_test_snapshot(&c, dir);
	assert_int_equal(value_of(&c, "rt_cache:in_hit"), UINT64_MAX);
	dp_counters_release(&c);

	/* A stat/ that is not a directory is no /proc/net we know. */
	dp_test_rmdir(dir);
	dir = dp_test_tmpdir();
	put_str(dir, "snmp", "Udp: NoPorts\nUdp: 3\n");
	put_str(dir, "stat", "");
	assert_int_equal(dp_counters_snapshot(&c, dir), -ENOTDIR);
	assert_int_equal(dp_counters_snapshot_scope(&c, dir, DP_PROCNET_NETNS),
			 -ENOTDIR);
	assert_int_equal(c.nr, 0);
	dp_test_rmdir(dir);
}

static void test_newer_kernel(void **state)
{
	struct dp_counters c;
	size_t softnet = 0;

	(void)state;
	dp_test_snapshot(&c, FIXTURE("newer"));
	/* A column and a table nobody has heard of are kept as they come. */
	assert_int_equal(value_of(&c, "UdpFutureErrors"), 9);
	assert_int_equal(value_of(&c, "UdpMemErrors"), 0);
	assert_int_equal(value_of(&c, "NewProtoInFoo"), 1);
	assert_int_equal(value_of(&c, "NewProtoOutBar"), UINT64_MAX);
	/* Unnamed softnet columns past the known ones are not guessed at. */
	for (size_t i = 0; i < c.nr; i++)
		softnet += !strncmp(c.v[i].name, "softnet:", 8);
	assert_int_equal(softnet, 10);
	assert_int_equal(value_of(&c, "softnet:cpu3:processed"), 0xfffffff0);
	assert_int_equal(c.nr, 77 + 1 + 2 + 10);
	dp_counters_release(&c);
}

static void test_old_softnet(void **state)
{
	struct dp_counters c;
	char *dir;

	(void)state;
	/* 11 columns: no CPU id, so the line index names the CPU. */
	dp_test_snapshot(&c, FIXTURE("old"));
	assert_int_equal(c.nr, 3 * 5);
	assert_int_equal(value_of(&c, "softnet:cpu0:processed"), 0x1a2b3);
	assert_int_equal(value_of(&c, "softnet:cpu0:dropped"), 1);
	assert_int_equal(value_of(&c, "softnet:cpu0:time_squeeze"), 4);
	assert_int_equal(value_of(&c, "softnet:cpu1:processed"), 0xc0de);
	assert_int_equal(value_of(&c, "softnet:cpu2:processed"), 0xfff);
	assert_int_equal(value_of(&c, "softnet:cpu2:flow_limit_count"), 0);
	dp_counters_release(&c);

	/* The three columns every kernel has, and nothing more. */
	dir = dp_test_tmpdir();
	put_str(dir, "softnet_stat", "0000000a 0000000B 0000000c\n");
	dp_test_snapshot(&c, dir);
	assert_int_equal(c.nr, 3);
	assert_int_equal(value_of(&c, "softnet:cpu0:processed"), 10);
	assert_int_equal(value_of(&c, "softnet:cpu0:dropped"), 11);
	assert_int_equal(value_of(&c, "softnet:cpu0:time_squeeze"), 12);
	dp_counters_release(&c);
	dp_test_rmdir(dir);
}

static void test_missing_files(void **state)
{
	struct dp_counters c = { 0 };
	char *dir = dp_test_tmpdir();

	(void)state;
	/* None of the files: not a /proc/net. */
	assert_int_equal(dp_counters_snapshot(&c, dir), -ENOENT);
	assert_int_equal(dp_counters_snapshot(&c, FIXTURE("does-not-exist")),
			 -ENOENT);
	assert_int_equal(dp_counters_snapshot(&c, FIXTURE("before/snmp")),
			 -ENOTDIR);
	for (unsigned int scope = 1; scope <= DP_PROCNET_ALL; scope++)
		assert_int_equal(dp_counters_snapshot_scope(&c, dir, scope),
				 -ENOENT);
	assert_int_equal(c.nr, 0);
	assert_null(c.v);

	/* No IPv6, no softnet: the rest still counts. */
	put_str(dir, "snmp", "Udp: NoPorts InErrors\nUdp: 3 4\n");
	dp_test_snapshot(&c, dir);
	assert_int_equal(c.nr, 2);
	assert_string_equal(c.v[0].name, "UdpInErrors");
	assert_string_equal(c.v[1].name, "UdpNoPorts");
	assert_int_equal(c.v[1].value, 3);
	dp_counters_release(&c);

	/* An empty file holds no counter but is no error. */
	put_str(dir, "snmp", "");
	put_str(dir, "dev", "");
	dp_test_snapshot(&c, dir);
	assert_int_equal(c.nr, 0);
	dp_counters_release(&c);
	dp_test_rmdir(dir);
}

static void test_unreadable(void **state)
{
	struct dp_counters c = { 0 };
	char *dir = dp_test_tmpdir();
	char path[256];

	(void)state;
	/* A directory where a file should be opens but cannot be read. */
	snprintf(path, sizeof(path), "%s/snmp", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(dp_counters_snapshot(&c, dir), -EISDIR);
	assert_int_equal(c.nr, 0);
	assert_int_equal(rmdir(path), 0);
	dp_test_rmdir(dir);
}

struct bad_case {
	const char *file;
	const char *text;
	size_t len;       /* 0: strlen(text) */
	int want;
};

#define DEV_HDR "Inter-|   Receive  |  Transmit\n" \
	" face |bytes packets errs drop|bytes packets errs drop\n"

static void test_malformed(void **state)
{
	static const struct bad_case cases[] = {
		/* snmp/netstat pairs */
		{ "snmp", "Ip: Forwarding DefaultTTL\n", 0, -EINVAL },
		{ "snmp", "Ip: Forwarding DefaultTTL\nIp: 1 64", 0, -EINVAL },
		{ "snmp", "Ip: Forwarding DefaultTTL\nIp: 1\n", 0, -EINVAL },
		{ "snmp", "Ip: Forwarding\nIp: 1 64\n", 0, -EINVAL },
		{ "snmp", "Ip: Forwarding\nIcmp: 1\n", 0, -EINVAL },
		{ "snmp", "Ip: Forwarding\nIpExt: 1\n", 0, -EINVAL },
		{ "snmp", "Ip: 1 64\nIp: Forwarding DefaultTTL\n", 0, -EINVAL },
		{ "snmp", "Ip: Forwarding\nIp: Forwarding\n", 0, -EINVAL },
		{ "snmp", "Ip: Forwarding\nIp: x1\n", 0, -EINVAL },
		{ "snmp", "Ip: Forwarding\nIp: 1x\n", 0, -EINVAL },
		{ "snmp", "Ip: Forwarding\nIp: 0x10\n", 0, -EINVAL },
		{ "snmp", "Ip: Forwarding\nIp: 18446744073709551616\n", 0, -EINVAL },
		{ "snmp", "Ip: Forwarding\nIp: 99999999999999999999\n", 0, -EINVAL },
		{ "snmp", "Ip: Forwarding\nIp: -9223372036854775809\n", 0, -EINVAL },
		{ "snmp", "Ip: Forwarding\nIp: --1\n", 0, -EINVAL },
		{ "snmp", "Ip: Forwarding\nIp: -\n", 0, -EINVAL },
		{ "snmp", "Ip: Forw-arding\nIp: 1\n", 0, -EINVAL },
		{ "snmp", "Ip: Forwarding\nIp: 1\0\n", 22, -EINVAL },
		{ "snmp", "Ip: Forwarding\nIp: 1\r\n", 0, -EINVAL },
		{ "snmp", "no colon here\n", 0, -EINVAL },
		{ "snmp", ": Forwarding\n: 1\n", 0, -EINVAL },
		{ "snmp", "I p: Forwarding\nI p: 1\n", 0, -EINVAL },
		{ "snmp", "Udp: NoPorts\nUdp: 1\nUdp: NoPorts\nUdp: 2\n", 0, -EINVAL },
		{ "snmp", "\x7f" "ELF\x02\x01\x01\0\0\0\0\0", 12, -EINVAL },
		/* snmp6 */
		{ "snmp6", "Ip6InReceives\n", 0, -EINVAL },
		{ "snmp6", "Ip6InReceives 1 2\n", 0, -EINVAL },
		{ "snmp6", "Ip6InReceives -1\n", 0, -EINVAL },
		{ "snmp6", "6Ip 1\n", 0, -EINVAL },
		{ "snmp6", "Ip6InReceives 1", 0, -EINVAL },
		{ "snmp6", "Ip6InReceives 1\nIp6InReceives 2\n", 0, -EINVAL },
		/* dev */
		{ "dev", "Inter-|   Receive  |  Transmit\n", 0, -EINVAL },
		{ "dev", "garbage\n", 0, -EINVAL },
		{ "dev", "Inter-|\n face |bytes|bytes|bytes\n", 0, -EINVAL },
		{ "dev", "Inter-|\n face |bytes bytes\n", 0, -EINVAL },
		{ "dev", "Inter-|\n face ||\n", 0, -EINVAL },
		{ "dev", "Inter-|\n face |by-tes|bytes\n", 0, -EINVAL },
		{ "dev", DEV_HDR "  eth0: 1 2 3 4 5 6 7\n", 0, -EINVAL },
		{ "dev", DEV_HDR "  eth0: 1 2 3 4 5 6 7 8 9\n", 0, -EINVAL },
		{ "dev", DEV_HDR "  eth0 1 2 3 4 5 6 7 8\n", 0, -EINVAL },
		{ "dev", DEV_HDR "  : 1 2 3 4 5 6 7 8\n", 0, -EINVAL },
		{ "dev", DEV_HDR "  a/b: 1 2 3 4 5 6 7 8\n", 0, -EINVAL },
		{ "dev", DEV_HDR "  eth0: 1 2 3 -4 5 6 7 8\n", 0, -EINVAL },
		{ "dev", DEV_HDR "  eth0: 1 2 3 4 5 6 7 8\n"
			 "  eth0: 1 2 3 4 5 6 7 8\n", 0, -EINVAL },
		/* softnet_stat */
		{ "softnet_stat", "0000zz00 00000000 00000000\n", 0, -EINVAL },
		{ "softnet_stat", "00000001 00000002\n", 0, -EINVAL },
		{ "softnet_stat", "00000000000000001 00000000 00000000\n", 0, -EINVAL },
		{ "softnet_stat", "-0000001 00000000 00000000\n", 0, -EINVAL },
		/* Two lines claiming CPU 0. */
		{ "softnet_stat",
		  "1 0 0 0 0 0 0 0 0 0 0 0 0\n1 0 0 0 0 0 0 0 0 0 0 0 0\n", 0,
		  -EINVAL },
		/* stat/: a header, then CPU lines of as many hex values */
		{ "stat/rt_cache", "entries  in_hit\n", 0, -EINVAL },
		{ "stat/rt_cache", "entries  in_hit\n\n", 0, -EINVAL },
		{ "stat/rt_cache", "00000005 00000001\n00000005 00000002\n", 0,
		  -EINVAL },
		{ "stat/rt_cache", "entries in_hit\n00000005\n", 0, -EINVAL },
		{ "stat/rt_cache", "entries in_hit\n00000005 00000001 00000002\n",
		  0, -EINVAL },
		{ "stat/rt_cache", "entries in_hit\n00000005 00000001\n"
		  "00000005\n", 0, -EINVAL },
		{ "stat/rt_cache", "entries in_hit\n00000005 0000zz01\n", 0,
		  -EINVAL },
		{ "stat/rt_cache", "entries in_hit\n00000005 0x000001\n", 0,
		  -EINVAL },
		{ "stat/rt_cache", "entries in_hit\n00000005 -0000001\n", 0,
		  -EINVAL },
		{ "stat/rt_cache", "entries in_hit\n00000005 1.000000\n", 0,
		  -EINVAL },
		{ "stat/rt_cache", "entries in_hit\n00000005 00000000000000001\n",
		  0, -EINVAL },
		{ "stat/rt_cache", "entries in-hit\n00000005 00000001\n", 0,
		  -EINVAL },
		{ "stat/rt_cache", "entries in_hit\n00000005 00000001", 0,
		  -EINVAL },
		{ "stat/rt_cache", "entries in_hit\n00000005 00000001\r\n", 0,
		  -EINVAL },
		{ "stat/rt_cache", "entries in_hit\n00000005 0000\0" "0001\n", 34,
		  -EINVAL },
		{ "stat/rt_cache", "entries in_hit\n00000005 00000001\n"
		  "entries in_hit\n", 0, -EINVAL },
		/* Past 2^64 summed over the CPUs. */
		{ "stat/rt_cache", "entries in_hit\n00000000 ffffffffffffffff\n"
		  "00000000 00000001\n", 0, -EINVAL },
		/* One column twice: two counters of one name. */
		{ "stat/arp_cache", "entries allocs allocs\n0 1 2\n", 0, -EINVAL },
		{ "stat/synproxy", "entries\t\tsyn_received\n00000000\t00000000"
		  "\t00000000\n", 0, -EINVAL },
		{ "stat/nf_conntrack", "entries  drop\n00000000  0000000g\n", 0,
		  -EINVAL },
		{ "stat/ndisc_cache", "\x7f" "ELF\x02\x01\x01\0\0\0\0\0", 12,
		  -EINVAL },
	};
	struct dp_counters c = { 0 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct bad_case *b = &cases[i];
		char *dir = dp_test_tmpdir();
		int rc;

		make_stat_dir(dir);
		put_file(dir, b->file, b->text, b->len ? b->len : strlen(b->text));
		rc = dp_counters_snapshot(&c, dir);
		if (rc != b->want)
			fail_msg("case %zu (%s): got %d, want %d", i, b->file, rc,
				 b->want);
		assert_int_equal(c.nr, 0);
		assert_null(c.v);
		dp_test_rmdir(dir);
	}
}

static void test_edges_accepted(void **state)
{
	struct dp_counters c = { 0 };
	char *dir = dp_test_tmpdir();
	static const char snmp[] =
		"Ip: InReceives\n"
		"Ip: 18446744073709551615\n"
		/* IcmpMsg with no type yet, and one split over two pairs. */
		"IcmpMsg:\n"
		"IcmpMsg:\n"
		"IcmpMsg: InType0\n"
		"IcmpMsg: 1\n"
		"IcmpMsg: InType3\n"
		"IcmpMsg: 2\n"
		"\n"
		/* Signed columns (only MaxConn, left out, in any kernel so
		 * far) read as nstat reads them. */
		"Tcp:\tMaxConn  Min  Neg\n"
		"Tcp:\t-1  -9223372036854775808  -1\n";

	(void)state;
	put_str(dir, "snmp", snmp);
	put_str(dir, "snmp6", "\nIp6InReceives \t 0018446744073709551615\n");
	put_str(dir, "softnet_stat", "ffffffffffffffff 0 0\n");
	dp_test_snapshot(&c, dir);
	assert_int_equal(c.nr, 9);
	assert_int_equal(value_of(&c, "IpInReceives"), UINT64_MAX);
	assert_int_equal(value_of(&c, "IcmpMsgInType0"), 1);
	assert_int_equal(value_of(&c, "IcmpMsgInType3"), 2);
	assert_null(dp_counters_find(&c, "TcpMaxConn"));
	assert_int_equal(value_of(&c, "TcpMin"), (uint64_t)INT64_MAX + 1);
	assert_int_equal(value_of(&c, "TcpNeg"), UINT64_MAX);
	assert_int_equal(value_of(&c, "Ip6InReceives"), UINT64_MAX);
	assert_int_equal(value_of(&c, "softnet:cpu0:processed"), UINT64_MAX);
	/* Sixteen hex digits is no u32: it must not wrap at 2^32. */
	assert_int_equal(dp_counters_find(&c, "softnet:cpu0:processed")->width, 64);
	assert_int_equal(dp_counters_find(&c, "softnet:cpu0:dropped")->width, 32);
	dp_counters_release(&c);

	/* Names shared by two files are caught across files too. */
	put_str(dir, "snmp", "Udp6: NoPorts\nUdp6: 1\n");
	put_str(dir, "snmp6", "Udp6NoPorts 2\n");
	assert_int_equal(dp_counters_snapshot(&c, dir), -EINVAL);
	assert_int_equal(c.nr, 0);
	dp_test_rmdir(dir);
}

static void test_truncated_everywhere(void **state)
{
	struct dp_counters c = { 0 };
	char *dir = dp_test_tmpdir();

	(void)state;
	make_stat_dir(dir);
	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		char path[256];
		size_t len = 0;
		char *buf;

		snprintf(path, sizeof(path), FIXTURE("before/%s"), files[f]);
		buf = dp_test_slurp(path, &len);
		assert_non_null(buf);
		put_file(dir, files[f], buf, len);
		snprintf(path, sizeof(path), "%s/%s", dir, files[f]);
		/* Shortest last, so one truncate(2) makes each prefix. */
		for (size_t cut = len + 1; cut-- > 0;) {
			int rc;

			assert_int_equal(truncate(path, cut), 0);
			rc = dp_counters_snapshot(&c, dir);
			if (cut && buf[cut - 1] != '\n' && rc != -EINVAL)
				fail_msg("%s cut at %zu mid-line: got %d", files[f],
					 cut, rc);
			if (rc != 0 && rc != -EINVAL)
				fail_msg("%s cut at %zu: got %d", files[f], cut, rc);
			if (cut == len)
				assert_int_equal(rc, 0);
			assert_true(c.nr <= BEFORE_COUNT);
			dp_counters_release(&c);
		}
		free(buf);
		assert_int_equal(unlink(path), 0);
	}
	dp_test_rmdir(dir);
}

/* ---- the running kernel ----------------------------------------------- */

static void test_real_proc_net(void **state)
{
	static const struct {
		const char *file;
		const char *counter;   /* a column every kernel since 4.x has */
		unsigned int scope;
	} tables[] = {
		{ "/proc/net/stat/arp_cache", "arp_cache:unresolved_discards",
		  DP_PROCNET_MACHINE },
		{ "/proc/net/stat/ndisc_cache", "ndisc_cache:unresolved_discards",
		  DP_PROCNET_MACHINE },
		{ "/proc/net/stat/rt_cache", "rt_cache:in_martian_src",
		  DP_PROCNET_MACHINE },
		{ "/proc/net/stat/nf_conntrack", "nf_conntrack:invalid",
		  DP_PROCNET_NETNS },
		{ "/proc/net/stat/synproxy", "synproxy:cookie_invalid",
		  DP_PROCNET_NETNS },
	};
	struct dp_counters c = { 0 }, netns = { 0 };
	size_t seen = 0;
	int rc;

	(void)state;
	rc = dp_counters_snapshot(&c, "/proc/net");
	if (rc == -ENOENT || rc == -EACCES) {
		print_message("skipped: /proc/net unreadable (%s)\n", strerror(-rc));
		skip();
	}
	assert_int_equal(rc, 0);
	dp_test_assert_sorted(&c);
	assert_int_equal(dp_counters_snapshot_scope(&netns, "/proc/net",
						    DP_PROCNET_NETNS), 0);
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		const char *table = tables[i].file + strlen("/proc/net/stat/");
		char name[64];

		snprintf(name, sizeof(name), "%s:entries", table);
		assert_null(dp_counters_find(&c, name));
		if (access(tables[i].file, R_OK))
			continue;
		seen++;
		/* The machine's real layout (synproxy's tabs included)
		 * parses, and each table lands in its own scope. */
		if (!dp_counters_find(&c, tables[i].counter))
			fail_msg("'%s' missing though %s is there",
				 tables[i].counter, tables[i].file);
		assert_int_equal(dp_counters_find(&netns, tables[i].counter) != NULL,
				 tables[i].scope == DP_PROCNET_NETNS);
	}
	for (size_t i = 0; i < netns.nr; i++)
		assert_true(strncmp(netns.v[i].name, "softnet:", 8));
	if (!seen)
		print_message("note: no /proc/net/stat table on this kernel\n");
	dp_counters_release(&netns);
	dp_counters_release(&c);
}

/* With a pool, two snapshots share one copy of each name, the pool
 * outlives them, and the values are those of an owned snapshot. */
static void test_pooled_names(void **state)
{
	struct dp_strpool pool = DP_STRPOOL_INIT;
	struct dp_counters a = { .pool = &pool }, b = { .pool = &pool }, own = { 0 };

	assert_int_equal(dp_counters_snapshot(&a, FIXTURE("before")), 0);
	assert_int_equal(dp_counters_snapshot(&b, FIXTURE("after")), 0);
	assert_int_equal(dp_counters_snapshot(&own, FIXTURE("before")), 0);
	assert_int_equal(a.nr, own.nr);
	assert_int_equal(a.cap, a.nr);
	for (size_t i = 0; i < a.nr; i++) {
		const struct dp_counter *x = dp_counters_find(&b, a.v[i].name);

		assert_string_equal(a.v[i].name, own.v[i].name);
		assert_true(a.v[i].value == own.v[i].value);
		if (x)
			assert_ptr_equal(x->name, a.v[i].name);
	}
	dp_counters_release(&a);
	assert_ptr_equal(a.pool, &pool);
	assert_int_equal(a.nr, 0);
	/* b's names are still there after a is gone. */
	assert_non_null(dp_counters_find(&b, "UdpNoPorts"));
	dp_counters_release(&b);
	dp_counters_release(&own);
	dp_strpool_release(&pool);
}

static void test_release_and_find_empty(void **state)
{
	struct dp_counters c = { 0 };

	(void)state;
	dp_counters_release(&c);
	dp_counters_release(&c);
	assert_null(dp_counters_find(&c, "UdpNoPorts"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_before_fixture),
		cmocka_unit_test(test_pooled_names),
		cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_scope_missing),
		cmocka_unit_test(test_stat_files),
		cmocka_unit_test(test_newer_kernel),
		cmocka_unit_test(test_old_softnet),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_edges_accepted),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_real_proc_net),
		cmocka_unit_test(test_release_and_find_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
