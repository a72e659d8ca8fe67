/*
 * SK payload protection (src/ike/ike_sk.c): for every supported suite an IKE_AUTH
 * message sealed over a known inner chain opens to exactly that chain, whose
 * payloads then parse; any flipped bit in the header, the SK header, the IV, the
 * ciphertext or the ICV is IKE_PARSE_INTEGRITY; a pad length larger than the
 * plaintext (behind a valid ICV) is INVALID_SYNTAX; SKF fragments bind their
 * fragment numbers into the AAD (RFC 7383 2.5.3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "ike/ike_crypto.h"
#include "ike/ike_msg.h"
#include "ike/ike_sk.h"

static uint8_t ekey[36], akey[64];

struct suite {
	uint16_t	encr, bits, integ;
};

static const struct suite suites[] = {
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_384_192 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_512_256 },
	{ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE },
	{ IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE },
};

static void
keys_for(const struct suite *s, struct ike_sk_keys *k)
{
	size_t i;

	for (i = 0; i < sizeof(ekey); i++)
		ekey[i] = (uint8_t)(0x10 + i);
	for (i = 0; i < sizeof(akey); i++)
		akey[i] = (uint8_t)(0x80 + i);
	memset(k, 0, sizeof(*k));
	k->encr = s->encr;
	k->encr_keybits = s->bits;
	k->integ = s->integ;
	k->ekey = ekey;
	k->akey = akey;
}

/* IDi, AUTH, SA(ESP), TSi, TSr, N(INITIAL_CONTACT) as a bare chain. */
static size_t
inner_chain(uint8_t *buf, size_t cap, uint8_t *first)
{
	static const uint8_t fqdn[] = "gw1.example.net", psk_auth[32] = { 0xab };
	struct buf_writer w;
	struct ike_enc e;
	struct ike_payload pl;
	size_t len = 0;

	buf_writer_init(&w, buf, cap);
	ike_enc_chain_begin(&e, &w);
	memset(&pl, 0, sizeof(pl));
	pl.type = IKE_PLD_IDI;
	pl.u.id = (struct ike_id){ IKE_ID_FQDN, fqdn, sizeof(fqdn) - 1 };
	assert_int_equal(ike_payload_encode(&e, &pl), 0);
	memset(&pl, 0, sizeof(pl));
	pl.type = IKE_PLD_AUTH;
	pl.u.auth = (struct ike_auth){ IKE_AUTH_SHARED_KEY_MIC, psk_auth, 32 };
	assert_int_equal(ike_payload_encode(&e, &pl), 0);
	memset(&pl, 0, sizeof(pl));
	pl.type = IKE_PLD_SA;
	pl.u.sa.nprop = 1;
	pl.u.sa.prop[0].num = 1;
	pl.u.sa.prop[0].proto = IKE_PROTO_ESP;
	pl.u.sa.prop[0].spi_len = 4;
	memcpy(pl.u.sa.prop[0].spi, "\xc0\x01\xd0\x0d", 4);
	pl.u.sa.prop[0].nxf = 2;
	pl.u.sa.prop[0].xf[0] = (struct ike_xform){ IKE_XFORM_ENCR,
	    IKE_ENCR_AES_GCM_16, 256, false };
	pl.u.sa.prop[0].xf[1] = (struct ike_xform){ IKE_XFORM_ESN, IKE_ESN_NO, 0,
	    false };
	assert_int_equal(ike_payload_encode(&e, &pl), 0);
	memset(&pl, 0, sizeof(pl));
	pl.type = IKE_PLD_TSI;
	pl.u.ts.n = 1;
	pl.u.ts.ts[0].type = IKE_TS_IPV4_ADDR_RANGE;
	pl.u.ts.ts[0].eport = 0xffff;
	memset(pl.u.ts.ts[0].end, 0xff, 4);
	assert_int_equal(ike_payload_encode(&e, &pl), 0);
	pl.type = IKE_PLD_TSR;
	assert_int_equal(ike_payload_encode(&e, &pl), 0);
	memset(&pl, 0, sizeof(pl));
	pl.type = IKE_PLD_NOTIFY;
	pl.u.notify.type = IKE_N_INITIAL_CONTACT;
	assert_int_equal(ike_payload_encode(&e, &pl), 0);
	assert_int_equal(ike_enc_finish(&e, &len), 0);
	*first = e.first;
	return len;
}

static size_t
seal_auth(const struct ike_sk_keys *k, const struct ike_sk_frag *frag,
    uint8_t *out, size_t cap, uint8_t *plain, size_t *plen)
{
	struct ike_hdr h;
	struct buf_writer w;
	struct ike_enc e;
	struct ike_err err;
	uint8_t first, iv[16];
	size_t len = 0;

	*plen = inner_chain(plain, 1024, &first);
	assert_int_equal(first, IKE_PLD_IDI);
	memset(iv, 0x5c, sizeof(iv));
	memset(&h, 0, sizeof(h));
	memset(h.spi_i, 0x11, 8);
	memset(h.spi_r, 0x22, 8);
	h.exchange = IKE_EXCH_AUTH;
	h.flags = IKE_FLAG_I;
	h.msgid = 1;
	buf_writer_init(&w, out, cap);
	ike_enc_begin(&e, &w, &h);
	assert_int_equal(ike_sk_seal(&e, k, first, frag, plain, *plen, iv, &len,
	    &err), IKE_PARSE_OK);
	assert_int_equal(len, w.len);
	return len;
}

static enum ike_parse_result
open_msg(const struct ike_sk_keys *k, const uint8_t *msg, size_t len,
    uint8_t *out, size_t cap, size_t *olen)
{
	struct ike_msg m;
	struct ike_err err;
	enum ike_parse_result r;

	if ((r = ike_msg_parse(&m, msg, len, &err)) != IKE_PARSE_OK)
		return r;
	return ike_sk_open(&m, k, out, cap, olen, &err);
}

static void
test_seal_open_all_suites(void **state)
{
	size_t si;

	for (si = 0; si < sizeof(suites) / sizeof(suites[0]); si++) {
		struct ike_sk_keys k;
		uint8_t msg[2048], plain[1024], out[2048];
		size_t len, plen, olen = 0, i, n;
		struct ike_msg m;
		struct ike_err err;
		struct ike_pld_raw in[IKE_MAX_PAYLOADS];
		struct ike_payload pl;

		keys_for(&suites[si], &k);
		len = seal_auth(&k, NULL, msg, sizeof(msg), plain, &plen);
		assert_int_equal(len, IKE_HDR_LEN + plen + ike_sk_overhead(&k, plen));
		if (si == 1 && getenv("IKE_WRITE_CORPUS") != NULL) {
			char path[512];
			FILE *f;

			snprintf(path, sizeof(path), "%s/ike_auth_sk_cbc",
			    getenv("IKE_WRITE_CORPUS"));
			if ((f = fopen(path, "wb")) != NULL) {
				fwrite(msg, 1, len, f);
				fclose(f);
			}
		}
		assert_int_equal(ike_msg_parse(&m, msg, len, &err), IKE_PARSE_OK);
		assert_int_equal(m.sk, 0);
		assert_int_equal(ike_sk_open(&m, &k, out, sizeof(out), &olen, &err),
		    IKE_PARSE_OK);
		assert_int_equal(olen, plen);
		assert_memory_equal(out, plain, plen);
		assert_int_equal(ike_chain_parse(m.pld[0].next, out, olen, in,
		    IKE_MAX_PAYLOADS, &n, &err), IKE_PARSE_OK);
		assert_int_equal(n, 6);
		for (i = 0; i < n; i++)
			assert_int_equal(ike_payload_parse(&in[i], &pl, &err),
			    IKE_PARSE_OK);
		assert_int_equal(in[5].type, IKE_PLD_NOTIFY);

		/* Any flipped bit is an integrity failure. */
		for (i = 0; i < len; i++) {
			size_t o;

			if (i >= 16 && i < 28)
				continue;	/* next/version/exch/flags/len parse */
			msg[i] ^= 0x01;
			if (i < 16 || i >= 32)
				assert_int_equal(open_msg(&k, msg, len, out,
				    sizeof(out), &o), IKE_PARSE_INTEGRITY);
			msg[i] ^= 0x01;
		}
		msg[19] ^= IKE_FLAG_R;	/* flags are covered too */
		assert_int_equal(open_msg(&k, msg, len, out, sizeof(out), &olen),
		    IKE_PARSE_INTEGRITY);
		msg[19] ^= IKE_FLAG_R;
		/* A wrong key. */
		ekey[0] ^= 1;
		akey[0] ^= 1;
		assert_int_equal(open_msg(&k, msg, len, out, sizeof(out), &olen),
		    IKE_PARSE_INTEGRITY);
		ekey[0] ^= 1;
		akey[0] ^= 1;
		/* Output buffer too small. */
		assert_int_equal(open_msg(&k, msg, len, out, 8, &olen),
		    IKE_PARSE_NOSPACE);
	}
}

static void
test_skf_aad(void **state)
{
	struct ike_sk_keys k;
	struct ike_sk_frag frag = { 1, 2 };
	uint8_t msg[2048], plain[1024], out[2048];
	size_t len, plen, olen;
	struct ike_msg m;
	struct ike_err err;
	int si;

	for (si = 0; si < 2; si++) {
		keys_for(&suites[si == 0 ? 1 : 5], &k);
		len = seal_auth(&k, &frag, msg, sizeof(msg), plain, &plen);
		assert_int_equal(ike_msg_parse(&m, msg, len, &err), IKE_PARSE_OK);
		assert_int_equal(m.pld[0].type, IKE_PLD_SKF);
		assert_int_equal(ike_sk_open(&m, &k, out, sizeof(out), &olen, &err),
		    IKE_PARSE_OK);
		assert_memory_equal(out, plain, plen);
		/* "1 of 2" -> "1 of 3": still valid syntax, but authenticated. */
		msg[IKE_HDR_LEN + 7] = 3;
		assert_int_equal(open_msg(&k, msg, len, out, sizeof(out), &olen),
		    IKE_PARSE_INTEGRITY);
	}
}

static void
test_short_and_misaligned(void **state)
{
	struct ike_sk_keys k;
	uint8_t msg[2048], plain[1024], out[2048];
	size_t len, plen, olen;

	keys_for(&suites[1], &k);
	len = seal_auth(&k, NULL, msg, sizeof(msg), plain, &plen);
	/* Cut the SK body to 20 bytes: shorter than IV + ICV. */
	msg[IKE_HDR_LEN + 2] = 0;
	msg[IKE_HDR_LEN + 3] = 24;
	msg[24] = 0;
	msg[25] = 0;
	msg[26] = 0;
	msg[27] = IKE_HDR_LEN + 24;
	assert_int_equal(open_msg(&k, msg, IKE_HDR_LEN + 24, out, sizeof(out),
	    &olen), IKE_PARSE_INVALID_SYNTAX);
	/* Ciphertext not a whole number of blocks. */
	len = seal_auth(&k, NULL, msg, sizeof(msg), plain, &plen);
	msg[IKE_HDR_LEN + 3] -= 1;
	msg[27] -= 1;
	assert_int_equal(open_msg(&k, msg, len - 1, out, sizeof(out), &olen),
	    IKE_PARSE_INVALID_SYNTAX);
}

/*
 * A pad length byte larger than the plaintext, behind a valid ICV: decrypt the
 * last block with OpenSSL directly, set the byte, re-encrypt, re-MAC.
 */
static void
test_bad_pad_length(void **state)
{
	struct ike_sk_keys k;
	uint8_t msg[2048], plain[1024], out[2048], blk[16], mac[64];
	size_t len, plen, olen, icv = 16, ctend, macl;
	EVP_CIPHER_CTX *c;
	int n;

	keys_for(&suites[1], &k);	/* AES-256-CBC, HMAC-SHA2-256-128 */
	len = seal_auth(&k, NULL, msg, sizeof(msg), plain, &plen);
	ctend = len - icv;
	assert_non_null(c = EVP_CIPHER_CTX_new());
	assert_true(EVP_DecryptInit_ex2(c, EVP_aes_256_cbc(), ekey,
	    msg + ctend - 32, NULL));
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_true(EVP_DecryptUpdate(c, blk, &n, msg + ctend - 16, 16));
	blk[15] = 0xff;
	assert_true(EVP_EncryptInit_ex2(c, EVP_aes_256_cbc(), ekey,
	    msg + ctend - 32, NULL));
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_true(EVP_EncryptUpdate(c, msg + ctend - 16, &n, blk, 16));
	EVP_CIPHER_CTX_free(c);
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, akey, 32,
	    msg, ctend, mac, sizeof(mac), &macl));
	memcpy(msg + ctend, mac, icv);
	assert_int_equal(open_msg(&k, msg, len, out, sizeof(out), &olen),
	    IKE_PARSE_INVALID_SYNTAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_open_all_suites),
		cmocka_unit_test(test_skf_aad),
		cmocka_unit_test(test_short_and_misaligned),
		cmocka_unit_test(test_bad_pad_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
