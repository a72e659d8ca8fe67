/*
 * ike_sk: SK / SKF payload protection (RFC 7296 3.14, RFC 5282, RFC 7383 2.5.3).
 * See ike_sk.h for the layouts.  The cipher and MAC come from OpenSSL EVP; the
 * ICV comparison is CRYPTO_memcmp.  Received bytes are addressed through the
 * bounded reader; only our own output buffer is addressed by offset.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "ike/ike_crypto.h"
#include "ike/ike_sk.h"

#define CBC_BLOCK	16
#define GCM_IV_LEN	8
#define GCM_TAG_LEN	16

size_t
ike_sk_iv_len(uint16_t encr)
{
	switch (encr) {
	case IKE_ENCR_AES_CBC:		return CBC_BLOCK;
	case IKE_ENCR_AES_GCM_16:	return GCM_IV_LEN;
	}
	return 0;
}

static size_t
icv_len(const struct ike_sk_keys *k)
{
	return k->encr == IKE_ENCR_AES_GCM_16 ? GCM_TAG_LEN :
	    ike_integ_icv_len(k->integ);
}

static size_t
pad_len(const struct ike_sk_keys *k, size_t plen)
{
	if (k->encr == IKE_ENCR_AES_GCM_16)
		return 0;
	return (CBC_BLOCK - (plen + 1) % CBC_BLOCK) % CBC_BLOCK;
}

size_t
ike_sk_overhead(const struct ike_sk_keys *k, size_t plen)
{
	return IKE_GEN_HDR_LEN + ike_sk_iv_len(k->encr) + pad_len(k, plen) + 1 +
	    icv_len(k);
}

static const char *
cipher_name(const struct ike_sk_keys *k)
{
	const char *name = NULL;

	if (k->encr == IKE_ENCR_AES_CBC)
		name = k->encr_keybits == 128 ? "AES-128-CBC" :
		    k->encr_keybits == 256 ? "AES-256-CBC" : NULL;
	else if (k->encr == IKE_ENCR_AES_GCM_16)
		name = k->encr_keybits == 128 ? "AES-128-GCM" :
		    k->encr_keybits == 256 ? "AES-256-GCM" : NULL;
	return name;
}

static const char *
integ_digest(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:		return "SHA1";
	case IKE_INTEG_HMAC_SHA2_256_128:	return "SHA256";
	case IKE_INTEG_HMAC_SHA2_384_192:	return "SHA384";
	case IKE_INTEG_HMAC_SHA2_512_256:	return "SHA512";
	}
	return NULL;
}

/* Full HMAC of data into mac (64 bytes room); the caller truncates. */
static int
integ_mac(const struct ike_sk_keys *k, const uint8_t *data, size_t len,
    uint8_t *mac)
{
	const char *md = integ_digest(k->integ);
	EVP_MAC *m = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t outlen;
	int rc = -1;

	if (md == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((m = EVP_MAC_fetch(NULL, "HMAC", NULL)) != NULL &&
	    (ctx = EVP_MAC_CTX_new(m)) != NULL &&
	    EVP_MAC_init(ctx, k->akey, ike_integ_key_len(k->integ), params) &&
	    EVP_MAC_update(ctx, data, len) &&
	    EVP_MAC_final(ctx, mac, &outlen, 64))
		rc = 0;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	return rc;
}

/*
 * One AES pass in place (CBC without padding, or GCM with AAD and tag).  For GCM
 * decryption `tag` is checked and a mismatch returns 1.
 */
static int
aes_pass(const struct ike_sk_keys *k, bool enc, const uint8_t *iv,
    const uint8_t *aad, size_t aadlen, const uint8_t *in, uint8_t *out,
    size_t len, uint8_t *tag)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, cipher_name(k), NULL);
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t nonce[IKE_GCM_SALT_LEN + GCM_IV_LEN];
	size_t keylen = k->encr_keybits / 8;
	bool gcm = k->encr == IKE_ENCR_AES_GCM_16;
	int n, rc = -1;

	if (c == NULL || (ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto done;
	if (gcm) {
		memcpy(nonce, k->ekey + keylen, IKE_GCM_SALT_LEN);
		memcpy(nonce + IKE_GCM_SALT_LEN, iv, GCM_IV_LEN);
		iv = nonce;
	}
	if (!EVP_CipherInit_ex2(ctx, c, k->ekey, iv, enc, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0))
		goto done;
	if (gcm && aadlen > 0 && !EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen))
		goto done;
	if (len > 0 && (!EVP_CipherUpdate(ctx, out, &n, in, (int)len) ||
	    (size_t)n != len))
		goto done;
	if (gcm && !enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
	    GCM_TAG_LEN, tag))
		goto done;
	if (!EVP_CipherFinal_ex(ctx, out + len, &n)) {
		rc = gcm && !enc ? 1 : -1;
		goto done;
	}
	if (gcm && enc && !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
	    GCM_TAG_LEN, tag))
		goto done;
	rc = 0;
done:
	OPENSSL_cleanse(nonce, sizeof(nonce));
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return rc;
}

enum ike_parse_result
ike_sk_seal(struct ike_enc *e, const struct ike_sk_keys *k, uint8_t inner,
    const struct ike_sk_frag *frag, const uint8_t *plain, size_t plen,
    const uint8_t *iv, size_t *msglen, struct ike_err *err)
{
	struct buf_writer *w = e->w;
	size_t ivlen = ike_sk_iv_len(k->encr), icvlen = icv_len(k);
	size_t pad = pad_len(k, plen), ctlen = plen + pad + 1, aadend, ivoff;
	long ctoff, icvoff;
	uint8_t mac[64];

	if (ivlen == 0 || icvlen == 0 || cipher_name(k) == NULL)
		return ike_err_set(err, IKE_PARSE_CRYPTO, IKE_PLD_SK,
		    "unsupported SK transforms encr %u/%u integ %u", k->encr,
		    k->encr_keybits, k->integ);
	ike_enc_pld_begin_inner(e, frag != NULL ? IKE_PLD_SKF : IKE_PLD_SK, inner);
	if (frag != NULL) {
		buf_put_u16(w, frag->num);
		buf_put_u16(w, frag->total);
	}
	aadend = w->len;
	ivoff = w->len;
	if (iv != NULL)
		buf_put_bytes(w, iv, ivlen);
	else if (buf_put_zero(w, ivlen) == 0 &&
	    RAND_bytes(w->p + ivoff, (int)ivlen) != 1)
		return ike_err_set(err, IKE_PARSE_CRYPTO, IKE_PLD_SK, "RAND_bytes");
	ctoff = buf_reserve(w, ctlen);
	icvoff = buf_reserve(w, icvlen);
	ike_enc_pld_end(e);
	if (ctoff < 0 || icvoff < 0 || ike_enc_finish(e, msglen) == -1)
		return ike_err_set(err, IKE_PARSE_NOSPACE, IKE_PLD_SK,
		    "message does not fit in %zu bytes", w->cap);
	/* inner | zero padding | pad length, then encrypt in place. */
	memcpy(w->p + ctoff, plain, plen);
	memset(w->p + ctoff + plen, 0, pad);
	w->p[ctoff + plen + pad] = (uint8_t)pad;
	if (k->encr == IKE_ENCR_AES_GCM_16) {
		if (aes_pass(k, true, w->p + ivoff, w->p + e->start,
		    aadend - e->start, w->p + ctoff, w->p + ctoff, ctlen,
		    w->p + icvoff) != 0)
			return ike_err_set(err, IKE_PARSE_CRYPTO, IKE_PLD_SK,
			    "AES-GCM encryption failed");
		return IKE_PARSE_OK;
	}
	if (aes_pass(k, true, w->p + ivoff, NULL, 0, w->p + ctoff, w->p + ctoff,
	    ctlen, NULL) != 0 ||
	    integ_mac(k, w->p + e->start, (size_t)icvoff - e->start, mac) == -1)
		return ike_err_set(err, IKE_PARSE_CRYPTO, IKE_PLD_SK,
		    "AES-CBC/HMAC protection failed");
	memcpy(w->p + icvoff, mac, icvlen);
	OPENSSL_cleanse(mac, sizeof(mac));
	return IKE_PARSE_OK;
}

enum ike_parse_result
ike_sk_open(const struct ike_msg *m, const struct ike_sk_keys *k, uint8_t *out,
    size_t cap, size_t *outlen, struct ike_err *err)
{
	const struct ike_pld_raw *sk;
	struct buf_reader r, body;
	const uint8_t *authed, *iv, *ct, *icv;
	size_t ivlen = ike_sk_iv_len(k->encr), icvlen = icv_len(k), hdrlen, ctlen;
	uint8_t mac[64], padlen;
	int rc;

	if (m->sk < 0)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, 0,
		    "no SK payload");
	sk = &m->pld[m->sk];
	if (ivlen == 0 || icvlen == 0 || cipher_name(k) == NULL)
		return ike_err_set(err, IKE_PARSE_CRYPTO, sk->type,
		    "unsupported SK transforms");
	hdrlen = sk->type == IKE_PLD_SKF ? 4 : 0;
	if (sk->len < hdrlen + ivlen + icvlen + 1)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, sk->type,
		    "%s length %zu < %zu", ike_pld_name(sk->type), sk->len,
		    hdrlen + ivlen + icvlen + 1);
	ctlen = sk->len - hdrlen - ivlen - icvlen;
	if (k->encr == IKE_ENCR_AES_CBC && ctlen % CBC_BLOCK != 0)
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, sk->type,
		    "ciphertext length %zu not a multiple of %d", ctlen, CBC_BLOCK);
	if (ctlen > cap)
		return ike_err_set(err, IKE_PARSE_NOSPACE, sk->type,
		    "plaintext %zu > buffer %zu", ctlen, cap);
	/* Everything before the IV is the GCM AAD; everything before the ICV
	 * is what the HMAC covers. */
	buf_reader_init(&r, m->raw, m->rawlen);
	buf_reader_init(&body, sk->body, sk->len);
	buf_skip(&body, hdrlen);
	buf_get_ptr(&body, &iv, ivlen);
	buf_get_ptr(&body, &ct, ctlen);
	buf_get_ptr(&body, &icv, icvlen);
	if (k->encr == IKE_ENCR_AES_GCM_16) {
		if (buf_get_ptr(&r, &authed, sk->off + IKE_GEN_HDR_LEN + hdrlen) ==
		    -1 || !buf_ok(&body))
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, sk->type,
			    "SK payload outside the message");
		memcpy(mac, icv, GCM_TAG_LEN);
		rc = aes_pass(k, false, iv, authed, sk->off + IKE_GEN_HDR_LEN +
		    hdrlen, ct, out, ctlen, mac);
		if (rc == 1)
			return ike_err_set(err, IKE_PARSE_INTEGRITY, sk->type,
			    "AES-GCM tag mismatch");
		if (rc != 0)
			return ike_err_set(err, IKE_PARSE_CRYPTO, sk->type,
			    "AES-GCM decryption failed");
	} else {
		if (buf_get_ptr(&r, &authed, m->rawlen - icvlen) == -1 ||
		    !buf_ok(&body))
			return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, sk->type,
			    "SK payload outside the message");
		if (integ_mac(k, authed, m->rawlen - icvlen, mac) == -1)
			return ike_err_set(err, IKE_PARSE_CRYPTO, sk->type,
			    "HMAC failed");
		if (CRYPTO_memcmp(mac, icv, icvlen) != 0)
			return ike_err_set(err, IKE_PARSE_INTEGRITY, sk->type,
			    "ICV mismatch");
		if (aes_pass(k, false, iv, NULL, 0, ct, out, ctlen, NULL) != 0)
			return ike_err_set(err, IKE_PARSE_CRYPTO, sk->type,
			    "AES-CBC decryption failed");
	}
	OPENSSL_cleanse(mac, sizeof(mac));
	/* 3.14: the pad length byte ends the plaintext; padding must fit. */
	padlen = out[ctlen - 1];
	if ((size_t)padlen + 1 > ctlen) {
		OPENSSL_cleanse(out, ctlen);
		return ike_err_set(err, IKE_PARSE_INVALID_SYNTAX, sk->type,
		    "pad length %u > plaintext %zu", padlen, ctlen - 1);
	}
	*outlen = ctlen - padlen - 1;
	return IKE_PARSE_OK;
}
