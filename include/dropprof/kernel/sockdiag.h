/* sockdiag — the listening TCP sockets of the calling thread's network
 * namespace, from the kernel's sock_diag netlink interface (what `ss -lt`
 * reads): local address and port, the accept queue's limit (the backlog
 * listen() asked for, capped by net.core.somaxconn) and its length now.
 */
#ifndef DROPPROF_KERNEL_SOCKDIAG_H
#define DROPPROF_KERNEL_SOCKDIAG_H

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

#endif
