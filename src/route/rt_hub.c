/*
 * rt_hub: the Transit-Gateway model on top of the route tables (docs/cloud-semantics.md
 * 1.1-1.6, behaviours 1-16 and 47 of section 7).
 *
 * A hub owns route tables and attachments.  An attachment is associated with at most
 * one of them (the table its ingress packets are looked up in, beh. 1) and propagates
 * into any number (beh. 2).  What it propagates depends on its type (1.4): a VPC its
 * CIDR blocks (beh. 10), BGP-speaking attachments what they learned per tunnel (kept
 * in a private Adj-RIB-In table, so a later propagation can replay it), static VPNs
 * and peerings nothing (beh. 12).  Each contribution has its own source id, so a
 * propagation going away removes exactly its routes.
 *
 * Attachments created cross-owner without auto-accept stay in pendingAcceptance and
 * neither contribute nor receive until accepted (beh. 47); the hub defaults captured
 * at attach time are applied then, so a later option change never reaches them
 * (beh. 11).  Static routes pointing at a pending attachment are PENDING; at a deleted
 * one, blackhole (1.3).  Prefix lists and BGP advertisement are in rt_hub_plist.c.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "route/rt_hub_impl.h"

void rt_hub_free_all(struct rt_ctx *);

static const struct {
	enum rt_att_type type;
	const char *name;
} att_types[] = {
	{ RT_ATT_VPC, "vpc" },
	{ RT_ATT_VPN_STATIC, "vpn-static" },
	{ RT_ATT_VPN_BGP, "vpn-bgp" },
	{ RT_ATT_PEERING, "peering" },
	{ RT_ATT_CONNECT, "connect" },
	{ RT_ATT_DX, "dx" },
	{ RT_ATT_VPN_DX, "vpn-dx" },
};

const char *
rt_att_type_name(enum rt_att_type t)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(att_types); i++)
		if (att_types[i].type == t)
			return att_types[i].name;
	return "?";
}

int
rt_att_type_parse(const char *s, enum rt_att_type *t)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(att_types); i++) {
		if (strcmp(att_types[i].name, s) == 0) {
			*t = att_types[i].type;
			return 0;
		}
	}
	return -1;
}

/* The resource type AWS shows for an attachment (search-transit-gateway-routes). */
static const char *
att_resource_type(enum rt_att_type t)
{
	switch (t) {
	case RT_ATT_VPC:
		return "vpc";
	case RT_ATT_VPN_STATIC:
	case RT_ATT_VPN_BGP:
	case RT_ATT_VPN_DX:
		return "vpn";
	case RT_ATT_PEERING:
		return "peering";
	case RT_ATT_CONNECT:
		return "connect";
	case RT_ATT_DX:
		return "direct-connect-gateway";
	}
	return "?";
}

bool
rt_att_is_bgp(const struct rt_att *a)
{
	return a->type == RT_ATT_VPN_BGP || a->type == RT_ATT_CONNECT ||
	    a->type == RT_ATT_DX || a->type == RT_ATT_VPN_DX;
}

enum rt_origin
rt_att_origin(const struct rt_att *a)
{
	switch (a->type) {
	case RT_ATT_VPC:
		return RT_ORIGIN_VPC;
	case RT_ATT_DX:
		return RT_ORIGIN_DX;
	case RT_ATT_CONNECT:
		return RT_ORIGIN_CONNECT;
	case RT_ATT_VPN_DX:
		return RT_ORIGIN_VPN_DX;
	case RT_ATT_VPN_BGP:
		return RT_ORIGIN_VPN;
	default:
		return RT_ORIGIN_PEERING;	/* contributes nothing (beh. 12) */
	}
}

void
rt_hub_opts_default(struct rt_hub_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->default_assoc = true;
	o->default_prop = true;
	o->ecmp = true;
	o->auto_accept = false;
	o->asn = 64512;
}

bool
rt_hub_owns(const struct rt_hub *h, const struct rt_table *t)
{
	return t != NULL && t->hub == h;
}

struct rt_hub *
rt_hub_new(struct rt_ctx *ctx, const char *name, const struct rt_hub_opts *opts)
{
	struct rt_hub *h = xcalloc(1, sizeof(*h));
	char *dname;

	h->ctx = ctx;
	h->name = xstrdup(name);
	h->id = rt_ctx_obj_new(ctx, name, "tgw");
	h->opts = *opts;
	util_grow(&ctx->hubs, &ctx->hcap, ctx->nhubs + 1, sizeof(*ctx->hubs));
	ctx->hubs[ctx->nhubs++] = h;
	/* The default table exists when either default is on (1.1). */
	if (opts->default_assoc || opts->default_prop) {
		dname = xasprintf("%s-default", name);
		h->deftable = rt_hub_table_new(h, dname);
		free(dname);
	}
	return h;
}

static void
att_free(struct rt_att *a)
{
	rt_table_free(a->rib);
	free(a->props);
	free(a->cidrs);
	free(a->name);
	free(a);
}

void
rt_hub_free(struct rt_hub *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->natts; i++)
		att_free(h->atts[i]);
	free(h->atts);
	rt_hub_plists_free(h);
	for (i = 0; i < h->ntables; i++)
		rt_table_free(h->tables[i]);
	free(h->tables);
	for (i = 0; i < h->ctx->nhubs; i++) {
		if (h->ctx->hubs[i] == h) {
			memmove(&h->ctx->hubs[i], &h->ctx->hubs[i + 1],
			    (h->ctx->nhubs - i - 1) * sizeof(*h->ctx->hubs));
			h->ctx->nhubs--;
			break;
		}
	}
	free(h->name);
	free(h);
}

void
rt_hub_free_all(struct rt_ctx *ctx)
{
	while (ctx->nhubs > 0)
		rt_hub_free(ctx->hubs[ctx->nhubs - 1]);
	free(ctx->hubs);
	ctx->hubs = NULL;
}

struct rt_hub *
rt_hub_find(struct rt_ctx *ctx, const char *name)
{
	size_t i;

	for (i = 0; i < ctx->nhubs; i++)
		if (strcmp(ctx->hubs[i]->name, name) == 0)
			return ctx->hubs[i];
	return NULL;
}

const char *
rt_hub_name(const struct rt_hub *h)
{
	return h->name;
}

void
rt_hub_set_opts(struct rt_hub *h, const struct rt_hub_opts *o)
{
	size_t i;

	h->opts = *o;
	for (i = 0; i < h->ntables; i++)
		rt_table_set_ecmp(h->tables[i], o->ecmp);
	if ((o->default_assoc || o->default_prop) && h->deftable == NULL) {
		char *dname = xasprintf("%s-default", h->name);

		h->deftable = rt_hub_table_new(h, dname);
		free(dname);
	}
}

const struct rt_hub_opts *
rt_hub_get_opts(const struct rt_hub *h)
{
	return &h->opts;
}

struct rt_table *
rt_hub_table_new(struct rt_hub *h, const char *name)
{
	struct rt_table *t;

	if (rt_table_find(h->ctx, name) != NULL) {
		rt_seterr(h->ctx, "route table %s already exists", name);
		return NULL;
	}
	t = rt_table_new(h->ctx, name, RT_TABLE_TGW);
	t->hub = h;
	t->ecmp = h->opts.ecmp;
	util_grow(&h->tables, &h->tcap, h->ntables + 1, sizeof(*h->tables));
	h->tables[h->ntables++] = t;
	return t;
}

int
rt_hub_set_default_table(struct rt_hub *h, struct rt_table *t)
{
	if (!rt_hub_owns(h, t)) {
		rt_seterr(h->ctx, "route table %s is not a table of %s",
		    t != NULL ? t->name : "(null)", h->name);
		return -1;
	}
	h->deftable = t;
	return 0;
}

struct rt_table *
rt_hub_default_table(const struct rt_hub *h)
{
	return h->deftable;
}

struct rt_att *
rt_hub_att_find(const struct rt_hub *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->natts; i++)
		if (strcmp(h->atts[i]->name, name) == 0)
			return h->atts[i];
	return NULL;
}

struct rt_att *
rt_ctx_att_find(const struct rt_ctx *ctx, const char *name)
{
	struct rt_att *a;
	size_t i;

	for (i = 0; i < ctx->nhubs; i++)
		if ((a = rt_hub_att_find(ctx->hubs[i], name)) != NULL)
			return a;
	return NULL;
}

struct rt_hub *
rt_att_hub(const struct rt_att *a)
{
	return a->hub;
}

struct rt_hub *
rt_table_hub(const struct rt_table *t)
{
	return t->hub;
}

size_t
rt_hub_ntables(const struct rt_hub *h)
{
	return h->ntables;
}

struct rt_table *
rt_hub_table_at(const struct rt_hub *h, size_t i)
{
	return i < h->ntables ? h->tables[i] : NULL;
}

size_t
rt_hub_natts(const struct rt_hub *h)
{
	return h->natts;
}

struct rt_att *
rt_hub_att_at(const struct rt_hub *h, size_t i)
{
	return i < h->natts ? h->atts[i] : NULL;
}

size_t
rt_att_nprops(const struct rt_att *a)
{
	return a->nprops;
}

struct rt_table *
rt_att_prop_at(const struct rt_att *a, size_t i)
{
	return i < a->nprops ? a->props[i] : NULL;
}

struct rt_att *
rt_hub_att_by_id(const struct rt_hub *h, uint32_t id)
{
	size_t i;

	for (i = 0; i < h->natts; i++)
		if (h->atts[i]->id == id)
			return h->atts[i];
	return NULL;
}

uint32_t
rt_att_id(const struct rt_att *a)
{
	return a->id;
}

const char *
rt_att_name(const struct rt_att *a)
{
	return a->name;
}

enum rt_att_type
rt_att_type(const struct rt_att *a)
{
	return a->type;
}

enum rt_att_state
rt_att_state(const struct rt_att *a)
{
	return a->state;
}

struct rt_table *
rt_att_assoc(const struct rt_att *a)
{
	return a->assoc;
}

bool
rt_att_suppressed(const struct rt_att *a)
{
	return a->suppressed;
}

/* --- contributions --- */

struct replay {
	struct rt_table	*to;
	enum rt_origin	 origin;
};

static void
replay_one(void *arg, const struct prefix *p, const struct rt_route *r)
{
	struct replay *rp = arg;
	struct rt_route c = *r;

	c.origin = (uint8_t)rp->origin;
	rt_table_add(rp->to, p, &c);
}

/* Put the attachment's routes into one table it propagates into. */
static void
contribute(struct rt_att *a, struct rt_table *t)
{
	struct rt_route r;
	size_t i;

	if (a->state != RT_ATT_AVAILABLE)
		return;
	if (a->type == RT_ATT_VPC) {
		if (a->suppressed)
			return;
		memset(&r, 0, sizeof(r));
		r.origin = RT_ORIGIN_VPC;
		r.source = a->prop_src;
		r.target.kind = RT_TGT_ATTACH;
		r.target.id = a->id;
		r.target.tunnel = RT_TUN_NONE;
		for (i = 0; i < a->ncidrs; i++)
			rt_table_add(t, &a->cidrs[i], &r);
	} else if (rt_att_is_bgp(a)) {
		struct replay rp = { t, rt_att_origin(a) };

		rt_table_walk_all(a->rib, replay_one, &rp);
	}
}

static void
withdraw(struct rt_att *a, struct rt_table *t)
{
	size_t i;

	if (a->type == RT_ATT_VPC)
		rt_table_del_source(t, a->prop_src);
	else if (rt_att_is_bgp(a)) {
		for (i = 0; i < RT_HUB_MAX_TUN; i++)
			if (a->tun_src[i] != 0)
				rt_table_del_source(t, a->tun_src[i]);
	}
}

static bool
propagates(const struct rt_att *a, const struct rt_table *t)
{
	size_t i;

	for (i = 0; i < a->nprops; i++)
		if (a->props[i] == t)
			return true;
	return false;
}

struct rt_att *
rt_hub_attach(struct rt_hub *h, const char *name, enum rt_att_type type,
    const struct prefix *cidrs, size_t ncidrs, bool cross_owner)
{
	struct rt_att *a;
	size_t i, j, k;

	if (rt_hub_att_find(h, name) != NULL) {
		rt_seterr(h->ctx, "attachment %s already exists on %s", name, h->name);
		return NULL;
	}
	if (type == RT_ATT_VPC && ncidrs == 0) {
		rt_seterr(h->ctx, "VPC attachment %s needs at least one CIDR", name);
		return NULL;
	}
	if (type != RT_ATT_VPC && ncidrs != 0) {
		rt_seterr(h->ctx, "only VPC attachments have CIDRs (%s is %s)", name,
		    rt_att_type_name(type));
		return NULL;
	}
	a = xcalloc(1, sizeof(*a));
	a->hub = h;
	a->name = xstrdup(name);
	a->type = type;
	a->id = rt_ctx_obj_new(h->ctx, name, att_resource_type(type));
	a->prop_src = rt_ctx_source_new(h->ctx);
	a->state = cross_owner && !h->opts.auto_accept ? RT_ATT_PENDING_ACCEPTANCE :
	    RT_ATT_AVAILABLE;
	if (ncidrs > 0) {
		a->cidrs = xcalloc(ncidrs, sizeof(*a->cidrs));
		memcpy(a->cidrs, cidrs, ncidrs * sizeof(*cidrs));
		a->ncidrs = ncidrs;
	}
	if (rt_att_is_bgp(a))
		a->rib = rt_table_new(h->ctx, name, RT_TABLE_RIB);

	/* Identical-CIDR rule (1.2, beh. 10): the newcomer propagates nothing. */
	for (i = 0; type == RT_ATT_VPC && i < h->natts; i++) {
		struct rt_att *o = h->atts[i];

		for (j = 0; o->type == RT_ATT_VPC && j < o->ncidrs; j++)
			for (k = 0; k < ncidrs; k++)
				if (prefix_eq(&o->cidrs[j], &cidrs[k]))
					a->suppressed = true;
	}
	util_grow(&h->atts, &h->acap, h->natts + 1, sizeof(*h->atts));
	h->atts[h->natts++] = a;

	/* The defaults as they are now (beh. 11). */
	if (h->deftable != NULL && h->opts.default_assoc)
		a->assoc = h->deftable;
	if (h->deftable != NULL && h->opts.default_prop) {
		util_grow(&a->props, &a->pcap, a->nprops + 1, sizeof(*a->props));
		a->props[a->nprops++] = h->deftable;
		contribute(a, h->deftable);
	}
	return a;
}

int
rt_hub_accept(struct rt_hub *h, struct rt_att *a)
{
	size_t i;

	if (a->state != RT_ATT_PENDING_ACCEPTANCE) {
		rt_seterr(h->ctx, "attachment %s is not pending acceptance", a->name);
		return -1;
	}
	a->state = RT_ATT_AVAILABLE;
	for (i = 0; i < a->nprops; i++)
		contribute(a, a->props[i]);
	for (i = 0; i < h->ntables; i++)
		rt_table_set_tstate(h->tables[i], a->id, RT_TS_UP);
	return 0;
}

int
rt_hub_detach(struct rt_hub *h, struct rt_att *a)
{
	size_t i;

	for (i = 0; i < a->nprops; i++)
		withdraw(a, a->props[i]);
	for (i = 0; i < h->natts; i++) {
		if (h->atts[i] == a) {
			memmove(&h->atts[i], &h->atts[i + 1],
			    (h->natts - i - 1) * sizeof(*h->atts));
			h->natts--;
			break;
		}
	}
	/* Static and prefix-list routes to it stay, as blackholes (1.3). */
	for (i = 0; i < h->ntables; i++)
		rt_table_set_tstate(h->tables[i], a->id, RT_TS_GONE);
	att_free(a);
	return 0;
}

int
rt_hub_associate(struct rt_hub *h, struct rt_att *a, struct rt_table *t, unsigned flags)
{
	if (!rt_hub_owns(h, t)) {
		rt_seterr(h->ctx, "route table %s is not a table of %s",
		    t != NULL ? t->name : "(null)", h->name);
		return -1;
	}
	if (a->assoc != NULL && a->assoc != t) {
		rt_seterr(h->ctx, "attachment %s is already associated with %s; "
		    "disassociate it first (one table per attachment)", a->name,
		    a->assoc->name);
		return -1;
	}
	a->assoc = t;
	a->assoc_flags = flags;
	return 0;
}

int
rt_hub_disassociate(struct rt_hub *h, struct rt_att *a)
{
	if (a->assoc == NULL) {
		rt_seterr(h->ctx, "attachment %s is not associated", a->name);
		return -1;
	}
	a->assoc = NULL;
	a->assoc_flags = 0;
	return 0;
}

int
rt_hub_propagate(struct rt_hub *h, struct rt_att *a, struct rt_table *t)
{
	if (!rt_hub_owns(h, t)) {
		rt_seterr(h->ctx, "route table %s is not a table of %s",
		    t != NULL ? t->name : "(null)", h->name);
		return -1;
	}
	if (propagates(a, t)) {
		rt_seterr(h->ctx, "attachment %s already propagates into %s", a->name,
		    t->name);
		return -1;
	}
	util_grow(&a->props, &a->pcap, a->nprops + 1, sizeof(*a->props));
	a->props[a->nprops++] = t;
	contribute(a, t);
	return 0;
}

int
rt_hub_unpropagate(struct rt_hub *h, struct rt_att *a, struct rt_table *t)
{
	size_t i;

	for (i = 0; i < a->nprops; i++) {
		if (a->props[i] == t) {
			withdraw(a, t);
			memmove(&a->props[i], &a->props[i + 1],
			    (a->nprops - i - 1) * sizeof(*a->props));
			a->nprops--;
			return 0;
		}
	}
	rt_seterr(h->ctx, "attachment %s does not propagate into %s", a->name,
	    t != NULL ? t->name : "(null)");
	return -1;
}

/* --- static routes --- */

int
rt_hub_static_target(struct rt_hub *h, struct rt_att *a, struct rt_route *r)
{
	if (a == NULL) {
		r->target.kind = RT_TGT_BLACKHOLE;
		r->target.tunnel = RT_TUN_NONE;
		return 0;
	}
	if (a->hub != h) {
		rt_seterr(h->ctx, "attachment %s is not on %s", a->name, h->name);
		return -1;
	}
	if (a->type == RT_ATT_CONNECT || a->type == RT_ATT_DX) {
		rt_seterr(h->ctx, "static routes to %s attachment %s are not supported "
		    "(it only propagates BGP routes)", rt_att_type_name(a->type), a->name);
		return -1;
	}
	r->target.kind = RT_TGT_ATTACH;
	r->target.id = a->id;
	r->target.tunnel = RT_TUN_NONE;
	r->tstate = a->state == RT_ATT_AVAILABLE ? RT_TS_UP : RT_TS_PENDING;
	return 0;
}

int
rt_hub_static_add(struct rt_hub *h, struct rt_table *t, const struct prefix *p,
    struct rt_att *a)
{
	const struct rt_route *old;
	struct rt_route r;
	char buf[PREFIX_STRLEN], tb[128];

	if (!rt_hub_owns(h, t)) {
		rt_seterr(h->ctx, "route table %s is not a table of %s",
		    t != NULL ? t->name : "(null)", h->name);
		return -1;
	}
	/* Beh. 8: one static route per prefix and table, whatever its target. */
	if ((old = rt_table_get(t, p, t->static_src)) != NULL) {
		rt_seterr(h->ctx, "route %s already exists in %s (static to %s)",
		    prefix_fmt(p, buf, sizeof(buf)), t->name,
		    rt_target_fmt(&old->target, rt_ctx_resolve, h->ctx, tb, sizeof(tb)));
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.origin = RT_ORIGIN_STATIC;
	r.source = t->static_src;
	if (rt_hub_static_target(h, a, &r) == -1)
		return -1;
	rt_table_add(t, p, &r);
	return 0;
}

int
rt_hub_static_del(struct rt_hub *h, struct rt_table *t, const struct prefix *p)
{
	char buf[PREFIX_STRLEN];

	if (!rt_hub_owns(h, t) || rt_table_del(t, p, t->static_src) == -1) {
		rt_seterr(h->ctx, "no static route %s in %s", prefix_fmt(p, buf, sizeof(buf)),
		    t != NULL ? t->name : "(null)");
		return -1;
	}
	return 0;
}

/* --- BGP learning --- */

static int
check_bgp(struct rt_hub *h, struct rt_att *a, unsigned tunnel)
{
	if (!rt_att_is_bgp(a)) {
		rt_seterr(h->ctx, "attachment %s (%s) does not speak BGP", a->name,
		    rt_att_type_name(a->type));
		return -1;
	}
	if (tunnel >= RT_HUB_MAX_TUN) {
		rt_seterr(h->ctx, "tunnel %u of %s: at most %d tunnels", tunnel, a->name,
		    RT_HUB_MAX_TUN);
		return -1;
	}
	if (a->tun_src[tunnel] == 0)
		a->tun_src[tunnel] = rt_ctx_source_new(h->ctx);
	return 0;
}

int
rt_hub_learn(struct rt_hub *h, struct rt_att *a, unsigned tunnel, const struct prefix *p,
    const struct rt_bgp_attr *attr)
{
	struct rt_route r;
	size_t i;

	if (check_bgp(h, a, tunnel) == -1)
		return -1;
	memset(&r, 0, sizeof(r));
	r.origin = (uint8_t)rt_att_origin(a);
	r.source = a->tun_src[tunnel];
	r.target.kind = RT_TGT_ATTACH;
	r.target.id = a->id;
	r.target.tunnel = (uint16_t)tunnel;
	r.as_path_len = attr->as_path_len;
	r.med = attr->med;
	r.first_as = attr->first_as;
	rt_table_add(a->rib, p, &r);
	if (a->state != RT_ATT_AVAILABLE)
		return 0;
	for (i = 0; i < a->nprops; i++)
		rt_table_add(a->props[i], p, &r);
	return 0;
}

int
rt_hub_unlearn(struct rt_hub *h, struct rt_att *a, unsigned tunnel, const struct prefix *p)
{
	char buf[PREFIX_STRLEN];
	size_t i;

	if (check_bgp(h, a, tunnel) == -1)
		return -1;
	if (rt_table_del(a->rib, p, a->tun_src[tunnel]) == -1) {
		rt_seterr(h->ctx, "%s was not learned on %s tunnel %u",
		    prefix_fmt(p, buf, sizeof(buf)), a->name, tunnel);
		return -1;
	}
	for (i = 0; a->state == RT_ATT_AVAILABLE && i < a->nprops; i++)
		rt_table_del(a->props[i], p, a->tun_src[tunnel]);
	return 0;
}

int
rt_hub_tunnel_down(struct rt_hub *h, struct rt_att *a, unsigned tunnel)
{
	size_t i;

	if (check_bgp(h, a, tunnel) == -1)
		return -1;
	rt_table_del_source(a->rib, a->tun_src[tunnel]);
	for (i = 0; a->state == RT_ATT_AVAILABLE && i < a->nprops; i++)
		rt_table_del_source(a->props[i], a->tun_src[tunnel]);
	return 0;
}

uint32_t
rt_hub_lookup(struct rt_hub *h, struct rt_att *in, const struct ipaddr *dst,
    struct prefix *matched)
{
	/* Only the ingress attachment's table counts (beh. 1); pending: nothing. */
	if (in == NULL || in->hub != h || in->state != RT_ATT_AVAILABLE ||
	    in->assoc == NULL)
		return 0;
	return rt_table_lookup(in->assoc, dst, matched);
}
