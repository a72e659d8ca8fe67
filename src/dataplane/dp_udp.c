/*
 * dp_udp: UDP sockets and recvmmsg/sendmmsg batches (see dp_udp.h, docs/io.md
 * "UDP batching").
 *
 * The per-call kernel structures (mmsghdr, iovec, sockaddr, control space) live on
 * the stack, sized for DP_UDP_BATCH_MAX, so a batch allocates nothing and the
 * caller's struct dp_udp_msg stays free of kernel layouts.
 *
 * Ancillary data we ask for or send:
 *   IP_PKTINFO / IPV6_PKTINFO  recv: destination address + ifindex; send: source
 *   UDP_SEGMENT                send: gso_size != 0 splits one buffer into equal
 *                              datagrams in the kernel (Linux >= 4.18)
 *   UDP_GRO                    recv, when cfg.gro: gso_size reports the segment
 *                              size of a buffer holding several datagrams
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "dataplane/dp_netns.h"
#include "dataplane/dp_udp.h"

/* Room for one pktinfo (v6 is the larger) plus one u16 option (GSO/GRO size). */
#define CTL_SPACE	(CMSG_SPACE(sizeof(struct in6_pktinfo)) + \
			 CMSG_SPACE(sizeof(uint16_t)))

union ctl_buf {
	char		buf[CTL_SPACE];
	struct cmsghdr	align;
};

static socklen_t
to_sockaddr(const struct ipaddr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == PFX_V6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->addr, 16);
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->addr, 4);	/* PFX_NONE: all zero = any */
		return sizeof(*s4);
	}
}

static void
from_sockaddr(const struct sockaddr_storage *ss, struct ipaddr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	*port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		a->family = PFX_V4;
		memcpy(a->addr, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		a->family = PFX_V6;
		memcpy(a->addr, &s6->sin6_addr, 16);
		*port = ntohs(s6->sin6_port);
	}
}

/* Ask for a big buffer; as root, past net.core.[rw]mem_max. Report what we got. */
static int
grow_buf(int fd, int force_opt, int opt, int want, const char *what)
{
	int got = 0;
	socklen_t len = sizeof(got);

	if (want > 0 &&
	    setsockopt(fd, SOL_SOCKET, force_opt, &want, sizeof(want)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, opt, &want, sizeof(want)) == -1)
		log_warn("udp: %s %d", what, want);
	if (getsockopt(fd, SOL_SOCKET, opt, &got, &len) == -1)
		return 0;
	/* The kernel doubles the request for its bookkeeping; report the usable half. */
	got /= 2;
	if (want > 0 && got < want)
		log_info("udp: %s: asked %d, granted %d", what, want, got);
	return got;
}

static int
udp_socket(const struct dp_udp_cfg *cfg, struct dp_udp *u)
{
	struct sockaddr_storage ss;
	struct ipaddr bound;
	socklen_t slen;
	int one = 1, af;
	char s[PREFIX_STRLEN];

	u->family = cfg->local.family == PFX_V6 ? PFX_V6 : PFX_V4;
	af = u->family == PFX_V6 ? AF_INET6 : AF_INET;
	if ((u->fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("udp socket");
		return -1;
	}
	if (setsockopt(u->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		goto fail_opt;
	if (af == AF_INET6) {
		if (setsockopt(u->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == -1 ||
		    setsockopt(u->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
		    sizeof(one)) == -1)
			goto fail_opt;
	} else if (setsockopt(u->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == -1)
		goto fail_opt;
	if (cfg->gro &&
	    setsockopt(u->fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) == -1)
		goto fail_opt;
	u->rcvbuf = grow_buf(u->fd, SO_RCVBUFFORCE, SO_RCVBUF, cfg->rcvbuf, "SO_RCVBUF");
	u->sndbuf = grow_buf(u->fd, SO_SNDBUFFORCE, SO_SNDBUF, cfg->sndbuf, "SO_SNDBUF");

	slen = to_sockaddr(&cfg->local, cfg->port, &ss);
	if (bind(u->fd, (struct sockaddr *)&ss, slen) == -1) {
		log_warn("udp bind %s port %u", cfg->local.family == PFX_NONE ?
		    "0.0.0.0" : addr_fmt(&cfg->local, s, sizeof(s)), cfg->port);
		return -1;
	}
	slen = sizeof(ss);
	if (getsockname(u->fd, (struct sockaddr *)&ss, &slen) == -1) {
		log_warn("udp getsockname");
		return -1;
	}
	from_sockaddr(&ss, &bound, &u->port);
	return 0;
fail_opt:
	log_warn("udp setsockopt");
	return -1;
}

int
dp_udp_open(const struct dp_udp_cfg *cfg, struct dp_udp *u)
{
	struct dp_netns_saved saved;
	int rc;

	memset(u, 0, sizeof(*u));
	u->fd = -1;
	if (dp_netns_enter(cfg->netns, &saved) == -1)
		return -1;
	rc = udp_socket(cfg, u);
	dp_netns_leave(&saved);
	if (rc == -1) {
		if (u->fd != -1)
			close(u->fd);
		u->fd = -1;
	}
	return rc;
}

void
dp_udp_close(struct dp_udp *u)
{
	if (u->fd != -1)
		close(u->fd);
	u->fd = -1;
}

static void
parse_ctl(struct msghdr *mh, struct dp_udp_msg *m)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			m->local.family = PFX_V4;
			memcpy(m->local.addr, &pi.ipi_addr, 4);
			m->ifindex = pi.ipi_ifindex;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi6;

			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			m->local.family = PFX_V6;
			memcpy(m->local.addr, &pi6.ipi6_addr, 16);
			m->ifindex = (int)pi6.ipi6_ifindex;
		} else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int gso;

			memcpy(&gso, CMSG_DATA(c), sizeof(gso));
			m->gso_size = (uint16_t)gso;
		}
	}
}

int
dp_udp_recv_batch(struct dp_udp *u, struct dp_udp_msg *msgs, size_t n)
{
	struct mmsghdr mm[DP_UDP_BATCH_MAX];
	struct iovec iov[DP_UDP_BATCH_MAX];
	struct sockaddr_storage sa[DP_UDP_BATCH_MAX];
	union ctl_buf ctl[DP_UDP_BATCH_MAX];
	size_t i;
	int got;

	n = MIN(n, (size_t)DP_UDP_BATCH_MAX);
	if (n == 0)
		return 0;
	memset(mm, 0, n * sizeof(mm[0]));
	for (i = 0; i < n; i++) {
		iov[i].iov_base = msgs[i].buf;
		iov[i].iov_len = msgs[i].cap;
		mm[i].msg_hdr.msg_name = &sa[i];
		mm[i].msg_hdr.msg_namelen = sizeof(sa[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = ctl[i].buf;
		mm[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
	}
	do
		got = recvmmsg(u->fd, mm, (unsigned)n, MSG_DONTWAIT, NULL);
	while (got == -1 && errno == EINTR);
	if (got == -1)
		return errno == EAGAIN ? 0 : -1;
	for (i = 0; i < (size_t)got; i++) {
		struct dp_udp_msg *m = &msgs[i];

		m->len = MIN((size_t)mm[i].msg_len, m->cap);
		m->flags = mm[i].msg_hdr.msg_flags & MSG_TRUNC;
		from_sockaddr(&sa[i], &m->peer, &m->peer_port);
		memset(&m->local, 0, sizeof(m->local));
		m->ifindex = 0;
		m->gso_size = 0;
		parse_ctl(&mm[i].msg_hdr, m);
	}
	return got;
}

/* Source address and GSO size for one outgoing datagram; returns control bytes. */
static size_t
build_ctl(const struct dp_udp_msg *m, union ctl_buf *ctl)
{
	struct msghdr mh;
	struct cmsghdr *c;
	size_t used = 0;

	memset(ctl, 0, sizeof(*ctl));
	memset(&mh, 0, sizeof(mh));
	mh.msg_control = ctl->buf;
	mh.msg_controllen = sizeof(ctl->buf);
	c = CMSG_FIRSTHDR(&mh);
	if (m->local.family == PFX_V4) {
		struct in_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		memcpy(&pi.ipi_spec_dst, m->local.addr, 4);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		used += CMSG_SPACE(sizeof(pi));
	} else if (m->local.family == PFX_V6) {
		struct in6_pktinfo pi6;

		memset(&pi6, 0, sizeof(pi6));
		memcpy(&pi6.ipi6_addr, m->local.addr, 16);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi6));
		memcpy(CMSG_DATA(c), &pi6, sizeof(pi6));
		used += CMSG_SPACE(sizeof(pi6));
	}
	if (m->gso_size != 0) {
		if (used > 0) {
			mh.msg_controllen = used + CMSG_SPACE(sizeof(uint16_t));
			c = CMSG_NXTHDR(&mh, c);
		}
		c->cmsg_level = SOL_UDP;
		c->cmsg_type = UDP_SEGMENT;
		c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		memcpy(CMSG_DATA(c), &m->gso_size, sizeof(uint16_t));
		used += CMSG_SPACE(sizeof(uint16_t));
	}
	return used;
}

int
dp_udp_send_batch(struct dp_udp *u, const struct dp_udp_msg *msgs, size_t n)
{
	struct mmsghdr mm[DP_UDP_BATCH_MAX];
	struct iovec iov[DP_UDP_BATCH_MAX];
	struct sockaddr_storage sa[DP_UDP_BATCH_MAX];
	union ctl_buf ctl[DP_UDP_BATCH_MAX];
	size_t i, clen;
	int sent;

	n = MIN(n, (size_t)DP_UDP_BATCH_MAX);
	if (n == 0)
		return 0;
	memset(mm, 0, n * sizeof(mm[0]));
	for (i = 0; i < n; i++) {
		if (msgs[i].peer.family != u->family) {
			errno = EAFNOSUPPORT;
			return -1;
		}
		iov[i].iov_base = msgs[i].buf;
		iov[i].iov_len = msgs[i].len;
		mm[i].msg_hdr.msg_name = &sa[i];
		mm[i].msg_hdr.msg_namelen = to_sockaddr(&msgs[i].peer,
		    msgs[i].peer_port, &sa[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		if ((clen = build_ctl(&msgs[i], &ctl[i])) > 0) {
			mm[i].msg_hdr.msg_control = ctl[i].buf;
			mm[i].msg_hdr.msg_controllen = clen;
		}
	}
	do
		sent = sendmmsg(u->fd, mm, (unsigned)n, MSG_DONTWAIT);
	while (sent == -1 && errno == EINTR);
	return sent;
}
