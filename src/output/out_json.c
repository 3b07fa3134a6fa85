/* out_json — the report as one JSON document, schema "dropprof-report"
 * (documented in README).  Every number of the text report is here.
 */
#include <errno.h>

#include "dropprof/util/json.h"
#include "dropprof/output/output.h"
#include "dropprof/model/report.h"

static void reasons(struct dp_json *j, const struct dp_report *r)
{
	dp_json_array_begin(j, "reasons");
	for (size_t i = 0; i < r->nr_reasons; i++) {
		const struct dp_report_reason *x = &r->reasons[i];

		dp_json_object_begin(j, NULL);
		dp_json_string(j, "reason", x->name);
		dp_json_u64(j, "value", x->value);
		dp_json_u64(j, "count", x->count);
		dp_json_double(j, "share", x->share, 6);
		dp_json_double(j, "rate", x->rate, 3);
		dp_json_string(j, "top_site", x->top_site);
		dp_json_object_end(j);
	}
	dp_json_array_end(j);
}

static void frame(struct dp_json *j, const struct dp_report_frame *f)
{
	dp_json_object_begin(j, NULL);
	dp_json_string(j, "frame", f->text);
	dp_json_string(j, "function", f->function);
	dp_json_string(j, "file", f->file);
	if (f->file && f->line)
		dp_json_u64(j, "line", f->line);
	else
		dp_json_string(j, "line", NULL);
	dp_json_bool(j, "inlined", f->inlined);
	dp_json_object_end(j);
}

static void sites(struct dp_json *j, const struct dp_report *r)
{
	dp_json_array_begin(j, "sites");
	for (size_t i = 0; i < r->nr_sites; i++) {
		const struct dp_report_site *s = &r->sites[i];

		dp_json_object_begin(j, NULL);
		dp_json_string(j, "site", s->site);
		dp_json_string(j, "function", s->function);
		dp_json_string(j, "module", s->module);
		dp_json_string(j, "address", s->address);
		dp_json_string(j, "source", s->source);
		dp_json_string(j, "file", s->file);
		if (s->file && s->line)
			dp_json_u64(j, "line", s->line);
		else
			dp_json_string(j, "line", NULL);
		dp_json_array_begin(j, "inlined");
		for (size_t k = 0; k < s->nr_inlined; k++)
			frame(j, &s->inlined[k]);
		dp_json_array_end(j);
		dp_json_u64(j, "count", s->count);
		dp_json_double(j, "share", s->share, 6);
		dp_json_array_begin(j, "reasons");
		for (size_t k = 0; k < s->nr_reasons; k++) {
			dp_json_object_begin(j, NULL);
			dp_json_string(j, "reason", s->reasons[k].name);
			dp_json_u64(j, "count", s->reasons[k].count);
			dp_json_object_end(j);
		}
		dp_json_array_end(j);
		dp_json_object_end(j);
	}
	dp_json_array_end(j);
}

static void stacks(struct dp_json *j, const struct dp_report *r)
{
	dp_json_array_begin(j, "stacks");
	for (size_t i = 0; i < r->nr_stacks; i++) {
		const struct dp_report_stack *s = &r->stacks[i];

		dp_json_object_begin(j, NULL);
		dp_json_string(j, "reason", s->reason);
		dp_json_u64(j, "count", s->count);
		dp_json_u64(j, "samples", s->samples);
		dp_json_bool(j, "estimated", s->estimated);
		dp_json_double(j, "share", s->share, 6);
		dp_json_string(j, "note", s->note);
		dp_json_array_begin(j, "frames");
		for (size_t k = 0; k < s->nr_frames; k++)
			frame(j, &s->frames[k]);
		dp_json_array_end(j);
		dp_json_object_end(j);
	}
	dp_json_array_end(j);
}

static const char *state_name(enum dp_setting_state st)
{
	return st == DP_SETTING_VALUE ? "value" : st == DP_SETTING_ABSENT ?
	       "absent" : "unreadable";
}

static void why(struct dp_json *j, const struct dp_report *r)
{
	dp_json_array_begin(j, "why");
	for (size_t i = 0; i < r->nr_why; i++) {
		const struct dp_report_why *w = &r->why[i];

		dp_json_object_begin(j, NULL);
		dp_json_string(j, "reason", w->reason);
		dp_json_bool(j, "described", w->described);
		dp_json_string(j, "family", w->family);
		dp_json_string(j, "meaning", w->meaning);
		dp_json_string(j, "hint", w->hint);
		dp_json_u64(j, "count", w->count);
		dp_json_bool(j, "has_counters", w->has_counters);
		dp_json_array_begin(j, "where");
		for (size_t k = 0; k < w->nr_where; k++)
			dp_json_string(j, NULL, r->scopes[w->where[k]].name);
		dp_json_array_end(j);
		dp_json_array_begin(j, "counters");
		for (size_t k = 0; k < w->nr_counters; k++) {
			dp_json_object_begin(j, NULL);
			dp_json_string(j, "name", w->counters[k].name);
			dp_json_string(j, "scope", r->scopes[w->counters[k].scope].name);
			dp_json_i64(j, "delta", w->counters[k].delta);
			dp_json_object_end(j);
		}
		dp_json_array_end(j);
		dp_json_array_begin(j, "agreement");
		for (size_t k = 0; k < w->nr_totals; k++) {
			dp_json_object_begin(j, NULL);
			dp_json_string(j, "counter", w->totals[k].name);
			dp_json_array_begin(j, "counters");
			for (size_t m = 0; m < w->totals[k].nr_members; m++)
				dp_json_string(j, NULL, w->totals[k].members[m]);
			dp_json_array_end(j);
			dp_json_i64(j, "total", w->totals[k].total);
			dp_json_u64(j, "traced", w->count);
			dp_json_i64(j, "difference", w->totals[k].difference);
			dp_json_object_end(j);
		}
		dp_json_array_end(j);
		dp_json_array_begin(j, "settings");
		for (size_t k = 0; k < w->nr_settings; k++)
			dp_json_string(j, NULL, w->settings[k]);
		dp_json_array_end(j);
		dp_json_bool(j, "values_fallback", w->values_fallback);
		dp_json_array_begin(j, "values");
		for (size_t k = 0; k < w->nr_values; k++) {
			const struct dp_report_why_value *v = &w->values[k];

			dp_json_object_begin(j, NULL);
			dp_json_string(j, "name", v->name);
			dp_json_string(j, "scope", r->scopes[v->scope].name);
			dp_json_string(j, "state", state_name(v->state));
			dp_json_string(j, "value", v->value);
			dp_json_bool(j, "machine_wide", v->machine_wide);
			dp_json_object_end(j);
		}
		dp_json_array_end(j);
		dp_json_object_end(j);
	}
	dp_json_array_end(j);
	dp_json_array_begin(j, "unexplained");
	for (size_t i = 0; i < r->nr_unexplained; i++) {
		const struct dp_report_unexplained *u = &r->unexplained[i];

		dp_json_object_begin(j, NULL);
		dp_json_string(j, "name", u->name);
		dp_json_string(j, "scope", r->scopes[u->scope].name);
		dp_json_i64(j, "delta", u->delta);
		dp_json_string(j, "meaning", u->meaning);
		dp_json_object_end(j);
	}
	dp_json_array_end(j);
}

static void objects(struct dp_json *j, const struct dp_report *r)
{
	dp_json_array_begin(j, "qdiscs");
	for (size_t i = 0; i < r->nr_qdiscs; i++) {
		const struct dp_qdisc_row *q = &r->qdiscs[i];
		char buf[2] = { q->limit_unit, 0 };

		dp_json_object_begin(j, NULL);
		dp_json_string(j, "scope", r->scopes[q->scope].name);
		dp_json_string(j, "dev", q->dev);
		dp_json_string(j, "kind", q->kind);
		dp_json_u64(j, "handle", q->handle);
		dp_json_u64(j, "parent", q->parent);
		if (q->has_limit)
			dp_json_u64(j, "limit", q->limit);
		else
			dp_json_string(j, "limit", NULL);
		dp_json_string(j, "limit_unit", q->has_limit ? buf : NULL);
		dp_json_i64(j, "drops", q->drops);
		dp_json_i64(j, "overlimits", q->overlimits);
		dp_json_i64(j, "requeues", q->requeues);
		dp_json_i64(j, "packets", q->packets);
		dp_json_u64(j, "qlen", q->qlen);
		dp_json_bool(j, "appeared", q->appeared);
		dp_json_object_end(j);
	}
	dp_json_array_end(j);
	dp_json_array_begin(j, "nf_hooks");
	for (size_t i = 0; i < r->nr_hooks; i++) {
		dp_json_object_begin(j, NULL);
		dp_json_string(j, "hook", r->hooks[i].name);
		dp_json_u64(j, "drops", r->hooks[i].drops);
		dp_json_object_end(j);
	}
	dp_json_array_end(j);
	dp_json_array_begin(j, "nf_rules");
	for (size_t i = 0; i < r->nr_rules; i++) {
		const struct dp_rule_row *x = &r->rules[i];

		dp_json_object_begin(j, NULL);
		dp_json_string(j, "scope", r->scopes[x->scope].name);
		dp_json_string(j, "source", x->source == DP_RULE_LEGACY ? "iptables-legacy" : "nftables");
		dp_json_string(j, "family", x->family);
		dp_json_string(j, "table", x->table);
		dp_json_string(j, "chain", x->chain);
		dp_json_string(j, "hook", x->hook);
		dp_json_u64(j, "handle", x->handle);
		dp_json_string(j, "text", x->text);
		dp_json_string(j, "verdict", x->verdict == DP_RULE_REJECT ? "reject" : "drop");
		dp_json_bool(j, "has_counter", x->has_counter);
		if (x->has_counter) {
			dp_json_i64(j, "packets", x->packets);
			dp_json_i64(j, "bytes", x->bytes);
		} else {
			dp_json_string(j, "packets", NULL);
			dp_json_string(j, "bytes", NULL);
		}
		dp_json_bool(j, "appeared", x->appeared);
		dp_json_object_end(j);
	}
	dp_json_array_end(j);
	dp_json_bool(j, "has_rx_sk", r->has_rx_sk);
	dp_json_u64(j, "socket_drops", r->socket_drops);
	dp_json_u64(j, "socket_unmatched", r->socket_unmatched);
	dp_json_string(j, "socket_addresses", r->socket_addrs == DP_SOCKADDR_REAL ? "real" :
		       r->socket_addrs == DP_SOCKADDR_HASHED ? "hashed" :
		       r->socket_addrs == DP_SOCKADDR_HIDDEN ? "hidden" : NULL);
	dp_json_array_begin(j, "sockets");
	for (size_t i = 0; i < r->nr_sockets; i++) {
		const struct dp_socket_row *x = &r->sockets[i].row;

		dp_json_object_begin(j, NULL);
		dp_json_string(j, "scope", r->scopes[x->scope].name);
		dp_json_string(j, "reason", r->sockets[i].reason);
		dp_json_u64(j, "drops", x->drops);
		dp_json_double(j, "share", r->sockets[i].share, 6);
		dp_json_string(j, "protocol", x->proto);
		dp_json_string(j, "local", x->local);
		dp_json_string(j, "remote", x->remote);
		dp_json_string(j, "state", x->state);
		dp_json_u64(j, "inode", x->inode);
		if (x->pid)
			dp_json_i64(j, "pid", x->pid);
		else
			dp_json_string(j, "pid", NULL);
		dp_json_string(j, "comm", x->comm);
		if (x->has_mem) {
			dp_json_u64(j, "rcvbuf", x->rcvbuf);
			dp_json_u64(j, "rmem_alloc", x->rmem_alloc);
		} else {
			dp_json_string(j, "rcvbuf", NULL);
			dp_json_string(j, "rmem_alloc", NULL);
		}
		dp_json_object_end(j);
	}
	dp_json_array_end(j);
	dp_json_array_begin(j, "object_notes");
	for (size_t i = 0; i < r->nr_object_notes; i++)
		dp_json_string(j, NULL, r->object_notes[i]);
	dp_json_array_end(j);
}

static void scopes(struct dp_json *j, const struct dp_report *r)
{
	dp_json_u64(j, "netns_seen", r->netns_seen);
	dp_json_u64(j, "netns_hidden", r->netns_hidden);
	dp_json_array_begin(j, "scopes");
	for (size_t i = 0; i < r->nr_scopes; i++) {
		const struct dp_report_scope *s = &r->scopes[i];

		dp_json_object_begin(j, NULL);
		dp_json_string(j, "name", s->name);
		dp_json_string(j, "kind", dp_scope_kind_name(s->kind));
		dp_json_string(j, "label", s->label);
		dp_json_u64(j, "inode", s->inode);
		if (s->pid)
			dp_json_i64(j, "pid", s->pid);
		else
			dp_json_string(j, "pid", NULL);
		dp_json_string(j, "comm", s->comm);
		dp_json_bool(j, "own", s->flags & DP_SCOPE_OWN);
		dp_json_bool(j, "appeared", s->flags & DP_SCOPE_APPEARED);
		dp_json_bool(j, "vanished", s->flags & DP_SCOPE_VANISHED);
		dp_json_bool(j, "unread", s->flags & DP_SCOPE_UNREAD);
		dp_json_string(j, "note", s->note);
		dp_json_u64(j, "counters", s->nr_counters);
		dp_json_array_begin(j, "settings");
		for (size_t k = 0; k < s->nr_settings; k++) {
			dp_json_object_begin(j, NULL);
			dp_json_string(j, "name", s->settings[k].name);
			dp_json_string(j, "state", state_name(s->settings[k].state));
			dp_json_string(j, "value", s->settings[k].value);
			dp_json_object_end(j);
		}
		dp_json_array_end(j);
		dp_json_object_end(j);
	}
	dp_json_array_end(j);
}

static void protos_cpus(struct dp_json *j, const struct dp_report *r)
{
	dp_json_array_begin(j, "protocols");
	for (size_t i = 0; i < r->nr_protos; i++) {
		dp_json_object_begin(j, NULL);
		dp_json_string(j, "protocol", r->protos[i].name);
		dp_json_u64(j, "value", r->protos[i].value);
		dp_json_u64(j, "count", r->protos[i].count);
		dp_json_double(j, "share", r->protos[i].share, 6);
		dp_json_object_end(j);
	}
	dp_json_array_end(j);
	dp_json_array_begin(j, "cpus");
	for (size_t i = 0; i < r->nr_cpu_rows; i++) {
		dp_json_object_begin(j, NULL);
		dp_json_i64(j, "cpu", r->cpus[i].cpu);
		dp_json_u64(j, "count", r->cpus[i].drops);
		dp_json_double(j, "share", r->cpus[i].share, 6);
		dp_json_u64(j, "frees", r->cpus[i].frees);
		dp_json_u64(j, "lost", r->cpus[i].lost);
		if (r->hits_known)
			dp_json_u64(j, "hits", r->cpus[i].hits);
		else
			dp_json_string(j, "hits", NULL);
		dp_json_u64(j, "recovered", r->cpus[i].recovered);
		dp_json_u64(j, "offline", r->cpus[i].offline);
		dp_json_object_end(j);
	}
	dp_json_array_end(j);
	dp_json_array_begin(j, "counters");
	for (size_t i = 0; i < r->nr_counters; i++) {
		const struct dp_report_counter *c = &r->counters[i];

		dp_json_object_begin(j, NULL);
		dp_json_string(j, "name", c->row.name);
		dp_json_string(j, "scope", c->row.scope < r->nr_scopes ?
			       r->scopes[c->row.scope].name : NULL);
		dp_json_u64(j, "before", c->row.before);
		dp_json_u64(j, "after", c->row.after);
		dp_json_i64(j, "delta", c->row.delta);
		dp_json_double(j, "rate", c->rate, 3);
		dp_json_bool(j, "drop_related", c->row.drop_related);
		dp_json_object_end(j);
	}
	dp_json_array_end(j);
}

int dp_out_json(const struct dp_report *r, FILE *f)
{
	struct dp_json j;

	dp_json_init(&j, f);
	dp_json_object_begin(&j, NULL);
	dp_json_string(&j, "schema", "dropprof-report");
	dp_json_u64(&j, "version", DP_REPORT_SCHEMA_VERSION);
	dp_json_string(&j, "tool_version", r->tool_version);
	dp_json_string(&j, "kernel", r->kernel);
	dp_json_string(&j, "kernel_build_id", r->kernel_buildid);
	dp_json_string(&j, "hostname", r->hostname);
	dp_json_i64(&j, "start_time", r->start_time);
	dp_json_double(&j, "duration", r->duration, 3);
	dp_json_string(&j, "cpu_list", r->cpu_list);
	dp_json_u64(&j, "nr_cpus", r->nr_cpus);
	dp_json_string(&j, "filter", r->filter);
	dp_json_u64(&j, "drops", r->drops);
	dp_json_double(&j, "drop_rate", r->drop_rate, 3);
	if (r->frees_known) {
		dp_json_u64(&j, "frees", r->frees);
		dp_json_double(&j, "drop_share", r->drop_share, 6);
	} else {
		dp_json_string(&j, "frees", NULL);
		dp_json_string(&j, "drop_share", NULL);
	}
	dp_json_u64(&j, "lost", r->lost);
	if (r->hits_known)
		dp_json_u64(&j, "hits", r->hits);
	else
		dp_json_string(&j, "hits", NULL);
	dp_json_u64(&j, "recovered", r->recovered);
	dp_json_u64(&j, "cpus_added", r->cpus_added);
	dp_json_u64(&j, "cpus_offline", r->offline);
	dp_json_u64(&j, "throttled", r->throttled);
	dp_json_u64(&j, "bad_records", r->bad_records);
	dp_json_u64(&j, "no_stack", r->no_stack);
	dp_json_u64(&j, "stacks_other", r->stacks_other);
	dp_json_bool(&j, "all_stacks", r->all_stacks);
	dp_json_bool(&j, "stacks_estimated", r->stacks_estimated);
	dp_json_u64(&j, "stack_samples", r->stack_samples);
	dp_json_u64(&j, "stack_unplaced", r->stack_unplaced);
	dp_json_u64(&j, "stack_lost", r->stack_lost);
	dp_json_u64(&j, "stack_period_max", r->stack_period_max);
	dp_json_double(&j, "stack_budget", r->stack_budget, 1);
	dp_json_bool(&j, "has_reason", r->has_reason);
	dp_json_bool(&j, "symbols_restricted", r->symbols_restricted);
	dp_json_bool(&j, "source_lines", r->has_sources);
	dp_json_array_begin(&j, "symbol_notes");
	for (size_t i = 0; i < r->nr_symbol_notes; i++)
		dp_json_string(&j, NULL, r->symbol_notes[i]);
	dp_json_array_end(&j);
	reasons(&j, r);
	why(&j, r);
	sites(&j, r);
	stacks(&j, r);
	protos_cpus(&j, r);
	scopes(&j, r);
	objects(&j, r);
	dp_json_object_end(&j);
	return ferror(f) ? -EIO : 0;
}
