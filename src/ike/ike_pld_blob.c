/*
 * ike_pld_blob: the payloads this codec carries opaquely - SK (RFC 7296 3.14: its
 * body is IV | ciphertext | ICV, opened by ike_sk.c), CERT, CERTREQ (3.6, 3.7),
 * Vendor ID (3.12), CP (3.15), EAP (3.16) - and the SKF fragment header
 * (RFC 7383 2.5), whose numbering is validated here while its body stays opaque.
 */
#include "ike/ike_msg.h"

enum ike_parse_result
ike_blob_parse(const struct ike_pld_raw *raw, struct ike_blob *b,
    struct ike_err *err)
{
	if (raw->type == IKE_PLD_VENDOR && (raw->len == 0 ||
	    raw->len > IKE_VENDOR_MAX))
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, raw->type,
		    "vendor ID length %zu not in 1..%d", raw->len, IKE_VENDOR_MAX);
	b->data = raw->body;
	b->len = raw->len;
	return IKE_PARSE_OK;
}

int
ike_blob_encode(struct buf_writer *w, const struct ike_blob *b)
{
	buf_put_bytes(w, b->data, b->len);
	return buf_wok(w) ? 0 : -1;
}

static enum ike_parse_result
skf_validate(const struct ike_pld_raw *raw, struct ike_err *err)
{
	struct buf_reader r;
	uint16_t num, total;

	buf_reader_init(&r, raw->body, raw->len);
	if (buf_get_u16(&r, &num) == -1 || buf_get_u16(&r, &total) == -1)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SKF,
		    "SKF length %zu < 4", raw->len);
	if (num == 0 || total == 0 || num > total)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SKF,
		    "fragment %u of %u", num, total);
	if (total > IKE_MAX_FRAGMENTS)
		return ike_err_set(err, IKE_PARSE_LIMIT, IKE_PLD_SKF,
		    "%u fragments > %d", total, IKE_MAX_FRAGMENTS);
	/* 2.5: only the first fragment names the first inner payload. */
	if (num != 1 && raw->next != IKE_PLD_NONE)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SKF,
		    "fragment %u has next payload %u", num, raw->next);
	return IKE_PARSE_OK;
}

enum ike_parse_result
ike_skf_parse(const struct ike_pld_raw *raw, struct ike_skf *f, struct ike_err *err)
{
	struct buf_reader r;
	enum ike_parse_result res;

	if ((res = skf_validate(raw, err)) != IKE_PARSE_OK)
		return res;
	buf_reader_init(&r, raw->body, raw->len);
	buf_get_u16(&r, &f->num);
	buf_get_u16(&r, &f->total);
	f->len = buf_left(&r);
	buf_get_ptr(&r, &f->data, f->len);
	return IKE_PARSE_OK;
}

int
ike_skf_encode(struct buf_writer *w, const struct ike_skf *f)
{
	buf_put_u16(w, f->num);
	buf_put_u16(w, f->total);
	buf_put_bytes(w, f->data, f->len);
	return buf_wok(w) ? 0 : -1;
}
