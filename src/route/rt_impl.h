/*
 * rt_impl: structures shared by the rt_*.c files of the route engine and nothing
 * else.  The public view is rt.h.
 */
#ifndef TRANSIT_RT_IMPL_H
#define TRANSIT_RT_IMPL_H

#include "route/rt.h"

struct rt_obj {
	char	*name;
	char	*type;
};

struct rt_ctx {
	char		  err[256];
	struct rt_obj	 *objs;		/* id = index + 1 */
	size_t		  nobjs, objcap;
	uint32_t	  next_source;

	/* next-hop sets (rt_nh.c): nh[id], slot 0 unused */
	struct rt_nh	 *nh;
	size_t		  nhcap, nhused, nhlive;
	uint32_t	  nhfree;	/* free-list head, chained through hnext */
	uint32_t	 *nhbuckets;
	size_t		  nhnbuckets;

	rt_listen_fn	 *listen;
	void		 *listen_arg;

	struct rt_table	**tables;
	size_t		  ntables, tcap;
	struct rt_hub	**hubs;
	size_t		  nhubs, hcap;
	struct rt_cen	**cens;
	size_t		  ncens, ccap;
};

struct rt_entry {
	struct rt_entry	*hnext;
	struct rt_route	*routes;
	uint32_t	 hash;
	uint32_t	 nh;		/* announced next-hop set, one reference held */
	bool		 slot;		/* holds one of the learned-route slots */
	bool		 overflow;	/* some candidate is in RT_ST_OVERFLOW */
	struct prefix	 pfx;
};

struct rt_table {
	struct rt_ctx	 *ctx;
	char		 *name;
	enum rt_table_kind kind;
	bool		  ecmp;
	size_t		  quota, slots, noverflow;
	struct rt_entry	**buckets;
	size_t		  nbuckets, count;
	rt_listen_fn	 *listen;
	void		 *listen_arg;

	struct rt_hub	 *hub;		/* TGW tables: owning hub */
	struct rt_cen	 *cen;		/* VPC tables: the CEN it is attached to */
	uint32_t	  static_src;	/* TGW static / VPC custom routes */
	uint32_t	  system_src;	/* VPC vSwitch (published) system routes */
	uint32_t	  local_src;	/* VPC CIDR system routes (never published) */
};

void	 rt_seterr(struct rt_ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Detach a table from the ctx's list (hub/cen-owned tables are freed by them). */
void	 rt_ctx_table_unlink(struct rt_ctx *, struct rt_table *);
/* Set tstate of static / prefix-list candidates targeting attachment id. */
void	 rt_table_set_tstate(struct rt_table *, uint32_t att_id, enum rt_tstate);
/* Free the nh storage of the ctx (rt_nh.c). */
void	 rt_nh_free_all(struct rt_ctx *);
/* CEN hook: a VPC route of tbl appeared / disappeared (rt_cen.c). */
void	 rt_cen_vpc_changed(struct rt_cen *, struct rt_table *, const struct prefix *,
	    uint32_t source, bool added);

#endif
