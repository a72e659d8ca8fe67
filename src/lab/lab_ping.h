/*
 * lab_ping: reading the output of iputils `ping` (the tool every host of the lab
 * pings with, docs/lab.md "The ping matrix") and judging a pair against what the
 * network file expects.  Pure text in, numbers out; tested with captured outputs.
 */
#ifndef TRANSIT_LAB_PING_H
#define TRANSIT_LAB_PING_H

#include <stdbool.h>
#include <stddef.h>

struct lab_ping_result {
	bool		have_summary;	/* the "N packets transmitted" line was seen */
	unsigned	tx;
	unsigned	rx;		/* distinct replies, as ping counts them */
	unsigned	errors;		/* "+N errors" (ICMP errors received) */
	unsigned	dups;
	double		loss_pct;
	bool		have_rtt;
	double		rtt_min, rtt_avg, rtt_max, rtt_mdev;	/* ms */
	int		ttl;		/* TTL of the first reply, -1 when none */
	bool		ttl_varies;	/* later replies had another TTL */
	unsigned	replies;	/* reply lines seen (duplicates included) */
	unsigned	out_of_order;	/* replies whose icmp_seq was below the last one */
	bool		no_route;	/* "connect: Network is unreachable": the source
					   has no route at all, nothing was sent */
};

/* Parse ping's stdout; 0, or -1 when it holds no summary line (ping failed early). */
int	lab_ping_parse(const char *out, size_t len, struct lab_ping_result *);

/*
 * Did the pair behave as expected?  Reachable: every probe answered (0 % loss).
 * Unreachable: no reply at all (a source without any route counts: ping then
 * stops before its summary).
 */
bool	lab_ping_ok(const struct lab_ping_result *, bool expect_reachable);

#endif
