/* tracefs — where the tracing filesystem is mounted, and mounting it when
 * it is mounted nowhere; what a failure to read it or mount it needs.
 *
 * Finding and mounting are two steps with two kinds of failure, and a
 * caller reporting an error keeps them apart:
 *
 *   ret = dp_tracefs_find(DP_PROC_MOUNTS, path, len);
 *   if (ret == -ENODEV)            // read fine: tracefs is mounted nowhere
 *           ret = dp_tracefs_mount(path, len);   // errors: the mount's
 *   else if (ret)                  // /proc/mounts itself cannot be read
 *           ...
 */
#ifndef DROPPROF_TRACEFS_H
#define DROPPROF_TRACEFS_H

#include <stddef.h>

#define DP_TRACEFS_DEFAULT "/sys/kernel/tracing"
#define DP_PROC_MOUNTS "/proc/mounts"

/* Where tracefs is, according to mounts_path (a /proc/mounts-format
 * file): a "tracefs" entry (the standard /sys/kernel/tracing preferred),
 * else "<debugfs>/tracing" when debugfs is mounted.  Writes the directory
 * into path.  Returns
 *   0              found;
 *   -ENODEV        mounts_path was read and lists neither: not mounted;
 *   -ENAMETOOLONG  the directory does not fit in len;
 *   -ENOMEM;
 *   any other      mounts_path could not be opened or read: its errno
 *                  (-ENOENT when it does not exist, -EACCES, -EIO, ...),
 *                  which says nothing about whether tracefs is mounted. */
int dp_tracefs_find(const char *mounts_path, char *path, size_t len);

/* Mount tracefs at DP_TRACEFS_DEFAULT and write that into path; the
 * caller unmounts it when done.  Returns 0 or the -errno of mount(2):
 * -EPERM without CAP_SYS_ADMIN, -ENODEV when the kernel has no tracefs,
 * -ENOENT when the mount point is missing; -ENAMETOOLONG for a short len. */
int dp_tracefs_mount(char *path, size_t len);

/* Undo dp_tracefs_mount() (a lazy unmount: files still open keep it
 * until closed).  Returns 0 or -errno. */
int dp_tracefs_umount(const char *path);

/* One line of advice (static) for an errno of opening a file under
 * tracefs to read it (events/.../format): tracefs is mode 0700 root, so
 * -EACCES needs root, CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH.  "" when
 * there is nothing to advise. */
const char *dp_tracefs_access_hint(int err);

/* The same for creating or writing under tracefs (instances/, enable):
 * root or CAP_DAC_OVERRIDE; CAP_DAC_READ_SEARCH only reads. */
const char *dp_tracefs_write_hint(int err);

/* One line of advice (static) for an errno of dp_tracefs_mount(). */
const char *dp_tracefs_mount_hint(int err);

#endif
