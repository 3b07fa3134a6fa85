/* profile_sections — the payload of a .dprof file: the list of sections
 * inside the zlib stream (their layout and the rules for growing them are
 * in profile_io.h).  profile_file.c wraps the payload in the header, the
 * zlib stream and the CRC; profile_encode.c and profile_decode.c are the
 * codec of what is inside.
 */
#ifndef DROPPROF_PROFILE_SECTIONS_H
#define DROPPROF_PROFILE_SECTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp_err;
struct dp_profile;
struct dp_symmap;

/* Section tags: four ASCII bytes read as a little-endian u32. */
enum dp_profile_tag {
	DP_TAG_META = 0x4154454d,  /* "META" */
	DP_TAG_CPUS = 0x53555043,  /* "CPUS" */
	DP_TAG_RSNS = 0x534e5352,  /* "RSNS" */
	DP_TAG_ADDR = 0x52444441,  /* "ADDR" */
	DP_TAG_SITE = 0x45544953,  /* "SITE" */
	DP_TAG_STAK = 0x4b415453,  /* "STAK" */
	DP_TAG_UNST = 0x54534e55,  /* "UNST" */
	DP_TAG_PROT = 0x544f5250,  /* "PROT" */
	DP_TAG_CNTR = 0x52544e43,  /* "CNTR" */
	DP_TAG_THRT = 0x54524854,  /* "THRT" */
	DP_TAG_FILT = 0x544c4946,  /* "FILT" */
	DP_TAG_SAMP = 0x504d4153,  /* "SAMP" */
	DP_TAG_LOSS = 0x53534f4c,  /* "LOSS", since 1.1 */
	DP_TAG_KERN = 0x4e52454b,  /* "KERN", since 2.0 */
	DP_TAG_SRCL = 0x4c435253,  /* "SRCL", since 2.0 */
	DP_TAG_SCOP = 0x504f4353,  /* "SCOP", since 2.1 */
	DP_TAG_QDSC = 0x43534451,  /* "QDSC", since 2.1 */
	DP_TAG_NFRL = 0x4c52464e,  /* "NFRL", since 2.1 */
	DP_TAG_SOCK = 0x4b434f53,  /* "SOCK", since 2.1 */
};

/* Room in the fixed metadata strings of struct dp_profile (kernel,
 * hostname), NUL included. */
#define DP_PROFILE_FIXED_NAME 128

/* The one rule for the bytes of a string in the file: printable ASCII,
 * and no space in a name (folded lines split on spaces). */
static inline bool dp_profile_text_byte(unsigned char c, bool spaces)
{
	return c >= 0x20 && c <= 0x7e && (spaces || c != ' ');
}

/* The payload of (p, m) in a malloc()ed buffer.  Names and texts are
 * written as printable ASCII whatever their bytes (see profile_io.h), so
 * every reader accepts what any writer wrote.  Returns 0 or -ENOMEM. */
int dp_profile_sections_encode(const struct dp_profile *p,
			       const struct dp_symmap *m,
			       unsigned char **pay, size_t *len);

/* Parse a payload of format version major.minor (1.x or 2.x) into *p and
 * *m (both initialised here).  A file of a newer minor than this reader's has its
 * unknown sections and the unknown tail of each section skipped; in any
 * other file those are corruption.  On failure nothing is left to release
 * and *err (may be NULL) says what is wrong in one line.  Returns 0,
 * -EINVAL (corrupted) or -ENOMEM. */
int dp_profile_sections_decode(const unsigned char *pay, size_t len,
			       unsigned major, unsigned minor, struct dp_profile *p,
			       struct dp_symmap *m, struct dp_err *err);

#endif
