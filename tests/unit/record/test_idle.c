/* Unit tests for the split of every drop between the perf events and
 * dropprof's tracefs instance (record/idle.h): each drop matches exactly
 * one of the drop event and the instance, with and without a user filter
 * and with --all-stacks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dropprof/record/idle.h"
#include "dropprof/util/strbuf.h"

struct three {
	struct dp_strbuf drop, stack, idle;
};

static void split(struct three *t, const char *f, bool instance, bool all)
{
	dp_strbuf_init(&t->drop);
	dp_strbuf_init(&t->stack);
	dp_strbuf_init(&t->idle);
	assert_int_equal(dp_idle_filters(f, instance, all, &t->drop, &t->stack,
					 &t->idle), 0);
}

static void release(struct three *t)
{
	dp_strbuf_release(&t->drop);
	dp_strbuf_release(&t->stack);
	dp_strbuf_release(&t->idle);
}

static void test_no_instance(void **state)
{
	struct three t;

	(void)state;
	split(&t, NULL, false, false);
	assert_string_equal(t.drop.buf, "");
	assert_string_equal(t.stack.buf, "");
	assert_string_equal(t.idle.buf, "");
	release(&t);
	split(&t, "reason == 3", false, true);
	assert_string_equal(t.drop.buf, "reason == 3");
	assert_string_equal(t.stack.buf, "reason == 3");
	assert_string_equal(t.idle.buf, "");
	release(&t);
}

static void test_instance_sampled(void **state)
{
	struct three t;

	(void)state;
	split(&t, NULL, true, false);
	assert_string_equal(t.drop.buf, "common_pid != 0");
	assert_string_equal(t.idle.buf, "common_pid == 0");
	assert_string_equal(t.stack.buf, "");   /* stacks of every drop */
	release(&t);
	/* an '||' in the user's filter must not escape the pid split */
	split(&t, "reason == 3 || reason == 12", true, false);
	assert_string_equal(t.drop.buf, "(reason == 3 || reason == 12) && common_pid != 0");
	assert_string_equal(t.idle.buf, "(reason == 3 || reason == 12) && common_pid == 0");
	assert_string_equal(t.stack.buf, "reason == 3 || reason == 12");
	release(&t);
}

static void test_instance_all_stacks(void **state)
{
	struct three t;

	(void)state;
	split(&t, "protocol == 0x0800", true, true);
	assert_string_equal(t.drop.buf, "(protocol == 0x0800) && common_pid != 0");
	assert_string_equal(t.idle.buf, "(protocol == 0x0800) && common_pid == 0");
	/* the drop event has the other stacks */
	assert_string_equal(t.stack.buf, "(protocol == 0x0800) && common_pid == 0");
	release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_instance),
		cmocka_unit_test(test_instance_sampled),
		cmocka_unit_test(test_instance_all_stacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
