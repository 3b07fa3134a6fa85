/* test_sysctl — unit tests for kernel settings by sysctl name
 * (src/kernel/sysctl.c): the catalogue's patterns expanded with the
 * interfaces whose packets moved and matched back against a name, and
 * values read and made printable.
 *
 * Fixture: tests/fixtures/sysctl/ is a /proc/sys excerpt (run from the
 * repository root): net/ipv4/conf/{all,default,vb1,eth0.100}/rp_filter,
 * net/ipv4/tcp_rmem (tab-separated, as the kernel prints it),
 * net/core/{rmem_max,default_qdisc}.  Values no kernel prints (control
 * bytes, very long ones) are written by the tests into temporary
 * directories, next to their assertion.  One test reads the real
 * /proc/sys.
 */
#include <errno.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "dropprof/kernel/sysctl.h"
#include "testutil.h"

#define FIXTURE "tests/fixtures/sysctl"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---------------------------------------------------------- */

/* The names a pattern expanded to, '|'-separated, in the order given. */
struct names {
	char got[512];
	int calls;
	int fail_at;       /* return -EIO on this call (1-based), 0: never */
};

static int collect(const char *name, void *arg)
{
	struct names *n = arg;
	size_t len = strlen(n->got);

	n->calls++;
	if (n->fail_at && n->calls == n->fail_at)
		return -EIO;
	snprintf(n->got + len, sizeof(n->got) - len, "%s%s", len ? "|" : "", name);
	return 0;
}

static int length(const char *name, void *arg)
{
	(void)arg;
	return (int)strlen(name);
}

static void expands_to(const char *pattern, const char *const *ifs, size_t nr,
		       const char *want)
{
	struct names n = { 0 };

	assert_int_equal(dp_sysctl_expand(pattern, ifs, nr, collect, &n), 0);
	assert_string_equal(n.got, want);
}

/* The value read for name under procsys; fails the test on an error. */
static char *read_ok(const char *procsys, const char *name)
{
	char *value = (char *)"unset";
	int err = dp_sysctl_read(procsys, name, &value);

	if (err)
		fail_msg("reading '%s' under '%s': %s", name, procsys, strerror(-err));
	assert_non_null(value);
	return value;
}

static void reads_as(const char *procsys, const char *name, const char *want)
{
	char *value = read_ok(procsys, name);

	assert_string_equal(value, want);
	free(value);
}

/* dir/net/core/NAME with those bytes (dir/net/core made as needed). */
static void put_core(const char *dir, const char *name, const void *data, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/net", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/net/core", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/net/core/%s", dir, name);
	dp_test_spill(path, data, len);
}

/* ---- patterns --------------------------------------------------------- */

static void test_expand_all_and_interfaces(void **state)
{
	const char *const ifs[] = { "vb1", "eth0.100" };

	(void)state;
	/* The literal choice first, then each interface in the order given;
	 * an interface's dot is written '/', as sysctl(8) writes it. */
	expands_to("net.ipv4.conf.{all,IF}.rp_filter", ifs, 2,
		   "net.ipv4.conf.all.rp_filter|net.ipv4.conf.vb1.rp_filter|"
		   "net.ipv4.conf.eth0/100.rp_filter");
	expands_to("net.ipv4.neigh.{default,IF}.unres_qlen_bytes", ifs, 2,
		   "net.ipv4.neigh.default.unres_qlen_bytes|"
		   "net.ipv4.neigh.vb1.unres_qlen_bytes|"
		   "net.ipv4.neigh.eth0/100.unres_qlen_bytes");
	/* The order of the choice is the pattern's. */
	expands_to("net.ipv4.conf.{IF,all}.rp_filter", ifs, 1,
		   "net.ipv4.conf.vb1.rp_filter|net.ipv4.conf.all.rp_filter");
	/* No interface (the machine's scope): the literal choices only. */
	expands_to("net.ipv4.conf.{all,IF}.rp_filter", ifs, 0,
		   "net.ipv4.conf.all.rp_filter");
	expands_to("net.ipv4.conf.{all,IF}.rp_filter", NULL, 0,
		   "net.ipv4.conf.all.rp_filter");
	/* Only the dots of an interface name become '/'. */
	expands_to("net.ipv4.conf.{all,default}.rp_filter", ifs, 2,
		   "net.ipv4.conf.all.rp_filter|net.ipv4.conf.default.rp_filter");
	/* The choice may be the first or the last part. */
	expands_to("{all,IF}.x", ifs, 1, "all.x|vb1.x");
	expands_to("x.{all,IF}", ifs, 2, "x.all|x.vb1|x.eth0/100");
}

static void test_expand_plain(void **state)
{
	const char *const ifs[] = { "vb1" };

	(void)state;
	/* No choice: the name itself, once, whatever the interfaces. */
	expands_to("net.core.rmem_max", ifs, 1, "net.core.rmem_max");
	expands_to("net.core.rmem_max", NULL, 0, "net.core.rmem_max");
	/* "IF" is a choice only inside braces. */
	expands_to("net.IF.x", ifs, 1, "net.IF.x");
}

static void test_expand_malformed(void **state)
{
	static const char *const bad[] = {
		"net.ipv4.conf.{all,IF.rp_filter",      /* no '}' */
		"net.ipv4.conf.all,IF}.rp_filter",      /* no '{' */
		"net.ipv4.conf.}all,IF{.rp_filter",     /* the wrong way round */
		"net.ipv4.conf.{}.rp_filter",           /* nothing to choose */
		"net.ipv4.conf.{,IF}.rp_filter",        /* an empty choice */
		"net.ipv4.conf.{all,}.rp_filter",
		"net.ipv4.conf.{all,,IF}.rp_filter",
		"net.ipv4.conf.{all,IF}.{x,y}",         /* two choices */
		"net.ipv4.conf.{all,{IF}}.rp_filter",
		"net.ipv4.{conf.all,IF}.rp_filter",     /* a choice of two parts */
	};
	const char *const ifs[] = { "vb1" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct names n = { 0 };
		int err = dp_sysctl_expand(bad[i], ifs, 1, collect, &n);

		if (err != -EINVAL || n.calls)
			fail_msg("'%s': %d and %d names (want -EINVAL, none)", bad[i],
				 err, n.calls);
		/* Nothing malformed matches anything either. */
		assert_false(dp_sysctl_matches(bad[i], "net.ipv4.conf.all.rp_filter"));
		assert_false(dp_sysctl_matches(bad[i], "net.ipv4.conf.vb1.rp_filter"));
		assert_false(dp_sysctl_matches(bad[i], bad[i]));
	}
}

static void test_expand_callback_error(void **state)
{
	const char *const ifs[] = { "vb1", "eth0", "eth1" };
	struct names n = { .fail_at = 2 };

	(void)state;
	/* fn's first non-zero return stops the expansion and is returned. */
	assert_int_equal(dp_sysctl_expand("net.ipv4.conf.{all,IF}.rp_filter", ifs, 3,
					  collect, &n), -EIO);
	assert_int_equal(n.calls, 2);
	assert_string_equal(n.got, "net.ipv4.conf.all.rp_filter");
	n = (struct names){ .fail_at = 1 };
	assert_int_equal(dp_sysctl_expand("net.ipv4.conf.{all,IF}.rp_filter", ifs, 3,
					  collect, &n), -EIO);
	assert_int_equal(n.calls, 1);
	/* Without a choice too. */
	n = (struct names){ .fail_at = 1 };
	assert_int_equal(dp_sysctl_expand("net.core.rmem_max", ifs, 3, collect, &n), -EIO);
	/* And a positive return is passed on as it is. */
	assert_int_equal(dp_sysctl_expand("net.core.rmem_max", NULL, 0, length, NULL),
			 (int)strlen("net.core.rmem_max"));
	assert_int_equal(dp_sysctl_expand("net.ipv4.conf.{all,IF}.rp_filter", ifs, 3,
					  length, NULL),
			 (int)strlen("net.ipv4.conf.all.rp_filter"));
}

static void test_matches(void **state)
{
	const char *rp = "net.ipv4.conf.{all,IF}.rp_filter";
	const char *nb = "net.ipv4.neigh.{default,IF}.unres_qlen_bytes";

	(void)state;
	assert_true(dp_sysctl_matches(rp, "net.ipv4.conf.all.rp_filter"));
	assert_true(dp_sysctl_matches(rp, "net.ipv4.conf.vb1.rp_filter"));
	assert_true(dp_sysctl_matches(rp, "net.ipv4.conf.eth0/100.rp_filter"));
	/* IF is any interface: "default" is one as far as names go. */
	assert_true(dp_sysctl_matches(rp, "net.ipv4.conf.default.rp_filter"));
	assert_true(dp_sysctl_matches(nb, "net.ipv4.neigh.default.unres_qlen_bytes"));
	assert_true(dp_sysctl_matches(nb, "net.ipv4.neigh.eth0.unres_qlen_bytes"));
	/* The middle is one part: no dots, never empty. */
	assert_false(dp_sysctl_matches(rp, "net.ipv4.conf.eth0.100.rp_filter"));
	assert_false(dp_sysctl_matches(rp, "net.ipv4.conf..rp_filter"));
	assert_false(dp_sysctl_matches(rp, "net.ipv4.conf.rp_filter"));
	/* Prefix and suffix are exact. */
	assert_false(dp_sysctl_matches(rp, "net.ipv6.conf.all.rp_filter"));
	assert_false(dp_sysctl_matches(rp, "net.ipv4.conf.all.rp_filterx"));
	assert_false(dp_sysctl_matches(rp, "net.ipv4.conf.all.accept_local"));
	assert_false(dp_sysctl_matches(rp, "xnet.ipv4.conf.all.rp_filter"));
	assert_false(dp_sysctl_matches(rp, "net.ipv4.conf.all"));
	assert_false(dp_sysctl_matches(rp, ""));
	/* Without IF only the choices listed. */
	assert_true(dp_sysctl_matches("net.ipv4.conf.{all,default}.x",
				      "net.ipv4.conf.default.x"));
	assert_false(dp_sysctl_matches("net.ipv4.conf.{all,default}.x",
				       "net.ipv4.conf.vb1.x"));
	assert_false(dp_sysctl_matches("net.ipv4.conf.{all,default}.x",
				       "net.ipv4.conf.al.x"));
	assert_false(dp_sysctl_matches("net.ipv4.conf.{all,default}.x",
				       "net.ipv4.conf.allx.x"));
	/* A pattern without a choice is the name itself. */
	assert_true(dp_sysctl_matches("net.core.rmem_max", "net.core.rmem_max"));
	assert_false(dp_sysctl_matches("net.core.rmem_max", "net.core.rmem_max2"));
	assert_false(dp_sysctl_matches("net.core.rmem_max", "net.core.rmem_default"));
	/* What expand gives, matches takes back. */
	assert_true(dp_sysctl_matches("{all,IF}.x", "vb1.x"));
	assert_true(dp_sysctl_matches("x.{all,IF}", "x.eth0/100"));
	assert_false(dp_sysctl_matches("x.{all,IF}", "x."));
}

/* ---- values ----------------------------------------------------------- */

static void test_read_fixture(void **state)
{
	(void)state;
	reads_as(FIXTURE, "net.ipv4.conf.all.rp_filter", "1");
	reads_as(FIXTURE, "net.ipv4.conf.vb1.rp_filter", "1");
	reads_as(FIXTURE, "net.ipv4.conf.default.rp_filter", "0");
	/* The interface's dot is '/' in the name, '.' in the path. */
	reads_as(FIXTURE, "net.ipv4.conf.eth0/100.rp_filter", "2");
	/* Tabs between the fields become single spaces. */
	reads_as(FIXTURE, "net.ipv4.tcp_rmem", "4096 131072 6291456");
	reads_as(FIXTURE, "net.core.rmem_max", "212992");
	reads_as(FIXTURE, "net.core.default_qdisc", "fq_codel");
}

static void test_read_missing(void **state)
{
	char *value = (char *)"unset";

	(void)state;
	/* Not on this kernel (or in this namespace): -ENOENT, no value. */
	assert_int_equal(dp_sysctl_read(FIXTURE, "net.ipv4.conf.eth9.rp_filter", &value),
			 -ENOENT);
	assert_null(value);
	value = (char *)"unset";
	assert_int_equal(dp_sysctl_read(FIXTURE, "net.core.no_such_thing", &value), -ENOENT);
	assert_null(value);
	/* "eth0.100" written with its dot is eth0 then 100: not there. */
	assert_int_equal(dp_sysctl_read(FIXTURE, "net.ipv4.conf.eth0.100.rp_filter", &value),
			 -ENOENT);
	assert_int_equal(dp_sysctl_read("/nonexistent-procsys", "net.core.rmem_max", &value),
			 -ENOENT);
	/* A directory is not a setting: the read fails, never a value. */
	value = (char *)"unset";
	assert_int_equal(dp_sysctl_read(FIXTURE, "net.ipv4.conf.all", &value), -EISDIR);
	assert_null(value);
}

static void test_read_bad_names(void **state)
{
	/* Names that are not sysctl names, or would leave procsys. */
	static const char *const bad[] = {
		"", ".", "..", ".net.core.rmem_max", "net.core.rmem_max.",
		"net..core", "net/./core", "net.//.core", "net./core", "net/.core",
		"/etc/passwd", "//", "net.core.//",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *value = (char *)"unset";
		int err = dp_sysctl_read(FIXTURE, bad[i], &value);

		if (err != -EINVAL)
			fail_msg("'%s': %d (want -EINVAL)", bad[i], err);
		assert_null(value);
	}
}

static void test_read_odd_values(void **state)
{
	char *dir = dp_test_tmpdir();
	char big[2000], *value;
	size_t n;

	(void)state;
	/* Newlines between fields and at the end, runs of blanks, leading
	 * blanks: one space between fields, none around. */
	put_core(dir, "lines", "  a\n\nb \t c\n\n", 12);
	reads_as(dir, "net.core.lines", "a b c");
	/* An empty value is a value. */
	put_core(dir, "empty", "\n", 1);
	reads_as(dir, "net.core.empty", "");
	put_core(dir, "nothing", "", 0);
	reads_as(dir, "net.core.nothing", "");
	/* Bytes outside printable ASCII as \xNN; '\\' stays itself. */
	put_core(dir, "bytes", "a\x01\x7f\xff\\b\r\n", 8);
	reads_as(dir, "net.core.bytes", "a\\x01\\x7f\\xff\\b\\x0d");

	/* Exactly DP_SYSCTL_MAX_VALUE characters: all of it, no "...". */
	memset(big, 'x', DP_SYSCTL_MAX_VALUE);
	big[DP_SYSCTL_MAX_VALUE] = '\n';
	put_core(dir, "fits", big, DP_SYSCTL_MAX_VALUE + 1);
	value = read_ok(dir, "net.core.fits");
	assert_int_equal(strlen(value), DP_SYSCTL_MAX_VALUE);
	assert_null(strstr(value, "..."));
	free(value);
	/* One more: the first DP_SYSCTL_MAX_VALUE kept, then "...". */
	big[DP_SYSCTL_MAX_VALUE] = 'y';
	big[DP_SYSCTL_MAX_VALUE + 1] = '\n';
	put_core(dir, "over", big, DP_SYSCTL_MAX_VALUE + 2);
	value = read_ok(dir, "net.core.over");
	assert_int_equal(strlen(value), DP_SYSCTL_MAX_VALUE + 3);
	assert_memory_equal(value, big, DP_SYSCTL_MAX_VALUE);
	assert_string_equal(value + DP_SYSCTL_MAX_VALUE, "...");
	free(value);
	/* Far longer, with fields: cut the same way. */
	for (n = 0; n + 6 < sizeof(big); n += 6)
		memcpy(big + n, "12345\t", 6);
	put_core(dir, "long", big, n);
	value = read_ok(dir, "net.core.long");
	assert_int_equal(strlen(value), DP_SYSCTL_MAX_VALUE + 3);
	assert_memory_equal(value, "12345 12345 ", 12);
	assert_string_equal(value + DP_SYSCTL_MAX_VALUE, "...");
	free(value);
	/* An escape is never cut in half: the value stops before it. */
	memset(big, 'x', DP_SYSCTL_MAX_VALUE - 2);
	memcpy(big + DP_SYSCTL_MAX_VALUE - 2, "\x01\x01", 2);
	put_core(dir, "escape", big, DP_SYSCTL_MAX_VALUE);
	value = read_ok(dir, "net.core.escape");
	assert_int_equal(strlen(value), DP_SYSCTL_MAX_VALUE - 2 + 3);
	assert_string_equal(value + DP_SYSCTL_MAX_VALUE - 2, "...");
	free(value);
	/* A value longer than what is read, though short once its blanks
	 * are squeezed, still says it was cut: never a silently shorter
	 * value. */
	memset(big, '\t', sizeof(big));
	big[0] = '1';
	big[sizeof(big) - 2] = '2';
	big[sizeof(big) - 1] = '\n';
	put_core(dir, "blanks", big, sizeof(big));
	value = read_ok(dir, "net.core.blanks");
	assert_string_equal(value, "1...");
	free(value);
	dp_test_rmdir(dir);
}

/* This thread without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (root
 * reads a mode 0200 file otherwise); saved gets what it had.  False when
 * the capabilities cannot be changed. */
static bool drop_dac(struct __user_cap_data_struct saved[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, saved))
		return false;
	memcpy(d, saved, sizeof(d));
	d[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
	return !syscall(SYS_capset, &h, d);
}

static void test_read_unreadable(void **state)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct saved[2];
	char *dir = dp_test_tmpdir();
	char path[512];
	char *value = (char *)"unset";
	bool dropped = false;
	int err;

	(void)state;
	/* A setting that exists but cannot be read (write-only, as
	 * net.ipv4.route.flush is): -errno from open, not -ENOENT. */
	put_core(dir, "flush", "", 0);
	snprintf(path, sizeof(path), "%s/net/core/flush", dir);
	assert_int_equal(chmod(path, 0200), 0);
	if (geteuid() == 0 && !(dropped = drop_dac(saved))) {
		dp_test_rmdir(dir);
		print_message("skipped: root, and cannot drop CAP_DAC_OVERRIDE to see EACCES\n");
		skip();
	}
	err = dp_sysctl_read(dir, "net.core.flush", &value);
	if (dropped)
		assert_int_equal(syscall(SYS_capset, &h, saved), 0);
	assert_int_equal(err, -EACCES);
	assert_null(value);
	dp_test_rmdir(dir);
}

/* The machine's own /proc/sys: a number. */
static void test_read_real(void **state)
{
	char *value = NULL;
	int err;

	(void)state;
	err = dp_sysctl_read("/proc/sys", "net.core.somaxconn", &value);
	if (err == -ENOENT) {
		print_message("skipped: no /proc/sys/net/core/somaxconn here\n");
		skip();
	}
	assert_int_equal(err, 0);
	assert_non_null(value);
	assert_true(value[0] != '\0');
	assert_int_equal(strspn(value, "0123456789"), strlen(value));
	assert_true(atol(value) > 0);
	free(value);
	/* And a tab-separated one, made single-spaced. */
	if (!dp_sysctl_read("/proc/sys", "net.ipv4.tcp_rmem", &value)) {
		assert_null(strchr(value, '\t'));
		assert_non_null(strchr(value, ' '));
		assert_null(strchr(value, '\n'));
		free(value);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_all_and_interfaces),
		cmocka_unit_test(test_expand_plain),
		cmocka_unit_test(test_expand_malformed),
		cmocka_unit_test(test_expand_callback_error),
		cmocka_unit_test(test_matches),
		cmocka_unit_test(test_read_fixture),
		cmocka_unit_test(test_read_missing),
		cmocka_unit_test(test_read_bad_names),
		cmocka_unit_test(test_read_odd_values),
		cmocka_unit_test(test_read_unreadable),
		cmocka_unit_test(test_read_real),
	};

	return cmocka_run_group_tests_name("sysctl", tests, NULL, NULL);
}
