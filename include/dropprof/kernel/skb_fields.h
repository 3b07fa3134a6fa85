/* skb_fields — where the skb:kfree_skb tracepoint keeps its fields
 * (location, reason, protocol) in this kernel's raw record, and reading
 * them.  Pure: the layout comes from the parsed format file, the values
 * from the raw bytes of a perf sample or an ftrace ring entry (both carry
 * the same trace entry, common fields first).
 */
#ifndef DROPPROF_SKB_FIELDS_H
#define DROPPROF_SKB_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_tp_format;

/* Where the skb tracepoint's fields live in the raw data of this kernel. */
struct dp_skb_layout {
	bool has_reason;
	bool has_protocol;
	unsigned int location_off, location_size;
	unsigned int reason_off, reason_size;
	unsigned int protocol_off, protocol_size;
};

/* Fill the layout from a kfree_skb format.  -EINVAL when there is no
 * 'location' field. */
int dp_skb_layout_init(struct dp_skb_layout *l, const struct dp_tp_format *fmt);

struct dp_skb_fields {
	uint64_t location;
	uint32_t reason;         /* 0 when the kernel has no reason field */
	uint16_t protocol;       /* host order ETH_P_* */
};

/* Read the fields from a sample's raw data.  -EINVAL when too short. */
int dp_skb_fields_read(const struct dp_skb_layout *l, const void *raw,
		       size_t raw_size, struct dp_skb_fields *f);

#endif
