/*
 * ike_exch_auth: the IKE_AUTH exchange with pre-shared keys (RFC 7296 1.2, 2.15
 * AUTH, 2.9 traffic selector narrowing, 2.17 first Child SA keys, 1.2 the
 * Child SA in IKE_AUTH carries no KE).  A failed AUTH leaves no state behind: the
 * responder answers AUTHENTICATION_FAILED and forgets the SA (K1).
 */
#include <string.h>

#include <openssl/crypto.h>

#include "common/util.h"
#include "ike/ike_exch.h"

static bool	tunnel_alone(const struct ike_engine *, const struct ike_ikesa *);

/* Our ID payload and its body "RestOfIDPayload" (type, 3 reserved, data). */
static void
our_id(const struct ike_ikesa *sa, struct ike_id *id, uint8_t *body,
    size_t *blen)
{
	const struct ike_idcfg *c = &sa->tun->cfg.id_local;

	if (c->type != 0) {
		id->type = c->type;
		id->data = c->data;
		id->len = c->len;
	} else {
		id->type = sa->local.ip.family == PFX_V6 ? IKE_ID_IPV6_ADDR :
		    IKE_ID_IPV4_ADDR;
		id->data = sa->local.ip.addr;
		id->len = sa->local.ip.family == PFX_V6 ? 16 : 4;
	}
	body[0] = id->type;
	body[1] = body[2] = body[3] = 0;
	memcpy(body + 4, id->data, id->len);
	*blen = 4 + id->len;
}

/* Does the peer's ID match the configured one (any, when not configured)? */
static bool
peer_id_ok(const struct ike_ikesa *sa, const struct ike_id *id)
{
	const struct ike_idcfg *c = &sa->tun->cfg.id_remote;

	if (c->type == 0)
		return true;
	return id->type == c->type && id->len == c->len &&
	    memcmp(id->data, c->data, c->len) == 0;
}

/* AUTH of `from_initiator`'s side: its IKE_SA_INIT message, the other's nonce,
 * prf(SK_p of that side, ID body). */
static int
psk_auth(const struct ike_ikesa *sa, bool from_initiator, const uint8_t *idb,
    size_t idlen, uint8_t *out)
{
	const struct ike_tunnel_cfg *c = &sa->tun->cfg;

	if (from_initiator)
		return ike_psk_auth_msg(sa->alg.prf, c->psk, c->psk_len,
		    sa->init_req, sa->init_req_len, sa->nr, sa->nr_len,
		    sa->keys.sk_pi, sa->keys.prf_len, idb, idlen, out);
	return ike_psk_auth_msg(sa->alg.prf, c->psk, c->psk_len, sa->init_resp,
	    sa->init_resp_len, sa->ni, sa->ni_len, sa->keys.sk_pr,
	    sa->keys.prf_len, idb, idlen, out);
}

static bool
auth_ok(const struct ike_ikesa *sa, const struct ike_rx *rx, bool from_init)
{
	const struct ike_payload *pid, *pau;
	uint8_t want[IKE_PRF_MAX];
	size_t i;
	bool ok;

	pid = ike_rx_find(rx, from_init ? IKE_PLD_IDI : IKE_PLD_IDR);
	pau = ike_rx_find(rx, IKE_PLD_AUTH);
	if (pid == NULL || pau == NULL ||
	    pau->u.auth.method != IKE_AUTH_SHARED_KEY_MIC ||
	    pau->u.auth.len != ike_prf_len(sa->alg.prf) ||
	    !peer_id_ok(sa, &pid->u.id))
		return false;
	i = (size_t)(pid - rx->pl);
	if (psk_auth(sa, from_init, rx->body[i], rx->blen[i], want) == -1)
		return false;
	ok = CRYPTO_memcmp(want, pau->u.auth.data, pau->u.auth.len) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

int
ike_auth_send(struct ike_engine *eng, struct ike_ikesa *sa)
{
	struct ike_tunnel *tun = sa->tun;
	struct ike_mb mb;
	struct ike_payload *pl;
	uint8_t idb[4 + IKE_CFG_ID_MAX], auth[IKE_PRF_MAX], spi[4];
	size_t idlen;
	int rc;

	mb.n = 0;
	pl = ike_mb_add(&mb, IKE_PLD_IDI);
	our_id(sa, &pl->u.id, idb, &idlen);
	if (psk_auth(sa, true, idb, idlen, auth) == -1)
		return -1;
	pl = ike_mb_add(&mb, IKE_PLD_AUTH);
	pl->u.auth.method = IKE_AUTH_SHARED_KEY_MIC;
	pl->u.auth.data = auth;
	pl->u.auth.len = ike_prf_len(sa->alg.prf);
	sa->auth_spi = ike_rand_spi(eng);
	spi[0] = (uint8_t)(sa->auth_spi >> 24);
	spi[1] = (uint8_t)(sa->auth_spi >> 16);
	spi[2] = (uint8_t)(sa->auth_spi >> 8);
	spi[3] = (uint8_t)sa->auth_spi;
	pl = ike_mb_add(&mb, IKE_PLD_SA);
	ike_prop_to_sa(&tun->esp_prop, IKE_PROTO_ESP, false, spi, 4, &pl->u.sa);
	pl = ike_mb_add(&mb, IKE_PLD_TSI);
	pl->u.ts = tun->pol_l;
	pl = ike_mb_add(&mb, IKE_PLD_TSR);
	pl->u.ts = tun->pol_r;
	if (tunnel_alone(eng, sa))
		ike_mb_notify(&mb, IKE_N_INITIAL_CONTACT, 0, NULL, 0, NULL, 0);
	sa->state = IKE_SA_AUTH_I;
	rc = ike_request(eng, sa, IKE_REQ_AUTH, IKE_EXCH_AUTH, &mb);
	OPENSSL_cleanse(auth, sizeof(auth));
	return rc;
}

static uint32_t
spi32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/*
 * One IKE SA per tunnel.  INITIAL_CONTACT (2.4): the peer restarted, its other
 * SAs are gone - drop ours without a word.  Otherwise two established SAs are a
 * simultaneous initiation (both ends "start"): both ends keep the one with the
 * lower SPIi and Delete the other, so they agree without talking.
 */
static struct ike_ikesa *
resolve_duplicates(struct ike_engine *eng, struct ike_ikesa *sa,
    bool initial_contact)
{
	struct ike_ikesa *o, *loser = NULL;

	for (o = eng->sas; o != NULL; o = o->next) {
		if (o == sa || o->tun != sa->tun ||
		    o->state != IKE_SA_ESTABLISHED)
			continue;
		if (initial_contact) {
			ike_sa_down(eng, o, "peer restarted (INITIAL_CONTACT)");
			continue;
		}
		loser = memcmp(o->spi_i, sa->spi_i, IKE_SPI_LEN) > 0 ? o : sa;
		loser->pending |= IKE_PEND_DELETE_IKE;
		ike_log(eng, loser, "duplicate IKE SA, deleting this one");
	}
	return loser;
}

static bool
tunnel_up(const struct ike_engine *eng, const struct ike_ikesa *sa)
{
	const struct ike_ikesa *o;

	for (o = eng->sas; o != NULL; o = o->next)
		if (o != sa && o->tun == sa->tun &&
		    o->state == IKE_SA_ESTABLISHED)
			return true;
	return false;
}

/* Another live SA of the tunnel besides this one? (INITIAL_CONTACT) */
static bool
tunnel_alone(const struct ike_engine *eng, const struct ike_ikesa *sa)
{
	const struct ike_ikesa *o;

	for (o = eng->sas; o != NULL; o = o->next)
		if (o != sa && o->tun == sa->tun && o->state != IKE_SA_DEAD)
			return false;
	return true;
}

static struct ike_ikesa *
established(struct ike_engine *eng, struct ike_ikesa *sa, bool initial_contact)
{
	struct ike_tunnel_cfg *c = &sa->tun->cfg;
	struct ike_event *ev;
	struct ike_ikesa *loser;
	bool was_up = tunnel_up(eng, sa);

	sa->state = IKE_SA_ESTABLISHED;
	sa->last_in_ms = eng->now;
	sa->rekey_ms = ike_rekey_time(eng, eng->now, c->ike_lifetime_s,
	    c->rekey_margin_s, c->rekey_fuzz_pct);
	free(sa->init_req);
	free(sa->init_resp);
	sa->init_req = sa->init_resp = NULL;
	loser = resolve_duplicates(eng, sa, initial_contact);
	/* UP and DOWN are per tunnel: a duplicate SA does not change them. */
	if (!was_up || initial_contact) {
		ev = ike_out_event(eng, IKE_EV_IKE_SA_UP, c->id);
		snprintf(ev->text, sizeof(ev->text), "%s", sa->initiator ?
		    "initiator" : "responder");
	}
	ike_log(eng, sa, "IKE SA established");
	return loser;
}

void
ike_auth_recv_req(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_rx *rx)
{
	struct ike_tunnel *tun = sa->tun;
	const struct ike_payload *psa, *ptsi, *ptsr;
	struct ike_mb mb;
	struct ike_payload *pl;
	struct ike_child *c;
	struct ike_alg alg;
	struct ike_ts nl, nr;
	uint8_t idb[4 + IKE_CFG_ID_MAX], auth[IKE_PRF_MAX], spi[4];
	uint16_t child_err = 0;
	size_t idlen, idx;
	struct ike_ikesa *loser;
	uint32_t msgid = rx->m->hdr.msgid;

	mb.n = 0;
	if (sa->state != IKE_SA_INIT_R)
		return;
	if (!auth_ok(sa, rx, true)) {
		ike_log(eng, sa, "IKE_AUTH: authentication failed");
		ike_mb_notify(&mb, IKE_N_AUTHENTICATION_FAILED, 0, NULL, 0, NULL,
		    0);
		ike_respond(eng, sa, IKE_EXCH_AUTH, msgid, &mb);
		/* Nothing stays: the response is not even cached. */
		sa->state = IKE_SA_DEAD;
		return;
	}
	pl = ike_mb_add(&mb, IKE_PLD_IDR);
	our_id(sa, &pl->u.id, idb, &idlen);
	if (psk_auth(sa, false, idb, idlen, auth) == -1)
		return;
	pl = ike_mb_add(&mb, IKE_PLD_AUTH);
	pl->u.auth.method = IKE_AUTH_SHARED_KEY_MIC;
	pl->u.auth.data = auth;
	pl->u.auth.len = ike_prf_len(sa->alg.prf);
	loser = established(eng, sa,
	    ike_rx_notify(rx, IKE_N_INITIAL_CONTACT) != NULL);

	psa = ike_rx_find(rx, IKE_PLD_SA);
	ptsi = ike_rx_find(rx, IKE_PLD_TSI);
	ptsr = ike_rx_find(rx, IKE_PLD_TSR);
	if (psa == NULL || ptsi == NULL || ptsr == NULL)
		child_err = IKE_N_INVALID_SYNTAX;
	else if (ike_prop_select(&tun->esp_prop, &psa->u.sa, IKE_PROTO_ESP,
	    false, &alg, &idx) == -1)
		child_err = IKE_N_NO_PROPOSAL_CHOSEN;
	else if (ike_ts_narrow(&ptsi->u.ts, &tun->pol_r, &nr) == -1 ||
	    ike_ts_narrow(&ptsr->u.ts, &tun->pol_l, &nl) == -1)
		child_err = IKE_N_TS_UNACCEPTABLE;
	if (child_err != 0) {
		ike_log(eng, sa, "IKE_AUTH: no Child SA (notify %u)", child_err);
		ike_mb_notify(&mb, child_err, 0, NULL, 0, NULL, 0);
	} else {
		c = ike_child_new(sa);
		c->alg = alg;
		c->ts_l = nl;
		c->ts_r = nr;
		c->spi_out = spi32(psa->u.sa.prop[idx].spi);
		c->spi_in = ike_rand_spi(eng);
		spi[0] = (uint8_t)(c->spi_in >> 24);
		spi[1] = (uint8_t)(c->spi_in >> 16);
		spi[2] = (uint8_t)(c->spi_in >> 8);
		spi[3] = (uint8_t)c->spi_in;
		pl = ike_mb_add(&mb, IKE_PLD_SA);
		ike_prop_one(&alg, IKE_PROTO_ESP, psa->u.sa.prop[idx].num, false,
		    spi, 4, &pl->u.sa);
		pl = ike_mb_add(&mb, IKE_PLD_TSI);
		pl->u.ts = nr;
		pl = ike_mb_add(&mb, IKE_PLD_TSR);
		pl->u.ts = nl;
	}
	if (ike_respond(eng, sa, IKE_EXCH_AUTH, msgid, &mb) == 0 &&
	    child_err == 0)
		ike_child_install(eng, sa, sa->children, NULL, 0, sa->ni,
		    sa->ni_len, sa->nr, sa->nr_len, false, 0);
	OPENSSL_cleanse(auth, sizeof(auth));
	if (loser != NULL)
		ike_sa_kick(eng, loser);
}

void
ike_auth_recv_resp(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_rx *rx)
{
	struct ike_tunnel *tun = sa->tun;
	const struct ike_payload *psa, *ptsi, *ptsr;
	struct ike_child *c;
	struct ike_alg alg;
	struct ike_ikesa *loser;
	uint16_t e;
	char why[64];

	if (sa->state != IKE_SA_AUTH_I)
		return;
	ike_ikesa_req_clear(&sa->req);
	if (ike_rx_find(rx, IKE_PLD_AUTH) == NULL &&
	    (e = ike_rx_error(rx)) != 0) {
		snprintf(why, sizeof(why), "IKE_AUTH refused: %s",
		    e == IKE_N_AUTHENTICATION_FAILED ? "AUTHENTICATION_FAILED" :
		    "error notify");
		ike_sa_down(eng, sa, why);
		return;
	}
	if (!auth_ok(sa, rx, false)) {
		struct ike_mb mb;
		struct ike_wire wi;

		mb.n = 0;
		/* 2.21.2: tell the responder, which believes it is up; one
		 * shot, no retransmission (its DPD catches a loss). */
		ike_mb_notify(&mb, IKE_N_AUTHENTICATION_FAILED, 0, NULL, 0, NULL,
		    0);
		if (ike_build_sk(eng, sa, IKE_EXCH_INFORMATIONAL, false,
		    sa->msgid_next++, &mb, &wi) == 0) {
			ike_wire_send(eng, sa, &wi);
			ike_wire_free(&wi);
		}
		ike_sa_down(eng, sa, "IKE_AUTH: peer authentication failed");
		return;
	}
	if ((loser = established(eng, sa, false)) != NULL && loser != sa)
		ike_sa_kick(eng, loser);
	psa = ike_rx_find(rx, IKE_PLD_SA);
	ptsi = ike_rx_find(rx, IKE_PLD_TSI);
	ptsr = ike_rx_find(rx, IKE_PLD_TSR);
	if ((e = ike_rx_error(rx)) != 0 || psa == NULL || ptsi == NULL ||
	    ptsr == NULL) {
		ike_log(eng, sa, "IKE_AUTH: no Child SA (notify %u)", e);
		ike_sa_kick(eng, sa);
		return;
	}
	if (ike_prop_check_reply(&tun->esp_prop, &psa->u.sa, IKE_PROTO_ESP,
	    false, &alg) == -1 || !ike_ts_subset(&ptsi->u.ts, &tun->pol_l) ||
	    !ike_ts_subset(&ptsr->u.ts, &tun->pol_r)) {
		ike_log(eng, sa, "IKE_AUTH: unacceptable Child SA, deleting");
		sa->pending |= IKE_PEND_DELETE_IKE;
		ike_sa_kick(eng, sa);
		return;
	}
	c = ike_child_new(sa);
	c->alg = alg;
	c->ts_l = ptsi->u.ts;
	c->ts_r = ptsr->u.ts;
	c->spi_in = sa->auth_spi;
	c->spi_out = spi32(psa->u.sa.prop[0].spi);
	ike_child_install(eng, sa, c, NULL, 0, sa->ni, sa->ni_len, sa->nr,
	    sa->nr_len, true, 0);
	ike_sa_kick(eng, sa);
}
