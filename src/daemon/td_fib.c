/*
 * td_fib: the forwarding tables of the data plane (route/fib.h), compiled from the
 * route engine's tables at every (re)load: one FIB per TGW route table an
 * attachment or tunnel of this node is associated with, and one per CEN attachment
 * over its CEN-learned prefixes (next hop = index + 1 into td_att.cen).  The tables
 * only change when the file does (no BGP sessions yet), so a reload rebuilds them
 * all with fib_build and swaps the pointers; when routes start changing at run time
 * the rt_table_listen notifications become fib_add / fib_del here.
 *
 * Behaviour 1 is in the choice of FIB: a packet is looked up only in the FIB of its
 * ingress attachment's associated table; an attachment pending acceptance or
 * without an association has none (no route).
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/td.h"
#include "route/fib.h"

struct td_fibtab {
	struct rt_table	*table;		/* NULL for a CEN attachment's FIB */
	struct fib	*fib;
};

struct collect {
	struct prefix	*p;
	uint32_t	*nh;
	size_t		 n, cap;
};

static void
collect(void *arg, const struct prefix *p, uint32_t nh, const struct rt_route *win)
{
	struct collect *c = arg;

	(void)win;
	if (nh == 0 || nh > FIB_NH_MAX || p->family != PFX_V4)
		return;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->p = xreallocarray(c->p, c->cap, sizeof(*c->p));
		c->nh = xreallocarray(c->nh, c->cap, sizeof(*c->nh));
	}
	c->p[c->n] = *p;
	c->nh[c->n++] = nh;
}

static struct fib *
compile(const struct prefix *p, const uint32_t *nh, size_t n, const char *what)
{
	struct fib *f = fib_new();

	if (f == NULL) {
		log_warnx("%s: cannot create a FIB", what);
		return NULL;
	}
	if (n > 0 && fib_build(f, p, nh, n) == -1) {
		log_warnx("%s: FIB refused the table", what);
		fib_free(f);
		return NULL;
	}
	return f;
}

static struct fib *
table_fib(struct td *td, struct rt_table *t)
{
	struct collect c;
	size_t i;

	for (i = 0; i < td->nfibs; i++)
		if (td->fibs[i].table == t)
			return td->fibs[i].fib;
	memset(&c, 0, sizeof(c));
	rt_table_walk_active(t, collect, &c);
	td->fibs = xreallocarray(td->fibs, td->nfibs + 1, sizeof(*td->fibs));
	td->fibs[td->nfibs].table = t;
	td->fibs[td->nfibs].fib = compile(c.p, c.nh, c.n, rt_table_name(t));
	free(c.p);
	free(c.nh);
	return td->fibs[td->nfibs++].fib;
}

static struct fib *
assoc_fib(struct td *td, struct rt_att *a)
{
	struct rt_table *t;

	/* rt_hub_lookup's rule: pending or unassociated attachments route nothing. */
	if (a == NULL || rt_att_state(a) != RT_ATT_AVAILABLE ||
	    (t = rt_att_assoc(a)) == NULL)
		return NULL;
	return table_fib(td, t);
}

void
td_fib_free(struct td *td)
{
	size_t i;

	for (i = 0; i < td->nfibs; i++)
		fib_free(td->fibs[i].fib);
	free(td->fibs);
	td->fibs = NULL;
	td->nfibs = 0;
}

void
td_fib_build(struct td *td)
{
	size_t i, k;

	td_fib_free(td);
	for (i = 0; i < td->natts; i++) {
		struct td_att *a = td->atts[i];

		if (a->kind == TD_ATT_TGW)
			a->fib = assoc_fib(td, a->ratt);
		else if (a->kind == TD_ATT_CEN) {
			struct prefix *p = xcalloc(a->ncen + 1, sizeof(*p));
			uint32_t *nh = xcalloc(a->ncen + 1, sizeof(*nh));
			struct fib *f;

			for (k = 0; k < a->ncen; k++) {
				p[k] = a->cen[k].pfx;
				nh[k] = (uint32_t)k + 1;
			}
			a->fib = f = compile(p, nh, a->ncen, a->name);
			free(p);
			free(nh);
			td->fibs = xreallocarray(td->fibs, td->nfibs + 1, sizeof(*td->fibs));
			td->fibs[td->nfibs].table = NULL;
			td->fibs[td->nfibs++].fib = f;
		} else
			a->fib = NULL;
	}
	for (i = 0; i < td->ntuns; i++)
		td->tuns[i]->fib = assoc_fib(td, td->tuns[i]->ratt);
}

uint32_t
td_fib_lookup(const struct fib *fib, uint32_t dst)
{
	return fib != NULL ? fib_lookup4(fib, dst) : 0;
}

struct td_att *
td_fib_cen_lookup(const struct td_att *in, uint32_t dst)
{
	uint32_t nh = td_fib_lookup(in->fib, dst);

	return nh != 0 && nh <= in->ncen ? in->cen[nh - 1].to : NULL;
}
