/*
 * IKEv2 engine policy pieces: proposal profiles, parsing and selection
 * (src/ike/ike_prop.c; RFC 7296 2.7, 3.3.6; cloud-semantics.md 5.2 and
 * behaviour 25) and traffic selectors (src/ike/ike_ts.c; RFC 7296 2.9):
 * narrowing, subsets and ranges back to CIDR prefixes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "esp/esp_xform.h"
#include "ike/ike_prop.h"
#include "ike/ike_ts.h"

static void
ts_of(struct ike_ts *ts, const char *a, const char *b)
{
	struct prefix p[2];
	char err[128];
	size_t n = 0;

	assert_int_equal(prefix_parse(a, &p[n++], err, sizeof(err)), 0);
	if (b != NULL)
		assert_int_equal(prefix_parse(b, &p[n++], err, sizeof(err)), 0);
	ike_ts_from_prefixes(p, n, ts);
}

static void
range(struct ike_ts *ts, uint32_t s, uint32_t e)
{
	memset(ts, 0, sizeof(*ts));
	ts->n = 1;
	ts->ts[0].type = IKE_TS_IPV4_ADDR_RANGE;
	ts->ts[0].eport = 0xffff;
	for (int i = 0; i < 4; i++) {
		ts->ts[0].start[i] = (uint8_t)(s >> (24 - 8 * i));
		ts->ts[0].end[i] = (uint8_t)(e >> (24 - 8 * i));
	}
}

static void
test_ts_prefixes(void **state)
{
	struct ike_ts ts;
	struct prefix p[8];
	char b[PREFIX_STRLEN];
	size_t n;

	(void)state;
	range(&ts, 0x0a000001, 0x0a000006);	/* 10.0.0.1 - 10.0.0.6 */
	assert_int_equal(ike_ts_to_prefixes(&ts, p, 8, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(prefix_fmt(&p[0], b, sizeof(b)), "10.0.0.1/32");
	assert_string_equal(prefix_fmt(&p[1], b, sizeof(b)), "10.0.0.2/31");
	assert_string_equal(prefix_fmt(&p[2], b, sizeof(b)), "10.0.0.4/31");
	assert_string_equal(prefix_fmt(&p[3], b, sizeof(b)), "10.0.0.6/32");
	assert_int_equal(ike_ts_to_prefixes(&ts, p, 3, &n), -1);
	range(&ts, 0, 0xffffffff);
	assert_int_equal(ike_ts_to_prefixes(&ts, p, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(prefix_fmt(&p[0], b, sizeof(b)), "0.0.0.0/0");
	ts_of(&ts, "172.16.0.0/12", NULL);
	assert_int_equal(ike_ts_to_prefixes(&ts, p, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(prefix_fmt(&p[0], b, sizeof(b)), "172.16.0.0/12");
}

static void
test_ts_narrow(void **state)
{
	struct ike_ts a, b, o, want;

	(void)state;
	ts_of(&a, "0.0.0.0/0", NULL);
	ts_of(&b, "172.16.0.0/12", NULL);
	assert_int_equal(ike_ts_narrow(&a, &b, &o), 0);
	assert_true(ike_ts_equal(&o, &b));
	assert_true(ike_ts_subset(&o, &a));
	assert_false(ike_ts_subset(&a, &o));
	/* Two policy prefixes, one outside the proposal. */
	ts_of(&a, "10.0.0.0/8", NULL);
	ts_of(&b, "10.1.0.0/16", "192.168.0.0/16");
	assert_int_equal(ike_ts_narrow(&a, &b, &o), 0);
	ts_of(&want, "10.1.0.0/16", NULL);
	assert_true(ike_ts_equal(&o, &want));
	/* Disjoint. */
	ts_of(&a, "172.16.0.0/12", NULL);
	ts_of(&b, "192.168.0.0/16", NULL);
	assert_int_equal(ike_ts_narrow(&a, &b, &o), -1);
	/* Protocols: any and TCP -> TCP; TCP and UDP -> nothing. */
	ts_of(&a, "10.0.0.0/8", NULL);
	ts_of(&b, "10.0.0.0/8", NULL);
	b.ts[0].ipproto = 6;
	assert_int_equal(ike_ts_narrow(&a, &b, &o), 0);
	assert_int_equal(o.ts[0].ipproto, 6);
	a.ts[0].ipproto = 17;
	assert_int_equal(ike_ts_narrow(&a, &b, &o), -1);
	/* Ports intersect. */
	a.ts[0].ipproto = 6;
	a.ts[0].sport = 100;
	a.ts[0].eport = 200;
	b.ts[0].sport = 150;
	b.ts[0].eport = 300;
	assert_int_equal(ike_ts_narrow(&a, &b, &o), 0);
	assert_int_equal(o.ts[0].sport, 150);
	assert_int_equal(o.ts[0].eport, 200);
}

static void
test_prop_profiles(void **state)
{
	struct ike_proposals p;

	(void)state;
	assert_int_equal(ike_prop_profile("aws", IKE_PROTO_IKE, &p), 0);
	assert_int_equal(p.a[0].encr, IKE_ENCR_AES_CBC);
	assert_int_equal(p.a[0].keybits, 256);
	assert_int_equal(p.a[0].integ, IKE_INTEG_HMAC_SHA2_256_128);
	assert_int_equal(p.a[0].prf, IKE_PRF_HMAC_SHA2_256);
	assert_int_equal(p.a[0].dh, IKE_DH_MODP_2048);
	assert_int_equal(ike_prop_profile("gcp", IKE_PROTO_IKE, &p), 0);
	assert_int_equal(p.a[0].encr, IKE_ENCR_AES_GCM_16);
	assert_int_equal(p.a[0].integ, IKE_INTEG_NONE);
	assert_int_equal(p.a[0].dh, IKE_DH_ECP_256);
	assert_int_equal(ike_prop_profile("alibaba", IKE_PROTO_ESP, &p), 0);
	assert_int_equal(ike_alg_esp_xform(&p.a[0]), ESP_XF_AES128_CBC_SHA1);
	assert_int_equal(p.a[0].dh, IKE_DH_MODP_1024);
	assert_int_equal(ike_prop_profile("azure", IKE_PROTO_IKE, &p), -1);
}

static void
test_prop_parse_errors(void **state)
{
	struct ike_proposals p;
	char err[128];

	(void)state;
	assert_int_equal(ike_prop_parse("aes256gcm16-sha256-ecp256",
	    IKE_PROTO_IKE, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "AEAD"));
	assert_int_equal(ike_prop_parse("aes256-sha256", IKE_PROTO_IKE, &p, err,
	    sizeof(err)), -1);
	assert_int_equal(ike_prop_parse("aes256-md5-modp2048", IKE_PROTO_IKE, &p,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "md5"));
	/* ESP with SHA-384 is not in src/esp. */
	assert_int_equal(ike_prop_parse("aes256-sha384", IKE_PROTO_ESP, &p, err,
	    sizeof(err)), -1);
	assert_int_equal(ike_prop_parse("aes128-sha1-modp2048-esn,aes256gcm16",
	    IKE_PROTO_ESP, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n, 2);
	assert_true(p.a[0].esn);
	assert_int_equal(p.a[1].dh, IKE_DH_NONE);
}

static void
test_prop_select(void **state)
{
	struct ike_proposals ours, theirs;
	struct ike_sa sa;
	struct ike_alg got;
	char err[128];
	size_t idx;

	(void)state;
	assert_int_equal(ike_prop_parse("aes256-sha256-modp2048,"
	    "aes128-sha1-modp1024", IKE_PROTO_IKE, &ours, err, sizeof(err)), 0);
	assert_int_equal(ike_prop_parse("aes128-sha1-modp1024,"
	    "aes256-sha256-modp2048", IKE_PROTO_IKE, &theirs, err, sizeof(err)),
	    0);
	ike_prop_to_sa(&theirs, IKE_PROTO_IKE, true, NULL, 0, &sa);
	assert_int_equal(ike_prop_select(&ours, &sa, IKE_PROTO_IKE, true, &got,
	    &idx), 0);
	assert_int_equal(got.keybits, 256);	/* our first, their second */
	assert_int_equal(idx, 1);
	/* An unknown attribute disqualifies the transform (3.3.6). */
	sa.prop[1].xf[0].unknown_attr = true;
	assert_int_equal(ike_prop_select(&ours, &sa, IKE_PROTO_IKE, true, &got,
	    &idx), 0);
	assert_int_equal(got.keybits, 128);
	/* A reply with two proposals is not a choice. */
	assert_int_equal(ike_prop_check_reply(&ours, &sa, IKE_PROTO_IKE, true,
	    &got), -1);
	ike_prop_one(&ours.a[1], IKE_PROTO_IKE, 2, true, NULL, 0, &sa);
	assert_int_equal(ike_prop_check_reply(&ours, &sa, IKE_PROTO_IKE, true,
	    &got), 0);
	/* Wrong protocol. */
	assert_int_equal(ike_prop_check_reply(&ours, &sa, IKE_PROTO_ESP, true,
	    &got), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ts_prefixes),
		cmocka_unit_test(test_ts_narrow),
		cmocka_unit_test(test_prop_profiles),
		cmocka_unit_test(test_prop_parse_errors),
		cmocka_unit_test(test_prop_select),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
