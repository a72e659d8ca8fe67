/*
 * dp_gso: TCP segmentation of a superpacket against a reference built segment by
 * segment the way a sender without TSO would (RFC 793 header, checksums summed
 * from scratch by the naive test_dp_pkt.h reference), checksum completion of
 * NEEDS_CSUM packets, GRO coalescing and its round trip through segmentation, and
 * the packets that must be left alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/dp_gso.h"
#include "dataplane/dp_ipv4.h"
#include "test_dp_pkt.h"

#define FIN	0x01
#define SYN	0x02
#define PSH	0x08
#define ACK	0x10
#define CWR	0x80

struct tcp_spec {
	uint16_t	 id;
	uint32_t	 seq, ack;
	uint8_t		 flags;
	uint16_t	 win;
	const uint8_t	*opts;		/* TCP options, a multiple of 4 */
	size_t		 optlen;
	const uint8_t	*data;
	size_t		 dlen;
	uint16_t	 sport;
};

static const uint8_t ts_opt[12] = { 1, 1, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0x56, 0x78 };

/* An IPv4/TCP packet with valid checksums, built without dp_ code. */
static size_t
tcp_build(uint8_t *buf, const struct tcp_spec *t)
{
	static uint8_t l4[70000];
	struct pkt_spec s = pkt_default();
	size_t thl = 20 + t->optlen, len;

	memset(l4, 0, thl);
	wr16(l4, t->sport != 0 ? t->sport : 40000);
	wr16(l4 + 2, 5201);
	wr32(l4 + 4, t->seq);
	wr32(l4 + 8, t->ack);
	l4[12] = (uint8_t)(thl / 4 << 4);
	l4[13] = t->flags;
	wr16(l4 + 14, t->win);
	if (t->optlen)
		memcpy(l4 + 20, t->opts, t->optlen);
	memcpy(l4 + thl, t->data, t->dlen);
	s.proto = 6;
	s.id = t->id;
	s.frag = 0x4000;	/* DF */
	s.payload = l4;
	s.paylen = thl + t->dlen;
	len = pkt_build(buf, &s);
	l4_fill_csum(buf, 20, thl + t->dlen, 16);
	return len;
}

static void
parse(const uint8_t *p, size_t len, struct dp_ipv4_hdr *h)
{
	assert_int_equal(dp_ipv4_parse(p, len, 0, h), DP_IPV4_OK);
}

static uint8_t data[65536];
static uint8_t super[70000];
static uint8_t ref[64][2048];
static uint8_t got[64][2048];
static uint8_t grobuf[DP_GSO_HDR_LEN + DP_GSO_PKT_MAX];

static void
fill_data(void)
{
	uint64_t st = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rnd(&st);
}

/* The k-th packet of dlen bytes cut at mss, as a sender without TSO emits it. */
static size_t
ref_seg(uint8_t *buf, const struct tcp_spec *sup, size_t mss, size_t k, size_t n)
{
	struct tcp_spec t = *sup;
	size_t off = k * mss;

	t.id = (uint16_t)(sup->id + k);
	t.seq = sup->seq + (uint32_t)off;
	t.data = sup->data + off;
	t.dlen = sup->dlen - off < mss ? sup->dlen - off : mss;
	if (k != 0)
		t.flags &= (uint8_t)~CWR;
	if (k != n - 1)
		t.flags &= (uint8_t)~(FIN | PSH);
	return tcp_build(buf, &t);
}

static void
check_segmentation(size_t dlen, size_t mss, const uint8_t *opts, size_t optlen,
    uint8_t flags)
{
	struct tcp_spec sp = {
		.id = 0xfffe, .seq = 0xfffff000u, .ack = 77, .flags = flags,
		.win = 501, .opts = opts, .optlen = optlen, .data = data, .dlen = dlen,
	};
	struct dp_gso_seg out[64];
	struct dp_ipv4_hdr h;
	size_t len, n, i, rl;

	len = tcp_build(super, &sp);
	parse(super, len, &h);
	n = dp_gso_tcp4_count(super, len, &h, mss);
	assert_int_equal(n, (dlen + mss - 1) / mss);
	assert_true(n <= 64);
	assert_int_equal(dp_gso_tcp4_hlen(super, len, &h), 40 + optlen);
	for (i = 0; i < n; i++) {
		out[i].p = got[i];
		out[i].cap = sizeof(got[i]);
	}
	assert_int_equal(dp_gso_tcp4_segment(super, len, &h, mss, 0, out, n), 0);
	for (i = 0; i < n; i++) {
		rl = ref_seg(ref[i], &sp, mss, i, n);
		assert_int_equal(out[i].len, rl);
		/* Valid from scratch, not just equal to a possibly wrong reference. */
		assert_int_equal(ref_csum(got[i], 20), 0);
		assert_true(l4_csum_ok(got[i], 20, rl - 20));
		assert_memory_equal(got[i], ref[i], rl);
	}
	/* Plain data segments coalesce back into the superpacket. */
	if (flags == ACK || flags == (ACK | PSH)) {
		struct dp_gro g = { .buf = grobuf };
		struct dp_gso_hdr vh;

		for (i = 0; i < n; i++) {
			parse(got[i], out[i].len, &h);
			assert_int_equal(dp_gro_add(&g, got[i], out[i].len, &h),
			    DP_GRO_HELD);
		}
		rl = dp_gro_finish(&g) - DP_GSO_HDR_LEN;
		assert_int_equal(rl, len);
		dp_gso_hdr_get(grobuf, &vh);
		assert_int_equal(dp_gso_csum(grobuf + DP_GSO_HDR_LEN, rl, &vh), 0);
		assert_memory_equal(grobuf + DP_GSO_HDR_LEN, super, len);
	}
}

static void
test_segment_matches_reference(void **state)
{
	(void)state;
	fill_data();
	/* Last segment short; ids and sequence numbers wrap. */
	check_segmentation(10000, 1448, NULL, 0, ACK | PSH);
	/* An exact multiple, timestamps, FIN and CWR. */
	check_segmentation(4 * 1388, 1388, ts_opt, sizeof(ts_opt), ACK | PSH | FIN | CWR);
	/* A full 64 KB superpacket, odd lengths (checksum of an odd tail). */
	check_segmentation(65535 - 52, 1337, ts_opt, sizeof(ts_opt), ACK);
	/* One segment only. */
	check_segmentation(100, 1448, NULL, 0, ACK | PSH | CWR);
}

/* Random sizes, MSS, options and flags against the reference. */
static void
test_segment_random(void **state)
{
	static const uint8_t flagset[] = { ACK, ACK | PSH, ACK | FIN, ACK | CWR,
	    ACK | PSH | FIN | CWR, ACK | 0x40 /* ECE */ };
	uint64_t st = 0x1234567887654321ull;
	size_t it, mss, dlen;

	(void)state;
	fill_data();
	for (it = 0; it < 300; it++) {
		bool ts = rnd(&st) % 2;

		mss = 536 + rnd(&st) % (1460 - 536 + 1);
		dlen = 1 + rnd(&st) % (65535 - 52);
		if ((dlen + mss - 1) / mss > 64)
			dlen = 64 * mss;
		check_segmentation(dlen, mss, ts ? ts_opt : NULL, ts ? sizeof(ts_opt) : 0,
		    flagset[rnd(&st) % sizeof(flagset)]);
	}
}

static void
test_segment_range(void **state)
{
	struct tcp_spec sp = { .id = 5, .seq = 1000, .ack = 1, .flags = ACK | PSH,
	    .win = 9, .data = data, .dlen = 7000 };
	struct dp_gso_seg out[3];
	struct dp_ipv4_hdr h;
	size_t len, i, n;

	(void)state;
	fill_data();
	len = tcp_build(super, &sp);
	parse(super, len, &h);
	n = dp_gso_tcp4_count(super, len, &h, 1000);
	assert_int_equal(n, 7);
	for (i = 0; i < 3; i++) {
		out[i].p = got[i];
		out[i].cap = sizeof(got[i]);
	}
	/* Segments 4..6: the last carries PSH. */
	assert_int_equal(dp_gso_tcp4_segment(super, len, &h, 1000, 4, out, 3), 0);
	for (i = 0; i < 3; i++) {
		size_t rl = ref_seg(ref[0], &sp, 1000, 4 + i, n);

		assert_int_equal(out[i].len, rl);
		assert_memory_equal(got[i], ref[0], rl);
	}
	assert_int_equal(got[2][33] & PSH, PSH);
	assert_int_equal(got[1][33] & PSH, 0);
	/* Beyond the end, or a segment that does not fit its buffer. */
	assert_int_equal(dp_gso_tcp4_segment(super, len, &h, 1000, 5, out, 3), -1);
	out[0].cap = 1000;
	assert_int_equal(dp_gso_tcp4_segment(super, len, &h, 1000, 0, out, 1), -1);
}

static void
test_segment_refuses(void **state)
{
	struct tcp_spec sp = { .flags = ACK, .data = data, .dlen = 3000 };
	struct pkt_spec us = pkt_default();
	struct dp_gso_seg out = { got[0], sizeof(got[0]), 0 };
	struct dp_ipv4_hdr h;
	size_t len;

	(void)state;
	/* UDP: not TCP. */
	us.payload = data;
	us.paylen = 3000;
	len = pkt_build(super, &us);
	parse(super, len, &h);
	assert_int_equal(dp_gso_tcp4_count(super, len, &h, 1000), 0);
	assert_int_equal(dp_gso_tcp4_hlen(super, len, &h), 0);
	assert_int_equal(dp_gso_tcp4_segment(super, len, &h, 1000, 0, &out, 1), -1);
	/* TCP with a data offset below 5, a fragment, no payload, mss 0. */
	len = tcp_build(super, &sp);
	parse(super, len, &h);
	assert_int_equal(dp_gso_tcp4_count(super, len, &h, 0), 0);
	super[32] = 0x40;
	assert_int_equal(dp_gso_tcp4_count(super, len, &h, 1000), 0);
	super[32] = 0x50;
	h.mf = true;
	assert_int_equal(dp_gso_tcp4_count(super, len, &h, 1000), 0);
	sp.dlen = 0;
	len = tcp_build(super, &sp);
	parse(super, len, &h);
	assert_int_equal(dp_gso_tcp4_count(super, len, &h, 1000), 0);
	/* Truncated below the TCP header. */
	h.tot_len = 30;
	assert_int_equal(dp_gso_tcp4_count(super, 30, &h, 1000), 0);
}

static void
test_hdr_and_csum(void **state)
{
	struct dp_gso_hdr a = { DP_GSO_F_NEEDS_CSUM, DP_GSO_TCPV4, 52, 1448, 20, 16 }, b;
	struct pkt_spec us = pkt_default();
	uint8_t raw[DP_GSO_HDR_LEN], u[64];
	struct tcp_spec sp = { .flags = ACK, .data = data, .dlen = 999 };
	size_t len;
	uint8_t ph[12];

	(void)state;
	dp_gso_hdr_put(raw, &a);
	dp_gso_hdr_get(raw, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(raw[0], DP_GSO_F_NEEDS_CSUM);
	assert_int_equal(raw[1], DP_GSO_TCPV4);

	/* TCP with only the pseudo-header sum in place, as the kernel hands it. */
	fill_data();
	len = tcp_build(super, &sp);
	memcpy(ph, super + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	wr16(ph + 10, (uint16_t)(len - 20));
	wr16(super + 36, ref_sum(ph, sizeof(ph), 0));
	assert_false(l4_csum_ok(super, 20, len - 20));
	a.gso_type = DP_GSO_NONE;
	assert_int_equal(dp_gso_csum(super, len, &a), 0);
	assert_true(l4_csum_ok(super, 20, len - 20));

	/* UDP: the same at offset 6. */
	memset(u, 0, sizeof(u));
	wr16(u, 1234);
	wr16(u + 2, 4500);
	wr16(u + 4, 8 + 13);
	memcpy(u + 8, data, 13);
	us.payload = u;
	us.paylen = 8 + 13;
	len = pkt_build(super, &us);
	memcpy(ph, super + 12, 8);
	ph[9] = 17;
	wr16(ph + 10, 21);
	wr16(super + 26, ref_sum(ph, sizeof(ph), 0));
	a.csum_offset = 6;
	assert_int_equal(dp_gso_csum(super, len, &a), 0);
	assert_true(l4_csum_ok(super, 20, 21));
	/* Offsets outside the packet; no NEEDS_CSUM leaves it alone. */
	a.csum_start = (uint16_t)len;
	assert_int_equal(dp_gso_csum(super, len, &a), -1);
	a.flags = 0;
	memcpy(u, super, len);
	assert_int_equal(dp_gso_csum(super, len, &a), 0);
	assert_memory_equal(u, super, len);
}

static void
test_gro_roundtrip(void **state)
{
	struct tcp_spec sp = { .id = 100, .seq = 5000, .ack = 42, .flags = ACK | PSH,
	    .win = 300, .opts = ts_opt, .optlen = sizeof(ts_opt), .data = data,
	    .dlen = 20 * 1388 + 500 };
	struct dp_gro g = { .buf = grobuf };
	struct dp_gso_hdr vh;
	struct dp_gso_seg out[64];
	struct dp_ipv4_hdr h;
	size_t n = 21, i, len, rl[21];
	uint8_t *gp = grobuf + DP_GSO_HDR_LEN;

	(void)state;
	fill_data();
	for (i = 0; i < n; i++) {
		rl[i] = ref_seg(ref[i], &sp, 1388, i, n);
		parse(ref[i], rl[i], &h);
		assert_int_equal(dp_gro_add(&g, ref[i], rl[i], &h), DP_GRO_HELD);
	}
	/* Closed by the short PSH segment. */
	parse(ref[0], rl[0], &h);
	assert_int_equal(dp_gro_add(&g, ref[0], rl[0], &h), DP_GRO_FLUSH);
	len = dp_gro_finish(&g);
	assert_int_equal(g.len, 0);
	assert_int_equal(len, DP_GSO_HDR_LEN + 52 + sp.dlen);
	dp_gso_hdr_get(grobuf, &vh);
	assert_int_equal(vh.flags, DP_GSO_F_NEEDS_CSUM);
	assert_int_equal(vh.gso_type, DP_GSO_TCPV4);
	assert_int_equal(vh.gso_size, 1388);
	assert_int_equal(vh.hdr_len, 52);
	assert_int_equal(vh.csum_start, 20);
	assert_int_equal(vh.csum_offset, 16);

	/* What the kernel would do with NEEDS_CSUM gives the superpacket itself. */
	len -= DP_GSO_HDR_LEN;
	assert_int_equal(ref_csum(gp, 20), 0);
	assert_int_equal(dp_gso_csum(gp, len, &vh), 0);
	tcp_build(super, &sp);
	assert_memory_equal(gp, super, len);

	/* And segmenting it again gives back the packets that went in. */
	parse(gp, len, &h);
	assert_int_equal(dp_gso_tcp4_count(gp, len, &h, vh.gso_size), n);
	for (i = 0; i < n; i++) {
		out[i].p = got[i];
		out[i].cap = sizeof(got[i]);
	}
	assert_int_equal(dp_gso_tcp4_segment(gp, len, &h, vh.gso_size, 0, out, n), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(out[i].len, rl[i]);
		assert_memory_equal(got[i], ref[i], rl[i]);
	}
}

static void
test_gro_refuses(void **state)
{
	struct tcp_spec sp = { .id = 1, .seq = 10, .ack = 5, .flags = ACK, .win = 7,
	    .data = data, .dlen = 1000 };
	struct dp_gro g = { .buf = grobuf };
	struct pkt_spec us = pkt_default();
	struct dp_ipv4_hdr h;
	size_t l0, l;
	uint8_t one[2048];

	(void)state;
	fill_data();
	l0 = tcp_build(one, &sp);
	parse(one, l0, &h);
	assert_int_equal(dp_gro_add(&g, one, l0, &h), DP_GRO_HELD);

	/* Out of order, another flow, another ack, another window: FLUSH. */
	sp.seq = 2010;
	l = tcp_build(ref[0], &sp);
	parse(ref[0], l, &h);
	assert_int_equal(dp_gro_add(&g, ref[0], l, &h), DP_GRO_FLUSH);
	sp.seq = 1010;
	sp.sport = 40001;
	l = tcp_build(ref[0], &sp);
	parse(ref[0], l, &h);
	assert_int_equal(dp_gro_add(&g, ref[0], l, &h), DP_GRO_FLUSH);
	sp.sport = 0;
	sp.ack = 6;
	l = tcp_build(ref[0], &sp);
	parse(ref[0], l, &h);
	assert_int_equal(dp_gro_add(&g, ref[0], l, &h), DP_GRO_FLUSH);
	sp.ack = 5;
	sp.win = 8;
	l = tcp_build(ref[0], &sp);
	parse(ref[0], l, &h);
	assert_int_equal(dp_gro_add(&g, ref[0], l, &h), DP_GRO_FLUSH);
	/* Larger than the first segment. */
	sp.win = 7;
	sp.dlen = 1001;
	l = tcp_build(ref[0], &sp);
	parse(ref[0], l, &h);
	assert_int_equal(dp_gro_add(&g, ref[0], l, &h), DP_GRO_FLUSH);

	/* A bad TCP checksum: never coalesced (NEEDS_CSUM would hide it). */
	sp.dlen = 1000;
	sp.seq = 1010;
	l = tcp_build(ref[0], &sp);
	ref[0][l - 1] ^= 0x01;
	parse(ref[0], l, &h);
	assert_int_equal(dp_gro_add(&g, ref[0], l, &h), DP_GRO_NOT);
	ref[0][l - 1] ^= 0x01;
	parse(ref[0], l, &h);

	/* SYN, FIN, pure ACK, UDP: never coalesced. */
	sp.dlen = 1000;
	sp.flags = ACK | FIN;
	l = tcp_build(ref[0], &sp);
	parse(ref[0], l, &h);
	assert_int_equal(dp_gro_add(&g, ref[0], l, &h), DP_GRO_NOT);
	sp.flags = SYN;
	l = tcp_build(ref[0], &sp);
	parse(ref[0], l, &h);
	assert_int_equal(dp_gro_add(&g, ref[0], l, &h), DP_GRO_NOT);
	sp.flags = ACK;
	sp.dlen = 0;
	l = tcp_build(ref[0], &sp);
	parse(ref[0], l, &h);
	assert_int_equal(dp_gro_add(&g, ref[0], l, &h), DP_GRO_NOT);
	us.payload = data;
	us.paylen = 100;
	l = pkt_build(ref[0], &us);
	parse(ref[0], l, &h);
	assert_int_equal(dp_gro_add(&g, ref[0], l, &h), DP_GRO_NOT);

	/* A single packet leaves untouched, behind a zero header. */
	l = dp_gro_finish(&g);
	assert_int_equal(l, DP_GSO_HDR_LEN + l0);
	for (size_t i = 0; i < DP_GSO_HDR_LEN; i++)
		assert_int_equal(grobuf[i], 0);
	assert_memory_equal(grobuf + DP_GSO_HDR_LEN, one, l0);
	assert_int_equal(dp_gro_finish(&g), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segment_matches_reference),
		cmocka_unit_test(test_segment_random),
		cmocka_unit_test(test_segment_range),
		cmocka_unit_test(test_segment_refuses),
		cmocka_unit_test(test_hdr_and_csum),
		cmocka_unit_test(test_gro_roundtrip),
		cmocka_unit_test(test_gro_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
