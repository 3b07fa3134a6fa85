/* idle — reading the idle task's drops from dropprof's tracefs instance
 * (see the header for why), and the filter split between the perf events
 * and the instance.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "dropprof/kernel/ftrace_ring.h"
#include "dropprof/kernel/trace_instance.h"
#include "dropprof/record/demux.h"
#include "dropprof/record/idle.h"
#include "dropprof/util/error.h"
#include "dropprof/util/strbuf.h"

/* "(f) && extra", or "extra" alone without a user filter. */
static int add_and(struct dp_strbuf *sb, const char *f, const char *extra)
{
	if (f && *f)
		return dp_strbuf_addf(sb, "(%s) && %s", f, extra);
	return dp_strbuf_adds(sb, extra);
}

int dp_idle_filters(const char *f, bool instance, bool all_stacks,
		    struct dp_strbuf *drop, struct dp_strbuf *stack,
		    struct dp_strbuf *idle)
{
	bool have = f && *f;

	if (!instance)
		return have ? dp_strbuf_adds(drop, f) ?: dp_strbuf_adds(stack, f) : 0;
	if (add_and(drop, f, "common_pid != 0") || add_and(idle, f, "common_pid == 0"))
		return -ENOMEM;
	if (all_stacks)
		return add_and(stack, f, "common_pid == 0");
	return have ? dp_strbuf_adds(stack, f) : 0;
}

int dp_idle_open(struct dp_idle *ix, struct dp_trace_instance *ti,
		 const char *idle_filter, size_t nr_slots, int epfd,
		 struct dp_err *err)
{
	int nr, ret;

	memset(ix, 0, sizeof(*ix));
	if (!ti)
		return 0;
	ix->ti = ti;
	nr = dp_trace_instance_nr_cpus(ti);
	ix->nr_cpus = nr < 0 ? 0 : (size_t)nr < nr_slots ? (size_t)nr : nr_slots;
	ix->page_size = dp_ftrace_layout_page_size(dp_trace_instance_layout(ti));
	ix->page = malloc(ix->page_size);
	ix->page_missed = calloc(ix->nr_cpus ? ix->nr_cpus : 1, sizeof(uint64_t));
	if (!ix->page || !ix->page_missed)
		return dp_err_set(err, -ENOMEM, "out of memory");
	ret = dp_trace_instance_set_filter(ti, "skb", "kfree_skb", idle_filter, err);
	for (size_t cpu = 0; !ret && cpu < ix->nr_cpus; cpu++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ix };
		int fd = dp_trace_instance_open_cpu(ti, (int)cpu, err);

		if (fd < 0)
			return fd;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			return dp_err_set(err, -errno, "epoll_ctl: %s", strerror(errno));
	}
	return ret;
}

int dp_idle_enable(struct dp_idle *ix, struct dp_err *err)
{
	return ix->ti ? dp_trace_instance_enable(ix->ti, "skb", "kfree_skb", err) : 0;
}

void dp_idle_disable(struct dp_idle *ix)
{
	if (ix->ti)
		dp_trace_instance_disable(ix->ti, "skb", "kfree_skb", NULL);
}

struct drain_ctx {
	struct dp_demux *d;
	struct dp_demux_cpu *c;
};

static int on_event(const struct dp_ftrace_event *ev, void *arg)
{
	struct drain_ctx *x = arg;

	return dp_demux_ftrace_entry(x->d, x->c, ev->data, ev->len);
}

/* The instance reads a ring for this CPU. */
static bool has_ring(const struct dp_idle *ix, int cpu)
{
	return ix->ti && cpu >= 0 && (size_t)cpu < ix->nr_cpus &&
	       dp_trace_instance_cpu_fd(ix->ti, cpu) >= 0;
}

int dp_idle_drain(struct dp_idle *ix, int cpu, struct dp_demux *d,
		  struct dp_demux_cpu *c)
{
	struct drain_ctx x = { d, c };
	const struct dp_ftrace_layout *l;

	if (!has_ring(ix, cpu))
		return 0;
	l = dp_trace_instance_layout(ix->ti);
	for (;;) {
		struct dp_ftrace_page_info info;
		long n = dp_trace_instance_read_page(ix->ti, cpu, ix->page,
						     ix->page_size, NULL);
		int ret;

		if (n <= 0)
			return 0;   /* empty, or an error the next read repeats */
		ret = dp_ftrace_page_for_each(l, ix->page, (size_t)n, on_event,
					      &x, &info);
		if (ret == -EINVAL) {
			/* A damaged page delivers nothing: a bad record in
			 * the report (its entries are not in the stats). */
			c->bad++;
		} else if (ret) {
			return ret;
		}
		if (info.missed && info.missed_known)
			ix->page_missed[cpu] += info.missed_count;
	}
}

int dp_idle_finish(struct dp_idle *ix, int cpu, struct dp_demux *d,
		   struct dp_demux_cpu *c)
{
	struct dp_trace_cpu_stats st;
	int ret;

	if (!has_ring(ix, cpu))
		return 0;
	ret = dp_idle_drain(ix, cpu, d, c);
	if (ret)
		return ret;
	/* The stats count every loss of the ring since the instance was
	 * made (it is dropprof's own: that is this recording). */
	if (dp_trace_instance_read_stats(ix->ti, cpu, &st, NULL) == 0 &&
	    (st.have & DP_TRACE_STAT_OVERRUN))
		dp_demux_ftrace_missed(c, st.overrun + st.commit_overrun +
				       st.dropped_events);
	else
		dp_demux_ftrace_missed(c, ix->page_missed[cpu]);
	return 0;
}

void dp_idle_release(struct dp_idle *ix)
{
	free(ix->page);
	free(ix->page_missed);
	memset(ix, 0, sizeof(*ix));
}
