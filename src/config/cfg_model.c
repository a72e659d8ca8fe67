/*
 * cfg_model: freeing, comparing and looking up a loaded network model.  Free and
 * compare walk the schema tables (cfg_schema.c), so a field added there is freed and
 * compared without touching this file.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/util.h"
#include "config/cfg.h"
#include "config/cfg_impl.h"

void
cfg_obj_free(const struct cfg_schema *s, void *obj)
{
	const struct cfg_field *f;
	struct cfg_ref *refs;
	char *arr;
	size_t i, j, n;

	for (i = 0; i < s->nfields; i++) {
		f = &s->fields[i];
		switch (f->type) {
		case FT_STR:
		case FT_NAME:
			free(*FIELD_PTR(obj, f->off, char *));
			break;
		case FT_REF:
			free(FIELD_PTR(obj, f->off, struct cfg_ref)->name);
			break;
		case FT_REFLIST:
			refs = *FIELD_PTR(obj, f->off, struct cfg_ref *);
			n = *FIELD_PTR(obj, f->cnt_off, size_t);
			for (j = 0; j < n; j++)
				free(refs[j].name);
			free(refs);
			break;
		case FT_PFXLIST:
		case FT_ADDRLIST:
			free(*FIELD_PTR(obj, f->off, void *));
			break;
		case FT_LIST:
			arr = *FIELD_PTR(obj, f->off, char *);
			n = *FIELD_PTR(obj, f->cnt_off, size_t);
			for (j = 0; j < n; j++)
				cfg_obj_free(f->sub, arr + j * f->sub->size);
			free(arr);
			break;
		case FT_OBJ:
			cfg_obj_free(f->sub, FIELD_PTR(obj, f->off, void));
			break;
		default:
			break;
		}
	}
}

static void
wipe(char *s)
{
	if (s != NULL)
		OPENSSL_cleanse(s, strlen(s));
}

void
cfg_free(struct cfg_net *net)
{
	struct cfg_vpn_connection *c;
	size_t i, k;

	if (net == NULL)
		return;
	/* Keys are wiped before the schema walk frees them. */
	for (i = 0; i < net->nvpn_connections; i++) {
		c = &net->vpn_connections[i];
		for (k = 0; k < c->ntunnels; k++) {
			wipe(c->tunnels[k].psk);
			wipe(c->tunnels[k].psk_loaded);
			free(c->tunnels[k].psk_loaded);
		}
	}
	cfg_obj_free(&cfg_schema_net, net);
	free(net->file);
	free(net);
}

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

bool
cfg_obj_equal(const struct cfg_schema *s, const void *a, const void *b)
{
	const struct cfg_field *f;
	const struct cfg_ref *ra, *rb;
	const struct cfg_prefix *pa, *pb;
	const struct cfg_addr *aa, *ab;
	const char *la, *lb;
	size_t i, j, n;

	for (i = 0; i < s->nfields; i++) {
		f = &s->fields[i];
		if (f->set_off != 0 && *FIELD_CPTR(a, f->set_off, bool) !=
		    *FIELD_CPTR(b, f->set_off, bool))
			return false;
		switch (f->type) {
		case FT_STR:
		case FT_NAME:
			if (!str_eq(*FIELD_CPTR(a, f->off, char *), *FIELD_CPTR(b, f->off, char *)))
				return false;
			break;
		case FT_U32:
			if (*FIELD_CPTR(a, f->off, uint32_t) != *FIELD_CPTR(b, f->off, uint32_t))
				return false;
			break;
		case FT_DBL:
			if (*FIELD_CPTR(a, f->off, double) != *FIELD_CPTR(b, f->off, double))
				return false;
			break;
		case FT_BOOL:
			if (*FIELD_CPTR(a, f->off, bool) != *FIELD_CPTR(b, f->off, bool))
				return false;
			break;
		case FT_ENUM:
			if (*FIELD_CPTR(a, f->off, int) != *FIELD_CPTR(b, f->off, int))
				return false;
			break;
		case FT_PREFIX:
			if (!prefix_eq(FIELD_CPTR(a, f->off, struct prefix),
			    FIELD_CPTR(b, f->off, struct prefix)))
				return false;
			break;
		case FT_ADDR:
			if (!addr_eq(FIELD_CPTR(a, f->off, struct ipaddr),
			    FIELD_CPTR(b, f->off, struct ipaddr)))
				return false;
			break;
		case FT_REF:
			if (!str_eq(FIELD_CPTR(a, f->off, struct cfg_ref)->name,
			    FIELD_CPTR(b, f->off, struct cfg_ref)->name))
				return false;
			break;
		case FT_REFLIST:
		case FT_PFXLIST:
		case FT_ADDRLIST:
		case FT_LIST:
			n = *FIELD_CPTR(a, f->cnt_off, size_t);
			if (n != *FIELD_CPTR(b, f->cnt_off, size_t))
				return false;
			for (j = 0; j < n; j++) {
				if (f->type == FT_REFLIST) {
					ra = *FIELD_CPTR(a, f->off, struct cfg_ref *);
					rb = *FIELD_CPTR(b, f->off, struct cfg_ref *);
					if (!str_eq(ra[j].name, rb[j].name))
						return false;
				} else if (f->type == FT_PFXLIST) {
					pa = *FIELD_CPTR(a, f->off, struct cfg_prefix *);
					pb = *FIELD_CPTR(b, f->off, struct cfg_prefix *);
					if (!prefix_eq(&pa[j].pfx, &pb[j].pfx))
						return false;
				} else if (f->type == FT_ADDRLIST) {
					aa = *FIELD_CPTR(a, f->off, struct cfg_addr *);
					ab = *FIELD_CPTR(b, f->off, struct cfg_addr *);
					if (!addr_eq(&aa[j].addr, &ab[j].addr))
						return false;
				} else {
					la = *FIELD_CPTR(a, f->off, char *);
					lb = *FIELD_CPTR(b, f->off, char *);
					if (s->implicit_off == 0 && f->sub->implicit_off != 0 &&
					    *FIELD_CPTR(la + j * f->sub->size,
					    f->sub->implicit_off, bool) !=
					    *FIELD_CPTR(lb + j * f->sub->size,
					    f->sub->implicit_off, bool))
						return false;
					if (!cfg_obj_equal(f->sub, la + j * f->sub->size,
					    lb + j * f->sub->size))
						return false;
				}
			}
			break;
		case FT_OBJ:
			if (!cfg_obj_equal(f->sub, FIELD_CPTR(a, f->off, void),
			    FIELD_CPTR(b, f->off, void)))
				return false;
			break;
		}
	}
	return true;
}

bool
cfg_equal(const struct cfg_net *a, const struct cfg_net *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return cfg_obj_equal(&cfg_schema_net, a, b);
}

/* ---- lookups ------------------------------------------------------------ */

#define SCAN(arr, n, nm)						\
	do {								\
		size_t i_;						\
		if ((nm) == NULL)					\
			return NULL;					\
		for (i_ = 0; i_ < (n); i_++)				\
			if ((arr)[i_].name != NULL && strcmp((arr)[i_].name, nm) == 0) \
				return &(arr)[i_];			\
	} while (0)

struct cfg_owner *
cfg_find_owner(const struct cfg_net *net, const char *name)
{
	SCAN(net->owners, net->nowners, name);
	return NULL;
}

struct cfg_region *
cfg_find_region(const struct cfg_net *net, const char *name)
{
	SCAN(net->regions, net->nregions, name);
	return NULL;
}

struct cfg_vpc *
cfg_find_vpc(const struct cfg_net *net, const char *name)
{
	SCAN(net->vpcs, net->nvpcs, name);
	return NULL;
}

struct cfg_subnet *
cfg_find_subnet(const struct cfg_net *net, const char *name)
{
	size_t i;

	for (i = 0; i < net->nvpcs; i++)
		SCAN(net->vpcs[i].subnets, net->vpcs[i].nsubnets, name);
	return NULL;
}

struct cfg_host *
cfg_find_host(const struct cfg_net *net, const char *name)
{
	size_t i;

	for (i = 0; i < net->nvpcs; i++)
		SCAN(net->vpcs[i].hosts, net->vpcs[i].nhosts, name);
	return NULL;
}

struct cfg_hub *
cfg_find_hub(const struct cfg_net *net, const char *name)
{
	SCAN(net->hubs, net->nhubs, name);
	return NULL;
}

struct cfg_attachment *
cfg_find_attachment(const struct cfg_net *net, const char *name)
{
	size_t i;

	for (i = 0; i < net->nhubs; i++)
		SCAN(net->hubs[i].attachments, net->hubs[i].nattachments, name);
	return NULL;
}

struct cfg_prefix_list *
cfg_find_prefix_list(const struct cfg_net *net, const char *name)
{
	size_t i;

	for (i = 0; i < net->nhubs; i++)
		SCAN(net->hubs[i].prefix_lists, net->hubs[i].nprefix_lists, name);
	return NULL;
}

struct cfg_vpn_gateway *
cfg_find_vpn_gateway(const struct cfg_net *net, const char *name)
{
	SCAN(net->vpn_gateways, net->nvpn_gateways, name);
	return NULL;
}

struct cfg_vpn_connection *
cfg_find_vpn_connection(const struct cfg_net *net, const char *name)
{
	SCAN(net->vpn_connections, net->nvpn_connections, name);
	return NULL;
}

struct cfg_node *
cfg_find_node(const struct cfg_net *net, const char *name)
{
	SCAN(net->nodes, net->nnodes, name);
	return NULL;
}

struct cfg_route_table *
cfg_find_route_table(const struct cfg_hub *hub, const char *name)
{
	SCAN(hub->route_tables, hub->nroute_tables, name);
	return NULL;
}

struct cfg_obj
cfg_find(const struct cfg_net *net, const char *name)
{
	struct cfg_obj o = { CFG_K_NONE, NULL };

	if (name == NULL)
		return o;
#define TRY(k, fn)	if ((o.ptr = fn(net, name)) != NULL) { o.kind = k; return o; }
	TRY(CFG_K_OWNER, cfg_find_owner);
	TRY(CFG_K_REGION, cfg_find_region);
	TRY(CFG_K_VPC, cfg_find_vpc);
	TRY(CFG_K_SUBNET, cfg_find_subnet);
	TRY(CFG_K_HOST, cfg_find_host);
	TRY(CFG_K_HUB, cfg_find_hub);
	TRY(CFG_K_PREFIX_LIST, cfg_find_prefix_list);
	TRY(CFG_K_ATTACHMENT, cfg_find_attachment);
	TRY(CFG_K_VPN_GATEWAY, cfg_find_vpn_gateway);
	TRY(CFG_K_VPN_CONNECTION, cfg_find_vpn_connection);
	TRY(CFG_K_NODE, cfg_find_node);
#undef TRY
	return o;
}

struct cfg_attachment *
cfg_hub_vpc_attachment(const struct cfg_hub *hub, const struct cfg_vpc *vpc)
{
	size_t i;

	for (i = 0; i < hub->nattachments; i++)
		if (hub->attachments[i].kind == CFG_ATT_VPC &&
		    hub->attachments[i].vpc.ptr == vpc)
			return &hub->attachments[i];
	return NULL;
}

struct cfg_node *
cfg_runner(const struct cfg_net *net, const void *gw)
{
	size_t i, j;

	for (i = 0; i < net->nnodes; i++)
		for (j = 0; j < net->nodes[i].nruns; j++)
			if (net->nodes[i].runs[j].ptr == gw)
				return &net->nodes[i];
	return NULL;
}
