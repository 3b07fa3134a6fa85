/* filter — build the tracepoint filter string (PERF_EVENT_IOC_SET_FILTER)
 * for --reason, --exclude-reason and --proto, so unwanted drops are
 * discarded in the kernel and cost no ring traffic.  Pure string work,
 * checked against the running kernel's tracepoint format.
 */
#ifndef DROPPROF_FILTER_H
#define DROPPROF_FILTER_H

struct dp_err;
struct dp_strbuf;
struct dp_tp_format;

struct dp_filter_spec {
	const char *reasons;          /* "NO_SOCKET,NETFILTER_DROP" or NULL */
	const char *exclude_reasons;  /* likewise */
	const char *protos;           /* "ipv4,ipv6,arp,0x88cc" or NULL */
};

/* Replace the contents of out with the filter expression of spec ("" when
 * the spec is empty), whatever its length.  Words are comma-separated;
 * blanks around a word are ignored.  Returns 0, or with err filled and
 * out empty: -EINVAL for a bad or empty list (err names the word and every
 * valid one: this kernel's reason names, or the protocol words of
 * kernel/proto.h), -ENOTSUP when this kernel's tracepoint lacks the field,
 * -ENOMEM. */
int dp_filter_build(const struct dp_filter_spec *spec,
		    const struct dp_tp_format *fmt, struct dp_strbuf *out,
		    struct dp_err *err);

#endif
