/* fuzz_dwarf_line — libFuzzer target for the line-program decoder
 * (src/symbols/dwarf_line.c): every unit of a .debug_line section loaded,
 * looked up at a set of sorted addresses, and every file of its table
 * named.
 *
 * Input: one flags byte (bit 0: big endian, bit 1: no comp_dir), a
 * 16-bit little-endian length S, S bytes that stand for both
 * .debug_line_str and .debug_str, then the .debug_line bytes.  The
 * addresses are the ones the section's DW_LNE_set_address opcodes name
 * (and a few bytes past each), so rows are found without the fuzzer
 * guessing 64-bit values, plus eight taken from the input's last bytes.
 * Seeds in tests/fuzz/corpus/dwarf_line/: the sections of small gcc
 * programs in DWARF 2 to 5 and of the fixture vmlinux.
 *
 *   make fuzz-run FUZZ_SECONDS=300     (a third of the time goes here)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/symbols/dwarf_line.h"
#include "dropprof/util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ADDRS 512

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static size_t pick_addrs(const uint8_t *sec, size_t n, const uint8_t *data, size_t size,
			 uint64_t *addrs)
{
	size_t nr = 0;

	for (size_t i = 0; i + 11 <= n && nr + 4 <= MAX_ADDRS; i++) {
		uint64_t a;

		if (sec[i] != 0 || sec[i + 1] != 9 || sec[i + 2] != 2)
			continue;
		memcpy(&a, sec + i + 3, sizeof(a));
		addrs[nr++] = a;
		addrs[nr++] = a + 1;
		addrs[nr++] = a + 0x11;
		addrs[nr++] = a + 0x100;
	}
	for (size_t off = size >= 64 ? size - 64 : 0; off + 8 <= size && nr < MAX_ADDRS;
	     off += 8)
		memcpy(&addrs[nr++], data + off, sizeof(uint64_t));
	qsort(addrs, nr, sizeof(*addrs), cmp_u64);
	return nr;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t addrs[MAX_ADDRS];
	static struct dp_line_hit hits[MAX_ADDRS];
	struct dp_strbuf sb = DP_STRBUF_INIT;
	struct dp_line_sections s = { 0 };
	const char *comp_dir;
	const uint8_t *sec;
	size_t nstr, n, nr, off = 0;

	if (size < 3)
		return 0;
	nstr = (size_t)data[1] | (size_t)data[2] << 8;
	if (nstr > size - 3)
		nstr = size - 3;
	s.big_endian = data[0] & 1;
	comp_dir = data[0] & 2 ? NULL : "/usr/src/linux-fixture";
	s.line_str = s.str = nstr ? data + 3 : NULL;
	s.line_str_size = s.str_size = nstr;
	sec = data + 3 + nstr;
	n = size - 3 - nstr;
	nr = pick_addrs(sec, n, data, size, addrs);

	/* The units one after the other, as a section walk finds them. */
	for (int units = 0; off < n && units < 64; units++) {
		struct dp_line_prog p;

		if (dp_line_prog_load(&p, sec + off, n - off, &s) != 0)
			break;
		dp_line_prog_lookup(&p, addrs, nr, hits);
		for (size_t i = 0; i < nr; i++)
			if (hits[i].found)
				dp_line_prog_file(&p, hits[i].file, comp_dir, &sb);
		for (uint64_t f = 0; f < p.nr_files + 1 && f < 64; f++)
			dp_line_prog_file(&p, f, comp_dir, &sb);
		off += p.unit_size;
		dp_line_prog_release(&p);
	}
	dp_strbuf_release(&sb);
	return 0;
}
