/*
 * benchrun — run one tracer for the benchmark and measure it from outside.
 *
 *   benchrun [-t SECONDS] STATFILE PIDFILE -- CMD [ARGS...]
 *
 * Starts CMD in a process group of its own (so a Ctrl-C at the terminal
 * reaches it once, through us, and never twice), writes its PID to PIDFILE,
 * forwards SIGINT, SIGTERM and SIGHUP to it, and when it exits writes one
 * line to STATFILE:
 *
 *   status=N utime=S stime=S maxrss_kb=K stop_to_exit=S signalled=0|1
 *
 * utime, stime and maxrss_kb come from wait4(2), so they cover the whole
 * life of CMD, report writing included.  stop_to_exit is the time from the
 * first forwarded signal to CMD's exit (-1 if CMD exited before any signal).
 * status is the exit status, or 128+signal.  After -t SECONDS (default 600)
 * CMD is killed with SIGKILL: nothing outlives a forgotten benchmark.
 * If benchrun itself dies, CMD gets SIGTERM (PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t signalled;
static volatile sig_atomic_t timed_out;
static struct timespec sig_time;

static void on_signal(int sig)
{
	int saved = errno;

	if (!signalled) {
		clock_gettime(CLOCK_MONOTONIC, &sig_time);
		signalled = 1;
	}
	if (child_pid > 0)
		kill(child_pid, sig);
	errno = saved;
}

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	if (child_pid > 0)
		kill(child_pid, SIGKILL);
}

static void usage(void)
{
	fprintf(stderr, "usage: benchrun [-t SECONDS] STATFILE PIDFILE -- CMD [ARGS...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const int fwd[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	struct rusage ru;
	struct timespec exit_time;
	sigset_t all, old;
	unsigned long timeout = 600;
	const char *statfile, *pidfile;
	double stop_to_exit = -1;
	int status = 0, code, i = 1;
	pid_t pid, w;
	FILE *f;

	if (argc > 2 && !strcmp(argv[1], "-t")) {
		char *end;

		timeout = strtoul(argv[2], &end, 10);
		if (*end || timeout == 0 || timeout > 3600)
			usage();
		i = 3;
	}
	if (argc - i < 4 || strcmp(argv[i + 2], "--"))
		usage();
	statfile = argv[i];
	pidfile = argv[i + 1];
	argv += i + 3;

	/* Handlers in place before the child exists: no signal is missed. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	memset(&sa, 0, sizeof(sa));
	sigfillset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	for (size_t k = 0; k < sizeof(fwd) / sizeof(fwd[0]); k++)
		sigaction(fwd[k], &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);

	pid = fork();
	if (pid < 0) {
		perror("benchrun: fork");
		return 1;
	}
	if (pid == 0) {
		pid_t parent = getppid();

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		sa.sa_handler = SIG_DFL;
		for (size_t k = 0; k < sizeof(fwd) / sizeof(fwd[0]); k++)
			sigaction(fwd[k], &sa, NULL);
		sigaction(SIGALRM, &sa, NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[0], argv);
		fprintf(stderr, "benchrun: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	child_pid = pid;

	f = fopen(pidfile, "w");
	if (f) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	alarm((unsigned)timeout);
	sigprocmask(SIG_SETMASK, &old, NULL);

	do
		w = wait4(pid, &status, 0, &ru);
	while (w < 0 && errno == EINTR);
	clock_gettime(CLOCK_MONOTONIC, &exit_time);
	alarm(0);
	if (w < 0) {
		perror("benchrun: wait4");
		return 1;
	}

	sigprocmask(SIG_BLOCK, &all, NULL);
	if (signalled)
		stop_to_exit = (double)(exit_time.tv_sec - sig_time.tv_sec) +
			       (exit_time.tv_nsec - sig_time.tv_nsec) / 1e9;
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	f = fopen(statfile, "w");
	if (!f) {
		perror("benchrun: cannot write stat file");
		return 1;
	}
	fprintf(f, "status=%d utime=%.3f stime=%.3f maxrss_kb=%ld stop_to_exit=%.4f signalled=%d%s\n",
		code, ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
		ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss, stop_to_exit,
		(int)signalled, timed_out ? " timed_out=1" : "");
	if (fclose(f)) {
		perror("benchrun: cannot write stat file");
		return 1;
	}
	return code;
}
