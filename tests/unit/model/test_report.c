/* Golden tests of the report model and its formatters: a hand-built
 * profile (fixture tracepoint format and kallsyms) in, exact text, JSON
 * and folded output out.  DP_UPDATE_GOLDEN=1 rewrites the expected files;
 * any change to them must then be read and justified in review. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dropprof/profile/names.h"
#include "dropprof/kernel/skb_fields.h"
#include "dropprof/symbols/ksym.h"
#include "dropprof/output/output.h"
#include "dropprof/profile/profile.h"
#include "dropprof/model/report.h"
#include "dropprof/record/sample.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/kernel/tp_format.h"
#include "testutil.h"
#include "why_fixture.h"

#define GOLDEN "tests/fixtures/golden/"

/* Fixture addresses (tests/fixtures/ksym/kallsyms). */
#define UDP_RCV      0xffffffff81000610ULL
#define IP_RCV       0xffffffff81000110ULL
#define IP_RCV_CORE  0xffffffff81000210ULL
#define NFT_DO_CHAIN 0xffffffffc0200010ULL
#define STEXT        0xffffffff81000000ULL

struct fixture {
	struct dp_tp_format fmt;
	struct dp_ksyms *ks;
	struct dp_profile prof;
	bool sources;              /* give some addresses source lines */
};

static void add(struct dp_profile *p, uint32_t cpu, uint32_t reason,
		uint64_t loc, uint16_t proto, const uint64_t *ips, size_t n,
		int times)
{
	struct dp_skb_fields f = { .location = loc, .reason = reason,
				   .protocol = proto };

	for (int i = 0; i < times; i++)
		assert_int_equal(dp_profile_add_drop_stack(p, cpu, &f, ips, n), 0);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const uint64_t udp_a[] = { UDP_RCV + 0x20, IP_RCV + 0x5, STEXT + 0x40 };
	const uint64_t udp_b[] = { UDP_RCV + 0x20, IP_RCV + 0x8, STEXT + 0x40 };
	const uint64_t nft[] = { NFT_DO_CHAIN + 0x30, IP_RCV + 0x5, STEXT + 0x40 };
	const uint64_t other[] = { IP_RCV_CORE + 0x40, IP_RCV + 0x5 };

	assert_non_null(fx);
	assert_int_equal(dp_tp_format_load(&fx->fmt, "tests/fixtures/tp", "",
					   "kfree_skb-6.18.format"), -ENOENT);
	dp_test_load_format(&fx->fmt, "kfree_skb-6.18.format");
	assert_int_equal(dp_ksyms_load(&fx->ks, "tests/fixtures/ksym/kallsyms"), 0);
	assert_int_equal(dp_profile_init(&fx->prof, 2, 0), 0);
	fx->prof.cpu_recorded[0] = fx->prof.cpu_recorded[1] = true;
	fx->prof.has_reason = true;
	fx->prof.frees_known = true;
	fx->prof.frees = 85;
	fx->prof.cpu_frees[0] = 60;
	fx->prof.cpu_frees[1] = 25;
	fx->prof.duration = 2.0;
	fx->prof.stack_budget = 2000;
	fx->prof.start_time = 1795300000;
	strcpy(fx->prof.kernel, "6.18.0-test");
	strcpy(fx->prof.hostname, "fixture");
	assert_int_equal(dp_profile_set_cpu_list(&fx->prof, "0-1"), 0);

	add(&fx->prof, 0, 3, UDP_RCV + 0x20, 0x0800, udp_a, 3, 5);   /* NO_SOCKET */
	add(&fx->prof, 1, 3, UDP_RCV + 0x20, 0x0800, udp_b, 3, 2);   /* same functions */
	add(&fx->prof, 0, 12, NFT_DO_CHAIN + 0x30, 0x86DD, nft, 3, 3); /* NETFILTER_DROP */
	add(&fx->prof, 1, 13, IP_RCV_CORE + 0x40, 0x0800, other, 2, 2); /* OTHERHOST */
	add(&fx->prof, 1, 14, IP_RCV_CORE + 0x40, 0x0800, other, 2, 1); /* IP_CSUM, same site */
	add(&fx->prof, 0, 0x30005, IP_RCV_CORE + 0x50, 0x0806, NULL, 0, 1); /* subsystem, no stack */
	add(&fx->prof, 0, 500, 0xffffffffa0000000ULL, 0x1234, other, 2, 1); /* unknown reason and site */
	/* Reconciled as the recorder does: hits = drops + lost per CPU; one
	 * of CPU 1's drops came from the ftrace ring, CPU 1 went offline
	 * twice. */
	dp_test_add_lost(&fx->prof, 1, 4);
	fx->prof.hits_known = true;
	fx->prof.cpu_hits[0] = 10;
	fx->prof.cpu_hits[1] = 9;
	fx->prof.cpu_recovered[1] = 1;
	fx->prof.recovered = 1;
	fx->prof.cpu_offline[1] = 2;
	assert_int_equal(dp_profile_add_counter(&fx->prof, "UdpNoPorts", 100, 107, 7, true), 0);
	assert_int_equal(dp_profile_add_counter(&fx->prof, "IpInReceives", 1000, 1500, 500, false), 0);
	assert_int_equal(dp_profile_add_counter(&fx->prof, "TcpCurrEstab", 5, 3, -2, false), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	dp_profile_release(&fx->prof);
	dp_ksyms_free(fx->ks);
	dp_tp_format_release(&fx->fmt);
	free(fx);
	return 0;
}

/* Names resolved once, as a live session does. */
static int build(struct dp_report *rep, struct fixture *fx,
		 const struct dp_ksyms *ks, const struct dp_tp_format *fmt,
		 const struct dp_report_opts *o)
{
	struct dp_symmap names;
	int err = dp_profile_names(&names, &fx->prof, ks, fmt);

	if (err)
		return err;
	if (fx->sources) {
		/* As symbols/sources.c leaves them: the drop site inside an
		 * inlined helper, a caller with its own line. */
		const struct dp_symmap_src site[] = {
			{ "udp_lib_checksum", "include/net/udp.h", 142, true },
			{ "udp_rcv", "net/ipv4/udp.c", 2419, false },
		};
		const struct dp_symmap_src caller[] = {
			{ "ip_rcv", "net/ipv4/ip_input.c", 565, false },
		};

		assert_int_equal(dp_symmap_set_src(&names, UDP_RCV + 0x20, site, 2), 0);
		assert_int_equal(dp_symmap_set_src(&names, IP_RCV + 0x5, caller, 1), 0);
	}
	err = dp_report_build(rep, &fx->prof, &names, o);
	dp_symmap_release(&names);
	return err;
}

static void check_golden(const struct dp_report *rep, enum dp_format fmt,
			 const char *name)
{
	char path[256];
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	assert_int_equal(dp_out_write(rep, fmt, f), 0);
	fclose(f);
	snprintf(path, sizeof(path), GOLDEN "%s", name);
	dp_test_golden(out, path);
	free(out);
}

static void test_model(void **state)
{
	struct fixture *fx = *state;
	struct dp_report_opts o = { .top_n = 3 };
	struct dp_report rep;
	uint64_t sum = 0;

	assert_int_equal(build(&rep, fx, fx->ks, &fx->fmt, &o), 0);
	assert_int_equal(rep.drops, 15);
	assert_int_equal(rep.nr_reasons, 6);
	assert_string_equal(rep.reasons[0].name, "NO_SOCKET");
	assert_int_equal(rep.reasons[0].count, 7);
	assert_string_equal(rep.reasons[0].top_site, "udp_rcv+0x20");
	assert_string_equal(rep.reasons[1].name, "NETFILTER_DROP");
	assert_string_equal(rep.reasons[1].top_site, "nft_do_chain+0x30 [nf_tables]");
	/* Same site, two reasons: kept apart, the site sums them. */
	assert_string_equal(rep.sites[1].site, "ip_rcv_core+0x40");
	assert_int_equal(rep.sites[1].count, 3);
	assert_int_equal(rep.sites[1].nr_reasons, 2);
	assert_string_equal(rep.sites[1].reasons[0].name, "OTHERHOST");
	assert_string_equal(rep.sites[1].reasons[1].name, "IP_CSUM");
	/* Never a wrong name. */
	for (size_t i = 0; i < rep.nr_reasons; i++) {
		if (rep.reasons[i].value == 0x30005)
			assert_string_equal(rep.reasons[i].name, "SUBSYS_3:5");
		if (rep.reasons[i].value == 500)
			assert_string_equal(rep.reasons[i].name, "REASON_500");
	}
	/* Folded counts add up to every drop; offset-only differences merge. */
	for (size_t i = 0; i < rep.nr_folded; i++)
		sum += rep.folded[i].count;
	assert_int_equal(sum, 15);
	assert_int_equal(rep.nr_stacks, 7);
	assert_int_equal(rep.nr_folded, 6);
	assert_int_equal(rep.lost, 4);
	assert_int_equal(rep.cpus[1].lost, 4);
	assert_true(rep.hits_known);
	assert_int_equal(rep.hits, 19);
	assert_int_equal(rep.cpus[1].hits, 9);
	assert_int_equal(rep.recovered, 1);
	assert_int_equal(rep.cpus[1].recovered, 1);
	assert_int_equal(rep.offline, 2);
	assert_int_equal(rep.cpus[1].offline, 2);
	/* Sites carry their raw address too, in the one format. */
	assert_string_equal(rep.sites[0].address, "0xffffffff81000630");
	/* The profile's counter rows, copied, with their rate. */
	assert_int_equal(rep.nr_counters, 3);
	assert_string_equal(rep.counters[0].row.name, "UdpNoPorts");
	assert_ptr_not_equal(rep.counters[0].row.name, fx->prof.counters[0].name);
	assert_int_equal(rep.counters[0].row.delta, 7);
	assert_true(rep.counters[0].row.drop_related);
	assert_true(rep.counters[0].rate == 3.5);
	dp_report_release(&rep);
}

static char *text_of(struct fixture *fx)
{
	struct dp_report_opts o = { .top_n = 3 };
	struct dp_report rep;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	assert_int_equal(build(&rep, fx, fx->ks, &fx->fmt, &o), 0);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_int_equal(dp_out_text(&rep, f), 0);
	fclose(f);
	dp_report_release(&rep);
	return out;
}

/* The header's loss line: every drop the kernel counted is delivered,
 * recovered or lost, and it says which, with or without the kernel's own
 * counts. */
static void test_loss_line(void **state)
{
	struct fixture *fx = *state;
	struct dp_profile *p = &fx->prof;
	char *out;

	out = text_of(fx);
	assert_non_null(strstr(out, "\nlost 4 of 19 drops (counted by the kernel, not delivered; cpu1 4): counts are lower bounds, raise -m\n"));
	assert_non_null(strstr(out, "\n1 drops in idle context read from dropprof's ftrace instance"));
	assert_non_null(strstr(out, "\nnote: CPUs went offline during the recording (cpu1 2 times)"));
	free(out);

	/* Thousands grouped; several CPUs. */
	p->cpu_lost[0] = 1000;
	p->cpu_lost[1] = 2197;
	p->lost = 3197;
	p->cpu_hits[0] = 1010;
	p->cpu_hits[1] = 30000 - 1010;
	out = text_of(fx);
	assert_non_null(strstr(out, "\nlost 3,197 of 30,000 drops (counted by the kernel, not delivered; cpu0 1,000, cpu1 2,197)"));
	free(out);

	/* Without the kernel's counts: what the ring said was lost. */
	p->hits_known = false;
	out = text_of(fx);
	assert_non_null(strstr(out, "\nlost 3,197 drops (reported lost by the kernel; cpu0 1,000, cpu1 2,197)"));
	assert_non_null(strstr(out, "        -"));
	free(out);

	/* Nothing lost. */
	p->cpu_lost[0] = p->cpu_lost[1] = 0;
	p->lost = 0;
	out = text_of(fx);
	assert_non_null(strstr(out, "\n0 lost (the kernel's own drop counts were not read)\n"));
	free(out);
	p->hits_known = true;
	p->recovered = 0;
	p->cpu_recovered[1] = 0;
	p->cpu_offline[1] = 0;
	p->cpus_added = 2;
	out = text_of(fx);
	assert_non_null(strstr(out, "\n0 lost\n"));
	assert_null(strstr(out, "recovered"));
	assert_null(strstr(out, "went offline"));
	assert_non_null(strstr(out, "\nnote: 2 CPUs came online during the recording"));
	free(out);
}

static void test_golden_outputs(void **state)
{
	struct fixture *fx = *state;
	struct dp_report_opts o = { .top_n = 3 };
	struct dp_report rep;

	assert_int_equal(build(&rep, fx, fx->ks, &fx->fmt, &o), 0);
	check_golden(&rep, DP_FORMAT_TEXT, "report.txt");
	check_golden(&rep, DP_FORMAT_JSON, "report.json");
	check_golden(&rep, DP_FORMAT_FOLDED, "report.folded");
	dp_report_release(&rep);
}

/* Source lines and inlined frames: the site names its line, stacks show
 * the inlined helper on its own line (innermost first), folded output
 * makes it a frame of its own, JSON has file/line/inlined per frame. */
static void test_golden_sources(void **state)
{
	struct fixture *fx = *state;
	struct dp_report_opts o = {
		.top_n = 3,
		.symbol_notes = "source lines from /usr/lib/debug/boot/vmlinux-6.18.0-test (build-id matches)\n",
	};
	struct dp_report rep;

	fx->sources = true;
	assert_int_equal(build(&rep, fx, fx->ks, &fx->fmt, &o), 0);
	assert_true(rep.has_sources);
	assert_string_equal(rep.sites[0].source, "include/net/udp.h:142");
	assert_int_equal(rep.sites[0].nr_inlined, 1);
	assert_string_equal(rep.sites[0].inlined[0].text, "udp_lib_checksum");
	assert_string_equal(rep.stacks[0].frames[0].function, "udp_lib_checksum");
	assert_true(rep.stacks[0].frames[0].inlined);
	assert_string_equal(rep.stacks[0].frames[1].text, "udp_rcv+0x20");
	assert_int_equal(rep.stacks[0].frames[1].line, 2419);
	check_golden(&rep, DP_FORMAT_TEXT, "report-src.txt");
	check_golden(&rep, DP_FORMAT_JSON, "report-src.json");
	check_golden(&rep, DP_FORMAT_FOLDED, "report-src.folded");
	dp_report_release(&rep);
}

/* Why across namespaces (why_fixture.h): where each reason's counters
 * moved, machine-wide last; whether they agree with the traced count;
 * the governing settings where it happened, the machine's value for one
 * a namespace has no entry of; dropprof's own namespace's settings when
 * no counter says where; the drop counters no traced reason explains. */
static void test_golden_why(void **state)
{
	struct why_fixture fx;
	struct dp_report rep;

	(void)state;
	why_fixture_init(&fx);
	why_report(&rep, &fx);
	check_golden(&rep, DP_FORMAT_TEXT, "report-why.txt");
	check_golden(&rep, DP_FORMAT_JSON, "report-why.json");
	dp_report_release(&rep);
	why_fixture_release(&fx);
}

/* The initial namespace could not be entered: the machine scope has no
 * settings.  A namespace's missing machine-wide setting is then absent
 * there, not from the kernel; the initial namespace's still is. */
static void test_why_absent(void **state)
{
	struct why_fixture fx;
	struct dp_report rep;
	struct dp_scope *m;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	why_fixture_init(&fx);
	m = &fx.prof.scopes[0];
	assert_int_equal(m->kind, DP_SCOPE_MACHINE);
	for (size_t k = 0; k < m->nr_settings; k++) {
		free(m->settings[k].name);
		free(m->settings[k].value);
	}
	m->nr_settings = 0;
	why_report(&rep, &fx);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_int_equal(dp_out_text(&rep, f), 0);
	fclose(f);
	assert_non_null(strstr(out, "\n      settings in netns dl-x-b: net.core.rmem_default (unreadable) net.core.rmem_max (absent in this namespace)\n"));
	assert_non_null(strstr(out, " net.ipv6.neigh.default.gc_thresh3 (absent on this kernel)\n"));
	/* Nothing to say for the machine-wide counters: dropprof's own. */
	assert_non_null(strstr(out, "\n      where: machine-wide\n      counter softnet:cpu0:dropped: +3 machine-wide = 3 traced\n"
			       "      settings in netns root (dropprof's; no counter says where): net.core.flow_limit_cpu_bitmap=0 net.core.netdev_max_backlog=1000\n"));
	free(out);
	dp_report_release(&rep);
	why_fixture_release(&fx);
}

static void test_no_symbols(void **state)
{
	struct fixture *fx = *state;
	struct dp_report_opts o = { .top_n = 3 };
	struct dp_report rep;

	/* Without a symbol table every site is a raw address. */
	assert_int_equal(build(&rep, fx, NULL, &fx->fmt, &o), 0);
	assert_string_equal(rep.reasons[0].top_site, "0xffffffff81000630");
	assert_null(rep.sites[0].function);
	dp_report_release(&rep);
}

static void test_no_reason_field(void **state)
{
	struct fixture *fx = *state;
	struct dp_report_opts o = { .top_n = 3 };
	struct dp_report rep;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	fx->prof.has_reason = false;
	assert_int_equal(build(&rep, fx, fx->ks, NULL, &o), 0);
	fx->prof.has_reason = true;
	for (size_t i = 0; i < rep.nr_reasons; i++)
		assert_string_equal(rep.reasons[i].name, "UNKNOWN");
	f = open_memstream(&out, &len);
	assert_int_equal(dp_out_text(&rep, f), 0);
	fclose(f);
	assert_non_null(strstr(out, "has no 'reason' field"));
	free(out);
	dp_report_release(&rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_golden_outputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_golden_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_line, setup, teardown),
		cmocka_unit_test(test_golden_why),
		cmocka_unit_test(test_why_absent),
		cmocka_unit_test_setup_teardown(test_no_symbols, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_reason_field, setup, teardown),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
