/*
 * prefix: see prefix.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/prefix.h"

unsigned
prefix_maxlen(uint8_t family)
{
	return family == PFX_V6 ? 128 : 32;
}

static void
mask_bytes(uint8_t *a, unsigned len, unsigned maxlen)
{
	unsigned i;

	for (i = 0; i < maxlen / 8; i++) {
		if (len >= (i + 1) * 8)
			continue;
		if (len <= i * 8)
			a[i] = 0;
		else
			a[i] &= (uint8_t)(0xff << (8 - (len - i * 8)));
	}
}

int
addr_parse(const char *s, struct ipaddr *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->addr) == 1) {
		a->family = PFX_V4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->addr) == 1) {
		a->family = PFX_V6;
		return 0;
	}
	if (err != NULL)
		snprintf(err, errlen, "'%s' is not an IP address (expected e.g. 192.0.2.1)", s);
	return -1;
}

int
prefix_parse(const char *s, struct prefix *p, char *err, size_t errlen)
{
	char tmp[64], *slash, *end, fixed[PREFIX_STRLEN];
	struct ipaddr a;
	unsigned long len;
	struct prefix norm;

	memset(p, 0, sizeof(*p));
	if (strlen(s) >= sizeof(tmp) || (slash = strchr(s, '/')) == NULL) {
		if (err != NULL)
			snprintf(err, errlen, "'%s' is not a CIDR prefix (expected e.g. 10.0.0.0/8)", s);
		return -1;
	}
	memcpy(tmp, s, (size_t)(slash - s));
	tmp[slash - s] = '\0';
	if (addr_parse(tmp, &a, NULL, 0) == -1) {
		if (err != NULL)
			snprintf(err, errlen, "'%s' is not a CIDR prefix (expected e.g. 10.0.0.0/8)", s);
		return -1;
	}
	len = strtoul(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end != '\0' || len > prefix_maxlen(a.family) ||
	    slash[1] == '-' || slash[1] == '+' || slash[1] == ' ') {
		if (err != NULL)
			snprintf(err, errlen, "'%s': prefix length must be 0-%u", s,
			    prefix_maxlen(a.family));
		return -1;
	}
	norm.family = a.family;
	norm.len = (uint8_t)len;
	memcpy(norm.addr, a.addr, sizeof(norm.addr));
	mask_bytes(norm.addr, norm.len, prefix_maxlen(a.family));
	if (memcmp(norm.addr, a.addr, sizeof(a.addr)) != 0) {
		if (err != NULL)
			snprintf(err, errlen, "host bits set in %s; did you mean %s?", s,
			    prefix_fmt(&norm, fixed, sizeof(fixed)));
		return -1;
	}
	*p = norm;
	return 0;
}

const char *
addr_fmt(const struct ipaddr *a, char *buf, size_t len)
{
	if (a->family == PFX_V6)
		inet_ntop(AF_INET6, a->addr, buf, (socklen_t)len);
	else if (a->family == PFX_V4)
		inet_ntop(AF_INET, a->addr, buf, (socklen_t)len);
	else
		snprintf(buf, len, "-");
	return buf;
}

const char *
prefix_fmt(const struct prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (p->family == PFX_NONE) {
		snprintf(buf, len, "-");
		return buf;
	}
	inet_ntop(p->family == PFX_V6 ? AF_INET6 : AF_INET, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

void
prefix_from_v4(struct prefix *p, uint32_t v, uint8_t len)
{
	memset(p, 0, sizeof(*p));
	p->family = PFX_V4;
	p->len = len > 32 ? 32 : len;
	if (p->len < 32)
		v &= p->len == 0 ? 0 : ~(uint32_t)0 << (32 - p->len);
	p->addr[0] = (uint8_t)(v >> 24);
	p->addr[1] = (uint8_t)(v >> 16);
	p->addr[2] = (uint8_t)(v >> 8);
	p->addr[3] = (uint8_t)v;
}

void
addr_from_v4(struct ipaddr *a, uint32_t v)
{
	memset(a, 0, sizeof(*a));
	a->family = PFX_V4;
	a->addr[0] = (uint8_t)(v >> 24);
	a->addr[1] = (uint8_t)(v >> 16);
	a->addr[2] = (uint8_t)(v >> 8);
	a->addr[3] = (uint8_t)v;
}

uint32_t
prefix_v4(const struct prefix *p)
{
	return (uint32_t)p->addr[0] << 24 | (uint32_t)p->addr[1] << 16 |
	    (uint32_t)p->addr[2] << 8 | p->addr[3];
}

uint32_t
addr_v4(const struct ipaddr *a)
{
	return (uint32_t)a->addr[0] << 24 | (uint32_t)a->addr[1] << 16 |
	    (uint32_t)a->addr[2] << 8 | a->addr[3];
}

bool
prefix_eq(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

int
prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (c != 0)
		return c < 0 ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

static bool
bits_match(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool
prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	if (outer->family != inner->family || inner->len < outer->len)
		return false;
	return bits_match(outer->addr, inner->addr, outer->len);
}

bool
prefix_contains_addr(const struct prefix *p, const struct ipaddr *a)
{
	if (p->family != a->family)
		return false;
	return bits_match(p->addr, a->addr, p->len);
}

bool
prefix_overlaps(const struct prefix *a, const struct prefix *b)
{
	return prefix_contains(a, b) || prefix_contains(b, a);
}

bool
addr_eq(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

int
prefix_nth(const struct prefix *p, uint32_t n, struct ipaddr *out)
{
	uint32_t base, size;

	if (p->family != PFX_V4)
		return -1;
	size = p->len == 0 ? 0 : (uint32_t)1 << (32 - p->len);
	if (p->len != 0 && n >= size)
		return -1;
	base = prefix_v4(p);
	addr_from_v4(out, base + n);
	return 0;
}
