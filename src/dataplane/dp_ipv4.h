/*
 * dp_ipv4: IPv4 header validation into a small parsed view, and the TTL decrement of
 * forwarding (RFC 791 section 3.1, RFC 1812 sections 5.2.2 and 5.3.1).  Also the one
 * wire header of the forwarding path: sizes, offsets and protocol numbers used by
 * dp_icmp, dp_frag, dp_mss and dp_hash.
 *
 * Everything works on a caller-owned buffer, allocates nothing and keeps no state.
 * Reads go through the bounded cursor (common/buf.h); in-place rewrites go through
 * dp_ipv4_patch16(), which refuses offsets outside the buffer.
 */
#ifndef TRANSIT_DP_IPV4_H
#define TRANSIT_DP_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 791 section 3.1 header layout (byte offsets). */
#define DP_IPV4_HDR_MIN		20
#define DP_IPV4_HDR_MAX		60
#define DP_IPV4_OFF_TOS		1
#define DP_IPV4_OFF_TOTLEN	2
#define DP_IPV4_OFF_ID		4
#define DP_IPV4_OFF_FRAG	6
#define DP_IPV4_OFF_TTL		8	/* TTL and protocol share one 16-bit word */
#define DP_IPV4_OFF_CSUM	10
#define DP_IPV4_OFF_SRC		12
#define DP_IPV4_OFF_DST		16
#define DP_IPV4_MAX_LEN		65535
#define DP_IPV4_FLAG_RSVD	0x8000
#define DP_IPV4_FLAG_DF		0x4000
#define DP_IPV4_FLAG_MF		0x2000
#define DP_IPV4_FRAG_MASK	0x1fff	/* offset in 8-byte units */
/* RFC 791 section 3.2: every host and router must handle this datagram size. */
#define DP_IPV4_MIN_MTU		68

/* Protocol numbers (IANA, the ones the forwarding path looks into). */
enum dp_ipproto {
	DP_IPPROTO_ICMP = 1,	/* RFC 792 */
	DP_IPPROTO_TCP = 6,	/* RFC 793 */
	DP_IPPROTO_UDP = 17,	/* RFC 768 */
	DP_IPPROTO_ESP = 50,	/* RFC 4303 */
	DP_IPPROTO_SCTP = 132,	/* RFC 9260 */
};

/* Why a header was rejected; dp_ipv4_err_name() gives the counter name. */
enum dp_ipv4_err {
	DP_IPV4_OK = 0,
	DP_IPV4_SHORT,		/* buffer shorter than the 20-byte fixed header */
	DP_IPV4_BAD_VERSION,	/* version != 4 */
	DP_IPV4_BAD_IHL,	/* IHL < 5, or the options run past the buffer */
	DP_IPV4_BAD_LEN,	/* total length < IHL or > the buffer */
	DP_IPV4_BAD_CSUM,	/* header checksum does not verify */
	DP_IPV4_BAD_FRAG,	/* offset + payload beyond 65535 (RFC 791 3.2) */
	DP_IPV4_ERR_MAX
};

/* The parsed view: host order, lengths and offsets in bytes. */
struct dp_ipv4_hdr {
	uint32_t	src;
	uint32_t	dst;
	uint16_t	tot_len;	/* from the header; the buffer may be longer */
	uint16_t	id;
	uint16_t	frag_off;	/* fragment offset in bytes (units * 8) */
	uint16_t	l4_off;		/* == ihl: where the payload starts */
	uint8_t		ihl;		/* header length in bytes, 20..60 */
	uint8_t		tos;
	uint8_t		ttl;
	uint8_t		proto;
	bool		df;
	bool		mf;
};

/* dp_ipv4_parse() flags. */
/*
 * Skip the header checksum check: for packets the local kernel built (a TUN read),
 * whose header is known good, to save the cost on the fast path.
 */
#define DP_IPV4_F_NOCSUM	0x01

/*
 * Validate the IPv4 header at the start of pkt[0..len) and fill *h.  Trailing bytes
 * after tot_len (link padding) are allowed and ignored by every dp_ function.
 * Returns DP_IPV4_OK or the reason; *h is only meaningful on DP_IPV4_OK.
 */
enum dp_ipv4_err dp_ipv4_parse(const uint8_t *pkt, size_t len, unsigned flags,
	    struct dp_ipv4_hdr *h);
/* Stable lower-case name of a reason ("short", "bad_csum", ...) for counters. */
const char	*dp_ipv4_err_name(enum dp_ipv4_err);

/* True for a fragment other than the first (offset != 0). */
static inline bool
dp_ipv4_is_later_frag(const struct dp_ipv4_hdr *h)
{
	return h->frag_off != 0;
}

/* True for any fragment (offset != 0 or MF set). */
static inline bool
dp_ipv4_is_frag(const struct dp_ipv4_hdr *h)
{
	return h->frag_off != 0 || h->mf;
}

enum dp_ttl {
	DP_TTL_FORWARD = 0,	/* decremented, header checksum updated */
	DP_TTL_EXPIRED,		/* TTL <= 1 on arrival: untouched, send time exceeded */
};

/*
 * The forwarding TTL step (RFC 1812 section 5.3.1): a packet arriving with TTL 0 or
 * 1 expires; otherwise TTL is decremented in pkt and h, and the header checksum is
 * patched incrementally (RFC 1624), not recomputed.  pkt/len/h as parsed.
 */
enum dp_ttl	dp_ipv4_dec_ttl(uint8_t *pkt, size_t len, struct dp_ipv4_hdr *h);

/*
 * Clear DF in place (and in h), patching the checksum incrementally: the "clear DF
 * bit, fragment before encryption" policy of cloud-semantics.md 2.6 (RFC 4459
 * section 5.1), applied before dp_ipv4_fragment().  Returns 1 if DF was set, 0 if
 * not, -1 if pkt is shorter than a header.
 */
int		dp_ipv4_clear_df(uint8_t *pkt, size_t len, struct dp_ipv4_hdr *h);

/*
 * Write the 16-bit host-order value v at pkt[off] in network order; -1 (and no
 * write) when off + 2 > len.  The one in-place write primitive of the dp_ modules.
 */
int		dp_ipv4_patch16(uint8_t *pkt, size_t len, size_t off, uint16_t v);

#endif
