/*
 * Anti-replay window, table-driven like WireGuard's counter selftest (reliability.md
 * E1): in order, out of order, duplicates, window edges +-1, too old, big jumps,
 * reverse order across a full window, and ESN high-bit reconstruction across 2^32
 * (RFC 4303 appendix A2.2; RFC 6479 bitmap).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "esp/esp_replay.h"
#include "esp/esp_wire.h"

struct step {
	uint32_t			wire;	/* what arrives */
	enum esp_replay_verdict		want;
	uint64_t			seq64;	/* expected reconstruction (if OK) */
};

/* check(); on OK also update(), as decap does once the ICV verified. */
static void
run(struct esp_replay *r, const struct step *t, size_t n)
{
	enum esp_replay_verdict v;
	uint64_t s;
	size_t i;

	for (i = 0; i < n; i++) {
		v = esp_replay_check(r, t[i].wire, &s);
		if (v != t[i].want)
			fail_msg("step %zu: seq %u gave %d, want %d", i, t[i].wire,
			    (int)v, (int)t[i].want);
		if (v == ESP_REPLAY_OK) {
			if (t[i].seq64 != 0 && s != t[i].seq64)
				fail_msg("step %zu: seq64 %llx, want %llx", i,
				    (unsigned long long)s,
				    (unsigned long long)t[i].seq64);
			esp_replay_update(r, s);
		}
	}
}

#define OK	ESP_REPLAY_OK
#define DUP	ESP_REPLAY_DUP
#define OLD	ESP_REPLAY_OLD

static void
test_table_w64(void **state)
{
	/* Window 64: seq is too old when top - seq >= 64. */
	static const struct step t[] = {
		{ 0, OLD, 0 },		/* 0 is never sent */
		{ 1, OK, 1 },
		{ 1, DUP, 0 },
		{ 2, OK, 2 },
		{ 64, OK, 64 },
		{ 3, OK, 3 },		/* out of order, inside */
		{ 64, DUP, 0 },
		{ 63, OK, 63 },
		{ 65, OK, 65 },		/* top 65: 1 is exactly 64 behind */
		{ 1, OLD, 0 },		/* edge: top - 64 */
		{ 2, DUP, 0 },		/* edge + 1: inside, seen */
		{ 4, OK, 4 },		/* inside, not seen */
		{ 130, OK, 130 },	/* jump of one window */
		{ 66, OLD, 0 },		/* top - 64 */
		{ 67, OK, 67 },		/* top - 63 */
		{ 67, DUP, 0 },
		{ 129, OK, 129 },
		{ 131, OK, 131 },
		{ 100000, OK, 100000 },	/* big jump ahead */
		{ 131, OLD, 0 },	/* the old ones are now too old */
		{ 99936, OLD, 0 },
		{ 99937, OK, 99937 },
		{ 99999, OK, 99999 },
		{ 100000, DUP, 0 },
		{ 0xffffffff, OK, 0xffffffff },	/* 32-bit max, no ESN */
		{ 0xfffffffe, OK, 0xfffffffe },
		{ 0xffffffff, DUP, 0 },
		{ 100000, OLD, 0 },
	};
	struct esp_replay r;

	esp_replay_init(&r, 64, false);
	assert_int_equal(r.size, 64);
	run(&r, t, sizeof(t) / sizeof(t[0]));
	esp_replay_free(&r);
}

static void
test_sizes_rounded(void **state)
{
	assert_int_equal(esp_replay_round(0), ESP_REPLAY_DEFAULT);
	assert_int_equal(esp_replay_round(1), ESP_REPLAY_MIN);
	assert_int_equal(esp_replay_round(65), 128);
	assert_int_equal(esp_replay_round(1000), 1024);
	assert_int_equal(esp_replay_round(100000), ESP_REPLAY_MAX);
}

/* Edges, reverse fill and block reuse for every window size. */
static void
test_edges_all_sizes(void **state)
{
	static const uint32_t sizes[] = { 64, 128, 1000, 1024, 4096, 8192 };
	struct esp_replay r;
	uint64_t s, top;
	uint32_t w, i;
	size_t k;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		esp_replay_init(&r, sizes[k], false);
		w = r.size;
		top = 3 * (uint64_t)w + 5;
		assert_int_equal(esp_replay_check(&r, (uint32_t)top, &s), OK);
		esp_replay_update(&r, s);
		/* Reverse order across the whole window: all new, then all seen. */
		for (i = 1; i < w; i++) {
			assert_int_equal(esp_replay_check(&r,
			    (uint32_t)(top - i), &s), OK);
			esp_replay_update(&r, s);
		}
		for (i = 0; i < w; i++)
			assert_int_equal(esp_replay_check(&r,
			    (uint32_t)(top - i), &s), DUP);
		assert_int_equal(esp_replay_check(&r, (uint32_t)(top - w), &s), OLD);
		/* Slide by w - 1: only the newest of the old packets stays inside. */
		esp_replay_update(&r, top + w - 1);
		assert_int_equal(esp_replay_check(&r, (uint32_t)top, &s), DUP);
		assert_int_equal(esp_replay_check(&r, (uint32_t)(top - 1), &s), OLD);
		/* Blocks re-used by the ring were cleared: new seqs are not dups. */
		for (i = 1; i < w - 1; i++)
			assert_int_equal(esp_replay_check(&r,
			    (uint32_t)(top + i), &s), OK);
		esp_replay_free(&r);
	}
}

static void
test_check_never_moves(void **state)
{
	struct esp_replay r;
	uint64_t s;

	esp_replay_init(&r, 1024, false);
	esp_replay_update(&r, 10);
	/* A forged high seq passes the pre-check but, unauthenticated, stays out. */
	assert_int_equal(esp_replay_check(&r, 1000000, &s), OK);
	assert_true(r.top == 10);
	assert_int_equal(esp_replay_check(&r, 11, &s), OK);
	assert_int_equal(esp_replay_check(&r, 10, &s), DUP);
	esp_replay_free(&r);
}

static void
test_esn_wrap(void **state)
{
	static const struct step t[] = {
		{ 0, OLD, 0 },				/* before the first packet */
		{ 0xffffffff, OLD, 0 },			/* would be seq -1 */
		{ 1, OK, 1 },
		/* From top 1 a seq near 2^32 reads as the previous subspace: old. */
		{ 0xfffffff0, OLD, 0 },
		{ 0x80000000, OK, 0x80000000 },
		{ 0xfffffff0, OK, 0xfffffff0 },
		{ 5, OK, 0x100000005ull },		/* case A: next subspace */
		{ 0xfffffff8, OK, 0xfffffff8 },		/* case B: previous one */
		{ 0xfffffff0, DUP, 0 },
		{ 3, OK, 0x100000003ull },
		{ 5, DUP, 0 },
		{ 0xffffffc6, OK, 0xffffffc6 },		/* 63 behind, across 2^32 */
		{ 0xffffffc6, DUP, 0 },
		{ 0xffffff00, OK, 0x1ffffff00ull },	/* far: read as ahead */
		{ 0x10, OK, 0x200000010ull },
	};
	struct esp_replay r;

	struct esp_replay r2;
	uint64_t s;

	esp_replay_init(&r, 64, true);
	run(&r, t, sizeof(t) / sizeof(t[0]));
	esp_replay_free(&r);

	/*
	 * 64 behind a top just past 2^32 is outside the window, so appendix A reads
	 * it as the next subspace (ahead); the ICV, computed with those high bits,
	 * is what rejects it.
	 */
	esp_replay_init(&r2, 64, true);
	esp_replay_update(&r2, 0x100000005ull);
	assert_int_equal(esp_replay_check(&r2, 0xffffffc5, &s), OK);
	assert_true(s == 0x1ffffffc5ull);
	esp_replay_free(&r2);
}

static void
test_esn_top_of_64bit_space(void **state)
{
	struct esp_replay r;
	uint64_t s;

	esp_replay_init(&r, 64, true);
	esp_replay_update(&r, 0xfffffffffffffff0ull);
	assert_int_equal(esp_replay_check(&r, 0xffffffff, &s), OK);
	assert_true(s == 0xffffffffffffffffull);
	/* Wrapping to the next subspace would cycle the 64-bit counter. */
	assert_int_equal(esp_replay_check(&r, 5, &s), OLD);
	esp_replay_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_w64),
		cmocka_unit_test(test_sizes_rounded),
		cmocka_unit_test(test_edges_all_sizes),
		cmocka_unit_test(test_check_never_moves),
		cmocka_unit_test(test_esn_wrap),
		cmocka_unit_test(test_esn_top_of_64bit_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
