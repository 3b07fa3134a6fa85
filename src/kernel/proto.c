/* proto — the one table of ETH_P_* protocol numbers and their names, for
 * --proto parsing (record/filter.c) and for the report (model/report.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <strings.h>

#include "dropprof/kernel/proto.h"
#include "dropprof/util/strbuf.h"

static const struct {
	uint16_t value;
	const char *name;        /* as the report prints it */
	bool parse;              /* a --proto word (in any case) */
} protos[] = {
	{ 0x0800, "IPv4",       true },   /* ETH_P_IP */
	{ 0x86DD, "IPv6",       true },   /* ETH_P_IPV6 */
	{ 0x0806, "ARP",        true },   /* ETH_P_ARP */
	{ 0x8100, "VLAN",       true },   /* ETH_P_8021Q */
	{ 0x88A8, "QinQ",       true },   /* ETH_P_8021AD */
	{ 0x8035, "RARP",       true },   /* ETH_P_RARP */
	{ 0x8847, "MPLS",       true },   /* ETH_P_MPLS_UC */
	{ 0x8848, "MPLS-mc",    true },   /* ETH_P_MPLS_MC */
	{ 0x8863, "PPPoE-disc", true },   /* ETH_P_PPP_DISC */
	{ 0x8864, "PPPoE",      true },   /* ETH_P_PPP_SES */
	{ 0x88CC, "LLDP",       true },   /* ETH_P_LLDP */
	{ 0x888E, "EAPOL",      true },   /* ETH_P_PAE */
	{ 0x88F7, "PTP",        true },   /* ETH_P_1588 */
	{ 0x0004, "802.2",      true },   /* ETH_P_802_2: 802.3 frames with LLC */
	/* ETH_P_ALL only ever reaches a drop as a pseudo-protocol; as a
	 * --proto word "all" would read as "every protocol", so it only
	 * names. */
	{ 0x0003, "ALL",        false },
	{ 0x0000, "none",       true },   /* no protocol set on the skb */
};

#define NR_PROTOS (sizeof(protos) / sizeof(protos[0]))

const char *dp_proto_name(uint16_t value)
{
	for (size_t i = 0; i < NR_PROTOS; i++)
		if (protos[i].value == value)
			return protos[i].name;
	return NULL;
}

int dp_proto_parse(const char *word, uint16_t *value)
{
	unsigned long n;
	char *end;

	if (!word || !*word)
		return -EINVAL;
	for (size_t i = 0; i < NR_PROTOS; i++) {
		if (protos[i].parse && !strcasecmp(word, protos[i].name)) {
			*value = protos[i].value;
			return 0;
		}
	}
	if (!strcasecmp(word, "ip")) {
		*value = 0x0800;
		return 0;
	}
	/* strtoul would take "-1" and " 12": only digits, decimal or 0x. */
	if (!isdigit((unsigned char)word[0]))
		return -EINVAL;
	errno = 0;
	/* base 16 after "0x", else 10: "010" is ten, not octal eight */
	if (word[0] == '0' && (word[1] == 'x' || word[1] == 'X'))
		n = strtoul(word + 2, &end, 16);
	else
		n = strtoul(word, &end, 10);
	if (word[0] == '0' && (word[1] == 'x' || word[1] == 'X') &&
	    !isxdigit((unsigned char)word[2]))
		return -EINVAL;
	if (errno || *end || n > 0xffff)
		return -EINVAL;
	*value = (uint16_t)n;
	return 0;
}

int dp_proto_add_names(struct dp_strbuf *sb)
{
	bool first = true;

	for (size_t i = 0; i < NR_PROTOS; i++) {
		if (!protos[i].parse)
			continue;
		if (!first && dp_strbuf_adds(sb, ", "))
			return -ENOMEM;
		/* Lower case, as people type them. */
		for (const char *p = protos[i].name; *p; p++)
			if (dp_strbuf_addch(sb, (char)tolower((unsigned char)*p)))
				return -ENOMEM;
		first = false;
	}
	return dp_strbuf_adds(sb, " or an EtherType number");
}
