/* Unit tests for the error object and the warning print hook. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dropprof/util/error.h"

static void test_init_is_no_error(void **state)
{
	struct dp_err err = DP_ERR_INIT;

	assert_int_equal(err.code, 0);
	assert_null(err.msg);
	assert_string_equal(dp_err_msg(&err), "");
	dp_err_release(&err);
	dp_err_release(&err);
	assert_string_equal(dp_err_msg(&err), "");
}

static void test_set_and_replace(void **state)
{
	struct dp_err err = DP_ERR_INIT;

	assert_int_equal(dp_err_set(&err, -ENOENT, "cannot open '%s'", "/x"), -ENOENT);
	assert_int_equal(err.code, -ENOENT);
	assert_string_equal(dp_err_msg(&err), "cannot open '/x'");
	/* A later failure replaces the earlier one; the old message may be
	 * an argument of the new one. */
	assert_int_equal(dp_err_set(&err, -EINVAL, "context: %s", err.msg), -EINVAL);
	assert_string_equal(dp_err_msg(&err), "context: cannot open '/x'");
	assert_int_equal(err.code, -EINVAL);
	dp_err_release(&err);
	assert_int_equal(err.code, 0);
	assert_null(err.msg);
	assert_string_equal(dp_err_msg(&err), "");
}

static void test_code_only(void **state)
{
	struct dp_err err = { -EACCES, NULL };

	/* No message: the errno text. */
	assert_string_equal(dp_err_msg(&err), strerror(EACCES));
}

static void test_null_err(void **state)
{
	/* The message is dropped, the code still returned. */
	assert_int_equal(dp_err_set(NULL, -EIO, "%s", "lost"), -EIO);
}

static void test_long_message(void **state)
{
	struct dp_err err = DP_ERR_INIT;
	char *big = malloc(20001);

	assert_non_null(big);
	memset(big, 'a', 20000);
	big[20000] = '\0';
	dp_err_set(&err, -E2BIG, "x%sy", big);
	assert_int_equal(strlen(dp_err_msg(&err)), 20002);   /* never cut */
	assert_int_equal(dp_err_msg(&err)[20001], 'y');
	free(big);
	dp_err_release(&err);
}

struct seen {
	int calls;
	enum dp_print_level level;
	char msg[256];
	void *ctx;
};

static void hook(enum dp_print_level level, const char *msg, void *ctx)
{
	struct seen *s = ctx;

	s->calls++;
	s->level = level;
	s->ctx = ctx;
	snprintf(s->msg, sizeof(s->msg), "%s", msg);
}

static void test_print_hook(void **state)
{
	struct seen s = { 0 };
	dp_print_fn old;

	old = dp_set_print(hook, &s);
	assert_non_null(old);           /* the default printer */
	dp_warn("cpu %d is %s", 3, "offline");
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.level, DP_PRINT_WARN);
	assert_string_equal(s.msg, "cpu 3 is offline");
	assert_ptr_equal(s.ctx, &s);
	dp_info("recording on %zu CPUs", (size_t)2);
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.level, DP_PRINT_INFO);
	assert_string_equal(s.msg, "recording on 2 CPUs");
	/* Restoring gives the hook back. */
	assert_ptr_equal(dp_set_print(old, NULL), hook);
	dp_warn("not seen by the hook");
	assert_int_equal(s.calls, 2);
}

/* The default printer: "dropprof: warning: MSG" and "dropprof: MSG",
 * one line each on stderr. */
static void test_default_printer(void **state)
{
	char path[] = "/tmp/dp-error.XXXXXX", buf[256] = "";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	FILE *f;

	assert_true(fd >= 0 && saved >= 0);
	dp_set_print(NULL, NULL);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	dp_warn("disk %s", "full");
	dp_info("done");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	f = fdopen(fd, "r");
	assert_non_null(f);
	rewind(f);
	assert_int_equal(fread(buf, 1, sizeof(buf) - 1, f) > 0, 1);
	fclose(f);
	unlink(path);
	assert_string_equal(buf, "dropprof: warning: disk full\ndropprof: done\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_no_error),
		cmocka_unit_test(test_set_and_replace),
		cmocka_unit_test(test_code_only),
		cmocka_unit_test(test_null_err),
		cmocka_unit_test(test_long_message),
		cmocka_unit_test(test_print_hook),
		cmocka_unit_test(test_default_printer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
