/* profile_encode — write a profile and its names as the section list of
 * a .dprof payload (layout in profile_io.h).  Deterministic: the same
 * profile gives the same bytes.  Every string is written as the decoder
 * accepts it, so no recording can produce a file that does not load.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/profile/profile.h"
#include "dropprof/profile/profile_io.h"
#include "dropprof/profile/profile_sections.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/util/strbuf.h"

struct wbuf {
	unsigned char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct wbuf *w, const void *src, size_t n)
{
	if (w->oom || !n)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		unsigned char *q;

		while (cap < w->len + n)
			cap *= 2;
		q = realloc(w->p, cap);
		if (!q) {
			w->oom = true;
			return;
		}
		w->p = q;
		w->cap = cap;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

/* Integers are written little-endian whatever the host. */
static void put_le(struct wbuf *w, uint64_t v, int bytes)
{
	unsigned char b[8];

	for (int i = 0; i < bytes; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put(w, b, (size_t)bytes);
}

static void put_u8(struct wbuf *w, uint8_t v) { put_le(w, v, 1); }
static void put_u32(struct wbuf *w, uint32_t v) { put_le(w, v, 4); }
static void put_u64(struct wbuf *w, uint64_t v) { put_le(w, v, 8); }

static void put_f64(struct wbuf *w, double d)
{
	uint64_t v;

	memcpy(&v, &d, 8);
	put_u64(w, v);
}

/* A string as the decoder accepts it, into sb: a byte it would refuse
 * becomes "\xNN" (a hostname, an interface name in a counter may hold
 * any byte), and a string longer than max ends in "..." where it was cut,
 * at a whole character or escape.  0 or -ENOMEM. */
static int escape(struct dp_strbuf *sb, const char *s, bool spaces, size_t max)
{
	dp_strbuf_reset(sb);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		size_t before = sb->len;
		int err = dp_profile_text_byte(c, spaces) ? dp_strbuf_addch(sb, (char)c) :
			  dp_strbuf_addf(sb, "\\x%02x", c);

		if (err)
			return err;
		if (sb->len > max) {
			while (before > max - 3) {
				/* Drop whole escapes, never half of one. */
				size_t cut = before - 1;

				if (cut >= 3 && sb->buf[cut - 3] == '\\' &&
				    sb->buf[cut - 2] == 'x')
					cut -= 3;
				before = cut;
			}
			sb->len = before;
			return dp_strbuf_adds(sb, "...");
		}
	}
	return 0;
}

/* A string already as the decoder accepts it. */
static void put_raw(struct wbuf *w, const char *s, size_t len)
{
	put_u32(w, (uint32_t)len);
	put(w, s, len);
}

static void put_text(struct wbuf *w, const char *s, bool spaces, size_t max)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;

	if (w->oom || escape(&sb, s, spaces, max))
		w->oom = true;
	else
		put_raw(w, sb.buf, sb.len);
	dp_strbuf_release(&sb);
}

static void put_str(struct wbuf *w, const char *s)
{
	put_text(w, s, true, DP_PROFILE_MAX_STR);
}

static void put_name(struct wbuf *w, const char *s)
{
	put_text(w, s, false, DP_PROFILE_MAX_STR);
}

/* Sections: the length is patched in once the body is written. */
static size_t section_begin(struct wbuf *w, uint32_t tag)
{
	put_u32(w, tag);
	put_u32(w, 0);
	return w->len;
}

static void section_end(struct wbuf *w, size_t start)
{
	uint32_t n = (uint32_t)(w->len - start);

	if (w->oom)
		return;
	for (int i = 0; i < 4; i++)
		w->p[start - 4 + i] = (unsigned char)(n >> (8 * i));
}

/* A table: fixed-length keys (SITE, UNST, PROT) or length-prefixed
 * (STAK); weighted tables (STAK, UNST) add each entry's weight. */
static void put_keytab(struct wbuf *w, uint32_t tag, const struct dp_keytab *t,
		       bool with_len, bool weighted)
{
	size_t s = section_begin(w, tag);

	put_u32(w, (uint32_t)t->nr_used);
	for (const struct dp_keytab_entry *e = dp_keytab_next(t, NULL); e;
	     e = dp_keytab_next(t, e)) {
		const uint64_t *k = dp_keytab_key(t, e);

		if (with_len)
			put_u32(w, e->key_len);
		for (uint32_t i = 0; i < e->key_len; i++)
			put_u64(w, k[i]);
		put_u64(w, e->count);
		if (weighted)
			put_u64(w, e->weight);
	}
	section_end(w, s);
}

static void put_kernel(struct wbuf *w, const struct dp_symmap *m)
{
	size_t s = section_begin(w, DP_TAG_KERN);

	put_u8(w, (uint8_t)m->kernel.buildid.len);
	put(w, m->kernel.buildid.id, m->kernel.buildid.len);
	put_u64(w, m->kernel.stext);
	put_u64(w, m->kernel.text);
	section_end(w, s);
}

/* Source lines: only the entries that have them. */
static void put_sources(struct wbuf *w, const struct dp_symmap *m)
{
	size_t s = section_begin(w, DP_TAG_SRCL);

	put_u32(w, (uint32_t)m->nr_src);
	for (size_t i = 0; i < m->nr_addrs; i++) {
		const struct dp_symmap_entry *e = &m->addrs[i];

		if (!e->nr_src)
			continue;
		put_u64(w, e->addr);
		put_u32(w, (uint32_t)e->nr_src);
		for (size_t k = 0; k < e->nr_src; k++) {
			put_name(w, e->src[k].function);
			put_name(w, e->src[k].file);
			put_u32(w, e->src[k].line);
			put_u8(w, e->src[k].inlined);
		}
	}
	section_end(w, s);
}

static void put_meta(struct wbuf *w, const struct dp_profile *p,
		     const struct dp_symmap *m)
{
	size_t s = section_begin(w, DP_TAG_META);

	put_text(w, p->kernel, false, DP_PROFILE_FIXED_NAME - 1);
	put_text(w, p->hostname, false, DP_PROFILE_FIXED_NAME - 1);
	put_name(w, DP_VERSION);
	put_u64(w, (uint64_t)p->start_time);
	put_f64(w, p->duration);
	put_name(w, p->cpu_list);
	put_u8(w, p->has_reason);
	put_u8(w, p->frees_known);
	put_u8(w, m->restricted);
	put_u64(w, p->drops);
	put_u64(w, p->frees);
	put_u64(w, p->lost);
	put_u64(w, p->bad_records);
	put_u64(w, p->no_stack);
	put_u64(w, p->stacks_other);
	put_u32(w, (uint32_t)p->nr_cpu_slots);
	section_end(w, s);
}

static void put_names(struct wbuf *w, const struct dp_symmap *m)
{
	size_t s = section_begin(w, DP_TAG_RSNS);

	put_u32(w, (uint32_t)m->nr_reasons);
	for (size_t i = 0; i < m->nr_reasons; i++) {
		put_u64(w, m->reasons[i].value);
		put_name(w, m->reasons[i].name);
	}
	section_end(w, s);

	s = section_begin(w, DP_TAG_ADDR);
	put_u32(w, (uint32_t)m->nr_addrs);
	for (size_t i = 0; i < m->nr_addrs; i++) {
		const struct dp_symmap_entry *e = &m->addrs[i];

		put_u64(w, e->addr);
		put_u8(w, e->name ? (e->module ? 2 : 1) : 0);
		if (e->name) {
			put_name(w, e->name);
			if (e->module)
				put_name(w, e->module);
			put_u64(w, e->offset);
		}
	}
	section_end(w, s);
}

static void put_counters(struct wbuf *w, const struct dp_profile *p)
{
	size_t s = section_begin(w, DP_TAG_CNTR);

	put_u32(w, (uint32_t)p->nr_counters);
	for (size_t i = 0; i < p->nr_counters; i++) {
		put_name(w, p->counters[i].name);
		put_u64(w, p->counters[i].before);
		put_u64(w, p->counters[i].after);
		put_u64(w, (uint64_t)p->counters[i].delta);
		put_u8(w, p->counters[i].drop_related);
	}
	section_end(w, s);
}

/* A setting as the file holds it: its name escaped. */
struct out_setting {
	char *name;
	const struct dp_setting *s;
};

static int cmp_out_setting(const void *a, const void *b)
{
	const struct out_setting *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	/* Equal names: the one first in memory stays (qsort is not stable). */
	return c ? c : (x->s > y->s) - (x->s < y->s);
}

/* u32 n and the settings, sorted by their names as written, each name
 * once: the reader refuses any other order.  Escaping can reorder names
 * (an interface "caf\xc3\xa9" in net.ipv4.conf.IF.rp_filter sorts after
 * "cafz" as bytes, before it escaped) and make two names one (a name cut
 * with "...", a literal backslash): of those only the first is kept. */
static void put_settings(struct wbuf *w, const struct dp_scope *sc)
{
	struct out_setting *v = calloc(sc->nr_settings ? sc->nr_settings : 1,
				       sizeof(*v));
	struct dp_strbuf sb = DP_STRBUF_INIT;
	size_t n = 0, kept = 0;

	if (!v)
		w->oom = true;
	for (; !w->oom && n < sc->nr_settings; n++) {
		v[n].s = &sc->settings[n];
		if (escape(&sb, v[n].s->name, false, DP_PROFILE_MAX_STR) ||
		    !(v[n].name = dp_strbuf_detach(&sb)))
			w->oom = true;
	}
	if (!w->oom) {
		qsort(v, n, sizeof(*v), cmp_out_setting);
		for (size_t i = 0; i < n; i++)
			kept += !i || strcmp(v[i - 1].name, v[i].name);
		put_u32(w, (uint32_t)kept);
		for (size_t i = 0; i < n; i++) {
			if (i && !strcmp(v[i - 1].name, v[i].name))
				continue;
			put_raw(w, v[i].name, strlen(v[i].name));
			put_u8(w, (uint8_t)v[i].s->state);
			put_str(w, v[i].s->state == DP_SETTING_VALUE ?
				   v[i].s->value : NULL);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	dp_strbuf_release(&sb);
}

static void put_scope(struct wbuf *w, const struct dp_scope *sc)
{
	put_u8(w, (uint8_t)sc->kind);
	put_u8(w, (uint8_t)(sc->flags & DP_SCOPE_FLAGS));
	put_name(w, sc->name);
	put_u64(w, sc->inode);
	put_u32(w, (uint32_t)sc->pid);
	put_str(w, sc->comm);       /* a comm may hold spaces */
	put_str(w, sc->note);
	put_u32(w, (uint32_t)sc->nr_counters);
	put_settings(w, sc);
}

/* The scopes of the counter rows, in row order, and their settings.
 * Rows added before any scope (a profile made by hand; a recording
 * always adds its scope first) are dropprof's own, as in a file before
 * 2.1, and are written so: under one legacy scope ahead of the rest,
 * for the reader refuses rows that belong to no scope. */
static void put_scopes(struct wbuf *w, const struct dp_profile *p)
{
	char own[] = "own";
	struct dp_scope legacy = { .kind = DP_SCOPE_LEGACY,
				   .flags = DP_SCOPE_OWN, .name = own };
	size_t s = section_begin(w, DP_TAG_SCOP), owned = 0;

	for (size_t i = 0; i < p->nr_scopes; i++)
		owned += p->scopes[i].nr_counters;
	legacy.nr_counters = owned < p->nr_counters ? p->nr_counters - owned : 0;
	put_u32(w, p->netns_seen);
	put_u32(w, p->netns_hidden);
	put_u32(w, (uint32_t)(p->nr_scopes + !!legacy.nr_counters));
	if (legacy.nr_counters)
		put_scope(w, &legacy);
	for (size_t i = 0; i < p->nr_scopes; i++)
		put_scope(w, &p->scopes[i]);
	section_end(w, s);
}

/* Qdiscs and netfilter rules the drops point at, and what could not be
 * read of them. */
static void put_objects(struct wbuf *w, const struct dp_profile *p)
{
	size_t s;

	if (!p->nr_qdiscs && !p->nr_rules && !p->object_notes)
		return;
	s = section_begin(w, DP_TAG_QDSC);
	put_u32(w, (uint32_t)p->nr_qdiscs);
	for (size_t i = 0; i < p->nr_qdiscs; i++) {
		const struct dp_qdisc_row *q = &p->qdiscs[i];

		put_u32(w, q->scope);
		put_name(w, q->dev);
		put_name(w, q->kind);
		put_u32(w, q->handle);
		put_u32(w, q->parent);
		put_u8(w, q->has_limit);
		put_u64(w, q->limit);
		put_u8(w, (uint8_t)q->limit_unit);
		put_u64(w, (uint64_t)q->drops);
		put_u64(w, (uint64_t)q->overlimits);
		put_u64(w, (uint64_t)q->requeues);
		put_u64(w, (uint64_t)q->packets);
		put_u32(w, q->qlen);
		put_u8(w, q->appeared);
	}
	section_end(w, s);
	s = section_begin(w, DP_TAG_NFRL);
	put_u32(w, (uint32_t)p->nr_rules);
	for (size_t i = 0; i < p->nr_rules; i++) {
		const struct dp_rule_row *r = &p->rules[i];

		put_u32(w, r->scope);
		put_u8(w, r->source);
		put_u8(w, r->verdict);
		put_u8(w, r->has_counter);
		put_name(w, r->family);
		put_name(w, r->table);
		put_name(w, r->chain);
		put_name(w, r->hook);
		put_str(w, r->text);
		put_u64(w, r->handle);
		put_u64(w, (uint64_t)r->packets);
		put_u64(w, (uint64_t)r->bytes);
		put_u8(w, r->appeared);
	}
	/* The notes, one line each (a text holds no newline). */
	{
		const char *n = p->object_notes ? p->object_notes : "";
		uint32_t lines = 0;

		for (const char *q = n; *q; lines++) {
			q += strcspn(q, "\n");
			q += *q == '\n';
		}
		put_u32(w, lines);
		while (*n) {
			size_t len = strcspn(n, "\n");
			char *line = strndup(n, len);

			if (!line) {
				w->oom = true;
				break;
			}
			put_str(w, line);
			free(line);
			n += len + (n[len] == '\n');
		}
	}
	section_end(w, s);
}

/* The sockets drops carried: what they were, never their address. */
static void put_sockets(struct wbuf *w, const struct dp_profile *p)
{
	size_t s;

	/* Absent: the tracepoint had no rx_sk (before 6.11), no socket. */
	if (!p->has_rx_sk && !p->socket_drops)
		return;
	s = section_begin(w, DP_TAG_SOCK);

	put_u8(w, p->has_rx_sk);
	put_u8(w, p->socket_addrs);
	put_u64(w, p->socket_drops);
	put_u64(w, p->socket_unmatched);
	put_u32(w, (uint32_t)p->nr_sockets);
	for (size_t i = 0; i < p->nr_sockets; i++) {
		const struct dp_socket_row *x = &p->sockets[i];

		put_u32(w, x->scope);
		put_name(w, x->proto);
		put_name(w, x->local);
		put_name(w, x->remote);
		put_name(w, x->state);
		put_u64(w, x->inode);
		put_u8(w, x->has_mem);
		put_u32(w, x->rcvbuf);
		put_u32(w, x->rmem_alloc);
		put_u32(w, x->rx_queue);
		put_u32(w, (uint32_t)x->pid);
		put_str(w, x->comm);
		put_u64(w, x->reason);
		put_u64(w, x->drops);
	}
	section_end(w, s);
}

static void put_loss(struct wbuf *w, const struct dp_profile *p)
{
	size_t s = section_begin(w, DP_TAG_LOSS);

	put_u8(w, p->hits_known);
	put_u64(w, p->recovered);
	put_u64(w, p->cpus_added);
	put_u32(w, (uint32_t)p->nr_cpu_slots);
	for (size_t i = 0; i < p->nr_cpu_slots; i++) {
		put_u64(w, p->cpu_hits[i]);
		put_u64(w, p->cpu_recovered[i]);
		put_u64(w, p->cpu_offline[i]);
	}
	section_end(w, s);
}

int dp_profile_sections_encode(const struct dp_profile *p,
			       const struct dp_symmap *m,
			       unsigned char **pay, size_t *len)
{
	struct wbuf w = { 0 };
	size_t s;

	put_meta(&w, p, m);
	s = section_begin(&w, DP_TAG_CPUS);
	for (size_t i = 0; i < p->nr_cpu_slots; i++) {
		put_u8(&w, p->cpu_recorded[i]);
		put_u64(&w, p->cpu_drops[i]);
		put_u64(&w, p->cpu_frees[i]);
		put_u64(&w, p->cpu_lost[i]);
	}
	section_end(&w, s);
	put_names(&w, m);
	put_kernel(&w, m);
	put_sources(&w, m);
	put_keytab(&w, DP_TAG_SITE, &p->sites, false, false);
	put_keytab(&w, DP_TAG_STAK, &p->stacks, true, true);
	put_keytab(&w, DP_TAG_UNST, &p->unstacked, false, true);
	put_keytab(&w, DP_TAG_PROT, &p->protos, false, false);
	s = section_begin(&w, DP_TAG_THRT);
	put_u64(&w, p->throttled);
	section_end(&w, s);
	s = section_begin(&w, DP_TAG_SAMP);
	put_u64(&w, p->stack_samples);
	put_u64(&w, p->stack_lost);
	put_u64(&w, p->stack_period_max);
	put_f64(&w, p->stack_budget);
	put_u8(&w, p->all_stacks);
	section_end(&w, s);
	s = section_begin(&w, DP_TAG_FILT);
	put_str(&w, p->filter);
	section_end(&w, s);
	put_counters(&w, p);
	put_loss(&w, p);
	put_scopes(&w, p);
	put_objects(&w, p);
	put_sockets(&w, p);
	if (w.oom) {
		free(w.p);
		return -ENOMEM;
	}
	*pay = w.p;
	*len = w.len;
	return 0;
}
