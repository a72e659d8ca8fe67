/*
 * fuzz_ike_msg (reliability.md 6.1 F4/F5/F9): the IKEv2 header, the payload chain
 * and every payload parser, on the outer message and on the input taken as a
 * decrypted SK body (first byte = first inner payload type).  Oracles:
 *  - no crash, no sanitizer report, no unbounded allocation;
 *  - decode -> encode -> decode -> encode is a fixed point: the second encoding
 *    parses and equals the first byte for byte (class 6, re-encoding bugs);
 *  - SK bodies are run through ike_sk_open() with fixed keys (AES-CBC + HMAC and
 *    AES-GCM), KE values of groups 19 and 31 through ike_dh_derive().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike_crypto.h"
#include "ike/ike_msg.h"
#include "ike/ike_sk.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t fixed_priv[32] = { 0x42, 0x42, 0x42, 0x42, 0x42, 0x42 };

static void
parse_all(const struct ike_pld_raw *p, size_t n)
{
	struct ike_payload pl;
	struct ike_err err;
	size_t i;

	for (i = 0; i < n; i++) {
		if (ike_payload_parse(&p[i], &pl, &err) != IKE_PARSE_OK)
			continue;
		if (pl.type == IKE_PLD_KE && (pl.u.ke.group == IKE_DH_ECP_256 ||
		    pl.u.ke.group == IKE_DH_CURVE25519)) {
			struct ike_dh *dh = ike_dh_new_priv(pl.u.ke.group,
			    fixed_priv, 32);
			uint8_t s[IKE_DH_SECRET_MAX];
			char why[128];

			if (dh == NULL)
				abort();
			(void)ike_dh_derive(dh, pl.u.ke.data, pl.u.ke.len, s,
			    ike_dh_secret_len(pl.u.ke.group), why, sizeof(why));
			ike_dh_free(dh);
		}
	}
}

static void
roundtrip(const struct ike_msg *m)
{
	static uint8_t a[IKE_MSG_MAX], b[IKE_MSG_MAX];
	struct buf_writer w;
	struct ike_msg m2;
	struct ike_err err;
	size_t la = 0, lb = 0;

	buf_writer_init(&w, a, sizeof(a));
	if (ike_msg_reencode(m, &w, &la, &err) != IKE_PARSE_OK)
		return;		/* some payload did not validate */
	if (ike_msg_parse(&m2, a, la, &err) != IKE_PARSE_OK)
		abort();
	buf_writer_init(&w, b, sizeof(b));
	if (ike_msg_reencode(&m2, &w, &lb, &err) != IKE_PARSE_OK)
		abort();
	if (la != lb || memcmp(a, b, la) != 0)
		abort();
}

static void
try_open(const struct ike_msg *m)
{
	static uint8_t out[IKE_MSG_MAX];
	/* The keys test_ike_sk.c seals its corpus message with. */
	uint8_t ekey[36], akey[64];
	const struct ike_sk_keys keys[] = {
		{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, ekey, akey },
		{ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, ekey, NULL },
	};
	struct ike_pld_raw in[IKE_MAX_PAYLOADS];
	struct ike_err err;
	size_t i, olen, n;

	for (i = 0; i < sizeof(ekey); i++)
		ekey[i] = (uint8_t)(0x10 + i);
	for (i = 0; i < sizeof(akey); i++)
		akey[i] = (uint8_t)(0x80 + i);

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (ike_sk_open(m, &keys[i], out, sizeof(out), &olen, &err) !=
		    IKE_PARSE_OK)
			continue;
		if (ike_chain_parse(m->pld[m->sk].next, out, olen, in,
		    IKE_MAX_PAYLOADS, &n, &err) == IKE_PARSE_OK)
			parse_all(in, n);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_msg m;
	struct ike_err err;
	struct ike_pld_raw in[IKE_MAX_PAYLOADS];
	struct buf_reader r;
	const uint8_t *rest;
	uint8_t first;
	size_t n;

	if (ike_msg_parse(&m, data, size, &err) == IKE_PARSE_OK) {
		parse_all(m.pld, m.npld);
		roundtrip(&m);
		if (m.sk >= 0)
			try_open(&m);
	}
	/* The same bytes as a decrypted SK body (F5). */
	buf_reader_init(&r, data, size);
	if (buf_get_u8(&r, &first) == 0 &&
	    buf_get_ptr(&r, &rest, buf_left(&r)) == 0 &&
	    ike_chain_parse(first, rest, size - 1, in, IKE_MAX_PAYLOADS, &n,
	    &err) == IKE_PARSE_OK)
		parse_all(in, n);
	return 0;
}
