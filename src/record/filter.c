/* filter — turn --reason/--exclude-reason/--proto lists into an ftrace
 * filter expression such as
 *   (reason == 3 || reason == 12) && (protocol == 2048)
 * Reason names are looked up in this kernel's own table: numbers differ
 * between kernels, so a name is the only portable way to say a reason.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dropprof/record/filter.h"
#include "dropprof/kernel/tp_format.h"

struct sbuf {
	char *p;
	size_t len, used;
	bool full;
};

__attribute__((format(printf, 2, 3)))
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->len - b->used)
		b->full = true;
	else
		b->used += (size_t)n;
}

static const struct {
	const char *name;
	unsigned value;
} protos[] = {
	{ "ipv4", 0x0800 }, { "ip", 0x0800 }, { "ipv6", 0x86DD },
	{ "arp", 0x0806 }, { "vlan", 0x8100 }, { "lldp", 0x88CC },
	{ "mpls", 0x8847 }, { "pppoe", 0x8864 },
};

static int proto_value(const char *word, unsigned *v)
{
	char *end;
	unsigned long n;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcasecmp(word, protos[i].name)) {
			*v = protos[i].value;
			return 0;
		}
	if (!isdigit((unsigned char)word[0]))
		return -EINVAL;
	n = strtoul(word, &end, 0);
	if (*end || n > 0xffff)
		return -EINVAL;
	*v = (unsigned)n;
	return 0;
}

/* The valid reason names, for the error line (cut to fit). */
static void list_reasons(const struct dp_tp_format *fmt, char *buf, size_t len)
{
	struct sbuf b = { buf, len, 0, false };

	buf[0] = '\0';
	for (size_t i = 0; i < fmt->nr_reasons && !b.full; i++)
		sb_add(&b, "%s%s", i ? "," : "", fmt->reasons[i].name);
	if (b.full && len > 4)
		strcpy(buf + len - 4, "...");
}

/* One clause: "(field OP v1 JOIN field OP v2 ...)" for a comma list. */
static int clause(struct sbuf *b, const char *list, const char *field,
		  const char *op, const char *join, const struct dp_tp_format *fmt,
		  bool is_reason, char *err, size_t errlen)
{
	char *copy = strdup(list), *save = NULL, *word;
	int n = 0, ret = 0;

	if (!copy)
		return -ENOMEM;
	sb_add(b, "%s(", b->used ? " && " : "");
	for (word = strtok_r(copy, ",", &save); word; word = strtok_r(NULL, ",", &save)) {
		uint64_t value;
		unsigned pv;

		if (is_reason) {
			if (dp_tp_format_reason_value(fmt, word, &value)) {
				char names[3072];

				list_reasons(fmt, names, sizeof(names));
				snprintf(err, errlen, "unknown drop reason '%s' (this kernel has: %s)",
					 word, names);
				ret = -EINVAL;
				break;
			}
		} else {
			if (proto_value(word, &pv)) {
				snprintf(err, errlen, "unknown protocol '%s' (use ipv4, ipv6, arp, vlan, lldp, mpls, pppoe or an EtherType number)",
					 word);
				ret = -EINVAL;
				break;
			}
			value = pv;
		}
		sb_add(b, "%s%s %s %llu", n++ ? join : "", field, op,
		       (unsigned long long)value);
	}
	free(copy);
	if (!ret && !n) {
		snprintf(err, errlen, "empty list for '%s'", field);
		ret = -EINVAL;
	}
	sb_add(b, ")");
	return ret;
}

int dp_filter_build(const struct dp_filter_spec *spec,
		    const struct dp_tp_format *fmt, char *out, size_t len,
		    char *err, size_t errlen)
{
	struct sbuf b = { out, len, 0, false };
	int ret = 0;

	if (!len)
		return -ENOSPC;
	out[0] = '\0';
	if ((spec->reasons || spec->exclude_reasons) &&
	    !dp_tp_format_field(fmt, "reason")) {
		snprintf(err, errlen, "this kernel's skb:kfree_skb has no 'reason' field (added in 5.17): --reason and --exclude-reason cannot work");
		return -ENOTSUP;
	}
	if (spec->protos && !dp_tp_format_field(fmt, "protocol")) {
		snprintf(err, errlen, "this kernel's skb:kfree_skb has no 'protocol' field: --proto cannot work");
		return -ENOTSUP;
	}
	if (spec->reasons)
		ret = clause(&b, spec->reasons, "reason", "==", " || ", fmt, true,
			     err, errlen);
	if (!ret && spec->exclude_reasons)
		ret = clause(&b, spec->exclude_reasons, "reason", "!=", " && ", fmt,
			     true, err, errlen);
	if (!ret && spec->protos)
		ret = clause(&b, spec->protos, "protocol", "==", " || ", fmt, false,
			     err, errlen);
	if (!ret && b.full) {
		snprintf(err, errlen, "the filter is too long");
		ret = -ENOSPC;
	}
	if (ret)
		out[0] = '\0';
	return ret;
}
