/*
 * transitd's forwarding loop on a TGW hub, without root: the attachments' TUN fds
 * are replaced by SOCK_SEQPACKET socketpairs (one read = one packet, like a TUN),
 * the rest is the daemon's own plan, FIBs and td_fwd_tun_cb.  Checks one TTL
 * decrement with a valid header checksum, the association of the ingress
 * attachment (behaviour 1), silent blackhole, ICMP net unreachable and time
 * exceeded from the ENI address, and the drop counters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/ev.h"
#include "config/cfg.h"
#include "td_test_fixture.h"
#include "daemon/td.h"
#include "dataplane/dp_icmp.h"
#include "net/net.h"
#include "test_dp_pkt.h"

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
    "        cidr: 10.1.0.0/24\n"
    "  - name: vb\n"
    "    region: r1\n"
    "    cidrs: [10.2.0.0/16]\n"
    "  - name: vc\n"
    "    region: r1\n"
    "    cidrs: [10.3.0.0/16]\n"
    "hubs:\n"
    "  - name: hub1\n"
    "    kind: tgw\n"
    "    region: r1\n"
    "    default_propagation: false\n"
    "    route_tables:\n"
    "      - name: default\n"
    "        routes:\n"
    "          - dest: 10.2.0.0/16\n"
    "            target: att-b\n"
    "          - dest: 10.3.0.0/16\n"
    "            target: att-c\n"
    "          - dest: 10.2.99.0/24\n"
    "            blackhole: true\n"
    "      - name: isolated\n"
    "        routes:\n"
    "          - dest: 10.1.0.0/16\n"
    "            target: att-a\n"
    "    attachments:\n"
    "      - name: att-a\n"
    "        vpc: va\n"
    "      - name: att-b\n"
    "        vpc: vb\n"
    "      - name: att-c\n"
    "        vpc: vc\n"
    "        associate: isolated\n"
    "nodes:\n"
    "  - name: n1\n"
    "    runs: [hub1]\n";

struct fx {
	struct td	 td;
	int		 peer[3];	/* the VPC side of att-a, att-b, att-c */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	size_t i;

	assert_non_null(f);
	td_fx_load(&f->td, net_yaml, strlen(net_yaml));
	assert_int_equal(f->td.natts, 3);
	for (i = 0; i < 3; i++)
		f->peer[i] = td_fx_fake_tun(&f->td, i);
	td_node_index(&f->td);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < f->td.natts; i++)
		close(f->peer[i]);
	td_release(&f->td);
	free(f);
	return 0;
}

/* Send an echo request into attachment `in` from its VPC side. */
static void
inject(struct fx *f, int in, uint32_t src, uint32_t dst, uint8_t ttl)
{
	static const uint8_t echo[16] = { 8, 0, 0xf7, 0xfe, 0, 1, 0, 1 };
	struct pkt_spec s = pkt_default();
	uint8_t buf[128];
	size_t len;

	s.src = src;
	s.dst = dst;
	s.ttl = ttl;
	s.proto = DP_IPPROTO_ICMP;
	s.payload = echo;
	s.paylen = sizeof(echo);
	len = pkt_build(buf, &s);
	assert_int_equal(write(f->peer[in], buf, len), (ssize_t)len);
	ev_now_update(f->td.ev);
	td_fwd_tun_cb(f->td.ev, f->td.atts[in]->tun.fd, EV_READ, f->td.atts[in]);
}

/* What arrived on the VPC side of attachment `out` (0: nothing). */
static ssize_t
drain(struct fx *f, int out, uint8_t *buf, size_t cap)
{
	ssize_t n = read(f->peer[out], buf, cap);

	return n < 0 ? 0 : n;
}

#define A(x)	((uint32_t)(x))
#define V4(a, b, c, d)	(A(a) << 24 | A(b) << 16 | A(c) << 8 | A(d))

static void
test_forward_one_hop(void **state)
{
	struct fx *f = *state;
	struct dp_ipv4_hdr h;
	uint8_t buf[2048];
	ssize_t n;

	inject(f, 0, V4(10, 1, 0, 10), V4(10, 2, 0, 10), 64);
	n = drain(f, 1, buf, sizeof(buf));
	assert_int_equal(n, 20 + 16);
	/* Full parse, checksum included: the incremental update must be right. */
	assert_int_equal(dp_ipv4_parse(buf, (size_t)n, 0, &h), DP_IPV4_OK);
	assert_int_equal(h.ttl, 63);
	assert_int_equal(h.dst, V4(10, 2, 0, 10));
	assert_int_equal(drain(f, 0, buf, sizeof(buf)), 0);
	assert_int_equal(drain(f, 2, buf, sizeof(buf)), 0);
	assert_int_equal(f->td.atts[0]->c.rx_pkts, 1);
	assert_int_equal(f->td.atts[1]->c.tx_pkts, 1);
}

static void
test_ingress_table(void **state)
{
	struct fx *f = *state;
	uint8_t buf[2048];
	ssize_t n;

	/* att-c is associated with "isolated", which only knows 10.1.0.0/16. */
	inject(f, 2, V4(10, 3, 0, 10), V4(10, 2, 0, 10), 64);
	assert_int_equal(drain(f, 1, buf, sizeof(buf)), 0);
	n = drain(f, 2, buf, sizeof(buf));
	assert_true(n > 28);
	assert_int_equal(buf[20], DP_ICMP_UNREACH);
	assert_int_equal(buf[21], DP_ICMP_UNREACH_NET);
	assert_int_equal(f->td.atts[2]->c.drops[TD_DROP_NO_ROUTE], 1);
	inject(f, 2, V4(10, 3, 0, 10), V4(10, 1, 0, 10), 64);
	assert_int_equal(drain(f, 0, buf, sizeof(buf)), 20 + 16);
}

static void
test_blackhole_silent(void **state)
{
	struct fx *f = *state;
	uint8_t buf[2048];

	inject(f, 0, V4(10, 1, 0, 10), V4(10, 2, 99, 1), 64);
	assert_int_equal(drain(f, 0, buf, sizeof(buf)), 0);
	assert_int_equal(drain(f, 1, buf, sizeof(buf)), 0);
	assert_int_equal(f->td.atts[0]->c.drops[TD_DROP_BLACKHOLE], 1);
	assert_int_equal(f->td.atts[0]->c.icmp_sent, 0);
}

static void
test_icmp_errors(void **state)
{
	struct fx *f = *state;
	struct dp_ipv4_hdr h;
	uint8_t buf[2048];
	ssize_t n;

	/* No route: net unreachable from the ENI 10.1.0.254 back to the sender. */
	inject(f, 0, V4(10, 1, 0, 10), V4(10, 9, 0, 1), 64);
	n = drain(f, 0, buf, sizeof(buf));
	assert_int_equal(dp_ipv4_parse(buf, (size_t)n, 0, &h), DP_IPV4_OK);
	assert_int_equal(h.src, V4(10, 1, 0, 254));
	assert_int_equal(h.dst, V4(10, 1, 0, 10));
	assert_int_equal(buf[20], DP_ICMP_UNREACH);
	assert_int_equal(buf[21], DP_ICMP_UNREACH_NET);
	/* TTL 1: time exceeded, nothing forwarded. */
	inject(f, 0, V4(10, 1, 0, 10), V4(10, 2, 0, 10), 1);
	assert_int_equal(drain(f, 1, buf, sizeof(buf)), 0);
	n = drain(f, 0, buf, sizeof(buf));
	assert_int_equal(dp_ipv4_parse(buf, (size_t)n, 0, &h), DP_IPV4_OK);
	assert_int_equal(buf[20], DP_ICMP_TIMXCEED);
	assert_int_equal(f->td.atts[0]->c.drops[TD_DROP_TTL], 1);
	assert_int_equal(f->td.atts[0]->c.icmp_sent, 2);
}

static void
test_garbage(void **state)
{
	struct fx *f = *state;
	uint8_t junk[40] = { 0x60 }, buf[64];

	/* IPv6 and a truncated IPv4 header: dropped and counted, nothing sent. */
	assert_int_equal(write(f->peer[0], junk, sizeof(junk)), (ssize_t)sizeof(junk));
	junk[0] = 0x45;
	assert_int_equal(write(f->peer[0], junk, 12), 12);
	td_fwd_tun_cb(f->td.ev, f->td.atts[0]->tun.fd, EV_READ, f->td.atts[0]);
	assert_int_equal(f->td.atts[0]->c.drops[TD_DROP_NOT_V4], 1);
	assert_int_equal(f->td.atts[0]->c.drops[TD_DROP_PARSE], 1);
	assert_int_equal(f->td.atts[0]->c.parse[DP_IPV4_SHORT], 1);
	assert_int_equal(drain(f, 1, buf, sizeof(buf)), 0);
	assert_int_equal(drain(f, 0, buf, sizeof(buf)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_forward_one_hop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ingress_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blackhole_silent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
