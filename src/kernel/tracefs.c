/* tracefs — finding the tracing filesystem in /proc/mounts, mounting it
 * when it is mounted nowhere, and the advice for failing at either.
 *
 * "Cannot read /proc/mounts" and "tracefs is not mounted" are different
 * answers (-errno of the read, -ENODEV): only the second one may lead to a
 * mount, and neither is a mount failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "dropprof/kernel/tracefs.h"

#define DP_DEBUGFS_DEFAULT "/sys/kernel/debug"

/* /proc/mounts writes ' ', '\t', '\n' and '\\' in paths as \ooo. */
static void unescape_octal(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			char c = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));

			if (c) {
				*out++ = c;
				s += 4;
				continue;
			}
		}
		*out++ = *s++;
	}
	*out = '\0';
}

/* Keep the first mount seen, unless the standard location turns up. */
static int remember_mount(char **slot, const char *mp, const char *preferred)
{
	char *copy;

	if (*slot && (strcmp(*slot, preferred) == 0 || strcmp(mp, preferred) != 0))
		return 0;
	copy = strdup(mp);
	if (!copy)
		return -ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

static int copy_path(char *path, size_t len, const char *dir, const char *sub)
{
	int n = snprintf(path, len, "%s%s", dir, sub);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int dp_tracefs_find(const char *mounts_path, char *path, size_t len)
{
	char *line = NULL, *tracefs = NULL, *debugfs = NULL;
	size_t cap = 0;
	FILE *f;
	int err = 0;

	f = fopen(mounts_path, "re");
	if (!f)
		return -errno;
	for (;;) {
		char *save = NULL, *mp, *type;

		/* getline() returns -1 at EOF and on failure; only a
		 * failure sets errno. */
		errno = 0;
		if (getline(&line, &cap, f) < 0) {
			if (errno || ferror(f))
				err = errno ? -errno : -EIO;
			break;
		}
		if (!strtok_r(line, " \t\n", &save))
			continue;
		mp = strtok_r(NULL, " \t\n", &save);
		type = strtok_r(NULL, " \t\n", &save);
		if (!mp || !type)
			continue;
		if (strcmp(type, "tracefs") == 0) {
			unescape_octal(mp);
			err = remember_mount(&tracefs, mp, DP_TRACEFS_DEFAULT);
		} else if (strcmp(type, "debugfs") == 0) {
			unescape_octal(mp);
			err = remember_mount(&debugfs, mp, DP_DEBUGFS_DEFAULT);
		}
		if (err)
			break;
	}
	free(line);
	fclose(f);
	if (err)
		goto out;
	if (tracefs)
		err = copy_path(path, len, tracefs, "");
	else if (debugfs)
		/* Whether tracing/ exists (or automounts) under it is for
		 * the caller to find out when it opens a file there. */
		err = copy_path(path, len, debugfs, "/tracing");
	else
		err = -ENODEV;
out:
	free(tracefs);
	free(debugfs);
	return err;
}

int dp_tracefs_mount(char *path, size_t len)
{
	if (len < sizeof(DP_TRACEFS_DEFAULT))
		return -ENAMETOOLONG;
	if (mount("nodev", DP_TRACEFS_DEFAULT, "tracefs",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -errno;
	memcpy(path, DP_TRACEFS_DEFAULT, sizeof(DP_TRACEFS_DEFAULT));
	return 0;
}

int dp_tracefs_umount(const char *path)
{
	return umount2(path, MNT_DETACH) < 0 ? -errno : 0;
}

/* Measured on 6.18 as an unprivileged user: CAP_DAC_READ_SEARCH or
 * CAP_DAC_OVERRIDE reads tracefs, only CAP_DAC_OVERRIDE creates an
 * instance; CAP_PERFMON, CAP_SYS_ADMIN or kernel.perf_event_paranoid=-1
 * do neither.  The perf events need CAP_PERFMON or paranoid -1 as well, so
 * the advice names the whole set. */
const char *dp_tracefs_access_hint(int err)
{
	if (err != -EACCES && err != -EPERM)
		return "";
	return "tracefs is readable by root only: run as root, or give CAP_DAC_OVERRIDE (or CAP_DAC_READ_SEARCH) together with CAP_PERFMON or kernel.perf_event_paranoid=-1";
}

const char *dp_tracefs_write_hint(int err)
{
	if (err != -EACCES && err != -EPERM)
		return "";
	return "tracefs is writable by root only: run as root, or give CAP_DAC_OVERRIDE (CAP_DAC_READ_SEARCH only reads) together with CAP_PERFMON or kernel.perf_event_paranoid=-1";
}

const char *dp_tracefs_mount_hint(int err)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		return "mounting needs CAP_SYS_ADMIN: run as root, or mount it first with 'mount -t tracefs nodev " DP_TRACEFS_DEFAULT "'";
	case -ENODEV:
		return "the kernel has no tracefs (it needs CONFIG_TRACING, Linux 4.1 or later)";
	case -ENOENT:
		return "there is no " DP_TRACEFS_DEFAULT " directory (is /sys mounted?)";
	default:
		return "mount it with 'mount -t tracefs nodev " DP_TRACEFS_DEFAULT "'";
	}
}
