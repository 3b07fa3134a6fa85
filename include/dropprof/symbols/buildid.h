/* buildid — GNU build-ids: the running kernel's (from the raw ELF notes
 * in /sys/kernel/notes) and an ELF file's (its NT_GNU_BUILD_ID note, read
 * with libelf).  The note walker is pure (bytes in, id out) so it is unit
 * tested and fuzzed on hostile input.
 */
#ifndef DROPPROF_BUILDID_H
#define DROPPROF_BUILDID_H

#include <stddef.h>
#include <stdint.h>

struct dp_err;

/* Build-ids are 20 bytes (sha1) in practice; up to 64 are accepted. */
#define DP_BUILDID_MAX 64

struct dp_buildid {
	unsigned char id[DP_BUILDID_MAX];
	size_t len;                   /* 0: none */
};

/* Walk a buffer of ELF notes (Elf_Nhdr, name and descriptor 4-byte
 * aligned, as in /sys/kernel/notes and a PT_NOTE segment) and take the
 * first note named "GNU" of type NT_GNU_BUILD_ID.  Returns 0, -ENOENT (no
 * such note), -EINVAL (a note that runs past the buffer, or an id of 0 or
 * more than DP_BUILDID_MAX bytes). */
int dp_buildid_from_notes(const void *buf, size_t len, struct dp_buildid *out);

/* The notes file of the running kernel ("/sys/kernel/notes"; a fixture
 * path in tests).  Returns 0, -errno of open/read, or what
 * dp_buildid_from_notes returns. */
int dp_buildid_read_notes(const char *path, struct dp_buildid *out);

/* The build-id of an ELF file: its SHT_NOTE sections, else its PT_NOTE
 * segments.  Returns 0 (out->len 0: an ELF without one), -EINVAL (not an
 * ELF, truncated or corrupt), -errno of open (-ENOENT: no such file);
 * err says which in one line naming the file. */
int dp_buildid_read_elf(const char *path, struct dp_buildid *out,
			struct dp_err *err);

/* Lowercase hex into buf (2 * len + 1 bytes; a smaller buf gets what
 * fits, NUL-terminated); "" for none.  Returns buf. */
#define DP_BUILDID_HEX_SIZE (2 * DP_BUILDID_MAX + 1)
char *dp_buildid_hex(const struct dp_buildid *b, char *buf, size_t size);

/* Parse lowercase/uppercase hex.  Returns 0 or -EINVAL. */
int dp_buildid_parse(const char *hex, struct dp_buildid *out);

/* 1 when both hold the same id; 0 otherwise, and always when either is
 * empty (an unknown id matches nothing). */
int dp_buildid_equal(const struct dp_buildid *a, const struct dp_buildid *b);

#endif
