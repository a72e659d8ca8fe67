/*
 * cfg_validate: cross references and semantic checks of the network file
 * (docs/network-file.md; cloud-semantics.md 1.2-1.3 for hubs, 4.2 for CEN publish).
 * Runs on whatever the reader could build, so every check tolerates missing values;
 * every problem is reported.  On success every reference is resolved.
 *
 * This file: the name space, resolution, VPCs and hubs.  cfg_validate_vpn.c does VPN
 * gateways and connections, nodes, shares and expectations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "config/cfg.h"
#include "config/cfg_impl.h"

/* The key was written (a reference that failed to read keeps its location). */
#define GIVEN(r)	((r)->name != NULL || (r)->loc.line != 0)

static void
add_name(struct cfg_vctx *v, const char *name, enum cfg_kind kind, struct cfg_loc loc,
    void *ptr)
{
	if (name == NULL)
		return;
	util_grow(&v->names, &v->cap, v->nnames + 1, sizeof(*v->names));
	v->names[v->nnames].name = name;
	v->names[v->nnames].kind = kind;
	v->names[v->nnames].loc = loc;
	v->names[v->nnames].ptr = ptr;
	v->nnames++;
}

static int
name_key_cmp(const void *key, const void *el)
{
	return strcmp(key, ((const struct cfg_name *)el)->name);
}

const struct cfg_name *
cfg_vname(const struct cfg_vctx *v, const char *name)
{
	if (v->nnames == 0)
		return NULL;
	return bsearch(name, v->names, v->nnames, sizeof(*v->names), name_key_cmp);
}

/* By name, then by position: duplicates end up together, the first one first. */
static int
name_cmp(const void *a, const void *b)
{
	const struct cfg_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	if (x->loc.line != y->loc.line)
		return x->loc.line < y->loc.line ? -1 : 1;
	if (x->loc.col != y->loc.col)
		return x->loc.col < y->loc.col ? -1 : 1;
	return 0;
}

static void
build_names(struct cfg_vctx *v)
{
	struct cfg_net *n = v->net;
	size_t i, j, total;

#define ADD(arr, cnt, k)	for (i = 0; i < (cnt); i++)		\
		add_name(v, (arr)[i].name, k, (arr)[i].loc, &(arr)[i])
	ADD(n->owners, n->nowners, CFG_K_OWNER);
	ADD(n->regions, n->nregions, CFG_K_REGION);
	for (j = 0; j < n->nvpcs; j++) {
		struct cfg_vpc *vpc = &n->vpcs[j];

		add_name(v, vpc->name, CFG_K_VPC, vpc->loc, vpc);
		ADD(vpc->subnets, vpc->nsubnets, CFG_K_SUBNET);
		ADD(vpc->hosts, vpc->nhosts, CFG_K_HOST);
	}
	for (j = 0; j < n->nhubs; j++) {
		struct cfg_hub *h = &n->hubs[j];

		add_name(v, h->name, CFG_K_HUB, h->loc, h);
		ADD(h->prefix_lists, h->nprefix_lists, CFG_K_PREFIX_LIST);
		ADD(h->attachments, h->nattachments, CFG_K_ATTACHMENT);
	}
	ADD(n->vpn_gateways, n->nvpn_gateways, CFG_K_VPN_GATEWAY);
	ADD(n->vpn_connections, n->nvpn_connections, CFG_K_VPN_CONNECTION);
	ADD(n->nodes, n->nnodes, CFG_K_NODE);
#undef ADD
	/* Sorted by name (cfg_vname searches it); a duplicate is reported where it is
	 * written again, against the first definition. */
	if (v->nnames > 0)
		qsort(v->names, v->nnames, sizeof(*v->names), name_cmp);
	total = v->nnames;
	for (i = 0, j = 0; i < total; i++) {
		const struct cfg_name *nm = &v->names[i], *prev;

		if (strcmp(nm->name, "blackhole") == 0 || strcmp(nm->name, "none") == 0) {
			cfg_err(v->ctx, nm->loc, "the name '%s' is reserved (a keyword in "
			    "references); choose another name", nm->name);
			continue;
		}
		prev = j > 0 ? &v->names[j - 1] : NULL;
		if (prev != NULL && strcmp(prev->name, nm->name) == 0)
			cfg_err(v->ctx, nm->loc, "duplicate name '%s' (first defined at line %d "
			    "as %s %s); names are unique across the whole file", nm->name,
			    prev->loc.line, prev->kind == CFG_K_OWNER ||
			    prev->kind == CFG_K_ATTACHMENT ? "an" : "a",
			    cfg_kind_name(prev->kind));
		else
			v->names[j++] = *nm;
	}
	v->nnames = j;
}

/* "a hub, a vpn gateway or blackhole" */
static void
kinds_text(unsigned kinds, char *buf, size_t len)
{
	size_t o = 0, cnt = 0, total = 0, k;

	for (k = 1; k <= CFG_K_NONE_KW; k++)
		if (kinds & KB(k))
			total++;
	buf[0] = '\0';
	for (k = 1; k <= CFG_K_NONE_KW && o < len; k++) {
		if (!(kinds & KB(k)))
			continue;
		cnt++;
		o += (size_t)snprintf(buf + o, len - o, "%s%s%s",
		    cnt == 1 ? "" : cnt == total ? " or " : ", ",
		    k == CFG_K_BLACKHOLE || k == CFG_K_NONE_KW ? "" :
		    (k == CFG_K_OWNER || k == CFG_K_ATTACHMENT ? "an " : "a "),
		    cfg_kind_name((enum cfg_kind)k));
	}
}

/* Report an undefined name with a did-you-mean among `cands`, else list them. */
static void
undefined(struct cfg_vctx *v, const struct cfg_ref *r, const char *role,
    const char *expected, const char *const *cands, size_t n)
{
	char list[256];
	const char *sugg = cfg_suggest(r->name, cands, n);
	size_t i, o = 0;

	if (sugg != NULL) {
		cfg_err(v->ctx, r->loc, "%s '%.63s' is not defined; did you mean '%s'?", role,
		    r->name, sugg);
		return;
	}
	list[0] = '\0';
	for (i = 0; i < n && i < 8 && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
		    cands[i]);
	if (n > 8 && o < sizeof(list))
		snprintf(list + o, sizeof(list) - o, ", ...");
	if (n == 0)
		cfg_err(v->ctx, r->loc, "%s '%.63s' is not defined; expected %s, and none "
		    "is defined", role, r->name, expected);
	else
		cfg_err(v->ctx, r->loc, "%s '%.63s' is not defined; expected %s: %s", role,
		    r->name, expected, list);
}

bool
cfg_resolve(struct cfg_vctx *v, struct cfg_ref *r, unsigned kinds, const char *role)
{
	const struct cfg_name *nm;
	const char **cands;
	char expected[128];
	size_t i, n = 0;

	if (r->name == NULL)
		return false;
	kinds_text(kinds, expected, sizeof(expected));
	if ((kinds & KB(CFG_K_BLACKHOLE)) && strcmp(r->name, "blackhole") == 0) {
		r->kind = CFG_K_BLACKHOLE;
		return true;
	}
	if ((kinds & KB(CFG_K_NONE_KW)) && strcmp(r->name, "none") == 0) {
		r->kind = CFG_K_NONE_KW;
		return true;
	}
	if ((nm = cfg_vname(v, r->name)) != NULL) {
		if (kinds & KB(nm->kind)) {
			r->kind = nm->kind;
			r->ptr = nm->ptr;
			return true;
		}
		cfg_err(v->ctx, r->loc, "%s '%s' is %s %s (line %d); expected %s", role,
		    r->name, nm->kind == CFG_K_OWNER || nm->kind == CFG_K_ATTACHMENT ?
		    "an" : "a", cfg_kind_name(nm->kind), nm->loc.line, expected);
		return false;
	}
	cands = xreallocarray(NULL, v->nnames + 1, sizeof(*cands));
	for (i = 0; i < v->nnames; i++)
		if (kinds & KB(v->names[i].kind))
			cands[n++] = v->names[i].name;
	undefined(v, r, role, expected, cands, n);
	free(cands);
	return false;
}

/* ---- vpcs ----------------------------------------------------------------- */

static void
check_vpc(struct cfg_vctx *v, struct cfg_vpc *vpc)
{
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];
	size_t i, j;
	bool in;

	cfg_resolve(v, &vpc->region, KB(CFG_K_REGION), "region");
	cfg_resolve(v, &vpc->owner, KB(CFG_K_OWNER), "owner");
	if (vpc->ncidrs == 0 && vpc->cidrs_set)
		cfg_err(v->ctx, vpc->loc, "vpc '%s' has no cidrs; list at least one, e.g. "
		    "cidrs: [10.0.0.0/16]", vpc->name);
	for (i = 0; i < vpc->ncidrs; i++)
		for (j = 0; j < i; j++)
			if (prefix_overlaps(&vpc->cidrs[i].pfx, &vpc->cidrs[j].pfx))
				cfg_err(v->ctx, vpc->cidrs[i].loc, "cidr %s overlaps cidr %s of "
				    "the same vpc; a vpc's cidrs must be disjoint",
				    prefix_fmt(&vpc->cidrs[i].pfx, a, sizeof(a)),
				    prefix_fmt(&vpc->cidrs[j].pfx, b, sizeof(b)));
	for (i = 0; i < vpc->nsubnets; i++) {
		struct cfg_subnet *s = &vpc->subnets[i];

		s->vpc = vpc;
		if (s->cidr.family == PFX_NONE)
			continue;
		for (in = false, j = 0; j < vpc->ncidrs && !in; j++)
			in = prefix_contains(&vpc->cidrs[j].pfx, &s->cidr);
		if (!in && vpc->ncidrs > 0)
			cfg_err(v->ctx, s->cidr_loc, "subnet '%s' %s is outside the vpc's "
			    "cidrs; a subnet lies inside one of: %s%s", s->name != NULL ?
			    s->name : "?", prefix_fmt(&s->cidr, a, sizeof(a)),
			    prefix_fmt(&vpc->cidrs[0].pfx, b, sizeof(b)),
			    vpc->ncidrs > 1 ? ", ..." : "");
		for (j = 0; j < i; j++)
			if (vpc->subnets[j].cidr.family != PFX_NONE &&
			    prefix_overlaps(&s->cidr, &vpc->subnets[j].cidr))
				cfg_err(v->ctx, s->cidr_loc, "subnet '%s' %s overlaps subnet "
				    "'%s' %s (line %d); subnets of a vpc must not overlap",
				    s->name != NULL ? s->name : "?",
				    prefix_fmt(&s->cidr, a, sizeof(a)),
				    vpc->subnets[j].name != NULL ? vpc->subnets[j].name : "?",
				    prefix_fmt(&vpc->subnets[j].cidr, b, sizeof(b)),
				    vpc->subnets[j].loc.line);
	}
	for (i = 0; i < vpc->nhosts; i++) {
		struct cfg_host *h = &vpc->hosts[i];

		h->vpc = vpc;
		if (h->address.family == PFX_NONE)
			continue;
		for (in = false, j = 0; j < vpc->nsubnets && !in; j++)
			if (prefix_contains_addr(&vpc->subnets[j].cidr, &h->address)) {
				in = true;
				h->subnet = &vpc->subnets[j];
			}
		if (vpc->nsubnets == 0)
			for (j = 0; j < vpc->ncidrs && !in; j++)
				in = prefix_contains_addr(&vpc->cidrs[j].pfx, &h->address);
		if (!in && (vpc->nsubnets > 0 || vpc->ncidrs > 0))
			cfg_err(v->ctx, h->address_loc, "host '%s' address %s is not inside "
			    "any %s of vpc '%s'", h->name != NULL ? h->name : "?",
			    addr_fmt(&h->address, a, sizeof(a)),
			    vpc->nsubnets > 0 ? "subnet" : "cidr",
			    vpc->name != NULL ? vpc->name : "?");
		for (j = 0; j < i; j++)
			if (addr_eq(&h->address, &vpc->hosts[j].address))
				cfg_err(v->ctx, h->address_loc, "host '%s' has the same address "
				    "as host '%s' (line %d); each host needs its own address",
				    h->name != NULL ? h->name : "?",
				    vpc->hosts[j].name != NULL ? vpc->hosts[j].name : "?",
				    vpc->hosts[j].loc.line);
	}
}

/* VPC routes need the hubs' attachments, so they run after the hubs. */
static void
check_vpc_routes(struct cfg_vctx *v, struct cfg_vpc *vpc)
{
	char a[PREFIX_STRLEN];
	struct cfg_vpn_gateway *gw;
	struct cfg_hub *hub;
	size_t i, j;

	for (i = 0; i < vpc->nroutes; i++) {
		struct cfg_vpc_route *r = &vpc->routes[i];

		for (j = 0; j < i; j++)
			if (r->dest.family != PFX_NONE && prefix_eq(&r->dest,
			    &vpc->routes[j].dest))
				cfg_err(v->ctx, r->dest_loc, "duplicate route %s in vpc '%s' "
				    "(first at line %d); a route table holds one route per "
				    "destination", prefix_fmt(&r->dest, a, sizeof(a)),
				    vpc->name != NULL ? vpc->name : "?", vpc->routes[j].loc.line);
		if (!cfg_resolve(v, &r->target, KB(CFG_K_HUB) | KB(CFG_K_VPN_GATEWAY) |
		    KB(CFG_K_BLACKHOLE), "route target"))
			continue;
		if (r->target.kind == CFG_K_HUB) {
			hub = r->target.ptr;
			r->attachment = cfg_hub_vpc_attachment(hub, vpc);
			if (r->attachment == NULL)
				cfg_err(v->ctx, r->target.loc, "vpc '%s' routes to hub '%s' but is "
				    "not attached to it; add an attachment with vpc: %s to hub "
				    "'%s'", vpc->name, hub->name, vpc->name, hub->name);
		} else if (r->target.kind == CFG_K_VPN_GATEWAY) {
			gw = r->target.ptr;
			if (gw->vpc.ptr != vpc)
				cfg_err(v->ctx, r->target.loc, "vpn gateway '%s' is not attached "
				    "to vpc '%s'; a vpc routes only to a vpn gateway with vpc: %s",
				    gw->name, vpc->name != NULL ? vpc->name : "?",
				    vpc->name != NULL ? vpc->name : "?");
		}
	}
}

/* ---- hubs ----------------------------------------------------------------- */

/* The default table exists even when not listed (cloud-semantics 1.1). */
static void
ensure_default_table(struct cfg_hub *h)
{
	struct cfg_route_table *rt;

	if (h->kind != CFG_HUB_TGW || h->default_route_table == NULL)
		return;
	if ((rt = cfg_find_route_table(h, h->default_route_table)) == NULL) {
		h->route_tables = xreallocarray(h->route_tables, h->nroute_tables + 1,
		    sizeof(*h->route_tables));
		rt = &h->route_tables[h->nroute_tables++];
		memset(rt, 0, sizeof(*rt));
		rt->loc = h->loc;
		rt->name = xstrdup(h->default_route_table);
		rt->implicit = true;
	}
}

static struct cfg_route_table *
hub_table(struct cfg_vctx *v, struct cfg_hub *h, struct cfg_ref *r)
{
	const char **cands;
	struct cfg_route_table *rt;
	size_t i;

	if ((rt = cfg_find_route_table(h, r->name)) != NULL) {
		r->kind = CFG_K_ROUTE_TABLE;
		r->ptr = rt;
		return rt;
	}
	cands = xreallocarray(NULL, h->nroute_tables + 1, sizeof(*cands));
	for (i = 0; i < h->nroute_tables; i++)
		cands[i] = h->route_tables[i].name;
	undefined(v, r, "route table", "a route table of this hub", cands, h->nroute_tables);
	free(cands);
	return NULL;
}

static void
check_attachment(struct cfg_vctx *v, struct cfg_hub *h, struct cfg_attachment *att)
{
	struct cfg_owner *hub_owner = h->owner.ptr;
	int nkinds = GIVEN(&att->vpc) + GIVEN(&att->vpn) + GIVEN(&att->peering);
	size_t i, j;

	att->hub = h;
	if (nkinds == 1 && !(att->vpc.name != NULL || att->vpn.name != NULL ||
	    att->peering.name != NULL))
		return;		/* the one given was unreadable, already reported */
	if (nkinds != 1) {
		cfg_err(v->ctx, att->loc, "attachment '%s' has %s of vpc, vpn and peering; "
		    "give exactly one", att->name != NULL ? att->name : "?",
		    nkinds == 0 ? "none" : "more than one");
		return;
	}
	if (h->kind == CFG_HUB_CEN && att->vpc.name == NULL) {
		cfg_err(v->ctx, att->loc, "a cen hub attaches vpcs only; use vpc: NAME");
		return;
	}
	if (h->kind == CFG_HUB_CEN && (att->associate.name != NULL || att->propagate_set))
		cfg_err(v->ctx, att->loc, "associate and propagate apply only to tgw hubs; a "
		    "cen learns and pushes routes by itself");
	cfg_resolve(v, &att->owner, KB(CFG_K_OWNER), "owner");
	if (att->vpc.name != NULL) {
		att->kind = CFG_ATT_VPC;
		if (cfg_resolve(v, &att->vpc, KB(CFG_K_VPC), "vpc")) {
			for (i = 0; i < h->nattachments && &h->attachments[i] != att; i++)
				if (h->attachments[i].vpc.ptr == att->vpc.ptr)
					cfg_err(v->ctx, att->vpc.loc, "vpc '%s' is already attached "
					    "to hub '%s' by '%s' (line %d); one attachment per vpc "
					    "per hub", att->vpc.name, h->name,
					    h->attachments[i].name, h->attachments[i].loc.line);
			if (att->owner.ptr == NULL)
				att->eff_owner = ((struct cfg_vpc *)att->vpc.ptr)->owner.ptr;
		}
	} else if (att->vpn.name != NULL) {
		struct cfg_vpn_connection *c;

		att->kind = CFG_ATT_VPN;
		if (cfg_resolve(v, &att->vpn, KB(CFG_K_VPN_CONNECTION), "vpn connection")) {
			c = att->vpn.ptr;
			if (c->left.hub != h && c->right.hub != h &&
			    c->left.gateway.ptr != NULL && c->right.gateway.ptr != NULL)
				cfg_err(v->ctx, att->vpn.loc, "vpn connection '%s' does not end "
				    "on hub '%s' (its sides: %s, %s); attach it to a hub on one "
				    "of its sides", c->name, h->name, c->left.gateway.name,
				    c->right.gateway.name);
			for (i = 0; i < h->nattachments && &h->attachments[i] != att; i++)
				if (h->attachments[i].vpn.ptr == c)
					cfg_err(v->ctx, att->vpn.loc, "vpn connection '%s' is "
					    "already attached to hub '%s' by '%s' (line %d); one "
					    "attachment per connection", c->name, h->name,
					    h->attachments[i].name, h->attachments[i].loc.line);
		}
		if (att->owner.ptr != NULL && hub_owner != NULL && att->owner.ptr != hub_owner)
			cfg_err(v->ctx, att->owner.loc, "vpn attachment '%s' is owned by '%s', "
			    "but only the hub owner '%s' may create vpn attachments (beh. 48)",
			    att->name, att->owner.name, hub_owner->name);
	} else {
		att->kind = CFG_ATT_PEERING;
		if (cfg_resolve(v, &att->peering, KB(CFG_K_HUB), "peer hub")) {
			struct cfg_hub *p = att->peering.ptr;

			if (p == h || p->kind != CFG_HUB_TGW)
				cfg_err(v->ctx, att->peering.loc, "peering must name another tgw "
				    "hub; '%s' is %s", p->name, p == h ? "this hub" : "a cen");
		}
	}
	if (att->owner.ptr != NULL)
		att->eff_owner = att->owner.ptr;
	if (att->eff_owner == NULL)
		att->eff_owner = hub_owner;
	/* RAM (beh. 46-47): another owner needs a share; acceptance decides the state. */
	if (h->kind == CFG_HUB_TGW && att->kind == CFG_ATT_VPC && att->eff_owner != NULL &&
	    hub_owner != NULL && att->eff_owner != hub_owner) {
		bool shared = false;

		for (i = 0; i < v->net->nshares && !shared; i++)
			if (v->net->shares[i].hub.name != NULL &&
			    strcmp(v->net->shares[i].hub.name, h->name) == 0)
				for (j = 0; j < v->net->shares[i].nwith && !shared; j++)
					shared = v->net->shares[i].with[j].name != NULL &&
					    strcmp(v->net->shares[i].with[j].name,
					    att->eff_owner->name) == 0;
		if (!shared)
			cfg_err(v->ctx, att->loc, "attachment '%s' belongs to owner '%s', but "
			    "hub '%s' is not shared with it; add a share (hub: %s, with: [%s])",
			    att->name, att->eff_owner->name, h->name, h->name,
			    att->eff_owner->name);
		else if (!att->accepted && !h->auto_accept)
			cfg_warn(v->ctx, att->loc, "attachment '%s' of owner '%s' stays "
			    "pendingAcceptance; set accepted: true or the hub's "
			    "auto_accept_shared_attachments (beh. 47)", att->name,
			    att->eff_owner->name);
	}
	if (h->kind != CFG_HUB_TGW)
		return;
	if (att->associate.name == NULL)
		att->assoc_mode = CFG_ASSOC_DEFAULT;
	else if (strcmp(att->associate.name, "none") == 0) {
		att->assoc_mode = CFG_ASSOC_NONE;
		att->associate.kind = CFG_K_NONE_KW;
	} else if ((att->assoc_table = hub_table(v, h, &att->associate)) != NULL)
		att->assoc_mode = CFG_ASSOC_TABLE;
	for (i = 0; i < att->npropagate; i++) {
		hub_table(v, h, &att->propagate[i]);
		for (j = 0; j < i; j++)
			if (strcmp(att->propagate[i].name, att->propagate[j].name) == 0)
				cfg_err(v->ctx, att->propagate[i].loc, "route table '%s' is "
				    "listed twice in propagate; list each table once",
				    att->propagate[i].name);
	}
}

/* A route's prefix list: one of its own hub's, else say whose it is. */
static void
hub_prefix_list(struct cfg_vctx *v, struct cfg_hub *h, struct cfg_ref *r)
{
	const char **cands;
	size_t i;

	for (i = 0; i < h->nprefix_lists; i++)
		if (h->prefix_lists[i].name != NULL &&
		    strcmp(h->prefix_lists[i].name, r->name) == 0) {
			r->kind = CFG_K_PREFIX_LIST;
			r->ptr = &h->prefix_lists[i];
			return;
		}
	if (cfg_vname(v, r->name) != NULL) {
		cfg_resolve(v, r, KB(CFG_K_PREFIX_LIST), "prefix list");
		if (r->ptr != NULL) {
			cfg_err(v->ctx, r->loc, "prefix list '%s' belongs to hub '%s'; a "
			    "route references a prefix list of its own hub", r->name,
			    ((struct cfg_prefix_list *)r->ptr)->hub->name);
			r->ptr = NULL;
			r->kind = CFG_K_NONE;
		}
		return;
	}
	cands = xreallocarray(NULL, h->nprefix_lists + 1, sizeof(*cands));
	for (i = 0; i < h->nprefix_lists; i++)
		cands[i] = h->prefix_lists[i].name;
	undefined(v, r, "prefix list", "a prefix list of this hub", cands,
	    h->nprefix_lists);
	free(cands);
}

static void
check_tgw_routes(struct cfg_vctx *v, struct cfg_hub *h, struct cfg_route_table *rt)
{
	char a[PREFIX_STRLEN];
	const char **cands;
	const struct cfg_name *nm;
	struct cfg_tgw_route *r, *o;
	size_t i, j;

	rt->hub = h;
	for (i = 0; i < rt->nroutes; i++) {
		r = &rt->routes[i];
		if ((r->dest_set || r->dest_loc.line != 0) == GIVEN(&r->prefix_list))
			cfg_err(v->ctx, r->loc, "a hub route needs exactly one of dest and "
			    "prefix_list");
		if (GIVEN(&r->target) == r->blackhole)
			cfg_err(v->ctx, r->loc, "a hub route needs exactly one of target (an "
			    "attachment) and blackhole: true");
		for (j = 0; j < i; j++) {
			o = &rt->routes[j];
			if ((r->dest_set && o->dest_set && prefix_eq(&r->dest, &o->dest)))
				cfg_err(v->ctx, r->dest_loc, "duplicate static route %s in route "
				    "table '%s' (first at line %d); a table holds one static "
				    "route per prefix (beh. 8)", prefix_fmt(&r->dest, a, sizeof(a)),
				    rt->name, o->loc.line);
			else if (r->prefix_list.name != NULL && o->prefix_list.name != NULL &&
			    strcmp(r->prefix_list.name, o->prefix_list.name) == 0)
				cfg_err(v->ctx, r->prefix_list.loc, "prefix list '%s' is "
				    "referenced twice in route table '%s' (first at line %d)",
				    r->prefix_list.name, rt->name, o->loc.line);
		}
		if (r->prefix_list.name != NULL)
			hub_prefix_list(v, h, &r->prefix_list);
		if (r->target.name == NULL)
			continue;
		for (j = 0; j < h->nattachments; j++)
			if (h->attachments[j].name != NULL &&
			    strcmp(h->attachments[j].name, r->target.name) == 0)
				break;
		if (j < h->nattachments) {
			r->target.kind = CFG_K_ATTACHMENT;
			r->target.ptr = &h->attachments[j];
			continue;
		}
		if (cfg_find_attachment(v->net, r->target.name) != NULL) {
			cfg_err(v->ctx, r->target.loc, "attachment '%s' belongs to another hub; "
			    "a static route of hub '%s' targets one of its own attachments",
			    r->target.name, h->name);
			continue;
		}
		if ((nm = cfg_vname(v, r->target.name)) != NULL) {
			cfg_err(v->ctx, r->target.loc, "route target '%s' is %s %s (line %d); "
			    "a hub route targets an attachment of hub '%s'", r->target.name,
			    nm->kind == CFG_K_OWNER ? "an" : "a", cfg_kind_name(nm->kind),
			    nm->loc.line, h->name);
			continue;
		}
		cands = xreallocarray(NULL, h->nattachments + 1, sizeof(*cands));
		for (j = 0; j < h->nattachments; j++)
			cands[j] = h->attachments[j].name;
		undefined(v, &r->target, "route target",
		    "an attachment of this hub", cands, h->nattachments);
		free(cands);
	}
}

/* Beh. 10: identical CIDRs may attach (the newcomer is not propagated); overlap not. */
static void
check_tgw_overlap(struct cfg_vctx *v, struct cfg_hub *h)
{
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];
	struct cfg_vpc *x, *y;
	size_t i, j, k, l;

	for (i = 0; i < h->nattachments; i++) {
		if ((x = h->attachments[i].vpc.ptr) == NULL ||
		    h->attachments[i].vpc.kind != CFG_K_VPC)
			continue;
		for (j = 0; j < i; j++) {
			if ((y = h->attachments[j].vpc.ptr) == NULL || y == x ||
			    h->attachments[j].vpc.kind != CFG_K_VPC)
				continue;
			for (k = 0; k < x->ncidrs; k++)
				for (l = 0; l < y->ncidrs; l++) {
					const struct prefix *p = &x->cidrs[k].pfx;
					const struct prefix *q = &y->cidrs[l].pfx;

					prefix_fmt(p, a, sizeof(a));
					prefix_fmt(q, b, sizeof(b));
					if (prefix_eq(p, q))
						cfg_warn(v->ctx, h->attachments[i].loc, "vpc '%s' "
						    "cidr %s is identical to that of vpc '%s', "
						    "attached earlier; hub '%s' will not propagate it "
						    "(beh. 10)", x->name, a, y->name, h->name);
					else if (prefix_overlaps(p, q))
						cfg_err(v->ctx, h->attachments[i].loc, "vpc '%s' "
						    "cidr %s overlaps cidr %s of vpc '%s', also attached "
						    "to hub '%s'; attached vpcs must not overlap "
						    "(identical cidrs are allowed)", x->name, a, b,
						    y->name, h->name);
				}
		}
	}
}

static void
check_cen(struct cfg_vctx *v, struct cfg_hub *h)
{
	char a[PREFIX_STRLEN];
	struct cfg_vpc *vpc;
	size_t i, j, k;

	for (i = 0; i < h->nregions; i++) {
		cfg_resolve(v, &h->regions[i], KB(CFG_K_REGION), "region");
		for (j = 0; j < i; j++)
			if (strcmp(h->regions[i].name, h->regions[j].name) == 0)
				cfg_err(v->ctx, h->regions[i].loc, "region '%s' is listed twice",
				    h->regions[i].name);
	}
	for (i = 0; i < h->nattachments; i++) {
		if ((vpc = h->attachments[i].vpc.ptr) == NULL || vpc->region.ptr == NULL)
			continue;
		for (j = 0; j < h->nregions; j++)
			if (h->regions[j].ptr == vpc->region.ptr)
				break;
		if (j == h->nregions)
			cfg_err(v->ctx, h->attachments[i].vpc.loc, "vpc '%s' is in region '%s', "
			    "which cen '%s' does not span; add the region to its regions",
			    vpc->name, vpc->region.name, h->name);
	}
	for (i = 0; i < h->npublish; i++) {
		struct cfg_publish *p = &h->publish[i];

		if (!cfg_resolve(v, &p->vpc, KB(CFG_K_VPC), "vpc"))
			continue;
		vpc = p->vpc.ptr;
		if (cfg_hub_vpc_attachment(h, vpc) == NULL) {
			cfg_err(v->ctx, p->vpc.loc, "vpc '%s' is not attached to cen '%s'; only "
			    "an attached vpc can publish routes", vpc->name, h->name);
			continue;
		}
		for (k = 0; k < vpc->nroutes; k++)
			if (prefix_eq(&vpc->routes[k].dest, &p->dest))
				p->route = &vpc->routes[k];
		if (p->route == NULL && p->dest.family != PFX_NONE)
			cfg_err(v->ctx, p->dest_loc, "vpc '%s' has no route to %s; publish "
			    "names the dest of one of the vpc's routes (beh. 39)", vpc->name,
			    prefix_fmt(&p->dest, a, sizeof(a)));
	}
	for (i = 0; i < h->nbandwidth; i++) {
		struct cfg_bandwidth *bw = &h->bandwidth[i];

		if (bw->nbetween != 2) {
			cfg_err(v->ctx, bw->loc, "'between' lists %zu region%s; a bandwidth "
			    "entry joins exactly two", bw->nbetween, bw->nbetween == 1 ? "" : "s");
			continue;
		}
		for (j = 0; j < 2; j++) {
			if (!cfg_resolve(v, &bw->between[j], KB(CFG_K_REGION), "region"))
				continue;
			for (k = 0; k < h->nregions; k++)
				if (h->regions[k].ptr == bw->between[j].ptr)
					break;
			if (k == h->nregions)
				cfg_err(v->ctx, bw->between[j].loc, "region '%s' is not one of "
				    "the regions of cen '%s'", bw->between[j].name, h->name);
		}
		if (strcmp(bw->between[0].name, bw->between[1].name) == 0)
			cfg_err(v->ctx, bw->loc, "a bandwidth entry joins two different "
			    "regions; both are '%s'", bw->between[0].name);
	}
}

static void
check_hub(struct cfg_vctx *v, struct cfg_hub *h)
{
	size_t i, j;

	cfg_resolve(v, &h->owner, KB(CFG_K_OWNER), "owner");
	if (h->kind == CFG_HUB_TGW) {
		cfg_resolve(v, &h->region, KB(CFG_K_REGION), "region");
		if (!((h->asn >= 64512 && h->asn <= 65534) || h->asn >= 4200000000U))
			cfg_err(v->ctx, h->asn_loc.line != 0 ? h->asn_loc : h->loc, "hub '%s' "
			    "asn %u is not a private ASN; allowed: "
			    "64512-65534 or 4200000000-4294967294", h->name, h->asn);
		for (i = 0; i < h->nroute_tables; i++)
			for (j = 0; j < i; j++)
				if (h->route_tables[i].name != NULL &&
				    h->route_tables[j].name != NULL &&
				    strcmp(h->route_tables[i].name, h->route_tables[j].name) == 0)
					cfg_err(v->ctx, h->route_tables[i].loc, "duplicate route "
					    "table '%s' in hub '%s' (first at line %d)",
					    h->route_tables[i].name, h->name,
					    h->route_tables[j].loc.line);
		ensure_default_table(h);
		h->default_table = cfg_find_route_table(h, h->default_route_table);
	}
	for (i = 0; i < h->nattachments; i++)
		if (h->attachments[i].name != NULL)
			check_attachment(v, h, &h->attachments[i]);
	if (h->kind == CFG_HUB_TGW) {
		for (i = 0; i < h->nroute_tables; i++)
			if (h->route_tables[i].name != NULL)
				check_tgw_routes(v, h, &h->route_tables[i]);
		check_tgw_overlap(v, h);
	}
}

void
cfg_validate(struct cfg_ctx *ctx, struct cfg_net *net)
{
	struct cfg_vctx v = { .ctx = ctx, .net = net };
	size_t i, j;

	if (net->version != CFG_VERSION && net->version != 0)
		cfg_err(ctx, net->loc, "version %u is not supported; this program reads "
		    "version %d", net->version, CFG_VERSION);
	build_names(&v);
	for (i = 0; i < net->nwan; i++) {
		struct cfg_wan *w = &net->wan[i];

		if (w->nbetween != 2) {
			cfg_err(ctx, w->loc, "'between' lists %zu region%s; a wan link joins "
			    "exactly two", w->nbetween, w->nbetween == 1 ? "" : "s");
			continue;
		}
		cfg_resolve(&v, &w->between[0], KB(CFG_K_REGION), "region");
		cfg_resolve(&v, &w->between[1], KB(CFG_K_REGION), "region");
		if (strcmp(w->between[0].name, w->between[1].name) == 0)
			cfg_err(ctx, w->loc, "a wan link joins two different regions; both "
			    "are '%s'", w->between[0].name);
	}
	for (i = 0; i < net->nvpcs; i++)
		if (net->vpcs[i].name != NULL)
			check_vpc(&v, &net->vpcs[i]);
	cfg_validate_gateways(&v);
	/* Back pointers first: a hub's routes may name another hub's objects. */
	for (i = 0; i < net->nhubs; i++)
		for (j = 0; j < net->hubs[i].nprefix_lists; j++)
			net->hubs[i].prefix_lists[j].hub = &net->hubs[i];
	for (i = 0; i < net->nhubs; i++)
		if (net->hubs[i].name != NULL)
			check_hub(&v, &net->hubs[i]);
	for (i = 0; i < net->nvpcs; i++)
		if (net->vpcs[i].name != NULL)
			check_vpc_routes(&v, &net->vpcs[i]);
	for (i = 0; i < net->nhubs; i++)
		if (net->hubs[i].kind == CFG_HUB_CEN && net->hubs[i].name != NULL)
			check_cen(&v, &net->hubs[i]);
	cfg_validate_connections(&v);
	cfg_validate_misc(&v);
	free(v.names);
}
