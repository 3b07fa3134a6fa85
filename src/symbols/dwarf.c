/* dwarf — the source view of kernel text addresses: ELF symbol and size,
 * file:line:column and the chain of inlined frames, read from a vmlinux
 * or a kernel module with DWARF through libdwfl (offline reporting, one
 * module).
 *
 * KASLR is handled by shifting each run-time address back to the ELF's
 * address space (bias = run-time _stext - ELF _stext) before any lookup,
 * rather than by reporting the module at a base: libdwfl ignores the base
 * of an ET_EXEC file, and a vmlinux is one.  A kernel module is ET_REL:
 * libdwfl places its sections itself and applies the relocations of its
 * DWARF, and an address in it is found from a symbol's name (its
 * relocated value in that layout) plus the offset kallsyms gave.
 *
 * The inline chain is the one elfutils' addr2line -i prints: every DIE
 * that lexically contains the address, innermost first, where each
 * inlined_subroutine gives the position of its caller through
 * DW_AT_call_file/line/column.  addr2line gets it from dwarf_getscopes
 * (the innermost scope) and dwarf_getscopes_die (its parents), which
 * leaks its array when an inlined instance's abstract_origin is broken
 * (elfutils 0.188, found by fuzz_notes).
 *
 * Addresses are resolved in batches (a report has all its unique
 * addresses at the end), by dwarf_batch.c: the cost is per CU, not per
 * address.  A single address is a batch of one.  This file opens the
 * file and keeps what is looked up by name.
 */
#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dropprof/symbols/dwarf.h"
#include "dropprof/symbols/dwarf_batch.h"
#include "dropprof/util/error.h"

/* A defined function symbol of the file, for lookups by name. */
struct sym_ent {
	const char *name;          /* libdwfl's string table */
	GElf_Addr addr;            /* in libdwfl's layout */
	GElf_Xword size;
	size_t idx;                /* in the symbol table */
};

struct dp_dwarf {
	Dwfl *dwfl;
	Dwfl_Module *mod;
	struct dp_buildid buildid;
	int64_t bias;
	struct sym_ent *syms;      /* sorted by name, then symbol table order */
	size_t nr_syms;
	bool syms_indexed;
	struct dp_dwarf_batch batch;   /* lookups by address */
};

/* The file given is the one used: libdwfl's standard search would look
 * for separate debuginfo elsewhere and, with DEBUGINFOD_URLS set, download
 * it without a time bound.  Finding the right file is vmlinux.c's job. */
static int no_find_elf(Dwfl_Module *mod, void **userdata, const char *modname,
		       Dwarf_Addr base, char **file_name, Elf **elfp)
{
	return -1;
}

static int no_find_debuginfo(Dwfl_Module *mod, void **userdata,
			     const char *modname, Dwarf_Addr base,
			     const char *file_name, const char *debuglink_file,
			     GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	return -1;
}

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = no_find_elf,
	.find_debuginfo = no_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

/* Every CU header can be read: a truncated or overwritten .debug_info
 * is refused at open, not found one address at a time. */
static int check_cus(Dwarf *dw)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	int nr = 0, r;

	while ((r = dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL)) == 0) {
		nr++;
		off = next;
	}
	return r < 0 ? -1 : nr;
}

static int find_stext(Dwfl_Module *mod, const char *name, GElf_Addr *value)
{
	int n = dwfl_module_getsymtab(mod);

	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *s = dwfl_module_getsym_info(mod, i, &sym, &addr,
							NULL, NULL, NULL);

		if (s && !strcmp(s, name)) {
			*value = addr;
			return 0;
		}
	}
	return -ENOENT;
}

/* 1 when the file starts as an ELF file does, 0 when it does not (a
 * compressed module), -errno when it cannot be read. */
static int elf_magic(const char *path)
{
	unsigned char m[SELFMAG];
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, m, sizeof(m));
	ret = n < 0 ? -errno : n == (ssize_t)sizeof(m) && !memcmp(m, ELFMAG, SELFMAG);
	close(fd);
	return ret;
}

/* A compressed module's build-id, from the image libdwfl decompressed
 * (libelf sees only the compressed bytes). */
static void module_buildid(struct dp_dwarf *d)
{
	const unsigned char *id;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(d->mod, &id, &vaddr);

	if (n > 0 && n <= DP_BUILDID_MAX) {
		memcpy(d->buildid.id, id, (size_t)n);
		d->buildid.len = (size_t)n;
	}
}

int dp_dwarf_open(struct dp_dwarf **out, const struct dp_dwarf_opts *o,
		  struct dp_err *err)
{
	const char *stext = o->stext_name ? o->stext_name : "_stext";
	struct dp_dwarf *d;
	GElf_Addr elf_stext;
	Dwarf_Addr dwbias;
	bool plain = true;
	Dwarf *dw;
	int fd, ret, n;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return dp_err_set(err, -ENOMEM, "out of memory opening '%s'", o->path);
	if (o->module) {
		ret = elf_magic(o->path);
		if (ret < 0) {
			dp_err_set(err, ret, "cannot open '%s': %s", o->path,
				   strerror(-ret));
			free(d);
			return ret;
		}
		plain = ret == 1;
	}
	/* libdwfl reads lazily and takes a cut file for a smaller one: the
	 * build-id reader checks that every header, section and segment is
	 * inside the file first.  A compressed module is decompressed into
	 * memory by libdwfl whole (a cut stream fails there), and libelf
	 * checks a memory image's bounds itself. */
	if (plain) {
		ret = dp_buildid_read_elf(o->path, &d->buildid, err);
		if (ret < 0) {
			free(d);
			return ret;
		}
	}
	fd = open(o->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		dp_err_set(err, ret, "cannot open %s'%s': %s",
			   o->module ? "" : "vmlinux ", o->path, strerror(-ret));
		goto out_free;
	}
	d->dwfl = dwfl_begin(&offline_callbacks);
	if (!d->dwfl) {
		ret = dp_err_set(err, -ENOMEM, "cannot start libdwfl for '%s': %s",
				 o->path, dwfl_errmsg(-1));
		goto out_free;
	}
	dwfl_report_begin(d->dwfl);
	d->mod = dwfl_report_offline(d->dwfl, o->module ? o->module : "vmlinux",
				     o->path, fd);
	if (!d->mod) {
		if (plain)
			ret = dp_err_set(err, -EINVAL,
					 "'%s' is not a usable ELF file: %s (a truncated or corrupt file?)",
					 o->path, dwfl_errmsg(-1));
		else
			ret = dp_err_set(err, -EINVAL,
					 "cannot read '%s': %s (a corrupt file, or compressed in a form this libdw cannot read)",
					 o->path, dwfl_errmsg(-1));
		goto out_free;
	}
	fd = -1;        /* libdwfl closes it with the module */
	if (dwfl_report_end(d->dwfl, NULL, NULL) != 0) {
		ret = dp_err_set(err, -EINVAL, "cannot index '%s': %s", o->path,
				 dwfl_errmsg(-1));
		goto out_free;
	}

	dw = dwfl_module_getdwarf(d->mod, &dwbias);
	n = dw ? check_cus(dw) : 0;
	if (n < 0) {
		ret = dp_err_set(err, -EINVAL, "'%s' has corrupt DWARF: %s",
				 o->path, dwarf_errmsg(-1));
		goto out_free;
	}
	if (n == 0) {
		ret = dp_err_set(err, o->module ? -ENODATA : -EINVAL,
				 "'%s' has no DWARF debug info (use the %s of the kernel's debug package)",
				 o->path, o->module ? "module" : "vmlinux");
		goto out_free;
	}
	if (!plain)
		module_buildid(d);
	dp_dwarf_batch_init(&d->batch, d->dwfl, d->mod, dw);

	if (o->runtime_stext && !o->module) {
		if (find_stext(d->mod, stext, &elf_stext) < 0) {
			ret = dp_err_set(err, -EINVAL,
					 "'%s' has no symbol '%s': cannot match it to the running kernel's addresses",
					 o->path, stext);
			goto out_free;
		}
		d->bias = (int64_t)(o->runtime_stext - elf_stext);
	}
	*out = d;
	return 0;

out_free:
	dp_dwarf_free(d);
	if (fd >= 0)
		close(fd);
	return ret;
}

void dp_dwarf_free(struct dp_dwarf *d)
{
	if (!d)
		return;
	if (d->dwfl)
		dwfl_end(d->dwfl);
	free(d->syms);
	dp_dwarf_batch_release(&d->batch);
	free(d);
}

const struct dp_buildid *dp_dwarf_buildid(const struct dp_dwarf *d)
{
	return &d->buildid;
}

int64_t dp_dwarf_bias(const struct dp_dwarf *d)
{
	return d->bias;
}

int dp_dwarf_resolve_many(struct dp_dwarf *d, const uint64_t *addrs, size_t n,
			  struct dp_src_info *out)
{
	return dp_dwarf_batch_resolve(&d->batch, addrs, n, (uint64_t)d->bias, out);
}

/* One address of the ELF's (libdwfl's) address space. */
static int resolve_elf(struct dp_dwarf *d, Dwarf_Addr a, struct dp_src_info *out)
{
	int ret = dp_dwarf_batch_resolve(&d->batch, &a, 1, 0, out);

	if (ret == 0 && !out->symbol && !out->nr_frames)
		ret = -ENOENT;
	return ret;
}

int dp_dwarf_resolve(struct dp_dwarf *d, uint64_t addr, struct dp_src_info *out)
{
	return resolve_elf(d, addr - (uint64_t)d->bias, out);
}

static int cmp_sym(const void *a, const void *b)
{
	const struct sym_ent *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	/* qsort is not stable: the symbol table's order decides among
	 * equal names. */
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* The defined code symbols by name.  Sections, files, data and imports
 * (SHN_UNDEF: the kernel functions a module calls) are left out. */
static int index_syms(struct dp_dwarf *d)
{
	int n = dwfl_module_getsymtab(d->mod);
	size_t nr = 0;

	d->syms_indexed = true;
	if (n <= 1)
		return 0;
	d->syms = calloc((size_t)n, sizeof(*d->syms));
	if (!d->syms) {
		d->syms_indexed = false;
		return -ENOMEM;
	}
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name = dwfl_module_getsym_info(d->mod, i, &sym, &addr,
							   &shndx, NULL, NULL);
		int type;

		if (!name || !name[0] || shndx == SHN_UNDEF)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (type != STT_FUNC && type != STT_NOTYPE && type != STT_GNU_IFUNC)
			continue;
		d->syms[nr++] = (struct sym_ent){ name, addr, sym.st_size, (size_t)i };
	}
	d->nr_syms = nr;
	qsort(d->syms, nr, sizeof(*d->syms), cmp_sym);
	return 0;
}

static const struct sym_ent *find_sym(const struct dp_dwarf *d, const char *name,
				      uint64_t offset)
{
	size_t lo = 0, hi = d->nr_syms;
	const struct sym_ent *first;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(d->syms[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == d->nr_syms || strcmp(d->syms[lo].name, name))
		return NULL;
	first = &d->syms[lo];
	for (size_t i = lo; i < d->nr_syms && !strcmp(d->syms[i].name, name); i++)
		if (offset < d->syms[i].size)
			return &d->syms[i];
	return first;
}

int dp_dwarf_resolve_sym(struct dp_dwarf *d, const char *name, uint64_t offset,
			 struct dp_src_info *out)
{
	const struct sym_ent *s;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!d->syms_indexed) {
		ret = index_syms(d);
		if (ret < 0)
			return ret;
	}
	s = find_sym(d, name, offset);
	if (!s)
		return -ENOENT;
	return resolve_elf(d, s->addr + offset, out);
}

void dp_src_info_release(struct dp_src_info *info)
{
	free(info->frames);
	memset(info, 0, sizeof(*info));
}
