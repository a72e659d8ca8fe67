/*
 * esp: tunnel-mode ESP encapsulation and decapsulation (RFC 4303 sec 3.3 and 3.4),
 * sans I/O.  The data plane owns the packet buffers and hands them in; this code
 * never allocates, does no I/O and reads no clock.  Over UDP (RFC 3948) the caller
 * strips or adds the UDP header and sorts what arrives on port 4500 with
 * esp_udp_classify().
 *
 * Decap order (RFC 4303 sec 3.4, RFC 4301 sec 5.2), each failure a counted drop:
 *   length >= 8 -> SPI lookup (unknown SPI: dropped, never reaches crypto) ->
 *   per-transform length checks -> replay PRE-check -> ICV verify + decrypt ->
 *   replay window update (only now) -> padding 1,2,3.. -> next header ->
 *   inner IP sanity -> inner source in the remote selectors, inner destination in
 *   the local selectors.
 */
#ifndef TRANSIT_ESP_H
#define TRANSIT_ESP_H

#include <stddef.h>
#include <stdint.h>

#include "esp/esp_sa.h"
#include "esp/esp_sadb.h"

/*
 * A packet in a caller-owned buffer: the bytes are buf[head .. head + len), with
 * head bytes of headroom in front and cap - head - len bytes of tailroom behind.
 * Encap grows the packet into both; decap shrinks it to the inner packet.
 */
struct esp_pkt {
	uint8_t	*buf;
	size_t	 head;
	size_t	 len;
	size_t	 cap;
};

/* Room encap needs in front of and behind the inner packet (worst case). */
size_t	 esp_encap_headroom(const struct esp_sa *);
size_t	 esp_encap_tailroom(const struct esp_sa *);

/*
 * Encapsulate the inner IPv4/IPv6 packet in pkt with the outbound SA, in place:
 * on ESP_DROP_NONE pkt describes SPI..ICV.  Refuses (and counts) when the SA is
 * dead or past a hard limit, when the sequence number would cycle (the SA is then
 * dead and the next expiry scan reports HARD: rekey), when the inner addresses
 * are outside the SA's selectors, or when the buffer lacks room.
 */
enum esp_drop esp_encap(struct esp_sa *, struct esp_pkt *);

/*
 * Decapsulate pkt (SPI..ICV) in place: on ESP_DROP_NONE pkt describes the inner
 * packet and *sa the SA it came through (its tunnel tells the route table).  On
 * a drop *sa is the SA (or NULL before the lookup) and, when why is not NULL, a
 * sentence with the numbers ("len 7 < 8") is written there.
 */
enum esp_drop esp_decap(struct esp_sadb *, struct esp_pkt *, struct esp_sa **sa,
	    char *why, size_t whylen);

/* RFC 3948 sec 2: what a datagram on UDP 4500 carries. */
enum esp_udp_kind {
	ESP_UDP_ESP = 0,
	ESP_UDP_IKE,		/* non-ESP marker: strip 4 bytes, give to IKE */
	ESP_UDP_KEEPALIVE,	/* single 0xff byte: ignore */
	ESP_UDP_INVALID,
};

enum esp_udp_kind esp_udp_classify(const uint8_t *, size_t);

#endif
