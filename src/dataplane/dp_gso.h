/*
 * dp_gso: generic segmentation and receive offload in userspace for TUN devices
 * opened with IFF_VNET_HDR (performance.md 1(b), docs/io.md "Offloads").
 *
 * With TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4) the kernel hands one TCP superpacket
 * of up to 64 KB per read, prefixed by a struct virtio_net_hdr (virtio spec 1.1
 * section 5.1.6, legacy layout, host byte order).  dp_gso_tcp4_segment() cuts it
 * into MSS-sized IPv4/TCP packets with the headers a TSO NIC would write (IP id
 * +1 per segment, total length and header checksum, TCP sequence number, CWR on
 * the first segment only, FIN/PSH on the last only, TCP checksum over the pseudo
 * header), so the rest of the data plane sees ordinary packets.
 *
 * In the other direction struct dp_gro collects consecutive in-order segments of
 * one TCP flow (as Linux tcp_gro_receive does: same addresses, ports, ack, window,
 * options; contiguous sequence numbers; all of the size of the first but the
 * last) into one superpacket written with a single TUN write and a GSO header;
 * the kernel delivers it whole to a local socket or segments it again when it
 * forwards it.
 *
 * Everything here works on IPv4 packets the caller has parsed with dp_ipv4_parse
 * (struct dp_ipv4_hdr); the TCP header is read through buf.h.
 */
#ifndef TRANSIT_DP_GSO_H
#define TRANSIT_DP_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dp_ipv4.h"

#define DP_GSO_HDR_LEN		10	/* struct virtio_net_hdr (TUNSETVNETHDRSZ) */
#define DP_GSO_PKT_MAX		65535	/* largest superpacket (IPv4 total length) */

/* virtio_net_hdr flags and gso_type values (linux/virtio_net.h). */
#define DP_GSO_F_NEEDS_CSUM	0x01
#define DP_GSO_NONE		0
#define DP_GSO_TCPV4		1
#define DP_GSO_UDP		3
#define DP_GSO_TCPV6		4
#define DP_GSO_UDP_L4		5
#define DP_GSO_ECN		0x80

/* struct virtio_net_hdr in host form. */
struct dp_gso_hdr {
	uint8_t		flags;
	uint8_t		gso_type;
	uint16_t	hdr_len;	/* bytes of headers (IP + TCP) */
	uint16_t	gso_size;	/* payload bytes per segment */
	uint16_t	csum_start;	/* from the start of the IP header */
	uint16_t	csum_offset;	/* of the checksum field from csum_start */
};

/* Decode / encode the DP_GSO_HDR_LEN bytes the TUN puts in front of a packet. */
void	dp_gso_hdr_get(const uint8_t *p, struct dp_gso_hdr *);
void	dp_gso_hdr_put(uint8_t *p, const struct dp_gso_hdr *);

/*
 * A packet with NEEDS_CSUM and no GSO carries only the pseudo-header sum in its
 * checksum field: complete it (sum from csum_start to the end).  0, or -1 when
 * the offsets do not fit the packet.
 */
int	dp_gso_csum(uint8_t *pkt, size_t len, const struct dp_gso_hdr *);

struct dp_gso_seg {
	uint8_t		*p;		/* where to write the segment */
	size_t		 cap;
	size_t		 len;		/* out */
};

/*
 * The number of segments of at most mss payload bytes the IPv4/TCP superpacket
 * pkt (parsed into h, len == h->tot_len) splits into, or 0 when it is not one
 * (not TCP, a fragment, a bad TCP header, no payload, mss 0).
 */
size_t	dp_gso_tcp4_count(const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *,
	    size_t mss);
/* IP + TCP header bytes of a TCP packet (what each segment repeats), or 0. */
size_t	dp_gso_tcp4_hlen(const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *);
/*
 * Write segments first..first+n-1 (of dp_gso_tcp4_count) into out[0..n), each a
 * complete IPv4/TCP packet with valid checksums.  0, or -1 (nothing usable) when
 * the packet is not a TCP superpacket, the range is outside it or a segment does
 * not fit its out[].cap.
 */
int	dp_gso_tcp4_segment(const uint8_t *pkt, size_t len, const struct dp_ipv4_hdr *,
	    size_t mss, size_t first, struct dp_gso_seg *out, size_t n);

/* GRO state: one superpacket being built in a caller-owned buffer. */
struct dp_gro {
	uint8_t		*buf;		/* DP_GSO_HDR_LEN + DP_GSO_PKT_MAX bytes */
	size_t		 len;		/* packet bytes after the vnet header; 0: empty */
	unsigned	 n;		/* segments merged */
	uint16_t	 mss;		/* payload of the first segment */
	uint16_t	 hlen;		/* IP + TCP header bytes */
	uint32_t	 next_seq;
	bool		 closed;	/* a short or PSH segment ended it */
	void		*owner;		/* caller's tag (the TUN it goes to) */
};

enum dp_gro_res {
	DP_GRO_HELD = 0,	/* copied into g: the caller is done with pkt */
	DP_GRO_FLUSH,		/* does not continue g: flush g, then add again */
	DP_GRO_NOT,		/* never coalesced (not plain TCP data, or a bad
				   TCP checksum): flush g, then write pkt alone */
};

/*
 * Add the IPv4 packet pkt (parsed into h) to g, starting a new superpacket when g
 * is empty.
 */
enum dp_gro_res	dp_gro_add(struct dp_gro *g, const uint8_t *pkt, size_t len,
		    const struct dp_ipv4_hdr *h);
/*
 * Finish g: fix the IP length and checksum, and when more than one segment was
 * merged, put the pseudo-header sum in the TCP checksum (NEEDS_CSUM) and fill
 * the GSO header; a single segment goes out unchanged with a zero header.  Returns
 * the bytes to write from g->buf (header included) and empties g; 0 when empty.
 */
size_t		dp_gro_finish(struct dp_gro *g);

#endif
