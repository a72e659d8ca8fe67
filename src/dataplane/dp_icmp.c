/*
 * dp_icmp: ICMP error generation for the forwarding path (RFC 792, RFC 1812 section
 * 4.3.2, RFC 1191).  See dp_icmp.h.
 */
#include "common/buf.h"
#include "dataplane/dp_csum.h"
#include "dataplane/dp_icmp.h"
#include "dataplane/dp_ratelimit.h"

#define ERR_TTL		64
#define ERR_TOS		0xc0	/* precedence 6, internetwork control */

static const char *const res_names[DP_ICMP_RES_MAX] = {
	[DP_ICMP_BUILT] = "built",
	[DP_ICMP_SUPP_ICMP_ERR] = "about_icmp_error",
	[DP_ICMP_SUPP_SRC] = "bad_src",
	[DP_ICMP_SUPP_DST] = "bcast_dst",
	[DP_ICMP_SUPP_FRAG] = "later_frag",
	[DP_ICMP_RATE_LIMITED] = "rate_limited",
	[DP_ICMP_NO_SPACE] = "no_space",
	[DP_ICMP_BAD_ARG] = "bad_arg",
};

static const struct {
	uint8_t	type;
	uint8_t	code;
} kinds[DP_ICMP_K_MAX] = {
	[DP_ICMP_K_TIME_EXCEEDED] = { DP_ICMP_TIMXCEED, 0 },
	[DP_ICMP_K_NET_UNREACH] = { DP_ICMP_UNREACH, DP_ICMP_UNREACH_NET },
	[DP_ICMP_K_HOST_UNREACH] = { DP_ICMP_UNREACH, DP_ICMP_UNREACH_HOST },
	[DP_ICMP_K_FRAG_NEEDED] = { DP_ICMP_UNREACH, DP_ICMP_UNREACH_NEEDFRAG },
	[DP_ICMP_K_ADMIN_PROHIB] = { DP_ICMP_UNREACH, DP_ICMP_UNREACH_ADMIN_PROHIB },
};

const char *
dp_icmp_res_name(enum dp_icmp_res r)
{
	if ((unsigned)r >= DP_ICMP_RES_MAX)
		return "unknown";
	return res_names[r];
}

/* RFC 1812 4.3.2.7: a source that does not name one host. */
static bool
bad_source(uint32_t a)
{
	uint8_t top = (uint8_t)(a >> 24);

	return top == 0 || top == 127 || top >= 224;
}

static bool
group_or_bcast(uint32_t a)
{
	return (a >> 28) == 0xe || a == 0xffffffffu;
}

/* RFC 792 types that are errors; the rest are queries and replies. */
static bool
is_error_type(uint8_t type)
{
	switch (type) {
	case DP_ICMP_UNREACH:
	case DP_ICMP_SOURCE_QUENCH:
	case DP_ICMP_REDIRECT:
	case DP_ICMP_TIMXCEED:
	case DP_ICMP_PARAMPROB:
		return true;
	default:
		return false;
	}
}

enum dp_icmp_res
dp_icmp_error_allowed(const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *h)
{
	struct buf_reader r;
	uint8_t type;

	if (dp_ipv4_is_later_frag(h))
		return DP_ICMP_SUPP_FRAG;
	if (bad_source(h->src))
		return DP_ICMP_SUPP_SRC;
	if (group_or_bcast(h->dst))
		return DP_ICMP_SUPP_DST;
	if (h->proto == DP_IPPROTO_ICMP) {
		/* Unreadable type: could be an error, so stay silent. */
		buf_reader_init(&r, pkt, len < h->tot_len ? len : h->tot_len);
		buf_skip(&r, h->l4_off);
		if (buf_get_u8(&r, &type) == -1 || is_error_type(type))
			return DP_ICMP_SUPP_ICMP_ERR;
	}
	return DP_ICMP_BUILT;
}

enum dp_icmp_res
dp_icmp_error(uint8_t *out, size_t cap, size_t *outlen, const uint8_t *pkt,
    size_t len, const struct dp_ipv4_hdr *h, const struct dp_icmp_params *p)
{
	struct buf_reader r;
	struct buf_writer w;
	enum dp_icmp_res res;
	const uint8_t *quote;
	size_t qlen, need, tot;
	uint16_t rest_hi = 0, rest_lo = 0;

	*outlen = 0;
	if ((unsigned)p->kind >= DP_ICMP_K_MAX || h->tot_len > len ||
	    h->ihl < DP_IPV4_HDR_MIN || h->ihl > h->tot_len)
		return DP_ICMP_BAD_ARG;
	if ((res = dp_icmp_error_allowed(pkt, len, h)) != DP_ICMP_BUILT)
		return res;

	/* 1. Size: as much of the datagram as fits in 576, at least header + 8. */
	qlen = h->tot_len;
	if (qlen > DP_ICMP_ERR_MAX - DP_IPV4_HDR_MIN - DP_ICMP_HDR_LEN)
		qlen = DP_ICMP_ERR_MAX - DP_IPV4_HDR_MIN - DP_ICMP_HDR_LEN;
	need = (size_t)h->ihl + 8 < h->tot_len ? (size_t)h->ihl + 8 : h->tot_len;
	if (cap < DP_IPV4_HDR_MIN + DP_ICMP_HDR_LEN + need)
		return DP_ICMP_NO_SPACE;
	if (qlen > cap - DP_IPV4_HDR_MIN - DP_ICMP_HDR_LEN)
		qlen = cap - DP_IPV4_HDR_MIN - DP_ICMP_HDR_LEN;
	buf_reader_init(&r, pkt, len);
	if (buf_get_ptr(&r, &quote, qlen) == -1)
		return DP_ICMP_BAD_ARG;

	/* 2. Only now spend a token: suppressed packets must not drain the bucket. */
	if (p->rl != NULL && !dp_ratelimit_allow(p->rl, p->now_ns))
		return DP_ICMP_RATE_LIMITED;

	/* 3. The IPv4 header (RFC 1812 4.3.2.4 source, 4.3.2.5 TOS). */
	tot = DP_IPV4_HDR_MIN + DP_ICMP_HDR_LEN + qlen;
	buf_writer_init(&w, out, cap);
	buf_put_u8(&w, 0x45);
	buf_put_u8(&w, ERR_TOS);
	buf_put_u16(&w, (uint16_t)tot);
	buf_put_u16(&w, p->id);
	buf_put_u16(&w, 0);
	buf_put_u8(&w, ERR_TTL);
	buf_put_u8(&w, DP_IPPROTO_ICMP);
	buf_put_u16(&w, 0);
	buf_put_u32(&w, p->src);
	buf_put_u32(&w, h->src);

	/* 4. ICMP header; RFC 1191 puts the next-hop MTU in the low half of word 2. */
	if (p->kind == DP_ICMP_K_FRAG_NEEDED)
		rest_lo = p->mtu;
	buf_put_u8(&w, kinds[p->kind].type);
	buf_put_u8(&w, kinds[p->kind].code);
	buf_put_u16(&w, 0);
	buf_put_u16(&w, rest_hi);
	buf_put_u16(&w, rest_lo);
	buf_put_bytes(&w, quote, qlen);
	if (!buf_wok(&w) || w.len != tot)
		return DP_ICMP_NO_SPACE;

	/* 5. Checksums: ICMP over its message (RFC 792), then the IP header. */
	buf_patch_u16(&w, DP_IPV4_HDR_MIN + 2,
	    dp_csum(out + DP_IPV4_HDR_MIN, tot - DP_IPV4_HDR_MIN));
	buf_patch_u16(&w, DP_IPV4_OFF_CSUM, dp_csum(out, DP_IPV4_HDR_MIN));
	*outlen = tot;
	return DP_ICMP_BUILT;
}
