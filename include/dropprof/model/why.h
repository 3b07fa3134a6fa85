/* why — the report's Why section: for every reason seen, what it means
 * (model/explain.h, the catalogue), the counters that move with it and
 * moved during the recording, the settings that govern it, and what to
 * look at.  Built by dp_report_build() after the reasons and counters.
 */
#ifndef DROPPROF_MODEL_WHY_H
#define DROPPROF_MODEL_WHY_H

#include <stdbool.h>

struct dp_report;

/* Fill rep->why from rep->reasons and rep->counters.  Returns 0 or
 * -ENOMEM (what was built is released by dp_report_release()). */
int dp_report_build_why(struct dp_report *rep);
void dp_report_release_why(struct dp_report *rep);

/* Does counter name (as profile/counters.c writes them) match a
 * catalogue pattern ("UdpNoPorts", "dev:IF:rx_dropped",
 * "softnet:cpuN:dropped")?  IF matches any interface, cpuN any CPU. */
bool dp_why_counter_matches(const char *pattern, const char *name);

#endif
