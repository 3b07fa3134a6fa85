/* outfile — output files: atomic replacement of regular files (temporary
 * + rename, the temporary registered for removal on a fatal signal),
 * writing through device nodes, FIFOs and /proc/self/fd links, and the
 * real errno of every write error (the FILE writes through a cookie that
 * keeps it: stdio alone only says "an error happened").
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dropprof/util/cleanup.h"
#include "dropprof/util/outfile.h"
#include "dropprof/util/strbuf.h"

/* Symlinks followed before giving up, as the kernel's MAXSYMLINKS. */
#define MAX_LINKS 40

struct dp_outfile_sink {
	int fd;
	int err;          /* first write error, -errno */
};

static ssize_t sink_write(void *cookie, const char *buf, size_t len)
{
	struct dp_outfile_sink *s = cookie;
	size_t done = 0;

	/* Less than len (0 on error) sets the stream's error flag. */
	if (s->err)
		return 0;
	while (done < len) {
		ssize_t n = write(s->fd, buf + done, len - done);

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* An inherited O_NONBLOCK pipe: wait, do not fail. */
			struct pollfd p = { .fd = s->fd, .events = POLLOUT };

			if (poll(&p, 1, -1) >= 0 || errno == EINTR)
				continue;
		}
		s->err = n < 0 ? -errno : -EIO;
		break;
	}
	return (ssize_t)done;
}

static int attach(struct dp_outfile *o, int fd)
{
	static const cookie_io_functions_t io = { .write = sink_write };

	o->sink = calloc(1, sizeof(*o->sink));
	if (!o->sink)
		return -ENOMEM;
	o->sink->fd = fd;
	o->fd = fd;
	o->f = fopencookie(o->sink, "w", io);
	if (!o->f) {
		free(o->sink);
		o->sink = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The text of the symlink at path, in a malloc()ed string. */
static int read_link(const char *path, char **out)
{
	for (size_t cap = 256; cap <= (1u << 20); cap *= 2) {
		char *buf = malloc(cap);
		ssize_t n;

		if (!buf)
			return -ENOMEM;
		n = readlink(path, buf, cap);
		if (n < 0) {
			int ret = -errno;

			free(buf);
			return ret;
		}
		if ((size_t)n < cap) {
			buf[n] = '\0';
			*out = buf;
			return 0;
		}
		free(buf);
	}
	return -ENAMETOOLONG;
}

/* Where a file created at path ends up: path with its symlinks followed
 * (a relative target is relative to the link's directory), stopping at
 * the first name that does not exist or is not a link. */
static int follow_links(const char *path, char **out)
{
	struct dp_strbuf cur = DP_STRBUF_INIT, next = DP_STRBUF_INIT;
	int ret = -ELOOP;

	if (dp_strbuf_set(&cur, path))
		return -ENOMEM;
	for (int hops = 0; hops <= MAX_LINKS; hops++) {
		struct stat st;
		char *target = NULL, *slash;

		if (lstat(cur.buf, &st) < 0) {
			ret = errno == ENOENT ? 0 : -errno;
			break;
		}
		if (!S_ISLNK(st.st_mode)) {
			ret = 0;
			break;
		}
		ret = read_link(cur.buf, &target);
		if (ret)
			break;
		dp_strbuf_reset(&next);
		slash = strrchr(cur.buf, '/');
		if ((target[0] != '/' && slash &&
		     dp_strbuf_add(&next, cur.buf, (size_t)(slash - cur.buf) + 1)) ||
		    dp_strbuf_adds(&next, target) || dp_strbuf_set(&cur, next.buf))
			ret = -ENOMEM;
		free(target);
		if (ret)
			break;
		ret = -ELOOP;
	}
	dp_strbuf_release(&next);
	if (ret) {
		dp_strbuf_release(&cur);
		return ret;
	}
	*out = dp_strbuf_detach(&cur);
	return *out ? 0 : -ENOMEM;
}

/* A temporary next to final, registered for removal. */
static int open_atomic(struct dp_outfile *o, char *final, mode_t mode)
{
	struct dp_strbuf tmp = DP_STRBUF_INIT;
	sigset_t old;
	mode_t mask;
	int fd, ret;

	o->final = final;
	if (dp_strbuf_addf(&tmp, "%s.tmp.XXXXXX", final))
		return -ENOMEM;
	o->tmp = dp_strbuf_detach(&tmp);
	if (!o->tmp)
		return -ENOMEM;
	dp_cleanup_block(&old);
	fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		dp_cleanup_unblock(&old);
		free(o->tmp);
		o->tmp = NULL;
		return ret;
	}
	o->cleanup = dp_cleanup_add(DP_CLEANUP_UNLINK, o->tmp, -1);
	dp_cleanup_unblock(&old);
	ret = o->cleanup < 0 ? o->cleanup : 0;
	/* mkstemp makes 0600; a created file follows mode and the umask. */
	mask = umask(0);
	umask(mask);
	if (!ret && fchmod(fd, mode & ~mask) < 0)
		ret = -errno;
	if (!ret)
		ret = attach(o, fd);
	if (ret) {
		close(fd);
		dp_cleanup_block(&old);
		unlink(o->tmp);
		dp_cleanup_remove(o->cleanup);
		dp_cleanup_unblock(&old);
		o->cleanup = -1;
		free(o->tmp);
		o->tmp = NULL;
	}
	return ret;
}

/* Write through the name given (a node, a FIFO, a /proc/self/fd link). */
static int open_through(struct dp_outfile *o, bool regular)
{
	int fd = open(o->path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	int ret;

	if (fd < 0)
		return -errno;
	o->truncate = regular;
	ret = attach(o, fd);
	if (ret)
		close(fd);
	return ret;
}

static void reset(struct dp_outfile *o)
{
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->cleanup = -1;
}

int dp_outfile_open_mode(struct dp_outfile *o, const char *path, mode_t mode)
{
	struct stat st, lst;
	char *final = NULL;
	int ret;

	reset(o);
	if (!path || !strcmp(path, "-")) {
		/* What stdio buffered for fd 1 goes first. */
		fflush(stdout);
		return attach(o, STDOUT_FILENO);
	}
	if (!*path)
		return -ENOENT;
	o->path = strdup(path);
	if (!o->path)
		return -ENOMEM;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			ret = open_through(o, false);
		} else if ((ret = follow_links(path, &final)) == 0 &&
			   lstat(final, &lst) == 0 && S_ISREG(lst.st_mode) &&
			   lst.st_dev == st.st_dev && lst.st_ino == st.st_ino) {
			ret = open_atomic(o, final, mode);
			final = NULL;
		} else if (ret == 0) {
			/* A link whose text is not a path to the file
			 * (/proc/self/fd/N of a deleted file): through it. */
			ret = open_through(o, true);
		}
	} else if (errno == ENOENT) {
		/* A new file, or a dangling link: create what it names. */
		ret = follow_links(path, &final);
		if (!ret) {
			ret = open_atomic(o, final, mode);
			final = NULL;
		}
	} else {
		ret = -errno;
	}
	free(final);
	if (ret) {
		free(o->final);
		free(o->path);
		reset(o);
	}
	return ret;
}

int dp_outfile_open(struct dp_outfile *o, const char *path)
{
	return dp_outfile_open_mode(o, path, 0666);
}

const char *dp_outfile_name(const struct dp_outfile *o)
{
	return o->path ? o->path : "stdout";
}

int dp_outfile_close(struct dp_outfile *o, int commit)
{
	sigset_t old;
	int err = 0;

	if (!o->f)
		return 0;
	if (fflush(o->f) == EOF || ferror(o->f))
		err = -EIO;
	if (o->sink->err)
		err = o->sink->err;       /* the real reason */
	fclose(o->f);                     /* the cookie has no close: fd stays */
	o->f = NULL;
	if (o->tmp) {
		if (commit && !err && fsync(o->fd) < 0)
			err = -errno;
		if (close(o->fd) < 0 && commit && !err)
			err = -errno;
		dp_cleanup_block(&old);
		if (commit && !err && rename(o->tmp, o->final) < 0)
			err = -errno;
		if (!commit || err)
			unlink(o->tmp);
		dp_cleanup_remove(o->cleanup);
		dp_cleanup_unblock(&old);
	} else if (o->path) {
		if (commit && !err && o->truncate) {
			off_t end = lseek(o->fd, 0, SEEK_CUR);

			if (end < 0 || ftruncate(o->fd, end) < 0 || fsync(o->fd) < 0)
				err = -errno;
		}
		if (close(o->fd) < 0 && commit && !err)
			err = -errno;
	}
	free(o->sink);
	free(o->path);
	free(o->final);
	free(o->tmp);
	reset(o);
	return err;
}

int dp_outfile_same(const char *out, const char *in)
{
	struct stat a, b;

	if (!out || !in || !strcmp(out, "-"))
		return 0;
	if (stat(out, &a) < 0 || stat(in, &b) < 0)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}
