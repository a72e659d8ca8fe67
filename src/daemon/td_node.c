/*
 * td_node: which part of the network this node runs (docs/daemon.md "What a node
 * owns").  From the node's `runs` list: every VPC attachment of a TGW hub, the VPC of
 * every VPN gateway, every VPC attached to a CEN (one TUN each), and every tunnel of a
 * connection with a side this node runs.  The plan is pure description resolved
 * against one (cfg, net) pair; td_reload opens, keeps or closes the real resources.
 * Each object carries a key (its definition as text): equal keys across a reload
 * mean the device or tunnel is kept and keeps forwarding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/td.h"

const char *
td_netns_of(const struct td *td, const char *vpc)
{
	size_t i;

	for (i = 0; i < td->opts.nnetns; i++)
		if (strcmp(td->opts.netns[i].vpc, vpc) == 0)
			return td->opts.netns[i].path;
	return NULL;
}

const char *
td_att_kind_name(enum td_att_kind k)
{
	switch (k) {
	case TD_ATT_TGW:
		return "tgw";
	case TD_ATT_VPNGW:
		return "vpn-gateway";
	case TD_ATT_CEN:
		return "cen";
	}
	return "?";
}

/* FNV-1a: a short stable device name from (gateway, vpc); not a security hash. */
static uint32_t
name_hash(const char *a, const char *b)
{
	uint32_t h = 2166136261u;
	const char *s;

	for (s = a; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (s = b; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* The last usable address of the VPC's first subnet, else of its first CIDR. */
static void
eni_addr(const struct cfg_vpc *v, struct ipaddr *out)
{
	const struct prefix *p = NULL;
	uint32_t base, size;

	memset(out, 0, sizeof(*out));
	if (v->nsubnets > 0)
		p = &v->subnets[0].cidr;
	else if (v->ncidrs > 0)
		p = &v->cidrs[0].pfx;
	if (p == NULL || p->family != PFX_V4)
		return;
	base = prefix_v4(p);
	size = p->len == 0 ? 0 : (uint32_t)1 << (32 - p->len);
	if (p->len >= 31)
		addr_from_v4(out, base + (size > 0 ? size - 1 : 0));
	else
		addr_from_v4(out, base + size - 2);
}

static void
want_add(struct td_att *a, const struct prefix *p)
{
	size_t i;

	for (i = 0; i < a->nwant; i++)
		if (prefix_eq(&a->want[i], p))
			return;
	a->want = xreallocarray(a->want, a->nwant + 1, sizeof(*a->want));
	a->want[a->nwant++] = *p;
}

static struct td_att *
att_new(struct td *td, enum td_att_kind kind, const char *name, const char *gw,
    const struct cfg_vpc *v, unsigned mtu)
{
	struct td_att *a = xcalloc(1, sizeof(*a));
	const char *ns = td_netns_of(td, v->name);

	a->td = td;
	a->kind = kind;
	a->name = xstrdup(name);
	a->gw_name = xstrdup(gw);
	a->vpc_name = xstrdup(v->name);
	a->netns = ns != NULL ? xstrdup(ns) : NULL;
	a->mtu = mtu;
	a->vpc = v;
	a->ttl_dec = true;
	a->tun.fd = -1;
	snprintf(a->ifname, sizeof(a->ifname), "t%08x", name_hash(gw, v->name));
	eni_addr(v, &a->eni);
	a->key = xasprintf("%s|%s|%s|%s|%s|%u", td_att_kind_name(kind), gw, name,
	    v->name, ns != NULL ? ns : "", mtu);
	dp_ratelimit_init(&a->icmp_rl, TD_ICMP_RATE, TD_ICMP_BURST);
	return a;
}

void
td_att_free(struct td_att *a)
{
	if (a == NULL)
		return;
	free(a->key);
	free(a->name);
	free(a->gw_name);
	free(a->vpc_name);
	free(a->netns);
	free(a->want);
	free(a->routes);
	free(a->cen);
	free(a);
}

void
td_tunnel_free(struct td_tunnel *t)
{
	if (t == NULL)
		return;
	if (t->psk != NULL) {
		OPENSSL_cleanse(t->psk, strlen(t->psk));
		free(t->psk);
	}
	free(t->key);
	free(t->name);
	free(t->conn_name);
	free(t);
}

static void
vpc_routes_to(struct td_att *a, const void *gateway)
{
	size_t i;

	for (i = 0; i < a->vpc->nroutes; i++)
		if (a->vpc->routes[i].target.ptr == gateway)
			want_add(a, &a->vpc->routes[i].dest);
}

struct cen_walk {
	struct td_att	*a;
};

static void
cen_learned(void *arg, const struct prefix *p, uint32_t nh, const struct rt_route *win)
{
	struct cen_walk *w = arg;

	(void)nh;
	if (win != NULL && win->origin == RT_ORIGIN_CEN && win->status == RT_ST_ACTIVE)
		want_add(w->a, p);
}

static void
plan_hub(struct td *td, const struct cfg_hub *h, struct net *net,
    struct td_att ***atts, size_t *natts)
{
	struct net_hub *nh = net_hub_of(net, h);
	size_t i;

	for (i = 0; i < h->nattachments; i++) {
		const struct cfg_attachment *ca = &h->attachments[i];
		const struct cfg_vpc *v = ca->vpc.ptr;
		struct td_att *a;

		if (ca->kind != CFG_ATT_VPC || v == NULL)
			continue;
		if (h->kind == CFG_HUB_TGW) {
			a = att_new(td, TD_ATT_TGW, ca->name, h->name, v, TD_MTU_TGW);
			a->rhub = nh != NULL ? nh->hub : NULL;
			a->ratt = a->rhub != NULL ? rt_hub_att_find(a->rhub, ca->name) :
			    NULL;
			a->rt_id = a->ratt != NULL ? rt_att_id(a->ratt) : 0;
			vpc_routes_to(a, h);
		} else {
			struct net_vpc *nv = net_vpc_of(net, v);
			struct cen_walk w;

			a = att_new(td, TD_ATT_CEN, ca->name, h->name, v, TD_MTU_VPC);
			a->vtable = nv != NULL ? nv->table : NULL;
			a->ttl_dec = !h->ttl_transparent;
			/* --emulate-wan holds packets one by one (lab_wsched): no superpackets. */
			a->plain_tun = td->opts.emulate_wan;
			w.a = a;
			if (a->vtable != NULL)
				rt_table_walk_active(a->vtable, cen_learned, &w);
		}
		a->hub = h;
		*atts = xreallocarray(*atts, *natts + 1, sizeof(**atts));
		(*atts)[(*natts)++] = a;
	}
}

static void
sel_copy(const struct cfg_prefix *src, size_t n, struct prefix *dst, size_t *nd)
{
	size_t i;

	if (n == 0) {
		memset(&dst[0], 0, sizeof(dst[0]));
		dst[0].family = PFX_V4;
		*nd = 1;
		return;
	}
	if (n > ESP_SA_MAX_TS)
		n = ESP_SA_MAX_TS;
	for (i = 0; i < n; i++)
		dst[i] = src[i].pfx;
	*nd = n;
}

static char *
sel_str(const struct prefix *p, size_t n)
{
	char buf[PREFIX_STRLEN], *s = xstrdup(""), *t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = xasprintf("%s%s,", s, prefix_fmt(&p[i], buf, sizeof(buf)));
		free(s);
		s = t;
	}
	return s;
}

static struct td_tunnel *
tunnel_new(const struct cfg_vpn_connection *c, size_t i, bool left)
{
	const struct cfg_tunnel *ct = &c->tunnels[i];
	const struct cfg_selectors *ts = &c->traffic_selectors;
	struct td_tunnel *t = xcalloc(1, sizeof(*t));
	const struct cfg_conn_side *side = left ? &c->left : &c->right;
	char lb[64], pb[64], *sl, *sr;
	const struct esp_xform_info *xi;

	t->name = xasprintf("%s/%zu", c->name, i + 1);
	t->conn_name = xstrdup(c->name);
	t->index = i;
	t->left = left;
	t->manual = c->keying == CFG_KEYING_MANUAL;
	t->local = left ? ct->left_ip : ct->right_ip;
	t->peer = left ? ct->right_ip : ct->left_ip;
	t->mtu = ct->mtu;
	t->xform = c->profile == CFG_PROFILE_GCP ? ESP_XF_AES256_GCM16 :
	    ESP_XF_AES128_GCM16;
	xi = esp_xform_info(t->xform);
	/*
	 * behaviour 33: 1406 is AWS's clamp for GCM; a smaller tunnel MTU lowers it so
	 * a full segment (+ 40 bytes of headers) is never fragmented.
	 */
	t->mss = 1406;
	if (t->mtu > 40 && t->mtu - 40 < t->mss)
		t->mss = (uint16_t)(t->mtu - 40);
	(void)xi;
	t->replay_window = c->replay_window;
	if (cfg_tunnel_psk(ct) != NULL)
		t->psk = xstrdup(cfg_tunnel_psk(ct));
	if (left) {
		sel_copy(ts->left, ts->nleft, t->ts_local, &t->n_local);
		sel_copy(ts->right, ts->nright, t->ts_remote, &t->n_remote);
	} else {
		sel_copy(ts->right, ts->nright, t->ts_local, &t->n_local);
		sel_copy(ts->left, ts->nleft, t->ts_remote, &t->n_remote);
	}
	t->conn = c;
	t->hub = side->hub;
	t->vpngw = side->vpngw;
	t->udp.fd = -1;
	t->ike_udp.fd = -1;
	sl = sel_str(t->ts_local, t->n_local);
	sr = sel_str(t->ts_remote, t->n_remote);
	/* The PSK is compared separately (td_reload.c), never put in a string. */
	t->key = xasprintf("%s|%zu|%d|%s|%s|%u|%d|%d|%u|%s|%s|%s|ike%u,%d,%u,%d,%u,%u,%u",
	    c->name, i, left, addr_fmt(&t->local, lb, sizeof(lb)),
	    addr_fmt(&t->peer, pb, sizeof(pb)), t->mtu, c->profile, c->keying,
	    c->replay_window, sl, sr, side->gateway.name, c->ike_version,
	    cfg_conn_startup(c, left), c->dpd_timeout_s, c->dpd_action, c->lifetime_ike_s,
	    c->lifetime_child_s, c->rekey_margin_s);
	free(sl);
	free(sr);
	return t;
}

static bool
runs(const struct cfg_node *node, const void *gw)
{
	size_t i;

	for (i = 0; i < node->nruns; i++)
		if (node->runs[i].ptr == gw)
			return true;
	return false;
}

int
td_node_plan(struct td *td, const struct cfg_net *cfg, struct net *net,
    const struct cfg_node *node, struct td_att ***atts, size_t *natts,
    struct td_tunnel ***tuns, size_t *ntuns)
{
	size_t i, j, k, m;

	*atts = NULL;
	*natts = 0;
	*tuns = NULL;
	*ntuns = 0;
	for (i = 0; i < cfg->nhubs; i++)
		if (runs(node, &cfg->hubs[i]))
			plan_hub(td, &cfg->hubs[i], net, atts, natts);
	for (i = 0; i < cfg->nvpn_gateways; i++) {
		const struct cfg_vpn_gateway *g = &cfg->vpn_gateways[i];
		struct td_att *a;

		if (!runs(node, g) || g->vpc.ptr == NULL)
			continue;
		a = att_new(td, TD_ATT_VPNGW, g->name, g->name, g->vpc.ptr, TD_MTU_VPC);
		a->vpngw = g;
		vpc_routes_to(a, g);
		*atts = xreallocarray(*atts, *natts + 1, sizeof(**atts));
		(*atts)[(*natts)++] = a;
	}
	for (i = 0; i < cfg->nvpn_connections; i++) {
		const struct cfg_vpn_connection *c = &cfg->vpn_connections[i];

		for (k = 0; k < 2; k++) {
			const struct cfg_conn_side *side = k == 0 ? &c->left : &c->right;
			const void *gw = side->hub != NULL ? (const void *)side->hub :
			    (const void *)side->vpngw;

			if (gw == NULL || !runs(node, gw))
				continue;
			for (j = 0; j < c->ntunnels; j++) {
				struct td_tunnel *t = tunnel_new(c, j, k == 0);

				t->td = td;

				if (side->hub != NULL) {
					struct net_hub *nh = net_hub_of(net, side->hub);

					t->rhub = nh != NULL ? nh->hub : NULL;
					if (t->rhub != NULL && side->attachment != NULL)
						t->ratt = rt_hub_att_find(t->rhub,
						    side->attachment->name);
					t->rt_id = t->ratt != NULL ? rt_att_id(t->ratt) : 0;
				} else {
					for (m = 0; m < *natts; m++)
						if ((*atts)[m]->vpngw == side->vpngw)
							t->vpc_att = (*atts)[m];
				}
				*tuns = xreallocarray(*tuns, *ntuns + 1, sizeof(**tuns));
				(*tuns)[(*ntuns)++] = t;
			}
		}
	}
	return 0;
}

static void
idmap_slot(struct td *td, uint32_t id)
{
	size_t n;

	if (id < td->nidmap)
		return;
	n = (size_t)id + 1;
	td->idmap = xreallocarray(td->idmap, n, sizeof(*td->idmap));
	memset(&td->idmap[td->nidmap], 0, (n - td->nidmap) * sizeof(*td->idmap));
	td->nidmap = n;
}

struct cen_fill {
	struct td		*td;
	struct td_att		*a;
	struct rt_cen		*cen;
};

static void
cen_fill(void *arg, const struct prefix *p, uint32_t nh, const struct rt_route *win)
{
	struct cen_fill *f = arg;
	struct rt_table *pub;
	size_t i;

	(void)nh;
	if (win == NULL || win->origin != RT_ORIGIN_CEN || win->status != RT_ST_ACTIVE)
		return;
	pub = rt_cen_publisher(f->cen, win->source);
	for (i = 0; i < f->td->natts; i++) {
		struct td_att *b = f->td->atts[i];

		if (b->kind == TD_ATT_CEN && b->hub == f->a->hub && b->vtable == pub &&
		    pub != NULL) {
			f->a->cen = xreallocarray(f->a->cen, f->a->ncen + 1,
			    sizeof(*f->a->cen));
			f->a->cen[f->a->ncen].pfx = *p;
			f->a->cen[f->a->ncen++].to = b;
			return;
		}
	}
}

void
td_node_index(struct td *td)
{
	size_t i;

	for (i = 0; i < td->nidmap; i++)
		free(td->idmap[i].tuns);
	free(td->idmap);
	td->idmap = NULL;
	td->nidmap = 0;
	for (i = 0; i < td->natts; i++) {
		struct td_att *a = td->atts[i];

		if (a->kind == TD_ATT_TGW && a->rt_id != 0) {
			idmap_slot(td, a->rt_id);
			td->idmap[a->rt_id].att = a;
		}
		if (a->kind == TD_ATT_CEN && a->vtable != NULL) {
			struct net_hub *nh = net_hub_of(td->net, a->hub);
			struct cen_fill f = { td, a, nh != NULL ? nh->cen : NULL };

			free(a->cen);
			a->cen = NULL;
			a->ncen = 0;
			if (f.cen != NULL)
				rt_table_walk_active(a->vtable, cen_fill, &f);
		}
	}
	for (i = 0; i < td->ntuns; i++) {
		struct td_tunnel *t = td->tuns[i];
		struct td_idmap *m;

		if (t->rt_id == 0)
			continue;
		idmap_slot(td, t->rt_id);
		m = &td->idmap[t->rt_id];
		m->tuns = xreallocarray(m->tuns, m->ntuns + 1, sizeof(*m->tuns));
		m->tuns[m->ntuns++] = t;
	}
	td_fib_build(td);
}
