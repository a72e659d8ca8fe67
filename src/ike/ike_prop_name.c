/*
 * ike_prop_name: IANA names of negotiated transforms (RFC 7296 3.3.2, RFC 5282,
 * RFC 4868, RFC 3526, RFC 5903, RFC 8031) for people: `transitctl show ike-sas`
 * and `show child-sas` print a suite the way `swanctl --list-sas` does,
 * "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", so the two read
 * the same side by side (docs/control-protocol.md).
 */
#include <stdio.h>
#include <string.h>

#include "ike/ike_prop.h"

struct name {
	uint16_t	 id;
	const char	*name;
};

static const struct name encrs[] = {
	{ IKE_ENCR_3DES, "3DES_CBC" },
	{ IKE_ENCR_NULL, "NULL" },
	{ IKE_ENCR_AES_CBC, "AES_CBC" },
	{ IKE_ENCR_AES_CTR, "AES_CTR" },
	{ IKE_ENCR_AES_GCM_8, "AES_GCM_8" },
	{ IKE_ENCR_AES_GCM_12, "AES_GCM_12" },
	{ IKE_ENCR_AES_GCM_16, "AES_GCM_16" },
	{ IKE_ENCR_CHACHA20_POLY1305, "CHACHA20_POLY1305" },
};

static const struct name integs[] = {
	{ IKE_INTEG_HMAC_MD5_96, "HMAC_MD5_96" },
	{ IKE_INTEG_HMAC_SHA1_96, "HMAC_SHA1_96" },
	{ IKE_INTEG_AES_XCBC_96, "AES_XCBC_96" },
	{ IKE_INTEG_HMAC_SHA2_256_128, "HMAC_SHA2_256_128" },
	{ IKE_INTEG_HMAC_SHA2_384_192, "HMAC_SHA2_384_192" },
	{ IKE_INTEG_HMAC_SHA2_512_256, "HMAC_SHA2_512_256" },
};

static const struct name prfs[] = {
	{ IKE_PRF_HMAC_MD5, "PRF_HMAC_MD5" },
	{ IKE_PRF_HMAC_SHA1, "PRF_HMAC_SHA1" },
	{ IKE_PRF_AES128_XCBC, "PRF_AES128_XCBC" },
	{ IKE_PRF_HMAC_SHA2_256, "PRF_HMAC_SHA2_256" },
	{ IKE_PRF_HMAC_SHA2_384, "PRF_HMAC_SHA2_384" },
	{ IKE_PRF_HMAC_SHA2_512, "PRF_HMAC_SHA2_512" },
};

static const struct name dhs[] = {
	{ IKE_DH_MODP_768, "MODP_768" },
	{ IKE_DH_MODP_1024, "MODP_1024" },
	{ IKE_DH_MODP_1536, "MODP_1536" },
	{ IKE_DH_MODP_2048, "MODP_2048" },
	{ IKE_DH_MODP_3072, "MODP_3072" },
	{ IKE_DH_MODP_4096, "MODP_4096" },
	{ IKE_DH_ECP_256, "ECP_256" },
	{ IKE_DH_ECP_384, "ECP_384" },
	{ IKE_DH_ECP_521, "ECP_521" },
	{ IKE_DH_CURVE25519, "CURVE_25519" },
};

static const char *
lookup(const struct name *t, size_t n, uint16_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return NULL;
}

#define LOOKUP(t, id)	lookup(t, sizeof(t) / sizeof(t[0]), id)

const char *
ike_xf_name(int type, uint16_t id, char *buf, size_t len)
{
	const char *n = NULL;

	switch (type) {
	case IKE_XFORM_ENCR:
		n = LOOKUP(encrs, id);
		break;
	case IKE_XFORM_PRF:
		n = LOOKUP(prfs, id);
		break;
	case IKE_XFORM_INTEG:
		n = LOOKUP(integs, id);
		break;
	case IKE_XFORM_DH:
		n = LOOKUP(dhs, id);
		break;
	default:
		break;
	}
	if (n != NULL)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "UNKNOWN_%u", id);
	return buf;
}

const char *
ike_alg_suite(const struct ike_alg *a, uint8_t proto, char *buf, size_t len)
{
	char e[32], i[32], p[32], d[32];

	ike_xf_name(IKE_XFORM_ENCR, a->encr, e, sizeof(e));
	if (a->keybits != 0)
		snprintf(e + strnlen(e, sizeof(e)), sizeof(e) - strnlen(e, sizeof(e)),
		    "-%u", a->keybits);
	snprintf(buf, len, "%s%s%s%s%s%s%s%s", e,
	    a->integ != IKE_INTEG_NONE ? "/" : "",
	    a->integ != IKE_INTEG_NONE ? ike_xf_name(IKE_XFORM_INTEG, a->integ, i,
	    sizeof(i)) : "",
	    proto == IKE_PROTO_IKE ? "/" : "",
	    proto == IKE_PROTO_IKE ? ike_xf_name(IKE_XFORM_PRF, a->prf, p, sizeof(p)) : "",
	    a->dh != IKE_DH_NONE ? "/" : "",
	    a->dh != IKE_DH_NONE ? ike_xf_name(IKE_XFORM_DH, a->dh, d, sizeof(d)) : "",
	    proto != IKE_PROTO_IKE && a->esn ? "/ESN" : "");
	return buf;
}
