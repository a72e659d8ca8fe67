/*
 * net_print: the human report of `transitctl check`: a summary of the network, then
 * per hub its attachments and route tables, per CEN its publications, bandwidth and
 * conflicts, per VPC its route table, then anything the engine refused.
 */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "net/net.h"

static const char *
att_type(const struct cfg_attachment *a)
{
	const struct cfg_vpn_connection *c = a->vpn.ptr;

	switch (a->kind) {
	case CFG_ATT_VPC:
		return "vpc";
	case CFG_ATT_VPN:
		return c != NULL && c->routing == CFG_ROUTING_BGP ? "vpn (bgp)" : "vpn (static)";
	default:
		return "peering";
	}
}

static const char *
att_resource(const struct cfg_attachment *a)
{
	if (a->vpc.name != NULL)
		return a->vpc.name;
	if (a->vpn.name != NULL)
		return a->vpn.name;
	return a->peering.name != NULL ? a->peering.name : "-";
}

/* The tables an attachment propagates into, as the file and the hub defaults say. */
static void
att_propagations(const struct cfg_hub *h, const struct cfg_attachment *a, char *buf,
    size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	if (!a->propagate_set) {
		snprintf(buf, len, "%s", h->default_propagation && h->default_table != NULL ?
		    h->default_table->name : "-");
		return;
	}
	for (i = 0; i < a->npropagate && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "",
		    a->propagate[i].name);
	if (a->npropagate == 0)
		snprintf(buf, len, "-");
}

static const char *
count(char *buf, size_t n, const char *what)
{
	snprintf(buf, 48, "%zu %s%s", n, what, n == 1 ? "" : "s");
	return buf;
}

/* Why an attachment that propagates contributes nothing (beh. 10, 12). */
static const char *
att_note(const struct cfg_attachment *a, struct rt_att *ra)
{
	const struct cfg_vpn_connection *c = a->vpn.ptr;

	if (ra != NULL && rt_att_suppressed(ra))
		return " (identical CIDR already attached: nothing propagated)";
	if (a->kind == CFG_ATT_PEERING)
		return " (peering: static routes only, nothing propagated)";
	if (a->kind == CFG_ATT_VPN && c != NULL && c->routing != CFG_ROUTING_BGP)
		return " (static VPN: nothing propagated)";
	return "";
}

static bool
want(const char *filter, const char *a, const char *b)
{
	return filter == NULL || strcmp(filter, a) == 0 || (b != NULL && strcmp(filter, b) == 0);
}

static void
print_tgw(FILE *f, const struct net *n, const struct net_hub *nh, unsigned flags,
    const char *filter)
{
	const struct cfg_hub *h = nh->cfg;
	const struct cfg_region *r = h->region.ptr;
	size_t i;

	if (filter == NULL) {
		fprintf(f, "transit gateway %s (region %s, ASN %u, ECMP %s, default association %s,"
		    " default propagation %s)\n", h->name, r != NULL ? r->name : "-", h->asn,
		    h->ecmp ? "on" : "off", h->default_association ? "on" : "off",
		    h->default_propagation ? "on" : "off");
		fprintf(f, "  %-20s %-13s %-20s %-19s %-12s %s\n", "ATTACHMENT", "TYPE",
		    "RESOURCE", "STATE", "ASSOCIATED", "PROPAGATES");
		for (i = 0; i < h->nattachments; i++) {
			const struct cfg_attachment *a = &h->attachments[i];
			struct rt_att *ra = nh->atts[i];
			struct rt_table *assoc = ra != NULL ? rt_att_assoc(ra) : NULL;
			const char *state = ra == NULL ? "failed" :
			    rt_att_state(ra) == RT_ATT_PENDING_ACCEPTANCE ? "pendingAcceptance" :
			    "available";
			const char *an = "-";
			char props[256];
			size_t k;

			for (k = 0; assoc != NULL && k < h->nroute_tables; k++)
				if (nh->tables[k] == assoc)
					an = h->route_tables[k].name;
			att_propagations(h, a, props, sizeof(props));
			if (ra != NULL && rt_att_state(ra) == RT_ATT_PENDING_ACCEPTANCE) {
				snprintf(props, sizeof(props), "-");
				an = "-";
			}
			fprintf(f, "  %-20s %-13s %-20s %-19s %-12s %s%s\n", a->name, att_type(a),
			    att_resource(a), state, an, props, att_note(a, ra));
		}
		fputc('\n', f);
	}
	for (i = 0; i < h->nroute_tables; i++) {
		if (nh->tables[i] == NULL ||
		    !want(filter, h->route_tables[i].name, rt_table_name(nh->tables[i])))
			continue;
		rt_print_table(f, nh->tables[i], (flags & NET_PRINT_ALL) ? RT_PRINT_ALL : 0,
		    rt_ctx_resolve, n->rt);
		fputc('\n', f);
	}
}

struct conflict_ctx {
	FILE	*f;
	size_t	 n;
};

static void
conflict_row(void *arg, struct rt_table *t, const struct prefix *p, const struct rt_route *r,
    struct rt_table *publisher)
{
	struct conflict_ctx *cc = arg;
	char pbuf[PREFIX_STRLEN];

	fprintf(cc->f, "    %-18s published by %-16s not installed in %-16s: %s\n",
	    prefix_fmt(p, pbuf, sizeof(pbuf)),
	    publisher != NULL ? rt_table_name(publisher) : "?", rt_table_name(t),
	    rt_status_name((enum rt_status)r->status));
	cc->n++;
}

static void
print_cen(FILE *f, const struct net *n, const struct net_hub *nh)
{
	const struct cfg_hub *h = nh->cfg;
	struct conflict_ctx cc = { f, 0 };
	char pbuf[PREFIX_STRLEN];
	size_t i;

	fprintf(f, "cen %s (regions", h->name);
	for (i = 0; i < h->nregions; i++)
		fprintf(f, "%s%s", i ? ", " : " ", h->regions[i].name);
	fprintf(f, "; TTL %s)\n", h->ttl_transparent ? "transparent" : "decremented");
	fprintf(f, "  attached:");
	for (i = 0; i < h->nattachments; i++)
		fprintf(f, "%s%s", i ? ", " : " ", h->attachments[i].vpc.name);
	fprintf(f, "%s\n  published on request:", h->nattachments == 0 ? " -" : "");
	for (i = 0; i < h->npublish; i++)
		fprintf(f, "%s%s from %s", i ? ", " : " ",
		    prefix_fmt(&h->publish[i].dest, pbuf, sizeof(pbuf)), h->publish[i].vpc.name);
	fprintf(f, "%s\n", h->npublish == 0 ? " -" : "");
	for (i = 0; i < h->nbandwidth; i++)
		if (h->bandwidth[i].nbetween == 2)
			fprintf(f, "  bandwidth %s <-> %s: %u kbps\n", h->bandwidth[i].between[0].name,
			    h->bandwidth[i].between[1].name, h->bandwidth[i].kbps);
	fprintf(f, "  conflicts and overflows:\n");
	rt_cen_conflicts(nh->cen, conflict_row, &cc);
	if (cc.n == 0)
		fprintf(f, "    none\n");
	fputc('\n', f);
}

void
net_print(FILE *f, const struct net *n, unsigned flags, const char *filter)
{
	const struct cfg_net *c = n->cfg;
	size_t i, ntun = 0, nhosts = 0;
	char b[8][48];

	for (i = 0; i < c->nvpn_connections; i++)
		ntun += c->vpn_connections[i].ntunnels;
	for (i = 0; i < c->nvpcs; i++)
		nhosts += c->vpcs[i].nhosts;
	if (filter == NULL) {
		fprintf(f, "network %s: valid\n", c->name);
		fprintf(f, "  %s, %s, %s, %s, %s (%s), %s, %s\n\n",
		    count(b[0], c->nregions, "region"), count(b[1], c->nvpcs, "VPC"),
		    count(b[2], c->nhubs, "hub"), count(b[3], c->nvpn_gateways, "VPN gateway"),
		    count(b[4], c->nvpn_connections, "VPN connection"),
		    count(b[5], ntun, "tunnel"), count(b[6], c->nnodes, "node"),
		    count(b[7], nhosts, "host"));
	}
	for (i = 0; i < c->nhubs; i++) {
		if (c->hubs[i].kind == CFG_HUB_TGW)
			print_tgw(f, n, &n->hubs[i], flags, filter);
		else if (filter == NULL && n->hubs[i].cen != NULL)
			print_cen(f, n, &n->hubs[i]);
	}
	for (i = 0; i < c->nvpcs; i++) {
		const struct net_vpc *nv = &n->vpcs[i];
		const struct cfg_region *r = nv->cfg->region.ptr;

		if (nv->table == NULL || !want(filter, nv->cfg->name, NULL))
			continue;
		fprintf(f, "vpc %s (region %s)\n", nv->cfg->name, r != NULL ? r->name : "-");
		rt_print_table(f, nv->table, (flags & NET_PRINT_ALL) ? RT_PRINT_ALL : 0,
		    rt_ctx_resolve, n->rt);
		fputc('\n', f);
	}
	if (n->nproblems > 0) {
		fprintf(f, "the route engine refused:\n");
		for (i = 0; i < n->nproblems; i++)
			fprintf(f, "  %s\n", n->problems[i]);
	}
}
