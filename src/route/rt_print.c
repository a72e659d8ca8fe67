/*
 * rt_print: human tables of route tables, shaped like
 * `aws ec2 search-transit-gateway-routes` (CIDR, attachment, resource type, route type
 * static/propagated, state) for TGW tables and like the Alibaba console (system /
 * custom / cen) for VPC tables.  Names come from a resolver callback so transitctl
 * can print its own names; column widths follow the content.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "route/rt_impl.h"

#define NCOL	7

struct row {
	char	c[NCOL][80];
};

struct rows {
	struct row	*v;
	size_t		 n, cap;
	const struct rt_table *t;
	rt_resolve_fn	*res;
	void		*arg;
};

const char *
rt_ctx_resolve(void *arg, uint32_t id, const char **type)
{
	const struct rt_ctx *ctx = arg;

	if (type != NULL)
		*type = rt_ctx_obj_type(ctx, id);
	return rt_ctx_obj_name(ctx, id);
}

const char *
rt_target_fmt(const struct rt_target *t, rt_resolve_fn *res, void *arg, char *buf,
    size_t len)
{
	const char *name = NULL;

	switch (t->kind) {
	case RT_TGT_BLACKHOLE:
		snprintf(buf, len, "blackhole");
		return buf;
	case RT_TGT_LOCAL:
		snprintf(buf, len, "local");
		return buf;
	default:
		break;
	}
	if (res != NULL)
		name = res(arg, t->id, NULL);
	if (name == NULL)
		snprintf(buf, len, "#%u", t->id);
	else
		snprintf(buf, len, "%s", name);
	if ((t->kind == RT_TGT_ATTACH || t->kind == RT_TGT_GATEWAY) && t->tunnel != RT_TUN_NONE) {
		size_t l = strlen(buf);

		snprintf(buf + l, len - l, " tun %u", t->tunnel);
	}
	return buf;
}

static const char *
resource_type(const struct rt_target *t, rt_resolve_fn *res, void *arg)
{
	const char *type = NULL;

	switch (t->kind) {
	case RT_TGT_BLACKHOLE:
		return "-";
	case RT_TGT_LOCAL:
		return "local";
	case RT_TGT_CEN:
		return "cen";
	default:
		if (res != NULL)
			(void)res(arg, t->id, &type);
		return type != NULL ? type : "-";
	}
}

static const char *
route_type(const struct rt_table *t, enum rt_origin o)
{
	if (t->kind == RT_TABLE_VPC) {
		switch (o) {
		case RT_ORIGIN_LOCAL:
			return "system";
		case RT_ORIGIN_STATIC:
			return "custom";
		case RT_ORIGIN_CEN:
			return "cen";
		default:
			return rt_origin_name(o);
		}
	}
	/* Prefix-list routes are shown as propagated (1.3, beh. 9). */
	return o == RT_ORIGIN_STATIC ? "static" : "propagated";
}

static struct row *
row_new(struct rows *rs)
{
	util_grow(&rs->v, &rs->cap, rs->n + 1, sizeof(*rs->v));
	memset(&rs->v[rs->n], 0, sizeof(rs->v[0]));
	return &rs->v[rs->n++];
}

static void
fill(struct rows *rs, struct row *w, const struct prefix *p, const struct rt_target *tg,
    const struct rt_route *r, enum rt_status st)
{
	prefix_fmt(p, w->c[0], sizeof(w->c[0]));
	rt_target_fmt(tg, rs->res, rs->arg, w->c[1], sizeof(w->c[1]));
	snprintf(w->c[2], sizeof(w->c[2]), "%s", resource_type(tg, rs->res, rs->arg));
	snprintf(w->c[3], sizeof(w->c[3]), "%s", route_type(rs->t, r->origin));
	snprintf(w->c[4], sizeof(w->c[4]), "%s", rt_status_name(st));
}

static void
active_row(void *arg, const struct prefix *p, uint32_t nh, const struct rt_route *win)
{
	struct rows *rs = arg;
	const struct rt_nh *set = rt_nh_get(rs->t->ctx, nh);
	uint32_t i;

	if (set == NULL || win == NULL)
		return;
	/* A static route whose attachment was deleted: name it, as AWS still lists it. */
	if (win->tstate == RT_TS_GONE) {
		struct row *w = row_new(rs);

		fill(rs, w, p, &win->target, win, (enum rt_status)win->status);
		snprintf(w->c[1] + strlen(w->c[1]), sizeof(w->c[1]) - strlen(w->c[1]),
		    " (deleted)");
		return;
	}
	/* One row per member of an ECMP set, as AWS lists several attachments. */
	for (i = 0; i < set->n; i++)
		fill(rs, row_new(rs), p, &set->t[i], win, (enum rt_status)win->status);
}

static void
all_row(void *arg, const struct prefix *p, const struct rt_route *r)
{
	struct rows *rs = arg;
	struct row *w = row_new(rs);

	fill(rs, w, p, &r->target, r, (enum rt_status)r->status);
	if (r->tstate == RT_TS_GONE)
		snprintf(w->c[1] + strlen(w->c[1]), sizeof(w->c[1]) - strlen(w->c[1]),
		    " (deleted)");
	snprintf(w->c[5], sizeof(w->c[5]), "%s", rt_origin_name(r->origin));
	if (rt_origin_is_bgp(r->origin))
		snprintf(w->c[6], sizeof(w->c[6]), "aspath %u med %u as %u",
		    r->as_path_len, r->med, r->first_as);
	else
		snprintf(w->c[6], sizeof(w->c[6]), "-");
}

void
rt_print_table(FILE *fp, const struct rt_table *t, unsigned flags, rt_resolve_fn *res,
    void *arg)
{
	static const char *const hdr_tgw[NCOL] = { "CIDR", "ATTACHMENT", "RESOURCE TYPE",
	    "ROUTE TYPE", "STATE", "ORIGIN", "ATTRIBUTES" };
	static const char *const hdr_vpc[NCOL] = { "CIDR", "NEXT HOP", "NEXT HOP TYPE",
	    "ROUTE TYPE", "STATE", "ORIGIN", "ATTRIBUTES" };
	const char *const *hdr = t->kind == RT_TABLE_VPC ? hdr_vpc : hdr_tgw;
	struct rows rs = { NULL, 0, 0, t, res, arg };
	size_t w[NCOL], i, k, ncol = (flags & RT_PRINT_ALL) ? NCOL : 5;

	if (flags & RT_PRINT_ALL)
		rt_table_walk_all(t, all_row, &rs);
	else
		rt_table_walk_active(t, active_row, &rs);
	fprintf(fp, "route table %s (%s)\n", t->name,
	    t->kind == RT_TABLE_VPC ? "vpc" : "tgw");
	if (rs.n == 0) {
		fprintf(fp, "  (no routes)\n");
		free(rs.v);
		return;
	}
	for (k = 0; k < ncol; k++) {
		w[k] = strlen(hdr[k]);
		for (i = 0; i < rs.n; i++)
			w[k] = MAX(w[k], strlen(rs.v[i].c[k]));
	}
	for (i = 0; i <= rs.n; i++) {
		for (k = 0; k < ncol; k++) {
			const char *s = i == 0 ? hdr[k] : rs.v[i - 1].c[k];

			if (k + 1 < ncol)
				fprintf(fp, "  %-*s", (int)w[k], s);
			else
				fprintf(fp, "  %s\n", s);
		}
	}
	free(rs.v);
}

void
rt_print_nh(FILE *fp, const struct rt_ctx *ctx, uint32_t id, rt_resolve_fn *res,
    void *arg)
{
	const struct rt_nh *nh = rt_nh_get(ctx, id);
	char buf[128];
	uint32_t i;

	if (nh == NULL) {
		fprintf(fp, "no route");
		return;
	}
	for (i = 0; i < nh->n; i++)
		fprintf(fp, "%s%s", i > 0 ? ", " : "",
		    rt_target_fmt(&nh->t[i], res, arg, buf, sizeof(buf)));
}
