/* Unit tests for the signal handling of the commands: the first stop
 * signal makes the stop fd readable, the second runs the cleanup
 * registry and dies of the signal; commands that do not record die at the
 * first; SIGPIPE is ignored; inherited SIG_IGN is kept.  Each case runs
 * in a child process, which reports through its exit status. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "dropprof/cmd/signals.h"
#include "dropprof/util/cleanup.h"

static char path[] = "/tmp/dp-signals.XXXXXX";

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static bool exists(void)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Run fn in a child; return its wait status. */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid;

	close(open(path, O_WRONLY | O_CREAT, 0600));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* Exit codes of the children: 0 all good, else the failed check. */
static int first_stops_second_kills(int first, int second)
{
	if (dp_signals_stop_fd() != -1)
		return 10;
	if (dp_signals_init(true) || dp_signals_stop_fd() < 0)
		return 11;
	if (readable(dp_signals_stop_fd()) || dp_signals_received())
		return 12;
	if (dp_cleanup_add(DP_CLEANUP_UNLINK, path, -1) < 0)
		return 13;
	raise(first);
	/* Still alive, the stop fd readable (and it stays so: nobody reads
	 * it), the cleanup not run. */
	if (!readable(dp_signals_stop_fd()) || !readable(dp_signals_stop_fd()))
		return 14;
	if (dp_signals_received() != first)
		return 15;
	if (!exists())
		return 16;
	raise(second);
	return 17;      /* must not get here */
}

static int int_then_int(void) { return first_stops_second_kills(SIGINT, SIGINT); }
static int term_then_int(void) { return first_stops_second_kills(SIGTERM, SIGINT); }
static int hup_then_term(void) { return first_stops_second_kills(SIGHUP, SIGTERM); }

static void test_first_stops_second_cleans_and_dies(void **state)
{
	int st = in_child(int_then_int);

	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGINT);
	assert_false(exists());

	st = in_child(term_then_int);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGINT);
	assert_false(exists());

	/* SIGHUP stops like SIGTERM. */
	st = in_child(hup_then_term);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
	assert_false(exists());
}

static int not_recording(void)
{
	if (dp_signals_init(false))
		return 11;
	if (dp_cleanup_add(DP_CLEANUP_UNLINK, path, -1) < 0)
		return 13;
	raise(SIGTERM);
	return 17;
}

static void test_not_recording_dies_at_first(void **state)
{
	int st = in_child(not_recording);

	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGTERM);
	assert_false(exists());
}

static int sigpipe_ignored(void)
{
	int p[2];

	if (dp_signals_init(true) || pipe(p))
		return 11;
	close(p[0]);
	if (write(p[1], "x", 1) != -1 || errno != EPIPE)
		return 12;
	return 0;
}

static void test_sigpipe_ignored(void **state)
{
	int st = in_child(sigpipe_ignored);

	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* nohup: an ignored SIGHUP stays ignored. */
static int hup_ignored(void)
{
	signal(SIGHUP, SIG_IGN);
	if (dp_signals_init(true))
		return 11;
	raise(SIGHUP);
	if (readable(dp_signals_stop_fd()) || dp_signals_received())
		return 12;
	/* SIGINT still works. */
	raise(SIGINT);
	if (dp_signals_received() != SIGINT)
		return 13;
	return 0;
}

static void test_inherited_ignore_kept(void **state)
{
	int st = in_child(hup_ignored);

	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* A blocked SIGTERM inherited from the parent would make dropprof
 * unstoppable: it is unblocked. */
static int term_blocked(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (dp_signals_init(true))
		return 11;
	raise(SIGTERM);
	if (dp_signals_received() != SIGTERM)
		return 12;
	return 0;
}

static void test_inherited_block_lifted(void **state)
{
	int st = in_child(term_blocked);

	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* A signal in the middle of a write (SA_RESTART) does not fail it. */
static int write_restarts(void)
{
	int p[2];
	char buf[1 << 16];
	pid_t parent = getpid();
	pid_t kid;

	if (dp_signals_init(true) || pipe(p))
		return 11;
	kid = fork();
	if (kid == 0) {
		/* Signal the writer while it blocks on the full pipe, then
		 * drain the pipe. */
		close(p[1]);
		usleep(100000);
		kill(parent, SIGINT);
		usleep(100000);
		while (read(p[0], buf, sizeof(buf)) > 0)
			;
		_exit(0);
	}
	close(p[0]);
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < 4; i++)
		if (write(p[1], buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return 12;
	close(p[1]);
	waitpid(kid, NULL, 0);
	return dp_signals_received() == SIGINT ? 0 : 13;
}

static void test_write_not_interrupted(void **state)
{
	int st = in_child(write_restarts);

	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_stops_second_cleans_and_dies),
		cmocka_unit_test(test_not_recording_dies_at_first),
		cmocka_unit_test(test_sigpipe_ignored),
		cmocka_unit_test(test_inherited_ignore_kept),
		cmocka_unit_test(test_inherited_block_lifted),
		cmocka_unit_test(test_write_not_interrupted),
	};
	int fd = mkstemp(path), ret;

	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	return ret;
}
