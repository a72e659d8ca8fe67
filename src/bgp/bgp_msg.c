/*
 * bgp_msg: framing and the small messages of BGP-4 (RFC 4271 sections 4.1, 4.4,
 * 4.5, 6.1; ROUTE-REFRESH RFC 2918 section 3), the error record every parser
 * fills (RFC 4271 section 6, RFC 7606 section 2), and the NLRI prefix encoding
 * (4.3, RFC 4760 section 5, RFC 7911 section 3) that UPDATE and MP_(UN)REACH share.
 * OPEN is in bgp_open.c, UPDATE in bgp_update.c / bgp_attr.c / bgp_update_enc.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bgp/bgp_msg.h"

void
bgp_err_set(struct bgp_err *err, enum bgp_action act, uint8_t code, uint8_t sub,
    const char *fmt, ...)
{
	va_list ap;

	/* RFC 7606 section 3.h: several errors, the strongest action wins. */
	if (err->action > act)
		return;
	err->action = act;
	err->code = code;
	err->subcode = sub;
	err->datalen = 0;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
}

void
bgp_err_data(struct bgp_err *err, const uint8_t *p, size_t len)
{
	if (len > sizeof(err->data))
		len = sizeof(err->data);
	memcpy(err->data, p, len);
	err->datalen = len;
}

static void
err_data16(struct bgp_err *err, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	bgp_err_data(err, b, 2);
}

const char *
bgp_msg_type_name(uint8_t t)
{
	switch (t) {
	case BGP_OPEN:
		return "OPEN";
	case BGP_UPDATE:
		return "UPDATE";
	case BGP_NOTIFICATION:
		return "NOTIFICATION";
	case BGP_KEEPALIVE:
		return "KEEPALIVE";
	case BGP_ROUTE_REFRESH:
		return "ROUTE-REFRESH";
	}
	return "unknown";
}

long
bgp_hdr_peek(const uint8_t *p, size_t n, struct bgp_err *err)
{
	struct buf_reader r;
	uint8_t marker[BGP_MARKER_LEN];
	uint16_t len;
	size_t i;

	err->action = BGP_ACT_NONE;
	err->code = err->subcode = err->attr = 0;
	err->datalen = 0;
	err->reason[0] = '\0';
	if (n < BGP_HDR_LEN)
		return 0;
	buf_reader_init(&r, p, n);
	(void)buf_get_bytes(&r, marker, sizeof(marker));
	(void)buf_get_u16(&r, &len);
	for (i = 0; i < sizeof(marker); i++)
		if (marker[i] != 0xff) {
			bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_HEADER,
			    BGP_ERR_HDR_NOT_SYNC, "marker byte %zu is 0x%02x",
			    i, marker[i]);
			return -1;
		}
	if (len < BGP_HDR_LEN || len > BGP_MSG_MAX) {
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_HEADER,
		    BGP_ERR_HDR_BAD_LENGTH, "length %u outside %d..%d", len,
		    BGP_HDR_LEN, BGP_MSG_MAX);
		err_data16(err, len);
		return -1;
	}
	return len;
}

/* 6.1: the length each type allows. */
static bool
type_len_ok(uint8_t type, uint16_t len)
{
	switch (type) {
	case BGP_OPEN:
		return len >= BGP_OPEN_MIN;
	case BGP_UPDATE:
		return len >= BGP_UPDATE_MIN;
	case BGP_NOTIFICATION:
		return len >= BGP_NOTIFY_MIN;
	case BGP_KEEPALIVE:
		return len == BGP_HDR_LEN;
	case BGP_ROUTE_REFRESH:
		return len == BGP_RREFRESH_LEN;
	}
	return true;
}

int
bgp_msg_parse(struct bgp_msg *m, const uint8_t *p, size_t n,
    const struct bgp_sess *sess, struct bgp_err *err)
{
	struct buf_reader r;
	long hl;
	uint8_t type;
	int rc;

	hl = bgp_hdr_peek(p, n, err);
	if (hl < 0)
		return -1;
	if (hl == 0 || (size_t)hl != n) {
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_HEADER,
		    BGP_ERR_HDR_BAD_LENGTH, "length field %ld but %zu bytes",
		    hl, n);
		err_data16(err, hl > 0 ? (uint16_t)hl : (uint16_t)n);
		return -1;
	}
	buf_reader_init(&r, p, n);
	(void)buf_skip(&r, BGP_MARKER_LEN + 2);
	(void)buf_get_u8(&r, &type);
	m->type = type;
	m->len = (uint16_t)hl;
	if (type < BGP_OPEN || type > BGP_ROUTE_REFRESH) {
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_HEADER,
		    BGP_ERR_HDR_BAD_TYPE, "message type %u", type);
		bgp_err_data(err, &type, 1);
		return -1;
	}
	if (!type_len_ok(type, m->len)) {
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_HEADER,
		    BGP_ERR_HDR_BAD_LENGTH, "%s of length %u",
		    bgp_msg_type_name(type), m->len);
		err_data16(err, m->len);
		return -1;
	}
	switch (type) {
	case BGP_OPEN:
		rc = bgp_open_parse(&m->u.open, &r, err);
		break;
	case BGP_UPDATE:
		rc = bgp_update_parse(&m->u.update, &r, sess, err);
		break;
	case BGP_NOTIFICATION:
		(void)buf_get_u8(&r, &m->u.notification.code);
		(void)buf_get_u8(&r, &m->u.notification.subcode);
		m->u.notification.len = buf_left(&r);
		(void)buf_get_ptr(&r, &m->u.notification.data, buf_left(&r));
		rc = 0;
		break;
	case BGP_ROUTE_REFRESH:
		(void)buf_get_u16(&r, &m->u.rrefresh.afi);
		(void)buf_get_u8(&r, &m->u.rrefresh.subtype);
		(void)buf_get_u8(&r, &m->u.rrefresh.safi);
		rc = 0;
		break;
	default:
		rc = 0;
	}
	return rc;
}

/*
 * 4.3 / RFC 4760 section 5: length in bits, then the fewest octets that hold it;
 * RFC 7911 section 3 puts a 4-octet path id in front.  Validated once here so
 * the iterator needs no error path.
 */
int
bgp_nlri_validate(struct bgp_nlri *nl, const uint8_t *p, size_t len,
    uint16_t afi, bool addpath)
{
	struct buf_reader r;
	unsigned max = afi == BGP_AFI_IPV6 ? 128 : 32;
	uint8_t plen;

	nl->afi = afi;
	nl->addpath = addpath;
	nl->data = p;
	nl->len = len;
	buf_reader_init(&r, p, len);
	while (buf_left(&r) > 0) {
		if (addpath && buf_skip(&r, 4) != 0)
			return -1;
		if (buf_get_u8(&r, &plen) != 0 || plen > max ||
		    buf_skip(&r, (plen + 7u) / 8) != 0)
			return -1;
	}
	return 0;
}

void
bgp_nlri_iter_init(struct bgp_nlri_iter *it, const struct bgp_nlri *nl)
{
	buf_reader_init(&it->r, nl->data, nl->len);
	it->afi = nl->afi;
	it->addpath = nl->addpath;
}

int
bgp_nlri_next(struct bgp_nlri_iter *it, struct bgp_prefix *bp)
{
	uint8_t plen, nb;
	unsigned i, max = it->afi == BGP_AFI_IPV6 ? 128 : 32;

	if (buf_left(&it->r) == 0)
		return 0;
	memset(bp, 0, sizeof(*bp));
	if (it->addpath && buf_get_u32(&it->r, &bp->path_id) != 0)
		return 0;
	if (buf_get_u8(&it->r, &plen) != 0 || plen > max)
		return 0;
	nb = (uint8_t)((plen + 7u) / 8);
	if (buf_get_bytes(&it->r, bp->pfx.addr, nb) != 0)
		return 0;
	/* Trailing bits are irrelevant (4.3): clear them. */
	if (plen % 8)
		bp->pfx.addr[nb - 1] &= (uint8_t)(0xff00u >> (plen % 8));
	for (i = nb; i < 16; i++)
		bp->pfx.addr[i] = 0;
	bp->pfx.family = it->afi == BGP_AFI_IPV6 ? PFX_V6 : PFX_V4;
	bp->pfx.len = plen;
	return 1;
}

size_t
bgp_nlri_count(const struct bgp_nlri *nl)
{
	struct bgp_nlri_iter it;
	struct bgp_prefix bp;
	size_t n = 0;

	bgp_nlri_iter_init(&it, nl);
	while (bgp_nlri_next(&it, &bp))
		n++;
	return n;
}

int
bgp_prefix_put(struct buf_writer *w, const struct bgp_prefix *bp, bool addpath)
{
	unsigned nb = (bp->pfx.len + 7u) / 8;

	if (nb > sizeof(bp->pfx.addr))
		return -1;
	if (addpath)
		(void)buf_put_u32(w, bp->path_id);
	(void)buf_put_u8(w, bp->pfx.len);
	return buf_put_bytes(w, bp->pfx.addr, nb);
}

int
bgp_hdr_begin(struct buf_writer *w, uint8_t type, size_t *start)
{
	static const uint8_t marker[BGP_MARKER_LEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};

	*start = w->len;
	(void)buf_put_bytes(w, marker, sizeof(marker));
	(void)buf_put_u16(w, 0);
	return buf_put_u8(w, type);
}

int
bgp_hdr_end(struct buf_writer *w, size_t start)
{
	size_t len = w->len - start;

	if (!buf_wok(w) || len > BGP_MSG_MAX) {
		w->err = true;
		return -1;
	}
	return buf_patch_u16(w, start + BGP_MARKER_LEN, (uint16_t)len);
}

int
bgp_keepalive_encode(struct buf_writer *w)
{
	size_t s;

	(void)bgp_hdr_begin(w, BGP_KEEPALIVE, &s);
	return bgp_hdr_end(w, s);
}

int
bgp_notification_encode(struct buf_writer *w, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t len)
{
	size_t s;

	if (len > BGP_NOTIFY_DATA_MAX)
		len = BGP_NOTIFY_DATA_MAX;	/* diagnostic only: truncate */
	(void)bgp_hdr_begin(w, BGP_NOTIFICATION, &s);
	(void)buf_put_u8(w, code);
	(void)buf_put_u8(w, subcode);
	if (len > 0)
		(void)buf_put_bytes(w, data, len);
	return bgp_hdr_end(w, s);
}

int
bgp_err_encode(const struct bgp_err *err, struct buf_writer *w)
{
	return bgp_notification_encode(w, err->code, err->subcode, err->data,
	    err->datalen);
}

int
bgp_msg_encode(const struct bgp_msg *m, const struct bgp_sess *sess,
    struct buf_writer *w, struct bgp_err *err)
{
	size_t s;
	int rc;

	err->action = BGP_ACT_NONE;
	err->reason[0] = '\0';
	switch (m->type) {
	case BGP_OPEN:
		(void)bgp_hdr_begin(w, BGP_OPEN, &s);
		rc = bgp_open_encode(&m->u.open, w, err);
		break;
	case BGP_UPDATE:
		(void)bgp_hdr_begin(w, BGP_UPDATE, &s);
		rc = bgp_update_encode(&m->u.update, sess, w, err);
		break;
	case BGP_NOTIFICATION:
		return bgp_notification_encode(w, m->u.notification.code,
		    m->u.notification.subcode, m->u.notification.data,
		    m->u.notification.len);
	case BGP_KEEPALIVE:
		return bgp_keepalive_encode(w);
	case BGP_ROUTE_REFRESH:
		(void)bgp_hdr_begin(w, BGP_ROUTE_REFRESH, &s);
		(void)buf_put_u16(w, m->u.rrefresh.afi);
		(void)buf_put_u8(w, m->u.rrefresh.subtype);
		rc = buf_put_u8(w, m->u.rrefresh.safi);
		break;
	default:
		snprintf(err->reason, sizeof(err->reason), "message type %u",
		    m->type);
		return -1;
	}
	if (rc != 0)
		return -1;
	if (bgp_hdr_end(w, s) != 0) {
		snprintf(err->reason, sizeof(err->reason),
		    "%s does not fit (%zu bytes)", bgp_msg_type_name(m->type),
		    w->len - s);
		return -1;
	}
	return 0;
}
