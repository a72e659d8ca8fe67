/*
 * dp_icmp and dp_ratelimit: ICMP errors byte by byte (RFC 792, RFC 1191, RFC 1812
 * 4.3.2), their checksums from scratch, the 4.3.2.7 suppression rules, and the token
 * bucket driven by a fake clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/util.h"
#include "dataplane/dp_icmp.h"
#include "dataplane/dp_ratelimit.h"
#include "test_dp_pkt.h"

#define GW	IP(172, 16, 0, 254)

static uint8_t pkt[2000];
static uint8_t out[1000];

static size_t
mk(struct pkt_spec *s, size_t paylen, struct dp_ipv4_hdr *h)
{
	static uint8_t pay[2000];
	size_t len;

	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i * 7 + 3);
	s->payload = pay;
	s->paylen = paylen;
	len = pkt_build(pkt, s);
	assert_int_equal(dp_ipv4_parse(pkt, len, 0, h), DP_IPV4_OK);
	return len;
}

static struct dp_icmp_params
params(enum dp_icmp_kind kind)
{
	struct dp_icmp_params p = { .kind = kind, .src = GW, .id = 0x4242 };

	return p;
}

/* Common checks on a built error; returns the quoted length. */
static size_t
check_error(size_t olen, uint8_t type, uint8_t code, uint32_t rest,
    size_t plen)
{
	size_t qlen = olen - 28;

	assert_int_equal(out[0], 0x45);
	assert_int_equal(out[1], 0xc0);
	assert_int_equal(rd16(out + 2), olen);
	assert_int_equal(rd16(out + 4), 0x4242);
	assert_int_equal(rd16(out + 6), 0);		/* DF clear, not a fragment */
	assert_int_equal(out[8], 64);
	assert_int_equal(out[9], 1);
	assert_int_equal(rd32(out + 12), GW);
	assert_int_equal(rd32(out + 16), rd32(pkt + 12));
	assert_int_equal(ref_csum(out, 20), 0);
	assert_int_equal(out[20], type);
	assert_int_equal(out[21], code);
	assert_int_equal(rd32(out + 24), rest);
	assert_int_equal(ref_csum(out + 20, olen - 20), 0);
	assert_true(olen <= 576);
	/* The quote is the offending datagram from its first byte. */
	assert_memory_equal(out + 28, pkt, qlen);
	assert_true(qlen >= (plen < 28 ? plen : 28));
	return qlen;
}

static void
test_time_exceeded(void **state)
{
	struct pkt_spec s = pkt_default();
	struct dp_icmp_params p = params(DP_ICMP_K_TIME_EXCEEDED);
	struct dp_ipv4_hdr h;
	size_t len, olen;

	s.ttl = 1;
	len = mk(&s, 100, &h);
	assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, pkt, len, &h, &p),
	    DP_ICMP_BUILT);
	assert_int_equal(olen, 28 + 120);
	assert_int_equal(check_error(olen, 11, 0, 0, len), 120);
}

static void
test_unreach_codes_and_mtu(void **state)
{
	static const struct {
		enum dp_icmp_kind kind;
		uint8_t code;
	} cases[] = {
		{ DP_ICMP_K_NET_UNREACH, 0 },
		{ DP_ICMP_K_HOST_UNREACH, 1 },
		{ DP_ICMP_K_FRAG_NEEDED, 4 },
		{ DP_ICMP_K_ADMIN_PROHIB, 13 },
	};
	struct pkt_spec s = pkt_default();
	struct dp_ipv4_hdr h;
	size_t len, olen;

	s.frag = 0x4000;
	len = mk(&s, 1480, &h);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct dp_icmp_params p = params(cases[i].kind);

		p.mtu = 1406;
		assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, pkt, len,
		    &h, &p), DP_ICMP_BUILT);
		/* RFC 1812 4.3.2.3: fill up to 576 bytes. */
		assert_int_equal(olen, 576);
		check_error(olen, 3, cases[i].code,
		    cases[i].kind == DP_ICMP_K_FRAG_NEEDED ? 1406 : 0, len);
	}
}

/* Tiny packet: quoted whole; a small out buffer trims the quote but keeps hdr+8. */
static void
test_quote_sizes(void **state)
{
	const uint8_t opts[40] = { 1 };
	struct pkt_spec s = pkt_default();
	struct dp_icmp_params p = params(DP_ICMP_K_HOST_UNREACH);
	struct dp_ipv4_hdr h;
	size_t len, olen;

	len = mk(&s, 3, &h);
	assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, pkt, len, &h, &p),
	    DP_ICMP_BUILT);
	assert_int_equal(olen, 28 + 23);
	check_error(olen, 3, 1, 0, len);

	len = mk(&s, 500, &h);
	assert_int_equal(dp_icmp_error(out, 28 + 28, &olen, pkt, len, &h, &p),
	    DP_ICMP_BUILT);
	assert_int_equal(olen, 56);
	check_error(olen, 3, 1, 0, len);
	assert_int_equal(dp_icmp_error(out, 28 + 27, &olen, pkt, len, &h, &p),
	    DP_ICMP_NO_SPACE);
	assert_int_equal(olen, 0);

	/* With 40 bytes of options the minimum quote is 68. */
	s.opts = opts;
	s.optlen = sizeof(opts);
	len = mk(&s, 500, &h);
	assert_int_equal(dp_icmp_error(out, 28 + 67, &olen, pkt, len, &h, &p),
	    DP_ICMP_NO_SPACE);
	assert_int_equal(dp_icmp_error(out, DP_ICMP_ERR_MIN_CAP, &olen, pkt, len,
	    &h, &p), DP_ICMP_BUILT);
	check_error(olen, 3, 1, 0, len);
}

static void
test_suppression(void **state)
{
	static const uint32_t bad_src[] = { IP(0, 0, 0, 0), IP(0, 1, 2, 3),
	    IP(127, 0, 0, 1), IP(224, 0, 0, 5), IP(239, 1, 1, 1),
	    IP(240, 0, 0, 1), IP(255, 255, 255, 255) };
	static const uint32_t bad_dst[] = { IP(224, 0, 0, 1), IP(239, 255, 0, 1),
	    IP(255, 255, 255, 255) };
	struct dp_icmp_params p = params(DP_ICMP_K_HOST_UNREACH);
	struct dp_ipv4_hdr h;
	struct pkt_spec s;
	uint8_t icmp[8] = { 0 };
	size_t len, olen;

	for (size_t i = 0; i < ARRAY_SIZE(bad_src); i++) {
		s = pkt_default();
		s.src = bad_src[i];
		len = mk(&s, 40, &h);
		assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, pkt, len,
		    &h, &p), DP_ICMP_SUPP_SRC);
		assert_int_equal(olen, 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad_dst); i++) {
		s = pkt_default();
		s.dst = bad_dst[i];
		len = mk(&s, 40, &h);
		assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, pkt, len,
		    &h, &p), DP_ICMP_SUPP_DST);
	}

	/* Later fragments are silent; the first fragment is not. */
	s = pkt_default();
	s.frag = 0x2000 | 10;
	len = mk(&s, 40, &h);
	assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, pkt, len, &h, &p),
	    DP_ICMP_SUPP_FRAG);
	s.frag = 10;
	len = mk(&s, 40, &h);
	assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, pkt, len, &h, &p),
	    DP_ICMP_SUPP_FRAG);
	s.frag = 0x2000;
	len = mk(&s, 40, &h);
	assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, pkt, len, &h, &p),
	    DP_ICMP_BUILT);

	/* ICMP errors are never answered; echo requests are. */
	static const uint8_t err_types[] = { 3, 4, 5, 11, 12 };
	for (size_t i = 0; i < ARRAY_SIZE(err_types); i++) {
		s = pkt_default();
		s.proto = 1;
		icmp[0] = err_types[i];
		s.payload = icmp;
		s.paylen = sizeof(icmp);
		len = pkt_build(pkt, &s);
		assert_int_equal(dp_ipv4_parse(pkt, len, 0, &h), DP_IPV4_OK);
		assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, pkt, len,
		    &h, &p), DP_ICMP_SUPP_ICMP_ERR);
	}
	icmp[0] = 8;
	len = pkt_build(pkt, &s);
	assert_int_equal(dp_ipv4_parse(pkt, len, 0, &h), DP_IPV4_OK);
	assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, pkt, len, &h, &p),
	    DP_ICMP_BUILT);
	check_error(olen, 3, 1, 0, len);
	/* An ICMP packet too short to show its type is treated as an error. */
	s.paylen = 0;
	len = pkt_build(pkt, &s);
	assert_int_equal(dp_ipv4_parse(pkt, len, 0, &h), DP_IPV4_OK);
	assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, pkt, len, &h, &p),
	    DP_ICMP_SUPP_ICMP_ERR);
	assert_string_equal(dp_icmp_res_name(DP_ICMP_SUPP_ICMP_ERR),
	    "about_icmp_error");
}

static void
test_ratelimit_burst_refill(void **state)
{
	struct dp_ratelimit rl;
	uint64_t now = 1000000000ull;
	int n = 0;

	dp_ratelimit_init(&rl, 100, 5);		/* 10 ms per token */
	for (int i = 0; i < 10; i++)
		n += dp_ratelimit_allow(&rl, now);
	assert_int_equal(n, 5);
	assert_int_equal(rl.dropped, 5);
	assert_false(dp_ratelimit_allow(&rl, now + 9999999));
	assert_true(dp_ratelimit_allow(&rl, now + 10000000));
	assert_false(dp_ratelimit_allow(&rl, now + 10000000));
	/* Partial time accrues: 3 ms + 3 ms + 4 ms make one token. */
	assert_false(dp_ratelimit_allow(&rl, now + 13000000));
	assert_false(dp_ratelimit_allow(&rl, now + 16000000));
	assert_true(dp_ratelimit_allow(&rl, now + 20000000));
	/* A long pause refills only up to the burst. */
	now += 60ull * 1000000000ull;
	n = 0;
	for (int i = 0; i < 10; i++)
		n += dp_ratelimit_allow(&rl, now);
	assert_int_equal(n, 5);
	/* A clock stepping back refills nothing. */
	assert_false(dp_ratelimit_allow(&rl, now - 1000000000ull));
	/* Rate 0 denies everything. */
	dp_ratelimit_init(&rl, 0, 10);
	assert_false(dp_ratelimit_allow(&rl, now));
	assert_false(dp_ratelimit_allow(&rl, now + 100000000000ull));
}

/* Suppressed packets do not spend tokens; built ones do. */
static void
test_icmp_with_ratelimit(void **state)
{
	struct pkt_spec s = pkt_default();
	struct dp_icmp_params p = params(DP_ICMP_K_TIME_EXCEEDED);
	struct dp_ratelimit rl;
	struct dp_ipv4_hdr h, hb;
	uint8_t bad[200];
	size_t len, blen, olen;

	dp_ratelimit_init(&rl, 1, 2);
	p.rl = &rl;
	p.now_ns = 5;
	s.src = IP(127, 0, 0, 1);
	mk(&s, 10, &hb);
	memcpy(bad, pkt, hb.tot_len);
	blen = hb.tot_len;
	for (int i = 0; i < 5; i++)
		assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, bad, blen,
		    &hb, &p), DP_ICMP_SUPP_SRC);
	s = pkt_default();
	len = mk(&s, 10, &h);
	assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, pkt, len, &h, &p),
	    DP_ICMP_BUILT);
	assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, pkt, len, &h, &p),
	    DP_ICMP_BUILT);
	assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, pkt, len, &h, &p),
	    DP_ICMP_RATE_LIMITED);
	assert_int_equal(olen, 0);
	p.now_ns += 1000000000ull;
	assert_int_equal(dp_icmp_error(out, sizeof(out), &olen, pkt, len, &h, &p),
	    DP_ICMP_BUILT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_exceeded),
		cmocka_unit_test(test_unreach_codes_and_mtu),
		cmocka_unit_test(test_quote_sizes),
		cmocka_unit_test(test_suppression),
		cmocka_unit_test(test_ratelimit_burst_refill),
		cmocka_unit_test(test_icmp_with_ratelimit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
