/*
 * Golden messages from an independent IKEv2 implementation: the Android IKE
 * library's unit tests (AOSP packages/modules/IPsec, IkeMessageTest.java,
 * Apache-2.0) carry a captured IKE_SA_INIT request, an IKE_AUTH request with its
 * SK payload and the decrypted (padded) SK plaintext, and an empty INFORMATIONAL.
 * Each is parsed byte for byte here, every payload decoded and checked field by
 * field against a hand decode of the hex, and the IKE_SA_INIT re-encoded to the
 * identical bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ike/ike_msg.h"
#include "ike_test_util.h"

static const char *sa_init_hex =
    "8f54bf6d8b48e6e10000000000000000212022080000000000000150"
    "220000300000002c010100040300000c0100000c"
    "800e00800300000803000002030000080400000200000008"
    "020000022800008800020000b4a2faf4bb54878ae21d6385"
    "12ece55d9236fc5046ab6cef82220f421f3ce6361faf3656"
    "4ecb6d28798a94aad7b2b4b603ddeaaa5630adb9ece8ac37"
    "534036040610ebdd92f46bef84f0be7db860351843858f8a"
    "cf87056e272377f70c9f2d81e29c7b0ce4f291a3a72476bb"
    "0b278fd4b7b0a4c26bbeb08214c707137607958729000024"
    "c39b7f368f4681b89fa9b7be6465abd7c5f68b6ed5d3b4c7"
    "2cb4240eb5c464122900001c00004004e54f73b7d83f6beb"
    "881eab2051d8663f421d10b02b00001c00004005d915368c"
    "a036004cb578ae3e3fb268509aeab1900000002069936922"
    "8741c6d4ca094c93e242c9de19e7b7c60000000500000500";

static const char *ike_auth_hex =
    "5f54bf6d8b48e6e1909232b3d1edcb5c2e20230800000001000000ec"
    "230000d0b9132b7bb9f658dfdc648e5017a6322a030c316c"
    "e55f365760d46426ce5cfc78bd1ed9abff63eb9594c1bd58"
    "46de333ecd3ea2b705d18293b130395300ba92a351041345"
    "0a10525cea51b2753b4e92b081fd78d995659a98f742278f"
    "f9b8fd3e21554865c15c79a5134d66b2744966089e416c60"
    "a274e44a9a3f084eb02f3bdce1e7de9de8d9a62773ab563b"
    "9a69ba1db03c752acb6136452b8a86c41addb4210d68c423"
    "efed80e26edca5fa3fe5d0a5ca9375ce332c474b93fb1fa3"
    "59eb4e81ae6e0f22abdad69ba8007d50";

static const char *ike_auth_plain_hex =
    "2400000c010000000a50500d2700000c010000000a505050"
    "2100001c02000000df7c038aefaaa32d3f44b228b52a3327"
    "44dfb2c12c00002c00000028010304032ad4c0a20300000c"
    "0100000c800e008003000008030000020000000805000000"
    "2d00001801000000070000100000ffff00000000ffffffff"
    "2900001801000000070000100000ffff00000000ffffffff"
    "29000008000040000000000c000040010000000100000000"
    "000000000000000b";

static const char *empty_info_hex =
    "5f54bf6d8b48e6e1909232b3d1edcb5c2e20252800000000"
    "0000004c00000030e376871750fdba9f7012446c5dc3f97a"
    "f83b48ba0dbc68bcc4a78136832100aa4192f251cd4d1b97"
    "d298e550";

static void
test_android_sa_init(void **state)
{
	static const uint8_t types[] = { IKE_PLD_SA, IKE_PLD_KE, IKE_PLD_NONCE,
	    IKE_PLD_NOTIFY, IKE_PLD_NOTIFY, IKE_PLD_VENDOR };
	uint8_t msg[512], again[512];
	struct ike_msg m;
	struct ike_err err;
	struct ike_payload pl;
	struct buf_writer w;
	const struct ike_prop *p;
	long len = hexdec(sa_init_hex, msg, sizeof(msg));
	size_t i, len2 = 0;

	assert_int_equal(len, 336);
	assert_int_equal(ike_msg_parse(&m, msg, (size_t)len, &err), IKE_PARSE_OK);
	assert_int_equal(m.hdr.exchange, IKE_EXCH_SA_INIT);
	assert_int_equal(m.hdr.flags, IKE_FLAG_I);
	assert_int_equal(m.hdr.msgid, 0);
	assert_int_equal(m.hdr.spi_i[0], 0x8f);
	assert_int_equal(m.npld, 6);
	for (i = 0; i < m.npld; i++)
		assert_int_equal(m.pld[i].type, types[i]);

	assert_int_equal(ike_payload_parse(&m.pld[0], &pl, &err), IKE_PARSE_OK);
	assert_int_equal(pl.u.sa.nprop, 1);
	p = &pl.u.sa.prop[0];
	assert_int_equal(p->num, 1);
	assert_int_equal(p->proto, IKE_PROTO_IKE);
	assert_int_equal(p->spi_len, 0);
	assert_int_equal(p->nxf, 4);
	assert_int_equal(p->xf[0].type, IKE_XFORM_ENCR);
	assert_int_equal(p->xf[0].id, IKE_ENCR_AES_CBC);
	assert_int_equal(p->xf[0].keylen, 128);
	/* Android orders them ENCR, INTEG, DH, PRF. */
	assert_int_equal(p->xf[1].type, IKE_XFORM_INTEG);
	assert_int_equal(p->xf[1].id, IKE_INTEG_HMAC_SHA1_96);
	assert_int_equal(p->xf[2].type, IKE_XFORM_DH);
	assert_int_equal(p->xf[2].id, IKE_DH_MODP_1024);
	assert_int_equal(p->xf[3].type, IKE_XFORM_PRF);
	assert_int_equal(p->xf[3].id, IKE_PRF_HMAC_SHA1);

	assert_int_equal(ike_payload_parse(&m.pld[1], &pl, &err), IKE_PARSE_OK);
	assert_int_equal(pl.u.ke.group, IKE_DH_MODP_1024);
	assert_int_equal(pl.u.ke.len, 128);
	assert_int_equal(pl.u.ke.data[0], 0xb4);
	assert_int_equal(pl.u.ke.data[127], 0x87);

	assert_int_equal(ike_payload_parse(&m.pld[2], &pl, &err), IKE_PARSE_OK);
	assert_int_equal(pl.u.blob.len, 32);
	assert_int_equal(pl.u.blob.data[0], 0xc3);

	assert_int_equal(ike_payload_parse(&m.pld[3], &pl, &err), IKE_PARSE_OK);
	assert_int_equal(pl.u.notify.type, IKE_N_NAT_DETECTION_SOURCE_IP);
	assert_int_equal(pl.u.notify.len, 20);
	assert_int_equal(ike_payload_parse(&m.pld[4], &pl, &err), IKE_PARSE_OK);
	assert_int_equal(pl.u.notify.type, IKE_N_NAT_DETECTION_DESTINATION_IP);
	assert_int_equal(pl.u.notify.data[19], 0x90);

	assert_int_equal(ike_payload_parse(&m.pld[5], &pl, &err), IKE_PARSE_OK);
	assert_int_equal(pl.u.blob.len, 28);

	/* Our encoder reproduces the other implementation's bytes exactly. */
	buf_writer_init(&w, again, sizeof(again));
	assert_int_equal(ike_msg_reencode(&m, &w, &len2, &err), IKE_PARSE_OK);
	assert_int_equal(len2, (size_t)len);
	assert_memory_equal(again, msg, (size_t)len);
}

static void
test_android_ike_auth(void **state)
{
	static const uint8_t types[] = { IKE_PLD_IDI, IKE_PLD_IDR, IKE_PLD_AUTH,
	    IKE_PLD_SA, IKE_PLD_TSI, IKE_PLD_TSR, IKE_PLD_NOTIFY, IKE_PLD_NOTIFY };
	uint8_t msg[512], plain[512];
	struct ike_msg m;
	struct ike_err err;
	struct ike_payload pl;
	struct ike_pld_raw in[IKE_MAX_PAYLOADS];
	long len = hexdec(ike_auth_hex, msg, sizeof(msg));
	long plen = hexdec(ike_auth_plain_hex, plain, sizeof(plain));
	size_t n, i;

	assert_int_equal(len, 236);
	assert_int_equal(ike_msg_parse(&m, msg, (size_t)len, &err), IKE_PARSE_OK);
	assert_int_equal(m.hdr.exchange, IKE_EXCH_AUTH);
	assert_int_equal(m.hdr.msgid, 1);
	assert_int_equal(m.npld, 1);
	assert_int_equal(m.sk, 0);
	assert_int_equal(m.pld[0].type, IKE_PLD_SK);
	assert_int_equal(m.pld[0].next, IKE_PLD_IDI);
	/* IV (16) | ciphertext (176) | HMAC-SHA1-96 ICV (12). */
	assert_int_equal(m.pld[0].len, 204);
	assert_int_equal(m.pld[0].body[204 - 12], 0xae);

	/* The decrypted body: inner chain, zero padding, pad length 11. */
	assert_int_equal(plen, 176);
	assert_int_equal(plain[plen - 1], 11);
	assert_int_equal(ike_chain_parse(m.pld[0].next, plain, (size_t)plen - 12, in,
	    IKE_MAX_PAYLOADS, &n, &err), IKE_PARSE_OK);
	assert_int_equal(n, 8);
	for (i = 0; i < n; i++) {
		assert_int_equal(in[i].type, types[i]);
		assert_int_equal(ike_payload_parse(&in[i], &pl, &err), IKE_PARSE_OK);
		switch (i) {
		case 0:
			assert_int_equal(pl.u.id.type, IKE_ID_IPV4_ADDR);
			assert_memory_equal(pl.u.id.data, "\x0a\x50\x50\x0d", 4);
			break;
		case 2:
			assert_int_equal(pl.u.auth.method, IKE_AUTH_SHARED_KEY_MIC);
			assert_int_equal(pl.u.auth.len, 20);
			break;
		case 3:
			assert_int_equal(pl.u.sa.prop[0].proto, IKE_PROTO_ESP);
			assert_int_equal(pl.u.sa.prop[0].spi_len, 4);
			assert_memory_equal(pl.u.sa.prop[0].spi, "\x2a\xd4\xc0\xa2", 4);
			assert_int_equal(pl.u.sa.prop[0].nxf, 3);
			assert_int_equal(pl.u.sa.prop[0].xf[2].type, IKE_XFORM_ESN);
			break;
		case 4:
			assert_int_equal(pl.u.ts.n, 1);
			assert_int_equal(pl.u.ts.ts[0].type, IKE_TS_IPV4_ADDR_RANGE);
			assert_int_equal(pl.u.ts.ts[0].eport, 0xffff);
			assert_memory_equal(pl.u.ts.ts[0].end, "\xff\xff\xff\xff", 4);
			break;
		case 6:
			assert_int_equal(pl.u.notify.type, IKE_N_INITIAL_CONTACT);
			break;
		case 7:
			assert_int_equal(pl.u.notify.type, IKE_N_SET_WINDOW_SIZE);
			assert_int_equal(pl.u.notify.len, 4);
			break;
		}
	}
	/* Taking the padding as payload bytes must fail, not be skipped. */
	assert_int_not_equal(ike_chain_parse(m.pld[0].next, plain, (size_t)plen, in,
	    IKE_MAX_PAYLOADS, &n, &err), IKE_PARSE_OK);
}

static void
test_android_empty_informational(void **state)
{
	uint8_t msg[128];
	struct ike_msg m;
	struct ike_err err;
	long len = hexdec(empty_info_hex, msg, sizeof(msg));

	assert_int_equal(len, 76);
	assert_int_equal(ike_msg_parse(&m, msg, (size_t)len, &err), IKE_PARSE_OK);
	assert_int_equal(m.hdr.exchange, IKE_EXCH_INFORMATIONAL);
	assert_int_equal(m.hdr.flags, IKE_FLAG_I | IKE_FLAG_R);
	assert_int_equal(m.sk, 0);
	assert_int_equal(m.pld[0].next, IKE_PLD_NONE);
	assert_int_equal(m.pld[0].len, 16 + 16 + 12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_android_sa_init),
		cmocka_unit_test(test_android_ike_auth),
		cmocka_unit_test(test_android_empty_informational),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
