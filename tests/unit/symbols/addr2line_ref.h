/* addr2line_ref — the reference the symbols tests compare with: binutils
 * addr2line run once on every address, its output parsed into frames
 * (innermost first, as dwarf.h gives them).  Shared by test_dwarf.c and
 * test_modules.c.
 */
#ifndef DP_TEST_ADDR2LINE_REF_H
#define DP_TEST_ADDR2LINE_REF_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dropprof/util/strbuf.h"

/* The fixtures' DWARF names their build directory so (mkvmlinux.sh and
 * the module fixture map their temporary directory there). */
#define DP_REF_COMP_DIR "/usr/src/linux-fixture/"

struct ref_frame {
	char function[512];
	char file[512];            /* relative to DP_REF_COMP_DIR; "" for ?? */
	unsigned line;
};

struct ref {
	uint64_t addr;             /* as given to addr2line */
	struct ref_frame frames[8];
	size_t nr;
};

/* addr2line -a -f -i -e FILE [-j SECTION] on every refs[i].addr, in one
 * process: "0x<addr>", then pairs of lines "function", "file:line".
 * False (nothing run) when addr2line is not installed. */
static inline bool ref_addr2line(const char *file, const char *section,
				 struct ref *refs, size_t n)
{
	struct dp_strbuf cmd = DP_STRBUF_INIT;
	struct ref *cur = NULL;
	bool want_file = false;
	char line[512];
	size_t got = 0;
	FILE *p;

	if (system("addr2line --version >/dev/null 2>&1") != 0)
		return false;
	assert_int_equal(dp_strbuf_addf(&cmd, "addr2line -a -f -i -e '%s'", file), 0);
	if (section)
		assert_int_equal(dp_strbuf_addf(&cmd, " -j '%s'", section), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(dp_strbuf_addf(&cmd, " 0x%" PRIx64, refs[i].addr), 0);
		refs[i].nr = 0;
	}
	p = popen(cmd.buf, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		if (!want_file && !strncmp(line, "0x", 2) && strlen(line) == 18) {
			assert_true(got < n);
			cur = &refs[got++];
			assert_int_equal(strtoull(line, NULL, 16), cur->addr);
			continue;
		}
		assert_non_null(cur);
		if (!want_file) {
			assert_true(cur->nr < 8);
			snprintf(cur->frames[cur->nr].function,
				 sizeof(cur->frames[0].function), "%s", line);
			want_file = true;
		} else {
			struct ref_frame *f = &cur->frames[cur->nr++];
			char *colon, *name = line;

			line[strcspn(line, " ")] = '\0';   /* "(discriminator N)" */
			colon = strrchr(line, ':');
			assert_non_null(colon);
			*colon = '\0';
			f->line = (unsigned)strtoul(colon + 1, NULL, 10);
			if (!strncmp(name, DP_REF_COMP_DIR, strlen(DP_REF_COMP_DIR)))
				name += strlen(DP_REF_COMP_DIR);
			snprintf(f->file, sizeof(f->file), "%s",
				 strcmp(name, "??") ? name : "");
			want_file = false;
		}
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(got, n);
	dp_strbuf_release(&cmd);
	return true;
}

#endif
