/*
 * esp_replay: the inbound anti-replay window (RFC 4303 sec 3.4.3 and appendix A,
 * RFC 6479).  A ring of 64-bit blocks indexed by (seq / 64) mod nblocks: moving the
 * window clears whole blocks and never shifts bits, so an 8192-packet window costs
 * the same per packet as a 64-packet one.
 *
 * check() and update() are separate on purpose: decap calls check() before any
 * crypto (cheap rejection of replays) and update() only after the ICV verified, so a
 * forged packet with a huge sequence number never moves the window.
 */
#ifndef TRANSIT_ESP_REPLAY_H
#define TRANSIT_ESP_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum esp_replay_verdict {
	ESP_REPLAY_OK = 0,
	ESP_REPLAY_DUP,		/* inside the window, already seen */
	ESP_REPLAY_OLD,		/* left of the window (or before the first packet) */
};

struct esp_replay {
	uint64_t	 top;		/* highest authenticated seq, 0 = none yet */
	uint64_t	*bits;		/* nblocks 64-bit blocks */
	uint32_t	 nblocks;	/* power of two, > size / 64 */
	uint32_t	 size;		/* window in packets, multiple of 64 */
	bool		 esn;		/* 64-bit sequence numbers, 32 on the wire */
};

/*
 * Window size in packets: 0 means ESP_REPLAY_DEFAULT; otherwise it is clamped to
 * [ESP_REPLAY_MIN, ESP_REPLAY_MAX] and rounded up to a multiple of 64.
 */
uint32_t esp_replay_round(uint32_t);
void	 esp_replay_init(struct esp_replay *, uint32_t size, bool esn);
void	 esp_replay_free(struct esp_replay *);

/*
 * Is the 32-bit wire sequence number acceptable?  With ESN the high 32 bits are
 * guessed from the window (RFC 4303 appendix A2.2); *seq64 gets the full value the
 * ICV must be checked with.  Never changes the window.
 */
enum esp_replay_verdict esp_replay_check(const struct esp_replay *, uint32_t seq,
	    uint64_t *seq64);
/* Record an authenticated sequence number (the value check() returned). */
void	 esp_replay_update(struct esp_replay *, uint64_t seq64);

#endif
