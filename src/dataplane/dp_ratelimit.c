/*
 * dp_ratelimit: caller-clocked token bucket (RFC 1812 section 4.3.2.8).  See
 * dp_ratelimit.h.
 */
#include <string.h>

#include "dataplane/dp_ratelimit.h"

#define NS_PER_SEC	1000000000ull

void
dp_ratelimit_init(struct dp_ratelimit *rl, uint32_t rate_per_sec, uint32_t burst)
{
	memset(rl, 0, sizeof(*rl));
	if (burst == 0)
		burst = 1;
	if (rate_per_sec == 0) {
		/* Never refills and starts empty. */
		rl->cost_ns = UINT64_MAX;
		rl->max_ns = 0;
	} else {
		rl->cost_ns = NS_PER_SEC / rate_per_sec;
		if (rl->cost_ns == 0)
			rl->cost_ns = 1;
		rl->max_ns = rl->cost_ns * burst;
	}
	rl->credit_ns = rl->max_ns;
}

bool
dp_ratelimit_allow(struct dp_ratelimit *rl, uint64_t now_ns)
{
	/*
	 * Credit is kept in nanoseconds so a refill never rounds time away: a
	 * 1000/s bucket asked every 300 us gets a token every fourth call.
	 */
	if (!rl->started) {
		rl->started = true;
		rl->last_ns = now_ns;
	} else if (now_ns > rl->last_ns) {
		uint64_t d = now_ns - rl->last_ns;

		rl->last_ns = now_ns;
		if (d >= rl->max_ns - rl->credit_ns)
			rl->credit_ns = rl->max_ns;
		else
			rl->credit_ns += d;
	}
	if (rl->max_ns == 0 || rl->credit_ns < rl->cost_ns) {
		rl->dropped++;
		return false;
	}
	rl->credit_ns -= rl->cost_ns;
	rl->allowed++;
	return true;
}
