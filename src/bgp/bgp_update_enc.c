/*
 * bgp_update_enc: UPDATE encoding (RFC 4271 section 4.3) from a struct
 * bgp_update, and the builder that packs as many prefixes as fit in one
 * message.  On a session without the 4-octet AS capability the merged AS path
 * and aggregator are split back into AS_PATH/AGGREGATOR with AS_TRANS plus
 * AS4_PATH/AS4_AGGREGATOR (RFC 6793 section 4.2.2).  Unknown attributes are
 * always re-advertised ones, so they go out with the Partial bit (4271 5).
 */
#include <string.h>

#include "bgp/bgp_attr.h"

/* Flags, type, a reserved length (extended: values may pass 255); returns offset. */
static long
attr_begin(struct buf_writer *w, uint8_t flags, uint8_t type)
{
	(void)buf_put_u8(w, (uint8_t)(flags | BGP_ATTR_EXTLEN));
	(void)buf_put_u8(w, type);
	return buf_reserve(w, 2);
}

/*
 * Patch the length; when it fits one octet, shift the value down one byte and
 * clear the extended-length flag so we send the compact form.
 */
static void
attr_end(struct buf_writer *w, long off)
{
	size_t len;

	if (off < 0 || !buf_wok(w))
		return;
	len = w->len - (size_t)off - 2;
	if (len > 0xffff) {
		w->err = true;
		return;
	}
	if (len <= 255) {
		w->p[off - 2] &= (uint8_t)~BGP_ATTR_EXTLEN;
		w->p[off] = (uint8_t)len;
		memmove(w->p + off + 1, w->p + off + 2, len);
		w->len--;
	} else
		(void)buf_patch_u16(w, (size_t)off, (uint16_t)len);
}

static bool
seg_is_confed(uint8_t t)
{
	return t == BGP_AS_CONFED_SEQUENCE || t == BGP_AS_CONFED_SET;
}

/* AS4_PATH is needed when a non-confederation ASN does not fit 2 octets. */
static bool
needs_as4_path(const struct bgp_aspath *ap)
{
	size_t i, j, off = 0;

	for (i = 0; i < ap->nseg; off += ap->seg_len[i], i++)
		for (j = 0; j < ap->seg_len[i]; j++)
			if (!seg_is_confed(ap->seg_type[i]) &&
			    ap->as[off + j] > 0xffff)
				return true;
	return false;
}

static void
aspath_put(struct buf_writer *w, const struct bgp_aspath *ap, unsigned asz,
    bool skip_confed)
{
	size_t i, j, off = 0;
	uint32_t as;

	for (i = 0; i < ap->nseg; off += ap->seg_len[i], i++) {
		if (skip_confed && seg_is_confed(ap->seg_type[i]))
			continue;
		(void)buf_put_u8(w, ap->seg_type[i]);
		(void)buf_put_u8(w, ap->seg_len[i]);
		for (j = 0; j < ap->seg_len[i]; j++) {
			as = ap->as[off + j];
			if (asz == 4)
				(void)buf_put_u32(w, as);
			else
				(void)buf_put_u16(w, as > 0xffff ?
				    BGP_AS_TRANS : (uint16_t)as);
		}
	}
}

static void
nlri_put(struct buf_writer *w, const struct bgp_nlri *nl)
{
	struct bgp_nlri_iter it;
	struct bgp_prefix bp;

	bgp_nlri_iter_init(&it, nl);
	while (bgp_nlri_next(&it, &bp))
		(void)bgp_prefix_put(w, &bp, nl->addpath);
}

static void
put_u32_attr(struct buf_writer *w, uint8_t flags, uint8_t type, uint32_t v)
{
	long off = attr_begin(w, flags, type);

	(void)buf_put_u32(w, v);
	attr_end(w, off);
}

static void
mp_reach_begin(struct buf_writer *w, const struct bgp_attrs *at, uint16_t afi,
    long *off)
{
	*off = attr_begin(w, BGP_ATTR_OPTIONAL, BGP_ATTR_MP_REACH_NLRI);
	(void)buf_put_u16(w, afi);
	(void)buf_put_u8(w, BGP_SAFI_UNICAST);
	(void)buf_put_u8(w, at->mp_nhlen);
	(void)buf_put_bytes(w, at->mp_nh, at->mp_nhlen);
	(void)buf_put_u8(w, 0);
}

int
bgp_attrs_encode(const struct bgp_attrs *at, const struct bgp_sess *sess,
    bool with_mp, struct buf_writer *w, struct bgp_err *err)
{
	const uint8_t T = BGP_ATTR_TRANSITIVE, O = BGP_ATTR_OPTIONAL;
	unsigned asz = sess->as4 ? 4 : 2;
	bool as4path = !sess->as4 && BGP_HAS(at, BGP_ATTR_AS_PATH) &&
	    needs_as4_path(&at->aspath);
	bool as4agg = !sess->as4 && BGP_HAS(at, BGP_ATTR_AGGREGATOR) &&
	    at->agg_as > 0xffff;
	long off;
	size_t i;

	if (BGP_HAS(at, BGP_ATTR_ORIGIN)) {
		off = attr_begin(w, T, BGP_ATTR_ORIGIN);
		(void)buf_put_u8(w, at->origin);
		attr_end(w, off);
	}
	if (BGP_HAS(at, BGP_ATTR_AS_PATH)) {
		off = attr_begin(w, T, BGP_ATTR_AS_PATH);
		aspath_put(w, &at->aspath, asz, false);
		attr_end(w, off);
	}
	if (BGP_HAS(at, BGP_ATTR_NEXT_HOP))
		put_u32_attr(w, T, BGP_ATTR_NEXT_HOP, at->nexthop);
	if (BGP_HAS(at, BGP_ATTR_MED))
		put_u32_attr(w, O, BGP_ATTR_MED, at->med);
	if (BGP_HAS(at, BGP_ATTR_LOCAL_PREF))
		put_u32_attr(w, T, BGP_ATTR_LOCAL_PREF, at->local_pref);
	if (BGP_HAS(at, BGP_ATTR_ATOMIC_AGGREGATE)) {
		off = attr_begin(w, T, BGP_ATTR_ATOMIC_AGGREGATE);
		attr_end(w, off);
	}
	if (BGP_HAS(at, BGP_ATTR_AGGREGATOR)) {
		off = attr_begin(w, O | T, BGP_ATTR_AGGREGATOR);
		if (asz == 4)
			(void)buf_put_u32(w, at->agg_as);
		else
			(void)buf_put_u16(w, at->agg_as > 0xffff ?
			    BGP_AS_TRANS : (uint16_t)at->agg_as);
		(void)buf_put_u32(w, at->agg_id);
		attr_end(w, off);
	}
	if (BGP_HAS(at, BGP_ATTR_COMMUNITIES) && at->ncomm > 0) {
		off = attr_begin(w, O | T, BGP_ATTR_COMMUNITIES);
		for (i = 0; i < at->ncomm; i++)
			(void)buf_put_u32(w, at->comm[i]);
		attr_end(w, off);
	}
	if (with_mp && BGP_HAS(at, BGP_ATTR_MP_REACH_NLRI)) {
		mp_reach_begin(w, at, at->mp_reach.afi, &off);
		nlri_put(w, &at->mp_reach);
		attr_end(w, off);
	}
	if (with_mp && BGP_HAS(at, BGP_ATTR_MP_UNREACH_NLRI)) {
		off = attr_begin(w, O, BGP_ATTR_MP_UNREACH_NLRI);
		(void)buf_put_u16(w, at->mp_unreach.afi);
		(void)buf_put_u8(w, at->mp_unreach_safi);
		nlri_put(w, &at->mp_unreach);
		attr_end(w, off);
	}
	if (as4path) {
		off = attr_begin(w, O | T, BGP_ATTR_AS4_PATH);
		aspath_put(w, &at->aspath, 4, true);
		attr_end(w, off);
	}
	if (as4agg) {
		off = attr_begin(w, O | T, BGP_ATTR_AS4_AGGREGATOR);
		(void)buf_put_u32(w, at->agg_as);
		(void)buf_put_u32(w, at->agg_id);
		attr_end(w, off);
	}
	for (i = 0; i < at->nunknown; i++) {
		off = attr_begin(w, (uint8_t)((at->unknown[i].flags &
		    ~BGP_ATTR_EXTLEN) | BGP_ATTR_PARTIAL), at->unknown[i].type);
		if (at->unknown[i].len > 0)
			(void)buf_put_bytes(w, at->unknown[i].data,
			    at->unknown[i].len);
		attr_end(w, off);
	}
	if (!buf_wok(w)) {
		bgp_err_set(err, BGP_ACT_RESET, 0, 0, "attributes do not fit");
		return -1;
	}
	return 0;
}

int
bgp_update_encode(const struct bgp_update *u, const struct bgp_sess *sess,
    struct buf_writer *w, struct bgp_err *err)
{
	long off;

	off = buf_reserve(w, 2);
	nlri_put(w, &u->withdrawn);
	if (off >= 0)
		(void)buf_patch_u16(w, (size_t)off, (uint16_t)(w->len -
		    (size_t)off - 2));
	off = buf_reserve(w, 2);
	if (bgp_attrs_encode(&u->attrs, sess, true, w, err) != 0)
		return -1;
	if (off >= 0)
		(void)buf_patch_u16(w, (size_t)off, (uint16_t)(w->len -
		    (size_t)off - 2));
	nlri_put(w, &u->nlri);
	return buf_wok(w) ? 0 : -1;
}

/*
 * Append pfx[] while the message stays within BGP_MSG_MAX (and the writer),
 * leaving tail bytes for what follows; returns how many.
 */
static size_t
pack_prefixes(struct buf_writer *w, size_t start, const struct bgp_prefix *pfx,
    size_t n, bool addpath, long attr_off, size_t tail)
{
	size_t i, need;

	for (i = 0; i < n; i++) {
		need = (addpath ? 4 : 0) + 1 + (pfx[i].pfx.len + 7u) / 8 + tail;
		if (w->len - start + need > BGP_MSG_MAX || w->len + need > w->cap ||
		    (attr_off >= 0 && w->len - (size_t)attr_off - 2 + need >
		    0xffff))
			break;
		if (pfx[i].pfx.len > prefix_maxlen(pfx[i].pfx.family) ||
		    bgp_prefix_put(w, &pfx[i], addpath) != 0)
			break;
	}
	return i;
}

static int
pack(const struct bgp_attrs *at, const struct bgp_prefix *pfx, size_t n,
    const struct bgp_sess *sess, struct buf_writer *w, size_t *used,
    struct bgp_err *err)
{
	bool v6 = n > 0 && pfx[0].pfx.family == PFX_V6;
	bool ap = v6 ? sess->addpath_v6 : sess->addpath_v4;
	size_t s, i;
	long woff, aoff, moff = -1;

	*used = 0;
	err->action = BGP_ACT_NONE;
	err->reason[0] = '\0';
	if (v6 && at != NULL && at->mp_nhlen != 16 && at->mp_nhlen != 32) {
		bgp_err_set(err, BGP_ACT_RESET, 0, 0,
		    "IPv6 next hop of %u bytes", at->mp_nhlen);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (pfx[i].pfx.family != pfx[0].pfx.family) {
			bgp_err_set(err, BGP_ACT_RESET, 0, 0,
			    "prefixes of two families in one UPDATE");
			return -1;
		}
	(void)bgp_hdr_begin(w, BGP_UPDATE, &s);
	woff = buf_reserve(w, 2);
	if (at == NULL && !v6)
		*used = pack_prefixes(w, s, pfx, n, ap, -1, 2);
	if (woff >= 0)
		(void)buf_patch_u16(w, (size_t)woff, (uint16_t)(w->len -
		    (size_t)woff - 2));
	aoff = buf_reserve(w, 2);
	if (at != NULL && bgp_attrs_encode(at, sess, false, w, err) != 0)
		return -1;
	if (v6 && buf_wok(w)) {
		/* Extended length kept: the NLRI are added after the header. */
		if (at != NULL)
			mp_reach_begin(w, at, BGP_AFI_IPV6, &moff);
		else {
			(void)buf_put_u8(w, BGP_ATTR_OPTIONAL | BGP_ATTR_EXTLEN);
			(void)buf_put_u8(w, BGP_ATTR_MP_UNREACH_NLRI);
			moff = buf_reserve(w, 2);
			(void)buf_put_u16(w, BGP_AFI_IPV6);
			(void)buf_put_u8(w, BGP_SAFI_UNICAST);
		}
		*used = pack_prefixes(w, s, pfx, n, ap, moff, 0);
		if (moff >= 0)
			(void)buf_patch_u16(w, (size_t)moff, (uint16_t)(w->len -
			    (size_t)moff - 2));
	}
	if (aoff >= 0)
		(void)buf_patch_u16(w, (size_t)aoff, (uint16_t)(w->len -
		    (size_t)aoff - 2));
	if (at != NULL && !v6)
		*used = pack_prefixes(w, s, pfx, n, ap, -1, 0);
	if (bgp_hdr_end(w, s) != 0) {
		bgp_err_set(err, BGP_ACT_RESET, 0, 0, "UPDATE does not fit");
		return -1;
	}
	if (*used == 0 && n > 0) {
		bgp_err_set(err, BGP_ACT_RESET, 0, 0,
		    "attributes leave no room for a prefix");
		return -1;
	}
	return 0;
}

int
bgp_update_pack(const struct bgp_attrs *at, const struct bgp_prefix *pfx,
    size_t n, const struct bgp_sess *sess, struct buf_writer *w, size_t *used,
    struct bgp_err *err)
{
	return pack(at, pfx, n, sess, w, used, err);
}

int
bgp_withdraw_pack(const struct bgp_prefix *pfx, size_t n,
    const struct bgp_sess *sess, struct buf_writer *w, size_t *used,
    struct bgp_err *err)
{
	return pack(NULL, pfx, n, sess, w, used, err);
}
