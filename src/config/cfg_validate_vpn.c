/*
 * cfg_validate_vpn: VPN gateways, VPN connections and their tunnels, then nodes,
 * shares and expectations (docs/network-file.md).  The AWS tunnel rules are
 * cloud-semantics.md 2.3 / behaviours 22-24 and 29; they apply when either side's
 * gateway is in a region with `cloud: aws`, or the connection's profile is aws.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/util.h"
#include "config/cfg.h"
#include "config/cfg_impl.h"
#include "ike/ike_engine.h"
#include "ike/ike_prop.h"
#include "ike/ike_wire.h"

const char *
cfg_psk_aws_problem(const char *psk)
{
	size_t i, n = strlen(psk);

	if (n < 8)
		return "is shorter than 8 characters";
	if (n > 64)
		return "is longer than 64 characters";
	if (psk[0] == '0')
		return "starts with '0'";
	for (i = 0; i < n; i++)
		if (!((psk[i] >= 'a' && psk[i] <= 'z') || (psk[i] >= 'A' && psk[i] <= 'Z') ||
		    (psk[i] >= '0' && psk[i] <= '9') || psk[i] == '.' || psk[i] == '_'))
			return "contains a character other than A-Z, a-z, 0-9, '.' and '_'";
	return NULL;
}

const char *
cfg_inside_aws_problem(const struct prefix *p)
{
	struct prefix lln, rsv;
	uint32_t a;

	prefix_from_v4(&lln, 0xa9fe0000U, 16);		/* 169.254.0.0/16 */
	if (p->family != PFX_V4 || p->len != 30)
		return "is not a /30";
	if (!prefix_contains(&lln, p))
		return "is not within 169.254.0.0/16";
	a = prefix_v4(p);
	prefix_from_v4(&rsv, 0xa9fea9fcU, 30);		/* 169.254.169.252/30 */
	if (a < 0xa9fe0600U || prefix_eq(p, &rsv))
		return "is reserved (169.254.0.0/30 to 169.254.5.0/30 and "
		    "169.254.169.252/30 are)";
	return NULL;
}

static bool
name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' ||
		    (s[i] == '.' && s[i + 1] != '.')))
			return false;
	return true;
}

/*
 * The forms strongSwan's ipsec.conf leftid takes for these types: an address,
 * "@name" forcing a name, a name with a dot, "keyid:" for an opaque key id.
 */
const char *
cfg_id_parse(const char *s, struct cfg_id *id)
{
	struct ipaddr a;
	char err[128];
	size_t i, n = strlen(s);

	memset(id, 0, sizeof(*id));
	if (strncmp(s, "keyid:", 6) == 0) {
		s += 6;
		n -= 6;
		if (n == 0)
			return "has nothing after keyid:";
		for (i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				return "has a control character";
		id->type = CFG_ID_KEY_ID;
	} else if (s[0] == '@') {
		s++;
		n--;
		if (!name_ok(s, n))
			return "is not a name after '@' (letters, digits, '-', '_', "
			    "dots between labels)";
		id->type = CFG_ID_FQDN;
	} else if (addr_parse(s, &a, err, sizeof(err)) == 0) {
		if (a.family != PFX_V4)
			return "is an IPv6 address (not supported yet)";
		id->type = CFG_ID_IPV4;
		memcpy(id->data, a.addr, 4);
		id->len = 4;
		return NULL;
	} else if (strspn(s, "0123456789.") == n)
		return "is not a valid IPv4 address";
	else if (strchr(s, '.') != NULL && name_ok(s, n))
		id->type = CFG_ID_FQDN;
	else
		return "is not an identity";
	if (n > CFG_ID_MAX) {
		id->type = CFG_ID_DEFAULT;
		return "is longer than 255 bytes";
	}
	memcpy(id->data, s, n);
	id->len = n;
	return NULL;
}

static struct cfg_loc
at(struct cfg_loc l, struct cfg_loc fallback)
{
	return l.line != 0 ? l : fallback;
}

static void
check_gateway(struct cfg_vctx *v, struct cfg_vpn_gateway *g)
{
	char a[PREFIX_STRLEN];
	struct cfg_vpc *vpc;
	size_t i, j;

	cfg_resolve(v, &g->region, KB(CFG_K_REGION), "region");
	cfg_resolve(v, &g->owner, KB(CFG_K_OWNER), "owner");
	if (cfg_resolve(v, &g->vpc, KB(CFG_K_VPC), "vpc")) {
		vpc = g->vpc.ptr;
		if (g->region.ptr != NULL && vpc->region.ptr != NULL &&
		    vpc->region.ptr != g->region.ptr)
			cfg_err(v->ctx, g->vpc.loc, "vpc '%s' is in region '%s', not in the "
			    "gateway's region '%s'; a vpn gateway attaches to a vpc of its "
			    "region", vpc->name, vpc->region.name, g->region.name);
	}
	for (i = 0; i < g->ninterfaces; i++)
		for (j = 0; j < i; j++)
			if (addr_eq(&g->interfaces[i].addr, &g->interfaces[j].addr))
				cfg_err(v->ctx, g->interfaces[i].loc, "interface %s is listed "
				    "twice", addr_fmt(&g->interfaces[i].addr, a, sizeof(a)));
	if (g->advertise == CFG_ADV_CUSTOM && g->nadvertise_prefixes == 0)
		cfg_err(v->ctx, g->loc, "advertise: custom needs advertise_prefixes; list "
		    "the prefixes to advertise or use advertise: all_subnets");
	if (g->advertise != CFG_ADV_CUSTOM && g->nadvertise_prefixes > 0)
		cfg_err(v->ctx, g->advertise_prefixes[0].loc, "advertise_prefixes needs "
		    "advertise: custom");
}

static void
resolve_side(struct cfg_vctx *v, struct cfg_conn_side *s)
{
	if (!cfg_resolve(v, &s->gateway, KB(CFG_K_HUB) | KB(CFG_K_VPN_GATEWAY), "gateway"))
		return;
	if (s->gateway.kind == CFG_K_HUB) {
		struct cfg_hub *h = s->gateway.ptr;

		if (h->kind != CFG_HUB_TGW) {
			cfg_err(v->ctx, s->gateway.loc, "hub '%s' is a cen; a connection side "
			    "is a tgw hub or a vpn gateway", h->name);
			return;
		}
		s->hub = h;
	} else {
		s->vpngw = s->gateway.ptr;
		s->region = s->vpngw->region.ptr;
	}
}

void
cfg_validate_gateways(struct cfg_vctx *v)
{
	struct cfg_net *net = v->net;
	struct cfg_vpn_connection *c;
	size_t i;

	for (i = 0; i < net->nvpn_gateways; i++)
		if (net->vpn_gateways[i].name != NULL)
			check_gateway(v, &net->vpn_gateways[i]);
	for (i = 0; i < net->nvpn_connections; i++) {
		c = &net->vpn_connections[i];
		if (c->name == NULL)
			continue;
		resolve_side(v, &c->left);
		resolve_side(v, &c->right);
		if (c->left.gateway.ptr != NULL && c->left.gateway.ptr == c->right.gateway.ptr)
			cfg_err(v->ctx, c->right.gateway.loc, "connection '%s' has '%s' on both "
			    "sides; left and right are different gateways", c->name,
			    c->left.gateway.name);
	}
}

static uint32_t
side_asn(const struct cfg_conn_side *s)
{
	if (s->hub != NULL)
		return s->hub->asn;
	if (s->vpngw != NULL)
		return s->vpngw->asn;
	return 0;
}

static void
check_ip_on_gateway(struct cfg_vctx *v, const struct cfg_conn_side *s,
    const struct ipaddr *ip, struct cfg_loc loc, const char *key)
{
	char a[64], b[64];
	size_t i;

	if (s->vpngw == NULL || s->vpngw->ninterfaces == 0)
		return;
	for (i = 0; i < s->vpngw->ninterfaces; i++)
		if (addr_eq(&s->vpngw->interfaces[i].addr, ip))
			return;
	cfg_err(v->ctx, loc, "%s %s is not an interface of vpn gateway '%s'; allowed: "
	    "its interfaces (%s%s)", key, addr_fmt(ip, a, sizeof(a)), s->vpngw->name,
	    addr_fmt(&s->vpngw->interfaces[0].addr, b, sizeof(b)),
	    s->vpngw->ninterfaces > 1 ? ", ..." : "");
}

#define PSK_FILE_MAX	4096	/* bytes; a key file is one line */

/*
 * Read psk_file once, here: the daemon uses the key of this load, and a reload
 * that finds other bytes in the file sees a changed tunnel.  The file is opened
 * before it is judged (no stat-then-open race) and non-blocking (a FIFO must not
 * hang the loader).  One trailing newline is cut (`echo KEY > file`); any other
 * control character is refused, as a line break inside a key is surely a mistake.
 */
static void
check_psk_file(struct cfg_vctx *v, struct cfg_vpn_connection *c, struct cfg_tunnel *t,
    size_t k)
{
	struct stat st;
	char *path, *buf = NULL;
	const char *why;
	size_t got = 0, i;
	ssize_t n;
	int fd;

	if (t->psk_file[0] != '/' && v->ctx->basedir != NULL)
		path = xasprintf("%s/%s", v->ctx->basedir, t->psk_file);
	else
		path = xstrdup(t->psk_file);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	free(path);
	if (fd == -1 || fstat(fd, &st) == -1) {
		cfg_err(v->ctx, t->psk_file_loc, "psk_file '%.200s' cannot be read: %s",
		    t->psk_file, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		cfg_err(v->ctx, t->psk_file_loc, "psk_file '%.200s' is not a regular file",
		    t->psk_file);
		goto done;
	}
	if ((st.st_mode & 077) != 0) {
		cfg_err(v->ctx, t->psk_file_loc, "psk_file '%.200s' is accessible by group "
		    "or others; make it mode 0600 (chmod 600)", t->psk_file);
		goto done;
	}
	buf = xmalloc(PSK_FILE_MAX + 2);
	while (got < PSK_FILE_MAX + 1 &&
	    (n = read(fd, buf + got, PSK_FILE_MAX + 1 - got)) != 0) {
		if (n == -1) {
			cfg_err(v->ctx, t->psk_file_loc, "psk_file '%.200s' cannot be read: "
			    "%s", t->psk_file, strerror(errno));
			goto done;
		}
		got += (size_t)n;
	}
	if (got > PSK_FILE_MAX) {
		cfg_err(v->ctx, t->psk_file_loc, "psk_file '%.200s' is longer than %d "
		    "bytes; it holds one key", t->psk_file, PSK_FILE_MAX);
		goto done;
	}
	if (got > 0 && buf[got - 1] == '\n')
		got--;
	buf[got] = '\0';
	if (got == 0) {
		cfg_err(v->ctx, t->psk_file_loc, "psk_file '%.200s' is empty; it holds the "
		    "key on one line", t->psk_file);
		goto done;
	}
	for (i = 0; i < got; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f) {
			cfg_err(v->ctx, t->psk_file_loc, "psk_file '%.200s' has a control "
			    "character (byte %zu); it holds the key on one line, with at most "
			    "one newline at the end", t->psk_file, i + 1);
			goto done;
		}
	if (c->aws_rules && (why = cfg_psk_aws_problem(buf)) != NULL) {
		cfg_err(v->ctx, t->psk_file_loc, "key in psk_file '%.200s' of tunnel %zu "
		    "%s; AWS allows 8-64 characters of A-Za-z0-9._, not starting with 0 "
		    "(beh. 23)", t->psk_file, k, why);
		goto done;
	}
	t->psk_loaded = buf;
	buf = NULL;
done:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, PSK_FILE_MAX + 2);
		free(buf);
	}
	if (fd != -1)
		close(fd);
}

const char *
cfg_tunnel_psk(const struct cfg_tunnel *t)
{
	return t->psk != NULL ? t->psk : t->psk_loaded;
}

int
cfg_conn_startup(const struct cfg_vpn_connection *c, bool left)
{
	const struct cfg_conn_side *s = left ? &c->left : &c->right;

	if (s->startup != CFG_STARTUP_AUTO)
		return s->startup;
	if (c->startup != CFG_STARTUP_AUTO)
		return c->startup;
	return s->region != NULL && s->region->cloud == CFG_CLOUD_AWS ?
	    CFG_STARTUP_ADD : CFG_STARTUP_START;
}

static void
check_id(struct cfg_vctx *v, const struct cfg_vpn_connection *c, const char *key,
    const char *val, struct cfg_loc loc, struct cfg_id *id)
{
	const char *why;

	if (val == NULL)
		return;
	if ((why = cfg_id_parse(val, id)) != NULL)
		cfg_err(v->ctx, at(loc, c->loc), "%s '%.100s' %s; allowed: an IPv4 "
		    "address (ID_IPV4_ADDR), @name or a dotted name such as "
		    "vpn.example.com (ID_FQDN), keyid:TEXT (ID_KEY_ID)", key, val, why);
	else if (c->keying == CFG_KEYING_MANUAL)
		cfg_warn(v->ctx, at(loc, c->loc), "%s has no effect with keying: manual "
		    "(no IKE)", key);
}

static void
check_tunnel(struct cfg_vctx *v, struct cfg_vpn_connection *c, struct cfg_tunnel *t,
    size_t k)
{
	char a[PREFIX_STRLEN];
	const char *why, *key;

	if (t->psk != NULL && t->psk_file != NULL)
		cfg_err(v->ctx, at(t->psk_file_loc, t->loc), "tunnel %zu has both psk and "
		    "psk_file; give exactly one", k);
	else if (t->psk == NULL && t->psk_file == NULL)
		cfg_err(v->ctx, t->loc, "tunnel %zu has no key; give psk or psk_file", k);
	if (t->psk != NULL && c->aws_rules && (why = cfg_psk_aws_problem(t->psk)) != NULL)
		cfg_err(v->ctx, at(t->psk_loc, t->loc), "psk of tunnel %zu %s; AWS allows "
		    "8-64 characters of A-Za-z0-9._, not starting with 0 (beh. 23)", k, why);
	if (t->psk_file != NULL && t->psk == NULL)
		check_psk_file(v, c, t, k);
	if (c->keying == CFG_KEYING_IKE && (key = cfg_tunnel_psk(t)) != NULL &&
	    strlen(key) > IKE_CFG_PSK_MAX)
		cfg_err(v->ctx, t->psk != NULL ? at(t->psk_loc, t->loc) : t->psk_file_loc,
		    "%s of tunnel %zu is %zu bytes long; keying: ike takes at most %d",
		    t->psk != NULL ? "psk" : "the key in psk_file", k, strlen(key),
		    IKE_CFG_PSK_MAX);
	check_id(v, c, "left_id", t->left_id, t->left_id_loc, &t->left_idv);
	check_id(v, c, "right_id", t->right_id, t->right_id_loc, &t->right_idv);
	if (t->inside_set) {
		prefix_fmt(&t->inside_cidr, a, sizeof(a));
		if (c->aws_rules && (why = cfg_inside_aws_problem(&t->inside_cidr)) != NULL)
			cfg_err(v->ctx, t->inside_loc, "inside_cidr %s %s; AWS allows a /30 "
			    "within 169.254.0.0/16 outside the reserved blocks (beh. 22)", a,
			    why);
		else if (t->inside_cidr.len != 30)
			cfg_err(v->ctx, t->inside_loc, "inside_cidr %s is not a /30; a tunnel's "
			    "inside network is a /30 (left .1, right .2)", a);
	}
	if (addr_eq(&t->left_ip, &t->right_ip) && t->left_ip.family != PFX_NONE)
		cfg_err(v->ctx, t->right_ip_loc, "tunnel %zu has the same left_ip and "
		    "right_ip; the two ends are different addresses", k);
	check_ip_on_gateway(v, &c->left, &t->left_ip, t->left_ip_loc, "left_ip");
	check_ip_on_gateway(v, &c->right, &t->right_ip, t->right_ip_loc, "right_ip");
	if (t->inside_set && t->inside_cidr.len == 30) {
		prefix_nth(&t->inside_cidr, 1, &t->inside_left);
		prefix_nth(&t->inside_cidr, 2, &t->inside_right);
	}
	t->eff_asn_left = t->asn_left != 0 ? t->asn_left : side_asn(&c->left);
	t->eff_asn_right = t->asn_right != 0 ? t->asn_right : side_asn(&c->right);
	if (c->routing != CFG_ROUTING_BGP)
		return;
	if (!t->inside_set)
		cfg_err(v->ctx, t->loc, "tunnel %zu has no inside_cidr; routing: bgp peers "
		    "over the inside /30, so give one", k);
	if (c->left.gateway.ptr != NULL && t->eff_asn_left == 0)
		cfg_err(v->ctx, t->loc, "tunnel %zu has no left ASN; routing: bgp needs "
		    "asn_left or an asn on gateway '%s'", k, c->left.gateway.name);
	if (c->right.gateway.ptr != NULL && t->eff_asn_right == 0)
		cfg_err(v->ctx, t->loc, "tunnel %zu has no right ASN; routing: bgp needs "
		    "asn_right or an asn on gateway '%s'", k, c->right.gateway.name);
	if (t->eff_asn_left != 0 && t->eff_asn_left == t->eff_asn_right)
		cfg_err(v->ctx, t->loc, "tunnel %zu has ASN %u on both sides; eBGP needs "
		    "different left and right ASNs", k, t->eff_asn_left);
}

static void
check_lifetimes(struct cfg_vpn_connection *c, struct cfg_vctx *v)
{
	struct cfg_loc cl = at(c->lifetime_child_loc, c->loc);

	if (c->lifetime_child_s >= c->lifetime_ike_s)
		cfg_err(v->ctx, cl, "lifetime_child_s %u must be less than lifetime_ike_s %u "
		    "(beh. 24)", c->lifetime_child_s, c->lifetime_ike_s);
	if (c->rekey_margin_s >= c->lifetime_child_s)
		cfg_err(v->ctx, at(c->rekey_margin_loc, c->loc), "rekey_margin_s %u must be "
		    "less than lifetime_child_s %u", c->rekey_margin_s, c->lifetime_child_s);
	if (!c->aws_rules)
		return;
	if (c->lifetime_ike_s < 900 || c->lifetime_ike_s > 28800)
		cfg_err(v->ctx, at(c->lifetime_ike_loc, c->loc), "lifetime_ike_s %u is out "
		    "of range; AWS allows 900-28800 (beh. 24)", c->lifetime_ike_s);
	if (c->lifetime_child_s < 900 || c->lifetime_child_s > 3600)
		cfg_err(v->ctx, cl, "lifetime_child_s %u is out of range; AWS allows "
		    "900-3600 (beh. 24)", c->lifetime_child_s);
	if (c->rekey_margin_s < 60 || c->rekey_margin_s > c->lifetime_child_s / 2)
		cfg_err(v->ctx, at(c->rekey_margin_loc, c->loc), "rekey_margin_s %u is out "
		    "of range; AWS allows 60 to lifetime_child_s/2 = %u (beh. 24)",
		    c->rekey_margin_s, c->lifetime_child_s / 2);
	if (c->replay_window < 64 || c->replay_window > 2048)
		cfg_err(v->ctx, at(c->replay_window_loc, c->loc), "replay_window %u is out "
		    "of range; AWS allows 64-2048 (beh. 24)", c->replay_window);
	if (c->dpd_timeout_s < 30)
		cfg_err(v->ctx, at(c->dpd_timeout_loc, c->loc), "dpd_timeout_s %u is too "
		    "short; AWS allows 30 or more (beh. 24)", c->dpd_timeout_s);
}

/*
 * Explicit suites are checked by the engine's own parser (ike_prop.c), so what
 * loads is exactly what transitd can offer and select; its sentence is the error.
 */
static void
check_suites(struct cfg_vctx *v, const struct cfg_vpn_connection *c, const char *key,
    const char *val, struct cfg_loc loc, uint8_t proto)
{
	struct ike_proposals p;
	char err[160];

	if (val == NULL)
		return;
	if (ike_prop_profile(val, proto, &p) == 0)
		cfg_err(v->ctx, at(loc, c->loc), "%s: '%s' is a profile, not a suite; "
		    "write profile: %s, or list suites (e.g. %s)", key, val, val,
		    proto == IKE_PROTO_IKE ? "aes256-sha256-modp2048" : "aes256-sha256");
	else if (ike_prop_parse(val, proto, &p, err, sizeof(err)) == -1)
		cfg_err(v->ctx, at(loc, c->loc), "%s: %s; allowed: up to %d suites "
		    "separated by ',', each of the form %s (e.g. %s; words: "
		    "docs/ike-engine.md)", key, err, IKE_PROP_MAX_SUITES,
		    proto == IKE_PROTO_IKE ? "encryption[-integrity][-prf]-group" :
		    "encryption[-integrity][-group][-esn]",
		    proto == IKE_PROTO_IKE ? "aes256-sha256-modp2048, "
		    "aes256gcm16-prfsha256-ecp256" : "aes256-sha256, aes256gcm16-ecp256");
	else if (c->keying == CFG_KEYING_MANUAL)
		cfg_warn(v->ctx, at(loc, c->loc), "%s has no effect with keying: manual "
		    "(the profile's transform is used)", key);
}

/* A hub side reaches the hub's route tables only through a vpn attachment. */
static void
side_attachment(struct cfg_vctx *v, struct cfg_vpn_connection *c,
    struct cfg_conn_side *s)
{
	size_t i;

	if (s->hub == NULL)
		return;
	for (i = 0; i < s->hub->nattachments; i++)
		if (s->hub->attachments[i].vpn.ptr == c) {
			s->attachment = &s->hub->attachments[i];
			return;
		}
	cfg_warn(v->ctx, s->gateway.loc, "connection '%s' ends on hub '%s', but no "
	    "attachment of the hub names it; add an attachment with vpn: %s", c->name,
	    s->hub->name, c->name);
}

static bool
side_aws(const struct cfg_conn_side *s)
{
	return s->region != NULL && s->region->cloud == CFG_CLOUD_AWS;
}

/* Beh. 29 for one end: AWS initiates only IKEv2. */
static void
check_side_startup(struct cfg_vctx *v, const struct cfg_vpn_connection *c,
    const struct cfg_conn_side *s)
{
	if (s->startup == CFG_STARTUP_START && c->ike_version == 1 && side_aws(s))
		cfg_err(v->ctx, at(s->startup_loc, s->loc), "startup: start needs "
		    "ike_version: 2 on an AWS end; AWS initiates only IKEv2 (beh. 29)");
}

static bool
shares_gateway(const struct cfg_vpn_connection *a, const struct cfg_vpn_connection *b,
    const void **gw)
{
	const void *as[2] = { a->left.gateway.ptr, a->right.gateway.ptr };
	const void *bs[2] = { b->left.gateway.ptr, b->right.gateway.ptr };
	size_t i, j;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			if (as[i] != NULL && as[i] == bs[j]) {
				*gw = as[i];
				return true;
			}
	return false;
}

/* Inside /30s unique per gateway (beh. 38); outside address pairs unique overall. */
static void
check_unique_tunnels(struct cfg_vctx *v)
{
	struct cfg_net *net = v->net;
	struct cfg_vpn_connection *c, *o;
	struct cfg_tunnel *t, *u;
	const void *gw;
	char a[PREFIX_STRLEN];
	size_t i, j, k, l;

	for (i = 0; i < net->nvpn_connections; i++) {
		c = &net->vpn_connections[i];
		if (c->name == NULL)
			continue;
		for (k = 0; k < c->ntunnels; k++) {
			t = &c->tunnels[k];
			bool reported = false;

			for (j = 0; j <= i && !reported; j++) {
				o = &net->vpn_connections[j];
				if (o->name == NULL)
					continue;
				for (l = 0; l < (j == i ? k : o->ntunnels); l++) {
					u = &o->tunnels[l];
					if (addr_eq(&t->left_ip, &u->left_ip) &&
					    addr_eq(&t->right_ip, &u->right_ip) &&
					    t->left_ip.family != PFX_NONE)
						cfg_err(v->ctx, t->loc, "tunnel %zu of '%s' has the "
						    "same left_ip and right_ip as tunnel %zu of '%s' "
						    "(line %d); each tunnel needs its own address pair",
						    k + 1, c->name, l + 1, o->name, u->loc.line);
					if (!t->inside_set || !u->inside_set ||
					    !prefix_overlaps(&t->inside_cidr, &u->inside_cidr) ||
					    !shares_gateway(c, o, &gw))
						continue;
					cfg_err(v->ctx, t->inside_loc, "inside_cidr %s of tunnel %zu "
					    "is already used on gateway '%s' by '%s' tunnel %zu "
					    "(line %d); inside /30s are unique per gateway",
					    prefix_fmt(&t->inside_cidr, a, sizeof(a)), k + 1,
					    gw == c->left.gateway.ptr ? c->left.gateway.name :
					    c->right.gateway.name, o->name, l + 1, u->loc.line);
					reported = true;
					break;
				}
			}
		}
	}
}

void
cfg_validate_connections(struct cfg_vctx *v)
{
	struct cfg_net *net = v->net;
	struct cfg_vpn_connection *c;
	size_t i, k;

	for (i = 0; i < net->nvpn_connections; i++) {
		c = &net->vpn_connections[i];
		if (c->name == NULL)
			continue;
		side_attachment(v, c, &c->left);
		side_attachment(v, c, &c->right);
		/* Hub regions resolve after the sides, so regions are looked up now. */
		if (c->left.hub != NULL)
			c->left.region = c->left.hub->region.ptr;
		if (c->right.hub != NULL)
			c->right.region = c->right.hub->region.ptr;
		c->aws_rules = c->profile == CFG_PROFILE_AWS || side_aws(&c->left) ||
		    side_aws(&c->right);
		if (c->startup == CFG_STARTUP_START && c->ike_version == 1)
			cfg_err(v->ctx, at(c->startup_loc, c->loc), "startup: start for "
			    "both ends needs ike_version: 2 (beh. 29); for IKEv1 set it on "
			    "the side that initiates, or leave auto");
		check_side_startup(v, c, &c->left);
		check_side_startup(v, c, &c->right);
		if (c->ike_version == 1 && (c->traffic_selectors.nleft > 1 ||
		    c->traffic_selectors.nright > 1))
			cfg_err(v->ctx, c->traffic_selectors.loc, "IKEv1 carries one selector "
			    "pair; list one prefix per side (a wider one) or use ike_version: 2 "
			    "(beh. 44)");
		check_lifetimes(c, v);
		check_suites(v, c, "ike_proposals", c->ike_proposals,
		    c->ike_proposals_loc, IKE_PROTO_IKE);
		check_suites(v, c, "esp_proposals", c->esp_proposals,
		    c->esp_proposals_loc, IKE_PROTO_ESP);
		if (c->ntunnels == 0 && c->tunnels_set)
			cfg_err(v->ctx, c->loc, "connection '%s' has no tunnels; list at least "
			    "one", c->name);
		for (k = 0; k < c->ntunnels; k++)
			check_tunnel(v, c, &c->tunnels[k], k + 1);
	}
	check_unique_tunnels(v);
}

void
cfg_validate_misc(struct cfg_vctx *v)
{
	struct cfg_net *net = v->net;
	struct cfg_hub *h;
	size_t i, j, k, l;

	for (i = 0; i < net->nnodes; i++) {
		struct cfg_node *n = &net->nodes[i];

		for (j = 0; j < n->nruns; j++) {
			if (!cfg_resolve(v, &n->runs[j], KB(CFG_K_HUB) | KB(CFG_K_VPN_GATEWAY),
			    "gateway"))
				continue;
			for (k = 0; k <= i; k++)
				for (l = 0; l < (k == i ? j : net->nodes[k].nruns); l++)
					if (net->nodes[k].runs[l].ptr == n->runs[j].ptr)
						cfg_err(v->ctx, n->runs[j].loc, "%s '%s' is already "
						    "run by node '%s' (line %d); each gateway runs on "
						    "one node", cfg_kind_name(n->runs[j].kind),
						    n->runs[j].name, net->nodes[k].name != NULL ?
						    net->nodes[k].name : "?",
						    net->nodes[k].runs[l].loc.line);
		}
	}
	for (i = 0; i < net->nshares; i++) {
		struct cfg_share *s = &net->shares[i];

		if (cfg_resolve(v, &s->hub, KB(CFG_K_HUB), "hub")) {
			h = s->hub.ptr;
			if (h->kind != CFG_HUB_TGW)
				cfg_err(v->ctx, s->hub.loc, "hub '%s' is a cen; only tgw hubs are "
				    "shared", h->name);
		}
		for (j = 0; j < s->nwith; j++)
			cfg_resolve(v, &s->with[j], KB(CFG_K_OWNER), "owner");
	}
	for (i = 0; i < net->nexpect; i++) {
		cfg_resolve(v, &net->expect[i].from, KB(CFG_K_HOST), "host");
		cfg_resolve(v, &net->expect[i].to, KB(CFG_K_HOST), "host");
	}
}
