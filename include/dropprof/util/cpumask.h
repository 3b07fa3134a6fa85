/* cpumask — the kernel's CPU list format ("0-3,8,10-11"). */
#ifndef DROPPROF_CPUMASK_H
#define DROPPROF_CPUMASK_H

#include <stdbool.h>
#include <stddef.h>

/* Parse a CPU list into an allocated array of CPU numbers in increasing
 * order.  Returns 0, -EINVAL for a malformed list, -ENOMEM. */
int dp_cpulist_parse(const char *text, int **cpus, size_t *nr);

/* Read /sys/devices/system/cpu/online (path for tests). */
int dp_cpulist_read(const char *path, int **cpus, size_t *nr);

/* Append CPU numbers (sorted) to out as a list: "0-3,8".  Returns 0 or
 * -ENOMEM. */
struct dp_strbuf;
int dp_cpulist_format(const int *cpus, size_t nr, struct dp_strbuf *out);

#endif
