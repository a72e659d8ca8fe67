/*
 * rt_nh: interned, refcounted next-hop sets.  A FIB stores a small integer per prefix
 * (route/fib.h, at most FIB_NH_MAX); this file owns what the integer means: a sorted
 * list of targets (one blackhole, one local, one attachment/tunnel, or an ECMP group).
 * Identical sets share one id, so an ECMP group over four tunnels used by 100k
 * prefixes is stored once.  Ids are recycled through a free list once their last
 * reference goes; 0 is never an id (it means "no route").
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "route/rt_impl.h"

int
rt_target_cmp(const struct rt_target *a, const struct rt_target *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	if (a->tunnel != b->tunnel)
		return a->tunnel < b->tunnel ? -1 : 1;
	return 0;
}

static int
target_qcmp(const void *a, const void *b)
{
	return rt_target_cmp(a, b);
}

static uint32_t
targets_hash(const struct rt_target *t, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t v[3] = { t[i].kind, t[i].tunnel, t[i].id };
		size_t k;

		for (k = 0; k < 3; k++) {
			h ^= v[k];
			h *= 16777619u;
		}
	}
	return h;
}

static void
rehash(struct rt_ctx *ctx, size_t nb)
{
	uint32_t id;

	free(ctx->nhbuckets);
	ctx->nhbuckets = xcalloc(nb, sizeof(*ctx->nhbuckets));
	ctx->nhnbuckets = nb;
	for (id = 1; id < ctx->nhused; id++) {
		struct rt_nh *nh = &ctx->nh[id];

		if (nh->refs == 0)
			continue;
		nh->hnext = ctx->nhbuckets[nh->hash & (nb - 1)];
		ctx->nhbuckets[nh->hash & (nb - 1)] = id;
	}
}

uint32_t
rt_nh_intern(struct rt_ctx *ctx, const struct rt_target *in, size_t n)
{
	struct rt_target small[8], *t;
	struct rt_nh *nh;
	uint32_t h, id;

	if (n == 0)
		fatalx("%s: empty next-hop set", __func__);
	t = n <= ARRAY_SIZE(small) ? small : xcalloc(n, sizeof(*t));
	memcpy(t, in, n * sizeof(*t));
	qsort(t, n, sizeof(*t), target_qcmp);
	h = targets_hash(t, n);

	if (ctx->nhnbuckets == 0)
		rehash(ctx, 64);
	for (id = ctx->nhbuckets[h & (ctx->nhnbuckets - 1)]; id != 0; id = nh->hnext) {
		nh = &ctx->nh[id];
		if (nh->hash == h && nh->n == n &&
		    memcmp(nh->t, t, n * sizeof(*t)) == 0) {
			nh->refs++;
			goto out;
		}
	}

	if (ctx->nhfree != 0) {
		id = ctx->nhfree;
		ctx->nhfree = ctx->nh[id].hnext;
	} else {
		if (ctx->nhused == 0)
			ctx->nhused = 1;	/* id 0 is "no route" */
		util_grow(&ctx->nh, &ctx->nhcap, ctx->nhused + 1, sizeof(*ctx->nh));
		id = (uint32_t)ctx->nhused++;
	}
	nh = &ctx->nh[id];
	nh->refs = 1;
	nh->n = (uint32_t)n;
	nh->t = xcalloc(n, sizeof(*t));
	memcpy(nh->t, t, n * sizeof(*t));
	nh->hash = h;
	nh->hnext = ctx->nhbuckets[h & (ctx->nhnbuckets - 1)];
	ctx->nhbuckets[h & (ctx->nhnbuckets - 1)] = id;
	if (++ctx->nhlive > ctx->nhnbuckets)
		rehash(ctx, ctx->nhnbuckets * 2);
out:
	if (t != small)
		free(t);
	return id;
}

void
rt_nh_ref(struct rt_ctx *ctx, uint32_t id)
{
	if (id == 0 || id >= ctx->nhused || ctx->nh[id].refs == 0)
		fatalx("%s: bad next-hop id %u", __func__, id);
	ctx->nh[id].refs++;
}

void
rt_nh_unref(struct rt_ctx *ctx, uint32_t id)
{
	struct rt_nh *nh;
	uint32_t *pp;

	if (id == 0 || id >= ctx->nhused || ctx->nh[id].refs == 0)
		fatalx("%s: bad next-hop id %u", __func__, id);
	nh = &ctx->nh[id];
	if (--nh->refs > 0)
		return;
	for (pp = &ctx->nhbuckets[nh->hash & (ctx->nhnbuckets - 1)]; *pp != id;
	    pp = &ctx->nh[*pp].hnext)
		;
	*pp = nh->hnext;
	free(nh->t);
	nh->t = NULL;
	nh->n = 0;
	nh->hnext = ctx->nhfree;
	ctx->nhfree = id;
	ctx->nhlive--;
}

const struct rt_nh *
rt_nh_get(const struct rt_ctx *ctx, uint32_t id)
{
	if (id == 0 || id >= ctx->nhused || ctx->nh[id].refs == 0)
		return NULL;
	return &ctx->nh[id];
}

size_t
rt_nh_count(const struct rt_ctx *ctx)
{
	return ctx->nhlive;
}

void
rt_nh_free_all(struct rt_ctx *ctx)
{
	size_t id;

	for (id = 1; id < ctx->nhused; id++)
		free(ctx->nh[id].t);
	free(ctx->nh);
	free(ctx->nhbuckets);
	ctx->nh = NULL;
	ctx->nhbuckets = NULL;
}
