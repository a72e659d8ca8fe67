/*
 * prefix: IP addresses and CIDR prefixes, IPv4 today with room for IPv6 (the family
 * travels with every value).  Addresses are kept as network-order bytes; helpers give
 * IPv4 as a host-order uint32 for the data plane and the FIB.
 */
#ifndef TRANSIT_PREFIX_H
#define TRANSIT_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pfx_family {
	PFX_NONE = 0,
	PFX_V4 = 4,
	PFX_V6 = 6,
};

struct ipaddr {
	uint8_t	family;
	uint8_t	addr[16];
};

struct prefix {
	uint8_t	family;
	uint8_t	len;
	uint8_t	addr[16];	/* host bits are always zero */
};

/* Big enough for "255.255.255.255/32" and any IPv6 prefix. */
#define PREFIX_STRLEN	48

/*
 * Parse "a.b.c.d/len" (or an IPv6 prefix).  Host bits must be zero; on error a
 * human sentence goes to err (e.g. "host bits set in 10.0.0.1/8; did you mean
 * 10.0.0.0/8?") and -1 is returned.
 */
int	 prefix_parse(const char *, struct prefix *, char *err, size_t errlen);
int	 addr_parse(const char *, struct ipaddr *, char *err, size_t errlen);
const char *prefix_fmt(const struct prefix *, char *buf, size_t len);
const char *addr_fmt(const struct ipaddr *, char *buf, size_t len);

void	 prefix_from_v4(struct prefix *, uint32_t host_order, uint8_t len);
void	 addr_from_v4(struct ipaddr *, uint32_t host_order);
uint32_t prefix_v4(const struct prefix *);	/* host order */
uint32_t addr_v4(const struct ipaddr *);	/* host order */
unsigned prefix_maxlen(uint8_t family);

bool	 prefix_eq(const struct prefix *, const struct prefix *);
/* Order by family, then address, then length (shorter first). */
int	 prefix_cmp(const struct prefix *, const struct prefix *);
/* True when inner lies entirely within outer (equal counts). */
bool	 prefix_contains(const struct prefix *outer, const struct prefix *inner);
bool	 prefix_contains_addr(const struct prefix *, const struct ipaddr *);
bool	 prefix_overlaps(const struct prefix *, const struct prefix *);
bool	 addr_eq(const struct ipaddr *, const struct ipaddr *);
/* The n-th address of the prefix (n = 1 is the first host of a /30). */
int	 prefix_nth(const struct prefix *, uint32_t n, struct ipaddr *);

#endif
