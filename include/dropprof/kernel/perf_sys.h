/* perf_sys — the only place that calls perf_event_open(2), ioctl(2) on perf
 * fds and mmap(2) of perf rings.  Everything above it deals in fds and
 * plain memory, so the ring reader and the decoder stay testable without a
 * kernel.
 */
#ifndef DROPPROF_PERF_SYS_H
#define DROPPROF_PERF_SYS_H

#include <stdbool.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_perf_tp_attr {
	int tp_id;               /* tracepoint id from tp_format */
	int cpu;
	uint64_t sample_type;    /* 0: counting only */
	uint64_t sample_period;  /* 1: every hit */
	uint32_t wakeup_events;  /* 0: use watermark */
	uint32_t wakeup_watermark;
	int group_fd;            /* -1 */
};

/* Open a tracepoint event on one CPU for every process, disabled.  Returns
 * an fd or -errno. */
int dp_perf_open_tp(const struct dp_perf_tp_attr *a);

/* Try whether a recording's events may be opened: open the tracepoint
 * on one CPU the way the recorder opens its stack event (raw data and
 * kernel callchains, which need more privilege than counting), disabled
 * and never mapped, and close it.  Returns 0 or the -errno of
 * perf_event_open(2), for dp_perf_open_hint(). */
int dp_perf_probe_tp(int tp_id, int cpu);

/* Map a ring of 2^n data pages plus the header page.  *base and *len get
 * the mapping.  Returns 0 or -errno. */
int dp_perf_mmap(int fd, size_t data_pages, void **base, size_t *len);
void dp_perf_munmap(void *base, size_t len);

/* Route fd's samples into target_fd's ring (PERF_EVENT_IOC_SET_OUTPUT). */
int dp_perf_set_output(int fd, int target_fd);

/* Change a sampling event's period (PERF_EVENT_IOC_PERIOD). */
int dp_perf_set_period(int fd, uint64_t period);

int dp_perf_enable(int fd);
int dp_perf_disable(int fd);

/* Apply a tracepoint filter string (PERF_EVENT_IOC_SET_FILTER). */
int dp_perf_set_filter(int fd, const char *filter);

/* What read(2) of an event opened by dp_perf_open_tp() says. */
struct dp_perf_counts {
	uint64_t value;          /* hits (every one, sampled or not) */
	uint64_t enabled;        /* ns the event was enabled: stops growing
				    once the kernel switched it off, e.g.
				    when its CPU went offline */
	uint64_t running;        /* ns it was scheduled */
	uint64_t lost;           /* samples the kernel could not write */
	bool lost_known;         /* the kernel has PERF_FORMAT_LOST (6.0+) */
};

/* Read an event's counts.  Returns 0 or -errno. */
int dp_perf_read_counts(int fd, struct dp_perf_counts *c);

/* Just the hit count.  Returns 0 or -errno. */
int dp_perf_read_count(int fd, uint64_t *value);

/* Event id (PERF_EVENT_IOC_ID), to match PERF_SAMPLE_IDENTIFIER. */
int dp_perf_event_id(int fd, uint64_t *id);

/* What decides whether this process may open and map perf events: the
 * facts a failure's advice depends on.  An EPERM from perf_event_open(2)
 * (no privilege) and one from mmap(2) (locked memory) look the same; the
 * privileges tell them apart. */
struct dp_perf_env {
	int paranoid;          /* kernel.perf_event_paranoid (2 if unreadable) */
	bool cap_perfmon;      /* effective CAP_PERFMON or CAP_SYS_ADMIN */
	bool cap_ipc_lock;     /* effective CAP_IPC_LOCK */
	bool as_limited;       /* RLIMIT_AS (ulimit -v) is not unlimited */
};

/* Read the facts for the calling process. */
void dp_perf_env_read(struct dp_perf_env *env);

/* The one-line advice (static) for an errno of dp_perf_open_tp() or
 * dp_perf_mmap() given env: what to change.  Pure, for tests:
 *   -EACCES/-EPERM without CAP_PERFMON and paranoid > -1: the privilege;
 *   -EPERM with it (mmap): the locked-memory allowance
 *     (kernel.perf_event_mlock_kb per CPU, then RLIMIT_MEMLOCK; lifted by
 *     CAP_IPC_LOCK or paranoid -1);
 *   -ENOMEM: the address-space limit (RLIMIT_AS) when there is one, else
 *     memory. */
const char *dp_perf_hint(int err, const struct dp_perf_env *env);

/* dp_perf_hint() for the calling process. */
const char *dp_perf_open_hint(int err);

#endif
