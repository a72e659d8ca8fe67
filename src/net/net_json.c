/*
 * net_json: `transitctl -j check`: the same tables as net_print, as JSON for scripts.
 *
 *   {"network": NAME, "valid": true,
 *    "tables": [{"name", "kind": "tgw"|"vpc", "owner": hub or vpc name,
 *                "routes": [{"cidr", "type", "state", "origin",
 *                            "targets": [{"name", "type", "tunnel"?}]}]}],
 *    "problems": [...]}
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "net/net.h"

struct walk {
	const struct net	*n;
	json_t			*routes;
	bool			 all;
	enum rt_table_kind	 kind;
};

static json_t *
target_json(const struct net *n, const struct rt_target *t)
{
	json_t *o = json_object();
	const char *type = NULL, *name;

	switch (t->kind) {
	case RT_TGT_BLACKHOLE:
		json_object_set_new(o, "type", json_string("blackhole"));
		return o;
	case RT_TGT_LOCAL:
		json_object_set_new(o, "type", json_string("local"));
		return o;
	default:
		break;
	}
	name = rt_ctx_resolve(n->rt, t->id, &type);
	json_object_set_new(o, "name", json_string(name != NULL ? name : "?"));
	json_object_set_new(o, "type", json_string(type != NULL ? type : "?"));
	if (t->tunnel != RT_TUN_NONE)
		json_object_set_new(o, "tunnel", json_integer(t->tunnel));
	return o;
}

static const char *
route_type(enum rt_table_kind k, enum rt_origin o)
{
	if (k == RT_TABLE_VPC)
		return o == RT_ORIGIN_LOCAL ? "system" : o == RT_ORIGIN_STATIC ? "custom" :
		    rt_origin_name(o);
	return o == RT_ORIGIN_STATIC ? "static" : "propagated";
}

static json_t *
route_json(const struct walk *w, const struct prefix *p, const struct rt_route *r)
{
	json_t *o = json_object();
	char pbuf[PREFIX_STRLEN];

	json_object_set_new(o, "cidr", json_string(prefix_fmt(p, pbuf, sizeof(pbuf))));
	json_object_set_new(o, "type", json_string(route_type(w->kind, r->origin)));
	json_object_set_new(o, "origin", json_string(rt_origin_name(r->origin)));
	json_object_set_new(o, "state", json_string(rt_status_name(r->status)));
	if (rt_origin_is_bgp(r->origin)) {
		json_object_set_new(o, "as_path_len", json_integer(r->as_path_len));
		json_object_set_new(o, "med", json_integer(r->med));
	}
	return o;
}

static void
active(void *arg, const struct prefix *p, uint32_t nh, const struct rt_route *win)
{
	struct walk *w = arg;
	const struct rt_nh *set = rt_nh_get(w->n->rt, nh);
	json_t *o, *targets;
	uint32_t i;

	if (set == NULL || win == NULL)
		return;
	o = route_json(w, p, win);
	targets = json_array();
	for (i = 0; i < set->n; i++)
		json_array_append_new(targets, target_json(w->n, &set->t[i]));
	json_object_set_new(o, "targets", targets);
	json_array_append_new(w->routes, o);
}

static void
every(void *arg, const struct prefix *p, const struct rt_route *r)
{
	struct walk *w = arg;
	json_t *o = route_json(w, p, r), *targets = json_array();

	json_array_append_new(targets, target_json(w->n, &r->target));
	json_object_set_new(o, "targets", targets);
	json_array_append_new(w->routes, o);
}

static json_t *
table_json(const struct net *n, struct rt_table *t, const char *display, const char *owner,
    unsigned flags)
{
	json_t *o = json_object();
	struct walk w = { n, json_array(), (flags & NET_PRINT_ALL) != 0, rt_table_kind(t) };

	json_object_set_new(o, "name", json_string(display));
	json_object_set_new(o, "kind", json_string(w.kind == RT_TABLE_VPC ? "vpc" : "tgw"));
	json_object_set_new(o, "owner", json_string(owner));
	if (w.all)
		rt_table_walk_all(t, every, &w);
	else
		rt_table_walk_active(t, active, &w);
	json_object_set_new(o, "routes", w.routes);
	return o;
}

int
net_print_json(FILE *f, const struct net *n, unsigned flags, const char *filter)
{
	const struct cfg_net *c = n->cfg;
	json_t *root = json_object(), *tables = json_array(), *problems = json_array();
	size_t i, k;
	int rc;

	json_object_set_new(root, "network", json_string(c->name));
	json_object_set_new(root, "valid", json_true());
	for (i = 0; i < c->nhubs; i++) {
		const struct net_hub *nh = &n->hubs[i];

		for (k = 0; nh->tables != NULL && k < nh->cfg->nroute_tables; k++) {
			const char *tn = nh->cfg->route_tables[k].name;

			if (nh->tables[k] == NULL || (filter != NULL && strcmp(filter, tn) != 0 &&
			    strcmp(filter, rt_table_name(nh->tables[k])) != 0))
				continue;
			json_array_append_new(tables, table_json(n, nh->tables[k], tn,
			    nh->cfg->name, flags));
		}
	}
	for (i = 0; i < c->nvpcs; i++) {
		if (n->vpcs[i].table == NULL ||
		    (filter != NULL && strcmp(filter, c->vpcs[i].name) != 0))
			continue;
		json_array_append_new(tables, table_json(n, n->vpcs[i].table, c->vpcs[i].name,
		    c->vpcs[i].name, flags));
	}
	json_object_set_new(root, "tables", tables);
	for (i = 0; i < n->nproblems; i++)
		json_array_append_new(problems, json_string(n->problems[i]));
	json_object_set_new(root, "problems", problems);
	rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', f);
	json_decref(root);
	return rc == 0 ? 0 : -1;
}
