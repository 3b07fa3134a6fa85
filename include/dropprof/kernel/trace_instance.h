/* trace_instance — a tracefs instance of dropprof's own: a directory
 * <tracefs>/instances/<prefix>-<pid> with its own ring buffer, event
 * enables and filters, and per-CPU binary rings (per_cpu/cpuN/
 * trace_pipe_raw) to read with ftrace_ring.
 *
 *   struct dp_trace_instance *ti;
 *   dp_trace_instance_create(&ti, tracefs, "dropprof", &err);
 *   dp_trace_instance_set_buffer_kb(ti, 256, &err);
 *   dp_trace_instance_set_filter(ti, "skb", "kfree_skb", "common_pid == 0", &err);
 *   dp_trace_instance_enable(ti, "skb", "kfree_skb", &err);
 *   fd = dp_trace_instance_open_cpu(ti, cpu, &err);     // for epoll
 *   n = dp_trace_instance_read_page(ti, cpu, page, size, &err);
 *   dp_ftrace_page_for_each(dp_trace_instance_layout(ti), page, n, ...);
 *   dp_trace_instance_free(ti);
 *
 * What the kernel does, measured on 6.18 (and why the calls are shaped
 * so):
 *  - rmdir of an instance fails with EBUSY while any trace_pipe_raw fd of
 *    it is open: ours, or a copy a forked child inherited and has not yet
 *    closed (O_CLOEXEC drops it only at exec).  Enabled events do not
 *    stop the rmdir; the kernel disables them.  So teardown is: disable,
 *    close every fd, rmdir.  A signal-time cleanup must do the same in
 *    that order: close dp_trace_instance_fds(), then rmdir
 *    dp_trace_instance_path().
 *  - A read of trace_pipe_raw returns a whole page (ask for
 *    dp_ftrace_layout_page_size() bytes) even when the kernel filled it
 *    only partly: the commit in the page header says how much is data,
 *    the rest is zero.  Asking for less splits the page across reads.
 *  - With nothing to read, a non-blocking read fails with EAGAIN, or
 *    returns 0 once any process that shared the open file (a forked
 *    child) closed its copy: the kernel then marks the reader closed.
 *    Both mean "nothing there" here.
 *  - epoll says readable only when the ring is buffer_percent full
 *    (default 50); set it with dp_trace_instance_set_buffer_percent()
 *    before opening the CPU fds (a later change does not move an fd
 *    already being polled), 0 to hear of every event.
 *  - A rejected filter leaves the event with no filter at all (an earlier
 *    accepted filter is gone too): never enable an event whose filter was
 *    rejected.
 *
 * Library code: 0 or -errno, details in struct dp_err, nothing printed
 * except through dp_warn() where a teardown step cannot report an error.
 */
#ifndef DROPPROF_TRACE_INSTANCE_H
#define DROPPROF_TRACE_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dropprof/kernel/ftrace_ring.h"
#include "dropprof/util/error.h"

struct dp_trace_instance;

/* Create <tracefs_dir>/instances/<name_prefix>-<pid> (<pid> is getpid()).
 * When that name exists already (a dead run whose pid was reused, or a
 * run in another pid namespace) the next free of <prefix>-<pid>-2 ...
 * -9 is taken; an existing instance is never touched, stale or not.
 * Reads the instance's events/header_page and header_event into its page
 * layout and finds its CPUs (per_cpu/cpuN).  On failure nothing is left
 * behind.  Block fatal signals around the call if a cleanup registry is
 * to learn the path before a signal can end the process.
 * Returns 0, -EINVAL (empty prefix or one with '/'), -ENOENT (no
 * instances directory: not tracefs, or a kernel without instances), -EACCES,
 * -EEXIST (every name taken), -ENOMEM, or another -errno of mkdir. */
int dp_trace_instance_create(struct dp_trace_instance **out,
			     const char *tracefs_dir, const char *name_prefix,
			     struct dp_err *err);

/* Remove the instances a killed dropprof left behind (SIGKILL gives no
 * chance to clean up): <prefix>-<pid>[-n] whose pid is no process here and
 * whose directory is at least min_age seconds old.  An instance still in
 * use cannot be removed (its open rings make rmdir fail with EBUSY), so
 * a live run elsewhere is never touched.  The names removed are appended
 * to removed (may be NULL).  Returns how many, or -ENOMEM. */
struct dp_strbuf;
int dp_trace_instance_reap(const char *tracefs_dir, const char *prefix,
			   unsigned int min_age, struct dp_strbuf *removed);

/* Disable every event of the instance, close every CPU fd and remove the
 * directory.  Works with events still enabled.  A failure (EBUSY: a
 * forked child still holds a copy of a CPU fd) is reported through
 * dp_warn() with the path to remove by hand.  NULL is a no-op.  Remove
 * any cleanup registrations of the fds and the path first: the fd
 * numbers are free for reuse afterwards. */
void dp_trace_instance_free(struct dp_trace_instance *ti);

/* "<tracefs>/instances/<name>", and "<name>".  Borrowed, valid until
 * dp_trace_instance_free(). */
const char *dp_trace_instance_path(const struct dp_trace_instance *ti);
const char *dp_trace_instance_name(const struct dp_trace_instance *ti);

/* The page layout of this instance's ring (borrowed). */
const struct dp_ftrace_layout *dp_trace_instance_layout(const struct dp_trace_instance *ti);

/* CPUs the instance has a ring for: per_cpu/cpu0 .. cpu<n-1> (the
 * possible CPUs, online or not). */
int dp_trace_instance_nr_cpus(const struct dp_trace_instance *ti);

/* The CPU fds, indexed by CPU, -1 where not open; *nr gets the length
 * (dp_trace_instance_nr_cpus()).  Borrowed: the array is allocated once
 * at create and never moves, so a signal handler may read it. */
const int *dp_trace_instance_fds(const struct dp_trace_instance *ti, size_t *nr);

/* Ring size per CPU in KiB (buffer_size_kb); the kernel rounds it up to
 * whole sub-buffers.  Returns 0, -EINVAL (kb == 0), -ENOMEM from the
 * kernel, or another -errno of the write. */
int dp_trace_instance_set_buffer_kb(struct dp_trace_instance *ti,
				    unsigned long kb, struct dp_err *err);

/* How full a CPU's ring must be before poll/epoll says readable, in
 * percent (buffer_percent, 0..100).  Returns 0 or -errno. */
int dp_trace_instance_set_buffer_percent(struct dp_trace_instance *ti,
					 unsigned int percent,
					 struct dp_err *err);

/* Write events/<system>/<event>/filter; NULL or "" clears it.  When the
 * kernel rejects the filter, the message quotes the filter and the
 * kernel's reason ("parse_error: Field not found") and the event is left
 * unfiltered (see above).  Returns 0, -ENOENT (no such event), -EINVAL
 * (rejected, or a name with '/'), or another -errno. */
int dp_trace_instance_set_filter(struct dp_trace_instance *ti,
				 const char *system, const char *event,
				 const char *filter, struct dp_err *err);

/* Switch events/<system>/<event>/enable on or off.  Returns 0, -ENOENT
 * (no such event in this kernel), -EINVAL, or another -errno. */
int dp_trace_instance_enable(struct dp_trace_instance *ti, const char *system,
			     const char *event, struct dp_err *err);
int dp_trace_instance_disable(struct dp_trace_instance *ti, const char *system,
			      const char *event, struct dp_err *err);

/* Open per_cpu/cpu<cpu>/trace_pipe_raw O_RDONLY | O_NONBLOCK | O_CLOEXEC
 * (again: the fd already open).  The fd is owned by the instance (closed
 * by dp_trace_instance_close_cpu() or _free()); the caller may poll it.
 * Returns the fd, -EINVAL (no such CPU), or -errno of open. */
int dp_trace_instance_open_cpu(struct dp_trace_instance *ti, int cpu,
			       struct dp_err *err);

/* The CPU's fd, or -1 when it is not open (or no such CPU). */
int dp_trace_instance_cpu_fd(const struct dp_trace_instance *ti, int cpu);

/* Close the CPU's fd (a CPU gone offline); no-op when not open. */
void dp_trace_instance_close_cpu(struct dp_trace_instance *ti, int cpu);

/* Read one page of the CPU's ring into buf (len >= the layout's page
 * size, or -EINVAL: a shorter read splits a page).  Returns the bytes
 * read (a whole page, the data in it may be partial), 0 when there is
 * nothing to read, -EBADF when the CPU is not open, or -errno. */
long dp_trace_instance_read_page(struct dp_trace_instance *ti, int cpu,
				 void *buf, size_t len, struct dp_err *err);

/* What per_cpu/cpuN/stats says, by name.  have has a DP_TRACE_STAT_*
 * bit for each line found (older kernels print fewer lines; 6.18 prints
 * all eight below). */
enum {
	DP_TRACE_STAT_ENTRIES        = 1 << 0,  /* "entries" */
	DP_TRACE_STAT_OVERRUN        = 1 << 1,  /* "overrun" */
	DP_TRACE_STAT_COMMIT_OVERRUN = 1 << 2,  /* "commit overrun" */
	DP_TRACE_STAT_BYTES          = 1 << 3,  /* "bytes" */
	DP_TRACE_STAT_OLDEST_TS      = 1 << 4,  /* "oldest event ts" */
	DP_TRACE_STAT_NOW_TS         = 1 << 5,  /* "now ts" */
	DP_TRACE_STAT_DROPPED        = 1 << 6,  /* "dropped events" */
	DP_TRACE_STAT_READ           = 1 << 7,  /* "read events" */
};

struct dp_trace_cpu_stats {
	unsigned int have;
	uint64_t entries;         /* events in the ring now */
	uint64_t overrun;         /* events overwritten (lost, overwrite mode) */
	uint64_t commit_overrun;  /* events lost to nested writers */
	uint64_t bytes;           /* bytes of events in the ring */
	uint64_t dropped_events;  /* events refused (ring full, no overwrite) */
	uint64_t read_events;     /* events read so far */
	/* Trace clock: nanoseconds (microsecond precision) when the file
	 * prints seconds.micros, else the clock's own units (counter, tsc). */
	uint64_t oldest_ts, now_ts;
	bool ts_in_ns;
};

/* Parse the text of a stats file.  Unknown lines are skipped; a known
 * name with a malformed value is -EINVAL.  Pure. */
int dp_trace_stats_parse(struct dp_trace_cpu_stats *st, const char *text);

/* Read and parse the CPU's per_cpu/cpuN/stats.  Returns 0 or -errno. */
int dp_trace_instance_read_stats(struct dp_trace_instance *ti, int cpu,
				 struct dp_trace_cpu_stats *st,
				 struct dp_err *err);

#endif
