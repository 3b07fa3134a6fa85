/* cmd_check — "dropprof check": a preflight of everything a recording
 * needs, one line per requirement (OK, WARN or FAIL, with the fix), exit
 * 0 when a recording would work and 1 when it would not.  Each probe asks
 * the kernel the way the recording does (the same tracefs lookup and
 * format parser, a real perf_event_open of the tracepoint, the same
 * vmlinux locator without debuginfod), and each fix is the advice the
 * recording itself would print.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "dropprof/cmd/cmd.h"
#include "dropprof/kernel/access.h"
#include "dropprof/kernel/netns.h"
#include "dropprof/kernel/perf_sys.h"
#include "dropprof/kernel/tp_format.h"
#include "dropprof/kernel/tracefs.h"
#include "dropprof/symbols/buildid.h"
#include "dropprof/symbols/ksym.h"
#include "dropprof/symbols/vmlinux.h"
#include "dropprof/util/cleanup.h"
#include "dropprof/util/cpumask.h"
#include "dropprof/util/json.h"
#include "dropprof/util/strbuf.h"

#define ONLINE_CPUS "/sys/devices/system/cpu/online"
#define KALLSYMS "/proc/kallsyms"
#define KERNEL_NOTES "/sys/kernel/notes"

static const char usage_text[] =
"usage: dropprof check [-m PAGES] [--json] [-q]\n";

static const char help_text[] =
"dropprof check — can a recording work here, and if not, what to change\n"
"\n"
"usage: dropprof check [-m PAGES] [--json] [-q]\n"
"\n"
"Checks, as the recording would, one line each: the privileges, the\n"
"kernel.perf_event_paranoid setting, the online CPUs, tracefs (mounted or\n"
"mountable, readable), dropprof's tracefs instance, the skb tracepoints and\n"
"their 'reason' and 'rx_sk' fields, opening skb:kfree_skb with perf, the\n"
"locked memory for the rings, /proc/kallsyms (kernel.kptr_restrict), the\n"
"kernel's debuginfo for source lines, and the network namespaces visible.\n"
"Each line is OK, WARN (the recording works with less) or FAIL (it does not),\n"
"and a line that is not OK says what to do.  Nothing is downloaded.\n"
"\n"
"Options:\n"
"  -m, --mmap-pages PAGES  the ring size to check the locked memory for\n"
"                          (default 256, as the recording's)\n"
"      --json              the checks as JSON (schema \"dropprof-check\")\n"
"  -q, --quiet             print only the lines that are not OK, and the summary\n"
"\n"
"Exit status: 0 when a recording would work (warnings allowed), 1 when not,\n"
"2 for a usage error.\n";

enum status { ST_OK, ST_WARN, ST_FAIL };

static const char *const status_name[] = { "OK", "WARN", "FAIL" };

#define MAX_CHECKS 16

struct check {
	const char *name;
	enum status status;
	struct dp_strbuf message;
	const char *fix;         /* static, "" when none */
	struct dp_strbuf own_fix; /* used when fix is NULL */
};

struct checks {
	struct check c[MAX_CHECKS];
	size_t nr;
	/* What later checks need from earlier ones. */
	uint64_t caps;
	bool caps_known;
	struct dp_perf_env env;
	int *cpus;
	size_t nr_cpus;
	char tracefs[4096];
	bool have_tracefs;
	bool mounted;            /* we mounted it: unmount at the end */
	int mount_cleanup;
	struct dp_tp_format kfree;
	bool have_kfree;
	size_t ring_pages;
};

__attribute__((format(printf, 5, 6)))
static struct check *add(struct checks *cs, const char *name, enum status st,
			 const char *fix, const char *fmt, ...)
{
	struct check *c = &cs->c[cs->nr++];
	char buf[1024];
	va_list ap;
	int n;

	c->name = name;
	c->status = st;
	c->fix = fix;
	dp_strbuf_init(&c->message);
	dp_strbuf_init(&c->own_fix);
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* The longest message is a few hundred bytes; a cut one says so. */
	if (n >= (int)sizeof(buf))
		memcpy(buf + sizeof(buf) - 4, "...", 4);
	if (n >= 0)
		dp_strbuf_adds(&c->message, buf);
	return c;
}

static const char *fix_of(const struct check *c)
{
	return c->fix ? c->fix : (c->own_fix.buf ? c->own_fix.buf : "");
}

static bool has(const struct checks *cs, unsigned int cap)
{
	return cs->caps_known && dp_caps_has(cs->caps, cap);
}

/* The capabilities a full recording uses, by what they are for. */
static const struct {
	unsigned int cap, alt;   /* alt: also enough (0: none) */
	const char *name;
} wanted[] = {
	{ DP_CAP_PERFMON, DP_CAP_SYS_ADMIN, "CAP_PERFMON" },
	{ DP_CAP_DAC_OVERRIDE, 0, "CAP_DAC_OVERRIDE" },
	{ DP_CAP_SYSLOG, 0, "CAP_SYSLOG" },
	{ DP_CAP_IPC_LOCK, 0, "CAP_IPC_LOCK" },
};

static void check_privileges(struct checks *cs)
{
	struct dp_strbuf missing = DP_STRBUF_INIT;
	uid_t euid = geteuid();
	int ret = dp_caps_read(&cs->caps);
	struct check *c;

	cs->caps_known = ret == 0;
	dp_perf_env_read(&cs->env);
	if (!cs->caps_known) {
		add(cs, "privileges", ST_WARN, "the other checks say what is missing",
		    "cannot read the capabilities in '/proc/self/status': %s", strerror(-ret));
		return;
	}
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
		if (!has(cs, wanted[i].cap) && !(wanted[i].alt && has(cs, wanted[i].alt)))
			dp_strbuf_addf(&missing, "%s%s", missing.len ? ", " : "", wanted[i].name);
	if (!missing.len)
		add(cs, "privileges", ST_OK, "", "%s (uid %u) with every capability a recording uses",
		    euid == 0 ? "root" : "user", (unsigned int)euid);
	else {
		c = add(cs, "privileges", ST_WARN, NULL, "uid %u without %s", (unsigned int)euid,
			missing.buf);
		dp_strbuf_adds(&c->own_fix, "run as root, or give CAP_PERFMON, CAP_DAC_OVERRIDE, CAP_SYSLOG and CAP_IPC_LOCK (see PRIVILEGES in dropprof(1)); the lines below say which ones this recording cannot do without");
	}
	dp_strbuf_release(&missing);
}

static void check_paranoid(struct checks *cs)
{
	long v;
	int ret = dp_sysctl_read_long("kernel/perf_event_paranoid", &v);

	if (ret == -ENOENT) {
		add(cs, "perf_event_paranoid", ST_FAIL, dp_perf_hint(-ENOSYS, &cs->env),
		    "no kernel.perf_event_paranoid: the kernel has no perf events");
		return;
	}
	if (ret) {
		add(cs, "perf_event_paranoid", ST_WARN, "", "cannot read kernel.perf_event_paranoid: %s; taken as 2",
		    strerror(-ret));
		v = cs->env.paranoid;
	}
	if (v <= -1)
		add(cs, "perf_event_paranoid", ST_OK, "", "kernel.perf_event_paranoid=%ld allows every perf event", v);
	else if (cs->env.cap_perfmon)
		add(cs, "perf_event_paranoid", ST_OK, "", "kernel.perf_event_paranoid=%ld, overridden by CAP_PERFMON", v);
	else
		add(cs, "perf_event_paranoid", ST_FAIL, dp_perf_hint(-EACCES, &cs->env),
		    "kernel.perf_event_paranoid=%ld refuses system-wide tracepoint samples without CAP_PERFMON", v);
}

static void check_cpus(struct checks *cs)
{
	struct dp_strbuf list = DP_STRBUF_INIT;
	int ret = dp_cpulist_read(ONLINE_CPUS, &cs->cpus, &cs->nr_cpus);

	if (!ret && !cs->nr_cpus)
		ret = -EINVAL;
	if (ret) {
		add(cs, "cpus", ST_FAIL, "is /sys mounted?", "cannot read the online CPU list '%s': %s",
		    ONLINE_CPUS, strerror(-ret));
		return;
	}
	dp_cpulist_format(cs->cpus, cs->nr_cpus, &list);
	add(cs, "cpus", ST_OK, "", "%zu online (%s)", cs->nr_cpus, list.buf ? list.buf : "?");
	dp_strbuf_release(&list);
}

/* Find tracefs as the recording does; when it is mounted nowhere and we
 * may mount it, mount it for the checks below (and unmount it after), as
 * the recording would. */
static void check_tracefs(struct checks *cs)
{
	int ret = dp_tracefs_find(DP_PROC_MOUNTS, cs->tracefs, sizeof(cs->tracefs));
	bool mounted_now = false;
	sigset_t old;

	if (ret && ret != -ENODEV) {
		add(cs, "tracefs", ST_FAIL, dp_tracefs_access_hint(ret),
		    "cannot read '%s' to find tracefs: %s", DP_PROC_MOUNTS, strerror(-ret));
		return;
	}
	if (ret == -ENODEV) {
		dp_cleanup_block(&old);
		ret = dp_tracefs_mount(cs->tracefs, sizeof(cs->tracefs));
		if (!ret) {
			cs->mounted = mounted_now = true;
			cs->mount_cleanup = dp_cleanup_add(DP_CLEANUP_UMOUNT, cs->tracefs, -1);
		}
		dp_cleanup_unblock(&old);
		if (ret) {
			add(cs, "tracefs", ST_FAIL, dp_tracefs_mount_hint(ret),
			    "not mounted, and mounting it at '%s' failed: %s", DP_TRACEFS_DEFAULT,
			    strerror(-ret));
			return;
		}
	}
	cs->have_tracefs = true;
	ret = dp_tp_format_load(&cs->kfree, cs->tracefs, "skb", "kfree_skb");
	cs->have_kfree = ret == 0;
	if (ret == -EACCES || ret == -EPERM) {
		add(cs, "tracefs", ST_FAIL, dp_tracefs_access_hint(ret),
		    "cannot read '%s/events/skb/kfree_skb/format': %s", cs->tracefs, strerror(-ret));
		return;
	}
	if (mounted_now)
		add(cs, "tracefs", ST_OK, "", "not mounted; the recording mounts it at '%s' (CAP_SYS_ADMIN) and unmounts it after",
		    cs->tracefs);
	else
		add(cs, "tracefs", ST_OK, "", "mounted at '%s' and readable", cs->tracefs);
	/* Not knowing whether it would exist afterwards: the tracepoint
	 * check says what is wrong with the format. */
	if (ret && ret != -ENOENT)
		cs->have_kfree = false;
}

static void check_instance(struct checks *cs)
{
	char dir[4096 + 16];
	struct check *c;
	int ret;

	if (!cs->have_tracefs)
		return;
	snprintf(dir, sizeof(dir), "%s/instances", cs->tracefs);
	ret = dp_dir_writable(dir);
	if (!ret) {
		add(cs, "tracefs instance", ST_OK, "", "'%s' is writable: drops in idle context are recorded", dir);
		return;
	}
	c = add(cs, "tracefs instance", ST_WARN, NULL, "cannot create an instance in '%s': %s", dir,
		strerror(-ret));
	dp_strbuf_addf(&c->own_fix, "%s; without it drops in idle context are counted as lost",
		       *dp_tracefs_write_hint(ret) ? dp_tracefs_write_hint(ret) :
		       "a kernel with tracefs instances (Linux 3.10 or later)");
}

static void check_tracepoints(struct checks *cs)
{
	struct dp_tp_format consume;
	struct dp_strbuf missing = DP_STRBUF_INIT;
	bool have_consume;
	int ret;

	if (!cs->have_tracefs)
		return;
	if (!cs->have_kfree) {
		ret = dp_tp_format_load(&cs->kfree, cs->tracefs, "skb", "kfree_skb");
		if (ret == -ENOENT)
			add(cs, "tracepoints", ST_FAIL, "the kernel needs CONFIG_TRACEPOINTS and CONFIG_NET",
			    "no tracepoint 'skb:kfree_skb' under '%s/events'", cs->tracefs);
		else if (ret == -EACCES || ret == -EPERM)
			; /* the tracefs line said so */
		else if (ret)
			add(cs, "tracepoints", ST_FAIL, "report this kernel's format file as a bug",
			    "cannot parse '%s/events/skb/kfree_skb/format': %s", cs->tracefs, strerror(-ret));
		if (ret) {
			dp_tp_format_release(&cs->kfree);
			return;
		}
		cs->have_kfree = true;
	}
	have_consume = dp_tp_format_load(&consume, cs->tracefs, "skb", "consume_skb") == 0;
	if (have_consume)
		dp_tp_format_release(&consume);
	if (have_consume)
		add(cs, "tracepoints", ST_OK, "", "skb:kfree_skb (id %d) and skb:consume_skb", cs->kfree.id);
	else
		add(cs, "tracepoints", ST_WARN, "a kernel with skb:consume_skb",
		    "skb:kfree_skb (id %d), but no skb:consume_skb: the share of drops among all frees is unknown",
		    cs->kfree.id);
	if (!dp_tp_format_field(&cs->kfree, "reason"))
		dp_strbuf_adds(&missing, "'reason' (Linux 5.17 or later): drops are not told apart by reason");
	if (!dp_tp_format_field(&cs->kfree, "rx_sk"))
		dp_strbuf_addf(&missing, "%s'rx_sk' (Linux 6.10 or later): the receiving socket is not known",
			       missing.len ? "; " : "");
	if (!missing.len)
		add(cs, "tracepoint fields", ST_OK, "", "skb:kfree_skb has 'reason' (%zu reasons) and 'rx_sk'",
		    cs->kfree.nr_reasons);
	else
		add(cs, "tracepoint fields", ST_WARN, "a newer kernel", "skb:kfree_skb lacks %s", missing.buf);
	dp_strbuf_release(&missing);
}

static void check_perf(struct checks *cs)
{
	bool perf_ok = cs->env.cap_perfmon || cs->env.paranoid <= -1;
	int cpu, ret;

	if (!cs->have_kfree || !cs->nr_cpus) {
		if (!perf_ok)
			add(cs, "perf events", ST_FAIL, dp_perf_hint(-EACCES, &cs->env),
			    "not tried (no tracepoint id or CPU), and refused anyway without CAP_PERFMON at kernel.perf_event_paranoid=%d",
			    cs->env.paranoid);
		else
			add(cs, "perf events", ST_WARN, "fix the lines above first",
			    "not tried: no tracepoint id or CPU to open it on");
		return;
	}
	cpu = cs->cpus[0];
	ret = dp_perf_probe_tp(cs->kfree.id, cpu);
	if (ret)
		add(cs, "perf events", ST_FAIL, dp_perf_open_hint(ret),
		    "cannot open tracepoint 'skb:kfree_skb' on cpu %d: %s", cpu, strerror(-ret));
	else
		add(cs, "perf events", ST_OK, "", "skb:kfree_skb can be opened (cpu %d)", cpu);
}

/* perf_mmap(): each ring costs its pages plus a header page; a user's
 * first perf_event_mlock_kb per online CPU are free, the rest is charged
 * to RLIMIT_MEMLOCK unless the process has CAP_IPC_LOCK or
 * perf_event_paranoid is -1. */
static void check_memlock(struct checks *cs)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t need, free_kb, limit = dp_memlock_limit(), allowed, per_cpu;
	size_t fits = 0;
	char lim[32];
	long mlock_kb;
	struct check *c;

	if (!cs->nr_cpus)
		return;
	need = (uint64_t)cs->nr_cpus * (cs->ring_pages + 1) * page;
	if (cs->env.cap_ipc_lock || cs->env.paranoid <= -1) {
		add(cs, "locked memory", ST_OK, "", "%llu KiB for %zu-page rings on %zu CPUs, not limited (%s)",
		    (unsigned long long)(need >> 10), cs->ring_pages, cs->nr_cpus,
		    cs->env.cap_ipc_lock ? "CAP_IPC_LOCK" : "kernel.perf_event_paranoid=-1");
		return;
	}
	if (dp_sysctl_read_long("kernel/perf_event_mlock_kb", &mlock_kb) || mlock_kb < 0)
		mlock_kb = 516;
	free_kb = (uint64_t)mlock_kb * cs->nr_cpus;
	allowed = limit == UINT64_MAX ? UINT64_MAX : (free_kb << 10) + limit;
	if (limit == UINT64_MAX)
		snprintf(lim, sizeof(lim), "unlimited");
	else
		snprintf(lim, sizeof(lim), "%llu KiB", (unsigned long long)(limit >> 10));
	if (need <= allowed) {
		add(cs, "locked memory", ST_OK, "", "%llu KiB for %zu-page rings on %zu CPUs fits in kernel.perf_event_mlock_kb=%ld per CPU plus 'ulimit -l' %s",
		    (unsigned long long)(need >> 10), cs->ring_pages, cs->nr_cpus, mlock_kb, lim);
		return;
	}
	per_cpu = allowed / cs->nr_cpus / page;
	for (size_t p = 1; p + 1 <= per_cpu && p <= 65536; p *= 2)
		fits = p;
	c = add(cs, "locked memory", ST_FAIL, NULL,
		"%llu KiB for %zu-page rings on %zu CPUs exceeds kernel.perf_event_mlock_kb=%ld per CPU plus 'ulimit -l' %s",
		(unsigned long long)(need >> 10), cs->ring_pages, cs->nr_cpus, mlock_kb, lim);
	if (fits)
		dp_strbuf_addf(&c->own_fix, "record with -m %zu or less, raise 'ulimit -l', or give CAP_IPC_LOCK", fits);
	else
		dp_strbuf_adds(&c->own_fix, "raise 'ulimit -l', or give CAP_IPC_LOCK");
}

static void check_kallsyms(struct checks *cs)
{
	struct dp_ksyms *ks = NULL;
	int ret = dp_ksyms_load(&ks, KALLSYMS);
	long kptr = -1;
	struct check *c;

	if (ret) {
		add(cs, "kallsyms", ST_WARN, "is /proc mounted?", "cannot load '%s': %s; sites print as raw addresses",
		    KALLSYMS, strerror(-ret));
		return;
	}
	dp_sysctl_read_long("kernel/kptr_restrict", &kptr);
	if (!dp_ksyms_restricted(ks)) {
		add(cs, "kallsyms", ST_OK, "", "%zu symbols with addresses", dp_ksyms_count(ks));
	} else {
		c = add(cs, "kallsyms", ST_WARN, NULL, "addresses hidden (kernel.kptr_restrict=%ld)", kptr);
		if (kptr >= 2)
			dp_strbuf_adds(&c->own_fix, "set kernel.kptr_restrict=1 and run as root (CAP_SYSLOG); sites print as raw addresses");
		else if (kptr == 1)
			dp_strbuf_adds(&c->own_fix, "run as root (CAP_SYSLOG), or set kernel.kptr_restrict=0 with kernel.perf_event_paranoid at most 1; sites print as raw addresses");
		else
			dp_strbuf_adds(&c->own_fix, "run as root (CAP_SYSLOG), or set kernel.perf_event_paranoid to 1 or lower; sites print as raw addresses");
	}
	dp_ksyms_free(ks);
}

/* The last line of the locator's notes: how to get source lines. */
static const char *last_line(struct dp_strbuf *sb)
{
	char *p;

	if (!sb->len)
		return NULL;
	while (sb->len && sb->buf[sb->len - 1] == '\n')
		sb->buf[--sb->len] = '\0';
	p = strrchr(sb->buf, '\n');
	return p ? p + 1 : sb->buf;
}

static void check_debuginfo(struct checks *cs)
{
	struct dp_buildid bid = { .len = 0 };
	struct dp_vmlinux v;
	struct dp_err err = DP_ERR_INIT;
	struct utsname u;
	char hex[2 * DP_BUILDID_MAX + 1] = "unknown";
	const char *urls = getenv("DEBUGINFOD_URLS");
	bool have_urls = urls && *urls;
	struct dp_vmlinux_opts o = { .no_debuginfod = true };
	struct check *c;
	int ret;

	if (uname(&u) == 0)
		o.release = u.release;
	if (dp_buildid_read_notes(KERNEL_NOTES, &bid) == 0 && bid.len)
		dp_buildid_hex(&bid, hex, sizeof(hex));
	else
		bid.len = 0;
	o.want = &bid;
	dp_vmlinux_init(&v);
	ret = dp_vmlinux_find(&v, &o, &err);
	if (!ret && v.path) {
		add(cs, "debuginfo", ST_OK, "", "'%s' (build-id %s%s): source lines and inlined frames",
		    v.path, hex, v.buildid_checked ? ", matches" : "");
	} else if (have_urls) {
		add(cs, "debuginfo", ST_OK, "", "none on disk for %s (build-id %s); DEBUGINFOD_URLS is set: the report downloads it",
		    o.release ? o.release : "this kernel", hex);
	} else {
		const char *how = last_line(&v.notes);

		const char *tail = how ? strstr(how, "; ") : NULL;

		c = add(cs, "debuginfo", ST_WARN, NULL, "no vmlinux with debuginfo for %s (build-id %s) on disk, DEBUGINFOD_URLS not set: reports show no source lines",
			o.release ? o.release : "this kernel", hex);
		/* The locator's advice, without its restatement of the miss. */
		dp_strbuf_adds(&c->own_fix, tail ? tail + 2 : how ? how :
			       "install the kernel's debug package, or set DEBUGINFOD_URLS");
	}
	dp_err_release(&err);
	dp_vmlinux_release(&v);
}

/* The namespaces a recording reads counters in: the same discovery
 * (kernel/netns.h). */
static void check_namespaces(struct checks *cs)
{
	struct dp_netns_set set = { 0 };
	int ret = dp_netns_discover(&set, "/proc", "/run/netns");
	bool can_enter = cs->caps_known && (cs->caps >> DP_CAP_SYS_ADMIN & 1);

	if (ret) {
		add(cs, "namespaces", ST_WARN, "is /proc mounted?", "cannot list '/proc': %s", strerror(-ret));
		return;
	}
	if (set.hidden && geteuid() == 0)
		add(cs, "namespaces", ST_WARN,
		    "a security module, or processes holding capabilities dropprof lacks; a namespace only they are in is missed",
		    "%zu network namespace%s found (%zu named in /run/netns), but the kernel would not show the namespace of %zu process%s (pid %d first) to root",
		    set.nr, set.nr == 1 ? "" : "s", set.named, set.hidden,
		    set.hidden == 1 ? "" : "es", set.first_hidden);
	else if (set.hidden)
		add(cs, "namespaces", ST_WARN, "run as root (seeing other users' namespaces needs CAP_SYS_PTRACE, entering them CAP_SYS_ADMIN); counters of the hidden ones cannot be read",
		    "%zu network namespace%s visible, those of %zu process%s hidden (pid %d first); %zu named in /run/netns",
		    set.nr, set.nr == 1 ? "" : "s", set.hidden,
		    set.hidden == 1 ? "" : "es", set.first_hidden, set.named);
	else if (!can_enter && set.nr > 1)
		add(cs, "namespaces", ST_WARN, "run as root (entering a namespace needs CAP_SYS_ADMIN)",
		    "%zu network namespaces found, %zu named in /run/netns; only dropprof's own can be read",
		    set.nr, set.named);
	else
		add(cs, "namespaces", ST_OK, "", "%zu network namespace%s found, %zu named in /run/netns: counters are read in each",
		    set.nr, set.nr == 1 ? "" : "s", set.named);
	dp_netns_set_release(&set);
}

static void checks_release(struct checks *cs)
{
	for (size_t i = 0; i < cs->nr; i++) {
		dp_strbuf_release(&cs->c[i].message);
		dp_strbuf_release(&cs->c[i].own_fix);
	}
	free(cs->cpus);
	if (cs->have_kfree)
		dp_tp_format_release(&cs->kfree);
	if (cs->mounted) {
		sigset_t old;

		/* The cleanup registry's own umount, now. */
		dp_cleanup_block(&old);
		dp_cleanup_remove(cs->mount_cleanup);
		dp_tracefs_umount(cs->tracefs);
		dp_cleanup_unblock(&old);
	}
}

static bool all_ok(const struct checks *cs)
{
	for (size_t i = 0; i < cs->nr; i++)
		if (cs->c[i].status == ST_FAIL)
			return false;
	return true;
}

static void print_text(const struct checks *cs, bool quiet, bool ok)
{
	size_t warn = 0, fail = 0;

	for (size_t i = 0; i < cs->nr; i++) {
		const struct check *c = &cs->c[i];
		const char *fix = fix_of(c);

		warn += c->status == ST_WARN;
		fail += c->status == ST_FAIL;
		if (quiet && c->status == ST_OK)
			continue;
		printf("%-5s %s: %s%s%s\n", status_name[c->status], c->name,
		       c->message.buf ? c->message.buf : "", *fix ? ": " : "", fix);
	}
	if (ok)
		printf("recording will work%s (%zu checks, %zu warnings)\n",
		       warn ? " with less" : "", cs->nr, warn);
	else
		printf("recording will not work: %zu of %zu checks failed, %zu warnings\n",
		       fail, cs->nr, warn);
}

static void print_json(const struct checks *cs, bool ok)
{
	struct dp_json j;

	dp_json_init(&j, stdout);
	dp_json_object_begin(&j, NULL);
	dp_json_string(&j, "schema", "dropprof-check");
	dp_json_u64(&j, "version", 1);
	dp_json_bool(&j, "ok", ok);
	dp_json_array_begin(&j, "checks");
	for (size_t i = 0; i < cs->nr; i++) {
		const struct check *c = &cs->c[i];

		dp_json_object_begin(&j, NULL);
		dp_json_string(&j, "name", c->name);
		dp_json_string(&j, "status", status_name[c->status]);
		dp_json_string(&j, "message", c->message.buf ? c->message.buf : "");
		dp_json_string(&j, "fix", fix_of(c));
		dp_json_object_end(&j);
	}
	dp_json_array_end(&j);
	dp_json_object_end(&j);
	fputc('\n', stdout);
}

int dp_cmd_check(int argc, char **argv)
{
	static const struct dp_cli_text text = { "dropprof check", usage_text, help_text };
	struct dp_cli cli = { .top = 0 };
	struct checks cs;
	bool ok;
	int ret;

	if (!dp_cli_parse(argc, argv, DP_CLI_CHECK, &text, &cli, &ret))
		return ret;
	if (cli.nr_args)
		return dp_usage_error(&text, "unexpected argument '%s'", cli.args[0]);
	memset(&cs, 0, sizeof(cs));
	cs.mount_cleanup = -1;
	cs.ring_pages = cli.rec.ring_pages;
	check_privileges(&cs);
	check_paranoid(&cs);
	check_cpus(&cs);
	check_tracefs(&cs);
	check_instance(&cs);
	check_tracepoints(&cs);
	check_perf(&cs);
	check_memlock(&cs);
	check_kallsyms(&cs);
	check_debuginfo(&cs);
	check_namespaces(&cs);
	ok = all_ok(&cs);
	if (cli.format == DP_FORMAT_JSON)
		print_json(&cs, ok);
	else
		print_text(&cs, cli.rec.quiet, ok);
	checks_release(&cs);
	if (fflush(stdout) || ferror(stdout)) {
		dp_cmd_error("cannot write the checks: %s", strerror(errno));
		return DP_EXIT_FAIL;
	}
	return ok ? DP_EXIT_OK : DP_EXIT_FAIL;
}
