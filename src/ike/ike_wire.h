/*
 * ike_wire: IKEv2 wire constants and sizes, in one header (style.md, practice 7).
 * Numbers are the IANA "IKEv2 Parameters" registry values; the RFC section that
 * defines each group is beside it.  No struct here is ever cast over a packet: the
 * codec (ike_msg.c, ike_pld_*.c) reads fields one by one through src/common/buf.h.
 */
#ifndef TRANSIT_IKE_WIRE_H
#define TRANSIT_IKE_WIRE_H

/* RFC 7296 3.1: fixed IKE header; 3.2: generic payload header. */
#define IKE_HDR_LEN		28
#define IKE_GEN_HDR_LEN		4
#define IKE_SPI_LEN		8
#define IKE_VERSION_MAJOR	2
#define IKE_VERSION_BYTE	0x20	/* major 2, minor 0 */

/* RFC 7296 3.1: exchange types. */
enum ike_exchange {
	IKE_EXCH_SA_INIT		= 34,
	IKE_EXCH_AUTH			= 35,
	IKE_EXCH_CREATE_CHILD_SA	= 36,
	IKE_EXCH_INFORMATIONAL		= 37,
	IKE_EXCH_SESSION_RESUME		= 38,	/* RFC 5723 */
	IKE_EXCH_INTERMEDIATE		= 43,	/* RFC 9242 */
};

/* RFC 7296 3.1: header flags. */
enum ike_hdr_flag {
	IKE_FLAG_I	= 0x08,		/* initiator of the IKE SA */
	IKE_FLAG_V	= 0x10,		/* "higher version" */
	IKE_FLAG_R	= 0x20,		/* response */
};

/* RFC 7296 3.2: the critical bit in the generic payload header. */
#define IKE_PLD_CRITICAL	0x80

/* RFC 7296 3.2, RFC 7383 2.5: payload types. */
enum ike_pld_type {
	IKE_PLD_NONE	= 0,
	IKE_PLD_SA	= 33,	/* 3.3 */
	IKE_PLD_KE	= 34,	/* 3.4 */
	IKE_PLD_IDI	= 35,	/* 3.5 */
	IKE_PLD_IDR	= 36,	/* 3.5 */
	IKE_PLD_CERT	= 37,	/* 3.6 */
	IKE_PLD_CERTREQ	= 38,	/* 3.7 */
	IKE_PLD_AUTH	= 39,	/* 3.8 */
	IKE_PLD_NONCE	= 40,	/* 3.9 */
	IKE_PLD_NOTIFY	= 41,	/* 3.10 */
	IKE_PLD_DELETE	= 42,	/* 3.11 */
	IKE_PLD_VENDOR	= 43,	/* 3.12 */
	IKE_PLD_TSI	= 44,	/* 3.13 */
	IKE_PLD_TSR	= 45,	/* 3.13 */
	IKE_PLD_SK	= 46,	/* 3.14 */
	IKE_PLD_CP	= 47,	/* 3.15 */
	IKE_PLD_EAP	= 48,	/* 3.16 */
	IKE_PLD_SKF	= 53,	/* RFC 7383 2.5 */
};

/* RFC 7296 3.3.1: protocol IDs in proposals, notifies and deletes. */
enum ike_proto {
	IKE_PROTO_NONE	= 0,
	IKE_PROTO_IKE	= 1,
	IKE_PROTO_AH	= 2,
	IKE_PROTO_ESP	= 3,
};

/* RFC 7296 3.3.1 / 3.3.2: substructure markers. */
#define IKE_PROP_LAST	0
#define IKE_PROP_MORE	2
#define IKE_XFORM_LAST	0
#define IKE_XFORM_MORE	3

/* RFC 7296 3.3.2: transform types. */
enum ike_xform_type {
	IKE_XFORM_ENCR	= 1,
	IKE_XFORM_PRF	= 2,
	IKE_XFORM_INTEG	= 3,
	IKE_XFORM_DH	= 4,	/* "Key Exchange Method" since RFC 9370 */
	IKE_XFORM_ESN	= 5,
};

/* RFC 7296 3.3.2, RFC 5282 (GCM), RFC 8439/7634 (ChaCha, not implemented). */
enum ike_encr_id {
	IKE_ENCR_3DES		= 3,
	IKE_ENCR_NULL		= 11,
	IKE_ENCR_AES_CBC	= 12,	/* RFC 3602 */
	IKE_ENCR_AES_CTR	= 13,
	IKE_ENCR_AES_GCM_8	= 18,	/* RFC 5282 */
	IKE_ENCR_AES_GCM_12	= 19,	/* RFC 5282 */
	IKE_ENCR_AES_GCM_16	= 20,	/* RFC 5282 */
	IKE_ENCR_CHACHA20_POLY1305 = 28,
};

/* RFC 7296 3.3.2, RFC 4868 (SHA-2 PRFs). */
enum ike_prf_id {
	IKE_PRF_HMAC_MD5	= 1,
	IKE_PRF_HMAC_SHA1	= 2,
	IKE_PRF_AES128_XCBC	= 4,
	IKE_PRF_HMAC_SHA2_256	= 5,
	IKE_PRF_HMAC_SHA2_384	= 6,
	IKE_PRF_HMAC_SHA2_512	= 7,
};

/* RFC 7296 3.3.2, RFC 4868. */
enum ike_integ_id {
	IKE_INTEG_NONE			= 0,
	IKE_INTEG_HMAC_MD5_96		= 1,
	IKE_INTEG_HMAC_SHA1_96		= 2,
	IKE_INTEG_AES_XCBC_96		= 5,
	IKE_INTEG_HMAC_SHA2_256_128	= 12,
	IKE_INTEG_HMAC_SHA2_384_192	= 13,
	IKE_INTEG_HMAC_SHA2_512_256	= 14,
};

/* RFC 7296 3.3.2 (transform type 4), RFC 3526, RFC 5903, RFC 8031. */
enum ike_dh_id {
	IKE_DH_NONE		= 0,
	IKE_DH_MODP_768		= 1,	/* not supported: too weak */
	IKE_DH_MODP_1024	= 2,	/* RFC 2409 6.2 */
	IKE_DH_MODP_1536	= 5,	/* RFC 3526 2 */
	IKE_DH_MODP_2048	= 14,	/* RFC 3526 3 */
	IKE_DH_MODP_3072	= 15,	/* RFC 3526 4 */
	IKE_DH_MODP_4096	= 16,	/* RFC 3526 5 */
	IKE_DH_ECP_256		= 19,	/* RFC 5903 3.1 */
	IKE_DH_ECP_384		= 20,	/* RFC 5903 3.2 */
	IKE_DH_ECP_521		= 21,	/* RFC 5903 3.3 */
	IKE_DH_CURVE25519	= 31,	/* RFC 8031 */
};

/* RFC 7296 3.3.2: Extended Sequence Numbers. */
enum ike_esn_id {
	IKE_ESN_NO	= 0,
	IKE_ESN_YES	= 1,
};

/* RFC 7296 3.3.5: transform attributes (only Key Length is defined, TV format). */
#define IKE_ATTR_AF		0x8000	/* attribute format bit: TV when set */
enum ike_attr_type {
	IKE_ATTR_KEY_LENGTH	= 14,
};

/* RFC 7296 3.5, RFC 4595 (FC, unused): identification types. */
enum ike_id_type {
	IKE_ID_IPV4_ADDR	= 1,
	IKE_ID_FQDN		= 2,
	IKE_ID_RFC822_ADDR	= 3,
	IKE_ID_IPV6_ADDR	= 5,
	IKE_ID_DER_ASN1_DN	= 9,
	IKE_ID_DER_ASN1_GN	= 10,
	IKE_ID_KEY_ID		= 11,
};

/* RFC 7296 3.8, RFC 4754, RFC 7427: authentication methods. */
enum ike_auth_method {
	IKE_AUTH_RSA_SIG	= 1,
	IKE_AUTH_SHARED_KEY_MIC	= 2,
	IKE_AUTH_DSS_SIG	= 3,
	IKE_AUTH_ECDSA_256	= 9,	/* RFC 4754 */
	IKE_AUTH_ECDSA_384	= 10,
	IKE_AUTH_ECDSA_521	= 11,
	IKE_AUTH_DIGITAL_SIG	= 14,	/* RFC 7427 */
};

/* RFC 7296 3.13.1: traffic selector types and their fixed selector lengths. */
enum ike_ts_type {
	IKE_TS_IPV4_ADDR_RANGE	= 7,
	IKE_TS_IPV6_ADDR_RANGE	= 8,
};
#define IKE_TS_IPV4_LEN		16
#define IKE_TS_IPV6_LEN		40

/* RFC 7296 3.10.1: notify message types (errors < 16384, status >= 16384). */
enum ike_notify_type {
	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD	= 1,
	IKE_N_INVALID_IKE_SPI			= 4,
	IKE_N_INVALID_MAJOR_VERSION		= 5,
	IKE_N_INVALID_SYNTAX			= 7,
	IKE_N_INVALID_MESSAGE_ID		= 9,
	IKE_N_INVALID_SPI			= 11,
	IKE_N_NO_PROPOSAL_CHOSEN		= 14,
	IKE_N_INVALID_KE_PAYLOAD		= 17,
	IKE_N_AUTHENTICATION_FAILED		= 24,
	IKE_N_SINGLE_PAIR_REQUIRED		= 34,
	IKE_N_NO_ADDITIONAL_SAS			= 35,
	IKE_N_INTERNAL_ADDRESS_FAILURE		= 36,
	IKE_N_FAILED_CP_REQUIRED		= 37,
	IKE_N_TS_UNACCEPTABLE			= 38,
	IKE_N_INVALID_SELECTORS			= 39,
	IKE_N_TEMPORARY_FAILURE			= 43,
	IKE_N_CHILD_SA_NOT_FOUND		= 44,
	IKE_N_INITIAL_CONTACT			= 16384,
	IKE_N_SET_WINDOW_SIZE			= 16385,
	IKE_N_ADDITIONAL_TS_POSSIBLE		= 16386,
	IKE_N_IPCOMP_SUPPORTED			= 16387,
	IKE_N_NAT_DETECTION_SOURCE_IP		= 16388,
	IKE_N_NAT_DETECTION_DESTINATION_IP	= 16389,
	IKE_N_COOKIE				= 16390,
	IKE_N_USE_TRANSPORT_MODE		= 16391,
	IKE_N_HTTP_CERT_LOOKUP_SUPPORTED	= 16392,
	IKE_N_REKEY_SA				= 16393,
	IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED	= 16394,
	IKE_N_NON_FIRST_FRAGMENTS_ALSO		= 16395,
	IKE_N_MOBIKE_SUPPORTED			= 16396,	/* RFC 4555 */
	IKE_N_REDIRECT_SUPPORTED		= 16406,	/* RFC 5685 */
	IKE_N_IKEV2_FRAGMENTATION_SUPPORTED	= 16430,	/* RFC 7383 */
	IKE_N_SIGNATURE_HASH_ALGORITHMS		= 16431,	/* RFC 7427 */
};
#define IKE_N_ERROR_MAX		16383

/* Sizes fixed by the RFCs. */
#define IKE_NONCE_MIN		16	/* RFC 7296 2.10 */
#define IKE_NONCE_MAX		256	/* RFC 7296 3.9 */
#define IKE_COOKIE_MAX		64	/* RFC 7296 2.6 */
#define IKE_NATD_LEN		20	/* RFC 7296 2.23: SHA-1 */
#define IKE_CHILD_SPI_LEN	4	/* RFC 7296 3.3.1: ESP/AH */
#define IKE_PSK_PAD		"Key Pad for IKEv2"	/* RFC 7296 2.15 */

#endif
