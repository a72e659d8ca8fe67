/*
 * dp_udp: UDP sockets for ESP-in-UDP (RFC 3948, port 4500) and IKE (RFC 7296,
 * port 500), with batched I/O (performance.md 1(b), 3(b); docs/io.md).
 *
 * Sockets are non-blocking and report, per datagram, the peer and the local
 * address it arrived on (IP_PKTINFO / IPV6_RECVPKTINFO): a gateway bound to the
 * wildcard must answer IKE from the address the peer used.
 *
 * Buffers belong to the caller; a batch call allocates nothing.  The per-message
 * gso_size field carries UDP_SEGMENT on send (one buffer, split by the kernel into
 * datagrams of gso_size bytes) and, on a socket opened with gro, the segment size
 * of a coalesced receive buffer; 0 means one datagram per buffer.
 */
#ifndef TRANSIT_DP_UDP_H
#define TRANSIT_DP_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/prefix.h"

#define DP_UDP_BATCH_MAX	64	/* per call; larger n is clamped */

struct dp_udp_cfg {
	struct ipaddr	 local;		/* family PFX_NONE: 0.0.0.0 */
	uint16_t	 port;		/* 0: kernel picks (tests) */
	const char	*netns;		/* NULL: our namespace */
	int		 rcvbuf;	/* bytes wanted; 0 = leave default */
	int		 sndbuf;
	bool		 gro;		/* UDP_GRO: a recv buffer may hold several
					   same-flow datagrams of gso_size each */
};

struct dp_udp {
	int		fd;
	uint8_t		family;		/* PFX_V4 / PFX_V6 */
	uint16_t	port;		/* bound port (learned when cfg said 0) */
	int		rcvbuf;		/* granted, as the kernel reports it */
	int		sndbuf;
};

struct dp_udp_msg {
	uint8_t		*buf;		/* caller-owned */
	size_t		 cap;		/* recv: size of buf */
	size_t		 len;		/* recv: filled in; send: bytes to send */
	struct ipaddr	 peer;		/* recv: source; send: destination */
	uint16_t	 peer_port;
	struct ipaddr	 local;		/* recv: our address it came to; send: source
					   address to use, or family PFX_NONE */
	int		 ifindex;	/* recv: arrival interface */
	uint16_t	 gso_size;	/* UDP_SEGMENT / UDP_GRO segment size, or 0 */
	int		 flags;		/* recv: MSG_TRUNC when buf was too small */
};

int	dp_udp_open(const struct dp_udp_cfg *, struct dp_udp *);
void	dp_udp_close(struct dp_udp *);

/*
 * Receive up to n datagrams with one recvmmsg.  Returns the count (0 when none
 * were waiting) or -1.
 */
int	dp_udp_recv_batch(struct dp_udp *, struct dp_udp_msg *, size_t n);
/*
 * Send msgs[0..n) with sendmmsg, each to its own peer.  Returns how many the
 * kernel took (the rest are the caller's to retry or drop: EAGAIN) or -1 when
 * none were sent.
 */
int	dp_udp_send_batch(struct dp_udp *, const struct dp_udp_msg *, size_t n);

#endif
