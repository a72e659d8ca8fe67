/*
 * esp_replay: RFC 6479 bitmap anti-replay window with RFC 4303 appendix A ESN
 * high-bit reconstruction (see esp_replay.h).
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "esp/esp_replay.h"
#include "esp/esp_wire.h"

#define BLOCK_BITS	64u
#define BLOCK_SHIFT	6u

uint32_t
esp_replay_round(uint32_t size)
{
	if (size == 0)
		size = ESP_REPLAY_DEFAULT;
	if (size < ESP_REPLAY_MIN)
		size = ESP_REPLAY_MIN;
	if (size > ESP_REPLAY_MAX)
		size = ESP_REPLAY_MAX;
	return (size + BLOCK_BITS - 1) & ~(BLOCK_BITS - 1);
}

void
esp_replay_init(struct esp_replay *r, uint32_t size, bool esn)
{
	uint32_t n = 1;

	memset(r, 0, sizeof(*r));
	r->size = esp_replay_round(size);
	/*
	 * One block more than the window: the block holding `top` is only partly
	 * inside the window, so size/64 full blocks are needed behind it.
	 */
	while (n < r->size / BLOCK_BITS + 1)
		n <<= 1;
	r->nblocks = n;
	r->bits = xcalloc(n, sizeof(uint64_t));
	r->esn = esn;
}

void
esp_replay_free(struct esp_replay *r)
{
	free(r->bits);
	r->bits = NULL;
}

/* RFC 4303 appendix A2.2: pick the high half that puts seq nearest the window. */
static int
esn_high(const struct esp_replay *r, uint32_t seql, uint32_t *seqh)
{
	uint32_t tl = (uint32_t)r->top, th = (uint32_t)(r->top >> 32);
	uint32_t w = r->size;

	if (tl >= w - 1) {
		/* Case A: the window lies within one 2^32 subspace. */
		if (seql >= tl - w + 1)
			*seqh = th;
		else {
			if (th == UINT32_MAX)
				return -1;	/* the 64-bit counter would cycle */
			*seqh = th + 1;
		}
	} else {
		/* Case B: the window straddles a 2^32 boundary. */
		if (seql >= tl - w + 1) {	/* wraps mod 2^32 on purpose */
			if (th == 0)
				return -1;	/* before the first packet */
			*seqh = th - 1;
		} else
			*seqh = th;
	}
	return 0;
}

enum esp_replay_verdict
esp_replay_check(const struct esp_replay *r, uint32_t seql, uint64_t *seq64)
{
	uint64_t seq, bit;
	uint32_t seqh = 0;

	if (r->esn) {
		if (esn_high(r, seql, &seqh) == -1)
			return ESP_REPLAY_OLD;
	}
	seq = (uint64_t)seqh << 32 | seql;
	*seq64 = seq;
	/* The first packet sent has seq 1 (RFC 4303 sec 3.3.3); 0 is never valid. */
	if (seq == 0)
		return ESP_REPLAY_OLD;
	if (seq > r->top)
		return ESP_REPLAY_OK;
	if (r->top - seq >= r->size)
		return ESP_REPLAY_OLD;
	bit = 1ull << (seq & (BLOCK_BITS - 1));
	if (r->bits[(seq >> BLOCK_SHIFT) & (r->nblocks - 1)] & bit)
		return ESP_REPLAY_DUP;
	return ESP_REPLAY_OK;
}

void
esp_replay_update(struct esp_replay *r, uint64_t seq)
{
	uint64_t cur, want, i, n;

	if (seq > r->top) {
		/* Clear the blocks the window slides over, at most all of them. */
		cur = r->top >> BLOCK_SHIFT;
		want = seq >> BLOCK_SHIFT;
		n = want - cur;
		if (n > r->nblocks)
			n = r->nblocks;
		for (i = 1; i <= n; i++)
			r->bits[(cur + i) & (r->nblocks - 1)] = 0;
		r->top = seq;
	}
	r->bits[(seq >> BLOCK_SHIFT) & (r->nblocks - 1)] |=
	    1ull << (seq & (BLOCK_BITS - 1));
}
