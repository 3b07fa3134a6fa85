/* sockets — the socket tables of /proc/net (tcp, udp, udplite, raw and
 * their IPv6 twins) parsed line by line into struct dp_sock, each handed
 * to the caller's callback (see sockets.h for what every column is).
 *
 * The columns are fixed by the kernel's seq_printf() formats, so they are
 * checked by position and width, not named from the header: an IPv6 file
 * read as IPv4, a line cut short or a field that is not hex where the
 * kernel prints hex is -EINVAL rather than a socket with a wrong address.
 * Which files there are, and which columns each has, is the one table
 * protos[].
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dropprof/kernel/sockets.h"
#include "dropprof/util/lines.h"

/* tcp: 12 columns for a TIME_WAIT or SYN_RECV entry, 17 for a full
 * socket; udp and raw: 13, drops last.  Room for a kernel that appends. */
#define TCP_MINI_COLS 12
#define DGRAM_COLS    13
#define MAX_COLS      32

struct proto {
	const char *file;
	int family;
	bool tcp;                    /* tcp's columns, else udp's and raw's */
};

static const struct proto protos[DP_SOCK_NR_PROTOS] = {
	[DP_SOCK_TCP]      = { "tcp",      AF_INET,  true },
	[DP_SOCK_TCP6]     = { "tcp6",     AF_INET6, true },
	[DP_SOCK_UDP]      = { "udp",      AF_INET,  false },
	[DP_SOCK_UDP6]     = { "udp6",     AF_INET6, false },
	[DP_SOCK_UDPLITE]  = { "udplite",  AF_INET,  false },
	[DP_SOCK_UDPLITE6] = { "udplite6", AF_INET6, false },
	[DP_SOCK_RAW]      = { "raw",      AF_INET,  false },
	[DP_SOCK_RAW6]     = { "raw6",     AF_INET6, false },
};

/* ss's names (iproute2 misc/ss.c sstate_name[]), by TCP_* number. */
static const char *const state_names[] = {
	[1] = "ESTAB", [2] = "SYN-SENT", [3] = "SYN-RECV", [4] = "FIN-WAIT-1",
	[5] = "FIN-WAIT-2", [6] = "TIME-WAIT", [7] = "UNCONN",
	[8] = "CLOSE-WAIT", [9] = "LAST-ACK", [10] = "LISTEN", [11] = "CLOSING",
};

const char *dp_sock_proto_name(enum dp_sock_proto proto)
{
	return (unsigned int)proto < DP_SOCK_NR_PROTOS ? protos[proto].file : "?";
}

const char *dp_sock_state_name(unsigned int state)
{
	if (state < sizeof(state_names) / sizeof(state_names[0]) &&
	    state_names[state])
		return state_names[state];
	return "UNKNOWN";
}

/* ---- lexing ----------------------------------------------------------- */

struct tok {
	const char *s;
	size_t len;
};

/* Split line at blanks into at most MAX_COLS tokens; the count, which may
 * be larger than what was kept. */
static size_t split(const char *line, struct tok *t)
{
	size_t n = 0;

	for (const char *p = line;;) {
		const char *s;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return n;
		for (s = p; *p && *p != ' ' && *p != '\t'; p++)
			;
		if (n < MAX_COLS)
			t[n] = (struct tok){ s, (size_t)(p - s) };
		n++;
	}
}

/* Exactly width hex digits: what "%0<width>X" prints. */
static int parse_hex_width(const char *s, size_t len, size_t width,
			   uint64_t *out)
{
	return len == width ? dp_parse_hex(s, len, out) : -EINVAL;
}

static int parse_dec(const struct tok *t, bool allow_neg, uint64_t max,
		     uint64_t *out)
{
	return dp_parse_dec(t->s, t->len, allow_neg, max, out);
}

/* "A:B" with A of a_width and B of b_width hex digits (0: 1 to 16). */
static int parse_pair(const struct tok *t, size_t a_width, size_t b_width,
		      uint64_t *a, uint64_t *b)
{
	const char *colon = memchr(t->s, ':', t->len);
	size_t alen, blen;

	if (!colon)
		return -EINVAL;
	alen = (size_t)(colon - t->s);
	blen = t->len - alen - 1;
	if ((a_width && alen != a_width) || (b_width && blen != b_width))
		return -EINVAL;
	if (dp_parse_hex(t->s, alen, a) || dp_parse_hex(colon + 1, blen, b))
		return -EINVAL;
	return 0;
}

/* "0100007F:0035" or "0000000000000000FFFF00000100007F:0035".  Each 32-bit
 * word is printed as the host-order value of a __be32, so storing the
 * value back in host order gives the network-order bytes. */
static int parse_addr(const struct tok *t, int family, uint8_t ip[16],
		      uint16_t *port)
{
	size_t words = family == AF_INET6 ? 4 : 1;
	const char *colon = memchr(t->s, ':', t->len);
	uint64_t v;

	if (!colon || (size_t)(colon - t->s) != words * 8 ||
	    parse_hex_width(colon + 1, t->len - words * 8 - 1, 4, &v))
		return -EINVAL;
	*port = (uint16_t)v;
	memset(ip, 0, 16);
	for (size_t i = 0; i < words; i++) {
		uint32_t w;

		if (dp_parse_hex(t->s + i * 8, 8, &v))
			return -EINVAL;
		w = (uint32_t)v;
		memcpy(ip + i * 4, &w, 4);
	}
	return 0;
}

/* As ss -n: "1.2.3.4:53", "[::1]:53", port 0 as "*". */
static void format_addr(int family, const uint8_t ip[16], uint16_t port,
			char out[DP_SOCK_ADDR_MAX])
{
	char host[INET6_ADDRSTRLEN] = "?", serv[8] = "*";

	inet_ntop(family, ip, host, sizeof(host));
	if (port)
		snprintf(serv, sizeof(serv), "%u", port);
	snprintf(out, DP_SOCK_ADDR_MAX, family == AF_INET6 ? "[%s]:%s" : "%s:%s",
		 host, serv);
}

/* "%pK": 16 hex digits from a 64-bit kernel, 8 from a 32-bit one; a
 * kernel whose pointer hashing is not ready yet prints "(ptrval)" or
 * "(____ptrval____)" instead, and that is a hash too. */
static int parse_kaddr(const struct tok *t, struct dp_sock *s)
{
	if (t->len >= 2 && t->s[0] == '(' && t->s[t->len - 1] == ')') {
		s->kaddr = 0;
		s->kaddr_kind = DP_KADDR_HASHED;
		return 0;
	}
	if ((t->len != 8 && t->len != 16) || dp_parse_hex(t->s, t->len, &s->kaddr))
		return -EINVAL;
	if (!s->kaddr)
		s->kaddr_kind = DP_KADDR_HIDDEN;
	else if (t->len == 16 && !(s->kaddr >> 63))
		s->kaddr_kind = DP_KADDR_HASHED;
	else
		s->kaddr_kind = DP_KADDR_REAL;
	return 0;
}

/* ---- one line --------------------------------------------------------- */

/* The columns by position (sockets.h). */
enum {
	COL_SL, COL_LOCAL, COL_REMOTE, COL_ST, COL_QUEUES, COL_TIMER,
	COL_RETRANSMITS, COL_UID, COL_TIMEOUT, COL_INODE, COL_REF, COL_POINTER,
	COL_DROPS,
};

static int parse_line(enum dp_sock_proto proto, const char *line,
		      struct dp_sock *s)
{
	const struct proto *p = &protos[proto];
	struct tok t[MAX_COLS];
	size_t n = split(line, t);
	uint64_t a, b;

	if (n < (p->tcp ? TCP_MINI_COLS : DGRAM_COLS))
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->proto = proto;
	s->proto_name = p->file;
	s->family = p->family;
	s->mini = p->tcp && n == TCP_MINI_COLS;

	if (t[COL_SL].len < 2 || t[COL_SL].s[t[COL_SL].len - 1] != ':')
		return -EINVAL;
	{
		struct tok sl = { t[COL_SL].s, t[COL_SL].len - 1 };

		if (parse_dec(&sl, false, UINT32_MAX, &a))
			return -EINVAL;
	}
	if (parse_addr(&t[COL_LOCAL], p->family, s->local_ip, &s->local_port) ||
	    parse_addr(&t[COL_REMOTE], p->family, s->remote_ip, &s->remote_port))
		return -EINVAL;
	format_addr(p->family, s->local_ip, s->local_port, s->local);
	format_addr(p->family, s->remote_ip, s->remote_port, s->remote);

	if (parse_hex_width(t[COL_ST].s, t[COL_ST].len, 2, &a))
		return -EINVAL;
	s->state = (unsigned int)a;
	s->state_name = dp_sock_state_name(s->state);

	if (parse_pair(&t[COL_QUEUES], 8, 8, &a, &b))
		return -EINVAL;
	s->tx_queue = (uint32_t)a;
	s->rx_queue = (uint32_t)b;
	/* Timers and retransmits: only checked to be what they are. */
	if (parse_pair(&t[COL_TIMER], 2, 0, &a, &b) ||
	    dp_parse_hex(t[COL_RETRANSMITS].s, t[COL_RETRANSMITS].len, &a))
		return -EINVAL;
	if (parse_dec(&t[COL_UID], false, UINT32_MAX, &a))
		return -EINVAL;
	s->uid = (uint32_t)a;
	if (parse_dec(&t[COL_TIMEOUT], true, UINT32_MAX, &a) ||
	    parse_dec(&t[COL_INODE], false, UINT64_MAX, &s->inode) ||
	    parse_dec(&t[COL_REF], true, UINT32_MAX, &a) ||
	    parse_kaddr(&t[COL_POINTER], s))
		return -EINVAL;
	if (!p->tcp) {
		if (parse_dec(&t[COL_DROPS], true, UINT32_MAX, &a))
			return -EINVAL;
		s->has_drops = true;
		s->drops = (uint32_t)a;
	}
	return 0;
}

/* ---- files ------------------------------------------------------------ */

static bool is_header(const char *line)
{
	struct tok t[MAX_COLS];

	return split(line, t) >= 2 && t[0].len == 2 && !memcmp(t[0].s, "sl", 2);
}

/* Read one file; *found is set when it exists. */
static int read_file(const char *dir, enum dp_sock_proto proto,
		     dp_sock_fn fn, void *arg, bool *found)
{
	struct dp_lines r = { 0 };
	struct dp_sock s;
	bool header = false;
	char *path, *line;
	int err;

	*found = false;
	if (asprintf(&path, "%s/%s", dir, protos[proto].file) < 0)
		return -ENOMEM;
	r.f = fopen(path, "re");
	if (!r.f) {
		err = errno == ENOENT ? 0 : -errno;
		goto out_free_path;
	}
	*found = true;
	while ((err = dp_lines_next(&r, &line)) > 0) {
		if (!header) {
			if (!is_header(line)) {
				err = -EINVAL;
				break;
			}
			header = true;
			continue;
		}
		err = parse_line(proto, line, &s);
		if (!err)
			err = fn(&s, arg);
		if (err)
			break;
	}
	/* An empty file lost even its header. */
	if (!err && !header)
		err = -EINVAL;
	dp_lines_release(&r);
	fclose(r.f);
out_free_path:
	free(path);
	return err;
}

int dp_sockets_read(const char *procnet_dir, unsigned int protos_mask,
		    dp_sock_fn fn, void *arg)
{
	size_t nfound = 0;
	bool found;
	int err;

	if (!protos_mask || (protos_mask & ~DP_SOCK_ALL))
		return -EINVAL;
	for (unsigned int p = 0; p < DP_SOCK_NR_PROTOS; p++) {
		if (!(protos_mask & DP_SOCK_BIT(p)))
			continue;
		err = read_file(procnet_dir, p, fn, arg, &found);
		if (err)
			return err;
		nfound += found;
	}
	return nfound ? 0 : -ENOENT;
}
