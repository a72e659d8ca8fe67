/*
 * rt_fib: route table -> FIB (see rt_fib.h).
 */
#include <stdlib.h>

#include "common/log.h"
#include "common/util.h"
#include "route/rt_fib.h"

struct rt_fib {
	struct rt_table	*table;
	struct fib	*fib;
	uint32_t	*retired;	/* nh ids to release at the next reclaim */
	size_t		 nretired;
	size_t		 cretired;
	size_t		 updates;
};

static void
retire(struct rt_fib *rf, uint32_t nh)
{
	util_grow(&rf->retired, &rf->cretired, rf->nretired + 1, sizeof(*rf->retired));
	rf->retired[rf->nretired++] = nh;
}

static void
on_change(void *arg, struct rt_table *t, const struct prefix *p, uint32_t old_nh,
    uint32_t new_nh)
{
	struct rt_fib *rf = arg;
	struct rt_ctx *ctx = rt_table_ctx(t);

	if (p->family != PFX_V4)
		return;		/* the FIB is IPv4 only for now */
	if (new_nh != 0) {
		rt_nh_ref(ctx, new_nh);
		if (fib_add(rf->fib, p, new_nh) == -1) {
			/* Only an nh id beyond FIB_NH_MAX can fail: a local invariant. */
			rt_nh_unref(ctx, new_nh);
			fatalx("rt_fib: fib_add refused nh %u", new_nh);
		}
	} else {
		(void)fib_del(rf->fib, p);
	}
	if (old_nh != 0)
		retire(rf, old_nh);
	rf->updates++;
}

static void
load_one(void *arg, const struct prefix *p, uint32_t nh, const struct rt_route *win)
{
	on_change(arg, ((struct rt_fib *)arg)->table, p, 0, nh);
}

static void
release_one(void *arg, const struct prefix *p, uint32_t nh, const struct rt_route *win)
{
	struct rt_fib *rf = arg;

	if (p->family == PFX_V4)
		rt_nh_unref(rt_table_ctx(rf->table), nh);
}

struct rt_fib *
rt_fib_new(struct rt_table *t)
{
	struct rt_fib *rf = xcalloc(1, sizeof(*rf));

	rf->table = t;
	rf->fib = fib_new();
	rt_table_walk_active(t, load_one, rf);
	rt_table_listen(t, on_change, rf);
	return rf;
}

void
rt_fib_reclaim(struct rt_fib *rf)
{
	struct rt_ctx *ctx = rt_table_ctx(rf->table);
	size_t i;

	fib_reclaim(rf->fib);
	for (i = 0; i < rf->nretired; i++)
		rt_nh_unref(ctx, rf->retired[i]);
	rf->nretired = 0;
}

void
rt_fib_free(struct rt_fib *rf)
{
	if (rf == NULL)
		return;
	rt_table_listen(rf->table, NULL, NULL);
	rt_fib_reclaim(rf);
	/* Release the references the FIB's entries hold: in step with the table, so the
	 * table's active routes are exactly those entries. */
	rt_table_walk_active(rf->table, release_one, rf);
	fib_free(rf->fib);
	free(rf->retired);
	free(rf);
}

const struct fib *
rt_fib_fib(const struct rt_fib *rf)
{
	return rf->fib;
}

size_t
rt_fib_updates(const struct rt_fib *rf)
{
	return rf->updates;
}
