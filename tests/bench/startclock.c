/*
 * startclock — time how long a command takes to say it is ready.
 *
 *   startclock [-t READY_S] [-s STOP_S] [-i] [-o FILE] MATCH -- CMD [ARGS...]
 *
 * Runs CMD with its stderr on a pipe and takes CLOCK_MONOTONIC just before
 * the fork and again the moment a stderr line containing MATCH has been read
 * (dropprof prints "recording on N CPUs" once its events are enabled).  The
 * stderr bytes are copied to FILE (-o) or to our stderr.  With -i, CMD gets
 * SIGINT as soon as the line is there; otherwise it is left to finish by
 * itself (dropprof -d).  Then one line goes to stdout:
 *
 *   ready=S stop_to_exit=S status=N maxrss_kb=K utime=S stime=S
 *
 * ready is the time from fork to the line (-1: it never came); stop_to_exit
 * the time from the SIGINT to CMD's exit (-1 without -i or without the
 * line); status CMD's exit status or 128+signal; the rest from wait4(2), the
 * whole life of CMD.
 *
 * Every wait is bounded: without the line after READY_S (default 30) seconds,
 * or still running STOP_S (default 30) seconds after the line, CMD gets
 * SIGINT (dropprof then removes its tracefs instance), and SIGKILL STOP_S
 * seconds later.  SIGINT, SIGTERM and SIGHUP sent to us are passed on; CMD
 * runs in a process group of its own (a terminal's Ctrl-C reaches it once,
 * through us) and gets SIGTERM if we die (PR_SET_PDEATHSIG).
 *
 * Exit status: 0 when the line came and CMD exited with 0, 1 otherwise,
 * 2 on a usage error.
 */
#define _GNU_SOURCE    /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
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
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	int saved = errno;

	got_signal = sig;
	if (child_pid > 0)
		kill(child_pid, sig);
	errno = saved;
}

static void usage(void)
{
	fprintf(stderr, "usage: startclock [-t READY_S] [-s STOP_S] [-i] [-o FILE] MATCH -- CMD [ARGS...]\n");
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long seconds_arg(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > 3600)
		usage();
	return v;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;    /* a lost copy of stderr must not stop the clock */
		p += w;
		n -= (size_t)w;
	}
}

/* The line being read, kept until its newline so that MATCH is found even
 * when it arrives in two reads. */
struct line {
	char *buf;
	size_t len, cap;
};

static bool line_feed(struct line *l, const char *p, size_t n, const char *match)
{
	bool found = false;

	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;

		if (l->len + take + 1 > l->cap) {
			size_t cap = l->cap ? l->cap : 256;
			char *b;

			while (cap < l->len + take + 1)
				cap *= 2;
			b = realloc(l->buf, cap);
			if (!b) {
				perror("startclock");
				exit(1);
			}
			l->buf = b;
			l->cap = cap;
		}
		memcpy(l->buf + l->len, p, take);
		l->len += take;
		l->buf[l->len] = '\0';
		if (strstr(l->buf, match))
			found = true;
		if (!nl)
			break;
		l->len = 0;
		p = nl + 1;
		n -= take + 1;
	}
	return found;
}

int main(int argc, char **argv)
{
	const int fwd[] = { SIGINT, SIGTERM, SIGHUP };
	unsigned long ready_s = 30, stop_s = 30;
	const char *outfile = NULL, *match;
	bool interrupt = false, seen = false, eof = false, stopped = false, killed = false;
	double t0, t_ready = -1, t_sig = -1, t_exit, deadline;
	struct line line = { 0 };
	struct sigaction sa;
	struct rusage ru;
	sigset_t all, old;
	int pipefd[2], out = STDERR_FILENO, status = 0, code, opt;
	pid_t pid, w = 0;

	while ((opt = getopt(argc, argv, "+t:s:io:")) != -1) {
		switch (opt) {
		case 't': ready_s = seconds_arg(optarg); break;
		case 's': stop_s = seconds_arg(optarg); break;
		case 'i': interrupt = true; break;
		case 'o': outfile = optarg; break;
		default: usage();
		}
	}
	if (argc - optind < 3 || strcmp(argv[optind + 1], "--") || !argv[optind][0])
		usage();
	match = argv[optind];
	argv += optind + 2;

	if (outfile) {
		out = open(outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out < 0) {
			fprintf(stderr, "startclock: cannot open '%s': %s\n", outfile, strerror(errno));
			return 1;
		}
	}
	if (pipe2(pipefd, O_CLOEXEC)) {
		perror("startclock: pipe");
		return 1;
	}

	/* Handlers in place before the child exists: no signal is missed. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	memset(&sa, 0, sizeof(sa));
	sigfillset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	for (size_t k = 0; k < sizeof(fwd) / sizeof(fwd[0]); k++)
		sigaction(fwd[k], &sa, NULL);

	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("startclock: fork");
		return 1;
	}
	if (pid == 0) {
		pid_t parent = getppid();
		int devnull = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		sa.sa_handler = SIG_DFL;
		for (size_t k = 0; k < sizeof(fwd) / sizeof(fwd[0]); k++)
			sigaction(fwd[k], &sa, NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[0], argv);
		fprintf(stderr, "startclock: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	child_pid = pid;
	close(pipefd[1]);
	sigprocmask(SIG_SETMASK, &old, NULL);

	/* Read stderr until EOF; the deadline moves from "line due" to "exit
	 * due" once the line is there, and escalates on expiry. */
	deadline = t0 + (double)ready_s;
	while (!eof) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		double left = deadline - now();
		char buf[4096];
		ssize_t n;
		int r;

		if (left <= 0) {
			if (!stopped) {
				fprintf(stderr, "startclock: '%s' %s after %lu s, sending SIGINT\n",
					argv[0], seen ? "still running" : "not ready", seen ? stop_s : ready_s);
				kill(pid, SIGINT);
				stopped = true;
			} else if (!killed) {
				fprintf(stderr, "startclock: '%s' still running %lu s after SIGINT, killed\n",
					argv[0], stop_s);
				kill(pid, SIGKILL);
				killed = true;
			} else {
				break;    /* a grandchild may hold the pipe: stop reading */
			}
			deadline = now() + (double)stop_s;
			continue;
		}
		r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			perror("startclock: poll");
			break;
		}
		if (r == 0)
			continue;
		n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			eof = true;
			break;
		}
		if (!seen && line_feed(&line, buf, (size_t)n, match)) {
			t_ready = now();
			seen = true;
			if (interrupt && !stopped) {
				t_sig = now();
				kill(pid, SIGINT);
				stopped = true;
			}
			deadline = now() + (double)stop_s;
		}
		write_all(out, buf, (size_t)n);
	}
	close(pipefd[0]);

	/* CMD has closed stderr, normally by exiting; bounded like the rest. */
	deadline = now() + (double)stop_s;
	for (;;) {
		w = wait4(pid, &status, WNOHANG, &ru);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (now() > deadline) {
			fprintf(stderr, "startclock: '%s' did not exit, killed\n", argv[0]);
			kill(pid, SIGKILL);
			do
				w = wait4(pid, &status, 0, &ru);
			while (w < 0 && errno == EINTR);
			break;
		}
		usleep(500);
	}
	t_exit = now();
	if (w != pid) {
		perror("startclock: wait4");
		return 1;
	}
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("ready=%.4f stop_to_exit=%.4f status=%d maxrss_kb=%ld utime=%.3f stime=%.3f\n",
	       seen ? t_ready - t0 : -1.0, t_sig >= 0 ? t_exit - t_sig : -1.0, code, ru.ru_maxrss,
	       ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	if (fflush(stdout) || (outfile && close(out)))
		return 1;
	free(line.buf);
	return seen && code == 0 && !got_signal ? 0 : 1;
}
