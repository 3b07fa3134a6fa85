/* sources — join the DWARF symbolizer to a profile's names: one lookup
 * per unique vmlinux or module address, never per sample; for modules,
 * one file opened per module, and the notes that say which modules got
 * lines and why the others did not.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/symbols/dwarf.h"
#include "dropprof/symbols/modules.h"
#include "dropprof/symbols/sources.h"
#include "dropprof/symbols/symmap.h"

static int attach(struct dp_symmap *m, uint64_t addr,
		  const struct dp_src_info *info, struct dp_sources_stats *st)
{
	struct dp_symmap_src *src;
	bool lines = false, inl = false;
	int err;

	if (!info->nr_frames)
		return 0;
	src = calloc(info->nr_frames, sizeof(*src));
	if (!src)
		return -ENOMEM;
	for (size_t i = 0; i < info->nr_frames; i++) {
		/* Borrowed from d, which outlives this call: set_src
		 * copies them and writes nothing through them (its
		 * struct's fields are not const because the map owns its
		 * own copies in the same struct). */
		src[i].function = (char *)info->frames[i].function;
		src[i].file = (char *)info->frames[i].file;
		src[i].line = info->frames[i].line;
		src[i].inlined = info->frames[i].inlined;
		lines = lines || (src[i].file && src[i].line);
		inl = inl || src[i].inlined;
	}
	err = dp_symmap_set_src(m, addr, src, info->nr_frames);
	free(src);
	if (err == -E2BIG)
		return 0;   /* deeper than any real inline chain: no lines */
	if (!err) {
		st->with_lines += lines;
		st->with_inline += inl;
	}
	return err;
}

int dp_sources_add(struct dp_symmap *m, struct dp_dwarf *d,
		   struct dp_sources_stats *st)
{
	struct dp_sources_stats none;
	struct dp_src_info *infos = NULL;
	uint64_t *addrs = NULL;
	size_t *which = NULL, n = 0;
	int err = 0;

	if (!st)
		st = &none;
	memset(st, 0, sizeof(*st));
	/* All of them in one call: the symbolizer's cost is per CU, not
	 * per address. */
	addrs = malloc((m->nr_addrs ? m->nr_addrs : 1) * sizeof(*addrs));
	which = malloc((m->nr_addrs ? m->nr_addrs : 1) * sizeof(*which));
	if (!addrs || !which) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < m->nr_addrs; i++) {
		const struct dp_symmap_entry *e = &m->addrs[i];

		if (e->module || !e->addr)
			continue;
		addrs[n] = e->addr - 1;
		which[n++] = i;
	}
	st->addrs = n;
	if (!n)
		goto out;
	infos = calloc(n, sizeof(*infos));
	if (!infos) {
		err = -ENOMEM;
		goto out;
	}
	err = dp_dwarf_resolve_many(d, addrs, n, infos);
	for (size_t k = 0; k < n && !err; k++) {
		struct dp_symmap_entry *e = &m->addrs[which[k]];
		const struct dp_src_info *info = &infos[k];

		if (!e->name && info->symbol) {
			/* The ELF knows the function's size: an offset far
			 * past its start is still inside it. */
			char *name = strdup(info->symbol);

			if (!name) {
				err = -ENOMEM;
				break;
			}
			e->name = name;
			e->offset = info->sym_offset + 1;
			st->named++;
		}
		err = attach(m, e->addr, info, st);
	}
out:
	if (infos)
		for (size_t k = 0; k < n; k++)
			dp_src_info_release(&infos[k]);
	free(infos);
	free(which);
	free(addrs);
	return err;
}

/* The modules named in the missing line, at most; the rest are counted. */
#define MAX_LISTED 8

struct mod_run {
	struct dp_symmap *m;
	struct dp_sources_stats *st;
	struct dp_strbuf *notes;
	struct dp_strbuf missing;  /* names without a file with DWARF */
	size_t nr_missing;
};

static int cmp_module(const void *a, const void *b, void *ctx)
{
	const struct dp_symmap *m = ctx;
	const struct dp_symmap_entry *x = &m->addrs[*(const size_t *)a];
	const struct dp_symmap_entry *y = &m->addrs[*(const size_t *)b];
	int c = strcmp(x->module, y->module);

	return c ? c : (x->addr > y->addr) - (x->addr < y->addr);
}

/* Lines for the entries idx[0..n) of one module from its file. */
static int resolve_module(struct mod_run *r, struct dp_dwarf *d,
			  const size_t *idx, size_t n)
{
	size_t lines = r->st->with_lines;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		struct dp_symmap_entry *e = &r->m->addrs[idx[i]];
		struct dp_src_info info;

		r->st->addrs++;
		/* The offset of a return address: the call is before it. */
		err = dp_dwarf_resolve_sym(d, e->name, e->offset - 1, &info);
		if (err == -ENOENT) {
			err = 0;
			continue;
		}
		if (!err)
			err = attach(r->m, e->addr, &info, r->st);
		dp_src_info_release(&info);
	}
	r->st->modules += r->st->with_lines > lines;
	return err;
}

static int one_module(struct mod_run *r, struct dp_modules *ms,
		      const size_t *idx, size_t n)
{
	const char *name = r->m->addrs[idx[0]].module;
	struct dp_strbuf why = DP_STRBUF_INIT;
	struct dp_dwarf *d = NULL;
	int err;

	err = dp_modules_open(ms, name, &d, &why);
	switch (err) {
	case DP_MODULE_OPENED:
		err = why.len ? dp_strbuf_addf(r->notes, "module '%s': %s\n", name, why.buf) : 0;
		if (!err)
			err = resolve_module(r, d, idx, n);
		break;
	case DP_MODULE_REFUSED:
		err = dp_strbuf_addf(r->notes, "module '%s': no source lines: %s\n",
				     name, why.buf);
		break;
	case DP_MODULE_NO_FILE:
	case DP_MODULE_NO_DWARF:
		err = 0;
		if (r->nr_missing < MAX_LISTED)
			err = dp_strbuf_addf(&r->missing, "%s%s",
					     r->nr_missing ? ", " : "", name);
		r->nr_missing++;
		break;
	default:
		break;
	}
	dp_dwarf_free(d);
	dp_strbuf_release(&why);
	return err;
}

static int note_missing(struct mod_run *r, const struct dp_modules_opts *o)
{
	const char *root = o->root ? o->root : "";

	if (!r->nr_missing)
		return 0;
	/* One line, however many: a kernel without debug packages is the
	 * usual case, and what to do is the same for every module. */
	return dp_strbuf_addf(r->notes,
			      "no source lines for %zu module%s (%s%s): no file with debug info in %s/usr/lib/debug/lib/modules/%s or %s/lib/modules/%s; install the kernel's debug package (linux-image-%s-dbg on Debian, kernel-debuginfo on Fedora)\n",
			      r->nr_missing, r->nr_missing > 1 ? "s" : "",
			      r->missing.buf, r->nr_missing > MAX_LISTED ? ", ..." : "",
			      root, o->release, root, o->release, o->release);
}

int dp_sources_add_modules(struct dp_symmap *m, const struct dp_modules_opts *o,
			   struct dp_sources_stats *st, struct dp_strbuf *notes)
{
	struct mod_run r = { .m = m, .notes = notes };
	struct dp_sources_stats none;
	struct dp_modules *ms = NULL;
	const char **names = NULL;
	size_t *idx = NULL, nr = 0, nr_names = 0, unresolved = 0;
	int err = 0;

	if (!st)
		st = &none;
	memset(st, 0, sizeof(*st));
	r.st = st;
	dp_strbuf_init(&r.missing);
	for (size_t i = 0; i < m->nr_addrs; i++) {
		const struct dp_symmap_entry *e = &m->addrs[i];

		nr += e->module && e->name && e->addr;
		unresolved += e->module && e->name && e->addr && !e->nr_src;
	}
	if (!nr)
		return 0;
	if (!o->release)
		return 0;      /* no tree to look in */
	if (!o->live) {
		if (!unresolved)
			return 0;
		return dp_strbuf_addf(notes, "%zu module address%s keep%s %s kallsyms name%s: module source lines are read when recording, on the machine that runs the kernel (dropprof record there saves them)\n",
				      unresolved, unresolved > 1 ? "es" : "",
				      unresolved > 1 ? "" : "s",
				      unresolved > 1 ? "their" : "its",
				      unresolved > 1 ? "s" : "");
	}

	idx = malloc(nr * sizeof(*idx));
	names = malloc(nr * sizeof(*names));
	if (!idx || !names) {
		err = -ENOMEM;
		goto out_free;
	}
	nr = 0;
	for (size_t i = 0; i < m->nr_addrs; i++) {
		const struct dp_symmap_entry *e = &m->addrs[i];

		if (e->module && e->name && e->addr)
			idx[nr++] = i;
	}
	qsort_r(idx, nr, sizeof(*idx), cmp_module, m);
	for (size_t i = 0; i < nr; i++)
		if (!i || strcmp(m->addrs[idx[i]].module, m->addrs[idx[i - 1]].module))
			names[nr_names++] = m->addrs[idx[i]].module;
	err = dp_modules_new(&ms, o, names, nr_names);
	for (size_t i = 0; i < nr && !err;) {
		size_t k = i + 1;

		while (k < nr && !strcmp(m->addrs[idx[k]].module, m->addrs[idx[i]].module))
			k++;
		err = one_module(&r, ms, idx + i, k - i);
		i = k;
	}
	if (!err)
		err = note_missing(&r, o);
	if (!err && st->with_lines)
		err = dp_strbuf_addf(notes, "source lines for %zu module address%s from %zu module%s (%zu with inlined frames)\n",
				     st->with_lines, st->with_lines > 1 ? "es" : "",
				     st->modules, st->modules > 1 ? "s" : "",
				     st->with_inline);
out_free:
	dp_modules_free(ms);
	dp_strbuf_release(&r.missing);
	free(names);
	free(idx);
	return err;
}
