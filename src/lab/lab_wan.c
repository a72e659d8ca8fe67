/*
 * lab_wan: classification and the I/O loop of the WAN emulator (see lab_wan.h and
 * docs/lab.md "The WAN emulator").
 *
 * Timing: one ev_timer per directed link, armed at the release time of the
 * link's oldest packet (the FIFO makes it the earliest of the link).  The timer
 * slack of the process is set to 1 us so the kernel does not batch our wakeups
 * (the default slack is 50 us); what is left is the wakeup latency of the
 * machine.  On a loaded machine (the lab shares its cores with the daemons and
 * whatever else runs) a normal process sometimes wakes milliseconds late, so the
 * emulator asks for SCHED_FIFO priority LAB_WAN_RT_PRIO: it sleeps between
 * packets, so it takes little CPU, but when a packet is due it runs at once.  If
 * the kernel refuses, it runs as a normal process and says so.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/ev.h"
#include "common/log.h"
#include "common/util.h"
#include "dataplane/dp_nl.h"
#include "dataplane/dp_tun.h"
#include "lab/lab_wan.h"

#define BATCH		64
#define TUN_MTU		1500
#define NS_PER_MS	1000000.0
#define LAB_WAN_RT_PRIO	10

struct wan_link {
	struct ev_timer	 timer;
	struct lab_wan	*wan;
	size_t		 idx;
};

struct lab_wan {
	const struct lab_plan	*plan;
	struct lab_wsched	*sched;
	size_t			 nreg;		/* regions + 1 ("unknown") */
	struct wan_link		*links;
	/* I/O glue */
	struct ev_loop		*loop;
	struct dp_tun		 tun;
	struct ev_timer		 stats_timer;
	uint8_t			(*bufs)[LAB_WSCHED_PKT_MAX];	/* BATCH reads */
	const char		*stats_file;
	uint64_t		 drop_bad;
	uint64_t		 drop_write;
	struct log_ratelimit	 rl;		/* TUN read errors */
};

static const struct cfg_wan *
find_wan(const struct cfg_net *c, size_t a, size_t b)
{
	size_t i;

	for (i = 0; i < c->nwan; i++) {
		const struct cfg_wan *w = &c->wan[i];
		size_t x, y;

		if (w->nbetween != 2)
			continue;
		x = (size_t)((const struct cfg_region *)w->between[0].ptr - c->regions);
		y = (size_t)((const struct cfg_region *)w->between[1].ptr - c->regions);
		if ((x == a && y == b) || (x == b && y == a))
			return w;
	}
	return NULL;
}

struct lab_wan *
lab_wan_new(const struct lab_plan *plan, uint64_t seed)
{
	const struct cfg_net *c = plan->cfg;
	struct lab_wan *w = xcalloc(1, sizeof(*w));
	size_t a, b;

	w->plan = plan;
	w->sched = lab_wsched_new(seed, LAB_WAN_MAX_PKTS);
	w->nreg = c->nregions + 1;
	w->links = xcalloc(w->nreg * w->nreg, sizeof(*w->links));
	w->bufs = xcalloc(BATCH, sizeof(*w->bufs));
	for (a = 0; a < w->nreg; a++) {
		for (b = 0; b < w->nreg; b++) {
			struct lab_wlink_cfg lc;
			const struct cfg_wan *cw = NULL;
			size_t i;

			memset(&lc, 0, sizeof(lc));
			if (a < c->nregions && b < c->nregions && a != b)
				cw = find_wan(c, a, b);
			if (cw != NULL) {
				lc.delay_ns = (uint64_t)(cw->delay_ms * NS_PER_MS + 0.5);
				lc.loss_pct = cw->loss_pct;
				lc.rate_bps = (uint64_t)cw->rate_kbps * 1000;
			}
			i = lab_wsched_link_add(w->sched, &lc);
			w->links[i].wan = w;
			w->links[i].idx = i;
		}
	}
	return w;
}

void
lab_wan_free(struct lab_wan *w)
{
	if (w == NULL)
		return;
	lab_wsched_free(w->sched);
	free(w->links);
	free(w->bufs);
	free(w);
}

struct lab_wsched *
lab_wan_sched(struct lab_wan *w)
{
	return w->sched;
}

static size_t
region_of(const struct lab_wan *w, const struct ipaddr *a)
{
	const struct lab_plan_addr *pa = lab_plan_addr_find(w->plan, a);

	return pa != NULL ? pa->region : w->nreg - 1;
}

size_t
lab_wan_classify(const struct lab_wan *w, const uint8_t *pkt, size_t len)
{
	struct buf_reader r;
	struct ipaddr src, dst;
	uint8_t vihl;

	buf_reader_init(&r, pkt, len);
	if (buf_get_u8(&r, &vihl) == -1 || (vihl >> 4) != 4 || (vihl & 0x0f) < 5)
		return SIZE_MAX;
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	src.family = dst.family = PFX_V4;
	/* tos, total length, id, frag, ttl, protocol, checksum: 11 bytes. */
	if (buf_skip(&r, 11) == -1 || buf_get_bytes(&r, src.addr, 4) == -1 ||
	    buf_get_bytes(&r, dst.addr, 4) == -1)
		return SIZE_MAX;
	return region_of(w, &src) * w->nreg + region_of(w, &dst);
}

const char *
lab_wan_link_name(const struct lab_wan *w, size_t link, char *buf, size_t len)
{
	const struct cfg_net *c = w->plan->cfg;
	size_t a = link / w->nreg, b = link % w->nreg;

	snprintf(buf, len, "%s -> %s", a < c->nregions ? c->regions[a].name : "?",
	    b < c->nregions ? c->regions[b].name : "?");
	return buf;
}

void
lab_wan_print_stats(const struct lab_wan *w, FILE *f)
{
	size_t i, n = lab_wsched_nlinks(w->sched);
	char name[160];

	for (i = 0; i < n; i++) {
		const struct lab_wlink_stats *st = lab_wsched_stats(w->sched, i);
		const struct lab_wlink_cfg *lc = lab_wsched_link_cfg(w->sched, i);
		char rate[32];

		if (st->in_pkts == 0)
			continue;
		if (lc->rate_bps == 0)
			snprintf(rate, sizeof(rate), "unlimited");
		else
			snprintf(rate, sizeof(rate), "%llu kbps",
			    (unsigned long long)(lc->rate_bps / 1000));
		fprintf(f, "%-36s delay %.3f ms loss %g%% rate %s: "
		    "in %llu out %llu queued %zu (max %llu) drop loss %llu rate %llu "
		    "full %llu\n", lab_wan_link_name(w, i, name, sizeof(name)),
		    (double)lc->delay_ns / NS_PER_MS, lc->loss_pct,
		    rate,
		    (unsigned long long)st->in_pkts, (unsigned long long)st->out_pkts,
		    lab_wsched_queued(w->sched, i), (unsigned long long)st->max_queued,
		    (unsigned long long)st->drop_loss, (unsigned long long)st->drop_rate,
		    (unsigned long long)st->drop_full);
	}
	fprintf(f, "not IPv4 / malformed %llu, TUN write failures %llu\n",
	    (unsigned long long)w->drop_bad, (unsigned long long)w->drop_write);
}

/* ---- I/O glue ----------------------------------------------------------------- */

static void
send_due(struct lab_wan *w, size_t link, uint64_t now)
{
	struct lab_wpkt *p;
	uint64_t next;

	while ((p = lab_wsched_pop(w->sched, link, now)) != NULL) {
		if (dp_tun_write(w->tun.fd, p->data, p->len) == -1)
			w->drop_write++;
		lab_wsched_put(w->sched, p);
	}
	next = lab_wsched_next(w->sched, link);
	if (next == UINT64_MAX)
		ev_timer_cancel(w->loop, &w->links[link].timer);
	else
		ev_timer_at(w->loop, &w->links[link].timer, next);
}

static void
link_timer_cb(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	struct wan_link *l = arg;

	/* A fresh clock: the loop's cached one predates the timer pass. */
	send_due(l->wan, l->idx, util_now_ns());
}

static void
tun_cb(struct ev_loop *loop, int fd, unsigned revents, void *arg)
{
	struct lab_wan *w = arg;
	uint8_t *bp[BATCH];
	size_t lens[BATCH], link;
	ssize_t n, i;
	uint64_t now = ev_now_ns(loop), rel;

	for (i = 0; i < BATCH; i++)
		bp[i] = w->bufs[i];
	n = dp_tun_read_batch(fd, bp, lens, BATCH, LAB_WSCHED_PKT_MAX);
	if (n == -1 && errno != EAGAIN && errno != EINTR &&
	    log_ratelimit_allow(&w->rl, now / 1000000))
		log_warn("read %s", w->plan->wan_tun);
	if (n <= 0)
		return;
	for (i = 0; i < n; i++) {
		link = lab_wan_classify(w, bp[i], lens[i]);
		if (link == SIZE_MAX) {
			w->drop_bad++;
			continue;
		}
		if (lab_wsched_enqueue(w->sched, link, bp[i], lens[i], now, &rel) !=
		    LAB_WS_QUEUED)
			continue;
		if (rel <= now)
			send_due(w, link, now);
		else if (!ev_timer_armed(&w->links[link].timer))
			ev_timer_at(loop, &w->links[link].timer, rel);
	}
}

static void
write_stats(struct lab_wan *w)
{
	char *tmp;
	FILE *f;

	if (w->stats_file == NULL)
		return;
	tmp = xasprintf("%s.tmp", w->stats_file);
	if ((f = fopen(tmp, "w")) != NULL) {
		lab_wan_print_stats(w, f);
		if (fclose(f) == 0)
			(void)rename(tmp, w->stats_file);
	}
	free(tmp);
}

static void
stats_cb(struct ev_loop *loop, struct ev_timer *t, void *arg)
{
	write_stats(arg);
	ev_timer_after(loop, t, 1000000000ull);
}

static void
stop_cb(struct ev_loop *loop, int signo, void *arg)
{
	log_info("signal %d: stopping", signo);
	ev_stop(loop);
}

static int
write_ready(const char *path)
{
	FILE *f;

	if (path == NULL)
		return 0;
	if ((f = fopen(path, "w")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}

int
lab_wan_run(const struct lab_plan *plan, const struct lab_wan_opts *o)
{
	struct lab_wan *w = lab_wan_new(plan, o->seed);
	struct dp_tun_cfg tc;
	struct prefix def;
	size_t i, n;
	int rc = -1;

	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	{
		struct sched_param sp = { .sched_priority = LAB_WAN_RT_PRIO };

		if (sched_setscheduler(0, SCHED_FIFO, &sp) == -1)
			log_warn("SCHED_FIFO refused; delays may be late under load");
	}
	w->tun.fd = -1;
	w->stats_file = o->stats_file;
	log_ratelimit_init(&w->rl, 5, 10000);
	if ((w->loop = ev_new()) == NULL)
		goto out;
	memset(&tc, 0, sizeof(tc));
	tc.name = plan->wan_tun;
	tc.mtu = TUN_MTU;
	if (dp_tun_open(&tc, &w->tun) == -1) {
		log_warn("TUN %s", plan->wan_tun);
		goto out;
	}
	/* Everything that arrives from a node goes to us (table main); what we write
	 * back is routed by table LAB_WAN_TABLE (`ip rule iif TUN`, set up by up). */
	prefix_from_v4(&def, 0, 0);
	if (dp_nl_route_add(NULL, &def, plan->wan_tun) == -1) {
		log_warn("default route into %s", plan->wan_tun);
		goto out;
	}
	n = lab_wsched_nlinks(w->sched);
	for (i = 0; i < n; i++)
		ev_timer_init(&w->links[i].timer, link_timer_cb, &w->links[i]);
	ev_timer_init(&w->stats_timer, stats_cb, w);
	ev_timer_after(w->loop, &w->stats_timer, 1000000000ull);
	if (ev_io_add(w->loop, w->tun.fd, EV_READ, tun_cb, w) == -1 ||
	    ev_signal_add(w->loop, SIGTERM, stop_cb, w) == -1 ||
	    ev_signal_add(w->loop, SIGINT, stop_cb, w) == -1)
		goto out;
	if (write_ready(o->ready_file) == -1)
		goto out;
	log_info("wan: %zu regions, %zu outside addresses, TUN %s; forwarding",
	    plan->cfg->nregions, plan->naddrs, plan->wan_tun);
	rc = ev_run(w->loop);
	write_stats(w);
	lab_wan_print_stats(w, stderr);
out:
	if (w->loop != NULL) {
		for (i = 0; i < lab_wsched_nlinks(w->sched); i++)
			if (ev_timer_armed(&w->links[i].timer))
				ev_timer_cancel(w->loop, &w->links[i].timer);
		if (ev_timer_armed(&w->stats_timer))
			ev_timer_cancel(w->loop, &w->stats_timer);
		ev_free(w->loop);
	}
	if (w->tun.fd != -1)
		dp_tun_close(&w->tun);
	lab_wan_free(w);
	return rc;
}
