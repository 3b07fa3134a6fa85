/* scope — where a recording's counters and settings were read: each
 * network namespace (named as the machine names it) and the machine as a
 * whole, for the counters the kernel keeps globally.  A profile holds
 * its scopes in order; each owns a run of the profile's counter rows and
 * the settings read in it at the end of the recording.
 */
#ifndef DROPPROF_PROFILE_SCOPE_H
#define DROPPROF_PROFILE_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dp_scope_kind {
	DP_SCOPE_LEGACY = 0,   /* a profile before 2.1: dropprof's own
				  namespace, softnet machine-wide */
	DP_SCOPE_MACHINE = 1,  /* machine-wide: softnet, neighbour tables,
				  route cache statistics */
	DP_SCOPE_ROOT = 2,     /* the initial network namespace */
	DP_SCOPE_NAMED = 3,    /* named under /run/netns */
	DP_SCOPE_PROCESS = 4,  /* only processes are in it */
	DP_SCOPE_KIND_MAX = DP_SCOPE_PROCESS,
};

#define DP_SCOPE_OWN       0x01u  /* dropprof recorded from it */
#define DP_SCOPE_APPEARED  0x02u  /* not there at the start: its counters
				     count from its creation */
#define DP_SCOPE_VANISHED  0x04u  /* gone before the end: no counters */
#define DP_SCOPE_UNREAD    0x08u  /* could not be read: 'note' says why */
#define DP_SCOPE_FLAGS     0x0fu

enum dp_setting_state {
	DP_SETTING_VALUE = 0,      /* value holds it */
	DP_SETTING_ABSENT = 1,     /* this kernel has no such setting */
	DP_SETTING_UNREADABLE = 2, /* it exists, reading it failed */
	DP_SETTING_STATE_MAX = DP_SETTING_UNREADABLE,
};

/* One sysctl as read at the end of the recording. */
struct dp_setting {
	char *name;                /* owned: "net.ipv4.conf.vb1.rp_filter" */
	char *value;               /* owned: "1", "4096 131072 6291456"
				      (tabs made spaces); NULL unless
				      DP_SETTING_VALUE */
	enum dp_setting_state state;
};

struct dp_scope {
	enum dp_scope_kind kind;
	unsigned int flags;        /* DP_SCOPE_* */
	char *name;                /* owned: "root", "dl-x-b",
				      "netns:[4026532301]", "machine" */
	uint64_t inode;            /* its nsfs inode, 0 when none */
	int32_t pid;               /* a process in it, 0 when none known */
	char *comm;                /* owned: that process's comm, or NULL */
	char *note;                /* owned: why it could not be read, NULL */
	size_t first_counter;      /* its rows of the profile's counters */
	size_t nr_counters;
	struct dp_setting *settings;   /* owned, sorted by name */
	size_t nr_settings;
};

/* Free what s owns and zero it.  No-op on a zeroed scope. */
void dp_scope_release(struct dp_scope *s);

/* Add a setting (name and value copied; value NULL unless state is
 * DP_SETTING_VALUE), keeping settings sorted; a name already there is
 * replaced.  0 or -ENOMEM. */
int dp_scope_set_setting(struct dp_scope *s, const char *name,
			 enum dp_setting_state state, const char *value);

/* The setting of that name, or NULL. */
const struct dp_setting *dp_scope_setting(const struct dp_scope *s,
					  const char *name);

/* "machine", "root", "named", "process", "legacy"; "?" out of range. */
const char *dp_scope_kind_name(enum dp_scope_kind kind);

#endif
