/*
 * ike_prop: proposal policy for the IKEv2 engine (RFC 7296 2.7, 3.3): the named
 * profiles (aws, gcp, alibaba: cloud-semantics.md 5.1-5.2), a strongSwan-style
 * suite parser ("aes256-sha256-modp2048", "aes256gcm16-prfsha256-ecp256"), the SA
 * payload we propose, and selection as responder by OUR configured order
 * (cloud-semantics.md behaviour 25), not the initiator's.
 */
#ifndef TRANSIT_IKE_PROP_H
#define TRANSIT_IKE_PROP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike_msg.h"

#define IKE_PROP_MAX_SUITES	8

/* One proposal: a single transform of each type (IKE_DH_NONE = no PFS for ESP). */
struct ike_alg {
	uint16_t	encr;
	uint16_t	keybits;
	uint16_t	integ;		/* IKE_INTEG_NONE with GCM */
	uint16_t	prf;		/* IKE only */
	uint16_t	dh;
	bool		esn;		/* ESP only */
};

struct ike_proposals {
	size_t		n;
	struct ike_alg	a[IKE_PROP_MAX_SUITES];
};

/* "aws", "gcp", "alibaba" for proto IKE or ESP; -1 when unknown. */
int	ike_prop_profile(const char *name, uint8_t proto, struct ike_proposals *);
/*
 * Parse a comma-separated list of suites ("aes256-sha256-modp2048,aes128-sha1-
 * modp1024"); for IKE a missing PRF follows the integrity algorithm.  -1 with a
 * sentence in err.
 */
int	ike_prop_parse(const char *, uint8_t proto, struct ike_proposals *,
	    char *err, size_t errlen);
/* Profile name or explicit list. */
int	ike_prop_resolve(const char *, uint8_t proto, struct ike_proposals *,
	    char *err, size_t errlen);
/*
 * Build the SA payload for our proposals.  `with_dh` false drops the D-H
 * transform (Child SA in IKE_AUTH, 1.2).  The SPI (8 bytes for IKE in a rekey,
 * 4 for ESP) goes into every proposal; spi_len 0 for the initial IKE SA.
 */
void	ike_prop_to_sa(const struct ike_proposals *, uint8_t proto, bool with_dh,
	    const uint8_t *spi, uint8_t spi_len, struct ike_sa *);
/* One proposal (a response) with number `num`. */
void	ike_prop_one(const struct ike_alg *, uint8_t proto, uint8_t num,
	    bool with_dh, const uint8_t *spi, uint8_t spi_len, struct ike_sa *);
/*
 * Responder: walk our list in order and return the first suite every transform
 * of which one received proposal offers; `*idx` is that proposal's index.
 * `use_dh` false ignores D-H (IKE_AUTH).  -1 = NO_PROPOSAL_CHOSEN.
 */
int	ike_prop_select(const struct ike_proposals *ours, const struct ike_sa *,
	    uint8_t proto, bool use_dh, struct ike_alg *, size_t *idx);
/* Initiator: the response must hold one proposal that is one of ours. */
int	ike_prop_check_reply(const struct ike_proposals *ours,
	    const struct ike_sa *, uint8_t proto, bool use_dh, struct ike_alg *);
/* Human form of a suite, "aes256-sha256-prfsha256-modp2048". */
const char *ike_alg_fmt(const struct ike_alg *, uint8_t proto, char *, size_t);
/* The ESP transform (esp_xform_id) for a Child SA suite; -1 if src/esp lacks it. */
int	ike_alg_esp_xform(const struct ike_alg *);
/* IANA-style name of a transform (enum ike_xform_type, id), "UNKNOWN_n" else. */
const char *ike_xf_name(int type, uint16_t id, char *, size_t);
/* A negotiated suite as swanctl shows it (ike_prop_name.c): IKE
 * "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", ESP
 * "AES_GCM_16-256" plus "/ECP_256" with PFS and "/ESN". */
const char *ike_alg_suite(const struct ike_alg *, uint8_t proto, char *, size_t);

#endif
