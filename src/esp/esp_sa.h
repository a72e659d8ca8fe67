/*
 * esp_sa: one ESP security association (RFC 4301 sec 4.4.2 SAD entry): SPI,
 * direction, transform and keys, anti-replay window, ESN, traffic selectors,
 * counters and soft/hard lifetimes.  An SA is one direction; a tunnel has an
 * inbound and an outbound SA per generation.  Times are seconds from the caller's
 * monotonic clock: nothing here reads a clock.
 */
#ifndef TRANSIT_ESP_SA_H
#define TRANSIT_ESP_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/prefix.h"
#include "esp/esp_replay.h"
#include "esp/esp_xform.h"

enum esp_dir {
	ESP_DIR_IN = 0,
	ESP_DIR_OUT = 1,
};

/* Why a packet was dropped; indexes the per-SA and per-SADB drop counters. */
enum esp_drop {
	ESP_DROP_NONE = 0,
	ESP_DROP_LEN,		/* too short / misaligned for the transform */
	ESP_DROP_UNKNOWN_SPI,	/* no inbound SA: never reaches crypto */
	ESP_DROP_DEAD,		/* SA hard-expired or wiped */
	ESP_DROP_REPLAY,	/* duplicate or left of the window */
	ESP_DROP_AUTH,		/* ICV did not verify */
	ESP_DROP_PAD,		/* padding not 1,2,3,... or pad length too big */
	ESP_DROP_NEXT_HDR,	/* next header other than IPv4/IPv6/59 */
	ESP_DROP_DUMMY,		/* next header 59 (RFC 4303 sec 2.6), silent */
	ESP_DROP_INNER,		/* inner IP header malformed */
	ESP_DROP_SELECTOR,	/* inner addresses outside the SA's selectors */
	ESP_DROP_SEQ_CYCLE,	/* outbound counter exhausted: rekey due */
	ESP_DROP_NOROOM,	/* caller's buffer lacks head/tailroom */
	ESP_DROP_CRYPTO,	/* libcrypto failure (local, not the peer's fault) */
	ESP_DROP_COUNT
};

const char *esp_drop_str(enum esp_drop);

/* 0 in any field means "no limit". */
struct esp_lifetime {
	uint64_t	bytes;
	uint64_t	packets;
	uint64_t	seconds;
};

enum esp_lt_event {
	ESP_LT_NONE = 0,
	ESP_LT_SOFT,		/* rekey now; the SA keeps working */
	ESP_LT_HARD,		/* SA unusable: keys wiped, traffic dropped */
};

#define ESP_SA_MAX_TS	16	/* traffic selectors per side */

struct esp_sa_params {
	uint32_t		 spi;		/* >= ESP_SPI_MIN */
	enum esp_dir		 dir;
	uint32_t		 tunnel;	/* caller's tunnel id (outbound switch) */
	enum esp_xform_id	 xform;
	const uint8_t		*keymat;	/* layout in esp_xform.h */
	size_t			 keymat_len;
	bool			 esn;
	uint32_t		 replay_window;	/* packets; 0 = default (inbound) */
	/* Inner addresses allowed on our side and on the peer's side (RFC 4301). */
	const struct prefix	*ts_local;
	size_t			 n_local;
	const struct prefix	*ts_remote;
	size_t			 n_remote;
	struct esp_lifetime	 soft, hard;
	uint64_t		 now;		/* creation time, seconds */
};

struct esp_sa_stats {
	uint64_t	packets;	/* accepted (in) or sent (out) */
	uint64_t	bytes;		/* inner bytes accepted or sent */
	uint64_t	drops[ESP_DROP_COUNT];
};

struct esp_sa {
	uint32_t		 spi;
	enum esp_dir		 dir;
	uint32_t		 tunnel;
	bool			 esn;
	bool			 dead;		/* hard-expired or wiped */
	bool			 soft_sent;	/* soft event already reported */
	bool			 hard_sent;
	struct esp_xform	 xf;
	struct esp_replay	 replay;	/* inbound only */
	uint64_t		 seq;		/* outbound: last seq sent (0 = none) */
	uint64_t		 created;
	struct esp_lifetime	 soft, hard;
	struct prefix		 ts_local[ESP_SA_MAX_TS];
	struct prefix		 ts_remote[ESP_SA_MAX_TS];
	size_t			 n_local, n_remote;
	struct esp_sa_stats	 stats;
	struct esp_sa		*hnext;		/* SADB hash chain */
};

/* NULL with a sentence in err when the parameters are unusable. */
struct esp_sa *esp_sa_new(const struct esp_crypto *, const struct esp_sa_params *,
	    char *err, size_t errlen);
/* Wipe the keys and free; NULL is fine. */
void	 esp_sa_free(struct esp_sa *);
/* Wipe the keys now and make the SA unusable (kept for its counters). */
void	 esp_sa_wipe(struct esp_sa *);

/*
 * Lifetime check at time `now`: returns ESP_LT_SOFT once when a soft limit (or
 * the sequence-number soft margin) is crossed, ESP_LT_HARD once when a hard limit
 * is crossed (the SA is then wiped), ESP_LT_NONE otherwise.
 */
enum esp_lt_event esp_sa_check_lifetime(struct esp_sa *, uint64_t now);
/* True when the SA may still carry traffic. */
bool	 esp_sa_usable(const struct esp_sa *);
/* Highest sequence number this SA may send (2^32-1, or 2^64-1 with ESN). */
uint64_t esp_sa_seq_max(const struct esp_sa *);

/* Test and diagnostic hook: set the last outbound sequence number sent. */
void	 esp_sa_set_seq(struct esp_sa *, uint64_t);

/* Selector match of inner addresses (RFC 4301 sec 5.2). */
bool	 esp_sa_ts_match(const struct esp_sa *, const struct ipaddr *local,
	    const struct ipaddr *remote);

#endif
