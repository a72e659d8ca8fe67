/*
 * net: the whole network of a network file, computed.  net_build() feeds every hub,
 * CEN and VPC of a validated cfg_net into the route engine in the order the clouds
 * would apply them (tables, attachments with the hub's defaults at attach time,
 * association/propagation, static routes and prefix lists, VPC system and custom
 * routes, CEN attachments and publications) and, for BGP connections, simulates what
 * each side would advertise, so that `transitctl check` can show the tables a running
 * network converges to without running anything.  transitd uses the same build for
 * the part of the network its node owns.
 */
#ifndef TRANSIT_NET_H
#define TRANSIT_NET_H

#include <stdbool.h>
#include <stdio.h>

#include "config/cfg.h"
#include "route/rt.h"

struct net_hub {
	const struct cfg_hub	*cfg;
	struct rt_hub		*hub;		/* kind tgw */
	struct rt_cen		*cen;		/* kind cen */
	struct rt_table		**tables;	/* tgw: parallel to cfg->route_tables */
	struct rt_att		**atts;		/* parallel to cfg->attachments (tgw) */
	uint32_t		 id;		/* rt object naming the hub as a next hop */
};

struct net_vpc {
	const struct cfg_vpc	*cfg;
	struct rt_table		*table;
};

struct net_gw {
	const struct cfg_vpn_gateway *cfg;
	uint32_t		 id;		/* rt object id */
};

struct net {
	const struct cfg_net	*cfg;
	struct rt_ctx		*rt;
	struct net_hub		*hubs;		/* parallel to cfg->hubs */
	struct net_vpc		*vpcs;		/* parallel to cfg->vpcs */
	struct net_gw		*gws;		/* parallel to cfg->vpn_gateways */
	char			**problems;	/* what the engine refused, in words */
	size_t			 nproblems;
};

/* Build everything; never NULL.  Engine refusals end up in net->problems. */
struct net *net_build(const struct cfg_net *);
void	 net_free(struct net *);

struct net_vpc *net_vpc_of(const struct net *, const struct cfg_vpc *);
struct net_hub *net_hub_of(const struct net *, const struct cfg_hub *);

#define NET_PRINT_ALL	0x1	/* every candidate route, with its status */

/* Human report of every table (`transitctl check`); table filters by name if set. */
void	 net_print(FILE *, const struct net *, unsigned flags, const char *table);
/* The same as JSON (jansson), written to f; 0 or -1. */
int	 net_print_json(FILE *, const struct net *, unsigned flags, const char *table);

#endif
