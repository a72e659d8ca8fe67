/*
 * ike_engine: the public face of the IKEv2 engine (docs/ike-engine.md): tunnels,
 * input dispatch by SPI / Message ID (RFC 7296 2.1-2.3: window size 1, only the
 * initiator of an exchange retransmits, the responder replays its cached
 * response), timers (retransmission with exponential backoff, rekey at lifetime
 * minus margin and fuzz, liveness 2.4, half-open expiry 2.6) and the output
 * queues the caller drains.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/util.h"
#include "ike/ike_exch.h"

struct ike_engine *
ike_engine_new(const struct ike_engine_cfg *cfg)
{
	struct ike_engine *eng = xcalloc(1, sizeof(*eng));

	if (cfg->rand_bytes == NULL)
		fatalx("ike_engine_new: no rand_bytes callback");
	eng->cfg = *cfg;
	eng->name = xstrdup(cfg->name != NULL ? cfg->name : "ike");
	eng->cfg.name = NULL;
	if (eng->cfg.retrans_base_ms == 0)
		eng->cfg.retrans_base_ms = 500;
	if (eng->cfg.retrans_tries == 0)
		eng->cfg.retrans_tries = 5;
	if (eng->cfg.cookie_threshold == 0)
		eng->cfg.cookie_threshold = 30;
	else if (eng->cfg.cookie_threshold < 0)
		eng->cfg.cookie_threshold = 0;	/* always ask */
	if (eng->cfg.block_threshold == 0)
		eng->cfg.block_threshold = 5;
	if (eng->cfg.half_open_timeout_ms == 0)
		eng->cfg.half_open_timeout_ms = 30000;
	if (eng->cfg.frag_size == 0)
		eng->cfg.frag_size = 1280;
	if (eng->cfg.nonce_len < IKE_NONCE_MIN ||
	    eng->cfg.nonce_len > IKE_NONCE_MAX)
		eng->cfg.nonce_len = 32;
	eng->dq_tail = &eng->dq;
	eng->eq_tail = &eng->eq;
	eng->rx = xcalloc(1, sizeof(*eng->rx));
	eng->dh_gen = ike_dh_gen_new();
	ike_rand(eng, eng->cookie_secret, sizeof(eng->cookie_secret));
	log_ratelimit_init(&eng->rl, 20, 1000);
	/*
	 * 2.4 / K4, K7: at most init_rate (~1000) unauthenticated answers a
	 * second, bursts of 64 (per ms of rate).  The bucket counts whole
	 * ms: above 1000/s it runs on a clock init_tick times faster.
	 */
	if (eng->cfg.init_rate == 0)
		eng->cfg.init_rate = 1000;
	eng->init_tick = eng->cfg.init_rate >= 1000 ?
	    eng->cfg.init_rate / 1000 : 1;
	log_ratelimit_init(&eng->init_rl, 64 * eng->init_tick,
	    eng->cfg.init_rate >= 1000 ? 1 : 1000 / eng->cfg.init_rate);
	return eng;
}

void
ike_engine_free(struct ike_engine *eng)
{
	struct ike_tunnel *t;
	struct ike_outq *q;

	if (eng == NULL)
		return;
	while (eng->sas != NULL)
		ike_ikesa_free(eng, eng->sas);
	while ((t = eng->tunnels) != NULL) {
		eng->tunnels = t->next;
		free(t->name);
		OPENSSL_cleanse(t, sizeof(*t));
		free(t);
	}
	while ((q = eng->dq) != NULL) {
		eng->dq = q->next;
		free(q->buf);
		free(q);
	}
	while ((q = eng->eq) != NULL) {
		eng->eq = q->next;
		OPENSSL_cleanse(q, sizeof(*q));
		free(q);
	}
	free(eng->popped);
	free(eng->rx);
	free(eng->seal_buf);
	free(eng->seal_plain);
	ike_dh_gen_free(eng->dh_gen);
	OPENSSL_cleanse(eng->cookie_secret, sizeof(eng->cookie_secret));
	free(eng->name);
	free(eng);
}

int
ike_engine_add_tunnel(struct ike_engine *eng, const struct ike_tunnel_cfg *cfg,
    char *err, size_t errlen)
{
	struct ike_tunnel *t = xcalloc(1, sizeof(*t));
	struct prefix any;
	struct ike_tunnel_cfg *c = &t->cfg;

	*c = *cfg;
	if (ike_prop_resolve(cfg->ike_proposals ? cfg->ike_proposals : "aws",
	    IKE_PROTO_IKE, &t->ike_prop, err, errlen) == -1 ||
	    ike_prop_resolve(cfg->esp_proposals ? cfg->esp_proposals : "aws",
	    IKE_PROTO_ESP, &t->esp_prop, err, errlen) == -1) {
		free(t);
		return -1;
	}
	if (cfg->psk_len == 0 || cfg->psk_len > IKE_CFG_PSK_MAX ||
	    cfg->n_local > IKE_TS_CFG_MAX || cfg->n_remote > IKE_TS_CFG_MAX ||
	    cfg->id_local.len > IKE_CFG_ID_MAX ||
	    cfg->id_remote.len > IKE_CFG_ID_MAX) {
		snprintf(err, errlen, "tunnel %u: bad PSK, ID or selector count",
		    cfg->id);
		free(t);
		return -1;
	}
	t->name = cfg->name ? xstrdup(cfg->name) : xasprintf("tunnel%u",
	    cfg->id);
	c->name = NULL;
	c->ike_proposals = c->esp_proposals = NULL;
	if (c->ike_lifetime_s == 0)
		c->ike_lifetime_s = 28800;
	if (c->child_lifetime_s == 0)
		c->child_lifetime_s = 3600;
	if (c->rekey_margin_s == 0)
		c->rekey_margin_s = 270;
	/* 0 = AWS's default 100 %, negative = none. */
	if (c->rekey_fuzz_pct == 0 || c->rekey_fuzz_pct > 100)
		c->rekey_fuzz_pct = 100;
	else if (c->rekey_fuzz_pct < 0)
		c->rekey_fuzz_pct = 0;
	if (c->dpd_interval_s == 0)
		c->dpd_interval_s = 10;
	if (c->dpd_timeout_s == 0)
		c->dpd_timeout_s = 30;
	if (c->local.port == 0)
		c->local.port = IKE_PORT;
	if (c->remote.port == 0)
		c->remote.port = IKE_PORT;
	if (c->natt_port == 0)
		c->natt_port = IKE_NATT_PORT;
	/* Route-based default (cloud-semantics.md 5.4): 0.0.0.0/0 both sides. */
	prefix_from_v4(&any, 0, 0);
	if (c->n_local)
		ike_ts_from_prefixes(c->ts_local, c->n_local, &t->pol_l);
	else
		ike_ts_from_prefixes(&any, 1, &t->pol_l);
	if (c->n_remote)
		ike_ts_from_prefixes(c->ts_remote, c->n_remote, &t->pol_r);
	else
		ike_ts_from_prefixes(&any, 1, &t->pol_r);
	t->start_ms = c->startup == IKE_STARTUP_START ? 0 : UINT64_MAX;
	t->next = eng->tunnels;
	eng->tunnels = t;
	return 0;
}

static struct ike_tunnel *
tunnel_by_id(const struct ike_engine *eng, uint32_t id)
{
	struct ike_tunnel *t;

	for (t = eng->tunnels; t != NULL; t = t->next)
		if (t->cfg.id == id)
			return t;
	return NULL;
}

/* The tunnel's current IKE SA: established first, else any live one. */
static struct ike_ikesa *
tunnel_sa(const struct ike_engine *eng, const struct ike_tunnel *t,
    bool established_only)
{
	struct ike_ikesa *sa, *any = NULL;

	for (sa = eng->sas; sa != NULL; sa = sa->next) {
		if (sa->tun != t || sa->state == IKE_SA_DEAD ||
		    sa->state == IKE_SA_REKEYED)
			continue;
		if (sa->state == IKE_SA_ESTABLISHED)
			return sa;
		if (any == NULL)
			any = sa;
	}
	return established_only ? NULL : any;
}

void
ike_rand(struct ike_engine *eng, void *p, size_t len)
{
	eng->cfg.rand_bytes(p, len, eng->cfg.rand_arg);
}

static bool
spi_in_use(const struct ike_engine *eng, uint32_t v)
{
	const struct ike_ikesa *sa;
	const struct ike_child *c;

	for (sa = eng->sas; sa != NULL; sa = sa->next) {
		if (sa->auth_spi == v || sa->req.new_spi == v)
			return true;
		for (c = sa->children; c != NULL; c = c->next)
			if (c->spi_in == v)
				return true;
	}
	return false;
}

uint32_t
ike_rand_spi(struct ike_engine *eng)
{
	uint8_t b[4];
	uint32_t v;

	/* Inbound SPIs are the SADB's keys: unique per endpoint, >= 256. */
	do {
		ike_rand(eng, b, sizeof(b));
		v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		    (uint32_t)b[2] << 8 | b[3];
	} while (v < ESP_SPI_MIN || spi_in_use(eng, v));
	return v;
}

struct ike_dh *
ike_eng_dh_new(struct ike_engine *eng, uint16_t group)
{
	uint8_t priv[66];
	size_t len = ike_dh_secret_len(group);
	struct ike_dh *dh;

	if (!eng->cfg.dh_from_rand || (group != IKE_DH_ECP_256 &&
	    group != IKE_DH_ECP_384 && group != IKE_DH_ECP_521 &&
	    group != IKE_DH_CURVE25519) || len == 0 || len > sizeof(priv))
		return ike_dh_new_gen(eng->dh_gen, group);
	ike_rand(eng, priv, len);
	/* Below the group order: clear the top bits (P-521: 521 bits). */
	if (group == IKE_DH_ECP_521)
		priv[0] &= 0x01;
	else if (group != IKE_DH_CURVE25519)
		priv[0] &= 0x7f;
	dh = ike_dh_new_priv(group, priv, len);
	OPENSSL_cleanse(priv, sizeof(priv));
	return dh;
}

uint64_t
ike_retry_time(struct ike_engine *eng)
{
	uint8_t b;

	/* 10-20 s, random: two peers that collided do not collide again in
	 * lock-step. */
	ike_rand(eng, &b, 1);
	return eng->now + 10000 + (uint64_t)b * 40;
}

uint64_t
ike_rekey_time(struct ike_engine *eng, uint64_t now, uint32_t lifetime_s,
    uint32_t margin_s, int fuzz_pct)
{
	uint8_t b[4];
	uint64_t r, life = (uint64_t)lifetime_s * 1000;
	uint64_t margin = (uint64_t)margin_s * 1000, fuzz;

	ike_rand(eng, b, sizeof(b));
	r = (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 |
	    b[3];
	/* strongSwan's reading of AWS's margin + fuzz: rekey in
	 * [life - margin - margin * fuzz%, life - margin]. */
	fuzz = margin * (uint64_t)fuzz_pct / 100 * r >> 32;
	if (margin + fuzz >= life)
		return now + life / 2;
	return now + life - margin - fuzz;
}

void
ike_out_dgram(struct ike_engine *eng, const struct ike_addr *src,
    const struct ike_addr *dst, const uint8_t *p, size_t len)
{
	struct ike_outq *q = xcalloc(1, sizeof(*q));

	q->buf = xmalloc(len);
	memcpy(q->buf, p, len);
	q->d.src = *src;
	q->d.dst = *dst;
	q->d.data = q->buf;
	q->d.len = len;
	*eng->dq_tail = q;
	eng->dq_tail = &q->next;
}

struct ike_event *
ike_out_event(struct ike_engine *eng, enum ike_event_type type, uint32_t tunnel)
{
	struct ike_outq *q = xcalloc(1, sizeof(*q));

	q->ev.type = type;
	q->ev.tunnel = tunnel;
	*eng->eq_tail = q;
	eng->eq_tail = &q->next;
	return &q->ev;
}

void
ike_log(struct ike_engine *eng, struct ike_ikesa *sa, const char *fmt, ...)
{
	struct ike_event *ev;
	char line[IKE_EVENT_TEXT];
	va_list ap;
	int n;

	if (!log_ratelimit_allow(&eng->rl, eng->now))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ev = ike_out_event(eng, IKE_EV_LOG, sa && sa->tun ? sa->tun->cfg.id : 0);
	n = snprintf(ev->text, sizeof(ev->text), "%.32s: %.32s: ", eng->name,
	    sa && sa->tun ? sa->tun->name : "-");
	if (n > 0 && (size_t)n < sizeof(ev->text))
		memcpy(ev->text + n, line, MIN(strlen(line) + 1,
		    sizeof(ev->text) - (size_t)n));
	ev->text[sizeof(ev->text) - 1] = '\0';
	log_debug("%s", ev->text);
}

bool
ike_engine_pop_dgram(struct ike_engine *eng, struct ike_dgram *d)
{
	struct ike_outq *q = eng->dq;

	free(eng->popped);
	eng->popped = NULL;
	if (q == NULL)
		return false;
	if ((eng->dq = q->next) == NULL)
		eng->dq_tail = &eng->dq;
	*d = q->d;
	eng->popped = q->buf;
	free(q);
	return true;
}

bool
ike_engine_pop_event(struct ike_engine *eng, struct ike_event *ev)
{
	struct ike_outq *q = eng->eq;

	if (q == NULL)
		return false;
	if ((eng->eq = q->next) == NULL)
		eng->eq_tail = &eng->eq;
	*ev = q->ev;
	OPENSSL_cleanse(q, sizeof(*q));
	free(q);
	return true;
}

void
ike_event_wipe(struct ike_event *ev)
{
	OPENSSL_cleanse(ev, sizeof(*ev));
}

void
ike_sa_down(struct ike_engine *eng, struct ike_ikesa *sa, const char *why)
{
	struct ike_event *ev;
	bool report = sa->state == IKE_SA_ESTABLISHED ||
	    sa->state == IKE_SA_DELETING || sa->state == IKE_SA_INIT_I ||
	    sa->state == IKE_SA_AUTH_I;
	struct ike_ikesa *o;

	if (sa->state == IKE_SA_DEAD)
		return;
	/* Per tunnel: not down while another SA of it is established. */
	for (o = eng->sas; o != NULL; o = o->next)
		if (o != sa && o->tun == sa->tun &&
		    o->state == IKE_SA_ESTABLISHED)
			report = false;
	while (sa->children != NULL) {
		ike_child_delete_event(eng, sa, sa->children);
		ike_child_free(sa, sa->children);
	}
	if (report && sa->tun != NULL) {
		ev = ike_out_event(eng, IKE_EV_IKE_SA_DOWN, sa->tun->cfg.id);
		snprintf(ev->text, sizeof(ev->text), "%s", why);
	}
	ike_log(eng, sa, "IKE SA down: %s", why);
	ike_ikesa_req_clear(&sa->req);
	sa->state = IKE_SA_DEAD;
}

static bool
dpd_due(const struct ike_engine *eng, const struct ike_ikesa *sa, uint64_t *at)
{
	uint64_t last = sa->last_in_ms;

	if (sa->tun->last_traffic_ms > last)
		last = sa->tun->last_traffic_ms;
	*at = last + (uint64_t)sa->tun->cfg.dpd_interval_s * 1000;
	return eng->now >= *at;
}

void
ike_sa_kick(struct ike_engine *eng, struct ike_ikesa *sa)
{
	struct ike_child *c;
	uint64_t at;

	if (sa->state != IKE_SA_ESTABLISHED || sa->req.kind != IKE_REQ_NONE)
		return;
	if (sa->pending & IKE_PEND_DELETE_IKE) {
		sa->pending &= ~IKE_PEND_DELETE_IKE;
		if (ike_info_delete_ike(eng, sa) == -1)
			ike_sa_down(eng, sa, "cannot send Delete");
		return;
	}
	for (c = sa->children; c != NULL; c = c->next)
		if (c->state == IKE_CHILD_DELETING && !c->del_sent) {
			if (ike_info_delete_child(eng, sa, c) == -1) {
				ike_child_delete_event(eng, sa, c);
				ike_child_free(sa, c);
			}
			return;
		}
	if (eng->now >= sa->rekey_ms) {
		sa->rekey_ms = UINT64_MAX;
		if (ike_ike_rekey_start(eng, sa) == 0)
			return;
		sa->rekey_ms = ike_retry_time(eng);
	}
	for (c = sa->children; c != NULL; c = c->next)
		if (c->state == IKE_CHILD_ACTIVE && eng->now >= c->rekey_ms) {
			if (ike_child_rekey_start(eng, sa, c) == 0)
				return;
			c->rekey_ms = ike_retry_time(eng);
		}
	/* The tunnel lost its pair: the original initiator makes a new one
	 * (only one end does, or both would and two pairs would result). */
	if (sa->initiator && sa->children == NULL) {
		if (sa->create_ms == UINT64_MAX)
			sa->create_ms = ike_retry_time(eng) - 9000;
		if (eng->now >= sa->create_ms) {
			sa->create_ms = UINT64_MAX;
			if (ike_child_create_start(eng, sa) == 0)
				return;
			sa->create_ms = ike_retry_time(eng);
		}
	}
	if ((sa->pending & IKE_PEND_DPD) || dpd_due(eng, sa, &at)) {
		sa->pending &= ~IKE_PEND_DPD;
		ike_info_dpd(eng, sa);
	}
}

static void
reap(struct ike_engine *eng)
{
	struct ike_ikesa *sa, *next;

	for (sa = eng->sas; sa != NULL; sa = next) {
		next = sa->next;
		if (sa->state == IKE_SA_DEAD)
			ike_ikesa_free(eng, sa);
	}
}

static void
restart_later(struct ike_engine *eng, struct ike_tunnel *t)
{
	/* A tunnel taken down by command stays down, also when our Delete
	 * goes unanswered and the SA ends by retransmission timeout. */
	if (!t->admin_down)
		t->start_ms = eng->now;
}

static void
give_up(struct ike_engine *eng, struct ike_ikesa *sa)
{
	struct ike_tunnel *t = sa->tun;

	if (sa->req.kind == IKE_REQ_DPD) {
		ike_log(eng, sa, "DPD timeout");
		switch (t->cfg.dpd_action) {
		case IKE_DPD_NONE:
			ike_ikesa_req_clear(&sa->req);
			sa->last_in_ms = eng->now;
			return;
		case IKE_DPD_RESTART:
			ike_sa_down(eng, sa, "DPD timeout");
			restart_later(eng, t);
			return;
		default:
			ike_sa_down(eng, sa, "DPD timeout");
			return;
		}
	}
	if (sa->state == IKE_SA_REKEYED) {
		sa->state = IKE_SA_DEAD;
		return;
	}
	ike_sa_down(eng, sa, "retransmission timeout");
	if (t->cfg.startup == IKE_STARTUP_START ||
	    t->cfg.dpd_action == IKE_DPD_RESTART)
		restart_later(eng, t);
}

static void
sa_timer(struct ike_engine *eng, struct ike_ikesa *sa)
{
	struct ike_req *r = &sa->req;
	struct ike_child *c;

	if (sa->state == IKE_SA_DEAD)
		return;
	if ((sa->state == IKE_SA_INIT_R || (sa->state == IKE_SA_REKEYED &&
	    r->kind == IKE_REQ_NONE)) && eng->now >= sa->half_open_ms) {
		ike_log(eng, sa, "%s SA expired", sa->state == IKE_SA_INIT_R ?
		    "half-open" : "rekeyed");
		sa->state = IKE_SA_DEAD;
		return;
	}
	if (r->kind != IKE_REQ_NONE && (eng->now >= r->deadline_ms ||
	    eng->now >= r->next_ms)) {
		if (eng->now >= r->deadline_ms || (r->deadline_ms == UINT64_MAX &&
		    r->tries >= eng->cfg.retrans_tries)) {
			give_up(eng, sa);
			return;
		}
		r->tries++;
		r->next_ms = eng->now + ((uint64_t)eng->cfg.retrans_base_ms <<
		    (r->tries < 16 ? r->tries : 16));
		ike_wire_send(eng, sa, &r->out);
	}
	if (sa->state != IKE_SA_ESTABLISHED)
		return;
	for (c = sa->children; c != NULL; c = c->next)
		if (eng->now >= c->expire_ms && c->state != IKE_CHILD_DELETING) {
			ike_log(eng, sa, "Child SA 0x%08x hard expired",
			    c->spi_in);
			c->state = IKE_CHILD_DELETING;
			c->del_sent = false;
		}
	ike_sa_kick(eng, sa);
}

void
ike_engine_timer(struct ike_engine *eng, uint64_t now_ms)
{
	struct ike_ikesa *sa;
	struct ike_tunnel *t;

	eng->now = now_ms;
	for (sa = eng->sas; sa != NULL; sa = sa->next)
		sa_timer(eng, sa);
	reap(eng);
	for (t = eng->tunnels; t != NULL; t = t->next)
		if (now_ms >= t->start_ms) {
			t->start_ms = UINT64_MAX;
			if (tunnel_sa(eng, t, false) == NULL)
				ike_init_start(eng, t);
		}
}

static uint64_t
min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t
ike_engine_next_wakeup(const struct ike_engine *eng)
{
	const struct ike_ikesa *sa;
	const struct ike_tunnel *t;
	const struct ike_child *c;
	uint64_t w = UINT64_MAX, at;

	for (t = eng->tunnels; t != NULL; t = t->next)
		w = min64(w, t->start_ms);
	for (sa = eng->sas; sa != NULL; sa = sa->next) {
		if (sa->state == IKE_SA_DEAD)
			continue;
		if (sa->req.kind != IKE_REQ_NONE)
			w = min64(w, min64(sa->req.next_ms, sa->req.deadline_ms));
		if (sa->state == IKE_SA_INIT_R || sa->state == IKE_SA_REKEYED)
			w = min64(w, sa->half_open_ms);
		if (sa->state != IKE_SA_ESTABLISHED)
			continue;
		w = min64(w, min64(sa->rekey_ms, sa->create_ms));
		for (c = sa->children; c != NULL; c = c->next)
			w = min64(w, min64(c->rekey_ms, c->expire_ms));
		if (sa->req.kind == IKE_REQ_NONE) {
			(void)dpd_due(eng, sa, &at);
			w = min64(w, at);
		}
	}
	return w;
}

static void
dispatch_req(struct ike_engine *eng, struct ike_ikesa *sa, struct ike_rx *rx,
    const struct ike_addr *src)
{
	const struct ike_msg *m = rx->m;
	int rc;

	if (m->hdr.msgid + 1 == sa->peer_msgid && sa->have_resp &&
	    sa->resp.buf != NULL) {
		/* 2.1: a retransmission - the same bytes, no new state.  Only
		 * after the ICV checked (K4: no reflection of forgeries); a
		 * fragmented one once all its fragments are in. */
		if (ike_rx_open(eng, sa, m, rx) == 0)
			ike_wire_send(eng, sa, &sa->resp);
		return;
	}
	if (m->hdr.msgid != sa->peer_msgid) {
		ike_log(eng, sa, "request %u outside the window (%u) dropped",
		    m->hdr.msgid, sa->peer_msgid);
		return;
	}
	/* Before IKE_AUTH completes only IKE_AUTH is a valid request (1.2). */
	if ((sa->state == IKE_SA_INIT_R) != (m->hdr.exchange == IKE_EXCH_AUTH) ||
	    sa->state == IKE_SA_INIT_I || sa->state == IKE_SA_AUTH_I) {
		ike_log(eng, sa, "request %u (exchange %u) in the wrong state "
		    "dropped", m->hdr.msgid, m->hdr.exchange);
		return;
	}
	if ((rc = ike_rx_open(eng, sa, m, rx)) == -2) {
		/* 2.21.2: authenticated, so answered - not acted upon. */
		struct ike_mb mb;

		mb.n = 0;
		sa->peer_msgid++;
		sa->have_resp = false;
		ike_mb_notify(&mb, rx->bad, 0, NULL, 0, &rx->bad_pld,
		    rx->bad == IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD ? 1 : 0);
		ike_respond(eng, sa, m->hdr.exchange, m->hdr.msgid, &mb);
		return;
	}
	if (rc != 0)
		return;
	sa->last_in_ms = eng->now;
	if (sa->natt)
		sa->remote = *src;	/* 2.23: follow the NAT mapping */
	sa->peer_msgid++;
	sa->have_resp = false;
	switch (m->hdr.exchange) {
	case IKE_EXCH_AUTH:
		ike_auth_recv_req(eng, sa, rx);
		break;
	case IKE_EXCH_CREATE_CHILD_SA:
		ike_ccs_recv_req(eng, sa, rx);
		break;
	case IKE_EXCH_INFORMATIONAL:
		ike_info_recv_req(eng, sa, rx);
		break;
	default:
		ike_log(eng, sa, "exchange %u not handled", m->hdr.exchange);
		break;
	}
}

static void
dispatch_resp(struct ike_engine *eng, struct ike_ikesa *sa, struct ike_rx *rx)
{
	const struct ike_msg *m = rx->m;
	static const uint8_t want[] = {
		[IKE_REQ_AUTH] = IKE_EXCH_AUTH,
		[IKE_REQ_REKEY_CHILD] = IKE_EXCH_CREATE_CHILD_SA,
		[IKE_REQ_CREATE_CHILD] = IKE_EXCH_CREATE_CHILD_SA,
		[IKE_REQ_REKEY_IKE] = IKE_EXCH_CREATE_CHILD_SA,
		[IKE_REQ_DELETE_CHILD] = IKE_EXCH_INFORMATIONAL,
		[IKE_REQ_DELETE_IKE] = IKE_EXCH_INFORMATIONAL,
		[IKE_REQ_DPD] = IKE_EXCH_INFORMATIONAL,
	};

	if (sa->req.kind == IKE_REQ_NONE || sa->req.kind == IKE_REQ_INIT ||
	    m->hdr.msgid != sa->req.msgid ||
	    m->hdr.exchange != want[sa->req.kind])
		return;
	if (ike_rx_open(eng, sa, m, rx) != 0)
		return;
	sa->last_in_ms = eng->now;
	switch (m->hdr.exchange) {
	case IKE_EXCH_AUTH:
		ike_auth_recv_resp(eng, sa, rx);
		break;
	case IKE_EXCH_CREATE_CHILD_SA:
		ike_ccs_recv_resp(eng, sa, rx);
		break;
	default:
		ike_info_recv_resp(eng, sa, rx);
		break;
	}
}

void
ike_engine_input(struct ike_engine *eng, uint64_t now_ms,
    const struct ike_addr *src, const struct ike_addr *dst, const uint8_t *p,
    size_t len)
{
	struct ike_msg m;
	struct ike_err err;
	struct ike_ikesa *sa;
	struct ike_rx *rx;
	bool resp;

	eng->now = now_ms;
	if (ike_msg_parse(&m, p, len, &err) != IKE_PARSE_OK) {
		/* Unauthenticated garbage: never answered (reliability.md
		 * 3.2), logged at a limited rate. */
		ike_log(eng, NULL, "dropped datagram: %s", err.reason);
		return;
	}
	resp = (m.hdr.flags & IKE_FLAG_R) != 0;
	if (!resp && m.hdr.exchange == IKE_EXCH_SA_INIT) {
		ike_init_recv_req(eng, &m, src, dst);
		reap(eng);
		return;
	}
	sa = ike_ikesa_find(eng, m.hdr.spi_i, m.hdr.spi_r,
	    (m.hdr.flags & IKE_FLAG_I) != 0);
	if (sa == NULL) {
		ike_log(eng, NULL, "no IKE SA for the message, dropped");
		return;
	}
	if (resp && m.hdr.exchange == IKE_EXCH_SA_INIT) {
		ike_init_recv_resp(eng, sa, &m);
		reap(eng);
		return;
	}
	rx = eng->rx;
	rx->m = &m;
	rx->n = 0;
	rx->plen = 0;
	if (resp)
		dispatch_resp(eng, sa, rx);
	else
		dispatch_req(eng, sa, rx, src);
	OPENSSL_cleanse(rx->plain, rx->plen);
	rx->plen = 0;
	reap(eng);
}

void
ike_engine_traffic_seen(struct ike_engine *eng, uint32_t tunnel, uint64_t now_ms)
{
	struct ike_tunnel *t = tunnel_by_id(eng, tunnel);

	if (t != NULL && now_ms > t->last_traffic_ms)
		t->last_traffic_ms = now_ms;
}

int
ike_engine_initiate(struct ike_engine *eng, uint32_t tunnel, uint64_t now_ms)
{
	struct ike_tunnel *t = tunnel_by_id(eng, tunnel);

	eng->now = now_ms;
	if (t == NULL)
		return -1;
	t->admin_down = false;
	if (tunnel_sa(eng, t, false) != NULL)
		return 0;
	return ike_init_start(eng, t);
}

int
ike_engine_rekey_child(struct ike_engine *eng, uint32_t tunnel, uint64_t now_ms)
{
	struct ike_tunnel *t = tunnel_by_id(eng, tunnel);
	struct ike_ikesa *sa;
	struct ike_child *c, *last = NULL;

	eng->now = now_ms;
	if (t == NULL || (sa = tunnel_sa(eng, t, true)) == NULL)
		return -1;
	for (c = sa->children; c != NULL; c = c->next)
		if (c->state == IKE_CHILD_ACTIVE)
			last = c;
	if (last == NULL)
		return -1;
	last->rekey_ms = now_ms;
	ike_sa_kick(eng, sa);
	return 0;
}

int
ike_engine_rekey_ike(struct ike_engine *eng, uint32_t tunnel, uint64_t now_ms)
{
	struct ike_tunnel *t = tunnel_by_id(eng, tunnel);
	struct ike_ikesa *sa;

	eng->now = now_ms;
	if (t == NULL || (sa = tunnel_sa(eng, t, true)) == NULL)
		return -1;
	sa->rekey_ms = now_ms;
	ike_sa_kick(eng, sa);
	return 0;
}

int
ike_engine_delete(struct ike_engine *eng, uint32_t tunnel, uint64_t now_ms)
{
	struct ike_tunnel *t = tunnel_by_id(eng, tunnel);
	struct ike_ikesa *sa;

	eng->now = now_ms;
	if (t == NULL)
		return -1;
	t->start_ms = UINT64_MAX;
	t->admin_down = true;
	if ((sa = tunnel_sa(eng, t, true)) != NULL) {
		sa->pending |= IKE_PEND_DELETE_IKE;
		ike_sa_kick(eng, sa);
		return 0;
	}
	while ((sa = tunnel_sa(eng, t, false)) != NULL)
		ike_sa_down(eng, sa, "deleted");
	reap(eng);
	return 0;
}

int
ike_engine_status(const struct ike_engine *eng, uint32_t tunnel,
    struct ike_tunnel_status *st)
{
	const struct ike_tunnel *t = tunnel_by_id(eng, tunnel);
	const struct ike_ikesa *sa;
	const struct ike_child *c;

	memset(st, 0, sizeof(*st));
	if (t == NULL)
		return -1;
	for (sa = eng->sas; sa != NULL; sa = sa->next) {
		if (sa->tun != t || sa->state == IKE_SA_DEAD)
			continue;
		st->n_ike_sas++;
		st->n_children += ike_ikesa_n_children(sa);
		if (sa->state != IKE_SA_ESTABLISHED)
			continue;
		st->established = true;
		st->natt = sa->natt;
		memcpy(st->spi_i, sa->spi_i, IKE_SPI_LEN);
		memcpy(st->spi_r, sa->spi_r, IKE_SPI_LEN);
		st->ike_alg = sa->alg;
		for (c = sa->children; c != NULL; c = c->next) {
			st->spi_in = c->spi_in;
			st->spi_out = c->spi_out;
			st->child_alg = c->alg;
		}
	}
	return 0;
}

size_t
ike_engine_n_sas(const struct ike_engine *eng)
{
	const struct ike_ikesa *sa;
	size_t n = 0;

	for (sa = eng->sas; sa != NULL; sa = sa->next)
		n += sa->state != IKE_SA_DEAD;
	return n;
}
