/*
 * transitd's ICMP errors about packets that came out of a tunnel (td_fwd.c,
 * td_fwd_icmp.c; docs/daemon.md "ICMP errors"), without root: one node runs both
 * VPN gateways of a manually keyed connection, the attachments' TUN fds are
 * SOCK_SEQPACKET socketpairs and each tunnel's socket is a UDP socket on 127.0.0.1
 * pointed at the other's port, so a packet from vpc-b crosses gw-b, the tunnel
 * (real ESP, real SAs) and gw-a.  Checks that an expired TTL at gw-a yields exactly
 * one ESP datagram back, which the peer's inbound SA decrypts to an ICMP time
 * exceeded from the chosen source quoting the packet as gw-a received it; the
 * source choice (inside address, else the ENI, else nothing: icmp_no_src); the
 * same with a TGW hub in gw-a's place (its TTL decrement, net unreachable from
 * the VPN attachment's table, nothing without an inside address); fail
 * closed without an outbound SA; no error about an ICMP error; the per-tunnel rate
 * limit; frag needed for a DF packet too big for the VPC behind the tunnel.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
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
#include "esp/esp.h"
#include "net/net.h"
#include "test_dp_pkt.h"

/* %s: the connection's traffic_selectors lines, then an optional inside_cidr line. */
static const char net_fmt[] =
    "version: 1\n"
    "name: t\n"
    "regions:\n"
    "  - name: r1\n"
    "    cloud: onprem\n"
    "vpcs:\n"
    "  - name: vpc-a\n"
    "    region: r1\n"
    "    cidrs: [10.1.0.0/16]\n"
    "    subnets:\n"
    "      - name: vpc-a-s1\n"
    "        cidr: 10.1.0.0/24\n"
    "  - name: vpc-b\n"
    "    region: r1\n"
    "    cidrs: [10.2.0.0/16]\n"
    "    subnets:\n"
    "      - name: vpc-b-s1\n"
    "        cidr: 10.2.0.0/24\n"
    "vpn_gateways:\n"
    "  - name: gw-a\n"
    "    region: r1\n"
    "    vpc: vpc-a\n"
    "    interfaces: [192.0.2.1]\n"
    "  - name: gw-b\n"
    "    region: r1\n"
    "    vpc: vpc-b\n"
    "    interfaces: [192.0.2.2]\n"
    "vpn_connections:\n"
    "  - name: conn-ab\n"
    "    left: { gateway: gw-a }\n"
    "    right: { gateway: gw-b }\n"
    "    profile: alibaba\n"
    "    keying: manual\n"
    "    traffic_selectors:\n"
    "%s"
    "    tunnels:\n"
    "      - left_ip: 192.0.2.1\n"
    "        right_ip: 192.0.2.2\n"
    "        psk: unit.test.only\n"
    "%s"
    "nodes:\n"
    "  - name: n1\n"
    "    runs: [gw-a, gw-b]\n";

static const char sel_policy[] =
    "      left: [10.1.0.0/16]\n"
    "      right: [10.2.0.0/16]\n";
static const char sel_route[] =
    "      left: [0.0.0.0/0]\n"
    "      right: [0.0.0.0/0]\n";
/* gw-a's ENI 10.1.0.254 is outside its local selectors. */
static const char sel_narrow[] =
    "      left: [10.1.5.0/24]\n"
    "      right: [10.2.0.0/16]\n";
static const char inside[] = "        inside_cidr: 169.254.10.0/30\n";

/*
 * A TGW hub (vpc-a attached) and gw-b, one tunnel between them, both on n1; %s:
 * an optional inside_cidr line.  No left selectors: the hub side carries any
 * address, like a route-based VPN.
 */
static const char hub_fmt[] =
    "version: 1\n"
    "name: t\n"
    "regions:\n"
    "  - name: r1\n"
    "    cloud: onprem\n"
    "vpcs:\n"
    "  - name: vpc-a\n"
    "    region: r1\n"
    "    cidrs: [10.1.0.0/16]\n"
    "  - name: vpc-b\n"
    "    region: r1\n"
    "    cidrs: [10.2.0.0/16]\n"
    "    subnets:\n"
    "      - name: vpc-b-s1\n"
    "        cidr: 10.2.0.0/24\n"
    "hubs:\n"
    "  - name: hub1\n"
    "    kind: tgw\n"
    "    region: r1\n"
    "    route_tables:\n"
    "      - name: default\n"
    "        routes:\n"
    "          - dest: 10.2.0.0/16\n"
    "            target: att-vpn\n"
    "    attachments:\n"
    "      - name: att-a\n"
    "        vpc: vpc-a\n"
    "      - name: att-vpn\n"
    "        vpn: conn-hg\n"
    "        propagate: []\n"
    "vpn_gateways:\n"
    "  - name: gw-b\n"
    "    region: r1\n"
    "    vpc: vpc-b\n"
    "vpn_connections:\n"
    "  - name: conn-hg\n"
    "    left: { gateway: hub1 }\n"
    "    right: { gateway: gw-b }\n"
    "    profile: gcp\n"
    "    keying: manual\n"
    "    traffic_selectors:\n"
    "      right: [10.2.0.0/16]\n"
    "    tunnels:\n"
    "      - left_ip: 192.0.2.1\n"
    "        right_ip: 192.0.2.2\n"
    "        psk: unit.test.only\n"
    "%s"
    "nodes:\n"
    "  - name: n1\n"
    "    runs: [hub1, gw-b]\n";

/*
 * atts / tuns in plan order: gw-a's (or the hub's att-a) first, and the left
 * tunnel is gw-a's (the hub's).
 */
enum { GA = 0, GB = 1 };

struct fx {
	struct td	 td;
	int		 peer[2];	/* the VPC side of gw-a, gw-b */
	struct td_tunnel *l, *r;	/* the tunnel on gw-a, on gw-b */
};

static struct fx *
fx_new_yaml(const char *yaml, size_t n)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];
	size_t i;

	assert_non_null(f);
	td_fx_load(&f->td, yaml, n);
	assert_int_equal(f->td.natts, 2);
	assert_int_equal(f->td.ntuns, 2);
	for (i = 0; i < 2; i++)
		f->peer[i] = td_fx_fake_tun(&f->td, i);
	f->l = f->td.tuns[0];
	f->r = f->td.tuns[1];
	assert_true(f->l->left && !f->r->left);
	if (f->l->rhub == NULL)
		assert_ptr_equal(f->l->vpc_att, f->td.atts[GA]);
	for (i = 0; i < 2; i++) {
		struct td_tunnel *t = f->td.tuns[i];
		struct dp_udp_cfg c;

		memset(&c, 0, sizeof(c));
		addr_from_v4(&c.local, IP(127, 0, 0, 1));
		assert_int_equal(dp_udp_open(&c, &t->udp), 0);
		addr_from_v4(&t->peer, IP(127, 0, 0, 1));
		t->id = (uint32_t)i + 1;
		assert_non_null(t->sadb = esp_sadb_new());
		assert_int_equal(td_tunnel_sa_install(t, err, sizeof(err)), 0);
	}
	f->l->peer_port = f->r->udp.port;
	f->r->peer_port = f->l->udp.port;
	td_node_index(&f->td);
	return f;
}

static struct fx *
fx_new(const char *sel, const char *ins)
{
	char yaml[4096];
	int n;

	n = snprintf(yaml, sizeof(yaml), net_fmt, sel, ins);
	assert_true(n > 0 && (size_t)n < sizeof(yaml));
	return fx_new_yaml(yaml, (size_t)n);
}

static struct fx *
fx_new_hub(const char *ins)
{
	char yaml[4096];
	int n;

	n = snprintf(yaml, sizeof(yaml), hub_fmt, ins);
	assert_true(n > 0 && (size_t)n < sizeof(yaml));
	return fx_new_yaml(yaml, (size_t)n);
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < 2; i++)
		close(f->peer[i]);
	td_release(&f->td);
	free(f);
	return 0;
}

static int
setup_policy(void **state)
{
	*state = fx_new(sel_policy, "");
	return 0;
}

static int
setup_route_inside(void **state)
{
	*state = fx_new(sel_route, inside);
	return 0;
}

static int
setup_policy_inside(void **state)
{
	*state = fx_new(sel_policy, inside);
	return 0;
}

static int
setup_mtu9000(void **state)
{
	*state = fx_new(sel_policy, "        mtu: 9000\n");
	return 0;
}

static int
setup_hub_inside(void **state)
{
	*state = fx_new_hub(inside);
	return 0;
}

static int
setup_hub(void **state)
{
	*state = fx_new_hub("");
	return 0;
}

static int
setup_narrow(void **state)
{
	*state = fx_new(sel_narrow, "");
	return 0;
}

/*
 * n packets from vpc-b's host into gw-b, then gw-a's tunnel reads what gw-b sent:
 * ICMP messages of `type` (an echo request, or an error to test suppression) and
 * len bytes in all, DF set when df.
 */
static void
cross_len(struct fx *f, uint32_t dst, uint8_t ttl, uint8_t type, int n, size_t len,
    bool df)
{
	static uint8_t icmp[4096], buf[4096];
	struct pkt_spec s = pkt_default();
	uint64_t sent = f->r->c.tx_pkts;
	size_t plen;
	int i;

	assert_true(len >= 20 + 8 && len <= sizeof(buf));
	memset(icmp, 0xab, sizeof(icmp));
	plen = len - 20;
	icmp[0] = type;
	icmp[1] = 0;
	wr16(icmp + 2, 0);
	wr32(icmp + 4, 0x00010001);
	wr16(icmp + 2, ref_csum(icmp, plen));
	s.src = IP(10, 2, 0, 10);
	s.dst = dst;
	s.ttl = ttl;
	s.frag = df ? 0x4000 : 0;
	s.proto = DP_IPPROTO_ICMP;
	s.payload = icmp;
	s.paylen = plen;
	assert_int_equal(pkt_build(buf, &s), len);
	for (i = 0; i < n; i++)
		assert_int_equal(write(f->peer[GB], buf, len), (ssize_t)len);
	ev_now_update(f->td.ev);
	td_fwd_tun_cb(f->td.ev, f->td.atts[GB]->tun.fd, EV_READ, f->td.atts[GB]);
	assert_int_equal(f->r->c.tx_pkts - sent, (uint64_t)n);
	td_fwd_udp_cb(f->td.ev, f->l->udp.fd, EV_READ, f->l);
}

static void
cross(struct fx *f, uint32_t dst, uint8_t ttl, uint8_t type, int n)
{
	cross_len(f, dst, ttl, type, n, 20 + 16, false);
}

/* One datagram waiting on the gw-b tunnel's socket (0: none). */
static ssize_t
udp_take(struct fx *f, uint8_t *buf, size_t cap)
{
	ssize_t n = recv(f->r->udp.fd, buf, cap, MSG_DONTWAIT);

	return n < 0 ? 0 : n;
}

/*
 * Exactly one ESP datagram came back to gw-b: decrypt it with gw-b's inbound SA
 * and check the ICMP error inside it (type, code), from src, quoting what the far
 * side received (TTL qttl), counted as sent and as a `why` drop there.
 */
static void
check_error_back(struct fx *f, uint32_t src, uint32_t quoted_dst, uint8_t type,
    uint8_t code, uint8_t qttl, enum td_drop why)
{
	uint8_t buf[2048];
	struct esp_pkt p;
	struct esp_sa *sa = NULL;
	struct dp_ipv4_hdr h;
	const uint8_t *ip, *q;
	ssize_t n;

	n = udp_take(f, buf, sizeof(buf));
	assert_true(n > 8);
	assert_int_equal(rd32(buf), f->r->spi_in);	/* ESP, not the IKE marker */
	assert_int_equal(udp_take(f, buf + 1024, 1024), 0);
	p.buf = buf;
	p.head = 0;
	p.len = (size_t)n;
	p.cap = sizeof(buf);
	assert_int_equal(esp_decap(f->r->sadb, &p, &sa, NULL, 0), ESP_DROP_NONE);
	ip = buf + p.head;
	assert_int_equal(dp_ipv4_parse(ip, p.len, 0, &h), DP_IPV4_OK);
	assert_int_equal(h.src, src);
	assert_int_equal(h.dst, IP(10, 2, 0, 10));
	assert_int_equal(h.proto, DP_IPPROTO_ICMP);
	assert_int_equal(ip[20], type);
	assert_int_equal(ip[21], code);
	assert_int_equal(ref_csum(ip + 20, h.tot_len - 20), 0);
	/* The quote: the header gw-a got (TTL 1 after gw-b's hop) and 8 bytes. */
	assert_true(h.tot_len >= 20 + 8 + 20 + 8);
	q = ip + 28;
	assert_int_equal(q[0], 0x45);
	assert_int_equal(q[8], qttl);
	assert_int_equal(q[9], DP_IPPROTO_ICMP);
	assert_int_equal(rd32(q + 12), IP(10, 2, 0, 10));
	assert_int_equal(rd32(q + 16), quoted_dst);
	assert_int_equal(q[20], DP_ICMP_ECHO);
	assert_int_equal(f->l->c.icmp_sent, 1);
	assert_int_equal(f->l->c.drops[why], 1);
}

static void
test_ttl_from_eni(void **state)
{
	struct fx *f = *state;
	uint8_t buf[256];

	cross(f, IP(10, 1, 0, 10), 2, DP_ICMP_ECHO, 1);
	assert_int_equal(read(f->peer[GA], buf, sizeof(buf)), -1);	/* not forwarded */
	check_error_back(f, IP(10, 1, 0, 254), IP(10, 1, 0, 10), DP_ICMP_TIMXCEED, 0, 1,
	    TD_DROP_TTL);
}

/* The error, fed to gw-b's tunnel, reaches vpc-b's host like any tunnel packet. */
static void
test_ttl_reaches_sender(void **state)
{
	struct fx *f = *state;
	struct dp_ipv4_hdr h;
	uint8_t buf[2048];
	ssize_t n;

	cross(f, IP(10, 1, 0, 10), 2, DP_ICMP_ECHO, 1);
	td_fwd_udp_cb(f->td.ev, f->r->udp.fd, EV_READ, f->r);
	assert_int_equal(f->r->c.drops[TD_DROP_DECAP], 0);
	n = read(f->peer[GB], buf, sizeof(buf));
	assert_true(n > 28);
	assert_int_equal(dp_ipv4_parse(buf, (size_t)n, 0, &h), DP_IPV4_OK);
	assert_int_equal(h.src, IP(10, 1, 0, 254));
	assert_int_equal(h.dst, IP(10, 2, 0, 10));
	assert_int_equal(h.ttl, 63);
	assert_int_equal(buf[20], DP_ICMP_TIMXCEED);
}

static void
test_no_sa_nothing_sent(void **state)
{
	struct fx *f = *state;
	uint8_t buf[256];

	assert_int_equal(esp_sadb_delete(f->l->sadb, ESP_DIR_OUT, f->l->spi_out), 0);
	cross(f, IP(10, 1, 0, 10), 2, DP_ICMP_ECHO, 1);
	assert_int_equal(udp_take(f, buf, sizeof(buf)), 0);
	assert_int_equal(f->l->c.drops[TD_DROP_TTL], 1);
	assert_int_equal(f->l->c.drops[TD_DROP_NO_SA], 1);
	assert_int_equal(f->l->c.icmp_sent, 0);
	assert_int_equal(f->l->c.tx_pkts, 0);
}

static void
test_no_error_about_error(void **state)
{
	struct fx *f = *state;
	uint8_t buf[256];

	cross(f, IP(10, 1, 0, 10), 2, DP_ICMP_UNREACH, 1);
	assert_int_equal(udp_take(f, buf, sizeof(buf)), 0);
	assert_int_equal(f->l->c.drops[TD_DROP_TTL], 1);
	assert_int_equal(f->l->c.icmp_sent, 0);
	assert_int_equal(f->l->c.drops[TD_DROP_NO_SA], 0);
	assert_int_equal(f->l->c.drops[TD_DROP_ICMP_SRC], 0);
}

static void
test_rate_limited_per_tunnel(void **state)
{
	struct fx *f = *state;
	uint8_t buf[2048];
	int n = 0;

	/* One batch, far faster than the refill: the burst and at most one more. */
	cross(f, IP(10, 1, 0, 10), 2, DP_ICMP_ECHO, TD_ICMP_BURST + 10);
	while (udp_take(f, buf, sizeof(buf)) > 0)
		n++;
	assert_true(n >= TD_ICMP_BURST && n <= TD_ICMP_BURST + 1);
	assert_int_equal(f->l->c.icmp_sent, (uint64_t)n);
	assert_int_equal(f->l->c.drops[TD_DROP_TTL], TD_ICMP_BURST + 10);
	/* The attachment's own bucket is not the one spent. */
	assert_int_equal(f->td.atts[GA]->icmp_rl.allowed, 0);
}

/*
 * A tunnel of MTU 9000 into gw-a's VPC (1500): a 2000-byte DF packet gets frag
 * needed with MTU 1500 back through the tunnel; without DF it is delivered.
 */
static void
test_frag_needed_back(void **state)
{
	struct fx *f = *state;
	uint8_t buf[4096];
	struct esp_pkt p;
	struct esp_sa *sa = NULL;
	struct dp_ipv4_hdr h;
	const uint8_t *ip;
	ssize_t n;

	cross_len(f, IP(10, 1, 0, 10), 64, DP_ICMP_ECHO, 1, 2000, true);
	assert_int_equal(read(f->peer[GA], buf, sizeof(buf)), -1);
	assert_int_equal(f->td.atts[GA]->c.drops[TD_DROP_TOO_BIG], 1);
	n = udp_take(f, buf, sizeof(buf));
	assert_true(n > 8);
	assert_int_equal(udp_take(f, buf + 2048, 2048), 0);
	p.buf = buf;
	p.head = 0;
	p.len = (size_t)n;
	p.cap = sizeof(buf);
	assert_int_equal(esp_decap(f->r->sadb, &p, &sa, NULL, 0), ESP_DROP_NONE);
	ip = buf + p.head;
	assert_int_equal(dp_ipv4_parse(ip, p.len, 0, &h), DP_IPV4_OK);
	assert_true(h.tot_len <= DP_ICMP_ERR_MAX);
	assert_int_equal(h.src, IP(10, 1, 0, 254));
	assert_int_equal(h.dst, IP(10, 2, 0, 10));
	assert_int_equal(ip[20], DP_ICMP_UNREACH);
	assert_int_equal(ip[21], DP_ICMP_UNREACH_NEEDFRAG);
	assert_int_equal(rd16(ip + 26), 1500);
	assert_int_equal(rd16(ip + 28 + 2), 2000);	/* the quoted total length */
	assert_int_equal(f->l->c.icmp_sent, 1);

	cross_len(f, IP(10, 1, 0, 10), 64, DP_ICMP_ECHO, 2, 2000, false);
	assert_int_equal(read(f->peer[GA], buf, sizeof(buf)), 2000);
	assert_int_equal(f->l->c.icmp_sent, 1);
}

/* Route-based selectors and an inside_cidr: the inside address (left = .1). */
static void
test_inside_source(void **state)
{
	struct fx *f = *state;

	cross(f, IP(10, 1, 0, 10), 2, DP_ICMP_ECHO, 1);
	check_error_back(f, IP(169, 254, 10, 1), IP(10, 1, 0, 10), DP_ICMP_TIMXCEED, 0,
	    1, TD_DROP_TTL);
}

/* An inside address the policy selectors do not carry: the ENI instead. */
static void
test_inside_outside_selectors(void **state)
{
	struct fx *f = *state;

	cross(f, IP(10, 1, 0, 10), 2, DP_ICMP_ECHO, 1);
	check_error_back(f, IP(10, 1, 0, 254), IP(10, 1, 0, 10), DP_ICMP_TIMXCEED, 0, 1,
	    TD_DROP_TTL);
}

/* The hub's decrement expires it: from the hub's inside address. */
static void
test_hub_ttl(void **state)
{
	struct fx *f = *state;
	uint8_t buf[256];

	cross(f, IP(10, 1, 0, 10), 2, DP_ICMP_ECHO, 1);
	assert_int_equal(read(f->peer[GA], buf, sizeof(buf)), -1);
	check_error_back(f, IP(169, 254, 10, 1), IP(10, 1, 0, 10), DP_ICMP_TIMXCEED, 0,
	    1, TD_DROP_TTL);
}

/* No route in the table the VPN attachment is associated with: net unreachable. */
static void
test_hub_net_unreach(void **state)
{
	struct fx *f = *state;

	cross(f, IP(10, 9, 0, 1), 64, DP_ICMP_ECHO, 1);
	check_error_back(f, IP(169, 254, 10, 1), IP(10, 9, 0, 1), DP_ICMP_UNREACH,
	    DP_ICMP_UNREACH_NET, 63, TD_DROP_NO_ROUTE);
}

/* A hub without an inside address has none of its own on the tunnel. */
static void
test_hub_no_inside(void **state)
{
	struct fx *f = *state;
	uint8_t buf[256];

	cross(f, IP(10, 9, 0, 1), 64, DP_ICMP_ECHO, 1);
	assert_int_equal(f->l->c.drops[TD_DROP_NO_ROUTE], 1);
	assert_int_equal(udp_take(f, buf, sizeof(buf)), 0);
	assert_int_equal(f->l->c.drops[TD_DROP_ICMP_SRC], 1);
	assert_int_equal(f->l->c.icmp_sent, 0);
}

/* Neither candidate is in the local selectors: not sent, counted. */
static void
test_no_source(void **state)
{
	struct fx *f = *state;
	uint8_t buf[256];

	cross(f, IP(10, 1, 5, 10), 2, DP_ICMP_ECHO, 1);
	assert_int_equal(f->l->c.drops[TD_DROP_DECAP], 0);
	assert_int_equal(f->l->c.drops[TD_DROP_TTL], 1);
	assert_int_equal(udp_take(f, buf, sizeof(buf)), 0);
	assert_int_equal(f->l->c.drops[TD_DROP_ICMP_SRC], 1);
	assert_int_equal(f->l->c.icmp_sent, 0);
	assert_string_equal(td_drop_name(TD_DROP_ICMP_SRC), "icmp_no_src");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ttl_from_eni, setup_policy,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ttl_reaches_sender, setup_policy,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_sa_nothing_sent, setup_policy,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_error_about_error, setup_policy,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rate_limited_per_tunnel,
		    setup_policy, teardown),
		cmocka_unit_test_setup_teardown(test_frag_needed_back, setup_mtu9000,
		    teardown),
		cmocka_unit_test_setup_teardown(test_inside_source, setup_route_inside,
		    teardown),
		cmocka_unit_test_setup_teardown(test_inside_outside_selectors,
		    setup_policy_inside, teardown),
		cmocka_unit_test_setup_teardown(test_no_source, setup_narrow, teardown),
		cmocka_unit_test_setup_teardown(test_hub_ttl, setup_hub_inside, teardown),
		cmocka_unit_test_setup_teardown(test_hub_net_unreach, setup_hub_inside,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hub_no_inside, setup_hub, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
