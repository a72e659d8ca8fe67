/*
 * ike_crypto: the IKEv2 PRFs and key schedule (RFC 7296 2.13, 2.14, 2.15, 2.17,
 * 2.18; RFC 4868 for the SHA-2 PRFs and integrity key sizes; RFC 5282 7.1 for the
 * AES-GCM salt taken from the key material).  HMAC comes from OpenSSL EVP_MAC;
 * nothing here is a hand-written primitive.  Intermediate key material is wiped.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "common/util.h"
#include "ike/ike_crypto.h"
#include "ike/ike_wire.h"

#define PRF_PLUS_MAX_IOV	8

static const char *
prf_digest(uint16_t prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA1:		return "SHA1";
	case IKE_PRF_HMAC_SHA2_256:	return "SHA256";
	case IKE_PRF_HMAC_SHA2_384:	return "SHA384";
	case IKE_PRF_HMAC_SHA2_512:	return "SHA512";
	}
	return NULL;
}

size_t
ike_prf_len(uint16_t prf)
{
	switch (prf) {
	case IKE_PRF_HMAC_SHA1:		return 20;
	case IKE_PRF_HMAC_SHA2_256:	return 32;
	case IKE_PRF_HMAC_SHA2_384:	return 48;
	case IKE_PRF_HMAC_SHA2_512:	return 64;
	}
	return 0;
}

/* RFC 4868 2.1.1 / RFC 2404: the HMAC key is the hash output length. */
size_t
ike_integ_key_len(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_NONE:			return 0;
	case IKE_INTEG_HMAC_SHA1_96:		return 20;
	case IKE_INTEG_HMAC_SHA2_256_128:	return 32;
	case IKE_INTEG_HMAC_SHA2_384_192:	return 48;
	case IKE_INTEG_HMAC_SHA2_512_256:	return 64;
	}
	return 0;
}

size_t
ike_integ_icv_len(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:		return 12;
	case IKE_INTEG_HMAC_SHA2_256_128:	return 16;
	case IKE_INTEG_HMAC_SHA2_384_192:	return 24;
	case IKE_INTEG_HMAC_SHA2_512_256:	return 32;
	}
	return 0;
}

bool
ike_encr_is_aead(uint16_t encr)
{
	return encr == IKE_ENCR_AES_GCM_16;
}

size_t
ike_encr_key_len(uint16_t encr, uint16_t keybits)
{
	if (keybits != 128 && keybits != 256)
		return 0;
	switch (encr) {
	case IKE_ENCR_AES_CBC:
		return keybits / 8;
	case IKE_ENCR_AES_GCM_16:
		return keybits / 8 + IKE_GCM_SALT_LEN;
	}
	return 0;
}

/*
 * An HMAC context with the PRF's digest set, keyed anew by each prf_run().
 * Setting it up (method fetch, digest lookup by name) costs about three times
 * the HMAC of a short input, so prf+ and AUTH reuse one for all their blocks
 * (bench/ike: ~16 PRF calls per IKE SA).
 */
static EVP_MAC_CTX *
prf_ctx_new(uint16_t prf)
{
	const char *md = prf_digest(prf);
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];

	if (md == NULL || (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_MAC_CTX_new(mac)) != NULL &&
	    !EVP_MAC_CTX_set_params(ctx, params)) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	EVP_MAC_free(mac);	/* the context holds its own reference */
	return ctx;
}

static int
prf_run(EVP_MAC_CTX *ctx, uint16_t prf, const uint8_t *key, size_t keylen,
    const struct ike_iov *iov, size_t niov, uint8_t *out)
{
	size_t i, outlen = 0;

	if (ctx == NULL || !EVP_MAC_init(ctx, key, keylen, NULL))
		return -1;
	for (i = 0; i < niov; i++)
		if (iov[i].len > 0 && !EVP_MAC_update(ctx, iov[i].p, iov[i].len))
			return -1;
	if (!EVP_MAC_final(ctx, out, &outlen, ike_prf_len(prf)) ||
	    outlen != ike_prf_len(prf))
		return -1;
	return 0;
}

int
ike_prf(uint16_t prf, const uint8_t *key, size_t keylen,
    const struct ike_iov *iov, size_t niov, uint8_t *out)
{
	EVP_MAC_CTX *ctx = prf_ctx_new(prf);
	int rc;

	rc = prf_run(ctx, prf, key, keylen, iov, niov, out);
	EVP_MAC_CTX_free(ctx);
	return rc;
}

int
ike_prf_plus(uint16_t prf, const uint8_t *key, size_t keylen,
    const struct ike_iov *seed, size_t nseed, uint8_t *out, size_t outlen)
{
	struct ike_iov iov[PRF_PLUS_MAX_IOV + 2];
	uint8_t t[IKE_PRF_MAX];
	size_t plen = ike_prf_len(prf), done = 0, i;
	EVP_MAC_CTX *ctx;
	uint8_t n;
	int rc = -1;

	if (plen == 0 || nseed > PRF_PLUS_MAX_IOV || outlen > 255 * plen ||
	    (ctx = prf_ctx_new(prf)) == NULL)
		return -1;
	/* Tn = prf(K, Tn-1 | S | n), T0 empty. */
	for (n = 1; done < outlen; n++) {
		iov[0].p = t;
		iov[0].len = n == 1 ? 0 : plen;
		for (i = 0; i < nseed; i++)
			iov[1 + i] = seed[i];
		iov[1 + nseed].p = &n;
		iov[1 + nseed].len = 1;
		if (prf_run(ctx, prf, key, keylen, iov, nseed + 2, t) == -1)
			goto done;
		memcpy(out + done, t, MIN(plen, outlen - done));
		done += MIN(plen, outlen - done);
		if (n == 255)
			break;
	}
	rc = 0;
done:
	OPENSSL_cleanse(t, sizeof(t));
	EVP_MAC_CTX_free(ctx);
	return rc;
}

int
ike_skeyseed(uint16_t prf, const uint8_t *ni, size_t nilen, const uint8_t *nr,
    size_t nrlen, const uint8_t *gir, size_t girlen, uint8_t *out)
{
	uint8_t key[2 * IKE_NONCE_MAX];
	struct ike_iov iov = { gir, girlen };
	int rc;

	if (nilen > IKE_NONCE_MAX || nrlen > IKE_NONCE_MAX)
		return -1;
	memcpy(key, ni, nilen);
	memcpy(key + nilen, nr, nrlen);
	rc = ike_prf(prf, key, nilen + nrlen, &iov, 1, out);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int
ike_skeyseed_rekey(uint16_t old_prf, const uint8_t *sk_d, size_t sk_dlen,
    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, uint8_t *out)
{
	struct ike_iov iov[3] = { { gir, girlen }, { ni, nilen }, { nr, nrlen } };

	return ike_prf(old_prf, sk_d, sk_dlen, iov, 3, out);
}

/* Copy the next n bytes of derived key material. */
static void
take(uint8_t *dst, const uint8_t *km, size_t *off, size_t n)
{
	memcpy(dst, km + *off, n);
	*off += n;
}

int
ike_derive_keys(const struct ike_suite *s, const uint8_t *skeyseed,
    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
    const uint8_t spi_i[8], const uint8_t spi_r[8], struct ike_keys *k)
{
	struct ike_iov seed[4] = { { ni, nilen }, { nr, nrlen },
	    { spi_i, IKE_SPI_LEN }, { spi_r, IKE_SPI_LEN } };
	uint8_t km[3 * IKE_PRF_MAX + 2 * IKE_INTEG_KEY_MAX + 2 * IKE_ENCR_KEY_MAX];
	size_t plen = ike_prf_len(s->prf), off = 0, total;
	int rc = -1;

	memset(k, 0, sizeof(*k));
	k->prf_len = plen;
	k->encr_len = ike_encr_key_len(s->encr, s->encr_keybits);
	k->integ_len = ike_encr_is_aead(s->encr) ? 0 : ike_integ_key_len(s->integ);
	if (plen == 0 || k->encr_len == 0 ||
	    (!ike_encr_is_aead(s->encr) && k->integ_len == 0))
		return -1;
	total = 3 * plen + 2 * k->integ_len + 2 * k->encr_len;
	if (ike_prf_plus(s->prf, skeyseed, plen, seed, 4, km, total) == -1)
		goto done;
	/* 2.14: in the order SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr. */
	take(k->sk_d, km, &off, plen);
	take(k->sk_ai, km, &off, k->integ_len);
	take(k->sk_ar, km, &off, k->integ_len);
	take(k->sk_ei, km, &off, k->encr_len);
	take(k->sk_er, km, &off, k->encr_len);
	take(k->sk_pi, km, &off, plen);
	take(k->sk_pr, km, &off, plen);
	rc = 0;
done:
	OPENSSL_cleanse(km, sizeof(km));
	if (rc == -1)
		ike_keys_wipe(k);
	return rc;
}

int
ike_child_keys(const struct ike_suite *s, const uint8_t *sk_d, size_t sk_dlen,
    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, struct ike_child_keys *k)
{
	struct ike_iov seed[3];
	uint8_t km[2 * (IKE_ENCR_KEY_MAX + IKE_INTEG_KEY_MAX)];
	size_t n = 0, off = 0, total;
	int rc = -1;

	memset(k, 0, sizeof(*k));
	k->encr_len = ike_encr_key_len(s->encr, s->encr_keybits);
	k->integ_len = ike_encr_is_aead(s->encr) ? 0 : ike_integ_key_len(s->integ);
	if (k->encr_len == 0 || (!ike_encr_is_aead(s->encr) && k->integ_len == 0))
		return -1;
	if (gir != NULL) {
		seed[n].p = gir;
		seed[n++].len = girlen;
	}
	seed[n].p = ni;
	seed[n++].len = nilen;
	seed[n].p = nr;
	seed[n++].len = nrlen;
	total = 2 * (k->encr_len + k->integ_len);
	if (ike_prf_plus(s->prf, sk_d, sk_dlen, seed, n, km, total) == -1)
		goto done;
	/* 2.17: initiator-to-responder keys first; within a direction the
	 * encryption key comes before the integrity key. */
	take(k->encr_i, km, &off, k->encr_len);
	take(k->integ_i, km, &off, k->integ_len);
	take(k->encr_r, km, &off, k->encr_len);
	take(k->integ_r, km, &off, k->integ_len);
	rc = 0;
done:
	OPENSSL_cleanse(km, sizeof(km));
	if (rc == -1)
		ike_child_keys_wipe(k);
	return rc;
}

static int
psk_auth(EVP_MAC_CTX *ctx, uint16_t prf, const uint8_t *psk, size_t psklen,
    const struct ike_iov *octets, size_t niov, uint8_t *out)
{
	uint8_t pad_key[IKE_PRF_MAX];
	struct ike_iov pad = { IKE_PSK_PAD, sizeof(IKE_PSK_PAD) - 1 };
	int rc = -1;

	if (prf_run(ctx, prf, psk, psklen, &pad, 1, pad_key) == 0 &&
	    prf_run(ctx, prf, pad_key, ike_prf_len(prf), octets, niov, out) == 0)
		rc = 0;
	OPENSSL_cleanse(pad_key, sizeof(pad_key));
	return rc;
}

int
ike_psk_auth(uint16_t prf, const uint8_t *psk, size_t psklen,
    const struct ike_iov *octets, size_t niov, uint8_t *out)
{
	EVP_MAC_CTX *ctx = prf_ctx_new(prf);
	int rc;

	rc = psk_auth(ctx, prf, psk, psklen, octets, niov, out);
	EVP_MAC_CTX_free(ctx);
	return rc;
}

int
ike_psk_auth_msg(uint16_t prf, const uint8_t *psk, size_t psklen,
    const uint8_t *msg, size_t msglen, const uint8_t *peer_nonce,
    size_t noncelen, const uint8_t *sk_p, size_t sk_plen,
    const uint8_t *id_body, size_t idlen, uint8_t *out)
{
	uint8_t maced[IKE_PRF_MAX];
	struct ike_iov id = { id_body, idlen };
	struct ike_iov oct[3] = { { msg, msglen }, { peer_nonce, noncelen },
	    { maced, ike_prf_len(prf) } };
	EVP_MAC_CTX *ctx = prf_ctx_new(prf);
	int rc = -1;

	if (prf_run(ctx, prf, sk_p, sk_plen, &id, 1, maced) == 0 &&
	    psk_auth(ctx, prf, psk, psklen, oct, 3, out) == 0)
		rc = 0;
	OPENSSL_cleanse(maced, sizeof(maced));
	EVP_MAC_CTX_free(ctx);
	return rc;
}

void
ike_keys_wipe(struct ike_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

void
ike_child_keys_wipe(struct ike_child_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}
