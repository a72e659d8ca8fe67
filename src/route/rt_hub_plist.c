/*
 * rt_hub_plist: prefix-list references and BGP advertisement of the hub model
 * (docs/cloud-semantics.md 1.3, 1.4; behaviours 9, 13, 14).
 *
 * A prefix list is a named set of CIDRs.  Referencing it in a table expands it into
 * one candidate per entry, origin PREFIX_LIST (ranked below static, above every
 * propagated origin, shown as type "propagated"), all sharing one source id per
 * reference so the reference can be removed exactly.  Editing the list re-applies the
 * difference to every referencing table.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "route/rt_hub_impl.h"

static struct rt_plist *
plist_find(const struct rt_hub *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->nplists; i++)
		if (strcmp(h->plists[i]->name, name) == 0)
			return h->plists[i];
	return NULL;
}

void
rt_hub_plists_free(struct rt_hub *h)
{
	size_t i;

	for (i = 0; i < h->nplists; i++) {
		free(h->plists[i]->name);
		free(h->plists[i]->e);
		free(h->plists[i]->refs);
		free(h->plists[i]);
	}
	free(h->plists);
}

static void
ref_route(struct rt_hub *h, const struct rt_plist_ref *ref, struct rt_route *r)
{
	struct rt_att *a = ref->att_id != 0 ? rt_hub_att_by_id(h, ref->att_id) : NULL;

	memset(r, 0, sizeof(*r));
	r->origin = RT_ORIGIN_PREFIX_LIST;
	r->source = ref->source;
	if (ref->att_id == 0)
		(void)rt_hub_static_target(h, NULL, r);
	else {
		r->target.kind = RT_TGT_ATTACH;
		r->target.id = ref->att_id;
		r->target.tunnel = RT_TUN_NONE;
		if (a == NULL)
			r->tstate = RT_TS_GONE;
		else if (a->state != RT_ATT_AVAILABLE)
			r->tstate = RT_TS_PENDING;
	}
}

static bool
has_entry(const struct rt_plist *pl, const struct prefix *p)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		if (prefix_eq(&pl->e[i], p))
			return true;
	return false;
}

static void
apply_entry(struct rt_hub *h, struct rt_plist *pl, const struct prefix *p, bool add)
{
	struct rt_route r;
	size_t i;

	for (i = 0; i < pl->nrefs; i++) {
		if (add) {
			ref_route(h, &pl->refs[i], &r);
			rt_table_add(pl->refs[i].table, p, &r);
		} else
			rt_table_del(pl->refs[i].table, p, pl->refs[i].source);
	}
}

int
rt_hub_plist_set(struct rt_hub *h, const char *name, const struct prefix *e, size_t n)
{
	struct rt_plist *pl = plist_find(h, name), old;
	size_t i;

	if (pl == NULL) {
		pl = xcalloc(1, sizeof(*pl));
		pl->name = xstrdup(name);
		util_grow(&h->plists, &h->plcap, h->nplists + 1, sizeof(*h->plists));
		h->plists[h->nplists++] = pl;
	}
	/* Apply the difference only, so unchanged entries emit no change. */
	old = *pl;
	pl->e = NULL;
	pl->n = pl->cap = 0;
	for (i = 0; i < n; i++) {
		if (has_entry(pl, &e[i]))
			continue;
		util_grow(&pl->e, &pl->cap, pl->n + 1, sizeof(*pl->e));
		pl->e[pl->n++] = e[i];
		if (!has_entry(&old, &e[i]))
			apply_entry(h, pl, &e[i], true);
	}
	for (i = 0; i < old.n; i++)
		if (!has_entry(pl, &old.e[i]))
			apply_entry(h, pl, &old.e[i], false);
	free(old.e);
	return 0;
}

int
rt_hub_plist_entry_add(struct rt_hub *h, const char *name, const struct prefix *p)
{
	struct rt_plist *pl = plist_find(h, name);
	char buf[PREFIX_STRLEN];

	if (pl == NULL) {
		rt_seterr(h->ctx, "no prefix list %s", name);
		return -1;
	}
	if (has_entry(pl, p)) {
		rt_seterr(h->ctx, "prefix list %s already has %s", name,
		    prefix_fmt(p, buf, sizeof(buf)));
		return -1;
	}
	util_grow(&pl->e, &pl->cap, pl->n + 1, sizeof(*pl->e));
	pl->e[pl->n++] = *p;
	apply_entry(h, pl, p, true);
	return 0;
}

int
rt_hub_plist_entry_del(struct rt_hub *h, const char *name, const struct prefix *p)
{
	struct rt_plist *pl = plist_find(h, name);
	char buf[PREFIX_STRLEN];
	size_t i;

	if (pl == NULL) {
		rt_seterr(h->ctx, "no prefix list %s", name);
		return -1;
	}
	for (i = 0; i < pl->n; i++) {
		if (prefix_eq(&pl->e[i], p)) {
			memmove(&pl->e[i], &pl->e[i + 1], (pl->n - i - 1) * sizeof(*pl->e));
			pl->n--;
			apply_entry(h, pl, p, false);
			return 0;
		}
	}
	rt_seterr(h->ctx, "prefix list %s has no entry %s", name,
	    prefix_fmt(p, buf, sizeof(buf)));
	return -1;
}

int
rt_hub_plist_ref(struct rt_hub *h, struct rt_table *t, const char *name, struct rt_att *a)
{
	struct rt_plist *pl = plist_find(h, name);
	struct rt_plist_ref *ref;
	struct rt_route r;
	size_t i;

	if (pl == NULL) {
		rt_seterr(h->ctx, "no prefix list %s", name);
		return -1;
	}
	if (!rt_hub_owns(h, t)) {
		rt_seterr(h->ctx, "route table %s is not a table of %s",
		    t != NULL ? t->name : "(null)", h->name);
		return -1;
	}
	for (i = 0; i < pl->nrefs; i++) {
		if (pl->refs[i].table == t) {
			rt_seterr(h->ctx, "prefix list %s is already referenced in %s", name,
			    t->name);
			return -1;
		}
	}
	memset(&r, 0, sizeof(r));
	if (rt_hub_static_target(h, a, &r) == -1)
		return -1;
	util_grow(&pl->refs, &pl->rcap, pl->nrefs + 1, sizeof(*pl->refs));
	ref = &pl->refs[pl->nrefs++];
	ref->table = t;
	ref->source = rt_ctx_source_new(h->ctx);
	ref->att_id = a != NULL ? a->id : 0;
	ref_route(h, ref, &r);
	for (i = 0; i < pl->n; i++)
		rt_table_add(t, &pl->e[i], &r);
	return 0;
}

int
rt_hub_plist_unref(struct rt_hub *h, struct rt_table *t, const char *name)
{
	struct rt_plist *pl = plist_find(h, name);
	size_t i;

	for (i = 0; pl != NULL && i < pl->nrefs; i++) {
		if (pl->refs[i].table == t) {
			rt_table_del_source(t, pl->refs[i].source);
			memmove(&pl->refs[i], &pl->refs[i + 1],
			    (pl->nrefs - i - 1) * sizeof(*pl->refs));
			pl->nrefs--;
			return 0;
		}
	}
	rt_seterr(h->ctx, "prefix list %s is not referenced in %s", name,
	    t != NULL ? t->name : "(null)");
	return -1;
}

/* --- advertisement (beh. 13, 14) --- */

struct adv_acc {
	struct rt_advert *v;
	size_t		  n, cap;
	uint32_t	  asn;
};

static void
adv_one(void *arg, const struct prefix *p, uint32_t nh, const struct rt_route *win)
{
	struct adv_acc *acc = arg;
	struct rt_advert *ad;

	/* A blackhole is not a path to offer a peer. */
	if (win == NULL || win->status != RT_ST_ACTIVE)
		return;
	util_grow(&acc->v, &acc->cap, acc->n + 1, sizeof(*acc->v));
	ad = &acc->v[acc->n++];
	ad->pfx = *p;
	ad->as_path_len = win->as_path_len + 1;
	ad->first_as = acc->asn;
}

int
rt_hub_advertise(struct rt_hub *h, struct rt_att *a, struct rt_advert **out, size_t *n)
{
	struct adv_acc acc = { NULL, 0, 0, h->opts.asn };

	*out = NULL;
	*n = 0;
	if (a->hub != h || !rt_att_is_bgp(a)) {
		rt_seterr(h->ctx, "attachment %s does not speak BGP", a->name);
		return -1;
	}
	/* Nothing before acceptance (beh. 47), nothing with a policy table (beh. 13). */
	if (a->state != RT_ATT_AVAILABLE || a->assoc == NULL ||
	    (a->assoc_flags & RT_ASSOC_POLICY))
		return 0;
	rt_table_walk_active(a->assoc, adv_one, &acc);
	*out = acc.v;
	*n = acc.n;
	return 0;
}
