/* netns — find the machine's network namespaces and run work inside each
 * on a helper thread (see netns.h).
 *
 * Discovery only stat()s nsfs files: it never opens or holds a
 * namespace, so a namespace dropprof saw at the start is free to go away
 * during the recording (and is then noted as gone).  Entering opens the
 * file again and checks it still leads to the namespace of that identity:
 * a pid reused by a process elsewhere, or a name deleted and made again,
 * is another namespace.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dropprof/kernel/netns.h"

/* ---- the set ---------------------------------------------------------- */

void dp_netns_set_release(struct dp_netns_set *set)
{
	for (size_t i = 0; i < set->nr; i++) {
		free(set->v[i].name);
		free(set->v[i].path);
	}
	free(set->v);
	*set = (struct dp_netns_set){ 0 };
}

const struct dp_netns *dp_netns_find(const struct dp_netns_set *set,
				     uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < set->nr; i++)
		if (set->v[i].dev == dev && set->v[i].ino == ino)
			return &set->v[i];
	return NULL;
}

struct builder {
	struct dp_netns_set *set;
	size_t cap;
};

static struct dp_netns *find_mut(struct builder *b, const struct stat *st)
{
	return (struct dp_netns *)dp_netns_find(b->set, st->st_dev, st->st_ino);
}

/* Takes name and path (freed on failure). */
static int push(struct builder *b, const struct stat *st,
		enum dp_netns_kind kind, char *name, char *path)
{
	struct dp_netns *v;

	if (!name || !path)
		goto out_nomem;
	if (b->set->nr == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;

		v = reallocarray(b->set->v, cap, sizeof(*v));
		if (!v)
			goto out_nomem;
		b->set->v = v;
		b->cap = cap;
	}
	b->set->v[b->set->nr++] = (struct dp_netns){
		.dev = st->st_dev, .ino = st->st_ino, .kind = kind,
		.name = name, .path = path,
	};
	return 0;

out_nomem:
	free(name);
	free(path);
	return -ENOMEM;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

static void read_comm(const char *proc, int pid, char comm[16])
{
	char path[300];
	ssize_t n;
	int fd;

	comm[0] = '\0';
	snprintf(path, sizeof(path), "%s/%d/comm", proc, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, comm, 15);
	close(fd);
	if (n <= 0)
		n = 0;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

/* A name `ip netns` could have made: no '/', not "." or "..". */
static bool is_netns_name(const char *s)
{
	return *s && strcmp(s, ".") && strcmp(s, "..") && !strchr(s, '/');
}

/* The namespaces named under run_netns.  nsfs is one filesystem: a
 * namespace's file is a regular file on the device of dropprof's own
 * (nsfs_dev); anything else there is not one (a file left after a failed
 * `ip netns add`, or after an unmount that failed). */
static int add_named(struct builder *b, const char *run_netns, dev_t nsfs_dev)
{
	DIR *d = opendir(run_netns);
	struct dirent *de;
	int err = 0;

	if (!d)
		return 0;
	while (!err && (de = readdir(d))) {
		struct dp_netns *ns;
		struct stat st;
		char *path;

		if (!is_netns_name(de->d_name))
			continue;
		path = xasprintf("%s/%s", run_netns, de->d_name);
		if (!path) {
			err = -ENOMEM;
			break;
		}
		if (stat(path, &st) || !S_ISREG(st.st_mode) || st.st_dev != nsfs_dev) {
			free(path);
			continue;
		}
		ns = find_mut(b, &st);
		if (!ns) {
			err = push(b, &st, DP_NETNS_NAMED, strdup(de->d_name), path);
			b->set->named += !err;
			continue;
		}
		/* One namespace under several names: the first in order, so
		 * that it is named the same whatever readdir's order. */
		if (ns->kind == DP_NETNS_NAMED && strcmp(de->d_name, ns->name) < 0) {
			char *name = strdup(de->d_name);

			if (!name) {
				free(path);
				err = -ENOMEM;
				break;
			}
			free(ns->name);
			free(ns->path);
			ns->name = name;
			ns->path = path;
			continue;
		}
		free(path);
	}
	closedir(d);
	return err;
}

static bool is_pid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Every process's namespace: new ones are added, and each namespace
 * learns its lowest pid (readdir of /proc gives pids in ascending
 * order, but a pid is compared anyway). */
static int add_processes(struct builder *b, const char *proc)
{
	DIR *d = opendir(proc);
	struct dirent *de;
	int err = 0;

	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		char path[300];
		struct dp_netns *ns;
		struct stat st;
		int pid;

		if (!is_pid(de->d_name))
			continue;
		pid = atoi(de->d_name);
		snprintf(path, sizeof(path), "%s/%s/ns/net", proc, de->d_name);
		if (stat(path, &st)) {
			/* ENOENT: the process ended meanwhile. */
			if (errno == EACCES || errno == EPERM) {
				if (!b->set->hidden++ || pid < b->set->first_hidden)
					b->set->first_hidden = pid;
			}
			continue;
		}
		ns = find_mut(b, &st);
		if (!ns) {
			err = push(b, &st, DP_NETNS_PROCESS,
				   xasprintf("netns:[%" PRIu64 "]", (uint64_t)st.st_ino),
				   strdup(path));
			if (err)
				break;
			ns = &b->set->v[b->set->nr - 1];
		}
		if (!ns->pid || pid < ns->pid) {
			ns->pid = pid;
			read_comm(proc, pid, ns->comm);
			/* A named namespace keeps its own path; a process one
			 * is entered through its lowest pid. */
			if (ns->kind == DP_NETNS_PROCESS) {
				char *p = strdup(path);

				if (!p) {
					err = -ENOMEM;
					break;
				}
				free(ns->path);
				ns->path = p;
			}
		}
	}
	closedir(d);
	return err;
}

static int cmp_netns(const void *a, const void *b)
{
	const struct dp_netns *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->kind == DP_NETNS_NAMED)
		return strcmp(x->name, y->name);
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* kthreadd's: kernel threads always run in the initial namespace.  It
 * is pid 2 with parent 0 in the initial pid namespace only (inside a
 * container pid 2 is an ordinary process). */
static bool is_kthreadd(const char *proc)
{
	char path[300], comm[16];
	char line[256];
	bool parent0 = false;
	FILE *f;

	read_comm(proc, 2, comm);
	if (strcmp(comm, "kthreadd"))
		return false;
	snprintf(path, sizeof(path), "%s/2/status", proc);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "PPid:", 5))
			parent0 = atoi(line + 5) == 0;
	fclose(f);
	return parent0;
}

/* The initial namespace: kthreadd's, else PID 1's (which an unprivileged
 * user, or a root without all of PID 1's capabilities, cannot look at;
 * it is then found only if a process in it can be). */
static bool find_root(const char *proc, struct stat *st, char *path, size_t size)
{
	if (is_kthreadd(proc)) {
		snprintf(path, size, "%s/2/ns/net", proc);
		if (!stat(path, st))
			return true;
	}
	snprintf(path, size, "%s/1/ns/net", proc);
	return !stat(path, st);
}

int dp_netns_discover(struct dp_netns_set *set, const char *proc,
		      const char *run_netns)
{
	struct builder b = { .set = set };
	struct stat own, root;
	char path[300];
	int err;

	*set = (struct dp_netns_set){ 0 };
	snprintf(path, sizeof(path), "%s/thread-self/ns/net", proc);
	if (stat(path, &own)) {
		snprintf(path, sizeof(path), "%s/self/ns/net", proc);
		if (stat(path, &own))
			return -errno;
	}
	if (find_root(proc, &root, path, sizeof(path))) {
		err = push(&b, &root, DP_NETNS_ROOT, strdup("root"), strdup(path));
		if (err)
			goto out_release;
	}
	err = add_named(&b, run_netns, own.st_dev);
	if (!err)
		err = add_processes(&b, proc);
	if (!err && !find_mut(&b, &own)) {
		/* Ours, though no process could be seen in it (a thread of a
		 * process whose leader is elsewhere). */
		snprintf(path, sizeof(path), "%s/thread-self/ns/net", proc);
		err = push(&b, &own, DP_NETNS_PROCESS,
			   xasprintf("netns:[%" PRIu64 "]", (uint64_t)own.st_ino),
			   strdup(path));
	}
	if (err)
		goto out_release;
	find_mut(&b, &own)->own = true;
	if (set->nr > 1)
		qsort(set->v, set->nr, sizeof(*set->v), cmp_netns);
	return 0;

out_release:
	dp_netns_set_release(set);
	return err;
}

/* ---- entering --------------------------------------------------------- */

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

int dp_netns_cookie(uint64_t *cookie)
{
	/* Any socket tells the namespace it was made in; a unix one needs
	 * nothing set up. */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(*cookie);
	int err = 0;

	*cookie = 0;
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len))
		err = -errno;
	close(fd);
	return err;
}

struct job {
	struct dp_netns *const *list;
	size_t nr;
	dp_netns_fn fn;
	void *arg;
	unsigned int budget_ms;
	int *status;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Enter ns on this thread: 0 or -errno (see dp_netns_each()). */
static int enter(const struct dp_netns *ns)
{
	struct stat st;
	int fd, err = 0;

	fd = open(ns->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? -ENOENT : -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (st.st_dev != ns->dev || st.st_ino != ns->ino)
		err = -ESTALE;
	else if (setns(fd, CLONE_NEWNET))
		err = errno == EINVAL ? -ENOENT : -errno;
	close(fd);
	return err;
}

static void *run_job(void *arg)
{
	struct job *j = arg;
	double start = now_ms();
	/* Back home for dropprof's own namespace once the thread has left
	 * it (reading it needs no privilege, coming back does). */
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	bool away = false;

	for (size_t i = 0; i < j->nr; i++) {
		const struct dp_netns *ns = j->list[i];
		int err = 0;

		if (j->budget_ms && now_ms() - start > j->budget_ms) {
			j->status[i] = -ETIMEDOUT;
			continue;
		}
		if (!ns->own) {
			err = enter(ns);
			away = away || !err;
		} else if (away) {
			err = home < 0 ? -EBADF :
			      setns(home, CLONE_NEWNET) ? -errno : 0;
			away = err != 0;
		}
		j->status[i] = err ? err : j->fn(ns, i, j->arg);
	}
	if (home >= 0)
		close(home);
	return NULL;
}

int dp_netns_each(struct dp_netns *const *list, size_t nr, dp_netns_fn fn,
		  void *arg, unsigned int budget_ms, int *status)
{
	struct job j = { list, nr, fn, arg, budget_ms, status };
	sigset_t all, old;
	pthread_t th;
	int err;

	if (!nr)
		return 0;
	/* The thread inherits this mask: signals stay with the threads
	 * that handle them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&th, NULL, run_job, &j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		for (size_t i = 0; i < nr; i++)
			status[i] = err;
		return err;
	}
	pthread_join(th, NULL);
	return 0;
}
