/*
 * td_ctl: transitd's control commands (docs/control-protocol.md "transitd
 * commands"), registered in the ctl command table.  Handlers only read the daemon's
 * state or call the same functions as the signals do; the protocol module has
 * already checked every argument against the schemas below.
 *
 * `show sa-keys` returns key material: it is marked mutating so that the read-only
 * socket refuses it (the flag is the protocol's privilege bit), and transitctl only
 * asks for it with an explicit --keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "ctl/ctl_proto.h"
#include "daemon/td.h"
#include "esp/esp_sadb.h"

json_t *
td_counters_json(const struct td_counters *c)
{
	json_t *o = json_object(), *d = json_object();
	size_t i;

	json_object_set_new(o, "rx_packets", json_integer((json_int_t)c->rx_pkts));
	json_object_set_new(o, "rx_bytes", json_integer((json_int_t)c->rx_bytes));
	json_object_set_new(o, "tx_packets", json_integer((json_int_t)c->tx_pkts));
	json_object_set_new(o, "tx_bytes", json_integer((json_int_t)c->tx_bytes));
	json_object_set_new(o, "icmp_sent", json_integer((json_int_t)c->icmp_sent));
	for (i = 0; i < TD_DROP_COUNT; i++)
		if (c->drops[i] != 0)
			json_object_set_new(d, td_drop_name(i),
			    json_integer((json_int_t)c->drops[i]));
	for (i = 1; i < DP_IPV4_ERR_MAX; i++)
		if (c->parse[i] != 0) {
			char *k = xasprintf("parse_%s", dp_ipv4_err_name(i));

			json_object_set_new(d, k, json_integer((json_int_t)c->parse[i]));
			free(k);
		}
	json_object_set_new(o, "drops", d);
	return o;
}

static json_t *
prefixes_json(const struct prefix *p, size_t n)
{
	json_t *a = json_array();
	char pb[PREFIX_STRLEN];
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(prefix_fmt(&p[i], pb, sizeof(pb))));
	return a;
}

static json_t *
show_attachments(const json_t *args, void *ctx, struct ctl_error *err)
{
	struct td *td = ctx;
	json_t *a = json_array();
	char ab[64];
	size_t i;

	(void)args;
	(void)err;
	for (i = 0; i < td->natts; i++) {
		const struct td_att *at = td->atts[i];
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(at->name));
		json_object_set_new(o, "kind", json_string(td_att_kind_name(at->kind)));
		json_object_set_new(o, "gateway", json_string(at->gw_name));
		json_object_set_new(o, "vpc", json_string(at->vpc_name));
		json_object_set_new(o, "device", json_string(at->ifname));
		json_object_set_new(o, "netns", at->netns != NULL ?
		    json_string(at->netns) : json_null());
		json_object_set_new(o, "mtu", json_integer(at->mtu));
		json_object_set_new(o, "eni", json_string(at->eni.family == PFX_V4 ?
		    addr_fmt(&at->eni, ab, sizeof(ab)) : ""));
		json_object_set_new(o, "state", json_string(at->tun.fd != -1 ? "up" :
		    "down"));
		json_object_set_new(o, "routes", prefixes_json(at->routes, at->nroutes));
		json_object_set_new(o, "counters", td_counters_json(&at->c));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
show_route_tables(const json_t *args, void *ctx, struct ctl_error *err)
{
	struct td *td = ctx;
	const char *name = json_string_value(json_object_get(args, "name"));
	json_t *a = json_array();
	size_t i, n = rt_ctx_ntables(td->net->rt);

	for (i = 0; i < n; i++) {
		struct rt_table *t = rt_ctx_table_at(td->net->rt, i);
		struct rt_hub *h = rt_table_hub(t);
		json_t *o;

		if (name != NULL && strcmp(name, rt_table_name(t)) != 0 &&
		    (strchr(rt_table_name(t), '/') == NULL ||
		    strcmp(name, strchr(rt_table_name(t), '/') + 1) != 0))
			continue;
		o = json_object();
		json_object_set_new(o, "name", json_string(rt_table_name(t)));
		json_object_set_new(o, "kind", json_string(rt_table_kind(t) == RT_TABLE_VPC ?
		    "vpc" : "tgw"));
		json_object_set_new(o, "hub", h != NULL ? json_string(rt_hub_name(h)) :
		    json_null());
		json_object_set_new(o, "prefixes", json_integer((json_int_t)rt_table_count(t)));
		json_array_append_new(a, o);
	}
	if (name != NULL && json_array_size(a) == 0) {
		json_decref(a);
		ctl_error_set(err, CTL_E_NOT_FOUND, "no route table '%.64s'", name);
		return NULL;
	}
	return a;
}

static json_t *
show_routes(const json_t *args, void *ctx, struct ctl_error *err)
{
	struct td *td = ctx;
	const char *name = json_string_value(json_object_get(args, "table"));
	json_t *root, *tables, *r = NULL;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("open_memstream");
	/* net_print_json filters by the name shown (a hub's "default") or the engine's. */
	(void)net_print_json(f, td->net, 0, name);
	fclose(f);
	root = json_loadb(buf, len, 0, NULL);
	free(buf);
	tables = json_object_get(root, "tables");
	for (i = 0; i < json_array_size(tables); i++) {
		json_t *t = json_array_get(tables, i);

		if (r == NULL)
			r = json_array();
		json_array_append(r, t);
	}
	json_decref(root);
	if (r == NULL) {
		ctl_error_set(err, CTL_E_NOT_FOUND, "no route table '%.64s'", name);
		return NULL;
	}
	return r;
}

static const char *
tunnel_state(const struct td_tunnel *t)
{
	if (t->udp.fd == -1)
		return "down";
	if (!t->manual && !t->ike_up)
		return "ike-down";
	return td_tunnel_live(t) ? "up" : "no-sa";
}

static json_t *
show_tunnels(const json_t *args, void *ctx, struct ctl_error *err)
{
	struct td *td = ctx;
	json_t *a = json_array();
	char lb[64], pb[64];
	size_t i;

	(void)args;
	(void)err;
	for (i = 0; i < td->ntuns; i++) {
		const struct td_tunnel *t = td->tuns[i];
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(t->name));
		json_object_set_new(o, "connection", json_string(t->conn_name));
		json_object_set_new(o, "side", json_string(t->left ? "left" : "right"));
		json_object_set_new(o, "local", json_string(addr_fmt(&t->local, lb,
		    sizeof(lb))));
		json_object_set_new(o, "peer", json_string(addr_fmt(&t->peer, pb,
		    sizeof(pb))));
		json_object_set_new(o, "keying", json_string(t->manual ? "manual" : "ike"));
		json_object_set_new(o, "transform",
		    json_string(esp_xform_info(!t->manual && t->npairs > 0 ?
		    t->pairs[t->npairs - 1].xform : t->xform)->name));
		json_object_set_new(o, "mtu", json_integer(t->mtu));
		json_object_set_new(o, "mss", json_integer(t->mss));
		json_object_set_new(o, "state", json_string(tunnel_state(t)));
		json_object_set_new(o, "spi_in", json_integer(t->spi_in));
		json_object_set_new(o, "spi_out", json_integer(t->spi_out));
		json_object_set_new(o, "local_selectors", prefixes_json(t->ts_local,
		    t->n_local));
		json_object_set_new(o, "remote_selectors", prefixes_json(t->ts_remote,
		    t->n_remote));
		json_object_set_new(o, "counters", td_counters_json(&t->c));
		json_array_append_new(a, o);
	}
	return a;
}

struct sa_walk {
	const struct td_tunnel	*t;
	json_t			*a;
	bool			 keys;
};

static void
sa_one(struct esp_sa *sa, void *arg)
{
	struct sa_walk *w = arg;
	const struct td_tunnel *t = w->t;
	json_t *o = json_object(), *d = json_object();
	char lb[64], pb[64], hex[2 * ESP_MAX_KEYMAT_LEN + 3];
	size_t i;

	json_object_set_new(o, "tunnel", json_string(t->name));
	json_object_set_new(o, "spi", json_integer(sa->spi));
	json_object_set_new(o, "direction", json_string(sa->dir == ESP_DIR_IN ? "in" :
	    "out"));
	/* Outer addresses as the packets carry them (what a capture filter needs). */
	json_object_set_new(o, "src", json_string(addr_fmt(sa->dir == ESP_DIR_OUT ?
	    &t->local : &t->peer, lb, sizeof(lb))));
	json_object_set_new(o, "dst", json_string(addr_fmt(sa->dir == ESP_DIR_OUT ?
	    &t->peer : &t->local, pb, sizeof(pb))));
	json_object_set_new(o, "transform", json_string(sa->xf.info->name));
	json_object_set_new(o, "state", json_string(sa->dead ? "dead" : "live"));
	json_object_set_new(o, "packets", json_integer((json_int_t)sa->stats.packets));
	json_object_set_new(o, "bytes", json_integer((json_int_t)sa->stats.bytes));
	json_object_set_new(o, "seq", json_integer((json_int_t)sa->seq));
	for (i = 1; i < ESP_DROP_COUNT; i++)
		if (sa->stats.drops[i] != 0)
			json_object_set_new(d, esp_drop_str(i),
			    json_integer((json_int_t)sa->stats.drops[i]));
	json_object_set_new(o, "drops", d);
	if (w->keys && !sa->dead) {
		hex[0] = '0';
		hex[1] = 'x';
		for (i = 0; i < sa->xf.keymat_len; i++)
			snprintf(hex + 2 + 2 * i, 3, "%02x", sa->xf.keymat[i]);
		json_object_set_new(o, "key", json_string(hex));
	}
	json_array_append_new(w->a, o);
}

static json_t *
sas(struct td *td, bool keys)
{
	struct sa_walk w = { NULL, json_array(), keys };
	size_t i;

	for (i = 0; i < td->ntuns; i++) {
		w.t = td->tuns[i];
		if (td->tuns[i]->sadb != NULL)
			esp_sadb_foreach(td->tuns[i]->sadb, sa_one, &w);
	}
	return w.a;
}

static json_t *
show_sas(const json_t *args, void *ctx, struct ctl_error *err)
{
	(void)args;
	(void)err;
	return sas(ctx, false);
}

static json_t *
show_sa_keys(const json_t *args, void *ctx, struct ctl_error *err)
{
	(void)args;
	(void)err;
	return sas(ctx, true);
}

static json_t *
show_counters(const json_t *args, void *ctx, struct ctl_error *err)
{
	struct td *td = ctx;
	struct td_counters tot;
	json_t *o = json_object(), *a = json_object(), *t = json_object();
	size_t i, k;

	(void)args;
	(void)err;
	memset(&tot, 0, sizeof(tot));
	for (i = 0; i < td->natts + td->ntuns; i++) {
		const struct td_counters *c = i < td->natts ? &td->atts[i]->c :
		    &td->tuns[i - td->natts]->c;

		tot.rx_pkts += c->rx_pkts;
		tot.rx_bytes += c->rx_bytes;
		tot.tx_pkts += c->tx_pkts;
		tot.tx_bytes += c->tx_bytes;
		tot.icmp_sent += c->icmp_sent;
		for (k = 0; k < TD_DROP_COUNT; k++)
			tot.drops[k] += c->drops[k];
		for (k = 0; k < DP_IPV4_ERR_MAX; k++)
			tot.parse[k] += c->parse[k];
		if (i < td->natts)
			json_object_set_new(a, td->atts[i]->name, td_counters_json(c));
		else
			json_object_set_new(t, td->tuns[i - td->natts]->name,
			    td_counters_json(c));
	}
	json_object_set_new(o, "total", td_counters_json(&tot));
	json_object_set_new(o, "attachments", a);
	json_object_set_new(o, "tunnels", t);
	json_object_set_new(o, "reloads", json_integer((json_int_t)td->reloads));
	if (td->wan != NULL) {
		const struct td_wan_stats *w = td_wan_stats(td->wan);

		json_object_set_new(o, "wan", json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}",
		    "held", (json_int_t)w->held, "released", (json_int_t)w->released,
		    "drop_loss", (json_int_t)w->drop_loss,
		    "drop_rate", (json_int_t)w->drop_rate,
		    "drop_full", (json_int_t)w->drop_full,
		    "drop_gone", (json_int_t)w->drop_gone));
	}
	return o;
}

static json_t *
cmd_reload(const json_t *args, void *ctx, struct ctl_error *err)
{
	struct td *td = ctx;
	json_t *errs, *o;
	char msg[480];
	size_t i, off = 0;

	(void)args;
	if ((errs = td_reload(td, false)) == NULL) {
		o = json_object();
		json_object_set_new(o, "reloaded", json_true());
		json_object_set_new(o, "attachments", json_integer((json_int_t)td->natts));
		json_object_set_new(o, "tunnels", json_integer((json_int_t)td->ntuns));
		return o;
	}
	msg[0] = '\0';
	for (i = 0; i < json_array_size(errs) && off < sizeof(msg); i++) {
		int n = snprintf(msg + off, sizeof(msg) - off, "%s%s", i > 0 ? "\n" : "",
		    json_string_value(json_array_get(errs, i)));

		if (n < 0)
			break;
		off += (size_t)n;
	}
	ctl_error_set(err, CTL_E_FAILED, "invalid network file, nothing changed:\n%s", msg);
	json_decref(errs);
	return NULL;
}

static struct td_tunnel *
find_tunnel(struct td *td, const json_t *args, struct ctl_error *err)
{
	const char *name = json_string_value(json_object_get(args, "tunnel"));
	size_t i;

	for (i = 0; i < td->ntuns; i++)
		if (strcmp(td->tuns[i]->name, name) == 0)
			return td->tuns[i];
	ctl_error_set(err, CTL_E_NOT_FOUND, "no tunnel '%.64s' on this node (names are "
	    "CONNECTION/N)", name);
	return NULL;
}

static json_t *
cmd_sa_delete(const json_t *args, void *ctx, struct ctl_error *err)
{
	struct td *td = ctx;
	struct td_tunnel *t;
	json_t *o;
	size_t n;

	if ((t = find_tunnel(td, args, err)) == NULL)
		return NULL;
	n = td_tunnel_sa_delete(t);
	log_info("tunnel %s: %zu SA(s) deleted by request; dropping its traffic", t->name, n);
	o = json_object();
	json_object_set_new(o, "tunnel", json_string(t->name));
	json_object_set_new(o, "deleted", json_integer((json_int_t)n));
	return o;
}

static json_t *
cmd_sa_install(const json_t *args, void *ctx, struct ctl_error *err)
{
	struct td *td = ctx;
	struct td_tunnel *t;
	char e[256];
	json_t *o;

	if ((t = find_tunnel(td, args, err)) == NULL)
		return NULL;
	if (td_tunnel_sa_install(t, e, sizeof(e)) == -1) {
		ctl_error_set(err, CTL_E_FAILED, "%s", e);
		return NULL;
	}
	o = json_object();
	json_object_set_new(o, "tunnel", json_string(t->name));
	json_object_set_new(o, "spi_in", json_integer(t->spi_in));
	json_object_set_new(o, "spi_out", json_integer(t->spi_out));
	return o;
}

static const struct ctl_arg args_name[] = {
	{ "name", CTL_ARG_STRING, false },
};
static const struct ctl_arg args_table[] = {
	{ "table", CTL_ARG_STRING, true },
};
static const struct ctl_arg args_tunnel[] = {
	{ "tunnel", CTL_ARG_STRING, true },
};

static const struct ctl_cmd td_cmds[] = {
	{ "show attachments", show_attachments, false,
	    "attachments of this node: device, namespace, routes, counters", NULL, 0 },
	{ "show route-tables", show_route_tables, false,
	    "route tables (optionally one by name) with their prefix counts",
	    args_name, 1 },
	{ "show routes", show_routes, false, "the active routes of one table",
	    args_table, 1 },
	{ "show tunnels", show_tunnels, false,
	    "tunnels of this node: addresses, keying, state, counters", NULL, 0 },
	{ "show sas", show_sas, false, "ESP SAs with counters (no keys)", NULL, 0 },
	{ "show sa-keys", show_sa_keys, true,
	    "ESP SAs with their key material (main socket only)", NULL, 0 },
	{ "show counters", show_counters, false,
	    "packet, byte and drop counters per attachment and tunnel", NULL, 0 },
	{ "reload", cmd_reload, true,
	    "re-read the network file; invalid: nothing changes", NULL, 0 },
	{ "sa delete", cmd_sa_delete, true,
	    "delete a tunnel's SAs (its traffic is dropped: fail closed)",
	    args_tunnel, 1 },
	{ "sa install", cmd_sa_install, true,
	    "re-derive and install a manually keyed tunnel's SAs", args_tunnel, 1 },
};

int
td_ctl_register(struct td *td)
{
	size_t i;

	for (i = 0; i < sizeof(td_cmds) / sizeof(td_cmds[0]); i++)
		if (ctl_proto_register(td->proto, &td_cmds[i], td) == -1)
			return -1;
	return td_ike_ctl_register(td);
}
