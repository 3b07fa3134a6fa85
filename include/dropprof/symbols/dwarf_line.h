/* dwarf_line — a pure decoder of one DWARF line-number program (one unit
 * of .debug_line, DWARF versions 2 to 5), for many addresses at once.
 *
 * libdw's dwarf_getsrclines() materialises every row of a CU, sorts them
 * and keeps them: for a vmlinux that is millions of rows and most of the
 * cost of symbolizing a profile.  Here the state machine runs once over
 * the program and each row is merged with a sorted array of addresses as
 * it comes, so nothing but the header's directory and file tables is
 * allocated.  The answer for an address is the row libdw and binutils
 * addr2line give: the last row at or below it in a sequence that the
 * address lies in (below the sequence's end_sequence address).
 *
 * Only bytes are read: no syscalls, no libdw.  Every read is checked
 * against the bounds given; corrupt input gives -EINVAL or "no line",
 * never an out-of-bounds read, and each step of the program consumes at
 * least one byte, so decoding ends.
 *
 *   struct dp_line_prog p;
 *   if (dp_line_prog_load(&p, sec + stmt_list, sec_size - stmt_list, &strs) == 0) {
 *           dp_line_prog_lookup(&p, sorted_addrs, n, hits);
 *           dp_line_prog_file(&p, hits[i].file, comp_dir, &sb);
 *           dp_line_prog_release(&p);
 *   }
 */
#ifndef DROPPROF_DWARF_LINE_H
#define DROPPROF_DWARF_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_strbuf;

/* The string sections the DWARF 5 forms point into, and the byte order
 * of the file.  Borrowed; a NULL section (size 0) makes its form's names
 * unknown, not the program unreadable. */
struct dp_line_sections {
	const uint8_t *line_str;   /* .debug_line_str (DW_FORM_line_strp) */
	size_t line_str_size;
	const uint8_t *str;        /* .debug_str (DW_FORM_strp) */
	size_t str_size;
	bool big_endian;
};

/* One name of the header's tables: a NUL-terminated string inside the
 * bytes given (borrowed), or NULL when its form is not one we can read
 * (DW_FORM_strx needs the CU's string offsets, DW_FORM_strp_sup a
 * supplementary file). */
struct dp_line_file {
	const char *name;
	uint64_t dir;              /* index into dirs */
};

/* The parsed header.  Tables are owned (dp_line_prog_release frees
 * them); the names and the program are borrowed from the bytes given to
 * dp_line_prog_load, which must outlive it. */
struct dp_line_prog {
	uint16_t version;          /* 2..5 */
	bool dwarf64;
	bool big_endian;
	uint8_t min_inst_len;
	uint8_t max_ops;           /* 1 but on VLIW targets */
	bool default_is_stmt;
	int8_t line_base;
	uint8_t line_range;        /* never 0 after load */
	uint8_t opcode_base;
	const uint8_t *std_lengths;   /* operands of opcodes 1..opcode_base-1 */
	const uint8_t *prog, *end;    /* the opcodes */
	size_t unit_size;          /* bytes of the whole unit, length field included */
	const char **dirs;         /* entries may be NULL (unreadable form) */
	size_t nr_dirs;
	struct dp_line_file *files;
	size_t nr_files;
};

/* What an address maps to.  file is the program's own index (DWARF 5
 * counts from 0, earlier versions from 1), the one DW_AT_call_file uses
 * too: dp_line_prog_file turns it into a name. */
struct dp_line_hit {
	uint64_t row_addr;         /* address of the row */
	uint64_t file;
	uint32_t line;             /* 0: the row says none */
	uint32_t column;
	bool found;                /* false: no sequence covers the address */
};

/* Parse the header of the unit at data (the bytes from the unit's start,
 * DW_AT_stmt_list, to the end of .debug_line: the unit's own length says
 * where it ends).  Returns 0, -EINVAL (cut or corrupt: the unit does not
 * fit, a count runs past the header, line_range 0, a form that cannot be
 * skipped), -EOPNOTSUPP (a version other than 2..5, or a segment
 * selector), -ENOMEM.  p is zeroed on failure. */
int dp_line_prog_load(struct dp_line_prog *p, const uint8_t *data, size_t size,
		      const struct dp_line_sections *s);

/* Free the tables and zero p.  Safe on a zeroed p. */
void dp_line_prog_release(struct dp_line_prog *p);

/* Run the program once and fill hits[i] for addrs[i] (n of each; addrs
 * sorted ascending, repeats allowed; the addresses the program uses, not
 * run-time ones).  Every hit is reset first.  Returns 0, -EINVAL when
 * addrs is not sorted or the program is cut or corrupt: the hits found
 * before that point are kept (each is a real row), the rest stay not
 * found. */
int dp_line_prog_lookup(const struct dp_line_prog *p, const uint64_t *addrs,
			size_t n, struct dp_line_hit *hits);

/* The name of file idx, into out (replacing what it held): the file's
 * directory and name joined as libdw joins them (an absolute name as it
 * is, else dir + "/" + name; directory 0 of a DWARF 2-4 program is
 * comp_dir), then made relative to comp_dir when it lies under it
 * ("/build/linux/net/ipv4/udp.c" under "/build/linux" is
 * "net/ipv4/udp.c").  comp_dir may be NULL.  Returns 0, -ENOENT (no such
 * file, or its name is unknown; out is then ""), -ENOMEM. */
int dp_line_prog_file(const struct dp_line_prog *p, uint64_t idx,
		      const char *comp_dir, struct dp_strbuf *out);

#endif
