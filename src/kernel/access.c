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

