/*
 * dp_frag: IPv4 fragmentation before encryption (RFC 791 section 3.2 and its
 * fragmentation procedure; RFC 4459 section 5.1 for doing it before the tunnel;
 * cloud-semantics.md 2.6, 3.5 and behaviour 33).  Output goes into caller buffers;
 * nothing is allocated and the input is only read.
 */
#ifndef TRANSIT_DP_FRAG_H
#define TRANSIT_DP_FRAG_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/dp_ipv4.h"

/* One caller-owned output buffer; dp_ipv4_fragment() sets len. */
struct dp_frag_buf {
	uint8_t	*p;
	size_t	 cap;
	size_t	 len;
};

enum dp_frag_res {
	DP_FRAG_FITS = 0,	/* tot_len <= mtu: send the packet as it is */
	DP_FRAG_DONE,		/* *nfrags fragments written */
	DP_FRAG_NEEDS_ICMP,	/* DF set: send frag-needed with this mtu, drop */
	DP_FRAG_NO_SPACE,	/* too few buffers, or one too small */
	DP_FRAG_BAD_MTU,	/* mtu < 68, or too small for the header + 8 */
	DP_FRAG_BAD_OPTS,	/* malformed IP options: drop */
	DP_FRAG_BAD_ARG,	/* pkt shorter than h says */
};

/*
 * Split pkt (parsed into h, TTL already handled) into fragments of at most mtu bytes
 * in out[0..nout): payloads are multiples of 8 except the last, offsets continue
 * from h's own (an already fragmented input is split further and keeps its MF on the
 * last piece), ID/TOS/TTL are kept, options with the copy bit set are repeated in
 * every fragment (RFC 791 3.1), each header checksum is computed.  On anything but
 * DP_FRAG_DONE, *nfrags is 0 and out[] contents are unspecified.
 */
enum dp_frag_res dp_ipv4_fragment(const uint8_t *pkt, size_t len,
	    const struct dp_ipv4_hdr *h, uint16_t mtu, struct dp_frag_buf *out,
	    size_t nout, size_t *nfrags);

/* How many fragments dp_ipv4_fragment() would produce (0 when it fits or fails). */
size_t		dp_ipv4_frag_count(const uint8_t *pkt, size_t len,
	    const struct dp_ipv4_hdr *h, uint16_t mtu);

const char	*dp_frag_res_name(enum dp_frag_res);

#endif
