/*
 * Route tables: incremental recomputation and change notifications (one per changed
 * next-hop set, none for a backup), exact removal by source (beh. 2), reference LPM,
 * sorted walks, and a 100k-prefix churn whose final state is checked against a model
 * rebuilt from the notifications alone (what a FIB fed by the listener would hold).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "route/rt.h"

struct counter {
	int		 n;
	uint32_t	 last_old, last_new;
	struct prefix	 last_pfx;
};

static void
count(void *arg, struct rt_table *t, const struct prefix *p, uint32_t o, uint32_t n)
{
	struct counter *c = arg;

	c->n++;
	c->last_old = o;
	c->last_new = n;
	c->last_pfx = *p;
}

static struct prefix
pfx(const char *s)
{
	struct prefix p;

	assert_int_equal(prefix_parse(s, &p, NULL, 0), 0);
	return p;
}

static struct rt_route
route(enum rt_origin o, uint32_t src, uint32_t att, uint32_t aspath, uint32_t med)
{
	struct rt_route r;

	memset(&r, 0, sizeof(r));
	r.origin = (uint8_t)o;
	r.source = src;
	r.target.kind = RT_TGT_ATTACH;
	r.target.id = att;
	r.target.tunnel = RT_TUN_NONE;
	r.as_path_len = aspath;
	r.med = med;
	r.first_as = 65000;
	return r;
}

static uint32_t
only_target(struct rt_ctx *ctx, uint32_t nh)
{
	const struct rt_nh *s = rt_nh_get(ctx, nh);

	assert_non_null(s);
	assert_int_equal(s->n, 1);
	return s->t[0].id;
}

static void
test_notifications(void **state)
{
	struct rt_ctx *ctx = rt_ctx_new();
	struct rt_table *t = rt_table_new(ctx, "t", RT_TABLE_TGW);
	struct counter tc = { 0 }, cc = { 0 };
	struct prefix p = pfx("10.50.0.0/16");
	struct rt_route vpc = route(RT_ORIGIN_VPC, 1, 100, 0, 0);
	struct rt_route vpn = route(RT_ORIGIN_VPN, 2, 200, 1, 0);
	struct rt_route vpn2 = route(RT_ORIGIN_VPN, 3, 300, 1, 0);
	uint32_t first;

	rt_table_listen(t, count, &tc);
	rt_ctx_listen(ctx, count, &cc);

	rt_table_add(t, &p, &vpc);
	assert_int_equal(tc.n, 1);
	assert_int_equal(cc.n, 1);		/* both listeners hear it */
	assert_int_equal(tc.last_old, 0);
	first = tc.last_new;
	assert_int_equal(only_target(ctx, first), 100);

	/* a backup changes nothing visible: no notification */
	rt_table_add(t, &p, &vpn);
	assert_int_equal(tc.n, 1);
	/* replacing the backup's attributes: still nothing */
	vpn.med = 50;
	rt_table_add(t, &p, &vpn);
	assert_int_equal(tc.n, 1);
	/* neither does re-adding the active route unchanged */
	rt_table_add(t, &p, &vpc);
	assert_int_equal(tc.n, 1);

	/* removing the active one: exactly one change, to the backup */
	assert_int_equal(rt_table_del(t, &p, 1), 0);
	assert_int_equal(tc.n, 2);
	assert_int_equal(tc.last_old, first);
	assert_int_equal(only_target(ctx, tc.last_new), 200);

	/* an equal BGP path joins an ECMP group (ecmp on): one change */
	rt_table_set_ecmp(t, true);
	assert_int_equal(tc.n, 2);
	vpn.med = 0;
	rt_table_add(t, &p, &vpn);
	assert_int_equal(tc.n, 2);
	rt_table_add(t, &p, &vpn2);
	assert_int_equal(tc.n, 3);
	assert_int_equal(rt_nh_get(ctx, tc.last_new)->n, 2);
	/* ecmp off recomputes the table: back to the oldest source */
	rt_table_set_ecmp(t, false);
	assert_int_equal(tc.n, 4);
	assert_int_equal(only_target(ctx, tc.last_new), 200);

	/* deleting something absent is an error and silent */
	assert_int_equal(rt_table_del(t, &p, 77), -1);
	assert_int_equal(tc.n, 4);

	/* last candidates gone: withdrawn (new = 0), the prefix disappears */
	assert_int_equal(rt_table_del(t, &p, 3), 0);
	assert_int_equal(tc.n, 4);		/* 3 was a backup */
	assert_int_equal(rt_table_del(t, &p, 2), 0);
	assert_int_equal(tc.n, 5);
	assert_int_equal(tc.last_new, 0);
	assert_int_equal(rt_table_count(t), 0);
	assert_int_equal(rt_nh_count(ctx), 0);	/* no leaked references */
	rt_ctx_free(ctx);
}

static void
test_del_source(void **state)
{
	struct rt_ctx *ctx = rt_ctx_new();
	struct rt_table *t = rt_table_new(ctx, "t", RT_TABLE_TGW);
	struct counter tc = { 0 };
	struct rt_route a = route(RT_ORIGIN_VPC, 1, 100, 0, 0);
	struct rt_route b = route(RT_ORIGIN_VPN, 2, 200, 1, 0);
	struct prefix p1 = pfx("10.0.0.0/16"), p2 = pfx("10.1.0.0/16");
	struct prefix p3 = pfx("10.2.0.0/16");

	rt_table_add(t, &p1, &a);
	rt_table_add(t, &p2, &a);
	rt_table_add(t, &p1, &b);
	rt_table_add(t, &p3, &b);
	rt_table_listen(t, count, &tc);
	assert_int_equal(rt_table_del_source(t, 1), 2);
	/* p1 falls back to b, p2 is withdrawn, p3 untouched */
	assert_int_equal(tc.n, 2);
	assert_int_equal(only_target(ctx, rt_table_nh(t, &p1)), 200);
	assert_int_equal(rt_table_nh(t, &p2), 0);
	assert_int_equal(only_target(ctx, rt_table_nh(t, &p3)), 200);
	assert_null(rt_table_get(t, &p1, 1));
	assert_non_null(rt_table_get(t, &p1, 2));
	assert_int_equal(rt_table_del_source(t, 1), 0);
	rt_ctx_free(ctx);
}

static void
walk_collect(void *arg, const struct prefix *p, uint32_t nh, const struct rt_route *w)
{
	char *buf = arg, tmp[PREFIX_STRLEN];

	strcat(buf, prefix_fmt(p, tmp, sizeof(tmp)));
	strcat(buf, " ");
}

static void
test_lookup_and_walk(void **state)
{
	struct rt_ctx *ctx = rt_ctx_new();
	struct rt_table *t = rt_table_new(ctx, "t", RT_TABLE_TGW);
	struct rt_route a = route(RT_ORIGIN_VPC, 1, 100, 0, 0);
	struct rt_route b = route(RT_ORIGIN_STATIC, 2, 200, 0, 0);
	struct rt_route bh = route(RT_ORIGIN_STATIC, 3, 0, 0, 0);
	struct prefix p = pfx("10.0.0.0/8"), q = pfx("10.1.0.0/16");
	struct prefix d = pfx("0.0.0.0/0"), h = pfx("10.1.2.0/24"), m;
	struct ipaddr x;
	char buf[256] = "";

	bh.target.kind = RT_TGT_BLACKHOLE;
	rt_table_add(t, &q, &b);
	rt_table_add(t, &p, &a);
	rt_table_add(t, &d, &a);
	rt_table_add(t, &h, &bh);
	assert_int_equal(addr_parse("10.1.9.9", &x, NULL, 0), 0);
	assert_int_equal(only_target(ctx, rt_table_lookup(t, &x, &m)), 200);
	assert_true(prefix_eq(&m, &q));
	assert_int_equal(addr_parse("10.1.2.3", &x, NULL, 0), 0);
	assert_int_equal(rt_nh_get(ctx, rt_table_lookup(t, &x, &m))->t[0].kind,
	    RT_TGT_BLACKHOLE);
	assert_int_equal(addr_parse("10.200.0.1", &x, NULL, 0), 0);
	assert_int_equal(only_target(ctx, rt_table_lookup(t, &x, &m)), 100);
	assert_true(prefix_eq(&m, &p));
	assert_int_equal(addr_parse("192.0.2.1", &x, NULL, 0), 0);
	rt_table_lookup(t, &x, &m);
	assert_true(prefix_eq(&m, &d));
	rt_table_walk_active(t, walk_collect, buf);
	assert_string_equal(buf, "0.0.0.0/0 10.0.0.0/8 10.1.0.0/16 10.1.2.0/24 ");
	rt_ctx_free(ctx);
}

/* --- 100k churn --- */

struct model {
	uint32_t	*nh;		/* per prefix index, as told by notifications */
	size_t		 n;
	size_t		 events;
};

static size_t
pfx_index(const struct prefix *p)
{
	/* prefixes are 10.x.y.0/24 and 11.x.y.0/24 */
	uint32_t v = prefix_v4(p);

	return ((v >> 24) == 11 ? 65536u : 0u) + ((v >> 8) & 0xffff);
}

static void
model_cb(void *arg, struct rt_table *t, const struct prefix *p, uint32_t o, uint32_t n)
{
	struct model *m = arg;
	size_t i = pfx_index(p);

	assert_true(i < m->n);
	assert_int_equal(m->nh[i], o);	/* the old value is what we were told before */
	m->nh[i] = n;
	m->events++;
}

static void
test_churn_100k(void **state)
{
	enum { N = 131072 };
	struct rt_ctx *ctx = rt_ctx_new();
	struct rt_table *t = rt_table_new(ctx, "big", RT_TABLE_TGW);
	struct model m = { calloc(N, sizeof(uint32_t)), N, 0 };
	struct rt_route vpc = route(RT_ORIGIN_VPC, 1, 100, 0, 0);
	struct rt_route t0 = route(RT_ORIGIN_VPN, 2, 200, 1, 0);
	struct rt_route t1 = route(RT_ORIGIN_VPN, 3, 200, 1, 0);
	struct prefix p;
	uint32_t i;
	size_t live = 0;

	assert_non_null(m.nh);
	t0.target.tunnel = 0;
	t1.target.tunnel = 1;
	rt_table_set_ecmp(t, true);
	rt_table_listen(t, model_cb, &m);

	/* 1. 131072 prefixes from two BGP tunnels (ECMP), 262144 adds */
	for (i = 0; i < N; i++) {
		prefix_from_v4(&p, ((i < 65536 ? 10u : 11u) << 24) | ((i & 0xffff) << 8), 24);
		rt_table_add(t, &p, &t0);
		rt_table_add(t, &p, &t1);
	}
	assert_int_equal(rt_table_count(t), N);
	/* 2. a VPC route overrides every 4th prefix */
	for (i = 0; i < N; i += 4) {
		prefix_from_v4(&p, ((i < 65536 ? 10u : 11u) << 24) | ((i & 0xffff) << 8), 24);
		rt_table_add(t, &p, &vpc);
	}
	/* 3. tunnel 0 withdraws every odd prefix, tunnel 1 every prefix = 3 mod 8 */
	for (i = 1; i < N; i += 2) {
		prefix_from_v4(&p, ((i < 65536 ? 10u : 11u) << 24) | ((i & 0xffff) << 8), 24);
		assert_int_equal(rt_table_del(t, &p, 2), 0);
		if (i % 8 == 3)
			assert_int_equal(rt_table_del(t, &p, 3), 0);
	}
	/* 4. the session on tunnel 1 flaps: all of it withdrawn, re-learned on evens */
	rt_table_del_source(t, 3);
	for (i = 0; i < N; i += 2) {
		prefix_from_v4(&p, ((i < 65536 ? 10u : 11u) << 24) | ((i & 0xffff) << 8), 24);
		rt_table_add(t, &p, &t1);
	}

	/* expected: i%4==0 -> vpc; i%4==2 -> ECMP t0+t1; odd -> nothing left */
	for (i = 0; i < N; i++) {
		uint32_t nh;
		const struct rt_nh *s;

		prefix_from_v4(&p, ((i < 65536 ? 10u : 11u) << 24) | ((i & 0xffff) << 8), 24);
		nh = rt_table_nh(t, &p);
		assert_int_equal(nh, m.nh[i]);	/* the listener's view matches */
		if (i % 2 == 1) {
			assert_int_equal(nh, 0);
			continue;
		}
		live++;
		s = rt_nh_get(ctx, nh);
		assert_non_null(s);
		if (i % 4 == 0) {
			assert_int_equal(s->n, 1);
			assert_int_equal(s->t[0].id, 100);
		} else {
			assert_int_equal(s->n, 2);
			assert_int_equal(s->t[0].tunnel, 0);
			assert_int_equal(s->t[1].tunnel, 1);
		}
	}
	assert_int_equal(rt_table_count(t), live);
	/* two sets serve every prefix: vpc and the ecmp pair */
	assert_int_equal(rt_nh_count(ctx), 2);
	assert_true(m.events > N);
	free(m.nh);
	rt_ctx_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notifications),
		cmocka_unit_test(test_del_source),
		cmocka_unit_test(test_lookup_and_walk),
		cmocka_unit_test(test_churn_100k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
