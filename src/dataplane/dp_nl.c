/*
 * dp_nl: minimal rtnetlink client (see dp_nl.h, docs/io.md "Netlink").
 *
 * Netlink is host byte order, while the buf_* integer helpers are network order;
 * so integers go through put_h16/put_h32 (host-order bytes via buf_put_bytes) and
 * come back through get_h16/get_h32.  Layouts follow <linux/rtnetlink.h>:
 *   nlmsghdr  len u32, type u16, flags u16, seq u32, pid u32      (16 bytes)
 *   ifinfomsg family u8, pad u8, type u16, index s32, flags u32, change u32 (16)
 *   ifaddrmsg family u8, prefixlen u8, flags u8, scope u8, index u32 (8)
 *   rtmsg     family, dst_len, src_len, tos, table, protocol, scope, type u8;
 *             flags u32                                            (12)
 *   rtattr    len u16, type u16, payload, padded to 4
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"
#include "dataplane/dp_netns.h"
#include "dataplane/dp_nl.h"

#define NL_REQ_MAX	512
#define NL_RECV_MAX	32768

struct nl_req {
	struct buf_writer	w;
	uint8_t			buf[NL_REQ_MAX];
};

static void
put_h16(struct buf_writer *w, uint16_t v)
{
	buf_put_bytes(w, &v, sizeof(v));
}

static void
put_h32(struct buf_writer *w, uint32_t v)
{
	buf_put_bytes(w, &v, sizeof(v));
}

static int
get_h16(struct buf_reader *r, uint16_t *v)
{
	return buf_get_bytes(r, v, sizeof(*v));
}

static int
get_h32(struct buf_reader *r, uint32_t *v)
{
	return buf_get_bytes(r, v, sizeof(*v));
}

static void
put_pad(struct buf_writer *w)
{
	buf_put_zero(w, NLMSG_ALIGN(w->len) - w->len);
}

static void
put_attr(struct buf_writer *w, uint16_t type, const void *data, size_t len)
{
	put_h16(w, (uint16_t)(4 + len));
	put_h16(w, type);
	buf_put_bytes(w, data, len);
	put_pad(w);
}

static void
put_attr_u32(struct buf_writer *w, uint16_t type, uint32_t v)
{
	put_attr(w, type, &v, sizeof(v));
}

static void
req_start(struct dp_nl *nl, struct nl_req *q, uint16_t type, uint16_t flags)
{
	buf_writer_init(&q->w, q->buf, sizeof(q->buf));
	put_h32(&q->w, 0);		/* length, patched in req_send */
	put_h16(&q->w, type);
	put_h16(&q->w, NLM_F_REQUEST | flags);
	put_h32(&q->w, ++nl->seq);
	put_h32(&q->w, 0);
}

static int
family_len(uint8_t family, uint8_t *af, size_t *alen)
{
	switch (family) {
	case PFX_V4:
		*af = AF_INET;
		*alen = 4;
		return 0;
	case PFX_V6:
		*af = AF_INET6;
		*alen = 16;
		return 0;
	}
	errno = EAFNOSUPPORT;
	return -1;
}

/*
 * Send the request and read replies until the one answering it.  With want_link
 * set, an RTM_NEWLINK reply's ifindex is stored there; otherwise an ACK is awaited.
 * Returns 0, or -1 with errno from the kernel's NLMSG_ERROR.
 */
static int
req_send(struct dp_nl *nl, struct nl_req *q, int *want_link)
{
	static const struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	uint8_t rbuf[NL_RECV_MAX];
	uint32_t len32, seq = nl->seq;
	ssize_t n;

	if (!buf_wok(&q->w)) {
		errno = EMSGSIZE;
		return -1;
	}
	len32 = (uint32_t)q->w.len;
	memcpy(q->buf, &len32, sizeof(len32));
	if (sendto(nl->fd, q->buf, q->w.len, 0, (const struct sockaddr *)&kernel,
	    sizeof(kernel)) == -1)
		return -1;
	for (;;) {
		struct buf_reader r;

		n = recv(nl->fd, rbuf, sizeof(rbuf), MSG_TRUNC);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if ((size_t)n > sizeof(rbuf)) {
			errno = EMSGSIZE;
			return -1;
		}
		buf_reader_init(&r, rbuf, (size_t)n);
		while (buf_left(&r) >= 16) {
			struct buf_reader m;
			uint32_t mlen, mseq, pid, err32, idx;
			uint16_t type, flags;

			if (get_h32(&r, &mlen) == -1 || mlen < 16 ||
			    buf_get_sub(&r, &m, mlen - 4) == -1)
				break;
			buf_skip(&r, MIN(buf_left(&r), NLMSG_ALIGN(mlen) - mlen));
			get_h16(&m, &type);
			get_h16(&m, &flags);
			get_h32(&m, &mseq);
			get_h32(&m, &pid);
			if (!buf_ok(&m) || mseq != seq)
				continue;
			if (type == NLMSG_ERROR) {
				int32_t e;

				if (get_h32(&m, &err32) == -1) {
					errno = EPROTO;
					return -1;
				}
				memcpy(&e, &err32, sizeof(e));
				if (e == 0)
					return 0;
				errno = -e;
				return -1;
			}
			if (type == RTM_NEWLINK && want_link != NULL) {
				/* ifinfomsg: family, pad, type, then index */
				if (buf_skip(&m, 4) == -1 || get_h32(&m, &idx) == -1) {
					errno = EPROTO;
					return -1;
				}
				*want_link = (int)idx;
				return 0;
			}
		}
	}
}

int
dp_nl_open(struct dp_nl *nl, const char *netns)
{
	struct dp_netns_saved saved;
	struct timeval tv = { .tv_sec = 5 };
	int one = 1;

	nl->fd = -1;
	nl->seq = 0;
	if (dp_netns_enter(netns, &saved) == -1)
		return -1;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	dp_netns_leave(&saved);
	if (nl->fd == -1) {
		log_warn("netlink socket");
		return -1;
	}
	/* Acks carry only the failing header, not our whole request back. */
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* The kernel answers synchronously; a missing answer is a bug, not a wait. */
	setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return 0;
}

void
dp_nl_close(struct dp_nl *nl)
{
	if (nl->fd != -1)
		close(nl->fd);
	nl->fd = -1;
}

static void
put_ifinfo(struct buf_writer *w, int ifindex, uint32_t flags, uint32_t change)
{
	buf_put_u8(w, AF_UNSPEC);
	buf_put_u8(w, 0);
	put_h16(w, 0);
	put_h32(w, (uint32_t)ifindex);
	put_h32(w, flags);
	put_h32(w, change);
}

int
dp_nl_ifindex(struct dp_nl *nl, const char *name)
{
	struct nl_req q;
	int idx = -1;
	size_t len = strlen(name);

	if (len == 0 || len >= IFNAMSIZ) {
		errno = EINVAL;
		return -1;
	}
	req_start(nl, &q, RTM_GETLINK, 0);
	put_ifinfo(&q.w, 0, 0, 0);
	put_attr(&q.w, IFLA_IFNAME, name, len + 1);
	if (req_send(nl, &q, &idx) == -1)
		return -1;
	return idx;
}

int
dp_nl_link_set(struct dp_nl *nl, int ifindex, unsigned mtu, bool up)
{
	struct nl_req q;

	req_start(nl, &q, RTM_NEWLINK, NLM_F_ACK);
	put_ifinfo(&q.w, ifindex, up ? IFF_UP : 0, IFF_UP);
	if (mtu != 0)
		put_attr_u32(&q.w, IFLA_MTU, mtu);
	if (req_send(nl, &q, NULL) == -1) {
		log_warn("netlink: set link %d mtu %u %s", ifindex, mtu,
		    up ? "up" : "down");
		return -1;
	}
	return 0;
}

int
dp_nl_link_del(struct dp_nl *nl, int ifindex)
{
	struct nl_req q;

	req_start(nl, &q, RTM_DELLINK, NLM_F_ACK);
	put_ifinfo(&q.w, ifindex, 0, 0);
	return req_send(nl, &q, NULL);
}

int
dp_nl_addr_add(struct dp_nl *nl, int ifindex, const struct ipaddr *a, unsigned plen)
{
	struct nl_req q;
	uint8_t af;
	size_t alen;
	char s[PREFIX_STRLEN];

	if (family_len(a->family, &af, &alen) == -1 || plen > alen * 8) {
		errno = EINVAL;
		return -1;
	}
	req_start(nl, &q, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
	buf_put_u8(&q.w, af);
	buf_put_u8(&q.w, (uint8_t)plen);
	buf_put_u8(&q.w, 0);
	buf_put_u8(&q.w, RT_SCOPE_UNIVERSE);
	put_h32(&q.w, (uint32_t)ifindex);
	put_attr(&q.w, IFA_LOCAL, a->addr, alen);
	put_attr(&q.w, IFA_ADDRESS, a->addr, alen);
	if (req_send(nl, &q, NULL) == -1) {
		log_warn("netlink: add address %s/%u to link %d",
		    addr_fmt(a, s, sizeof(s)), plen, ifindex);
		return -1;
	}
	return 0;
}

int
dp_nl_route(struct dp_nl *nl, bool add, const struct prefix *p, int ifindex,
    const struct ipaddr *gw)
{
	struct nl_req q;
	uint8_t af, scope;
	size_t alen;
	char s[PREFIX_STRLEN];

	if (family_len(p->family, &af, &alen) == -1 ||
	    (gw != NULL && gw->family != p->family)) {
		errno = EINVAL;
		return -1;
	}
	if (add) {
		req_start(nl, &q, RTM_NEWROUTE,
		    NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
		scope = gw != NULL ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	} else {
		req_start(nl, &q, RTM_DELROUTE, NLM_F_ACK);
		scope = RT_SCOPE_NOWHERE;	/* match any scope, as ip-route does */
	}
	buf_put_u8(&q.w, af);
	buf_put_u8(&q.w, p->len);
	buf_put_u8(&q.w, 0);
	buf_put_u8(&q.w, 0);
	buf_put_u8(&q.w, RT_TABLE_MAIN);
	buf_put_u8(&q.w, RTPROT_STATIC);
	buf_put_u8(&q.w, scope);
	buf_put_u8(&q.w, RTN_UNICAST);
	put_h32(&q.w, 0);
	put_attr(&q.w, RTA_DST, p->addr, alen);
	if (ifindex > 0)
		put_attr_u32(&q.w, RTA_OIF, (uint32_t)ifindex);
	if (gw != NULL)
		put_attr(&q.w, RTA_GATEWAY, gw->addr, alen);
	if (req_send(nl, &q, NULL) == -1) {
		log_warn("netlink: %s route %s via link %d", add ? "add" : "delete",
		    prefix_fmt(p, s, sizeof(s)), ifindex);
		return -1;
	}
	return 0;
}

static int
route_dev(const char *netns, bool add, const struct prefix *p, const char *dev)
{
	struct dp_nl nl;
	int idx, rc = -1;

	if (dp_nl_open(&nl, netns) == -1)
		return -1;
	if ((idx = dp_nl_ifindex(&nl, dev)) == -1)
		log_warn("netlink: no link %s in netns %s", dev,
		    netns != NULL ? netns : "(own)");
	else
		rc = dp_nl_route(&nl, add, p, idx, NULL);
	dp_nl_close(&nl);
	return rc;
}

int
dp_nl_route_add(const char *netns, const struct prefix *p, const char *dev)
{
	return route_dev(netns, true, p, dev);
}

int
dp_nl_route_del(const char *netns, const struct prefix *p, const char *dev)
{
	return route_dev(netns, false, p, dev);
}
