/*
 * rt_fib: a route table compiled into a FIB answers every lookup exactly as the
 * engine's reference LPM (rt_table_lookup) does, through random churn with backups,
 * blackholes and ECMP; and the FIB's next-hop references are all released at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "route/rt.h"
#include "route/rt_fib.h"

struct rng {
	uint64_t s;
};

static uint32_t
rnd(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (uint32_t)(r->s >> 16);
}

static void
random_route(struct rng *g, uint32_t *objs, size_t nobj, struct prefix *p, struct rt_route *c,
    uint32_t *sources)
{
	/* Few distinct prefixes, nested, so backups and covering routes are common. */
	static const uint8_t lens[] = { 0, 8, 12, 16, 20, 24, 28, 32 };
	uint8_t len = lens[rnd(g) % sizeof(lens)];
	uint32_t base = 0x0a000000u | (rnd(g) & 0x00030303u);

	prefix_from_v4(p, base, len);
	memset(c, 0, sizeof(*c));
	c->origin = (uint8_t)(rnd(g) % 3 == 0 ? RT_ORIGIN_STATIC : RT_ORIGIN_VPN);
	c->source = sources[rnd(g) % 4];
	c->target.tunnel = RT_TUN_NONE;
	if (rnd(g) % 10 == 0) {
		c->target.kind = RT_TGT_BLACKHOLE;
	} else {
		c->target.kind = RT_TGT_ATTACH;
		c->target.id = objs[rnd(g) % nobj];
		c->target.tunnel = (uint16_t)(rnd(g) % 2);
		c->as_path_len = 1 + rnd(g) % 2;
		c->med = 100;
		c->first_as = 65000;
	}
}

static void
check_same(struct rt_table *t, const struct fib *f, struct rng *g)
{
	int i;

	for (i = 0; i < 4000; i++) {
		uint32_t a = i < 2000 ? 0x0a000000u | (rnd(g) & 0x0003ffffu) : rnd(g);
		struct ipaddr ia;

		addr_from_v4(&ia, a);
		assert_int_equal(fib_lookup4(f, a), rt_table_lookup(t, &ia, NULL));
	}
}

static void
test_fib_follows_table(void **state)
{
	struct rt_ctx *ctx = rt_ctx_new();
	struct rt_table *t = rt_table_new(ctx, "t", RT_TABLE_TGW);
	struct rng g = { 0x9e3779b97f4a7c15ull };
	uint32_t objs[3], sources[4];
	struct rt_fib *rf;
	size_t i;
	int round;

	rt_table_set_ecmp(t, true);
	for (i = 0; i < 3; i++)
		objs[i] = rt_ctx_obj_new(ctx, i == 0 ? "a" : i == 1 ? "b" : "c", "vpn");
	for (i = 0; i < 4; i++)
		sources[i] = rt_ctx_source_new(ctx);
	/* Some routes before the FIB exists: rt_fib_new must load them. */
	for (i = 0; i < 50; i++) {
		struct prefix p;
		struct rt_route c;

		random_route(&g, objs, 3, &p, &c, sources);
		rt_table_add(t, &p, &c);
	}
	rf = rt_fib_new(t);
	check_same(t, rt_fib_fib(rf), &g);
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 200; i++) {
			struct prefix p;
			struct rt_route c;

			random_route(&g, objs, 3, &p, &c, sources);
			if (rnd(&g) % 3 == 0)
				(void)rt_table_del(t, &p, c.source);
			else
				rt_table_add(t, &p, &c);
		}
		check_same(t, rt_fib_fib(rf), &g);
		rt_fib_reclaim(rf);
	}
	assert_true(rt_fib_updates(rf) > 100);
	/* Empty the table: the FIB must answer "no route" everywhere. */
	for (i = 0; i < 4; i++)
		rt_table_del_source(t, sources[i]);
	check_same(t, rt_fib_fib(rf), &g);
	assert_int_equal(fib_lookup4(rt_fib_fib(rf), 0x0a000001u), FIB_NH_NONE);
	rt_fib_free(rf);
	assert_int_equal(rt_nh_count(ctx), 0);
	rt_ctx_free(ctx);
}

static void
test_free_releases_references(void **state)
{
	struct rt_ctx *ctx = rt_ctx_new();
	struct rt_table *t = rt_table_new(ctx, "t", RT_TABLE_TGW);
	struct rt_route c;
	struct prefix p;
	struct rt_fib *rf;

	memset(&c, 0, sizeof(c));
	c.origin = RT_ORIGIN_STATIC;
	c.source = rt_ctx_source_new(ctx);
	c.target.kind = RT_TGT_ATTACH;
	c.target.id = rt_ctx_obj_new(ctx, "a", "vpc");
	c.target.tunnel = RT_TUN_NONE;
	prefix_from_v4(&p, 0x0a010000u, 16);
	rt_table_add(t, &p, &c);
	rf = rt_fib_new(t);
	assert_int_not_equal(fib_lookup4(rt_fib_fib(rf), 0x0a010203u), FIB_NH_NONE);
	assert_int_equal(fib_lookup4(rt_fib_fib(rf), 0x0a020203u), FIB_NH_NONE);
	rt_fib_free(rf);
	/* The table still holds its own reference; the FIB's is gone. */
	assert_int_equal(rt_nh_count(ctx), 1);
	rt_table_del(t, &p, c.source);
	assert_int_equal(rt_nh_count(ctx), 0);
	rt_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fib_follows_table),
		cmocka_unit_test(test_free_releases_references),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
