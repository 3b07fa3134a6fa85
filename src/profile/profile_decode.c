/* profile_decode — read the section list of a .dprof payload into a
 * profile and its names (layout and growth rules in profile_io.h).
 *
 * Every byte is hostile: each read is bounds-checked against its section,
 * every count is checked against the bytes that could hold it, every
 * string is printable ASCII within its limit, and the totals stored twice
 * must agree.  It never refuses what the encoder writes: a check that a
 * real recording can fail (more stack samples than delivered drops, when
 * the drops were lost and the stacks were not) is not made.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/profile/profile.h"
#include "dropprof/profile/profile_io.h"
#include "dropprof/profile/profile_sections.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/util/error.h"
#include "dropprof/util/strbuf.h"

/* Bytes of one CPUS and one LOSS entry. */
#define CPU_ENTRY 25
#define LOSS_ENTRY 24

struct rbuf {
	const unsigned char *p, *end;
	bool bad;
};

static size_t left(const struct rbuf *r)
{
	return (size_t)(r->end - r->p);
}

static uint64_t get_le(struct rbuf *r, size_t bytes)
{
	uint64_t v = 0;

	if (r->bad || left(r) < bytes) {
		r->bad = true;
		return 0;
	}
	for (size_t i = 0; i < bytes; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += bytes;
	return v;
}

static uint8_t get_u8(struct rbuf *r) { return (uint8_t)get_le(r, 1); }
static uint32_t get_u32(struct rbuf *r) { return (uint32_t)get_le(r, 4); }
static uint64_t get_u64(struct rbuf *r) { return get_le(r, 8); }

static double get_f64(struct rbuf *r)
{
	uint64_t v = get_u64(r);
	double d;

	memcpy(&d, &v, 8);
	return d;
}

/* A string in place: *s points into the section, n bytes, not
 * terminated.  Anything but printable ASCII (without spaces for names)
 * or over max bytes is corruption: names end up in terminals, folded
 * files and JSON, and a control byte or invalid UTF-8 from a crafted file
 * must never reach them. */
static bool get_span(struct rbuf *r, const unsigned char **s, uint32_t *n,
		     bool spaces, size_t max)
{
	uint32_t len = get_u32(r);

	if (r->bad || len > max || left(r) < len) {
		r->bad = true;
		return false;
	}
	for (uint32_t i = 0; i < len; i++) {
		if (!dp_profile_text_byte(r->p[i], spaces)) {
			r->bad = true;
			return false;
		}
	}
	*s = r->p;
	*n = len;
	r->p += len;
	return true;
}

/* Into a fixed field of cap bytes (the string must fit with its NUL). */
static void get_fixed(struct rbuf *r, char *dst, size_t cap, bool spaces)
{
	const unsigned char *s;
	uint32_t n;

	dst[0] = '\0';
	if (get_span(r, &s, &n, spaces, cap - 1)) {
		memcpy(dst, s, n);
		dst[n] = '\0';
	}
}

/* Into sb (replacing what it held).  0, or -ENOMEM; a bad string only
 * marks r. */
static int get_sb(struct rbuf *r, struct dp_strbuf *sb, bool spaces)
{
	const unsigned char *s;
	uint32_t n;

	dp_strbuf_reset(sb);
	if (!get_span(r, &s, &n, spaces, DP_PROFILE_MAX_STR))
		return 0;
	return dp_strbuf_add(sb, (const char *)s, n);
}

/* A count of items of at least min_size bytes each must fit what is left. */
static uint32_t get_count(struct rbuf *r, size_t min_size)
{
	uint32_t n = get_u32(r);

	if (!r->bad && left(r) / min_size < n)
		r->bad = true;
	return r->bad ? 0 : n;
}

struct decoder {
	struct dp_profile *p;
	struct dp_symmap *m;
	struct dp_err *err;
	unsigned major, minor;       /* the file's */
	bool newer;                  /* a newer minor: skip what is unknown */
	bool seen_samp;
	bool seen_addr;
	bool seen_scop;              /* the scopes are the file's own */
	struct dp_strbuf a, b;       /* names on their way into the tables */
	struct dp_scope *scopes;     /* SCOP, until check_scopes() */
	size_t nr_scopes;
	int ret;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct decoder *d, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	if (d->ret)
		return d->ret;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	d->ret = -EINVAL;
	dp_err_set(d->err, d->ret, "corrupted profile: %s", n < 0 ? fmt : msg);
	free(msg);
	return d->ret;
}

static int oom(struct decoder *d)
{
	if (!d->ret)
		d->ret = dp_err_set(d->err, -ENOMEM, "out of memory");
	return d->ret;
}

static int read_meta(struct decoder *d, struct rbuf *r)
{
	struct dp_profile *p = d->p;
	char kernel[DP_PROFILE_FIXED_NAME], hostname[DP_PROFILE_FIXED_NAME];
	struct dp_strbuf cpus = DP_STRBUF_INIT;
	const unsigned char *version;
	struct dp_profile m = { 0 };   /* the scalars, until p exists */
	uint32_t n, slots;
	bool restricted;
	int ret;

	get_fixed(r, kernel, sizeof(kernel), false);
	get_fixed(r, hostname, sizeof(hostname), false);
	get_span(r, &version, &n, false, DP_PROFILE_MAX_STR);
	m.start_time = (int64_t)get_u64(r);
	m.duration = get_f64(r);
	if (get_sb(r, &cpus, false))
		return oom(d);
	m.has_reason = get_u8(r) != 0;
	m.frees_known = get_u8(r) != 0;
	restricted = get_u8(r) != 0;
	m.drops = get_u64(r);
	m.frees = get_u64(r);
	m.lost = get_u64(r);
	m.bad_records = get_u64(r);
	m.no_stack = get_u64(r);
	m.stacks_other = get_u64(r);
	slots = get_u32(r);
	ret = -EINVAL;
	if (r->bad)
		fail(d, "metadata section is malformed or truncated");
	else if (!(m.duration >= 0 && m.duration < 1e9))
		fail(d, "metadata has an impossible duration");
	else if (slots == 0 || slots > DP_PROFILE_MAX_CPU_SLOTS)
		fail(d, "metadata has an impossible CPU count %u", slots);
	/* Only now is the size of the per-CPU tables known. */
	else if ((ret = dp_profile_init(p, slots, 0)) ||
		 (ret = dp_profile_set_cpu_list(p, cpus.buf)))
		oom(d);
	dp_strbuf_release(&cpus);
	if (ret)
		return d->ret;
	memcpy(p->kernel, kernel, sizeof(p->kernel));
	memcpy(p->hostname, hostname, sizeof(p->hostname));
	p->start_time = m.start_time;
	p->duration = m.duration;
	p->has_reason = m.has_reason;
	p->frees_known = m.frees_known;
	p->drops = m.drops;
	p->frees = m.frees;
	p->lost = m.lost;
	p->bad_records = m.bad_records;
	p->no_stack = m.no_stack;
	p->stacks_other = m.stacks_other;
	d->m->restricted = restricted;
	return 0;
}

static int read_cpus(struct decoder *d, struct rbuf *r)
{
	struct dp_profile *p = d->p;
	size_t want = p->nr_cpu_slots * CPU_ENTRY;

	if (left(r) < want || (!d->newer && left(r) != want))
		return fail(d, "CPU section does not match the CPU count");
	for (size_t i = 0; i < p->nr_cpu_slots; i++) {
		p->cpu_recorded[i] = get_u8(r) != 0;
		p->cpu_drops[i] = get_u64(r);
		p->cpu_frees[i] = get_u64(r);
		p->cpu_lost[i] = get_u64(r);
	}
	return 0;
}

static int read_loss(struct decoder *d, struct rbuf *r)
{
	struct dp_profile *p = d->p;
	bool known = get_u8(r) != 0;
	uint64_t recovered = get_u64(r), added = get_u64(r);
	uint32_t n = get_count(r, LOSS_ENTRY);

	if (r->bad)
		return 0;
	if (n != p->nr_cpu_slots)
		return fail(d, "loss section does not match the CPU count");
	p->hits_known = known;
	p->recovered = recovered;
	p->cpus_added = added;
	for (uint32_t i = 0; i < n; i++) {
		p->cpu_hits[i] = get_u64(r);
		p->cpu_recovered[i] = get_u64(r);
		p->cpu_offline[i] = get_u64(r);
	}
	return 0;
}

static int read_reasons(struct decoder *d, struct rbuf *r)
{
	uint32_t n = get_count(r, 12);

	for (uint32_t i = 0; i < n && !r->bad; i++) {
		uint64_t v = get_u64(r);

		if (get_sb(r, &d->a, false))
			return oom(d);
		if (r->bad)
			break;
		if (!d->a.len)
			return fail(d, "a reason has an empty name");
		if (dp_symmap_add_reason(d->m, v, d->a.buf))
			return oom(d);
	}
	return 0;
}

static int read_addrs(struct decoder *d, struct rbuf *r)
{
	uint32_t n = get_count(r, 9);

	for (uint32_t i = 0; i < n && !r->bad; i++) {
		uint64_t addr = get_u64(r), off = 0;
		uint8_t kind = get_u8(r);

		if (kind > 2)
			return fail(d, "symbol entry %u has an unknown kind", i);
		if (kind) {
			if (get_sb(r, &d->a, false) ||
			    (kind == 2 && get_sb(r, &d->b, false)))
				return oom(d);
			off = get_u64(r);
			if (!r->bad && !d->a.len)
				return fail(d, "symbol entry %u has an empty name", i);
		}
		if (r->bad)
			break;
		if (dp_symmap_add_addr(d->m, addr, kind ? d->a.buf : NULL,
				       kind == 2 ? d->b.buf : NULL, off))
			return oom(d);
	}
	d->seen_addr = true;
	return 0;
}

/* One table.  Keys are fixed_len words (SITE, UNST, PROT) or
 * length-prefixed (STAK, when fixed_len is 0); weighted tables (STAK and
 * UNST since 2.0) add a weight per entry.  Files before 2.0 keyed stacks
 * by reason alone and sites by (location, reason): their keys get the
 * 2.0 layout here, with location 0 and DP_CPU_ANY for what they lacked
 * (see profile.h). */
struct table {
	struct dp_keytab *t;
	uint32_t fixed_len;
	bool weighted;
	const char *what;
	enum { AS_IS, V1_SITE, V1_STACK } migrate;
};

static int check_entry(struct decoder *d, const struct table *tb, uint32_t i,
		       const uint64_t *key, uint32_t len, uint64_t count,
		       uint64_t weight)
{
	if (!count)
		return fail(d, "%s entry %u has a zero count", tb->what, i);
	if (tb->weighted && weight < count)
		return fail(d, "%s entry %u weighs less than its samples",
			    tb->what, i);
	if (d->major < 2 || tb->t == &d->p->protos)
		return 0;
	/* 2.0 sites and stacks: word 2 is a CPU slot of this profile. */
	if (len < 3 || key[2] >= d->p->nr_cpu_slots)
		return fail(d, "%s entry %u names cpu %llu of %zu", tb->what, i,
			    (unsigned long long)key[2], d->p->nr_cpu_slots);
	if (tb->t == &d->p->unstacked && key[3] != DP_UNSTACKED_NONE &&
	    key[3] != DP_UNSTACKED_OVER_CAP)
		return fail(d, "%s entry %u has an unknown kind", tb->what, i);
	return 0;
}

static int read_keytab(struct decoder *d, struct rbuf *r, const struct table *tb)
{
	size_t words = tb->fixed_len + 1 + tb->weighted;
	uint32_t n = get_count(r, tb->fixed_len ? words * 8 : 4 + 16);
	uint64_t key[DP_STACK_KEY_HEAD + DP_MAX_FRAMES + 1];
	uint32_t min = tb->fixed_len ? 1 :
		       d->major < 2 ? 1 : DP_STACK_KEY_HEAD + 1;
	uint32_t max = DP_MAX_FRAMES + (d->major < 2 ? 1 : DP_STACK_KEY_HEAD);

	for (uint32_t i = 0; i < n && !r->bad; i++) {
		uint32_t len = tb->fixed_len ? tb->fixed_len : get_u32(r);
		uint64_t *k = key, count, weight;
		int ret;

		if (r->bad)
			break;
		if (!tb->fixed_len && (len < min || len > max))
			return fail(d, "%s entry %u has an impossible length %u",
				    tb->what, i, len);
		/* v1 stacks: [reason, ...] becomes [reason, 0, ANY, ...] */
		if (tb->migrate == V1_STACK)
			k = key + 2;
		for (uint32_t w = 0; w < len; w++)
			k[w] = get_u64(r);
		count = get_u64(r);
		weight = tb->weighted ? get_u64(r) : count;
		if (r->bad)
			break;
		if (check_entry(d, tb, i, k, len, count, weight))
			return d->ret;
		if (tb->migrate == V1_STACK) {
			key[0] = k[0];
			key[1] = 0;
			key[2] = DP_CPU_ANY;
			len += 2;
		} else if (tb->migrate == V1_SITE) {
			key[2] = DP_CPU_ANY;
			len++;
		}
		ret = dp_keytab_add_weighted(tb->t, key, len, count,
					     tb->weighted || tb->migrate == V1_STACK ?
					     weight : 0);
		if (ret)
			return ret == -ENOMEM ? oom(d) :
			       fail(d, "%s entry %u does not fit", tb->what, i);
	}
	return 0;
}

static int read_sites(struct decoder *d, struct rbuf *r)
{
	struct table tb = { &d->p->sites, 3, false, "site", AS_IS };

	if (d->major < 2) {
		tb.fixed_len = 2;
		tb.migrate = V1_SITE;
	}
	return read_keytab(d, r, &tb);
}

static int read_stacks(struct decoder *d, struct rbuf *r)
{
	struct table tb = { &d->p->stacks, 0, true, "stack", AS_IS };

	if (d->major < 2) {
		tb.weighted = false;
		tb.migrate = V1_STACK;
	}
	return read_keytab(d, r, &tb);
}

static int read_unstacked(struct decoder *d, struct rbuf *r)
{
	struct table tb = { &d->p->unstacked, 4, true, "unstacked", AS_IS };

	if (d->major < 2) {
		tb.fixed_len = 2;
		tb.weighted = false;
		tb.migrate = V1_STACK;
	}
	return read_keytab(d, r, &tb);
}

/* KERN: which kernel the addresses belong to. */
static int read_kernel(struct decoder *d, struct rbuf *r)
{
	struct dp_symmap_kernel *k = &d->m->kernel;
	uint8_t n = get_u8(r);

	if (r->bad)
		return 0;
	if (n > DP_BUILDID_MAX || left(r) < n)
		return fail(d, "kernel section has an impossible build-id length %u", n);
	memcpy(k->buildid.id, r->p, n);
	k->buildid.len = n;
	r->p += n;
	k->stext = get_u64(r);
	k->text = get_u64(r);
	return 0;
}

/* SRCL: source frames of addresses in ADDR (which comes first). */
static int read_sources(struct decoder *d, struct rbuf *r)
{
	uint32_t n = get_count(r, 12);
	struct dp_symmap_src *src = NULL;
	int ret = 0;

	if (!d->seen_addr)
		return fail(d, "source lines come before the symbol table");
	/* Sorted now: set_src looks entries up. */
	if (!r->bad && dp_symmap_sort(d->m))
		return fail(d, "the name tables hold duplicate entries");
	for (uint32_t i = 0; i < n && !r->bad && !ret; i++) {
		uint64_t addr = get_u64(r);
		uint32_t nf = get_count(r, 13);

		if (r->bad)
			break;
		if (!nf || nf > DP_SYMMAP_MAX_SRC) {
			ret = fail(d, "source entry %u has %u frames", i, nf);
			break;
		}
		src = calloc(nf, sizeof(*src));
		if (!src) {
			ret = oom(d);
			break;
		}
		for (uint32_t k = 0; k < nf && !r->bad && !ret; k++) {
			uint8_t inl;

			if (get_sb(r, &d->a, false) || get_sb(r, &d->b, false)) {
				ret = oom(d);
				break;
			}
			src[k].line = get_u32(r);
			inl = get_u8(r);
			if (r->bad)
				break;
			if (inl > 1) {
				ret = fail(d, "source entry %u is malformed", i);
				break;
			}
			src[k].inlined = inl;
			if ((d->a.len && !(src[k].function = strdup(d->a.buf))) ||
			    (d->b.len && !(src[k].file = strdup(d->b.buf))))
				ret = oom(d);
		}
		if (!r->bad && !ret) {
			const struct dp_symmap_entry *e = dp_symmap_addr(d->m, addr);

			if (!e)
				ret = fail(d, "source entry %u names an address without a symbol entry", i);
			else if (e->nr_src)
				ret = fail(d, "two source entries for one address");
			else if (dp_symmap_set_src(d->m, addr, src, nf))
				ret = oom(d);
		}
		for (uint32_t k = 0; k < nf; k++) {
			free(src[k].function);
			free(src[k].file);
		}
		free(src);
		src = NULL;
	}
	return ret;
}

static int read_protos(struct decoder *d, struct rbuf *r)
{
	struct table tb = { &d->p->protos, 1, false, "protocol", AS_IS };

	return read_keytab(d, r, &tb);
}

static int read_counters(struct decoder *d, struct rbuf *r)
{
	uint32_t n = get_count(r, 29);

	for (uint32_t i = 0; i < n && !r->bad; i++) {
		uint64_t before, after, delta;
		uint8_t drop;

		if (get_sb(r, &d->a, false))
			return oom(d);
		before = get_u64(r);
		after = get_u64(r);
		delta = get_u64(r);
		drop = get_u8(r);
		if (r->bad)
			break;
		if (!d->a.len || drop > 1)
			return fail(d, "counter %u is malformed", i);
		if (dp_profile_add_counter(d->p, d->a.buf, before, after,
					   (int64_t)delta, drop))
			return oom(d);
	}
	return 0;
}

/* The settings of one scope: sorted by name, each once (the order a
 * reader can look them up in without sorting what a file claims). */
static int read_settings(struct decoder *d, struct rbuf *r, struct dp_scope *s,
			 uint32_t i)
{
	/* name length, state, value length */
	uint32_t n = get_count(r, 4 + 1 + 4);

	for (uint32_t k = 0; k < n && !r->bad; k++) {
		uint8_t st;

		if (get_sb(r, &d->a, false))
			return oom(d);
		st = get_u8(r);
		if (get_sb(r, &d->b, true))
			return oom(d);
		if (r->bad)
			break;
		if (!d->a.len)
			return fail(d, "setting %u of scope %u has an empty name", k, i);
		if (st > DP_SETTING_STATE_MAX)
			return fail(d, "setting %u of scope %u has an unknown state %u",
				    k, i, st);
		if (st != DP_SETTING_VALUE && d->b.len)
			return fail(d, "setting %u of scope %u has a value but no value state",
				    k, i);
		if (k && strcmp(s->settings[s->nr_settings - 1].name, d->a.buf) >= 0)
			return fail(d, "setting %u of scope %u is out of order or repeated",
				    k, i);
		if (dp_scope_set_setting(s, d->a.buf, st,
					 st == DP_SETTING_VALUE ? d->b.buf : NULL))
			return oom(d);
	}
	return 0;
}

/* Room for one more scope; the table grows with what the file holds,
 * not with what its count claims. */
static struct dp_scope *new_scope(struct decoder *d, size_t *cap)
{
	if (d->nr_scopes == *cap) {
		size_t want = *cap ? 2 * *cap : 8;
		struct dp_scope *v = reallocarray(d->scopes, want, sizeof(*v));

		if (!v)
			return NULL;
		d->scopes = v;
		*cap = want;
	}
	memset(&d->scopes[d->nr_scopes], 0, sizeof(*d->scopes));
	return &d->scopes[d->nr_scopes++];
}

/* Scopes own the counter rows in order: their runs are checked against
 * CNTR once every section is read (check_scopes()), so SCOP may come
 * before it. */
static int read_scopes(struct decoder *d, struct rbuf *r)
{
	struct dp_profile *p = d->p;
	size_t cap = 0;
	uint32_t n;

	d->seen_scop = true;
	p->netns_seen = get_u32(r);
	p->netns_hidden = get_u32(r);
	/* kind, flags, 5 string lengths, inode, pid, 2 counts */
	n = get_count(r, 2 + 3 * 4 + 8 + 4 + 8);
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		struct dp_scope *s = new_scope(d, &cap);
		uint8_t kind, flags;
		uint32_t pid;

		if (!s)
			return oom(d);
		kind = get_u8(r);
		flags = get_u8(r);
		if (get_sb(r, &d->a, false) || !(s->name = strdup(d->a.buf)))
			return oom(d);
		s->inode = get_u64(r);
		pid = get_u32(r);
		if (get_sb(r, &d->a, true))      /* text: "Web Content" */
			return oom(d);
		if (d->a.len && !(s->comm = strdup(d->a.buf)))
			return oom(d);
		if (get_sb(r, &d->a, true))
			return oom(d);
		if (d->a.len && !(s->note = strdup(d->a.buf)))
			return oom(d);
		s->nr_counters = get_u32(r);
		if (r->bad)
			break;
		if (kind > DP_SCOPE_KIND_MAX)
			return fail(d, "scope %u has an unknown kind %u", i, kind);
		if (flags & ~DP_SCOPE_FLAGS)
			return fail(d, "scope %u has unknown flags 0x%02x", i, flags);
		if (!*s->name)
			return fail(d, "scope %u has an empty name", i);
		if (pid > INT32_MAX)
			return fail(d, "scope %u has an impossible pid %u", i, pid);
		s->kind = kind;
		s->flags = flags;
		s->pid = (int32_t)pid;
		if (read_settings(d, r, s, i))
			return d->ret;
	}
	return 0;
}

/* Qdiscs: their scope is checked once the scopes are known. */
static int read_qdiscs(struct decoder *d, struct rbuf *r)
{
	struct dp_profile *p = d->p;
	/* scope, 2 strings, handle, parent, has_limit, limit, unit, 4 counts,
	 * qlen, appeared */
	uint32_t n = get_count(r, 4 + 8 + 4 + 4 + 1 + 8 + 1 + 32 + 4 + 1);

	p->qdiscs = calloc(n ? n : 1, sizeof(*p->qdiscs));
	if (!p->qdiscs)
		return oom(d);
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		struct dp_qdisc_row *q = &p->qdiscs[p->nr_qdiscs++];
		uint8_t has_limit, unit, appeared;

		q->scope = get_u32(r);
		if (get_sb(r, &d->a, false) || !(q->dev = strdup(d->a.buf)) ||
		    get_sb(r, &d->a, false) || !(q->kind = strdup(d->a.buf)))
			return oom(d);
		q->handle = get_u32(r);
		q->parent = get_u32(r);
		has_limit = get_u8(r);
		q->limit = get_u64(r);
		unit = get_u8(r);
		q->drops = (int64_t)get_u64(r);
		q->overlimits = (int64_t)get_u64(r);
		q->requeues = (int64_t)get_u64(r);
		q->packets = (int64_t)get_u64(r);
		q->qlen = get_u32(r);
		appeared = get_u8(r);
		if (r->bad)
			break;
		if (!*q->dev || !*q->kind || has_limit > 1 || appeared > 1 ||
		    (has_limit ? unit != 'b' && unit != 'p' : unit != 0))
			return fail(d, "qdisc %u is malformed", i);
		q->has_limit = has_limit;
		q->limit_unit = (char)unit;
		q->appeared = appeared;
	}
	return 0;
}

static int read_rules(struct decoder *d, struct rbuf *r)
{
	struct dp_profile *p = d->p;
	/* scope, 3 bytes, 5 strings, handle, packets, bytes, appeared */
	uint32_t n = get_count(r, 4 + 3 + 20 + 24 + 1), lines;
	struct dp_strbuf notes = DP_STRBUF_INIT;

	p->rules = calloc(n ? n : 1, sizeof(*p->rules));
	if (!p->rules)
		return oom(d);
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		struct dp_rule_row *x = &p->rules[p->nr_rules++];
		uint8_t appeared, has_counter;

		x->scope = get_u32(r);
		x->source = get_u8(r);
		x->verdict = get_u8(r);
		has_counter = get_u8(r);
		if (get_sb(r, &d->a, false) || !(x->family = strdup(d->a.buf)) ||
		    get_sb(r, &d->a, false) || !(x->table = strdup(d->a.buf)) ||
		    get_sb(r, &d->a, false) || !(x->chain = strdup(d->a.buf)) ||
		    get_sb(r, &d->a, false) || !(x->hook = strdup(d->a.buf)) ||
		    get_sb(r, &d->a, true) || !(x->text = strdup(d->a.buf)))
			return oom(d);
		x->handle = get_u64(r);
		x->packets = (int64_t)get_u64(r);
		x->bytes = (int64_t)get_u64(r);
		appeared = get_u8(r);
		if (r->bad)
			break;
		if (x->source > DP_RULE_LEGACY || x->verdict > DP_RULE_REJECT ||
		    has_counter > 1 || appeared > 1 || !*x->family || !*x->table ||
		    !*x->chain || (!has_counter && (x->packets || x->bytes)))
			return fail(d, "netfilter rule %u is malformed", i);
		x->has_counter = has_counter;
		x->appeared = appeared;
	}
	lines = get_count(r, 4);
	for (uint32_t i = 0; i < lines && !r->bad; i++) {
		if (get_sb(r, &d->b, true) ||
		    (notes.len && dp_strbuf_addch(&notes, '\n')) ||
		    dp_strbuf_add(&notes, d->b.buf, d->b.len)) {
			dp_strbuf_release(&notes);
			return oom(d);
		}
	}
	if (notes.len && !r->bad)
		p->object_notes = dp_strbuf_detach(&notes);
	dp_strbuf_release(&notes);
	if (notes.len && !p->object_notes && !r->bad)
		return oom(d);
	return 0;
}

static int read_sockets(struct decoder *d, struct rbuf *r)
{
	struct dp_profile *p = d->p;
	uint8_t has, addrs;
	uint32_t n;

	has = get_u8(r);
	addrs = get_u8(r);
	p->socket_drops = get_u64(r);
	p->socket_unmatched = get_u64(r);
	/* scope, 5 strings, inode, has_mem, 4 u32, reason, drops */
	n = get_count(r, 4 + 20 + 8 + 1 + 16 + 16);
	if (r->bad)
		return 0;
	if (has > 1 || addrs > DP_SOCKADDR_HIDDEN || p->socket_unmatched > p->socket_drops)
		return fail(d, "socket section is malformed");
	p->has_rx_sk = has;
	p->socket_addrs = addrs;
	p->sockets = calloc(n ? n : 1, sizeof(*p->sockets));
	if (!p->sockets)
		return oom(d);
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		struct dp_socket_row *x = &p->sockets[p->nr_sockets++];
		uint8_t has_mem;
		uint32_t pid;

		x->scope = get_u32(r);
		if (get_sb(r, &d->a, false) || !(x->proto = strdup(d->a.buf)) ||
		    get_sb(r, &d->a, false) || !(x->local = strdup(d->a.buf)) ||
		    get_sb(r, &d->a, false) || !(x->remote = strdup(d->a.buf)) ||
		    get_sb(r, &d->a, false) || !(x->state = strdup(d->a.buf)))
			return oom(d);
		x->inode = get_u64(r);
		has_mem = get_u8(r);
		x->rcvbuf = get_u32(r);
		x->rmem_alloc = get_u32(r);
		x->rx_queue = get_u32(r);
		pid = get_u32(r);
		if (get_sb(r, &d->a, true))
			return oom(d);
		if (d->a.len && !(x->comm = strdup(d->a.buf)))
			return oom(d);
		x->reason = get_u64(r);
		x->drops = get_u64(r);
		if (r->bad)
			break;
		if (has_mem > 1 || pid > INT32_MAX || !x->drops || !*x->proto)
			return fail(d, "socket %u is malformed", i);
		x->has_mem = has_mem;
		x->pid = (int32_t)pid;
	}
	return 0;
}

static int read_throttled(struct decoder *d, struct rbuf *r)
{
	d->p->throttled = get_u64(r);
	return 0;
}

static int read_filter(struct decoder *d, struct rbuf *r)
{
	if (get_sb(r, &d->a, true))
		return oom(d);
	if (!r->bad && dp_profile_set_filter(d->p, d->a.buf))
		return oom(d);
	return 0;
}

/* Stack samples may outnumber the delivered drops (a stopped reader
 * loses drop records while stack records of the same hits arrive): that
 * is not checked.  A period of 0 or a budget out of range no recorder
 * writes. */
static int read_sampling(struct decoder *d, struct rbuf *r)
{
	struct dp_profile *p = d->p;

	p->stack_samples = get_u64(r);
	p->stack_lost = get_u64(r);
	p->stack_period_max = get_u64(r);
	p->stack_budget = get_f64(r);
	p->all_stacks = get_u8(r) != 0;
	d->seen_samp = true;
	if (!r->bad && (!p->stack_period_max ||
			!(p->stack_budget >= 0 && p->stack_budget < 1e12)))
		return fail(d, "sampling section has impossible values");
	return 0;
}

static const struct section {
	uint32_t tag;
	int (*read)(struct decoder *d, struct rbuf *r);
	unsigned since_major;        /* 0: every version */
	unsigned since_minor;        /* of since_major */
} sections[] = {
	{ DP_TAG_META, read_meta },      /* first: it sizes the profile */
	{ DP_TAG_CPUS, read_cpus },
	{ DP_TAG_RSNS, read_reasons },
	{ DP_TAG_ADDR, read_addrs },
	{ DP_TAG_SITE, read_sites },
	{ DP_TAG_STAK, read_stacks },
	{ DP_TAG_UNST, read_unstacked },
	{ DP_TAG_PROT, read_protos },
	{ DP_TAG_THRT, read_throttled },
	{ DP_TAG_SAMP, read_sampling },
	{ DP_TAG_FILT, read_filter },
	{ DP_TAG_CNTR, read_counters },
	{ DP_TAG_LOSS, read_loss },
	{ DP_TAG_KERN, read_kernel, 2 },
	{ DP_TAG_SRCL, read_sources, 2 },
	{ DP_TAG_SCOP, read_scopes, 2, 1 },
	{ DP_TAG_QDSC, read_qdiscs, 2, 1 },
	{ DP_TAG_NFRL, read_rules, 2, 1 },
	{ DP_TAG_SOCK, read_sockets, 2, 1 },
};

#define NR_SECTIONS (sizeof(sections) / sizeof(sections[0]))

static const char *tag_name(uint32_t tag, char buf[5])
{
	for (int i = 0; i < 4; i++) {
		char c = (char)(tag >> (8 * i));

		buf[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	buf[4] = '\0';
	return buf;
}

static uint64_t sum_counts(const struct dp_keytab *t)
{
	uint64_t sum = 0;

	for (const struct dp_keytab_entry *e = dp_keytab_next(t, NULL); e;
	     e = dp_keytab_next(t, e))
		sum += e->count;
	return sum;
}

/* Every counter row belongs to one scope, in order.  A file before 2.1
 * (or one whose writer left SCOP out) has no scopes: its rows were read
 * in dropprof's own namespace (and softnet machine-wide), which one
 * legacy scope says.  A file with SCOP says where each row was read. */
static int check_scopes(struct decoder *d)
{
	struct dp_profile *p = d->p;
	uint64_t held = 0;
	size_t at = 0;

	p->scopes = d->scopes;
	p->nr_scopes = d->nr_scopes;
	d->scopes = NULL;
	d->nr_scopes = 0;
	if (!d->seen_scop && p->nr_counters) {
		struct dp_scope s = { .kind = DP_SCOPE_LEGACY,
				      .flags = DP_SCOPE_OWN };

		p->scopes = calloc(1, sizeof(*p->scopes));
		s.name = strdup("own");
		if (!p->scopes || !s.name) {
			free(s.name);
			return oom(d);
		}
		s.nr_counters = p->nr_counters;
		p->scopes[0] = s;
		p->nr_scopes = 1;
		goto check_objects;
	}
	for (size_t i = 0; i < p->nr_scopes; i++)
		held += p->scopes[i].nr_counters;
	if (held != p->nr_counters)
		return fail(d, "the scopes hold %llu counters, the counter section %zu",
			    (unsigned long long)held, p->nr_counters);
	for (size_t i = 0; i < p->nr_scopes; i++) {
		struct dp_scope *s = &p->scopes[i];

		s->first_counter = at;
		for (size_t k = 0; k < s->nr_counters; k++)
			p->counters[at + k].scope = (uint32_t)i;
		at += s->nr_counters;
	}
check_objects:
	for (size_t i = 0; i < p->nr_qdiscs; i++)
		if (p->qdiscs[i].scope >= p->nr_scopes)
			return fail(d, "qdisc %zu belongs to no scope", i);
	for (size_t i = 0; i < p->nr_rules; i++)
		if (p->rules[i].scope >= p->nr_scopes)
			return fail(d, "netfilter rule %zu belongs to no scope", i);
	for (size_t i = 0; i < p->nr_sockets; i++)
		if (p->sockets[i].scope >= p->nr_scopes)
			return fail(d, "socket %zu belongs to no scope", i);
	return 0;
}

/* The totals are stored twice (meta and the tables): they must agree.
 * Every one holds by construction in dp_profile_add_*(), so a recording
 * cannot break them. */
static int check_totals(struct decoder *d)
{
	struct dp_profile *p = d->p;
	uint64_t cpu_sum = 0;

	if (d->major < 2)
		p->stack_strata = DP_STRATA_REASON;
	if (sum_counts(&p->sites) != p->drops)
		return fail(d, "drop sites do not add up to the drop total");
	if (sum_counts(&p->protos) != p->drops)
		return fail(d, "protocols do not add up to the drop total");
	/* Files without a sampling section had a stack with every drop. */
	if (!d->seen_samp) {
		p->stack_samples = p->drops;
		p->all_stacks = true;
	}
	if (sum_counts(&p->stacks) + sum_counts(&p->unstacked) != p->stack_samples)
		return fail(d, "stacks do not add up to the stack samples");
	for (size_t i = 0; i < p->nr_cpu_slots; i++)
		cpu_sum += p->cpu_drops[i];
	if (cpu_sum != p->drops)
		return fail(d, "per-CPU drops do not add up to the drop total");
	if (dp_symmap_sort(d->m))
		return fail(d, "the name tables hold duplicate entries");
	return check_scopes(d);
}

/* One section; r is its body. */
static int read_section(struct decoder *d, uint32_t tag, struct rbuf *r,
			bool seen[NR_SECTIONS], bool first)
{
	const struct section *s = NULL;
	char tb[5];

	for (size_t i = 0; i < NR_SECTIONS; i++)
		if (sections[i].tag == tag &&
		    (d->major > sections[i].since_major ||
		     (d->major == sections[i].since_major &&
		      d->minor >= sections[i].since_minor)))
			s = &sections[i];
	if (first != (tag == DP_TAG_META))
		return tag == DP_TAG_META ? fail(d, "two metadata sections") :
		       fail(d, "section '%s' comes before the metadata",
			    tag_name(tag, tb));
	if (!s) {
		if (d->newer)
			return 0;   /* a newer minor version's section */
		return fail(d, "unknown section '%s' in a version %u.%u file",
			    tag_name(tag, tb), d->major, d->minor);
	}
	if (seen[s - sections])
		return fail(d, "two '%s' sections", tag_name(tag, tb));
	seen[s - sections] = true;
	if (s->read(d, r) || d->ret)
		return d->ret;
	if (r->bad)
		return fail(d, "section '%s' is malformed", tag_name(tag, tb));
	/* A newer minor appends what this reader does not know. */
	if (left(r) && !d->newer)
		return fail(d, "section '%s' is malformed (%zu bytes too many)",
			    tag_name(tag, tb), left(r));
	return 0;
}

static int decode(struct decoder *d, const unsigned char *pay, size_t len)
{
	struct rbuf all = { pay, pay + len, false };
	bool seen[NR_SECTIONS] = { false };
	bool first = true;

	while (all.p < all.end && !d->ret) {
		uint32_t tag = get_u32(&all), slen = get_u32(&all);
		struct rbuf r;

		if (all.bad || left(&all) < slen)
			return fail(d, "section list is truncated");
		r.p = all.p;
		r.end = all.p + slen;
		r.bad = false;
		all.p += slen;
		read_section(d, tag, &r, seen, first);
		first = false;
	}
	if (d->ret)
		return d->ret;
	if (first)
		return fail(d, "no metadata section");
	return check_totals(d);
}

int dp_profile_sections_decode(const unsigned char *pay, size_t len,
			       unsigned major, unsigned minor, struct dp_profile *p,
			       struct dp_symmap *m, struct dp_err *err)
{
	struct decoder d = {
		.p = p, .m = m, .err = err, .major = major, .minor = minor,
		/* 1.1 was the last minor of major 1. */
		.newer = minor > (major < DP_PROFILE_MAJOR ? 1u : DP_PROFILE_MINOR),
		.a = DP_STRBUF_INIT, .b = DP_STRBUF_INIT,
	};

	/* Until the metadata sizes it, the profile is all zeroes, which
	 * release accepts. */
	memset(p, 0, sizeof(*p));
	dp_symmap_init(m);
	decode(&d, pay, len);
	for (size_t i = 0; i < d.nr_scopes; i++)
		dp_scope_release(&d.scopes[i]);
	free(d.scopes);
	dp_strbuf_release(&d.a);
	dp_strbuf_release(&d.b);
	if (d.ret) {
		dp_profile_release(p);
		dp_symmap_release(m);
	}
	return d.ret;
}
