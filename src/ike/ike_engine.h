/*
 * ike_engine: the sans-I/O IKEv2 exchange engine (RFC 7296; docs/ike-engine.md).
 *
 * One engine per local gateway endpoint holds the configured tunnels and their
 * IKE SAs.  The caller feeds it datagrams (ike_engine_input), the time
 * (ike_engine_timer) and commands (initiate, rekey, delete), and drains what the
 * engine produced: datagrams to send, events (Child SA install/delete with keys,
 * IKE SA up/down) and the next wake-up time.  The engine never touches a socket,
 * a clock or src/esp: randomness comes from the configured callback, the daemon
 * applies the events to the SADB.
 */
#ifndef TRANSIT_IKE_ENGINE_H
#define TRANSIT_IKE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/prefix.h"
#include "esp/esp_wire.h"
#include "ike/ike_msg.h"
#include "ike/ike_prop.h"

#define IKE_PORT		500
#define IKE_NATT_PORT		4500
#define IKE_CFG_ID_MAX		256
#define IKE_CFG_PSK_MAX		128
#define IKE_TS_CFG_MAX		16
#define IKE_EVENT_TEXT		160

struct ike_addr {
	struct ipaddr	ip;
	uint16_t	port;
};

struct ike_idcfg {
	uint8_t		type;		/* IKE_ID_IPV4_ADDR, _FQDN, _KEY_ID ...; 0 =
					 * local: our address / remote: any */
	uint8_t		data[IKE_CFG_ID_MAX];
	size_t		len;
};

enum ike_dpd_action {
	IKE_DPD_CLEAR = 0,	/* tear down, events (AWS default) */
	IKE_DPD_RESTART,	/* tear down and initiate again */
	IKE_DPD_NONE,		/* keep everything */
};

enum ike_startup {
	IKE_STARTUP_ADD = 0,	/* never initiate (AWS default) */
	IKE_STARTUP_START,	/* initiate at once and after failures */
};

/* One tunnel: a peer and the one Child SA pair it carries. */
struct ike_tunnel_cfg {
	uint32_t		id;		/* the caller's tunnel id, in events */
	const char		*name;		/* for logs; copied */
	struct ike_addr		 local, remote;
	uint16_t		 natt_port;	/* the peer's NAT-T port; 0 = 4500 */
	struct ike_idcfg	 id_local, id_remote;
	uint8_t			 psk[IKE_CFG_PSK_MAX];
	size_t			 psk_len;
	const char		*ike_proposals;	/* profile name or suite list */
	const char		*esp_proposals;
	struct prefix		 ts_local[IKE_TS_CFG_MAX];
	struct prefix		 ts_remote[IKE_TS_CFG_MAX];
	size_t			 n_local, n_remote;
	uint32_t		 ike_lifetime_s;	/* 0 = 28800 */
	uint32_t		 child_lifetime_s;	/* 0 = 3600 */
	uint32_t		 rekey_margin_s;	/* 0 = 270 */
	int			 rekey_fuzz_pct;	/* 0 = 100, < 0 = none */
	uint32_t		 dpd_interval_s;	/* idle before a probe; 0 = 10 */
	uint32_t		 dpd_timeout_s;		/* 0 = 30 */
	enum ike_dpd_action	 dpd_action;
	enum ike_startup	 startup;
	bool			 multi_child;	/* false: one pair (AWS, beh. 27) */
};

struct ike_engine_cfg {
	/* Randomness for SPIs, nonces, IVs, cookie secret, rekey fuzz. */
	void		(*rand_bytes)(void *buf, size_t len, void *arg);
	void		*rand_arg;
	uint32_t	 retrans_base_ms;	/* 0 = 500 */
	uint32_t	 retrans_tries;		/* 0 = 5 */
	int		 cookie_threshold;	/* half-open SAs; 0 = 30, < 0 =
						 * always ask */
	uint32_t	 half_open_timeout_ms;	/* 0 = 30000 */
	uint32_t	 block_threshold;	/* half-open per peer IP; 0 = 5 */
	uint32_t	 init_rate;		/* IKE_SA_INIT requests answered a
						 * second (K7); 0 = 1000 */
	size_t		 nonce_len;		/* 0 = 32 */
	size_t		 frag_size;		/* RFC 7383: fragment protected
						 * messages above; 0 = 1280 */
	bool		 frag_disable;		/* neither offer nor use it */
	/* ECP and X25519 private keys from rand_bytes too (tests: every byte
	 * the engine sends is then a function of its inputs). */
	bool		 dh_from_rand;
	const char	*name;			/* log prefix */
};

struct ike_dgram {
	struct ike_addr	 src, dst;
	const uint8_t	*data;		/* valid until the next pop */
	size_t		 len;
};

enum ike_event_type {
	IKE_EV_CHILD_SA_INSTALL = 1,
	IKE_EV_CHILD_SA_DELETE,
	IKE_EV_IKE_SA_UP,
	IKE_EV_IKE_SA_REKEYED,
	IKE_EV_IKE_SA_DOWN,
	IKE_EV_LOG,
};

struct ike_child_install {
	uint32_t	spi_in, spi_out;
	int		esp_xform;	/* enum esp_xform_id */
	uint16_t	encr, keybits, integ;	/* the IKE transform numbers */
	/* Layout as esp_xform.h: enc key (|| salt for GCM) || integ key. */
	uint8_t		keymat_in[ESP_MAX_KEYMAT_LEN];
	uint8_t		keymat_out[ESP_MAX_KEYMAT_LEN];
	size_t		keymat_len;
	struct prefix	ts_local[IKE_TS_CFG_MAX], ts_remote[IKE_TS_CFG_MAX];
	size_t		n_local, n_remote;
	uint64_t	soft_s, hard_s;	/* lifetimes from now (soft = rekey) */
	bool		esn;
	bool		natt;		/* NAT detected: UDP 4500 is a must */
	uint32_t	replaces_spi_in;	/* rekey: the old pair, or 0 */
	/*
	 * A rekey the peer initiated (RFC 7296 2.8): it installs the new pair
	 * only when our response arrives, so keep sending on the old outbound
	 * SA until the peer shows it has the new one (traffic on the new
	 * inbound SA, or its Delete of the old pair).
	 */
	bool		defer_out;
};

struct ike_event {
	enum ike_event_type	type;
	uint32_t		tunnel;
	struct ike_child_install child;		/* INSTALL */
	uint32_t		spi_in, spi_out;	/* DELETE */
	char			text[IKE_EVENT_TEXT];	/* reason / log line */
};

struct ike_engine;

struct ike_engine *ike_engine_new(const struct ike_engine_cfg *);
/* Wipes every key; emits nothing. */
void	ike_engine_free(struct ike_engine *);
/* Add a tunnel; -1 with a sentence in err (bad proposals, ...).  With startup
 * "start" the first ike_engine_timer() call initiates. */
int	ike_engine_add_tunnel(struct ike_engine *, const struct ike_tunnel_cfg *,
	    char *err, size_t errlen);

/* A datagram received (non-ESP marker already stripped). */
void	ike_engine_input(struct ike_engine *, uint64_t now_ms,
	    const struct ike_addr *src, const struct ike_addr *dst,
	    const uint8_t *, size_t);
void	ike_engine_timer(struct ike_engine *, uint64_t now_ms);
/* Inbound ESP on the tunnel: liveness for DPD (2.4). */
void	ike_engine_traffic_seen(struct ike_engine *, uint32_t tunnel,
	    uint64_t now_ms);
/* Commands; -1 when the tunnel is unknown or not in a state to do it. */
int	ike_engine_initiate(struct ike_engine *, uint32_t tunnel, uint64_t now_ms);
int	ike_engine_rekey_child(struct ike_engine *, uint32_t tunnel,
	    uint64_t now_ms);
int	ike_engine_rekey_ike(struct ike_engine *, uint32_t tunnel,
	    uint64_t now_ms);
int	ike_engine_delete(struct ike_engine *, uint32_t tunnel, uint64_t now_ms);

/* Outputs. */
bool	ike_engine_pop_dgram(struct ike_engine *, struct ike_dgram *);
/* The caller wipes an INSTALL event's keys (ike_event_wipe) once applied. */
bool	ike_engine_pop_event(struct ike_engine *, struct ike_event *);
void	ike_event_wipe(struct ike_event *);
/* Absolute time of the next needed ike_engine_timer() call; UINT64_MAX = none. */
uint64_t ike_engine_next_wakeup(const struct ike_engine *);

/* Introspection for tests and transitctl. */
struct ike_tunnel_status {
	bool		established;
	size_t		n_ike_sas;	/* all SAs of the tunnel, half-open too */
	size_t		n_children;
	uint32_t	spi_in, spi_out;	/* newest child */
	bool		natt;
	uint8_t		spi_i[8], spi_r[8];
	/* Negotiated: the established IKE SA's suite, the newest child's (its dh
	 * is the PFS group of its CREATE_CHILD_SA, IKE_DH_NONE when none). */
	struct ike_alg	ike_alg;
	struct ike_alg	child_alg;
};
int	ike_engine_status(const struct ike_engine *, uint32_t tunnel,
	    struct ike_tunnel_status *);
/* IKE SAs of the whole engine (half-open responders included). */
size_t	ike_engine_n_sas(const struct ike_engine *);

#endif
