/*
 * td_ike_ctl: the control commands of `keying: ike` tunnels (docs/control-protocol.md
 * "transitd commands"): `show ike-sas`, `show child-sas` (what `swanctl --list-sas`
 * shows: state, SPIs, algorithms, ages and rekey times) and `tunnel up|down|rekey`
 * (the engine's initiate / delete / Child SA rekey commands).  The engine is
 * opaque; what it does not report (role, ages) the daemon records from its events
 * (td_ike.c).
 */
#include <stdio.h>
#include <string.h>

#include "common/ev.h"
#include "common/log.h"
#include "common/util.h"
#include "ctl/ctl_proto.h"
#include "daemon/td.h"
#include "esp/esp_sadb.h"
#include "esp/esp_xform.h"
#include "ike/ike_engine.h"
#include "ike/ike_prop.h"
#include "ike/ike_wire.h"


/*
 * A pair is the outbound one ("installed"), one answered in a peer's rekey
 * whose outbound switch waits for the peer (td_ike_sa.c: "pending"), or the
 * old pair of a rekey, about to be deleted ("rekeyed").
 */
static const char *
pair_state(const struct td_ike_pair *p, const struct esp_sa *cur)
{
	if (cur != NULL && cur->spi == p->spi_out)
		return "installed";
	return p->out_pending ? "pending" : "rekeyed";
}
static const char *const profiles[] = { "aws", "gcp", "alibaba" };

static json_t *
spi8(const uint8_t *s)
{
	char b[17];
	size_t i;

	for (i = 0; i < 8; i++)
		snprintf(b + 2 * i, 3, "%02x", s[i]);
	return json_string(b);
}

/* An identity as the file writes it: address, name (ID_FQDN), keyid:TEXT. */
static json_t *
id_json(const struct cfg_id *id, const struct ipaddr *addr)
{
	char b[CFG_ID_MAX + 16];
	struct ipaddr a;

	switch (id->type) {
	case CFG_ID_IPV4:
		memset(&a, 0, sizeof(a));
		a.family = PFX_V4;
		memcpy(a.addr, id->data, 4);
		return json_string(addr_fmt(&a, b, sizeof(b)));
	case CFG_ID_FQDN:
		snprintf(b, sizeof(b), "%.*s", (int)id->len, (const char *)id->data);
		return json_string(b);
	case CFG_ID_KEY_ID:
		snprintf(b, sizeof(b), "keyid:%.*s", (int)id->len, (const char *)id->data);
		return json_string(b);
	default:
		return json_string(addr_fmt(addr, b, sizeof(b)));
	}
}

/* The negotiated IKE suite: swanctl's string and its parts. */
static void
ike_suite_json(json_t *o, const struct ike_alg *a)
{
	char b[160];
	json_t *x = json_object();

	json_object_set_new(o, "suite", json_string(ike_alg_suite(a, IKE_PROTO_IKE, b,
	    sizeof(b))));
	json_object_set_new(x, "encr", json_string(ike_xf_name(IKE_XFORM_ENCR, a->encr,
	    b, sizeof(b))));
	json_object_set_new(x, "keybits", json_integer(a->keybits));
	if (a->integ != IKE_INTEG_NONE)
		json_object_set_new(x, "integ", json_string(ike_xf_name(IKE_XFORM_INTEG,
		    a->integ, b, sizeof(b))));
	json_object_set_new(x, "prf", json_string(ike_xf_name(IKE_XFORM_PRF, a->prf, b,
	    sizeof(b))));
	json_object_set_new(x, "dh", json_string(ike_xf_name(IKE_XFORM_DH, a->dh, b,
	    sizeof(b))));
	json_object_set_new(o, "algorithms", x);
}

static int64_t
left_s(uint64_t from, uint64_t span, uint64_t now)
{
	return (int64_t)(from + span) - (int64_t)now;
}

static json_t *
show_ike_sas(const json_t *args, void *ctx, struct ctl_error *err)
{
	struct td *td = ctx;
	json_t *a = json_array();
	uint64_t now = td_now_s();
	char lb[64], pb[64];
	size_t i;

	(void)args;
	(void)err;
	for (i = 0; i < td->ntuns; i++) {
		const struct td_tunnel *t = td->tuns[i];
		const struct cfg_vpn_connection *c = t->conn;
		const struct cfg_tunnel *ct;
		struct ike_tunnel_status st;
		json_t *o;
		const char *state;

		if (t->manual)
			continue;
		memset(&st, 0, sizeof(st));
		if (t->ike == NULL)
			state = "disabled";
		else {
			(void)ike_engine_status(t->ike, t->id, &st);
			state = st.established ? "established" :
			    st.n_ike_sas > 0 ? "connecting" : "down";
		}
		o = json_object();
		json_object_set_new(o, "tunnel", json_string(t->name));
		json_object_set_new(o, "state", json_string(state));
		json_object_set_new(o, "version", json_integer(c->ike_version));
		json_object_set_new(o, "local", json_string(addr_fmt(&t->local, lb,
		    sizeof(lb))));
		json_object_set_new(o, "peer", json_string(addr_fmt(&t->peer, pb,
		    sizeof(pb))));
		json_object_set_new(o, "profile", json_string(profiles[c->profile >= 0 &&
		    c->profile < 3 ? c->profile : 0]));
		json_object_set_new(o, "startup", json_string(cfg_conn_startup(c,
		    t->left) == CFG_STARTUP_START ? "start" : "add"));
		ct = &c->tunnels[t->index];
		json_object_set_new(o, "local_id", id_json(t->left ? &ct->left_idv :
		    &ct->right_idv, &t->local));
		json_object_set_new(o, "remote_id", id_json(t->left ? &ct->right_idv :
		    &ct->left_idv, &t->peer));
		if (c->ike_proposals != NULL)
			json_object_set_new(o, "ike_proposals",
			    json_string(c->ike_proposals));
		if (c->esp_proposals != NULL)
			json_object_set_new(o, "esp_proposals",
			    json_string(c->esp_proposals));
		json_object_set_new(o, "ike_sas", json_integer((json_int_t)st.n_ike_sas));
		json_object_set_new(o, "child_sas", json_integer((json_int_t)st.n_children));
		if (st.established) {
			json_object_set_new(o, "role", json_string(t->ike_role));
			json_object_set_new(o, "spi_i", spi8(st.spi_i));
			json_object_set_new(o, "spi_r", spi8(st.spi_r));
			json_object_set_new(o, "natt", json_boolean(st.natt));
			ike_suite_json(o, &st.ike_alg);
			json_object_set_new(o, "established_s",
			    json_integer((json_int_t)(now - t->ike_up_s)));
			/* Rekeyed at lifetime - margin (- fuzz): the latest time. */
			json_object_set_new(o, "rekey_s", json_integer((json_int_t)left_s(
			    t->ike_up_s, c->lifetime_ike_s - c->rekey_margin_s, now)));
		}
		json_object_set_new(o, "lifetime_s", json_integer(c->lifetime_ike_s));
		json_object_set_new(o, "dpd_timeout_s", json_integer(c->dpd_timeout_s));
		json_array_append_new(a, o);
	}
	return a;
}

static void
sa_stats(const struct td_tunnel *t, enum esp_dir dir, uint32_t spi, json_t *o,
    const char *pk, const char *bk)
{
	const struct esp_sa *sa = t->sadb != NULL ? esp_sadb_lookup(t->sadb, dir, spi) :
	    NULL;

	json_object_set_new(o, pk, json_integer(sa != NULL ?
	    (json_int_t)sa->stats.packets : 0));
	json_object_set_new(o, bk, json_integer(sa != NULL ?
	    (json_int_t)sa->stats.bytes : 0));
}

/*
 * The engine reports the newest child's suite: the pair carrying the traffic.
 * `pfs` is the D-H group of the CREATE_CHILD_SA that made it (none for the
 * first child, made in IKE_AUTH).
 */
static void
child_suite_json(json_t *o, const struct ike_alg *a)
{
	char b[160];

	json_object_set_new(o, "suite", json_string(ike_alg_suite(a, IKE_PROTO_ESP, b,
	    sizeof(b))));
	if (a->dh != IKE_DH_NONE)
		json_object_set_new(o, "pfs", json_string(ike_xf_name(IKE_XFORM_DH, a->dh,
		    b, sizeof(b))));
	json_object_set_new(o, "esn", json_boolean(a->esn));
}

static json_t *
show_child_sas(const json_t *args, void *ctx, struct ctl_error *err)
{
	struct td *td = ctx;
	json_t *a = json_array();
	uint64_t now = td_now_s();
	size_t i, k;

	(void)args;
	(void)err;
	for (i = 0; i < td->ntuns; i++) {
		const struct td_tunnel *t = td->tuns[i];
		const struct esp_sa *cur = t->sadb != NULL ?
		    esp_sadb_outbound(t->sadb, t->id) : NULL;
		struct ike_tunnel_status st;

		if (t->manual)
			continue;
		memset(&st, 0, sizeof(st));
		if (t->ike != NULL)
			(void)ike_engine_status(t->ike, t->id, &st);
		for (k = 0; k < t->npairs; k++) {
			const struct td_ike_pair *p = &t->pairs[k];
			json_t *o = json_object();

			json_object_set_new(o, "tunnel", json_string(t->name));
			json_object_set_new(o, "state", json_string(pair_state(p,
			    cur)));
			json_object_set_new(o, "spi_in", json_integer(p->spi_in));
			json_object_set_new(o, "spi_out", json_integer(p->spi_out));
			json_object_set_new(o, "transform",
			    json_string(esp_xform_info(p->xform)->name));
			json_object_set_new(o, "encap", json_string(p->natt ?
			    "udp-4500 (nat)" : "udp-4500"));
			if (st.established && p->spi_in == st.spi_in)
				child_suite_json(o, &st.child_alg);
			json_object_set_new(o, "installed_s",
			    json_integer((json_int_t)(now - p->installed_s)));
			json_object_set_new(o, "rekey_s", json_integer((json_int_t)left_s(
			    p->installed_s, p->soft_s, now)));
			json_object_set_new(o, "expires_s", json_integer((json_int_t)left_s(
			    p->installed_s, p->hard_s, now)));
			sa_stats(t, ESP_DIR_IN, p->spi_in, o, "packets_in", "bytes_in");
			sa_stats(t, ESP_DIR_OUT, p->spi_out, o, "packets_out", "bytes_out");
			json_array_append_new(a, o);
		}
	}
	return a;
}

static struct td_tunnel *
ike_tunnel(struct td *td, const json_t *args, struct ctl_error *err)
{
	const char *name = json_string_value(json_object_get(args, "tunnel"));
	size_t i;

	for (i = 0; i < td->ntuns; i++) {
		struct td_tunnel *t = td->tuns[i];

		if (strcmp(t->name, name) != 0)
			continue;
		if (t->manual) {
			ctl_error_set(err, CTL_E_FAILED, "tunnel %s is manually keyed "
			    "(use sa delete / sa install)", t->name);
			return NULL;
		}
		if (t->ike == NULL) {
			ctl_error_set(err, CTL_E_FAILED, "tunnel %s has no IKE engine "
			    "(IKEv1, or its sockets failed: see the log)", t->name);
			return NULL;
		}
		return t;
	}
	ctl_error_set(err, CTL_E_NOT_FOUND, "no tunnel '%.64s' on this node (names are "
	    "CONNECTION/N)", name);
	return NULL;
}

enum tun_op { OP_UP, OP_DOWN, OP_REKEY };

static json_t *
tunnel_op(struct td *td, const json_t *args, struct ctl_error *err, enum tun_op op)
{
	static const char *const what[] = { "initiate", "delete", "rekey" };
	struct td_tunnel *t;
	uint64_t now;
	json_t *o;
	int rc;

	if ((t = ike_tunnel(td, args, err)) == NULL)
		return NULL;
	ev_now_update(td->ev);
	now = ev_now_ns(td->ev) / 1000000;
	switch (op) {
	case OP_UP:
		rc = ike_engine_initiate(t->ike, t->id, now);
		break;
	case OP_DOWN:
		rc = ike_engine_delete(t->ike, t->id, now);
		break;
	default:
		rc = ike_engine_rekey_child(t->ike, t->id, now);
		break;
	}
	td_ike_drain(t);
	if (rc == -1) {
		ctl_error_set(err, CTL_E_FAILED, "tunnel %s: cannot %s now (no "
		    "established IKE SA, or an exchange is already under way)", t->name,
		    what[op]);
		return NULL;
	}
	log_info("tunnel %s: %s by request", t->name, what[op]);
	o = json_object();
	json_object_set_new(o, "tunnel", json_string(t->name));
	json_object_set_new(o, "action", json_string(what[op]));
	return o;
}

static json_t *
cmd_up(const json_t *args, void *ctx, struct ctl_error *err)
{
	return tunnel_op(ctx, args, err, OP_UP);
}

static json_t *
cmd_down(const json_t *args, void *ctx, struct ctl_error *err)
{
	return tunnel_op(ctx, args, err, OP_DOWN);
}

static json_t *
cmd_rekey(const json_t *args, void *ctx, struct ctl_error *err)
{
	return tunnel_op(ctx, args, err, OP_REKEY);
}

static const struct ctl_arg args_tunnel[] = {
	{ "tunnel", CTL_ARG_STRING, true },
};

static const struct ctl_cmd cmds[] = {
	{ "show ike-sas", show_ike_sas, false,
	    "IKE SAs of keying-ike tunnels: state, role, ids, suite, SPIs, times", NULL, 0 },
	{ "show child-sas", show_child_sas, false,
	    "Child SA pairs of keying-ike tunnels: SPIs, transform, suite, times, counters",
	    NULL, 0 },
	{ "tunnel up", cmd_up, true, "initiate the tunnel's IKE SA", args_tunnel, 1 },
	{ "tunnel down", cmd_down, true,
	    "delete the tunnel's IKE SA and Child SAs (fail closed)", args_tunnel, 1 },
	{ "tunnel rekey", cmd_rekey, true,
	    "rekey the tunnel's Child SA (make-before-break)", args_tunnel, 1 },
};

int
td_ike_ctl_register(struct td *td)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (ctl_proto_register(td->proto, &cmds[i], td) == -1)
			return -1;
	return 0;
}
