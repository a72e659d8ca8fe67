/*
 * ike_msg: the sans-I/O IKEv2 message codec (RFC 7296 sections 3.1-3.16, RFC 7383
 * section 2.5).  Bytes in, structures out; structures in, bytes out.
 *
 * Parsing is two-level.  ike_msg_parse() checks the fixed header and walks the
 * generic payload chain, recording each payload's type, critical bit and body (a
 * borrowed pointer into the caller's datagram, so the datagram must outlive the
 * message).  ike_payload_parse() then validates and decodes one body into a
 * struct ike_payload.  Every body type has a validate step (lengths, counts, bounds)
 * before its parse step (interpretation), after OpenIKED (style.md).  Nothing here
 * allocates: every table has a compile-time bound (the IKE_MAX_* below), and a
 * message that exceeds one is refused with IKE_PARSE_LIMIT, never truncated.
 *
 * Errors are a result code (what the engine should answer, see ike_result_notify())
 * plus a human reason with the numbers in it, e.g. "TS length 12 != 16".
 *
 * Encoding goes through struct ike_enc over a bounded buf_writer: the message
 * length and every payload length and next-payload field are patched in, so what
 * we send is always self-consistent (reliability.md 2.3, rule 5).
 */
#ifndef TRANSIT_IKE_MSG_H
#define TRANSIT_IKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "ike/ike_wire.h"

/* Local bounds (docs/ike-codec.md explains each). */
#define IKE_MSG_MAX		65535	/* one UDP datagram */
#define IKE_MAX_PAYLOADS	32	/* per message or per decrypted SK body */
#define IKE_MAX_PROPOSALS	16
#define IKE_MAX_XFORMS		32	/* per proposal */
#define IKE_MAX_TS		16	/* per TSi / TSr */
#define IKE_MAX_DELETE_SPIS	64
#define IKE_NOTIFY_DATA_MAX	1024
#define IKE_ID_DATA_MAX		2048
#define IKE_AUTH_DATA_MAX	1024
#define IKE_VENDOR_MAX		1024
#define IKE_MAX_FRAGMENTS	64	/* RFC 7383: our reassembly bound */

enum ike_parse_result {
	IKE_PARSE_OK = 0,
	IKE_PARSE_INVALID_SYNTAX,		/* answer INVALID_SYNTAX (or drop pre-auth) */
	IKE_PARSE_INVALID_MAJOR_VERSION,	/* answer INVALID_MAJOR_VERSION */
	IKE_PARSE_UNSUPPORTED_CRITICAL_PAYLOAD,	/* answer it, data = err.pld_type */
	IKE_PARSE_INVALID_KE_PAYLOAD,		/* unsupported group: answer with ours */
	IKE_PARSE_LIMIT,			/* a local bound above was exceeded */
	IKE_PARSE_INTEGRITY,			/* ICV mismatch: drop silently (2.21.1) */
	IKE_PARSE_CRYPTO,			/* local crypto failure */
	IKE_PARSE_NOSPACE,			/* output buffer too small */
};

struct ike_err {
	enum ike_parse_result	res;
	uint8_t			pld_type;	/* payload the error is about, or 0 */
	char			reason[128];
};

struct ike_hdr {
	uint8_t		spi_i[IKE_SPI_LEN];
	uint8_t		spi_r[IKE_SPI_LEN];
	uint8_t		next;
	uint8_t		version;	/* major << 4 | minor */
	uint8_t		exchange;
	uint8_t		flags;
	uint32_t	msgid;
	uint32_t	length;
};

/* One payload of a chain, body not yet interpreted. */
struct ike_pld_raw {
	uint8_t		 type;
	bool		 critical;
	uint8_t		 next;		/* next-payload field (for SK/SKF: first inner type) */
	size_t		 off;		/* offset of the generic header in the message */
	const uint8_t	*body;		/* borrowed */
	size_t		 len;		/* body length (generic length - 4) */
};

struct ike_msg {
	struct ike_hdr		hdr;
	const uint8_t		*raw;	/* borrowed: the whole datagram */
	size_t			 rawlen;
	size_t			 npld;
	struct ike_pld_raw	 pld[IKE_MAX_PAYLOADS];
	int			 sk;	/* index of the SK or SKF payload, or -1 */
	size_t			 nskipped;	/* unknown non-critical payloads skipped */
};

/* Decoded payload bodies; pointers borrow from the datagram (or, to encode, from
 * whatever the caller owns). */
struct ike_xform {
	uint8_t		type;
	uint16_t	id;
	uint16_t	keylen;		/* Key Length attribute in bits, 0 = absent */
	bool		unknown_attr;	/* 3.3.6: the transform must then be ignored */
};

struct ike_prop {
	uint8_t			num;
	uint8_t			proto;
	uint8_t			spi_len;
	uint8_t			spi[IKE_SPI_LEN];
	uint8_t			nxf;
	struct ike_xform	xf[IKE_MAX_XFORMS];
};

struct ike_sa {
	uint8_t			nprop;
	struct ike_prop		prop[IKE_MAX_PROPOSALS];
};

struct ike_ke {
	uint16_t	 group;
	const uint8_t	*data;
	size_t		 len;
};

struct ike_blob {			/* Nonce, VID, CERTREQ, CERT, CP, EAP, SK */
	const uint8_t	*data;
	size_t		 len;
};

struct ike_notify {
	uint8_t		 proto;
	uint8_t		 spi_len;
	uint8_t		 spi[IKE_SPI_LEN];
	uint16_t	 type;
	const uint8_t	*data;
	size_t		 len;
};

struct ike_delete {
	uint8_t		proto;
	uint8_t		spi_len;
	uint16_t	nspi;
	uint8_t		spi[IKE_MAX_DELETE_SPIS][IKE_CHILD_SPI_LEN];
};

struct ike_id {				/* IDi, IDr */
	uint8_t		 type;
	const uint8_t	*data;
	size_t		 len;
};

struct ike_auth {
	uint8_t		 method;
	const uint8_t	*data;
	size_t		 len;
};

struct ike_ts_entry {
	uint8_t		type;		/* IKE_TS_IPV4_ADDR_RANGE or _IPV6_ */
	uint8_t		ipproto;	/* 0 = any */
	uint16_t	sport, eport;
	uint8_t		start[16], end[16];	/* 4 bytes used for IPv4 */
};

struct ike_ts {
	uint8_t			n;
	struct ike_ts_entry	ts[IKE_MAX_TS];
};

struct ike_skf {			/* RFC 7383 2.5 */
	uint16_t	 num;
	uint16_t	 total;
	const uint8_t	*data;		/* IV | ciphertext | ICV, opaque here */
	size_t		 len;
};

struct ike_payload {
	uint8_t		type;
	bool		critical;
	uint8_t		inner;		/* SK/SKF only: type of the first inner payload */
	union {
		struct ike_sa		sa;
		struct ike_ke		ke;
		struct ike_blob		blob;
		struct ike_notify	notify;
		struct ike_delete	del;
		struct ike_id		id;
		struct ike_auth		auth;
		struct ike_ts		ts;
		struct ike_skf		skf;
	} u;
};

/* Bounded encoder state: see ike_enc_begin(). */
struct ike_enc {
	struct buf_writer	*w;
	size_t			 start;		/* message start in w */
	size_t			 next_off;	/* where the pending next-payload byte is */
	uint8_t			 next_low;	/* the byte that follows it */
	size_t			 pld_start;	/* current payload's generic header */
	bool			 in_pld;
	bool			 closed;	/* after SK/SKF nothing may follow */
	bool			 bare;		/* a chain without IKE header */
	bool			 linked;	/* the first payload is written */
	uint8_t			 first;		/* bare: type of the first payload */
	bool			 err;
};

/* ike_msg.c */
enum ike_parse_result	ike_err_set(struct ike_err *, enum ike_parse_result,
			    uint8_t pld, const char *, ...)
			    __attribute__((format(printf, 4, 5)));
const char	*ike_result_name(enum ike_parse_result);
uint16_t	 ike_result_notify(enum ike_parse_result);
const char	*ike_pld_name(uint8_t);
bool		 ike_pld_known(uint8_t);

enum ike_parse_result	ike_hdr_parse(struct buf_reader *, struct ike_hdr *,
			    struct ike_err *);
enum ike_parse_result	ike_msg_parse(struct ike_msg *, const uint8_t *, size_t,
			    struct ike_err *);
/* Walk a payload chain that starts with type `first` (a decrypted SK body:
 * nested SK/SKF are refused).  Offsets are relative to the body given. */
enum ike_parse_result	ike_chain_parse(uint8_t first, const uint8_t *, size_t,
			    struct ike_pld_raw *, size_t max, size_t *n,
			    struct ike_err *);
enum ike_parse_result	ike_payload_parse(const struct ike_pld_raw *,
			    struct ike_payload *, struct ike_err *);

void	ike_enc_begin(struct ike_enc *, struct buf_writer *, const struct ike_hdr *);
/* A bare payload chain (the plaintext of an SK payload); its first type is
 * left in e->first. */
void	ike_enc_chain_begin(struct ike_enc *, struct buf_writer *);
void	ike_enc_pld_begin(struct ike_enc *, uint8_t type, bool critical);
/* SK / SKF: the next-payload field carries the first inner type. */
void	ike_enc_pld_begin_inner(struct ike_enc *, uint8_t type, uint8_t inner);
void	ike_enc_pld_end(struct ike_enc *);
/* Patch the total length (not for a bare chain); returns 0 and the message (or
 * chain) length, or -1. */
int	ike_enc_finish(struct ike_enc *, size_t *);
/* Encode one decoded payload (generic header included). */
int	ike_payload_encode(struct ike_enc *, const struct ike_payload *);
/* Decode every payload of a parsed message and encode them again (the canonical
 * form: reserved bits zeroed, unknown non-critical payloads dropped).  Used by the
 * round-trip property tests and the fuzz harness. */
enum ike_parse_result	ike_msg_reencode(const struct ike_msg *,
			    struct buf_writer *, size_t *, struct ike_err *);

/* Per payload: validate + parse a body, and encode a body (ike_pld_*.c). */
enum ike_parse_result	ike_sa_parse(const struct ike_pld_raw *, struct ike_sa *,
			    struct ike_err *);
int			ike_sa_encode(struct buf_writer *, const struct ike_sa *);
enum ike_parse_result	ike_ke_parse(const struct ike_pld_raw *, struct ike_ke *,
			    struct ike_err *);
int			ike_ke_encode(struct buf_writer *, const struct ike_ke *);
enum ike_parse_result	ike_nonce_parse(const struct ike_pld_raw *, struct ike_blob *,
			    struct ike_err *);
enum ike_parse_result	ike_notify_parse(const struct ike_pld_raw *,
			    struct ike_notify *, struct ike_err *);
int			ike_notify_encode(struct buf_writer *, const struct ike_notify *);
enum ike_parse_result	ike_delete_parse(const struct ike_pld_raw *,
			    struct ike_delete *, struct ike_err *);
int			ike_delete_encode(struct buf_writer *, const struct ike_delete *);
enum ike_parse_result	ike_id_parse(const struct ike_pld_raw *, struct ike_id *,
			    struct ike_err *);
int			ike_id_encode(struct buf_writer *, const struct ike_id *);
enum ike_parse_result	ike_auth_parse(const struct ike_pld_raw *, struct ike_auth *,
			    struct ike_err *);
int			ike_auth_encode(struct buf_writer *, const struct ike_auth *);
enum ike_parse_result	ike_ts_parse(const struct ike_pld_raw *, struct ike_ts *,
			    struct ike_err *);
int			ike_ts_encode(struct buf_writer *, const struct ike_ts *);
enum ike_parse_result	ike_skf_parse(const struct ike_pld_raw *, struct ike_skf *,
			    struct ike_err *);
int			ike_skf_encode(struct buf_writer *, const struct ike_skf *);
enum ike_parse_result	ike_blob_parse(const struct ike_pld_raw *, struct ike_blob *,
			    struct ike_err *);
int			ike_blob_encode(struct buf_writer *, const struct ike_blob *);

#endif
