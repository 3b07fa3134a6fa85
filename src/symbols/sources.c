/* sources — join the DWARF symbolizer to a profile's names: one lookup
 * per unique vmlinux address, never per sample.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/symbols/dwarf.h"
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
		/* Borrowed: set_src copies. */
		src[i].function = info->frames[i].function;
		src[i].file = info->frames[i].file;
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
	int err = 0;

	if (!st)
		st = &none;
	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < m->nr_addrs && !err; i++) {
		struct dp_symmap_entry *e = &m->addrs[i];
		struct dp_src_info info;
		uint64_t addr = e->addr;

		if (e->module || !addr)
			continue;
		st->addrs++;
		err = dp_dwarf_resolve(d, addr - 1, &info);
		if (err == -ENOENT) {
			err = 0;
			continue;
		}
		if (err)
			break;
		if (!e->name && info.symbol) {
			/* The ELF knows the function's size: an offset far
			 * past its start is still inside it. */
			char *name = strdup(info.symbol);

			if (!name)
				err = -ENOMEM;
			else {
				e->name = name;
				e->offset = info.sym_offset + 1;
				st->named++;
			}
		}
		if (!err)
			err = attach(m, addr, &info, st);
		dp_src_info_release(&info);
	}
	return err;
}
