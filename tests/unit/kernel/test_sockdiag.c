/* test_sockdiag — sock_diag queries on the running kernel (src/kernel/
 * sockdiag.c), with sockets this test makes in the namespace it runs in
 * (the namespace case is test_sockets' live test): the
 * memory of sockets by inode (each protocol, receive buffers set with
 * SO_RCVBUF, data left unread, inodes that are not there) and the
 * listening TCP sockets with their backlog.  No privilege is needed, but
 * a raw socket is only made as root, and the kernel may lack a diag
 * module (then the protocol is reported unavailable, and the test says
 * so).
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

#include "dropprof/kernel/sockdiag.h"
#include "dropprof/kernel/sockets.h"

static uint64_t inode_of(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static uint32_t rcvbuf_of(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	return (uint32_t)v;
}

/* A TCP listener on 127.0.0.1 (port chosen by the kernel). */
static int listener(int backlog, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
	assert_int_equal(listen(fd, backlog), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)addr, &len), 0);
	return fd;
}

enum { L_TCP, L_CONN, L_ACCEPTED, L_UDP, L_UDP6, L_RAW, L_BOGUS, L_ZERO,
       L_BIG, L_NR };

static void test_meminfo(void **state)
{
	struct sockaddr_in addr;
	struct dp_sock_mem v[L_NR];
	int fd[L_NR], small = 4096;
	unsigned int unavailable = ~0u;
	char data[700] = { 0 };

	(void)state;
	for (int i = 0; i < L_NR; i++)
		fd[i] = -1;
	memset(v, 0, sizeof(v));
	fd[L_TCP] = listener(4, &addr);
	fd[L_CONN] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(fd[L_CONN], (struct sockaddr *)&addr, sizeof(addr)), 0);
	fd[L_ACCEPTED] = accept(fd[L_TCP], NULL, NULL);
	assert_true(fd[L_ACCEPTED] >= 0);
	assert_int_equal(send(fd[L_CONN], data, sizeof(data), 0), (ssize_t)sizeof(data));
	/* Bound: an unbound UDP socket is in no table, neither /proc/net's
	 * nor sock_diag's (nor can anything reach it to be dropped). */
	fd[L_UDP] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(setsockopt(fd[L_UDP], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	addr.sin_port = 0;
	assert_int_equal(bind(fd[L_UDP], (struct sockaddr *)&addr, sizeof(addr)), 0);
	fd[L_UDP6] = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd[L_UDP6] >= 0) {
		struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
					   .sin6_addr = IN6ADDR_LOOPBACK_INIT };

		if (bind(fd[L_UDP6], (struct sockaddr *)&a6, sizeof(a6))) {
			close(fd[L_UDP6]);
			fd[L_UDP6] = -1;
		}
	}
	fd[L_RAW] = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	for (int i = 0; i <= L_RAW; i++)
		if (fd[i] >= 0)
			v[i].inode = inode_of(fd[i]);
	v[L_BOGUS].inode = 1;                  /* no socket has it */
	v[L_ZERO].inode = 0;
	v[L_BIG].inode = (uint64_t)1 << 40;
	/* The data sent lands in the accepted socket's queue. */
	for (int tries = 0; tries < 100; tries++) {
		assert_int_equal(dp_sockdiag_meminfo(v, L_NR, &unavailable), 0);
		if (v[L_ACCEPTED].found && v[L_ACCEPTED].rmem_alloc > 0)
			break;
		usleep(10000);
	}

	assert_false(unavailable & (DP_SOCK_BIT(DP_SOCK_TCP) | DP_SOCK_BIT(DP_SOCK_UDP)));
	for (int i = 0; i <= L_UDP; i++) {
		assert_true(v[i].found);
		assert_int_equal(v[i].rcvbuf, rcvbuf_of(fd[i]));
		assert_true(v[i].has_drops);
		assert_int_equal(v[i].drops, 0);
	}
	/* setsockopt doubles what it is given (for the kernel's overhead). */
	assert_int_equal(v[L_UDP].rcvbuf, 2 * (uint32_t)small);
	assert_int_equal(v[L_UDP].rmem_alloc, 0);
	assert_true(v[L_ACCEPTED].rmem_alloc >= sizeof(data));
	if (fd[L_UDP6] >= 0) {
		assert_true(v[L_UDP6].found);
		assert_int_equal(v[L_UDP6].rcvbuf, rcvbuf_of(fd[L_UDP6]));
	} else {
		print_message("note: no IPv6 socket here (%s)\n", strerror(errno));
	}
	if (fd[L_RAW] < 0) {
		print_message("note: no raw socket (not root)\n");
	} else if (unavailable & DP_SOCK_BIT(DP_SOCK_RAW)) {
		/* The kernel's answer, not ours: said so, and not found. */
		print_message("note: this kernel has no raw_diag: raw sockets' buffers are unknown\n");
		assert_false(v[L_RAW].found);
	} else {
		assert_true(v[L_RAW].found);
		assert_int_equal(v[L_RAW].rcvbuf, rcvbuf_of(fd[L_RAW]));
	}
	assert_false(v[L_BOGUS].found);
	assert_false(v[L_ZERO].found);
	assert_false(v[L_BIG].found);
	for (int i = 0; i < L_NR; i++)
		if (fd[i] >= 0)
			close(fd[i]);

	/* Closed: not found any more. */
	assert_int_equal(dp_sockdiag_meminfo(v, L_NR, NULL), 0);
	for (int i = 0; i < L_NR; i++)
		assert_false(v[i].found);
}

static void test_meminfo_arguments(void **state)
{
	struct dp_sock_mem v[2] = { { .inode = 7 }, { .inode = 7 } };
	unsigned int unavailable = 5;

	(void)state;
	assert_int_equal(dp_sockdiag_meminfo(v, 2, &unavailable), -EINVAL);
	/* Nothing to look for: no question asked. */
	assert_int_equal(dp_sockdiag_meminfo(v, 0, &unavailable), 0);
	assert_int_equal(unavailable, 0);
	v[0].inode = v[1].inode = 0;
	v[0].found = true;
	assert_int_equal(dp_sockdiag_meminfo(v, 2, NULL), 0);
	assert_false(v[0].found);
}

struct want {
	char addr[64];
	int seen;
	uint32_t backlog;
};

static int find_listener(const struct dp_listener *l, void *arg)
{
	struct want *w = arg;

	if (!strcmp(l->addr, w->addr)) {
		w->seen++;
		w->backlog = l->backlog;
	}
	return 0;
}

static int stop_at_first(const struct dp_listener *l, void *arg)
{
	(void)l;
	++*(int *)arg;
	return 77;
}

static void test_listeners(void **state)
{
	struct sockaddr_in addr;
	struct want w = { .seen = 0 };
	int fd, calls = 0;

	(void)state;
	fd = listener(3, &addr);
	snprintf(w.addr, sizeof(w.addr), "127.0.0.1:%u", ntohs(addr.sin_port));
	assert_int_equal(dp_sockdiag_listeners(find_listener, &w), 0);
	assert_int_equal(dp_sockdiag_listeners(stop_at_first, &calls), 77);
	close(fd);
	assert_int_equal(w.seen, 1);
	assert_int_equal(w.backlog, 3);
	assert_int_equal(calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_meminfo_arguments),
		cmocka_unit_test(test_listeners),
	};

	return cmocka_run_group_tests_name("sockdiag", tests, NULL, NULL);
}
