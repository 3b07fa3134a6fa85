/* profile_mem — memory of the aggregation at scale: 10M drops spread over
 * 1,000 unique 25-frame stacks (and 1,000 sites), fed through the same
 * dp_profile calls the recorder makes, then the report model built and
 * written as folded stacks.  Prints peak RSS and the time of each phase.
 * The rings are not included: they are 2 x (pages + 1) x 4 KiB per CPU. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "dropprof/profile/names.h"
#include "dropprof/kernel/skb_fields.h"
#include "dropprof/output/output.h"
#include "dropprof/profile/profile.h"
#include "dropprof/model/report.h"
#include "dropprof/record/sample.h"
#include "dropprof/symbols/symmap.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
	unsigned long drops = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000000;
	unsigned long nstacks = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	struct dp_profile p;
	struct dp_symmap names;
	struct dp_report rep;
	struct dp_report_opts o = { .top_n = 5 };
	uint64_t ips[25];
	double t0, t1, t2;
	FILE *null = fopen("/dev/null", "w");

	if (!null || !nstacks || dp_profile_init(&p, 2, DP_DEFAULT_MAX_STACKS))
		return 1;
	p.duration = 10;
	p.has_reason = true;
	t0 = now();
	for (unsigned long i = 0; i < drops; i++) {
		unsigned long k = i % nstacks;
		struct dp_skb_fields f = {
			.location = 0xffffffff81000000ULL + k * 0x40,
			.reason = (uint32_t)(2 + k % 7), .protocol = 0x0800,
		};

		for (int j = 0; j < 25; j++)
			ips[j] = 0xffffffff81000000ULL + (uint64_t)k * 0x40 + (uint64_t)j * 0x1000;
		if (dp_profile_add_drop_stack(&p, (uint32_t)(i & 1), &f, ips, 25))
			return 1;
	}
	t1 = now();
	/* No kallsyms: names stay raw, the worst case for string sizes. */
	if (dp_profile_names(&names, &p, NULL, NULL) ||
	    dp_report_build(&rep, &p, &names, &o) ||
	    dp_out_folded(&rep, null) || dp_out_json(&rep, null))
		return 1;
	t2 = now();
	printf("drops %lu, unique stacks %zu, sites %zu\n", drops,
	       p.stacks.nr_used, p.sites.nr_used);
	printf("aggregate: %.2f s (%.0f ns/drop)\n", t1 - t0,
	       (t1 - t0) * 1e9 / (double)drops);
	printf("report model + folded + JSON: %.3f s\n", t2 - t1);
	printf("peak RSS: %.1f MiB\n", (double)peak_rss_kib() / 1024.0);
	dp_report_release(&rep);
	dp_symmap_release(&names);
	dp_profile_release(&p);
	fclose(null);
	return 0;
}
