/*
 * rt_decide, table-driven: origin rank (beh. 3, 5), AS_PATH then MED within one
 * origin (beh. 15), ECMP only for equal BGP paths and never for static (beh. 15, 16),
 * blackhole (beh. 7), pending targets (beh. 47), CEN conflict / first-published /
 * overflow (beh. 41).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "route/rt.h"

#define MAXC	8

struct cand {
	int		origin;
	uint32_t	source;
	int		tkind;		/* 0 = attachment */
	uint32_t	id;
	uint32_t	aspath, med, fas;
	int		tstate;
	int		expect;		/* expected status */
};

struct dcase {
	const char	*name;
	bool		 ecmp, noslot;
	struct cand	 c[MAXC];
	size_t		 n;
	int		 dstatus;	/* decision status */
	size_t		 ntargets;
	uint32_t	 tids[MAXC];	/* expected target ids (sorted), 0 = blackhole */
};

#define A	RT_ST_ACTIVE
#define B	RT_ST_BACKUP
#define BH	RT_ST_BLACKHOLE
#define P	RT_ST_PENDING
#define C	RT_ST_CONFLICT
#define O	RT_ST_OVERFLOW

static const struct dcase cases[] = {
	{ "static beats prefix-list", true, false,
	  { { RT_ORIGIN_PREFIX_LIST, 1, 0, 11, 0, 0, 0, 0, B },
	    { RT_ORIGIN_STATIC, 2, 0, 12, 0, 0, 0, 0, A } }, 2, A, 1, { 12 } },
	{ "prefix-list beats vpc", true, false,
	  { { RT_ORIGIN_VPC, 1, 0, 11, 0, 0, 0, 0, B },
	    { RT_ORIGIN_PREFIX_LIST, 2, 0, 12, 0, 0, 0, 0, A } }, 2, A, 1, { 12 } },
	{ "vpc beats dx", true, false,
	  { { RT_ORIGIN_DX, 1, 0, 11, 1, 0, 1, 0, B },
	    { RT_ORIGIN_VPC, 2, 0, 12, 0, 0, 0, 0, A } }, 2, A, 1, { 12 } },
	{ "dx beats connect despite longer as-path", true, false,
	  { { RT_ORIGIN_CONNECT, 1, 0, 11, 1, 0, 1, 0, B },
	    { RT_ORIGIN_DX, 2, 0, 12, 5, 0, 1, 0, A } }, 2, A, 1, { 12 } },
	{ "connect beats vpn-over-dx", true, false,
	  { { RT_ORIGIN_VPN_DX, 1, 0, 11, 1, 0, 1, 0, B },
	    { RT_ORIGIN_CONNECT, 2, 0, 12, 1, 0, 1, 0, A } }, 2, A, 1, { 12 } },
	{ "vpn-over-dx beats vpn", true, false,
	  { { RT_ORIGIN_VPN, 1, 0, 11, 1, 0, 1, 0, B },
	    { RT_ORIGIN_VPN_DX, 2, 0, 12, 1, 0, 1, 0, A } }, 2, A, 1, { 12 } },
	{ "vpn beats peering", true, false,
	  { { RT_ORIGIN_PEERING, 1, 0, 11, 0, 0, 0, 0, B },
	    { RT_ORIGIN_VPN, 2, 0, 12, 1, 0, 1, 0, A } }, 2, A, 1, { 12 } },
	{ "local beats custom in a VPC table", true, false,
	  { { RT_ORIGIN_STATIC, 1, RT_TGT_GATEWAY, 11, 0, 0, 0, 0, B },
	    { RT_ORIGIN_LOCAL, 2, RT_TGT_LOCAL, 0, 0, 0, 0, 0, A } }, 2, A, 1, { 0 } },
	{ "shorter as-path beats lower med", true, false,
	  { { RT_ORIGIN_VPN, 1, 0, 11, 2, 0, 65000, 0, B },
	    { RT_ORIGIN_VPN, 2, 0, 12, 1, 900, 65000, 0, A } }, 2, A, 1, { 12 } },
	{ "lower med wins with the same first AS", true, false,
	  { { RT_ORIGIN_VPN, 1, 0, 11, 1, 200, 65000, 0, B },
	    { RT_ORIGIN_VPN, 2, 0, 12, 1, 100, 65000, 0, A } }, 2, A, 1, { 12 } },
	{ "med ignored across first AS: oldest source", true, false,
	  { { RT_ORIGIN_VPN, 1, 0, 11, 1, 200, 65000, 0, A },
	    { RT_ORIGIN_VPN, 2, 0, 12, 1, 100, 65001, 0, B } }, 2, A, 1, { 11 } },
	{ "med elimination is per first AS", true, false,
	  { { RT_ORIGIN_VPN, 3, 0, 13, 1, 300, 65000, 0, B },
	    { RT_ORIGIN_VPN, 4, 0, 14, 1, 50, 65000, 0, B },
	    { RT_ORIGIN_VPN, 5, 0, 15, 1, 100, 65001, 0, B },
	    { RT_ORIGIN_VPN, 2, 0, 12, 1, 900, 65002, 0, A } }, 4, A, 1, { 12 } },
	{ "survivor of med elimination wins over an older loser", true, false,
	  { { RT_ORIGIN_VPN, 3, 0, 13, 1, 300, 65000, 0, B },
	    { RT_ORIGIN_VPN, 4, 0, 14, 1, 50, 65000, 0, A } }, 2, A, 1, { 14 } },
	{ "equal paths with ecmp: all active", true, false,
	  { { RT_ORIGIN_VPN, 5, 0, 15, 1, 100, 65000, 0, A },
	    { RT_ORIGIN_VPN, 3, 0, 13, 1, 100, 65000, 0, A },
	    { RT_ORIGIN_VPN, 4, 0, 14, 1, 100, 65000, 0, A },
	    { RT_ORIGIN_VPN, 6, 0, 16, 2, 100, 65000, 0, B } }, 4, A, 3,
	  { 13, 14, 15 } },
	{ "equal paths without ecmp: oldest source only", false, false,
	  { { RT_ORIGIN_VPN, 5, 0, 15, 1, 100, 65000, 0, B },
	    { RT_ORIGIN_VPN, 3, 0, 13, 1, 100, 65000, 0, A } }, 2, A, 1, { 13 } },
	{ "ecmp needs the same first AS", true, false,
	  { { RT_ORIGIN_VPN, 1, 0, 11, 1, 100, 65000, 0, A },
	    { RT_ORIGIN_VPN, 2, 0, 12, 1, 100, 65001, 0, B } }, 2, A, 1, { 11 } },
	{ "static never ecmp", true, false,
	  { { RT_ORIGIN_STATIC, 1, 0, 11, 0, 0, 0, 0, A },
	    { RT_ORIGIN_STATIC, 2, 0, 12, 0, 0, 0, 0, B } }, 2, A, 1, { 11 } },
	{ "vpc-propagated never ecmp", true, false,
	  { { RT_ORIGIN_VPC, 2, 0, 12, 0, 0, 0, 0, B },
	    { RT_ORIGIN_VPC, 1, 0, 11, 0, 0, 0, 0, A } }, 2, A, 1, { 11 } },
	{ "blackhole static wins and drops", true, false,
	  { { RT_ORIGIN_VPC, 1, 0, 11, 0, 0, 0, 0, B },
	    { RT_ORIGIN_STATIC, 2, RT_TGT_BLACKHOLE, 0, 0, 0, 0, 0, BH } }, 2, BH, 1,
	  { 0 } },
	{ "static to a deleted attachment is a blackhole", true, false,
	  { { RT_ORIGIN_STATIC, 1, 0, 11, 0, 0, 0, RT_TS_GONE, BH },
	    { RT_ORIGIN_VPN, 2, 0, 12, 1, 0, 1, 0, B } }, 2, BH, 1, { 0 } },
	{ "pending target takes no part", true, false,
	  { { RT_ORIGIN_STATIC, 1, 0, 11, 0, 0, 0, RT_TS_PENDING, P },
	    { RT_ORIGIN_VPC, 2, 0, 12, 0, 0, 0, 0, A } }, 2, A, 1, { 12 } },
	{ "only pending: nothing", true, false,
	  { { RT_ORIGIN_STATIC, 1, 0, 11, 0, 0, 0, RT_TS_PENDING, P } }, 1, P, 0, { 0 } },
	{ "cen learned vs existing destination: conflict", true, false,
	  { { RT_ORIGIN_CEN, 1, RT_TGT_CEN, 90, 0, 0, 0, 0, C },
	    { RT_ORIGIN_LOCAL, 2, RT_TGT_LOCAL, 0, 0, 0, 0, 0, A } }, 2, A, 1, { 0 } },
	{ "cen learned vs custom route: conflict", true, false,
	  { { RT_ORIGIN_STATIC, 9, RT_TGT_GATEWAY, 11, 0, 0, 0, 0, A },
	    { RT_ORIGIN_CEN, 1, RT_TGT_CEN, 90, 0, 0, 0, 0, C } }, 2, A, 1, { 11 } },
	{ "two publications: first published wins", true, false,
	  { { RT_ORIGIN_CEN, 7, RT_TGT_CEN, 90, 0, 0, 0, 0, C },
	    { RT_ORIGIN_CEN, 4, RT_TGT_CEN, 90, 0, 0, 0, 0, A } }, 2, A, 1, { 90 } },
	{ "cen learned beyond the quota: overflow", true, true,
	  { { RT_ORIGIN_CEN, 4, RT_TGT_CEN, 90, 0, 0, 0, 0, O },
	    { RT_ORIGIN_CEN, 7, RT_TGT_CEN, 90, 0, 0, 0, 0, C } }, 2, P, 0, { 0 } },
	{ "no candidates", true, false, { { 0 } }, 0, P, 0, { 0 } },
};

static void
test_table(void **state)
{
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dcase *dc = &cases[i];
		struct rt_route r[MAXC], *pr[MAXC];
		struct rt_decide_opts o = { dc->ecmp, !dc->noslot };
		struct rt_decision d;

		memset(r, 0, sizeof(r));
		for (k = 0; k < dc->n; k++) {
			const struct cand *c = &dc->c[k];

			r[k].origin = (uint8_t)c->origin;
			r[k].source = c->source;
			r[k].target.kind = c->tkind != 0 ? (uint8_t)c->tkind : RT_TGT_ATTACH;
			r[k].target.id = c->id;
			r[k].target.tunnel = RT_TUN_NONE;
			r[k].as_path_len = c->aspath;
			r[k].med = c->med;
			r[k].first_as = c->fas;
			r[k].tstate = (uint8_t)c->tstate;
			r[k].status = 99;
			pr[k] = &r[k];
		}
		rt_decide(pr, dc->n, &o, &d);
		print_message("case: %s\n", dc->name);
		for (k = 0; k < dc->n; k++)
			assert_int_equal(r[k].status, dc->c[k].expect);
		assert_int_equal(d.status, dc->dstatus);
		assert_int_equal(d.n, dc->ntargets);
		for (k = 0; k < d.n; k++) {
			if (dc->tids[k] == 0)
				assert_true(d.targets[k].kind == RT_TGT_BLACKHOLE ||
				    d.targets[k].kind == RT_TGT_LOCAL);
			else
				assert_int_equal(d.targets[k].id, dc->tids[k]);
		}
	}
}

/* The ECMP set is capped at RT_ECMP_MAX, keeping the oldest sources. */
static void
test_ecmp_cap(void **state)
{
	enum { N = RT_ECMP_MAX + 6 };
	struct rt_route r[N], *pr[N];
	struct rt_decide_opts o = { true, true };
	struct rt_decision d;
	size_t i, active = 0;

	memset(r, 0, sizeof(r));
	for (i = 0; i < N; i++) {
		r[i].origin = RT_ORIGIN_VPN;
		r[i].source = (uint32_t)(N - i);	/* reverse order */
		r[i].target.kind = RT_TGT_ATTACH;
		r[i].target.id = (uint32_t)(1000 + i);
		r[i].as_path_len = 1;
		r[i].first_as = 65000;
		pr[i] = &r[i];
	}
	rt_decide(pr, N, &o, &d);
	assert_int_equal(d.n, RT_ECMP_MAX);
	for (i = 0; i < N; i++) {
		if (r[i].status == RT_ST_ACTIVE) {
			active++;
			assert_true(r[i].source <= RT_ECMP_MAX);
		} else
			assert_int_equal(r[i].status, RT_ST_BACKUP);
	}
	assert_int_equal(active, RT_ECMP_MAX);
}

/* Each decision is independent of the order the candidates are given in. */
static void
test_order_independent(void **state)
{
	struct rt_route r[4], *pr[4];
	struct rt_decide_opts o = { true, true };
	struct rt_decision d1, d2;
	int i;

	memset(r, 0, sizeof(r));
	for (i = 0; i < 4; i++) {
		r[i].origin = RT_ORIGIN_VPN;
		r[i].source = (uint32_t)(10 + i);
		r[i].target.kind = RT_TGT_ATTACH;
		r[i].target.id = (uint32_t)(20 + i);
		r[i].as_path_len = 1;
		r[i].first_as = i < 2 ? 65000 : 65001;
		r[i].med = (uint32_t)(i % 2 ? 10 : 20);
	}
	for (i = 0; i < 4; i++)
		pr[i] = &r[i];
	rt_decide(pr, 4, &o, &d1);
	for (i = 0; i < 4; i++)
		pr[i] = &r[3 - i];
	rt_decide(pr, 4, &o, &d2);
	assert_int_equal(d1.n, d2.n);
	assert_memory_equal(d1.targets, d2.targets, d1.n * sizeof(d1.targets[0]));
	/* first AS 65000: source 11 (med 10) beats 10; 65001: 13 beats 12; oldest = 11 */
	assert_int_equal(d1.n, 1);
	assert_int_equal(d1.targets[0].id, 21);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_ecmp_cap),
		cmocka_unit_test(test_order_independent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
