/* modules — finding each kernel module's file with DWARF: one walk of the
 * debug tree and one of /lib/modules/R for all the modules of a report,
 * the candidates of each module ranked as modules.h says, and the first
 * one with DWARF and the loaded module's build-id opened.
 *
 * The walk does not follow symbolic links to directories:
 * /lib/modules/R/build and /source point into the kernel's build tree,
 * which holds no installed module but a great many files.  A link to a
 * file (weak-updates/ on some distributions) is a candidate like a file.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dropprof/symbols/buildid.h"
#include "dropprof/symbols/dwarf.h"
#include "dropprof/symbols/modules.h"
#include "dropprof/util/error.h"

/* Deeper than any real tree (kernel/drivers/net/ethernet/intel/ice/ is
 * 6): a bound against a loop of bind mounts. */
#define MAX_DEPTH 16

/* File name endings of a module, best first within one tree. */
static const char *const forms[] = { ".ko.debug", ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
#define NR_FORMS (sizeof(forms) / sizeof(forms[0]))

struct cand {
	char *path;
	unsigned int rank;         /* lower is better */
};

struct mod {
	char *name;
	struct cand *c;
	size_t nr, cap;
	const char **paths;        /* c[].path, for dp_modules_files */
};

struct dp_modules {
	struct mod *mods;          /* sorted by name, unique */
	size_t nr;
	char *root;
	bool live, ignore_build_id;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_mod(const void *a, const void *b)
{
	return strcmp(((const struct mod *)a)->name, ((const struct mod *)b)->name);
}

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->path, y->path);   /* the same order on every run */
}

static struct mod *find_mod(const struct dp_modules *ms, const char *name)
{
	struct mod key = { .name = (char *)name };

	return ms->nr ? bsearch(&key, ms->mods, ms->nr, sizeof(key), cmp_mod) : NULL;
}

/* The module a file name belongs to: its stem with '-' read as '_', and
 * the rank of its ending; NULL when it is no module file. */
static struct mod *match(const struct dp_modules *ms, const char *file,
			 unsigned int *form)
{
	size_t len = strlen(file);

	for (unsigned int i = 0; i < NR_FORMS; i++) {
		size_t fl = strlen(forms[i]);
		char stem[256];
		struct mod *m;

		if (len <= fl || len - fl >= sizeof(stem) ||
		    strcmp(file + len - fl, forms[i]))
			continue;
		memcpy(stem, file, len - fl);
		stem[len - fl] = '\0';
		for (char *p = stem; *p; p++)
			if (*p == '-')
				*p = '_';
		m = find_mod(ms, stem);
		if (m)
			*form = i;
		return m;
	}
	return NULL;
}

static int add_cand(struct mod *m, const char *path, unsigned int rank)
{
	char *p;

	if (m->nr == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 4;
		struct cand *c = realloc(m->c, ncap * sizeof(*c));

		if (!c)
			return -ENOMEM;
		m->c = c;
		m->cap = ncap;
	}
	p = strdup(path);
	if (!p)
		return -ENOMEM;
	m->c[m->nr++] = (struct cand){ p, rank };
	return 0;
}

/* Collect the module files under dir.  tree: 0 the debug tree, 1
 * /lib/modules; updates: dir is under the tree's updates/.  A directory
 * that cannot be read is passed over (the files elsewhere still count).
 * Returns 0 or -ENOMEM. */
static int walk(struct dp_modules *ms, const char *dir, unsigned int tree,
		bool updates, int depth)
{
	struct dirent *e;
	DIR *d;
	int ret = 0;

	if (depth > MAX_DEPTH)
		return 0;
	d = opendir(dir);
	if (!d)
		return 0;
	while (!ret && (e = readdir(d))) {
		unsigned char type = e->d_type;
		unsigned int form;
		struct mod *m;
		char *path = NULL;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		m = match(ms, e->d_name, &form);
		if (!m && type != DT_DIR && type != DT_UNKNOWN)
			continue;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0) {
			ret = -ENOMEM;
			break;
		}
		if (type == DT_UNKNOWN) {
			struct stat st;

			type = lstat(path, &st) == 0 && S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
		}
		if (type == DT_DIR)
			ret = walk(ms, path, tree,
				   updates || (depth == 0 && !strcmp(e->d_name, "updates")),
				   depth + 1);
		else if (m)
			ret = add_cand(m, path, tree * 2 * NR_FORMS +
				       (updates ? 0 : NR_FORMS) + form);
		free(path);
	}
	closedir(d);
	return ret;
}

int dp_modules_new(struct dp_modules **out, const struct dp_modules_opts *o,
		   const char *const *names, size_t n)
{
	const char *root = o->root ? o->root : "";
	struct dp_modules *ms;
	char **sorted = NULL;
	int ret = -ENOMEM;

	*out = NULL;
	ms = calloc(1, sizeof(*ms));
	if (!ms)
		return -ENOMEM;
	ms->live = o->live;
	ms->ignore_build_id = o->ignore_build_id;
	ms->root = strdup(root);
	if (!ms->root)
		goto out_free;
	if (n) {
		sorted = malloc(n * sizeof(*sorted));
		ms->mods = calloc(n, sizeof(*ms->mods));
		if (!sorted || !ms->mods)
			goto out_free;
		memcpy(sorted, names, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), cmp_name);
	}
	for (size_t i = 0; i < n; i++) {
		if (ms->nr && !strcmp(ms->mods[ms->nr - 1].name, sorted[i]))
			continue;
		ms->mods[ms->nr].name = strdup(sorted[i]);
		if (!ms->mods[ms->nr].name)
			goto out_free;
		ms->nr++;
	}
	if (ms->nr && o->release) {
		static const char *const trees[] = {
			"/usr/lib/debug/lib/modules/", "/lib/modules/",
		};

		for (unsigned int t = 0; t < 2; t++) {
			char *dir = NULL;

			if (asprintf(&dir, "%s%s%s", root, trees[t], o->release) < 0)
				goto out_free;
			ret = walk(ms, dir, t, false, 0);
			free(dir);
			if (ret)
				goto out_free;
		}
	}
	for (size_t i = 0; i < ms->nr; i++) {
		struct mod *m = &ms->mods[i];

		if (!m->nr)
			continue;
		qsort(m->c, m->nr, sizeof(*m->c), cmp_cand);
		m->paths = malloc(m->nr * sizeof(*m->paths));
		if (!m->paths) {
			ret = -ENOMEM;
			goto out_free;
		}
		for (size_t k = 0; k < m->nr; k++)
			m->paths[k] = m->c[k].path;
	}
	free(sorted);
	*out = ms;
	return 0;

out_free:
	free(sorted);
	dp_modules_free(ms);
	return -ENOMEM;
}

void dp_modules_free(struct dp_modules *ms)
{
	if (!ms)
		return;
	for (size_t i = 0; i < ms->nr; i++) {
		for (size_t k = 0; k < ms->mods[i].nr; k++)
			free(ms->mods[i].c[k].path);
		free(ms->mods[i].c);
		free(ms->mods[i].paths);
		free(ms->mods[i].name);
	}
	free(ms->mods);
	free(ms->root);
	free(ms);
}

size_t dp_modules_files(const struct dp_modules *ms, const char *name,
			const char *const **paths)
{
	const struct mod *m = find_mod(ms, name);

	*paths = m ? m->paths : NULL;
	return m ? m->nr : 0;
}

/* One reason more on why's line. */
__attribute__((format(printf, 2, 3)))
static int reason(struct dp_strbuf *why, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n, ret = 0;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	if (why->len)
		ret = dp_strbuf_adds(why, "; ");
	if (!ret)
		ret = dp_strbuf_adds(why, s);
	free(s);
	return ret;
}

struct attempt {
	struct dp_modules *ms;
	const char *name;
	struct dp_buildid loaded;  /* len 0: unknown */
	char loaded_hex[DP_BUILDID_HEX_SIZE];
	bool refused, no_dwarf;    /* what the files tried so far had */
	struct dp_strbuf *why;
};

/* Try one file.  1: opened into *d, 0: not (why says so), -ENOMEM. */
static int try_file(struct attempt *a, const char *path, bool absent_ok,
		    struct dp_dwarf **d)
{
	struct dp_dwarf_opts o = { .path = path, .module = a->name };
	struct dp_err err = DP_ERR_INIT;
	struct dp_buildid id;
	char hex[DP_BUILDID_HEX_SIZE];
	int r;

	r = dp_dwarf_open(d, &o, &err);
	if (r == -ENOMEM) {
		dp_err_release(&err);
		return r;
	}
	if (r) {
		if (r == -ENODATA)
			a->no_dwarf = true;
		else if (!(absent_ok && r == -ENOENT)) {
			a->refused = true;
			r = reason(a->why, "%s", dp_err_msg(&err));
		}
		dp_err_release(&err);
		return r == -ENOMEM ? r : 0;
	}
	if (!a->loaded.len) {
		/* Only with ignore_build_id (dp_modules_open checked). */
		r = reason(a->why, "'%s' used, the loaded module's build-id is unknown: not checked (--ignore-build-id)",
			   path);
		if (r) {
			dp_dwarf_free(*d);
			*d = NULL;
			return r;
		}
		return 1;
	}
	id = *dp_dwarf_buildid(*d);
	if (dp_buildid_equal(&id, &a->loaded))
		return 1;
	dp_dwarf_free(*d);
	*d = NULL;
	a->refused = true;
	if (!id.len)
		return reason(a->why, "'%s' has no build-id, the loaded module's is %s",
			      path, a->loaded_hex);
	return reason(a->why, "'%s' has build-id %s, the loaded module's is %s", path,
		      dp_buildid_hex(&id, hex, sizeof(hex)), a->loaded_hex);
}

int dp_modules_open(struct dp_modules *ms, const char *name,
		    struct dp_dwarf **d, struct dp_strbuf *why)
{
	struct attempt a = { .ms = ms, .name = name, .why = why };
	const struct mod *m = find_mod(ms, name);
	size_t nr = m ? m->nr : 0;
	int r;

	*d = NULL;
	dp_strbuf_reset(why);
	if (ms->live) {
		char *notes = NULL;

		if (asprintf(&notes, "%s/sys/module/%s/notes/.note.gnu.build-id",
			     ms->root, name) < 0)
			return -ENOMEM;
		/* Not there: the module is gone or was built without one. */
		if (dp_buildid_read_notes(notes, &a.loaded) < 0)
			a.loaded.len = 0;
		free(notes);
		dp_buildid_hex(&a.loaded, a.loaded_hex, sizeof(a.loaded_hex));
	}
	if (a.loaded.len > 1) {
		char *path = NULL;

		if (asprintf(&path, "%s/usr/lib/debug/.build-id/%.2s/%s.debug",
			     ms->root, a.loaded_hex, a.loaded_hex + 2) < 0)
			return -ENOMEM;
		r = try_file(&a, path, true, d);
		free(path);
		if (r)
			return r < 0 ? r : DP_MODULE_OPENED;
	}
	if (nr && !a.loaded.len && !ms->ignore_build_id) {
		/* Lines of another build would be wrong without a sign. */
		r = ms->live ?
			reason(why, "%zu file%s not used: the loaded module's build-id is unknown, no note in /sys/module/%s/notes (--ignore-build-id uses %s)",
			       nr, nr > 1 ? "s" : "", name, nr > 1 ? "them" : "it") :
			reason(why, "%zu file%s not used: the loaded module's build-id is unknown, not the running kernel (--ignore-build-id uses %s)",
			       nr, nr > 1 ? "s" : "", nr > 1 ? "them" : "it");
		return r ? r : DP_MODULE_REFUSED;
	}
	for (size_t i = 0; i < nr; i++) {
		r = try_file(&a, m->c[i].path, false, d);
		if (r)
			return r < 0 ? r : DP_MODULE_OPENED;
	}
	if (a.refused) {
		/* The stripped files too: the line says what every file
		 * lacked. */
		if (a.no_dwarf && reason(why, "%s", "the other files have no DWARF debug info"))
			return -ENOMEM;
		return DP_MODULE_REFUSED;
	}
	dp_strbuf_reset(why);
	return a.no_dwarf ? DP_MODULE_NO_DWARF : DP_MODULE_NO_FILE;
}
