/*
 * td_reload: load (or reload) the network file atomically (docs/daemon.md
 * "Reload").  The new file is parsed and validated first; an invalid one changes
 * nothing and its errors go back to the caller.  A valid one is built into new
 * route tables (net_build) and a new plan of attachments and tunnels; objects whose
 * definition key is unchanged take over the running device, socket and SAs of their
 * predecessor (so they keep forwarding), the others are closed or created.  The
 * whole swap runs inside one loop callback, so the data plane never sees a mix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/ev.h"
#include "common/log.h"
#include "common/util.h"
#include "daemon/td.h"

static json_t *
diag_errors(const struct cfg_diag *d)
{
	json_t *a = json_array();
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("open_memstream");
	cfg_diag_print(d, f);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, ": warning: ") != NULL) {
			log_info("%s", line);
			continue;
		}
		log_warnx("%s", line);
		json_array_append_new(a, json_string(line));
	}
	free(buf);
	return a;
}

/* The PSK is compared here rather than kept in the (printable) key string. */
static bool
same_psk(const struct td_tunnel *a, const struct td_tunnel *b)
{
	size_t la, lb;

	if (a->psk == NULL || b->psk == NULL)
		return a->psk == b->psk;
	la = strlen(a->psk);
	lb = strlen(b->psk);
	return la == lb && CRYPTO_memcmp(a->psk, b->psk, la) == 0;
}

static bool
same_str(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/*
 * The rest of what the IKE engine was configured with (td_ike.c), read from the
 * files: both models are alive here (the old one is freed after the swap).
 */
static bool
same_keying(const struct td_tunnel *a, const struct td_tunnel *b)
{
	const struct cfg_vpn_connection *ca = a->conn, *cb = b->conn;
	const struct cfg_tunnel *ta, *tb;

	if (!same_psk(a, b))
		return false;
	if (ca == NULL || cb == NULL)
		return ca == cb;
	ta = &ca->tunnels[a->index];
	tb = &cb->tunnels[b->index];
	return same_str(ca->ike_proposals, cb->ike_proposals) &&
	    same_str(ca->esp_proposals, cb->esp_proposals) &&
	    same_str(ta->left_id, tb->left_id) && same_str(ta->right_id, tb->right_id);
}

static void
unregister(struct td *td)
{
	size_t i;

	for (i = 0; i < td->natts; i++)
		if (td->atts[i]->tun.fd != -1)
			ev_io_del(td->ev, td->atts[i]->tun.fd);
	for (i = 0; i < td->ntuns; i++) {
		if (td->tuns[i]->udp.fd != -1)
			ev_io_del(td->ev, td->tuns[i]->udp.fd);
		if (td->tuns[i]->ike_udp.fd != -1)
			ev_io_del(td->ev, td->tuns[i]->ike_udp.fd);
	}
}

static void
reregister(struct td *td)
{
	size_t i;

	for (i = 0; i < td->natts; i++)
		if (td->atts[i]->tun.fd != -1 &&
		    ev_io_add(td->ev, td->atts[i]->tun.fd, EV_READ, td_fwd_tun_cb,
		    td->atts[i]) == -1)
			log_warn("attachment %s: ev_io_add", td->atts[i]->name);
	for (i = 0; i < td->ntuns; i++) {
		if (td->tuns[i]->udp.fd != -1 &&
		    ev_io_add(td->ev, td->tuns[i]->udp.fd, EV_READ, td_fwd_udp_cb,
		    td->tuns[i]) == -1)
			log_warn("tunnel %s: ev_io_add", td->tuns[i]->name);
		if (td->tuns[i]->ike_udp.fd != -1 &&
		    ev_io_add(td->ev, td->tuns[i]->ike_udp.fd, EV_READ, td_ike_udp_cb,
		    td->tuns[i]) == -1)
			log_warn("tunnel %s: ev_io_add (IKE)", td->tuns[i]->name);
	}
}

json_t *
td_reload(struct td *td, bool initial)
{
	struct cfg_diag d;
	struct cfg_net *cfg;
	struct net *net;
	const struct cfg_node *node;
	struct td_att **atts;
	struct td_tunnel **tuns;
	size_t natts, ntuns, i, j, kept = 0;
	json_t *errs;

	cfg_diag_init(&d);
	cfg = cfg_load_file(td->opts.cfg_path, &d);
	errs = diag_errors(&d);
	cfg_diag_free(&d);
	if (cfg == NULL) {
		log_warnx("%s: %zu error(s); %s", td->opts.cfg_path, json_array_size(errs),
		    initial ? "not starting" : "keeping the running configuration");
		return errs;
	}
	if ((node = cfg_find_node(cfg, td->opts.node)) == NULL) {
		char *m = xasprintf("%s: node '%s' is not defined", td->opts.cfg_path,
		    td->opts.node);

		log_warnx("%s", m);
		json_array_append_new(errs, json_string(m));
		free(m);
		cfg_free(cfg);
		return errs;
	}
	json_decref(errs);
	net = net_build(cfg);
	for (i = 0; i < net->nproblems; i++)
		log_warnx("routing: %s", net->problems[i]);
	td_node_plan(td, cfg, net, node, &atts, &natts, &tuns, &ntuns);

	/* From here on nothing can fail as a whole: swap. */
	unregister(td);
	for (i = 0; i < natts; i++)
		for (j = 0; j < td->natts; j++)
			if (!td->atts[j]->taken && strcmp(td->atts[j]->key, atts[i]->key) == 0) {
				td_att_take(atts[i], td->atts[j]);
				kept++;
				break;
			}
	for (i = 0; i < ntuns; i++)
		for (j = 0; j < td->ntuns; j++)
			if (!td->tuns[j]->taken && strcmp(td->tuns[j]->key, tuns[i]->key) == 0 &&
			    same_keying(td->tuns[j], tuns[i])) {
				td_tunnel_take(tuns[i], td->tuns[j]);
				kept++;
				break;
			}
	/* Close the old ones first: a changed device may reuse the same name. */
	for (i = 0; i < td->natts; i++) {
		if (!td->atts[i]->taken)
			td_att_close(td->atts[i]);
		td_att_free(td->atts[i]);
	}
	for (i = 0; i < td->ntuns; i++) {
		if (!td->tuns[i]->taken)
			td_tunnel_close(td->tuns[i]);
		td_tunnel_free(td->tuns[i]);
	}
	free(td->atts);
	free(td->tuns);
	for (i = 0; i < natts; i++)
		if (!atts[i]->taken && atts[i]->tun.fd == -1)
			(void)td_att_open(atts[i]);
	for (i = 0; i < ntuns; i++) {
		if (tuns[i]->udp.fd != -1 || tuns[i]->sadb != NULL)
			continue;
		tuns[i]->id = ++td->next_tunnel_id;
		(void)td_tunnel_open(tuns[i]);
	}
	for (i = 0; i < natts; i++)
		atts[i]->taken = false;
	for (i = 0; i < ntuns; i++)
		tuns[i]->taken = false;
	td->atts = atts;
	td->natts = natts;
	td->tuns = tuns;
	td->ntuns = ntuns;
	if (td->net != NULL)
		net_free(td->net);
	if (td->cfg != NULL)
		cfg_free(td->cfg);
	td->cfg = cfg;
	td->net = net;
	td->node = node;
	for (i = 0; i < natts; i++)
		td_att_sync_routes(atts[i]);
	td_node_index(td);
	reregister(td);
	if (!initial) {
		td->reloads++;
		log_info("reloaded %s: %zu attachment(s), %zu tunnel(s), %zu kept",
		    td->opts.cfg_path, natts, ntuns, kept);
	}
	return NULL;
}
