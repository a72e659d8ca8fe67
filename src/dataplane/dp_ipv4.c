/*
 * dp_ipv4: IPv4 header validation (RFC 791 section 3.1, RFC 1812 section 5.2.2) and
 * the forwarding TTL decrement (RFC 1812 section 5.3.1).  See dp_ipv4.h.
 */
#include "common/buf.h"
#include "dataplane/dp_csum.h"
#include "dataplane/dp_ipv4.h"

static const char *const err_names[DP_IPV4_ERR_MAX] = {
	[DP_IPV4_OK] = "ok",
	[DP_IPV4_SHORT] = "short",
	[DP_IPV4_BAD_VERSION] = "bad_version",
	[DP_IPV4_BAD_IHL] = "bad_ihl",
	[DP_IPV4_BAD_LEN] = "bad_len",
	[DP_IPV4_BAD_CSUM] = "bad_csum",
	[DP_IPV4_BAD_FRAG] = "bad_frag",
};

const char *
dp_ipv4_err_name(enum dp_ipv4_err e)
{
	if ((unsigned)e >= DP_IPV4_ERR_MAX)
		return "unknown";
	return err_names[e];
}

enum dp_ipv4_err
dp_ipv4_parse(const uint8_t *pkt, size_t len, unsigned flags,
    struct dp_ipv4_hdr *h)
{
	struct buf_reader r;
	const uint8_t *hdr;
	uint8_t vihl, ihl;
	uint16_t frag, csum;

	/*
	 * The RFC 1812 5.2.2 checks; the checksum last, being the only one that
	 * touches every header byte.
	 */
	buf_reader_init(&r, pkt, len);
	buf_get_u8(&r, &vihl);
	buf_get_u8(&r, &h->tos);
	buf_get_u16(&r, &h->tot_len);
	buf_get_u16(&r, &h->id);
	buf_get_u16(&r, &frag);
	buf_get_u8(&r, &h->ttl);
	buf_get_u8(&r, &h->proto);
	buf_get_u16(&r, &csum);
	buf_get_u32(&r, &h->src);
	buf_get_u32(&r, &h->dst);
	if (!buf_ok(&r))
		return DP_IPV4_SHORT;
	if (vihl >> 4 != 4)
		return DP_IPV4_BAD_VERSION;
	ihl = (uint8_t)((vihl & 0x0f) * 4);
	if (ihl < DP_IPV4_HDR_MIN || ihl > len)
		return DP_IPV4_BAD_IHL;
	if (h->tot_len < ihl || h->tot_len > len)
		return DP_IPV4_BAD_LEN;
	if (!(flags & DP_IPV4_F_NOCSUM)) {
		buf_reader_init(&r, pkt, len);
		if (buf_get_ptr(&r, &hdr, ihl) == -1 || dp_csum(hdr, ihl) != 0)
			return DP_IPV4_BAD_CSUM;
	}
	h->ihl = ihl;
	h->l4_off = ihl;
	h->df = (frag & DP_IPV4_FLAG_DF) != 0;
	h->mf = (frag & DP_IPV4_FLAG_MF) != 0;
	h->frag_off = (uint16_t)((frag & DP_IPV4_FRAG_MASK) * 8);
	/* A fragment reaching past 65535 can never be reassembled (ping of death). */
	if ((uint32_t)h->frag_off + (h->tot_len - ihl) > DP_IPV4_MAX_LEN)
		return DP_IPV4_BAD_FRAG;
	return DP_IPV4_OK;
}

int
dp_ipv4_patch16(uint8_t *pkt, size_t len, size_t off, uint16_t v)
{
	if (len < 2 || off > len - 2)
		return -1;
	pkt[off] = (uint8_t)(v >> 8);
	pkt[off + 1] = (uint8_t)v;
	return 0;
}

enum dp_ttl
dp_ipv4_dec_ttl(uint8_t *pkt, size_t len, struct dp_ipv4_hdr *h)
{
	struct buf_reader r;
	uint16_t word, csum;

	if (h->ttl <= 1)
		return DP_TTL_EXPIRED;
	/* Read the live words, so a stale view cannot corrupt the checksum. */
	buf_reader_init(&r, pkt, len);
	buf_skip(&r, DP_IPV4_OFF_TTL);
	buf_get_u16(&r, &word);
	buf_get_u16(&r, &csum);
	if (!buf_ok(&r) || word >> 8 <= 1)
		return DP_TTL_EXPIRED;
	h->ttl = (uint8_t)((word >> 8) - 1);
	csum = dp_csum_update16(csum, word, (uint16_t)(word - 0x100));
	dp_ipv4_patch16(pkt, len, DP_IPV4_OFF_TTL, (uint16_t)(word - 0x100));
	dp_ipv4_patch16(pkt, len, DP_IPV4_OFF_CSUM, csum);
	return DP_TTL_FORWARD;
}
