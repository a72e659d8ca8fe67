/*
 * dp_hash: the flow hash that spreads traffic over ECMP members (cloud-semantics.md
 * 1.6; RFC 2992 hash-threshold style selection) so one flow stays on one member.
 * Seeded per process so outsiders cannot aim flows at one member.
 */
#ifndef TRANSIT_DP_HASH_H
#define TRANSIT_DP_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/dp_ipv4.h"

/* The per-process seed; the caller owns it (dp_hash_init / dp_hash_init_random). */
struct dp_hash {
	uint64_t	seed;
};

void	dp_hash_init(struct dp_hash *, uint64_t seed);
/* Seed from the OpenSSL DRBG; -1 when it fails. */
int	dp_hash_init_random(struct dp_hash *);

/* Hash of an explicit tuple (addresses host order; ports 0 for a 3-tuple). */
uint32_t dp_hash_tuple(const struct dp_hash *, uint32_t src, uint32_t dst,
	    uint8_t proto, uint16_t sport, uint16_t dport);

/*
 * Hash of pkt (parsed into h): the 5-tuple for unfragmented TCP, UDP and SCTP, the
 * 3-tuple (src, dst, proto) otherwise.  Every fragment, the first included, uses the
 * 3-tuple so all pieces of one datagram take the same member; a port-less L4 header
 * (truncated) also falls back to the 3-tuple.
 */
uint32_t dp_hash_flow(const struct dp_hash *, const uint8_t *pkt, size_t len,
	    const struct dp_ipv4_hdr *h);

/* Member index in [0, n) for a hash (n > 0); multiply-shift, no division. */
static inline uint32_t
dp_hash_member(uint32_t hash, uint32_t n)
{
	return (uint32_t)(((uint64_t)hash * n) >> 32);
}

#endif
