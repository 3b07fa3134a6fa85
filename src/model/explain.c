/* explain — owns the lookup over the reason catalogue (reasons.def): the
 * table is built once at compile time from the X-macro rows, kept sorted
 * by name in the .def itself (the unit test checks it), and searched by
 * exact name.  No reason number ever enters here: numbers differ between
 * kernels, names are what the tracepoint format gives.
 */
#include <stdlib.h>
#include <string.h>

#include "dropprof/model/explain.h"

#define DP_C(...) { __VA_ARGS__ }
#define DP_S(...) { __VA_ARGS__ }
#define DP_REASON(nm, fam, mean, ctrs, sets, hnt) \
	{ .name = #nm, .family = DP_REASON_FAMILY_##fam, .meaning = mean, \
	  .counters = ctrs, .settings = sets, .hint = hnt },

static const struct dp_reason_info catalogue[] = {
#include "reasons.def"
};

#undef DP_REASON
#undef DP_S
#undef DP_C

static const char *const family_names[DP_REASON_FAMILY_COUNT] = {
	[DP_REASON_FAMILY_OTHER] = "other",
	[DP_REASON_FAMILY_SOCKET] = "socket",
	[DP_REASON_FAMILY_CSUM] = "checksum",
	[DP_REASON_FAMILY_NETFILTER] = "netfilter",
	[DP_REASON_FAMILY_IP] = "ip",
	[DP_REASON_FAMILY_IPV6] = "ipv6",
	[DP_REASON_FAMILY_TCP] = "tcp",
	[DP_REASON_FAMILY_NEIGH] = "neighbour",
	[DP_REASON_FAMILY_QDISC] = "qdisc",
	[DP_REASON_FAMILY_DEVICE] = "device",
	[DP_REASON_FAMILY_FRAG] = "fragment",
	[DP_REASON_FAMILY_XFRM] = "xfrm",
	[DP_REASON_FAMILY_BPF] = "bpf",
	[DP_REASON_FAMILY_MEMORY] = "memory",
	[DP_REASON_FAMILY_TUNNEL] = "tunnel",
	[DP_REASON_FAMILY_BRIDGE] = "bridge",
};

static int by_name(const void *key, const void *elem)
{
	const struct dp_reason_info *e = elem;

	return strcmp(key, e->name);
}

const struct dp_reason_info *dp_explain_reason(const char *name)
{
	if (!name)
		return NULL;
	return bsearch(name, catalogue, sizeof(catalogue) / sizeof(catalogue[0]),
		       sizeof(catalogue[0]), by_name);
}

const char *dp_explain_generic(void)
{
	return "this drop reason is not described in dropprof's catalogue yet; "
	       "read its drop site and stack, and the kernel's "
	       "include/net/dropreason-core.h for what it means";
}

const struct dp_reason_info *dp_explain_table(size_t *nr)
{
	if (nr)
		*nr = sizeof(catalogue) / sizeof(catalogue[0]);
	return catalogue;
}

const char *dp_reason_family_name(enum dp_reason_family family)
{
	if ((unsigned int)family >= DP_REASON_FAMILY_COUNT)
		return "other";
	return family_names[family];
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *const *dp_explain_all_settings(void)
{
	/* Every setting of the catalogue, once: filled on first use (the
	 * catalogue is constant, so is the list). */
	static const char *all[sizeof(catalogue) / sizeof(catalogue[0]) *
			       DP_REASON_MAX_REFS + 1];
	static size_t nr;

	if (nr)
		return all;
	for (size_t i = 0; i < sizeof(catalogue) / sizeof(catalogue[0]); i++)
		for (size_t k = 0; catalogue[i].settings[k]; k++)
			all[nr++] = catalogue[i].settings[k];
	qsort(all, nr, sizeof(all[0]), cmp_str);
	{
		size_t w = 0;

		for (size_t i = 0; i < nr; i++)
			if (!w || strcmp(all[w - 1], all[i]))
				all[w++] = all[i];
		nr = w;
	}
	all[nr] = NULL;
	return all;
}
