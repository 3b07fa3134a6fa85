/* skb_fields — the skb tracepoint's field layout from its format file, and
 * bounds-checked reads of those fields from raw trace entries.
 */
#include <errno.h>
#include <string.h>

#include "dropprof/kernel/skb_fields.h"
#include "dropprof/kernel/tp_format.h"

static int field_ok(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

int dp_skb_layout_init(struct dp_skb_layout *l, const struct dp_tp_format *fmt)
{
	const struct dp_tp_field *loc = dp_tp_format_field(fmt, "location");
	const struct dp_tp_field *reason = dp_tp_format_field(fmt, "reason");
	const struct dp_tp_field *proto = dp_tp_format_field(fmt, "protocol");

	memset(l, 0, sizeof(*l));
	if (!loc || !field_ok(loc->size))
		return -EINVAL;
	l->location_off = loc->offset;
	l->location_size = loc->size;
	if (reason && field_ok(reason->size)) {
		l->has_reason = true;
		l->reason_off = reason->offset;
		l->reason_size = reason->size;
	}
	if (proto && field_ok(proto->size)) {
		l->has_protocol = true;
		l->protocol_off = proto->offset;
		l->protocol_size = proto->size;
	}
	return 0;
}

static int read_uint(const unsigned char *raw, size_t raw_size,
		     unsigned int off, unsigned int size, uint64_t *v)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;

	if ((size_t)off + size > raw_size)
		return -EINVAL;
	switch (size) {
	case 1: memcpy(&u8, raw + off, 1); *v = u8; break;
	case 2: memcpy(&u16, raw + off, 2); *v = u16; break;
	case 4: memcpy(&u32, raw + off, 4); *v = u32; break;
	default: memcpy(v, raw + off, 8); break;
	}
	return 0;
}

int dp_skb_fields_read(const struct dp_skb_layout *l, const void *raw,
		       size_t raw_size, struct dp_skb_fields *f)
{
	uint64_t v;

	memset(f, 0, sizeof(*f));
	if (read_uint(raw, raw_size, l->location_off, l->location_size, &v))
		return -EINVAL;
	f->location = v;
	if (l->has_reason) {
		if (read_uint(raw, raw_size, l->reason_off, l->reason_size, &v))
			return -EINVAL;
		f->reason = (uint32_t)v;
	}
	if (l->has_protocol) {
		if (read_uint(raw, raw_size, l->protocol_off, l->protocol_size, &v))
			return -EINVAL;
		f->protocol = (uint16_t)v;
	}
	return 0;
}
