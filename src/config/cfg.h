/*
 * cfg: the network file (docs/network-file.md, schema version 1) as an in-memory
 * model.  cfg_load_* reads YAML, builds the model, checks every cross reference and
 * semantic rule (cloud-semantics.md 1.2-1.3, 2.3, 4.2, 7) and returns NULL with every
 * error in the diagnostics when anything is wrong.  A returned model is valid and
 * RESOLVED: each reference keeps the name it was written with and a pointer to the
 * object it names, so the route engine, the daemon and the lab never look names up.
 *
 * Values are stored as written; when a key was absent the default from the doc is
 * stored (and `*_set` says whether the key was given where the difference matters,
 * e.g. an attachment's association/propagation, which the route engine resolves
 * against the hub defaults at attach time).  Fields documented as "resolved" are
 * filled in by validation (effective owner, effective tunnel ASNs, ...).
 *
 * The model is immutable after load: arrays are never resized, so pointers into them
 * stay valid until cfg_free().
 */
#ifndef TRANSIT_CFG_H
#define TRANSIT_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/prefix.h"

#define CFG_VERSION		1
#define CFG_NAME_MAX		63

struct cfg_loc {
	int	line;		/* 1-based; 0 = unknown */
	int	col;		/* 1-based */
};

/* ---- diagnostics ---------------------------------------------------------- */

struct cfg_diag_entry {
	char		*file;
	int		 line;
	int		 col;
	bool		 warning;
	char		*msg;
};

struct cfg_diag {
	struct cfg_diag_entry	*v;
	size_t			 n;
	size_t			 cap;
	size_t			 nerrors;
	size_t			 nwarnings;
};

void	cfg_diag_init(struct cfg_diag *);
void	cfg_diag_free(struct cfg_diag *);
void	cfg_diag_add(struct cfg_diag *, const char *file, struct cfg_loc, bool warning,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* "file:line:col: message" (warnings: "file:line:col: warning: message"), sorted by
 * position, one per line. */
void	cfg_diag_print(const struct cfg_diag *, FILE *);

/* Levenshtein distance (bytes), used for did-you-mean suggestions. */
size_t	cfg_edit_distance(const char *, const char *);
/* The first candidate that `word` (3+ characters) abbreviates, else the candidate
 * closest to `word` when it is close enough to be a likely typo (distance <=
 * max(1, strlen(word) / 3), ties to the first), else NULL. */
const char *cfg_suggest(const char *word, const char *const *cands, size_t n);

/* ---- model ---------------------------------------------------------------- */

enum cfg_kind {
	CFG_K_NONE = 0,
	CFG_K_OWNER,
	CFG_K_REGION,
	CFG_K_VPC,
	CFG_K_SUBNET,
	CFG_K_HOST,
	CFG_K_HUB,
	CFG_K_ROUTE_TABLE,	/* scoped to its hub: not in the global name space */
	CFG_K_PREFIX_LIST,
	CFG_K_ATTACHMENT,
	CFG_K_VPN_GATEWAY,
	CFG_K_VPN_CONNECTION,
	CFG_K_NODE,
	CFG_K_BLACKHOLE,	/* the keyword `blackhole` as a VPC route target */
	CFG_K_NONE_KW,		/* the keyword `none` as an association */
};
const char *cfg_kind_name(enum cfg_kind);	/* "vpc", "vpn gateway", ... */

/* A reference by name; after validation kind/ptr say what it names. */
struct cfg_ref {
	char		*name;		/* NULL when the key was absent */
	struct cfg_loc	 loc;
	enum cfg_kind	 kind;
	void		*ptr;
};

struct cfg_prefix {
	struct prefix	 pfx;
	struct cfg_loc	 loc;
};

struct cfg_addr {
	struct ipaddr	 addr;
	struct cfg_loc	 loc;
};

enum cfg_cloud {
	CFG_CLOUD_NONE = 0,
	CFG_CLOUD_AWS,
	CFG_CLOUD_GCP,
	CFG_CLOUD_ALIBABA,
	CFG_CLOUD_ONPREM,
};

struct cfg_owner {
	struct cfg_loc	 loc;
	char		*name;
	int		 cloud;		/* enum cfg_cloud */
};

struct cfg_region {
	struct cfg_loc	 loc;
	char		*name;
	int		 cloud;		/* enum cfg_cloud, required */
};

struct cfg_wan {
	struct cfg_loc	 loc;
	struct cfg_ref	*between;	/* exactly 2 regions */
	size_t		 nbetween;
	double		 delay_ms;	/* one way */
	double		 loss_pct;
	uint32_t	 rate_kbps;	/* 0 = unlimited */
};

struct cfg_vpc;

struct cfg_subnet {
	struct cfg_loc	 loc;
	char		*name;
	struct prefix	 cidr;
	struct cfg_loc	 cidr_loc;
	struct cfg_vpc	*vpc;		/* resolved */
};

struct cfg_vpc_route {
	struct cfg_loc	 loc;
	struct prefix	 dest;
	struct cfg_loc	 dest_loc;
	struct cfg_ref	 target;	/* hub, vpn gateway or CFG_K_BLACKHOLE */
	struct cfg_attachment *attachment; /* resolved for a hub target: this VPC's one */
};

struct cfg_host {
	struct cfg_loc	 loc;
	char		*name;
	struct ipaddr	 address;
	struct cfg_loc	 address_loc;
	struct cfg_vpc	*vpc;		/* resolved */
	struct cfg_subnet *subnet;	/* resolved; NULL when the VPC has no subnets */
};

struct cfg_vpc {
	struct cfg_loc	 loc;
	char		*name;
	struct cfg_ref	 region;
	struct cfg_ref	 owner;		/* optional */
	struct cfg_prefix *cidrs;
	size_t		 ncidrs;
	bool		 cidrs_set;
	struct cfg_subnet *subnets;
	size_t		 nsubnets;
	struct cfg_vpc_route *routes;
	size_t		 nroutes;
	struct cfg_host	*hosts;
	size_t		 nhosts;
};

enum cfg_hub_kind {
	CFG_HUB_TGW = 0,
	CFG_HUB_CEN = 1,
};

struct cfg_hub;

/* A TGW route: (dest | prefix_list) -> (target | blackhole). */
struct cfg_tgw_route {
	struct cfg_loc	 loc;
	struct prefix	 dest;
	bool		 dest_set;
	struct cfg_loc	 dest_loc;
	struct cfg_ref	 prefix_list;	/* -> struct cfg_prefix_list */
	struct cfg_ref	 target;	/* -> struct cfg_attachment of the same hub */
	bool		 blackhole;
};

struct cfg_route_table {
	struct cfg_loc	 loc;
	char		*name;
	struct cfg_tgw_route *routes;
	size_t		 nroutes;
	bool		 implicit;	/* the default table, created because not listed */
	struct cfg_hub	*hub;		/* resolved */
};

struct cfg_prefix_list {
	struct cfg_loc	 loc;
	char		*name;
	struct cfg_prefix *entries;
	size_t		 nentries;
	struct cfg_hub	*hub;		/* resolved */
};

enum cfg_att_kind {
	CFG_ATT_VPC = 0,
	CFG_ATT_VPN,
	CFG_ATT_PEERING,
};

enum cfg_assoc_mode {
	CFG_ASSOC_DEFAULT = 0,		/* key absent: hub default_association decides */
	CFG_ASSOC_NONE,			/* `associate: none` */
	CFG_ASSOC_TABLE,		/* `associate: TABLE` */
};

struct cfg_attachment {
	struct cfg_loc	 loc;
	char		*name;
	struct cfg_ref	 vpc;		/* exactly one of vpc / vpn / peering */
	struct cfg_ref	 vpn;		/* -> struct cfg_vpn_connection */
	struct cfg_ref	 peering;	/* -> struct cfg_hub (tgw) */
	struct cfg_ref	 owner;		/* optional; default the VPC's owner */
	bool		 accepted;
	struct cfg_ref	 associate;	/* name, `none`, or absent */
	bool		 propagate_set;	/* false: hub default_propagation decides */
	struct cfg_ref	*propagate;
	size_t		 npropagate;
	/* resolved */
	enum cfg_att_kind kind;
	enum cfg_assoc_mode assoc_mode;
	struct cfg_route_table *assoc_table;	/* CFG_ASSOC_TABLE only */
	struct cfg_owner *eff_owner;	/* given owner, else VPC's, else hub's; may be NULL */
	struct cfg_hub	*hub;
};

struct cfg_publish {
	struct cfg_loc	 loc;
	struct cfg_ref	 vpc;
	struct prefix	 dest;
	struct cfg_loc	 dest_loc;
	struct cfg_vpc_route *route;	/* resolved: the VPC route published */
};

struct cfg_bandwidth {
	struct cfg_loc	 loc;
	struct cfg_ref	*between;	/* exactly 2 regions of the hub */
	size_t		 nbetween;
	uint32_t	 kbps;
};

struct cfg_hub {
	struct cfg_loc	 loc;
	char		*name;
	int		 kind;		/* enum cfg_hub_kind */
	struct cfg_ref	 owner;
	/* kind: tgw */
	struct cfg_ref	 region;
	uint32_t	 asn;
	struct cfg_loc	 asn_loc;
	bool		 default_association;
	bool		 default_propagation;
	char		*default_route_table;
	bool		 auto_accept;
	bool		 ecmp;
	struct cfg_route_table *route_tables;	/* includes the default table */
	size_t		 nroute_tables;
	struct cfg_prefix_list *prefix_lists;
	size_t		 nprefix_lists;
	/* both kinds */
	struct cfg_attachment *attachments;
	size_t		 nattachments;
	/* kind: cen */
	struct cfg_ref	*regions;
	size_t		 nregions;
	bool		 ttl_transparent;
	struct cfg_publish *publish;
	size_t		 npublish;
	struct cfg_bandwidth *bandwidth;
	size_t		 nbandwidth;
	uint32_t	 route_quota;
	/* resolved */
	struct cfg_route_table *default_table;	/* tgw */
};

enum cfg_advertise {
	CFG_ADV_ALL_SUBNETS = 0,
	CFG_ADV_CUSTOM,
};

struct cfg_vpn_gateway {
	struct cfg_loc	 loc;
	char		*name;
	struct cfg_ref	 region;
	struct cfg_ref	 vpc;		/* optional */
	struct cfg_ref	 owner;		/* optional */
	uint32_t	 asn;		/* 0 = none */
	struct cfg_addr	*interfaces;
	size_t		 ninterfaces;
	int		 advertise;	/* enum cfg_advertise */
	struct cfg_prefix *advertise_prefixes;
	size_t		 nadvertise_prefixes;
};

enum cfg_profile { CFG_PROFILE_AWS = 0, CFG_PROFILE_GCP, CFG_PROFILE_ALIBABA };
enum cfg_routing { CFG_ROUTING_STATIC = 0, CFG_ROUTING_BGP };
enum cfg_keying { CFG_KEYING_IKE = 0, CFG_KEYING_MANUAL };
/* auto: the end follows its cloud (cloud-semantics.md 5.1 "Initiation"): an AWS
 * end waits (StartupAction add), any other end initiates. */
enum cfg_startup { CFG_STARTUP_ADD = 0, CFG_STARTUP_START, CFG_STARTUP_AUTO };
enum cfg_dpd_action { CFG_DPD_CLEAR = 0, CFG_DPD_RESTART, CFG_DPD_NONE };

struct cfg_conn_side {
	struct cfg_loc	 loc;
	struct cfg_ref	 gateway;	/* a tgw hub or a vpn gateway */
	/* resolved: exactly one of hub / vpngw is set */
	struct cfg_hub	*hub;
	struct cfg_vpn_gateway *vpngw;
	struct cfg_region *region;
	struct cfg_attachment *attachment;	/* hub side: its vpn attachment */
	int		 startup;	/* enum cfg_startup; auto = the connection's */
	struct cfg_loc	 startup_loc;
};

struct cfg_selectors {
	struct cfg_loc	 loc;
	struct cfg_prefix *left;	/* empty = 0.0.0.0/0 */
	size_t		 nleft;
	struct cfg_prefix *right;	/* empty = 0.0.0.0/0 */
	size_t		 nright;
};

/*
 * An IKE identity (RFC 7296 3.5); the type numbers are the ID types'.  Type 0:
 * not given, the tunnel's outside address of that side is used.
 */
#define CFG_ID_MAX	255
enum cfg_id_type {
	CFG_ID_DEFAULT = 0,
	CFG_ID_IPV4 = 1,	/* ID_IPV4_ADDR: 4 bytes */
	CFG_ID_FQDN = 2,	/* ID_FQDN: the name without a leading '@' */
	CFG_ID_KEY_ID = 11,	/* ID_KEY_ID: the text after "keyid:" */
};

struct cfg_id {
	int		 type;		/* enum cfg_id_type */
	uint8_t		 data[CFG_ID_MAX];
	size_t		 len;
};

struct cfg_tunnel {
	struct cfg_loc	 loc;
	struct ipaddr	 left_ip;
	struct cfg_loc	 left_ip_loc;
	struct ipaddr	 right_ip;
	struct cfg_loc	 right_ip_loc;
	struct prefix	 inside_cidr;
	bool		 inside_set;
	struct cfg_loc	 inside_loc;
	char		*psk;		/* exactly one of psk / psk_file */
	struct cfg_loc	 psk_loc;
	char		*psk_file;
	struct cfg_loc	 psk_file_loc;
	char		*left_id;	/* IKE identities as written; NULL = the */
	struct cfg_loc	 left_id_loc;	/* side's outside address */
	char		*right_id;
	struct cfg_loc	 right_id_loc;
	uint32_t	 asn_left;	/* 0 = the left gateway's asn */
	uint32_t	 asn_right;	/* 0 = the right gateway's asn */
	uint32_t	 mtu;
	/* resolved */
	char		*psk_loaded;	/* psk_file's key (one trailing newline cut);
					 * wiped by cfg_free */
	struct cfg_id	 left_idv;	/* left_id / right_id parsed */
	struct cfg_id	 right_idv;
	uint32_t	 eff_asn_left;
	uint32_t	 eff_asn_right;
	struct ipaddr	 inside_left;	/* .1 of inside_cidr (BGP neighbour of right) */
	struct ipaddr	 inside_right;	/* .2 of inside_cidr; both zero when unset */
};

struct cfg_vpn_connection {
	struct cfg_loc	 loc;
	char		*name;
	struct cfg_conn_side left;
	struct cfg_conn_side right;
	uint32_t	 ike_version;	/* 1 | 2 */
	struct cfg_loc	 ike_version_loc;
	int		 profile;	/* enum cfg_profile */
	char		*ike_proposals;	/* suites "a-b-c,d-e-f"; NULL = the profile's */
	struct cfg_loc	 ike_proposals_loc;
	char		*esp_proposals;	/* same for the Child SAs */
	struct cfg_loc	 esp_proposals_loc;
	int		 routing;	/* enum cfg_routing */
	struct cfg_selectors traffic_selectors;
	int		 keying;	/* enum cfg_keying */
	int		 startup;	/* enum cfg_startup */
	struct cfg_loc	 startup_loc;
	uint32_t	 dpd_timeout_s;
	struct cfg_loc	 dpd_timeout_loc;
	int		 dpd_action;	/* enum cfg_dpd_action */
	uint32_t	 lifetime_ike_s;
	struct cfg_loc	 lifetime_ike_loc;
	uint32_t	 lifetime_child_s;
	struct cfg_loc	 lifetime_child_loc;
	uint32_t	 rekey_margin_s;
	struct cfg_loc	 rekey_margin_loc;
	uint32_t	 replay_window;
	struct cfg_loc	 replay_window_loc;
	struct cfg_tunnel *tunnels;
	size_t		 ntunnels;
	bool		 tunnels_set;
	/* resolved */
	bool		 aws_rules;	/* AWS constraints apply (beh. 22-24) */
};

struct cfg_node {
	struct cfg_loc	 loc;
	char		*name;
	struct cfg_ref	*runs;		/* hubs and vpn gateways */
	size_t		 nruns;
	bool		 external;
};

struct cfg_share {
	struct cfg_loc	 loc;
	struct cfg_ref	 hub;
	struct cfg_ref	*with;		/* owners */
	size_t		 nwith;
};

struct cfg_expect {
	struct cfg_loc	 loc;
	struct cfg_ref	 from;		/* hosts */
	struct cfg_ref	 to;
	bool		 reachable;
};

struct cfg_net {
	struct cfg_loc	 loc;
	char		*file;		/* display name given to the loader */
	uint32_t	 version;
	char		*name;
	char		*description;
	struct cfg_owner *owners;
	size_t		 nowners;
	struct cfg_region *regions;
	size_t		 nregions;
	struct cfg_wan	*wan;
	size_t		 nwan;
	struct cfg_vpc	*vpcs;
	size_t		 nvpcs;
	struct cfg_hub	*hubs;
	size_t		 nhubs;
	struct cfg_vpn_gateway *vpn_gateways;
	size_t		 nvpn_gateways;
	struct cfg_vpn_connection *vpn_connections;
	size_t		 nvpn_connections;
	struct cfg_node	*nodes;
	size_t		 nnodes;
	struct cfg_share *shares;
	size_t		 nshares;
	struct cfg_expect *expect;
	size_t		 nexpect;
};

/* ---- API ------------------------------------------------------------------- */

/* NULL (with errors in diag) when the file is unreadable or invalid.  diag may hold
 * warnings on success.  psk_file paths are relative to the network file's directory
 * (cfg_load_file) or to the working directory (cfg_load_buffer); each is read once,
 * here, so a reload sees a changed key file. */
struct cfg_net *cfg_load_file(const char *path, struct cfg_diag *);
struct cfg_net *cfg_load_buffer(const char *display_name, const char *buf, size_t len,
	    struct cfg_diag *);
void	cfg_free(struct cfg_net *);

/* Canonical YAML (docs/network-file.md, "Canonical form"); 0 or -1 on write error. */
int	cfg_print(const struct cfg_net *, FILE *);
/* Same value: every schema field compared (locations, resolved pointers and the
 * display name ignored). */
bool	cfg_equal(const struct cfg_net *, const struct cfg_net *);

/* Lookups in the global name space (everything but route tables). */
struct cfg_obj {
	enum cfg_kind	 kind;
	void		*ptr;		/* NULL when not found */
};
struct cfg_obj cfg_find(const struct cfg_net *, const char *name);
struct cfg_owner *cfg_find_owner(const struct cfg_net *, const char *);
struct cfg_region *cfg_find_region(const struct cfg_net *, const char *);
struct cfg_vpc *cfg_find_vpc(const struct cfg_net *, const char *);
struct cfg_subnet *cfg_find_subnet(const struct cfg_net *, const char *);
struct cfg_host *cfg_find_host(const struct cfg_net *, const char *);
struct cfg_hub *cfg_find_hub(const struct cfg_net *, const char *);
struct cfg_attachment *cfg_find_attachment(const struct cfg_net *, const char *);
struct cfg_prefix_list *cfg_find_prefix_list(const struct cfg_net *, const char *);
struct cfg_vpn_gateway *cfg_find_vpn_gateway(const struct cfg_net *, const char *);
struct cfg_vpn_connection *cfg_find_vpn_connection(const struct cfg_net *, const char *);
struct cfg_node *cfg_find_node(const struct cfg_net *, const char *);
struct cfg_route_table *cfg_find_route_table(const struct cfg_hub *, const char *);
/* The attachment of `vpc` to `hub`, or NULL. */
struct cfg_attachment *cfg_hub_vpc_attachment(const struct cfg_hub *, const struct cfg_vpc *);
/* The node that runs a hub or vpn gateway, or NULL. */
struct cfg_node *cfg_runner(const struct cfg_net *, const void *gateway);

/* The tunnel's key: the inline psk, else psk_file's contents read at load; NULL
 * only in a model that failed validation. */
const char *cfg_tunnel_psk(const struct cfg_tunnel *);
/* What one end of a connection does at startup, CFG_STARTUP_ADD or _START: its
 * side's `startup`, else the connection's, else its cloud's default (auto). */
int	cfg_conn_startup(const struct cfg_vpn_connection *, bool left);
/* An identity value: an IPv4 address (ID_IPV4_ADDR), "@name" or a dotted name
 * (ID_FQDN), "keyid:TEXT" (ID_KEY_ID).  NULL when acceptable, else what is wrong. */
const char *cfg_id_parse(const char *, struct cfg_id *);
/* AWS PSK rule (beh. 23): NULL when acceptable, else what is wrong. */
const char *cfg_psk_aws_problem(const char *psk);
/* AWS inside-CIDR rule (beh. 22): NULL when acceptable, else what is wrong. */
const char *cfg_inside_aws_problem(const struct prefix *);

#endif
