/*
 * BGP-4 codec: UPDATE messages.  Attribute decoding, IPv6 through
 * MP_(UN)REACH_NLRI, add-path NLRI, every RFC 7606 decision the parser makes
 * (action plus the RFC 4271 6.3 code/subcode), the RFC 6793 4.2.3 AS4 merge and
 * its inverse on encoding, re-advertised unknown attributes, round trips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "bgp/bgp_attr.h"
#include "test_bgp_util.h"

/* The well-formed attribute set every case starts from (2-octet session). */
static const uint8_t a_origin[] = { 0x40, 0x01, 0x01, 0x00 };
static const uint8_t a_aspath[] = { 0x40, 0x02, 0x06, 0x02, 0x02, 0xfd, 0xe9,
	0xfd, 0xea };					/* SEQ 65001 65002 */
static const uint8_t a_nexthop[] = { 0x40, 0x03, 0x04, 0xc0, 0x00, 0x02, 0x01 };
static const uint8_t a_med[] = { 0x80, 0x04, 0x04, 0x00, 0x00, 0x00, 0x64 };
static const uint8_t a_comm[] = { 0xc0, 0x08, 0x04, 0xfd, 0xe9, 0x00, 0x64 };
static const uint8_t wd[] = { 0x10, 0x0a, 0x01 };		/* 10.1/16 */
static const uint8_t nlri[] = { 0x10, 0x0a, 0x02, 0x18, 0x0a, 0x03, 0x03 };

static size_t
cat(uint8_t *out, size_t n, const uint8_t *p, size_t len)
{
	memcpy(out + n, p, len);
	return n + len;
}

/* Base attributes without those in drop (bit 0 origin, 1 as_path, 2 next hop). */
static size_t
base_attrs(uint8_t *out, unsigned drop)
{
	size_t n = 0;

	if (!(drop & 1))
		n = cat(out, n, a_origin, sizeof(a_origin));
	if (!(drop & 2))
		n = cat(out, n, a_aspath, sizeof(a_aspath));
	if (!(drop & 4))
		n = cat(out, n, a_nexthop, sizeof(a_nexthop));
	return n;
}

static void
test_update_basic(void **state)
{
	static struct bgp_msg m;
	uint8_t at[256], out[512], enc[BGP_MSG_MAX];
	struct bgp_update *u = &m.u.update;
	struct bgp_nlri_iter it;
	struct bgp_prefix bp;
	struct bgp_err err;
	struct buf_writer w;
	char s[PREFIX_STRLEN];
	size_t n, len;

	(void)state;
	n = base_attrs(at, 0);
	n = cat(at, n, a_med, sizeof(a_med));
	n = cat(at, n, a_comm, sizeof(a_comm));
	len = mk_update(wd, sizeof(wd), at, n, nlri, sizeof(nlri), out);
	save_seed("update_v4", out, len);
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), 0);
	assert_int_equal(err.action, BGP_ACT_NONE);
	assert_int_equal(u->attrs.origin, BGP_ORIGIN_IGP);
	assert_int_equal(u->attrs.aspath.nseg, 1);
	assert_int_equal(u->attrs.aspath.nas, 2);
	assert_int_equal(u->attrs.aspath.as[1], 65002);
	assert_int_equal(u->attrs.nexthop, 0xc0000201);
	assert_int_equal(u->attrs.med, 100);
	assert_int_equal(u->attrs.ncomm, 1);
	assert_int_equal(u->attrs.comm[0], 0xfde90064);
	assert_false(BGP_HAS(&u->attrs, BGP_ATTR_LOCAL_PREF));
	assert_int_equal(bgp_nlri_count(&u->withdrawn), 1);
	bgp_nlri_iter_init(&it, &u->nlri);
	assert_int_equal(bgp_nlri_next(&it, &bp), 1);
	assert_string_equal(prefix_fmt(&bp.pfx, s, sizeof(s)), "10.2.0.0/16");
	assert_int_equal(bgp_nlri_next(&it, &bp), 1);
	assert_string_equal(prefix_fmt(&bp.pfx, s, sizeof(s)), "10.3.3.0/24");
	assert_int_equal(bgp_nlri_next(&it, &bp), 0);

	/* We encode attributes in type order, as received: byte-identical. */
	buf_writer_init(&w, enc, sizeof(enc));
	assert_int_equal(bgp_msg_encode(&m, &sess2, &w, &err), 0);
	assert_int_equal(w.len, len);
	assert_memory_equal(enc, out, len);

	/* The same bytes on a 4-octet session: AS_PATH overruns (7606 7.2). */
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess4, &err), 0);
	assert_int_equal(err.action, BGP_ACT_WITHDRAW);
	assert_int_equal(err.subcode, BGP_ERR_UPD_AS_PATH);
	assert_int_equal(bgp_nlri_count(&u->nlri), 2);	/* still usable */
	assert_int_equal(bgp_nlri_count(&u->withdrawn), 1);
}

struct ucase {
	const char	*name;
	unsigned	 drop;		/* base attributes left out */
	uint8_t		 extra[24];	/* appended attribute bytes */
	size_t		 extralen;
	bool		 no_nlri;
	enum bgp_action	 action;
	uint8_t		 code, subcode;
};

#define E(...)	{ __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ })

static const struct ucase ucases[] = {
	/* RFC 7606 7.1: ORIGIN */
	{ "origin len 2", 1, E(0x40, 0x01, 0x02, 0x00, 0x00), false,
	    BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_ATTR_LENGTH },
	{ "origin value 3", 1, E(0x40, 0x01, 0x01, 0x03), false,
	    BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_ORIGIN },
	{ "origin flagged optional", 1, E(0xc0, 0x01, 0x01, 0x00), false,
	    BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_ATTR_FLAGS },
	/* 7.2: AS_PATH */
	{ "as_path segment type 5", 2, E(0x40, 0x02, 0x04, 0x05, 0x01, 0xfd,
	    0xe9), false, BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_AS_PATH },
	{ "as_path zero-length segment", 2, E(0x40, 0x02, 0x02, 0x02, 0x00),
	    false, BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_AS_PATH },
	{ "as_path overrun", 2, E(0x40, 0x02, 0x04, 0x02, 0x02, 0xfd, 0xe9),
	    false, BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_AS_PATH },
	{ "as_path one byte left", 2, E(0x40, 0x02, 0x05, 0x02, 0x01, 0xfd,
	    0xe9, 0x02), false, BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_AS_PATH },
	/* 7.3: NEXT_HOP */
	{ "next_hop len 5", 4, E(0x40, 0x03, 0x05, 1, 2, 3, 4, 5), false,
	    BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_ATTR_LENGTH },
	{ "next_hop 0.0.0.0", 4, E(0x40, 0x03, 0x04, 0, 0, 0, 0), false,
	    BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_NEXT_HOP },
	{ "next_hop multicast", 4, E(0x40, 0x03, 0x04, 224, 0, 0, 1), false,
	    BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_NEXT_HOP },
	/* 7.4, 7.5: MED, LOCAL_PREF */
	{ "med len 3", 0, E(0x80, 0x04, 0x03, 0, 0, 1), false,
	    BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_ATTR_LENGTH },
	{ "local_pref len 5", 0, E(0x40, 0x05, 0x05, 0, 0, 0, 0, 1), false,
	    BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_ATTR_LENGTH },
	{ "med flagged transitive", 0, E(0x40, 0x04, 0x04, 0, 0, 0, 1), false,
	    BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_ATTR_FLAGS },
	/* 7.6, 7.7: attribute discard */
	{ "atomic_aggregate len 1", 0, E(0x40, 0x06, 0x01, 0x00), false,
	    BGP_ACT_ATTR_DISCARD, 3, BGP_ERR_UPD_ATTR_LENGTH },
	{ "aggregator len 5", 0, E(0xc0, 0x07, 0x05, 0xfd, 0xe9, 1, 2, 3),
	    false, BGP_ACT_ATTR_DISCARD, 3, BGP_ERR_UPD_ATTR_LENGTH },
	{ "aggregator flagged well-known", 0, E(0x40, 0x07, 0x06, 0xfd, 0xe9, 1,
	    2, 3, 4), false, BGP_ACT_ATTR_DISCARD, 3, BGP_ERR_UPD_ATTR_FLAGS },
	/* 7.8: COMMUNITIES */
	{ "communities len 3", 0, E(0xc0, 0x08, 0x03, 1, 2, 3), false,
	    BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_OPTIONAL_ATTR },
	{ "communities len 0", 0, E(0xc0, 0x08, 0x00), false,
	    BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_OPTIONAL_ATTR },
	/* RFC 6793 section 6: AS4 attributes are discarded */
	{ "as4_path malformed", 0, E(0xc0, 0x11, 0x03, 0x02, 0x01, 0x00), false,
	    BGP_ACT_ATTR_DISCARD, 3, BGP_ERR_UPD_OPTIONAL_ATTR },
	{ "as4_aggregator len 6", 0, E(0xc0, 0x12, 0x06, 0, 0, 1, 2, 3, 4),
	    false, BGP_ACT_ATTR_DISCARD, 3, BGP_ERR_UPD_ATTR_LENGTH },
	/* 4271 6.3: unknown well-known is a reset with the attribute as data */
	{ "unknown well-known", 0, E(0x40, 0x28, 0x01, 0x00), false,
	    BGP_ACT_RESET, 3, BGP_ERR_UPD_UNKNOWN_WELLKNOWN },
	{ "unknown optional transitive", 0, E(0xc0, 0x63, 0x02, 0xab, 0xcd),
	    false, BGP_ACT_NONE, 0, 0 },
	{ "unknown optional non-transitive", 0, E(0x80, 0x63, 0x01, 0xab),
	    false, BGP_ACT_NONE, 0, 0 },
	/* 7606 3.g: repeats */
	{ "origin repeated", 0, E(0x40, 0x01, 0x01, 0x02), false,
	    BGP_ACT_ATTR_DISCARD, 3, BGP_ERR_UPD_ATTR_LIST },
	{ "mp_unreach repeated", 0, E(0x80, 0x0f, 0x03, 0x00, 0x01, 0x01,
	    0x80, 0x0f, 0x03, 0x00, 0x01, 0x01), false, BGP_ACT_RESET, 3,
	    BGP_ERR_UPD_ATTR_LIST },
	/* 7606 section 4: an attribute overrunning the attribute field */
	{ "attribute overrun", 0, E(0x80, 0x04, 0x09, 0, 0, 0, 1), false,
	    BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_ATTR_LIST },
	{ "attribute header cut", 0, E(0x80), false, BGP_ACT_WITHDRAW, 3,
	    BGP_ERR_UPD_ATTR_LIST },
	{ "extended length cut", 0, E(0x90, 0x04, 0x00), false,
	    BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_ATTR_LIST },
	/* 7606 3.d: missing well-known attributes */
	{ "origin missing", 1, { 0 }, 0, false, BGP_ACT_WITHDRAW, 3,
	    BGP_ERR_UPD_MISSING_WELLKNOWN },
	{ "as_path missing", 2, { 0 }, 0, false, BGP_ACT_WITHDRAW, 3,
	    BGP_ERR_UPD_MISSING_WELLKNOWN },
	{ "next_hop missing", 4, { 0 }, 0, false, BGP_ACT_WITHDRAW, 3,
	    BGP_ERR_UPD_MISSING_WELLKNOWN },
	{ "no NLRI, nothing required", 7, { 0 }, 0, true, BGP_ACT_NONE, 0, 0 },
	/* RFC 4760 / 7606 7.11 */
	{ "mp_reach header cut", 0, E(0x80, 0x0e, 0x03, 0x00, 0x02, 0x01),
	    false, BGP_ACT_RESET, 3, BGP_ERR_UPD_OPTIONAL_ATTR },
	{ "mp_reach bad prefix", 0, E(0x80, 0x0e, 0x0a, 0x00, 0x01, 0x01, 0x04,
	    10, 0, 0, 1, 0x00, 0x21), false, BGP_ACT_RESET, 3,
	    BGP_ERR_UPD_OPTIONAL_ATTR },
	{ "mp_reach v6 next hop of 4", 0, E(0x80, 0x0e, 0x0a, 0x00, 0x02, 0x01,
	    0x04, 10, 0, 0, 1, 0x00, 0x00), false, BGP_ACT_WITHDRAW, 3,
	    BGP_ERR_UPD_OPTIONAL_ATTR },
	{ "mp_reach flagged transitive", 0, E(0xc0, 0x0e, 0x05, 0x00, 0x01,
	    0x01, 0x00, 0x00), false, BGP_ACT_RESET, 3, BGP_ERR_UPD_ATTR_FLAGS },
	{ "mp_unreach cut", 0, E(0x80, 0x0f, 0x02, 0x00, 0x02), false,
	    BGP_ACT_RESET, 3, BGP_ERR_UPD_OPTIONAL_ATTR },
	{ "mp_reach other SAFI ignored", 0, E(0x80, 0x0e, 0x05, 0x00, 0x01,
	    0x80, 0x00, 0x00), false, BGP_ACT_NONE, 0, 0 },
	/* 7606 3.h: the strongest of two errors */
	{ "discard then withdraw", 1, E(0x40, 0x06, 0x01, 0x00, 0x40, 0x01,
	    0x01, 0x07), false, BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_ORIGIN },
	{ "withdraw then discard", 1, E(0x40, 0x01, 0x01, 0x07, 0x40, 0x06,
	    0x01, 0x00), false, BGP_ACT_WITHDRAW, 3, BGP_ERR_UPD_ORIGIN },
};

static void
test_update_rfc7606(void **state)
{
	static struct bgp_msg m;
	uint8_t at[256], out[512];
	struct bgp_err err;
	size_t i, n, len;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(ucases) / sizeof(ucases[0]); i++) {
		const struct ucase *c = &ucases[i];
		char name[64];

		n = base_attrs(at, c->drop);
		n = cat(at, n, c->extra, c->extralen);
		len = mk_update(wd, sizeof(wd), at, n, nlri,
		    c->no_nlri ? 0 : sizeof(nlri), out);
		snprintf(name, sizeof(name), "update_7606_%02zu", i);
		save_seed(name, out, len);
		rc = bgp_msg_parse(&m, out, len, &sess2, &err);
		if (err.action != c->action || err.code != c->code ||
		    err.subcode != c->subcode)
			fail_msg("%s: got action %d %u/%u (%s), want %d %u/%u",
			    c->name, err.action, err.code, err.subcode,
			    err.reason, c->action, c->code, c->subcode);
		assert_int_equal(rc, c->action == BGP_ACT_RESET ? -1 : 0);
		if (rc == 0) {
			/* Withdrawals and NLRI stay usable whatever the action. */
			assert_int_equal(bgp_nlri_count(&m.u.update.withdrawn), 1);
			assert_int_equal(bgp_nlri_count(&m.u.update.nlri),
			    c->no_nlri ? 0 : 2);
		}
		if (c->action == BGP_ACT_ATTR_DISCARD)
			assert_int_equal(m.u.update.attrs.ndiscarded, 1);
	}
}

static void
test_update_error_data(void **state)
{
	static const uint8_t unk[] = { 0x40, 0x28, 0x02, 0xaa, 0xbb };
	static struct bgp_msg m;
	uint8_t at[256], out[512];
	struct bgp_err err;
	size_t n, len;

	(void)state;
	/* 6.3: Unrecognized Well-known Attribute carries the attribute. */
	n = base_attrs(at, 0);
	n = cat(at, n, unk, sizeof(unk));
	len = mk_update(NULL, 0, at, n, nlri, sizeof(nlri), out);
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), -1);
	assert_int_equal(err.datalen, sizeof(unk));
	assert_memory_equal(err.data, unk, sizeof(unk));
	assert_int_equal(err.attr, 0x28);
	/* Missing Well-known Attribute carries the type code. */
	n = base_attrs(at, 4);
	len = mk_update(NULL, 0, at, n, nlri, sizeof(nlri), out);
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), 0);
	assert_int_equal(err.datalen, 1);
	assert_int_equal(err.data[0], BGP_ATTR_NEXT_HOP);
	/* A repeated MED keeps the first value. */
	n = base_attrs(at, 0);
	n = cat(at, n, a_med, sizeof(a_med));
	n = cat(at, n, (const uint8_t[]){ 0x80, 0x04, 0x04, 0, 0, 0, 9 }, 7);
	len = mk_update(NULL, 0, at, n, nlri, sizeof(nlri), out);
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), 0);
	assert_int_equal(err.action, BGP_ACT_ATTR_DISCARD);
	assert_int_equal(m.u.update.attrs.med, 100);
}

static void
test_update_framing_errors(void **state)
{
	static const uint8_t badpfx[] = { 0x21, 10, 0, 0, 0, 0 };
	static const uint8_t cutpfx[] = { 0x18, 10, 0 };
	static struct bgp_msg m;
	uint8_t at[256], out[512];
	struct bgp_err err;
	size_t n, len;

	(void)state;
	n = base_attrs(at, 0);
	/* 7606 5.3 / 4271 6.3: lengths inconsistent with the message. */
	len = mk_update(wd, sizeof(wd), at, n, nlri, sizeof(nlri), out);
	out[20] = 0xff;					/* withdrawn length */
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), -1);
	assert_int_equal(err.subcode, BGP_ERR_UPD_ATTR_LIST);
	len = mk_update(wd, sizeof(wd), at, n, nlri, sizeof(nlri), out);
	out[24] = 0xff;					/* attribute length */
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), -1);
	assert_int_equal(err.subcode, BGP_ERR_UPD_ATTR_LIST);
	/* Invalid Network Field: /33, a cut prefix, in NLRI and withdrawn. */
	len = mk_update(NULL, 0, at, n, badpfx, sizeof(badpfx), out);
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), -1);
	assert_int_equal(err.subcode, BGP_ERR_UPD_NETWORK);
	len = mk_update(NULL, 0, at, n, cutpfx, sizeof(cutpfx), out);
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), -1);
	assert_int_equal(err.subcode, BGP_ERR_UPD_NETWORK);
	len = mk_update(cutpfx, sizeof(cutpfx), NULL, 0, NULL, 0, out);
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), -1);
	assert_int_equal(err.subcode, BGP_ERR_UPD_NETWORK);
	/* End-of-RIB (RFC 4724 section 2): the empty UPDATE. */
	len = mk_update(NULL, 0, NULL, 0, NULL, 0, out);
	assert_int_equal(len, 23);
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), 0);
	assert_int_equal(err.action, BGP_ACT_NONE);
	save_seed("update_eor", out, len);
}

static void
test_update_mp_v6(void **state)
{
	static const uint8_t mp[] = {
		0x90, 0x0e, 0x00, 0x1c,		/* extended length 28 */
		0x00, 0x02, 0x01, 0x10,		/* IPv6 unicast, nh 16 */
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0x00,				/* reserved */
		0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, /* 2001:db8:1::/48 */
		0x80, 0x0f, 0x0a, 0x00, 0x02, 0x01,
		0x30, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, /* 2001:db8:2::/48 */
	};
	static struct bgp_msg m;
	uint8_t at[256], out[512], enc[BGP_MSG_MAX];
	struct bgp_update *u = &m.u.update;
	struct bgp_nlri_iter it;
	struct bgp_prefix bp;
	struct bgp_err err;
	struct buf_writer w;
	char s[PREFIX_STRLEN];
	size_t n, len;

	(void)state;
	n = base_attrs(at, 4);		/* RFC 4760: no NEXT_HOP needed */
	n = cat(at, n, mp, sizeof(mp));
	len = mk_update(NULL, 0, at, n, NULL, 0, out);
	save_seed("update_v6", out, len);
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), 0);
	assert_int_equal(err.action, BGP_ACT_NONE);
	assert_true(BGP_HAS(&u->attrs, BGP_ATTR_MP_REACH_NLRI));
	assert_int_equal(u->attrs.mp_nhlen, 16);
	assert_int_equal(u->attrs.mp_nh[15], 1);
	bgp_nlri_iter_init(&it, &u->attrs.mp_reach);
	assert_int_equal(bgp_nlri_next(&it, &bp), 1);
	assert_string_equal(prefix_fmt(&bp.pfx, s, sizeof(s)), "2001:db8:1::/48");
	assert_int_equal(bgp_nlri_next(&it, &bp), 0);
	bgp_nlri_iter_init(&it, &u->attrs.mp_unreach);
	assert_int_equal(bgp_nlri_next(&it, &bp), 1);
	assert_string_equal(prefix_fmt(&bp.pfx, s, sizeof(s)), "2001:db8:2::/48");
	/* Re-encoded with the compact length for MP_REACH (28 < 256). */
	buf_writer_init(&w, enc, sizeof(enc));
	assert_int_equal(bgp_msg_encode(&m, &sess2, &w, &err), 0);
	assert_int_equal(w.len, len - 1);
	assert_int_equal(bgp_msg_parse(&m, enc, w.len, &sess2, &err), 0);
	assert_int_equal(bgp_nlri_count(&u->attrs.mp_reach), 1);
}

static void
test_update_addpath(void **state)
{
	static const uint8_t ap_nlri[] = {
		0, 0, 0, 1, 0x18, 10, 9, 9,
		0, 0, 0, 2, 0x18, 10, 9, 9,
	};
	const struct bgp_sess s = { .as4 = false, .addpath_v4 = true };
	static struct bgp_msg m;
	uint8_t at[256], out[512];
	struct bgp_nlri_iter it;
	struct bgp_prefix bp;
	struct bgp_err err;
	size_t n, len;

	(void)state;
	/* RFC 7911 section 3: the same prefix twice, path ids 1 and 2. */
	n = base_attrs(at, 0);
	len = mk_update(NULL, 0, at, n, ap_nlri, sizeof(ap_nlri), out);
	save_seed("update_addpath", out, len);
	assert_int_equal(bgp_msg_parse(&m, out, len, &s, &err), 0);
	bgp_nlri_iter_init(&it, &m.u.update.nlri);
	assert_int_equal(bgp_nlri_next(&it, &bp), 1);
	assert_int_equal(bp.path_id, 1);
	assert_int_equal(bgp_nlri_next(&it, &bp), 1);
	assert_int_equal(bp.path_id, 2);
	assert_int_equal(bp.pfx.len, 24);
	/*
	 * Without add-path the same bytes read as ten other prefixes (/0 /0 /0
	 * /1 /10 ...): why the session parameters must travel with the parser.
	 */
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), 0);
	assert_int_equal(bgp_nlri_count(&m.u.update.nlri), 10);
}

/* Parse attrs + NLRI on a 2-octet session, return the merged path. */
static const struct bgp_attrs *
parse_attrs2(const uint8_t *at, size_t n)
{
	static struct bgp_msg m;
	static uint8_t out[512];
	struct bgp_err err;
	size_t len;

	len = mk_update(NULL, 0, at, n, nlri, sizeof(nlri), out);
	if (bgp_msg_parse(&m, out, len, &sess2, &err) != 0 ||
	    err.action != BGP_ACT_NONE)
		fail_msg("parse: %s", err.reason);
	return &m.u.update.attrs;
}

static void
test_as4_merge(void **state)
{
	/* AS_PATH SEQ 65001 AS_TRANS AS_TRANS, AS4_PATH SEQ 4200000001 4200000002 */
	static const uint8_t p2[] = { 0x40, 0x02, 0x08, 0x02, 0x03, 0xfd, 0xe9,
		0x5b, 0xa0, 0x5b, 0xa0 };
	static const uint8_t p4[] = { 0xc0, 0x11, 0x0a, 0x02, 0x02, 0xfa, 0x56,
		0xea, 0x01, 0xfa, 0x56, 0xea, 0x02 };
	/* AS4_PATH of 4 ASes: longer than AS_PATH, ignored */
	static const uint8_t p4long[] = { 0xc0, 0x11, 0x12, 0x02, 0x04,
		0xfa, 0x56, 0xea, 0x01, 0xfa, 0x56, 0xea, 0x02,
		0xfa, 0x56, 0xea, 0x03, 0xfa, 0x56, 0xea, 0x04 };
	static const uint8_t agg_old[] = { 0xc0, 0x07, 0x06, 0xfd, 0xf2, 10, 0,
		0, 9 };					/* 65010, 10.0.0.9 */
	static const uint8_t agg_trans[] = { 0xc0, 0x07, 0x06, 0x5b, 0xa0, 10,
		0, 0, 9 };
	static const uint8_t agg4[] = { 0xc0, 0x12, 0x08, 0xfa, 0x56, 0xea,
		0x09, 10, 0, 0, 9 };			/* 4200000009 */
	/* AS_PATH SEQ 65001 65002, SET {AS_TRANS 65003}; AS4_PATH SET {4200000001 65003} */
	static const uint8_t pset2[] = { 0x40, 0x02, 0x0c, 0x02, 0x02, 0xfd, 0xe9,
		0xfd, 0xea, 0x01, 0x02, 0x5b, 0xa0, 0xfd, 0xeb };
	static const uint8_t pset4[] = { 0xc0, 0x11, 0x0a, 0x01, 0x02, 0xfa, 0x56,
		0xea, 0x01, 0x00, 0x00, 0xfd, 0xeb };
	/* AS_PATH CONFED_SEQ 65100, SEQ AS_TRANS; AS4_PATH CONFED_SEQ 1, SEQ 4200000001 */
	static const uint8_t pconf2[] = { 0x40, 0x02, 0x08, 0x03, 0x01, 0xfe,
		0x4c, 0x02, 0x01, 0x5b, 0xa0 };
	static const uint8_t pconf4[] = { 0xc0, 0x11, 0x0c, 0x03, 0x01, 0, 0, 0,
		1, 0x02, 0x01, 0xfa, 0x56, 0xea, 0x01 };
	const struct bgp_attrs *a;
	uint8_t at[256];
	size_t n;

	(void)state;
	/* RFC 6793 4.2.3: leading 3 - 2 = 1 AS of AS_PATH, then AS4_PATH. */
	n = base_attrs(at, 2);
	n = cat(at, n, p2, sizeof(p2));
	n = cat(at, n, p4, sizeof(p4));
	a = parse_attrs2(at, n);
	assert_int_equal(a->aspath.nas, 3);
	assert_int_equal(a->aspath.as[0], 65001);
	assert_int_equal(a->aspath.as[1], 4200000001u);
	assert_int_equal(a->aspath.as[2], 4200000002u);

	/* AS4_PATH longer than AS_PATH: ignored. */
	n = base_attrs(at, 2);
	n = cat(at, n, p2, sizeof(p2));
	n = cat(at, n, p4long, sizeof(p4long));
	a = parse_attrs2(at, n);
	assert_int_equal(a->aspath.nas, 3);
	assert_int_equal(a->aspath.as[1], BGP_AS_TRANS);

	/* AGGREGATOR not AS_TRANS: AS4_PATH and AS4_AGGREGATOR both ignored. */
	n = base_attrs(at, 2);
	n = cat(at, n, p2, sizeof(p2));
	n = cat(at, n, agg_old, sizeof(agg_old));
	n = cat(at, n, p4, sizeof(p4));
	n = cat(at, n, agg4, sizeof(agg4));
	a = parse_attrs2(at, n);
	assert_int_equal(a->aspath.as[1], BGP_AS_TRANS);
	assert_int_equal(a->agg_as, 65010);

	/* AGGREGATOR AS_TRANS: AS4_AGGREGATOR's AS, and the path merged. */
	n = base_attrs(at, 2);
	n = cat(at, n, p2, sizeof(p2));
	n = cat(at, n, agg_trans, sizeof(agg_trans));
	n = cat(at, n, p4, sizeof(p4));
	n = cat(at, n, agg4, sizeof(agg4));
	a = parse_attrs2(at, n);
	assert_int_equal(a->aspath.as[2], 4200000002u);
	assert_int_equal(a->agg_as, 4200000009u);
	assert_int_equal(a->agg_id, 0x0a000009);

	/* An AS_SET counts 1: keep SEQ 65001 65002, then the AS4 SET. */
	n = base_attrs(at, 2);
	n = cat(at, n, pset2, sizeof(pset2));
	n = cat(at, n, pset4, sizeof(pset4));
	a = parse_attrs2(at, n);
	assert_int_equal(a->aspath.nseg, 2);
	assert_int_equal(a->aspath.seg_type[1], BGP_AS_SET);
	assert_int_equal(a->aspath.as[2], 4200000001u);
	assert_int_equal(a->aspath.as[3], 65003);

	/* Confederation segments: kept from AS_PATH, dropped from AS4_PATH. */
	n = base_attrs(at, 2);
	n = cat(at, n, pconf2, sizeof(pconf2));
	n = cat(at, n, pconf4, sizeof(pconf4));
	a = parse_attrs2(at, n);
	assert_int_equal(a->aspath.nseg, 2);
	assert_int_equal(a->aspath.seg_type[0], BGP_AS_CONFED_SEQUENCE);
	assert_int_equal(a->aspath.as[0], 65100);
	assert_int_equal(a->aspath.as[1], 4200000001u);

	/* On a 4-octet session AS4_PATH is discarded, not merged. */
	{
		static struct bgp_msg m;
		static const uint8_t p4b[] = { 0x40, 0x02, 0x06, 0x02, 0x01,
			0x00, 0x00, 0xfd, 0xe9 };
		uint8_t out[512];
		struct bgp_err err;
		size_t len;

		n = base_attrs(at, 2);
		n = cat(at, n, p4b, sizeof(p4b));
		n = cat(at, n, p4, sizeof(p4));
		len = mk_update(NULL, 0, at, n, nlri, sizeof(nlri), out);
		assert_int_equal(bgp_msg_parse(&m, out, len, &sess4, &err), 0);
		assert_int_equal(m.u.update.attrs.aspath.nas, 1);
		assert_int_equal(m.u.update.attrs.aspath.as[0], 65001);
		assert_int_equal(m.u.update.attrs.ndiscarded, 1);
	}
}

/* RFC 6793 4.2.2: a 4-octet path to an OLD speaker, and back. */
static void
test_as4_encode(void **state)
{
	static struct bgp_msg m, m2;
	uint8_t enc[BGP_MSG_MAX];
	struct bgp_attrs *a = &m.u.update.attrs;
	struct buf_writer w;
	struct bgp_err err;
	bool saw4 = false;
	size_t i;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.type = BGP_UPDATE;
	m.u.update.nlri.afi = BGP_AFI_IPV4;
	m.u.update.nlri.data = nlri;
	m.u.update.nlri.len = sizeof(nlri);
	a->present = 1u << BGP_ATTR_ORIGIN | 1u << BGP_ATTR_AS_PATH |
	    1u << BGP_ATTR_NEXT_HOP | 1u << BGP_ATTR_AGGREGATOR;
	a->aspath.nseg = 1;
	a->aspath.seg_type[0] = BGP_AS_SEQUENCE;
	a->aspath.seg_len[0] = 2;
	a->aspath.nas = 2;
	a->aspath.as[0] = 4200000001u;
	a->aspath.as[1] = 65002;
	a->nexthop = 0x0a000001;
	a->agg_as = 4200000009u;
	a->agg_id = 0x0a000009;
	buf_writer_init(&w, enc, sizeof(enc));
	assert_int_equal(bgp_msg_encode(&m, &sess2, &w, &err), 0);
	save_seed("update_as4_old_session", enc, w.len);
	/* AS_PATH carries AS_TRANS, AS4_PATH and AS4_AGGREGATOR are there. */
	for (i = 0; i + 1 < w.len; i++)
		if (enc[i] == 0xc0 && enc[i + 1] == BGP_ATTR_AS4_PATH)
			saw4 = true;
	assert_true(saw4);
	assert_int_equal(bgp_msg_parse(&m2, enc, w.len, &sess2, &err), 0);
	assert_int_equal(err.action, BGP_ACT_NONE);
	assert_int_equal(m2.u.update.attrs.aspath.as[0], 4200000001u);
	assert_int_equal(m2.u.update.attrs.agg_as, 4200000009u);
	/* An OLD speaker (no merge) sees AS_TRANS. */
	{
		struct bgp_aspath old;
		/* enc: header 19, wlen 2, alen 2, ORIGIN 4, AS_PATH hdr 3 */
		assert_int_equal(enc[19 + 4 + 4 + 1], BGP_ATTR_AS_PATH);
		assert_int_equal(bgp_aspath_parse(&old, &enc[19 + 4 + 4 + 3],
		    enc[19 + 4 + 4 + 2], 2), 0);
		assert_int_equal(old.as[0], BGP_AS_TRANS);
	}
	/* The 4-octet session encodes no AS4 attributes. */
	buf_writer_init(&w, enc, sizeof(enc));
	assert_int_equal(bgp_msg_encode(&m, &sess4, &w, &err), 0);
	for (i = 0; i + 1 < w.len; i++)
		assert_false(enc[i] == 0xc0 && enc[i + 1] == BGP_ATTR_AS4_PATH);
	assert_int_equal(bgp_msg_parse(&m2, enc, w.len, &sess4, &err), 0);
	assert_int_equal(m2.u.update.attrs.aspath.as[0], 4200000001u);
}

/* RFC 4271 5: an unknown optional transitive attribute leaves with Partial. */
static void
test_unknown_partial(void **state)
{
	static const uint8_t unk[] = { 0xc0, 0x63, 0x02, 0xab, 0xcd };
	static struct bgp_msg m;
	uint8_t at[256], out[512], enc[BGP_MSG_MAX];
	struct buf_writer w;
	struct bgp_err err;
	size_t n, len;

	(void)state;
	n = base_attrs(at, 0);
	n = cat(at, n, unk, sizeof(unk));
	len = mk_update(NULL, 0, at, n, nlri, sizeof(nlri), out);
	assert_int_equal(bgp_msg_parse(&m, out, len, &sess2, &err), 0);
	assert_int_equal(m.u.update.attrs.nunknown, 1);
	buf_writer_init(&w, enc, sizeof(enc));
	assert_int_equal(bgp_msg_encode(&m, &sess2, &w, &err), 0);
	assert_int_equal(w.len, len);
	/* attribute bytes start at 19 + 2 + 2 */
	assert_int_equal(enc[23 + n - sizeof(unk)], 0xe0);
	assert_memory_equal(&enc[23 + n - sizeof(unk) + 1], &unk[1],
	    sizeof(unk) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_basic),
		cmocka_unit_test(test_update_rfc7606),
		cmocka_unit_test(test_update_error_data),
		cmocka_unit_test(test_update_framing_errors),
		cmocka_unit_test(test_update_mp_v6),
		cmocka_unit_test(test_update_addpath),
		cmocka_unit_test(test_as4_merge),
		cmocka_unit_test(test_as4_encode),
		cmocka_unit_test(test_unknown_partial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
