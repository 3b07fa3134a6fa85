/* Tests of the reason catalogue (model/explain.c, reasons.def): every
 * name is one some fixture kernel format really has (a name in none is a
 * typo), the table is sorted and unique, every entry is complete and
 * well-spelled, lookups are exact, unknown reasons get the generic line,
 * and the reasons dropprof's integration tests produce carry the counters
 * and settings that go with them. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dropprof/kernel/tp_format.h"
#include "dropprof/model/explain.h"
#include "testutil.h"

static const char *const fixtures[] = {
	"kfree_skb-4.19.format", "kfree_skb-5.19.format",
	"kfree_skb-6.2.format", "kfree_skb-6.18.format",
};
#define NR_FIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

static void test_names_exist_in_a_fixture(void **state)
{
	struct dp_tp_format fmt[NR_FIXTURES];
	const struct dp_reason_info *t;
	size_t nr, total = 0;
	(void)state;

	for (size_t f = 0; f < NR_FIXTURES; f++) {
		dp_test_load_format(&fmt[f], fixtures[f]);
		total += fmt[f].nr_reasons;
	}
	/* The check means something only if the tables were parsed. */
	assert_true(fmt[3].nr_reasons > 100);
	assert_true(total > 200);

	t = dp_explain_table(&nr);
	for (size_t i = 0; i < nr; i++) {
		bool found = false;

		for (size_t f = 0; f < NR_FIXTURES && !found; f++) {
			uint64_t v;

			found = dp_tp_format_reason_value(&fmt[f], t[i].name, &v) == 0;
		}
		if (!found)
			fail_msg("'%s' is in no fixture format's reason table", t[i].name);
	}
	for (size_t f = 0; f < NR_FIXTURES; f++)
		dp_tp_format_release(&fmt[f]);
}

static void test_sorted_unique_large_enough(void **state)
{
	const struct dp_reason_info *t;
	size_t nr;
	(void)state;

	t = dp_explain_table(&nr);
	assert_true(nr >= 60);
	for (size_t i = 1; i < nr; i++)
		if (strcmp(t[i - 1].name, t[i].name) >= 0)
			fail_msg("'%s' before '%s': not sorted or a duplicate",
				 t[i - 1].name, t[i].name);
	/* Every entry is found by its own name, at its own place. */
	for (size_t i = 0; i < nr; i++)
		assert_ptr_equal(dp_explain_reason(t[i].name), &t[i]);
}

static bool is_ident(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* "UdpNoPorts" (an nstat name: a letter, then letters and digits), or
 * "file:field" / "dev:IF:field" (identifiers joined by ':'). */
static bool counter_well_formed(const char *c)
{
	const char *colon = strchr(c, ':');

	if (!colon) {
		if (!isupper((unsigned char)c[0]))
			return false;
		for (const char *p = c; *p; p++)
			if (!isalnum((unsigned char)*p))
				return false;
		return true;
	}
	for (const char *p = c;; ) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (!is_ident(p, len))
			return false;
		if (!end)
			return true;
		p = end + 1;
	}
}

/* "net." then lowercase names, digits, '_', '.', and "{all,IF}"-style
 * placeholders; never a trailing or doubled dot. */
static bool setting_well_formed(const char *s)
{
	/* The one setting that is a socket's, not a sysctl. */
	if (!strcmp(s, "listen({LISTEN}).backlog"))
		return true;
	if (strncmp(s, "net.", 4) || s[strlen(s) - 1] == '.' || strstr(s, ".."))
		return false;
	for (const char *p = s; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    !strchr("_.{},IF", *p))
			return false;
	return true;
}

static void check_list(const char *name, const char *const *list,
		       bool (*ok)(const char *), const char *what)
{
	for (size_t k = 0; k < DP_REASON_MAX_REFS + 1 && list[k]; k++) {
		if (!list[k][0] || !ok(list[k]))
			fail_msg("'%s': %s '%s' is not well-formed", name, what, list[k]);
		for (size_t j = 0; j < k; j++)
			if (!strcmp(list[j], list[k]))
				fail_msg("'%s': %s '%s' twice", name, what, list[k]);
	}
	assert_null(list[DP_REASON_MAX_REFS]);
}

static void test_entries_complete(void **state)
{
	const struct dp_reason_info *t;
	size_t nr;
	(void)state;

	t = dp_explain_table(&nr);
	for (size_t i = 0; i < nr; i++) {
		const struct dp_reason_info *e = &t[i];

		assert_non_null(e->name);
		if (!e->meaning || !e->meaning[0] || !e->hint || !e->hint[0])
			fail_msg("'%s' lacks a meaning or a hint", e->name);
		/* A one-sentence meaning ends with its full stop; a hint
		 * is a clause, lowercase, without one (the message style). */
		if (e->meaning[strlen(e->meaning) - 1] != '.')
			fail_msg("'%s': meaning does not end with '.'", e->name);
		if (e->hint[strlen(e->hint) - 1] == '.')
			fail_msg("'%s': hint ends with '.'", e->name);
		assert_true((unsigned int)e->family < DP_REASON_FAMILY_COUNT);
		assert_true(strlen(dp_reason_family_name(e->family)) > 0);
		check_list(e->name, e->counters, counter_well_formed, "counter");
		check_list(e->name, e->settings, setting_well_formed, "setting");
	}
}

static void test_unknown_gets_generic(void **state)
{
	(void)state;

	assert_null(dp_explain_reason("NO_SUCH_REASON"));
	assert_null(dp_explain_reason("REASON_77"));
	assert_null(dp_explain_reason("SUBSYS_3:1"));
	assert_null(dp_explain_reason("no_socket"));     /* exact, by case */
	assert_null(dp_explain_reason("NO_SOCKE"));      /* exact, no prefix */
	assert_null(dp_explain_reason(""));
	assert_null(dp_explain_reason(NULL));
	assert_non_null(strstr(dp_explain_generic(), "not described"));
	assert_string_equal(dp_reason_family_name(DP_REASON_FAMILY_COUNT), "other");
	assert_string_equal(dp_reason_family_name(DP_REASON_FAMILY_NETFILTER), "netfilter");
}

static bool has(const char *const *list, const char *want)
{
	for (size_t k = 0; k < DP_REASON_MAX_REFS && list[k]; k++)
		if (!strcmp(list[k], want))
			return true;
	return false;
}

static const struct dp_reason_info *must(const char *name,
					 enum dp_reason_family family)
{
	const struct dp_reason_info *e = dp_explain_reason(name);

	if (!e)
		fail_msg("'%s' is not in the catalogue", name);
	assert_string_equal(e->name, name);
	assert_int_equal(e->family, family);
	return e;
}

#define assert_counter(e, c) do {					\
	if (!has((e)->counters, (c)))					\
		fail_msg("'%s' lacks counter '%s'", (e)->name, (c));	\
} while (0)
#define assert_setting(e, s) do {					\
	if (!has((e)->settings, (s)))					\
		fail_msg("'%s' lacks setting '%s'", (e)->name, (s));	\
} while (0)

/* The reasons the integration tests make the real kernel produce, and
 * the stories. */
static void test_known_stories(void **state)
{
	const struct dp_reason_info *e;
	(void)state;

	e = must("NO_SOCKET", DP_REASON_FAMILY_SOCKET);
	assert_counter(e, "UdpNoPorts");
	assert_counter(e, "Udp6NoPorts");

	e = must("IP_RPFILTER", DP_REASON_FAMILY_IP);
	assert_counter(e, "TcpExtIPReversePathFilter");
	assert_setting(e, "net.ipv4.conf.{all,IF}.rp_filter");
	assert_non_null(strstr(e->hint, "rp_filter=2"));

	e = must("TCP_LISTEN_OVERFLOW", DP_REASON_FAMILY_TCP);
	assert_counter(e, "TcpExtListenOverflows");
	assert_counter(e, "TcpExtListenDrops");
	assert_setting(e, "net.core.somaxconn");

	e = must("SOCKET_RCVBUFF", DP_REASON_FAMILY_SOCKET);
	assert_counter(e, "UdpRcvbufErrors");
	assert_counter(e, "UdpInErrors");
	assert_setting(e, "net.core.rmem_max");

	e = must("NETFILTER_DROP", DP_REASON_FAMILY_NETFILTER);
	assert_setting(e, "net.netfilter.nf_conntrack_tcp_be_liberal");

	e = must("QDISC_DROP", DP_REASON_FAMILY_QDISC);
	must("QDISC_OVERLIMIT", DP_REASON_FAMILY_QDISC);
	must("QDISC_CONGESTED", DP_REASON_FAMILY_QDISC);

	must("OTHERHOST", DP_REASON_FAMILY_IP);

	e = must("IP_CSUM", DP_REASON_FAMILY_CSUM);
	assert_counter(e, "IpExtInCsumErrors");
	assert_counter(e, "IpInHdrErrors");

	e = must("UDP_CSUM", DP_REASON_FAMILY_CSUM);
	assert_counter(e, "UdpInCsumErrors");

	e = must("CPU_BACKLOG", DP_REASON_FAMILY_DEVICE);
	assert_counter(e, "softnet:cpuN:dropped");
	assert_setting(e, "net.core.netdev_max_backlog");

	e = must("NEIGH_QUEUEFULL", DP_REASON_FAMILY_NEIGH);
	assert_counter(e, "arp_cache:unresolved_discards");

	e = must("FRAG_REASM_TIMEOUT", DP_REASON_FAMILY_FRAG);
	assert_setting(e, "net.ipv4.ipfrag_time");
	assert_counter(e, "IpReasmTimeout");
}

/* The well-formedness checks reject what they should, so they can fail. */
static void test_checks_reject(void **state)
{
	(void)state;

	assert_true(counter_well_formed("UdpNoPorts"));
	assert_true(counter_well_formed("dev:IF:rx_drop"));
	assert_true(counter_well_formed("arp_cache:unresolved_discards"));
	assert_false(counter_well_formed("udpNoPorts"));
	assert_false(counter_well_formed("Udp NoPorts"));
	assert_false(counter_well_formed("arp_cache:"));
	assert_false(counter_well_formed(":x"));
	assert_false(counter_well_formed("dev::rx_drop"));
	assert_true(setting_well_formed("net.ipv4.conf.{all,IF}.rp_filter"));
	assert_false(setting_well_formed("vm.min_free_kbytes"));
	assert_false(setting_well_formed("net.core."));
	assert_false(setting_well_formed("net.core..x"));
	assert_false(setting_well_formed("net.core.rmem max"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_exist_in_a_fixture),
		cmocka_unit_test(test_sorted_unique_large_enough),
		cmocka_unit_test(test_entries_complete),
		cmocka_unit_test(test_unknown_gets_generic),
		cmocka_unit_test(test_known_stories),
		cmocka_unit_test(test_checks_reject),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
