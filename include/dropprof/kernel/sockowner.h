/* sockowner — which processes hold a socket, by its inode: the
 * /proc/PID/fd/N links that read "socket:[INODE]" (what `ss -p` and
 * `lsof` look at), with those processes' comm.
 *
 * /proc shows the processes of dropprof's pid namespace (and of the pid
 * namespaces below it), whatever network namespace each is in: one scan
 * serves the sockets of every network namespace, and inode numbers are
 * unique across them (sockfs is one filesystem).  What it cannot see:
 *   - sockets no process holds: a TCP connection closed but not finished
 *     (FIN-WAIT, TIME-WAIT), one in a listener's accept queue, one only
 *     the kernel holds (a tunnel's, a BPF map's), one in flight in an
 *     SCM_RIGHTS message;
 *   - processes of a pid namespace that is not below dropprof's;
 *   - other users' processes without root (their fd directories are
 *     not readable): counted as unreadable;
 *   - a thread that unshared its file table (CLONE_FILES off): only the
 *     thread group leader's table (/proc/PID/fd) is read.
 */
#ifndef DROPPROF_KERNEL_SOCKOWNER_H
#define DROPPROF_KERNEL_SOCKOWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Owners kept per socket.  A server's forked workers all hold its
 * listening socket; the few lowest pids name it well enough. */
#define DP_SOCKOWNER_MAX 4

struct dp_sockowner_proc {
	int pid;
	char comm[16];              /* as /proc/PID/comm, newline stripped */
};

/* One socket's owners. */
struct dp_sockowner {
	uint64_t inode;             /* in: the socket's inode (not 0) */
	size_t nr;                  /* out: owners in v, lowest pid first */
	struct dp_sockowner_proc v[DP_SOCKOWNER_MAX];
	bool more;                  /* out: another process was seen holding
	                               it, past the DP_SOCKOWNER_MAX kept
	                               (the scan may stop before seeing it) */
};

struct dp_sockowner_stats {
	size_t processes;           /* /proc/PID directories read */
	size_t vanished;            /* exited while being read */
	size_t unreadable;          /* fd directory not readable (not root,
	                               or not a directory) */
	int first_unreadable;       /* the lowest such pid, 0 when none */
	bool complete;              /* every process was read: an inode not
	                               found has no owner that can be seen */
};

/* Find the owners of the nr sockets in v (inodes unique) among the
 * processes of proc ("/proc"; a fixture tree in tests), in pid order.
 * The scan stops once every socket has want owners (1 to
 * DP_SOCKOWNER_MAX; 1 is the cheapest: it ends at the first owner of the
 * last socket found), so a socket may get fewer owners than hold it.  A
 * process that exits or whose fd directory cannot be read is skipped and
 * counted in *st (when not NULL).  0, -EINVAL (want out of range, an
 * inode 0 or listed twice), -ENOMEM, or -errno when proc cannot be
 * listed. */
int dp_sockowner_find(const char *proc, struct dp_sockowner *v, size_t nr,
		      unsigned int want, struct dp_sockowner_stats *st);

#endif
