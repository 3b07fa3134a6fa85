/* addr — the one way dropprof writes a kernel address, as a site or stack
 * frame ("func+0x1a", "func+0x1a [mod]"), as a folded frame ("func",
 * "func_[mod]": no offset, so samples at different offsets merge; no
 * space, so every folded-stack reader splits the line right), or raw
 * ("0xffffffff81000610", 16 hex digits), which is also what the first two
 * give for an address without a name.  Every output gets its addresses
 * from here, through the report model.
 */
#ifndef DROPPROF_MODEL_ADDR_H
#define DROPPROF_MODEL_ADDR_H

#include <stdint.h>

struct dp_strbuf;
struct dp_symmap;

enum dp_addr_style {
	DP_ADDR_SITE,         /* "func+0x1a [mod]" */
	DP_ADDR_FUNCTION,     /* "func_[mod]" */
	DP_ADDR_RAW,          /* "0xffffffff81000610" */
};

/* Append addr, named from names (NULL: no names), to sb.  Returns 0 or
 * -ENOMEM (sb unchanged). */
int dp_addr_format(struct dp_strbuf *sb, const struct dp_symmap *names,
		   uint64_t addr, enum dp_addr_style style);

#endif
