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
#include "dropprof/kernel/tp_format.h"

struct dp_ksyms;
struct dp_addr_range;
struct dp_report;
struct dp_report_opts;
struct dp_symmap;


struct dp_session {
	char tracefs[4096];
	bool mounted_tracefs;     /* we mounted it: unmount on close */
	struct dp_tp_format kfree;
	struct dp_tp_format consume;
	bool have_consume;
	int *cpus;
	size_t nr_cpus;
	char cpu_list[256];
	struct dp_ksyms *ksyms;
	struct dp_addr_range *plumbing;
	size_t nr_plumbing;
	struct dp_profile prof;
	char filter[1024];        /* tracepoint filter, "" for none */
};

/* Prepare everything short of opening perf events.  On failure *err gets
 * one line that says what failed and what to do.  Returns 0 or -errno. */
int dp_session_open(struct dp_session *s, char *err, size_t errlen);

/* Set the in-kernel filter (see filter.h) for the next recording; the
 * profile remembers it.  -EINVAL/-ENOTSUP with *err: a usage error. */
int dp_session_set_filter(struct dp_session *s, const struct dp_filter_spec *spec,
			  char *err, size_t errlen);

/* Record until the duration ends or SIGINT/SIGTERM arrives.  After the
 * first signal the default disposition is restored, so a second Ctrl-C
 * ends the process at once.  Returns 0 or -errno with *err set. */
int dp_session_record(struct dp_session *s, const struct dp_record_opts *o,
		      char *err, size_t errlen);

/* Resolve the names of what was recorded (for saving or reporting). */
int dp_session_names(struct dp_session *s, struct dp_symmap *names);

void dp_session_close(struct dp_session *s);

#endif
