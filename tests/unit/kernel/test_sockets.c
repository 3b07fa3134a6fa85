/* test_sockets — the /proc/net socket tables (src/kernel/sockets.c).
 *
 * Fixtures (tests/fixtures/sockets/) are the files of one namespace on
 * Linux 6.18 (x86-64, so little-endian words): a UDP socket with a small
 * SO_RCVBUF that dropped 39 datagrams, a connected UDP socket, IPv6 ones
 * on ::1 and one with an IPv4-mapped peer, TCP listeners (IPv4, and IPv6
 * dual-stack with an IPv4 client), established pairs with unread data,
 * connections half closed (FIN-WAIT-2 as TIME_WAIT entries, CLOSE-WAIT one
 * still in the accept queue), raw ICMP and ICMPv6, UDP-Lite — read three
 * times: real/ with kptr_restrict=1 as root (addresses), hidden/ without
 * CAP_SYSLOG (zeros), hashed/ with kptr_restrict=0 (hashes).  ss.txt is
 * `ss -tuanw` in that namespace at the same moment: every line of it must
 * be one of our sockets, formatted the same.
 *
 * Hand-made lines cover what the machine did not show (SYN_RECV entries,
 * full IPv6 addresses, negative drops, 32-bit pointers, appended columns)
 * and the malformed ones.  They are written in this host's byte order, as
 * the kernel writes them.  The real machine: test_sockets_live.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dropprof/kernel/sockets.h"
#include "testutil.h"

#define FIXTURES "tests/fixtures/sockets"
#define MAX_SOCKS 64

struct socks {
	struct dp_sock v[MAX_SOCKS];
	size_t nr;
	int stop_after;              /* > 0: return 42 after that many */
};

static int collect(const struct dp_sock *s, void *arg)
{
	struct socks *c = arg;

	assert_true(c->nr < MAX_SOCKS);
	c->v[c->nr++] = *s;
	if (c->stop_after && (int)c->nr == c->stop_after)
		return 42;
	return 0;
}

static void read_dir(struct socks *c, const char *dir, unsigned int protos)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(dp_sockets_read(dir, protos, collect, c), 0);
}

static const struct dp_sock *by_addrs(const struct socks *c, const char *proto,
				      const char *local, const char *remote)
{
	for (size_t i = 0; i < c->nr; i++)
		if (!strcmp(c->v[i].proto_name, proto) &&
		    !strcmp(c->v[i].local, local) && !strcmp(c->v[i].remote, remote))
			return &c->v[i];
	fail_msg("no %s socket %s -> %s", proto, local, remote);
	return NULL;
}

static bool little_endian(void)
{
	uint16_t one = 1;

	return *(const uint8_t *)&one == 1;
}

#define SKIP_UNLESS_LE() do {						\
	if (!little_endian()) {						\
		print_message("skipped: the fixtures are a little-endian machine's\n"); \
		skip();							\
	}								\
} while (0)

/* ---- the fixture namespace -------------------------------------------- */

static void test_real(void **state)
{
	static const uint8_t loopback6[16] = { [15] = 1 };
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 };
	const struct dp_sock *s;
	struct socks c;

	(void)state;
	SKIP_UNLESS_LE();
	read_dir(&c, FIXTURES "/real", DP_SOCK_ALL);
	/* 8 tcp, 4 tcp6, 3 udp, 2 udp6, 1 each of udplite, udplite6, raw,
	 * raw6, in the order of the files. */
	assert_int_equal(c.nr, 21);
	for (size_t i = 1; i < c.nr; i++)
		assert_true(c.v[i - 1].proto <= c.v[i].proto);
	for (size_t i = 0; i < c.nr; i++) {
		assert_int_equal(c.v[i].kaddr_kind, DP_KADDR_REAL);
		assert_true(c.v[i].kaddr >> 63);
		assert_int_equal(c.v[i].uid, 0);
		assert_int_equal(c.v[i].has_drops, c.v[i].proto >= DP_SOCK_UDP);
		assert_string_equal(c.v[i].proto_name, dp_sock_proto_name(c.v[i].proto));
	}

	/* The UDP socket that overflowed. */
	s = by_addrs(&c, "udp", "127.0.0.1:5353", "0.0.0.0:*");
	assert_int_equal(s->family, AF_INET);
	assert_memory_equal(s->local_ip, ((uint8_t[4]){ 127, 0, 0, 1 }), 4);
	assert_int_equal(s->local_port, 5353);
	assert_int_equal(s->remote_port, 0);
	assert_int_equal(s->state, 7);
	assert_string_equal(s->state_name, "UNCONN");
	assert_int_equal(s->rx_queue, 1280);
	assert_int_equal(s->tx_queue, 0);
	assert_true(s->inode == 1650223);
	assert_true(s->kaddr == 0xffff88810f418a80ULL);
	assert_true(s->has_drops);
	assert_int_equal(s->drops, 39);
	assert_false(s->mini);

	s = by_addrs(&c, "udp", "127.0.0.1:5354", "127.0.0.1:5353");
	assert_string_equal(s->state_name, "ESTAB");
	assert_int_equal(s->drops, 0);
	s = by_addrs(&c, "udp", "0.0.0.0:5357", "0.0.0.0:*");
	assert_true(s->inode == 1650225);

	/* IPv6: ::1, and a dual-stack socket talking to an IPv4 peer. */
	s = by_addrs(&c, "udp6", "[::1]:5355", "[::]:*");
	assert_int_equal(s->family, AF_INET6);
	assert_memory_equal(s->local_ip, loopback6, 16);
	s = by_addrs(&c, "udp6", "[::ffff:127.0.0.1]:5356", "[::ffff:127.0.0.1]:5353");
	assert_memory_equal(s->local_ip, mapped, 16);
	assert_memory_equal(s->remote_ip, mapped, 16);
	assert_string_equal(s->state_name, "ESTAB");
	assert_true(s->kaddr == 0xffff888102a35c00ULL);

	/* TCP: a listener's rx_queue is its accept queue. */
	s = by_addrs(&c, "tcp", "0.0.0.0:8080", "0.0.0.0:*");
	assert_string_equal(s->state_name, "LISTEN");
	assert_int_equal(s->rx_queue, 1);
	assert_false(s->mini);
	assert_false(s->has_drops);
	s = by_addrs(&c, "tcp", "127.0.0.1:8080", "127.0.0.1:56264");
	assert_string_equal(s->state_name, "ESTAB");
	assert_int_equal(s->rx_queue, 1000);
	assert_true(s->inode == 1650230);
	/* Still in the accept queue: a full socket without a file. */
	s = by_addrs(&c, "tcp", "127.0.0.1:8080", "127.0.0.1:56284");
	assert_string_equal(s->state_name, "CLOSE-WAIT");
	assert_true(s->inode == 0);
	assert_false(s->mini);
	/* FIN-WAIT-2 after close(): a TIME_WAIT entry of 12 columns. */
	s = by_addrs(&c, "tcp", "127.0.0.1:8080", "127.0.0.1:56276");
	assert_string_equal(s->state_name, "FIN-WAIT-2");
	assert_true(s->mini);
	assert_true(s->inode == 0);
	assert_true(s->kaddr == 0xffff888106bc4f00ULL);
	s = by_addrs(&c, "tcp6", "[::]:8443", "[::]:*");
	assert_string_equal(s->state_name, "LISTEN");
	s = by_addrs(&c, "tcp6", "[::ffff:127.0.0.1]:8443", "[::ffff:127.0.0.1]:43116");
	assert_true(s->inode == 1650236);
	s = by_addrs(&c, "tcp6", "[::1]:54068", "[::1]:8443");
	assert_int_equal(s->rx_queue, 300);

	/* Raw sockets print their protocol as the port. */
	s = by_addrs(&c, "raw", "0.0.0.0:1", "0.0.0.0:*");
	assert_int_equal(s->local_port, IPPROTO_ICMP);
	assert_string_equal(s->state_name, "UNCONN");
	s = by_addrs(&c, "raw6", "[::]:58", "[::]:*");
	assert_int_equal(s->local_port, IPPROTO_ICMPV6);
	s = by_addrs(&c, "udplite", "127.0.0.1:5360", "0.0.0.0:*");
	assert_true(s->has_drops);
	by_addrs(&c, "udplite6", "[::1]:5361", "[::]:*");
}

/* ss wrote its own view of the same sockets: each of its lines is one of
 * ours, state, addresses and Recv-Q alike.  (ss prints "*" for the IPv6
 * wildcard of a socket that is not v6only, which /proc/net cannot tell:
 * ours is "[::]".)  ss -u does not list UDP-Lite. */
static void test_same_as_ss(void **state)
{
	bool used[MAX_SOCKS] = { false };
	char *text, *line, *save = NULL;
	size_t lines = 0;
	struct socks c;

	(void)state;
	SKIP_UNLESS_LE();
	read_dir(&c, FIXTURES "/real", DP_SOCK_ALL);
	text = dp_test_slurp(FIXTURES "/ss.txt", NULL);
	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char netid[16], st[16], local[64], peer[64], l6[80], p6[80];
		unsigned int rq, sq;
		size_t i;

		if (!strncmp(line, "Netid", 5))
			continue;
		assert_int_equal(sscanf(line, "%15s %15s %u %u %63s %63s", netid, st,
					&rq, &sq, local, peer), 6);
		snprintf(l6, sizeof(l6), "%s%s", local[0] == '*' ? "[::]" : "",
			 local[0] == '*' ? local + 1 : local);
		snprintf(p6, sizeof(p6), "%s%s", peer[0] == '*' ? "[::]" : "",
			 peer[0] == '*' ? peer + 1 : peer);
		for (i = 0; i < c.nr; i++) {
			const struct dp_sock *s = &c.v[i];

			if (!used[i] && !strncmp(s->proto_name, netid, strlen(netid)) &&
			    strncmp(s->proto_name, "udplite", 7) &&
			    !strcmp(s->state_name, st) && !strcmp(s->local, l6) &&
			    !strcmp(s->remote, p6) && s->rx_queue == rq)
				break;
		}
		if (i == c.nr)
			fail_msg("ss line not matched: %s", line);
		used[i] = true;
		lines++;
	}
	assert_int_equal(lines, 19);
	free(text);
}

static void assert_same_but_kaddr(const struct dp_sock *a, const struct dp_sock *b)
{
	assert_int_equal(a->proto, b->proto);
	assert_ptr_equal(a->proto_name, b->proto_name);
	assert_int_equal(a->family, b->family);
	assert_memory_equal(a->local_ip, b->local_ip, 16);
	assert_memory_equal(a->remote_ip, b->remote_ip, 16);
	assert_int_equal(a->local_port, b->local_port);
	assert_int_equal(a->remote_port, b->remote_port);
	assert_string_equal(a->local, b->local);
	assert_string_equal(a->remote, b->remote);
	assert_int_equal(a->state, b->state);
	assert_ptr_equal(a->state_name, b->state_name);
	assert_int_equal(a->mini, b->mini);
	assert_int_equal(a->tx_queue, b->tx_queue);
	assert_int_equal(a->rx_queue, b->rx_queue);
	assert_int_equal(a->uid, b->uid);
	assert_true(a->inode == b->inode);
	assert_int_equal(a->has_drops, b->has_drops);
	assert_int_equal(a->drops, b->drops);
}

/* Without CAP_SYSLOG under kptr_restrict=1: every address 0, the rest as
 * before; with kptr_restrict=0: hashes, which match no rx_sk. */
static void test_hidden_and_hashed(void **state)
{
	struct socks real, hidden, hashed;

	(void)state;
	SKIP_UNLESS_LE();
	read_dir(&real, FIXTURES "/real", DP_SOCK_ALL);
	read_dir(&hidden, FIXTURES "/hidden", DP_SOCK_ALL);
	read_dir(&hashed, FIXTURES "/hashed", DP_SOCK_ALL);
	assert_int_equal(hidden.nr, real.nr);
	assert_int_equal(hashed.nr, real.nr);
	for (size_t i = 0; i < real.nr; i++) {
		const struct dp_sock *a = &real.v[i], *b = &hidden.v[i],
				     *h = &hashed.v[i];

		assert_true(b->kaddr == 0);
		assert_int_equal(b->kaddr_kind, DP_KADDR_HIDDEN);
		assert_true(h->kaddr != 0 && h->kaddr <= UINT32_MAX);
		assert_int_equal(h->kaddr_kind, DP_KADDR_HASHED);
		assert_true(h->kaddr != a->kaddr);
		assert_same_but_kaddr(a, b);
		assert_same_but_kaddr(a, h);
	}
}

static void test_protos_mask(void **state)
{
	struct socks c;

	(void)state;
	SKIP_UNLESS_LE();
	read_dir(&c, FIXTURES "/real", DP_SOCK_BIT(DP_SOCK_UDP6) | DP_SOCK_BIT(DP_SOCK_RAW));
	assert_int_equal(c.nr, 3);
	assert_int_equal(c.v[0].proto, DP_SOCK_UDP6);
	assert_int_equal(c.v[2].proto, DP_SOCK_RAW);
	assert_int_equal(dp_sockets_read(FIXTURES "/real", 0, collect, &c), -EINVAL);
	assert_int_equal(dp_sockets_read(FIXTURES "/real", DP_SOCK_ALL + 1, collect, &c),
			 -EINVAL);
}

static void test_callback_stops(void **state)
{
	struct socks c = { .stop_after = 2 };

	(void)state;
	SKIP_UNLESS_LE();
	assert_int_equal(dp_sockets_read(FIXTURES "/real", DP_SOCK_ALL, collect, &c), 42);
	assert_int_equal(c.nr, 2);
}

static void test_names(void **state)
{
	static const char *const want[] = {
		"UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1",
		"FIN-WAIT-2", "TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK",
		"LISTEN", "CLOSING", "UNKNOWN", "UNKNOWN",
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(dp_sock_state_name(i), want[i]);
	assert_string_equal(dp_sock_state_name(255), "UNKNOWN");
	assert_string_equal(dp_sock_proto_name(DP_SOCK_TCP), "tcp");
	assert_string_equal(dp_sock_proto_name(DP_SOCK_UDPLITE6), "udplite6");
	assert_string_equal(dp_sock_proto_name(DP_SOCK_RAW6), "raw6");
	assert_string_equal(dp_sock_proto_name(DP_SOCK_NR_PROTOS), "?");
	assert_string_equal(dp_sock_proto_name((enum dp_sock_proto)-1), "?");
}

/* ---- hand-made files -------------------------------------------------- */

/* A scratch procnet directory. */
static int dir_setup(void **state)
{
	*state = dp_test_tmpdir();
	return 0;
}

static int dir_teardown(void **state)
{
	dp_test_rmdir(*state);
	return 0;
}

static void put(const char *dir, const char *file, const char *text, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	dp_test_spill(path, text, len);
}

static void drop(const char *dir, const char *file)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	unlink(path);
}

/* An address as the kernel prints it on this host: each 32-bit word of
 * the network-order bytes as a host-order number. */
static void kaddr_hex(const char *ip, int family, unsigned int port, char *out,
		      size_t size)
{
	uint8_t b[16];
	size_t n = 0;

	assert_int_equal(inet_pton(family, ip, b), 1);
	for (size_t i = 0; i < (family == AF_INET6 ? 4u : 1u); i++) {
		uint32_t w;

		memcpy(&w, b + 4 * i, 4);
		n += snprintf(out + n, size - n, "%08X", w);
	}
	snprintf(out + n, size - n, ":%04X", port);
}

#define UDP_HDR "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
#define TCP_HDR "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
#define UDP6_HDR "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"

/* One socket line of file (header hdr) alone in dir: what it reads as. */
static int one(const char *dir, const char *file, const char *hdr,
	       const char *line, struct dp_sock *out)
{
	char text[1024];
	struct socks c;
	int err;

	snprintf(text, sizeof(text), "%s%s", hdr, line);
	put(dir, file, text, strlen(text));
	memset(&c, 0, sizeof(c));
	err = dp_sockets_read(dir, DP_SOCK_ALL, collect, &c);
	drop(dir, file);
	if (!err) {
		assert_int_equal(c.nr, 1);
		*out = c.v[0];
	}
	return err;
}

static void test_columns(void **state)
{
	const char *dir = *state;
	char a[64], b[64], line[512];
	struct dp_sock s;

	/* A full IPv6 address and a 64-bit inode; drops printed "%d" by an
	 * older kernel, negative once past 2^31. */
	kaddr_hex("2001:db8::1", AF_INET6, 53, a, sizeof(a));
	kaddr_hex("fe80::1:2:3:4", AF_INET6, 40000, b, sizeof(b));
	snprintf(line, sizeof(line),
		 "  901: %s %s 01 00000010:00000020 00:00000000 00000000  1000        0 18446744073709551615 2 ffff888102a35080 -2\n",
		 a, b);
	assert_int_equal(one(dir, "udp6", UDP6_HDR, line, &s), 0);
	assert_string_equal(s.local, "[2001:db8::1]:53");
	assert_string_equal(s.remote, "[fe80::1:2:3:4]:40000");
	assert_int_equal(s.tx_queue, 16);
	assert_int_equal(s.rx_queue, 32);
	assert_int_equal(s.uid, 1000);
	assert_true(s.inode == UINT64_MAX);
	assert_int_equal(s.drops, 0xfffffffeu);
	assert_string_equal(s.state_name, "ESTAB");

	/* A SYN_RECV entry (get_openreq4): 12 columns, no inode; the uid
	 * is the listener's, 65534 when it does not map. */
	kaddr_hex("10.0.0.1", AF_INET, 443, a, sizeof(a));
	kaddr_hex("192.168.1.20", AF_INET, 51000, b, sizeof(b));
	snprintf(line, sizeof(line),
		 "   0: %s %s 03 00000000:00000000 01:0000005A 00000000 65534        0 0 0 ffff888118c1c440\n",
		 a, b);
	assert_int_equal(one(dir, "tcp", TCP_HDR, line, &s), 0);
	assert_string_equal(s.local, "10.0.0.1:443");
	assert_string_equal(s.remote, "192.168.1.20:51000");
	assert_string_equal(s.state_name, "SYN-RECV");
	assert_true(s.mini);
	assert_int_equal(s.uid, 65534);
	assert_false(s.has_drops);

	/* A 32-bit kernel's pointer; a column a later kernel appends. */
	snprintf(line, sizeof(line),
		 "  7: %s 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 77 2 c1234560 5 999 extra\n",
		 a);
	assert_int_equal(one(dir, "udp", UDP_HDR, line, &s), 0);
	assert_true(s.kaddr == 0xc1234560u);
	assert_int_equal(s.kaddr_kind, DP_KADDR_REAL);
	assert_int_equal(s.drops, 5);
	assert_string_equal(s.remote, "0.0.0.0:*");

	/* Pointer hashing not ready yet (early boot, kptr_restrict=0). */
	snprintf(line, sizeof(line),
		 "  7: %s 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 77 2 (____ptrval____) 0\n",
		 a);
	assert_int_equal(one(dir, "raw", UDP_HDR, line, &s), 0);
	assert_true(s.kaddr == 0);
	assert_int_equal(s.kaddr_kind, DP_KADDR_HASHED);

	/* A full TCP socket in every state ss names. */
	for (unsigned int st = 1; st <= 11; st++) {
		snprintf(line, sizeof(line),
			 "   0: %s %s %02X 00000001:00000002 00:00000000 00000000     0        0 5 1 ffff8881860c4a00 20 4 0 10 -1\n",
			 a, b, st);
		assert_int_equal(one(dir, "tcp", TCP_HDR, line, &s), 0);
		assert_string_equal(s.state_name, dp_sock_state_name(st));
		assert_false(s.mini);
	}

	/* A file with its header only: no socket, no error. */
	put(dir, "tcp", TCP_HDR, strlen(TCP_HDR));
	{
		struct socks c = { 0 };

		assert_int_equal(dp_sockets_read(dir, DP_SOCK_ALL, collect, &c), 0);
		assert_int_equal(c.nr, 0);
	}
	drop(dir, "tcp");
}

static void test_malformed(void **state)
{
	static const struct {
		const char *file, *line;
	} bad[] = {
		/* drops missing */
		{ "udp", "  1: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 9 2 ffff88810f418a80\n" },
		/* tcp cut before the pointer */
		{ "tcp", "  1: 0100007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 9 2\n" },
		/* an IPv6 address in the IPv4 file, and the other way */
		{ "udp", "  1: 00000000000000000000000001000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 9 2 ffff88810f418a80 0\n" },
		{ "udp6", "  1: 0100007F:0035 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 9 2 ffff88810f418a80 0\n" },
		/* not hex, wrong widths */
		{ "udp", "  1: 0100007G:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 9 2 ffff88810f418a80 0\n" },
		{ "udp", "  1: 0100007F:035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 9 2 ffff88810f418a80 0\n" },
		{ "udp", "  1: 0100007F0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 9 2 ffff88810f418a80 0\n" },
		{ "udp", "  1: 0100007F:0035 00000000:0000 007 00000000:00000000 00:00000000 00000000 0 0 9 2 ffff88810f418a80 0\n" },
		{ "udp", "  1: 0100007F:0035 00000000:0000 07 0000000000000000 00:00000000 00000000 0 0 9 2 ffff88810f418a80 0\n" },
		{ "udp", "  1: 0100007F:0035 00000000:0000 07 00000000:00000000 00-00000000 00000000 0 0 9 2 ffff88810f418a80 0\n" },
		/* uid, inode, ref, pointer, drops not what they are */
		{ "udp", "  1: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 root 0 9 2 ffff88810f418a80 0\n" },
		{ "udp", "  1: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 4294967296 0 9 2 ffff88810f418a80 0\n" },
		{ "udp", "  1: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 12a 2 ffff88810f418a80 0\n" },
		{ "udp", "  1: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 -9 2 ffff88810f418a80 0\n" },
		{ "udp", "  1: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 9 x ffff88810f418a80 0\n" },
		{ "udp", "  1: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 9 2 88810f418a80 0\n" },
		{ "udp", "  1: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 9 2 ffff88810f418a8g 0\n" },
		{ "udp", "  1: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 9 2 ffff88810f418a80 many\n" },
		{ "udp", "  1: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 9 2 ffff88810f418a80 -2147483649\n" },
		/* the slot without its colon */
		{ "udp", "  1 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 9 2 ffff88810f418a80 0\n" },
		/* cut mid-line: no newline at the end */
		{ "udp", "  1: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 9 2 ffff88810f418a80 0" },
	};
	const char *dir = *state;
	struct dp_sock s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *hdr = !strcmp(bad[i].file, "udp6") ? UDP6_HDR :
				  !strcmp(bad[i].file, "tcp") ? TCP_HDR : UDP_HDR;

		if (one(dir, bad[i].file, hdr, bad[i].line, &s) != -EINVAL)
			fail_msg("case %zu read as a socket: %s", i, bad[i].line);
	}
}

static void test_malformed_files(void **state)
{
	static const char good[] =
		"  1: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 9 2 ffff88810f418a80 0\n";
	const char *dir = *state;
	struct socks c = { 0 };
	char text[512];
	size_t len;

	/* No header: the first line is a socket. */
	put(dir, "udp", good, strlen(good));
	assert_int_equal(dp_sockets_read(dir, DP_SOCK_ALL, collect, &c), -EINVAL);
	/* Another file's header. */
	snprintf(text, sizeof(text), "Num       RefCount Protocol Flags    Type St Inode Path\n%s", good);
	put(dir, "udp", text, strlen(text));
	assert_int_equal(dp_sockets_read(dir, DP_SOCK_ALL, collect, &c), -EINVAL);
	/* Empty. */
	put(dir, "udp", "", 0);
	assert_int_equal(dp_sockets_read(dir, DP_SOCK_ALL, collect, &c), -EINVAL);
	/* A NUL byte in a line. */
	len = (size_t)snprintf(text, sizeof(text), "%s%s", UDP_HDR, good);
	text[strlen(UDP_HDR) + 3] = '\0';
	put(dir, "udp", text, len);
	assert_int_equal(dp_sockets_read(dir, DP_SOCK_ALL, collect, &c), -EINVAL);
	/* A good udp and a bad tcp: the error, after udp was read. */
	snprintf(text, sizeof(text), "%s%s", UDP_HDR, good);
	put(dir, "udp", text, strlen(text));
	put(dir, "tcp", "garbage\n", 8);
	memset(&c, 0, sizeof(c));
	assert_int_equal(dp_sockets_read(dir, DP_SOCK_ALL, collect, &c), -EINVAL);
	drop(dir, "tcp");
	/* Then udp alone is fine, and the other files are just missing. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(dp_sockets_read(dir, DP_SOCK_ALL, collect, &c), 0);
	assert_int_equal(c.nr, 1);
	assert_string_equal(c.v[0].local, "127.0.0.1:53");
	drop(dir, "udp");
	/* None of the files. */
	assert_int_equal(dp_sockets_read(dir, DP_SOCK_ALL, collect, &c), -ENOENT);
	assert_int_equal(dp_sockets_read("/nonexistent/net", DP_SOCK_ALL, collect, &c),
			 -ENOENT);
	/* A directory where the file should be. */
	snprintf(text, sizeof(text), "%s/udp", dir);
	assert_int_equal(mkdir(text, 0755), 0);
	assert_true(dp_sockets_read(dir, DP_SOCK_ALL, collect, &c) < 0);
	rmdir(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_same_as_ss),
		cmocka_unit_test(test_hidden_and_hashed),
		cmocka_unit_test(test_protos_mask),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_columns, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_malformed, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_files, dir_setup, dir_teardown),
	};

	return cmocka_run_group_tests_name("sockets", tests, NULL, NULL);
}
