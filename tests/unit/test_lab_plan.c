/*
 * lab_plan and lab_wan_classify: lab ids (stable, different for two labs and for
 * retries), the names of namespaces and interfaces (<= 15 characters, unique,
 * prefixed by the id), which VPCs and outside addresses each node gets, the TTL
 * per cloud, and the region-pair link a packet is classified onto with that
 * pair's delay and rate (tests/integration/lab/wan3.yaml, and network A of
 * seeds.md from examples/).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config/cfg.h"
#include "lab/lab_plan.h"
#include "lab/lab_wan.h"

static struct cfg_net *
load(const char *rel)
{
	struct cfg_diag d;
	struct cfg_net *c;
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", TRANSIT_SOURCE_DIR, rel);
	cfg_diag_init(&d);
	c = cfg_load_file(path, &d);
	if (c == NULL)
		cfg_diag_print(&d, stderr);
	cfg_diag_free(&d);
	assert_non_null(c);
	return c;
}

static void
test_ids(void **state)
{
	char a[LAB_ID_LEN], b[LAB_ID_LEN], a2[LAB_ID_LEN], r1[LAB_ID_LEN];

	lab_name_id("aws-alibaba-cen", 0, a);
	lab_name_id("aws-gcp-ha-vpn", 0, b);
	lab_name_id("aws-alibaba-cen", 0, a2);
	lab_name_id("aws-alibaba-cen", 1, r1);
	assert_int_equal(strlen(a), 6);
	assert_memory_equal(a, "tl", 2);
	assert_string_equal(a, a2);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, r1);
	assert_true(lab_name_valid("aws-alibaba-cen"));
	assert_true(lab_name_valid("a"));
	assert_false(lab_name_valid(""));
	assert_false(lab_name_valid("-x"));
	assert_false(lab_name_valid("A"));
	assert_false(lab_name_valid("a/b"));
	assert_false(lab_name_valid("a b"));
	assert_false(lab_name_valid(
	    "a123456789012345678901234567890123456789012345678901234567890123"));
}

static void
check_names(const struct lab_plan *p)
{
	size_t i, j;

	assert_true(strlen(p->wan_tun) <= 15);
	assert_memory_equal(p->wan_tun, p->id, strlen(p->id));
	assert_memory_equal(p->wan_netns, p->id, strlen(p->id));
	for (i = 0; i < p->nnodes; i++) {
		const struct lab_plan_node *n = &p->nodes[i];

		assert_true(strlen(n->veth_node) <= 15);
		assert_true(strlen(n->veth_wan) <= 15);
		assert_memory_equal(n->veth_node, p->id, strlen(p->id));
		assert_memory_equal(n->netns, p->id, strlen(p->id));
		assert_string_not_equal(n->veth_node, n->veth_wan);
		assert_string_not_equal(n->veth_node, p->wan_tun);
		for (j = 0; j < i; j++) {
			assert_string_not_equal(n->veth_node, p->nodes[j].veth_node);
			assert_string_not_equal(n->veth_wan, p->nodes[j].veth_wan);
			assert_string_not_equal(n->netns, p->nodes[j].netns);
		}
	}
	for (i = 0; i < p->nvpcs; i++)
		for (j = 0; j < p->nnodes; j++)
			assert_string_not_equal(p->vpcs[i].netns, p->nodes[j].netns);
}

static void
test_plan_wan3(void **state)
{
	struct cfg_net *c = load("tests/integration/lab/wan3.yaml");
	char id[LAB_ID_LEN], id2[LAB_ID_LEN], err[256];
	struct lab_plan *p, *q;
	struct ipaddr a;

	lab_name_id("labwan", 0, id);
	p = lab_plan_new(c, "labwan", id, err, sizeof(err));
	assert_non_null(p);
	check_names(p);
	assert_int_equal(p->nnodes, 4);
	assert_int_equal(p->naddrs, 5);
	assert_int_equal(p->nodes[1].naddrs, 2);	/* nb: two interfaces */
	assert_int_equal(p->nodes[0].nvpcs, 1);
	assert_string_equal(p->vpcs[p->nodes[0].vpcs[0]].vpc->name, "vpc-a");
	assert_int_equal(p->nodes[2].nvpcs, 0);
	assert_int_equal(p->vpcs[0].ttl, 255);		/* aws */
	assert_int_equal(p->vpcs[1].ttl, 64);		/* alibaba */
	assert_non_null(addr_parse("203.0.113.2", &a, err, sizeof(err)) == 0 ? &a : NULL);
	assert_non_null(lab_plan_addr_find(p, &a));
	assert_int_equal(lab_plan_addr_find(p, &a)->node, 1);
	assert_int_equal(lab_plan_addr_find(p, &a)->region, 1);
	/* A second lab of the same file: other id, no shared name. */
	lab_name_id("labwan2", 0, id2);
	q = lab_plan_new(c, "labwan2", id2, err, sizeof(err));
	assert_non_null(q);
	assert_string_not_equal(p->wan_netns, q->wan_netns);
	assert_string_not_equal(p->wan_tun, q->wan_tun);
	assert_string_not_equal(p->nodes[0].veth_node, q->nodes[0].veth_node);
	assert_string_not_equal(p->vpcs[0].netns, q->vpcs[0].netns);
	lab_plan_free(q);
	lab_plan_free(p);
	cfg_free(c);
}

static void
test_plan_network_a(void **state)
{
	struct cfg_net *c = load("examples/aws-alibaba-cen.yaml");
	char err[256];
	struct lab_plan *p = lab_plan_new(c, "aws-alibaba-cen", "tlabcd", err, sizeof(err));
	struct ipaddr a;
	size_t i;

	assert_non_null(p);
	check_names(p);
	assert_int_equal(p->nnodes, 3);
	/* virginia: the TGW's two VPCs and its tunnel address; tokyo: its VPN
	 * gateway's VPC and address; cen: both Alibaba VPCs, no address. */
	assert_int_equal(p->nodes[0].nvpcs, 2);
	assert_int_equal(p->nodes[0].naddrs, 1);
	assert_int_equal(p->nodes[1].nvpcs, 1);
	assert_int_equal(p->nodes[1].naddrs, 1);
	assert_int_equal(p->nodes[2].nvpcs, 2);
	assert_int_equal(p->nodes[2].naddrs, 0);
	assert_int_equal(addr_parse("198.51.100.11", &a, err, sizeof(err)), 0);
	assert_non_null(lab_plan_addr_find(p, &a));
	assert_string_equal(c->regions[lab_plan_addr_find(p, &a)->region].name,
	    "us-east-1");
	for (i = 0; i < p->nvpcs; i++)
		assert_int_equal(p->vpcs[i].ttl,
		    strncmp(p->vpcs[i].vpc->name, "aws", 3) == 0 ? 255 : 64);
	lab_plan_free(p);
	cfg_free(c);
}

/* A file with n nodes, each running its own vpn gateway. */
static struct cfg_net *
load_nodes(size_t n)
{
	size_t cap = 128 + n * 96, len = 0, i;
	char *y = malloc(cap);
	struct cfg_diag d;
	struct cfg_net *c;

	assert_non_null(y);
	len += (size_t)snprintf(y + len, cap - len, "version: 1\nname: big\nregions:\n"
	    "  - name: r1\n    cloud: gcp\nvpn_gateways:\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(y + len, cap - len,
		    "  - name: g%zu\n    region: r1\n", i);
	len += (size_t)snprintf(y + len, cap - len, "nodes:\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(y + len, cap - len,
		    "  - name: node-%zu\n    runs: [g%zu]\n", i, i);
	assert_true(len < cap);
	cfg_diag_init(&d);
	c = cfg_load_buffer("big.yaml", y, len, &d);
	if (c == NULL)
		cfg_diag_print(&d, stderr);
	cfg_diag_free(&d);
	free(y);
	assert_non_null(c);
	return c;
}

/* The most nodes a lab takes still get distinct names within IFNAMSIZ. */
static void
test_names_999_nodes(void **state)
{
	struct cfg_net *c = load_nodes(LAB_MAX_NODES - 1), *c2;
	char id[LAB_ID_LEN], err[256];
	struct lab_plan *p;

	lab_name_id("a-long-lab-name-of-sixty-three-characters-0123456789-abcdefghij", 0,
	    id);
	p = lab_plan_new(c, "a-long-lab-name", id, err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(p->nnodes, LAB_MAX_NODES - 1);
	assert_string_equal(p->nodes[998].veth_node + strlen(id), "n998");
	check_names(p);
	lab_plan_free(p);
	cfg_free(c);
	c2 = load_nodes(LAB_MAX_NODES);
	assert_null(lab_plan_new(c2, "big", id, err, sizeof(err)));
	assert_non_null(strstr(err, "at most 999"));
	cfg_free(c2);
}

static size_t
classify(const struct lab_wan *w, const char *src, const char *dst)
{
	uint8_t pkt[28];
	struct ipaddr s, d;
	char err[128];

	assert_int_equal(addr_parse(src, &s, err, sizeof(err)), 0);
	assert_int_equal(addr_parse(dst, &d, err, sizeof(err)), 0);
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x45;
	pkt[9] = 1;
	memcpy(pkt + 12, s.addr, 4);
	memcpy(pkt + 16, d.addr, 4);
	return lab_wan_classify(w, pkt, sizeof(pkt));
}

static void
test_classify(void **state)
{
	struct cfg_net *c = load("tests/integration/lab/wan3.yaml");
	char err[256], name[128];
	struct lab_plan *p = lab_plan_new(c, "labwan", "tl0001", err, sizeof(err));
	struct lab_wan *w = lab_wan_new(p, 1);
	struct lab_wsched *s = lab_wan_sched(w);
	size_t ab, ba, ac, ca, bc, aa, unk;
	uint8_t v6[40] = { 0x60 }, shortv4[19] = { 0x45 };

	ab = classify(w, "198.51.100.1", "203.0.113.1");
	ba = classify(w, "203.0.113.2", "198.51.100.1");
	ac = classify(w, "198.51.100.1", "192.0.2.1");
	ca = classify(w, "192.0.2.1", "198.51.100.1");
	bc = classify(w, "203.0.113.1", "192.0.2.1");
	aa = classify(w, "198.51.100.1", "198.51.100.1");
	unk = classify(w, "198.51.100.1", "8.8.8.8");
	assert_int_not_equal(ab, ba);
	assert_string_equal(lab_wan_link_name(w, ab, name, sizeof(name)), "r1 -> r2");
	assert_string_equal(lab_wan_link_name(w, unk, name, sizeof(name)), "r1 -> ?");
	assert_int_equal(lab_wsched_link_cfg(s, ab)->delay_ns, 90000000);
	assert_int_equal(lab_wsched_link_cfg(s, ba)->delay_ns, 90000000);
	assert_int_equal(lab_wsched_link_cfg(s, ac)->delay_ns, 0);
	assert_int_equal(lab_wsched_link_cfg(s, ac)->rate_bps, 1000);
	assert_int_equal(lab_wsched_link_cfg(s, ca)->rate_bps, 1000);
	assert_int_equal(lab_wsched_link_cfg(s, bc)->rate_bps, 0);
	assert_int_equal(lab_wsched_link_cfg(s, bc)->delay_ns, 0);
	assert_int_equal(lab_wsched_link_cfg(s, aa)->delay_ns, 0);
	assert_int_equal(lab_wsched_link_cfg(s, unk)->delay_ns, 0);
	assert_true(lab_wsched_link_cfg(s, classify(w, "192.0.2.9", "198.51.100.1"))->loss_pct
	    == 20.0);
	assert_int_equal(lab_wsched_link_cfg(s, classify(w, "198.51.100.1",
	    "192.0.2.9"))->delay_ns, 5000000);
	assert_int_equal(lab_wan_classify(w, v6, sizeof(v6)), SIZE_MAX);
	assert_int_equal(lab_wan_classify(w, shortv4, sizeof(shortv4)), SIZE_MAX);
	assert_int_equal(lab_wan_classify(w, shortv4, 0), SIZE_MAX);
	lab_wan_free(w);
	lab_plan_free(p);
	cfg_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_plan_wan3),
		cmocka_unit_test(test_plan_network_a),
		cmocka_unit_test(test_names_999_nodes),
		cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
