/* report — the one report model.  Built once from a profile (sorting,
 * top-N, shares, rates, reason and symbol names); every output format
 * only prints it.  Everything in it is owned strings and numbers, so it
 * outlives the profile, the symbol table and the format it came from.
 */
#ifndef DROPPROF_REPORT_H
#define DROPPROF_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dropprof/profile/counters.h"
#include "dropprof/profile/objects.h"
#include "dropprof/profile/scope.h"

struct dp_profile;
struct dp_symmap;

#define DP_REPORT_SCHEMA_VERSION 3

struct dp_report_count {          /* a (name, count) cell */
	char *name;
	uint64_t count;
};

struct dp_report_reason {
	char *name;                   /* "NO_SOCKET", "REASON_200", "SUBSYS_3:5" */
	uint64_t value;
	uint64_t count;
	double share;                 /* of all drops, 0..1 */
	double rate;                  /* per second */
	char *top_site;               /* "func+0x1a", NULL when none */
};

/* One frame of a stack, or one inlined frame of a site. */
struct dp_report_frame {
	char *text;                   /* "func+0x1a [mod]", "0xffff...", or
					 for an inlined frame the inlined
					 function's name */
	char *function;               /* folded name: "func", "func_[mod]",
					 "0xffff..." */
	char *file;                   /* NULL: no source line */
	uint32_t line;                /* with file */
	bool inlined;                 /* an inlined copy inside the frame
					 that follows it */
};

struct dp_report_site {
	char *site;                   /* "func+0x1a [mod]" or "0xffff..." */
	char *source;                 /* "net/ipv4/udp.c:2419" (the line of
					 the innermost frame), NULL: none */
	char *file;                   /* that file and line, NULL / 0 */
	uint32_t line;
	struct dp_report_frame *inlined;  /* inlined frames at the site,
					     innermost first */
	size_t nr_inlined;
	char *address;                /* "0xffffffff81000610" */
	char *function;               /* "func", NULL when unknown */
	char *module;                 /* NULL for vmlinux */
	uint64_t addr;
	uint64_t count;
	double share;
	struct dp_report_count *reasons;  /* sorted by count */
	size_t nr_reasons;
};

struct dp_report_stack {
	char *reason;
	uint64_t count;               /* drops: exact, or estimated from
					 weighted samples (model/estimate.h) */
	uint64_t samples;             /* stack samples behind the count */
	bool estimated;               /* count is an estimate */
	char *note;                   /* a stack of its site alone: why
					 ("no stack sampled", "no stack",
					 "stacks over the cap"); else NULL */
	double share;                 /* of all drops */
	struct dp_report_frame *frames;  /* leaf first; an address with
					    inlined frames gives them first,
					    innermost first, then its own */
	size_t nr_frames;
};

struct dp_report_folded {         /* one merged FlameGraph line */
	char *stack;                  /* "REASON;root;...;leaf" */
	uint64_t count;
};

struct dp_report_proto {
	char *name;                   /* "IPv4", "0x88b5" */
	uint64_t value;
	uint64_t count;
	double share;
};

/* A counter row of the profile (owned copy) and what the report adds. */
struct dp_report_counter {
	struct dp_counter_row row;    /* row.scope indexes the report's scopes */
	double rate;                  /* delta per second */
};

/* Where counters and settings were read (profile/scope.h). */
struct dp_report_scope {
	char *name;                   /* "root", "dl-x-b", "netns:[4026532301]",
					 "machine", "own" (profiles before 2.1) */
	enum dp_scope_kind kind;
	unsigned int flags;           /* DP_SCOPE_* */
	uint64_t inode;
	int32_t pid;                  /* a process in it, 0 when none */
	char *comm;                   /* NULL when none */
	char *note;                   /* why it could not be read, or NULL */
	char *label;                  /* how text names it: "netns dl-x-b",
					 "netns netns:[4026532301] (pid 1234
					 nginx)", "the whole machine" */
	struct dp_setting *settings;  /* copies, sorted by name */
	size_t nr_settings;
	size_t nr_counters;
};

/* The Why section: one per reason seen, in the order of 'reasons'. */
struct dp_report_why_counter {    /* one related counter in one scope */
	char *name;
	int64_t delta;
	size_t scope;                 /* index into the report's scopes */
	size_t group;                 /* index into the reason's totals */
};

/* Counters compared with the traced drops together: one counter in
 * every scope, with its IPv6 twin (UdpNoPorts, Udp6NoPorts) or the other
 * interfaces of one pattern (dev:IF:rx_drop). */
struct dp_report_why_total {
	char *name;                   /* "UdpNoPorts + Udp6NoPorts" */
	char **members;               /* the counter names, first seen first */
	size_t nr_members;
	int64_t total;                /* their deltas added up */
	int64_t difference;           /* total - traced drops of the reason */
};

struct dp_report_why_value {      /* a governing setting's value */
	char *name;                   /* "net.ipv4.conf.vb1.rp_filter" */
	size_t scope;                 /* where it was read */
	enum dp_setting_state state;
	char *value;                  /* NULL unless DP_SETTING_VALUE */
	bool machine_wide;            /* the namespace has no such entry:
					 the machine's value (read in the
					 initial namespace) is the one */
};

struct dp_report_why {
	char *reason;
	uint64_t count;               /* traced drops of the reason */
	bool described;               /* the catalogue has it */
	char *family;                 /* "socket", ...; NULL when not described */
	char *meaning;                /* or the generic "not described" line */
	char *hint;                   /* NULL when not described */
	char **settings;              /* sysctl names (patterns: {all,IF}) */
	size_t nr_settings;
	bool has_counters;            /* the catalogue names counters for it */
	struct dp_report_why_counter *counters;  /* its counters that moved,
					 per scope: the scopes of 'where'
					 in order, by size within each */
	size_t nr_counters;
	size_t *where;                /* scopes where its counters moved,
					 most first */
	size_t nr_where;
	struct dp_report_why_total *totals;  /* per group of counters, in
					 the order first seen in 'counters' */
	size_t nr_totals;
	struct dp_report_why_value *values;  /* settings read in the scopes
					 of 'where' (or dropprof's own when
					 there is none), per scope, by name */
	size_t nr_values;
	bool values_fallback;         /* values are from dropprof's own
					 namespace: no counter said where */
};

/* A drop counter that moved where no traced reason's counters did. */
struct dp_report_unexplained {
	char *name;
	int64_t delta;
	size_t scope;
	const char *meaning;          /* static: what such a count means */
};

struct dp_report_socket {
	struct dp_socket_row row;     /* copies; row.reason is the value */
	char *reason;                 /* its name */
	double share;                 /* of the drops with a socket */
};

/* A netfilter hook NETFILTER_DROP's stacks went through. */
struct dp_report_hook {
	const char *name;             /* static: "input", "forward", ... */
	uint64_t drops;               /* of NETFILTER_DROP's stacks through it
					 (estimated like the stacks) */
};

struct dp_report_cpu {
	int cpu;
	uint64_t drops;               /* delivered + recovered */
	double share;
	uint64_t frees;
	uint64_t lost;                /* counted by the kernel, not delivered */
	uint64_t hits;                /* the kernel's count (valid when the
					 report's hits_known) */
	uint64_t recovered;           /* from the ftrace ring, in drops */
	uint64_t offline;             /* times it went offline */
};

struct dp_report {
	char *tool_version;
	char *kernel;
	char *kernel_buildid;         /* hex, "" when unknown */
	char *hostname;
	int64_t start_time;
	double duration;
	char *cpu_list;               /* "0-1" */
	char *filter;                 /* in-kernel filter, "" when none */
	size_t nr_cpus;
	uint64_t drops;
	double drop_rate;
	bool frees_known;
	uint64_t frees;
	double drop_share;            /* drops / (drops + frees) */
	uint64_t lost;                /* drops counted by the kernel, not
					 delivered (sum over the CPUs) */
	bool hits_known;              /* the kernel's own counts were read */
	uint64_t hits;                /* their sum: drops + lost */
	uint64_t recovered;           /* idle-context drops read from the
					 ftrace ring (counted in drops) */
	uint64_t cpus_added;          /* CPUs that came online meanwhile */
	uint64_t offline;             /* times a CPU went offline */
	uint64_t throttled;
	uint64_t bad_records;
	uint64_t no_stack;
	uint64_t stacks_other;        /* samples beyond the unique-stack cap */
	uint64_t stack_samples;       /* stack samples taken */
	uint64_t stack_lost;
	uint64_t stack_period_max;    /* 1: a stack for every drop */
	double stack_budget;          /* stacks/s per CPU; 0: --all-stacks */
	bool all_stacks;
	bool stacks_estimated;        /* some stack counts are estimates;
					 they always add up to drops */
	uint64_t stack_unplaced;      /* stack samples of drops that were
					 lost (no exact count to weigh) */
	bool has_reason;
	bool symbols_restricted;      /* kallsyms gave zero addresses */
	bool has_sources;             /* some addresses have source lines */
	char **symbol_notes;          /* where source lines came from, or why
					 there are none (one line each) */
	size_t nr_symbol_notes;
	size_t top_n;                 /* stacks shown in the text report */

	struct dp_report_reason *reasons;  size_t nr_reasons;
	struct dp_report_site *sites;      size_t nr_sites;
	struct dp_report_stack *stacks;    size_t nr_stacks;  /* all, sorted */
	struct dp_report_folded *folded;   size_t nr_folded;  /* by stack text */
	struct dp_report_proto *protos;    size_t nr_protos;
	struct dp_report_cpu *cpus;        size_t nr_cpu_rows;
	struct dp_report_counter *counters; size_t nr_counters; /* moved only,
					 each scope's run in turn */
	struct dp_report_scope *scopes;    size_t nr_scopes;
	uint32_t netns_seen;          /* network namespaces found (0: the
					 profile predates namespaces) */
	uint32_t netns_hidden;        /* processes that could not be looked at */
	bool has_settings;            /* settings were read (profiles 2.1+) */
	struct dp_report_why *why;         size_t nr_why;
	struct dp_report_unexplained *unexplained; size_t nr_unexplained;
	/* objects (model/objects.c): copies, scope indexes the scopes */
	struct dp_qdisc_row *qdiscs;       size_t nr_qdiscs;  /* most drops first */
	struct dp_rule_row *rules;         size_t nr_rules;   /* counted, most
					 packets first, then the candidates */
	struct dp_report_hook *hooks;      size_t nr_hooks;   /* most first */
	bool rules_filtered;          /* rules shown are those of the hooks'
					 chains (and regular chains) only */
	char **object_notes;               size_t nr_object_notes;
	/* sockets drops carried (rx_sk): one row per socket and reason */
	struct dp_report_socket *sockets;  size_t nr_sockets;  /* most first */
	bool has_rx_sk;
	uint64_t socket_drops, socket_unmatched;
	uint8_t socket_addrs;              /* DP_SOCKADDR_* */
};

struct dp_report_opts {
	size_t top_n;                 /* stacks in the text report */
	const char *symbol_notes;     /* lines for symbol_notes ('\n'
					 separated), NULL: none */
};

/* Build the model.  Every name comes from names (see symmap.h): the same
 * code serves a live recording and a saved profile.  Returns 0 or
 * -ENOMEM. */
int dp_report_build(struct dp_report *rep, const struct dp_profile *prof,
		    const struct dp_symmap *names, const struct dp_report_opts *o);
void dp_report_release(struct dp_report *rep);

/* Name of an ETH_P_* protocol value (host order): "IPv4", "IPv6", "ARP"...,
 * else NULL. */
const char *dp_proto_name(uint16_t proto);

#endif
