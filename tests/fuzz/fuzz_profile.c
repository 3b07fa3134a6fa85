/* fuzz_profile — libFuzzer target for the saved profile reader
 * (dp_profile_decode) and everything a decoded profile feeds: the report
 * model and the text, JSON and folded formatters.
 *
 * An input that starts with the profile magic is decoded as a whole file
 * (header, zlib stream, CRC).  Any other input is taken as a bare payload
 * (the section list inside the zlib stream) and given a valid header and
 * CRC first: a mutated file almost never survives the checksum, so
 * without this the section parser, where the hostile counts and lengths
 * are, would hardly be reached.
 *
 *   make fuzz-run FUZZ_SECONDS=300
 */
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

#define HDR_SIZE 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A whole file around a payload, laid out as profile_io.h documents. */
static unsigned char *wrap(const uint8_t *pay, size_t len, size_t *out_len)
{
	uLongf clen = compressBound(len);
	unsigned char *f = malloc(HDR_SIZE + clen);

	if (!f)
		return NULL;
	if (compress2(f + HDR_SIZE, &clen, pay, len, Z_BEST_SPEED) != Z_OK) {
		free(f);
		return NULL;
	}
	memcpy(f, DP_PROFILE_MAGIC, 8);
	put_le(f + 8, DP_PROFILE_MAJOR, 2);
	put_le(f + 10, DP_PROFILE_MINOR, 2);
	put_le(f + 12, 0, 4);
	put_le(f + 16, len, 8);
	put_le(f + 24, crc32(0L, pay, (uInt)len), 4);
	put_le(f + 28, clen, 4);
	*out_len = HDR_SIZE + clen;
	return f;
}

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
	unsigned char *owned = NULL;
	struct dp_profile p;
	struct dp_symmap m;
	char err[512];
	size_t len = size;

	if (!devnull) {
		devnull = fopen("/dev/null", "w");
		if (!devnull)
			abort();
	}
	if (size < 8 || memcmp(data, DP_PROFILE_MAGIC, 8)) {
		owned = wrap(data, size, &len);
		if (!owned)
			return 0;
		buf = owned;
	}
	err[0] = '\0';
	if (dp_profile_decode(buf, len, &p, &m, err, sizeof(err)) == 0) {
		report(&p, &m);
		dp_profile_release(&p);
		dp_symmap_release(&m);
	} else if (!err[0] || strchr(err, '\n') || p.cpu_drops || p.counters ||
		   p.sites.slots || p.stacks.slots || m.addrs || m.reasons) {
		/* The decoder's contract: one error line, nothing held. */
		abort();
	}
	free(owned);
	return 0;
}
