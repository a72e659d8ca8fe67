/*
 * net_build: a validated network file -> route engine state (see net.h).
 *
 * Order of application, as the clouds would see it:
 *   1. TGW hubs: tables, then the hub's defaults (so the configured default table is
 *      the default association/propagation table, not an extra one);
 *   2. attachments in file order, each taking the defaults in force when it is
 *      attached (beh. 11), then its explicit association/propagation;
 *   3. prefix lists and static / blackhole / prefix-list routes;
 *   4. VPC tables: system routes (AWS: the VPC CIDRs; Alibaba: the vSwitch CIDRs,
 *      beh. 39) and custom routes;
 *   5. CEN hubs: attach the VPC tables, bandwidth, publications (beh. 39-41);
 *   6. BGP connections, simulated: the gateway advertises its VPC's subnets to the
 *      hub attachment on every tunnel; the hub's attachment advertises its associated
 *      table (beh. 14) back into the gateway's VPC table on every tunnel.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "net/net.h"

static void problem(struct net *, const char *, ...) __attribute__((format(printf, 2, 3)));

static void
problem(struct net *n, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	if (s == NULL)
		return;
	n->problems = xreallocarray(n->problems, n->nproblems + 1, sizeof(*n->problems));
	n->problems[n->nproblems++] = s;
}

struct net_vpc *
net_vpc_of(const struct net *n, const struct cfg_vpc *v)
{
	if (v == NULL || v < n->cfg->vpcs || v >= n->cfg->vpcs + n->cfg->nvpcs)
		return NULL;
	return &n->vpcs[v - n->cfg->vpcs];
}

struct net_hub *
net_hub_of(const struct net *n, const struct cfg_hub *h)
{
	if (h == NULL || h < n->cfg->hubs || h >= n->cfg->hubs + n->cfg->nhubs)
		return NULL;
	return &n->hubs[h - n->cfg->hubs];
}

static struct rt_table *
hub_table(const struct net_hub *nh, const struct cfg_route_table *t)
{
	if (t == NULL || t < nh->cfg->route_tables ||
	    t >= nh->cfg->route_tables + nh->cfg->nroute_tables)
		return NULL;
	return nh->tables[t - nh->cfg->route_tables];
}

static struct rt_att *
hub_att(const struct net_hub *nh, const struct cfg_attachment *a)
{
	if (a == NULL || a < nh->cfg->attachments ||
	    a >= nh->cfg->attachments + nh->cfg->nattachments)
		return NULL;
	return nh->atts[a - nh->cfg->attachments];
}

static void
build_tgw_tables(struct net *n, struct net_hub *nh)
{
	const struct cfg_hub *h = nh->cfg;
	struct rt_hub_opts o;
	size_t i;

	rt_hub_opts_default(&o);
	o.default_assoc = false;
	o.default_prop = false;
	o.ecmp = h->ecmp;
	o.auto_accept = h->auto_accept;
	o.asn = h->asn;
	nh->hub = rt_hub_new(n->rt, h->name, &o);
	nh->tables = xcalloc(h->nroute_tables, sizeof(*nh->tables));
	nh->atts = xcalloc(h->nattachments, sizeof(*nh->atts));
	for (i = 0; i < h->nroute_tables; i++) {
		char *name = xasprintf("%s/%s", h->name, h->route_tables[i].name);

		nh->tables[i] = rt_hub_table_new(nh->hub, name);
		if (nh->tables[i] == NULL)
			problem(n, "hub %s: route table %s: %s", h->name,
			    h->route_tables[i].name, rt_ctx_error(n->rt));
		free(name);
	}
	if (hub_table(nh, h->default_table) != NULL)
		rt_hub_set_default_table(nh->hub, hub_table(nh, h->default_table));
	o.default_assoc = h->default_association;
	o.default_prop = h->default_propagation;
	rt_hub_set_opts(nh->hub, &o);
}

static bool
cross_owner(const struct cfg_hub *h, const struct cfg_attachment *a)
{
	return a->eff_owner != NULL && h->owner.ptr != NULL && a->eff_owner != h->owner.ptr;
}

static void
build_tgw_attachment(struct net *n, struct net_hub *nh, size_t idx)
{
	const struct cfg_hub *h = nh->cfg;
	const struct cfg_attachment *a = &h->attachments[idx];
	struct rt_table *def = rt_hub_default_table(nh->hub);
	const struct cfg_vpc *vpc = a->vpc.ptr;
	const struct cfg_vpn_connection *conn = a->vpn.ptr;
	enum rt_att_type type;
	struct prefix *cidrs = NULL;
	size_t ncidrs = 0, i;
	struct rt_att *ra;

	switch (a->kind) {
	case CFG_ATT_VPC:
		type = RT_ATT_VPC;
		ncidrs = vpc->ncidrs;
		cidrs = xcalloc(ncidrs, sizeof(*cidrs));
		for (i = 0; i < ncidrs; i++)
			cidrs[i] = vpc->cidrs[i].pfx;
		break;
	case CFG_ATT_VPN:
		type = conn->routing == CFG_ROUTING_BGP ? RT_ATT_VPN_BGP : RT_ATT_VPN_STATIC;
		break;
	default:
		type = RT_ATT_PEERING;
		break;
	}
	ra = rt_hub_attach(nh->hub, a->name, type, cidrs, ncidrs, cross_owner(h, a));
	free(cidrs);
	nh->atts[idx] = ra;
	if (ra == NULL) {
		problem(n, "hub %s: attachment %s: %s", h->name, a->name, rt_ctx_error(n->rt));
		return;
	}
	if (rt_att_state(ra) == RT_ATT_PENDING_ACCEPTANCE) {
		if (!a->accepted)
			return;	/* stays pendingAcceptance (beh. 47): shown as such */
		if (rt_hub_accept(nh->hub, ra) == -1) {
			problem(n, "hub %s: accepting %s: %s", h->name, a->name,
			    rt_ctx_error(n->rt));
			return;
		}
	}
	/* An explicit association replaces the default one (one table per attachment). */
	if (a->assoc_mode != CFG_ASSOC_DEFAULT && rt_att_assoc(ra) != NULL &&
	    rt_att_assoc(ra) != hub_table(nh, a->assoc_table))
		rt_hub_disassociate(nh->hub, ra);
	if (a->assoc_mode == CFG_ASSOC_TABLE && rt_att_assoc(ra) == NULL &&
	    rt_hub_associate(nh->hub, ra, hub_table(nh, a->assoc_table), 0) == -1)
		problem(n, "hub %s: associating %s: %s", h->name, a->name, rt_ctx_error(n->rt));
	if (!a->propagate_set)
		return;
	/* An explicit list replaces the default propagation. */
	if (def != NULL && rt_hub_get_opts(nh->hub)->default_prop)
		(void)rt_hub_unpropagate(nh->hub, ra, def);
	for (i = 0; i < a->npropagate; i++) {
		struct rt_table *t = hub_table(nh, a->propagate[i].ptr);

		if (t != NULL && rt_hub_propagate(nh->hub, ra, t) == -1)
			problem(n, "hub %s: propagating %s into %s: %s", h->name, a->name,
			    a->propagate[i].name, rt_ctx_error(n->rt));
	}
}

static void
build_tgw_routes(struct net *n, struct net_hub *nh)
{
	const struct cfg_hub *h = nh->cfg;
	size_t i, j;

	for (i = 0; i < h->nprefix_lists; i++) {
		const struct cfg_prefix_list *pl = &h->prefix_lists[i];
		struct prefix *e = xcalloc(pl->nentries, sizeof(*e));

		for (j = 0; j < pl->nentries; j++)
			e[j] = pl->entries[j].pfx;
		if (rt_hub_plist_set(nh->hub, pl->name, e, pl->nentries) == -1)
			problem(n, "hub %s: prefix list %s: %s", h->name, pl->name,
			    rt_ctx_error(n->rt));
		free(e);
	}
	for (i = 0; i < h->nroute_tables; i++) {
		const struct cfg_route_table *ct = &h->route_tables[i];
		struct rt_table *t = nh->tables[i];
		char pbuf[PREFIX_STRLEN];

		if (t == NULL)
			continue;
		for (j = 0; j < ct->nroutes; j++) {
			const struct cfg_tgw_route *r = &ct->routes[j];
			struct rt_att *att = r->blackhole ? NULL : hub_att(nh, r->target.ptr);
			int rc;

			if (r->prefix_list.ptr != NULL)
				rc = rt_hub_plist_ref(nh->hub, t, r->prefix_list.name, att);
			else
				rc = rt_hub_static_add(nh->hub, t, &r->dest, att);
			if (rc == -1)
				problem(n, "hub %s table %s: route %s: %s", h->name, ct->name,
				    r->prefix_list.ptr != NULL ? r->prefix_list.name :
				    prefix_fmt(&r->dest, pbuf, sizeof(pbuf)), rt_ctx_error(n->rt));
		}
	}
}

static bool
vpc_is_alibaba(const struct cfg_vpc *v)
{
	const struct cfg_region *r = v->region.ptr;

	return r != NULL && r->cloud == CFG_CLOUD_ALIBABA;
}

static uint32_t
gateway_obj(struct net *n, const struct cfg_ref *target)
{
	size_t i;

	if (target->kind == CFG_K_VPN_GATEWAY) {
		for (i = 0; i < n->cfg->nvpn_gateways; i++)
			if (&n->cfg->vpn_gateways[i] == target->ptr)
				return n->gws[i].id;
	}
	if (target->kind == CFG_K_HUB) {
		struct net_hub *nh = net_hub_of(n, target->ptr);

		return nh != NULL ? nh->id : 0;
	}
	return 0;
}

static void
build_vpc(struct net *n, struct net_vpc *nv)
{
	const struct cfg_vpc *v = nv->cfg;
	char pbuf[PREFIX_STRLEN];
	size_t i;

	nv->table = rt_vpc_table_new(n->rt, v->name);
	if (nv->table == NULL) {
		problem(n, "vpc %s: %s", v->name, rt_ctx_error(n->rt));
		return;
	}
	/*
	 * Alibaba VPC system routes are the vSwitch CIDRs (4.2); AWS and GCP VPCs route
	 * their whole CIDR locally.
	 */
	if (vpc_is_alibaba(v) && v->nsubnets > 0) {
		for (i = 0; i < v->nsubnets; i++)
			rt_vpc_system_add(nv->table, &v->subnets[i].cidr, true);
	} else {
		for (i = 0; i < v->ncidrs; i++)
			rt_vpc_system_add(nv->table, &v->cidrs[i].pfx, vpc_is_alibaba(v));
	}
	for (i = 0; i < v->nroutes; i++) {
		const struct cfg_vpc_route *r = &v->routes[i];
		int rc;

		if (r->target.kind == CFG_K_BLACKHOLE) {
			struct rt_route c;

			memset(&c, 0, sizeof(c));
			c.origin = RT_ORIGIN_STATIC;
			c.source = rt_ctx_source_new(n->rt);
			c.target.kind = RT_TGT_BLACKHOLE;
			c.target.tunnel = RT_TUN_NONE;
			rt_table_add(nv->table, &r->dest, &c);
			continue;
		}
		rc = rt_vpc_custom_add(nv->table, &r->dest, gateway_obj(n, &r->target));
		if (rc == -1)
			problem(n, "vpc %s: route %s: %s", v->name,
			    prefix_fmt(&r->dest, pbuf, sizeof(pbuf)), rt_ctx_error(n->rt));
	}
}

static void
build_cen(struct net *n, struct net_hub *nh)
{
	const struct cfg_hub *h = nh->cfg;
	char pbuf[PREFIX_STRLEN];
	size_t i;

	nh->cen = rt_cen_new(n->rt, h->name);
	rt_cen_set_ttl_transparent(nh->cen, h->ttl_transparent);
	for (i = 0; i < h->nbandwidth; i++) {
		const struct cfg_bandwidth *b = &h->bandwidth[i];

		if (b->nbetween == 2)
			rt_cen_set_bandwidth(nh->cen, b->between[0].name, b->between[1].name,
			    b->kbps);
	}
	for (i = 0; i < h->nattachments; i++) {
		const struct cfg_vpc *v = h->attachments[i].vpc.ptr;
		struct net_vpc *nv = net_vpc_of(n, v);
		const struct cfg_region *r;

		if (nv == NULL || nv->table == NULL)
			continue;
		r = v->region.ptr;
		if (h->route_quota > 0)
			rt_table_set_learned_quota(nv->table, h->route_quota);
		if (rt_cen_attach(nh->cen, nv->table, r != NULL ? r->name : "") == -1)
			problem(n, "cen %s: attaching %s: %s", h->name, v->name,
			    rt_ctx_error(n->rt));
	}
	for (i = 0; i < h->npublish; i++) {
		const struct cfg_publish *p = &h->publish[i];
		struct net_vpc *nv = net_vpc_of(n, p->vpc.ptr);

		if (nv == NULL || nv->table == NULL)
			continue;
		if (rt_cen_publish(nh->cen, nv->table, &p->dest) == -1)
			problem(n, "cen %s: publishing %s from %s: %s", h->name,
			    prefix_fmt(&p->dest, pbuf, sizeof(pbuf)), p->vpc.name,
			    rt_ctx_error(n->rt));
	}
}

/* ---- BGP, simulated ------------------------------------------------------ */

struct bgp_pair {
	const struct cfg_vpn_connection	*conn;
	struct net_hub			*hub;
	struct rt_att			*att;
	const struct cfg_vpn_gateway	*gw;
	bool				 gw_left;	/* which side the gateway is */
};

static bool
bgp_pair(struct net *n, const struct cfg_vpn_connection *c, struct bgp_pair *bp)
{
	const struct cfg_hub *h;
	size_t i;

	memset(bp, 0, sizeof(*bp));
	bp->conn = c;
	if (c->left.hub != NULL && c->right.vpngw != NULL) {
		h = c->left.hub;
		bp->gw = c->right.vpngw;
	} else if (c->right.hub != NULL && c->left.vpngw != NULL) {
		h = c->right.hub;
		bp->gw = c->left.vpngw;
		bp->gw_left = true;
	} else {
		return false;
	}
	bp->hub = net_hub_of(n, h);
	for (i = 0; bp->hub != NULL && i < h->nattachments; i++)
		if (h->attachments[i].vpn.ptr == c)
			bp->att = bp->hub->atts[i];
	return bp->hub != NULL && bp->att != NULL;
}

/* What a gateway advertises: its custom list, or its VPC's subnets (CIDRs). */
static size_t
gw_prefixes(const struct cfg_vpn_gateway *gw, struct prefix **out)
{
	const struct cfg_vpc *v = gw->vpc.ptr;
	size_t i, k = 0;

	*out = NULL;
	if (gw->advertise == CFG_ADV_CUSTOM) {
		*out = xcalloc(gw->nadvertise_prefixes, sizeof(**out));
		for (i = 0; i < gw->nadvertise_prefixes; i++)
			(*out)[k++] = gw->advertise_prefixes[i].pfx;
	} else if (v != NULL && v->nsubnets > 0) {
		*out = xcalloc(v->nsubnets, sizeof(**out));
		for (i = 0; i < v->nsubnets; i++)
			(*out)[k++] = v->subnets[i].cidr;
	} else if (v != NULL) {
		*out = xcalloc(v->ncidrs, sizeof(**out));
		for (i = 0; i < v->ncidrs; i++)
			(*out)[k++] = v->cidrs[i].pfx;
	}
	return k;
}

static void
bgp_gateway_to_hub(struct net *n, const struct bgp_pair *bp)
{
	struct prefix *pfx;
	size_t np, i, t;

	np = gw_prefixes(bp->gw, &pfx);
	for (t = 0; t < bp->conn->ntunnels; t++) {
		const struct cfg_tunnel *tun = &bp->conn->tunnels[t];
		struct rt_bgp_attr a;

		a.as_path_len = 1;
		a.med = 100;	/* Cloud Router base priority (beh. 36) */
		a.first_as = bp->gw_left ? tun->eff_asn_left : tun->eff_asn_right;
		for (i = 0; i < np; i++)
			if (rt_hub_learn(bp->hub->hub, bp->att, (unsigned)t, &pfx[i], &a) == -1)
				problem(n, "bgp %s tunnel %zu: %s", bp->conn->name, t + 1,
				    rt_ctx_error(n->rt));
	}
	free(pfx);
}

static void
bgp_hub_to_gateway(struct net *n, const struct bgp_pair *bp)
{
	struct net_vpc *nv = net_vpc_of(n, bp->gw->vpc.ptr);
	struct rt_advert *adv = NULL;
	struct prefix *own;
	size_t nadv = 0, nown, i, k, t;
	uint32_t conn_id;

	if (nv == NULL || nv->table == NULL)
		return;
	if (rt_hub_advertise(bp->hub->hub, bp->att, &adv, &nadv) == -1) {
		problem(n, "bgp %s: %s", bp->conn->name, rt_ctx_error(n->rt));
		return;
	}
	nown = gw_prefixes(bp->gw, &own);
	conn_id = rt_ctx_obj_new(n->rt, bp->conn->name, "vpn-connection");
	rt_table_set_ecmp(nv->table, true);	/* Cloud Router: equal priority = ECMP */
	for (t = 0; t < bp->conn->ntunnels; t++) {
		uint32_t src = rt_ctx_source_new(n->rt);

		for (i = 0; i < nadv; i++) {
			struct rt_route c;
			bool mine = false;

			/* eBGP loop check (beh. 21): our own prefixes come back with our AS. */
			for (k = 0; k < nown; k++)
				if (prefix_eq(&own[k], &adv[i].pfx))
					mine = true;
			if (mine)
				continue;
			memset(&c, 0, sizeof(c));
			c.origin = RT_ORIGIN_BGP;
			c.source = src;
			c.target.kind = RT_TGT_GATEWAY;
			c.target.id = conn_id;
			c.target.tunnel = (uint16_t)t;
			c.as_path_len = adv[i].as_path_len;
			c.med = 100;
			c.first_as = adv[i].first_as;
			rt_table_add(nv->table, &adv[i].pfx, &c);
		}
	}
	free(own);
	free(adv);
}

/* ---- entry points -------------------------------------------------------- */

struct net *
net_build(const struct cfg_net *cfg)
{
	struct net *n = xcalloc(1, sizeof(*n));
	size_t i, j;

	n->cfg = cfg;
	n->rt = rt_ctx_new();
	n->hubs = xcalloc(cfg->nhubs, sizeof(*n->hubs));
	n->vpcs = xcalloc(cfg->nvpcs, sizeof(*n->vpcs));
	n->gws = xcalloc(cfg->nvpn_gateways, sizeof(*n->gws));
	for (i = 0; i < cfg->nvpn_gateways; i++) {
		n->gws[i].cfg = &cfg->vpn_gateways[i];
		n->gws[i].id = rt_ctx_obj_new(n->rt, cfg->vpn_gateways[i].name, "vpn-gateway");
	}
	for (i = 0; i < cfg->nhubs; i++) {
		n->hubs[i].cfg = &cfg->hubs[i];
		n->hubs[i].id = rt_ctx_obj_new(n->rt, cfg->hubs[i].name,
		    cfg->hubs[i].kind == CFG_HUB_TGW ? "transit-gateway" : "cen");
		if (cfg->hubs[i].kind == CFG_HUB_TGW)
			build_tgw_tables(n, &n->hubs[i]);
	}
	for (i = 0; i < cfg->nhubs; i++)
		if (cfg->hubs[i].kind == CFG_HUB_TGW)
			for (j = 0; j < cfg->hubs[i].nattachments; j++)
				build_tgw_attachment(n, &n->hubs[i], j);
	for (i = 0; i < cfg->nhubs; i++)
		if (cfg->hubs[i].kind == CFG_HUB_TGW)
			build_tgw_routes(n, &n->hubs[i]);
	for (i = 0; i < cfg->nvpcs; i++) {
		n->vpcs[i].cfg = &cfg->vpcs[i];
		build_vpc(n, &n->vpcs[i]);
	}
	for (i = 0; i < cfg->nhubs; i++)
		if (cfg->hubs[i].kind == CFG_HUB_CEN)
			build_cen(n, &n->hubs[i]);
	/* Gateways advertise first, so the hubs' tables hold them when hubs advertise. */
	for (i = 0; i < cfg->nvpn_connections; i++) {
		struct bgp_pair bp;

		if (cfg->vpn_connections[i].routing == CFG_ROUTING_BGP &&
		    bgp_pair(n, &cfg->vpn_connections[i], &bp))
			bgp_gateway_to_hub(n, &bp);
	}
	for (i = 0; i < cfg->nvpn_connections; i++) {
		struct bgp_pair bp;

		if (cfg->vpn_connections[i].routing == CFG_ROUTING_BGP &&
		    bgp_pair(n, &cfg->vpn_connections[i], &bp))
			bgp_hub_to_gateway(n, &bp);
	}
	return n;
}

void
net_free(struct net *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->cfg->nhubs; i++) {
		free(n->hubs[i].tables);
		free(n->hubs[i].atts);
	}
	for (i = 0; i < n->nproblems; i++)
		free(n->problems[i]);
	free(n->problems);
	rt_ctx_free(n->rt);
	free(n->hubs);
	free(n->vpcs);
	free(n->gws);
	free(n);
}
