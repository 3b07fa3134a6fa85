/* dwarf_line — one DWARF line-number program decoded in one pass, its
 * rows merged with a sorted array of addresses as they come (no row
 * table), and the names of its file table.  Pure: bytes in, answers out.
 *
 * Bounds: every read goes through struct cur, which never moves past its
 * end and marks itself bad instead; a caller checks bad once per
 * opcode, not per byte.  Counts from the input are checked against the
 * bytes left before anything is allocated for them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/symbols/dwarf_line.h"
#include "dropprof/util/strbuf.h"

/* DWARF constants, spelled out so that this file needs no libdw header
 * (their values are fixed by the DWARF standard). */
enum {
	LNS_copy = 1, LNS_advance_pc, LNS_advance_line, LNS_set_file,
	LNS_set_column, LNS_negate_stmt, LNS_set_basic_block, LNS_const_add_pc,
	LNS_fixed_advance_pc, LNS_set_prologue_end, LNS_set_epilogue_begin,
	LNS_set_isa,
};
enum { LNE_end_sequence = 1, LNE_set_address, LNE_define_file, LNE_set_discriminator };
enum { LNCT_path = 1, LNCT_directory_index };
enum {
	FORM_block2 = 0x03, FORM_block4 = 0x04, FORM_data2 = 0x05, FORM_data4 = 0x06,
	FORM_data8 = 0x07, FORM_string = 0x08, FORM_block = 0x09, FORM_block1 = 0x0a,
	FORM_data1 = 0x0b, FORM_flag = 0x0c, FORM_sdata = 0x0d, FORM_strp = 0x0e,
	FORM_udata = 0x0f, FORM_strx = 0x1a, FORM_strp_sup = 0x1d, FORM_data16 = 0x1e,
	FORM_line_strp = 0x1f, FORM_strx1 = 0x25, FORM_strx2, FORM_strx3, FORM_strx4,
};

/* The readers are inlined into the decoding loop so that the cursor
 * stays in registers (a call takes its address: 2x slower). */
#define ALWAYS_INLINE __attribute__((always_inline))

struct cur {
	const uint8_t *p, *end;
	bool big_endian;
	bool bad;
};

static inline ALWAYS_INLINE size_t left(const struct cur *c)
{
	return (size_t)(c->end - c->p);
}

static inline ALWAYS_INLINE bool skip(struct cur *c, uint64_t n)
{
	if (n > left(c)) {
		c->p = c->end;
		c->bad = true;
		return false;
	}
	c->p += n;
	return true;
}

static inline ALWAYS_INLINE uint8_t u8(struct cur *c)
{
	if (c->p == c->end) {
		c->bad = true;
		return 0;
	}
	return *c->p++;
}

/* An unsigned integer of n (1..8) bytes in the file's byte order. */
static inline ALWAYS_INLINE uint64_t uint_n(struct cur *c, size_t n)
{
	uint64_t v = 0;

	if (n > left(c)) {
		skip(c, n);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k = c->big_endian ? i : n - 1 - i;

		v = v << 8 | c->p[k];
	}
	c->p += n;
	return v;
}

/* Bits past the 64th are dropped; the bytes are still consumed, so a
 * long run of 0x80 ends at the bound like anything else. */
static inline ALWAYS_INLINE uint64_t uleb(struct cur *c)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	uint8_t b;

	do {
		if (c->p == c->end) {
			c->bad = true;
			return 0;
		}
		b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	return v;
}

static inline ALWAYS_INLINE int64_t sleb(struct cur *c)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	uint8_t b;

	do {
		if (c->p == c->end) {
			c->bad = true;
			return 0;
		}
		b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

/* A NUL-terminated string at the cursor, or NULL (and bad) when no NUL
 * comes before the end. */
static const char *cstr(struct cur *c)
{
	const uint8_t *nul = memchr(c->p, 0, left(c));
	const char *s = (const char *)c->p;

	if (!nul) {
		c->p = c->end;
		c->bad = true;
		return NULL;
	}
	c->p = nul + 1;
	return s;
}

/* The string at off in a string section, NULL when off or its NUL lies
 * outside. */
static const char *sec_str(const uint8_t *sec, size_t size, uint64_t off)
{
	if (!sec || off >= size || !memchr(sec + off, 0, size - off))
		return NULL;
	return (const char *)sec + off;
}

/* One attribute value of a DWARF 5 entry: its string (for path forms)
 * into *str, its number into *num; *str NULL for a form that holds no
 * string we can read.  false for a form whose size is unknown. */
static bool read_form(struct cur *c, uint64_t form, bool dwarf64,
		      const struct dp_line_sections *s, const char **str, uint64_t *num)
{
	size_t offsz = dwarf64 ? 8 : 4;

	*str = NULL;
	*num = 0;
	switch (form) {
	case FORM_string:
		*str = cstr(c);
		return true;
	case FORM_line_strp:
		*str = sec_str(s->line_str, s->line_str_size, uint_n(c, offsz));
		return true;
	case FORM_strp:
		*str = sec_str(s->str, s->str_size, uint_n(c, offsz));
		return true;
	case FORM_strp_sup:
		skip(c, offsz);
		return true;
	case FORM_strx:
	case FORM_udata:
		*num = uleb(c);
		return true;
	case FORM_sdata:
		*num = (uint64_t)sleb(c);
		return true;
	case FORM_data1:
	case FORM_flag:
	case FORM_strx1:
		*num = uint_n(c, 1);
		return true;
	case FORM_data2:
	case FORM_strx2:
		*num = uint_n(c, 2);
		return true;
	case FORM_strx3:
		*num = uint_n(c, 3);
		return true;
	case FORM_data4:
	case FORM_strx4:
		*num = uint_n(c, 4);
		return true;
	case FORM_data8:
		*num = uint_n(c, 8);
		return true;
	case FORM_data16:            /* DW_LNCT_MD5 */
		skip(c, 16);
		return true;
	case FORM_block1:
		skip(c, uint_n(c, 1));
		return true;
	case FORM_block2:
		skip(c, uint_n(c, 2));
		return true;
	case FORM_block4:
		skip(c, uint_n(c, 4));
		return true;
	case FORM_block:
		skip(c, uleb(c));
		return true;
	default:
		return false;
	}
}

/* A DWARF 5 entry format: (content type, form) pairs. */
struct entry_fmt {
	uint64_t type, form;
};

#define MAX_FORMATS 32   /* a u8 count; real tables have 2 to 5 */

/* Read a DWARF 5 table (directories or files): its format, its count,
 * then count entries of that format.  Each entry's path goes to *names
 * (an array of count), its directory index, when wanted, to *dirs. */
static int read_table5(struct cur *c, bool dwarf64, const struct dp_line_sections *s,
		       const char ***names, uint64_t **dirs, size_t *count)
{
	struct entry_fmt fmt[MAX_FORMATS];
	uint8_t nfmt = u8(c);
	uint64_t n;

	*names = NULL;
	if (dirs)
		*dirs = NULL;
	*count = 0;
	if (nfmt > MAX_FORMATS)
		return -EINVAL;
	for (uint8_t i = 0; i < nfmt; i++) {
		fmt[i].type = uleb(c);
		fmt[i].form = uleb(c);
	}
	n = uleb(c);
	if (c->bad)
		return -EINVAL;
	if (n == 0)
		return 0;
	/* Every form takes at least one byte: a count above the bytes left
	 * (or entries with no attributes at all) is corrupt, and is caught
	 * before the allocation it would size. */
	if (nfmt == 0 || n > left(c))
		return -EINVAL;
	*names = calloc((size_t)n, sizeof(**names));
	if (!*names)
		return -ENOMEM;
	if (dirs) {
		*dirs = calloc((size_t)n, sizeof(**dirs));
		if (!*dirs) {
			free(*names);
			*names = NULL;
			return -ENOMEM;
		}
	}
	for (uint64_t e = 0; e < n; e++) {
		for (uint8_t i = 0; i < nfmt; i++) {
			const char *str;
			uint64_t num;

			if (!read_form(c, fmt[i].form, dwarf64, s, &str, &num))
				return -EINVAL;   /* the caller frees */
			if (fmt[i].type == LNCT_path)
				(*names)[e] = str;
			else if (fmt[i].type == LNCT_directory_index && dirs)
				(*dirs)[e] = num;
		}
		if (c->bad)
			return -EINVAL;
	}
	*count = (size_t)n;
	return 0;
}

static int load_tables5(struct dp_line_prog *p, struct cur *c,
			const struct dp_line_sections *s)
{
	const char **names = NULL;
	uint64_t *dirs = NULL;
	size_t n;
	int ret;

	ret = read_table5(c, p->dwarf64, s, &p->dirs, NULL, &p->nr_dirs);
	if (ret < 0)
		return ret;
	ret = read_table5(c, p->dwarf64, s, &names, &dirs, &n);
	if (ret == 0 && n) {
		p->files = calloc(n, sizeof(*p->files));
		if (!p->files)
			ret = -ENOMEM;
	}
	if (ret == 0) {
		for (size_t i = 0; i < n; i++)
			p->files[i] = (struct dp_line_file){ names[i], dirs[i] };
		p->nr_files = n;
	}
	free(names);
	free(dirs);
	return ret;
}

/* DWARF 2-4: include_directories, then file_names, each ended by an
 * empty name.  Directory 0 is the compilation directory, which is not in
 * the table; file indexes start at 1.  Both arrays keep slot 0 so that
 * indexes are the program's own. */
static int load_tables4(struct dp_line_prog *p, struct cur *c)
{
	struct cur scan = *c;
	size_t nd = 0, nf = 0;

	/* Count first (one more pass over a few KiB) so that each table is
	 * one allocation. */
	while (!scan.bad && scan.p < scan.end && *scan.p) {
		cstr(&scan);
		nd++;
	}
	u8(&scan);
	while (!scan.bad && scan.p < scan.end && *scan.p) {
		cstr(&scan);
		uleb(&scan);
		uleb(&scan);
		uleb(&scan);
		nf++;
	}
	u8(&scan);
	if (scan.bad)
		return -EINVAL;

	p->dirs = calloc(nd + 1, sizeof(*p->dirs));
	p->files = calloc(nf + 1, sizeof(*p->files));
	if (!p->dirs || !p->files)
		return -ENOMEM;
	p->nr_dirs = nd + 1;
	p->nr_files = nf + 1;
	for (size_t i = 1; i <= nd; i++)
		p->dirs[i] = cstr(c);
	u8(c);
	for (size_t i = 1; i <= nf; i++) {
		p->files[i].name = cstr(c);
		p->files[i].dir = uleb(c);
		uleb(c);            /* modification time */
		uleb(c);            /* length */
	}
	return 0;
}

int dp_line_prog_load(struct dp_line_prog *p, const uint8_t *data, size_t size,
		      const struct dp_line_sections *s)
{
	struct cur c = { data, data + size, s->big_endian, false }, hdr;
	uint64_t len, hlen;
	size_t offsz;
	int ret;

	memset(p, 0, sizeof(*p));
	p->big_endian = s->big_endian;
	len = uint_n(&c, 4);
	if (len == 0xffffffff) {
		p->dwarf64 = true;
		len = uint_n(&c, 8);
	} else if (len >= 0xfffffff0) {
		return -EINVAL;         /* reserved lengths */
	}
	if (c.bad || len > left(&c))
		return -EINVAL;
	c.end = c.p + len;
	p->unit_size = (size_t)(c.end - data);
	offsz = p->dwarf64 ? 8 : 4;

	p->version = (uint16_t)uint_n(&c, 2);
	if (c.bad)
		return -EINVAL;
	if (p->version < 2 || p->version > 5)
		return -EOPNOTSUPP;
	if (p->version >= 5) {
		uint8_t addr_size = u8(&c);

		if (u8(&c) != 0)
			return -EOPNOTSUPP;    /* segmented addresses */
		if (addr_size != 4 && addr_size != 8 && !c.bad)
			return -EINVAL;
	}
	hlen = uint_n(&c, offsz);
	if (c.bad || hlen > left(&c))
		return -EINVAL;
	/* The tables end where the program starts: hdr is bounded there. */
	hdr = c;
	hdr.end = c.p + hlen;
	p->prog = hdr.end;
	p->end = c.end;

	p->min_inst_len = u8(&hdr);
	p->max_ops = p->version >= 4 ? u8(&hdr) : 1;
	p->default_is_stmt = u8(&hdr) != 0;
	p->line_base = (int8_t)u8(&hdr);
	p->line_range = u8(&hdr);
	p->opcode_base = u8(&hdr);
	if (hdr.bad || p->line_range == 0 || p->max_ops == 0 || p->opcode_base == 0) {
		ret = -EINVAL;
		goto fail;
	}
	p->std_lengths = hdr.p;
	if (!skip(&hdr, p->opcode_base - 1u)) {
		ret = -EINVAL;
		goto fail;
	}
	ret = p->version >= 5 ? load_tables5(p, &hdr, s) : load_tables4(p, &hdr);
	if (ret == 0 && hdr.bad)
		ret = -EINVAL;
	if (ret < 0)
		goto fail;
	return 0;

fail:
	dp_line_prog_release(p);
	return ret;
}

void dp_line_prog_release(struct dp_line_prog *p)
{
	free(p->dirs);
	free(p->files);
	memset(p, 0, sizeof(*p));
}

/* The state machine's registers that a row carries. */
struct row {
	uint64_t addr;
	uint64_t file;
	uint64_t line;
	uint64_t column;
};

/* The merge: rows of a sequence come in address order; the addresses
 * from next on that lie below a new row's address belong to the row
 * before it. */
struct merge {
	const uint64_t *addrs;
	struct dp_line_hit *hits;
	size_t n;
	size_t next;               /* first address not yet given a row */
	uint64_t pending;          /* addrs[next], UINT64_MAX past the end */
};

/* First index whose address is >= a. */
static size_t lower_bound(const uint64_t *v, size_t n, uint64_t a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Give row r to every address below limit.  Where sequences overlap (a
 * linker's leftovers), the nearest row wins, and of rows at one address
 * the later one, as in libdw's sorted table. */
static void assign(struct merge *m, const struct row *r, uint64_t limit)
{
	for (; m->next < m->n && m->addrs[m->next] < limit; m->next++) {
		struct dp_line_hit *h = &m->hits[m->next];

		if (h->found && h->row_addr > r->addr)
			continue;
		h->found = true;
		h->row_addr = r->addr;
		h->file = r->file;
		h->line = r->line <= UINT32_MAX ? (uint32_t)r->line : 0;
		h->column = r->column <= UINT32_MAX ? (uint32_t)r->column : 0;
	}
}

/* Row r comes after prev (in_seq: of the same sequence) and some address
 * may lie in between, or r starts a sequence.  The rows go by value so
 * that the decoding loop keeps its registers in registers. */
static void emit_slow(struct merge *m, bool in_seq, struct row prev, struct row r)
{
	if (in_seq && r.addr >= prev.addr) {
		assign(m, &prev, r.addr);
	} else {
		/* The first row of a sequence, or one that goes backwards
		 * (not allowed; taken as a new start rather than covering
		 * everything up to a wrapped address). */
		m->next = lower_bound(m->addrs, m->n, r.addr);
	}
	m->pending = m->next < m->n ? m->addrs[m->next] : UINT64_MAX;
}

int dp_line_prog_lookup(const struct dp_line_prog *p, const uint64_t *addrs,
			size_t n, struct dp_line_hit *hits)
{
	struct cur c = { p->prog, p->end, p->big_endian, false };
	struct merge m = { addrs, hits, n, 0, n ? addrs[0] : UINT64_MAX };
	struct row r, prev = { 0 };
	bool in_seq = false;
	uint64_t op_index = 0;
	const uint8_t base = p->opcode_base;
	const uint64_t range = p->line_range, min_inst = p->min_inst_len;
	const uint64_t max_ops = p->max_ops;
	/* Special opcodes are most of a program: their advances come from a
	 * table rather than two divisions by line_range each. */
	uint8_t sp_ops[256];
	int16_t sp_line[256];

	memset(hits, 0, n * sizeof(*hits));
	for (size_t i = 1; i < n; i++)
		if (addrs[i] < addrs[i - 1])
			return -EINVAL;
	if (!p->prog || !n)
		return 0;

	for (unsigned int op = base; op < 256; op++) {
		unsigned int adj = op - base;

		sp_ops[op] = (uint8_t)(adj / range);
		sp_line[op] = (int16_t)(p->line_base + (int)(adj % range));
	}
	r = (struct row){ 0, 1, 1, 0 };
	/* Most rows lie between two of the addresses looked up and give
	 * nothing to anyone: the row just takes the previous one's place. */
#define EMIT(end_seq) do {                                                    \
		if (!in_seq || r.addr < prev.addr || r.addr > m.pending)      \
			emit_slow(&m, in_seq, prev, r);                       \
		prev = r;                                                     \
		in_seq = !(end_seq);                                          \
	} while (0)
	/* address += min_inst * ((op_index + adv) / max_ops), op_index =
	 * (op_index + adv) % max_ops; with max_ops 1 (all but VLIW) that is
	 * address += min_inst * adv, kept apart to spare a division per row. */
#define ADVANCE(adv) do {                                                     \
		uint64_t adv_ = (adv);                                        \
		if (max_ops == 1) {                                           \
			r.addr += min_inst * adv_;                            \
		} else {                                                      \
			r.addr += min_inst * ((op_index + adv_) / max_ops);   \
			op_index = (op_index + adv_) % max_ops;               \
		}                                                             \
	} while (0)

	while (c.p < c.end) {
		uint8_t op = *c.p++;

		if (op >= base) {
			ADVANCE(sp_ops[op]);
			r.line += (uint64_t)(int64_t)sp_line[op];
			EMIT(false);
			continue;
		}
		switch (op) {
		case 0: {
			uint64_t len = uleb(&c);
			struct cur ext;

			if (c.bad || len > left(&c)) {
				c.bad = true;
				break;
			}
			if (len == 0)
				break;             /* an empty extended opcode */
			ext = c;
			ext.end = c.p + len;
			c.p += len;
			switch (u8(&ext)) {
			case LNE_end_sequence:
				EMIT(true);
				r = (struct row){ 0, 1, 1, 0 };
				op_index = 0;
				break;
			case LNE_set_address:
				/* The operand is as long as the opcode says
				 * (4 or 8 bytes: the address size). */
				if (left(&ext) == 0 || left(&ext) > 8) {
					c.bad = true;
					break;
				}
				r.addr = uint_n(&ext, left(&ext));
				op_index = 0;
				break;
			default:
				/* define_file (names it adds stay unknown),
				 * set_discriminator, vendor opcodes. */
				break;
			}
			break;
		}
		case LNS_copy:
			EMIT(false);
			break;
		case LNS_advance_pc:
			ADVANCE(uleb(&c));
			break;
		case LNS_advance_line:
			r.line += (uint64_t)sleb(&c);
			break;
		case LNS_set_file:
			r.file = uleb(&c);
			break;
		case LNS_set_column:
			r.column = uleb(&c);
			break;
		case LNS_negate_stmt:
		case LNS_set_basic_block:
		case LNS_set_prologue_end:
		case LNS_set_epilogue_begin:
			break;
		case LNS_const_add_pc:
			ADVANCE((uint8_t)(255 - base) / range);
			break;
		case LNS_fixed_advance_pc:
			r.addr += uint_n(&c, 2);
			op_index = 0;
			break;
		default:
			/* LNS_set_isa and opcodes this decoder does not know:
			 * the header says how many ULEB operands to skip. */
			for (uint8_t k = p->std_lengths[op - 1]; k && !c.bad; k--)
				uleb(&c);
			break;
		}
		if (c.bad)
			break;
	}
#undef ADVANCE
#undef EMIT
	/* A sequence still open at the end was cut: what it covers past
	 * its last row is unknown, so it stays without a line. */
	return c.bad ? -EINVAL : 0;
}

int dp_line_prog_file(const struct dp_line_prog *p, uint64_t idx,
		      const char *comp_dir, struct dp_strbuf *out)
{
	const struct dp_line_file *f;
	const char *dir = NULL;
	size_t n;
	int ret = 0;

	dp_strbuf_reset(out);
	/* Index 0 of a DWARF 2-4 program is no file. */
	if (idx >= p->nr_files || (p->version < 5 && idx == 0))
		return -ENOENT;
	f = &p->files[idx];
	if (!f->name)
		return -ENOENT;
	if (f->name[0] != '/') {
		if (p->version < 5 && f->dir == 0)
			dir = comp_dir;
		else if (f->dir < p->nr_dirs)
			dir = p->dirs[f->dir];
	}
	if (dir && dir[0]) {
		ret = dp_strbuf_adds(out, dir);
		/* libdw would write "dir//name" for a dir ending in '/' */
		if (!ret && dir[strlen(dir) - 1] != '/')
			ret = dp_strbuf_addch(out, '/');
	}
	if (!ret)
		ret = dp_strbuf_adds(out, f->name);
	if (ret)
		return ret;
	/* Under comp_dir (its trailing slashes aside): the part after it. */
	n = comp_dir ? strlen(comp_dir) : 0;
	while (n > 1 && comp_dir[n - 1] == '/')
		n--;
	if (n && out->len > n + 1 && !strncmp(out->buf, comp_dir, n) && out->buf[n] == '/') {
		memmove(out->buf, out->buf + n + 1, out->len - n);   /* with the NUL */
		out->len -= n + 1;
	}
	return 0;
}
