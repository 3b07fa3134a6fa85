/* procnet — the kernel's network counter files under /proc/net read into
 * one name-sorted snapshot.  What the counters mean (deltas, which ones
 * are drops) is profile/counters.c's business; this file only parses.
 *
 * Column names come from each file's own header lines, never from a list
 * compiled in: every kernel release adds some (Icmp OutRateLimitGlobal,
 * TcpExt TCPAO*, IpExt ReasmOverlaps), and IcmpMsg columns come and go
 * with the traffic.  Only softnet_stat has no header, so its columns are
 * known by position.  Which files are read, and for which scope, is the
 * one table at the end (sources[]).
 *
 * The kernel writes these files whole and newline-terminated, so a line
 * cut short, a header without its value line or a count that does not
 * match means a file we do not understand: -EINVAL for the snapshot,
 * rather than a set that silently lacks counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/kernel/procnet.h"
#include "dropprof/util/lines.h"
#include "dropprof/util/strlist.h"
#include "dropprof/util/strpool.h"

/* Kernel counter names are under 40 characters and interface names under
 * 16; anything much longer is garbage, not a counter. */
#define NAME_MAX_LEN 128

/* /proc/net/dev has 16 columns; room for a kernel that adds a few. */
#define DEV_MAX_FIELDS 64

/* The widest /proc/net/stat/ file has 17 columns (rt_cache, nf_conntrack);
 * room for a kernel that adds a few. */
#define STAT_MAX_COLS 64

/* softnet_stat column holding the CPU id (5.10 and later).  Offline CPUs
 * have no line, so the line index is the CPU only on older kernels. */
#define SOFTNET_CPU_COL 12
#define SOFTNET_MAX_COLS 16

/* One counter file: where it is, how it is read, its scope (procnet.h). */
struct source {
	const char *file;    /* under the procnet directory */
	int (*load)(struct dp_counters *c, struct dp_lines *r,
		    const struct source *src);
	unsigned int scope;
};


/* ---- the set ---------------------------------------------------------- */

static int counters_push(struct dp_counters *c, const char *name, size_t len,
			 uint64_t value, unsigned int width)
{
	struct dp_counter *v;
	const char *s;

	if (c->nr == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;

		v = reallocarray(c->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	s = c->pool ? dp_strpool_intern(c->pool, name, len) : strndup(name, len);
	if (!s)
		return -ENOMEM;
	c->v[c->nr++] = (struct dp_counter){
		.name = s, .value = value, .width = width,
	};
	return 0;
}

/* Format a counter name; its length, or -EINVAL when it is empty or too
 * long to be one. */
static int __attribute__((format(printf, 2, 0)))
vformat_name(char name[NAME_MAX_LEN + 1], const char *fmt, va_list ap)
{
	int n = vsnprintf(name, NAME_MAX_LEN + 1, fmt, ap);

	return n <= 0 || n > NAME_MAX_LEN ? -EINVAL : n;
}

static int __attribute__((format(printf, 2, 3)))
format_name(char name[NAME_MAX_LEN + 1], const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vformat_name(name, fmt, ap);
	va_end(ap);
	return n;
}

static int __attribute__((format(printf, 4, 5)))
counters_pushf(struct dp_counters *c, uint64_t value, unsigned int width,
	       const char *fmt, ...)
{
	char name[NAME_MAX_LEN + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vformat_name(name, fmt, ap);
	va_end(ap);
	return n < 0 ? n : counters_push(c, name, n, value, width);
}

void dp_counters_release(struct dp_counters *c)
{
	struct dp_strpool *pool = c->pool;

	for (size_t i = 0; !pool && i < c->nr; i++)
		free((char *)c->v[i].name);
	free(c->v);
	*c = (struct dp_counters){ .pool = pool };
}

static int cmp_counter(const void *a, const void *b)
{
	const struct dp_counter *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int cmp_name_counter(const void *key, const void *elem)
{
	const struct dp_counter *k = elem;

	return strcmp(key, k->name);
}

const struct dp_counter *dp_counters_find(const struct dp_counters *c,
					  const char *name)
{
	if (!c->nr)
		return NULL;
	return bsearch(name, c->v, c->nr, sizeof(*c->v), cmp_name_counter);
}

/* ---- lexing ----------------------------------------------------------- */

static bool is_blank(int ch)
{
	return ch == ' ' || ch == '\t';
}

/* The next blank-separated token at *p (its length in *len), advancing *p
 * past it; NULL at the end of the string. */
static const char *next_token(const char **p, size_t *len)
{
	const char *s = *p, *e;

	while (is_blank(*s))
		s++;
	if (!*s) {
		*p = s;
		return NULL;
	}
	for (e = s; *e && !is_blank(*e); e++)
		;
	*len = e - s;
	*p = e;
	return s;
}

static bool is_empty_line(const char *s)
{
	while (is_blank(*s))
		s++;
	return !*s;
}

static bool is_alpha(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* A column or table name: a letter, then letters, digits or '_'.  Starting
 * with a letter is what tells a header line from a value line. */
static bool is_name(const char *s, size_t len)
{
	if (!len || !is_alpha(s[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_')
			return false;
	return true;
}

/* ---- /proc/net/snmp and /proc/net/netstat ----------------------------- */

/* Settings and gauges, not counts of events: the difference of two
 * readings means nothing (TcpCurrEstab -1 is not one event), and MaxConn
 * is the only signed column.  nstat leaves out the same seven. */
static const char *const table_gauges[] = {
	"IpForwarding", "IpDefaultTTL", "TcpRtoAlgorithm", "TcpRtoMin",
	"TcpRtoMax", "TcpMaxConn", "TcpCurrEstab",
};

/* Lines come in pairs with one prefix: "Udp: InDatagrams NoPorts ..." then
 * "Udp: 26 101000 ...".  A prefix may repeat (IcmpMsg prints 16 types a
 * pair) and a pair may have no column at all. */
static int load_table(struct dp_counters *c, struct dp_lines *r,
		      const struct source *src)
{
	char *hdr = NULL, *line;
	size_t plen = 0;
	int err;

	(void)src;
	while ((err = dp_lines_next(r, &line)) > 0) {
		const char *colon = strchr(line, ':');
		const char *hp, *vp, *name, *val;
		char full[NAME_MAX_LEN + 1];
		size_t nlen, vlen;
		uint64_t v;
		int n;

		if (is_empty_line(line))
			continue;
		if (!colon || !is_name(line, colon - line)) {
			err = -EINVAL;
			goto out_free_hdr;
		}
		if (!hdr) {
			/* The header: checked when its values arrive. */
			hdr = strdup(line);
			if (!hdr) {
				err = -ENOMEM;
				goto out_free_hdr;
			}
			plen = colon - line;
			continue;
		}
		if ((size_t)(colon - line) != plen || memcmp(line, hdr, plen)) {
			err = -EINVAL;
			goto out_free_hdr;
		}
		hp = hdr + plen + 1;
		vp = colon + 1;
		for (;;) {
			name = next_token(&hp, &nlen);
			val = next_token(&vp, &vlen);
			if (!name && !val)
				break;
			if (!name || !val || !is_name(name, nlen)) {
				err = -EINVAL;
				goto out_free_hdr;
			}
			err = dp_parse_dec(val, vlen, true, UINT64_MAX, &v);
			if (err)
				goto out_free_hdr;
			n = format_name(full, "%.*s%.*s", (int)plen, hdr,
					(int)nlen, name);
			if (n < 0) {
				err = n;
				goto out_free_hdr;
			}
			if (DP_STR_IN(full, table_gauges))
				continue;
			err = counters_push(c, full, n, v, 64);
			if (err)
				goto out_free_hdr;
		}
		free(hdr);
		hdr = NULL;
	}
	/* A header as the last line lost its values. */
	if (!err && hdr)
		err = -EINVAL;
out_free_hdr:
	free(hdr);
	return err;
}

/* ---- /proc/net/snmp6 -------------------------------------------------- */

/* "Ip6InReceives                   \t401": the name is already whole. */
static int load_pairs(struct dp_counters *c, struct dp_lines *r,
		      const struct source *src)
{
	char *line;
	int err;

	(void)src;
	while ((err = dp_lines_next(r, &line)) > 0) {
		const char *p = line, *name, *val;
		size_t nlen, vlen;
		uint64_t v;

		name = next_token(&p, &nlen);
		if (!name)
			continue;
		val = next_token(&p, &vlen);
		if (!val || next_token(&p, &vlen) || !is_name(name, nlen))
			return -EINVAL;
		err = dp_parse_dec(val, vlen, false, UINT64_MAX, &v);
		if (!err)
			err = counters_push(c, name, nlen, v, 64);
		if (err)
			return err;
	}
	return err;
}

/* ---- /proc/net/dev ---------------------------------------------------- */

struct dev_fields {
	char *buf;                       /* the second header line, split */
	const char *name[DEV_MAX_FIELDS];
	int len[DEV_MAX_FIELDS];
	bool tx[DEV_MAX_FIELDS];
	size_t nr;
};

/* " face |bytes packets ... multicast|bytes packets ... compressed": the
 * receive names between the bars, the transmit names after the second. */
static int dev_parse_header(struct dev_fields *f, const char *line)
{
	char *rx, *tx;
	size_t len;

	f->buf = strdup(line);
	if (!f->buf)
		return -ENOMEM;
	rx = strchr(f->buf, '|');
	tx = rx ? strchr(rx + 1, '|') : NULL;
	if (!tx || strchr(tx + 1, '|'))
		return -EINVAL;
	*rx++ = '\0';
	*tx++ = '\0';
	for (int side = 0; side < 2; side++) {
		const char *p = side ? tx : rx, *name;

		while ((name = next_token(&p, &len))) {
			if (f->nr == DEV_MAX_FIELDS || !is_name(name, len))
				return -EINVAL;
			f->name[f->nr] = name;
			f->len[f->nr] = (int)len;
			f->tx[f->nr] = side;
			f->nr++;
		}
	}
	return f->nr ? 0 : -EINVAL;
}

/* dev_valid_name() forbids '/', ':' and white space; control bytes are
 * garbage too.  Any other byte (UTF-8 included) may be in a name. */
static bool is_ifname(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = s[i];

		if (ch <= ' ' || ch == 0x7f || ch == '/' || ch == ':')
			return false;
	}
	return true;
}

/* "  eth0: 18795191     760 ...".  Old kernels print "%6s:%8lu", so a
 * long name and a large count touch: "vethlongname123:18446744073709551615". */
static int dev_parse_iface(struct dp_counters *c, const struct dev_fields *f,
			   const char *line)
{
	const char *colon, *p, *val;
	size_t vlen;
	uint64_t v;
	int err;

	while (is_blank(*line))
		line++;
	colon = strchr(line, ':');
	if (!colon || !is_ifname(line, colon - line))
		return -EINVAL;
	p = colon + 1;
	for (size_t i = 0; i < f->nr; i++) {
		val = next_token(&p, &vlen);
		if (!val)
			return -EINVAL;
		err = dp_parse_dec(val, vlen, false, UINT64_MAX, &v);
		if (!err)
			err = counters_pushf(c, v, 64, "dev:%.*s:%s_%.*s",
					     (int)(colon - line), line,
					     f->tx[i] ? "tx" : "rx",
					     f->len[i], f->name[i]);
		if (err)
			return err;
	}
	return next_token(&p, &vlen) ? -EINVAL : 0;
}

static int load_dev(struct dp_counters *c, struct dp_lines *r,
		    const struct source *src)
{
	struct dev_fields f = { 0 };
	size_t lineno = 0;
	char *line;
	int err;

	(void)src;
	while ((err = dp_lines_next(r, &line)) > 0) {
		lineno++;
		if (lineno == 1)
			/* "Inter-|   Receive   |  Transmit": only a title. */
			err = strchr(line, '|') ? 0 : -EINVAL;
		else if (lineno == 2)
			err = dev_parse_header(&f, line);
		else if (!is_empty_line(line))
			err = dev_parse_iface(c, &f, line);
		if (err)
			goto out_free_fields;
	}
	/* A title without the names is a file cut short. */
	if (!err && lineno == 1)
		err = -EINVAL;
out_free_fields:
	free(f.buf);
	return err;
}

/* ---- /proc/net/softnet_stat ------------------------------------------- */

/* The columns that count events.  3-8 have printed 0 for years ("was
 * fastroute", "was cpu_collision"); 11, 13 and 14 are queue lengths at
 * the time of reading, whose difference means nothing; 12 is the CPU id.
 * Columns a later kernel adds have no name to give, so they are left out
 * rather than reported under a guessed one. */
static const struct {
	unsigned int col;
	const char *name;
} softnet_cols[] = {
	{ 0, "processed" },
	{ 1, "dropped" },
	{ 2, "time_squeeze" },
	{ 9, "received_rps" },
	{ 10, "flow_limit_count" },
};

static int load_softnet(struct dp_counters *c, struct dp_lines *r,
			const struct source *src)
{
	uint64_t val[SOFTNET_MAX_COLS];
	unsigned int width[SOFTNET_MAX_COLS];
	uint64_t lineno = 0, cpu, v;
	char *line;
	int err;

	(void)src;
	while ((err = dp_lines_next(r, &line)) > 0) {
		const char *p = line, *tok;
		size_t ncols = 0, len;

		if (is_empty_line(line))
			continue;
		while ((tok = next_token(&p, &len))) {
			err = dp_parse_hex(tok, len, &v);
			if (err)
				return err;
			if (ncols < SOFTNET_MAX_COLS) {
				val[ncols] = v;
				/* The kernel prints each u32 as %08x; a wider
				 * column is not a u32 and does not wrap at 2^32. */
				width[ncols] = len <= 8 ? 32 : 64;
			}
			ncols++;
		}
		/* processed, dropped, time_squeeze are in every kernel. */
		if (ncols < 3)
			return -EINVAL;
		cpu = ncols > SOFTNET_CPU_COL ? val[SOFTNET_CPU_COL] : lineno;
		lineno++;
		for (size_t i = 0; i < DP_ARRAY_SIZE(softnet_cols); i++) {
			unsigned int col = softnet_cols[i].col;

			if (col >= ncols)
				continue;
			err = counters_pushf(c, val[col], width[col],
					     "softnet:cpu%" PRIu64 ":%s", cpu,
					     softnet_cols[i].name);
			if (err)
				return err;
		}
	}
	return err;
}

/* ---- /proc/net/stat/ ------------------------------------------------- */

/* "entries  allocs destroys ..." (blanks or tabs: synproxy uses tabs), then
 * one line per possible CPU of as many hex values, %08x or wider (the
 * neighbour tables' are unsigned long).  What a table counts is the sum
 * of its CPUs: which CPU did the work says nothing about a drop.
 *
 * "entries" is left out: it is the table's size when read (and
 * nf_conntrack prints the one global count on every CPU's line), a gauge
 * whose difference counts no event. */
static int load_stat(struct dp_counters *c, struct dp_lines *r,
		     const struct source *src)
{
	const char *table = strrchr(src->file, '/') + 1;
	const char *col[STAT_MAX_COLS];
	int len[STAT_MAX_COLS];
	uint64_t sum[STAT_MAX_COLS] = { 0 };
	size_t ncols = 0, ncpus = 0;
	char *hdr = NULL, *line;
	int err;

	while ((err = dp_lines_next(r, &line)) > 0) {
		const char *p, *tok;
		size_t n = 0, tlen;
		uint64_t v;

		if (is_empty_line(line))
			continue;
		if (!hdr) {
			/* The column names.  A file without its header
			 * starts with values, and all but the rare one with
			 * a top digit a-f fail is_name(). */
			hdr = strdup(line);
			if (!hdr) {
				err = -ENOMEM;
				goto out_free_hdr;
			}
			p = hdr;
			while ((tok = next_token(&p, &tlen))) {
				if (ncols == STAT_MAX_COLS ||
				    !is_name(tok, tlen)) {
					err = -EINVAL;
					goto out_free_hdr;
				}
				col[ncols] = tok;
				len[ncols] = (int)tlen;
				ncols++;
			}
			continue;
		}
		p = line;
		while ((tok = next_token(&p, &tlen))) {
			if (n == ncols) {
				err = -EINVAL;
				goto out_free_hdr;
			}
			err = dp_parse_hex(tok, tlen, &v);
			if (err)
				goto out_free_hdr;
			/* Past 2^64 is no count of a real machine. */
			if (v > UINT64_MAX - sum[n]) {
				err = -EINVAL;
				goto out_free_hdr;
			}
			sum[n++] += v;
		}
		if (n != ncols) {
			err = -EINVAL;
			goto out_free_hdr;
		}
		ncpus++;
	}
	if (err)
		goto out_free_hdr;
	/* A header without a CPU's line is a file cut short. */
	if (hdr && !ncpus) {
		err = -EINVAL;
		goto out_free_hdr;
	}
	for (size_t i = 0; i < ncols; i++) {
		if (len[i] == 7 && !memcmp(col[i], "entries", 7))
			continue;
		err = counters_pushf(c, sum[i], 64, "%s:%.*s", table, len[i],
				     col[i]);
		if (err)
			goto out_free_hdr;
	}
out_free_hdr:
	free(hdr);
	return err;
}

/* ---- snapshot --------------------------------------------------------- */

/* Every file read, and its scope (procnet.h, Scopes).  Files in stat/ not
 * named here are not read at all, not even as per-namespace: a file's
 * scope is where the kernel keeps its numbers, which its name does not
 * tell, and a machine-wide count shown as a namespace's would mislead. */
static const struct source sources[] = {
	{ "snmp", load_table, DP_PROCNET_NETNS },
	{ "netstat", load_table, DP_PROCNET_NETNS },
	{ "snmp6", load_pairs, DP_PROCNET_NETNS },
	{ "dev", load_dev, DP_PROCNET_NETNS },
	{ "softnet_stat", load_softnet, DP_PROCNET_MACHINE },
	/* The neighbour tables (arp_tbl, nd_tbl) are global, their files
	 * made in the initial namespace only. */
	{ "stat/arp_cache", load_stat, DP_PROCNET_MACHINE },
	{ "stat/ndisc_cache", load_stat, DP_PROCNET_MACHINE },
	/* Made in every namespace, but rt_cache_stat is one per-CPU
	 * variable for all of them. */
	{ "stat/rt_cache", load_stat, DP_PROCNET_MACHINE },
	/* net->ct.stat and the synproxy_net stats: per namespace. */
	{ "stat/nf_conntrack", load_stat, DP_PROCNET_NETNS },
	{ "stat/synproxy", load_stat, DP_PROCNET_NETNS },
};

/* Load one file into c; *found is set when it exists. */
static int load_source(struct dp_counters *c, const char *dir,
		       const struct source *src, bool *found)
{
	struct dp_lines r = { 0 };
	char *path;
	int err;

	*found = false;
	if (asprintf(&path, "%s/%s", dir, src->file) < 0)
		return -ENOMEM;
	r.f = fopen(path, "re");
	if (!r.f) {
		/* ENOENT also when stat/ itself is missing. */
		err = errno == ENOENT ? 0 : -errno;
		goto out_free_path;
	}
	*found = true;
	err = src->load(c, &r, src);
	dp_lines_release(&r);
	fclose(r.f);
out_free_path:
	free(path);
	return err;
}

int dp_counters_snapshot_scope(struct dp_counters *c, const char *procnet_dir,
			       unsigned int scope)
{
	struct dp_counters tmp = { .pool = c->pool };
	size_t nfound = 0;
	bool found;
	int err;

	if (!scope || (scope & ~DP_PROCNET_ALL))
		return -EINVAL;
	for (size_t i = 0; i < DP_ARRAY_SIZE(sources); i++) {
		if (!(sources[i].scope & scope))
			continue;
		err = load_source(&tmp, procnet_dir, &sources[i], &found);
		if (err)
			goto out_release;
		nfound += found;
	}
	if (!nfound) {
		err = -ENOENT;
		goto out_release;
	}
	if (tmp.nr)
		qsort(tmp.v, tmp.nr, sizeof(*tmp.v), cmp_counter);
	/* Two files or two lines naming one counter: which is right is
	 * anyone's guess, and the delta would be. */
	for (size_t i = 1; i < tmp.nr; i++) {
		if (!strcmp(tmp.v[i - 1].name, tmp.v[i].name)) {
			err = -EINVAL;
			goto out_release;
		}
	}
	/* Kept for the whole recording, maybe 500 times over: no slack. */
	if (tmp.nr && tmp.nr < tmp.cap) {
		struct dp_counter *v = reallocarray(tmp.v, tmp.nr, sizeof(*v));

		if (v) {
			tmp.v = v;
			tmp.cap = tmp.nr;
		}
	}
	*c = tmp;
	return 0;

out_release:
	dp_counters_release(&tmp);
	return err;
}

int dp_counters_snapshot(struct dp_counters *c, const char *procnet_dir)
{
	return dp_counters_snapshot_scope(c, procnet_dir, DP_PROCNET_ALL);
}
