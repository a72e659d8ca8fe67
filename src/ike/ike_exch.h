/*
 * ike_exch: what the engine's exchange files (ike_exch_*.c) share: the tunnel
 * and engine internals, the output queues, message building and sealing,
 * opening and decoding a protected message.  Internal to src/ike.
 */
#ifndef TRANSIT_IKE_EXCH_H
#define TRANSIT_IKE_EXCH_H

#include "common/log.h"
#include "ike/ike_engine.h"
#include "ike/ike_sa.h"
#include "ike/ike_ts.h"

struct ike_tunnel {
	struct ike_tunnel	*next;
	struct ike_tunnel_cfg	 cfg;		/* name, proposal strings: NULL */
	char			*name;
	struct ike_proposals	 ike_prop, esp_prop;
	struct ike_ts		 pol_l, pol_r;
	uint64_t		 last_traffic_ms;
	uint64_t		 start_ms;	/* initiate at (UINT64_MAX = no) */
	bool			 admin_down;	/* deleted by command: no restarts
						 * until the next initiate */
};

struct ike_rx;

struct ike_outq {
	struct ike_outq		*next;
	struct ike_dgram	 d;
	struct ike_event	 ev;
	uint8_t			*buf;
};

struct ike_engine {
	struct ike_engine_cfg	 cfg;
	char			*name;
	struct ike_tunnel	*tunnels;
	struct ike_ikesa	*sas;
	struct ike_outq		*dq, **dq_tail;
	struct ike_outq		*eq, **eq_tail;
	uint8_t			*popped;	/* the last popped datagram */
	uint8_t			 cookie_secret[32];
	struct ike_rx		*rx;		/* decode space, one input at a time */
	struct log_ratelimit	 rl;
	struct log_ratelimit	 init_rl;	/* unauthenticated answers */
	uint32_t		 init_tick;	/* init_rl's clock: ms * this */
	/* ike_build_sk's scratch (IKE_MSG_MAX * 2, IKE_MSG_MAX), made on first
	 * use: 128 KB a message from malloc is an mmap + munmap each time. */
	uint8_t			*seal_buf, *seal_plain;
	struct ike_dh_gen	*dh_gen;	/* key generation contexts */
	uint64_t		 now;
};

/* A decoded message (or decrypted SK body). */
struct ike_rx {
	const struct ike_msg	*m;
	size_t			 n;
	struct ike_payload	 pl[IKE_MAX_PAYLOADS];
	const uint8_t		*body[IKE_MAX_PAYLOADS];	/* raw bodies */
	size_t			 blen[IKE_MAX_PAYLOADS];
	size_t			 plen;		/* decrypted bytes in plain */
	uint16_t		 bad;		/* -2: the notify to answer */
	uint8_t			 bad_pld;	/* its payload type */
	uint8_t			 plain[IKE_MSG_MAX];
};

/* Payloads for a message to build (pointers borrow the caller's data).  Start
 * with n = 0, not "= { 0 }": that would clear ~135 KB of payload slots for
 * every message (ike_mb_add clears the slot it hands out). */
struct ike_mb {
	size_t			 n;
	struct ike_payload	 pl[IKE_MAX_PAYLOADS];
};

/* ike_engine.c */
void	ike_out_dgram(struct ike_engine *, const struct ike_addr *src,
	    const struct ike_addr *dst, const uint8_t *, size_t);
struct ike_event *ike_out_event(struct ike_engine *, enum ike_event_type,
	    uint32_t tunnel);
void	ike_log(struct ike_engine *, struct ike_ikesa *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	ike_rand(struct ike_engine *, void *, size_t);
uint32_t ike_rand_spi(struct ike_engine *);
/* A D-H key pair: OpenSSL's generator, or with dh_from_rand (ECP, X25519) a
 * private value drawn from rand_bytes. */
struct ike_dh *ike_eng_dh_new(struct ike_engine *, uint16_t group);
/* When to retry a refused rekey: 10-20 s from now. */
uint64_t ike_retry_time(struct ike_engine *);
/* Rekey time: lifetime - margin - margin * fuzz% * rand (docs/ike-engine.md). */
uint64_t ike_rekey_time(struct ike_engine *, uint64_t now, uint32_t lifetime_s,
	    uint32_t margin_s, int fuzz_pct);
/* Tear an IKE SA down: Child SA delete events, IKE_SA_DOWN, state DEAD. */
void	ike_sa_down(struct ike_engine *, struct ike_ikesa *, const char *why);
/* Start the next queued request if none is in flight. */
void	ike_sa_kick(struct ike_engine *, struct ike_ikesa *);

/* ike_exch_msg.c */
struct ike_payload *ike_mb_add(struct ike_mb *, uint8_t type);
void	ike_mb_notify(struct ike_mb *, uint16_t type, uint8_t proto,
	    const uint8_t *spi, uint8_t spi_len, const uint8_t *data, size_t len);
/* Build an unprotected message (IKE_SA_INIT, or an error notify) into a fresh
 * buffer; NULL on failure. */
uint8_t	*ike_build_plain(const struct ike_hdr *, const struct ike_mb *, size_t *);
/* Build and seal a protected message for the SA (fragmented when RFC 7383
 * is on and it exceeds frag_size). */
int	ike_build_sk(struct ike_engine *, struct ike_ikesa *, uint8_t exch,
	    bool response, uint32_t msgid, const struct ike_mb *,
	    struct ike_wire *);
void	ike_wire_send(struct ike_engine *, struct ike_ikesa *,
	    const struct ike_wire *);
void	ike_wire_free(struct ike_wire *);
/* Send a protected response to the peer's current request and cache it. */
int	ike_respond(struct ike_engine *, struct ike_ikesa *, uint8_t exch,
	    uint32_t msgid, const struct ike_mb *);
/* Start a request of the given kind (msgid_next++), with retransmission. */
int	ike_request(struct ike_engine *, struct ike_ikesa *, enum ike_req_kind,
	    uint8_t exch, const struct ike_mb *);
/* Our header template for the SA. */
void	ike_hdr_for(const struct ike_ikesa *, struct ike_hdr *, uint8_t exch,
	    bool response, uint32_t msgid);
/* Open the SK payload (or collect an SKF fragment) and decode the inner
 * chain: 0 = ready, 1 = fragment kept (nothing to do yet), -1 = drop,
 * -2 = authenticated but malformed (rx->bad is the notify to answer). */
int	ike_rx_open(struct ike_engine *, struct ike_ikesa *, const struct ike_msg *,
	    struct ike_rx *);
/* Decode the unprotected payloads of a message: -1 with the notify to send. */
int	ike_rx_plain(const struct ike_msg *, struct ike_rx *, uint16_t *notify,
	    struct ike_err *);
const struct ike_payload *ike_rx_find(const struct ike_rx *, uint8_t type);
const struct ike_notify *ike_rx_notify(const struct ike_rx *, uint16_t type);
/* Notify data that is exactly one 16-bit number (INVALID_KE_PAYLOAD). */
int	ike_notify_u16(const struct ike_notify *, uint16_t *);
/* The first error notify (type < 16384), or 0. */
uint16_t ike_rx_error(const struct ike_rx *);
/* Send the peer where it is: the port we got it on, 4500 after NAT. */
void	ike_send_raw(struct ike_engine *, struct ike_ikesa *, const uint8_t *,
	    size_t);

/* ike_exch_init.c */
int	ike_init_start(struct ike_engine *, struct ike_tunnel *);
void	ike_init_recv_req(struct ike_engine *, const struct ike_msg *,
	    const struct ike_addr *src, const struct ike_addr *dst);
void	ike_init_recv_resp(struct ike_engine *, struct ike_ikesa *,
	    const struct ike_msg *);
/* NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP | port), 2.23. */
int	ike_natd_hash(const uint8_t spi_i[8], const uint8_t spi_r[8],
	    const struct ike_addr *, uint8_t out[IKE_NATD_LEN]);

/* ike_exch_auth.c */
int	ike_auth_send(struct ike_engine *, struct ike_ikesa *);
void	ike_auth_recv_req(struct ike_engine *, struct ike_ikesa *,
	    const struct ike_rx *);
void	ike_auth_recv_resp(struct ike_engine *, struct ike_ikesa *,
	    const struct ike_rx *);

/* ike_exch_child.c */
int	ike_child_rekey_start(struct ike_engine *, struct ike_ikesa *,
	    struct ike_child *);
int	ike_ike_rekey_start(struct ike_engine *, struct ike_ikesa *);
/* A new Child SA with the tunnel's policy (the tunnel has none). */
int	ike_child_create_start(struct ike_engine *, struct ike_ikesa *);
void	ike_ccs_recv_req(struct ike_engine *, struct ike_ikesa *,
	    const struct ike_rx *);
void	ike_ccs_recv_resp(struct ike_engine *, struct ike_ikesa *,
	    const struct ike_rx *);
/* Derive KEYMAT (2.17) and emit CHILD_SA_INSTALL; set the child's timers. */
int	ike_child_install(struct ike_engine *, struct ike_ikesa *,
	    struct ike_child *, const uint8_t *gir, size_t girlen,
	    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
	    bool we_initiated, uint32_t replaces);
void	ike_child_delete_event(struct ike_engine *, struct ike_ikesa *,
	    struct ike_child *);

/* ike_exch_info.c */
int	ike_info_delete_child(struct ike_engine *, struct ike_ikesa *,
	    struct ike_child *);
int	ike_info_delete_ike(struct ike_engine *, struct ike_ikesa *);
int	ike_info_dpd(struct ike_engine *, struct ike_ikesa *);
void	ike_info_recv_req(struct ike_engine *, struct ike_ikesa *,
	    const struct ike_rx *);
void	ike_info_recv_resp(struct ike_engine *, struct ike_ikesa *,
	    const struct ike_rx *);

#endif
