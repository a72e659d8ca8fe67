/*
 * td_wan: `transitd --emulate-wan`, the distance a CEN hides (docs/daemon.md "WAN
 * emulation"; docs/lab.md; cloud-semantics.md behaviour 42).  A CEN node runs every
 * attachment of the CEN, in every region, so a packet from a Tokyo VPC to a Beijing
 * VPC goes TUN to TUN inside one process and never crosses the lab's internet.
 * With this option on, the CEN forwarding path hands such a packet here instead
 * of writing it out: it is held for the file's one-way `wan` delay between the two
 * regions (and its loss), shaped to the CEN's cross-region `bandwidth` (1 kbps
 * when the file buys none), and written to the egress TUN when it is due.
 *
 * The queueing is the lab's own sans-I/O scheduler (lab/lab_wsched.h): one FIFO
 * per (CEN, source region, destination region), so a flow is never reordered and
 * the bandwidth is shared by every VPC pair of the two regions, as in CEN.  This
 * file is the glue: one ev timer per link, armed at the release time of its
 * oldest packet.  A held packet carries the egress device's name (interned, the
 * wsched tag), not a pointer: a reload may replace every attachment, and the one
 * that takes over a device keeps its name.
 *
 * Off by default: a real CEN node adds no artificial delay.  A reload rebuilds the
 * links from the new file; packets held at that moment are delivered at once.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "common/ev.h"
#include "common/log.h"
#include "common/util.h"
#include "daemon/td.h"
#include "lab/lab_wsched.h"

#define TD_WAN_MAX_PKTS	4096	/* held at once, all links (~8 MiB) */
#define TD_WAN_RT_PRIO	5	/* below the lab's wan emulator (10) */
#define NS_PER_MS	1000000.0

struct td_wan_link {
	struct ev_timer	 timer;
	struct td_wan	*w;
	size_t		 idx;
};

struct td_wan_dest {
	char		 ifname[DP_TUN_NAMESIZ];
	struct td_att	*att;		/* cached for generation gen */
	uint64_t	 gen;
};

struct td_wan {
	struct td		*td;
	uint64_t		 gen;		/* td->reloads the links were built for */
	struct lab_wsched	*sched;
	size_t			 nreg;
	size_t			*map;		/* (hub, from, to) -> link + 1; 0: none yet */
	size_t			 nmap;
	struct td_wan_link	*links;		/* nmap slots, never moved: the loop
						   holds pointers to armed timers */
	size_t			 nlinks;
	struct td_wan_dest	*dests;
	size_t			 ndests, capdests;
	struct td_wan_stats	 st;
};

static void	wan_timer_cb(struct ev_loop *, struct ev_timer *, void *);

static void
links_drop(struct td_wan *w)
{
	size_t i;

	for (i = 0; i < w->nlinks; i++)
		if (ev_timer_armed(&w->links[i].timer))
			ev_timer_cancel(w->td->ev, &w->links[i].timer);
	lab_wsched_free(w->sched);
	w->sched = NULL;
	free(w->links);
	w->links = NULL;
	w->nlinks = 0;
	free(w->map);
	w->map = NULL;
	w->nmap = 0;
}

static void
links_build(struct td_wan *w)
{
	const struct cfg_net *c = w->td->cfg;

	w->gen = w->td->reloads;
	w->sched = lab_wsched_new(1, TD_WAN_MAX_PKTS);
	w->nreg = c != NULL ? c->nregions : 0;
	w->nmap = c != NULL ? c->nhubs * w->nreg * w->nreg : 0;
	w->map = xcalloc(w->nmap + 1, sizeof(*w->map));
	w->links = xcalloc(w->nmap + 1, sizeof(*w->links));
}

struct td_wan *
td_wan_new(struct td *td)
{
	struct td_wan *w = xcalloc(1, sizeof(*w));

	w->td = td;
	/*
	 * Run when a packet is due, as the lab's wan emulator does (lab_wan.c): on
	 * a 2-core machine shared with builds, a normal process was woken 20-60 ms
	 * late and the lab's RTTs with it.  The daemon sleeps between packets, and
	 * the kernel's RT throttling (sched_rt_runtime_us, 95 % by default) keeps a
	 * flood from starving everything else.
	 */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	{
		struct sched_param sp = { .sched_priority = TD_WAN_RT_PRIO };

		if (sched_setscheduler(0, SCHED_FIFO, &sp) == -1)
			log_warn("emulate-wan: SCHED_FIFO refused; delays may be late "
			    "under load");
	}
	links_build(w);
	return w;
}

void
td_wan_free(struct td_wan *w)
{
	if (w == NULL)
		return;
	links_drop(w);
	free(w->dests);
	free(w);
}

const struct td_wan_stats *
td_wan_stats(const struct td_wan *w)
{
	return &w->st;
}

static size_t
region_idx(const struct cfg_net *c, const struct td_att *a)
{
	const struct cfg_region *r;

	if (a->vpc == NULL || (r = a->vpc->region.ptr) == NULL)
		return SIZE_MAX;
	return (size_t)(r - c->regions);
}

static bool
same_pair(const struct cfg_ref *between, size_t nbetween, const struct cfg_region *x,
    const struct cfg_region *y)
{
	return nbetween == 2 &&
	    ((between[0].ptr == x && between[1].ptr == y) ||
	    (between[0].ptr == y && between[1].ptr == x));
}

/* Delay and loss from the file's `wan`, rate from the CEN's `bandwidth` (beh. 42). */
static void
link_cfg(const struct cfg_net *c, const struct cfg_hub *h, size_t a, size_t b,
    struct lab_wlink_cfg *lc)
{
	const struct cfg_region *x = &c->regions[a], *y = &c->regions[b];
	uint64_t kbps = 1;		/* no bandwidth bought: the 1 kbps test link */
	size_t i;

	memset(lc, 0, sizeof(*lc));
	for (i = 0; i < c->nwan; i++) {
		if (same_pair(c->wan[i].between, c->wan[i].nbetween, x, y)) {
			lc->delay_ns = (uint64_t)(c->wan[i].delay_ms * NS_PER_MS + 0.5);
			lc->loss_pct = c->wan[i].loss_pct;
			break;
		}
	}
	for (i = 0; i < h->nbandwidth; i++) {
		if (same_pair(h->bandwidth[i].between, h->bandwidth[i].nbetween, x, y)) {
			kbps = h->bandwidth[i].kbps;
			break;
		}
	}
	lc->rate_bps = kbps * 1000;
}

static size_t
link_get(struct td_wan *w, const struct cfg_hub *h, size_t a, size_t b)
{
	const struct cfg_net *c = w->td->cfg;
	struct lab_wlink_cfg lc;
	size_t hi = (size_t)(h - c->hubs), k, l;

	k = (hi * w->nreg + a) * w->nreg + b;
	if (w->map[k] != 0)
		return w->map[k] - 1;
	link_cfg(c, h, a, b, &lc);
	l = lab_wsched_link_add(w->sched, &lc);	/* one per map slot: l < nmap */
	w->links[l].w = w;
	w->links[l].idx = l;
	ev_timer_init(&w->links[l].timer, wan_timer_cb, &w->links[l]);
	w->nlinks = l + 1;
	w->map[k] = l + 1;
	log_info("emulate-wan: %s %s -> %s: delay %.3f ms, loss %g%%, %llu kbps",
	    h->name, c->regions[a].name, c->regions[b].name,
	    (double)lc.delay_ns / NS_PER_MS, lc.loss_pct,
	    (unsigned long long)(lc.rate_bps / 1000));
	return l;
}

static uint32_t
dest_intern(struct td_wan *w, const struct td_att *to)
{
	size_t i;

	for (i = 0; i < w->ndests; i++)
		if (strcmp(w->dests[i].ifname, to->ifname) == 0)
			return (uint32_t)i;
	util_grow(&w->dests, &w->capdests, w->ndests + 1, sizeof(*w->dests));
	memset(&w->dests[w->ndests], 0, sizeof(w->dests[0]));
	memcpy(w->dests[w->ndests].ifname, to->ifname, sizeof(to->ifname));
	w->dests[w->ndests].gen = UINT64_MAX;
	return (uint32_t)w->ndests++;
}

/* The attachment that owns the device now (the cache dies with a reload). */
static struct td_att *
dest_att(struct td_wan *w, uint32_t tag)
{
	struct td_wan_dest *d;
	size_t i;

	if (tag >= w->ndests)
		return NULL;
	d = &w->dests[tag];
	if (d->gen != w->td->reloads) {
		d->att = NULL;
		d->gen = w->td->reloads;
		for (i = 0; i < w->td->natts; i++)
			if (strcmp(w->td->atts[i]->ifname, d->ifname) == 0)
				d->att = w->td->atts[i];
	}
	return d->att;
}

static void
deliver(struct td_wan *w, const struct lab_wpkt *p)
{
	struct td_att *a = dest_att(w, p->tag);

	if (a == NULL) {
		w->st.drop_gone++;
		return;
	}
	if (a->tun.fd == -1) {
		a->c.drops[TD_DROP_DOWN]++;
		return;
	}
	if (dp_tun_write(a->tun.fd, p->data, p->len) == -1) {
		a->c.drops[TD_DROP_TX]++;
		return;
	}
	a->c.tx_pkts++;
	a->c.tx_bytes += p->len;
	w->st.released++;
}

static void
send_due(struct td_wan *w, size_t link, uint64_t now)
{
	struct lab_wpkt *p;
	uint64_t next;

	while ((p = lab_wsched_pop(w->sched, link, now)) != NULL) {
		deliver(w, p);
		lab_wsched_put(w->sched, p);
	}
	next = lab_wsched_next(w->sched, link);
	if (next == UINT64_MAX)
		ev_timer_cancel(w->td->ev, &w->links[link].timer);
	else
		ev_timer_at(w->td->ev, &w->links[link].timer, next);
}

static void
wan_timer_cb(struct ev_loop *ev, struct ev_timer *t, void *arg)
{
	struct td_wan_link *l = arg;

	(void)ev;
	(void)t;
	/* A fresh clock: the loop's cached one predates the timer pass. */
	send_due(l->w, l->idx, util_now_ns());
}

/* After a reload: deliver what is held (the file it was held for is gone). */
static void
rebuild(struct td_wan *w)
{
	size_t i;

	for (i = 0; i < w->nlinks; i++)
		send_due(w, i, UINT64_MAX);
	links_drop(w);
	links_build(w);
}

bool
td_wan_hold(struct td *td, const struct td_att *in, const struct td_att *to,
    const uint8_t *pkt, size_t len)
{
	struct td_wan *w = td->wan;
	enum lab_wsched_verdict v;
	uint64_t now, rel;
	size_t a, b, l;

	if (w == NULL || in == NULL || in->kind != TD_ATT_CEN || to->kind != TD_ATT_CEN ||
	    in->hub == NULL || td->cfg == NULL)
		return false;
	if (w->gen != td->reloads)
		rebuild(w);
	a = region_idx(td->cfg, in);
	b = region_idx(td->cfg, to);
	if (a == b || a >= w->nreg || b >= w->nreg)
		return false;		/* one region: no distance to emulate */
	l = link_get(w, in->hub, a, b);
	now = util_now_ns();
	v = lab_wsched_enqueue_tag(w->sched, l, pkt, len, dest_intern(w, to), now, &rel);
	switch (v) {
	case LAB_WS_QUEUED:
		w->st.held++;
		if (rel <= now)
			send_due(w, l, now);
		else if (!ev_timer_armed(&w->links[l].timer))
			ev_timer_at(td->ev, &w->links[l].timer, rel);
		break;
	case LAB_WS_DROP_LOSS:
		w->st.drop_loss++;
		break;
	case LAB_WS_DROP_RATE:
		w->st.drop_rate++;
		break;
	case LAB_WS_DROP_FULL:
	case LAB_WS_DROP_BAD:
		w->st.drop_full++;
		break;
	}
	return true;
}
