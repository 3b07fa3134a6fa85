/* profile_builder — a .dprof writer of the tests' own, independent of
 * src/profile/: byte buffers, the 32-byte header with zlib and CRC-32
 * around a payload, the payload as a list of sections that can be split,
 * edited, reordered and joined again, the metadata section field by
 * field, table entries in the layout of either major (2.0 by default,
 * 1.x for the compatibility tests), the scopes of 2.1 (SCOP), and a
 * small hand-made profile.  It
 * follows the layout documented in include/dropprof/profile/profile_io.h,
 * so a payload that passes the CRC but lies, a version the decoder does
 * not know, a section with bytes a newer minor appended can all be made
 * here.
 *
 * Shared by the profile unit tests (tests/unit/profile/) and the fuzzer
 * (tests/fuzz/fuzz_profile.c).  Header-only: every function is static
 * inline.  Allocation failures abort (DP_BUILDER_ASSERT, which a cmocka
 * test may define as assert_true before including this).
 */
#ifndef DROPPROF_TEST_PROFILE_BUILDER_H
#define DROPPROF_TEST_PROFILE_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dropprof/profile/profile_io.h"

#ifndef DP_BUILDER_ASSERT
#define DP_BUILDER_ASSERT(c) do { if (!(c)) abort(); } while (0)
#endif

#define BUILDER_HDR 32

/* Section tags: four ASCII bytes read as a little-endian u32. */
#define TAG(s) ((uint32_t)(s)[0] | (uint32_t)(s)[1] << 8 | \
		(uint32_t)(s)[2] << 16 | (uint32_t)(s)[3] << 24)

/* ---- bytes ---- */

struct tbuf {
	unsigned char *p;
	size_t len, cap;
};

static inline void tput(struct tbuf *w, const void *src, size_t n)
{
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 256;

		while (cap < w->len + n)
			cap *= 2;
		w->p = realloc(w->p, cap);
		DP_BUILDER_ASSERT(w->p != NULL);
		w->cap = cap;
	}
	if (n)
		memcpy(w->p + w->len, src, n);
	w->len += n;
}

static inline void tput_le(struct tbuf *w, uint64_t v, int bytes)
{
	unsigned char b[8];

	for (int i = 0; i < bytes; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	tput(w, b, (size_t)bytes);
}

static inline void tput_u8(struct tbuf *w, uint8_t v) { tput_le(w, v, 1); }
static inline void tput_u32(struct tbuf *w, uint32_t v) { tput_le(w, v, 4); }
static inline void tput_u64(struct tbuf *w, uint64_t v) { tput_le(w, v, 8); }

static inline void tput_f64(struct tbuf *w, double d)
{
	uint64_t v;

	memcpy(&v, &d, 8);
	tput_u64(w, v);
}

/* A string as its u32 length and its bytes (n may cover NULs). */
static inline void tput_strn(struct tbuf *w, const char *s, uint32_t n)
{
	tput_u32(w, n);
	tput(w, s, n);
}

static inline void tput_str(struct tbuf *w, const char *s)
{
	tput_strn(w, s, (uint32_t)strlen(s));
}

static inline void tfree(struct tbuf *w)
{
	free(w->p);
	memset(w, 0, sizeof(*w));
}

static inline uint64_t get_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void set_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* ---- the container ---- */

/* payload -> whole file: magic, version, flags, length, CRC, zlib. */
static inline void wrap_version(const unsigned char *pay, size_t plen,
				unsigned major, unsigned minor,
				struct tbuf *file)
{
	uLongf clen = compressBound(plen);
	unsigned char *z = malloc(clen);

	DP_BUILDER_ASSERT(z != NULL);
	DP_BUILDER_ASSERT(compress2(z, &clen, pay, plen, Z_BEST_SPEED) == Z_OK);
	memset(file, 0, sizeof(*file));
	tput(file, DP_PROFILE_MAGIC, 8);
	tput_le(file, major, 2);
	tput_le(file, minor, 2);
	tput_u32(file, 0);
	tput_u64(file, plen);
	tput_u32(file, (uint32_t)crc32(0L, pay, (uInt)plen));
	tput_u32(file, (uint32_t)clen);
	tput(file, z, clen);
	free(z);
}

static inline void wrap(const unsigned char *pay, size_t plen, unsigned major,
			struct tbuf *file)
{
	wrap_version(pay, plen, major, DP_PROFILE_MINOR, file);
}

/* whole file -> payload; the file must be sound. */
static inline void unwrap(const unsigned char *file, size_t len, struct tbuf *pay)
{
	uLongf plen;

	DP_BUILDER_ASSERT(len > BUILDER_HDR);
	plen = (uLongf)get_le(file + 16, 8);
	memset(pay, 0, sizeof(*pay));
	pay->p = malloc(plen);
	DP_BUILDER_ASSERT(pay->p != NULL);
	DP_BUILDER_ASSERT(uncompress(pay->p, &plen, file + BUILDER_HDR,
				     len - BUILDER_HDR) == Z_OK);
	DP_BUILDER_ASSERT(plen == get_le(file + 16, 8));
	DP_BUILDER_ASSERT(crc32(0L, pay->p, (uInt)plen) == get_le(file + 24, 4));
	pay->len = pay->cap = plen;
}

/* ---- the payload as a list of sections ---- */

struct section {
	uint32_t tag;
	struct tbuf body;
};

struct payload {
	struct section s[32];
	size_t n;
};

#define PAYLOAD_MAX (sizeof(((struct payload *)0)->s) / sizeof(struct section))

/* Append a section (body is taken over and left empty). */
static inline void payload_add(struct payload *pl, const char *tag, struct tbuf *body)
{
	DP_BUILDER_ASSERT(pl->n < PAYLOAD_MAX);
	pl->s[pl->n].tag = TAG(tag);
	pl->s[pl->n].body = *body;
	pl->n++;
	memset(body, 0, sizeof(*body));
}

static inline void payload_parse(struct payload *pl, const unsigned char *p, size_t len)
{
	size_t off = 0;

	memset(pl, 0, sizeof(*pl));
	while (off < len) {
		struct section *s = &pl->s[pl->n++];
		uint32_t n;

		DP_BUILDER_ASSERT(pl->n <= PAYLOAD_MAX);
		DP_BUILDER_ASSERT(len - off >= 8);
		s->tag = (uint32_t)get_le(p + off, 4);
		n = (uint32_t)get_le(p + off + 4, 4);
		off += 8;
		DP_BUILDER_ASSERT(n <= len - off);
		tput(&s->body, p + off, n);
		off += n;
	}
}

/* The section with that tag, or NULL. */
static inline struct section *payload_get(struct payload *pl, const char *tag)
{
	for (size_t i = 0; i < pl->n; i++)
		if (pl->s[i].tag == TAG(tag))
			return &pl->s[i];
	return NULL;
}

static inline struct section *payload_find(struct payload *pl, const char *tag)
{
	struct section *s = payload_get(pl, tag);

	DP_BUILDER_ASSERT(s != NULL);
	return s;
}

/* Replace a section's body (body is taken over). */
static inline void payload_set(struct payload *pl, const char *tag, struct tbuf *body)
{
	struct section *s = payload_find(pl, tag);

	tfree(&s->body);
	s->body = *body;
	memset(body, 0, sizeof(*body));
}

/* Take a section out (as a file of an older version lacks it). */
static inline void payload_drop(struct payload *pl, const char *tag)
{
	struct section *s = payload_find(pl, tag);
	size_t i = (size_t)(s - pl->s);

	tfree(&s->body);
	memmove(&pl->s[i], &pl->s[i + 1], (pl->n - i - 1) * sizeof(pl->s[0]));
	pl->n--;
}

static inline void payload_join(const struct payload *pl, struct tbuf *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < pl->n; i++) {
		tput_u32(out, pl->s[i].tag);
		tput_u32(out, (uint32_t)pl->s[i].body.len);
		tput(out, pl->s[i].body.p, pl->s[i].body.len);
	}
}

static inline void payload_free(struct payload *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		tfree(&pl->s[i].body);
	pl->n = 0;
}

/* The payload as a whole file of that version (the payload is kept). */
static inline void payload_file(const struct payload *pl, unsigned major,
				unsigned minor, struct tbuf *file)
{
	struct tbuf pay;

	payload_join(pl, &pay);
	wrap_version(pay.p, pay.len, major, minor, file);
	tfree(&pay);
}

/* ---- sections field by field ---- */

/* The metadata section. */
struct meta {
	const char *kernel, *hostname, *version, *cpu_list;
	uint64_t start;
	double duration;
	uint8_t has_reason, frees_known, restricted;
	uint64_t drops, frees, lost, bad_records, no_stack, stacks_other;
	uint32_t slots;
};

static inline void put_meta(struct tbuf *w, const struct meta *m)
{
	tput_str(w, m->kernel);
	tput_str(w, m->hostname);
	tput_str(w, m->version);
	tput_u64(w, m->start);
	tput_f64(w, m->duration);
	tput_str(w, m->cpu_list);
	tput_u8(w, m->has_reason);
	tput_u8(w, m->frees_known);
	tput_u8(w, m->restricted);
	tput_u64(w, m->drops);
	tput_u64(w, m->frees);
	tput_u64(w, m->lost);
	tput_u64(w, m->bad_records);
	tput_u64(w, m->no_stack);
	tput_u64(w, m->stacks_other);
	tput_u32(w, m->slots);
}

static inline void set_meta(struct payload *pl, const struct meta *m)
{
	struct tbuf b = { 0 };

	put_meta(&b, m);
	payload_set(pl, "META", &b);
}

/* The sampling section (stack samples lost: 0). */
static inline void put_samp(struct payload *pl, uint64_t samples,
			    uint64_t period, double budget)
{
	struct tbuf b = { 0 };

	tput_u64(&b, samples);
	tput_u64(&b, 0);
	tput_u64(&b, period);
	tput_f64(&b, budget);
	tput_u8(&b, 0);                         /* sampled, not --all-stacks */
	payload_add(pl, "SAMP", &b);
}

/* One CPU of the loss section (since 1.1). */
struct loss_cpu {
	uint64_t hits, recovered, offline;
};

static inline void put_loss(struct tbuf *w, uint8_t hits_known,
			    uint64_t recovered, uint64_t cpus_added,
			    const struct loss_cpu *cpus, uint32_t n)
{
	tput_u8(w, hits_known);
	tput_u64(w, recovered);
	tput_u64(w, cpus_added);
	tput_u32(w, n);
	for (uint32_t i = 0; i < n; i++) {
		tput_u64(w, cpus[i].hits);
		tput_u64(w, cpus[i].recovered);
		tput_u64(w, cpus[i].offline);
	}
}

/* ---- table entries, in the layout of a major version ---- */

/* Bytes of one SITE and one UNST entry in 2.0. */
#define SITE_ENTRY 32
#define UNST_ENTRY 48

/* SITE: (location, reason, cpu, count); 1.x had no cpu. */
static inline void put_site(struct tbuf *w, unsigned major, uint64_t location,
			    uint64_t reason, uint64_t cpu, uint64_t count)
{
	tput_u64(w, location);
	tput_u64(w, reason);
	if (major >= 2)
		tput_u64(w, cpu);
	tput_u64(w, count);
}

/* STAK: len, [reason, location, cpu, leaf..root], samples, weight; 1.x
 * keyed by [reason, leaf..root] and had no weight. */
static inline void put_stack(struct tbuf *w, unsigned major, uint64_t reason,
			     uint64_t location, uint64_t cpu,
			     const uint64_t *ips, uint32_t n, uint64_t samples,
			     uint64_t weight)
{
	tput_u32(w, n + (major >= 2 ? 3 : 1));
	tput_u64(w, reason);
	if (major >= 2) {
		tput_u64(w, location);
		tput_u64(w, cpu);
	}
	for (uint32_t i = 0; i < n; i++)
		tput_u64(w, ips[i]);
	tput_u64(w, samples);
	if (major >= 2)
		tput_u64(w, weight);
}

/* UNST: (reason, location, cpu, kind, samples, weight); 1.x (reason,
 * kind, count). */
static inline void put_unst(struct tbuf *w, unsigned major, uint64_t reason,
			    uint64_t location, uint64_t cpu, uint64_t kind,
			    uint64_t samples, uint64_t weight)
{
	tput_u64(w, reason);
	if (major >= 2) {
		tput_u64(w, location);
		tput_u64(w, cpu);
	}
	tput_u64(w, kind);
	tput_u64(w, samples);
	if (major >= 2)
		tput_u64(w, weight);
}

/* KERN (2.0): build-id length and bytes, run-time _stext and _text. */
static inline void put_kern(struct tbuf *w, const unsigned char *id, uint8_t len,
			    uint64_t stext, uint64_t text)
{
	tput_u8(w, len);
	tput(w, id, len);
	tput_u64(w, stext);
	tput_u64(w, text);
}

/* One SRCL entry (2.0): an address and its frames, innermost first
 * (function or file NULL: written as ""). */
struct src_frame {
	const char *function, *file;
	uint32_t line;
	uint8_t inlined;
};

static inline void put_src(struct tbuf *w, uint64_t addr,
			   const struct src_frame *f, uint32_t n)
{
	tput_u64(w, addr);
	tput_u32(w, n);
	for (uint32_t i = 0; i < n; i++) {
		tput_str(w, f[i].function ? f[i].function : "");
		tput_str(w, f[i].file ? f[i].file : "");
		tput_u32(w, f[i].line);
		tput_u8(w, f[i].inlined);
	}
}

/* One setting and one scope of SCOP (2.1); NULL strings are written "". */
struct scop_setting {
	const char *name;
	uint8_t state;
	const char *value;
};

struct scop_scope {
	uint8_t kind, flags;
	const char *name;
	uint64_t inode;
	uint32_t pid;
	const char *comm, *note;
	uint32_t nr_counters;
	const struct scop_setting *settings;
	uint32_t nr_settings;
};

static inline void put_scop_scope(struct tbuf *w, const struct scop_scope *s)
{
	tput_u8(w, s->kind);
	tput_u8(w, s->flags);
	tput_str(w, s->name ? s->name : "");
	tput_u64(w, s->inode);
	tput_u32(w, s->pid);
	tput_str(w, s->comm ? s->comm : "");
	tput_str(w, s->note ? s->note : "");
	tput_u32(w, s->nr_counters);
	tput_u32(w, s->nr_settings);
	for (uint32_t i = 0; i < s->nr_settings; i++) {
		tput_str(w, s->settings[i].name ? s->settings[i].name : "");
		tput_u8(w, s->settings[i].state);
		tput_str(w, s->settings[i].value ? s->settings[i].value : "");
	}
}

/* SCOP: netns_seen, netns_hidden and n scopes. */
static inline void put_scop(struct tbuf *w, uint32_t seen, uint32_t hidden,
			    const struct scop_scope *s, uint32_t n)
{
	tput_u32(w, seen);
	tput_u32(w, hidden);
	tput_u32(w, n);
	for (uint32_t i = 0; i < n; i++)
		put_scop_scope(w, &s[i]);
}

/* ---- a profile made by hand ---- */

/* udp_rcv in tests/fixtures/ksym/kallsyms. */
#define MINI_SITE 0xffffffff81000630ULL
#define MINI_STEXT 0xffffffff81000000ULL

/* A 20-byte build-id (sha1 size). */
static const unsigned char mini_buildid[20] = {
	0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16,
};

/* MINI_SITE's source view: an inlined frame, then its outer function. */
static const struct src_frame mini_src[2] = {
	{ "__udp4_lib_rcv", "net/ipv4/udp.c", 2470, 1 },
	{ "udp_rcv", "net/ipv4/udp.c", 2660, 0 },
};

/* 3 NO_SOCKET drops at udp_rcv+0x20 on CPU 0, one stack, one counter. */
static const struct meta mini_meta = {
	.kernel = "6.1.0-mini", .hostname = "mini", .version = "0.0.1",
	.cpu_list = "0", .start = 1795300000, .duration = 1.5,
	.has_reason = 1, .frees_known = 1, .drops = 3, .frees = 10,
	.slots = 1,
};

/* The mini profile in the layout of major: 1, the sections a 1.0 writer
 * wrote; 2, the same in 2.0 (per-CPU site, the stack keyed by its
 * stratum with a weight, KERN and SRCL).  Neither has SAMP, FILT or
 * LOSS. */
static inline void mini_layout(struct payload *pl, unsigned major)
{
	const uint64_t leaf = MINI_SITE;
	struct tbuf b = { 0 };

	memset(pl, 0, sizeof(*pl));
	put_meta(&b, &mini_meta);
	payload_add(pl, "META", &b);
	tput_u8(&b, 1);                         /* CPU 0: recorded */
	tput_u64(&b, 3);                        /* drops */
	tput_u64(&b, 10);                       /* frees */
	tput_u64(&b, 0);                        /* lost */
	payload_add(pl, "CPUS", &b);
	tput_u32(&b, 1);
	tput_u64(&b, 3);
	tput_str(&b, "NO_SOCKET");
	payload_add(pl, "RSNS", &b);
	tput_u32(&b, 1);
	tput_u64(&b, MINI_SITE);
	tput_u8(&b, 1);                         /* named, vmlinux */
	tput_str(&b, "udp_rcv");
	tput_u64(&b, 0x20);
	payload_add(pl, "ADDR", &b);
	if (major >= 2) {
		put_kern(&b, mini_buildid, sizeof(mini_buildid), MINI_STEXT,
			 MINI_STEXT);
		payload_add(pl, "KERN", &b);
		tput_u32(&b, 1);
		put_src(&b, MINI_SITE, mini_src, 2);
		payload_add(pl, "SRCL", &b);
	}
	tput_u32(&b, 1);
	put_site(&b, major, MINI_SITE, 3, 0, 3);
	payload_add(pl, "SITE", &b);
	tput_u32(&b, 1);
	put_stack(&b, major, 3, MINI_SITE, 0, &leaf, 1, 3, 3);
	payload_add(pl, "STAK", &b);
	tput_u32(&b, 0);
	payload_add(pl, "UNST", &b);
	tput_u32(&b, 1);
	tput_u64(&b, 0x0800);
	tput_u64(&b, 3);
	payload_add(pl, "PROT", &b);
	tput_u64(&b, 0);
	payload_add(pl, "THRT", &b);
	tput_u32(&b, 1);
	tput_str(&b, "UdpNoPorts");
	tput_u64(&b, 1);
	tput_u64(&b, 4);
	tput_u64(&b, 3);
	tput_u8(&b, 1);
	payload_add(pl, "CNTR", &b);
}

static inline void mini(struct payload *pl) { mini_layout(pl, 2); }
static inline void mini_v10(struct payload *pl) { mini_layout(pl, 1); }

/* The same with sampled stacks (one sample, of period 4, for the 3
 * drops) and a filter. */
static inline void mini_sampled_layout(struct payload *pl, unsigned major)
{
	const uint64_t leaf = MINI_SITE;
	struct tbuf b = { 0 };

	mini_layout(pl, major);
	tput_u32(&b, 1);
	put_stack(&b, major, 3, MINI_SITE, 0, &leaf, 1, 1, 4);
	payload_set(pl, "STAK", &b);
	put_samp(pl, 1, 4, 100);
	tput_str(&b, "reason == 3");
	payload_add(pl, "FILT", &b);
}

static inline void mini_sampled(struct payload *pl) { mini_sampled_layout(pl, 2); }

/* The same with every section a writer of major writes (1: as 1.1 wrote
 * it): hit counts, nothing lost. */
static inline void mini_loss_layout(struct payload *pl, unsigned major)
{
	const struct loss_cpu cpu0 = { .hits = 3 };
	struct tbuf b = { 0 };

	mini_layout(pl, major);
	put_samp(pl, 3, 1, 2000);
	tput_str(&b, "");
	payload_add(pl, "FILT", &b);
	put_loss(&b, 1, 0, 0, &cpu0, 1);
	payload_add(pl, "LOSS", &b);
}

static inline void mini_v11(struct payload *pl) { mini_loss_layout(pl, 1); }
static inline void mini_full(struct payload *pl) { mini_loss_layout(pl, 2); }

/* The mini profile's scopes (2.1): the machine with a setting and no
 * counter, dropprof's own namespace with the one counter and a setting
 * of each state. */
static const struct scop_setting mini_machine_settings[1] = {
	{ "net.core.netdev_max_backlog", 0, "1000" },
};

static const struct scop_setting mini_root_settings[3] = {
	{ "net.ipv4.conf.eth0.rp_filter", 1, NULL },
	{ "net.ipv4.udp_mem", 0, "4096 131072 6291456" },
	{ "net.netfilter.nf_conntrack_max", 2, NULL },
};

static const struct scop_scope mini_scopes[2] = {
	{ .kind = 1, .name = "machine", .settings = mini_machine_settings,
	  .nr_settings = 1 },
	{ .kind = 2, .flags = 0x01, .name = "root", .inode = 4026531840ULL,
	  .pid = 1, .comm = "init", .nr_counters = 1,
	  .settings = mini_root_settings, .nr_settings = 3 },
};

/* mini_full with its scopes, as a 2.1 writer writes it. */
static inline void mini_scoped(struct payload *pl)
{
	struct tbuf b = { 0 };

	mini_full(pl);
	put_scop(&b, 3, 0, mini_scopes, 2);
	payload_add(pl, "SCOP", &b);
}

#endif
