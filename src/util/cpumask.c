/* cpumask — parse and print the kernel's CPU list format.  dropprof opens
 * one event per *online* CPU, which need not be 0..n-1 (hot-unplugged or
 * isolated CPUs leave holes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/util/cpumask.h"
#include "dropprof/util/strbuf.h"

#define DP_CPU_MAX 65536

int dp_cpulist_parse(const char *text, int **cpus, size_t *nr)
{
	const char *p = text;
	int *out = NULL;
	size_t n = 0, cap = 0;
	long last = -1;

	*cpus = NULL;
	*nr = 0;
	while (*p && *p != '\n') {
		char *end;
		long lo, hi;

		lo = strtol(p, &end, 10);
		if (end == p || lo < 0 || lo >= DP_CPU_MAX)
			goto bad;
		hi = lo;
		p = end;
		if (*p == '-') {
			p++;
			hi = strtol(p, &end, 10);
			if (end == p || hi < lo || hi >= DP_CPU_MAX)
				goto bad;
			p = end;
		}
		if (lo <= last)
			goto bad;
		for (long c = lo; c <= hi; c++) {
			if (n == cap) {
				int *q;

				cap = cap ? cap * 2 : 16;
				q = realloc(out, cap * sizeof(*q));
				if (!q) {
					free(out);
					return -ENOMEM;
				}
				out = q;
			}
			out[n++] = (int)c;
		}
		last = hi;
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			goto bad;
	}
	if (!n)
		goto bad;
	*cpus = out;
	*nr = n;
	return 0;
bad:
	free(out);
	return -EINVAL;
}

int dp_cpulist_read(const char *path, int **cpus, size_t *nr)
{
	char buf[4096];
	FILE *f = fopen(path, "re");
	int err;

	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		err = ferror(f) ? -EIO : -EINVAL;
		fclose(f);
		return err;
	}
	fclose(f);
	return dp_cpulist_parse(buf, cpus, nr);
}

int dp_cpulist_format(const int *cpus, size_t nr, struct dp_strbuf *out)
{
	for (size_t i = 0; i < nr;) {
		size_t j = i;
		int ret;

		while (j + 1 < nr && cpus[j + 1] == cpus[j] + 1)
			j++;
		if (j == i)
			ret = dp_strbuf_addf(out, "%s%d", out->len ? "," : "", cpus[i]);
		else
			ret = dp_strbuf_addf(out, "%s%d-%d", out->len ? "," : "",
					     cpus[i], cpus[j]);
		if (ret)
			return ret;
		i = j + 1;
	}
	return 0;
}
