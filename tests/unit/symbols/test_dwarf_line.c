/* test_dwarf_line — unit tests for the line-program decoder
 * (src/symbols/dwarf_line.c).
 *
 * Hand-built units (DWARF 2, 3, 4 and 5 headers, 64-bit DWARF, big
 * endian, a VLIW max_ops, every standard and extended opcode, a vendor
 * opcode, overlapping and backwards sequences) with the rows worked out
 * by hand; then real programs checked against libdw row by row: every
 * CU of the fixture vmlinux, of this test binary, and of small programs
 * built here with gcc -gdwarf-2/-3/-4/-5 when gcc is there; then every
 * cut and every byte flipped of a hand-built unit, which must be refused
 * or decoded without reading outside it (ASan and valgrind check that).
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dropprof/symbols/dwarf_line.h"
#include "dropprof/util/strbuf.h"
#include "testutil.h"

#ifndef DP_FIXTURE_VMLINUX
#error "built by the GNUmakefile, which defines the fixture paths"
#endif

/* ---- a unit builder ------------------------------------------------------ */

struct bb {
	uint8_t b[4096];
	size_t n;
	bool be;
};

static void put(struct bb *b, uint64_t v, size_t size)
{
	assert_true(b->n + size <= sizeof(b->b));
	for (size_t i = 0; i < size; i++) {
		size_t sh = b->be ? size - 1 - i : i;

		b->b[b->n++] = (uint8_t)(v >> (8 * sh));
	}
}

static void put_uleb(struct bb *b, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;

		v >>= 7;
		put(b, c | (v ? 0x80 : 0), 1);
	} while (v);
}

static void put_sleb(struct bb *b, int64_t v)
{
	bool more = true;

	while (more) {
		uint8_t c = v & 0x7f;

		v >>= 7;
		more = !((v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40)));
		put(b, c | (more ? 0x80 : 0), 1);
	}
}

static void put_str(struct bb *b, const char *s)
{
	size_t n = strlen(s) + 1;

	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, s, n);
	b->n += n;
}

/* Patch a length field of size bytes at off to v. */
static void patch(struct bb *b, size_t off, uint64_t v, size_t size)
{
	size_t n = b->n;

	b->n = off;
	put(b, v, size);
	b->n = n;
}

struct shape {
	int version;
	bool dwarf64;
	bool be;
	uint8_t min_inst, max_ops, opcode_base;
	int8_t line_base;
	uint8_t line_range;
};

#define LINE_BASE -5
#define LINE_RANGE 14

/* String sections of the DWARF 5 units: offsets are fixed below. */
static const char line_str[] = "/src/tree\0/abs/inc\0a.c\0b.h";
#define LS_TREE 0
#define LS_ABS 10
#define LS_A 19
#define LS_B 23
static const char str_sec[] = "xx\0/src/tree/include\0x.h";
#define S_INC 3
#define S_X 21

static struct dp_line_sections sections(bool be)
{
	return (struct dp_line_sections){
		(const uint8_t *)line_str, sizeof(line_str),
		(const uint8_t *)str_sec, sizeof(str_sec), be,
	};
}

static void put_off(struct bb *b, const struct shape *s, uint64_t v)
{
	put(b, v, s->dwarf64 ? 8 : 4);
}

static size_t begin_unit(struct bb *b, const struct shape *s, size_t *hlen_at)
{
	size_t len_at;

	b->be = s->be;
	if (s->dwarf64)
		put(b, 0xffffffff, 4);
	len_at = b->n;
	put_off(b, s, 0);
	put(b, (uint64_t)s->version, 2);
	if (s->version >= 5) {
		put(b, 8, 1);           /* address_size */
		put(b, 0, 1);           /* segment selector size */
	}
	*hlen_at = b->n;
	put_off(b, s, 0);
	put(b, s->min_inst, 1);
	if (s->version >= 4)
		put(b, s->max_ops, 1);
	put(b, 1, 1);                   /* default_is_stmt */
	put(b, (uint8_t)s->line_base, 1);
	put(b, s->line_range, 1);
	put(b, s->opcode_base, 1);
	for (int op = 1; op < s->opcode_base; op++) {
		static const uint8_t std[] = { 0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1 };

		/* A vendor opcode 13 takes two operands. */
		put(b, op <= 12 ? std[op] : 2, 1);
	}
	return len_at;
}

/* The tables: files 1 a.c (dir 0), 2 b.h (/abs/inc), 3 x.h
 * (/src/tree/include or, before DWARF 5, rel/dir), 4 /abs/d.c; DWARF 5
 * also has file 0 (a.c) and x.h's directory by DW_FORM_strp. */
static void put_tables(struct bb *b, const struct shape *s)
{
	if (s->version < 5) {
		put_str(b, "/abs/inc");
		put_str(b, "rel/dir");
		put(b, 0, 1);
		put_str(b, "a.c");
		put_uleb(b, 0); put_uleb(b, 0); put_uleb(b, 0);
		put_str(b, "b.h");
		put_uleb(b, 1); put_uleb(b, 1234); put_uleb(b, 99);
		put_str(b, "x.h");
		put_uleb(b, 2); put_uleb(b, 0); put_uleb(b, 0);
		put_str(b, "/abs/d.c");
		put_uleb(b, 1); put_uleb(b, 0); put_uleb(b, 0);
		put(b, 0, 1);
		return;
	}
	/* directories: path as line_strp, or strp, or string */
	put(b, 1, 1);
	put_uleb(b, DW_LNCT_path); put_uleb(b, DW_FORM_line_strp);
	put_uleb(b, 3);
	put_off(b, s, LS_TREE);
	put_off(b, s, LS_ABS);
	put_off(b, s, 0x7fff);          /* outside .debug_line_str: unknown */
	/* files: path (string), MD5, dir (udata), size (data4) */
	put(b, 4, 1);
	put_uleb(b, DW_LNCT_path); put_uleb(b, DW_FORM_string);
	put_uleb(b, DW_LNCT_MD5); put_uleb(b, DW_FORM_data16);
	put_uleb(b, DW_LNCT_directory_index); put_uleb(b, DW_FORM_udata);
	put_uleb(b, DW_LNCT_size); put_uleb(b, DW_FORM_data4);
	put_uleb(b, 5);
	for (int i = 0; i < 5; i++) {
		static const char *names[] = { "a.c", "a.c", "b.h", "x.h", "/abs/d.c" };
		static const uint64_t dirs[] = { 0, 0, 1, 2, 1 };

		put_str(b, names[i]);
		for (int k = 0; k < 16; k++)
			put(b, 0xa0 + (unsigned)k, 1);
		put_uleb(b, dirs[i]);
		put(b, 1000, 4);
	}
}

static void special(struct bb *b, const struct shape *s, unsigned addr_adv, int line_adv)
{
	int op = (line_adv - s->line_base) + s->line_range * (int)addr_adv + s->opcode_base;

	assert_true(line_adv >= s->line_base && line_adv < s->line_base + s->line_range);
	assert_true(op >= s->opcode_base && op <= 255);
	put(b, (uint64_t)op, 1);
}

static void set_address(struct bb *b, uint64_t a, size_t size)
{
	put(b, 0, 1);
	put_uleb(b, 1 + size);
	put(b, DW_LNE_set_address, 1);
	put(b, a, size);
}

static void end_sequence(struct bb *b)
{
	put(b, 0, 1);
	put_uleb(b, 1);
	put(b, DW_LNE_end_sequence, 1);
}

/* Addresses advance in units of min_inst (and max_ops operations). */
#define ADV(s, bytes) ((unsigned)((bytes) / (s)->min_inst * (s)->max_ops))

/* The program of every hand-built unit; rows (address, file, line, col):
 *   seq 1: 0x1000 1 10 0, 0x1004 1 11 0, 0x100c 2 11 7, 0x101d 2 11 7
 *          (const_add_pc: 17 units), 0x1020 2 6 7, 0x1020 2 7 7 (the
 *          later row at one address wins), end 0x1030
 *   seq 2: 0x800 3 1 0, end 0x900          (below seq 1 in address)
 *   seq 3: 0x1008 4 100 0, end 0x100c      (inside seq 1: nearer rows win)
 *   seq 4: 0x3000 1 5 0, then a row at 0x2000 (backwards: a new start)
 *          2000 1 6 0, end 0x2010
 * min_inst 1 (and 4 in the VLIW shape, with bigger steps scaled). */
static size_t build(struct bb *b, const struct shape *s)
{
	size_t len_at, hlen_at, prog_at, off = s->dwarf64 ? 8 : 4;
	unsigned cap = s->min_inst * (unsigned)((255 - s->opcode_base) / s->line_range) /
		       s->max_ops;

	memset(b, 0, sizeof(*b));
	len_at = begin_unit(b, s, &hlen_at);
	put_tables(b, s);
	prog_at = b->n;
	patch(b, hlen_at, prog_at - hlen_at - off, off);

	set_address(b, 0x1000, 8);
	put(b, DW_LNS_advance_line, 1); put_sleb(b, 9);
	put(b, DW_LNS_copy, 1);
	special(b, s, ADV(s, 4), 1);
	if (s->opcode_base > 13) {      /* a vendor opcode, skipped */
		put(b, 13, 1); put_uleb(b, 300); put_uleb(b, 5);
	}
	put(b, DW_LNS_set_file, 1); put_uleb(b, 2);
	put(b, DW_LNS_set_column, 1); put_uleb(b, 7);
	put(b, DW_LNS_negate_stmt, 1);
	put(b, DW_LNS_set_basic_block, 1);
	put(b, DW_LNS_advance_pc, 1); put_uleb(b, ADV(s, 8));
	put(b, DW_LNS_copy, 1);
	/* const_add_pc: the address advance of special opcode 255. */
	put(b, DW_LNS_const_add_pc, 1);
	assert_true(cap <= 0x1d - 0xc);
	put(b, DW_LNS_advance_pc, 1); put_uleb(b, ADV(s, 0x1d - 0xc - cap));
	put(b, DW_LNS_copy, 1);
	put(b, 0, 1); put_uleb(b, 2); put(b, DW_LNE_set_discriminator, 1); put_uleb(b, 3);
	put(b, DW_LNS_fixed_advance_pc, 1); put(b, 3, 2);   /* bytes, not units */
	put(b, DW_LNS_advance_line, 1); put_sleb(b, -5);
	put(b, DW_LNS_copy, 1);
	if (s->opcode_base >= 13) {
		put(b, DW_LNS_set_prologue_end, 1);
		put(b, DW_LNS_set_isa, 1); put_uleb(b, 1);
	}
	special(b, s, 0, 1);
	put(b, DW_LNS_advance_pc, 1); put_uleb(b, ADV(s, 0x10));
	end_sequence(b);

	set_address(b, 0x800, 8);
	put(b, DW_LNS_set_file, 1); put_uleb(b, 3);
	put(b, DW_LNS_copy, 1);
	put(b, DW_LNS_advance_pc, 1); put_uleb(b, ADV(s, 0x100));
	end_sequence(b);

	set_address(b, 0x1008, 8);
	put(b, DW_LNS_set_file, 1); put_uleb(b, 4);
	put(b, DW_LNS_advance_line, 1); put_sleb(b, 99);
	put(b, DW_LNS_copy, 1);
	put(b, 0, 1); put_uleb(b, 0);   /* an empty extended opcode */
	special(b, s, ADV(s, 4), 0);    /* a row at the end: no length */
	end_sequence(b);

	set_address(b, 0x3000, 8);
	put(b, DW_LNS_advance_line, 1); put_sleb(b, 4);
	put(b, DW_LNS_copy, 1);
	set_address(b, 0x2000, 8);
	special(b, s, 0, 1);
	put(b, DW_LNS_advance_pc, 1); put_uleb(b, ADV(s, 0x10));
	end_sequence(b);

	patch(b, len_at, b->n - len_at - off, off);
	return prog_at;
}

struct want {
	uint64_t addr;
	bool found;
	uint64_t file;
	uint32_t line, column;
};

static const struct want wants[] = {
	{ 0x7ff, false, 0, 0, 0 },
	{ 0x800, true, 3, 1, 0 },
	{ 0x8ff, true, 3, 1, 0 },
	{ 0x900, false, 0, 0, 0 },
	{ 0xfff, false, 0, 0, 0 },
	{ 0x1000, true, 1, 10, 0 },
	{ 0x1003, true, 1, 10, 0 },
	{ 0x1004, true, 1, 11, 0 },
	{ 0x1007, true, 1, 11, 0 },
	{ 0x1008, true, 4, 100, 0 },
	{ 0x100b, true, 4, 100, 0 },
	{ 0x100c, true, 2, 11, 7 },
	{ 0x100c, true, 2, 11, 7 },
	{ 0x101c, true, 2, 11, 7 },
	{ 0x101d, true, 2, 11, 7 },
	{ 0x1020, true, 2, 7, 7 },
	{ 0x102f, true, 2, 7, 7 },
	{ 0x1030, false, 0, 0, 0 },
	{ 0x1fff, false, 0, 0, 0 },
	{ 0x2000, true, 1, 6, 0 },
	{ 0x200f, true, 1, 6, 0 },
	{ 0x2010, false, 0, 0, 0 },
	{ 0x3000, false, 0, 0, 0 },
	{ UINT64_MAX, false, 0, 0, 0 },
};
#define NR_WANTS (sizeof(wants) / sizeof(wants[0]))

static void check_rows(const struct dp_line_prog *p)
{
	uint64_t addrs[NR_WANTS];
	struct dp_line_hit hits[NR_WANTS];

	for (size_t i = 0; i < NR_WANTS; i++)
		addrs[i] = wants[i].addr;
	assert_int_equal(dp_line_prog_lookup(p, addrs, NR_WANTS, hits), 0);
	for (size_t i = 0; i < NR_WANTS; i++) {
		const struct dp_line_hit *h = &hits[i];
		const struct want *w = &wants[i];

		if (h->found != w->found ||
		    (w->found && (h->file != w->file || h->line != w->line ||
				  h->column != w->column)))
			fail_msg("v%u 0x%" PRIx64 ": found %d file %" PRIu64 " line %u col %u, "
				 "want %d %" PRIu64 " %u %u", p->version, w->addr, h->found,
				 h->file, h->line, h->column, w->found, w->file, w->line,
				 w->column);
	}
}

static void check_file(const struct dp_line_prog *p, uint64_t idx, const char *comp_dir,
		       const char *want)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;
	int r = dp_line_prog_file(p, idx, comp_dir, &sb);

	if (!want) {
		assert_int_equal(r, -ENOENT);
		assert_string_equal(sb.buf, "");
	} else {
		if (r != 0 || strcmp(sb.buf, want))
			fail_msg("v%u file %" PRIu64 " (%s): %d '%s', want '%s'", p->version,
				 idx, comp_dir ? comp_dir : "NULL", r, sb.buf, want);
	}
	dp_strbuf_release(&sb);
}

static void load_ok(struct dp_line_prog *p, const struct bb *b, bool be)
{
	struct dp_line_sections s = sections(be);
	int r = dp_line_prog_load(p, b->b, b->n, &s);

	if (r)
		fail_msg("load: %d", r);
	assert_int_equal(p->unit_size, b->n);
}

static const struct shape shapes[] = {
	{ 2, false, false, 1, 1, 10, LINE_BASE, LINE_RANGE },
	{ 3, false, false, 1, 1, 13, LINE_BASE, LINE_RANGE },
	{ 4, false, false, 1, 1, 14, LINE_BASE, LINE_RANGE },
	{ 5, false, false, 1, 1, 13, LINE_BASE, LINE_RANGE },
	{ 5, true, false, 1, 1, 13, LINE_BASE, LINE_RANGE },
	{ 5, false, true, 1, 1, 13, LINE_BASE, LINE_RANGE },
	{ 4, true, true, 1, 1, 13, -3, 15 },
	{ 4, false, false, 1, 3, 13, LINE_BASE, LINE_RANGE },    /* VLIW */
};

static void test_hand_built(void **state)
{
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *s = &shapes[i];
		struct dp_line_prog p;
		struct bb b;

		build(&b, s);
		load_ok(&p, &b, s->be);
		assert_int_equal(p.version, s->version);
		assert_int_equal(p.dwarf64, s->dwarf64);
		assert_int_equal(p.max_ops, s->max_ops);
		check_rows(&p);
		/* The names, joined and made relative to comp_dir. */
		check_file(&p, 1, "/src/tree", "a.c");
		check_file(&p, 1, "/src/tree/", "a.c");
		check_file(&p, 2, "/src/tree", "/abs/inc/b.h");
		check_file(&p, 4, "/src/tree", "/abs/d.c");
		check_file(&p, 5, "/src/tree", NULL);
		check_file(&p, UINT64_MAX, "/src/tree", NULL);
		if (s->version < 5) {
			check_file(&p, 0, "/src/tree", NULL);
			check_file(&p, 1, NULL, "a.c");
			check_file(&p, 2, "/abs", "inc/b.h");
			check_file(&p, 3, "/src/tree", "rel/dir/x.h");
			assert_int_equal(p.nr_files, 5);
		} else {
			check_file(&p, 0, "/src/tree", "a.c");
			check_file(&p, 1, NULL, "/src/tree/a.c");
			check_file(&p, 1, "/src", "tree/a.c");
			/* Its directory's string is outside .debug_line_str:
			 * the bare name. */
			check_file(&p, 3, "/src/tree", "x.h");
			assert_int_equal(p.nr_files, 5);
			assert_int_equal(p.nr_dirs, 3);
			assert_null(p.dirs[2]);
		}
		dp_line_prog_release(&p);
		dp_line_prog_release(&p);
	}
}

/* DWARF 5 names through DW_FORM_line_strp and DW_FORM_strp, directory
 * indexes as data1 and data2, a vendor content type skipped; then the
 * string sections absent. */
static void test_v5_forms(void **state)
{
	const struct shape s = { 5, false, false, 1, 1, 13, LINE_BASE, LINE_RANGE };
	struct dp_line_sections secs = sections(false), none = { 0 };
	size_t len_at, hlen_at;
	struct dp_line_prog p;
	struct bb b;

	memset(&b, 0, sizeof(b));
	len_at = begin_unit(&b, &s, &hlen_at);
	put(&b, 1, 1);
	put_uleb(&b, DW_LNCT_path); put_uleb(&b, DW_FORM_strp);
	put_uleb(&b, 2);
	put(&b, S_INC - 3, 4);          /* "xx" */
	put(&b, S_INC, 4);              /* /src/tree/include */
	put(&b, 4, 1);
	put_uleb(&b, DW_LNCT_path); put_uleb(&b, DW_FORM_line_strp);
	put_uleb(&b, DW_LNCT_directory_index); put_uleb(&b, DW_FORM_data1);
	put_uleb(&b, 0x2001); put_uleb(&b, DW_FORM_block);     /* vendor */
	put_uleb(&b, DW_LNCT_timestamp); put_uleb(&b, DW_FORM_data8);
	put_uleb(&b, 2);
	put(&b, LS_A, 4); put(&b, 0, 1); put_uleb(&b, 3); put(&b, 0xabcdef, 3);
	put(&b, 0x11, 8);
	put(&b, LS_B, 4); put(&b, 1, 1); put_uleb(&b, 0); put(&b, 0x22, 8);
	patch(&b, hlen_at, b.n - hlen_at - 4, 4);
	set_address(&b, 0x10, 8);
	put(&b, DW_LNS_copy, 1);
	put(&b, DW_LNS_advance_pc, 1); put_uleb(&b, 2);
	end_sequence(&b);
	patch(&b, len_at, b.n - len_at - 4, 4);

	assert_int_equal(dp_line_prog_load(&p, b.b, b.n, &secs), 0);
	check_file(&p, 0, "/src/tree", "xx/a.c");
	check_file(&p, 1, "/src/tree", "include/b.h");
	check_file(&p, 2, "/src/tree", NULL);
	{
		uint64_t a[] = { 0x10, 0x11, 0x12 };
		struct dp_line_hit h[3];

		assert_int_equal(dp_line_prog_lookup(&p, a, 3, h), 0);
		assert_true(h[0].found && h[1].found && !h[2].found);
		assert_int_equal(h[0].line, 1);
		assert_int_equal(h[0].file, 1);
	}
	dp_line_prog_release(&p);

	/* No string sections: the rows still decode, the names are unknown. */
	assert_int_equal(dp_line_prog_load(&p, b.b, b.n, &none), 0);
	check_file(&p, 0, "/src/tree", NULL);
	check_file(&p, 1, "/src/tree", NULL);
	dp_line_prog_release(&p);

	/* An unknown form cannot be skipped: refused. */
	b.b[hlen_at + 4 + 6 + 12 + 2] = 0x7f;   /* the dirs' form */
	assert_int_equal(dp_line_prog_load(&p, b.b, b.n, &secs), -EINVAL);
	assert_null(p.files);
}

static void test_refused(void **state)
{
	const struct shape s = { 4, false, false, 1, 1, 13, LINE_BASE, LINE_RANGE };
	struct dp_line_sections secs = sections(false);
	struct dp_line_prog p;
	struct bb b;
	uint64_t addrs[] = { 2, 1 };
	struct dp_line_hit hits[2];

	build(&b, &s);
	/* Versions 1 and 6, a reserved length, line_range 0, a segment
	 * selector. */
	b.b[4] = 1;
	assert_int_equal(dp_line_prog_load(&p, b.b, b.n, &secs), -EOPNOTSUPP);
	b.b[4] = 6;
	assert_int_equal(dp_line_prog_load(&p, b.b, b.n, &secs), -EOPNOTSUPP);
	b.b[4] = 4;
	memcpy(b.b, "\xf0\xff\xff\xff", 4);
	assert_int_equal(dp_line_prog_load(&p, b.b, b.n, &secs), -EINVAL);
	build(&b, &s);
	b.b[4 + 2 + 4 + 4] = 0;         /* line_range */
	assert_int_equal(dp_line_prog_load(&p, b.b, b.n, &secs), -EINVAL);
	build(&b, &shapes[3]);
	b.b[4 + 2 + 1] = 1;
	assert_int_equal(dp_line_prog_load(&p, b.b, b.n, &secs), -EOPNOTSUPP);

	/* Unsorted addresses. */
	build(&b, &s);
	load_ok(&p, &b, false);
	assert_int_equal(dp_line_prog_lookup(&p, addrs, 2, hits), -EINVAL);
	assert_int_equal(dp_line_prog_lookup(&p, addrs, 0, hits), 0);
	dp_line_prog_release(&p);

	/* A header_length past the unit, a unit past the bytes. */
	build(&b, &s);
	patch(&b, 6, b.n, 4);
	assert_int_equal(dp_line_prog_load(&p, b.b, b.n, &secs), -EINVAL);
	build(&b, &s);
	assert_int_equal(dp_line_prog_load(&p, b.b, b.n - 1, &secs), -EINVAL);
	assert_int_equal(dp_line_prog_load(&p, b.b, 0, &secs), -EINVAL);
	assert_null(p.dirs);
}

/* Two units back to back: unit_size finds the second. */
static void test_two_units(void **state)
{
	struct dp_line_sections secs = sections(false);
	struct dp_line_prog p;
	struct bb a, b;
	uint8_t both[8192];

	build(&a, &shapes[2]);
	build(&b, &shapes[3]);
	memcpy(both, a.b, a.n);
	memcpy(both + a.n, b.b, b.n);
	assert_int_equal(dp_line_prog_load(&p, both, a.n + b.n, &secs), 0);
	assert_int_equal(p.unit_size, a.n);
	assert_int_equal(p.version, 4);
	check_rows(&p);
	dp_line_prog_release(&p);
	assert_int_equal(dp_line_prog_load(&p, both + a.n, b.n, &secs), 0);
	assert_int_equal(p.version, 5);
	check_rows(&p);
	dp_line_prog_release(&p);
}

/* Run everything on a unit in a buffer of exactly its size. */
static void try_hostile(const uint8_t *bytes, size_t n, bool be)
{
	struct dp_line_sections secs = sections(be);
	uint8_t *copy = malloc(n ? n : 1);
	struct dp_strbuf sb = DP_STRBUF_INIT;
	struct dp_line_hit hits[NR_WANTS];
	uint64_t addrs[NR_WANTS];
	struct dp_line_prog p;

	assert_non_null(copy);
	memcpy(copy, bytes, n);
	for (size_t i = 0; i < NR_WANTS; i++)
		addrs[i] = wants[i].addr;
	if (dp_line_prog_load(&p, copy, n, &secs) == 0) {
		int r = dp_line_prog_lookup(&p, addrs, NR_WANTS, hits);

		assert_true(r == 0 || r == -EINVAL);
		assert_true(p.unit_size <= n);
		for (uint64_t f = 0; f < p.nr_files + 2; f++)
			dp_line_prog_file(&p, f, "/src/tree", &sb);
		dp_line_prog_release(&p);
	} else {
		assert_null(p.files);
		assert_null(p.dirs);
	}
	dp_strbuf_release(&sb);
	free(copy);
}

static void test_hostile(void **state)
{
	for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		const struct shape *s = &shapes[k];
		size_t off = s->dwarf64 ? 12 : 4, len_at = s->dwarf64 ? 4 : 0;
		struct bb b, cut;

		build(&b, s);
		/* Cut anywhere, the length field still saying the whole. */
		for (size_t n = 0; n < b.n; n++)
			try_hostile(b.b, n, s->be);
		/* Cut anywhere, the length field saying the cut: the
		 * program ends early, inside an opcode. */
		for (size_t n = off; n < b.n; n++) {
			cut = b;
			cut.n = n;
			patch(&cut, len_at, n - off, s->dwarf64 ? 8 : 4);
			try_hostile(cut.b, n, s->be);
		}
		/* Every byte flipped, and set to 0x00, 0x80 and 0xff. */
		for (size_t i = 0; i < b.n; i++) {
			static const uint8_t vals[] = { 0x00, 0x80, 0xff, 0x7f };

			for (size_t v = 0; v < sizeof(vals) + 1; v++) {
				cut = b;
				cut.b[i] = v < sizeof(vals) ? vals[v] : (uint8_t)~b.b[i];
				try_hostile(cut.b, cut.n, s->be);
			}
		}
	}
}

/* ---- real programs against libdw ---------------------------------------- */

static const Elf_Data *section(Elf *elf, const char *name)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			continue;
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (n && !strcmp(n, name))
			return elf_getdata(scn, NULL);
	}
	return NULL;
}

/* What dwarf.c did with libdw's names: relative to comp_dir when under it. */
static const char *rel(const char *file, const char *comp_dir)
{
	size_t n = comp_dir ? strlen(comp_dir) : 0;

	while (n > 1 && comp_dir[n - 1] == '/')
		n--;
	if (file && n && !strncmp(file, comp_dir, n) && file[n] == '/' && file[n + 1])
		return file + n + 1;
	return file;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Every row of every CU of path, and an address inside each row's range,
 * as libdw's dwarf_getsrc_die() answers.  Returns the rows checked. */
static size_t compare_with_libdw(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct dp_strbuf sb = DP_STRBUF_INIT;
	const Elf_Data *line, *lstr, *str;
	struct dp_line_sections secs = { 0 };
	Dwarf_Off off = 0, next;
	size_t hsize, checked = 0;
	Dwarf *dw;
	Elf *elf;

	assert_true(fd >= 0);
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	assert_non_null(elf);
	dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	assert_non_null(dw);
	line = section(elf, ".debug_line");
	assert_non_null(line);
	lstr = section(elf, ".debug_line_str");
	str = section(elf, ".debug_str");
	if (lstr) {
		secs.line_str = lstr->d_buf;
		secs.line_str_size = lstr->d_size;
	}
	if (str) {
		secs.str = str->d_buf;
		secs.str_size = str->d_size;
	}
	secs.big_endian = elf_getident(elf, NULL)[EI_DATA] == ELFDATA2MSB;

	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		Dwarf_Attribute attr;
		Dwarf_Word stmt;
		Dwarf_Lines *lines;
		size_t nl, na = 0;
		uint64_t *addrs;
		struct dp_line_hit *hits;
		struct dp_line_prog p;
		const char *comp_dir;

		assert_non_null(dwarf_offdie(dw, off + hsize, &cu));
		off = next;
		if (dwarf_formudata(dwarf_attr(&cu, DW_AT_stmt_list, &attr), &stmt) != 0)
			continue;
		if (dwarf_getsrclines(&cu, &lines, &nl) != 0 || nl == 0)
			continue;
		comp_dir = dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &attr));
		assert_true(stmt < line->d_size);
		assert_int_equal(dp_line_prog_load(&p, (const uint8_t *)line->d_buf + stmt,
						   line->d_size - stmt, &secs), 0);
		addrs = calloc(2 * nl, sizeof(*addrs));
		hits = calloc(2 * nl, sizeof(*hits));
		assert_non_null(addrs);
		assert_non_null(hits);
		for (size_t i = 0; i < nl; i++) {
			Dwarf_Addr a, b;

			assert_int_equal(dwarf_lineaddr(dwarf_onesrcline(lines, i), &a), 0);
			addrs[na++] = a;
			if (i + 1 < nl &&
			    dwarf_lineaddr(dwarf_onesrcline(lines, i + 1), &b) == 0 && b > a + 1)
				addrs[na++] = a + (b - a) / 2;
		}
		qsort(addrs, na, sizeof(*addrs), cmp_u64);
		assert_int_equal(dp_line_prog_lookup(&p, addrs, na, hits), 0);
		for (size_t i = 0; i < na; i++) {
			Dwarf_Line *l = dwarf_getsrc_die(&cu, addrs[i]);
			int ln = 0, col = 0;
			const char *f;

			if (!l) {
				if (hits[i].found)
					fail_msg("%s 0x%" PRIx64 ": line %u, libdw none", path,
						 addrs[i], hits[i].line);
				continue;
			}
			dwarf_lineno(l, &ln);
			dwarf_linecol(l, &col);
			f = rel(dwarf_linesrc(l, NULL, NULL), comp_dir);
			if (!hits[i].found || hits[i].line != (uint32_t)ln ||
			    hits[i].column != (uint32_t)col)
				fail_msg("%s 0x%" PRIx64 ": found %d line %u col %u, libdw %d %d",
					 path, addrs[i], hits[i].found, hits[i].line,
					 hits[i].column, ln, col);
			dp_line_prog_file(&p, hits[i].file, comp_dir, &sb);
			if (strcmp(sb.buf, f ? f : ""))
				fail_msg("%s 0x%" PRIx64 ": file '%s', libdw '%s'", path,
					 addrs[i], sb.buf, f ? f : "");
			checked++;
		}
		dp_line_prog_release(&p);
		free(addrs);
		free(hits);
	}
	dwarf_end(dw);
	elf_end(elf);
	close(fd);
	dp_strbuf_release(&sb);
	return checked;
}

static void test_fixture_vmlinux(void **state)
{
	size_t n = compare_with_libdw(DP_FIXTURE_VMLINUX);

	print_message("fixture vmlinux: %zu addresses as libdw\n", n);
	assert_true(n > 100);
}

static void test_self(void **state)
{
	size_t n = compare_with_libdw("/proc/self/exe");

	print_message("this test binary: %zu addresses as libdw\n", n);
	assert_true(n > 100);
}

/* Small programs built here in each DWARF version (two files, an inline
 * header, -O2 so that rows jump around). */
static void test_gcc_versions(void **state)
{
	static const char src[] =
		"#include \"h.h\"\n"
		"int g;\n"
		"int f(int x)\n{\n\tint s = 0;\n\tfor (int i = 0; i < x; i++)\n"
		"\t\ts += helper(i);\n\treturn s;\n}\n"
		"int main(int argc, char **argv)\n{\n\tg = f(argc);\n\treturn g & 1;\n}\n";
	static const char hdr[] =
		"static inline __attribute__((always_inline)) int helper(int i)\n"
		"{\n\tif (i & 1)\n\t\treturn i * 3;\n\treturn i - 7;\n}\n";
	char *dir = dp_test_tmpdir(), *path = NULL, *cmd = NULL;

	if (system("gcc --version >/dev/null 2>&1") != 0) {
		dp_test_rmdir(dir);
		skip();
	}
	assert_true(asprintf(&path, "%s/m.c", dir) > 0);
	dp_test_spill(path, src, strlen(src));
	free(path);
	assert_true(asprintf(&path, "%s/h.h", dir) > 0);
	dp_test_spill(path, hdr, strlen(hdr));
	free(path);
	for (int v = 2; v <= 5; v++) {
		size_t n;

		assert_true(asprintf(&cmd, "cd '%s' && gcc -O2 -gdwarf-%d -o m%d m.c", dir, v,
				     v) > 0);
		assert_int_equal(system(cmd), 0);
		free(cmd);
		assert_true(asprintf(&path, "%s/m%d", dir, v) > 0);
		n = compare_with_libdw(path);
		print_message("gcc -gdwarf-%d: %zu addresses as libdw\n", v, n);
		assert_true(n > 10);
		free(path);
	}
	dp_test_rmdir(dir);   /* and what is in it */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_built),
		cmocka_unit_test(test_v5_forms),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_two_units),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_fixture_vmlinux),
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_gcc_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
