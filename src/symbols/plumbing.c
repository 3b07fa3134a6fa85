/* plumbing — names of the tracing and freeing helpers that stand between a
 * drop site and the skb:kfree_skb tracepoint, across kernel generations:
 * kfree_skb() (< 5.17), kfree_skb_reason() (5.17–6.7),
 * sk_skb_reason_drop() (6.8+), the list variants, and the tracepoint
 * machinery itself (__traceiter_*, perf_trace_*, perf_tp_event, ...).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/symbols/ksym.h"
#include "dropprof/symbols/plumbing.h"

static const char *const plumbing_names[] = {
	"kfree_skb",
	"__kfree_skb",
	"kfree_skb_reason",
	"sk_skb_reason_drop",
	"kfree_skb_list_reason",
	"kfree_skb_list",
	"__kfree_skb_reason",
	"__traceiter_kfree_skb",
	"perf_trace_kfree_skb",
	"trace_event_raw_event_kfree_skb",
	"trace_kfree_skb",
	"perf_trace_run_bpf_submit",
	"perf_tp_event",
	"perf_trace_buf_submit",
};

int dp_plumbing_ranges(const struct dp_ksyms *ks, struct dp_addr_range **out,
		       size_t *nr)
{
	size_t max = sizeof(plumbing_names) / sizeof(plumbing_names[0]);
	struct dp_addr_range *r = calloc(max, sizeof(*r));
	size_t n = 0;

	*out = NULL;
	*nr = 0;
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; ks && i < max; i++) {
		uint64_t end = 0;
		const struct dp_ksym *s = dp_ksyms_by_name(ks, plumbing_names[i], &end);

		if (!s || !s->addr || end <= s->addr)
			continue;
		r[n].start = s->addr;
		r[n].end = end;
		n++;
	}
	*out = r;
	*nr = n;
	return 0;
}
