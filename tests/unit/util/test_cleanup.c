/* Unit tests for the cleanup registry: each kind of action, reverse
 * order (fds before the rmdir of their directory), removal, running at
 * most once, arguments, capacity, and running from a signal handler. */
#include <errno.h>
#include <fcntl.h>
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

#include "dropprof/util/cleanup.h"

static char dir[] = "/tmp/dp-cleanup.XXXXXX";

static const char *at(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	close(fd);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void test_kinds_and_order(void **state)
{
	char sub[600], file[700];
	int fd, h[3];

	snprintf(sub, sizeof(sub), "%s/inst", dir);
	snprintf(file, sizeof(file), "%s/inst/trace", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	touch(file);
	fd = open(file, O_RDONLY);
	assert_true(fd >= 0);
	/* In creation order: the directory, then what is inside it.  The
	 * rmdir only works if it runs last. */
	h[0] = dp_cleanup_add(DP_CLEANUP_RMDIR, sub, -1);
	h[1] = dp_cleanup_add(DP_CLEANUP_UNLINK, file, -1);
	h[2] = dp_cleanup_add(DP_CLEANUP_CLOSE, NULL, fd);
	for (int i = 0; i < 3; i++)
		assert_true(h[i] >= 0);
	assert_true(h[0] != h[1] && h[1] != h[2]);
	dp_cleanup_run();
	assert_false(fd_open(fd));
	assert_false(exists(file));
	assert_false(exists(sub));
	/* Each action runs at most once. */
	assert_int_equal(mkdir(sub, 0700), 0);
	dp_cleanup_run();
	assert_true(exists(sub));
	rmdir(sub);
	/* Removing handles of actions that already ran is harmless. */
	for (int i = 0; i < 3; i++)
		dp_cleanup_remove(h[i]);
}

static void test_remove(void **state)
{
	int a, b, c;

	touch(at("a"));
	touch(at("b"));
	touch(at("c"));
	a = dp_cleanup_add(DP_CLEANUP_UNLINK, at("a"), -1);
	b = dp_cleanup_add(DP_CLEANUP_UNLINK, at("b"), -1);
	c = dp_cleanup_add(DP_CLEANUP_UNLINK, at("c"), -1);
	dp_cleanup_remove(b);          /* out of order: a hole */
	dp_cleanup_remove(c);          /* the top, then the hole below */
	dp_cleanup_remove(-1);         /* a failed add's result */
	dp_cleanup_remove(b);          /* twice */
	dp_cleanup_run();
	assert_false(exists(at("a")));
	assert_true(exists(at("b")));
	assert_true(exists(at("c")));
	dp_cleanup_remove(a);
	unlink(at("b"));
	unlink(at("c"));
}

/* The path is copied: the caller's buffer may change or go away. */
static void test_path_copied(void **state)
{
	char *path = strdup(at("copied"));

	touch(path);
	assert_true(dp_cleanup_add(DP_CLEANUP_UNLINK, path, -1) >= 0);
	memset(path, 'z', strlen(path));
	free(path);
	dp_cleanup_run();
	assert_false(exists(at("copied")));
}

static void test_bad_arguments(void **state)
{
	assert_int_equal(dp_cleanup_add(DP_CLEANUP_CLOSE, NULL, -1), -EINVAL);
	assert_int_equal(dp_cleanup_add(DP_CLEANUP_UNLINK, NULL, -1), -EINVAL);
	assert_int_equal(dp_cleanup_add(DP_CLEANUP_RMDIR, "", -1), -EINVAL);
	assert_int_equal(dp_cleanup_add(DP_CLEANUP_UMOUNT, NULL, 3), -EINVAL);
	assert_int_equal(dp_cleanup_add((enum dp_cleanup_kind)42, "/x", 3), -EINVAL);
}

/* Full is an error, never a silently dropped action; holes left by
 * out-of-order removals are reused. */
static void test_capacity(void **state)
{
	int h[DP_CLEANUP_MAX];

	touch(at("cap"));
	for (int i = 0; i < DP_CLEANUP_MAX; i++) {
		h[i] = dp_cleanup_add(DP_CLEANUP_UNLINK, at("cap"), -1);
		assert_true(h[i] >= 0);
	}
	assert_int_equal(dp_cleanup_add(DP_CLEANUP_UNLINK, at("cap"), -1), -ENOSPC);
	dp_cleanup_remove(h[0]);       /* a hole at the bottom */
	h[0] = dp_cleanup_add(DP_CLEANUP_UNLINK, at("cap"), -1);
	assert_true(h[0] >= 0);
	for (int i = 0; i < DP_CLEANUP_MAX; i++)
		dp_cleanup_remove(h[i]);
	dp_cleanup_run();
	assert_true(exists(at("cap")));
	unlink(at("cap"));
}

static void on_term(int sig)
{
	dp_cleanup_run();
	_exit(7);
}

/* What the signal handler of cmd/signals.c does, in a child. */
static void test_from_signal_handler(void **state)
{
	int status;
	pid_t pid;

	touch(at("handler"));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGTERM, on_term);
		if (dp_cleanup_add(DP_CLEANUP_UNLINK, at("handler"), -1) < 0)
			_exit(1);
		raise(SIGTERM);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 7);
	assert_false(exists(at("handler")));
}

/* dp_cleanup_block keeps the fatal signals away; unblock restores. */
static void test_block(void **state)
{
	sigset_t old, now;

	dp_cleanup_block(&old);
	assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &now), 0);
	assert_true(sigismember(&now, SIGINT));
	assert_true(sigismember(&now, SIGTERM));
	assert_true(sigismember(&now, SIGHUP));
	dp_cleanup_unblock(&old);
	assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &now), 0);
	assert_false(sigismember(&now, SIGINT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds_and_order),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_path_copied),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_from_signal_handler),
		cmocka_unit_test(test_block),
	};
	int ret;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return ret;
}
