/*
 * dp_hash: same flow -> same member, distribution over 2/4/3 members on 100k random
 * flows within bounds, ports matter for TCP/UDP but not for fragments or other
 * protocols, and the seed changes the mapping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/dp_hash.h"
#include "test_dp_pkt.h"

static size_t
mk(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport,
    uint16_t dport, uint16_t frag, struct dp_ipv4_hdr *h)
{
	struct pkt_spec s = pkt_default();
	uint8_t l4[8] = { 0 };
	size_t len;

	wr16(l4, sport);
	wr16(l4 + 2, dport);
	s.src = src;
	s.dst = dst;
	s.proto = proto;
	s.frag = frag;
	s.payload = l4;
	s.paylen = sizeof(l4);
	len = pkt_build(buf, &s);
	assert_int_equal(dp_ipv4_parse(buf, len, 0, h), DP_IPV4_OK);
	return len;
}

static void
test_same_flow_same_member(void **state)
{
	struct dp_hash hs;
	struct dp_ipv4_hdr h;
	uint8_t buf[64];
	uint64_t st = 1;

	dp_hash_init(&hs, 0x0123456789abcdefull);
	for (int i = 0; i < 1000; i++) {
		uint32_t src = (uint32_t)rnd(&st), dst = (uint32_t)rnd(&st);
		uint16_t sp = (uint16_t)rnd(&st), dp = (uint16_t)rnd(&st);
		size_t len = mk(buf, src, dst, 6, sp, dp, 0, &h);
		uint32_t a = dp_hash_flow(&hs, buf, len, &h);

		/* Another packet of the flow (new id, TTL) hashes the same. */
		buf[4] ^= 0x55;
		buf[8] = 3;
		assert_int_equal(dp_hash_flow(&hs, buf, len, &h), a);
		assert_int_equal(a, dp_hash_tuple(&hs, src, dst, 6, sp, dp));
		for (uint32_t n = 1; n <= 8; n++)
			assert_true(dp_hash_member(a, n) < n);
	}
}

static void
test_distribution(void **state)
{
	static const uint32_t ns[] = { 2, 3, 4, 8 };
	struct dp_hash hs;
	uint64_t st = 77;

	assert_int_equal(dp_hash_init_random(&hs), 0);
	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		uint32_t count[8] = { 0 };
		const uint32_t flows = 100000;

		for (uint32_t i = 0; i < flows; i++) {
			uint32_t hv = dp_hash_tuple(&hs, (uint32_t)rnd(&st),
			    (uint32_t)rnd(&st), 6, (uint16_t)rnd(&st),
			    (uint16_t)rnd(&st));

			count[dp_hash_member(hv, ns[k])]++;
		}
		/* Binomial sd is 105 at n=8 (158 at n=2): +-5% is >= 6 sd. */
		for (uint32_t m = 0; m < ns[k]; m++) {
			uint32_t fair = flows / ns[k];

			assert_true(count[m] > fair - fair * 5 / 100);
			assert_true(count[m] < fair + fair * 5 / 100);
		}
	}
}

/* Flows differing only in the source port (one host, many connections) spread too. */
static void
test_distribution_ports_only(void **state)
{
	uint32_t count[4] = { 0 };
	struct dp_hash hs;

	dp_hash_init(&hs, 42);
	for (uint32_t p = 0; p < 65536; p++)
		count[dp_hash_member(dp_hash_tuple(&hs, IP(10, 0, 0, 1),
		    IP(10, 1, 0, 1), 6, (uint16_t)p, 443), 4)]++;
	for (int m = 0; m < 4; m++)
		assert_true(count[m] > 16384 - 800 && count[m] < 16384 + 800);
}

static void
test_tuple_choice(void **state)
{
	struct dp_hash hs;
	struct dp_ipv4_hdr h;
	uint8_t buf[64];
	size_t len;
	uint32_t a, b;
	int differ = 0;

	dp_hash_init(&hs, 9);
	/* TCP and UDP: ports count. */
	for (uint16_t p = 1; p < 20; p++) {
		len = mk(buf, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 17, 1000, 53, 0, &h);
		a = dp_hash_flow(&hs, buf, len, &h);
		len = mk(buf, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 17, (uint16_t)(1000 + p),
		    53, 0, &h);
		differ += dp_hash_flow(&hs, buf, len, &h) != a;
	}
	assert_true(differ >= 18);

	/* Fragments (first or later) and other protocols: the 3-tuple only. */
	len = mk(buf, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 17, 1000, 53, 0x2000, &h);
	a = dp_hash_flow(&hs, buf, len, &h);
	assert_int_equal(a, dp_hash_tuple(&hs, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 17,
	    0, 0));
	len = mk(buf, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 17, 7, 7, 0x0010, &h);
	assert_int_equal(dp_hash_flow(&hs, buf, len, &h), a);
	len = mk(buf, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 47, 1000, 53, 0, &h);
	b = dp_hash_flow(&hs, buf, len, &h);
	len = mk(buf, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 47, 9, 9, 0, &h);
	assert_int_equal(dp_hash_flow(&hs, buf, len, &h), b);

	/* Truncated L4 header: falls back to the 3-tuple, reads nothing past. */
	len = mk(buf, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 6, 1000, 53, 0, &h);
	h.tot_len = 22;
	assert_int_equal(dp_hash_flow(&hs, buf, len, &h),
	    dp_hash_tuple(&hs, IP(1, 1, 1, 1), IP(2, 2, 2, 2), 6, 0, 0));
}

static void
test_seed_matters(void **state)
{
	struct dp_hash a, b;
	int same = 0;

	dp_hash_init(&a, 1);
	dp_hash_init(&b, 2);
	for (uint32_t i = 0; i < 1000; i++)
		same += dp_hash_member(dp_hash_tuple(&a, i, ~i, 6, 1, 2), 4) ==
		    dp_hash_member(dp_hash_tuple(&b, i, ~i, 6, 1, 2), 4);
	/* Independent choices agree ~25% of the time. */
	assert_true(same > 180 && same < 320);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_flow_same_member),
		cmocka_unit_test(test_distribution),
		cmocka_unit_test(test_distribution_ports_only),
		cmocka_unit_test(test_tuple_choice),
		cmocka_unit_test(test_seed_matters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
