/*
 * bgp_msg: the sans-I/O BGP-4 message codec (RFC 4271 section 4; OPEN capabilities
 * RFC 5492/4760/2918/6793/4724/7911/8654, extended optional parameters RFC 9072;
 * UPDATE attributes RFC 4271 5.1, RFC 1997, RFC 4760, RFC 6793; error handling
 * RFC 7606).  Bytes in, structures out; structures in, bytes out.
 *
 * bgp_msg_parse() takes one whole message (the caller frames the TCP stream with
 * bgp_hdr_peek()), checks the header, then validates and decodes the body.
 * Nothing here allocates: every table has a bound derived from the 4096-byte
 * message, so a legal message always fits; NLRI and withdrawn-route fields stay
 * borrowed byte ranges (validated once, read back with struct bgp_nlri_iter), so
 * the input buffer must outlive the decoded message.
 *
 * Errors are a struct bgp_err: the RFC 7606 action (docs/bgp-codec.md has the
 * table), the NOTIFICATION code/subcode/data the RFC assigns to the error (to send
 * when the action is a session reset, to log otherwise) and a human reason with the
 * numbers in it.  For an UPDATE whose action is treat-as-withdraw or attribute
 * discard the decoded message is still filled in: its withdrawn routes, NLRI and
 * MP_(UN)REACH ranges are valid and must be withdrawn (treat-as-withdraw) or
 * processed (attribute discard: the bad attribute is simply absent).
 *
 * Encoding writes through a bounded buf_writer; lengths are patched in so what
 * we send is self-consistent.  AS paths are kept merged (4-octet); the encoder
 * produces the 2-octet AS_PATH plus AS4_PATH/AS4_AGGREGATOR for an old session
 * (RFC 6793 4.2.2) by itself.
 */
#ifndef TRANSIT_BGP_MSG_H
#define TRANSIT_BGP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp/bgp_wire.h"
#include "common/buf.h"
#include "common/prefix.h"

/* Bounds; each is the most a 4096-byte message can carry, so none refuses a legal one. */
#define BGP_MAX_AFISAFI		8	/* MP / GR / add-path tuples kept per OPEN */
#define BGP_MAX_CAPA_RAW	16	/* unknown capabilities kept per OPEN */
#define BGP_MAX_ASPATH_AS	2048	/* 4096 / 2 */
#define BGP_MAX_ASPATH_SEG	1024	/* 4096 / (2 + 2) */
#define BGP_MAX_COMMUNITIES	1024	/* 4096 / 4 */
#define BGP_MAX_UNKNOWN_ATTRS	32	/* kept; more are an error (limit) */
#define BGP_NOTIFY_DATA_MAX	(BGP_MSG_MAX - BGP_NOTIFY_MIN)

/* Parameters of the session a message arrived on that change its parsing. */
struct bgp_sess {
	bool	as4;		/* both sides sent the 4-octet AS capability */
	bool	addpath_v4;	/* we receive path ids for IPv4 unicast (RFC 7911) */
	bool	addpath_v6;	/* ... for IPv6 unicast */
};

/* RFC 7606 section 2: what the receiver does about an error. */
enum bgp_action {
	BGP_ACT_NONE = 0,
	BGP_ACT_ATTR_DISCARD,	/* drop the attribute, use the rest of the UPDATE */
	BGP_ACT_WITHDRAW,	/* treat-as-withdraw: every prefix in it is withdrawn */
	BGP_ACT_RESET,		/* send the NOTIFICATION below, close the session */
};

struct bgp_err {
	enum bgp_action	action;
	uint8_t		code;		/* enum bgp_err_code */
	uint8_t		subcode;
	uint8_t		attr;		/* attribute type the error is about, or 0 */
	size_t		datalen;
	uint8_t		data[BGP_NOTIFY_DATA_MAX];
	char		reason[128];
};

struct bgp_afisafi {
	uint16_t	afi;
	uint8_t		safi;
	uint8_t		flags;		/* GR: forwarding state kept; add-path: 1 rx 2 tx */
};

struct bgp_capa_raw {
	uint8_t		 code;
	uint8_t		 len;
	const uint8_t	*data;		/* borrowed */
};

struct bgp_open {
	uint8_t		version;
	uint16_t	my_as;		/* AS_TRANS when the real one is 4-octet */
	uint16_t	hold;
	uint32_t	id;		/* BGP identifier, host order */
	/* capabilities */
	size_t		nmp;
	struct bgp_afisafi mp[BGP_MAX_AFISAFI];
	bool		route_refresh;
	bool		ext_msg;
	bool		as4;
	uint32_t	as4_value;
	bool		gr;
	uint16_t	gr_flags;	/* the 4 high bits: R, N (RFC 8538) */
	uint16_t	gr_time;	/* 12 bits, seconds */
	size_t		ngr;
	struct bgp_afisafi gr_afi[BGP_MAX_AFISAFI];
	bool		addpath;
	size_t		naddpath;
	struct bgp_afisafi addpath_afi[BGP_MAX_AFISAFI];
	size_t		nraw;
	struct bgp_capa_raw raw[BGP_MAX_CAPA_RAW];
	size_t		nbadcapa;	/* known capabilities with a bad length, ignored */
};

struct bgp_aspath {
	size_t		nseg;
	uint8_t		seg_type[BGP_MAX_ASPATH_SEG];
	uint8_t		seg_len[BGP_MAX_ASPATH_SEG];	/* ASNs in the segment */
	size_t		nas;
	uint32_t	as[BGP_MAX_ASPATH_AS];
};

struct bgp_attr_raw {
	uint8_t		 flags;
	uint8_t		 type;
	uint16_t	 len;
	const uint8_t	*data;		/* borrowed */
};

/* A validated NLRI / withdrawn-routes byte range of one AFI. */
struct bgp_nlri {
	uint16_t	 afi;
	bool		 addpath;
	const uint8_t	*data;		/* borrowed */
	size_t		 len;
};

/* Attribute presence bits: 1u << BGP_ATTR_x. */
#define BGP_HAS(a, t)	(((a)->present & (1u << (t))) != 0)

struct bgp_attrs {
	uint32_t	present;
	uint8_t		origin;
	struct bgp_aspath aspath;	/* merged with AS4_PATH (RFC 6793 4.2.3) */
	uint32_t	nexthop;	/* IPv4, host order */
	uint32_t	med;
	uint32_t	local_pref;
	uint32_t	agg_as;		/* merged with AS4_AGGREGATOR */
	uint32_t	agg_id;
	size_t		ncomm;
	uint32_t	comm[BGP_MAX_COMMUNITIES];
	/* MP_REACH_NLRI (RFC 4760 section 3) */
	uint8_t		mp_safi;
	uint8_t		mp_nhlen;	/* 4, 16 or 32 (global + link-local) */
	uint8_t		mp_nh[32];
	struct bgp_nlri	mp_reach;
	/* MP_UNREACH_NLRI */
	uint8_t		mp_unreach_safi;
	struct bgp_nlri	mp_unreach;
	/* unknown optional transitive attributes, re-advertised with Partial set */
	size_t		nunknown;
	struct bgp_attr_raw unknown[BGP_MAX_UNKNOWN_ATTRS];
	size_t		ndiscarded;	/* attributes dropped (RFC 7606 attribute discard) */
};

struct bgp_update {
	struct bgp_nlri	withdrawn;	/* IPv4 withdrawn routes */
	struct bgp_nlri	nlri;		/* IPv4 NLRI */
	struct bgp_attrs attrs;
};

struct bgp_notification {
	uint8_t		 code;
	uint8_t		 subcode;
	const uint8_t	*data;		/* borrowed */
	size_t		 len;
};

struct bgp_rrefresh {
	uint16_t	afi;
	uint8_t		subtype;	/* reserved in RFC 2918; RFC 7313 uses it */
	uint8_t		safi;
};

struct bgp_msg {
	uint8_t		type;
	uint16_t	len;
	union {
		struct bgp_open		open;
		struct bgp_update	update;
		struct bgp_notification	notification;
		struct bgp_rrefresh	rrefresh;
	} u;
};

/* One prefix read back from a struct bgp_nlri. */
struct bgp_prefix {
	uint32_t	path_id;	/* 0 without add-path */
	struct prefix	pfx;
};

struct bgp_nlri_iter {
	struct buf_reader	r;
	uint16_t		afi;
	bool			addpath;
};

/*
 * Framing: with at least BGP_HDR_LEN bytes, check the marker and the length field
 * (19..4096) and return the whole message's length; 0 when more bytes are needed;
 * -1 with err (a session reset) when the header is bad.
 */
long	bgp_hdr_peek(const uint8_t *, size_t, struct bgp_err *);

/*
 * Parse one whole message.  Returns 0 with the message decoded, or -1 with err
 * filled in; for an UPDATE with err->action BGP_ACT_ATTR_DISCARD or
 * BGP_ACT_WITHDRAW the return is 0 too, and the message is usable as above.
 * Several attribute errors in one UPDATE leave the strongest action.
 */
int	bgp_msg_parse(struct bgp_msg *, const uint8_t *, size_t,
	    const struct bgp_sess *, struct bgp_err *);

void	bgp_nlri_iter_init(struct bgp_nlri_iter *, const struct bgp_nlri *);
/* 1 with the next prefix, 0 at the end (the range was validated at parse time). */
int	bgp_nlri_next(struct bgp_nlri_iter *, struct bgp_prefix *);
size_t	bgp_nlri_count(const struct bgp_nlri *);

/* An OPEN with our AS (AS_TRANS + the AS4 capability when it needs 4 octets). */
void	bgp_open_init(struct bgp_open *, uint32_t asn, uint16_t hold, uint32_t id);
/* The peer's real AS: the AS4 capability's when present. */
uint32_t bgp_open_peer_as(const struct bgp_open *);

/*
 * Encoders append one whole message to w; 0 or -1 (did not fit, or the structure
 * cannot be encoded: err says why).
 */
int	bgp_msg_encode(const struct bgp_msg *, const struct bgp_sess *,
	    struct buf_writer *, struct bgp_err *);
int	bgp_keepalive_encode(struct buf_writer *);
int	bgp_notification_encode(struct buf_writer *, uint8_t code, uint8_t subcode,
	    const uint8_t *data, size_t len);
/* The NOTIFICATION an error asks for. */
int	bgp_err_encode(const struct bgp_err *, struct buf_writer *);

/*
 * UPDATE builder: one message with attrs (whose own NLRI ranges are ignored) and
 * as many of pfx[0..n) as fit in BGP_MSG_MAX; IPv4 prefixes go in the NLRI field,
 * IPv6 in MP_REACH_NLRI (attrs->mp_nh is the next hop); all pfx must be of one
 * family.  *used says how many were packed; call again with the rest.
 */
int	bgp_update_pack(const struct bgp_attrs *, const struct bgp_prefix *pfx,
	    size_t n, const struct bgp_sess *, struct buf_writer *, size_t *used,
	    struct bgp_err *);
/* Same for withdrawals (IPv4 withdrawn routes, or MP_UNREACH_NLRI for IPv6). */
int	bgp_withdraw_pack(const struct bgp_prefix *pfx, size_t n,
	    const struct bgp_sess *, struct buf_writer *, size_t *used,
	    struct bgp_err *);

const char *bgp_msg_type_name(uint8_t);

/* Internal to the module (bgp_*.c). */
void	bgp_err_set(struct bgp_err *, enum bgp_action, uint8_t code, uint8_t sub,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void	bgp_err_data(struct bgp_err *, const uint8_t *, size_t);
int	bgp_open_parse(struct bgp_open *, struct buf_reader *, struct bgp_err *);
int	bgp_open_encode(const struct bgp_open *, struct buf_writer *,
	    struct bgp_err *);
int	bgp_update_parse(struct bgp_update *, struct buf_reader *,
	    const struct bgp_sess *, struct bgp_err *);
int	bgp_update_encode(const struct bgp_update *, const struct bgp_sess *,
	    struct buf_writer *, struct bgp_err *);
int	bgp_attrs_encode(const struct bgp_attrs *, const struct bgp_sess *,
	    bool with_mp, struct buf_writer *, struct bgp_err *);
int	bgp_nlri_validate(struct bgp_nlri *, const uint8_t *, size_t, uint16_t afi,
	    bool addpath);
int	bgp_prefix_put(struct buf_writer *, const struct bgp_prefix *, bool addpath);
int	bgp_hdr_begin(struct buf_writer *, uint8_t type, size_t *start);
int	bgp_hdr_end(struct buf_writer *, size_t start);

#endif
