/* diff — the comparison of two reports (before and after a change): per
 * reason, site, stack and kernel counter, rates per second so windows of
 * different lengths compare, sorted by the size of the change.  Like the
 * report model, it is built once and only printed by its formatters.
 */
#ifndef DROPPROF_DIFF_H
#define DROPPROF_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>


struct dp_report;

enum dp_diff_status {
	DP_DIFF_BOTH,      /* seen before and after */
	DP_DIFF_NEW,       /* only after */
	DP_DIFF_GONE,      /* only before */
};

struct dp_diff_row {
	char *name;        /* reason, site, folded stack or counter name */
	int64_t before, after;      /* counts (counter deltas for counters) */
	double rate_before, rate_after;  /* per second */
	double change;              /* rate_after - rate_before */
	double change_pct;          /* valid when has_pct */
	bool has_pct;               /* false when rate_before is 0 */
	enum dp_diff_status status;
	bool drop_related;          /* counters only */
	uint64_t scaled_after;      /* stacks only: 'after' at BEFORE's
				       duration, whole drops that add up to
				       AFTER's total scaled alike */
};

struct dp_diff_table {
	struct dp_diff_row *rows;
	size_t nr;
};

/* A setting read in a namespace of the same name at the end of both
 * windows, with different values. */
struct dp_diff_setting {
	char *scope;                   /* the scope's name */
	char *label;                   /* how text names it ("netns dl-x-b") */
	char *name;                    /* "net.ipv4.conf.vb1.rp_filter" */
	char *before, *after;          /* values, "(absent)", "(unreadable)" */
};

struct dp_diff {
	const struct dp_report *before, *after;  /* borrowed */
	const char *before_name, *after_name;    /* borrowed (file names) */
	bool kernels_differ;
	double rate_before, rate_after, change, change_pct;
	bool has_pct;
	size_t top_n;                  /* rows per table in the text output */
	struct dp_diff_table reasons, sites, stacks, counters;
	struct dp_diff_setting *settings;  /* that changed */
	size_t nr_settings;
	bool settings_compared;        /* both profiles have settings */
};

/* Build the diff of two reports.  Returns 0 or -ENOMEM. */
int dp_diff_build(struct dp_diff *d, const struct dp_report *before,
		  const struct dp_report *after, const char *before_name,
		  const char *after_name, size_t top_n);
void dp_diff_release(struct dp_diff *d);

/* AFTER's count scaled to BEFORE's duration (r->scaled_after): the
 * second column of the differential folded output. */
uint64_t dp_diff_scaled_after(const struct dp_diff *d, const struct dp_diff_row *r);

#endif
