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

/* The value as shown (see sysctl.h).  At most DP_SYSCTL_MAX_VALUE
 * characters are kept, an escape whole or not at all; "..." follows
 * when anything was left out, or when the file held more than raw (cut). */
static int normalize(const char *raw, size_t n, bool cut, char **value)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;
	bool gap = false;
	int err = 0;

	while (n && (raw[n - 1] == '\n' || raw[n - 1] == ' ' || raw[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < n && !err; i++) {
		unsigned char c = (unsigned char)raw[i];
		char piece[8];
		int len;

		if (c == '\t' || c == '\n' || c == ' ') {
			gap = sb.len > 0;
			continue;
		}
		len = c >= 0x20 && c < 0x7f ? snprintf(piece, sizeof(piece), "%c", c) :
		      snprintf(piece, sizeof(piece), "\\x%02x", c);
		if (sb.len + gap + (size_t)len > DP_SYSCTL_MAX_VALUE) {
			cut = true;
			break;
		}
		if (gap)
			err = dp_strbuf_addch(&sb, ' ');
		gap = false;
		if (!err)
			err = dp_strbuf_add(&sb, piece, (size_t)len);
	}
	if (!err && cut)
		err = dp_strbuf_add(&sb, "...", 3);
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
	/* Room for any value that fits once its blanks are squeezed, and a
	 * byte more, to know whether the file holds more. */
	char buf[DP_SYSCTL_MAX_VALUE * 2 + 1];
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
	err = n < 0 ? -errno : normalize(buf, (size_t)n - (n == sizeof(buf)),
					 n == sizeof(buf), value);
	close(fd);
out_release:
	dp_strbuf_release(&path);
	return err;
}

/* The pattern's choice "{a,b}": 1 with *open and *close at its braces, 0
 * when it has none, -EINVAL when it is malformed: a brace without its
 * pair, a second choice, an empty alternative or one with a dot (a
 * choice stands for one part of the name). */
static int find_choice(const char *pattern, const char **open, const char **close)
{
	const char *o = strchr(pattern, '{'), *c = strchr(pattern, '}');

	if (!o && !c)
		return 0;
	if (!o || !c || c < o || strchr(o + 1, '{') || strchr(c + 1, '}'))
		return -EINVAL;
	for (const char *p = o + 1; p <= c; p++)
		if (*p == '.' || ((*p == ',' || *p == '}') && (p[-1] == '{' || p[-1] == ',')))
			return -EINVAL;
	*open = o;
	*close = c;
	return 1;
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
	const char *open, *close;
	int has = find_choice(pattern, &open, &close), err = 0;

	if (has <= 0)
		return has ? has : fn(pattern, arg);
	for (const char *alt = open + 1; alt < close && !err;) {
		size_t n = strcspn(alt, ",}");

		if (!n) {
			err = -EINVAL;
			break;
		}
		if (n == 6 && !strncmp(alt, "LISTEN", 6)) {
			/* Sockets, not files: the caller lists them. */
		} else if (n == 2 && !strncmp(alt, "IF", 2)) {
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
	const char *open, *close;
	int has = find_choice(pattern, &open, &close);
	size_t npre, npost, nname = strlen(name);

	if (has <= 0)
		return !has && !strcmp(pattern, name);
	npre = open - pattern;
	npost = strlen(close + 1);
	if (nname <= npre + npost || strncmp(name, pattern, npre) ||
	    strcmp(name + nname - npost, close + 1))
		return false;
	/* The middle is one part: a choice, or any interface. */
	{
		const char *mid = name + npre;
		size_t nmid = nname - npre - npost;

		/* A socket address has dots and colons of its own. */
		if (!strncmp(open, "{LISTEN}", 8))
			return true;
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
