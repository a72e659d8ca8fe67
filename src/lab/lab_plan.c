/*
 * lab_plan: names and addresses of everything a lab builds, derived from the
 * network file (see lab_plan.h and docs/lab.md "How the lab is built").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "lab/lab_plan.h"

bool
lab_name_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > LAB_NAME_MAX || s[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

void
lab_name_id(const char *name, unsigned attempt, char id[LAB_ID_LEN])
{
	uint32_t h = 2166136261u;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	if (attempt > 0) {
		h = (h ^ '#') * 16777619u;
		h = (h ^ (attempt & 0xff)) * 16777619u;
		h = (h ^ (attempt >> 8)) * 16777619u;
	}
	/* Fold to 16 bits so every byte of the hash counts. */
	snprintf(id, LAB_ID_LEN, "tl%04x", (unsigned)((h >> 16) ^ (h & 0xffff)));
}

int
lab_plan_cloud_ttl(int cloud)
{
	/* What the seed post's replies show: AWS hosts 255, Alibaba 64; GCP's Linux
	 * images and everything else use the Linux default 64. */
	return cloud == CFG_CLOUD_AWS ? 255 : 64;
}

static const char *
cloud_word(int cloud)
{
	static const char *const w[] = { "none", "aws", "gcp", "alibaba", "onprem" };

	return cloud >= 0 && (size_t)cloud < ARRAY_SIZE(w) ? w[cloud] : "none";
}

size_t
lab_plan_region_index(const struct lab_plan *p, const struct cfg_region *r)
{
	return (size_t)(r - p->cfg->regions);
}

const struct lab_plan_vpc *
lab_plan_vpc_find(const struct lab_plan *p, const struct cfg_vpc *v)
{
	size_t i;

	for (i = 0; i < p->nvpcs; i++)
		if (p->vpcs[i].vpc == v)
			return &p->vpcs[i];
	return NULL;
}

const struct lab_plan_addr *
lab_plan_addr_find(const struct lab_plan *p, const struct ipaddr *a)
{
	size_t i;

	for (i = 0; i < p->naddrs; i++)
		if (addr_eq(&p->addrs[i].addr, a))
			return &p->addrs[i];
	return NULL;
}

static size_t
node_index(const struct lab_plan *p, const struct cfg_node *n)
{
	return (size_t)(n - p->cfg->nodes);
}

static void
node_add_vpc(struct lab_plan *p, struct lab_plan_node *pn, const struct cfg_vpc *v)
{
	size_t i, vi;

	if (v == NULL)
		return;
	vi = (size_t)(v - p->cfg->vpcs);
	for (i = 0; i < pn->nvpcs; i++)
		if (pn->vpcs[i] == vi)
			return;
	pn->vpcs = xreallocarray(pn->vpcs, pn->nvpcs + 1, sizeof(*pn->vpcs));
	pn->vpcs[pn->nvpcs++] = vi;
}

/* Record an outside address of a gateway; the gateway's runner gets it. */
static int
add_addr(struct lab_plan *p, const void *gw, const struct cfg_region *region,
    const struct ipaddr *a, char *err, size_t errlen)
{
	const struct cfg_node *n = cfg_runner(p->cfg, gw);
	const struct lab_plan_addr *old;
	struct lab_plan_node *pn;
	char buf[PREFIX_STRLEN];
	size_t ni;

	if (n == NULL || region == NULL)
		return 0;	/* nobody runs the gateway: nothing listens there */
	ni = node_index(p, n);
	if ((old = lab_plan_addr_find(p, a)) != NULL) {
		if (old->node == ni)
			return 0;
		snprintf(err, errlen, "outside address %s belongs to nodes '%s' and '%s'",
		    addr_fmt(a, buf, sizeof(buf)), p->nodes[old->node].node->name, n->name);
		return -1;
	}
	p->addrs = xreallocarray(p->addrs, p->naddrs + 1, sizeof(*p->addrs));
	p->addrs[p->naddrs].addr = *a;
	p->addrs[p->naddrs].node = ni;
	p->addrs[p->naddrs].region = lab_plan_region_index(p, region);
	p->naddrs++;
	pn = &p->nodes[ni];
	pn->addrs = xreallocarray(pn->addrs, pn->naddrs + 1, sizeof(*pn->addrs));
	pn->addrs[pn->naddrs++] = *a;
	return 0;
}

static const void *
side_gw(const struct cfg_conn_side *s)
{
	return s->hub != NULL ? (const void *)s->hub : (const void *)s->vpngw;
}

static int
plan_addrs(struct lab_plan *p, char *err, size_t errlen)
{
	const struct cfg_net *c = p->cfg;
	size_t i, j;

	for (i = 0; i < c->nvpn_connections; i++) {
		const struct cfg_vpn_connection *vc = &c->vpn_connections[i];

		for (j = 0; j < vc->ntunnels; j++) {
			if (add_addr(p, side_gw(&vc->left), vc->left.region,
			    &vc->tunnels[j].left_ip, err, errlen) == -1 ||
			    add_addr(p, side_gw(&vc->right), vc->right.region,
			    &vc->tunnels[j].right_ip, err, errlen) == -1)
				return -1;
		}
	}
	/* Interfaces no tunnel uses still answer on the lab internet. */
	for (i = 0; i < c->nvpn_gateways; i++) {
		const struct cfg_vpn_gateway *g = &c->vpn_gateways[i];

		for (j = 0; j < g->ninterfaces; j++)
			if (add_addr(p, g, g->region.ptr, &g->interfaces[j].addr, err,
			    errlen) == -1)
				return -1;
	}
	return 0;
}

static void
plan_node_vpcs(struct lab_plan *p, struct lab_plan_node *pn)
{
	const struct cfg_node *n = pn->node;
	size_t i, j;

	for (i = 0; i < n->nruns; i++) {
		if (n->runs[i].kind == CFG_K_HUB) {
			const struct cfg_hub *h = n->runs[i].ptr;

			for (j = 0; j < h->nattachments; j++)
				if (h->attachments[j].kind == CFG_ATT_VPC)
					node_add_vpc(p, pn, h->attachments[j].vpc.ptr);
		} else if (n->runs[i].kind == CFG_K_VPN_GATEWAY) {
			const struct cfg_vpn_gateway *g = n->runs[i].ptr;

			node_add_vpc(p, pn, g->vpc.ptr);
		}
	}
}

struct lab_plan *
lab_plan_new(const struct cfg_net *c, const char *name, const char *id, char *err,
    size_t errlen)
{
	struct lab_plan *p;
	size_t i;

	if (c->nnodes >= LAB_MAX_NODES) {
		snprintf(err, errlen, "%zu nodes; the lab runs at most %d", c->nnodes,
		    LAB_MAX_NODES - 1);
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->cfg = c;
	p->name = xstrdup(name);
	snprintf(p->id, sizeof(p->id), "%s", id);
	p->wan_netns = xasprintf("%s-wan", id);
	snprintf(p->wan_tun, sizeof(p->wan_tun), "%.6swan", id);

	p->nvpcs = c->nvpcs;
	p->vpcs = xcalloc(c->nvpcs + 1, sizeof(*p->vpcs));
	for (i = 0; i < c->nvpcs; i++) {
		const struct cfg_region *r = c->vpcs[i].region.ptr;
		int cloud = r != NULL ? r->cloud : CFG_CLOUD_NONE;

		p->vpcs[i].vpc = &c->vpcs[i];
		p->vpcs[i].netns = xasprintf("%s-v-%s", id, c->vpcs[i].name);
		p->vpcs[i].ttl = lab_plan_cloud_ttl(cloud);
		p->vpcs[i].cloud = cloud_word(cloud);
	}
	p->nnodes = c->nnodes;
	p->nodes = xcalloc(c->nnodes + 1, sizeof(*p->nodes));
	for (i = 0; i < c->nnodes; i++) {
		struct lab_plan_node *pn = &p->nodes[i];

		pn->node = &c->nodes[i];
		pn->netns = xasprintf("%s-n-%s", id, c->nodes[i].name);
		snprintf(pn->veth_node, sizeof(pn->veth_node), "%.6sn%u", id,
		    (unsigned)(i % LAB_MAX_NODES));
		snprintf(pn->veth_wan, sizeof(pn->veth_wan), "%.6sw%u", id,
		    (unsigned)(i % LAB_MAX_NODES));
		plan_node_vpcs(p, pn);
	}
	if (plan_addrs(p, err, errlen) == -1) {
		lab_plan_free(p);
		return NULL;
	}
	return p;
}

void
lab_plan_free(struct lab_plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nvpcs; i++)
		free(p->vpcs[i].netns);
	for (i = 0; i < p->nnodes; i++) {
		free(p->nodes[i].netns);
		free(p->nodes[i].addrs);
		free(p->nodes[i].vpcs);
	}
	free(p->vpcs);
	free(p->nodes);
	free(p->addrs);
	free(p->wan_netns);
	free(p->name);
	free(p);
}
