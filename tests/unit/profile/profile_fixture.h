/* profile_fixture — what the profile file tests (test_profile_*.c)
 * start from: a hand-built profile with every kind of entry (fixture
 * kallsyms and tracepoint format) and of scope (the machine, dropprof's
 * own namespace, a named one, one that went away, one that could not be
 * read, with their counters and settings), encoded once, and the checks
 * a decoded profile must pass.  Include after cmocka.h.
 */
#ifndef DROPPROF_TEST_PROFILE_FIXTURE_H
#define DROPPROF_TEST_PROFILE_FIXTURE_H

#define DP_BUILDER_ASSERT(c) assert_true(c)

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/kernel/skb_fields.h"
#include "dropprof/kernel/tp_format.h"
#include "dropprof/model/report.h"
#include "dropprof/output/output.h"
#include "dropprof/profile/names.h"
#include "dropprof/profile/profile.h"
#include "dropprof/profile/profile_io.h"
#include "dropprof/symbols/ksym.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/util/strbuf.h"
#include "dropprof/util/error.h"
#include "profile_builder.h"
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

struct fixture {
	struct dp_tp_format fmt;
	struct dp_ksyms *ks;
	struct dp_profile prof;
	struct dp_symmap names;
	unsigned char *file;         /* dp_profile_encode() of prof + names */
	size_t len;
	char *out[3];                /* text, JSON, folded of the original */
	char *tmpdir;
};

static const enum dp_format formats[3] = {
	DP_FORMAT_TEXT, DP_FORMAT_JSON, DP_FORMAT_FOLDED,
};

static inline void add(struct dp_profile *p, uint32_t cpu, uint32_t reason,
		       uint64_t loc, uint16_t proto, const uint64_t *ips,
		       size_t n, int times)
{
	struct dp_skb_fields f = { .location = loc, .reason = reason,
				   .protocol = proto };

	for (int i = 0; i < times; i++)
		assert_int_equal(dp_profile_add_drop_stack(p, cpu, &f, ips, n), 0);
}

/* One format of the report of (p, m), as a string. */
static inline char *render(const struct dp_profile *p, const struct dp_symmap *m,
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
static inline void assert_one_line(const char *err)
{
	if (!err[0] || strchr(err, '\n'))
		fail_msg("error message is not one non-empty line: '%s'", err);
}

static inline void assert_mentions(const char *err, const char *want)
{
	if (want && !strstr(err, want))
		fail_msg("error '%s' does not mention '%s'", err, want);
}

/* "On failure nothing is left to release." */
static inline void assert_nothing_held(const struct dp_profile *p,
				       const struct dp_symmap *m)
{
	assert_null(p->cpu_drops);
	assert_null(p->cpu_lost);
	assert_null(p->cpu_frees);
	assert_null(p->cpu_recorded);
	assert_null(p->cpu_hits);
	assert_null(p->cpu_recovered);
	assert_null(p->cpu_offline);
	assert_null(p->cpu_list);
	assert_null(p->filter);
	assert_null(p->counters);
	assert_null(p->scopes);
	assert_int_equal(p->nr_scopes, 0);
	assert_null(p->stacks.slots);
	assert_null(p->stacks.arena);
	assert_null(p->sites.slots);
	assert_null(p->protos.slots);
	assert_null(p->unstacked.slots);
	assert_null(m->addrs);
	assert_null(m->reasons);
}

/* Decode must fail with ret and one line that mentions want. */
static inline void expect_reject(const unsigned char *buf, size_t len, int ret,
				 const char *want)
{
	struct dp_profile p;
	struct dp_symmap m;
	struct dp_err err = DP_ERR_INIT;
	int got = dp_profile_decode(buf, len, &p, &m, &err);

	if (got != ret)
		fail_msg("decode returned %d (want %d), error '%s'", got, ret, dp_err_msg(&err));
	assert_one_line(dp_err_msg(&err));
	assert_mentions(dp_err_msg(&err), want);
	assert_nothing_held(&p, &m);
	dp_err_release(&err);
}

/* Decode must succeed. */
static inline void expect_load(const unsigned char *buf, size_t len,
			       struct dp_profile *p, struct dp_symmap *m)
{
	struct dp_err err = DP_ERR_INIT;

	if (dp_profile_decode(buf, len, p, m, &err))
		fail_msg("decode failed: %s", dp_err_msg(&err));
	dp_err_release(&err);
}

/* The payload wrapped in a valid header and CRC of version major.minor
 * must be refused with an error line that mentions want.  The payload is
 * released. */
static inline void expect_payload_reject_as(struct payload *pl, unsigned major,
					    unsigned minor, const char *want)
{
	struct tbuf file;

	payload_file(pl, major, minor, &file);
	expect_reject(file.p, file.len, -EINVAL, want);
	tfree(&file);
	payload_free(pl);
}

/* The same as this reader's version (2.0 payloads). */
static inline void expect_payload_reject(struct payload *pl, const char *want)
{
	expect_payload_reject_as(pl, DP_PROFILE_MAJOR, DP_PROFILE_MINOR, want);
}

/* A 1.1 file (1.x payloads). */
static inline void expect_v1_reject(struct payload *pl, const char *want)
{
	expect_payload_reject_as(pl, 1, 1, want);
}

/* A decoded profile holds together: the totals it reports agree with
 * each other, as the decoder's checks promise, and every output works. */
static inline void check_sane(const struct dp_profile *p, const struct dp_symmap *m)
{
	struct dp_report_opts o = { .top_n = 5 };
	struct dp_report rep;
	uint64_t reasons = 0, folded = 0, stacks = 0, samples = 0, cpus = 0;
	FILE *f = fopen("/dev/null", "w");

	assert_non_null(f);
	assert_int_equal(dp_report_build(&rep, p, m, &o), 0);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(dp_out_write(&rep, formats[i], f), 0);
	for (size_t i = 0; i < rep.nr_reasons; i++)
		reasons += rep.reasons[i].count;
	for (size_t i = 0; i < rep.nr_folded; i++)
		folded += rep.folded[i].count;
	for (size_t i = 0; i < rep.nr_stacks; i++) {
		stacks += rep.stacks[i].count;
		samples += rep.stacks[i].samples;
	}
	for (size_t i = 0; i < rep.nr_cpu_rows; i++)
		cpus += rep.cpus[i].drops;
	assert_int_equal(reasons, p->drops);
	/* Stacks are weighted to the exact drops of their strata: whatever
	 * was sampled, they add up to the drops (a stratum without a sample
	 * shows at its site).  A sample whose share rounds to no drop, or
	 * whose drops were lost, is behind no row. */
	assert_int_equal(folded, p->drops);
	assert_int_equal(stacks, p->drops);
	assert_true(samples + rep.stack_unplaced <= p->stack_samples);
	assert_int_equal(cpus, p->drops);
	assert_int_equal(rep.drops, p->drops);
	dp_report_release(&rep);
	fclose(f);
}

/* key's entry in t, or NULL (a walk: the tables of the tests are small). */
static inline const struct dp_keytab_entry *
keytab_find(const struct dp_keytab *t, const uint64_t *key, uint32_t len)
{
	for (const struct dp_keytab_entry *e = dp_keytab_next(t, NULL); e;
	     e = dp_keytab_next(t, e))
		if (e->key_len == len &&
		    !memcmp(dp_keytab_key(t, e), key, len * sizeof(*key)))
			return e;
	return NULL;
}

/* The weight of key's entry in t, 0 when absent. */
static inline uint64_t keytab_weight(const struct dp_keytab *t,
				     const uint64_t *key, uint32_t len)
{
	const struct dp_keytab_entry *e = keytab_find(t, key, len);

	return e ? e->weight : 0;
}

/* The same keys with the same counts and weights. */
static inline void assert_same_keytab(const struct dp_keytab *a,
				      const struct dp_keytab *b)
{
	assert_int_equal(a->nr_used, b->nr_used);
	for (const struct dp_keytab_entry *e = dp_keytab_next(a, NULL); e;
	     e = dp_keytab_next(a, e)) {
		const struct dp_keytab_entry *f =
			keytab_find(b, dp_keytab_key(a, e), e->key_len);

		assert_non_null(f);
		assert_int_equal(f->count, e->count);
		assert_int_equal(f->weight, e->weight);
	}
}

static inline void assert_same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* The recording but its counters and scopes. */
static inline void assert_same_recording(const struct dp_profile *a,
					 const struct dp_profile *b)
{
	assert_string_equal(a->kernel, b->kernel);
	assert_string_equal(a->hostname, b->hostname);
	assert_same_str(a->cpu_list, b->cpu_list);
	assert_int_equal(a->start_time, b->start_time);
	assert_true(a->duration == b->duration);
	assert_int_equal(a->has_reason, b->has_reason);
	assert_int_equal(a->frees_known, b->frees_known);
	assert_int_equal(a->drops, b->drops);
	assert_int_equal(a->frees, b->frees);
	assert_int_equal(a->lost, b->lost);
	assert_int_equal(a->hits_known, b->hits_known);
	assert_int_equal(a->recovered, b->recovered);
	assert_int_equal(a->cpus_added, b->cpus_added);
	assert_int_equal(a->throttled, b->throttled);
	assert_int_equal(a->bad_records, b->bad_records);
	assert_int_equal(a->no_stack, b->no_stack);
	assert_int_equal(a->stacks_other, b->stacks_other);
	assert_int_equal(a->stack_samples, b->stack_samples);
	assert_int_equal(a->stack_lost, b->stack_lost);
	assert_int_equal(a->stack_period_max, b->stack_period_max);
	assert_true(a->stack_budget == b->stack_budget);
	assert_int_equal(a->all_stacks, b->all_stacks);
	assert_same_str(a->filter, b->filter);
	assert_int_equal(a->nr_cpu_slots, b->nr_cpu_slots);
	for (size_t i = 0; i < a->nr_cpu_slots; i++) {
		assert_int_equal(a->cpu_recorded[i], b->cpu_recorded[i]);
		assert_int_equal(a->cpu_drops[i], b->cpu_drops[i]);
		assert_int_equal(a->cpu_frees[i], b->cpu_frees[i]);
		assert_int_equal(a->cpu_lost[i], b->cpu_lost[i]);
		assert_int_equal(a->cpu_hits[i], b->cpu_hits[i]);
		assert_int_equal(a->cpu_recovered[i], b->cpu_recovered[i]);
		assert_int_equal(a->cpu_offline[i], b->cpu_offline[i]);
	}
	assert_same_keytab(&a->stacks, &b->stacks);
	assert_same_keytab(&a->sites, &b->sites);
	assert_same_keytab(&a->protos, &b->protos);
	assert_same_keytab(&a->unstacked, &b->unstacked);
	assert_int_equal(a->stack_strata, b->stack_strata);
}

/* n counter rows of a from ra on are b's from rb on. */
static inline void assert_same_rows(const struct dp_profile *a, size_t ra,
				    const struct dp_profile *b, size_t rb,
				    size_t n)
{
	assert_true(ra + n <= a->nr_counters);
	assert_true(rb + n <= b->nr_counters);
	for (size_t i = 0; i < n; i++) {
		const struct dp_counter_row *x = &a->counters[ra + i];
		const struct dp_counter_row *y = &b->counters[rb + i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->before, y->before);
		assert_int_equal(x->after, y->after);
		assert_int_equal(x->delta, y->delta);
		assert_int_equal(x->drop_related, y->drop_related);
	}
}

/* b holds the one scope a file without SCOP gets: dropprof's own
 * namespace (softnet machine-wide), every row its. */
static inline void assert_legacy_scope(const struct dp_profile *b)
{
	const struct dp_scope *s = &b->scopes[0];

	assert_int_equal(b->nr_scopes, b->nr_counters ? 1 : 0);
	assert_int_equal(b->netns_seen, 0);
	assert_int_equal(b->netns_hidden, 0);
	if (!b->nr_counters)
		return;
	assert_int_equal(s->kind, DP_SCOPE_LEGACY);
	assert_int_equal(s->flags, DP_SCOPE_OWN);
	assert_string_equal(s->name, "own");
	assert_int_equal(s->inode, 0);
	assert_int_equal(s->pid, 0);
	assert_null(s->comm);
	assert_null(s->note);
	assert_int_equal(s->first_counter, 0);
	assert_int_equal(s->nr_counters, b->nr_counters);
	assert_int_equal(s->nr_settings, 0);
	for (size_t i = 0; i < b->nr_counters; i++)
		assert_int_equal(b->counters[i].scope, 0);
}

/* The same scope: where, what became of it, its run of rows and its
 * settings. */
static inline void assert_same_scope(const struct dp_scope *x,
				     const struct dp_scope *y)
{
	assert_int_equal(x->kind, y->kind);
	assert_int_equal(x->flags, y->flags);
	assert_same_str(x->name, y->name);
	assert_int_equal(x->inode, y->inode);
	assert_int_equal(x->pid, y->pid);
	assert_same_str(x->comm, y->comm);
	assert_same_str(x->note, y->note);
	assert_int_equal(x->first_counter, y->first_counter);
	assert_int_equal(x->nr_counters, y->nr_counters);
	assert_int_equal(x->nr_settings, y->nr_settings);
	for (size_t k = 0; k < x->nr_settings; k++) {
		assert_string_equal(x->settings[k].name, y->settings[k].name);
		assert_int_equal(x->settings[k].state, y->settings[k].state);
		assert_same_str(x->settings[k].value, y->settings[k].value);
	}
}

/* The counter rows and the scopes they were read in.  Rows a holds in no
 * scope (added before the first: a profile made by hand) come back in
 * one legacy scope ahead of the others, as the writer puts them. */
static inline void assert_same_scopes(const struct dp_profile *a,
				      const struct dp_profile *b)
{
	size_t owned = 0, lead, first;

	assert_int_equal(a->nr_counters, b->nr_counters);
	assert_same_rows(a, 0, b, 0, a->nr_counters);
	assert_int_equal(a->netns_seen, b->netns_seen);
	assert_int_equal(a->netns_hidden, b->netns_hidden);
	for (size_t i = 0; i < a->nr_scopes; i++)
		owned += a->scopes[i].nr_counters;
	assert_true(owned <= a->nr_counters);
	lead = a->nr_counters - owned;
	first = lead ? 1 : 0;
	assert_int_equal(b->nr_scopes, a->nr_scopes + first);
	if (lead) {
		assert_int_equal(b->scopes[0].kind, DP_SCOPE_LEGACY);
		assert_int_equal(b->scopes[0].flags, DP_SCOPE_OWN);
		assert_string_equal(b->scopes[0].name, "own");
		assert_int_equal(b->scopes[0].first_counter, 0);
		assert_int_equal(b->scopes[0].nr_counters, lead);
	}
	for (size_t i = 0; i < a->nr_scopes; i++)
		assert_same_scope(&a->scopes[i], &b->scopes[i + first]);
	/* Every row names the scope whose run holds it. */
	for (size_t i = 0; i < b->nr_scopes; i++) {
		const struct dp_scope *s = &b->scopes[i];

		for (size_t k = 0; k < s->nr_counters; k++)
			assert_int_equal(b->counters[s->first_counter + k].scope, i);
	}
}

/* The recording itself (everything but the names). */
static inline void assert_same_data(const struct dp_profile *a,
				    const struct dp_profile *b)
{
	assert_same_recording(a, b);
	assert_same_scopes(a, b);
}

/* The names: symbols, source frames, reasons, the kernel's identity. */
static inline void assert_same_names(const struct dp_symmap *ma,
				     const struct dp_symmap *mb)
{
	assert_int_equal(ma->restricted, mb->restricted);
	assert_int_equal(ma->nr_addrs, mb->nr_addrs);
	assert_int_equal(ma->nr_src, mb->nr_src);
	for (size_t i = 0; i < ma->nr_addrs; i++) {
		const struct dp_symmap_entry *x = &ma->addrs[i];
		const struct dp_symmap_entry *y = dp_symmap_addr(mb, x->addr);

		assert_non_null(y);
		assert_same_str(x->name, y->name);
		assert_same_str(x->module, y->module);
		assert_int_equal(x->offset, y->offset);
		assert_int_equal(x->nr_src, y->nr_src);
		for (size_t k = 0; k < x->nr_src; k++) {
			assert_same_str(x->src[k].function, y->src[k].function);
			assert_same_str(x->src[k].file, y->src[k].file);
			assert_int_equal(x->src[k].line, y->src[k].line);
			assert_int_equal(x->src[k].inlined, y->src[k].inlined);
		}
	}
	assert_int_equal(ma->nr_reasons, mb->nr_reasons);
	for (size_t i = 0; i < ma->nr_reasons; i++)
		assert_same_str(ma->reasons[i].name,
				dp_symmap_reason(mb, ma->reasons[i].value));
	assert_int_equal(ma->kernel.buildid.len, mb->kernel.buildid.len);
	assert_memory_equal(ma->kernel.buildid.id, mb->kernel.buildid.id,
			    ma->kernel.buildid.len);
	assert_int_equal(ma->kernel.stext, mb->kernel.stext);
	assert_int_equal(ma->kernel.text, mb->kernel.text);
}

static inline void assert_same_profile(const struct dp_profile *a,
				       const struct dp_symmap *ma,
				       const struct dp_profile *b,
				       const struct dp_symmap *mb)
{
	assert_same_data(a, b);
	assert_same_names(ma, mb);
}

/* Scopes of the fixture, in the order they are added (and saved). */
enum {
	FIX_MACHINE,     /* softnet, net.core.netdev_max_backlog */
	FIX_ROOT,        /* dropprof's: the rows of every older fixture file */
	FIX_NAMED,       /* "dl-x-b", appeared during the recording */
	FIX_VANISHED,    /* a process's namespace that went away */
	FIX_UNREAD,      /* one that could not be read: a note */
	FIX_NR_SCOPES
};
/* FIX_ROOT's run of rows: the four counters every older fixture file
 * (1.0, 1.1, 2.0) holds, in the same order. */
#define FIX_ROOT_FIRST 1
#define FIX_ROOT_ROWS 4

/* Append a scope to p; its counters are the next ones added. */
static inline struct dp_scope *fixture_scope(struct dp_profile *p,
					     enum dp_scope_kind kind,
					     unsigned flags, const char *name,
					     uint64_t inode, int32_t pid,
					     const char *comm, const char *note)
{
	struct dp_scope s = { .kind = kind, .flags = flags, .inode = inode,
			      .pid = pid };
	int idx;

	s.name = strdup(name);
	s.comm = comm ? strdup(comm) : NULL;
	s.note = note ? strdup(note) : NULL;
	assert_non_null(s.name);
	idx = dp_profile_add_scope(p, &s);
	assert_true(idx >= 0);
	return &p->scopes[idx];
}

/* Where the fixture's counters were read, and the settings read there:
 * a value with spaces, an absent setting, an unreadable one, settings
 * added out of order (the scope keeps them sorted) and one replaced; the
 * same counter name in two namespaces. */
static inline void fixture_scopes(struct dp_profile *p)
{
	struct dp_scope *s;

	p->netns_seen = 6;
	p->netns_hidden = 2;
	s = fixture_scope(p, DP_SCOPE_MACHINE, 0, "machine", 0, 0, NULL, NULL);
	assert_int_equal(dp_scope_set_setting(s, "net.core.netdev_max_backlog",
					      DP_SETTING_VALUE, "1000"), 0);
	assert_int_equal(dp_profile_add_counter(p, "softnet:cpu0:dropped", 10, 13, 3, true), 0);

	s = fixture_scope(p, DP_SCOPE_ROOT, DP_SCOPE_OWN, "root", 4026531840ULL,
			  1, "systemd", NULL);
	assert_int_equal(dp_scope_set_setting(s, "net.netfilter.nf_conntrack_tcp_be_liberal",
					      DP_SETTING_UNREADABLE, NULL), 0);
	assert_int_equal(dp_scope_set_setting(s, "net.netfilter.nf_conntrack_max",
					      DP_SETTING_VALUE, "65536"), 0);
	assert_int_equal(dp_scope_set_setting(s, "net.ipv4.udp_mem", DP_SETTING_VALUE,
					      "4096 131072 6291456"), 0);
	/* vb1 is dl-x-b's: no such setting here. */
	assert_int_equal(dp_scope_set_setting(s, "net.ipv4.conf.vb1.rp_filter",
					      DP_SETTING_ABSENT, NULL), 0);
	assert_int_equal(dp_scope_set_setting(s, "net.netfilter.nf_conntrack_max",
					      DP_SETTING_VALUE, "262144"), 0);
	assert_int_equal(s->nr_settings, 4);
	assert_int_equal(dp_profile_add_counter(p, "UdpNoPorts", 100, 107, 7, true), 0);
	assert_int_equal(dp_profile_add_counter(p, "IpInReceives", 1000, 1500, 500, false), 0);
	assert_int_equal(dp_profile_add_counter(p, "TcpCurrEstab", 5, 3, -2, false), 0);
	/* A 32-bit counter that wrapped: the delta is not after - before. */
	assert_int_equal(dp_profile_add_counter(p, "InOctets", 4294967290ULL, 5, 11, false), 0);

	s = fixture_scope(p, DP_SCOPE_NAMED, DP_SCOPE_APPEARED, "dl-x-b",
			  4026532301ULL, 4242, "iperf3", NULL);
	assert_int_equal(dp_scope_set_setting(s, "net.ipv4.conf.vb1.rp_filter",
					      DP_SETTING_VALUE, "1"), 0);
	assert_int_equal(dp_scope_set_setting(s, "net.netfilter.nf_conntrack_tcp_be_liberal",
					      DP_SETTING_VALUE, "0"), 0);
	assert_int_equal(dp_profile_add_counter(p, "UdpNoPorts", 0, 5, 5, true), 0);
	assert_int_equal(dp_profile_add_counter(p, "dev:vb1:rx_drop", 0, 2, 2, true), 0);

	fixture_scope(p, DP_SCOPE_PROCESS, DP_SCOPE_VANISHED, "netns:[4026532400]",
		      4026532400ULL, 3100, "unshare", NULL);
	fixture_scope(p, DP_SCOPE_PROCESS, DP_SCOPE_UNREAD, "netns:[4026532500]",
		      4026532500ULL, 3200, "sleep",
		      "not read at the end: cannot open it: permission denied (run as root)");
	assert_int_equal(p->nr_scopes, FIX_NR_SCOPES);
	assert_int_equal(p->scopes[FIX_ROOT].first_counter, FIX_ROOT_FIRST);
	assert_int_equal(p->scopes[FIX_ROOT].nr_counters, FIX_ROOT_ROWS);
}

/* Four CPU slots, CPU 2 offline; every kind of entry; drops lost on
 * CPU 1 and recovered on CPU 3; a cap of 6 unique stacks so the last drop
 * lands in "stacks over the cap"; counters of five scopes.  A stack with
 * every drop (weight 1): test_profile_roundtrip.c's sampled profiles
 * carry other weights. */
static inline void fixture_profile(struct dp_profile *p)
{
	const uint64_t udp_a[] = { UDP_RCV + 0x20, IP_RCV + 0x5, STEXT + 0x40 };
	const uint64_t udp_b[] = { UDP_RCV + 0x20, IP_RCV + 0x8, STEXT + 0x40 };
	const uint64_t nft[] = { NFT_DO_CHAIN + 0x30, IP_RCV + 0x5, STEXT + 0x40 };
	const uint64_t other[] = { IP_RCV_CORE + 0x40, IP_RCV + 0x5 };
	const uint64_t late[] = { UDP_RCV + 0x24, IP_RCV + 0x5 };

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
	assert_int_equal(dp_profile_set_cpu_list(p, "0-1,3"), 0);

	add(p, 0, 3, UDP_RCV + 0x20, 0x0800, udp_a, 3, 5);      /* NO_SOCKET */
	add(p, 1, 3, UDP_RCV + 0x20, 0x0800, udp_b, 3, 2);
	add(p, 0, 12, NFT_DO_CHAIN + 0x30, 0x86DD, nft, 3, 3);  /* module frame */
	add(p, 1, 13, IP_RCV_CORE + 0x40, 0x0800, other, 2, 2); /* OTHERHOST */
	add(p, 3, 14, IP_RCV_CORE + 0x40, 0x0800, other, 2, 1); /* IP_CSUM */
	add(p, 0, 0x30005, IP_RCV_CORE + 0x50, 0x0806, NULL, 0, 1); /* subsystem, no stack */
	add(p, 0, 500, NOWHERE, 0x1234, other, 2, 1);           /* unknown reason and site */
	add(p, 1, 3, UDP_RCV + 0x24, 0x0800, late, 2, 1);       /* over the cap */
	assert_int_equal(p->stacks_other, 1);
	/* The recorder's reconciliation: hits = drops + lost per CPU; the
	 * IP_CSUM drop on CPU 3 came from the ftrace ring; CPU 3 went
	 * offline once and CPU 2's slot is a CPU that came online. */
	dp_test_add_lost(p, 1, 4);
	p->hits_known = true;
	p->cpu_hits[0] = 10;
	p->cpu_hits[1] = 9;
	p->cpu_hits[3] = 1;
	p->cpu_recovered[3] = 1;
	p->recovered = 1;
	p->cpu_offline[3] = 1;
	p->cpus_added = 1;
	fixture_scopes(p);
}

/* The 2.0 parts of the names (KERN, SRCL): the kernel's build-id and
 * text addresses, and source frames for three addresses: an inlined
 * frame and its outer function, a frame DWARF named no function of, a
 * plain one. */
static inline void fixture_names(struct dp_symmap *m)
{
	static const struct dp_symmap_src udp[] = {
		{ "__udp4_lib_lookup_skb", "net/ipv4/udp.c", 2470, true },
		{ "udp_rcv", "net/ipv4/udp.c", 2660, false },
	};
	static const struct dp_symmap_src nft[] = {
		{ NULL, "net/netfilter/nf_tables_core.c", 0, false },
	};
	static const struct dp_symmap_src ip[] = {
		{ "ip_rcv", "net/ipv4/ip_input.c", 560, false },
	};

	for (size_t i = 0; i < 20; i++)
		m->kernel.buildid.id[i] = (unsigned char)(0xa0 + i);
	m->kernel.buildid.len = 20;
	m->kernel.stext = STEXT;
	m->kernel.text = STEXT - 0x1000;
	assert_int_equal(dp_symmap_sort(m), 0);
	assert_int_equal(dp_symmap_set_src(m, UDP_RCV + 0x20, udp, 2), 0);
	assert_int_equal(dp_symmap_set_src(m, NFT_DO_CHAIN + 0x30, nft, 1), 0);
	assert_int_equal(dp_symmap_set_src(m, IP_RCV + 0x5, ip, 1), 0);
	assert_int_equal(m->nr_src, 3);
}

static inline int fixture_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	dp_test_load_format(&fx->fmt, "kfree_skb-6.18.format");
	assert_int_equal(dp_ksyms_load(&fx->ks, "tests/fixtures/ksym/kallsyms"), 0);
	fixture_profile(&fx->prof);
	assert_int_equal(dp_profile_names(&fx->names, &fx->prof, fx->ks, &fx->fmt), 0);
	fixture_names(&fx->names);
	assert_int_equal(dp_profile_encode(&fx->prof, &fx->names, &fx->file,
					   &fx->len), 0);
	for (size_t i = 0; i < 3; i++)
		fx->out[i] = render(&fx->prof, &fx->names, formats[i]);
	fx->tmpdir = dp_test_tmpdir();
	*state = fx;
	return 0;
}

static inline int fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	/* Tests check that they remove what they create; this only sweeps
	 * up after a test that failed half way. */
	dp_test_rmdir(fx->tmpdir);
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

#endif
