/*
 * ike_msg: IKEv2 header and generic payload chain (RFC 7296 3.1, 3.2), the
 * per-type dispatch to the payload codecs (ike_pld_*.c), and the bounded encoder.
 *
 * Rules enforced here (reliability.md 2.3, classes 1 and 4):
 *  - the header length must equal the datagram length (we neither read trailing
 *    bytes nor accept a short datagram: the caller strips any NAT-T marker first);
 *  - every generic payload length is >= 4 and inside what is left of the message;
 *  - an unknown payload with the critical bit set stops the parse with
 *    IKE_PARSE_UNSUPPORTED_CRITICAL_PAYLOAD naming the type (3.2), one without it is
 *    skipped;
 *  - SK (and SKF) must be the last payload (3.14, RFC 7383 2.5);
 *  - at most IKE_MAX_PAYLOADS payloads are recorded, more is IKE_PARSE_LIMIT.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ike/ike_msg.h"

enum ike_parse_result
ike_err_set(struct ike_err *err, enum ike_parse_result res, uint8_t pld,
    const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		err->res = res;
		err->pld_type = pld;
		va_start(ap, fmt);
		vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
		va_end(ap);
	}
	return res;
}

const char *
ike_result_name(enum ike_parse_result r)
{
	switch (r) {
	case IKE_PARSE_OK:				return "ok";
	case IKE_PARSE_INVALID_SYNTAX:			return "INVALID_SYNTAX";
	case IKE_PARSE_INVALID_MAJOR_VERSION:		return "INVALID_MAJOR_VERSION";
	case IKE_PARSE_UNSUPPORTED_CRITICAL_PAYLOAD:	return "UNSUPPORTED_CRITICAL_PAYLOAD";
	case IKE_PARSE_INVALID_KE_PAYLOAD:		return "INVALID_KE_PAYLOAD";
	case IKE_PARSE_LIMIT:				return "LIMIT";
	case IKE_PARSE_INTEGRITY:			return "INTEGRITY";
	case IKE_PARSE_CRYPTO:				return "CRYPTO";
	case IKE_PARSE_NOSPACE:				return "NOSPACE";
	}
	return "?";
}

/* The notify the engine would answer with (0: answer nothing, drop). */
uint16_t
ike_result_notify(enum ike_parse_result r)
{
	switch (r) {
	case IKE_PARSE_INVALID_SYNTAX:
	case IKE_PARSE_LIMIT:
		return IKE_N_INVALID_SYNTAX;
	case IKE_PARSE_INVALID_MAJOR_VERSION:
		return IKE_N_INVALID_MAJOR_VERSION;
	case IKE_PARSE_UNSUPPORTED_CRITICAL_PAYLOAD:
		return IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD;
	case IKE_PARSE_INVALID_KE_PAYLOAD:
		return IKE_N_INVALID_KE_PAYLOAD;
	default:
		return 0;
	}
}

const char *
ike_pld_name(uint8_t t)
{
	switch (t) {
	case IKE_PLD_NONE:	return "none";
	case IKE_PLD_SA:	return "SA";
	case IKE_PLD_KE:	return "KE";
	case IKE_PLD_IDI:	return "IDi";
	case IKE_PLD_IDR:	return "IDr";
	case IKE_PLD_CERT:	return "CERT";
	case IKE_PLD_CERTREQ:	return "CERTREQ";
	case IKE_PLD_AUTH:	return "AUTH";
	case IKE_PLD_NONCE:	return "Nonce";
	case IKE_PLD_NOTIFY:	return "Notify";
	case IKE_PLD_DELETE:	return "Delete";
	case IKE_PLD_VENDOR:	return "VID";
	case IKE_PLD_TSI:	return "TSi";
	case IKE_PLD_TSR:	return "TSr";
	case IKE_PLD_SK:	return "SK";
	case IKE_PLD_CP:	return "CP";
	case IKE_PLD_EAP:	return "EAP";
	case IKE_PLD_SKF:	return "SKF";
	}
	return "unknown";
}

bool
ike_pld_known(uint8_t t)
{
	return (t >= IKE_PLD_SA && t <= IKE_PLD_EAP) || t == IKE_PLD_SKF;
}

enum ike_parse_result
ike_hdr_parse(struct buf_reader *r, struct ike_hdr *h, struct ike_err *err)
{
	if (buf_left(r) < IKE_HDR_LEN)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, 0,
		    "message length %zu < header %d", buf_left(r), IKE_HDR_LEN);
	buf_get_bytes(r, h->spi_i, IKE_SPI_LEN);
	buf_get_bytes(r, h->spi_r, IKE_SPI_LEN);
	buf_get_u8(r, &h->next);
	buf_get_u8(r, &h->version);
	buf_get_u8(r, &h->exchange);
	buf_get_u8(r, &h->flags);
	buf_get_u32(r, &h->msgid);
	buf_get_u32(r, &h->length);
	if (!buf_ok(r))
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, 0, "header truncated");
	/* 2.5: a different major version is answered, the minor one ignored. */
	if ((h->version >> 4) != IKE_VERSION_MAJOR)
		return ike_err_set(err, IKE_PARSE_INVALID_MAJOR_VERSION, 0,
		    "major version %u != 2", h->version >> 4);
	return IKE_PARSE_OK;
}

/*
 * The chain walker shared by the outer message and decrypted SK bodies.  `outer`
 * allows SK/SKF (as last payload); `base` is the offset of r's first byte in the
 * message, so recorded offsets can address the AAD later.
 */
static enum ike_parse_result
chain_walk(uint8_t type, struct buf_reader *r, size_t base, bool outer,
    struct ike_pld_raw *out, size_t max, size_t *n, size_t *nskipped, int *sk,
    struct ike_err *err)
{
	size_t total = buf_left(r);

	*n = 0;
	while (type != IKE_PLD_NONE) {
		uint8_t next, flags;
		uint16_t len;
		size_t off = base + (total - buf_left(r));
		const uint8_t *body;

		if (buf_left(r) < IKE_GEN_HDR_LEN)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, type,
			    "%s payload header truncated: %zu bytes left < 4",
			    ike_pld_name(type), buf_left(r));
		buf_get_u8(r, &next);
		buf_get_u8(r, &flags);
		buf_get_u16(r, &len);
		if (len < IKE_GEN_HDR_LEN)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, type,
			    "%s payload length %u < 4", ike_pld_name(type), len);
		if ((size_t)len - IKE_GEN_HDR_LEN > buf_left(r))
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, type,
			    "%s payload length %u > %zu bytes left",
			    ike_pld_name(type), len, buf_left(r) + IKE_GEN_HDR_LEN);
		if (buf_get_ptr(r, &body, (size_t)len - IKE_GEN_HDR_LEN) == -1)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, type,
			    "%s payload body unreadable", ike_pld_name(type));
		if (!ike_pld_known(type)) {
			if (flags & IKE_PLD_CRITICAL)
				return ike_err_set(err,
				    IKE_PARSE_UNSUPPORTED_CRITICAL_PAYLOAD, type,
				    "unsupported critical payload type %u", type);
			if (nskipped != NULL)
				(*nskipped)++;
			type = next;
			continue;
		}
		if (*n >= max)
			return ike_err_set(err, IKE_PARSE_LIMIT, type,
			    "more than %zu payloads", max);
		out[*n].type = type;
		out[*n].critical = (flags & IKE_PLD_CRITICAL) != 0;
		out[*n].next = next;
		out[*n].off = off;
		out[*n].body = body;
		out[*n].len = (size_t)len - IKE_GEN_HDR_LEN;
		(*n)++;
		if (type == IKE_PLD_SK || type == IKE_PLD_SKF) {
			if (!outer)
				return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, type,
				    "%s inside an encrypted payload",
				    ike_pld_name(type));
			/* 3.14: its next-payload names the first inner payload. */
			if (buf_left(r) != 0)
				return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, type,
				    "%s is not the last payload (%zu bytes follow)",
				    ike_pld_name(type), buf_left(r));
			*sk = (int)(*n - 1);
			return IKE_PARSE_OK;
		}
		type = next;
	}
	if (buf_left(r) != 0)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, 0,
		    "%zu bytes after the last payload", buf_left(r));
	return IKE_PARSE_OK;
}

enum ike_parse_result
ike_msg_parse(struct ike_msg *m, const uint8_t *p, size_t len, struct ike_err *err)
{
	struct buf_reader r;
	enum ike_parse_result res;

	memset(m, 0, sizeof(*m));
	m->sk = -1;
	m->raw = p;
	m->rawlen = len;
	if (len > IKE_MSG_MAX)
		return ike_err_set(err, IKE_PARSE_LIMIT, 0,
		    "message length %zu > %d", len, IKE_MSG_MAX);
	buf_reader_init(&r, p, len);
	if ((res = ike_hdr_parse(&r, &m->hdr, err)) != IKE_PARSE_OK)
		return res;
	if (m->hdr.length != len)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, 0,
		    "header length %u != datagram length %zu", m->hdr.length, len);
	return chain_walk(m->hdr.next, &r, IKE_HDR_LEN, true, m->pld,
	    IKE_MAX_PAYLOADS, &m->npld, &m->nskipped, &m->sk, err);
}

enum ike_parse_result
ike_chain_parse(uint8_t first, const uint8_t *p, size_t len,
    struct ike_pld_raw *out, size_t max, size_t *n, struct ike_err *err)
{
	struct buf_reader r;
	int sk = -1;

	buf_reader_init(&r, p, len);
	return chain_walk(first, &r, 0, false, out, max, n, NULL, &sk, err);
}

enum ike_parse_result
ike_payload_parse(const struct ike_pld_raw *raw, struct ike_payload *pl,
    struct ike_err *err)
{
	memset(pl, 0, sizeof(*pl));
	pl->type = raw->type;
	pl->critical = raw->critical;
	switch (raw->type) {
	case IKE_PLD_SA:
		return ike_sa_parse(raw, &pl->u.sa, err);
	case IKE_PLD_KE:
		return ike_ke_parse(raw, &pl->u.ke, err);
	case IKE_PLD_NONCE:
		return ike_nonce_parse(raw, &pl->u.blob, err);
	case IKE_PLD_NOTIFY:
		return ike_notify_parse(raw, &pl->u.notify, err);
	case IKE_PLD_DELETE:
		return ike_delete_parse(raw, &pl->u.del, err);
	case IKE_PLD_IDI:
	case IKE_PLD_IDR:
		return ike_id_parse(raw, &pl->u.id, err);
	case IKE_PLD_AUTH:
		return ike_auth_parse(raw, &pl->u.auth, err);
	case IKE_PLD_TSI:
	case IKE_PLD_TSR:
		return ike_ts_parse(raw, &pl->u.ts, err);
	case IKE_PLD_SKF:
		pl->inner = raw->next;
		return ike_skf_parse(raw, &pl->u.skf, err);
	case IKE_PLD_SK:
		pl->inner = raw->next;
		return ike_blob_parse(raw, &pl->u.blob, err);
	case IKE_PLD_CERT:
	case IKE_PLD_CERTREQ:
	case IKE_PLD_VENDOR:
	case IKE_PLD_CP:
	case IKE_PLD_EAP:
		return ike_blob_parse(raw, &pl->u.blob, err);
	default:
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, raw->type,
		    "no parser for payload type %u", raw->type);
	}
}

/* ---- encoder ---------------------------------------------------------------- */

/*
 * The pending next-payload byte is always followed by a byte we know (the version
 * byte of the header, or the flags byte of a generic header), so it is patched as
 * a 16-bit word through the bounded writer.
 */
static void
link_next(struct ike_enc *e, uint8_t type)
{
	if (e->bare && !e->linked) {
		e->first = type;
		e->linked = true;
		return;
	}
	e->linked = true;
	if (buf_patch_u16(e->w, e->next_off,
	    (uint16_t)((unsigned)type << 8 | e->next_low)) == -1)
		e->err = true;
}

void
ike_enc_begin(struct ike_enc *e, struct buf_writer *w, const struct ike_hdr *h)
{
	memset(e, 0, sizeof(*e));
	e->w = w;
	e->start = w->len;
	buf_put_bytes(w, h->spi_i, IKE_SPI_LEN);
	buf_put_bytes(w, h->spi_r, IKE_SPI_LEN);
	e->next_off = w->len;
	e->next_low = IKE_VERSION_BYTE;
	buf_put_u8(w, IKE_PLD_NONE);
	buf_put_u8(w, IKE_VERSION_BYTE);
	buf_put_u8(w, h->exchange);
	buf_put_u8(w, h->flags);
	buf_put_u32(w, h->msgid);
	buf_put_u32(w, 0);		/* patched by ike_enc_finish() */
	if (!buf_wok(w))
		e->err = true;
}

void
ike_enc_chain_begin(struct ike_enc *e, struct buf_writer *w)
{
	memset(e, 0, sizeof(*e));
	e->w = w;
	e->start = w->len;
	e->bare = true;
}

static void
pld_begin(struct ike_enc *e, uint8_t type, bool critical, uint8_t next)
{
	if (e->in_pld || e->closed) {
		e->err = true;
		return;
	}
	link_next(e, type);
	e->pld_start = e->w->len;
	e->next_off = e->w->len;
	e->next_low = critical ? IKE_PLD_CRITICAL : 0;
	buf_put_u8(e->w, next);
	buf_put_u8(e->w, e->next_low);
	buf_put_u16(e->w, 0);
	e->in_pld = true;
	if (!buf_wok(e->w))
		e->err = true;
}

void
ike_enc_pld_begin(struct ike_enc *e, uint8_t type, bool critical)
{
	pld_begin(e, type, critical, IKE_PLD_NONE);
}

void
ike_enc_pld_begin_inner(struct ike_enc *e, uint8_t type, uint8_t inner)
{
	pld_begin(e, type, false, inner);
	e->closed = true;
}

void
ike_enc_pld_end(struct ike_enc *e)
{
	size_t len;

	if (!e->in_pld) {
		e->err = true;
		return;
	}
	e->in_pld = false;
	len = e->w->len - e->pld_start;
	if (len > UINT16_MAX || buf_patch_u16(e->w, e->pld_start + 2,
	    (uint16_t)len) == -1)
		e->err = true;
}

int
ike_enc_finish(struct ike_enc *e, size_t *lenp)
{
	size_t len = e->w->len - e->start;

	if (e->in_pld || e->err || !buf_wok(e->w) || len > IKE_MSG_MAX)
		return -1;
	if (e->bare) {
		if (lenp != NULL)
			*lenp = len;
		return 0;
	}
	if (buf_patch_u32(e->w, e->start + 24, (uint32_t)len) == -1)
		return -1;
	if (lenp != NULL)
		*lenp = len;
	return 0;
}

int
ike_payload_encode(struct ike_enc *e, const struct ike_payload *pl)
{
	struct buf_writer *w = e->w;
	int rc;

	if (pl->type == IKE_PLD_SK || pl->type == IKE_PLD_SKF)
		ike_enc_pld_begin_inner(e, pl->type, pl->inner);
	else
		ike_enc_pld_begin(e, pl->type, pl->critical);
	if (e->err)
		return -1;
	switch (pl->type) {
	case IKE_PLD_SA:
		rc = ike_sa_encode(w, &pl->u.sa);
		break;
	case IKE_PLD_KE:
		rc = ike_ke_encode(w, &pl->u.ke);
		break;
	case IKE_PLD_NOTIFY:
		rc = ike_notify_encode(w, &pl->u.notify);
		break;
	case IKE_PLD_DELETE:
		rc = ike_delete_encode(w, &pl->u.del);
		break;
	case IKE_PLD_IDI:
	case IKE_PLD_IDR:
		rc = ike_id_encode(w, &pl->u.id);
		break;
	case IKE_PLD_AUTH:
		rc = ike_auth_encode(w, &pl->u.auth);
		break;
	case IKE_PLD_TSI:
	case IKE_PLD_TSR:
		rc = ike_ts_encode(w, &pl->u.ts);
		break;
	case IKE_PLD_SKF:
		rc = ike_skf_encode(w, &pl->u.skf);
		break;
	case IKE_PLD_NONCE:
	case IKE_PLD_SK:
	case IKE_PLD_CERT:
	case IKE_PLD_CERTREQ:
	case IKE_PLD_VENDOR:
	case IKE_PLD_CP:
	case IKE_PLD_EAP:
		rc = ike_blob_encode(w, &pl->u.blob);
		break;
	default:
		rc = -1;
		break;
	}
	if (rc == -1)
		e->err = true;
	ike_enc_pld_end(e);
	return e->err ? -1 : 0;
}

enum ike_parse_result
ike_msg_reencode(const struct ike_msg *m, struct buf_writer *w, size_t *lenp,
    struct ike_err *err)
{
	struct ike_payload pl;
	struct ike_enc e;
	enum ike_parse_result res;
	size_t i;

	ike_enc_begin(&e, w, &m->hdr);
	for (i = 0; i < m->npld; i++) {
		if ((res = ike_payload_parse(&m->pld[i], &pl, err)) != IKE_PARSE_OK)
			return res;
		if (ike_payload_encode(&e, &pl) == -1)
			return ike_err_set(err, IKE_PARSE_NOSPACE, pl.type,
			    "cannot encode %s", ike_pld_name(pl.type));
	}
	if (ike_enc_finish(&e, lenp) == -1)
		return ike_err_set(err, IKE_PARSE_NOSPACE, 0,
		    "message does not fit in %zu bytes", w->cap);
	return IKE_PARSE_OK;
}
