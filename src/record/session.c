/* session — glue between the system and a recording: finds tracefs (and
 * mounts it when needed, unmounting it again on close), loads the
 * tracepoint formats, the online CPU list and /proc/kallsyms once, makes
 * dropprof's own tracefs instance for the idle task's drops, and takes
 * the kernel counters around the recording.  Whatever it changes in the
 * system is also registered with util/cleanup, so a fatal signal undoes
 * it too.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "dropprof/kernel/procnet.h"
#include "dropprof/kernel/trace_instance.h"
#include "dropprof/kernel/tracefs.h"
#include "dropprof/profile/counters.h"
#include "dropprof/record/context.h"
#include "dropprof/profile/names.h"
#include "dropprof/record/filter.h"
#include "dropprof/record/record.h"
#include "dropprof/record/sample.h"
#include "dropprof/record/session.h"
#include "dropprof/symbols/buildid.h"
#include "dropprof/symbols/ksym.h"
#include "dropprof/symbols/plumbing.h"

/* The running kernel's ELF notes: its build-id. */
#define DP_KERNEL_NOTES "/sys/kernel/notes"
#include "dropprof/symbols/symmap.h"
#include "dropprof/util/cleanup.h"
#include "dropprof/util/cpumask.h"
#include "dropprof/util/error.h"
#include "dropprof/util/strbuf.h"

#define ONLINE_CPUS "/sys/devices/system/cpu/online"
#define POSSIBLE_CPUS "/sys/devices/system/cpu/possible"
#define KALLSYMS "/proc/kallsyms"

static int find_tracefs(struct dp_session *s, struct dp_err *err)
{
	sigset_t old;
	int ret = dp_tracefs_find(DP_PROC_MOUNTS, s->tracefs, sizeof(s->tracefs));

	if (ret == 0)
		return 0;
	if (ret != -ENODEV)
		return dp_err_set(err, ret, "cannot read '%s' to find tracefs: %s%s%s",
				  DP_PROC_MOUNTS, strerror(-ret),
				  *dp_tracefs_access_hint(ret) ? " " : "",
				  dp_tracefs_access_hint(ret));
	/* Mounted nowhere: mount it, and make sure even a fatal signal
	 * unmounts it again. */
	dp_cleanup_block(&old);
	ret = dp_tracefs_mount(s->tracefs, sizeof(s->tracefs));
	if (ret == 0) {
		s->mounted_tracefs = true;
		s->mount_cleanup = dp_cleanup_add(DP_CLEANUP_UMOUNT, s->tracefs, -1);
	}
	dp_cleanup_unblock(&old);
	if (ret)
		return dp_err_set(err, ret, "cannot mount tracefs at '%s': %s (%s)",
				  DP_TRACEFS_DEFAULT, strerror(-ret),
				  dp_tracefs_mount_hint(ret));
	return 0;
}

static int load_formats(struct dp_session *s, struct dp_err *err)
{
	int ret = dp_tp_format_load(&s->kfree, s->tracefs, "skb", "kfree_skb");

	if (ret == -ENOENT) {
		dp_err_set(err, ret, "no tracepoint 'skb:kfree_skb' under '%s/events': the kernel needs CONFIG_TRACEPOINTS and CONFIG_NET",
			 s->tracefs);
		return ret;
	}
	if (ret == -EACCES || ret == -EPERM) {
		dp_err_set(err, ret, "cannot read '%s/events/skb/kfree_skb/format': %s (%s)",
			   s->tracefs, strerror(-ret), dp_tracefs_access_hint(ret));
		return ret;
	}
	if (ret) {
		dp_err_set(err, ret, "cannot parse '%s/events/skb/kfree_skb/format': %s",
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

int dp_session_open(struct dp_session *s, struct dp_err *err)
{
	struct utsname u;
	int ret;

	memset(s, 0, sizeof(*s));
	s->mount_cleanup = -1;
	dp_strbuf_init(&s->cpu_list);
	dp_strbuf_init(&s->filter);
	ret = find_tracefs(s, err);
	if (ret)
		return ret;
	ret = load_formats(s, err);
	if (ret)
		goto fail;
	ret = dp_cpulist_read(ONLINE_CPUS, &s->cpus, &s->nr_cpus);
	if (ret) {
		dp_err_set(err, ret, "cannot read the online CPU list '%s': %s",
			 ONLINE_CPUS, strerror(-ret));
		goto fail;
	}
	ret = dp_cpulist_format(s->cpus, s->nr_cpus, &s->cpu_list);
	if (ret)
		goto fail;
	ret = dp_ksyms_load(&s->ksyms, KALLSYMS);
	if (ret) {
		/* Raw addresses are still a useful report. */
		dp_warn("cannot load '%s': %s; addresses will be printed raw",
			KALLSYMS, strerror(-ret));
		s->ksyms = NULL;
	}
	ret = dp_plumbing_ranges(s->ksyms, &s->plumbing, &s->nr_plumbing);
	if (ret)
		goto fail;
	ret = dp_profile_init(&s->prof, cpu_slots(s), DP_DEFAULT_MAX_STACKS);
	if (ret)
		goto fail;
	ret = dp_profile_set_cpu_list(&s->prof, s->cpu_list.buf);
	if (ret)
		goto fail;
	if (uname(&u) == 0)
		snprintf(s->prof.kernel, sizeof(s->prof.kernel), "%s", u.release);
	if (gethostname(s->prof.hostname, sizeof(s->prof.hostname) - 1))
		snprintf(s->prof.hostname, sizeof(s->prof.hostname), "unknown");
	return 0;
fail:
	if (ret == -ENOMEM)
		dp_err_set(err, ret, "out of memory");
	dp_session_close(s);
	return ret;
}

/* Remove the instance (fds first: they keep it busy) and forget its
 * cleanup registrations. */
static void close_instance(struct dp_session *s)
{
	sigset_t old;

	if (!s->ti)
		return;
	dp_cleanup_block(&old);
	for (size_t i = 0; i < s->nr_fd_cleanups; i++)
		dp_cleanup_remove(s->fd_cleanups[i]);
	free(s->fd_cleanups);
	s->fd_cleanups = NULL;
	s->nr_fd_cleanups = 0;
	dp_trace_instance_free(s->ti);
	s->ti = NULL;
	dp_cleanup_remove(s->ti_cleanup);
	s->ti_cleanup = -1;
	dp_cleanup_unblock(&old);
}

/* dropprof's own tracefs instance, for the drops in the idle task that
 * some kernels count on perf events but never deliver.  Without one the
 * recording still works; those drops then show as lost. */
static void open_instance(struct dp_session *s, const struct dp_record_opts *o)
{
	struct dp_err e = DP_ERR_INIT;
	unsigned long kb = o->ring_pages * (unsigned long)sysconf(_SC_PAGESIZE) / 1024;
	sigset_t old;
	int ret;

	{
		struct dp_strbuf gone = DP_STRBUF_INIT;

		if (dp_trace_instance_reap(s->tracefs, "dropprof", 10, &gone) > 0)
			dp_warn("removed tracefs instances of dropprof runs that were killed: %s",
				gone.buf);
		dp_strbuf_release(&gone);
	}
	/* Created and registered for cleanup as one step.  (Sizing the
	 * buffer holds buffer_size_kb open for tens of ms; trace_instance.c's
	 * file helpers hold the cleanup signals off while a file is open.) */
	dp_cleanup_block(&old);
	ret = dp_trace_instance_create(&s->ti, s->tracefs, "dropprof", &e);
	if (ret == 0)
		s->ti_cleanup = dp_cleanup_add(DP_CLEANUP_RMDIR,
					       dp_trace_instance_path(s->ti), -1);
	dp_cleanup_unblock(&old);
	if (ret == 0)
		ret = dp_trace_instance_set_buffer_kb(s->ti, kb < 64 ? 64 : kb, &e);
	if (ret) {
		dp_warn("no tracefs instance for drops in idle context (%s): where perf does not deliver them they are counted as lost",
			dp_err_msg(&e));
		close_instance(s);
	}
	dp_err_release(&e);
}

/* The recorder opened the instance's per-CPU fds: register them, so a
 * fatal signal closes them before it removes the instance (an open
 * trace_pipe_raw keeps the directory busy). */
static void register_instance_fds(struct dp_session *s)
{
	size_t nr = 0, failed = 0;
	const int *fds = dp_trace_instance_fds(s->ti, &nr);
	sigset_t old;

	s->fd_cleanups = calloc(nr ? nr : 1, sizeof(*s->fd_cleanups));
	dp_cleanup_block(&old);
	for (size_t i = 0; i < nr; i++) {
		int h;

		if (fds[i] < 0)
			continue;
		h = dp_cleanup_add(DP_CLEANUP_CLOSE, NULL, fds[i]);
		if (h < 0 || !s->fd_cleanups) {
			dp_cleanup_remove(h);
			failed++;
			continue;
		}
		s->fd_cleanups[s->nr_fd_cleanups++] = h;
	}
	dp_cleanup_unblock(&old);
	if (failed)
		dp_warn("%zu tracefs instance fds are not registered for cleanup: a second Ctrl-C may leave '%s' (the next run removes it)",
			failed, dp_trace_instance_path(s->ti));
}

/* The CPUs recorded, which CPUs that came online during the recording
 * join: what the report's "on N CPUs (LIST)" says. */
static int store_recorded_cpus(struct dp_session *s)
{
	struct dp_strbuf list = DP_STRBUF_INIT;
	int *cpus = calloc(s->prof.nr_cpu_slots ? s->prof.nr_cpu_slots : 1, sizeof(int));
	size_t nr = 0;
	int ret;

	if (!cpus)
		return -ENOMEM;
	for (size_t i = 0; i < s->prof.nr_cpu_slots; i++)
		if (s->prof.cpu_recorded[i])
			cpus[nr++] = (int)i;
	ret = dp_cpulist_format(cpus, nr, &list);
	if (!ret)
		ret = dp_profile_set_cpu_list(&s->prof, list.buf);
	dp_strbuf_release(&list);
	free(cpus);
	return ret;
}

int dp_session_record(struct dp_session *s, const struct dp_record_opts *o,
		      struct dp_err *err)
{
	struct dp_context ctx;
	struct dp_recorder *rec = NULL;
	sigset_t old;
	int ret;

	dp_context_init(&ctx);
	open_instance(s, o);
	/* The recorder opens the instance's trace_pipe_raw fds; until they
	 * are registered, a fatal signal's cleanup could not close them and
	 * its rmdir of the instance would fail (EBUSY): the signals wait. */
	dp_cleanup_block(&old);
	ret = dp_recorder_open(&rec, o, s->filter.len ? s->filter.buf : NULL,
			       s->ti, &s->prof, &s->kfree,
			       s->have_consume ? &s->consume : NULL,
			       s->plumbing, s->nr_plumbing, s->cpus, s->nr_cpus, err);
	if (!ret && s->ti)
		register_instance_fds(s);
	dp_cleanup_unblock(&old);
	if (ret)
		goto out;
	/* Counters are context: without them the report just has no
	 * counter section; only running out of memory is an error. */
	ret = dp_context_begin(&ctx);
	if (ret) {
		dp_err_set(err, ret, "out of memory");
		goto out;
	}
	ret = dp_recorder_start(rec, err);
	if (ret)
		goto out;
	if (!o->quiet) {
		if (o->duration > 0)
			dp_info("recording on %zu CPUs (%s) for %g s; Ctrl-C stops early",
				s->nr_cpus, s->cpu_list.buf, o->duration);
		else
			dp_info("recording on %zu CPUs (%s); Ctrl-C stops and reports",
				s->nr_cpus, s->cpu_list.buf);
	}
	ret = dp_recorder_run(rec);
	if (ret) {
		dp_err_set(err, ret, "recording failed: %s", strerror(-ret));
		goto out;
	}
	ret = dp_recorder_stop(rec);
	if (ret) {
		dp_err_set(err, ret, "recording failed: %s", strerror(-ret));
		goto out;
	}
	ret = store_recorded_cpus(s);
	if (ret) {
		dp_err_set(err, ret, "out of memory");
		goto out;
	}
	ret = dp_context_end(&ctx, &s->prof, o->settings);
	if (ret)
		dp_err_set(err, ret, "out of memory");
out:
	dp_context_release(&ctx);
	dp_recorder_free(rec);
	close_instance(s);
	return ret;
}

int dp_session_set_filter(struct dp_session *s, const struct dp_filter_spec *spec,
			  struct dp_err *err)
{
	int ret;

	dp_strbuf_reset(&s->filter);
	ret = dp_filter_build(spec, &s->kfree, &s->filter, err);
	if (!ret && dp_profile_set_filter(&s->prof, s->filter.buf))
		ret = dp_err_set(err, -ENOMEM, "out of memory");
	return ret;
}

int dp_session_names(struct dp_session *s, struct dp_symmap *names)
{
	int err = dp_profile_names(names, &s->prof, s->ksyms, &s->kfree);

	/* The running kernel's build-id, so debuginfo of the same build
	 * can be found (now or later); unreadable notes only mean none. */
	if (!err && dp_buildid_read_notes(DP_KERNEL_NOTES, &names->kernel.buildid))
		names->kernel.buildid.len = 0;
	return err;
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
	dp_strbuf_release(&s->cpu_list);
	dp_strbuf_release(&s->filter);
	close_instance(s);
	if (s->mounted_tracefs) {
		sigset_t old;

		/* Leave the system as we found it. */
		dp_cleanup_block(&old);
		umount2(s->tracefs, MNT_DETACH);
		dp_cleanup_remove(s->mount_cleanup);
		s->mount_cleanup = -1;
		s->mounted_tracefs = false;
		dp_cleanup_unblock(&old);
	}
}
