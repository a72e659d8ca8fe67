/*
 * ike_exch_msg: building, sealing, sending and opening engine messages
 * (RFC 7296 3.1, 3.14; 2.1 retransmission and response caching; 2.21.1: a
 * message that fails integrity is dropped without an answer).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/util.h"
#include "ike/ike_exch.h"

struct ike_payload *
ike_mb_add(struct ike_mb *mb, uint8_t type)
{
	struct ike_payload *pl;

	if (mb->n == IKE_MAX_PAYLOADS)
		fatalx("ike: too many payloads in an outgoing message");
	pl = &mb->pl[mb->n++];
	memset(pl, 0, sizeof(*pl));
	pl->type = type;
	return pl;
}

void
ike_mb_notify(struct ike_mb *mb, uint16_t type, uint8_t proto,
    const uint8_t *spi, uint8_t spi_len, const uint8_t *data, size_t len)
{
	struct ike_payload *pl = ike_mb_add(mb, IKE_PLD_NOTIFY);

	pl->u.notify.type = type;
	pl->u.notify.proto = proto;
	pl->u.notify.spi_len = spi_len;
	if (spi_len)
		memcpy(pl->u.notify.spi, spi, spi_len);
	pl->u.notify.data = data;
	pl->u.notify.len = len;
}

void
ike_hdr_for(const struct ike_ikesa *sa, struct ike_hdr *h, uint8_t exch,
    bool response, uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->spi_i, sa->spi_i, IKE_SPI_LEN);
	memcpy(h->spi_r, sa->spi_r, IKE_SPI_LEN);
	h->version = IKE_VERSION_BYTE;
	h->exchange = exch;
	h->flags = (sa->initiator ? IKE_FLAG_I : 0) | (response ? IKE_FLAG_R : 0);
	h->msgid = msgid;
}

uint8_t *
ike_build_plain(const struct ike_hdr *h, const struct ike_mb *mb, size_t *lenp)
{
	struct buf_writer w;
	struct ike_enc e;
	uint8_t *buf = xmalloc(IKE_MSG_MAX);
	size_t i;

	buf_writer_init(&w, buf, IKE_MSG_MAX);
	ike_enc_begin(&e, &w, h);
	for (i = 0; i < mb->n; i++)
		if (ike_payload_encode(&e, &mb->pl[i]) == -1)
			goto fail;
	if (ike_enc_finish(&e, lenp) == -1)
		goto fail;
	return buf;
fail:
	free(buf);
	return NULL;
}

uint8_t *
ike_build_sk(struct ike_engine *eng, struct ike_ikesa *sa, uint8_t exch,
    bool response, uint32_t msgid, const struct ike_mb *mb, size_t *lenp)
{
	struct buf_writer w, pw;
	struct ike_enc e, pe;
	struct ike_hdr h;
	struct ike_sk_keys k;
	struct ike_err err;
	uint8_t *buf = xmalloc(IKE_MSG_MAX), *plain = xmalloc(IKE_MSG_MAX);
	uint8_t iv[16];
	size_t plen = 0, i;
	uint8_t first = IKE_PLD_NONE;

	buf_writer_init(&pw, plain, IKE_MSG_MAX);
	ike_enc_chain_begin(&pe, &pw);
	for (i = 0; i < mb->n; i++)
		if (ike_payload_encode(&pe, &mb->pl[i]) == -1)
			goto fail;
	if (mb->n > 0) {
		if (ike_enc_finish(&pe, &plen) == -1)
			goto fail;
		first = pe.first;
	}
	ike_ikesa_sk_keys(sa, true, &k);
	if (ike_encr_is_aead(k.encr)) {
		/* RFC 5282: unique, not random - a per-SA counter. */
		uint64_t c = ++sa->gcm_iv;

		for (i = 0; i < 8; i++)
			iv[i] = (uint8_t)(c >> (56 - 8 * i));
	} else
		ike_rand(eng, iv, ike_sk_iv_len(k.encr));
	ike_hdr_for(sa, &h, exch, response, msgid);
	buf_writer_init(&w, buf, IKE_MSG_MAX);
	ike_enc_begin(&e, &w, &h);
	if (ike_sk_seal(&e, &k, first, NULL, plain, plen, iv, lenp, &err) !=
	    IKE_PARSE_OK) {
		ike_log(eng, sa, "cannot seal: %s", err.reason);
		goto fail;
	}
	OPENSSL_cleanse(plain, IKE_MSG_MAX);
	free(plain);
	return buf;
fail:
	OPENSSL_cleanse(plain, IKE_MSG_MAX);
	free(plain);
	free(buf);
	return NULL;
}

void
ike_send_raw(struct ike_engine *eng, struct ike_ikesa *sa, const uint8_t *p,
    size_t len)
{
	ike_out_dgram(eng, &sa->local, &sa->remote, p, len);
}

int
ike_respond(struct ike_engine *eng, struct ike_ikesa *sa, uint8_t exch,
    uint32_t msgid, const struct ike_mb *mb)
{
	size_t len;
	uint8_t *p = ike_build_sk(eng, sa, exch, true, msgid, mb, &len);

	if (p == NULL)
		return -1;
	free(sa->resp);
	sa->resp = p;
	sa->resp_len = len;
	sa->have_resp = true;
	ike_send_raw(eng, sa, p, len);
	return 0;
}

int
ike_request(struct ike_engine *eng, struct ike_ikesa *sa, enum ike_req_kind kind,
    uint8_t exch, const struct ike_mb *mb)
{
	size_t len;
	uint8_t *p;

	p = ike_build_sk(eng, sa, exch, false, sa->msgid_next, mb, &len);
	if (p == NULL)
		return -1;
	free(sa->req.msg);
	sa->req.kind = kind;
	sa->req.msgid = sa->msgid_next++;
	sa->req.msg = p;
	sa->req.len = len;
	sa->req.tries = 0;
	sa->req.next_ms = eng->now + eng->cfg.retrans_base_ms;
	sa->req.deadline_ms = UINT64_MAX;
	ike_send_raw(eng, sa, p, len);
	return 0;
}

static enum ike_parse_result
decode_all(const struct ike_pld_raw *raw, size_t n, struct ike_rx *rx,
    struct ike_err *err)
{
	enum ike_parse_result r;
	size_t i;

	rx->n = 0;
	for (i = 0; i < n; i++) {
		if (raw[i].type == IKE_PLD_SK || raw[i].type == IKE_PLD_SKF)
			continue;
		if ((r = ike_payload_parse(&raw[i], &rx->pl[rx->n], err)) !=
		    IKE_PARSE_OK)
			return r;
		rx->body[rx->n] = raw[i].body;
		rx->blen[rx->n] = raw[i].len;
		rx->n++;
	}
	return IKE_PARSE_OK;
}

int
ike_rx_open(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_msg *m, struct ike_rx *rx)
{
	struct ike_pld_raw raw[IKE_MAX_PAYLOADS];
	struct ike_sk_keys k;
	struct ike_err err;
	size_t plen, n;

	rx->m = m;
	if (!sa->have_keys || m->sk < 0 || m->pld[m->sk].type != IKE_PLD_SK) {
		ike_log(eng, sa, "dropped %s message without SK payload",
		    m->sk >= 0 ? "fragmented" : "unprotected");
		return -1;
	}
	ike_ikesa_sk_keys(sa, false, &k);
	if (ike_sk_open(m, &k, rx->plain, sizeof(rx->plain), &plen, &err) !=
	    IKE_PARSE_OK) {
		ike_log(eng, sa, "dropped message %u: %s", m->hdr.msgid,
		    err.reason);
		return -1;
	}
	rx->plen = plen;
	if (plen == 0 || m->pld[m->sk].next == IKE_PLD_NONE) {
		rx->n = 0;
		return 0;
	}
	if (ike_chain_parse(m->pld[m->sk].next, rx->plain, plen, raw,
	    IKE_MAX_PAYLOADS, &n, &err) != IKE_PARSE_OK ||
	    decode_all(raw, n, rx, &err) != IKE_PARSE_OK) {
		/* Authenticated but malformed: 2.21.2 would answer
		 * INVALID_SYNTAX; a request is refused by its exchange. */
		ike_log(eng, sa, "bad protected message %u: %s", m->hdr.msgid,
		    err.reason);
		return -1;
	}
	return 0;
}

int
ike_rx_plain(const struct ike_msg *m, struct ike_rx *rx, uint16_t *notify,
    struct ike_err *err)
{
	enum ike_parse_result r;

	rx->m = m;
	*notify = 0;
	if ((r = decode_all(m->pld, m->npld, rx, err)) != IKE_PARSE_OK) {
		*notify = ike_result_notify(r);
		return -1;
	}
	return 0;
}

const struct ike_payload *
ike_rx_find(const struct ike_rx *rx, uint8_t type)
{
	size_t i;

	for (i = 0; i < rx->n; i++)
		if (rx->pl[i].type == type)
			return &rx->pl[i];
	return NULL;
}

const struct ike_notify *
ike_rx_notify(const struct ike_rx *rx, uint16_t type)
{
	size_t i;

	for (i = 0; i < rx->n; i++)
		if (rx->pl[i].type == IKE_PLD_NOTIFY &&
		    rx->pl[i].u.notify.type == type)
			return &rx->pl[i].u.notify;
	return NULL;
}

uint16_t
ike_rx_error(const struct ike_rx *rx)
{
	size_t i;

	for (i = 0; i < rx->n; i++)
		if (rx->pl[i].type == IKE_PLD_NOTIFY &&
		    rx->pl[i].u.notify.type <= IKE_N_ERROR_MAX)
			return rx->pl[i].u.notify.type;
	return 0;
}
