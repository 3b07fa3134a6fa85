/* nfrules_legacy — the iptables-legacy half of dp_nf_rules() (see
 * nfrules.h and nfrules_legacy.h): the x_tables tables, which nftables
 * does not see, of the calling thread's network namespace.
 *
 * They are read from `iptables-legacy-save -c` (and ip6tables-), run
 * with posix_spawn (no shell), rather than through libiptc: Debian ships
 * libiptc only as libip4tc/libip6tc with no stable, documented API
 * (iptables' own tools are its only intended users, and its structures
 * follow the kernel's ABI), whereas the -c save format is the documented
 * interface iptables-restore reads back.
 *
 * The child is cloned from the calling thread (posix_spawn, like fork,
 * copies the caller's namespaces, not the main thread's), so it is in
 * the namespace that thread entered with setns: test_nfrules checks it
 * by finding, from a thread, a rule that exists only in the namespace
 * the thread entered, and not finding it from the main thread.  It
 * starts with plain signals, its own process group (a Ctrl-C that ends
 * the recording does not kill it while it reads the end counters), no
 * inherited fds, a fixed environment, and stderr in a memory file read
 * once it has exited (a chatty child never blocks on a pipe nobody
 * reads).
 *
 * /proc/thread-self/net/ip_tables_names (ip6_tables_names) says first
 * whether the namespace has a legacy table at all, so the tools (about
 * 1.5 ms each) run only where they have something to print.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dropprof/kernel/nfrules.h"
#include "dropprof/kernel/nfrules_legacy.h"
#include "dropprof/util/strbuf.h"

struct emit {
	int (*fn)(const struct dp_nf_rule *r, void *arg);
	void *arg;
};

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

/* ---- iptables-legacy-save -c -------------------------------------------- */

struct legacy_chain {
	char *name;
	char *policy;               /* "ACCEPT", "DROP"; "-" for a user chain */
	bool has_counter;
	uint64_t packets, bytes;
	uint64_t rules;             /* -A lines seen so far */
};

/* "[P:B]" at *p: its numbers, and *p moved past it. */
static bool counter_pair(char **p, uint64_t *packets, uint64_t *bytes)
{
	char *s = *p, *end;

	if (*s != '[')
		return false;
	errno = 0;
	*packets = strtoull(s + 1, &end, 10);
	if (errno || end == s + 1 || *end != ':')
		return false;
	s = end + 1;
	*bytes = strtoull(s, &end, 10);
	if (errno || end == s || *end != ']')
		return false;
	*p = end + 1;
	return true;
}

/* The target of a rule spec: the word after "-j", words "quoted" with
 * \-escapes as iptables-save writes a comment. */
static bool legacy_verdict(const char *spec, enum dp_nf_verdict *v)
{
	bool after_j = false;
	const char *s = spec;

	while (*s) {
		const char *w;
		size_t len;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		w = s;
		if (*s == '"') {
			for (s++; *s && *s != '"'; s++)
				if (*s == '\\' && s[1])
					s++;
			if (*s)
				s++;
			after_j = false;
			continue;
		}
		len = strcspn(s, " ");
		s += len;
		if (after_j) {
			if (len == 4 && !strncmp(w, "DROP", 4)) {
				*v = DP_NF_DROP;
				return true;
			}
			if (len == 6 && !strncmp(w, "REJECT", 6)) {
				*v = DP_NF_REJECT;
				return true;
			}
			return false;
		}
		after_j = len == 2 && !strncmp(w, "-j", 2);
	}
	return false;
}

static void lower(char *out, size_t size, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		out[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	out[i] = '\0';
}

/* Builtin chains have a policy, and their hook is their name. */
static const char *legacy_hook(const struct legacy_chain *c, char *buf, size_t size)
{
	if (!c || !strcmp(c->policy, "-"))
		return "";
	lower(buf, size, c->name);
	return buf;
}

struct legacy_table {
	char *name;
	struct legacy_chain *v;
	size_t nr, cap;
};

static struct legacy_chain *legacy_chain_get(struct legacy_table *t, char *name,
					     char *policy)
{
	for (size_t i = 0; i < t->nr; i++)
		if (!strcmp(t->v[i].name, name))
			return &t->v[i];
	if (t->nr == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 8;
		struct legacy_chain *v = reallocarray(t->v, cap, sizeof(*v));

		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->nr] = (struct legacy_chain){ .name = name, .policy = policy };
	return &t->v[t->nr++];
}

/* At COMMIT: the builtin chains whose policy is DROP. */
static int legacy_policies(const char *family, struct legacy_table *t,
			   struct emit *e)
{
	for (size_t i = 0; i < t->nr; i++) {
		const struct legacy_chain *c = &t->v[i];
		char hook[32];
		struct dp_nf_rule r = {
			.source = DP_NF_LEGACY, .family = family, .table = t->name,
			.chain = c->name, .hook = legacy_hook(c, hook, sizeof(hook)),
			.handle = 0, .text = "policy DROP", .verdict = DP_NF_DROP,
			.has_counter = c->has_counter, .packets = c->packets,
			.bytes = c->bytes,
		};
		int err;

		if (strcmp(c->policy, "DROP"))
			continue;
		err = e->fn(&r, e->arg);
		if (err)
			return err;
	}
	return 0;
}

static int parse_legacy(const char *family, const char *save, struct emit *e)
{
	struct legacy_table t = { 0 };
	char *buf = strdup(save ? save : ""), *line, *next;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (line = buf; line && !err; line = next) {
		struct dp_nf_rule r = { .source = DP_NF_LEGACY, .family = family };
		struct legacy_chain *c;
		char *p = line, *name, hook[32];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*p == '*') {                      /* "*filter" */
			t.name = p + 1;
			t.nr = 0;
			continue;
		}
		if (!t.name)
			continue;
		if (!strcmp(p, "COMMIT")) {
			err = legacy_policies(family, &t, e);
			t.name = NULL;
			continue;
		}
		if (*p == ':') {                      /* ":INPUT ACCEPT [0:0]" */
			char *policy;
			uint64_t packets = 0, bytes = 0;
			bool counted;

			p++;
			name = word(&p);
			policy = word(&p);
			if (!name || !policy)
				continue;
			p = skip_space(p);
			counted = counter_pair(&p, &packets, &bytes);
			c = legacy_chain_get(&t, name, policy);
			if (!c) {
				err = -ENOMEM;
				break;
			}
			c->policy = policy;
			c->has_counter = counted;
			c->packets = packets;
			c->bytes = bytes;
			continue;
		}
		r.has_counter = counter_pair(&p, &r.packets, &r.bytes);
		p = skip_space(p);
		if (strncmp(p, "-A ", 3))           /* "[0:0] -A INPUT ..." */
			continue;
		p += 3;
		name = word(&p);
		if (!name)
			continue;
		c = legacy_chain_get(&t, name, "-");
		if (!c) {
			err = -ENOMEM;
			break;
		}
		c->rules++;
		r.text = skip_space(p);
		if (!legacy_verdict(r.text, &r.verdict))
			continue;
		r.table = t.name;
		r.chain = c->name;
		r.hook = legacy_hook(c, hook, sizeof(hook));
		r.handle = c->rules;
		err = e->fn(&r, e->arg);
	}
	free(t.v);
	free(buf);
	return err;
}

int dp_nf_parse_legacy(const char *family, const char *save,
		       int (*fn)(const struct dp_nf_rule *r, void *arg), void *arg)
{
	struct emit e = { .fn = fn, .arg = arg };

	return parse_legacy(family, save, &e);
}

/* ---- iptables-legacy in the kernel -------------------------------------- */

struct legacy_tool {
	const char *name;           /* iptables-legacy-save */
	const char *family;         /* the dp_nf_rule family */
	const char *kind;           /* for notes: "iptables" */
	const char *names;          /* the x_tables family's table list */
};

static const struct legacy_tool legacy_tools[] = {
	{ "iptables-legacy-save", "ip", "iptables", "ip_tables_names" },
	{ "ip6tables-legacy-save", "ip6", "ip6tables", "ip6_tables_names" },
};

/* Does the thread's namespace have a legacy table of this family?  1, 0
 * (none, or the x_tables family not even loaded), or -errno. */
static int legacy_has_tables(const struct legacy_tool *tool)
{
	char path[128], c;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/thread-self/net/%s", tool->names);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	return n < 0 ? -errno : n > 0;
}

static const char *legacy_find(const struct legacy_tool *tool, char *path,
			       size_t size)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, size, "%s/%s", dirs[i], tool->name);
		if (!access(path, X_OK))
			return path;
	}
	return NULL;
}

/* Run "path -c" with stdout into out; *status gets the wait status.  Its
 * stderr goes to a memory file (read when it has exited, so a chatty
 * child never blocks on a pipe nobody reads), copied into *errtext. */
static int legacy_run(const char *path, struct dp_strbuf *out, int *status,
		      struct dp_strbuf *errtext)
{
	static char *const envp[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL,
	};
	char *const argv[] = { (char *)path, "-c", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int pipefd[2], errfd, err;
	char buf[4096];
	pid_t pid;

	errfd = memfd_create("dropprof-iptables-stderr", MFD_CLOEXEC);
	if (errfd < 0)
		return -errno;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		err = -errno;
		goto out_errfd;
	}
	err = -posix_spawn_file_actions_init(&fa);
	if (err)
		goto out_pipe;
	err = -posix_spawnattr_init(&attr);
	if (err)
		goto out_fa;
	sigemptyset(&none);
	sigfillset(&all);
	/* The calling thread may block signals or ignore SIGPIPE: the tool
	 * starts plain, in a process group of its own so that a Ctrl-C that
	 * ends the recording does not kill it while it reads the counters. */
	err = -posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
					POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	if (!err)
		err = -posix_spawnattr_setsigmask(&attr, &none);
	if (!err)
		err = -posix_spawnattr_setsigdefault(&attr, &all);
	if (!err)
		err = -posix_spawnattr_setpgroup(&attr, 0);
	if (!err)
		err = -posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
							O_RDONLY, 0);
	if (!err)
		err = -posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	if (!err)
		err = -posix_spawn_file_actions_adddup2(&fa, errfd, STDERR_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	/* fds dropprof has open without O_CLOEXEC stay out of the child. */
	if (!err)
		err = -posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
#endif
	if (!err)
		err = -posix_spawn(&pid, path, &fa, &attr, argv, envp);
	close(pipefd[1]);
	pipefd[1] = -1;
	if (err)
		goto out_attr;
	for (;;) {
		ssize_t n = read(pipefd[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				err = -errno;
			break;
		}
		if (!err && dp_strbuf_add(out, buf, (size_t)n))
			err = -ENOMEM;            /* keep reading: let it finish */
	}
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR) {
			if (!err)
				err = -errno;
			break;
		}
	}
	if (!err) {
		ssize_t n = pread(errfd, buf, sizeof(buf) - 1, 0);

		if (n > 0 && dp_strbuf_add(errtext, buf, (size_t)n))
			err = -ENOMEM;
	}
out_attr:
	posix_spawnattr_destroy(&attr);
out_fa:
	posix_spawn_file_actions_destroy(&fa);
out_pipe:
	close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
out_errfd:
	close(errfd);
	return err;
}

static int legacy_rules(const struct legacy_tool *tool, struct emit *e,
			struct dp_nf_notes *notes)
{
	struct dp_strbuf out = DP_STRBUF_INIT, errtext = DP_STRBUF_INIT;
	char path[64], what[96];
	int has, status = 0, err;

	/* nftables refused: no CAP_NET_ADMIN here, which reading the legacy
	 * tables takes too (iptables-legacy-save would only say so again). */
	if (notes->denied)
		return 0;
	has = legacy_has_tables(tool);
	if (has == -EACCES)
		return dp_nf_note_denied(notes);
	if (has < 0)
		return dp_nf_note(notes, "cannot read legacy %s rules: cannot read '/proc/thread-self/net/%s': %s",
				  tool->kind, tool->names, strerror(-has));
	if (!has)
		return 0;
	if (!legacy_find(tool, path, sizeof(path)))
		return dp_nf_note(notes, "%s not found: legacy %s rules are not read",
				  tool->name, tool->kind);
	err = legacy_run(path, &out, &status, &errtext);
	snprintf(what, sizeof(what), "cannot read legacy %s rules: '%s -c'",
		 tool->kind, tool->name);
	if (err == -ENOMEM)
		goto out;
	if (err) {
		err = dp_nf_note(notes, "%s: %s", what, strerror(-err));
		goto out;
	}
	if (WIFSIGNALED(status)) {
		err = dp_nf_note(notes, "%s was killed by signal %d", what, WTERMSIG(status));
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char why[64];

		snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(status));
		err = dp_nf_note_first_line(notes, what, errtext.buf, why);
		goto out;
	}
	err = parse_legacy(tool->family, out.buf, e);
out:
	dp_strbuf_release(&out);
	dp_strbuf_release(&errtext);
	return err;
}

int dp_nf_legacy_rules(int (*fn)(const struct dp_nf_rule *r, void *arg), void *arg,
		       struct dp_nf_notes *notes)
{
	struct emit e = { .fn = fn, .arg = arg };
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(legacy_tools) / sizeof(legacy_tools[0]); i++)
		err = legacy_rules(&legacy_tools[i], &e, notes);
	return err;
}
