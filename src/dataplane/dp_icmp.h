/*
 * dp_icmp: ICMP error messages a router sends about a packet it cannot forward
 * (RFC 792; RFC 1812 section 4.3.2; RFC 1191 for the next-hop MTU), built into a
 * caller buffer with no allocation, plus the RFC 1812 4.3.2.7 rules for when not to
 * send one.  Rate limiting (RFC 1812 4.3.2.8) is a dp_ratelimit the caller passes.
 */
#ifndef TRANSIT_DP_ICMP_H
#define TRANSIT_DP_ICMP_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/dp_ipv4.h"

struct dp_ratelimit;

/* RFC 792 message types and codes. */
enum dp_icmp_type {
	DP_ICMP_ECHO_REPLY = 0,
	DP_ICMP_UNREACH = 3,
	DP_ICMP_SOURCE_QUENCH = 4,
	DP_ICMP_REDIRECT = 5,
	DP_ICMP_ECHO = 8,
	DP_ICMP_TIMXCEED = 11,
	DP_ICMP_PARAMPROB = 12,
};
enum dp_icmp_unreach_code {
	DP_ICMP_UNREACH_NET = 0,
	DP_ICMP_UNREACH_HOST = 1,
	DP_ICMP_UNREACH_NEEDFRAG = 4,		/* RFC 1191 section 4 */
	DP_ICMP_UNREACH_ADMIN_PROHIB = 13,	/* RFC 1812 section 5.2.7.1 */
};
#define DP_ICMP_HDR_LEN		8
/* RFC 1812 4.3.2.3: the error datagram is at most 576 bytes. */
#define DP_ICMP_ERR_MAX		576
/* Header + ICMP header + a 60-byte header and 8 bytes: the least that must fit. */
#define DP_ICMP_ERR_MIN_CAP	(DP_IPV4_HDR_MIN + DP_ICMP_HDR_LEN + DP_IPV4_HDR_MAX + 8)

/* The errors the forwarding path sends. */
enum dp_icmp_kind {
	DP_ICMP_K_TIME_EXCEEDED = 0,	/* type 11 code 0 */
	DP_ICMP_K_NET_UNREACH,		/* type 3 code 0 */
	DP_ICMP_K_HOST_UNREACH,		/* type 3 code 1 */
	DP_ICMP_K_FRAG_NEEDED,		/* type 3 code 4, next-hop MTU */
	DP_ICMP_K_ADMIN_PROHIB,		/* type 3 code 13 */
	DP_ICMP_K_MAX
};

/* Outcome of dp_icmp_error(); dp_icmp_res_name() gives the counter name. */
enum dp_icmp_res {
	DP_ICMP_BUILT = 0,
	DP_ICMP_SUPP_ICMP_ERR,		/* the packet is itself an ICMP error */
	DP_ICMP_SUPP_SRC,		/* source is 0/8, 127/8, 224/4 or 240/4 */
	DP_ICMP_SUPP_DST,		/* destination is multicast or broadcast */
	DP_ICMP_SUPP_FRAG,		/* a fragment other than the first */
	DP_ICMP_RATE_LIMITED,		/* the caller's bucket is empty */
	DP_ICMP_NO_SPACE,		/* out buffer below what must be quoted */
	DP_ICMP_BAD_ARG,		/* unknown kind, or pkt shorter than h says */
	DP_ICMP_RES_MAX
};

struct dp_icmp_params {
	enum dp_icmp_kind	 kind;
	uint32_t		 src;	/* our address on the ingress side, host order */
	uint16_t		 mtu;	/* next-hop MTU, DP_ICMP_K_FRAG_NEEDED only */
	uint16_t		 id;	/* IP identification of the error datagram */
	struct dp_ratelimit	*rl;	/* NULL: no rate limit */
	uint64_t		 now_ns;	/* for rl */
};

/*
 * RFC 1812 4.3.2.7 only: may an error be sent about pkt (parsed into h)?  Returns
 * DP_ICMP_BUILT when yes, else the DP_ICMP_SUPP_* reason.  Does not touch a bucket.
 */
enum dp_icmp_res dp_icmp_error_allowed(const uint8_t *pkt, size_t len,
	    const struct dp_ipv4_hdr *h);

/*
 * Build into out[0..cap) the ICMP error p->kind about the offending packet pkt
 * (parsed into h; give it as received, before any rewrite, since it is quoted):
 * an IPv4 header from p->src to h->src, TTL 64, DF clear, precedence 6
 * (RFC 1812 4.3.2.5), the ICMP header, then the offending header and as much of
 * its datagram as keeps the whole within 576 bytes (RFC 1812 4.3.2.3; at least
 * the header and 8 bytes, RFC 792).  Suppression is checked first, then p->rl is
 * charged.  On DP_ICMP_BUILT *outlen is the datagram length; otherwise *outlen = 0
 * and out is unspecified.
 */
enum dp_icmp_res dp_icmp_error(uint8_t *out, size_t cap, size_t *outlen,
	    const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *h,
	    const struct dp_icmp_params *p);

const char	*dp_icmp_res_name(enum dp_icmp_res);

#endif
