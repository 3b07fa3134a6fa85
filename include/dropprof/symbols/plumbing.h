/* plumbing — the kernel functions between a drop site and the tracepoint
 * (kfree_skb_reason(), sk_skb_reason_drop(), __traceiter_kfree_skb(), ...).
 * They sit at the leaf end of every drop stack and say nothing about why
 * the packet was dropped, so stacks are cut below them.
 */
#ifndef DROPPROF_PLUMBING_H
#define DROPPROF_PLUMBING_H

#include <stddef.h>
#include <stdint.h>

struct dp_ksyms;

/* Address ranges [start, end) of tracing plumbing functions. */
struct dp_addr_range {
	uint64_t start, end;
};

/* Resolve the plumbing functions present in ks to address ranges.
 * *out is allocated (free() it); *nr may be 0.  Returns 0 or -ENOMEM. */
int dp_plumbing_ranges(const struct dp_ksyms *ks, struct dp_addr_range **out,
		       size_t *nr);

#endif
