/* output — the report formatters.  Each one only prints the report model;
 * no sorting, counting or naming happens here.  All return 0 or -EIO when
 * the stream failed (full disk, closed pipe).
 */
#ifndef DROPPROF_OUTPUT_H
#define DROPPROF_OUTPUT_H

#include <stdio.h>

struct dp_report;
struct dp_diff;

enum dp_format {
	DP_FORMAT_TEXT,
	DP_FORMAT_JSON,
	DP_FORMAT_FOLDED,
};

int dp_out_text(const struct dp_report *rep, FILE *f);
int dp_out_json(const struct dp_report *rep, FILE *f);
int dp_out_folded(const struct dp_report *rep, FILE *f);

/* Dispatch on a format. */
int dp_out_write(const struct dp_report *rep, enum dp_format fmt, FILE *f);

/* The diff of two reports (see model/diff.h). */
int dp_out_diff_text(const struct dp_diff *d, FILE *f);
int dp_out_diff_json(const struct dp_diff *d, FILE *f);
int dp_out_diff_folded(const struct dp_diff *d, FILE *f);
int dp_out_diff_write(const struct dp_diff *d, enum dp_format fmt, FILE *f);


#endif
