/*
 * esp_sadb: SA table keyed by (direction, SPI), tunnel -> current outbound SA,
 * expiry scan (see esp_sadb.h; RFC 4301 sec 4.4.2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "esp/esp_sadb.h"

#define INITIAL_BUCKETS	64

static size_t
slot(const struct esp_sadb *db, enum esp_dir dir, uint32_t spi)
{
	/* SPIs are random (ours) or peer-chosen; mix so a bad peer cannot cluster. */
	uint64_t h = ((uint64_t)spi << 1 | (uint64_t)dir) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (db->nbuckets - 1);
}

struct esp_sadb *
esp_sadb_new(void)
{
	struct esp_sadb *db = xcalloc(1, sizeof(*db));

	if ((db->crypto = esp_crypto_new()) == NULL) {
		free(db);
		return NULL;
	}
	db->nbuckets = INITIAL_BUCKETS;
	db->buckets = xcalloc(db->nbuckets, sizeof(*db->buckets));
	return db;
}

void
esp_sadb_free(struct esp_sadb *db)
{
	struct esp_sa *sa, *next;
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < db->nbuckets; i++) {
		for (sa = db->buckets[i]; sa != NULL; sa = next) {
			next = sa->hnext;
			esp_sa_free(sa);
		}
	}
	free(db->buckets);
	free(db->tunnels);
	esp_crypto_free(db->crypto);
	free(db);
}

static void
grow(struct esp_sadb *db)
{
	struct esp_sa **old = db->buckets, *sa, *next;
	size_t i, oldn = db->nbuckets, s;

	db->nbuckets = oldn * 2;
	db->buckets = xcalloc(db->nbuckets, sizeof(*db->buckets));
	for (i = 0; i < oldn; i++) {
		for (sa = old[i]; sa != NULL; sa = next) {
			next = sa->hnext;
			s = slot(db, sa->dir, sa->spi);
			sa->hnext = db->buckets[s];
			db->buckets[s] = sa;
		}
	}
	free(old);
}

struct esp_sa *
esp_sadb_lookup(const struct esp_sadb *db, enum esp_dir dir, uint32_t spi)
{
	struct esp_sa *sa;

	for (sa = db->buckets[slot(db, dir, spi)]; sa != NULL; sa = sa->hnext)
		if (sa->spi == spi && sa->dir == dir)
			return sa;
	return NULL;
}

struct esp_sa *
esp_sadb_install(struct esp_sadb *db, const struct esp_sa_params *p, char *err,
    size_t errlen)
{
	struct esp_sa *sa;
	size_t s;

	if (esp_sadb_lookup(db, p->dir, p->spi) != NULL) {
		snprintf(err, errlen, "%s SPI 0x%08x already installed",
		    p->dir == ESP_DIR_IN ? "inbound" : "outbound", p->spi);
		return NULL;
	}
	if ((sa = esp_sa_new(db->crypto, p, err, errlen)) == NULL)
		return NULL;
	if (db->count + 1 > db->nbuckets)
		grow(db);
	s = slot(db, sa->dir, sa->spi);
	sa->hnext = db->buckets[s];
	db->buckets[s] = sa;
	db->count++;
	return sa;
}

static struct esp_tunnel_slot *
find_tunnel(const struct esp_sadb *db, uint32_t tunnel)
{
	size_t i;

	for (i = 0; i < db->ntunnels; i++)
		if (db->tunnels[i].tunnel == tunnel)
			return &db->tunnels[i];
	return NULL;
}

int
esp_sadb_delete(struct esp_sadb *db, enum esp_dir dir, uint32_t spi)
{
	struct esp_sa **pp, *sa;
	size_t i;

	for (pp = &db->buckets[slot(db, dir, spi)]; (sa = *pp) != NULL;
	    pp = &sa->hnext) {
		if (sa->spi != spi || sa->dir != dir)
			continue;
		*pp = sa->hnext;
		for (i = 0; i < db->ntunnels; i++)
			if (db->tunnels[i].out == sa)
				db->tunnels[i].out = NULL;
		esp_sa_free(sa);
		db->count--;
		return 0;
	}
	return -1;
}

struct esp_sa *
esp_sadb_replace(struct esp_sadb *db, uint32_t old_spi,
    const struct esp_sa_params *p, char *err, size_t errlen)
{
	struct esp_sa *old, *sa;
	size_t i;

	if ((old = esp_sadb_lookup(db, p->dir, old_spi)) == NULL) {
		snprintf(err, errlen, "no %s SA with SPI 0x%08x to replace",
		    p->dir == ESP_DIR_IN ? "inbound" : "outbound", old_spi);
		return NULL;
	}
	if ((sa = esp_sadb_install(db, p, err, errlen)) == NULL)
		return NULL;
	/* Switch before delete: a tunnel never passes through "no SA". */
	for (i = 0; i < db->ntunnels; i++)
		if (db->tunnels[i].out == old)
			db->tunnels[i].out = sa;
	esp_sadb_delete(db, p->dir, old_spi);
	return sa;
}

int
esp_sadb_switch_outbound(struct esp_sadb *db, uint32_t tunnel, uint32_t spi)
{
	struct esp_sa *sa = esp_sadb_lookup(db, ESP_DIR_OUT, spi);
	struct esp_tunnel_slot *t;

	if (sa == NULL || !esp_sa_usable(sa) || sa->tunnel != tunnel)
		return -1;
	if ((t = find_tunnel(db, tunnel)) == NULL) {
		util_grow(&db->tunnels, &db->captunnels, db->ntunnels + 1,
		    sizeof(*db->tunnels));
		t = &db->tunnels[db->ntunnels++];
		t->tunnel = tunnel;
	}
	t->out = sa;
	return 0;
}

struct esp_sa *
esp_sadb_outbound(const struct esp_sadb *db, uint32_t tunnel)
{
	struct esp_tunnel_slot *t = find_tunnel(db, tunnel);

	if (t == NULL || t->out == NULL || !esp_sa_usable(t->out))
		return NULL;
	return t->out;
}

void
esp_sadb_foreach(const struct esp_sadb *db, void (*cb)(struct esp_sa *, void *),
    void *arg)
{
	struct esp_sa *sa, *next;
	size_t i;

	for (i = 0; i < db->nbuckets; i++) {
		for (sa = db->buckets[i]; sa != NULL; sa = next) {
			next = sa->hnext;
			cb(sa, arg);
		}
	}
}

size_t
esp_sadb_expire(struct esp_sadb *db, uint64_t now, struct esp_expiry *ev,
    size_t max)
{
	struct esp_sa *sa;
	enum esp_lt_event e;
	size_t i, n = 0;

	for (i = 0; i < db->nbuckets && n < max; i++) {
		for (sa = db->buckets[i]; sa != NULL && n < max; sa = sa->hnext) {
			if ((e = esp_sa_check_lifetime(sa, now)) == ESP_LT_NONE)
				continue;
			ev[n].spi = sa->spi;
			ev[n].dir = sa->dir;
			ev[n].tunnel = sa->tunnel;
			ev[n].event = e;
			n++;
		}
	}
	return n;
}
