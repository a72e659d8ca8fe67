/*
 * td_ike: `keying: ike` tunnels (docs/daemon.md "IKE keying"): the glue between
 * the sans-I/O IKEv2 engine (src/ike, docs/ike-engine.md) and a tunnel's sockets,
 * SADB and the event loop.
 *
 * Each IKE tunnel owns one ike_engine holding just that tunnel: the engine has no
 * "remove tunnel" call, and a reload keeps or drops tunnels one by one (a kept
 * tunnel takes its engine, IKE SAs and Child SAs along, like its manual SAs).
 * IKE runs on a UDP 500 socket bound to our outside address and connected to the
 * peer's (several tunnels may share our address, as on 4500), and on the tunnel's
 * UDP 4500 socket, where esp_udp_classify() tells IKE (non-ESP marker, RFC 3948
 * 2.2) from ESP.  The engine's wake-up time is one loop timer.
 *
 * Events are applied make-before-break (esp.md, RFC 7296 2.8) by td_ike_sa.c:
 * an INSTALL puts the inbound SA in, then the outbound SA, then switches the
 * tunnel's outbound to it (a rekey we answered: once the peer has the pair); the
 * old pair goes on the engine's DELETE event, its inbound SA after a grace
 * period, on this tunnel's timer.  IKE SA down: every pair is gone, nothing is
 * sent (fail closed).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/ev.h"
#include "common/log.h"
#include "common/util.h"
#include "daemon/td.h"
#include "esp/esp_xform.h"
#include "ike/ike_engine.h"
#include "ike/ike_wire.h"

#define TD_IKE_BUF	65536		/* largest IKE datagram we read */
#define TD_IKE_MARKER	4		/* non-ESP marker on port 4500 */
#define TD_KA_INTERVAL	20		/* s between NAT-T keepalives (RFC 3948 4) */

static void
rand_cb(void *buf, size_t len, void *arg)
{
	(void)arg;
	if (RAND_bytes(buf, (int)len) != 1)
		fatalx("RAND_bytes failed");
}

static uint64_t
now_ms(const struct td_tunnel *t)
{
	return ev_now_ns(t->td->ev) / 1000000;
}

static bool
natt(const struct td_tunnel *t)
{
	size_t i;

	for (i = 0; i < t->npairs; i++)
		if (t->pairs[i].natt)
			return true;
	return false;
}

/*
 * A NAT between the peers: a one-byte 0xff datagram on 4500 every 20 s keeps
 * the NAT mapping open while the tunnel is idle (RFC 3948 2.3, 4).
 */
static void
ka_cb(struct ev_loop *ev, struct ev_timer *tm, void *arg)
{
	uint8_t ka = 0xff;
	struct td_tunnel *t = arg;
	struct dp_udp_msg m;

	(void)tm;
	if (!natt(t) || t->udp.fd == -1)
		return;
	memset(&m, 0, sizeof(m));
	m.buf = &ka;
	m.len = sizeof(ka);
	m.peer = t->peer;
	m.peer_port = TD_ESP_PORT;
	(void)dp_udp_send_batch(&t->udp, &m, 1);
	ev_timer_after(ev, &t->ka_timer, (uint64_t)TD_KA_INTERVAL * 1000000000);
}

static void
apply(struct td_tunnel *t, struct ike_event *ev)
{
	switch (ev->type) {
	case IKE_EV_CHILD_SA_INSTALL:
		if (td_ike_sa_install(t, &ev->child, now_ms(t)) == 0 &&
		    ev->child.natt && !ev_timer_armed(&t->ka_timer))
			ev_timer_after(t->td->ev, &t->ka_timer,
			    (uint64_t)TD_KA_INTERVAL * 1000000000);
		break;
	case IKE_EV_CHILD_SA_DELETE:
		if (td_ike_sa_delete(t, ev->spi_in, ev->spi_out, now_ms(t)))
			log_info("tunnel %s: Child SA deleted (in 0x%08x, out "
			    "0x%08x; inbound kept %d ms for packets in flight)",
			    t->name, ev->spi_in, ev->spi_out, TD_IKE_GRACE_MS);
		break;
	case IKE_EV_IKE_SA_UP:
		t->ike_up = true;
		t->ike_up_s = td_now_s();
		snprintf(t->ike_role, sizeof(t->ike_role), "%s",
		    strstr(ev->text, "resp") != NULL ? "responder" : "initiator");
		log_info("tunnel %s: IKE SA up (%s)", t->name, ev->text);
		break;
	case IKE_EV_IKE_SA_REKEYED:
		t->ike_up_s = td_now_s();
		log_info("tunnel %s: IKE SA rekeyed", t->name);
		break;
	case IKE_EV_IKE_SA_DOWN:
		t->ike_up = false;
		(void)td_ike_sa_flush(t);
		log_info("tunnel %s: IKE SA down (%s): no SA, traffic dropped",
		    t->name, ev->text);
		break;
	case IKE_EV_LOG:
		log_info("%s", ev->text);	/* already "ike: TUNNEL: ..." */
		break;
	}
	ike_event_wipe(ev);
}

static void
send_one(struct td_tunnel *t, const struct ike_dgram *d)
{
	static const uint8_t zero[TD_IKE_MARKER];
	struct dp_udp_msg m;
	struct dp_udp *u;
	uint8_t *buf = t->ike_txbuf;
	size_t len = 0;

	if (d->src.port == IKE_NATT_PORT) {
		u = &t->udp;
		memcpy(buf, zero, sizeof(zero));
		len = sizeof(zero);
	} else
		u = &t->ike_udp;
	if (u->fd == -1 || d->len > TD_IKE_BUF - len)
		return;
	memcpy(buf + len, d->data, d->len);
	len += d->len;
	memset(&m, 0, sizeof(m));
	m.buf = buf;
	m.len = len;
	m.peer = d->dst.ip;
	m.peer_port = d->dst.port;
	if (dp_udp_send_batch(u, &m, 1) != 1 &&
	    log_ratelimit_allow(&t->ike_rl, now_ms(t)))
		log_warn("tunnel %s: IKE send failed", t->name);
}

static void timer_cb(struct ev_loop *, struct ev_timer *, void *);

/* Drain what the engine produced and re-arm its timer. */
void
td_ike_drain(struct td_tunnel *t)
{
	struct ike_dgram d;
	struct ike_event ev;
	uint64_t w, sw;

	if (t->ike == NULL)
		return;
	while (ike_engine_pop_dgram(t->ike, &d))
		send_one(t, &d);
	while (ike_engine_pop_event(t->ike, &ev))
		apply(t, &ev);
	w = ike_engine_next_wakeup(t->ike);
	sw = td_ike_sa_timer(t, now_ms(t));
	if (sw < w)
		w = sw;
	if (w == UINT64_MAX)
		ev_timer_cancel(t->td->ev, &t->ike_timer);
	else
		ev_timer_at(t->td->ev, &t->ike_timer,
		    w > UINT64_MAX / 1000000 ? UINT64_MAX : w * 1000000);
}

static void
timer_cb(struct ev_loop *ev, struct ev_timer *tm, void *arg)
{
	struct td_tunnel *t = arg;

	(void)ev;
	(void)tm;
	ev_now_update(t->td->ev);
	ike_engine_timer(t->ike, now_ms(t));
	td_ike_drain(t);
}

void
td_ike_input(struct td_tunnel *t, uint16_t port, const uint8_t *data, size_t len)
{
	struct ike_addr src, dst;

	if (t->ike == NULL)
		return;
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	/* Both sockets are connected: the datagram comes from the peer's port. */
	src.ip = t->peer;
	src.port = port;
	dst.ip = t->local;
	dst.port = port;
	ike_engine_input(t->ike, now_ms(t), &src, &dst, data, len);
	td_ike_drain(t);
}

void
td_ike_traffic_seen(struct td_tunnel *t)
{
	if (t->ike == NULL)
		return;
	ike_engine_traffic_seen(t->ike, t->id, now_ms(t));
	td_ike_sa_seen(t, now_ms(t));
}

/* Port 500 socket readable. */
void
td_ike_udp_cb(struct ev_loop *ev, int fd, unsigned revents, void *arg)
{
	struct td_tunnel *t = arg;
	struct dp_udp_msg m;
	int i;

	(void)ev;
	(void)fd;
	(void)revents;
	for (i = 0; i < 16; i++) {
		memset(&m, 0, sizeof(m));
		m.buf = t->ike_rxbuf;
		m.cap = TD_IKE_BUF;
		if (dp_udp_recv_batch(&t->ike_udp, &m, 1) != 1)
			break;
		if ((m.flags & MSG_TRUNC) != 0)
			continue;
		td_ike_input(t, m.peer_port, m.buf, m.len);
	}
}

/* A configured identity (its type numbers are RFC 7296's), else the address. */
static void
id_set(struct ike_idcfg *id, const struct cfg_id *c, const struct ipaddr *a)
{
	if (c->type == CFG_ID_DEFAULT || c->len > sizeof(id->data)) {
		id->type = IKE_ID_IPV4_ADDR;
		memcpy(id->data, a->addr, 4);
		id->len = 4;
		return;
	}
	id->type = (uint8_t)c->type;
	memcpy(id->data, c->data, c->len);
	id->len = c->len;
}

/*
 * left_id / right_id name the connection's left and right ends: ours is the one
 * of the side this node runs, the peer's (checked in its AUTH) the other.
 */
static void
identities(const struct td_tunnel *t, struct ike_tunnel_cfg *tc)
{
	const struct cfg_tunnel *ct = &t->conn->tunnels[t->index];

	id_set(&tc->id_local, t->left ? &ct->left_idv : &ct->right_idv, &t->local);
	id_set(&tc->id_remote, t->left ? &ct->right_idv : &ct->left_idv, &t->peer);
}

/*
 * Explicit suites (ike_proposals / esp_proposals, checked at load by the same
 * parser) replace the profile's for their protocol; the engine takes either.
 */
static void
proposals(const struct cfg_vpn_connection *c, struct ike_tunnel_cfg *tc)
{
	static const char *const profiles[] = { "aws", "gcp", "alibaba" };
	const char *prof = profiles[c->profile >= 0 && c->profile < 3 ? c->profile : 0];

	tc->ike_proposals = c->ike_proposals != NULL ? c->ike_proposals : prof;
	tc->esp_proposals = c->esp_proposals != NULL ? c->esp_proposals : prof;
}

int
td_ike_open(struct td_tunnel *t)
{
	const struct cfg_vpn_connection *c = t->conn;
	struct ike_engine_cfg ec;
	struct ike_tunnel_cfg tc;
	struct dp_udp_cfg uc;
	struct sockaddr_in sin;
	char err[256], lb[64];
	size_t plen;

	if (c->ike_version != 2) {
		log_warnx("tunnel %s: ike_version %u: IKEv1 is not implemented (tunnel "
		    "stays down: fail closed)", t->name, c->ike_version);
		return -1;
	}
	if (t->psk == NULL || (plen = strlen(t->psk)) > IKE_CFG_PSK_MAX) {
		log_warnx("tunnel %s: no usable psk (at most %d bytes)", t->name,
		    IKE_CFG_PSK_MAX);
		return -1;
	}
	memset(&uc, 0, sizeof(uc));
	uc.local = t->local;
	uc.port = IKE_PORT;
	if (dp_udp_open(&uc, &t->ike_udp) == -1) {
		log_warn("tunnel %s: cannot bind %s:%d", t->name,
		    addr_fmt(&t->local, lb, sizeof(lb)), IKE_PORT);
		t->ike_udp.fd = -1;
		return -1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(IKE_PORT);
	memcpy(&sin.sin_addr, t->peer.addr, 4);
	if (connect(t->ike_udp.fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		log_warn("tunnel %s: connect (IKE)", t->name);

	memset(&ec, 0, sizeof(ec));
	ec.rand_bytes = rand_cb;
	ec.name = "ike";
	t->ike = ike_engine_new(&ec);
	t->ike_rxbuf = xmalloc(TD_IKE_BUF);
	t->ike_txbuf = xmalloc(TD_IKE_BUF);
	log_ratelimit_init(&t->ike_rl, 5, 1000);
	ev_timer_init(&t->ike_timer, timer_cb, t);
	ev_timer_init(&t->ka_timer, ka_cb, t);

	memset(&tc, 0, sizeof(tc));
	tc.id = t->id;
	tc.name = t->name;
	tc.local.ip = t->local;
	tc.local.port = IKE_PORT;
	tc.remote.ip = t->peer;
	tc.remote.port = IKE_PORT;
	identities(t, &tc);
	memcpy(tc.psk, t->psk, plen);
	tc.psk_len = plen;
	proposals(c, &tc);
	memcpy(tc.ts_local, t->ts_local, t->n_local * sizeof(tc.ts_local[0]));
	tc.n_local = t->n_local;
	memcpy(tc.ts_remote, t->ts_remote, t->n_remote * sizeof(tc.ts_remote[0]));
	tc.n_remote = t->n_remote;
	tc.ike_lifetime_s = c->lifetime_ike_s;
	tc.child_lifetime_s = c->lifetime_child_s;
	tc.rekey_margin_s = c->rekey_margin_s;
	tc.dpd_timeout_s = c->dpd_timeout_s;
	tc.dpd_action = c->dpd_action == CFG_DPD_RESTART ? IKE_DPD_RESTART :
	    c->dpd_action == CFG_DPD_NONE ? IKE_DPD_NONE : IKE_DPD_CLEAR;
	tc.startup = cfg_conn_startup(c, t->left) == CFG_STARTUP_START ?
	    IKE_STARTUP_START : IKE_STARTUP_ADD;
	if (ike_engine_add_tunnel(t->ike, &tc, err, sizeof(err)) == -1) {
		OPENSSL_cleanse(tc.psk, sizeof(tc.psk));
		log_warnx("tunnel %s: IKE: %s", t->name, err);
		td_ike_close(t);
		return -1;
	}
	OPENSSL_cleanse(tc.psk, sizeof(tc.psk));
	log_info("tunnel %s: IKEv2 on %s:%d and :%d, IKE %s, ESP %s, startup %s",
	    t->name, addr_fmt(&t->local, lb, sizeof(lb)), IKE_PORT, IKE_NATT_PORT,
	    tc.ike_proposals, tc.esp_proposals,
	    tc.startup == IKE_STARTUP_START ? "start" : "add");
	/* startup start: the first timer call initiates. */
	ev_timer_at(t->td->ev, &t->ike_timer, ev_now_ns(t->td->ev));
	return 0;
}

void
td_ike_close(struct td_tunnel *t)
{
	struct ike_dgram d;

	if (t->td != NULL && t->td->ev != NULL) {
		ev_timer_cancel(t->td->ev, &t->ike_timer);
		ev_timer_cancel(t->td->ev, &t->ka_timer);
	}
	if (t->ike != NULL) {
		/*
		 * Tell the peer (shutdown, tunnel gone in a reload): one Delete, not
		 * retransmitted; it then fails closed at once instead of after DPD.
		 */
		if (t->td != NULL && t->td->ev != NULL && t->ike_up &&
		    ike_engine_delete(t->ike, t->id, now_ms(t)) == 0)
			while (ike_engine_pop_dgram(t->ike, &d))
				send_one(t, &d);
		ike_engine_free(t->ike);
		t->ike = NULL;
	}
	if (t->ike_udp.fd != -1) {
		dp_udp_close(&t->ike_udp);
		t->ike_udp.fd = -1;
	}
	free(t->ike_rxbuf);
	free(t->ike_txbuf);
	t->ike_rxbuf = t->ike_txbuf = NULL;
	t->npairs = t->ndying = 0;
	t->ike_up = false;
}

/* Reload kept the tunnel: move the engine, its socket and timer to `to`. */
void
td_ike_take(struct td_tunnel *to, struct td_tunnel *from)
{
	bool armed = ev_timer_armed(&from->ike_timer);
	bool ka = ev_timer_armed(&from->ka_timer);
	uint64_t when = from->ike_timer.when_ns, ka_when = from->ka_timer.when_ns;

	if (from->td != NULL && from->td->ev != NULL) {
		ev_timer_cancel(from->td->ev, &from->ike_timer);
		ev_timer_cancel(from->td->ev, &from->ka_timer);
	}
	to->ike = from->ike;
	from->ike = NULL;
	to->ike_udp = from->ike_udp;
	from->ike_udp.fd = -1;
	to->ike_rxbuf = from->ike_rxbuf;
	to->ike_txbuf = from->ike_txbuf;
	from->ike_rxbuf = from->ike_txbuf = NULL;
	to->ike_rl = from->ike_rl;
	memcpy(to->pairs, from->pairs, sizeof(to->pairs));
	to->npairs = from->npairs;
	from->npairs = 0;
	memcpy(to->dying, from->dying, sizeof(to->dying));
	to->ndying = from->ndying;
	from->ndying = 0;
	to->ike_up = from->ike_up;
	to->ike_up_s = from->ike_up_s;
	memcpy(to->ike_role, from->ike_role, sizeof(to->ike_role));
	ev_timer_init(&to->ike_timer, timer_cb, to);
	ev_timer_init(&to->ka_timer, ka_cb, to);
	if (armed && to->td != NULL && to->td->ev != NULL)
		ev_timer_at(to->td->ev, &to->ike_timer, when);
	if (ka && to->td != NULL && to->td->ev != NULL)
		ev_timer_at(to->td->ev, &to->ka_timer, ka_when);
}
