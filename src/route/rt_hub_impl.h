/*
 * rt_hub_impl: the hub structures shared by rt_hub.c (attachments, association,
 * propagation, statics, BGP learning) and rt_hub_plist.c (prefix lists, adverts).
 */
#ifndef TRANSIT_RT_HUB_IMPL_H
#define TRANSIT_RT_HUB_IMPL_H

#include "route/rt_impl.h"

#define RT_HUB_MAX_TUN	16

struct rt_att {
	struct rt_hub	 *hub;
	char		 *name;
	uint32_t	  id;
	enum rt_att_type  type;
	enum rt_att_state state;
	struct prefix	 *cidrs;
	size_t		  ncidrs;
	bool		  suppressed;	/* identical-CIDR rule (beh. 10) */
	struct rt_table	 *assoc;
	unsigned	  assoc_flags;
	struct rt_table	**props;
	size_t		  nprops, pcap;
	uint32_t	  prop_src;	/* source of VPC-propagated routes */
	struct rt_table	 *rib;		/* BGP Adj-RIB-In, one source per tunnel */
	uint32_t	  tun_src[RT_HUB_MAX_TUN];
};

struct rt_plist_ref {
	struct rt_table	*table;
	uint32_t	 source;
	uint32_t	 att_id;	/* 0 = blackhole */
};

struct rt_plist {
	char		   *name;
	struct prefix	   *e;
	size_t		    n, cap;
	struct rt_plist_ref *refs;
	size_t		    nrefs, rcap;
};

struct rt_hub {
	struct rt_ctx	 *ctx;
	char		 *name;
	uint32_t	  id;
	struct rt_hub_opts opts;
	struct rt_table	**tables;
	size_t		  ntables, tcap;
	struct rt_table	 *deftable;
	struct rt_att	**atts;
	size_t		  natts, acap;
	struct rt_plist	**plists;
	size_t		  nplists, plcap;
};

bool	 rt_att_is_bgp(const struct rt_att *);
enum rt_origin rt_att_origin(const struct rt_att *);
bool	 rt_hub_owns(const struct rt_hub *, const struct rt_table *);
struct rt_att *rt_hub_att_by_id(const struct rt_hub *, uint32_t);
/* Fill r's target for a static/prefix-list route to a (NULL = blackhole). */
int	 rt_hub_static_target(struct rt_hub *, struct rt_att *, struct rt_route *);
void	 rt_hub_plists_free(struct rt_hub *);

#endif
