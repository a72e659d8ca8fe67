/*
 * ike_ts: traffic selector policy for the IKEv2 engine (RFC 7296 2.9, 3.13):
 * conversion between configured prefixes and TS ranges, narrowing as responder
 * (the intersection of the proposal with our policy), the initiator's check that
 * a reply is within what it proposed, and ranges back to CIDR prefixes for the
 * ESP SA (src/esp takes prefixes).
 */
#ifndef TRANSIT_IKE_TS_H
#define TRANSIT_IKE_TS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/prefix.h"
#include "ike/ike_msg.h"

void	ike_ts_from_prefixes(const struct prefix *, size_t, struct ike_ts *);
/*
 * 2.9 narrowing: every non-empty intersection of a proposed selector with a
 * policy selector, in proposal order.  -1 when there is none (TS_UNACCEPTABLE).
 */
int	ike_ts_narrow(const struct ike_ts *proposed, const struct ike_ts *policy,
	    struct ike_ts *out);
/* Is every selector of `inner` inside one selector of `outer`? */
bool	ike_ts_subset(const struct ike_ts *inner, const struct ike_ts *outer);
bool	ike_ts_equal(const struct ike_ts *, const struct ike_ts *);
/* The address ranges as CIDR prefixes (protocol and ports are not carried);
 * -1 when more than `max` are needed. */
int	ike_ts_to_prefixes(const struct ike_ts *, struct prefix *, size_t max,
	    size_t *n);
/* "10.0.0.0-10.0.255.255" style, for logs. */
const char *ike_ts_fmt(const struct ike_ts *, char *, size_t);

#endif
