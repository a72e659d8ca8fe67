/*
 * rt_cen: VPC route tables and the CEN model (Alibaba CEN basic edition,
 * docs/cloud-semantics.md 4.1-4.2, behaviours 39-42).
 *
 * A VPC table holds system routes (the VPC CIDR and vSwitch CIDRs, next hop local),
 * custom routes (next hop a gateway object: VPN gateway, ECS, ...) and routes learned
 * from the CEN.  Attaching it to a CEN publishes its vSwitch routes automatically -
 * never the VPC CIDR (beh. 39); a custom route is published only on request, and
 * withdrawing it or deleting it from the VPC removes it everywhere (beh. 40).
 *
 * Each publication has its own source id, allocated when it is published; sources are
 * monotonic, so the decision process can let the earliest publication win when two
 * VPCs publish the same prefix (the ByteDance clone's rule; Alibaba does not document
 * it, see 4.2 and section 8) and mark the later one `conflict`.  A publication lands
 * in every OTHER attached table as an RT_ORIGIN_CEN candidate, target the CEN; the
 * decision process marks it `conflict` when the table already has the destination and
 * `overflow` beyond the table's learned-route quota (beh. 41).
 *
 * Cross-region bandwidth is data for the data plane: kbps per unordered region pair,
 * 1 kbps between regions unless set (beh. 42), unlimited (0) inside a region.  CEN
 * forwards without decrementing TTL (seeds.md network A); the flag records it.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "route/rt_impl.h"

void rt_cen_free_all(struct rt_ctx *);

struct cen_pub {
	struct prefix	 pfx;
	struct rt_table	*vpc;
	uint32_t	 source;
	bool		 custom;
};

struct cen_member {
	struct rt_table	*t;
	char		*region;
};

struct cen_bw {
	char		*a, *b;
	uint32_t	 kbps;
};

struct rt_cen {
	struct rt_ctx	  *ctx;
	char		  *name;
	uint32_t	   id;
	struct cen_member *m;
	size_t		   nm, mcap;
	struct cen_pub	  *pubs;
	size_t		   npubs, pubcap;
	struct cen_bw	  *bw;
	size_t		   nbw, bwcap;
	bool		   ttl_transparent;
};

/* --- VPC tables --- */

struct rt_table *
rt_vpc_table_new(struct rt_ctx *ctx, const char *name)
{
	if (rt_table_find(ctx, name) != NULL) {
		rt_seterr(ctx, "route table %s already exists", name);
		return NULL;
	}
	return rt_table_new(ctx, name, RT_TABLE_VPC);
}

static int
vpc_check(struct rt_table *t)
{
	if (t == NULL || t->kind != RT_TABLE_VPC) {
		if (t != NULL)
			rt_seterr(t->ctx, "%s is not a VPC route table", t->name);
		return -1;
	}
	return 0;
}

static int
vpc_add(struct rt_table *t, const struct prefix *p, struct rt_route *r, const char *what)
{
	char buf[PREFIX_STRLEN];

	if (vpc_check(t) == -1)
		return -1;
	if (rt_table_get(t, p, t->static_src) != NULL ||
	    rt_table_get(t, p, t->system_src) != NULL ||
	    rt_table_get(t, p, t->local_src) != NULL) {
		rt_seterr(t->ctx, "%s route %s: %s already has a route with this destination",
		    what, prefix_fmt(p, buf, sizeof(buf)), t->name);
		return -1;
	}
	rt_table_add(t, p, r);
	if (t->cen != NULL)
		rt_cen_vpc_changed(t->cen, t, p, r->source, true);
	return 0;
}

static int
vpc_del(struct rt_table *t, const struct prefix *p, uint32_t source, const char *what)
{
	char buf[PREFIX_STRLEN];

	if (vpc_check(t) == -1)
		return -1;
	if (rt_table_del(t, p, source) == -1) {
		rt_seterr(t->ctx, "no %s route %s in %s", what,
		    prefix_fmt(p, buf, sizeof(buf)), t->name);
		return -1;
	}
	if (t->cen != NULL)
		rt_cen_vpc_changed(t->cen, t, p, source, false);
	return 0;
}

int
rt_vpc_system_add(struct rt_table *t, const struct prefix *p, bool vswitch)
{
	struct rt_route r;

	if (vpc_check(t) == -1)
		return -1;
	memset(&r, 0, sizeof(r));
	r.origin = RT_ORIGIN_LOCAL;
	r.source = vswitch ? t->system_src : t->local_src;
	r.target.kind = RT_TGT_LOCAL;
	return vpc_add(t, p, &r, "system");
}

int
rt_vpc_system_del(struct rt_table *t, const struct prefix *p)
{
	if (vpc_check(t) == -1)
		return -1;
	if (rt_table_get(t, p, t->local_src) != NULL)
		return vpc_del(t, p, t->local_src, "system");
	return vpc_del(t, p, t->system_src, "system");
}

int
rt_vpc_custom_add(struct rt_table *t, const struct prefix *p, uint32_t gw)
{
	struct rt_route r;

	memset(&r, 0, sizeof(r));
	r.origin = RT_ORIGIN_STATIC;
	r.source = t->static_src;
	r.target.kind = RT_TGT_GATEWAY;
	r.target.id = gw;
	r.target.tunnel = RT_TUN_NONE;
	return vpc_add(t, p, &r, "custom");
}

int
rt_vpc_custom_del(struct rt_table *t, const struct prefix *p)
{
	return vpc_del(t, p, t->static_src, "custom");
}

/* --- CEN --- */

struct rt_cen *
rt_cen_new(struct rt_ctx *ctx, const char *name)
{
	struct rt_cen *c = xcalloc(1, sizeof(*c));

	c->ctx = ctx;
	c->name = xstrdup(name);
	c->id = rt_ctx_obj_new(ctx, name, "cen");
	c->ttl_transparent = true;
	util_grow(&ctx->cens, &ctx->ccap, ctx->ncens + 1, sizeof(*ctx->cens));
	ctx->cens[ctx->ncens++] = c;
	return c;
}

void
rt_cen_free(struct rt_cen *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nm; i++) {
		c->m[i].t->cen = NULL;
		free(c->m[i].region);
	}
	free(c->m);
	free(c->pubs);
	for (i = 0; i < c->nbw; i++) {
		free(c->bw[i].a);
		free(c->bw[i].b);
	}
	free(c->bw);
	for (i = 0; i < c->ctx->ncens; i++) {
		if (c->ctx->cens[i] == c) {
			memmove(&c->ctx->cens[i], &c->ctx->cens[i + 1],
			    (c->ctx->ncens - i - 1) * sizeof(*c->ctx->cens));
			c->ctx->ncens--;
			break;
		}
	}
	free(c->name);
	free(c);
}

void
rt_cen_free_all(struct rt_ctx *ctx)
{
	while (ctx->ncens > 0)
		rt_cen_free(ctx->cens[ctx->ncens - 1]);
	free(ctx->cens);
	ctx->cens = NULL;
}

struct rt_cen *
rt_cen_find(struct rt_ctx *ctx, const char *name)
{
	size_t i;

	for (i = 0; i < ctx->ncens; i++)
		if (strcmp(ctx->cens[i]->name, name) == 0)
			return ctx->cens[i];
	return NULL;
}

uint32_t
rt_cen_id(const struct rt_cen *c)
{
	return c->id;
}

static struct cen_member *
member(const struct rt_cen *c, const struct rt_table *t)
{
	size_t i;

	for (i = 0; i < c->nm; i++)
		if (c->m[i].t == t)
			return &c->m[i];
	return NULL;
}

static struct cen_pub *
pub_find(const struct rt_cen *c, const struct rt_table *vpc, const struct prefix *p)
{
	size_t i;

	for (i = 0; i < c->npubs; i++)
		if (c->pubs[i].vpc == vpc && prefix_eq(&c->pubs[i].pfx, p))
			return &c->pubs[i];
	return NULL;
}

static void
install(struct rt_cen *c, const struct cen_pub *pb, struct rt_table *t)
{
	struct rt_route r;

	if (t == pb->vpc)
		return;
	memset(&r, 0, sizeof(r));
	r.origin = RT_ORIGIN_CEN;
	r.source = pb->source;
	r.target.kind = RT_TGT_CEN;
	r.target.id = c->id;
	rt_table_add(t, &pb->pfx, &r);
}

static void
publish(struct rt_cen *c, struct rt_table *vpc, const struct prefix *p, bool custom)
{
	struct cen_pub *pb;
	size_t i;

	util_grow(&c->pubs, &c->pubcap, c->npubs + 1, sizeof(*c->pubs));
	pb = &c->pubs[c->npubs++];
	pb->pfx = *p;
	pb->vpc = vpc;
	pb->custom = custom;
	pb->source = rt_ctx_source_new(c->ctx);
	for (i = 0; i < c->nm; i++)
		install(c, pb, c->m[i].t);
}

static void
unpublish(struct rt_cen *c, struct cen_pub *pb)
{
	struct cen_pub gone = *pb;
	size_t i;

	i = (size_t)(pb - c->pubs);
	memmove(&c->pubs[i], &c->pubs[i + 1], (c->npubs - i - 1) * sizeof(*c->pubs));
	c->npubs--;
	for (i = 0; i < c->nm; i++)
		if (c->m[i].t != gone.vpc)
			rt_table_del(c->m[i].t, &gone.pfx, gone.source);
}

void
rt_cen_vpc_changed(struct rt_cen *c, struct rt_table *t, const struct prefix *p,
    uint32_t source, bool added)
{
	struct cen_pub *pb;

	if (source == t->system_src && added)
		publish(c, t, p, false);
	else if ((source == t->system_src || source == t->static_src) && !added &&
	    (pb = pub_find(c, t, p)) != NULL)
		unpublish(c, pb);
}

static void
auto_publish(void *arg, const struct prefix *p, const struct rt_route *r)
{
	struct rt_cen *c = arg;
	struct rt_table *t = c->m[c->nm - 1].t;

	if (r->source == t->system_src)
		publish(c, t, p, false);
}

int
rt_cen_attach(struct rt_cen *c, struct rt_table *t, const char *region)
{
	struct cen_member *m;
	size_t i;

	if (vpc_check(t) == -1)
		return -1;
	if (t->cen != NULL) {
		rt_seterr(c->ctx, "%s is already attached to a CEN", t->name);
		return -1;
	}
	util_grow(&c->m, &c->mcap, c->nm + 1, sizeof(*c->m));
	m = &c->m[c->nm++];
	m->t = t;
	m->region = xstrdup(region);
	t->cen = c;
	for (i = 0; i < c->npubs; i++)
		install(c, &c->pubs[i], t);
	rt_table_walk_all(t, auto_publish, c);
	return 0;
}

int
rt_cen_detach(struct rt_cen *c, struct rt_table *t)
{
	struct cen_member *m = member(c, t);
	size_t i;

	if (m == NULL) {
		rt_seterr(c->ctx, "%s is not attached to %s", t->name, c->name);
		return -1;
	}
	for (i = c->npubs; i-- > 0;)
		if (c->pubs[i].vpc == t)
			unpublish(c, &c->pubs[i]);
	for (i = 0; i < c->npubs; i++)
		rt_table_del(t, &c->pubs[i].pfx, c->pubs[i].source);
	free(m->region);
	i = (size_t)(m - c->m);
	memmove(&c->m[i], &c->m[i + 1], (c->nm - i - 1) * sizeof(*c->m));
	c->nm--;
	t->cen = NULL;
	return 0;
}

int
rt_cen_publish(struct rt_cen *c, struct rt_table *t, const struct prefix *p)
{
	char buf[PREFIX_STRLEN];

	if (member(c, t) == NULL) {
		rt_seterr(c->ctx, "%s is not attached to %s", t->name, c->name);
		return -1;
	}
	prefix_fmt(p, buf, sizeof(buf));
	if (rt_table_get(t, p, t->static_src) == NULL) {
		rt_seterr(c->ctx, "%s has no custom route %s to publish (system routes "
		    "are published automatically)", t->name, buf);
		return -1;
	}
	if (pub_find(c, t, p) != NULL) {
		rt_seterr(c->ctx, "%s of %s is already published", buf, t->name);
		return -1;
	}
	publish(c, t, p, true);
	return 0;
}

int
rt_cen_withdraw(struct rt_cen *c, struct rt_table *t, const struct prefix *p)
{
	struct cen_pub *pb = pub_find(c, t, p);
	char buf[PREFIX_STRLEN];

	prefix_fmt(p, buf, sizeof(buf));
	if (pb == NULL || !pb->custom) {
		rt_seterr(c->ctx, pb == NULL ? "%s of %s is not published" :
		    "%s of %s is a system route; it cannot be withdrawn", buf, t->name);
		return -1;
	}
	unpublish(c, pb);
	return 0;
}

static struct cen_bw *
bw_find(const struct rt_cen *c, const char *a, const char *b)
{
	size_t i;

	for (i = 0; i < c->nbw; i++)
		if ((strcmp(c->bw[i].a, a) == 0 && strcmp(c->bw[i].b, b) == 0) ||
		    (strcmp(c->bw[i].a, b) == 0 && strcmp(c->bw[i].b, a) == 0))
			return &c->bw[i];
	return NULL;
}

int
rt_cen_set_bandwidth(struct rt_cen *c, const char *a, const char *b, uint32_t kbps)
{
	struct cen_bw *bw;

	if (strcmp(a, b) == 0) {
		rt_seterr(c->ctx, "bandwidth is allocated between two different regions "
		    "(got %s twice)", a);
		return -1;
	}
	if (kbps == 0) {
		rt_seterr(c->ctx, "bandwidth between %s and %s must be at least 1 kbps",
		    a, b);
		return -1;
	}
	if ((bw = bw_find(c, a, b)) == NULL) {
		util_grow(&c->bw, &c->bwcap, c->nbw + 1, sizeof(*c->bw));
		bw = &c->bw[c->nbw++];
		bw->a = xstrdup(a);
		bw->b = xstrdup(b);
	}
	bw->kbps = kbps;
	return 0;
}

uint32_t
rt_cen_bandwidth(const struct rt_cen *c, const char *a, const char *b)
{
	const struct cen_bw *bw;

	if (strcmp(a, b) == 0)
		return 0;
	bw = bw_find(c, a, b);
	return bw != NULL ? bw->kbps : 1;
}

uint32_t
rt_cen_path_bandwidth(const struct rt_cen *c, struct rt_table *from, struct rt_table *to)
{
	const struct cen_member *a = member(c, from), *b = member(c, to);

	if (a == NULL || b == NULL)
		return 0;
	return rt_cen_bandwidth(c, a->region, b->region);
}

const char *
rt_cen_region(const struct rt_cen *c, const struct rt_table *t)
{
	const struct cen_member *m = member(c, t);

	return m != NULL ? m->region : NULL;
}

void
rt_cen_set_ttl_transparent(struct rt_cen *c, bool on)
{
	c->ttl_transparent = on;
}

bool
rt_cen_ttl_transparent(const struct rt_cen *c)
{
	return c->ttl_transparent;
}

struct rt_table *
rt_cen_publisher(const struct rt_cen *c, uint32_t source)
{
	size_t i;

	for (i = 0; i < c->npubs; i++)
		if (c->pubs[i].source == source)
			return c->pubs[i].vpc;
	return NULL;
}

struct conflict_walk {
	struct rt_cen		*c;
	struct rt_table		*t;
	rt_cen_conflict_fn	*fn;
	void			*arg;
};

static void
conflict_one(void *arg, const struct prefix *p, const struct rt_route *r)
{
	struct conflict_walk *w = arg;

	if (r->origin == RT_ORIGIN_CEN && (r->status == RT_ST_CONFLICT ||
	    r->status == RT_ST_OVERFLOW))
		w->fn(w->arg, w->t, p, r, rt_cen_publisher(w->c, r->source));
}

void
rt_cen_conflicts(struct rt_cen *c, rt_cen_conflict_fn *fn, void *arg)
{
	struct conflict_walk w = { c, NULL, fn, arg };
	size_t i;

	/* Tables in attach order, prefixes sorted. */
	for (i = 0; i < c->nm; i++) {
		w.t = c->m[i].t;
		rt_table_walk_all(w.t, conflict_one, &w);
	}
}
