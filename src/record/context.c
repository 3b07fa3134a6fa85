/* context — the counters of every network namespace around a recording
 * and the settings read at its end (see context.h).
 *
 * The start pass stats and snapshots each namespace once and keeps the
 * snapshots; nothing holds a namespace open in between.  The end pass
 * finds the namespaces again and pairs them with the start by identity:
 * one found only at the start went away, one found only at the end
 * appeared (its counters count from its creation, so its totals are what
 * happened in it).  Only what moved, appeared, went or could not be read
 * becomes a scope of the profile; a machine with 500 quiet namespaces
 * saves none of them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/kernel/netns.h"
#include "dropprof/kernel/procnet.h"
#include "dropprof/kernel/sockdiag.h"
#include "dropprof/kernel/sockowner.h"
#include "dropprof/kernel/sysctl.h"
#include "dropprof/profile/counters.h"
#include "dropprof/profile/profile.h"
#include "dropprof/profile/scope.h"
#include "dropprof/record/context.h"
#include "dropprof/record/objects.h"
#include "dropprof/util/error.h"
#include "dropprof/util/strpool.h"

void dp_context_init(struct dp_context *c)
{
	memset(c, 0, sizeof(*c));
	c->proc = "/proc";
	c->run_netns = "/run/netns";
	c->procnet = "/proc/net";
}

static void free_snapshots(struct dp_counters *v, size_t nr)
{
	for (size_t i = 0; v && i < nr; i++)
		dp_counters_release(&v[i]);
	free(v);
}

void dp_context_release(struct dp_context *c)
{
	free_snapshots(c->before, c->start.nr);
	free(c->before_err);
	free(c->before_cookie);
	c->before_cookie = NULL;
	for (size_t i = 0; c->before_obj && i < c->start.nr; i++)
		dp_ns_objects_release(&c->before_obj[i]);
	free(c->before_obj);
	c->before_obj = NULL;
	dp_netns_set_release(&c->start);
	dp_counters_release(&c->machine_before);
	dp_strpool_release(&c->pool);
	c->before = NULL;
	c->before_err = NULL;
	c->have_machine = false;
	c->started = false;
}

static int snapshot_fn(const struct dp_netns *ns, size_t i, void *arg)
{
	struct dp_context *c = arg;

	int err;

	/* No cookie (before 5.14): 0, and inodes alone pair the passes. */
	dp_netns_cookie(&c->before_cookie[i]);
	err = dp_objects_start(&c->before_obj[i]);
	if (err)
		return err;
	return dp_counters_snapshot_scope(&c->before[i], DP_NETNS_PROCNET,
					  DP_PROCNET_NETNS);
}

/* The start pass: every namespace of c->start snapshotted into
 * c->before, with the status and cookie of each. */
static int snapshot_start(struct dp_context *c)
{
	struct dp_netns_set *set = &c->start;
	size_t n = set->nr ? set->nr : 1;
	struct dp_netns **list = calloc(n, sizeof(*list));

	c->before = calloc(n, sizeof(*c->before));
	c->before_err = calloc(n, sizeof(*c->before_err));
	c->before_cookie = calloc(n, sizeof(*c->before_cookie));
	c->before_obj = calloc(n, sizeof(*c->before_obj));
	if (!list || !c->before || !c->before_err || !c->before_cookie || !c->before_obj) {
		free(list);
		return -ENOMEM;       /* dp_context_release() frees the rest */
	}
	for (size_t i = 0; i < set->nr; i++) {
		list[i] = &set->v[i];
		c->before[i].pool = &c->pool;
	}
	dp_netns_each(list, set->nr, snapshot_fn, c, DP_CONTEXT_START_BUDGET_MS,
		      c->before_err);
	free(list);
	return 0;
}

int dp_context_begin(struct dp_context *c)
{
	int err = dp_netns_discover(&c->start, c->proc, c->run_netns);

	if (err == -ENOMEM)
		return err;
	if (err)
		dp_warn("cannot list network namespaces in '%s': %s (counters are read in none)",
			c->proc, strerror(-err));
	else if ((err = snapshot_start(c)))
		return err;
	c->have_machine = dp_counters_snapshot_scope(&c->machine_before, c->procnet,
						     DP_PROCNET_MACHINE) == 0;
	c->started = true;
	return 0;
}

/* ---- the end: pairing start and end ----------------------------------- */

struct pair {
	const struct dp_netns *ns;     /* the end's when found there */
	int before_err, after_err;     /* 1: not in that pass */
	struct dp_counter_row *rows;   /* what moved (owned) */
	size_t nr_rows;
	struct dp_ns_moved moved;      /* qdiscs and rules that moved */
};

static int cmp_pair(const void *a, const void *b)
{
	const struct dp_netns *x = ((const struct pair *)a)->ns;
	const struct dp_netns *y = ((const struct pair *)b)->ns;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->kind == DP_NETNS_NAMED) {
		int c = strcmp(x->name, y->name);

		if (c)
			return c;
	}
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	/* One inode, two namespaces (a freed number given again): the
	 * one that went away first. */
	return (((const struct pair *)a)->after_err != 1) -
	       (((const struct pair *)b)->after_err != 1);
}

static const char *enter_error(int err)
{
	switch (err) {
	case -EPERM:
		return "cannot enter it: setns needs CAP_SYS_ADMIN (run as root)";
	case -EACCES:
		return "cannot open it: permission denied (run as root)";
	case -ETIMEDOUT:
		return "not reached within the time for one pass over the namespaces";
	default:
		return NULL;
	}
}

static int note(struct dp_scope *s, const char *when, int err)
{
	const char *why = enter_error(err);

	s->flags |= DP_SCOPE_UNREAD;
	if (asprintf(&s->note, "%s: %s", when, why ? why : strerror(-err)) < 0) {
		s->note = NULL;
		return -ENOMEM;
	}
	return 0;
}

static enum dp_scope_kind scope_kind(enum dp_netns_kind k)
{
	return k == DP_NETNS_ROOT ? DP_SCOPE_ROOT :
	       k == DP_NETNS_NAMED ? DP_SCOPE_NAMED : DP_SCOPE_PROCESS;
}

static bool gone(int err)
{
	return err == -ENOENT || err == -ESTALE;
}

/* Add rows to p (into the scope just added). */
static int add_rows(struct dp_profile *p, const struct dp_counter_row *d, size_t nr)
{
	int err = 0;

	for (size_t i = 0; !err && i < nr; i++)
		err = dp_profile_add_counter(p, d[i].name, d[i].before,
					     d[i].after, d[i].delta,
					     d[i].drop_related);
	return err;
}

/* ---- sockets ------------------------------------------------------------ */

static int cmp_addr(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The distinct rx_sk values the drops carried, sorted. */
static int socket_addrs(const struct dp_profile *p, uint64_t **out, size_t *nr)
{
	uint64_t *v;
	size_t n = 0;

	*out = NULL;
	*nr = 0;
	if (!p->rx_socks.nr_used)
		return 0;
	v = calloc(p->rx_socks.nr_used, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (const struct dp_keytab_entry *e = dp_keytab_next(&p->rx_socks, NULL); e;
	     e = dp_keytab_next(&p->rx_socks, e))
		v[n++] = dp_keytab_key(&p->rx_socks, e)[0];
	qsort(v, n, sizeof(*v), cmp_addr);
	{
		size_t w = 0;

		for (size_t i = 0; i < n; i++)
			if (!w || v[w - 1] != v[i])
				v[w++] = v[i];
		n = w;
	}
	*out = v;
	*nr = n;
	return 0;
}

/* The best of the kinds of socket address seen: one real one means
 * matching worked somewhere. */
static uint8_t merge_addr_kinds(uint8_t have, unsigned int kinds)
{
	if (have == DP_SOCKADDR_REAL || (kinds & (1u << DP_KADDR_REAL)))
		return DP_SOCKADDR_REAL;
	if (kinds & (1u << DP_KADDR_HASHED))
		return DP_SOCKADDR_HASHED;
	if (kinds & (1u << DP_KADDR_HIDDEN))
		return have ? have : DP_SOCKADDR_HIDDEN;
	return have;
}

/* One row per reason of the drops the socket received. */
static int add_socket(struct dp_profile *p, uint32_t scope, const struct dp_sock_match *m)
{
	for (const struct dp_keytab_entry *e = dp_keytab_next(&p->rx_socks, NULL); e;
	     e = dp_keytab_next(&p->rx_socks, e)) {
		const uint64_t *k = dp_keytab_key(&p->rx_socks, e);
		struct dp_socket_row *v, *r;

		if (k[0] != m->rx_sk)
			continue;
		v = reallocarray(p->sockets, p->nr_sockets + 1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->sockets = v;
		r = &v[p->nr_sockets++];
		*r = (struct dp_socket_row){
			.scope = scope, .inode = m->sock.inode,
			.has_mem = m->mem.found, .rcvbuf = m->mem.rcvbuf,
			.rmem_alloc = m->mem.rmem_alloc, .rx_queue = m->sock.rx_queue,
			.reason = k[1], .drops = e->count,
		};
		r->proto = strdup(m->sock.proto_name);
		r->local = strdup(m->sock.local);
		r->remote = strdup(m->sock.remote);
		r->state = strdup(m->sock.state_name ? m->sock.state_name : "?");
		if (!r->proto || !r->local || !r->remote || !r->state)
			return -ENOMEM;
	}
	return 0;
}

/* Who holds them (one scan of /proc for every namespace), and how many
 * socket drops found no socket. */
static int socket_owners(struct dp_profile *p)
{
	struct dp_sockowner *o;
	struct dp_sockowner_stats st;
	size_t n = 0;
	uint64_t placed = 0;

	for (size_t i = 0; i < p->nr_sockets; i++)
		placed += p->sockets[i].drops;
	p->socket_unmatched = p->socket_drops > placed ? p->socket_drops - placed : 0;
	if (!p->nr_sockets)
		return 0;
	o = calloc(p->nr_sockets, sizeof(*o));
	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < p->nr_sockets; i++) {
		bool seen = !p->sockets[i].inode;

		for (size_t k = 0; k < n && !seen; k++)
			seen = o[k].inode == p->sockets[i].inode;
		if (!seen)
			o[n++].inode = p->sockets[i].inode;
	}
	if (n && !dp_sockowner_find("/proc", o, n, 1, &st)) {
		for (size_t i = 0; i < p->nr_sockets; i++)
			for (size_t k = 0; k < n; k++) {
				if (o[k].inode != p->sockets[i].inode || !o[k].nr)
					continue;
				p->sockets[i].pid = o[k].v[0].pid;
				free(p->sockets[i].comm);
				p->sockets[i].comm = strdup(o[k].v[0].comm);
			}
	}
	free(o);
	return 0;
}

/* Move what moved of a namespace's objects into p, in scope idx; its
 * notes join the profile's (each line once). */
static int add_objects(struct dp_profile *p, uint32_t idx, struct dp_ns_moved *m)
{
	if (m->nr_qdiscs) {
		struct dp_qdisc_row *v = reallocarray(p->qdiscs, p->nr_qdiscs + m->nr_qdiscs,
						      sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->qdiscs = v;
		for (size_t i = 0; i < m->nr_qdiscs; i++) {
			v[p->nr_qdiscs] = m->qdiscs[i];
			v[p->nr_qdiscs++].scope = idx;
		}
		free(m->qdiscs);
		m->qdiscs = NULL;
		m->nr_qdiscs = 0;
	}
	if (m->nr_rules) {
		struct dp_rule_row *v = reallocarray(p->rules, p->nr_rules + m->nr_rules,
						     sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->rules = v;
		for (size_t i = 0; i < m->nr_rules; i++) {
			v[p->nr_rules] = m->rules[i];
			v[p->nr_rules++].scope = idx;
		}
		free(m->rules);
		m->rules = NULL;
		m->nr_rules = 0;
	}
	p->socket_addrs = merge_addr_kinds(p->socket_addrs, m->addr_kinds);
	for (size_t i = 0; i < m->nr_socks; i++) {
		int err = add_socket(p, idx, &m->socks[i]);

		if (err)
			return err;
	}
	if (m->notes && (!p->object_notes || !strstr(p->object_notes, m->notes))) {
		char *n;

		if (asprintf(&n, "%s%s%s", p->object_notes ? p->object_notes : "",
			     p->object_notes ? "\n" : "", m->notes) < 0)
			return -ENOMEM;
		free(p->object_notes);
		p->object_notes = n;
	}
	return 0;
}

/* The scope of one pair, or none (*kept false) when nothing about it is
 * worth saying. */
static int add_pair(struct dp_profile *p, struct pair *pr, bool *kept)
{
	const struct dp_netns *ns = pr->ns;
	struct dp_scope s = {
		.kind = scope_kind(ns->kind),
		.flags = ns->own ? DP_SCOPE_OWN : 0,
		.inode = ns->ino,
		.pid = ns->pid,
	};
	bool in_start = pr->before_err != 1, in_end = pr->after_err != 1;
	size_t nr = 0;
	int idx, err = 0;

	*kept = false;
	if (in_start && gone(pr->before_err))
		return 0;              /* went before it could be read */
	if (!in_start && gone(pr->after_err))
		return 0;              /* came and went */
	s.name = strdup(ns->name);
	s.comm = ns->comm[0] ? strdup(ns->comm) : NULL;
	if (!s.name || (ns->comm[0] && !s.comm)) {
		dp_scope_release(&s);
		return -ENOMEM;
	}
	if (in_start && pr->before_err)
		err = note(&s, "not read at the start", pr->before_err);
	else if (in_start && (!in_end || gone(pr->after_err)))
		s.flags |= DP_SCOPE_VANISHED;
	else if (in_end && pr->after_err)
		err = note(&s, "not read at the end", pr->after_err);
	else if (!in_start)
		s.flags |= DP_SCOPE_APPEARED;
	if (err) {
		dp_scope_release(&s);
		return err;
	}
	idx = dp_profile_add_scope(p, &s);
	if (idx < 0)
		return idx;
	if (!(p->scopes[idx].flags & (DP_SCOPE_UNREAD | DP_SCOPE_VANISHED))) {
		/* Counted before add_objects() takes the rows over. */
		nr = pr->nr_rows + pr->moved.nr_qdiscs + pr->moved.nr_rules +
		     pr->moved.nr_socks;
		err = add_rows(p, pr->rows, pr->nr_rows);
		if (!err)
			err = add_objects(p, (uint32_t)idx, &pr->moved);
		if (err)
			return err;
	}
	if (!nr && !(p->scopes[idx].flags & ~DP_SCOPE_APPEARED)) {
		/* Quiet: not kept (dropprof's own stays, for its settings). */
		dp_scope_release(&p->scopes[idx]);
		p->nr_scopes--;
		return 0;
	}
	*kept = true;
	return 0;
}

/* ---- the end: settings ------------------------------------------------ */

struct target {
	struct dp_scope *scope;
	const struct dp_netns *ns;
	const char *ifnames[DP_CONTEXT_MAX_SETTING_IFACES];
	size_t nr_if;
	bool literal_only;             /* the machine's: no interfaces */
	double weight;                 /* drop counters that moved */
};

struct settings_job {
	struct target *targets;
	const char *const *patterns;
	struct target *cur;
	int err;
};

static int read_one(const char *name, void *arg)
{
	struct settings_job *j = arg;
	char *value = NULL;
	int err = dp_sysctl_read(DP_NETNS_PROCSYS, name, &value);
	enum dp_setting_state st = !err ? DP_SETTING_VALUE :
				   err == -ENOENT ? DP_SETTING_ABSENT :
				   DP_SETTING_UNREADABLE;

	if (err == -ENOMEM)
		return err;
	err = dp_scope_set_setting(j->cur->scope, name, st, value);
	free(value);
	return err;
}

/* The listeners kept per namespace: the fullest accept queues. */
struct listeners {
	struct dp_listener v[DP_CONTEXT_MAX_LISTENERS];
	size_t nr;
};

static bool fuller(const struct dp_listener *a, const struct dp_listener *b)
{
	bool fa = a->queue >= a->backlog, fb = b->queue >= b->backlog;

	if (fa != fb)
		return fa;
	if (a->queue != b->queue)
		return a->queue > b->queue;
	return strcmp(a->addr, b->addr) < 0;
}

static int keep_listener(const struct dp_listener *l, void *arg)
{
	struct listeners *ls = arg;
	size_t at;

	if (ls->nr < DP_CONTEXT_MAX_LISTENERS)
		at = ls->nr++;
	else if (fuller(l, &ls->v[ls->nr - 1]))
		at = ls->nr - 1;        /* the least full one makes room */
	else
		return 0;
	ls->v[at] = *l;
	for (; at > 0 && fuller(&ls->v[at], &ls->v[at - 1]); at--) {
		struct dp_listener x = ls->v[at];

		ls->v[at] = ls->v[at - 1];
		ls->v[at - 1] = x;
	}
	return 0;
}

/* Each TCP listener's accept-queue limit, as DP_LISTEN_BACKLOG names. */
static int read_listeners(struct settings_job *j)
{
	struct listeners ls = { .nr = 0 };
	int err = dp_sockdiag_listeners(keep_listener, &ls);

	if (err)
		return err == -ENOMEM ? err : 0;   /* no sock_diag: none */
	for (size_t i = 0; i < ls.nr && !err; i++) {
		char name[96], value[16];

		snprintf(name, sizeof(name), "listen(%s).backlog", ls.v[i].addr);
		snprintf(value, sizeof(value), "%u", ls.v[i].backlog);
		err = dp_scope_set_setting(j->cur->scope, name, DP_SETTING_VALUE, value);
	}
	return err;
}

static int settings_fn(const struct dp_netns *ns, size_t i, void *arg)
{
	struct settings_job *j = arg;
	struct target *t = &j->targets[i];

	j->cur = t;
	for (size_t k = 0; j->patterns[k]; k++) {
		int err;

		if (!strcmp(j->patterns[k], DP_LISTEN_BACKLOG))
			err = t->literal_only ? 0 : read_listeners(j);
		else
			err = dp_sysctl_expand(j->patterns[k], t->ifnames,
					       t->literal_only ? 0 : t->nr_if,
					       read_one, j);
		if (err == -ENOMEM)
			return j->err = err;
	}
	return 0;
}

/* The interfaces of a scope whose packets moved, most first. */
static void pick_ifaces(const struct dp_profile *p, struct target *t)
{
	const struct dp_scope *s = t->scope;
	int64_t best[DP_CONTEXT_MAX_SETTING_IFACES];

	for (size_t i = s->first_counter; i < s->first_counter + s->nr_counters; i++) {
		const struct dp_counter_row *r = &p->counters[i];
		const char *name = r->name, *end;
		size_t len, at;

		if (strncmp(name, "dev:", 4) || r->delta <= 0)
			continue;
		end = strrchr(name, ':');
		if (!end || (strcmp(end, ":rx_packets") && strcmp(end, ":tx_packets")))
			continue;
		name += 4;
		len = (size_t)(end - name);
		for (at = 0; at < t->nr_if; at++)
			if (strlen(t->ifnames[at]) == len && !strncmp(t->ifnames[at], name, len))
				break;
		if (at < t->nr_if) {
			best[at] += r->delta;
			continue;
		}
		if (t->nr_if == DP_CONTEXT_MAX_SETTING_IFACES)
			continue;
		/* Owned by the target: the row's name cut at the field. */
		t->ifnames[t->nr_if] = strndup(name, len);
		if (!t->ifnames[t->nr_if])
			continue;
		best[t->nr_if++] = r->delta;
	}
	/* Most packets first, then by name: a deterministic order. */
	for (size_t a = 1; a < t->nr_if; a++)
		for (size_t b = a; b > 0 && (best[b] > best[b - 1] ||
		     (best[b] == best[b - 1] && strcmp(t->ifnames[b], t->ifnames[b - 1]) < 0)); b--) {
			int64_t x = best[b];
			const char *y = t->ifnames[b];

			best[b] = best[b - 1];
			best[b - 1] = x;
			t->ifnames[b] = t->ifnames[b - 1];
			t->ifnames[b - 1] = y;
		}
}

static double drop_weight(const struct dp_profile *p, const struct dp_scope *s)
{
	double w = 0;

	for (size_t i = s->first_counter; i < s->first_counter + s->nr_counters; i++)
		if (p->counters[i].drop_related && p->counters[i].delta > 0)
			w += (double)p->counters[i].delta;
	return w;
}

static int cmp_target(const void *a, const void *b)
{
	const struct target *x = a, *y = b;

	if (x->literal_only != y->literal_only)
		return x->literal_only ? -1 : 1;
	if ((x->scope->flags & DP_SCOPE_OWN) != (y->scope->flags & DP_SCOPE_OWN))
		return x->scope->flags & DP_SCOPE_OWN ? -1 : 1;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return 0;
}

/* scope_ns[i]: the namespace of p->scopes[i] (NULL for the machine). */
static int read_settings(struct dp_profile *p, const struct dp_netns **scope_ns,
			 const struct dp_netns *root, const char *const *patterns)
{
	struct target *t = calloc(p->nr_scopes + 1, sizeof(*t));
	struct dp_netns **list = calloc(p->nr_scopes + 1, sizeof(*list));
	int *status = calloc(p->nr_scopes + 1, sizeof(*status));
	struct settings_job j = { .targets = t, .patterns = patterns };
	size_t n = 0;
	int err = -ENOMEM;

	if (!t || !list || !status)
		goto out_free;
	for (size_t i = 0; i < p->nr_scopes; i++) {
		struct dp_scope *s = &p->scopes[i];

		if (s->kind == DP_SCOPE_MACHINE) {
			/* What no namespace but the initial one has
			 * (net.core.rmem_max, netdev_max_backlog) is read
			 * there, as the machine's. */
			const struct dp_netns *ns = root ? root : NULL;

			for (size_t k = 0; !ns && k < p->nr_scopes; k++)
				if (p->scopes[k].flags & DP_SCOPE_OWN)
					ns = scope_ns[k];
			if (ns)
				t[n++] = (struct target){ .scope = s, .ns = ns,
							   .literal_only = true };
			continue;
		}
		if (!scope_ns[i] || (s->flags & (DP_SCOPE_UNREAD | DP_SCOPE_VANISHED)))
			continue;
		t[n] = (struct target){ .scope = s, .ns = scope_ns[i] };
		t[n].weight = drop_weight(p, s);
		pick_ifaces(p, &t[n]);
		n++;
	}
	qsort(t, n, sizeof(*t), cmp_target);
	if (n > DP_CONTEXT_MAX_SETTING_NETNS + 1) {
		for (size_t i = DP_CONTEXT_MAX_SETTING_NETNS + 1; i < n; i++)
			for (size_t k = 0; k < t[i].nr_if; k++)
				free((char *)t[i].ifnames[k]);
		n = DP_CONTEXT_MAX_SETTING_NETNS + 1;
	}
	for (size_t i = 0; i < n; i++)
		list[i] = (struct dp_netns *)t[i].ns;
	dp_netns_each(list, n, settings_fn, &j, DP_CONTEXT_END_BUDGET_MS, status);
	err = j.err;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < t[i].nr_if; k++)
			free((char *)t[i].ifnames[k]);
out_free:
	free(t);
	free(list);
	free(status);
	return err;
}

/* ---- the end ---------------------------------------------------------- */

static int add_machine(struct dp_context *c, struct dp_profile *p, bool with_settings)
{
	struct dp_counters after = { 0 };
	struct dp_scope s = { .kind = DP_SCOPE_MACHINE };
	size_t nr = 0;
	bool have = c->have_machine &&
		    dp_counters_snapshot_scope(&after, c->procnet, DP_PROCNET_MACHINE) == 0;
	int idx, err = 0;

	if (!have && !with_settings)
		return 0;
	s.name = strdup("machine");
	if (!s.name) {
		dp_counters_release(&after);
		return -ENOMEM;
	}
	idx = dp_profile_add_scope(p, &s);
	if (idx >= 0 && have) {
		struct dp_counter_row *d = NULL;

		err = dp_counters_delta(&c->machine_before, &after, &d, &nr);
		if (!err)
			err = add_rows(p, d, nr);
		dp_counter_rows_free(d, nr);
	}
	dp_counters_release(&after);
	if (idx < 0)
		return idx;
	if (!err && !nr && !with_settings) {
		dp_scope_release(&p->scopes[idx]);
		p->nr_scopes--;
	}
	return err;
}

/* The end pass, on the helper thread: each namespace's end snapshot is
 * turned into what moved at once, and both snapshots are freed, so a
 * machine with many namespaces never holds two full sets. */
struct end_job {
	struct dp_context *c;
	struct pair *pairs;            /* one per end namespace first */
	const size_t *start_of;        /* end index -> start index, or SIZE_MAX */
	bool *reused;                  /* end index: same inode as its start
					  namespace, another cookie: a new
					  namespace given a freed number */
	const uint64_t *addrs;         /* rx_sk values drops carried, sorted */
	size_t nr_addrs;
};

static int end_fn(const struct dp_netns *ns, size_t i, void *arg)
{
	static const struct dp_counters empty;
	struct end_job *j = arg;
	struct dp_counters after = { .pool = &j->c->pool }, *before = NULL;
	size_t si = j->start_of[i];
	uint64_t cookie = 0;
	int err;

	dp_netns_cookie(&cookie);
	if (si != SIZE_MAX && cookie && j->c->before_cookie[si] &&
	    cookie != j->c->before_cookie[si]) {
		j->reused[i] = true;
		si = SIZE_MAX;         /* appeared: its counters from zero */
	}
	if (si != SIZE_MAX) {
		if (j->c->before_err[si])
			return 0;      /* nothing to compare with */
		before = &j->c->before[si];
	}
	err = dp_objects_end(si != SIZE_MAX ? &j->c->before_obj[si] : NULL,
			     j->addrs, j->nr_addrs, &j->pairs[i].moved);
	if (!err)
		err = dp_counters_snapshot_scope(&after, DP_NETNS_PROCNET, DP_PROCNET_NETNS);
	if (!err)
		err = dp_counters_delta(before ? before : &empty, &after,
					&j->pairs[i].rows, &j->pairs[i].nr_rows);
	dp_counters_release(&after);
	if (before)
		dp_counters_release(before);
	return err;
}

int dp_context_end(struct dp_context *c, struct dp_profile *p,
		   const char *const *settings)
{
	struct dp_netns_set end = { 0 };
	struct dp_netns **list = NULL;
	size_t *start_of = NULL;
	uint64_t *addrs = NULL;
	size_t nr_addrs = 0;
	bool *reused = NULL;
	int *after_err = NULL;
	struct pair *pairs = NULL;
	const struct dp_netns **scope_ns = NULL;
	const struct dp_netns *root = NULL;
	bool with_settings = settings && settings[0];
	size_t np = 0;
	int err;

	if (!c->started)
		return 0;
	err = add_machine(c, p, with_settings);
	if (err)
		return err;
	if (!c->before)
		return 0;             /* no namespace could be listed */
	err = socket_addrs(p, &addrs, &nr_addrs);
	if (err)
		return err;
	err = dp_netns_discover(&end, c->proc, c->run_netns);
	if (err == -ENOMEM) {
		free(addrs);
		return err;
	}
	if (err) {
		free(addrs);
		/* Pairing nothing with the start would call every namespace
		 * gone: say what failed instead. */
		dp_warn("cannot list network namespaces in '%s' at the end: %s (no namespace counters in this report)",
			c->proc, strerror(-err));
		return 0;
	}
	pairs = calloc(c->start.nr + end.nr + 1, sizeof(*pairs));
	list = calloc(end.nr + 1, sizeof(*list));
	start_of = calloc(end.nr + 1, sizeof(*start_of));
	reused = calloc(end.nr + 1, sizeof(*reused));
	after_err = calloc(end.nr + 1, sizeof(*after_err));
	scope_ns = calloc(p->nr_scopes + c->start.nr + end.nr + 1, sizeof(*scope_ns));
	if (!pairs || !list || !start_of || !reused || !after_err || !scope_ns) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < end.nr; i++) {
		const struct dp_netns *s = dp_netns_find(&c->start, end.v[i].dev,
							 end.v[i].ino);

		list[i] = &end.v[i];
		start_of[i] = s ? (size_t)(s - c->start.v) : SIZE_MAX;
	}
	{
		struct end_job j = { c, pairs, start_of, reused, addrs, nr_addrs };

		dp_netns_each(list, end.nr, end_fn, &j, DP_CONTEXT_END_BUDGET_MS,
			      after_err);
	}
	p->netns_seen = (uint32_t)c->start.nr;
	p->netns_hidden = (uint32_t)(c->start.hidden > end.hidden ? c->start.hidden : end.hidden);
	for (size_t i = 0; i < end.nr; i++) {
		size_t si = reused[i] ? SIZE_MAX : start_of[i];

		pairs[i].ns = &end.v[i];
		pairs[i].after_err = after_err[i];
		pairs[i].before_err = si == SIZE_MAX ? 1 : c->before_err[si];
		p->netns_seen += si == SIZE_MAX;
	}
	np = end.nr;
	for (size_t i = 0; i < c->start.nr; i++) {
		const struct dp_netns *ns = &c->start.v[i];
		const struct dp_netns *e = dp_netns_find(&end, ns->dev, ns->ino);

		if (e && !reused[e - end.v])
			continue;
		pairs[np++] = (struct pair){
			.ns = ns, .before_err = c->before_err[i], .after_err = 1,
		};
	}
	qsort(pairs, np, sizeof(*pairs), cmp_pair);
	for (size_t i = 0; i < np && !err; i++) {
		bool kept;

		err = add_pair(p, &pairs[i], &kept);
		if (!err && kept)
			scope_ns[p->nr_scopes - 1] = pairs[i].ns;
		if (pairs[i].ns->kind == DP_NETNS_ROOT)
			root = pairs[i].ns;
	}
	if (!err && with_settings)
		err = read_settings(p, scope_ns, root, settings);
	if (!err)
		err = socket_owners(p);
out:
	free(addrs);
	for (size_t i = 0; pairs && i < np; i++) {
		dp_counter_rows_free(pairs[i].rows, pairs[i].nr_rows);
		dp_ns_moved_release(&pairs[i].moved);
	}
	free(pairs);
	free(list);
	free(start_of);
	free(reused);
	free(after_err);
	free(scope_ns);
	dp_netns_set_release(&end);
	return err;
}
