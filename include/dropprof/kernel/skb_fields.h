/* skb_fields — where the skb:kfree_skb tracepoint keeps its fields
 * (location, reason, protocol, skbaddr, rx_sk) in this kernel's raw
 * record, and reading them.  Pure: the layout comes from the parsed format
 * file, the values from the raw bytes of a perf sample or an ftrace ring
 * entry (both carry the same trace entry, common fields first).
 *
 * Which kernels have which field (tests/fixtures/tp/):
 *   location, protocol, skbaddr   every kernel
 *   reason                        5.17 and later
 *   rx_sk                         6.11 and later: the receiving socket's
 *                                 kernel address (struct sock *), or 0
 *                                 when the drop has no socket
 */
#ifndef DROPPROF_SKB_FIELDS_H
#define DROPPROF_SKB_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_tp_format;

/* Where the skb tracepoint's fields live in the raw data of this kernel.
 * A field that is absent (or of a size that is no integer) has its has_
 * flag false and is read as 0. */
struct dp_skb_layout {
	bool has_reason;
	bool has_protocol;
	bool has_skbaddr;
	bool has_rx_sk;
	unsigned int location_off, location_size;
	unsigned int reason_off, reason_size;
	unsigned int protocol_off, protocol_size;
	unsigned int skbaddr_off, skbaddr_size;
	unsigned int rx_sk_off, rx_sk_size;
};

/* Fill the layout from a kfree_skb format.  -EINVAL when there is no
 * 'location' field. */
int dp_skb_layout_init(struct dp_skb_layout *l, const struct dp_tp_format *fmt);

struct dp_skb_fields {
	uint64_t location;
	uint32_t reason;         /* 0 when the kernel has no reason field */
	uint16_t protocol;       /* host order ETH_P_* */
	uint64_t skbaddr;        /* the sk_buff's kernel address; unique only
	                          * while the skb lives (the allocator reuses
	                          * it), so never an aggregation key */
	uint64_t rx_sk;          /* the receiving socket's kernel address: 0
	                          * when the drop has none or the kernel has
	                          * no rx_sk field (before 6.11).  Matched
	                          * against /proc/net's socket addresses
	                          * (sockets.h) to name the socket. */
};

/* Read the fields from a sample's raw data.  -EINVAL when too short for
 * any of the layout's fields (or the layout has no location).  Runs once
 * per drop: a compare and a load per field, no call. */
int dp_skb_fields_read(const struct dp_skb_layout *l, const void *raw,
		       size_t raw_size, struct dp_skb_fields *f);

#endif
