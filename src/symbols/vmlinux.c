/* vmlinux — finding the kernel image with debuginfo for a kernel: the
 * explicit file, the usual paths of its release and of its build-id, then
 * debuginfod, in the order of vmlinux.h; and the notes that say what was
 * tried and how to get source lines when nothing fits.
 *
 * A file is used only when its build-id is the kernel's: source lines of
 * another build would be wrong without any sign of it.  The explicit file
 * of another build is an error; a file in the usual places of another
 * build is a note.  --ignore-build-id turns both into "used anyway", but
 * only once nothing matching was found.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dlfcn.h>

#include "dropprof/symbols/vmlinux.h"
#include "dropprof/util/error.h"

#define DEFAULT_TIMEOUT 120.0

/* The usual places for release R, best first: a debug package's copy,
 * then the build tree's (both have DWARF when the kernel was built
 * with it). */
static const struct {
	const char *before, *after;      /* around the release */
} release_paths[] = {
	{ "/usr/lib/debug/boot/vmlinux-", "" },
	{ "/usr/lib/debug/lib/modules/", "/vmlinux" },
	{ "/boot/vmlinux-", "" },
	{ "/lib/modules/", "/build/vmlinux" },
};

enum verdict {
	V_MISSING,      /* no such file: not a note, but listed at the end */
	V_BAD,          /* noted: unreadable, corrupt, no DWARF, other build */
	V_MATCH,        /* the kernel's build-id */
	V_OTHER,        /* another build-id (or none): noted unless used */
	V_UNCHECKED,    /* the kernel's build-id is unknown */
};

struct search {
	struct dp_vmlinux *v;
	const struct dp_vmlinux_opts *o;
	bool want_known;
	char want_hex[DP_BUILDID_HEX_SIZE];
	char *fallback;                  /* first V_OTHER file, for ignore_build_id */
	struct dp_buildid fallback_id;
	enum dp_vmlinux_source fallback_src;
};

void dp_vmlinux_init(struct dp_vmlinux *v)
{
	memset(v, 0, sizeof(*v));
	dp_strbuf_init(&v->notes);
}

void dp_vmlinux_release(struct dp_vmlinux *v)
{
	free(v->path);
	dp_strbuf_release(&v->notes);
	dp_vmlinux_init(v);
}

__attribute__((format(printf, 2, 3)))
static int note(struct dp_vmlinux *v, const char *fmt, ...)
{
	struct dp_strbuf line = DP_STRBUF_INIT;
	va_list ap;
	char *s = NULL;
	int n, ret;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	ret = dp_strbuf_adds(&line, s);
	if (!ret)
		ret = dp_strbuf_addch(&line, '\n');
	if (!ret)
		ret = dp_strbuf_add(&v->notes, line.buf, line.len);
	dp_strbuf_release(&line);
	free(s);
	return ret;
}

/* Does the file carry DWARF (not only a build-id, like a stripped
 * /boot/vmlinux)?  A section's data must be in the file: a separate
 * debuginfo file's .text is NOBITS, its .debug_info is not. */
static bool has_dwarf(const char *path)
{
	bool found = false;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *elf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_getshdrstrndx(elf, &shstrndx) == 0) {
		while (!found && (scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			const char *name;

			if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
				continue;
			name = elf_strptr(elf, shstrndx, sh.sh_name);
			found = name && (!strcmp(name, ".debug_info") ||
					 !strcmp(name, ".zdebug_info"));
		}
	}
	elf_end(elf);
	close(fd);
	return found;
}

/* Classify one candidate; notes what makes it unusable.  *id gets the
 * file's build-id.  Returns the verdict, or -ENOMEM. */
static int examine(struct search *s, const char *path, struct dp_buildid *id)
{
	struct dp_err e = DP_ERR_INIT;
	int r;

	r = dp_buildid_read_elf(path, id, &e);
	if (r == -ENOENT || r == -ENOTDIR) {
		/* Absent is the usual case: no note (the how-to line says
		 * where to get one). */
		dp_err_release(&e);
		return V_MISSING;
	}
	if (r < 0) {
		r = note(s->v, "%s", dp_err_msg(&e));
		dp_err_release(&e);
		return r ? r : V_BAD;
	}
	if (!has_dwarf(path))
		return note(s->v, "'%s' has no DWARF debug info", path) ? -ENOMEM : V_BAD;
	if (!s->want_known)
		return V_UNCHECKED;
	return dp_buildid_equal(id, s->o->want) ? V_MATCH : V_OTHER;
}

static int note_other(struct search *s, const char *path,
		      const struct dp_buildid *id, const char *what)
{
	char hex[DP_BUILDID_HEX_SIZE];

	if (!id->len)
		return note(s->v, "%s'%s' has no build-id, the kernel's is %s",
			    what, path, s->want_hex);
	return note(s->v, "%s'%s' has build-id %s, the kernel's is %s", what,
		    path, dp_buildid_hex(id, hex, sizeof(hex)), s->want_hex);
}

/* The result owns path from here on. */
static void take(struct search *s, char *path, enum dp_vmlinux_source src,
		 const struct dp_buildid *id, bool checked)
{
	s->v->path = path;
	s->v->source = src;
	s->v->buildid = *id;
	s->v->buildid_checked = checked;
}

static int find_explicit(struct search *s, struct dp_err *err)
{
	const struct dp_vmlinux_opts *o = s->o;
	char hex[DP_BUILDID_HEX_SIZE];
	struct dp_buildid id;
	char *path;
	int r;

	r = dp_buildid_read_elf(o->explicit_path, &id, err);
	if (r < 0 && r != -EINVAL)
		return dp_err_set(err, r, "cannot open vmlinux '%s' (--vmlinux): %s",
				  o->explicit_path, strerror(-r));
	if (r < 0)
		return r;
	if (s->want_known && !dp_buildid_equal(&id, o->want)) {
		if (id.len)
			dp_buildid_hex(&id, hex, sizeof(hex));
		else
			strcpy(hex, "none");
		if (!o->ignore_build_id)
			return dp_err_set(err, -EINVAL,
					  "vmlinux '%s' has build-id %s, the running kernel's is %s: not the same build (use the matching file, or --ignore-build-id)",
					  o->explicit_path, hex, s->want_hex);
		r = note(s->v, "'%s' has build-id %s, the kernel's is %s: used anyway (--ignore-build-id)",
			 o->explicit_path, hex, s->want_hex);
		if (r)
			return dp_err_set(err, r, "out of memory");
	}
	if (!s->want_known &&
	    note(s->v, "'%s': the kernel's build-id is unknown, not checked",
		 o->explicit_path))
		return dp_err_set(err, -ENOMEM, "out of memory");
	path = strdup(o->explicit_path);
	if (!path)
		return dp_err_set(err, -ENOMEM, "out of memory");
	take(s, path, DP_VMLINUX_EXPLICIT, &id,
	     s->want_known && dp_buildid_equal(&id, o->want));
	return 0;
}

/* One candidate of the usual places.  1: taken, 0: go on, -ENOMEM. */
static int try_path(struct search *s, char *path, enum dp_vmlinux_source src)
{
	struct dp_buildid id;
	int r = examine(s, path, &id);

	switch (r) {
	case V_MATCH:
		take(s, path, src, &id, true);
		return 1;
	case V_UNCHECKED:
		if (s->o->ignore_build_id) {
			r = note(s->v, "'%s': the kernel's build-id is unknown, not checked", path);
			if (r == 0) {
				take(s, path, src, &id, false);
				return 1;
			}
			break;
		}
		r = note(s->v, "'%s': not used, the kernel's build-id is unknown (--ignore-build-id uses it)",
			 path);
		break;
	case V_OTHER:
		/* With ignore_build_id, the first one waits in case a
		 * matching file turns up later. */
		if (s->o->ignore_build_id && !s->fallback) {
			s->fallback = path;
			s->fallback_id = id;
			s->fallback_src = src;
			return 0;
		}
		r = note_other(s, path, &id, "");
		break;
	default:
		break;
	}
	free(path);
	return r < 0 ? r : 0;
}

static int find_usual(struct search *s)
{
	const char *root = s->o->root ? s->o->root : "";
	int r;

	if (s->o->release) {
		for (size_t i = 0; i < sizeof(release_paths) / sizeof(release_paths[0]); i++) {
			char *path = NULL;

			if (asprintf(&path, "%s%s%s%s", root, release_paths[i].before,
				     s->o->release, release_paths[i].after) < 0)
				return -ENOMEM;
			r = try_path(s, path, DP_VMLINUX_PATH);
			if (r)
				return r;
		}
	}
	if (s->want_known && strlen(s->want_hex) > 2) {
		char *path = NULL;

		if (asprintf(&path, "%s/usr/lib/debug/.build-id/%.2s/%s.debug",
			     root, s->want_hex, s->want_hex + 2) < 0)
			return -ENOMEM;
		r = try_path(s, path, DP_VMLINUX_BUILDID_PATH);
		if (r)
			return r;
	}
	return 0;
}

/* libdebuginfod is opened when it is needed, as libdw itself does:
 * linked, it would load libcurl and some thirty libraries into every run
 * (6 MiB more peak RSS, measured) for a feature only DEBUGINFOD_URLS
 * turns on.  The few calls used, with the types of elfutils'
 * <elfutils/debuginfod.h> (a stable ABI since 0.178). */
#define DEBUGINFOD_SONAME "libdebuginfod.so.1"

typedef struct debuginfod_client debuginfod_client;
typedef int (*debuginfod_progressfn_t)(debuginfod_client *c, long a, long b);

static struct debuginfod_api {
	debuginfod_client *(*begin)(void);
	void (*end)(debuginfod_client *c);
	int (*find_debuginfo)(debuginfod_client *c, const unsigned char *id,
			      int id_len, char **path);
	void (*set_progressfn)(debuginfod_client *c, debuginfod_progressfn_t fn);
	void (*set_user_data)(debuginfod_client *c, void *data);
	void *(*get_user_data)(debuginfod_client *c);
	bool loaded;
} dl;

/* Open the library once; it stays loaded (libcurl does not like being
 * unloaded).  false with a reason in *why when it cannot be used. */
static bool load_debuginfod(const char **why)
{
	void *h;

	if (dl.loaded)
		return true;
	h = dlopen(DEBUGINFOD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		*why = "is not installed";
		return false;
	}
	*(void **)&dl.begin = dlsym(h, "debuginfod_begin");
	*(void **)&dl.end = dlsym(h, "debuginfod_end");
	*(void **)&dl.find_debuginfo = dlsym(h, "debuginfod_find_debuginfo");
	*(void **)&dl.set_progressfn = dlsym(h, "debuginfod_set_progressfn");
	*(void **)&dl.set_user_data = dlsym(h, "debuginfod_set_user_data");
	*(void **)&dl.get_user_data = dlsym(h, "debuginfod_get_user_data");
	if (!dl.begin || !dl.end || !dl.find_debuginfo || !dl.set_progressfn ||
	    !dl.set_user_data || !dl.get_user_data) {
		dlclose(h);
		memset(&dl, 0, sizeof(dl));
		*why = "lacks the calls dropprof uses";
		return false;
	}
	dl.loaded = true;
	return true;
}

struct dl_ctx {
	const struct dp_vmlinux_opts *o;
	struct timespec start;
	double timeout;
	bool timed_out, cancelled;
};

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Called by libdebuginfod about once a second while it waits or
 * downloads: the only place to bound the whole transfer (its own
 * DEBUGINFOD_TIMEOUT is per stalled connection).  Before a server
 * answers, 'a' is libdebuginfod's loop count, not bytes. */
static int dl_progress(debuginfod_client *c, long a, long b)
{
	struct dl_ctx *x = dl.get_user_data(c);

	if (since(&x->start) > x->timeout) {
		x->timed_out = true;
		return 1;
	}
	if (x->o->progress &&
	    x->o->progress(a > 0 ? (uint64_t)a : 0, b > 0 ? (uint64_t)b : 0,
			   x->o->progress_ctx)) {
		x->cancelled = true;
		return 1;
	}
	return 0;
}

static int find_debuginfod(struct search *s, const char *urls)
{
	struct dl_ctx x = { .o = s->o };
	debuginfod_client *c;
	struct dp_buildid id;
	char *path = NULL;
	int fd, r;

	x.timeout = s->o->debuginfod_timeout > 0 ? s->o->debuginfod_timeout
						 : DEFAULT_TIMEOUT;
	c = dl.begin();
	if (!c)
		return note(s->v, "debuginfod: cannot start the client");
	dl.set_user_data(c, &x);
	dl.set_progressfn(c, dl_progress);
	clock_gettime(CLOCK_MONOTONIC, &x.start);
	fd = dl.find_debuginfo(c, s->o->want->id, (int)s->o->want->len, &path);
	dl.end(c);
	if (fd < 0) {
		free(path);
		if (x.timed_out)
			return note(s->v, "debuginfod: timed out after %g s (DEBUGINFOD_URLS=%s)",
				    x.timeout, urls);
		if (x.cancelled)
			return note(s->v, "debuginfod: cancelled");
		if (fd == -ENOENT)
			return note(s->v, "debuginfod: no debuginfo for build-id %s (DEBUGINFOD_URLS=%s)",
				    s->want_hex, urls);
		return note(s->v, "debuginfod: %s (DEBUGINFOD_URLS=%s)", strerror(-fd), urls);
	}
	close(fd);
	if (!path)
		return note(s->v, "debuginfod: no path for the downloaded file");
	/* A server can serve anything: the file must be the kernel's. */
	r = examine(s, path, &id);
	if (r == V_MATCH) {
		take(s, path, DP_VMLINUX_DEBUGINFOD, &id, true);
		return 1;
	}
	if (r == V_OTHER)
		r = note_other(s, path, &id, "debuginfod: ");
	free(path);
	return r < 0 ? r : 0;
}

/* 1: found, 0: not (noted why when it was tried), -ENOMEM. */
static int try_debuginfod(struct search *s)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	const char *why = "";

	if (s->o->no_debuginfod || !urls || !urls[0])
		return 0;
	if (!s->want_known)
		return note(s->v, "debuginfod: not asked, the kernel's build-id is unknown");
	if (!load_debuginfod(&why))
		return note(s->v, "debuginfod: DEBUGINFOD_URLS is set but %s %s (install libdebuginfod1)",
			    DEBUGINFOD_SONAME, why);
	return find_debuginfod(s, urls);
}

static int note_howto(struct search *s)
{
	const char *r = s->o->release ? s->o->release : "$(uname -r)";
	int ret = 0;

	/* One line: where it looked is the usual places (dropprof(1) lists
	 * them), what to do is the point. */
	ret = note(s->v, "no source lines: no vmlinux with debug info for kernel %s%s%s in /usr/lib/debug or /boot; install the distribution's kernel debug package (linux-image-%s-dbg on Debian, kernel-debuginfo on Fedora), set DEBUGINFOD_URLS, or pass --vmlinux FILE",
		   r, s->want_known ? " build-id " : "",
		   s->want_known ? s->want_hex : "", r);
	return ret;
}

int dp_vmlinux_find(struct dp_vmlinux *v, const struct dp_vmlinux_opts *o,
		    struct dp_err *err)
{
	struct search s = {
		.v = v, .o = o,
		.want_known = o->want && o->want->len,
	};
	int r;

	dp_vmlinux_release(v);
	if (s.want_known)
		dp_buildid_hex(o->want, s.want_hex, sizeof(s.want_hex));
	if (o->explicit_path)
		return find_explicit(&s, err);

	r = find_usual(&s);
	if (r == 0)
		r = try_debuginfod(&s);
	if (r == 0 && s.fallback) {
		char hex[DP_BUILDID_HEX_SIZE];

		r = note(v, "'%s' has build-id %s, the kernel's is %s: used anyway (--ignore-build-id)",
			 s.fallback, dp_buildid_hex(&s.fallback_id, hex, sizeof(hex)),
			 s.want_hex);
		if (r == 0) {
			take(&s, s.fallback, s.fallback_src, &s.fallback_id, false);
			s.fallback = NULL;
			r = 1;
		}
	} else if (r > 0 && s.fallback) {
		r = note_other(&s, s.fallback, &s.fallback_id, "");
		r = r < 0 ? r : 1;
	}
	if (r == 0)
		r = note_howto(&s);
	free(s.fallback);
	if (r < 0) {
		dp_vmlinux_release(v);
		return dp_err_set(err, r, "out of memory looking for the vmlinux");
	}
	return 0;
}
