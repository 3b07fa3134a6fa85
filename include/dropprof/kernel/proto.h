/* proto — names of the link-layer protocol numbers (ETH_P_* of
 * <linux/if_ether.h>, host order) that the skb tracepoints carry in their
 * 'protocol' field.  One table serves both directions: parsing --proto
 * words and naming the protocols of a report.
 */
#ifndef DROPPROF_PROTO_H
#define DROPPROF_PROTO_H

#include <stdint.h>

struct dp_strbuf;

/* The report's name of a protocol value ("IPv4", "IPv6", "ARP", ...), or
 * NULL when the table does not know it (print the number then).  The
 * string is static. */
const char *dp_proto_name(uint16_t value);

/* A --proto word: a table name in any case ("ipv4", "IPv6", "lldp"), the
 * alias "ip" for IPv4, or an EtherType number ("0x88cc", "2048").
 * Returns 0 with *value set, or -EINVAL. */
int dp_proto_parse(const char *word, uint16_t *value);

/* Append the words dp_proto_parse() accepts, for a usage message:
 * "ipv4, ipv6, arp, ... or an EtherType number".  0 or -ENOMEM. */
int dp_proto_add_names(struct dp_strbuf *sb);

#endif
