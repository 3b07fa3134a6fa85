/* sockets — the inet sockets of one network namespace as the kernel lists
 * them in /proc/net/{tcp,tcp6,udp,udp6,udplite,udplite6,raw,raw6}: what a
 * drop's rx_sk (skb_fields.h) is matched against to name its socket.
 *
 * The procnet directory is the caller's: "/proc/thread-self/net" on a
 * thread that entered the namespace (netns.h, DP_NETNS_PROCNET), a
 * fixture directory in tests.  Nothing here enters a namespace.
 *
 * What the kernel prints, one line per socket after a header line
 * (get_tcp4_sock(), get_timewait4_sock(), get_openreq4() in
 * net/ipv4/tcp_ipv4.c and their tcp_ipv6.c twins; udp4_format_sock() in
 * net/ipv4/udp.c, raw_sock_seq_show() in net/ipv4/raw.c and
 * __ip6_dgram_sock_seq_show() in net/ipv6/datagram.c for udp6, udplite6
 * and raw6), columns separated by blanks, lines padded with blanks:
 *
 *   sl             "%4d:" / "%5d:" slot (tcp: a counter; udp: the hash
 *                  bucket).  Not kept.
 *   local_address  "%08X:%04X" (IPv4) or "%08X%08X%08X%08X:%04X" (IPv6):
 *   rem_address    the address as the host-order value(s) of its __be32
 *                  word(s), so the same bytes read differently on a
 *                  big-endian machine; the port in host order.  Raw
 *                  sockets print their IP protocol as the local port.
 *   st             "%02X" sk_state, the kernel's TCP_* numbers for every
 *                  protocol (udp: 07 TCP_CLOSE unconnected, 01
 *                  TCP_ESTABLISHED connected; a TIME_WAIT entry prints
 *                  its substate, 05 FIN_WAIT2 or 06 TIME_WAIT)
 *   tx_queue:rx_queue  "%08X:%08X".  tcp: bytes sent and not yet acked,
 *                  bytes received and not yet read, but for a LISTEN
 *                  socket rx_queue counts connections waiting in the
 *                  accept queue.  udp, raw: sk_wmem_alloc and the bytes of
 *                  the receive queue (udp_rqueue_get(), sk_rmem_alloc:
 *                  buffer truesize, not payload)
 *   tr:tm->when, retrnsmt  timers, retransmits.  Not kept.
 *   uid            "%5u", in the reader's user namespace
 *   timeout        tcp: probes sent; 0 otherwise.  Not kept.
 *   inode          "%lu" the socket's inode (the number fstat() gives an
 *                  fd and /proc/PID/fd/N links to as "socket:[INODE]");
 *                  0 for a TIME_WAIT or SYN_RECV entry and for a socket
 *                  whose file is gone (an orphaned or not yet accepted
 *                  connection)
 *   ref            refcount.  Not kept.
 *   pointer        "%pK": the struct sock's kernel address — the value
 *                  kfree_skb's rx_sk carries — subject to kptr_restrict:
 *                    kptr_restrict=1: the address for a reader with
 *                      CAP_SYSLOG whose uid/gid equal its euid/egid; 0
 *                      for anyone else
 *                    kptr_restrict=0: a HASH of the address (unless the
 *                      kernel booted with no_hash_pointers), on a 64-bit
 *                      kernel a number below 2^32 that no tracepoint
 *                      carries
 *                    kptr_restrict=2: 0
 *                  Matching a drop's rx_sk to its socket therefore needs
 *                  kptr_restrict=1 and a privileged reader (or
 *                  no_hash_pointers); otherwise it is impossible, and
 *                  struct dp_sock's kaddr_kind says which case it is.
 *                  The check is made at each read(), with the reading
 *                  thread's credentials.  A TIME_WAIT or SYN_RECV
 *                  entry's pointer is its mini socket's, never an rx_sk.
 *   drops          udp, udplite, raw (v4 and v6) only: "%u" sk_drops, the
 *                  socket's own count of packets it dropped (a full
 *                  receive buffer, a filter, a checksum).  Older kernels
 *                  print it "%d", so a negative number is its 32-bit
 *                  two's complement.
 *   tcp full sockets go on with rto, ato, quick/pingpong, cwnd, ssthresh
 *   (not kept); TIME_WAIT and SYN_RECV entries stop after pointer.
 *
 * Only sockets in the kernel's lookup tables are listed: bound or
 * connected ones (an unbound UDP socket, which nothing can reach, is not).
 *
 * Columns a later kernel appends are ignored; a line with fewer columns
 * than its protocol prints, a column that does not parse as what it is,
 * a header that is not the kernel's or a file cut mid-line is -EINVAL.
 *
 * The receive buffer's size (sk_rcvbuf) is in no /proc/net file: it is
 * sock_diag's, by inode (sockdiag.h, dp_sockdiag_meminfo()).  The owning
 * processes are sockowner.h's.
 */
#ifndef DROPPROF_KERNEL_SOCKETS_H
#define DROPPROF_KERNEL_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The files, in the order they are read. */
enum dp_sock_proto {
	DP_SOCK_TCP,
	DP_SOCK_TCP6,
	DP_SOCK_UDP,
	DP_SOCK_UDP6,
	DP_SOCK_UDPLITE,
	DP_SOCK_UDPLITE6,
	DP_SOCK_RAW,
	DP_SOCK_RAW6,
	DP_SOCK_NR_PROTOS
};

#define DP_SOCK_BIT(proto) (1u << (proto))
#define DP_SOCK_ALL        (DP_SOCK_BIT(DP_SOCK_NR_PROTOS) - 1)

/* "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535" and its NUL. */
#define DP_SOCK_ADDR_MAX 56

/* What the pointer column holds (see kptr_restrict above).  Told apart
 * by value on a 64-bit kernel, whose addresses have the top bit set and
 * whose %p hashes are below 2^32.  A 32-bit kernel (8 hex digits) hashes
 * to any 32-bit value: there a non-zero column counts as REAL, and a hash
 * taken for one merely matches no drop. */
enum dp_kaddr_kind {
	DP_KADDR_HIDDEN,            /* 0: hidden by kptr_restrict */
	DP_KADDR_HASHED,            /* a hash: matches no rx_sk */
	DP_KADDR_REAL,              /* the address: matches rx_sk */
};

struct dp_sock {
	enum dp_sock_proto proto;
	const char *proto_name;     /* static: the file's name, "tcp", "udp6" */
	int family;                 /* AF_INET or AF_INET6 */
	uint8_t local_ip[16];       /* network order; IPv4 in the first 4 */
	uint8_t remote_ip[16];
	uint16_t local_port;        /* host order; raw: the IP protocol */
	uint16_t remote_port;
	/* As ss -n prints them: "10.0.0.1:53", "[::1]:53",
	 * "[::ffff:10.0.0.1]:53" (an IPv4 peer of an IPv6 socket), port 0
	 * as "*" ("0.0.0.0:*").  One difference: ss prints "*:53" for an
	 * IPv6 wildcard socket that also takes IPv4 and "[::]:53" for a
	 * v6only one; /proc/net does not say which, so it is "[::]:53". */
	char local[DP_SOCK_ADDR_MAX];
	char remote[DP_SOCK_ADDR_MAX];
	unsigned int state;         /* sk_state, TCP_* numbering */
	const char *state_name;     /* static, as ss prints it */
	bool mini;                  /* tcp: a TIME_WAIT or SYN_RECV entry, no
	                               full socket (inode 0, no buffers; its
	                               pointer is no struct sock) */
	uint32_t tx_queue;          /* see the header comment */
	uint32_t rx_queue;
	uint32_t uid;
	uint64_t inode;             /* 0: no file */
	uint64_t kaddr;             /* the pointer column, 0 when hidden */
	enum dp_kaddr_kind kaddr_kind;
	bool has_drops;             /* udp, udplite, raw */
	uint32_t drops;
};

/* Called once per socket; a non-zero return stops the reading and is
 * returned.  s and its strings are borrowed for the call only. */
typedef int (*dp_sock_fn)(const struct dp_sock *s, void *arg);

/* Read the files of the protocols in protos (DP_SOCK_BIT()s ORed, or
 * DP_SOCK_ALL) under procnet_dir, in enum order, and call fn for each
 * socket.  A missing file is skipped (no IPv6, no UDP-Lite); -ENOENT when
 * none of them is there.  -EINVAL for a malformed file (see above) or a
 * protos of no known bit, -errno from open and read, or fn's return.
 * Sockets come and go while the kernel prints: one may be missed or seen
 * twice, as with ss. */
int dp_sockets_read(const char *procnet_dir, unsigned int protos,
		    dp_sock_fn fn, void *arg);

/* The file name of a protocol ("udp6"), "?" when out of range. */
const char *dp_sock_proto_name(enum dp_sock_proto proto);

/* ss's name of a sk_state: "ESTAB", "SYN-SENT", "SYN-RECV",
 * "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "UNCONN" (TCP_CLOSE: an
 * unconnected udp or raw socket, a closed tcp one), "CLOSE-WAIT",
 * "LAST-ACK", "LISTEN", "CLOSING"; "UNKNOWN" for 0 and any other. */
const char *dp_sock_state_name(unsigned int state);

#endif
