/*
 * bgp_update: UPDATE framing (RFC 4271 section 4.3) and the path attribute walk
 * with the RFC 7606 decisions that belong to the message rather than to one
 * attribute: length fields inconsistent with the message (section 4, 5.3: session
 * reset), an attribute overrunning the attribute field (section 4:
 * treat-as-withdraw), repeated attributes (3.g), missing well-known attributes
 * (3.d).  Per-attribute checks are in bgp_attr.c; encoding in bgp_update_enc.c.
 */
#include <string.h>

#include "bgp/bgp_attr.h"

static void
walk_err(struct bgp_err *err, enum bgp_action act, uint8_t sub, const char *why,
    size_t left)
{
	bgp_err_set(err, act, BGP_ERR_UPDATE, sub, "%s (%zu bytes left)", why,
	    left);
}

/* Returns -1 only for a session reset. */
static int
attrs_walk(struct bgp_attrs *at, struct buf_reader *r, const struct bgp_sess *sess,
    struct bgp_err *err)
{
	struct bgp_as4_in as4;
	struct bgp_attr_in a;
	struct buf_reader start;
	uint8_t seen[256 / 8], l8;
	size_t before;

	memset(seen, 0, sizeof(seen));
	as4.has_path = as4.has_agg = false;
	while (buf_left(r) > 0) {
		start = *r;
		before = buf_left(r);
		if (buf_get_u8(r, &a.flags) != 0 || buf_get_u8(r, &a.type) != 0)
			goto overrun;
		if (a.flags & BGP_ATTR_EXTLEN) {
			if (buf_get_u16(r, &a.len) != 0)
				goto overrun;
		} else {
			if (buf_get_u8(r, &l8) != 0)
				goto overrun;
			a.len = l8;
		}
		if (buf_get_ptr(r, &a.data, a.len) != 0)
			goto overrun;
		a.wholelen = before - buf_left(r);
		(void)buf_get_ptr(&start, &a.whole, a.wholelen);
		if (seen[a.type / 8] & (1u << (a.type % 8))) {
			/* 3.g: MP twice is unrecoverable; others keep the first. */
			if (a.type == BGP_ATTR_MP_REACH_NLRI ||
			    a.type == BGP_ATTR_MP_UNREACH_NLRI) {
				walk_err(err, BGP_ACT_RESET, BGP_ERR_UPD_ATTR_LIST,
				    "MP_(UN)REACH_NLRI repeated", buf_left(r));
				return -1;
			}
			walk_err(err, BGP_ACT_ATTR_DISCARD, BGP_ERR_UPD_ATTR_LIST,
			    "attribute repeated", buf_left(r));
			at->ndiscarded++;
			continue;
		}
		seen[a.type / 8] |= (uint8_t)(1u << (a.type % 8));
		if (bgp_attr_parse(at, &as4, &a, sess, err) != 0)
			return -1;
	}
	if (!sess->as4)
		bgp_as4_merge(at, &as4);
	return 0;
overrun:
	/*
	 * Section 4: the NLRI is still located by the Total Path Attribute Length,
	 * so treat-as-withdraw suffices.
	 */
	walk_err(err, BGP_ACT_WITHDRAW, BGP_ERR_UPD_ATTR_LIST,
	    "attribute overruns the path attributes", before);
	return 0;
}

int
bgp_update_parse(struct bgp_update *u, struct buf_reader *r,
    const struct bgp_sess *sess, struct bgp_err *err)
{
	struct buf_reader ar;
	const uint8_t *p;
	uint16_t wlen, alen;
	size_t n;
	uint8_t missing = 0;

	memset(u, 0, sizeof(*u));
	u->withdrawn.afi = u->nlri.afi = BGP_AFI_IPV4;
	(void)buf_get_u16(r, &wlen);
	if (buf_get_ptr(r, &p, wlen) != 0) {
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_UPDATE,
		    BGP_ERR_UPD_ATTR_LIST, "withdrawn routes length %u > %zu",
		    wlen, buf_left(r));
		return -1;
	}
	if (bgp_nlri_validate(&u->withdrawn, p, wlen, BGP_AFI_IPV4,
	    sess->addpath_v4) != 0) {
		u->withdrawn.len = 0;
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_UPDATE,
		    BGP_ERR_UPD_NETWORK, "malformed withdrawn routes");
		return -1;
	}
	if (buf_get_u16(r, &alen) != 0 || buf_get_sub(r, &ar, alen) != 0) {
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_UPDATE,
		    BGP_ERR_UPD_ATTR_LIST, "path attribute length %u > %zu",
		    alen, buf_left(r));
		return -1;
	}
	n = buf_left(r);
	(void)buf_get_ptr(r, &p, n);
	if (bgp_nlri_validate(&u->nlri, p, n, BGP_AFI_IPV4,
	    sess->addpath_v4) != 0) {
		u->nlri.len = 0;
		bgp_err_set(err, BGP_ACT_RESET, BGP_ERR_UPDATE,
		    BGP_ERR_UPD_NETWORK, "malformed NLRI");
		return -1;
	}
	if (attrs_walk(&u->attrs, &ar, sess, err) != 0)
		return -1;
	/* 3.d: mandatory attributes only matter when something is announced. */
	if (u->nlri.len > 0 || BGP_HAS(&u->attrs, BGP_ATTR_MP_REACH_NLRI)) {
		if (!BGP_HAS(&u->attrs, BGP_ATTR_ORIGIN))
			missing = BGP_ATTR_ORIGIN;
		else if (!BGP_HAS(&u->attrs, BGP_ATTR_AS_PATH))
			missing = BGP_ATTR_AS_PATH;
		else if (u->nlri.len > 0 &&
		    !BGP_HAS(&u->attrs, BGP_ATTR_NEXT_HOP))
			missing = BGP_ATTR_NEXT_HOP;
	}
	/* An attribute that was present but malformed already decided. */
	if (missing != 0 && err->action < BGP_ACT_WITHDRAW) {
		bgp_err_set(err, BGP_ACT_WITHDRAW, BGP_ERR_UPDATE,
		    BGP_ERR_UPD_MISSING_WELLKNOWN, "attribute %u missing",
		    missing);
		err->attr = missing;
		bgp_err_data(err, &missing, 1);	/* 6.3: the type code */
	}
	return 0;
}
