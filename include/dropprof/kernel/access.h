/* access — what the running process may do and see, for the preflight
 * (dropprof check): its effective capabilities, a sysctl's value, the
 * locked-memory limit, whether a tracefs directory is writable, and how
 * many network namespaces it can see.  Each answer is what the kernel
 * would say to the recording itself; nothing here changes the system.
 */
#ifndef DROPPROF_ACCESS_H
#define DROPPROF_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Capability numbers (linux/capability.h; CAP_PERFMON is Linux 5.8). */
#define DP_CAP_DAC_OVERRIDE    1
#define DP_CAP_DAC_READ_SEARCH 2
#define DP_CAP_IPC_LOCK        14
#define DP_CAP_SYS_PTRACE      19
#define DP_CAP_SYS_ADMIN       21
#define DP_CAP_SYSLOG          34
#define DP_CAP_PERFMON         38

/* The CapEff mask of a /proc/PID/status text ("CapEff:\t000001ffffffffff").
 * Pure.  Returns 0, or -EINVAL when the line is missing or malformed. */
int dp_caps_parse_status(const char *text, uint64_t *eff);

/* The calling process's effective capabilities, from /proc/self/status.
 * Returns 0 or -errno (-EINVAL: no CapEff line). */
int dp_caps_read(uint64_t *eff);

static inline bool dp_caps_has(uint64_t eff, unsigned int cap)
{
	return cap < 64 && (eff >> cap) & 1;
}

/* An integer sysctl, by its /proc/sys path ("kernel/kptr_restrict").
 * Returns 0, -ENOENT when this kernel has no such setting, -EINVAL when
 * it is not an integer, or another -errno of the read. */
int dp_sysctl_read_long(const char *name, long *value);

/* RLIMIT_MEMLOCK (soft) in bytes; UINT64_MAX when unlimited. */
uint64_t dp_memlock_limit(void);

/* Whether the calling process may create entries in dir (mkdir of a
 * tracefs instance), judged with its effective ids and capabilities.
 * Returns 0 or the -errno the kernel gives (-EACCES, -ENOENT, ...). */
int dp_dir_writable(const char *dir);

#endif
