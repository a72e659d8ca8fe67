/*
 * ike_pld_sa: the Security Association payload, its proposals, transforms and
 * transform attributes (RFC 7296 3.3, 3.3.1, 3.3.2, 3.3.5).
 *
 * Validate, then interpret: sa_walk() runs once with no output to check every
 * nested length (proposal length vs SPI size vs transforms, transform length vs
 * attributes, attribute TLV lengths), the substructure markers, the counts and
 * the proposal numbering; only a body that passes is walked again to fill the
 * struct.  Proposal and transform counts are bounded (IKE_MAX_PROPOSALS,
 * IKE_MAX_XFORMS): more is IKE_PARSE_LIMIT, never a silent truncation.
 */
#include <string.h>

#include "ike/ike_msg.h"

#define PROP_HDR_LEN	8
#define XFORM_HDR_LEN	8

static enum ike_parse_result
attrs_walk(struct buf_reader *r, struct ike_xform *xf, struct ike_err *err)
{
	while (buf_left(r) > 0) {
		uint16_t t, v;

		if (buf_get_u16(r, &t) == -1 || buf_get_u16(r, &v) == -1)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SA,
			    "transform attribute truncated");
		if (t & IKE_ATTR_AF) {
			if ((t & ~IKE_ATTR_AF) == IKE_ATTR_KEY_LENGTH) {
				if (v == 0)
					return ike_err_set(err,
					    IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SA,
					    "key length attribute 0");
				if (xf != NULL)
					xf->keylen = v;
			} else if (xf != NULL)
				xf->unknown_attr = true;
		} else {
			/* TLV: v is the value length. */
			if (buf_skip(r, v) == -1)
				return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX,
				    IKE_PLD_SA, "attribute length %u > %zu left", v,
				    buf_left(r));
			if (xf != NULL)
				xf->unknown_attr = true;
		}
	}
	return IKE_PARSE_OK;
}

static enum ike_parse_result
prop_walk(struct buf_reader *r, uint8_t nxf, struct ike_prop *p,
    struct ike_err *err)
{
	enum ike_parse_result res;
	unsigned i;

	for (i = 0; i < nxf; i++) {
		uint8_t last, rsv, type, rsv2;
		uint16_t tlen, id;
		struct buf_reader sub;
		struct ike_xform *xf = p != NULL ? &p->xf[i] : NULL;

		if (buf_left(r) < XFORM_HDR_LEN)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SA,
			    "transform %u truncated: %zu bytes < 8", i + 1,
			    buf_left(r));
		buf_get_u8(r, &last);
		buf_get_u8(r, &rsv);
		buf_get_u16(r, &tlen);
		buf_get_u8(r, &type);
		buf_get_u8(r, &rsv2);
		buf_get_u16(r, &id);
		if (tlen < XFORM_HDR_LEN)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SA,
			    "transform length %u < 8", tlen);
		if (buf_get_sub(r, &sub, (size_t)tlen - XFORM_HDR_LEN) == -1)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SA,
			    "transform length %u > %zu left", tlen,
			    buf_left(r) + XFORM_HDR_LEN);
		if (last != (i + 1 == nxf ? IKE_XFORM_LAST : IKE_XFORM_MORE))
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SA,
			    "transform %u of %u has last-substruc %u", i + 1, nxf,
			    last);
		/* Unknown transform types and IDs are kept: the policy layer
		 * skips such proposals (3.3.6), the codec does not judge them. */
		if (xf != NULL) {
			memset(xf, 0, sizeof(*xf));
			xf->type = type;
			xf->id = id;
		}
		if ((res = attrs_walk(&sub, xf, err)) != IKE_PARSE_OK)
			return res;
	}
	if (buf_left(r) != 0)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SA,
		    "%zu bytes after the %u transforms", buf_left(r), nxf);
	return IKE_PARSE_OK;
}

static enum ike_parse_result
sa_walk(const struct ike_pld_raw *raw, struct ike_sa *sa, struct ike_err *err)
{
	struct buf_reader r;
	enum ike_parse_result res;
	unsigned n = 0;
	uint8_t prevnum = 0;

	buf_reader_init(&r, raw->body, raw->len);
	if (buf_left(&r) == 0)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SA,
		    "SA with no proposal");
	while (buf_left(&r) > 0) {
		uint8_t last, rsv, num, proto, spi_len, nxf;
		uint16_t plen;
		struct buf_reader sub;
		struct ike_prop *p = sa != NULL ? &sa->prop[n] : NULL;

		if (n >= IKE_MAX_PROPOSALS)
			return ike_err_set(err, IKE_PARSE_LIMIT, IKE_PLD_SA,
			    "more than %d proposals", IKE_MAX_PROPOSALS);
		if (buf_left(&r) < PROP_HDR_LEN)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SA,
			    "proposal truncated: %zu bytes < 8", buf_left(&r));
		buf_get_u8(&r, &last);
		buf_get_u8(&r, &rsv);
		buf_get_u16(&r, &plen);
		buf_get_u8(&r, &num);
		buf_get_u8(&r, &proto);
		buf_get_u8(&r, &spi_len);
		buf_get_u8(&r, &nxf);
		if (plen < PROP_HDR_LEN + (unsigned)spi_len)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SA,
			    "proposal length %u < %u", plen,
			    PROP_HDR_LEN + (unsigned)spi_len);
		if (buf_get_sub(&r, &sub, (size_t)plen - PROP_HDR_LEN) == -1)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SA,
			    "proposal length %u > %zu left", plen,
			    buf_left(&r) + PROP_HDR_LEN);
		if (last != (buf_left(&r) == 0 ? IKE_PROP_LAST : IKE_PROP_MORE))
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SA,
			    "proposal %u has last-substruc %u", num, last);
		/* 3.3.1: numbered from one, each one more than the previous; a
		 * response carries the single accepted proposal with its number. */
		if (num == 0 || (n > 0 && num != (uint8_t)(prevnum + 1)))
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SA,
			    "proposal number %u after %u", num, prevnum);
		prevnum = num;
		switch (proto) {
		case IKE_PROTO_IKE:
			if (spi_len != 0 && spi_len != IKE_SPI_LEN)
				return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX,
				    IKE_PLD_SA, "IKE proposal SPI size %u", spi_len);
			break;
		case IKE_PROTO_AH:
		case IKE_PROTO_ESP:
			if (spi_len != IKE_CHILD_SPI_LEN)
				return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX,
				    IKE_PLD_SA, "%s proposal SPI size %u != 4",
				    proto == IKE_PROTO_AH ? "AH" : "ESP", spi_len);
			break;
		default:
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SA,
			    "proposal protocol id %u", proto);
		}
		if (nxf == 0)
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, IKE_PLD_SA,
			    "proposal %u has no transforms", num);
		if (nxf > IKE_MAX_XFORMS)
			return ike_err_set(err, IKE_PARSE_LIMIT, IKE_PLD_SA,
			    "proposal %u has %u transforms > %d", num, nxf,
			    IKE_MAX_XFORMS);
		if (p != NULL) {
			memset(p, 0, sizeof(*p));
			p->num = num;
			p->proto = proto;
			p->spi_len = spi_len;
			p->nxf = nxf;
			buf_get_bytes(&sub, p->spi, spi_len);
		} else
			buf_skip(&sub, spi_len);
		if ((res = prop_walk(&sub, nxf, p, err)) != IKE_PARSE_OK)
			return res;
		n++;
	}
	if (sa != NULL)
		sa->nprop = (uint8_t)n;
	return IKE_PARSE_OK;
}

enum ike_parse_result
ike_sa_parse(const struct ike_pld_raw *raw, struct ike_sa *sa, struct ike_err *err)
{
	enum ike_parse_result res;

	if ((res = sa_walk(raw, NULL, err)) != IKE_PARSE_OK)
		return res;
	memset(sa, 0, sizeof(*sa));
	return sa_walk(raw, sa, err);
}

int
ike_sa_encode(struct buf_writer *w, const struct ike_sa *sa)
{
	unsigned i, j;

	if (sa->nprop == 0 || sa->nprop > IKE_MAX_PROPOSALS)
		return -1;
	for (i = 0; i < sa->nprop; i++) {
		const struct ike_prop *p = &sa->prop[i];
		size_t pstart = w->len;

		if (p->nxf == 0 || p->nxf > IKE_MAX_XFORMS ||
		    p->spi_len > IKE_SPI_LEN)
			return -1;
		buf_put_u8(w, i + 1 == sa->nprop ? IKE_PROP_LAST : IKE_PROP_MORE);
		buf_put_u8(w, 0);
		buf_put_u16(w, 0);
		buf_put_u8(w, p->num);
		buf_put_u8(w, p->proto);
		buf_put_u8(w, p->spi_len);
		buf_put_u8(w, p->nxf);
		buf_put_bytes(w, p->spi, p->spi_len);
		for (j = 0; j < p->nxf; j++) {
			const struct ike_xform *xf = &p->xf[j];

			buf_put_u8(w, j + 1 == p->nxf ? IKE_XFORM_LAST :
			    IKE_XFORM_MORE);
			buf_put_u8(w, 0);
			buf_put_u16(w, xf->keylen ? XFORM_HDR_LEN + 4 : XFORM_HDR_LEN);
			buf_put_u8(w, xf->type);
			buf_put_u8(w, 0);
			buf_put_u16(w, xf->id);
			if (xf->keylen) {
				buf_put_u16(w, IKE_ATTR_AF | IKE_ATTR_KEY_LENGTH);
				buf_put_u16(w, xf->keylen);
			}
		}
		if (!buf_wok(w) || w->len - pstart > UINT16_MAX)
			return -1;
		buf_patch_u16(w, pstart + 2, (uint16_t)(w->len - pstart));
	}
	return buf_wok(w) ? 0 : -1;
}
