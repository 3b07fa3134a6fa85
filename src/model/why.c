/* why — join the reasons of a report to the catalogue (model/explain.h)
 * and to the counters that moved, so the report says what each reason
 * means, which of its counters moved (in dropprof's own network namespace
 * for now) and which settings govern it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/model/explain.h"
#include "dropprof/model/report.h"
#include "dropprof/model/why.h"

/* One ':'-separated part of a pattern against one of a name. */
static bool part_matches(const char *p, size_t pn, const char *s, size_t sn)
{
	if (pn == 2 && !strncmp(p, "IF", 2))
		return sn > 0;
	if (pn == 4 && !strncmp(p, "cpuN", 4)) {
		if (sn < 4 || strncmp(s, "cpu", 3))
			return false;
		for (size_t i = 3; i < sn; i++)
			if (s[i] < '0' || s[i] > '9')
				return false;
		return true;
	}
	return pn == sn && !strncmp(p, s, pn);
}

bool dp_why_counter_matches(const char *pattern, const char *name)
{
	for (;;) {
		size_t pn = strcspn(pattern, ":"), sn = strcspn(name, ":");

		if (!part_matches(pattern, pn, name, sn))
			return false;
		if (!pattern[pn] || !name[sn])
			return !pattern[pn] && !name[sn];
		pattern += pn + 1;
		name += sn + 1;
	}
}

static char *dup(const char *s, int *err)
{
	char *p = strdup(s ? s : "");

	if (!p)
		*err = -ENOMEM;
	return p;
}

static int fill(struct dp_report_why *w, const struct dp_report_reason *r,
		const struct dp_report *rep)
{
	const struct dp_reason_info *info = dp_explain_reason(r->name);
	size_t ns = 0;
	int err = 0;

	w->reason = dup(r->name, &err);
	w->count = r->count;
	w->described = info != NULL;
	w->meaning = dup(info ? info->meaning : dp_explain_generic(), &err);
	if (!info || err)
		return err;
	w->family = dup(dp_reason_family_name(info->family), &err);
	w->hint = dup(info->hint, &err);
	while (info->settings[ns])
		ns++;
	w->settings = calloc(ns + 1, sizeof(*w->settings));
	w->counters = calloc(rep->nr_counters + 1, sizeof(*w->counters));
	if (!w->settings || !w->counters)
		return -ENOMEM;
	for (size_t i = 0; i < ns && !err; i++)
		w->settings[w->nr_settings++] = dup(info->settings[i], &err);
	/* Every counter that moved and belongs to the reason, in the
	 * report's counter order (drop-related first, then by size). */
	for (size_t i = 0; i < rep->nr_counters && !err; i++) {
		const struct dp_counter_row *c = &rep->counters[i].row;

		for (size_t k = 0; info->counters[k]; k++) {
			if (!dp_why_counter_matches(info->counters[k], c->name))
				continue;
			w->counters[w->nr_counters].name = dup(c->name, &err);
			w->counters[w->nr_counters++].delta = c->delta;
			break;
		}
	}
	return err;
}

int dp_report_build_why(struct dp_report *rep)
{
	int err = 0;

	rep->why = calloc(rep->nr_reasons ? rep->nr_reasons : 1, sizeof(*rep->why));
	if (!rep->why)
		return -ENOMEM;
	for (size_t i = 0; i < rep->nr_reasons && !err; i++)
		err = fill(&rep->why[rep->nr_why++], &rep->reasons[i], rep);
	return err;
}

void dp_report_release_why(struct dp_report *rep)
{
	for (size_t i = 0; i < rep->nr_why; i++) {
		struct dp_report_why *w = &rep->why[i];

		free(w->reason);
		free(w->family);
		free(w->meaning);
		free(w->hint);
		for (size_t k = 0; k < w->nr_settings; k++)
			free(w->settings[k]);
		free(w->settings);
		for (size_t k = 0; k < w->nr_counters; k++)
			free(w->counters[k].name);
		free(w->counters);
	}
	free(rep->why);
	rep->why = NULL;
	rep->nr_why = 0;
}
