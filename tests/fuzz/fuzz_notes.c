/* fuzz_notes — libFuzzer target for what dropprof reads of a kernel's
 * identity and debuginfo: the raw note walker (dp_buildid_from_notes, as
 * /sys/kernel/notes is read), and, for an input that starts with the ELF
 * magic, the ELF readers on it as a file: dp_buildid_read_elf, then
 * dp_dwarf_open and dp_dwarf_resolve on a few addresses (the fixed ones of
 * the seed ELF, and ones taken from the input).
 *
 * The file is a memfd, named /proc/self/fd/N, so no input touches the
 * disk.  Seeds in tests/fuzz/corpus/notes/: the notes fixtures of
 * tests/fixtures/vmlinux/ and small ELF files made by mkvmlinux.sh.
 *
 *   make fuzz-run FUZZ_SECONDS=300     (a third of the time goes here)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dropprof/symbols/buildid.h"
#include "dropprof/symbols/dwarf.h"
#include "dropprof/util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The text of the seed ELF (ip_rcv, __udp4_lib_rcv with its inlined
 * helper, kfree_skb_reason). */
static const uint64_t seed_addrs[] = {
	0xffffffff81000100ULL, 0xffffffff81000114ULL, 0xffffffff81000214ULL,
	0xffffffff8100021eULL, 0xffffffff81000300ULL, 0xffffffff81000800ULL,
};

static void fuzz_elf(const uint8_t *data, size_t size)
{
	struct dp_dwarf_opts o = { 0 };
	struct dp_err err = DP_ERR_INIT;
	struct dp_dwarf *d = NULL;
	struct dp_buildid b;
	char path[64];
	int fd;

	fd = memfd_create("fuzz_notes", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	dp_buildid_read_elf(path, &b, &err);

	o.path = path;
	/* Half the inputs also go through the KASLR path (needs _stext). */
	if (size > 16 && (data[16] & 1))
		o.runtime_stext = 0xffffffff84000000ULL;
	if (dp_dwarf_open(&d, &o, &err) == 0) {
		struct dp_src_info info;
		int64_t bias = dp_dwarf_bias(d);

		for (size_t i = 0; i < sizeof(seed_addrs) / sizeof(seed_addrs[0]); i++)
			if (dp_dwarf_resolve(d, seed_addrs[i] + (uint64_t)bias, &info) == 0)
				dp_src_info_release(&info);
		/* Addresses the input chooses, from its last bytes. */
		for (size_t off = size >= 64 ? size - 64 : 0; off + 8 <= size; off += 8) {
			uint64_t a;

			memcpy(&a, data + off, sizeof(a));
			if (dp_dwarf_resolve(d, a, &info) == 0)
				dp_src_info_release(&info);
		}
		dp_dwarf_free(d);
	}
	dp_err_release(&err);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_buildid b;

	if (size >= 4 && !memcmp(data, "\x7f" "ELF", 4)) {
		fuzz_elf(data, size);
		return 0;
	}
	if (dp_buildid_from_notes(data, size, &b) == 0 &&
	    (b.len == 0 || b.len > DP_BUILDID_MAX))
		abort();
	return 0;
}
