/*
 * td_attach: the TUN device of an attachment inside its VPC's namespace, and the
 * routes that namespace gets towards it (docs/daemon.md "Attachments"; docs/io.md
 * for the TUN-across-namespaces technique).  The device carries no address: the
 * attachment's "ENI" address is only the source of the ICMP errors we send, since a
 * local source address would be a martian to the VPC namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/td.h"
#include "dataplane/dp_netns.h"
#include "dataplane/dp_nl.h"

/*
 * Device settings dp_tun does not make, inside the VPC namespace:
 * - txqueuelen: the kernel queues packets for our reads in a ring of that many
 *   entries (500 by default) and drops beyond it; a deeper ring absorbs the bursts
 *   a single thread lets build up while it encrypts (measured: TCP retransmits in
 *   esp_two_sites);
 * - IPv6 off on the device: the data plane is IPv4 only, and the namespace's
 *   router solicitations and MLD reports would only be counted as drops.
 */
static void
tune_device(const struct td_att *a, int qlen)
{
	struct dp_netns_saved saved;
	struct ifreq ifr;
	char path[128];
	int s, fd;

	if (dp_netns_enter(a->netns, &saved) == -1)
		return;
	/* /proc/sys/net shows the namespace of the thread that opens it. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
	    a->tun.name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) != -1) {
		if (write(fd, "1\n", 2) != 2)
			log_debug("attachment %s: %s", a->name, path);
		close(fd);
	}
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) != -1) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", a->tun.name);
		ifr.ifr_qlen = qlen;
		if (ioctl(s, SIOCSIFTXQLEN, &ifr) == -1)
			log_warn("attachment %s: txqueuelen %d", a->name, qlen);
		close(s);
	}
	dp_netns_leave(&saved);
}

int
td_att_open(struct td_att *a)
{
	struct dp_tun_cfg c;

	memset(&c, 0, sizeof(c));
	c.name = a->ifname;
	c.netns = a->netns;
	c.mtu = a->mtu;
	/* TSO reads, GRO writes (docs/io.md "Offloads"). */
	c.flags = a->plain_tun ? 0 : DP_TUN_VNET_HDR;
	if (dp_tun_open(&c, &a->tun) == -1) {
		log_warn("attachment %s: cannot create %s in %s", a->name, a->ifname,
		    a->netns != NULL ? a->netns : "our namespace");
		a->tun.fd = -1;
		return -1;
	}
	tune_device(a, TD_TUN_TXQLEN);
	log_info("attachment %s (%s %s, vpc %s): %s in %s, mtu %u", a->name,
	    td_att_kind_name(a->kind), a->gw_name, a->vpc_name, a->tun.name,
	    a->netns != NULL ? a->netns : "our namespace", a->mtu);
	return 0;
}

static void
routes_del_all(struct td_att *a)
{
	char pb[PREFIX_STRLEN];
	size_t i;

	for (i = 0; i < a->nroutes; i++)
		if (dp_nl_route_del(a->netns, &a->routes[i], a->tun.name) == -1 &&
		    errno != ESRCH && errno != ENODEV)
			log_warn("attachment %s: removing route %s", a->name,
			    prefix_fmt(&a->routes[i], pb, sizeof(pb)));
	a->nroutes = 0;
}

void
td_att_close(struct td_att *a)
{
	if (a->tun.fd == -1)
		return;
	routes_del_all(a);
	log_info("attachment %s: removing %s", a->name, a->tun.name);
	dp_tun_close(&a->tun);
	a->tun.fd = -1;
}

static bool
has(const struct prefix *v, size_t n, const struct prefix *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix_eq(&v[i], p))
			return true;
	return false;
}

void
td_att_sync_routes(struct td_att *a)
{
	char pb[PREFIX_STRLEN];
	size_t i, n;

	if (a->tun.fd == -1)
		return;
	/* Withdraw first what is no longer wanted, then (re)place the wanted ones. */
	for (i = 0, n = 0; i < a->nroutes; i++) {
		if (has(a->want, a->nwant, &a->routes[i])) {
			a->routes[n++] = a->routes[i];
			continue;
		}
		if (dp_nl_route_del(a->netns, &a->routes[i], a->tun.name) == -1)
			log_warn("attachment %s: removing route %s", a->name,
			    prefix_fmt(&a->routes[i], pb, sizeof(pb)));
		else
			log_info("attachment %s: route %s withdrawn", a->name,
			    prefix_fmt(&a->routes[i], pb, sizeof(pb)));
	}
	a->nroutes = n;
	for (i = 0; i < a->nwant; i++) {
		if (has(a->routes, a->nroutes, &a->want[i]))
			continue;
		if (dp_nl_route_add(a->netns, &a->want[i], a->tun.name) == -1) {
			log_warn("attachment %s: adding route %s dev %s", a->name,
			    prefix_fmt(&a->want[i], pb, sizeof(pb)), a->tun.name);
			continue;
		}
		log_debug("attachment %s: route %s dev %s", a->name,
		    prefix_fmt(&a->want[i], pb, sizeof(pb)), a->tun.name);
		a->routes = xreallocarray(a->routes, a->nroutes + 1, sizeof(*a->routes));
		a->routes[a->nroutes++] = a->want[i];
	}
}

void
td_att_take(struct td_att *to, struct td_att *from)
{
	to->tun = from->tun;
	from->tun.fd = -1;
	free(to->routes);
	to->routes = from->routes;
	to->nroutes = from->nroutes;
	from->routes = NULL;
	from->nroutes = 0;
	to->icmp_rl = from->icmp_rl;
	to->c = from->c;
	from->taken = true;
}
