/* profile_io — the saved profile file (.dprof): a profile, the names it
 * needs (symmap) and its counter rows, zlib-compressed behind a magic, a
 * version and a CRC.  The file reports on any machine, without root.
 * profile_file.c is the container (header, zlib, CRC, save and load),
 * profile_encode.c and profile_decode.c the payload inside it
 * (profile_sections.h).
 *
 * Header, little-endian, the same in every major version (so a reader
 * can tell a newer file from a damaged one):
 *   0  magic "DPROF\0\r\n"          8 bytes
 *   8  u16 major, u16 minor
 *  12  u32 flags (0)
 *  16  u64 payload length (uncompressed)
 *  24  u32 CRC-32 of the payload
 *  28  u32 compressed length: exactly the rest of the file
 *  32  zlib stream of the payload
 *
 * The payload is a list of sections, each u32 tag (four ASCII bytes,
 * "META" is 0x4154454d), u32 length, body.  META comes first; each tag at
 * most once.  Integers are little-endian; f64 is the IEEE-754 bits as a
 * u64; str is a u32 length and that many bytes of printable ASCII (0x20 to
 * 0x7e; no space in a name: folded lines split on spaces), at most
 * DP_PROFILE_MAX_STR bytes.  A writer turns every other byte of a name or
 * text (a hostname or interface name may hold any) into "\xNN" and cuts
 * what does not fit its field with a visible "...".
 *
 * Version 1.1:
 *   META  str kernel (< 128), str hostname (< 128), str dropprof version,
 *         u64 start (unix s), f64 duration (s), str cpu list, u8 has_reason,
 *         u8 frees_known, u8 symbols restricted, u64 drops, u64 frees,
 *         u64 lost, u64 bad_records, u64 no_stack, u64 stacks_other,
 *         u32 cpu slots (1..65536)
 *   CPUS  per cpu slot: u8 recorded, u64 drops, u64 frees, u64 lost
 *   RSNS  u32 n, n x (u64 value, str name)
 *   ADDR  u32 n, n x (u64 address, u8 kind: 0 unknown, 1 vmlinux,
 *         2 module; kind 1 and 2: str function, kind 2: str module, then
 *         u64 offset)
 *   SITE  u32 n, n x (u64 location, u64 reason, u64 count)
 *   STAK  u32 n, n x (u32 len, len x u64 [reason, leaf ip, ..., root ip],
 *         u64 count)
 *   UNST  u32 n, n x (u64 reason, u64 DP_UNSTACKED_*, u64 count)
 *   PROT  u32 n, n x (u64 protocol, u64 count)
 *   THRT  u64 throttled
 *   SAMP  u64 stack samples, u64 stack lost, u64 largest period,
 *         f64 stack budget, u8 all_stacks
 *   FILT  str in-kernel filter
 *   CNTR  u32 n, n x (str name, u64 before, u64 after, u64 delta (two's
 *         complement), u8 drop_related)
 *   LOSS  (since 1.1) u8 hits_known, u64 recovered, u64 cpus_added,
 *         u32 n (= cpu slots), n x (u64 hits, u64 recovered, u64 offline)
 * Counts are never zero; sites, protocols and per-CPU drops add up to the
 * drops, stacks and unstacked entries to the stack samples.
 *
 * How the format grows:
 * - A newer MINOR version may append fields at the end of a known
 *   section and add sections with new tags.  A reader of an older minor
 *   reads the fields it knows, skips the rest of each section and skips
 *   the sections it does not know; a reader of a newer minor gives
 *   defaults for what an older file lacks (a file without LOSS: hits
 *   unknown, nothing recovered, no hotplug; without SAMP: a stack with
 *   every drop; without FILT: no filter; without THRT: 0).
 * - The entries of a table never grow (a reader could not find the next
 *   one): a new per-entry field is a table of its own, appended after the
 *   entries or in a new section.
 * - Everything an older reader checks must still hold in a newer minor's
 *   file: no new values in an existing field (a new DP_UNSTACKED_* kind),
 *   totals that still add up, strings within the limits above.
 * - Anything an older reader would misread bumps the MAJOR: a field
 *   removed or moved, a changed meaning or encoding of an existing field.
 *   A reader refuses a higher major with "use a newer dropprof".
 * - A reader that knows the file's minor (the file is not newer) checks
 *   every section exactly: trailing bytes and unknown tags are corruption
 *   there, since that version's writer wrote only what the reader knows.
 * - Readers of 1.0 (dropprof 0.1.0) skip unknown sections but refuse
 *   trailing bytes in known ones; so 1.1 added a section (LOSS) instead
 *   of appending to CPUS and META, and 1.0 readers load 1.1 files.
 *
 * Files are written mode 0600 whatever the umask: they hold raw kernel
 * addresses, which kernel.kptr_restrict hides from other users.
 */
#ifndef DROPPROF_PROFILE_IO_H
#define DROPPROF_PROFILE_IO_H

#include <stddef.h>
#include <stdint.h>

struct dp_profile;
struct dp_symmap;
struct dp_err;

#define DP_PROFILE_MAGIC "DPROF\0\r\n"
#define DP_PROFILE_MAJOR 2
#define DP_PROFILE_MINOR 0
#define DP_PROFILE_HEADER_SIZE 32
#define DP_PROFILE_MAX_PAYLOAD (256u << 20)
#define DP_PROFILE_MAX_STR 65535u
#define DP_PROFILE_MAX_CPU_SLOTS 65536u
#define DP_PROFILE_FILE_MODE 0600

/* Serialize into a malloc()ed buffer (the whole file).  Returns 0,
 * -ENOMEM, or -EFBIG (a payload over DP_PROFILE_MAX_PAYLOAD). */
int dp_profile_encode(const struct dp_profile *p, const struct dp_symmap *m,
		      unsigned char **buf, size_t *len);

/* Parse a whole file from memory into *p and *m (both initialised here).
 * On failure nothing is left to release but err (util/error.h), which
 * gets one line saying what is wrong.  Returns 0, -EINVAL (not a profile, corrupted,
 * truncated), -EPROTONOSUPPORT (a higher major version, with a header
 * that holds together), -ENOMEM. */
int dp_profile_decode(const unsigned char *buf, size_t len,
		      struct dp_profile *p, struct dp_symmap *m,
		      struct dp_err *err);

/* Write atomically (temporary file + rename), mode 0600 / read a file.
 * Load checks the header (and its sizes against the file's) before it
 * reads or allocates for the rest, and never blocks on a FIFO. */
int dp_profile_save(const char *path, const struct dp_profile *p,
		    const struct dp_symmap *m, struct dp_err *err);
int dp_profile_load(const char *path, struct dp_profile *p,
		    struct dp_symmap *m, struct dp_err *err);

#endif
