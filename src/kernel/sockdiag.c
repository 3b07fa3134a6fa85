/* sockdiag — sockets through NETLINK_SOCK_DIAG (see sockdiag.h): one dump
 * request per address family and protocol, each reply message handed to
 * the query that asked.  The netlink socket belongs to the namespace of
 * the thread that makes it, so a caller that entered a namespace sees
 * that namespace's sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dropprof/kernel/sockdiag.h"
#include "dropprof/kernel/sockets.h"

/* The kernel's enum of TCP states (include/net/tcp_states.h). */
#define TCP_TIME_WAIT_STATE    6
#define TCP_LISTEN_STATE       10
#define TCP_NEW_SYN_RECV_STATE 12

#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif

/* Called for each socket of a dump, m followed by len bytes of
 * attributes: 0 goes on, > 0 ends the dump early (the netlink socket must
 * then be closed, not asked again), < 0 is an error. */
typedef int (*msg_fn)(const struct inet_diag_msg *m, const void *attrs,
		      size_t len, void *arg);

/* One dump request and its replies: 0 at the end of the dump, or what fn
 * returned, or -errno.  When the kernel has no diag module for the
 * protocol (ENOENT) or no such family (EAFNOSUPPORT), it is 0 with
 * *absent set. */
static int dump(int fd, uint8_t family, uint8_t protocol, uint32_t states,
		uint8_t ext, msg_fn fn, void *arg, bool *absent)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = {
			.nlmsg_len = sizeof(msg),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = (uint32_t)family << 8 | protocol,
		},
		.req = {
			.sdiag_family = family,
			.sdiag_protocol = protocol,
			.idiag_ext = ext,
			.idiag_states = states,
		},
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));

	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			const struct inet_diag_msg *m;
			int err;

			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				int error = 0;

				/* A request the kernel refused at once is an
				 * NLMSG_ERROR; a dump that failed once started
				 * (no diag module for the protocol: raw_diag
				 * is often left out) ends in an NLMSG_DONE
				 * carrying the error. */
				if (h->nlmsg_type == NLMSG_ERROR) {
					const struct nlmsgerr *e = NLMSG_DATA(h);

					if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
						return -EIO;
					error = e->error;
				} else if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(error))) {
					memcpy(&error, NLMSG_DATA(h), sizeof(error));
				}
				if (error == -ENOENT || error == -EAFNOSUPPORT) {
					*absent = true;
					return 0;
				}
				return error < 0 ? error : 0;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
				continue;
			m = NLMSG_DATA(h);
			err = fn(m, (const char *)m + NLMSG_ALIGN(sizeof(*m)),
				 h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)), arg);
			if (err)
				return err;
		}
	}
}

static int open_diag(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	return fd < 0 ? -errno : fd;
}

/* ---- listeners -------------------------------------------------------- */

static void format_addr(const struct inet_diag_msg *m, char *out, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(m->idiag_family, m->id.idiag_src, ip, sizeof(ip));
	if (m->idiag_family == AF_INET6)
		snprintf(out, size, "[%s]:%u", ip, ntohs(m->id.idiag_sport));
	else
		snprintf(out, size, "%s:%u", ip, ntohs(m->id.idiag_sport));
}

struct listeners {
	int (*fn)(const struct dp_listener *l, void *arg);
	void *arg;
};

static int on_listener(const struct inet_diag_msg *m, const void *attrs,
		       size_t len, void *arg)
{
	const struct listeners *ls = arg;
	struct dp_listener l;

	(void)attrs;
	(void)len;
	memset(&l, 0, sizeof(l));
	format_addr(m, l.addr, sizeof(l.addr));
	/* For a listener the kernel reports the accept queue: its length
	 * as rqueue, its limit as wqueue. */
	l.queue = m->idiag_rqueue;
	l.backlog = m->idiag_wqueue;
	return ls->fn(&l, ls->arg);
}

int dp_sockdiag_listeners(int (*fn)(const struct dp_listener *l, void *arg),
			  void *arg)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	struct listeners ls = { fn, arg };
	int fd = open_diag(), err = 0;
	bool absent;

	if (fd < 0)
		return fd;
	/* No IPv6 in this kernel is no IPv6 listener: absent is no error. */
	for (size_t i = 0; !err && i < sizeof(families); i++)
		err = dump(fd, families[i], IPPROTO_TCP, 1u << TCP_LISTEN_STATE,
			   0, on_listener, &ls, &absent);
	close(fd);
	return err;
}

/* ---- memory by inode -------------------------------------------------- */

/* TIME_WAIT and SYN_RECV entries have no inode and no memory to give. */
#define TCP_FULL_STATES \
	(~0u & ~(1u << TCP_TIME_WAIT_STATE | 1u << TCP_NEW_SYN_RECV_STATE))

static const struct {
	uint8_t family, protocol;
	uint32_t states;
	enum dp_sock_proto proto;
} mem_dumps[] = {
	{ AF_INET, IPPROTO_TCP, TCP_FULL_STATES, DP_SOCK_TCP },
	{ AF_INET6, IPPROTO_TCP, TCP_FULL_STATES, DP_SOCK_TCP6 },
	{ AF_INET, IPPROTO_UDP, ~0u, DP_SOCK_UDP },
	{ AF_INET6, IPPROTO_UDP, ~0u, DP_SOCK_UDP6 },
	{ AF_INET, IPPROTO_UDPLITE, ~0u, DP_SOCK_UDPLITE },
	{ AF_INET6, IPPROTO_UDPLITE, ~0u, DP_SOCK_UDPLITE6 },
	/* raw_diag answers for every raw socket under IPPROTO_RAW. */
	{ AF_INET, IPPROTO_RAW, ~0u, DP_SOCK_RAW },
	{ AF_INET6, IPPROTO_RAW, ~0u, DP_SOCK_RAW6 },
};

struct mem_query {
	struct dp_sock_mem **by_inode;  /* sorted */
	size_t nr;
	size_t left;                    /* not found yet */
};

static int cmp_mem(const void *a, const void *b)
{
	const struct dp_sock_mem *x = *(struct dp_sock_mem *const *)a;
	const struct dp_sock_mem *y = *(struct dp_sock_mem *const *)b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static int on_mem(const struct inet_diag_msg *m, const void *attrs,
		  size_t len, void *arg)
{
	struct mem_query *q = arg;
	struct dp_sock_mem key = { .inode = m->idiag_inode }, *kp = &key;
	struct dp_sock_mem **hit;
	const struct rtattr *a = attrs;
	unsigned int rem = (unsigned int)len;

	if (!m->idiag_inode)
		return 0;
	hit = bsearch(&kp, q->by_inode, q->nr, sizeof(*q->by_inode), cmp_mem);
	if (!hit || (*hit)->found)
		return 0;
	for (; RTA_OK(a, rem); a = RTA_NEXT(a, rem)) {
		uint32_t mem[SK_MEMINFO_VARS] = { 0 };
		size_t n = RTA_PAYLOAD(a) / sizeof(uint32_t);

		if (a->rta_type != INET_DIAG_SKMEMINFO || n <= SK_MEMINFO_RCVBUF)
			continue;
		memcpy(mem, RTA_DATA(a),
		       (n < SK_MEMINFO_VARS ? n : SK_MEMINFO_VARS) * sizeof(*mem));
		(*hit)->found = true;
		(*hit)->rmem_alloc = mem[SK_MEMINFO_RMEM_ALLOC];
		(*hit)->rcvbuf = mem[SK_MEMINFO_RCVBUF];
		(*hit)->has_drops = n > SK_MEMINFO_DROPS;
		(*hit)->drops = mem[SK_MEMINFO_DROPS];
		q->left--;
		return q->left ? 0 : 1;
	}
	return 0;
}

int dp_sockdiag_meminfo(struct dp_sock_mem *v, size_t nr,
			unsigned int *unavailable)
{
	struct mem_query q = { 0 };
	unsigned int missing = 0;
	int fd, err = 0;

	for (size_t i = 0; i < nr; i++)
		v[i].found = false;
	if (unavailable)
		*unavailable = 0;
	q.by_inode = calloc(nr ? nr : 1, sizeof(*q.by_inode));
	if (!q.by_inode)
		return -ENOMEM;
	/* Only inodes sock_diag can report are looked for. */
	for (size_t i = 0; i < nr; i++)
		if (v[i].inode && v[i].inode <= UINT32_MAX)
			q.by_inode[q.nr++] = &v[i];
	qsort(q.by_inode, q.nr, sizeof(*q.by_inode), cmp_mem);
	for (size_t i = 1; i < q.nr; i++) {
		if (q.by_inode[i - 1]->inode == q.by_inode[i]->inode) {
			err = -EINVAL;
			goto out_free;
		}
	}
	q.left = q.nr;
	if (!q.left)
		goto out_free;
	fd = open_diag();
	if (fd < 0) {
		err = fd;
		goto out_free;
	}
	for (size_t i = 0; i < sizeof(mem_dumps) / sizeof(mem_dumps[0]); i++) {
		bool absent = false;

		err = dump(fd, mem_dumps[i].family, mem_dumps[i].protocol,
			   mem_dumps[i].states,
			   1u << (INET_DIAG_SKMEMINFO - 1), on_mem, &q, &absent);
		if (absent)
			missing |= DP_SOCK_BIT(mem_dumps[i].proto);
		if (err)
			break;
	}
	/* > 0: every inode was found before the dumps ended. */
	if (err > 0)
		err = 0;
	close(fd);
out_free:
	free(q.by_inode);
	if (unavailable && !err)
		*unavailable = missing;
	return err;
}
