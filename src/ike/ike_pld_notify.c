/*
 * ike_pld_notify: Notify (RFC 7296 3.10, 3.10.1) and Delete (3.11) payloads.
 *
 * The protocol ID / SPI size pair is validated here so that no later stage can
 * trip over it: with an empty SPI the protocol ID "MUST be ignored on receipt" and
 * is stored as 0; a 4-byte SPI requires AH or ESP, an 8-byte one IKE.  REKEY_SA,
 * INVALID_SELECTORS and CHILD_SA_NOT_FOUND must name a Child SA (libreswan
 * CVE-2023-38710 asserted on protocol 0/1 copied into a reply).  Data sizes are
 * bounded per type (COOKIE 1..64, NAT-D 20, INVALID_KE_PAYLOAD 2) and overall.
 */
#include <string.h>

#include "ike/ike_msg.h"

static enum ike_parse_result
notify_validate(const struct ike_pld_raw *raw, struct ike_err *err)
{
	struct buf_reader r;
	uint8_t proto, spi_len;
	uint16_t type;
	size_t dlen;

	buf_reader_init(&r, raw->body, raw->len);
	if (buf_get_u8(&r, &proto) == -1 || buf_get_u8(&r, &spi_len) == -1 ||
	    buf_get_u16(&r, &type) == -1)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_NOTIFY,
		    "notify length %zu < 4", raw->len);
	if (buf_skip(&r, spi_len) == -1)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_NOTIFY,
		    "notify %u SPI size %u > %zu left", type, spi_len,
		    raw->len - 4);
	dlen = buf_left(&r);
	switch (spi_len) {
	case 0:
		break;
	case IKE_CHILD_SPI_LEN:
		if (proto != IKE_PROTO_AH && proto != IKE_PROTO_ESP)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX,
			    IKE_PLD_NOTIFY, "notify %u: protocol id %u with a "
			    "4-byte SPI", type, proto);
		break;
	case IKE_SPI_LEN:
		if (proto != IKE_PROTO_IKE)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX,
			    IKE_PLD_NOTIFY, "notify %u: protocol id %u with an "
			    "8-byte SPI", type, proto);
		break;
	default:
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_NOTIFY,
		    "notify %u SPI size %u", type, spi_len);
	}
	if (dlen > IKE_NOTIFY_DATA_MAX)
		return ike_err_set(err, IKE_PARSE_LIMIT, IKE_PLD_NOTIFY,
		    "notify %u data length %zu > %d", type, dlen,
		    IKE_NOTIFY_DATA_MAX);
	switch (type) {
	case IKE_N_REKEY_SA:
	case IKE_N_INVALID_SELECTORS:
	case IKE_N_CHILD_SA_NOT_FOUND:
		if (spi_len != IKE_CHILD_SPI_LEN)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX,
			    IKE_PLD_NOTIFY, "notify %u needs an AH/ESP SPI "
			    "(protocol %u, SPI size %u)", type, proto, spi_len);
		break;
	case IKE_N_COOKIE:
		if (dlen < 1 || dlen > IKE_COOKIE_MAX)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX,
			    IKE_PLD_NOTIFY, "COOKIE length %zu not in 1..%d", dlen,
			    IKE_COOKIE_MAX);
		break;
	case IKE_N_NAT_DETECTION_SOURCE_IP:
	case IKE_N_NAT_DETECTION_DESTINATION_IP:
		if (dlen != IKE_NATD_LEN)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX,
			    IKE_PLD_NOTIFY, "NAT-D length %zu != %d", dlen,
			    IKE_NATD_LEN);
		break;
	case IKE_N_INVALID_KE_PAYLOAD:
		if (dlen != 2)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX,
			    IKE_PLD_NOTIFY, "INVALID_KE_PAYLOAD data %zu != 2", dlen);
		break;
	case IKE_N_SIGNATURE_HASH_ALGORITHMS:
		if (dlen % 2 != 0)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX,
			    IKE_PLD_NOTIFY, "SIGNATURE_HASH_ALGORITHMS length %zu odd",
			    dlen);
		break;
	}
	return IKE_PARSE_OK;
}

enum ike_parse_result
ike_notify_parse(const struct ike_pld_raw *raw, struct ike_notify *n,
    struct ike_err *err)
{
	struct buf_reader r;
	enum ike_parse_result res;

	if ((res = notify_validate(raw, err)) != IKE_PARSE_OK)
		return res;
	memset(n, 0, sizeof(*n));
	buf_reader_init(&r, raw->body, raw->len);
	buf_get_u8(&r, &n->proto);
	buf_get_u8(&r, &n->spi_len);
	buf_get_u16(&r, &n->type);
	buf_get_bytes(&r, n->spi, n->spi_len);
	if (n->spi_len == 0)
		n->proto = IKE_PROTO_NONE;	/* 3.10: ignored on receipt */
	n->len = buf_left(&r);
	buf_get_ptr(&r, &n->data, n->len);
	return IKE_PARSE_OK;
}

int
ike_notify_encode(struct buf_writer *w, const struct ike_notify *n)
{
	if (n->spi_len > IKE_SPI_LEN)
		return -1;
	buf_put_u8(w, n->spi_len ? n->proto : IKE_PROTO_NONE);
	buf_put_u8(w, n->spi_len);
	buf_put_u16(w, n->type);
	buf_put_bytes(w, n->spi, n->spi_len);
	buf_put_bytes(w, n->data, n->len);
	return buf_wok(w) ? 0 : -1;
}

static enum ike_parse_result
delete_validate(const struct ike_pld_raw *raw, struct ike_err *err)
{
	struct buf_reader r;
	uint8_t proto, spi_len;
	uint16_t nspi;

	buf_reader_init(&r, raw->body, raw->len);
	if (buf_get_u8(&r, &proto) == -1 || buf_get_u8(&r, &spi_len) == -1 ||
	    buf_get_u16(&r, &nspi) == -1)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_DELETE,
		    "delete length %zu < 4", raw->len);
	switch (proto) {
	case IKE_PROTO_IKE:
		/* 3.11: deleting the IKE SA carries no SPI. */
		if (spi_len != 0 || nspi != 0 || buf_left(&r) != 0)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX,
			    IKE_PLD_DELETE, "IKE delete with SPI size %u, %u SPIs, "
			    "%zu bytes", spi_len, nspi, buf_left(&r));
		break;
	case IKE_PROTO_AH:
	case IKE_PROTO_ESP:
		if (spi_len != IKE_CHILD_SPI_LEN)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX,
			    IKE_PLD_DELETE, "child delete SPI size %u != 4", spi_len);
		if (nspi == 0)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX,
			    IKE_PLD_DELETE, "child delete with no SPI");
		if (buf_left(&r) != (size_t)nspi * IKE_CHILD_SPI_LEN)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX,
			    IKE_PLD_DELETE, "delete of %u SPIs has %zu bytes != %zu",
			    nspi, buf_left(&r), (size_t)nspi * IKE_CHILD_SPI_LEN);
		if (nspi > IKE_MAX_DELETE_SPIS)
			return ike_err_set(err, IKE_PARSE_LIMIT, IKE_PLD_DELETE,
			    "delete of %u SPIs > %d", nspi, IKE_MAX_DELETE_SPIS);
		break;
	default:
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_DELETE,
		    "delete protocol id %u", proto);
	}
	return IKE_PARSE_OK;
}

enum ike_parse_result
ike_delete_parse(const struct ike_pld_raw *raw, struct ike_delete *d,
    struct ike_err *err)
{
	struct buf_reader r;
	enum ike_parse_result res;
	unsigned i;

	if ((res = delete_validate(raw, err)) != IKE_PARSE_OK)
		return res;
	memset(d, 0, sizeof(*d));
	buf_reader_init(&r, raw->body, raw->len);
	buf_get_u8(&r, &d->proto);
	buf_get_u8(&r, &d->spi_len);
	buf_get_u16(&r, &d->nspi);
	for (i = 0; i < d->nspi; i++)
		buf_get_bytes(&r, d->spi[i], IKE_CHILD_SPI_LEN);
	return IKE_PARSE_OK;
}

int
ike_delete_encode(struct buf_writer *w, const struct ike_delete *d)
{
	unsigned i;

	if (d->nspi > IKE_MAX_DELETE_SPIS)
		return -1;
	buf_put_u8(w, d->proto);
	buf_put_u8(w, d->nspi ? IKE_CHILD_SPI_LEN : 0);
	buf_put_u16(w, d->nspi);
	for (i = 0; i < d->nspi; i++)
		buf_put_bytes(w, d->spi[i], IKE_CHILD_SPI_LEN);
	return buf_wok(w) ? 0 : -1;
}
