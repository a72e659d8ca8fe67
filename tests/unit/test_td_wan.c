/*
 * transitd --emulate-wan (td_wan.c) on a CEN node, without root: the attachments'
 * TUN fds are SOCK_SEQPACKET socketpairs, the rest is the daemon's own plan, CEN
 * tables, td_fwd_tun_cb and event loop (real clock).  Checks that a packet between
 * VPCs of two regions is held for the file's one-way `wan` delay (never early),
 * that one region and a daemon without the option forward at once, that TTL stays
 * untouched (TTL-transparent CEN), and the CEN bandwidth: the free 1 kbps when the
 * file buys none (cloud-semantics.md behaviour 42), the bought rate otherwise;
 * and that a reload delivers what was held.
 */
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
#include "common/util.h"
#include "config/cfg.h"
#include "td_test_fixture.h"
#include "daemon/td.h"
#include "net/net.h"
#include "test_dp_pkt.h"

#define MS	1000000ull
#define DELAY_MS 20

/* %s: the CEN's bandwidth entry (or nothing). */
static const char net_fmt[] =
    "version: 1\n"
    "name: t\n"
    "regions:\n"
    "  - name: r1\n"
    "    cloud: alibaba\n"
    "  - name: r2\n"
    "    cloud: alibaba\n"
    "wan:\n"
    "  - between: [r1, r2]\n"
    "    delay_ms: 20\n"
    "vpcs:\n"
    "  - name: va\n"
    "    region: r1\n"
    "    cidrs: [10.1.0.0/16]\n"
    "    subnets:\n"
    "      - name: va-s\n"
    "        cidr: 10.1.0.0/24\n"
    "  - name: vb\n"
    "    region: r2\n"
    "    cidrs: [10.2.0.0/16]\n"
    "    subnets:\n"
    "      - name: vb-s\n"
    "        cidr: 10.2.0.0/24\n"
    "  - name: vc\n"
    "    region: r1\n"
    "    cidrs: [10.3.0.0/16]\n"
    "    subnets:\n"
    "      - name: vc-s\n"
    "        cidr: 10.3.0.0/24\n"
    "hubs:\n"
    "  - name: cen1\n"
    "    kind: cen\n"
    "    regions: [r1, r2]\n"
    "    attachments:\n"
    "      - name: cen-a\n"
    "        vpc: va\n"
    "      - name: cen-b\n"
    "        vpc: vb\n"
    "      - name: cen-c\n"
    "        vpc: vc\n"
    "%s"
    "nodes:\n"
    "  - name: n1\n"
    "    runs: [cen1]\n";

static const char bw_bought[] =
    "    bandwidth:\n"
    "      - between: [r1, r2]\n"
    "        kbps: 2000\n";

struct opts {
	bool		 wan;
	const char	*bw;
};

static struct opts o_wan_free = { true, "" };
static struct opts o_wan_bought = { true, bw_bought };
static struct opts o_plain = { false, "" };

struct fx {
	struct td	 td;
	int		 peer[3];	/* the VPC side of va, vb, vc */
	size_t		 att[3];	/* index in td.atts of va, vb, vc */
};

static int
setup(void **state)
{
	const struct opts *o = *state;
	struct fx *f = calloc(1, sizeof(*f));
	static const char *const vpcs[3] = { "va", "vb", "vc" };
	char *yaml = xasprintf(net_fmt, o->bw);
	size_t i, k;

	assert_non_null(f);
	td_fx_load(&f->td, yaml, strlen(yaml));
	free(yaml);
	assert_int_equal(f->td.natts, 3);
	for (k = 0; k < 3; k++) {
		for (i = 0; i < 3; i++)
			if (strcmp(f->td.atts[i]->vpc_name, vpcs[k]) == 0)
				f->att[k] = i;
		assert_int_equal(strcmp(f->td.atts[f->att[k]]->vpc_name, vpcs[k]), 0);
		f->peer[k] = td_fx_fake_tun(&f->td, f->att[k]);
	}
	td_node_index(&f->td);
	if (o->wan)
		f->td.wan = td_wan_new(&f->td);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < 3; i++)
		close(f->peer[i]);
	td_release(&f->td);
	free(f);
	return 0;
}

/* An echo request into VPC `in`'s CEN attachment; returns its length. */
static size_t
inject(struct fx *f, int in, uint32_t src, uint32_t dst)
{
	static const uint8_t echo[16] = { 8, 0, 0xf7, 0xfe, 0, 1, 0, 1 };
	struct pkt_spec s = pkt_default();
	struct td_att *a = f->td.atts[f->att[in]];
	uint8_t buf[128];
	size_t len;

	s.src = src;
	s.dst = dst;
	s.ttl = 64;
	s.proto = DP_IPPROTO_ICMP;
	s.payload = echo;
	s.paylen = sizeof(echo);
	len = pkt_build(buf, &s);
	assert_int_equal(write(f->peer[in], buf, len), (ssize_t)len);
	ev_now_update(f->td.ev);
	td_fwd_tun_cb(f->td.ev, a->tun.fd, EV_READ, a);
	return len;
}

static ssize_t
drain(struct fx *f, int out, uint8_t *buf, size_t cap)
{
	ssize_t n = read(f->peer[out], buf, cap);

	return n < 0 ? 0 : n;
}

/* Run the loop until VPC `out` receives a packet or `limit_ns` passes. */
static ssize_t
wait_for(struct fx *f, int out, uint8_t *buf, size_t cap, uint64_t limit_ns)
{
	uint64_t end = util_now_ns() + limit_ns;
	ssize_t n;

	while ((n = drain(f, out, buf, cap)) == 0 && util_now_ns() < end)
		assert_true(ev_run_once(f->td.ev, 2 * MS) >= 0);
	return n;
}

static void
test_cross_region_held(void **state)
{
	struct fx *f = *state;
	struct dp_ipv4_hdr h;
	uint8_t buf[2048];
	uint64_t t0, dt;
	size_t len;
	ssize_t n;

	t0 = util_now_ns();
	len = inject(f, 0, IP(10, 1, 0, 10), IP(10, 2, 0, 10));
	/* Not there at once: held for the r1 -> r2 delay. */
	assert_int_equal(drain(f, 1, buf, sizeof(buf)), 0);
	assert_int_equal(td_wan_stats(f->td.wan)->held, 1);
	n = wait_for(f, 1, buf, sizeof(buf), 2000 * MS);
	dt = util_now_ns() - t0;
	assert_int_equal(n, (ssize_t)len);
	assert_true(dt >= DELAY_MS * MS);	/* never early */
	assert_true(dt < 1000 * MS);
	assert_int_equal(dp_ipv4_parse(buf, (size_t)n, 0, &h), DP_IPV4_OK);
	assert_int_equal(h.ttl, 64);		/* TTL-transparent CEN */
	assert_int_equal(h.dst, IP(10, 2, 0, 10));
	assert_int_equal(f->td.atts[f->att[1]]->c.tx_pkts, 1);
	assert_int_equal(td_wan_stats(f->td.wan)->released, 1);
	/* And back: the other direction has its own link and the same delay. */
	t0 = util_now_ns();
	inject(f, 1, IP(10, 2, 0, 10), IP(10, 1, 0, 10));
	assert_int_equal(drain(f, 0, buf, sizeof(buf)), 0);
	assert_int_equal(wait_for(f, 0, buf, sizeof(buf), 2000 * MS), (ssize_t)len);
	assert_true(util_now_ns() - t0 >= DELAY_MS * MS);
}

static void
test_same_region_at_once(void **state)
{
	struct fx *f = *state;
	uint8_t buf[2048];
	size_t len;

	len = inject(f, 0, IP(10, 1, 0, 10), IP(10, 3, 0, 10));
	assert_int_equal(drain(f, 2, buf, sizeof(buf)), (ssize_t)len);
	assert_int_equal(td_wan_stats(f->td.wan)->held, 0);
}

static void
test_without_option_at_once(void **state)
{
	struct fx *f = *state;
	uint8_t buf[2048];
	size_t len;

	assert_null(f->td.wan);
	len = inject(f, 0, IP(10, 1, 0, 10), IP(10, 2, 0, 10));
	assert_int_equal(drain(f, 1, buf, sizeof(buf)), (ssize_t)len);
}

/*
 * No bandwidth bought: 1 kbps.  The bucket holds 1600 bytes (lab_wsched's
 * minimum), 44 packets of 36 bytes (288 ms each at 1 kbps); the 45th and 46th wait
 * 160 and 448 ms, within the 500 ms queueing limit; the other 14 of 60 are dropped.
 */
static void
test_free_1kbps(void **state)
{
	struct fx *f = *state;
	const struct td_wan_stats *st = td_wan_stats(f->td.wan);
	int i;

	for (i = 0; i < 60; i++)
		assert_int_equal(inject(f, 0, IP(10, 1, 0, 10), IP(10, 2, 0, 10)), 36);
	assert_int_equal(st->held, 46);
	assert_int_equal(st->drop_rate, 14);
}

/* 2 Mbps bought: the same 60 packets all pass. */
static void
test_bought_bandwidth(void **state)
{
	struct fx *f = *state;
	const struct td_wan_stats *st = td_wan_stats(f->td.wan);
	uint8_t buf[2048];
	int i, got = 0;

	for (i = 0; i < 60; i++)
		inject(f, 0, IP(10, 1, 0, 10), IP(10, 2, 0, 10));
	assert_int_equal(st->held, 60);
	assert_int_equal(st->drop_rate, 0);
	while (got < 60 && wait_for(f, 1, buf, sizeof(buf), 2000 * MS) > 0)
		got++;
	assert_int_equal(got, 60);
}

/*
 * A reload (td->reloads moves on) rebuilds the links from the new file; what was
 * held is delivered at once, to the attachment that owns the device now.
 */
static void
test_reload_delivers(void **state)
{
	struct fx *f = *state;
	uint8_t buf[2048];
	size_t len;

	len = inject(f, 0, IP(10, 1, 0, 10), IP(10, 2, 0, 10));
	assert_int_equal(drain(f, 1, buf, sizeof(buf)), 0);
	f->td.reloads++;
	inject(f, 0, IP(10, 1, 0, 10), IP(10, 3, 0, 10));	/* same region */
	assert_int_equal(drain(f, 1, buf, sizeof(buf)), (ssize_t)len);
	assert_int_equal(drain(f, 2, buf, sizeof(buf)), (ssize_t)len);
	assert_int_equal(td_wan_stats(f->td.wan)->released, 1);
	/* The new links still hold cross-region packets. */
	inject(f, 0, IP(10, 1, 0, 10), IP(10, 2, 0, 10));
	assert_int_equal(drain(f, 1, buf, sizeof(buf)), 0);
	assert_int_equal(wait_for(f, 1, buf, sizeof(buf), 2000 * MS), (ssize_t)len);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate_setup_teardown(test_cross_region_held, setup,
		    teardown, &o_wan_bought),
		cmocka_unit_test_prestate_setup_teardown(test_same_region_at_once, setup,
		    teardown, &o_wan_bought),
		cmocka_unit_test_prestate_setup_teardown(test_without_option_at_once, setup,
		    teardown, &o_plain),
		cmocka_unit_test_prestate_setup_teardown(test_free_1kbps, setup,
		    teardown, &o_wan_free),
		cmocka_unit_test_prestate_setup_teardown(test_bought_bandwidth, setup,
		    teardown, &o_wan_bought),
		cmocka_unit_test_prestate_setup_teardown(test_reload_delivers, setup,
		    teardown, &o_wan_bought),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
