/* nfrules_legacy — the iptables-legacy half of dp_nf_rules()
 * (src/kernel/nfrules_legacy.c) and the notes line both halves write
 * (src/kernel/nfrules.c).  Internal to kernel/nfrules*.c: everything
 * else uses nfrules.h.
 */
#ifndef DROPPROF_KERNEL_NFRULES_LEGACY_H
#define DROPPROF_KERNEL_NFRULES_LEGACY_H

#include <stdbool.h>

#include "dropprof/util/strbuf.h"

struct dp_nf_rule;

/* What could not be read: one line of parts joined with "; ". */
struct dp_nf_notes {
	struct dp_strbuf line;
	bool denied;                /* the permission part is in it */
};

/* Add a part.  0 or -ENOMEM. */
__attribute__((format(printf, 2, 3)))
int dp_nf_note(struct dp_nf_notes *notes, const char *fmt, ...);

/* Without CAP_NET_ADMIN in the namespace nftables refuses and the
 * legacy tables cannot be read either: one part says so for all, the
 * first time.  0 or -ENOMEM. */
int dp_nf_note_denied(struct dp_nf_notes *notes);

/* "WHAT: " and the first line of a library's or a tool's message (text),
 * or fallback when it has none.  0 or -ENOMEM. */
int dp_nf_note_first_line(struct dp_nf_notes *notes, const char *what,
			  const char *text, const char *fallback);

/* Call fn for each drop or reject rule of the legacy tables of the
 * calling thread's namespace, ip then ip6 (nothing once notes->denied).
 * 0, -ENOMEM, or fn's non-zero return. */
int dp_nf_legacy_rules(int (*fn)(const struct dp_nf_rule *r, void *arg), void *arg,
		       struct dp_nf_notes *notes);

#endif
