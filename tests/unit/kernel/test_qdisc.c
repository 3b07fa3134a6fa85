/* test_qdisc — unit tests for the qdisc listing (src/kernel/qdisc.c).
 *
 * Most tests answer dp_qdisc_list()'s two dump requests with netlink
 * messages built here (mnl_nlmsg_put_header, mnl_attr_put): the binary
 * is linked with --wrap=mnl_socket_sendto and --wrap=mnl_socket_recvfrom
 * (GNUmakefile), and while fake.on the wrappers record each request and
 * hand back the replies queued for its type, stamped with its sequence
 * number and the socket's port id as the kernel's would be.  The socket
 * itself is real (making one needs no privilege); nothing reaches the
 * kernel.
 *
 * Two tests ask the real kernel (fake.on false): one in the test's own
 * namespace, and one in a namespace it makes (ip netns add dpq-test-PID)
 * with a tbf on lo, entered by a thread with setns(), which sends
 * packets the tbf must drop; the namespace is deleted in the teardown,
 * whatever the test did.  That one skips when not root or without ip
 * and tc.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/gen_stats.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>

#include "dropprof/kernel/qdisc.h"
#include "dropprof/util/error.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the fake kernel ------------------------------------------------------ */

/* One recv's worth of messages. */
struct chunk {
	size_t len;
	char buf[8192] __attribute__((aligned(8)));
};

struct reply {
	struct chunk chunks[4];
	size_t nr;
};

struct request {
	uint16_t type, flags;
	unsigned int portid;
	uint8_t family;             /* first byte of the family header */
	size_t payload_len;
	bool skip_stats;            /* IFLA_EXT_MASK has RTEXT_FILTER_SKIP_STATS */
};

static struct {
	bool on;
	struct reply links, qdiscs;        /* the answers, per request type */
	unsigned int interrupt_links;      /* link dumps marked NLM_F_DUMP_INTR */
	int seq_skew;                      /* added to the replies' seq */
	int recv_eintr;                    /* recvs that fail with EINTR first */
	struct request req[8];
	size_t nr_req;
	unsigned int overreads;            /* recvs with nothing queued */
	/* the answer being read */
	const struct reply *queue;
	size_t next;
	uint32_t seq, portid;
	bool intr;
} fake;

ssize_t __real_mnl_socket_sendto(const struct mnl_socket *nl, const void *req, size_t siz);
ssize_t __real_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t siz);
ssize_t __wrap_mnl_socket_sendto(const struct mnl_socket *nl, const void *req, size_t siz);
ssize_t __wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t siz);

ssize_t __wrap_mnl_socket_sendto(const struct mnl_socket *nl, const void *req, size_t siz)
{
	const struct nlmsghdr *nlh = req;
	struct request *r;
	const struct nlattr *attr;
	size_t hdr;

	if (!fake.on)
		return __real_mnl_socket_sendto(nl, req, siz);
	assert_true(fake.nr_req < ARRAY_SIZE(fake.req));
	assert_int_equal(nlh->nlmsg_len, siz);
	r = &fake.req[fake.nr_req++];
	r->type = nlh->nlmsg_type;
	r->flags = nlh->nlmsg_flags;
	r->portid = mnl_socket_get_portid(nl);
	r->family = *(const uint8_t *)mnl_nlmsg_get_payload(nlh);
	hdr = r->type == RTM_GETLINK ? sizeof(struct ifinfomsg) : sizeof(struct tcmsg);
	r->payload_len = mnl_nlmsg_get_payload_len(nlh);
	if (r->payload_len >= hdr) {
		mnl_attr_for_each(attr, nlh, hdr)
			if (mnl_attr_get_type(attr) == IFLA_EXT_MASK && r->type == RTM_GETLINK)
				r->skip_stats = mnl_attr_get_u32(attr) & RTEXT_FILTER_SKIP_STATS;
	}
	fake.queue = r->type == RTM_GETLINK ? &fake.links : &fake.qdiscs;
	fake.next = 0;
	fake.seq = nlh->nlmsg_seq;
	fake.portid = r->portid;
	fake.intr = false;
	if (r->type == RTM_GETLINK && fake.interrupt_links) {
		fake.interrupt_links--;
		fake.intr = true;
	}
	return (ssize_t)siz;
}

ssize_t __wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t siz)
{
	const struct chunk *c;
	struct nlmsghdr *nlh = buf;
	int len;

	if (!fake.on)
		return __real_mnl_socket_recvfrom(nl, buf, siz);
	if (fake.recv_eintr) {
		fake.recv_eintr--;
		errno = EINTR;
		return -1;
	}
	if (!fake.queue || fake.next == fake.queue->nr) {
		/* A real socket would wait here for ever. */
		fake.overreads++;
		errno = EAGAIN;
		return -1;
	}
	c = &fake.queue->chunks[fake.next++];
	if (c->len > siz) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, c->buf, c->len);
	for (len = (int)c->len; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		nlh->nlmsg_seq = fake.seq + (uint32_t)fake.seq_skew;
		nlh->nlmsg_pid = fake.portid;
		if (fake.intr)
			nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
	}
	return (ssize_t)c->len;
}

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	fake.on = true;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake.on = false;
	return 0;
}

/* ---- building replies ------------------------------------------------------ */

static struct chunk *next_chunk(struct reply *r)
{
	assert_true(r->nr < ARRAY_SIZE(r->chunks));
	return &r->chunks[r->nr++];
}

static struct nlmsghdr *begin(struct chunk *c, uint16_t type)
{
	struct nlmsghdr *nlh;

	/* mnl_attr_put() does not check room: stay well inside. */
	assert_true(c->len + 1024 <= sizeof(c->buf));
	nlh = mnl_nlmsg_put_header(c->buf + c->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_MULTI;
	return nlh;
}

static void end(struct chunk *c, struct nlmsghdr *nlh)
{
	c->len += MNL_ALIGN(nlh->nlmsg_len);
	assert_true(c->len <= sizeof(c->buf));
}

static void put_link(struct chunk *c, int ifindex, const char *name)
{
	struct nlmsghdr *nlh = begin(c, RTM_NEWLINK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_TXQLEN, 1000);
	end(c, nlh);
}

static struct nlmsghdr *begin_qdisc(struct chunk *c, int ifindex, const char *kind,
				    uint32_t handle, uint32_t parent)
{
	struct nlmsghdr *nlh = begin(c, RTM_NEWQDISC);
	struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_handle = handle;
	tcm->tcm_parent = parent;
	if (kind)
		mnl_attr_put_strz(nlh, TCA_KIND, kind);
	return nlh;
}

/* TCA_STATS2 as gnet_stats_copy_basic/_queue write it (rate estimator
 * and pad left out), and the old TCA_STATS the kernel sends with it. */
static void put_stats2(struct nlmsghdr *nlh, uint64_t bytes, uint32_t packets,
		       const struct gnet_stats_queue *qs)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, TCA_STATS2);
	struct gnet_stats_basic b = { .bytes = bytes, .packets = packets };

	mnl_attr_put(nlh, TCA_STATS_BASIC, sizeof(b), &b);
	mnl_attr_put(nlh, TCA_STATS_QUEUE, sizeof(*qs), qs);
	mnl_attr_nest_end(nlh, nest);
}

static void put_done(struct chunk *c, int err)
{
	struct nlmsghdr *nlh = begin(c, NLMSG_DONE);
	int *p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));

	*p = err;
	end(c, nlh);
}

static void put_error(struct chunk *c, int err)
{
	struct nlmsghdr *nlh = begin(c, NLMSG_ERROR);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = err;
	end(c, nlh);
}

/* Links: lo (1) and eth0 (2), then the end, in one recv. */
static void queue_links(void)
{
	struct chunk *c = next_chunk(&fake.links);

	put_link(c, 2, "eth0");
	put_link(c, 1, "lo");
	put_done(c, 0);
}

/* ---- what dp_qdisc_list() gives ---------------------------------------------- */

struct seen {
	struct dp_qdisc q[128];
	size_t n, calls;
	size_t stop_at;             /* return stop_ret from that call (1-based) */
	int stop_ret;
};

static int collect(const struct dp_qdisc *q, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	if (s->n < ARRAY_SIZE(s->q))
		s->q[s->n++] = *q;
	return s->stop_at && s->calls == s->stop_at ? s->stop_ret : 0;
}

struct warnings {
	char text[1024];
	unsigned int n;
};

static void capture(enum dp_print_level level, const char *msg, void *ctx)
{
	struct warnings *w = ctx;
	size_t len = strlen(w->text);

	if (level != DP_PRINT_WARN)
		return;
	w->n++;
	snprintf(w->text + len, sizeof(w->text) - len, "%s\n", msg);
}

/* dp_qdisc_list() with warnings captured. */
static int list(struct seen *s, struct warnings *w)
{
	dp_print_fn old;
	int err;

	memset(w, 0, sizeof(*w));
	old = dp_set_print(capture, w);
	err = dp_qdisc_list(collect, s);
	dp_set_print(old, NULL);
	return err;
}

/* ---- decoding ------------------------------------------------------------------ */

static void test_tbf_fq_codel_pfifo_fast(void **state)
{
	struct gnet_stats_queue qs = {
		.qlen = 2, .backlog = 3000, .drops = 17, .requeues = 1, .overlimits = 40,
	};
	struct tc_tbf_qopt tbf = { .limit = 25000, .buffer = 1600, .mtu = 1514 };
	struct tc_prio_qopt prio = { .bands = 3 };
	struct tc_stats old = {
		.bytes = 45247, .packets = 507, .drops = 3, .overlimits = 4,
		.qlen = 5, .backlog = 600,
	};
	struct chunk *c;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct seen s = { 0 };
	struct warnings w;

	(void)state;
	queue_links();
	c = next_chunk(&fake.qdiscs);
	/* tbf 1: root on eth0, its stats twice (STATS2 wins). */
	nlh = begin_qdisc(c, 2, "tbf", 0x10000, TC_H_ROOT);
	nest = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_TBF_PARMS, sizeof(tbf), &tbf);
	mnl_attr_put_u64(nlh, TCA_TBF_RATE64, 125000);
	mnl_attr_nest_end(nlh, nest);
	put_stats2(nlh, 1234567890123ULL, 4000000000u, &qs);
	mnl_attr_put(nlh, TCA_STATS, sizeof(old), &old);
	end(c, nlh);
	/* fq_codel 10: under it, the limit among its other attributes. */
	nlh = begin_qdisc(c, 2, "fq_codel", 0x100000, 0x10001);
	nest = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u32(nlh, TCA_FQ_CODEL_TARGET, 4999);
	mnl_attr_put_u32(nlh, TCA_FQ_CODEL_LIMIT, 10240);
	mnl_attr_put_u32(nlh, TCA_FQ_CODEL_INTERVAL, 99999);
	mnl_attr_put_u32(nlh, TCA_FQ_CODEL_MEMORY_LIMIT, 32 << 20);
	mnl_attr_nest_end(nlh, nest);
	put_stats2(nlh, 10, 1, &(struct gnet_stats_queue){ .drops = 9 });
	end(c, nlh);
	/* pfifo_fast on lo: options without a limit, only the old stats. */
	nlh = begin_qdisc(c, 1, "pfifo_fast", 0, TC_H_ROOT);
	mnl_attr_put(nlh, TCA_OPTIONS, sizeof(prio), &prio);
	mnl_attr_put(nlh, TCA_STATS, sizeof(old), &old);
	end(c, nlh);
	put_done(c, 0);

	assert_int_equal(list(&s, &w), 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(s.n, 3);

	assert_string_equal(s.q[0].dev, "eth0");
	assert_int_equal(s.q[0].ifindex, 2);
	assert_string_equal(s.q[0].kind, "tbf");
	assert_int_equal(s.q[0].handle, 0x10000);
	assert_int_equal(s.q[0].parent, TC_H_ROOT);
	assert_true(s.q[0].has_limit);
	assert_int_equal(s.q[0].limit, 25000);
	assert_int_equal(s.q[0].limit_unit, 'b');
	assert_int_equal(s.q[0].bytes, 1234567890123ULL);
	assert_int_equal(s.q[0].packets, 4000000000u);
	assert_int_equal(s.q[0].drops, 17);
	assert_int_equal(s.q[0].overlimits, 40);
	assert_int_equal(s.q[0].requeues, 1);
	assert_int_equal(s.q[0].qlen, 2);
	assert_int_equal(s.q[0].backlog, 3000);

	assert_string_equal(s.q[1].dev, "eth0");
	assert_string_equal(s.q[1].kind, "fq_codel");
	assert_int_equal(s.q[1].parent, 0x10001);
	assert_true(s.q[1].has_limit);
	assert_int_equal(s.q[1].limit, 10240);
	assert_int_equal(s.q[1].limit_unit, 'p');
	assert_int_equal(s.q[1].drops, 9);

	assert_string_equal(s.q[2].dev, "lo");
	assert_string_equal(s.q[2].kind, "pfifo_fast");
	assert_false(s.q[2].has_limit);
	assert_int_equal(s.q[2].limit, 0);
	assert_int_equal(s.q[2].limit_unit, 0);
	assert_int_equal(s.q[2].bytes, 45247);
	assert_int_equal(s.q[2].packets, 507);
	assert_int_equal(s.q[2].drops, 3);
	assert_int_equal(s.q[2].overlimits, 4);
	assert_int_equal(s.q[2].requeues, 0);
	assert_int_equal(s.q[2].qlen, 5);
	assert_int_equal(s.q[2].backlog, 600);
}

/* Every kind of the table, where its limit sits, and the ones without. */
static void test_limits(void **state)
{
	struct tc_fifo_qopt fifo = { .limit = 1000 };
	struct tc_fifo_qopt bytes = { .limit = 150000 };
	struct tc_sfq_qopt_v1 sfq = { .v0 = { .quantum = 1514, .limit = 127, .divisor = 1024 },
				      .depth = 127 };
	struct tc_netem_qopt netem = { .latency = 100, .limit = 3000, .loss = 1 };
	struct tc_htb_glob htb = { .version = 3, .defcls = 0x10 };
	static const struct {
		const char *kind;
		uint64_t limit;
		char unit;
	} want[] = {
		{ "pfifo", 1000, 'p' }, { "bfifo", 150000, 'b' },
		{ "pfifo_head_drop", 1000, 'p' }, { "sfq", 127, 'p' },
		{ "netem", 3000, 'p' }, { "codel", 600, 'p' }, { "fq", 10000, 'p' },
		{ "htb", 0, 0 }, { "fq", 0, 0 }, { "noqueue", 0, 0 },
		{ "ingress", 0, 0 }, { "clsact", 0, 0 }, { "mq", 0, 0 },
	};
	struct chunk *c;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct seen s = { 0 };
	struct warnings w;

	(void)state;
	queue_links();
	c = next_chunk(&fake.qdiscs);
	nlh = begin_qdisc(c, 2, "pfifo", 0x10000, TC_H_ROOT);
	mnl_attr_put(nlh, TCA_OPTIONS, sizeof(fifo), &fifo);
	end(c, nlh);
	nlh = begin_qdisc(c, 2, "bfifo", 0x20000, TC_H_ROOT);
	mnl_attr_put(nlh, TCA_OPTIONS, sizeof(bytes), &bytes);
	end(c, nlh);
	nlh = begin_qdisc(c, 2, "pfifo_head_drop", 0x30000, TC_H_ROOT);
	mnl_attr_put(nlh, TCA_OPTIONS, sizeof(fifo), &fifo);
	end(c, nlh);
	nlh = begin_qdisc(c, 2, "sfq", 0x40000, TC_H_ROOT);
	mnl_attr_put(nlh, TCA_OPTIONS, sizeof(sfq), &sfq);
	end(c, nlh);
	/* netem: its struct, then nested attributes inside TCA_OPTIONS. */
	nlh = begin_qdisc(c, 2, "netem", 0x50000, TC_H_ROOT);
	nest = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	memcpy(mnl_nlmsg_get_payload_tail(nlh), &netem, sizeof(netem));
	nlh->nlmsg_len += MNL_ALIGN(sizeof(netem));
	mnl_attr_put_u64(nlh, TCA_NETEM_LATENCY64, 100000);
	mnl_attr_nest_end(nlh, nest);
	end(c, nlh);

	/* The rest in a second recv, as a dump of many would come. */
	c = next_chunk(&fake.qdiscs);
	nlh = begin_qdisc(c, 2, "codel", 0x60000, TC_H_ROOT);
	nest = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u32(nlh, TCA_CODEL_TARGET, 4999);
	mnl_attr_put_u32(nlh, TCA_CODEL_LIMIT, 600);
	mnl_attr_nest_end(nlh, nest);
	end(c, nlh);
	nlh = begin_qdisc(c, 2, "fq", 0x70000, TC_H_ROOT);
	nest = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u32(nlh, TCA_FQ_FLOW_PLIMIT, 100);
	mnl_attr_put_u32(nlh, TCA_FQ_PLIMIT, 10000);
	mnl_attr_nest_end(nlh, nest);
	end(c, nlh);
	nlh = begin_qdisc(c, 2, "htb", 0x80000, TC_H_ROOT);
	nest = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_HTB_INIT, sizeof(htb), &htb);
	mnl_attr_put_u32(nlh, TCA_HTB_DIRECT_QLEN, 1000);
	mnl_attr_nest_end(nlh, nest);
	end(c, nlh);
	/* fq without its limit attribute: the kernel did not say. */
	nlh = begin_qdisc(c, 2, "fq", 0x90000, TC_H_ROOT);
	nest = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u32(nlh, TCA_FQ_FLOW_PLIMIT, 100);
	mnl_attr_nest_end(nlh, nest);
	end(c, nlh);
	nlh = begin_qdisc(c, 1, "noqueue", 0, TC_H_ROOT);
	end(c, nlh);
	nlh = begin_qdisc(c, 2, "ingress", 0xffff0000, TC_H_INGRESS);
	mnl_attr_nest_end(nlh, mnl_attr_nest_start(nlh, TCA_OPTIONS));
	end(c, nlh);
	nlh = begin_qdisc(c, 1, "clsact", 0xffff0000, TC_H_CLSACT);
	end(c, nlh);
	nlh = begin_qdisc(c, 2, "mq", 0, TC_H_ROOT);
	end(c, nlh);
	put_done(c, 0);

	assert_int_equal(list(&s, &w), 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(s.n, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_string_equal(s.q[i].kind, want[i].kind);
		assert_int_equal(s.q[i].has_limit, want[i].unit != 0);
		assert_int_equal(s.q[i].limit, want[i].limit);
		assert_int_equal(s.q[i].limit_unit, want[i].unit);
	}
	assert_int_equal(s.q[10].parent, TC_H_INGRESS);
	assert_int_equal(s.q[10].handle, 0xffff0000);
}

/* Messages that cannot be parsed are left out, and said once; the ones
 * around them are kept. */
static void test_malformed(void **state)
{
	struct gnet_stats_queue qs = { .drops = 5 };
	struct tc_fifo_qopt fifo = { .limit = 10 };
	uint32_t four = 4;
	struct chunk *c;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct seen s = { 0 };
	struct warnings w;

	(void)state;
	c = next_chunk(&fake.links);
	put_link(c, 1, "lo");
	/* A name without its NUL, and one too long for IFNAMSIZ. */
	nlh = begin(c, RTM_NEWLINK);
	((struct ifinfomsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg)))->ifi_index = 2;
	mnl_attr_put(nlh, IFLA_IFNAME, 4, "eth0");
	end(c, nlh);
	put_link(c, 3, "a-name-longer-than-ifnamsiz");
	put_done(c, 0);

	c = next_chunk(&fake.qdiscs);
	nlh = begin_qdisc(c, 1, "pfifo", 0x10000, TC_H_ROOT);
	end(c, nlh);
	/* TCA_STATS_QUEUE of 4 bytes. */
	nlh = begin_qdisc(c, 1, "tbf", 0x20000, TC_H_ROOT);
	nest = mnl_attr_nest_start(nlh, TCA_STATS2);
	mnl_attr_put(nlh, TCA_STATS_QUEUE, sizeof(four), &four);
	mnl_attr_nest_end(nlh, nest);
	end(c, nlh);
	/* No TCA_KIND. */
	nlh = begin_qdisc(c, 1, NULL, 0x30000, TC_H_ROOT);
	put_stats2(nlh, 1, 1, &qs);
	end(c, nlh);
	/* Shorter than a tcmsg. */
	nlh = begin(c, RTM_NEWQDISC);
	mnl_nlmsg_put_extra_header(nlh, 8);
	end(c, nlh);
	/* An attribute longer than the message: parsing stops before
	 * TCA_KIND's value is whole, so there is no kind. */
	nlh = begin_qdisc(c, 1, NULL, 0x40000, TC_H_ROOT);
	nest = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_strz(nlh, TCA_KIND, "sfq");
	nest->nla_len = 200;
	end(c, nlh);
	/* A limit too short for its kind (tc_fifo_qopt is 4 bytes). */
	nlh = begin_qdisc(c, 1, "bfifo", 0x50000, TC_H_ROOT);
	mnl_attr_put(nlh, TCA_OPTIONS, 2, &four);
	end(c, nlh);
	/* A kind of 16 bytes and its NUL. */
	nlh = begin_qdisc(c, 1, "sixteen-bytes-ok", 0x60000, TC_H_ROOT);
	end(c, nlh);
	/* Not a qdisc message at all: passed over, not counted. */
	put_link(c, 9, "stray");
	/* After all these, still read. */
	nlh = begin_qdisc(c, 2, "pfifo", 0x70000, TC_H_ROOT);
	mnl_attr_put(nlh, TCA_OPTIONS, sizeof(fifo), &fifo);
	put_stats2(nlh, 100, 2, &qs);
	end(c, nlh);
	put_done(c, 0);

	assert_int_equal(list(&s, &w), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.q[0].kind, "pfifo");
	assert_string_equal(s.q[0].dev, "lo");
	assert_false(s.q[0].has_limit);   /* no TCA_OPTIONS at all */
	assert_string_equal(s.q[1].kind, "pfifo");
	assert_int_equal(s.q[1].handle, 0x70000);
	assert_string_equal(s.q[1].dev, "");   /* its link was malformed */
	assert_int_equal(s.q[1].ifindex, 2);
	assert_int_equal(s.q[1].limit, 10);
	assert_int_equal(s.q[1].drops, 5);
	assert_int_equal(w.n, 2);
	assert_non_null(strstr(w.text, "skipped 6 qdisc messages from rtnetlink"));
	assert_non_null(strstr(w.text, "skipped 2 interface messages from rtnetlink"));
}

static void test_pkt64(void **state)
{
	struct gnet_stats_queue qs = { 0 };
	struct chunk *c;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct gnet_stats_basic b = { .bytes = 1ULL << 42, .packets = 7 };
	struct seen s = { 0 };
	struct warnings w;

	(void)state;
	queue_links();
	c = next_chunk(&fake.qdiscs);
	nlh = begin_qdisc(c, 2, "fq_codel", 0, TC_H_ROOT);
	nest = mnl_attr_nest_start(nlh, TCA_STATS2);
	mnl_attr_put(nlh, TCA_STATS_BASIC, sizeof(b), &b);
	mnl_attr_put(nlh, TCA_STATS_QUEUE, sizeof(qs), &qs);
	/* The kernel adds it when the u32 wrapped: 2^32 + 7. */
	mnl_attr_put_u64(nlh, TCA_STATS_PKT64, (1ULL << 32) + 7);
	mnl_attr_nest_end(nlh, nest);
	end(c, nlh);
	put_done(c, 0);

	assert_int_equal(list(&s, &w), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.q[0].bytes, 1ULL << 42);
	assert_int_equal(s.q[0].packets, (1ULL << 32) + 7);
}

/* ---- the dump ------------------------------------------------------------------- */

/* Two dump requests on one socket, with the family headers of tc. */
static void test_requests(void **state)
{
	struct seen s = { 0 };
	struct warnings w;

	(void)state;
	queue_links();
	put_done(next_chunk(&fake.qdiscs), 0);
	assert_int_equal(list(&s, &w), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(fake.nr_req, 2);
	assert_int_equal(fake.req[0].type, RTM_GETLINK);
	assert_int_equal(fake.req[0].flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(fake.req[0].family, AF_UNSPEC);
	assert_true(fake.req[0].payload_len >= sizeof(struct ifinfomsg));
	assert_true(fake.req[0].skip_stats);
	assert_int_equal(fake.req[1].type, RTM_GETQDISC);
	assert_int_equal(fake.req[1].flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(fake.req[1].family, AF_UNSPEC);
	assert_int_equal(fake.req[1].payload_len, sizeof(struct tcmsg));
	assert_int_equal(fake.req[0].portid, fake.req[1].portid);
	assert_int_equal(fake.overreads, 0);
}

/* fn's first non-zero return is dp_qdisc_list's, and the last call. */
static void test_stop(void **state)
{
	struct chunk *c;
	struct seen s = { .stop_at = 2, .stop_ret = 42 };
	struct warnings w;

	(void)state;
	queue_links();
	c = next_chunk(&fake.qdiscs);
	for (uint32_t i = 1; i <= 4; i++)
		end(c, begin_qdisc(c, 2, "pfifo", i << 16, TC_H_ROOT));
	put_done(c, 0);
	assert_int_equal(list(&s, &w), 42);
	assert_int_equal(s.calls, 2);
}

/* An error in NLMSG_DONE (the kernel's dump stopped part way) or an
 * NLMSG_ERROR: the listing fails, fn never sees a part of it. */
static void test_dump_errors(void **state)
{
	struct chunk *c;
	struct seen s = { 0 };
	struct warnings w;

	(void)state;
	queue_links();
	c = next_chunk(&fake.qdiscs);
	end(c, begin_qdisc(c, 2, "pfifo", 0x10000, TC_H_ROOT));
	put_done(c, -EMSGSIZE);
	assert_int_equal(list(&s, &w), -EMSGSIZE);
	assert_int_equal(s.calls, 0);

	memset(&fake.qdiscs, 0, sizeof(fake.qdiscs));
	fake.nr_req = 0;
	put_error(next_chunk(&fake.qdiscs), -EPERM);
	assert_int_equal(list(&s, &w), -EPERM);
	assert_int_equal(s.calls, 0);

	/* The link dump's error too. */
	memset(&fake.links, 0, sizeof(fake.links));
	fake.nr_req = 0;
	put_error(next_chunk(&fake.links), -ENOBUFS);
	assert_int_equal(list(&s, &w), -ENOBUFS);
	assert_int_equal(fake.nr_req, 1);
}

/* Replies that are not this dump's: -EPROTO. */
static void test_broken_dump(void **state)
{
	struct chunk *c;
	struct seen s = { 0 };
	struct warnings w;

	(void)state;
	queue_links();
	c = next_chunk(&fake.qdiscs);
	end(c, begin_qdisc(c, 2, "pfifo", 0x10000, TC_H_ROOT));
	put_done(c, 0);
	fake.seq_skew = 1;
	assert_int_equal(list(&s, &w), -EPROTO);
	assert_int_equal(s.calls, 0);

	/* Bytes after the last message that are not a message: without the
	 * check the listing would wait for ever for the end. */
	fake.seq_skew = 0;
	c->len -= MNL_ALIGN(mnl_nlmsg_size(sizeof(int)));   /* no DONE */
	c->len += 8;
	assert_int_equal(list(&s, &w), -EPROTO);
	assert_int_equal(fake.overreads, 0);

	/* A short NLMSG_ERROR. */
	memset(&fake.qdiscs, 0, sizeof(fake.qdiscs));
	c = next_chunk(&fake.qdiscs);
	end(c, begin(c, NLMSG_ERROR));
	assert_int_equal(list(&s, &w), -EPROTO);
	assert_int_equal(s.calls, 0);
}

/* A link dump the kernel marks interrupted is done again, on a new
 * socket; three in a row: -EAGAIN. */
static void test_interrupted(void **state)
{
	struct chunk *c;
	struct seen s = { 0 };
	struct warnings w;

	(void)state;
	queue_links();
	c = next_chunk(&fake.qdiscs);
	end(c, begin_qdisc(c, 1, "noqueue", 0, TC_H_ROOT));
	put_done(c, 0);
	fake.interrupt_links = 2;
	fake.recv_eintr = 1;   /* and a signal: that recv is just done again */
	assert_int_equal(list(&s, &w), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.q[0].dev, "lo");
	assert_int_equal(fake.nr_req, 4);
	assert_int_equal(fake.req[0].type, RTM_GETLINK);
	assert_int_equal(fake.req[1].type, RTM_GETLINK);
	assert_int_equal(fake.req[2].type, RTM_GETLINK);
	assert_int_equal(fake.req[3].type, RTM_GETQDISC);
	assert_int_equal(fake.req[2].portid, fake.req[3].portid);

	memset(&s, 0, sizeof(s));
	fake.nr_req = 0;
	fake.interrupt_links = 3;
	assert_int_equal(list(&s, &w), -EAGAIN);
	assert_int_equal(fake.nr_req, 3);
	assert_int_equal(s.calls, 0);
}

/* A reply too long for the buffer (libmnl: MSG_TRUNC is ENOSPC). */
static void test_recv_error(void **state)
{
	struct seen s = { 0 };
	struct warnings w;

	(void)state;
	queue_links();
	fake.qdiscs.nr = 1;
	fake.qdiscs.chunks[0].len = 40000;
	assert_int_equal(list(&s, &w), -ENOSPC);
}

/* ---- handles ------------------------------------------------------------------------ */

static void test_handle_str(void **state)
{
	static const struct {
		uint32_t h;
		const char *s;
	} cases[] = {
		{ 0x80010000, "8001:" }, { 0x10002, "1:2" }, { 0, "0:" },
		{ 0x1, ":1" }, { TC_H_ROOT, "root" }, { TC_H_INGRESS, "ingress" },
		{ 0xffff0000, "ffff:" }, { 0xabcd00ef, "abcd:ef" },
		{ 0xfffffff2, "ffff:fff2" },
	};
	char buf[DP_QDISC_HANDLE_SIZE], small[4];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_string_equal(dp_qdisc_handle_str(cases[i].h, buf, sizeof(buf)),
				    cases[i].s);
	assert_ptr_equal(dp_qdisc_handle_str(0xfffffff2, small, sizeof(small)), small);
	assert_string_equal(small, "fff");
}

/* ---- the real kernel ------------------------------------------------------------------- */

/* The test's own namespace: no privilege needed.  if_indextoname() is
 * right here (same namespace), so it checks the names. */
static void test_real_own_namespace(void **state)
{
	struct seen s = { 0 }, one = { .stop_at = 1, .stop_ret = 7 };
	unsigned int lo = if_nametoindex("lo");
	bool saw_lo = false;

	(void)state;
	assert_int_equal(dp_qdisc_list(collect, &s), 0);
	for (size_t i = 0; i < s.n; i++) {
		char name[IF_NAMESIZE];

		assert_non_null(if_indextoname((unsigned int)s.q[i].ifindex, name));
		assert_string_equal(s.q[i].dev, name);
		assert_true(s.q[i].kind[0] != '\0');
		if (s.q[i].ifindex == (int)lo && s.q[i].parent == TC_H_ROOT)
			saw_lo = true;
	}
	assert_true(saw_lo);   /* noqueue, at least */
	assert_int_equal(dp_qdisc_list(collect, &one), s.n ? 7 : 0);
	assert_int_equal(one.calls, s.n ? 1 : 0);
}

struct netns_state {
	char name[64];
	bool made;
	const char *skip;
};

static bool have_command(const char *cmd)
{
	char line[128];

	snprintf(line, sizeof(line), "command -v %s >/dev/null 2>&1", cmd);
	return system(line) == 0;
}

/* A command line for sh; 0 when it ran and exited 0. */
__attribute__((format(printf, 1, 2)))
static int run(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return system(line);
}

static int netns_setup(void **state)
{
	struct netns_state *ns = calloc(1, sizeof(*ns));

	if (!ns)
		return -1;
	*state = ns;
	snprintf(ns->name, sizeof(ns->name), "dpq-test-%d", (int)getpid());
	if (geteuid() != 0) {
		ns->skip = "not root (ip netns add, tc)";
		return 0;
	}
	if (!have_command("ip") || !have_command("tc")) {
		ns->skip = "'ip' or 'tc' not found (install iproute2)";
		return 0;
	}
	if (run("ip netns add %s", ns->name)) {
		ns->skip = "'ip netns add' failed";
		return 0;
	}
	ns->made = true;
	if (run("ip -n %s link set lo up", ns->name)) {
		ns->skip = "cannot set lo up in the test namespace";
		return 0;
	}
	if (run("tc -n %s qdisc add dev lo root tbf rate 1kbit burst 1600 limit 100",
		ns->name))
		ns->skip = "'tc qdisc add ... tbf' failed (no sch_tbf in this kernel?)";
	return 0;
}

static int netns_teardown(void **state)
{
	struct netns_state *ns = *state;

	if (ns && ns->made && run("ip netns del %s", ns->name))
		fprintf(stderr, "test_qdisc: cannot delete namespace '%s'\n", ns->name);
	free(ns);
	return 0;
}

struct worker {
	const char *path;
	int setns_err, list_before, list_after, send_err;
	struct seen before, after;
};

#define PACKETS 10

/* In the namespace: the qdiscs, PACKETS datagrams of 200 bytes to
 * 127.0.0.1 (each larger than the tbf's limit of 100 bytes: its bfifo
 * child drops them all), the qdiscs again.  No assertion here: cmocka's
 * are for the test's thread. */
static void *in_netns(void *arg)
{
	struct worker *w = arg;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	char payload[200] = { 0 };
	int fd = open(w->path, O_RDONLY | O_CLOEXEC);
	int s;

	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		w->setns_err = -errno;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	w->list_before = dp_qdisc_list(collect, &w->before);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		w->send_err = -errno;
		return NULL;
	}
	/* A drop at the qdisc is no error for UDP without IP_RECVERR;
	 * what is counted is the qdisc's drops. */
	for (int i = 0; i < PACKETS; i++)
		(void)sendto(s, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to));
	close(s);
	w->list_after = dp_qdisc_list(collect, &w->after);
	return NULL;
}

static const struct dp_qdisc *find_tbf_on_lo(const struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->q[i].kind, "tbf") && !strcmp(s->q[i].dev, "lo"))
			return &s->q[i];
	return NULL;
}

static void test_real_tbf_in_netns(void **state)
{
	struct netns_state *ns = *state;
	struct worker w = { 0 };
	struct seen home = { 0 };
	const struct dp_qdisc *before, *after;
	char path[128];
	pthread_t t;

	if (ns->skip) {
		print_message("skipped: %s\n", ns->skip);
		skip();
	}
	snprintf(path, sizeof(path), "/run/netns/%s", ns->name);
	w.path = path;
	assert_int_equal(pthread_create(&t, NULL, in_netns, &w), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.setns_err, 0);
	assert_int_equal(w.send_err, 0);
	assert_int_equal(w.list_before, 0);
	assert_int_equal(w.list_after, 0);

	before = find_tbf_on_lo(&w.before);
	after = find_tbf_on_lo(&w.after);
	assert_non_null(before);
	assert_non_null(after);
	assert_int_equal(before->ifindex, 1);
	assert_int_equal(before->parent, TC_H_ROOT);
	assert_true(TC_H_MAJ(before->handle) != 0);
	assert_int_equal(TC_H_MIN(before->handle), 0);
	assert_true(before->has_limit);
	assert_int_equal(before->limit, 100);
	assert_int_equal(before->limit_unit, 'b');
	assert_int_equal(after->handle, before->handle);
	assert_true(after->drops >= before->drops + PACKETS);
	assert_int_equal(after->qlen, 0);

	/* This thread never left its namespace: no such tbf here. */
	assert_int_equal(dp_qdisc_list(collect, &home), 0);
	for (size_t i = 0; i < home.n; i++)
		assert_false(!strcmp(home.q[i].kind, "tbf") && home.q[i].handle == before->handle &&
			     home.q[i].limit == 100 && !strcmp(home.q[i].dev, "lo"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tbf_fq_codel_pfifo_fast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pkt64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_dump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recv_error, setup, teardown),
		cmocka_unit_test(test_handle_str),
		cmocka_unit_test(test_real_own_namespace),
		cmocka_unit_test_setup_teardown(test_real_tbf_in_netns, netns_setup,
						netns_teardown),
	};

	return cmocka_run_group_tests_name("qdisc", tests, NULL, NULL);
}
