/* sysctl — read one kernel setting, and the catalogue's setting patterns
 * (see sysctl.h).  A sysctl name maps to a file: dots are directory
 * separators, and a '/' inside a part was a dot of an interface name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dropprof/kernel/sysctl.h"
#include "dropprof/util/strbuf.h"

/* "net.ipv4.conf.eth0/100.rp_filter" -> "net/ipv4/conf/eth0.100/rp_filter" */
static int name_to_path(const char *procsys, const char *name,
			struct dp_strbuf *path)
{
	size_t len = strlen(name);

	if (!len || name[0] == '.' || name[len - 1] == '.' || strstr(name, "..") ||
	    strstr(name, "/.") || strstr(name, "./") || name[0] == '/')
		return -EINVAL;
	if (dp_strbuf_addf(path, "%s/", procsys))
		return -ENOMEM;
	for (const char *p = name; *p; p++) {
		char c = *p == '.' ? '/' : *p == '/' ? '.' : *p;

		if (dp_strbuf_addch(path, c))
			return -ENOMEM;
	}
	return 0;
}

static int normalize(const char *raw, size_t n, char **value)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;
	bool gap = false;
	int err = 0;

	while (n && (raw[n - 1] == '\n' || raw[n - 1] == ' ' || raw[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < n && !err; i++) {
		unsigned char c = (unsigned char)raw[i];

		if (c == '\t' || c == '\n' || c == ' ') {
			gap = sb.len > 0;
			continue;
		}
		if (gap)
			err = dp_strbuf_addch(&sb, ' ');
		gap = false;
		if (!err)
			err = c >= 0x20 && c < 0x7f ? dp_strbuf_addch(&sb, (char)c) :
			      dp_strbuf_addf(&sb, "\\x%02x", c);
		if (!err && sb.len > DP_SYSCTL_MAX_VALUE) {
			err = dp_strbuf_add(&sb, "...", 3);
			break;
		}
	}
	if (!err)
		*value = dp_strbuf_detach(&sb);
	if (err || !*value) {
		dp_strbuf_release(&sb);
		return -ENOMEM;
	}
	return 0;
}

int dp_sysctl_read(const char *procsys, const char *name, char **value)
{
	struct dp_strbuf path = DP_STRBUF_INIT;
	char buf[DP_SYSCTL_MAX_VALUE * 2];
	ssize_t n;
	int fd, err;

	*value = NULL;
	err = name_to_path(procsys, name, &path);
	if (err)
		goto out_release;
	fd = open(path.buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out_release;
	}
	n = read(fd, buf, sizeof(buf));
	err = n < 0 ? -errno : normalize(buf, (size_t)n, value);
	close(fd);
out_release:
	dp_strbuf_release(&path);
	return err;
}

/* The pattern's choice part: [*open, *close] around "{a,b}", or NULL. */
static const char *find_choice(const char *pattern, const char **close)
{
	const char *open = strchr(pattern, '{');

	if (!open)
		return NULL;
	*close = strchr(open, '}');
	return *close ? open : NULL;
}

static int emit(struct dp_strbuf *sb, const char *pre, size_t npre,
		const char *mid, size_t nmid, bool ifname, const char *post,
		int (*fn)(const char *name, void *arg), void *arg)
{
	dp_strbuf_reset(sb);
	if (dp_strbuf_add(sb, pre, npre))
		return -ENOMEM;
	for (size_t i = 0; i < nmid; i++)
		if (dp_strbuf_addch(sb, ifname && mid[i] == '.' ? '/' : mid[i]))
			return -ENOMEM;
	if (dp_strbuf_adds(sb, post))
		return -ENOMEM;
	return fn(sb->buf, arg);
}

int dp_sysctl_expand(const char *pattern, const char *const *ifnames, size_t nr,
		     int (*fn)(const char *name, void *arg), void *arg)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;
	const char *close, *open = find_choice(pattern, &close);
	int err = 0;

	if (!open) {
		err = strchr(pattern, '}') ? -EINVAL : fn(pattern, arg);
		return err;
	}
	for (const char *alt = open + 1; alt < close && !err;) {
		size_t n = strcspn(alt, ",}");

		if (!n) {
			err = -EINVAL;
			break;
		}
		if (n == 2 && !strncmp(alt, "IF", 2)) {
			for (size_t i = 0; i < nr && !err; i++)
				err = emit(&sb, pattern, open - pattern, ifnames[i],
					   strlen(ifnames[i]), true, close + 1, fn, arg);
		} else {
			err = emit(&sb, pattern, open - pattern, alt, n, false,
				   close + 1, fn, arg);
		}
		alt += n + (alt[n] == ',');
	}
	dp_strbuf_release(&sb);
	return err;
}

bool dp_sysctl_matches(const char *pattern, const char *name)
{
	const char *close, *open = find_choice(pattern, &close);
	size_t npre, npost, nname = strlen(name);

	if (!open)
		return !strcmp(pattern, name);
	npre = open - pattern;
	npost = strlen(close + 1);
	if (nname <= npre + npost || strncmp(name, pattern, npre) ||
	    strcmp(name + nname - npost, close + 1))
		return false;
	/* The middle is one part: a choice, or any interface. */
	{
		const char *mid = name + npre;
		size_t nmid = nname - npre - npost;

		if (memchr(mid, '.', nmid))
			return false;
		for (const char *alt = open + 1; alt < close;) {
			size_t n = strcspn(alt, ",}");

			if (n == 2 && !strncmp(alt, "IF", 2))
				return true;
			if (n == nmid && !strncmp(alt, mid, n))
				return true;
			alt += n + (alt[n] == ',');
		}
	}
	return false;
}
