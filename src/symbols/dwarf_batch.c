/* dwarf_batch — many addresses of one open ELF resolved at once: the
 * engine behind dp_dwarf_resolve_many() and the single-address calls of
 * dwarf.h.
 *
 * The cost is per CU, not per address.  The addresses are grouped by CU
 * (libdwfl's aranges); each CU's line program is decoded once by
 * dwarf_line.c for all of them (libdw's dwarf_getsrclines would build,
 * sort and keep every row of it); its DIE tree is walked once by
 * dwarf_walk.c, which keeps the DIEs that hold an address with their
 * names and call sites; then each address's chain is read off those
 * nodes.  ELF symbols come from one index sorted by address (symidx.c),
 * built by the first batch, where dwfl_module_addrinfo() scanned the
 * whole symbol table on every call.
 *
 * A large batch uses a second thread for the work that touches bytes
 * only (the symbol index and the ELF symbols, then line programs) while
 * this one walks the DIEs with libdw, which is never called from two
 * threads at once; when the walks are done this thread decodes line
 * programs too, so that the two end together.
 *
 * Nothing is copied per address: the frames point to libdw's strings
 * and to the joined file names kept here (once per CU and file, in a few
 * large blocks), the symbols to libdwfl's string table; only each
 * address's frames array is its own.
 */
#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/symbols/dwarf_batch.h"
#include "dropprof/symbols/dwarf_walk.h"
#include "dropprof/util/strbuf.h"

/* The data of a section of the file libdw reads, by name (or its
 * GNU-compressed ".z" twin, which libdw has decompressed in place). */
static const Elf_Data *debug_section(Elf *elf, const char *name)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (n && (!strcmp(n, name) || (n[0] == '.' && n[1] == 'z' &&
						!strcmp(n + 2, name + 1))))
			return elf_getdata(scn, NULL);
	}
	return NULL;
}

void dp_dwarf_batch_init(struct dp_dwarf_batch *d, Dwfl *dwfl, Dwfl_Module *mod, Dwarf *dw)
{
	Elf *elf = dwarf_getelf(dw);
	const Elf_Data *data;

	memset(d, 0, sizeof(*d));
	d->dwfl = dwfl;
	d->mod = mod;
	d->dw = dw;
	if (!elf)
		return;
	d->line_secs.big_endian = elf_getident(elf, NULL) &&
				  elf_getident(elf, NULL)[EI_DATA] == ELFDATA2MSB;
	if ((data = debug_section(elf, ".debug_line")) && data->d_buf) {
		d->line = data->d_buf;
		d->line_size = data->d_size;
	}
	if ((data = debug_section(elf, ".debug_line_str")) && data->d_buf) {
		d->line_secs.line_str = data->d_buf;
		d->line_secs.line_str_size = data->d_size;
	}
	if ((data = debug_section(elf, ".debug_str")) && data->d_buf) {
		d->line_secs.str = data->d_buf;
		d->line_secs.str_size = data->d_size;
	}
}

/* ---- ELF symbols by address ------------------------------------------- */

/* What symidx.c indexes, read from libdwfl. */
struct sym_tables {
	struct dp_symidx_sym *syms;
	size_t nr;
	struct dp_symidx_scn *scns;
	size_t nscn;
};

/* The symbols and sections dwfl_module_addrinfo() would consider: read
 * once, where libdwfl scans the table on every call.  (The index itself
 * is built by the second thread of the first batch.) */
static int collect_addr_syms(struct dp_dwarf_batch *d, struct sym_tables *t)
{
	int n = dwfl_module_getsymtab(d->mod);
	struct dp_symidx_sym *syms = NULL;
	struct dp_symidx_scn *scns = NULL;
	size_t nr = 0, nscn = 0, cap = 0;
	GElf_Addr bias = 0;
	Elf *elf = dwfl_module_getelf(d->mod, &bias);
	Elf_Scn *scn = NULL;
	int ret = -ENOMEM;

	if (n > 1 && !(syms = calloc((size_t)n, sizeof(*syms))))
		goto out;
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name = dwfl_module_getsym_info(d->mod, i, &sym, &addr,
							   &shndx, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info);

		if (!name || !name[0] || sym.st_shndx == SHN_UNDEF ||
		    type == STT_SECTION || type == STT_FILE || type == STT_TLS)
			continue;
		syms[nr++] = (struct dp_symidx_sym){ addr, sym.st_size, name, shndx,
						     (uint8_t)GELF_ST_BIND(sym.st_info) };
	}
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (nscn == cap) {
			struct dp_symidx_scn *ns;

			cap = cap ? 2 * cap : 64;
			ns = realloc(scns, cap * sizeof(*scns));
			if (!ns)
				goto out;
			scns = ns;
		}
		scns[nscn++] = (struct dp_symidx_scn){ sh.sh_addr + bias, sh.sh_size,
						       (uint32_t)elf_ndxscn(scn) };
	}
	*t = (struct sym_tables){ syms, nr, scns, nscn };
	return 0;
out:
	free(syms);
	free(scns);
	return ret;
}

/* ---- one batch -------------------------------------------------------- */

#define NO_CU ((Dwarf_Off)-1)

/* One address of a batch. */
struct want {
	Dwarf_Off cu;              /* its CU's DIE, NO_CU when none */
	Dwarf_Addr a;              /* DWARF address */
	GElf_Addr e;               /* ELF address (libdwfl's) */
	size_t out;                /* index in the caller's array */
};

/* ---- file names, kept for the frames ---------------------------------- */

struct fname {
	Dwarf_Off cu;
	uint64_t idx;              /* in the CU's line program */
	const char *name;          /* NULL: an empty slot */
};

/* The strings live in large blocks: one allocation for many names, and
 * a few frees at the end instead of one per name. */
struct name_block {
	struct name_block *next;
	char data[];
};

#define NAME_BLOCK 65536

struct dp_file_names {
	struct fname *tab;         /* open addressing by (cu, idx), never
				      more than half full */
	size_t mask, nr;
	struct name_block *blocks;
	char *pos;                 /* free room of the newest block */
	size_t left;
};

static size_t fname_slot(const struct dp_file_names *t, Dwarf_Off cu, uint64_t idx)
{
	size_t i = (size_t)(((cu * 0x9e3779b97f4a7c15ULL) ^ (idx * 0xc2b2ae3d27d4eb4fULL)) >> 17) &
		   t->mask;

	while (t->tab[i].name && (t->tab[i].cu != cu || t->tab[i].idx != idx))
		i = (i + 1) & t->mask;
	return i;
}

static const char *fname_find(const struct dp_file_names *t, Dwarf_Off cu, uint64_t idx)
{
	return t->tab ? t->tab[fname_slot(t, cu, idx)].name : NULL;
}

static int fname_grow(struct dp_file_names *t)
{
	size_t oldn = t->tab ? t->mask + 1 : 0, n = oldn ? 2 * oldn : 256;
	struct fname *old = t->tab, *nt = calloc(n, sizeof(*nt));

	if (!nt)
		return -ENOMEM;
	t->tab = nt;
	t->mask = n - 1;
	for (size_t i = 0; i < oldn; i++)
		if (old[i].name)
			t->tab[fname_slot(t, old[i].cu, old[i].idx)] = old[i];
	free(old);
	return 0;
}

/* Keep a copy of name (len bytes) as the name of (cu, idx); NULL when
 * out of memory. */
static const char *fname_add(struct dp_file_names *t, Dwarf_Off cu, uint64_t idx,
			     const char *name, size_t len)
{
	char *s;

	if ((t->nr + 1) * 2 > (t->tab ? t->mask + 1 : 0) && fname_grow(t) < 0)
		return NULL;
	if (len + 1 > t->left) {
		size_t sz = len + 1 > NAME_BLOCK ? len + 1 : NAME_BLOCK;
		struct name_block *b = malloc(sizeof(*b) + sz);

		if (!b)
			return NULL;
		b->next = t->blocks;
		t->blocks = b;
		t->pos = b->data;
		t->left = sz;
	}
	s = t->pos;
	memcpy(s, name, len);
	s[len] = '\0';
	t->pos += len + 1;
	t->left -= len + 1;
	t->tab[fname_slot(t, cu, idx)] = (struct fname){ cu, idx, s };
	t->nr++;
	return s;
}

static void fname_free(struct dp_file_names *t)
{
	if (!t)
		return;
	while (t->blocks) {
		struct name_block *b = t->blocks;

		t->blocks = b->next;
		free(b);
	}
	free(t->tab);
	free(t);
}

/* ---- one batch -------------------------------------------------------- */

/* One CU of a batch: what its line decoding needs (pure bytes, so that it
 * can run in either thread) and what its DIE walk finds. */
struct cu_job {
	Dwarf_Die cu;
	Dwarf_Off cu_off;
	const struct want *wa;     /* its addresses, sorted */
	size_t n;
	const char *comp_dir;
	const uint8_t *unit;       /* its line program; NULL: none */
	size_t unit_size;
	Dwarf_Addr *a;             /* the addresses alone, for the decoder */
	struct dp_line_hit *hits;
	struct dp_line_prog prog;
	int line_ret;              /* 0 or -ENOMEM */
	struct dp_cu_walk w;
};

/* The work that touches bytes only, shared by the two threads: the
 * second one builds the symbol index while this one groups the
 * addresses by CU, then (go) does their symbols and takes line programs
 * to decode; this one takes them too once its DIE walks are done, so
 * that neither waits for the other long.  Never libdw (not meant to be
 * used from two threads at once). */
struct side_work {
	struct dp_dwarf_batch *d;
	struct sym_tables *tables; /* the symbol index to build, or NULL */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool go;                   /* what follows is set (under mu) */
	const struct want *wa;     /* every address of the batch */
	size_t nw;
	struct dp_src_info *out;   /* their symbols go here */
	struct cu_job *jobs;
	size_t nr;
	atomic_size_t next_job;    /* the next line program to take */
	int ret;                   /* the symbols': 0 or -ENOMEM */
};

/* Hand the batch over (nothing when nw and nr are 0: an error). */
static void side_go(struct side_work *lw)
{
	pthread_mutex_lock(&lw->mu);
	lw->go = true;
	pthread_cond_signal(&lw->cv);
	pthread_mutex_unlock(&lw->mu);
}

/* Decode line programs until none is left. */
static void take_line_jobs(struct side_work *lw)
{
	size_t i;

	while ((i = atomic_fetch_add(&lw->next_job, 1)) < lw->nr) {
		struct cu_job *j = &lw->jobs[i];

		/* A CU whose program cannot be read keeps its functions. */
		if (j->unit && dp_line_prog_load(&j->prog, j->unit, j->unit_size,
						 &lw->d->line_secs) == -ENOMEM)
			j->line_ret = -ENOMEM;
		/* Cut or corrupt: lines from it are not trusted. */
		if (dp_line_prog_lookup(&j->prog, j->a, j->n, j->hits) == -EINVAL)
			memset(j->hits, 0, j->n * sizeof(*j->hits));
	}
}

/* The symbol index when it is not built yet, then the ELF symbols of
 * the batch, then line programs. */
static void *side_work(void *arg)
{
	struct side_work *lw = arg;
	struct dp_dwarf_batch *d = lw->d;

	if (lw->tables) {
		if (dp_symidx_new(&d->addr_syms, lw->tables->syms, lw->tables->nr,
				  lw->tables->scns, lw->tables->nscn) < 0)
			lw->ret = -ENOMEM;
		else
			d->addr_syms_indexed = true;
	}
	pthread_mutex_lock(&lw->mu);
	while (!lw->go)
		pthread_cond_wait(&lw->cv, &lw->mu);
	pthread_mutex_unlock(&lw->mu);
	for (size_t i = 0; i < lw->nw && d->addr_syms; i++) {
		const struct dp_symidx_sym *s = dp_symidx_find(d->addr_syms, lw->wa[i].e);
		struct dp_src_info *o = &lw->out[lw->wa[i].out];

		if (!s)
			continue;
		o->symbol = s->name;
		o->sym_offset = lw->wa[i].e - s->addr;
		o->sym_size = s->size;
	}
	take_line_jobs(lw);
	return NULL;
}

/* The name of file idx of the CU's line program, joined once per CU and
 * index for the life of the handle (an inline chain names a few headers
 * again and again); NULL when none. */
static const char *file_name(struct dp_dwarf_batch *d, struct cu_job *j, uint64_t idx,
			     struct dp_strbuf *sb, int *nomem)
{
	const char *s = fname_find(d->file_names, j->cu_off, idx);
	int r;

	if (s)
		return s;
	r = dp_line_prog_file(&j->prog, idx, j->comp_dir, sb);
	if (r == -ENOMEM)
		*nomem = 1;
	if (r)
		return NULL;
	s = fname_add(d->file_names, j->cu_off, idx, sb->buf, sb->len);
	if (!s)
		*nomem = 1;
	return s;
}

static bool is_function(int tag)
{
	return tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram ||
	       tag == DW_TAG_entry_point;
}

/* The frames of address k of job j: innermost first, each inlined frame
 * at the position the next one out continues from, ending with the
 * function the code was compiled into.  Code no function DIE covers
 * (assembly) still gets its line.  Everything of the DIEs was read by
 * the walk: this is libdw-free. */
static int add_frames(struct dp_dwarf_batch *d, struct cu_job *j, size_t k,
		      struct dp_strbuf *sb, struct dp_src_info *info)
{
	const struct dp_line_hit *hit = &j->hits[k];
	const struct dp_walk_node *nodes = j->w.nodes;
	const char *file = NULL;
	uint32_t line = 0, column = 0;
	size_t nf = 0;
	int nomem = 0;

	for (int32_t n = j->w.inner[k]; n >= 0; n = nodes[n].parent) {
		if (!is_function(nodes[n].tag))
			continue;
		nf++;
		if (nodes[n].tag != DW_TAG_inlined_subroutine)
			break;
	}
	if (hit->found) {
		file = file_name(d, j, hit->file, sb, &nomem);
		line = hit->line;
		column = hit->column;
	}
	if (!nf && !file)
		return nomem ? -ENOMEM : 0;
	/* Exactly as many as there are: one allocation per address. */
	info->frames = malloc((nf ? nf : 1) * sizeof(*info->frames));
	if (!info->frames)
		return -ENOMEM;
	if (!nf) {
		info->frames[0] = (struct dp_src_frame){ NULL, file, line, column, false };
		info->nr_frames = 1;
		return nomem ? -ENOMEM : 0;
	}
	for (int32_t n = j->w.inner[k]; n >= 0 && info->nr_frames < nf; n = nodes[n].parent) {
		const struct dp_walk_node *nd = &nodes[n];

		if (!is_function(nd->tag))
			continue;
		info->frames[info->nr_frames++] = (struct dp_src_frame){
			nd->name, file, line, column, nd->tag == DW_TAG_inlined_subroutine
		};
		/* The caller goes on from the call site. */
		file = nd->has_call_file ? file_name(d, j, nd->call_file, sb, &nomem) : NULL;
		line = nd->call_line;
		column = nd->call_column;
	}
	return nomem ? -ENOMEM : 0;
}

/* What decoding a CU's lines needs, read from its DIE while libdw is
 * ours alone. */
static int prepare_job(struct dp_dwarf_batch *d, struct cu_job *j,
		       struct dp_origin_cache *oc)
{
	Dwarf_Attribute attr;
	Dwarf_Word stmt;

	j->a = malloc(j->n * sizeof(*j->a));
	j->hits = calloc(j->n, sizeof(*j->hits));
	if (!j->a || !j->hits)
		return -ENOMEM;
	for (size_t i = 0; i < j->n; i++)
		j->a[i] = j->wa[i].a;
	j->cu_off = j->wa[0].cu;
	j->w = (struct dp_cu_walk){ .a = j->a, .n = j->n, .oc = oc };
	if (!dwarf_offdie(d->dw, j->wa[0].cu, &j->cu)) {
		j->n = j->w.n = 0;      /* nothing to find in it */
		return 0;
	}
	j->comp_dir = dwarf_formstring(dwarf_attr(&j->cu, DW_AT_comp_dir, &attr));
	if (d->line && dwarf_formudata(dwarf_attr(&j->cu, DW_AT_stmt_list, &attr), &stmt) == 0 &&
	    stmt < d->line_size) {
		j->unit = d->line + stmt;
		j->unit_size = d->line_size - stmt;
	}
	return 0;
}

static void release_job(struct cu_job *j)
{
	dp_line_prog_release(&j->prog);
	dp_cu_walk_release(&j->w);
	free(j->hits);
	free(j->a);
}

/* Below this many addresses a second thread costs more than it saves. */
#define THREAD_MIN_ADDRS 256

/* The batch wa[0..nw) (sorted by CU, those in none last): symbols and
 * lines by the side work (lw; threaded: in the second thread, which
 * this joins) while this thread walks the DIE trees of the CUs, then
 * decodes lines too, then the frames. */
static int resolve_wants(struct dp_dwarf_batch *d, const struct want *wa, size_t nw,
			 struct side_work *lw, pthread_t *th, struct dp_src_info *out)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;
	struct dp_origin_cache oc = { 0 };
	struct cu_job *jobs = NULL;
	size_t nr = 0, ncu = 0;
	int ret = 0;

	if (!d->file_names && !(d->file_names = calloc(1, sizeof(*d->file_names))))
		ret = -ENOMEM;
	while (ncu < nw && wa[ncu].cu != NO_CU)
		ncu++;
	for (size_t i = 0; i < ncu; i++)
		nr += i == 0 || wa[i].cu != wa[i - 1].cu;
	if (ret == 0 && !(jobs = calloc(nr ? nr : 1, sizeof(*jobs))))
		ret = -ENOMEM;
	if (ret == 0)
		ret = dp_origin_cache_init(&oc, nw);
	for (size_t i = 0, j, k = 0; i < ncu && ret == 0; i = j, k++) {
		for (j = i + 1; j < ncu && wa[j].cu == wa[i].cu; j++)
			;
		jobs[k].wa = &wa[i];
		jobs[k].n = j - i;
		ret = prepare_job(d, &jobs[k], &oc);
	}
	if (ret == 0) {
		lw->wa = wa;
		lw->nw = nw;
		lw->out = out;
		lw->jobs = jobs;
		lw->nr = nr;
	}
	side_go(lw);
	if (!th)
		side_work(lw);
	for (size_t k = 0; k < nr && ret == 0; k++)
		ret = dp_cu_walk_run(&jobs[k].w, &jobs[k].cu);
	if (th) {
		/* Out of memory or not, the other thread's jobs must end. */
		take_line_jobs(lw);
		pthread_join(*th, NULL);
	}
	if (ret == 0)
		ret = lw->ret;
	for (size_t k = 0; k < nr && ret == 0; k++) {
		struct cu_job *j = &jobs[k];

		ret = j->line_ret;
		for (size_t i = 0; i < j->n && ret == 0; i++)
			ret = add_frames(d, j, i, &sb, &out[j->wa[i].out]);
	}
	for (size_t k = 0; jobs && k < nr; k++)
		release_job(&jobs[k]);
	free(jobs);
	dp_origin_cache_release(&oc);
	dp_strbuf_release(&sb);
	return ret;
}

static int cmp_want(const void *x, const void *y)
{
	const struct want *p = x, *q = y;

	if (p->cu != q->cu)
		return p->cu < q->cu ? -1 : 1;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return (p->out > q->out) - (p->out < q->out);
}

/* Resolve addrs[i] - shift (ELF addresses of libdwfl's layout) into
 * out[i]. */
int dp_dwarf_batch_resolve(struct dp_dwarf_batch *d, const uint64_t *addrs, size_t n,
			   uint64_t shift, struct dp_src_info *out)
{
	struct sym_tables tables = { 0 };
	struct side_work lw = { .d = d };
	struct want *wa;
	pthread_t th;
	bool threaded = false;
	size_t nw = 0;
	int ret = 0;

	memset(out, 0, n * sizeof(*out));
	if (!n)
		return 0;
	if (!d->addr_syms_indexed && (ret = collect_addr_syms(d, &tables)) < 0)
		return ret;
	lw.tables = d->addr_syms_indexed ? NULL : &tables;
	pthread_mutex_init(&lw.mu, NULL);
	pthread_cond_init(&lw.cv, NULL);
	atomic_init(&lw.next_job, 0);
	/* Started now: the symbol index is built while this thread finds
	 * the addresses' CUs. */
	if (n >= THREAD_MIN_ADDRS)
		threaded = pthread_create(&th, NULL, side_work, &lw) == 0;
	wa = malloc(n * sizeof(*wa));
	if (!wa) {
		ret = -ENOMEM;
		side_go(&lw);
		if (threaded)
			pthread_join(th, NULL);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		Dwarf_Addr e = addrs[i] - shift, cubias = 0;
		Dwarf_Die *cudie;

		if (!dwfl_addrmodule(d->dwfl, e))
			continue;
		cudie = dwfl_module_addrdie(d->mod, e, &cubias);
		wa[nw++] = (struct want){ cudie ? dwarf_dieoffset(cudie) : NO_CU,
					  e - cubias, e, i };
	}
	qsort(wa, nw, sizeof(*wa), cmp_want);
	ret = resolve_wants(d, wa, nw, &lw, threaded ? &th : NULL, out);
out:
	pthread_cond_destroy(&lw.cv);
	pthread_mutex_destroy(&lw.mu);
	free(wa);
	free(tables.syms);
	free(tables.scns);
	if (ret < 0)
		for (size_t i = 0; i < n; i++)
			dp_src_info_release(&out[i]);
	return ret;
}

void dp_dwarf_batch_release(struct dp_dwarf_batch *d)
{
	dp_symidx_free(d->addr_syms);
	d->addr_syms = NULL;
	d->addr_syms_indexed = false;
	fname_free(d->file_names);
	d->file_names = NULL;
}
