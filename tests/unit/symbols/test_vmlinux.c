/* test_vmlinux — unit tests for the vmlinux locator (src/symbols/vmlinux.c)
 * on fixture root trees in a scratch directory: the fixture vmlinux, the
 * same code with another build-id (vmlinux-other) and one without
 * (vmlinux-noid), all built by the GNUmakefile and named by -D defines.
 *
 * The debuginfod cases use DEBUGINFOD_URLS pointing at 127.0.0.1 only: a
 * port nothing listens on, and a python3 http.server this test starts (by
 * PID, stopped in the test) serving buildid/<hex>/debuginfo, with
 * DEBUGINFOD_CACHE_PATH in the scratch directory.  Without python3, or in
 * a build without libdebuginfod, those cases skip with a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dropprof/symbols/vmlinux.h"
#include "dropprof/util/error.h"
#include "testutil.h"

#ifndef DP_FIXTURE_VMLINUX
#error "built by the GNUmakefile, which defines the fixture paths"
#endif

#define RELEASE "6.18.44-fixture"

struct tree {
	char *root;
	struct dp_buildid want;
	pid_t server;          /* the http.server, stopped by teardown */
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void mkdirs(const char *root, const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	}
}

/* Copy src to root/rel, making the directories on the way. */
static void put(const struct tree *t, const char *rel, const char *src)
{
	char path[1024];
	size_t len = 0;
	char *img = dp_test_slurp(src, &len);

	assert_non_null(img);
	mkdirs(t->root, rel);
	snprintf(path, sizeof(path), "%s/%s", t->root, rel);
	dp_test_spill(path, img, len);
	free(img);
}

static void put_bytes(const struct tree *t, const char *rel, const char *bytes)
{
	char path[1024];

	mkdirs(t->root, rel);
	snprintf(path, sizeof(path), "%s/%s", t->root, rel);
	dp_test_spill(path, bytes, strlen(bytes));
}

static char *buildid_rel(const char *hex)
{
	char *rel = NULL;

	assert_true(asprintf(&rel, "usr/lib/debug/.build-id/%.2s/%s.debug", hex, hex + 2) > 0);
	return rel;
}

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->root = dp_test_tmpdir();
	assert_int_equal(dp_buildid_parse(DP_FIXTURE_BUILDID, &t->want), 0);
	unsetenv("DEBUGINFOD_URLS");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;

	if (t->server > 0) {
		kill(t->server, SIGTERM);
		waitpid(t->server, NULL, 0);
	}
	nftw(t->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(t->root);
	free(t);
	unsetenv("DEBUGINFOD_URLS");
	unsetenv("DEBUGINFOD_CACHE_PATH");
	return 0;
}

static struct dp_vmlinux_opts opts(const struct tree *t)
{
	return (struct dp_vmlinux_opts){
		.release = RELEASE,
		.want = &t->want,
		.root = t->root,
		.no_debuginfod = true,
	};
}

static void assert_has(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("no '%s' in:\n%s", needle, text);
}

/* The notes' last line. */
static const char *last_line(const struct dp_vmlinux *v)
{
	const char *s = v->notes.buf, *end = s + v->notes.len;

	assert_true(v->notes.len > 0 && end[-1] == '\n');
	for (const char *p = end - 1; p > s; p--)
		if (p[-1] == '\n')
			return p;
	return s;
}

static void find_ok(struct dp_vmlinux *v, const struct dp_vmlinux_opts *o)
{
	struct dp_err err = DP_ERR_INIT;
	int r;

	dp_vmlinux_init(v);
	r = dp_vmlinux_find(v, o, &err);
	if (r)
		fail_msg("dp_vmlinux_find: %d %s", r, dp_err_msg(&err));
	dp_err_release(&err);
}

static void assert_path(const struct dp_vmlinux *v, const struct tree *t, const char *rel)
{
	char want[1024];

	snprintf(want, sizeof(want), "%s/%s", t->root, rel);
	assert_non_null(v->path);
	assert_string_equal(v->path, want);
}

/* /boot has another build, the build-id path the right one. */
static void test_skips_other_build(void **state)
{
	struct tree *t = *state;
	struct dp_vmlinux_opts o = opts(t);
	char *rel = buildid_rel(DP_FIXTURE_BUILDID), note[1024];
	struct dp_vmlinux v;

	put(t, "boot/vmlinux-" RELEASE, DP_FIXTURE_VMLINUX_OTHER);
	put(t, rel, DP_FIXTURE_VMLINUX);
	find_ok(&v, &o);
	assert_path(&v, t, rel);
	assert_int_equal(v.source, DP_VMLINUX_BUILDID_PATH);
	assert_true(v.buildid_checked);
	assert_true(dp_buildid_equal(&v.buildid, &t->want));
	snprintf(note, sizeof(note),
		 "'%s/boot/vmlinux-" RELEASE "' has build-id " DP_FIXTURE_BUILDID_OTHER
		 ", the kernel's is " DP_FIXTURE_BUILDID "\n", t->root);
	assert_string_equal(v.notes.buf, note);
	dp_vmlinux_release(&v);

	/* The release paths come first when they match. */
	put(t, "usr/lib/debug/lib/modules/" RELEASE "/vmlinux", DP_FIXTURE_VMLINUX);
	find_ok(&v, &o);
	assert_path(&v, t, "usr/lib/debug/lib/modules/" RELEASE "/vmlinux");
	assert_int_equal(v.source, DP_VMLINUX_PATH);
	assert_true(v.buildid_checked);
	dp_vmlinux_release(&v);
	free(rel);
}

static void test_explicit(void **state)
{
	struct tree *t = *state;
	struct dp_vmlinux_opts o = opts(t);
	struct dp_err err = DP_ERR_INIT;
	struct dp_vmlinux v;

	/* Another build: refused, naming both ids and the way out. */
	dp_vmlinux_init(&v);
	o.explicit_path = DP_FIXTURE_VMLINUX_OTHER;
	assert_int_equal(dp_vmlinux_find(&v, &o, &err), -EINVAL);
	assert_null(v.path);
	assert_has(dp_err_msg(&err), DP_FIXTURE_BUILDID_OTHER);
	assert_has(dp_err_msg(&err), DP_FIXTURE_BUILDID);
	assert_has(dp_err_msg(&err), DP_FIXTURE_VMLINUX_OTHER);
	assert_has(dp_err_msg(&err), "--ignore-build-id");
	assert_null(strchr(dp_err_msg(&err), '\n'));
	dp_vmlinux_release(&v);

	/* No build-id while the kernel has one: not the same build either. */
	o.explicit_path = DP_FIXTURE_VMLINUX_NOID;
	assert_int_equal(dp_vmlinux_find(&v, &o, &err), -EINVAL);
	assert_has(dp_err_msg(&err), "build-id none");
	dp_vmlinux_release(&v);

	/* --ignore-build-id: used, said so, not marked checked. */
	o.explicit_path = DP_FIXTURE_VMLINUX_OTHER;
	o.ignore_build_id = true;
	find_ok(&v, &o);
	assert_string_equal(v.path, DP_FIXTURE_VMLINUX_OTHER);
	assert_int_equal(v.source, DP_VMLINUX_EXPLICIT);
	assert_false(v.buildid_checked);
	assert_has(v.notes.buf, "used anyway (--ignore-build-id)");
	dp_vmlinux_release(&v);

	/* The right one. */
	o.explicit_path = DP_FIXTURE_VMLINUX;
	o.ignore_build_id = false;
	find_ok(&v, &o);
	assert_string_equal(v.path, DP_FIXTURE_VMLINUX);
	assert_true(v.buildid_checked);
	assert_string_equal(v.notes.buf, "");
	dp_vmlinux_release(&v);

	/* A kernel of unknown build-id: used unchecked, with a note. */
	o.want = NULL;
	o.explicit_path = DP_FIXTURE_VMLINUX_OTHER;
	find_ok(&v, &o);
	assert_false(v.buildid_checked);
	assert_has(v.notes.buf, "not checked");
	dp_vmlinux_release(&v);

	/* Missing and garbage files stop the command. */
	o.explicit_path = "/nonexistent/vmlinux";
	assert_int_equal(dp_vmlinux_find(&v, &o, &err), -ENOENT);
	assert_has(dp_err_msg(&err), "/nonexistent/vmlinux");
	dp_vmlinux_release(&v);
	o.explicit_path = "tests/fixtures/vmlinux/spec";
	assert_int_equal(dp_vmlinux_find(&v, &o, &err), -EINVAL);
	dp_vmlinux_release(&v);
	dp_err_release(&err);
}

static void test_nothing_found(void **state)
{
	struct tree *t = *state;
	struct dp_vmlinux_opts o = opts(t);
	const char *last;
	struct dp_vmlinux v;

	find_ok(&v, &o);
	assert_null(v.path);
	assert_int_equal(v.source, DP_VMLINUX_NONE);
	last = last_line(&v);
	assert_has(last, "linux-image-" RELEASE "-dbg");
	assert_has(last, "DEBUGINFOD_URLS");
	assert_has(last, "--vmlinux FILE");
	assert_has(last, DP_FIXTURE_BUILDID);
	/* Absent files are the usual case: the how-to is the only line. */
	assert_ptr_equal(last, v.notes.buf);
	dp_vmlinux_release(&v);

	/* Unusable files in the way: one note each, then the how-to. */
	put_bytes(t, "usr/lib/debug/boot/vmlinux-" RELEASE, "not an elf\n");
	put(t, "boot/vmlinux-" RELEASE, DP_FIXTURE_VMLINUX_OTHER);
	find_ok(&v, &o);
	assert_null(v.path);
	assert_has(v.notes.buf, "usr/lib/debug/boot/vmlinux-" RELEASE "' is not an ELF file\n");
	assert_has(v.notes.buf, "/boot/vmlinux-" RELEASE "' has build-id " DP_FIXTURE_BUILDID_OTHER);
	assert_has(last_line(&v), "install the distribution's kernel debug package");
	dp_vmlinux_release(&v);
}

/* --ignore-build-id takes another build only when nothing matches. */
static void test_ignore_build_id(void **state)
{
	struct tree *t = *state;
	struct dp_vmlinux_opts o = opts(t);
	char *rel = buildid_rel(DP_FIXTURE_BUILDID);
	struct dp_vmlinux v;

	o.ignore_build_id = true;
	put(t, "boot/vmlinux-" RELEASE, DP_FIXTURE_VMLINUX_OTHER);
	find_ok(&v, &o);
	assert_path(&v, t, "boot/vmlinux-" RELEASE);
	assert_false(v.buildid_checked);
	assert_has(v.notes.buf, "used anyway (--ignore-build-id)");
	dp_vmlinux_release(&v);

	put(t, rel, DP_FIXTURE_VMLINUX);
	find_ok(&v, &o);
	assert_path(&v, t, rel);
	assert_true(v.buildid_checked);
	assert_has(v.notes.buf, "has build-id " DP_FIXTURE_BUILDID_OTHER);
	dp_vmlinux_release(&v);
	free(rel);
}

static void test_unknown_kernel_buildid(void **state)
{
	struct tree *t = *state;
	struct dp_vmlinux_opts o = opts(t);
	struct dp_vmlinux v;

	o.want = NULL;
	put(t, "boot/vmlinux-" RELEASE, DP_FIXTURE_VMLINUX);
	find_ok(&v, &o);
	assert_null(v.path);
	assert_has(v.notes.buf, "the kernel's build-id is unknown (--ignore-build-id uses it)");
	dp_vmlinux_release(&v);

	o.ignore_build_id = true;
	find_ok(&v, &o);
	assert_path(&v, t, "boot/vmlinux-" RELEASE);
	assert_false(v.buildid_checked);
	dp_vmlinux_release(&v);
}

/* A matching file without DWARF (a stripped /boot/vmlinux) is skipped. */
static void test_no_dwarf(void **state)
{
	struct tree *t = *state;
	struct dp_vmlinux_opts o = opts(t);
	char *cmd = NULL, *rel = buildid_rel(DP_FIXTURE_BUILDID);
	struct dp_vmlinux v;

	mkdirs(t->root, "boot/x");
	assert_true(asprintf(&cmd, "objcopy --strip-debug '%s' '%s/boot/vmlinux-" RELEASE "' 2>/dev/null",
			     DP_FIXTURE_VMLINUX, t->root) > 0);
	if (system(cmd) != 0) {
		free(cmd);
		free(rel);
		skip();
	}
	free(cmd);
	put(t, rel, DP_FIXTURE_VMLINUX);
	find_ok(&v, &o);
	assert_path(&v, t, rel);
	assert_has(v.notes.buf, "/boot/vmlinux-" RELEASE "' has no DWARF debug info\n");
	dp_vmlinux_release(&v);
	free(rel);
}

/* A port of 127.0.0.1 that nothing listens on (just closed). */
static int closed_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void set_debuginfod(const struct tree *t, int port, const char *cache)
{
	char url[64], path[1024];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	setenv("DEBUGINFOD_URLS", url, 1);
	snprintf(path, sizeof(path), "%s/%s", t->root, cache);
	setenv("DEBUGINFOD_CACHE_PATH", path, 1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_debuginfod_closed_port(void **state)
{
	struct tree *t = *state;
	struct dp_vmlinux_opts o = opts(t);
	struct dp_vmlinux v;
	double t0;

	set_debuginfod(t, closed_port(), "cache");
	/* Asked only when allowed. */
	find_ok(&v, &o);
	assert_null(strstr(v.notes.buf, "debuginfod:"));
	dp_vmlinux_release(&v);

	o.no_debuginfod = false;
	o.debuginfod_timeout = 5;
	t0 = now();
	find_ok(&v, &o);
	/* Bounded: refused at once, never the 90 s of a stalled server. */
	assert_true(now() - t0 < 30);
	assert_null(v.path);
	assert_has(v.notes.buf, "debuginfod: ");
	assert_has(v.notes.buf, "DEBUGINFOD_URLS=http://127.0.0.1:");
	assert_has(last_line(&v), "--vmlinux FILE");
	dp_vmlinux_release(&v);
}

/* A server that takes the connection and never answers: only the
 * locator's own time bound ends the wait. */
static void test_debuginfod_timeout(void **state)
{
	struct tree *t = *state;
	struct dp_vmlinux_opts o = opts(t);
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	struct dp_vmlinux v;
	int fd;
	double t0;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	set_debuginfod(t, ntohs(sa.sin_port), "cache");
	o.no_debuginfod = false;
	o.debuginfod_timeout = 1;
	t0 = now();
	find_ok(&v, &o);
	close(fd);
	assert_true(now() - t0 < 15);
	assert_null(v.path);
	assert_has(v.notes.buf, "debuginfod: timed out after 1 s");
	dp_vmlinux_release(&v);
}

/* python3 -m http.server on a free port of 127.0.0.1, serving dir.
 * Returns its pid (0: python3 missing) and sets *port. */
static pid_t start_server(const char *dir, int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char ps[16];
	pid_t pid;

	if (system("python3 -c 'import http.server' >/dev/null 2>&1") != 0)
		return 0;
	*port = closed_port();
	snprintf(ps, sizeof(ps), "%d", *port);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execlp("python3", "python3", "-m", "http.server", "--bind", "127.0.0.1",
		       "--directory", dir, ps, (char *)NULL);
		_exit(127);
	}
	sa.sin_port = htons((uint16_t)*port);
	for (int i = 0; i < 200; i++) {      /* up to 10 s to listen */
		int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

		ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		close(fd);
		if (ok)
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			fail_msg("python3 http.server exited before listening on %d", *port);
		usleep(50 * 1000);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	fail_msg("python3 http.server did not listen on %d within 10 s", *port);
	return 0;
}

struct progress {
	int calls;
	int cancel;
};

static int on_progress(uint64_t done, uint64_t total, void *ctx)
{
	struct progress *p = ctx;

	p->calls++;
	return p->cancel;
}

static void test_debuginfod_fetch(void **state)
{
	struct tree *t = *state;
	struct dp_vmlinux_opts o = opts(t);
	struct progress pr = { 0 };
	char srv[1024];
	struct dp_vmlinux v;
	int port = 0;

	if (getenv("DP_TEST_NO_DEBUGINFOD_FETCH")) {
		print_message("DP_TEST_NO_DEBUGINFOD_FETCH is set: skipped\n");
		skip();
	}
	snprintf(srv, sizeof(srv), "%s/srv", t->root);
	put(t, "srv/buildid/" DP_FIXTURE_BUILDID "/debuginfo", DP_FIXTURE_VMLINUX);
	/* The other build under the other id: a server that lies. */
	put(t, "srv/buildid/" DP_FIXTURE_BUILDID_OTHER "/debuginfo", DP_FIXTURE_VMLINUX);
	t->server = start_server(srv, &port);
	if (!t->server) {
		print_message("python3 not found: the debuginfod fetch is not tested (install python3)\n");
		skip();
	}
	o.no_debuginfod = false;
	o.debuginfod_timeout = 30;
	o.progress = on_progress;
	o.progress_ctx = &pr;

	/* Cancelled by the progress callback (a stop signal): nothing. */
	pr.cancel = 1;
	set_debuginfod(t, port, "cache-cancel");
	find_ok(&v, &o);
	assert_null(v.path);
	assert_has(v.notes.buf, "debuginfod: cancelled\n");
	assert_true(pr.calls >= 1);
	dp_vmlinux_release(&v);

	pr.cancel = 0;
	set_debuginfod(t, port, "cache");
	find_ok(&v, &o);
	if (!v.path)
		fail_msg("not fetched:\n%s", v.notes.buf);
	assert_int_equal(v.source, DP_VMLINUX_DEBUGINFOD);
	assert_true(v.buildid_checked);
	assert_true(dp_buildid_equal(&v.buildid, &t->want));
	assert_has(v.path, "/cache/");
	{
		struct dp_err err = DP_ERR_INIT;
		struct dp_buildid got;

		assert_int_equal(dp_buildid_read_elf(v.path, &got, &err), 0);
		assert_true(dp_buildid_equal(&got, &t->want));
	}
	dp_vmlinux_release(&v);

	/* A file served under the kernel's id that is another build. */
	assert_int_equal(dp_buildid_parse(DP_FIXTURE_BUILDID_OTHER, &t->want), 0);
	find_ok(&v, &o);
	assert_null(v.path);
	assert_has(v.notes.buf, "debuginfod: '");
	assert_has(v.notes.buf, "' has build-id " DP_FIXTURE_BUILDID ", the kernel's is "
		   DP_FIXTURE_BUILDID_OTHER);
	dp_vmlinux_release(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_skips_other_build, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explicit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignore_build_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_kernel_buildid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_dwarf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_debuginfod_closed_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_debuginfod_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_debuginfod_fetch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
