/*
 * BGP codec against real messages captured from BIRD, GoBGP and FRR
 * (tests/unit/data/bgp/README.md says how).  Each must parse cleanly with the
 * session parameters it was sent under, carry the values the speaker was
 * configured with, and survive decode -> encode -> decode -> encode unchanged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_bgp_util.h"

static size_t
load(const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/unit/data/bgp/%s", TRANSIT_TEST_DIR,
	    name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* Parse name under s, expect no error, check the re-encoding fixed point. */
static struct bgp_msg *
parse_ok(const char *name, const struct bgp_sess *s, uint8_t type)
{
	static uint8_t raw[BGP_MSG_MAX], a[BGP_MSG_MAX], b[BGP_MSG_MAX];
	static struct bgp_msg m, m2;
	struct buf_writer w;
	struct bgp_err err;
	size_t n, la;

	n = load(name, raw, sizeof(raw));
	if (bgp_msg_parse(&m2, raw, n, s, &err) != 0 ||
	    err.action != BGP_ACT_NONE)
		fail_msg("%s: %s", name, err.reason);
	assert_int_equal(m2.type, type);
	buf_writer_init(&w, a, sizeof(a));
	assert_int_equal(bgp_msg_encode(&m2, s, &w, &err), 0);
	la = w.len;
	assert_int_equal(bgp_msg_parse(&m, a, la, s, &err), 0);
	assert_int_equal(err.action, BGP_ACT_NONE);
	buf_writer_init(&w, b, sizeof(b));
	assert_int_equal(bgp_msg_encode(&m, s, &w, &err), 0);
	assert_int_equal(w.len, la);
	assert_memory_equal(a, b, la);
	/* m borrows from a, which stays put until the next call. */
	return &m;
}

static void
nlri_strings(const struct bgp_nlri *nl, char *out, size_t cap)
{
	struct bgp_nlri_iter it;
	struct bgp_prefix bp;
	char s[PREFIX_STRLEN];
	size_t k = 0;

	out[0] = '\0';
	bgp_nlri_iter_init(&it, nl);
	while (bgp_nlri_next(&it, &bp) && k < cap)
		k += (size_t)snprintf(out + k, cap - k, "%s%s#%u", k ? " " : "",
		    prefix_fmt(&bp.pfx, s, sizeof(s)), bp.path_id);
}

static void
test_bird(void **state)
{
	const struct bgp_sess s = { .as4 = true };
	struct bgp_msg *m;
	const struct bgp_attrs *a;
	char str[512];

	(void)state;
	m = parse_ok("bird_01_open", &s, BGP_OPEN);
	assert_int_equal(m->u.open.my_as, 64512);
	assert_int_equal(m->u.open.hold, 90);
	assert_int_equal(m->u.open.id, 0x0a000001);
	assert_int_equal(m->u.open.nmp, 2);
	assert_true(m->u.open.route_refresh);
	assert_true(m->u.open.gr);
	assert_int_equal(m->u.open.gr_time, 120);
	assert_int_equal(bgp_open_peer_as(&m->u.open), 64512);
	assert_int_equal(m->u.open.nraw, 2);	/* 70, 71 */
	assert_int_equal(m->u.open.raw[0].code, 70);
	(void)parse_ok("bird_02_keepalive", &s, BGP_KEEPALIVE);
	m = parse_ok("bird_03_update", &s, BGP_UPDATE);
	a = &m->u.update.attrs;
	assert_int_equal(a->aspath.nas, 1);
	assert_int_equal(a->aspath.as[0], 64512);
	assert_int_equal(a->nexthop, 0xc0000201);
	assert_int_equal(a->med, 100);
	assert_int_equal(a->ncomm, 1);
	assert_int_equal(a->comm[0], (64512u << 16) | 7);
	nlri_strings(&m->u.update.nlri, str, sizeof(str));
	assert_string_equal(str, "10.11.0.0/16#0 10.10.0.0/16#0 10.12.128.0/17#0");
	/* End-of-RIB, IPv4 (RFC 4724 2): the empty UPDATE. */
	m = parse_ok("bird_04_update", &s, BGP_UPDATE);
	assert_int_equal(m->len, 23);
	m = parse_ok("bird_05_update", &s, BGP_UPDATE);
	a = &m->u.update.attrs;
	assert_int_equal(a->mp_nhlen, 32);	/* global + link-local */
	assert_int_equal(a->mp_nh[16], 0xfe);
	nlri_strings(&a->mp_reach, str, sizeof(str));
	assert_string_equal(str, "2001:db8:10::/48#0");
	/* End-of-RIB, IPv6: an empty MP_UNREACH_NLRI. */
	m = parse_ok("bird_06_update", &s, BGP_UPDATE);
	assert_true(BGP_HAS(&m->u.update.attrs, BGP_ATTR_MP_UNREACH_NLRI));
	assert_int_equal(m->u.update.attrs.mp_unreach.afi, BGP_AFI_IPV6);
	assert_int_equal(m->u.update.attrs.mp_unreach.len, 0);
}

static void
test_gobgp(void **state)
{
	/* GoBGP sends path ids for IPv4 only (send-max on that family). */
	const struct bgp_sess s = { .as4 = true, .addpath_v4 = true };
	struct bgp_msg *m;
	const struct bgp_attrs *a;
	char str[512];

	(void)state;
	m = parse_ok("gobgp_01_open", &s, BGP_OPEN);
	assert_int_equal(m->u.open.my_as, BGP_AS_TRANS);
	assert_int_equal(bgp_open_peer_as(&m->u.open), 4200000001u);
	assert_true(m->u.open.addpath);
	assert_int_equal(m->u.open.naddpath, 1);
	assert_int_equal(m->u.open.addpath_afi[0].afi, BGP_AFI_IPV4);
	assert_int_equal(m->u.open.addpath_afi[0].flags, 2);	/* send */
	m = parse_ok("gobgp_03_update", &s, BGP_UPDATE);
	a = &m->u.update.attrs;
	assert_int_equal(a->aspath.as[0], 4200000001u);
	assert_int_equal(a->med, 20);
	assert_int_equal(a->comm[0], (65001u << 16) | 30);
	nlri_strings(&m->u.update.nlri, str, sizeof(str));
	assert_string_equal(str, "10.30.0.0/16#1");
	m = parse_ok("gobgp_04_update", &s, BGP_UPDATE);
	a = &m->u.update.attrs;
	assert_int_equal(a->origin, BGP_ORIGIN_INCOMPLETE);
	assert_int_equal(a->aspath.nas, 3);
	assert_int_equal(a->aspath.as[1], 65010);
	assert_int_equal(a->aspath.as[2], 4200000005u);
	m = parse_ok("gobgp_05_update", &s, BGP_UPDATE);
	nlri_strings(&m->u.update.attrs.mp_reach, str, sizeof(str));
	assert_string_equal(str, "2001:db8:30::/48#0");
}

static void
test_frr(void **state)
{
	const struct bgp_sess s = { .as4 = true };
	struct bgp_msg *m;
	const struct bgp_attrs *a;
	char str[512];

	(void)state;
	m = parse_ok("frr_01_open", &s, BGP_OPEN);
	assert_int_equal(m->u.open.my_as, 64999);
	assert_int_equal(m->u.open.hold, 180);
	assert_true(m->u.open.as4);
	assert_int_equal(m->u.open.as4_value, 64999);
	assert_int_equal(m->u.open.naddpath, 2);
	assert_true(m->u.open.gr);
	assert_int_equal(m->u.open.gr_flags, 0xc000);	/* R and N */
	assert_int_equal(m->u.open.gr_time, 120);
	m = parse_ok("frr_03_update", &s, BGP_UPDATE);
	a = &m->u.update.attrs;
	assert_int_equal(a->aspath.as[0], 64999);	/* sent with EXTLEN */
	assert_int_equal(a->med, 0);
	nlri_strings(&m->u.update.nlri, str, sizeof(str));
	assert_string_equal(str, "10.40.0.0/16#0 10.41.0.0/16#0");
	m = parse_ok("frr_04_update", &s, BGP_UPDATE);
	a = &m->u.update.attrs;
	assert_int_equal(a->mp_nhlen, 16);
	assert_int_equal(a->mp_nh[10], 0xff);		/* ::ffff:192.0.2.1 */
	assert_int_equal(a->mp_nh[12], 192);
	nlri_strings(&a->mp_reach, str, sizeof(str));
	assert_string_equal(str, "2001:db8:40::/48#0");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bird),
		cmocka_unit_test(test_gobgp),
		cmocka_unit_test(test_frr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
