/*
 * IKEv2 message codec (src/ike/ike_msg.c, ike_pld_*.c): a built IKE_SA_INIT
 * parses back to the same structures and re-encodes to the same bytes; every
 * malformed form in reliability.md 2.1 / 6.1 F9 (CVE-2014-9221 group 1025,
 * CVE-2023-41913 long KE, CVE-2023-23009 TS selector length, CVE-2023-38710
 * REKEY_SA protocol 0/1, ...) gives its result code and a reason, never a crash.
 *
 * With IKE_WRITE_CORPUS=<dir> in the environment the messages built here are also
 * written to <dir> as fuzz seeds (tests/fuzz/corpus/fuzz_ike_msg was made so).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ike/ike_msg.h"

static const uint8_t spi_i[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
static uint8_t ke_data[64], nonce[32], natd[20], vid[16];

static void
corpus_write(const char *name, const uint8_t *p, size_t len)
{
	const char *dir = getenv("IKE_WRITE_CORPUS");
	char path[512];
	FILE *f;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) != NULL) {
		fwrite(p, 1, len, f);
		fclose(f);
	}
}

static void
fill(void)
{
	size_t i;

	for (i = 0; i < sizeof(ke_data); i++)
		ke_data[i] = (uint8_t)(0x40 + i);
	for (i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)(0xa0 ^ i);
	for (i = 0; i < sizeof(natd); i++)
		natd[i] = (uint8_t)i;
	memcpy(vid, "transit-vid-0001", 16);
}

static void
sa_init_proposals(struct ike_sa *sa)
{
	struct ike_prop *p;

	memset(sa, 0, sizeof(*sa));
	sa->nprop = 2;
	p = &sa->prop[0];
	p->num = 1;
	p->proto = IKE_PROTO_IKE;
	p->nxf = 4;
	p->xf[0] = (struct ike_xform){ IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 256, false };
	p->xf[1] = (struct ike_xform){ IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0, false };
	p->xf[2] = (struct ike_xform){ IKE_XFORM_INTEG,
	    IKE_INTEG_HMAC_SHA2_256_128, 0, false };
	p->xf[3] = (struct ike_xform){ IKE_XFORM_DH, IKE_DH_ECP_256, 0, false };
	p = &sa->prop[1];
	p->num = 2;
	p->proto = IKE_PROTO_IKE;
	p->nxf = 4;
	p->xf[0] = (struct ike_xform){ IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128,
	    false };
	p->xf[1] = (struct ike_xform){ IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_384, 0, false };
	p->xf[2] = (struct ike_xform){ IKE_XFORM_DH, IKE_DH_ECP_256, 0, false };
	p->xf[3] = (struct ike_xform){ IKE_XFORM_DH, IKE_DH_MODP_2048, 0, false };
}

/* IKE_SA_INIT request: SA, KE, Ni, N(NAT-D src), N(NAT-D dst), N(FRAG), V. */
static size_t
build_sa_init(uint8_t *buf, size_t cap)
{
	struct ike_hdr h;
	struct buf_writer w;
	struct ike_enc e;
	struct ike_payload pl;
	size_t len = 0;

	fill();
	memset(&h, 0, sizeof(h));
	memcpy(h.spi_i, spi_i, 8);
	h.exchange = IKE_EXCH_SA_INIT;
	h.flags = IKE_FLAG_I;
	buf_writer_init(&w, buf, cap);
	ike_enc_begin(&e, &w, &h);

	memset(&pl, 0, sizeof(pl));
	pl.type = IKE_PLD_SA;
	sa_init_proposals(&pl.u.sa);
	assert_int_equal(ike_payload_encode(&e, &pl), 0);

	memset(&pl, 0, sizeof(pl));
	pl.type = IKE_PLD_KE;
	pl.u.ke = (struct ike_ke){ IKE_DH_ECP_256, ke_data, sizeof(ke_data) };
	assert_int_equal(ike_payload_encode(&e, &pl), 0);

	memset(&pl, 0, sizeof(pl));
	pl.type = IKE_PLD_NONCE;
	pl.u.blob = (struct ike_blob){ nonce, sizeof(nonce) };
	assert_int_equal(ike_payload_encode(&e, &pl), 0);

	memset(&pl, 0, sizeof(pl));
	pl.type = IKE_PLD_NOTIFY;
	pl.u.notify.type = IKE_N_NAT_DETECTION_SOURCE_IP;
	pl.u.notify.data = natd;
	pl.u.notify.len = sizeof(natd);
	assert_int_equal(ike_payload_encode(&e, &pl), 0);
	pl.u.notify.type = IKE_N_NAT_DETECTION_DESTINATION_IP;
	assert_int_equal(ike_payload_encode(&e, &pl), 0);
	pl.u.notify.type = IKE_N_IKEV2_FRAGMENTATION_SUPPORTED;
	pl.u.notify.len = 0;
	assert_int_equal(ike_payload_encode(&e, &pl), 0);

	memset(&pl, 0, sizeof(pl));
	pl.type = IKE_PLD_VENDOR;
	pl.u.blob = (struct ike_blob){ vid, sizeof(vid) };
	assert_int_equal(ike_payload_encode(&e, &pl), 0);
	assert_int_equal(ike_enc_finish(&e, &len), 0);
	return len;
}

static void
test_sa_init_roundtrip(void **state)
{
	uint8_t buf[1024], again[1024];
	struct ike_msg m;
	struct ike_err err;
	struct ike_payload pl;
	struct buf_writer w;
	size_t len = build_sa_init(buf, sizeof(buf)), len2 = 0;

	corpus_write("sa_init_request", buf, len);
	/* Header as sent. */
	assert_int_equal(buf[16], IKE_PLD_SA);
	assert_int_equal(buf[17], 0x20);
	assert_int_equal(buf[18], IKE_EXCH_SA_INIT);
	assert_int_equal(buf[19], IKE_FLAG_I);

	assert_int_equal(ike_msg_parse(&m, buf, len, &err), IKE_PARSE_OK);
	assert_int_equal(m.hdr.length, len);
	assert_memory_equal(m.hdr.spi_i, spi_i, 8);
	assert_int_equal(m.npld, 7);
	assert_int_equal(m.sk, -1);
	assert_int_equal(m.pld[0].type, IKE_PLD_SA);
	assert_int_equal(m.pld[0].off, IKE_HDR_LEN);
	assert_int_equal(m.pld[6].type, IKE_PLD_VENDOR);

	assert_int_equal(ike_payload_parse(&m.pld[0], &pl, &err), IKE_PARSE_OK);
	assert_int_equal(pl.u.sa.nprop, 2);
	assert_int_equal(pl.u.sa.prop[0].nxf, 4);
	assert_int_equal(pl.u.sa.prop[0].xf[0].id, IKE_ENCR_AES_CBC);
	assert_int_equal(pl.u.sa.prop[0].xf[0].keylen, 256);
	assert_int_equal(pl.u.sa.prop[1].xf[3].id, IKE_DH_MODP_2048);
	assert_int_equal(pl.u.sa.prop[1].num, 2);

	assert_int_equal(ike_payload_parse(&m.pld[1], &pl, &err), IKE_PARSE_OK);
	assert_int_equal(pl.u.ke.group, IKE_DH_ECP_256);
	assert_int_equal(pl.u.ke.len, 64);
	assert_memory_equal(pl.u.ke.data, ke_data, 64);

	assert_int_equal(ike_payload_parse(&m.pld[2], &pl, &err), IKE_PARSE_OK);
	assert_int_equal(pl.u.blob.len, 32);
	assert_int_equal(ike_payload_parse(&m.pld[4], &pl, &err), IKE_PARSE_OK);
	assert_int_equal(pl.u.notify.type, IKE_N_NAT_DETECTION_DESTINATION_IP);
	assert_int_equal(pl.u.notify.len, 20);

	/* encode(parse(x)) == x for what we built. */
	buf_writer_init(&w, again, sizeof(again));
	assert_int_equal(ike_msg_reencode(&m, &w, &len2, &err), IKE_PARSE_OK);
	assert_int_equal(len2, len);
	assert_memory_equal(again, buf, len);

	/* The matching response shape for the corpus: R flag and SPIr set. */
	{
		uint8_t resp[1024];

		memcpy(resp, buf, len);
		memset(resp + 8, 0x99, 8);
		resp[19] = IKE_FLAG_R;
		corpus_write("sa_init_response", resp, len);
	}

	/* A writer one byte too small fails cleanly. */
	buf_writer_init(&w, again, len - 1);
	assert_int_not_equal(ike_msg_reencode(&m, &w, &len2, &err), IKE_PARSE_OK);
}

/* Parse a message expected to fail, and check the result and reason. */
static void
expect_msg(const uint8_t *buf, size_t len, enum ike_parse_result want,
    const char *reason)
{
	struct ike_msg m;
	struct ike_err err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(ike_msg_parse(&m, buf, len, &err), want);
	if (reason != NULL) {
		if (strstr(err.reason, reason) == NULL)
			fail_msg("reason \"%s\" lacks \"%s\"", err.reason, reason);
	}
}

/* Parse the message, then its payload `idx`, expecting `want`. */
static void
expect_pld(const uint8_t *buf, size_t len, size_t idx,
    enum ike_parse_result want, const char *reason, const char *corpus)
{
	struct ike_msg m;
	struct ike_err err;
	struct ike_payload pl;

	corpus_write(corpus, buf, len);
	assert_int_equal(ike_msg_parse(&m, buf, len, &err), IKE_PARSE_OK);
	assert_true(idx < m.npld);
	memset(&err, 0, sizeof(err));
	assert_int_equal(ike_payload_parse(&m.pld[idx], &pl, &err), want);
	if (reason != NULL && strstr(err.reason, reason) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\"", err.reason, reason);
}

/* A message with one payload of the given type and body. */
static size_t
one_payload(uint8_t *buf, size_t cap, uint8_t type, bool critical,
    const uint8_t *body, size_t blen)
{
	struct ike_hdr h;
	struct buf_writer w;
	struct ike_enc e;
	size_t len = 0;

	memset(&h, 0, sizeof(h));
	memcpy(h.spi_i, spi_i, 8);
	h.exchange = IKE_EXCH_INFORMATIONAL;
	buf_writer_init(&w, buf, cap);
	ike_enc_begin(&e, &w, &h);
	ike_enc_pld_begin(&e, type, critical);
	buf_put_bytes(&w, body, blen);
	ike_enc_pld_end(&e);
	assert_int_equal(ike_enc_finish(&e, &len), 0);
	return len;
}

static void
test_header_errors(void **state)
{
	uint8_t buf[1024];
	size_t len = build_sa_init(buf, sizeof(buf));

	expect_msg(buf, 27, IKE_PARSE_INVALID_SYNTAX, "< header 28");
	expect_msg(buf, len - 1, IKE_PARSE_INVALID_SYNTAX, "!= datagram length");
	buf[17] = 0x30;		/* IKEv3 */
	expect_msg(buf, len, IKE_PARSE_INVALID_MAJOR_VERSION, "major version 3");
	corpus_write("bad_major_version", buf, len);
	buf[17] = 0x21;		/* minor versions are ignored */
	expect_msg(buf, len, IKE_PARSE_OK, NULL);
	buf[17] = 0x20;
	/* First payload length 3. */
	buf[IKE_HDR_LEN + 2] = 0;
	buf[IKE_HDR_LEN + 3] = 3;
	expect_msg(buf, len, IKE_PARSE_INVALID_SYNTAX, "length 3 < 4");
	corpus_write("payload_len_3", buf, len);
	/* First payload longer than the message. */
	buf[IKE_HDR_LEN + 2] = 0x7f;
	expect_msg(buf, len, IKE_PARSE_INVALID_SYNTAX, "bytes left");
	corpus_write("payload_len_overflow", buf, len);
}

static void
test_critical_and_unknown(void **state)
{
	uint8_t buf[256];
	const uint8_t body[] = { 1, 2, 3 };
	size_t len;
	struct ike_msg m;
	struct ike_err err;

	len = one_payload(buf, sizeof(buf), 200, true, body, sizeof(body));
	memset(&err, 0, sizeof(err));
	assert_int_equal(ike_msg_parse(&m, buf, len, &err),
	    IKE_PARSE_UNSUPPORTED_CRITICAL_PAYLOAD);
	assert_int_equal(err.pld_type, 200);
	assert_int_equal(ike_result_notify(err.res),
	    IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	corpus_write("unknown_critical_payload", buf, len);
	len = one_payload(buf, sizeof(buf), 200, false, body, sizeof(body));
	assert_int_equal(ike_msg_parse(&m, buf, len, &err), IKE_PARSE_OK);
	assert_int_equal(m.npld, 0);
	assert_int_equal(m.nskipped, 1);
}

static void
test_sk_must_be_last(void **state)
{
	uint8_t buf[256];
	struct ike_hdr h;
	struct buf_writer w;
	struct ike_enc e;
	size_t len = 0;
	struct ike_msg m;
	struct ike_err err;

	memset(&h, 0, sizeof(h));
	h.exchange = IKE_EXCH_AUTH;
	buf_writer_init(&w, buf, sizeof(buf));
	ike_enc_begin(&e, &w, &h);
	ike_enc_pld_begin_inner(&e, IKE_PLD_SK, IKE_PLD_IDI);
	buf_put_zero(&w, 48);
	ike_enc_pld_end(&e);
	/* The encoder refuses anything after SK ... */
	ike_enc_pld_begin(&e, IKE_PLD_VENDOR, false);
	assert_int_equal(ike_enc_finish(&e, &len), -1);
	/* ... and the parser refuses a message that has it. */
	buf_put_bytes(&w, "\0\0\0\x08vvvv", 8);
	buf[16] = IKE_PLD_SK;
	buf[24] = 0;
	buf[25] = 0;
	buf[26] = 0;
	buf[27] = (uint8_t)w.len;
	expect_msg(buf, w.len, IKE_PARSE_INVALID_SYNTAX, "not the last payload");
	corpus_write("sk_not_last", buf, w.len);
	/* Exactly one SK, last: fine, and its next-payload names the inner one. */
	buf[27] = (uint8_t)(w.len - 8);
	assert_int_equal(ike_msg_parse(&m, buf, w.len - 8, &err), IKE_PARSE_OK);
	assert_int_equal(m.sk, 0);
	assert_int_equal(m.pld[0].next, IKE_PLD_IDI);
}

static void
test_too_many_payloads(void **state)
{
	uint8_t buf[2048];
	struct ike_hdr h;
	struct buf_writer w;
	struct ike_enc e;
	size_t len = 0;
	int i;

	memset(&h, 0, sizeof(h));
	buf_writer_init(&w, buf, sizeof(buf));
	ike_enc_begin(&e, &w, &h);
	for (i = 0; i < IKE_MAX_PAYLOADS + 1; i++) {
		ike_enc_pld_begin(&e, IKE_PLD_VENDOR, false);
		buf_put_u8(&w, (uint8_t)i);
		ike_enc_pld_end(&e);
	}
	assert_int_equal(ike_enc_finish(&e, &len), 0);
	expect_msg(buf, len, IKE_PARSE_LIMIT, "more than 32 payloads");
	corpus_write("too_many_payloads", buf, len);
}

static void
test_ke_checks(void **state)
{
	uint8_t buf[1024], body[4 + 300];
	size_t len;

	memset(body, 0x5a, sizeof(body));
	/* CVE-2014-9221: DH group 1025. */
	body[0] = 0x04;
	body[1] = 0x01;
	body[2] = body[3] = 0;
	len = one_payload(buf, sizeof(buf), IKE_PLD_KE, false, body, 4 + 256);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_KE_PAYLOAD,
	    "DH group 1025 not supported", "CVE-2014-9221-ke-group-1025");
	/* CVE-2023-41913: a KE longer than the group's size. */
	body[0] = 0;
	body[1] = IKE_DH_MODP_2048;
	len = one_payload(buf, sizeof(buf), IKE_PLD_KE, false, body, 4 + 300);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX,
	    "KE data length 300 != 256 for group 14",
	    "CVE-2023-41913-ke-too-long");
	len = one_payload(buf, sizeof(buf), IKE_PLD_KE, false, body, 4 + 255);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "255 != 256",
	    "ke-too-short");
	len = one_payload(buf, sizeof(buf), IKE_PLD_KE, false, body, 3);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "< 4", "ke-truncated");
	len = one_payload(buf, sizeof(buf), IKE_PLD_KE, false, body, 4 + 256);
	expect_pld(buf, len, 0, IKE_PARSE_OK, NULL, "ke-modp2048");
}

static void
test_nonce_bounds(void **state)
{
	uint8_t buf[1024], body[300] = { 0 };
	size_t len;

	len = one_payload(buf, sizeof(buf), IKE_PLD_NONCE, false, body, 15);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "nonce length 15",
	    "nonce-15");
	len = one_payload(buf, sizeof(buf), IKE_PLD_NONCE, false, body, 257);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "nonce length 257",
	    "nonce-257");
	len = one_payload(buf, sizeof(buf), IKE_PLD_NONCE, false, body, 16);
	expect_pld(buf, len, 0, IKE_PARSE_OK, NULL, "nonce-16");
	len = one_payload(buf, sizeof(buf), IKE_PLD_NONCE, false, body, 256);
	expect_pld(buf, len, 0, IKE_PARSE_OK, NULL, "nonce-256");
}

static void
test_ts_checks(void **state)
{
	uint8_t buf[1024], body[4 + 17 * 16];
	size_t len, i;
	struct ike_msg m;
	struct ike_err err;
	struct ike_payload pl;
	const uint8_t v4[] = { 1, 0, 0, 0, IKE_TS_IPV4_ADDR_RANGE, 6, 0, 16,
	    0, 0, 0xff, 0xff, 10, 0, 0, 0, 10, 0, 255, 255 };

	len = one_payload(buf, sizeof(buf), IKE_PLD_TSI, false, v4, sizeof(v4));
	corpus_write("ts-ok", buf, len);
	assert_int_equal(ike_msg_parse(&m, buf, len, &err), IKE_PARSE_OK);
	assert_int_equal(ike_payload_parse(&m.pld[0], &pl, &err), IKE_PARSE_OK);
	assert_int_equal(pl.u.ts.n, 1);
	assert_int_equal(pl.u.ts.ts[0].ipproto, 6);
	assert_int_equal(pl.u.ts.ts[0].eport, 0xffff);
	assert_int_equal(pl.u.ts.ts[0].end[2], 255);

	/* CVE-2023-23009: selector length 12 for an IPv4 range. */
	memcpy(body, v4, sizeof(v4));
	body[7] = 12;
	len = one_payload(buf, sizeof(buf), IKE_PLD_TSI, false, body, sizeof(v4));
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "TS length 12 != 16",
	    "CVE-2023-23009-ts-selector-length");
	/* IPv6 type with an IPv4 length. */
	body[4] = IKE_TS_IPV6_ADDR_RANGE;
	body[7] = 16;
	len = one_payload(buf, sizeof(buf), IKE_PLD_TSR, false, body, sizeof(v4));
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "TS length 16 != 40",
	    "ts-v6-short");
	/* Count says 2, one present. */
	memcpy(body, v4, sizeof(v4));
	body[0] = 2;
	len = one_payload(buf, sizeof(buf), IKE_PLD_TSR, false, body, sizeof(v4));
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "TS 2 of 2 truncated",
	    "ts-count-mismatch");
	/* Zero selectors, and 17 > IKE_MAX_TS. */
	body[0] = 0;
	len = one_payload(buf, sizeof(buf), IKE_PLD_TSR, false, body, 4);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "no selector",
	    "ts-empty");
	body[0] = 17;
	for (i = 0; i < 17; i++)
		memcpy(body + 4 + 16 * i, v4 + 4, 16);
	len = one_payload(buf, sizeof(buf), IKE_PLD_TSR, false, body,
	    4 + 17 * 16);
	expect_pld(buf, len, 0, IKE_PARSE_LIMIT, "17 traffic selectors > 16",
	    "ts-17");
	/* Trailing bytes after the selectors. */
	memcpy(body, v4, sizeof(v4));
	len = one_payload(buf, sizeof(buf), IKE_PLD_TSR, false, body,
	    sizeof(v4) + 3);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "bytes after",
	    "ts-trailing");
}

static void
test_notify_checks(void **state)
{
	uint8_t buf[2048], body[1100] = { 0 };
	size_t len;
	struct ike_msg m;
	struct ike_err err;
	struct ike_payload pl;

	/* CVE-2023-38710: REKEY_SA with protocol 0, and 1, and a 4-byte SPI. */
	body[0] = 0;
	body[1] = 4;
	body[2] = IKE_N_REKEY_SA >> 8;
	body[3] = IKE_N_REKEY_SA & 0xff;
	len = one_payload(buf, sizeof(buf), IKE_PLD_NOTIFY, false, body, 8);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "protocol id 0",
	    "CVE-2023-38710-rekey-proto-0");
	body[0] = 1;
	len = one_payload(buf, sizeof(buf), IKE_PLD_NOTIFY, false, body, 8);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "protocol id 1",
	    "CVE-2023-38710-rekey-proto-1");
	/* REKEY_SA without an SPI. */
	body[1] = 0;
	len = one_payload(buf, sizeof(buf), IKE_PLD_NOTIFY, false, body, 4);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "needs an AH/ESP SPI",
	    "rekey-no-spi");
	body[0] = IKE_PROTO_ESP;
	body[1] = 4;
	len = one_payload(buf, sizeof(buf), IKE_PLD_NOTIFY, false, body, 8);
	expect_pld(buf, len, 0, IKE_PARSE_OK, NULL, "rekey-esp");
	/* With no SPI the protocol id is ignored and stored as 0 (3.10). */
	body[0] = 7;
	body[1] = 0;
	body[2] = IKE_N_INITIAL_CONTACT >> 8;
	body[3] = IKE_N_INITIAL_CONTACT & 0xff;
	len = one_payload(buf, sizeof(buf), IKE_PLD_NOTIFY, false, body, 4);
	assert_int_equal(ike_msg_parse(&m, buf, len, &err), IKE_PARSE_OK);
	assert_int_equal(ike_payload_parse(&m.pld[0], &pl, &err), IKE_PARSE_OK);
	assert_int_equal(pl.u.notify.proto, 0);
	assert_int_equal(pl.u.notify.type, IKE_N_INITIAL_CONTACT);
	/* SPI size 3, SPI size larger than the payload. */
	body[1] = 3;
	len = one_payload(buf, sizeof(buf), IKE_PLD_NOTIFY, false, body, 8);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "SPI size 3",
	    "notify-spi-3");
	body[1] = 200;
	len = one_payload(buf, sizeof(buf), IKE_PLD_NOTIFY, false, body, 8);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "SPI size 200",
	    "notify-spi-overflow");
	/* COOKIE of 65 bytes; NAT-D of 19; data over the bound. */
	body[0] = 0;
	body[1] = 0;
	body[2] = IKE_N_COOKIE >> 8;
	body[3] = IKE_N_COOKIE & 0xff;
	len = one_payload(buf, sizeof(buf), IKE_PLD_NOTIFY, false, body, 4 + 65);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "COOKIE length 65",
	    "cookie-65");
	body[2] = IKE_N_NAT_DETECTION_SOURCE_IP >> 8;
	body[3] = IKE_N_NAT_DETECTION_SOURCE_IP & 0xff;
	len = one_payload(buf, sizeof(buf), IKE_PLD_NOTIFY, false, body, 4 + 19);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "NAT-D length 19",
	    "natd-19");
	body[2] = 0x50;
	body[3] = 0;
	len = one_payload(buf, sizeof(buf), IKE_PLD_NOTIFY, false, body,
	    4 + IKE_NOTIFY_DATA_MAX + 1);
	expect_pld(buf, len, 0, IKE_PARSE_LIMIT, "> 1024", "notify-huge");
}

static void
test_delete_checks(void **state)
{
	uint8_t buf[1024], body[4 + 4 * 70] = { 0 };
	size_t len;
	struct ike_msg m;
	struct ike_err err;
	struct ike_payload pl;

	body[0] = IKE_PROTO_IKE;
	len = one_payload(buf, sizeof(buf), IKE_PLD_DELETE, false, body, 4);
	expect_pld(buf, len, 0, IKE_PARSE_OK, NULL, "delete-ike");
	body[1] = 4;
	body[3] = 1;
	len = one_payload(buf, sizeof(buf), IKE_PLD_DELETE, false, body, 8);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "IKE delete with SPI",
	    "delete-ike-with-spi");
	body[0] = IKE_PROTO_ESP;
	body[3] = 2;
	len = one_payload(buf, sizeof(buf), IKE_PLD_DELETE, false, body, 8);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "delete of 2 SPIs has 4",
	    "delete-count-mismatch");
	body[0] = 0;
	len = one_payload(buf, sizeof(buf), IKE_PLD_DELETE, false, body, 12);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "protocol id 0",
	    "delete-proto-0");
	body[0] = IKE_PROTO_ESP;
	body[2] = 0;
	body[3] = 70;
	len = one_payload(buf, sizeof(buf), IKE_PLD_DELETE, false, body, 4 + 280);
	expect_pld(buf, len, 0, IKE_PARSE_LIMIT, "70 SPIs > 64", "delete-70");
	body[3] = 2;
	body[4] = 0xde;
	body[11] = 0x42;
	len = one_payload(buf, sizeof(buf), IKE_PLD_DELETE, false, body, 12);
	assert_int_equal(ike_msg_parse(&m, buf, len, &err), IKE_PARSE_OK);
	assert_int_equal(ike_payload_parse(&m.pld[0], &pl, &err), IKE_PARSE_OK);
	assert_int_equal(pl.u.del.nspi, 2);
	assert_int_equal(pl.u.del.spi[0][0], 0xde);
	assert_int_equal(pl.u.del.spi[1][3], 0x42);
}

static void
test_sa_checks(void **state)
{
	uint8_t buf[2048], body[1200];
	/* One ESP proposal: SPI 4 bytes, 1 transform ENCR AES-CBC keylen 128. */
	const uint8_t esp[] = { 0, 0, 0, 24, 1, IKE_PROTO_ESP, 4, 1,
	    0xca, 0xfe, 0xba, 0xbe,
	    0, 0, 0, 12, IKE_XFORM_ENCR, 0, 0, IKE_ENCR_AES_CBC, 0x80, 14, 0, 128 };
	size_t len, i;

	len = one_payload(buf, sizeof(buf), IKE_PLD_SA, false, esp, sizeof(esp));
	expect_pld(buf, len, 0, IKE_PARSE_OK, NULL, "sa-esp");
	memcpy(body, esp, sizeof(esp));
	body[7] = 2;		/* claims 2 transforms */
	len = one_payload(buf, sizeof(buf), IKE_PLD_SA, false, body, sizeof(esp));
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "transform 1 of 2",
	    "sa-xform-count");
	memcpy(body, esp, sizeof(esp));
	body[6] = 8;		/* ESP with an 8-byte SPI */
	len = one_payload(buf, sizeof(buf), IKE_PLD_SA, false, body, sizeof(esp));
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "SPI size 8 != 4",
	    "sa-esp-spi8");
	memcpy(body, esp, sizeof(esp));
	body[4] = 0;		/* proposal number 0 */
	len = one_payload(buf, sizeof(buf), IKE_PLD_SA, false, body, sizeof(esp));
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "proposal number 0",
	    "sa-propnum-0");
	memcpy(body, esp, sizeof(esp));
	body[15] = 60;		/* transform longer than the proposal */
	len = one_payload(buf, sizeof(buf), IKE_PLD_SA, false, body, sizeof(esp));
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "transform length 60",
	    "sa-xform-overflow");
	memcpy(body, esp, sizeof(esp));
	body[20] = 0x00;	/* TLV attribute whose length runs out */
	body[22] = 0x01;
	len = one_payload(buf, sizeof(buf), IKE_PLD_SA, false, body, sizeof(esp));
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "attribute length 384",
	    "sa-attr-overflow");
	memcpy(body, esp, sizeof(esp));
	body[3] = 4;		/* proposal length 4 < 8 + SPI */
	len = one_payload(buf, sizeof(buf), IKE_PLD_SA, false, body, sizeof(esp));
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "proposal length 4",
	    "sa-proplen-4");
	/* 17 proposals. */
	for (i = 0; i < 17; i++) {
		memcpy(body + i * sizeof(esp), esp, sizeof(esp));
		body[i * sizeof(esp)] = i == 16 ? 0 : 2;
		body[i * sizeof(esp) + 4] = (uint8_t)(i + 1);
	}
	len = one_payload(buf, sizeof(buf), IKE_PLD_SA, false, body,
	    17 * sizeof(esp));
	expect_pld(buf, len, 0, IKE_PARSE_LIMIT, "more than 16 proposals",
	    "sa-17-proposals");
	/* Gap in the numbering. */
	body[4 + sizeof(esp)] = 3;
	len = one_payload(buf, sizeof(buf), IKE_PLD_SA, false, body,
	    2 * sizeof(esp));
	body[sizeof(esp)] = 0;
	len = one_payload(buf, sizeof(buf), IKE_PLD_SA, false, body,
	    2 * sizeof(esp));
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "proposal number 3 after 1",
	    "sa-propnum-gap");
}

static void
test_id_auth_skf(void **state)
{
	uint8_t buf[4096], body[2100] = { 0 };
	size_t len;

	body[0] = IKE_ID_IPV4_ADDR;
	len = one_payload(buf, sizeof(buf), IKE_PLD_IDI, false, body, 4 + 4);
	expect_pld(buf, len, 0, IKE_PARSE_OK, NULL, "id-v4");
	len = one_payload(buf, sizeof(buf), IKE_PLD_IDI, false, body, 4 + 5);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "ID_IPV4_ADDR length 5",
	    "id-v4-5");
	body[0] = 77;
	len = one_payload(buf, sizeof(buf), IKE_PLD_IDR, false, body, 4 + 5);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "ID type 77",
	    "id-type-77");
	body[0] = IKE_ID_FQDN;
	len = one_payload(buf, sizeof(buf), IKE_PLD_IDR, false, body, 4);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "empty ID", "id-empty");
	body[0] = IKE_AUTH_SHARED_KEY_MIC;
	len = one_payload(buf, sizeof(buf), IKE_PLD_AUTH, false, body, 4);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "AUTH without data",
	    "auth-empty");
	len = one_payload(buf, sizeof(buf), IKE_PLD_AUTH, false, body, 4 + 32);
	expect_pld(buf, len, 0, IKE_PARSE_OK, NULL, "auth-psk");
	/* SKF 0 of 2, 3 of 2, 1 of 100. */
	memset(body, 0, 4);
	body[3] = 2;
	len = one_payload(buf, sizeof(buf), IKE_PLD_SKF, false, body, 40);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "fragment 0 of 2",
	    "skf-0");
	body[1] = 3;
	len = one_payload(buf, sizeof(buf), IKE_PLD_SKF, false, body, 40);
	expect_pld(buf, len, 0, IKE_PARSE_INVALID_SYNTAX, "fragment 3 of 2",
	    "skf-3-of-2");
	body[1] = 1;
	body[3] = 100;
	len = one_payload(buf, sizeof(buf), IKE_PLD_SKF, false, body, 40);
	expect_pld(buf, len, 0, IKE_PARSE_LIMIT, "100 fragments", "skf-100");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_init_roundtrip),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_critical_and_unknown),
		cmocka_unit_test(test_sk_must_be_last),
		cmocka_unit_test(test_too_many_payloads),
		cmocka_unit_test(test_ke_checks),
		cmocka_unit_test(test_nonce_bounds),
		cmocka_unit_test(test_ts_checks),
		cmocka_unit_test(test_notify_checks),
		cmocka_unit_test(test_delete_checks),
		cmocka_unit_test(test_sa_checks),
		cmocka_unit_test(test_id_auth_skf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
