/* record — a live recording: one skb:kfree_skb sampling event and ring per
 * online CPU, one skb:consume_skb counting event per CPU, an epoll loop
 * that drains the rings into a profile.
 */
#ifndef DROPPROF_RECORD_H
#define DROPPROF_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "dropprof/record/filter.h"

struct dp_profile;
struct dp_tp_format;
struct dp_addr_range;

/* What to record: the one options struct from the command line to the
 * recorder (cmd/cli.c fills it, record/session.c and the recorder read
 * it). */
struct dp_record_opts {
	double duration;          /* seconds; 0: until stop_fd */
	size_t ring_pages;        /* data pages per CPU, power of two */
	bool quiet;               /* no progress lines */
	bool all_stacks;          /* a stack with every drop, no sampling */
	double stack_budget;      /* sampled stacks per second per CPU */
	struct dp_filter_spec filter;  /* --reason, --exclude-reason, --proto */
	int stop_fd;              /* readable: stop (the signal pipe); -1: none */
	const char *const *settings;  /* sysctl patterns to read at the end
				       (kernel/sysctl.h), NULL-terminated;
				       NULL: none (see record/context.h) */
};

struct dp_recorder;

/* Open every event (disabled).  filter is the tracepoint filter built
 * from o->filter (NULL: none).  ti (borrowed, may be NULL) is a tracefs
 * instance of dropprof's own: its kfree_skb event then takes the drops of
 * the idle task, which the perf events leave out (see record.c).  kfree is the kfree_skb format; consume may
 * be NULL.  plumbing (borrowed, must outlive the recorder) lists the
 * functions stripped from the leaf end of stacks.  On failure err gets one
 * line saying what failed and what to do.  Returns 0 or -errno. */
struct dp_trace_instance;
struct dp_err;
int dp_recorder_open(struct dp_recorder **out, const struct dp_record_opts *o,
		     const char *filter, struct dp_trace_instance *ti,
		     struct dp_profile *prof, const struct dp_tp_format *kfree,
		     const struct dp_tp_format *consume,
		     const struct dp_addr_range *plumbing, size_t nr_plumbing,
		     const int *cpus, size_t nr_cpus, struct dp_err *err);

/* Enable all events and start the clock.  Returns 0 or -errno with err
 * set. */
struct dp_err;
int dp_recorder_start(struct dp_recorder *r, struct dp_err *err);

/* Drain rings until the duration ends or o->stop_fd becomes readable (it
 * is not read).  Returns 0, or -errno from epoll. */
int dp_recorder_run(struct dp_recorder *r);

/* Disable the events, drain what is left, read the counters and fill the
 * profile's duration and frees. */
int dp_recorder_stop(struct dp_recorder *r);

/* Close every fd and unmap every ring.  No-op on NULL. */
void dp_recorder_free(struct dp_recorder *r);

#endif
