/*
 * Config resolution: the two seed networks (examples/, docs/seeds.md) load
 * with no errors and every reference points at the right object, so the route
 * engine, daemon and lab can follow pointers instead of names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/cfg.h"

static struct cfg_net *
load_example(const char *name)
{
	struct cfg_diag d;
	struct cfg_net *n;
	char path[512];

	snprintf(path, sizeof(path), "%s/examples/%s", TRANSIT_SOURCE_DIR, name);
	cfg_diag_init(&d);
	n = cfg_load_file(path, &d);
	if (n == NULL || d.n != 0) {
		cfg_diag_print(&d, stderr);
		fail_msg("%s: %zu errors, %zu warnings", name, d.nerrors, d.nwarnings);
	}
	cfg_diag_free(&d);
	return n;
}

static void
test_network_a(void **state)
{
	struct cfg_net *n = load_example("aws-alibaba-cen.yaml");
	struct cfg_vpc *vpc1, *tokyo;
	struct cfg_hub *tgw, *cen;
	struct cfg_vpn_gateway *gw;
	struct cfg_vpn_connection *c;
	struct cfg_attachment *att;
	struct cfg_route_table *rt;
	struct cfg_host *h;
	struct cfg_obj o;
	char b[PREFIX_STRLEN];

	assert_int_equal(n->nvpcs, 4);
	vpc1 = cfg_find_vpc(n, "aws-vpc1");
	tokyo = cfg_find_vpc(n, "tokyo-vpc");
	tgw = cfg_find_hub(n, "virginia-tgw");
	cen = cfg_find_hub(n, "alibaba-cen");
	gw = cfg_find_vpn_gateway(n, "tokyo-vpngw");
	c = cfg_find_vpn_connection(n, "aws-alibaba");
	assert_non_null(vpc1);
	assert_non_null(tokyo);
	assert_non_null(tgw);
	assert_non_null(cen);
	assert_non_null(gw);
	assert_non_null(c);

	/* cfg_find tags the kind; unknown names give CFG_K_NONE. */
	o = cfg_find(n, "tokyo-vpngw");
	assert_int_equal(o.kind, CFG_K_VPN_GATEWAY);
	assert_ptr_equal(o.ptr, gw);
	o = cfg_find(n, "cen-tokyo");
	assert_int_equal(o.kind, CFG_K_ATTACHMENT);
	o = cfg_find(n, "nope");
	assert_int_equal(o.kind, CFG_K_NONE);
	assert_null(o.ptr);

	/* VPC route to the hub resolves to the hub and this VPC's attachment. */
	assert_int_equal(vpc1->nroutes, 3);
	assert_int_equal(vpc1->routes[0].target.kind, CFG_K_HUB);
	assert_ptr_equal(vpc1->routes[0].target.ptr, tgw);
	att = cfg_find_attachment(n, "tgw-vpc1");
	assert_ptr_equal(vpc1->routes[0].attachment, att);
	assert_ptr_equal(att->vpc.ptr, vpc1);
	assert_ptr_equal(att->hub, tgw);
	assert_int_equal(att->kind, CFG_ATT_VPC);
	assert_int_equal(att->assoc_mode, CFG_ASSOC_DEFAULT);
	assert_false(att->propagate_set);
	assert_ptr_equal(att->eff_owner, cfg_find_owner(n, "aws"));

	/* Tokyo route to the VPN gateway. */
	assert_int_equal(tokyo->routes[0].target.kind, CFG_K_VPN_GATEWAY);
	assert_ptr_equal(tokyo->routes[0].target.ptr, gw);
	assert_ptr_equal(gw->vpc.ptr, tokyo);

	/* Hosts know their VPC and subnet. */
	h = cfg_find_host(n, "tokyo1");
	assert_ptr_equal(h->vpc, tokyo);
	assert_ptr_equal(h->subnet, cfg_find_subnet(n, "tokyo-vsw"));

	/* TGW static routes target the VPN attachment of the same hub. */
	rt = cfg_find_route_table(tgw, "default");
	assert_non_null(rt);
	assert_ptr_equal(tgw->default_table, rt);
	assert_false(rt->implicit);
	assert_int_equal(rt->nroutes, 2);
	att = cfg_find_attachment(n, "tgw-vpn-alibaba");
	assert_ptr_equal(rt->routes[0].target.ptr, att);
	assert_int_equal(att->kind, CFG_ATT_VPN);
	assert_ptr_equal(att->vpn.ptr, c);

	/* CEN publish points at the Tokyo VPC route it publishes. */
	assert_int_equal(cen->kind, CFG_HUB_CEN);
	assert_int_equal(cen->npublish, 1);
	assert_ptr_equal(cen->publish[0].route, &tokyo->routes[0]);
	assert_string_equal(prefix_fmt(&cen->publish[0].dest, b, sizeof(b)),
	    "172.16.0.0/12");
	assert_true(cen->ttl_transparent);
	assert_int_equal(cen->bandwidth[0].kbps, 2000);

	/* Connection sides: the TGW (a hub) on the left, the gateway on the right. */
	assert_ptr_equal(c->left.hub, tgw);
	assert_ptr_equal(c->left.attachment, cfg_find_attachment(n, "tgw-vpn-alibaba"));
	assert_null(c->right.attachment);
	assert_null(c->left.vpngw);
	assert_ptr_equal(c->right.vpngw, gw);
	assert_ptr_equal(c->left.region, cfg_find_region(n, "us-east-1"));
	assert_true(c->aws_rules);
	assert_int_equal(c->ike_version, 1);
	assert_int_equal(c->keying, CFG_KEYING_MANUAL);
	/* startup auto: the AWS end waits, the Alibaba end initiates. */
	assert_int_equal(c->startup, CFG_STARTUP_AUTO);
	assert_int_equal(c->left.startup, CFG_STARTUP_AUTO);
	assert_int_equal(cfg_conn_startup(c, true), CFG_STARTUP_ADD);
	assert_int_equal(cfg_conn_startup(c, false), CFG_STARTUP_START);
	c->startup = CFG_STARTUP_ADD;
	assert_int_equal(cfg_conn_startup(c, false), CFG_STARTUP_ADD);
	c->right.startup = CFG_STARTUP_START;
	assert_int_equal(cfg_conn_startup(c, false), CFG_STARTUP_START);
	assert_int_equal(cfg_conn_startup(c, true), CFG_STARTUP_ADD);
	c->startup = CFG_STARTUP_AUTO;
	c->right.startup = CFG_STARTUP_AUTO;
	assert_int_equal(c->dpd_timeout_s, 30);
	assert_int_equal(c->lifetime_ike_s, 28800);
	assert_int_equal(c->lifetime_child_s, 3600);
	assert_int_equal(c->rekey_margin_s, 270);
	assert_int_equal(c->replay_window, 1024);
	assert_int_equal(c->tunnels[0].mtu, 1436);
	assert_int_equal(c->traffic_selectors.nleft, 1);

	/* Wan delays as in the post. */
	assert_int_equal(n->nwan, 2);
	assert_true(n->wan[0].delay_ms == 90.0);
	assert_ptr_equal(n->wan[1].between[1].ptr, cfg_find_region(n, "cn-beijing"));

	/* Each gateway has its node. */
	assert_string_equal(cfg_runner(n, tgw)->name, "virginia");
	assert_string_equal(cfg_runner(n, gw)->name, "tokyo");
	assert_string_equal(cfg_runner(n, cen)->name, "cen");
	cfg_free(n);
}

static void
test_network_b(void **state)
{
	struct cfg_net *n = load_example("aws-gcp-ha-vpn.yaml");
	struct cfg_hub *tgw;
	struct cfg_vpn_gateway *gw;
	struct cfg_attachment *att;
	struct cfg_route_table *rt;
	size_t i, k, ntun = 0;

	tgw = cfg_find_hub(n, "aws-tgw");
	gw = cfg_find_vpn_gateway(n, "gcp-havpn");
	assert_non_null(tgw);
	assert_non_null(gw);
	assert_int_equal(gw->ninterfaces, 2);

	/* The default table is made up when not listed. */
	rt = cfg_find_route_table(tgw, "default");
	assert_non_null(rt);
	assert_true(rt->implicit);
	assert_ptr_equal(tgw->default_table, rt);

	/* Product attachments belong to the product accounts, accepted. */
	att = cfg_find_attachment(n, "tgw-product-a");
	assert_ptr_equal(att->eff_owner, cfg_find_owner(n, "product-a"));
	assert_true(att->accepted);
	att = cfg_find_attachment(n, "tgw-vpn-gcp-1");
	assert_ptr_equal(att->eff_owner, cfg_find_owner(n, "aws-host"));

	/* 4 tunnels, BGP, ASNs inherited from the gateways: AWS 64512, GCP 65000. */
	assert_int_equal(n->nvpn_connections, 2);
	for (i = 0; i < n->nvpn_connections; i++) {
		struct cfg_vpn_connection *c = &n->vpn_connections[i];

		assert_int_equal(c->routing, CFG_ROUTING_BGP);
		assert_int_equal(c->ike_version, 2);
		assert_ptr_equal(c->left.hub, tgw);
		assert_ptr_equal(c->right.vpngw, gw);
		for (k = 0; k < c->ntunnels; k++, ntun++) {
			struct cfg_tunnel *t = &c->tunnels[k];

			char b1[64], b2[64], want[64];

			/* AWS end .1, GCP end .2 of each inside /30 (beh. 20). */
			snprintf(want, sizeof(want), "169.254.%zu.1", 21 + 2 * i + k);
			assert_string_equal(addr_fmt(&t->inside_left, b1, sizeof(b1)), want);
			snprintf(want, sizeof(want), "169.254.%zu.2", 21 + 2 * i + k);
			assert_string_equal(addr_fmt(&t->inside_right, b2, sizeof(b2)), want);
			assert_int_equal(t->eff_asn_left, 64512);
			assert_int_equal(t->eff_asn_right, 65000);
			assert_true(t->inside_set);
			assert_null(cfg_inside_aws_problem(&t->inside_cidr));
			assert_null(cfg_psk_aws_problem(t->psk));
			/* conn 0 uses GCP interface 0, conn 1 interface 1 */
			assert_true(addr_eq(&t->right_ip, &gw->interfaces[i].addr));
		}
	}
	assert_int_equal(ntun, 4);
	assert_int_equal(n->nshares, 1);
	assert_ptr_equal(n->shares[0].hub.ptr, tgw);
	cfg_free(n);
}

static void
test_assoc_modes(void **state)
{
	static const char text[] =
	    "version: 1\nname: m\nregions: [{name: r1, cloud: gcp}]\n"
	    "vpcs:\n"
	    "  - {name: v1, region: r1, cidrs: [10.1.0.0/16]}\n"
	    "  - {name: v2, region: r1, cidrs: [10.2.0.0/16]}\n"
	    "  - {name: v3, region: r1, cidrs: [10.3.0.0/16]}\n"
	    "hubs:\n"
	    "  - name: tgw\n    kind: tgw\n    region: r1\n"
	    "    route_tables: [{name: default}, {name: other}]\n"
	    "    attachments:\n"
	    "      - {name: a1, vpc: v1}\n"
	    "      - {name: a2, vpc: v2, associate: none, propagate: []}\n"
	    "      - {name: a3, vpc: v3, associate: other, propagate: [default, other]}\n";
	struct cfg_diag d;
	struct cfg_net *n;
	struct cfg_hub *h;

	cfg_diag_init(&d);
	n = cfg_load_buffer("m", text, strlen(text), &d);
	cfg_diag_print(&d, stderr);
	assert_non_null(n);
	h = cfg_find_hub(n, "tgw");
	assert_int_equal(h->attachments[0].assoc_mode, CFG_ASSOC_DEFAULT);
	assert_false(h->attachments[0].propagate_set);
	assert_int_equal(h->attachments[1].assoc_mode, CFG_ASSOC_NONE);
	assert_true(h->attachments[1].propagate_set);
	assert_int_equal(h->attachments[1].npropagate, 0);
	assert_int_equal(h->attachments[2].assoc_mode, CFG_ASSOC_TABLE);
	assert_ptr_equal(h->attachments[2].assoc_table, cfg_find_route_table(h, "other"));
	assert_ptr_equal(h->attachments[2].propagate[0].ptr, cfg_find_route_table(h,
	    "default"));
	assert_ptr_equal(cfg_hub_vpc_attachment(h, cfg_find_vpc(n, "v3")),
	    &h->attachments[2]);
	assert_null(cfg_runner(n, h));
	cfg_free(n);
	cfg_diag_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_network_a),
		cmocka_unit_test(test_network_b),
		cmocka_unit_test(test_assoc_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
