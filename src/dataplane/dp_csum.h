/*
 * dp_csum: the Internet checksum (RFC 1071) for the forwarding path, and its
 * incremental update (RFC 1624) for header rewrites (TTL, addresses, ports, TCP MSS).
 *
 * Values crossing this API are in host order, the way buf_get_u16/buf_put_u16 see
 * a checksum field: store dp_csum()'s result with buf_put_u16, and a region that
 * contains a correct checksum field sums to dp_csum() == 0.
 *
 * The summing core works on native 64-bit words (RFC 1071 section 2(B): the sum is
 * byte-order independent) and only swaps once when folding, so it costs about one
 * add-with-carry per 8 bytes.  dp_csum_add() takes an accumulator, so a caller can
 * sum a pseudo-header, a scattered segment or a whole GSO superpacket in pieces.
 */
#ifndef TRANSIT_DP_CSUM_H
#define TRANSIT_DP_CSUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Add len bytes at p to the running accumulator acc (start from 0).  Every piece but
 * the last must have an even length, since an odd piece would shift the following
 * bytes to the other half of their 16-bit words.
 */
uint64_t	dp_csum_add(uint64_t acc, const void *p, size_t len);
/* Fold an accumulator to its 16-bit one's-complement sum, host order. */
uint16_t	dp_csum_fold(uint64_t acc);
/* The checksum field value (complemented fold) of an accumulator. */
uint16_t	dp_csum_finish(uint64_t acc);
/* dp_csum_finish(dp_csum_add(0, p, len)); 0 when p..len holds a valid checksum. */
uint16_t	dp_csum(const void *p, size_t len);
/*
 * Accumulator of the TCP/UDP pseudo-header (RFC 793 section 3.1, RFC 768): addresses
 * in host order, l4len = TCP/UDP header plus data.  Continue with dp_csum_add().
 */
uint64_t	dp_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4len);

/*
 * RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): the new checksum field after one 16-bit
 * word of the covered data changes from old to new.  All host order.  The 32-bit
 * form handles an aligned 32-bit field (an IPv4 address).  Inline: they sit on
 * the per-packet path (TTL, MSS, NAT rewrites) and are a handful of adds.
 */
static inline uint16_t
dp_csum_update16(uint16_t csum, uint16_t old, uint16_t new)
{
	uint32_t s;

	/* Each partial sum stays <= 0x1fffe, so one fold per add suffices. */
	s = (uint32_t)(uint16_t)~csum + (uint16_t)~old;
	s = (s & 0xffff) + (s >> 16);
	s += new;
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline uint16_t
dp_csum_update32(uint16_t csum, uint32_t old, uint32_t new)
{
	csum = dp_csum_update16(csum, (uint16_t)(old >> 16), (uint16_t)(new >> 16));
	return dp_csum_update16(csum, (uint16_t)old, (uint16_t)new);
}

#endif
