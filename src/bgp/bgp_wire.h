/*
 * bgp_wire: BGP-4 wire constants (RFC 4271 section 4, with the numbers later RFCs
 * added).  Sizes, type codes, flags, error codes; no structures are ever cast over
 * received bytes (style.md, rule 7).
 */
#ifndef TRANSIT_BGP_WIRE_H
#define TRANSIT_BGP_WIRE_H

#define BGP_PORT		179
#define BGP_MARKER_LEN		16
#define BGP_HDR_LEN		19	/* marker, length, type (4.1) */
#define BGP_MSG_MAX		4096	/* 4.1; RFC 8654 extended messages not done */
#define BGP_VERSION		4
#define BGP_AS_TRANS		23456	/* RFC 6793 section 9 */
#define BGP_OPEN_MIN		29	/* 4.2 */
#define BGP_UPDATE_MIN		23	/* 4.3 */
#define BGP_NOTIFY_MIN		21	/* 4.5 */
#define BGP_RREFRESH_LEN	23	/* RFC 2918 section 3 */

enum bgp_msg_type {			/* 4.1 */
	BGP_OPEN = 1,
	BGP_UPDATE = 2,
	BGP_NOTIFICATION = 3,
	BGP_KEEPALIVE = 4,
	BGP_ROUTE_REFRESH = 5,		/* RFC 2918 */
};

enum bgp_opt_param {			/* 4.2 */
	BGP_OPT_CAPABILITIES = 2,	/* RFC 5492 */
	BGP_OPT_EXTENDED = 255,		/* RFC 9072 section 2 marker */
};

enum bgp_capa {
	BGP_CAPA_MP = 1,		/* RFC 4760 section 8 */
	BGP_CAPA_ROUTE_REFRESH = 2,	/* RFC 2918 */
	BGP_CAPA_EXT_MSG = 6,		/* RFC 8654 */
	BGP_CAPA_GRACEFUL_RESTART = 64,	/* RFC 4724 */
	BGP_CAPA_AS4 = 65,		/* RFC 6793 */
	BGP_CAPA_ADD_PATH = 69,		/* RFC 7911 */
};

enum bgp_afi {
	BGP_AFI_IPV4 = 1,
	BGP_AFI_IPV6 = 2,
};

enum bgp_safi {
	BGP_SAFI_UNICAST = 1,
};

enum bgp_attr_flag {			/* 4.3 */
	BGP_ATTR_OPTIONAL = 0x80,
	BGP_ATTR_TRANSITIVE = 0x40,
	BGP_ATTR_PARTIAL = 0x20,
	BGP_ATTR_EXTLEN = 0x10,
};

enum bgp_attr_type {
	BGP_ATTR_ORIGIN = 1,		/* 5.1.1 */
	BGP_ATTR_AS_PATH = 2,		/* 5.1.2 */
	BGP_ATTR_NEXT_HOP = 3,		/* 5.1.3 */
	BGP_ATTR_MED = 4,		/* 5.1.4 */
	BGP_ATTR_LOCAL_PREF = 5,	/* 5.1.5 */
	BGP_ATTR_ATOMIC_AGGREGATE = 6,	/* 5.1.6 */
	BGP_ATTR_AGGREGATOR = 7,	/* 5.1.7 */
	BGP_ATTR_COMMUNITIES = 8,	/* RFC 1997 */
	BGP_ATTR_MP_REACH_NLRI = 14,	/* RFC 4760 section 3 */
	BGP_ATTR_MP_UNREACH_NLRI = 15,	/* RFC 4760 section 4 */
	BGP_ATTR_AS4_PATH = 17,		/* RFC 6793 */
	BGP_ATTR_AS4_AGGREGATOR = 18,	/* RFC 6793 */
};

enum bgp_origin {
	BGP_ORIGIN_IGP = 0,
	BGP_ORIGIN_EGP = 1,
	BGP_ORIGIN_INCOMPLETE = 2,
};

enum bgp_seg_type {
	BGP_AS_SET = 1,			/* 4.3 */
	BGP_AS_SEQUENCE = 2,
	BGP_AS_CONFED_SEQUENCE = 3,	/* RFC 5065 */
	BGP_AS_CONFED_SET = 4,
};

enum bgp_err_code {			/* 4.5 */
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD_TIMER = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_ROUTE_REFRESH = 7,	/* RFC 7313 */
};

enum bgp_err_header {			/* 6.1 */
	BGP_ERR_HDR_NOT_SYNC = 1,
	BGP_ERR_HDR_BAD_LENGTH = 2,
	BGP_ERR_HDR_BAD_TYPE = 3,
};

enum bgp_err_open {			/* 6.2 */
	BGP_ERR_OPEN_VERSION = 1,
	BGP_ERR_OPEN_BAD_PEER_AS = 2,
	BGP_ERR_OPEN_BAD_ID = 3,
	BGP_ERR_OPEN_OPT_PARAM = 4,
	BGP_ERR_OPEN_HOLD_TIME = 6,
	BGP_ERR_OPEN_CAPABILITY = 7,	/* RFC 5492 */
};

enum bgp_err_update {			/* 6.3 */
	BGP_ERR_UPD_ATTR_LIST = 1,
	BGP_ERR_UPD_UNKNOWN_WELLKNOWN = 2,
	BGP_ERR_UPD_MISSING_WELLKNOWN = 3,
	BGP_ERR_UPD_ATTR_FLAGS = 4,
	BGP_ERR_UPD_ATTR_LENGTH = 5,
	BGP_ERR_UPD_ORIGIN = 6,
	BGP_ERR_UPD_NEXT_HOP = 8,
	BGP_ERR_UPD_OPTIONAL_ATTR = 9,
	BGP_ERR_UPD_NETWORK = 10,
	BGP_ERR_UPD_AS_PATH = 11,
};

#endif
