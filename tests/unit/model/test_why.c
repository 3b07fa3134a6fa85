/* Tests of the Why section (model/why.c): the counter patterns ("IF" is
 * any interface, "cpuN" any CPU, everything else exact), then the section
 * built from a profile read across namespaces (why_fixture.h): where each
 * reason happened, its counters per namespace and their agreement with
 * the traced count, the governing settings' values and the drop counters
 * no traced reason explains.  Its text and JSON are test_report.c's
 * report-why goldens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dropprof/model/why.h"
#include "dropprof/output/output.h"
#include "why_fixture.h"

static void test_patterns(void **state)
{
	(void)state;
	assert_true(dp_why_counter_matches("UdpNoPorts", "UdpNoPorts"));
	assert_false(dp_why_counter_matches("UdpNoPorts", "Udp6NoPorts"));
	assert_false(dp_why_counter_matches("UdpNoPorts", "UdpNoPortsX"));
	assert_true(dp_why_counter_matches("dev:IF:rx_dropped", "dev:eth0:rx_dropped"));
	assert_true(dp_why_counter_matches("dev:IF:rx_dropped", "dev:veth-a.1:rx_dropped"));
	assert_false(dp_why_counter_matches("dev:IF:rx_dropped", "dev::rx_dropped"));
	assert_false(dp_why_counter_matches("dev:IF:rx_dropped", "dev:eth0:tx_dropped"));
	assert_false(dp_why_counter_matches("dev:IF:rx_dropped", "dev:eth0"));
	assert_true(dp_why_counter_matches("softnet:cpuN:dropped", "softnet:cpu12:dropped"));
	assert_false(dp_why_counter_matches("softnet:cpuN:dropped", "softnet:cpu:dropped"));
	assert_false(dp_why_counter_matches("softnet:cpuN:dropped", "softnet:cpuX:dropped"));
	assert_true(dp_why_counter_matches("arp_cache:unresolved_discards",
					   "arp_cache:unresolved_discards"));
	assert_false(dp_why_counter_matches("arp_cache:unresolved_discards",
					    "arp_cache:unresolved_discards:x"));
}

/* ---- the section, across namespaces ---------------------------------- */

static int setup(void **state)
{
	struct why_fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	why_fixture_init(fx);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct why_fixture *fx = *state;

	why_fixture_release(fx);
	free(fx);
	return 0;
}

static const struct dp_report_why *why_of(const struct dp_report *rep, const char *reason)
{
	for (size_t i = 0; i < rep->nr_why; i++)
		if (!strcmp(rep->why[i].reason, reason))
			return &rep->why[i];
	fail_msg("no Why entry for '%s'", reason);
	return NULL;
}

static const char *scope_name(const struct dp_report *rep, size_t sc)
{
	assert_true(sc < rep->nr_scopes);
	return rep->scopes[sc].name;
}

/* "name@scope=delta" of w's counters, in order, ' '-separated. */
static void counters_text(const struct dp_report *rep, const struct dp_report_why *w,
			  char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t k = 0; k < w->nr_counters; k++)
		n += (size_t)snprintf(out + n, size - n, "%s%s@%s=%lld", k ? " " : "",
				      w->counters[k].name, scope_name(rep, w->counters[k].scope),
				      (long long)w->counters[k].delta);
}

/* "scope:name=value" of w's values; "(absent)", "(unreadable)", and
 * "(machine)" after a machine-wide one. */
static void values_text(const struct dp_report *rep, const struct dp_report_why *w,
			char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t k = 0; k < w->nr_values; k++) {
		const struct dp_report_why_value *v = &w->values[k];

		n += (size_t)snprintf(out + n, size - n, "%s%s:%s=%s%s", k ? " " : "",
				      scope_name(rep, v->scope), v->name,
				      v->state == DP_SETTING_VALUE ? v->value :
				      v->state == DP_SETTING_ABSENT ? "(absent)" : "(unreadable)",
				      v->machine_wide ? "(machine)" : "");
		if (v->state != DP_SETTING_VALUE)
			assert_null(v->value);
	}
}

static void test_where(void **state)
{
	struct why_fixture *fx = *state;
	const struct dp_report_why *w;
	struct dp_report rep;

	why_report(&rep, fx);
	assert_int_equal(rep.nr_scopes, 4);
	assert_int_equal(rep.nr_why, 5);
	/* Namespaces by how much the reason's counters moved in them. */
	w = why_of(&rep, "SOCKET_RCVBUFF");
	assert_int_equal(w->nr_where, 2);
	assert_string_equal(scope_name(&rep, w->where[0]), "root");     /* 7 + 6 */
	assert_string_equal(scope_name(&rep, w->where[1]), "dl-x-b");   /* 2 + 2 */
	/* The machine-wide counters come last, however much they moved:
	 * they say that it happened, not where. */
	w = why_of(&rep, "IP_RPFILTER");
	assert_int_equal(w->nr_where, 3);
	assert_string_equal(scope_name(&rep, w->where[0]), "dl-x-b");   /* 4 */
	assert_string_equal(scope_name(&rep, w->where[1]), "root");     /* 1 */
	assert_string_equal(scope_name(&rep, w->where[2]), "machine");  /* 3 */
	w = why_of(&rep, "CPU_BACKLOG");
	assert_int_equal(w->nr_where, 1);
	assert_string_equal(scope_name(&rep, w->where[0]), "machine");
	/* Counters named, none moved: nowhere.  Not described: nothing. */
	w = why_of(&rep, "NEIGH_CREATEFAIL");
	assert_true(w->has_counters);
	assert_int_equal(w->nr_where, 0);
	assert_int_equal(w->nr_counters, 0);
	assert_int_equal(w->nr_totals, 0);
	w = why_of(&rep, "DUALPI2_STEP_DROP");
	assert_false(w->described);
	assert_false(w->has_counters);
	assert_null(w->family);
	assert_null(w->hint);
	assert_int_equal(w->nr_where, 0);
	assert_int_equal(w->nr_values, 0);
	assert_int_equal(w->nr_settings, 0);
	assert_int_equal(w->count, 1);
	dp_report_release(&rep);
}

static void test_counters_and_agreement(void **state)
{
	struct why_fixture *fx = *state;
	const struct dp_report_why *w;
	struct dp_report rep;
	char text[1024];

	why_report(&rep, fx);
	/* Per scope of 'where' in turn, each scope's in report order; only
	 * the reason's own counters (not TcpExtListenDrops, not rx_fifo). */
	w = why_of(&rep, "SOCKET_RCVBUFF");
	counters_text(&rep, w, text, sizeof(text));
	assert_string_equal(text, "UdpInErrors@root=7 UdpRcvbufErrors@root=6 "
			    "UdpInErrors@dl-x-b=2 UdpRcvbufErrors@dl-x-b=2");
	/* Totals per counter over every scope, and the difference from the
	 * traced count: UdpInErrors counts a checksum error too. */
	assert_int_equal(w->count, 8);
	assert_int_equal(w->nr_totals, 2);
	assert_string_equal(w->totals[0].name, "UdpInErrors");
	assert_int_equal(w->totals[0].total, 9);
	assert_int_equal(w->totals[0].difference, 1);
	assert_string_equal(w->totals[1].name, "UdpRcvbufErrors");
	assert_int_equal(w->totals[1].total, 8);
	assert_int_equal(w->totals[1].difference, 0);

	w = why_of(&rep, "IP_RPFILTER");
	counters_text(&rep, w, text, sizeof(text));
	assert_string_equal(text, "TcpExtIPReversePathFilter@dl-x-b=4 "
			    "TcpExtIPReversePathFilter@root=1 rt_cache:in_martian_src@machine=3");
	assert_int_equal(w->nr_totals, 2);
	assert_string_equal(w->totals[0].name, "TcpExtIPReversePathFilter");
	assert_int_equal(w->totals[0].total, 5);
	assert_int_equal(w->totals[0].difference, 0);
	assert_string_equal(w->totals[1].name, "rt_cache:in_martian_src");
	assert_int_equal(w->totals[1].total, 3);
	assert_int_equal(w->totals[1].difference, -2);
	dp_report_release(&rep);
}

/* IPv4 and IPv6 twins share one reason's drops: compared together with
 * the traced count, in one line ("counters A ..., B ...: together N"). */
static void test_twins_together(void **state)
{
	struct why_fixture *fx = *state;
	const struct dp_report_why *w;
	struct dp_report rep;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	/* Another namespace whose socket is an IPv6 one. */
	why_scope(&fx->prof, DP_SCOPE_NAMED, 0, "dl-x-c", 4026532302ULL, 0, NULL, NULL);
	why_counter(&fx->prof, "Udp6RcvbufErrors", 0, 5, true);
	why_report(&rep, fx);
	w = why_of(&rep, "SOCKET_RCVBUFF");
	assert_int_equal(w->nr_totals, 2);
	assert_string_equal(w->totals[1].name, "UdpRcvbufErrors + Udp6RcvbufErrors");
	assert_int_equal(w->totals[1].nr_members, 2);
	assert_string_equal(w->totals[1].members[0], "UdpRcvbufErrors");
	assert_string_equal(w->totals[1].members[1], "Udp6RcvbufErrors");
	assert_int_equal(w->totals[1].total, 6 + 2 + 5);
	assert_int_equal(w->totals[1].difference, 13 - 8);
	/* A counter alone keeps its own line. */
	assert_string_equal(w->totals[0].name, "UdpInErrors");
	assert_int_equal(w->totals[0].nr_members, 1);
	for (size_t k = 0; k < w->nr_counters; k++)
		assert_string_equal(w->totals[w->counters[k].group].members[0],
				    strncmp(w->counters[k].name, "UdpIn", 5) ?
				    "UdpRcvbufErrors" : "UdpInErrors");
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(dp_out_text(&rep, f), 0);
	fclose(f);
	/* In the order of 'where': dl-x-c (5) moved more than dl-x-b (4). */
	assert_non_null(strstr(buf, "      counters UdpRcvbufErrors +6 in netns root, "
			       "Udp6RcvbufErrors +5 in netns dl-x-c, UdpRcvbufErrors +2 in "
			       "netns dl-x-b: together 13: 5 more than the 8 traced\n"));
	assert_non_null(strstr(buf, "      counter UdpInErrors: +7 in netns root, "
			       "+2 in netns dl-x-b: 1 more than the 8 traced\n"));
	free(buf);
	dp_report_release(&rep);
}

static void test_values(void **state)
{
	struct why_fixture *fx = *state;
	const struct dp_report_why *w;
	struct dp_report rep;
	char text[2048];

	why_report(&rep, fx);
	assert_true(rep.has_settings);
	/* Read where it happened, by name within each scope.  dl-x-b has no
	 * rmem_max of its own: the machine's value holds there, and says
	 * so; its rmem_default could not be read.  nginx's namespace had
	 * no counter move: its settings are not shown. */
	w = why_of(&rep, "SOCKET_RCVBUFF");
	assert_false(w->values_fallback);
	values_text(&rep, w, text, sizeof(text));
	assert_string_equal(text, "root:net.core.rmem_default=212992 "
			    "root:net.core.rmem_max=212992 "
			    "dl-x-b:net.core.rmem_default=(unreadable) "
			    "dl-x-b:net.core.rmem_max=212992(machine)");
	/* A pattern's names: "all" and each interface read there; never
	 * the machine scope's values for a namespace's setting. */
	w = why_of(&rep, "IP_RPFILTER");
	assert_int_equal(w->nr_settings, 1);
	assert_string_equal(w->settings[0], "net.ipv4.conf.{all,IF}.rp_filter");
	assert_false(w->values_fallback);
	values_text(&rep, w, text, sizeof(text));
	assert_string_equal(text, "dl-x-b:net.ipv4.conf.all.rp_filter=1 "
			    "dl-x-b:net.ipv4.conf.vb1.rp_filter=1 "
			    "root:net.ipv4.conf.all.rp_filter=2 "
			    "root:net.ipv4.conf.eth0.rp_filter=1");
	/* Only machine-wide counters moved: the machine's settings. */
	w = why_of(&rep, "CPU_BACKLOG");
	assert_false(w->values_fallback);
	values_text(&rep, w, text, sizeof(text));
	assert_string_equal(text, "machine:net.core.flow_limit_cpu_bitmap=0 "
			    "machine:net.core.netdev_max_backlog=1000");
	/* No counter moved: dropprof's own namespace's, marked so; a
	 * setting this kernel lacks says so. */
	w = why_of(&rep, "NEIGH_CREATEFAIL");
	assert_true(w->values_fallback);
	values_text(&rep, w, text, sizeof(text));
	assert_string_equal(text, "root:net.ipv4.neigh.default.gc_thresh3=1024 "
			    "root:net.ipv6.neigh.default.gc_thresh3=(absent)");
	dp_report_release(&rep);
}

/* Values are shown for the three namespaces that moved most, at most. */
static void test_values_three_scopes(void **state)
{
	struct why_fixture *fx = *state;
	static const struct why_setting s[] = {
		{ "net.core.rmem_max", DP_SETTING_VALUE, "4194304" },
		{ NULL, 0, NULL },
	};
	const struct dp_report_why *w;
	struct dp_report rep;
	char name[32];

	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "extra-%d", i);
		why_scope(&fx->prof, DP_SCOPE_NAMED, 0, name, 4026533000ULL + (uint64_t)i, 0,
			  NULL, s);
		why_counter(&fx->prof, "UdpRcvbufErrors", 0, 1 + i, true);
	}
	why_report(&rep, fx);
	w = why_of(&rep, "SOCKET_RCVBUFF");
	assert_int_equal(w->nr_where, 5);
	assert_string_equal(scope_name(&rep, w->where[0]), "root");
	assert_string_equal(scope_name(&rep, w->where[1]), "dl-x-b");
	assert_string_equal(scope_name(&rep, w->where[2]), "extra-2");
	assert_string_equal(scope_name(&rep, w->where[3]), "extra-1");
	assert_string_equal(scope_name(&rep, w->where[4]), "extra-0");
	assert_int_equal(w->nr_values, 5);
	assert_string_equal(scope_name(&rep, w->values[4].scope), "extra-2");
	for (size_t k = 0; k < w->nr_values; k++)
		assert_string_not_equal(scope_name(&rep, w->values[k].scope), "extra-1");
	/* All five in the counters and the totals all the same. */
	assert_int_equal(w->totals[1].total, 8 + 1 + 2 + 3);
	dp_report_release(&rep);
}

/* Settings were not read (a profile before 2.1, or a live report whose
 * settings pass failed): no values, no fallback, only the names. */
static void test_no_settings(void **state)
{
	struct why_fixture *fx = *state;
	const struct dp_report_why *w;
	struct dp_report rep;

	for (size_t i = 0; i < fx->prof.nr_scopes; i++) {
		struct dp_scope *sc = &fx->prof.scopes[i];

		for (size_t k = 0; k < sc->nr_settings; k++) {
			free(sc->settings[k].name);
			free(sc->settings[k].value);
		}
		free(sc->settings);
		sc->settings = NULL;
		sc->nr_settings = 0;
	}
	why_report(&rep, fx);
	assert_false(rep.has_settings);
	w = why_of(&rep, "NEIGH_CREATEFAIL");
	assert_int_equal(w->nr_values, 0);
	assert_false(w->values_fallback);
	assert_int_equal(w->nr_settings, 2);
	w = why_of(&rep, "SOCKET_RCVBUFF");
	assert_int_equal(w->nr_values, 0);
	assert_int_equal(w->nr_where, 2);
	dp_report_release(&rep);
}

static void test_unexplained(void **state)
{
	struct why_fixture *fx = *state;
	struct dp_report rep;

	why_report(&rep, fx);
	/* Drop counters that moved and that no traced reason's counters
	 * include, in the counters' order, with what they mean.  Not
	 * UdpRcvbufErrors (SOCKET_RCVBUFF), TcpExtIPReversePathFilter or
	 * rt_cache:in_martian_src (IP_RPFILTER), softnet:cpu0:dropped
	 * (CPU_BACKLOG); not the packet counters (not drop-related). */
	assert_int_equal(rep.nr_unexplained, 3);
	assert_string_equal(rep.unexplained[0].name, "softnet:cpu1:time_squeeze");
	assert_string_equal(scope_name(&rep, rep.unexplained[0].scope), "machine");
	assert_int_equal(rep.unexplained[0].delta, 2);
	assert_non_null(strstr(rep.unexplained[0].meaning, "not a drop by itself"));
	assert_string_equal(rep.unexplained[1].name, "dev:eth0:rx_fifo");
	assert_string_equal(scope_name(&rep, rep.unexplained[1].scope), "root");
	assert_int_equal(rep.unexplained[1].delta, 9);
	assert_non_null(strstr(rep.unexplained[1].meaning, "NIC's receive FIFO"));
	assert_string_equal(rep.unexplained[2].name, "TcpExtListenDrops");
	assert_non_null(strstr(rep.unexplained[2].meaning, "no drop traced in this window"));
	dp_report_release(&rep);

	/* The same counter explained once its reason is traced. */
	{
		struct dp_profile *p = &fx->prof;
		struct dp_skb_fields f = { .location = WHY_IP_FINISH, .reason = 99 };

		assert_int_equal(dp_symmap_add_reason(&fx->names, 99, "TCP_LISTEN_OVERFLOW"), 0);
		assert_int_equal(dp_symmap_sort(&fx->names), 0);
		assert_int_equal(dp_profile_add_drop(p, 0, &f), 0);
	}
	why_report(&rep, fx);
	assert_int_equal(rep.nr_unexplained, 2);
	for (size_t i = 0; i < rep.nr_unexplained; i++)
		assert_string_not_equal(rep.unexplained[i].name, "TcpExtListenDrops");
	dp_report_release(&rep);
}

/* A counter that went down (reset, an interface made again) and one that
 * did not move are no unexplained drops. */
static void test_unexplained_only_growth(void **state)
{
	struct why_fixture *fx = *state;
	struct dp_report rep;

	why_scope(&fx->prof, DP_SCOPE_PROCESS, 0, "netns:[4026532999]", 4026532999ULL,
		  77, "app", NULL);
	why_counter(&fx->prof, "dev:veth0:rx_drop", 0, -5, true);
	why_report(&rep, fx);
	assert_int_equal(rep.nr_unexplained, 3);
	for (size_t i = 0; i < rep.nr_unexplained; i++)
		assert_string_not_equal(rep.unexplained[i].name, "dev:veth0:rx_drop");
	dp_report_release(&rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns),
		cmocka_unit_test_setup_teardown(test_where, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_and_agreement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_twins_together, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values_three_scopes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unexplained, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unexplained_only_growth, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
