/*
 * rt_decide: the decision process for one prefix of one table, alone in this file so
 * it can be read and tested on its own (docs/style.md, after OpenBGPD's rde_decide.c).
 * Longest-prefix match is not done here: it is the FIB's job (beh. 3, 5, 7).
 *
 * Steps (docs/cloud-semantics.md 1.5, 1.6, 4.2 and section 7):
 *  1. Candidates whose target is not usable yet (attachment in pendingAcceptance,
 *     beh. 47) are PENDING and take no part.
 *  2. CEN-learned candidates (beh. 41): if any other usable candidate exists for the
 *     prefix, every CEN candidate is a CONFLICT (the receiving table already has the
 *     destination).  Otherwise the earliest publication (lowest source id; sources are
 *     monotonic) wins and later ones are CONFLICTs; if the table's learned-route quota
 *     is used up the winner is OVERFLOW and nothing is installed.
 *  3. Otherwise the best origin rank wins (enum rt_origin order: static > prefix-list >
 *     VPC > DX > Connect > VPN-over-DX > VPN > peering; local > custom in VPC tables).
 *  4. Within that origin, for BGP origins: shortest AS_PATH, then a candidate is
 *     dropped if another with the same first AS has a lower MED (MED is only compared
 *     between routes from the same neighbouring AS, beh. 15).
 *  5. The primary is the survivor with the lowest source id (the deterministic
 *     tie-break: the oldest contributor).  With ECMP on and a BGP origin, every
 *     survivor with the primary's first AS, AS_PATH length and MED joins it, up to
 *     RT_ECMP_MAX (beh. 15); static and non-BGP origins never ECMP (beh. 16).
 *  6. Everything else usable is BACKUP (beh. 6).  A chosen candidate whose target is
 *     blackhole, or whose attachment is gone, is BLACKHOLE and drops (beh. 7).
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "route/rt.h"

static int
route_src_cmp(const void *a, const void *b)
{
	const struct rt_route *ra = *(struct rt_route *const *)a;
	const struct rt_route *rb = *(struct rt_route *const *)b;

	return ra->source < rb->source ? -1 : ra->source > rb->source;
}

static int
target_cmp_q(const void *a, const void *b)
{
	return rt_target_cmp(a, b);
}

static bool
bgp_survives(struct rt_route *c, struct rt_route **grp, size_t ng, uint32_t minlen)
{
	size_t i;

	if (c->as_path_len != minlen)
		return false;
	for (i = 0; i < ng; i++) {
		if (grp[i]->as_path_len == minlen && grp[i]->first_as == c->first_as &&
		    grp[i]->med < c->med)
			return false;
	}
	return true;
}

static void
choose(struct rt_route *c, struct rt_decision *out)
{
	struct rt_target *t = &out->targets[out->n++];

	if (c->target.kind == RT_TGT_BLACKHOLE || c->tstate == RT_TS_GONE) {
		c->status = RT_ST_BLACKHOLE;
		memset(t, 0, sizeof(*t));
		t->kind = RT_TGT_BLACKHOLE;
		t->tunnel = RT_TUN_NONE;
	} else {
		c->status = RT_ST_ACTIVE;
		*t = c->target;
	}
}

void
rt_decide(struct rt_route **cands, size_t n, const struct rt_decide_opts *opts,
    struct rt_decision *out)
{
	struct rt_route *cen = NULL, *primary, **grp, *small[16];
	size_t i, ng = 0;
	bool other = false;
	int best = RT_ORIGIN_MAX;
	uint32_t minlen = UINT32_MAX;

	memset(out, 0, sizeof(*out));
	out->status = RT_ST_PENDING;

	/* 1, 2: eligibility and CEN conflicts. */
	for (i = 0; i < n; i++) {
		struct rt_route *c = cands[i];

		if (c->tstate == RT_TS_PENDING) {
			c->status = RT_ST_PENDING;
			continue;
		}
		c->status = RT_ST_BACKUP;
		if (c->origin != RT_ORIGIN_CEN) {
			other = true;
			if (c->origin < best)
				best = c->origin;
		} else if (cen == NULL || c->source < cen->source)
			cen = c;
	}
	for (i = 0; i < n; i++) {
		if (cands[i]->tstate != RT_TS_PENDING && cands[i]->origin == RT_ORIGIN_CEN &&
		    (other || cands[i] != cen))
			cands[i]->status = RT_ST_CONFLICT;
	}
	if (!other) {
		if (cen == NULL)
			return;
		if (!opts->learned_slot) {
			cen->status = RT_ST_OVERFLOW;
			return;
		}
		choose(cen, out);
		out->origin = RT_ORIGIN_CEN;
		out->status = cen->status;
		return;
	}

	/* 3: best origin rank. */
	grp = n <= ARRAY_SIZE(small) ? small : xcalloc(n, sizeof(*grp));
	for (i = 0; i < n; i++) {
		if (cands[i]->tstate != RT_TS_PENDING && cands[i]->origin == best) {
			grp[ng++] = cands[i];
			if (cands[i]->as_path_len < minlen)
				minlen = cands[i]->as_path_len;
		}
	}
	qsort(grp, ng, sizeof(*grp), route_src_cmp);
	out->origin = (uint8_t)best;

	if (!rt_origin_is_bgp((enum rt_origin)best)) {
		/* 5: no ECMP outside BGP; the oldest contributor wins. */
		choose(grp[0], out);
		out->status = grp[0]->status;
		goto done;
	}

	/* 4, 5: AS_PATH, MED, ECMP. */
	primary = NULL;
	for (i = 0; i < ng; i++) {
		if (bgp_survives(grp[i], grp, ng, minlen)) {
			primary = grp[i];
			break;
		}
	}
	choose(primary, out);
	out->status = primary->status;
	if (opts->ecmp) {
		for (i = 0; i < ng && out->n < RT_ECMP_MAX; i++) {
			struct rt_route *c = grp[i];

			if (c != primary && bgp_survives(c, grp, ng, minlen) &&
			    c->first_as == primary->first_as && c->med == primary->med)
				choose(c, out);
		}
		qsort(out->targets, out->n, sizeof(out->targets[0]), target_cmp_q);
	}
done:
	if (grp != small)
		free(grp);
}
