/*
 * bgp_open: the OPEN message (RFC 4271 sections 4.2 and 6.2), its optional
 * parameters in both the classic and the RFC 9072 extended form, and the
 * capabilities we understand (RFC 5492): multiprotocol (RFC 4760 section 8),
 * route refresh (RFC 2918), extended messages (RFC 8654, recorded only),
 * graceful restart (RFC 4724 section 3), 4-octet AS (RFC 6793 section 3) and
 * add-path (RFC 7911 section 4).  Unknown capabilities are kept raw.
 *
 * What the codec cannot know (the AS we expect, our own identifier, whether a
 * capability we require is missing) the FSM checks: bgp_open_peer_as() gives it
 * the AS to compare.
 */
#include <string.h>

#include "bgp/bgp_msg.h"

static void
afisafi_add(struct bgp_afisafi *tab, size_t *n, uint16_t afi, uint8_t safi,
    uint8_t flags)
{
	if (*n >= BGP_MAX_AFISAFI)
		return;		/* more than we could ever use */
	tab[*n].afi = afi;
	tab[*n].safi = safi;
	tab[*n].flags = flags;
	(*n)++;
}

/* One capability; a known one with a bad length is ignored and counted. */
static void
capa_parse(struct bgp_open *o, uint8_t code, const uint8_t *p, uint8_t len)
{
	struct buf_reader r;
	uint16_t afi, v;
	uint8_t res, safi, flags;

	buf_reader_init(&r, p, len);
	switch (code) {
	case BGP_CAPA_MP:
		if (len != 4)
			goto bad;
		(void)buf_get_u16(&r, &afi);
		(void)buf_get_u8(&r, &res);
		(void)buf_get_u8(&r, &safi);
		afisafi_add(o->mp, &o->nmp, afi, safi, 0);
		return;
	case BGP_CAPA_ROUTE_REFRESH:
		if (len != 0)
			goto bad;
		o->route_refresh = true;
		return;
	case BGP_CAPA_EXT_MSG:
		if (len != 0)
			goto bad;
		o->ext_msg = true;
		return;
	case BGP_CAPA_AS4:
		if (len != 4)
			goto bad;
		o->as4 = true;
		(void)buf_get_u32(&r, &o->as4_value);
		return;
	case BGP_CAPA_GRACEFUL_RESTART:
		if (len < 2 || (len - 2) % 4 != 0)
			goto bad;
		o->gr = true;
		o->ngr = 0;
		(void)buf_get_u16(&r, &v);
		o->gr_flags = v & 0xf000;
		o->gr_time = v & 0x0fff;
		while (buf_left(&r) > 0) {
			(void)buf_get_u16(&r, &afi);
			(void)buf_get_u8(&r, &safi);
			(void)buf_get_u8(&r, &flags);
			afisafi_add(o->gr_afi, &o->ngr, afi, safi, flags);
		}
		return;
	case BGP_CAPA_ADD_PATH:
		if (len == 0 || len % 4 != 0)
			goto bad;
		o->addpath = true;
		o->naddpath = 0;
		while (buf_left(&r) > 0) {
			(void)buf_get_u16(&r, &afi);
			(void)buf_get_u8(&r, &safi);
			(void)buf_get_u8(&r, &flags);
			afisafi_add(o->addpath_afi, &o->naddpath, afi, safi,
			    flags);
		}
		return;
	}
	if (o->nraw < BGP_MAX_CAPA_RAW) {
		o->raw[o->nraw].code = code;
		o->raw[o->nraw].len = len;
		o->raw[o->nraw].data = p;
		o->nraw++;
	}
	return;
bad:
	o->nbadcapa++;
}

static int
capas_parse(struct bgp_open *o, struct buf_reader *r, struct bgp_err *err)
{
	const uint8_t *p;
	uint8_t code, len;

	while (buf_left(r) > 0) {
		if (buf_get_u8(r, &code) != 0 || buf_get_u8(r, &len) != 0 ||
		    buf_get_ptr(r, &p, len) != 0) {
			bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_OPEN, 0,
			    "capability %u overruns its parameter", code);
			return -1;
		}
		capa_parse(o, code, p, len);
	}
	return 0;
}

int
bgp_open_parse(struct bgp_open *o, struct buf_reader *r, struct bgp_err *err)
{
	struct buf_reader params, pv;
	uint8_t optlen, ptype, first;
	uint16_t plen = 0, extlen;
	bool ext = false;

	memset(o, 0, sizeof(*o));
	(void)buf_get_u8(r, &o->version);
	(void)buf_get_u16(r, &o->my_as);
	(void)buf_get_u16(r, &o->hold);
	(void)buf_get_u32(r, &o->id);
	(void)buf_get_u8(r, &optlen);
	if (o->version != BGP_VERSION) {
		uint8_t d[2] = { 0, BGP_VERSION };

		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_OPEN,
		    BGP_ERR_OPEN_VERSION, "version %u", o->version);
		bgp_err_data(err, d, 2);	/* the largest we support */
		return -1;
	}
	if (o->my_as == 0) {			/* RFC 7607 */
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_OPEN,
		    BGP_ERR_OPEN_BAD_PEER_AS, "my AS 0");
		return -1;
	}
	if (o->hold == 1 || o->hold == 2) {
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_OPEN,
		    BGP_ERR_OPEN_HOLD_TIME, "hold time %u", o->hold);
		return -1;
	}
	if (o->id == 0) {			/* RFC 6286 section 2.2 */
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_OPEN,
		    BGP_ERR_OPEN_BAD_ID, "BGP identifier 0.0.0.0");
		return -1;
	}
	/* RFC 9072 section 2: 255 followed by type 255 announces the long form. */
	if (optlen == 255 && buf_peek_u8(r, &first) == 0 &&
	    first == BGP_OPT_EXTENDED) {
		ext = true;
		(void)buf_skip(r, 1);
		if (buf_get_u16(r, &extlen) != 0)
			goto badlen;
		plen = extlen;
	} else
		plen = optlen;
	if (buf_left(r) != plen)
		goto badlen;
	(void)buf_get_sub(r, &params, plen);
	while (buf_left(&params) > 0) {
		uint8_t l8;

		if (buf_get_u8(&params, &ptype) != 0)
			goto badlen;
		if (ext) {
			if (buf_get_u16(&params, &plen) != 0)
				goto badlen;
		} else {
			if (buf_get_u8(&params, &l8) != 0)
				goto badlen;
			plen = l8;
		}
		if (buf_get_sub(&params, &pv, plen) != 0)
			goto badlen;
		if (ptype != BGP_OPT_CAPABILITIES) {
			bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_OPEN,
			    BGP_ERR_OPEN_OPT_PARAM, "optional parameter %u",
			    ptype);
			return -1;
		}
		if (capas_parse(o, &pv, err) != 0)
			return -1;
	}
	if (o->as4 && o->as4_value == 0) {	/* RFC 7607 */
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_OPEN,
		    BGP_ERR_OPEN_BAD_PEER_AS, "4-octet AS 0");
		return -1;
	}
	return 0;
badlen:
	/* 6.2 has no subcode for this; OpenBGPD and BIRD answer 2/0 too. */
	bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_OPEN, 0,
	    "optional parameters length %u inconsistent with %zu bytes left",
	    plen, buf_left(r));
	return -1;
}

static void
put_tuples(struct buf_writer *w, const struct bgp_afisafi *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		(void)buf_put_u16(w, t[i].afi);
		(void)buf_put_u8(w, t[i].safi);
		(void)buf_put_u8(w, t[i].flags);
	}
}

/* All capabilities, in a fixed order, into w. */
static void
capas_encode(const struct bgp_open *o, struct buf_writer *w)
{
	size_t i;

	for (i = 0; i < o->nmp; i++) {
		(void)buf_put_u8(w, BGP_CAPA_MP);
		(void)buf_put_u8(w, 4);
		(void)buf_put_u16(w, o->mp[i].afi);
		(void)buf_put_u8(w, 0);
		(void)buf_put_u8(w, o->mp[i].safi);
	}
	if (o->route_refresh) {
		(void)buf_put_u8(w, BGP_CAPA_ROUTE_REFRESH);
		(void)buf_put_u8(w, 0);
	}
	if (o->ext_msg) {
		(void)buf_put_u8(w, BGP_CAPA_EXT_MSG);
		(void)buf_put_u8(w, 0);
	}
	if (o->as4) {
		(void)buf_put_u8(w, BGP_CAPA_AS4);
		(void)buf_put_u8(w, 4);
		(void)buf_put_u32(w, o->as4_value);
	}
	if (o->gr) {
		(void)buf_put_u8(w, BGP_CAPA_GRACEFUL_RESTART);
		(void)buf_put_u8(w, (uint8_t)(2 + 4 * o->ngr));
		(void)buf_put_u16(w, (uint16_t)((o->gr_flags & 0xf000) |
		    (o->gr_time & 0x0fff)));
		put_tuples(w, o->gr_afi, o->ngr);
	}
	if (o->addpath && o->naddpath > 0) {
		(void)buf_put_u8(w, BGP_CAPA_ADD_PATH);
		(void)buf_put_u8(w, (uint8_t)(4 * o->naddpath));
		put_tuples(w, o->addpath_afi, o->naddpath);
	}
	for (i = 0; i < o->nraw; i++) {
		(void)buf_put_u8(w, o->raw[i].code);
		(void)buf_put_u8(w, o->raw[i].len);
		if (o->raw[i].len > 0)
			(void)buf_put_bytes(w, o->raw[i].data, o->raw[i].len);
	}
}

int
bgp_open_encode(const struct bgp_open *o, struct buf_writer *w,
    struct bgp_err *err)
{
	uint8_t caps[BGP_MSG_MAX];
	struct buf_writer cw;

	buf_writer_init(&cw, caps, sizeof(caps));
	capas_encode(o, &cw);
	if (!buf_wok(&cw)) {
		bgp_err_set(err, BGP_ACT_RESET, 0, 0, "capabilities too long");
		return -1;
	}
	(void)buf_put_u8(w, o->version);
	(void)buf_put_u16(w, o->my_as);
	(void)buf_put_u16(w, o->hold);
	(void)buf_put_u32(w, o->id);
	if (cw.len == 0)
		(void)buf_put_u8(w, 0);
	else if (cw.len + 2 <= 255) {
		(void)buf_put_u8(w, (uint8_t)(cw.len + 2));
		(void)buf_put_u8(w, BGP_OPT_CAPABILITIES);
		(void)buf_put_u8(w, (uint8_t)cw.len);
	} else {
		/* RFC 9072 section 2: the long form only when needed. */
		(void)buf_put_u8(w, 255);
		(void)buf_put_u8(w, BGP_OPT_EXTENDED);
		(void)buf_put_u16(w, (uint16_t)(cw.len + 3));
		(void)buf_put_u8(w, BGP_OPT_CAPABILITIES);
		(void)buf_put_u16(w, (uint16_t)cw.len);
	}
	(void)buf_put_bytes(w, caps, cw.len);
	return buf_wok(w) ? 0 : -1;
}

void
bgp_open_init(struct bgp_open *o, uint32_t asn, uint16_t hold, uint32_t id)
{
	memset(o, 0, sizeof(*o));
	o->version = BGP_VERSION;
	o->my_as = asn > 0xffff ? BGP_AS_TRANS : (uint16_t)asn;
	o->hold = hold;
	o->id = id;
	o->nmp = 1;
	o->mp[0].afi = BGP_AFI_IPV4;
	o->mp[0].safi = BGP_SAFI_UNICAST;
	o->route_refresh = true;
	o->as4 = true;
	o->as4_value = asn;
}

uint32_t
bgp_open_peer_as(const struct bgp_open *o)
{
	return o->as4 ? o->as4_value : o->my_as;
}
