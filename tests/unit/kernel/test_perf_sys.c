/* test_perf_sys — the advice for perf failures (dp_perf_hint), which must
 * tell a missing privilege, the locked-memory allowance and the
 * address-space limit apart; and, as root on a kernel with the skb
 * tracepoint, a real ring mapping refused by RLIMIT_AS.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "dropprof/kernel/perf_sys.h"

static const struct dp_perf_env unprivileged = { .paranoid = 2 };
static const struct dp_perf_env perfmon = { .paranoid = 2, .cap_perfmon = true };
static const struct dp_perf_env open_paranoid = { .paranoid = -1 };
static const struct dp_perf_env root = {
	.paranoid = 2, .cap_perfmon = true, .cap_ipc_lock = true,
};

#define assert_has(s, sub) do {                                        \
	if (!strstr((s), (sub)))                                       \
		fail_msg("'%s' does not say '%s'", (s), (sub));        \
} while (0)
#define assert_lacks(s, sub) do {                                      \
	if (strstr((s), (sub)))                                        \
		fail_msg("'%s' says '%s'", (s), (sub));                \
} while (0)

static void test_privilege(void **state)
{
	struct dp_perf_env p1 = { .paranoid = 1 };

	(void)state;
	/* paranoid 2 gives EACCES, 0 and 1 give EPERM: the same advice. */
	assert_has(dp_perf_hint(-EACCES, &unprivileged), "CAP_PERFMON");
	assert_has(dp_perf_hint(-EACCES, &unprivileged), "perf_event_paranoid=-1");
	assert_has(dp_perf_hint(-EPERM, &p1), "CAP_PERFMON");
	assert_lacks(dp_perf_hint(-EPERM, &p1), "ulimit -l");
}

/* With the privilege, EPERM can only be the locked-memory allowance of
 * the rings (mmap) — unless CAP_IPC_LOCK or paranoid -1 lift it. */
static void test_locked_memory(void **state)
{
	(void)state;
	assert_has(dp_perf_hint(-EPERM, &perfmon), "ulimit -l");
	assert_has(dp_perf_hint(-EPERM, &perfmon), "CAP_IPC_LOCK");
	assert_has(dp_perf_hint(-EPERM, &perfmon), "perf_event_mlock_kb");
	assert_lacks(dp_perf_hint(-EPERM, &perfmon), "give CAP_PERFMON");
	assert_lacks(dp_perf_hint(-EPERM, &root), "ulimit -l");
	assert_lacks(dp_perf_hint(-EPERM, &open_paranoid), "ulimit -l");
	assert_has(dp_perf_hint(-EPERM, &root), "security module");
}

/* ENOMEM is never blamed on locked memory (it used to be). */
static void test_address_space(void **state)
{
	struct dp_perf_env limited = root;

	(void)state;
	limited.as_limited = true;
	assert_has(dp_perf_hint(-ENOMEM, &limited), "ulimit -v");
	assert_has(dp_perf_hint(-ENOMEM, &limited), "RLIMIT_AS");
	assert_lacks(dp_perf_hint(-ENOMEM, &limited), "locked");
	assert_has(dp_perf_hint(-ENOMEM, &root), "lower -m");
	assert_lacks(dp_perf_hint(-ENOMEM, &root), "locked");
	assert_lacks(dp_perf_hint(-ENOMEM, &root), "ulimit -v");
}

static void test_others(void **state)
{
	(void)state;
	assert_has(dp_perf_hint(-EMFILE, &root), "ulimit -n");
	assert_has(dp_perf_hint(-ENOENT, &root), "CONFIG_TRACEPOINTS");
	assert_has(dp_perf_hint(-ENOSYS, &root), "CONFIG_PERF_EVENTS");
	assert_has(dp_perf_hint(-E2BIG, &root), "perf_event_open(2)");
}

/* The facts are read from the process: a finite RLIMIT_AS shows. */
static void test_env_read(void **state)
{
	struct rlimit old, rl;
	struct dp_perf_env env;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_AS, &old), 0);
	dp_perf_env_read(&env);
	assert_true(env.paranoid >= -1 && env.paranoid <= 4);
	assert_int_equal(env.as_limited, old.rlim_cur != RLIM_INFINITY);
	if (geteuid() == 0)
		assert_true(env.cap_perfmon && env.cap_ipc_lock);
	/* 64 TiB: finite, and far above anything this process (or ASan's
	 * shadow) maps, so nothing else fails meanwhile. */
	rl = old;
	rl.rlim_cur = (rlim_t)1 << 46;
	if (old.rlim_max != RLIM_INFINITY && rl.rlim_cur > old.rlim_max)
		rl.rlim_cur = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_AS, &rl), 0);
	dp_perf_env_read(&env);
	assert_int_equal(setrlimit(RLIMIT_AS, &old), 0);
	assert_true(env.as_limited);
	assert_has(dp_perf_open_hint(-ENOMEM), old.rlim_cur == RLIM_INFINITY ?
		   "lower -m" : "ulimit -v");
}

static long vm_size_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/* The real thing, in a child: a 32 MiB ring under an address-space limit
 * 8 MiB above what the process maps fails with ENOMEM, and the advice
 * names RLIMIT_AS.  Needs the tracepoint id (root), and no ASan: its
 * shadow memory does not fit under such a limit. */
static void test_mmap_rlimit_as(void **state)
{
	FILE *f = fopen("/sys/kernel/tracing/events/skb/kfree_skb/id", "re");
	int id = -1, status;
	pid_t pid;

	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	if (f)
		fclose(f);
	skip();
#endif
	if (!f) {
		print_message("skip: needs root and skb:kfree_skb in /sys/kernel/tracing\n");
		skip();
	}
	if (fscanf(f, "%d", &id) != 1)
		id = -1;
	fclose(f);
	assert_true(id > 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct dp_perf_tp_attr a = {
			.tp_id = id, .cpu = 0, .sample_type = 1 << 10 /* RAW */,
			.sample_period = 1, .wakeup_events = 1, .group_fd = -1,
		};
		struct rlimit rl;
		void *base = NULL;
		size_t len = 0;
		long vm = vm_size_bytes();
		int fd, ret;

		fd = dp_perf_open_tp(&a);
		if (fd < 0 || vm < 0)
			_exit(2);
		rl.rlim_cur = rl.rlim_max = (rlim_t)vm + (8 << 20);
		if (setrlimit(RLIMIT_AS, &rl))
			_exit(3);
		ret = dp_perf_mmap(fd, 8192, &base, &len);
		if (ret != -ENOMEM)
			_exit(4);
		if (!strstr(dp_perf_open_hint(ret), "RLIMIT_AS"))
			_exit(5);
		/* A ring that fits is fine under the same limit. */
		ret = dp_perf_mmap(fd, 8, &base, &len);
		_exit(ret == 0 ? 0 : 6);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_privilege),
		cmocka_unit_test(test_locked_memory),
		cmocka_unit_test(test_address_space),
		cmocka_unit_test(test_others),
		cmocka_unit_test(test_env_read),
		cmocka_unit_test(test_mmap_rlimit_as),
	};

	return cmocka_run_group_tests_name("perf_sys", tests, NULL, NULL);
}
