/*
 * ike_sk: the Encrypted payload SK (RFC 7296 3.14) and the Encrypted Fragment
 * payload SKF (RFC 7383 2.5) - sealing and opening over caller buffers.
 *
 *  - AES-CBC-128/256 with HMAC-SHA1-96, HMAC-SHA2-256-128, -384-192, -512-256:
 *    body = IV(16) | E(inner | padding | pad length) | ICV, the ICV computed over
 *    the whole message from the first header byte to the end of the ciphertext.
 *  - AES-GCM-16 with 128/256-bit keys (RFC 5282): body = IV(8) | C | tag(16), the
 *    nonce salt(4, the last key-material bytes) | IV, and the AAD the message from
 *    the IKE header to the end of the SK header (for SKF: through Total Fragments).
 *
 * ICVs are compared in constant time; the pad length must fit inside the plaintext
 * (padding contents are not checked, 3.14 says they may be anything).
 */
#ifndef TRANSIT_IKE_SK_H
#define TRANSIT_IKE_SK_H

#include <stddef.h>
#include <stdint.h>

#include "ike/ike_msg.h"

#define IKE_SK_ICV_MAX	32

/* One direction's keys: SK_ei/SK_ai for what the initiator sends, SK_er/SK_ar
 * for what the responder sends. */
struct ike_sk_keys {
	uint16_t	 encr;		/* IKE_ENCR_AES_CBC or IKE_ENCR_AES_GCM_16 */
	uint16_t	 encr_keybits;	/* 128 or 256 */
	uint16_t	 integ;		/* IKE_INTEG_*, ignored for GCM */
	const uint8_t	*ekey;		/* key (+ 4-byte salt for GCM) */
	const uint8_t	*akey;
};

/* Fragment header for SKF (RFC 7383); NULL seals a plain SK payload. */
struct ike_sk_frag {
	uint16_t	num;
	uint16_t	total;
};

size_t	ike_sk_iv_len(uint16_t encr);
/* Bytes an SK payload adds around `plen` inner bytes (header, IV, padding, ICV). */
size_t	ike_sk_overhead(const struct ike_sk_keys *, size_t plen);

/*
 * Append the SK (or SKF) payload holding the inner chain `plain` (whose first
 * payload type is `inner`) to the message being built in `e`, finish the message
 * and protect it.  `iv` (ike_sk_iv_len bytes) or NULL to draw it from RAND_bytes.
 * Returns IKE_PARSE_OK and the message length, or an error with a reason.
 */
enum ike_parse_result	ike_sk_seal(struct ike_enc *e, const struct ike_sk_keys *,
			    uint8_t inner, const struct ike_sk_frag *,
			    const uint8_t *plain, size_t plen, const uint8_t *iv,
			    size_t *msglen, struct ike_err *);

/*
 * Verify and decrypt the SK/SKF payload of a parsed message into `out`; the
 * result is the inner payload chain (first type: msg->pld[msg->sk].next), ready
 * for ike_chain_parse().  IKE_PARSE_INTEGRITY means: drop silently.
 */
enum ike_parse_result	ike_sk_open(const struct ike_msg *,
			    const struct ike_sk_keys *, uint8_t *out, size_t cap,
			    size_t *outlen, struct ike_err *);

#endif
