/* cli — what the commands share: strict parsing of numeric option values
 * ("10", "2.5" and "0.1" are durations; "abc", "-1", "1e999", "10s" and ""
 * are usage errors) and writing a report to stdout or a file.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/cmd.h"
#include "dropprof/outfile.h"
#include "dropprof/report.h"

int dp_parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > 31 * 24 * 3600.0)
		return -EINVAL;
	*out = v;
	return 0;
}

int dp_parse_count(const char *s, unsigned long min, unsigned long max,
		   unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int dp_emit_report(const struct dp_profile *prof, const struct dp_symmap *names,
		   size_t top_n, enum dp_format format, const char *output)
{
	struct dp_report_opts ro = { .top_n = top_n };
	struct dp_report rep;
	struct dp_outfile out;
	int ret;

	ret = dp_report_build(&rep, prof, names, &ro);
	if (ret) {
		fprintf(stderr, "dropprof: cannot build the report: %s\n",
			strerror(-ret));
		return DP_EXIT_FAIL;
	}
	ret = dp_outfile_open(&out, output);
	if (ret) {
		fprintf(stderr, "dropprof: cannot create '%s': %s\n", output,
			strerror(-ret));
	} else {
		ret = dp_out_write(&rep, format, out.f);
		ret = dp_outfile_close(&out, ret == 0) ?: ret;
		if (ret)
			fprintf(stderr, "dropprof: cannot write '%s': %s\n",
				output ? output : "stdout", strerror(-ret));
	}
	dp_report_release(&rep);
	return ret ? DP_EXIT_FAIL : DP_EXIT_OK;
}
