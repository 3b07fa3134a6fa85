/* cpumask — parse and print the kernel's CPU list format.  dropprof opens
 * one event per *online* CPU, which need not be 0..n-1 (hot-unplugged or
 * isolated CPUs leave holes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/util/cpumask.h"

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

char *dp_cpulist_format(const int *cpus, size_t nr, char *buf, size_t len)
{
	size_t used = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < nr;) {
		size_t j = i;
		int w;

		while (j + 1 < nr && cpus[j + 1] == cpus[j] + 1)
			j++;
		if (j == i)
			w = snprintf(buf + used, len - used, "%s%d",
				     used ? "," : "", cpus[i]);
		else
			w = snprintf(buf + used, len - used, "%s%d-%d",
				     used ? "," : "", cpus[i], cpus[j]);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
		i = j + 1;
	}
	return buf;
}
