/*
 * rt_table: the route engine context and its tables.  A table maps each prefix to the
 * list of candidate routes contributed by every origin (rt.h); the decision process
 * (rt_decide.c) runs for one prefix whenever one of its candidates changes, and a
 * listener hears (table, prefix, old nh, new nh) when the announced next-hop set of
 * that prefix changes - nothing is ever recomputed table-wide on a route change.
 *
 * Storage: a chained hash on the exact prefix (O(1) add/remove/find, doubled when the
 * load passes 1), sorted only when walked for printing.  Quota bookkeeping for
 * CEN-learned routes (beh. 41) lives here because it spans prefixes: each entry whose
 * winner is CEN-learned holds a slot; when a slot frees, the overflowed prefix of the
 * earliest publication is reconsidered (a scan, only when something overflowed).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "route/rt_impl.h"

void rt_hub_free_all(struct rt_ctx *);
void rt_cen_free_all(struct rt_ctx *);

static const char *const origin_names[RT_ORIGIN_MAX] = {
	[RT_ORIGIN_LOCAL] = "local",
	[RT_ORIGIN_STATIC] = "static",
	[RT_ORIGIN_PREFIX_LIST] = "prefix-list",
	[RT_ORIGIN_VPC] = "vpc",
	[RT_ORIGIN_DX] = "dx",
	[RT_ORIGIN_CONNECT] = "connect",
	[RT_ORIGIN_VPN_DX] = "vpn-dx",
	[RT_ORIGIN_VPN] = "vpn",
	[RT_ORIGIN_PEERING] = "peering",
	[RT_ORIGIN_CEN] = "cen",
	[RT_ORIGIN_BGP] = "bgp",
};

const char *
rt_origin_name(enum rt_origin o)
{
	return (unsigned)o < RT_ORIGIN_MAX ? origin_names[o] : "?";
}

bool
rt_origin_is_bgp(enum rt_origin o)
{
	switch (o) {
	case RT_ORIGIN_DX:
	case RT_ORIGIN_CONNECT:
	case RT_ORIGIN_VPN_DX:
	case RT_ORIGIN_VPN:
	case RT_ORIGIN_BGP:
		return true;
	default:
		return false;
	}
}

const char *
rt_status_name(enum rt_status s)
{
	switch (s) {
	case RT_ST_PENDING:
		return "pending";
	case RT_ST_ACTIVE:
		return "active";
	case RT_ST_BLACKHOLE:
		return "blackhole";
	case RT_ST_BACKUP:
		return "backup";
	case RT_ST_CONFLICT:
		return "conflict";
	case RT_ST_OVERFLOW:
		return "overflow";
	}
	return "?";
}

/* --- context --- */

struct rt_ctx *
rt_ctx_new(void)
{
	struct rt_ctx *ctx = xcalloc(1, sizeof(*ctx));

	ctx->next_source = 1;
	return ctx;
}

void
rt_ctx_free(struct rt_ctx *ctx)
{
	size_t i;

	if (ctx == NULL)
		return;
	rt_cen_free_all(ctx);
	rt_hub_free_all(ctx);
	while (ctx->ntables > 0)
		rt_table_free(ctx->tables[ctx->ntables - 1]);
	free(ctx->tables);
	for (i = 0; i < ctx->nobjs; i++) {
		free(ctx->objs[i].name);
		free(ctx->objs[i].type);
	}
	free(ctx->objs);
	rt_nh_free_all(ctx);
	free(ctx);
}

void
rt_seterr(struct rt_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
	va_end(ap);
}

const char *
rt_ctx_error(const struct rt_ctx *ctx)
{
	return ctx->err;
}

uint32_t
rt_ctx_obj_new(struct rt_ctx *ctx, const char *name, const char *type)
{
	util_grow(&ctx->objs, &ctx->objcap, ctx->nobjs + 1, sizeof(*ctx->objs));
	ctx->objs[ctx->nobjs].name = xstrdup(name);
	ctx->objs[ctx->nobjs].type = xstrdup(type);
	return (uint32_t)++ctx->nobjs;
}

const char *
rt_ctx_obj_name(const struct rt_ctx *ctx, uint32_t id)
{
	return id >= 1 && id <= ctx->nobjs ? ctx->objs[id - 1].name : NULL;
}

const char *
rt_ctx_obj_type(const struct rt_ctx *ctx, uint32_t id)
{
	return id >= 1 && id <= ctx->nobjs ? ctx->objs[id - 1].type : NULL;
}

uint32_t
rt_ctx_source_new(struct rt_ctx *ctx)
{
	return ctx->next_source++;
}

void
rt_ctx_listen(struct rt_ctx *ctx, rt_listen_fn *fn, void *arg)
{
	ctx->listen = fn;
	ctx->listen_arg = arg;
}

void
rt_ctx_table_unlink(struct rt_ctx *ctx, struct rt_table *t)
{
	size_t i;

	for (i = 0; i < ctx->ntables; i++) {
		if (ctx->tables[i] == t) {
			memmove(&ctx->tables[i], &ctx->tables[i + 1],
			    (ctx->ntables - i - 1) * sizeof(*ctx->tables));
			ctx->ntables--;
			return;
		}
	}
}

/* --- tables --- */

struct rt_table *
rt_table_new(struct rt_ctx *ctx, const char *name, enum rt_table_kind kind)
{
	struct rt_table *t = xcalloc(1, sizeof(*t));

	t->ctx = ctx;
	t->name = xstrdup(name);
	t->kind = kind;
	t->nbuckets = 64;
	t->buckets = xcalloc(t->nbuckets, sizeof(*t->buckets));
	t->static_src = rt_ctx_source_new(ctx);
	t->system_src = rt_ctx_source_new(ctx);
	t->local_src = rt_ctx_source_new(ctx);
	if (kind != RT_TABLE_RIB) {
		util_grow(&ctx->tables, &ctx->tcap, ctx->ntables + 1, sizeof(*ctx->tables));
		ctx->tables[ctx->ntables++] = t;
	}
	return t;
}

void
rt_table_free(struct rt_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nbuckets; i++) {
		struct rt_entry *e, *en;

		for (e = t->buckets[i]; e != NULL; e = en) {
			struct rt_route *r, *rn;

			en = e->hnext;
			for (r = e->routes; r != NULL; r = rn) {
				rn = r->next;
				free(r);
			}
			if (e->nh != 0)
				rt_nh_unref(t->ctx, e->nh);
			free(e);
		}
	}
	if (t->kind != RT_TABLE_RIB)
		rt_ctx_table_unlink(t->ctx, t);
	free(t->buckets);
	free(t->name);
	free(t);
}

struct rt_table *
rt_table_find(struct rt_ctx *ctx, const char *name)
{
	size_t i;

	for (i = 0; i < ctx->ntables; i++)
		if (strcmp(ctx->tables[i]->name, name) == 0)
			return ctx->tables[i];
	return NULL;
}

size_t
rt_ctx_ntables(const struct rt_ctx *ctx)
{
	return ctx->ntables;
}

struct rt_table *
rt_ctx_table_at(const struct rt_ctx *ctx, size_t i)
{
	return i < ctx->ntables ? ctx->tables[i] : NULL;
}

const char *
rt_table_name(const struct rt_table *t)
{
	return t->name;
}

enum rt_table_kind
rt_table_kind(const struct rt_table *t)
{
	return t->kind;
}

struct rt_ctx *
rt_table_ctx(const struct rt_table *t)
{
	return t->ctx;
}

size_t
rt_table_count(const struct rt_table *t)
{
	return t->count;
}

void
rt_table_listen(struct rt_table *t, rt_listen_fn *fn, void *arg)
{
	t->listen = fn;
	t->listen_arg = arg;
}

static uint32_t
prefix_hash(const struct prefix *p)
{
	uint32_t h = 2166136261u;
	unsigned i, nb = (p->len + 7u) / 8u;

	h = (h ^ p->family) * 16777619u;
	h = (h ^ p->len) * 16777619u;
	for (i = 0; i < nb && i < sizeof(p->addr); i++)
		h = (h ^ p->addr[i]) * 16777619u;
	return h ^ (h >> 15);
}

static struct rt_entry *
entry_find(const struct rt_table *t, const struct prefix *p, uint32_t h)
{
	struct rt_entry *e;

	for (e = t->buckets[h & (t->nbuckets - 1)]; e != NULL; e = e->hnext)
		if (e->hash == h && prefix_eq(&e->pfx, p))
			return e;
	return NULL;
}

static void
grow(struct rt_table *t)
{
	size_t i, nb = t->nbuckets * 2;
	struct rt_entry **nbk = xcalloc(nb, sizeof(*nbk));

	for (i = 0; i < t->nbuckets; i++) {
		struct rt_entry *e, *en;

		for (e = t->buckets[i]; e != NULL; e = en) {
			en = e->hnext;
			e->hnext = nbk[e->hash & (nb - 1)];
			nbk[e->hash & (nb - 1)] = e;
		}
	}
	free(t->buckets);
	t->buckets = nbk;
	t->nbuckets = nb;
}

static void
entry_unlink(struct rt_table *t, struct rt_entry *e)
{
	struct rt_entry **pp;

	for (pp = &t->buckets[e->hash & (t->nbuckets - 1)]; *pp != e; pp = &(*pp)->hnext)
		;
	*pp = e->hnext;
	t->count--;
	free(e);
}

static void
notify(struct rt_table *t, const struct prefix *p, uint32_t o, uint32_t n)
{
	if (t->listen != NULL)
		t->listen(t->listen_arg, t, p, o, n);
	if (t->ctx->listen != NULL && t->kind != RT_TABLE_RIB)
		t->ctx->listen(t->ctx->listen_arg, t, p, o, n);
}

static void promote_overflow(struct rt_table *);

/* Run the decision for one prefix; frees the entry when it has no candidates left. */
static void
recompute(struct rt_table *t, struct rt_entry *e)
{
	struct rt_route *small[16], **c, *r;
	struct rt_decide_opts opts;
	struct rt_decision d;
	size_t n = 0, i;
	uint32_t nh = 0, old = e->nh;
	bool freed = false, ovf = false;
	struct prefix pfx = e->pfx;

	for (r = e->routes; r != NULL; r = r->next)
		n++;
	c = n <= ARRAY_SIZE(small) ? small : xcalloc(n, sizeof(*c));
	for (i = 0, r = e->routes; r != NULL; r = r->next)
		c[i++] = r;
	opts.ecmp = t->ecmp;
	opts.learned_slot = t->quota == 0 || e->slot || t->slots < t->quota;
	rt_decide(c, n, &opts, &d);
	for (i = 0; i < n; i++)
		if (c[i]->status == RT_ST_OVERFLOW)
			ovf = true;
	if (c != small)
		free(c);

	if (d.n > 0 && d.origin == RT_ORIGIN_CEN) {
		if (!e->slot) {
			e->slot = true;
			t->slots++;
		}
	} else if (e->slot) {
		e->slot = false;
		t->slots--;
		freed = true;
	}
	if (ovf != e->overflow) {
		e->overflow = ovf;
		if (ovf)
			t->noverflow++;
		else
			t->noverflow--;
	}

	if (d.n > 0)
		nh = rt_nh_intern(t->ctx, d.targets, d.n);
	if (nh != old) {
		e->nh = nh;
		notify(t, &pfx, old, nh);
		if (old != 0)
			rt_nh_unref(t->ctx, old);
	} else if (nh != 0)
		rt_nh_unref(t->ctx, nh);
	if (e->routes == NULL)
		entry_unlink(t, e);
	if (freed && t->noverflow > 0)
		promote_overflow(t);
}

static void
promote_overflow(struct rt_table *t)
{
	struct rt_entry *best = NULL;
	uint32_t bsrc = UINT32_MAX;
	size_t i;

	for (i = 0; i < t->nbuckets; i++) {
		struct rt_entry *e;

		for (e = t->buckets[i]; e != NULL; e = e->hnext) {
			struct rt_route *r;

			if (!e->overflow)
				continue;
			for (r = e->routes; r != NULL; r = r->next)
				if (r->status == RT_ST_OVERFLOW && r->source < bsrc) {
					bsrc = r->source;
					best = e;
				}
		}
	}
	if (best != NULL)
		recompute(t, best);
}

void
rt_table_set_ecmp(struct rt_table *t, bool on)
{
	size_t i;

	if (t->ecmp == on)
		return;
	t->ecmp = on;
	for (i = 0; i < t->nbuckets; i++) {
		struct rt_entry *e, *en;

		for (e = t->buckets[i]; e != NULL; e = en) {
			en = e->hnext;
			recompute(t, e);
		}
	}
}

void
rt_table_set_learned_quota(struct rt_table *t, size_t q)
{
	t->quota = q;
}

void
rt_table_add(struct rt_table *t, const struct prefix *p, const struct rt_route *in)
{
	uint32_t h = prefix_hash(p);
	struct rt_entry *e = entry_find(t, p, h);
	struct rt_route *r, **pp, *next;

	if (e == NULL) {
		if (t->count + 1 > t->nbuckets)
			grow(t);
		e = xcalloc(1, sizeof(*e));
		e->pfx = *p;
		e->hash = h;
		e->hnext = t->buckets[h & (t->nbuckets - 1)];
		t->buckets[h & (t->nbuckets - 1)] = e;
		t->count++;
	}
	for (pp = &e->routes; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->source == in->source)
			break;
	if ((r = *pp) == NULL) {
		r = xcalloc(1, sizeof(*r));
		*pp = r;
	}
	next = r->next;		/* a replaced candidate keeps its place in the list */
	*r = *in;
	r->next = next;
	r->status = RT_ST_PENDING;
	if (r->target.kind != RT_TGT_ATTACH && r->target.kind != RT_TGT_GATEWAY)
		r->target.tunnel = RT_TUN_NONE;
	recompute(t, e);
}

int
rt_table_del(struct rt_table *t, const struct prefix *p, uint32_t source)
{
	struct rt_entry *e = entry_find(t, p, prefix_hash(p));
	struct rt_route *r, **pp;

	if (e == NULL)
		return -1;
	for (pp = &e->routes; (r = *pp) != NULL; pp = &r->next)
		if (r->source == source)
			break;
	if (r == NULL)
		return -1;
	*pp = r->next;
	free(r);
	recompute(t, e);
	return 0;
}

size_t
rt_table_del_source(struct rt_table *t, uint32_t source)
{
	struct rt_entry **list = NULL;
	size_t i, n = 0, cap = 0, removed = 0;

	/* Collect first: recomputing may free entries and promote others. */
	for (i = 0; i < t->nbuckets; i++) {
		struct rt_entry *e;

		for (e = t->buckets[i]; e != NULL; e = e->hnext) {
			struct rt_route *r;

			for (r = e->routes; r != NULL; r = r->next)
				if (r->source == source)
					break;
			if (r != NULL) {
				util_grow(&list, &cap, n + 1, sizeof(*list));
				list[n++] = e;
			}
		}
	}
	for (i = 0; i < n; i++) {
		struct rt_route *r, **pp;

		for (pp = &list[i]->routes; (r = *pp) != NULL; pp = &r->next)
			if (r->source == source)
				break;
		*pp = r->next;
		free(r);
		removed++;
		recompute(t, list[i]);
	}
	free(list);
	return removed;
}

void
rt_table_set_tstate(struct rt_table *t, uint32_t att_id, enum rt_tstate ts)
{
	struct rt_entry **list = NULL;
	size_t i, n = 0, cap = 0;

	for (i = 0; i < t->nbuckets; i++) {
		struct rt_entry *e;

		for (e = t->buckets[i]; e != NULL; e = e->hnext) {
			struct rt_route *r;
			bool hit = false;

			for (r = e->routes; r != NULL; r = r->next) {
				if (r->target.kind == RT_TGT_ATTACH && r->target.id == att_id &&
				    r->tstate != ts) {
					r->tstate = (uint8_t)ts;
					hit = true;
				}
			}
			if (hit) {
				util_grow(&list, &cap, n + 1, sizeof(*list));
				list[n++] = e;
			}
		}
	}
	for (i = 0; i < n; i++)
		recompute(t, list[i]);
	free(list);
}

const struct rt_route *
rt_table_get(const struct rt_table *t, const struct prefix *p, uint32_t source)
{
	struct rt_entry *e = entry_find(t, p, prefix_hash(p));
	struct rt_route *r;

	if (e == NULL)
		return NULL;
	for (r = e->routes; r != NULL; r = r->next)
		if (r->source == source)
			return r;
	return NULL;
}

uint32_t
rt_table_nh(const struct rt_table *t, const struct prefix *p)
{
	struct rt_entry *e = entry_find(t, p, prefix_hash(p));

	return e != NULL ? e->nh : 0;
}

uint32_t
rt_table_lookup(const struct rt_table *t, const struct ipaddr *a, struct prefix *matched)
{
	struct prefix p;
	int len;

	for (len = (int)prefix_maxlen(a->family); len >= 0; len--) {
		struct rt_entry *e;
		unsigned i;

		memset(&p, 0, sizeof(p));
		p.family = a->family;
		p.len = (uint8_t)len;
		memcpy(p.addr, a->addr, sizeof(p.addr));
		for (i = 0; i < sizeof(p.addr); i++) {
			unsigned lo = i * 8;

			if ((unsigned)len >= lo + 8)
				continue;
			if ((unsigned)len <= lo)
				p.addr[i] = 0;
			else
				p.addr[i] &= (uint8_t)(0xff << (8 - (len - lo)));
		}
		if ((e = entry_find(t, &p, prefix_hash(&p))) != NULL && e->nh != 0) {
			if (matched != NULL)
				*matched = p;
			return e->nh;
		}
	}
	return 0;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct rt_entry *ea = *(struct rt_entry *const *)a;
	const struct rt_entry *eb = *(struct rt_entry *const *)b;

	return prefix_cmp(&ea->pfx, &eb->pfx);
}

static struct rt_entry **
sorted(const struct rt_table *t)
{
	struct rt_entry **v = xcalloc(t->count + 1, sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < t->nbuckets; i++) {
		struct rt_entry *e;

		for (e = t->buckets[i]; e != NULL; e = e->hnext)
			v[n++] = e;
	}
	qsort(v, n, sizeof(*v), entry_cmp);
	return v;
}

static int
route_src_cmp(const void *a, const void *b)
{
	const struct rt_route *ra = *(struct rt_route *const *)a;
	const struct rt_route *rb = *(struct rt_route *const *)b;

	if (ra->status != rb->status) {
		/* chosen ones first, then by status */
		int sa = ra->status == RT_ST_ACTIVE || ra->status == RT_ST_BLACKHOLE ? 0 :
		    ra->status;
		int sb = rb->status == RT_ST_ACTIVE || rb->status == RT_ST_BLACKHOLE ? 0 :
		    rb->status;

		if (sa != sb)
			return sa < sb ? -1 : 1;
	}
	if (ra->origin != rb->origin)
		return ra->origin < rb->origin ? -1 : 1;
	return ra->source < rb->source ? -1 : ra->source > rb->source;
}

void
rt_table_walk_active(const struct rt_table *t, rt_walk_active_fn *fn, void *arg)
{
	struct rt_entry **v = sorted(t);
	size_t i;

	for (i = 0; i < t->count; i++) {
		struct rt_route *r, *win = NULL;

		if (v[i]->nh == 0)
			continue;
		for (r = v[i]->routes; r != NULL; r = r->next)
			if ((r->status == RT_ST_ACTIVE || r->status == RT_ST_BLACKHOLE) &&
			    (win == NULL || r->source < win->source))
				win = r;
		fn(arg, &v[i]->pfx, v[i]->nh, win);
	}
	free(v);
}

void
rt_table_walk_all(const struct rt_table *t, rt_walk_all_fn *fn, void *arg)
{
	struct rt_entry **v = sorted(t);
	struct rt_route **c = NULL;
	size_t i, cap = 0;

	for (i = 0; i < t->count; i++) {
		struct rt_route *r;
		size_t n = 0, k;

		for (r = v[i]->routes; r != NULL; r = r->next) {
			util_grow(&c, &cap, n + 1, sizeof(*c));
			c[n++] = r;
		}
		qsort(c, n, sizeof(*c), route_src_cmp);
		for (k = 0; k < n; k++)
			fn(arg, &v[i]->pfx, c[k]);
	}
	free(c);
	free(v);
}
