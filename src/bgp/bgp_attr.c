/*
 * bgp_attr: one path attribute at a time (RFC 4271 section 5.1, COMMUNITIES RFC
 * 1997, MP_(UN)REACH_NLRI RFC 4760 sections 3-4, AS4_PATH / AS4_AGGREGATOR RFC
 * 6793), each with the RFC 7606 section 7 action for its own malformations, and
 * the AS4 merge of RFC 6793 section 4.2.3.  bgp_update.c walks the list and
 * calls bgp_attr_parse() for each attribute.
 */
#include <string.h>

#include "bgp/bgp_attr.h"

/* 4271 6.3: the Optional and Transitive bits each known type must carry. */
static int
want_flags(uint8_t type)
{
	switch (type) {
	case BGP_ATTR_ORIGIN:
	case BGP_ATTR_AS_PATH:
	case BGP_ATTR_NEXT_HOP:
	case BGP_ATTR_LOCAL_PREF:
	case BGP_ATTR_ATOMIC_AGGREGATE:
		return BGP_ATTR_TRANSITIVE;
	case BGP_ATTR_MED:
	case BGP_ATTR_MP_REACH_NLRI:
	case BGP_ATTR_MP_UNREACH_NLRI:
		return BGP_ATTR_OPTIONAL;
	case BGP_ATTR_AGGREGATOR:
	case BGP_ATTR_COMMUNITIES:
	case BGP_ATTR_AS4_PATH:
	case BGP_ATTR_AS4_AGGREGATOR:
		return BGP_ATTR_OPTIONAL | BGP_ATTR_TRANSITIVE;
	}
	return -1;
}

/* RFC 7606 section 7: the action for a malformed attribute of each type. */
static enum bgp_action
malformed_action(uint8_t type)
{
	switch (type) {
	case BGP_ATTR_ATOMIC_AGGREGATE:		/* 7.6 */
	case BGP_ATTR_AGGREGATOR:		/* 7.7 */
	case BGP_ATTR_AS4_PATH:			/* RFC 6793 section 6 */
	case BGP_ATTR_AS4_AGGREGATOR:
		return BGP_ACT_ATTR_DISCARD;
	case BGP_ATTR_MP_REACH_NLRI:		/* 7.11, NLRI not locatable */
	case BGP_ATTR_MP_UNREACH_NLRI:
		return BGP_ACT_RESET;
	}
	return BGP_ACT_WITHDRAW;		/* 7.1-7.5, 7.8 */
}

static void
attr_err(struct bgp_err *err, const struct bgp_attr_in *a, enum bgp_action act,
    uint8_t sub, const char *what)
{
	bgp_err_set(err, act, BGP_ERR_UPDATE, sub, "attribute %u: %s (length %u)",
	    a->type, what, a->len);
	if (err->action == act && err->subcode == sub) {
		err->attr = a->type;
		bgp_err_data(err, a->whole, a->wholelen);	/* 6.3: the attribute */
	}
}

/*
 * 4.3 / RFC 7606 section 7.2: segments of a known type, a non-zero count, no
 * overrun, no leftover byte.
 */
int
bgp_aspath_parse(struct bgp_aspath *ap, const uint8_t *p, size_t len,
    unsigned asz)
{
	struct buf_reader r;
	uint8_t type, cnt;
	uint16_t a16;
	uint32_t a32;
	unsigned i;

	ap->nseg = ap->nas = 0;
	buf_reader_init(&r, p, len);
	while (buf_left(&r) > 0) {
		if (buf_get_u8(&r, &type) != 0 || buf_get_u8(&r, &cnt) != 0 ||
		    type < BGP_AS_SET || type > BGP_AS_CONFED_SET || cnt == 0 ||
		    buf_left(&r) < (size_t)cnt * asz)
			return -1;
		if (ap->nseg >= BGP_MAX_ASPATH_SEG ||
		    ap->nas + cnt > BGP_MAX_ASPATH_AS)
			return -1;	/* cannot happen within 4096 bytes */
		ap->seg_type[ap->nseg] = type;
		ap->seg_len[ap->nseg] = cnt;
		ap->nseg++;
		for (i = 0; i < cnt; i++) {
			if (asz == 2) {
				(void)buf_get_u16(&r, &a16);
				a32 = a16;
			} else
				(void)buf_get_u32(&r, &a32);
			ap->as[ap->nas++] = a32;
		}
	}
	return 0;
}

static bool
is_confed(uint8_t t)
{
	return t == BGP_AS_CONFED_SEQUENCE || t == BGP_AS_CONFED_SET;
}

/* RFC 4271 9.1.2.2 a) / RFC 6793 4.2.3: sets count 1, confederation segments 0. */
size_t
bgp_aspath_count(const struct bgp_aspath *ap)
{
	size_t i, n = 0;

	for (i = 0; i < ap->nseg; i++) {
		if (ap->seg_type[i] == BGP_AS_SEQUENCE)
			n += ap->seg_len[i];
		else if (ap->seg_type[i] == BGP_AS_SET)
			n++;
	}
	return n;
}

static void
seg_append(struct bgp_aspath *dst, uint8_t type, const uint32_t *as, size_t n)
{
	if (n == 0 || dst->nseg >= BGP_MAX_ASPATH_SEG ||
	    dst->nas + n > BGP_MAX_ASPATH_AS)
		return;
	dst->seg_type[dst->nseg] = type;
	dst->seg_len[dst->nseg] = (uint8_t)n;
	dst->nseg++;
	memcpy(&dst->as[dst->nas], as, n * sizeof(*as));
	dst->nas += n;
}

/*
 * RFC 6793 4.2.3: keep the leading (count(AS_PATH) - count(AS4_PATH)) ASes of
 * AS_PATH (leading confederation segments stay: they count 0 and an AS4_PATH
 * never carries them), then append AS4_PATH.  When AS_PATH is the shorter one the
 * AS4_PATH is ignored.  Confederation segments in AS4_PATH are dropped (section 6).
 */
void
bgp_aspath_merge(struct bgp_aspath *path, const struct bgp_aspath *as4)
{
	struct bgp_aspath out;
	size_t n2 = bgp_aspath_count(path), n4 = bgp_aspath_count(as4);
	size_t need, i, off = 0, take;

	if (n2 < n4)
		return;
	need = n2 - n4;
	out.nseg = out.nas = 0;
	for (i = 0; i < path->nseg; off += path->seg_len[i], i++) {
		uint8_t t = path->seg_type[i];

		if (is_confed(t)) {
			seg_append(&out, t, &path->as[off], path->seg_len[i]);
			continue;
		}
		if (need == 0)
			break;
		if (t == BGP_AS_SET) {
			seg_append(&out, t, &path->as[off], path->seg_len[i]);
			need--;
			continue;
		}
		take = path->seg_len[i] < need ? path->seg_len[i] : need;
		seg_append(&out, t, &path->as[off], take);
		need -= take;
	}
	for (i = 0, off = 0; i < as4->nseg; off += as4->seg_len[i], i++)
		if (!is_confed(as4->seg_type[i]))
			seg_append(&out, as4->seg_type[i], &as4->as[off],
			    as4->seg_len[i]);
	*path = out;
}

static int
get_u32(const struct bgp_attr_in *a, uint32_t *v)
{
	struct buf_reader r;

	buf_reader_init(&r, a->data, a->len);
	return buf_get_u32(&r, v);
}

/* 4271 6.3: a next hop must be a unicast host address. */
static bool
nexthop_ok(uint32_t nh)
{
	return nh != 0 && nh != 0xffffffffu && (nh >> 28) < 0xe;
}

static int
mp_reach_parse(struct bgp_attrs *at, const struct bgp_attr_in *a,
    const struct bgp_sess *sess, struct bgp_err *err)
{
	struct buf_reader r;
	uint16_t afi;
	uint8_t safi, nhlen, res;
	const uint8_t *nh, *nlri;
	size_t nlen;
	bool ap;

	buf_reader_init(&r, a->data, a->len);
	if (buf_get_u16(&r, &afi) != 0 || buf_get_u8(&r, &safi) != 0 ||
	    buf_get_u8(&r, &nhlen) != 0 || buf_get_ptr(&r, &nh, nhlen) != 0 ||
	    buf_get_u8(&r, &res) != 0) {
		attr_err(err, a, BGP_ACT_RESET, BGP_ERR_UPD_OPTIONAL_ATTR,
		    "MP_REACH_NLRI header overruns");
		return -1;
	}
	if ((afi != BGP_AFI_IPV4 && afi != BGP_AFI_IPV6) ||
	    safi != BGP_SAFI_UNICAST) {
		at->ndiscarded++;	/* not negotiated by us: ignore */
		return 0;
	}
	nlen = buf_left(&r);
	(void)buf_get_ptr(&r, &nlri, nlen);
	ap = afi == BGP_AFI_IPV6 ? sess->addpath_v6 : sess->addpath_v4;
	if (bgp_nlri_validate(&at->mp_reach, nlri, nlen, afi, ap) != 0) {
		at->mp_reach.len = 0;
		attr_err(err, a, BGP_ACT_RESET, BGP_ERR_UPD_OPTIONAL_ATTR,
		    "MP_REACH_NLRI prefix overruns");
		return -1;
	}
	at->present |= 1u << BGP_ATTR_MP_REACH_NLRI;
	at->mp_safi = safi;
	at->mp_nhlen = 0;
	/* RFC 4760 section 3 / RFC 2545 section 3: 4 for IPv4, 16 or 32 for IPv6. */
	if ((afi == BGP_AFI_IPV4 && nhlen != 4) ||
	    (afi == BGP_AFI_IPV6 && nhlen != 16 && nhlen != 32)) {
		attr_err(err, a, BGP_ACT_WITHDRAW, BGP_ERR_UPD_OPTIONAL_ATTR,
		    "next hop length inconsistent with the AFI");
		return 0;
	}
	at->mp_nhlen = nhlen;
	memcpy(at->mp_nh, nh, nhlen);
	return 0;
}

static int
mp_unreach_parse(struct bgp_attrs *at, const struct bgp_attr_in *a,
    const struct bgp_sess *sess, struct bgp_err *err)
{
	struct buf_reader r;
	uint16_t afi;
	uint8_t safi;
	const uint8_t *p;
	size_t n;

	buf_reader_init(&r, a->data, a->len);
	if (buf_get_u16(&r, &afi) != 0 || buf_get_u8(&r, &safi) != 0) {
		attr_err(err, a, BGP_ACT_RESET, BGP_ERR_UPD_OPTIONAL_ATTR,
		    "MP_UNREACH_NLRI header overruns");
		return -1;
	}
	if ((afi != BGP_AFI_IPV4 && afi != BGP_AFI_IPV6) ||
	    safi != BGP_SAFI_UNICAST) {
		at->ndiscarded++;
		return 0;
	}
	n = buf_left(&r);
	(void)buf_get_ptr(&r, &p, n);
	if (bgp_nlri_validate(&at->mp_unreach, p, n, afi, afi == BGP_AFI_IPV6 ?
	    sess->addpath_v6 : sess->addpath_v4) != 0) {
		at->mp_unreach.len = 0;
		attr_err(err, a, BGP_ACT_RESET, BGP_ERR_UPD_OPTIONAL_ATTR,
		    "MP_UNREACH_NLRI prefix overruns");
		return -1;
	}
	at->present |= 1u << BGP_ATTR_MP_UNREACH_NLRI;
	at->mp_unreach_safi = safi;
	return 0;
}

static void
aggregator_parse(const struct bgp_attr_in *a, unsigned asz, uint32_t *as,
    uint32_t *id)
{
	struct buf_reader r;
	uint16_t a16;

	buf_reader_init(&r, a->data, a->len);
	if (asz == 2) {
		(void)buf_get_u16(&r, &a16);
		*as = a16;
	} else
		(void)buf_get_u32(&r, as);
	(void)buf_get_u32(&r, id);
}

int
bgp_attr_parse(struct bgp_attrs *at, struct bgp_as4_in *as4,
    const struct bgp_attr_in *a, const struct bgp_sess *sess,
    struct bgp_err *err)
{
	unsigned asz = sess->as4 ? 4 : 2;
	int want = want_flags(a->type);
	struct buf_reader r;
	size_t i;

	if (want < 0) {
		/* 4271 6.3 / 5: unknown well-known is fatal; optional ones pass. */
		if (!(a->flags & BGP_ATTR_OPTIONAL)) {
			attr_err(err, a, BGP_ACT_RESET,
			    BGP_ERR_UPD_UNKNOWN_WELLKNOWN,
			    "unrecognized well-known attribute");
			return -1;
		}
		if (!(a->flags & BGP_ATTR_TRANSITIVE))
			return 0;	/* quietly ignored, not passed on */
		if (at->nunknown >= BGP_MAX_UNKNOWN_ATTRS) {
			attr_err(err, a, BGP_ACT_ATTR_DISCARD,
			    BGP_ERR_UPD_OPTIONAL_ATTR,
			    "too many unknown attributes");
			at->ndiscarded++;
			return 0;
		}
		at->unknown[at->nunknown].flags = a->flags;
		at->unknown[at->nunknown].type = a->type;
		at->unknown[at->nunknown].len = a->len;
		at->unknown[at->nunknown].data = a->data;
		at->nunknown++;
		return 0;
	}
	/* RFC 7606 3.c: a flags conflict is a malformation of the attribute. */
	if ((a->flags & (BGP_ATTR_OPTIONAL | BGP_ATTR_TRANSITIVE)) != want) {
		attr_err(err, a, malformed_action(a->type),
		    BGP_ERR_UPD_ATTR_FLAGS, "flags conflict with the type");
		goto discard;
	}
	switch (a->type) {
	case BGP_ATTR_ORIGIN:
		if (a->len != 1) {
			attr_err(err, a, BGP_ACT_WITHDRAW,
			    BGP_ERR_UPD_ATTR_LENGTH, "ORIGIN length != 1");
			goto discard;
		}
		at->origin = a->data[0];
		if (at->origin > BGP_ORIGIN_INCOMPLETE) {
			attr_err(err, a, BGP_ACT_WITHDRAW, BGP_ERR_UPD_ORIGIN,
			    "undefined ORIGIN value");
			goto discard;
		}
		break;
	case BGP_ATTR_AS_PATH:
		if (bgp_aspath_parse(&at->aspath, a->data, a->len, asz) != 0) {
			attr_err(err, a, BGP_ACT_WITHDRAW, BGP_ERR_UPD_AS_PATH,
			    "malformed AS_PATH");
			goto discard;
		}
		break;
	case BGP_ATTR_NEXT_HOP:
		if (a->len != 4) {
			attr_err(err, a, BGP_ACT_WITHDRAW,
			    BGP_ERR_UPD_ATTR_LENGTH, "NEXT_HOP length != 4");
			goto discard;
		}
		(void)get_u32(a, &at->nexthop);
		if (!nexthop_ok(at->nexthop)) {
			attr_err(err, a, BGP_ACT_WITHDRAW, BGP_ERR_UPD_NEXT_HOP,
			    "NEXT_HOP is not a unicast address");
			goto discard;
		}
		break;
	case BGP_ATTR_MED:
	case BGP_ATTR_LOCAL_PREF:
		if (a->len != 4) {
			attr_err(err, a, BGP_ACT_WITHDRAW,
			    BGP_ERR_UPD_ATTR_LENGTH, "length != 4");
			goto discard;
		}
		(void)get_u32(a, a->type == BGP_ATTR_MED ? &at->med :
		    &at->local_pref);
		break;
	case BGP_ATTR_ATOMIC_AGGREGATE:
		if (a->len != 0) {
			attr_err(err, a, BGP_ACT_ATTR_DISCARD,
			    BGP_ERR_UPD_ATTR_LENGTH, "ATOMIC_AGGREGATE length != 0");
			goto discard;
		}
		break;
	case BGP_ATTR_AGGREGATOR:
		if (a->len != 2 + asz + 2) {
			attr_err(err, a, BGP_ACT_ATTR_DISCARD,
			    BGP_ERR_UPD_ATTR_LENGTH, "AGGREGATOR length");
			goto discard;
		}
		aggregator_parse(a, asz, &at->agg_as, &at->agg_id);
		break;
	case BGP_ATTR_COMMUNITIES:
		if (a->len == 0 || a->len % 4 != 0) {	/* RFC 7606 7.8 */
			attr_err(err, a, BGP_ACT_WITHDRAW,
			    BGP_ERR_UPD_OPTIONAL_ATTR,
			    "COMMUNITIES length not a non-zero multiple of 4");
			goto discard;
		}
		buf_reader_init(&r, a->data, a->len);
		for (i = 0; i < a->len / 4u && i < BGP_MAX_COMMUNITIES; i++)
			(void)buf_get_u32(&r, &at->comm[i]);
		at->ncomm = i;
		break;
	case BGP_ATTR_MP_REACH_NLRI:
		return mp_reach_parse(at, a, sess, err);
	case BGP_ATTR_MP_UNREACH_NLRI:
		return mp_unreach_parse(at, a, sess, err);
	case BGP_ATTR_AS4_PATH:
	case BGP_ATTR_AS4_AGGREGATOR:
		if (sess->as4) {
			/* RFC 6793 4.1: a NEW speaker never sends them. */
			at->ndiscarded++;
			return 0;
		}
		if (a->type == BGP_ATTR_AS4_PATH) {
			if (bgp_aspath_parse(&as4->path, a->data, a->len,
			    4) != 0) {
				attr_err(err, a, BGP_ACT_ATTR_DISCARD,
				    BGP_ERR_UPD_OPTIONAL_ATTR,
				    "malformed AS4_PATH");
				at->ndiscarded++;
				return 0;
			}
			as4->has_path = true;
		} else {
			if (a->len != 8) {
				attr_err(err, a, BGP_ACT_ATTR_DISCARD,
				    BGP_ERR_UPD_ATTR_LENGTH,
				    "AS4_AGGREGATOR length != 8");
				at->ndiscarded++;
				return 0;
			}
			aggregator_parse(a, 4, &as4->agg_as, &as4->agg_id);
			as4->has_agg = true;
		}
		return 0;
	}
	at->present |= 1u << a->type;
	return 0;
discard:
	/* Withdraw or discard: either way the value is not used. */
	at->ndiscarded++;
	return err->action == BGP_ACT_RESET ? -1 : 0;
}

/* RFC 6793 4.2.3, on a session without the 4-octet capability. */
void
bgp_as4_merge(struct bgp_attrs *at, const struct bgp_as4_in *as4)
{
	if (BGP_HAS(at, BGP_ATTR_AGGREGATOR) && at->agg_as != BGP_AS_TRANS)
		return;	/* aggregated by an OLD speaker: both are stale */
	if (as4->has_agg && BGP_HAS(at, BGP_ATTR_AGGREGATOR)) {
		at->agg_as = as4->agg_as;
		at->agg_id = as4->agg_id;
	}
	if (as4->has_path && BGP_HAS(at, BGP_ATTR_AS_PATH))
		bgp_aspath_merge(&at->aspath, &as4->path);
}
