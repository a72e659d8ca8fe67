/*
 * BGP-4 codec: framing, OPEN and capabilities, NOTIFICATION, KEEPALIVE,
 * ROUTE-REFRESH, round trips and the UPDATE packer.  UPDATE attributes and the
 * RFC 7606 decisions are in test_bgp_update.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_bgp_util.h"

static void
test_keepalive(void **state)
{
	uint8_t out[64], buf[64];
	struct buf_writer w;
	struct bgp_msg m;
	struct bgp_err err;
	size_t len;

	(void)state;
	/* RFC 4271 4.4: a KEEPALIVE is the 19-octet header alone. */
	len = wrap(BGP_KEEPALIVE, NULL, 0, out);
	assert_int_equal(len, 19);
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess4, &err), 0);
	assert_int_equal(m.type, BGP_KEEPALIVE);
	buf_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(bgp_keepalive_encode(&w), 0);
	assert_int_equal(w.len, 19);
	assert_memory_equal(buf, out, 19);
	save_seed("keepalive", out, len);
}

static void
expect_err(const uint8_t *p, size_t len, const struct bgp_sess *s,
    uint8_t code, uint8_t sub)
{
	static struct bgp_msg m;
	struct bgp_err err;

	assert_int_equal(bgp_msg_parse(&m, p, len, s, &err), -1);
	assert_int_equal(err.action, BGP_ACT_RESET);
	if (err.code != code || err.subcode != sub)
		fail_msg("got %u/%u (%s), want %u/%u", err.code, err.subcode,
		    err.reason, code, sub);
}

static void
test_header_errors(void **state)
{
	uint8_t out[5000], body[4100];
	struct bgp_err err;
	size_t len;

	(void)state;
	memset(body, 0, sizeof(body));
	len = wrap(BGP_KEEPALIVE, NULL, 0, out);
	assert_int_equal(bgp_hdr_peek(out, 18, &err), 0);	/* need more */
	assert_int_equal(bgp_hdr_peek(out, 19, &err), 19);
	out[3] = 0xfe;
	expect_err(out, len, &sess4, BGP_ERR_HEADER, BGP_ERR_HDR_NOT_SYNC);
	out[3] = 0xff;
	/* 6.1: Bad Message Length, data = the length field. */
	out[17] = 18;
	expect_err(out, len, &sess4, BGP_ERR_HEADER, BGP_ERR_HDR_BAD_LENGTH);
	assert_int_equal(bgp_hdr_peek(out, len, &err), -1);
	assert_int_equal(err.datalen, 2);
	assert_int_equal(err.data[1], 18);
	len = wrap(BGP_UPDATE, body, 4097 - 19, out);
	expect_err(out, len, &sess4, BGP_ERR_HEADER, BGP_ERR_HDR_BAD_LENGTH);
	len = wrap(BGP_KEEPALIVE, body, 1, out);	/* KEEPALIVE of 20 */
	expect_err(out, len, &sess4, BGP_ERR_HEADER, BGP_ERR_HDR_BAD_LENGTH);
	len = wrap(BGP_OPEN, body, 9, out);		/* OPEN of 28 < 29 */
	expect_err(out, len, &sess4, BGP_ERR_HEADER, BGP_ERR_HDR_BAD_LENGTH);
	len = wrap(BGP_UPDATE, body, 3, out);		/* UPDATE of 22 < 23 */
	expect_err(out, len, &sess4, BGP_ERR_HEADER, BGP_ERR_HDR_BAD_LENGTH);
	len = wrap(BGP_NOTIFICATION, body, 1, out);	/* 20 < 21 */
	expect_err(out, len, &sess4, BGP_ERR_HEADER, BGP_ERR_HDR_BAD_LENGTH);
	len = wrap(BGP_ROUTE_REFRESH, body, 5, out);	/* 24 != 23 */
	expect_err(out, len, &sess4, BGP_ERR_HEADER, BGP_ERR_HDR_BAD_LENGTH);
	/* 6.1: Bad Message Type, data = the type. */
	len = wrap(6, NULL, 0, out);
	expect_err(out, len, &sess4, BGP_ERR_HEADER, BGP_ERR_HDR_BAD_TYPE);
	/* The buffer holds more (or less) than the length field says. */
	len = wrap(BGP_KEEPALIVE, NULL, 0, out);
	expect_err(out, len + 1, &sess4, BGP_ERR_HEADER, BGP_ERR_HDR_BAD_LENGTH);
}

/*
 * The optional parameters of a real OPEN from FRR's test suite
 * (tests/bgpd/test_capability.c, "AS4real2"): MP IPv4 and IPv6 unicast, old
 * Cisco route refresh (128), route refresh, AS4 64515, Cisco ORF (130), ORF (3),
 * dynamic capability (66), one capability per optional parameter.
 */
static const uint8_t frr_as4real2[] = {
	0x02, 0x06, 0x01, 0x04, 0x00, 0x01, 0x00, 0x01, 0x02,
	0x06, 0x01, 0x04, 0x00, 0x02, 0x00, 0x01, 0x02, 0x02,
	0x80, 0x00, 0x02, 0x02, 0x02, 0x00, 0x02, 0x06, 0x41,
	0x04, 0x00, 0x00, 0xfc, 0x03, 0x02, 0x09, 0x82, 0x07,
	0x00, 0x01, 0x00, 0x01, 0x01, 0x80, 0x03, 0x02, 0x09,
	0x03, 0x07, 0x00, 0x01, 0x00, 0x01, 0x01, 0x40, 0x03,
	0x02, 0x02, 0x42, 0x00,
};

static size_t
mk_open(uint8_t ver, uint16_t as, uint16_t hold, uint32_t id,
    const uint8_t *opt, size_t optlen, uint8_t *out)
{
	uint8_t body[BGP_MSG_MAX];
	size_t n = 0;

	body[n++] = ver;
	body[n++] = (uint8_t)(as >> 8);
	body[n++] = (uint8_t)as;
	body[n++] = (uint8_t)(hold >> 8);
	body[n++] = (uint8_t)hold;
	body[n++] = (uint8_t)(id >> 24);
	body[n++] = (uint8_t)(id >> 16);
	body[n++] = (uint8_t)(id >> 8);
	body[n++] = (uint8_t)id;
	body[n++] = (uint8_t)optlen;
	memcpy(body + n, opt, optlen);
	return wrap(BGP_OPEN, body, n + optlen, out);
}

static void
roundtrip(const struct bgp_msg *m, const struct bgp_sess *s, uint8_t *a,
    size_t *la)
{
	static struct bgp_msg m2;
	static uint8_t b[BGP_MSG_MAX];
	struct buf_writer w;
	struct bgp_err err;

	buf_writer_init(&w, a, BGP_MSG_MAX);
	if (bgp_msg_encode(m, s, &w, &err) != 0)
		fail_msg("encode: %s", err.reason);
	*la = w.len;
	if (bgp_msg_parse(&m2, a, w.len, s, &err) != 0)
		fail_msg("re-parse: %s", err.reason);
	buf_writer_init(&w, b, sizeof(b));
	assert_int_equal(bgp_msg_encode(&m2, s, &w, &err), 0);
	assert_int_equal(w.len, *la);
	assert_memory_equal(a, b, *la);
}

static void
test_open_frr(void **state)
{
	static struct bgp_msg m, m2;
	uint8_t out[256], enc[BGP_MSG_MAX];
	struct bgp_err err;
	struct bgp_open *o = &m.u.open;
	size_t len, elen;

	(void)state;
	len = mk_open(4, 64515, 180, 0x0a000001, frr_as4real2,
	    sizeof(frr_as4real2), out);
	save_seed("open_frr_as4real2", out, len);
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), 0);
	assert_int_equal(o->version, 4);
	assert_int_equal(o->my_as, 64515);
	assert_int_equal(o->hold, 180);
	assert_int_equal(o->id, 0x0a000001);
	assert_int_equal(o->nmp, 2);
	assert_int_equal(o->mp[0].afi, BGP_AFI_IPV4);
	assert_int_equal(o->mp[1].afi, BGP_AFI_IPV6);
	assert_int_equal(o->mp[1].safi, BGP_SAFI_UNICAST);
	assert_true(o->route_refresh);
	assert_true(o->as4);
	assert_int_equal(o->as4_value, 64515);
	assert_int_equal(bgp_open_peer_as(o), 64515);
	assert_int_equal(o->nraw, 4);
	assert_int_equal(o->raw[0].code, 0x80);
	assert_int_equal(o->raw[1].code, 0x82);
	assert_int_equal(o->raw[1].len, 7);
	assert_int_equal(o->raw[2].code, 3);
	assert_int_equal(o->raw[3].code, 0x42);
	assert_int_equal(o->nbadcapa, 0);
	roundtrip(&m, &sess2, enc, &elen);
	assert_int_equal(bgp_msg_parse(&m2, enc, elen, &sess2, &err), 0);
	assert_int_equal(m2.u.open.nraw, 4);
	assert_int_equal(m2.u.open.as4_value, 64515);
	assert_memory_equal(m2.u.open.raw[1].data, o->raw[1].data, 7);
}

static void
test_open_gr_addpath(void **state)
{
	/*
	 * Graceful restart as FRR's test_capability.c "GR" writes it (R bit and
	 * the three reserved bits set, time 0x112), add-path for IPv4 unicast
	 * receive+send, a known capability with a bad length (AS4 of 3 bytes,
	 * FRR "AS4 capability: short" in spirit) that is ignored.
	 */
	static const uint8_t opt[] = {
		0x02, 0x1a,
		0x40, 0x0e, 0xf1, 0x12, 0x00, 0x01, 0x01, 0x0f,
		0x00, 0x02, 0x01, 0x00, 0x00, 0x02, 0x02, 0x01,
		0x45, 0x04, 0x00, 0x01, 0x01, 0x03,
		0x41, 0x02, 0xab, 0xcd,
	};
	static struct bgp_msg m;
	uint8_t out[128], enc[BGP_MSG_MAX];
	struct bgp_err err;
	struct bgp_open *o = &m.u.open;
	size_t len, elen;

	(void)state;
	len = mk_open(4, 65001, 90, 0xc0000201, opt, sizeof(opt), out);
	save_seed("open_gr_addpath", out, len);
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), 0);
	assert_true(o->gr);
	assert_int_equal(o->gr_flags, 0xf000);
	assert_int_equal(o->gr_time, 0x112);
	assert_int_equal(o->ngr, 3);
	assert_int_equal(o->gr_afi[0].flags, 0x0f);
	assert_int_equal(o->gr_afi[2].safi, 2);
	assert_true(o->addpath);
	assert_int_equal(o->naddpath, 1);
	assert_int_equal(o->addpath_afi[0].flags, 3);
	assert_false(o->as4);
	assert_int_equal(o->nbadcapa, 1);
	roundtrip(&m, &sess2, enc, &elen);
}

static void
test_open_errors(void **state)
{
	static const uint8_t rr[] = { 0x02, 0x02, 0x02, 0x00 };
	static const uint8_t auth[] = { 0x01, 0x02, 0x00, 0x00 };
	static const uint8_t capover[] = { 0x02, 0x02, 0x41, 0x04 };
	static const uint8_t as4zero[] = { 0x02, 0x06, 0x41, 0x04, 0, 0, 0, 0 };
	uint8_t out[128];
	struct bgp_err err;
	static struct bgp_msg m;
	size_t len;

	(void)state;
	len = mk_open(3, 65001, 90, 1, rr, sizeof(rr), out);
	expect_err(out, len, &sess2, BGP_ERR_OPEN, BGP_ERR_OPEN_VERSION);
	(void)bgp_msg_parse(&m, out, len, &sess2, &err);
	assert_int_equal(err.datalen, 2);	/* 6.2: largest supported */
	assert_int_equal(err.data[1], 4);
	len = mk_open(4, 65001, 1, 1, rr, sizeof(rr), out);
	expect_err(out, len, &sess2, BGP_ERR_OPEN, BGP_ERR_OPEN_HOLD_TIME);
	len = mk_open(4, 65001, 2, 1, rr, sizeof(rr), out);
	expect_err(out, len, &sess2, BGP_ERR_OPEN, BGP_ERR_OPEN_HOLD_TIME);
	len = mk_open(4, 65001, 0, 1, rr, sizeof(rr), out);	/* 0 is fine */
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), 0);
	len = mk_open(4, 65001, 3, 1, rr, sizeof(rr), out);	/* 3 is fine */
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), 0);
	len = mk_open(4, 65001, 90, 0, rr, sizeof(rr), out);
	expect_err(out, len, &sess2, BGP_ERR_OPEN, BGP_ERR_OPEN_BAD_ID);
	len = mk_open(4, 0, 90, 1, rr, sizeof(rr), out);
	expect_err(out, len, &sess2, BGP_ERR_OPEN, BGP_ERR_OPEN_BAD_PEER_AS);
	len = mk_open(4, BGP_AS_TRANS, 90, 1, as4zero, sizeof(as4zero), out);
	expect_err(out, len, &sess2, BGP_ERR_OPEN, BGP_ERR_OPEN_BAD_PEER_AS);
	len = mk_open(4, 65001, 90, 1, auth, sizeof(auth), out);
	expect_err(out, len, &sess2, BGP_ERR_OPEN, BGP_ERR_OPEN_OPT_PARAM);
	len = mk_open(4, 65001, 90, 1, capover, sizeof(capover), out);
	expect_err(out, len, &sess2, BGP_ERR_OPEN, 0);
	/* Optional parameters length says 4, 5 bytes follow. */
	len = mk_open(4, 65001, 90, 1, rr, sizeof(rr), out);
	out[28] = 5;
	expect_err(out, len, &sess2, BGP_ERR_OPEN, 0);
	/* A parameter overrunning the block. */
	len = mk_open(4, 65001, 90, 1, rr, sizeof(rr), out);
	out[30] = 3;
	expect_err(out, len, &sess2, BGP_ERR_OPEN, 0);
}

/* RFC 9072 section 2: 255, 255, a 2-octet length, 2-octet parameter lengths. */
static void
test_open_extended_params(void **state)
{
	static struct bgp_msg m, m2;
	uint8_t raw[200], enc[BGP_MSG_MAX], out[128];
	static const uint8_t ext[] = {
		0xff, 0x00, 0x08,		/* type 255, length 8 */
		0x02, 0x00, 0x05,		/* capabilities, length 5 */
		0x02, 0x00,			/* route refresh */
		0x06, 0x00,			/* extended message */
		0x46,				/* truncated capability */
	};
	struct bgp_err err;
	size_t i, elen, len;

	(void)state;
	bgp_open_init(&m.u.open, 4200000001u, 90, 0x0a000001);
	m.type = BGP_OPEN;
	assert_int_equal(m.u.open.my_as, BGP_AS_TRANS);
	assert_int_equal(bgp_open_peer_as(&m.u.open), 4200000001u);
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)i;
	for (i = 0; i < 2; i++) {
		m.u.open.raw[i].code = (uint8_t)(200 + i);
		m.u.open.raw[i].len = 150;
		m.u.open.raw[i].data = raw;
	}
	m.u.open.nraw = 2;
	roundtrip(&m, &sess4, enc, &elen);
	assert_int_equal(enc[28], 255);		/* the long form was needed */
	assert_int_equal(enc[29], 255);
	save_seed("open_rfc9072", enc, elen);
	assert_int_equal(bgp_msg_parse(&m2, enc, elen, &sess4, &err), 0);
	assert_int_equal(m2.u.open.nraw, 2);
	assert_int_equal(m2.u.open.as4_value, 4200000001u);
	assert_memory_equal(m2.u.open.raw[1].data, raw, 150);

	/* Hand-written long form; the last capability is cut: 2/0. */
	len = mk_open(4, 65001, 90, 1, ext, sizeof(ext), out);
	out[28] = 255;
	expect_err(out, len, &sess4, BGP_ERR_OPEN, 0);
	len = mk_open(4, 65001, 90, 1, ext, sizeof(ext) - 1, out);
	out[28] = 255;
	out[31] = 7;				/* ext length */
	out[34] = 4;				/* capabilities length */
	assert_int_equal(bgp_msg_parse(&m2, out, len, &sess4, &err), 0);
	assert_true(m2.u.open.route_refresh);
	assert_true(m2.u.open.ext_msg);
}

static void
test_notification(void **state)
{
	static const uint8_t body[] = { 6, 2, 0xde, 0xad };	/* Cease/shutdown */
	static struct bgp_msg m;
	uint8_t out[64], enc[BGP_MSG_MAX];
	struct bgp_err err;
	struct buf_writer w;
	size_t len, elen;

	(void)state;
	len = wrap(BGP_NOTIFICATION, body, sizeof(body), out);
	save_seed("notification", out, len);
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess4, &err), 0);
	assert_int_equal(m.u.notification.code, BGP_ERR_CEASE);
	assert_int_equal(m.u.notification.subcode, 2);
	assert_int_equal(m.u.notification.len, 2);
	assert_int_equal(m.u.notification.data[1], 0xad);
	roundtrip(&m, &sess4, enc, &elen);
	assert_int_equal(elen, len);
	assert_memory_equal(enc, out, len);

	/* The NOTIFICATION an error asks for: 1/2 with the bad length. */
	len = wrap(BGP_KEEPALIVE, NULL, 0, out);
	out[17] = 200;
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess4, &err), -1);
	buf_writer_init(&w, enc, sizeof(enc));
	assert_int_equal(bgp_err_encode(&err, &w), 0);
	assert_int_equal(w.len, 23);
	assert_int_equal(enc[18], BGP_NOTIFICATION);
	assert_int_equal(enc[19], 1);
	assert_int_equal(enc[20], 2);
	assert_int_equal(enc[21], 0);
	assert_int_equal(enc[22], 200);
}

static void
test_route_refresh(void **state)
{
	static const uint8_t body[] = { 0x00, 0x02, 0x00, 0x01 };
	static struct bgp_msg m;
	uint8_t out[64], enc[BGP_MSG_MAX];
	struct bgp_err err;
	size_t len, elen;

	(void)state;
	/* RFC 2918 section 3: AFI, reserved, SAFI. */
	len = wrap(BGP_ROUTE_REFRESH, body, sizeof(body), out);
	save_seed("route_refresh", out, len);
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess4, &err), 0);
	assert_int_equal(m.u.rrefresh.afi, BGP_AFI_IPV6);
	assert_int_equal(m.u.rrefresh.safi, BGP_SAFI_UNICAST);
	roundtrip(&m, &sess4, enc, &elen);
	assert_memory_equal(enc, out, len);
}

/* Parse every packed message and collect the prefixes back. */
static size_t
collect(const uint8_t *p, size_t len, const struct bgp_sess *s, bool withdraw,
    struct bgp_prefix *got, size_t cap)
{
	static struct bgp_msg m;
	struct bgp_err err;
	struct bgp_nlri_iter it;
	const struct bgp_nlri *nl;
	size_t n = 0;

	if (bgp_msg_parse(&m, p, len, s, &err) != 0)
		fail_msg("packed UPDATE does not parse: %s", err.reason);
	assert_int_equal(err.action, BGP_ACT_NONE);
	if (withdraw)
		nl = m.u.update.withdrawn.len > 0 ? &m.u.update.withdrawn :
		    &m.u.update.attrs.mp_unreach;
	else
		nl = m.u.update.nlri.len > 0 ? &m.u.update.nlri :
		    &m.u.update.attrs.mp_reach;
	bgp_nlri_iter_init(&it, nl);
	while (n < cap && bgp_nlri_next(&it, &got[n]))
		n++;
	return n;
}

static void
pack_all(const struct bgp_attrs *at, const struct bgp_prefix *pfx, size_t n,
    const struct bgp_sess *s, size_t want_msgs)
{
	static struct bgp_prefix got[8192];
	uint8_t buf[BGP_MSG_MAX];
	struct buf_writer w;
	struct bgp_err err;
	size_t done = 0, used, msgs = 0, k, i;

	while (done < n) {
		buf_writer_init(&w, buf, sizeof(buf));
		if ((at != NULL ? bgp_update_pack(at, pfx + done, n - done, s, &w,
		    &used, &err) : bgp_withdraw_pack(pfx + done, n - done, s, &w,
		    &used, &err)) != 0)
			fail_msg("pack: %s", err.reason);
		assert_true(w.len <= BGP_MSG_MAX);
		assert_true(used > 0);
		k = collect(buf, w.len, s, at == NULL, got, 8192);
		assert_int_equal(k, used);
		for (i = 0; i < used; i++) {
			assert_true(prefix_eq(&got[i].pfx, &pfx[done + i].pfx));
			if (s->addpath_v4)
				assert_int_equal(got[i].path_id,
				    pfx[done + i].path_id);
		}
		if (msgs == 0 && n > used)	/* a full message is nearly full */
			assert_true(w.len > BGP_MSG_MAX - 40);
		done += used;
		msgs++;
	}
	assert_int_equal(msgs, want_msgs);
}

static void
test_pack(void **state)
{
	static struct bgp_prefix pfx[2 * 4073 + 1];
	static struct bgp_attrs at;
	const struct bgp_sess ap = { .as4 = true, .addpath_v4 = true,
	    .addpath_v6 = true };
	size_t i;

	(void)state;
	memset(&at, 0, sizeof(at));
	at.present = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_AS_PATH |
	    1u << BGP_ATTR_NEXT_HOP;
	at.aspath.nseg = 1;
	at.aspath.seg_type[0] = BGP_AS_SEQUENCE;
	at.aspath.seg_len[0] = 1;
	at.aspath.nas = 1;
	at.aspath.as[0] = 65001;
	at.nexthop = 0xc0000201;
	for (i = 0; i < 3000; i++) {
		prefix_from_v4(&pfx[i].pfx, 0x0a000000u + (uint32_t)(i << 8), 24);
		pfx[i].path_id = (uint32_t)i;
	}
	/* /24 = 4 octets; 4096 - 19 - 4 - 25 of attributes leaves 4048: 1012. */
	pack_all(&at, pfx, 3000, &sess4, 3);
	pack_all(NULL, pfx, 3000, &sess4, 3);
	pack_all(&at, pfx, 3000, &ap, 6);	/* 8 octets with path ids */
	/* One-octet prefixes fill to the last byte: 4096 - 23 = 4073 each. */
	for (i = 0; i < 2 * 4073 + 1; i++)
		prefix_from_v4(&pfx[i].pfx, 0, 0);
	pack_all(NULL, pfx, 3000, &sess4, 1);
	pack_all(NULL, pfx, 2 * 4073 + 1, &sess4, 3);

	/* IPv6 in MP_REACH_NLRI / MP_UNREACH_NLRI. */
	at.mp_nhlen = 16;
	at.mp_nh[0] = 0x20;
	at.mp_nh[1] = 0x01;
	at.mp_nh[15] = 1;
	for (i = 0; i < 3000; i++) {
		memset(&pfx[i].pfx, 0, sizeof(pfx[i].pfx));
		pfx[i].pfx.family = PFX_V6;
		pfx[i].pfx.len = 64;
		pfx[i].pfx.addr[0] = 0x20;
		pfx[i].pfx.addr[1] = 0x01;
		pfx[i].pfx.addr[6] = (uint8_t)(i >> 8);
		pfx[i].pfx.addr[7] = (uint8_t)i;
		pfx[i].path_id = 0;
	}
	pack_all(&at, pfx, 3000, &sess4, 7);		/* 9 octets each */
	pack_all(NULL, pfx, 3000, &sess4, 7);
}

static void
test_pack_small_writer(void **state)
{
	static struct bgp_prefix pfx[100];
	uint8_t buf[100];
	struct buf_writer w;
	struct bgp_err err;
	size_t used, i;

	(void)state;
	for (i = 0; i < 100; i++)
		prefix_from_v4(&pfx[i].pfx, 0x0a000000u + (uint32_t)(i << 8), 24);
	/* A 100-byte buffer: 19 + 2 + 2 = 23, then 19 prefixes of 4 octets. */
	buf_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(bgp_withdraw_pack(pfx, 100, &sess4, &w, &used, &err), 0);
	assert_int_equal(used, 19);
	assert_int_equal(w.len, 99);
	/* Mixed families are refused. */
	pfx[1].pfx.family = PFX_V6;
	buf_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(bgp_withdraw_pack(pfx, 2, &sess4, &w, &used, &err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_open_frr),
		cmocka_unit_test(test_open_gr_addpath),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_open_extended_params),
		cmocka_unit_test(test_notification),
		cmocka_unit_test(test_route_refresh),
		cmocka_unit_test(test_pack),
		cmocka_unit_test(test_pack_small_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
