/* sockdiag — listening TCP sockets through NETLINK_SOCK_DIAG (see
 * sockdiag.h).  One dump request per address family; the netlink socket
 * belongs to the namespace of the thread that makes it, so a caller that
 * entered a namespace sees that namespace's sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dropprof/kernel/sockdiag.h"

#define TCP_LISTEN_STATE 10       /* TCP_LISTEN in the kernel's enum */

static void format_addr(const struct inet_diag_msg *m, char *out, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	inet_ntop(m->idiag_family, m->id.idiag_src, ip, sizeof(ip));
	if (m->idiag_family == AF_INET6)
		snprintf(out, size, "[%s]:%u", ip, ntohs(m->id.idiag_sport));
	else
		snprintf(out, size, "%s:%u", ip, ntohs(m->id.idiag_sport));
}

static int dump_family(int fd, int family,
		       int (*fn)(const struct dp_listener *l, void *arg), void *arg)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = {
			.nlmsg_len = sizeof(msg),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = (uint32_t)family,
		},
		.req = {
			.sdiag_family = (uint8_t)family,
			.sdiag_protocol = IPPROTO_TCP,
			.idiag_states = 1u << TCP_LISTEN_STATE,
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
			struct dp_listener l;
			int err;

			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EIO;
				/* No IPv6 in this kernel is no IPv6 listener. */
				return e->error == -EAFNOSUPPORT || e->error == -ENOENT ?
				       0 : e->error;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
				continue;
			m = NLMSG_DATA(h);
			memset(&l, 0, sizeof(l));
			format_addr(m, l.addr, sizeof(l.addr));
			/* For a listener the kernel reports the accept queue:
			 * its length as rqueue, its limit as wqueue. */
			l.queue = m->idiag_rqueue;
			l.backlog = m->idiag_wqueue;
			err = fn(&l, arg);
			if (err)
				return err;
		}
	}
}

int dp_sockdiag_listeners(int (*fn)(const struct dp_listener *l, void *arg),
			  void *arg)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	int err;

	if (fd < 0)
		return -errno;
	err = dump_family(fd, AF_INET, fn, arg);
	if (!err)
		err = dump_family(fd, AF_INET6, fn, arg);
	close(fd);
	return err;
}
