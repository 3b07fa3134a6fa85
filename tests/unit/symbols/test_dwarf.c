/* test_dwarf — unit tests for the DWARF symbolizer (src/symbols/dwarf.c)
 * on the fixture vmlinux (tests/fixtures/vmlinux/spec, built by the
 * GNUmakefile with mkvmlinux.sh; paths and ids come as -D defines).
 *
 * The reference is binutils addr2line (-f -i), run once through popen for
 * every address checked: the same functions, files and lines, frame by
 * frame, inlined frames included.  Without addr2line those comparisons
 * skip with a message; the other checks still run.
 *
 * Also: the inlined helper of __udp4_lib_rcv is found and marked, KASLR
 * (the fixture kallsyms is the layout shifted by 0x2e00000) resolves to
 * the same frames, a 600 KiB function names an offset past 512 KiB, gaps
 * and foreign addresses are -ENOENT, missing, garbage, truncated and
 * stripped files are refused with one line, and the strings of a result
 * are the handle's (valid after their info is released, one file name
 * for every batch).
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
#include <unistd.h>

#include <cmocka.h>

#include <elfutils/libdwfl.h>

#include "dropprof/symbols/dwarf.h"
#include "dropprof/symbols/ksym.h"
#include "dropprof/util/error.h"
#include "testutil.h"
#include "symbols/addr2line_ref.h"

#ifndef DP_FIXTURE_VMLINUX
#error "built by the GNUmakefile, which defines the fixture paths"
#endif

#define SPEC "tests/fixtures/vmlinux/spec"
#define KALLSYMS "tests/fixtures/vmlinux/kallsyms"
#define KASLR 0x2e00000ULL

#define A_UDP   0xffffffff81001000ULL     /* __udp4_lib_rcv, size 0x9c0 */
#define A_BIG   0xffffffff81100000ULL     /* big_function, 614400 bytes */
#define A_GAP   0xffffffff81000800ULL     /* between ip_rcv and __udp4_lib_rcv */

struct fn {
	char name[64];
	uint64_t addr, size;
};

/* The functions of the spec. */
static size_t read_spec(struct fn *fns, size_t max)
{
	FILE *f = fopen(SPEC, "r");
	char line[256];
	size_t n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char size[32];

		line[strcspn(line, "#")] = '\0';
		if (n < max && sscanf(line, "%63s %" SCNx64 " %31s", fns[n].name,
				      &fns[n].addr, size) == 3) {
			fns[n].size = strtoull(size, NULL, 0);
			n++;
		}
	}
	fclose(f);
	return n;
}

static struct dp_dwarf *open_ok(uint64_t runtime_stext, const char *stext_name)
{
	struct dp_dwarf_opts o = {
		.path = DP_FIXTURE_VMLINUX,
		.runtime_stext = runtime_stext,
		.stext_name = stext_name,
	};
	struct dp_err err = DP_ERR_INIT;
	struct dp_dwarf *d = NULL;
	int r = dp_dwarf_open(&d, &o, &err);

	if (r)
		fail_msg("dp_dwarf_open: %d %s", r, dp_err_msg(&err));
	assert_non_null(d);
	dp_err_release(&err);
	return d;
}

/* Our frames for addr must be addr2line's, frame by frame. */
static void assert_same_as(const struct ref *ref, const struct dp_src_info *info,
			   int ret)
{
	if (ref->nr == 1 && !strcmp(ref->frames[0].function, "??") &&
	    !ref->frames[0].file[0]) {
		assert_int_equal(info->nr_frames, 0);
		return;
	}
	if (ret != 0 || info->nr_frames != ref->nr)
		fail_msg("0x%" PRIx64 ": %d, %zu frames, addr2line %zu", ref->addr,
			 ret, info->nr_frames, ref->nr);
	for (size_t i = 0; i < ref->nr; i++) {
		const struct dp_src_frame *f = &info->frames[i];

		if (!f->function || strcmp(f->function, ref->frames[i].function) ||
		    !f->file || strcmp(f->file, ref->frames[i].file) ||
		    f->line != ref->frames[i].line)
			fail_msg("0x%" PRIx64 " frame %zu: %s %s:%u, addr2line %s %s:%u",
				 ref->addr, i, f->function ? f->function : "(null)",
				 f->file ? f->file : "(null)", f->line,
				 ref->frames[i].function, ref->frames[i].file,
				 ref->frames[i].line);
		/* Every frame but the outermost is an inlined copy. */
		assert_int_equal(f->inlined, i + 1 < ref->nr);
	}
}

/* Addresses to check: every function's first, second and last bytes and
 * a few inside, and every byte of the first 0x40 of __udp4_lib_rcv (its
 * inlined helper is there). */
static size_t pick_addrs(struct ref *refs, size_t max)
{
	struct fn fns[32];
	size_t nf = read_spec(fns, 32), n = 0;

	assert_true(nf >= 5);
	for (size_t i = 0; i < nf; i++) {
		uint64_t offs[] = { 0, 1, fns[i].size / 3, fns[i].size / 2,
				    fns[i].size - 11, fns[i].size - 2 };

		for (size_t k = 0; k < sizeof(offs) / sizeof(offs[0]); k++)
			if (offs[k] < fns[i].size && n < max)
				refs[n++].addr = fns[i].addr + offs[k];
	}
	for (uint64_t off = 0; off < 0x40 && n < max; off++)
		refs[n++].addr = A_UDP + off;
	return n;
}

static void test_lines_match_addr2line(void **state)
{
	struct dp_dwarf *d = open_ok(0, NULL);
	static struct ref refs[160];
	size_t n = pick_addrs(refs, 160);

	assert_int_equal(dp_dwarf_bias(d), 0);
	if (!ref_addr2line(DP_FIXTURE_VMLINUX, NULL, refs, n)) {
		dp_dwarf_free(d);
		skip();
	}
	for (size_t i = 0; i < n; i++) {
		struct dp_src_info info;
		int r = dp_dwarf_resolve(d, refs[i].addr, &info);

		assert_same_as(&refs[i], &info, r);
		dp_src_info_release(&info);
	}
	dp_dwarf_free(d);
}

static void test_inlined_frame(void **state)
{
	struct dp_dwarf *d = open_ok(0, NULL);
	struct dp_src_info info;
	uint64_t size;
	bool seen = false;

	/* The code is a little shorter than the spec's 0x9c0. */
	assert_int_equal(dp_dwarf_resolve(d, A_UDP, &info), 0);
	size = info.sym_size;
	assert_true(size > 0x9c0 - 16 && size <= 0x9c0);
	dp_src_info_release(&info);
	for (uint64_t off = 0; off < size; off++) {

		assert_int_equal(dp_dwarf_resolve(d, A_UDP + off, &info), 0);
		assert_string_equal(info.symbol, "__udp4_lib_rcv");
		assert_int_equal(info.sym_offset, off);
		assert_true(info.nr_frames >= 1);
		if (info.nr_frames == 2) {
			const struct dp_src_frame *in = &info.frames[0], *out = &info.frames[1];

			seen = true;
			assert_true(in->inlined);
			assert_string_equal(in->function, "__udp4_lib_rcv_helper");
			assert_string_equal(in->file, "include/fixture/inline.h");
			assert_true(in->line > 0);
			assert_false(out->inlined);
			assert_string_equal(out->function, "__udp4_lib_rcv");
			/* Relative to the compilation directory. */
			assert_string_equal(out->file, "kernel/fixture.c");
			assert_true(out->line > 0);
		} else {
			assert_int_equal(info.nr_frames, 1);
			assert_false(info.frames[0].inlined);
		}
		dp_src_info_release(&info);
	}
	assert_true(seen);
	dp_dwarf_free(d);
}

static void assert_same_info(const struct dp_src_info *a, const struct dp_src_info *b)
{
	assert_string_equal(a->symbol, b->symbol);
	assert_int_equal(a->sym_offset, b->sym_offset);
	assert_int_equal(a->sym_size, b->sym_size);
	assert_int_equal(a->nr_frames, b->nr_frames);
	for (size_t i = 0; i < a->nr_frames; i++) {
		assert_string_equal(a->frames[i].function, b->frames[i].function);
		assert_string_equal(a->frames[i].file, b->frames[i].file);
		assert_int_equal(a->frames[i].line, b->frames[i].line);
		assert_int_equal(a->frames[i].column, b->frames[i].column);
		assert_int_equal(a->frames[i].inlined, b->frames[i].inlined);
	}
}

/* The strings are borrowed from the handle: they outlive the info that
 * had them (released here before they are read), and a file name is
 * joined once per handle, not once per address or per batch. */
static void test_borrowed_strings(void **state)
{
	struct dp_dwarf *d = open_ok(0, NULL);
	struct dp_src_info a, b;
	const char *fn, *file;

	assert_int_equal(dp_dwarf_resolve(d, A_UDP, &a), 0);
	assert_true(a.nr_frames >= 1);
	fn = a.frames[a.nr_frames - 1].function;
	file = a.frames[a.nr_frames - 1].file;
	dp_src_info_release(&a);
	assert_null(a.frames);
	assert_int_equal(dp_dwarf_resolve(d, A_UDP + 1, &b), 0);
	assert_string_equal(fn, "__udp4_lib_rcv");
	assert_string_equal(file, "kernel/fixture.c");
	/* Another batch, the same strings. */
	assert_ptr_equal(b.frames[b.nr_frames - 1].file, file);
	assert_ptr_equal(b.frames[b.nr_frames - 1].function, fn);
	dp_src_info_release(&b);
	dp_dwarf_free(d);
}

/* The running kernel is elsewhere: kallsyms says where, the symbolizer
 * shifts by run-time _stext - ELF _stext. */
static void test_kaslr(void **state)
{
	struct dp_ksyms *ks = NULL;
	const struct dp_ksym *stext, *text;
	struct dp_dwarf *plain = open_ok(0, NULL), *shifted, *by_text;
	struct fn fns[32];
	size_t nf = read_spec(fns, 32);

	assert_int_equal(dp_ksyms_load(&ks, KALLSYMS), 0);
	stext = dp_ksyms_by_name(ks, "_stext", NULL);
	text = dp_ksyms_by_name(ks, "_text", NULL);
	assert_non_null(stext);
	assert_non_null(text);
	assert_int_equal(stext->addr, DP_FIXTURE_STEXT + KASLR);
	shifted = open_ok(stext->addr, NULL);
	by_text = open_ok(text->addr, "_text");
	assert_int_equal(dp_dwarf_bias(shifted), (int64_t)KASLR);
	assert_int_equal(dp_dwarf_bias(by_text), (int64_t)KASLR);

	for (size_t i = 0; i < nf; i++) {
		const struct dp_ksym *k = dp_ksyms_by_name(ks, fns[i].name, NULL);

		struct dp_src_info want, got, got2;
		uint64_t size;

		assert_non_null(k);
		assert_int_equal(k->addr, fns[i].addr + KASLR);
		assert_int_equal(dp_dwarf_resolve(plain, fns[i].addr, &want), 0);
		size = want.sym_size;
		dp_src_info_release(&want);
		for (uint64_t off = 0; off < size && off < 0x100; off += 7) {

			assert_int_equal(dp_dwarf_resolve(plain, fns[i].addr + off, &want), 0);
			assert_int_equal(dp_dwarf_resolve(shifted, k->addr + off, &got), 0);
			assert_int_equal(dp_dwarf_resolve(by_text, k->addr + off, &got2), 0);
			assert_same_info(&want, &got);
			assert_same_info(&want, &got2);
			dp_src_info_release(&want);
			dp_src_info_release(&got);
			dp_src_info_release(&got2);
		}
	}
	/* The ELF address itself is now outside the kernel. */
	{
		struct dp_src_info info;

		assert_int_equal(dp_dwarf_resolve(shifted, fns[0].addr - KASLR, &info), -ENOENT);
	}
	dp_dwarf_free(plain);
	dp_dwarf_free(shifted);
	dp_dwarf_free(by_text);
	dp_ksyms_free(ks);
}

/* kallsyms gives up past 512 KiB (DP_KSYM_MAX_OFFSET); the ELF symbol
 * table knows big_function is 600 KiB. */
static void test_big_function(void **state)
{
	struct dp_dwarf *d = open_ok(0, NULL);
	uint64_t offs[] = { 0, DP_KSYM_MAX_OFFSET + 1, 600000, 614400 - 1 };
	struct ref refs[4];

	for (size_t i = 0; i < 4; i++) {
		struct dp_src_info info;

		refs[i].addr = A_BIG + offs[i];
		assert_int_equal(dp_dwarf_resolve(d, A_BIG + offs[i], &info), 0);
		assert_string_equal(info.symbol, "big_function");
		assert_int_equal(info.sym_offset, offs[i]);
		assert_int_equal(info.sym_size, 614400);
		assert_int_equal(info.nr_frames, 1);
		assert_string_equal(info.frames[0].function, "big_function");
		assert_true(info.frames[0].line > 0);
		dp_src_info_release(&info);
	}
	if (ref_addr2line(DP_FIXTURE_VMLINUX, NULL, refs, 4)) {
		for (size_t i = 0; i < 4; i++) {
			struct dp_src_info info;
			int r = dp_dwarf_resolve(d, refs[i].addr, &info);

			assert_same_as(&refs[i], &info, r);
			dp_src_info_release(&info);
		}
	}
	dp_dwarf_free(d);
}

static void test_no_function(void **state)
{
	struct dp_dwarf *d = open_ok(0, NULL);
	uint64_t addrs[] = { A_GAP, 0x1000, 0, UINT64_MAX, 0xffffffff81002100ULL + 0x10,
			     0xffffffffc0200010ULL };
	struct dp_src_info info;

	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		memset(&info, 0x55, sizeof(info));
		if (dp_dwarf_resolve(d, addrs[i], &info) != -ENOENT)
			fail_msg("0x%" PRIx64 " resolved", addrs[i]);
		/* Zeroed, and release is safe on it. */
		assert_null(info.symbol);
		assert_null(info.frames);
		assert_int_equal(info.nr_frames, 0);
		dp_src_info_release(&info);
	}
	dp_src_info_release(&info);
	dp_dwarf_free(NULL);
	dp_dwarf_free(d);
}

/* The batch call gives each address what the single call gives, in any
 * order, with repeats and unknown addresses among them; and matches
 * addr2line frame by frame. */
static void test_resolve_many(void **state)
{
	struct dp_dwarf *d = open_ok(0, NULL);
	static struct ref refs[160];
	size_t n = pick_addrs(refs, 150), total;
	uint64_t addrs[200];
	struct dp_src_info infos[200];
	bool have_ref;

	for (size_t i = 0; i < n; i++)
		addrs[i] = refs[i].addr;
	have_ref = ref_addr2line(DP_FIXTURE_VMLINUX, NULL, refs, n);
	/* Unknown ones, and repeats. */
	addrs[n] = A_GAP;
	addrs[n + 1] = 0;
	addrs[n + 2] = UINT64_MAX;
	addrs[n + 3] = 0xffffffffc0200010ULL;
	total = n + 4;
	for (size_t i = 0; i < 20; i++)
		addrs[total++] = addrs[(i * 37) % n];
	/* Reverse the lot: the order must not matter. */
	for (size_t i = 0; i < total / 2; i++) {
		uint64_t t = addrs[i];

		addrs[i] = addrs[total - 1 - i];
		addrs[total - 1 - i] = t;
	}
	memset(infos, 0x55, sizeof(infos));
	assert_int_equal(dp_dwarf_resolve_many(d, addrs, total, infos), 0);
	for (size_t i = 0; i < total; i++) {
		struct dp_src_info one;
		int r = dp_dwarf_resolve(d, addrs[i], &one);

		if (r == -ENOENT) {
			assert_null(infos[i].symbol);
			assert_null(infos[i].frames);
			assert_int_equal(infos[i].nr_frames, 0);
		} else {
			assert_int_equal(r, 0);
			assert_same_info(&one, &infos[i]);
		}
		for (size_t k = 0; have_ref && k < n; k++)
			if (refs[k].addr == addrs[i])
				assert_same_as(&refs[k], &infos[i], r);
		dp_src_info_release(&one);
		dp_src_info_release(&infos[i]);
	}
	assert_int_equal(dp_dwarf_resolve_many(d, addrs, 0, infos), 0);
	dp_dwarf_free(d);
}

static int no_elf(Dwfl_Module *mod, void **userdata, const char *modname,
		  Dwarf_Addr base, char **file_name, Elf **elfp)
{
	return -1;
}

static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	return -1;
}

/* The ELF symbol of an address is the one libdwfl's
 * dwfl_module_addrinfo() picks, over every few bytes of the text, the
 * gaps and past the end (the symbolizer's own index replaced it). */
static void test_symbols_as_libdwfl(void **state)
{
	static const Dwfl_Callbacks cb = {
		.find_elf = no_elf,
		.find_debuginfo = no_debuginfo,
		.section_address = dwfl_offline_section_address,
	};
	struct dp_dwarf *d = open_ok(0, NULL);
	Dwfl *dwfl = dwfl_begin(&cb);
	Dwfl_Module *mod;
	static uint64_t addrs[40000];
	static struct dp_src_info infos[40000];
	size_t n = 0, named = 0;

	assert_non_null(dwfl);
	dwfl_report_begin(dwfl);
	mod = dwfl_report_offline(dwfl, "vmlinux", DP_FIXTURE_VMLINUX, -1);
	assert_non_null(mod);
	assert_int_equal(dwfl_report_end(dwfl, NULL, NULL), 0);
	for (uint64_t a = DP_FIXTURE_STEXT - 0x40; a < 0xffffffff81003000ULL && n < 40000; a += 3)
		addrs[n++] = a;
	for (uint64_t a = A_BIG - 0x10; a < 0xffffffff811a0200ULL && n < 40000; a += 0x1001)
		addrs[n++] = a;
	assert_int_equal(dp_dwarf_resolve_many(d, addrs, n, infos), 0);
	for (size_t i = 0; i < n; i++) {
		GElf_Off off = 0;
		GElf_Sym sym;
		const char *want = dwfl_module_addrinfo(mod, addrs[i], &off, &sym,
							NULL, NULL, NULL);

		if (want && !want[0])
			want = NULL;
		if (!want != !infos[i].symbol ||
		    (want && (strcmp(want, infos[i].symbol) || off != infos[i].sym_offset ||
			      sym.st_size != infos[i].sym_size)))
			fail_msg("0x%" PRIx64 ": %s+%" PRIu64 "/%" PRIu64 ", libdwfl %s+%" PRIu64,
				 addrs[i], infos[i].symbol ? infos[i].symbol : "(none)",
				 infos[i].sym_offset, infos[i].sym_size, want ? want : "(none)",
				 (uint64_t)off);
		named += want != NULL;
		dp_src_info_release(&infos[i]);
	}
	assert_true(named > n / 8);
	dwfl_end(dwfl);
	dp_dwarf_free(d);
}

static void test_buildid(void **state)
{
	struct dp_dwarf_opts o = { .path = DP_FIXTURE_VMLINUX_NOID };
	struct dp_err err = DP_ERR_INIT;
	struct dp_dwarf *d = open_ok(0, NULL);
	char hex[DP_BUILDID_HEX_SIZE];

	assert_string_equal(dp_buildid_hex(dp_dwarf_buildid(d), hex, sizeof(hex)),
			    DP_FIXTURE_BUILDID);
	dp_dwarf_free(d);
	assert_int_equal(dp_dwarf_open(&d, &o, &err), 0);
	assert_int_equal(dp_dwarf_buildid(d)->len, 0);
	dp_dwarf_free(d);
	dp_err_release(&err);
}

static void assert_refused(const char *path, int want, const char *needle,
			   uint64_t stext, const char *stext_name)
{
	struct dp_dwarf_opts o = { .path = path, .runtime_stext = stext,
				   .stext_name = stext_name };
	struct dp_err err = DP_ERR_INIT;
	struct dp_dwarf *d = (struct dp_dwarf *)&o;   /* must become NULL */
	int r = dp_dwarf_open(&d, &o, &err);

	if (r != want)
		fail_msg("%s: %d, want %d (%s)", path, r, want, dp_err_msg(&err));
	assert_null(d);
	assert_null(strchr(dp_err_msg(&err), '\n'));
	if (!strstr(dp_err_msg(&err), needle))
		fail_msg("'%s' does not say '%s'", dp_err_msg(&err), needle);
	dp_err_release(&err);
}

static void test_bad_files(void **state)
{
	char *dir = dp_test_tmpdir(), *path = NULL, *cmd = NULL, *img;
	size_t len = 0;
	size_t cuts[] = { 0, 16, 64, 200, 4096, 0, 0, 0 };

	assert_refused("/nonexistent/vmlinux", -ENOENT, "/nonexistent/vmlinux", 0, NULL);
	assert_refused(DP_FIXTURE_VMLINUX, -EINVAL, "'_etext_nope'", DP_FIXTURE_STEXT,
		       "_etext_nope");

	assert_true(asprintf(&path, "%s/vmlinux", dir) > 0);
	dp_test_spill(path, "\x7f" "ELF garbage garbage garbage garbage garbage", 44);
	assert_refused(path, -EINVAL, path, 0, NULL);

	img = dp_test_slurp(DP_FIXTURE_VMLINUX, &len);
	assert_non_null(img);
	cuts[5] = len / 2;
	cuts[6] = len - 1500;       /* inside the symbol and string tables */
	cuts[7] = len - 1;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		dp_test_spill(path, img, cuts[i]);
		assert_refused(path, -EINVAL, path, 0, NULL);
	}

	/* Garbage over the DWARF, the ELF intact: refused at open or, where
	 * libdw cannot tell, resolves to something or nothing; never a
	 * crash. */
	for (size_t at = 0x9b000; at + 64 < len; at += 0x101) {
		struct dp_dwarf_opts o = { .path = path };
		struct dp_err err = DP_ERR_INIT;
		struct dp_dwarf *d = NULL;
		char *bad = malloc(len);

		assert_non_null(bad);
		memcpy(bad, img, len);
		for (size_t k = 0; k < 64; k++)
			bad[at + k] = (char)(0xa5 ^ (k * 37));
		dp_test_spill(path, bad, len);
		free(bad);
		if (dp_dwarf_open(&d, &o, &err) == 0) {
			for (uint64_t a = A_UDP; a < A_UDP + 0x60; a += 3) {
				struct dp_src_info info;

				if (dp_dwarf_resolve(d, a, &info) == 0)
					dp_src_info_release(&info);
			}
			dp_dwarf_free(d);
		}
		dp_err_release(&err);
	}
	free(img);

	/* An ELF without DWARF (what /boot/vmlinux often is). */
	assert_true(asprintf(&cmd, "objcopy --strip-debug '%s' '%s' 2>/dev/null",
			     DP_FIXTURE_VMLINUX, path) > 0);
	if (system(cmd) == 0)
		assert_refused(path, -EINVAL, "no DWARF", 0, NULL);
	else
		print_message("objcopy not found: the stripped file is not tried\n");
	free(cmd);
	unlink(path);
	free(path);
	dp_test_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_match_addr2line),
		cmocka_unit_test(test_inlined_frame),
		cmocka_unit_test(test_borrowed_strings),
		cmocka_unit_test(test_kaslr),
		cmocka_unit_test(test_big_function),
		cmocka_unit_test(test_no_function),
		cmocka_unit_test(test_resolve_many),
		cmocka_unit_test(test_symbols_as_libdwfl),
		cmocka_unit_test(test_buildid),
		cmocka_unit_test(test_bad_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
