/* access — the preflight's view of the process: capabilities from
 * /proc/self/status (no libcap), sysctls from /proc/sys, the
 * locked-memory limit, directory writability with the effective
 * credentials, and a census of the network namespaces in /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dropprof/kernel/access.h"

int dp_caps_parse_status(const char *text, uint64_t *eff)
{
	const char *p = text;
	char *end;
	unsigned long long v;

	while (p && *p) {
		if (!strncmp(p, "CapEff:", 7)) {
			p += 7;
			p += strspn(p, " \t");
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
			      (*p >= 'A' && *p <= 'F')))
				return -EINVAL;
			errno = 0;
			v = strtoull(p, &end, 16);
			if (errno || (*end && *end != '\n' && *end != ' ' && *end != '\t'))
				return -EINVAL;
			*eff = v;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -EINVAL;
}

/* The first len-1 bytes of path, NUL-terminated.  Returns 0 or -errno. */
static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			close(fd);
			return err;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	return 0;
}

int dp_caps_read(uint64_t *eff)
{
	char buf[8192];
	int ret = read_small("/proc/self/status", buf, sizeof(buf));

	return ret ? ret : dp_caps_parse_status(buf, eff);
}

int dp_sysctl_read_long(const char *name, long *value)
{
	char path[256], buf[64], *end;
	long v;
	int ret;

	if (snprintf(path, sizeof(path), "/proc/sys/%s", name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	ret = read_small(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return -EINVAL;
	*value = v;
	return 0;
}

uint64_t dp_memlock_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return UINT64_MAX;
	return (uint64_t)rl.rlim_cur;
}

int dp_dir_writable(const char *dir)
{
	/* AT_EACCESS: the effective ids and capabilities, as mkdir(2)
	 * judges them, not the real ones. */
	return faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) ? -errno : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int dp_netns_census(const char *proc_dir, const char *netns_dir,
		    struct dp_netns_census *c)
{
	uint64_t *inodes = NULL;
	size_t nr = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(proc_dir);
	int err;

	memset(c, 0, sizeof(*c));
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		char path[512];
		struct stat st;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    de->d_name[strspn(de->d_name, "0123456789")])
			continue;
		snprintf(path, sizeof(path), "%s/%s/ns/net", proc_dir, de->d_name);
		if (stat(path, &st)) {
			/* ENOENT: the process ended meanwhile (or a kernel
			 * thread's ns link): not hidden, just gone. */
			if (errno == EACCES || errno == EPERM) {
				if (!c->hidden++)
					c->first_hidden = atoi(de->d_name);
			}
			continue;
		}
		if (nr == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			uint64_t *n = realloc(inodes, ncap * sizeof(*n));

			if (!n) {
				err = -ENOMEM;
				goto out;
			}
			inodes = n;
			cap = ncap;
		}
		inodes[nr++] = (uint64_t)st.st_ino;
		c->processes++;
	}
	qsort(inodes, nr, sizeof(*inodes), cmp_u64);
	for (size_t i = 0; i < nr; i++)
		if (i == 0 || inodes[i] != inodes[i - 1])
			c->namespaces++;
	closedir(d);
	d = netns_dir ? opendir(netns_dir) : NULL;
	while (d && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			c->named++;
	err = 0;
out:
	if (d)
		closedir(d);
	free(inodes);
	return err;
}
