/* out_diff — the formatters of a diff: text, JSON (schema
 * "dropprof-diff") and FlameGraph's differential folded format
 * ("stack count_before count_after", as difffolded.pl writes it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/model/diff.h"
#include "dropprof/output/output.h"
#include "dropprof/util/json.h"
#include "dropprof/model/report.h"

static const char *status_word(enum dp_diff_status s)
{
	return s == DP_DIFF_NEW ? "new" : s == DP_DIFF_GONE ? "gone" : "";
}

static void side(FILE *f, const char *label, const char *name,
		 const struct dp_report *r)
{
	fprintf(f, "%-7s %s: kernel %s, host %s, %.2f s, %llu drops (%.1f/s), %llu lost",
		label, name, r->kernel, r->hostname, r->duration,
		(unsigned long long)r->drops, r->drop_rate,
		(unsigned long long)r->lost);
	if (r->recovered)
		fprintf(f, ", %llu recovered from the ftrace ring",
			(unsigned long long)r->recovered);
	fprintf(f, "\n");
}

static void table_text(FILE *f, const char *title, const struct dp_diff_table *t,
		       size_t top)
{
	size_t n = top && t->nr > top ? top : t->nr;

	fprintf(f, "\n%s (%zu of %zu, by size of change)\n", title, n, t->nr);
	if (!t->nr) {
		fprintf(f, "  none\n");
		return;
	}
	fprintf(f, "%12s %12s %12s %9s  %-5s %s\n", "BEFORE/s", "AFTER/s",
		"CHANGE/s", "CHANGE", "", "NAME");
	for (size_t i = 0; i < n; i++) {
		const struct dp_diff_row *r = &t->rows[i];
		char pct[16];

		if (r->has_pct)
			snprintf(pct, sizeof(pct), "%+.1f%%", r->change_pct);
		else
			snprintf(pct, sizeof(pct), "-");
		fprintf(f, "%12.2f %12.2f %+12.2f %9s  %-5s %s\n", r->rate_before,
			r->rate_after, r->change, pct, status_word(r->status),
			r->name);
	}
}

int dp_out_diff_text(const struct dp_diff *d, FILE *f)
{
	fprintf(f, "dropprof diff\n");
	side(f, "before", d->before_name, d->before);
	side(f, "after", d->after_name, d->after);
	if (d->kernels_differ)
		fprintf(f, "warning: the profiles come from different kernels (%s, %s): sites and stacks may not match\n",
			d->before->kernel, d->after->kernel);
	if (d->before->lost || d->after->lost)
		fprintf(f, "warning: drops were lost (before %llu, after %llu): rates are lower bounds\n",
			(unsigned long long)d->before->lost,
			(unsigned long long)d->after->lost);
	if (d->before->stacks_estimated || d->after->stacks_estimated)
		fprintf(f, "note: stack rates are estimated from weighted stack samples (%s); reasons and sites are exact\n",
			d->before->stacks_estimated && d->after->stacks_estimated ?
			"both profiles" : d->before->stacks_estimated ?
			"before" : "after");
	fprintf(f, "drops/s %.2f -> %.2f (%+.2f", d->rate_before, d->rate_after,
		d->change);
	if (d->has_pct)
		fprintf(f, ", %+.1f%%", d->change_pct);
	fprintf(f, ")\n");
	table_text(f, "By reason", &d->reasons, 0);
	table_text(f, "By drop site", &d->sites, d->top_n);
	table_text(f, "By stack", &d->stacks, d->top_n);
	table_text(f, "Counters (delta per second, by namespace; drop-related first)",
		   &d->counters, 0);
	fprintf(f, "\nSettings that changed (read at the end of each window)\n");
	if (!d->settings_compared)
		fprintf(f, "  not compared: %s (saved before profile format 2.1)\n",
			d->before->has_settings ? "after has no settings" :
			d->after->has_settings ? "before has no settings" :
			"neither profile has settings");
	else if (!d->nr_settings)
		fprintf(f, "  none\n");
	for (size_t i = 0; i < d->nr_settings; i++)
		fprintf(f, "  %s: %s %s -> %s\n", d->settings[i].label,
			d->settings[i].name, d->settings[i].before,
			d->settings[i].after);
	return ferror(f) ? -EIO : 0;
}

static void side_json(struct dp_json *j, const char *key, const char *name,
		      const struct dp_report *r)
{
	dp_json_object_begin(j, key);
	dp_json_string(j, "file", name);
	dp_json_string(j, "kernel", r->kernel);
	dp_json_string(j, "hostname", r->hostname);
	dp_json_i64(j, "start_time", r->start_time);
	dp_json_double(j, "duration", r->duration, 3);
	dp_json_u64(j, "drops", r->drops);
	dp_json_double(j, "drop_rate", r->drop_rate, 3);
	dp_json_u64(j, "lost", r->lost);
	if (r->hits_known)
		dp_json_u64(j, "hits", r->hits);
	else
		dp_json_string(j, "hits", NULL);
	dp_json_u64(j, "recovered", r->recovered);
	dp_json_bool(j, "stacks_estimated", r->stacks_estimated);
	dp_json_object_end(j);
}

static void table_json(struct dp_json *j, const char *key,
		       const struct dp_diff_table *t, int counters)
{
	dp_json_array_begin(j, key);
	for (size_t i = 0; i < t->nr; i++) {
		const struct dp_diff_row *r = &t->rows[i];

		dp_json_object_begin(j, NULL);
		dp_json_string(j, "name", r->name);
		dp_json_i64(j, "before", r->before);
		dp_json_i64(j, "after", r->after);
		dp_json_double(j, "rate_before", r->rate_before, 3);
		dp_json_double(j, "rate_after", r->rate_after, 3);
		dp_json_double(j, "change", r->change, 3);
		if (r->has_pct)
			dp_json_double(j, "change_pct", r->change_pct, 2);
		else
			dp_json_string(j, "change_pct", NULL);
		dp_json_string(j, "status", r->status == DP_DIFF_BOTH ? "both" :
			       status_word(r->status));
		if (counters)
			dp_json_bool(j, "drop_related", r->drop_related);
		dp_json_object_end(j);
	}
	dp_json_array_end(j);
}

int dp_out_diff_json(const struct dp_diff *d, FILE *f)
{
	struct dp_json j;

	dp_json_init(&j, f);
	dp_json_object_begin(&j, NULL);
	dp_json_string(&j, "schema", "dropprof-diff");
	dp_json_u64(&j, "version", 2);
	side_json(&j, "before", d->before_name, d->before);
	side_json(&j, "after", d->after_name, d->after);
	dp_json_bool(&j, "kernels_differ", d->kernels_differ);
	dp_json_double(&j, "rate_before", d->rate_before, 3);
	dp_json_double(&j, "rate_after", d->rate_after, 3);
	dp_json_double(&j, "change", d->change, 3);
	if (d->has_pct)
		dp_json_double(&j, "change_pct", d->change_pct, 2);
	else
		dp_json_string(&j, "change_pct", NULL);
	table_json(&j, "reasons", &d->reasons, 0);
	table_json(&j, "sites", &d->sites, 0);
	table_json(&j, "stacks", &d->stacks, 0);
	table_json(&j, "counters", &d->counters, 1);
	dp_json_bool(&j, "settings_compared", d->settings_compared);
	dp_json_array_begin(&j, "settings");
	for (size_t i = 0; i < d->nr_settings; i++) {
		dp_json_object_begin(&j, NULL);
		dp_json_string(&j, "scope", d->settings[i].scope);
		dp_json_string(&j, "name", d->settings[i].name);
		dp_json_string(&j, "before", d->settings[i].before);
		dp_json_string(&j, "after", d->settings[i].after);
		dp_json_object_end(&j);
	}
	dp_json_array_end(&j);
	dp_json_object_end(&j);
	return ferror(f) ? -EIO : 0;
}

/* Stack text order, as difffolded.pl emits it: rows are sorted by change
 * in the model, so walk them through a name-sorted index. */
static int cmp_row_name(const void *a, const void *b)
{
	const struct dp_diff_row *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

int dp_out_diff_folded(const struct dp_diff *d, FILE *f)
{
	const struct dp_diff_row **idx;

	idx = calloc(d->stacks.nr ? d->stacks.nr : 1, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < d->stacks.nr; i++)
		idx[i] = &d->stacks.rows[i];
	qsort(idx, d->stacks.nr, sizeof(*idx), cmp_row_name);
	for (size_t i = 0; i < d->stacks.nr; i++)
		fprintf(f, "%s %lld %llu\n", idx[i]->name,
			(long long)idx[i]->before,
			(unsigned long long)dp_diff_scaled_after(d, idx[i]));
	free(idx);
	return ferror(f) ? -EIO : 0;
}

int dp_out_diff_write(const struct dp_diff *d, enum dp_format fmt, FILE *f)
{
	switch (fmt) {
	case DP_FORMAT_JSON:
		return dp_out_diff_json(d, f);
	case DP_FORMAT_FOLDED:
		return dp_out_diff_folded(d, f);
	default:
		return dp_out_diff_text(d, f);
	}
}
