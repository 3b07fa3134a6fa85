/* session — glue between the system and a recording: finds tracefs (and
 * mounts it when needed, unmounting it again on close), loads the
 * tracepoint formats, the online CPU list and /proc/kallsyms once, and
 * owns the signal handling of a recording.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "dropprof/profile/names.h"
#include "dropprof/kernel/counters.h"
#include "dropprof/util/cpumask.h"
#include "dropprof/record/filter.h"
#include "dropprof/symbols/ksym.h"
#include "dropprof/symbols/plumbing.h"
#include "dropprof/record/record.h"
#include "dropprof/record/sample.h"
#include "dropprof/record/session.h"
#include "dropprof/symbols/symmap.h"

#define ONLINE_CPUS "/sys/devices/system/cpu/online"
#define POSSIBLE_CPUS "/sys/devices/system/cpu/possible"
#define KALLSYMS "/proc/kallsyms"
#define PROCNET "/proc/net"

static int find_tracefs(struct dp_session *s, char *err, size_t errlen)
{
	int ret = dp_tracefs_find("/proc/mounts", s->tracefs, sizeof(s->tracefs));

	if (ret == 0)
		return 0;
	ret = dp_tracefs_locate(s->tracefs, sizeof(s->tracefs));
	if (ret) {
		snprintf(err, errlen,
			 "cannot mount tracefs at /sys/kernel/tracing: %s (run as root, or 'mount -t tracefs nodev /sys/kernel/tracing')",
			 strerror(-ret));
		return ret;
	}
	s->mounted_tracefs = true;
	return 0;
}

static int load_formats(struct dp_session *s, char *err, size_t errlen)
{
	int ret = dp_tp_format_load(&s->kfree, s->tracefs, "skb", "kfree_skb");

	if (ret == -ENOENT) {
		snprintf(err, errlen,
			 "no tracepoint 'skb:kfree_skb' under '%s/events': the kernel needs CONFIG_TRACEPOINTS and CONFIG_NET",
			 s->tracefs);
		return ret;
	}
	if (ret == -EACCES || ret == -EPERM) {
		snprintf(err, errlen,
			 "cannot read '%s/events/skb/kfree_skb/format': permission denied (run as root)",
			 s->tracefs);
		return ret;
	}
	if (ret) {
		snprintf(err, errlen,
			 "cannot parse '%s/events/skb/kfree_skb/format': %s",
			 s->tracefs, strerror(-ret));
		return ret;
	}
	/* Frees are context, not the subject: without them the report just
	 * says the drop share is unknown. */
	s->have_consume = dp_tp_format_load(&s->consume, s->tracefs, "skb",
					    "consume_skb") == 0;
	return 0;
}

/* Room for every CPU that can ever come online during the recording. */
static size_t cpu_slots(const struct dp_session *s)
{
	size_t slots = (size_t)s->cpus[s->nr_cpus - 1] + 1;
	int *possible = NULL;
	size_t nr = 0;

	if (dp_cpulist_read(POSSIBLE_CPUS, &possible, &nr) == 0 && nr &&
	    (size_t)possible[nr - 1] + 1 > slots)
		slots = (size_t)possible[nr - 1] + 1;
	free(possible);
	return slots;
}

int dp_session_open(struct dp_session *s, char *err, size_t errlen)
{
	struct utsname u;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = find_tracefs(s, err, errlen);
	if (ret)
		return ret;
	ret = load_formats(s, err, errlen);
	if (ret)
		goto fail;
	ret = dp_cpulist_read(ONLINE_CPUS, &s->cpus, &s->nr_cpus);
	if (ret) {
		snprintf(err, errlen, "cannot read the online CPU list '%s': %s",
			 ONLINE_CPUS, strerror(-ret));
		goto fail;
	}
	dp_cpulist_format(s->cpus, s->nr_cpus, s->cpu_list, sizeof(s->cpu_list));
	ret = dp_ksyms_load(&s->ksyms, KALLSYMS);
	if (ret) {
		/* Raw addresses are still a useful report. */
		fprintf(stderr, "dropprof: cannot load '%s': %s; addresses will be printed raw\n",
			KALLSYMS, strerror(-ret));
		s->ksyms = NULL;
	}
	ret = dp_plumbing_ranges(s->ksyms, &s->plumbing, &s->nr_plumbing);
	if (ret)
		goto fail;
	ret = dp_profile_init(&s->prof, cpu_slots(s), DP_DEFAULT_MAX_STACKS);
	if (ret)
		goto fail;
	snprintf(s->prof.cpu_list, sizeof(s->prof.cpu_list), "%s", s->cpu_list);
	if (uname(&u) == 0)
		snprintf(s->prof.kernel, sizeof(s->prof.kernel), "%s", u.release);
	if (gethostname(s->prof.hostname, sizeof(s->prof.hostname) - 1))
		snprintf(s->prof.hostname, sizeof(s->prof.hostname), "unknown");
	return 0;
fail:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	dp_session_close(s);
	return ret;
}

static int block_signals(sigset_t *set, int *sfd)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, set, NULL) < 0)
		return -errno;
	*sfd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (*sfd < 0) {
		int ret = -errno;

		sigprocmask(SIG_UNBLOCK, set, NULL);
		return ret;
	}
	return 0;
}

/* Keep the counters that moved, in the order counters.c gives them. */
static int store_counter_deltas(struct dp_session *s,
				const struct dp_counters *before,
				const struct dp_counters *after)
{
	struct dp_counter_delta *d = NULL;
	size_t nr = 0;
	int ret = dp_counters_delta(before, after, &d, &nr);

	for (size_t i = 0; !ret && i < nr; i++)
		ret = dp_profile_add_counter(&s->prof, d[i].name, d[i].before,
					     d[i].after, d[i].delta,
					     d[i].drop_related);
	dp_counter_deltas_free(d, nr);
	return ret;
}

int dp_session_record(struct dp_session *s, const struct dp_record_opts *o,
		      char *err, size_t errlen)
{
	struct dp_counters before = { 0 }, after = { 0 };
	bool have_counters;
	struct dp_record_opts ro;
	struct dp_recorder *rec = NULL;
	struct signalfd_siginfo si;
	sigset_t set;
	int sfd = -1, ret;

	ret = block_signals(&set, &sfd);
	if (ret) {
		snprintf(err, errlen, "cannot set up signal handling: %s",
			 strerror(-ret));
		return ret;
	}
	ro = *o;
	if (ro.stop_fd < 0)
		ro.stop_fd = sfd;
	ret = dp_recorder_open(&rec, &ro, s->filter[0] ? s->filter : NULL, &s->prof, &s->kfree,
			       s->have_consume ? &s->consume : NULL,
			       s->plumbing, s->nr_plumbing, s->cpus, s->nr_cpus,
			       err, errlen);
	if (ret)
		goto out;
	/* Counters are context: without /proc/net the report just has no
	 * counter section. */
	have_counters = dp_counters_snapshot(&before, PROCNET) == 0;
	ret = dp_recorder_start(rec);
	if (ret) {
		snprintf(err, errlen, "cannot enable the perf events: %s",
			 strerror(-ret));
		goto out;
	}
	if (!o->quiet) {
		if (o->duration > 0)
			fprintf(stderr, "dropprof: recording on %zu CPUs (%s) for %g s; Ctrl-C stops early\n",
				s->nr_cpus, s->cpu_list, o->duration);
		else
			fprintf(stderr, "dropprof: recording on %zu CPUs (%s); Ctrl-C stops and reports\n",
				s->nr_cpus, s->cpu_list);
	}
	ret = dp_recorder_run(rec);
	/* Consume the signal that stopped us (if one did): still pending at
	 * the unblock below, it would kill us before the report.  From here
	 * on a second Ctrl-C must end the process at once. */
	if (read(sfd, &si, sizeof(si)) < 0)
		(void)0;   /* EAGAIN: the timer stopped us, nothing pending */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (ret) {
		snprintf(err, errlen, "recording failed: %s", strerror(-ret));
		goto out;
	}
	ret = dp_recorder_stop(rec);
	if (ret) {
		snprintf(err, errlen, "recording failed: %s", strerror(-ret));
		goto out;
	}
	if (have_counters && dp_counters_snapshot(&after, PROCNET) == 0) {
		ret = store_counter_deltas(s, &before, &after);
		if (ret)
			snprintf(err, errlen, "out of memory");
	}
out:
	dp_counters_release(&before);
	dp_counters_release(&after);
	dp_recorder_free(rec);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	close(sfd);
	return ret;
}

int dp_session_set_filter(struct dp_session *s, const struct dp_filter_spec *spec,
			  char *err, size_t errlen)
{
	int ret = dp_filter_build(spec, &s->kfree, s->filter, sizeof(s->filter),
				  err, errlen);

	if (!ret)
		snprintf(s->prof.filter, sizeof(s->prof.filter), "%s", s->filter);
	return ret;
}

int dp_session_names(struct dp_session *s, struct dp_symmap *names)
{
	return dp_profile_names(names, &s->prof, s->ksyms, &s->kfree);
}

void dp_session_close(struct dp_session *s)
{
	dp_profile_release(&s->prof);
	free(s->plumbing);
	s->plumbing = NULL;
	dp_ksyms_free(s->ksyms);
	s->ksyms = NULL;
	free(s->cpus);
	s->cpus = NULL;
	dp_tp_format_release(&s->kfree);
	dp_tp_format_release(&s->consume);
	if (s->mounted_tracefs) {
		/* Leave the system as we found it. */
		umount2(s->tracefs, MNT_DETACH);
		s->mounted_tracefs = false;
	}
}
