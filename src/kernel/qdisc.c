/* qdisc — the qdiscs of the calling thread's network namespace from
 * rtnetlink, through libmnl (see qdisc.h).
 *
 * Owns: the NETLINK_ROUTE socket of one listing, the two dumps over it
 * (RTM_GETLINK for the interface names, then RTM_GETQDISC), the decoding
 * of their messages, and the table of the kinds that have a limit.
 *
 * Names come from the link dump, not if_indextoname(): that one asks
 * through a socket of its own, made wherever glibc makes it, and an
 * index means another interface in another namespace.  The socket is
 * made by the calling thread, so both dumps see that thread's namespace.
 *
 * Every qdisc is collected before fn sees the first one: a dump the
 * kernel says was interrupted (NLM_F_DUMP_INTR: interfaces changed
 * under it) is then retried from the start without fn having seen half
 * of it, and a dump that fails part way (an error in NLMSG_DONE) fails
 * as a whole.
 */
#include <errno.h>
#include <linux/gen_stats.h>
#include <linux/if.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "dropprof/kernel/qdisc.h"
#include "dropprof/util/error.h"

/* The kernel fills each dump reply up to the largest buffer this socket
 * has read with (up to 32 KiB), and a message longer than the buffer
 * would be cut (libmnl: ENOSPC).  MNL_SOCKET_BUFFER_SIZE is at most
 * 8 KiB; iproute2 reads dumps with 32 KiB, so do we: fewer recvs, and
 * room for a link message with many attributes. */
#define RECV_BUF_SIZE 32768

/* How often a dump the kernel marks as interrupted is tried again. */
#define DUMP_TRIES 3

/* ---- the kinds that have a limit ----------------------------------------- */

/* Where a kind keeps its limit in TCA_OPTIONS: a u32 at offset in the
 * payload of the nested attribute attr, or, when attr is 0, in the
 * payload of TCA_OPTIONS itself (the kinds whose options are a plain
 * struct).  min_len is what that payload must hold at least: the kernel
 * sends these structs whole (sfq sends tc_sfq_qopt_v1, which begins with
 * tc_sfq_qopt; netem appends nested attributes to tc_netem_qopt). */
struct limit_kind {
	const char *kind;
	uint16_t attr;
	size_t offset, min_len;
	char unit;
};

static const struct limit_kind limit_kinds[] = {
	{ "tbf", TCA_TBF_PARMS, offsetof(struct tc_tbf_qopt, limit),
	  sizeof(struct tc_tbf_qopt), 'b' },
	{ "pfifo", 0, offsetof(struct tc_fifo_qopt, limit),
	  sizeof(struct tc_fifo_qopt), 'p' },
	{ "bfifo", 0, offsetof(struct tc_fifo_qopt, limit),
	  sizeof(struct tc_fifo_qopt), 'b' },
	{ "pfifo_head_drop", 0, offsetof(struct tc_fifo_qopt, limit),
	  sizeof(struct tc_fifo_qopt), 'p' },
	{ "fq_codel", TCA_FQ_CODEL_LIMIT, 0, sizeof(uint32_t), 'p' },
	{ "fq", TCA_FQ_PLIMIT, 0, sizeof(uint32_t), 'p' },
	{ "codel", TCA_CODEL_LIMIT, 0, sizeof(uint32_t), 'p' },
	{ "sfq", 0, offsetof(struct tc_sfq_qopt, limit),
	  sizeof(struct tc_sfq_qopt), 'p' },
	{ "netem", 0, offsetof(struct tc_netem_qopt, limit),
	  sizeof(struct tc_netem_qopt), 'p' },
	/* htb (direct_qlen is not a limit of the qdisc), pfifo_fast (the
	 * device's txqueuelen), noqueue, mq, ingress, clsact: none. */
};

static const struct limit_kind *find_limit_kind(const char *kind)
{
	for (size_t i = 0; i < sizeof(limit_kinds) / sizeof(limit_kinds[0]); i++)
		if (!strcmp(limit_kinds[i].kind, kind))
			return &limit_kinds[i];
	return NULL;
}

/* ---- one listing ----------------------------------------------------------- */

struct link {
	int ifindex;
	char name[IFNAMSIZ];
};

struct dump {
	struct link *links;
	size_t nr_links, alloc_links;
	struct dp_qdisc *qdiscs;
	size_t nr_qdiscs, alloc_qdiscs;
	unsigned int bad_links, bad_qdiscs;   /* messages skipped */
};

/* Room for one more element of size in *v (holding *alloc); 0 or -ENOMEM. */
static int grow(void **v, size_t nr, size_t *alloc, size_t size)
{
	size_t n = *alloc ? *alloc * 2 : 16;
	void *p;

	if (nr < *alloc)
		return 0;
	p = reallocarray(*v, n, size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*alloc = n;
	return 0;
}

static void dump_reset(struct dump *d)
{
	d->nr_links = d->nr_qdiscs = 0;
	d->bad_links = d->bad_qdiscs = 0;
}

static void dump_release(struct dump *d)
{
	free(d->links);
	free(d->qdiscs);
}

static int link_cmp(const void *a, const void *b)
{
	const struct link *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

/* ---- decoding: pure ---------------------------------------------------------- */

/* A NUL-terminated string attribute that fits a char[IFNAMSIZ]. */
static bool valid_name(const struct nlattr *attr)
{
	return mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0 &&
	       mnl_attr_get_payload_len(attr) <= IFNAMSIZ;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr, *name = NULL;
	struct link *l;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		goto bad;
	mnl_attr_for_each(attr, nlh, sizeof(*ifi))
		if (mnl_attr_get_type(attr) == IFLA_IFNAME)
			name = attr;
	if (!name || !valid_name(name))
		goto bad;
	if (grow((void **)&d->links, d->nr_links, &d->alloc_links, sizeof(*l))) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	l = &d->links[d->nr_links++];
	l->ifindex = ifi->ifi_index;
	strcpy(l->name, mnl_attr_get_str(name));
	return MNL_CB_OK;
bad:
	d->bad_links++;
	return MNL_CB_OK;
}

static int qdisc_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, TCA_MAX) < 0)
		return MNL_CB_OK;       /* newer than these headers */
	switch (type) {
	case TCA_KIND:
		if (!valid_name(attr))
			return MNL_CB_ERROR;
		break;
	case TCA_STATS:
		if (mnl_attr_validate2(attr, MNL_TYPE_UNSPEC, sizeof(struct tc_stats)) < 0)
			return MNL_CB_ERROR;
		break;
	case TCA_STATS2:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		break;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

static int stats_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);
	size_t min = 0;

	if (mnl_attr_type_valid(attr, TCA_STATS_MAX) < 0)
		return MNL_CB_OK;
	switch (type) {
	case TCA_STATS_BASIC:
		min = sizeof(struct gnet_stats_basic);
		break;
	case TCA_STATS_QUEUE:
		min = sizeof(struct gnet_stats_queue);
		break;
	case TCA_STATS_PKT64:
		min = sizeof(uint64_t);
		break;
	}
	if (min && mnl_attr_validate2(attr, MNL_TYPE_UNSPEC, min) < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

/* The structs are copied out: the kernel aligns a u64 in its buffer with
 * TCA_STATS_PAD, but nothing says ours is aligned as its was. */
static int decode_stats2(struct dp_qdisc *q, const struct nlattr *stats2)
{
	const struct nlattr *tb[TCA_STATS_MAX + 1] = { NULL };

	if (mnl_attr_parse_nested(stats2, stats_attr_cb, tb) < 0)
		return -EPROTO;
	if (tb[TCA_STATS_BASIC]) {
		struct gnet_stats_basic b;

		memcpy(&b, mnl_attr_get_payload(tb[TCA_STATS_BASIC]), sizeof(b));
		q->bytes = b.bytes;
		q->packets = b.packets;
	}
	/* Sent only when the count no longer fits gnet_stats_basic's u32. */
	if (tb[TCA_STATS_PKT64])
		q->packets = mnl_attr_get_u64(tb[TCA_STATS_PKT64]);
	if (tb[TCA_STATS_QUEUE]) {
		struct gnet_stats_queue s;

		memcpy(&s, mnl_attr_get_payload(tb[TCA_STATS_QUEUE]), sizeof(s));
		q->qlen = s.qlen;
		q->backlog = s.backlog;
		q->drops = s.drops;
		q->requeues = s.requeues;
		q->overlimits = s.overlimits;
	}
	return 0;
}

/* The old struct, for a kernel without TCA_STATS2: no requeues. */
static void decode_stats(struct dp_qdisc *q, const struct nlattr *stats)
{
	struct tc_stats s;

	memcpy(&s, mnl_attr_get_payload(stats), sizeof(s));
	q->bytes = s.bytes;
	q->packets = s.packets;
	q->drops = s.drops;
	q->overlimits = s.overlimits;
	q->qlen = s.qlen;
	q->backlog = s.backlog;
}

static int decode_limit(struct dp_qdisc *q, const struct nlattr *opts)
{
	const struct limit_kind *k = find_limit_kind(q->kind);
	const struct nlattr *from = opts;
	uint32_t limit;

	if (!k || !opts)
		return 0;
	if (k->attr) {
		const struct nlattr *attr;

		if (mnl_attr_validate(opts, MNL_TYPE_NESTED) < 0)
			return -EPROTO;
		from = NULL;
		mnl_attr_for_each_nested(attr, opts)
			if (mnl_attr_get_type(attr) == k->attr)
				from = attr;
		if (!from)
			return 0;       /* the kernel did not say */
	}
	if (mnl_attr_get_payload_len(from) < k->min_len)
		return -EPROTO;
	memcpy(&limit, (const char *)mnl_attr_get_payload(from) + k->offset,
	       sizeof(limit));
	q->has_limit = true;
	q->limit = limit;
	q->limit_unit = k->unit;
	return 0;
}

/* One RTM_NEWQDISC into *q, all but dev; -EPROTO when malformed. */
static int decode_qdisc(const struct nlmsghdr *nlh, struct dp_qdisc *q)
{
	const struct nlattr *tb[TCA_MAX + 1] = { NULL };
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*tcm) ||
	    mnl_attr_parse(nlh, sizeof(*tcm), qdisc_attr_cb, tb) < 0 ||
	    !tb[TCA_KIND])
		return -EPROTO;
	memset(q, 0, sizeof(*q));
	q->ifindex = tcm->tcm_ifindex;
	q->handle = tcm->tcm_handle;
	q->parent = tcm->tcm_parent;
	strcpy(q->kind, mnl_attr_get_str(tb[TCA_KIND]));
	if (tb[TCA_STATS2]) {
		if (decode_stats2(q, tb[TCA_STATS2]) < 0)
			return -EPROTO;
	} else if (tb[TCA_STATS]) {
		decode_stats(q, tb[TCA_STATS]);
	}
	return decode_limit(q, tb[TCA_OPTIONS]);
}

static int qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;

	if (nlh->nlmsg_type != RTM_NEWQDISC)
		return MNL_CB_OK;
	if (grow((void **)&d->qdiscs, d->nr_qdiscs, &d->alloc_qdiscs,
		 sizeof(*d->qdiscs))) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	if (decode_qdisc(nlh, &d->qdiscs[d->nr_qdiscs]) < 0)
		d->bad_qdiscs++;
	else
		d->nr_qdiscs++;
	return MNL_CB_OK;
}

/* ---- the control messages ---------------------------------------------------- */

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (!e->error)
		return MNL_CB_STOP;     /* an ACK: nothing more comes */
	errno = e->error < 0 ? -e->error : e->error;
	return MNL_CB_ERROR;
}

/* NLMSG_DONE carries the dump's own result: negative when it stopped
 * early (-EMSGSIZE: an object larger than a reply can hold).  libmnl's
 * default handler ignores it; iproute2's rtnl_dump_done() reads it. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err)) {
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		if (err < 0) {
			errno = -err;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

/* mnl_cb_run2() uses this table instead of its own for every type below
 * NLMSG_MIN_TYPE: NOOP and OVERRUN (NULL) are passed over.  Not const
 * only because mnl_cb_run2() is declared so; it only reads it. */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = done_cb,
};

/* ---- the socket ---------------------------------------------------------------- */

struct nl {
	struct mnl_socket *sock;
	unsigned int portid, seq;
	char *buf;                       /* RECV_BUF_SIZE */
};

static int nl_open(struct nl *nl, char *buf)
{
	int err;

	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto close_sock;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)time(NULL);
	nl->buf = buf;
	return 0;

close_sock:
	mnl_socket_close(nl->sock);
	return err;
}

/* A new dump request of type, with its family header of hdr_size (all
 * zero: AF_UNSPEC, every interface) in nl->buf. */
static struct nlmsghdr *put_request(struct nl *nl, uint16_t type, size_t hdr_size)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++nl->seq;
	mnl_nlmsg_put_extra_header(nlh, hdr_size);
	return nlh;
}

/* Whole messages from start to end, nothing left over: mnl_cb_run()
 * stops quietly at bytes that are not a message, and the end of the
 * dump would then never be seen. */
static bool whole_messages(const void *buf, int len)
{
	const struct nlmsghdr *nlh = buf;

	while (mnl_nlmsg_ok(nlh, len))
		nlh = mnl_nlmsg_next(nlh, &len);
	return len == 0;
}

/* Send the request in nl->buf, then feed the replies to cb until the
 * dump ends.  0, -EINTR when the kernel marks it interrupted, -EPROTO
 * when the replies are not a dump, or -errno. */
static int nl_dump(struct nl *nl, const struct nlmsghdr *req, mnl_cb_t cb,
		   struct dump *d)
{
	unsigned int seq = req->nlmsg_seq;

	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, RECV_BUF_SIZE);
		int ret;

		if (n < 0) {
			if (errno == EINTR)
				continue;       /* a signal, not the dump */
			return -errno;
		}
		if (n == 0 || !whole_messages(nl->buf, (int)n))
			return -EPROTO;
		errno = 0;
		ret = mnl_cb_run2(nl->buf, (size_t)n, seq, nl->portid, cb, d,
				  ctl_cbs, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret == MNL_CB_ERROR)
			return errno ? -errno : -EPROTO;
	}
}

static int dump_links(struct nl *nl, struct dump *d)
{
	struct nlmsghdr *req = put_request(nl, RTM_GETLINK, sizeof(struct ifinfomsg));
	int err;

	/* Only the names are read: leave the link counters out of every
	 * message (kernels before 4.19 ignore the flag). */
	mnl_attr_put_u32(req, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	err = nl_dump(nl, req, link_cb, d);
	if (!err && d->nr_links)
		qsort(d->links, d->nr_links, sizeof(*d->links), link_cmp);
	return err;
}

static int dump_qdiscs(struct nl *nl, struct dump *d)
{
	return nl_dump(nl, put_request(nl, RTM_GETQDISC, sizeof(struct tcmsg)),
		       qdisc_cb, d);
}

/* Both dumps on one socket of the calling thread; tried again, on a new
 * socket (the rest of an interrupted dump is still queued on the old
 * one), while the kernel says a dump was interrupted. */
static int dump_all(struct dump *d)
{
	char *buf = malloc(RECV_BUF_SIZE);
	struct nl nl;
	int err;

	if (!buf)
		return -ENOMEM;
	for (int i = 1;; i++) {
		dump_reset(d);
		err = nl_open(&nl, buf);
		if (err)
			break;
		err = dump_links(&nl, d);
		if (!err)
			err = dump_qdiscs(&nl, d);
		mnl_socket_close(nl.sock);
		if (err != -EINTR)
			break;
		if (i == DUMP_TRIES) {
			err = -EAGAIN;
			break;
		}
	}
	free(buf);
	return err;
}

static void name_qdiscs(struct dump *d)
{
	for (size_t i = 0; i < d->nr_qdiscs; i++) {
		struct dp_qdisc *q = &d->qdiscs[i];
		struct link key = { .ifindex = q->ifindex };
		const struct link *l = d->nr_links ?
			bsearch(&key, d->links, d->nr_links, sizeof(key), link_cmp) : NULL;

		if (l)
			memcpy(q->dev, l->name, sizeof(q->dev));
	}
}

int dp_qdisc_list(int (*fn)(const struct dp_qdisc *q, void *arg), void *arg)
{
	struct dump d = { 0 };
	int err = dump_all(&d);

	if (err)
		goto out;
	name_qdiscs(&d);
	if (d.bad_qdiscs)
		dp_warn("skipped %u qdisc message%s from rtnetlink that could not "
			"be parsed: those qdiscs are left out", d.bad_qdiscs,
			d.bad_qdiscs == 1 ? "" : "s");
	if (d.bad_links)
		dp_warn("skipped %u interface message%s from rtnetlink that could not "
			"be parsed: their qdiscs have no device name", d.bad_links,
			d.bad_links == 1 ? "" : "s");
	for (size_t i = 0; i < d.nr_qdiscs && !err; i++)
		err = fn(&d.qdiscs[i], arg);
out:
	dump_release(&d);
	return err;
}

const char *dp_qdisc_handle_str(uint32_t handle, char *buf, size_t size)
{
	/* As tc prints them: "root", "8001:", ":1", "1:2" in hex. */
	if (handle == TC_H_ROOT)
		snprintf(buf, size, "root");
	else if (handle == TC_H_INGRESS)
		snprintf(buf, size, "ingress");
	else if (!TC_H_MIN(handle))
		snprintf(buf, size, "%x:", TC_H_MAJ(handle) >> 16);
	else if (!TC_H_MAJ(handle))
		snprintf(buf, size, ":%x", TC_H_MIN(handle));
	else
		snprintf(buf, size, "%x:%x", TC_H_MAJ(handle) >> 16, TC_H_MIN(handle));
	return buf;
}
