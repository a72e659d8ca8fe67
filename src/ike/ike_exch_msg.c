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
	/* Kept as a cached request / response: not 64 KB a message. */
	return xreallocarray(buf, *lenp ? *lenp : 1, 1);
fail:
	free(buf);
	return NULL;
}

static void
next_iv(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_sk_keys *k, uint8_t *iv)
{
	size_t i;

	if (ike_encr_is_aead(k->encr)) {
		/* RFC 5282: unique, not random - a per-SA counter. */
		uint64_t c = ++sa->gcm_iv;

		for (i = 0; i < 8; i++)
			iv[i] = (uint8_t)(c >> (56 - 8 * i));
	} else
		ike_rand(eng, iv, ike_sk_iv_len(k->encr));
}

/*
 * RFC 7383 2.5: when both ends support fragmentation and the message would
 * exceed frag_size, each fragment is a full IKE message (same header and
 * Message ID) with one SKF payload, sealed on its own; the first inner payload
 * type travels in fragment 1 only.
 */
static int
seal_fragments(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_hdr *h, const struct ike_sk_keys *k, uint8_t first,
    const uint8_t *plain, size_t plen, struct buf_writer *w, struct ike_wire *out)
{
	size_t over = IKE_HDR_LEN + 4 + ike_sk_overhead(k, 0) + 16;
	size_t chunk, total, i, len;
	struct ike_err err;
	struct ike_enc e;
	uint8_t iv[16];

	if (eng->cfg.frag_size <= over + 64)
		return -1;
	chunk = eng->cfg.frag_size - over;
	total = (plen + chunk - 1) / chunk;
	if (total < 2 || total > IKE_FRAG_SEND_MAX)
		return -1;
	for (i = 0; i < total; i++) {
		struct ike_sk_frag f = { (uint16_t)(i + 1), (uint16_t)total };
		size_t off = i * chunk, n = MIN(chunk, plen - off);

		next_iv(eng, sa, k, iv);
		ike_enc_begin(&e, w, h);
		if (ike_sk_seal(&e, k, i == 0 ? first : IKE_PLD_NONE, &f,
		    plain + off, n, iv, &len, &err) != IKE_PARSE_OK) {
			ike_log(eng, sa, "cannot seal fragment: %s", err.reason);
			return -1;
		}
		out->part[out->nparts++] = len;
	}
	return 0;
}

int
ike_build_sk(struct ike_engine *eng, struct ike_ikesa *sa, uint8_t exch,
    bool response, uint32_t msgid, const struct ike_mb *mb,
    struct ike_wire *out)
{
	struct buf_writer w, pw;
	struct ike_enc e, pe;
	struct ike_hdr h;
	struct ike_sk_keys k;
	struct ike_err err;
	uint8_t *buf, *plain;
	uint8_t iv[16];
	size_t plen = 0, i, len;
	uint8_t first = IKE_PLD_NONE;

	if (eng->seal_buf == NULL) {
		eng->seal_buf = xmalloc(IKE_MSG_MAX * 2);
		eng->seal_plain = xmalloc(IKE_MSG_MAX);
	}
	buf = eng->seal_buf;
	plain = eng->seal_plain;
	memset(out, 0, sizeof(*out));
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
	ike_hdr_for(sa, &h, exch, response, msgid);
	buf_writer_init(&w, buf, IKE_MSG_MAX * 2);
	if (sa->frag_ok && eng->cfg.frag_size != 0 && IKE_HDR_LEN + plen +
	    ike_sk_overhead(&k, plen) > eng->cfg.frag_size &&
	    seal_fragments(eng, sa, &h, &k, first, plain, plen, &w, out) == 0)
		goto done;
	out->nparts = 0;
	buf_writer_init(&w, buf, IKE_MSG_MAX * 2);
	next_iv(eng, sa, &k, iv);
	ike_enc_begin(&e, &w, &h);
	if (ike_sk_seal(&e, &k, first, NULL, plain, plen, iv, &len, &err) !=
	    IKE_PARSE_OK) {
		ike_log(eng, sa, "cannot seal: %s", err.reason);
		goto fail;
	}
	out->part[out->nparts++] = len;
done:
	/* Cached for retransmission: a copy of the message's size. */
	out->buf = xmalloc(w.len ? w.len : 1);
	memcpy(out->buf, buf, w.len);
	out->len = w.len;
	/* Only what the encoder wrote holds plaintext. */
	OPENSSL_cleanse(plain, pw.len);
	return 0;
fail:
	OPENSSL_cleanse(plain, pw.len);
	return -1;
}

void
ike_send_raw(struct ike_engine *eng, struct ike_ikesa *sa, const uint8_t *p,
    size_t len)
{
	ike_out_dgram(eng, &sa->local, &sa->remote, p, len);
}

void
ike_wire_send(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_wire *wi)
{
	size_t i, off = 0;

	for (i = 0; i < wi->nparts && off + wi->part[i] <= wi->len; i++) {
		ike_send_raw(eng, sa, wi->buf + off, wi->part[i]);
		off += wi->part[i];
	}
}

void
ike_wire_free(struct ike_wire *wi)
{
	free(wi->buf);
	memset(wi, 0, sizeof(*wi));
}

int
ike_respond(struct ike_engine *eng, struct ike_ikesa *sa, uint8_t exch,
    uint32_t msgid, const struct ike_mb *mb)
{
	struct ike_wire wi;

	if (ike_build_sk(eng, sa, exch, true, msgid, mb, &wi) == -1)
		return -1;
	ike_wire_free(&sa->resp);
	sa->resp = wi;
	sa->have_resp = true;
	ike_wire_send(eng, sa, &sa->resp);
	return 0;
}

int
ike_request(struct ike_engine *eng, struct ike_ikesa *sa, enum ike_req_kind kind,
    uint8_t exch, const struct ike_mb *mb)
{
	struct ike_wire wi;

	if (ike_build_sk(eng, sa, exch, false, sa->msgid_next, mb, &wi) == -1)
		return -1;
	ike_wire_free(&sa->req.out);
	sa->req.kind = kind;
	sa->req.msgid = sa->msgid_next++;
	sa->req.out = wi;
	sa->req.tries = 0;
	sa->req.next_ms = eng->now + eng->cfg.retrans_base_ms;
	sa->req.deadline_ms = UINT64_MAX;
	ike_wire_send(eng, sa, &sa->req.out);
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

/*
 * RFC 7383 2.6: keep a verified, decrypted fragment; 1 while fragments are
 * missing, 0 with the whole inner chain in rx->plain, -1 to drop.  A set with
 * a larger Total Fragments replaces the one being collected (the sender went
 * to a smaller size); duplicates and smaller totals are ignored.
 */
static int
collect_fragment(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_msg *m, struct ike_rx *rx, size_t plen, uint8_t *first)
{
	struct ike_frags *f = &sa->rxf;
	struct ike_skf skf;
	struct ike_err err;
	bool resp = (m->hdr.flags & IKE_FLAG_R) != 0;
	size_t i, off = 0;

	if (ike_skf_parse(&m->pld[m->sk], &skf, &err) != IKE_PARSE_OK)
		return -1;
	if (f->total != 0 && (f->msgid != m->hdr.msgid || f->resp != resp ||
	    skf.total > f->total))
		ike_frags_clear(f);
	if (f->total == 0) {
		f->msgid = m->hdr.msgid;
		f->resp = resp;
		f->total = skf.total;
	}
	if (skf.total != f->total || f->part[skf.num] != NULL)
		return 1;
	if (f->bytes + plen > IKE_MSG_MAX) {
		ike_log(eng, sa, "fragments exceed %d bytes, dropped",
		    IKE_MSG_MAX);
		ike_frags_clear(f);
		return -1;
	}
	f->part[skf.num] = xmalloc(plen ? plen : 1);
	memcpy(f->part[skf.num], rx->plain, plen);
	f->plen[skf.num] = plen;
	f->bytes += plen;
	if (skf.num == 1)
		f->first = m->pld[m->sk].next;
	if (++f->got < f->total)
		return 1;
	for (i = 1; i <= f->total; i++) {
		memcpy(rx->plain + off, f->part[i], f->plen[i]);
		off += f->plen[i];
	}
	rx->plen = off;
	*first = f->first;
	ike_frags_clear(f);
	return 0;
}

int
ike_rx_open(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_msg *m, struct ike_rx *rx)
{
	struct ike_pld_raw raw[IKE_MAX_PAYLOADS];
	struct ike_sk_keys k;
	struct ike_err err;
	size_t plen, n;
	uint8_t first;
	int rc;
	enum ike_parse_result res;

	rx->m = m;
	rx->n = 0;
	rx->bad = 0;
	if (!sa->have_keys || m->sk < 0 || (m->pld[m->sk].type == IKE_PLD_SKF &&
	    !sa->frag_ok)) {
		ike_log(eng, sa, "dropped message without SK payload");
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
	first = m->pld[m->sk].next;
	if (m->pld[m->sk].type == IKE_PLD_SKF &&
	    (rc = collect_fragment(eng, sa, m, rx, plen, &first)) != 0)
		return rc;
	plen = rx->plen;
	if (plen == 0 || first == IKE_PLD_NONE)
		return 0;
	if ((res = ike_chain_parse(first, rx->plain, plen, raw,
	    IKE_MAX_PAYLOADS, &n, &err)) != IKE_PARSE_OK ||
	    (res = decode_all(raw, n, rx, &err)) != IKE_PARSE_OK) {
		/* Authenticated but malformed: answered (2.21.2). */
		ike_log(eng, sa, "bad protected message %u: %s", m->hdr.msgid,
		    err.reason);
		rx->bad = ike_result_notify(res);
		if (rx->bad == 0 || rx->bad == IKE_N_INVALID_KE_PAYLOAD)
			rx->bad = IKE_N_INVALID_SYNTAX;
		rx->bad_pld = err.pld_type;
		return -2;
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

int
ike_notify_u16(const struct ike_notify *n, uint16_t *v)
{
	struct buf_reader r;

	buf_reader_init(&r, n->data, n->len);
	if (buf_get_u16(&r, v) == -1 || buf_left(&r) != 0)
		return -1;
	return 0;
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
