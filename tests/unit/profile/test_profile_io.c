/* Tests of the saved profile file (.dprof).
 *
 * A hand-built profile is encoded and decoded and must report byte for byte
 * the same.  Every truncation and every flipped byte of the file and of
 * its payload is tried, and payloads that pass the CRC but lie are built
 * here with a small encoder of our own (header, zlib, crc32, sections as
 * profile_io.c lays them out): each must be one clear error line, never a
 * crash, a leak or a huge allocation.  A committed sample file guards the
 * format against accidental change.
 *
 * DP_UPDATE_GOLDEN=1 rewrites tests/fixtures/profiles/ and the fuzzer's
 * seeds in tests/fuzz/corpus/profile/; any change to them must then be
 * read and justified in review.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "dropprof/profile/names.h"
#include "dropprof/kernel/skb_fields.h"
#include "dropprof/symbols/ksym.h"
#include "dropprof/output/output.h"
#include "dropprof/profile/profile.h"
#include "dropprof/profile/profile_io.h"
#include "dropprof/model/report.h"
#include "dropprof/record/sample.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/kernel/tp_format.h"
#include "testutil.h"

#define PROFILES "tests/fixtures/profiles/"
#define CORPUS "tests/fuzz/corpus/profile/"

/* Fixture addresses (tests/fixtures/ksym/kallsyms). */
#define UDP_RCV      0xffffffff81000610ULL
#define IP_RCV       0xffffffff81000110ULL
#define IP_RCV_CORE  0xffffffff81000210ULL
#define NFT_DO_CHAIN 0xffffffffc0200010ULL
#define STEXT        0xffffffff81000000ULL
#define NOWHERE      0xffffffffa0000000ULL

/* The every-offset loops run in full on files this small (the fixture is);
 * a larger file would be sampled so valgrind stays quick. */
#define FULL_SCAN_MAX 4096

/* Section tags: four ASCII bytes read as a little-endian u32. */
#define TAG(s) ((uint32_t)(s)[0] | (uint32_t)(s)[1] << 8 | \
		(uint32_t)(s)[2] << 16 | (uint32_t)(s)[3] << 24)

static const char *const counted_tags[] = {
	"RSNS", "ADDR", "SITE", "STAK", "UNST", "PROT", "CNTR",
};

struct fixture {
	struct dp_tp_format fmt;
	struct dp_ksyms *ks;
	struct dp_profile prof;
	struct dp_symmap names;
	unsigned char *file;         /* dp_profile_encode() of prof + names */
	size_t len;
	char *out[3];                /* text, JSON, folded of the original */
	char tmpdir[256];
};

static const enum dp_format formats[3] = {
	DP_FORMAT_TEXT, DP_FORMAT_JSON, DP_FORMAT_FOLDED,
};

/* ---- helpers ---- */

static void add(struct dp_profile *p, uint32_t cpu, uint32_t reason,
		uint64_t loc, uint16_t proto, const uint64_t *ips, size_t n,
		int times)
{
	struct dp_skb_fields f = { .location = loc, .reason = reason,
				   .protocol = proto };

	for (int i = 0; i < times; i++)
		assert_int_equal(dp_profile_add_drop_stack(p, cpu, &f, ips, n), 0);
}

static void spill(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* One format of the report of (p, m), as a string. */
static char *render(const struct dp_profile *p, const struct dp_symmap *m,
		    enum dp_format fmt)
{
	struct dp_report_opts o = { .top_n = 20 };
	struct dp_report rep;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	assert_int_equal(dp_report_build(&rep, p, m, &o), 0);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_int_equal(dp_out_write(&rep, fmt, f), 0);
	assert_int_equal(fclose(f), 0);
	dp_report_release(&rep);
	return out;
}

/* An error message is one non-empty line. */
static void assert_one_line(const char *err)
{
	if (!err[0] || strchr(err, '\n'))
		fail_msg("error message is not one non-empty line: '%s'", err);
}

static void assert_mentions(const char *err, const char *want)
{
	if (want && !strstr(err, want))
		fail_msg("error '%s' does not mention '%s'", err, want);
}

/* "On failure nothing is left to release." */
static void assert_nothing_held(const struct dp_profile *p,
				const struct dp_symmap *m)
{
	assert_null(p->cpu_drops);
	assert_null(p->cpu_lost);
	assert_null(p->cpu_frees);
	assert_null(p->cpu_recorded);
	assert_null(p->counters);
	assert_null(p->stacks.slots);
	assert_null(p->stacks.arena);
	assert_null(p->sites.slots);
	assert_null(p->protos.slots);
	assert_null(p->unstacked.slots);
	assert_null(m->addrs);
	assert_null(m->reasons);
}

/* Decode must fail with ret and one line that mentions want. */
static void expect_reject(const unsigned char *buf, size_t len, int ret,
			  const char *want)
{
	struct dp_profile p;
	struct dp_symmap m;
	char err[512] = "";
	int got = dp_profile_decode(buf, len, &p, &m, err, sizeof(err));

	if (got != ret)
		fail_msg("decode returned %d (want %d), error '%s'", got, ret, err);
	assert_one_line(err);
	assert_mentions(err, want);
	assert_nothing_held(&p, &m);
}

/* A decoded profile holds together: the totals it reports agree with
 * each other, as the decoder's consistency check promises. */
static void check_sane(const struct dp_profile *p, const struct dp_symmap *m)
{
	struct dp_report_opts o = { .top_n = 5 };
	struct dp_report rep;
	uint64_t reasons = 0, folded = 0, cpus = 0;
	FILE *f = fopen("/dev/null", "w");

	assert_non_null(f);
	assert_int_equal(dp_report_build(&rep, p, m, &o), 0);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(dp_out_write(&rep, formats[i], f), 0);
	for (size_t i = 0; i < rep.nr_reasons; i++)
		reasons += rep.reasons[i].count;
	for (size_t i = 0; i < rep.nr_folded; i++)
		folded += rep.folded[i].count;
	for (size_t i = 0; i < rep.nr_cpu_rows; i++)
		cpus += rep.cpus[i].drops;
	assert_int_equal(reasons, p->drops);
	assert_int_equal(folded, p->stack_samples);
	assert_true(p->stack_samples <= p->drops);
	assert_int_equal(cpus, p->drops);
	assert_int_equal(rep.drops, p->drops);
	dp_report_release(&rep);
	fclose(f);
}

/* ---- a small encoder of our own, following the documented layout ---- */

struct tbuf {
	unsigned char *p;
	size_t len, cap;
};

static void tput(struct tbuf *w, const void *src, size_t n)
{
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 256;

		while (cap < w->len + n)
			cap *= 2;
		w->p = realloc(w->p, cap);
		assert_non_null(w->p);
		w->cap = cap;
	}
	if (n)
		memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void tput_le(struct tbuf *w, uint64_t v, int bytes)
{
	unsigned char b[8];

	for (int i = 0; i < bytes; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	tput(w, b, (size_t)bytes);
}

static void tput_u8(struct tbuf *w, uint8_t v) { tput_le(w, v, 1); }
static void tput_u32(struct tbuf *w, uint32_t v) { tput_le(w, v, 4); }
static void tput_u64(struct tbuf *w, uint64_t v) { tput_le(w, v, 8); }

static void tput_f64(struct tbuf *w, double d)
{
	uint64_t v;

	memcpy(&v, &d, 8);
	tput_u64(w, v);
}

/* A string as its u32 length and its bytes (n may cover NULs). */
static void tput_strn(struct tbuf *w, const char *s, uint32_t n)
{
	tput_u32(w, n);
	tput(w, s, n);
}

static void tput_str(struct tbuf *w, const char *s)
{
	tput_strn(w, s, (uint32_t)strlen(s));
}

static void tfree(struct tbuf *w)
{
	free(w->p);
	memset(w, 0, sizeof(*w));
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void set_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* payload -> whole file: magic, version, flags, length, CRC, zlib. */
static void wrap(const unsigned char *pay, size_t plen, unsigned major,
		 struct tbuf *file)
{
	uLongf clen = compressBound(plen);
	unsigned char *z = malloc(clen);

	assert_non_null(z);
	assert_int_equal(compress2(z, &clen, pay, plen, Z_BEST_SPEED), Z_OK);
	memset(file, 0, sizeof(*file));
	tput(file, DP_PROFILE_MAGIC, 8);
	tput_le(file, major, 2);
	tput_le(file, DP_PROFILE_MINOR, 2);
	tput_u32(file, 0);
	tput_u64(file, plen);
	tput_u32(file, (uint32_t)crc32(0L, pay, (uInt)plen));
	tput_u32(file, (uint32_t)clen);
	tput(file, z, clen);
	free(z);
}

/* whole file -> payload */
static void unwrap(const unsigned char *file, size_t len, struct tbuf *pay)
{
	uLongf plen;

	assert_true(len > 32);
	plen = (uLongf)get_le(file + 16, 8);
	memset(pay, 0, sizeof(*pay));
	pay->p = malloc(plen);
	assert_non_null(pay->p);
	assert_int_equal(uncompress(pay->p, &plen, file + 32, len - 32), Z_OK);
	assert_int_equal(plen, get_le(file + 16, 8));
	assert_int_equal(crc32(0L, pay->p, (uInt)plen), get_le(file + 24, 4));
	pay->len = pay->cap = plen;
}

/* A payload as its list of sections. */
struct section {
	uint32_t tag;
	struct tbuf body;
};

struct payload {
	struct section s[24];
	size_t n;
};

static void payload_add(struct payload *pl, const char *tag, struct tbuf *body)
{
	assert_true(pl->n < sizeof(pl->s) / sizeof(pl->s[0]));
	pl->s[pl->n].tag = TAG(tag);
	pl->s[pl->n].body = *body;
	pl->n++;
	memset(body, 0, sizeof(*body));
}

static void payload_parse(struct payload *pl, const unsigned char *p, size_t len)
{
	size_t off = 0;

	memset(pl, 0, sizeof(*pl));
	while (off < len) {
		struct section *s = &pl->s[pl->n++];
		uint32_t n;

		assert_true(pl->n <= sizeof(pl->s) / sizeof(pl->s[0]));
		assert_true(len - off >= 8);
		s->tag = (uint32_t)get_le(p + off, 4);
		n = (uint32_t)get_le(p + off + 4, 4);
		off += 8;
		assert_true(n <= len - off);
		tput(&s->body, p + off, n);
		off += n;
	}
}

static struct section *payload_find(struct payload *pl, const char *tag)
{
	for (size_t i = 0; i < pl->n; i++)
		if (pl->s[i].tag == TAG(tag))
			return &pl->s[i];
	fail_msg("no section '%s'", tag);
	return NULL;
}

/* Replace a section's body (body is taken over). */
static void payload_set(struct payload *pl, const char *tag, struct tbuf *body)
{
	struct section *s = payload_find(pl, tag);

	tfree(&s->body);
	s->body = *body;
	memset(body, 0, sizeof(*body));
}

static void payload_join(const struct payload *pl, struct tbuf *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < pl->n; i++) {
		tput_u32(out, pl->s[i].tag);
		tput_u32(out, (uint32_t)pl->s[i].body.len);
		tput(out, pl->s[i].body.p, pl->s[i].body.len);
	}
}

static void payload_free(struct payload *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		tfree(&pl->s[i].body);
	pl->n = 0;
}

/* The payload wrapped in a valid header and CRC must be refused, with an
 * error line that mentions want.  The payload is released. */
static void expect_payload_reject(struct payload *pl, const char *want)
{
	struct tbuf pay, file;

	payload_join(pl, &pay);
	wrap(pay.p, pay.len, DP_PROFILE_MAJOR, &file);
	expect_reject(file.p, file.len, -EINVAL, want);
	tfree(&file);
	tfree(&pay);
	payload_free(pl);
}

/* The metadata section, field by field. */
struct meta {
	const char *kernel, *hostname, *version, *cpu_list;
	uint64_t start;
	double duration;
	uint8_t has_reason, frees_known, restricted;
	uint64_t drops, frees, lost, bad_records, no_stack, stacks_other;
	uint32_t slots;
};

static void put_meta(struct tbuf *w, const struct meta *m)
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

static void set_meta(struct payload *pl, const struct meta *m)
{
	struct tbuf b = { 0 };

	put_meta(&b, m);
	payload_set(pl, "META", &b);
}

/* A minimal valid profile written by hand: 3 NO_SOCKET drops at
 * udp_rcv+0x20 on CPU 0, one stack, one counter. */
static const struct meta mini_meta = {
	.kernel = "6.1.0-mini", .hostname = "mini", .version = "0.0.1",
	.cpu_list = "0", .start = 1795300000, .duration = 1.5,
	.has_reason = 1, .frees_known = 1, .drops = 3, .frees = 10,
	.slots = 1,
};

static void mini(struct payload *pl)
{
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
	tput_u64(&b, UDP_RCV + 0x20);
	tput_u8(&b, 1);                         /* named, vmlinux */
	tput_str(&b, "udp_rcv");
	tput_u64(&b, 0x20);
	payload_add(pl, "ADDR", &b);
	tput_u32(&b, 1);
	tput_u64(&b, UDP_RCV + 0x20);           /* [location, reason] */
	tput_u64(&b, 3);
	tput_u64(&b, 3);
	payload_add(pl, "SITE", &b);
	tput_u32(&b, 1);
	tput_u32(&b, 2);                        /* [reason, leaf] */
	tput_u64(&b, 3);
	tput_u64(&b, UDP_RCV + 0x20);
	tput_u64(&b, 3);
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

/* ---- the fixture ---- */

static void fixture_profile(struct fixture *fx)
{
	const uint64_t udp_a[] = { UDP_RCV + 0x20, IP_RCV + 0x5, STEXT + 0x40 };
	const uint64_t udp_b[] = { UDP_RCV + 0x20, IP_RCV + 0x8, STEXT + 0x40 };
	const uint64_t nft[] = { NFT_DO_CHAIN + 0x30, IP_RCV + 0x5, STEXT + 0x40 };
	const uint64_t other[] = { IP_RCV_CORE + 0x40, IP_RCV + 0x5 };
	const uint64_t late[] = { UDP_RCV + 0x24, IP_RCV + 0x5 };
	struct dp_profile *p = &fx->prof;

	/* Four CPU slots, CPU 2 offline; a cap of 6 unique stacks so the
	 * last drop below lands in "[stacks over the cap]". */
	assert_int_equal(dp_profile_init(p, 4, 6), 0);
	p->cpu_recorded[0] = p->cpu_recorded[1] = p->cpu_recorded[3] = true;
	p->has_reason = true;
	p->frees_known = true;
	p->frees = 95;
	p->cpu_frees[0] = 60;
	p->cpu_frees[1] = 25;
	p->cpu_frees[3] = 10;
	p->duration = 2.0;
	p->start_time = 1795300000;
	p->throttled = 2;
	p->bad_records = 1;
	strcpy(p->kernel, "6.18.0-test");
	strcpy(p->hostname, "fixture");
	strcpy(p->cpu_list, "0-1,3");

	add(p, 0, 3, UDP_RCV + 0x20, 0x0800, udp_a, 3, 5);      /* NO_SOCKET */
	add(p, 1, 3, UDP_RCV + 0x20, 0x0800, udp_b, 3, 2);
	add(p, 0, 12, NFT_DO_CHAIN + 0x30, 0x86DD, nft, 3, 3);  /* module frame */
	add(p, 1, 13, IP_RCV_CORE + 0x40, 0x0800, other, 2, 2); /* OTHERHOST */
	add(p, 1, 14, IP_RCV_CORE + 0x40, 0x0800, other, 2, 1); /* IP_CSUM */
	add(p, 0, 0x30005, IP_RCV_CORE + 0x50, 0x0806, NULL, 0, 1); /* subsystem, no stack */
	add(p, 0, 500, NOWHERE, 0x1234, other, 2, 1);           /* unknown reason and site */
	add(p, 1, 3, UDP_RCV + 0x24, 0x0800, late, 2, 1);       /* over the cap */
	assert_int_equal(p->stacks_other, 1);
	dp_profile_add_lost(p, 1, 4);
	assert_int_equal(dp_profile_add_counter(p, "UdpNoPorts", 100, 107, 7, true), 0);
	assert_int_equal(dp_profile_add_counter(p, "IpInReceives", 1000, 1500, 500, false), 0);
	assert_int_equal(dp_profile_add_counter(p, "TcpCurrEstab", 5, 3, -2, false), 0);
	/* A 32-bit counter that wrapped: the delta is not after - before. */
	assert_int_equal(dp_profile_add_counter(p, "InOctets", 4294967290ULL, 5, 11, false), 0);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(fx);
	dp_test_load_format(&fx->fmt, "kfree_skb-6.18.format");
	assert_int_equal(dp_ksyms_load(&fx->ks, "tests/fixtures/ksym/kallsyms"), 0);
	fixture_profile(fx);
	assert_int_equal(dp_profile_names(&fx->names, &fx->prof, fx->ks, &fx->fmt), 0);
	assert_int_equal(dp_profile_encode(&fx->prof, &fx->names, &fx->file,
					   &fx->len), 0);
	for (size_t i = 0; i < 3; i++)
		fx->out[i] = render(&fx->prof, &fx->names, formats[i]);
	snprintf(fx->tmpdir, sizeof(fx->tmpdir), "%s/dropprof-test-XXXXXX",
		 tmp && tmp[0] ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->tmpdir));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	/* test_save_load checks that it removes what it creates; this only
	 * sweeps up after a test that failed half way. */
	DIR *d = opendir(fx->tmpdir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[512];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", fx->tmpdir, e->d_name);
		if (unlink(path) < 0)
			rmdir(path);
	}
	if (d)
		closedir(d);
	rmdir(fx->tmpdir);
	for (size_t i = 0; i < 3; i++)
		free(fx->out[i]);
	free(fx->file);
	dp_symmap_release(&fx->names);
	dp_profile_release(&fx->prof);
	dp_ksyms_free(fx->ks);
	dp_tp_format_release(&fx->fmt);
	free(fx);
	return 0;
}

/* ---- round trip ---- */

static void assert_same_keytab(const struct dp_keytab *a, const struct dp_keytab *b)
{
	assert_int_equal(a->nr_used, b->nr_used);
	for (const struct dp_keytab_entry *e = dp_keytab_next(a, NULL); e;
	     e = dp_keytab_next(a, e))
		assert_int_equal(dp_keytab_get(b, dp_keytab_key(a, e), e->key_len),
				 e->count);
}

static void assert_same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void assert_same_profile(const struct dp_profile *a, const struct dp_symmap *ma,
				const struct dp_profile *b, const struct dp_symmap *mb)
{
	assert_string_equal(a->kernel, b->kernel);
	assert_string_equal(a->hostname, b->hostname);
	assert_string_equal(a->cpu_list, b->cpu_list);
	assert_int_equal(a->start_time, b->start_time);
	assert_true(a->duration == b->duration);
	assert_int_equal(a->has_reason, b->has_reason);
	assert_int_equal(a->frees_known, b->frees_known);
	assert_int_equal(a->drops, b->drops);
	assert_int_equal(a->frees, b->frees);
	assert_int_equal(a->lost, b->lost);
	assert_int_equal(a->throttled, b->throttled);
	assert_int_equal(a->bad_records, b->bad_records);
	assert_int_equal(a->no_stack, b->no_stack);
	assert_int_equal(a->stacks_other, b->stacks_other);
	assert_int_equal(a->stack_samples, b->stack_samples);
	assert_int_equal(a->stack_lost, b->stack_lost);
	assert_int_equal(a->stack_period_max, b->stack_period_max);
	assert_true(a->stack_budget == b->stack_budget);
	assert_int_equal(a->all_stacks, b->all_stacks);
	assert_string_equal(a->filter, b->filter);
	assert_int_equal(a->nr_cpu_slots, b->nr_cpu_slots);
	for (size_t i = 0; i < a->nr_cpu_slots; i++) {
		assert_int_equal(a->cpu_recorded[i], b->cpu_recorded[i]);
		assert_int_equal(a->cpu_drops[i], b->cpu_drops[i]);
		assert_int_equal(a->cpu_frees[i], b->cpu_frees[i]);
		assert_int_equal(a->cpu_lost[i], b->cpu_lost[i]);
	}
	assert_same_keytab(&a->stacks, &b->stacks);
	assert_same_keytab(&a->sites, &b->sites);
	assert_same_keytab(&a->protos, &b->protos);
	assert_same_keytab(&a->unstacked, &b->unstacked);
	assert_int_equal(a->nr_counters, b->nr_counters);
	for (size_t i = 0; i < a->nr_counters; i++) {
		assert_string_equal(a->counters[i].name, b->counters[i].name);
		assert_int_equal(a->counters[i].before, b->counters[i].before);
		assert_int_equal(a->counters[i].after, b->counters[i].after);
		assert_int_equal(a->counters[i].delta, b->counters[i].delta);
		assert_int_equal(a->counters[i].drop_related, b->counters[i].drop_related);
	}
	assert_int_equal(ma->restricted, mb->restricted);
	assert_int_equal(ma->nr_addrs, mb->nr_addrs);
	for (size_t i = 0; i < ma->nr_addrs; i++) {
		const struct dp_symmap_entry *x = &ma->addrs[i];
		const struct dp_symmap_entry *y = dp_symmap_addr(mb, x->addr);

		assert_non_null(y);
		assert_same_str(x->name, y->name);
		assert_same_str(x->module, y->module);
		assert_int_equal(x->offset, y->offset);
	}
	assert_int_equal(ma->nr_reasons, mb->nr_reasons);
	for (size_t i = 0; i < ma->nr_reasons; i++)
		assert_same_str(ma->reasons[i].name,
				dp_symmap_reason(mb, ma->reasons[i].value));
}

/* Encode, decode, and every output must be byte-identical. */
static void round_trip(const struct dp_profile *p, const struct dp_symmap *m)
{
	struct dp_profile q;
	struct dp_symmap n;
	unsigned char *buf, *again;
	size_t len, len2;
	char err[256] = "";

	assert_int_equal(dp_profile_encode(p, m, &buf, &len), 0);
	/* Deterministic: the same profile gives the same bytes. */
	assert_int_equal(dp_profile_encode(p, m, &again, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, again, len);
	free(again);
	if (dp_profile_decode(buf, len, &q, &n, err, sizeof(err)))
		fail_msg("decode failed: %s", err);
	assert_same_profile(p, m, &q, &n);
	for (size_t i = 0; i < 3; i++) {
		char *want = render(p, m, formats[i]), *got = render(&q, &n, formats[i]);

		assert_string_equal(got, want);
		free(want);
		free(got);
	}
	dp_profile_release(&q);
	dp_symmap_release(&n);
	free(buf);
}

static void test_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct dp_profile q;
	struct dp_symmap n;
	char err[256] = "";
	const struct dp_symmap_entry *e;

	/* The every-offset loops below run in full on this file. */
	assert_true(fx->len < FULL_SCAN_MAX);
	assert_memory_equal(fx->file, DP_PROFILE_MAGIC, 8);
	assert_int_equal(get_le(fx->file + 8, 2), DP_PROFILE_MAJOR);
	assert_int_equal(get_le(fx->file + 28, 4), fx->len - 32);

	assert_int_equal(dp_profile_decode(fx->file, fx->len, &q, &n, err,
					   sizeof(err)), 0);
	assert_string_equal(err, "");
	for (size_t i = 0; i < 3; i++) {
		char *got = render(&q, &n, formats[i]);

		assert_string_equal(got, fx->out[i]);
		free(got);
	}
	assert_same_profile(&fx->prof, &fx->names, &q, &n);

	/* A few fields by hand, so the comparison above is not vacuous. */
	assert_int_equal(q.drops, 16);
	assert_int_equal(q.nr_cpu_slots, 4);
	assert_false(q.cpu_recorded[2]);
	assert_true(q.cpu_recorded[3]);
	assert_int_equal(q.cpu_frees[3], 10);
	assert_int_equal(q.cpu_lost[1], 4);
	assert_int_equal(q.throttled, 2);
	assert_int_equal(q.stacks_other, 1);
	assert_int_equal(q.no_stack, 1);
	assert_string_equal(q.cpu_list, "0-1,3");
	assert_int_equal(q.nr_counters, 4);
	assert_string_equal(q.counters[2].name, "TcpCurrEstab");
	assert_int_equal(q.counters[2].delta, -2);
	assert_int_equal(q.counters[3].delta, 11);
	{
		const uint64_t k[] = { 0x30005, DP_UNSTACKED_NONE };
		const uint64_t c[] = { 3, DP_UNSTACKED_OVER_CAP };
		const uint64_t s[] = { 12, NFT_DO_CHAIN + 0x30, IP_RCV + 0x5, STEXT + 0x40 };

		assert_int_equal(dp_keytab_get(&q.unstacked, k, 2), 1);
		assert_int_equal(dp_keytab_get(&q.unstacked, c, 2), 1);
		assert_int_equal(dp_keytab_get(&q.stacks, s, 4), 3);
	}
	e = dp_symmap_addr(&n, NFT_DO_CHAIN + 0x30);
	assert_non_null(e);
	assert_string_equal(e->name, "nft_do_chain");
	assert_string_equal(e->module, "nf_tables");
	assert_int_equal(e->offset, 0x30);
	e = dp_symmap_addr(&n, NOWHERE);
	assert_non_null(e);
	assert_null(e->name);
	assert_string_equal(dp_symmap_reason(&n, 3), "NO_SOCKET");
	assert_string_equal(dp_symmap_reason(&n, 0x30005), "SUBSYS_3:5");
	assert_string_equal(dp_symmap_reason(&n, 500), "REASON_500");
	/* What the report shows came through. */
	assert_non_null(strstr(fx->out[0], "nft_do_chain+0x30 [nf_tables]"));
	assert_non_null(strstr(fx->out[0], "[stacks over the cap]"));
	assert_non_null(strstr(fx->out[0], "throttled sampling 2 times"));
	assert_non_null(strstr(fx->out[0], "-2       -1.0/s  TcpCurrEstab"));
	assert_non_null(strstr(fx->out[2], "NETFILTER_DROP;_text;ip_rcv;nft_do_chain_[nf_tables] 3\n"));
	dp_profile_release(&q);
	dp_symmap_release(&n);

	round_trip(&fx->prof, &fx->names);
}

/* Edges: an empty recording; names that say "restricted", no reason
 * field, no frees; the longest stack a key can hold. */
static void test_round_trip_edges(void **state)
{
	struct dp_profile p;
	struct dp_symmap m;
	uint64_t ips[DP_MAX_FRAMES + 10];
	struct dp_skb_fields f = { .location = UDP_RCV, .reason = 2,
				   .protocol = 0x86DD };
	(void)state;

	assert_int_equal(dp_profile_init(&p, 1, 0), 0);
	dp_symmap_init(&m);
	round_trip(&p, &m);
	dp_profile_release(&p);

	assert_int_equal(dp_profile_init(&p, 3, 0), 0);
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++)
		ips[i] = STEXT + 0x1000 * i;
	assert_int_equal(dp_profile_add_drop_stack(&p, 2, &f, ips, DP_MAX_FRAMES + 10), 0);
	assert_int_equal(p.stacks.nr_used, 1);
	assert_int_equal(p.stacks.arena_len, DP_MAX_FRAMES + 1);
	p.has_reason = false;
	p.frees_known = false;
	p.cpu_recorded[2] = true;
	p.duration = 0;
	strcpy(p.cpu_list, "2");
	assert_int_equal(dp_profile_names(&m, &p, NULL, NULL), 0);
	m.restricted = true;
	round_trip(&p, &m);
	dp_symmap_release(&m);
	dp_profile_release(&p);
}

/* Sampled stacks: every drop counted, a stack for only some of them;
 * the in-kernel filter text (spaces and operators) is kept. */
static void test_round_trip_sampled(void **state)
{
	struct fixture *fx = *state;
	struct dp_profile p;
	struct dp_symmap m;
	const uint64_t udp[] = { UDP_RCV + 0x20, IP_RCV + 0x5 };
	const uint64_t nft[] = { NFT_DO_CHAIN + 0x30, IP_RCV + 0x5 };
	struct dp_skb_fields f = { .location = UDP_RCV + 0x20, .reason = 3,
				   .protocol = 0x0800 };
	char *text;

	assert_int_equal(dp_profile_init(&p, 2, 0), 0);
	p.cpu_recorded[0] = p.cpu_recorded[1] = true;
	p.has_reason = true;
	p.duration = 10.0;
	strcpy(p.cpu_list, "0-1");
	strcpy(p.filter, "reason != 2 && protocol == 0x0800");
	for (int i = 0; i < 40; i++)
		assert_int_equal(dp_profile_add_drop(&p, (uint32_t)(i & 1), &f), 0);
	f.reason = 12;
	f.location = NFT_DO_CHAIN + 0x30;
	for (int i = 0; i < 24; i++)
		assert_int_equal(dp_profile_add_drop(&p, 0, &f), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(dp_profile_add_stack(&p, 3, udp, 2), 0);
	assert_int_equal(dp_profile_add_stack(&p, 12, nft, 2), 0);
	assert_int_equal(dp_profile_add_stack(&p, 12, NULL, 0), 0);
	p.stack_period_max = 8;
	p.stack_budget = 500;
	p.stack_lost = 2;
	p.all_stacks = false;
	assert_int_equal(p.drops, 64);
	assert_int_equal(p.stack_samples, 7);
	assert_int_equal(dp_profile_names(&m, &p, fx->ks, &fx->fmt), 0);
	round_trip(&p, &m);
	text = render(&p, &m, DP_FORMAT_TEXT);
	assert_non_null(strstr(text, "'reason != 2 && protocol == 0x0800'"));
	free(text);
	dp_symmap_release(&m);
	dp_profile_release(&p);
}

/* ---- hostile files ---- */

static void test_truncation(void **state)
{
	struct fixture *fx = *state;
	struct tbuf longer = { 0 };

	for (size_t cut = 0; cut < fx->len; cut++) {
		struct dp_profile p;
		struct dp_symmap m;
		char err[256] = "";
		/* A copy of exactly cut bytes, so ASan and valgrind see any
		 * read past the end. */
		unsigned char *buf = malloc(cut ? cut : 1);

		assert_non_null(buf);
		memcpy(buf, fx->file, cut);
		assert_int_equal(dp_profile_decode(buf, cut, &p, &m, err, sizeof(err)),
				 -EINVAL);
		assert_one_line(err);
		assert_mentions(err, cut < 8 ? "not a dropprof profile" : "truncated");
		assert_nothing_held(&p, &m);
		free(buf);
	}
	/* Bytes after the end are corruption too. */
	tput(&longer, fx->file, fx->len);
	tput(&longer, "\0\0\0", 3);
	expect_reject(longer.p, longer.len, -EINVAL, "corrupted");
	tfree(&longer);
}

/* Flip one byte of the file at each offset.  Outside the header it is
 * inside the zlib stream, so anything that still decodes must carry the
 * very same payload (CRC) and report the same. */
static void test_corrupt_file(void **state)
{
	struct fixture *fx = *state;
	const unsigned char masks[] = { 0xff, 0x01 };
	size_t step = fx->len < FULL_SCAN_MAX ? 1 : fx->len / 1024;
	size_t accepted = 0, rejected = 0;
	unsigned char *buf = malloc(fx->len);

	assert_non_null(buf);
	for (size_t off = 0; off < fx->len; off += step) {
		for (size_t k = 0; k < 2; k++) {
			struct dp_profile p;
			struct dp_symmap m;
			char err[256] = "";
			int ret;

			memcpy(buf, fx->file, fx->len);
			buf[off] ^= masks[k];
			ret = dp_profile_decode(buf, fx->len, &p, &m, err, sizeof(err));
			if (ret) {
				unsigned major = (unsigned)get_le(buf + 8, 2);

				rejected++;
				assert_int_equal(ret, major > DP_PROFILE_MAJOR ?
						 -EPROTONOSUPPORT : -EINVAL);
				assert_one_line(err);
				if (off < 8)
					assert_mentions(err, "not a dropprof profile");
				assert_nothing_held(&p, &m);
				/* A newer minor version must load. */
				assert_false(off == 10 || off == 11);
				continue;
			}
			accepted++;
			/* Magic, major, sizes and CRC are all checked. */
			if (off < 10 || (off >= 16 && off < 32))
				fail_msg("flip 0x%02x at %zu accepted", masks[k], off);
			check_sane(&p, &m);
			{
				char *text = render(&p, &m, DP_FORMAT_TEXT);

				assert_string_equal(text, fx->out[0]);
				free(text);
			}
			dp_profile_release(&p);
			dp_symmap_release(&m);
		}
	}
	assert_true(accepted >= 4);     /* the two minor-version bytes */
	assert_true(rejected > fx->len);
	free(buf);
}

/* The same, one level down: flip each payload byte and give it a valid
 * header and CRC, so the section parser itself sees the damage.  Names,
 * timestamps, counter values, addresses can change and still load; a
 * section length cannot. */
static void test_corrupt_payload(void **state)
{
	struct fixture *fx = *state;
	const unsigned char masks[] = { 0xff, 0x01 };
	struct tbuf pay;
	struct payload pl;
	bool length_field[FULL_SCAN_MAX] = { false };
	size_t step, accepted = 0, rejected = 0, at = 0;

	unwrap(fx->file, fx->len, &pay);
	assert_true(pay.len < FULL_SCAN_MAX);
	payload_parse(&pl, pay.p, pay.len);
	for (size_t i = 0; i < pl.n; i++) {
		for (size_t b = 4; b < 8; b++)
			length_field[at + b] = true;
		at += 8 + pl.s[i].body.len;
	}
	payload_free(&pl);
	step = pay.len < FULL_SCAN_MAX ? 1 : pay.len / 1024;
	for (size_t off = 0; off < pay.len; off += step) {
		for (size_t k = 0; k < 2; k++) {
			struct dp_profile p;
			struct dp_symmap m;
			struct tbuf file;
			char err[256] = "";
			int ret;

			pay.p[off] ^= masks[k];
			wrap(pay.p, pay.len, DP_PROFILE_MAJOR, &file);
			pay.p[off] ^= masks[k];
			ret = dp_profile_decode(file.p, file.len, &p, &m, err, sizeof(err));
			tfree(&file);
			if (ret) {
				rejected++;
				assert_int_equal(ret, -EINVAL);
				assert_one_line(err);
				assert_mentions(err, "corrupted profile");
				assert_nothing_held(&p, &m);
				continue;
			}
			accepted++;
			if (length_field[off])
				fail_msg("payload flip 0x%02x at %zu (a section length) accepted",
					 masks[k], off);
			check_sane(&p, &m);
			dp_profile_release(&p);
			dp_symmap_release(&m);
		}
	}
	print_message("payload flips: %zu accepted, %zu refused\n", accepted, rejected);
	assert_true(accepted > 0);
	assert_true(rejected > 0);
	tfree(&pay);
}

/* The payload cut at every length, wrapped validly: only a cut at a
 * section boundary can still load (it drops whole trailing sections). */
static void test_truncated_payload(void **state)
{
	struct fixture *fx = *state;
	struct tbuf pay;
	struct payload pl;
	bool boundary[FULL_SCAN_MAX] = { false };
	size_t off = 0;

	unwrap(fx->file, fx->len, &pay);
	assert_true(pay.len < FULL_SCAN_MAX);
	payload_parse(&pl, pay.p, pay.len);
	for (size_t i = 0; i < pl.n; i++) {
		boundary[off] = true;
		off += 8 + pl.s[i].body.len;
	}
	assert_int_equal(off, pay.len);
	payload_free(&pl);
	for (size_t cut = 1; cut < pay.len; cut++) {
		struct dp_profile p;
		struct dp_symmap m;
		struct tbuf file;
		char err[256] = "";
		int ret;

		wrap(pay.p, cut, DP_PROFILE_MAJOR, &file);
		ret = dp_profile_decode(file.p, file.len, &p, &m, err, sizeof(err));
		tfree(&file);
		if (ret) {
			assert_int_equal(ret, -EINVAL);
			assert_one_line(err);
			assert_nothing_held(&p, &m);
			continue;
		}
		if (!boundary[cut])
			fail_msg("payload cut at %zu (inside a section) loaded", cut);
		check_sane(&p, &m);
		dp_profile_release(&p);
		dp_symmap_release(&m);
	}
	tfree(&pay);
}

/* Payloads that pass the CRC but lie, each against a baseline that loads. */
static void test_lies_in_counts(void **state)
{
	struct fixture *fx = *state;
	struct tbuf pay;
	struct payload pl;

	unwrap(fx->file, fx->len, &pay);

	/* Our section split and join reproduce the encoder's payload, and our
	 * metadata writer its metadata section. */
	{
		struct tbuf joined;
		struct meta mt = {
			fx->prof.kernel, fx->prof.hostname, DP_VERSION,
			fx->prof.cpu_list, (uint64_t)fx->prof.start_time,
			fx->prof.duration, 1, 1, 0, 16, 95, 4, 1, 1, 1, 4,
		};
		struct tbuf b = { 0 };

		payload_parse(&pl, pay.p, pay.len);
		payload_join(&pl, &joined);
		assert_int_equal(joined.len, pay.len);
		assert_memory_equal(joined.p, pay.p, pay.len);
		tfree(&joined);
		put_meta(&b, &mt);
		assert_int_equal(b.len, payload_find(&pl, "META")->body.len);
		assert_memory_equal(b.p, payload_find(&pl, "META")->body.p, b.len);
		tfree(&b);
		payload_free(&pl);
	}

	/* Every table's count, one more or one less than its entries. */
	for (size_t i = 0; i < sizeof(counted_tags) / sizeof(counted_tags[0]); i++) {
		for (int d = -1; d <= 1; d += 2) {
			struct section *s;

			payload_parse(&pl, pay.p, pay.len);
			s = payload_find(&pl, counted_tags[i]);
			set_le(s->body.p, get_le(s->body.p, 4) + (uint64_t)(int64_t)d, 4);
			/* One stack too many reads as "length 0" (the missing
			 * entry's length), not as the section's name. */
			expect_payload_reject(&pl, d > 0 && !strcmp(counted_tags[i], "STAK") ?
					      "stack entry" : counted_tags[i]);
		}
	}
	/* A count of 2^32-1 entries: refused before any allocation. */
	for (size_t i = 0; i < sizeof(counted_tags) / sizeof(counted_tags[0]); i++) {
		payload_parse(&pl, pay.p, pay.len);
		set_le(payload_find(&pl, counted_tags[i])->body.p, UINT32_MAX, 4);
		expect_payload_reject(&pl, counted_tags[i]);
	}
	/* Totals that do not add up. */
	payload_parse(&pl, pay.p, pay.len);
	{
		struct section *s = payload_find(&pl, "CPUS");

		set_le(s->body.p + 1, get_le(s->body.p + 1, 8) + 1, 8);
	}
	expect_payload_reject(&pl, "per-CPU drops do not add up");
	payload_parse(&pl, pay.p, pay.len);
	{
		struct section *s = payload_find(&pl, "PROT");

		set_le(s->body.p + 12, get_le(s->body.p + 12, 8) + 1, 8);
	}
	expect_payload_reject(&pl, "protocols do not add up");
	payload_parse(&pl, pay.p, pay.len);
	{
		struct section *s = payload_find(&pl, "SITE");

		set_le(s->body.p + 20, 0, 8);
	}
	expect_payload_reject(&pl, "zero count");
	payload_parse(&pl, pay.p, pay.len);
	{
		struct section *s = payload_find(&pl, "STAK");
		uint32_t len = (uint32_t)get_le(s->body.p + 4, 4);
		unsigned char *count = s->body.p + 8 + 8 * len;

		set_le(count, get_le(count, 8) + 1, 8);
	}
	expect_payload_reject(&pl, "stacks do not add up");
	payload_parse(&pl, pay.p, pay.len);
	{
		struct section *s = payload_find(&pl, "UNST");

		set_le(s->body.p + 20, get_le(s->body.p + 20, 8) + 5, 8);
	}
	expect_payload_reject(&pl, "stacks do not add up");
	tfree(&pay);
}

static void test_lies_in_sections(void **state)
{
	struct fixture *fx = *state;
	struct tbuf pay, file;
	struct payload pl;
	size_t off = 0;

	unwrap(fx->file, fx->len, &pay);
	/* A section length past the end, and the largest one. */
	payload_parse(&pl, pay.p, pay.len);
	for (size_t i = 0; i < pl.n; i++) {
		uint32_t lies[] = { (uint32_t)(pay.len - off - 8 + 1), UINT32_MAX };

		for (size_t k = 0; k < 2; k++) {
			unsigned char *p = malloc(pay.len);

			assert_non_null(p);
			memcpy(p, pay.p, pay.len);
			set_le(p + off + 4, lies[k], 4);
			wrap(p, pay.len, DP_PROFILE_MAJOR, &file);
			expect_reject(file.p, file.len, -EINVAL, "section list is truncated");
			tfree(&file);
			free(p);
		}
		off += 8 + pl.s[i].body.len;
	}
	payload_free(&pl);
	/* A section header cut short at the end. */
	{
		unsigned char *p = malloc(pay.len + 5);

		assert_non_null(p);
		memcpy(p, pay.p, pay.len);
		memcpy(p + pay.len, "XTRA\x01", 5);
		wrap(p, pay.len + 5, DP_PROFILE_MAJOR, &file);
		expect_reject(file.p, file.len, -EINVAL, "section list is truncated");
		tfree(&file);
		free(p);
	}
	/* Stack entries with an impossible length. */
	{
		const uint32_t lens[] = { 0, DP_MAX_FRAMES + 2, 1000000, UINT32_MAX };

		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			char want[64];

			payload_parse(&pl, pay.p, pay.len);
			set_le(payload_find(&pl, "STAK")->body.p + 4, lens[i], 4);
			snprintf(want, sizeof(want), "impossible length %u", lens[i]);
			expect_payload_reject(&pl, want);
		}
	}
	/* The same table twice adds up twice: caught by the totals. */
	payload_parse(&pl, pay.p, pay.len);
	{
		struct tbuf b = { 0 };

		tput(&b, payload_find(&pl, "SITE")->body.p,
		     payload_find(&pl, "SITE")->body.len);
		payload_add(&pl, "SITE", &b);
	}
	expect_payload_reject(&pl, "drop sites do not add up");
	/* Meta says one more drop than the tables. */
	payload_parse(&pl, pay.p, pay.len);
	{
		struct meta mt = {
			fx->prof.kernel, fx->prof.hostname, DP_VERSION,
			fx->prof.cpu_list, (uint64_t)fx->prof.start_time,
			fx->prof.duration, 1, 1, 0, 17, 95, 4, 1, 1, 1, 4,
		};

		set_meta(&pl, &mt);
	}
	expect_payload_reject(&pl, "drop sites do not add up");
	tfree(&pay);
}

static void test_lies_by_hand(void **state)
{
	struct payload pl;
	struct tbuf pay, file, b = { 0 };
	struct dp_profile p;
	struct dp_symmap m;
	struct meta mt;
	char err[256] = "";
	char big[300];
	(void)state;

	/* The baseline loads and reports what it says. */
	mini(&pl);
	payload_join(&pl, &pay);
	wrap(pay.p, pay.len, DP_PROFILE_MAJOR, &file);
	if (dp_profile_decode(file.p, file.len, &p, &m, err, sizeof(err)))
		fail_msg("hand-made profile refused: %s", err);
	check_sane(&p, &m);
	/* No sampling section (files from before sampling): a stack with
	 * every drop. */
	assert_true(p.all_stacks);
	assert_int_equal(p.stack_samples, 3);
	{
		char *text = render(&p, &m, DP_FORMAT_TEXT);

		assert_non_null(strstr(text, "NO_SOCKET                udp_rcv+0x20"));
		assert_non_null(strstr(text, "kernel 6.1.0-mini  host mini"));
		free(text);
	}
	dp_profile_release(&p);
	dp_symmap_release(&m);
	tfree(&file);
	tfree(&pay);
	payload_free(&pl);

	/* Duplicate reasons, duplicate addresses. */
	mini(&pl);
	tput_u32(&b, 2);
	tput_u64(&b, 3);
	tput_str(&b, "NO_SOCKET");
	tput_u64(&b, 3);
	tput_str(&b, "SOCKET_CLOSE");
	payload_set(&pl, "RSNS", &b);
	expect_payload_reject(&pl, "duplicate");
	mini(&pl);
	tput_u32(&b, 2);
	tput_u64(&b, UDP_RCV + 0x20);
	tput_u8(&b, 0);
	tput_u64(&b, UDP_RCV + 0x20);
	tput_u8(&b, 2);
	tput_str(&b, "udp_rcv");
	tput_str(&b, "evil");
	tput_u64(&b, 0x20);
	payload_set(&pl, "ADDR", &b);
	expect_payload_reject(&pl, "duplicate");
	/* An empty reason name, an empty symbol name, an unknown kind. */
	mini(&pl);
	tput_u32(&b, 1);
	tput_u64(&b, 3);
	tput_str(&b, "");
	payload_set(&pl, "RSNS", &b);
	expect_payload_reject(&pl, "empty name");
	mini(&pl);
	tput_u32(&b, 1);
	tput_u64(&b, UDP_RCV + 0x20);
	tput_u8(&b, 1);
	tput_str(&b, "");
	tput_u64(&b, 0x20);
	payload_set(&pl, "ADDR", &b);
	expect_payload_reject(&pl, "empty name");
	mini(&pl);
	tput_u32(&b, 1);
	tput_u64(&b, UDP_RCV + 0x20);
	tput_u8(&b, 3);
	payload_set(&pl, "ADDR", &b);
	expect_payload_reject(&pl, "unknown kind");
	/* Strings: a NUL inside, longer than the field, longer than the
	 * section, 4 GiB long. */
	mini(&pl);
	tput_u32(&b, 1);
	tput_u64(&b, 3);
	tput_strn(&b, "NO\0SOCKET", 9);
	payload_set(&pl, "RSNS", &b);
	expect_payload_reject(&pl, "RSNS");
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mt = mini_meta;
	mt.kernel = big;
	mini(&pl);
	set_meta(&pl, &mt);
	expect_payload_reject(&pl, "metadata section is truncated");
	mini(&pl);
	tput_u32(&b, 1);
	tput_u64(&b, 3);
	tput_u32(&b, 100);
	tput(&b, "NO_SOCKET", 9);
	payload_set(&pl, "RSNS", &b);
	expect_payload_reject(&pl, "RSNS");
	mini(&pl);
	tput_u32(&b, UINT32_MAX);
	tput(&b, "6.1", 3);
	payload_set(&pl, "META", &b);
	expect_payload_reject(&pl, "metadata section is truncated");
	/* Impossible CPU counts and durations. */
	{
		const uint32_t slots[] = { 0, 65537, UINT32_MAX };
		const double durations[] = { -1.0, NAN, INFINITY, 1e12 };

		for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
			mt = mini_meta;
			mt.slots = slots[i];
			mini(&pl);
			set_meta(&pl, &mt);
			expect_payload_reject(&pl, "impossible CPU count");
		}
		for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
			mt = mini_meta;
			mt.duration = durations[i];
			mini(&pl);
			set_meta(&pl, &mt);
			expect_payload_reject(&pl, "impossible duration");
		}
	}
	/* Per-CPU table for 2 CPUs while the metadata says 1. */
	mini(&pl);
	tput(&b, payload_find(&pl, "CPUS")->body.p, 25);
	tput(&b, payload_find(&pl, "CPUS")->body.p, 25);
	payload_set(&pl, "CPUS", &b);
	expect_payload_reject(&pl, "CPU section does not match");
	/* Section order: metadata first, once, and present. */
	mini(&pl);
	{
		struct section t = pl.s[0];

		pl.s[0] = pl.s[2];
		pl.s[2] = t;
	}
	expect_payload_reject(&pl, "comes before the metadata");
	mini(&pl);
	put_meta(&b, &mini_meta);
	payload_add(&pl, "META", &b);
	expect_payload_reject(&pl, "two metadata sections");
	memset(&pl, 0, sizeof(pl));
	tput_u64(&b, 7);
	payload_add(&pl, "XTRA", &b);
	expect_payload_reject(&pl, "comes before the metadata");
	/* Malformed counters, throttle count, unstacked keys. */
	mini(&pl);
	tput_u32(&b, 1);
	tput_str(&b, "UdpNoPorts");
	tput_u64(&b, 1);
	tput_u64(&b, 4);
	tput_u64(&b, 3);
	tput_u8(&b, 2);
	payload_set(&pl, "CNTR", &b);
	expect_payload_reject(&pl, "counter 0 is malformed");
	mini(&pl);
	tput_u32(&b, 7);
	payload_set(&pl, "THRT", &b);
	expect_payload_reject(&pl, "THRT");
	/* A stack entry whose length runs past the section. */
	mini(&pl);
	tput_u32(&b, 1);
	tput_u32(&b, DP_MAX_FRAMES + 1);
	tput_u64(&b, 3);
	tput_u64(&b, UDP_RCV + 0x20);
	tput_u64(&b, 3);
	payload_set(&pl, "STAK", &b);
	expect_payload_reject(&pl, "STAK");

	/* A newer minor version's section is skipped, not refused. */
	mini(&pl);
	tput_u64(&b, 42);
	payload_add(&pl, "XTRA", &b);
	{
		struct section t = pl.s[pl.n - 1];

		memmove(&pl.s[2], &pl.s[1], (pl.n - 2) * sizeof(pl.s[0]));
		pl.s[1] = t;
	}
	payload_join(&pl, &pay);
	wrap(pay.p, pay.len, DP_PROFILE_MAJOR, &file);
	set_le(file.p + 10, DP_PROFILE_MINOR + 3, 2);
	if (dp_profile_decode(file.p, file.len, &p, &m, err, sizeof(err)))
		fail_msg("a newer minor version was refused: %s", err);
	assert_int_equal(p.drops, 3);
	dp_profile_release(&p);
	dp_symmap_release(&m);
	tfree(&file);
	tfree(&pay);
	payload_free(&pl);
}

/* The sampling section of the hand-made profile. */
static void put_samp(struct payload *pl, uint64_t samples, uint64_t period,
		     double budget)
{
	struct tbuf b = { 0 };

	tput_u64(&b, samples);
	tput_u64(&b, 0);                        /* stack samples lost */
	tput_u64(&b, period);
	tput_f64(&b, budget);
	tput_u8(&b, 0);                         /* sampled, not --all-stacks */
	payload_add(pl, "SAMP", &b);
}

/* The hand-made profile with sampled stacks: 3 drops, a stack for 1. */
static void mini_sampled(struct payload *pl)
{
	struct tbuf b = { 0 };

	mini(pl);
	tput_u32(&b, 1);
	tput_u32(&b, 2);
	tput_u64(&b, 3);
	tput_u64(&b, UDP_RCV + 0x20);
	tput_u64(&b, 1);
	payload_set(pl, "STAK", &b);
	put_samp(pl, 1, 4, 100);
	tput_str(&b, "reason == 3");
	payload_add(pl, "FILT", &b);
}

static void test_lies_sampling(void **state)
{
	struct payload pl;
	struct tbuf pay, file, b = { 0 };
	struct dp_profile p;
	struct dp_symmap m;
	char err[256] = "";
	const double budgets[] = { -1.0, NAN, INFINITY, 1e12 };
	(void)state;

	/* Baseline: 3 drops, a stack for 1 of them. */
	mini_sampled(&pl);
	payload_join(&pl, &pay);
	wrap(pay.p, pay.len, DP_PROFILE_MAJOR, &file);
	if (dp_profile_decode(file.p, file.len, &p, &m, err, sizeof(err)))
		fail_msg("sampled hand-made profile refused: %s", err);
	check_sane(&p, &m);
	assert_int_equal(p.drops, 3);
	assert_int_equal(p.stack_samples, 1);
	assert_int_equal(p.stack_period_max, 4);
	assert_false(p.all_stacks);
	assert_string_equal(p.filter, "reason == 3");
	dp_profile_release(&p);
	dp_symmap_release(&m);
	tfree(&file);
	tfree(&pay);
	payload_free(&pl);

	/* More samples than drops; samples that the stacks do not match. */
	mini(&pl);
	put_samp(&pl, 4, 1, 100);
	expect_payload_reject(&pl, "sampling section has impossible values");
	mini(&pl);
	put_samp(&pl, 2, 1, 100);
	expect_payload_reject(&pl, "stacks do not add up to the stack samples");
	/* A period of 0, impossible budgets. */
	mini(&pl);
	put_samp(&pl, 3, 0, 100);
	expect_payload_reject(&pl, "sampling section has impossible values");
	for (size_t i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
		mini(&pl);
		put_samp(&pl, 3, 1, budgets[i]);
		expect_payload_reject(&pl, "sampling section has impossible values");
	}
	/* Short, long. */
	mini(&pl);
	tput_u64(&b, 3);
	tput_u64(&b, 0);
	tput_u64(&b, 1);
	payload_add(&pl, "SAMP", &b);
	expect_payload_reject(&pl, "SAMP");
	mini(&pl);
	put_samp(&pl, 3, 1, 100);
	tput_u8(&pl.s[pl.n - 1].body, 0);
	expect_payload_reject(&pl, "SAMP");
	/* A filter with a control byte, one longer than the field. */
	mini(&pl);
	tput_str(&b, "reason == 3\n");
	payload_add(&pl, "FILT", &b);
	expect_payload_reject(&pl, "FILT");
	mini(&pl);
	{
		char big[1100];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		tput_str(&b, big);
	}
	payload_add(&pl, "FILT", &b);
	expect_payload_reject(&pl, "FILT");
}

/* Names reach terminals, folded files and JSON: nothing but printable
 * ASCII, and no spaces in names (folded lines split on them). */
static void test_lies_in_names(void **state)
{
	static const char *const bad[] = {
		"NO\nSOCKET", "NO SOCKET", "NO\x1b[31mSOCKET", "NO_SOCKET\x7f",
		"NO_SOCKET\xc3\xa9", "\t",
	};
	struct payload pl;
	struct tbuf b = { 0 };
	struct meta mt;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mini(&pl);
		tput_u32(&b, 1);
		tput_u64(&b, 3);
		tput_str(&b, bad[i]);
		payload_set(&pl, "RSNS", &b);
		expect_payload_reject(&pl, "RSNS");

		mini(&pl);
		tput_u32(&b, 1);
		tput_u64(&b, UDP_RCV + 0x20);
		tput_u8(&b, 1);
		tput_str(&b, bad[i]);
		tput_u64(&b, 0x20);
		payload_set(&pl, "ADDR", &b);
		expect_payload_reject(&pl, "ADDR");

		mini(&pl);
		tput_u32(&b, 1);
		tput_u64(&b, UDP_RCV + 0x20);
		tput_u8(&b, 2);
		tput_str(&b, "udp_rcv");
		tput_str(&b, bad[i]);
		tput_u64(&b, 0x20);
		payload_set(&pl, "ADDR", &b);
		expect_payload_reject(&pl, "ADDR");

		mini(&pl);
		tput_u32(&b, 1);
		tput_str(&b, bad[i]);
		tput_u64(&b, 1);
		tput_u64(&b, 4);
		tput_u64(&b, 3);
		tput_u8(&b, 1);
		payload_set(&pl, "CNTR", &b);
		expect_payload_reject(&pl, "CNTR");

		mt = mini_meta;
		mt.hostname = bad[i];
		mini(&pl);
		set_meta(&pl, &mt);
		expect_payload_reject(&pl, "metadata");
	}
}

/* The header alone: sizes and checksum. */
static void test_lies_in_header(void **state)
{
	struct fixture *fx = *state;
	unsigned char *buf = malloc(fx->len);
	uint64_t plen = get_le(fx->file + 16, 8);
	const struct {
		int at, bytes;
		uint64_t value;
		const char *want;
	} lies[] = {
		{ 16, 8, 0, "impossible payload size" },
		{ 16, 8, DP_PROFILE_MAX_PAYLOAD + 1ULL, "impossible payload size" },
		{ 16, 8, UINT64_MAX, "impossible payload size" },
		{ 16, 8, plen + 1, "checksum" },
		{ 16, 8, plen - 1, "checksum" },
		{ 24, 4, 0, "checksum" },
		{ 28, 4, fx->len - 32 + 1, "truncated" },
		{ 28, 4, fx->len - 32 - 1, "corrupted" },
		{ 28, 4, UINT32_MAX, "truncated" },
	};

	assert_non_null(buf);
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		memcpy(buf, fx->file, fx->len);
		set_le(buf + lies[i].at, lies[i].value, lies[i].bytes);
		expect_reject(buf, fx->len, -EINVAL, lies[i].want);
	}
	free(buf);
}

static void test_version(void **state)
{
	struct fixture *fx = *state;
	unsigned char *buf = malloc(fx->len);
	struct dp_profile p;
	struct dp_symmap m;
	char err[256] = "";

	assert_non_null(buf);
	memcpy(buf, fx->file, fx->len);
	set_le(buf + 8, 2, 2);
	expect_reject(buf, fx->len, -EPROTONOSUPPORT, "newer dropprof");
	expect_reject(buf, fx->len, -EPROTONOSUPPORT, "2.0");
	set_le(buf + 8, 0xffff, 2);
	expect_reject(buf, fx->len, -EPROTONOSUPPORT, "newer dropprof");
	/* Only the header is needed to say so. */
	expect_reject(buf, 32, -EPROTONOSUPPORT, "newer dropprof");
	/* A newer minor version of this major loads. */
	memcpy(buf, fx->file, fx->len);
	set_le(buf + 10, DP_PROFILE_MINOR + 1, 2);
	if (dp_profile_decode(buf, fx->len, &p, &m, err, sizeof(err)))
		fail_msg("minor version %d refused: %s", DP_PROFILE_MINOR + 1, err);
	dp_profile_release(&p);
	dp_symmap_release(&m);
	free(buf);
}

static void test_not_a_profile(void **state)
{
	static const unsigned char elf[64] = {
		0x7f, 'E', 'L', 'F', 2, 1, 1, 0, [16] = 2, 0, 0x3e, 0, 1,
	};
	const char *text = "dropprof 0.1.0  kernel 6.18.0-test  host fixture\n"
			   "recorded 2.00 s on 2 CPUs (0-1)\n";
	unsigned char empty[1] = { 0 };
	(void)state;

	expect_reject((const unsigned char *)text, strlen(text), -EINVAL,
		      "not a dropprof profile");
	expect_reject(empty, 0, -EINVAL, "not a dropprof profile");
	expect_reject(elf, sizeof(elf), -EINVAL, "not a dropprof profile");
	expect_reject((const unsigned char *)"DPROF", 5, -EINVAL,
		      "not a dropprof profile");
	expect_reject((const unsigned char *)"DPROF\0\n\r" "0123456789abcdef"
		      "0123456789abcdef", 40, -EINVAL, "not a dropprof profile");
}

/* ---- files ---- */

static size_t count_entries(const char *dir, const char *only)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (only && strcmp(e->d_name, only))
			fail_msg("unexpected file '%s' in '%s'", e->d_name, dir);
		n++;
	}
	closedir(d);
	return n;
}

static void load_expect(const char *path, int ret, const char *want)
{
	struct dp_profile p;
	struct dp_symmap m;
	char err[1024] = "";
	int got;

	/* Load zeroes nothing when it fails before decoding (open, stat):
	 * start from zero so "nothing held" means the same for every path. */
	memset(&p, 0, sizeof(p));
	memset(&m, 0, sizeof(m));
	got = dp_profile_load(path, &p, &m, err, sizeof(err));

	if (got != ret)
		fail_msg("load '%s' returned %d (want %d): %s", path, got, ret, err);
	assert_one_line(err);
	assert_mentions(err, path);
	assert_mentions(err, want);
	assert_nothing_held(&p, &m);
}

static void test_save_load(void **state)
{
	struct fixture *fx = *state;
	char path[512], missing[512], dir[512], empty[512], cut[512], exe[512];
	struct dp_profile p;
	struct dp_symmap m;
	char err[1024] = "";
	char *text;
	unsigned char *file;
	size_t len;

	snprintf(path, sizeof(path), "%s/run.dprof", fx->tmpdir);
	snprintf(missing, sizeof(missing), "%s/no/such/dir/run.dprof", fx->tmpdir);
	snprintf(dir, sizeof(dir), "%s/adir", fx->tmpdir);
	snprintf(empty, sizeof(empty), "%s/empty.dprof", fx->tmpdir);
	snprintf(cut, sizeof(cut), "%s/cut.dprof", fx->tmpdir);

	/* Saved: exactly the encoded bytes, no temporary left behind. */
	if (dp_profile_save(path, &fx->prof, &fx->names, err, sizeof(err)))
		fail_msg("save failed: %s", err);
	assert_int_equal(count_entries(fx->tmpdir, "run.dprof"), 1);
	file = (unsigned char *)dp_test_slurp(path, &len);
	assert_non_null(file);
	assert_int_equal(len, fx->len);
	assert_memory_equal(file, fx->file, len);
	free(file);
	if (dp_profile_load(path, &p, &m, err, sizeof(err)))
		fail_msg("load failed: %s", err);
	text = render(&p, &m, DP_FORMAT_TEXT);
	assert_string_equal(text, fx->out[0]);
	free(text);
	dp_profile_release(&p);
	dp_symmap_release(&m);

	/* Saving over it replaces it whole. */
	{
		struct dp_profile q;

		assert_int_equal(dp_profile_init(&q, 1, 0), 0);
		strcpy(q.hostname, "replaced");
		if (dp_profile_save(path, &q, &fx->names, err, sizeof(err)))
			fail_msg("save failed: %s", err);
		dp_profile_release(&q);
		assert_int_equal(count_entries(fx->tmpdir, "run.dprof"), 1);
		if (dp_profile_load(path, &p, &m, err, sizeof(err)))
			fail_msg("load failed: %s", err);
		assert_string_equal(p.hostname, "replaced");
		assert_int_equal(p.drops, 0);
		dp_profile_release(&p);
		dp_symmap_release(&m);
	}

	/* Into a missing directory: an error naming the path, nothing made. */
	err[0] = '\0';
	assert_int_equal(dp_profile_save(missing, &fx->prof, &fx->names, err,
					 sizeof(err)), -ENOENT);
	assert_one_line(err);
	assert_mentions(err, missing);
	assert_int_equal(count_entries(fx->tmpdir, "run.dprof"), 1);

	/* Loads that cannot work name the path. */
	load_expect(missing, -ENOENT, "cannot open");
	assert_int_equal(mkdir(dir, 0700), 0);
	load_expect(dir, -EINVAL, "not a regular file");
	assert_int_equal(rmdir(dir), 0);
	spill(empty, "", 0);
	load_expect(empty, -EINVAL, "not a dropprof profile");
	spill(cut, fx->file, fx->len / 2);
	load_expect(cut, -EINVAL, "truncated");
	snprintf(exe, sizeof(exe), "/proc/self/exe");
	load_expect(exe, -EINVAL, "not a dropprof profile");

	assert_int_equal(unlink(cut), 0);
	assert_int_equal(unlink(empty), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(count_entries(fx->tmpdir, NULL), 0);
}

/* ---- golden file ---- */

static void update_seeds(struct fixture *fx)
{
	struct payload pl;
	struct tbuf pay, file;
	struct dp_profile p;
	struct dp_symmap m;
	unsigned char *buf;
	size_t len;

	mkdir("tests/fuzz", 0777);
	mkdir("tests/fuzz/corpus", 0777);
	mkdir(CORPUS, 0777);
	/* Whole files: the fixture, cut short, an empty recording. */
	spill(CORPUS "sample.dprof", fx->file, fx->len);
	spill(CORPUS "sample-cut-40.dprof", fx->file, 40);
	spill(CORPUS "sample-cut-half.dprof", fx->file, fx->len / 2);
	assert_int_equal(dp_profile_init(&p, 1, 0), 0);
	dp_symmap_init(&m);
	assert_int_equal(dp_profile_encode(&p, &m, &buf, &len), 0);
	spill(CORPUS "empty.dprof", buf, len);
	free(buf);
	dp_profile_release(&p);
	/* Bare payloads (the fuzz target wraps them in a valid header). */
	unwrap(fx->file, fx->len, &pay);
	spill(CORPUS "sample.payload", pay.p, pay.len);
	spill(CORPUS "sample-cut.payload", pay.p, pay.len / 3);
	tfree(&pay);
	mini(&pl);
	payload_join(&pl, &pay);
	spill(CORPUS "mini.payload", pay.p, pay.len);
	wrap(pay.p, pay.len, DP_PROFILE_MAJOR, &file);
	spill(CORPUS "mini.dprof", file.p, file.len);
	tfree(&file);
	tfree(&pay);
	payload_free(&pl);
	mini_sampled(&pl);
	payload_join(&pl, &pay);
	spill(CORPUS "mini-sampled.payload", pay.p, pay.len);
	tfree(&pay);
	payload_free(&pl);
}

static void test_golden_file(void **state)
{
	struct fixture *fx = *state;
	struct dp_profile p;
	struct dp_symmap m;
	struct dp_report_opts o = { .top_n = 10 };
	struct dp_report rep;
	char err[512] = "";
	char *out = NULL, *want;
	size_t len = 0;
	FILE *f;

	if (getenv("DP_UPDATE_GOLDEN")) {
		mkdir(PROFILES, 0777);
		if (dp_profile_save(PROFILES "sample.dprof", &fx->prof, &fx->names,
				    err, sizeof(err)))
			fail_msg("%s", err);
		update_seeds(fx);
	}
	if (dp_profile_load(PROFILES "sample.dprof", &p, &m, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(dp_report_build(&rep, &p, &m, &o), 0);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_int_equal(dp_out_text(&rep, f), 0);
	fclose(f);
	if (getenv("DP_UPDATE_GOLDEN"))
		spill(PROFILES "sample.txt", out, len);
	want = dp_test_slurp(PROFILES "sample.txt", NULL);
	assert_non_null(want);
	assert_string_equal(out, want);
	/* The committed file is the fixture profile, whatever it prints. */
	assert_same_profile(&fx->prof, &fx->names, &p, &m);
	free(want);
	free(out);
	dp_report_release(&rep);
	dp_profile_release(&p);
	dp_symmap_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_round_trip_edges),
		cmocka_unit_test(test_round_trip_sampled),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_corrupt_file),
		cmocka_unit_test(test_corrupt_payload),
		cmocka_unit_test(test_truncated_payload),
		cmocka_unit_test(test_lies_in_counts),
		cmocka_unit_test(test_lies_in_sections),
		cmocka_unit_test(test_lies_by_hand),
		cmocka_unit_test(test_lies_sampling),
		cmocka_unit_test(test_lies_in_names),
		cmocka_unit_test(test_lies_in_header),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_not_a_profile),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_golden_file),
	};

	return cmocka_run_group_tests_name("profile_io", tests, setup, teardown);
}
