/*
 * FIB: longest-prefix match checked against a naive reference (a linear scan over
 * the prefix list) under random interleaved add/del/replace of overlapping prefixes
 * of every length, plus the edge cases named in docs/performance.md section 4:
 * /0, /32, longer-than-/24, re-exposing a covering prefix, bulk build, and memory
 * returning to its baseline after everything is deleted and reclaimed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>
#include <sched.h>

#include "common/log.h"
#include "common/util.h"
#include "route/fib.h"

#if defined(__SANITIZE_ADDRESS__)
#define SCALE	4	/* ASan build: fewer rounds, same coverage of cases */
#else
#define SCALE	1
#endif

struct rng {
	uint64_t s;
};

static uint32_t
rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((z ^ (z >> 31)) >> 16);
}

static uint32_t
mask(unsigned len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

struct ref_ent {
	uint32_t addr, nh;
	unsigned len;
};

struct ref {
	struct ref_ent e[512];
	size_t n;
};

static uint32_t
ref_lookup(const struct ref *r, uint32_t a)
{
	uint32_t nh = FIB_NH_NONE;
	int best = -1;
	size_t i;

	for (i = 0; i < r->n; i++)
		if ((a & mask(r->e[i].len)) == r->e[i].addr && (int)r->e[i].len > best) {
			best = (int)r->e[i].len;
			nh = r->e[i].nh;
		}
	return nh;
}

static int
ref_find(const struct ref *r, uint32_t addr, unsigned len)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->e[i].addr == addr && r->e[i].len == len)
			return (int)i;
	return -1;
}

static struct prefix
pfx(uint32_t addr, unsigned len)
{
	struct prefix p;

	prefix_from_v4(&p, addr & mask(len), (uint8_t)len);
	return p;
}

static void
check_addr(const struct fib *f, const struct ref *r, uint32_t a)
{
	uint32_t got = fib_lookup4(f, a), want = ref_lookup(r, a);

	if (got != want)
		fail_msg("lookup %08x: fib %u, reference %u", a, got, want);
}

/* Boundaries of every prefix (+-1), random addresses, and batch == single. */
static void
check_all(const struct fib *f, const struct ref *r, struct rng *g,
    const uint32_t *anchor, size_t nanchor)
{
	uint32_t dst[300], out[300], lo, hi;
	size_t i, n = 0;

	for (i = 0; i < r->n; i++) {
		lo = r->e[i].addr;
		hi = lo | ~mask(r->e[i].len);
		check_addr(f, r, lo);
		check_addr(f, r, hi);
		check_addr(f, r, lo - 1);
		check_addr(f, r, hi + 1);
	}
	for (i = 0; i < 64; i++)
		check_addr(f, r, rnd(g));
	for (i = 0; i < ARRAY_SIZE(dst); i++)
		dst[n++] = anchor[rnd(g) % nanchor] ^ (rnd(g) >> (rnd(g) % 32));
	fib_lookup4_batch(f, dst, out, n);
	for (i = 0; i < n; i++) {
		if (out[i] != ref_lookup(r, dst[i]))
			fail_msg("batch lookup %08x: fib %u, reference %u", dst[i], out[i],
			    ref_lookup(r, dst[i]));
		assert_int_equal(out[i], fib_lookup4(f, dst[i]));
	}
}

static void
test_random_differential(void **state)
{
	struct rng g = { 42 };
	struct ref *r = calloc(1, sizeof(*r));
	struct fib *f = fib_new();
	uint32_t anchor[6], addr, nh;
	struct prefix p;
	unsigned len;
	int i, k, rounds = 30000 / SCALE;
	unsigned op;

	for (i = 0; i < (int)ARRAY_SIZE(anchor); i++)
		anchor[i] = rnd(&g) << 16 ^ rnd(&g);
	anchor[5] = anchor[4] ^ 0x100;		/* a neighbour in the same /16 */
	for (i = 0; i < rounds; i++) {
		len = rnd(&g) % 33;
		/* Mostly nested chains around a few anchors, some scattered prefixes. */
		addr = rnd(&g) % 8 ? anchor[rnd(&g) % ARRAY_SIZE(anchor)] :
		    rnd(&g) << 16 ^ rnd(&g);
		addr &= mask(len);
		p = pfx(addr, len);
		op = rnd(&g) % 100;
		if (r->n >= 250 || (r->n > 0 && op < 35)) {
			/* Delete a stored prefix. */
			k = (int)(rnd(&g) % r->n);
			p = pfx(r->e[k].addr, r->e[k].len);
			assert_int_equal(fib_del(f, &p), 0);
			r->e[k] = r->e[--r->n];
		} else if (op < 45) {
			/* Delete whatever was drawn: often absent, then -1. */
			k = ref_find(r, addr, len);
			assert_int_equal(fib_del(f, &p), k < 0 ? -1 : 0);
			if (k >= 0)
				r->e[k] = r->e[--r->n];
		} else {
			/* Add or replace. */
			k = ref_find(r, addr, len);
			nh = 1 + rnd(&g) % 1000;
			assert_int_equal(fib_add(f, &p, nh), 0);
			if (k < 0) {
				k = (int)r->n++;
				r->e[k].addr = addr;
				r->e[k].len = len;
			}
			r->e[k].nh = nh;
		}
		if (i % 100 == 0) {
			struct fib_stats s;

			check_all(f, r, &g, anchor, ARRAY_SIZE(anchor));
			fib_stats(f, &s);
			assert_int_equal(s.prefixes, r->n);
		}
		if (i % 997 == 0)
			fib_reclaim(f);
	}
	check_all(f, r, &g, anchor, ARRAY_SIZE(anchor));
	fib_free(f);
	free(r);
}

static void
test_default_and_host(void **state)
{
	struct fib *f = fib_new();
	struct prefix p0 = pfx(0, 0), h = pfx(0x0a000001, 32), z = pfx(0, 32),
	    o = pfx(0xffffffff, 32);

	assert_int_equal(fib_lookup4(f, 0x01020304), FIB_NH_NONE);
	assert_int_equal(fib_add(f, &p0, 7), 0);
	assert_int_equal(fib_lookup4(f, 0), 7);
	assert_int_equal(fib_lookup4(f, 0xffffffff), 7);
	assert_int_equal(fib_add(f, &h, 9), 0);
	assert_int_equal(fib_add(f, &z, 11), 0);
	assert_int_equal(fib_add(f, &o, 12), 0);
	assert_int_equal(fib_lookup4(f, 0x0a000001), 9);
	assert_int_equal(fib_lookup4(f, 0x0a000000), 7);
	assert_int_equal(fib_lookup4(f, 0x0a000002), 7);
	assert_int_equal(fib_lookup4(f, 0), 11);
	assert_int_equal(fib_lookup4(f, 1), 7);
	assert_int_equal(fib_lookup4(f, 0xffffffff), 12);
	assert_int_equal(fib_lookup4(f, 0xfffffffe), 7);
	/* Removing the default leaves only the hosts. */
	assert_int_equal(fib_del(f, &p0), 0);
	assert_int_equal(fib_lookup4(f, 0x0a000002), FIB_NH_NONE);
	assert_int_equal(fib_lookup4(f, 0x0a000001), 9);
	assert_int_equal(fib_lookup4(f, 0xffffffff), 12);
	assert_int_equal(fib_del(f, &p0), -1);
	fib_free(f);
}

static void
test_reexpose_and_replace(void **state)
{
	struct fib *f = fib_new();
	struct prefix p8 = pfx(0x0a000000, 8), p16 = pfx(0x0a010000, 16),
	    p20 = pfx(0x0a010000, 20), p24 = pfx(0x0a010100, 24),
	    p28 = pfx(0x0a010110, 28);

	/* Longest first, so a later shorter add must not clobber them. */
	assert_int_equal(fib_add(f, &p28, 28), 0);
	assert_int_equal(fib_add(f, &p24, 24), 0);
	assert_int_equal(fib_add(f, &p20, 20), 0);
	assert_int_equal(fib_add(f, &p16, 16), 0);
	assert_int_equal(fib_add(f, &p8, 8), 0);
	assert_int_equal(fib_lookup4(f, 0x0a010111), 28);
	assert_int_equal(fib_lookup4(f, 0x0a01010f), 24);
	assert_int_equal(fib_lookup4(f, 0x0a010001), 20);
	assert_int_equal(fib_lookup4(f, 0x0a011001), 16);
	assert_int_equal(fib_lookup4(f, 0x0a020001), 8);
	/* Replace keeps the longer ones. */
	assert_int_equal(fib_add(f, &p20, 200), 0);
	assert_int_equal(fib_lookup4(f, 0x0a010001), 200);
	assert_int_equal(fib_lookup4(f, 0x0a010111), 28);
	/* Deleting re-exposes the next covering prefix at each level. */
	assert_int_equal(fib_del(f, &p24), 0);
	assert_int_equal(fib_lookup4(f, 0x0a01010f), 200);
	assert_int_equal(fib_lookup4(f, 0x0a010111), 28);
	assert_int_equal(fib_del(f, &p28), 0);
	assert_int_equal(fib_lookup4(f, 0x0a010111), 200);
	assert_int_equal(fib_del(f, &p20), 0);
	assert_int_equal(fib_lookup4(f, 0x0a010111), 16);
	assert_int_equal(fib_del(f, &p16), 0);
	assert_int_equal(fib_lookup4(f, 0x0a010111), 8);
	assert_int_equal(fib_del(f, &p16), -1);
	fib_free(f);
}

static void
test_bad_input(void **state)
{
	struct fib *f = fib_new();
	struct prefix p = pfx(0x0a000000, 8), v6;
	char err[128];
	uint32_t nh[2] = { 1, 0 };
	struct prefix two[2] = { pfx(0x0a000000, 8), pfx(0x0b000000, 8) };

	log_init("test_fib", true, 0);
	assert_int_equal(fib_add(f, &p, 0), -1);
	assert_int_equal(fib_add(f, &p, FIB_NH_MAX + 1), -1);
	assert_int_equal(fib_add(f, &p, FIB_NH_MAX), 0);
	assert_int_equal(fib_lookup4(f, 0x0a000001), FIB_NH_MAX);
	assert_int_equal(prefix_parse("2001:db8::/32", &v6, err, sizeof(err)), 0);
	assert_int_equal(fib_add(f, &v6, 1), -1);
	assert_int_equal(fib_del(f, &v6), -1);
	assert_int_equal(fib_build(f, two, nh, 2), -1);	/* not empty */
	fib_free(f);
	f = fib_new();
	assert_int_equal(fib_build(f, two, nh, 2), -1);	/* nh 0 rejects all */
	assert_int_equal(fib_lookup4(f, 0x0a000001), FIB_NH_NONE);
	fib_free(f);
}

static void
random_set(struct rng *g, struct prefix *p, uint32_t *nh, size_t n)
{
	size_t i;
	unsigned len;

	for (i = 0; i < n; i++) {
		/*
		 * Mostly /16-/32 and some /12-/15, with a rare very short one: a short
		 * prefix rewrites every block beneath it, so many would only slow the test.
		 */
		if (i % 499 == 0)
			len = rnd(g) % 33;
		else
			len = i % 7 == 0 ? 12 + rnd(g) % 21 : 16 + rnd(g) % 17;
		/* Few /8s so the prefixes pile up and overlap. */
		p[i] = pfx((rnd(g) % 4 + 10) << 24 | (rnd(g) & 0xff) << 16 | rnd(g), len);
		nh[i] = 1 + rnd(g) % FIB_NH_MAX;
	}
}

static void
test_build_equals_adds(void **state)
{
	struct rng g = { 7 };
	size_t i, n = 20000 / SCALE;
	struct prefix *p = calloc(n, sizeof(*p));
	uint32_t *nh = calloc(n, sizeof(*nh)), a;
	struct fib *fb = fib_new(), *fi = fib_new();
	struct fib_stats sb, si;

	random_set(&g, p, nh, n);
	/* A duplicate outside 10/8-13/8, so no longer prefix hides it: later wins. */
	p[0] = pfx(0xc8010200, 24);
	p[n - 1] = p[0];
	assert_int_equal(fib_build(fb, p, nh, n), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(fib_add(fi, &p[i], nh[i]), 0);
	fib_stats(fb, &sb);
	fib_stats(fi, &si);
	assert_int_equal(sb.prefixes, si.prefixes);
	assert_int_equal(sb.groups, si.groups);
	assert_int_equal(fib_lookup4(fb, prefix_v4(&p[0])), nh[n - 1]);
	for (i = 0; i < n; i++) {
		a = prefix_v4(&p[i]);
		assert_int_equal(fib_lookup4(fb, a), fib_lookup4(fi, a));
		assert_int_equal(fib_lookup4(fb, a - 1), fib_lookup4(fi, a - 1));
		a |= p[i].len == 0 ? ~0u : ~mask(p[i].len);
		assert_int_equal(fib_lookup4(fb, a), fib_lookup4(fi, a));
		assert_int_equal(fib_lookup4(fb, a + 1), fib_lookup4(fi, a + 1));
		a = rnd(&g);
		assert_int_equal(fib_lookup4(fb, a), fib_lookup4(fi, a));
	}
	fib_free(fb);
	fib_free(fi);
	free(p);
	free(nh);
}

static void
test_memory_baseline(void **state)
{
	struct rng g = { 99 };
	size_t i, n = 40000 / SCALE;
	struct prefix *p = calloc(n, sizeof(*p));
	uint32_t *nh = calloc(n, sizeof(*nh));
	struct fib *f = fib_new();
	struct fib_stats s0, s1, s2;

	fib_stats(f, &s0);
	assert_true(s0.memory < 300 * 1024);	/* a tiny table stays tiny */
	random_set(&g, p, nh, n);
	for (i = 0; i < n; i++)
		assert_int_equal(fib_add(f, &p[i], nh[i]), 0);
	fib_stats(f, &s1);
	assert_true(s1.groups > 0);
	assert_true(s1.memory > s0.memory);
	for (i = 0; i < n; i++)
		(void)fib_del(f, &p[i]);	/* duplicates fail the second time */
	fib_stats(f, &s2);
	assert_int_equal(s2.prefixes, 0);
	assert_int_equal(s2.groups, 0);
	assert_true(s2.retired > 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(fib_lookup4(f, rnd(&g)), FIB_NH_NONE);
	fib_reclaim(f);
	fib_stats(f, &s2);
	assert_int_equal(s2.retired, 0);
	assert_int_equal(s2.memory, s0.memory);
	/* And the table is usable again afterwards. */
	assert_int_equal(fib_add(f, &p[1], 5), 0);
	assert_int_equal(fib_lookup4(f, prefix_v4(&p[1])), 5);
	fib_free(f);
	free(p);
	free(nh);
}

/* A few /24s in a hub's small table cost 1 KiB each on top of the first level. */
static void
test_small_table_memory(void **state)
{
	struct fib *f = fib_new();
	struct fib_stats s;
	struct prefix p;
	uint32_t i;

	for (i = 0; i < 50; i++) {
		p = pfx(0x0a000000 | i << 8, 24);
		assert_int_equal(fib_add(f, &p, i + 1), 0);
	}
	fib_stats(f, &s);
	assert_int_equal(s.groups, 1);
	assert_true(s.memory < 512 * 1024);
	fib_free(f);
}

/*
 * One writer churning a nested chain and the blocks around it while a reader
 * thread looks up addresses whose only legal answers are known; the writer
 * reclaims only after the reader has passed two quiescent points (the protocol
 * at the top of fib.c).  A reader that saw a half-built block, or a block reused
 * too early, returns a value outside the legal set (or faults on the unmapped
 * arena when everything collapses).
 */
struct conc {
	struct fib	*f;
	int		 stop;
	uint64_t	 epoch;
	uint64_t	 bad;
};

static void
conc_check(struct conc *c, int ok)
{
	if (!ok)
		__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
}

/*
 * Legal answers: 10.1.1.129 in 1..4 (/8, /16, /24, /25 of the chain); 10.1.1.5
 * also 5 (a /28); 10.9.9.130 is 1 or 7 (a /25 that comes and goes, taking its
 * blocks with it); 10.9.9.1 and 10.2.0.0 always 1.  Blocks freed under 10.9/16
 * are reused at once by 10.7/16 and 10.8/16 with next hop 50, so a reader
 * following a block too early reads 50.
 */
static void *
conc_reader(void *arg)
{
	struct conc *c = arg;
	uint32_t dst[5] = { 0x0a010181, 0x0a020000, 0x0a010105, 0x0a090982, 0x0a090901 };
	uint32_t out[5], v;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		v = fib_lookup4(c->f, dst[3]);
		conc_check(c, v == 1 || v == 7);
		v = fib_lookup4(c->f, dst[4]);
		conc_check(c, v == 1);
		fib_lookup4_batch(c->f, dst, out, 5);
		conc_check(c, out[0] >= 1 && out[0] <= 4);
		conc_check(c, out[1] == 1);
		conc_check(c, out[2] >= 1 && out[2] <= 5 && out[2] != 4);
		conc_check(c, out[3] == 1 || out[3] == 7);
		conc_check(c, out[4] == 1);
		__atomic_add_fetch(&c->epoch, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void
test_concurrent_reader(void **state)
{
	struct conc c = { fib_new(), 0, 0, 0 };
	struct rng g = { 3 };
	struct prefix chain[4] = { pfx(0x0a010000, 16), pfx(0x0a010100, 24),
	    pfx(0x0a010180, 25), pfx(0x0a010100, 28) };
	uint32_t chain_nh[4] = { 2, 3, 4, 5 };
	struct prefix p8 = pfx(0x0a000000, 8), flap = pfx(0x0a090980, 25),
	    reuse2 = pfx(0x0a070000, 17), reuse3;
	pthread_t t;
	uint64_t e0;
	int i, k, rounds = 8000 / SCALE;

	assert_int_equal(fib_add(c.f, &p8, 1), 0);
	assert_int_equal(pthread_create(&t, NULL, conc_reader, &c), 0);
	for (i = 0; i < rounds; i++) {
		k = (int)(rnd(&g) % 4);
		if (fib_add(c.f, &chain[k], chain_nh[k]) == 0 && rnd(&g) % 2)
			(void)fib_del(c.f, &chain[k]);
		/* The flapping /25 takes a level-2 and a level-3 block each time... */
		assert_int_equal(fib_add(c.f, &flap, 7), 0);
		assert_int_equal(fib_del(c.f, &flap), 0);
		/* ...which these would pick up at once if retiring were skipped. */
		reuse3 = pfx(0x0a080080 | (uint32_t)(i % 256) << 8, 25);
		assert_int_equal(fib_add(c.f, &reuse2, 50), 0);
		assert_int_equal(fib_add(c.f, &reuse3, 50), 0);
		assert_int_equal(fib_del(c.f, &reuse2), 0);
		assert_int_equal(fib_del(c.f, &reuse3), 0);
		if (i % 128 == 127) {
			e0 = __atomic_load_n(&c.epoch, __ATOMIC_ACQUIRE);
			while (__atomic_load_n(&c.epoch, __ATOMIC_ACQUIRE) < e0 + 2)
				sched_yield();
			fib_reclaim(c.f);
		}
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(c.bad, 0);
	assert_true(c.epoch > 0);
	fib_free(c.f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_and_host),
		cmocka_unit_test(test_reexpose_and_replace),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_random_differential),
		cmocka_unit_test(test_build_equals_adds),
		cmocka_unit_test(test_memory_baseline),
		cmocka_unit_test(test_small_table_memory),
		cmocka_unit_test(test_concurrent_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
