/*
 * dp_tun: TUN creation across namespaces and batched packet I/O (see dp_tun.h,
 * docs/io.md "TUN across namespaces").
 *
 * Create-inside rather than create-and-move: a link moved with IFLA_NET_NS_FD loses
 * its addresses and up state on the way, so the configuration needs a netlink
 * socket in the target namespace either way; creating it there also keeps the
 * name out of our own namespace, where another attachment may use it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_tun.h>

#include "common/log.h"
#include "dataplane/dp_gso.h"
#include "dataplane/dp_netns.h"
#include "dataplane/dp_nl.h"
#include "dataplane/dp_tun.h"

_Static_assert(DP_TUN_NAMESIZ == IFNAMSIZ, "DP_TUN_NAMESIZ must equal IFNAMSIZ");

static int
tun_create(const struct dp_tun_cfg *cfg, struct dp_tun *tun)
{
	struct ifreq ifr;
	struct dp_nl nl;
	int rc = -1;

	if ((tun->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1) {
		log_warn("open /dev/net/tun");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (tun->flags & DP_TUN_VNET_HDR)
		ifr.ifr_flags |= IFF_VNET_HDR;
	if (cfg->name != NULL)
		memcpy(ifr.ifr_name, cfg->name, strlen(cfg->name));
	if (ioctl(tun->fd, TUNSETIFF, &ifr) == -1) {
		if ((tun->flags & DP_TUN_VNET_HDR) == 0) {
			log_warn("TUNSETIFF %s", cfg->name != NULL ? cfg->name : "");
			return -1;
		}
		/* Fallback: a plain device, one packet per read and write. */
		log_warn("TUNSETIFF %s with IFF_VNET_HDR, trying without",
		    cfg->name != NULL ? cfg->name : "");
		tun->flags &= ~(unsigned)DP_TUN_VNET_HDR;
		ifr.ifr_flags &= ~IFF_VNET_HDR;
		if (ioctl(tun->fd, TUNSETIFF, &ifr) == -1) {
			log_warn("TUNSETIFF %s", cfg->name != NULL ? cfg->name : "");
			return -1;
		}
	}
	if (tun->flags & DP_TUN_VNET_HDR) {
		int sz = DP_GSO_HDR_LEN;

		if (ioctl(tun->fd, TUNSETVNETHDRSZ, &sz) == -1) {
			log_warn("TUNSETVNETHDRSZ %s", ifr.ifr_name);
			return -1;
		}
		if (ioctl(tun->fd, TUNSETOFFLOAD,
		    (unsigned long)(TUN_F_CSUM | TUN_F_TSO4)) == -1)
			log_warn("TUNSETOFFLOAD %s: no TSO, one packet per read",
			    ifr.ifr_name);
		else
			tun->flags |= DP_TUN_OFFLOAD;
	}
	/* A same-named persistent leftover would be reattached by TUNSETIFF. */
	if (ioctl(tun->fd, TUNSETPERSIST, 0) == -1) {
		log_warn("TUNSETPERSIST 0 %s", ifr.ifr_name);
		return -1;
	}
	memcpy(tun->name, ifr.ifr_name, sizeof(tun->name));
	tun->name[sizeof(tun->name) - 1] = '\0';

	/* We are inside the target namespace: this socket is bound to it. */
	if (dp_nl_open(&nl, NULL) == -1)
		return -1;
	if ((tun->ifindex = dp_nl_ifindex(&nl, tun->name)) == -1) {
		log_warn("netlink: ifindex of %s", tun->name);
		goto out;
	}
	if (cfg->addr != NULL &&
	    dp_nl_addr_add(&nl, tun->ifindex, cfg->addr, cfg->plen) == -1)
		goto out;
	if (dp_nl_link_set(&nl, tun->ifindex, cfg->mtu, true) == -1)
		goto out;
	rc = 0;
out:
	dp_nl_close(&nl);
	return rc;
}

int
dp_tun_open(const struct dp_tun_cfg *cfg, struct dp_tun *tun)
{
	struct dp_netns_saved saved;
	int rc;

	memset(tun, 0, sizeof(*tun));
	tun->fd = -1;
	if (cfg->flags & ~(unsigned)DP_TUN_VNET_HDR) {
		log_warnx("tun %s: unknown flags 0x%x", cfg->name != NULL ? cfg->name : "",
		    cfg->flags);
		errno = EOPNOTSUPP;
		return -1;
	}
	tun->flags = cfg->flags;
	if (cfg->name != NULL && strlen(cfg->name) >= IFNAMSIZ) {
		log_warnx("tun name \"%s\" is longer than %d characters", cfg->name,
		    IFNAMSIZ - 1);
		errno = EINVAL;
		return -1;
	}
	if (dp_netns_enter(cfg->netns, &saved) == -1)
		return -1;
	rc = tun_create(cfg, tun);
	dp_netns_leave(&saved);
	if (rc == -1) {
		/* Not persistent: closing the fd removes the half-made device. */
		if (tun->fd != -1)
			close(tun->fd);
		tun->fd = -1;
		return -1;
	}
	tun->mtu = cfg->mtu != 0 ? cfg->mtu : 1500;
	log_debug("tun %s (ifindex %d) up in %s, mtu %u", tun->name, tun->ifindex,
	    cfg->netns != NULL ? cfg->netns : "own netns", tun->mtu);
	return 0;
}

void
dp_tun_close(struct dp_tun *tun)
{
	if (tun->fd != -1)
		close(tun->fd);
	tun->fd = -1;
}

ssize_t
dp_tun_read_batch(int fd, uint8_t *const bufs[], size_t lens[], size_t n, size_t bufsz)
{
	size_t i = 0;
	ssize_t r;

	while (i < n) {
		r = read(fd, bufs[i], bufsz);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || i > 0)
				break;
			return -1;
		}
		if (r == 0)
			break;
		lens[i++] = (size_t)r;
	}
	return (ssize_t)i;
}

int
dp_tun_write(int fd, const void *pkt, size_t len)
{
	ssize_t r;

	do
		r = write(fd, pkt, len);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return -1;
	if ((size_t)r != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int
dp_tun_write2(int fd, const void *hdr, size_t hlen, const void *pkt, size_t len)
{
	struct iovec iov[2];
	ssize_t r;

	iov[0].iov_base = (void *)(uintptr_t)hdr;
	iov[0].iov_len = hlen;
	iov[1].iov_base = (void *)(uintptr_t)pkt;
	iov[1].iov_len = len;
	do
		r = writev(fd, iov, 2);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return -1;
	if ((size_t)r != hlen + len) {
		errno = EIO;
		return -1;
	}
	return 0;
}
