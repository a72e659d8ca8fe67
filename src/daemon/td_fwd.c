/*
 * td_fwd: the forwarding loop (docs/daemon.md "Packet path"; docs/io.md "The data
 * plane loop this is built for").  Batch-oriented and allocation-free: every buffer
 * is allocated once in td_fwd_new() with ESP headroom and tailroom, packets are
 * encrypted in place (or fragmented into the preallocated fragment pool first) and
 * queued for one sendmmsg per tunnel and batch.
 *
 *   TUN batch  -> dp_ipv4_parse -> lookup in the ingress attachment's table
 *                 (behaviour 1) -> VPC attachment: TTL-1, write to its TUN
 *                                -> tunnel(s): TTL-1, MSS clamp, fragment before
 *                                   encryption (behaviour 33) or ICMP frag needed when
 *                                   DF is set, ESP with the current outbound SA (none:
 *                                   drop, reliability.md 4.2 fail closed), sendmmsg
 *                                -> blackhole: silent drop; none: ICMP net unreachable
 *   UDP batch  -> esp_udp_classify -> esp_decap (SPI, replay, ICV, selectors) -> the
 *                 inner packet enters as if from the tunnel's attachment.
 *
 * Offloads (docs/io.md "Offloads"): an attachment TUN opened with a virtio_net_hdr
 * hands TCP superpackets of up to 64 KB; they are routed once and cut into
 * segments that fit the tunnel MTU right before encryption (dp_gso), or written
 * whole to another such TUN.  Plain TCP segments written to a TUN are coalesced
 * into one superpacket per flow and batch (dp_gro) - one write instead of ~40.
 *
 * ICMP errors (RFC 1812 4.3.2; dp_icmp) go back the way the offending packet came,
 * rate-limited per ingress: out of the ingress TUN from the attachment's ENI
 * address, or - when it came out of a tunnel - into that same tunnel, encrypted
 * with its current outbound SA like any egress packet (no SA: not sent, no_sa;
 * never in clear on the underlay), from an address the SA's selectors carry
 * (td_fwd_icmp.c; none: not sent, icmp_no_src).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/ev.h"
#include "common/log.h"
#include "common/util.h"
#include "daemon/td.h"
#include "dataplane/dp_frag.h"
#include "dataplane/dp_gso.h"
#include "dataplane/dp_icmp.h"
#include "dataplane/dp_mss.h"
#include "esp/esp.h"

#define TD_FRAGS_MAX	16	/* fragments of one packet (8500 / 576 < 16) */
/*
 * Outer UDP GSO (UDP_SEGMENT): at most this many bytes and datagrams per send
 * (the kernel's limits: one IP datagram, UDP_MAX_SEGMENTS of older kernels).
 */
#define TD_UGSO_BYTES	65000
#define TD_UGSO_SEGS	64
#define TD_UGSO_FAILS	8	/* refused this often: stop trying */
/* A TUN read buffer: headroom, virtio_net_hdr, a superpacket, ESP tailroom. */
#define TD_RXSZ		(TD_HEADROOM + DP_GSO_HDR_LEN + DP_GSO_PKT_MAX + TD_TAILROOM)

struct td_fwd {
	uint8_t			*rx[TD_BATCH];		/* TUN reads, data at HEADROOM */
	uint8_t			*rxdata[TD_BATCH];
	uint8_t			*rxvnet[TD_BATCH];	/* rxdata - DP_GSO_HDR_LEN */
	size_t			 rxlen[TD_BATCH];
	uint8_t			*urx[TD_BATCH];		/* UDP reads, data at HEADROOM */
	struct dp_udp_msg	 umsg[TD_BATCH];
	uint8_t			*frag[TD_BATCH];	/* fragment / segment pool */
	uint8_t			*seg1;			/* one segment for a plain TUN */
	struct dp_gro		 gro;			/* TUN writes being coalesced */
	size_t			 gro_bytes;
	size_t			 nfrag;
	struct dp_udp_msg	 tx[TD_BATCH];		/* pending sends of txt */
	size_t			 ntx;
	struct dp_udp_msg	 gtx[TD_BATCH];		/* tx after coalescing ... */
	size_t			 gfirst[TD_BATCH];	/* ... each from tx[gfirst] */
	size_t			 gn[TD_BATCH];		/* ... of gn datagrams */
	uint8_t			*gbuf;			/* coalesced datagrams */
	unsigned		 ugso_fails;
	struct td_tunnel	*txt;
	uint8_t			 icmp[DP_ICMP_ERR_MAX];
};

static const char *const drop_names[TD_DROP_COUNT] = {
	[TD_DROP_PARSE] = "parse",
	[TD_DROP_NOT_V4] = "not_ipv4",
	[TD_DROP_NO_ROUTE] = "no_route",
	[TD_DROP_BLACKHOLE] = "blackhole",
	[TD_DROP_TTL] = "ttl_expired",
	[TD_DROP_NO_TUNNEL] = "no_tunnel",
	[TD_DROP_NO_SA] = "no_sa",
	[TD_DROP_TOO_BIG] = "too_big",
	[TD_DROP_FRAG] = "frag_failed",
	[TD_DROP_ENCAP] = "encap",
	[TD_DROP_DECAP] = "decap",
	[TD_DROP_NOT_ESP] = "not_esp",
	[TD_DROP_TX] = "tx_failed",
	[TD_DROP_DOWN] = "egress_down",
	[TD_DROP_ICMP_SRC] = "icmp_no_src",
};

const char *
td_drop_name(enum td_drop d)
{
	return d < TD_DROP_COUNT ? drop_names[d] : "?";
}

struct td_fwd *
td_fwd_new(void)
{
	struct td_fwd *f = xcalloc(1, sizeof(*f));
	size_t i;

	for (i = 0; i < TD_BATCH; i++) {
		f->rx[i] = xmalloc(TD_RXSZ);
		f->rxdata[i] = f->rx[i] + TD_HEADROOM;
		f->rxvnet[i] = f->rxdata[i] - DP_GSO_HDR_LEN;
		f->urx[i] = xmalloc(TD_RXSZ);
		f->frag[i] = xmalloc(TD_BUFSZ);
	}
	f->seg1 = xmalloc(TD_BUFSZ);
	f->gbuf = xmalloc(TD_BATCH * TD_BUFSZ);
	f->gro.buf = xmalloc(DP_GSO_HDR_LEN + DP_GSO_PKT_MAX);
	return f;
}

void
td_fwd_free(struct td_fwd *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < TD_BATCH; i++) {
		free(f->rx[i]);
		free(f->urx[i]);
		free(f->frag[i]);
	}
	free(f->seg1);
	free(f->gbuf);
	free(f->gro.buf);
	free(f);
}

/*
 * Group the pending datagrams into runs of equal size (the last of a run may be
 * shorter), each copied into gbuf to go out as one UDP_SEGMENT send: the
 * kernel's per-datagram cost through the stack and the veth is paid once per
 * run (performance.md 1(b)).  Returns the number of messages in gtx.
 */
static size_t
coalesce(struct td_fwd *f)
{
	size_t i = 0, j, ng = 0, off = 0, bytes;

	while (i < f->ntx) {
		struct dp_udp_msg *m = &f->gtx[ng];
		size_t sz = f->tx[i].len;

		bytes = sz;
		for (j = i + 1; j < f->ntx && j - i < TD_UGSO_SEGS &&
		    bytes + f->tx[j].len <= TD_UGSO_BYTES; j++) {
			if (f->tx[j].len > sz)
				break;
			bytes += f->tx[j].len;
			if (f->tx[j].len < sz) {
				j++;
				break;
			}
		}
		*m = f->tx[i];
		f->gfirst[ng] = i;
		f->gn[ng] = j - i;
		if (j - i > 1 && f->ugso_fails < TD_UGSO_FAILS) {
			size_t k, o = off;

			for (k = i; k < j; k++) {
				memcpy(f->gbuf + o, f->tx[k].buf, f->tx[k].len);
				o += f->tx[k].len;
			}
			m->buf = f->gbuf + off;
			m->len = bytes;
			m->gso_size = (uint16_t)sz;
			off = o;
		} else {
			f->gn[ng] = 1;
			j = i + 1;
		}
		ng++;
		i = j;
	}
	return ng;
}

static void
flush(struct td *td)
{
	struct td_fwd *f = td->fwd;
	struct td_tunnel *t = f->txt;
	size_t i, k, ng, sent = 0;
	int r;

	if (f->ntx > 0 && t != NULL && t->udp.fd != -1) {
		ng = coalesce(f);
		for (i = 0; i < ng; ) {
			if ((r = dp_udp_send_batch(&t->udp, f->gtx + i, ng - i)) > 0) {
				for (k = i; k < i + (size_t)r; k++) {
					sent += f->gn[k];
					t->c.tx_pkts += f->gn[k];
					t->c.tx_bytes += f->gtx[k].len;
				}
				i += (size_t)r;
				continue;
			}
			/* UDP_SEGMENT refused (old kernel, no csum offload): one by one. */
			if (f->gtx[i].gso_size == 0 || (errno != EINVAL && errno != EIO &&
			    errno != EMSGSIZE && errno != ENOPROTOOPT && errno != EOPNOTSUPP))
				break;
			f->ugso_fails++;
			r = dp_udp_send_batch(&t->udp, f->tx + f->gfirst[i], f->gn[i]);
			for (k = 0; r > 0 && k < (size_t)r; k++) {
				sent++;
				t->c.tx_pkts++;
				t->c.tx_bytes += f->tx[f->gfirst[i] + k].len;
			}
			if (r != (int)f->gn[i])
				break;
			i++;
		}
	}
	if (t != NULL)
		t->c.drops[TD_DROP_TX] += f->ntx - sent;
	f->ntx = 0;
	f->nfrag = 0;
	f->txt = NULL;
}

/* One plain packet to an attachment's TUN, with a zero header when it has one. */
static int
tun_write(const struct td_att *a, const void *pkt, size_t len)
{
	static const uint8_t zero[DP_GSO_HDR_LEN];

	if (a->tun.flags & DP_TUN_VNET_HDR)
		return dp_tun_write2(a->tun.fd, zero, sizeof(zero), pkt, len);
	return dp_tun_write(a->tun.fd, pkt, len);
}

/* Write the superpacket being coalesced, if any. */
static void
gro_flush(struct td *td)
{
	struct td_fwd *f = td->fwd;
	struct td_att *a = f->gro.owner;
	unsigned n = f->gro.n;
	size_t len;

	if ((len = dp_gro_finish(&f->gro)) == 0 || a == NULL)
		return;
	if (dp_tun_write(a->tun.fd, f->gro.buf, len) == -1) {
		a->c.drops[TD_DROP_TX] += n;
	} else {
		a->c.tx_pkts += n;
		a->c.tx_bytes += f->gro_bytes;
	}
	f->gro.owner = NULL;
	f->gro_bytes = 0;
}

/* To the attachment the offending packet came from, through its TUN. */
static void
icmp_error_att(struct td *td, struct td_att *in, const uint8_t *pkt, size_t len,
    const struct dp_ipv4_hdr *h, enum dp_icmp_kind kind, uint16_t mtu)
{
	struct td_fwd *f = td->fwd;
	struct dp_icmp_params p;
	size_t olen;

	if (in->tun.fd == -1 || in->eni.family != PFX_V4)
		return;
	memset(&p, 0, sizeof(p));
	p.kind = kind;
	p.src = addr_v4(&in->eni);
	p.mtu = mtu;
	p.id = td->icmp_id++;
	p.rl = &in->icmp_rl;
	p.now_ns = ev_now_ns(td->ev);
	if (dp_icmp_error(f->icmp, sizeof(f->icmp), &olen, pkt, len, h, &p) !=
	    DP_ICMP_BUILT)
		return;
	if (tun_write(in, f->icmp, olen) == 0)
		in->c.icmp_sent++;
}

/* The counters of where the packet came from. */
static struct td_counters *
in_counters(struct td_att *in_att, struct td_tunnel *in_tun)
{
	return in_att != NULL ? &in_att->c : &in_tun->c;
}

static void
queue(struct td *td, struct td_tunnel *t, const struct esp_pkt *p)
{
	struct td_fwd *f = td->fwd;
	struct dp_udp_msg *m;

	if (f->txt != t || f->ntx == TD_BATCH)
		flush(td);
	f->txt = t;
	m = &f->tx[f->ntx++];
	memset(m, 0, sizeof(*m));
	m->buf = p->buf + p->head;
	m->len = p->len;
	m->peer = t->peer;
	m->peer_port = t->peer_port != 0 ? t->peer_port : TD_ESP_PORT;
}

static void
encap_queue(struct td *td, struct td_tunnel *t, struct esp_sa *sa, struct esp_pkt *p)
{
	if (esp_encap(sa, p) != ESP_DROP_NONE) {
		t->c.drops[TD_DROP_ENCAP]++;
		return;
	}
	queue(td, t, p);
}

/*
 * Back into the tunnel the offending packet came out of, with the tunnel's
 * current outbound SA (none: nothing leaves, reliability.md 4.2), from an address
 * the SA's local selectors hold (td_fwd_icmp.c), built straight into a pool buffer
 * with ESP headroom and queued with the tunnel's other datagrams of this batch.
 */
static void
icmp_error_tun(struct td *td, struct td_tunnel *t, const uint8_t *pkt, size_t len,
    const struct dp_ipv4_hdr *h, enum dp_icmp_kind kind, uint16_t mtu)
{
	struct td_fwd *f = td->fwd;
	struct dp_icmp_params p;
	struct esp_sa *sa;
	struct esp_pkt ep;
	size_t olen;

	/* RFC 1812 4.3.2.7 first: no counter moves for what is never answered. */
	if (dp_icmp_error_allowed(pkt, len, h) != DP_ICMP_BUILT)
		return;
	if (t->sadb == NULL || (sa = esp_sadb_outbound(t->sadb, t->id)) == NULL) {
		t->c.drops[TD_DROP_NO_SA]++;
		return;
	}
	memset(&p, 0, sizeof(p));
	if (td_fwd_icmp_src(t, sa, h->src, &p.src) == -1) {
		t->c.drops[TD_DROP_ICMP_SRC]++;
		return;
	}
	if (t->icmp_rl.cost_ns == 0)
		dp_ratelimit_init(&t->icmp_rl, TD_ICMP_RATE, TD_ICMP_BURST);
	p.kind = kind;
	p.mtu = mtu;
	p.id = td->icmp_id++;
	p.rl = &t->icmp_rl;
	p.now_ns = ev_now_ns(td->ev);
	if (f->txt != t || f->nfrag >= TD_BATCH || f->ntx >= TD_BATCH)
		flush(td);
	f->txt = t;
	if (dp_icmp_error(f->frag[f->nfrag] + TD_HEADROOM, DP_ICMP_ERR_MAX, &olen, pkt,
	    len, h, &p) != DP_ICMP_BUILT)
		return;
	ep.buf = f->frag[f->nfrag++];
	ep.head = TD_HEADROOM;
	ep.len = olen;
	ep.cap = TD_BUFSZ;
	if (esp_encap(sa, &ep) != ESP_DROP_NONE) {
		t->c.drops[TD_DROP_ENCAP]++;
		return;
	}
	queue(td, t, &ep);
	t->c.icmp_sent++;
}

/* An ICMP error to the sender, whichever way its packet came in. */
static void
icmp_error(struct td *td, struct td_att *in_att, struct td_tunnel *in_tun,
    const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *h,
    enum dp_icmp_kind kind, uint16_t mtu)
{
	if (in_att != NULL)
		icmp_error_att(td, in_att, pkt, len, h, kind, mtu);
	else if (in_tun != NULL)
		icmp_error_tun(td, in_tun, pkt, len, h, kind, mtu);
}

/*
 * A TCP superpacket into a tunnel: segments of the sender's MSS (already clamped
 * at the handshake), or less when they would not fit the tunnel MTU, so no
 * segment ever needs fragmenting.  Cut in pieces of what the batch has room for.
 */
static void
to_tunnel_gso(struct td *td, struct td_tunnel *t, struct esp_sa *sa, struct esp_pkt *p,
    const struct dp_ipv4_hdr *h, const struct dp_gso_hdr *gso)
{
	struct td_fwd *f = td->fwd;
	struct dp_gso_seg sg[TD_BATCH];
	const uint8_t *pkt = p->buf + p->head;
	size_t hlen, mss, n, done, room, k, i;

	hlen = dp_gso_tcp4_hlen(pkt, p->len, h);
	if (hlen == 0 || t->mtu <= hlen) {
		t->c.drops[TD_DROP_FRAG]++;
		return;
	}
	mss = gso->gso_size;
	if (mss > t->mtu - hlen)
		mss = t->mtu - hlen;
	if ((n = dp_gso_tcp4_count(pkt, p->len, h, mss)) == 0) {
		t->c.drops[TD_DROP_FRAG]++;
		return;
	}
	for (done = 0; done < n; done += k) {
		if (f->txt != t || f->nfrag >= TD_BATCH || f->ntx >= TD_BATCH)
			flush(td);
		f->txt = t;
		room = TD_BATCH - (f->nfrag > f->ntx ? f->nfrag : f->ntx);
		k = n - done < room ? n - done : room;
		for (i = 0; i < k; i++) {
			sg[i].p = f->frag[f->nfrag + i] + TD_HEADROOM;
			sg[i].cap = TD_PKT_MAX;
		}
		if (dp_gso_tcp4_segment(pkt, p->len, h, mss, done, sg, k) == -1) {
			t->c.drops[TD_DROP_FRAG]++;
			return;
		}
		for (i = 0; i < k; i++) {
			struct esp_pkt sp = { f->frag[f->nfrag + i], TD_HEADROOM,
			    sg[i].len, TD_BUFSZ };

			encap_queue(td, t, sa, &sp);
		}
		f->nfrag += k;
	}
}

/*
 * p itself when ESP fits around it in place; else (a datagram decrypted inside a
 * GRO read, bounded by its neighbours) a copy in a pool buffer, in tmp.
 */
static struct esp_pkt *
roomy(struct td *td, struct td_tunnel *t, const struct esp_sa *sa, struct esp_pkt *p,
    struct esp_pkt *tmp)
{
	struct td_fwd *f = td->fwd;

	if (p->head >= esp_encap_headroom(sa) &&
	    p->cap - p->head - p->len >= esp_encap_tailroom(sa))
		return p;
	if (f->txt != t || f->nfrag >= TD_BATCH || f->ntx >= TD_BATCH)
		flush(td);
	f->txt = t;
	memcpy(f->frag[f->nfrag] + TD_HEADROOM, p->buf + p->head, p->len);
	tmp->buf = f->frag[f->nfrag++];
	tmp->head = TD_HEADROOM;
	tmp->len = p->len;
	tmp->cap = TD_BUFSZ;
	return tmp;
}

static void
to_tunnel(struct td *td, struct td_att *in_att, struct td_tunnel *in_tun,
    struct td_tunnel *t, struct esp_pkt *p, struct dp_ipv4_hdr *h,
    const struct dp_gso_hdr *gso)
{
	struct td_fwd *f = td->fwd;
	struct dp_frag_buf fb[TD_FRAGS_MAX];
	uint8_t *pkt = p->buf + p->head;
	struct esp_sa *sa;
	struct esp_pkt tmp;
	size_t i, n, nf, base;

	/* Fail closed: no current outbound SA, nothing leaves (reliability.md 4.2). */
	if (t->sadb == NULL || (sa = esp_sadb_outbound(t->sadb, t->id)) == NULL) {
		t->c.drops[TD_DROP_NO_SA]++;
		return;
	}
	if (gso != NULL) {
		to_tunnel_gso(td, t, sa, p, h, gso);
		return;
	}
	(void)dp_mss_clamp(pkt, p->len, h, t->mss, 0);
	if (h->tot_len <= t->mtu) {
		encap_queue(td, t, sa, roomy(td, t, sa, p, &tmp));
		return;
	}
	if (h->df) {
		icmp_error(td, in_att, in_tun, pkt, p->len, h, DP_ICMP_K_FRAG_NEEDED,
		    (uint16_t)t->mtu);
		t->c.drops[TD_DROP_TOO_BIG]++;
		return;
	}
	n = dp_ipv4_frag_count(pkt, p->len, h, (uint16_t)t->mtu);
	if (n == 0 || n > TD_FRAGS_MAX) {
		t->c.drops[TD_DROP_FRAG]++;
		return;
	}
	/* Room for every piece now, so queue() never flushes halfway through. */
	if (f->txt != t || f->nfrag + n > TD_BATCH || f->ntx + n > TD_BATCH)
		flush(td);
	f->txt = t;
	base = f->nfrag;
	f->nfrag += n;
	for (i = 0; i < n; i++) {
		fb[i].p = f->frag[base + i] + TD_HEADROOM;
		fb[i].cap = TD_PKT_MAX;
		fb[i].len = 0;
	}
	if (dp_ipv4_fragment(pkt, p->len, h, (uint16_t)t->mtu, fb, n, &nf) !=
	    DP_FRAG_DONE) {
		t->c.drops[TD_DROP_FRAG]++;
		return;
	}
	for (i = 0; i < nf; i++) {
		struct esp_pkt fp = { f->frag[base + i], TD_HEADROOM, fb[i].len, TD_BUFSZ };

		encap_queue(td, t, sa, &fp);
	}
}

/* A superpacket to a TUN without offloads: one segment after the other. */
static void
to_att_segmented(struct td *td, struct td_att *a, const uint8_t *pkt,
    const struct dp_ipv4_hdr *h, const struct dp_gso_hdr *gso)
{
	struct dp_gso_seg sg = { td->fwd->seg1, TD_BUFSZ, 0 };
	size_t hlen, mss, n, k;

	hlen = dp_gso_tcp4_hlen(pkt, h->tot_len, h);
	mss = gso->gso_size;
	if (hlen != 0 && a->mtu > hlen && mss > a->mtu - hlen)
		mss = a->mtu - hlen;
	n = dp_gso_tcp4_count(pkt, h->tot_len, h, mss);
	if (n == 0) {
		a->c.drops[TD_DROP_FRAG]++;
		return;
	}
	for (k = 0; k < n; k++) {
		if (dp_gso_tcp4_segment(pkt, h->tot_len, h, mss, k, &sg, 1) == -1 ||
		    dp_tun_write(a->tun.fd, sg.p, sg.len) == -1) {
			a->c.drops[TD_DROP_TX]++;
			continue;
		}
		a->c.tx_pkts++;
		a->c.tx_bytes += sg.len;
	}
}

static void
to_att(struct td *td, struct td_att *in_att, struct td_tunnel *in_tun, struct td_att *a,
    const struct esp_pkt *p, const struct dp_ipv4_hdr *h, const struct dp_gso_hdr *gso)
{
	struct td_fwd *f = td->fwd;
	const uint8_t *pkt = p->buf + p->head;
	uint8_t vh[DP_GSO_HDR_LEN];
	enum dp_gro_res r;
	int rc;

	if (a->tun.fd == -1) {
		a->c.drops[TD_DROP_DOWN]++;
		return;
	}
	/*
	 * Larger than the VPC side takes (a tunnel of MTU up to 9000 into a VPN
	 * gateway's 1500) with DF: the sender learns the MTU (RFC 1191).  Without DF
	 * the TUN takes it whole, as before.
	 */
	if (gso == NULL && h->df && h->tot_len > a->mtu) {
		icmp_error(td, in_att, in_tun, pkt, h->tot_len, h,
		    DP_ICMP_K_FRAG_NEEDED, (uint16_t)a->mtu);
		a->c.drops[TD_DROP_TOO_BIG]++;
		return;
	}
	if ((a->tun.flags & DP_TUN_VNET_HDR) == 0) {
		if (gso != NULL) {
			to_att_segmented(td, a, pkt, h, gso);
			return;
		}
		rc = dp_tun_write(a->tun.fd, pkt, h->tot_len);
	} else if (gso != NULL) {
		/* Still a superpacket: the kernel takes it whole. */
		gro_flush(td);
		dp_gso_hdr_put(vh, gso);
		rc = dp_tun_write2(a->tun.fd, vh, sizeof(vh), pkt, h->tot_len);
	} else {
		if (f->gro.owner != a)
			gro_flush(td);
		if ((r = dp_gro_add(&f->gro, pkt, h->tot_len, h)) == DP_GRO_FLUSH) {
			gro_flush(td);
			r = dp_gro_add(&f->gro, pkt, h->tot_len, h);
		}
		if (r == DP_GRO_HELD) {
			f->gro.owner = a;
			f->gro_bytes += h->tot_len;
			return;
		}
		gro_flush(td);
		rc = tun_write(a, pkt, h->tot_len);
	}
	if (rc == -1) {
		a->c.drops[TD_DROP_TX]++;
		return;
	}
	a->c.tx_pkts++;
	a->c.tx_bytes += h->tot_len;
}

/* Choose one live tunnel among n by flow hash (ECMP, cloud-semantics.md 1.6). */
static struct td_tunnel *
pick(struct td *td, struct td_tunnel **cand, size_t n, const uint8_t *pkt, size_t len,
    const struct dp_ipv4_hdr *h)
{
	struct td_tunnel *live[RT_ECMP_MAX];
	size_t i, nl = 0;

	for (i = 0; i < n && nl < RT_ECMP_MAX; i++)
		if (td_tunnel_live(cand[i]))
			live[nl++] = cand[i];
	if (nl == 0)
		return n > 0 ? cand[0] : NULL;	/* counted as no_sa there */
	if (nl == 1)
		return live[0];
	return live[dp_hash_member(dp_hash_flow(&td->hash, pkt, len, h), (uint32_t)nl)];
}

/*
 * TGW: a next-hop set (already known to be neither empty nor a blackhole) to a VPC
 * attachment or to one of the live tunnels of the VPN attachment(s) it names.
 */
static void
hub_forward(struct td *td, struct td_att *in_att, struct td_tunnel *in_tun,
    const struct rt_nh *nh, struct esp_pkt *p, struct dp_ipv4_hdr *h,
    const struct dp_gso_hdr *gso)
{
	struct td_counters *ic = in_counters(in_att, in_tun);
	struct td_tunnel *cand[RT_ECMP_MAX], *t;
	struct td_att *att = NULL;
	size_t i, j, n = 0;

	for (i = 0; i < nh->n; i++) {
		const struct rt_target *tg = &nh->t[i];
		const struct td_idmap *m;

		if (tg->kind != RT_TGT_ATTACH || tg->id >= td->nidmap)
			continue;
		m = &td->idmap[tg->id];
		if (m->att != NULL && att == NULL)
			att = m->att;
		for (j = 0; j < m->ntuns && n < RT_ECMP_MAX; j++)
			if (tg->tunnel == RT_TUN_NONE || tg->tunnel == m->tuns[j]->index)
				cand[n++] = m->tuns[j];
	}
	if (att != NULL) {
		to_att(td, in_att, in_tun, att, p, h, gso);
		return;
	}
	if ((t = pick(td, cand, n, p->buf + p->head, p->len, h)) == NULL) {
		ic->drops[TD_DROP_NO_TUNNEL]++;
		return;
	}
	to_tunnel(td, in_att, in_tun, t, p, h, gso);
}

/* VPN gateway: the first live tunnel whose remote selectors hold the destination. */
static struct td_tunnel *
vpngw_tunnel(struct td *td, const struct td_att *in, uint32_t dst)
{
	struct td_tunnel *first = NULL;
	struct ipaddr a;
	size_t i, k;

	addr_from_v4(&a, dst);
	for (i = 0; i < td->ntuns; i++) {
		struct td_tunnel *t = td->tuns[i];

		if (t->vpc_att != in)
			continue;
		for (k = 0; k < t->n_remote; k++) {
			if (!prefix_contains_addr(&t->ts_remote[k], &a))
				continue;
			if (td_tunnel_live(t))
				return t;
			if (first == NULL)
				first = t;
		}
	}
	return first;
}

/* gso: the virtio_net_hdr of a TCP superpacket from a TUN, else NULL. */
static void
forward(struct td *td, struct td_att *in_att, struct td_tunnel *in_tun, struct esp_pkt *p,
    const struct dp_gso_hdr *gso)
{
	struct td_counters *ic = in_counters(in_att, in_tun);
	uint8_t *pkt = p->buf + p->head;
	struct dp_ipv4_hdr h;
	enum dp_ipv4_err e;
	struct td_att *to = NULL;
	struct td_tunnel *tt = NULL;
	const struct rt_nh *n = NULL;
	uint32_t nh = 0;
	bool ttl_dec = true;

	ic->rx_pkts++;
	ic->rx_bytes += p->len;
	if (p->len < 1 || (pkt[0] >> 4) != 4) {
		ic->drops[TD_DROP_NOT_V4]++;
		return;
	}
	e = dp_ipv4_parse(pkt, p->len, in_att != NULL ? DP_IPV4_F_NOCSUM : 0, &h);
	if (e != DP_IPV4_OK) {
		ic->drops[TD_DROP_PARSE]++;
		ic->parse[e]++;
		return;
	}
	if (gso != NULL && h.tot_len != p->len) {
		ic->drops[TD_DROP_PARSE]++;
		return;
	}
	p->len = h.tot_len;

	/* Where to: the ingress decides which table (behaviour 1). */
	if (in_att != NULL) {
		switch (in_att->kind) {
		case TD_ATT_TGW:
			nh = td_fib_lookup(in_att->fib, h.dst);
			break;
		case TD_ATT_VPNGW:
			tt = vpngw_tunnel(td, in_att, h.dst);
			if (tt == NULL) {
				icmp_error(td, in_att, NULL, pkt, p->len, &h,
				    DP_ICMP_K_NET_UNREACH, 0);
				ic->drops[TD_DROP_NO_ROUTE]++;
				return;
			}
			break;
		case TD_ATT_CEN:
			ttl_dec = in_att->ttl_dec;
			if ((to = td_fib_cen_lookup(in_att, h.dst)) == NULL) {
				icmp_error(td, in_att, NULL, pkt, p->len, &h,
				    DP_ICMP_K_NET_UNREACH, 0);
				ic->drops[TD_DROP_NO_ROUTE]++;
				return;
			}
			break;
		}
	} else if (in_tun->rhub != NULL) {
		nh = td_fib_lookup(in_tun->fib, h.dst);
	} else if ((to = in_tun->vpc_att) == NULL) {
		ic->drops[TD_DROP_NO_ROUTE]++;
		return;
	}

	if (to == NULL && tt == NULL) {
		n = nh != 0 ? rt_nh_get(td->net->rt, nh) : NULL;
		if (n == NULL || n->n == 0) {
			icmp_error(td, in_att, in_tun, pkt, p->len, &h,
			    DP_ICMP_K_NET_UNREACH, 0);
			ic->drops[TD_DROP_NO_ROUTE]++;
			return;
		}
		if (n->t[0].kind == RT_TGT_BLACKHOLE) {
			ic->drops[TD_DROP_BLACKHOLE]++;
			return;
		}
	}

	/* One hub hop (behaviours 39-42: a TTL-transparent CEN does not count). */
	if (ttl_dec && dp_ipv4_dec_ttl(pkt, p->len, &h) == DP_TTL_EXPIRED) {
		icmp_error(td, in_att, in_tun, pkt, p->len, &h,
		    DP_ICMP_K_TIME_EXCEEDED, 0);
		ic->drops[TD_DROP_TTL]++;
		return;
	}
	if (to != NULL) {
		/*
		 * --emulate-wan: CEN cross-region delay and bandwidth (td_wan.c).  Its
		 * attachments are plain TUNs then, so no superpacket reaches the hold.
		 */
		if (gso != NULL || !td_wan_hold(td, in_att, to, pkt, p->len))
			to_att(td, in_att, in_tun, to, p, &h, gso);
	} else if (tt != NULL)
		to_tunnel(td, in_att, in_tun, tt, p, &h, gso);
	else
		hub_forward(td, in_att, in_tun, n, p, &h, gso);
}

void
td_fwd_tun_cb(struct ev_loop *ev, int fd, unsigned revents, void *arg)
{
	struct td_att *a = arg;
	struct td *td = a->td;
	struct td_fwd *f = td->fwd;
	ssize_t n, i;

	(void)ev;
	(void)revents;
	if (a->tun.flags & DP_TUN_VNET_HDR)
		n = dp_tun_read_batch(fd, f->rxvnet, f->rxlen, TD_BATCH,
		    DP_GSO_HDR_LEN + DP_GSO_PKT_MAX);
	else
		n = dp_tun_read_batch(fd, f->rxdata, f->rxlen, TD_BATCH, TD_PKT_MAX);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("attachment %s: read", a->name);
		return;
	}
	for (i = 0; i < n; i++) {
		struct esp_pkt p = { f->rx[i], TD_HEADROOM, f->rxlen[i], TD_RXSZ };
		struct dp_gso_hdr vh;

		if ((a->tun.flags & DP_TUN_VNET_HDR) == 0) {
			forward(td, a, NULL, &p, NULL);
			continue;
		}
		if (p.len < DP_GSO_HDR_LEN) {
			a->c.drops[TD_DROP_PARSE]++;
			continue;
		}
		dp_gso_hdr_get(f->rxvnet[i], &vh);
		p.len -= DP_GSO_HDR_LEN;
		if ((vh.gso_type & ~DP_GSO_ECN) == DP_GSO_TCPV4 && vh.gso_size != 0) {
			forward(td, a, NULL, &p, &vh);
			continue;
		}
		/* Only TSO4 was offered; a packet to finish is summed here. */
		if (vh.gso_type != DP_GSO_NONE ||
		    dp_gso_csum(f->rxdata[i], p.len, &vh) == -1) {
			a->c.drops[TD_DROP_PARSE]++;
			continue;
		}
		forward(td, a, NULL, &p, NULL);
	}
	flush(td);
	gro_flush(td);
}

/* One ESP-in-UDP datagram of tunnel t. */
static void
from_udp(struct td *td, struct td_tunnel *t, struct esp_pkt *p)
{
	struct esp_sa *sa = NULL;

	switch (esp_udp_classify(p->buf + p->head, p->len)) {
	case ESP_UDP_ESP:
		break;
	case ESP_UDP_IKE:
		/* RFC 3948 2.2: strip the non-ESP marker, the rest is IKE. */
		if (t->ike != NULL) {
			td_ike_input(t, TD_ESP_PORT, p->buf + p->head + 4, p->len - 4);
			return;
		}
		t->c.drops[TD_DROP_NOT_ESP]++;
		return;
	default:
		t->c.drops[TD_DROP_NOT_ESP]++;
		return;
	}
	if (t->sadb == NULL || esp_decap(t->sadb, p, &sa, NULL, 0) != ESP_DROP_NONE ||
	    sa == NULL || sa->tunnel != t->id) {
		t->c.drops[TD_DROP_DECAP]++;
		return;
	}
	t->ike_seen = true;
	forward(td, NULL, t, p, NULL);
}

void
td_fwd_udp_cb(struct ev_loop *ev, int fd, unsigned revents, void *arg)
{
	struct td_tunnel *t = arg;
	struct td *td = t->td;
	struct td_fwd *f = td->fwd;
	int n, i;

	(void)ev;
	(void)fd;
	(void)revents;
	for (i = 0; i < TD_BATCH; i++) {
		memset(&f->umsg[i], 0, sizeof(f->umsg[i]));
		f->umsg[i].buf = f->urx[i] + TD_HEADROOM;
		f->umsg[i].cap = DP_GSO_PKT_MAX;
	}
	if ((n = dp_udp_recv_batch(&t->udp, f->umsg, TD_BATCH)) <= 0)
		return;
	for (i = 0; i < n; i++) {
		struct dp_udp_msg *m = &f->umsg[i];
		struct esp_pkt p = { f->urx[i], TD_HEADROOM, m->len, TD_RXSZ };
		size_t off, len;

		if ((m->flags & MSG_TRUNC) != 0) {
			t->c.drops[TD_DROP_NOT_ESP]++;
			continue;
		}
		if (m->gso_size == 0 || m->gso_size >= m->len) {
			/* The buffer is sized for GRO; one datagram keeps the old limit. */
			if (m->len > TD_PKT_MAX)
				t->c.drops[TD_DROP_NOT_ESP]++;
			else
				from_udp(td, t, &p);
			continue;
		}
		/*
		 * UDP_GRO: datagrams of gso_size (the last may be shorter), each
		 * decrypted in place in a packet bounded by its own bytes, so that
		 * nothing written to it (a re-encryption on a hub copies it out
		 * first: roomy) can reach its neighbours.
		 */
		for (off = 0; off < m->len; off += len) {
			len = m->len - off < m->gso_size ? m->len - off : m->gso_size;
			if (len > TD_PKT_MAX) {
				t->c.drops[TD_DROP_NOT_ESP]++;
				continue;
			}
			p.buf = m->buf + off;
			p.head = 0;
			p.len = len;
			p.cap = len;
			from_udp(td, t, &p);
		}
	}
	flush(td);
	gro_flush(td);
	if (t->ike_seen) {
		/* Liveness for DPD (RFC 7296 2.4): once per batch is enough. */
		t->ike_seen = false;
		td_ike_traffic_seen(t);
	}
}
