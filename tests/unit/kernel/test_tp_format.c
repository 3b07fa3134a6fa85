/* test_tp_format — the format files of four kernel generations (4.19,
 * 5.19, 6.2, 6.18: fields, reason tables, the same number naming three
 * reasons), field declarations, reason naming and lookup, the field
 * layout the decoder reads with, and loading a format from a tracefs
 * tree.  Run from the repository root: the fixtures are
 * tests/fixtures/tp/.  Malformed, truncated and hostile formats:
 * test_tp_format_hostile.c.  Finding tracefs: test_tracefs.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dropprof/kernel/skb_fields.h"
#include "dropprof/kernel/tp_format.h"
#include "testutil.h"
#include "tp_format_helpers.h"

#define FIXTURE(name) "tests/fixtures/tp/" name

static void assert_field(const struct dp_tp_format *fmt, const char *name,
			 const char *type, unsigned int offset, unsigned int size,
			 bool is_signed)
{
	const struct dp_tp_field *f = dp_tp_format_field(fmt, name);

	assert_non_null(f);
	assert_string_equal(f->name, name);
	assert_string_equal(f->type, type);
	assert_int_equal(f->offset, offset);
	assert_int_equal(f->size, size);
	assert_int_equal(f->is_signed, is_signed);
}

static void assert_common_fields(const struct dp_tp_format *fmt)
{
	assert_field(fmt, "common_type", "unsigned short", 0, 2, false);
	assert_field(fmt, "common_flags", "unsigned char", 2, 1, false);
	assert_field(fmt, "common_preempt_count", "unsigned char", 3, 1, false);
	assert_field(fmt, "common_pid", "int", 4, 4, true);
}

/* ---- the kernel generations ---------------------------------------- */

static void test_kfree_skb_4_19(void **state)
{
	struct dp_tp_format fmt;
	uint64_t v;

	(void)state;
	dp_test_load_format(&fmt, "kfree_skb-4.19.format");
	assert_string_equal(fmt.name, "kfree_skb");
	assert_int_equal(fmt.id, 1290);
	assert_int_equal(fmt.nr_fields, 7);
	assert_common_fields(&fmt);
	assert_field(&fmt, "skbaddr", "void *", 8, 8, false);
	assert_field(&fmt, "location", "void *", 16, 8, false);
	assert_field(&fmt, "protocol", "unsigned short", 24, 2, false);
	assert_null(dp_tp_format_field(&fmt, "reason"));
	assert_null(dp_tp_format_field(&fmt, "rx_sk"));
	assert_null(fmt.reasons);
	assert_int_equal(fmt.nr_reasons, 0);
	assert_string_equal(rname(&fmt, 3), "REASON_3");
	assert_int_equal(dp_tp_format_reason_value(&fmt, "NO_SOCKET", &v), -ENOENT);
	dp_tp_format_release(&fmt);
}

static void test_kfree_skb_5_19(void **state)
{
	struct dp_tp_format fmt;

	(void)state;
	dp_test_load_format(&fmt, "kfree_skb-5.19.format");
	assert_int_equal(fmt.id, 1405);
	assert_int_equal(fmt.nr_fields, 8);
	assert_common_fields(&fmt);
	assert_field(&fmt, "skbaddr", "void *", 8, 8, false);
	assert_field(&fmt, "location", "void *", 16, 8, false);
	assert_field(&fmt, "protocol", "unsigned short", 24, 2, false);
	assert_field(&fmt, "reason", "enum skb_drop_reason", 28, 4, false);
	assert_null(dp_tp_format_field(&fmt, "rx_sk"));
	/* NOT_SPECIFIED=1 .. TAP_TXFILTER=48, MAX=49. */
	assert_int_equal(fmt.nr_reasons, 49);
	assert_sorted_unique(&fmt);
	assert_int_equal(fmt.reasons[0].value, 1);
	assert_string_equal(fmt.reasons[0].name, "NOT_SPECIFIED");
	assert_string_equal(rname(&fmt, 2), "NO_SOCKET");
	assert_string_equal(rname(&fmt, 7), "NETFILTER_DROP");
	assert_string_equal(rname(&fmt, 12), "UNICAST_IN_L2_MULTICAST");
	assert_string_equal(rname(&fmt, 0), "REASON_0");
	assert_string_equal(rname(&fmt, 50), "REASON_50");
	assert_int_equal(rvalue(&fmt, "NO_SOCKET"), 2);
	assert_int_equal(rvalue(&fmt, "NETFILTER_DROP"), 7);
	dp_tp_format_release(&fmt);
}

static void test_kfree_skb_6_2(void **state)
{
	struct dp_tp_format fmt;

	(void)state;
	dp_test_load_format(&fmt, "kfree_skb-6.2.format");
	assert_int_equal(fmt.id, 1512);
	assert_int_equal(fmt.nr_fields, 8);
	assert_field(&fmt, "protocol", "unsigned short", 24, 2, false);
	assert_field(&fmt, "reason", "enum skb_drop_reason", 28, 4, false);
	assert_null(dp_tp_format_field(&fmt, "rx_sk"));
	/* SKB_CONSUMED (1) is not in the table: NOT_SPECIFIED=2 .. MAX=74. */
	assert_int_equal(fmt.nr_reasons, 73);
	assert_sorted_unique(&fmt);
	assert_string_equal(rname(&fmt, 1), "REASON_1");
	assert_string_equal(rname(&fmt, 2), "NOT_SPECIFIED");
	assert_string_equal(rname(&fmt, 3), "NO_SOCKET");
	assert_string_equal(rname(&fmt, 8), "NETFILTER_DROP");
	assert_string_equal(rname(&fmt, 12), "IP_RPFILTER");
	assert_string_equal(rname(&fmt, 17), "PROTO_MEM");
	assert_int_equal(rvalue(&fmt, "NO_SOCKET"), 3);
	assert_int_equal(rvalue(&fmt, "NETFILTER_DROP"), 8);
	assert_int_equal(rvalue(&fmt, "MAX"), 74);
	dp_tp_format_release(&fmt);
}

static void test_kfree_skb_6_18(void **state)
{
	struct dp_tp_format fmt;

	(void)state;
	dp_test_load_format(&fmt, "kfree_skb-6.18.format");
	assert_string_equal(fmt.name, "kfree_skb");
	assert_int_equal(fmt.id, 2310);
	assert_int_equal(fmt.nr_fields, 9);
	assert_common_fields(&fmt);
	assert_field(&fmt, "skbaddr", "void *", 8, 8, false);
	assert_field(&fmt, "location", "void *", 16, 8, false);
	assert_field(&fmt, "rx_sk", "void *", 24, 8, false);
	assert_field(&fmt, "protocol", "unsigned short", 32, 2, false);
	assert_field(&fmt, "reason", "enum skb_drop_reason", 36, 4, false);
	assert_int_equal(fmt.nr_reasons, 127);
	assert_sorted_unique(&fmt);
	assert_int_equal(fmt.reasons[0].value, 2);
	assert_int_equal(fmt.reasons[126].value, 128);
	assert_string_equal(rname(&fmt, 3), "NO_SOCKET");
	assert_string_equal(rname(&fmt, 4), "SOCKET_CLOSE");
	assert_string_equal(rname(&fmt, 12), "NETFILTER_DROP");
	assert_string_equal(rname(&fmt, 127), "RECURSION_LIMIT");
	assert_string_equal(rname(&fmt, 129), "REASON_129");
	assert_string_equal(rname(&fmt, 0xffff), "REASON_65535");
	assert_string_equal(rname(&fmt, 0x30005), "SUBSYS_3:5");
	assert_string_equal(rname(&fmt, 0x10000), "SUBSYS_1:0");
	assert_int_equal(rvalue(&fmt, "NO_SOCKET"), 3);
	assert_int_equal(rvalue(&fmt, "NETFILTER_DROP"), 12);
	dp_tp_format_release(&fmt);
}

static void test_consume_skb_6_18(void **state)
{
	struct dp_tp_format fmt;

	(void)state;
	dp_test_load_format(&fmt, "consume_skb-6.18.format");
	assert_string_equal(fmt.name, "consume_skb");
	assert_int_equal(fmt.id, 2309);
	assert_int_equal(fmt.nr_fields, 6);
	assert_field(&fmt, "skbaddr", "void *", 8, 8, false);
	assert_field(&fmt, "location", "void *", 16, 8, false);
	assert_null(dp_tp_format_field(&fmt, "reason"));
	assert_null(fmt.reasons);
	assert_int_equal(fmt.nr_reasons, 0);
	dp_tp_format_release(&fmt);
}

/* The whole point of reading the table: one number, three names. */
static void test_same_number_differs_between_kernels(void **state)
{
	struct dp_tp_format k519, k62, k618;

	(void)state;
	dp_test_load_format(&k519, "kfree_skb-5.19.format");
	dp_test_load_format(&k62, "kfree_skb-6.2.format");
	dp_test_load_format(&k618, "kfree_skb-6.18.format");
	assert_string_equal(rname(&k519, 8), "OTHERHOST");
	assert_string_equal(rname(&k62, 8), "NETFILTER_DROP");
	assert_string_equal(rname(&k618, 8), "UNIX_SKIP_OOB");
	assert_int_equal(rvalue(&k519, "SOCKET_RCVBUFF"), 15);
	assert_int_equal(rvalue(&k62, "SOCKET_RCVBUFF"), 16);
	assert_int_equal(rvalue(&k618, "SOCKET_RCVBUFF"), 6);
	dp_tp_format_release(&k519);
	dp_tp_format_release(&k62);
	dp_tp_format_release(&k618);
}

/* ---- field declarations ------------------------------------------- */

static void test_field_declarations(void **state)
{
	static const char text[] =
		"ID: 42\r\n"
		"\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\r\n"
		"\tfield:__data_loc char[] name;\toffset:24;\tsize:4;\tsigned:0;\n"
		"\tfield:void *skbaddr;\toffset:32;\tsize:8;\tsigned:0;\n"
		"\tfield:const struct sock * sk;\toffset:40;\tsize:8;\tsigned:0;\n"
		"\tfield:u8 mac [6];\toffset:48;\tsize:6;\tsigned:0;\n"
		"\tfield:long old;\toffset:56;\tsize:8;\n"
		"\tfield:int future;\toffset:64;\tsize:4;\tsigned:1;\tnewattr:3;\n";
	struct dp_tp_format fmt;

	(void)state;
	assert_int_equal(dp_tp_format_parse(&fmt, text), 0);
	assert_int_equal(fmt.id, 42);
	assert_string_equal(fmt.name, "");
	assert_int_equal(fmt.nr_fields, 7);
	assert_field(&fmt, "comm", "char[16]", 8, 16, false);
	assert_field(&fmt, "name", "__data_loc char[]", 24, 4, false);
	assert_field(&fmt, "skbaddr", "void *", 32, 8, false);
	assert_field(&fmt, "sk", "const struct sock *", 40, 8, false);
	assert_field(&fmt, "mac", "u8[6]", 48, 6, false);
	/* Kernels before signed: existed. */
	assert_field(&fmt, "old", "long", 56, 8, false);
	assert_field(&fmt, "future", "int", 64, 4, true);
	assert_null(dp_tp_format_field(&fmt, "comm[16]"));
	assert_null(dp_tp_format_field(&fmt, "missing"));
	assert_null(dp_tp_format_field(NULL, "comm"));
	dp_tp_format_release(&fmt);
}

/* ---- reason names --------------------------------------------------- */

static void test_reason_name_fallbacks(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(dp_tp_format_reason_name(NULL, 5, buf, sizeof(buf)), "REASON_5");
	assert_string_equal(dp_tp_format_reason_name(NULL, 0x1234567, buf, sizeof(buf)),
			    "SUBSYS_291:17767");
	/* 32 bytes is enough for the largest value. */
	assert_string_equal(dp_tp_format_reason_name(NULL, UINT64_MAX, buf, sizeof(buf)),
			    "SUBSYS_281474976710655:65535");
	/* One byte short: no cut-off "REASON_1" that reads as another reason. */
	assert_string_equal(dp_tp_format_reason_name(NULL, 12, buf, 9), "?");
	assert_string_equal(dp_tp_format_reason_name(NULL, 12, buf, 10), "REASON_12");
	assert_string_equal(dp_tp_format_reason_name(NULL, 0x30005, buf, 10), "?");
	assert_string_equal(dp_tp_format_reason_name(NULL, 0x30005, buf, 11), "SUBSYS_3:5");
	assert_string_equal(dp_tp_format_reason_name(NULL, 1, NULL, 0), "?");
}

static void test_reason_value_lookup(void **state)
{
	struct dp_tp_format fmt;
	uint64_t v = 77;

	(void)state;
	dp_test_load_format(&fmt, "kfree_skb-6.18.format");
	assert_int_equal(rvalue(&fmt, "NOT_SPECIFIED"), 2);
	assert_int_equal(rvalue(&fmt, "MAX"), 128);
	assert_int_equal(dp_tp_format_reason_value(&fmt, "no_socket", &v), -ENOENT);
	assert_int_equal(dp_tp_format_reason_value(&fmt, "NO_SOCKETS", &v), -ENOENT);
	assert_int_equal(dp_tp_format_reason_value(&fmt, "", &v), -ENOENT);
	assert_int_equal(v, 77);
	dp_tp_format_release(&fmt);
	assert_int_equal(dp_tp_format_reason_value(NULL, "NO_SOCKET", &v), -ENOENT);
}

/* ---- the layout the decoder reads with ---------------------------- */

/* A kfree_skb record as 6.18 lays it out, read the way the decoder reads
 * it: the parsed format gives the layout (skb_fields.c), the layout reads
 * the raw bytes, the format names the reason. */
static void test_field_read_record(void **state)
{
	struct dp_tp_format fmt;
	struct dp_skb_layout layout;
	struct dp_skb_fields f;
	unsigned char rec[44];
	uint16_t proto = 0x0800;
	uint32_t reason = 12;
	uint64_t loc = 0xffffffff81abcdefULL;
	char buf[32];

	(void)state;
	dp_test_load_format(&fmt, "kfree_skb-6.18.format");
	assert_int_equal(dp_skb_layout_init(&layout, &fmt), 0);
	assert_true(layout.has_reason);
	assert_true(layout.has_protocol);
	memset(rec, 0xaa, sizeof(rec));
	memcpy(rec + 16, &loc, sizeof(loc));
	memcpy(rec + 32, &proto, sizeof(proto));
	memcpy(rec + 36, &reason, sizeof(reason));
	assert_int_equal(dp_skb_fields_read(&layout, rec, sizeof(rec), &f), 0);
	assert_int_equal(f.location, loc);
	assert_int_equal(f.protocol, 0x0800);
	assert_string_equal(dp_tp_format_reason_name(&fmt, f.reason, buf, sizeof(buf)),
			    "NETFILTER_DROP");
	/* The record ends exactly after the reason: still whole. */
	assert_int_equal(dp_skb_fields_read(&layout, rec, 40, &f), 0);
	/* A record cut before the end of the reason. */
	assert_int_equal(dp_skb_fields_read(&layout, rec, 39, &f), -EINVAL);
	assert_int_equal(dp_skb_fields_read(&layout, NULL, 0, &f), -EINVAL);
	dp_tp_format_release(&fmt);

	/* Before 5.17: location and protocol, no reason. */
	dp_test_load_format(&fmt, "kfree_skb-4.19.format");
	assert_int_equal(dp_skb_layout_init(&layout, &fmt), 0);
	assert_false(layout.has_reason);
	dp_tp_format_release(&fmt);
}

/* ---- loading from a tracefs tree ------------------------------------ */

/* root/events/skb/kfree_skb/format, root made by dp_test_tmpdir(). */
struct tree {
	char *root;             /* NULL when no tree is made */
	char events[PATH_MAX], system[PATH_MAX], event[PATH_MAX], file[PATH_MAX];
};

static void tree_path(char *buf, const char *dir, const char *name)
{
	assert_true(snprintf(buf, PATH_MAX, "%s/%s", dir, name) < PATH_MAX);
}

static void tree_make(struct tree *t, const char *content, size_t len)
{
	t->root = dp_test_tmpdir();
	assert_int_equal(chmod(t->root, 0755), 0);
	tree_path(t->events, t->root, "events");
	tree_path(t->system, t->events, "skb");
	tree_path(t->event, t->system, "kfree_skb");
	tree_path(t->file, t->event, "format");
	assert_int_equal(mkdir(t->events, 0755), 0);
	assert_int_equal(mkdir(t->system, 0755), 0);
	assert_int_equal(mkdir(t->event, 0755), 0);
	dp_test_spill(t->file, content, len);
}

static void tree_remove(struct tree *t)
{
	if (!t->root)
		return;
	unlink(t->file);
	rmdir(t->event);
	rmdir(t->system);
	rmdir(t->events);
	dp_test_rmdir(t->root);
	t->root = NULL;
}

/* The tree lives in the test state so a failed assertion, which leaves
 * the test early, still gets it removed by the teardown. */
static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	*state = t;
	return t ? 0 : -1;
}

static int tree_teardown(void **state)
{
	tree_remove(*state);
	free(*state);
	return 0;
}

static void test_load(void **state)
{
	struct dp_tp_format fmt;
	struct tree *t = *state;
	char *text = dp_test_slurp(FIXTURE("kfree_skb-6.18.format"), NULL);

	assert_non_null(text);
	tree_make(t, text, strlen(text));
	free(text);
	assert_int_equal(dp_tp_format_load(&fmt, t->root, "skb", "kfree_skb"), 0);
	assert_int_equal(fmt.id, 2310);
	assert_int_equal(fmt.nr_reasons, 127);
	dp_tp_format_release(&fmt);

	assert_int_equal(dp_tp_format_load(&fmt, t->root, "skb", "consume_skb"), -ENOENT);
	assert_int_equal(dp_tp_format_load(&fmt, t->root, "net", "kfree_skb"), -ENOENT);
	assert_int_equal(dp_tp_format_load(&fmt, "/nonexistent/tracing", "skb", "kfree_skb"),
			 -ENOENT);
	/* A file where a directory should be. */
	assert_int_equal(dp_tp_format_load(&fmt, t->file, "skb", "kfree_skb"), -ENOENT);
	assert_int_equal(dp_tp_format_load(&fmt, t->root, "skb", "../skb/kfree_skb"), -ENOENT);
	assert_int_equal(dp_tp_format_load(&fmt, t->root, "", "kfree_skb"), -ENOENT);
	assert_int_equal(fmt.nr_fields, 0);
}

static void test_load_large_file(void **state)
{
	static const char head[] = "name: kfree_skb\nID: 5\nformat:\n" REASON_FIELD
		"\nprint fmt: \"reason: %s\", __print_symbolic(REC->reason";
	size_t cap = 400000, len, i;
	char *text = malloc(cap);
	struct dp_tp_format fmt;
	struct tree *t = *state;
	char buf[32];

	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "%s", head);
	/* ~150 KB: many times the first read buffer. */
	for (i = 1; i <= 8000; i++)
		len += (size_t)snprintf(text + len, cap - len, ", { %zu, \"R%zu\" }", i, i);
	len += (size_t)snprintf(text + len, cap - len, ")\n");
	assert_true(len > 100000 && len < cap);
	tree_make(t, text, len);
	free(text);
	assert_int_equal(dp_tp_format_load(&fmt, t->root, "skb", "kfree_skb"), 0);
	assert_int_equal(fmt.nr_reasons, 8000);
	assert_string_equal(dp_tp_format_reason_name(&fmt, 7999, buf, sizeof(buf)), "R7999");
	assert_string_equal(dp_tp_format_reason_name(&fmt, 8001, buf, sizeof(buf)),
			    "REASON_8001");
	dp_tp_format_release(&fmt);
}

static void test_load_rejects_huge_and_binary(void **state)
{
	size_t huge = (2u << 20);
	char *text = malloc(huge);
	struct dp_tp_format fmt;
	struct tree *t = *state;
	static const char nul[] = "ID: 1\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:1;\n\0ID: 2\n";

	assert_non_null(text);
	memset(text, 'x', huge);
	tree_make(t, text, huge);
	free(text);
	assert_int_equal(dp_tp_format_load(&fmt, t->root, "skb", "kfree_skb"), -EFBIG);
	tree_remove(t);

	/* Parsed alone the text before the NUL is valid; as a file it is not. */
	assert_int_equal(dp_tp_format_parse(&fmt, nul), 0);
	dp_tp_format_release(&fmt);
	tree_make(t, nul, sizeof(nul) - 1);
	assert_int_equal(dp_tp_format_load(&fmt, t->root, "skb", "kfree_skb"), -EINVAL);
}

static void test_load_permission_denied(void **state)
{
	struct dp_tp_format fmt;
	struct tree *t = *state;
	char *text = dp_test_slurp(FIXTURE("kfree_skb-6.18.format"), NULL);
	int status;
	pid_t pid;

	assert_non_null(text);
	tree_make(t, text, strlen(text));
	free(text);
	assert_int_equal(chmod(t->file, 0), 0);
	if (geteuid() != 0) {
		assert_int_equal(dp_tp_format_load(&fmt, t->root, "skb", "kfree_skb"), -EACCES);
		return;
	}
	/* Root reads anything: ask as an unprivileged user instead.  The
	 * file must be reachable for that user (a private $TMPDIR is not),
	 * so the EACCES is the file's own mode, not a directory's. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int rc;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		if (access(t->file, F_OK) != 0)
			_exit(3);
		rc = dp_tp_format_load(&fmt, t->root, "skb", "kfree_skb");
		_exit(rc == -EACCES ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 3)
		fail_msg("%s: not reachable by uid 65534", t->file);
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_release_is_idempotent(void **state)
{
	struct dp_tp_format fmt;

	(void)state;
	memset(&fmt, 0, sizeof(fmt));
	dp_tp_format_release(&fmt);
	dp_test_load_format(&fmt, "kfree_skb-6.18.format");
	assert_non_null(fmt.reasons);
	dp_tp_format_release(&fmt);
	assert_null(fmt.reasons);
	assert_int_equal(fmt.nr_reasons, 0);
	assert_int_equal(fmt.nr_fields, 0);
	dp_tp_format_release(&fmt);
	dp_tp_format_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kfree_skb_4_19),
		cmocka_unit_test(test_kfree_skb_5_19),
		cmocka_unit_test(test_kfree_skb_6_2),
		cmocka_unit_test(test_kfree_skb_6_18),
		cmocka_unit_test(test_consume_skb_6_18),
		cmocka_unit_test(test_same_number_differs_between_kernels),
		cmocka_unit_test(test_field_declarations),
		cmocka_unit_test(test_reason_name_fallbacks),
		cmocka_unit_test(test_reason_value_lookup),
		cmocka_unit_test(test_field_read_record),
		cmocka_unit_test_setup_teardown(test_load, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_load_large_file, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_load_rejects_huge_and_binary,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_load_permission_denied,
						tree_setup, tree_teardown),
		cmocka_unit_test(test_release_is_idempotent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
