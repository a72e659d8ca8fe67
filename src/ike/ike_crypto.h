/*
 * ike_crypto: IKEv2 key derivation and Diffie-Hellman (RFC 7296 2.13-2.18,
 * RFC 3526, RFC 5903, RFC 8031, RFC 5282 for the GCM salt), through OpenSSL EVP only.
 *
 * Every function returns 0 on success and -1 on failure (unsupported algorithm,
 * bad peer value, OpenSSL error), never aborts on peer input.  Secrets written to
 * caller buffers are the caller's to wipe (ike_keys_wipe()); intermediate buffers
 * here are wiped with OPENSSL_cleanse.
 */
#ifndef TRANSIT_IKE_CRYPTO_H
#define TRANSIT_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_PRF_MAX	64	/* HMAC-SHA2-512 output */
#define IKE_ENCR_KEY_MAX 36	/* AES-256 + GCM salt */
#define IKE_INTEG_KEY_MAX 64
#define IKE_DH_PUB_MAX	512	/* MODP 4096 */
#define IKE_DH_SECRET_MAX 512
#define IKE_GCM_SALT_LEN 4	/* RFC 5282 7.1 */

/* A piece of a concatenated PRF input (Ni | Nr | SPIi | SPIr ...). */
struct ike_iov {
	const void	*p;
	size_t		 len;
};

/* The negotiated IKE SA (or Child SA) transforms the key lengths come from. */
struct ike_suite {
	uint16_t	encr;		/* IKE_ENCR_AES_CBC or IKE_ENCR_AES_GCM_16 */
	uint16_t	encr_keybits;	/* 128 or 256 (Key Length attribute) */
	uint16_t	integ;		/* IKE_INTEG_*, IKE_INTEG_NONE for GCM */
	uint16_t	prf;		/* IKE_PRF_HMAC_* */
	uint16_t	dh;
};

/* 2.14: the seven IKE SA keys. */
struct ike_keys {
	uint8_t		sk_d[IKE_PRF_MAX];
	uint8_t		sk_ai[IKE_INTEG_KEY_MAX], sk_ar[IKE_INTEG_KEY_MAX];
	uint8_t		sk_ei[IKE_ENCR_KEY_MAX], sk_er[IKE_ENCR_KEY_MAX];
	uint8_t		sk_pi[IKE_PRF_MAX], sk_pr[IKE_PRF_MAX];
	size_t		prf_len;	/* SK_d, SK_pi, SK_pr */
	size_t		integ_len;	/* SK_a* (0 for AEAD) */
	size_t		encr_len;	/* SK_e* (key + salt for GCM) */
};

/* 2.17: Child SA keys, in KEYMAT order (initiator->responder first). */
struct ike_child_keys {
	uint8_t		encr_i[IKE_ENCR_KEY_MAX], integ_i[IKE_INTEG_KEY_MAX];
	uint8_t		encr_r[IKE_ENCR_KEY_MAX], integ_r[IKE_INTEG_KEY_MAX];
	size_t		encr_len, integ_len;
};

/* Algorithm sizes; 0 = unsupported. */
size_t	ike_prf_len(uint16_t prf);
size_t	ike_integ_key_len(uint16_t integ);
size_t	ike_integ_icv_len(uint16_t integ);
size_t	ike_encr_key_len(uint16_t encr, uint16_t keybits);	/* incl. GCM salt */
bool	ike_encr_is_aead(uint16_t encr);

/* prf(K, S1 | S2 ...) -> out (ike_prf_len bytes). */
int	ike_prf(uint16_t prf, const uint8_t *key, size_t keylen,
	    const struct ike_iov *, size_t niov, uint8_t *out);
/* 2.13: prf+(K, S) = T1 | T2 | ..., T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n);
 * at most 255 blocks. */
int	ike_prf_plus(uint16_t prf, const uint8_t *key, size_t keylen,
	    const struct ike_iov *, size_t niov, uint8_t *out, size_t outlen);

/* 2.14: SKEYSEED = prf(Ni | Nr, g^ir). */
int	ike_skeyseed(uint16_t prf, const uint8_t *ni, size_t nilen,
	    const uint8_t *nr, size_t nrlen, const uint8_t *gir, size_t girlen,
	    uint8_t *out);
/* 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the old PRF. */
int	ike_skeyseed_rekey(uint16_t old_prf, const uint8_t *sk_d, size_t sk_dlen,
	    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
	    const uint8_t *nr, size_t nrlen, uint8_t *out);
/* 2.14: {SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi, SK_pr} = prf+(SKEYSEED,
 * Ni | Nr | SPIi | SPIr), lengths from the suite. */
int	ike_derive_keys(const struct ike_suite *, const uint8_t *skeyseed,
	    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
	    const uint8_t spi_i[8], const uint8_t spi_r[8], struct ike_keys *);
/* 2.17: KEYMAT = prf+(SK_d, [g^ir (new)] | Ni | Nr); gir may be NULL. The suite
 * gives the Child SA's ESP transforms (encr, encr_keybits, integ) and the IKE
 * SA's PRF. */
int	ike_child_keys(const struct ike_suite *, const uint8_t *sk_d, size_t sk_dlen,
	    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
	    const uint8_t *nr, size_t nrlen, struct ike_child_keys *);
/* 2.15: AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>).
 * The octets are given as pieces; ike_signed_octets_auth() builds them. */
int	ike_psk_auth(uint16_t prf, const uint8_t *psk, size_t psklen,
	    const struct ike_iov *octets, size_t niov, uint8_t *out);
/* 2.15: <SignedOctets> = RealMessage | NonceData (of the peer) |
 * prf(SK_p, RestOfIDPayload); then the PSK AUTH over them. */
int	ike_psk_auth_msg(uint16_t prf, const uint8_t *psk, size_t psklen,
	    const uint8_t *msg, size_t msglen, const uint8_t *peer_nonce,
	    size_t noncelen, const uint8_t *sk_p, size_t sk_plen,
	    const uint8_t *id_body, size_t idlen, uint8_t *out);
void	ike_keys_wipe(struct ike_keys *);
void	ike_child_keys_wipe(struct ike_child_keys *);

/* Diffie-Hellman (ike_crypto_dh.c). */
struct ike_dh;

bool	ike_dh_supported(uint16_t group);
size_t	ike_dh_pub_len(uint16_t group);		/* KE data length; 0 = unsupported */
size_t	ike_dh_secret_len(uint16_t group);	/* g^ir length */
/* A fresh key pair for the group, or NULL. */
struct ike_dh *ike_dh_new(uint16_t group);
/*
 * Key generation contexts kept from one key pair to the next, one per group,
 * made on first use: setting one up costs about a third of an X25519 key
 * pair (bench/ike).  Not shared between threads.
 */
struct ike_dh_gen;
struct ike_dh_gen *ike_dh_gen_new(void);
void	ike_dh_gen_free(struct ike_dh_gen *);
/* ike_dh_new() with the contexts of gen (NULL: a context for this one). */
struct ike_dh *ike_dh_new_gen(struct ike_dh_gen *, uint16_t group);
/* Known-answer tests: a key pair from a given private value (ECP: big-endian
 * scalar; X25519: 32 bytes; MODP: big-endian exponent). */
struct ike_dh *ike_dh_new_priv(uint16_t group, const uint8_t *priv, size_t len);
void	ike_dh_free(struct ike_dh *);
uint16_t ike_dh_group(const struct ike_dh *);
/* Our public value as it goes into the KE payload (MODP: zero-padded y; ECP:
 * x | y, RFC 5903 7; X25519: u, RFC 8031). */
int	ike_dh_pub(const struct ike_dh *, uint8_t *out, size_t len);
/* Validate the peer's value and compute g^ir (zero-padded, RFC 7296 2.14 / ECP x
 * only, RFC 5903 7).  Returns -1 with a reason for a bad peer value. */
int	ike_dh_derive(const struct ike_dh *, const uint8_t *peer, size_t peerlen,
	    uint8_t *out, size_t outlen, char *why, size_t whylen);

#endif
