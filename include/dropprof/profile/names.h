/* names — the names a live profile needs, resolved once (see
 * symbols/symmap.h for the container).
 */
#ifndef DROPPROF_PROFILE_NAMES_H
#define DROPPROF_PROFILE_NAMES_H

struct dp_symmap;
struct dp_profile;
struct dp_ksyms;
struct dp_tp_format;

/* Resolve every address and reason value of prof into m (initialised
 * here), and note the run-time _stext/_text of ks in m->kernel.  ks and fmt may be NULL (addresses stay unknown; reasons get
 * REASON_<n> names).  Returns 0 or -ENOMEM. */
int dp_profile_names(struct dp_symmap *m, const struct dp_profile *prof,
		     const struct dp_ksyms *ks, const struct dp_tp_format *fmt);

#endif
