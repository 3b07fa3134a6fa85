/* skb_fields — the skb tracepoint's field layout from its format file, and
 * bounds-checked reads of those fields from raw trace entries.
 */
#include <errno.h>
#include <string.h>

#include "dropprof/kernel/skb_fields.h"
#include "dropprof/kernel/tp_format.h"

static bool field_ok(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* The field called name, when it is an integer (or a pointer): its
 * offset and size into *off and *size. */
static bool take_field(const struct dp_tp_format *fmt, const char *name,
		       unsigned int *off, unsigned int *size)
{
	const struct dp_tp_field *f = dp_tp_format_field(fmt, name);

	if (!f || !field_ok(f->size))
		return false;
	*off = f->offset;
	*size = f->size;
	return true;
}

int dp_skb_layout_init(struct dp_skb_layout *l, const struct dp_tp_format *fmt)
{
	memset(l, 0, sizeof(*l));
	if (!take_field(fmt, "location", &l->location_off, &l->location_size))
		return -EINVAL;
	l->has_reason = take_field(fmt, "reason", &l->reason_off,
				   &l->reason_size);
	l->has_protocol = take_field(fmt, "protocol", &l->protocol_off,
				     &l->protocol_size);
	l->has_skbaddr = take_field(fmt, "skbaddr", &l->skbaddr_off,
				    &l->skbaddr_size);
	l->has_rx_sk = take_field(fmt, "rx_sk", &l->rx_sk_off,
				  &l->rx_sk_size);
	return 0;
}

/* An unsigned field of 1, 2, 4 or 8 bytes at off, *v; false when the
 * record ends before it.  memcpy because trace entries are only 4-byte
 * aligned. */
static inline bool get_uint(const unsigned char *raw, size_t raw_size,
			    unsigned int off, unsigned int size, uint64_t *v)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;

	if ((size_t)off + size > raw_size)
		return false;
	switch (size) {
	case 1: memcpy(&u8, raw + off, 1); *v = u8; break;
	case 2: memcpy(&u16, raw + off, 2); *v = u16; break;
	case 4: memcpy(&u32, raw + off, 4); *v = u32; break;
	default: memcpy(v, raw + off, 8); break;
	}
	return true;
}

int dp_skb_fields_read(const struct dp_skb_layout *l, const void *raw,
		       size_t raw_size, struct dp_skb_fields *f)
{
	const unsigned char *p = raw;
	uint64_t reason = 0, protocol = 0, skbaddr = 0, rx_sk = 0;

	/* location_size is 0 only in a layout never initialised. */
	if (!p || !l->location_size ||
	    !get_uint(p, raw_size, l->location_off, l->location_size, &f->location))
		return -EINVAL;
	if ((l->has_reason &&
	     !get_uint(p, raw_size, l->reason_off, l->reason_size, &reason)) ||
	    (l->has_protocol &&
	     !get_uint(p, raw_size, l->protocol_off, l->protocol_size, &protocol)) ||
	    (l->has_skbaddr &&
	     !get_uint(p, raw_size, l->skbaddr_off, l->skbaddr_size, &skbaddr)) ||
	    (l->has_rx_sk &&
	     !get_uint(p, raw_size, l->rx_sk_off, l->rx_sk_size, &rx_sk)))
		return -EINVAL;
	f->reason = (uint32_t)reason;
	f->protocol = (uint16_t)protocol;
	f->skbaddr = skbaddr;
	f->rx_sk = rx_sk;
	return 0;
}
