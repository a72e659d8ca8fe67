/*
 * dp_tun: TUN devices for VPC attachments (design.md "Data plane", docs/io.md).
 * A device is created inside the VPC's network namespace when one is given, gets
 * its address, MTU and up state over rtnetlink there, and its fd is then used from
 * transitd's own namespace.  Devices are never persistent: closing the fd (also a
 * crash) removes the device.
 *
 * Packets are bare IP (IFF_NO_PI).  With DP_TUN_VNET_HDR (performance.md 1(b),
 * docs/io.md "Offloads") the device is opened with IFF_VNET_HDR and
 * TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4): every read and every write then starts
 * with a DP_GSO_HDR_LEN-byte struct virtio_net_hdr (dp_gso.h) and a read may
 * return a TCP superpacket of up to 64 KB.  A kernel that refuses IFF_VNET_HDR
 * gets a plain device (tun->flags tells which); one that refuses the offloads
 * keeps the header but never sends superpackets.
 */
#ifndef TRANSIT_DP_TUN_H
#define TRANSIT_DP_TUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/prefix.h"

#define DP_TUN_VNET_HDR	0x01	/* virtio_net_hdr + TSO: see above */
#define DP_TUN_OFFLOAD	0x02	/* out only: TUNSETOFFLOAD was accepted */
/* IFNAMSIZ, without pulling <net/if.h> (it clashes with <linux/if.h>) into users. */
#define DP_TUN_NAMESIZ	16

struct dp_tun_cfg {
	const char		*name;	/* e.g. "tr-vpca"; NULL or "" lets the kernel pick */
	const char		*netns;	/* e.g. /run/netns/vpc-a; NULL: our namespace */
	unsigned		 mtu;	/* 0: kernel default (1500) */
	const struct ipaddr	*addr;	/* optional address ... */
	unsigned		 plen;	/* ... and its prefix length */
	unsigned		 flags;	/* DP_TUN_* */
};

struct dp_tun {
	int		fd;		/* non-blocking, close-on-exec */
	int		ifindex;	/* inside the device's namespace */
	unsigned	mtu;
	unsigned	flags;
	char		name[DP_TUN_NAMESIZ];
};

/* Create and configure; on error nothing is left behind and tun->fd is -1. */
int	dp_tun_open(const struct dp_tun_cfg *, struct dp_tun *);
/* Close the fd, which deletes the device. */
void	dp_tun_close(struct dp_tun *);

/*
 * Read up to n packets (one read() each) until the fd would block.  Every bufs[i]
 * holds bufsz bytes (bufsz >= MTU, or the kernel truncates); lens[i] gets each
 * packet's length.  Returns the count (0 when nothing was ready), or -1 when the
 * first read fails; a later failure ends the batch and shows on the next call.
 */
ssize_t	dp_tun_read_batch(int fd, uint8_t *const bufs[], size_t lens[], size_t n,
	    size_t bufsz);
/* Write one packet: 0, or -1 with errno (EAGAIN: the device queue is full). */
int	dp_tun_write(int fd, const void *pkt, size_t len);
/* The same with a separate header in front (a virtio_net_hdr), one writev. */
int	dp_tun_write2(int fd, const void *hdr, size_t hlen, const void *pkt, size_t len);

#endif
