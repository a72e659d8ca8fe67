/*
 * ike_sa: the IKE SA and Child SA objects of the engine and their states
 * (RFC 7296 1.2-1.5, 2.1-2.8; docs/ike-engine.md has the state table).  The
 * payload "SA" of the codec is struct ike_sa (ike_msg.h); the security
 * association itself is struct ike_ikesa here.
 */
#ifndef TRANSIT_IKE_SA_H
#define TRANSIT_IKE_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike_crypto.h"
#include "ike/ike_engine.h"
#include "ike/ike_msg.h"
#include "ike/ike_prop.h"
#include "ike/ike_sk.h"

enum ike_sa_state {
	IKE_SA_INIT_I = 0,	/* initiator: IKE_SA_INIT request sent */
	IKE_SA_AUTH_I,		/* initiator: IKE_AUTH request sent */
	IKE_SA_INIT_R,		/* responder: IKE_SA_INIT answered (half-open) */
	IKE_SA_ESTABLISHED,
	IKE_SA_REKEYED,		/* replaced by a rekey; the old one, going */
	IKE_SA_DELETING,	/* our Delete of the IKE SA is in flight */
	IKE_SA_DEAD,		/* freed at the end of the current input/timer */
};

enum ike_child_state {
	IKE_CHILD_ACTIVE = 0,
	IKE_CHILD_REKEYING,	/* our rekey request for it is in flight */
	IKE_CHILD_REKEYED,	/* replaced; the rekey initiator deletes it */
	IKE_CHILD_DELETING,	/* our Delete for it is in flight */
};

struct ike_child {
	struct ike_child	*next;
	enum ike_child_state	 state;
	bool			 del_sent;	/* DELETING: request started */
	uint32_t		 spi_in, spi_out;
	struct ike_alg		 alg;
	struct ike_ts		 ts_l, ts_r;	/* ours, the peer's */
	uint64_t		 created_ms, rekey_ms, expire_ms;
};

/* One message as it goes on the wire: one datagram, or its RFC 7383
 * fragments back to back. */
#define IKE_FRAG_SEND_MAX	16
struct ike_wire {
	uint8_t		*buf;
	size_t		 len;
	size_t		 nparts;
	size_t		 part[IKE_FRAG_SEND_MAX];
};

/* RFC 7383 2.6: reassembly of one fragmented message (bounded by
 * IKE_MAX_FRAGMENTS fragments and IKE_MSG_MAX bytes). */
struct ike_frags {
	uint32_t	 msgid;
	bool		 resp;
	uint16_t	 total, got;
	uint8_t		 first;
	size_t		 bytes;
	uint8_t		*part[IKE_MAX_FRAGMENTS + 1];
	size_t		 plen[IKE_MAX_FRAGMENTS + 1];
};

/* What our outstanding request (window size 1, 2.3) is about. */
enum ike_req_kind {
	IKE_REQ_NONE = 0,
	IKE_REQ_INIT,
	IKE_REQ_AUTH,
	IKE_REQ_REKEY_CHILD,
	IKE_REQ_CREATE_CHILD,	/* the tunnel lost its pair: a new one */
	IKE_REQ_REKEY_IKE,
	IKE_REQ_DELETE_CHILD,
	IKE_REQ_DELETE_IKE,
	IKE_REQ_DPD,
};

/* Queued requests, started one at a time. */
#define IKE_PEND_REKEY_CHILD	0x01
#define IKE_PEND_REKEY_IKE	0x02
#define IKE_PEND_DELETE_IKE	0x04
#define IKE_PEND_DPD		0x08
#define IKE_PEND_DELETE_CHILD	0x10	/* children in DELETING without a request */

struct ike_req {
	enum ike_req_kind	 kind;
	uint32_t		 msgid;
	struct ike_wire		 out;		/* for retransmission */
	uint32_t		 tries;		/* retransmissions so far */
	bool			 ke_retried;	/* INVALID_KE_PAYLOAD followed */
	uint64_t		 next_ms;	/* next retransmission */
	uint64_t		 deadline_ms;	/* give up (DPD timeout) */
	/* Rekey context. */
	struct ike_child	*child;		/* the old child, delete target */
	uint32_t		 new_spi;	/* child: our new inbound SPI */
	uint8_t			 new_ike_spi[IKE_SPI_LEN];
	uint8_t			 nonce[IKE_NONCE_MAX];
	size_t			 nonce_len;
	struct ike_dh		*dh;
	/* 2.8.1: the peer's rekey of the same SA, answered meanwhile. */
	struct ike_child	*coll_child;
	struct ike_ikesa	*coll_ike;
	uint8_t			 coll_min[IKE_NONCE_MAX];
	size_t			 coll_min_len;
};

struct ike_tunnel;

struct ike_ikesa {
	struct ike_ikesa	*next;
	struct ike_tunnel	*tun;
	enum ike_sa_state	 state;
	bool			 initiator;	/* original initiator (I flag) */
	uint8_t			 spi_i[IKE_SPI_LEN], spi_r[IKE_SPI_LEN];
	struct ike_addr		 local, remote;
	bool			 natt;		/* NAT detected: port 4500 */

	struct ike_alg		 alg;
	struct ike_suite	 suite;
	struct ike_keys		 keys;
	bool			 have_keys;
	uint8_t			 ni[IKE_NONCE_MAX], nr[IKE_NONCE_MAX];
	size_t			 ni_len, nr_len;
	struct ike_dh		*dh;
	uint8_t			 cookie[IKE_COOKIE_MAX];
	size_t			 cookie_len;
	unsigned		 init_rounds;	/* COOKIE / INVALID_KE retries */
	/* The IKE_SA_INIT messages, signed by AUTH (2.15). */
	uint8_t			*init_req, *init_resp;
	size_t			 init_req_len, init_resp_len;

	/* 2.2: our next request ID, the next request ID we expect. */
	uint32_t		 msgid_next, peer_msgid;
	struct ike_wire		 resp;		/* last response, replayed */
	bool			 have_resp;
	bool			 frag_ok;	/* RFC 7383 negotiated */
	struct ike_frags	 rxf;
	struct ike_req		 req;
	unsigned		 pending;
	uint64_t		 gcm_iv;	/* explicit IV counter (RFC 5282) */

	/* IKE_AUTH as initiator: the Child SA proposed. */
	uint32_t		 auth_spi;

	struct ike_child	*children;
	uint64_t		 create_ms;	/* original initiator: re-create the
						 * missing pair at (UINT64_MAX: no) */
	unsigned		 create_fails;
	uint64_t		 created_ms, rekey_ms, half_open_ms;
	uint64_t		 last_in_ms;	/* last authenticated input */
};

struct ike_ikesa *ike_ikesa_new(struct ike_engine *, struct ike_tunnel *,
	    bool initiator, uint64_t now_ms);
/* Unlink and free: wipes keys, frees children (no events). */
void	ike_ikesa_free(struct ike_engine *, struct ike_ikesa *);
struct ike_ikesa *ike_ikesa_find(struct ike_engine *, const uint8_t spi_i[8],
	    const uint8_t spi_r[8], bool from_initiator);
/* Our SPI and the peer's. */
const uint8_t *ike_ikesa_spi_local(const struct ike_ikesa *);
/* Per-direction SK keys: ours to seal, the peer's to open. */
void	ike_ikesa_sk_keys(const struct ike_ikesa *, bool ours, struct ike_sk_keys *);
void	ike_ikesa_req_clear(struct ike_req *);
void	ike_frags_clear(struct ike_frags *);
/* Derive the IKE SA keys from g^ir (2.14) or, with old != NULL, from the old
 * SA's SK_d (2.18). */
int	ike_ikesa_derive(struct ike_ikesa *, const struct ike_ikesa *old,
	    const uint8_t *gir, size_t girlen);

struct ike_child *ike_child_new(struct ike_ikesa *);
void	ike_child_free(struct ike_ikesa *, struct ike_child *);
struct ike_child *ike_child_by_spi_in(struct ike_ikesa *, uint32_t);
struct ike_child *ike_child_by_spi_out(struct ike_ikesa *, uint32_t);
size_t	ike_ikesa_n_children(const struct ike_ikesa *);

#endif
