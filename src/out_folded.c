/* out_folded — FlameGraph folded stacks: "REASON;root;...;leaf COUNT", one
 * line per (reason, stack), in the report's deterministic order.  The
 * reason is the root frame so a flame graph splits by reason first.
 */
#include <errno.h>
#include <stdio.h>

#include "dropprof/output.h"
#include "dropprof/report.h"

int dp_out_folded(const struct dp_report *r, FILE *f)
{
	for (size_t i = 0; i < r->nr_stacks; i++) {
		const struct dp_report_stack *s = &r->stacks[i];

		fputs(s->reason, f);
		for (size_t k = s->nr_frames; k-- > 0;) {
			fputc(';', f);
			fputs(s->functions[k], f);
		}
		fprintf(f, " %llu\n", (unsigned long long)s->count);
	}
	return ferror(f) ? -EIO : 0;
}
