/*
 * Bounded cursor: every get fails cleanly when bytes are short, errors latch, and the
 * writer never writes past its capacity (reliability.md F10).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/buf.h"

static void
test_reads_in_order(void **state)
{
	const uint8_t in[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
	    0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
	struct buf_reader r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	buf_reader_init(&r, in, sizeof(in));
	assert_int_equal(buf_get_u8(&r, &u8), 0);
	assert_int_equal(u8, 0x01);
	assert_int_equal(buf_get_u16(&r, &u16), 0);
	assert_int_equal(u16, 0x0203);
	assert_int_equal(buf_get_u32(&r, &u32), 0);
	assert_int_equal(u32, 0x04050607);
	assert_int_equal(buf_get_u64(&r, &u64), 0);
	assert_true(u64 == 0x08090a0b0c0d0e0full);
	assert_int_equal(buf_left(&r), 0);
	assert_true(buf_ok(&r));
}

static void
test_short_reads_fail_and_latch(void **state)
{
	const uint8_t in[] = { 0xaa, 0xbb, 0xcc };
	struct buf_reader r;
	uint32_t u32 = 0x12345678;
	uint8_t u8;

	buf_reader_init(&r, in, sizeof(in));
	assert_int_equal(buf_get_u32(&r, &u32), -1);
	assert_int_equal(u32, 0x12345678);	/* untouched */
	assert_false(buf_ok(&r));
	/* latched: even a 1-byte read now fails */
	assert_int_equal(buf_get_u8(&r, &u8), -1);
	assert_int_equal(buf_left(&r), 0);
}

static void
test_every_size_at_every_length(void **state)
{
	uint8_t in[8] = { 0 };
	size_t len, want;

	for (len = 0; len <= sizeof(in); len++) {
		struct buf_reader r;
		uint8_t u8;
		uint16_t u16;
		uint32_t u32;
		uint64_t u64;

		buf_reader_init(&r, in, len);
		assert_int_equal(buf_get_u8(&r, &u8), len >= 1 ? 0 : -1);
		buf_reader_init(&r, in, len);
		assert_int_equal(buf_get_u16(&r, &u16), len >= 2 ? 0 : -1);
		buf_reader_init(&r, in, len);
		assert_int_equal(buf_get_u32(&r, &u32), len >= 4 ? 0 : -1);
		buf_reader_init(&r, in, len);
		assert_int_equal(buf_get_u64(&r, &u64), len >= 8 ? 0 : -1);
		for (want = 0; want <= sizeof(in) + 1; want++) {
			buf_reader_init(&r, in, len);
			assert_int_equal(buf_skip(&r, want), want <= len ? 0 : -1);
		}
	}
}

static void
test_sub_reader_is_bounded(void **state)
{
	const uint8_t in[] = { 0x00, 0x02, 0x11, 0x22, 0x33 };
	struct buf_reader r, sub;
	uint16_t n, v;
	uint8_t u8;

	buf_reader_init(&r, in, sizeof(in));
	assert_int_equal(buf_get_u16(&r, &n), 0);
	assert_int_equal(buf_get_sub(&r, &sub, n), 0);
	assert_int_equal(buf_get_u16(&sub, &v), 0);
	assert_int_equal(v, 0x1122);
	assert_int_equal(buf_get_u8(&sub, &u8), -1);	/* 0x33 is outside the block */
	assert_int_equal(buf_get_u8(&r, &u8), 0);
	assert_int_equal(u8, 0x33);

	/* a declared length past the end fails without reading */
	buf_reader_init(&r, in, sizeof(in));
	assert_int_equal(buf_get_sub(&r, &sub, 6), -1);
	assert_false(buf_ok(&sub));
	assert_int_equal(buf_left(&sub), 0);
	/* SIZE_MAX must not wrap */
	buf_reader_init(&r, in, sizeof(in));
	assert_int_equal(buf_skip(&r, SIZE_MAX), -1);
}

static void
test_writer_capacity(void **state)
{
	uint8_t out[6];
	struct buf_writer w;
	long off;

	memset(out, 0xee, sizeof(out));
	buf_writer_init(&w, out, 5);
	off = buf_reserve(&w, 2);
	assert_int_equal(off, 0);
	assert_int_equal(buf_put_u16(&w, 0xbeef), 0);
	assert_int_equal(buf_put_u16(&w, 0x1234), -1);	/* 4 + 2 > 5 */
	assert_false(buf_wok(&w));
	assert_int_equal(w.len, 4);
	assert_int_equal(out[4], 0xee);			/* nothing past the cap */
	assert_int_equal(out[5], 0xee);
	assert_int_equal(buf_patch_u16(&w, 0, 4), -1);	/* failed writer stays failed */

	buf_writer_init(&w, out, sizeof(out));
	off = buf_reserve(&w, 2);
	assert_int_equal(buf_put_u32(&w, 0x01020304), 0);
	assert_int_equal(buf_patch_u16(&w, (size_t)off, (uint16_t)w.len), 0);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 6);
	assert_int_equal(buf_patch_u32(&w, 4, 0), -1);	/* patch past len */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_in_order),
		cmocka_unit_test(test_short_reads_fail_and_latch),
		cmocka_unit_test(test_every_size_at_every_length),
		cmocka_unit_test(test_sub_reader_is_bounded),
		cmocka_unit_test(test_writer_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
