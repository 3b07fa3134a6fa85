/* signals — the process's signal handling (see the header): a
 * self-pipe for the first stop signal, the cleanup registry and the
 * default action for the next one.  Everything the handler touches is
 * async-signal-safe: write(2) on a non-blocking pipe, dp_cleanup_run(),
 * sigaction, sigprocmask, raise, _exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "dropprof/cmd/signals.h"
#include "dropprof/util/cleanup.h"

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

static int stop_pipe[2] = { -1, -1 };
static volatile sig_atomic_t stop_first;
static volatile sig_atomic_t received;

static void die_of(int sig)
{
	struct sigaction sa;
	sigset_t set;

	dp_cleanup_run();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);    /* a signal whose default is not to die */
}

static void on_signal(int sig)
{
	int saved = errno;

	if (stop_first && !received) {
		received = sig;
		/* Non-blocking; one byte is enough and nobody reads it. */
		if (write(stop_pipe[1], "", 1) < 0)
			(void)0;
		errno = saved;
		return;
	}
	die_of(sig);
}

int dp_signals_init(bool stop)
{
	struct sigaction sa, old;

	if (stop_pipe[0] < 0 && pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	stop_first = stop;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* SA_RESTART: a signal must not turn a write of the report into
	 * an EINTR failure.  The mask keeps a second signal from running
	 * the cleanup while the first handler still runs. */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaddset(&sa.sa_mask, stop_signals[i]);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++) {
		if (sigaction(stop_signals[i], NULL, &old) < 0)
			return -errno;
		if (old.sa_handler == SIG_IGN)
			continue;    /* nohup, or '&' in a script */
		if (sigaction(stop_signals[i], &sa, NULL) < 0)
			return -errno;
	}
	/* An inherited blocked mask would make dropprof unstoppable but
	 * by SIGKILL, which leaves the tracefs mount behind. */
	sigprocmask(SIG_UNBLOCK, &sa.sa_mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int dp_signals_stop_fd(void)
{
	return stop_pipe[0];
}

int dp_signals_received(void)
{
	return received;
}
