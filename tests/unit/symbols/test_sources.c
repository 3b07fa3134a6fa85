/* Tests of symbols/sources.c: a profile's names get source lines from the
 * fixture vmlinux, under KASLR (the fixture kallsyms is the ELF shifted by
 * 0x2e00000), each looked up at the call before the return address; an
 * address kallsyms cannot name (over 512 KiB into a function) is named
 * from the ELF symbol table, which knows the size; module addresses are
 * left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dropprof/symbols/dwarf.h"
#include "dropprof/symbols/ksym.h"
#include "dropprof/symbols/sources.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/util/error.h"

#define SHIFT 0x2e00000ULL
#define UDP (0xffffffff81001000ULL + SHIFT)     /* __udp4_lib_rcv */
#define BIG (0xffffffff81100000ULL + SHIFT)     /* big_function, 600 KiB */
#define MOD 0xffffffffc0200040ULL

/* Names as profile/names.c gives them: from kallsyms. */
static void add_named(struct dp_symmap *m, const struct dp_ksyms *ks, uint64_t addr)
{
	uint64_t off = 0;
	const struct dp_ksym *s = dp_ksyms_find(ks, addr, &off);

	assert_int_equal(dp_symmap_add_addr(m, addr, s ? s->name : NULL,
					    s ? s->module : NULL, off), 0);
}

/* What binutils says for the ELF address of a run-time address - 1. */
static void addr2line(uint64_t runtime, char *fn, size_t fnsz, char *loc,
		      size_t locsz)
{
	char cmd[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "addr2line -f -e '%s' 0x%llx", DP_FIXTURE_VMLINUX,
		 (unsigned long long)(runtime - SHIFT - 1));
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(fn, (int)fnsz, p));
	assert_non_null(fgets(loc, (int)locsz, p));
	pclose(p);
	fn[strcspn(fn, "\n")] = '\0';
	loc[strcspn(loc, "\n")] = '\0';
}

static void test_lines_names_modules(void **state)
{
	struct dp_dwarf_opts o = { .path = DP_FIXTURE_VMLINUX,
				   .runtime_stext = DP_FIXTURE_STEXT + SHIFT };
	struct dp_err err = DP_ERR_INIT;
	struct dp_sources_stats st;
	const struct dp_symmap_entry *e;
	struct dp_dwarf *d;
	struct dp_ksyms *ks;
	struct dp_symmap m;
	char fn[256], loc[512], want[600];
	(void)state;

	assert_int_equal(dp_ksyms_load(&ks, "tests/fixtures/vmlinux/kallsyms"), 0);
	dp_symmap_init(&m);
	for (uint64_t off = 0x10; off < 0x9c0; off += 0x50)
		add_named(&m, ks, UDP + off);
	add_named(&m, ks, UDP + 0x1e);       /* inside the inlined helper */
	add_named(&m, ks, BIG + 0x90000);    /* past kallsyms' 512 KiB */
	assert_int_equal(dp_symmap_add_addr(&m, MOD, "nft_do_chain", "nf_tables", 0x30), 0);
	assert_int_equal(dp_symmap_sort(&m), 0);
	e = dp_symmap_addr(&m, BIG + 0x90000);
	assert_null(e->name);

	assert_int_equal(dp_dwarf_open(&d, &o, &err), 0);
	assert_int_equal(dp_sources_add(&m, d, &st), 0);
	assert_int_equal(st.addrs, 33);
	assert_int_equal(st.named, 1);
	assert_true(st.with_lines >= 30);

	/* Every __udp4_lib_rcv address: the outer frame's function and the
	 * innermost line are what addr2line says for addr - 1. */
	for (uint64_t off = 0x10; off < 0x9c0; off += 0x50) {
		e = dp_symmap_addr(&m, UDP + off);
		assert_non_null(e);
		assert_true(e->nr_src >= 1);
		assert_string_equal(e->name, "__udp4_lib_rcv");
		assert_string_equal(e->src[e->nr_src - 1].function, "__udp4_lib_rcv");
		addr2line(UDP + off, fn, sizeof(fn), loc, sizeof(loc));
		snprintf(want, sizeof(want), "/usr/src/linux-fixture/%s:%u",
			 e->src[0].file, e->src[0].line);
		assert_string_equal(want, loc);
		assert_string_equal(e->src[0].function, fn);
	}
	e = dp_symmap_addr(&m, UDP + 0x1e);
	assert_true(e->nr_src >= 2);
	assert_true(e->src[0].inlined);
	assert_string_equal(e->src[0].function, "__udp4_lib_rcv_helper");
	assert_false(e->src[e->nr_src - 1].inlined);
	assert_int_equal(st.with_inline, 1);
	/* Named from the ELF symbol table, offset from the function start. */
	e = dp_symmap_addr(&m, BIG + 0x90000);
	assert_string_equal(e->name, "big_function");
	assert_int_equal(e->offset, 0x90000);
	assert_null(e->module);
	/* A module address keeps its kallsyms name and gets no lines here. */
	e = dp_symmap_addr(&m, MOD);
	assert_string_equal(e->name, "nft_do_chain");
	assert_int_equal(e->nr_src, 0);

	dp_dwarf_free(d);
	dp_symmap_release(&m);
	dp_ksyms_free(ks);
	dp_err_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_names_modules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
