/*
 * rt: the protocol-independent route engine (the "nest" of transit, after BIRD 2).
 *
 * Every origin - VPC local/system routes, VPC custom routes, TGW static and blackhole
 * routes, prefix-list references, VPC-/DX-/Connect-/VPN-propagated routes (BGP), CEN
 * learned routes - enters the same tables as a candidate carrying its origin, the
 * contributor that put it there (source id) and its attributes.  Per prefix the
 * decision process (rt_decide.c) picks the active candidate(s); the result is an
 * interned next-hop set id (rt_nh.c) that a FIB stores (route/fib.h) and a listener
 * is told about every change as (table, prefix, old nh, new nh), so feeding a FIB is
 * fib_add(prefix, new) / fib_del(prefix) when new == 0.
 *
 * On top of the tables: the TGW hub model (rt_hub.c: attachments, association,
 * propagation, static routes, prefix lists, BGP learning/advertising; behaviours 1-16
 * and 47 of docs/cloud-semantics.md section 7) and the CEN model (rt_cen.c: VPC tables,
 * auto-published system routes, publish/withdraw, conflicts and quotas, bandwidth;
 * behaviours 39-42).  Printing is rt_print.c.
 *
 * Errors from bad input (unknown names, duplicates, ...) return -1 and leave a human
 * sentence in rt_ctx_error(); nothing here calls fatal() except on allocation failure.
 */
#ifndef TRANSIT_RT_H
#define TRANSIT_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/prefix.h"

struct rt_ctx;
struct rt_table;
struct rt_hub;
struct rt_att;
struct rt_cen;

/*
 * Origins, most preferred first: the enum value IS the rank (lower wins).
 * TGW order is cloud-semantics.md 1.5 / behaviour 3; VPC tables use LOCAL > STATIC
 * (custom) > learned (CEN, BGP).  Origins of the two table kinds never compete with
 * each other in practice, so one order serves both.
 */
enum rt_origin {
	RT_ORIGIN_LOCAL = 0,	/* VPC local / system (vSwitch) route */
	RT_ORIGIN_STATIC,	/* TGW static or blackhole route; VPC custom route */
	RT_ORIGIN_PREFIX_LIST,	/* TGW prefix-list reference (shown as propagated) */
	RT_ORIGIN_VPC,		/* VPC-propagated */
	RT_ORIGIN_DX,		/* Direct Connect gateway-propagated (BGP) */
	RT_ORIGIN_CONNECT,	/* Connect-propagated (BGP) */
	RT_ORIGIN_VPN_DX,	/* VPN over private DX propagated (BGP) */
	RT_ORIGIN_VPN,		/* Site-to-Site VPN propagated (BGP) */
	RT_ORIGIN_PEERING,	/* peering-propagated */
	RT_ORIGIN_CEN,		/* learned from a CEN publication (VPC tables) */
	RT_ORIGIN_BGP,		/* learned over BGP into a VPC table */
	RT_ORIGIN_MAX
};

const char *rt_origin_name(enum rt_origin);
/* True for origins whose candidates carry meaningful BGP attributes. */
bool	 rt_origin_is_bgp(enum rt_origin);

enum rt_status {
	RT_ST_PENDING = 0,	/* undecided, or target not usable (pendingAcceptance) */
	RT_ST_ACTIVE,		/* forwarding (alone or part of an ECMP set) */
	RT_ST_BLACKHOLE,	/* active, drops (blackhole route or target deleted) */
	RT_ST_BACKUP,		/* loses the decision; shown only with "all candidates" */
	RT_ST_CONFLICT,		/* CEN-learned, same destination exists (beh. 41) */
	RT_ST_OVERFLOW,		/* CEN-learned, receiving table quota full (beh. 41) */
};

const char *rt_status_name(enum rt_status);

enum rt_tgt_kind {
	RT_TGT_BLACKHOLE = 1,
	RT_TGT_LOCAL,		/* delivered inside the VPC */
	RT_TGT_ATTACH,		/* a hub attachment (id), optionally one of its tunnels */
	RT_TGT_CEN,		/* forwarded by the CEN (id = CEN object) */
	RT_TGT_GATEWAY,		/* a VPC next hop: VPN gateway, ECS, NAT ... (id) */
};

#define RT_TUN_NONE	0xffffu

struct rt_target {
	uint8_t		kind;		/* enum rt_tgt_kind */
	uint16_t	tunnel;		/* RT_TUN_NONE unless a tunnel of an attachment or gateway */
	uint32_t	id;		/* rt_ctx_obj_new id; 0 for blackhole/local */
};

int	 rt_target_cmp(const struct rt_target *, const struct rt_target *);

/* Whether a candidate's target can carry traffic now. */
enum rt_tstate {
	RT_TS_UP = 0,
	RT_TS_PENDING,		/* attachment awaiting acceptance: not eligible */
	RT_TS_GONE,		/* attachment deleted: the route turns blackhole */
};

/*
 * One candidate route.  The engine owns the storage; callers describe candidates with
 * this struct and read them back (rt_table_walk_all).  Status is written by rt_decide.
 */
struct rt_route {
	struct rt_route	*next;		/* engine list link */
	uint8_t		 origin;	/* enum rt_origin */
	uint8_t		 tstate;	/* enum rt_tstate */
	uint8_t		 status;	/* enum rt_status */
	uint32_t	 source;	/* contributor (rt_ctx_source_new); unique per prefix */
	struct rt_target target;
	uint32_t	 as_path_len;	/* BGP attributes, 0 for other origins */
	uint32_t	 med;
	uint32_t	 first_as;
};

/* --- Decision process (rt_decide.c) --- */

#define RT_ECMP_MAX	64

struct rt_decide_opts {
	bool	ecmp;		/* the table's hub has ECMP enabled (beh. 15) */
	bool	learned_slot;	/* a CEN-learned winner may be installed (quota) */
};

struct rt_decision {
	uint8_t		 status;	/* ACTIVE, BLACKHOLE, or PENDING = none */
	uint8_t		 origin;	/* of the winner */
	size_t		 n;		/* targets of the next-hop set */
	struct rt_target targets[RT_ECMP_MAX];
};

/* Decide one prefix: sets every candidate's status and fills the decision. */
void	 rt_decide(struct rt_route **cands, size_t n, const struct rt_decide_opts *,
	    struct rt_decision *);

/* --- Context, objects, sources, next-hop sets --- */

struct rt_ctx *rt_ctx_new(void);
void	 rt_ctx_free(struct rt_ctx *);
/* The last error sentence (valid until the next failing call). */
const char *rt_ctx_error(const struct rt_ctx *);

/*
 * Named objects (attachments, gateways, CENs, ...): ids start at 1 and are never
 * reused, so a name stays resolvable for printing after its object is gone.
 */
uint32_t rt_ctx_obj_new(struct rt_ctx *, const char *name, const char *type);
const char *rt_ctx_obj_name(const struct rt_ctx *, uint32_t id);
const char *rt_ctx_obj_type(const struct rt_ctx *, uint32_t id);
/* A new contributor id; monotonic, so a lower id means an earlier contributor. */
uint32_t rt_ctx_source_new(struct rt_ctx *);

/*
 * Next-hop sets: id (1..) -> sorted list of targets (one target = blackhole, local, a
 * single next hop; several = ECMP).  Identical sets share one id; each holder owns a
 * reference.  Tables hold one reference per prefix for the id they announced.
 */
struct rt_nh {
	uint32_t	  refs;
	uint32_t	  n;
	struct rt_target *t;
	uint32_t	  hash;
	uint32_t	  hnext;	/* intern chain (id) */
};

uint32_t rt_nh_intern(struct rt_ctx *, const struct rt_target *, size_t n);
void	 rt_nh_ref(struct rt_ctx *, uint32_t id);
void	 rt_nh_unref(struct rt_ctx *, uint32_t id);
const struct rt_nh *rt_nh_get(const struct rt_ctx *, uint32_t id);
/* Number of live next-hop sets (tests, stats). */
size_t	 rt_nh_count(const struct rt_ctx *);

/* --- Tables --- */

enum rt_table_kind {
	RT_TABLE_TGW = 1,
	RT_TABLE_VPC,
	RT_TABLE_RIB,		/* internal Adj-RIB-In of a BGP attachment */
};

/*
 * Change notification: nh 0 = nothing (added / withdrawn).  Feeding a FIB is
 * new ? fib_add(fib, prefix, new) : fib_del(fib, prefix).  The old id is still valid
 * during the call; take rt_nh_ref() to keep new beyond it.  A listener must not
 * modify route tables from inside the callback.
 *
 * Ownership: the ctx frees everything; tables made by rt_hub_table_new belong to the
 * hub (freed with it); detach a VPC table from its CEN before freeing it.
 */
typedef void rt_listen_fn(void *arg, struct rt_table *, const struct prefix *,
    uint32_t old_nh, uint32_t new_nh);

void	 rt_ctx_listen(struct rt_ctx *, rt_listen_fn *, void *arg);
void	 rt_table_listen(struct rt_table *, rt_listen_fn *, void *arg);

struct rt_table *rt_table_new(struct rt_ctx *, const char *name, enum rt_table_kind);
void	 rt_table_free(struct rt_table *);
struct rt_table *rt_table_find(struct rt_ctx *, const char *name);
const char *rt_table_name(const struct rt_table *);
enum rt_table_kind rt_table_kind(const struct rt_table *);
struct rt_ctx *rt_table_ctx(const struct rt_table *);
size_t	 rt_table_count(const struct rt_table *);	/* prefixes with candidates */
void	 rt_table_set_ecmp(struct rt_table *, bool);	/* recomputes the table */
/* Max CEN-learned routes installed (0 = unlimited); beyond: overflow. */
void	 rt_table_set_learned_quota(struct rt_table *, size_t);

/*
 * Add or replace the candidate (prefix, r->source): recomputes that prefix only and
 * notifies if its next-hop set changed.
 */
void	 rt_table_add(struct rt_table *, const struct prefix *, const struct rt_route *);
/* Remove (prefix, source); -1 if absent. */
int	 rt_table_del(struct rt_table *, const struct prefix *, uint32_t source);
/* Remove every candidate of a source (a propagation going away); returns the count. */
size_t	 rt_table_del_source(struct rt_table *, uint32_t source);
/* The candidate (prefix, source), or NULL. */
const struct rt_route *rt_table_get(const struct rt_table *, const struct prefix *,
    uint32_t source);
/* Current next-hop id of an exact prefix (0 = none). */
uint32_t rt_table_nh(const struct rt_table *, const struct prefix *);
/* Reference longest-prefix match over the active routes (the data plane uses fib). */
uint32_t rt_table_lookup(const struct rt_table *, const struct ipaddr *,
    struct prefix *matched);

/* Walk in prefix order (sorted at walk time). */
typedef void rt_walk_active_fn(void *arg, const struct prefix *, uint32_t nh,
    const struct rt_route *winner);
typedef void rt_walk_all_fn(void *arg, const struct prefix *, const struct rt_route *);
void	 rt_table_walk_active(const struct rt_table *, rt_walk_active_fn *, void *);
void	 rt_table_walk_all(const struct rt_table *, rt_walk_all_fn *, void *);

/* --- TGW hub (rt_hub.c) --- */

struct rt_hub_opts {
	bool	 default_assoc;		/* DefaultRouteTableAssociation */
	bool	 default_prop;		/* DefaultRouteTablePropagation */
	bool	 ecmp;			/* VpnEcmpSupport */
	bool	 auto_accept;		/* AutoAcceptSharedAttachments */
	uint32_t asn;			/* AmazonSideAsn */
};

/* AWS defaults: assoc on, prop on, ecmp on, auto-accept off, ASN 64512. */
void	 rt_hub_opts_default(struct rt_hub_opts *);

enum rt_att_type {
	RT_ATT_VPC = 1,
	RT_ATT_VPN_STATIC,
	RT_ATT_VPN_BGP,
	RT_ATT_PEERING,
	RT_ATT_CONNECT,
	RT_ATT_DX,
	RT_ATT_VPN_DX,
};

enum rt_att_state {
	RT_ATT_AVAILABLE = 1,
	RT_ATT_PENDING_ACCEPTANCE,
};

const char *rt_att_type_name(enum rt_att_type);
int	 rt_att_type_parse(const char *, enum rt_att_type *);

/*
 * A hub with default options creates a default route table named "<hub>-default"
 * (when default association or propagation is on).
 */
struct rt_hub *rt_hub_new(struct rt_ctx *, const char *name, const struct rt_hub_opts *);
void	 rt_hub_free(struct rt_hub *);
struct rt_hub *rt_hub_find(struct rt_ctx *, const char *name);
const char *rt_hub_name(const struct rt_hub *);
/* Changes apply to attachments created afterwards (beh. 11); ecmp applies at once. */
void	 rt_hub_set_opts(struct rt_hub *, const struct rt_hub_opts *);
const struct rt_hub_opts *rt_hub_get_opts(const struct rt_hub *);
struct rt_table *rt_hub_table_new(struct rt_hub *, const char *name);
int	 rt_hub_set_default_table(struct rt_hub *, struct rt_table *);
struct rt_table *rt_hub_default_table(const struct rt_hub *);

/*
 * Attach: cidrs only for VPC attachments; cross_owner + !auto_accept leaves the
 * attachment in pendingAcceptance (beh. 47).  Applies the hub's current defaults.
 */
struct rt_att *rt_hub_attach(struct rt_hub *, const char *name, enum rt_att_type,
    const struct prefix *cidrs, size_t ncidrs, bool cross_owner);
int	 rt_hub_accept(struct rt_hub *, struct rt_att *);
/* Delete: its propagated routes go; static routes to it turn blackhole. */
int	 rt_hub_detach(struct rt_hub *, struct rt_att *);
struct rt_att *rt_hub_att_find(const struct rt_hub *, const char *name);
/* Any hub's attachment by name (names are unique per ctx in practice). */
struct rt_att *rt_ctx_att_find(const struct rt_ctx *, const char *name);
struct rt_hub *rt_att_hub(const struct rt_att *);
/* The hub owning a TGW table, NULL for other tables. */
struct rt_hub *rt_table_hub(const struct rt_table *);
/* Iteration (creation order) for printing and checks. */
size_t	 rt_hub_ntables(const struct rt_hub *);
struct rt_table *rt_hub_table_at(const struct rt_hub *, size_t);
size_t	 rt_hub_natts(const struct rt_hub *);
struct rt_att *rt_hub_att_at(const struct rt_hub *, size_t);
size_t	 rt_att_nprops(const struct rt_att *);
struct rt_table *rt_att_prop_at(const struct rt_att *, size_t);
size_t	 rt_ctx_ntables(const struct rt_ctx *);	/* every TGW and VPC table */
struct rt_table *rt_ctx_table_at(const struct rt_ctx *, size_t);
uint32_t rt_att_id(const struct rt_att *);
const char *rt_att_name(const struct rt_att *);
enum rt_att_type rt_att_type(const struct rt_att *);
enum rt_att_state rt_att_state(const struct rt_att *);
struct rt_table *rt_att_assoc(const struct rt_att *);
/* True when the identical-CIDR rule (beh. 10) suppressed this VPC's propagation. */
bool	 rt_att_suppressed(const struct rt_att *);

/* A policy-table association: the attachment advertises nothing (beh. 13). */
#define RT_ASSOC_POLICY	0x1

int	 rt_hub_associate(struct rt_hub *, struct rt_att *, struct rt_table *, unsigned);
int	 rt_hub_disassociate(struct rt_hub *, struct rt_att *);
int	 rt_hub_propagate(struct rt_hub *, struct rt_att *, struct rt_table *);
int	 rt_hub_unpropagate(struct rt_hub *, struct rt_att *, struct rt_table *);

/* Static route to an attachment (att) or, with att NULL, a blackhole (beh. 7, 8). */
int	 rt_hub_static_add(struct rt_hub *, struct rt_table *, const struct prefix *,
    struct rt_att *);
int	 rt_hub_static_del(struct rt_hub *, struct rt_table *, const struct prefix *);

/* Prefix lists (beh. 9): named, shared by the hub's tables. */
int	 rt_hub_plist_set(struct rt_hub *, const char *name, const struct prefix *, size_t);
int	 rt_hub_plist_entry_add(struct rt_hub *, const char *name, const struct prefix *);
int	 rt_hub_plist_entry_del(struct rt_hub *, const char *name, const struct prefix *);
/* Reference a list in a table, to an attachment or (att NULL) blackhole. */
int	 rt_hub_plist_ref(struct rt_hub *, struct rt_table *, const char *name,
    struct rt_att *);
int	 rt_hub_plist_unref(struct rt_hub *, struct rt_table *, const char *name);

/* BGP learn/unlearn on a BGP-speaking attachment, per tunnel (beh. 4, 5, 15). */
struct rt_bgp_attr {
	uint32_t	as_path_len;
	uint32_t	med;
	uint32_t	first_as;
};
int	 rt_hub_learn(struct rt_hub *, struct rt_att *, unsigned tunnel,
    const struct prefix *, const struct rt_bgp_attr *);
int	 rt_hub_unlearn(struct rt_hub *, struct rt_att *, unsigned tunnel,
    const struct prefix *);
/* Drop everything learned on a tunnel (session down). */
int	 rt_hub_tunnel_down(struct rt_hub *, struct rt_att *, unsigned tunnel);

/* What a BGP attachment advertises (beh. 13, 14): sorted; caller frees *out. */
struct rt_advert {
	struct prefix	pfx;
	uint32_t	as_path_len;	/* local ASN prepended */
	uint32_t	first_as;	/* = hub ASN */
};
int	 rt_hub_advertise(struct rt_hub *, struct rt_att *, struct rt_advert **out,
    size_t *n);

/* Forwarding decision for a packet entering on ingress (beh. 1): nh id or 0. */
uint32_t rt_hub_lookup(struct rt_hub *, struct rt_att *ingress, const struct ipaddr *,
    struct prefix *matched);

/* --- VPC tables and CEN (rt_cen.c) --- */

/* VPC route tables (Alibaba system route table model). */
struct rt_table *rt_vpc_table_new(struct rt_ctx *, const char *name);
/* A system route (VPC CIDR or vSwitch CIDR -> local); vswitch ones are auto-published. */
int	 rt_vpc_system_add(struct rt_table *, const struct prefix *, bool vswitch);
int	 rt_vpc_system_del(struct rt_table *, const struct prefix *);
/* A custom route to a gateway object (VPN gateway, ECS, ...). */
int	 rt_vpc_custom_add(struct rt_table *, const struct prefix *, uint32_t gateway_id);
/* Deleting a published custom route withdraws it from the CEN too (beh. 40). */
int	 rt_vpc_custom_del(struct rt_table *, const struct prefix *);

struct rt_cen *rt_cen_new(struct rt_ctx *, const char *name);
void	 rt_cen_free(struct rt_cen *);
struct rt_cen *rt_cen_find(struct rt_ctx *, const char *name);
uint32_t rt_cen_id(const struct rt_cen *);
int	 rt_cen_attach(struct rt_cen *, struct rt_table *vpc, const char *region);
int	 rt_cen_detach(struct rt_cen *, struct rt_table *vpc);
/* Publish a custom route (must exist in vpc) / withdraw it (beh. 40). */
int	 rt_cen_publish(struct rt_cen *, struct rt_table *vpc, const struct prefix *);
int	 rt_cen_withdraw(struct rt_cen *, struct rt_table *vpc, const struct prefix *);
/* Cross-region bandwidth in kbps (default 1 between regions, 0 = unlimited same region). */
int	 rt_cen_set_bandwidth(struct rt_cen *, const char *ra, const char *rb,
    uint32_t kbps);
uint32_t rt_cen_bandwidth(const struct rt_cen *, const char *ra, const char *rb);
uint32_t rt_cen_path_bandwidth(const struct rt_cen *, struct rt_table *from,
    struct rt_table *to);
void	 rt_cen_set_ttl_transparent(struct rt_cen *, bool);
bool	 rt_cen_ttl_transparent(const struct rt_cen *);
const char *rt_cen_region(const struct rt_cen *, const struct rt_table *vpc);

/* Conflict / overflow report (DescribeRouteConflict-like), sorted by table then prefix. */
typedef void rt_cen_conflict_fn(void *arg, struct rt_table *, const struct prefix *,
    const struct rt_route *, struct rt_table *publisher);
void	 rt_cen_conflicts(struct rt_cen *, rt_cen_conflict_fn *, void *arg);
/* The VPC table that published the route a CEN candidate came from. */
struct rt_table *rt_cen_publisher(const struct rt_cen *, uint32_t source);

/* --- Printing (rt_print.c) --- */

/*
 * Names for ids: returns the display name of object id and sets *type to its resource
 * type ("vpc", "vpn", ...).  rt_ctx_resolve is the default (arg = the ctx).
 */
typedef const char *rt_resolve_fn(void *arg, uint32_t id, const char **type);
const char *rt_ctx_resolve(void *ctx, uint32_t id, const char **type);

#define RT_PRINT_ALL	0x1	/* every candidate, with its status and origin */

void	 rt_print_table(FILE *, const struct rt_table *, unsigned flags,
    rt_resolve_fn *, void *arg);
/* "vpn-1 tun 0", "blackhole", "local", "cen-1" ... */
const char *rt_target_fmt(const struct rt_target *, rt_resolve_fn *, void *arg,
    char *buf, size_t len);
void	 rt_print_nh(FILE *, const struct rt_ctx *, uint32_t nh, rt_resolve_fn *,
    void *arg);

#endif
