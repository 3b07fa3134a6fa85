/* sockowner — socket inodes to the processes holding them, from the
 * "socket:[INODE]" links of /proc/PID/fd (see sockowner.h).
 *
 * The work is bounded by what is asked: pids are read in increasing
 * order (so the owners kept are the lowest ones whatever order readdir
 * gives) and the scan ends as soon as every socket has its owners.  Each
 * fd costs one readlinkat(); a comm is read once per process, only when
 * it holds one of the sockets.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dropprof/kernel/sockowner.h"

/* "socket:[" + a 64-bit number + "]": anything longer is no socket. */
#define LINK_MAX_LEN 40

struct scan {
	struct dp_sockowner **by_inode;     /* sorted */
	size_t nr;
	size_t left;                        /* sockets short of want owners */
	unsigned int want;
};

static int cmp_owner(const void *a, const void *b)
{
	const struct dp_sockowner *x = *(struct dp_sockowner *const *)a;
	const struct dp_sockowner *y = *(struct dp_sockowner *const *)b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static int cmp_pid(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* A directory name that is a pid: digits only, no leading zero. */
static int parse_pid(const char *s)
{
	long v = 0;

	if (s[0] < '1' || s[0] > '9')
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (long)1 << 31)
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v <= 0x7fffffff ? (int)v : 0;
}

/* The pids under proc, sorted. */
static int list_pids(const char *proc, int **pids, size_t *nr)
{
	DIR *d = opendir(proc);
	size_t cap = 0, n = 0;
	struct dirent *e;
	int *v = NULL, err = 0;

	if (!d)
		return -errno;
	while ((errno = 0, e = readdir(d))) {
		int pid = parse_pid(e->d_name);

		if (!pid)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 512;
			int *nv = reallocarray(v, ncap, sizeof(*v));

			if (!nv) {
				err = -ENOMEM;
				goto out_close;
			}
			v = nv;
			cap = ncap;
		}
		v[n++] = pid;
	}
	if (errno)
		err = -errno;
out_close:
	closedir(d);
	if (err) {
		free(v);
		return err;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_pid);
	*pids = v;
	*nr = n;
	return 0;
}

/* The inode of a "socket:[INODE]" link, 0 for any other. */
static uint64_t socket_inode(const char *s, size_t len)
{
	uint64_t v = 0;

	if (len < 10 || memcmp(s, "socket:[", 8) || s[len - 1] != ']')
		return 0;
	for (size_t i = 8; i < len - 1; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	return v;
}

/* /proc/PID/comm into comm; false when the process is gone. */
static bool read_comm(int procfd, const char *pid, char comm[16])
{
	char path[32], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/comm", pid);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* TASK_COMM_LEN: 15 bytes and the NUL (a kernel thread's fuller
	 * name is cut as ps cuts it). */
	n = (ssize_t)strcspn(buf, "\n");
	if (n > 15)
		n = 15;
	memcpy(comm, buf, (size_t)n);
	comm[n] = '\0';
	return true;
}

enum proc_result { PROC_READ, PROC_VANISHED, PROC_UNREADABLE };

/* Look at one process's fds; the sockets it holds get it as an owner. */
static enum proc_result scan_proc(struct scan *s, int procfd, int pid)
{
	char name[16], path[32], link[LINK_MAX_LEN + 1], comm[16] = "";
	bool have_comm = false;
	struct dirent *e;
	DIR *d;
	int fd;

	snprintf(name, sizeof(name), "%d", pid);
	snprintf(path, sizeof(path), "%d/fd", pid);
	fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? PROC_VANISHED :
							   PROC_UNREADABLE;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return PROC_UNREADABLE;
	}
	while (s->left && (e = readdir(d))) {
		struct dp_sockowner key, *kp = &key, **hit, *o;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		/* A link longer than LINK_MAX_LEN is no socket: cut, it
		 * fails the test below. */
		n = readlinkat(fd, e->d_name, link, sizeof(link));
		if (n <= 0 || (size_t)n > LINK_MAX_LEN)
			continue;       /* closed meanwhile, or not a socket */
		key.inode = socket_inode(link, (size_t)n);
		if (!key.inode)
			continue;
		hit = bsearch(&kp, s->by_inode, s->nr, sizeof(*s->by_inode),
			      cmp_owner);
		if (!hit)
			continue;
		o = *hit;
		/* The same socket in two fds of one process (dup, fork). */
		if (o->nr && o->v[o->nr - 1].pid == pid)
			continue;
		if (o->nr == DP_SOCKOWNER_MAX) {
			o->more = true;
			continue;
		}
		if (!have_comm) {
			if (!read_comm(procfd, name, comm)) {
				closedir(d);
				return PROC_VANISHED;
			}
			have_comm = true;
		}
		o->v[o->nr].pid = pid;
		memcpy(o->v[o->nr].comm, comm, sizeof(comm));
		o->nr++;
		if (o->nr == s->want)
			s->left--;
	}
	closedir(d);
	return PROC_READ;
}

int dp_sockowner_find(const char *proc, struct dp_sockowner *v, size_t nr,
		      unsigned int want, struct dp_sockowner_stats *st)
{
	struct dp_sockowner_stats stats = { 0 };
	struct scan s = { .nr = nr, .left = nr, .want = want };
	int *pids = NULL, procfd, err;
	size_t npids = 0, i;

	if (st)
		*st = stats;
	if (!want || want > DP_SOCKOWNER_MAX)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		if (!v[i].inode)
			return -EINVAL;
		v[i].nr = 0;
		v[i].more = false;
	}
	if (!nr) {
		if (st)
			st->complete = true;
		return 0;
	}
	s.by_inode = calloc(nr, sizeof(*s.by_inode));
	if (!s.by_inode)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		s.by_inode[i] = &v[i];
	qsort(s.by_inode, nr, sizeof(*s.by_inode), cmp_owner);
	for (i = 1; i < nr; i++) {
		if (s.by_inode[i - 1]->inode == s.by_inode[i]->inode) {
			err = -EINVAL;
			goto out_free_index;
		}
	}
	procfd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0) {
		err = -errno;
		goto out_free_index;
	}
	err = list_pids(proc, &pids, &npids);
	if (err)
		goto out_close;
	for (i = 0; i < npids && s.left; i++) {
		switch (scan_proc(&s, procfd, pids[i])) {
		case PROC_READ:
			stats.processes++;
			break;
		case PROC_VANISHED:
			stats.vanished++;
			break;
		case PROC_UNREADABLE:
			if (!stats.unreadable++)
				stats.first_unreadable = pids[i];
			break;
		}
	}
	stats.complete = i == npids && !stats.unreadable;
	if (st)
		*st = stats;
	free(pids);
out_close:
	close(procfd);
out_free_index:
	free(s.by_inode);
	return err;
}
