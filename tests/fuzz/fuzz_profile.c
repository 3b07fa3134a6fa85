/* fuzz_profile — libFuzzer target for the saved profile reader
 * (dp_profile_decode) and everything a decoded profile feeds: the report
 * model and the text, JSON and folded formatters.
 *
 * An input that starts with the profile magic is decoded as a whole file
 * (header, zlib stream, CRC).  Any other input is taken as a bare payload
 * (the section list inside the zlib stream) and given a valid header and
 * CRC first (with the unit tests' builder, profile_builder.h): a mutated
 * file almost never survives the checksum, so without this the section
 * parser, where the hostile counts and lengths are, would hardly be
 * reached.  A payload after the byte 0x01 is claimed as format 1.x (the
 * layout the 1.x reader migrates; no section tag starts with that byte),
 * any other as this writer's major.  The parity of the length picks the
 * minor version it claims (the last minor this reader knows of that
 * major, or a newer one whose unknown bytes are skipped), so both of the
 * decoder's modes are fuzzed from every seed.  Seeds
 * (tests/fuzz/corpus/profile/) are written by test_profile_versions with
 * DP_UPDATE_GOLDEN=1.
 *
 *   make fuzz-run FUZZ_SECONDS=300
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dropprof/output/output.h"
#include "dropprof/profile/profile.h"
#include "dropprof/profile/profile_io.h"
#include "dropprof/model/report.h"
#include "dropprof/symbols/symmap.h"
#include "dropprof/util/error.h"
/* The tests' own .dprof writer (header, zlib, CRC around a payload). */
#include "../unit/profile/profile_builder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static void report(const struct dp_profile *p, const struct dp_symmap *m)
{
	static const enum dp_format formats[] = {
		DP_FORMAT_TEXT, DP_FORMAT_JSON, DP_FORMAT_FOLDED,
	};
	struct dp_report_opts o = { .top_n = 10 };
	struct dp_report rep;

	if (dp_report_build(&rep, p, m, &o))
		return;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		dp_out_write(&rep, formats[i], devnull);
	dp_report_release(&rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *buf = data;
	struct tbuf owned = { 0 };
	struct dp_profile p;
	struct dp_symmap m;
	struct dp_err err = DP_ERR_INIT;
	size_t len = size;

	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		if (!devnull)
			abort();
	}
	if (size < 8 || memcmp(data, DP_PROFILE_MAGIC, 8)) {
		bool v1 = size && data[0] == 1;
		unsigned major = v1 ? 1 : DP_PROFILE_MAJOR;
		/* 1.1 was the last minor of major 1. */
		unsigned minor = (v1 ? 1 : DP_PROFILE_MINOR) + (size & 1);

		wrap_version(data + v1, size - v1, major, minor, &owned);
		buf = owned.p;
		len = owned.len;
	}
	if (dp_profile_decode(buf, len, &p, &m, &err) == 0) {
		report(&p, &m);
		dp_profile_release(&p);
		dp_symmap_release(&m);
	} else if (!err.msg || !err.msg[0] || strchr(err.msg, '\n') || p.cpu_drops || p.cpu_hits ||
		   p.counters || p.cpu_list || p.filter || p.sites.slots ||
		   p.stacks.slots || m.addrs || m.reasons) {
		/* The decoder's contract: one error line, nothing held. */
		abort();
	}
	dp_err_release(&err);
	tfree(&owned);
	return 0;
}
