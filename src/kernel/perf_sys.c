/* perf_sys — thin, syscall-only wrappers around perf_event_open(2), the perf
 * ioctls and the ring mapping.  Kept apart so tests can replace them with
 * -Wl,--wrap and nothing else in the tree touches the syscall ABI.  Also
 * the advice for their failures, which depends on what this process is
 * allowed (capabilities, perf_event_paranoid, rlimits).
 */
#include <errno.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dropprof/kernel/perf_sys.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38          /* Linux 5.8 */
#endif

int dp_perf_open_tp(const struct dp_perf_tp_attr *a)
{
	struct perf_event_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = (uint64_t)a->tp_id;
	attr.disabled = 1;
	if (a->sample_type) {
		attr.sample_type = a->sample_type;
		attr.sample_period = a->sample_period ? a->sample_period : 1;
		/* User stacks would only add ring traffic: a drop site is
		 * always in the kernel. */
		attr.exclude_callchain_user = 1;
		if (a->wakeup_events) {
			attr.wakeup_events = a->wakeup_events;
		} else {
			attr.watermark = 1;
			attr.wakeup_watermark = a->wakeup_watermark;
		}
	}
	/* The event's own times tell a live event from one the kernel
	 * switched off (its CPU went offline); its own lost count (6.0+)
	 * reconciles what the ring delivered. */
	attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED |
			   PERF_FORMAT_TOTAL_TIME_RUNNING | PERF_FORMAT_LOST;
	fd = syscall(SYS_perf_event_open, &attr, -1 /* all pids */, a->cpu,
		     a->group_fd, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 && errno == EINVAL) {
		/* Before 6.0 there is no PERF_FORMAT_LOST. */
		attr.read_format &= ~(uint64_t)PERF_FORMAT_LOST;
		fd = syscall(SYS_perf_event_open, &attr, -1, a->cpu,
			     a->group_fd, PERF_FLAG_FD_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	return (int)fd;
}

int dp_perf_mmap(int fd, size_t data_pages, void **base, size_t *len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t size = (data_pages + 1) * page;
	void *p;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*base = p;
	*len = size;
	return 0;
}

void dp_perf_munmap(void *base, size_t len)
{
	if (base)
		munmap(base, len);
}

static int perf_ioctl(int fd, unsigned long req, unsigned long arg)
{
	if (ioctl(fd, req, arg) < 0)
		return -errno;
	return 0;
}

int dp_perf_set_output(int fd, int target_fd)
{
	return perf_ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, (unsigned long)target_fd);
}

int dp_perf_set_period(int fd, uint64_t period)
{
	return perf_ioctl(fd, PERF_EVENT_IOC_PERIOD, (unsigned long)&period);
}

int dp_perf_enable(int fd)
{
	return perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
}

int dp_perf_disable(int fd)
{
	return perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
}

int dp_perf_set_filter(int fd, const char *filter)
{
	return perf_ioctl(fd, PERF_EVENT_IOC_SET_FILTER, (unsigned long)filter);
}

int dp_perf_event_id(int fd, uint64_t *id)
{
	return perf_ioctl(fd, PERF_EVENT_IOC_ID, (unsigned long)id);
}

int dp_perf_probe_tp(int tp_id, int cpu)
{
	struct dp_perf_tp_attr a = {
		.tp_id = tp_id,
		.cpu = cpu,
		/* The recorder's stack event: PERF_SAMPLE_RAW is what
		 * kernel.perf_event_paranoid 0 and 1 refuse. */
		.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_RAW |
			       PERF_SAMPLE_CALLCHAIN,
		.sample_period = 1,
		.wakeup_watermark = 1u << 30,
		.group_fd = -1,
	};
	int fd = dp_perf_open_tp(&a);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int dp_perf_read_counts(int fd, struct dp_perf_counts *c)
{
	/* value, time_enabled, time_running[, lost]: read_format order */
	uint64_t v[4] = { 0 };
	ssize_t n = read(fd, v, sizeof(v));

	if (n < 0)
		return -errno;
	if (n < (ssize_t)(3 * sizeof(v[0])))
		return -EIO;
	c->value = v[0];
	c->enabled = v[1];
	c->running = v[2];
	c->lost_known = n >= (ssize_t)sizeof(v);
	c->lost = c->lost_known ? v[3] : 0;
	return 0;
}

int dp_perf_read_count(int fd, uint64_t *value)
{
	struct dp_perf_counts c = { 0 };
	int ret = dp_perf_read_counts(fd, &c);

	if (!ret)
		*value = c.value;
	return ret;
}

/* Effective capability bit cap of this process (capget(2) without
 * libcap).  False when it cannot be read. */
static bool has_cap(unsigned int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (cap >= 64 || syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

void dp_perf_env_read(struct dp_perf_env *env)
{
	struct rlimit rl;
	FILE *f;

	memset(env, 0, sizeof(*env));
	/* Every kernel since 4.6 defaults to 2. */
	env->paranoid = 2;
	f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	if (f) {
		if (fscanf(f, "%d", &env->paranoid) != 1)
			env->paranoid = 2;
		fclose(f);
	}
	env->cap_perfmon = has_cap(CAP_PERFMON) || has_cap(CAP_SYS_ADMIN);
	env->cap_ipc_lock = has_cap(CAP_IPC_LOCK);
	env->as_limited = getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY;
}

/* Measured on 6.18 as an unprivileged user: system-wide tracepoint
 * samples with raw data need CAP_PERFMON (or CAP_SYS_ADMIN) or
 * perf_event_paranoid -1 (0 and 1 still give EPERM, 2 gives EACCES).
 * Rings beyond kernel.perf_event_mlock_kb per CPU are charged to
 * RLIMIT_MEMLOCK, and going over it is EPERM from mmap(2) unless the
 * process has CAP_IPC_LOCK or paranoid is -1; RLIMIT_AS is ENOMEM. */
const char *dp_perf_hint(int err, const struct dp_perf_env *env)
{
	bool perf_ok = env->cap_perfmon || env->paranoid <= -1;

	switch (err) {
	case -EACCES:
	case -EPERM:
		if (!perf_ok)
			return "run as root, or give CAP_PERFMON, or set kernel.perf_event_paranoid=-1";
		if (err == -EPERM && env->paranoid > -1 && !env->cap_ipc_lock)
			return "the rings exceed the locked memory allowed (kernel.perf_event_mlock_kb per CPU, then 'ulimit -l'): lower -m, raise 'ulimit -l', or give CAP_IPC_LOCK";
		return "refused although perf events are allowed: a container without CAP_PERFMON on the host, a security module or kernel lockdown forbids them";
	case -ENOENT:
	case -ENODEV:
		return "the kernel has no such tracepoint (needs CONFIG_TRACEPOINTS and CONFIG_NET)";
	case -EMFILE:
	case -ENFILE:
		return "too many open files: raise 'ulimit -n'";
	case -ENOMEM:
		if (env->as_limited)
			return "out of address space for the rings: raise 'ulimit -v' (RLIMIT_AS) or lower -m";
		return "out of memory for the rings: lower -m";
	case -EINVAL:
		return "the kernel rejected the event attributes (kernel too old?)";
	case -ENOSYS:
		return "the kernel was built without perf events (CONFIG_PERF_EVENTS)";
	default:
		return "see perf_event_open(2)";
	}
}

const char *dp_perf_open_hint(int err)
{
	struct dp_perf_env env;

	dp_perf_env_read(&env);
	return dp_perf_hint(err, &env);
}
