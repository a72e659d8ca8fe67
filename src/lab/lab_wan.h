/*
 * lab_wan: the lab's internet (docs/lab.md "The WAN emulator").  A process in the
 * lab's wan namespace that every packet between two gateway nodes passes through:
 * the kernel there forwards whatever arrives on a node veth into one TUN device,
 * this process classifies each packet by (source region, destination region) from
 * the outside addresses in the network file, queues it in lab_wsched for that
 * pair's one-way delay, loss and rate cap, and writes it back into the TUN when it
 * is due; policy routing then sends it out of the destination node's veth.
 *
 * lab_wan_classify is pure (unit-tested); lab_wan_run is the I/O glue on the event
 * loop (common/ev.h) and the TUN helpers (dataplane/dp_tun.h).
 */
#ifndef TRANSIT_LAB_WAN_H
#define TRANSIT_LAB_WAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lab/lab_plan.h"
#include "lab/lab_wsched.h"

#define LAB_WAN_MAX_PKTS	16384	/* packets held at once, all links (~32 MiB) */

struct lab_wan;

/* One directed link per ordered pair of regions, plus "unknown" (not a node). */
struct lab_wan *lab_wan_new(const struct lab_plan *, uint64_t seed);
void	lab_wan_free(struct lab_wan *);
struct lab_wsched *lab_wan_sched(struct lab_wan *);

/*
 * The link an IPv4 packet travels on, from its source and destination addresses;
 * SIZE_MAX for anything that is not a well-formed IPv4 header (dropped).
 */
size_t	lab_wan_classify(const struct lab_wan *, const uint8_t *pkt, size_t len);
/* Human name of a link, "us-east-1 -> ap-northeast-1" ("?" = not a node). */
const char *lab_wan_link_name(const struct lab_wan *, size_t link, char *buf,
	    size_t len);
/* One line per link that saw traffic, for `transitlab status`. */
void	lab_wan_print_stats(const struct lab_wan *, FILE *);

struct lab_wan_opts {
	const char	*ready_file;	/* written (our pid) once packets flow */
	const char	*stats_file;	/* rewritten every second; NULL: none */
	uint64_t	 seed;
};

/*
 * Create the TUN (plan->wan_tun) in the current namespace, route everything into
 * it, and forward until SIGTERM/SIGINT.  0 on a clean stop, -1 on setup failure.
 */
int	lab_wan_run(const struct lab_plan *, const struct lab_wan_opts *);

#endif
