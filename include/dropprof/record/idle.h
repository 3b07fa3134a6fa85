/* idle — the drops of the idle task, read from dropprof's own tracefs
 * instance, and the rule that splits every drop between the perf events
 * and that instance.
 *
 * Some kernels count a tracepoint hit in the idle task's context (pid 0:
 * timers and softirqs on an idle CPU) on a perf sampling event but never
 * write it to the ring (issue 7, item 0).  The ftrace ring of a tracefs
 * instance has those.  So, with an instance, the perf drop events take
 * 'common_pid != 0' and the instance 'common_pid == 0': each drop is
 * counted once, by construction.  Stacks stay perf's.
 */
#ifndef DROPPROF_RECORD_IDLE_H
#define DROPPROF_RECORD_IDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_demux;
struct dp_demux_cpu;
struct dp_err;
struct dp_strbuf;
struct dp_trace_instance;

/* The filters of one recording, from the user's filter f (NULL or "":
 * none): the perf drop events', the perf stack events' and (with an
 * instance) the instance's kfree_skb.  Appended to the three buffers,
 * which should be empty; "" means no filter.  With --all-stacks the drop
 * event carries the stacks outside the idle task and the stack event
 * only those in it.  Pure.  Returns 0 or -ENOMEM. */
int dp_idle_filters(const char *f, bool instance, bool all_stacks,
		    struct dp_strbuf *drop, struct dp_strbuf *stack,
		    struct dp_strbuf *idle);

struct dp_idle {
	struct dp_trace_instance *ti;   /* borrowed; NULL: no instance */
	unsigned char *page;            /* one ring page */
	size_t page_size;
	uint64_t *page_missed;          /* per CPU: what the pages said was
					   lost (a fallback for the stats) */
	size_t nr_cpus;                 /* CPUs read: the instance's rings,
					   at most the profile's CPU slots */
};

/* Set the instance's kfree_skb filter (idle_filter, from
 * dp_idle_filters()), open every CPU's ring and watch it in epfd (with
 * data.ptr = ix).  nr_slots bounds the CPUs read.  Returns 0 or -errno
 * with err set.  ti NULL: nothing to do, 0. */
int dp_idle_open(struct dp_idle *ix, struct dp_trace_instance *ti,
		 const char *idle_filter, size_t nr_slots, int epfd,
		 struct dp_err *err);

/* Switch the instance's kfree_skb on / off. */
int dp_idle_enable(struct dp_idle *ix, struct dp_err *err);
void dp_idle_disable(struct dp_idle *ix);

/* Read CPU cpu's ring until it is empty, into the demultiplexer
 * (c is that CPU's).  Returns 0 or the demux's -ENOMEM. */
int dp_idle_drain(struct dp_idle *ix, int cpu, struct dp_demux *d,
		  struct dp_demux_cpu *c);

/* At the end, after dp_idle_disable(): the last pages of the CPU, then
 * what its ring says it lost (overwritten, lost to nested writers or
 * refused: the ring's stats, else what its pages said). */
int dp_idle_finish(struct dp_idle *ix, int cpu, struct dp_demux *d,
		   struct dp_demux_cpu *c);

/* Free what ix owns (the instance is the caller's).  Safe on a zeroed
 * struct. */
void dp_idle_release(struct dp_idle *ix);

#endif
