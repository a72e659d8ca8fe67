/*
 * dp_ipv4: header validation (one case per rejection reason) and the forwarding TTL
 * decrement, whose incrementally patched checksum must verify from scratch.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dataplane/dp_ipv4.h"
#include "test_dp_pkt.h"

static const uint8_t payload[64] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

static size_t
good_packet(uint8_t *buf)
{
	struct pkt_spec s = pkt_default();

	s.payload = payload;
	s.paylen = sizeof(payload);
	s.tos = 0x10;
	s.frag = 0x4000 | 3;
	return pkt_build(buf, &s);
}

static void
test_parse_fields(void **state)
{
	const uint8_t opts[4] = { 1, 1, 1, 0 };
	struct pkt_spec s = pkt_default();
	struct dp_ipv4_hdr h;
	uint8_t buf[200];
	size_t len = good_packet(buf);

	memset(buf + len, 0xee, 10);	/* trailing link padding is not ours */
	assert_int_equal(dp_ipv4_parse(buf, len + 10, 0, &h), DP_IPV4_OK);
	assert_int_equal(h.src, IP(10, 0, 0, 1));
	assert_int_equal(h.dst, IP(192, 168, 1, 2));
	assert_int_equal(h.proto, 17);
	assert_int_equal(h.ttl, 64);
	assert_int_equal(h.tos, 0x10);
	assert_int_equal(h.ihl, 20);
	assert_int_equal(h.l4_off, 20);
	assert_int_equal(h.tot_len, 84);
	assert_int_equal(h.id, 0x1234);
	assert_true(h.df);
	assert_false(h.mf);
	assert_int_equal(h.frag_off, 24);

	s.opts = opts;
	s.optlen = sizeof(opts);
	s.frag = 0x2000;
	len = pkt_build(buf, &s);
	assert_int_equal(dp_ipv4_parse(buf, len, 0, &h), DP_IPV4_OK);
	assert_int_equal(h.ihl, 24);
	assert_int_equal(h.l4_off, 24);
	assert_true(h.mf);
	assert_false(h.df);
	assert_true(dp_ipv4_is_frag(&h));
	assert_false(dp_ipv4_is_later_frag(&h));
}

static void
test_parse_rejections(void **state)
{
	struct dp_ipv4_hdr h;
	uint8_t buf[200];
	size_t len;

	len = good_packet(buf);
	assert_int_equal(dp_ipv4_parse(buf, 19, 0, &h), DP_IPV4_SHORT);
	assert_int_equal(dp_ipv4_parse(buf, 0, 0, &h), DP_IPV4_SHORT);

	buf[0] = 0x65;
	assert_int_equal(dp_ipv4_parse(buf, len, 0, &h), DP_IPV4_BAD_VERSION);

	len = good_packet(buf);
	buf[0] = 0x44;
	assert_int_equal(dp_ipv4_parse(buf, len, 0, &h), DP_IPV4_BAD_IHL);
	buf[0] = 0x4f;	/* 60-byte header in a 30-byte buffer */
	assert_int_equal(dp_ipv4_parse(buf, 30, 0, &h), DP_IPV4_BAD_IHL);

	len = good_packet(buf);
	wr16(buf + 2, (uint16_t)(len + 1));
	assert_int_equal(dp_ipv4_parse(buf, len, DP_IPV4_F_NOCSUM, &h),
	    DP_IPV4_BAD_LEN);
	wr16(buf + 2, 19);
	assert_int_equal(dp_ipv4_parse(buf, len, DP_IPV4_F_NOCSUM, &h),
	    DP_IPV4_BAD_LEN);

	len = good_packet(buf);
	buf[8] ^= 0x01;
	assert_int_equal(dp_ipv4_parse(buf, len, 0, &h), DP_IPV4_BAD_CSUM);
	assert_int_equal(dp_ipv4_parse(buf, len, DP_IPV4_F_NOCSUM, &h), DP_IPV4_OK);

	/* Offset 65528 + 64 bytes of payload ends past 65535. */
	len = good_packet(buf);
	wr16(buf + 6, 0x1fff);
	wr16(buf + 10, 0);
	wr16(buf + 10, ref_csum(buf, 20));
	assert_int_equal(dp_ipv4_parse(buf, len, 0, &h), DP_IPV4_BAD_FRAG);
}

static void
test_err_names(void **state)
{
	assert_string_equal(dp_ipv4_err_name(DP_IPV4_SHORT), "short");
	assert_string_equal(dp_ipv4_err_name(DP_IPV4_BAD_VERSION), "bad_version");
	assert_string_equal(dp_ipv4_err_name(DP_IPV4_BAD_IHL), "bad_ihl");
	assert_string_equal(dp_ipv4_err_name(DP_IPV4_BAD_LEN), "bad_len");
	assert_string_equal(dp_ipv4_err_name(DP_IPV4_BAD_CSUM), "bad_csum");
	assert_string_equal(dp_ipv4_err_name(DP_IPV4_BAD_FRAG), "bad_frag");
	assert_string_equal(dp_ipv4_err_name(DP_IPV4_ERR_MAX), "unknown");
}

static void
test_ttl_decrement(void **state)
{
	struct dp_ipv4_hdr h;
	uint8_t buf[200], before[200];
	size_t len = good_packet(buf);

	assert_int_equal(dp_ipv4_parse(buf, len, 0, &h), DP_IPV4_OK);
	memcpy(before, buf, len);
	assert_int_equal(dp_ipv4_dec_ttl(buf, len, &h), DP_TTL_FORWARD);
	assert_int_equal(buf[8], 63);
	assert_int_equal(h.ttl, 63);
	assert_int_equal(ref_csum(buf, 20), 0);
	/* Only TTL and checksum changed. */
	assert_memory_equal(buf, before, 8);
	assert_int_equal(buf[9], before[9]);
	assert_memory_equal(buf + 12, before + 12, len - 12);
	assert_int_equal(dp_ipv4_parse(buf, len, 0, &h), DP_IPV4_OK);
}

/* Every TTL 2..255 with random headers: the result verifies from scratch. */
static void
test_ttl_all_values(void **state)
{
	struct pkt_spec s = pkt_default();
	struct dp_ipv4_hdr h;
	uint8_t buf[100];
	uint64_t st = 5;
	size_t len;

	for (int ttl = 2; ttl <= 255; ttl++) {
		for (int k = 0; k < 50; k++) {
			s.ttl = (uint8_t)ttl;
			s.src = (uint32_t)rnd(&st);
			s.dst = (uint32_t)rnd(&st);
			s.id = (uint16_t)rnd(&st);
			s.proto = (uint8_t)rnd(&st);
			len = pkt_build(buf, &s);
			assert_int_equal(dp_ipv4_parse(buf, len, 0, &h), DP_IPV4_OK);
			assert_int_equal(dp_ipv4_dec_ttl(buf, len, &h), DP_TTL_FORWARD);
			assert_int_equal(buf[8], ttl - 1);
			assert_int_equal(ref_csum(buf, 20), 0);
		}
	}
}

static void
test_ttl_expired_untouched(void **state)
{
	struct pkt_spec s = pkt_default();
	struct dp_ipv4_hdr h;
	uint8_t buf[100], before[100];
	size_t len;

	for (int ttl = 0; ttl <= 1; ttl++) {
		s.ttl = (uint8_t)ttl;
		len = pkt_build(buf, &s);
		memcpy(before, buf, len);
		assert_int_equal(dp_ipv4_parse(buf, len, 0, &h), DP_IPV4_OK);
		assert_int_equal(dp_ipv4_dec_ttl(buf, len, &h), DP_TTL_EXPIRED);
		assert_memory_equal(buf, before, len);
	}
}

static void
test_clear_df(void **state)
{
	struct dp_ipv4_hdr h;
	uint8_t buf[200], before[200];
	size_t len = good_packet(buf);	/* DF set, offset 3 */

	assert_int_equal(dp_ipv4_parse(buf, len, 0, &h), DP_IPV4_OK);
	memcpy(before, buf, len);
	assert_int_equal(dp_ipv4_clear_df(buf, len, &h), 1);
	assert_false(h.df);
	assert_int_equal(rd16(buf + 6), 3);
	assert_int_equal(ref_csum(buf, 20), 0);
	assert_memory_equal(buf, before, 6);
	assert_memory_equal(buf + 12, before + 12, len - 12);
	assert_int_equal(dp_ipv4_parse(buf, len, 0, &h), DP_IPV4_OK);
	assert_false(h.df);
	assert_int_equal(h.frag_off, 24);
	/* Already clear: nothing changes. */
	memcpy(before, buf, len);
	assert_int_equal(dp_ipv4_clear_df(buf, len, &h), 0);
	assert_memory_equal(buf, before, len);
	assert_int_equal(dp_ipv4_clear_df(buf, 11, &h), -1);
}

static void
test_patch16_bounds(void **state)
{
	uint8_t b[4] = { 0 };

	assert_int_equal(dp_ipv4_patch16(b, 4, 2, 0xabcd), 0);
	assert_int_equal(b[2], 0xab);
	assert_int_equal(b[3], 0xcd);
	assert_int_equal(dp_ipv4_patch16(b, 4, 3, 1), -1);
	assert_int_equal(dp_ipv4_patch16(b, 1, 0, 1), -1);
	assert_int_equal(dp_ipv4_patch16(b, 4, (size_t)-1, 1), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_parse_rejections),
		cmocka_unit_test(test_err_names),
		cmocka_unit_test(test_ttl_decrement),
		cmocka_unit_test(test_ttl_all_values),
		cmocka_unit_test(test_ttl_expired_untouched),
		cmocka_unit_test(test_clear_df),
		cmocka_unit_test(test_patch16_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
