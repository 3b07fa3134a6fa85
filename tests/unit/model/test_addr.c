/* Tests of the one address formatter (model/addr.c): the three forms,
 * module and vmlinux functions, unknown addresses, no names at all. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dropprof/model/addr.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/util/strbuf.h"

#define UDP 0xffffffff81000630ULL
#define NFT 0xffffffffc0200040ULL
#define RAW 0xffffffffa0000000ULL

static void expect(const struct dp_symmap *m, uint64_t addr,
		   enum dp_addr_style style, const char *want)
{
	struct dp_strbuf sb = DP_STRBUF_INIT;

	/* It appends. */
	assert_int_equal(dp_strbuf_adds(&sb, "<"), 0);
	assert_int_equal(dp_addr_format(&sb, m, addr, style), 0);
	assert_string_equal(sb.buf + 1, want);
	assert_int_equal(sb.len, strlen(want) + 1);
	dp_strbuf_release(&sb);
}

static void test_forms(void **state)
{
	struct dp_symmap m;
	(void)state;

	dp_symmap_init(&m);
	assert_int_equal(dp_symmap_add_addr(&m, UDP, "udp_rcv", NULL, 0x20), 0);
	assert_int_equal(dp_symmap_add_addr(&m, NFT, "nft_do_chain", "nf_tables", 0x1a), 0);
	assert_int_equal(dp_symmap_add_addr(&m, RAW, NULL, NULL, 0), 0);
	assert_int_equal(dp_symmap_sort(&m), 0);

	expect(&m, UDP, DP_ADDR_SITE, "udp_rcv+0x20");
	expect(&m, UDP, DP_ADDR_FUNCTION, "udp_rcv");
	expect(&m, UDP, DP_ADDR_RAW, "0xffffffff81000630");
	expect(&m, NFT, DP_ADDR_SITE, "nft_do_chain+0x1a [nf_tables]");
	expect(&m, NFT, DP_ADDR_FUNCTION, "nft_do_chain_[nf_tables]");
	expect(&m, NFT, DP_ADDR_RAW, "0xffffffffc0200040");
	/* Known to be unknown, not in the map, no map: raw, 16 digits. */
	expect(&m, RAW, DP_ADDR_SITE, "0xffffffffa0000000");
	expect(&m, RAW, DP_ADDR_FUNCTION, "0xffffffffa0000000");
	expect(&m, 0x10, DP_ADDR_SITE, "0x0000000000000010");
	expect(NULL, UDP, DP_ADDR_SITE, "0xffffffff81000630");
	dp_symmap_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
