/* record — owns the per-CPU perf events and rings of a live recording and
 * the loop that empties them into a profile.  Syscalls on perf fds go
 * through perf_sys; record decoding goes through sample.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "dropprof/kernel/skb_fields.h"
#include "dropprof/kernel/perf_sys.h"
#include "dropprof/profile/profile.h"
#include "dropprof/record/record.h"
#include "dropprof/record/ring.h"
#include "dropprof/record/sample.h"
#include "dropprof/record/sampler.h"
#include "dropprof/kernel/tp_format.h"

/* Two events per CPU share one ring: 'drop' counts every drop exactly
 * (raw fields only: a cheap record), 'stack' adds the kernel callchain for
 * one drop in 'period'.  With --all-stacks, 'drop' carries the callchain
 * itself and there is no 'stack' event.  IDENTIFIER comes first in every
 * sample, so the reader knows which layout follows.  No CPU field: each
 * ring belongs to one CPU, and every byte less is less to copy per drop. */
#define RAW_SAMPLE_TYPE (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_RAW)
#define STACK_SAMPLE_TYPE (RAW_SAMPLE_TYPE | PERF_SAMPLE_CALLCHAIN)
#define ADJUST_INTERVAL 0.1     /* seconds between period decisions */

struct cpu_events {
	int cpu;
	int drop_fd;
	int stack_fd;            /* -1 with --all-stacks */
	uint64_t drop_id, stack_id;
	struct dp_sampler sampler;
	uint64_t drops_at_adjust;   /* cpu's drop count at the last decision */
	int free_fd;
	void *map;
	size_t map_len;
	struct dp_ring ring;
};

struct dp_recorder {
	struct dp_record_opts opts;
	const char *filter;       /* borrowed; NULL: none */
	struct dp_profile *prof;
	struct dp_skb_layout layout;
	const struct dp_addr_range *plumbing;
	size_t nr_plumbing;
	struct cpu_events *cpus;
	size_t nr_cpus;
	int epfd;
	int timerfd;
	struct timespec t0;
	double last_adjust;
	uint64_t drop_type;      /* sample_type of the drop events */
	uint64_t frames[DP_MAX_FRAMES];
};

static double elapsed(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

void dp_recorder_free(struct dp_recorder *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nr_cpus; i++) {
		struct cpu_events *c = &r->cpus[i];

		dp_ring_release(&c->ring);
		dp_perf_munmap(c->map, c->map_len);
		if (c->stack_fd >= 0)
			close(c->stack_fd);
		if (c->drop_fd >= 0)
			close(c->drop_fd);
		if (c->free_fd >= 0)
			close(c->free_fd);
	}
	if (r->epfd >= 0)
		close(r->epfd);
	if (r->timerfd >= 0)
		close(r->timerfd);
	free(r->cpus);
	free(r);
}

/* Both drop events carry the same in-kernel filter. */
static int apply_filter(const struct dp_recorder *r, int fd, char *err,
			size_t errlen)
{
	int ret;

	if (!r->filter)
		return 0;
	ret = dp_perf_set_filter(fd, r->filter);
	if (ret)
		snprintf(err, errlen, "the kernel rejected the filter '%s': %s",
			 r->filter, strerror(-ret));
	return ret;
}

/* The sampled stack event, writing into the drop event's ring. */
static int open_stack_event(struct dp_recorder *r, struct cpu_events *c,
			    const struct dp_tp_format *kfree, char *err,
			    size_t errlen)
{
	struct dp_perf_tp_attr a = {
		.tp_id = kfree->id,
		.cpu = c->cpu,
		.sample_type = STACK_SAMPLE_TYPE,
		.sample_period = 1,
		/* Its records wake the reader through the drop event's ring. */
		.wakeup_watermark = 1u << 30,
		.group_fd = -1,
	};
	int fd, ret;

	fd = dp_perf_open_tp(&a);
	if (fd < 0) {
		snprintf(err, errlen,
			 "cannot open tracepoint 'skb:kfree_skb' for stacks on cpu %d: %s (%s)",
			 c->cpu, strerror(-fd), dp_perf_open_hint(fd));
		return fd;
	}
	c->stack_fd = fd;
	ret = apply_filter(r, fd, err, errlen);
	if (ret)
		return ret;
	ret = dp_perf_set_output(fd, c->drop_fd);
	if (!ret)
		ret = dp_perf_event_id(fd, &c->stack_id);
	if (ret) {
		snprintf(err, errlen, "cannot attach the stack event to the ring on cpu %d: %s",
			 c->cpu, strerror(-ret));
		return ret;
	}
	dp_sampler_init(&c->sampler, r->opts.stack_budget);
	return 0;
}

static int open_cpu(struct dp_recorder *r, struct cpu_events *c,
		    const struct dp_tp_format *kfree,
		    const struct dp_tp_format *consume, char *err, size_t errlen)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct dp_perf_tp_attr a = {
		.tp_id = kfree->id,
		.cpu = c->cpu,
		.sample_type = r->drop_type,
		.sample_period = 1,
		/* Wake when a quarter of the ring is full: the reader has
		 * three quarters of headroom to catch up before loss. */
		.wakeup_watermark = (uint32_t)(r->opts.ring_pages * page / 4),
		.group_fd = -1,
	};
	struct epoll_event ev = { .events = EPOLLIN };
	int fd, ret;

	fd = dp_perf_open_tp(&a);
	if (fd < 0) {
		snprintf(err, errlen,
			 "cannot open tracepoint 'skb:kfree_skb' on cpu %d: %s (%s)",
			 c->cpu, strerror(-fd), dp_perf_open_hint(fd));
		return fd;
	}
	c->drop_fd = fd;
	ret = apply_filter(r, fd, err, errlen);
	if (ret)
		return ret;
	ret = dp_perf_mmap(fd, r->opts.ring_pages, &c->map, &c->map_len);
	if (ret) {
		snprintf(err, errlen,
			 "cannot map a %zu KiB ring on cpu %d: %s (%s)",
			 r->opts.ring_pages * page / 1024, c->cpu,
			 strerror(-ret), dp_perf_open_hint(ret));
		return ret;
	}
	ret = dp_ring_init(&c->ring, c->map, page, r->opts.ring_pages * page);
	if (ret) {
		snprintf(err, errlen, "bad ring layout on cpu %d", c->cpu);
		return ret;
	}
	if ((ret = dp_perf_event_id(c->drop_fd, &c->drop_id))) {
		snprintf(err, errlen, "cannot read the event id on cpu %d: %s",
			 c->cpu, strerror(-ret));
		return ret;
	}
	if (!r->opts.all_stacks) {
		ret = open_stack_event(r, c, kfree, err, errlen);
		if (ret)
			return ret;
	}
	ev.data.ptr = c;
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		ret = -errno;
		snprintf(err, errlen, "epoll_ctl: %s", strerror(-ret));
		return ret;
	}
	if (consume) {
		struct dp_perf_tp_attr ca = {
			.tp_id = consume->id, .cpu = c->cpu, .group_fd = -1,
		};

		fd = dp_perf_open_tp(&ca);
		if (fd < 0) {
			snprintf(err, errlen,
				 "cannot open tracepoint 'skb:consume_skb' on cpu %d: %s (%s)",
				 c->cpu, strerror(-fd), dp_perf_open_hint(fd));
			return fd;
		}
		c->free_fd = fd;
	}
	return 0;
}

int dp_recorder_open(struct dp_recorder **out, const struct dp_record_opts *o,
		     const char *filter,
		     struct dp_profile *prof, const struct dp_tp_format *kfree,
		     const struct dp_tp_format *consume,
		     const struct dp_addr_range *plumbing, size_t nr_plumbing,
		     const int *cpus, size_t nr_cpus, char *err, size_t errlen)
{
	struct dp_recorder *r;
	int ret;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->epfd = r->timerfd = -1;
	r->opts = *o;
	r->filter = filter;
	r->prof = prof;
	r->plumbing = plumbing;
	r->nr_plumbing = nr_plumbing;
	ret = dp_skb_layout_init(&r->layout, kfree);
	if (ret) {
		snprintf(err, errlen,
			 "tracepoint 'skb:kfree_skb' has no 'location' field: unsupported kernel");
		goto fail;
	}
	prof->has_reason = r->layout.has_reason;
	prof->all_stacks = o->all_stacks;
	prof->stack_budget = o->all_stacks ? 0 : o->stack_budget;
	r->drop_type = o->all_stacks ? STACK_SAMPLE_TYPE : RAW_SAMPLE_TYPE;
	r->cpus = calloc(nr_cpus, sizeof(*r->cpus));
	if (!r->cpus) {
		ret = -ENOMEM;
		goto fail;
	}
	r->nr_cpus = nr_cpus;
	for (size_t i = 0; i < nr_cpus; i++) {
		r->cpus[i].cpu = cpus[i];
		r->cpus[i].drop_fd = r->cpus[i].free_fd = -1;
		r->cpus[i].stack_fd = -1;
	}
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0) {
		ret = -errno;
		snprintf(err, errlen, "epoll_create1: %s", strerror(-ret));
		goto fail;
	}
	for (size_t i = 0; i < nr_cpus; i++) {
		ret = open_cpu(r, &r->cpus[i], kfree, consume, err, errlen);
		if (ret)
			goto fail;
		if ((size_t)cpus[i] < prof->nr_cpu_slots)
			prof->cpu_recorded[cpus[i]] = true;
	}
	prof->frees_known = consume != NULL;
	*out = r;
	return 0;
fail:
	dp_recorder_free(r);
	return ret;
}

int dp_recorder_start(struct dp_recorder *r)
{
	int ret;

	if (r->opts.duration > 0) {
		struct itimerspec its = { 0 };

		r->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		if (r->timerfd < 0)
			return -errno;
		its.it_value.tv_sec = (time_t)r->opts.duration;
		its.it_value.tv_nsec = (long)((r->opts.duration -
					      (double)its.it_value.tv_sec) * 1e9);
		if (timerfd_settime(r->timerfd, 0, &its, NULL) < 0)
			return -errno;
	}
	/* Counters first, so no drop is seen without its frees window. */
	for (size_t i = 0; i < r->nr_cpus; i++) {
		if (r->cpus[i].free_fd >= 0 &&
		    (ret = dp_perf_enable(r->cpus[i].free_fd)))
			return ret;
		if ((ret = dp_perf_enable(r->cpus[i].drop_fd)))
			return ret;
		if (r->cpus[i].stack_fd >= 0 &&
		    (ret = dp_perf_enable(r->cpus[i].stack_fd)))
			return ret;
	}
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	r->prof->start_time = (int64_t)time(NULL);
	return 0;
}

struct drain_ctx {
	struct dp_recorder *r;
	struct cpu_events *c;
};

static int on_sample(struct dp_recorder *r, struct cpu_events *c,
		     const struct perf_event_header *rec)
{
	struct dp_sample s;
	struct dp_skb_fields f;
	uint64_t id;
	size_t n;
	bool stack;

	/* IDENTIFIER is the first field of every sample. */
	if (rec->size < sizeof(*rec) + sizeof(id))
		goto bad;
	memcpy(&id, rec + 1, sizeof(id));
	stack = c->stack_fd >= 0 && id == c->stack_id;
	if (dp_sample_decode(rec, stack ? STACK_SAMPLE_TYPE : r->drop_type, &s) ||
	    dp_skb_fields_read(&r->layout, s.raw, s.raw_size, &f))
		goto bad;
	if (!stack && !r->opts.all_stacks)
		return dp_profile_add_drop(r->prof, (uint32_t)c->cpu, &f);
	n = dp_callchain_kernel(s.ips, s.nr_ips, r->plumbing, r->nr_plumbing,
				r->frames, DP_MAX_FRAMES);
	/* Allocation failure would be a lie in the totals: stop. */
	if (stack)
		return dp_profile_add_stack(r->prof, f.reason, r->frames, n);
	return dp_profile_add_drop_stack(r->prof, (uint32_t)c->cpu, &f, r->frames, n);
bad:
	r->prof->bad_records++;
	return 0;
}

static int on_record(void *arg, const struct perf_event_header *rec)
{
	struct drain_ctx *d = arg;
	struct dp_recorder *r = d->r;
	uint64_t id, lost;

	switch (rec->type) {
	case PERF_RECORD_SAMPLE:
		return on_sample(r, d->c, rec);
	case PERF_RECORD_LOST:
		if (dp_sample_decode_lost(rec, &id, &lost))
			r->prof->bad_records++;
		else if (d->c->stack_fd >= 0 && id == d->c->stack_id)
			r->prof->stack_lost += lost;   /* drops still counted */
		else
			dp_profile_add_lost(r->prof, (uint32_t)d->c->cpu, lost);
		return 0;
	case PERF_RECORD_THROTTLE:
		/* { time, id, stream_id }: a throttled stack event only
		 * thins the stacks, a throttled drop event hides drops. */
		if (rec->size >= sizeof(*rec) + 16) {
			memcpy(&id, (const unsigned char *)(rec + 1) + 8, sizeof(id));
			if (d->c->stack_fd >= 0 && id == d->c->stack_id)
				return 0;
		}
		r->prof->throttled++;
		return 0;
	default:
		return 0;
	}
}

/* Every ADJUST_INTERVAL, let each CPU's sampler pick the stack period
 * from the drops that CPU counted since the last decision. */
static void adjust_periods(struct dp_recorder *r)
{
	double now = elapsed(&r->t0), dt = now - r->last_adjust;

	if (r->opts.all_stacks || dt < ADJUST_INTERVAL)
		return;
	r->last_adjust = now;
	for (size_t i = 0; i < r->nr_cpus; i++) {
		struct cpu_events *c = &r->cpus[i];
		uint64_t drops = (size_t)c->cpu < r->prof->nr_cpu_slots ?
				 r->prof->cpu_drops[c->cpu] : 0;
		uint64_t old = c->sampler.period;
		uint64_t period = dp_sampler_update(&c->sampler,
						    drops - c->drops_at_adjust, dt);

		c->drops_at_adjust = drops;
		if (period == old)
			continue;
		if (dp_perf_set_period(c->stack_fd, period) == 0) {
			if (period > r->prof->stack_period_max)
				r->prof->stack_period_max = period;
		} else {
			c->sampler.period = old;   /* still sampling at old */
		}
	}
}

static int drain_all(struct dp_recorder *r)
{
	for (size_t i = 0; i < r->nr_cpus; i++) {
		struct drain_ctx d = { r, &r->cpus[i] };
		long ret = dp_ring_drain(&r->cpus[i].ring, on_record, &d, 0);

		if (ret < 0)
			return (int)ret;
	}
	return 0;
}

int dp_recorder_run(struct dp_recorder *r)
{
	int stop_fd = r->opts.stop_fd;
	struct epoll_event ev = { .events = EPOLLIN };
	struct epoll_event evs[64];
	int ret = 0;

	/* The stop and timer fds share the epoll set with the rings; their
	 * data.ptr is the recorder itself, which no ring uses. */
	ev.data.ptr = r;
	if (stop_fd >= 0 &&
	    epoll_ctl(r->epfd, EPOLL_CTL_ADD, stop_fd, &ev) < 0)
		return -errno;
	if (r->timerfd >= 0 &&
	    epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->timerfd, &ev) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		int n = epoll_wait(r->epfd, evs, 64, 1000);
		bool stop = false;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		for (int i = 0; i < n; i++)
			if (evs[i].data.ptr == r)
				stop = true;
		/* Whatever woke us, empty every ring: one busy CPU should
		 * not wait for its own watermark while others are read. */
		ret = drain_all(r);
		if (ret || stop)
			break;
		adjust_periods(r);
	}
out:
	if (stop_fd >= 0)
		epoll_ctl(r->epfd, EPOLL_CTL_DEL, stop_fd, NULL);
	return ret;
}

int dp_recorder_stop(struct dp_recorder *r)
{
	int ret = 0;

	for (size_t i = 0; i < r->nr_cpus; i++) {
		dp_perf_disable(r->cpus[i].drop_fd);
		if (r->cpus[i].stack_fd >= 0)
			dp_perf_disable(r->cpus[i].stack_fd);
		if (r->cpus[i].free_fd >= 0)
			dp_perf_disable(r->cpus[i].free_fd);
	}
	r->prof->duration = elapsed(&r->t0);
	ret = drain_all(r);
	for (size_t i = 0; i < r->nr_cpus; i++) {
		struct cpu_events *c = &r->cpus[i];
		uint64_t v;

		r->prof->bad_records += c->ring.bad_records;
		if (c->free_fd < 0)
			continue;
		if (dp_perf_read_count(c->free_fd, &v) == 0) {
			r->prof->frees += v;
			if ((size_t)c->cpu < r->prof->nr_cpu_slots)
				r->prof->cpu_frees[c->cpu] = v;
		} else {
			r->prof->frees_known = false;
		}
	}
	return ret;
}
