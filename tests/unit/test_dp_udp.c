/*
 * dp_udp on loopback (no privileges needed): a 64-datagram sendmmsg batch arrives
 * intact through recvmmsg with source and local addresses; the source address can
 * be chosen per datagram (IP_PKTINFO); truncation is reported; UDP_SEGMENT splits
 * one buffer into equal datagrams, and UDP_GRO hands such a train back as one
 * buffer with its segment size.  The two-namespace version of the batch test is
 * in test_dp_tun_netns.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/prefix.h"
#include "dataplane/dp_udp.h"

#define N	64

static void
loopback(struct ipaddr *a, uint8_t last)
{
	addr_from_v4(a, 0x7f000000u | last);
}

static void
open_pair(struct dp_udp *a, struct dp_udp *b, bool a_any)
{
	struct dp_udp_cfg cfg = { .rcvbuf = 1 << 20, .sndbuf = 1 << 20 };

	if (!a_any)
		loopback(&cfg.local, 1);
	assert_int_equal(dp_udp_open(&cfg, a), 0);
	loopback(&cfg.local, 1);
	assert_int_equal(dp_udp_open(&cfg, b), 0);
	assert_true(a->port != 0 && b->port != 0 && a->port != b->port);
	assert_true(a->rcvbuf > 0 && a->sndbuf > 0);
}

/* Receive until want datagrams arrived or 2 s passed. */
static size_t
recv_all(struct dp_udp *u, struct dp_udp_msg *msgs, size_t want)
{
	size_t got = 0;
	int spins = 0;

	while (got < want && spins < 200) {
		struct pollfd pfd = { .fd = u->fd, .events = POLLIN };
		int r;

		if (poll(&pfd, 1, 10) == 0) {
			spins++;
			continue;
		}
		r = dp_udp_recv_batch(u, msgs + got, want - got);
		assert_true(r >= 0);
		got += (size_t)r;
	}
	return got;
}

static void
fill(uint8_t *p, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i);
}

static void
test_batch_roundtrip(void **state)
{
	static uint8_t sbuf[N][256], rbuf[N][256];
	struct dp_udp_msg out[N], in[N];
	struct dp_udp a, b;
	struct ipaddr lo;
	size_t i;

	open_pair(&a, &b, false);
	loopback(&lo, 1);
	memset(out, 0, sizeof(out));
	memset(in, 0, sizeof(in));
	for (i = 0; i < N; i++) {
		/* distinct lengths and contents; byte 0 carries the index */
		out[i].buf = sbuf[i];
		out[i].len = 20 + i * 3;
		fill(sbuf[i], out[i].len, (unsigned)i);
		sbuf[i][0] = (uint8_t)i;
		out[i].peer = lo;
		out[i].peer_port = b.port;
		in[i].buf = rbuf[i];
		in[i].cap = sizeof(rbuf[i]);
	}
	assert_int_equal(dp_udp_recv_batch(&b, in, N), 0);	/* nothing yet */
	assert_int_equal(dp_udp_send_batch(&a, out, N), N);
	assert_int_equal(recv_all(&b, in, N), N);
	for (i = 0; i < N; i++) {
		uint8_t want[256];
		unsigned idx = in[i].buf[0];

		assert_true(idx < N);
		assert_int_equal(in[i].len, 20 + idx * 3);
		fill(want, in[i].len, idx);
		want[0] = (uint8_t)idx;
		assert_memory_equal(in[i].buf, want, in[i].len);
		assert_true(addr_eq(&in[i].peer, &lo));
		assert_int_equal(in[i].peer_port, a.port);
		assert_true(addr_eq(&in[i].local, &lo));
		assert_true(in[i].ifindex > 0);
		assert_int_equal(in[i].flags, 0);
	}
	dp_udp_close(&a);
	dp_udp_close(&b);
}

static void
test_source_address_and_trunc(void **state)
{
	uint8_t sbuf[100], rbuf[40];
	struct dp_udp_msg out = { 0 }, in = { 0 };
	struct dp_udp a, b;
	struct ipaddr src2;

	open_pair(&a, &b, true);	/* a on 0.0.0.0: the source is ours to pick */
	loopback(&src2, 2);
	fill(sbuf, sizeof(sbuf), 9);
	out.buf = sbuf;
	out.len = sizeof(sbuf);
	loopback(&out.peer, 1);
	out.peer_port = b.port;
	out.local = src2;
	assert_int_equal(dp_udp_send_batch(&a, &out, 1), 1);
	in.buf = rbuf;
	in.cap = sizeof(rbuf);
	assert_int_equal(recv_all(&b, &in, 1), 1);
	assert_true(addr_eq(&in.peer, &src2));
	assert_int_equal(in.len, sizeof(rbuf));
	assert_int_equal(in.flags, MSG_TRUNC);
	assert_memory_equal(rbuf, sbuf, sizeof(rbuf));
	dp_udp_close(&a);
	dp_udp_close(&b);
}

static void
test_udp_segment(void **state)
{
	uint8_t sbuf[300], rbuf[4][200];
	struct dp_udp_msg out = { 0 }, in[4];
	struct dp_udp a, b;
	size_t i;

	open_pair(&a, &b, false);
	fill(sbuf, sizeof(sbuf), 3);
	out.buf = sbuf;
	out.len = sizeof(sbuf);
	loopback(&out.peer, 1);
	out.peer_port = b.port;
	out.gso_size = 100;
	memset(in, 0, sizeof(in));
	for (i = 0; i < 4; i++) {
		in[i].buf = rbuf[i];
		in[i].cap = sizeof(rbuf[i]);
	}
	assert_int_equal(dp_udp_send_batch(&a, &out, 1), 1);
	assert_int_equal(recv_all(&b, in, 3), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(in[i].len, 100);
		assert_memory_equal(in[i].buf, sbuf + 100 * i, 100);
	}
	/* and nothing more */
	assert_int_equal(dp_udp_recv_batch(&b, &in[3], 1), 0);
	dp_udp_close(&a);
	dp_udp_close(&b);
}

/* The same batch path over IPv6 (IPV6_RECVPKTINFO), skipped without ::1. */
static void
test_ipv6_loopback(void **state)
{
	uint8_t sbuf[4][64], rbuf[4][64];
	struct dp_udp_msg out[4], in[4];
	struct dp_udp_cfg cfg = { 0 };
	struct dp_udp a, b;
	struct ipaddr lo6;
	char err[128];
	size_t i;

	assert_int_equal(addr_parse("::1", &lo6, err, sizeof(err)), 0);
	cfg.local = lo6;
	if (dp_udp_open(&cfg, &a) == -1) {
		print_message("SKIP: no IPv6 loopback here\n");
		skip();
	}
	assert_int_equal(dp_udp_open(&cfg, &b), 0);
	assert_int_equal(a.family, PFX_V6);
	memset(out, 0, sizeof(out));
	memset(in, 0, sizeof(in));
	for (i = 0; i < 4; i++) {
		fill(sbuf[i], sizeof(sbuf[i]), (unsigned)i + 40);
		out[i].buf = sbuf[i];
		out[i].len = 10 + i;
		out[i].peer = lo6;
		out[i].peer_port = b.port;
		out[i].local = lo6;	/* exercises the IPV6_PKTINFO send path */
		in[i].buf = rbuf[i];
		in[i].cap = sizeof(rbuf[i]);
	}
	assert_int_equal(dp_udp_send_batch(&a, out, 4), 4);
	assert_int_equal(recv_all(&b, in, 4), 4);
	for (i = 0; i < 4; i++) {
		/* loopback keeps order */
		assert_int_equal(in[i].len, 10 + i);
		assert_memory_equal(in[i].buf, sbuf[i], in[i].len);
		assert_true(addr_eq(&in[i].peer, &lo6));
		assert_int_equal(in[i].peer_port, a.port);
		assert_true(addr_eq(&in[i].local, &lo6));
	}
	dp_udp_close(&a);
	dp_udp_close(&b);
}

/* GSO sender to a GRO receiver on loopback: one buffer in, one buffer out. */
static void
test_udp_gro(void **state)
{
	uint8_t sbuf[300], rbuf[2][1024];
	struct dp_udp_msg out = { 0 }, in[2];
	struct dp_udp_cfg cfg = { .gro = true };
	struct dp_udp a, b;

	loopback(&cfg.local, 1);
	assert_int_equal(dp_udp_open(&cfg, &a), 0);
	assert_int_equal(dp_udp_open(&cfg, &b), 0);
	fill(sbuf, sizeof(sbuf), 5);
	out.buf = sbuf;
	out.len = 250;		/* 100 + 100 + 50: the last segment may be short */
	loopback(&out.peer, 1);
	out.peer_port = b.port;
	out.gso_size = 100;
	memset(in, 0, sizeof(in));
	in[0].buf = rbuf[0];
	in[0].cap = sizeof(rbuf[0]);
	in[1].buf = rbuf[1];
	in[1].cap = sizeof(rbuf[1]);
	assert_int_equal(dp_udp_send_batch(&a, &out, 1), 1);
	assert_int_equal(recv_all(&b, in, 1), 1);
	assert_int_equal(in[0].len, 250);
	assert_int_equal(in[0].gso_size, 100);
	assert_memory_equal(in[0].buf, sbuf, 250);
	assert_int_equal(dp_udp_recv_batch(&b, &in[1], 1), 0);
	dp_udp_close(&a);
	dp_udp_close(&b);
}

static void
test_family_mismatch(void **state)
{
	uint8_t x = 0;
	struct dp_udp_msg out = { .buf = &x, .len = 1 };
	struct dp_udp a, b;

	open_pair(&a, &b, false);
	out.peer.family = PFX_V6;
	out.peer_port = b.port;
	assert_int_equal(dp_udp_send_batch(&a, &out, 1), -1);
	dp_udp_close(&a);
	dp_udp_close(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_roundtrip),
		cmocka_unit_test(test_source_address_and_trunc),
		cmocka_unit_test(test_udp_segment),
		cmocka_unit_test(test_udp_gro),
		cmocka_unit_test(test_ipv6_loopback),
		cmocka_unit_test(test_family_mismatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
