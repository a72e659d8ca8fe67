/*
 * dp_nl: the few rtnetlink requests the data plane needs (RFC 3549; linux
 * rtnetlink(7)): look up a link, set MTU and up state, add an address, add/delete
 * a route, delete a link.  Messages are built with the bounded writer and replies
 * read with the bounded reader; see docs/io.md for why not libmnl.
 *
 * A struct dp_nl is one NETLINK_ROUTE socket.  Opened with a netns path it is
 * created inside that namespace and acts on it from then on, whatever namespace
 * the calling thread is in later.
 */
#ifndef TRANSIT_DP_NL_H
#define TRANSIT_DP_NL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/prefix.h"

struct dp_nl {
	int		fd;
	uint32_t	seq;
};

int	dp_nl_open(struct dp_nl *, const char *netns_or_null);
void	dp_nl_close(struct dp_nl *);

/* Index of the link called name, or -1 (errno ENODEV when there is none). */
int	dp_nl_ifindex(struct dp_nl *, const char *name);
/* Set the MTU (0 leaves it) and bring the link up or down. */
int	dp_nl_link_set(struct dp_nl *, int ifindex, unsigned mtu, bool up);
int	dp_nl_link_del(struct dp_nl *, int ifindex);
/* Add addr/plen to the link (an existing identical address is not an error). */
int	dp_nl_addr_add(struct dp_nl *, int ifindex, const struct ipaddr *, unsigned plen);
/*
 * Add (replacing any route to the same prefix) or delete a route in the main
 * table: out of ifindex, via gw when gw is non-NULL, else on-link.
 */
int	dp_nl_route(struct dp_nl *, bool add, const struct prefix *, int ifindex,
	    const struct ipaddr *gw);

/* One-shot helpers for the lab: route prefix into dev inside netns (NULL: ours). */
int	dp_nl_route_add(const char *netns, const struct prefix *, const char *dev);
int	dp_nl_route_del(const char *netns, const struct prefix *, const char *dev);

#endif
