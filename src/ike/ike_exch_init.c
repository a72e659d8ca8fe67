/*
 * ike_exch_init: the IKE_SA_INIT exchange (RFC 7296 1.2, 2.6 cookies, 1.2 and
 * 2.7 INVALID_KE_PAYLOAD, 2.10 nonces, 2.14 keys, 2.23 NAT detection; RFC 7383
 * 2.3 IKEV2_FRAGMENTATION_SUPPORTED is advertised).  The responder keeps no
 * state and does no D-H before the request passed the cookie check, the
 * proposal selection and the KE group check (reliability.md 3.2, K7).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/util.h"
#include "ike/ike_exch.h"

#define INIT_RETRIES	3	/* COOKIE and INVALID_KE_PAYLOAD round trips */

int
ike_natd_hash(const uint8_t spi_i[8], const uint8_t spi_r[8],
    const struct ike_addr *a, uint8_t out[IKE_NATD_LEN])
{
	uint8_t in[IKE_SPI_LEN * 2 + 16 + 2];
	size_t alen = a->ip.family == PFX_V6 ? 16 : 4;
	unsigned int olen = 0;

	memcpy(in, spi_i, IKE_SPI_LEN);
	memcpy(in + 8, spi_r, IKE_SPI_LEN);
	memcpy(in + 16, a->ip.addr, alen);
	in[16 + alen] = (uint8_t)(a->port >> 8);
	in[17 + alen] = (uint8_t)a->port;
	if (EVP_Digest(in, 18 + alen, out, &olen, EVP_sha1(), NULL) != 1 ||
	    olen != IKE_NATD_LEN)
		return -1;
	return 0;
}

static void
cookie_compute(struct ike_engine *eng, const struct ike_msg *m,
    const struct ike_blob *ni, const struct ike_addr *src, uint8_t out[32])
{
	struct ike_iov iov[3] = { { ni->data, ni->len },
	    { src->ip.addr, src->ip.family == PFX_V6 ? 16 : 4 },
	    { m->hdr.spi_i, IKE_SPI_LEN } };

	if (ike_prf(IKE_PRF_HMAC_SHA2_256, eng->cookie_secret,
	    sizeof(eng->cookie_secret), iov, 3, out) == -1)
		fatalx("ike: cookie HMAC failed");
}

static bool
init_allow(struct ike_engine *eng)
{
	return log_ratelimit_allow(&eng->init_rl,
	    eng->now * (uint64_t)eng->init_tick);
}

/* Send an unprotected error (or COOKIE) reply to an IKE_SA_INIT request. */
static void
init_reply_notify(struct ike_engine *eng, const struct ike_msg *m,
    const struct ike_addr *src, const struct ike_addr *dst, uint16_t type,
    const uint8_t *data, size_t len)
{
	struct ike_mb mb;
	struct ike_hdr h;
	uint8_t *p;
	size_t plen;

	mb.n = 0;
	memset(&h, 0, sizeof(h));
	memcpy(h.spi_i, m->hdr.spi_i, IKE_SPI_LEN);
	h.version = IKE_VERSION_BYTE;
	h.exchange = IKE_EXCH_SA_INIT;
	h.flags = IKE_FLAG_R;
	ike_mb_notify(&mb, type, 0, NULL, 0, data, len);
	if ((p = ike_build_plain(&h, &mb, &plen)) == NULL)
		return;
	ike_out_dgram(eng, dst, src, p, plen);
	free(p);
}

static int
init_build_req(struct ike_engine *eng, struct ike_ikesa *sa)
{
	struct ike_tunnel *tun = sa->tun;
	struct ike_mb mb;
	struct ike_payload *pl;
	struct ike_hdr h;
	uint8_t ke[IKE_DH_PUB_MAX], nsrc[IKE_NATD_LEN], ndst[IKE_NATD_LEN];
	const uint8_t zero[IKE_SPI_LEN] = { 0 };
	uint16_t group = ike_dh_group(sa->dh);
	size_t kelen = ike_dh_pub_len(group), len;
	uint8_t *p;

	mb.n = 0;
	if (ike_dh_pub(sa->dh, ke, kelen) == -1)
		return -1;
	if (sa->cookie_len)
		ike_mb_notify(&mb, IKE_N_COOKIE, 0, NULL, 0, sa->cookie,
		    sa->cookie_len);
	pl = ike_mb_add(&mb, IKE_PLD_SA);
	ike_prop_to_sa(&tun->ike_prop, IKE_PROTO_IKE, true, NULL, 0, &pl->u.sa);
	pl = ike_mb_add(&mb, IKE_PLD_KE);
	pl->u.ke.group = group;
	pl->u.ke.data = ke;
	pl->u.ke.len = kelen;
	pl = ike_mb_add(&mb, IKE_PLD_NONCE);
	pl->u.blob.data = sa->ni;
	pl->u.blob.len = sa->ni_len;
	if (ike_natd_hash(sa->spi_i, zero, &sa->local, nsrc) == -1 ||
	    ike_natd_hash(sa->spi_i, zero, &sa->remote, ndst) == -1)
		return -1;
	ike_mb_notify(&mb, IKE_N_NAT_DETECTION_SOURCE_IP, 0, NULL, 0, nsrc,
	    IKE_NATD_LEN);
	ike_mb_notify(&mb, IKE_N_NAT_DETECTION_DESTINATION_IP, 0, NULL, 0, ndst,
	    IKE_NATD_LEN);
	if (!eng->cfg.frag_disable)
		ike_mb_notify(&mb, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, 0, NULL,
		    0, NULL, 0);
	ike_hdr_for(sa, &h, IKE_EXCH_SA_INIT, false, 0);
	if ((p = ike_build_plain(&h, &mb, &len)) == NULL)
		return -1;
	free(sa->init_req);
	sa->init_req = xmalloc(len);
	memcpy(sa->init_req, p, len);
	sa->init_req_len = len;
	ike_wire_free(&sa->req.out);
	sa->req.kind = IKE_REQ_INIT;
	sa->req.msgid = 0;
	sa->req.out.buf = p;
	sa->req.out.len = len;
	sa->req.out.nparts = 1;
	sa->req.out.part[0] = len;
	sa->req.tries = 0;
	sa->req.next_ms = eng->now + eng->cfg.retrans_base_ms;
	sa->req.deadline_ms = UINT64_MAX;
	sa->msgid_next = 1;
	ike_send_raw(eng, sa, p, len);
	return 0;
}

int
ike_init_start(struct ike_engine *eng, struct ike_tunnel *tun)
{
	struct ike_ikesa *sa = ike_ikesa_new(eng, tun, true, eng->now);

	sa->state = IKE_SA_INIT_I;
	sa->local = tun->cfg.local;
	sa->remote = tun->cfg.remote;
	sa->half_open_ms = eng->now + eng->cfg.half_open_timeout_ms;
	sa->ni_len = eng->cfg.nonce_len;
	ike_rand(eng, sa->ni, sa->ni_len);
	if ((sa->dh = ike_eng_dh_new(eng, tun->ike_prop.a[0].dh)) == NULL ||
	    init_build_req(eng, sa) == -1) {
		ike_log(eng, sa, "cannot build IKE_SA_INIT");
		ike_ikesa_free(eng, sa);
		return -1;
	}
	ike_log(eng, sa, "initiating");
	return 0;
}

static struct ike_tunnel *
tunnel_for(struct ike_engine *eng, const struct ike_addr *src,
    const struct ike_addr *dst)
{
	struct ike_tunnel *t;

	for (t = eng->tunnels; t != NULL; t = t->next)
		if (addr_eq(&t->cfg.local.ip, &dst->ip) &&
		    addr_eq(&t->cfg.remote.ip, &src->ip))
			return t;
	return NULL;
}

/* Half-open SAs in all, or from one address (src != NULL). */
static size_t
half_open(struct ike_engine *eng, const struct ike_addr *src)
{
	struct ike_ikesa *sa;
	size_t n = 0;

	for (sa = eng->sas; sa != NULL; sa = sa->next)
		n += sa->state == IKE_SA_INIT_R &&
		    (src == NULL || addr_eq(&sa->remote.ip, &src->ip));
	return n;
}

/* Compare the peer's NAT_DETECTION hashes with what we see (2.23). */
static bool
nat_detected(const struct ike_rx *rx, const uint8_t spi_i[8],
    const uint8_t spi_r[8], const struct ike_addr *peer,
    const struct ike_addr *us)
{
	uint8_t h[IKE_NATD_LEN];
	bool src_ok = false, dst_ok = true, any = false;
	size_t i;

	for (i = 0; i < rx->n; i++) {
		const struct ike_notify *n = &rx->pl[i].u.notify;

		if (rx->pl[i].type != IKE_PLD_NOTIFY)
			continue;
		if (n->type == IKE_N_NAT_DETECTION_SOURCE_IP &&
		    ike_natd_hash(spi_i, spi_r, peer, h) == 0) {
			any = true;
			src_ok |= n->len == IKE_NATD_LEN &&
			    CRYPTO_memcmp(h, n->data, IKE_NATD_LEN) == 0;
		}
		if (n->type == IKE_N_NAT_DETECTION_DESTINATION_IP &&
		    ike_natd_hash(spi_i, spi_r, us, h) == 0)
			dst_ok = n->len == IKE_NATD_LEN &&
			    CRYPTO_memcmp(h, n->data, IKE_NATD_LEN) == 0;
	}
	return any && (!src_ok || !dst_ok);
}

void
ike_init_recv_req(struct ike_engine *eng, const struct ike_msg *m,
    const struct ike_addr *src, const struct ike_addr *dst)
{
	struct ike_rx *rx;
	struct ike_tunnel *tun;
	struct ike_ikesa *sa;
	const struct ike_payload *psa, *pke, *pni;
	const struct ike_notify *nc;
	struct ike_err err;
	struct ike_alg alg;
	struct ike_mb mb;
	struct ike_payload *pl;
	struct ike_hdr h;
	uint8_t cookie[32], ke[IKE_DH_PUB_MAX], gir[IKE_DH_SECRET_MAX];
	uint8_t nsrc[IKE_NATD_LEN], ndst[IKE_NATD_LEN], grp[2];
	const uint8_t zero[IKE_SPI_LEN] = { 0 };
	uint16_t notify;
	size_t idx, kelen, girlen, len;
	char why[128];
	uint8_t *p;
	int threshold = eng->cfg.cookie_threshold;

	mb.n = 0;
	if (memcmp(m->hdr.spi_r, zero, IKE_SPI_LEN) != 0 || m->hdr.msgid != 0 ||
	    !(m->hdr.flags & IKE_FLAG_I))
		return;
	/* A retransmitted request: the cached response, no new state (2.1). */
	for (sa = eng->sas; sa != NULL; sa = sa->next)
		if (!sa->initiator && sa->init_req != NULL &&
		    memcmp(sa->spi_i, m->hdr.spi_i, IKE_SPI_LEN) == 0 &&
		    addr_eq(&sa->remote.ip, &src->ip)) {
			if (sa->init_req_len == m->rawlen &&
			    memcmp(sa->init_req, m->raw, m->rawlen) == 0 &&
			    sa->init_resp != NULL &&
			    init_allow(eng))
				ike_out_dgram(eng, dst, src, sa->init_resp,
				    sa->init_resp_len);
			return;
		}
	if ((tun = tunnel_for(eng, src, dst)) == NULL) {
		ike_log(eng, NULL, "IKE_SA_INIT from an unknown peer dropped");
		return;
	}
	if (!init_allow(eng)) {
		ike_log(eng, NULL, "IKE_SA_INIT rate limit, dropped");
		return;
	}
	rx = eng->rx;
	if (ike_rx_plain(m, rx, &notify, &err) == -1) {
		ike_log(eng, NULL, "bad IKE_SA_INIT: %s", err.reason);
		if (notify == IKE_N_INVALID_KE_PAYLOAD) {
			grp[0] = (uint8_t)(tun->ike_prop.a[0].dh >> 8);
			grp[1] = (uint8_t)tun->ike_prop.a[0].dh;
			init_reply_notify(eng, m, src, dst, notify, grp, 2);
		} else if (notify != 0)
			init_reply_notify(eng, m, src, dst, notify, NULL, 0);
		return;
	}
	psa = ike_rx_find(rx, IKE_PLD_SA);
	pke = ike_rx_find(rx, IKE_PLD_KE);
	pni = ike_rx_find(rx, IKE_PLD_NONCE);
	if (psa == NULL || pke == NULL || pni == NULL) {
		init_reply_notify(eng, m, src, dst, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	/* 2.6: stateless cookie once too many SAs are half open. */
	if (half_open(eng, NULL) >= (size_t)threshold) {
		cookie_compute(eng, m, &pni->u.blob, src, cookie);
		nc = ike_rx_notify(rx, IKE_N_COOKIE);
		if (nc == NULL || nc->len != sizeof(cookie) ||
		    CRYPTO_memcmp(nc->data, cookie, sizeof(cookie)) != 0) {
			init_reply_notify(eng, m, src, dst, IKE_N_COOKIE, cookie,
			    sizeof(cookie));
			return;
		}
	}
	/* K8 (strongSwan block_threshold): a peer that completes cookies
	 * and stalls holds at most this many half-open SAs. */
	if (half_open(eng, src) >= eng->cfg.block_threshold) {
		ike_log(eng, NULL, "%s: too many half-open SAs, dropped",
		    tun->name);
		return;
	}
	if (ike_prop_select(&tun->ike_prop, &psa->u.sa, IKE_PROTO_IKE, true, &alg,
	    &idx) == -1) {
		ike_log(eng, NULL, "%s: IKE_SA_INIT: no proposal chosen",
		    tun->name);
		init_reply_notify(eng, m, src, dst, IKE_N_NO_PROPOSAL_CHOSEN,
		    NULL, 0);
		return;
	}
	if (pke->u.ke.group != alg.dh) {
		grp[0] = (uint8_t)(alg.dh >> 8);
		grp[1] = (uint8_t)alg.dh;
		init_reply_notify(eng, m, src, dst, IKE_N_INVALID_KE_PAYLOAD, grp,
		    2);
		return;
	}

	sa = ike_ikesa_new(eng, tun, false, eng->now);
	sa->state = IKE_SA_INIT_R;
	memcpy(sa->spi_i, m->hdr.spi_i, IKE_SPI_LEN);
	sa->local = *dst;
	sa->remote = *src;
	sa->alg = alg;
	sa->half_open_ms = eng->now + eng->cfg.half_open_timeout_ms;
	sa->ni_len = pni->u.blob.len;
	memcpy(sa->ni, pni->u.blob.data, sa->ni_len);
	sa->nr_len = eng->cfg.nonce_len;
	ike_rand(eng, sa->nr, sa->nr_len);
	kelen = ike_dh_pub_len(alg.dh);
	girlen = ike_dh_secret_len(alg.dh);
	if ((sa->dh = ike_eng_dh_new(eng, alg.dh)) == NULL ||
	    ike_dh_pub(sa->dh, ke, kelen) == -1 ||
	    ike_dh_derive(sa->dh, pke->u.ke.data, pke->u.ke.len, gir, girlen,
	    why, sizeof(why)) == -1) {
		ike_log(eng, sa, "IKE_SA_INIT: bad KE: %s", why);
		init_reply_notify(eng, m, src, dst, IKE_N_INVALID_SYNTAX, NULL, 0);
		ike_ikesa_free(eng, sa);
		return;
	}
	sa->natt = nat_detected(rx, sa->spi_i, zero, src, dst);
	sa->frag_ok = !eng->cfg.frag_disable &&
	    ike_rx_notify(rx, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
	if (ike_ikesa_derive(sa, NULL, gir, girlen) == -1 ||
	    ike_natd_hash(sa->spi_i, sa->spi_r, dst, nsrc) == -1 ||
	    ike_natd_hash(sa->spi_i, sa->spi_r, src, ndst) == -1) {
		ike_ikesa_free(eng, sa);
		return;
	}
	OPENSSL_cleanse(gir, sizeof(gir));
	ike_dh_free(sa->dh);
	sa->dh = NULL;

	pl = ike_mb_add(&mb, IKE_PLD_SA);
	ike_prop_one(&alg, IKE_PROTO_IKE, psa->u.sa.prop[idx].num, true, NULL, 0,
	    &pl->u.sa);
	pl = ike_mb_add(&mb, IKE_PLD_KE);
	pl->u.ke.group = alg.dh;
	pl->u.ke.data = ke;
	pl->u.ke.len = kelen;
	pl = ike_mb_add(&mb, IKE_PLD_NONCE);
	pl->u.blob.data = sa->nr;
	pl->u.blob.len = sa->nr_len;
	ike_mb_notify(&mb, IKE_N_NAT_DETECTION_SOURCE_IP, 0, NULL, 0, nsrc,
	    IKE_NATD_LEN);
	ike_mb_notify(&mb, IKE_N_NAT_DETECTION_DESTINATION_IP, 0, NULL, 0, ndst,
	    IKE_NATD_LEN);
	if (!eng->cfg.frag_disable)
		ike_mb_notify(&mb, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, 0, NULL,
		    0, NULL, 0);
	ike_hdr_for(sa, &h, IKE_EXCH_SA_INIT, true, 0);
	if ((p = ike_build_plain(&h, &mb, &len)) == NULL) {
		ike_ikesa_free(eng, sa);
		return;
	}
	sa->init_req = xmalloc(m->rawlen);
	memcpy(sa->init_req, m->raw, m->rawlen);
	sa->init_req_len = m->rawlen;
	sa->init_resp = p;
	sa->init_resp_len = len;
	sa->peer_msgid = 1;
	ike_out_dgram(eng, dst, src, p, len);
	{
		char s[96];

		ike_log(eng, sa, "IKE_SA_INIT answered: %s%s",
		    ike_alg_fmt(&alg, IKE_PROTO_IKE, s, sizeof(s)),
		    sa->natt ? ", NAT detected" : "");
	}
	if (sa->natt) {
		sa->local.port = IKE_NATT_PORT;
		sa->remote.port = IKE_NATT_PORT;
	}
}

void
ike_init_recv_resp(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_msg *m)
{
	struct ike_rx *rx;
	const struct ike_notify *n;
	const struct ike_payload *psa, *pke, *pnr;
	struct ike_err err;
	uint8_t gir[IKE_DH_SECRET_MAX];
	uint16_t notify, err_n;
	char why[128];
	size_t girlen;

	if (sa->state != IKE_SA_INIT_I || m->hdr.msgid != 0 ||
	    sa->req.kind != IKE_REQ_INIT)
		return;
	rx = eng->rx;
	if (ike_rx_plain(m, rx, &notify, &err) == -1) {
		/* Unauthenticated: never fatal, the retransmission goes on. */
		ike_log(eng, sa, "bad IKE_SA_INIT response: %s", err.reason);
		return;
	}
	if ((n = ike_rx_notify(rx, IKE_N_COOKIE)) != NULL &&
	    ike_rx_find(rx, IKE_PLD_SA) == NULL) {
		if (sa->init_rounds++ >= INIT_RETRIES || n->len == 0 ||
		    n->len > IKE_COOKIE_MAX)
			return;
		memcpy(sa->cookie, n->data, n->len);
		sa->cookie_len = n->len;
		ike_log(eng, sa, "got a COOKIE, retrying");
		init_build_req(eng, sa);
		return;
	}
	if ((n = ike_rx_notify(rx, IKE_N_INVALID_KE_PAYLOAD)) != NULL) {
		uint16_t g;
		size_t i;
		bool ok = false;

		if (ike_notify_u16(n, &g) == -1)
			return;
		for (i = 0; i < sa->tun->ike_prop.n; i++)
			ok |= sa->tun->ike_prop.a[i].dh == g;
		if (!ok || g == ike_dh_group(sa->dh) ||
		    sa->init_rounds++ >= INIT_RETRIES) {
			ike_log(eng, sa, "INVALID_KE_PAYLOAD for group %u "
			    "ignored", g);
			return;
		}
		ike_log(eng, sa, "peer wants D-H group %u, retrying", g);
		ike_dh_free(sa->dh);
		if ((sa->dh = ike_eng_dh_new(eng, g)) == NULL)
			return;
		init_build_req(eng, sa);
		return;
	}
	if ((err_n = ike_rx_error(rx)) != 0) {
		/* 2.21.1: an unprotected error may be forged; but with no SA
		 * yet there is nothing to protect - give up on this attempt. */
		snprintf(why, sizeof(why), "IKE_SA_INIT refused: notify %u",
		    err_n);
		ike_sa_down(eng, sa, why);
		return;
	}
	psa = ike_rx_find(rx, IKE_PLD_SA);
	pke = ike_rx_find(rx, IKE_PLD_KE);
	pnr = ike_rx_find(rx, IKE_PLD_NONCE);
	if (psa == NULL || pke == NULL || pnr == NULL ||
	    ike_prop_check_reply(&sa->tun->ike_prop, &psa->u.sa, IKE_PROTO_IKE,
	    true, &sa->alg) == -1 || sa->alg.dh != ike_dh_group(sa->dh) ||
	    pke->u.ke.group != sa->alg.dh) {
		ike_log(eng, sa, "unacceptable IKE_SA_INIT response ignored");
		return;
	}
	girlen = ike_dh_secret_len(sa->alg.dh);
	if (ike_dh_derive(sa->dh, pke->u.ke.data, pke->u.ke.len, gir, girlen,
	    why, sizeof(why)) == -1) {
		ike_log(eng, sa, "IKE_SA_INIT response: bad KE: %s", why);
		return;
	}
	memcpy(sa->spi_r, m->hdr.spi_r, IKE_SPI_LEN);
	sa->nr_len = pnr->u.blob.len;
	memcpy(sa->nr, pnr->u.blob.data, sa->nr_len);
	if (ike_ikesa_derive(sa, NULL, gir, girlen) == -1) {
		OPENSSL_cleanse(gir, sizeof(gir));
		ike_sa_down(eng, sa, "key derivation failed");
		return;
	}
	OPENSSL_cleanse(gir, sizeof(gir));
	ike_dh_free(sa->dh);
	sa->dh = NULL;
	sa->natt = nat_detected(rx, sa->spi_i, sa->spi_r, &sa->remote,
	    &sa->local);
	sa->frag_ok = !eng->cfg.frag_disable &&
	    ike_rx_notify(rx, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
	if (sa->natt) {
		sa->local.port = IKE_NATT_PORT;
		sa->remote.port = sa->tun->cfg.natt_port;
	}
	sa->init_resp = xmalloc(m->rawlen);
	memcpy(sa->init_resp, m->raw, m->rawlen);
	sa->init_resp_len = m->rawlen;
	ike_ikesa_req_clear(&sa->req);
	if (ike_auth_send(eng, sa) == -1)
		ike_sa_down(eng, sa, "cannot build IKE_AUTH");
}
