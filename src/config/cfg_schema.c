/*
 * cfg_schema: the network file schema, version 1 (docs/network-file.md), as tables.
 * Key order here is the canonical print order; defaults here are the documented
 * defaults.  Keep this file and the doc in step.
 */
#include <stddef.h>
#include <stdint.h>

#include "config/cfg.h"
#include "config/cfg_impl.h"

#define U32MAX	4294967295LL

static const char *const clouds[] = { "none", "aws", "gcp", "alibaba", "onprem", NULL };
static const char *const hub_kinds[] = { "tgw", "cen", NULL };
static const char *const advertise[] = { "all_subnets", "custom", NULL };
static const char *const profiles[] = { "aws", "gcp", "alibaba", NULL };
static const char *const routings[] = { "static", "bgp", NULL };
static const char *const keyings[] = { "ike", "manual", NULL };
static const char *const startups[] = { "add", "start", "auto", NULL };
static const char *const dpd_actions[] = { "clear", "restart", "none", NULL };

#define SCHEMA(var, w, st, arr)	\
	static const struct cfg_schema var = { w, sizeof(st), arr,	\
	    sizeof(arr) / sizeof(arr[0]), -1, 0 }

#define NAME(st)	{ .key = "name", .type = FT_NAME, .flags = FF_REQ,	\
	    .off = offsetof(st, name) }
#define REF(k, st, m, fl, w)	{ .key = k, .type = FT_REF, .flags = fl,	\
	    .off = offsetof(st, m), .what = w }
#define REFLIST(k, st, m, fl, w) { .key = k, .type = FT_REFLIST, .flags = fl,	\
	    .off = offsetof(st, m), .cnt_off = offsetof(st, n##m), .what = w }
#define PFXLIST(k, st, m, fl)	{ .key = k, .type = FT_PFXLIST, .flags = fl,	\
	    .off = offsetof(st, m), .cnt_off = offsetof(st, n##m) }
#define LIST(k, st, m, fl, sch)	{ .key = k, .type = FT_LIST, .flags = fl,	\
	    .off = offsetof(st, m), .cnt_off = offsetof(st, n##m), .sub = &sch }
#define U32(k, st, m, fl, lo, hi, d)	{ .key = k, .type = FT_U32, .flags = fl,	\
	    .off = offsetof(st, m), .min = lo, .max = hi, .def = d }
#define U32L(k, st, m, fl, lo, hi, d)	{ .key = k, .type = FT_U32, .flags = fl,	\
	    .off = offsetof(st, m), .min = lo, .max = hi, .def = d,	\
	    .loc_off = offsetof(st, m##_loc) }
#define BOOL(k, st, m, fl, d)	{ .key = k, .type = FT_BOOL, .flags = fl,	\
	    .off = offsetof(st, m), .def = d }
#define ENUM(k, st, m, fl, tab, d, w)	{ .key = k, .type = FT_ENUM, .flags = fl,	\
	    .off = offsetof(st, m), .enums = tab, .def = d, .what = w }

/* owners, regions, wan */
static const struct cfg_field owner_f[] = {
	NAME(struct cfg_owner),
	ENUM("cloud", struct cfg_owner, cloud, 0, clouds, CFG_CLOUD_NONE, "cloud"),
};
SCHEMA(owner_s, "owner", struct cfg_owner, owner_f);

static const struct cfg_field region_f[] = {
	NAME(struct cfg_region),
	ENUM("cloud", struct cfg_region, cloud, FF_REQ, clouds, CFG_CLOUD_NONE, "cloud"),
};
SCHEMA(region_s, "region", struct cfg_region, region_f);

static const struct cfg_field wan_f[] = {
	REFLIST("between", struct cfg_wan, between, FF_REQ, "region"),
	{ .key = "delay_ms", .type = FT_DBL, .off = offsetof(struct cfg_wan, delay_ms),
	  .dmin = 0, .dmax = 60000 },
	{ .key = "loss_pct", .type = FT_DBL, .off = offsetof(struct cfg_wan, loss_pct),
	  .dmin = 0, .dmax = 100 },
	U32("rate_kbps", struct cfg_wan, rate_kbps, 0, 0, U32MAX, 0),
};
SCHEMA(wan_s, "wan link", struct cfg_wan, wan_f);

/* vpcs */
static const struct cfg_field subnet_f[] = {
	NAME(struct cfg_subnet),
	{ .key = "cidr", .type = FT_PREFIX, .flags = FF_REQ,
	  .off = offsetof(struct cfg_subnet, cidr),
	  .loc_off = offsetof(struct cfg_subnet, cidr_loc) },
};
SCHEMA(subnet_s, "subnet", struct cfg_subnet, subnet_f);

static const struct cfg_field vpc_route_f[] = {
	{ .key = "dest", .type = FT_PREFIX, .flags = FF_REQ,
	  .off = offsetof(struct cfg_vpc_route, dest),
	  .loc_off = offsetof(struct cfg_vpc_route, dest_loc) },
	REF("target", struct cfg_vpc_route, target, FF_REQ, "route target"),
};
SCHEMA(vpc_route_s, "vpc route", struct cfg_vpc_route, vpc_route_f);

static const struct cfg_field host_f[] = {
	NAME(struct cfg_host),
	{ .key = "address", .type = FT_ADDR, .flags = FF_REQ,
	  .off = offsetof(struct cfg_host, address),
	  .loc_off = offsetof(struct cfg_host, address_loc) },
};
SCHEMA(host_s, "host", struct cfg_host, host_f);

static const struct cfg_field vpc_f[] = {
	NAME(struct cfg_vpc),
	REF("region", struct cfg_vpc, region, FF_REQ, "region"),
	REF("owner", struct cfg_vpc, owner, 0, "owner"),
	{ .key = "cidrs", .type = FT_PFXLIST, .flags = FF_REQ,
	  .off = offsetof(struct cfg_vpc, cidrs), .cnt_off = offsetof(struct cfg_vpc, ncidrs),
	  .set_off = offsetof(struct cfg_vpc, cidrs_set) },
	LIST("subnets", struct cfg_vpc, subnets, 0, subnet_s),
	LIST("routes", struct cfg_vpc, routes, 0, vpc_route_s),
	LIST("hosts", struct cfg_vpc, hosts, 0, host_s),
};
SCHEMA(vpc_s, "vpc", struct cfg_vpc, vpc_f);

/* hubs */
static const struct cfg_field tgw_route_f[] = {
	{ .key = "dest", .type = FT_PREFIX, .off = offsetof(struct cfg_tgw_route, dest),
	  .set_off = offsetof(struct cfg_tgw_route, dest_set),
	  .loc_off = offsetof(struct cfg_tgw_route, dest_loc) },
	REF("prefix_list", struct cfg_tgw_route, prefix_list, 0, "prefix list"),
	REF("target", struct cfg_tgw_route, target, 0, "attachment"),
	BOOL("blackhole", struct cfg_tgw_route, blackhole, 0, 0),
};
SCHEMA(tgw_route_s, "hub route", struct cfg_tgw_route, tgw_route_f);

static const struct cfg_field route_table_f[] = {
	NAME(struct cfg_route_table),
	LIST("routes", struct cfg_route_table, routes, 0, tgw_route_s),
};
static const struct cfg_schema route_table_s = { "route table",
	sizeof(struct cfg_route_table), route_table_f, 2, -1,
	offsetof(struct cfg_route_table, implicit) };

static const struct cfg_field prefix_list_f[] = {
	NAME(struct cfg_prefix_list),
	PFXLIST("entries", struct cfg_prefix_list, entries, FF_REQ),
};
SCHEMA(prefix_list_s, "prefix list", struct cfg_prefix_list, prefix_list_f);

static const struct cfg_field attachment_f[] = {
	NAME(struct cfg_attachment),
	REF("vpc", struct cfg_attachment, vpc, 0, "vpc"),
	REF("vpn", struct cfg_attachment, vpn, 0, "vpn connection"),
	REF("peering", struct cfg_attachment, peering, 0, "hub"),
	REF("owner", struct cfg_attachment, owner, 0, "owner"),
	BOOL("accepted", struct cfg_attachment, accepted, 0, 0),
	REF("associate", struct cfg_attachment, associate, 0, "route table"),
	{ .key = "propagate", .type = FT_REFLIST,
	  .off = offsetof(struct cfg_attachment, propagate),
	  .cnt_off = offsetof(struct cfg_attachment, npropagate),
	  .set_off = offsetof(struct cfg_attachment, propagate_set),
	  .what = "route table" },
};
SCHEMA(attachment_s, "attachment", struct cfg_attachment, attachment_f);

static const struct cfg_field publish_f[] = {
	REF("vpc", struct cfg_publish, vpc, FF_REQ, "vpc"),
	{ .key = "dest", .type = FT_PREFIX, .flags = FF_REQ,
	  .off = offsetof(struct cfg_publish, dest),
	  .loc_off = offsetof(struct cfg_publish, dest_loc) },
};
SCHEMA(publish_s, "publish entry", struct cfg_publish, publish_f);

static const struct cfg_field bandwidth_f[] = {
	REFLIST("between", struct cfg_bandwidth, between, FF_REQ, "region"),
	U32("kbps", struct cfg_bandwidth, kbps, 0, 1, U32MAX, 1),
};
SCHEMA(bandwidth_s, "bandwidth entry", struct cfg_bandwidth, bandwidth_f);

static const struct cfg_field hub_f[] = {
	NAME(struct cfg_hub),
	ENUM("kind", struct cfg_hub, kind, FF_REQ, hub_kinds, CFG_HUB_TGW, "hub kind"),
	REF("owner", struct cfg_hub, owner, 0, "owner"),
	REF("region", struct cfg_hub, region, FF_REQ | FF_TGW, "region"),
	U32L("asn", struct cfg_hub, asn, FF_TGW, 1, 4294967294LL, 64512),
	BOOL("default_association", struct cfg_hub, default_association, FF_TGW, 1),
	BOOL("default_propagation", struct cfg_hub, default_propagation, FF_TGW, 1),
	{ .key = "default_route_table", .type = FT_NAME, .flags = FF_TGW,
	  .off = offsetof(struct cfg_hub, default_route_table), .sdef = "default" },
	BOOL("auto_accept_shared_attachments", struct cfg_hub, auto_accept, FF_TGW, 0),
	BOOL("ecmp", struct cfg_hub, ecmp, FF_TGW, 1),
	LIST("route_tables", struct cfg_hub, route_tables, FF_TGW, route_table_s),
	LIST("prefix_lists", struct cfg_hub, prefix_lists, FF_TGW, prefix_list_s),
	REFLIST("regions", struct cfg_hub, regions, FF_REQ | FF_CEN, "region"),
	BOOL("ttl_transparent", struct cfg_hub, ttl_transparent, FF_CEN, 1),
	LIST("attachments", struct cfg_hub, attachments, 0, attachment_s),
	LIST("publish", struct cfg_hub, publish, FF_CEN, publish_s),
	LIST("bandwidth", struct cfg_hub, bandwidth, FF_CEN, bandwidth_s),
	U32("route_quota", struct cfg_hub, route_quota, FF_CEN, 1, U32MAX, 100),
};
static const struct cfg_schema hub_s = { "hub", sizeof(struct cfg_hub), hub_f,
	sizeof(hub_f) / sizeof(hub_f[0]), 1, 0 };

/* vpn gateways and connections */
static const struct cfg_field vpn_gateway_f[] = {
	NAME(struct cfg_vpn_gateway),
	REF("region", struct cfg_vpn_gateway, region, FF_REQ, "region"),
	REF("vpc", struct cfg_vpn_gateway, vpc, 0, "vpc"),
	REF("owner", struct cfg_vpn_gateway, owner, 0, "owner"),
	U32("asn", struct cfg_vpn_gateway, asn, 0, 0, 4294967294LL, 0),
	{ .key = "interfaces", .type = FT_ADDRLIST,
	  .off = offsetof(struct cfg_vpn_gateway, interfaces),
	  .cnt_off = offsetof(struct cfg_vpn_gateway, ninterfaces) },
	ENUM("advertise", struct cfg_vpn_gateway, advertise, 0, advertise,
	    CFG_ADV_ALL_SUBNETS, "advertise mode"),
	PFXLIST("advertise_prefixes", struct cfg_vpn_gateway, advertise_prefixes, 0),
};
SCHEMA(vpn_gateway_s, "vpn gateway", struct cfg_vpn_gateway, vpn_gateway_f);

static const struct cfg_field side_f[] = {
	REF("gateway", struct cfg_conn_side, gateway, FF_REQ, "gateway"),
	{ .key = "startup", .type = FT_ENUM,
	  .off = offsetof(struct cfg_conn_side, startup), .enums = startups,
	  .def = CFG_STARTUP_AUTO, .what = "startup action",
	  .loc_off = offsetof(struct cfg_conn_side, startup_loc) },
};
SCHEMA(side_s, "connection side", struct cfg_conn_side, side_f);

static const struct cfg_field selectors_f[] = {
	PFXLIST("left", struct cfg_selectors, left, 0),
	PFXLIST("right", struct cfg_selectors, right, 0),
};
SCHEMA(selectors_s, "traffic selectors", struct cfg_selectors, selectors_f);

static const struct cfg_field tunnel_f[] = {
	{ .key = "left_ip", .type = FT_ADDR, .flags = FF_REQ,
	  .off = offsetof(struct cfg_tunnel, left_ip),
	  .loc_off = offsetof(struct cfg_tunnel, left_ip_loc) },
	{ .key = "right_ip", .type = FT_ADDR, .flags = FF_REQ,
	  .off = offsetof(struct cfg_tunnel, right_ip),
	  .loc_off = offsetof(struct cfg_tunnel, right_ip_loc) },
	{ .key = "inside_cidr", .type = FT_PREFIX,
	  .off = offsetof(struct cfg_tunnel, inside_cidr),
	  .set_off = offsetof(struct cfg_tunnel, inside_set),
	  .loc_off = offsetof(struct cfg_tunnel, inside_loc) },
	{ .key = "psk", .type = FT_STR, .off = offsetof(struct cfg_tunnel, psk),
	  .loc_off = offsetof(struct cfg_tunnel, psk_loc) },
	{ .key = "psk_file", .type = FT_STR, .off = offsetof(struct cfg_tunnel, psk_file),
	  .loc_off = offsetof(struct cfg_tunnel, psk_file_loc) },
	{ .key = "left_id", .type = FT_STR, .off = offsetof(struct cfg_tunnel, left_id),
	  .loc_off = offsetof(struct cfg_tunnel, left_id_loc) },
	{ .key = "right_id", .type = FT_STR, .off = offsetof(struct cfg_tunnel, right_id),
	  .loc_off = offsetof(struct cfg_tunnel, right_id_loc) },
	U32("asn_left", struct cfg_tunnel, asn_left, 0, 0, 4294967294LL, 0),
	U32("asn_right", struct cfg_tunnel, asn_right, 0, 0, 4294967294LL, 0),
	U32("mtu", struct cfg_tunnel, mtu, 0, 576, 9000, 1436),
};
SCHEMA(tunnel_s, "tunnel", struct cfg_tunnel, tunnel_f);

#define CONN struct cfg_vpn_connection
static const struct cfg_field conn_f[] = {
	NAME(CONN),
	{ .key = "left", .type = FT_OBJ, .flags = FF_REQ, .off = offsetof(CONN, left),
	  .sub = &side_s },
	{ .key = "right", .type = FT_OBJ, .flags = FF_REQ, .off = offsetof(CONN, right),
	  .sub = &side_s },
	U32L("ike_version", CONN, ike_version, 0, 1, 2, 2),
	ENUM("profile", CONN, profile, 0, profiles, CFG_PROFILE_AWS, "profile"),
	{ .key = "ike_proposals", .type = FT_STR, .flags = FF_JOIN,
	  .off = offsetof(CONN, ike_proposals),
	  .loc_off = offsetof(CONN, ike_proposals_loc) },
	{ .key = "esp_proposals", .type = FT_STR, .flags = FF_JOIN,
	  .off = offsetof(CONN, esp_proposals),
	  .loc_off = offsetof(CONN, esp_proposals_loc) },
	ENUM("routing", CONN, routing, 0, routings, CFG_ROUTING_STATIC, "routing"),
	{ .key = "traffic_selectors", .type = FT_OBJ,
	  .off = offsetof(CONN, traffic_selectors), .sub = &selectors_s },
	ENUM("keying", CONN, keying, 0, keyings, CFG_KEYING_IKE, "keying"),
	{ .key = "startup", .type = FT_ENUM, .off = offsetof(CONN, startup),
	  .enums = startups, .def = CFG_STARTUP_AUTO, .what = "startup action",
	  .loc_off = offsetof(CONN, startup_loc) },
	{ .key = "dpd_timeout_s", .type = FT_U32, .off = offsetof(CONN, dpd_timeout_s),
	  .min = 1, .max = 3600, .def = 30, .loc_off = offsetof(CONN, dpd_timeout_loc) },
	ENUM("dpd_action", CONN, dpd_action, 0, dpd_actions, CFG_DPD_CLEAR, "dpd action"),
	{ .key = "lifetime_ike_s", .type = FT_U32, .off = offsetof(CONN, lifetime_ike_s),
	  .min = 60, .max = 604800, .def = 28800,
	  .loc_off = offsetof(CONN, lifetime_ike_loc) },
	{ .key = "lifetime_child_s", .type = FT_U32,
	  .off = offsetof(CONN, lifetime_child_s), .min = 60, .max = 604800, .def = 3600,
	  .loc_off = offsetof(CONN, lifetime_child_loc) },
	{ .key = "rekey_margin_s", .type = FT_U32, .off = offsetof(CONN, rekey_margin_s),
	  .min = 0, .max = 604800, .def = 270,
	  .loc_off = offsetof(CONN, rekey_margin_loc) },
	U32L("replay_window", CONN, replay_window, 0, 0, 65536, 1024),
	{ .key = "tunnels", .type = FT_LIST, .flags = FF_REQ, .off = offsetof(CONN, tunnels),
	  .cnt_off = offsetof(CONN, ntunnels), .set_off = offsetof(CONN, tunnels_set),
	  .sub = &tunnel_s },
};
SCHEMA(conn_s, "vpn connection", CONN, conn_f);
#undef CONN

/* nodes, shares, expect */
static const struct cfg_field node_f[] = {
	NAME(struct cfg_node),
	REFLIST("runs", struct cfg_node, runs, FF_REQ, "gateway"),
	BOOL("external", struct cfg_node, external, 0, 0),
};
SCHEMA(node_s, "node", struct cfg_node, node_f);

static const struct cfg_field share_f[] = {
	REF("hub", struct cfg_share, hub, FF_REQ, "hub"),
	REFLIST("with", struct cfg_share, with, FF_REQ, "owner"),
};
SCHEMA(share_s, "share", struct cfg_share, share_f);

static const struct cfg_field expect_f[] = {
	REF("from", struct cfg_expect, from, FF_REQ, "host"),
	REF("to", struct cfg_expect, to, FF_REQ, "host"),
	BOOL("reachable", struct cfg_expect, reachable, 0, 0),
};
SCHEMA(expect_s, "expectation", struct cfg_expect, expect_f);

static const struct cfg_field net_f[] = {
	U32("version", struct cfg_net, version, FF_REQ, 1, U32MAX, 0),
	NAME(struct cfg_net),
	{ .key = "description", .type = FT_STR, .off = offsetof(struct cfg_net, description) },
	LIST("owners", struct cfg_net, owners, 0, owner_s),
	LIST("regions", struct cfg_net, regions, FF_REQ, region_s),
	LIST("wan", struct cfg_net, wan, 0, wan_s),
	LIST("vpcs", struct cfg_net, vpcs, 0, vpc_s),
	LIST("hubs", struct cfg_net, hubs, 0, hub_s),
	LIST("vpn_gateways", struct cfg_net, vpn_gateways, 0, vpn_gateway_s),
	LIST("vpn_connections", struct cfg_net, vpn_connections, 0, conn_s),
	LIST("nodes", struct cfg_net, nodes, 0, node_s),
	LIST("shares", struct cfg_net, shares, 0, share_s),
	LIST("expect", struct cfg_net, expect, 0, expect_s),
};
const struct cfg_schema cfg_schema_net = { "network", sizeof(struct cfg_net), net_f,
	sizeof(net_f) / sizeof(net_f[0]), -1, 0 };
