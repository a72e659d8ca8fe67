/*
 * lab_wsched: the WAN emulator's core under a fake clock (docs/lab.md "The WAN
 * emulator"): one-way delay to the nanosecond, FIFO per link also when the rate
 * cap makes packets wait, loss drawn from a seeded generator (reproducible, close
 * to the configured rate, 0 % and 100 % exact), the token bucket (burst, then the
 * configured rate; a flood through 1 kbps loses most while 1 ping/s passes), and
 * the queue bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lab/lab_wsched.h"

#define MS	1000000ull
#define US	1000ull

static size_t
add_link(struct lab_wsched *s, uint64_t delay_ns, double loss, uint64_t rate)
{
	struct lab_wlink_cfg c;

	memset(&c, 0, sizeof(c));
	c.delay_ns = delay_ns;
	c.loss_pct = loss;
	c.rate_bps = rate;
	return lab_wsched_link_add(s, &c);
}

static void
fill(uint8_t *p, size_t len, uint32_t tag)
{
	memset(p, 0, len);
	memcpy(p, &tag, sizeof(tag));
}

static uint32_t
tag_of(const struct lab_wpkt *p)
{
	uint32_t t;

	memcpy(&t, p->data, sizeof(t));
	return t;
}

static void
test_delay_exact(void **state)
{
	struct lab_wsched *s = lab_wsched_new(1, 64);
	size_t a = add_link(s, 90 * MS, 0, 0), b = add_link(s, 27 * MS, 0, 0);
	uint8_t pkt[84];
	uint64_t rel = 0;
	struct lab_wpkt *p;

	fill(pkt, sizeof(pkt), 7);
	assert_int_equal(lab_wsched_next(s, a), UINT64_MAX);
	assert_int_equal(lab_wsched_enqueue(s, a, pkt, sizeof(pkt), 1000 * MS, &rel),
	    LAB_WS_QUEUED);
	assert_int_equal(rel, 1090 * MS);
	assert_int_equal(lab_wsched_enqueue(s, b, pkt, sizeof(pkt), 1000 * MS + 5, &rel),
	    LAB_WS_QUEUED);
	assert_int_equal(rel, 1027 * MS + 5);
	assert_int_equal(lab_wsched_next(s, a), 1090 * MS);
	/* Never early, not even by a nanosecond. */
	assert_null(lab_wsched_pop(s, a, 1090 * MS - 1));
	assert_null(lab_wsched_pop(s, b, 1027 * MS + 4));
	p = lab_wsched_pop(s, a, 1090 * MS);
	assert_non_null(p);
	assert_int_equal(p->len, sizeof(pkt));
	assert_int_equal(tag_of(p), 7);
	lab_wsched_put(s, p);
	assert_non_null((p = lab_wsched_pop(s, b, 2000 * MS)));
	lab_wsched_put(s, p);
	assert_int_equal(lab_wsched_next(s, a), UINT64_MAX);
	assert_int_equal(lab_wsched_stats(s, a)->out_pkts, 1);
	assert_int_equal(lab_wsched_stats(s, a)->out_bytes, 84);
	lab_wsched_free(s);
}

/* Zero delay: due at once, in order. */
static void
test_zero_delay(void **state)
{
	struct lab_wsched *s = lab_wsched_new(1, 64);
	size_t l = add_link(s, 0, 0, 0);
	uint8_t pkt[60];
	uint64_t rel;
	struct lab_wpkt *p;
	uint32_t i;

	for (i = 0; i < 3; i++) {
		fill(pkt, sizeof(pkt), i);
		assert_int_equal(lab_wsched_enqueue(s, l, pkt, sizeof(pkt), 5 * MS, &rel),
		    LAB_WS_QUEUED);
		assert_int_equal(rel, 5 * MS);
	}
	for (i = 0; i < 3; i++) {
		assert_non_null((p = lab_wsched_pop(s, l, 5 * MS)));
		assert_int_equal(tag_of(p), i);
		lab_wsched_put(s, p);
	}
	assert_null(lab_wsched_pop(s, l, 5 * MS));
	/* The caller's tag (transitd: the egress device) comes back with the packet;
	 * the untagged enqueue gives 0. */
	fill(pkt, sizeof(pkt), 9);
	assert_int_equal(lab_wsched_enqueue_tag(s, l, pkt, sizeof(pkt), 4242, 6 * MS,
	    &rel), LAB_WS_QUEUED);
	assert_int_equal(lab_wsched_enqueue(s, l, pkt, sizeof(pkt), 6 * MS, &rel),
	    LAB_WS_QUEUED);
	assert_non_null((p = lab_wsched_pop(s, l, 6 * MS)));
	assert_int_equal(p->tag, 4242);
	assert_int_equal(tag_of(p), 9);
	lab_wsched_put(s, p);
	assert_non_null((p = lab_wsched_pop(s, l, 6 * MS)));
	assert_int_equal(p->tag, 0);
	lab_wsched_put(s, p);
	lab_wsched_free(s);
}

/*
 * FIFO under shaping: packets of very different sizes through a rate cap, with
 * a big packet followed by small ones.  Release times never go backwards and the
 * packets come out in the order they went in.
 */
static void
test_fifo_with_rate(void **state)
{
	struct lab_wsched *s = lab_wsched_new(3, 4096);
	size_t l = add_link(s, 10 * MS, 0, 1000000);	/* 1 Mbit/s */
	uint8_t pkt[1500];
	uint64_t rel, last = 0, now = 0;
	uint32_t i, n = 0, expect = 0;
	struct lab_wpkt *p;

	for (i = 0; i < 400; i++) {
		size_t len = (i % 3 == 0) ? 1500 : 40 + i % 50;

		fill(pkt, len, i);
		now += 200 * US;
		if (lab_wsched_enqueue(s, l, pkt, len, now, &rel) != LAB_WS_QUEUED)
			continue;
		assert_true(rel >= last);
		assert_true(rel >= now + 10 * MS);
		last = rel;
		n++;
	}
	assert_true(n > 50);
	/* Drain in time order; tags must come out increasing. */
	for (now = 0; lab_wsched_next(s, l) != UINT64_MAX; now = lab_wsched_next(s, l)) {
		while ((p = lab_wsched_pop(s, l, now)) != NULL) {
			assert_true(tag_of(p) >= expect);
			expect = tag_of(p) + 1;
			lab_wsched_put(s, p);
			n--;
		}
	}
	assert_int_equal(n, 0);
	lab_wsched_free(s);
}

static unsigned
count_losses(uint64_t seed, double pct, unsigned n, uint8_t *pattern)
{
	struct lab_wsched *s = lab_wsched_new(seed, 4);
	size_t l = add_link(s, 0, pct, 0);
	uint8_t pkt[64];
	uint64_t rel;
	struct lab_wpkt *p;
	unsigned i, lost = 0;

	memset(pkt, 0, sizeof(pkt));
	for (i = 0; i < n; i++) {
		enum lab_wsched_verdict v;

		v = lab_wsched_enqueue(s, l, pkt, sizeof(pkt), i * MS, &rel);
		if (pattern != NULL)
			pattern[i] = v == LAB_WS_DROP_LOSS;
		if (v == LAB_WS_DROP_LOSS)
			lost++;
		else {
			assert_int_equal(v, LAB_WS_QUEUED);
			p = lab_wsched_pop(s, l, i * MS);
			assert_non_null(p);
			lab_wsched_put(s, p);
		}
	}
	assert_int_equal(lab_wsched_stats(s, l)->drop_loss, lost);
	lab_wsched_free(s);
	return lost;
}

static void
test_loss_seeded(void **state)
{
	static uint8_t a[20000], b[20000], c[20000];
	unsigned lost;

	assert_int_equal(count_losses(42, 0, 20000, NULL), 0);
	assert_int_equal(count_losses(42, 100, 1000, NULL), 1000);
	lost = count_losses(42, 30, 20000, a);
	/* Binomial: sd = sqrt(20000 * .3 * .7) ~ 65; allow 5 sd. */
	assert_in_range(lost, 6000 - 325, 6000 + 325);
	lost = count_losses(7, 2.5, 20000, NULL);
	assert_in_range(lost, 500 - 110, 500 + 110);
	/* Same seed, same decisions; another seed, other decisions. */
	count_losses(42, 30, 20000, b);
	assert_memory_equal(a, b, sizeof(a));
	count_losses(43, 30, 20000, c);
	assert_memory_not_equal(a, c, sizeof(a));
}

/*
 * Token bucket at 8 Mbit/s with 1000-byte packets offered back to back: the first
 * burst (50 ms at the rate = 50000 bytes = 50 packets) goes at once, then one per
 * millisecond (1000 bytes at 8 Mbit/s).
 */
static void
test_bucket_burst_then_rate(void **state)
{
	struct lab_wsched *s = lab_wsched_new(1, 4096);
	size_t l = add_link(s, 5 * MS, 0, 8000000);
	uint8_t pkt[1000];
	uint64_t rel[200], t0 = 10000 * MS;
	unsigned i;

	assert_int_equal(lab_wsched_link_cfg(s, l)->burst_bytes, 50000);
	assert_int_equal(lab_wsched_tx_ns(8000000, 1000), 1 * MS);
	memset(pkt, 0, sizeof(pkt));
	for (i = 0; i < 200; i++)
		assert_int_equal(lab_wsched_enqueue(s, l, pkt, sizeof(pkt), t0, &rel[i]),
		    LAB_WS_QUEUED);
	for (i = 0; i < 50; i++)
		assert_int_equal(rel[i], t0 + 5 * MS);
	for (i = 50; i < 200; i++)
		assert_int_equal(rel[i], t0 + 5 * MS + (i - 49) * MS);
	/* 150 ms of waiting is within the 500 ms limit; 500 more are not all. */
	for (i = 0; i < 500; i++) {
		uint64_t r;

		(void)lab_wsched_enqueue(s, l, pkt, sizeof(pkt), t0, &r);
	}
	assert_int_equal(lab_wsched_stats(s, l)->drop_rate, 500 - 350);
	lab_wsched_free(s);
}

/*
 * CEN's free 1 kbps: a ping flood (84-byte packets every 10 ms for 3 s) loses
 * most, while one ping per second for a minute all passes.
 */
static void
test_bucket_1kbps(void **state)
{
	struct lab_wsched *s = lab_wsched_new(1, 4096);
	size_t flood = add_link(s, 27 * MS, 0, 1000);
	size_t slow = add_link(s, 27 * MS, 0, 1000);
	uint8_t pkt[84];
	uint64_t rel, last = 0;
	unsigned i, passed = 0;
	struct lab_wpkt *p;

	memset(pkt, 0, sizeof(pkt));
	for (i = 0; i < 300; i++) {
		if (lab_wsched_enqueue(s, flood, pkt, sizeof(pkt), i * 10 * MS, &rel) ==
		    LAB_WS_QUEUED)
			passed++;
	}
	/* 1600 bytes of burst + 3.5 s at 125 B/s = ~2040 bytes = ~24 packets. */
	assert_in_range(passed, 15, 30);
	assert_int_equal(lab_wsched_stats(s, flood)->drop_rate, 300 - passed);

	for (i = 0; i < 60; i++) {
		uint64_t now = 1000 * MS * i;

		assert_int_equal(lab_wsched_enqueue(s, slow, pkt, sizeof(pkt), now, &rel),
		    LAB_WS_QUEUED);
		/* No wait at all: only the propagation delay. */
		assert_int_equal(rel, now + 27 * MS);
		assert_non_null((p = lab_wsched_pop(s, slow, rel)));
		lab_wsched_put(s, p);
		last = rel;
	}
	assert_true(last > 0);
	assert_int_equal(lab_wsched_stats(s, slow)->drop_rate, 0);
	lab_wsched_free(s);
}

static void
test_bounds(void **state)
{
	struct lab_wsched *s = lab_wsched_new(1, 6);
	struct lab_wlink_cfg c;
	size_t l, m;
	uint8_t pkt[LAB_WSCHED_PKT_MAX + 1];
	uint64_t rel;
	struct lab_wpkt *p;
	unsigned i;

	memset(&c, 0, sizeof(c));
	c.delay_ns = 1000 * MS;
	c.qmax = 4;
	l = lab_wsched_link_add(s, &c);
	m = add_link(s, 1000 * MS, 0, 0);
	memset(pkt, 0, sizeof(pkt));
	assert_int_equal(lab_wsched_enqueue(s, l, pkt, sizeof(pkt), 0, &rel),
	    LAB_WS_DROP_BAD);
	assert_int_equal(lab_wsched_enqueue(s, 9, pkt, 10, 0, &rel), LAB_WS_DROP_BAD);
	for (i = 0; i < 10; i++)
		(void)lab_wsched_enqueue(s, l, pkt, 100, 0, &rel);
	assert_int_equal(lab_wsched_queued(s, l), 4);
	assert_int_equal(lab_wsched_stats(s, l)->drop_full, 6);
	assert_int_equal(lab_wsched_stats(s, l)->max_queued, 4);
	/* The pool (6) is shared: the second link gets the 2 left. */
	for (i = 0; i < 5; i++)
		(void)lab_wsched_enqueue(s, m, pkt, 100, 0, &rel);
	assert_int_equal(lab_wsched_queued(s, m), 2);
	assert_int_equal(lab_wsched_stats(s, m)->drop_full, 3);
	/* Buffers come back for reuse. */
	assert_non_null((p = lab_wsched_pop(s, l, 1000 * MS)));
	lab_wsched_put(s, p);
	assert_int_equal(lab_wsched_enqueue(s, m, pkt, 100, 0, &rel), LAB_WS_QUEUED);
	lab_wsched_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay_exact),
		cmocka_unit_test(test_zero_delay),
		cmocka_unit_test(test_fifo_with_rate),
		cmocka_unit_test(test_loss_seeded),
		cmocka_unit_test(test_bucket_burst_then_rate),
		cmocka_unit_test(test_bucket_1kbps),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
