/* test_trace_instance — dropprof's tracefs instance.
 *
 * Without a kernel: the stats parser (a real stats file of 6.18 and
 * variants), argument checks, and create's failure paths on fake tracefs
 * directories in /tmp (nothing may be left behind).
 *
 * On the real kernel (root, tracefs mounted; otherwise SKIPPED with the
 * reason): a child in a network namespace of its own sends UDP to a
 * closed port on 127.0.0.1, each a NO_SOCKET drop; the instance, filtered
 * on the child's pid, must hold exactly those drops, decoded with
 * ftrace_ring.  Then the teardown rules of the header: free works with
 * events enabled, rmdir is EBUSY while a child holds a copy of a CPU fd,
 * a taken name gets a suffix and is left alone.  The teardowns kill the
 * children and remove the instances even when an assertion failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dropprof/kernel/ftrace_ring.h"
#include "dropprof/kernel/tp_format.h"
#include "dropprof/kernel/trace_instance.h"
#include "dropprof/util/error.h"
#include "dropprof/util/strbuf.h"
#include "testutil.h"

#define FIXTURE(name) "tests/fixtures/ftrace/" name

/* Drops the live test makes. */
#define NR_SENT 7

/* ---- stats ---------------------------------------------------------- */

static void test_stats_fixture(void **state)
{
	struct dp_trace_cpu_stats st;
	char *text = dp_test_slurp(FIXTURE("overflow.stats"), NULL);

	(void)state;
	assert_non_null(text);
	assert_int_equal(dp_trace_stats_parse(&st, text), 0);
	assert_int_equal(st.have, 0xff);
	assert_int_equal(st.entries, 260);
	assert_int_equal(st.overrun, 1595);
	assert_int_equal(st.commit_overrun, 0);
	assert_int_equal(st.bytes, 7300);
	assert_int_equal(st.dropped_events, 0);
	assert_int_equal(st.read_events, 145);
	assert_true(st.ts_in_ns);
	assert_int_equal(st.oldest_ts, 627933260000ULL);
	assert_int_equal(st.now_ts, 627934112000ULL);
	free(text);
}

static void test_stats_variants(void **state)
{
	struct dp_trace_cpu_stats st;

	(void)state;
	/* a counter clock prints raw values; unknown lines are skipped;
	 * missing lines leave their bit clear */
	assert_int_equal(dp_trace_stats_parse(&st,
		"entries: 3\noverrun: 0\nnew thing: 12 apples\n"
		"oldest event ts: 123456789\nnow ts: 123456999\n"), 0);
	assert_int_equal(st.have, DP_TRACE_STAT_ENTRIES | DP_TRACE_STAT_OVERRUN |
			 DP_TRACE_STAT_OLDEST_TS | DP_TRACE_STAT_NOW_TS);
	assert_int_equal(st.entries, 3);
	assert_false(st.ts_in_ns);
	assert_int_equal(st.oldest_ts, 123456789);
	assert_int_equal(dp_trace_stats_parse(&st, ""), 0);
	assert_int_equal(st.have, 0);
	assert_int_equal(dp_trace_stats_parse(&st, "now ts: 1.5\n"), 0);
	assert_int_equal(st.now_ts, 1500000000ULL);

	assert_int_equal(dp_trace_stats_parse(&st, "entries: -1\n"), -EINVAL);
	assert_int_equal(dp_trace_stats_parse(&st, "entries: 3x\n"), -EINVAL);
	assert_int_equal(dp_trace_stats_parse(&st, "entries:\n"), -EINVAL);
	assert_int_equal(dp_trace_stats_parse(&st,
		"entries: 99999999999999999999\n"), -EINVAL);
	assert_int_equal(dp_trace_stats_parse(&st, "entries: 1\nentries: 2\n"),
			 -EINVAL);
	assert_int_equal(dp_trace_stats_parse(&st, "now ts: 1.\n"), -EINVAL);
	assert_int_equal(dp_trace_stats_parse(&st, "now ts: 1.2.3\n"), -EINVAL);
}

/* ---- create on fake tracefs directories ------------------------------ */

static char fake[64];

static void rm_tree(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static int fake_teardown(void **state)
{
	(void)state;
	if (fake[0])
		rm_tree(fake);
	fake[0] = '\0';
	return 0;
}

static int count_entries(const char *dir)
{
	char cmd[160];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}

static void test_create_args(void **state)
{
	struct dp_trace_instance *ti = (void *)1;
	struct dp_err err = DP_ERR_INIT;

	(void)state;
	assert_int_equal(dp_trace_instance_create(&ti, "/nonexistent", "", &err),
			 -EINVAL);
	assert_null(ti);
	assert_int_equal(dp_trace_instance_create(&ti, "/nonexistent", "a/b",
						  &err), -EINVAL);
	assert_int_equal(dp_trace_instance_create(&ti, "/nonexistent", "..",
						  &err), -EINVAL);
	assert_int_equal(dp_trace_instance_create(&ti, "", "dp", &err), -EINVAL);
	assert_int_equal(dp_trace_instance_create(&ti, "/nonexistent", NULL,
						  &err), -EINVAL);
	dp_err_release(&err);
	dp_trace_instance_free(NULL);
}

static void test_create_fake(void **state)
{
	struct dp_trace_instance *ti = NULL;
	struct dp_err err = DP_ERR_INIT;
	char inst[128], taken[160];

	(void)state;
	snprintf(fake, sizeof(fake), "/tmp/dp-test-ti-XXXXXX");
	assert_non_null(mkdtemp(fake));

	/* not tracefs: no instances directory */
	assert_int_equal(dp_trace_instance_create(&ti, fake, "dp", &err), -ENOENT);
	assert_null(ti);
	assert_non_null(strstr(dp_err_msg(&err), "tracefs"));

	/* instances/ exists, but what mkdir made there is no instance: no
	 * header_page.  The directory made must be gone again. */
	snprintf(inst, sizeof(inst), "%s/instances", fake);
	assert_int_equal(mkdir(inst, 0700), 0);
	assert_int_equal(dp_trace_instance_create(&ti, fake, "dp", &err), -ENOENT);
	assert_null(ti);
	assert_non_null(strstr(dp_err_msg(&err), "header_page"));
	assert_int_equal(count_entries(inst), 0);

	/* a name already taken is never touched: the next one is tried (and
	 * removed again here, as it is no instance either) */
	snprintf(taken, sizeof(taken), "%s/dp-%d", inst, (int)getpid());
	assert_int_equal(mkdir(taken, 0700), 0);
	assert_int_equal(dp_trace_instance_create(&ti, fake, "dp", &err), -ENOENT);
	assert_non_null(strstr(dp_err_msg(&err), "-2/events/header_page"));
	assert_int_equal(count_entries(inst), 1);
	assert_int_equal(access(taken, F_OK), 0);

	/* every name taken: -EEXIST, and still nothing touched */
	{
		int n;

		for (n = 2; n <= 9; n++) {
			snprintf(taken, sizeof(taken), "%s/dp-%d-%d", inst,
				 (int)getpid(), n);
			assert_int_equal(mkdir(taken, 0700), 0);
		}
	}
	assert_int_equal(dp_trace_instance_create(&ti, fake, "dp", &err), -EEXIST);
	assert_null(ti);
	assert_non_null(strstr(dp_err_msg(&err), "rmdir"));
	assert_int_equal(count_entries(inst), 9);
	dp_err_release(&err);
}

/* ---- the real kernel --------------------------------------------------- */

struct live {
	struct dp_trace_instance *ti;
	char *dir;               /* copy of the instance path */
	char *extra;             /* a directory the test made itself */
	pid_t child;
	int to_child[2], from_child[2];
};

static struct live live = { NULL, NULL, NULL, 0, { -1, -1 }, { -1, -1 } };
static char tracefs[PATH_MAX];

static void close_pipe(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

static int live_teardown(void **state)
{
	(void)state;
	if (live.child > 0) {
		kill(live.child, SIGKILL);
		waitpid(live.child, NULL, 0);
		live.child = 0;
	}
	close_pipe(live.to_child);
	close_pipe(live.from_child);
	dp_trace_instance_free(live.ti);
	live.ti = NULL;
	/* free may have failed (that is what one test checks) */
	if (live.dir) {
		rmdir(live.dir);
		free(live.dir);
		live.dir = NULL;
	}
	if (live.extra) {
		rmdir(live.extra);
		free(live.extra);
		live.extra = NULL;
	}
	return 0;
}

/* The first tracefs mount of /proc/mounts into tracefs[]. */
static int find_tracefs(void)
{
	FILE *f = setmntent("/proc/mounts", "r");
	struct mntent *m;
	int ret = -1;

	if (!f)
		return -1;
	while ((m = getmntent(f)) != NULL) {
		if (strcmp(m->mnt_type, "tracefs") == 0 &&
		    strlen(m->mnt_dir) < sizeof(tracefs)) {
			strcpy(tracefs, m->mnt_dir);
			ret = 0;
			break;
		}
	}
	endmntent(f);
	return ret;
}

/* Root and a tracefs with instances, or skip saying why. */
static void need_kernel(void)
{
	char inst[PATH_MAX + 16];

	if (geteuid() != 0) {
		fprintf(stderr, "skipped: needs root (tracefs instances)\n");
		skip();
	}
	if (find_tracefs() < 0) {
		fprintf(stderr, "skipped: tracefs is not mounted\n");
		skip();
	}
	snprintf(inst, sizeof(inst), "%s/instances", tracefs);
	if (access(inst, W_OK) != 0) {
		fprintf(stderr, "skipped: no writable '%s'\n", inst);
		skip();
	}
}

static void live_create(void)
{
	struct dp_err err = DP_ERR_INIT;
	char want[PATH_MAX + 64];
	struct stat sb;
	int r;

	r = dp_trace_instance_create(&live.ti, tracefs, "dropprof-test", &err);
	if (r < 0)
		fprintf(stderr, "%s\n", dp_err_msg(&err));
	assert_int_equal(r, 0);
	live.dir = strdup(dp_trace_instance_path(live.ti));
	assert_non_null(live.dir);
	assert_int_equal(stat(live.dir, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	snprintf(want, sizeof(want), "dropprof-test-%d", (int)getpid());
	assert_string_equal(dp_trace_instance_name(live.ti), want);
	/* a new instance has sub-buffers of one page */
	assert_int_equal(dp_ftrace_layout_page_size(dp_trace_instance_layout(live.ti)),
			 (size_t)sysconf(_SC_PAGESIZE));
	assert_true(dp_trace_instance_nr_cpus(live.ti) >= 1);
	dp_err_release(&err);
}

/* The instance directory must be gone after free. */
static void live_free_and_check(void)
{
	dp_trace_instance_free(live.ti);
	live.ti = NULL;
	assert_int_equal(access(live.dir, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	free(live.dir);
	live.dir = NULL;
}

/* In the child: a network namespace with lo up, then wait for "go", then
 * NR_SENT datagrams to a port nobody listens on.  Exit codes say which
 * step failed (no cmocka in the child). */
static void child_main(int in, int out)
{
	struct sockaddr_in to;
	struct ifreq ifr;
	char c = 'r';
	int s, i;

	if (unshare(CLONE_NEWNET) < 0)
		_exit(10);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		_exit(11);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		_exit(12);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		_exit(13);
	if (write(out, &c, 1) != 1 || read(in, &c, 1) != 1)
		_exit(14);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons(9);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < NR_SENT; i++)
		if (sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) != 1)
			_exit(15);
	_exit(0);
}

struct count {
	int id;                  /* kfree_skb's event id */
	int32_t pid;             /* the child */
	const struct dp_tp_format *fmt;
	int matched, other, wrong_reason;
};

static int count_drop(const struct dp_ftrace_event *ev, void *ctx)
{
	struct count *c = ctx;
	const struct dp_tp_field *reason = dp_tp_format_field(c->fmt, "reason");
	uint16_t type;
	int32_t pid;
	uint32_t r = 0;
	char buf[32];

	memcpy(&type, ev->data, 2);
	memcpy(&pid, (const char *)ev->data + 4, 4);
	if (type != c->id || pid != c->pid) {
		c->other++;
		return 0;
	}
	c->matched++;
	if (!reason || reason->size != 4 || reason->offset + 4 > ev->len) {
		c->wrong_reason++;
		return 0;
	}
	memcpy(&r, (const char *)ev->data + reason->offset, 4);
	if (strcmp(dp_tp_format_reason_name(c->fmt, r, buf, sizeof(buf)),
		   "NO_SOCKET") != 0)
		c->wrong_reason++;
	return 0;
}

/* Instances of killed runs are removed; live, young, own and foreign
 * names are not. */
static void test_reap(void **state)
{
	char *root = dp_test_tmpdir(), path[PATH_MAX];
	struct dp_strbuf gone = DP_STRBUF_INIT;
	struct utimbuf old = { .actime = 1000, .modtime = 1000 };
	pid_t dead;
	const char *keep[6];
	char dead_old[64], dead_old2[64], dead_young[64], own[64], alive[64];
	int st;

	(void)state;
	assert_non_null(root);
	/* a pid that was a process and is no more */
	dead = fork();
	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	assert_int_equal(waitpid(dead, &st, 0), dead);
	snprintf(dead_old, sizeof(dead_old), "dropprof-%d", (int)dead);
	snprintf(dead_old2, sizeof(dead_old2), "dropprof-%d-2", (int)dead);
	snprintf(dead_young, sizeof(dead_young), "dropprof-%d-3", (int)dead);
	snprintf(own, sizeof(own), "dropprof-%d", (int)getpid());
	snprintf(alive, sizeof(alive), "dropprof-%d", (int)getppid());
	keep[0] = dead_young; keep[1] = own; keep[2] = alive;
	keep[3] = "dropprofx-1"; keep[4] = "other"; keep[5] = "dropprof-0";
	snprintf(path, sizeof(path), "%s/instances", root);
	assert_int_equal(mkdir(path, 0700), 0);
	const char *all[] = { dead_old, dead_old2, dead_young, own, alive,
			      "dropprofx-1", "other", "dropprof-0" };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		snprintf(path, sizeof(path), "%s/instances/%s", root, all[i]);
		assert_int_equal(mkdir(path, 0700), 0);
		if (i != 2)   /* dead_young stays young */
			assert_int_equal(utime(path, &old), 0);
	}
	assert_int_equal(dp_trace_instance_reap(root, "dropprof", 10, &gone), 2);
	assert_non_null(strstr(gone.buf, dead_old));
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/instances/%s", root,
			 i ? dead_old2 : dead_old);
		assert_int_equal(access(path, F_OK), -1);
	}
	for (size_t i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "%s/instances/%s", root, keep[i]);
		assert_int_equal(access(path, F_OK), 0);
		rmdir(path);
	}
	snprintf(path, sizeof(path), "%s/instances", root);
	rmdir(path);
	/* no instances directory: nothing to do */
	assert_int_equal(dp_trace_instance_reap(root, "dropprof", 10, NULL), 0);
	dp_strbuf_release(&gone);
	dp_test_rmdir(root);
}

static void test_live_drops(void **state)
{
	struct dp_err err = DP_ERR_INIT;
	struct dp_tp_format fmt;
	struct count cnt;
	const struct dp_ftrace_layout *l;
	struct pollfd pfd[256];
	unsigned char *page;
	uint64_t read_events = 0;
	char filter[64], c;
	int status, cpu, nr, npoll = 0;
	pid_t child;

	(void)state;
	need_kernel();
	live_create();
	l = dp_trace_instance_layout(live.ti);
	nr = dp_trace_instance_nr_cpus(live.ti);

	assert_int_equal(dp_trace_instance_set_buffer_kb(live.ti, 64, &err), 0);
	/* epoll/poll on every event, not at half full */
	assert_int_equal(dp_trace_instance_set_buffer_percent(live.ti, 0, &err), 0);

	/* the kernel's rejection, with the filter and its reason */
	assert_int_equal(dp_trace_instance_set_filter(live.ti, "skb", "kfree_skb",
			 "no_such_field == 1", &err), -EINVAL);
	assert_non_null(strstr(dp_err_msg(&err), "'no_such_field == 1'"));
	assert_non_null(strstr(dp_err_msg(&err), "skb:kfree_skb"));
	assert_non_null(strstr(dp_err_msg(&err), "Field not found"));
	assert_int_equal(dp_trace_instance_set_filter(live.ti, "skb",
			 "no_such_event", "common_pid == 0", &err), -ENOENT);
	assert_int_equal(dp_trace_instance_enable(live.ti, "skb", "no_such_event",
						  &err), -ENOENT);
	assert_int_equal(dp_trace_instance_enable(live.ti, "../skb", "kfree_skb",
						  &err), -EINVAL);

	assert_int_equal(dp_tp_format_load(&fmt, dp_trace_instance_path(live.ti),
					   "skb", "kfree_skb"), 0);

	/* every CPU's ring open before the drops, so poll can say where */
	for (cpu = 0; cpu < nr; cpu++) {
		int fd = dp_trace_instance_open_cpu(live.ti, cpu, &err);

		assert_true(fd >= 0);
		assert_int_equal(dp_trace_instance_open_cpu(live.ti, cpu, &err), fd);
		assert_int_equal(dp_trace_instance_cpu_fd(live.ti, cpu), fd);
		if (npoll < 256) {
			pfd[npoll].fd = fd;
			pfd[npoll].events = POLLIN;
			npoll++;
		}
	}
	assert_int_equal(dp_trace_instance_open_cpu(live.ti, nr, &err), -EINVAL);

	assert_int_equal(pipe2(live.to_child, O_CLOEXEC), 0);
	assert_int_equal(pipe2(live.from_child, O_CLOEXEC), 0);
	live.child = fork();
	assert_true(live.child >= 0);
	if (live.child == 0)
		child_main(live.to_child[0], live.from_child[1]);
	assert_int_equal(read(live.from_child[0], &c, 1), 1);

	/* the filter before the enable: nothing unfiltered gets in */
	child = live.child;
	snprintf(filter, sizeof(filter), "common_pid == %d", (int)child);
	assert_int_equal(dp_trace_instance_set_filter(live.ti, "skb", "kfree_skb",
						      filter, &err), 0);
	assert_int_equal(dp_trace_instance_enable(live.ti, "skb", "kfree_skb",
						  &err), 0);
	assert_int_equal(write(live.to_child[1], "g", 1), 1);
	assert_int_equal(waitpid(live.child, &status, 0), live.child);
	live.child = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(dp_trace_instance_disable(live.ti, "skb", "kfree_skb",
						   &err), 0);

	/* buffer_percent 0: some ring is readable now */
	assert_true(poll(pfd, (nfds_t)npoll, 2000) >= 1);

	memset(&cnt, 0, sizeof(cnt));
	cnt.id = fmt.id;
	cnt.pid = (int32_t)child;
	cnt.fmt = &fmt;
	page = malloc(dp_ftrace_layout_page_size(l));
	assert_non_null(page);
	for (cpu = 0; cpu < nr; cpu++) {
		struct dp_trace_cpu_stats st;
		int pages = 0;
		long n;

		while ((n = dp_trace_instance_read_page(live.ti, cpu, page,
				dp_ftrace_layout_page_size(l), &err)) > 0) {
			struct dp_ftrace_page_info info;

			assert_int_equal(n, dp_ftrace_layout_page_size(l));
			assert_int_equal(dp_ftrace_page_for_each(l, page, (size_t)n,
					 count_drop, &cnt, &info), 0);
			assert_false(info.missed);
			assert_true(++pages < 1000);
		}
		assert_int_equal(n, 0);
		assert_int_equal(dp_trace_instance_read_stats(live.ti, cpu, &st,
							      &err), 0);
		assert_true(st.have & DP_TRACE_STAT_READ);
		assert_true(st.have & DP_TRACE_STAT_OVERRUN);
		assert_int_equal(st.overrun, 0);
		assert_int_equal(st.entries, 0);
		read_events += st.read_events;
	}
	free(page);
	assert_int_equal(dp_trace_instance_read_page(live.ti, nr, NULL, 0, &err),
			 -EINVAL);
	dp_trace_instance_close_cpu(live.ti, 0);
	assert_int_equal(dp_trace_instance_cpu_fd(live.ti, 0), -1);
	assert_int_equal(dp_trace_instance_read_page(live.ti, 0, NULL, 0, &err),
			 -EBADF);

	assert_int_equal(cnt.matched, NR_SENT);
	assert_int_equal(cnt.other, 0);
	assert_int_equal(cnt.wrong_reason, 0);
	assert_int_equal(read_events, NR_SENT);

	dp_tp_format_release(&fmt);
	dp_err_release(&err);
	live_free_and_check();
}

/* free with the event still enabled and every CPU fd open */
static void test_live_free_enabled(void **state)
{
	struct dp_err err = DP_ERR_INIT;
	const int *fds;
	size_t nr, i;
	int cpu;

	(void)state;
	need_kernel();
	live_create();
	assert_int_equal(dp_trace_instance_enable(live.ti, "skb", "kfree_skb",
						  &err), 0);
	for (cpu = 0; cpu < dp_trace_instance_nr_cpus(live.ti); cpu++)
		assert_true(dp_trace_instance_open_cpu(live.ti, cpu, &err) >= 0);
	fds = dp_trace_instance_fds(live.ti, &nr);
	assert_int_equal(nr, dp_trace_instance_nr_cpus(live.ti));
	for (i = 0; i < nr; i++)
		assert_true(fds[i] >= 0);
	dp_err_release(&err);
	live_free_and_check();
}

static char warned[512];

static void catch_warn(enum dp_print_level level, const char *msg, void *ctx)
{
	(void)ctx;
	if (level == DP_PRINT_WARN)
		snprintf(warned, sizeof(warned), "%s", msg);
}

/* rmdir is EBUSY while a forked child holds a copy of a CPU fd: free
 * warns with the path, and the directory goes once the child is gone. */
static void test_live_busy(void **state)
{
	struct dp_err err = DP_ERR_INIT;
	dp_print_fn old;
	char c;

	(void)state;
	need_kernel();
	live_create();
	assert_true(dp_trace_instance_open_cpu(live.ti, 0, &err) >= 0);
	assert_int_equal(pipe2(live.to_child, O_CLOEXEC), 0);
	live.child = fork();
	assert_true(live.child >= 0);
	if (live.child == 0) {
		/* hold the inherited fd until told (or killed) */
		if (read(live.to_child[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	warned[0] = '\0';
	old = dp_set_print(catch_warn, NULL);
	dp_trace_instance_free(live.ti);
	live.ti = NULL;
	dp_set_print(old, NULL);
	assert_non_null(strstr(warned, live.dir));
	assert_non_null(strstr(warned, "busy"));
	assert_int_equal(access(live.dir, F_OK), 0);

	kill(live.child, SIGKILL);
	waitpid(live.child, NULL, 0);
	live.child = 0;
	assert_int_equal(rmdir(live.dir), 0);
	free(live.dir);
	live.dir = NULL;
	dp_err_release(&err);
}

/* A taken name (a stale instance of a dead run with our pid) is left
 * alone; the next name is used. */
static void test_live_taken(void **state)
{
	char taken[PATH_MAX + 64], want[64];
	struct dp_err err = DP_ERR_INIT;

	(void)state;
	need_kernel();
	snprintf(taken, sizeof(taken), "%s/instances/dropprof-test-%d", tracefs,
		 (int)getpid());
	assert_int_equal(mkdir(taken, 0700), 0);
	live.extra = strdup(taken);
	assert_non_null(live.extra);
	assert_int_equal(dp_trace_instance_create(&live.ti, tracefs,
						  "dropprof-test", &err), 0);
	live.dir = strdup(dp_trace_instance_path(live.ti));
	assert_non_null(live.dir);
	snprintf(want, sizeof(want), "dropprof-test-%d-2", (int)getpid());
	assert_string_equal(dp_trace_instance_name(live.ti), want);
	live_free_and_check();
	assert_int_equal(access(taken, F_OK), 0);
	dp_err_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_fixture),
		cmocka_unit_test(test_stats_variants),
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_reap),
		cmocka_unit_test_teardown(test_create_fake, fake_teardown),
		cmocka_unit_test_teardown(test_live_drops, live_teardown),
		cmocka_unit_test_teardown(test_live_free_enabled, live_teardown),
		cmocka_unit_test_teardown(test_live_busy, live_teardown),
		cmocka_unit_test_teardown(test_live_taken, live_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
