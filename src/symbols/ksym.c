/* ksym — the kernel text-symbol table: reading a kallsyms-format file
 * once, keeping its text symbols in an address-sorted array, and looking
 * addresses and names up in it.
 *
 * Every symbol name and every module name (interned: one copy per module)
 * lives in one string buffer, so a 200k-line /proc/kallsyms costs two
 * allocations that stay, not 200k.  The buffer moves while it grows, so
 * entries hold offsets until the file is read and only then become
 * pointers.  The file is never read again: a miss is a miss.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/symbols/ksym.h"

#define NO_MODULE UINT32_MAX
#define PFX "__pfx_"
#define PFX_LEN (sizeof(PFX) - 1)

/* An entry while the file is read: offsets into the string buffer and
 * the tie-break keys the sort needs.  Once sorted, each entry is
 * rewritten in place as the public struct dp_ksym. */
struct raw_sym {
	uint64_t addr;
	uint32_t name;   /* offset in strtab */
	uint32_t module; /* offset in strtab, or NO_MODULE */
	uint32_t seq;    /* line order: the last tie-break, so qsort is deterministic */
	uint8_t rank;    /* lower wins among symbols at one address */
};

union ent {
	struct raw_sym raw;
	struct dp_ksym sym;
};

struct dp_ksyms {
	union ent *ents;   /* sorted by address, preferred symbol first at each address */
	size_t count;
	char *strtab;
	bool restricted;
};

/* One parsed line, pointing into the line buffer. */
struct line {
	uint64_t addr;
	char type;
	const char *name;
	size_t name_len;
	const char *module; /* NULL for vmlinux */
	size_t module_len;
};

struct loader {
	union ent *ents;
	size_t n, cap;
	char *str;
	size_t len, str_cap;
	uint32_t *mods;    /* strtab offsets of the interned module names */
	size_t nmods, mods_cap;
	size_t last_mod;   /* a module's symbols come in one run: check it first */
	bool any_line;
	bool any_nonzero;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Kernel symbol and module names are printable ASCII; a control byte
 * (NUL included) means the line is not a symbol line. */
static bool is_word(char c)
{
	unsigned char u = (unsigned char)c;

	return u > ' ' && u != 0x7f;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

/* "ffffffff81000000 T name" or "... t name\t[module]".  Anything else is
 * not a symbol line: false, and the caller skips it. */
static bool parse_line(const char *p, const char *end, struct line *l)
{
	uint64_t addr = 0;
	int digits = 0, d;

	for (; p < end && (d = hex_digit(*p)) >= 0; p++) {
		if (++digits > 16)
			return false;
		addr = addr << 4 | (uint64_t)d;
	}
	if (!digits || p == end || !is_blank(*p))
		return false;
	p = skip_blanks(p, end);
	if (p == end || !is_word(*p))
		return false;
	l->type = *p++;
	if (p == end || !is_blank(*p))
		return false;
	p = skip_blanks(p, end);
	l->name = p;
	while (p < end && is_word(*p))
		p++;
	l->name_len = (size_t)(p - l->name);
	if (!l->name_len)
		return false;
	p = skip_blanks(p, end);
	l->module = NULL;
	l->module_len = 0;
	if (p < end) {
		if (*p != '[')
			return false;
		l->module = ++p;
		while (p < end && is_word(*p) && *p != ']')
			p++;
		l->module_len = (size_t)(p - l->module);
		if (!l->module_len || p == end || *p != ']')
			return false;
		if (skip_blanks(p + 1, end) != end)
			return false;
	}
	l->addr = addr;
	return true;
}

/* Rank among symbols sharing an address: an exported (global) name is
 * what a reader recognises, a weak one is a default that may be
 * overridden, a local one is often an alias.  A section marker comes
 * last: it shares its address with the function that follows it, and the
 * function is what a reader wants to see. */
#define RANK_MARKER 4

static int type_rank(char type)
{
	switch (type) {
	case 'T': return 0;
	case 'W': return 1;
	case 't': return 2;
	case 'w': return 3;
	default:  return -1;
	}
}

static bool has_suffix(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Linker-script and assembler symbols that bound a text section instead
 * of naming a function.  Names are not a reliable guide: on 6.18 x86-64,
 * 55 padded functions end in "_end" (__mmu_notifier_invalidate_range_end,
 * __key_link_end, ...), and __start_tty, __stop_tty, __end_swap_bio_read
 * and _erofs_printk are functions too.  So only these count:
 *   - the image and init-text bounds (_text, _stext, _etext, _sinittext,
 *     _einittext, ...), named one by one;
 *   - __<section>_text_start / __<section>_text_end (__sched_text_end,
 *     __irqentry_text_end, __noinstr_text_start, ...): every such name in
 *     a real kallsyms is a marker, and no function is named that way;
 *   - a few assembler end labels, named one by one.
 * Module symbols are never markers: modules have no such sections in
 * kallsyms. */
static bool is_marker(const char *name, size_t n)
{
	static const char *const names[] = {
		"_text", "_stext", "_etext", "_sinittext", "_einittext",
		"_end", "__init_begin", "__init_end",
		"__inittext_begin", "__inittext_end",         /* arm64 */
		"__indirect_thunk_start", "__indirect_thunk_end", /* x86 < 6.x */
		"__bhi_args_end", "__end_entry_SYSENTER_compat",  /* x86 entry */
	};

	if (n > 2 && name[0] == '_' && name[1] == '_' &&
	    (has_suffix(name, n, "_text_start") || has_suffix(name, n, "_text_end")))
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && memcmp(name, names[i], n) == 0)
			return true;
	return false;
}

/* Append s[0..n) and a NUL; *off gets where it starts. */
static int str_add(struct loader *ld, const char *s, size_t n, uint32_t *off)
{
	size_t need = ld->len + n + 1;

	/* Offsets are 32-bit to keep entries small; 4 GiB of names is
	 * not a kallsyms file. */
	if (need > UINT32_MAX)
		return -EFBIG;
	if (need > ld->str_cap) {
		size_t cap = ld->str_cap ? ld->str_cap : 64 * 1024;
		char *q;

		while (cap < need)
			cap *= 2;
		q = realloc(ld->str, cap);
		if (!q)
			return -ENOMEM;
		ld->str = q;
		ld->str_cap = cap;
	}
	memcpy(ld->str + ld->len, s, n);
	ld->str[ld->len + n] = '\0';
	*off = (uint32_t)ld->len;
	ld->len = need;
	return 0;
}

static bool mod_is(const struct loader *ld, uint32_t off, const char *s, size_t n)
{
	const char *m = ld->str + off;

	return strncmp(m, s, n) == 0 && m[n] == '\0';
}

static int mod_intern(struct loader *ld, const char *s, size_t n, uint32_t *off)
{
	int err;

	if (ld->nmods && mod_is(ld, ld->mods[ld->last_mod], s, n)) {
		*off = ld->mods[ld->last_mod];
		return 0;
	}
	for (size_t i = 0; i < ld->nmods; i++) {
		if (mod_is(ld, ld->mods[i], s, n)) {
			ld->last_mod = i;
			*off = ld->mods[i];
			return 0;
		}
	}
	if (ld->nmods == ld->mods_cap) {
		size_t cap = ld->mods_cap ? ld->mods_cap * 2 : 64;
		uint32_t *q = realloc(ld->mods, cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		ld->mods = q;
		ld->mods_cap = cap;
	}
	err = str_add(ld, s, n, off);
	if (err)
		return err;
	ld->last_mod = ld->nmods;
	ld->mods[ld->nmods++] = *off;
	return 0;
}

static int add_line(struct loader *ld, const struct line *l)
{
	struct raw_sym *r;
	int rank, err;

	ld->any_line = true;
	if (l->addr)
		ld->any_nonzero = true;
	rank = type_rank(l->type);
	if (rank < 0)
		return 0;
	if (!l->module && is_marker(l->name, l->name_len))
		rank = RANK_MARKER;
	/* __pfx_foo names the padding the kernel puts before foo
	 * (CONFIG_FUNCTION_PADDING_BYTES).  It is no function a reader
	 * knows, and where it shares an address with a real symbol it
	 * could win the tie, so it is never kept. */
	if (l->name_len >= PFX_LEN && memcmp(l->name, PFX, PFX_LEN) == 0)
		return 0;
	if (ld->n == ld->cap) {
		size_t cap = ld->cap ? ld->cap * 2 : 4096;
		union ent *q;

		if (cap > UINT32_MAX)
			return -EFBIG;
		q = realloc(ld->ents, cap * sizeof(*q));
		if (!q)
			return -ENOMEM;
		ld->ents = q;
		ld->cap = cap;
	}
	r = &ld->ents[ld->n].raw;
	r->addr = l->addr;
	r->rank = (uint8_t)rank;
	r->seq = (uint32_t)ld->n;
	r->module = NO_MODULE;
	err = str_add(ld, l->name, l->name_len, &r->name);
	if (err)
		return err;
	if (l->module) {
		err = mod_intern(ld, l->module, l->module_len, &r->module);
		if (err)
			return err;
	}
	ld->n++;
	return 0;
}

static int read_file(struct loader *ld, FILE *f)
{
	char *buf = NULL;
	size_t bufsz = 0;
	ssize_t n;
	int err = 0;

	for (;;) {
		struct line l;

		/* getline() returns -1 both at EOF and on failure; only a
		 * failure sets errno. */
		errno = 0;
		n = getline(&buf, &bufsz, f);
		if (n < 0) {
			if (errno || ferror(f))
				err = errno ? -errno : -EIO;
			break;
		}
		if (!parse_line(buf, buf + n, &l))
			continue;
		err = add_line(ld, &l);
		if (err)
			break;
	}
	free(buf);
	return err;
}

static int cmp_raw(const void *a, const void *b)
{
	const struct raw_sym *x = &((const union ent *)a)->raw;
	const struct raw_sym *y = &((const union ent *)b)->raw;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int dp_ksyms_load(struct dp_ksyms **out, const char *path)
{
	struct loader ld = { 0 };
	struct dp_ksyms *ks;
	FILE *f;
	int err;

	*out = NULL;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* /proc files advertise a 1 KiB block size; ask for big reads. */
	setvbuf(f, NULL, _IOFBF, 256 * 1024);
	err = read_file(&ld, f);
	fclose(f);
	if (err)
		goto err_free_loader;
	if (!ld.n) {
		err = -EINVAL;
		goto err_free_loader;
	}
	ks = calloc(1, sizeof(*ks));
	if (!ks) {
		err = -ENOMEM;
		goto err_free_loader;
	}

	/* Give back the slack of the doubling; failing to shrink is harmless. */
	{
		char *s = realloc(ld.str, ld.len);
		union ent *e = realloc(ld.ents, ld.n * sizeof(*e));

		if (s)
			ld.str = s;
		if (e)
			ld.ents = e;
	}
	qsort(ld.ents, ld.n, sizeof(*ld.ents), cmp_raw);
	for (size_t i = 0; i < ld.n; i++) {
		struct raw_sym r = ld.ents[i].raw;

		ld.ents[i].sym = (struct dp_ksym){
			.addr = r.addr,
			.name = ld.str + r.name,
			.module = r.module == NO_MODULE ? NULL : ld.str + r.module,
		};
	}
	free(ld.mods);
	ks->ents = ld.ents;
	ks->count = ld.n;
	ks->strtab = ld.str;
	ks->restricted = ld.any_line && !ld.any_nonzero;
	*out = ks;
	return 0;

err_free_loader:
	free(ld.mods);
	free(ld.str);
	free(ld.ents);
	return err;
}

void dp_ksyms_free(struct dp_ksyms *ks)
{
	if (!ks)
		return;
	free(ks->ents);
	free(ks->strtab);
	free(ks);
}

size_t dp_ksyms_count(const struct dp_ksyms *ks)
{
	return ks ? ks->count : 0;
}

bool dp_ksyms_restricted(const struct dp_ksyms *ks)
{
	return ks && ks->restricted;
}

const struct dp_ksym *dp_ksyms_find(const struct dp_ksyms *ks, uint64_t addr,
				    uint64_t *offset)
{
	size_t lo = 0, hi, i;

	/* With every address zeroed any answer would be a guess. */
	if (!ks || ks->restricted)
		return NULL;
	/* lo ends as the first entry above addr. */
	hi = ks->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->ents[mid].sym.addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo == count: addr is at or past the last address, which only
	 * marks where the table ends.  No symbol has a size here, so a
	 * module's last function simply runs up to whatever follows it. */
	if (lo == 0 || lo == ks->count)
		return NULL;
	i = lo - 1;
	/* The sort put the preferred name first among equal addresses. */
	while (i > 0 && ks->ents[i - 1].sym.addr == ks->ents[i].sym.addr)
		i--;
	/* Without sizes, an address far past a symbol, or past a section
	 * marker, is in no known function: "_etext+0x1efff900" would claim a
	 * precision we do not have.  A marker is first at its address only
	 * when no function shares it (see RANK_MARKER). */
	if (addr - ks->ents[i].sym.addr > DP_KSYM_MAX_OFFSET ||
	    (!ks->ents[i].sym.module &&
	     is_marker(ks->ents[i].sym.name, strlen(ks->ents[i].sym.name))))
		return NULL;
	if (offset)
		*offset = addr - ks->ents[i].sym.addr;
	return &ks->ents[i].sym;
}

const struct dp_ksym *dp_ksyms_by_name(const struct dp_ksyms *ks,
				       const char *name, uint64_t *end)
{
	size_t found = SIZE_MAX, in_module = SIZE_MAX;

	if (!ks || ks->restricted || !name)
		return NULL;
	/* Called a few times at startup: a scan beats keeping a second
	 * index of 100k+ names around. */
	for (size_t i = 0; i < ks->count; i++) {
		const struct dp_ksym *s = &ks->ents[i].sym;

		if (strcmp(s->name, name) != 0)
			continue;
		if (!s->module) {
			found = i;
			break;
		}
		if (in_module == SIZE_MAX)
			in_module = i;
	}
	if (found == SIZE_MAX)
		found = in_module;
	if (found == SIZE_MAX)
		return NULL;
	if (end) {
		const struct dp_ksym *s = &ks->ents[found].sym;
		size_t j = found + 1;

		while (j < ks->count && ks->ents[j].sym.addr == s->addr)
			j++;
		/* Nothing above: the table's end marker, which is empty. */
		*end = j < ks->count ? ks->ents[j].sym.addr : s->addr;
	}
	return &ks->ents[found].sym;
}
