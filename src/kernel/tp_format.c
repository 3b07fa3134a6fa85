/* tp_format — a tracepoint's tracefs "format" file.
 *
 * Owns: parsing one format file into struct dp_tp_format (event id, field
 * layout, drop-reason name table) and the lookups on it.  Where tracefs is
 * lives in tracefs.c; reading fields out of raw records in skb_fields.c.
 *
 * The parser trusts only what it has checked.  Offsets and reason numbers
 * change between kernels, so nothing here knows any of them; a truncated or
 * garbled print fmt gives a shorter reason table, never a wrong name.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dropprof/kernel/tp_format.h"
#include "dropprof/util/strbuf.h"

/* Today's kfree_skb format is ~4 KB and grows by one table entry per new
 * drop reason; 1 MiB leaves room for decades of that while still refusing
 * to slurp something that is clearly not a format file. */
#define DP_TP_FORMAT_MAX (1u << 20)

/* A slice of the input; the text itself is never modified. */
struct span {
	const char *p;
	const char *end;
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static const char *skip_blank(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

static struct span trim(const char *p, const char *end)
{
	struct span s;

	p = skip_blank(p, end);
	while (end > p && is_blank(end[-1]))
		end--;
	s.p = p;
	s.end = end;
	return s;
}

static size_t span_len(struct span s)
{
	return (size_t)(s.end - s.p);
}

static int span_is(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return span_len(s) == n && memcmp(s.p, lit, n) == 0;
}

/* Advance *p past lit when the text at *p starts with it. */
static int eat(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
		return 0;
	*p += n;
	return 1;
}

/* The whole span must be a number no larger than max: "12abc" or "" are
 * not 12 and 0, they are a malformed file. */
static int parse_uint(struct span s, int base, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (s.p == s.end)
		return -EINVAL;
	for (p = s.p; p < s.end; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned int)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned int)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned int)(*p - 'A' + 10);
		else
			return -EINVAL;
		if (d > max || v > (max - d) / (uint64_t)base)
			return -EINVAL;
		v = v * (uint64_t)base + d;
	}
	*out = v;
	return 0;
}

static int copy_span(char *dst, size_t len, struct span s)
{
	size_t n = span_len(s);

	if (n >= len)
		return -EINVAL;
	memcpy(dst, s.p, n);
	dst[n] = '\0';
	return 0;
}

/* Split "TYPE NAME", "TYPE NAME[N]" or "__data_loc TYPE[] NAME" into a
 * bare name and a type; an array suffix moves to the type ("char[16]") so
 * the name is what the print fmt calls REC->NAME. */
static int split_decl(struct span decl, struct dp_tp_field *f)
{
	const char *end = decl.end, *name_end;
	struct span suffix = { decl.end, decl.end }, type, name;
	size_t tlen;

	if (end > decl.p && end[-1] == ']') {
		const char *lb = end - 1;

		while (lb > decl.p && *lb != '[')
			lb--;
		if (*lb != '[')
			return -EINVAL;
		suffix.p = lb;
		end = lb;
		while (end > decl.p && is_blank(end[-1]))
			end--;
	}
	name_end = end;
	while (end > decl.p && is_ident(end[-1]))
		end--;
	name.p = end;
	name.end = name_end;
	type = trim(decl.p, end);
	/* A ':' in the type means the ';' after the name was lost and the
	 * next attribute ran into the declaration. */
	if (span_len(name) == 0 || (*name.p >= '0' && *name.p <= '9') ||
	    span_len(type) == 0 || memchr(type.p, ':', span_len(type)))
		return -EINVAL;
	if (copy_span(f->name, sizeof(f->name), name))
		return -EINVAL;
	tlen = span_len(type);
	if (tlen + span_len(suffix) >= sizeof(f->type))
		return -EINVAL;
	memcpy(f->type, type.p, tlen);
	memcpy(f->type + tlen, suffix.p, span_len(suffix));
	f->type[tlen + span_len(suffix)] = '\0';
	return 0;
}

/* "TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;" (after "field:").  Every
 * attribute must end in ';': a line cut short is rejected rather than
 * guessed at. */
static int parse_field(struct dp_tp_format *fmt, const char *p, const char *end)
{
	struct dp_tp_field f;
	const char *semi = memchr(p, ';', (size_t)(end - p));
	int have_offset = 0, have_size = 0;
	unsigned int i;

	if (!semi)
		return -EINVAL;
	memset(&f, 0, sizeof(f));
	if (split_decl(trim(p, semi), &f))
		return -EINVAL;
	p = semi + 1;
	for (;;) {
		const char *colon;
		struct span key, val;
		uint64_t v;

		p = skip_blank(p, end);
		if (p == end)
			break;
		colon = memchr(p, ':', (size_t)(end - p));
		semi = memchr(p, ';', (size_t)(end - p));
		if (!colon || !semi || colon > semi)
			return -EINVAL;
		key = trim(p, colon);
		val = trim(colon + 1, semi);
		if (span_is(key, "offset")) {
			if (parse_uint(val, 10, UINT_MAX, &v))
				return -EINVAL;
			f.offset = (unsigned int)v;
			have_offset = 1;
		} else if (span_is(key, "size")) {
			if (parse_uint(val, 10, UINT_MAX, &v))
				return -EINVAL;
			f.size = (unsigned int)v;
			have_size = 1;
		} else if (span_is(key, "signed")) {
			if (parse_uint(val, 10, 1, &v))
				return -EINVAL;
			f.is_signed = v != 0;
		}
		/* Any other attribute is one a newer kernel added: skip it. */
		p = semi + 1;
	}
	if (!have_offset || !have_size)
		return -EINVAL;
	/* Two fields of one name would make every lookup ambiguous. */
	for (i = 0; i < fmt->nr_fields; i++)
		if (strcmp(fmt->fields[i].name, f.name) == 0)
			return -EINVAL;
	/* A layout we can only hold part of is not one we can trust. */
	if (fmt->nr_fields >= DP_TP_MAX_FIELDS)
		return -EINVAL;
	fmt->fields[fmt->nr_fields++] = f;
	return 0;
}

/* Where the { value, "NAME" } list of __print_symbolic(REC->reason, ...)
 * starts, or NULL.  Other __print_symbolic() calls in the same line (a
 * protocol, a socket state) are skipped: their tables are not reasons. */
static const char *find_reason_list(const char *p, const char *end)
{
	static const char call[] = "__print_symbolic";

	while ((p = memmem(p, (size_t)(end - p), call, sizeof(call) - 1))) {
		const char *q;

		p += sizeof(call) - 1;
		q = skip_blank(p, end);
		if (!eat(&q, end, "("))
			continue;
		q = skip_blank(q, end);
		if (!eat(&q, end, "REC->reason"))
			continue;
		q = skip_blank(q, end);
		if (eat(&q, end, ","))
			return q;
	}
	return NULL;
}

/* Decimal or 0x hex.  Anything else (an enum the kernel did not resolve
 * to a number, an expression) is not a value we can match samples on. */
static int parse_reason_value(struct span s, uint64_t *v)
{
	if (span_len(s) > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) {
		s.p += 2;
		return parse_uint(s, 16, UINT64_MAX, v);
	}
	return parse_uint(s, 10, UINT64_MAX, v);
}

/* Reason names become folded-stack frames and JSON keys; anything but an
 * identifier would corrupt those outputs, so such an entry is dropped and
 * its value prints as REASON_<n> instead. */
static int valid_reason_name(struct span s)
{
	const char *p;

	if (s.p == s.end)
		return 0;
	for (p = s.p; p < s.end; p++)
		if (!is_ident(*p))
			return 0;
	return 1;
}

struct pending_symbol {
	uint64_t value;
	size_t seq;
	char *name;
};

static int cmp_pending(const void *a, const void *b)
{
	const struct pending_symbol *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void free_pending(struct pending_symbol *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* Collect complete { value, "NAME" } entries until the list ends or stops
 * making sense.  An entry counts only once its closing '}' is seen, so a
 * line cut inside "{ 12" never yields a reason 1. */
static int parse_reasons(struct dp_tp_format *fmt, const char *p, const char *end)
{
	struct pending_symbol *v = NULL;
	size_t n = 0, cap = 0, i, out;

	for (;;) {
		struct span val, name;
		const char *quote;
		uint64_t value;

		p = skip_blank(p, end);
		if (!eat(&p, end, "{"))
			break;
		val.p = p;
		while (p < end && *p != ',' && *p != '}' && *p != '"')
			p++;
		val = trim(val.p, p);
		if (!eat(&p, end, ","))
			break;
		p = skip_blank(p, end);
		if (!eat(&p, end, "\""))
			break;
		quote = memchr(p, '"', (size_t)(end - p));
		if (!quote)
			break;
		name.p = p;
		name.end = quote;
		p = skip_blank(quote + 1, end);
		if (!eat(&p, end, "}"))
			break;
		if (parse_reason_value(val, &value) == 0 && valid_reason_name(name)) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct pending_symbol *nv = realloc(v, ncap * sizeof(*v));

				if (!nv)
					goto nomem;
				v = nv;
				cap = ncap;
			}
			v[n].value = value;
			v[n].seq = n;
			v[n].name = strndup(name.p, span_len(name));
			if (!v[n].name)
				goto nomem;
			n++;
		}
		p = skip_blank(p, end);
		if (!eat(&p, end, ","))
			break;
	}
	if (!n) {
		free(v);
		return 0;
	}

	/* The kernel prints the first entry that matches a value; keep that
	 * one so lookups by value are unambiguous and agree with it. */
	qsort(v, n, sizeof(*v), cmp_pending);
	fmt->reasons = calloc(n, sizeof(*fmt->reasons));
	if (!fmt->reasons)
		goto nomem;
	for (i = 0, out = 0; i < n; i++) {
		if (out && fmt->reasons[out - 1].value == v[i].value)
			continue;
		fmt->reasons[out].value = v[i].value;
		fmt->reasons[out].name = v[i].name;
		v[i].name = NULL;
		out++;
	}
	fmt->nr_reasons = out;
	free_pending(v, n);
	return 0;

nomem:
	free_pending(v, n);
	return -ENOMEM;
}

int dp_tp_format_parse(struct dp_tp_format *fmt, const char *text)
{
	const char *line = text, *print = NULL, *print_end = NULL;
	int have_id = 0, err;

	memset(fmt, 0, sizeof(*fmt));
	if (!text)
		return -EINVAL;

	while (*line) {
		const char *eol = strchrnul(line, '\n');
		struct span s = trim(line, eol);
		const char *p = s.p;

		if (eat(&p, s.end, "field:")) {
			err = parse_field(fmt, p, s.end);
			if (err)
				goto fail;
		} else if (eat(&p, s.end, "ID:")) {
			uint64_t id;

			err = -EINVAL;
			if (have_id || parse_uint(trim(p, s.end), 10, INT_MAX, &id))
				goto fail;
			fmt->id = (int)id;
			have_id = 1;
		} else if (eat(&p, s.end, "name:")) {
			err = -EINVAL;
			if (copy_span(fmt->name, sizeof(fmt->name), trim(p, s.end)))
				goto fail;
		} else if (eat(&p, s.end, "print fmt:") && !print) {
			print = p;
			print_end = s.end;
		}
		/* "format:" and lines a newer kernel might add carry nothing
		 * we use. */
		line = *eol ? eol + 1 : eol;
	}

	err = -EINVAL;
	if (!have_id || !fmt->nr_fields)
		goto fail;

	/* Before 5.17 there is no reason field; any table then describes
	 * something else and must not be taken for drop reasons. */
	if (print && dp_tp_format_field(fmt, "reason")) {
		const char *list = find_reason_list(print, print_end);

		if (list) {
			err = parse_reasons(fmt, list, print_end);
			if (err)
				goto fail;
		}
	}
	return 0;

fail:
	dp_tp_format_release(fmt);
	return err;
}

/* The whole file: tracefs reports st_size 0, so read until EOF. */
static int read_text(const char *path, char **out)
{
	size_t len = 0, cap = 16384;
	char *buf;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		/* A missing system directory shows up as ENOTDIR when a
		 * path component is a file; both mean "no such event". */
		if (err == -ENOTDIR)
			err = -ENOENT;
		else if (err == -EPERM)
			err = -EACCES;
		return err;
	}
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto close_fd;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 2) {
			char *nb;

			if (cap >= DP_TP_FORMAT_MAX) {
				err = -EFBIG;
				goto free_buf;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				err = -ENOMEM;
				goto free_buf;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto free_buf;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	/* A NUL would silently end the parse early: not a text file. */
	if (memchr(buf, '\0', len)) {
		err = -EINVAL;
		goto free_buf;
	}
	buf[len] = '\0';
	close(fd);
	*out = buf;
	return 0;

free_buf:
	free(buf);
close_fd:
	close(fd);
	return err;
}

/* System and event names come from our own code today, but a name that
 * could climb out of events/ is never a tracepoint. */
static int valid_event_name(const char *s)
{
	return s && *s && *s != '.' && !strchr(s, '/');
}

int dp_tp_format_load(struct dp_tp_format *fmt, const char *tracefs,
		      const char *system, const char *event)
{
	struct dp_strbuf path = DP_STRBUF_INIT;
	char *text = NULL;
	int err;

	memset(fmt, 0, sizeof(*fmt));
	if (!tracefs || !valid_event_name(system) || !valid_event_name(event))
		return -ENOENT;
	if (dp_strbuf_addf(&path, "%s/events/%s/%s/format", tracefs, system, event))
		return -ENOMEM;
	err = read_text(path.buf, &text);
	dp_strbuf_release(&path);
	if (err)
		return err;
	err = dp_tp_format_parse(fmt, text);
	free(text);
	return err;
}

void dp_tp_format_release(struct dp_tp_format *fmt)
{
	size_t i;

	if (!fmt)
		return;
	for (i = 0; i < fmt->nr_reasons; i++)
		free(fmt->reasons[i].name);
	free(fmt->reasons);
	memset(fmt, 0, sizeof(*fmt));
}

const struct dp_tp_field *dp_tp_format_field(const struct dp_tp_format *fmt,
					     const char *name)
{
	unsigned int i;

	if (!fmt || !name)
		return NULL;
	for (i = 0; i < fmt->nr_fields && i < DP_TP_MAX_FIELDS; i++)
		if (strcmp(fmt->fields[i].name, name) == 0)
			return &fmt->fields[i];
	return NULL;
}

static const struct dp_tp_symbol *find_reason(const struct dp_tp_format *fmt,
					      uint64_t value)
{
	size_t lo = 0, hi;

	if (!fmt || !fmt->reasons)
		return NULL;
	hi = fmt->nr_reasons;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fmt->reasons[mid].value == value)
			return &fmt->reasons[mid];
		if (fmt->reasons[mid].value < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *dp_tp_format_reason_name(const struct dp_tp_format *fmt,
				     uint64_t value, char *buf, size_t len)
{
	const struct dp_tp_symbol *sym;
	int n;

	/* Subsystem reasons (mac80211, openvswitch, ...) are numbered
	 * inside their subsystem; the core table's entry for the same
	 * number, if any, is not theirs. */
	if (value >> DP_REASON_SUBSYS_SHIFT) {
		n = snprintf(buf, len, "SUBSYS_%" PRIu64 ":%" PRIu64,
			     value >> DP_REASON_SUBSYS_SHIFT,
			     value & ((UINT64_C(1) << DP_REASON_SUBSYS_SHIFT) - 1));
	} else {
		sym = find_reason(fmt, value);
		if (sym)
			return sym->name;
		n = snprintf(buf, len, "REASON_%" PRIu64, value);
	}
	/* A cut-off "REASON_12" would read as reason 1: say nothing rather
	 * than something wrong. */
	if (n < 0 || (size_t)n >= len)
		return "?";
	return buf;
}

int dp_tp_format_reason_value(const struct dp_tp_format *fmt,
			      const char *name, uint64_t *value)
{
	size_t i;

	if (!fmt || !name)
		return -ENOENT;
	for (i = 0; i < fmt->nr_reasons; i++) {
		if (strcmp(fmt->reasons[i].name, name) == 0) {
			*value = fmt->reasons[i].value;
			return 0;
		}
	}
	return -ENOENT;
}
