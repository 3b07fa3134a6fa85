/* test_counters — unit tests for the kernel counter snapshots and deltas
 * (src/counters.c).
 *
 * Fixtures in tests/fixtures/counters/ (run from the repository root),
 * copied from a 6.18 x86-64 machine's /proc/net and then edited:
 *   before/, after/  the five files at the start and end of a recording;
 *                    after/ adds known increments, an IcmpMsg type, an
 *                    interface (veth0) and drops one (ifb1), wraps
 *                    softnet cpu3's u32 processed count and lowers the
 *                    TcpCurrEstab gauge (which is not a counter); the
 *                    expected deltas are spelled out in test_delta_fixture
 *   newer/           snmp with a column and a table no kernel has yet,
 *                    softnet_stat with four more columns
 *   old/             softnet_stat as kernels before 5.10 print it (11
 *                    columns, no CPU id)
 * Malformed files are written by the tests into temporary directories so
 * each sits next to its assertion.  The last test sends UDP datagrams to a
 * closed port on 127.0.0.1 and reads the running kernel's /proc/net.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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

#include "dropprof/kernel/counters.h"

#define FIXTURE(name) "tests/fixtures/counters/" name
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* before/: snmp 84 - 7 settings and gauges + netstat 229 + snmp6 90 + dev 5 interfaces x 16 +
 * softnet 2 CPUs x 5. */
#define BEFORE_COUNT (77 + 229 + 90 + 80 + 10)

static const char *const files[] = {
	"snmp", "netstat", "snmp6", "dev", "softnet_stat",
};

/* ---- helpers ---------------------------------------------------------- */

static void snapshot_ok(struct dp_counters *c, const char *dir)
{
	*c = (struct dp_counters){ 0 };
	assert_int_equal(dp_counters_snapshot(c, dir), 0);
}

static uint64_t value_of(const struct dp_counters *c, const char *name)
{
	const struct dp_counter *k = dp_counters_find(c, name);

	if (!k)
		fail_msg("counter '%s' missing", name);
	return k->value;
}

static void assert_sorted_unique(const struct dp_counters *c)
{
	for (size_t i = 1; i < c->nr; i++)
		if (strcmp(c->v[i - 1].name, c->v[i].name) >= 0)
			fail_msg("'%s' before '%s'", c->v[i - 1].name, c->v[i].name);
}

static uint64_t magnitude(int64_t d)
{
	return d < 0 ? -(uint64_t)d : (uint64_t)d;
}

/* The documented order, checked pairwise: drop-related first, then
 * |delta| descending, then name; nothing zero. */
static void assert_delta_order(const struct dp_counter_delta *d, size_t nr)
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

static char *make_dir(void)
{
	char *dir = strdup("/tmp/dp_counters.XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

static void write_file(const char *dir, const char *name, const void *data,
		       size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void write_str(const char *dir, const char *name, const char *text)
{
	write_file(dir, name, text, strlen(text));
}

/* Remove the counter files a test may have written, then the directory. */
static void remove_dir(char *dir)
{
	char path[256];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc(n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	*len = n;
	return buf;
}

/* ---- snapshots of the fixtures ---------------------------------------- */

static void test_before_fixture(void **state)
{
	struct dp_counters c;
	const struct dp_counter *k;

	(void)state;
	snapshot_ok(&c, FIXTURE("before"));
	assert_int_equal(c.nr, BEFORE_COUNT);
	assert_sorted_unique(&c);

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

	assert_null(dp_counters_find(&c, "Udp"));
	assert_null(dp_counters_find(&c, "NoPorts"));
	assert_null(dp_counters_find(&c, "dev:ifb1"));
	dp_counters_release(&c);
	assert_int_equal(c.nr, 0);
	assert_null(c.v);
}

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
		{ "dev:veth0:tx_drop", 0, 4, 4, true },
		{ "TcpExtListenDrops", 0, 3, 3, true },
		{ "TcpExtListenOverflows", 0, 3, 3, true },
		{ "softnet:cpu0:dropped", 0, 3, 3, true },
		{ "Ip6InDiscards", 0, 2, 2, true },
		{ "IpExtInNoRoutes", 0, 2, 2, true },
		{ "softnet:cpu0:time_squeeze", 0, 2, 2, true },
		{ "softnet:cpu0:flow_limit_count", 0, 1, 1, true },
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
		{ "dev:vethlongname123:rx_bytes", 18446744073709551600ULL,
		  18446744073709551615ULL, 15, false },
		{ "Ip6InReceives", 401, 408, 7, false },
		{ "dev:veth0:tx_packets", 0, 6, 6, false },
		{ "dev:ifb1:rx_packets", 5, 0, -5, false },
		{ "softnet:cpu3:received_rps", 0, 5, 5, false },
		/* IcmpMsg columns appear with the first packet of a type. */
		{ "IcmpMsgInType8", 0, 2, 2, false },
		{ "IcmpMsgOutType0", 0, 2, 2, false },
		{ "dev:vethlongname123:rx_packets", 4294967296ULL, 4294967297ULL,
		  1, false },
	};
	struct dp_counters before, after;
	struct dp_counter_delta *d;
	size_t nr;

	(void)state;
	snapshot_ok(&before, FIXTURE("before"));
	snapshot_ok(&after, FIXTURE("after"));
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
	dp_counter_deltas_free(d, nr);
	dp_counters_release(&before);
	dp_counters_release(&after);
}

static void test_delta_unchanged(void **state)
{
	struct dp_counters a, b;
	struct dp_counter_delta *d = (struct dp_counter_delta *)(uintptr_t)1;
	size_t nr = 99;

	(void)state;
	snapshot_ok(&a, FIXTURE("before"));
	snapshot_ok(&b, FIXTURE("before"));
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
	dp_counter_deltas_free(d, nr);
	dp_counters_release(&b);
}

static void test_newer_kernel(void **state)
{
	struct dp_counters c;
	size_t softnet = 0;

	(void)state;
	snapshot_ok(&c, FIXTURE("newer"));
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
	snapshot_ok(&c, FIXTURE("old"));
	assert_int_equal(c.nr, 3 * 5);
	assert_int_equal(value_of(&c, "softnet:cpu0:processed"), 0x1a2b3);
	assert_int_equal(value_of(&c, "softnet:cpu0:dropped"), 1);
	assert_int_equal(value_of(&c, "softnet:cpu0:time_squeeze"), 4);
	assert_int_equal(value_of(&c, "softnet:cpu1:processed"), 0xc0de);
	assert_int_equal(value_of(&c, "softnet:cpu2:processed"), 0xfff);
	assert_int_equal(value_of(&c, "softnet:cpu2:flow_limit_count"), 0);
	dp_counters_release(&c);

	/* The three columns every kernel has, and nothing more. */
	dir = make_dir();
	write_str(dir, "softnet_stat", "0000000a 0000000B 0000000c\n");
	snapshot_ok(&c, dir);
	assert_int_equal(c.nr, 3);
	assert_int_equal(value_of(&c, "softnet:cpu0:processed"), 10);
	assert_int_equal(value_of(&c, "softnet:cpu0:dropped"), 11);
	assert_int_equal(value_of(&c, "softnet:cpu0:time_squeeze"), 12);
	dp_counters_release(&c);
	remove_dir(dir);
}

/* ---- files that are missing or wrong ---------------------------------- */

static void test_missing_files(void **state)
{
	struct dp_counters c = { 0 };
	char *dir = make_dir();

	(void)state;
	/* None of the files: not a /proc/net. */
	assert_int_equal(dp_counters_snapshot(&c, dir), -ENOENT);
	assert_int_equal(dp_counters_snapshot(&c, FIXTURE("does-not-exist")),
			 -ENOENT);
	assert_int_equal(dp_counters_snapshot(&c, FIXTURE("before/snmp")),
			 -ENOTDIR);
	assert_int_equal(c.nr, 0);
	assert_null(c.v);

	/* No IPv6, no softnet: the rest still counts. */
	write_str(dir, "snmp", "Udp: NoPorts InErrors\nUdp: 3 4\n");
	snapshot_ok(&c, dir);
	assert_int_equal(c.nr, 2);
	assert_string_equal(c.v[0].name, "UdpInErrors");
	assert_string_equal(c.v[1].name, "UdpNoPorts");
	assert_int_equal(c.v[1].value, 3);
	dp_counters_release(&c);

	/* An empty file holds no counter but is no error. */
	write_str(dir, "snmp", "");
	write_str(dir, "dev", "");
	snapshot_ok(&c, dir);
	assert_int_equal(c.nr, 0);
	dp_counters_release(&c);
	remove_dir(dir);
}

static void test_unreadable(void **state)
{
	struct dp_counters c = { 0 };
	char *dir = make_dir();
	char path[256];

	(void)state;
	/* A directory where a file should be opens but cannot be read. */
	snprintf(path, sizeof(path), "%s/snmp", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(dp_counters_snapshot(&c, dir), -EISDIR);
	assert_int_equal(c.nr, 0);
	assert_int_equal(rmdir(path), 0);
	remove_dir(dir);
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
	};
	struct dp_counters c = { 0 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct bad_case *b = &cases[i];
		char *dir = make_dir();
		int rc;

		write_file(dir, b->file, b->text, b->len ? b->len : strlen(b->text));
		rc = dp_counters_snapshot(&c, dir);
		if (rc != b->want)
			fail_msg("case %zu (%s): got %d, want %d", i, b->file, rc,
				 b->want);
		assert_int_equal(c.nr, 0);
		assert_null(c.v);
		remove_dir(dir);
	}
}

static void test_edges_accepted(void **state)
{
	struct dp_counters c = { 0 };
	char *dir = make_dir();
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
	write_str(dir, "snmp", snmp);
	write_str(dir, "snmp6", "\nIp6InReceives \t 0018446744073709551615\n");
	write_str(dir, "softnet_stat", "ffffffffffffffff 0 0\n");
	snapshot_ok(&c, dir);
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
	write_str(dir, "snmp", "Udp6: NoPorts\nUdp6: 1\n");
	write_str(dir, "snmp6", "Udp6NoPorts 2\n");
	assert_int_equal(dp_counters_snapshot(&c, dir), -EINVAL);
	assert_int_equal(c.nr, 0);
	remove_dir(dir);
}

/* Every prefix of every real file: a cut inside a line is always caught,
 * nothing crashes or leaks (run under valgrind or ASan to see). */
static void test_truncated_everywhere(void **state)
{
	struct dp_counters c = { 0 };
	char *dir = make_dir();

	(void)state;
	for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
		char path[256];
		size_t len;
		char *buf;

		snprintf(path, sizeof(path), FIXTURE("before/%s"), files[f]);
		buf = read_whole(path, &len);
		write_file(dir, files[f], buf, len);
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
	remove_dir(dir);
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
	struct dp_counter_delta *d;
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
	dp_counter_deltas_free(d, nr);
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
	struct dp_counter_delta *d;
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
	dp_counter_deltas_free(d, nr);
}

static void test_release_and_find_empty(void **state)
{
	struct dp_counters c = { 0 };

	(void)state;
	dp_counters_release(&c);
	dp_counters_release(&c);
	assert_null(dp_counters_find(&c, "UdpNoPorts"));
	dp_counter_deltas_free(NULL, 0);
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
		/* Not drops: totals, gauges, good traffic. */
		{ "UdpInDatagrams", false }, { "UdpOutDatagrams", false },
		{ "UdpIgnoredMulti", false }, { "IpInReceives", false },
		{ "TcpCurrEstab", false }, { "TcpMaxConn", false },
		{ "IcmpOutRateLimitHost", false }, { "Ip6InReceives", false },
		{ "dev:eth0:rx_bytes", false }, { "dev:eth0:rx_packets", false },
		{ "dev:eth0:tx_colls", false }, { "dev:eth0:rx_multicast", false },
		{ "softnet:cpu0:processed", false },
		{ "softnet:cpu0:received_rps", false },
		/* Near misses. */
		{ "UdpNoPortsX", false }, { "Udp", false }, { "NoPorts", false },
		{ "udpnoports", false }, { "Udp7NoPorts", false },
		{ "dev:rx_drop", false }, { "dev::rx_drop", false },
		{ "dev:eth0:rx_drop_x", false }, { "softnet::dropped", false },
		{ "xdev:eth0:rx_drop", false }, { "", false },
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

static int64_t delta_named(const struct dp_counter_delta *d, size_t nr,
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
	struct dp_counter_delta *d = NULL;
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
	assert_sorted_unique(&before);
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
		dp_counter_deltas_free(d, nr);
		d = NULL;
		dp_counters_release(&after);
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	/* Other traffic may add to it; nothing takes away. */
	assert_true(got >= SENT);
	assert_non_null(d);
	assert_true(d[0].drop_related);
	assert_delta_order(d, nr);
	dp_counter_deltas_free(d, nr);
	dp_counters_release(&after);
	dp_counters_release(&before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_before_fixture),
		cmocka_unit_test(test_delta_fixture),
		cmocka_unit_test(test_delta_unchanged),
		cmocka_unit_test(test_newer_kernel),
		cmocka_unit_test(test_old_softnet),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_edges_accepted),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_delta_arithmetic),
		cmocka_unit_test(test_delta_rejects_unsorted),
		cmocka_unit_test(test_release_and_find_empty),
		cmocka_unit_test(test_drop_related),
		cmocka_unit_test(test_real_udp_noports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
