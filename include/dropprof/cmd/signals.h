/* signals — what SIGINT, SIGTERM, SIGHUP and SIGPIPE do, for every
 * command, from its first line on (before any setup, so a signal during
 * setup is never the default "die and leave the tracefs mount behind").
 *
 * - A command that records (dp_signals_init(true)): the first of SIGINT,
 *   SIGTERM or SIGHUP makes dp_signals_stop_fd() readable, for good.  The
 *   recorder epolls that fd (struct dp_record_opts.stop_fd): a signal
 *   during recording stops it, a signal during setup makes the recording
 *   stop as soon as it starts, a signal after it (saving, printing) lets
 *   the work finish.  The report of what was recorded is still written,
 *   and the exit status is that of a normal run (0).
 * - A command that does not record (dp_signals_init(false)), and the
 *   second signal of one that does: run the cleanup registry
 *   (util/cleanup.h: temporary files, the tracefs mount, instance
 *   directories), then die of the signal (default action, re-raised).
 * - A signal that was ignored when dropprof started (nohup, a background
 *   job of a non-interactive shell) stays ignored.
 * - SIGPIPE is ignored: a write to a closed pipe fails with EPIPE and is
 *   reported as one error line, like any other write error.
 */
#ifndef DROPPROF_CMD_SIGNALS_H
#define DROPPROF_CMD_SIGNALS_H

#include <stdbool.h>

/* Install the handlers (again: replaces the mode).  Returns 0 or -errno
 * (the stop pipe could not be made). */
int dp_signals_init(bool stop_first);

/* The read end of the stop pipe: readable once a stop was asked; never
 * read by anyone, so it stays readable.  -1 before dp_signals_init(). */
int dp_signals_stop_fd(void);

/* The signal that asked to stop, 0 while none did. */
int dp_signals_received(void);

#endif
