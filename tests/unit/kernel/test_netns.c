/* test_netns — unit tests for finding and entering the machine's network
 * namespaces (src/kernel/netns.c).
 *
 * Discovery only stat()s files, so it runs against a fake tree made in a
 * temporary directory: proc/PID/{comm,status,ns/net}, proc/thread-self/
 * ns/net and run/netns/NAME.  Regular files stand in for nsfs files:
 * each has its own (device, inode), and a hard link has the same one,
 * which is what two processes in one namespace look like.  Entering
 * such a "namespace" must fail cleanly (setns refuses a regular file).
 * The real /proc and /run/netns are looked at once, and one test makes a
 * namespace of its own (a child in unshare(CLONE_NEWNET), stopped by its
 * pid) to enter it for real; it skips without CAP_SYS_ADMIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dropprof/kernel/netns.h"
#include "testutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a fake tree ------------------------------------------------------ */

struct tree {
	char *dir;
	char proc[512], run[512];
};

static void path_of(const struct tree *t, const char *rel, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", t->dir, rel);
}

/* mkdir -p of rel's directory part. */
static void make_parents(const struct tree *t, const char *rel)
{
	char path[1024];

	path_of(t, rel, path, sizeof(path));
	for (char *p = path + strlen(t->dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			fail_msg("mkdir '%s': %s", path, strerror(errno));
		*p = '/';
	}
}

static void put(const struct tree *t, const char *rel, const char *text)
{
	char path[1024];

	make_parents(t, rel);
	path_of(t, rel, path, sizeof(path));
	dp_test_spill(path, text, strlen(text));
}

/* rel as another name of the file at target: the same namespace. */
static void same_as(const struct tree *t, const char *rel, const char *target)
{
	char a[1024], b[1024];

	make_parents(t, rel);
	path_of(t, target, a, sizeof(a));
	path_of(t, rel, b, sizeof(b));
	if (link(a, b))
		fail_msg("link '%s' '%s': %s", a, b, strerror(errno));
}

/* A process: proc/PID/comm and proc/PID/ns/net (a new namespace, or the
 * one of the file 'like' when not NULL). */
static void process(const struct tree *t, const char *pid, const char *comm,
		    const char *like)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "proc/%s/comm", pid);
	put(t, rel, comm);
	snprintf(rel, sizeof(rel), "proc/%s/ns/net", pid);
	if (like)
		same_as(t, rel, like);
	else
		put(t, rel, "");
}

static void kthreadd(const struct tree *t, const char *comm, const char *ppid)
{
	char status[128];

	snprintf(status, sizeof(status), "Name:\t%s\nUmask:\t0000\nState:\tS (sleeping)\nTgid:\t2\nPid:\t2\nPPid:\t%s\nTracerPid:\t0\n",
		 comm, ppid);
	put(t, "proc/2/status", status);
	process(t, "2", comm, NULL);
}

static struct tree *tree_new(void)
{
	struct tree *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->dir = dp_test_tmpdir();
	path_of(t, "proc", t->proc, sizeof(t->proc));
	path_of(t, "run/netns", t->run, sizeof(t->run));
	assert_int_equal(mkdir(t->proc, 0755), 0);
	return t;
}

static void tree_free(struct tree *t)
{
	dp_test_rmdir(t->dir);
	free(t);
}

static void identity(const struct tree *t, const char *rel, uint64_t *dev, uint64_t *ino)
{
	char path[1024];
	struct stat st;

	path_of(t, rel, path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	*dev = st.st_dev;
	*ino = st.st_ino;
}

/* The namespace of the file rel, which must be in the set. */
static const struct dp_netns *ns_of(const struct dp_netns_set *set,
				    const struct tree *t, const char *rel)
{
	const struct dp_netns *ns;
	uint64_t dev, ino;

	identity(t, rel, &dev, &ino);
	ns = dp_netns_find(set, dev, ino);
	if (!ns)
		fail_msg("no namespace for '%s'", rel);
	return ns;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcmp(s + a - b, tail);
}

static size_t count_own(const struct dp_netns_set *set)
{
	size_t n = 0;

	for (size_t i = 0; i < set->nr; i++)
		n += set->v[i].own;
	return n;
}

/* The machine a test case describes:
 *   2 kthreadd, 1 systemd         the initial namespace ("root")
 *   run/netns/dl-x-b              named, no process in it
 *   run/netns/alpha, 300 ip-user  named, a process in it too
 *   200 nginx, 150 worker         one process namespace (lowest: 150),
 *                                 dropprof's own (thread-self)
 *   42 dnsmasq                    another
 *   12a, self                     not pids (12a has a namespace file)
 *   400                           no ns/net (went away) */
static struct tree *machine(void)
{
	struct tree *t = tree_new();

	kthreadd(t, "kthreadd\n", "0");
	process(t, "1", "systemd\n", "proc/2/ns/net");
	put(t, "run/netns/dl-x-b", "");
	put(t, "run/netns/alpha", "");
	process(t, "300", "ip-user\n", "run/netns/alpha");
	process(t, "200", "nginx\n", NULL);
	process(t, "150", "worker\n", "proc/200/ns/net");
	process(t, "42", "dnsmasq\n", NULL);
	process(t, "12a", "not-a-pid\n", NULL);
	same_as(t, "proc/self/ns/net", "proc/200/ns/net");
	same_as(t, "proc/thread-self/ns/net", "proc/200/ns/net");
	put(t, "proc/400/comm", "gone\n");
	return t;
}

/* ---- discovery -------------------------------------------------------- */

static void test_discover_machine(void **state)
{
	struct tree *t = machine();
	struct dp_netns_set set = { 0 };
	const struct dp_netns *ns;
	char name[64];
	uint64_t dev, ino;

	(void)state;
	assert_int_equal(dp_netns_discover(&set, t->proc, t->run), 0);
	/* root, alpha, dl-x-b, then the two process namespaces; nothing of
	 * 12a (not a pid) or 400 (no namespace file). */
	assert_int_equal(set.nr, 5);
	assert_int_equal(set.named, 2);
	assert_int_equal(set.hidden, 0);
	assert_int_equal(set.first_hidden, 0);

	/* The initial namespace: kthreadd's, named "root"; entered by
	 * kthreadd's file, its lowest pid is PID 1. */
	ns = &set.v[0];
	assert_int_equal(ns->kind, DP_NETNS_ROOT);
	assert_string_equal(ns->name, "root");
	assert_ptr_equal(ns, ns_of(&set, t, "proc/2/ns/net"));
	assert_true(ends_with(ns->path, "/proc/2/ns/net"));
	assert_int_equal(ns->pid, 1);
	assert_string_equal(ns->comm, "systemd");
	assert_false(ns->own);

	/* Named ones by name.  A process in one does not make it a process
	 * namespace: it keeps its name and path, and learns the pid. */
	ns = &set.v[1];
	assert_int_equal(ns->kind, DP_NETNS_NAMED);
	assert_string_equal(ns->name, "alpha");
	assert_ptr_equal(ns, ns_of(&set, t, "run/netns/alpha"));
	assert_true(ends_with(ns->path, "/run/netns/alpha"));
	assert_int_equal(ns->pid, 300);
	assert_string_equal(ns->comm, "ip-user");
	ns = &set.v[2];
	assert_int_equal(ns->kind, DP_NETNS_NAMED);
	assert_string_equal(ns->name, "dl-x-b");
	assert_true(ends_with(ns->path, "/run/netns/dl-x-b"));
	assert_int_equal(ns->pid, 0);
	assert_string_equal(ns->comm, "");

	/* Process namespaces by inode, "netns:[INODE]", the lowest pid and
	 * its comm, entered through that pid; whatever order readdir gave. */
	assert_int_equal(set.v[3].kind, DP_NETNS_PROCESS);
	assert_int_equal(set.v[4].kind, DP_NETNS_PROCESS);
	assert_true(set.v[3].ino < set.v[4].ino);
	ns = ns_of(&set, t, "proc/200/ns/net");
	identity(t, "proc/200/ns/net", &dev, &ino);
	snprintf(name, sizeof(name), "netns:[%llu]", (unsigned long long)ino);
	assert_string_equal(ns->name, name);
	assert_int_equal(ns->pid, 150);
	assert_string_equal(ns->comm, "worker");
	assert_true(ends_with(ns->path, "/proc/150/ns/net"));
	/* ... and it is dropprof's: thread-self leads to it. */
	assert_true(ns->own);
	assert_int_equal(count_own(&set), 1);
	ns = ns_of(&set, t, "proc/42/ns/net");
	assert_int_equal(ns->pid, 42);
	assert_string_equal(ns->comm, "dnsmasq");
	assert_false(ns->own);

	/* 12a's file is no namespace of the set. */
	identity(t, "proc/12a/ns/net", &dev, &ino);
	assert_null(dp_netns_find(&set, dev, ino));
	assert_null(dp_netns_find(&set, 0, 0));

	dp_netns_set_release(&set);
	assert_int_equal(set.nr, 0);
	assert_null(set.v);
	dp_netns_set_release(&set);     /* a zeroed set: nothing to do */
	tree_free(t);
}

static void test_root_fallback(void **state)
{
	static const struct {
		const char *comm, *ppid;
	} not_kthreadd[] = {
		{ "kthreadd\n", "1" },      /* pid 2 of a container's pid namespace */
		{ "sh\n", "0" },
	};
	struct dp_netns_set set = { 0 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(not_kthreadd); i++) {
		struct tree *t = tree_new();

		/* Pid 2 is not kthreadd: PID 1's namespace is the root. */
		kthreadd(t, not_kthreadd[i].comm, not_kthreadd[i].ppid);
		process(t, "1", "init\n", NULL);
		same_as(t, "proc/thread-self/ns/net", "proc/1/ns/net");
		assert_int_equal(dp_netns_discover(&set, t->proc, t->run), 0);
		assert_int_equal(set.nr, 2);
		assert_int_equal(set.v[0].kind, DP_NETNS_ROOT);
		assert_ptr_equal(&set.v[0], ns_of(&set, t, "proc/1/ns/net"));
		assert_true(ends_with(set.v[0].path, "/proc/1/ns/net"));
		assert_true(set.v[0].own);
		assert_int_equal(set.v[1].kind, DP_NETNS_PROCESS);
		assert_int_equal(set.v[1].pid, 2);
		dp_netns_set_release(&set);
		tree_free(t);
	}

	/* kthreadd without a namespace file to look at: PID 1's. */
	{
		struct tree *t = tree_new();

		put(t, "proc/2/comm", "kthreadd\n");
		put(t, "proc/2/status", "Name:\tkthreadd\nPPid:\t0\n");
		process(t, "1", "init\n", NULL);
		same_as(t, "proc/thread-self/ns/net", "proc/1/ns/net");
		assert_int_equal(dp_netns_discover(&set, t->proc, t->run), 0);
		assert_int_equal(set.nr, 1);
		assert_int_equal(set.v[0].kind, DP_NETNS_ROOT);
		assert_true(ends_with(set.v[0].path, "/proc/1/ns/net"));
		dp_netns_set_release(&set);
		tree_free(t);
	}

	/* Neither to be seen (not root, in a container): no root at all,
	 * never a wrong one. */
	{
		struct tree *t = tree_new();

		process(t, "77", "app\n", NULL);
		same_as(t, "proc/thread-self/ns/net", "proc/77/ns/net");
		assert_int_equal(dp_netns_discover(&set, t->proc, t->run), 0);
		assert_int_equal(set.nr, 1);
		assert_int_equal(set.v[0].kind, DP_NETNS_PROCESS);
		assert_true(set.v[0].own);
		dp_netns_set_release(&set);
		tree_free(t);
	}
}

static void test_own(void **state)
{
	struct dp_netns_set set = { 0 };
	struct tree *t;
	char name[64];
	uint64_t dev, ino;

	(void)state;
	/* Dropprof's namespace has no process to be seen in (a thread of a
	 * process whose leader is elsewhere): added, entered by
	 * thread-self. */
	t = tree_new();
	kthreadd(t, "kthreadd\n", "0");
	put(t, "proc/thread-self/ns/net", "");
	assert_int_equal(dp_netns_discover(&set, t->proc, t->run), 0);
	assert_int_equal(set.nr, 2);
	assert_false(set.v[0].own);
	identity(t, "proc/thread-self/ns/net", &dev, &ino);
	assert_ptr_equal(dp_netns_find(&set, dev, ino), &set.v[1]);
	snprintf(name, sizeof(name), "netns:[%llu]", (unsigned long long)ino);
	assert_string_equal(set.v[1].name, name);
	assert_int_equal(set.v[1].kind, DP_NETNS_PROCESS);
	assert_true(set.v[1].own);
	assert_int_equal(set.v[1].pid, 0);
	assert_true(ends_with(set.v[1].path, "/proc/thread-self/ns/net"));
	dp_netns_set_release(&set);
	tree_free(t);

	/* No thread-self (kernels before 3.17): self. */
	t = tree_new();
	kthreadd(t, "kthreadd\n", "0");
	put(t, "run/netns/blue", "");
	same_as(t, "proc/self/ns/net", "run/netns/blue");
	assert_int_equal(dp_netns_discover(&set, t->proc, t->run), 0);
	assert_int_equal(set.nr, 2);
	assert_string_equal(set.v[1].name, "blue");
	assert_true(set.v[1].own);
	assert_int_equal(count_own(&set), 1);
	dp_netns_set_release(&set);

	/* Neither: proc is not mounted.  An error, and nothing to release. */
	assert_int_equal(dp_netns_discover(&set, t->run, t->run), -ENOENT);
	assert_int_equal(set.nr, 0);
	assert_null(set.v);
	tree_free(t);
}

static void test_named(void **state)
{
	struct tree *t = tree_new();
	struct dp_netns_set set = { 0 };
	char path[1024];

	(void)state;
	kthreadd(t, "kthreadd\n", "0");
	same_as(t, "proc/thread-self/ns/net", "proc/2/ns/net");
	put(t, "run/netns/zeta", "");
	put(t, "run/netns/b", "");
	put(t, "run/netns/a-1", "");
	/* One namespace under two names: once, by the first name in order
	 * (the same every time, whatever readdir gives). */
	same_as(t, "run/netns/beta", "run/netns/zeta");
	same_as(t, "run/netns/omega", "run/netns/zeta");
	/* A name for the root namespace: it stays "root". */
	same_as(t, "run/netns/init", "proc/2/ns/net");
	/* Not namespace files: a directory (nsfs files are regular files),
	 * a name that leads nowhere. */
	put(t, "run/netns/sub/x", "");
	path_of(t, "run/netns/dangling", path, sizeof(path));
	assert_int_equal(symlink("/nonexistent/dropprof-test", path), 0);
	assert_int_equal(dp_netns_discover(&set, t->proc, t->run), 0);
	/* root (also named "init": it stays the root), a-1, b, beta. */
	assert_int_equal(set.nr, 4);
	assert_int_equal(set.named, 3);
	assert_string_equal(set.v[0].name, "root");
	assert_true(set.v[0].own);
	assert_string_equal(set.v[1].name, "a-1");
	assert_string_equal(set.v[2].name, "b");
	assert_string_equal(set.v[3].name, "beta");
	assert_true(ends_with(set.v[3].path, "/run/netns/beta"));
	assert_ptr_equal(&set.v[3], ns_of(&set, t, "run/netns/zeta"));
	dp_netns_set_release(&set);

	/* No run/netns at all: nothing is named. */
	assert_int_equal(dp_netns_discover(&set, t->proc, "/nonexistent/run/netns"), 0);
	assert_int_equal(set.nr, 1);
	assert_int_equal(set.named, 0);
	dp_netns_set_release(&set);
	tree_free(t);
}

/* A file under run/netns on another filesystem than the namespaces (what
 * `ip netns delete` leaves when the unmount failed, or an `ip netns add`
 * that failed half-way): not a namespace. */
static void test_named_leftover(void **state)
{
	struct tree *t = tree_new();
	struct dp_netns_set set = { 0 };
	struct stat a, b;
	char path[1024];

	(void)state;
	kthreadd(t, "kthreadd\n", "0");
	same_as(t, "proc/thread-self/ns/net", "proc/2/ns/net");
	put(t, "run/netns/real", "");
	/* Another device than the tree's: /dev/null, or /proc's files. */
	path_of(t, "run/netns/real", path, sizeof(path));
	assert_int_equal(stat(path, &a), 0);
	assert_int_equal(stat("/dev/null", &b), 0);
	path_of(t, "run/netns/leftover", path, sizeof(path));
	if (a.st_dev != b.st_dev) {
		assert_int_equal(symlink("/dev/null", path), 0);
	} else {
		assert_int_equal(stat("/proc/self/stat", &b), 0);
		assert_int_not_equal(a.st_dev, b.st_dev);
		assert_int_equal(symlink("/proc/self/stat", path), 0);
	}
	assert_int_equal(dp_netns_discover(&set, t->proc, t->run), 0);
	assert_int_equal(set.nr, 2);
	assert_int_equal(set.named, 1);
	assert_string_equal(set.v[1].name, "real");
	dp_netns_set_release(&set);
	tree_free(t);
}

/* This thread without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (root
 * reads anything otherwise); saved gets what it had.  False when the
 * capabilities cannot be changed. */
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

/* A process that cannot be looked at is counted as hidden: its
 * namespace may be missing.  Gone ones are not. */
static void test_hidden(void **state)
{
	struct __user_cap_data_struct saved[2];
	struct dp_netns_set set = { 0 };
	struct tree *t = tree_new();
	char path[1024];
	bool dropped = false;
	int err;

	(void)state;
	kthreadd(t, "kthreadd\n", "0");
	same_as(t, "proc/thread-self/ns/net", "proc/2/ns/net");
	process(t, "500", "secret\n", NULL);
	process(t, "1501", "secret\n", NULL);
	put(t, "proc/600/comm", "gone\n");
	path_of(t, "proc/500", path, sizeof(path));
	assert_int_equal(chmod(path, 0), 0);
	path_of(t, "proc/1501", path, sizeof(path));
	assert_int_equal(chmod(path, 0), 0);
	if (geteuid() == 0 && !(dropped = drop_dac(saved))) {
		print_message("skipped: root, and cannot drop CAP_DAC_OVERRIDE to see EACCES\n");
		goto out_skip;
	}
	err = dp_netns_discover(&set, t->proc, t->run);
	if (dropped)
		restore_caps(saved);
	assert_int_equal(err, 0);
	assert_int_equal(set.nr, 1);
	assert_int_equal(set.hidden, 2);
	assert_int_equal(set.first_hidden, 500);
	dp_netns_set_release(&set);
	path_of(t, "proc/500", path, sizeof(path));
	chmod(path, 0755);
	path_of(t, "proc/1501", path, sizeof(path));
	chmod(path, 0755);
	tree_free(t);
	return;

out_skip:
	path_of(t, "proc/500", path, sizeof(path));
	chmod(path, 0755);
	path_of(t, "proc/1501", path, sizeof(path));
	chmod(path, 0755);
	tree_free(t);
	skip();
}

/* ---- entering --------------------------------------------------------- */

struct calls {
	pid_t caller_tid;
	pthread_t caller;
	int n;
	size_t index[8];
	const struct dp_netns *seen[8];
	bool other_thread[8];
	bool all_blocked[8];
	unsigned int sleep_ms;
	int ret;
};

static pid_t tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Every signal a thread can block is blocked in mask. */
static bool blocks_all(const sigset_t *mask)
{
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		/* Not blockable, or glibc's own (SIGCANCEL, SIGSETXID). */
		if (sig == SIGKILL || sig == SIGSTOP || sig == 32 || sig == 33)
			continue;
		if (!sigismember(mask, sig))
			return false;
	}
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		if (!sigismember(mask, sig))
			return false;
	return true;
}

static int record(const struct dp_netns *ns, size_t i, void *arg)
{
	struct calls *c = arg;
	sigset_t mask;

	/* No cmocka assertion here: it cannot fail from another thread. */
	sigemptyset(&mask);
	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	if (c->n < (int)ARRAY_SIZE(c->index)) {
		c->index[c->n] = i;
		c->seen[c->n] = ns;
		c->other_thread[c->n] = tid() != c->caller_tid &&
					!pthread_equal(pthread_self(), c->caller);
		c->all_blocked[c->n] = blocks_all(&mask);
	}
	c->n++;
	if (c->sleep_ms) {
		struct timespec ts = { c->sleep_ms / 1000, (c->sleep_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	return c->ret + (int)i;
}

static void calls_init(struct calls *c)
{
	*c = (struct calls){ .caller_tid = tid(), .caller = pthread_self() };
}

static const struct dp_netns *own_of(const struct dp_netns_set *set)
{
	for (size_t i = 0; i < set->nr; i++)
		if (set->v[i].own)
			return &set->v[i];
	fail_msg("no own namespace");
	return NULL;
}

static void test_each_own(void **state)
{
	struct tree *t = machine();
	struct dp_netns_set set = { 0 };
	struct dp_netns *list[1];
	sigset_t before, after;
	struct calls c;
	int status[1] = { -12345 };

	(void)state;
	assert_int_equal(dp_netns_discover(&set, t->proc, t->run), 0);
	list[0] = (struct dp_netns *)own_of(&set);
	calls_init(&c);
	c.ret = 7;
	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &before), 0);
	/* dropprof's own namespace needs no setns (its fake file could not
	 * be entered): fn runs, on another thread, every signal blocked. */
	assert_int_equal(dp_netns_each(list, 1, record, &c, 0, status), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.index[0], 0);
	assert_ptr_equal(c.seen[0], list[0]);
	assert_true(c.other_thread[0]);
	assert_true(c.all_blocked[0]);
	assert_int_equal(status[0], 7);
	/* The caller's own mask is as it was. */
	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &after), 0);
	for (int sig = 1; sig <= SIGRTMAX; sig++)
		assert_int_equal(sigismember(&before, sig), sigismember(&after, sig));
	/* fn's error is the status, as it is. */
	calls_init(&c);
	c.ret = -EIO;
	assert_int_equal(dp_netns_each(list, 1, record, &c, 0, status), 0);
	assert_int_equal(status[0], -EIO);
	/* Nothing to do: no thread, no call. */
	calls_init(&c);
	assert_int_equal(dp_netns_each(list, 0, record, &c, 0, status), 0);
	assert_int_equal(c.n, 0);
	dp_netns_set_release(&set);
	tree_free(t);
}

static void test_each_budget(void **state)
{
	struct tree *t = machine();
	struct dp_netns_set set = { 0 };
	struct dp_netns *list[4];
	struct calls c;
	int status[4];

	(void)state;
	assert_int_equal(dp_netns_discover(&set, t->proc, t->run), 0);
	for (size_t i = 0; i < ARRAY_SIZE(list); i++)
		list[i] = (struct dp_netns *)own_of(&set);
	/* The first one takes longer than the whole budget: every later one
	 * is -ETIMEDOUT, and fn is not called for it. */
	calls_init(&c);
	c.sleep_ms = 150;
	assert_int_equal(dp_netns_each(list, 4, record, &c, 50, status), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(status[0], 0);
	for (size_t i = 1; i < 4; i++)
		assert_int_equal(status[i], -ETIMEDOUT);
	/* No budget: all of them, whatever they take. */
	calls_init(&c);
	c.sleep_ms = 20;
	assert_int_equal(dp_netns_each(list, 4, record, &c, 0, status), 0);
	assert_int_equal(c.n, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(c.index[i], i);
		assert_int_equal(status[i], (int)i);
	}
	dp_netns_set_release(&set);
	tree_free(t);
}

/* Entering what is not a namespace fails with a status, never a crash,
 * and never runs fn there (it would read the wrong namespace). */
static void test_each_cannot_enter(void **state)
{
	struct tree *t = machine();
	struct dp_netns_set set = { 0 };
	struct dp_netns *list[5];
	struct calls c;
	int status[5];
	char path[1024], path2[1024];

	(void)state;
	assert_int_equal(dp_netns_discover(&set, t->proc, t->run), 0);
	/* A regular file (setns refuses it), one replaced by another file
	 * since (another namespace now), one gone, then dropprof's own. */
	list[0] = (struct dp_netns *)ns_of(&set, t, "run/netns/dl-x-b");
	list[1] = (struct dp_netns *)ns_of(&set, t, "proc/42/ns/net");
	list[2] = (struct dp_netns *)ns_of(&set, t, "run/netns/alpha");
	list[3] = (struct dp_netns *)own_of(&set);
	list[4] = (struct dp_netns *)ns_of(&set, t, "proc/2/ns/net");
	/* Made before the old one goes, so it cannot reuse its inode. */
	put(t, "proc/42/ns/new", "");
	path_of(t, "proc/42/ns/new", path, sizeof(path));
	path_of(t, "proc/42/ns/net", path2, sizeof(path2));
	assert_int_equal(rename(path, path2), 0);
	path_of(t, "run/netns/alpha", path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	calls_init(&c);
	c.ret = 100;
	assert_int_equal(dp_netns_each(list, 5, record, &c, 0, status), 0);
	assert_true(status[0] < 0);
	assert_int_equal(status[1], -ESTALE);
	assert_int_equal(status[2], -ENOENT);
	assert_int_equal(status[3], 103);
	assert_true(status[4] < 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.index[0], 3);
	dp_netns_set_release(&set);
	tree_free(t);
}

/* ---- the real machine ------------------------------------------------- */

static void test_discover_real(void **state)
{
	struct dp_netns_set set = { 0 };
	const struct dp_netns *own;
	struct stat st, k;
	bool root_visible;
	char comm[32];
	FILE *f;

	(void)state;
	assert_int_equal(dp_netns_discover(&set, "/proc", "/run/netns"), 0);
	assert_true(set.nr >= 1);
	assert_int_equal(count_own(&set), 1);
	assert_int_equal(stat("/proc/thread-self/ns/net", &st), 0);
	own = dp_netns_find(&set, st.st_dev, st.st_ino);
	assert_non_null(own);
	assert_true(own->own);
	/* The order promised: root, named by name, the others by inode. */
	for (size_t i = 1; i < set.nr; i++) {
		const struct dp_netns *a = &set.v[i - 1], *b = &set.v[i];

		assert_true(a->kind <= b->kind);
		assert_true(b->kind != DP_NETNS_ROOT);
		if (a->kind == b->kind && a->kind == DP_NETNS_NAMED)
			assert_true(strcmp(a->name, b->name) < 0);
		if (a->kind == b->kind && a->kind == DP_NETNS_PROCESS)
			assert_true(a->ino < b->ino);
		assert_true(a->dev != b->dev || a->ino != b->ino);
	}
	for (size_t i = 0; i < set.nr; i++) {
		assert_non_null(set.v[i].name);
		assert_non_null(set.v[i].path);
		assert_true(set.v[i].dev == st.st_dev);    /* all on nsfs */
	}
	/* The initial namespace, whenever kthreadd or PID 1 can be seen. */
	f = fopen("/proc/2/comm", "r");
	if (!f || !fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	if (f)
		fclose(f);
	root_visible = !stat("/proc/1/ns/net", &k) ||
		       (!strcmp(comm, "kthreadd\n") && !stat("/proc/2/ns/net", &k));
	if (root_visible) {
		assert_int_equal(set.v[0].kind, DP_NETNS_ROOT);
		assert_string_equal(set.v[0].name, "root");
		assert_true(set.v[0].pid >= 1);
	} else {
		print_message("note: neither PID 1 nor kthreadd can be looked at: no root namespace\n");
	}
	dp_netns_set_release(&set);
}

/* Each callback checks it runs in the namespace it was given. */
struct where {
	int n;
	bool inside[4];
};

static int check_inside(const struct dp_netns *ns, size_t i, void *arg)
{
	struct where *w = arg;
	struct stat st;

	w->inside[i] = !stat("/proc/thread-self/ns/net", &st) &&
		       (uint64_t)st.st_dev == ns->dev && (uint64_t)st.st_ino == ns->ino;
	w->n++;
	return 0;
}

/* A namespace of the test's own, made by a child: entered for real, then
 * back home for dropprof's, and the calling thread never moved. */
static void test_each_real(void **state)
{
	struct dp_netns_set set = { 0 };
	struct dp_netns *list[3];
	struct where w = { 0 };
	struct stat before, after;
	int ready[2], stop[2], status[3];
	char path[64], c;
	pid_t child;
	const struct dp_netns *other;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(stop), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char ok = unshare(CLONE_NEWNET) ? 'n' : 'y';

		/* Only the parent's end keeps the pipe open: its close is
		 * the child's signal to go. */
		close(ready[0]);
		close(stop[1]);

		if (write(ready[1], &ok, 1) != 1)
			_exit(1);
		(void)!read(stop[0], &c, 1);  /* until the parent is done */
		_exit(0);
	}
	close(ready[1]);
	close(stop[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	if (c != 'y') {
		close(stop[1]);
		assert_int_equal(waitpid(child, NULL, 0), child);
		print_message("skipped: unshare(CLONE_NEWNET) needs CAP_SYS_ADMIN\n");
		skip();
	}
	assert_int_equal(stat("/proc/thread-self/ns/net", &before), 0);
	assert_int_equal(dp_netns_discover(&set, "/proc", "/run/netns"), 0);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)child);
	{
		struct stat st;

		assert_int_equal(stat(path, &st), 0);
		other = dp_netns_find(&set, st.st_dev, st.st_ino);
	}
	assert_non_null(other);
	assert_false(other->own);
	assert_int_equal(other->kind, DP_NETNS_PROCESS);
	assert_int_equal(other->pid, (int)child);
	list[0] = (struct dp_netns *)other;
	list[1] = (struct dp_netns *)own_of(&set);
	list[2] = (struct dp_netns *)other;
	assert_int_equal(dp_netns_each(list, 3, check_inside, &w, 0, status), 0);
	/* Stop the child (by its pid) before any assertion can leave it. */
	close(stop[1]);
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(w.n, 3);
	assert_int_equal(status[0], 0);
	assert_int_equal(status[1], 0);
	assert_int_equal(status[2], 0);
	assert_true(w.inside[0]);
	assert_true(w.inside[1]);
	assert_true(w.inside[2]);
	assert_int_equal(stat("/proc/thread-self/ns/net", &after), 0);
	assert_true(before.st_ino == after.st_ino && before.st_dev == after.st_dev);
	/* Gone now: entering says so. */
	assert_int_equal(dp_netns_each(list, 1, check_inside, &w, 0, status), 0);
	assert_int_equal(status[0], -ENOENT);
	dp_netns_set_release(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discover_machine),
		cmocka_unit_test(test_root_fallback),
		cmocka_unit_test(test_own),
		cmocka_unit_test(test_named),
		cmocka_unit_test(test_named_leftover),
		cmocka_unit_test(test_hidden),
		cmocka_unit_test(test_each_own),
		cmocka_unit_test(test_each_budget),
		cmocka_unit_test(test_each_cannot_enter),
		cmocka_unit_test(test_discover_real),
		cmocka_unit_test(test_each_real),
	};

	return cmocka_run_group_tests_name("netns", tests, NULL, NULL);
}
