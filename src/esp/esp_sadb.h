/*
 * esp_sadb: the Security Association Database (RFC 4301 sec 4.4.2) the IKE engine
 * drives and the data plane reads.  SAs are found by (direction, SPI) in a hash
 * table (O(1)); each tunnel has one "current" outbound SA, switched by the caller
 * in one pointer store, so a rekey is make-before-break:
 *
 *   1. install the new inbound SA (old and new inbound SAs coexist),
 *   2. install the new outbound SA and esp_sadb_switch_outbound() to it,
 *   3. delete the old outbound SA at once and the old inbound SA after a grace
 *      period (reliability.md sec 4.1).
 *
 * Fail closed: deleting or hard-expiring the current outbound SA leaves the tunnel
 * with none, and esp_sadb_outbound() then returns NULL: there is nothing to send
 * with.  The SADB owns its SAs and the fetched algorithms.
 */
#ifndef TRANSIT_ESP_SADB_H
#define TRANSIT_ESP_SADB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp/esp_sa.h"

struct esp_sadb_stats {
	uint64_t	unknown_spi;	/* no inbound SA for the SPI */
	uint64_t	short_pkt;	/* too short to hold an SPI */
};

struct esp_tunnel_slot {
	uint32_t	 tunnel;
	struct esp_sa	*out;		/* current outbound SA, or NULL */
};

struct esp_sadb {
	struct esp_crypto	*crypto;
	struct esp_sa		**buckets;
	size_t			 nbuckets;	/* power of two */
	size_t			 count;
	struct esp_tunnel_slot	*tunnels;
	size_t			 ntunnels, captunnels;
	struct esp_sadb_stats	 stats;
};

struct esp_expiry {
	uint32_t		spi;
	enum esp_dir		dir;
	uint32_t		tunnel;
	enum esp_lt_event	event;		/* SOFT or HARD */
};

/* NULL when libcrypto lacks an algorithm (logged). */
struct esp_sadb *esp_sadb_new(void);
void	 esp_sadb_free(struct esp_sadb *);

/* Create and insert an SA; NULL with a sentence in err (e.g. SPI in use). */
struct esp_sa *esp_sadb_install(struct esp_sadb *, const struct esp_sa_params *,
	    char *err, size_t errlen);
/*
 * Install params as a new SA and delete the SA (dir, old_spi) in one step; when
 * the old SA was a tunnel's current outbound SA, the new one takes its place.
 */
struct esp_sa *esp_sadb_replace(struct esp_sadb *, uint32_t old_spi,
	    const struct esp_sa_params *, char *err, size_t errlen);
/* Wipe and free; -1 when there is no such SA. */
int	 esp_sadb_delete(struct esp_sadb *, enum esp_dir, uint32_t spi);
struct esp_sa *esp_sadb_lookup(const struct esp_sadb *, enum esp_dir, uint32_t spi);

/* Make the outbound SA `spi` the tunnel's current one; -1 when unusable. */
int	 esp_sadb_switch_outbound(struct esp_sadb *, uint32_t tunnel, uint32_t spi);
/* The tunnel's current outbound SA, or NULL (no SA, expired): drop, never leak. */
struct esp_sa *esp_sadb_outbound(const struct esp_sadb *, uint32_t tunnel);

/* Visit every SA (do not install or delete from the callback). */
void	 esp_sadb_foreach(const struct esp_sadb *,
	    void (*)(struct esp_sa *, void *), void *);

/*
 * Run esp_sa_check_lifetime() over every SA at `now` and store up to max events;
 * returns how many were stored.  Events beyond max are found on the next scan
 * (soft/hard are one-shot per SA, so nothing is reported twice).
 */
size_t	 esp_sadb_expire(struct esp_sadb *, uint64_t now, struct esp_expiry *,
	    size_t max);

#endif
