/* report — turn a profile into the report model: group, sort, take shares
 * and rates, and resolve every name (reasons from the tracepoint format,
 * addresses from the symbol table) exactly once per unique value.
 * Ordering is total (count, then name, then address) so output is
 * deterministic for the same data.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/kernel/proto.h"
#include "dropprof/model/addr.h"
#include "dropprof/model/estimate.h"
#include "dropprof/model/report.h"
#include "dropprof/model/objects.h"
#include "dropprof/model/why.h"
#include "dropprof/profile/profile.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/util/strbuf.h"

struct builder {
	const struct dp_profile *prof;
	const struct dp_symmap *names;
	int oom;
};

static char *b_strdup(struct builder *b, const char *s)
{
	char *p;

	if (!s)
		return NULL;
	p = strdup(s);
	if (!p)
		b->oom = 1;
	return p;
}

static void *b_calloc(struct builder *b, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		b->oom = 1;
	return p;
}

static double ratio(uint64_t part, uint64_t whole)
{
	return whole ? (double)part / (double)whole : 0.0;
}

static char *reason_name(struct builder *b, uint64_t value)
{
	const char *name = dp_symmap_reason(b->names, value);
	char buf[48];

	if (!b->prof->has_reason)
		return b_strdup(b, "UNKNOWN");
	if (!name) {
		/* Not resolved when the map was built: say only the number. */
		snprintf(buf, sizeof(buf), "REASON_%llu", (unsigned long long)value);
		name = buf;
	}
	return b_strdup(b, name);
}

/* An address in one of the forms of model/addr.h, owned. */
static char *addr_name(struct builder *b, uint64_t addr,
		       enum dp_addr_style style)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;
	char *s = NULL;

	if (dp_addr_format(&sb, b->names, addr, style) == 0)
		s = dp_strbuf_detach(&sb);
	if (!s)
		b->oom = 1;
	dp_strbuf_release(&sb);
	return s;
}

static char *site_name(struct builder *b, uint64_t addr)
{
	return addr_name(b, addr, DP_ADDR_SITE);
}

static char *function_name(struct builder *b, uint64_t addr)
{
	return addr_name(b, addr, DP_ADDR_FUNCTION);
}

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static int cmp_u64_asc(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

/* ---- reasons and sites ---- */

struct site_row {            /* one (location, reason) cell, all CPUs */
	uint64_t addr, reason, count;
};

static int cmp_site_row(const void *pa, const void *pb)
{
	const struct site_row *a = pa, *b = pb;

	if (a->addr != b->addr)
		return cmp_u64_asc(a->addr, b->addr);
	return cmp_u64_asc(a->reason, b->reason);
}

static int cmp_reason(const void *pa, const void *pb)
{
	const struct dp_report_reason *a = pa, *b = pb;
	int c = cmp_u64_desc(a->count, b->count);

	return c ? c : strcmp(a->name, b->name);
}

static int cmp_site(const void *pa, const void *pb)
{
	const struct dp_report_site *a = pa, *b = pb;
	int c = cmp_u64_desc(a->count, b->count);

	return c ? c : cmp_u64_asc(a->addr, b->addr);
}

static int cmp_count(const void *pa, const void *pb)
{
	const struct dp_report_count *a = pa, *b = pb;
	int c = cmp_u64_desc(a->count, b->count);

	return c ? c : strcmp(a->name, b->name);
}

static struct site_row *collect_site_rows(struct builder *b, size_t *nr)
{
	const struct dp_keytab *t = &b->prof->sites;
	struct site_row *rows = b_calloc(b, t->nr_used, sizeof(*rows));
	size_t n = 0, m = 0;

	if (!rows)
		return NULL;
	for (const struct dp_keytab_entry *e = dp_keytab_next(t, NULL); e;
	     e = dp_keytab_next(t, e)) {
		const uint64_t *k = dp_keytab_key(t, e);

		rows[n].addr = k[0];
		rows[n].reason = k[1];
		rows[n].count = e->count;
		n++;
	}
	qsort(rows, n, sizeof(*rows), cmp_site_row);
	/* Sites are counted per CPU: one row per (location, reason). */
	for (size_t i = 0; i < n; i++) {
		if (m && rows[m - 1].addr == rows[i].addr &&
		    rows[m - 1].reason == rows[i].reason)
			rows[m - 1].count += rows[i].count;
		else
			rows[m++] = rows[i];
	}
	*nr = m;
	return rows;
}

static size_t fill_frames(struct builder *b, struct dp_report_frame *out,
			  uint64_t addr);
static void release_frames(struct dp_report_frame *f, size_t n);

/* A site's source line (its innermost frame's) and inlined frames. */
static void site_source(struct builder *b, struct dp_report_site *s,
			const struct dp_symmap_entry *sym)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;
	size_t n;

	if (!sym || !sym->nr_src)
		return;
	if (sym->src[0].file) {
		s->file = b_strdup(b, sym->src[0].file);
		s->line = sym->src[0].line;
		if (dp_strbuf_adds(&sb, sym->src[0].file) ||
		    (sym->src[0].line && dp_strbuf_addf(&sb, ":%u", sym->src[0].line)))
			b->oom = 1;
		else
			s->source = dp_strbuf_detach(&sb);
		dp_strbuf_release(&sb);
	}
	n = sym->nr_src - 1;   /* the last frame is the function itself */
	if (!n)
		return;
	s->inlined = b_calloc(b, sym->nr_src, sizeof(*s->inlined));
	if (!s->inlined)
		return;
	s->nr_inlined = n;
	fill_frames(b, s->inlined, s->addr);
	/* fill_frames wrote the function's own frame too: keep only the
	 * inlined ones. */
	free(s->inlined[n].text);
	free(s->inlined[n].function);
	free(s->inlined[n].file);
	memset(&s->inlined[n], 0, sizeof(s->inlined[n]));
}

static void build_sites(struct builder *b, struct dp_report *rep,
			const struct site_row *rows, size_t nr)
{
	size_t nsites = 0;

	for (size_t i = 0; i < nr; i++)
		if (i == 0 || rows[i].addr != rows[i - 1].addr)
			nsites++;
	rep->sites = b_calloc(b, nsites, sizeof(*rep->sites));
	if (!rep->sites)
		return;
	for (size_t i = 0; i < nr;) {
		struct dp_report_site *s = &rep->sites[rep->nr_sites++];
		const struct dp_symmap_entry *sym;
		size_t j = i;

		while (j < nr && rows[j].addr == rows[i].addr)
			j++;
		s->addr = rows[i].addr;
		s->site = site_name(b, s->addr);
		s->address = addr_name(b, s->addr, DP_ADDR_RAW);
		sym = dp_symmap_addr(b->names, s->addr);
		if (sym && sym->name) {
			s->function = b_strdup(b, sym->name);
			s->module = b_strdup(b, sym->module);
		}
		site_source(b, s, sym);
		s->reasons = b_calloc(b, j - i, sizeof(*s->reasons));
		if (!s->reasons)
			return;
		for (size_t k = i; k < j; k++) {
			s->reasons[s->nr_reasons].name = reason_name(b, rows[k].reason);
			s->reasons[s->nr_reasons].count = rows[k].count;
			if (!s->reasons[s->nr_reasons].name)
				return;
			s->nr_reasons++;
			s->count += rows[k].count;
		}
		qsort(s->reasons, s->nr_reasons, sizeof(*s->reasons), cmp_count);
		s->share = ratio(s->count, b->prof->drops);
		i = j;
	}
	qsort(rep->sites, rep->nr_sites, sizeof(*rep->sites), cmp_site);
}

static int cmp_cell_by_reason(const void *pa, const void *pb)
{
	/* Reason, then count (desc), then address: the first cell of each
	 * reason is its top site. */
	const struct site_row *a = pa, *b = pb;
	int c = cmp_u64_asc(a->reason, b->reason);

	if (!c)
		c = cmp_u64_desc(a->count, b->count);
	return c ? c : cmp_u64_asc(a->addr, b->addr);
}

static void build_reasons(struct builder *b, struct dp_report *rep,
			  struct site_row *cells, size_t nr)
{
	size_t nreasons = 0;

	qsort(cells, nr, sizeof(*cells), cmp_cell_by_reason);
	for (size_t i = 0; i < nr; i++)
		if (i == 0 || cells[i].reason != cells[i - 1].reason)
			nreasons++;
	rep->reasons = b_calloc(b, nreasons, sizeof(*rep->reasons));
	if (!rep->reasons)
		return;
	for (size_t i = 0; i < nr;) {
		struct dp_report_reason *r = &rep->reasons[rep->nr_reasons++];
		size_t j = i;

		r->value = cells[i].reason;
		r->name = reason_name(b, r->value);
		r->top_site = site_name(b, cells[i].addr);
		for (; j < nr && cells[j].reason == cells[i].reason; j++)
			r->count += cells[j].count;
		r->share = ratio(r->count, b->prof->drops);
		r->rate = b->prof->duration > 0 ?
			  (double)r->count / b->prof->duration : 0.0;
		if (!r->name)
			return;
		i = j;
	}
	qsort(rep->reasons, rep->nr_reasons, sizeof(*rep->reasons), cmp_reason);
}

/* ---- stacks ---- */

/* One report stack before naming: the estimates of every stratum that
 * share its reason and frames (a stack seen on two CPUs is one stack),
 * or its reason and site for the stacks of a site alone. */
struct stack_ref {
	const struct dp_estimate *e;   /* the first of its group */
	int site_only;                 /* UNSTACKED or UNSAMPLED */
	uint64_t samples, drops;
	bool exact;
	char *reason;                  /* resolved, owned until moved */
};

static int site_only(const struct dp_estimate *e)
{
	return e->kind != DP_EST_STACK;
}

/* Group order: reason value, stacks before site-only ones, frames (or
 * site, then what kind of site-only). */
static int cmp_group(const struct dp_estimate *a, const struct dp_estimate *b)
{
	int c = cmp_u64_asc(a->reason, b->reason);

	if (c)
		return c;
	if (site_only(a) != site_only(b))
		return site_only(a) - site_only(b);
	if (site_only(a)) {
		c = cmp_u64_asc(a->site, b->site);
		if (!c)
			c = (int)a->kind - (int)b->kind;
		return c ? c : cmp_u64_asc(a->unstacked, b->unstacked);
	}
	for (size_t i = 0; i < a->nr_ips && i < b->nr_ips; i++)
		if (a->ips[i] != b->ips[i])
			return cmp_u64_asc(a->ips[i], b->ips[i]);
	return cmp_u64_asc(a->nr_ips, b->nr_ips);
}

static int cmp_estimate_ptr(const void *pa, const void *pb)
{
	const struct dp_estimate *a = *(const struct dp_estimate *const *)pa;
	const struct dp_estimate *b = *(const struct dp_estimate *const *)pb;
	int c = cmp_group(a, b);

	return c ? c : (a < b ? -1 : a > b);
}

static int cmp_stack_ref(const void *pa, const void *pb)
{
	const struct stack_ref *a = pa, *b = pb;
	int c = cmp_u64_desc(a->drops, b->drops);

	if (c)
		return c;
	c = strcmp(a->reason, b->reason);
	return c ? c : cmp_group(a->e, b->e);
}

static const char *site_only_note(const struct dp_estimate *e)
{
	if (e->kind == DP_EST_UNSAMPLED)
		return "no stack sampled";
	return e->unstacked == DP_UNSTACKED_OVER_CAP ? "stacks over the cap" :
						      "no stack";
}

/* The frames of one address: its inlined frames (innermost first), then
 * its own frame, with the source line of each where the names have it. */
static size_t addr_frames(const struct dp_symmap *names, uint64_t addr)
{
	const struct dp_symmap_entry *e = dp_symmap_addr(names, addr);

	return e && e->nr_src ? e->nr_src : 1;
}

/* Writes addr_frames(addr) frames into out; returns that number. */
static size_t fill_frames(struct builder *b, struct dp_report_frame *out,
			  uint64_t addr)
{
	const struct dp_symmap_entry *e = dp_symmap_addr(b->names, addr);
	size_t n = e && e->nr_src ? e->nr_src : 1;

	for (size_t i = 0; i < n && !b->oom; i++) {
		const struct dp_symmap_src *src = e && e->nr_src ? &e->src[i] : NULL;
		struct dp_report_frame *f = &out[i];

		if (src && src->inlined) {
			const char *fn = src->function ? src->function : "[inlined]";

			f->text = b_strdup(b, fn);
			f->function = b_strdup(b, fn);
			f->inlined = true;
		} else {
			f->text = site_name(b, addr);
			f->function = function_name(b, addr);
		}
		if (src && src->file) {
			f->file = b_strdup(b, src->file);
			f->line = src->line;
		}
	}
	return n;
}

static void release_frames(struct dp_report_frame *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++) {
		free(f[i].text);
		free(f[i].function);
		free(f[i].file);
	}
	free(f);
}

static void fill_stack(struct builder *b, struct dp_report_stack *s,
		       struct stack_ref *ref)
{
	const struct dp_estimate *e = ref->e;
	size_t nf = 0;

	s->reason = ref->reason;
	ref->reason = NULL;
	s->count = ref->drops;
	s->samples = ref->samples;
	s->estimated = !ref->exact;
	s->share = ratio(s->count, b->prof->drops);
	if (site_only(e)) {
		char label[32];

		if (e->site) {
			s->note = b_strdup(b, site_only_note(e));
			nf = addr_frames(b->names, e->site);
			s->frames = b_calloc(b, nf, sizeof(*s->frames));
			if (s->frames)
				fill_frames(b, s->frames, e->site);
		} else {   /* files before 2.0 did not keep the site */
			nf = 1;
			snprintf(label, sizeof(label), "[%s]", site_only_note(e));
			s->frames = b_calloc(b, nf, sizeof(*s->frames));
			if (s->frames) {
				s->frames[0].text = b_strdup(b, label);
				s->frames[0].function = b_strdup(b, label);
			}
		}
		s->nr_frames = s->frames ? nf : 0;
		return;
	}
	for (size_t f = 0; f < e->nr_ips; f++)
		nf += addr_frames(b->names, e->ips[f]);
	s->frames = b_calloc(b, nf, sizeof(*s->frames));
	if (!s->frames)
		return;
	s->nr_frames = nf;
	nf = 0;
	for (size_t f = 0; f < e->nr_ips && !b->oom; f++)
		nf += fill_frames(b, s->frames + nf, e->ips[f]);
}

static void build_stacks(struct builder *b, struct dp_report *rep)
{
	struct dp_estimates est;
	const struct dp_estimate **order = NULL;
	struct stack_ref *refs = NULL;
	size_t n = 0;

	if (dp_estimate_stacks(b->prof, &est)) {
		b->oom = 1;
		return;
	}
	rep->stack_unplaced = est.unplaced;
	order = b_calloc(b, est.nr, sizeof(*order));
	refs = b_calloc(b, est.nr, sizeof(*refs));
	if (!order || !refs)
		goto out;
	for (size_t i = 0; i < est.nr; i++)
		order[i] = &est.v[i];
	qsort(order, est.nr, sizeof(*order), cmp_estimate_ptr);
	for (size_t i = 0; i < est.nr; i++) {
		const struct dp_estimate *e = order[i];

		if (!n || cmp_group(refs[n - 1].e, e)) {
			refs[n].e = e;
			refs[n].exact = true;
			refs[n].reason = reason_name(b, e->reason);
			if (!refs[n].reason)
				goto out;
			n++;
		}
		refs[n - 1].samples += e->samples;
		refs[n - 1].drops += e->drops;
		refs[n - 1].exact = refs[n - 1].exact && e->exact;
		if (!e->exact)
			rep->stacks_estimated = true;
	}
	qsort(refs, n, sizeof(*refs), cmp_stack_ref);
	rep->stacks = b_calloc(b, n, sizeof(*rep->stacks));
	for (size_t i = 0; rep->stacks && i < n && !b->oom; i++)
		fill_stack(b, &rep->stacks[rep->nr_stacks++], &refs[i]);
out:
	for (size_t i = 0; refs && i < n; i++)
		free(refs[i].reason);
	free(refs);
	free(order);
	dp_estimates_release(&est);
}

/* Folded lines: stacks that differ only in offsets become one line, so
 * each line is a unique (reason, function path); sorted by text. */
static int cmp_folded(const void *pa, const void *pb)
{
	const struct dp_report_folded *a = pa, *b = pb;

	return strcmp(a->stack, b->stack);
}

static char *folded_text(struct builder *b, const struct dp_report_stack *s)
{
	size_t len = strlen(s->reason) + 1;
	char *text, *p;

	for (size_t k = 0; k < s->nr_frames; k++) {
		if (!s->frames[k].function)
			return NULL;   /* out of memory while it was built */
		len += strlen(s->frames[k].function) + 1;
	}
	text = b_calloc(b, len, 1);
	if (!text)
		return NULL;
	p = stpcpy(text, s->reason);
	for (size_t k = s->nr_frames; k-- > 0;) {
		*p++ = ';';
		p = stpcpy(p, s->frames[k].function);
	}
	return text;
}

static void build_folded(struct builder *b, struct dp_report *rep)
{
	size_t n = 0, m = 0;

	rep->folded = b_calloc(b, rep->nr_stacks, sizeof(*rep->folded));
	if (!rep->folded)
		return;
	for (size_t i = 0; i < rep->nr_stacks; i++) {
		/* A stack whose estimate rounds to no drop has no line:
		 * flame graph tools want positive counts. */
		if (!rep->stacks[i].count)
			continue;
		rep->folded[n].stack = folded_text(b, &rep->stacks[i]);
		rep->folded[n].count = rep->stacks[i].count;
		if (!rep->folded[n].stack) {
			rep->nr_folded = n;
			return;
		}
		n++;
	}
	qsort(rep->folded, n, sizeof(*rep->folded), cmp_folded);
	for (size_t i = 0; i < n; i++) {
		if (m && !strcmp(rep->folded[m - 1].stack, rep->folded[i].stack)) {
			rep->folded[m - 1].count += rep->folded[i].count;
			free(rep->folded[i].stack);
			continue;
		}
		rep->folded[m++] = rep->folded[i];
	}
	rep->nr_folded = m;
}

/* ---- protocols and CPUs ---- */

static int cmp_proto(const void *pa, const void *pb)
{
	const struct dp_report_proto *a = pa, *b = pb;
	int c = cmp_u64_desc(a->count, b->count);

	return c ? c : cmp_u64_asc(a->value, b->value);
}

static void build_protos(struct builder *b, struct dp_report *rep)
{
	const struct dp_keytab *t = &b->prof->protos;

	rep->protos = b_calloc(b, t->nr_used, sizeof(*rep->protos));
	if (!rep->protos)
		return;
	for (const struct dp_keytab_entry *e = dp_keytab_next(t, NULL); e;
	     e = dp_keytab_next(t, e)) {
		struct dp_report_proto *p = &rep->protos[rep->nr_protos++];
		const char *name;
		char buf[16];

		p->value = dp_keytab_key(t, e)[0];
		p->count = e->count;
		p->share = ratio(p->count, b->prof->drops);
		name = dp_proto_name((uint16_t)p->value);
		if (!name) {
			snprintf(buf, sizeof(buf), "0x%04llx",
				 (unsigned long long)p->value);
			name = buf;
		}
		p->name = b_strdup(b, name);
	}
	qsort(rep->protos, rep->nr_protos, sizeof(*rep->protos), cmp_proto);
}

static void build_cpus(struct builder *b, struct dp_report *rep)
{
	const struct dp_profile *p = b->prof;

	rep->cpus = b_calloc(b, p->nr_cpu_slots, sizeof(*rep->cpus));
	if (!rep->cpus)
		return;
	for (size_t i = 0; i < p->nr_cpu_slots; i++) {
		struct dp_report_cpu *c;

		/* Every CPU recorded, and any other the kernel counted on. */
		if (!p->cpu_recorded[i] && !p->cpu_drops[i] && !p->cpu_lost[i] &&
		    !p->cpu_hits[i] && !p->cpu_offline[i])
			continue;
		c = &rep->cpus[rep->nr_cpu_rows++];
		c->cpu = (int)i;
		c->drops = p->cpu_drops[i];
		c->share = ratio(c->drops, p->drops);
		c->frees = p->cpu_frees[i];
		c->lost = p->cpu_lost[i];
		c->hits = p->cpu_hits[i];
		c->recovered = p->cpu_recovered[i];
		c->offline = p->cpu_offline[i];
		rep->hits += c->hits;
		rep->offline += c->offline;
	}
}

static void build_counters(struct builder *b, struct dp_report *rep)
{
	const struct dp_profile *p = b->prof;

	rep->counters = b_calloc(b, p->nr_counters, sizeof(*rep->counters));
	if (!rep->counters)
		return;
	/* Already in report order: drop-related first, then by size. */
	for (size_t i = 0; i < p->nr_counters && !b->oom; i++) {
		struct dp_report_counter *c = &rep->counters[rep->nr_counters++];

		c->row = p->counters[i];
		c->row.name = b_strdup(b, p->counters[i].name);
		c->rate = p->duration > 0 ? (double)c->row.delta / p->duration : 0.0;
	}
}

static char *scope_label(struct builder *b, const struct dp_scope *s)
{
	char *l = NULL;
	int n;

	switch (s->kind) {
	case DP_SCOPE_MACHINE:
		return b_strdup(b, "machine-wide");
	case DP_SCOPE_LEGACY:
		return b_strdup(b, "dropprof's namespace");
	case DP_SCOPE_PROCESS:
		n = s->pid ? asprintf(&l, "%s (pid %d %s)", s->name, (int)s->pid,
				      s->comm ? s->comm : "?") :
			     asprintf(&l, "%s", s->name);
		break;
	default:
		n = asprintf(&l, "netns %s", s->name);
		break;
	}
	if (n < 0) {
		b->oom = 1;
		return NULL;
	}
	return l;
}

static void build_scopes(struct builder *b, struct dp_report *rep)
{
	const struct dp_profile *p = b->prof;

	rep->netns_seen = p->netns_seen;
	rep->netns_hidden = p->netns_hidden;
	rep->scopes = b_calloc(b, p->nr_scopes + 1, sizeof(*rep->scopes));
	if (!rep->scopes)
		return;
	if (!p->nr_scopes && p->nr_counters) {
		/* Rows of no scope (a profile built by hand): dropprof's own. */
		struct dp_report_scope *r = &rep->scopes[rep->nr_scopes++];

		r->name = b_strdup(b, "own");
		r->kind = DP_SCOPE_LEGACY;
		r->flags = DP_SCOPE_OWN;
		r->label = b_strdup(b, "dropprof's namespace");
		r->nr_counters = p->nr_counters;
		for (size_t i = 0; i < rep->nr_counters; i++)
			rep->counters[i].row.scope = 0;
	}
	for (size_t i = 0; i < p->nr_scopes && !b->oom; i++) {
		const struct dp_scope *s = &p->scopes[i];
		struct dp_report_scope *r = &rep->scopes[rep->nr_scopes++];

		r->name = b_strdup(b, s->name);
		r->kind = s->kind;
		r->flags = s->flags;
		r->inode = s->inode;
		r->pid = s->pid;
		r->comm = b_strdup(b, s->comm);
		r->note = b_strdup(b, s->note);
		r->label = scope_label(b, s);
		r->nr_counters = s->nr_counters;
		r->settings = b_calloc(b, s->nr_settings, sizeof(*r->settings));
		for (size_t k = 0; r->settings && k < s->nr_settings; k++) {
			r->settings[r->nr_settings++] = (struct dp_setting){
				.name = b_strdup(b, s->settings[k].name),
				.value = b_strdup(b, s->settings[k].value),
				.state = s->settings[k].state,
			};
		}
		rep->has_settings = rep->has_settings || s->nr_settings;
	}
}

/* One note per line; empty lines dropped. */
static void split_notes(struct builder *b, struct dp_report *rep,
			const char *notes)
{
	size_t n = 0;

	if (!notes || !*notes)
		return;
	for (const char *p = notes; *p; p++)
		n += *p == '\n';
	rep->symbol_notes = b_calloc(b, n + 1, sizeof(char *));
	if (!rep->symbol_notes)
		return;
	for (const char *p = notes; *p && !b->oom;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len) {
			char *line = strndup(p, len);

			if (!line)
				b->oom = 1;
			else
				rep->symbol_notes[rep->nr_symbol_notes++] = line;
		}
		p += len + (end != NULL);
	}
}

int dp_report_build(struct dp_report *rep, const struct dp_profile *prof,
		    const struct dp_symmap *names, const struct dp_report_opts *o)
{
	struct builder b = { prof, names, 0 };
	struct site_row *rows;
	size_t nr = 0;

	memset(rep, 0, sizeof(*rep));
	rep->symbols_restricted = names->restricted;
	rep->tool_version = b_strdup(&b, DP_VERSION);
	rep->kernel = b_strdup(&b, prof->kernel);
	{
		char hex[2 * DP_BUILDID_MAX + 1];

		rep->kernel_buildid = b_strdup(&b, dp_buildid_hex(&names->kernel.buildid,
								 hex, sizeof(hex)));
	}
	rep->hostname = b_strdup(&b, prof->hostname);
	rep->cpu_list = b_strdup(&b, prof->cpu_list ? prof->cpu_list : "");
	rep->filter = b_strdup(&b, prof->filter ? prof->filter : "");
	rep->start_time = prof->start_time;
	rep->duration = prof->duration;
	rep->nr_cpus = dp_profile_nr_recorded_cpus(prof);
	rep->drops = prof->drops;
	rep->drop_rate = prof->duration > 0 ?
			 (double)prof->drops / prof->duration : 0.0;
	rep->frees_known = prof->frees_known;
	rep->frees = prof->frees;
	rep->drop_share = ratio(prof->drops, prof->drops + prof->frees);
	rep->lost = prof->lost;
	rep->hits_known = prof->hits_known;
	rep->recovered = prof->recovered;
	rep->cpus_added = prof->cpus_added;
	rep->throttled = prof->throttled;
	rep->bad_records = prof->bad_records;
	rep->no_stack = prof->no_stack;
	rep->stacks_other = prof->stacks_other;
	rep->stack_samples = prof->stack_samples;
	rep->stack_lost = prof->stack_lost;
	rep->stack_period_max = prof->stack_period_max;
	rep->stack_budget = prof->stack_budget;
	rep->all_stacks = prof->all_stacks;
	rep->has_reason = prof->has_reason;
	rep->has_sources = names->nr_src > 0;
	rep->top_n = o->top_n;
	split_notes(&b, rep, o->symbol_notes);

	rows = collect_site_rows(&b, &nr);
	if (rows) {
		build_sites(&b, rep, rows, nr);
		build_reasons(&b, rep, rows, nr);
		free(rows);
	}
	build_stacks(&b, rep);
	if (!b.oom)
		build_folded(&b, rep);
	build_protos(&b, rep);
	build_cpus(&b, rep);
	build_counters(&b, rep);
	build_scopes(&b, rep);
	if (!b.oom && dp_report_build_objects(rep, prof))
		b.oom = 1;
	if (!b.oom && dp_report_build_why(rep))
		b.oom = 1;
	if (b.oom) {
		dp_report_release(rep);
		return -ENOMEM;
	}
	return 0;
}

static void free_strv(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void dp_report_release(struct dp_report *rep)
{
	free(rep->tool_version);
	free(rep->kernel);
	free(rep->kernel_buildid);
	free(rep->hostname);
	free(rep->cpu_list);
	free(rep->filter);
	free_strv(rep->symbol_notes, rep->nr_symbol_notes);
	for (size_t i = 0; i < rep->nr_reasons; i++) {
		free(rep->reasons[i].name);
		free(rep->reasons[i].top_site);
	}
	free(rep->reasons);
	for (size_t i = 0; i < rep->nr_sites; i++) {
		struct dp_report_site *s = &rep->sites[i];

		free(s->site);
		free(s->source);
		free(s->file);
		release_frames(s->inlined, s->nr_inlined);
		free(s->address);
		free(s->function);
		free(s->module);
		for (size_t k = 0; k < s->nr_reasons; k++)
			free(s->reasons[k].name);
		free(s->reasons);
	}
	free(rep->sites);
	for (size_t i = 0; i < rep->nr_stacks; i++) {
		free(rep->stacks[i].reason);
		free(rep->stacks[i].note);
		release_frames(rep->stacks[i].frames, rep->stacks[i].nr_frames);
	}
	free(rep->stacks);
	for (size_t i = 0; i < rep->nr_folded; i++)
		free(rep->folded[i].stack);
	free(rep->folded);
	for (size_t i = 0; i < rep->nr_protos; i++)
		free(rep->protos[i].name);
	free(rep->protos);
	free(rep->cpus);
	for (size_t i = 0; i < rep->nr_counters; i++)
		free(rep->counters[i].row.name);
	free(rep->counters);
	for (size_t i = 0; i < rep->nr_scopes; i++) {
		struct dp_report_scope *r = &rep->scopes[i];

		free(r->name);
		free(r->comm);
		free(r->note);
		free(r->label);
		for (size_t k = 0; k < r->nr_settings; k++) {
			free(r->settings[k].name);
			free(r->settings[k].value);
		}
		free(r->settings);
	}
	free(rep->scopes);
	dp_report_release_why(rep);
	dp_report_release_objects(rep);
	memset(rep, 0, sizeof(*rep));
}
