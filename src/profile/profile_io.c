/* profile_io — encode and decode .dprof files.  The decoder treats every
 * byte as hostile: each read is bounds-checked against its section, every
 * count is checked against the bytes that could hold it, and the CRC is
 * verified before any of it is believed.  A bad file is an error line,
 * never a crash or a hang.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dropprof/util/outfile.h"
#include "dropprof/profile/profile.h"
#include "dropprof/profile/profile_io.h"
#include "dropprof/symbols/symmap.h"

#define HDR_SIZE 32
#define MAX_STR 4096
#define MAX_CPU_SLOTS 65536

enum {
	TAG_META = 0x4154454d,  /* "META" */
	TAG_CPUS = 0x53555043,  /* "CPUS" */
	TAG_RSNS = 0x534e5352,  /* "RSNS" */
	TAG_ADDR = 0x52444441,  /* "ADDR" */
	TAG_SITE = 0x45544953,  /* "SITE" */
	TAG_STAK = 0x4b415453,  /* "STAK" */
	TAG_UNST = 0x54534e55,  /* "UNST" */
	TAG_PROT = 0x544f5250,  /* "PROT" */
	TAG_CNTR = 0x52544e43,  /* "CNTR" */
	TAG_THRT = 0x54524854,  /* "THRT" */
	TAG_FILT = 0x544c4946,  /* "FILT" */
	TAG_SAMP = 0x504d4153,  /* "SAMP" */
};

/* ---- writing ---- */

struct wbuf {
	unsigned char *p;
	size_t len, cap;
	int oom;
};

static void put(struct wbuf *w, const void *src, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		unsigned char *q;

		while (cap < w->len + n)
			cap *= 2;
		q = realloc(w->p, cap);
		if (!q) {
			w->oom = 1;
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

static void put_str(struct wbuf *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > MAX_STR)
		n = MAX_STR;
	put_u32(w, (uint32_t)n);
	put(w, s, n);
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

static void put_keytab(struct wbuf *w, uint32_t tag, const struct dp_keytab *t,
		       int with_len)
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
	}
	section_end(w, s);
}

static void encode_payload(struct wbuf *w, const struct dp_profile *p,
			   const struct dp_symmap *m)
{
	size_t s;

	s = section_begin(w, TAG_META);
	put_str(w, p->kernel);
	put_str(w, p->hostname);
	put_str(w, DP_VERSION);
	put_u64(w, (uint64_t)p->start_time);
	put_f64(w, p->duration);
	put_str(w, p->cpu_list);
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

	s = section_begin(w, TAG_CPUS);
	for (size_t i = 0; i < p->nr_cpu_slots; i++) {
		put_u8(w, p->cpu_recorded[i]);
		put_u64(w, p->cpu_drops[i]);
		put_u64(w, p->cpu_frees[i]);
		put_u64(w, p->cpu_lost[i]);
	}
	section_end(w, s);

	s = section_begin(w, TAG_RSNS);
	put_u32(w, (uint32_t)m->nr_reasons);
	for (size_t i = 0; i < m->nr_reasons; i++) {
		put_u64(w, m->reasons[i].value);
		put_str(w, m->reasons[i].name);
	}
	section_end(w, s);

	s = section_begin(w, TAG_ADDR);
	put_u32(w, (uint32_t)m->nr_addrs);
	for (size_t i = 0; i < m->nr_addrs; i++) {
		const struct dp_symmap_entry *e = &m->addrs[i];

		put_u64(w, e->addr);
		put_u8(w, e->name ? (e->module ? 2 : 1) : 0);
		if (e->name) {
			put_str(w, e->name);
			if (e->module)
				put_str(w, e->module);
			put_u64(w, e->offset);
		}
	}
	section_end(w, s);

	put_keytab(w, TAG_SITE, &p->sites, 0);
	put_keytab(w, TAG_STAK, &p->stacks, 1);
	put_keytab(w, TAG_UNST, &p->unstacked, 0);
	put_keytab(w, TAG_PROT, &p->protos, 0);

	s = section_begin(w, TAG_THRT);
	put_u64(w, p->throttled);
	section_end(w, s);

	s = section_begin(w, TAG_SAMP);
	put_u64(w, p->stack_samples);
	put_u64(w, p->stack_lost);
	put_u64(w, p->stack_period_max);
	put_f64(w, p->stack_budget);
	put_u8(w, p->all_stacks);
	section_end(w, s);

	s = section_begin(w, TAG_FILT);
	put_str(w, p->filter);
	section_end(w, s);

	s = section_begin(w, TAG_CNTR);
	put_u32(w, (uint32_t)p->nr_counters);
	for (size_t i = 0; i < p->nr_counters; i++) {
		put_str(w, p->counters[i].name);
		put_u64(w, p->counters[i].before);
		put_u64(w, p->counters[i].after);
		put_u64(w, (uint64_t)p->counters[i].delta);
		put_u8(w, p->counters[i].drop_related);
	}
	section_end(w, s);
}

int dp_profile_encode(const struct dp_profile *p, const struct dp_symmap *m,
		      unsigned char **buf, size_t *len)
{
	struct wbuf pay = { 0 }, out = { 0 };
	uLongf clen;
	uint32_t crc;

	*buf = NULL;
	*len = 0;
	encode_payload(&pay, p, m);
	if (pay.oom || pay.len > DP_PROFILE_MAX_PAYLOAD) {
		free(pay.p);
		return pay.oom ? -ENOMEM : -EFBIG;
	}
	crc = (uint32_t)crc32(0L, pay.p, (uInt)pay.len);
	clen = compressBound(pay.len);
	put(&out, DP_PROFILE_MAGIC, 8);
	put_le(&out, DP_PROFILE_MAJOR, 2);
	put_le(&out, DP_PROFILE_MINOR, 2);
	put_u32(&out, 0);
	put_u64(&out, pay.len);
	put_u32(&out, crc);
	put_u32(&out, 0);  /* compressed length, patched below */
	if (!out.oom) {
		unsigned char *q = realloc(out.p, HDR_SIZE + clen);

		if (!q)
			out.oom = 1;
		else
			out.p = q;
	}
	if (out.oom || compress2(out.p + HDR_SIZE, &clen, pay.p, pay.len, 6) != Z_OK) {
		free(pay.p);
		free(out.p);
		return -ENOMEM;
	}
	free(pay.p);
	for (int i = 0; i < 4; i++)
		out.p[28 + i] = (unsigned char)((uint32_t)clen >> (8 * i));
	*buf = out.p;
	*len = HDR_SIZE + clen;
	return 0;
}

/* ---- reading ---- */

struct rbuf {
	const unsigned char *p, *end;
	int bad;
};

static uint64_t get_le(struct rbuf *r, int bytes)
{
	uint64_t v = 0;

	if (r->bad || r->end - r->p < bytes) {
		r->bad = 1;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
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

/* Whether every byte is printable ASCII (spaces allowed or not).  Names
 * end up in terminals, folded files and JSON: a control byte or invalid
 * UTF-8 from a crafted file must never reach them. */
static int printable(const unsigned char *s, size_t n, int spaces)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] > 0x7e || s[i] < 0x20 || (!spaces && s[i] == ' '))
			return 0;
	return 1;
}

/* Copy a string into dst (size cap); anything but printable ASCII
 * (without spaces for names, which folded lines split on) is corruption. */
static void get_text(struct rbuf *r, char *dst, size_t cap, int spaces)
{
	uint32_t n = get_u32(r);

	if (r->bad || n > MAX_STR || (size_t)(r->end - r->p) < n ||
	    !printable(r->p, n, spaces) || n >= cap) {
		r->bad = 1;
		if (cap)
			dst[0] = '\0';
		return;
	}
	memcpy(dst, r->p, n);
	dst[n] = '\0';
	r->p += n;
}

static void get_str(struct rbuf *r, char *dst, size_t cap)
{
	get_text(r, dst, cap, 1);
}

static void get_name(struct rbuf *r, char *dst, size_t cap)
{
	get_text(r, dst, cap, 0);
}

/* A count of items of at least min_size bytes each must fit what is left. */
static uint32_t get_count(struct rbuf *r, size_t min_size)
{
	uint32_t n = get_u32(r);

	if (!r->bad && (size_t)(r->end - r->p) / min_size < n)
		r->bad = 1;
	return r->bad ? 0 : n;
}

struct decoder {
	struct dp_profile *p;
	struct dp_symmap *m;
	char *err;
	size_t errlen;
	int seen_meta;
	int seen_samp;
	int ret;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct decoder *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->ret)
		return d->ret;
	n = snprintf(d->err, d->errlen, "corrupted profile: ");
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < d->errlen)
		vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	d->ret = -EINVAL;
	return d->ret;
}

static int read_meta(struct decoder *d, struct rbuf *r)
{
	struct dp_profile m;     /* metadata only: no tables */
	struct dp_profile *p = d->p;
	char version[64];
	uint32_t slots;
	int ret;

	memset(&m, 0, sizeof(m));
	get_name(r, m.kernel, sizeof(m.kernel));
	get_name(r, m.hostname, sizeof(m.hostname));
	get_name(r, version, sizeof(version));
	m.start_time = (int64_t)get_u64(r);
	m.duration = get_f64(r);
	get_name(r, m.cpu_list, sizeof(m.cpu_list));
	m.has_reason = get_u8(r) != 0;
	m.frees_known = get_u8(r) != 0;
	d->m->restricted = get_u8(r) != 0;
	m.drops = get_u64(r);
	m.frees = get_u64(r);
	m.lost = get_u64(r);
	m.bad_records = get_u64(r);
	m.no_stack = get_u64(r);
	m.stacks_other = get_u64(r);
	slots = get_u32(r);
	if (r->bad)
		return fail(d, "metadata section is truncated");
	if (!(m.duration >= 0 && m.duration < 1e9))
		return fail(d, "metadata has an impossible duration");
	if (slots == 0 || slots > MAX_CPU_SLOTS)
		return fail(d, "metadata has an impossible CPU count %u", slots);
	/* Only now is the size of the per-CPU tables known. */
	ret = dp_profile_init(p, slots, 0);
	if (ret)
		return d->ret = ret;
	memcpy(p->kernel, m.kernel, sizeof(p->kernel));
	memcpy(p->hostname, m.hostname, sizeof(p->hostname));
	memcpy(p->cpu_list, m.cpu_list, sizeof(p->cpu_list));
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
	d->seen_meta = 1;
	return 0;
}

static int read_cpus(struct decoder *d, struct rbuf *r)
{
	struct dp_profile *p = d->p;

	if ((size_t)(r->end - r->p) != p->nr_cpu_slots * 25)
		return fail(d, "CPU section does not match the CPU count");
	for (size_t i = 0; i < p->nr_cpu_slots; i++) {
		p->cpu_recorded[i] = get_u8(r) != 0;
		p->cpu_drops[i] = get_u64(r);
		p->cpu_frees[i] = get_u64(r);
		p->cpu_lost[i] = get_u64(r);
	}
	return 0;
}

static int read_reasons(struct decoder *d, struct rbuf *r)
{
	uint32_t n = get_count(r, 12);
	char name[MAX_STR + 1];

	for (uint32_t i = 0; i < n && !r->bad; i++) {
		uint64_t v = get_u64(r);

		get_name(r, name, sizeof(name));
		if (!r->bad && !name[0])
			return fail(d, "a reason has an empty name");
		if (!r->bad && dp_symmap_add_reason(d->m, v, name))
			return d->ret = -ENOMEM;
	}
	return 0;
}

static int read_addrs(struct decoder *d, struct rbuf *r)
{
	uint32_t n = get_count(r, 9);
	static char name[MAX_STR + 1], module[MAX_STR + 1];

	for (uint32_t i = 0; i < n && !r->bad; i++) {
		uint64_t addr = get_u64(r), off = 0;
		uint8_t kind = get_u8(r);
		int ret;

		if (kind > 2)
			return fail(d, "symbol entry %u has an unknown kind", i);
		if (kind) {
			get_name(r, name, sizeof(name));
			if (kind == 2)
				get_name(r, module, sizeof(module));
			off = get_u64(r);
			if (!r->bad && !name[0])
				return fail(d, "symbol entry %u has an empty name", i);
		}
		if (r->bad)
			break;
		ret = dp_symmap_add_addr(d->m, addr, kind ? name : NULL,
					 kind == 2 ? module : NULL, off);
		if (ret)
			return d->ret = ret;
	}
	return 0;
}

/* Fixed-length keys (SITE, UNST, PROT) or length-prefixed (STAK). */
static int read_keytab(struct decoder *d, struct rbuf *r, struct dp_keytab *t,
		       uint32_t fixed_len, const char *what)
{
	uint32_t n = get_count(r, fixed_len ? (fixed_len + 1) * 8 : 4 + 16);
	uint64_t key[DP_MAX_FRAMES + 1];

	for (uint32_t i = 0; i < n && !r->bad; i++) {
		uint32_t len = fixed_len ? fixed_len : get_u32(r);
		uint64_t count;
		int ret;

		if (len < 1 || len > DP_MAX_FRAMES + 1)
			return fail(d, "%s entry %u has an impossible length %u",
				    what, i, len);
		for (uint32_t k = 0; k < len; k++)
			key[k] = get_u64(r);
		count = get_u64(r);
		if (r->bad)
			break;
		if (!count)
			return fail(d, "%s entry %u has a zero count", what, i);
		ret = dp_keytab_add(t, key, len, count);
		if (ret)
			return d->ret = ret;
	}
	return 0;
}

static int read_counters(struct decoder *d, struct rbuf *r)
{
	uint32_t n = get_count(r, 29);
	char name[MAX_STR + 1];

	for (uint32_t i = 0; i < n && !r->bad; i++) {
		uint64_t before, after, delta;
		uint8_t drop;

		get_name(r, name, sizeof(name));
		before = get_u64(r);
		after = get_u64(r);
		delta = get_u64(r);
		drop = get_u8(r);
		if (r->bad)
			break;
		if (!name[0] || drop > 1)
			return fail(d, "counter %u is malformed", i);
		if (dp_profile_add_counter(d->p, name, before, after,
					   (int64_t)delta, drop))
			return d->ret = -ENOMEM;
	}
	return 0;
}

static int read_sampling(struct decoder *d, struct rbuf *r)
{
	struct dp_profile *p = d->p;

	p->stack_samples = get_u64(r);
	p->stack_lost = get_u64(r);
	p->stack_period_max = get_u64(r);
	p->stack_budget = get_f64(r);
	p->all_stacks = get_u8(r) != 0;
	d->seen_samp = 1;
	if (!r->bad && (p->stack_samples > p->drops || !p->stack_period_max ||
			!(p->stack_budget >= 0 && p->stack_budget < 1e12)))
		return fail(d, "sampling section has impossible values");
	return 0;
}

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

/* The totals are stored twice (meta and the tables): they must agree. */
static int check_consistency(struct decoder *d)
{
	struct dp_profile *p = d->p;
	uint64_t cpu_sum = 0;

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
	return 0;
}

static int decode_payload(struct decoder *d, const unsigned char *pay, size_t len)
{
	struct rbuf all = { pay, pay + len, 0 };
	char tb[5];

	while (all.p < all.end && !d->ret) {
		uint32_t tag = get_u32(&all), slen = get_u32(&all);
		struct rbuf r;

		if (all.bad || (size_t)(all.end - all.p) < slen)
			return fail(d, "section list is truncated");
		r.p = all.p;
		r.end = all.p + slen;
		r.bad = 0;
		all.p += slen;
		if (tag != TAG_META && !d->seen_meta)
			return fail(d, "section '%s' comes before the metadata",
				    tag_name(tag, tb));
		switch (tag) {
		case TAG_META:
			if (d->seen_meta)
				return fail(d, "two metadata sections");
			read_meta(d, &r);
			break;
		case TAG_CPUS: read_cpus(d, &r); break;
		case TAG_RSNS: read_reasons(d, &r); break;
		case TAG_ADDR: read_addrs(d, &r); break;
		case TAG_SITE: read_keytab(d, &r, &d->p->sites, 2, "site"); break;
		case TAG_STAK: read_keytab(d, &r, &d->p->stacks, 0, "stack"); break;
		case TAG_UNST: read_keytab(d, &r, &d->p->unstacked, 2, "unstacked"); break;
		case TAG_PROT: read_keytab(d, &r, &d->p->protos, 1, "protocol"); break;
		case TAG_CNTR: read_counters(d, &r); break;
		case TAG_THRT: d->p->throttled = get_u64(&r); break;
		case TAG_FILT: get_str(&r, d->p->filter, sizeof(d->p->filter)); break;
		case TAG_SAMP: read_sampling(d, &r); break;
		default:
			continue;   /* a newer minor version's section */
		}
		if (!d->ret && (r.bad || r.p != r.end))
			return fail(d, "section '%s' is malformed", tag_name(tag, tb));
	}
	if (d->ret)
		return d->ret;
	if (!d->seen_meta)
		return fail(d, "no metadata section");
	return check_consistency(d);
}

int dp_profile_decode(const unsigned char *buf, size_t len,
		      struct dp_profile *p, struct dp_symmap *m,
		      char *err, size_t errlen)
{
	struct rbuf h = { buf, buf + len, 0 };
	struct decoder d = { p, m, err, errlen, 0, 0, 0 };
	unsigned major, minor;
	uint64_t plen;
	uint32_t crc, clen;
	unsigned char *pay;
	uLongf got;

	memset(p, 0, sizeof(*p));
	dp_symmap_init(m);
	if (len < 8 || memcmp(buf, DP_PROFILE_MAGIC, 8)) {
		snprintf(err, errlen, "not a dropprof profile (bad magic)");
		return -EINVAL;
	}
	if (len < HDR_SIZE) {
		snprintf(err, errlen, "truncated profile (header cut short)");
		return -EINVAL;
	}
	h.p += 8;
	major = (unsigned)get_le(&h, 2);
	minor = (unsigned)get_le(&h, 2);
	(void)get_u32(&h);
	plen = get_u64(&h);
	crc = get_u32(&h);
	clen = get_u32(&h);
	if (major == 0) {
		snprintf(err, errlen, "corrupted profile (format version 0)");
		return -EINVAL;
	}
	if (major != DP_PROFILE_MAJOR) {
		snprintf(err, errlen,
			 "profile format version %u.%u is not supported (this dropprof reads %u.x): use a newer dropprof",
			 major, minor, DP_PROFILE_MAJOR);
		return major > DP_PROFILE_MAJOR ? -EPROTONOSUPPORT : -EINVAL;
	}
	if ((uint64_t)clen != len - HDR_SIZE) {
		snprintf(err, errlen, "%s profile (%zu bytes of data, header says %u)",
			 (uint64_t)clen > len - HDR_SIZE ? "truncated" : "corrupted",
			 len - HDR_SIZE, clen);
		return -EINVAL;
	}
	/* zlib never expands more than ~1032:1: a bigger claim is a lie,
	 * and must not cost a huge allocation. */
	if (plen == 0 || plen > DP_PROFILE_MAX_PAYLOAD ||
	    plen > (uint64_t)clen * 1032 + 64) {
		snprintf(err, errlen, "corrupted profile (impossible payload size)");
		return -EINVAL;
	}
	pay = malloc(plen);
	if (!pay) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	got = (uLongf)plen;
	if (uncompress(pay, &got, buf + HDR_SIZE, clen) != Z_OK || got != plen ||
	    (uint32_t)crc32(0L, pay, (uInt)plen) != crc) {
		free(pay);
		snprintf(err, errlen, "corrupted profile (data does not match its checksum)");
		return -EINVAL;
	}
	/* The profile is sized by the metadata section, which must come
	 * first; until then it is all zeroes, which release accepts. */
	decode_payload(&d, pay, plen);
	free(pay);
	if (d.ret) {
		if (d.ret == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		dp_profile_release(p);
		dp_symmap_release(m);
		return d.ret;
	}
	return 0;
}

int dp_profile_save(const char *path, const struct dp_profile *p,
		    const struct dp_symmap *m, char *err, size_t errlen)
{
	struct dp_outfile out;
	unsigned char *buf;
	size_t len;
	int ret;

	ret = dp_profile_encode(p, m, &buf, &len);
	if (ret) {
		snprintf(err, errlen, "cannot encode the profile: %s", strerror(-ret));
		return ret;
	}
	ret = dp_outfile_open(&out, path);
	if (ret) {
		snprintf(err, errlen, "cannot create '%s': %s", path, strerror(-ret));
		free(buf);
		return ret;
	}
	if (fwrite(buf, 1, len, out.f) != len)
		ret = -EIO;
	free(buf);
	ret = dp_outfile_close(&out, ret == 0) ?: ret;
	if (ret)
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-ret));
	return ret;
}

int dp_profile_load(const char *path, struct dp_profile *p,
		    struct dp_symmap *m, char *err, size_t errlen)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t got = 0;
	int fd, ret;
	char why[384];

	/* O_NONBLOCK: a FIFO without a writer must not hang us; anything
	 * but a regular file is refused right after. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "cannot read '%s': not a regular file", path);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > DP_PROFILE_MAX_PAYLOAD) {
		close(fd);
		snprintf(err, errlen, "'%s' is too large to be a dropprof profile", path);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	ret = dp_profile_decode(buf, got, p, m, why, sizeof(why));
	free(buf);
	if (ret)
		snprintf(err, errlen, "'%s': %s", path, why);
	return ret;
}
