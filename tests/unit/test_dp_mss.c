/*
 * dp_mss: MSS clamping (cloud-semantics.md behaviour 33).  SYN 1460 -> 1406 with the
 * TCP checksum verifying from scratch afterwards, at even and odd option offsets;
 * below-clamp, non-SYN, non-TCP, later fragments and malformed options untouched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/dp_mss.h"
#include "test_dp_pkt.h"

static uint8_t pkt[200];
static uint8_t before[200];

/* A TCP segment with the given flags and options (padded by the caller to 4). */
static size_t
mk_tcp(uint8_t flags, const uint8_t *opts, size_t optlen, uint16_t ipfrag,
    struct dp_ipv4_hdr *h)
{
	struct pkt_spec s = pkt_default();
	uint8_t tcp[100] = { 0 };
	size_t tl = 20 + optlen + 5, len;

	wr16(tcp, 40000);
	wr16(tcp + 2, 443);
	wr32(tcp + 4, 0x01020304);
	tcp[12] = (uint8_t)((20 + optlen) / 4 << 4);
	tcp[13] = flags;
	wr16(tcp + 14, 64240);
	memcpy(tcp + 20, opts, optlen);
	memcpy(tcp + 20 + optlen, "hello", 5);
	s.proto = 6;
	s.frag = ipfrag;
	s.payload = tcp;
	s.paylen = tl;
	len = pkt_build(pkt, &s);
	l4_fill_csum(pkt, 20, tl, 16);
	assert_true(l4_csum_ok(pkt, 20, tl));
	assert_int_equal(dp_ipv4_parse(pkt, len, 0, h), DP_IPV4_OK);
	memcpy(before, pkt, len);
	return len;
}

static void
test_clamp_syn(void **state)
{
	const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0 };
	struct dp_ipv4_hdr h;
	size_t len;

	for (int synack = 0; synack <= 1; synack++) {
		len = mk_tcp((uint8_t)(DP_TCP_FLAG_SYN | (synack ? DP_TCP_FLAG_ACK : 0)),
		    opts, sizeof(opts), 0, &h);
		assert_int_equal(dp_mss_clamp(pkt, len, &h, 1406, 0), DP_MSS_CLAMPED);
		assert_int_equal(rd16(pkt + 40 + 2), 1406);
		assert_true(l4_csum_ok(pkt, 20, len - 20));
		/* Nothing else moved. */
		assert_memory_equal(pkt, before, 36);
		assert_memory_equal(pkt + 38, before + 38, 4);
		assert_memory_equal(pkt + 44, before + 44, len - 44);
		assert_int_equal(ref_csum(pkt, 20), 0);
	}
}

/* NOP first puts the MSS value at an odd offset: the update must still verify. */
static void
test_clamp_odd_offset(void **state)
{
	const uint8_t opts[] = { 1, 2, 4, 0x23, 0x45, 1, 1, 0 };
	struct dp_ipv4_hdr h;
	size_t len;

	for (uint16_t clamp = 536; clamp < 0x2345; clamp += 97) {
		len = mk_tcp(DP_TCP_FLAG_SYN, opts, sizeof(opts), 0, &h);
		assert_int_equal(dp_mss_clamp(pkt, len, &h, clamp, 0), DP_MSS_CLAMPED);
		assert_int_equal(rd16(pkt + 40 + 3), clamp);
		assert_true(l4_csum_ok(pkt, 20, len - 20));
	}
}

/* CHECKSUM_PARTIAL: the field belongs to the device, leave it. */
static void
test_csum_partial(void **state)
{
	const uint8_t opts[] = { 2, 4, 0x05, 0xb4 };
	struct dp_ipv4_hdr h;
	size_t len;

	len = mk_tcp(DP_TCP_FLAG_SYN, opts, sizeof(opts), 0, &h);
	assert_int_equal(dp_mss_clamp(pkt, len, &h, 1406, DP_MSS_F_CSUM_PARTIAL),
	    DP_MSS_CLAMPED);
	assert_int_equal(rd16(pkt + 42), 1406);
	assert_int_equal(rd16(pkt + 36), rd16(before + 36));
}

static void
test_untouched(void **state)
{
	const uint8_t mss1460[] = { 2, 4, 0x05, 0xb4 };
	const uint8_t mss1200[] = { 2, 4, 0x04, 0xb0 };
	const uint8_t nomss[] = { 1, 1, 4, 2 };
	struct dp_ipv4_hdr h;
	size_t len;

	len = mk_tcp(DP_TCP_FLAG_SYN, mss1200, 4, 0, &h);
	assert_int_equal(dp_mss_clamp(pkt, len, &h, 1406, 0), DP_MSS_KEPT);
	assert_memory_equal(pkt, before, len);

	len = mk_tcp(DP_TCP_FLAG_SYN, mss1460, 4, 0, &h);
	assert_int_equal(dp_mss_clamp(pkt, len, &h, 1460, 0), DP_MSS_KEPT);
	assert_memory_equal(pkt, before, len);

	len = mk_tcp(DP_TCP_FLAG_SYN, nomss, 4, 0, &h);
	assert_int_equal(dp_mss_clamp(pkt, len, &h, 1406, 0), DP_MSS_KEPT);

	len = mk_tcp(DP_TCP_FLAG_ACK, mss1460, 4, 0, &h);
	assert_int_equal(dp_mss_clamp(pkt, len, &h, 1406, 0), DP_MSS_NOT_SYN);
	assert_memory_equal(pkt, before, len);

	/* A later fragment whose bytes look like a SYN is not a TCP header. */
	len = mk_tcp(DP_TCP_FLAG_SYN, mss1460, 4, 0x2000 | 20, &h);
	assert_int_equal(dp_mss_clamp(pkt, len, &h, 1406, 0), DP_MSS_NOT_SYN);
	assert_memory_equal(pkt, before, len);

	/* The same bytes as UDP. */
	len = mk_tcp(DP_TCP_FLAG_SYN, mss1460, 4, 0, &h);
	h.proto = 17;
	assert_int_equal(dp_mss_clamp(pkt, len, &h, 1406, 0), DP_MSS_NOT_SYN);
	assert_memory_equal(pkt, before, len);
}

static void
test_malformed(void **state)
{
	static const struct {
		uint8_t opts[12];
		size_t len;
	} cases[] = {
		{ { 2, 4, 0x05, 0xb4, 8, 12, 0, 0 }, 8 },	/* runs past the end */
		{ { 2, 4, 0x05, 0xb4, 8, 1, 0, 0 }, 8 },	/* length < 2 */
		{ { 2, 3, 0x05, 0xb4 }, 4 },			/* MSS length 3 */
		{ { 2, 5, 0x05, 0xb4, 0, 0, 0, 0 }, 8 },	/* MSS length 5 */
		{ { 1, 1, 1, 2 }, 4 },				/* kind, no length */
		{ { 8, 0, 2, 4, 0x05, 0xb4, 0, 0 }, 8 },	/* length 0 */
	};
	struct dp_ipv4_hdr h;
	size_t len;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = mk_tcp(DP_TCP_FLAG_SYN, cases[i].opts, cases[i].len, 0, &h);
		assert_int_equal(dp_mss_clamp(pkt, len, &h, 1406, 0),
		    DP_MSS_MALFORMED);
		assert_memory_equal(pkt, before, len);
	}

	/* Data offset beyond the segment, and below 5 words. */
	len = mk_tcp(DP_TCP_FLAG_SYN, cases[0].opts, 4, 0, &h);
	pkt[32] = 0xf0;
	assert_int_equal(dp_mss_clamp(pkt, len, &h, 1406, 0), DP_MSS_MALFORMED);
	pkt[32] = 0x40;
	assert_int_equal(dp_mss_clamp(pkt, len, &h, 1406, 0), DP_MSS_MALFORMED);
	/* TCP header cut short by the IP total length. */
	len = mk_tcp(DP_TCP_FLAG_SYN, cases[0].opts, 4, 0, &h);
	h.tot_len = 30;
	assert_int_equal(dp_mss_clamp(pkt, len, &h, 1406, 0), DP_MSS_MALFORMED);
	h.tot_len = (uint16_t)len;
	/* An EOL ends the list: what follows is not parsed. */
	static const uint8_t eol[] = { 0, 8, 99, 2 };
	len = mk_tcp(DP_TCP_FLAG_SYN, eol, 4, 0, &h);
	assert_int_equal(dp_mss_clamp(pkt, len, &h, 1406, 0), DP_MSS_KEPT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clamp_syn),
		cmocka_unit_test(test_clamp_odd_offset),
		cmocka_unit_test(test_csum_partial),
		cmocka_unit_test(test_untouched),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
