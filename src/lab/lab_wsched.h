/*
 * lab_wsched: the scheduling core of the lab's WAN emulator (docs/lab.md "The WAN
 * emulator"), sans I/O: packets go in with the time they arrived and come out at
 * the time they are due.  The glue (lab_wan.c) owns the TUN device, the clock and
 * the timers; this file owns the queues, the delay, the loss decisions and the
 * rate cap, so all of it runs under a fake clock in the unit tests.
 *
 * The emulated internet is a set of directed links, one per ordered pair of
 * regions.  Each link is one FIFO: a packet's release time is
 *
 *     release = max(send + delay, release of the packet before it on the link)
 *
 * where send is the arrival time, or the time the rate cap lets it go.  The delay
 * is constant per link, so the max() only matters when a shaped packet waits; it
 * is what guarantees that a flow (which always maps to one link) is never
 * reordered.
 *
 * Loss is drawn per packet from a seeded generator (splitmix64), so a run is
 * reproducible from its seed.  The rate cap is a token bucket in its virtual-time
 * form: `vt` is the time at which the bucket would be empty; a packet of L bytes
 * needs vt + L*8/rate <= now to go at once, else it waits until then, unless that
 * wait exceeds the link's queueing limit, in which case it is dropped (a shaper
 * with a bounded buffer).  The bucket holds `burst_bytes`.
 */
#ifndef TRANSIT_LAB_WSCHED_H
#define TRANSIT_LAB_WSCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAB_WSCHED_PKT_MAX	2048	/* bytes; the lab internet runs at MTU 1500 */

struct lab_wlink_cfg {
	uint64_t	delay_ns;	/* one way */
	double		loss_pct;	/* 0-100 */
	uint64_t	rate_bps;	/* bits per second; 0 = unlimited */
	uint64_t	burst_bytes;	/* 0: lab_wsched_default_burst(rate) */
	uint64_t	max_wait_ns;	/* longest wait for tokens; 0: 500 ms */
	size_t		qmax;		/* packets queued on the link; 0: 4096 */
};

struct lab_wlink_stats {
	uint64_t	in_pkts;
	uint64_t	in_bytes;
	uint64_t	out_pkts;
	uint64_t	out_bytes;
	uint64_t	drop_loss;	/* drawn by the loss rate */
	uint64_t	drop_rate;	/* would have waited longer than max_wait_ns */
	uint64_t	drop_full;	/* link queue or packet pool full */
	uint64_t	max_queued;	/* high-water mark of the queue */
};

enum lab_wsched_verdict {
	LAB_WS_QUEUED = 0,
	LAB_WS_DROP_LOSS,
	LAB_WS_DROP_RATE,
	LAB_WS_DROP_FULL,
	LAB_WS_DROP_BAD,		/* no such link, or longer than LAB_WSCHED_PKT_MAX */
};

struct lab_wpkt {
	struct lab_wpkt	*next;
	uint64_t	 release_ns;
	size_t		 len;
	uint32_t	 tag;		/* the caller's, from lab_wsched_enqueue_tag */
	uint8_t		 data[LAB_WSCHED_PKT_MAX];
};

struct lab_wsched;

/* max_pkts bounds the packets held across all links (memory: ~2 KiB each). */
struct lab_wsched *lab_wsched_new(uint64_t seed, size_t max_pkts);
void	lab_wsched_free(struct lab_wsched *);

/* Add a directed link; returns its index (0, 1, ...). */
size_t	lab_wsched_link_add(struct lab_wsched *, const struct lab_wlink_cfg *);
size_t	lab_wsched_nlinks(const struct lab_wsched *);
const struct lab_wlink_cfg *lab_wsched_link_cfg(const struct lab_wsched *, size_t link);
const struct lab_wlink_stats *lab_wsched_stats(const struct lab_wsched *, size_t link);
size_t	lab_wsched_queued(const struct lab_wsched *, size_t link);

/*
 * Offer a packet that arrived at now_ns to a link.  LAB_WS_QUEUED copies it and
 * stores its release time in *release_ns (which may equal now_ns); anything else
 * is a drop, counted in the link's stats.
 */
enum lab_wsched_verdict lab_wsched_enqueue(struct lab_wsched *, size_t link,
	    const void *pkt, size_t len, uint64_t now_ns, uint64_t *release_ns);
/* The same, with a tag the popped packet carries (where it goes, for transitd). */
enum lab_wsched_verdict lab_wsched_enqueue_tag(struct lab_wsched *, size_t link,
	    const void *pkt, size_t len, uint32_t tag, uint64_t now_ns,
	    uint64_t *release_ns);

/* Release time of the link's oldest packet, or UINT64_MAX when it is empty. */
uint64_t lab_wsched_next(const struct lab_wsched *, size_t link);

/*
 * The link's oldest packet when it is due at now_ns (release_ns <= now_ns), else
 * NULL.  The caller sends it and hands it back with lab_wsched_put.
 */
struct lab_wpkt *lab_wsched_pop(struct lab_wsched *, size_t link, uint64_t now_ns);
void	lab_wsched_put(struct lab_wsched *, struct lab_wpkt *);

/* The bucket size used when a link gives none: 50 ms at the rate, at least 1600 bytes. */
uint64_t lab_wsched_default_burst(uint64_t rate_bps);
/* Serialisation time of len bytes at rate_bps (0 when unlimited). */
uint64_t lab_wsched_tx_ns(uint64_t rate_bps, size_t len);

#endif
