/* cleanup — the registry of undo actions run at fatal-signal time (see the
 * header).  Owns one static table: the signal handler must be able to read
 * it without allocating.  Every change to the table happens with the fatal
 * signals blocked, so the handler never sees a half-written slot.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "dropprof/util/cleanup.h"

struct slot {
	volatile sig_atomic_t used;
	enum dp_cleanup_kind kind;
	int fd;
	int handle;
	char *path;      /* owned; kept after the action ran (see run) */
};

/* Slots [0, nr) in registration order, holes where actions were removed
 * out of order; the top is popped while it is a hole. */
static struct slot slots[DP_CLEANUP_MAX];
static volatile sig_atomic_t nr;
static int next_handle;

void dp_cleanup_block(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
}

void dp_cleanup_unblock(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

/* Squeeze out the holes, keeping the order.  Signals are blocked. */
static void compact(void)
{
	int j = 0;

	for (int i = 0; i < nr; i++) {
		if (!slots[i].used) {
			free(slots[i].path);
			slots[i].path = NULL;
			continue;
		}
		if (i != j) {
			slots[j] = slots[i];
			slots[i].path = NULL;
			slots[i].used = 0;
		}
		j++;
	}
	nr = j;
}

int dp_cleanup_add(enum dp_cleanup_kind kind, const char *path, int fd)
{
	struct slot *s;
	char *copy = NULL;
	sigset_t old;
	int h;

	switch (kind) {
	case DP_CLEANUP_CLOSE:
		if (fd < 0)
			return -EINVAL;
		break;
	case DP_CLEANUP_UNLINK:
	case DP_CLEANUP_RMDIR:
	case DP_CLEANUP_UMOUNT:
		if (!path || !*path)
			return -EINVAL;
		copy = strdup(path);
		if (!copy)
			return -ENOMEM;
		break;
	default:
		return -EINVAL;
	}
	dp_cleanup_block(&old);
	if (nr == DP_CLEANUP_MAX)
		compact();
	if (nr == DP_CLEANUP_MAX) {
		dp_cleanup_unblock(&old);
		free(copy);
		return -ENOSPC;
	}
	s = &slots[nr];
	free(s->path);          /* left by an earlier run */
	s->kind = kind;
	s->fd = kind == DP_CLEANUP_CLOSE ? fd : -1;
	s->path = copy;
	h = s->handle = next_handle;
	next_handle = next_handle == INT_MAX ? 0 : next_handle + 1;
	s->used = 1;
	nr = nr + 1;
	dp_cleanup_unblock(&old);
	return h;
}

void dp_cleanup_remove(int handle)
{
	sigset_t old;

	if (handle < 0)
		return;
	dp_cleanup_block(&old);
	for (int i = nr - 1; i >= 0; i--) {
		if (slots[i].used && slots[i].handle == handle) {
			slots[i].used = 0;
			free(slots[i].path);
			slots[i].path = NULL;
			break;
		}
	}
	while (nr > 0 && !slots[nr - 1].used)
		nr = nr - 1;
	dp_cleanup_unblock(&old);
}

void dp_cleanup_run(void)
{
	int saved = errno;

	/* Newest first.  The path stays allocated (free() is not
	 * async-signal-safe); a later add or remove frees it. */
	for (int i = nr - 1; i >= 0; i--) {
		struct slot *s = &slots[i];

		if (!s->used)
			continue;
		s->used = 0;
		switch (s->kind) {
		case DP_CLEANUP_CLOSE:
			close(s->fd);
			break;
		case DP_CLEANUP_UNLINK:
			unlink(s->path);
			break;
		case DP_CLEANUP_RMDIR:
			rmdir(s->path);
			break;
		case DP_CLEANUP_UMOUNT:
			umount2(s->path, MNT_DETACH);
			break;
		}
	}
	errno = saved;
}
