/* why — join the reasons of a report to the catalogue (model/explain.h),
 * to the counters that moved in each network namespace and to the
 * settings read there, so the report says what each reason means, where
 * it happened (the namespaces whose related counters moved), whether the
 * counters agree with the traced count, what the governing settings were
 * and what to look at; and which drop counters moved that no traced
 * reason explains.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/kernel/sysctl.h"
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


static bool matches_any(const char *const *patterns, const char *name)
{
	for (size_t k = 0; patterns[k]; k++)
		if (dp_why_counter_matches(patterns[k], name))
			return true;
	return false;
}

/* Sum of the related counters' movement in scope sc. */
static int64_t scope_weight(const struct dp_report *rep, const struct dp_reason_info *info,
			    size_t sc)
{
	int64_t w = 0;

	for (size_t i = 0; i < rep->nr_counters; i++) {
		const struct dp_counter_row *c = &rep->counters[i].row;

		if (c->scope == sc && matches_any(info->counters, c->name))
			w += c->delta < 0 ? -c->delta : c->delta;
	}
	return w;
}

/* The counters that count one thing between them are compared with the
 * traced drops together: IPv4 and IPv6 twins (UdpNoPorts and Udp6NoPorts
 * share NO_SOCKET's drops) and one pattern's instances (dev:IF:rx_drop
 * of each interface).  Their key: the pattern without the 6. */
static void group_key(const char *pattern, char *key, size_t size)
{
	static const char *const twins[] = { "UdpLite6", "Udp6", "Icmp6", "Ip6", "Tcp6" };

	for (size_t i = 0; i < sizeof(twins) / sizeof(twins[0]); i++) {
		size_t n = strlen(twins[i]);

		if (!strncmp(pattern, twins[i], n)) {
			snprintf(key, size, "%.*s%s", (int)(n - 1), twins[i], pattern + n);
			return;
		}
	}
	snprintf(key, size, "%s", pattern);
}

static const char *matching_pattern(const char *const *patterns, const char *name)
{
	for (size_t k = 0; patterns[k]; k++)
		if (dp_why_counter_matches(patterns[k], name))
			return patterns[k];
	return NULL;
}

static int add_to_group(struct dp_report_why *w, char **keys, const char *key,
			const char *name, int64_t delta, size_t *group)
{
	struct dp_report_why_total *t;
	size_t g;
	int err = 0;

	for (g = 0; g < w->nr_totals; g++)
		if (!strcmp(keys[g], key))
			break;
	if (g == w->nr_totals) {
		keys[g] = dup(key, &err);
		w->nr_totals++;
	}
	t = &w->totals[g];
	*group = g;
	t->total += delta;
	for (size_t m = 0; m < t->nr_members; m++)
		if (!strcmp(t->members[m], name))
			return err;
	{
		char **v = realloc(t->members, (t->nr_members + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->members = v;
		t->members[t->nr_members++] = dup(name, &err);
	}
	return err;
}

/* "UdpNoPorts + Udp6NoPorts" */
static int name_group(struct dp_report_why_total *t)
{
	size_t len = 1;
	char *s;

	for (size_t m = 0; m < t->nr_members; m++)
		len += strlen(t->members[m]) + 3;
	s = malloc(len);
	if (!s)
		return -ENOMEM;
	s[0] = '\0';
	for (size_t m = 0; m < t->nr_members; m++) {
		if (m)
			strcat(s, " + ");
		strcat(s, t->members[m]);
	}
	t->name = s;
	return 0;
}

static int fill_where(struct dp_report_why *w, const struct dp_report *rep,
		      const struct dp_reason_info *info)
{
	int64_t *weight = calloc(rep->nr_scopes + 1, sizeof(*weight));
	char **keys = calloc(rep->nr_counters + 1, sizeof(*keys));
	int err = 0;

	w->where = calloc(rep->nr_scopes + 1, sizeof(*w->where));
	w->counters = calloc(rep->nr_counters + 1, sizeof(*w->counters));
	w->totals = calloc(rep->nr_counters + 1, sizeof(*w->totals));
	if (!weight || !keys || !w->where || !w->counters || !w->totals) {
		free(weight);
		free(keys);
		return -ENOMEM;
	}
	for (size_t sc = 0; sc < rep->nr_scopes; sc++) {
		weight[sc] = scope_weight(rep, info, sc);
		if (!weight[sc])
			continue;
		/* Namespaces by most movement first (ties keep the scopes'
		 * order), the machine-wide counters last: they say that,
		 * not where. */
		size_t at = w->nr_where;

		while (at > 0 && (rep->scopes[w->where[at - 1]].kind == DP_SCOPE_MACHINE ||
				  (rep->scopes[sc].kind != DP_SCOPE_MACHINE &&
				   weight[w->where[at - 1]] < weight[sc]))) {
			w->where[at] = w->where[at - 1];
			at--;
		}
		w->where[at] = sc;
		w->nr_where++;
	}
	free(weight);
	for (size_t k = 0; k < w->nr_where && !err; k++) {
		for (size_t i = 0; i < rep->nr_counters && !err; i++) {
			const struct dp_counter_row *c = &rep->counters[i].row;
			const char *pattern = c->scope == w->where[k] ?
					      matching_pattern(info->counters, c->name) : NULL;
			struct dp_report_why_counter *wc;
			char key[256];

			if (!pattern)
				continue;
			group_key(pattern, key, sizeof(key));
			wc = &w->counters[w->nr_counters++];
			wc->name = dup(c->name, &err);
			wc->delta = c->delta;
			wc->scope = c->scope;
			if (!err)
				err = add_to_group(w, keys, key, c->name, c->delta, &wc->group);
		}
	}
	for (size_t n = 0; n < w->nr_totals; n++) {
		if (!err)
			err = name_group(&w->totals[n]);
		w->totals[n].difference = w->totals[n].total - (int64_t)w->count;
		free(keys[n]);
	}
	free(keys);
	return err;
}

static const struct dp_report_scope *machine_scope(const struct dp_report *rep)
{
	for (size_t i = 0; i < rep->nr_scopes; i++)
		if (rep->scopes[i].kind == DP_SCOPE_MACHINE)
			return &rep->scopes[i];
	return NULL;
}

static const struct dp_setting *find_setting(const struct dp_report_scope *s,
					     const char *name)
{
	for (size_t i = 0; i < s->nr_settings; i++)
		if (!strcmp(s->settings[i].name, name))
			return &s->settings[i];
	return NULL;
}

/* Values are shown for at most this many namespaces of 'where'. */
#define WHY_VALUE_SCOPES 3

static int add_values(struct dp_report_why *w, const struct dp_report *rep,
		      const struct dp_reason_info *info, size_t sc)
{
	const struct dp_report_scope *s = &rep->scopes[sc], *m = machine_scope(rep);
	int err = 0;

	for (size_t i = 0; i < s->nr_settings && !err; i++) {
		const struct dp_setting *st = &s->settings[i], *ms;
		struct dp_report_why_value *v;
		bool wanted = false;

		for (size_t k = 0; info->settings[k] && !wanted; k++)
			wanted = dp_sysctl_matches(info->settings[k], st->name);
		if (!wanted)
			continue;
		v = &w->values[w->nr_values++];
		v->name = dup(st->name, &err);
		v->scope = sc;
		v->state = st->state;
		if (st->state == DP_SETTING_ABSENT && m && m != s &&
		    (ms = find_setting(m, st->name)) && ms->state == DP_SETTING_VALUE) {
			/* Not per namespace: the initial namespace's value
			 * holds for every one. */
			v->state = DP_SETTING_VALUE;
			v->machine_wide = true;
			st = ms;
		}
		if (v->state == DP_SETTING_VALUE)
			v->value = dup(st->value, &err);
	}
	return err;
}

static int fill_values(struct dp_report_why *w, const struct dp_report *rep,
		       const struct dp_reason_info *info)
{
	size_t cap = 0, shown = 0;
	int err = 0;

	if (!rep->has_settings || !info->settings[0])
		return 0;
	for (size_t i = 0; i < rep->nr_scopes; i++)
		cap += rep->scopes[i].nr_settings;
	w->values = calloc(cap + 1, sizeof(*w->values));
	if (!w->values)
		return -ENOMEM;
	for (size_t k = 0; k < w->nr_where && shown < WHY_VALUE_SCOPES && !err; k++) {
		const struct dp_report_scope *s = &rep->scopes[w->where[k]];

		if (s->kind == DP_SCOPE_MACHINE || !s->nr_settings)
			continue;
		err = add_values(w, rep, info, w->where[k]);
		shown++;
	}
	if (shown || err)
		return err;
	/* Only machine-wide counters moved (softnet, the neighbour tables):
	 * the settings read for the machine, in the initial namespace, are
	 * the ones that govern them. */
	for (size_t k = 0; k < w->nr_where; k++) {
		const struct dp_report_scope *s = &rep->scopes[w->where[k]];

		if (s->kind == DP_SCOPE_MACHINE && s->nr_settings)
			return add_values(w, rep, info, w->where[k]);
	}
	/* No counter said where: dropprof's own settings. */
	for (size_t i = 0; i < rep->nr_scopes; i++) {
		if (!(rep->scopes[i].flags & DP_SCOPE_OWN) || !rep->scopes[i].nr_settings)
			continue;
		w->values_fallback = true;
		return add_values(w, rep, info, i);
	}
	return 0;
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
	w->has_counters = info->counters[0] != NULL;
	while (info->settings[ns])
		ns++;
	w->settings = calloc(ns + 1, sizeof(*w->settings));
	if (!w->settings)
		return -ENOMEM;
	for (size_t i = 0; i < ns && !err; i++)
		w->settings[w->nr_settings++] = dup(info->settings[i], &err);
	if (!err)
		err = fill_where(w, rep, info);
	if (!err)
		err = fill_values(w, rep, info);
	return err;
}

/* ---- counters no traced reason explains ------------------------------- */

static const struct {
	const char *pattern;
	const char *meaning;
} unexplained_meanings[] = {
	{ "dev:IF:rx_errs", "receive errors counted by the NIC or its driver: those frames never reached the network stack, so no kfree_skb traced them" },
	{ "dev:IF:rx_fifo", "the NIC's receive FIFO overflowed: dropped in hardware or the driver, before kfree_skb" },
	{ "dev:IF:rx_frame", "frames with framing or CRC errors, dropped by the NIC or its driver before kfree_skb" },
	{ "dev:IF:rx_drop", "dropped on receive by the driver or the core without a traced drop (the count also includes frames of protocols nobody handles)" },
	{ "dev:IF:tx_errs", "transmit errors counted by the driver" },
	{ "dev:IF:tx_fifo", "the NIC's transmit FIFO ran empty or over, counted by the driver" },
	{ "dev:IF:tx_carrier", "carrier lost while transmitting: the link went down" },
	{ "dev:IF:tx_drop", "dropped on transmit by the driver without a traced drop" },
	{ "softnet:cpuN:dropped", "the CPU's input backlog was full (net.core.netdev_max_backlog)" },
	{ "softnet:cpuN:time_squeeze", "not a drop by itself: the receive softirq ran out of budget with packets left (net.core.netdev_budget)" },
	{ "softnet:cpuN:flow_limit_count", "the flow limit held back a heavy flow (net.core.flow_limit_cpu_bitmap)" },
};

static const char *unexplained_meaning(const char *name)
{
	for (size_t i = 0; i < sizeof(unexplained_meanings) / sizeof(unexplained_meanings[0]); i++)
		if (dp_why_counter_matches(unexplained_meanings[i].pattern, name))
			return unexplained_meanings[i].meaning;
	return "counted by the kernel, but no drop traced in this window is linked to this counter: a drop without kfree_skb, or a reason the catalogue does not connect to it";
}

/* Lines of the report at most. */
#define WHY_MAX_UNEXPLAINED 20

static int build_unexplained(struct dp_report *rep)
{
	rep->unexplained = calloc(WHY_MAX_UNEXPLAINED, sizeof(*rep->unexplained));
	if (!rep->unexplained)
		return -ENOMEM;
	for (size_t i = 0; i < rep->nr_counters; i++) {
		const struct dp_counter_row *c = &rep->counters[i].row;
		struct dp_report_unexplained *u;
		bool explained = false;
		int err = 0;

		if (!c->drop_related || c->delta <= 0)
			continue;
		for (size_t k = 0; k < rep->nr_reasons && !explained; k++) {
			const struct dp_reason_info *info =
				dp_explain_reason(rep->reasons[k].name);

			explained = info && matches_any(info->counters, c->name);
		}
		if (explained || rep->nr_unexplained == WHY_MAX_UNEXPLAINED)
			continue;
		u = &rep->unexplained[rep->nr_unexplained++];
		u->name = dup(c->name, &err);
		if (err)
			return err;
		u->delta = c->delta;
		u->scope = c->scope;
		u->meaning = unexplained_meaning(c->name);
	}
	return 0;
}

int dp_report_build_why(struct dp_report *rep)
{
	int err = 0;

	rep->why = calloc(rep->nr_reasons ? rep->nr_reasons : 1, sizeof(*rep->why));
	if (!rep->why)
		return -ENOMEM;
	for (size_t i = 0; i < rep->nr_reasons && !err; i++)
		err = fill(&rep->why[rep->nr_why++], &rep->reasons[i], rep);
	if (!err)
		err = build_unexplained(rep);
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
		free(w->where);
		for (size_t k = 0; k < w->nr_totals; k++) {
			free(w->totals[k].name);
			for (size_t m = 0; m < w->totals[k].nr_members; m++)
				free(w->totals[k].members[m]);
			free(w->totals[k].members);
		}
		free(w->totals);
		for (size_t k = 0; k < w->nr_values; k++) {
			free(w->values[k].name);
			free(w->values[k].value);
		}
		free(w->values);
	}
	free(rep->why);
	rep->why = NULL;
	rep->nr_why = 0;
	for (size_t i = 0; i < rep->nr_unexplained; i++)
		free(rep->unexplained[i].name);
	free(rep->unexplained);
	rep->unexplained = NULL;
	rep->nr_unexplained = 0;
}
