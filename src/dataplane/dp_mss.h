/*
 * dp_mss: TCP MSS clamping on tunnel egress (cloud-semantics.md 2.6 and 3.5,
 * behaviour 33; RFC 4459 section 3.2; option format RFC 793 section 3.1 / RFC 9293
 * section 3.7.1), with the TCP checksum fixed incrementally (RFC 1624).
 */
#ifndef TRANSIT_DP_MSS_H
#define TRANSIT_DP_MSS_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/dp_ipv4.h"

/* TCP header layout (RFC 793 section 3.1), offsets from the TCP header. */
#define DP_TCP_HDR_MIN		20
#define DP_TCP_OFF_FLAGS	13
#define DP_TCP_OFF_CSUM		16
#define DP_TCP_FLAG_SYN		0x02
#define DP_TCP_FLAG_ACK		0x10
#define DP_TCP_OPT_EOL		0
#define DP_TCP_OPT_NOP		1
#define DP_TCP_OPT_MSS		2	/* kind 2, length 4, 16-bit value */

enum dp_mss_res {
	DP_MSS_NOT_SYN = 0,	/* not TCP, not SYN, or not the first fragment */
	DP_MSS_KEPT,		/* SYN whose MSS is absent or <= clamp */
	DP_MSS_CLAMPED,		/* rewritten, checksum updated */
	DP_MSS_MALFORMED,	/* bad TCP header or options: left untouched */
};

/*
 * The TCP checksum field holds only the pseudo-header sum and the device will
 * finish it (CHECKSUM_PARTIAL, a TUN IFF_VNET_HDR superpacket): change the option
 * but not the checksum field.
 */
#define DP_MSS_F_CSUM_PARTIAL	0x01

/*
 * If pkt (parsed into h) is a TCP segment with SYN set (SYN or SYN-ACK) starting in
 * this packet (fragment offset 0) and its MSS option exceeds clamp, rewrite the MSS to
 * clamp and patch the TCP checksum.  All options are validated before anything is
 * written: a malformed option list leaves the packet untouched.
 */
enum dp_mss_res	dp_mss_clamp(uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *h,
	    uint16_t clamp, unsigned flags);

#endif
