/*
 * lab_wsched: delay, FIFO, loss and rate cap of the lab's WAN emulator, sans I/O
 * (see lab_wsched.h and docs/lab.md "The WAN emulator").
 *
 * Packet buffers come from a free list that grows on demand up to max_pkts and is
 * only released by lab_wsched_free: after warm-up a forwarded packet allocates
 * nothing (style.md, practice 9).
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "lab/lab_wsched.h"

#define NS_PER_S		1000000000ull
#define DEFAULT_MAX_WAIT_NS	(500ull * 1000000ull)
#define DEFAULT_QMAX		4096
#define MIN_BURST_BYTES		1600

struct wlink {
	struct lab_wlink_cfg	 cfg;
	struct lab_wlink_stats	 st;
	struct lab_wpkt		*head;
	struct lab_wpkt		*tail;
	size_t			 queued;
	uint64_t		 last_release_ns;
	uint64_t		 full_ns;	/* token bucket: full again at this time */
	uint64_t		 burst_ns;	/* bucket size as time at the rate */
	uint64_t		 loss_threshold; /* drop when rng < threshold */
	bool			 loss_all;
};

struct lab_wsched {
	uint64_t	 rng;
	struct wlink	*links;
	size_t		 nlinks;
	size_t		 cap;
	struct lab_wpkt	*free;
	size_t		 allocated;
	size_t		 max_pkts;
};

/* splitmix64 (Steele, Lea, Flood 2014): small, fast, and good enough for loss. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t
lab_wsched_tx_ns(uint64_t rate_bps, size_t len)
{
	if (rate_bps == 0)
		return 0;
	/* len <= 64 KiB: len * 8e9 stays far below 2^64. */
	return ((uint64_t)len * 8 * NS_PER_S + rate_bps - 1) / rate_bps;
}

uint64_t
lab_wsched_default_burst(uint64_t rate_bps)
{
	uint64_t b = rate_bps / 8 / 20;		/* 50 ms */

	return b < MIN_BURST_BYTES ? MIN_BURST_BYTES : b;
}

struct lab_wsched *
lab_wsched_new(uint64_t seed, size_t max_pkts)
{
	struct lab_wsched *s = xcalloc(1, sizeof(*s));

	s->rng = seed;
	s->max_pkts = max_pkts;
	return s;
}

void
lab_wsched_free(struct lab_wsched *s)
{
	struct lab_wpkt *p, *n;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nlinks; i++) {
		for (p = s->links[i].head; p != NULL; p = n) {
			n = p->next;
			free(p);
		}
	}
	for (p = s->free; p != NULL; p = n) {
		n = p->next;
		free(p);
	}
	free(s->links);
	free(s);
}

size_t
lab_wsched_link_add(struct lab_wsched *s, const struct lab_wlink_cfg *cfg)
{
	struct wlink *l;
	double frac;

	util_grow(&s->links, &s->cap, s->nlinks + 1, sizeof(*s->links));
	l = &s->links[s->nlinks];
	memset(l, 0, sizeof(*l));
	l->cfg = *cfg;
	if (l->cfg.max_wait_ns == 0)
		l->cfg.max_wait_ns = DEFAULT_MAX_WAIT_NS;
	if (l->cfg.qmax == 0)
		l->cfg.qmax = DEFAULT_QMAX;
	if (l->cfg.rate_bps != 0) {
		if (l->cfg.burst_bytes == 0)
			l->cfg.burst_bytes = lab_wsched_default_burst(l->cfg.rate_bps);
		l->burst_ns = lab_wsched_tx_ns(l->cfg.rate_bps, l->cfg.burst_bytes);
	}
	frac = l->cfg.loss_pct / 100.0;
	if (frac >= 1.0)
		l->loss_all = true;
	else if (frac > 0.0)
		l->loss_threshold = (uint64_t)(frac * 18446744073709551616.0);
	return s->nlinks++;
}

size_t
lab_wsched_nlinks(const struct lab_wsched *s)
{
	return s->nlinks;
}

const struct lab_wlink_cfg *
lab_wsched_link_cfg(const struct lab_wsched *s, size_t link)
{
	return link < s->nlinks ? &s->links[link].cfg : NULL;
}

const struct lab_wlink_stats *
lab_wsched_stats(const struct lab_wsched *s, size_t link)
{
	return link < s->nlinks ? &s->links[link].st : NULL;
}

size_t
lab_wsched_queued(const struct lab_wsched *s, size_t link)
{
	return link < s->nlinks ? s->links[link].queued : 0;
}

static struct lab_wpkt *
pkt_get(struct lab_wsched *s)
{
	struct lab_wpkt *p = s->free;

	if (p != NULL) {
		s->free = p->next;
		return p;
	}
	if (s->allocated >= s->max_pkts)
		return NULL;
	s->allocated++;
	return xmalloc(sizeof(*p));
}

void
lab_wsched_put(struct lab_wsched *s, struct lab_wpkt *p)
{
	p->next = s->free;
	s->free = p;
}

/*
 * The rate cap.  Returns the time the packet may leave (>= now), or UINT64_MAX when
 * it would wait longer than the link allows; the bucket is charged only for a
 * packet that is kept.
 */
static uint64_t
shape(struct wlink *l, size_t len, uint64_t now)
{
	uint64_t full, tx, wait;

	if (l->cfg.rate_bps == 0)
		return now;
	/*
	 * full_ns = vt + burst, kept instead of vt so that nothing goes below zero
	 * near the clock's origin.  A bucket left alone refills, never beyond full.
	 */
	full = l->full_ns < now ? now : l->full_ns;
	tx = lab_wsched_tx_ns(l->cfg.rate_bps, len);
	if (full + tx <= now + l->burst_ns) {
		l->full_ns = full + tx;
		return now;
	}
	wait = full + tx - l->burst_ns - now;
	if (wait > l->cfg.max_wait_ns)
		return UINT64_MAX;
	l->full_ns = full + tx;
	return now + wait;
}

enum lab_wsched_verdict
lab_wsched_enqueue(struct lab_wsched *s, size_t link, const void *pkt, size_t len,
    uint64_t now, uint64_t *release_ns)
{
	return lab_wsched_enqueue_tag(s, link, pkt, len, 0, now, release_ns);
}

enum lab_wsched_verdict
lab_wsched_enqueue_tag(struct lab_wsched *s, size_t link, const void *pkt, size_t len,
    uint32_t tag, uint64_t now, uint64_t *release_ns)
{
	struct wlink *l;
	struct lab_wpkt *p;
	uint64_t send, rel;

	if (link >= s->nlinks || len > LAB_WSCHED_PKT_MAX)
		return LAB_WS_DROP_BAD;
	l = &s->links[link];
	l->st.in_pkts++;
	l->st.in_bytes += len;
	/* One draw per packet whatever the rate, so a seed gives one sequence. */
	if (l->loss_all || (l->loss_threshold != 0 &&
	    rng_next(&s->rng) < l->loss_threshold)) {
		l->st.drop_loss++;
		return LAB_WS_DROP_LOSS;
	}
	if (l->queued >= l->cfg.qmax) {
		l->st.drop_full++;
		return LAB_WS_DROP_FULL;
	}
	if ((p = pkt_get(s)) == NULL) {
		l->st.drop_full++;
		return LAB_WS_DROP_FULL;
	}
	if ((send = shape(l, len, now)) == UINT64_MAX) {
		lab_wsched_put(s, p);
		l->st.drop_rate++;
		return LAB_WS_DROP_RATE;
	}
	rel = send + l->cfg.delay_ns;
	if (rel < l->last_release_ns)
		rel = l->last_release_ns;
	l->last_release_ns = rel;
	memcpy(p->data, pkt, len);
	p->len = len;
	p->tag = tag;
	p->release_ns = rel;
	p->next = NULL;
	if (l->tail != NULL)
		l->tail->next = p;
	else
		l->head = p;
	l->tail = p;
	if (++l->queued > l->st.max_queued)
		l->st.max_queued = l->queued;
	*release_ns = rel;
	return LAB_WS_QUEUED;
}

uint64_t
lab_wsched_next(const struct lab_wsched *s, size_t link)
{
	if (link >= s->nlinks || s->links[link].head == NULL)
		return UINT64_MAX;
	return s->links[link].head->release_ns;
}

struct lab_wpkt *
lab_wsched_pop(struct lab_wsched *s, size_t link, uint64_t now)
{
	struct wlink *l;
	struct lab_wpkt *p;

	if (link >= s->nlinks)
		return NULL;
	l = &s->links[link];
	if ((p = l->head) == NULL || p->release_ns > now)
		return NULL;
	l->head = p->next;
	if (l->head == NULL)
		l->tail = NULL;
	l->queued--;
	l->st.out_pkts++;
	l->st.out_bytes += p->len;
	p->next = NULL;
	return p;
}
