/* record — owns the per-CPU perf events and rings of a live recording, the
 * reading of the ftrace instance that catches the idle task's drops, the
 * loop that empties both into a profile, and the CPUs that come and go
 * while it runs.  Syscalls on perf fds go through kernel/perf_sys, on the
 * instance through kernel/trace_instance; what a record means is decided
 * by demux (pure).
 *
 * Who counts which drop (perf events or the instance) is record/idle.h's
 * rule; the instance's rings are read by record/idle.c.
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

#include "dropprof/kernel/perf_sys.h"
#include "dropprof/kernel/skb_fields.h"
#include "dropprof/kernel/tp_format.h"
#include "dropprof/profile/profile.h"
#include "dropprof/record/demux.h"
#include "dropprof/record/idle.h"
#include "dropprof/record/record.h"
#include "dropprof/record/ring.h"
#include "dropprof/record/sampler.h"
#include "dropprof/util/cpumask.h"
#include "dropprof/util/error.h"
#include "dropprof/util/strbuf.h"

/* Two events per CPU share one ring: 'drop' counts every drop exactly
 * (raw fields only: a cheap record), 'stack' adds the kernel callchain for
 * one drop in 'period'.  With --all-stacks, 'drop' carries the callchain
 * itself and there is no 'stack' event.  IDENTIFIER comes first in every
 * sample, so the reader knows which layout follows.  No CPU field: each
 * ring belongs to one CPU, and every byte less is less to copy per drop. */
#define RAW_SAMPLE_TYPE (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_RAW)
#define STACK_SAMPLE_TYPE (RAW_SAMPLE_TYPE | PERF_SAMPLE_CALLCHAIN)
#define ADJUST_INTERVAL 0.1     /* seconds between period decisions */
#define HOTPLUG_INTERVAL 0.25   /* seconds between CPU online checks */
#define ONLINE_CPUS "/sys/devices/system/cpu/online"

struct cpu_events {
	bool open;               /* events open: the CPU is online */
	bool seen;               /* opened at least once */
	int drop_fd;
	int stack_fd;            /* -1 with --all-stacks */
	int free_fd;
	struct dp_sampler sampler;
	uint64_t drops_at_adjust;   /* cpu's drop count at the last decision */
	uint64_t last_enabled;      /* drop event's enabled time, last check */
	uint64_t frees;             /* consume_skb of earlier incarnations */
	uint64_t stack_base;        /* stack samples of earlier incarnations */
	bool frees_known;
	void *map;
	size_t map_len;
	struct dp_ring ring;
	struct dp_demux_cpu *dx;    /* r->dx[cpu] */
};

struct dp_recorder {
	struct dp_record_opts opts;
	struct dp_strbuf drop_filter;   /* "" for none */
	struct dp_strbuf stack_filter;
	struct dp_strbuf idle_filter;
	struct dp_idle idle;            /* the idle task's drops */
	struct dp_profile *prof;
	const struct dp_tp_format *kfree, *consume;   /* borrowed */
	struct dp_skb_layout layout;
	struct dp_demux demux;
	struct cpu_events *cpus;    /* indexed by CPU number */
	struct dp_demux_cpu *dx;    /* likewise: what demux counts per CPU */
	size_t nr_slots;            /* possible CPUs: prof->nr_cpu_slots */
	int epfd;
	int timerfd;
	struct timespec t0;
	double last_adjust, last_hotplug;
};

static double elapsed(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Unmap and close without reading anything (errors, and after stop). */
static void release_cpu(struct dp_recorder *r, struct cpu_events *c)
{
	if (c->drop_fd >= 0 && r->epfd >= 0)
		epoll_ctl(r->epfd, EPOLL_CTL_DEL, c->drop_fd, NULL);
	dp_ring_release(&c->ring);
	dp_perf_munmap(c->map, c->map_len);
	c->map = NULL;
	c->map_len = 0;
	close_fd(&c->stack_fd);
	close_fd(&c->drop_fd);
	close_fd(&c->free_fd);
	c->open = false;
}

void dp_recorder_free(struct dp_recorder *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nr_slots; i++)
		release_cpu(r, &r->cpus[i]);
	if (r->epfd >= 0)
		close(r->epfd);
	if (r->timerfd >= 0)
		close(r->timerfd);
	dp_strbuf_release(&r->drop_filter);
	dp_strbuf_release(&r->stack_filter);
	dp_strbuf_release(&r->idle_filter);
	dp_idle_release(&r->idle);
	free(r->cpus);
	free(r->dx);
	free(r);
}

static int apply_filter(int fd, const struct dp_strbuf *f, int cpu,
			struct dp_err *err)
{
	int ret;

	if (!f->len)
		return 0;
	ret = dp_perf_set_filter(fd, f->buf);
	if (ret)
		return dp_err_set(err, ret,
				  "the kernel rejected the filter '%s' on cpu %d: %s",
				  f->buf, cpu, strerror(-ret));
	return 0;
}

/* The sampled stack event, writing into the drop event's ring. */
static int open_stack_event(struct dp_recorder *r, struct cpu_events *c,
			    int cpu, struct dp_err *err)
{
	struct dp_perf_tp_attr a = {
		.tp_id = r->kfree->id,
		.cpu = cpu,
		.sample_type = STACK_SAMPLE_TYPE,
		.sample_period = 1,
		/* Its records wake the reader through the drop event's ring. */
		.wakeup_watermark = 1u << 30,
		.group_fd = -1,
	};
	int fd, ret;

	fd = dp_perf_open_tp(&a);
	if (fd < 0)
		return dp_err_set(err, fd,
				  "cannot open tracepoint 'skb:kfree_skb' for stacks on cpu %d: %s (%s)",
				  cpu, strerror(-fd), dp_perf_open_hint(fd));
	c->stack_fd = fd;
	ret = apply_filter(fd, &r->stack_filter, cpu, err);
	if (ret)
		return ret;
	ret = dp_perf_set_output(fd, c->drop_fd);
	if (!ret)
		ret = dp_perf_event_id(fd, &c->dx->stack_id);
	if (ret)
		return dp_err_set(err, ret,
				  "cannot attach the stack event to the ring on cpu %d: %s",
				  cpu, strerror(-ret));
	dp_sampler_init(&c->sampler, r->opts.stack_budget);
	c->dx->stack_period = c->sampler.period;
	return 0;
}

/* Open one CPU's events (disabled) and its ring, and watch the ring. */
static int open_cpu(struct dp_recorder *r, int cpu, struct dp_err *err)
{
	struct cpu_events *c = &r->cpus[cpu];
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct dp_perf_tp_attr a = {
		.tp_id = r->kfree->id,
		.cpu = cpu,
		.sample_type = r->demux.drop_type,
		.sample_period = 1,
		/* Wake when a quarter of the ring is full: the reader has
		 * three quarters of headroom to catch up before loss. */
		.wakeup_watermark = (uint32_t)(r->opts.ring_pages * page / 4),
		.group_fd = -1,
	};
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	int fd, ret;

	c->drop_fd = c->stack_fd = c->free_fd = -1;
	c->dx->drop_id = c->dx->stack_id = 0;
	fd = dp_perf_open_tp(&a);
	if (fd < 0)
		return dp_err_set(err, fd,
				  "cannot open tracepoint 'skb:kfree_skb' on cpu %d: %s (%s)",
				  cpu, strerror(-fd), dp_perf_open_hint(fd));
	c->drop_fd = fd;
	ret = apply_filter(fd, &r->drop_filter, cpu, err);
	if (ret)
		return ret;
	ret = dp_perf_mmap(fd, r->opts.ring_pages, &c->map, &c->map_len);
	if (ret)
		return dp_err_set(err, ret,
				  "cannot map a %zu KiB ring on cpu %d: %s (%s)",
				  r->opts.ring_pages * page / 1024, cpu,
				  strerror(-ret), dp_perf_open_hint(ret));
	ret = dp_ring_init(&c->ring, c->map, page, r->opts.ring_pages * page);
	if (ret)
		return dp_err_set(err, ret, "bad ring layout on cpu %d", cpu);
	ret = dp_perf_event_id(c->drop_fd, &c->dx->drop_id);
	if (ret)
		return dp_err_set(err, ret, "cannot read the event id on cpu %d: %s",
				  cpu, strerror(-ret));
	/* With --all-stacks and an instance, the idle task's drops still
	 * need their stacks: a stack event with every one of them. */
	if (!r->opts.all_stacks || r->idle.ti) {
		ret = open_stack_event(r, c, cpu, err);
		if (ret)
			return ret;
	}
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		ret = -errno;
		return dp_err_set(err, ret, "epoll_ctl: %s", strerror(-ret));
	}
	if (r->consume) {
		struct dp_perf_tp_attr ca = {
			.tp_id = r->consume->id, .cpu = cpu, .group_fd = -1,
		};

		fd = dp_perf_open_tp(&ca);
		if (fd < 0)
			return dp_err_set(err, fd,
					  "cannot open tracepoint 'skb:consume_skb' on cpu %d: %s (%s)",
					  cpu, strerror(-fd), dp_perf_open_hint(fd));
		c->free_fd = fd;
	}
	c->open = true;
	c->last_enabled = 0;
	if (!c->seen) {
		c->seen = true;
		c->frees_known = true;
		r->prof->cpu_recorded[cpu] = true;
	}
	return 0;
}

static int enable_cpu(struct cpu_events *c)
{
	int ret;

	/* Counters first, so no drop is seen without its frees window. */
	if (c->free_fd >= 0 && (ret = dp_perf_enable(c->free_fd)))
		return ret;
	if ((ret = dp_perf_enable(c->drop_fd)))
		return ret;
	if (c->stack_fd >= 0 && (ret = dp_perf_enable(c->stack_fd)))
		return ret;
	return 0;
}

struct drain_ctx {
	struct dp_recorder *r;
	struct cpu_events *c;
};

static int on_record(void *arg, const struct perf_event_header *rec)
{
	struct drain_ctx *d = arg;

	return dp_demux_record(&d->r->demux, d->c->dx, rec);
}

static int drain_cpu(struct dp_recorder *r, struct cpu_events *c)
{
	struct drain_ctx d = { r, c };
	long ret;

	if (!c->map)
		return 0;
	ret = dp_ring_drain(&c->ring, on_record, &d, 0);
	return ret < 0 ? (int)ret : 0;
}

static int drain_all(struct dp_recorder *r)
{
	for (size_t i = 0; i < r->nr_slots; i++) {
		int ret = drain_cpu(r, &r->cpus[i]);

		if (!ret)
			ret = dp_idle_drain(&r->idle, (int)i, &r->demux, r->cpus[i].dx);
		if (ret)
			return ret;
	}
	return 0;
}

/* The end of an incarnation: stop the events, empty the ring, and let
 * the kernel's own counts settle what was delivered and what was lost. */
static int retire_cpu(struct dp_recorder *r, struct cpu_events *c)
{
	struct dp_perf_counts drop = { 0 }, stack = { 0 };
	bool known;
	uint64_t v;
	int ret;

	dp_perf_disable(c->drop_fd);
	if (c->stack_fd >= 0)
		dp_perf_disable(c->stack_fd);
	if (c->free_fd >= 0)
		dp_perf_disable(c->free_fd);
	ret = drain_cpu(r, c);
	c->dx->bad += c->ring.bad_records;
	c->ring.bad_records = 0;
	known = dp_perf_read_counts(c->drop_fd, &drop) == 0;
	if (c->stack_fd >= 0 && dp_perf_read_counts(c->stack_fd, &stack) == 0) {
		/* A stack with every hit (--all-stacks, or a sampler that
		 * never left period 1): what did not arrive is lost, whatever
		 * the kernel said; else the kernel's own lost count. */
		uint64_t got = c->dx->stack_delivered - c->stack_base;

		if ((r->opts.all_stacks || c->sampler.max_period <= 1) &&
		    stack.value > got)
			stack.lost = stack.value - got;
		c->stack_base = c->dx->stack_delivered;
	} else {
		stack.lost = 0;
	}
	dp_demux_hits(c->dx, drop.value, known, stack.lost);
	if (c->free_fd >= 0) {
		if (dp_perf_read_count(c->free_fd, &v) == 0)
			c->frees += v;
		else
			c->frees_known = false;
	}
	release_cpu(r, c);
	return ret;
}

int dp_recorder_open(struct dp_recorder **out, const struct dp_record_opts *o,
		     const char *filter, struct dp_trace_instance *ti,
		     struct dp_profile *prof, const struct dp_tp_format *kfree,
		     const struct dp_tp_format *consume,
		     const struct dp_addr_range *plumbing, size_t nr_plumbing,
		     const int *cpus, size_t nr_cpus, struct dp_err *err)
{
	struct dp_recorder *r;
	int ret;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return dp_err_set(err, -ENOMEM, "out of memory");
	r->epfd = r->timerfd = -1;
	r->opts = *o;
	dp_strbuf_init(&r->drop_filter);
	dp_strbuf_init(&r->stack_filter);
	r->prof = prof;
	r->kfree = kfree;
	r->consume = consume;
	dp_strbuf_init(&r->idle_filter);
	ret = dp_idle_filters(filter, ti != NULL, o->all_stacks, &r->drop_filter,
			      &r->stack_filter, &r->idle_filter);
	if (ret)
		goto fail;
	ret = dp_skb_layout_init(&r->layout, kfree);
	if (ret) {
		dp_err_set(err, ret,
			   "tracepoint 'skb:kfree_skb' has no 'location' field: unsupported kernel");
		goto fail;
	}
	prof->has_reason = r->layout.has_reason;
	prof->has_rx_sk = r->layout.has_rx_sk;
	prof->all_stacks = o->all_stacks;
	prof->stack_budget = o->all_stacks ? 0 : o->stack_budget;
	r->demux = (struct dp_demux){
		.prof = prof,
		.layout = &r->layout,
		.plumbing = plumbing,
		.nr_plumbing = nr_plumbing,
		.drop_type = o->all_stacks ? STACK_SAMPLE_TYPE : RAW_SAMPLE_TYPE,
		.stack_type = STACK_SAMPLE_TYPE,
		.all_stacks = o->all_stacks,
		.idle_stacks = o->all_stacks && ti,
		.kfree_id = kfree->id,
	};
	r->cpus = calloc(prof->nr_cpu_slots ? prof->nr_cpu_slots : 1, sizeof(*r->cpus));
	r->dx = calloc(prof->nr_cpu_slots ? prof->nr_cpu_slots : 1, sizeof(*r->dx));
	if (!r->cpus || !r->dx) {
		ret = -ENOMEM;
		goto fail;
	}
	/* Only now: dp_recorder_free() walks nr_slots of them. */
	r->nr_slots = prof->nr_cpu_slots;
	for (size_t i = 0; i < r->nr_slots; i++) {
		struct cpu_events *c = &r->cpus[i];

		c->drop_fd = c->stack_fd = c->free_fd = -1;
		c->dx = &r->dx[i];
		c->dx->cpu = (int)i;
		c->dx->hits_known = true;
	}
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0) {
		ret = -errno;
		dp_err_set(err, ret, "epoll_create1: %s", strerror(-ret));
		goto fail;
	}
	ret = dp_idle_open(&r->idle, ti, r->idle_filter.buf, r->nr_slots,
			   r->epfd, err);
	if (ret)
		goto fail;
	for (size_t i = 0; i < nr_cpus; i++) {
		if (cpus[i] < 0 || (size_t)cpus[i] >= r->nr_slots) {
			ret = dp_err_set(err, -EINVAL,
					 "cpu %d is beyond the possible CPUs", cpus[i]);
			goto fail;
		}
		ret = open_cpu(r, cpus[i], err);
		if (ret)
			goto fail;
	}
	prof->frees_known = consume != NULL;
	*out = r;
	return 0;
fail:
	if (ret == -ENOMEM && (!err || !err->msg))
		dp_err_set(err, ret, "out of memory");
	dp_recorder_free(r);
	return ret;
}

int dp_recorder_start(struct dp_recorder *r, struct dp_err *err)
{
	int ret;

	if (r->opts.duration > 0) {
		struct itimerspec its = { 0 };

		r->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		if (r->timerfd < 0) {
			ret = -errno;
			return dp_err_set(err, ret, "cannot create the -d timer: %s%s",
					  strerror(-ret), ret == -EMFILE || ret == -ENFILE ?
					  " (raise 'ulimit -n')" : "");
		}
		its.it_value.tv_sec = (time_t)r->opts.duration;
		its.it_value.tv_nsec = (long)((r->opts.duration -
					      (double)its.it_value.tv_sec) * 1e9);
		if (timerfd_settime(r->timerfd, 0, &its, NULL) < 0) {
			ret = -errno;
			return dp_err_set(err, ret, "cannot arm the -d timer: %s",
					  strerror(-ret));
		}
	}
	for (size_t i = 0; i < r->nr_slots; i++)
		if (r->cpus[i].open && (ret = enable_cpu(&r->cpus[i])))
			return dp_err_set(err, ret, "cannot enable the perf events on cpu %zu: %s",
					  i, strerror(-ret));
	if ((ret = dp_idle_enable(&r->idle, err)))
		return ret;
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	r->prof->start_time = (int64_t)time(NULL);
	return 0;
}

/* Every ADJUST_INTERVAL, let each CPU's sampler pick the stack period
 * from the drops that CPU counted since the last decision. */
static void adjust_periods(struct dp_recorder *r, double now)
{
	double dt = now - r->last_adjust;

	if (r->opts.all_stacks || dt < ADJUST_INTERVAL)
		return;
	r->last_adjust = now;
	for (size_t i = 0; i < r->nr_slots; i++) {
		struct cpu_events *c = &r->cpus[i];
		uint64_t drops = r->prof->cpu_drops[i];
		uint64_t old = c->sampler.period, period;

		if (!c->open || c->stack_fd < 0)
			continue;
		period = dp_sampler_update(&c->sampler, drops - c->drops_at_adjust, dt);
		c->drops_at_adjust = drops;
		if (period == old)
			continue;
		if (dp_perf_set_period(c->stack_fd, period) == 0) {
			c->dx->stack_period = period;
			if (period > r->prof->stack_period_max)
				r->prof->stack_period_max = period;
		} else {
			c->sampler.period = old;   /* still sampling at old */
		}
	}
}

/* CPUs that went offline and came back, or came online for the first
 * time.  The kernel switches a CPU's events off when it goes offline and
 * never back on: an event whose enabled time stopped growing is dead.
 * A dead CPU's incarnation is retired (its counts kept); an online CPU
 * without events gets new ones.  Drops between a CPU coming online and
 * this check (at most HOTPLUG_INTERVAL) cannot be seen; the report says
 * which CPUs came and went. */
static int check_hotplug(struct dp_recorder *r, double now)
{
	struct dp_err err = DP_ERR_INIT;
	bool *online;
	int *list = NULL;
	size_t nr = 0;
	int ret = 0;

	if (now - r->last_hotplug < HOTPLUG_INTERVAL)
		return 0;
	r->last_hotplug = now;
	online = calloc(r->nr_slots ? r->nr_slots : 1, sizeof(*online));
	if (!online)
		return -ENOMEM;
	if (dp_cpulist_read(ONLINE_CPUS, &list, &nr) == 0)
		for (size_t i = 0; i < nr; i++)
			if (list[i] >= 0 && (size_t)list[i] < r->nr_slots)
				online[list[i]] = true;
	free(list);
	for (size_t i = 0; i < r->nr_slots && !ret; i++) {
		struct cpu_events *c = &r->cpus[i];
		struct dp_perf_counts k;

		if (c->open) {
			bool dead = !online[i];

			if (!dead && dp_perf_read_counts(c->drop_fd, &k) == 0) {
				dead = k.enabled == c->last_enabled;
				c->last_enabled = k.enabled;
			}
			if (!dead)
				continue;
			ret = retire_cpu(r, c);
			r->prof->cpu_offline[i]++;
		}
		if (ret || !online[i])
			continue;
		if (!c->seen)
			r->prof->cpus_added++;
		ret = open_cpu(r, (int)i, &err);
		if (!ret)
			ret = enable_cpu(c);
		if (ret) {
			/* The CPU may have gone again already: not fatal. */
			dp_warn("cannot record cpu %zu after it came online: %s",
				i, dp_err_msg(&err));
			release_cpu(r, c);
			ret = 0;
		}
	}
	dp_err_release(&err);
	free(online);
	return ret;
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
		int n = epoll_wait(r->epfd, evs, 64,
				   (int)(HOTPLUG_INTERVAL * 1000));
		bool stop = false;
		double now;

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
		now = elapsed(&r->t0);
		adjust_periods(r, now);
		ret = check_hotplug(r, now);
		if (ret)
			break;
	}
out:
	if (stop_fd >= 0)
		epoll_ctl(r->epfd, EPOLL_CTL_DEL, stop_fd, NULL);
	return ret;
}

int dp_recorder_stop(struct dp_recorder *r)
{
	int ret = 0, err;

	r->prof->duration = elapsed(&r->t0);
	dp_idle_disable(&r->idle);
	for (size_t i = 0; i < r->nr_slots; i++) {
		struct cpu_events *c = &r->cpus[i];

		if (c->open && (err = retire_cpu(r, c)) && !ret)
			ret = err;
	}
	for (size_t i = 0; i < r->nr_slots; i++)
		if ((err = dp_idle_finish(&r->idle, (int)i, &r->demux,
					  r->cpus[i].dx)) && !ret)
			ret = err;
	r->prof->frees = 0;
	for (size_t i = 0; i < r->nr_slots; i++) {
		struct cpu_events *c = &r->cpus[i];

		if (!c->seen)
			continue;
		r->prof->cpu_frees[i] = c->frees;
		r->prof->frees += c->frees;
		if (!c->frees_known)
			r->prof->frees_known = false;
	}
	/* Every slot: a CPU never recorded by perf adds nothing, but any
	 * ftrace entries it had are accounted for. */
	dp_demux_finish(&r->demux, r->dx, r->nr_slots);
	return ret;
}
