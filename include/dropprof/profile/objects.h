/* objects — the kernel objects a recording's drops point at, read in each
 * network namespace at its start and end: qdiscs whose drops or
 * overlimits moved, and netfilter rules that drop or reject (with their
 * counters' movement, or as candidates when they have no counter).  Rows
 * belong to a scope of the profile (profile/scope.h) by index.
 */
#ifndef DROPPROF_PROFILE_OBJECTS_H
#define DROPPROF_PROFILE_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_qdisc_row {
	uint32_t scope;             /* index into the profile's scopes */
	char *dev;                  /* owned */
	char *kind;                 /* owned: "tbf" */
	uint32_t handle, parent;
	bool has_limit;
	uint64_t limit;
	char limit_unit;            /* 'b' bytes, 'p' packets, 0 none */
	int64_t drops, overlimits, requeues;   /* over the window */
	int64_t packets;            /* sent over the window */
	uint32_t qlen;              /* queued at the end */
	bool appeared;              /* not there at the start: its totals */
};

#define DP_RULE_NFTABLES 0
#define DP_RULE_LEGACY 1
#define DP_RULE_DROP 0
#define DP_RULE_REJECT 1

struct dp_rule_row {
	uint32_t scope;
	uint8_t source;             /* DP_RULE_NFTABLES or _LEGACY */
	uint8_t verdict;            /* DP_RULE_DROP or _REJECT */
	bool has_counter;           /* else a candidate: cannot be attributed */
	char *family, *table, *chain, *hook, *text;   /* owned; hook "" for a
						   regular chain */
	uint64_t handle;            /* 0: the chain's policy */
	int64_t packets, bytes;     /* over the window (0 without counter) */
	bool appeared;              /* added during the window: its totals */
};

/* How /proc/net showed socket addresses at the end of the recording. */
#define DP_SOCKADDR_UNKNOWN 0       /* not looked (no drop had a socket) */
#define DP_SOCKADDR_REAL 1          /* real: rx_sk matched against them */
#define DP_SOCKADDR_HASHED 2        /* kernel.kptr_restrict=0 hashes them */
#define DP_SOCKADDR_HIDDEN 3        /* kptr_restrict=2, or no CAP_SYSLOG */

/* One socket and one reason of the drops it received. */
struct dp_socket_row {
	uint32_t scope;
	char *proto;                /* owned: "udp", "tcp6", ... */
	char *local, *remote;       /* owned: "127.0.0.1:9999", "0.0.0.0:*" */
	char *state;                /* owned: "UNCONN", "LISTEN", ... */
	uint64_t inode;
	bool has_mem;               /* rcvbuf, rmem_alloc read (sock_diag) */
	uint32_t rcvbuf, rmem_alloc, rx_queue;
	int32_t pid;                /* an owner, 0 when none found */
	char *comm;                 /* owned, NULL when none */
	uint64_t reason;            /* the drop reason's value */
	uint64_t drops;
};

void dp_socket_rows_free(struct dp_socket_row *v, size_t nr);
void dp_qdisc_rows_free(struct dp_qdisc_row *v, size_t nr);
void dp_rule_rows_free(struct dp_rule_row *v, size_t nr);

#endif
