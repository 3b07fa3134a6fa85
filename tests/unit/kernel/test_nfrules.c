/* test_nfrules — unit tests for the netfilter drop rules of a namespace
 * (src/kernel/nfrules.c).
 *
 * The parsers run on canned text: libnftables' JSON listing with its
 * stateless text listing (rules with a counter and drop, reject, no
 * counter, accept, a named counter, iptables-nft's xt REJECT, a drop
 * inside a verdict map, a base chain whose policy is drop, a comment and
 * a set that open braces), and `iptables-save -c` output.
 *
 * Then on the real kernel, each in a namespace of its own (`ip netns add
 * dpnf-test-PID-...`, deleted by the teardown, also when a check fails),
 * entered with setns on a thread, as dropprof reads namespaces: an empty
 * one gives nothing and no note; an nftables drop rule is found with its
 * hook, text and counter, which a UDP packet to 127.0.0.1:5353 moves to
 * 1; iptables-legacy rules likewise (which also shows that the spawned
 * iptables-legacy-save runs in the thread's namespace, not the
 * process's: the main thread does not see them).  Those skip when not
 * root or without ip, nft, iptables-legacy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dropprof/kernel/nfrules.h"
#include "testutil.h"

#ifdef DP_HAVE_JANSSON
static const bool have_jansson = true;
#else
static const bool have_jansson = false;
#endif
#if defined(DP_HAVE_LIBNFTABLES) && defined(DP_HAVE_JANSSON)
static const bool have_libnftables = true;
#else
static const bool have_libnftables = false;
#endif

#define SKIP_UNLESS_JANSSON() do {                                      \
		if (!have_jansson) {                                      \
			print_message("skipped: built without jansson\n"); \
			skip();                                           \
		}                                                         \
	} while (0)

#define SKIP_UNLESS_LIVE(lv) do {                                         \
		if ((lv)->skip) {                                         \
			print_message("skipped: %s\n", (lv)->skip);       \
			skip();                                           \
		}                                                         \
	} while (0)

/* ---- what the callback saw ---------------------------------------------- */

struct seen {
	enum dp_nf_source source;
	enum dp_nf_verdict verdict;
	char family[16], table[64], chain[64], hook[32], text[256];
	uint64_t handle, packets, bytes;
	bool has_counter;
};

struct seen_list {
	struct seen v[64];
	size_t nr;
	int calls;
	int stop_at;                /* return 42 at this call (1-based), 0: never */
};

static int collect(const struct dp_nf_rule *r, void *arg)
{
	struct seen_list *l = arg;
	struct seen *s;

	l->calls++;
	if (l->stop_at && l->calls == l->stop_at)
		return 42;
	if (l->nr == sizeof(l->v) / sizeof(l->v[0]))
		return -E2BIG;
	s = &l->v[l->nr++];
	memset(s, 0, sizeof(*s));
	s->source = r->source;
	s->verdict = r->verdict;
	snprintf(s->family, sizeof(s->family), "%s", r->family);
	snprintf(s->table, sizeof(s->table), "%s", r->table);
	snprintf(s->chain, sizeof(s->chain), "%s", r->chain);
	snprintf(s->hook, sizeof(s->hook), "%s", r->hook);
	snprintf(s->text, sizeof(s->text), "%s", r->text);
	s->handle = r->handle;
	s->packets = r->packets;
	s->bytes = r->bytes;
	s->has_counter = r->has_counter;
	return 0;
}

static const struct seen *find(const struct seen_list *l, enum dp_nf_source source,
			       const char *family, const char *table,
			       const char *chain, uint64_t handle)
{
	for (size_t i = 0; i < l->nr; i++)
		if (l->v[i].source == source && !strcmp(l->v[i].family, family) &&
		    !strcmp(l->v[i].table, table) && !strcmp(l->v[i].chain, chain) &&
		    l->v[i].handle == handle)
			return &l->v[i];
	return NULL;
}

static const struct seen *must_find(const struct seen_list *l, enum dp_nf_source source,
				    const char *family, const char *table,
				    const char *chain, uint64_t handle)
{
	const struct seen *s = find(l, source, family, table, chain, handle);

	if (!s)
		fail_msg("no rule %s %s %s handle %" PRIu64, family, table, chain, handle);
	return s;
}

/* ---- nftables: canned JSON and text -------------------------------------- */

/* `nft -j -a list ruleset` of the ruleset below (hand-trimmed to one
 * line per object). */
static const char nft_json[] =
	"{\"nftables\": ["
	"{\"metainfo\": {\"version\": \"1.0.6\", \"json_schema_version\": 1}},"
	"{\"table\": {\"family\": \"inet\", \"name\": \"t\", \"handle\": 1}},"
	"{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"input\", \"handle\": 1,"
	" \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, \"policy\": \"accept\"}},"
	"{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"user\", \"handle\": 2}},"
	"{\"chain\": {\"family\": \"inet\", \"table\": \"t\", \"name\": \"fw\", \"handle\": 3,"
	" \"type\": \"filter\", \"hook\": \"forward\", \"prio\": 0, \"policy\": \"drop\"}},"
	"{\"counter\": {\"family\": \"inet\", \"name\": \"cnt\", \"table\": \"t\", \"handle\": 4,"
	" \"packets\": 99, \"bytes\": 9900}},"
	"{\"set\": {\"family\": \"inet\", \"name\": \"s\", \"table\": \"t\", \"type\": \"ipv4_addr\","
	" \"handle\": 5, \"elem\": [\"10.0.0.1\", \"10.0.0.2\"]}},"
	/* counter + drop */
	"{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"input\", \"handle\": 6,"
	" \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"udp\","
	" \"field\": \"dport\"}}, \"right\": 5353}}, {\"counter\": {\"packets\": 7, \"bytes\": 420}},"
	" {\"drop\": null}]}},"
	/* reject, no counter */
	"{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"input\", \"handle\": 7,"
	" \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\","
	" \"field\": \"dport\"}}, \"right\": 22}}, {\"reject\": {\"type\": \"tcp reset\"}}]}},"
	/* accept with a counter: not a drop */
	"{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"input\", \"handle\": 8,"
	" \"expr\": [{\"counter\": {\"packets\": 3, \"bytes\": 30}}, {\"accept\": null}]}},"
	/* a drop inside a verdict map: not the rule's own statement */
	"{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"input\", \"handle\": 9,"
	" \"expr\": [{\"vmap\": {\"key\": {\"payload\": {\"protocol\": \"ip\", \"field\": \"saddr\"}},"
	" \"data\": {\"set\": [[\"10.9.9.9\", {\"drop\": null}]]}}}]}},"
	/* a named counter, in a regular chain, with a comment holding a brace */
	"{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"user\", \"handle\": 10,"
	" \"comment\": \"a {b\", \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\":"
	" {\"protocol\": \"ip\", \"field\": \"saddr\"}}, \"right\": \"@s\"}}, {\"counter\": \"cnt\"},"
	" {\"drop\": null}]}},"
	"{\"table\": {\"family\": \"ip\", \"name\": \"filter\", \"handle\": 2}},"
	"{\"chain\": {\"family\": \"ip\", \"table\": \"filter\", \"name\": \"INPUT\", \"handle\": 1,"
	" \"type\": \"filter\", \"hook\": \"input\", \"prio\": 0, \"policy\": \"accept\"}},"
	/* iptables-nft's -j REJECT */
	"{\"rule\": {\"family\": \"ip\", \"table\": \"filter\", \"chain\": \"INPUT\", \"handle\": 2,"
	" \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"l4proto\"}},"
	" \"right\": \"tcp\"}}, {\"counter\": {\"packets\": 5, \"bytes\": 300}},"
	" {\"xt\": {\"type\": \"target\", \"name\": \"REJECT\"}}]}},"
	/* a rule the text listing does not have */
	"{\"rule\": {\"family\": \"ip\", \"table\": \"filter\", \"chain\": \"INPUT\", \"handle\": 3,"
	" \"expr\": [{\"drop\": null}]}}"
	"]}";

/* `nft -s -a list ruleset` of the same. */
static const char nft_text[] =
	"table inet t { # handle 1\n"
	"\tcounter cnt { # handle 4\n"
	"\t}\n"
	"\n"
	"\tset s { # handle 5\n"
	"\t\ttype ipv4_addr\n"
	"\t\telements = { 10.0.0.1,\n"
	"\t\t\t     10.0.0.2 }\n"
	"\t}\n"
	"\n"
	"\tchain input { # handle 1\n"
	"\t\ttype filter hook input priority filter; policy accept;\n"
	"\t\tudp dport 5353 counter drop # handle 6\n"
	"\t\ttcp dport 22 reject with tcp reset # handle 7\n"
	"\t\tcounter accept # handle 8\n"
	"\t\tip saddr vmap { 10.9.9.9 : drop } # handle 9\n"
	"\t}\n"
	"\n"
	"\tchain user { # handle 2\n"
	"\t\tip saddr @s counter name \"cnt\" drop comment \"a {b\" # handle 10\n"
	"\t}\n"
	"\n"
	"\tchain fw { # handle 3\n"
	"\t\ttype filter hook forward priority filter; policy drop;\n"
	"\t}\n"
	"}\n"
	"table ip filter { # handle 2\n"
	"\tchain INPUT { # handle 1\n"
	"\t\ttype filter hook input priority filter; policy accept;\n"
	"\t\tmeta l4proto tcp counter reject # handle 2\n"
	"\t}\n"
	"}\n"
	"# Warning: table ip filter is managed by iptables-nft, do not touch!\n";

static void test_nft_parse(void **state)
{
	struct seen_list l = { 0 };
	const struct seen *s;

	(void)state;
	SKIP_UNLESS_JANSSON();
	assert_int_equal(dp_nf_parse_nft(nft_json, nft_text, collect, &l), 0);
	/* handles 6, 7, 10, ip 2, ip 3, then fw's policy; not 8 (accept)
	 * nor 9 (the drop is the map's). */
	assert_int_equal(l.nr, 6);

	s = &l.v[0];
	assert_int_equal(s->source, DP_NF_NFTABLES);
	assert_string_equal(s->family, "inet");
	assert_string_equal(s->table, "t");
	assert_string_equal(s->chain, "input");
	assert_string_equal(s->hook, "input");
	assert_int_equal(s->handle, 6);
	assert_int_equal(s->verdict, DP_NF_DROP);
	assert_true(s->has_counter);
	assert_int_equal(s->packets, 7);
	assert_int_equal(s->bytes, 420);
	assert_string_equal(s->text, "udp dport 5353 counter drop");

	s = &l.v[1];
	assert_int_equal(s->handle, 7);
	assert_int_equal(s->verdict, DP_NF_REJECT);
	assert_false(s->has_counter);
	assert_int_equal(s->packets, 0);
	assert_string_equal(s->text, "tcp dport 22 reject with tcp reset");

	assert_null(find(&l, DP_NF_NFTABLES, "inet", "t", "input", 8));
	assert_null(find(&l, DP_NF_NFTABLES, "inet", "t", "input", 9));

	/* A named counter is not the rule's own: no numbers (not the 99 of
	 * the object); a regular chain has no hook. */
	s = &l.v[2];
	assert_int_equal(s->handle, 10);
	assert_string_equal(s->chain, "user");
	assert_string_equal(s->hook, "");
	assert_int_equal(s->verdict, DP_NF_DROP);
	assert_false(s->has_counter);
	assert_int_equal(s->packets, 0);
	assert_string_equal(s->text, "ip saddr @s counter name \"cnt\" drop comment \"a {b\"");

	s = &l.v[3];
	assert_string_equal(s->family, "ip");
	assert_string_equal(s->table, "filter");
	assert_string_equal(s->chain, "INPUT");
	assert_string_equal(s->hook, "input");
	assert_int_equal(s->handle, 2);
	assert_int_equal(s->verdict, DP_NF_REJECT);
	assert_true(s->has_counter);
	assert_int_equal(s->packets, 5);
	assert_int_equal(s->bytes, 300);
	assert_string_equal(s->text, "meta l4proto tcp counter reject");

	/* In the JSON, not in the text: reported, text "". */
	s = &l.v[4];
	assert_int_equal(s->handle, 3);
	assert_string_equal(s->text, "");

	/* The policy, after the rules. */
	s = &l.v[5];
	assert_string_equal(s->family, "inet");
	assert_string_equal(s->chain, "fw");
	assert_string_equal(s->hook, "forward");
	assert_int_equal(s->handle, 0);
	assert_int_equal(s->verdict, DP_NF_DROP);
	assert_false(s->has_counter);
	assert_string_equal(s->text, "policy drop");
}

/* Without the text listing every rule is still there, its text "". */
static void test_nft_parse_no_text(void **state)
{
	struct seen_list l = { 0 };

	(void)state;
	SKIP_UNLESS_JANSSON();
	assert_int_equal(dp_nf_parse_nft(nft_json, NULL, collect, &l), 0);
	assert_int_equal(l.nr, 6);
	for (size_t i = 0; i + 1 < l.nr; i++)
		assert_string_equal(l.v[i].text, "");
	assert_string_equal(l.v[5].text, "policy drop");
}

static void test_nft_parse_bad(void **state)
{
	struct seen_list l = { 0 };

	(void)state;
	SKIP_UNLESS_JANSSON();
	assert_int_equal(dp_nf_parse_nft("", "", collect, &l), -EINVAL);
	assert_int_equal(dp_nf_parse_nft("Error: no", "", collect, &l), -EINVAL);
	assert_int_equal(dp_nf_parse_nft("{\"nft\": []}", "", collect, &l), -EINVAL);
	assert_int_equal(dp_nf_parse_nft("{\"nftables\": {}}", "", collect, &l), -EINVAL);
	/* An empty ruleset, and objects that are not what they should be:
	 * skipped, not an error. */
	assert_int_equal(dp_nf_parse_nft("{\"nftables\": [{\"metainfo\": {}}]}", "",
					 collect, &l), 0);
	assert_int_equal(dp_nf_parse_nft("{\"nftables\": [1, {\"rule\": 2},"
					 " {\"rule\": {\"family\": \"ip\", \"expr\": [{\"drop\": null}]}},"
					 " {\"rule\": {\"family\": \"ip\", \"table\": \"f\", \"chain\": \"c\","
					 " \"handle\": -1, \"expr\": [{\"drop\": null}]}},"
					 " {\"rule\": {\"family\": \"ip\", \"table\": \"f\", \"chain\": \"c\","
					 " \"handle\": 4, \"expr\": [{\"counter\": {\"packets\": \"x\"}},"
					 " {\"drop\": null}]}}]}", "", collect, &l), 0);
	/* Only the last, whose bad counter is no counter. */
	assert_int_equal(l.nr, 1);
	assert_int_equal(l.v[0].handle, 4);
	assert_false(l.v[0].has_counter);
	assert_int_equal(l.v[0].packets, 0);
	assert_string_equal(l.v[0].hook, "");
}

/* fn's non-zero return stops and comes back unchanged, even when it
 * looks like an error of the parser. */
static void test_nft_parse_stop(void **state)
{
	struct seen_list l = { .stop_at = 2 };

	(void)state;
	SKIP_UNLESS_JANSSON();
	assert_int_equal(dp_nf_parse_nft(nft_json, nft_text, collect, &l), 42);
	assert_int_equal(l.calls, 2);
	assert_int_equal(l.nr, 1);
	l = (struct seen_list){ .stop_at = 6 };
	assert_int_equal(dp_nf_parse_nft(nft_json, nft_text, collect, &l), 42);
	assert_int_equal(l.nr, 5);
}

/* ---- iptables-legacy-save -c --------------------------------------------- */

static const char legacy_save[] =
	"# Generated by iptables-save v1.8.9 on Tue Dec  1 23:40:18 2026\n"
	"*mangle\n"
	":PREROUTING ACCEPT [10:600]\n"
	":INPUT ACCEPT [10:600]\n"
	"[4:240] -A PREROUTING -j ACCEPT\n"
	"COMMIT\n"
	"# Completed on Tue Dec  1 23:40:18 2026\n"
	"*filter\n"
	":INPUT ACCEPT [100:8000]\n"
	":FORWARD DROP [12:720]\n"
	":OUTPUT ACCEPT [50:4000]\n"
	":mine - [0:0]\n"
	"[0:0] -A INPUT -i lo -j ACCEPT\n"
	"[3:87] -A INPUT -p udp -m udp --dport 5353 -j DROP\n"
	"[0:0] -A INPUT -j mine\n"
	"[1:60] -A mine -p tcp -m comment --comment \"say \\\"-j DROP\\\" {\" -j ACCEPT\n"
	"[2:120] -A mine -p tcp -m comment --comment \"x\" -j REJECT --reject-with tcp-reset\n"
	"[0:0] -A OUTPUT -p icmp -j DROP\n"
	"COMMIT\n"
	"# Completed on Tue Dec  1 23:40:18 2026\n";

static void test_legacy_parse(void **state)
{
	struct seen_list l = { 0 };
	const struct seen *s;

	(void)state;
	assert_int_equal(dp_nf_parse_legacy("ip", legacy_save, collect, &l), 0);
	/* INPUT 2, mine 2, OUTPUT 1, then FORWARD's policy at COMMIT; not
	 * the ACCEPT whose comment says -j DROP. */
	assert_int_equal(l.nr, 4);

	s = &l.v[0];
	assert_int_equal(s->source, DP_NF_LEGACY);
	assert_string_equal(s->family, "ip");
	assert_string_equal(s->table, "filter");
	assert_string_equal(s->chain, "INPUT");
	assert_string_equal(s->hook, "input");
	assert_int_equal(s->handle, 2);
	assert_int_equal(s->verdict, DP_NF_DROP);
	assert_true(s->has_counter);
	assert_int_equal(s->packets, 3);
	assert_int_equal(s->bytes, 87);
	assert_string_equal(s->text, "-p udp -m udp --dport 5353 -j DROP");

	s = &l.v[1];
	assert_string_equal(s->chain, "mine");
	assert_string_equal(s->hook, "");
	assert_int_equal(s->handle, 2);
	assert_int_equal(s->verdict, DP_NF_REJECT);
	assert_int_equal(s->packets, 2);
	assert_string_equal(s->text, "-p tcp -m comment --comment \"x\" -j REJECT --reject-with tcp-reset");

	s = &l.v[2];
	assert_string_equal(s->chain, "OUTPUT");
	assert_string_equal(s->hook, "output");
	assert_int_equal(s->handle, 1);
	assert_int_equal(s->packets, 0);

	s = &l.v[3];
	assert_string_equal(s->chain, "FORWARD");
	assert_string_equal(s->hook, "forward");
	assert_int_equal(s->handle, 0);
	assert_int_equal(s->verdict, DP_NF_DROP);
	assert_true(s->has_counter);
	assert_int_equal(s->packets, 12);
	assert_int_equal(s->bytes, 720);
	assert_string_equal(s->text, "policy DROP");

	/* The family is the caller's; nothing at all is nothing. */
	l = (struct seen_list){ 0 };
	assert_int_equal(dp_nf_parse_legacy("ip6", "*raw\n:PREROUTING DROP [1:2]\n"
					    "-A PREROUTING -j DROP\nbogus\nCOMMIT\n",
					    collect, &l), 0);
	assert_int_equal(l.nr, 2);
	assert_string_equal(l.v[0].family, "ip6");
	assert_string_equal(l.v[0].hook, "prerouting");
	assert_false(l.v[0].has_counter);      /* saved without -c */
	assert_int_equal(l.v[1].handle, 0);
	assert_int_equal(l.v[1].packets, 1);
	l = (struct seen_list){ 0 };
	assert_int_equal(dp_nf_parse_legacy("ip", "", collect, &l), 0);
	assert_int_equal(l.nr, 0);
	/* Rules outside a table are not rules. */
	assert_int_equal(dp_nf_parse_legacy("ip", "[1:1] -A INPUT -j DROP\n", collect, &l), 0);
	assert_int_equal(l.nr, 0);
}

static void test_legacy_parse_stop(void **state)
{
	struct seen_list l = { .stop_at = 4 };

	(void)state;
	assert_int_equal(dp_nf_parse_legacy("ip", legacy_save, collect, &l), 42);
	assert_int_equal(l.nr, 3);
}

/* ---- on the real kernel --------------------------------------------------- */

/* access() is wrapped (GNUmakefile: -Wl,--wrap=access) so that a test
 * can make the legacy tools absent. */
static bool hide_legacy_tools;

int __real_access(const char *path, int mode);
int __wrap_access(const char *path, int mode);

int __wrap_access(const char *path, int mode)
{
	size_t n = strlen(path);

	if (hide_legacy_tools && n > 12 && !strcmp(path + n - 12, "-legacy-save")) {
		errno = ENOENT;
		return -1;
	}
	return __real_access(path, mode);
}

struct live {
	char name[64];              /* the namespace, "" when not made */
	const char *skip;           /* why not */
};

static bool tool(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/usr/sbin/%s", name);
	if (!access(path, X_OK))
		return true;
	snprintf(path, sizeof(path), "/sbin/%s", name);
	return !access(path, X_OK);
}

__attribute__((format(printf, 1, 2)))
static int run(const char *fmt, ...)
{
	char *cmd = NULL;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	assert_true(n > 0);
	rc = system(cmd);
	if (rc)
		print_message("'%s' failed (%d)\n", cmd, rc);
	free(cmd);
	return rc;
}

static int live_setup(void **state, const char *suffix, const char *const *tools)
{
	struct live *lv = calloc(1, sizeof(*lv));

	if (!lv)
		return -1;
	*state = lv;
	if (geteuid() != 0) {
		lv->skip = "not root (namespaces and netfilter rules need CAP_SYS_ADMIN, CAP_NET_ADMIN)";
		return 0;
	}
	for (; *tools; tools++) {
		if (!tool(*tools)) {
			static char why[128];

			snprintf(why, sizeof(why), "'%s' not installed", *tools);
			lv->skip = why;
			return 0;
		}
	}
	snprintf(lv->name, sizeof(lv->name), "dpnf-test-%d-%s", (int)getpid(), suffix);
	if (run("ip netns add %s", lv->name)) {
		lv->name[0] = '\0';
		return -1;
	}
	if (run("ip netns exec %s ip link set lo up", lv->name)) {
		/* cmocka runs no teardown after a failed setup */
		run("ip netns delete %s", lv->name);
		lv->name[0] = '\0';
		return -1;
	}
	return 0;
}

static int live_teardown(void **state)
{
	struct live *lv = *state;
	int rc = 0;

	if (lv && lv->name[0])
		rc = run("ip netns delete %s", lv->name);
	free(lv);
	return rc ? -1 : 0;
}

static int setup_empty(void **state)
{
	static const char *const tools[] = { "ip", NULL };

	return live_setup(state, "empty", tools);
}

static int setup_nft(void **state)
{
	static const char *const tools[] = { "ip", "nft", NULL };

	return live_setup(state, "nft", tools);
}

static int setup_legacy(void **state)
{
	static const char *const tools[] = {
		"ip", "iptables-legacy", "iptables-legacy-save",
		"ip6tables-legacy", "ip6tables-legacy-save", NULL,
	};

	return live_setup(state, "legacy", tools);
}

/* What a thread inside the namespace read: the rules, then (when
 * send_port) the rules again after one UDP packet to 127.0.0.1 there. */
struct inside {
	const char *ns;
	bool as_nobody;             /* drop root on the thread first */
	int send_port;
	struct seen_list before, after;
	char *notes_before, *notes_after;
	int err_before, err_after;
	int setns_err, send_err;
	bool moved;                 /* after shows a counter that moved */
};

static bool any_moved(const struct seen_list *a, const struct seen_list *b)
{
	for (size_t i = 0; i < b->nr; i++)
		for (size_t j = 0; j < a->nr; j++)
			if (b->v[i].handle == a->v[j].handle && b->v[i].source == a->v[j].source &&
			    !strcmp(b->v[i].chain, a->v[j].chain) &&
			    !strcmp(b->v[i].family, a->v[j].family) &&
			    b->v[i].packets != a->v[j].packets)
				return true;
	return false;
}

static void *inside_thread(void *arg)
{
	struct inside *in = arg;
	struct sockaddr_in to = { .sin_family = AF_INET };
	char path[128];
	int fd, s;

	snprintf(path, sizeof(path), "/run/netns/%s", in->ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		in->setns_err = -errno;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	/* The raw call changes this thread's credentials only (glibc's
	 * setresuid() would change every thread's). */
	if (in->as_nobody && syscall(SYS_setresuid, 65534, 65534, 65534) < 0) {
		in->setns_err = -errno;
		return NULL;
	}
	in->err_before = dp_nf_rules(collect, &in->before, &in->notes_before);
	if (!in->send_port)
		return NULL;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	to.sin_port = htons((uint16_t)in->send_port);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) != 1)
		in->send_err = -errno;
	if (s >= 0)
		close(s);
	/* Loopback delivers in softirq, normally before sendto returns;
	 * wait a little longer if not. */
	for (int i = 0; i < 100; i++) {
		free(in->notes_after);
		in->notes_after = NULL;
		in->after = (struct seen_list){ 0 };
		in->err_after = dp_nf_rules(collect, &in->after, &in->notes_after);
		in->moved = any_moved(&in->before, &in->after);
		if (in->err_after || in->moved)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	return NULL;
}

static void read_inside(struct inside *in)
{
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, inside_thread, in), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(in->setns_err, 0);
	assert_int_equal(in->send_err, 0);
}

static void inside_release(struct inside *in)
{
	free(in->notes_before);
	free(in->notes_after);
}

/* No table of either kind: nothing, and nothing to say. */
static void test_live_empty(void **state)
{
	struct live *lv = *state;
	struct inside in = { 0 };

	SKIP_UNLESS_LIVE(lv);
	in.ns = lv->name;
	read_inside(&in);
	assert_int_equal(in.err_before, 0);
	assert_int_equal(in.before.nr, 0);
	assert_null(in.notes_before);
	inside_release(&in);
}

static void test_live_nft(void **state)
{
	struct live *lv = *state;
	struct inside in = { .send_port = 5353 };
	const struct seen *s;

	SKIP_UNLESS_LIVE(lv);
	assert_int_equal(run("ip netns exec %s nft add table inet t", lv->name), 0);
	assert_int_equal(run("ip netns exec %s nft 'add chain inet t input "
			     "{ type filter hook input priority 0 ; }'", lv->name), 0);
	assert_int_equal(run("ip netns exec %s nft add rule inet t input udp dport 5353 "
			     "counter drop", lv->name), 0);
	assert_int_equal(run("ip netns exec %s nft add rule inet t input tcp dport 9 "
			     "reject", lv->name), 0);
	assert_int_equal(run("ip netns exec %s nft 'add chain inet t fw "
			     "{ type filter hook forward priority 0 ; policy drop ; }'",
			     lv->name), 0);
	in.ns = lv->name;
	read_inside(&in);

	assert_int_equal(in.err_before, 0);
	if (!have_libnftables) {
		/* The table is seen, its rules cannot be read, and the note
		 * says why. */
		const char *n = in.notes_before ? in.notes_before : "";

		assert_int_equal(in.before.nr, 0);
		assert_true(!strncmp(n, "built without ", 14));
		assert_non_null(strstr(n, ": nftables rules are not read"));
		inside_release(&in);
		return;
	}
	if (in.notes_before)
		fail_msg("notes: %s", in.notes_before);
	/* The two rules and the policy (handles: chain input 1, the rules 2
	 * and 3, as nft numbers them in a new table). */
	assert_int_equal(in.before.nr, 3);
	s = &in.before.v[0];
	assert_int_equal(s->source, DP_NF_NFTABLES);
	assert_string_equal(s->family, "inet");
	assert_string_equal(s->table, "t");
	assert_string_equal(s->chain, "input");
	assert_string_equal(s->hook, "input");
	assert_int_equal(s->verdict, DP_NF_DROP);
	assert_true(s->has_counter);
	assert_int_equal(s->packets, 0);
	assert_int_equal(s->bytes, 0);
	assert_string_equal(s->text, "udp dport 5353 counter drop");
	s = &in.before.v[1];
	assert_int_equal(s->verdict, DP_NF_REJECT);
	assert_false(s->has_counter);
	assert_string_equal(s->text, "tcp dport 9 reject");
	s = &in.before.v[2];
	assert_string_equal(s->chain, "fw");
	assert_string_equal(s->hook, "forward");
	assert_int_equal(s->handle, 0);
	assert_string_equal(s->text, "policy drop");

	/* One UDP packet of 1 byte: 29 bytes with its IP and UDP headers. */
	assert_int_equal(in.err_after, 0);
	assert_true(in.moved);
	s = must_find(&in.after, DP_NF_NFTABLES, "inet", "t", "input", in.before.v[0].handle);
	assert_int_equal(s->packets, 1);
	assert_int_equal(s->bytes, 29);
	assert_string_equal(s->text, "udp dport 5353 counter drop");
	inside_release(&in);
}

static void test_live_legacy(void **state)
{
	struct live *lv = *state;
	struct inside in = { .send_port = 5353 };
	struct seen_list host = { 0 };
	char *host_notes = NULL;
	const struct seen *s;

	SKIP_UNLESS_LIVE(lv);
	assert_int_equal(run("ip netns exec %s iptables-legacy -A INPUT -p udp "
			     "--dport 5353 -j DROP", lv->name), 0);
	assert_int_equal(run("ip netns exec %s iptables-legacy -P FORWARD DROP",
			     lv->name), 0);
	assert_int_equal(run("ip netns exec %s ip6tables-legacy -A OUTPUT -p tcp "
			     "--dport 9 -j REJECT", lv->name), 0);
	in.ns = lv->name;
	read_inside(&in);

	assert_int_equal(in.err_before, 0);
	if (in.notes_before)
		fail_msg("notes: %s", in.notes_before);
	s = must_find(&in.before, DP_NF_LEGACY, "ip", "filter", "INPUT", 1);
	assert_string_equal(s->hook, "input");
	assert_int_equal(s->verdict, DP_NF_DROP);
	assert_true(s->has_counter);
	assert_int_equal(s->packets, 0);
	assert_string_equal(s->text, "-p udp -m udp --dport 5353 -j DROP");
	s = must_find(&in.before, DP_NF_LEGACY, "ip", "filter", "FORWARD", 0);
	assert_string_equal(s->hook, "forward");
	assert_string_equal(s->text, "policy DROP");
	s = must_find(&in.before, DP_NF_LEGACY, "ip6", "filter", "OUTPUT", 1);
	assert_string_equal(s->hook, "output");
	assert_int_equal(s->verdict, DP_NF_REJECT);
	assert_string_equal(s->text, "-p tcp -m tcp --dport 9 -j REJECT --reject-with icmp6-port-unreachable");
	assert_int_equal(in.before.nr, 3);

	assert_int_equal(in.err_after, 0);
	assert_true(in.moved);
	s = must_find(&in.after, DP_NF_LEGACY, "ip", "filter", "INPUT", 1);
	assert_int_equal(s->packets, 1);
	assert_int_equal(s->bytes, 29);

	/* The main thread is in the process's namespace: the spawned
	 * iptables-legacy-save sees that one, not the test's. */
	assert_int_equal(dp_nf_rules(collect, &host, &host_notes), 0);
	for (size_t i = 0; i < host.nr; i++)
		if (host.v[i].source == DP_NF_LEGACY &&
		    !strcmp(host.v[i].text, "-p tcp -m tcp --dport 9 -j REJECT --reject-with icmp6-port-unreachable"))
			fail_msg("the test namespace's rule is in the host's");
	free(host_notes);
	inside_release(&in);
}

/* Legacy tables there, iptables-legacy-save not: the note says what is
 * not read, and nftables is read all the same. */
static void test_live_no_tool(void **state)
{
	struct live *lv = *state;
	struct inside in = { 0 };

	SKIP_UNLESS_LIVE(lv);
	assert_int_equal(run("ip netns exec %s iptables-legacy -A INPUT -j DROP", lv->name), 0);
	assert_int_equal(run("ip netns exec %s ip6tables-legacy -A INPUT -j DROP", lv->name), 0);
	in.ns = lv->name;
	hide_legacy_tools = true;
	read_inside(&in);
	hide_legacy_tools = false;
	assert_int_equal(in.err_before, 0);
	assert_int_equal(in.before.nr, 0);
	assert_non_null(in.notes_before);
	assert_string_equal(in.notes_before,
			    "iptables-legacy-save not found: legacy iptables rules are not read; "
			    "ip6tables-legacy-save not found: legacy ip6tables rules are not read");
	inside_release(&in);
}

/* Without root in the namespace nothing can be read, and one part of
 * the note says so for nftables and both legacy families. */
static void test_live_denied(void **state)
{
	struct live *lv = *state;
	struct inside in = { .as_nobody = true };

	SKIP_UNLESS_LIVE(lv);
	assert_int_equal(run("ip netns exec %s iptables-legacy -A INPUT -j DROP", lv->name), 0);
	assert_int_equal(run("ip netns exec %s ip6tables-legacy -A INPUT -j DROP", lv->name), 0);
	assert_int_equal(run("ip netns exec %s nft add table inet t", lv->name), 0);
	in.ns = lv->name;
	read_inside(&in);
	assert_int_equal(in.err_before, 0);
	assert_int_equal(in.before.nr, 0);
	assert_non_null(in.notes_before);
	assert_string_equal(in.notes_before,
			    "cannot read netfilter rules: permission denied (run as root)");
	inside_release(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nft_parse),
		cmocka_unit_test(test_nft_parse_no_text),
		cmocka_unit_test(test_nft_parse_bad),
		cmocka_unit_test(test_nft_parse_stop),
		cmocka_unit_test(test_legacy_parse),
		cmocka_unit_test(test_legacy_parse_stop),
		cmocka_unit_test_setup_teardown(test_live_empty, setup_empty, live_teardown),
		cmocka_unit_test_setup_teardown(test_live_nft, setup_nft, live_teardown),
		cmocka_unit_test_setup_teardown(test_live_legacy, setup_legacy, live_teardown),
		cmocka_unit_test_setup_teardown(test_live_no_tool, setup_legacy, live_teardown),
		cmocka_unit_test_setup_teardown(test_live_denied, setup_legacy, live_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
