/*
 * td_main: the life of transitd (docs/daemon.md): start (load the file, open the
 * node's devices and tunnels, the control socket), run the loop, and shut down
 * cleanly on SIGTERM/SIGINT, removing the routes and TUN devices it made.  SIGHUP
 * reloads (td_reload.c).  Signals are read from the loop's signalfd (common/ev.h), so
 * their handlers are ordinary callbacks.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/ev.h"
#include "common/log.h"
#include "common/util.h"
#include "ctl/ctl_proto.h"
#include "ctl/ctl_server.h"
#include "daemon/td.h"

uint64_t
td_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

struct td *
td_new(const struct td_opts *o)
{
	struct td *td = xcalloc(1, sizeof(*td));

	td->opts = *o;
	return td;
}

static void
on_term(struct ev_loop *ev, int signo, void *arg)
{
	(void)arg;
	log_info("signal %d: shutting down", signo);
	ev_stop(ev);
}

static void
on_hup(struct ev_loop *ev, int signo, void *arg)
{
	struct td *td = arg;
	json_t *errs;

	(void)ev;
	(void)signo;
	log_info("SIGHUP: reloading %s", td->opts.cfg_path);
	if ((errs = td_reload(td, false)) != NULL)
		json_decref(errs);
}

static uint32_t
to_ctl(unsigned ev)
{
	uint32_t r = 0;

	if (ev & EV_READ)
		r |= CTL_EV_READ;
	if (ev & EV_WRITE)
		r |= CTL_EV_WRITE;
	if (ev & EV_ERROR)
		r |= CTL_EV_ERROR;
	return r;
}

static unsigned
from_ctl(uint32_t ev)
{
	unsigned r = 0;

	if (ev & CTL_EV_READ)
		r |= EV_READ;
	if (ev & CTL_EV_WRITE)
		r |= EV_WRITE;
	return r;
}

static void
ctl_io(struct ev_loop *ev, int fd, unsigned revents, void *arg)
{
	struct td *td = arg;

	(void)ev;
	if (td->ctl != NULL)
		ctl_server_handle(td->ctl, fd, to_ctl(revents));
}

static void
ctl_add(void *arg, int fd, uint32_t events)
{
	struct td *td = arg;

	if (ev_io_add(td->ev, fd, from_ctl(events), ctl_io, td) == -1)
		log_warn("control: ev_io_add");
}

static void
ctl_mod(void *arg, int fd, uint32_t events)
{
	struct td *td = arg;

	(void)ev_io_mod(td->ev, fd, from_ctl(events));
}

static void
ctl_del(void *arg, int fd)
{
	struct td *td = arg;

	(void)ev_io_del(td->ev, fd);
}

int
td_start(struct td *td, char *err, size_t errlen)
{
	struct ctl_server_config sc;
	struct ctl_server_cb cb;
	json_t *errs;

	if ((td->ev = ev_new()) == NULL) {
		snprintf(err, errlen, "cannot create the event loop");
		return -1;
	}
	if (dp_hash_init_random(&td->hash) == -1) {
		snprintf(err, errlen, "cannot seed the flow hash");
		return -1;
	}
	td->fwd = td_fwd_new();
	if (td->opts.sock != NULL)
		td->sock_path = xstrdup(td->opts.sock);
	else if ((td->sock_path = ctl_default_path(td->opts.node, false)) == NULL) {
		snprintf(err, errlen, "node name '%s' is not a safe file name", td->opts.node);
		return -1;
	}
	/* The read-only socket (monitoring, no key material): explicit, or the
	 * default beside the default main socket. */
	if (td->opts.ro_sock != NULL)
		td->ro_path = xstrdup(td->opts.ro_sock);
	else if (td->opts.sock == NULL)
		td->ro_path = ctl_default_path(td->opts.node, true);
	if ((errs = td_reload(td, true)) != NULL) {
		snprintf(err, errlen, "%s: %zu error(s) in the network file",
		    td->opts.cfg_path, json_array_size(errs));
		json_decref(errs);
		return -1;
	}
	if (td->opts.emulate_wan)
		td->wan = td_wan_new(td);
	td->proto = ctl_proto_new(TRANSIT_VERSION);
	if (td_ctl_register(td) == -1) {
		snprintf(err, errlen, "cannot register the control commands");
		return -1;
	}
	memset(&sc, 0, sizeof(sc));
	sc.path = td->sock_path;
	sc.ro_path = td->ro_path;
	sc.gid = (gid_t)-1;
	cb.add_fd = ctl_add;
	cb.mod_fd = ctl_mod;
	cb.del_fd = ctl_del;
	cb.arg = td;
	if ((td->ctl = ctl_server_open(&sc, td->proto, &cb, err, errlen)) == NULL)
		return -1;
	if (ev_signal_add(td->ev, SIGTERM, on_term, td) == -1 ||
	    ev_signal_add(td->ev, SIGINT, on_term, td) == -1 ||
	    ev_signal_add(td->ev, SIGHUP, on_hup, td) == -1) {
		snprintf(err, errlen, "cannot watch signals");
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	log_info("node %s: %zu attachment(s), %zu tunnel(s); control socket %s%s%s",
	    td->opts.node, td->natts, td->ntuns, td->sock_path,
	    td->ro_path != NULL ? ", read-only " : "",
	    td->ro_path != NULL ? td->ro_path : "");
	return 0;
}

int
td_run(struct td *td)
{
	return ev_run(td->ev);
}

void
td_release(struct td *td)
{
	size_t i;

	if (td->ctl != NULL) {
		ctl_server_close(td->ctl);
		td->ctl = NULL;
	}
	ctl_proto_free(td->proto);
	for (i = 0; i < td->natts; i++) {
		if (td->atts[i]->tun.fd != -1 && td->ev != NULL)
			ev_io_del(td->ev, td->atts[i]->tun.fd);
		td_att_close(td->atts[i]);
		td_att_free(td->atts[i]);
	}
	for (i = 0; i < td->ntuns; i++) {
		if (td->tuns[i]->udp.fd != -1 && td->ev != NULL)
			ev_io_del(td->ev, td->tuns[i]->udp.fd);
		td_tunnel_close(td->tuns[i]);
		td_tunnel_free(td->tuns[i]);
	}
	free(td->atts);
	free(td->tuns);
	for (i = 0; i < td->nidmap; i++)
		free(td->idmap[i].tuns);
	free(td->idmap);
	td_fib_free(td);
	if (td->net != NULL)
		net_free(td->net);
	if (td->cfg != NULL)
		cfg_free(td->cfg);
	td_wan_free(td->wan);
	td_fwd_free(td->fwd);
	if (td->ev != NULL)
		ev_free(td->ev);
	free(td->sock_path);
	free(td->ro_path);
	memset(td, 0, sizeof(*td));
}

void
td_free(struct td *td)
{
	if (td == NULL)
		return;
	td_release(td);
	free(td);
}
