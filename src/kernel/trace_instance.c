/* trace_instance — dropprof's own tracefs instance.
 *
 * Owns: the instance directory (mkdir at create, rmdir at free), its
 * settings (ring size, poll watermark, clock), event filters and enables,
 * the per-CPU trace_pipe_raw fds and page reads, and the per-CPU stats
 * files (with their parser, which is pure).  Decoding the pages is
 * ftrace_ring's.
 *
 * Every tracefs write is one write(2) of the whole value: the kernel parses
 * each write on its own, so a value split over two writes would be two
 * values.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "dropprof/kernel/trace_instance.h"
#include "dropprof/kernel/tracefs.h"
#include "dropprof/util/cleanup.h"
#include "dropprof/util/strbuf.h"

/* header_page, header_event, stats, a filter read back: all a few hundred
 * bytes.  More than this is not one of them. */
#define DP_TRACEFS_FILE_MAX (64u * 1024)

/* CPU numbers above this in per_cpu/ are not believed. */
#define DP_TRACE_CPU_MAX 65536

/* A name already taken gets -2 .. -NAME_TRIES appended. */
#define NAME_TRIES 9

struct dp_trace_instance {
	struct dp_strbuf dir;        /* <tracefs>/instances/<name> */
	struct dp_strbuf name;
	struct dp_ftrace_layout layout;
	int nr_cpus;
	int *fds;                    /* nr_cpus entries, -1 when closed */
};

/* ---- small file helpers ----------------------------------------------- */

/* A file of the instance held open keeps it busy: the rmdir of a fatal
 * signal's cleanup (util/cleanup.h) would fail with EBUSY and leave the
 * instance behind.  So the signals that run the cleanup wait while one of
 * these helpers has a file open (writing buffer_size_kb can take tens of
 * milliseconds while the kernel allocates the ring). */
static int write_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	sigset_t old;
	ssize_t n;
	int fd, ret = 0;

	dp_cleanup_block(&old);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		dp_cleanup_unblock(&old);
		return ret;
	}
	do
		n = write(fd, s, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	dp_cleanup_unblock(&old);
	return ret;
}

/* The whole file into sb (tracefs files have no size: read to EOF). */
static int read_file(const char *path, struct dp_strbuf *sb)
{
	char buf[4096];
	sigset_t old;
	int fd, ret = 0;

	dp_strbuf_reset(sb);
	dp_cleanup_block(&old);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		dp_cleanup_unblock(&old);
		return ret;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		if (sb->len + (size_t)n > DP_TRACEFS_FILE_MAX) {
			ret = -EFBIG;
			break;
		}
		ret = dp_strbuf_add(sb, buf, (size_t)n);
		if (ret < 0)
			break;
	}
	close(fd);
	dp_cleanup_unblock(&old);
	return ret;
}

/* A path component we put into a path: not empty, no '/', not "." or
 * ".." (or anything starting with '.', which tracefs never names). */
static int check_component(const char *s)
{
	return s && *s && *s != '.' && !strchr(s, '/') ? 0 : -EINVAL;
}

/* " (what to do)" for a permission error, "" otherwise. */
static const char *hint(int ret)
{
	static char buf[512];   /* one thread; the hint is a constant */

	if (!*dp_tracefs_write_hint(ret))
		return "";
	snprintf(buf, sizeof(buf), " (%s)", dp_tracefs_write_hint(ret));
	return buf;
}

/* <dir>/events/<system>/<event>/<file> into sb. */
static int event_path(const struct dp_trace_instance *ti, struct dp_strbuf *sb,
		      const char *system, const char *event, const char *file,
		      struct dp_err *err)
{
	if (check_component(system) < 0 || check_component(event) < 0)
		return dp_err_set(err, -EINVAL, "bad tracepoint name '%s:%s'",
				  system ? system : "", event ? event : "");
	if (dp_strbuf_addf(sb, "%s/events/%s/%s/%s", ti->dir.buf, system,
			   event, file) < 0)
		return dp_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

/* ---- create / free ------------------------------------------------------ */

static int load_layout(struct dp_trace_instance *ti, struct dp_err *err)
{
	struct dp_strbuf path = DP_STRBUF_INIT, page = DP_STRBUF_INIT;
	struct dp_strbuf event = DP_STRBUF_INIT;
	int ret;

	ret = dp_strbuf_addf(&path, "%s/events/header_page", ti->dir.buf);
	if (ret == 0)
		ret = read_file(path.buf, &page);
	if (ret < 0) {
		dp_err_set(err, ret, "cannot read '%s': %s", path.buf,
			   strerror(-ret));
		goto out;
	}
	dp_strbuf_reset(&path);
	ret = dp_strbuf_addf(&path, "%s/events/header_event", ti->dir.buf);
	if (ret == 0)
		ret = read_file(path.buf, &event);
	if (ret < 0) {
		dp_err_set(err, ret, "cannot read '%s': %s", path.buf,
			   strerror(-ret));
		goto out;
	}
	ret = dp_ftrace_layout_parse(&ti->layout, page.buf, event.buf);
	if (ret < 0)
		dp_err_set(err, ret, "cannot read the ring buffer layout of '%s': "
			   "%s in events/header_page or header_event",
			   ti->dir.buf, ret == -EOPNOTSUPP ?
			   "an event header this dropprof does not know" :
			   "unexpected text");
out:
	dp_strbuf_release(&event);
	dp_strbuf_release(&page);
	dp_strbuf_release(&path);
	return ret;
}

/* "cpu<N>" with N a plain decimal number. */
static int cpu_number(const char *name)
{
	const char *p = name + 3;
	long v = 0;

	if (strncmp(name, "cpu", 3) != 0 || !*p)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > DP_TRACE_CPU_MAX)
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v < DP_TRACE_CPU_MAX ? (int)v : -1;
}

static int find_cpus(struct dp_trace_instance *ti, struct dp_err *err)
{
	struct dp_strbuf path = DP_STRBUF_INIT;
	struct dirent *de;
	DIR *d;
	int max = -1, ret = 0, i;

	if (dp_strbuf_addf(&path, "%s/per_cpu", ti->dir.buf) < 0)
		return dp_err_set(err, -ENOMEM, "out of memory");
	d = opendir(path.buf);
	if (!d) {
		ret = -errno;
		dp_err_set(err, ret, "cannot read '%s': %s", path.buf,
			   strerror(-ret));
		goto release_path;
	}
	while ((de = readdir(d)) != NULL) {
		int cpu = cpu_number(de->d_name);

		if (cpu > max)
			max = cpu;
	}
	closedir(d);
	if (max < 0) {
		ret = dp_err_set(err, -ENOENT, "no CPU rings in '%s'", path.buf);
		goto release_path;
	}
	ti->fds = malloc((size_t)(max + 1) * sizeof(*ti->fds));
	if (!ti->fds) {
		ret = dp_err_set(err, -ENOMEM, "out of memory");
		goto release_path;
	}
	for (i = 0; i <= max; i++)
		ti->fds[i] = -1;
	ti->nr_cpus = max + 1;
release_path:
	dp_strbuf_release(&path);
	return ret;
}

/* Name try n (1-based): <prefix>-<pid>, then <prefix>-<pid>-<n>. */
static int set_name(struct dp_trace_instance *ti, const char *tracefs_dir,
		    const char *prefix, int pid, int n)
{
	int ret;

	dp_strbuf_reset(&ti->name);
	dp_strbuf_reset(&ti->dir);
	if (n == 1)
		ret = dp_strbuf_addf(&ti->name, "%s-%d", prefix, pid);
	else
		ret = dp_strbuf_addf(&ti->name, "%s-%d-%d", prefix, pid, n);
	if (ret == 0)
		ret = dp_strbuf_addf(&ti->dir, "%s/instances/%s", tracefs_dir,
				     ti->name.buf);
	return ret;
}

/* mkdir the first free name; 0 with ti->dir and ti->name set. */
static int make_dir(struct dp_trace_instance *ti, const char *tracefs_dir,
		    const char *prefix, struct dp_err *err)
{
	int pid = (int)getpid(), n, ret = -EEXIST;

	for (n = 1; n <= NAME_TRIES; n++) {
		if (set_name(ti, tracefs_dir, prefix, pid, n) < 0)
			return dp_err_set(err, -ENOMEM, "out of memory");
		if (mkdir(ti->dir.buf, 0700) == 0)
			return 0;
		ret = -errno;
		if (ret != -EEXIST)
			break;
	}
	if (ret == -EEXIST)
		return dp_err_set(err, ret, "cannot create a tracefs instance: "
				  "'%s/instances/%s-%d' and its -2 .. -%d "
				  "exist (remove stale ones with rmdir)",
				  tracefs_dir, prefix, pid, NAME_TRIES);
	if (ret == -ENOENT)
		return dp_err_set(err, ret, "cannot create tracefs instance '%s': "
				  "no such directory (is '%s' tracefs, with "
				  "instances?)", ti->dir.buf, tracefs_dir);
	return dp_err_set(err, ret, "cannot create tracefs instance '%s': %s%s",
			  ti->dir.buf, strerror(-ret), hint(ret));
}

/* "<prefix>-<pid>" or "<prefix>-<pid>-<n>": the pid, or 0 for another name. */
static int name_pid(const char *name, const char *prefix)
{
	size_t len = strlen(prefix);
	char *end;
	long pid;

	if (strncmp(name, prefix, len) || name[len] != '-' ||
	    name[len + 1] < '1' || name[len + 1] > '9')
		return 0;
	pid = strtol(name + len + 1, &end, 10);
	if (pid <= 0 || pid > INT32_MAX || (*end && *end != '-'))
		return 0;
	if (*end == '-') {
		long n = strtol(end + 1, &end, 10);

		if (n < 2 || n > NAME_TRIES || *end)
			return 0;
	}
	return (int)pid;
}

int dp_trace_instance_reap(const char *tracefs_dir, const char *prefix,
			   unsigned int min_age, struct dp_strbuf *removed)
{
	struct dp_strbuf path = DP_STRBUF_INIT;
	struct dirent *de;
	time_t now = time(NULL);
	int n = 0;
	DIR *d;

	if (dp_strbuf_addf(&path, "%s/instances", tracefs_dir) < 0)
		return -ENOMEM;
	d = opendir(path.buf);
	if (!d) {
		dp_strbuf_release(&path);
		return 0;
	}
	while ((de = readdir(d))) {
		int pid = name_pid(de->d_name, prefix);
		size_t keep = path.len;
		struct stat st;

		if (!pid || pid == (int)getpid())
			continue;
		/* Alive, or not ours to judge (EPERM: alive, someone else's). */
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		if (dp_strbuf_addf(&path, "/%s", de->d_name) < 0)
			break;
		/* Young: maybe a run in another pid namespace, between its
		 * mkdir and opening its rings (which would make rmdir EBUSY). */
		if (stat(path.buf, &st) == 0 && now - st.st_mtime >= (time_t)min_age &&
		    rmdir(path.buf) == 0) {
			n++;
			if (removed)
				dp_strbuf_addf(removed, "%s%s", removed->len ? ", " : "",
					       de->d_name);
		}
		path.len = keep;
		path.buf[keep] = '\0';
	}
	closedir(d);
	dp_strbuf_release(&path);
	return n;
}

int dp_trace_instance_create(struct dp_trace_instance **out,
			     const char *tracefs_dir, const char *name_prefix,
			     struct dp_err *err)
{
	struct dp_trace_instance *ti;
	int ret;

	*out = NULL;
	if (!tracefs_dir || !*tracefs_dir || check_component(name_prefix) < 0)
		return dp_err_set(err, -EINVAL, "bad tracefs instance name '%s'",
				  name_prefix ? name_prefix : "");
	ti = calloc(1, sizeof(*ti));
	if (!ti)
		return dp_err_set(err, -ENOMEM, "out of memory");
	dp_strbuf_init(&ti->dir);
	dp_strbuf_init(&ti->name);
	ret = make_dir(ti, tracefs_dir, name_prefix, err);
	if (ret < 0)
		goto free_ti;
	ret = load_layout(ti, err);
	if (ret < 0)
		goto remove_dir;
	ret = find_cpus(ti, err);
	if (ret < 0)
		goto remove_dir;
	*out = ti;
	return 0;

remove_dir:
	rmdir(ti->dir.buf);
free_ti:
	dp_strbuf_release(&ti->name);
	dp_strbuf_release(&ti->dir);
	free(ti);
	return ret;
}

void dp_trace_instance_free(struct dp_trace_instance *ti)
{
	struct dp_strbuf path = DP_STRBUF_INIT;
	int cpu;

	if (!ti)
		return;
	/* events/enable switches every event of the instance off, so the
	 * rings stop filling before they go; rmdir would do it too, but a
	 * failed rmdir should not leave events running. */
	if (dp_strbuf_addf(&path, "%s/events/enable", ti->dir.buf) == 0)
		(void)write_file(path.buf, "0");
	dp_strbuf_release(&path);
	/* Open trace_pipe_raw fds make the rmdir fail with EBUSY. */
	for (cpu = 0; cpu < ti->nr_cpus; cpu++)
		dp_trace_instance_close_cpu(ti, cpu);
	if (rmdir(ti->dir.buf) < 0 && errno != ENOENT) {
		int e = errno;

		dp_warn("cannot remove tracefs instance '%s': %s%s (remove it "
			"with 'rmdir %s')", ti->dir.buf, strerror(e),
			e == EBUSY ? ", a child process may still hold it open" : "",
			ti->dir.buf);
	}
	free(ti->fds);
	dp_strbuf_release(&ti->name);
	dp_strbuf_release(&ti->dir);
	free(ti);
}

/* ---- getters ------------------------------------------------------------- */

const char *dp_trace_instance_path(const struct dp_trace_instance *ti)
{
	return ti->dir.buf;
}

const char *dp_trace_instance_name(const struct dp_trace_instance *ti)
{
	return ti->name.buf;
}

const struct dp_ftrace_layout *dp_trace_instance_layout(const struct dp_trace_instance *ti)
{
	return &ti->layout;
}

int dp_trace_instance_nr_cpus(const struct dp_trace_instance *ti)
{
	return ti->nr_cpus;
}

const int *dp_trace_instance_fds(const struct dp_trace_instance *ti, size_t *nr)
{
	*nr = (size_t)ti->nr_cpus;
	return ti->fds;
}

/* ---- settings, filters, enables ---------------------------------------- */

static int write_setting(struct dp_trace_instance *ti, const char *file,
			 unsigned long value, struct dp_err *err)
{
	struct dp_strbuf path = DP_STRBUF_INIT, val = DP_STRBUF_INIT;
	int ret;

	if (dp_strbuf_addf(&path, "%s/%s", ti->dir.buf, file) < 0 ||
	    dp_strbuf_addf(&val, "%lu", value) < 0) {
		ret = dp_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	ret = write_file(path.buf, val.buf);
	if (ret < 0)
		dp_err_set(err, ret, "cannot set '%s' to %lu: %s%s", path.buf,
			   value, strerror(-ret), hint(ret));
out:
	dp_strbuf_release(&val);
	dp_strbuf_release(&path);
	return ret;
}

int dp_trace_instance_set_buffer_kb(struct dp_trace_instance *ti,
				    unsigned long kb, struct dp_err *err)
{
	if (kb == 0)
		return dp_err_set(err, -EINVAL, "a ring of 0 KiB holds nothing");
	return write_setting(ti, "buffer_size_kb", kb, err);
}

int dp_trace_instance_set_buffer_percent(struct dp_trace_instance *ti,
					 unsigned int percent,
					 struct dp_err *err)
{
	if (percent > 100)
		return dp_err_set(err, -EINVAL, "buffer_percent %u is over 100",
				  percent);
	return write_setting(ti, "buffer_percent", percent, err);
}

/* The kernel's reason for a rejected filter: reading the filter file back
 * shows the filter, a caret line, and "parse_error: <reason>". */
static void filter_reason(const char *path, struct dp_strbuf *reason)
{
	struct dp_strbuf text = DP_STRBUF_INIT;
	const char *p, *nl;

	if (read_file(path, &text) == 0 &&
	    (p = strstr(text.buf, "parse_error: ")) != NULL) {
		p += strlen("parse_error: ");
		nl = strchr(p, '\n');
		(void)dp_strbuf_add(reason, p, nl ? (size_t)(nl - p) : strlen(p));
	}
	dp_strbuf_release(&text);
}

int dp_trace_instance_set_filter(struct dp_trace_instance *ti,
				 const char *system, const char *event,
				 const char *filter, struct dp_err *err)
{
	struct dp_strbuf path = DP_STRBUF_INIT, reason = DP_STRBUF_INIT;
	bool clear = !filter || !*filter;
	int ret;

	ret = event_path(ti, &path, system, event, "filter", err);
	if (ret < 0)
		goto out;
	/* "0" is what removes a filter. */
	ret = write_file(path.buf, clear ? "0" : filter);
	if (ret == 0)
		goto out;
	if (ret == -ENOENT) {
		dp_err_set(err, ret, "no tracepoint '%s:%s' in this kernel "
			   "('%s' is missing)", system, event, path.buf);
	} else if (ret == -EINVAL && !clear) {
		filter_reason(path.buf, &reason);
		dp_err_set(err, ret, "the kernel rejected filter '%s' for '%s:%s': "
			   "%s", filter, system, event,
			   reason.len ? reason.buf : "invalid argument");
	} else {
		dp_err_set(err, ret, "cannot write the filter of '%s:%s' ('%s'): "
			   "%s%s", system, event, path.buf, strerror(-ret),
			   hint(ret));
	}
out:
	dp_strbuf_release(&reason);
	dp_strbuf_release(&path);
	return ret;
}

static int set_enable(struct dp_trace_instance *ti, const char *system,
		      const char *event, bool on, struct dp_err *err)
{
	struct dp_strbuf path = DP_STRBUF_INIT;
	int ret;

	ret = event_path(ti, &path, system, event, "enable", err);
	if (ret < 0)
		goto out;
	ret = write_file(path.buf, on ? "1" : "0");
	if (ret == -ENOENT)
		dp_err_set(err, ret, "no tracepoint '%s:%s' in this kernel "
			   "('%s' is missing)", system, event, path.buf);
	else if (ret < 0)
		dp_err_set(err, ret, "cannot %s '%s:%s' in '%s': %s%s",
			   on ? "enable" : "disable", system, event,
			   ti->dir.buf, strerror(-ret), hint(ret));
out:
	dp_strbuf_release(&path);
	return ret;
}

int dp_trace_instance_enable(struct dp_trace_instance *ti, const char *system,
			     const char *event, struct dp_err *err)
{
	return set_enable(ti, system, event, true, err);
}

int dp_trace_instance_disable(struct dp_trace_instance *ti, const char *system,
			      const char *event, struct dp_err *err)
{
	return set_enable(ti, system, event, false, err);
}

/* ---- CPU rings ------------------------------------------------------------ */

static bool cpu_ok(const struct dp_trace_instance *ti, int cpu)
{
	return cpu >= 0 && cpu < ti->nr_cpus;
}

int dp_trace_instance_open_cpu(struct dp_trace_instance *ti, int cpu,
			       struct dp_err *err)
{
	struct dp_strbuf path = DP_STRBUF_INIT;
	int fd;

	if (!cpu_ok(ti, cpu))
		return dp_err_set(err, -EINVAL, "no CPU %d in '%s/per_cpu'", cpu,
				  ti->dir.buf);
	if (ti->fds[cpu] >= 0)
		return ti->fds[cpu];
	if (dp_strbuf_addf(&path, "%s/per_cpu/cpu%d/trace_pipe_raw",
			   ti->dir.buf, cpu) < 0)
		return dp_err_set(err, -ENOMEM, "out of memory");
	fd = open(path.buf, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		dp_err_set(err, fd, "cannot open '%s': %s%s", path.buf,
			   strerror(-fd), hint(fd));
	} else {
		ti->fds[cpu] = fd;
	}
	dp_strbuf_release(&path);
	return fd;
}

int dp_trace_instance_cpu_fd(const struct dp_trace_instance *ti, int cpu)
{
	return cpu_ok(ti, cpu) ? ti->fds[cpu] : -1;
}

void dp_trace_instance_close_cpu(struct dp_trace_instance *ti, int cpu)
{
	if (!cpu_ok(ti, cpu) || ti->fds[cpu] < 0)
		return;
	close(ti->fds[cpu]);
	ti->fds[cpu] = -1;
}

long dp_trace_instance_read_page(struct dp_trace_instance *ti, int cpu,
				 void *buf, size_t len, struct dp_err *err)
{
	size_t page = dp_ftrace_layout_page_size(&ti->layout);
	ssize_t n;
	int ret;

	if (!cpu_ok(ti, cpu))
		return dp_err_set(err, -EINVAL, "no CPU %d in '%s/per_cpu'", cpu,
				  ti->dir.buf);
	if (ti->fds[cpu] < 0)
		return dp_err_set(err, -EBADF, "the ring of CPU %d of '%s' is "
				  "not open", cpu, ti->dir.buf);
	if (len < page)
		return dp_err_set(err, -EINVAL, "a buffer of %zu bytes cannot "
				  "hold a %zu-byte ring page", len, page);
	/* Exactly one page: asking for more could not get more (the kernel
	 * hands out one page per read) and asking for less splits it. */
	do
		n = read(ti->fds[cpu], buf, page);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return (long)n;
	ret = -errno;
	if (ret == -EAGAIN)
		return 0;
	return dp_err_set(err, ret, "cannot read the ring of CPU %d of '%s': %s",
			  cpu, ti->dir.buf, strerror(-ret));
}

/* ---- stats ------------------------------------------------------------------ */

static int parse_u64(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;

	if (p == end)
		return -EINVAL;
	for (; p < end; p++) {
		unsigned int d;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		d = (unsigned int)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* "584.622899" (seconds.micros of a nanosecond clock) or "123456" (a
 * counter clock's raw value). */
static int parse_ts(const char *p, const char *end, uint64_t *out, bool *ns)
{
	const char *dot = memchr(p, '.', (size_t)(end - p));
	uint64_t sec, frac = 0, scale = 1000000000ULL;
	const char *q;

	if (!dot) {
		*ns = false;
		return parse_u64(p, end, out);
	}
	if (parse_u64(p, dot, &sec) < 0 || dot + 1 == end || end - dot - 1 > 9)
		return -EINVAL;
	for (q = dot + 1; q < end; q++) {
		if (*q < '0' || *q > '9')
			return -EINVAL;
		frac = frac * 10 + (uint64_t)(*q - '0');
		scale /= 10;
	}
	if (sec > (UINT64_MAX - frac * scale) / 1000000000ULL)
		return -EINVAL;
	*out = sec * 1000000000ULL + frac * scale;
	*ns = true;
	return 0;
}

int dp_trace_stats_parse(struct dp_trace_cpu_stats *st, const char *text)
{
	static const struct {
		const char *name;
		unsigned int bit;
		size_t off;
	} keys[] = {
		{ "entries", DP_TRACE_STAT_ENTRIES,
		  offsetof(struct dp_trace_cpu_stats, entries) },
		{ "overrun", DP_TRACE_STAT_OVERRUN,
		  offsetof(struct dp_trace_cpu_stats, overrun) },
		{ "commit overrun", DP_TRACE_STAT_COMMIT_OVERRUN,
		  offsetof(struct dp_trace_cpu_stats, commit_overrun) },
		{ "bytes", DP_TRACE_STAT_BYTES,
		  offsetof(struct dp_trace_cpu_stats, bytes) },
		{ "oldest event ts", DP_TRACE_STAT_OLDEST_TS,
		  offsetof(struct dp_trace_cpu_stats, oldest_ts) },
		{ "now ts", DP_TRACE_STAT_NOW_TS,
		  offsetof(struct dp_trace_cpu_stats, now_ts) },
		{ "dropped events", DP_TRACE_STAT_DROPPED,
		  offsetof(struct dp_trace_cpu_stats, dropped_events) },
		{ "read events", DP_TRACE_STAT_READ,
		  offsetof(struct dp_trace_cpu_stats, read_events) },
	};
	const char *p = text, *end = text + strlen(text);

	memset(st, 0, sizeof(*st));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		const char *colon = memchr(p, ':', (size_t)(line_end - p));
		const char *v, *ve;
		size_t i, n;

		if (colon) {
			v = colon + 1;
			ve = line_end;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' ||
					  ve[-1] == '\r'))
				ve--;
			n = (size_t)(colon - p);
			for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
				uint64_t *dst;
				int r;

				if (strlen(keys[i].name) != n ||
				    memcmp(keys[i].name, p, n) != 0)
					continue;
				if (st->have & keys[i].bit)
					return -EINVAL;
				dst = (uint64_t *)((char *)st + keys[i].off);
				if (keys[i].bit == DP_TRACE_STAT_OLDEST_TS ||
				    keys[i].bit == DP_TRACE_STAT_NOW_TS)
					r = parse_ts(v, ve, dst, &st->ts_in_ns);
				else
					r = parse_u64(v, ve, dst);
				if (r < 0)
					return -EINVAL;
				st->have |= keys[i].bit;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int dp_trace_instance_read_stats(struct dp_trace_instance *ti, int cpu,
				 struct dp_trace_cpu_stats *st,
				 struct dp_err *err)
{
	struct dp_strbuf path = DP_STRBUF_INIT, text = DP_STRBUF_INIT;
	int ret;

	if (!cpu_ok(ti, cpu))
		return dp_err_set(err, -EINVAL, "no CPU %d in '%s/per_cpu'", cpu,
				  ti->dir.buf);
	ret = dp_strbuf_addf(&path, "%s/per_cpu/cpu%d/stats", ti->dir.buf, cpu);
	if (ret == 0)
		ret = read_file(path.buf, &text);
	if (ret < 0) {
		dp_err_set(err, ret, "cannot read '%s': %s", path.buf,
			   strerror(-ret));
		goto out;
	}
	ret = dp_trace_stats_parse(st, text.buf);
	if (ret < 0)
		dp_err_set(err, ret, "unexpected text in '%s'", path.buf);
out:
	dp_strbuf_release(&text);
	dp_strbuf_release(&path);
	return ret;
}
