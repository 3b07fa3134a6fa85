/* tp_format — parse a tracepoint's tracefs "format" file.
 *
 * Gives the event id, the field layout (name, offset, size, signedness) and
 * the drop-reason name table taken from the __print_symbolic() list of the
 * print fmt line.  Nothing about a kernel version is hard-coded: offsets and
 * reason numbers always come from the running kernel's format file.
 */
#ifndef DROPPROF_TP_FORMAT_H
#define DROPPROF_TP_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_TP_MAX_FIELDS 32
#define DP_TP_NAME_MAX 64

/* Reasons whose upper 16 bits are non-zero belong to a subsystem
 * (SKB_DROP_REASON_SUBSYS_SHIFT in include/net/dropreason.h). */
#define DP_REASON_SUBSYS_SHIFT 16

struct dp_tp_field {
	char name[DP_TP_NAME_MAX];
	char type[DP_TP_NAME_MAX];  /* e.g. "void *", "enum skb_drop_reason" */
	unsigned int offset;
	unsigned int size;
	bool is_signed;
};

struct dp_tp_symbol {
	uint64_t value;
	char *name;                 /* owned by the format */
};

struct dp_tp_format {
	char name[DP_TP_NAME_MAX];  /* "kfree_skb" */
	int id;                     /* perf_event_attr.config */
	unsigned int nr_fields;
	struct dp_tp_field fields[DP_TP_MAX_FIELDS];
	struct dp_tp_symbol *reasons; /* sorted by value, owned; NULL when none */
	size_t nr_reasons;
};

/* Parse the text of a format file into *fmt (which need not be
 * initialised).  Returns 0 or -EINVAL (no ID line, no fields, malformed
 * field line), -ENOMEM.  On error *fmt holds nothing to release. */
int dp_tp_format_parse(struct dp_tp_format *fmt, const char *text);

/* Read and parse <tracefs>/events/<system>/<event>/format.
 * Returns 0, -ENOENT when there is no such tracepoint, -EACCES, -EINVAL. */
int dp_tp_format_load(struct dp_tp_format *fmt, const char *tracefs,
		      const char *system, const char *event);

/* Free what the format owns; safe on a zeroed or released format. */
void dp_tp_format_release(struct dp_tp_format *fmt);

/* Field by name, or NULL. */
const struct dp_tp_field *dp_tp_format_field(const struct dp_tp_format *fmt,
					     const char *name);

/* Name of a drop reason: the table's name when the value is in the table;
 * "SUBSYS_<s>:<code>" when the upper 16 bits are non-zero; otherwise
 * "REASON_<n>".  Never a wrong name.  The result points either into the
 * table or into buf (len >= 32 is always enough). */
const char *dp_tp_format_reason_name(const struct dp_tp_format *fmt,
				     uint64_t value, char *buf, size_t len);

/* Value of a reason by table name ("NO_SOCKET"); 0 or -ENOENT. */
int dp_tp_format_reason_value(const struct dp_tp_format *fmt,
			      const char *name, uint64_t *value);

#endif
