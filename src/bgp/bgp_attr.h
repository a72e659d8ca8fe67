/*
 * bgp_attr: internal interface between the UPDATE walker (bgp_update.c) and the
 * per-attribute parsers (bgp_attr.c).  Not for use outside src/bgp.
 */
#ifndef TRANSIT_BGP_ATTR_H
#define TRANSIT_BGP_ATTR_H

#include "bgp/bgp_msg.h"

/* One attribute as framed by the walker. */
struct bgp_attr_in {
	uint8_t		 flags;
	uint8_t		 type;
	uint16_t	 len;
	const uint8_t	*data;
	const uint8_t	*whole;		/* flags..value, the NOTIFICATION data */
	size_t		 wholelen;
};

/* AS4_PATH / AS4_AGGREGATOR seen on a 2-octet session, merged at the end. */
struct bgp_as4_in {
	bool		has_path;
	bool		has_agg;
	uint32_t	agg_as;
	uint32_t	agg_id;
	struct bgp_aspath path;
};

int	bgp_attr_parse(struct bgp_attrs *, struct bgp_as4_in *,
	    const struct bgp_attr_in *, const struct bgp_sess *, struct bgp_err *);
void	bgp_as4_merge(struct bgp_attrs *, const struct bgp_as4_in *);
int	bgp_aspath_parse(struct bgp_aspath *, const uint8_t *, size_t,
	    unsigned asz);
size_t	bgp_aspath_count(const struct bgp_aspath *);
void	bgp_aspath_merge(struct bgp_aspath *, const struct bgp_aspath *as4);

#endif
