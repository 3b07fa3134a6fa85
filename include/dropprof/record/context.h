/* context — what surrounds a recording: the kernel counters of every
 * network namespace (and the machine-wide ones) at its start and end, and
 * the settings read at its end, stored in the profile as scopes
 * (profile/scope.h).
 *
 * Namespaces are found and entered by kernel/netns.h (setns on a helper
 * thread); dropprof's own threads never change namespace.  Nothing here
 * can make a recording fail: a namespace that cannot be entered or that
 * goes away is noted in its scope, and the report says so.
 */
#ifndef DROPPROF_RECORD_CONTEXT_H
#define DROPPROF_RECORD_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dropprof/kernel/netns.h"
#include "dropprof/kernel/procnet.h"
#include "dropprof/util/strpool.h"

struct dp_profile;
struct dp_ns_objects;

/* Time one pass over the namespaces may take: at the start it delays the
 * recording (500 namespaces take about 0.1 s), at the end the report.
 * Namespaces whose turn comes later are noted, not read. */
#define DP_CONTEXT_START_BUDGET_MS 600
#define DP_CONTEXT_END_BUDGET_MS 3000

/* Settings are read in at most this many namespaces (those whose
 * drop counters moved most), with each "IF" standing for at most this
 * many of the namespace's interfaces (those whose packets moved most). */
#define DP_CONTEXT_MAX_SETTING_NETNS 64
#define DP_CONTEXT_MAX_SETTING_IFACES 8

/* TCP listeners whose backlog is read per namespace: the fullest. */
#define DP_CONTEXT_MAX_LISTENERS 16

struct dp_context {
	const char *proc;            /* "/proc" (a fixture in tests) */
	const char *run_netns;       /* "/run/netns" */
	const char *procnet;         /* "/proc/net": the machine-wide files,
					read in dropprof's own namespace */
	struct dp_netns_set start;   /* the namespaces at the start */
	struct dp_strpool pool;      /* the names of every namespace's
					snapshot, once (they share most) */
	struct dp_counters *before;  /* one per start namespace */
	int *before_err;             /* 0, or why it was not read */
	uint64_t *before_cookie;     /* each one's netns cookie, 0 unknown */
	struct dp_ns_objects *before_obj;  /* each one's qdiscs and rules */
	struct dp_counters machine_before;
	bool have_machine;
	bool started;
};

/* Zero c and set the paths of the running system. */
void dp_context_init(struct dp_context *c);

/* Take the start snapshots.  Never fatal: 0, or -ENOMEM. */
int dp_context_begin(struct dp_context *c);

/* Take the end snapshots and put the scopes with what moved into p:
 * the machine scope, then each namespace whose counters moved, that
 * appeared or went away, or could not be read.  Then read the settings
 * named by the NULL-terminated patterns (kernel/sysctl.h; NULL: none) in
 * dropprof's own namespace and in those where counters moved, and the
 * machine-wide ones (those a namespace does not have) in the initial
 * namespace.  0, or -ENOMEM. */
int dp_context_end(struct dp_context *c, struct dp_profile *p,
		   const char *const *settings);

void dp_context_release(struct dp_context *c);

#endif
