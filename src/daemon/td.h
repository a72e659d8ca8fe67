/*
 * td: transitd, the gateway daemon of one node (docs/daemon.md; design.md "Inside
 * transitd").  One struct td holds everything the daemon owns: the loaded network
 * file and its computed routing (net_build), the attachments this node runs (TUN
 * devices inside VPC namespaces), its tunnels (UDP 4500 sockets, one SADB each, an
 * IKEv2 engine each when keyed by IKE), the control socket and the forwarding
 * buffers.  Nothing is process-wide except the log sink; signals arrive through the
 * loop's signalfd.
 *
 * Files, by job:
 *   td_main.c    lifecycle: start, loop glue, signals, shutdown
 *   td_node.c    what this node owns: attachments and tunnels planned from the file
 *   td_attach.c  TUN devices and the routes they get in the VPC namespace
 *   td_tunnel.c  tunnel sockets, manual keying (HKDF), SA install/delete
 *   td_ike.c     keying ike: the tunnel's IKEv2 engine, UDP 500, events -> SADB
 *   td_ike_ctl.c show ike-sas / child-sas, tunnel up|down|rekey
 *   td_fwd.c     the forwarding loop (TUN batch, UDP batch)
 *   td_fib.c     the FIBs (route/fib.h) compiled from the route tables
 *   td_ctl.c     control-socket commands
 *   td_reload.c  atomic reload (SIGHUP, `transitctl reload`)
 *   td_wan.c     --emulate-wan: CEN cross-region delay and bandwidth (lab only)
 */
#ifndef TRANSIT_TD_H
#define TRANSIT_TD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/ev.h"
#include "common/log.h"
#include "common/prefix.h"
#include "config/cfg.h"
#include "dataplane/dp_hash.h"
#include "dataplane/dp_ipv4.h"
#include "dataplane/dp_ratelimit.h"
#include "dataplane/dp_tun.h"
#include "dataplane/dp_udp.h"
#include "esp/esp_sadb.h"
#include "net/net.h"

struct ev_loop;
struct fib;
struct td_fibtab;
struct ctl_proto;
struct ctl_server;

#define TD_BATCH	64
#define TD_HEADROOM	128		/* >= ESP header + IV of any transform */
#define TD_TAILROOM	128		/* >= padding + trailer + ICV */
#define TD_PKT_MAX	9216		/* largest inner packet (TGW MTU 8500 + slack) */
#define TD_BUFSZ	(TD_HEADROOM + TD_PKT_MAX + TD_TAILROOM)
#define TD_MTU_TGW	8500		/* cloud-semantics.md 1.9: VPC attachment MTU */
#define TD_MTU_VPC	1500		/* VPN gateway / CEN attachment */
#define TD_ESP_PORT	4500
#define TD_TUN_TXQLEN	4096		/* TUN ring towards our reads */
#define TD_ICMP_RATE	100		/* ICMP errors per second per ingress */
#define TD_ICMP_BURST	20

/* Drop reasons of the forwarding path (counter names: td_drop_name). */
enum td_drop {
	TD_DROP_PARSE = 0,	/* bad IPv4 header (details in parse[]) */
	TD_DROP_NOT_V4,		/* IPv6 or garbage version nibble */
	TD_DROP_NO_ROUTE,	/* no route: ICMP net unreachable sent */
	TD_DROP_BLACKHOLE,	/* blackhole route: silent */
	TD_DROP_TTL,		/* TTL expired: ICMP time exceeded sent */
	TD_DROP_NO_TUNNEL,	/* VPN target without a live tunnel */
	TD_DROP_NO_SA,		/* tunnel without an outbound SA: fail closed */
	TD_DROP_TOO_BIG,	/* DF set and larger than the tunnel MTU */
	TD_DROP_FRAG,		/* fragmentation failed */
	TD_DROP_ENCAP,		/* esp_encap refused */
	TD_DROP_DECAP,		/* esp_decap refused (details per SA / SADB) */
	TD_DROP_NOT_ESP,	/* IKE, keepalive or garbage on 4500 */
	TD_DROP_TX,		/* write/sendmmsg failed (queue full) */
	TD_DROP_DOWN,		/* egress device or socket not open */
	TD_DROP_ICMP_SRC,	/* an ICMP error back into a tunnel had no source
				   address the SA's selectors accept: not sent */
	TD_DROP_COUNT
};

const char *td_drop_name(enum td_drop);

struct td_counters {
	uint64_t	rx_pkts, rx_bytes;
	uint64_t	tx_pkts, tx_bytes;
	uint64_t	icmp_sent;
	uint64_t	drops[TD_DROP_COUNT];
	uint64_t	parse[DP_IPV4_ERR_MAX];
};

enum td_att_kind {
	TD_ATT_TGW = 0,		/* a VPC attachment of a TGW hub */
	TD_ATT_VPNGW,		/* a VPN gateway's VPC */
	TD_ATT_CEN,		/* a VPC attached to a CEN */
};

const char *td_att_kind_name(enum td_att_kind);

/* CEN forwarding entry: a CEN-learned prefix and the attachment that published it. */
struct td_cen_route {
	struct prefix	 pfx;
	struct td_att	*to;
};

struct td_att {
	struct td		*td;
	enum td_att_kind	 kind;
	char			*key;		/* definition; equal key = keep on reload */
	char			*name;		/* attachment name, or the gateway's */
	char			*gw_name;	/* hub or vpn gateway */
	char			*vpc_name;
	char			*netns;		/* VPC namespace path; NULL: ours */
	char			 ifname[DP_TUN_NAMESIZ];
	unsigned		 mtu;
	struct ipaddr		 eni;		/* source of our ICMP errors */
	struct prefix		*want;		/* routes the VPC namespace should have */
	size_t			 nwant;
	/* runtime (moved to the successor on reload) */
	struct dp_tun		 tun;		/* fd -1: down */
	struct prefix		*routes;	/* installed in the VPC namespace */
	size_t			 nroutes;
	struct dp_ratelimit	 icmp_rl;
	struct td_counters	 c;
	/* resolved against the current file and routing */
	const struct cfg_vpc	*vpc;
	const struct cfg_hub	*hub;		/* TGW / CEN */
	const struct cfg_vpn_gateway *vpngw;
	struct rt_hub		*rhub;
	struct rt_att		*ratt;
	uint32_t		 rt_id;
	struct rt_table		*vtable;	/* CEN: the VPC's table */
	bool			 ttl_dec;	/* CEN ttl_transparent clears it */
	bool			 plain_tun;	/* no TUN offloads (CEN under --emulate-wan) */
	struct td_cen_route	*cen;		/* CEN: where learned prefixes go */
	size_t			 ncen;
	const struct fib	*fib;		/* TGW: associated table; CEN: cen[] */
	bool			 taken;		/* reload bookkeeping */
};

struct ike_engine;

#define TD_IKE_PAIRS	4	/* Child SA pairs of one tunnel (rekey overlap) */

/* A Child SA pair an IKE tunnel has in its SADB (td_ike.c). */
struct td_ike_pair {
	uint32_t		 spi_in, spi_out;
	enum esp_xform_id	 xform;
	uint64_t		 installed_s;	/* td_now_s() */
	uint64_t		 soft_s, hard_s;	/* rekey / expiry, from install */
	bool			 natt;
	/* Rekey we answered: not yet the outbound (td_ike_sa.c). */
	bool			 out_pending;
	uint64_t		 pending_ms;	/* since (loop ms) */
	uint32_t		 replaces_in;	/* the old pair's inbound SPI */
};

/* An old pair's inbound SA kept for packets already in flight (td_ike_sa.c). */
struct td_ike_dying {
	uint32_t		 spi_in;
	uint64_t		 until_ms;
};

struct td_tunnel {
	struct td		*td;
	char			*key;
	char			*name;		/* "CONN/N", N from 1 */
	char			*conn_name;
	size_t			 index;		/* 0-based in the connection */
	bool			 left;		/* this node is the left side */
	bool			 manual;	/* keying: manual */
	struct ipaddr		 local, peer;
	unsigned		 mtu;
	uint16_t		 mss;
	enum esp_xform_id	 xform;
	char			*psk;
	uint32_t		 replay_window;
	struct prefix		 ts_local[ESP_SA_MAX_TS], ts_remote[ESP_SA_MAX_TS];
	size_t			 n_local, n_remote;
	/* runtime */
	uint32_t		 id;		/* SADB tunnel id, stable across reloads */
	struct dp_udp		 udp;		/* fd -1: down */
	struct esp_sadb		*sadb;
	uint32_t		 spi_in, spi_out;	/* manual SAs (0: none) */
	struct td_counters	 c;
	/*
	 * ICMP errors sent back into the tunnel (td_fwd.c); set up on first use
	 * (cost_ns 0), so it starts full again after a reload (td_tunnel_take
	 * does not carry it).
	 */
	struct dp_ratelimit	 icmp_rl;
	uint16_t		 peer_port;	/* the peer's ESP port; 0: TD_ESP_PORT
						   (unit tests use a kernel-chosen one) */
	/* keying: ike (td_ike.c) */
	struct ike_engine	*ike;		/* NULL: manual, or IKE down */
	struct dp_udp		 ike_udp;	/* UDP 500; fd -1: none */
	struct ev_timer		 ike_timer;	/* the engine's next wake-up */
	struct ev_timer		 ka_timer;	/* NAT-T keepalives (RFC 3948 4) */
	uint8_t			*ike_rxbuf, *ike_txbuf;
	struct log_ratelimit	 ike_rl;
	struct td_ike_pair	 pairs[TD_IKE_PAIRS];	/* oldest first */
	size_t			 npairs;
	struct td_ike_dying	 dying[TD_IKE_PAIRS];
	size_t			 ndying;
	bool			 ike_up;	/* an IKE SA is established */
	uint64_t		 ike_up_s;	/* the current IKE SA's start */
	char			 ike_role[16];	/* "initiator" / "responder" */
	bool			 ike_seen;	/* inbound ESP in this batch */
	/* resolved */
	const struct cfg_vpn_connection *conn;
	const struct cfg_hub	*hub;		/* TGW side */
	struct rt_hub		*rhub;
	struct rt_att		*ratt;		/* the hub's vpn attachment */
	uint32_t		 rt_id;
	const struct cfg_vpn_gateway *vpngw;	/* VPN gateway side */
	struct td_att		*vpc_att;	/* its VPC TUN, when it has one */
	const struct fib	*fib;		/* TGW side: the attachment's table */
	bool			 taken;
};

/* What a route target id means on this node. */
struct td_idmap {
	struct td_att		*att;
	struct td_tunnel	**tuns;		/* a TGW vpn attachment's tunnels */
	size_t			 ntuns;
};

struct td_netns_map {
	char	*vpc;
	char	*path;
};

struct td_opts {
	const char		*cfg_path;
	const char		*node;
	const char		*sock;		/* NULL: ctl_default_path */
	const char		*ro_sock;	/* NULL: default path unless sock given */
	bool			 foreground;
	int			 verbose;
	struct td_netns_map	*netns;
	size_t			 nnetns;
	bool			 emulate_wan;	/* td_wan.c; off outside the lab */
};

struct td_fwd;
struct td_wan;

/* What --emulate-wan did (td_wan.c); `transitctl show counters` "wan". */
struct td_wan_stats {
	uint64_t	held;		/* queued for a cross-region delay */
	uint64_t	released;	/* written to the egress device when due */
	uint64_t	drop_loss;	/* the `wan` loss rate */
	uint64_t	drop_rate;	/* over the CEN bandwidth for > 500 ms */
	uint64_t	drop_full;	/* too many held, or larger than 2 KiB */
	uint64_t	drop_gone;	/* egress device removed by a reload */
};

struct td {
	struct td_opts		 opts;
	char			*sock_path;
	char			*ro_path;	/* NULL: no read-only socket */
	struct ev_loop		*ev;
	struct cfg_net		*cfg;
	struct net		*net;
	const struct cfg_node	*node;
	struct td_att		**atts;
	size_t			 natts;
	struct td_tunnel	**tuns;
	size_t			 ntuns;
	struct td_idmap		*idmap;
	size_t			 nidmap;
	struct td_fibtab	*fibs;		/* owned FIBs (td_fib.c) */
	size_t			 nfibs;
	uint32_t		 next_tunnel_id;
	struct ctl_proto	*proto;
	struct ctl_server	*ctl;
	struct dp_hash		 hash;
	struct td_fwd		*fwd;
	struct td_wan		*wan;		/* NULL unless --emulate-wan */
	uint16_t		 icmp_id;
	uint64_t		 reloads;
	int			 exit_code;
};

/* td_main.c */
struct td	*td_new(const struct td_opts *);
int		 td_start(struct td *, char *err, size_t errlen);
int		 td_run(struct td *);
void		 td_free(struct td *);
/* What td_free() frees, minus the struct itself (tests embed one). */
void		 td_release(struct td *);
/* Seconds on the monotonic clock (SA lifetimes). */
uint64_t	 td_now_s(void);

/* td_node.c: plan what this node owns under (cfg, net); pointers resolved. */
const char	*td_netns_of(const struct td *, const char *vpc);
int		 td_node_plan(struct td *, const struct cfg_net *, struct net *,
		    const struct cfg_node *, struct td_att ***, size_t *,
		    struct td_tunnel ***, size_t *);
void		 td_att_free(struct td_att *);
void		 td_tunnel_free(struct td_tunnel *);
/* The id map and the CEN tables from the current state. */
void		 td_node_index(struct td *);

/* td_attach.c */
int		 td_att_open(struct td_att *);
void		 td_att_close(struct td_att *);
/* Make the VPC namespace's routes equal to att->want. */
void		 td_att_sync_routes(struct td_att *);
void		 td_att_take(struct td_att *to, struct td_att *from);

/* td_tunnel.c */
int		 td_tunnel_open(struct td_tunnel *);
void		 td_tunnel_close(struct td_tunnel *);
void		 td_tunnel_take(struct td_tunnel *to, struct td_tunnel *from);
/* Manual keying: (re)derive and install both SAs; -1 with err. */
int		 td_tunnel_sa_install(struct td_tunnel *, char *err, size_t errlen);
/* Delete every SA of the tunnel (fail closed from then on); returns the count. */
size_t		 td_tunnel_sa_delete(struct td_tunnel *);
/* HKDF-SHA256 manual keying (docs/daemon.md); exposed for the unit test. */
int		 td_manual_derive(const char *psk, const char *conn, size_t index,
		    bool left_to_right, uint8_t *key, size_t keylen, uint32_t *spi);
bool		 td_tunnel_live(const struct td_tunnel *);

/* td_ike.c: keying ike */
int		 td_ike_open(struct td_tunnel *);
void		 td_ike_close(struct td_tunnel *);
void		 td_ike_take(struct td_tunnel *to, struct td_tunnel *from);
/* An IKE datagram (marker stripped) from the peer's `port`. */
void		 td_ike_input(struct td_tunnel *, uint16_t port, const uint8_t *,
		    size_t);
void		 td_ike_traffic_seen(struct td_tunnel *);
void		 td_ike_drain(struct td_tunnel *);
void		 td_ike_udp_cb(struct ev_loop *, int fd, unsigned revents, void *arg);
/*
 * td_ike_sa.c: the engine's Child SA events applied to the SADB make-before-
 * break (docs/daemon.md "IKE keying"); times are loop milliseconds.
 */
#define TD_IKE_GRACE_MS	2000	/* an old inbound SA outlives its Delete */
#define TD_IKE_DEFER_MS	10000	/* longest a rekey responder waits to switch */
struct ike_child_install;
int		 td_ike_sa_install(struct td_tunnel *, const struct ike_child_install *,
		    uint64_t now_ms);
/* The pair's outbound SA goes now, its inbound SA after TD_IKE_GRACE_MS. */
bool		 td_ike_sa_delete(struct td_tunnel *, uint32_t spi_in,
		    uint32_t spi_out, uint64_t now_ms);
/* Inbound ESP decrypted: a deferred pair that received some takes over. */
void		 td_ike_sa_seen(struct td_tunnel *, uint64_t now_ms);
/* Expire grace periods and deferrals; the next deadline or UINT64_MAX. */
uint64_t	 td_ike_sa_timer(struct td_tunnel *, uint64_t now_ms);
/* Drop every Child SA pair from the SADB at once (the engine keeps its SAs). */
size_t		 td_ike_sa_flush(struct td_tunnel *);
/* td_ike_ctl.c: show ike-sas / child-sas, tunnel up|down|rekey. */
int		 td_ike_ctl_register(struct td *);

/* td_fwd.c */
struct td_fwd	*td_fwd_new(void);
void		 td_fwd_free(struct td_fwd *);
void		 td_fwd_tun_cb(struct ev_loop *, int fd, unsigned revents, void *arg);
void		 td_fwd_udp_cb(struct ev_loop *, int fd, unsigned revents, void *arg);
/*
 * td_fwd_icmp.c: the source of an ICMP error sent back into tunnel t with its
 * outbound SA sa to dst (host order): 0 with *src, or -1 when no address of ours
 * is one the SA's local selectors hold (docs/daemon.md "ICMP errors").
 */
int		 td_fwd_icmp_src(const struct td_tunnel *t, const struct esp_sa *sa,
		    uint32_t dst, uint32_t *src);

/* td_wan.c */
struct td_wan	*td_wan_new(struct td *);
void		 td_wan_free(struct td_wan *);
/*
 * CEN forwarding from in to to across two regions: hold the packet (copied) for
 * the regions' `wan` delay and the CEN bandwidth and return true (it is ours now,
 * delivered or dropped later); false when there is nothing to emulate (no
 * --emulate-wan, not CEN, one region): the caller forwards it at once.
 */
bool		 td_wan_hold(struct td *, const struct td_att *in, const struct td_att *to,
		    const uint8_t *pkt, size_t len);
const struct td_wan_stats *td_wan_stats(const struct td_wan *);

/* td_fib.c: the FIBs the data plane reads, rebuilt on every (re)load. */
void		 td_fib_build(struct td *);
void		 td_fib_free(struct td *);
uint32_t	 td_fib_lookup(const struct fib *, uint32_t dst);
struct td_att	*td_fib_cen_lookup(const struct td_att *, uint32_t dst);

/* td_ctl.c */
int		 td_ctl_register(struct td *);
json_t		*td_counters_json(const struct td_counters *);

/* td_reload.c: errors (a JSON array of strings) or NULL on success. */
json_t		*td_reload(struct td *, bool initial);

#endif
