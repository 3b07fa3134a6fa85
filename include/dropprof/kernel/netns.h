/* netns — the network namespaces of the machine: found, and entered.
 *
 * Found three ways, each namespace once, known by the (device, inode) of
 * its nsfs file:
 *   - the initial namespace: PID 1's ("root");
 *   - every namespace named under /run/netns (by its `ip netns` name);
 *   - every other namespace a process is in (/proc/PID/ns/net), shown as
 *     "netns:[INODE]" with the lowest pid in it and that task's comm.
 * dropprof's own namespace is one of these, marked 'own'.
 *
 * Entered with setns(2) on a helper thread, so that no thread of dropprof
 * itself ever changes namespace.  On that thread /proc/thread-self/net
 * (DP_NETNS_PROCNET) and /proc/sys/net (DP_NETNS_PROCSYS) describe the
 * namespace entered: both are looked up through the calling thread.
 */
#ifndef DROPPROF_KERNEL_NETNS_H
#define DROPPROF_KERNEL_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_NETNS_PROCNET "/proc/thread-self/net"
#define DP_NETNS_PROCSYS "/proc/sys"

enum dp_netns_kind {
	DP_NETNS_ROOT,      /* PID 1's */
	DP_NETNS_NAMED,     /* under /run/netns */
	DP_NETNS_PROCESS,   /* only processes are in it */
};

struct dp_netns {
	uint64_t dev, ino;          /* of its nsfs file: the identity */
	enum dp_netns_kind kind;
	bool own;                   /* dropprof's own namespace */
	char *name;                 /* owned: "root", the ip netns name, or
				       "netns:[INODE]" */
	char *path;                 /* owned: the file to enter it by */
	int pid;                    /* the lowest pid in it, 0 when none
				       was seen (a named one may have none) */
	char comm[16];              /* that task's comm, "" when none */
};

struct dp_netns_set {
	struct dp_netns *v;         /* root first, then the named ones by
				       name, then the others by inode */
	size_t nr;
	size_t hidden;              /* /proc/PID/ns/net entries that could
				       not be looked at (permissions): their
				       namespaces may be missing */
	int first_hidden;           /* the lowest such pid, 0 when none */
	size_t named;               /* of v, those named under /run/netns */
};

/* Find the namespaces, reading proc ("/proc") and run_netns
 * ("/run/netns"; a missing directory means none is named).  The set must
 * be empty (zeroed).  A process or name that goes away while it is read
 * is skipped.  Returns 0, or -ENOMEM, or -errno when dropprof's own
 * namespace cannot be looked at (proc not mounted). */
int dp_netns_discover(struct dp_netns_set *set, const char *proc,
		      const char *run_netns);

void dp_netns_set_release(struct dp_netns_set *set);

/* The namespace of that identity in set, or NULL. */
const struct dp_netns *dp_netns_find(const struct dp_netns_set *set,
				     uint64_t dev, uint64_t ino);

/* The calling thread's network namespace's cookie: a 64-bit number the
 * kernel never gives twice (inode numbers are reused as soon as a
 * namespace is freed).  0, or -errno (-ENOPROTOOPT before Linux 5.14:
 * then only inodes tell namespaces apart). */
int dp_netns_cookie(uint64_t *cookie);

/* Called on the helper thread, inside namespace ns (index i of the list
 * given to dp_netns_each()).  Its return value is that namespace's
 * status. */
typedef int (*dp_netns_fn)(const struct dp_netns *ns, size_t i, void *arg);

/* Run fn in each of the nr namespaces of list (pointers into a set), one
 * after the other, on one helper thread with every signal blocked, and
 * wait for it.  status[i] gets fn's result, or why the namespace could
 * not be entered: -ENOENT (gone), -ESTALE (its path now leads to another
 * namespace: the one we knew is gone), -EPERM (setns needs CAP_SYS_ADMIN),
 * or -ETIMEDOUT when budget_ms had passed before its turn.  dropprof's
 * own namespace is not entered (no privilege needed to read it).
 * Returns 0, or -errno when the thread could not be started (then every
 * status is that error). */
int dp_netns_each(struct dp_netns *const *list, size_t nr, dp_netns_fn fn,
		  void *arg, unsigned int budget_ms, int *status);

#endif
