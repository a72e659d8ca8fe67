/*
 * IKEv2 key schedule and Diffie-Hellman against published vectors:
 *  - RFC 4231 (HMAC-SHA-256/384/512 test cases 1, 2, 6) through ike_prf();
 *  - NIST CAVS SP 800-135 "IKEv2" KDF sample (SHA-1, Ni/Nr 64 bits, g^ir 256
 *    bits, DKM 1056 bits), as reproduced in libreswan's CAVS driver
 *    (programs/cavp, "libreswan-ikev2-cavs" example output): SKEYSEED, DKM,
 *    DKM(Child SA), DKM(Child SA D-H), SKEYSEED(Rekey);
 *  - RFC 5903 section 8 (ECP groups 19, 20, 21: private keys, public values,
 *    shared secrets) and the group 19 KE payload of section 8;
 *  - RFC 7748 section 6.1 (X25519 Alice/Bob);
 * plus structural properties (prf+ recurrence of RFC 7296 2.13, PSK AUTH of 2.15
 * against an independent EVP_Q_mac computation) and peer-value rejection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "ike/ike_crypto.h"
#include "ike/ike_msg.h"
#include "ike_test_util.h"

static void
check_hmac(uint16_t prf, const char *keyhex, const char *data, const char *want)
{
	uint8_t key[256], out[IKE_PRF_MAX], exp[IKE_PRF_MAX];
	long klen = hexdec(keyhex, key, sizeof(key));
	long elen = hexdec(want, exp, sizeof(exp));
	struct ike_iov iov = { data, strlen(data) };

	assert_true(klen > 0 && elen > 0);
	assert_int_equal(ike_prf(prf, key, (size_t)klen, &iov, 1, out), 0);
	assert_int_equal(ike_prf_len(prf), (size_t)elen);
	assert_memory_equal(out, exp, (size_t)elen);
}

/* RFC 4231 section 4.2 (test case 1), 4.3 (test case 2), 4.7 (test case 6). */
static void
test_prf_rfc4231(void **state)
{
	const char *k1 = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b";
	const char *k2 = "4a656665";	/* "Jefe" */
	char k6[2 * 131 + 1];
	int i;

	check_hmac(IKE_PRF_HMAC_SHA2_256, k1, "Hi There",
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	check_hmac(IKE_PRF_HMAC_SHA2_256, k2, "what do ya want for nothing?",
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	check_hmac(IKE_PRF_HMAC_SHA2_384, k2, "what do ya want for nothing?",
	    "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	    "8e2240ca5e69e2c78b3239ecfab21649");
	check_hmac(IKE_PRF_HMAC_SHA2_512, k2, "what do ya want for nothing?",
	    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
	/* Test case 6: a key longer than the block (SKEYSEED's Ni | Nr can be). */
	for (i = 0; i < 131; i++)
		memcpy(k6 + 2 * i, "aa", 2);
	k6[2 * 131] = '\0';
	check_hmac(IKE_PRF_HMAC_SHA2_256, k6,
	    "Test Using Larger Than Block-Size Key - Hash Key First",
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	/* Unsupported PRF ids fail cleanly. */
	{
		uint8_t out[IKE_PRF_MAX];
		struct ike_iov iov = { "x", 1 };

		assert_int_equal(ike_prf(IKE_PRF_AES128_XCBC, out, 1, &iov, 1, out),
		    -1);
		assert_int_equal(ike_prf_len(999), 0);
	}
}

/* RFC 7296 2.13: T1 = prf(K, S | 0x01), T2 = prf(K, T1 | S | 0x02), ... */
static void
test_prf_plus_structure(void **state)
{
	const uint8_t key[] = "a prf+ key", seed[] = "Ni|Nr|SPIi|SPIr";
	struct ike_iov s = { seed, sizeof(seed) - 1 };
	uint8_t out[100], t[IKE_PRF_MAX], one = 1, two = 2, three = 3;
	struct ike_iov iov[3];

	assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA2_256, key, sizeof(key) - 1,
	    &s, 1, out, sizeof(out)), 0);
	iov[0] = s;
	iov[1].p = &one;
	iov[1].len = 1;
	assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256, key, sizeof(key) - 1, iov,
	    2, t), 0);
	assert_memory_equal(out, t, 32);
	iov[0].p = out;
	iov[0].len = 32;
	iov[1] = s;
	iov[2].p = &two;
	iov[2].len = 1;
	assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256, key, sizeof(key) - 1, iov,
	    3, t), 0);
	assert_memory_equal(out + 32, t, 32);
	iov[0].p = out + 32;
	iov[2].p = &three;
	assert_int_equal(ike_prf(IKE_PRF_HMAC_SHA2_256, key, sizeof(key) - 1, iov,
	    3, t), 0);
	assert_memory_equal(out + 64, t, 32);
	/* T4 is truncated to the 4 bytes still wanted; a shorter request is a
	 * prefix of a longer one. */
	{
		uint8_t shorter[70];

		assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA2_256, key,
		    sizeof(key) - 1, &s, 1, shorter, sizeof(shorter)), 0);
		assert_memory_equal(shorter, out, sizeof(shorter));
	}
	/* At most 255 blocks. */
	{
		uint8_t big[256 * 20];

		assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA1, key, 4, &s, 1, big,
		    255 * 20), 0);
		assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA1, key, 4, &s, 1, big,
		    255 * 20 + 1), -1);
	}
}

/*
 * NIST CAVS SP 800-135 IKEv2 KDF, [SHA-1], Ni/Nr length 64, g^ir length 256,
 * DKM length 1056, COUNT = 0 (as printed in libreswan's CAVS test driver).
 */
static const char *cavs_ni = "32b50d5f4a3763f3";
static const char *cavs_nr = "9206a04b26564cb1";
static const char *cavs_spii = "34c9e7c188868785";
static const char *cavs_spir = "3ff77d760d2b2199";
static const char *cavs_gir =
    "4b2c1f971981a8ad8d0abeafabf38cf75fc8349c148142465ed9c8b516b8be52";
static const char *cavs_girnew =
    "863f3c9d06efd39d2b907b97f8699e5dd5251ef64a2a176f36ee40c87d4f9330";
static const char *cavs_skeyseed = "a9a7b222b59f8f48645f28a1db5b5f5d7479cba7";
static const char *cavs_dkm =
    "a14293677cc80ff8f9cc0eee30d895da9d8f405666e30ef0dfcb63c634a46002a2a63080e5"
    "14a062768b76606f9fa5e992204fc5a670bde3f10d6b027113936a5c55b648a194ae587b00"
    "88d52204b702c979fa280870d2ed41efa9c549fd11198af1670b143d384bd275c5f594cf26"
    "6b05ebadca855e4249520a441a81157435a7a56cc4";
static const char *cavs_dkm_child =
    "8059e3ee8810e6c3a91bc8bcd2a7a41151b8d0e6ae239c7b38093ad85ef4c5811a8e7b5d1c"
    "dabd9560b2d5e092d1f24e2d4b85eccdf0ad0dc9abd94b51ee71814ca6dbc8bb51b6309f5b"
    "9545c7eb35cf5580b1e521a8fe20754a2d883ba0c2cf285f524aea6545b33106bc03e61429"
    "6d319d41d4b50b3f510b1c0a22f3e664994d234cb4";
static const char *cavs_dkm_child_dh =
    "bb43244c1860ad65ee1e211ffe8bb3661750c8f89cb9f547df7f4fa61d37301628190e38c6"
    "6232eab4b3ab14c400a5197dd3730ed4820a8a10394d51e1c0400052f63ebd36b0e7ef53aa"
    "ed31eba4a5080d7d4b5666023a8bbb5ffb7857240f9a05884d1b7d2f933708450b7b3288f1"
    "fc863ab49fa901227cffc06e27899c7054d56fd74c";
static const char *cavs_rekey = "63e81194946ebd05df7df5ebf5d8750056bf1f1d";

static void
test_kdf_cavs_ikev2_sha1(void **state)
{
	uint8_t ni[8], nr[8], spii[8], spir[8], gir[32], girnew[32];
	uint8_t skeyseed[20], want[256], dkm[132], child[132], rekey[20];
	struct ike_iov seed[4], cseed[3];
	struct ike_suite suite = { IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96,
	    IKE_PRF_HMAC_SHA1, 0 };
	struct ike_keys k;
	struct ike_child_keys ck;

	assert_int_equal(hexdec(cavs_ni, ni, 8), 8);
	assert_int_equal(hexdec(cavs_nr, nr, 8), 8);
	assert_int_equal(hexdec(cavs_spii, spii, 8), 8);
	assert_int_equal(hexdec(cavs_spir, spir, 8), 8);
	assert_int_equal(hexdec(cavs_gir, gir, 32), 32);
	assert_int_equal(hexdec(cavs_girnew, girnew, 32), 32);

	assert_int_equal(ike_skeyseed(IKE_PRF_HMAC_SHA1, ni, 8, nr, 8, gir, 32,
	    skeyseed), 0);
	assert_int_equal(hexdec(cavs_skeyseed, want, sizeof(want)), 20);
	assert_memory_equal(skeyseed, want, 20);

	seed[0] = (struct ike_iov){ ni, 8 };
	seed[1] = (struct ike_iov){ nr, 8 };
	seed[2] = (struct ike_iov){ spii, 8 };
	seed[3] = (struct ike_iov){ spir, 8 };
	assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA1, skeyseed, 20, seed, 4, dkm,
	    132), 0);
	assert_int_equal(hexdec(cavs_dkm, want, sizeof(want)), 132);
	assert_memory_equal(dkm, want, 132);

	/* Child SA KEYMAT = prf+(SK_d, Ni | Nr), SK_d = the first 20 DKM bytes. */
	cseed[0] = seed[0];
	cseed[1] = seed[1];
	assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA1, dkm, 20, cseed, 2, child,
	    132), 0);
	assert_int_equal(hexdec(cavs_dkm_child, want, sizeof(want)), 132);
	assert_memory_equal(child, want, 132);

	/* With PFS: prf+(SK_d, g^ir (new) | Ni | Nr). */
	cseed[0] = (struct ike_iov){ girnew, 32 };
	cseed[1] = (struct ike_iov){ ni, 8 };
	cseed[2] = (struct ike_iov){ nr, 8 };
	assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA1, dkm, 20, cseed, 3, child,
	    132), 0);
	assert_int_equal(hexdec(cavs_dkm_child_dh, want, sizeof(want)), 132);
	assert_memory_equal(child, want, 132);

	/* 2.18 rekey: prf(SK_d (old), g^ir (new) | Ni | Nr). */
	assert_int_equal(ike_skeyseed_rekey(IKE_PRF_HMAC_SHA1, dkm, 20, girnew, 32,
	    ni, 8, nr, 8, rekey), 0);
	assert_int_equal(hexdec(cavs_rekey, want, sizeof(want)), 20);
	assert_memory_equal(rekey, want, 20);

	/*
	 * The same DKM split by ike_derive_keys(): SHA-1 PRF (20) + HMAC-SHA1-96
	 * keys (20) + AES-128 (16) make exactly 3*20 + 2*20 + 2*16 = 132 bytes.
	 */
	assert_int_equal(hexdec(cavs_dkm, want, sizeof(want)), 132);
	assert_int_equal(ike_derive_keys(&suite, skeyseed, ni, 8, nr, 8, spii, spir,
	    &k), 0);
	assert_memory_equal(k.sk_d, want, 20);
	assert_memory_equal(k.sk_ai, want + 20, 20);
	assert_memory_equal(k.sk_ar, want + 40, 20);
	assert_memory_equal(k.sk_ei, want + 60, 16);
	assert_memory_equal(k.sk_er, want + 76, 16);
	assert_memory_equal(k.sk_pi, want + 92, 20);
	assert_memory_equal(k.sk_pr, want + 112, 20);

	/* ... and ike_child_keys() takes encr_i | integ_i | encr_r | integ_r. */
	assert_int_equal(hexdec(cavs_dkm_child_dh, want, sizeof(want)), 132);
	assert_int_equal(ike_child_keys(&suite, k.sk_d, 20, girnew, 32, ni, 8, nr,
	    8, &ck), 0);
	assert_memory_equal(ck.encr_i, want, 16);
	assert_memory_equal(ck.integ_i, want + 16, 20);
	assert_memory_equal(ck.encr_r, want + 36, 16);
	assert_memory_equal(ck.integ_r, want + 52, 20);
	ike_keys_wipe(&k);
	ike_child_keys_wipe(&ck);
}

/* GCM key material carries the 4-byte salt (RFC 5282 7.1); no SK_a keys. */
static void
test_derive_gcm_lengths(void **state)
{
	struct ike_suite s = { IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE,
	    IKE_PRF_HMAC_SHA2_256, 0 };
	uint8_t seedk[32] = { 1 }, ni[32] = { 2 }, nr[32] = { 3 }, spi[8] = { 4 };
	uint8_t km[3 * 32 + 2 * 36];
	struct ike_iov seed[4] = { { ni, 32 }, { nr, 32 }, { spi, 8 }, { spi, 8 } };
	struct ike_keys k;

	assert_int_equal(ike_derive_keys(&s, seedk, ni, 32, nr, 32, spi, spi, &k), 0);
	assert_int_equal(k.encr_len, 36);
	assert_int_equal(k.integ_len, 0);
	assert_int_equal(k.prf_len, 32);
	assert_int_equal(ike_prf_plus(IKE_PRF_HMAC_SHA2_256, seedk, 32, seed, 4, km,
	    sizeof(km)), 0);
	assert_memory_equal(k.sk_d, km, 32);
	assert_memory_equal(k.sk_ei, km + 32, 36);
	assert_memory_equal(k.sk_er, km + 68, 36);
	assert_memory_equal(k.sk_pi, km + 104, 32);
	assert_memory_equal(k.sk_pr, km + 136, 32);
	s.encr_keybits = 192;	/* not offered */
	assert_int_equal(ike_derive_keys(&s, seedk, ni, 32, nr, 32, spi, spi, &k),
	    -1);
}

/* 2.15 against an independent computation with EVP_Q_mac. */
static void
test_psk_auth(void **state)
{
	const uint8_t psk[] = "s3cret-psk", msg[] = "IKE_SA_INIT request bytes";
	const uint8_t nonce[16] = { 9 }, skp[32] = { 7 }, id[] = "\x02\0\0\0gw.example";
	uint8_t out[32], padk[32], maced[32], want[32], octets[128];
	size_t n, olen = 0;

	assert_int_equal(ike_psk_auth_msg(IKE_PRF_HMAC_SHA2_256, psk,
	    sizeof(psk) - 1, msg, sizeof(msg) - 1, nonce, 16, skp, 32, id,
	    sizeof(id) - 1, out), 0);
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, psk,
	    sizeof(psk) - 1, (const uint8_t *)"Key Pad for IKEv2", 17, padk, 32,
	    &n));
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, skp, 32, id,
	    sizeof(id) - 1, maced, 32, &n));
	memcpy(octets + olen, msg, sizeof(msg) - 1), olen += sizeof(msg) - 1;
	memcpy(octets + olen, nonce, 16), olen += 16;
	memcpy(octets + olen, maced, 32), olen += 32;
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, padk, 32,
	    octets, olen, want, 32, &n));
	assert_memory_equal(out, want, 32);
}

struct ecp_vec {
	uint16_t	 group;
	const char	*i, *gix, *giy, *r, *grx, *gry, *girx;
};

/* RFC 5903 sections 8.1, 8.2, 8.3. */
static const struct ecp_vec ecp_vecs[] = {
	{ IKE_DH_ECP_256,
	  "C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433",
	  "DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180",
	  "5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3",
	  "C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53",
	  "D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63",
	  "56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB",
	  "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE" },
	{ IKE_DH_ECP_384,
	  "099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655"
	  "E35B5380 41E649EE 3FAEF896 783AB194",
	  "667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6"
	  "DE3AC808 ACB4BDB4 C88732AE E95F41AA",
	  "9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E"
	  "EB9FCFF3 C2C947DA E69B4C63 4573A81C",
	  "41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD A0AA2942"
	  "E0308312 916B8ED2 960E4BD5 5A7448FC",
	  "E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D"
	  "0D1AC43A 0336DEF9 6FDA41D0 774A3571",
	  "DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF"
	  "F83FA401 42209DFF 5EAAD96D B9E6386C",
	  "11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4"
	  "D6031355 69B9E9D0 9CF5D4A2 70F59746" },
	{ IKE_DH_ECP_521,
	  "0037ADE9 319A89F4 DABDB3EF 411AACCC A5123C61 ACAB57B5 393DCE47 608172A0"
	  "95AA85A3 0FE1C295 2C6771D9 37BA9777 F5957B26 39BAB072 462F68C2 7A57382D"
	  "4A52",
	  "0015417E 84DBF28C 0AD3C278 713349DC 7DF153C8 97A1891B D98BAB43 57C9ECBE"
	  "E1E3BF42 E00B8E38 0AEAE57C 2D107564 94188594 2AF5A7F4 601723C4 195D176C"
	  "ED3E",
	  "017CAE20 B6641D2E EB695786 D8C94614 6239D099 E18E1D5A 514C739D 7CB4A10A"
	  "D8A78801 5AC405D7 799DC75E 7B7D5B6C F2261A6A 7F150743 8BF01BEB 6CA3926F"
	  "9582",
	  "0145BA99 A847AF43 793FDD0E 872E7CDF A16BE30F DC780F97 BCCC3F07 8380201E"
	  "9C677D60 0B343757 A3BDBF2A 3163E4C2 F869CCA7 458AA4A4 EFFC311F 5CB15168"
	  "5EB9",
	  "00D0B397 5AC4B799 F5BEA16D 5E13E9AF 971D5E9B 984C9F39 728B5E57 39735A21"
	  "9B97C356 436ADC6E 95BB0352 F6BE64A6 C2912D4E F2D0433C ED2B6171 640012D9"
	  "460F",
	  "015C6822 6383956E 3BD066E7 97B623C2 7CE0EAC2 F551A10C 2C724D98 52077B87"
	  "220B6536 C5C408A1 D2AEBB8E 86D678AE 49CB5709 1F473229 6579AB44 FCD17F0F"
	  "C56A",
	  "01144C7D 79AE6956 BC8EDB8E 7C787C45 21CB086F A64407F9 7894E5E6 B2D79B04"
	  "D1427E73 CA4BAA24 0A347868 59810C06 B3C715A3 A8CC3151 F2BEE417 996D19F3"
	  "DDEA" },
};

static void
test_ecp_rfc5903(void **state)
{
	size_t v;

	for (v = 0; v < sizeof(ecp_vecs) / sizeof(ecp_vecs[0]); v++) {
		const struct ecp_vec *e = &ecp_vecs[v];
		size_t plen = ike_dh_pub_len(e->group), c = plen / 2;
		uint8_t i[66], r[66], gi[132], gr[132], want[132], pub[132];
		uint8_t s1[66], s2[66];
		char why[128];
		long ilen, rlen;
		struct ike_dh *a, *b;

		ilen = hexdec(e->i, i, sizeof(i));
		rlen = hexdec(e->r, r, sizeof(r));
		assert_int_equal(hexdec(e->gix, gi, c), (long)c);
		assert_int_equal(hexdec(e->giy, gi + c, c), (long)c);
		assert_int_equal(hexdec(e->grx, gr, c), (long)c);
		assert_int_equal(hexdec(e->gry, gr + c, c), (long)c);
		assert_int_equal(hexdec(e->girx, want, c), (long)c);
		assert_non_null(a = ike_dh_new_priv(e->group, i, (size_t)ilen));
		assert_non_null(b = ike_dh_new_priv(e->group, r, (size_t)rlen));
		/* Section 7: the KE value is x | y. */
		assert_int_equal(ike_dh_pub(a, pub, plen), 0);
		assert_memory_equal(pub, gi, plen);
		assert_int_equal(ike_dh_pub(b, pub, plen), 0);
		assert_memory_equal(pub, gr, plen);
		/* The shared secret is x of g^ir, from both sides. */
		assert_int_equal(ike_dh_derive(a, gr, plen, s1, c, why, sizeof(why)),
		    0);
		assert_int_equal(ike_dh_derive(b, gi, plen, s2, c, why, sizeof(why)),
		    0);
		assert_memory_equal(s1, want, c);
		assert_memory_equal(s2, want, c);
		/* A point off the curve, or all zeros, is refused. */
		gr[plen - 1] ^= 1;
		assert_int_equal(ike_dh_derive(a, gr, plen, s1, c, why, sizeof(why)),
		    -1);
		memset(gr, 0, plen);
		assert_int_equal(ike_dh_derive(a, gr, plen, s1, c, why, sizeof(why)),
		    -1);
		/* A value one byte too long (the SEC1 0x04 form) is refused. */
		assert_int_equal(ike_dh_derive(a, gi, plen - 1, s1, c, why,
		    sizeof(why)), -1);
		ike_dh_free(a);
		ike_dh_free(b);
	}
}

/* RFC 5903 section 8: the group 19 KEi payload, header and body. */
static void
test_ecp_ke_payload(void **state)
{
	uint8_t i[32], want[72], out[128];
	struct ike_dh *a;
	struct buf_writer w;
	struct ike_ke ke;
	uint8_t pub[64];

	assert_int_equal(hexdec(ecp_vecs[0].i, i, 32), 32);
	assert_int_equal(hexdec("00000048 00130000", want, 8), 8);
	assert_int_equal(hexdec(ecp_vecs[0].gix, want + 8, 32), 32);
	assert_int_equal(hexdec(ecp_vecs[0].giy, want + 40, 32), 32);
	assert_non_null(a = ike_dh_new_priv(IKE_DH_ECP_256, i, 32));
	assert_int_equal(ike_dh_pub(a, pub, 64), 0);
	ke.group = IKE_DH_ECP_256;
	ke.data = pub;
	ke.len = 64;
	buf_writer_init(&w, out, sizeof(out));
	buf_put_u8(&w, 0);
	buf_put_u8(&w, 0);
	buf_put_u16(&w, 72);
	assert_int_equal(ike_ke_encode(&w, &ke), 0);
	assert_int_equal(w.len, 72);
	assert_memory_equal(out, want, 72);
	ike_dh_free(a);
}

/* RFC 7748 section 6.1. */
static void
test_x25519_rfc7748(void **state)
{
	uint8_t a_priv[32], a_pub[32], b_priv[32], b_pub[32], k[32], pub[32], s[32];
	uint8_t low[32];
	char why[128];
	struct ike_dh *a, *b;

	hexdec("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	    a_priv, 32);
	hexdec("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	    a_pub, 32);
	hexdec("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	    b_priv, 32);
	hexdec("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	    b_pub, 32);
	hexdec("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
	    k, 32);
	assert_non_null(a = ike_dh_new_priv(IKE_DH_CURVE25519, a_priv, 32));
	assert_non_null(b = ike_dh_new_priv(IKE_DH_CURVE25519, b_priv, 32));
	assert_int_equal(ike_dh_pub(a, pub, 32), 0);
	assert_memory_equal(pub, a_pub, 32);
	assert_int_equal(ike_dh_pub(b, pub, 32), 0);
	assert_memory_equal(pub, b_pub, 32);
	assert_int_equal(ike_dh_derive(a, b_pub, 32, s, 32, why, sizeof(why)), 0);
	assert_memory_equal(s, k, 32);
	assert_int_equal(ike_dh_derive(b, a_pub, 32, s, 32, why, sizeof(why)), 0);
	assert_memory_equal(s, k, 32);
	/* Low-order points (u = 0, u = 1) give an all-zero secret: refused. */
	memset(low, 0, 32);
	assert_int_equal(ike_dh_derive(a, low, 32, s, 32, why, sizeof(why)), -1);
	low[0] = 1;
	assert_int_equal(ike_dh_derive(a, low, 32, s, 32, why, sizeof(why)), -1);
	ike_dh_free(a);
	ike_dh_free(b);
}

/* MODP: both sides agree; y outside 1 < y < p-1 is refused. */
static void
test_modp_agree_and_reject(void **state)
{
	const uint16_t gs[] = { IKE_DH_MODP_1024, IKE_DH_MODP_1536, IKE_DH_MODP_2048,
	    IKE_DH_MODP_3072, IKE_DH_MODP_4096 };
	size_t gi;

	for (gi = 0; gi < sizeof(gs) / sizeof(gs[0]); gi++) {
		size_t len = ike_dh_pub_len(gs[gi]);
		uint8_t pa[512], pb[512], sa[512], sb[512], bad[512];
		char why[128];
		struct ike_dh *a = ike_dh_new(gs[gi]), *b = ike_dh_new(gs[gi]);

		assert_non_null(a);
		assert_non_null(b);
		assert_int_equal(ike_dh_pub(a, pa, len), 0);
		assert_int_equal(ike_dh_pub(b, pb, len), 0);
		assert_int_equal(ike_dh_derive(a, pb, len, sa, len, why, sizeof(why)),
		    0);
		assert_int_equal(ike_dh_derive(b, pa, len, sb, len, why, sizeof(why)),
		    0);
		assert_memory_equal(sa, sb, len);
		memset(bad, 0, len);	/* y = 0 */
		assert_int_equal(ike_dh_derive(a, bad, len, sa, len, why,
		    sizeof(why)), -1);
		bad[len - 1] = 1;	/* y = 1 */
		assert_int_equal(ike_dh_derive(a, bad, len, sa, len, why,
		    sizeof(why)), -1);
		memset(bad, 0xff, len);	/* y > p (every RFC prime ends 0xff..ff) */
		assert_int_equal(ike_dh_derive(a, bad, len, sa, len, why,
		    sizeof(why)), -1);
		bad[len - 1] = 0xfe;	/* y = p - 1 */
		assert_int_equal(ike_dh_derive(a, bad, len, sa, len, why,
		    sizeof(why)), -1);
		assert_int_equal(ike_dh_derive(a, pb, len + 1, sa, len, why,
		    sizeof(why)), -1);
		ike_dh_free(a);
		ike_dh_free(b);
	}
}

/*
 * Key pairs from kept generation contexts (ike_dh_gen): each one is fresh
 * (two in a row differ) and agrees with a peer; an unknown group stays NULL.
 */
static void
test_dh_gen_reuse(void **state)
{
	const uint16_t gs[] = { IKE_DH_CURVE25519, IKE_DH_ECP_256,
	    IKE_DH_MODP_2048 };
	struct ike_dh_gen *gen = ike_dh_gen_new();
	size_t gi, k;

	for (gi = 0; gi < sizeof(gs) / sizeof(gs[0]); gi++) {
		size_t len = ike_dh_pub_len(gs[gi]), slen = ike_dh_secret_len(gs[gi]);
		uint8_t pa[2][512], pb[512], sa[512], sb[512];
		char why[128];
		struct ike_dh *b = ike_dh_new(gs[gi]);

		assert_non_null(b);
		assert_int_equal(ike_dh_pub(b, pb, len), 0);
		for (k = 0; k < 2; k++) {
			struct ike_dh *a = ike_dh_new_gen(gen, gs[gi]);

			assert_non_null(a);
			assert_int_equal(ike_dh_group(a), gs[gi]);
			assert_int_equal(ike_dh_pub(a, pa[k], len), 0);
			assert_int_equal(ike_dh_derive(a, pb, len, sa, slen, why,
			    sizeof(why)), 0);
			assert_int_equal(ike_dh_derive(b, pa[k], len, sb, slen,
			    why, sizeof(why)), 0);
			assert_memory_equal(sa, sb, slen);
			ike_dh_free(a);
		}
		assert_memory_not_equal(pa[0], pa[1], len);
		ike_dh_free(b);
	}
	assert_null(ike_dh_new_gen(gen, 1025));
	ike_dh_gen_free(gen);
}

static void
test_group_table(void **state)
{
	assert_int_equal(ike_dh_pub_len(IKE_DH_MODP_2048), 256);
	assert_int_equal(ike_dh_pub_len(IKE_DH_MODP_3072), 384);
	assert_int_equal(ike_dh_pub_len(IKE_DH_MODP_4096), 512);
	assert_int_equal(ike_dh_pub_len(IKE_DH_ECP_521), 132);
	assert_int_equal(ike_dh_secret_len(IKE_DH_ECP_521), 66);
	/* CVE-2014-9221: group 1025 is simply unsupported. */
	assert_false(ike_dh_supported(1025));
	assert_false(ike_dh_supported(IKE_DH_MODP_768));
	assert_null(ike_dh_new(1025));
	assert_null(ike_dh_new_priv(1025, (const uint8_t *)"x", 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prf_rfc4231),
		cmocka_unit_test(test_prf_plus_structure),
		cmocka_unit_test(test_kdf_cavs_ikev2_sha1),
		cmocka_unit_test(test_derive_gcm_lengths),
		cmocka_unit_test(test_psk_auth),
		cmocka_unit_test(test_ecp_rfc5903),
		cmocka_unit_test(test_ecp_ke_payload),
		cmocka_unit_test(test_x25519_rfc7748),
		cmocka_unit_test(test_modp_agree_and_reject),
		cmocka_unit_test(test_dh_gen_reuse),
		cmocka_unit_test(test_group_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
