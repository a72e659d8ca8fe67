/*
 * dp_gso: TCP segmentation of TUN superpackets and TCP receive coalescing for TUN
 * writes (see dp_gso.h; docs/io.md "Offloads"; RFC 793 section 3.1 for the TCP
 * header and checksum, RFC 791 for the IPv4 header; virtio spec 1.1 5.1.6 for the
 * GSO header).
 *
 * Input packets have been parsed by dp_ipv4_parse, so the IPv4 header is known to
 * lie inside len; the TCP header is read through a buf_reader.  Writes go to
 * buffers this module (or its caller) sized, so they use plain stores.
 */
#include <string.h>

#include "common/buf.h"
#include "dataplane/dp_csum.h"
#include "dataplane/dp_gso.h"

#define TCP_HDR_MIN	20
#define TCP_OFF_SEQ	4
#define TCP_OFF_FLAGS	13
#define TCP_OFF_CSUM	16
#define TCP_FIN		0x01
#define TCP_PSH		0x08
#define TCP_ACK		0x10
#define TCP_CWR		0x80
#define IP_OFF_LEN	2
#define IP_OFF_ID	4
#define IP_OFF_CSUM	10
#define IPPROTO_TCP_	6

/* The parts of a TCP header segmentation and coalescing look at. */
struct tcp_view {
	size_t		hlen;		/* IP + TCP header */
	size_t		thl;
	uint32_t	seq;
	uint8_t		flags;
	size_t		plen;		/* payload */
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static int
tcp_view(const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *h, struct tcp_view *v)
{
	struct buf_reader r;
	uint8_t doff;

	if (h->proto != IPPROTO_TCP_ || h->mf || h->frag_off != 0 || len < h->l4_off)
		return -1;
	buf_reader_init(&r, pkt + h->l4_off, len - h->l4_off);
	(void)buf_skip(&r, TCP_OFF_SEQ);
	(void)buf_get_u32(&r, &v->seq);
	(void)buf_skip(&r, 4);
	(void)buf_get_u8(&r, &doff);
	(void)buf_get_u8(&r, &v->flags);
	if (!buf_ok(&r))
		return -1;
	v->thl = (size_t)(doff >> 4) * 4;
	v->hlen = h->l4_off + v->thl;
	if (v->thl < TCP_HDR_MIN || v->hlen > len)
		return -1;
	v->plen = len - v->hlen;
	return 0;
}

void
dp_gso_hdr_get(const uint8_t *p, struct dp_gso_hdr *g)
{
	/* Host byte order: the legacy header is in the native order of the "guest". */
	g->flags = p[0];
	g->gso_type = p[1];
	memcpy(&g->hdr_len, p + 2, 2);
	memcpy(&g->gso_size, p + 4, 2);
	memcpy(&g->csum_start, p + 6, 2);
	memcpy(&g->csum_offset, p + 8, 2);
}

void
dp_gso_hdr_put(uint8_t *p, const struct dp_gso_hdr *g)
{
	p[0] = g->flags;
	p[1] = g->gso_type;
	memcpy(p + 2, &g->hdr_len, 2);
	memcpy(p + 4, &g->gso_size, 2);
	memcpy(p + 6, &g->csum_start, 2);
	memcpy(p + 8, &g->csum_offset, 2);
}

int
dp_gso_csum(uint8_t *pkt, size_t len, const struct dp_gso_hdr *g)
{
	size_t start = g->csum_start, at = start + g->csum_offset;
	uint16_t c;

	if ((g->flags & DP_GSO_F_NEEDS_CSUM) == 0)
		return 0;
	if (start >= len || at + 2 > len)
		return -1;
	/* The field holds the pseudo-header sum, so summing over it includes it. */
	c = dp_csum(pkt + start, len - start);
	if (c == 0 && g->csum_offset == 6)
		c = 0xffff;	/* UDP: 0 means "no checksum" (RFC 768) */
	put16(pkt + at, c);
	return 0;
}

size_t
dp_gso_tcp4_count(const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *h,
    size_t mss)
{
	struct tcp_view v;

	if (mss == 0 || tcp_view(pkt, len, h, &v) == -1 || v.plen == 0)
		return 0;
	return (v.plen + mss - 1) / mss;
}

size_t
dp_gso_tcp4_hlen(const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *h)
{
	struct tcp_view v;

	return tcp_view(pkt, len, h, &v) == -1 ? 0 : v.hlen;
}

int
dp_gso_tcp4_segment(const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *h,
    size_t mss, size_t first, struct dp_gso_seg *out, size_t n)
{
	struct tcp_view v;
	size_t i, total;

	if ((total = dp_gso_tcp4_count(pkt, len, h, mss)) == 0 || first > total ||
	    n > total - first)
		return -1;
	(void)tcp_view(pkt, len, h, &v);
	for (i = 0; i < n; i++) {
		size_t k = first + i, off = k * mss;
		size_t plen = v.plen - off < mss ? v.plen - off : mss;
		uint8_t *s = out[i].p, *th;
		uint8_t fl = v.flags;
		uint64_t acc;

		if (out[i].cap < v.hlen + plen)
			return -1;
		memcpy(s, pkt, v.hlen);
		memcpy(s + v.hlen, pkt + v.hlen + off, plen);
		put16(s + IP_OFF_LEN, (uint16_t)(v.hlen + plen));
		put16(s + IP_OFF_ID, (uint16_t)(h->id + k));
		put16(s + IP_OFF_CSUM, 0);
		put16(s + IP_OFF_CSUM, dp_csum(s, h->l4_off));

		th = s + h->l4_off;
		put32(th + TCP_OFF_SEQ, v.seq + (uint32_t)off);
		if (k != 0)
			fl &= (uint8_t)~TCP_CWR;
		if (k != total - 1)
			fl &= (uint8_t)~(TCP_FIN | TCP_PSH);
		th[TCP_OFF_FLAGS] = fl;
		put16(th + TCP_OFF_CSUM, 0);
		acc = dp_csum_pseudo(h->src, h->dst, IPPROTO_TCP_,
		    (uint16_t)(v.thl + plen));
		acc = dp_csum_add(acc, th, v.thl + plen);
		put16(th + TCP_OFF_CSUM, dp_csum_finish(acc));
		out[i].len = v.hlen + plen;
	}
	return 0;
}

/* Bytes of the IP header that must match: all but total length, id and checksum. */
static bool
ip_same(const uint8_t *a, const uint8_t *b, size_t ihl)
{
	return memcmp(a, b, IP_OFF_LEN) == 0 &&
	    memcmp(a + 6, b + 6, IP_OFF_CSUM - 6) == 0 &&
	    memcmp(a + 12, b + 12, ihl - 12) == 0;
}

/* TCP: ports, ack, offset, flags but PSH, window, urgent pointer and options. */
static bool
tcp_same(const uint8_t *a, const uint8_t *b, size_t thl)
{
	return memcmp(a, b, TCP_OFF_SEQ) == 0 &&
	    memcmp(a + 8, b + 8, TCP_OFF_FLAGS - 8) == 0 &&
	    (a[TCP_OFF_FLAGS] & ~TCP_PSH) == (b[TCP_OFF_FLAGS] & ~TCP_PSH) &&
	    memcmp(a + 14, b + 14, 2) == 0 &&
	    memcmp(a + 18, b + 18, thl - 18) == 0;
}

enum dp_gro_res
dp_gro_add(struct dp_gro *g, const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *h)
{
	uint8_t *gp = g->buf + DP_GSO_HDR_LEN;
	struct tcp_view v;

	if (len != h->tot_len || tcp_view(pkt, len, h, &v) == -1 || v.plen == 0 ||
	    (v.flags & ~(TCP_ACK | TCP_PSH)) != 0 || (v.flags & TCP_ACK) == 0)
		return DP_GRO_NOT;
	/*
	 * The merged packet goes up as NEEDS_CSUM, which the kernel does not verify,
	 * so verify each segment here (as Linux GRO does): a bad one goes alone and
	 * is dropped by its receiver.
	 */
	if (dp_csum_fold(dp_csum_add(dp_csum_pseudo(h->src, h->dst, IPPROTO_TCP_,
	    (uint16_t)(len - h->l4_off)), pkt + h->l4_off, len - h->l4_off)) != 0xffff)
		return DP_GRO_NOT;
	if (g->len == 0) {
		memcpy(gp, pkt, len);
		g->len = len;
		g->n = 1;
		g->mss = (uint16_t)v.plen;
		g->hlen = (uint16_t)v.hlen;
		g->next_seq = v.seq + (uint32_t)v.plen;
		g->closed = (v.flags & TCP_PSH) != 0;
		return DP_GRO_HELD;
	}
	if (g->closed || v.hlen != g->hlen || v.seq != g->next_seq ||
	    v.plen > g->mss || g->len + v.plen > DP_GSO_PKT_MAX ||
	    (gp[0] & 0x0f) * 4 != h->l4_off ||
	    !ip_same(gp, pkt, h->l4_off) ||
	    !tcp_same(gp + h->l4_off, pkt + h->l4_off, v.thl))
		return DP_GRO_FLUSH;
	memcpy(gp + g->len, pkt + v.hlen, v.plen);
	g->len += v.plen;
	g->n++;
	g->next_seq += (uint32_t)v.plen;
	if ((v.flags & TCP_PSH) != 0) {
		gp[h->l4_off + TCP_OFF_FLAGS] |= TCP_PSH;
		g->closed = true;
	}
	if (v.plen < g->mss)
		g->closed = true;
	return DP_GRO_HELD;
}

size_t
dp_gro_finish(struct dp_gro *g)
{
	uint8_t *gp = g->buf + DP_GSO_HDR_LEN;
	struct dp_gso_hdr vh;
	size_t ihl, out;
	uint32_t src, dst;

	if (g->len == 0)
		return 0;
	memset(&vh, 0, sizeof(vh));
	if (g->n > 1) {
		ihl = (size_t)(gp[0] & 0x0f) * 4;
		put16(gp + IP_OFF_LEN, (uint16_t)g->len);
		put16(gp + IP_OFF_CSUM, 0);
		put16(gp + IP_OFF_CSUM, dp_csum(gp, ihl));
		src = (uint32_t)gp[12] << 24 | (uint32_t)gp[13] << 16 |
		    (uint32_t)gp[14] << 8 | gp[15];
		dst = (uint32_t)gp[16] << 24 | (uint32_t)gp[17] << 16 |
		    (uint32_t)gp[18] << 8 | gp[19];
		/* CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum. */
		put16(gp + ihl + TCP_OFF_CSUM, dp_csum_fold(dp_csum_pseudo(src, dst,
		    IPPROTO_TCP_, (uint16_t)(g->len - ihl))));
		vh.flags = DP_GSO_F_NEEDS_CSUM;
		vh.gso_type = DP_GSO_TCPV4;
		vh.hdr_len = g->hlen;
		vh.gso_size = g->mss;
		vh.csum_start = (uint16_t)ihl;
		vh.csum_offset = TCP_OFF_CSUM;
	}
	dp_gso_hdr_put(g->buf, &vh);
	out = DP_GSO_HDR_LEN + g->len;
	g->len = 0;
	g->n = 0;
	g->closed = false;
	return out;
}
