/*
 * transitd without I/O: manual keying (HKDF-SHA256 as docs/daemon.md specifies) and
 * the node plan (which attachments, routes and tunnels a node owns).
 *
 * The keying vectors were computed with an independent HKDF (RFC 5869) written
 * over Python's hmac/hashlib, not with this code:
 *   ikm  = "lab.only.esp.two.sites", salt = "transit manual keying v1"
 *   info = "conn-ab|0|left>right|key" -> 52bb62a79f05ebe63471470a6cfb12e88b88d328
 *          "conn-ab|0|left>right|spi" -> b094b7ac
 *          "conn-ab|0|right>left|key" -> eb933bdf028a1bf0d70d7de6a5045df757eadeaf
 *          "conn-ab|0|right>left|spi" -> 9c01848e
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/cfg.h"
#include "daemon/td.h"
#include "net/net.h"

static const uint8_t k_l2r[20] = {
	0x52, 0xbb, 0x62, 0xa7, 0x9f, 0x05, 0xeb, 0xe6, 0x34, 0x71,
	0x47, 0x0a, 0x6c, 0xfb, 0x12, 0xe8, 0x8b, 0x88, 0xd3, 0x28,
};
static const uint8_t k_r2l[20] = {
	0xeb, 0x93, 0x3b, 0xdf, 0x02, 0x8a, 0x1b, 0xf0, 0xd7, 0x0d,
	0x7d, 0xe6, 0xa5, 0x04, 0x5d, 0xf7, 0x57, 0xea, 0xde, 0xaf,
};

static void
test_manual_vectors(void **state)
{
	uint8_t key[20];
	uint32_t spi;

	(void)state;
	assert_int_equal(td_manual_derive("lab.only.esp.two.sites", "conn-ab", 0, true,
	    key, sizeof(key), &spi), 0);
	assert_memory_equal(key, k_l2r, sizeof(key));
	assert_int_equal(spi, 0xb094b7acu);
	assert_int_equal(td_manual_derive("lab.only.esp.two.sites", "conn-ab", 0, false,
	    key, sizeof(key), &spi), 0);
	assert_memory_equal(key, k_r2l, sizeof(key));
	assert_int_equal(spi, 0x9c01848eu);
}

static void
test_manual_separation(void **state)
{
	uint8_t a[36], b[36];
	uint32_t sa, sb;
	size_t i;

	(void)state;
	/* Another tunnel index, connection or PSK gives other keys. */
	assert_int_equal(td_manual_derive("psk-one-x", "c", 0, true, a, sizeof(a), &sa), 0);
	assert_int_equal(td_manual_derive("psk-one-x", "c", 1, true, b, sizeof(b), &sb), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_not_equal(sa, sb);
	assert_int_equal(td_manual_derive("psk-one-x", "d", 0, true, b, sizeof(b), &sb), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(td_manual_derive("psk-one-y", "c", 0, true, b, sizeof(b), &sb), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	/* SPIs never fall in the reserved 0-255. */
	for (i = 0; i < 2000; i++) {
		char conn[32];

		snprintf(conn, sizeof(conn), "c%zu", i);
		assert_int_equal(td_manual_derive("k", conn, i, i & 1, a, 16, &sa), 0);
		assert_true(sa >= 256);
	}
}

static const char net_yaml[] =
    "version: 1\n"
    "name: t\n"
    "regions:\n"
    "  - name: r1\n"
    "    cloud: aws\n"
    "vpcs:\n"
    "  - name: va\n"
    "    region: r1\n"
    "    cidrs: [10.1.0.0/16]\n"
    "    subnets:\n"
    "      - name: va-s\n"
    "        cidr: 10.1.4.0/22\n"
    "    routes:\n"
    "      - dest: 10.2.0.0/16\n"
    "        target: hub1\n"
    "      - dest: 10.3.0.0/16\n"
    "        target: blackhole\n"
    "  - name: vb\n"
    "    region: r1\n"
    "    cidrs: [10.2.0.0/16]\n"
    "    routes:\n"
    "      - dest: 10.1.0.0/16\n"
    "        target: hub1\n"
    "      - dest: 192.168.0.0/16\n"
    "        target: gw\n"
    "hubs:\n"
    "  - name: hub1\n"
    "    kind: tgw\n"
    "    region: r1\n"
    "    attachments:\n"
    "      - name: att-a\n"
    "        vpc: va\n"
    "      - name: att-b\n"
    "        vpc: vb\n"
    "      - name: att-vpn\n"
    "        vpn: c1\n"
    "vpn_gateways:\n"
    "  - name: gw\n"
    "    region: r1\n"
    "    vpc: vb\n"
    "vpn_connections:\n"
    "  - name: c1\n"
    "    left: { gateway: hub1 }\n"
    "    right: { gateway: gw }\n"
    "    keying: manual\n"
    "    traffic_selectors:\n"
    "      right: [10.2.0.0/16]\n"
    "    tunnels:\n"
    "      - left_ip: 192.0.2.1\n"
    "        right_ip: 192.0.2.2\n"
    "        psk: lab.only.one\n"
    "      - left_ip: 192.0.2.3\n"
    "        right_ip: 192.0.2.4\n"
    "        psk: lab.only.two\n"
    "        mtu: 1200\n"
    "nodes:\n"
    "  - name: n1\n"
    "    runs: [hub1]\n"
    "  - name: n2\n"
    "    runs: [gw]\n";

struct fixture {
	struct cfg_net	*cfg;
	struct net	*net;
	struct td	 td;
	struct td_netns_map map;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct cfg_diag d;

	cfg_diag_init(&d);
	f->cfg = cfg_load_buffer("t.yaml", net_yaml, strlen(net_yaml), &d);
	if (f->cfg == NULL)
		cfg_diag_print(&d, stderr);
	cfg_diag_free(&d);
	assert_non_null(f->cfg);
	f->net = net_build(f->cfg);
	f->map.vpc = (char *)(uintptr_t)"va";
	f->map.path = (char *)(uintptr_t)"/run/netns/x";
	f->td.opts.netns = &f->map;
	f->td.opts.nnetns = 1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	net_free(f->net);
	cfg_free(f->cfg);
	free(f);
	return 0;
}

static bool
wants(const struct td_att *a, const char *pfx)
{
	struct prefix p;
	size_t i;

	assert_int_equal(prefix_parse(pfx, &p, NULL, 0), 0);
	for (i = 0; i < a->nwant; i++)
		if (prefix_eq(&a->want[i], &p))
			return true;
	return false;
}

static void
test_plan_hub_node(void **state)
{
	struct fixture *f = *state;
	struct td_att **atts;
	struct td_tunnel **tuns;
	size_t natts, ntuns, i;
	char buf[64];

	assert_int_equal(td_node_plan(&f->td, f->cfg, f->net, cfg_find_node(f->cfg, "n1"),
	    &atts, &natts, &tuns, &ntuns), 0);
	/* Two VPC attachments (the vpn attachment is tunnels, not a TUN). */
	assert_int_equal(natts, 2);
	assert_string_equal(atts[0]->name, "att-a");
	assert_int_equal(atts[0]->kind, TD_ATT_TGW);
	assert_int_equal(atts[0]->mtu, TD_MTU_TGW);
	assert_string_equal(atts[0]->netns, "/run/netns/x");
	assert_null(atts[1]->netns);
	assert_true(strlen(atts[0]->ifname) <= 15);
	assert_string_not_equal(atts[0]->ifname, atts[1]->ifname);
	/* VPC routes towards the hub only; not the blackhole, not the gateway's. */
	assert_int_equal(atts[0]->nwant, 1);
	assert_true(wants(atts[0], "10.2.0.0/16"));
	assert_int_equal(atts[1]->nwant, 1);
	assert_true(wants(atts[1], "10.1.0.0/16"));
	/* ENI: last usable address of the first subnet, else of the first CIDR. */
	assert_string_equal(addr_fmt(&atts[0]->eni, buf, sizeof(buf)), "10.1.7.254");
	assert_string_equal(addr_fmt(&atts[1]->eni, buf, sizeof(buf)), "10.2.255.254");
	assert_non_null(atts[0]->ratt);
	assert_int_not_equal(atts[0]->rt_id, 0);
	/* Both tunnels of c1, left side, bound to the hub's vpn attachment. */
	assert_int_equal(ntuns, 2);
	assert_string_equal(tuns[0]->name, "c1/1");
	assert_string_equal(tuns[1]->name, "c1/2");
	assert_true(tuns[0]->left);
	assert_true(tuns[0]->manual);
	assert_non_null(tuns[0]->ratt);
	assert_int_equal(tuns[0]->mss, 1396);		/* mtu 1436 - 40 */
	assert_int_equal(tuns[1]->mss, 1160);		/* mtu 1200 - 40 */
	assert_string_equal(addr_fmt(&tuns[1]->local, buf, sizeof(buf)), "192.0.2.3");
	/* Left selectors empty = 0.0.0.0/0; the remote side is the right's. */
	assert_int_equal(tuns[0]->n_local, 1);
	assert_int_equal(tuns[0]->ts_local[0].len, 0);
	assert_string_equal(prefix_fmt(&tuns[0]->ts_remote[0], buf, sizeof(buf)),
	    "10.2.0.0/16");
	assert_string_not_equal(tuns[0]->key, tuns[1]->key);
	for (i = 0; i < natts; i++)
		td_att_free(atts[i]);
	for (i = 0; i < ntuns; i++)
		td_tunnel_free(tuns[i]);
	free(atts);
	free(tuns);
}

static void
test_plan_gateway_node(void **state)
{
	struct fixture *f = *state;
	struct td_att **atts;
	struct td_tunnel **tuns;
	size_t natts, ntuns, i;

	assert_int_equal(td_node_plan(&f->td, f->cfg, f->net, cfg_find_node(f->cfg, "n2"),
	    &atts, &natts, &tuns, &ntuns), 0);
	assert_int_equal(natts, 1);
	assert_int_equal(atts[0]->kind, TD_ATT_VPNGW);
	assert_int_equal(atts[0]->mtu, TD_MTU_VPC);
	assert_int_equal(atts[0]->nwant, 1);
	assert_true(wants(atts[0], "192.168.0.0/16"));
	assert_int_equal(ntuns, 2);
	assert_false(tuns[0]->left);
	assert_ptr_equal(tuns[0]->vpc_att, atts[0]);
	assert_null(tuns[0]->ratt);
	/* Mirror image of the hub side. */
	assert_string_equal(prefix_fmt(&tuns[0]->ts_local[0], (char[64]){ 0 }, 64),
	    "10.2.0.0/16");
	for (i = 0; i < natts; i++)
		td_att_free(atts[i]);
	for (i = 0; i < ntuns; i++)
		td_tunnel_free(tuns[i]);
	free(atts);
	free(tuns);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manual_vectors),
		cmocka_unit_test(test_manual_separation),
		cmocka_unit_test_setup_teardown(test_plan_hub_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_gateway_node, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
