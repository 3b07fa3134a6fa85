/* test_sockets_live — the socket pieces together on the real kernel, as
 * dropprof will use them (root; skipped otherwise): a UDP socket in a
 * network namespace of its own, with the smallest receive buffer, flooded
 * from 127.0.0.1 until it drops; then, on a helper thread that setns()ed
 * into that namespace, the socket found by its inode (fstat) in
 * /proc/thread-self/net/udp (sockets.c) with its address as kptr_restrict
 * allows and its drops, and its buffer from sock_diag (sockdiag.c): the
 * limit getsockopt(SO_RCVBUF) gives and what is queued; and from the main
 * thread, in its own namespace, the owner from /proc (sockowner.c): this
 * process, whatever namespace its threads are in.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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
#include "dropprof/kernel/sockowner.h"
#include "testutil.h"

#define LIVE_PORT 5353
#define LIVE_SENDS 64

struct live {
	/* made by the thread that unshared */
	int rx, tx, nsfd;
	uint64_t inode;
	int rcvbuf;
	int setup_err;               /* -errno; -EPERM: skip */
	/* read by the thread that entered */
	struct dp_sock sock;
	bool found;
	struct dp_sock_mem mem;
	unsigned int mem_unavailable;
	int read_err, mem_err;
};

static int find_inode(const struct dp_sock *s, void *arg)
{
	struct live *l = arg;

	if (s->inode != l->inode)
		return 0;
	l->sock = *s;
	l->found = true;
	return 1;
}

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		err = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* In a namespace of its own (this thread only): lo up, a receiver with
 * the smallest receive buffer on 127.0.0.1:LIVE_PORT, a sender flooding
 * it.  The sockets and the namespace's fd outlive the thread. */
static void *live_setup(void *arg)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(LIVE_PORT) };
	struct live *l = arg;
	char payload[1000] = { 0 };
	socklen_t len = sizeof(l->rcvbuf);
	int small = 1;
	struct stat st;

	if (unshare(CLONE_NEWNET)) {
		l->setup_err = -errno;
		return NULL;
	}
	l->nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (l->nsfd < 0 || (l->setup_err = lo_up()))
		goto out_err;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l->rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	l->tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (l->rx < 0 || l->tx < 0 ||
	    setsockopt(l->rx, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) ||
	    bind(l->rx, (struct sockaddr *)&to, sizeof(to)) ||
	    getsockopt(l->rx, SOL_SOCKET, SO_RCVBUF, &l->rcvbuf, &len) ||
	    fstat(l->rx, &st))
		goto out_err;
	l->inode = st.st_ino;
	/* Loopback delivers in the sender's softirq: a full buffer drops
	 * before sendto() returns, or soon after. */
	for (int i = 0; i < LIVE_SENDS; i++)
		if (sendto(l->tx, payload, sizeof(payload), 0,
			   (struct sockaddr *)&to, sizeof(to)) < 0 && errno != EAGAIN)
			goto out_err;
	return NULL;

out_err:
	if (!l->setup_err)
		l->setup_err = -errno;
	return NULL;
}

/* What dropprof does: a helper thread enters the namespace and reads it
 * through /proc/thread-self/net and a netlink socket of its own. */
static void *live_read(void *arg)
{
	struct live *l = arg;

	if (setns(l->nsfd, CLONE_NEWNET)) {
		l->read_err = -errno;
		return NULL;
	}
	for (int tries = 0; tries < 100; tries++) {
		l->found = false;
		l->read_err = dp_sockets_read("/proc/thread-self/net",
					      DP_SOCK_BIT(DP_SOCK_UDP), find_inode, l);
		if (l->read_err == 1)
			l->read_err = 0;
		/* Drops land in softirq context; wait for them, not for a
		 * time. */
		if (l->read_err || (l->found && l->sock.drops > 0))
			break;
		usleep(10000);
	}
	l->mem.inode = l->inode;
	l->mem_err = dp_sockdiag_meminfo(&l->mem, 1, &l->mem_unavailable);
	return NULL;
}

static void read_file_int(const char *path, int *v)
{
	FILE *f = fopen(path, "r");

	*v = -1;
	if (f) {
		if (fscanf(f, "%d", v) != 1)
			*v = -1;
		fclose(f);
	}
}

static bool cmdline_has(const char *word)
{
	char *text = dp_test_slurp("/proc/cmdline", NULL);
	bool yes = text && strstr(text, word);

	free(text);
	return yes;
}

static void test_live_udp_overflow(void **state)
{
	struct live l = { .rx = -1, .tx = -1, .nsfd = -1 };
	struct dp_sockowner own = { 0 };
	struct dp_sockowner_stats st;
	char comm[16] = "";
	pthread_t t;
	int kptr;
	FILE *f;

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: a namespace of its own needs root\n");
		skip();
	}
	assert_int_equal(pthread_create(&t, NULL, live_setup, &l), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	if (l.setup_err == -EPERM) {
		print_message("skipped: unshare(CLONE_NEWNET) refused\n");
		skip();
	}
	assert_int_equal(l.setup_err, 0);
	assert_int_equal(pthread_create(&t, NULL, live_read, &l), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	own.inode = l.inode;
	assert_int_equal(dp_sockowner_find("/proc", &own, 1, 1, &st), 0);
	close(l.rx);
	close(l.tx);
	close(l.nsfd);

	/* /proc/net/udp of that namespace. */
	assert_int_equal(l.read_err, 0);
	assert_true(l.found);
	assert_string_equal(l.sock.local, "127.0.0.1:5353");
	assert_string_equal(l.sock.remote, "0.0.0.0:*");
	assert_string_equal(l.sock.state_name, "UNCONN");
	assert_true(l.sock.has_drops);
	assert_true(l.sock.drops > 0);
	assert_true(l.sock.drops < LIVE_SENDS);
	assert_true(l.sock.rx_queue > 0);
	read_file_int("/proc/sys/kernel/kptr_restrict", &kptr);
	print_message("note: kptr_restrict=%d: address %#llx, drops %u, rcvbuf %d\n",
		      kptr, (unsigned long long)l.sock.kaddr, l.sock.drops, l.rcvbuf);
	if (kptr == 1 || (kptr == 0 && cmdline_has("no_hash_pointers"))) {
		assert_int_equal(l.sock.kaddr_kind, DP_KADDR_REAL);
	} else if (kptr == 0) {
		assert_int_equal(l.sock.kaddr_kind, DP_KADDR_HASHED);
		assert_true(l.sock.kaddr != 0);
	} else {
		assert_int_equal(l.sock.kaddr_kind, DP_KADDR_HIDDEN);
		assert_true(l.sock.kaddr == 0);
	}

	/* sock_diag of that namespace: the buffer /proc/net does not show. */
	assert_int_equal(l.mem_err, 0);
	assert_true(l.mem.found);
	assert_int_equal(l.mem.rcvbuf, (uint32_t)l.rcvbuf);
	/* /proc's rx_queue is rmem_alloc less the forward deficit. */
	assert_true(l.mem.rmem_alloc > 0);
	assert_true(l.mem.rmem_alloc >= l.sock.rx_queue);
	assert_true(l.mem.has_drops);
	assert_int_equal(l.mem.drops, l.sock.drops);
	assert_false(l.mem_unavailable & DP_SOCK_BIT(DP_SOCK_UDP));

	/* Its owner: this process, whichever namespace its threads are in. */
	f = fopen("/proc/self/comm", "r");
	assert_non_null(f);
	assert_non_null(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	assert_int_equal(own.nr, 1);
	assert_int_equal(own.v[0].pid, getpid());
	assert_string_equal(own.v[0].comm, comm);
	assert_true(st.processes >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_udp_overflow),
	};

	return cmocka_run_group_tests_name("sockets_live", tests, NULL, NULL);
}
