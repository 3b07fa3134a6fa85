/* test_tracefs — finding tracefs in /proc/mounts-format files
 * (tests/fixtures/tp/mounts-*; run from the repository root), telling
 * "not mounted" from "cannot read the mounts file", and the advice lines.
 * Mounting itself is left to the integration tests: it changes the
 * machine.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "dropprof/kernel/tracefs.h"

#define FIXTURE(name) "tests/fixtures/tp/" name

static void assert_found(const char *mounts, const char *want)
{
	char path[PATH_MAX];

	memset(path, 'z', sizeof(path));
	if (dp_tracefs_find(mounts, path, sizeof(path)) != 0)
		fail_msg("%s: dp_tracefs_find failed", mounts);
	assert_string_equal(path, want);
}

static void test_find(void **state)
{
	char small[20];

	(void)state;
	assert_found(FIXTURE("mounts-tracefs"), "/sys/kernel/tracing");
	/* Several tracefs mounts: the standard one wins wherever it is. */
	assert_found(FIXTURE("mounts-tracefs-multi"), "/sys/kernel/tracing");
	/* tracefs automounted under debugfs is still tracefs. */
	assert_found(FIXTURE("mounts-tracefs-other"), "/sys/kernel/debug/tracing");
	assert_found(FIXTURE("mounts-debugfs"), "/sys/kernel/debug/tracing");
	assert_found(FIXTURE("mounts-escaped"), "/mnt/my trace\tdir");
	assert_found(FIXTURE("mounts-debugfs-escaped"), "/mnt/debug fs/tracing");
	assert_int_equal(dp_tracefs_find(FIXTURE("mounts-tracefs"), small, sizeof(small)), 0);
	assert_string_equal(small, "/sys/kernel/tracing");
	assert_int_equal(dp_tracefs_find(FIXTURE("mounts-tracefs"), small, 19), -ENAMETOOLONG);
	assert_int_equal(dp_tracefs_find(FIXTURE("mounts-debugfs"), small, 19), -ENAMETOOLONG);
}

/* Read fine, nothing mounted: -ENODEV, the one answer that may lead to a
 * mount. */
static void test_not_mounted(void **state)
{
	char path[PATH_MAX];

	(void)state;
	/* Lookalikes: a tmpfs named tracefs, an ext4 at /srv/debugfs. */
	assert_int_equal(dp_tracefs_find(FIXTURE("mounts-none"), path, sizeof(path)), -ENODEV);
	assert_int_equal(dp_tracefs_find(FIXTURE("empty.format"), path, sizeof(path)), -ENODEV);
}

/* A mounts file that cannot be read says nothing about tracefs: its own
 * errno, never the not-mounted answer (which used to be -ENOENT for both,
 * so an unreadable /proc/mounts led to "cannot mount tracefs"). */
static void test_unreadable_mounts(void **state)
{
	char path[PATH_MAX], dir[] = "/tmp/test_tracefs.XXXXXX", file[PATH_MAX];
	int status, fd;
	pid_t pid;

	(void)state;
	assert_int_equal(dp_tracefs_find(FIXTURE("no-such-mounts"), path, sizeof(path)), -ENOENT);
	/* A directory opens, then fails to read. */
	assert_int_equal(dp_tracefs_find(FIXTURE(""), path, sizeof(path)), -EISDIR);

	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/mounts", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "none /sys/kernel/tracing tracefs rw 0 0\n", 40), 40);
	close(fd);
	assert_int_equal(chmod(dir, 0755), 0);
	/* Root reads anything: ask as an unprivileged user (as root) or as
	 * ourselves. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int rc;

		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(2);
		rc = dp_tracefs_find(file, path, sizeof(path));
		_exit(rc == -EACCES ? 0 : rc == -ENODEV ? 3 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(file);
	rmdir(dir);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_hints(void **state)
{
	const char *r = dp_tracefs_access_hint(-EACCES);
	const char *w = dp_tracefs_write_hint(-EACCES);
	const char *m = dp_tracefs_mount_hint(-EPERM);

	(void)state;
	/* What was measured to work, in the error line itself. */
	assert_non_null(strstr(r, "CAP_DAC_READ_SEARCH"));
	assert_non_null(strstr(r, "CAP_DAC_OVERRIDE"));
	assert_non_null(strstr(r, "CAP_PERFMON"));
	assert_non_null(strstr(r, "root"));
	/* CAP_DAC_READ_SEARCH reads but cannot create an instance. */
	assert_non_null(strstr(w, "CAP_DAC_OVERRIDE"));
	assert_non_null(strstr(w, "only reads"));
	assert_string_equal(dp_tracefs_access_hint(-ENOENT), "");
	assert_string_equal(dp_tracefs_write_hint(-ENOENT), "");
	assert_non_null(strstr(m, "CAP_SYS_ADMIN"));
	assert_non_null(strstr(m, "mount -t tracefs"));
	assert_non_null(strstr(dp_tracefs_mount_hint(-ENODEV), "CONFIG_TRACING"));
	assert_true(strlen(dp_tracefs_mount_hint(-EBUSY)) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_not_mounted),
		cmocka_unit_test(test_unreadable_mounts),
		cmocka_unit_test(test_hints),
	};

	return cmocka_run_group_tests_name("tracefs", tests, NULL, NULL);
}
