/* dwarf_batch — many addresses of one open ELF resolved at once: the
 * engine behind dp_dwarf_resolve_many() and the single-address calls of
 * dwarf.h.
 *
 * The cost is per CU, not per address.  The addresses are grouped by CU
 * (libdwfl's aranges); each CU's line program is decoded once by
 * dwarf_line.c for all of them (libdw's dwarf_getsrclines would build,
 * sort and keep every row of it); its DIE tree is walked once, top level
 * first, descending only into the functions, inlined copies and blocks
 * that hold one of the CU's addresses; then each address's chain is read
 * off the nodes the walk kept.  ELF symbols come from one index sorted by
 * address (symidx.c), built by the first batch, where
 * dwfl_module_addrinfo() scanned the whole symbol table on every call.
 *
 * A large batch uses a second thread for the work that touches bytes
 * only (the symbol index and the ELF symbols, the line programs)
 * while this one walks the DIEs with libdw, which is never called from
 * two threads at once.  The two halves take about as long.
 *
 * The inline chain is the one elfutils' addr2line -i prints: every DIE
 * that lexically contains the address, innermost first, where each
 * inlined_subroutine gives the position of its caller through
 * DW_AT_call_file/line/column.  addr2line gets it from dwarf_getscopes,
 * which leaks its array when an inlined instance's abstract_origin is
 * broken (elfutils 0.188, found by fuzz_notes); the walk here finds the
 * same DIEs, the first child holding an address at each level.
 */
#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/symbols/dwarf_batch.h"
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


/* What the frames need of a function's DIE, in one scan of its
 * attributes (dwarf_attr would scan them once for each). */
struct fn_attrs {
	const char *linkage, *name;
	Dwarf_Attribute origin, spec;
	bool has_origin, has_spec, has_call_file;
	uint64_t call_file, call_line, call_column;
};

static int grab_attr(Dwarf_Attribute *a, void *arg)
{
	struct fn_attrs *f = arg;
	Dwarf_Word v = 0;

	switch (dwarf_whatattr(a)) {
	case DW_AT_linkage_name:
		f->linkage = dwarf_formstring(a);
		break;
	case DW_AT_name:
		f->name = dwarf_formstring(a);
		break;
	case DW_AT_abstract_origin:
		f->origin = *a;
		f->has_origin = true;
		break;
	case DW_AT_specification:
		f->spec = *a;
		f->has_spec = true;
		break;
	case DW_AT_call_file:
		f->has_call_file = true;
		f->call_file = dwarf_formudata(a, &v) == 0 ? v : 0;
		break;
	case DW_AT_call_line:
		f->call_line = dwarf_formudata(a, &v) == 0 ? v : 0;
		break;
	case DW_AT_call_column:
		f->call_column = dwarf_formudata(a, &v) == 0 ? v : 0;
		break;
	default:
		break;
	}
	return DWARF_CB_OK;
}

static void fn_attrs_read(Dwarf_Die *die, struct fn_attrs *f)
{
	memset(f, 0, sizeof(*f));
	dwarf_getattrs(die, grab_attr, f, 0);
}

/* The names found along a chain from one DIE: the first linkage name
 * and the first name. */
struct chain_names {
	const char *linkage, *name;
};

/* The abstract origins of a batch's inlined copies, by DIE offset: an
 * inline helper is inlined in many places, and its DIE (and what it in
 * turn refers to) is read once. */
struct origin_cache {
	Dwarf_Off *keys;           /* 0: empty (no DIE is at offset 0) */
	struct chain_names *vals;
	size_t mask;
};

static int origin_cache_init(struct origin_cache *c, size_t expect)
{
	size_t n = 64;

	while (n < 2 * expect && n < ((size_t)1 << 24))
		n *= 2;
	c->keys = calloc(n, sizeof(*c->keys));
	c->vals = malloc(n * sizeof(*c->vals));
	c->mask = n - 1;
	return c->keys && c->vals ? 0 : -ENOMEM;
}

static void origin_cache_release(struct origin_cache *c)
{
	free(c->keys);
	free(c->vals);
}

/* The slot of off: its entry, or the empty slot for it (the table never
 * fills: when it is full the caller just does not cache). */
static size_t origin_slot(const struct origin_cache *c, Dwarf_Off off, bool *hit)
{
	size_t i = (size_t)((off * 0x9e3779b97f4a7c15ULL) >> 20) & c->mask;

	for (size_t probes = 0; probes <= c->mask; probes++, i = (i + 1) & c->mask) {
		if (c->keys[i] == off) {
			*hit = true;
			return i;
		}
		if (!c->keys[i]) {
			*hit = false;
			return i;
		}
	}
	*hit = false;
	return SIZE_MAX;
}

/* The names along the chain from die (f: its attributes) through
 * abstract_origin and specification, up to 17 DIEs as libdw follows. */
static struct chain_names chain_names(struct origin_cache *c, const struct fn_attrs *f,
				      int depth)
{
	struct chain_names r = { f->linkage, f->name }, up;
	const Dwarf_Attribute *ref = f->has_origin ? &f->origin :
				     f->has_spec ? &f->spec : NULL;
	Dwarf_Die mem;
	struct fn_attrs g;
	size_t slot;
	bool hit;

	if (r.linkage || !ref || depth >= 16 ||
	    !dwarf_formref_die((Dwarf_Attribute *)ref, &mem))
		return r;
	slot = origin_slot(c, dwarf_dieoffset(&mem), &hit);
	if (hit) {
		up = c->vals[slot];
	} else {
		fn_attrs_read(&mem, &g);
		up = chain_names(c, &g, depth + 1);
		/* The recursion may have filled the slot's neighbourhood. */
		slot = origin_slot(c, dwarf_dieoffset(&mem), &hit);
		if (slot != SIZE_MAX) {
			c->keys[slot] = dwarf_dieoffset(&mem);
			c->vals[slot] = up;
		}
	}
	if (up.linkage)
		r.linkage = up.linkage;
	if (!r.name)
		r.name = up.name;
	return r;
}

/* The name a function is known by: its linkage name when it has one (as
 * addr2line prints it), else its name, through abstract_origin and
 * specification, as dwarf_attr_integrate() finds each. */
static const char *die_name(struct origin_cache *c, const struct fn_attrs *f)
{
	struct chain_names r = chain_names(c, f, 0);

	return r.linkage ? r.linkage : r.name;
}

static char *dup_or_null(const char *s, int *nomem)
{
	char *c;

	if (!s)
		return NULL;
	c = strdup(s);
	if (!c)
		*nomem = 1;
	return c;
}

static int push_frame(struct dp_src_info *info, size_t *cap, const char *function,
		      const char *file, uint32_t line, uint32_t column, bool inlined)
{
	struct dp_src_frame *f;
	int nomem = 0;

	if (info->nr_frames == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;

		f = realloc(info->frames, ncap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		info->frames = f;
		*cap = ncap;
	}
	f = &info->frames[info->nr_frames];
	*f = (struct dp_src_frame){
		.line = line,
		.column = column,
		.inlined = inlined,
	};
	f->function = dup_or_null(function, &nomem);
	f->file = dup_or_null(file, &nomem);
	info->nr_frames++;   /* counted even half-filled: release frees it */
	return nomem ? -ENOMEM : 0;
}

/* Nesting deeper than this (inlines of inlines of ...) is cut; real
 * kernels stay far below it. */
#define MAX_DEPTH 64

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

/* A DIE that holds at least one of a CU's addresses: the chain of an
 * address is its innermost node and the parents up from it. */
struct node {
	Dwarf_Die die;
	int32_t parent;            /* -1 at the top */
	int tag;
};

/* What one CU's walk works on. */
struct cu_walk {
	const Dwarf_Addr *a;       /* the CU's addresses, sorted */
	int32_t *inner;            /* per address: innermost node, -1 none */
	struct node *nodes;
	size_t nr_nodes, cap_nodes;
};

/* Tags that can have code ranges, and so hold the scope of an address.
 * Anything else (types, variables, parameters, call sites, labels) is
 * skipped without a look at its attributes or its children. */
static bool holds_code(int tag)
{
	switch (tag) {
	case DW_TAG_subprogram:
	case DW_TAG_inlined_subroutine:
	case DW_TAG_entry_point:
	case DW_TAG_lexical_block:
	case DW_TAG_try_block:
	case DW_TAG_catch_block:
	case DW_TAG_with_stmt:
		return true;
	default:
		return false;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* list: indexes of the addresses (sorted) whose innermost node so far is
 * pnode, the parent's.  Each child that can hold code and whose ranges
 * hold some of them becomes their innermost node (the first such child
 * wins, as in a walk down by dwarf_haspc), and is walked in turn with
 * those.  A child none of them is in is not descended into: at the top
 * that skips every function without an address of the batch. */
static int walk(struct cu_walk *w, Dwarf_Die *parent, int32_t pnode,
		const uint32_t *list, size_t nl, int depth)
{
	Dwarf_Die child;
	uint32_t *sub = NULL;
	size_t left = nl;           /* not yet claimed by a child */
	int ret = 0;

	if (depth >= MAX_DEPTH || dwarf_child(parent, &child) != 0)
		return 0;
	do {
		Dwarf_Addr base, lo, hi;
		ptrdiff_t off = 0;
		int32_t idx = -1;
		size_t nsub = 0;
		int tag = dwarf_tag(&child);

		if (!holds_code(tag))
			continue;
		while ((off = dwarf_ranges(&child, off, &base, &lo, &hi)) > 0) {
			size_t k = 0, top = nl;

			while (k < top) {       /* first address >= lo */
				size_t mid = k + (top - k) / 2;

				if (w->a[list[mid]] < lo)
					k = mid + 1;
				else
					top = mid;
			}
			for (; k < nl && w->a[list[k]] < hi; k++) {
				uint32_t x = list[k];

				if (w->inner[x] != pnode)
					continue;   /* an earlier sibling has it */
				if (idx < 0) {
					if (w->nr_nodes == w->cap_nodes) {
						size_t nc = w->cap_nodes ? 2 * w->cap_nodes : 64;
						struct node *nn = realloc(w->nodes, nc * sizeof(*nn));

						if (!nn) {
							ret = -ENOMEM;
							goto out;
						}
						w->nodes = nn;
						w->cap_nodes = nc;
					}
					idx = (int32_t)w->nr_nodes++;
					w->nodes[idx] = (struct node){ child, pnode, tag };
					if (!sub && !(sub = malloc(nl * sizeof(*sub)))) {
						ret = -ENOMEM;
						goto out;
					}
				}
				w->inner[x] = idx;
				sub[nsub++] = x;
				left--;
			}
		}
		if (nsub && dwarf_haschildren(&child)) {
			/* Ranges may come in any order: keep the list sorted. */
			qsort(sub, nsub, sizeof(*sub), cmp_u32);
			ret = walk(w, &child, idx, sub, nsub, depth + 1);
			if (ret < 0)
				goto out;
		}
		/* Every address has its child: later siblings get none. */
	} while (left && dwarf_siblingof(&child, &child) == 0);
out:
	free(sub);
	return ret;
}

/* One CU of a batch: what its line decoding needs (pure bytes, so that it
 * can run in another thread) and what its DIE walk finds. */
struct cu_job {
	Dwarf_Die cu;
	const struct want *wa;     /* its addresses, sorted */
	size_t n;
	const char *comp_dir;
	const uint8_t *unit;       /* its line program; NULL: none */
	size_t unit_size;
	Dwarf_Addr *a;             /* the addresses alone, for the decoder */
	struct dp_line_hit *hits;
	struct dp_line_prog prog;
	int line_ret;              /* 0 or -ENOMEM */
	struct cu_walk w;
	char **names;              /* per file of prog: its name, once */
};

/* What the second thread does: all of it pure, on bytes and arrays,
 * never libdw (which is not meant to be used from two threads at once). */
struct side_work {
	struct dp_dwarf_batch *d;
	struct sym_tables *tables; /* the symbol index to build, or NULL */
	const struct want *wa;     /* every address of the batch */
	size_t nw;
	struct dp_src_info *out;   /* their symbols go here */
	struct cu_job *jobs;
	size_t nr;
	int ret;                   /* 0 or -ENOMEM */
};

/* The ELF symbols of the batch (the index built first when it is not
 * yet), and every CU's line program decoded once for all its addresses. */
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
	for (size_t i = 0; i < lw->nw && d->addr_syms && !lw->ret; i++) {
		const struct dp_symidx_sym *s = dp_symidx_find(d->addr_syms, lw->wa[i].e);
		struct dp_src_info *o = &lw->out[lw->wa[i].out];

		if (!s)
			continue;
		o->symbol = strdup(s->name);
		if (!o->symbol)
			lw->ret = -ENOMEM;
		o->sym_offset = lw->wa[i].e - s->addr;
		o->sym_size = s->size;
	}
	for (size_t i = 0; i < lw->nr; i++) {
		struct cu_job *j = &lw->jobs[i];

		/* A CU whose program cannot be read keeps its functions. */
		if (j->unit && dp_line_prog_load(&j->prog, j->unit, j->unit_size,
						 &d->line_secs) == -ENOMEM)
			j->line_ret = -ENOMEM;
		/* Cut or corrupt: lines from it are not trusted. */
		if (dp_line_prog_lookup(&j->prog, j->a, j->n, j->hits) == -EINVAL)
			memset(j->hits, 0, j->n * sizeof(*j->hits));
	}
	return NULL;
}

/* The name of file idx of the CU's line program, made once per CU (an
 * inline chain names a few headers again and again); NULL when none. */
static const char *file_name(struct cu_job *j, uint64_t idx, struct dp_strbuf *sb,
			     int *nomem)
{
	int r;

	if (idx < j->prog.nr_files && j->names && j->names[idx])
		return j->names[idx];
	r = dp_line_prog_file(&j->prog, idx, j->comp_dir, sb);
	if (r == -ENOMEM)
		*nomem = 1;
	if (r)
		return NULL;
	if (idx < j->prog.nr_files) {
		if (!j->names && !(j->names = calloc(j->prog.nr_files, sizeof(*j->names)))) {
			*nomem = 1;
			return NULL;
		}
		j->names[idx] = dp_strbuf_detach(sb);
		if (!j->names[idx])
			*nomem = 1;
		return j->names[idx];
	}
	return sb->buf;
}

/* The frames of address k of job j: innermost first, each inlined frame
 * at the position the next one out continues from, ending with the
 * function the code was compiled into.  Code no function DIE covers
 * (assembly) still gets its line. */
static int add_frames(struct cu_job *j, size_t k, struct origin_cache *oc,
		      struct dp_strbuf *sb, struct dp_src_info *info)
{
	const struct dp_line_hit *hit = &j->hits[k];
	int32_t node = j->w.inner[k];
	const char *file = NULL;
	uint32_t line = 0, column = 0;
	size_t cap = 0;
	int ret = 0, nomem = 0;

	if (hit->found) {
		file = file_name(j, hit->file, sb, &nomem);
		line = hit->line;
		column = hit->column;
	}
	for (; node >= 0 && !nomem; node = j->w.nodes[node].parent) {
		int tag = j->w.nodes[node].tag;
		struct fn_attrs f;

		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram &&
		    tag != DW_TAG_entry_point)
			continue;
		fn_attrs_read(&j->w.nodes[node].die, &f);
		ret = push_frame(info, &cap, die_name(oc, &f), file, line, column,
				 tag == DW_TAG_inlined_subroutine);
		if (ret < 0 || tag != DW_TAG_inlined_subroutine)
			break;
		/* The caller goes on from the call site. */
		file = f.has_call_file ? file_name(j, f.call_file, sb, &nomem) : NULL;
		line = f.call_line <= UINT32_MAX ? (uint32_t)f.call_line : 0;
		column = f.call_column <= UINT32_MAX ? (uint32_t)f.call_column : 0;
	}
	if (ret == 0 && !nomem && info->nr_frames == 0 && file)
		ret = push_frame(info, &cap, NULL, file, line, column, false);
	return ret < 0 || nomem ? -ENOMEM : 0;
}

/* What decoding a CU's lines needs, read from its DIE while libdw is
 * ours alone. */
static int prepare_job(struct dp_dwarf_batch *d, struct cu_job *j)
{
	Dwarf_Attribute attr;
	Dwarf_Word stmt;

	j->a = malloc(j->n * sizeof(*j->a));
	j->hits = calloc(j->n, sizeof(*j->hits));
	j->w.inner = malloc(j->n * sizeof(*j->w.inner));
	if (!j->a || !j->hits || !j->w.inner)
		return -ENOMEM;
	for (size_t i = 0; i < j->n; i++) {
		j->a[i] = j->wa[i].a;
		j->w.inner[i] = -1;
	}
	j->w.a = j->a;
	if (!dwarf_offdie(d->dw, j->wa[0].cu, &j->cu)) {
		j->n = 0;               /* nothing to find in it */
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

/* The DIE tree of a CU, walked once for all its addresses. */
static int walk_job(struct cu_job *j)
{
	uint32_t *list;
	int ret;

	if (!j->n)
		return 0;
	list = malloc(j->n * sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < j->n; i++)
		list[i] = (uint32_t)i;
	ret = walk(&j->w, &j->cu, -1, list, j->n, 0);
	free(list);
	return ret;
}

static void release_job(struct cu_job *j)
{
	if (j->names)
		for (size_t i = 0; i < j->prog.nr_files; i++)
			free(j->names[i]);
	free(j->names);
	dp_line_prog_release(&j->prog);
	free(j->w.nodes);
	free(j->w.inner);
	free(j->hits);
	free(j->a);
}

/* Below this many addresses a second thread costs more than it saves. */
#define THREAD_MIN_ADDRS 256

/* The batch wa[0..nw) (sorted by CU, those in none last): symbols and
 * lines in a second thread while this one walks the DIE trees of the
 * CUs (the two take about as long), then the frames. */
static int resolve_wants(struct dp_dwarf_batch *d, const struct want *wa, size_t nw,
			 struct sym_tables *tables, struct dp_src_info *out)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;
	struct side_work lw = { d, tables, wa, nw, out, NULL, 0, 0 };
	struct origin_cache oc = { 0 };
	struct cu_job *jobs;
	size_t nr = 0, ncu = 0;
	pthread_t th;
	bool threaded = false;
	int ret = 0;

	while (ncu < nw && wa[ncu].cu != NO_CU)
		ncu++;
	for (size_t i = 0; i < ncu; i++)
		nr += i == 0 || wa[i].cu != wa[i - 1].cu;
	jobs = calloc(nr ? nr : 1, sizeof(*jobs));
	if (!jobs)
		return -ENOMEM;
	for (size_t i = 0, j, k = 0; i < ncu; i = j, k++) {
		for (j = i + 1; j < ncu && wa[j].cu == wa[i].cu; j++)
			;
		jobs[k].wa = &wa[i];
		jobs[k].n = j - i;
		if (ret == 0)
			ret = prepare_job(d, &jobs[k]);
	}
	lw.jobs = jobs;
	lw.nr = nr;
	if (ret == 0 && nw >= THREAD_MIN_ADDRS)
		threaded = pthread_create(&th, NULL, side_work, &lw) == 0;
	if (ret == 0 && !threaded)
		side_work(&lw);
	for (size_t k = 0; k < nr && ret == 0; k++)
		ret = walk_job(&jobs[k]);
	if (threaded)
		pthread_join(th, NULL);
	if (ret == 0)
		ret = lw.ret;
	if (ret == 0)
		ret = origin_cache_init(&oc, nw);
	for (size_t k = 0; k < nr && ret == 0; k++) {
		struct cu_job *j = &jobs[k];

		ret = j->line_ret;
		for (size_t i = 0; i < j->n && ret == 0; i++)
			ret = add_frames(j, i, &oc, &sb, &out[j->wa[i].out]);
	}
	for (size_t k = 0; k < nr; k++)
		release_job(&jobs[k]);
	free(jobs);
	origin_cache_release(&oc);
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
	struct want *wa;
	size_t nw = 0;
	int ret = 0;

	memset(out, 0, n * sizeof(*out));
	if (!n)
		return 0;
	if (!d->addr_syms_indexed && (ret = collect_addr_syms(d, &tables)) < 0)
		return ret;
	wa = malloc(n * sizeof(*wa));
	if (!wa) {
		ret = -ENOMEM;
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
	ret = resolve_wants(d, wa, nw, d->addr_syms_indexed ? NULL : &tables, out);
out:
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
}
