/*
 * esp_xform: the ESP crypto transforms, through OpenSSL EVP only (performance.md
 * sec 2: fetch the algorithms once, one context per SA and direction, only the IV
 * changes per packet, no allocation per packet).
 *
 *   AES-GCM-128/256, 16-byte ICV        RFC 4106 (combined mode, AAD = SPI || seq)
 *   AES-CBC-128/256 + HMAC-SHA-256-128  RFC 3602 + RFC 4868 (encrypt-then-MAC)
 *   AES-CBC-128/256 + HMAC-SHA1-96      RFC 3602 + RFC 2404
 *
 * Key material layout (what IKEv2 hands over, RFC 7296 sec 2.17: encryption key
 * first, then integrity key):
 *   GCM:       AES key (16|32) || salt (4)              RFC 4106 sec 8.1
 *   CBC+HMAC:  AES key (16|32) || HMAC key (32 SHA-256 | 20 SHA1)
 */
#ifndef TRANSIT_ESP_XFORM_H
#define TRANSIT_ESP_XFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "esp/esp_wire.h"

enum esp_xform_id {
	ESP_XF_AES128_GCM16 = 0,
	ESP_XF_AES256_GCM16,
	ESP_XF_AES128_CBC_SHA256,
	ESP_XF_AES256_CBC_SHA256,
	ESP_XF_AES128_CBC_SHA1,
	ESP_XF_AES256_CBC_SHA1,
	ESP_XF_COUNT
};

struct esp_xform_info {
	const char	*name;		/* "aes128gcm16", as strongSwan spells it */
	uint8_t		 enc_keylen;
	uint8_t		 salt_len;
	uint8_t		 auth_keylen;	/* 0 for AEAD */
	uint8_t		 iv_len;
	uint8_t		 block;		/* payload alignment of the cipher */
	uint8_t		 icv_len;
	bool		 aead;
};

const struct esp_xform_info *esp_xform_info(enum esp_xform_id);
/* Look a transform up by name; -1 when unknown. */
int	 esp_xform_by_name(const char *, enum esp_xform_id *);
/* Bytes of key material the transform takes (see the layout above). */
size_t	 esp_xform_keymat_len(enum esp_xform_id);

/*
 * The fetched algorithms, shared by every SA (read-only after creation).  Owned by
 * the SADB, or by whoever creates SAs without one.
 */
struct esp_crypto {
	EVP_CIPHER	*gcm128, *gcm256, *cbc128, *cbc256, *ecb128;
	EVP_MAC		*hmac;
};

struct esp_crypto *esp_crypto_new(void);
void	 esp_crypto_free(struct esp_crypto *);

/* Per-SA, per-direction transform state. */
struct esp_xform {
	const struct esp_xform_info *info;
	enum esp_xform_id id;
	bool		 encrypt;
	EVP_CIPHER_CTX	*cipher;	/* keyed once; only the IV changes */
	EVP_MAC_CTX	*mac;		/* keyed once; re-initialised per packet */
	EVP_CIPHER_CTX	*ivgen;		/* CBC outbound: AES-ECB under a random key */
	uint64_t	 iv_ctr;	/* explicit IV counter, never repeats */
	uint8_t		 salt[ESP_GCM_SALT_LEN];
	/* Copy of the key material, kept only to prove the wipe (esp_xform_wipe). */
	uint8_t		 keymat[ESP_MAX_KEYMAT_LEN];
	size_t		 keymat_len;
};

int	 esp_xform_init(struct esp_xform *, const struct esp_crypto *,
	    enum esp_xform_id, bool encrypt, const uint8_t *keymat, size_t len,
	    char *err, size_t errlen);
/* OPENSSL_cleanse every key byte and free the contexts; safe to call twice. */
void	 esp_xform_wipe(struct esp_xform *);

/*
 * Next explicit IV (outbound).  GCM: the 64-bit counter, big endian (RFC 4106 sec
 * 3.1 only asks for uniqueness under the key).  CBC: AES-ECB of the counter under a
 * per-SA random key, so IVs are unpredictable (RFC 3602 sec 2.4) yet cost one block
 * encryption and never repeat (a permutation of distinct counters).
 */
int	 esp_xform_next_iv(struct esp_xform *, uint8_t *iv);

/*
 * Seal in place: payload (len, already aligned to info->block) is encrypted and the
 * ICV written to icv.  hdr is the 8-byte SPI || seq; with esn, seq_hi is the high
 * half of the 64-bit counter (AAD for GCM, appended to the ICV input for HMAC).
 */
int	 esp_xform_seal(struct esp_xform *, const uint8_t *hdr, bool esn,
	    uint32_t seq_hi, const uint8_t *iv, uint8_t *payload, size_t len,
	    uint8_t *icv);
/* Verify then decrypt in place; -1 when the ICV does not verify (payload untouched
 * for CBC, undefined for GCM and must be discarded). */
int	 esp_xform_open(struct esp_xform *, const uint8_t *hdr, bool esn,
	    uint32_t seq_hi, const uint8_t *iv, uint8_t *payload, size_t len,
	    const uint8_t *icv);

/*
 * The truncated HMAC of arbitrary data under the SA's integrity key: the very code
 * seal/open use, exposed so the RFC 4868 / RFC 2202 vectors can run through it.
 */
int	 esp_xform_icv(struct esp_xform *, const uint8_t *data, size_t len,
	    uint8_t *icv);

#endif
