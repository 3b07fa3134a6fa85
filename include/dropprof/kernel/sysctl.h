/* sysctl — kernel settings by their sysctl names, read from /proc/sys of
 * the calling thread's network namespace, and the name patterns the
 * reason catalogue uses for them.
 *
 * Patterns: a sysctl name in which one dot-separated part may be a
 * choice "{all,IF}" or "{default,IF}": the literal entry and the entry of
 * each interface ("net.ipv4.conf.{all,IF}.rp_filter" stands for
 * net.ipv4.conf.all.rp_filter and net.ipv4.conf.vb1.rp_filter).  An
 * interface name with a dot ("eth0.100") is written with a '/' in the
 * sysctl name, as sysctl(8) does ("net.ipv4.conf.eth0/100.rp_filter").
 *
 * One pattern is not a sysctl: DP_LISTEN_BACKLOG, the accept-queue limit
 * of each listening TCP socket ("listen(10.1.0.2:8080).backlog"), which
 * governs listen overflows as much as net.core.somaxconn does.  Its
 * {LISTEN} part stands for any socket address; dp_sysctl_expand() gives
 * nothing for it (the sockets are listed by kernel/sockdiag.h).
 */
#ifndef DROPPROF_KERNEL_SYSCTL_H
#define DROPPROF_KERNEL_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>

#define DP_LISTEN_BACKLOG "listen({LISTEN}).backlog"

/* Longest value kept; longer ones end in "...". */
#define DP_SYSCTL_MAX_VALUE 256

/* Read the sysctl of that name under procsys ("/proc/sys") into a
 * malloc()ed string: trailing newline removed, tabs and newlines between
 * fields made single spaces, bytes outside printable ASCII as "\xNN".
 * Returns 0, -ENOENT when this kernel (or namespace) has no such setting,
 * -EINVAL for a name that is not one, or -errno from open or read. */
int dp_sysctl_read(const char *procsys, const char *name, char **value);

/* Call fn(name, arg) for each sysctl name the pattern stands for with
 * the nr interfaces ifnames (none: only the literal choices).  Stops at
 * fn's first non-zero return and returns it; 0, or -ENOMEM, -EINVAL for
 * a malformed pattern. */
int dp_sysctl_expand(const char *pattern, const char *const *ifnames, size_t nr,
		     int (*fn)(const char *name, void *arg), void *arg);

/* True when name is one the pattern stands for with some interface. */
bool dp_sysctl_matches(const char *pattern, const char *name);

#endif
