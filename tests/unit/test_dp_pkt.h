/*
 * Test helpers for the dp_ tests: build IPv4/TCP/UDP/ICMP packets by hand and check
 * checksums with a naive RFC 1071 reference that shares no code with dp_csum.
 */
#ifndef TEST_DP_PKT_H
#define TEST_DP_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* RFC 1071 section 1, the plain way: big-endian 16-bit words, fold, complement. */
static inline uint16_t
ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len % 2)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static inline uint16_t
ref_csum(const uint8_t *p, size_t len)
{
	return (uint16_t)~ref_sum(p, len, 0);
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

#define IP(a, b, c, d)	\
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

struct pkt_spec {
	uint32_t	 src, dst;
	uint8_t		 proto, ttl, tos;
	uint16_t	 id;
	uint16_t	 frag;		/* flags | offset in 8-byte units (wire) */
	const uint8_t	*opts;		/* IP options, length a multiple of 4 */
	size_t		 optlen;
	const uint8_t	*payload;
	size_t		 paylen;
};

static inline struct pkt_spec
pkt_default(void)
{
	struct pkt_spec s = {
		.src = IP(10, 0, 0, 1), .dst = IP(192, 168, 1, 2),
		.proto = 17, .ttl = 64, .id = 0x1234,
	};
	return s;
}

/* Write an IPv4 packet into buf; returns its length. */
static inline size_t
pkt_build(uint8_t *buf, const struct pkt_spec *s)
{
	size_t ihl = 20 + s->optlen;

	buf[0] = (uint8_t)(0x40 | ihl / 4);
	buf[1] = s->tos;
	wr16(buf + 2, (uint16_t)(ihl + s->paylen));
	wr16(buf + 4, s->id);
	wr16(buf + 6, s->frag);
	buf[8] = s->ttl;
	buf[9] = s->proto;
	wr16(buf + 10, 0);
	wr32(buf + 12, s->src);
	wr32(buf + 16, s->dst);
	if (s->optlen)
		memcpy(buf + 20, s->opts, s->optlen);
	if (s->paylen)
		memcpy(buf + ihl, s->payload, s->paylen);
	wr16(buf + 10, ref_csum(buf, ihl));
	return ihl + s->paylen;
}

/* Fill a TCP/UDP checksum (at csum_off within the L4 data) from scratch. */
static inline void
l4_fill_csum(uint8_t *ip, size_t l4off, size_t l4len, size_t csum_off)
{
	uint8_t ph[12];
	uint32_t s;

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	wr16(ph + 10, (uint16_t)l4len);
	wr16(ip + l4off + csum_off, 0);
	s = ref_sum(ph, sizeof(ph), 0);
	s = ref_sum(ip + l4off, l4len, s);
	wr16(ip + l4off + csum_off, (uint16_t)~s);
}

/* True when the L4 checksum verifies from scratch. */
static inline int
l4_csum_ok(const uint8_t *ip, size_t l4off, size_t l4len)
{
	uint8_t ph[12];
	uint32_t s;

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	wr16(ph + 10, (uint16_t)l4len);
	s = ref_sum(ph, sizeof(ph), 0);
	s = ref_sum(ip + l4off, l4len, s);
	return s == 0xffff;
}

/* Deterministic xorshift64* for reproducible "random" tests. */
static inline uint64_t
rnd(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return *st * 0x2545f4914f6cdd1dull;
}

#endif
