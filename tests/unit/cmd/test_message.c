/* Unit tests for how cmd/ prints: control characters escaped, printable
 * UTF-8 kept, the hint of an errno, one line per message. */
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

#include "dropprof/cmd/cmd.h"
#include "dropprof/util/error.h"
#include "dropprof/util/strbuf.h"

static const char *esc(const char *s)
{
	static char out[1024];
	struct dp_strbuf sb = DP_STRBUF_INIT;

	assert_int_equal(dp_cmd_escape(&sb, s), 0);
	snprintf(out, sizeof(out), "%s", sb.buf);
	dp_strbuf_release(&sb);
	return out;
}

static void test_escape(void **state)
{
	assert_string_equal(esc(""), "");
	assert_string_equal(esc("plain 'text' /x\\y"), "plain 'text' /x\\y");
	assert_string_equal(esc("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
	assert_string_equal(esc("a\tb\nc\rd"), "a\\tb\\nc\\rd");
	assert_string_equal(esc("\x01\x07\x7f"), "\\x01\\x07\\x7f");
	/* C1 controls as UTF-8 (U+009B is CSI), and as raw 8-bit bytes. */
	assert_string_equal(esc("\xc2\x9b" "2J"), "\\u009b2J");
	assert_string_equal(esc("\x9b" "2J"), "\\x9b2J");
	assert_string_equal(esc("\xff\xfe"), "\\xff\\xfe");
	/* Printable UTF-8 stays as it is. */
	assert_string_equal(esc("f\xc3\xbcnf \xe2\x82\xac \xf0\x9f\x94\xa5"),
			    "f\xc3\xbcnf \xe2\x82\xac \xf0\x9f\x94\xa5");
	assert_string_equal(esc("\xc3"), "\\xc3");     /* truncated */
}

/* stderr of fn(), as a string. */
static char *stderr_of(void (*fn)(void))
{
	static char buf[4096];
	char path[] = "/tmp/dp-msg.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static void emfile(void)
{
	dp_cmd_error_code(-EMFILE, "cannot open '%s': %s", "cpu\x1b" "1", strerror(EMFILE));
}

static void emfile_hinted(void)
{
	dp_cmd_error_code(-EMFILE, "too many open files (raise 'ulimit -n')");
}

static void plain(void)
{
	dp_cmd_error("cannot read '%s'", "a\nb");
	dp_cmd_error_code(-ENOENT, "no %s", "such");
}

static void hooked(void)
{
	dp_print_fn old = dp_set_print(dp_cmd_print, NULL);

	dp_warn("'%s' is from kernel %s", "x\x1b]0;t\x07", "6.1");
	dp_info("recording on %d CPUs", 2);
	dp_set_print(old, NULL);
}

static void usage(void)
{
	static const struct dp_cli_text text = { "dropprof report", "usage: dropprof report FILE\n", "" };

	assert_int_equal(dp_usage_error(&text, "unknown option '%s'", "--\x1b[2J"), DP_EXIT_USAGE);
}

static void test_errors(void **state)
{
	assert_string_equal(stderr_of(emfile),
			    "dropprof: cannot open 'cpu\\x1b1': Too many open files (raise 'ulimit -n')\n");
	/* No second hint when the message already has one. */
	assert_string_equal(stderr_of(emfile_hinted),
			    "dropprof: too many open files (raise 'ulimit -n')\n");
	assert_string_equal(stderr_of(plain),
			    "dropprof: cannot read 'a\\nb'\ndropprof: no such\n");
	assert_string_equal(stderr_of(hooked),
			    "dropprof: warning: 'x\\x1b]0;t\\x07' is from kernel 6.1\n"
			    "dropprof: recording on 2 CPUs\n");
	assert_string_equal(stderr_of(usage),
			    "dropprof report: unknown option '--\\x1b[2J'\n"
			    "usage: dropprof report FILE\n"
			    "Try 'dropprof report --help' for more.\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
