/*
 * esp_wire: every size and constant of the ESP wire format in one place (style.md
 * practice 7).  RFC 4303 (ESP), RFC 4106 (AES-GCM in ESP), RFC 3602 (AES-CBC),
 * RFC 4868 (HMAC-SHA-256-128), RFC 2404 (HMAC-SHA1-96), RFC 3948 (UDP
 * encapsulation), RFC 6479 (replay bitmap).  Nothing here is ever cast over a
 * packet: packets are read through the bounded cursor (common/buf.h).
 *
 *   0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |               Security Parameters Index (SPI)                 |
 *   |                      Sequence Number (low 32 bits)            |
 *   |                 IV (8 bytes GCM, 16 bytes CBC)                |
 *   |        Payload (inner IP packet) ... Padding 1,2,3,...        |
 *   |                               |  Pad Length   | Next Header   |
 *   |                 ICV (16 bytes, 12 for SHA1-96)                |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#ifndef TRANSIT_ESP_WIRE_H
#define TRANSIT_ESP_WIRE_H

/* RFC 4303 sec 2: SPI + sequence number. */
#define ESP_HDR_LEN		8
/* RFC 4303 sec 2.4/2.5: Pad Length + Next Header. */
#define ESP_TRAILER_LEN		2
/* RFC 4303 sec 2.4: the ciphertext ends on a 4-byte boundary at least. */
#define ESP_MIN_ALIGN		4
/* RFC 4303 sec 2.4: at most 255 bytes of padding. */
#define ESP_MAX_PAD		255

/* RFC 4303 sec 2.1: SPIs 1..255 are reserved by IANA, 0 is local use only. */
#define ESP_SPI_MIN		256

/* RFC 4106 sec 3/4: 8-byte explicit IV, 4-byte salt, nonce = salt || IV. */
#define ESP_GCM_IV_LEN		8
#define ESP_GCM_SALT_LEN	4
#define ESP_GCM_NONCE_LEN	12
#define ESP_GCM_ICV_LEN		16
/* RFC 3602 sec 3: the IV is one cipher block. */
#define ESP_CBC_IV_LEN		16
#define ESP_AES_BLOCK		16
/* RFC 4868 sec 2.3: HMAC-SHA-256 truncated to 128 bits, key 32 bytes. */
#define ESP_SHA256_ICV_LEN	16
#define ESP_SHA256_KEY_LEN	32
/* RFC 2404 sec 2: HMAC-SHA1 truncated to 96 bits, key 20 bytes. */
#define ESP_SHA1_ICV_LEN	12
#define ESP_SHA1_KEY_LEN	20

/* Largest IV, ICV and key material of any supported transform. */
#define ESP_MAX_IV_LEN		16
#define ESP_MAX_ICV_LEN		16
#define ESP_MAX_KEYMAT_LEN	64	/* AES-256 key + SHA-256 key */

/* GCM AAD (RFC 4106 sec 5): SPI || seq, or SPI || seq high || seq low with ESN. */
#define ESP_AAD_LEN		8
#define ESP_AAD_ESN_LEN		12

/* Next Header values (IANA protocol numbers; RFC 4303 sec 2.6). */
enum esp_next_hdr {
	ESP_NH_IPV4 = 4,	/* tunnel mode, IPv4 inside (RFC 2003 number) */
	ESP_NH_IPV6 = 41,	/* tunnel mode, IPv6 inside */
	ESP_NH_NONE = 59,	/* dummy packet (RFC 4303 sec 2.6): drop silently */
};

/* Inner header sizes checked after decryption. */
#define ESP_IPV4_HDR_MIN	20
#define ESP_IPV6_HDR_LEN	40

/*
 * Anti-replay (RFC 4303 sec 3.4.3, RFC 6479).  Window sizes are in packets and are
 * rounded up to a multiple of 64 bits.
 */
#define ESP_REPLAY_DEFAULT	1024
#define ESP_REPLAY_MIN		64
#define ESP_REPLAY_MAX		8192

/* RFC 4303 sec 3.3.3: without ESN the counter must not cycle past 2^32 - 1. */
#define ESP_SEQ_MAX_32		0xffffffffull
#define ESP_SEQ_MAX_64		0xffffffffffffffffull
/* A soft "rekey soon" signal this many packets before the counter runs out. */
#define ESP_SEQ_SOFT_MARGIN	(1ull << 24)

/* RFC 3948 sec 2.2/2.3: what arrives on UDP 4500. */
#define ESP_UDP_NON_ESP_MARKER	4	/* four zero bytes in front of IKE */
#define ESP_UDP_KEEPALIVE_BYTE	0xff	/* single-byte NAT keepalive */

#endif
