/* qdisc — the queueing disciplines of the calling thread's network
 * namespace and their statistics, from rtnetlink (RTM_GETQDISC dump,
 * what `tc -s qdisc show` reads), through libmnl.
 *
 * The interface names come from an RTM_GETLINK dump over the same
 * socket, so they are the names in that namespace (if_indextoname() may
 * ask another one).  As for `tc qdisc show` without "invisible", the
 * kernel leaves out the qdiscs it made itself inside another (the bfifo
 * under a tbf).  Handles
 * are not unique on one device: the children of mq all have handle 0,
 * told apart by their parent.
 */
#ifndef DROPPROF_KERNEL_QDISC_H
#define DROPPROF_KERNEL_QDISC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_qdisc {
	char dev[16];               /* interface name (IFNAMSIZ); "" when the
	                             * interface came between the two dumps */
	int ifindex;
	char kind[16];              /* "tbf", "fq_codel", "pfifo_fast", ... */
	uint32_t handle;            /* TC handle: major << 16 | minor */
	uint32_t parent;            /* TC_H_ROOT (0xffffffff) for the root,
	                             * TC_H_INGRESS for ingress and clsact */
	bool has_limit;             /* the kind has a limit and it was read:
	                             * tbf, bfifo ('b'); pfifo, pfifo_head_drop,
	                             * fq_codel, fq, codel, sfq, netem ('p') */
	uint64_t limit;             /* in limit_unit */
	char limit_unit;            /* 'b' bytes, 'p' packets, 0 without limit */
	uint64_t bytes, packets;    /* sent */
	uint64_t drops, overlimits, requeues;   /* requeues 0 on a kernel
	                                         * without TCA_STATS2 */
	uint32_t qlen, backlog;     /* now: packets, bytes queued */
};

/* Call fn for each qdisc of the calling thread's namespace (in the
 * kernel's dump order); a non-zero return stops and is returned.  fn is
 * called once the whole dump has been read, on a struct it borrows for
 * the call.  A message that cannot be parsed is left out, with one
 * dp_warn() per listing that says how many.  0, or -errno: from netlink
 * or the kernel's dump (-EMSGSIZE, -EPERM, ...), -EPROTO when the
 * replies are not a well-formed dump, -EAGAIN when the kernel said each
 * of 3 dumps was interrupted (interfaces kept changing), -ENOMEM. */
int dp_qdisc_list(int (*fn)(const struct dp_qdisc *q, void *arg), void *arg);

/* A size that holds every handle string ("ffff:ffff" and the NUL). */
#define DP_QDISC_HANDLE_SIZE 16

/* As tc prints a handle, into buf (cut to size), which is returned:
 * "root" (TC_H_ROOT), "ingress" (TC_H_INGRESS, the parent of ingress
 * and clsact), "8001:" (minor 0, so "0:" for 0), ":1" (major 0), "1:2";
 * majors and minors in hex. */
const char *dp_qdisc_handle_str(uint32_t handle, char *buf, size_t size);

#endif
