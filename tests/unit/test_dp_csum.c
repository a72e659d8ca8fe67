/*
 * dp_csum: the fast Internet checksum against a naive RFC 1071 reference on every
 * length 0..2000 at every alignment, the RFC 1071 and RFC 1624 worked examples, and
 * incremental updates against recomputation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/dp_csum.h"
#include "test_dp_pkt.h"

/* RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2. */
static void
test_rfc1071_example(void **state)
{
	const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	assert_int_equal(dp_csum_fold(dp_csum_add(0, b, sizeof(b))), 0xddf2);
	assert_int_equal(dp_csum(b, sizeof(b)), (uint16_t)~0xddf2);
}

static void
test_matches_reference_all_lengths_alignments(void **state)
{
	static uint8_t buf[2000 + 16];
	uint64_t st = 0x1234567;

	for (size_t align = 0; align < 8; align++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rnd(&st);
		for (size_t len = 0; len <= 2000; len++) {
			uint16_t want = ref_csum(buf + align, len);

			if (dp_csum(buf + align, len) != want)
				fail_msg("len %zu align %zu: %04x != %04x", len, align,
				    dp_csum(buf + align, len), want);
		}
	}
}

/* All-0xff data stresses the carries; all-zero gives the 0xffff field. */
static void
test_extreme_data(void **state)
{
	static uint8_t buf[65535];

	memset(buf, 0xff, sizeof(buf));
	for (size_t len = 0; len <= sizeof(buf); len += 4093)
		assert_int_equal(dp_csum(buf, len), ref_csum(buf, len));
	assert_int_equal(dp_csum(buf, sizeof(buf)), ref_csum(buf, sizeof(buf)));
	memset(buf, 0, sizeof(buf));
	assert_int_equal(dp_csum(buf, 1500), 0xffff);
}

/* Summing in even-length pieces gives the same as one pass. */
static void
test_pieces(void **state)
{
	uint8_t buf[1501];
	uint64_t st = 99;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rnd(&st);
	for (int t = 0; t < 500; t++) {
		size_t cut = (size_t)(rnd(&st) % 750) * 2;
		uint64_t acc = dp_csum_add(0, buf, cut);

		acc = dp_csum_add(acc, buf + cut, sizeof(buf) - cut);
		assert_int_equal(dp_csum_finish(acc), ref_csum(buf, sizeof(buf)));
	}
}

static void
test_pseudo_header(void **state)
{
	uint8_t ph[12 + 7] = { 10, 0, 0, 1, 192, 168, 1, 2, 0, 6, 0, 7,
	    1, 2, 3, 4, 5, 6, 7 };
	uint64_t acc;

	acc = dp_csum_pseudo(IP(10, 0, 0, 1), IP(192, 168, 1, 2), 6, 7);
	acc = dp_csum_add(acc, ph + 12, 7);
	assert_int_equal(dp_csum_finish(acc), ref_csum(ph, sizeof(ph)));
}

/* RFC 1624 section 4: m 0x5555 -> 0x3285 with HC 0xdd2f gives 0x0000 by eqn. 3. */
static void
test_rfc1624_example(void **state)
{
	assert_int_equal(dp_csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}

/* Rewriting random words and addresses: the update equals a recomputation. */
static void
test_update_matches_recompute(void **state)
{
	uint8_t b[40];
	uint64_t st = 7;

	for (int t = 0; t < 20000; t++) {
		size_t w = (size_t)(rnd(&st) % 20) * 2, a = (size_t)(rnd(&st) % 10) * 4;
		uint16_t c, nv = (uint16_t)rnd(&st);
		uint32_t na = (uint32_t)rnd(&st);

		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (uint8_t)rnd(&st);
		if (t % 7 == 0)
			memset(b, 0, sizeof(b));
		wr16(b + 10, 0);
		wr16(b + 10, ref_csum(b, sizeof(b)));
		if (w == 10 || a == 8)
			continue;
		c = dp_csum_update16(rd16(b + 10), rd16(b + w), nv);
		wr16(b + w, nv);
		wr16(b + 10, c);
		assert_int_equal(ref_sum(b, sizeof(b), 0), 0xffff);
		c = dp_csum_update32(rd16(b + 10), rd32(b + a), na);
		wr32(b + a, na);
		wr16(b + 10, c);
		assert_int_equal(ref_sum(b, sizeof(b), 0), 0xffff);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_matches_reference_all_lengths_alignments),
		cmocka_unit_test(test_extreme_data),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_pseudo_header),
		cmocka_unit_test(test_rfc1624_example),
		cmocka_unit_test(test_update_matches_recompute),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
