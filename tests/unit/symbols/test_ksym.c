/* test_ksym — unit tests for the kallsyms table (src/ksym.c).
 *
 * Fixtures in tests/fixtures/ksym/ (run from the repository root):
 *   kallsyms             x86-64 layout, vmlinux then two modules, with
 *                        __pfx_ padding, aliases and data symbols
 *   kallsyms-restricted  the same with every address zeroed
 *   kallsyms-arm64       modules below the kernel, one name in three places
 *   kallsyms-markers     lines of a real 6.18 x86-64 /proc/kallsyms: functions
 *                        whose names look like markers (__key_link_end,
 *                        __start_tty, __end_swap_bio_read, _erofs_printk) and
 *                        the real section markers around them
 *   no-text, empty       nothing to keep
 *   garbage              malformed lines around a few good ones
 * The last test reads the running kernel's /proc/kallsyms and skips when
 * it is unreadable or restricted; it checks that every function the kernel
 * pads (a __pfx_ twin proves it is a function) is found by its address.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dropprof/symbols/ksym.h"

#define FIXTURE(name) "tests/fixtures/ksym/" name

/* Addresses from tests/fixtures/ksym/kallsyms. */
#define A_TEXT          0xffffffff81000000ULL
#define A_IP_RCV        0xffffffff81000110ULL
#define A_IP_RCV_CORE   0xffffffff81000210ULL
#define A_PFX_KFREE     0xffffffff81000300ULL
#define A_KFREE         0xffffffff81000310ULL
#define A_IDLE_DEAD     0xffffffff81000400ULL
#define A_ARCH_DUP      0xffffffff81000500ULL
#define A_PFX_UDP       0xffffffff81000600ULL
#define A_UDP_RCV       0xffffffff81000610ULL
#define A_ETEXT         0xffffffff81000700ULL
#define A_NFT_DO_CHAIN  0xffffffffc0200010ULL
#define A_NFT_TRACE     0xffffffffc0200410ULL
#define A_CT_IN         0xffffffffc0300010ULL
#define A_CT_LAST       0xffffffffc0300800ULL
#define FIXTURE_KEPT    15

static struct dp_ksyms *load_ok(const char *path)
{
	struct dp_ksyms *ks = NULL;

	assert_int_equal(dp_ksyms_load(&ks, path), 0);
	assert_non_null(ks);
	return ks;
}

static int setup_fixture(void **state)
{
	*state = load_ok(FIXTURE("kallsyms"));
	return 0;
}

static int teardown_fixture(void **state)
{
	dp_ksyms_free(*state);
	return 0;
}

/* find() must hit a symbol called name, starting at start. */
static void assert_find(const struct dp_ksyms *ks, uint64_t addr,
			const char *name, uint64_t start)
{
	const struct dp_ksym *s;
	uint64_t off = 0xdeadbeef;

	s = dp_ksyms_find(ks, addr, &off);
	assert_non_null(s);
	assert_string_equal(s->name, name);
	assert_int_equal(s->addr, start);
	assert_int_equal(off, addr - start);
}

static void test_count(void **state)
{
	const struct dp_ksyms *ks = *state;

	/* Text symbols only, __pfx_ dropped. */
	assert_int_equal(dp_ksyms_count(ks), FIXTURE_KEPT);
	assert_false(dp_ksyms_restricted(ks));
}

static void test_find_exact(void **state)
{
	const struct dp_ksyms *ks = *state;

	assert_find(ks, A_IP_RCV, "ip_rcv", A_IP_RCV);
	assert_find(ks, A_IP_RCV_CORE, "ip_rcv_core", A_IP_RCV_CORE);
	assert_find(ks, A_UDP_RCV, "udp_rcv", A_UDP_RCV);
	/* The first symbols of the table, _text and _stext, are markers
	 * (test_markers): they name no function. */
	assert_null(dp_ksyms_find(ks, A_TEXT, NULL));
}

static void test_find_mid(void **state)
{
	const struct dp_ksyms *ks = *state;

	assert_find(ks, A_IP_RCV + 0x1a, "ip_rcv", A_IP_RCV);
	/* The last byte before ip_rcv_core's padding still belongs to ip_rcv. */
	assert_find(ks, A_IP_RCV_CORE - 0x11, "ip_rcv", A_IP_RCV);
	/* Inside ip_rcv_core's (dropped) __pfx_ padding. */
	assert_find(ks, A_IP_RCV_CORE - 1, "ip_rcv", A_IP_RCV);
	assert_find(ks, A_UDP_RCV + 0xef, "udp_rcv", A_UDP_RCV);
}

static void test_find_offset_optional(void **state)
{
	const struct dp_ksyms *ks = *state;
	const struct dp_ksym *s = dp_ksyms_find(ks, A_IP_RCV + 4, NULL);

	assert_non_null(s);
	assert_string_equal(s->name, "ip_rcv");
}

static void test_find_below_first(void **state)
{
	const struct dp_ksyms *ks = *state;
	uint64_t off = 77;

	assert_null(dp_ksyms_find(ks, 0, &off));
	/* cpu_number (D) sits at 0x1000: data must not become a floor. */
	assert_null(dp_ksyms_find(ks, 0x1000, &off));
	assert_null(dp_ksyms_find(ks, A_TEXT - 1, &off));
	assert_int_equal(off, 77);
}

static void test_find_past_last(void **state)
{
	const struct dp_ksyms *ks = *state;

	/* nf_conntrack_last only marks the end of the table. */
	assert_null(dp_ksyms_find(ks, A_CT_LAST, NULL));
	assert_null(dp_ksyms_find(ks, A_CT_LAST + 1, NULL));
	assert_null(dp_ksyms_find(ks, UINT64_MAX, NULL));
	/* ...but the byte before it is still inside nf_conntrack_in. */
	assert_find(ks, A_CT_LAST - 1, "nf_conntrack_in", A_CT_IN);
}

static void test_find_aliases(void **state)
{
	const struct dp_ksyms *ks = *state;

	/* A local alias listed first loses to the global symbol. */
	assert_find(ks, A_KFREE, "kfree_skb_list_reason", A_KFREE);
	/* A weak default listed first loses to the strong definition. */
	assert_find(ks, A_ARCH_DUP + 2, "arch_strong_override", A_ARCH_DUP);
	/* A weak symbol alone is still a function. */
	assert_find(ks, A_IDLE_DEAD + 1, "arch_cpu_idle_dead", A_IDLE_DEAD);
}

static void test_find_skips_data(void **state)
{
	const struct dp_ksyms *ks = *state;

	/* D, b, R and A symbols inside kfree_skb_list_reason's range. */
	assert_find(ks, 0xffffffff81000380ULL, "kfree_skb_list_reason", A_KFREE);
	assert_find(ks, 0xffffffff81000398ULL, "kfree_skb_list_reason", A_KFREE);
	assert_find(ks, 0xffffffff810003a0ULL, "kfree_skb_list_reason", A_KFREE);
	assert_find(ks, 0xffffffff810003b4ULL, "kfree_skb_list_reason", A_KFREE);
	/* A module's data symbol does not split its text either. */
	assert_find(ks, 0xffffffffc0200800ULL, "nft_trace_notify", A_NFT_TRACE);
	assert_null(dp_ksyms_by_name(ks, "data_in_text", NULL));
	assert_null(dp_ksyms_by_name(ks, "init_net", NULL));
}

static void test_pfx_never_returned(void **state)
{
	const struct dp_ksyms *ks = *state;
	static const uint64_t pfx[] = {
		0xffffffff81000100ULL, 0xffffffff81000200ULL, A_PFX_KFREE,
		A_PFX_UDP, 0xffffffffc0200000ULL, 0xffffffffc0200400ULL,
		0xffffffffc0300000ULL,
	};

	for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		for (uint64_t d = 0; d < 0x20; d++) {
			const struct dp_ksym *s = dp_ksyms_find(ks, pfx[i] + d, NULL);

			if (s)
				assert_int_not_equal(strncmp(s->name, "__pfx_", 6), 0);
		}
	}
	/* The padding belongs to the function before it. */
	assert_find(ks, A_PFX_UDP, "arch_strong_override", A_ARCH_DUP);
	assert_find(ks, A_PFX_KFREE + 0xf, "ip_rcv_core", A_IP_RCV_CORE);
	assert_null(dp_ksyms_by_name(ks, "__pfx_udp_rcv", NULL));
	assert_null(dp_ksyms_by_name(ks, "__pfx_nft_do_chain", NULL));
}

static void test_modules(void **state)
{
	const struct dp_ksyms *ks = *state;
	const struct dp_ksym *a, *b, *c, *v;
	uint64_t off;

	a = dp_ksyms_find(ks, A_NFT_DO_CHAIN + 0x40, &off);
	assert_non_null(a);
	assert_string_equal(a->name, "nft_do_chain");
	assert_non_null(a->module);
	assert_string_equal(a->module, "nf_tables");
	assert_int_equal(off, 0x40);

	b = dp_ksyms_find(ks, A_NFT_TRACE, NULL);
	assert_non_null(b);
	assert_string_equal(b->name, "nft_trace_notify");
	/* Interned: one copy of "nf_tables" for all its symbols. */
	assert_ptr_equal(a->module, b->module);

	c = dp_ksyms_find(ks, A_CT_IN + 0x10, NULL);
	assert_non_null(c);
	assert_string_equal(c->module, "nf_conntrack");
	assert_ptr_not_equal(a->module, c->module);

	v = dp_ksyms_find(ks, A_UDP_RCV, NULL);
	assert_non_null(v);
	assert_null(v->module);

	/* Past the last nf_tables symbol it is still nft_trace_notify (no
	 * sizes are known) up to DP_KSYM_MAX_OFFSET, and unknown beyond. */
	assert_find(ks, A_NFT_TRACE + DP_KSYM_MAX_OFFSET, "nft_trace_notify",
		    A_NFT_TRACE);
	assert_null(dp_ksyms_find(ks, A_NFT_TRACE + DP_KSYM_MAX_OFFSET + 1, NULL));
	/* A section end marker contains nothing. */
	assert_null(dp_ksyms_find(ks, 0xffffffff81000700ULL + 0x10, NULL));
}

static void test_by_name(void **state)
{
	const struct dp_ksyms *ks = *state;
	const struct dp_ksym *s;
	uint64_t end = 0;

	s = dp_ksyms_by_name(ks, "ip_rcv", &end);
	assert_non_null(s);
	assert_int_equal(s->addr, A_IP_RCV);
	assert_int_equal(end, A_IP_RCV_CORE);
	assert_null(s->module);

	/* End skips aliases at the same address: the next distinct one. */
	s = dp_ksyms_by_name(ks, "_text", &end);
	assert_non_null(s);
	assert_int_equal(end, A_IP_RCV);
	s = dp_ksyms_by_name(ks, "_stext", &end);
	assert_non_null(s);
	assert_int_equal(s->addr, A_TEXT);
	assert_int_equal(end, A_IP_RCV);

	/* Data symbols do not end a function. */
	s = dp_ksyms_by_name(ks, "kfree_skb_list_reason", &end);
	assert_non_null(s);
	assert_int_equal(end, A_IDLE_DEAD);

	/* Across a module boundary, end is just the next address. */
	s = dp_ksyms_by_name(ks, "nft_trace_notify", &end);
	assert_non_null(s);
	assert_string_equal(s->module, "nf_tables");
	assert_int_equal(end, A_CT_IN);

	/* The end marker is empty. */
	s = dp_ksyms_by_name(ks, "nf_conntrack_last", &end);
	assert_non_null(s);
	assert_int_equal(end, A_CT_LAST);

	s = dp_ksyms_by_name(ks, "udp_rcv", NULL);
	assert_non_null(s);
	assert_int_equal(s->addr, A_UDP_RCV);

	assert_null(dp_ksyms_by_name(ks, "no_such_function", &end));
	assert_null(dp_ksyms_by_name(ks, "ip_rc", NULL));
	assert_null(dp_ksyms_by_name(ks, "", NULL));
}

static void test_by_name_prefers_vmlinux(void **state)
{
	struct dp_ksyms *ks = load_ok(FIXTURE("kallsyms-arm64"));
	const struct dp_ksym *s;
	uint64_t end = 0;

	(void)state;
	assert_int_equal(dp_ksyms_count(ks), 7);
	/* arm64 puts modules below the kernel, so two module copies of
	 * init_once come first in address order. */
	s = dp_ksyms_by_name(ks, "init_once", &end);
	assert_non_null(s);
	assert_null(s->module);
	assert_int_equal(s->addr, 0xffff800080020010ULL);
	assert_int_equal(end, 0xffff800080030000ULL);

	/* Only in modules: the first one. */
	s = dp_ksyms_by_name(ks, "nft_do_chain", &end);
	assert_non_null(s);
	assert_string_equal(s->module, "nf_tables");
	assert_int_equal(end, 0xffff800000020400ULL);

	/* A module's last symbol runs on, but no further than a function
	 * could be long. */
	assert_null(dp_ksyms_find(ks, 0xffff80007fffffffULL, NULL));
	s = dp_ksyms_find(ks, 0xffff800000020400ULL + 0x1000, NULL);
	assert_non_null(s);
	assert_string_equal(s->name, "init_once");
	assert_string_equal(s->module, "nf_tables");
	dp_ksyms_free(ks);
}

/* Real functions whose names end in _end or start like a section symbol
 * are functions; only linker-section markers name nothing. */
static void test_markers(void **state)
{
	struct dp_ksyms *ks = load_ok(FIXTURE("kallsyms-markers"));
	static const struct {
		const char *name;
		uint64_t addr;
	} funcs[] = {
		{ "__mmu_notifier_invalidate_range_end", 0xffffffff8167ef50ULL },
		{ "__key_link_end", 0xffffffff81ab16f0ULL },
		{ "__hugetlb_zap_end", 0xffffffff8166c300ULL },
		{ "__end_swap_bio_read", 0xffffffff81659050ULL },
		{ "__stop_tty", 0xffffffff81d43310ULL },
		{ "__start_tty", 0xffffffff81d43360ULL },
		{ "_erofs_printk", 0xffffffff81225e80ULL },
		{ "__SCT__tp_func_ma_write", 0xffffffff82276980ULL },
		{ "io_schedule_timeout", 0xffffffff82265250ULL },
		{ "__do_softirq", 0xffffffff8226fa10ULL },
		{ "set_reset_devices", 0xffffffff8377f010ULL },
		{ "use_tpause_delay", 0xffffffff837f5850ULL },
	};
	static const uint64_t in_no_function[] = {
		0xffffffff82276988ULL + 0x10,   /* _etext: rodata follows */
		0xffffffff837f5870ULL + 0x10,   /* _einittext */
		0xffffffff8226df62ULL + 0x4,    /* __sched_text_end */
		0xffffffff8226f9f1ULL + 0x4,    /* __lock_text_end */
		0xffffffff8226fa1cULL + 0x2,    /* __softirqentry_text_end */
		0xffffffff810018e6ULL + 0x2,    /* __end_entry_SYSENTER_compat */
		0xffffffff82265240ULL + 0x8,    /* __sched_text_start (padding) */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		assert_find(ks, funcs[i].addr, funcs[i].name, funcs[i].addr);
		assert_find(ks, funcs[i].addr + 3, funcs[i].name, funcs[i].addr);
	}
	for (size_t i = 0; i < sizeof(in_no_function) / sizeof(in_no_function[0]); i++) {
		const struct dp_ksym *s = dp_ksyms_find(ks, in_no_function[i], NULL);

		if (s)
			fail_msg("0x%llx resolved to '%s', a section marker",
				 (unsigned long long)in_no_function[i], s->name);
	}
	/* A marker at a function's address never takes its name, whatever
	 * the file order. */
	assert_find(ks, 0xffffffff81000f70ULL + 0x20,
		    "swapgs_restore_regs_and_return_to_usermode", 0xffffffff81000f70ULL);
	assert_find(ks, 0xffffffff82260f80ULL, "__bhi_args", 0xffffffff82260f80ULL);
	assert_find(ks, 0xffffffff81000000ULL, "srso_alias_untrain_ret",
		    0xffffffff81000000ULL);
	/* Markers are still there by name (profiles keep _stext). */
	assert_non_null(dp_ksyms_by_name(ks, "_stext", NULL));
	assert_non_null(dp_ksyms_by_name(ks, "_etext", NULL));
	dp_ksyms_free(ks);
}

/* The marker listed first at a function's address, and alone: a file
 * order kallsyms can have (sorting is by address only). */
static void test_marker_listed_first(void **state)
{
	static const char text[] =
		"ffffffff81000000 T _stext\n"
		"ffffffff81000000 T first_func\n"
		"ffffffff81000100 T __irqentry_text_end\n"
		"ffffffff81000100 t common_interrupt_return\n"
		"ffffffff81000200 T __sched_text_end\n"
		"ffffffff81000300 T last_func\n"
		"ffffffff81000400 T _etext\n";
	char path[] = "/tmp/test_ksym.XXXXXX";
	struct dp_ksyms *ks;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	assert_int_equal(close(fd), 0);
	ks = load_ok(path);
	unlink(path);
	assert_find(ks, 0xffffffff81000004ULL, "first_func", 0xffffffff81000000ULL);
	assert_find(ks, 0xffffffff81000104ULL, "common_interrupt_return",
		    0xffffffff81000100ULL);
	assert_null(dp_ksyms_find(ks, 0xffffffff81000204ULL, NULL));
	assert_find(ks, 0xffffffff81000304ULL, "last_func", 0xffffffff81000300ULL);
	dp_ksyms_free(ks);
}

static void test_restricted(void **state)
{
	struct dp_ksyms *ks = load_ok(FIXTURE("kallsyms-restricted"));

	(void)state;
	assert_true(dp_ksyms_restricted(ks));
	assert_int_equal(dp_ksyms_count(ks), FIXTURE_KEPT);
	assert_null(dp_ksyms_find(ks, 0, NULL));
	assert_null(dp_ksyms_find(ks, 1, NULL));
	assert_null(dp_ksyms_find(ks, A_IP_RCV, NULL));
	assert_null(dp_ksyms_by_name(ks, "ip_rcv", NULL));
	dp_ksyms_free(ks);
}

static void assert_load_fails(const char *path, int want)
{
	struct dp_ksyms *ks = (struct dp_ksyms *)(uintptr_t)1; /* must be reset */

	assert_int_equal(dp_ksyms_load(&ks, path), want);
	assert_null(ks);
}

static void test_empty(void **state)
{
	(void)state;
	assert_load_fails(FIXTURE("empty"), -EINVAL);
}

static void test_no_text(void **state)
{
	(void)state;
	/* Valid lines, but data symbols and padding only. */
	assert_load_fails(FIXTURE("no-text"), -EINVAL);
}

static void test_missing(void **state)
{
	(void)state;
	assert_load_fails(FIXTURE("does-not-exist"), -ENOENT);
	/* A directory opens but cannot be read. */
	assert_load_fails(FIXTURE(""), -EISDIR);
}

static void test_garbage(void **state)
{
	struct dp_ksyms *ks = load_ok(FIXTURE("garbage"));
	static const char *const bad[] = {
		"bad_hex", "seventeen_digits", "two_char_type", "no_space",
		"leading_space", "mod_unterminated", "mod_empty", "mod_junk",
		"trailing", "negative", "c_prefix", "ctl", "ctl\001char",
	};
	const struct dp_ksym *s;
	uint64_t end;

	(void)state;
	assert_int_equal(dp_ksyms_count(ks), 4);
	assert_false(dp_ksyms_restricted(ks));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(dp_ksyms_by_name(ks, bad[i], NULL));

	/* Rejected lines at 0x...200 do not split good_one. */
	assert_find(ks, 0xffffffff81000200ULL, "good_one", 0xffffffff81000100ULL);
	/* CRLF: the name stops before the \r. */
	s = dp_ksyms_by_name(ks, "good_two", &end);
	assert_non_null(s);
	assert_int_equal(end, 0xffffffff81000400ULL);
	s = dp_ksyms_find(ks, 0xffffffff81000400ULL, NULL);
	assert_non_null(s);
	assert_string_equal(s->module, "mymod");
	/* The last line has no newline and still counts. */
	s = dp_ksyms_by_name(ks, "good_end", NULL);
	assert_non_null(s);
	assert_int_equal(s->addr, 0xffffffff81000500ULL);
	dp_ksyms_free(ks);
}

/* Write bytes to a temporary file; the caller unlinks it. */
static void write_tmp(char *path, const void *data, size_t len)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void test_binary_and_long_lines(void **state)
{
	/* Bytes a text fixture cannot hold: NULs, and a name far longer
	 * than any buffer a fixed-size reader might use. */
	static const char head[] =
		"ffffffff81000000 T first\n"
		"ffffffff81000010 T nul\0name\n"
		"\0\0\0\0\n"
		"ffffffff81000020 T ";
	static const char tail[] = "\nffffffff81000030 T last\n";
	size_t long_len = 1 << 20;
	size_t len = sizeof(head) - 1 + long_len + sizeof(tail) - 1;
	char *data = malloc(len);
	char path[] = "/tmp/test_ksym.XXXXXX";
	struct dp_ksyms *ks;
	const struct dp_ksym *s;

	(void)state;
	assert_non_null(data);
	memcpy(data, head, sizeof(head) - 1);
	memset(data + sizeof(head) - 1, 'x', long_len);
	memcpy(data + sizeof(head) - 1 + long_len, tail, sizeof(tail) - 1);
	write_tmp(path, data, len);
	free(data);

	ks = load_ok(path);
	unlink(path);
	assert_int_equal(dp_ksyms_count(ks), 3);
	assert_null(dp_ksyms_by_name(ks, "nul", NULL));
	s = dp_ksyms_find(ks, 0xffffffff81000025ULL, NULL);
	assert_non_null(s);
	assert_int_equal(strlen(s->name), long_len);
	assert_find(ks, 0xffffffff81000015ULL, "first", 0xffffffff81000000ULL);
	dp_ksyms_free(ks);
}

static void test_free_null(void **state)
{
	(void)state;
	dp_ksyms_free(NULL);
	assert_int_equal(dp_ksyms_count(NULL), 0);
	assert_false(dp_ksyms_restricted(NULL));
	assert_null(dp_ksyms_find(NULL, A_IP_RCV, NULL));
	assert_null(dp_ksyms_by_name(NULL, "ip_rcv", NULL));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every function the kernel pads has a __pfx_ twin: proof that it
 * is a function, whatever its name looks like.  Each must be found by its
 * address (under its own name or an alias at that address).  Returns how
 * many were not. */
static size_t check_padded_functions(const struct dp_ksyms *ks, size_t *checked)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char *line = NULL, **pfx = NULL;
	size_t cap = 0, n = 0, pcap = 0, missing = 0;
	struct { uint64_t addr; char *name; } *fn = NULL;
	size_t nfn = 0, fcap = 0;

	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		unsigned long long addr;
		char type, name[512];

		if (sscanf(line, "%llx %c %511s", &addr, &type, name) != 3)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (!strncmp(name, "__pfx_", 6)) {
			if (n == pcap) {
				pcap = pcap ? pcap * 2 : 4096;
				pfx = realloc(pfx, pcap * sizeof(*pfx));
				assert_non_null(pfx);
			}
			pfx[n] = strdup(name + 6);
			assert_non_null(pfx[n]);
			n++;
			continue;
		}
		if (nfn == fcap) {
			fcap = fcap ? fcap * 2 : 4096;
			fn = realloc(fn, fcap * sizeof(*fn));
			assert_non_null(fn);
		}
		fn[nfn].addr = addr;
		fn[nfn].name = strdup(name);
		assert_non_null(fn[nfn].name);
		nfn++;
	}
	free(line);
	fclose(f);
	if (n)
		qsort(pfx, n, sizeof(*pfx), cmp_str);
	*checked = 0;
	for (size_t i = 0; i < nfn; i++) {
		const struct dp_ksym *s;

		if (!n || !bsearch(&fn[i].name, pfx, n, sizeof(*pfx), cmp_str))
			continue;
		(*checked)++;
		s = dp_ksyms_find(ks, fn[i].addr, NULL);
		if (!s || s->addr != fn[i].addr) {
			if (missing++ < 10)
				print_message("function '%s' at 0x%llx resolves to %s\n",
					      fn[i].name, (unsigned long long)fn[i].addr,
					      s ? s->name : "nothing");
		}
	}
	for (size_t i = 0; i < n; i++)
		free(pfx[i]);
	free(pfx);
	for (size_t i = 0; i < nfn; i++)
		free(fn[i].name);
	free(fn);
	return missing;
}

static void test_real_kallsyms(void **state)
{
	struct dp_ksyms *ks = NULL;
	const struct dp_ksym *s, *f;
	uint64_t end = 0, off = 0;
	int err;

	(void)state;
	err = dp_ksyms_load(&ks, "/proc/kallsyms");
	if (err) {
		print_message("skip: cannot read /proc/kallsyms: %s\n", strerror(-err));
		skip();
	}
	if (dp_ksyms_restricted(ks)) {
		print_message("skip: /proc/kallsyms is restricted (run as root or set kernel.kptr_restrict=0)\n");
		dp_ksyms_free(ks);
		skip();
	}
	assert_true(dp_ksyms_count(ks) > 10000);

	s = dp_ksyms_by_name(ks, "__udp4_lib_rcv", &end);
	assert_non_null(s);
	assert_null(s->module);
	assert_true(end > s->addr + 5);
	f = dp_ksyms_find(ks, s->addr + 5, &off);
	assert_ptr_equal(f, s);
	assert_int_equal(off, 5);
	assert_null(dp_ksyms_by_name(ks, "__pfx___udp4_lib_rcv", NULL));

	{
		size_t checked = 0, missing = check_padded_functions(ks, &checked);

		/* A kernel without CONFIG_FUNCTION_PADDING_BYTES has no
		 * __pfx_ twins and checks nothing here. */
		if (missing)
			fail_msg("%zu of %zu padded functions are not found by their address",
				 missing, checked);
	}
	dp_ksyms_free(ks);
}

int main(void)
{
	const struct CMUnitTest fixture_tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_find_exact),
		cmocka_unit_test(test_find_mid),
		cmocka_unit_test(test_find_offset_optional),
		cmocka_unit_test(test_find_below_first),
		cmocka_unit_test(test_find_past_last),
		cmocka_unit_test(test_find_aliases),
		cmocka_unit_test(test_find_skips_data),
		cmocka_unit_test(test_pfx_never_returned),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_by_name),
	};
	const struct CMUnitTest file_tests[] = {
		cmocka_unit_test(test_by_name_prefers_vmlinux),
		cmocka_unit_test(test_markers),
		cmocka_unit_test(test_marker_listed_first),
		cmocka_unit_test(test_restricted),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_no_text),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_binary_and_long_lines),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_real_kallsyms),
	};
	int fail = 0;

	fail += cmocka_run_group_tests_name("ksym fixture", fixture_tests,
					    setup_fixture, teardown_fixture);
	fail += cmocka_run_group_tests_name("ksym files", file_tests, NULL, NULL);
	return fail ? 1 : 0;
}
