/* filter — build the tracepoint filter string (PERF_EVENT_IOC_SET_FILTER)
 * for --reason, --exclude-reason and --proto, so unwanted drops are
 * discarded in the kernel and cost no ring traffic.  Pure string work,
 * checked against the running kernel's tracepoint format.
 */
#ifndef DROPPROF_FILTER_H
#define DROPPROF_FILTER_H

#include <stddef.h>

struct dp_tp_format;

struct dp_filter_spec {
	const char *reasons;          /* "NO_SOCKET,NETFILTER_DROP" or NULL */
	const char *exclude_reasons;  /* likewise */
	const char *protos;           /* "ipv4,ipv6,arp,0x88cc" or NULL */
};

/* Write the filter expression into out ("" when the spec is empty).
 * Returns 0; -EINVAL with *err naming the bad word and the valid ones;
 * -ENOTSUP when the kernel's tracepoint lacks the field; -ENOSPC when out
 * is too small. */
int dp_filter_build(const struct dp_filter_spec *spec,
		    const struct dp_tp_format *fmt, char *out, size_t len,
		    char *err, size_t errlen);

#endif
