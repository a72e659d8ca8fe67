/*
 * Next-hop set interning: identical sets (in any order) share one id, each intern
 * takes a reference, the last unref frees the id for reuse, 0 is never an id.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "route/rt.h"

static struct rt_target
tgt(uint8_t kind, uint32_t id, uint16_t tun)
{
	struct rt_target t;

	memset(&t, 0, sizeof(t));
	t.kind = kind;
	t.id = id;
	t.tunnel = tun;
	return t;
}

static void
test_intern_shares(void **state)
{
	struct rt_ctx *ctx = rt_ctx_new();
	struct rt_target a[3] = { tgt(RT_TGT_ATTACH, 5, 1), tgt(RT_TGT_ATTACH, 5, 0),
	    tgt(RT_TGT_ATTACH, 2, 0) };
	struct rt_target b[3] = { a[2], a[0], a[1] };
	struct rt_target bh = tgt(RT_TGT_BLACKHOLE, 0, RT_TUN_NONE);
	const struct rt_nh *nh;
	uint32_t x, y, z;

	x = rt_nh_intern(ctx, a, 3);
	y = rt_nh_intern(ctx, b, 3);
	z = rt_nh_intern(ctx, &bh, 1);
	assert_true(x != 0 && z != 0);
	assert_int_equal(x, y);
	assert_int_not_equal(x, z);
	assert_int_equal(rt_nh_count(ctx), 2);
	nh = rt_nh_get(ctx, x);
	assert_non_null(nh);
	assert_int_equal(nh->refs, 2);
	assert_int_equal(nh->n, 3);
	/* stored sorted: (2,0) (5,0) (5,1) */
	assert_int_equal(nh->t[0].id, 2);
	assert_int_equal(nh->t[1].id, 5);
	assert_int_equal(nh->t[1].tunnel, 0);
	assert_int_equal(nh->t[2].tunnel, 1);
	/* a subset is a different set */
	y = rt_nh_intern(ctx, a, 2);
	assert_int_not_equal(x, y);
	rt_nh_unref(ctx, y);
	rt_ctx_free(ctx);
}

static void
test_refcount_and_reuse(void **state)
{
	struct rt_ctx *ctx = rt_ctx_new();
	struct rt_target t1 = tgt(RT_TGT_ATTACH, 1, RT_TUN_NONE);
	struct rt_target t2 = tgt(RT_TGT_ATTACH, 2, RT_TUN_NONE);
	uint32_t x, y;

	x = rt_nh_intern(ctx, &t1, 1);
	rt_nh_ref(ctx, x);
	assert_int_equal(rt_nh_get(ctx, x)->refs, 2);
	rt_nh_unref(ctx, x);
	assert_non_null(rt_nh_get(ctx, x));
	rt_nh_unref(ctx, x);
	assert_null(rt_nh_get(ctx, x));
	assert_int_equal(rt_nh_count(ctx), 0);
	/* the freed id is handed out again, for whatever set comes next */
	y = rt_nh_intern(ctx, &t2, 1);
	assert_int_equal(x, y);
	assert_int_equal(rt_nh_get(ctx, y)->t[0].id, 2);
	/* and the old set is not found under it any more */
	x = rt_nh_intern(ctx, &t1, 1);
	assert_int_not_equal(x, y);
	rt_nh_unref(ctx, x);
	rt_nh_unref(ctx, y);
	assert_int_equal(rt_nh_count(ctx), 0);
	rt_ctx_free(ctx);
}

static void
test_many_sets(void **state)
{
	enum { N = 5000 };
	struct rt_ctx *ctx = rt_ctx_new();
	static uint32_t ids[N];
	uint32_t i;

	for (i = 0; i < N; i++) {
		struct rt_target t[2] = { tgt(RT_TGT_ATTACH, i, 0), tgt(RT_TGT_ATTACH, i, 1) };

		ids[i] = rt_nh_intern(ctx, t, 2);
		assert_true(ids[i] != 0);
	}
	assert_int_equal(rt_nh_count(ctx), N);
	for (i = 0; i < N; i++) {
		struct rt_target t[2] = { tgt(RT_TGT_ATTACH, i, 1), tgt(RT_TGT_ATTACH, i, 0) };

		assert_int_equal(rt_nh_intern(ctx, t, 2), ids[i]);
		rt_nh_unref(ctx, ids[i]);
	}
	for (i = 0; i < N; i += 2)
		rt_nh_unref(ctx, ids[i]);
	assert_int_equal(rt_nh_count(ctx), N / 2);
	for (i = 1; i < N; i += 2)
		assert_int_equal(rt_nh_get(ctx, ids[i])->t[0].id, i);
	rt_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern_shares),
		cmocka_unit_test(test_refcount_and_reuse),
		cmocka_unit_test(test_many_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
