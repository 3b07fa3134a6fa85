/* objects — qdiscs and netfilter rules of one namespace, start and end
 * (see objects.h).  Qdiscs are matched by device, handle and parent,
 * rules by source, family, table, chain and handle; an object only at
 * the end appeared during the window, and its counts are its totals.
 * Kept: qdiscs whose drops or overlimits moved; rules whose counter
 * moved; rules without a counter (candidates: nothing says whether they
 * dropped), at most DP_OBJECTS_MAX_CANDIDATES.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/kernel/nfrules.h"
#include "dropprof/kernel/qdisc.h"
#include "dropprof/record/objects.h"

struct saved_rule {
	char *key;                  /* "source family table chain handle" */
	uint64_t packets, bytes;
	bool has_counter;
};

struct qdisc_list {
	struct dp_qdisc *v;
	size_t nr, cap;
};

static int keep_qdisc(const struct dp_qdisc *q, void *arg)
{
	struct qdisc_list *l = arg;

	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct dp_qdisc *v = reallocarray(l->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->nr++] = *q;
	return 0;
}

static char *rule_key(const struct dp_nf_rule *r)
{
	char *k;

	if (asprintf(&k, "%d %s %s %s %llu", (int)r->source, r->family, r->table,
		     r->chain, (unsigned long long)r->handle) < 0)
		return NULL;
	return k;
}

struct rule_list {
	struct saved_rule *v;
	size_t nr, cap;
};

static int save_rule(const struct dp_nf_rule *r, void *arg)
{
	struct rule_list *l = arg;
	char *k = rule_key(r);

	if (!k)
		return -ENOMEM;
	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct saved_rule *v = reallocarray(l->v, cap, sizeof(*v));

		if (!v) {
			free(k);
			return -ENOMEM;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->nr++] = (struct saved_rule){
		.key = k, .packets = r->packets, .bytes = r->bytes,
		.has_counter = r->has_counter,
	};
	return 0;
}

int dp_objects_start(struct dp_ns_objects *o)
{
	struct qdisc_list q = { 0 };
	struct rule_list r = { 0 };
	int err;

	memset(o, 0, sizeof(*o));
	err = dp_qdisc_list(keep_qdisc, &q);
	if (err == -ENOMEM)
		goto out_nomem;
	o->qdiscs = q.v;
	o->nr_qdiscs = err ? 0 : q.nr;
	err = dp_nf_rules(save_rule, &r, NULL);
	o->rules = r.v;
	o->nr_rules = r.nr;
	return err == -ENOMEM ? err : 0;

out_nomem:
	free(q.v);
	return err;
}

void dp_ns_objects_release(struct dp_ns_objects *o)
{
	for (size_t i = 0; i < o->nr_rules; i++)
		free(o->rules[i].key);
	free(o->rules);
	free(o->qdiscs);
	memset(o, 0, sizeof(*o));
}

void dp_ns_moved_release(struct dp_ns_moved *m)
{
	dp_qdisc_rows_free(m->qdiscs, m->nr_qdiscs);
	dp_rule_rows_free(m->rules, m->nr_rules);
	free(m->socks);
	free(m->notes);
	memset(m, 0, sizeof(*m));
}

/* ---- the end ---------------------------------------------------------- */

struct end_state {
	const struct dp_ns_objects *start;
	struct dp_ns_moved *m;
	size_t qcap, rcap, candidates;
};

static const struct dp_qdisc *start_qdisc(const struct dp_ns_objects *s,
					  const struct dp_qdisc *q)
{
	for (size_t i = 0; s && i < s->nr_qdiscs; i++)
		if (!strcmp(s->qdiscs[i].dev, q->dev) && s->qdiscs[i].handle == q->handle &&
		    s->qdiscs[i].parent == q->parent && !strcmp(s->qdiscs[i].kind, q->kind))
			return &s->qdiscs[i];
	return NULL;
}

static int end_qdisc(const struct dp_qdisc *q, void *arg)
{
	struct end_state *e = arg;
	const struct dp_qdisc *b = start_qdisc(e->start, q);
	struct dp_qdisc_row *r;
	int64_t drops = (int64_t)(q->drops - (b ? b->drops : 0));
	int64_t over = (int64_t)(q->overlimits - (b ? b->overlimits : 0));

	if (!drops && !over)
		return 0;
	if (e->m->nr_qdiscs == e->qcap) {
		size_t cap = e->qcap ? e->qcap * 2 : 8;
		struct dp_qdisc_row *v = reallocarray(e->m->qdiscs, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		e->m->qdiscs = v;
		e->qcap = cap;
	}
	r = &e->m->qdiscs[e->m->nr_qdiscs];
	*r = (struct dp_qdisc_row){
		.handle = q->handle, .parent = q->parent,
		.has_limit = q->has_limit, .limit = q->limit,
		.limit_unit = q->has_limit ? q->limit_unit : 0,
		.drops = drops, .overlimits = over,
		.requeues = (int64_t)(q->requeues - (b ? b->requeues : 0)),
		.packets = (int64_t)(q->packets - (b ? b->packets : 0)),
		.qlen = q->qlen, .appeared = b == NULL,
	};
	r->dev = strdup(q->dev);
	r->kind = strdup(q->kind);
	if (!r->dev || !r->kind) {
		free(r->dev);
		free(r->kind);
		return -ENOMEM;
	}
	e->m->nr_qdiscs++;
	return 0;
}

static const struct saved_rule *start_rule(const struct dp_ns_objects *s, const char *key)
{
	for (size_t i = 0; s && i < s->nr_rules; i++)
		if (!strcmp(s->rules[i].key, key))
			return &s->rules[i];
	return NULL;
}

static int end_rule(const struct dp_nf_rule *nr, void *arg)
{
	struct end_state *e = arg;
	char *key = rule_key(nr);
	const struct saved_rule *b;
	struct dp_rule_row *r;
	int64_t packets = 0, bytes = 0;

	if (!key)
		return -ENOMEM;
	b = start_rule(e->start, key);
	free(key);
	if (nr->has_counter) {
		packets = (int64_t)(nr->packets - (b && b->has_counter ? b->packets : 0));
		bytes = (int64_t)(nr->bytes - (b && b->has_counter ? b->bytes : 0));
		if (!packets)
			return 0;
	} else if (e->candidates == DP_OBJECTS_MAX_CANDIDATES) {
		return 0;
	} else {
		e->candidates++;
	}
	if (e->m->nr_rules == e->rcap) {
		size_t cap = e->rcap ? e->rcap * 2 : 8;
		struct dp_rule_row *v = reallocarray(e->m->rules, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		e->m->rules = v;
		e->rcap = cap;
	}
	r = &e->m->rules[e->m->nr_rules];
	*r = (struct dp_rule_row){
		.source = nr->source == DP_NF_LEGACY ? DP_RULE_LEGACY : DP_RULE_NFTABLES,
		.verdict = nr->verdict == DP_NF_REJECT ? DP_RULE_REJECT : DP_RULE_DROP,
		.has_counter = nr->has_counter, .handle = nr->handle,
		.packets = packets, .bytes = bytes, .appeared = b == NULL,
	};
	r->family = strdup(nr->family);
	r->table = strdup(nr->table);
	r->chain = strdup(nr->chain);
	r->hook = strdup(nr->hook ? nr->hook : "");
	r->text = strdup(nr->text ? nr->text : "");
	e->m->nr_rules++;
	if (!r->family || !r->table || !r->chain || !r->hook || !r->text)
		return -ENOMEM;   /* the row is freed with m */
	return 0;
}

struct sock_state {
	const uint64_t *addrs;
	size_t nr_addrs, cap;
	struct dp_ns_moved *m;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int match_sock(const struct dp_sock *s, void *arg)
{
	struct sock_state *st = arg;
	struct dp_sock_match *v;

	st->m->addr_kinds |= 1u << s->kaddr_kind;
	if (s->kaddr_kind != DP_KADDR_REAL || s->mini ||
	    !bsearch(&s->kaddr, st->addrs, st->nr_addrs, sizeof(*st->addrs), cmp_u64))
		return 0;
	if (st->m->nr_socks == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 8;

		v = reallocarray(st->m->socks, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		st->m->socks = v;
		st->cap = cap;
	}
	v = &st->m->socks[st->m->nr_socks++];
	memset(v, 0, sizeof(*v));
	v->rx_sk = s->kaddr;
	v->sock = *s;
	v->mem.inode = s->inode;
	return 0;
}

/* The sockets drops carried, with their buffers (sock_diag, on this
 * thread: the namespace's). */
static int end_sockets(const uint64_t *addrs, size_t nr, struct dp_ns_moved *m)
{
	struct sock_state st = { .addrs = addrs, .nr_addrs = nr, .m = m };
	struct dp_sock_mem *mem;
	size_t n = 0;
	int err = dp_sockets_read("/proc/thread-self/net", DP_SOCK_ALL, match_sock, &st);

	if (err == -ENOMEM)
		return err;
	if (!m->nr_socks)
		return 0;
	mem = calloc(m->nr_socks, sizeof(*mem));
	if (!mem)
		return -ENOMEM;
	/* sock_diag wants each inode once. */
	for (size_t i = 0; i < m->nr_socks; i++) {
		bool seen = !m->socks[i].sock.inode;

		for (size_t k = 0; k < n && !seen; k++)
			seen = mem[k].inode == m->socks[i].sock.inode;
		if (!seen)
			mem[n++].inode = m->socks[i].sock.inode;
	}
	if (n && !dp_sockdiag_meminfo(mem, n, NULL)) {
		for (size_t i = 0; i < m->nr_socks; i++)
			for (size_t k = 0; k < n; k++)
				if (mem[k].inode == m->socks[i].sock.inode)
					m->socks[i].mem = mem[k];
	}
	free(mem);
	return 0;
}

int dp_objects_end(const struct dp_ns_objects *start, const uint64_t *addrs,
		   size_t nr_addrs, struct dp_ns_moved *m)
{
	struct end_state e = { .start = start, .m = m };
	int err;

	memset(m, 0, sizeof(*m));
	err = dp_qdisc_list(end_qdisc, &e);
	if (err == -ENOMEM)
		return err;
	err = dp_nf_rules(end_rule, &e, &m->notes);
	if (err == -ENOMEM)
		return err;
	return nr_addrs ? end_sockets(addrs, nr_addrs, m) : 0;
}
