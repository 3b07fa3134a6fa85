/* session — everything a live recording needs from the running system,
 * set up in order: tracefs, the skb tracepoint formats, the online CPUs,
 * the kernel symbol table, and the profile they feed.  Shared by every
 * command that records.
 */
#ifndef DROPPROF_SESSION_H
#define DROPPROF_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "dropprof/profile/profile.h"
#include "dropprof/record/record.h"
#include "dropprof/util/error.h"
#include "dropprof/util/strbuf.h"
#include "dropprof/kernel/tp_format.h"

struct dp_ksyms;
struct dp_addr_range;
struct dp_report;
struct dp_report_opts;
struct dp_symmap;
struct dp_trace_instance;


struct dp_session {
	char tracefs[4096];       /* PATH_MAX: a longer one is an error */
	bool mounted_tracefs;     /* we mounted it: unmount on close */
	int mount_cleanup;        /* its util/cleanup registration */
	struct dp_tp_format kfree;
	struct dp_tp_format consume;
	bool have_consume;
	int *cpus;
	size_t nr_cpus;
	struct dp_strbuf cpu_list; /* "0-3,8" */
	struct dp_ksyms *ksyms;
	struct dp_addr_range *plumbing;
	size_t nr_plumbing;
	struct dp_profile prof;
	struct dp_strbuf filter;  /* tracepoint filter, "" for none */
	struct dp_trace_instance *ti;  /* dropprof's tracefs instance while
					  recording, NULL when none */
	int ti_cleanup;           /* its registrations with util/cleanup */
	int *fd_cleanups;         /* one per open instance fd */
	size_t nr_fd_cleanups;
};

/* Prepare everything short of opening perf events.  On failure err gets
 * one line that says what failed and what to do.  Returns 0 or -errno. */
int dp_session_open(struct dp_session *s, struct dp_err *err);

/* Set the in-kernel filter (see filter.h) for the next recording; the
 * profile remembers it.  -EINVAL/-ENOTSUP with *err: a usage error. */
int dp_session_set_filter(struct dp_session *s, const struct dp_filter_spec *spec,
			  struct dp_err *err);

/* Record until the duration ends or o->stop_fd becomes readable (the
 * command's signal pipe, see cmd/signals.h).  Returns 0 or -errno with
 * err set. */
int dp_session_record(struct dp_session *s, const struct dp_record_opts *o,
		      struct dp_err *err);

/* Resolve the names of what was recorded (for saving or reporting). */
int dp_session_names(struct dp_session *s, struct dp_symmap *names);

void dp_session_close(struct dp_session *s);

#endif
