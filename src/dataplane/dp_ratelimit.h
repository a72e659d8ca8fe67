/*
 * dp_ratelimit: a token bucket with nanosecond time supplied by the caller, for ICMP
 * error generation (RFC 1812 section 4.3.2.8: a router must be able to limit the
 * rate of ICMP errors).  One per ingress attachment, owned by the caller; like
 * log_ratelimit (common/log.h) it never reads a clock itself, so tests drive it with
 * a fake one.  log_ratelimit counts whole milliseconds, too coarse for 1000/s.
 */
#ifndef TRANSIT_DP_RATELIMIT_H
#define TRANSIT_DP_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct dp_ratelimit {
	uint64_t	last_ns;	/* time of the last refill */
	uint64_t	credit_ns;	/* tokens, as nanoseconds of accrued time */
	uint64_t	cost_ns;	/* one token: 1e9 / rate */
	uint64_t	max_ns;		/* bucket depth: burst * cost_ns */
	uint64_t	allowed;
	uint64_t	dropped;
	bool		started;
};

/*
 * rate_per_sec tokens per second, up to burst saved; the bucket starts full.  A rate
 * of 0 denies everything; burst 0 is treated as 1.
 */
void	dp_ratelimit_init(struct dp_ratelimit *, uint32_t rate_per_sec, uint32_t burst);
/* Take a token at now_ns (monotonic; a clock going backwards refills nothing). */
bool	dp_ratelimit_allow(struct dp_ratelimit *, uint64_t now_ns);

#endif
