/*
 * ike_crypto_dh: Diffie-Hellman for the IKEv2 KE payload, through OpenSSL EVP.
 *
 *  - MODP groups 2 (RFC 2409 6.2), 5, 14, 15, 16 (RFC 3526): the primes come from
 *    OpenSSL's BN_get_rfc*_prime_* with g = 2.  Public values and g^ir are
 *    zero-padded to the prime length (RFC 7296 3.4, 2.14).  A peer value must
 *    satisfy 1 < y < p-1 (RFC 6989 2.1; libreswan's "zero g^x" class), which
 *    for these safe primes is the whole check: OpenSSL's own peer validation
 *    (a y^q mod p test, a full-length exponentiation: ~2.4 ms of a 2.9 ms
 *    MODP-2048 derive here) is not run again.
 *  - ECP groups 19, 20, 21 (RFC 5903): the KE value is x | y without the SEC1 0x04
 *    tag (section 7), the shared secret is x only; a peer point must be on the curve
 *    and not the point at infinity (RFC 6989 2.3): OpenSSL refuses an off-curve
 *    point on import and EVP_PKEY_public_check_quick checks both; the order check
 *    of the full check (a scalar multiplication) is moot with these cofactor-1
 *    curves.
 *  - Curve25519, group 31 (RFC 8031): 32-byte u; an all-zero shared secret (a
 *    low-order peer point) is refused (RFC 8031 2.2, RFC 7748 6.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "common/util.h"
#include "ike/ike_crypto.h"
#include "ike/ike_wire.h"

enum dh_kind { DH_MODP, DH_ECP, DH_X25519 };

struct dh_group {
	uint16_t	 id;
	enum dh_kind	 kind;
	const char	*name;		/* OpenSSL curve name (ECP) */
	int		 nid;
	size_t		 publen;
	size_t		 secretlen;
	BIGNUM		*(*prime)(BIGNUM *);
};

static const struct dh_group groups[] = {
	{ IKE_DH_MODP_1024, DH_MODP, NULL, 0, 128, 128, BN_get_rfc2409_prime_1024 },
	{ IKE_DH_MODP_1536, DH_MODP, NULL, 0, 192, 192, BN_get_rfc3526_prime_1536 },
	{ IKE_DH_MODP_2048, DH_MODP, NULL, 0, 256, 256, BN_get_rfc3526_prime_2048 },
	{ IKE_DH_MODP_3072, DH_MODP, NULL, 0, 384, 384, BN_get_rfc3526_prime_3072 },
	{ IKE_DH_MODP_4096, DH_MODP, NULL, 0, 512, 512, BN_get_rfc3526_prime_4096 },
	{ IKE_DH_ECP_256, DH_ECP, "P-256", NID_X9_62_prime256v1, 64, 32, NULL },
	{ IKE_DH_ECP_384, DH_ECP, "P-384", NID_secp384r1, 96, 48, NULL },
	{ IKE_DH_ECP_521, DH_ECP, "P-521", NID_secp521r1, 132, 66, NULL },
	{ IKE_DH_CURVE25519, DH_X25519, "X25519", 0, 32, 32, NULL },
};

struct ike_dh {
	const struct dh_group	*g;
	EVP_PKEY		*key;
	BIGNUM			*p;	/* MODP only */
};

static const struct dh_group *
group_find(uint16_t id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(groups); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

bool
ike_dh_supported(uint16_t group)
{
	return group_find(group) != NULL;
}

size_t
ike_dh_pub_len(uint16_t group)
{
	const struct dh_group *g = group_find(group);

	return g != NULL ? g->publen : 0;
}

size_t
ike_dh_secret_len(uint16_t group)
{
	const struct dh_group *g = group_find(group);

	return g != NULL ? g->secretlen : 0;
}

uint16_t
ike_dh_group(const struct ike_dh *dh)
{
	return dh->g->id;
}

/* A MODP key (domain only, or with pub and/or priv) from BIGNUMs. */
static EVP_PKEY *
modp_key(const BIGNUM *p, const BIGNUM *pub, const BIGNUM *priv, int selection)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	BIGNUM *g = BN_new();

	if (g == NULL || !BN_set_word(g, 2) || (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) ||
	    (pub != NULL && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pub)) || (priv != NULL && !OSSL_PARAM_BLD_push_BN(bld,
	    OSSL_PKEY_PARAM_PRIV_KEY, priv)) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, selection, params) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(g);
	return key;
}

/* An EC key from its curve and SEC1 public point (and private scalar). */
static EVP_PKEY *
ec_key(const char *curve, const uint8_t *pt, size_t ptlen, const BIGNUM *priv)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    curve, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt,
	    ptlen) || (priv != NULL && !OSSL_PARAM_BLD_push_BN(bld,
	    OSSL_PKEY_PARAM_PRIV_KEY, priv)) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, priv != NULL ? EVP_PKEY_KEYPAIR :
	    EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

struct ike_dh_gen {
	EVP_PKEY_CTX	*ctx[ARRAY_SIZE(groups)];
};

struct ike_dh_gen *
ike_dh_gen_new(void)
{
	return xcalloc(1, sizeof(struct ike_dh_gen));
}

void
ike_dh_gen_free(struct ike_dh_gen *gen)
{
	size_t i;

	if (gen == NULL)
		return;
	for (i = 0; i < ARRAY_SIZE(gen->ctx); i++)
		EVP_PKEY_CTX_free(gen->ctx[i]);
	free(gen);
}

/* A key generation context for the group (MODP: holding its domain). */
static EVP_PKEY_CTX *
keygen_ctx(const struct dh_group *g)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *dom = NULL;
	BIGNUM *p = NULL;

	switch (g->kind) {
	case DH_MODP:
		if ((p = g->prime(NULL)) == NULL || (dom = modp_key(p, NULL,
		    NULL, EVP_PKEY_KEY_PARAMETERS)) == NULL ||
		    (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dom, NULL)) ==
		    NULL || EVP_PKEY_keygen_init(ctx) <= 0)
			goto fail;
		break;
	case DH_ECP:
		if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
		    EVP_PKEY_keygen_init(ctx) <= 0 ||
		    EVP_PKEY_CTX_set_group_name(ctx, g->name) <= 0)
			goto fail;
		break;
	case DH_X25519:
		if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL)) ==
		    NULL || EVP_PKEY_keygen_init(ctx) <= 0)
			goto fail;
		break;
	}
	BN_free(p);
	EVP_PKEY_free(dom);	/* the context holds its own reference */
	return ctx;
fail:
	EVP_PKEY_CTX_free(ctx);
	BN_free(p);
	EVP_PKEY_free(dom);
	return NULL;
}

struct ike_dh *
ike_dh_new_gen(struct ike_dh_gen *gen, uint16_t group)
{
	const struct dh_group *g = group_find(group);
	struct ike_dh *dh;
	EVP_PKEY_CTX *ctx, **slot = NULL;

	if (g == NULL)
		return NULL;
	if (gen != NULL)
		slot = &gen->ctx[g - groups];
	if (slot != NULL && *slot != NULL)
		ctx = *slot;
	else if ((ctx = keygen_ctx(g)) == NULL)
		return NULL;
	else if (slot != NULL)
		*slot = ctx;
	dh = xcalloc(1, sizeof(*dh));
	dh->g = g;
	if ((g->kind == DH_MODP && (dh->p = g->prime(NULL)) == NULL) ||
	    EVP_PKEY_generate(ctx, &dh->key) <= 0) {
		ike_dh_free(dh);
		dh = NULL;
	}
	if (slot == NULL)
		EVP_PKEY_CTX_free(ctx);
	return dh;
}

struct ike_dh *
ike_dh_new(uint16_t group)
{
	return ike_dh_new_gen(NULL, group);
}

struct ike_dh *
ike_dh_new_priv(uint16_t group, const uint8_t *priv, size_t len)
{
	const struct dh_group *g = group_find(group);
	struct ike_dh *dh;
	BIGNUM *d = NULL;
	EC_GROUP *ecg = NULL;
	EC_POINT *pt = NULL;
	uint8_t sec1[1 + 132];
	size_t sec1len;

	if (g == NULL || g->kind == DH_MODP)
		return NULL;
	dh = xcalloc(1, sizeof(*dh));
	dh->g = g;
	if (g->kind == DH_X25519) {
		if (len != 32 || (dh->key = EVP_PKEY_new_raw_private_key_ex(NULL,
		    "X25519", NULL, priv, len)) == NULL)
			goto fail;
		return dh;
	}
	/* ECP: derive the public point so the key pair is complete. */
	if ((d = BN_bin2bn(priv, (int)len, NULL)) == NULL ||
	    (ecg = EC_GROUP_new_by_curve_name(g->nid)) == NULL ||
	    (pt = EC_POINT_new(ecg)) == NULL ||
	    !EC_POINT_mul(ecg, pt, d, NULL, NULL, NULL) ||
	    (sec1len = EC_POINT_point2oct(ecg, pt, POINT_CONVERSION_UNCOMPRESSED,
	    sec1, sizeof(sec1), NULL)) != 1 + g->publen ||
	    (dh->key = ec_key(g->name, sec1, sec1len, d)) == NULL)
		goto fail;
	BN_clear_free(d);
	EC_POINT_free(pt);
	EC_GROUP_free(ecg);
	return dh;
fail:
	BN_clear_free(d);
	EC_POINT_free(pt);
	EC_GROUP_free(ecg);
	ike_dh_free(dh);
	return NULL;
}

void
ike_dh_free(struct ike_dh *dh)
{
	if (dh == NULL)
		return;
	EVP_PKEY_free(dh->key);	/* OpenSSL clears private key material */
	BN_free(dh->p);
	free(dh);
}

int
ike_dh_pub(const struct ike_dh *dh, uint8_t *out, size_t len)
{
	uint8_t sec1[1 + 132];
	size_t n = 0;
	BIGNUM *y = NULL;
	int rc = -1;

	if (len != dh->g->publen)
		return -1;
	switch (dh->g->kind) {
	case DH_MODP:
		if (EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &y) &&
		    BN_bn2binpad(y, out, (int)len) == (int)len)
			rc = 0;
		BN_free(y);
		break;
	case DH_ECP:
		if (EVP_PKEY_get_octet_string_param(dh->key,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, sec1, sizeof(sec1), &n) &&
		    n == 1 + len && sec1[0] == POINT_CONVERSION_UNCOMPRESSED) {
			memcpy(out, sec1 + 1, len);
			rc = 0;
		}
		break;
	case DH_X25519:
		n = len;
		if (EVP_PKEY_get_raw_public_key(dh->key, out, &n) && n == len)
			rc = 0;
		break;
	}
	return rc;
}

static EVP_PKEY *
peer_key(const struct ike_dh *dh, const uint8_t *peer, size_t len, char *why,
    size_t whylen)
{
	EVP_PKEY *key = NULL;
	BIGNUM *y = NULL, *pm1 = NULL;
	uint8_t sec1[1 + 132];

	switch (dh->g->kind) {
	case DH_MODP:
		if ((y = BN_bin2bn(peer, (int)len, NULL)) == NULL ||
		    (pm1 = BN_dup(dh->p)) == NULL || !BN_sub_word(pm1, 1))
			break;
		if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm1) >= 0) {
			snprintf(why, whylen, "MODP public value not in 1 < y < p-1");
			break;
		}
		key = modp_key(dh->p, y, NULL, EVP_PKEY_PUBLIC_KEY);
		break;
	case DH_ECP:
		sec1[0] = POINT_CONVERSION_UNCOMPRESSED;
		memcpy(sec1 + 1, peer, len);
		if ((key = ec_key(dh->g->name, sec1, 1 + len, NULL)) == NULL)
			snprintf(why, whylen, "ECP public value not on %s",
			    dh->g->name);
		break;
	case DH_X25519:
		key = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer, len);
		break;
	}
	BN_free(y);
	BN_free(pm1);
	return key;
}

int
ike_dh_derive(const struct ike_dh *dh, const uint8_t *peer, size_t peerlen,
    uint8_t *out, size_t outlen, char *why, size_t whylen)
{
	static const uint8_t zero[IKE_DH_SECRET_MAX];
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
	size_t n = outlen;
	int rc = -1;

	snprintf(why, whylen, "key agreement failed");
	if (peerlen != dh->g->publen) {
		snprintf(why, whylen, "public value length %zu != %zu", peerlen,
		    dh->g->publen);
		return -1;
	}
	if (outlen != dh->g->secretlen)
		return -1;
	if ((pk = peer_key(dh, peer, peerlen, why, whylen)) == NULL)
		goto done;
	if (dh->g->kind == DH_ECP) {
		if ((chk = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL ||
		    EVP_PKEY_public_check_quick(chk) != 1) {
			snprintf(why, whylen, "ECP public value fails the check");
			goto done;
		}
	}
	/* The peer value passed the RFC 6989 checks above: no second round. */
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) <= 0 ||
	    (dh->g->kind == DH_MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0) ||
	    EVP_PKEY_derive_set_peer_ex(ctx, pk, 0) <= 0 ||
	    EVP_PKEY_derive(ctx, out, &n) <= 0 || n != outlen) {
		if (dh->g->kind == DH_X25519)
			snprintf(why, whylen, "X25519 agreement failed "
			    "(low-order point?)");
		goto done;
	}
	/* RFC 8031 2.2: an all-zero X25519 result means a low-order point. */
	if (CRYPTO_memcmp(out, zero, outlen) == 0) {
		snprintf(why, whylen, "all-zero shared secret");
		OPENSSL_cleanse(out, outlen);
		goto done;
	}
	rc = 0;
done:
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return rc;
}
