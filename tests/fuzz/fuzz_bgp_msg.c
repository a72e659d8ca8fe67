/*
 * fuzz_bgp_msg (reliability.md 6.1, BGP classes): the BGP-4 framing and every
 * message parser, each input parsed under four session parameter sets (2- or
 * 4-octet AS, with or without add-path).  Oracles:
 *  - no crash, no sanitizer report (the codec never allocates);
 *  - the RFC 7606 contract: an UPDATE that parses (return 0) has valid NLRI
 *    ranges whatever the action, and a session reset always returns -1;
 *  - decode -> encode -> decode -> encode is a fixed point: the first encoding
 *    parses with no error and the second equals it byte for byte (class 6,
 *    re-encoding bugs: what we pass on is what we understood).  One lossy case
 *    is RFC 6793's own: on a 2-octet session an AGGREGATOR other than AS_TRANS
 *    makes the receiver ignore AS4_PATH, so a path with 4-octet ASNs next to a
 *    2-octet aggregator cannot survive; that case is skipped;
 *  - the packer: the NLRI and withdrawals of a clean UPDATE, packed again with
 *    its attributes, come back in order from the messages it writes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp_msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static bool
lossy_as4(const struct bgp_msg *m, const struct bgp_sess *s)
{
	const struct bgp_attrs *a = &m->u.update.attrs;
	size_t i;

	if (s->as4 || m->type != BGP_UPDATE ||
	    !BGP_HAS(a, BGP_ATTR_AGGREGATOR) || a->agg_as > 0xffff)
		return false;
	for (i = 0; i < a->aspath.nas; i++)
		if (a->aspath.as[i] > 0xffff)
			return true;
	return false;
}

static void
check_nlri(const struct bgp_nlri *nl)
{
	struct bgp_nlri_iter it;
	struct bgp_prefix bp;
	size_t n = 0, bytes = 0;

	bgp_nlri_iter_init(&it, nl);
	while (bgp_nlri_next(&it, &bp)) {
		bytes += (nl->addpath ? 4 : 0) + 1 + (bp.pfx.len + 7u) / 8;
		n++;
	}
	if (bytes != nl->len)		/* validated ranges read to the end */
		abort();
}

static void
roundtrip(const struct bgp_msg *m, const struct bgp_sess *s)
{
	static uint8_t a[BGP_MSG_MAX], b[BGP_MSG_MAX];
	static struct bgp_msg m2;
	struct buf_writer w;
	struct bgp_err err;
	size_t la;

	buf_writer_init(&w, a, sizeof(a));
	if (bgp_msg_encode(m, s, &w, &err) != 0)
		return;		/* e.g. AS4_PATH pushed it past 4096 */
	la = w.len;
	if (bgp_msg_parse(&m2, a, la, s, &err) != 0 ||
	    err.action != BGP_ACT_NONE)
		abort();
	buf_writer_init(&w, b, sizeof(b));
	if (bgp_msg_encode(&m2, s, &w, &err) != 0)
		abort();
	if (w.len != la || memcmp(a, b, la) != 0)
		abort();
}

static void
repack(const struct bgp_attrs *at, const struct bgp_nlri *nl,
    const struct bgp_sess *s, bool withdraw)
{
	static struct bgp_prefix in[BGP_MSG_MAX], out[BGP_MSG_MAX];
	static uint8_t buf[BGP_MSG_MAX];
	static struct bgp_msg m2;
	struct bgp_nlri_iter it;
	struct buf_writer w;
	struct bgp_err err;
	size_t n = 0, done = 0, got = 0, used;
	int rc;

	bgp_nlri_iter_init(&it, nl);
	while (n < BGP_MSG_MAX && bgp_nlri_next(&it, &in[n]))
		n++;
	while (done < n) {
		buf_writer_init(&w, buf, sizeof(buf));
		rc = withdraw ? bgp_withdraw_pack(in + done, n - done, s, &w,
		    &used, &err) : bgp_update_pack(at, in + done, n - done, s, &w,
		    &used, &err);
		if (rc != 0)
			return;		/* attributes too big to add a prefix */
		if (bgp_msg_parse(&m2, buf, w.len, s, &err) != 0 ||
		    err.action != BGP_ACT_NONE)
			abort();
		nl = withdraw ? (m2.u.update.withdrawn.len > 0 ?
		    &m2.u.update.withdrawn : &m2.u.update.attrs.mp_unreach) :
		    (m2.u.update.nlri.len > 0 ? &m2.u.update.nlri :
		    &m2.u.update.attrs.mp_reach);
		bgp_nlri_iter_init(&it, nl);
		while (got < n && bgp_nlri_next(&it, &out[got])) {
			if (!prefix_eq(&out[got].pfx, &in[got].pfx) ||
			    out[got].path_id != in[got].path_id)
				abort();
			got++;
		}
		done += used;
		if (got != done)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bgp_sess sess[] = {
		{ .as4 = false },
		{ .as4 = true },
		{ .as4 = true, .addpath_v4 = true, .addpath_v6 = true },
		{ .as4 = false, .addpath_v4 = true },
	};
	static struct bgp_msg m;
	struct bgp_err err;
	size_t i;
	long hl;
	int rc;

	hl = bgp_hdr_peek(data, size, &err);
	if (hl > 0 && (size_t)hl > size)
		hl = 0;
	for (i = 0; i < sizeof(sess) / sizeof(sess[0]); i++) {
		rc = bgp_msg_parse(&m, data, size, &sess[i], &err);
		if ((rc != 0) != (err.action == BGP_ACT_RESET))
			abort();
		if (rc != 0)
			continue;
		if (m.type == BGP_UPDATE) {
			check_nlri(&m.u.update.withdrawn);
			check_nlri(&m.u.update.nlri);
			check_nlri(&m.u.update.attrs.mp_reach);
			check_nlri(&m.u.update.attrs.mp_unreach);
		}
		if (err.action > BGP_ACT_ATTR_DISCARD || lossy_as4(&m, &sess[i]))
			continue;
		roundtrip(&m, &sess[i]);
		if (m.type == BGP_UPDATE) {
			const struct bgp_attrs *a = &m.u.update.attrs;

			repack(a, &m.u.update.withdrawn, &sess[i], true);
			repack(a, &m.u.update.attrs.mp_unreach, &sess[i], true);
			if (BGP_HAS(a, BGP_ATTR_NEXT_HOP))
				repack(a, &m.u.update.nlri, &sess[i], false);
			if (BGP_HAS(a, BGP_ATTR_MP_REACH_NLRI) &&
			    a->mp_reach.afi == BGP_AFI_IPV6)
				repack(a, &a->mp_reach, &sess[i], false);
		}
	}
	/* The framer on a stream: the first message alone, if whole. */
	if (hl > 0 && (size_t)hl < size)
		(void)bgp_msg_parse(&m, data, (size_t)hl, &sess[0], &err);
	return 0;
}
