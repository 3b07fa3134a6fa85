/* addr — kernel addresses as text (see the header for the three forms). */
#include <inttypes.h>

#include "dropprof/model/addr.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/util/strbuf.h"

int dp_addr_format(struct dp_strbuf *sb, const struct dp_symmap *names,
		   uint64_t addr, enum dp_addr_style style)
{
	const struct dp_symmap_entry *e = names && style != DP_ADDR_RAW ?
					  dp_symmap_addr(names, addr) : NULL;

	if (!e || !e->name)
		return dp_strbuf_addf(sb, "0x%016" PRIx64, addr);
	if (style == DP_ADDR_FUNCTION)
		return e->module ? dp_strbuf_addf(sb, "%s_[%s]", e->name, e->module) :
		       dp_strbuf_adds(sb, e->name);
	if (e->module)
		return dp_strbuf_addf(sb, "%s+0x%" PRIx64 " [%s]", e->name,
				      e->offset, e->module);
	return dp_strbuf_addf(sb, "%s+0x%" PRIx64, e->name, e->offset);
}
