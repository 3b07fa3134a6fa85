/* nfrules — the drop and reject rules of the calling thread's network
 * namespace, with their counters (see nfrules.h).
 *
 * nftables is read through libnftables, the way its own callers (nft,
 * firewalld, the Python bindings) use it: a context made inside the call,
 * so that its netlink socket belongs to the namespace the thread is in,
 * output and errors buffered, "list ruleset" as JSON with handles and
 * the JSON read with jansson, the library libnftables itself writes it
 * with.  JSON has no text of a rule, so the ruleset is listed a second
 * time as text, stateless (no counter values, quota usage: the text stays
 * the same while the rule counts), and each rule's line is found by its
 * "# handle N".
 *
 * libnftables calls exit() when it cannot open its netlink socket and
 * writes "(you must be root)" straight to stderr, so it is not started
 * blind: a plain NFT_MSG_GETTABLE dump (sockdiag.c's way of talking
 * netlink) first says whether the namespace has a table at all, which
 * also makes an empty namespace cheap (about 30 us, against 0.15 ms for
 * libnftables listing nothing), and refuses politely without
 * CAP_NET_ADMIN.  libnftables is serialized by a lock of this file: its
 * first context sets up process-wide state unguarded and its interface
 * cache is global.
 *
 * Legacy iptables tables, which nftables does not see, are
 * nfrules_legacy.c's; this file calls it after nftables and owns the
 * notes line both write.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifdef DP_HAVE_JANSSON
#include <jansson.h>
#endif
#if defined(DP_HAVE_LIBNFTABLES) && defined(DP_HAVE_JANSSON)
#define NFT_LIVE 1
#include <nftables/libnftables.h>
#endif

#include "dropprof/kernel/nfrules.h"
#include "dropprof/kernel/nfrules_legacy.h"
#include "dropprof/util/strbuf.h"

/* An internal return: fn asked to stop; its value is in emit.ret. */
#define STOPPED 1

struct emit {
	int (*fn)(const struct dp_nf_rule *r, void *arg);
	void *arg;
	int ret;
};

static int stopped_or(const struct emit *e, int err)
{
	return err == STOPPED ? e->ret : err;
}

int dp_nf_note(struct dp_nf_notes *notes, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	err = dp_strbuf_addf(&notes->line, "%s%s", notes->line.len ? "; " : "", msg);
	free(msg);
	return err;
}

int dp_nf_note_denied(struct dp_nf_notes *notes)
{
	if (notes->denied)
		return 0;
	notes->denied = true;
	return dp_nf_note(notes, "cannot read netfilter rules: permission denied (run as root)");
}

int dp_nf_note_first_line(struct dp_nf_notes *notes, const char *what,
			  const char *text, const char *fallback)
{
	const char *s = text ? text : "";
	int len;

	while (*s == '\n' || *s == ' ')
		s++;
	len = (int)strcspn(s, "\n");
	if (!len)
		return dp_nf_note(notes, "%s: %s", what, fallback);
	return dp_nf_note(notes, "%s: %.*s", what, len > 200 ? 200 : len, s);
}

/* The parsers need jansson; without it there is nothing to parse. */
#ifdef DP_HAVE_JANSSON

static char *skip_space(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* The next space-separated word of *p, NUL-terminated in place; NULL at
 * the end of the line. */
static char *word(char **p)
{
	char *s = skip_space(*p), *end;

	if (!*s)
		return NULL;
	end = s + strcspn(s, " \t");
	if (*end)
		*end++ = '\0';
	*p = end;
	return s;
}

static int emit(struct emit *e, const struct dp_nf_rule *r)
{
	e->ret = e->fn(r, e->arg);
	return e->ret ? STOPPED : 0;
}

/* ---- the nft text listing: each rule's text by its handle -------------- */

struct listed {
	const char *family, *table, *chain;
	uint64_t handle;
	const char *text;
};

struct listing {
	char *buf;                  /* a copy, cut into the strings above */
	struct listed *v;
	size_t nr, cap;
};

/* Braces a line opens minus those it closes, outside "quoted" strings
 * (a rule's comment may hold any). */
static int brace_delta(const char *s)
{
	bool quoted = false;
	int d = 0;

	for (; *s; s++) {
		if (quoted && *s == '\\' && s[1])
			s++;
		else if (*s == '"')
			quoted = !quoted;
		else if (!quoted && *s == '{')
			d++;
		else if (!quoted && *s == '}')
			d--;
	}
	return d;
}

/* A rule line ends in "# handle N": cut it off and return N, or -1. */
static int64_t cut_handle(char *line)
{
	static const char tag[] = " # handle ";
	char *at = NULL, *end;
	unsigned long long n;

	for (char *p = strstr(line, tag); p; p = strstr(p + 1, tag))
		at = p;
	if (!at || at[sizeof(tag) - 1] < '0' || at[sizeof(tag) - 1] > '9')
		return -1;
	errno = 0;
	n = strtoull(at + sizeof(tag) - 1, &end, 10);
	if (errno || *skip_space(end) || n > INT64_MAX)
		return -1;
	while (at > line && (at[-1] == ' ' || at[-1] == '\t'))
		at--;
	*at = '\0';
	return (int64_t)n;
}

static int listed_cmp(const void *pa, const void *pb)
{
	const struct listed *a = pa, *b = pb;
	int c = strcmp(a->family, b->family);

	if (!c)
		c = strcmp(a->table, b->table);
	if (!c)
		c = strcmp(a->chain, b->chain);
	if (!c)
		c = a->handle < b->handle ? -1 : a->handle > b->handle;
	return c;
}

/* Index the rules of a listing: "table FAMILY NAME {" at depth 0, "chain
 * NAME {" at depth 1, the chain's rules one per line at depth 2 (sets,
 * maps and objects open blocks at depth 1 too, and are not chains). */
static int listing_load(struct listing *l, const char *text)
{
	const char *family = NULL, *table = NULL, *chain = NULL;
	int depth = 0;
	char *line, *next;

	memset(l, 0, sizeof(*l));
	l->buf = strdup(text ? text : "");
	if (!l->buf)
		return -ENOMEM;
	for (line = l->buf; line; line = next) {
		int before = depth;
		char *p, *kind;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		p = skip_space(line);
		depth += brace_delta(p);
		if (before == 0) {
			table = chain = NULL;
			kind = word(&p);
			if (kind && !strcmp(kind, "table") && (family = word(&p)))
				table = word(&p);
		} else if (before == 1 && table) {
			kind = word(&p);
			chain = kind && !strcmp(kind, "chain") ? word(&p) : NULL;
		} else if (before == 2 && chain && depth == 2) {
			int64_t handle = cut_handle(p);

			if (handle < 0)
				continue;
			if (l->nr == l->cap) {
				size_t cap = l->cap ? 2 * l->cap : 64;
				struct listed *v = reallocarray(l->v, cap, sizeof(*v));

				if (!v)
					return -ENOMEM;
				l->v = v;
				l->cap = cap;
			}
			l->v[l->nr++] = (struct listed){
				.family = family, .table = table, .chain = chain,
				.handle = (uint64_t)handle, .text = p,
			};
		}
		if (depth < 0)
			depth = 0;
	}
	if (l->nr)
	qsort(l->v, l->nr, sizeof(*l->v), listed_cmp);
	return 0;
}

static const char *listing_find(const struct listing *l, const char *family,
				const char *table, const char *chain,
				uint64_t handle)
{
	struct listed key = {
		.family = family, .table = table, .chain = chain, .handle = handle,
	};
	const struct listed *hit;

	if (!l->nr)
		return "";
	hit = bsearch(&key, l->v, l->nr, sizeof(*l->v), listed_cmp);
	return hit ? hit->text : "";
}

static void listing_release(struct listing *l)
{
	free(l->v);
	free(l->buf);
	memset(l, 0, sizeof(*l));
}

/* ---- the nft JSON listing ----------------------------------------------- */

struct chain {
	const char *family, *table, *name, *hook;
	bool policy_drop;
};

static const char *jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static uint64_t juint(const json_t *o, const char *key, bool *ok)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		*ok = false;
		return 0;
	}
	return (uint64_t)json_integer_value(v);
}

static const struct chain *find_chain(const struct chain *v, size_t nr,
				      const char *family, const char *table,
				      const char *name, size_t *last)
{
	/* A table's rules come chain by chain: try the last one first. */
	for (size_t k = 0; k <= nr; k++) {
		size_t i = k ? k - 1 : *last;

		if (i < nr && !strcmp(v[i].name, name) && !strcmp(v[i].table, table) &&
		    !strcmp(v[i].family, family)) {
			*last = i;
			return &v[i];
		}
	}
	return NULL;
}

/* What a rule's statements say: a drop or reject verdict (nft's own or
 * iptables-nft's xt REJECT target) and an inline counter. */
static bool rule_verdict(const json_t *expr, struct dp_nf_rule *r)
{
	bool verdict = false;
	const json_t *st;
	size_t i;

	json_array_foreach(expr, i, st) {
		const json_t *v;

		if (!json_is_object(st))
			continue;
		if (!verdict && json_object_get(st, "drop")) {
			r->verdict = DP_NF_DROP;
			verdict = true;
		} else if (!verdict && json_object_get(st, "reject")) {
			r->verdict = DP_NF_REJECT;
			verdict = true;
		} else if (!verdict && (v = json_object_get(st, "xt")) &&
			   json_is_object(v) && jstr(v, "type") && jstr(v, "name") &&
			   !strcmp(jstr(v, "type"), "target") &&
			   !strcmp(jstr(v, "name"), "REJECT")) {
			r->verdict = DP_NF_REJECT;
			verdict = true;
		} else if (!r->has_counter && (v = json_object_get(st, "counter")) &&
			   json_is_object(v)) {
			bool ok = true;

			r->packets = juint(v, "packets", &ok);
			r->bytes = juint(v, "bytes", &ok);
			r->has_counter = ok;
			if (!ok)
				r->packets = r->bytes = 0;
		}
	}
	return verdict;
}

static int parse_nft(const char *json, const char *text, struct emit *e)
{
	struct listing listing = { 0 };
	struct chain *chains = NULL;
	size_t nr = 0, last = 0, i;
	json_error_t jerr;
	json_t *root, *items, *item;
	int err;

	root = json_loads(json, 0, &jerr);
	if (!root)
		return -EINVAL;
	items = json_object_get(root, "nftables");
	err = -EINVAL;
	if (!json_is_array(items))
		goto out_json;
	err = -ENOMEM;
	chains = calloc(json_array_size(items) + 1, sizeof(*chains));
	if (!chains)
		goto out_json;
	json_array_foreach(items, i, item) {
		const json_t *c = json_object_get(item, "chain");
		struct chain ch;

		if (!json_is_object(c))
			continue;
		ch = (struct chain){
			.family = jstr(c, "family"), .table = jstr(c, "table"),
			.name = jstr(c, "name"), .hook = jstr(c, "hook"),
		};
		if (!ch.family || !ch.table || !ch.name)
			continue;
		ch.policy_drop = ch.hook && jstr(c, "policy") &&
				 !strcmp(jstr(c, "policy"), "drop");
		chains[nr++] = ch;
	}
	err = listing_load(&listing, text);
	if (err)
		goto out_listing;
	json_array_foreach(items, i, item) {
		const json_t *j = json_object_get(item, "rule");
		const struct chain *ch;
		struct dp_nf_rule r = { .source = DP_NF_NFTABLES };
		bool ok = true;

		if (!json_is_object(j))
			continue;
		r.family = jstr(j, "family");
		r.table = jstr(j, "table");
		r.chain = jstr(j, "chain");
		r.handle = juint(j, "handle", &ok);
		if (!r.family || !r.table || !r.chain || !ok ||
		    !json_is_array(json_object_get(j, "expr")) ||
		    !rule_verdict(json_object_get(j, "expr"), &r))
			continue;
		ch = find_chain(chains, nr, r.family, r.table, r.chain, &last);
		r.hook = ch && ch->hook ? ch->hook : "";
		r.text = listing_find(&listing, r.family, r.table, r.chain, r.handle);
		err = emit(e, &r);
		if (err)
			goto out_listing;
	}
	for (i = 0; i < nr; i++) {
		struct dp_nf_rule r = {
			.source = DP_NF_NFTABLES, .family = chains[i].family,
			.table = chains[i].table, .chain = chains[i].name,
			.hook = chains[i].hook, .handle = 0, .text = "policy drop",
			.verdict = DP_NF_DROP,
		};

		if (!chains[i].policy_drop)
			continue;
		err = emit(e, &r);
		if (err)
			goto out_listing;
	}
	err = 0;
out_listing:
	listing_release(&listing);
	free(chains);
out_json:
	json_decref(root);
	return err;
}

#endif /* DP_HAVE_JANSSON */

int dp_nf_parse_nft(const char *json, const char *listing,
		    int (*fn)(const struct dp_nf_rule *r, void *arg), void *arg)
{
#ifdef DP_HAVE_JANSSON
	struct emit e = { .fn = fn, .arg = arg };

	return stopped_or(&e, parse_nft(json, listing, &e));
#else
	return -ENOTSUP;
#endif
}

/* ---- nftables in the kernel --------------------------------------------- */

/* Could there be nftables tables at all?  Asking netlink when nf_tables
 * is a module not loaded would load it (and nfnetlink): nfnetlink loads
 * the subsystem a request names.  An observer should leave the kernel as
 * it found it, and an unloaded nf_tables has no table anyway.  Built in,
 * it has no /sys/module entry, but modules.builtin names it; a kernel
 * without modules loads nothing. */
static bool nft_builtin;

static void nft_find_builtin(void)
{
	struct utsname u;
	char path[256], *line = NULL;
	size_t cap = 0;
	FILE *f;

	nft_builtin = true;                   /* when it cannot be told */
	if (uname(&u) < 0)
		return;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", u.release);
	f = fopen(path, "re");
	if (!f)
		return;
	nft_builtin = false;
	while (!nft_builtin && getline(&line, &cap, f) > 0)
		nft_builtin = strstr(line, "/nf_tables.ko") != NULL;
	free(line);
	fclose(f);
}

static bool nft_in_kernel(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	if (!access("/sys/module/nf_tables", F_OK) || access("/proc/modules", F_OK))
		return true;
	pthread_once(&once, nft_find_builtin);
	return nft_builtin;
}

/* Does the namespace have an nftables table?  1, 0, or -errno (-EPERM
 * without CAP_NET_ADMIN in it).  No nfnetlink or no nf_tables in the
 * kernel is no table. */
static int nft_has_tables(void)
{
	struct {
		struct nlmsghdr nlh;
		struct nfgenmsg gen;
	} req = {
		.nlh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1,
		},
		.gen = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0 },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	int fd, ret;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		return errno == EPROTONOSUPPORT ? 0 : -errno;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0) {
			ret = -EIO;
			goto out;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				ret = 0;
				goto out;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *me = NLMSG_DATA(h);

				/* -EINVAL: nfnetlink has no nf_tables. */
				ret = h->nlmsg_len < NLMSG_LENGTH(sizeof(*me)) ? -EIO :
				      me->error == -EINVAL || me->error == -EOPNOTSUPP ?
				      0 : me->error;
				goto out;
			}
			if (h->nlmsg_type ==
			    ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE)) {
				ret = 1;      /* one is enough: the rest is not read */
				goto out;
			}
		}
	}
out:
	close(fd);
	return ret;
}

#ifdef NFT_LIVE
/* libnftables' first nft_ctx_new() sets up process-wide state unguarded
 * and its interface cache is a global: one context at a time. */
static pthread_mutex_t nft_lock = PTHREAD_MUTEX_INITIALIZER;

/* "list ruleset" as JSON and as text, copied out of the context. */
static int nft_list(char **json, char **text, struct dp_nf_notes *notes)
{
	static const char what[] = "cannot read nftables rules";
	struct nft_ctx *ctx;
	int err = 0;

	*json = *text = NULL;
	pthread_mutex_lock(&nft_lock);
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		err = dp_nf_note(notes, "%s: libnftables could not start", what);
		goto out_unlock;
	}
	if (nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
		err = -ENOMEM;
		goto out_ctx;
	}
	/* Not NFT_CTX_OUTPUT_STATELESS: that would leave counters out. */
	nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
	if (nft_run_cmd_from_buffer(ctx, "list ruleset")) {
		err = dp_nf_note_first_line(notes, what, nft_ctx_get_error_buffer(ctx),
					    "libnftables failed");
		goto out_ctx;
	}
	*json = strdup(nft_ctx_get_output_buffer(ctx));
	nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_HANDLE | NFT_CTX_OUTPUT_STATELESS);
	if (!*json) {
		err = -ENOMEM;
	} else if (nft_run_cmd_from_buffer(ctx, "list ruleset")) {
		/* The rules can still be read, without their text. */
		err = dp_nf_note_first_line(notes, "cannot read the text of nftables rules",
					    nft_ctx_get_error_buffer(ctx),
					    "libnftables failed");
	} else {
		*text = strdup(nft_ctx_get_output_buffer(ctx));
		if (!*text)
			err = -ENOMEM;
	}
out_ctx:
	nft_ctx_free(ctx);
out_unlock:
	pthread_mutex_unlock(&nft_lock);
	if (err) {
		free(*json);
		free(*text);
		*json = *text = NULL;
	}
	return err;
}
#endif

static int nft_rules(struct emit *e, struct dp_nf_notes *notes)
{
	int has = nft_in_kernel() ? nft_has_tables() : 0;

	if (has == -EPERM)
		return dp_nf_note_denied(notes);
	if (has < 0)
		return dp_nf_note(notes, "cannot read nftables rules: %s", strerror(-has));
	if (!has)
		return 0;
#ifdef NFT_LIVE
	char *json, *text;
	int err = nft_list(&json, &text, notes);

	if (err || !json)
		return err;
	err = parse_nft(json, text, e);
	if (err == -EINVAL)
		err = dp_nf_note(notes, "cannot read nftables rules: libnftables printed JSON that is not a ruleset");
	free(json);
	free(text);
	return err;
#else
	return dp_nf_note(notes, "built without %s: nftables rules are not read",
#ifndef DP_HAVE_LIBNFTABLES
		    "libnftables"
#else
		    "jansson"
#endif
		    );
#endif
}

int dp_nf_rules(int (*fn)(const struct dp_nf_rule *r, void *arg), void *arg,
		char **notes)
{
	struct dp_nf_notes lines = { .line = DP_STRBUF_INIT };
	struct emit e = { .fn = fn, .arg = arg };
	int err;

	if (notes)
		*notes = NULL;
	err = stopped_or(&e, nft_rules(&e, &lines));
	if (!err)
		err = dp_nf_legacy_rules(fn, arg, &lines);
	if (notes && lines.line.len && err != -ENOMEM) {
		*notes = dp_strbuf_detach(&lines.line);
		if (!*notes && !err)
			err = -ENOMEM;
	}
	dp_strbuf_release(&lines.line);
	return err;
}
