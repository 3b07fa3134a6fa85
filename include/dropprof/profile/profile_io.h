/* profile_io — the saved profile file (.dprof): a profile, the names it
 * needs (symmap) and its counter deltas, zlib-compressed behind a magic,
 * a version and a CRC.  The file reports on any machine, without root.
 *
 * Layout (little-endian):
 *   0  magic "DPROF\0\r\n"          8 bytes
 *   8  u16 major, u16 minor
 *  12  u32 flags (0)
 *  16  u64 payload length (uncompressed)
 *  24  u32 CRC-32 of the payload
 *  28  u32 compressed length
 *  32  zlib stream
 * The payload is a sequence of sections: u32 tag, u32 length, bytes.
 * Unknown tags are skipped, so a newer minor version still loads.
 */
#ifndef DROPPROF_PROFILE_IO_H
#define DROPPROF_PROFILE_IO_H

#include <stddef.h>
#include <stdint.h>

struct dp_profile;
struct dp_symmap;

#define DP_PROFILE_MAGIC "DPROF\0\r\n"
#define DP_PROFILE_MAJOR 1
#define DP_PROFILE_MINOR 0
#define DP_PROFILE_MAX_PAYLOAD (256u << 20)

/* Serialize into a malloc()ed buffer (the whole file).  Returns 0 or
 * -ENOMEM. */
int dp_profile_encode(const struct dp_profile *p, const struct dp_symmap *m,
		      unsigned char **buf, size_t *len);

/* Parse a whole file from memory into *p and *m (both initialised here).
 * On failure nothing is left to release and *err gets one line saying
 * what is wrong.  Returns 0, -EINVAL (not a profile, corrupted,
 * truncated), -EPROTONOSUPPORT (newer major version), -ENOMEM. */
int dp_profile_decode(const unsigned char *buf, size_t len,
		      struct dp_profile *p, struct dp_symmap *m,
		      char *err, size_t errlen);

/* Write atomically (temporary file + rename) / read a file. */
int dp_profile_save(const char *path, const struct dp_profile *p,
		    const struct dp_symmap *m, char *err, size_t errlen);
int dp_profile_load(const char *path, struct dp_profile *p,
		    struct dp_symmap *m, char *err, size_t errlen);

#endif
