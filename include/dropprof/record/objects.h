/* objects — the qdiscs and netfilter rules of one network namespace at
 * the start of a recording, and what moved by its end (profile/objects.h
 * rows).  Called on the namespace helper thread, inside the namespace
 * (record/context.c).
 */
#ifndef DROPPROF_RECORD_OBJECTS_H
#define DROPPROF_RECORD_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dropprof/profile/objects.h"

#include "dropprof/kernel/sockdiag.h"
#include "dropprof/kernel/sockets.h"

struct dp_qdisc;
struct saved_rule;

/* A socket of the namespace whose kernel address is one a drop carried. */
struct dp_sock_match {
	uint64_t rx_sk;             /* in memory only, never saved */
	struct dp_sock sock;        /* its static names stay valid */
	struct dp_sock_mem mem;
};

/* Candidates (rules without a counter) kept per namespace at most. */
#define DP_OBJECTS_MAX_CANDIDATES 16

/* What a namespace had at the start. */
struct dp_ns_objects {
	struct dp_qdisc *qdiscs;
	size_t nr_qdiscs;
	struct saved_rule *rules;
	size_t nr_rules;
};

/* What moved in a namespace over the window (rows' scope left 0). */
struct dp_ns_moved {
	struct dp_qdisc_row *qdiscs;
	size_t nr_qdiscs;
	struct dp_rule_row *rules;
	size_t nr_rules;
	struct dp_sock_match *socks;   /* sockets drops carried */
	size_t nr_socks;
	unsigned int addr_kinds;    /* 1 << DP_KADDR_*: the kinds of socket
				       address /proc/net showed */
	char *notes;                /* malloc()ed lines, NULL: none */
};

/* Read the calling thread's namespace into o (zeroed).  Nothing read is
 * an empty o, never an error: 0 or -ENOMEM. */
int dp_objects_start(struct dp_ns_objects *o);

/* Read it again and put into m (zeroed) what moved since start (NULL: a
 * namespace not seen at the start, so its totals), and the sockets whose
 * kernel address is one of the nr_addrs sorted addrs (the rx_sk values
 * drops carried; none: sockets are not read).  0 or -ENOMEM. */
int dp_objects_end(const struct dp_ns_objects *start, const uint64_t *addrs,
		   size_t nr_addrs, struct dp_ns_moved *m);

void dp_ns_objects_release(struct dp_ns_objects *o);
void dp_ns_moved_release(struct dp_ns_moved *m);

#endif
