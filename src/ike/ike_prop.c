/*
 * ike_prop: IKEv2 proposal profiles, parsing, construction and selection
 * (RFC 7296 2.7 and 3.3; cloud-semantics.md 2.3, 5.1, 5.2, behaviour 25).
 */
#include <stdio.h>
#include <string.h>

#include "esp/esp_xform.h"
#include "ike/ike_crypto.h"
#include "ike/ike_prop.h"

struct profile {
	const char	*name;
	const char	*ike;
	const char	*esp;
};

/*
 * cloud-semantics.md 5.2: the suites the three clouds share; each profile puts
 * the cloud's usual choice first (aws: AES-CBC-256/SHA2-256/DH14, gcp: AES-GCM-16-
 * 256/DH19, alibaba: AES-CBC-128/SHA1/DH2), then the common fallback.
 */
static const struct profile profiles[] = {
	{ "aws", "aes256-sha256-modp2048,aes128-sha256-modp2048,"
	    "aes256gcm16-prfsha256-ecp256",
	    "aes256-sha256-modp2048,aes128-sha256-modp2048,aes256gcm16-ecp256" },
	{ "gcp", "aes256gcm16-prfsha256-ecp256,aes256gcm16-prfsha256-ecp384,"
	    "aes256-sha256-modp2048",
	    "aes256gcm16-ecp256,aes256gcm16-ecp384,aes256-sha256-modp2048" },
	{ "alibaba", "aes128-sha1-modp1024,aes256-sha256-modp2048",
	    "aes128-sha1-modp1024,aes256-sha256-modp2048" },
};

struct tok {
	const char	*name;
	int		 kind;		/* 1 encr, 2 integ, 3 prf, 4 dh, 5 esn */
	uint16_t	 id;
	uint16_t	 bits;
};

static const struct tok toks[] = {
	{ "aes128", 1, IKE_ENCR_AES_CBC, 128 },
	{ "aes256", 1, IKE_ENCR_AES_CBC, 256 },
	{ "aes128gcm16", 1, IKE_ENCR_AES_GCM_16, 128 },
	{ "aes256gcm16", 1, IKE_ENCR_AES_GCM_16, 256 },
	{ "sha1", 2, IKE_INTEG_HMAC_SHA1_96, 0 },
	{ "sha256", 2, IKE_INTEG_HMAC_SHA2_256_128, 0 },
	{ "sha384", 2, IKE_INTEG_HMAC_SHA2_384_192, 0 },
	{ "sha512", 2, IKE_INTEG_HMAC_SHA2_512_256, 0 },
	{ "prfsha1", 3, IKE_PRF_HMAC_SHA1, 0 },
	{ "prfsha256", 3, IKE_PRF_HMAC_SHA2_256, 0 },
	{ "prfsha384", 3, IKE_PRF_HMAC_SHA2_384, 0 },
	{ "prfsha512", 3, IKE_PRF_HMAC_SHA2_512, 0 },
	{ "modp1024", 4, IKE_DH_MODP_1024, 0 },
	{ "modp1536", 4, IKE_DH_MODP_1536, 0 },
	{ "modp2048", 4, IKE_DH_MODP_2048, 0 },
	{ "modp3072", 4, IKE_DH_MODP_3072, 0 },
	{ "modp4096", 4, IKE_DH_MODP_4096, 0 },
	{ "ecp256", 4, IKE_DH_ECP_256, 0 },
	{ "ecp384", 4, IKE_DH_ECP_384, 0 },
	{ "ecp521", 4, IKE_DH_ECP_521, 0 },
	{ "x25519", 4, IKE_DH_CURVE25519, 0 },
	{ "curve25519", 4, IKE_DH_CURVE25519, 0 },
	{ "esn", 5, 1, 0 },
	{ "noesn", 5, 0, 0 },
};

static uint16_t
integ_to_prf(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:
		return IKE_PRF_HMAC_SHA1;
	case IKE_INTEG_HMAC_SHA2_384_192:
		return IKE_PRF_HMAC_SHA2_384;
	case IKE_INTEG_HMAC_SHA2_512_256:
		return IKE_PRF_HMAC_SHA2_512;
	default:
		return IKE_PRF_HMAC_SHA2_256;
	}
}

static int
parse_suite(const char *s, size_t len, uint8_t proto, struct ike_alg *a,
    char *err, size_t errlen)
{
	char word[32];
	size_t i, j, wl;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < len; i = j + 1) {
		const struct tok *t = NULL;

		for (j = i; j < len && s[j] != '-'; j++)
			;
		wl = j - i;
		if (wl == 0 || wl >= sizeof(word)) {
			snprintf(err, errlen, "empty or long word in \"%.*s\"",
			    (int)len, s);
			return -1;
		}
		memcpy(word, s + i, wl);
		word[wl] = '\0';
		for (size_t k = 0; k < sizeof(toks) / sizeof(toks[0]); k++)
			if (strcmp(toks[k].name, word) == 0)
				t = &toks[k];
		if (t == NULL) {
			snprintf(err, errlen, "unknown algorithm \"%s\"", word);
			return -1;
		}
		switch (t->kind) {
		case 1:
			a->encr = t->id;
			a->keybits = t->bits;
			break;
		case 2:
			a->integ = t->id;
			break;
		case 3:
			a->prf = t->id;
			break;
		case 4:
			a->dh = t->id;
			break;
		default:
			a->esn = t->id != 0;
			break;
		}
	}
	if (a->encr == 0) {
		snprintf(err, errlen, "no encryption algorithm in \"%.*s\"",
		    (int)len, s);
		return -1;
	}
	if (ike_encr_is_aead(a->encr) != (a->integ == IKE_INTEG_NONE)) {
		snprintf(err, errlen, "\"%.*s\": %s", (int)len, s,
		    a->integ ? "AEAD takes no integrity algorithm" :
		    "integrity algorithm missing");
		return -1;
	}
	if (proto == IKE_PROTO_IKE) {
		if (a->prf == 0)
			a->prf = integ_to_prf(a->integ);
		if (a->dh == IKE_DH_NONE) {
			snprintf(err, errlen, "\"%.*s\": IKE needs a D-H group",
			    (int)len, s);
			return -1;
		}
		a->esn = false;
	} else {
		a->prf = 0;
		if (ike_alg_esp_xform(a) < 0) {
			snprintf(err, errlen, "\"%.*s\": not an ESP transform "
			    "this build supports", (int)len, s);
			return -1;
		}
	}
	return 0;
}

int
ike_prop_parse(const char *s, uint8_t proto, struct ike_proposals *p,
    char *err, size_t errlen)
{
	size_t i = 0, j, len = strlen(s);

	memset(p, 0, sizeof(*p));
	while (i < len) {
		for (j = i; j < len && s[j] != ','; j++)
			;
		if (p->n == IKE_PROP_MAX_SUITES) {
			snprintf(err, errlen, "more than %d proposals",
			    IKE_PROP_MAX_SUITES);
			return -1;
		}
		if (parse_suite(s + i, j - i, proto, &p->a[p->n], err,
		    errlen) == -1)
			return -1;
		p->n++;
		i = j + 1;
	}
	if (p->n == 0) {
		snprintf(err, errlen, "empty proposal list");
		return -1;
	}
	return 0;
}

int
ike_prop_profile(const char *name, uint8_t proto, struct ike_proposals *p)
{
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i].name, name) == 0)
			return ike_prop_parse(proto == IKE_PROTO_IKE ?
			    profiles[i].ike : profiles[i].esp, proto, p, err,
			    sizeof(err));
	return -1;
}

int
ike_prop_resolve(const char *s, uint8_t proto, struct ike_proposals *p,
    char *err, size_t errlen)
{
	if (ike_prop_profile(s, proto, p) == 0)
		return 0;
	return ike_prop_parse(s, proto, p, err, errlen);
}

static void
add_xf(struct ike_prop *pp, uint8_t type, uint16_t id, uint16_t keylen)
{
	struct ike_xform *x = &pp->xf[pp->nxf++];

	memset(x, 0, sizeof(*x));
	x->type = type;
	x->id = id;
	x->keylen = keylen;
}

static void
fill_prop(struct ike_prop *pp, const struct ike_alg *a, uint8_t proto,
    uint8_t num, bool with_dh, const uint8_t *spi, uint8_t spi_len)
{
	memset(pp, 0, sizeof(*pp));
	pp->num = num;
	pp->proto = proto;
	pp->spi_len = spi_len;
	if (spi_len)
		memcpy(pp->spi, spi, spi_len);
	add_xf(pp, IKE_XFORM_ENCR, a->encr, a->keybits);
	if (proto == IKE_PROTO_IKE)
		add_xf(pp, IKE_XFORM_PRF, a->prf, 0);
	if (a->integ != IKE_INTEG_NONE)
		add_xf(pp, IKE_XFORM_INTEG, a->integ, 0);
	if (with_dh && a->dh != IKE_DH_NONE)
		add_xf(pp, IKE_XFORM_DH, a->dh, 0);
	if (proto != IKE_PROTO_IKE)
		add_xf(pp, IKE_XFORM_ESN, a->esn ? IKE_ESN_YES : IKE_ESN_NO, 0);
}

void
ike_prop_to_sa(const struct ike_proposals *p, uint8_t proto, bool with_dh,
    const uint8_t *spi, uint8_t spi_len, struct ike_sa *sa)
{
	size_t i;

	sa->nprop = 0;
	for (i = 0; i < p->n && i < IKE_MAX_PROPOSALS; i++)
		fill_prop(&sa->prop[sa->nprop++], &p->a[i], proto,
		    (uint8_t)(i + 1), with_dh, spi, spi_len);
}

void
ike_prop_one(const struct ike_alg *a, uint8_t proto, uint8_t num, bool with_dh,
    const uint8_t *spi, uint8_t spi_len, struct ike_sa *sa)
{
	sa->nprop = 1;
	fill_prop(&sa->prop[0], a, proto, num, with_dh, spi, spi_len);
}

/* Does the proposal offer transform (type, id, keylen)?  Transforms with an
 * unknown attribute are ignored (3.3.6). */
static bool
offers(const struct ike_prop *pp, uint8_t type, uint16_t id, uint16_t keylen)
{
	unsigned i;

	for (i = 0; i < pp->nxf; i++) {
		const struct ike_xform *x = &pp->xf[i];

		if (x->type == type && x->id == id && x->keylen == keylen &&
		    !x->unknown_attr)
			return true;
	}
	return false;
}

static bool
has_type(const struct ike_prop *pp, uint8_t type)
{
	unsigned i;

	for (i = 0; i < pp->nxf; i++)
		if (pp->xf[i].type == type)
			return true;
	return false;
}

static bool
prop_matches(const struct ike_alg *a, const struct ike_prop *pp, uint8_t proto,
    bool use_dh)
{
	if (pp->proto != proto)
		return false;
	if (proto == IKE_PROTO_IKE ? pp->spi_len != 0 && pp->spi_len != 8 :
	    pp->spi_len != IKE_CHILD_SPI_LEN)
		return false;
	if (!offers(pp, IKE_XFORM_ENCR, a->encr, a->keybits))
		return false;
	if (proto == IKE_PROTO_IKE && !offers(pp, IKE_XFORM_PRF, a->prf, 0))
		return false;
	if (a->integ != IKE_INTEG_NONE ?
	    !offers(pp, IKE_XFORM_INTEG, a->integ, 0) :
	    has_type(pp, IKE_XFORM_INTEG) &&
	    !offers(pp, IKE_XFORM_INTEG, IKE_INTEG_NONE, 0))
		return false;
	if (use_dh) {
		if (a->dh != IKE_DH_NONE ? !offers(pp, IKE_XFORM_DH, a->dh, 0) :
		    has_type(pp, IKE_XFORM_DH) &&
		    !offers(pp, IKE_XFORM_DH, IKE_DH_NONE, 0))
			return false;
	}
	if (proto != IKE_PROTO_IKE) {
		uint16_t esn = a->esn ? IKE_ESN_YES : IKE_ESN_NO;

		if (has_type(pp, IKE_XFORM_ESN) ? !offers(pp, IKE_XFORM_ESN,
		    esn, 0) : a->esn)
			return false;
	}
	return true;
}

int
ike_prop_select(const struct ike_proposals *ours, const struct ike_sa *sa,
    uint8_t proto, bool use_dh, struct ike_alg *out, size_t *idx)
{
	size_t i, j;

	for (i = 0; i < ours->n; i++)
		for (j = 0; j < sa->nprop; j++)
			if (prop_matches(&ours->a[i], &sa->prop[j], proto,
			    use_dh)) {
				*out = ours->a[i];
				if (!use_dh)
					out->dh = IKE_DH_NONE;
				*idx = j;
				return 0;
			}
	return -1;
}

int
ike_prop_check_reply(const struct ike_proposals *ours, const struct ike_sa *sa,
    uint8_t proto, bool use_dh, struct ike_alg *out)
{
	size_t idx;

	if (sa->nprop != 1)
		return -1;
	/* Exactly one transform of each type: a reply chooses. */
	for (unsigned i = 0; i < sa->prop[0].nxf; i++)
		for (unsigned j = i + 1; j < sa->prop[0].nxf; j++)
			if (sa->prop[0].xf[i].type == sa->prop[0].xf[j].type)
				return -1;
	return ike_prop_select(ours, sa, proto, use_dh, out, &idx);
}

static const char *
tok_name(int kind, uint16_t id, uint16_t bits)
{
	size_t i;

	for (i = 0; i < sizeof(toks) / sizeof(toks[0]); i++)
		if (toks[i].kind == kind && toks[i].id == id &&
		    (kind != 1 || toks[i].bits == bits))
			return toks[i].name;
	return "?";
}

const char *
ike_alg_fmt(const struct ike_alg *a, uint8_t proto, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s%s", tok_name(1, a->encr, a->keybits),
	    a->integ ? "-" : "", a->integ ? tok_name(2, a->integ, 0) : "",
	    proto == IKE_PROTO_IKE ? "-" : "",
	    proto == IKE_PROTO_IKE ? tok_name(3, a->prf, 0) : "",
	    a->dh ? "-" : "", a->dh ? tok_name(4, a->dh, 0) : "");
	return buf;
}

int
ike_alg_esp_xform(const struct ike_alg *a)
{
	if (a->encr == IKE_ENCR_AES_GCM_16 && a->integ == IKE_INTEG_NONE)
		return a->keybits == 128 ? ESP_XF_AES128_GCM16 :
		    a->keybits == 256 ? ESP_XF_AES256_GCM16 : -1;
	if (a->encr != IKE_ENCR_AES_CBC)
		return -1;
	if (a->integ == IKE_INTEG_HMAC_SHA2_256_128)
		return a->keybits == 128 ? ESP_XF_AES128_CBC_SHA256 :
		    a->keybits == 256 ? ESP_XF_AES256_CBC_SHA256 : -1;
	if (a->integ == IKE_INTEG_HMAC_SHA1_96)
		return a->keybits == 128 ? ESP_XF_AES128_CBC_SHA1 :
		    a->keybits == 256 ? ESP_XF_AES256_CBC_SHA1 : -1;
	return -1;
}
