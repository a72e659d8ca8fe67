/*
 * ike_pld_id: Identification (RFC 7296 3.5) and Authentication (3.8) payloads.
 * Both are a one-byte type, three reserved bytes and opaque data; the ID data
 * length is fixed for address types and bounded for the others.  The AUTH method
 * is not judged here (policy answers AUTHENTICATION_FAILED for one it does not
 * accept); its data must be present and bounded.
 */
#include "ike/ike_msg.h"

static enum ike_parse_result
id_validate(const struct ike_pld_raw *raw, uint8_t *type, struct ike_err *err)
{
	struct buf_reader r;
	size_t dlen;

	buf_reader_init(&r, raw->body, raw->len);
	if (buf_get_u8(&r, type) == -1 || buf_skip(&r, 3) == -1)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, raw->type,
		    "ID length %zu < 4", raw->len);
	dlen = buf_left(&r);
	switch (*type) {
	case IKE_ID_IPV4_ADDR:
		if (dlen != 4)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, raw->type,
			    "ID_IPV4_ADDR length %zu != 4", dlen);
		break;
	case IKE_ID_IPV6_ADDR:
		if (dlen != 16)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, raw->type,
			    "ID_IPV6_ADDR length %zu != 16", dlen);
		break;
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
	case IKE_ID_DER_ASN1_DN:
	case IKE_ID_DER_ASN1_GN:
	case IKE_ID_KEY_ID:
		if (dlen == 0)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, raw->type,
			    "empty ID of type %u", *type);
		if (dlen > IKE_ID_DATA_MAX)
			return ike_err_set(err, IKE_PARSE_LIMIT, raw->type,
			    "ID length %zu > %d", dlen, IKE_ID_DATA_MAX);
		break;
	default:
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, raw->type,
		    "ID type %u unknown", *type);
	}
	return IKE_PARSE_OK;
}

enum ike_parse_result
ike_id_parse(const struct ike_pld_raw *raw, struct ike_id *id, struct ike_err *err)
{
	struct buf_reader r;
	enum ike_parse_result res;
	uint8_t type;

	if ((res = id_validate(raw, &type, err)) != IKE_PARSE_OK)
		return res;
	buf_reader_init(&r, raw->body, raw->len);
	buf_skip(&r, 4);
	id->type = type;
	id->len = buf_left(&r);
	buf_get_ptr(&r, &id->data, id->len);
	return IKE_PARSE_OK;
}

int
ike_id_encode(struct buf_writer *w, const struct ike_id *id)
{
	buf_put_u8(w, id->type);
	buf_put_zero(w, 3);
	buf_put_bytes(w, id->data, id->len);
	return buf_wok(w) ? 0 : -1;
}

enum ike_parse_result
ike_auth_parse(const struct ike_pld_raw *raw, struct ike_auth *a,
    struct ike_err *err)
{
	struct buf_reader r;
	uint8_t method;

	buf_reader_init(&r, raw->body, raw->len);
	if (buf_get_u8(&r, &method) == -1 || buf_skip(&r, 3) == -1)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_AUTH,
		    "AUTH length %zu < 4", raw->len);
	if (buf_left(&r) == 0)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_AUTH,
		    "AUTH without data");
	if (buf_left(&r) > IKE_AUTH_DATA_MAX)
		return ike_err_set(err, IKE_PARSE_LIMIT, IKE_PLD_AUTH,
		    "AUTH data length %zu > %d", buf_left(&r), IKE_AUTH_DATA_MAX);
	a->method = method;
	a->len = buf_left(&r);
	buf_get_ptr(&r, &a->data, a->len);
	return IKE_PARSE_OK;
}

int
ike_auth_encode(struct buf_writer *w, const struct ike_auth *a)
{
	buf_put_u8(w, a->method);
	buf_put_zero(w, 3);
	buf_put_bytes(w, a->data, a->len);
	return buf_wok(w) ? 0 : -1;
}
