/* cleanup — undo actions that must still happen when a fatal signal ends
 * the process: temporary files, the tracefs mount dropprof made, a tracefs
 * instance directory, the fds that keep that directory busy.
 *
 * The normal paths undo their own work as before; the registry is only
 * for the moment when they cannot run (a second Ctrl-C, see
 * cmd/signals.h).  The signal handler calls dp_cleanup_run(), which uses
 * only async-signal-safe calls (close, unlink, rmdir, umount2) on data
 * copied at registration time.
 *
 * Register right after the thing exists and remove the registration
 * right after the normal path undid it (or took it over: a renamed
 * temporary file), with the fatal signals blocked around both steps so a
 * handler never sees the thing without its registration:
 *
 *   sigset_t old;
 *   int h;
 *
 *   dp_cleanup_block(&old);
 *   if (mount("nodev", dir, "tracefs", flags, NULL) == 0)
 *           h = dp_cleanup_add(DP_CLEANUP_UMOUNT, dir, -1);
 *   dp_cleanup_unblock(&old);
 *   ...
 *   dp_cleanup_block(&old);
 *   umount2(dir, MNT_DETACH);
 *   dp_cleanup_remove(h);
 *   dp_cleanup_unblock(&old);
 *
 * Actions run in reverse order of registration, so register a directory
 * before the files and fds inside it (a tracefs instance: DP_CLEANUP_RMDIR
 * of the instance, then DP_CLEANUP_CLOSE of each trace_pipe_raw fd): its
 * fds are then closed before the rmdir that they would make fail with
 * EBUSY, and the mount (registered first of all) goes last.
 *
 * Not thread-safe: dropprof registers from its one thread.
 */
#ifndef DROPPROF_CLEANUP_H
#define DROPPROF_CLEANUP_H

#include <signal.h>

enum dp_cleanup_kind {
	DP_CLEANUP_CLOSE,    /* close(fd); path unused (NULL) */
	DP_CLEANUP_UNLINK,   /* unlink(path); fd unused (-1) */
	DP_CLEANUP_RMDIR,    /* rmdir(path) */
	DP_CLEANUP_UMOUNT,   /* umount2(path, MNT_DETACH) */
};

/* Most actions registered at once; more is a bug (-ENOSPC), not a
 * truncation. */
#define DP_CLEANUP_MAX 256

/* Register an action.  path is copied (may be freed after the call).
 * Returns a handle >= 0, or -EINVAL (bad kind, missing path or fd),
 * -ENOSPC (registry full), -ENOMEM. */
int dp_cleanup_add(enum dp_cleanup_kind kind, const char *path, int fd);

/* Forget an action without running it.  A handle < 0 is ignored, so
 * the result of a failed dp_cleanup_add can be passed back. */
void dp_cleanup_remove(int handle);

/* Run every registered action, newest first, and forget them.  Safe in a
 * signal handler (no malloc, no stdio, errno preserved) and at most once
 * per action; errors are ignored (there is no one left to tell). */
void dp_cleanup_run(void);

/* Block SIGINT, SIGTERM and SIGHUP (the signals whose second arrival runs
 * the registry), saving the old mask in *old; and restore it. */
void dp_cleanup_block(sigset_t *old);
void dp_cleanup_unblock(const sigset_t *old);

#endif
