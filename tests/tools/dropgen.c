/*
 * dropgen — a small, bounded traffic generator for dropprof's integration
 * tests and benchmarks.  It owns nothing but the sockets it opens: every
 * subcommand is limited in packet count and in wall-clock time, so a broken
 * test can never leave it running.
 *
 *   dropgen udp ADDR PORT COUNT [--size N] [--rate PPS]
 *   dropgen udp --duration SECONDS ADDR PORT [--size N] [--rate PPS]
 *   dropgen syn ADDR PORT COUNT
 *   dropgen sink ADDR PORT [--rcvbuf BYTES] [--ready FILE]
 *
 * The sink writes "ready rcvbuf=BYTES" to FILE (or stdout) once bound.
 * ADDR is a numeric IPv4 or IPv6 address (an IPv6 scope such as
 * fe80::1%veth0 is accepted).  Errors are one line on stderr and exit 1;
 * usage errors exit 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAX_COUNT        1000000000UL
#define MAX_RUN_SECONDS  600.0   /* hard bound on any udp/syn run */
#define SINK_SECONDS     120     /* a sink never outlives a forgotten test */
#define SYN_POLL_MS      200     /* a RST from a closed port is immediate */
#define MAX_UDP_PAYLOAD  65507

struct opts {
	const char *pos[4];
	int npos;
	unsigned long size;
	double rate;        /* packets per second, 0 = as fast as possible */
	double duration;    /* seconds, 0 = use COUNT */
	int rcvbuf;
	const char *ready;
};

static const char *prog = "dropgen";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s udp ADDR PORT COUNT [--size N] [--rate PPS]\n"
		"       %s udp --duration SECONDS ADDR PORT [--size N] [--rate PPS]\n"
		"       %s syn ADDR PORT COUNT\n"
		"       %s sink ADDR PORT [--rcvbuf BYTES] [--ready FILE]\n",
		prog, prog, prog, prog);
}

static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((noreturn)) usage_die(const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s '%s' (see '%s --help')\n", prog, what, arg ? arg : "", prog);
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long parse_ulong(const char *s, const char *what, unsigned long max)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		usage_die(what, s);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		usage_die(what, s);
	return v;
}

static double parse_double(const char *s, const char *what, double max)
{
	char *end;
	double v;

	if (!s || !*s)
		usage_die(what, s);
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v > 0) || v > max)
		usage_die(what, s);
	return v;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->size = 32;
	o->rcvbuf = 1;   /* the kernel rounds this up to its minimum */

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--size")) {
			o->size = parse_ulong(val, "invalid --size", MAX_UDP_PAYLOAD);
			i++;
		} else if (!strcmp(a, "--rate")) {
			o->rate = parse_double(val, "invalid --rate", 1e9);
			i++;
		} else if (!strcmp(a, "--duration")) {
			o->duration = parse_double(val, "invalid --duration", MAX_RUN_SECONDS);
			i++;
		} else if (!strcmp(a, "--rcvbuf")) {
			o->rcvbuf = (int)parse_ulong(val, "invalid --rcvbuf", INT_MAX / 2);
			i++;
		} else if (!strcmp(a, "--ready")) {
			if (!val)
				usage_die("missing file for", a);
			o->ready = val;
			i++;
		} else if (a[0] == '-' && a[1] == '-') {
			usage_die("unknown option", a);
		} else {
			if (o->npos == (int)(sizeof(o->pos) / sizeof(o->pos[0])))
				usage_die("too many arguments at", a);
			o->pos[o->npos++] = a;
		}
	}
}

/*
 * Strictly numeric: inet_pton, not getaddrinfo, for IPv4, because
 * getaddrinfo also takes inet_aton shorthands ("1.2.3" is 1.2.0.3) and a
 * typo must never send packets to some real host.
 */
static void resolve(const char *addr, const char *port, int socktype,
		    struct sockaddr_storage *ss, socklen_t *len)
{
	unsigned long p = parse_ulong(port, "invalid port", 65535);

	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':')) {
		/* getaddrinfo only for IPv6, to accept a %scope suffix */
		struct addrinfo hints = {
			.ai_family = AF_INET6,
			.ai_socktype = socktype,
			.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
		};
		struct addrinfo *res;

		if (getaddrinfo(addr, port, &hints, &res))
			usage_die("invalid numeric address", addr);
		memcpy(ss, res->ai_addr, res->ai_addrlen);
		*len = res->ai_addrlen;
		freeaddrinfo(res);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
			usage_die("invalid numeric address", addr);
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)p);
		*len = sizeof(*sin);
	}
}

/* Sleep until an absolute CLOCK_MONOTONIC time given in seconds. */
static void sleep_until(double t)
{
	struct timespec ts = {
		.tv_sec = (time_t)t,
		.tv_nsec = (long)((t - (time_t)t) * 1e9),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * Errors a send can return while the kernel is dropping what we send: a full
 * qdisc (ENOBUFS), an output-hook netfilter drop (EPERM), an ICMP error
 * reported back (ECONNREFUSED), a full send buffer.  They are counted, not
 * fatal: producing drops is the point.
 */
static int transient_send_error(int err)
{
	return err == ENOBUFS || err == EAGAIN || err == EWOULDBLOCK ||
	       err == EPERM || err == ECONNREFUSED || err == EHOSTUNREACH ||
	       err == ENOMEM || err == EINTR;
}

static int cmd_udp(int argc, char **argv)
{
	struct opts o;
	struct sockaddr_storage ss;
	socklen_t sslen;
	unsigned long count = 0, sent = 0, failed = 0, i;
	int fd, last_err = 0;
	char *buf;
	double t0, deadline, elapsed;

	parse_opts(argc, argv, &o);
	if (o.duration > 0) {
		if (o.npos != 2)
			usage_die("want ADDR PORT (no COUNT) with --duration for", "udp");
	} else {
		if (o.npos != 3)
			usage_die("want ADDR PORT COUNT for", "udp");
		count = parse_ulong(o.pos[2], "invalid COUNT", MAX_COUNT);
	}
	resolve(o.pos[0], o.pos[1], SOCK_DGRAM, &ss, &sslen);

	buf = calloc(1, o.size ? o.size : 1);
	if (!buf)
		die("out of memory");
	for (unsigned long k = 0; k < o.size; k++)
		buf[k] = (char)('a' + k % 26);

	/*
	 * Unconnected on purpose: a connected UDP socket would see the ICMP
	 * port-unreachable of a closed port as ECONNREFUSED on the next send.
	 */
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		die("cannot create udp socket: %s", strerror(errno));

	t0 = now();
	deadline = t0 + (o.duration > 0 ? o.duration : MAX_RUN_SECONDS);
	for (i = 0; o.duration > 0 || i < count; i++) {
		/* Reading the clock every packet costs little next to sendto. */
		double t = now();

		if (t >= deadline) {
			if (o.duration > 0)
				break;
			die("stopped after %.0f s with %lu of %lu sent", MAX_RUN_SECONDS,
			    sent, count);
		}
		if (o.rate > 0) {
			double due = t0 + i / o.rate;

			if (due >= deadline && o.duration > 0)
				break;
			if (due > t)
				sleep_until(due);
		}
		if (sendto(fd, buf, o.size, 0, (struct sockaddr *)&ss, sslen) >= 0) {
			sent++;
			continue;
		}
		if (!transient_send_error(errno))
			die("cannot send to '%s' port %s: %s", o.pos[0], o.pos[1],
			    strerror(errno));
		failed++;
		last_err = errno;
	}
	elapsed = now() - t0;
	close(fd);
	free(buf);

	if (failed)
		fprintf(stderr, "sent %lu in %.3f s (%lu send errors, last: %s)\n",
			sent, elapsed, failed, strerror(last_err));
	else
		fprintf(stderr, "sent %lu in %.3f s\n", sent, elapsed);
	if (o.duration > 0)
		printf("%lu\n", sent);
	return 0;
}

/* One non-blocking connect: 0 refused, 1 connected, 2 timed out. */
static int syn_once(const struct sockaddr_storage *ss, socklen_t sslen)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct pollfd pfd;
	int fd, err = 0, ret;
	socklen_t elen = sizeof(err);

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		die("cannot create tcp socket: %s", strerror(errno));
	/* If the port turns out to be open, close with RST: no TIME_WAIT pile-up. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));

	if (connect(fd, (const struct sockaddr *)ss, sslen) == 0) {
		close(fd);
		return 1;
	}
	if (errno == ECONNREFUSED) {
		close(fd);
		return 0;
	}
	if (errno != EINPROGRESS)
		die("cannot connect: %s", strerror(errno));

	pfd.fd = fd;
	pfd.events = POLLOUT;
	do
		ret = poll(&pfd, 1, SYN_POLL_MS);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		die("poll failed: %s", strerror(errno));
	if (ret == 0) {
		close(fd);
		return 2;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		die("getsockopt(SO_ERROR) failed: %s", strerror(errno));
	close(fd);
	if (err == 0)
		return 1;
	if (err == ECONNREFUSED)
		return 0;
	if (err == ETIMEDOUT || err == EHOSTUNREACH || err == ENETUNREACH)
		return 2;
	die("connect failed: %s", strerror(err));
}

static int cmd_syn(int argc, char **argv)
{
	struct opts o;
	struct sockaddr_storage ss;
	socklen_t sslen;
	unsigned long count, n[3] = { 0, 0, 0 }, i;
	double t0, elapsed;

	parse_opts(argc, argv, &o);
	if (o.npos != 3)
		usage_die("want ADDR PORT COUNT for", "syn");
	count = parse_ulong(o.pos[2], "invalid COUNT", MAX_COUNT);
	resolve(o.pos[0], o.pos[1], SOCK_STREAM, &ss, &sslen);

	t0 = now();
	for (i = 0; i < count; i++) {
		if (now() - t0 > MAX_RUN_SECONDS)
			die("stopped after %.0f s with %lu of %lu attempts", MAX_RUN_SECONDS,
			    i, count);
		n[syn_once(&ss, sslen)]++;
	}
	elapsed = now() - t0;
	fprintf(stderr, "sent %lu syn in %.3f s (%lu refused, %lu connected, %lu timed out)\n",
		count, elapsed, n[0], n[1], n[2]);
	return 0;
}

/*
 * Write "ready rcvbuf=N" atomically so a poller never sees half of it; N, the
 * size the kernel actually granted, tells a test how much can still queue.
 */
static void signal_ready(const char *file, int rcvbuf)
{
	char tmp[PATH_MAX], line[64];
	int fd, len;

	len = snprintf(line, sizeof(line), "ready rcvbuf=%d\n", rcvbuf);
	if (!file) {
		fputs(line, stdout);
		fflush(stdout);
		return;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", file) >= (int)sizeof(tmp))
		die("ready file name too long: '%s'", file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("cannot create '%s': %s", tmp, strerror(errno));
	if (write(fd, line, len) != len || close(fd) < 0)
		die("cannot write '%s': %s", tmp, strerror(errno));
	if (rename(tmp, file) < 0)
		die("cannot rename '%s' to '%s': %s", tmp, file, strerror(errno));
}

static int cmd_sink(int argc, char **argv)
{
	struct opts o;
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct timespec timeout = { .tv_sec = SINK_SECONDS };
	sigset_t set;
	siginfo_t si;
	int fd, sig, queued = 0, rcvbuf = 0;
	socklen_t rlen = sizeof(rcvbuf);

	parse_opts(argc, argv, &o);
	if (o.npos != 2)
		usage_die("want ADDR PORT for", "sink");
	resolve(o.pos[0], o.pos[1], SOCK_DGRAM, &ss, &sslen);

	/* Block the signals first: one that arrives before sigtimedwait waits. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die("sigprocmask failed: %s", strerror(errno));

	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		die("cannot create udp socket: %s", strerror(errno));
	/* Set before bind so no datagram is ever queued under the default size. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o.rcvbuf, sizeof(o.rcvbuf)) < 0)
		die("cannot set SO_RCVBUF to %d: %s", o.rcvbuf, strerror(errno));
	if (bind(fd, (struct sockaddr *)&ss, sslen) < 0)
		die("cannot bind '%s' port %s: %s", o.pos[0], o.pos[1], strerror(errno));
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &rlen);
	signal_ready(o.ready, rcvbuf);

	do
		sig = sigtimedwait(&set, &si, &timeout);
	while (sig < 0 && errno == EINTR);

	ioctl(fd, FIONREAD, &queued);
	fprintf(stderr, "sink: %s, rcvbuf %d, next datagram %d bytes\n",
		sig < 0 ? "timed out" : strsignal(sig), rcvbuf, queued);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	/* Results go to a pipe or a file in tests: never lose them to buffering. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "udp"))
		return cmd_udp(argc - 2, argv + 2);
	if (!strcmp(argv[1], "syn"))
		return cmd_syn(argc - 2, argv + 2);
	if (!strcmp(argv[1], "sink"))
		return cmd_sink(argc - 2, argv + 2);
	usage_die("unknown command", argv[1]);
}
