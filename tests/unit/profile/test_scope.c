/* Scopes (profile/scope.c): settings kept sorted by name whatever order
 * they are set in, a name set again replaced (its value freed or taken
 * away with its state), lookups by name, release of what a scope owns,
 * and the names of the kinds.  The decoder relies on the order (a file's
 * settings must already be in it) and on replacement (it never makes
 * two of a name); profile_encode.c on both.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dropprof/profile/profile.h"
#include "dropprof/profile/scope.h"

static void assert_sorted(const struct dp_scope *s)
{
	for (size_t i = 1; i < s->nr_settings; i++)
		if (strcmp(s->settings[i - 1].name, s->settings[i].name) >= 0)
			fail_msg("settings %zu and %zu out of order: '%s', '%s'", i - 1, i,
				 s->settings[i - 1].name, s->settings[i].name);
}

static void test_settings_sorted(void **state)
{
	/* Front, back, middle, and names that share prefixes. */
	const char *names[] = {
		"net.ipv4.udp_mem", "net.core.netdev_max_backlog",
		"net.ipv6.conf.all.forwarding", "net.ipv4.conf.vb1.rp_filter",
		"net.ipv4.conf.vb1.rp_filte", "net.ipv4.conf.vb10.rp_filter",
		"net.ipv4.conf.all.rp_filter", "net.netfilter.nf_conntrack_max",
	};
	struct dp_scope s = { 0 };
	(void)state;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(dp_scope_set_setting(&s, names[i], DP_SETTING_VALUE,
						      names[i]), 0);
		assert_int_equal(s.nr_settings, i + 1);
		assert_sorted(&s);
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct dp_setting *v = dp_scope_setting(&s, names[i]);

		assert_non_null(v);
		assert_string_equal(v->name, names[i]);
		assert_string_equal(v->value, names[i]);
		assert_int_equal(v->state, DP_SETTING_VALUE);
	}
	assert_null(dp_scope_setting(&s, "net.ipv4"));
	assert_null(dp_scope_setting(&s, "net.ipv4.conf.vb1.rp_filter2"));
	assert_null(dp_scope_setting(&s, ""));
	/* Bytes, not characters: 0xc3 sorts after 'z'. */
	assert_int_equal(dp_scope_set_setting(&s, "net.ipv4.conf.caf\xc3\xa9.rp_filter",
					      DP_SETTING_ABSENT, NULL), 0);
	assert_int_equal(dp_scope_set_setting(&s, "net.ipv4.conf.cafz.rp_filter",
					      DP_SETTING_ABSENT, NULL), 0);
	assert_sorted(&s);
	dp_scope_release(&s);
	assert_null(s.settings);
	assert_int_equal(s.nr_settings, 0);
}

/* A name set again is replaced: one entry, the new state and value (no
 * value unless DP_SETTING_VALUE, whatever value is passed); an empty
 * value is a value. */
static void test_settings_replaced(void **state)
{
	struct dp_scope s = { 0 };
	const struct dp_setting *v;
	(void)state;

	assert_int_equal(dp_scope_set_setting(&s, "net.ipv4.udp_mem", DP_SETTING_VALUE,
					      "1 2 3"), 0);
	assert_int_equal(dp_scope_set_setting(&s, "net.ipv4.udp_mem", DP_SETTING_UNREADABLE,
					      "ignored"), 0);
	assert_int_equal(s.nr_settings, 1);
	v = dp_scope_setting(&s, "net.ipv4.udp_mem");
	assert_int_equal(v->state, DP_SETTING_UNREADABLE);
	assert_null(v->value);
	assert_int_equal(dp_scope_set_setting(&s, "net.ipv4.udp_mem", DP_SETTING_VALUE,
					      NULL), 0);
	v = dp_scope_setting(&s, "net.ipv4.udp_mem");
	assert_int_equal(v->state, DP_SETTING_VALUE);
	assert_string_equal(v->value, "");
	assert_int_equal(dp_scope_set_setting(&s, "net.ipv4.udp_mem", DP_SETTING_VALUE,
					      "4 5 6"), 0);
	assert_string_equal(dp_scope_setting(&s, "net.ipv4.udp_mem")->value, "4 5 6");
	assert_int_equal(dp_scope_set_setting(&s, "net.ipv4.udp_mem", DP_SETTING_ABSENT,
					      NULL), 0);
	assert_int_equal(s.nr_settings, 1);
	assert_null(dp_scope_setting(&s, "net.ipv4.udp_mem")->value);
	dp_scope_release(&s);
}

/* Release frees what the scope owns and zeroes it; a zeroed scope is
 * fine, twice. */
static void test_release(void **state)
{
	struct dp_scope s = { .kind = DP_SCOPE_PROCESS, .flags = DP_SCOPE_UNREAD,
			      .inode = 4026532500ULL, .pid = 3200 };
	struct dp_scope zero = { 0 };
	(void)state;

	dp_scope_release(&zero);
	s.name = strdup("netns:[4026532500]");
	s.comm = strdup("sleep");
	s.note = strdup("not read at the end: permission denied");
	assert_non_null(s.name);
	assert_int_equal(dp_scope_set_setting(&s, "a", DP_SETTING_VALUE, "1"), 0);
	dp_scope_release(&s);
	assert_memory_equal(&s, &zero, sizeof(s));
	dp_scope_release(&s);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(dp_scope_kind_name(DP_SCOPE_LEGACY), "legacy");
	assert_string_equal(dp_scope_kind_name(DP_SCOPE_MACHINE), "machine");
	assert_string_equal(dp_scope_kind_name(DP_SCOPE_ROOT), "root");
	assert_string_equal(dp_scope_kind_name(DP_SCOPE_NAMED), "named");
	assert_string_equal(dp_scope_kind_name(DP_SCOPE_PROCESS), "process");
	assert_string_equal(dp_scope_kind_name((enum dp_scope_kind)(DP_SCOPE_KIND_MAX + 1)), "?");
	assert_string_equal(dp_scope_kind_name((enum dp_scope_kind)-1), "?");
}

/* A profile's scopes own runs of its counter rows: each run starts at
 * the row added after its scope; rows added before any scope belong to
 * none (row.scope 0, no scope's run). */
static void test_profile_runs(void **state)
{
	struct dp_profile p;
	struct dp_scope a = { .kind = DP_SCOPE_MACHINE }, b = { .kind = DP_SCOPE_ROOT };
	(void)state;

	assert_int_equal(dp_profile_init(&p, 1, 0), 0);
	assert_int_equal(dp_profile_add_counter(&p, "early", 0, 1, 1, false), 0);
	assert_int_equal(p.counters[0].scope, 0);
	a.name = strdup("machine");
	b.name = strdup("root");
	assert_int_equal(dp_profile_add_scope(&p, &a), 0);
	assert_null(a.name);
	assert_int_equal(dp_profile_add_counter(&p, "softnet:cpu0:dropped", 0, 1, 1, true), 0);
	assert_int_equal(dp_profile_add_scope(&p, &b), 1);
	assert_int_equal(dp_profile_add_counter(&p, "UdpNoPorts", 0, 2, 2, true), 0);
	assert_int_equal(dp_profile_add_counter(&p, "IpInReceives", 0, 9, 9, false), 0);
	assert_int_equal(p.scopes[0].first_counter, 1);
	assert_int_equal(p.scopes[0].nr_counters, 1);
	assert_int_equal(p.scopes[1].first_counter, 2);
	assert_int_equal(p.scopes[1].nr_counters, 2);
	assert_int_equal(p.counters[1].scope, 0);
	assert_int_equal(p.counters[3].scope, 1);
	dp_profile_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings_sorted),
		cmocka_unit_test(test_settings_replaced),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_profile_runs),
	};

	return cmocka_run_group_tests_name("scope", tests, NULL, NULL);
}
