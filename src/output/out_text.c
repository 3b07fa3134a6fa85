/* out_text — the human report: header, then one section per table of the
 * report model.  Columns are whitespace-separated so awk can read them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dropprof/output/output.h"
#include "dropprof/kernel/qdisc.h"
#include "dropprof/model/report.h"

/* 30000 as "30,000": the counts of the loss line are read at a glance. */
static const char *grouped(uint64_t v, char buf[32])
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	char *p = buf;

	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			*p++ = ',';
		*p++ = digits[i];
	}
	*p = '\0';
	return buf;
}

/* Every drop is delivered, recovered or counted as lost: say which. */
static void loss(const struct dp_report *r, FILE *f)
{
	char a[32], b[32];

	if (!r->lost) {
		fprintf(f, "0 lost%s\n", r->hits_known ? "" :
			" (the kernel's own drop counts were not read)");
	} else {
		if (r->hits_known)
			fprintf(f, "lost %s of %s drops (counted by the kernel, not delivered; ",
				grouped(r->lost, a), grouped(r->hits, b));
		else
			fprintf(f, "lost %s drops (reported lost by the kernel; ",
				grouped(r->lost, a));
		for (size_t i = 0, n = 0; i < r->nr_cpu_rows; i++) {
			if (!r->cpus[i].lost)
				continue;
			fprintf(f, "%scpu%d %s", n++ ? ", " : "", r->cpus[i].cpu,
				grouped(r->cpus[i].lost, a));
		}
		fprintf(f, "): counts are lower bounds, raise -m\n");
	}
	if (r->recovered)
		fprintf(f, "%s drops in idle context read from dropprof's ftrace instance (some kernels never hand them to perf; they are in the counts)\n",
			grouped(r->recovered, a));
	if (r->offline) {
		fprintf(f, "note: CPUs went offline during the recording (");
		for (size_t i = 0, n = 0; i < r->nr_cpu_rows; i++) {
			if (!r->cpus[i].offline)
				continue;
			if (r->cpus[i].offline == 1)
				fprintf(f, "%scpu%d once", n++ ? ", " : "",
					r->cpus[i].cpu);
			else
				fprintf(f, "%scpu%d %llu times", n++ ? ", " : "",
					r->cpus[i].cpu,
					(unsigned long long)r->cpus[i].offline);
		}
		fprintf(f, "): recorded again within 0.25 s of coming back; drops in between were not seen\n");
	}
	if (r->cpus_added)
		fprintf(f, "note: %llu CPU%s came online during the recording: recorded from 0.25 s after that on\n",
			(unsigned long long)r->cpus_added,
			r->cpus_added == 1 ? "" : "s");
}

static void header(const struct dp_report *r, FILE *f)
{
	fprintf(f, "dropprof %s  kernel %s  host %s\n", r->tool_version,
		r->kernel, r->hostname);
	fprintf(f, "recorded %.2f s on %zu CPUs (%s)\n", r->duration,
		r->nr_cpus, r->cpu_list);
	fprintf(f, "drops %llu (%.1f/s)", (unsigned long long)r->drops,
		r->drop_rate);
	if (r->frees_known)
		fprintf(f, "   normal frees %llu   drop share %.2f%%",
			(unsigned long long)r->frees, r->drop_share * 100.0);
	else
		fprintf(f, "   normal frees unknown");
	fprintf(f, "\n");
	loss(r, f);
	if (r->throttled)
		fprintf(f, "warning: the kernel throttled sampling %llu times (kernel.perf_event_max_sample_rate); drops while throttled were not seen\n",
			(unsigned long long)r->throttled);
	if (r->filter && r->filter[0])
		fprintf(f, "filter: only drops matching '%s' were recorded\n", r->filter);
	if (r->bad_records)
		fprintf(f, "warning: %llu undecodable ring records skipped\n",
			(unsigned long long)r->bad_records);
	if (!r->has_reason)
		fprintf(f, "note: this kernel's skb:kfree_skb has no 'reason' field (added in 5.17); drops are grouped by site\n");
	if (r->symbols_restricted)
		fprintf(f, "note: /proc/kallsyms shows only zero addresses (kernel.kptr_restrict); addresses are printed raw\n");
	for (size_t i = 0; i < r->nr_symbol_notes; i++)
		fprintf(f, "symbols: %s\n", r->symbol_notes[i]);
	if (r->stacks_estimated)
		fprintf(f, "stacks: %llu samples of %llu drops, 1 in up to %llu drops while a CPU dropped more than %.0f/s; stack counts marked '~' are estimates weighted to the exact drops of each reason, site and CPU, every other count is exact\n",
			(unsigned long long)r->stack_samples,
			(unsigned long long)r->drops,
			(unsigned long long)r->stack_period_max, r->stack_budget);
	else if (r->all_stacks || r->stack_budget <= 0)
		fprintf(f, "stacks: a stack with every drop%s\n",
			r->all_stacks ? " (--all-stacks)" : "");
	else
		fprintf(f, "stacks: a stack with every drop (never above %.0f drops/s per CPU)\n",
			r->stack_budget);
	if (r->stack_unplaced)
		fprintf(f, "note: %llu stack samples belong to drops that were lost; they weigh nothing\n",
			(unsigned long long)r->stack_unplaced);
	if (r->stack_lost)
		fprintf(f, "warning: %llu stack samples lost (the drops themselves were counted): raise -m\n",
			(unsigned long long)r->stack_lost);
	if (r->no_stack)
		fprintf(f, "note: stack samples without a kernel stack: %llu (shown at their site, 'no stack')\n",
			(unsigned long long)r->no_stack);
	if (r->stacks_other)
		fprintf(f, "note: %llu stack samples came after the unique-stack cap was reached (shown at their site, 'stacks over the cap')\n",
			(unsigned long long)r->stacks_other);
	fprintf(f, "\n");
}

static void reasons(const struct dp_report *r, FILE *f)
{
	fprintf(f, "By reason\n");
	fprintf(f, "%10s %7s %10s  %-24s %s\n", "COUNT", "SHARE", "RATE",
		"REASON", "TOP_SITE");
	for (size_t i = 0; i < r->nr_reasons; i++) {
		const struct dp_report_reason *x = &r->reasons[i];

		fprintf(f, "%10llu %6.2f%% %8.1f/s  %-24s %s\n",
			(unsigned long long)x->count, x->share * 100.0, x->rate,
			x->name, x->top_site ? x->top_site : "-");
	}
	fprintf(f, "\n");
}

/* "func+0x1a (net/ipv4/udp.c:2419)", or just the site. */
static void site_text(const struct dp_report_site *s, char *buf, size_t size)
{
	if (s->source)
		snprintf(buf, size, "%s (%s)", s->site, s->source);
	else
		snprintf(buf, size, "%s", s->site);
}

static void frame_text(FILE *f, const char *indent,
		       const struct dp_report_frame *fr, bool mark)
{
	fprintf(f, "%s%s", indent, fr->text);
	if (fr->file && fr->line)
		fprintf(f, " (%s:%u)", fr->file, fr->line);
	else if (fr->file)
		fprintf(f, " (%s)", fr->file);
	fprintf(f, "%s\n", mark && fr->inlined ? "  [inlined]" : "");
}

/* "in netns dl-x-b", "machine-wide". */
static void scope_in(const struct dp_report *r, size_t sc, FILE *f)
{
	const struct dp_report_scope *s = &r->scopes[sc];

	fprintf(f, "%s%s", s->kind == DP_SCOPE_MACHINE ? "" : "in ", s->label);
}

static void agreement(const struct dp_report_why_total *t, uint64_t traced, FILE *f)
{
	if (!t->difference)
		fprintf(f, " = %llu traced", (unsigned long long)traced);
	else if (t->difference > 0)
		fprintf(f, ": %lld more than the %llu traced", (long long)t->difference,
			(unsigned long long)traced);
	else
		fprintf(f, ": %lld fewer than the %llu traced", -(long long)t->difference,
			(unsigned long long)traced);
}

/* One line per group of counters: each one's movement in each scope,
 * then how their total compares with the traced drops. */
static void why_counters(const struct dp_report *r, const struct dp_report_why *w, FILE *f)
{
	for (size_t t = 0; t < w->nr_totals; t++) {
		const struct dp_report_why_total *g = &w->totals[t];
		const char *sep = " ";

		if (g->nr_members == 1) {
			fprintf(f, "      counter %s:", g->members[0]);
			for (size_t k = 0; k < w->nr_counters; k++) {
				if (w->counters[k].group != t)
					continue;
				fprintf(f, "%s%+lld ", sep, (long long)w->counters[k].delta);
				scope_in(r, w->counters[k].scope, f);
				sep = ", ";
			}
		} else {
			fprintf(f, "      counters");
			for (size_t k = 0; k < w->nr_counters; k++) {
				if (w->counters[k].group != t)
					continue;
				fprintf(f, "%s%s %+lld ", sep, w->counters[k].name,
					(long long)w->counters[k].delta);
				scope_in(r, w->counters[k].scope, f);
				sep = ", ";
			}
			fprintf(f, ": together %lld", (long long)g->total);
		}
		agreement(g, w->count, f);
		fprintf(f, "\n");
	}
}

/* Why a setting has no value.  Absent from the initial namespace: this
 * kernel has no such setting.  From another: maybe only that namespace
 * lacks it (a machine-wide setting, when the machine's value could not
 * be read). */
static const char *no_value(const struct dp_report_scope *s, enum dp_setting_state st)
{
	if (st != DP_SETTING_ABSENT)
		return "unreadable";
	return s->kind == DP_SCOPE_ROOT || s->kind == DP_SCOPE_MACHINE ?
	       "absent on this kernel" : "absent in this namespace";
}

static void why_values(const struct dp_report *r, const struct dp_report_why *w, FILE *f)
{
	size_t k = 0;

	while (k < w->nr_values) {
		size_t sc = w->values[k].scope;

		fprintf(f, "      settings ");
		scope_in(r, sc, f);
		if (w->values_fallback)
			fprintf(f, " (dropprof's; no counter says where)");
		fprintf(f, ":");
		for (; k < w->nr_values && w->values[k].scope == sc; k++) {
			const struct dp_report_why_value *v = &w->values[k];

			if (v->state == DP_SETTING_VALUE)
				fprintf(f, " %s=%s%s", v->name, v->value,
					v->machine_wide ? " (machine-wide)" : "");
			else
				fprintf(f, " %s (%s)", v->name, no_value(&r->scopes[sc], v->state));
		}
		fprintf(f, "\n");
	}
}

/* What each reason means, where its counters moved and whether they
 * agree, the settings that govern it and what to look at
 * (model/why.h); then the drop counters no traced reason explains. */
static void why(const struct dp_report *r, FILE *f)
{
	if (!r->nr_why && !r->nr_unexplained)
		return;
	fprintf(f, "Why\n");
	for (size_t i = 0; i < r->nr_why; i++) {
		const struct dp_report_why *w = &r->why[i];

		if (!w->described) {
			fprintf(f, "  %s: %s\n", w->reason, w->meaning);
			continue;
		}
		fprintf(f, "  %s (%s): %s\n", w->reason, w->family, w->meaning);
		if (w->nr_where) {
			fprintf(f, "      where:");
			for (size_t k = 0; k < w->nr_where; k++) {
				fprintf(f, "%s ", k ? "," : "");
				scope_in(r, w->where[k], f);
			}
			fprintf(f, "\n");
			why_counters(r, w, f);
		} else if (w->has_counters && r->nr_scopes) {
			fprintf(f, "      where: none of its counters moved in any namespace read\n");
		} else if (r->nr_scopes) {
			fprintf(f, "      where: not told by counters (none moves with this reason)\n");
		}
		if (w->nr_values)
			why_values(r, w, f);
		else if (w->nr_settings) {
			fprintf(f, "      settings:");
			for (size_t k = 0; k < w->nr_settings; k++)
				fprintf(f, " %s", w->settings[k]);
			fprintf(f, "\n");
		}
		fprintf(f, "      look at: %s\n", w->hint);
	}
	if (r->nr_unexplained) {
		fprintf(f, "  Drop counters that moved with no traced reason:\n");
		for (size_t i = 0; i < r->nr_unexplained; i++) {
			const struct dp_report_unexplained *u = &r->unexplained[i];

			fprintf(f, "      %s %+lld ", u->name, (long long)u->delta);
			scope_in(r, u->scope, f);
			fprintf(f, ": %s\n", u->meaning);
		}
	}
	fprintf(f, "\n");
}

/* Qdiscs whose drops or overlimits moved, per device and namespace. */
static void qdiscs(const struct dp_report *r, FILE *f)
{
	if (!r->nr_qdiscs)
		return;
	fprintf(f, "By qdisc (drops and overlimits over the window)\n");
	for (size_t i = 0; i < r->nr_qdiscs; i++) {
		const struct dp_qdisc_row *q = &r->qdiscs[i];
		char h[DP_QDISC_HANDLE_SIZE], p[DP_QDISC_HANDLE_SIZE];

		fprintf(f, "  dev %s ", q->dev);
		scope_in(r, q->scope, f);
		fprintf(f, ": qdisc %s %s parent %s", q->kind,
			dp_qdisc_handle_str(q->handle, h, sizeof(h)),
			dp_qdisc_handle_str(q->parent, p, sizeof(p)));
		if (q->has_limit)
			fprintf(f, ", limit %llu%s", (unsigned long long)q->limit,
				q->limit_unit == 'b' ? "b" : "p");
		fprintf(f, ": drops %+lld, overlimits %+lld%s\n", (long long)q->drops,
			(long long)q->overlimits,
			q->appeared ? " (added during the recording: its totals)" : "");
	}
	fprintf(f, "\n");
}

static void rule_line(const struct dp_report *r, const struct dp_rule_row *x, FILE *f)
{
	fprintf(f, "  ");
	scope_in(r, x->scope, f);
	if (x->source == DP_RULE_LEGACY)
		fprintf(f, ": iptables-legacy %s table %s chain %s rule %llu: %s",
			x->family, x->table, x->chain, (unsigned long long)x->handle, x->text);
	else if (!x->handle)
		fprintf(f, ": table %s %s chain %s: %s", x->family, x->table, x->chain, x->text);
	else
		fprintf(f, ": table %s %s chain %s handle %llu: %s", x->family, x->table,
			x->chain, (unsigned long long)x->handle, x->text);
	if (x->has_counter)
		fprintf(f, "  %+lld packets%s", (long long)x->packets,
			x->appeared ? " (added during the recording)" : "");
	fprintf(f, "\n");
}

/* Netfilter rules that drop or reject: those whose counter moved, then
 * the candidates without a counter. */
static void rules(const struct dp_report *r, FILE *f)
{
	size_t counted = 0;

	if (!r->nr_rules)
		return;
	fprintf(f, "By netfilter rule");
	if (r->nr_hooks) {
		fprintf(f, " (NETFILTER_DROP at hook");
		for (size_t h = 0; h < r->nr_hooks; h++)
			fprintf(f, "%s %s %llu", h ? "," : "", r->hooks[h].name,
				(unsigned long long)r->hooks[h].drops);
		fprintf(f, ")");
	}
	fprintf(f, "\n");
	for (size_t i = 0; i < r->nr_rules && r->rules[i].has_counter; i++, counted++)
		rule_line(r, &r->rules[i], f);
	if (counted < r->nr_rules) {
		fprintf(f, "  candidates without a counter (add 'counter' to a rule to make its attribution exact):\n");
		for (size_t i = counted; i < r->nr_rules; i++)
			rule_line(r, &r->rules[i], f);
	}
	fprintf(f, "\n");
}

/* The sockets drops carried (rx_sk), most drops first. */
static bool socket_reason(const char *name)
{
	return !strncmp(name, "SOCKET_", 7) || !strncmp(name, "TCP_", 4) ||
	       !strcmp(name, "PROTO_MEM");
}

static void sockets(const struct dp_report *r, FILE *f)
{
	if (!r->has_rx_sk && !r->socket_drops) {
		for (size_t i = 0; i < r->nr_reasons; i++) {
			if (!socket_reason(r->reasons[i].name))
				continue;
			fprintf(f, "By socket: not recorded: it needs skb:kfree_skb's rx_sk field (Linux 6.11 or later; profiles saved before format 2.1 lack it)\n\n");
			break;
		}
		return;
	}
	if (!r->socket_drops)
		return;
	fprintf(f, "By socket (%llu drops carried their receiving socket)\n",
		(unsigned long long)r->socket_drops);
	for (size_t i = 0; i < r->nr_sockets; i++) {
		const struct dp_report_socket *s = &r->sockets[i];
		const struct dp_socket_row *x = &s->row;

		fprintf(f, "%10llu %6.2f%%  %s %s %s %s ", (unsigned long long)x->drops,
			s->share * 100.0, s->reason, x->proto, x->local, x->state);
		if (strcmp(x->remote, "0.0.0.0:*") && strcmp(x->remote, "[::]:*"))
			fprintf(f, "peer %s ", x->remote);
		scope_in(r, x->scope, f);
		if (x->pid)
			fprintf(f, ", pid %d %s", (int)x->pid, x->comm ? x->comm : "?");
		else
			fprintf(f, ", no process holds it");
		if (x->has_mem)
			fprintf(f, " (rcvbuf %u, %u bytes queued at the end)", x->rcvbuf, x->rmem_alloc);
		fprintf(f, "\n");
	}
	if (r->socket_unmatched) {
		fprintf(f, "%10llu          not found: ", (unsigned long long)r->socket_unmatched);
		if (r->socket_addrs == DP_SOCKADDR_HASHED)
			fprintf(f, "/proc/net hashes socket addresses (kernel.kptr_restrict=0): with kernel.kptr_restrict=1 root sees them and dropprof can name the sockets\n");
		else if (r->socket_addrs == DP_SOCKADDR_HIDDEN)
			fprintf(f, "/proc/net hides socket addresses (kernel.kptr_restrict=2, or no CAP_SYSLOG): the sockets cannot be named\n");
		else
			fprintf(f, "the socket closed before the end of the recording (or is in a namespace that could not be read)\n");
	}
	fprintf(f, "\n");
}

static void object_notes(const struct dp_report *r, FILE *f)
{
	for (size_t i = 0; i < r->nr_object_notes; i++)
		fprintf(f, "note: %s\n", r->object_notes[i]);
	if (r->nr_object_notes)
		fprintf(f, "\n");
}

static void sites(const struct dp_report *r, FILE *f)
{
	fprintf(f, "By drop site\n");
	fprintf(f, "%10s %7s  %-40s %s\n", "COUNT", "SHARE", "SITE", "REASONS");
	for (size_t i = 0; i < r->nr_sites; i++) {
		const struct dp_report_site *s = &r->sites[i];
		char name[512];

		site_text(s, name, sizeof(name));
		fprintf(f, "%10llu %6.2f%%  %-40s", (unsigned long long)s->count,
			s->share * 100.0, name);
		for (size_t k = 0; k < s->nr_reasons; k++)
			fprintf(f, " %s:%llu", s->reasons[k].name,
				(unsigned long long)s->reasons[k].count);
		fprintf(f, "\n");
		for (size_t k = 0; k < s->nr_inlined; k++)
			frame_text(f, "                    inlined: ", &s->inlined[k], false);
	}
	fprintf(f, "\n");
}

static void stacks(const struct dp_report *r, FILE *f)
{
	size_t n = r->nr_stacks < r->top_n ? r->nr_stacks : r->top_n;
	char a[32], b[32];

	fprintf(f, "Top stacks (%zu of %zu)\n", n, r->nr_stacks);
	for (size_t i = 0; i < n; i++) {
		const struct dp_report_stack *s = &r->stacks[i];

		if (s->estimated)
			fprintf(f, "  #%zu %s  ~%s drops (est. from %s samples, %.2f%%)\n",
				i + 1, s->reason, grouped(s->count, a),
				grouped(s->samples, b), s->share * 100.0);
		else
			fprintf(f, "  #%zu %s  %s drops (%.2f%%)\n", i + 1,
				s->reason, grouped(s->count, a),
				s->share * 100.0);
		for (size_t k = 0; k < s->nr_frames; k++)
			frame_text(f, "      ", &s->frames[k], true);
		if (s->note)
			fprintf(f, "      (%s)\n", s->note);
	}
	fprintf(f, "\n");
}

static void protos(const struct dp_report *r, FILE *f)
{
	fprintf(f, "By protocol\n");
	fprintf(f, "%10s %7s  %s\n", "COUNT", "SHARE", "PROTOCOL");
	for (size_t i = 0; i < r->nr_protos; i++)
		fprintf(f, "%10llu %6.2f%%  %s\n",
			(unsigned long long)r->protos[i].count,
			r->protos[i].share * 100.0, r->protos[i].name);
	fprintf(f, "\n");
}

static void cpus(const struct dp_report *r, FILE *f)
{
	fprintf(f, "By CPU\n");
	fprintf(f, "%10s %7s  %-5s %12s %10s %12s %10s %8s\n", "COUNT", "SHARE",
		"CPU", "FREES", "LOST", "HITS", "RECOVERED", "OFFLINE");
	for (size_t i = 0; i < r->nr_cpu_rows; i++) {
		const struct dp_report_cpu *c = &r->cpus[i];
		char hits[24] = "-";

		if (r->hits_known)
			snprintf(hits, sizeof(hits), "%llu",
				 (unsigned long long)c->hits);
		fprintf(f, "%10llu %6.2f%%  %-5d %12llu %10llu %12s %10llu %8llu\n",
			(unsigned long long)c->drops, c->share * 100.0, c->cpu,
			(unsigned long long)c->frees, (unsigned long long)c->lost,
			hits, (unsigned long long)c->recovered,
			(unsigned long long)c->offline);
	}
}

static void scope_notes(const struct dp_report *r, FILE *f)
{
	size_t gone = 0, unread = 0;

	for (size_t i = 0; i < r->nr_scopes; i++) {
		gone += !!(r->scopes[i].flags & DP_SCOPE_VANISHED);
		unread += !!(r->scopes[i].flags & DP_SCOPE_UNREAD);
	}
	if (gone) {
		const char *sep = "";

		fprintf(f, "  went away during the recording (no counters):");
		for (size_t i = 0; i < r->nr_scopes; i++) {
			if (!(r->scopes[i].flags & DP_SCOPE_VANISHED))
				continue;
			fprintf(f, "%s %s", sep, r->scopes[i].label);
			sep = ",";
		}
		fprintf(f, "\n");
	}
	if (unread) {
		fprintf(f, "  not read:");
		for (size_t i = 0; i < r->nr_scopes; i++) {
			if (!(r->scopes[i].flags & DP_SCOPE_UNREAD))
				continue;
			fprintf(f, " %s (%s);", r->scopes[i].label,
				r->scopes[i].note ? r->scopes[i].note : "unknown");
		}
		fprintf(f, "\n");
	}
	if (r->netns_hidden)
		fprintf(f, "  the namespace of %u process%s could not be looked at (permissions): a namespace only %s in is missing\n",
			(unsigned)r->netns_hidden, r->netns_hidden == 1 ? "" : "es",
			r->netns_hidden == 1 ? "it is" : "they are");
}

static void counters(const struct dp_report *r, FILE *f)
{
	size_t moved = 0;

	for (size_t i = 0; i < r->nr_scopes; i++)
		moved += r->scopes[i].kind != DP_SCOPE_MACHINE && r->scopes[i].nr_counters;
	if (r->netns_seen)
		fprintf(f, "\nCounters that moved (%u network namespaces found, counters moved in %zu)\n",
			(unsigned)r->netns_seen, moved);
	else
		fprintf(f, "\nCounters that moved (this network namespace; softnet: whole machine)\n");
	scope_notes(r, f);
	if (!r->nr_counters) {
		fprintf(f, "  none\n");
		return;
	}
	for (size_t sc = 0; sc < r->nr_scopes; sc++) {
		const struct dp_report_scope *s = &r->scopes[sc];

		if (!s->nr_counters)
			continue;
		fprintf(f, "  %s%s%s\n", s->label,
			s->flags & DP_SCOPE_OWN && s->kind != DP_SCOPE_LEGACY ? " (dropprof's)" : "",
			s->flags & DP_SCOPE_APPEARED ? " (appeared during the recording: counts since its creation)" : "");
		fprintf(f, "%12s %12s  %-40s %s\n", "DELTA", "RATE", "COUNTER", "DROP");
		for (size_t i = 0; i < r->nr_counters; i++) {
			const struct dp_report_counter *c = &r->counters[i];

			if (c->row.scope != sc)
				continue;
			fprintf(f, "%12lld %10.1f/s  %-40s %s\n", (long long)c->row.delta,
				c->rate, c->row.name, c->row.drop_related ? "yes" : "-");
		}
	}
}

int dp_out_text(const struct dp_report *r, FILE *f)
{
	header(r, f);
	if (!r->drops)
		fprintf(f, "No drops were recorded.\n\n");
	reasons(r, f);
	why(r, f);
	sockets(r, f);
	qdiscs(r, f);
	rules(r, f);
	object_notes(r, f);
	sites(r, f);
	stacks(r, f);
	protos(r, f);
	cpus(r, f);
	counters(r, f);
	return ferror(f) ? -EIO : 0;
}

int dp_out_write(const struct dp_report *rep, enum dp_format fmt, FILE *f)
{
	switch (fmt) {
	case DP_FORMAT_JSON:
		return dp_out_json(rep, f);
	case DP_FORMAT_FOLDED:
		return dp_out_folded(rep, f);
	default:
		return dp_out_text(rep, f);
	}
}
