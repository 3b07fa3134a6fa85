/* profile_io — the saved profile file (.dprof): a profile, the names it
 * needs (symmap), its counter rows and where they were read (scopes),
 * zlib-compressed behind a magic, a version and a CRC.  The file reports
 * on any machine, without root.  profile_file.c is the container
 * (header, zlib, CRC, save and load), profile_encode.c and
 * profile_decode.c the payload inside it (profile_sections.h).
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
 * Version 2.1 (the sections in the order a 2.1 writer writes them; a
 * reader takes any order after META, but SRCL needs ADDR before it):
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
 *   KERN  u8 build-id length (0 unknown, at most 64), that many bytes,
 *         u64 run-time _stext, u64 run-time _text (0 unknown)
 *   SRCL  u32 n, n x (u64 address, u32 nframes (1..256), nframes x
 *         (str function ("" none), str file ("" none), u32 line (0
 *         unknown), u8 inlined (0 or 1))): the source frames of an
 *         address of ADDR, innermost first (inlined frames, then the
 *         function they were compiled into); one entry per address,
 *         only for the addresses that have frames
 *   SITE  u32 n, n x (u64 location, u64 reason, u64 cpu, u64 count)
 *   STAK  u32 n, n x (u32 len (4 .. 3 + DP_MAX_FRAMES), len x u64
 *         [reason, location, cpu, leaf ip, ..., root ip], u64 samples,
 *         u64 weight)
 *   UNST  u32 n, n x (u64 reason, u64 location, u64 cpu, u64 kind
 *         (DP_UNSTACKED_NONE 1 or DP_UNSTACKED_OVER_CAP 2), u64 samples,
 *         u64 weight)
 *   PROT  u32 n, n x (u64 protocol, u64 count)
 *   THRT  u64 throttled
 *   SAMP  u64 stack samples, u64 stack lost, u64 largest period,
 *         f64 stack budget, u8 all_stacks
 *   FILT  str in-kernel filter
 *   CNTR  u32 n, n x (str name, u64 before, u64 after, u64 delta (two's
 *         complement), u8 drop_related)
 *   LOSS  (since 1.1) u8 hits_known, u64 recovered, u64 cpus_added,
 *         u32 n (= cpu slots), n x (u64 hits, u64 recovered, u64 offline)
 *   SCOP  (since 2.1) u32 netns_seen, u32 netns_hidden, u32 n, n x (u8
 *         kind (enum dp_scope_kind, 0..4), u8 flags (DP_SCOPE_*, within
 *         0x0f), str name (not ""), u64 nsfs inode (0 none), u32 pid (0
 *         none, at most INT32_MAX), str comm (text, "" none), str note (text,
 *         "" none), u32 nr_counters, u32 nr_settings, nr_settings x (str
 *         name (not ""), u8 state (0 value, 1 absent, 2 unreadable), str
 *         value (text, "" unless state 0)))
 *   QDSC  (since 2.1) u32 n, n x (u32 scope, str dev, str kind, u32
 *         handle, u32 parent, u8 has_limit, u64 limit, u8 unit ('b' or
 *         'p' with a limit, else 0), u64 drops, u64 overlimits, u64
 *         requeues, u64 packets (window deltas, two's complement), u32
 *         qlen, u8 appeared): the qdiscs whose drops or overlimits moved
 *   NFRL  (since 2.1) u32 n, n x (u32 scope, u8 source (0 nftables, 1
 *         iptables-legacy), u8 verdict (0 drop, 1 reject), u8
 *         has_counter, str family, str table, str chain, str hook ("" a
 *         regular chain), str text (text), u64 handle (0 a chain
 *         policy), u64 packets, u64 bytes (0 without a counter), u8
 *         appeared), then u32 lines, lines x str (text): the notes of
 *         what could not be read.
 *   SOCK  (since 2.1; only with rx_sk or socket drops) u8 has_rx_sk, u8
 *         socket_addrs (DP_SOCKADDR_*, 0..3), u64 socket_drops, u64
 *         unmatched (<= socket_drops), u32 n, n x (u32 scope, str proto,
 *         str local, str remote, str state, u64 inode, u8 has_mem, u32
 *         rcvbuf, u32 rmem_alloc, u32 rx_queue, u32 pid (<= INT32_MAX),
 *         str comm (text), u64 reason, u64 drops (not 0)): never the
 *         socket's kernel address.  QDSC and NFRL come together, after
 *         SCOP; a scope index must be one of SCOP's (or the legacy one)
 * A stratum is (reason, location, cpu): SITE counts its drops exactly;
 * each STAK or UNST entry of it holds its stack samples and their weight,
 * the drops they stand for (the sum of the sampling periods; samples with
 * --all-stacks), which model/estimate.c uses to share the stratum's exact
 * count over its stacks.  Counts are never zero, a weight is never less
 * than its samples, a cpu word is below the cpu slots; sites, protocols
 * and per-CPU drops add up to the drops, stacks and unstacked samples to
 * the stack samples.
 *
 * A scope is where counters were read: the machine as a whole (softnet
 * and the other counters the kernel keeps once) or a network namespace
 * (the initial one, one named under /run/netns, one only processes are
 * in).  The scopes own the rows of CNTR in order, each the next
 * nr_counters rows, and together every row: their nr_counters add up to
 * CNTR's count exactly (0 with no scope at all), and the same counter
 * name may come once per scope.  A scope's settings are the sysctls read
 * in it at the end, sorted by name (as bytes, as written), each name
 * once.  A writer puts rows it holds under no scope (a profile made by
 * hand) under one legacy scope ahead of the others, and escapes setting
 * names before it sorts them (escaping can reorder and merge names).
 *
 * What 2.0 changed, and why it is a major: 1.x keyed stacks by
 * [reason, leaf..root] and unstacked entries by (reason, kind), with a
 * count of samples only, and sites by (location, reason).  2.0 gives
 * every stack the site and CPU of its drop and a weight, so each
 * (reason, site, cpu) is estimated from its own samples; the words after
 * the reason of a stack key changed meaning (an ip became the location),
 * which a 1.x reader would misread, not skip.  SITE entries gained the
 * cpu, STAK and UNST entries the weight, and KERN and SRCL are new
 * (report --vmlinux symbolizes a saved profile against the same build
 * only).  META, CPUS, RSNS, ADDR, PROT, THRT, SAMP, FILT, CNTR and LOSS
 * are as in 1.1.
 *
 * What 2.1 added, and why it is a minor: SCOP, the namespaces and the
 * machine-wide scope of the counters and the settings read in each, as a
 * section of its own after LOSS.  CNTR keeps its layout and its checks
 * (a row's name was never required to be unique), so a 2.0 reader skips
 * SCOP as a newer minor's section and sees every scope's rows in one
 * flat CNTR list; nothing else changed.
 *
 * Files before 2.1 (1.x and 2.0) have no SCOP: their counters were read
 * in dropprof's own namespace, softnet machine-wide.  They load with one
 * scope of kind 0 (DP_SCOPE_LEGACY), name "own", flag DP_SCOPE_OWN,
 * holding every row, and netns_seen and netns_hidden 0; so does a 2.1
 * file without SCOP.  SCOP in a 1.0, 1.1 or 2.0 file is corruption (no
 * writer of them wrote it).
 *
 * The checks a 2.1 reader makes of SCOP: a kind of 0 to 4, no flag
 * outside 0x0f, a name that is not "", a pid that fits an int32;
 * settings with a name, a state of 0 to 2, a value only with state 0,
 * names in strictly rising order (sorted, none twice); and, once every
 * section is read (SCOP may come before CNTR), the scopes' nr_counters
 * adding up to CNTR's count.  Each failure is one "corrupted profile"
 * line that says which scope or setting is wrong.
 *
 * Version 1.x files still load: 1.1 had the layout above less KERN,
 * SRCL and SCOP, with SITE (u64 location, u64 reason, u64 count), STAK (u32 len
 * (1 .. 1 + DP_MAX_FRAMES), len x u64 [reason, leaf ip, ..., root ip], u64
 * count) and UNST (u64 reason, u64 kind, u64 count); 1.0 had no LOSS.
 * Their keys get the 2.0 layout with what 1.x did not record left
 * unknown: sites cpu DP_CPU_ANY, stacks and unstacked entries location 0
 * and DP_CPU_ANY after the reason, weight = count, and the profile's
 * stack_strata is DP_STRATA_REASON (each reason's drops are shared over
 * its samples).  KERN, SRCL and SCOP in a 1.0 or 1.1 file are
 * corruption (no 1.x writer wrote them); a 1.x file of a minor above 1
 * is a newer minor (its unknown sections and trailing bytes are
 * skipped).
 *
 * How the format grows:
 * - A newer MINOR version may append fields at the end of a known
 *   section and add sections with new tags.  A reader of an older minor
 *   reads the fields it knows, skips the rest of each section and skips
 *   the sections it does not know; a reader of a newer minor gives
 *   defaults for what an older file lacks (a file without LOSS: hits
 *   unknown, nothing recovered, no hotplug; without SAMP: a stack with
 *   every drop; without FILT: no filter; without THRT: 0; without KERN:
 *   the kernel unknown; without SRCL: no source lines; without SCOP:
 *   the legacy scope above).
 * - The entries of a table never grow (a reader could not find the next
 *   one): a new per-entry field is a table of its own, appended after the
 *   entries or in a new section.
 * - Everything an older reader checks must still hold in a newer minor's
 *   file: no new values in an existing field (a new DP_UNSTACKED_* kind,
 *   scope kind, scope flag or setting state), totals that still add up
 *   (every counter row in one scope), strings within the limits above.
 * - Anything an older reader would misread bumps the MAJOR: a field
 *   removed or moved, a changed meaning or encoding of an existing field
 *   (2.0: the stack keys).  A reader refuses a higher major with "use a
 *   newer dropprof"; this one reads majors 1 and 2.
 * - A reader that knows the file's minor (the file is not newer) checks
 *   every section exactly: trailing bytes and unknown tags are corruption
 *   there, since that version's writer wrote only what the reader knows.
 * - Readers of 1.0 (dropprof 0.1.0) skip unknown sections but refuse
 *   trailing bytes in known ones; so 1.1 added a section (LOSS) instead
 *   of appending to CPUS and META, and 1.0 readers load 1.1 files.  No
 *   1.x reader loads a 2.x file: it says "use a newer dropprof".  2.0
 *   readers load 2.1 files, SCOP skipped.
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
#define DP_PROFILE_MINOR 1
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
