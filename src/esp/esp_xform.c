/*
 * esp_xform: ESP crypto transforms over OpenSSL EVP (see esp_xform.h).  RFC 4106
 * (AES-GCM), RFC 3602 (AES-CBC), RFC 4868 / RFC 2404 (HMAC ICVs), RFC 4303 sec
 * 3.3.2.1 (ESN high bits in the ICV input).  No allocation after esp_xform_init.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "common/util.h"
#include "esp/esp_xform.h"

static const struct esp_xform_info infos[ESP_XF_COUNT] = {
	[ESP_XF_AES128_GCM16] = { "aes128gcm16", 16, ESP_GCM_SALT_LEN, 0,
	    ESP_GCM_IV_LEN, 1, ESP_GCM_ICV_LEN, true },
	[ESP_XF_AES256_GCM16] = { "aes256gcm16", 32, ESP_GCM_SALT_LEN, 0,
	    ESP_GCM_IV_LEN, 1, ESP_GCM_ICV_LEN, true },
	[ESP_XF_AES128_CBC_SHA256] = { "aes128-sha256", 16, 0, ESP_SHA256_KEY_LEN,
	    ESP_CBC_IV_LEN, ESP_AES_BLOCK, ESP_SHA256_ICV_LEN, false },
	[ESP_XF_AES256_CBC_SHA256] = { "aes256-sha256", 32, 0, ESP_SHA256_KEY_LEN,
	    ESP_CBC_IV_LEN, ESP_AES_BLOCK, ESP_SHA256_ICV_LEN, false },
	[ESP_XF_AES128_CBC_SHA1] = { "aes128-sha1", 16, 0, ESP_SHA1_KEY_LEN,
	    ESP_CBC_IV_LEN, ESP_AES_BLOCK, ESP_SHA1_ICV_LEN, false },
	[ESP_XF_AES256_CBC_SHA1] = { "aes256-sha1", 32, 0, ESP_SHA1_KEY_LEN,
	    ESP_CBC_IV_LEN, ESP_AES_BLOCK, ESP_SHA1_ICV_LEN, false },
};

const struct esp_xform_info *
esp_xform_info(enum esp_xform_id id)
{
	if ((unsigned)id >= ESP_XF_COUNT)
		return NULL;
	return &infos[id];
}

int
esp_xform_by_name(const char *name, enum esp_xform_id *id)
{
	size_t i;

	for (i = 0; i < ESP_XF_COUNT; i++) {
		if (strcmp(infos[i].name, name) == 0) {
			*id = (enum esp_xform_id)i;
			return 0;
		}
	}
	return -1;
}

size_t
esp_xform_keymat_len(enum esp_xform_id id)
{
	const struct esp_xform_info *xi = esp_xform_info(id);

	if (xi == NULL)
		return 0;
	return (size_t)xi->enc_keylen + xi->salt_len + xi->auth_keylen;
}

struct esp_crypto *
esp_crypto_new(void)
{
	struct esp_crypto *c = xcalloc(1, sizeof(*c));

	c->gcm128 = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	c->gcm256 = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	c->cbc128 = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
	c->cbc256 = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
	c->ecb128 = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	c->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (c->gcm128 == NULL || c->gcm256 == NULL || c->cbc128 == NULL ||
	    c->cbc256 == NULL || c->ecb128 == NULL || c->hmac == NULL) {
		log_warnx("esp: libcrypto lacks AES-GCM, AES-CBC, AES-ECB or HMAC");
		esp_crypto_free(c);
		return NULL;
	}
	return c;
}

void
esp_crypto_free(struct esp_crypto *c)
{
	if (c == NULL)
		return;
	EVP_CIPHER_free(c->gcm128);
	EVP_CIPHER_free(c->gcm256);
	EVP_CIPHER_free(c->cbc128);
	EVP_CIPHER_free(c->cbc256);
	EVP_CIPHER_free(c->ecb128);
	EVP_MAC_free(c->hmac);
	free(c);
}

static EVP_CIPHER *
pick_cipher(const struct esp_crypto *c, enum esp_xform_id id)
{
	switch (id) {
	case ESP_XF_AES128_GCM16:
		return c->gcm128;
	case ESP_XF_AES256_GCM16:
		return c->gcm256;
	case ESP_XF_AES128_CBC_SHA256:
	case ESP_XF_AES128_CBC_SHA1:
		return c->cbc128;
	case ESP_XF_AES256_CBC_SHA256:
	case ESP_XF_AES256_CBC_SHA1:
		return c->cbc256;
	default:
		return NULL;
	}
}

static const char *
pick_digest(enum esp_xform_id id)
{
	switch (id) {
	case ESP_XF_AES128_CBC_SHA256:
	case ESP_XF_AES256_CBC_SHA256:
		return "SHA256";
	case ESP_XF_AES128_CBC_SHA1:
	case ESP_XF_AES256_CBC_SHA1:
		return "SHA1";
	default:
		return NULL;
	}
}

int
esp_xform_init(struct esp_xform *x, const struct esp_crypto *c,
    enum esp_xform_id id, bool encrypt, const uint8_t *keymat, size_t len,
    char *err, size_t errlen)
{
	const struct esp_xform_info *xi = esp_xform_info(id);
	uint8_t ivkey[16];
	OSSL_PARAM params[2];
	char digest[16];

	memset(x, 0, sizeof(*x));
	if (xi == NULL) {
		snprintf(err, errlen, "unknown ESP transform %d", (int)id);
		return -1;
	}
	if (keymat == NULL || len != esp_xform_keymat_len(id)) {
		snprintf(err, errlen, "%s needs %zu bytes of key material, got %zu",
		    xi->name, esp_xform_keymat_len(id), keymat == NULL ? 0 : len);
		return -1;
	}
	x->info = xi;
	x->id = id;
	x->encrypt = encrypt;
	memcpy(x->keymat, keymat, len);
	x->keymat_len = len;

	if ((x->cipher = EVP_CIPHER_CTX_new()) == NULL)
		fatalx("esp: EVP_CIPHER_CTX_new");
	if (!EVP_CipherInit_ex2(x->cipher, pick_cipher(c, id), keymat, NULL,
	    encrypt ? 1 : 0, NULL))
		goto fail;
	if (xi->aead) {
		memcpy(x->salt, keymat + xi->enc_keylen, ESP_GCM_SALT_LEN);
		return 0;
	}
	/* CBC: ESP does its own padding (RFC 4303 sec 2.4). */
	EVP_CIPHER_CTX_set_padding(x->cipher, 0);

	if ((x->mac = EVP_MAC_CTX_new(c->hmac)) == NULL)
		fatalx("esp: EVP_MAC_CTX_new");
	snprintf(digest, sizeof(digest), "%s", pick_digest(id));
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(x->mac, keymat + xi->enc_keylen, xi->auth_keylen, params))
		goto fail;

	if (encrypt) {
		if ((x->ivgen = EVP_CIPHER_CTX_new()) == NULL)
			fatalx("esp: EVP_CIPHER_CTX_new");
		if (RAND_bytes(ivkey, sizeof(ivkey)) != 1) {
			OPENSSL_cleanse(ivkey, sizeof(ivkey));
			goto fail;
		}
		if (!EVP_CipherInit_ex2(x->ivgen, c->ecb128, ivkey, NULL, 1, NULL)) {
			OPENSSL_cleanse(ivkey, sizeof(ivkey));
			goto fail;
		}
		OPENSSL_cleanse(ivkey, sizeof(ivkey));
		EVP_CIPHER_CTX_set_padding(x->ivgen, 0);
	}
	return 0;
 fail:
	snprintf(err, errlen, "%s: libcrypto refused the key set-up", xi->name);
	esp_xform_wipe(x);
	return -1;
}

void
esp_xform_wipe(struct esp_xform *x)
{
	/* The *_free calls cleanse OpenSSL's key schedules; ours is the copy. */
	EVP_CIPHER_CTX_free(x->cipher);
	EVP_MAC_CTX_free(x->mac);
	EVP_CIPHER_CTX_free(x->ivgen);
	x->cipher = NULL;
	x->mac = NULL;
	x->ivgen = NULL;
	OPENSSL_cleanse(x->keymat, sizeof(x->keymat));
	OPENSSL_cleanse(x->salt, sizeof(x->salt));
	x->keymat_len = 0;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
esp_xform_next_iv(struct esp_xform *x, uint8_t *iv)
{
	uint8_t block[ESP_AES_BLOCK] = { 0 };
	uint64_t ctr = x->iv_ctr++;
	int outl;

	put_be32(block, (uint32_t)(ctr >> 32));
	put_be32(block + 4, (uint32_t)ctr);
	if (x->info->aead) {
		memcpy(iv, block, ESP_GCM_IV_LEN);
		return 0;
	}
	if (x->ivgen == NULL)
		return -1;
	if (!EVP_EncryptUpdate(x->ivgen, iv, &outl, block, sizeof(block)) ||
	    outl != ESP_CBC_IV_LEN)
		return -1;
	return 0;
}

struct part {
	const uint8_t	*p;
	size_t		 len;
};

/* Truncated HMAC over the parts, re-using the key set at init (no allocation). */
static int
mac_parts(struct esp_xform *x, const struct part *parts, size_t n, uint8_t *icv)
{
	uint8_t full[EVP_MAX_MD_SIZE];
	size_t i, outl;

	if (x->mac == NULL || !EVP_MAC_init(x->mac, NULL, 0, NULL))
		return -1;
	for (i = 0; i < n; i++) {
		if (parts[i].len > 0 &&
		    !EVP_MAC_update(x->mac, parts[i].p, parts[i].len))
			return -1;
	}
	if (!EVP_MAC_final(x->mac, full, &outl, sizeof(full)) ||
	    outl < x->info->icv_len)
		return -1;
	memcpy(icv, full, x->info->icv_len);
	return 0;
}

int
esp_xform_icv(struct esp_xform *x, const uint8_t *data, size_t len, uint8_t *icv)
{
	struct part p = { data, len };

	return mac_parts(x, &p, 1, icv);
}

/* RFC 4303 sec 3.3.2.1: the ICV covers SPI..Next Header, then seq_hi with ESN. */
static int
cbc_icv(struct esp_xform *x, const uint8_t *hdr, bool esn, uint32_t seq_hi,
    const uint8_t *iv, const uint8_t *ct, size_t len, uint8_t *icv)
{
	uint8_t hi[4];
	struct part parts[4] = {
		{ hdr, ESP_HDR_LEN }, { iv, x->info->iv_len }, { ct, len },
		{ hi, esn ? sizeof(hi) : 0 },
	};

	put_be32(hi, seq_hi);
	return mac_parts(x, parts, ARRAY_SIZE(parts), icv);
}

/* RFC 4106 sec 5: AAD = SPI || seq (|| split as SPI || seq_hi || seq_lo with ESN). */
static size_t
gcm_aad(const uint8_t *hdr, bool esn, uint32_t seq_hi, uint8_t *aad)
{
	memcpy(aad, hdr, 4);
	if (!esn) {
		memcpy(aad + 4, hdr + 4, 4);
		return ESP_AAD_LEN;
	}
	put_be32(aad + 4, seq_hi);
	memcpy(aad + 8, hdr + 4, 4);
	return ESP_AAD_ESN_LEN;
}

static int
gcm_start(struct esp_xform *x, const uint8_t *hdr, bool esn, uint32_t seq_hi,
    const uint8_t *iv)
{
	uint8_t nonce[ESP_GCM_NONCE_LEN], aad[ESP_AAD_ESN_LEN];
	size_t aadlen;
	int outl;

	memcpy(nonce, x->salt, ESP_GCM_SALT_LEN);
	memcpy(nonce + ESP_GCM_SALT_LEN, iv, ESP_GCM_IV_LEN);
	if (!EVP_CipherInit_ex(x->cipher, NULL, NULL, NULL, nonce, -1))
		return -1;
	aadlen = gcm_aad(hdr, esn, seq_hi, aad);
	if (!EVP_CipherUpdate(x->cipher, NULL, &outl, aad, (int)aadlen))
		return -1;
	return 0;
}

int
esp_xform_seal(struct esp_xform *x, const uint8_t *hdr, bool esn,
    uint32_t seq_hi, const uint8_t *iv, uint8_t *payload, size_t len,
    uint8_t *icv)
{
	uint8_t tail[ESP_AES_BLOCK];
	int outl, taill;

	if (x->cipher == NULL || !x->encrypt || len > INT_MAX ||
	    len % x->info->block != 0)
		return -1;
	if (x->info->aead) {
		if (gcm_start(x, hdr, esn, seq_hi, iv) == -1)
			return -1;
	} else if (!EVP_CipherInit_ex(x->cipher, NULL, NULL, NULL, iv, -1))
		return -1;
	if (!EVP_CipherUpdate(x->cipher, payload, &outl, payload, (int)len) ||
	    (size_t)outl != len ||
	    !EVP_CipherFinal_ex(x->cipher, tail, &taill) || taill != 0)
		return -1;
	if (x->info->aead)
		return EVP_CIPHER_CTX_ctrl(x->cipher, EVP_CTRL_AEAD_GET_TAG,
		    ESP_GCM_ICV_LEN, icv) == 1 ? 0 : -1;
	return cbc_icv(x, hdr, esn, seq_hi, iv, payload, len, icv);
}

int
esp_xform_open(struct esp_xform *x, const uint8_t *hdr, bool esn,
    uint32_t seq_hi, const uint8_t *iv, uint8_t *payload, size_t len,
    const uint8_t *icv)
{
	uint8_t tag[ESP_MAX_ICV_LEN], tail[ESP_AES_BLOCK];
	int outl, taill;

	if (x->cipher == NULL || x->encrypt || len > INT_MAX ||
	    len % x->info->block != 0)
		return -1;
	if (x->info->aead) {
		/* The tag check happens inside the library, in constant time. */
		memcpy(tag, icv, ESP_GCM_ICV_LEN);
		if (gcm_start(x, hdr, esn, seq_hi, iv) == -1 ||
		    !EVP_CipherUpdate(x->cipher, payload, &outl, payload, (int)len) ||
		    !EVP_CIPHER_CTX_ctrl(x->cipher, EVP_CTRL_AEAD_SET_TAG,
		    ESP_GCM_ICV_LEN, tag))
			return -1;
		if (EVP_CipherFinal_ex(x->cipher, tail, &taill) <= 0)
			return -1;
		return 0;
	}
	/* Encrypt-then-MAC: verify before touching the ciphertext. */
	if (cbc_icv(x, hdr, esn, seq_hi, iv, payload, len, tag) == -1 ||
	    CRYPTO_memcmp(tag, icv, x->info->icv_len) != 0)
		return -1;
	if (!EVP_CipherInit_ex(x->cipher, NULL, NULL, NULL, iv, -1) ||
	    !EVP_CipherUpdate(x->cipher, payload, &outl, payload, (int)len) ||
	    (size_t)outl != len ||
	    !EVP_CipherFinal_ex(x->cipher, tail, &taill))
		return -1;
	return 0;
}
