/* test_modules — unit tests for module source lines: finding a module's
 * file (src/symbols/modules.c), resolving name + offset in it
 * (dp_dwarf_resolve_sym) and the join to a symmap with its notes
 * (dp_sources_add_modules), on the fixture module built by the
 * GNUmakefile from tests/fixtures/modules/fixmod.c (paths and build-ids
 * come as -D defines), laid out in scratch trees under a root prefix with
 * a fake /sys/module/NAME/notes.
 *
 * The reference is binutils addr2line -f -i -j SECTION on the .ko (an
 * ET_REL: addresses are section offsets), run once per section through
 * popen: the same functions, files and lines, frame by frame.  Without
 * addr2line or objdump those comparisons skip with a message.
 *
 * Also: debug files before modules, updates/ before kernel/, '-' in file
 * names read as '_', the build-id path, another build's file skipped with
 * a note, no file or a stripped one (one line for all such modules), an
 * unknown loaded build-id (refused; used with ignore_build_id), offline
 * (names kept, one note), compressed files (.ko.xz, .ko.gz; .ko.zst read
 * or refused with a note, as this libdw can), and truncated, garbage and
 * overwritten files: a note or lines, never a crash, the names untouched.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dropprof/symbols/buildid.h"
#include "dropprof/symbols/dwarf.h"
#include "dropprof/symbols/modules.h"
#include "dropprof/symbols/sources.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/util/error.h"
#include "dropprof/util/strbuf.h"
#include "testutil.h"
#include "symbols/addr2line_ref.h"

#ifndef DP_FIXMOD_DIR
#error "built by the GNUmakefile, which defines the fixture paths"
#endif

#define KO        DP_FIXMOD_DIR "/fixmod.ko"
#define KO_OTHER  DP_FIXMOD_DIR "/fixmod-other.ko"
#define KO_STRIP  DP_FIXMOD_DIR "/fixmod-stripped.ko"
#define KO_DEBUG  DP_FIXMOD_DIR "/fixmod.ko.debug"
#define REL       "6.1.0-fixture"
#define MODDIR    "lib/modules/" REL
#define DBGDIR    "usr/lib/debug/lib/modules/" REL

/* Where the fixture's functions "run": any address, each function on
 * its own, as a loaded module's would be. */
#define RUN_BASE  0xffffffffc0a00000ULL

/* ---- scratch trees ---------------------------------------------------- */

static void mkdirs(const char *path)
{
	char *p = strdup(path);

	assert_non_null(p);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0)
			assert_int_equal(errno, EEXIST);
		*s = '/';
	}
	free(p);
}

/* Copy file src (the first len bytes; 0: all) to root/rel. */
static void put_n(const char *root, const char *rel, const char *src, size_t len)
{
	char *path = NULL, *buf;
	size_t n = 0;

	assert_true(asprintf(&path, "%s/%s", root, rel) > 0);
	mkdirs(path);
	buf = dp_test_slurp(src, &n);
	assert_non_null(buf);
	dp_test_spill(path, buf, len && len < n ? len : n);
	free(buf);
	free(path);
}

static void put(const char *root, const char *rel, const char *src)
{
	put_n(root, rel, src, 0);
}

/* The loaded module's build-id, as /sys/module/NAME/notes has it: one
 * raw ELF note. */
static void put_notes(const char *root, const char *module, const char *hex)
{
	unsigned char note[12 + 4 + DP_BUILDID_MAX];
	struct dp_buildid id;
	uint32_t hdr[3];
	char *path = NULL;

	assert_int_equal(dp_buildid_parse(hex, &id), 0);
	hdr[0] = 4;
	hdr[1] = (uint32_t)id.len;
	hdr[2] = 3;      /* NT_GNU_BUILD_ID */
	memcpy(note, hdr, 12);
	memcpy(note + 12, "GNU", 4);
	memcpy(note + 16, id.id, id.len);
	assert_true(asprintf(&path, "%s/sys/module/%s/notes/.note.gnu.build-id",
			     root, module) > 0);
	mkdirs(path);
	dp_test_spill(path, note, 16 + id.len);
	free(path);
}

static void rm_tree(char *root)
{
	char *cmd = NULL;

	assert_true(asprintf(&cmd, "rm -rf '%s'", root) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(root);
}

static bool have(const char *tool)
{
	char *cmd = NULL;
	int r;

	assert_true(asprintf(&cmd, "command -v %s >/dev/null 2>&1", tool) > 0);
	r = system(cmd);
	free(cmd);
	return r == 0;
}

/* ---- the fixture's functions, as objdump -t sees them ----------------- */

struct fn {
	char name[64];
	char section[64];
	uint64_t value, size;      /* section-relative, as in the .ko */
};

static const char *const fixture_fns[] = {
	"fixmod_func", "fixmod_rcv", "fixmod_cold", "fixmod_rcv.cold",
};
#define NR_FNS (sizeof(fixture_fns) / sizeof(fixture_fns[0]))

/* Read the fixture's functions from objdump -t; false without objdump. */
static bool read_fns(struct fn *fns)
{
	char line[512];
	size_t got = 0;
	FILE *p;

	if (!have("objdump"))
		return false;
	p = popen("objdump -t '" KO "'", "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char value[32], flags[16], section[64], size[32], name[64];

		/* "0000000000000000 g     F .text	000000000000003b fixmod_func" */
		if (sscanf(line, "%31s %*s %15s %63s %31s %63s", value, flags,
			   section, size, name) != 5 || strcmp(flags, "F"))
			continue;
		for (size_t i = 0; i < NR_FNS; i++) {
			if (strcmp(name, fixture_fns[i]))
				continue;
			snprintf(fns[i].name, sizeof(fns[i].name), "%s", name);
			snprintf(fns[i].section, sizeof(fns[i].section), "%s", section);
			fns[i].value = strtoull(value, NULL, 16);
			fns[i].size = strtoull(size, NULL, 16);
			got++;
		}
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(got, NR_FNS);
	return true;
}

/* ---- the reference: addr2line ----------------------------------------- */

/* ---- symmaps ------------------------------------------------------------ */

/* Every return-address offset (1 .. size) of every fixture function, in
 * module mod, at made-up run-time addresses. */
static void fill_map(struct dp_symmap *m, const struct fn *fns, const char *mod)
{
	dp_symmap_init(m);
	for (size_t i = 0; i < NR_FNS; i++)
		for (uint64_t off = 1; off <= fns[i].size; off++)
			assert_int_equal(dp_symmap_add_addr(m, RUN_BASE + i * 0x1000 + off,
							    fns[i].name, mod, off), 0);
	/* A vmlinux address: not a module's, left alone. */
	assert_int_equal(dp_symmap_add_addr(m, 0xffffffff81000010ULL, "ip_rcv", NULL, 0x10), 0);
	assert_int_equal(dp_symmap_sort(m), 0);
}

/* Without objdump: the functions at the sizes the fixture has at least
 * (only for checks that do not compare with addr2line). */
static void default_fns(struct fn *fns)
{
	if (read_fns(fns))
		return;
	for (size_t i = 0; i < NR_FNS; i++) {
		snprintf(fns[i].name, sizeof(fns[i].name), "%s", fixture_fns[i]);
		fns[i].size = 8;
	}
}

static struct dp_modules_opts live_opts(const char *root)
{
	return (struct dp_modules_opts){ .release = REL, .root = root, .live = true };
}

/* Add module lines; the notes are one line each, no empty line. */
static void add(struct dp_symmap *m, const struct dp_modules_opts *o,
		struct dp_sources_stats *st, struct dp_strbuf *notes)
{
	dp_strbuf_reset(notes);
	assert_int_equal(dp_sources_add_modules(m, o, st, notes), 0);
	if (notes->len) {
		assert_int_equal(notes->buf[notes->len - 1], '\n');
		assert_null(strstr(notes->buf, "\n\n"));
	}
}

static void assert_note(const struct dp_strbuf *notes, const char *needle)
{
	if (!strstr(notes->buf, needle))
		fail_msg("notes do not say '%s':\n%s", needle, notes->buf);
}

static size_t count_lines(const struct dp_strbuf *notes)
{
	size_t n = 0;

	for (size_t i = 0; i < notes->len; i++)
		n += notes->buf[i] == '\n';
	return n;
}

/* kallsyms' names, modules and offsets are never touched. */
static void assert_names_kept(const struct dp_symmap *m, const char *mod)
{
	for (size_t i = 0; i < m->nr_addrs; i++) {
		const struct dp_symmap_entry *e = &m->addrs[i];

		if (!e->module) {
			assert_string_equal(e->name, "ip_rcv");
			assert_int_equal(e->nr_src, 0);
			continue;
		}
		assert_string_equal(e->module, mod);
		assert_non_null(e->name);
		assert_int_equal(e->offset, (e->addr - RUN_BASE) % 0x1000);
	}
}

static size_t with_src(const struct dp_symmap *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nr_addrs; i++)
		n += m->addrs[i].nr_src != 0;
	return n;
}

/* Every module entry of m has addr2line's frames for name + offset - 1. */
static void assert_match_addr2line(const struct dp_symmap *m, const struct fn *fns)
{
	bool inlined_seen = false;

	for (size_t i = 0; i < NR_FNS; i++) {
		struct ref *refs = calloc(fns[i].size, sizeof(*refs));

		assert_non_null(refs);
		for (uint64_t off = 1; off <= fns[i].size; off++)
			refs[off - 1].addr = fns[i].value + off - 1;
		assert_true(ref_addr2line(KO, fns[i].section, refs, fns[i].size));
		for (uint64_t off = 1; off <= fns[i].size; off++) {
			const struct dp_symmap_entry *e =
				dp_symmap_addr(m, RUN_BASE + i * 0x1000 + off);
			const struct ref *r = &refs[off - 1];

			assert_non_null(e);
			if (e->nr_src != r->nr)
				fail_msg("%s+0x%" PRIx64 ": %zu frames, addr2line %zu",
					 fns[i].name, off, e->nr_src, r->nr);
			for (size_t k = 0; k < r->nr; k++) {
				const struct dp_symmap_src *s = &e->src[k];

				if (!s->function || strcmp(s->function, r->frames[k].function) ||
				    !s->file || strcmp(s->file, r->frames[k].file) ||
				    s->line != r->frames[k].line)
					fail_msg("%s+0x%" PRIx64 " frame %zu: %s %s:%u, addr2line %s %s:%u",
						 fns[i].name, off, k,
						 s->function ? s->function : "(null)",
						 s->file ? s->file : "(null)", s->line,
						 r->frames[k].function, r->frames[k].file,
						 r->frames[k].line);
				assert_int_equal(s->inlined, k + 1 < r->nr);
			}
			if (e->nr_src == 2) {
				inlined_seen = true;
				assert_string_equal(e->src[0].function, "fixmod_helper");
				assert_string_equal(e->src[0].file, "tests/fixtures/modules/fixmod.h");
				assert_string_equal(e->src[1].function, "fixmod_func");
			}
		}
		free(refs);
	}
	/* The helper's code is in fixmod_func: some offset is inside it. */
	assert_true(inlined_seen);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_lines_match_addr2line(void **state)
{
	char *root = dp_test_tmpdir();
	struct dp_modules_opts o = live_opts(root);
	struct dp_strbuf notes = DP_STRBUF_INIT;
	struct dp_sources_stats st;
	struct dp_symmap m;
	struct fn fns[NR_FNS];
	size_t total = 0;

	if (!read_fns(fns) || !have("addr2line")) {
		rm_tree(root);
		print_message("objdump or addr2line not found: not compared\n");
		skip();
	}
	put(root, MODDIR "/kernel/net/fixture/fixmod.ko", KO);
	put_notes(root, "fixmod", DP_FIXMOD_BUILDID);
	fill_map(&m, fns, "fixmod");
	add(&m, &o, &st, &notes);
	for (size_t i = 0; i < NR_FNS; i++)
		total += fns[i].size;
	assert_int_equal(st.addrs, total);
	assert_int_equal(st.with_lines, total);
	assert_true(st.with_inline > 0);
	assert_int_equal(st.modules, 1);
	assert_int_equal(with_src(&m), total);
	assert_match_addr2line(&m, fns);
	assert_names_kept(&m, "fixmod");
	/* Only the summary. */
	assert_int_equal(count_lines(&notes), 1);
	{
		char want[128];

		snprintf(want, sizeof(want), "source lines for %zu module addresses from 1 module",
			 total);
		assert_note(&notes, want);
	}
	dp_symmap_release(&m);
	dp_strbuf_release(&notes);
	rm_tree(root);
}

static struct dp_dwarf *open_mod(const char *path)
{
	struct dp_dwarf_opts o = { .path = path, .module = "fixmod" };
	struct dp_err err = DP_ERR_INIT;
	struct dp_dwarf *d = NULL;
	int r = dp_dwarf_open(&d, &o, &err);

	if (r)
		fail_msg("dp_dwarf_open '%s': %d %s", path, r, dp_err_msg(&err));
	dp_err_release(&err);
	return d;
}

static void test_resolve_sym(void **state)
{
	struct dp_dwarf *d = open_mod(KO);
	char hex[DP_BUILDID_HEX_SIZE];
	struct dp_src_info info;

	assert_string_equal(dp_buildid_hex(dp_dwarf_buildid(d), hex, sizeof(hex)),
			    DP_FIXMOD_BUILDID);
	assert_int_equal(dp_dwarf_bias(d), 0);

	assert_int_equal(dp_dwarf_resolve_sym(d, "fixmod_func", 0x10, &info), 0);
	assert_string_equal(info.symbol, "fixmod_func");
	assert_int_equal(info.sym_offset, 0x10);
	assert_true(info.sym_size > 0x10);
	assert_true(info.nr_frames >= 1);
	assert_string_equal(info.frames[info.nr_frames - 1].function, "fixmod_func");
	assert_string_equal(info.frames[info.nr_frames - 1].file,
			    "tests/fixtures/modules/fixmod.c");
	dp_src_info_release(&info);

	/* The cold part, in another section: its code is fixmod_rcv's. */
	assert_int_equal(dp_dwarf_resolve_sym(d, "fixmod_rcv.cold", 2, &info), 0);
	assert_string_equal(info.symbol, "fixmod_rcv.cold");
	assert_string_equal(info.frames[info.nr_frames - 1].function, "fixmod_rcv");
	dp_src_info_release(&info);
	assert_int_equal(dp_dwarf_resolve_sym(d, "fixmod_cold", 0, &info), 0);
	assert_string_equal(info.symbol, "fixmod_cold");
	dp_src_info_release(&info);

	/* What a module imports, its data and names it lacks are no code
	 * of its own. */
	memset(&info, 0x55, sizeof(info));
	assert_int_equal(dp_dwarf_resolve_sym(d, "fixmod_import", 0, &info), -ENOENT);
	assert_null(info.symbol);
	assert_int_equal(info.nr_frames, 0);
	assert_int_equal(dp_dwarf_resolve_sym(d, "fixmod_sink", 0, &info), -ENOENT);
	assert_int_equal(dp_dwarf_resolve_sym(d, "nope", 0, &info), -ENOENT);
	assert_int_equal(dp_dwarf_resolve_sym(d, "", 0, &info), -ENOENT);
	/* Far past any code. */
	assert_int_equal(dp_dwarf_resolve_sym(d, "fixmod_func", 1ULL << 40, &info), -ENOENT);
	dp_src_info_release(&info);
	dp_dwarf_free(d);

	/* The separate debug file: the same lines, its .text is NOBITS. */
	{
		struct dp_dwarf *a = open_mod(KO), *b = open_mod(KO_DEBUG);

		for (uint64_t off = 0; off < 0x36; off++) {
			struct dp_src_info x, y;

			assert_int_equal(dp_dwarf_resolve_sym(a, "fixmod_rcv", off, &x), 0);
			assert_int_equal(dp_dwarf_resolve_sym(b, "fixmod_rcv", off, &y), 0);
			assert_int_equal(x.nr_frames, y.nr_frames);
			for (size_t k = 0; k < x.nr_frames; k++) {
				assert_string_equal(x.frames[k].function, y.frames[k].function);
				assert_string_equal(x.frames[k].file, y.frames[k].file);
				assert_int_equal(x.frames[k].line, y.frames[k].line);
			}
			dp_src_info_release(&x);
			dp_src_info_release(&y);
		}
		dp_dwarf_free(a);
		dp_dwarf_free(b);
	}
	/* A stripped module: names only, said so with its own code. */
	{
		struct dp_dwarf_opts o = { .path = KO_STRIP, .module = "fixmod" };
		struct dp_err err = DP_ERR_INIT;

		assert_int_equal(dp_dwarf_open(&d, &o, &err), -ENODATA);
		assert_null(d);
		assert_non_null(strstr(dp_err_msg(&err), "no DWARF"));
		dp_err_release(&err);
	}
}

static void test_order_and_dashes(void **state)
{
	char *root = dp_test_tmpdir();
	struct dp_modules_opts o = live_opts(root);
	const char *names[] = { "snd_fix_dash", "fixmod", "snd_fix_dash", "absent" };
	struct dp_strbuf notes = DP_STRBUF_INIT;
	struct dp_modules *ms = NULL;
	const char *const *paths;
	struct dp_sources_stats st;
	struct dp_symmap m;
	struct fn fns[NR_FNS];
	size_t n;

	put(root, MODDIR "/kernel/sound/snd-fix-dash.ko", KO_STRIP);
	put(root, MODDIR "/updates/snd-fix-dash.ko.xz", KO_STRIP);   /* a name only */
	put(root, MODDIR "/updates/dkms/snd_fix_dash.ko", KO_STRIP);
	put(root, DBGDIR "/kernel/sound/snd-fix-dash.ko.debug", KO_DEBUG);
	put(root, DBGDIR "/kernel/sound/snd-fix-dash.ko", KO);
	put(root, MODDIR "/kernel/net/fixmod.ko", KO);
	put(root, MODDIR "/kernel/net/fixmod.txt", KO);              /* not a module */
	put(root, MODDIR "/kernel/net/fixmod.ko.bak", KO);
	/* The build tree's link is not walked. */
	{
		char *link = NULL, *target = NULL;

		put(root, "usr/src/build/snd-fix-dash.ko", KO);
		assert_true(asprintf(&link, "%s/" MODDIR "/build", root) > 0);
		assert_true(asprintf(&target, "%s/usr/src/build", root) > 0);
		assert_int_equal(symlink(target, link), 0);
		free(link);
		free(target);
	}

	assert_int_equal(dp_modules_new(&ms, &o, names, 4), 0);
	n = dp_modules_files(ms, "snd_fix_dash", &paths);
	assert_int_equal(n, 5);
	/* Debug files first (.ko.debug, then .ko), then updates/ (.ko before
	 * .ko.xz), then the rest. */
	assert_true(strstr(paths[0], DBGDIR "/kernel/sound/snd-fix-dash.ko.debug") != NULL);
	assert_true(strstr(paths[1], DBGDIR "/kernel/sound/snd-fix-dash.ko") != NULL);
	assert_true(strstr(paths[2], MODDIR "/updates/dkms/snd_fix_dash.ko") != NULL);
	assert_true(strstr(paths[3], MODDIR "/updates/snd-fix-dash.ko.xz") != NULL);
	assert_true(strstr(paths[4], MODDIR "/kernel/sound/snd-fix-dash.ko") != NULL);
	assert_int_equal(dp_modules_files(ms, "fixmod", &paths), 1);
	assert_true(strstr(paths[0], "/kernel/net/fixmod.ko") != NULL);
	assert_int_equal(dp_modules_files(ms, "absent", &paths), 0);
	assert_int_equal(dp_modules_files(ms, "not_asked", &paths), 0);
	assert_null(paths);
	dp_modules_free(ms);
	dp_modules_free(NULL);

	/* Through the join: lines from the debug file of the dashed name. */
	put_notes(root, "snd_fix_dash", DP_FIXMOD_BUILDID);
	default_fns(fns);
	fill_map(&m, fns, "snd_fix_dash");
	add(&m, &o, &st, &notes);
	assert_int_equal(st.with_lines, st.addrs);
	assert_int_equal(st.modules, 1);
	assert_int_equal(with_src(&m), st.addrs);
	assert_names_kept(&m, "snd_fix_dash");
	assert_int_equal(count_lines(&notes), 1);
	assert_note(&notes, "from 1 module");
	dp_symmap_release(&m);
	dp_strbuf_release(&notes);
	rm_tree(root);
}

static void test_other_build(void **state)
{
	char *root = dp_test_tmpdir();
	struct dp_modules_opts o = live_opts(root);
	struct dp_strbuf notes = DP_STRBUF_INIT;
	struct dp_sources_stats st;
	struct dp_symmap m;
	struct fn fns[NR_FNS];

	default_fns(fns);
	put(root, MODDIR "/kernel/net/fixmod.ko", KO_OTHER);
	put_notes(root, "fixmod", DP_FIXMOD_BUILDID);
	fill_map(&m, fns, "fixmod");
	add(&m, &o, &st, &notes);
	assert_int_equal(st.with_lines, 0);
	assert_int_equal(with_src(&m), 0);
	assert_names_kept(&m, "fixmod");
	assert_int_equal(count_lines(&notes), 1);
	assert_note(&notes, "module 'fixmod': no source lines: ");
	assert_note(&notes, "has build-id " DP_FIXMOD_BUILDID_OTHER ", the loaded module's is "
		    DP_FIXMOD_BUILDID);
	assert_note(&notes, "/kernel/net/fixmod.ko'");

	/* The right build elsewhere: used, the other still noted. */
	put(root, MODDIR "/kernel/zz/fixmod.ko", KO);   /* after net/ */
	add(&m, &o, &st, &notes);
	assert_int_equal(st.with_lines, st.addrs);
	assert_int_equal(count_lines(&notes), 2);
	assert_note(&notes, "module 'fixmod': '");
	assert_note(&notes, "has build-id " DP_FIXMOD_BUILDID_OTHER);
	assert_note(&notes, "from 1 module");
	assert_names_kept(&m, "fixmod");
	dp_symmap_release(&m);
	dp_strbuf_release(&notes);
	rm_tree(root);
}

static void test_no_file(void **state)
{
	char *root = dp_test_tmpdir();
	struct dp_modules_opts o = live_opts(root);
	struct dp_strbuf notes = DP_STRBUF_INIT;
	struct dp_sources_stats st;
	struct dp_symmap m;
	struct fn fns[NR_FNS];

	default_fns(fns);
	put_notes(root, "fixmod", DP_FIXMOD_BUILDID);
	fill_map(&m, fns, "fixmod");
	add(&m, &o, &st, &notes);
	assert_int_equal(with_src(&m), 0);
	assert_names_kept(&m, "fixmod");
	assert_int_equal(count_lines(&notes), 1);
	assert_note(&notes, "no source lines for 1 module (fixmod): no file with debug info in ");
	assert_note(&notes, "linux-image-" REL "-dbg");

	/* A stripped module and a second module without any file: still
	 * one line for both. */
	put(root, MODDIR "/kernel/net/fixmod.ko", KO_STRIP);
	assert_int_equal(dp_symmap_add_addr(&m, RUN_BASE + 0x100000, "other_fn", "other_mod", 4), 0);
	assert_int_equal(dp_symmap_sort(&m), 0);
	add(&m, &o, &st, &notes);
	assert_int_equal(with_src(&m), 0);
	assert_int_equal(count_lines(&notes), 1);
	assert_note(&notes, "no source lines for 2 modules (fixmod, other_mod)");
	dp_symmap_release(&m);

	/* No module address at all: nothing to say. */
	dp_symmap_init(&m);
	assert_int_equal(dp_symmap_add_addr(&m, 0xffffffff81000010ULL, "ip_rcv", NULL, 0x10), 0);
	assert_int_equal(dp_symmap_sort(&m), 0);
	add(&m, &o, &st, &notes);
	assert_int_equal(notes.len, 0);
	assert_int_equal(st.addrs, 0);
	dp_symmap_release(&m);
	dp_strbuf_release(&notes);
	rm_tree(root);
}

static void test_unknown_buildid(void **state)
{
	char *root = dp_test_tmpdir();
	struct dp_modules_opts o = live_opts(root);
	struct dp_strbuf notes = DP_STRBUF_INIT;
	struct dp_sources_stats st;
	struct dp_symmap m;
	struct fn fns[NR_FNS];

	default_fns(fns);
	put(root, MODDIR "/kernel/net/fixmod.ko", KO);
	fill_map(&m, fns, "fixmod");
	add(&m, &o, &st, &notes);
	assert_int_equal(with_src(&m), 0);
	assert_int_equal(count_lines(&notes), 1);
	assert_note(&notes, "module 'fixmod': no source lines: 1 file not used: the loaded module's build-id is unknown");
	assert_note(&notes, "--ignore-build-id");

	o.ignore_build_id = true;
	add(&m, &o, &st, &notes);
	assert_int_equal(with_src(&m), st.addrs);
	assert_int_equal(count_lines(&notes), 2);
	assert_note(&notes, "used, the loaded module's build-id is unknown: not checked (--ignore-build-id)");
	assert_names_kept(&m, "fixmod");
	dp_symmap_release(&m);
	dp_strbuf_release(&notes);
	rm_tree(root);
}

static void test_offline(void **state)
{
	char *root = dp_test_tmpdir();
	struct dp_modules_opts o = live_opts(root);
	struct dp_strbuf notes = DP_STRBUF_INIT;
	struct dp_symmap_src src = { .function = "fixmod_func", .file = "x.c", .line = 3 };
	struct dp_sources_stats st;
	struct dp_symmap m;
	struct fn fns[NR_FNS];

	default_fns(fns);
	put(root, MODDIR "/kernel/net/fixmod.ko", KO);
	put_notes(root, "fixmod", DP_FIXMOD_BUILDID);
	fill_map(&m, fns, "fixmod");
	o.live = false;
	o.ignore_build_id = true;     /* not even then */
	add(&m, &o, &st, &notes);
	assert_int_equal(with_src(&m), 0);
	assert_int_equal(st.addrs, 0);
	assert_names_kept(&m, "fixmod");
	assert_int_equal(count_lines(&notes), 1);
	assert_note(&notes, "keep their kallsyms names");
	assert_note(&notes, "recording");

	/* Lines saved at record time: nothing to say. */
	for (size_t i = 0; i < m.nr_addrs; i++)
		if (m.addrs[i].module)
			assert_int_equal(dp_symmap_set_src(&m, m.addrs[i].addr, &src, 1), 0);
	add(&m, &o, &st, &notes);
	assert_int_equal(notes.len, 0);
	dp_symmap_release(&m);
	dp_strbuf_release(&notes);
	rm_tree(root);
}

static void test_buildid_path(void **state)
{
	char *root = dp_test_tmpdir();
	struct dp_modules_opts o = live_opts(root);
	struct dp_strbuf notes = DP_STRBUF_INIT;
	struct dp_sources_stats st;
	struct dp_symmap m;
	struct fn fns[NR_FNS];
	char rel[256];

	default_fns(fns);
	snprintf(rel, sizeof(rel), "usr/lib/debug/.build-id/%.2s/%s.debug",
		 DP_FIXMOD_BUILDID, DP_FIXMOD_BUILDID + 2);
	put(root, rel, KO_DEBUG);
	put(root, MODDIR "/kernel/net/fixmod.ko", KO_OTHER);   /* never tried */
	put_notes(root, "fixmod", DP_FIXMOD_BUILDID);
	fill_map(&m, fns, "fixmod");
	add(&m, &o, &st, &notes);
	assert_int_equal(with_src(&m), st.addrs);
	assert_true(st.addrs > 0);
	assert_int_equal(count_lines(&notes), 1);
	dp_symmap_release(&m);
	dp_strbuf_release(&notes);
	rm_tree(root);
}

/* The frames of every module entry of a and b are the same. */
static void assert_same_src(const struct dp_symmap *a, const struct dp_symmap *b)
{
	assert_int_equal(a->nr_addrs, b->nr_addrs);
	for (size_t i = 0; i < a->nr_addrs; i++) {
		const struct dp_symmap_entry *x = &a->addrs[i], *y = &b->addrs[i];

		assert_int_equal(x->addr, y->addr);
		assert_int_equal(x->nr_src, y->nr_src);
		for (size_t k = 0; k < x->nr_src; k++) {
			assert_string_equal(x->src[k].function, y->src[k].function);
			assert_string_equal(x->src[k].file, y->src[k].file);
			assert_int_equal(x->src[k].line, y->src[k].line);
			assert_int_equal(x->src[k].inlined, y->src[k].inlined);
		}
	}
}

static void test_compressed(void **state)
{
	static const struct {
		const char *tool, *suffix;
		bool must_read;            /* libdw 0.188 reads xz and gzip */
	} forms[] = {
		{ "xz", ".xz", true }, { "gzip", ".gz", true }, { "zstd", ".zst", false },
	};
	struct dp_strbuf notes = DP_STRBUF_INIT;
	struct dp_sources_stats st;
	struct dp_symmap plain, m;
	struct fn fns[NR_FNS];

	default_fns(fns);
	/* The reference: the plain .ko. */
	{
		char *root = dp_test_tmpdir();
		struct dp_modules_opts o = live_opts(root);

		put(root, MODDIR "/kernel/net/fixmod.ko", KO);
		put_notes(root, "fixmod", DP_FIXMOD_BUILDID);
		fill_map(&plain, fns, "fixmod");
		add(&plain, &o, &st, &notes);
		assert_int_equal(with_src(&plain), st.addrs);
		rm_tree(root);
	}
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		char *root = dp_test_tmpdir(), *cmd = NULL;
		struct dp_modules_opts o = live_opts(root);

		if (!have(forms[f].tool)) {
			print_message("%s not found: .ko%s not tried\n", forms[f].tool,
				      forms[f].suffix);
			rm_tree(root);
			continue;
		}
		put(root, MODDIR "/kernel/net/fixmod.ko", KO);
		put_notes(root, "fixmod", DP_FIXMOD_BUILDID);
		assert_true(asprintf(&cmd, "%s -q '%s/" MODDIR "/kernel/net/fixmod.ko'",
				     forms[f].tool, root) > 0);
		assert_int_equal(system(cmd), 0);
		free(cmd);
		if (!strcmp(forms[f].tool, "zstd")) {   /* keeps its input */
			assert_true(asprintf(&cmd, "%s/" MODDIR "/kernel/net/fixmod.ko", root) > 0);
			assert_int_equal(unlink(cmd), 0);
			free(cmd);
		}
		fill_map(&m, fns, "fixmod");
		add(&m, &o, &st, &notes);
		if (forms[f].must_read || with_src(&m)) {
			if (!with_src(&m))
				fail_msg(".ko%s not read: %s", forms[f].suffix, notes.buf);
			assert_same_src(&plain, &m);
		} else {
			/* A form this libdw cannot read: one line, names kept. */
			assert_note(&notes, "module 'fixmod': no source lines: cannot read '");
			assert_note(&notes, "compressed in a form this libdw cannot read");
			assert_int_equal(count_lines(&notes), 1);
			print_message("libdw does not read .ko%s: noted\n", forms[f].suffix);
		}
		assert_names_kept(&m, "fixmod");
		dp_symmap_release(&m);
		rm_tree(root);
	}
	dp_symmap_release(&plain);
	dp_strbuf_release(&notes);
}

/* One bad file: a note or lines, never a crash, the names kept. */
static void try_bad(const char *root, const struct fn *fns, bool want_note)
{
	struct dp_modules_opts o = live_opts(root);
	struct dp_strbuf notes = DP_STRBUF_INIT;
	struct dp_sources_stats st;
	struct dp_symmap m;

	fill_map(&m, fns, "fixmod");
	add(&m, &o, &st, &notes);
	assert_names_kept(&m, "fixmod");
	if (want_note) {
		assert_int_equal(with_src(&m), 0);
		assert_int_equal(count_lines(&notes), 1);
		assert_note(&notes, "module 'fixmod': no source lines: ");
	}
	dp_symmap_release(&m);
	dp_strbuf_release(&notes);
}

static void test_corrupt(void **state)
{
	char *root = dp_test_tmpdir(), *path = NULL, *img;
	struct fn fns[NR_FNS];
	size_t len = 0;

	default_fns(fns);
	assert_true(asprintf(&path, "%s/" MODDIR "/kernel/net/fixmod.ko", root) > 0);
	put_notes(root, "fixmod", DP_FIXMOD_BUILDID);
	img = dp_test_slurp(KO, &len);
	assert_non_null(img);

	/* Garbage, and the module cut anywhere: refused, said so. */
	put(root, MODDIR "/kernel/net/fixmod.ko", KO);
	dp_test_spill(path, "\x7f" "ELF garbage garbage garbage garbage", 36);
	try_bad(root, fns, true);
	dp_test_spill(path, "", 0);
	try_bad(root, fns, true);
	for (size_t cut = 16; cut < len; cut += len / 23) {
		dp_test_spill(path, img, cut);
		try_bad(root, fns, true);
	}
	dp_test_spill(path, img, len - 1);
	try_bad(root, fns, true);

	/* Garbage over the sections, the headers intact: refused, or lines
	 * of whatever libdw makes of it. */
	for (size_t at = 0x40; at + 32 < len; at += 0x3d) {
		char *bad = malloc(len);

		assert_non_null(bad);
		memcpy(bad, img, len);
		for (size_t k = 0; k < 32; k++)
			bad[at + k] = (char)(0xa5 ^ (k * 37));
		dp_test_spill(path, bad, len);
		free(bad);
		try_bad(root, fns, false);
	}

	/* A cut compressed stream. */
	if (have("xz")) {
		char *cmd = NULL, *xz = NULL, *zimg;
		size_t zlen = 0;

		dp_test_spill(path, img, len);
		assert_true(asprintf(&cmd, "xz -q '%s'", path) > 0);
		assert_int_equal(system(cmd), 0);
		assert_true(asprintf(&xz, "%s.xz", path) > 0);
		zimg = dp_test_slurp(xz, &zlen);
		assert_non_null(zimg);
		dp_test_spill(xz, zimg, zlen / 2);
		try_bad(root, fns, true);
		dp_test_spill(xz, "\xfd" "7zXZ garbage", 12);
		try_bad(root, fns, true);
		free(zimg);
		free(xz);
		free(cmd);
	}
	free(img);
	free(path);
	rm_tree(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_match_addr2line),
		cmocka_unit_test(test_resolve_sym),
		cmocka_unit_test(test_order_and_dashes),
		cmocka_unit_test(test_other_build),
		cmocka_unit_test(test_no_file),
		cmocka_unit_test(test_unknown_buildid),
		cmocka_unit_test(test_offline),
		cmocka_unit_test(test_buildid_path),
		cmocka_unit_test(test_compressed),
		cmocka_unit_test(test_corrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
