/* objects (report) — the report's qdiscs, netfilter rules and the hooks
 * of NETFILTER_DROP (see objects.h).
 *
 * The hook comes from the stack: the first function from the drop site
 * towards the root that runs a netfilter hook tells which one dropped
 * (ip_local_deliver runs NF_INET_LOCAL_IN, and so on).  The rules shown
 * are then those of chains on those hooks, plus regular chains (a jump
 * target may be reached from any hook); with no stack or no known hook,
 * every rule is shown.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/model/objects.h"
#include "dropprof/model/report.h"
#include "dropprof/profile/profile.h"

static const struct {
	const char *function;
	const char *hook;
} hook_functions[] = {
	{ "ip_local_deliver", "input" },
	{ "ip6_input", "input" },
	{ "ip_forward", "forward" },
	{ "ip6_forward", "forward" },
	{ "__ip_local_out", "output" },
	{ "ip_local_out", "output" },
	{ "__ip6_local_out", "output" },
	{ "ip6_local_out", "output" },
	{ "ip_output", "postrouting" },
	{ "ip6_output", "postrouting" },
	{ "ip_rcv", "prerouting" },
	{ "ip_list_rcv", "prerouting" },
	{ "ipv6_rcv", "prerouting" },
	{ "ipv6_list_rcv", "prerouting" },
	{ "nf_hook_ingress", "ingress" },
	{ "nf_hook_egress", "egress" },
	{ "br_handle_frame", "prerouting" },
	{ "br_forward", "forward" },
};

const char *dp_nf_hook_of(const char *function)
{
	for (size_t i = 0; function && i < sizeof(hook_functions) / sizeof(hook_functions[0]); i++)
		if (!strcmp(hook_functions[i].function, function))
			return hook_functions[i].hook;
	return NULL;
}

static int build_hooks(struct dp_report *rep)
{
	rep->hooks = calloc(sizeof(hook_functions) / sizeof(hook_functions[0]), sizeof(*rep->hooks));
	if (!rep->hooks)
		return -ENOMEM;
	for (size_t i = 0; i < rep->nr_stacks; i++) {
		const struct dp_report_stack *st = &rep->stacks[i];
		const char *hook = NULL;
		size_t h;

		if (strcmp(st->reason, "NETFILTER_DROP"))
			continue;
		for (size_t k = 0; k < st->nr_frames && !hook; k++)
			hook = dp_nf_hook_of(st->frames[k].function);
		if (!hook)
			continue;
		for (h = 0; h < rep->nr_hooks; h++)
			if (!strcmp(rep->hooks[h].name, hook))
				break;
		if (h == rep->nr_hooks)
			rep->hooks[rep->nr_hooks++].name = hook;
		rep->hooks[h].drops += st->count;
	}
	/* Most drops first; ties by name. */
	for (size_t a = 1; a < rep->nr_hooks; a++)
		for (size_t b = a; b > 0 && (rep->hooks[b].drops > rep->hooks[b - 1].drops ||
		     (rep->hooks[b].drops == rep->hooks[b - 1].drops &&
		      strcmp(rep->hooks[b].name, rep->hooks[b - 1].name) < 0)); b--) {
			struct dp_report_hook x = rep->hooks[b];

			rep->hooks[b] = rep->hooks[b - 1];
			rep->hooks[b - 1] = x;
		}
	return 0;
}

static bool on_hooks(const struct dp_report *rep, const struct dp_rule_row *r)
{
	if (!rep->nr_hooks || !r->hook[0])
		return true;
	for (size_t h = 0; h < rep->nr_hooks; h++)
		if (!strcmp(rep->hooks[h].name, r->hook))
			return true;
	return false;
}

static int cmp_qdisc(const void *a, const void *b)
{
	const struct dp_qdisc_row *x = a, *y = b;
	int c;

	if (x->drops != y->drops)
		return x->drops > y->drops ? -1 : 1;
	if (x->overlimits != y->overlimits)
		return x->overlimits > y->overlimits ? -1 : 1;
	if (x->scope != y->scope)
		return x->scope < y->scope ? -1 : 1;
	c = strcmp(x->dev, y->dev);
	return c ? c : (x->handle > y->handle) - (x->handle < y->handle);
}

static int cmp_rule(const void *a, const void *b)
{
	const struct dp_rule_row *x = a, *y = b;
	int c;

	if (x->has_counter != y->has_counter)
		return x->has_counter ? -1 : 1;
	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	if (x->scope != y->scope)
		return x->scope < y->scope ? -1 : 1;
	if ((c = strcmp(x->family, y->family)) || (c = strcmp(x->table, y->table)) ||
	    (c = strcmp(x->chain, y->chain)))
		return c;
	return (x->handle > y->handle) - (x->handle < y->handle);
}

static char *dup0(const char *s, int *err)
{
	char *p = strdup(s ? s : "");

	if (!p)
		*err = -ENOMEM;
	return p;
}

static int cmp_socket(const void *a, const void *b)
{
	const struct dp_report_socket *x = a, *y = b;
	int c;

	if (x->row.drops != y->row.drops)
		return x->row.drops > y->row.drops ? -1 : 1;
	if (x->row.scope != y->row.scope)
		return x->row.scope < y->row.scope ? -1 : 1;
	if ((c = strcmp(x->row.local, y->row.local)) || (c = strcmp(x->row.remote, y->row.remote)))
		return c;
	return strcmp(x->reason, y->reason);
}

static const char *reason_of(const struct dp_report *rep, uint64_t value)
{
	for (size_t i = 0; i < rep->nr_reasons; i++)
		if (rep->reasons[i].value == value)
			return rep->reasons[i].name;
	return "UNKNOWN";
}

static int build_sockets(struct dp_report *rep, const struct dp_profile *p)
{
	int err = 0;

	rep->has_rx_sk = p->has_rx_sk;
	rep->socket_drops = p->socket_drops;
	rep->socket_unmatched = p->socket_unmatched;
	rep->socket_addrs = p->socket_addrs;
	rep->sockets = calloc(p->nr_sockets + 1, sizeof(*rep->sockets));
	if (!rep->sockets)
		return -ENOMEM;
	for (size_t i = 0; i < p->nr_sockets && !err; i++) {
		const struct dp_socket_row *src = &p->sockets[i];
		struct dp_report_socket *s = &rep->sockets[rep->nr_sockets++];

		s->row = *src;
		s->row.proto = dup0(src->proto, &err);
		s->row.local = dup0(src->local, &err);
		s->row.remote = dup0(src->remote, &err);
		s->row.state = dup0(src->state, &err);
		s->row.comm = src->comm ? dup0(src->comm, &err) : NULL;
		s->reason = dup0(reason_of(rep, src->reason), &err);
		s->share = p->socket_drops ? (double)src->drops / (double)p->socket_drops : 0;
	}
	if (!err && rep->nr_sockets > 1)
		qsort(rep->sockets, rep->nr_sockets, sizeof(*rep->sockets), cmp_socket);
	return err;
}

int dp_report_build_objects(struct dp_report *rep, const struct dp_profile *p)
{
	bool nf_traced = false;
	int err = build_hooks(rep);

	if (!err)
		err = build_sockets(rep, p);
	if (err)
		return err;
	rep->qdiscs = calloc(p->nr_qdiscs + 1, sizeof(*rep->qdiscs));
	rep->rules = calloc(p->nr_rules + 1, sizeof(*rep->rules));
	if (!rep->qdiscs || !rep->rules)
		return -ENOMEM;
	for (size_t i = 0; i < p->nr_qdiscs && !err; i++) {
		struct dp_qdisc_row *q = &rep->qdiscs[rep->nr_qdiscs++];

		*q = p->qdiscs[i];
		q->dev = dup0(p->qdiscs[i].dev, &err);
		q->kind = dup0(p->qdiscs[i].kind, &err);
	}
	for (size_t i = 0; i < rep->nr_reasons; i++)
		nf_traced = nf_traced || !strcmp(rep->reasons[i].name, "NETFILTER_DROP");
	rep->rules_filtered = rep->nr_hooks > 0;
	for (size_t i = 0; i < p->nr_rules && !err; i++) {
		const struct dp_rule_row *src = &p->rules[i];
		struct dp_rule_row *r;

		/* Candidates matter only when netfilter dropped; rules
		 * whose counter moved always do. */
		if (!src->has_counter && !nf_traced)
			continue;
		if (!on_hooks(rep, src))
			continue;
		r = &rep->rules[rep->nr_rules++];
		*r = *src;
		r->family = dup0(src->family, &err);
		r->table = dup0(src->table, &err);
		r->chain = dup0(src->chain, &err);
		r->hook = dup0(src->hook, &err);
		r->text = dup0(src->text, &err);
	}
	if (err)
		return err;
	if (rep->nr_qdiscs > 1)
		qsort(rep->qdiscs, rep->nr_qdiscs, sizeof(*rep->qdiscs), cmp_qdisc);
	if (rep->nr_rules > 1)
		qsort(rep->rules, rep->nr_rules, sizeof(*rep->rules), cmp_rule);
	if (p->object_notes) {
		size_t n = 1;

		for (const char *c = p->object_notes; *c; c++)
			n += *c == '\n';
		rep->object_notes = calloc(n, sizeof(*rep->object_notes));
		if (!rep->object_notes)
			return -ENOMEM;
		for (const char *c = p->object_notes; *c && !err;) {
			size_t len = strcspn(c, "\n");

			if (len && !(rep->object_notes[rep->nr_object_notes++] = strndup(c, len)))
				err = -ENOMEM;
			c += len + (c[len] == '\n');
		}
	}
	return err;
}

void dp_report_release_objects(struct dp_report *rep)
{
	dp_qdisc_rows_free(rep->qdiscs, rep->nr_qdiscs);
	dp_rule_rows_free(rep->rules, rep->nr_rules);
	free(rep->hooks);
	for (size_t i = 0; i < rep->nr_sockets; i++) {
		struct dp_socket_row *r = &rep->sockets[i].row;

		free(r->proto);
		free(r->local);
		free(r->remote);
		free(r->state);
		free(r->comm);
		free(rep->sockets[i].reason);
	}
	free(rep->sockets);
	rep->sockets = NULL;
	rep->nr_sockets = 0;
	for (size_t i = 0; i < rep->nr_object_notes; i++)
		free(rep->object_notes[i]);
	free(rep->object_notes);
	rep->qdiscs = NULL;
	rep->rules = NULL;
	rep->hooks = NULL;
	rep->object_notes = NULL;
	rep->nr_qdiscs = rep->nr_rules = rep->nr_hooks = rep->nr_object_notes = 0;
}
