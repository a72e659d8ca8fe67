/*
 * ike_exch_child: the CREATE_CHILD_SA exchange (RFC 7296 1.3): Child SA rekey
 * (1.3.3, REKEY_SA, optional PFS KE), IKE SA rekey (1.3.2, 2.18: new SPIs,
 * SKEYSEED from the old SK_d, children move over), make-before-break (2.8: the
 * new pair is installed before the old is deleted), simultaneous Child SA
 * rekeys (2.8.1: the SA created with the lowest of the four nonces is closed by
 * its creator) and the one-pair-per-tunnel rule (cloud-semantics.md beh. 27).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/util.h"
#include "esp/esp_xform.h"
#include "ike/ike_exch.h"

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Nonces compared as big-endian numbers, the shorter padded in front. */
static int
nonce_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t n = al > bl ? al : bl, i;

	for (i = 0; i < n; i++) {
		uint8_t x = i + al >= n ? a[i + al - n] : 0;
		uint8_t y = i + bl >= n ? b[i + bl - n] : 0;

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

static void
nonce_min(const uint8_t *a, size_t al, const uint8_t *b, size_t bl,
    uint8_t *out, size_t *ol)
{
	if (nonce_cmp(a, al, b, bl) <= 0) {
		memcpy(out, a, al);
		*ol = al;
	} else {
		memcpy(out, b, bl);
		*ol = bl;
	}
}

int
ike_child_install(struct ike_engine *eng, struct ike_ikesa *sa,
    struct ike_child *c, const uint8_t *gir, size_t girlen, const uint8_t *ni,
    size_t nilen, const uint8_t *nr, size_t nrlen, bool we_initiated,
    uint32_t replaces)
{
	struct ike_tunnel_cfg *cfg = &sa->tun->cfg;
	struct ike_suite s = { .encr = c->alg.encr, .encr_keybits = c->alg.keybits,
	    .integ = c->alg.integ, .prf = sa->alg.prf };
	struct ike_child_keys k;
	struct ike_child_install *ci;
	struct ike_event *ev;
	int xf = ike_alg_esp_xform(&c->alg);
	const uint8_t *ein, *ain, *eout, *aout;

	if (xf < 0 || ike_child_keys(&s, sa->keys.sk_d, sa->keys.prf_len, gir,
	    girlen, ni, nilen, nr, nrlen, &k) == -1 ||
	    k.encr_len + k.integ_len != esp_xform_keymat_len(xf)) {
		ike_log(eng, sa, "cannot derive Child SA keys");
		return -1;
	}
	/* 2.17: encr_i | integ_i is what the exchange initiator sends with. */
	eout = we_initiated ? k.encr_i : k.encr_r;
	aout = we_initiated ? k.integ_i : k.integ_r;
	ein = we_initiated ? k.encr_r : k.encr_i;
	ain = we_initiated ? k.integ_r : k.integ_i;
	ev = ike_out_event(eng, IKE_EV_CHILD_SA_INSTALL, cfg->id);
	ci = &ev->child;
	ci->spi_in = c->spi_in;
	ci->spi_out = c->spi_out;
	ci->esp_xform = xf;
	ci->encr = c->alg.encr;
	ci->keybits = c->alg.keybits;
	ci->integ = c->alg.integ;
	memcpy(ci->keymat_in, ein, k.encr_len);
	memcpy(ci->keymat_in + k.encr_len, ain, k.integ_len);
	memcpy(ci->keymat_out, eout, k.encr_len);
	memcpy(ci->keymat_out + k.encr_len, aout, k.integ_len);
	ci->keymat_len = k.encr_len + k.integ_len;
	ike_child_keys_wipe(&k);
	if (ike_ts_to_prefixes(&c->ts_l, ci->ts_local, IKE_TS_CFG_MAX,
	    &ci->n_local) == -1 || ike_ts_to_prefixes(&c->ts_r, ci->ts_remote,
	    IKE_TS_CFG_MAX, &ci->n_remote) == -1)
		ike_log(eng, sa, "selectors do not fit %d prefixes",
		    IKE_TS_CFG_MAX);
	ci->esn = c->alg.esn;
	ci->natt = sa->natt;
	ci->replaces_spi_in = replaces;
	ci->defer_out = !we_initiated && replaces != 0;
	c->created_ms = eng->now;
	c->rekey_ms = ike_rekey_time(eng, eng->now, cfg->child_lifetime_s,
	    cfg->rekey_margin_s, cfg->rekey_fuzz_pct);
	c->expire_ms = eng->now + (uint64_t)cfg->child_lifetime_s * 1000;
	ci->soft_s = (c->rekey_ms - eng->now) / 1000;
	ci->hard_s = cfg->child_lifetime_s;
	ike_log(eng, sa, "Child SA installed in 0x%08x out 0x%08x%s", c->spi_in,
	    c->spi_out, replaces ? " (rekey)" : "");
	return 0;
}

void
ike_child_delete_event(struct ike_engine *eng, struct ike_ikesa *sa,
    struct ike_child *c)
{
	struct ike_event *ev = ike_out_event(eng, IKE_EV_CHILD_SA_DELETE,
	    sa->tun->cfg.id);

	ev->spi_in = c->spi_in;
	ev->spi_out = c->spi_out;
	ike_log(eng, sa, "Child SA deleted in 0x%08x out 0x%08x", c->spi_in,
	    c->spi_out);
}

static int
child_req(struct ike_engine *eng, struct ike_ikesa *sa, struct ike_child *c,
    uint16_t group)
{
	struct ike_tunnel *tun = sa->tun;
	struct ike_mb mb;
	struct ike_payload *pl;
	uint8_t spi[4], old[4], ke[IKE_DH_PUB_MAX];

	mb.n = 0;
	ike_dh_free(sa->req.dh);
	sa->req.dh = NULL;
	if (group != IKE_DH_NONE &&
	    (sa->req.dh = ike_eng_dh_new(eng, group)) == NULL)
		return -1;
	put32(spi, sa->req.new_spi);
	if (c != NULL) {
		put32(old, c->spi_in);
		ike_mb_notify(&mb, IKE_N_REKEY_SA, IKE_PROTO_ESP, old, 4, NULL,
		    0);
	}
	pl = ike_mb_add(&mb, IKE_PLD_SA);
	ike_prop_to_sa(&tun->esp_prop, IKE_PROTO_ESP, true, spi, 4, &pl->u.sa);
	pl = ike_mb_add(&mb, IKE_PLD_NONCE);
	pl->u.blob.data = sa->req.nonce;
	pl->u.blob.len = sa->req.nonce_len;
	if (sa->req.dh != NULL) {
		pl = ike_mb_add(&mb, IKE_PLD_KE);
		pl->u.ke.group = group;
		pl->u.ke.data = ke;
		pl->u.ke.len = ike_dh_pub_len(group);
		if (ike_dh_pub(sa->req.dh, ke, pl->u.ke.len) == -1)
			return -1;
	}
	pl = ike_mb_add(&mb, IKE_PLD_TSI);
	pl->u.ts = c != NULL ? c->ts_l : tun->pol_l;
	pl = ike_mb_add(&mb, IKE_PLD_TSR);
	pl->u.ts = c != NULL ? c->ts_r : tun->pol_r;
	return ike_request(eng, sa, c != NULL ? IKE_REQ_REKEY_CHILD :
	    IKE_REQ_CREATE_CHILD, IKE_EXCH_CREATE_CHILD_SA, &mb);
}

int
ike_child_create_start(struct ike_engine *eng, struct ike_ikesa *sa)
{
	ike_ikesa_req_clear(&sa->req);
	sa->req.new_spi = ike_rand_spi(eng);
	sa->req.nonce_len = eng->cfg.nonce_len;
	ike_rand(eng, sa->req.nonce, sa->req.nonce_len);
	if (child_req(eng, sa, NULL, sa->tun->esp_prop.a[0].dh) == -1) {
		ike_ikesa_req_clear(&sa->req);
		return -1;
	}
	ike_log(eng, sa, "creating a Child SA (attempt %u)",
	    sa->create_fails + 1);
	return 0;
}

int
ike_child_rekey_start(struct ike_engine *eng, struct ike_ikesa *sa,
    struct ike_child *c)
{
	ike_ikesa_req_clear(&sa->req);
	sa->req.child = c;
	sa->req.new_spi = ike_rand_spi(eng);
	sa->req.nonce_len = eng->cfg.nonce_len;
	ike_rand(eng, sa->req.nonce, sa->req.nonce_len);
	if (child_req(eng, sa, c, sa->tun->esp_prop.a[0].dh) == -1) {
		ike_ikesa_req_clear(&sa->req);
		return -1;
	}
	c->state = IKE_CHILD_REKEYING;
	ike_log(eng, sa, "rekeying Child SA 0x%08x", c->spi_in);
	return 0;
}

int
ike_ike_rekey_start(struct ike_engine *eng, struct ike_ikesa *sa)
{
	struct ike_mb mb;
	struct ike_payload *pl;
	uint8_t ke[IKE_DH_PUB_MAX];
	uint16_t group = sa->alg.dh;
	const uint8_t zero[IKE_SPI_LEN] = { 0 };

	mb.n = 0;
	ike_ikesa_req_clear(&sa->req);
	do {
		ike_rand(eng, sa->req.new_ike_spi, IKE_SPI_LEN);
	} while (memcmp(sa->req.new_ike_spi, zero, IKE_SPI_LEN) == 0);
	sa->req.nonce_len = eng->cfg.nonce_len;
	ike_rand(eng, sa->req.nonce, sa->req.nonce_len);
	if ((sa->req.dh = ike_eng_dh_new(eng, group)) == NULL ||
	    ike_dh_pub(sa->req.dh, ke, ike_dh_pub_len(group)) == -1)
		goto fail;
	pl = ike_mb_add(&mb, IKE_PLD_SA);
	ike_prop_to_sa(&sa->tun->ike_prop, IKE_PROTO_IKE, true,
	    sa->req.new_ike_spi, IKE_SPI_LEN, &pl->u.sa);
	pl = ike_mb_add(&mb, IKE_PLD_NONCE);
	pl->u.blob.data = sa->req.nonce;
	pl->u.blob.len = sa->req.nonce_len;
	pl = ike_mb_add(&mb, IKE_PLD_KE);
	pl->u.ke.group = group;
	pl->u.ke.data = ke;
	pl->u.ke.len = ike_dh_pub_len(group);
	if (ike_request(eng, sa, IKE_REQ_REKEY_IKE, IKE_EXCH_CREATE_CHILD_SA,
	    &mb) == -1)
		goto fail;
	ike_log(eng, sa, "rekeying the IKE SA");
	return 0;
fail:
	ike_ikesa_req_clear(&sa->req);
	return -1;
}

/* Responder side of the D-H: our public value and g^ir for the peer's KE. */
static int
resp_dh(struct ike_engine *eng, const struct ike_payload *pke, uint16_t group,
    uint8_t *ke, uint8_t *gir, size_t *girlen)
{
	struct ike_dh *dh;
	char why[128];
	int rc = -1;

	if (pke == NULL || pke->u.ke.group != group ||
	    (dh = ike_eng_dh_new(eng, group)) == NULL)
		return -1;
	*girlen = ike_dh_secret_len(group);
	if (ike_dh_pub(dh, ke, ike_dh_pub_len(group)) == 0 &&
	    ike_dh_derive(dh, pke->u.ke.data, pke->u.ke.len, gir, *girlen, why,
	    sizeof(why)) == 0)
		rc = 0;
	ike_dh_free(dh);
	return rc;
}

static void
respond_error(struct ike_engine *eng, struct ike_ikesa *sa, uint32_t msgid,
    uint16_t type, const uint8_t *data, size_t len)
{
	struct ike_mb mb;

	mb.n = 0;
	ike_mb_notify(&mb, type, 0, NULL, 0, data, len);
	ike_respond(eng, sa, IKE_EXCH_CREATE_CHILD_SA, msgid, &mb);
}

static void
ike_rekey_recv_req(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_rx *rx, const struct ike_payload *psa)
{
	const struct ike_payload *pke = ike_rx_find(rx, IKE_PLD_KE);
	const struct ike_payload *pni = ike_rx_find(rx, IKE_PLD_NONCE);
	uint32_t msgid = rx->m->hdr.msgid;
	struct ike_ikesa *nsa;
	struct ike_alg alg;
	struct ike_mb mb;
	struct ike_payload *pl;
	uint8_t ke[IKE_DH_PUB_MAX], gir[IKE_DH_SECRET_MAX], grp[2];
	size_t idx, girlen;
	struct ike_event *ev;

	mb.n = 0;
	if ((sa->req.kind != IKE_REQ_NONE && sa->req.kind != IKE_REQ_DPD) ||
	    sa->state != IKE_SA_ESTABLISHED) {
		/* Simultaneous IKE SA rekey, or one of our exchanges on the
		 * children is in flight: the peer retries later (2.25
		 * TEMPORARY_FAILURE), both sides at random times. */
		respond_error(eng, sa, msgid, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (pni == NULL || ike_prop_select(&sa->tun->ike_prop, &psa->u.sa,
	    IKE_PROTO_IKE, true, &alg, &idx) == -1 ||
	    psa->u.sa.prop[idx].spi_len != IKE_SPI_LEN) {
		respond_error(eng, sa, msgid, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (pke == NULL || pke->u.ke.group != alg.dh) {
		grp[0] = (uint8_t)(alg.dh >> 8);
		grp[1] = (uint8_t)alg.dh;
		respond_error(eng, sa, msgid, IKE_N_INVALID_KE_PAYLOAD, grp, 2);
		return;
	}
	if (resp_dh(eng, pke, alg.dh, ke, gir, &girlen) == -1) {
		respond_error(eng, sa, msgid, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	/* 2.18: the rekey initiator is the new SA's original initiator. */
	nsa = ike_ikesa_new(eng, sa->tun, false, eng->now);
	memcpy(nsa->spi_i, psa->u.sa.prop[idx].spi, IKE_SPI_LEN);
	nsa->alg = alg;
	nsa->local = sa->local;
	nsa->remote = sa->remote;
	nsa->natt = sa->natt;
	nsa->ni_len = pni->u.blob.len;
	memcpy(nsa->ni, pni->u.blob.data, nsa->ni_len);
	nsa->nr_len = eng->cfg.nonce_len;
	ike_rand(eng, nsa->nr, nsa->nr_len);
	if (ike_ikesa_derive(nsa, sa, gir, girlen) == -1) {
		OPENSSL_cleanse(gir, sizeof(gir));
		ike_ikesa_free(eng, nsa);
		respond_error(eng, sa, msgid, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	OPENSSL_cleanse(gir, sizeof(gir));
	pl = ike_mb_add(&mb, IKE_PLD_SA);
	ike_prop_one(&alg, IKE_PROTO_IKE, psa->u.sa.prop[idx].num, true,
	    nsa->spi_r, IKE_SPI_LEN, &pl->u.sa);
	pl = ike_mb_add(&mb, IKE_PLD_NONCE);
	pl->u.blob.data = nsa->nr;
	pl->u.blob.len = nsa->nr_len;
	pl = ike_mb_add(&mb, IKE_PLD_KE);
	pl->u.ke.group = alg.dh;
	pl->u.ke.data = ke;
	pl->u.ke.len = ike_dh_pub_len(alg.dh);
	ike_respond(eng, sa, IKE_EXCH_CREATE_CHILD_SA, msgid, &mb);

	nsa->state = IKE_SA_ESTABLISHED;
	nsa->rekey_ms = ike_rekey_time(eng, eng->now, sa->tun->cfg.ike_lifetime_s,
	    sa->tun->cfg.rekey_margin_s, sa->tun->cfg.rekey_fuzz_pct);
	nsa->children = sa->children;
	sa->children = NULL;
	nsa->pending = sa->pending & ~IKE_PEND_DELETE_IKE;
	sa->pending = 0;
	sa->state = IKE_SA_REKEYED;
	sa->half_open_ms = eng->now + eng->cfg.half_open_timeout_ms;
	ev = ike_out_event(eng, IKE_EV_IKE_SA_REKEYED, sa->tun->cfg.id);
	snprintf(ev->text, sizeof(ev->text), "responder");
	ike_log(eng, nsa, "IKE SA rekeyed (responder)");
}

static void
ike_rekey_recv_resp(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_rx *rx)
{
	const struct ike_payload *psa = ike_rx_find(rx, IKE_PLD_SA);
	const struct ike_payload *pke = ike_rx_find(rx, IKE_PLD_KE);
	const struct ike_payload *pnr = ike_rx_find(rx, IKE_PLD_NONCE);
	struct ike_ikesa *nsa;
	struct ike_alg alg;
	uint8_t gir[IKE_DH_SECRET_MAX];
	size_t girlen;
	char why[128];
	struct ike_event *ev;

	if (ike_rx_error(rx) != 0 || psa == NULL || pke == NULL || pnr == NULL ||
	    ike_prop_check_reply(&sa->tun->ike_prop, &psa->u.sa, IKE_PROTO_IKE,
	    true, &alg) == -1 || psa->u.sa.prop[0].spi_len != IKE_SPI_LEN ||
	    alg.dh != ike_dh_group(sa->req.dh) || pke->u.ke.group != alg.dh) {
		ike_log(eng, sa, "IKE SA rekey failed (notify %u), retrying "
		    "later", ike_rx_error(rx));
		ike_ikesa_req_clear(&sa->req);
		sa->rekey_ms = ike_retry_time(eng);
		return;
	}
	girlen = ike_dh_secret_len(alg.dh);
	if (ike_dh_derive(sa->req.dh, pke->u.ke.data, pke->u.ke.len, gir, girlen,
	    why, sizeof(why)) == -1) {
		ike_log(eng, sa, "IKE SA rekey: %s", why);
		ike_ikesa_req_clear(&sa->req);
		sa->rekey_ms = ike_retry_time(eng);
		return;
	}
	nsa = ike_ikesa_new(eng, sa->tun, true, eng->now);
	memcpy(nsa->spi_i, sa->req.new_ike_spi, IKE_SPI_LEN);
	memcpy(nsa->spi_r, psa->u.sa.prop[0].spi, IKE_SPI_LEN);
	nsa->alg = alg;
	nsa->local = sa->local;
	nsa->remote = sa->remote;
	nsa->natt = sa->natt;
	nsa->ni_len = sa->req.nonce_len;
	memcpy(nsa->ni, sa->req.nonce, nsa->ni_len);
	nsa->nr_len = pnr->u.blob.len;
	memcpy(nsa->nr, pnr->u.blob.data, nsa->nr_len);
	if (ike_ikesa_derive(nsa, sa, gir, girlen) == -1) {
		OPENSSL_cleanse(gir, sizeof(gir));
		ike_ikesa_free(eng, nsa);
		ike_ikesa_req_clear(&sa->req);
		return;
	}
	OPENSSL_cleanse(gir, sizeof(gir));
	ike_ikesa_req_clear(&sa->req);
	nsa->state = IKE_SA_ESTABLISHED;
	nsa->rekey_ms = ike_rekey_time(eng, eng->now, sa->tun->cfg.ike_lifetime_s,
	    sa->tun->cfg.rekey_margin_s, sa->tun->cfg.rekey_fuzz_pct);
	nsa->children = sa->children;
	sa->children = NULL;
	nsa->pending = sa->pending & ~IKE_PEND_DELETE_IKE;
	sa->pending = 0;
	ev = ike_out_event(eng, IKE_EV_IKE_SA_REKEYED, sa->tun->cfg.id);
	snprintf(ev->text, sizeof(ev->text), "initiator");
	ike_log(eng, nsa, "IKE SA rekeyed (initiator)");
	/* Make-before-break: the old SA goes once the new one carries all. */
	sa->state = IKE_SA_REKEYED;
	if (ike_info_delete_ike(eng, sa) == -1)
		sa->state = IKE_SA_DEAD;
	ike_sa_kick(eng, nsa);
}

static void
child_recv_req(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_rx *rx, const struct ike_payload *psa)
{
	struct ike_tunnel *tun = sa->tun;
	const struct ike_payload *pke = ike_rx_find(rx, IKE_PLD_KE);
	const struct ike_payload *pni = ike_rx_find(rx, IKE_PLD_NONCE);
	const struct ike_payload *ptsi = ike_rx_find(rx, IKE_PLD_TSI);
	const struct ike_payload *ptsr = ike_rx_find(rx, IKE_PLD_TSR);
	const struct ike_notify *rk = ike_rx_notify(rx, IKE_N_REKEY_SA);
	uint32_t msgid = rx->m->hdr.msgid;
	struct ike_child *old = NULL, *c;
	struct ike_alg alg;
	struct ike_ts nl, nr;
	struct ike_mb mb;
	struct ike_payload *pl;
	uint8_t ke[IKE_DH_PUB_MAX], gir[IKE_DH_SECRET_MAX], grp[2], spi[4];
	size_t idx, girlen = 0;

	mb.n = 0;
	if (pni == NULL || ptsi == NULL || ptsr == NULL) {
		respond_error(eng, sa, msgid, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (rk != NULL) {
		/* 2.25: a child we do not have; 2.25.1: one we are closing
		 * (or that was replaced and is about to be). */
		old = rk->spi_len == 4 ? ike_child_by_spi_out(sa,
		    get32(rk->spi)) : NULL;
		if (old == NULL) {
			/* The SPI of the REKEY_SA goes back (2.25). */
			ike_mb_notify(&mb, IKE_N_CHILD_SA_NOT_FOUND,
			    IKE_PROTO_ESP, rk->spi, rk->spi_len, NULL, 0);
			ike_respond(eng, sa, IKE_EXCH_CREATE_CHILD_SA, msgid,
			    &mb);
			return;
		}
		if (old->state == IKE_CHILD_DELETING ||
		    old->state == IKE_CHILD_REKEYED) {
			respond_error(eng, sa, msgid, IKE_N_TEMPORARY_FAILURE,
			    NULL, 0);
			return;
		}
	} else if (!tun->cfg.multi_child && sa->children != NULL) {
		/* Behaviour 27: one Child SA pair per tunnel. */
		ike_log(eng, sa, "second Child SA refused: one pair per tunnel");
		respond_error(eng, sa, msgid, IKE_N_TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	if (ike_prop_select(&tun->esp_prop, &psa->u.sa, IKE_PROTO_ESP, true,
	    &alg, &idx) == -1) {
		respond_error(eng, sa, msgid, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (alg.dh != IKE_DH_NONE && (pke == NULL || pke->u.ke.group != alg.dh)) {
		grp[0] = (uint8_t)(alg.dh >> 8);
		grp[1] = (uint8_t)alg.dh;
		respond_error(eng, sa, msgid, IKE_N_INVALID_KE_PAYLOAD, grp, 2);
		return;
	}
	if (ike_ts_narrow(&ptsi->u.ts, &tun->pol_r, &nr) == -1 ||
	    ike_ts_narrow(&ptsr->u.ts, &tun->pol_l, &nl) == -1) {
		respond_error(eng, sa, msgid, IKE_N_TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	if (alg.dh != IKE_DH_NONE && resp_dh(eng, pke, alg.dh, ke, gir, &girlen) == -1) {
		respond_error(eng, sa, msgid, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	c = ike_child_new(sa);
	c->alg = alg;
	c->ts_l = nl;
	c->ts_r = nr;
	c->spi_in = ike_rand_spi(eng);
	c->spi_out = get32(psa->u.sa.prop[idx].spi);
	put32(spi, c->spi_in);
	{
		uint8_t nonce[IKE_NONCE_MAX];
		size_t nlen = eng->cfg.nonce_len;

		ike_rand(eng, nonce, nlen);
		pl = ike_mb_add(&mb, IKE_PLD_SA);
		ike_prop_one(&alg, IKE_PROTO_ESP, psa->u.sa.prop[idx].num, true,
		    spi, 4, &pl->u.sa);
		pl = ike_mb_add(&mb, IKE_PLD_NONCE);
		pl->u.blob.data = nonce;
		pl->u.blob.len = nlen;
		if (alg.dh != IKE_DH_NONE) {
			pl = ike_mb_add(&mb, IKE_PLD_KE);
			pl->u.ke.group = alg.dh;
			pl->u.ke.data = ke;
			pl->u.ke.len = ike_dh_pub_len(alg.dh);
		}
		pl = ike_mb_add(&mb, IKE_PLD_TSI);
		pl->u.ts = nr;
		pl = ike_mb_add(&mb, IKE_PLD_TSR);
		pl->u.ts = nl;
		if (ike_respond(eng, sa, IKE_EXCH_CREATE_CHILD_SA, msgid,
		    &mb) == -1 ||
		    ike_child_install(eng, sa, c, girlen ? gir : NULL, girlen,
		    pni->u.blob.data, pni->u.blob.len, nonce, nlen, false,
		    old ? old->spi_in : 0) == -1) {
			OPENSSL_cleanse(gir, sizeof(gir));
			ike_child_free(sa, c);
			return;
		}
		OPENSSL_cleanse(gir, sizeof(gir));
		if (old != NULL && old->state == IKE_CHILD_REKEYING &&
		    sa->req.kind == IKE_REQ_REKEY_CHILD && sa->req.child == old) {
			/* 2.8.1: both rekeyed the same SA; decided when our
			 * own response arrives. */
			sa->req.coll_child = c;
			nonce_min(pni->u.blob.data, pni->u.blob.len, nonce, nlen,
			    sa->req.coll_min, &sa->req.coll_min_len);
			ike_log(eng, sa, "simultaneous rekey of 0x%08x",
			    old->spi_in);
		} else if (old != NULL)
			old->state = IKE_CHILD_REKEYED;
	}
}

void
ike_ccs_recv_req(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_rx *rx)
{
	const struct ike_payload *psa = ike_rx_find(rx, IKE_PLD_SA);

	if (sa->state != IKE_SA_ESTABLISHED) {
		respond_error(eng, sa, rx->m->hdr.msgid, IKE_N_TEMPORARY_FAILURE,
		    NULL, 0);
		return;
	}
	if (psa == NULL || psa->u.sa.nprop == 0) {
		respond_error(eng, sa, rx->m->hdr.msgid, IKE_N_INVALID_SYNTAX,
		    NULL, 0);
		return;
	}
	if (psa->u.sa.prop[0].proto == IKE_PROTO_IKE)
		ike_rekey_recv_req(eng, sa, rx, psa);
	else
		child_recv_req(eng, sa, rx, psa);
}

static void
child_rekey_failed(struct ike_engine *eng, struct ike_ikesa *sa,
    struct ike_child *old, uint16_t e)
{
	ike_log(eng, sa, "Child SA %s failed (notify %u)",
	    sa->req.kind == IKE_REQ_CREATE_CHILD ? "creation" : "rekey", e);
	if (sa->req.kind == IKE_REQ_CREATE_CHILD) {
		/* Back off: 10-20 s, doubling up to ~10 min. */
		unsigned f = sa->create_fails < 6 ? sa->create_fails : 6;

		sa->create_fails++;
		sa->create_ms = ike_retry_time(eng) + (10000ULL << f) - 10000;
	}
	if (old != NULL && old->state == IKE_CHILD_REKEYING) {
		if (e == IKE_N_CHILD_SA_NOT_FOUND) {
			/* 2.25: the peer has no such SA - drop ours quietly. */
			ike_child_delete_event(eng, sa, old);
			ike_child_free(sa, old);
		} else if (sa->req.coll_child != NULL)
			/* The peer rekeyed it too and will delete it. */
			old->state = IKE_CHILD_REKEYED;
		else {
			/* 2.25: not at once after TEMPORARY_FAILURE. */
			old->state = IKE_CHILD_ACTIVE;
			old->rekey_ms = ike_retry_time(eng);
		}
	}
	ike_ikesa_req_clear(&sa->req);
}

static void
child_rekey_resp(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_rx *rx)
{
	const struct ike_payload *psa = ike_rx_find(rx, IKE_PLD_SA);
	const struct ike_payload *pke = ike_rx_find(rx, IKE_PLD_KE);
	const struct ike_payload *pnr = ike_rx_find(rx, IKE_PLD_NONCE);
	const struct ike_payload *ptsi = ike_rx_find(rx, IKE_PLD_TSI);
	const struct ike_payload *ptsr = ike_rx_find(rx, IKE_PLD_TSR);
	const struct ike_notify *ike_n = ike_rx_notify(rx,
	    IKE_N_INVALID_KE_PAYLOAD);
	struct ike_child *old = sa->req.child, *c, *coll;
	struct ike_alg alg;
	uint8_t gir[IKE_DH_SECRET_MAX], mine[IKE_NONCE_MAX];
	size_t girlen = 0, mlen;
	uint16_t e = ike_rx_error(rx);
	char why[128];

	if (ike_n != NULL && (old != NULL ||
	    sa->req.kind == IKE_REQ_CREATE_CHILD) &&
	    sa->req.coll_child == NULL && !sa->req.ke_retried) {
		uint16_t g = 0;
		size_t i;
		bool ok = false;

		if (ike_notify_u16(ike_n, &g) == 0)
			for (i = 0; i < sa->tun->esp_prop.n; i++)
				ok |= sa->tun->esp_prop.a[i].dh == g;
		if (ok && g != ike_dh_group(sa->req.dh) &&
		    child_req(eng, sa, old, g) == 0) {
			sa->req.ke_retried = true;	/* once */
			return;
		}
	}
	if (e != 0 || psa == NULL || pnr == NULL || ptsi == NULL ||
	    ptsr == NULL || ike_prop_check_reply(&sa->tun->esp_prop, &psa->u.sa,
	    IKE_PROTO_ESP, true, &alg) == -1 ||
	    !ike_ts_subset(&ptsi->u.ts, &sa->tun->pol_l) ||
	    !ike_ts_subset(&ptsr->u.ts, &sa->tun->pol_r)) {
		child_rekey_failed(eng, sa, old, e);
		return;
	}
	if (alg.dh != IKE_DH_NONE) {
		girlen = ike_dh_secret_len(alg.dh);
		if (sa->req.dh == NULL || ike_dh_group(sa->req.dh) != alg.dh ||
		    pke == NULL || pke->u.ke.group != alg.dh ||
		    ike_dh_derive(sa->req.dh, pke->u.ke.data, pke->u.ke.len, gir,
		    girlen, why, sizeof(why)) == -1) {
			child_rekey_failed(eng, sa, old, IKE_N_INVALID_SYNTAX);
			return;
		}
	}
	c = ike_child_new(sa);
	c->alg = alg;
	c->ts_l = ptsi->u.ts;
	c->ts_r = ptsr->u.ts;
	c->spi_in = sa->req.new_spi;
	c->spi_out = get32(psa->u.sa.prop[0].spi);
	if (ike_child_install(eng, sa, c, girlen ? gir : NULL, girlen,
	    sa->req.nonce, sa->req.nonce_len, pnr->u.blob.data, pnr->u.blob.len,
	    true, old ? old->spi_in : 0) == -1) {
		OPENSSL_cleanse(gir, sizeof(gir));
		ike_child_free(sa, c);
		child_rekey_failed(eng, sa, old, 0);
		return;
	}
	OPENSSL_cleanse(gir, sizeof(gir));
	sa->create_fails = 0;
	sa->create_ms = UINT64_MAX;
	coll = sa->req.coll_child;
	nonce_min(sa->req.nonce, sa->req.nonce_len, pnr->u.blob.data,
	    pnr->u.blob.len, mine, &mlen);
	if (coll != NULL && nonce_cmp(mine, mlen, sa->req.coll_min,
	    sa->req.coll_min_len) < 0) {
		/* 2.8.1: ours holds the lowest nonce: redundant, we close it;
		 * the peer closes the old one. */
		ike_log(eng, sa, "simultaneous rekey: ours (0x%08x) is redundant",
		    c->spi_in);
		c->state = IKE_CHILD_DELETING;
		if (old != NULL)
			old->state = IKE_CHILD_REKEYED;
	} else if (old != NULL) {
		if (coll != NULL)
			ike_log(eng, sa, "simultaneous rekey: the peer's "
			    "(0x%08x) is redundant", coll->spi_in);
		old->state = IKE_CHILD_DELETING;
	}
	ike_ikesa_req_clear(&sa->req);
	ike_sa_kick(eng, sa);
}

void
ike_ccs_recv_resp(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_rx *rx)
{
	if (sa->req.kind == IKE_REQ_REKEY_CHILD ||
	    sa->req.kind == IKE_REQ_CREATE_CHILD)
		child_rekey_resp(eng, sa, rx);
	else if (sa->req.kind == IKE_REQ_REKEY_IKE)
		ike_rekey_recv_resp(eng, sa, rx);
	ike_sa_kick(eng, sa);
}
