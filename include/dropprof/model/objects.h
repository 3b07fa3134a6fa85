/* objects (report) — the qdiscs and netfilter rules of a report: copied
 * from the profile, sorted, and for NETFILTER_DROP the hooks its stacks
 * went through, which pick the chains whose rules are shown.  Built by
 * dp_report_build() after the stacks and scopes.
 */
#ifndef DROPPROF_MODEL_OBJECTS_H
#define DROPPROF_MODEL_OBJECTS_H

struct dp_report;
struct dp_profile;

/* The netfilter hook of a kernel function on the path of a packet
 * ("ip_local_deliver" -> "input"), or NULL. */
const char *dp_nf_hook_of(const char *function);

int dp_report_build_objects(struct dp_report *rep, const struct dp_profile *p);
void dp_report_release_objects(struct dp_report *rep);

#endif
