/*
 * ike_pld_ke: Key Exchange (RFC 7296 3.4) and Nonce (3.9) payloads.
 *
 * The KE group is checked against the groups ike_crypto supports before anything
 * else (strongSwan CVE-2014-9221: group 1025 indexed a table), and the public value
 * length must equal the group's exactly (strongSwan CVE-2023-41913: a longer value
 * overflowed a fixed buffer).  The value itself (range, on-curve) is checked by
 * ike_dh_derive(), where the group parameters are at hand.
 */
#include "ike/ike_crypto.h"
#include "ike/ike_msg.h"

static enum ike_parse_result
ke_validate(const struct ike_pld_raw *raw, uint16_t *group, struct ike_err *err)
{
	struct buf_reader r;
	uint16_t rsv;
	size_t want;

	buf_reader_init(&r, raw->body, raw->len);
	if (buf_get_u16(&r, group) == -1 || buf_get_u16(&r, &rsv) == -1)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_KE,
		    "KE length %zu < 4", raw->len);
	if (!ike_dh_supported(*group))
		return ike_err_set(err, IKE_PARSE_INVALID_KE_PAYLOAD, IKE_PLD_KE,
		    "DH group %u not supported", *group);
	want = ike_dh_pub_len(*group);
	if (buf_left(&r) != want)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_KE,
		    "KE data length %zu != %zu for group %u", buf_left(&r), want,
		    *group);
	return IKE_PARSE_OK;
}

enum ike_parse_result
ike_ke_parse(const struct ike_pld_raw *raw, struct ike_ke *ke, struct ike_err *err)
{
	struct buf_reader r;
	enum ike_parse_result res;
	uint16_t group;

	if ((res = ke_validate(raw, &group, err)) != IKE_PARSE_OK)
		return res;
	buf_reader_init(&r, raw->body, raw->len);
	buf_skip(&r, 4);
	ke->group = group;
	ke->len = buf_left(&r);
	buf_get_ptr(&r, &ke->data, ke->len);
	return IKE_PARSE_OK;
}

int
ike_ke_encode(struct buf_writer *w, const struct ike_ke *ke)
{
	buf_put_u16(w, ke->group);
	buf_put_u16(w, 0);
	buf_put_bytes(w, ke->data, ke->len);
	return buf_wok(w) ? 0 : -1;
}

enum ike_parse_result
ike_nonce_parse(const struct ike_pld_raw *raw, struct ike_blob *n,
    struct ike_err *err)
{
	/* 2.10: at least 16 octets; 3.9: at most 256. */
	if (raw->len < IKE_NONCE_MIN || raw->len > IKE_NONCE_MAX)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_NONCE,
		    "nonce length %zu not in %d..%d", raw->len, IKE_NONCE_MIN,
		    IKE_NONCE_MAX);
	n->data = raw->body;
	n->len = raw->len;
	return IKE_PARSE_OK;
}
