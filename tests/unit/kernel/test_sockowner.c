/* test_sockowner — socket inodes to their processes (src/kernel/
 * sockowner.c).
 *
 * A fake /proc in a temporary directory: PID/comm files and PID/fd/N
 * symlinks whose targets are what the kernel's read as ("socket:[100]",
 * "pipe:[100]", "/dev/null"), made in an order readdir does not sort.  It
 * has processes that hold one socket twice, several processes sharing a
 * socket (more than are kept), one without an fd directory (exited), one
 * whose comm is gone (exited after its fds were read), one whose fd entry
 * is no directory, names that are no pids.  Then the real /proc: a socket
 * of this process shared with a child it forked.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dropprof/kernel/sockowner.h"
#include "testutil.h"

struct tree {
	char *dir;
	char proc[512];
};

static void make_dirs(const char *path)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			fail_msg("mkdir '%s': %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		fail_msg("mkdir '%s': %s", buf, strerror(errno));
}

static void comm(const struct tree *t, int pid, const char *name)
{
	char path[2048], dir[1024];

	snprintf(dir, sizeof(dir), "%s/%d", t->proc, pid);
	make_dirs(dir);
	snprintf(path, sizeof(path), "%s/comm", dir);
	dp_test_spill(path, name, strlen(name));
}

/* PID/fd/FD -> target. */
static void fd(const struct tree *t, int pid, int n, const char *target)
{
	char path[2048], dir[1024];

	snprintf(dir, sizeof(dir), "%s/%d/fd", t->proc, pid);
	make_dirs(dir);
	snprintf(path, sizeof(path), "%s/%d", dir, n);
	if (symlink(target, path))
		fail_msg("symlink '%s': %s", path, strerror(errno));
}

/* The machine of the fake tests:
 *   1 systemd     socket 100 (and /dev/null)
 *   2 kthreadd    no fds
 *   5 nginx       socket 100 twice (dup), socket 300
 *   7 odd         pipe:[100], socket:[1000], socket:[10], a long link
 *   9             no fd directory: exited
 *  11             fd is a file, not a directory: unreadable
 *  12             socket 200, but no comm: exited meanwhile
 *  20 "nginx: worker"  socket 100
 *  50..55 w       socket 400, six of them
 * 300 dnsd        socket 200
 * abc, 0, 007, self: no pids */
static struct tree *machine(void)
{
	struct tree *t = calloc(1, sizeof(*t));
	char path[1024];

	assert_non_null(t);
	t->dir = dp_test_tmpdir();
	snprintf(t->proc, sizeof(t->proc), "%s/proc", t->dir);
	make_dirs(t->proc);
	comm(t, 300, "dnsd\n");
	fd(t, 300, 1, "socket:[200]");
	comm(t, 20, "nginx: worker\n");
	fd(t, 20, 7, "socket:[100]");
	for (int pid = 55; pid >= 50; pid--) {
		comm(t, pid, "w\n");
		fd(t, pid, 3, "socket:[400]");
	}
	comm(t, 5, "nginx\n");
	fd(t, 5, 4, "socket:[100]");
	fd(t, 5, 5, "socket:[100]");
	fd(t, 5, 6, "socket:[300]");
	comm(t, 1, "systemd\n");
	fd(t, 1, 0, "/dev/null");
	fd(t, 1, 3, "socket:[100]");
	comm(t, 2, "kthreadd\n");
	snprintf(path, sizeof(path), "%s/2/fd", t->proc);
	make_dirs(path);
	comm(t, 7, "odd\n");
	fd(t, 7, 1, "pipe:[100]");
	fd(t, 7, 2, "socket:[1000]");
	fd(t, 7, 3, "socket:[10]");
	fd(t, 7, 4, "socket:[100]xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	comm(t, 9, "gone\n");
	comm(t, 11, "file\n");
	snprintf(path, sizeof(path), "%s/11/fd", t->proc);
	dp_test_spill(path, "", 0);
	fd(t, 12, 3, "socket:[200]");
	for (const char *const *n = (const char *const[]){ "abc", "0", "007", NULL }; *n; n++) {
		snprintf(path, sizeof(path), "%s/%s/fd", t->proc, *n);
		make_dirs(path);
		snprintf(path, sizeof(path), "%s/%s/fd/1", t->proc, *n);
		assert_int_equal(symlink("socket:[100]", path), 0);
	}
	snprintf(path, sizeof(path), "%s/self", t->proc);
	assert_int_equal(symlink("1", path), 0);
	return t;
}

static void tree_free(struct tree *t)
{
	dp_test_rmdir(t->dir);
	free(t);
}

static void assert_owner(const struct dp_sockowner *o, size_t i, int pid,
			 const char *name)
{
	assert_true(i < o->nr);
	assert_int_equal(o->v[i].pid, pid);
	assert_string_equal(o->v[i].comm, name);
}

static void test_all_owners(void **state)
{
	struct tree *t = machine();
	struct dp_sockowner v[5] = {
		{ .inode = 400 }, { .inode = 100 }, { .inode = 999 },
		{ .inode = 300 }, { .inode = 200 },
	};
	struct dp_sockowner_stats st;

	(void)state;
	assert_int_equal(dp_sockowner_find(t->proc, v, 5, DP_SOCKOWNER_MAX, &st), 0);
	/* 400: the four lowest of six, and there are more. */
	assert_int_equal(v[0].nr, 4);
	for (int i = 0; i < 4; i++)
		assert_owner(&v[0], i, 50 + i, "w");
	assert_true(v[0].more);
	/* 100: lowest pid first, once per process, whatever readdir gave;
	 * not 7's pipe:[100] nor the names that are no pids. */
	assert_int_equal(v[1].nr, 3);
	assert_owner(&v[1], 0, 1, "systemd");
	assert_owner(&v[1], 1, 5, "nginx");
	assert_owner(&v[1], 2, 20, "nginx: worker");
	assert_false(v[1].more);
	assert_int_equal(v[2].nr, 0);
	assert_int_equal(v[3].nr, 1);
	assert_owner(&v[3], 0, 5, "nginx");
	/* 200: 12 went away before its comm was read. */
	assert_int_equal(v[4].nr, 1);
	assert_owner(&v[4], 0, 300, "dnsd");
	/* Read: 1 2 5 7 20 50-55 300; gone: 9 12; not readable: 11. */
	assert_int_equal(st.processes, 12);
	assert_int_equal(st.vanished, 2);
	assert_int_equal(st.unreadable, 1);
	assert_int_equal(st.first_unreadable, 11);
	assert_false(st.complete);
	tree_free(t);
}

/* want=1: the scan ends at the first owner of the last socket, 5 here,
 * so 20 and the others are never read. */
static void test_stops_early(void **state)
{
	struct tree *t = machine();
	struct dp_sockowner v[2] = { { .inode = 300 }, { .inode = 100 } };
	struct dp_sockowner_stats st;

	(void)state;
	assert_int_equal(dp_sockowner_find(t->proc, v, 2, 1, &st), 0);
	assert_int_equal(v[0].nr, 1);
	assert_owner(&v[0], 0, 5, "nginx");
	assert_int_equal(v[1].nr, 2);
	assert_owner(&v[1], 0, 1, "systemd");
	assert_owner(&v[1], 1, 5, "nginx");
	assert_int_equal(st.processes, 3);      /* 1, 2, 5 */
	assert_int_equal(st.vanished, 0);
	assert_int_equal(st.unreadable, 0);
	assert_false(st.complete);

	/* want=2: 300 has no second owner, so every process is read and
	 * 100 gets all three of its own. */
	assert_int_equal(dp_sockowner_find(t->proc, v, 2, 2, &st), 0);
	assert_int_equal(v[0].nr, 1);
	assert_int_equal(v[1].nr, 3);
	/* 12 is read whole now: no socket asked for, so no comm needed. */
	assert_int_equal(st.processes, 13);
	assert_int_equal(st.vanished, 1);
	assert_false(st.complete);              /* 11 was not readable */
	tree_free(t);
}

static void test_bad_arguments(void **state)
{
	struct tree *t = machine();
	struct dp_sockowner v[2] = { { .inode = 100 }, { .inode = 100 } };
	struct dp_sockowner_stats st;

	(void)state;
	assert_int_equal(dp_sockowner_find(t->proc, v, 2, 1, &st), -EINVAL);
	v[1].inode = 0;
	assert_int_equal(dp_sockowner_find(t->proc, v, 2, 1, &st), -EINVAL);
	v[1].inode = 200;
	assert_int_equal(dp_sockowner_find(t->proc, v, 2, 0, &st), -EINVAL);
	assert_int_equal(dp_sockowner_find(t->proc, v, 2, DP_SOCKOWNER_MAX + 1, &st),
			 -EINVAL);
	assert_int_equal(dp_sockowner_find("/nonexistent/proc", v, 2, 1, &st), -ENOENT);
	assert_int_equal(dp_sockowner_find(t->proc, v, 0, 1, &st), 0);
	assert_true(st.complete);
	assert_int_equal(st.processes, 0);
	/* No stats wanted.  200's first owner that can be seen is 300, and
	 * 100 keeps the owners met on the way. */
	assert_int_equal(dp_sockowner_find(t->proc, v, 2, 1, NULL), 0);
	assert_int_equal(v[0].nr, 3);
	assert_int_equal(v[1].nr, 1);
	assert_owner(&v[1], 0, 300, "dnsd");
	tree_free(t);
}

/* This thread without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (root
 * reads anything otherwise); saved gets what it had. */
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

static void restore_caps(struct __user_cap_data_struct saved[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };

	assert_int_equal(syscall(SYS_capset, &h, saved), 0);
}

/* Another user's process, as a user that is not root sees it. */
static void test_permission_denied(void **state)
{
	struct __user_cap_data_struct saved[2];
	struct tree *t = machine();
	struct dp_sockowner v[1] = { { .inode = 300 } };
	struct dp_sockowner_stats st;
	bool dropped = false;
	char path[1024];
	int err;

	(void)state;
	snprintf(path, sizeof(path), "%s/5/fd", t->proc);
	assert_int_equal(chmod(path, 0), 0);
	if (geteuid() == 0 && !(dropped = drop_dac(saved))) {
		chmod(path, 0755);
		tree_free(t);
		print_message("skipped: root, and cannot drop CAP_DAC_OVERRIDE to see EACCES\n");
		skip();
	}
	err = dp_sockowner_find(t->proc, v, 1, 1, &st);
	if (dropped)
		restore_caps(saved);
	chmod(path, 0755);
	assert_int_equal(err, 0);
	assert_int_equal(v[0].nr, 0);
	assert_int_equal(st.unreadable, 2);     /* 5 and 11 */
	assert_int_equal(st.first_unreadable, 5);
	assert_false(st.complete);
	tree_free(t);
}

/* The real /proc: a socket this process holds and a forked child
 * inherited, found under both pids. */
static void test_real_proc(void **state)
{
	struct dp_sockowner v[1] = { { 0 } };
	struct dp_sockowner_stats st;
	int sock, go[2], err;
	char mycomm[16] = "";
	struct stat sb;
	pid_t child;
	FILE *f;

	(void)state;
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(sock >= 0);
	assert_int_equal(fstat(sock, &sb), 0);
	v[0].inode = sb.st_ino;
	assert_int_equal(pipe(go), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char c;

		close(go[1]);
		(void)!read(go[0], &c, 1);     /* until the parent is done */
		_exit(0);
	}
	close(go[0]);
	err = dp_sockowner_find("/proc", v, 1, 2, &st);
	/* Stop the child (by its pid) before any assertion can leave it. */
	close(go[1]);
	assert_int_equal(waitpid(child, NULL, 0), child);
	close(sock);
	f = fopen("/proc/self/comm", "r");
	assert_non_null(f);
	assert_non_null(fgets(mycomm, sizeof(mycomm), f));
	fclose(f);
	mycomm[strcspn(mycomm, "\n")] = '\0';

	assert_int_equal(err, 0);
	assert_int_equal(v[0].nr, 2);
	/* Lowest first: the child's pid is higher unless pids wrapped. */
	assert_owner(&v[0], 0, getpid() < child ? getpid() : child, mycomm);
	assert_owner(&v[0], 1, getpid() < child ? child : getpid(), mycomm);
	assert_true(st.processes >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_owners),
		cmocka_unit_test(test_stops_early),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_permission_denied),
		cmocka_unit_test(test_real_proc),
	};

	return cmocka_run_group_tests_name("sockowner", tests, NULL, NULL);
}
