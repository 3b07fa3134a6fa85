/* out_folded — FlameGraph folded stacks: "REASON;root;...;leaf COUNT", one
 * line per (reason, stack), sorted by stack text (the order FlameGraph's
 * stackcollapse scripts use); stacks differing only in offsets are merged
 * by the report model.  The
 * reason is the root frame so a flame graph splits by reason first.
 */
#include <errno.h>
#include <stdio.h>

#include "dropprof/output/output.h"
#include "dropprof/model/report.h"

int dp_out_folded(const struct dp_report *r, FILE *f)
{
	for (size_t i = 0; i < r->nr_folded; i++)
		fprintf(f, "%s %llu\n", r->folded[i].stack,
			(unsigned long long)r->folded[i].count);
	return ferror(f) ? -EIO : 0;
}
