/*
 * Published test vectors through the ESP transforms.
 *
 * AES-GCM ESP packets: draft-mcgrew-gcm-test-01 ("GCM Test Vectors for ESP"),
 * the cases on its pages 6-17 (AES-128 and AES-256, with and without ESN; the
 * AES-192 and GMAC-only cases are left out: we do not offer those transforms).
 * Plaintext, ciphertext and tag were taken from two independent transcriptions
 * that agree byte for byte: OpenBSD's regress/sys/crypto/gmac test table (key +
 * salt, IV, AAD, ciphertext, tag) and a Go GCM test file that carries the same
 * cases with their plaintexts (key, nonce = salt || IV, AAD).  Every case runs
 * (a) through esp_xform_seal (encrypt side) and (b) as a whole ESP packet through
 * esp_decap with an inbound SA.  The draft's packets carry next header 1, so decap
 * stops at the next-header check, after the ICV verified and the padding checked:
 * the test asserts exactly that, plus the decrypted bytes and the window.
 *
 * HMAC: RFC 4868 sec 2.7.2.1 AUTH256-1..4 (HMAC-SHA-256-128) and RFC 2202 sec 3
 * test cases 1, 3 and 5 (HMAC-SHA1, truncated to 96 bits per RFC 2404), the ones
 * whose keys have the transform's key size, through the integrity transform.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "esp/esp.h"

struct gcm_case {
	const char	*name;
	const char	*key;		/* AES key || salt */
	const char	*iv;
	uint32_t	 spi;
	bool		 esn;
	uint32_t	 seq_hi, seq_lo;
	const char	*pt, *ct, *tag;
};

static const struct gcm_case gcm_cases[] = {
	{ "page 6 (AES-128, ESN)",
	  "4c80cdefbb5d10da906ac73c3613a634" "2e443b68", "4956ed7e3b244cfe",
	  0x00004321, true, 0x87654321, 0x00000000,
	  "45000048699a000080114db7c0a80102c0a801010a9bf15638d301000001000000000000"
	  "045f736970045f756470037369700963796265726369747902646b000021000101020201",
	  "fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34cfa2436f"
	  "14a3f3cf65925bf1f4a13c5d15b21e1884f5ff6247aeabb786b93bce61bc17d768fd9732",
	  "459018148f6cbe722fd04796562dfdb4" },
	{ "page 7 (AES-128)",
	  "feffe9928665731c6d6a8f9467308308" "cafebabe", "facedbaddecaf888",
	  0x0000a5f8, false, 0, 0x0000000a,
	  "4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d00100000100"
	  "0000000000037369700963796265726369747902646b00000100010001",
	  "deb22cd9b07c72c16e3a65beeb8df304a5a5897d33ae530f1ba76d5d114d2a5c3de81827"
	  "c10e9a4f51330d0eec416642cfbb85a5b47e48a4ec3b9ba95d918bd1",
	  "83b70d3aa8bc6ee4c309e9d85a41ad4a" },
	{ "page 8 (AES-256)",
	  "abbccddef00112233445566778899aababbccddef00112233445566778899aab"
	  "11223344", "0102030405060708",
	  0x4a2cbfe3, false, 0, 0x00000002,
	  "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee000000000700240"
	  "0020bf0000020405b40101040201020201",
	  "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763748a6379"
	  "85771d347f0545659f14e99def842d8e",
	  "b335f4eecfdbf831824b4c4915956c96" },
	{ "page 9 (AES-128, SPI 0: transform only)",
	  "00000000000000000000000000000000" "00000000", "0000000000000000",
	  0x00000000, false, 0, 0x00000001,
	  "4500003c99c500008001cb7a40679318010101010800075c020044006162636465666768"
	  "696a6b6c6d6e6f707172737475767761626364656667686901020201",
	  "4688daf2f973a392732909c331d56d60f694abaa414b5e7ff5fdcdfff5e9a28445647649"
	  "2719ffb64de7d9dca1e1d894bc3bd57873ed4d181d19d4d5c8c18af3",
	  "f821d496eeb096e98ad2b69e4799c71d" },
	{ "page 10 (AES-128, ESN)",
	  "3de09874b388e6491988d0c3607eae1f" "57690e43", "4e280000a2fca1a3",
	  0x42f67e3f, true, 0x10101010, 0x10101010,
	  "4500003c99c300008001cb7c40679318010101010800085c020043006162636465666768"
	  "696a6b6c6d6e6f707172737475767761626364656667686901020201",
	  "fba2caa4853cf9f0f22cb10d86dd83b0fec75691cf1a04b00d1138ec9c35791765acbd87"
	  "01ad79845bf9fe3fba487bc91755e6662b4c8d0d1f5e22739530320a",
	  "e0d731cc978ecafaeae88f00e80d6e48" },
	{ "page 11 (AES-128, ESN, short)",
	  "3de09874b388e6491988d0c3607eae1f" "57690e43", "4e280000a2fca1a3",
	  0x42f67e3f, true, 0x10101010, 0x10101010,
	  "4500001c42a200008001441f406793b6e00000020a00f5ff01020201",
	  "fba2ca845e5df9f0f22c3e6e86dd831e1fc65792cd1af9130e1379ed",
	  "369f071f35e034be95f112e4e7d05d35" },
	{ "page 12 (AES-128, ESN)",
	  "abbccddef00112233445566778899aab" "decaf888", "cafedebaceface74",
	  0x00000100, true, 0x00000000, 0x00000001,
	  "4500004933ba00007f119106c3fb1d10c2b1d326c02831ce0035dd7b800302d500004e20"
	  "001e8c18d75b81dc91baa0476b91b924b280389d92c963bac046ec959b6266c04722b149"
	  "23010101",
	  "18a6fd42f72cbf4ab2a2ea901f73d814e3e7f243d95412e1c349c1d2fbec168f9190feeb"
	  "af2cb01984e65863965d7472b79da345e0e780191f0d2f0e0f496c226f2127b27db35724"
	  "e7845d68",
	  "651f57e65f354f75ff17015769623436" },
	{ "page 13 (AES-256, ESN)",
	  "abbccddef00112233445566778899aababbccddef00112233445566778899aab"
	  "73616c74", "616e640169766563",
	  0x17405e67, true, 0x156f3126, 0xdd0db99b,
	  "45080028732c00004006e9f90a0106120a01038f06b88023dd6bafbecb71260250101f64"
	  "6d540001",
	  "f2d69ecdbd5a0d5b8d5ef38bad4da58d1f278fde98ef67549d524a3018d9a57ff4d3a31c"
	  "e673119e",
	  "451626c2415771e3b7eebca614c89b35" },
	{ "page 14 (AES-128, ESN)",
	  "3de09874b388e6491988d0c3607eae1f" "57690e43", "4e280000a2fca1a3",
	  0x42f67e3f, true, 0x10101010, 0x10101010,
	  "45000049333e00007f119182c3fb1d10c2b1d326c02831ce0035cb458003025b000001e0"
	  "001e8c18d65759d52284a0352c71475c8880391c764d6e5ee0496b325ae270c038994939"
	  "15010101",
	  "fba2cad12fc1f9f00d3cebf305410db83d7784b607323d220f24b0a97d54182800cadb0f"
	  "68d99ef0e0c0c89ae9bea8884e52d65bc1afd0740f742444747b5b39ab533163aad4550e"
	  "e5160975",
	  "cdb608c5769189609763b8e18caa81e2" },
	{ "page 15 (AES-256, ESN)",
	  "abbccddef00112233445566778899aababbccddef00112233445566778899aab"
	  "73616c74", "616e640169766563",
	  0x17405e67, true, 0x156f3126, 0xdd0db99b,
	  "636973636f0172756c657301746865016e6574776501646566696e650174686574656368"
	  "6e6f6c6f67696573017468617477696c6c01646566696e65746f6d6f72726f7701020201",
	  "d4b7ed86a1777f2ea13d6973d324c69e7b43f826fb56831226508bebd2dceb18d0a6df10"
	  "e5487df074113e14c641024e3e6773d91a62ee429b043a10e3efe6b012a49363412364f8",
	  "c0cac587f249e56b11e24f30e44ccc76" },
	{ "page 16 (AES-128, seq 2^32-1)",
	  "7d773d00c144c525ac619d18c84a3f47" "d9664267", "43457e9182443bc6",
	  0x335467ae, false, 0, 0xffffffff,
	  "01020201", "437f866b", "cb3f699fe9b0822bac961c4504bef270" },
	{ "page 16 (AES-128, ESN, trailer only)",
	  "abbccddef00112233445566778899aab" "decaf888", "cafedebaceface74",
	  0x00000100, true, 0x00000000, 0x00000001,
	  "746f016265016f72016e6f7401746f0162650001",
	  "29c9fc69a197d038ccdd14e2ddfcaa0543332164",
	  "412503524303ed3c6c5f283843af8c3e" },
	{ "page 17 (AES-256, ESN, seq 2^64-1)",
	  "6c6567616c697a656d6172696a75616e61616e64646f69746265666f72656961"
	  "7475726e", "333021696765746d",
	  0x796b6963, true, 0xffffffff, 0xffffffff,
	  "45000030da3a00008001df3bc0a80005c0a800010800c6cd020007006162636465666768"
	  "696a6b6c6d6e6f707172737401020201",
	  "f97ab2aa356d8edce17644ac8c78e25dd24dedbb29ebf1b64a274b39b49c3a864cd3d78c"
	  "a4ae68a32b42458fb57dbe821dcc63b9",
	  "d0937ba2945f669368661a329fb4c053" },
};

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s) / 2, i;
	unsigned int b;

	assert_true(strlen(s) % 2 == 0);
	assert_true(n <= cap);
	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(s + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
	return n;
}

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static enum esp_xform_id
gcm_id(size_t keymat_len)
{
	return keymat_len == 16 + 4 ? ESP_XF_AES128_GCM16 : ESP_XF_AES256_GCM16;
}

static void
test_gcm_seal_vectors(void **state)
{
	struct esp_crypto *c = esp_crypto_new();
	uint8_t key[64], iv[8], pt[256], ct[256], tag[16], hdr[8], icv[16];
	struct esp_xform x;
	char err[128];
	size_t i, klen, n;

	assert_non_null(c);
	for (i = 0; i < sizeof(gcm_cases) / sizeof(gcm_cases[0]); i++) {
		const struct gcm_case *t = &gcm_cases[i];

		klen = unhex(t->key, key, sizeof(key));
		unhex(t->iv, iv, sizeof(iv));
		n = unhex(t->pt, pt, sizeof(pt));
		assert_int_equal(unhex(t->ct, ct, sizeof(ct)), n);
		unhex(t->tag, tag, sizeof(tag));
		be32(hdr, t->spi);
		be32(hdr + 4, t->seq_lo);
		if (esp_xform_init(&x, c, gcm_id(klen), true, key, klen, err,
		    sizeof(err)) == -1)
			fail_msg("%s: %s", t->name, err);
		assert_int_equal(esp_xform_seal(&x, hdr, t->esn, t->seq_hi, iv, pt, n,
		    icv), 0);
		if (memcmp(pt, ct, n) != 0 || memcmp(icv, tag, 16) != 0)
			fail_msg("%s: ciphertext or tag differs", t->name);
		esp_xform_wipe(&x);
	}
	esp_crypto_free(c);
}

static void
test_gcm_decap_vectors(void **state)
{
	static const struct prefix any = { PFX_V4, 0, { 0 } };
	uint8_t key[64], pt[256], buf[512];
	struct esp_sadb *db = esp_sadb_new();
	struct esp_sa_params p;
	struct esp_pkt pkt;
	struct esp_sa *sa, *got;
	uint64_t seq64;
	size_t i, klen, n, off;
	char err[128], why[128];

	assert_non_null(db);
	for (i = 0; i < sizeof(gcm_cases) / sizeof(gcm_cases[0]); i++) {
		const struct gcm_case *t = &gcm_cases[i];

		if (t->spi < ESP_SPI_MIN)
			continue;	/* reserved SPI: not installable */
		klen = unhex(t->key, key, sizeof(key));
		memset(&p, 0, sizeof(p));
		p.spi = t->spi;
		p.dir = ESP_DIR_IN;
		p.xform = gcm_id(klen);
		p.keymat = key;
		p.keymat_len = klen;
		p.esn = t->esn;
		p.ts_local = p.ts_remote = &any;
		p.n_local = p.n_remote = 1;
		if ((sa = esp_sadb_install(db, &p, err, sizeof(err))) == NULL)
			fail_msg("%s: %s", t->name, err);
		/* Put the window just below the case's 64-bit sequence number. */
		seq64 = (uint64_t)t->seq_hi << 32 | t->seq_lo;
		if (seq64 > 1)
			esp_replay_update(&sa->replay, seq64 - 1);

		be32(buf, t->spi);
		be32(buf + 4, t->seq_lo);
		off = 8 + unhex(t->iv, buf + 8, 8);
		n = unhex(t->ct, buf + off, sizeof(buf) - off);
		off += n;
		off += unhex(t->tag, buf + off, 16);
		unhex(t->pt, pt, sizeof(pt));

		/* A flipped tag bit: auth drop, window unmoved. */
		buf[off - 1] ^= 0x01;
		pkt = (struct esp_pkt){ buf, 0, off, sizeof(buf) };
		assert_int_equal(esp_decap(db, &pkt, &got, why, sizeof(why)),
		    ESP_DROP_AUTH);
		assert_true(sa->replay.top == (seq64 > 1 ? seq64 - 1 : 0));
		buf[off - 1] ^= 0x01;
		/* The failed GCM attempt decrypted in place: restore the ciphertext. */
		unhex(t->ct, buf + 16, sizeof(buf) - 16);

		pkt = (struct esp_pkt){ buf, 0, off, sizeof(buf) };
		if (esp_decap(db, &pkt, &got, why, sizeof(why)) != ESP_DROP_NEXT_HDR)
			fail_msg("%s: %s", t->name, why);
		assert_ptr_equal(got, sa);
		assert_true(sa->replay.top == seq64);
		if (memcmp(buf + 16, pt, n) != 0)
			fail_msg("%s: decrypted payload differs", t->name);
		assert_int_equal(sa->stats.drops[ESP_DROP_NEXT_HDR], 1);
		assert_int_equal(esp_sadb_delete(db, ESP_DIR_IN, t->spi), 0);
	}
	esp_sadb_free(db);
}

struct hmac_case {
	const char		*name;
	enum esp_xform_id	 xf;
	const char		*key;
	const char		*data;
	const char		*icv;	/* truncated */
};

static const struct hmac_case hmac_cases[] = {
	{ "RFC 4868 AUTH256-1", ESP_XF_AES128_CBC_SHA256,
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "4869205468657265", "198a607eb44bfbc69903a0f1cf2bbdc5" },
	{ "RFC 4868 AUTH256-2", ESP_XF_AES256_CBC_SHA256,
	  "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665",
	  "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
	  "167f928588c5cc2eef8e3093caa0e87c" },
	{ "RFC 4868 AUTH256-3", ESP_XF_AES128_CBC_SHA256,
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
	  "dddddddddddddddddddddddddddddddddddd",
	  "cdcb1220d1ecccea91e53aba3092f962" },
	{ "RFC 4868 AUTH256-4", ESP_XF_AES256_CBC_SHA256,
	  "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
	  "372efcf9b40b35c2115b1346903d2ef4" },
	{ "RFC 2202 HMAC-SHA1 case 1", ESP_XF_AES128_CBC_SHA1,
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "4869205468657265", "b617318655057264e28bc0b6" },
	{ "RFC 2202 HMAC-SHA1 case 3", ESP_XF_AES256_CBC_SHA1,
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
	  "dddddddddddddddddddddddddddddddddddd",
	  "125d7342b9ac11cd91a39af4" },
	{ "RFC 2202 HMAC-SHA1 case 5 (digest-96)", ESP_XF_AES128_CBC_SHA1,
	  "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
	  "546573742057697468205472756e636174696f6e",
	  "4c1a03424b55e07fe7f27be1" },
};

static void
test_hmac_vectors(void **state)
{
	struct esp_crypto *c = esp_crypto_new();
	uint8_t keymat[64] = { 0 }, data[128], want[16], icv[16];
	const struct esp_xform_info *xi;
	struct esp_xform x;
	size_t i, n, wn;
	char err[128];

	assert_non_null(c);
	for (i = 0; i < sizeof(hmac_cases) / sizeof(hmac_cases[0]); i++) {
		const struct hmac_case *t = &hmac_cases[i];

		xi = esp_xform_info(t->xf);
		/* Key material = AES key (zeros, unused here) || integrity key. */
		memset(keymat, 0, sizeof(keymat));
		assert_int_equal(unhex(t->key, keymat + xi->enc_keylen,
		    sizeof(keymat) - xi->enc_keylen), xi->auth_keylen);
		n = unhex(t->data, data, sizeof(data));
		wn = unhex(t->icv, want, sizeof(want));
		assert_int_equal(wn, xi->icv_len);
		if (esp_xform_init(&x, c, t->xf, false, keymat,
		    esp_xform_keymat_len(t->xf), err, sizeof(err)) == -1)
			fail_msg("%s: %s", t->name, err);
		assert_int_equal(esp_xform_icv(&x, data, n, icv), 0);
		if (memcmp(icv, want, wn) != 0)
			fail_msg("%s: ICV differs", t->name);
		/* Twice: the per-packet re-init must reuse the key, not drop it. */
		assert_int_equal(esp_xform_icv(&x, data, n, icv), 0);
		assert_memory_equal(icv, want, wn);
		esp_xform_wipe(&x);
	}
	esp_crypto_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gcm_seal_vectors),
		cmocka_unit_test(test_gcm_decap_vectors),
		cmocka_unit_test(test_hmac_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
