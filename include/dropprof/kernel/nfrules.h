/* nfrules — the netfilter rules of the calling thread's network
 * namespace that can drop, with their counters: nftables through
 * libnftables (its JSON output), and iptables-legacy tables, which
 * nftables does not see, from `iptables-legacy-save -c` (and the ip6
 * one).
 *
 * What counts as a drop: a rule whose own statements (the top level of
 * its expression list, not a verdict map or a nested statement) end in
 * drop or reject (iptables-nft's xt REJECT target too), and a base
 * chain's drop policy, which drops what no rule decided.  A policy is
 * reported as a rule of handle 0 whose text is "policy drop"; nftables
 * keeps no counter for it (has_counter false), iptables does (the
 * chain's [packets:bytes]).
 */
#ifndef DROPPROF_KERNEL_NFRULES_H
#define DROPPROF_KERNEL_NFRULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dp_nf_source {
	DP_NF_NFTABLES,             /* libnftables */
	DP_NF_LEGACY,               /* iptables-legacy / ip6tables-legacy */
};

enum dp_nf_verdict {
	DP_NF_DROP,
	DP_NF_REJECT,
};

/* One rule whose verdict is drop or reject.  Strings are borrowed for
 * the callback's duration only. */
struct dp_nf_rule {
	enum dp_nf_source source;
	const char *family;         /* "ip", "ip6", "inet", "bridge", ... */
	const char *table;          /* "filter" */
	const char *chain;          /* "input" */
	const char *hook;           /* the chain's hook ("input", "forward",
				       "output", "prerouting", "postrouting",
				       "ingress"), "" for a regular chain */
	uint64_t handle;            /* nftables handle; legacy: the rule's
				       1-based position in its chain; 0: the
				       chain's policy */
	const char *text;           /* the rule as nft prints it without its
				       state and the "# handle N": "udp dport
				       5353 counter drop" (counter values are
				       packets and bytes, so the text is the
				       same at the start and the end of a
				       recording); "" if the text listing
				       lacked it; legacy: what follows "-A
				       CHAIN " in iptables-save, "-p udp -m
				       udp --dport 5353 -j DROP"; a policy:
				       "policy drop" / "policy DROP" */
	enum dp_nf_verdict verdict;
	bool has_counter;           /* nftables: an inline counter statement
				       (a named counter, "counter name c",
				       may be shared by several rules: not
				       this rule's, so false); legacy:
				       always */
	uint64_t packets, bytes;
};

/* Call fn for each drop or reject rule of the calling thread's
 * namespace, nftables first (rules in listing order, then chain
 * policies), then iptables-legacy (ip, then ip6); a non-zero return
 * stops and is returned.
 *
 * A namespace without tables costs one netlink dump and two /proc reads:
 * libnftables runs only when an NFT_MSG_GETTABLE dump finds a table, an
 * iptables-legacy-save only when /proc/thread-self/net/ip_tables_names
 * (ip6_tables_names) names one.  Threads in different namespaces may call
 * it at once (libnftables keeps process-wide state: its part is
 * serialized inside, fn is not called under that lock).
 *
 * *notes (may be NULL) gets a malloc()ed line for what could not be read
 * ("iptables-legacy-save not found: legacy iptables rules are not read";
 * several joined with "; "), NULL when nothing; the caller frees it.
 * Something that is not there to be read (no tables) is no note.
 * 0, or -ENOMEM. */
int dp_nf_rules(int (*fn)(const struct dp_nf_rule *r, void *arg), void *arg,
		char **notes);

/* The parsers dp_nf_rules() uses, for tests and for saved listings.
 *
 * json is `nft -j -a list ruleset` (libnftables' JSON output with
 * handles), listing the same ruleset as `nft -s -a list ruleset`, which
 * gives each rule its text (NULL or "": every text is "").  0, -EINVAL
 * when json is not an nftables listing, -ENOTSUP when built without
 * jansson, -ENOMEM, or fn's non-zero return. */
int dp_nf_parse_nft(const char *json, const char *listing,
		    int (*fn)(const struct dp_nf_rule *r, void *arg), void *arg);

/* save is `iptables-save -c` output (of any table), family "ip" or
 * "ip6" (it is not in the text).  Lines it does not know are skipped.
 * 0, -ENOMEM, or fn's non-zero return. */
int dp_nf_parse_legacy(const char *family, const char *save,
		       int (*fn)(const struct dp_nf_rule *r, void *arg), void *arg);

#endif
