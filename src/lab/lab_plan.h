/*
 * lab_plan: what `transitlab up` builds for a network file (docs/lab.md), as data:
 * the lab id and every namespace and interface name, the VPC namespaces with
 * their hosts and initial TTL, the gateway nodes with their outside addresses
 * and the VPCs their gateways attach to, and the map from outside address to
 * (node, region) that the WAN emulator classifies packets with.  No I/O: the
 * CLI and the WAN process both build the same plan from the same file.
 *
 * Naming (all derived from the lab id, so two labs never clash):
 *   lab id           "tl" + 4 hex digits of FNV-1a(lab name [, attempt])
 *   namespaces       ID-wan, ID-n-NODE, ID-v-VPC
 *   veth of node k   ID n k (node side), ID w k (wan side)   e.g. tl3fa2n0, tl3fa2w0
 *   WAN TUN          ID wan                                   e.g. tl3fa2wan
 * Interface names stay within 15 characters for up to LAB_MAX_NODES nodes.
 */
#ifndef TRANSIT_LAB_PLAN_H
#define TRANSIT_LAB_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/prefix.h"
#include "config/cfg.h"

#define LAB_ID_LEN	7	/* "tl" + 4 hex + NUL */
#define LAB_IFNAMSIZ	16
#define LAB_MAX_NODES	1000
#define LAB_NAME_MAX	63

/* 169.254.0.0/30 is one of the inside CIDRs AWS refuses (beh. 22), so no tunnel
 * of a valid file uses this address: the wan side of every node veth has it and
 * the node's default route points at it. */
#define LAB_WAN_GW	"169.254.0.1"
/* Policy-routing table in the wan namespace for packets coming out of the TUN. */
#define LAB_WAN_TABLE	100

struct lab_plan_vpc {
	const struct cfg_vpc	*vpc;
	char			*netns;
	int			 ttl;		/* net.ipv4.ip_default_ttl */
	const char		*cloud;		/* the region's cloud, for messages */
};

struct lab_plan_node {
	const struct cfg_node	*node;
	char			*netns;
	char			 veth_node[LAB_IFNAMSIZ];
	char			 veth_wan[LAB_IFNAMSIZ];
	struct ipaddr		*addrs;		/* outside addresses */
	size_t			 naddrs;
	size_t			*vpcs;		/* indexes into plan->vpcs */
	size_t			 nvpcs;
};

struct lab_plan_addr {
	struct ipaddr	 addr;
	size_t		 node;		/* index into plan->nodes */
	size_t		 region;	/* index into cfg->regions */
};

struct lab_plan {
	const struct cfg_net	*cfg;
	char			*name;
	char			 id[LAB_ID_LEN];
	char			*wan_netns;
	char			 wan_tun[LAB_IFNAMSIZ];
	struct lab_plan_vpc	*vpcs;
	size_t			 nvpcs;
	struct lab_plan_node	*nodes;
	size_t			 nnodes;
	struct lab_plan_addr	*addrs;
	size_t			 naddrs;
};

/* A lab name is a network-file name: 1-63 of a-z 0-9 -, not starting with -. */
bool	lab_name_valid(const char *);
/* The lab id for a name; attempt > 0 gives alternatives when an id is taken. */
void	lab_name_id(const char *name, unsigned attempt, char id[LAB_ID_LEN]);

/*
 * Build the plan; NULL with a sentence in err when the file cannot be run (an
 * address claimed by two nodes, too many nodes).  cfg must outlive the plan.
 */
struct lab_plan *lab_plan_new(const struct cfg_net *, const char *name,
	    const char *id, char *err, size_t errlen);
void	lab_plan_free(struct lab_plan *);

const struct lab_plan_addr *lab_plan_addr_find(const struct lab_plan *,
	    const struct ipaddr *);
const struct lab_plan_vpc *lab_plan_vpc_find(const struct lab_plan *,
	    const struct cfg_vpc *);
/* Index of a region in cfg->regions. */
size_t	lab_plan_region_index(const struct lab_plan *, const struct cfg_region *);
/* Initial TTL of hosts in a region of this cloud (cfg CFG_CLOUD_*). */
int	lab_plan_cloud_ttl(int cloud);

#endif
