/* ftrace_ring — pages of an ftrace ring buffer (trace_pipe_raw).
 *
 * Owns: parsing events/header_page and events/header_event into a page
 * layout, and walking the events of one page.  Pure: the caller reads the
 * files and the pages; nothing here touches the kernel.
 *
 * The facts this decoder relies on, and where they were checked (see the
 * header for the layout itself):
 *  - the flags of commit, RB_MISSED_EVENTS (1 << 31) and RB_MISSED_STORED
 *    (1 << 30), and that the data length is commit & ~(3 << 30) of the
 *    low 32 bits (rb_page_size() reads commit as unsigned int):
 *    kernel/trace/ring_buffer.c;
 *  - that the missed count is an unsigned long at data[length], stored
 *    only when it fits before the end of the sub-buffer:
 *    ring_buffer_read_page();
 *  - type_len 0: rb_calculate_event_length() adds 4 for array[0] before
 *    rb_update_event() stores the length minus the header, so array[0]
 *    counts its own 4 bytes and the payload is array[0] - 4 bytes from
 *    array[1]; libtraceevent's kbuffer-parse.c translate_data() reads it
 *    the same way;
 *  - padding: rb_event_length() is 4 + array[0]; a null event (time_delta
 *    0) has no length and fills the rest of the page (rb_null_event());
 *  - the kernel's reader (rb_update_read_stamp()) adds no time for
 *    padding, time_delta for data, array[0] << 27 | time_delta for a time
 *    extend, and takes a time stamp's 5 top bits from the time so far
 *    (rb_fix_abs_ts()).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "dropprof/kernel/ftrace_ring.h"

/* A page larger than this is not a page (sub-buffers are at most a few
 * hundred KiB); it also keeps every offset sum far from overflowing. */
#define DP_FTRACE_PAGE_MAX (1u << 30)

/* The smallest event: a header and array[0]. */
#define EVENT_MIN 8u

/* The 5 top bits an absolute time stamp event cannot hold. */
#define TS_MSB (0xf8ULL << 56)
#define TS_SHIFT 27

#define MISSED_EVENTS (1u << 31)
#define MISSED_STORED (1u << 30)

/* ---- text parsing ---------------------------------------------------- */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && is_space(*p))
		p++;
	return p;
}

/* A decimal number at *p (no sign, at most max); *p moves past it. */
static int parse_uint(const char **p, const char *end, unsigned long max,
		      unsigned long *out)
{
	const char *q = *p;
	unsigned long v = 0;

	if (q >= end || *q < '0' || *q > '9')
		return -EINVAL;
	while (q < end && *q >= '0' && *q <= '9') {
		unsigned int d = (unsigned int)(*q - '0');

		if (v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
		q++;
	}
	*p = q;
	*out = v;
	return 0;
}

/* The number after "key:" somewhere in [p, end), up to the next ';'. */
static int attr_uint(const char *p, const char *end, const char *key,
		     unsigned long max, unsigned long *out)
{
	size_t n = strlen(key);
	const char *q;

	for (q = p; q + n <= end; q++) {
		if (memcmp(q, key, n) != 0 || (q > p && is_ident(q[-1])))
			continue;
		q = skip_space(q + n, end);
		if (parse_uint(&q, end, max, out) < 0)
			return -EINVAL;
		q = skip_space(q, end);
		return q < end && *q == ';' ? 0 : -EINVAL;
	}
	return -EINVAL;
}

struct hp_field {
	const char *name;
	unsigned long offset, size;
	int seen;
};

/* One header_page line: "\tfield: u64 timestamp;\toffset:0;\tsize:8;...".
 * Lines for fields this decoder does not use ("overwrite") are skipped;
 * a repeated field is an error (which one would be meant?). */
static int hp_line(const char *p, const char *end, struct hp_field *f, size_t nr)
{
	const char *decl, *semi, *name_end, *name;
	size_t i;

	p = skip_space(p, end);
	if (p == end)
		return 0;
	if ((size_t)(end - p) < 6 || memcmp(p, "field:", 6) != 0)
		return -EINVAL;
	decl = p + 6;
	semi = memchr(decl, ';', (size_t)(end - decl));
	if (!semi)
		return -EINVAL;
	name_end = semi;
	while (name_end > decl && is_space(name_end[-1]))
		name_end--;
	name = name_end;
	while (name > decl && is_ident(name[-1]))
		name--;
	if (name == name_end)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		size_t n = strlen(f[i].name);

		if ((size_t)(name_end - name) != n || memcmp(name, f[i].name, n))
			continue;
		if (f[i].seen)
			return -EINVAL;
		if (attr_uint(semi + 1, end, "offset:", DP_FTRACE_PAGE_MAX,
			      &f[i].offset) < 0 ||
		    attr_uint(semi + 1, end, "size:", DP_FTRACE_PAGE_MAX,
			      &f[i].size) < 0)
			return -EINVAL;
		f[i].seen = 1;
	}
	return 0;
}

static int parse_header_page(struct dp_ftrace_layout *l, const char *text)
{
	struct hp_field f[] = {
		{ "timestamp", 0, 0, 0 },
		{ "commit", 0, 0, 0 },
		{ "data", 0, 0, 0 },
	};
	const char *p = text, *end = text + strlen(text);
	size_t i;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;

		if (hp_line(p, line_end, f, 3) < 0)
			return -EINVAL;
		p = nl ? nl + 1 : end;
	}
	for (i = 0; i < 3; i++)
		if (!f[i].seen)
			return -EINVAL;
	/* The time stamp is a u64; commit is a local_t, a long of the kernel. */
	if (f[0].size != 8 || (f[1].size != 4 && f[1].size != 8))
		return -EINVAL;
	/* The events need room for at least one event, and must not overlap
	 * the header fields they follow. */
	if (f[2].size < EVENT_MIN ||
	    f[2].offset + f[2].size > DP_FTRACE_PAGE_MAX ||
	    f[2].offset < f[0].offset + f[0].size ||
	    f[2].offset < f[1].offset + f[1].size ||
	    (f[0].offset < f[1].offset + f[1].size &&
	     f[1].offset < f[0].offset + f[0].size))
		return -EINVAL;
	l->ts_offset = (unsigned int)f[0].offset;
	l->ts_size = (unsigned int)f[0].size;
	l->commit_offset = (unsigned int)f[1].offset;
	l->commit_size = (unsigned int)f[1].size;
	l->data_offset = (unsigned int)f[2].offset;
	l->data_size = (unsigned int)f[2].size;
	return 0;
}

/* header_event lines: "type_len    :    5 bits", "padding     : type == 29",
 * "data max type_len  == 28".  Returns 1 when the line was recognised. */
static int he_line(const char *p, const char *end, const char *key,
		   const char *sep, const char *unit, unsigned long *out)
{
	size_t n = strlen(key), s = strlen(sep), u = unit ? strlen(unit) : 0;

	p = skip_space(p, end);
	if ((size_t)(end - p) < n || memcmp(p, key, n) != 0 ||
	    (p + n < end && is_ident(p[n])))
		return 0;
	p = skip_space(p + n, end);
	if ((size_t)(end - p) < s || memcmp(p, sep, s) != 0)
		return -EINVAL;
	p = skip_space(p + s, end);
	if (parse_uint(&p, end, 1024, out) < 0)
		return -EINVAL;
	p = skip_space(p, end);
	if (u) {
		if ((size_t)(end - p) < u || memcmp(p, unit, u) != 0)
			return -EINVAL;
		p = skip_space(p + u, end);
	}
	return p == end ? 1 : -EINVAL;
}

static int parse_header_event(struct dp_ftrace_layout *l, const char *text)
{
	static const struct {
		const char *key, *sep, *unit;
	} keys[] = {
		{ "type_len", ":", "bits" },
		{ "time_delta", ":", "bits" },
		{ "array", ":", "bits" },
		{ "padding", ": type ==", NULL },
		{ "time_extend", ": type ==", NULL },
		{ "time_stamp", ": type ==", NULL },
		{ "data max type_len", "==", NULL },
	};
	unsigned long v[7];
	int seen[7] = { 0 };
	const char *p = text, *end = text + strlen(text);
	size_t i;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		const char *q = skip_space(p, line_end);

		if (q < line_end && *q != '#') {
			int found = 0;

			for (i = 0; i < 7 && !found; i++) {
				unsigned long val;
				int r = he_line(q, line_end, keys[i].key,
						keys[i].sep, keys[i].unit, &val);

				if (r < 0 || (r > 0 && seen[i]))
					return -EINVAL;
				if (r > 0) {
					v[i] = val;
					seen[i] = found = 1;
				}
			}
			/* An unknown line may be a new kernel's addition;
			 * what this decoder needs is checked below. */
		}
		p = nl ? nl + 1 : end;
	}
	for (i = 0; i < 7; i++)
		if (!seen[i])
			return -EINVAL;
	/* The walk below reads the header as one u32 split 5/27. */
	if (v[0] != 5 || v[1] != 27 || v[2] != 32)
		return -EOPNOTSUPP;
	/* Special types must be distinct 5-bit codes above the data lengths,
	 * or a length could be mistaken for one. */
	for (i = 3; i < 6; i++)
		if (v[i] > 31 || v[i] <= v[6])
			return -EOPNOTSUPP;
	if (v[3] == v[4] || v[3] == v[5] || v[4] == v[5] || v[6] < 1)
		return -EOPNOTSUPP;
	l->type_padding = (unsigned int)v[3];
	l->type_time_extend = (unsigned int)v[4];
	l->type_time_stamp = (unsigned int)v[5];
	l->type_data_max = (unsigned int)v[6];
	return 0;
}

int dp_ftrace_layout_parse(struct dp_ftrace_layout *l, const char *header_page,
			   const char *header_event)
{
	struct dp_ftrace_layout t;
	int ret;

	memset(&t, 0, sizeof(t));
	if (!header_page)
		return -EINVAL;
	ret = parse_header_page(&t, header_page);
	if (ret < 0)
		return ret;
	if (header_event) {
		ret = parse_header_event(&t, header_event);
		if (ret < 0)
			return ret;
	} else {
		/* ring_buffer_print_entry_header() has printed these since
		 * the compressed event header (2.6.31). */
		t.type_padding = 29;
		t.type_time_extend = 30;
		t.type_time_stamp = 31;
		t.type_data_max = 28;
	}
	*l = t;
	return 0;
}

size_t dp_ftrace_layout_page_size(const struct dp_ftrace_layout *l)
{
	return (size_t)l->data_offset + l->data_size;
}

/* ---- pages ------------------------------------------------------------ */

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A kernel long (4 or 8 bytes) in the kernel's (this host's) byte order. */
static uint64_t rd_long(const unsigned char *p, unsigned int size)
{
	return size == 8 ? rd64(p) : rd32(p);
}

/* The u32 header "type_len:5, time_delta:27": a C bit-field, so its first
 * member is in the low bits on a little-endian kernel and in the high
 * bits on a big-endian one. */
static void split_header(uint32_t h, unsigned int *type_len, uint32_t *delta)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	*type_len = h >> 27;
	*delta = h & ((1u << 27) - 1);
#else
	*type_len = h & 0x1f;
	*delta = h >> 5;
#endif
}

static uint64_t fix_abs_ts(uint64_t abs, uint64_t now)
{
	if (now & TS_MSB) {
		abs |= now & TS_MSB;
		if (abs < now)
			abs += 1ULL << 59;
	}
	return abs;
}

/* The page header: time stamp, data length, missed events.  Every length
 * is checked against both the layout and the bytes actually read. */
static int read_page_header(const struct dp_ftrace_layout *l,
			    const unsigned char *page, size_t len,
			    struct dp_ftrace_page_info *info)
{
	uint64_t commit;
	uint32_t low, high;
	size_t data_len, end;

	if (len < l->data_offset || len < (size_t)l->ts_offset + l->ts_size ||
	    len < (size_t)l->commit_offset + l->commit_size)
		return -EINVAL;
	info->ts = rd64(page + l->ts_offset);
	commit = rd_long(page + l->commit_offset, l->commit_size);
	low = (uint32_t)commit;
	high = (uint32_t)(commit >> 32);
	/* The upper half is zero, or the sign extension of bit 31 (the
	 * kernel adds RB_MISSED_EVENTS as an int to a long). */
	if (high != 0 && !(high == UINT32_MAX && (low & MISSED_EVENTS)))
		return -EINVAL;
	data_len = low & ~(MISSED_EVENTS | MISSED_STORED);
	info->data_len = data_len;
	info->missed = (low & MISSED_EVENTS) != 0;
	end = (size_t)l->data_offset + data_len;
	if (data_len > l->data_size || end > len)
		return -EINVAL;
	if (low & MISSED_STORED) {
		/* The kernel sets STORED only together with EVENTS, and only
		 * when the count fitted in the sub-buffer. */
		if (!info->missed || data_len + l->commit_size > l->data_size ||
		    end + l->commit_size > len)
			return -EINVAL;
		info->missed_known = true;
		info->missed_count = rd_long(page + end, l->commit_size);
	}
	return 0;
}

/* Walk the events of [data, data + data_len).  With deliver false, only
 * check and count; with deliver true (after a clean check) call fn. */
static int walk(const struct dp_ftrace_layout *l, const unsigned char *page,
		struct dp_ftrace_page_info *info, bool deliver,
		dp_ftrace_event_fn fn, void *ctx)
{
	const unsigned char *data = page + l->data_offset;
	size_t off = 0, n = info->data_len;
	uint64_t ts = info->ts;

	while (off < n) {
		struct dp_ftrace_event ev;
		unsigned int type;
		uint32_t delta, a0 = 0;
		size_t size, payload;

		if (n - off < 4)
			return -EINVAL;
		split_header(rd32(data + off), &type, &delta);
		if (n - off >= 8)
			a0 = rd32(data + off + 4);
		if (type == l->type_padding) {
			if (delta == 0)
				break;   /* the rest of the page is padding */
			if (n - off < 8 || a0 < 4 || a0 % 4 || a0 > n - off - 4)
				return -EINVAL;
			off += 4 + (size_t)a0;
			if (!deliver)
				info->nr_discarded++;
			continue;
		}
		if (type == l->type_time_extend || type == l->type_time_stamp) {
			uint64_t v;

			if (n - off < 8)
				return -EINVAL;
			v = ((uint64_t)a0 << TS_SHIFT) | delta;
			ts = type == l->type_time_extend ? ts + v
							 : fix_abs_ts(v, ts);
			off += 8;
			continue;
		}
		if (type == 0) {
			/* array[0] counts itself: payload = array[0] - 4 */
			if (n - off < 8 || a0 < 8 || a0 % 4 || a0 > n - off - 4)
				return -EINVAL;
			size = 4 + (size_t)a0;
			payload = (size_t)a0 - 4;
			ev.data = data + off + 8;
		} else if (type <= l->type_data_max) {
			size = 4 + (size_t)type * 4;
			payload = (size_t)type * 4;
			if (size > n - off)
				return -EINVAL;
			ev.data = data + off + 4;
		} else {
			return -EINVAL;
		}
		ts += delta;
		if (deliver) {
			int r;

			ev.len = payload;
			ev.ts = ts;
			ev.offset = l->data_offset + off;
			r = fn(&ev, ctx);
			if (r)
				return r;
		} else {
			info->nr_events++;
		}
		off += size;
	}
	return 0;
}

int dp_ftrace_page_for_each(const struct dp_ftrace_layout *l, const void *page,
			    size_t len, dp_ftrace_event_fn fn, void *ctx,
			    struct dp_ftrace_page_info *info)
{
	struct dp_ftrace_page_info tmp;
	struct dp_ftrace_page_info *pi = info ? info : &tmp;
	int ret;

	memset(pi, 0, sizeof(*pi));
	if (len == 0)
		return 0;
	if (!l || !page)
		return -EINVAL;
	ret = read_page_header(l, page, len, pi);
	if (ret < 0)
		return ret;
	ret = walk(l, page, pi, false, NULL, NULL);
	if (ret < 0 || !fn)
		return ret;
	return walk(l, page, pi, true, fn, ctx);
}
