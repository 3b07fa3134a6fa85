/* dwarf_batch — the address lookups of an open DWARF symbolizer, many
 * addresses at once (src/symbols/dwarf_batch.c).  Internal to the
 * symbolizer: dwarf.c opens the file and embeds one struct dp_dwarf_batch;
 * everything else uses dwarf.h.
 */
#ifndef DROPPROF_DWARF_BATCH_H
#define DROPPROF_DWARF_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <elfutils/libdwfl.h>

#include "dropprof/symbols/dwarf.h"
#include "dropprof/symbols/dwarf_line.h"
#include "dropprof/symbols/symidx.h"

/* What lookups by address read of the file.  libdwfl's objects are
 * borrowed from the caller (dwarf.c), the rest owned. */
struct dp_dwarf_batch {
	Dwfl *dwfl;
	Dwfl_Module *mod;
	Dwarf *dw;                 /* the module's */
	/* The raw .debug_line (as libdw has it: decompressed, and relocated
	 * by libdwfl for a module) and the string sections it uses; line
	 * NULL: addresses get functions and symbols but no lines. */
	const uint8_t *line;
	size_t line_size;
	struct dp_line_sections line_secs;
	struct dp_symidx *addr_syms;   /* built by the first batch */
	bool addr_syms_indexed;
	/* The joined file names the frames point to, made once per CU and
	 * file index and kept until release: the frames borrow them. */
	struct dp_file_names *file_names;
};

/* Find the sections of dw's ELF.  Cannot fail: what is missing is not
 * used. */
void dp_dwarf_batch_init(struct dp_dwarf_batch *b, Dwfl *dwfl, Dwfl_Module *mod, Dwarf *dw);

/* Free what b owns (the file names of every frame it gave out with
 * them).  Safe on a zeroed b. */
void dp_dwarf_batch_release(struct dp_dwarf_batch *b);

/* out[i] for addrs[i] - shift (ELF addresses of libdwfl's layout), as
 * dp_dwarf_resolve_many describes.  Returns 0 or -ENOMEM (every out[i]
 * released and zeroed). */
int dp_dwarf_batch_resolve(struct dp_dwarf_batch *b, const uint64_t *addrs, size_t n,
			   uint64_t shift, struct dp_src_info *out);

#endif
