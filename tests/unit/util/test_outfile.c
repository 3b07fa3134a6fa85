/* Unit tests for output files: atomic replacement of regular files,
 * writing through device nodes, FIFOs and /proc/self/fd links, symlinks,
 * same-as-input detection, the temporary file on abort and on a fatal
 * signal (the cleanup registry), modes, and the real errno of write
 * errors. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "dropprof/util/cleanup.h"
#include "dropprof/util/outfile.h"

static char dir[] = "/tmp/dp-outfile.XXXXXX";

/* The null and full devices.  As root, nodes of the test's own (the same
 * devices, 1:3 and 1:7): a regression must not replace /dev/null itself. */
static char devdir[] = "/tmp/dp-outfile-dev.XXXXXX";
static char dev_null[64] = "/dev/null", dev_full[64] = "/dev/full";

static int make_devices(void)
{
	if (geteuid() != 0)
		return 0;
	if (!mkdtemp(devdir))
		return -1;
	snprintf(dev_null, sizeof(dev_null), "%s/null", devdir);
	snprintf(dev_full, sizeof(dev_full), "%s/full", devdir);
	if (mknod(dev_null, S_IFCHR | 0666, makedev(1, 3)) < 0 ||
	    mknod(dev_full, S_IFCHR | 0666, makedev(1, 7)) < 0)
		return -1;
	return 0;
}

static void remove_devices(void)
{
	if (geteuid() != 0)
		return;
	unlink(dev_null);
	unlink(dev_full);
	rmdir(devdir);
}

static char *at(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *get(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Entries of d whose name contains ".tmp." */
static int count_tmp(const char *d)
{
	DIR *dh = opendir(d);
	struct dirent *e;
	int n = 0;

	assert_non_null(dh);
	while ((e = readdir(dh)))
		if (strstr(e->d_name, ".tmp."))
			n++;
	closedir(dh);
	return n;
}

static int setup(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf %s/*", dir);
	if (system(cmd) != 0)
		return -1;
	umask(022);
	return 0;
}

static void test_new_file_atomic(void **state)
{
	struct dp_outfile o;
	struct stat st;

	assert_int_equal(dp_outfile_open(&o, at("new.txt")), 0);
	assert_non_null(o.tmp);
	assert_int_equal(count_tmp(dir), 1);
	fputs("hello\n", o.f);
	fflush(o.f);
	/* Nothing under the final name before the commit. */
	assert_int_equal(stat(at("new.txt"), &st), -1);
	assert_int_equal(dp_outfile_close(&o, 1), 0);
	assert_string_equal(get(at("new.txt")), "hello\n");
	assert_int_equal(count_tmp(dir), 0);
	assert_int_equal(stat(at("new.txt"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);    /* 0666 & ~022 */
}

static void test_existing_regular_replaced(void **state)
{
	struct dp_outfile o;
	struct stat before, after;

	put(at("old.txt"), "old contents\n");
	assert_int_equal(stat(at("old.txt"), &before), 0);
	assert_int_equal(dp_outfile_open(&o, at("old.txt")), 0);
	fputs("new\n", o.f);
	fflush(o.f);
	/* Until the rename the old file is whole. */
	assert_string_equal(get(at("old.txt")), "old contents\n");
	assert_int_equal(dp_outfile_close(&o, 1), 0);
	assert_string_equal(get(at("old.txt")), "new\n");
	assert_int_equal(stat(at("old.txt"), &after), 0);
	assert_true(before.st_ino != after.st_ino);     /* renamed over */
	assert_int_equal(count_tmp(dir), 0);
}

static void test_abort_removes_tmp(void **state)
{
	struct dp_outfile o;

	put(at("keep.txt"), "keep\n");
	assert_int_equal(dp_outfile_open(&o, at("keep.txt")), 0);
	fputs("half a report", o.f);
	assert_int_equal(count_tmp(dir), 1);
	assert_int_equal(dp_outfile_close(&o, 0), 0);
	assert_int_equal(count_tmp(dir), 0);
	assert_string_equal(get(at("keep.txt")), "keep\n");

	assert_int_equal(dp_outfile_open(&o, at("never.txt")), 0);
	assert_int_equal(dp_outfile_close(&o, 0), 0);
	assert_null(get(at("never.txt")));
	assert_int_equal(count_tmp(dir), 0);
}

/* What a second Ctrl-C does: the registry removes the temporary. */
static void test_cleanup_run_removes_tmp(void **state)
{
	struct dp_outfile o;

	assert_int_equal(dp_outfile_open(&o, at("sig.txt")), 0);
	fputs("data", o.f);
	assert_int_equal(count_tmp(dir), 1);
	dp_cleanup_run();
	assert_int_equal(count_tmp(dir), 0);
	assert_int_equal(dp_outfile_close(&o, 0), 0);
	assert_null(get(at("sig.txt")));
}

/* After a commit the temporary is no longer registered: a later fatal
 * signal must not remove anything. */
static void test_commit_unregisters(void **state)
{
	struct dp_outfile o;
	char tmp[600];

	assert_int_equal(dp_outfile_open(&o, at("c.txt")), 0);
	snprintf(tmp, sizeof(tmp), "%s", o.tmp);
	fputs("x", o.f);
	assert_int_equal(dp_outfile_close(&o, 1), 0);
	put(tmp, "someone else's file");   /* the name, reused */
	dp_cleanup_run();
	assert_string_equal(get(tmp), "someone else's file");
	assert_string_equal(get(at("c.txt")), "x");
}

static void test_mode(void **state)
{
	struct dp_outfile o;
	struct stat st;

	assert_int_equal(dp_outfile_open_mode(&o, at("p.dprof"), 0600), 0);
	assert_int_equal(dp_outfile_close(&o, 1), 0);
	assert_int_equal(stat(at("p.dprof"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	umask(077);
	assert_int_equal(dp_outfile_open(&o, at("u.txt")), 0);
	assert_int_equal(dp_outfile_close(&o, 1), 0);
	assert_int_equal(stat(at("u.txt"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	umask(022);
}

static void test_dev_null_written_through(void **state)
{
	struct dp_outfile o;
	struct stat before, after;

	assert_int_equal(stat(dev_null, &before), 0);
	assert_int_equal(dp_outfile_open(&o, dev_null), 0);
	assert_null(o.tmp);
	fputs("discarded\n", o.f);
	assert_int_equal(dp_outfile_close(&o, 1), 0);
	assert_int_equal(stat(dev_null, &after), 0);
	assert_true(S_ISCHR(after.st_mode));
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(before.st_rdev, after.st_rdev);
}

static void test_dev_full_enospc(void **state)
{
	struct dp_outfile o;
	struct stat st;

	assert_int_equal(dp_outfile_open(&o, dev_full), 0);
	fputs("no room\n", o.f);
	assert_int_equal(dp_outfile_close(&o, 1), -ENOSPC);
	assert_int_equal(stat(dev_full, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
}

static void test_fifo_written_through(void **state)
{
	struct dp_outfile o;
	struct stat st;
	char buf[64] = "";
	int rd;

	assert_int_equal(mkfifo(at("fifo"), 0600), 0);
	rd = open(at("fifo"), O_RDONLY | O_NONBLOCK);
	assert_true(rd >= 0);
	assert_int_equal(dp_outfile_open(&o, at("fifo")), 0);
	fputs("through", o.f);
	assert_int_equal(dp_outfile_close(&o, 1), 0);
	assert_int_equal(read(rd, buf, sizeof(buf) - 1), 7);
	assert_string_equal(buf, "through");
	close(rd);
	assert_int_equal(lstat(at("fifo"), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(count_tmp(dir), 0);
}

/* /proc/self/fd/N of a pipe (what /dev/stdout is when stdout is one). */
static void test_proc_fd_pipe(void **state)
{
	struct dp_outfile o;
	char path[64], buf[64] = "";
	int p[2];

	assert_int_equal(pipe(p), 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
	assert_int_equal(dp_outfile_open(&o, path), 0);
	assert_null(o.tmp);
	fputs("piped", o.f);
	assert_int_equal(dp_outfile_close(&o, 1), 0);
	close(p[1]);
	assert_int_equal(read(p[0], buf, sizeof(buf) - 1), 5);
	assert_string_equal(buf, "piped");
	close(p[0]);
}

/* /proc/self/fd/N of a deleted file: its link text names no file, so the
 * file is written through the link and cut to what was written. */
static void test_proc_fd_deleted_file(void **state)
{
	struct dp_outfile o;
	char path[64], buf[64] = "";
	int fd;

	put(at("gone.txt"), "a long old content\n");
	fd = open(at("gone.txt"), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(unlink(at("gone.txt")), 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	assert_int_equal(dp_outfile_open(&o, path), 0);
	assert_null(o.tmp);
	fputs("short\n", o.f);
	assert_int_equal(dp_outfile_close(&o, 1), 0);
	assert_int_equal(pread(fd, buf, sizeof(buf) - 1, 0), 6);
	assert_string_equal(buf, "short\n");
	close(fd);
	assert_int_equal(count_tmp(dir), 0);
}

/* A symlink to a regular file: the target is replaced atomically in its
 * own directory; the link stays a link. */
static void test_symlink_to_regular(void **state)
{
	struct dp_outfile o;
	struct stat st;
	char sub[600], target[700];

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(target, sizeof(target), "%s/target.txt", sub);
	put(target, "old\n");
	assert_int_equal(symlink("sub/target.txt", at("link.txt")), 0);
	assert_int_equal(dp_outfile_open(&o, at("link.txt")), 0);
	assert_non_null(o.tmp);
	assert_int_equal(count_tmp(sub), 1);      /* next to the target */
	assert_int_equal(count_tmp(dir), 0);
	fputs("new\n", o.f);
	assert_int_equal(dp_outfile_close(&o, 1), 0);
	assert_int_equal(lstat(at("link.txt"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_string_equal(get(target), "new\n");
	assert_int_equal(count_tmp(sub), 0);
}

/* A chain of links, one absolute, one relative to its own directory. */
static void test_symlink_chain(void **state)
{
	struct dp_outfile o;
	char abs[700];

	put(at("final.txt"), "0\n");
	assert_int_equal(symlink("final.txt", at("l2")), 0);
	snprintf(abs, sizeof(abs), "%s/l2", dir);
	assert_int_equal(symlink(abs, at("l1")), 0);
	assert_int_equal(dp_outfile_open(&o, at("l1")), 0);
	fputs("1\n", o.f);
	assert_int_equal(dp_outfile_close(&o, 1), 0);
	assert_string_equal(get(at("final.txt")), "1\n");
}

static void test_dangling_symlink_creates_target(void **state)
{
	struct dp_outfile o;
	struct stat st;

	assert_int_equal(symlink("made.txt", at("dangling")), 0);
	assert_int_equal(dp_outfile_open(&o, at("dangling")), 0);
	fputs("made\n", o.f);
	assert_int_equal(dp_outfile_close(&o, 1), 0);
	assert_int_equal(lstat(at("dangling"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_string_equal(get(at("made.txt")), "made\n");
}

static void test_symlink_loop(void **state)
{
	struct dp_outfile o;

	assert_int_equal(symlink("loop2", at("loop1")), 0);
	assert_int_equal(symlink("loop1", at("loop2")), 0);
	assert_int_equal(dp_outfile_open(&o, at("loop1")), -ELOOP);
	assert_null(o.f);
}

static void test_errors(void **state)
{
	struct dp_outfile o;

	assert_int_equal(dp_outfile_open(&o, "/nonexistent-dp-dir/x"), -ENOENT);
	assert_null(o.f);
	assert_int_equal(dp_outfile_open(&o, dir), -EISDIR);
	assert_int_equal(dp_outfile_open(&o, ""), -ENOENT);
	put(at("file"), "x");
	assert_int_equal(dp_outfile_open(&o, at("file/x")), -ENOTDIR);
	assert_int_equal(count_tmp(dir), 0);
	/* Closing what failed to open is harmless. */
	assert_int_equal(dp_outfile_close(&o, 1), 0);
}

/* fd 1 replaced by target for the duration of fn's writes. */
static int write_stdout_to(int target, const char *text)
{
	struct dp_outfile o;
	int saved = dup(STDOUT_FILENO), ret;

	fflush(stdout);
	assert_true(saved >= 0);
	assert_int_equal(dup2(target, STDOUT_FILENO), STDOUT_FILENO);
	ret = dp_outfile_open(&o, "-");
	if (!ret) {
		assert_string_equal(dp_outfile_name(&o), "stdout");
		fputs(text, o.f);
		ret = dp_outfile_close(&o, 1);
	}
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return ret;
}

static void test_stdout_errors_keep_errno(void **state)
{
	int full = open(dev_full, O_WRONLY), p[2];

	assert_true(full >= 0);
	assert_int_equal(write_stdout_to(full, "x\n"), -ENOSPC);
	close(full);

	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	assert_int_equal(write_stdout_to(p[1], "to nobody\n"), -EPIPE);
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write_stdout_to(p[1], "ok\n"), 0);
	close(p[1]);
	close(p[0]);
}

/* A write error in the middle of a big report still gives its errno,
 * whatever stdio did with the rest. */
static void test_big_write_error(void **state)
{
	struct dp_outfile o;

	assert_int_equal(dp_outfile_open(&o, dev_full), 0);
	for (int i = 0; i < 10000; i++)
		fputs("a line of a long report\n", o.f);
	assert_true(ferror(o.f));
	assert_int_equal(dp_outfile_close(&o, 0), -ENOSPC);
}

static void test_same(void **state)
{
	char rel[700];

	put(at("in.dprof"), "profile");
	put(at("other.dprof"), "profile");
	assert_int_equal(symlink("in.dprof", at("ln.dprof")), 0);
	assert_int_equal(link(at("in.dprof"), at("hard.dprof")), 0);
	snprintf(rel, sizeof(rel), "%s/./sub/../in.dprof", dir);
	assert_int_equal(mkdir(at("sub"), 0700), 0);

	assert_int_equal(dp_outfile_same(at("in.dprof"), at("in.dprof")), 1);
	assert_int_equal(dp_outfile_same(rel, at("in.dprof")), 1);
	assert_int_equal(dp_outfile_same(at("ln.dprof"), at("in.dprof")), 1);
	assert_int_equal(dp_outfile_same(at("in.dprof"), at("ln.dprof")), 1);
	assert_int_equal(dp_outfile_same(at("hard.dprof"), at("in.dprof")), 1);
	assert_int_equal(dp_outfile_same(at("other.dprof"), at("in.dprof")), 0);
	assert_int_equal(dp_outfile_same(at("missing"), at("in.dprof")), 0);
	assert_int_equal(dp_outfile_same("-", at("in.dprof")), 0);
	assert_int_equal(dp_outfile_same(NULL, at("in.dprof")), 0);
	assert_int_equal(dp_outfile_same(at("in.dprof"), at("missing")), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_new_file_atomic, setup),
		cmocka_unit_test_setup(test_existing_regular_replaced, setup),
		cmocka_unit_test_setup(test_abort_removes_tmp, setup),
		cmocka_unit_test_setup(test_cleanup_run_removes_tmp, setup),
		cmocka_unit_test_setup(test_commit_unregisters, setup),
		cmocka_unit_test_setup(test_mode, setup),
		cmocka_unit_test_setup(test_dev_null_written_through, setup),
		cmocka_unit_test_setup(test_dev_full_enospc, setup),
		cmocka_unit_test_setup(test_fifo_written_through, setup),
		cmocka_unit_test_setup(test_proc_fd_pipe, setup),
		cmocka_unit_test_setup(test_proc_fd_deleted_file, setup),
		cmocka_unit_test_setup(test_symlink_to_regular, setup),
		cmocka_unit_test_setup(test_symlink_chain, setup),
		cmocka_unit_test_setup(test_dangling_symlink_creates_target, setup),
		cmocka_unit_test_setup(test_symlink_loop, setup),
		cmocka_unit_test_setup(test_errors, setup),
		cmocka_unit_test_setup(test_stdout_errors_keep_errno, setup),
		cmocka_unit_test_setup(test_big_write_error, setup),
		cmocka_unit_test_setup(test_same, setup),
	};
	int ret;

	if (!mkdtemp(dir) || make_devices() < 0) {
		perror("test directories");
		remove_devices();
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	remove_devices();
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			ret = 1;
	}
	return ret;
}
