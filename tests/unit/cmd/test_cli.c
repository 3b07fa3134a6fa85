/* Unit tests for option parsing (dp_cli_parse and the value parsers):
 * every option, bad values, options of another command, --help and
 * --version, the rules between options, what the error lines say, and
 * the output-is-an-input refusal. */
#include <errno.h>
#include <fcntl.h>
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
#include "dropprof/cmd/signals.h"

#define ALL (DP_CLI_RECORD | DP_CLI_REPORT | DP_CLI_VERSION)

static const struct dp_cli_text text = {
	"dropprof", "usage: dropprof [options]\n", "dropprof help text\n",
};

/* What a parse printed on stdout and stderr. */
static char out_buf[8192], err_buf[8192];

static void slurp_into(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

struct run {
	bool go_on;
	int status;
	struct dp_cli cli;
};

/* Parse the NULL-terminated words (argv[0] included) with what. */
static struct run parse_v(unsigned int what, const char **words)
{
	static char *argv[64];
	struct run r = { .status = -1 };
	char tmp_out[] = "/tmp/dp-cli-out.XXXXXX", tmp_err[] = "/tmp/dp-cli-err.XXXXXX";
	int fo = mkstemp(tmp_out), fe = mkstemp(tmp_err);
	int so = dup(STDOUT_FILENO), se = dup(STDERR_FILENO);
	int argc = 0;

	assert_true(fo >= 0 && fe >= 0 && so >= 0 && se >= 0);
	unlink(tmp_out);
	unlink(tmp_err);
	while (words[argc]) {
		argv[argc] = (char *)words[argc];
		argc++;
	}
	argv[argc] = NULL;
	r.cli.top = 5;
	r.cli.rec.stack_budget = DP_DEFAULT_STACK_RATE;
	r.cli.rec.stop_fd = -1;
	fflush(stdout);
	fflush(stderr);
	dup2(fo, STDOUT_FILENO);
	dup2(fe, STDERR_FILENO);
	r.go_on = dp_cli_parse(argc, argv, what, &text, &r.cli, &r.status);
	fflush(stdout);
	fflush(stderr);
	dup2(so, STDOUT_FILENO);
	dup2(se, STDERR_FILENO);
	close(so);
	close(se);
	slurp_into(fo, out_buf, sizeof(out_buf));
	slurp_into(fe, err_buf, sizeof(err_buf));
	close(fo);
	close(fe);
	return r;
}

#define PARSE(what, ...) parse_v((what), (const char *[]){ "dropprof", __VA_ARGS__, NULL })

/* A usage error: false, status 2, the message and the usage on stderr,
 * nothing on stdout. */
static void expect_usage(struct run r, const char *msg)
{
	assert_false(r.go_on);
	assert_int_equal(r.status, DP_EXIT_USAGE);
	assert_string_equal(out_buf, "");
	if (!strstr(err_buf, msg))
		fail_msg("stderr '%s' does not contain '%s'", err_buf, msg);
	assert_non_null(strstr(err_buf, "usage: dropprof [options]\n"));
	assert_non_null(strstr(err_buf, "Try 'dropprof --help' for more.\n"));
	assert_int_equal(strncmp(err_buf, "dropprof: ", 10), 0);
}

static void test_defaults(void **state)
{
	struct run r = parse_v(ALL, (const char *[]){ "dropprof", NULL });

	assert_true(r.go_on);
	assert_int_equal(r.cli.rec.duration, 0);
	assert_int_equal(r.cli.rec.ring_pages, DP_DEFAULT_RING_PAGES);
	assert_false(r.cli.rec.quiet);
	assert_false(r.cli.rec.all_stacks);
	assert_true(r.cli.rec.stack_budget == DP_DEFAULT_STACK_RATE);
	assert_null(r.cli.rec.filter.reasons);
	assert_int_equal(r.cli.format, DP_FORMAT_TEXT);
	assert_int_equal(r.cli.top, 5);
	assert_null(r.cli.output);
	assert_int_equal(r.cli.nr_args, 0);
	assert_string_equal(err_buf, "");
}

static void test_every_option(void **state)
{
	struct run r = PARSE(ALL, "-d", "2.5", "-m", "8", "-q", "--reason", "NO_SOCKET",
			     "--exclude-reason", "NOT_SPECIFIED", "--proto", "ipv4,arp",
			     "--stack-rate", "100", "-n", "20", "--json", "-o", "out.json");

	assert_true(r.go_on);
	assert_true(r.cli.rec.duration == 2.5);
	assert_int_equal(r.cli.rec.ring_pages, 8);
	assert_true(r.cli.rec.quiet);
	assert_string_equal(r.cli.rec.filter.reasons, "NO_SOCKET");
	assert_string_equal(r.cli.rec.filter.exclude_reasons, "NOT_SPECIFIED");
	assert_string_equal(r.cli.rec.filter.protos, "ipv4,arp");
	assert_true(r.cli.rec.stack_budget == 100);
	assert_int_equal(r.cli.top, 20);
	assert_int_equal(r.cli.format, DP_FORMAT_JSON);
	assert_string_equal(r.cli.output, "out.json");

	r = PARSE(ALL, "--duration=3", "--mmap-pages", "16", "--quiet", "--all-stacks",
		  "--top=3", "--folded", "--output", "f", "--reason=A");
	assert_true(r.go_on);
	assert_true(r.cli.rec.duration == 3);
	assert_int_equal(r.cli.rec.ring_pages, 16);
	assert_true(r.cli.rec.quiet);
	assert_true(r.cli.rec.all_stacks);
	assert_int_equal(r.cli.top, 3);
	assert_int_equal(r.cli.format, DP_FORMAT_FOLDED);
	assert_string_equal(r.cli.output, "f");
	assert_string_equal(r.cli.rec.filter.reasons, "A");
	/* -o - is stdout, spelled out. */
	r = PARSE(ALL, "-o", "-");
	assert_true(r.go_on);
	assert_string_equal(r.cli.output, "-");
	/* The same format twice is fine. */
	r = PARSE(ALL, "--json", "--json");
	assert_true(r.go_on);
}

static void test_ring_default_all_stacks(void **state)
{
	struct run r = PARSE(DP_CLI_RECORD, "--all-stacks");

	assert_true(r.go_on);
	assert_int_equal(r.cli.rec.ring_pages, DP_DEFAULT_RING_PAGES_ALL_STACKS);
	r = PARSE(DP_CLI_RECORD, "--all-stacks", "-m", "4");
	assert_int_equal(r.cli.rec.ring_pages, 4);
}

static void test_operands(void **state)
{
	/* Operands anywhere (GNU order), and after "--" even if they look
	 * like options. */
	struct run r = PARSE(DP_CLI_REPORT, "a.dprof", "-n", "3", "b.dprof", "--", "-c");

	assert_true(r.go_on);
	assert_int_equal(r.cli.nr_args, 3);
	assert_string_equal(r.cli.args[0], "a.dprof");
	assert_string_equal(r.cli.args[1], "b.dprof");
	assert_string_equal(r.cli.args[2], "-c");
	assert_int_equal(r.cli.top, 3);
}

static void test_bad_durations(void **state)
{
	static const char *bad[] = {
		"abc", "-1", "", "1e999", "1e-10", "0.0009", "0", "0.0", "0x10",
		" 5", "+5", "inf", "nan", "10s", "2678401", "1e7", ".", "1e",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct run r = PARSE(ALL, "-d", bad[i]);

		expect_usage(r, "invalid duration '");
		assert_non_null(strstr(err_buf, "0.001"));
	}
}

static void test_good_durations(void **state)
{
	static const struct { const char *s; double v; } good[] = {
		{ "0.001", 0.001 }, { "1e-3", 0.001 }, { "10", 10 }, { ".5", 0.5 },
		{ "2.5", 2.5 }, { "2678400", 2678400 }, { "1E2", 100 },
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		double v = -1;

		assert_int_equal(dp_parse_seconds(good[i].s, &v), 0);
		assert_true(v == good[i].v);
	}
	assert_int_equal(dp_parse_seconds(NULL, &(double){ 0 }), -EINVAL);
}

static void test_bad_counts(void **state)
{
	expect_usage(PARSE(ALL, "-m", "3"), "invalid ring size '3'");
	expect_usage(PARSE(ALL, "-m", "0"), "invalid ring size '0'");
	expect_usage(PARSE(ALL, "-m", "131072"), "invalid ring size");
	expect_usage(PARSE(ALL, "-m", "-4"), "invalid ring size");
	expect_usage(PARSE(ALL, "-n", "0"), "invalid count '0'");
	expect_usage(PARSE(ALL, "-n", "abc"), "invalid count 'abc'");
	expect_usage(PARSE(ALL, "-n", "100001"), "invalid count");
	expect_usage(PARSE(ALL, "-n", "5x"), "invalid count");
	expect_usage(PARSE(ALL, "--stack-rate", "0"), "invalid stack rate '0'");
	expect_usage(PARSE(ALL, "--stack-rate", "10000001"), "invalid stack rate");
	expect_usage(PARSE(ALL, "--top", "99999999999999999999999"), "invalid count");
}

static void test_parse_count(void **state)
{
	unsigned long v = 0;

	assert_int_equal(dp_parse_count("7", 1, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(dp_parse_count("10", 1, 10, &v), 0);
	assert_int_equal(dp_parse_count("11", 1, 10, &v), -EINVAL);
	assert_int_equal(dp_parse_count("0", 1, 10, &v), -EINVAL);
	assert_int_equal(dp_parse_count("", 0, 10, &v), -EINVAL);
	assert_int_equal(dp_parse_count(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(dp_parse_count("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(dp_parse_count(NULL, 0, 10, &v), -EINVAL);
}

static void test_format_conflict(void **state)
{
	expect_usage(PARSE(ALL, "--folded", "--json"), "--folded and --json exclude each other");
	expect_usage(PARSE(ALL, "--json", "--folded"), "--folded and --json exclude each other");
}

static void test_stack_rate_with_all_stacks(void **state)
{
	expect_usage(PARSE(ALL, "--all-stacks", "--stack-rate", "50"),
		     "--stack-rate and --all-stacks exclude each other");
	expect_usage(PARSE(ALL, "--stack-rate", "50", "--all-stacks"),
		     "--stack-rate and --all-stacks exclude each other");
}

static void test_empty_output(void **state)
{
	expect_usage(PARSE(ALL, "-o", ""), "give a file name with -o");
	expect_usage(PARSE(ALL, "--output="), "give a file name with -o");
}

static void test_options_of_other_commands(void **state)
{
	/* report/diff take no recording options, record no report ones,
	 * only the live command takes --version. */
	expect_usage(PARSE(DP_CLI_REPORT, "-d", "5"), "option '-d' is not for this command");
	expect_usage(PARSE(DP_CLI_REPORT, "--duration", "5"), "option '--duration' is not for this command");
	expect_usage(PARSE(DP_CLI_REPORT, "-q"), "option '-q' is not for this command");
	expect_usage(PARSE(DP_CLI_REPORT, "-m", "8"), "option '-m' is not for this command");
	expect_usage(PARSE(DP_CLI_REPORT, "--reason", "X"), "option '--reason' is not for this command");
	expect_usage(PARSE(DP_CLI_REPORT, "--exclude-reason", "X"), "not for this command");
	expect_usage(PARSE(DP_CLI_REPORT, "--proto", "ipv4"), "not for this command");
	expect_usage(PARSE(DP_CLI_REPORT, "--all-stacks"), "not for this command");
	expect_usage(PARSE(DP_CLI_REPORT, "--stack-rate", "5"), "not for this command");
	expect_usage(PARSE(DP_CLI_RECORD, "-n", "5"), "option '-n' is not for this command");
	expect_usage(PARSE(DP_CLI_RECORD, "--json"), "option '--json' is not for this command");
	expect_usage(PARSE(DP_CLI_RECORD, "--folded"), "not for this command");
	expect_usage(PARSE(DP_CLI_RECORD, "-V"), "option '-V' is not for this command");
	expect_usage(PARSE(DP_CLI_REPORT, "--version"), "option '--version' is not for this command");
}

static void test_unknown_and_missing(void **state)
{
	expect_usage(PARSE(ALL, "--bogus"), "unknown option '--bogus'");
	expect_usage(PARSE(ALL, "--bogus=1"), "unknown option '--bogus'");
	expect_usage(PARSE(ALL, "-Z"), "unknown option '-Z'");
	expect_usage(PARSE(ALL, "-qZ"), "unknown option '-Z'");
	expect_usage(PARSE(ALL, "--json=1"), "option '--json' takes no value");
	expect_usage(PARSE(ALL, "-d"), "option '-d' needs a value");
	expect_usage(PARSE(ALL, "--duration"), "option '--duration' needs a value");
	expect_usage(PARSE(ALL, "-q", "-n"), "option '-n' needs a value");
	expect_usage(PARSE(ALL, "-qd"), "option '-d' needs a value");
}

static void test_help_version(void **state)
{
	struct run r = PARSE(ALL, "--help");

	assert_false(r.go_on);
	assert_int_equal(r.status, DP_EXIT_OK);
	assert_string_equal(out_buf, "dropprof help text\n");
	assert_string_equal(err_buf, "");
	r = PARSE(DP_CLI_REPORT, "-h", "--bogus");      /* first come, first served */
	assert_false(r.go_on);
	assert_int_equal(r.status, DP_EXIT_OK);
	r = PARSE(ALL, "--version");
	assert_false(r.go_on);
	assert_int_equal(r.status, DP_EXIT_OK);
	assert_string_equal(out_buf, "dropprof " DP_VERSION "\n");
	r = PARSE(ALL, "-V");
	assert_int_equal(r.status, DP_EXIT_OK);
}

/* A terminal must never receive the control bytes of an argument. */
static void test_control_chars_escaped(void **state)
{
	struct run r = PARSE(ALL, "-d", "\x1b[31mred\x07");

	expect_usage(r, "invalid duration '\\x1b[31mred\\x07'");
	assert_null(strchr(err_buf, '\x1b'));
	assert_null(strchr(err_buf, '\x07'));
	r = PARSE(ALL, "--\x1b]0;title\x07");
	expect_usage(r, "unknown option '--\\x1b]0;title\\x07'");
	r = PARSE(ALL, "-n", "1\n2");
	expect_usage(r, "invalid count '1\\n2'");
	/* Printable UTF-8 stays readable. */
	r = PARSE(ALL, "-n", "f\xc3\xbcnf");
	expect_usage(r, "invalid count 'f\xc3\xbcnf'");
}

/* A recording command's stop fd is the signal pipe (cmd/signals.h). */
static void test_stop_fd(void **state)
{
	struct run r = PARSE(DP_CLI_REPORT, "-n", "3");

	assert_int_equal(r.cli.rec.stop_fd, -1);    /* not a recording */
	assert_int_equal(dp_signals_init(true), 0);
	r = PARSE(DP_CLI_RECORD, "-q");
	assert_true(r.go_on);
	assert_true(r.cli.rec.stop_fd >= 0);
	assert_int_equal(r.cli.rec.stop_fd, dp_signals_stop_fd());
}

static void test_output_is_input(void **state)
{
	char dir[] = "/tmp/dp-cli.XXXXXX", in[64], ln[64], other[64];
	char *inputs[2];
	int status = -1;

	assert_non_null(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/in.dprof", dir);
	snprintf(ln, sizeof(ln), "%s/ln.dprof", dir);
	snprintf(other, sizeof(other), "%s/new.dprof", dir);
	close(open(in, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(symlink("in.dprof", ln), 0);
	inputs[0] = other;      /* not there: not the same */
	inputs[1] = in;

	assert_true(dp_cli_check_inputs(&text, NULL, inputs, 2, &status));
	assert_true(dp_cli_check_inputs(&text, "-", inputs, 2, &status));
	assert_true(dp_cli_check_inputs(&text, other, inputs, 1, &status));
	{
		int fe = open("/dev/null", O_WRONLY), se = dup(STDERR_FILENO);

		dup2(fe, STDERR_FILENO);
		assert_false(dp_cli_check_inputs(&text, ln, inputs, 2, &status));
		dup2(se, STDERR_FILENO);
		close(se);
		close(fe);
	}
	assert_int_equal(status, DP_EXIT_USAGE);
	unlink(ln);
	unlink(in);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_ring_default_all_stacks),
		cmocka_unit_test(test_operands),
		cmocka_unit_test(test_bad_durations),
		cmocka_unit_test(test_good_durations),
		cmocka_unit_test(test_bad_counts),
		cmocka_unit_test(test_parse_count),
		cmocka_unit_test(test_format_conflict),
		cmocka_unit_test(test_stack_rate_with_all_stacks),
		cmocka_unit_test(test_empty_output),
		cmocka_unit_test(test_options_of_other_commands),
		cmocka_unit_test(test_unknown_and_missing),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_control_chars_escaped),
		cmocka_unit_test(test_stop_fd),
		cmocka_unit_test(test_output_is_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
