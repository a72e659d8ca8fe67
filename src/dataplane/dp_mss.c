/*
 * dp_mss: TCP MSS clamping (cloud-semantics.md behaviour 33, RFC 793 3.1 options,
 * RFC 1624 checksum update).  See dp_mss.h.
 */
#include "common/buf.h"
#include "dataplane/dp_csum.h"
#include "dataplane/dp_mss.h"

/*
 * Walk the option list; return the offset of the first MSS value from the start
 * of the TCP header (0 if none), or -1 if any option is malformed.
 */
static long
find_mss(struct buf_reader *r, uint16_t *mss)
{
	size_t start = buf_left(r);
	long at = 0;
	uint8_t kind, olen;

	while (buf_left(r) > 0) {
		buf_get_u8(r, &kind);
		if (kind == DP_TCP_OPT_EOL)
			break;
		if (kind == DP_TCP_OPT_NOP)
			continue;
		if (buf_get_u8(r, &olen) == -1 || olen < 2 || olen - 2u > buf_left(r))
			return -1;
		if (kind == DP_TCP_OPT_MSS) {
			if (olen != 4)
				return -1;
			if (at == 0) {
				at = DP_TCP_HDR_MIN + (long)(start - buf_left(r));
				buf_get_u16(r, mss);
				continue;
			}
		}
		buf_skip(r, olen - 2u);
	}
	return buf_ok(r) ? at : -1;
}

static inline uint16_t
swap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

/*
 * RFC 1624 update for a 16-bit value at byte offset `at` of the summed data.  At an
 * odd offset its bytes straddle two checksum words, high byte in the low half of
 * one and low byte in the high half of the next: the sum sees it byte-swapped.
 */
static uint16_t
update_at(uint16_t csum, size_t at, uint16_t old, uint16_t new)
{
	if (at % 2 != 0)
		return dp_csum_update16(csum, swap16(old), swap16(new));
	return dp_csum_update16(csum, old, new);
}

enum dp_mss_res
dp_mss_clamp(uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *h,
    uint16_t clamp, unsigned flags)
{
	struct buf_reader r, tcp, opts;
	uint8_t doff, tflags;
	uint16_t mss = 0, csum;
	long at;
	size_t base;

	if (h->proto != DP_IPPROTO_TCP || h->frag_off != 0)
		return DP_MSS_NOT_SYN;
	if (h->tot_len > len || h->l4_off > h->tot_len)
		return DP_MSS_MALFORMED;

	/* 1. The TCP header, bounded by this packet's total length. */
	buf_reader_init(&r, pkt, h->tot_len);
	buf_skip(&r, h->l4_off);
	buf_get_sub(&r, &tcp, buf_left(&r));
	buf_skip(&tcp, 12);
	buf_get_u8(&tcp, &doff);
	buf_get_u8(&tcp, &tflags);
	buf_skip(&tcp, 2);
	buf_get_u16(&tcp, &csum);
	buf_skip(&tcp, 2);
	if (!buf_ok(&tcp))
		return DP_MSS_MALFORMED;
	if (!(tflags & DP_TCP_FLAG_SYN))
		return DP_MSS_NOT_SYN;
	doff = (uint8_t)((doff >> 4) * 4);
	if (doff < DP_TCP_HDR_MIN)
		return DP_MSS_MALFORMED;

	/* 2. Validate every option before touching anything. */
	if (buf_get_sub(&tcp, &opts, doff - DP_TCP_HDR_MIN) == -1)
		return DP_MSS_MALFORMED;
	if ((at = find_mss(&opts, &mss)) == -1)
		return DP_MSS_MALFORMED;
	if (at == 0 || mss <= clamp)
		return DP_MSS_KEPT;

	/*
	 * 3. Rewrite; a NOP before the MSS would put it at an odd offset.  Both
	 * fields lie inside the TCP header just read, so neither write can fail.
	 */
	base = (size_t)h->l4_off;
	if (!(flags & DP_MSS_F_CSUM_PARTIAL))
		dp_ipv4_patch16(pkt, len, base + DP_TCP_OFF_CSUM,
		    update_at(csum, (size_t)at, mss, clamp));
	dp_ipv4_patch16(pkt, len, base + (size_t)at, clamp);
	return DP_MSS_CLAMPED;
}
