/* sockdiag — the calling thread's network namespace's sockets through the
 * kernel's sock_diag netlink interface (what `ss` reads):
 *   - the listening TCP sockets: local address and port, the accept
 *     queue's limit (the backlog listen() asked for, capped by
 *     net.core.somaxconn) and its length now;
 *   - the memory of sockets known by inode (INET_DIAG_SKMEMINFO): the
 *     receive buffer's limit (sk_rcvbuf, which no /proc/net file shows)
 *     and what is in it, for the sockets /proc/net listed (sockets.h).
 * The netlink socket belongs to the namespace of the thread that makes
 * it, so a caller that entered a namespace sees that namespace's sockets.
 * No privilege is needed.
 */
#ifndef DROPPROF_KERNEL_SOCKDIAG_H
#define DROPPROF_KERNEL_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_listener {
	char addr[64];              /* "10.1.0.2:8080", "[::]:22" */
	uint32_t backlog;           /* the accept queue's limit */
	uint32_t queue;             /* connections waiting to be accepted */
};

/* Call fn for each listening TCP socket (IPv4, then IPv6) of the calling
 * thread's namespace; a non-zero return stops and is returned.  0, or
 * -errno from the netlink socket (-EPROTONOSUPPORT without sock_diag). */
int dp_sockdiag_listeners(int (*fn)(const struct dp_listener *l, void *arg),
			  void *arg);

/* One socket's memory, SK_MEMINFO_* of include/uapi/linux/sock_diag.h. */
struct dp_sock_mem {
	uint64_t inode;             /* in: the socket's inode */
	bool found;                 /* out: the rest is valid */
	uint32_t rcvbuf;            /* sk_rcvbuf: the receive buffer's limit,
	                               what getsockopt(SO_RCVBUF) returns
	                               (twice what setsockopt asked, within
	                               net.core.rmem_max) */
	uint32_t rmem_alloc;        /* bytes charged to it now (the truesize
	                               of the queued skbs, not payload) */
	bool has_drops;             /* SK_MEMINFO_DROPS, Linux 4.7 and later */
	uint32_t drops;             /* sk_drops */
};

/* Fill v[0..nr) by inode from a dump of every TCP, UDP, UDP-Lite and raw
 * socket (IPv4 and IPv6) of the calling thread's namespace; stops as soon
 * as every inode is found.  An inode of another namespace, of a socket
 * that closed, of 0 (no file) or above 2^32 (sock_diag's inode is 32
 * bits) is left not found.  *unavailable (when not NULL) gets the
 * DP_SOCK_BIT()s (sockets.h) of the protocols the kernel would not dump
 * (no udp_diag or raw_diag module; no IPv6), among those asked before
 * every inode was found: their sockets cannot be found.
 * 0, -EINVAL for an inode listed twice, or -errno from the netlink socket
 * (-EPROTONOSUPPORT without sock_diag). */
int dp_sockdiag_meminfo(struct dp_sock_mem *v, size_t nr,
			unsigned int *unavailable);

#endif
