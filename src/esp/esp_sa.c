/*
 * esp_sa: SA object, keys, selectors and lifetimes (RFC 4301 sec 4.4.2.1; soft and
 * hard lifetimes sec 4.4.2.1 "SA Lifetime").  The hard limit is fail-closed: once
 * crossed the keys are wiped, so no code path can still use them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "esp/esp_sa.h"

static const char *drop_names[ESP_DROP_COUNT] = {
	[ESP_DROP_NONE] = "none",
	[ESP_DROP_LEN] = "len",
	[ESP_DROP_UNKNOWN_SPI] = "unknown-spi",
	[ESP_DROP_DEAD] = "sa-dead",
	[ESP_DROP_REPLAY] = "replay",
	[ESP_DROP_AUTH] = "auth",
	[ESP_DROP_PAD] = "pad",
	[ESP_DROP_NEXT_HDR] = "next-header",
	[ESP_DROP_DUMMY] = "dummy",
	[ESP_DROP_INNER] = "inner",
	[ESP_DROP_SELECTOR] = "selector",
	[ESP_DROP_SEQ_CYCLE] = "seq-cycle",
	[ESP_DROP_NOROOM] = "no-room",
	[ESP_DROP_CRYPTO] = "crypto",
};

const char *
esp_drop_str(enum esp_drop d)
{
	if ((unsigned)d >= ESP_DROP_COUNT)
		return "?";
	return drop_names[d];
}

static int
copy_ts(struct prefix *dst, size_t *n, const struct prefix *src, size_t cnt,
    const char *side, char *err, size_t errlen)
{
	if (cnt == 0 || src == NULL) {
		snprintf(err, errlen, "no %s traffic selector (default deny)", side);
		return -1;
	}
	if (cnt > ESP_SA_MAX_TS) {
		snprintf(err, errlen, "%zu %s traffic selectors > %d", cnt, side,
		    ESP_SA_MAX_TS);
		return -1;
	}
	memcpy(dst, src, cnt * sizeof(*src));
	*n = cnt;
	return 0;
}

struct esp_sa *
esp_sa_new(const struct esp_crypto *c, const struct esp_sa_params *p,
    char *err, size_t errlen)
{
	struct esp_sa *sa;

	if (p->spi < ESP_SPI_MIN) {
		snprintf(err, errlen, "SPI %u is reserved (< %u)", p->spi, ESP_SPI_MIN);
		return NULL;
	}
	if (p->dir != ESP_DIR_IN && p->dir != ESP_DIR_OUT) {
		snprintf(err, errlen, "bad SA direction %d", (int)p->dir);
		return NULL;
	}
	sa = xcalloc(1, sizeof(*sa));
	sa->spi = p->spi;
	sa->dir = p->dir;
	sa->tunnel = p->tunnel;
	sa->esn = p->esn;
	sa->created = p->now;
	sa->soft = p->soft;
	sa->hard = p->hard;
	if (copy_ts(sa->ts_local, &sa->n_local, p->ts_local, p->n_local, "local",
	    err, errlen) == -1 ||
	    copy_ts(sa->ts_remote, &sa->n_remote, p->ts_remote, p->n_remote,
	    "remote", err, errlen) == -1) {
		free(sa);
		return NULL;
	}
	if (esp_xform_init(&sa->xf, c, p->xform, p->dir == ESP_DIR_OUT, p->keymat,
	    p->keymat_len, err, errlen) == -1) {
		free(sa);
		return NULL;
	}
	if (p->dir == ESP_DIR_IN)
		esp_replay_init(&sa->replay, p->replay_window, p->esn);
	return sa;
}

void
esp_sa_wipe(struct esp_sa *sa)
{
	esp_xform_wipe(&sa->xf);
	sa->dead = true;
}

void
esp_sa_free(struct esp_sa *sa)
{
	if (sa == NULL)
		return;
	esp_sa_wipe(sa);
	esp_replay_free(&sa->replay);
	free(sa);
}

uint64_t
esp_sa_seq_max(const struct esp_sa *sa)
{
	return sa->esn ? ESP_SEQ_MAX_64 : ESP_SEQ_MAX_32;
}

bool
esp_sa_usable(const struct esp_sa *sa)
{
	return !sa->dead;
}

void
esp_sa_set_seq(struct esp_sa *sa, uint64_t seq)
{
	sa->seq = seq;
}

static bool
over(uint64_t limit, uint64_t value)
{
	return limit != 0 && value >= limit;
}

static bool
crossed(const struct esp_lifetime *lt, const struct esp_sa *sa, uint64_t now)
{
	return over(lt->bytes, sa->stats.bytes) ||
	    over(lt->packets, sa->stats.packets) ||
	    (lt->seconds != 0 && now >= sa->created &&
	    now - sa->created >= lt->seconds);
}

enum esp_lt_event
esp_sa_check_lifetime(struct esp_sa *sa, uint64_t now)
{
	/* Out of sequence numbers counts as hard: esp_encap already refused. */
	if (!sa->hard_sent && (sa->dead || crossed(&sa->hard, sa, now))) {
		sa->hard_sent = sa->soft_sent = true;
		esp_sa_wipe(sa);
		return ESP_LT_HARD;
	}
	if (sa->dead || sa->soft_sent)
		return ESP_LT_NONE;
	if (crossed(&sa->soft, sa, now) || (sa->dir == ESP_DIR_OUT &&
	    sa->seq >= esp_sa_seq_max(sa) - ESP_SEQ_SOFT_MARGIN)) {
		sa->soft_sent = true;
		return ESP_LT_SOFT;
	}
	return ESP_LT_NONE;
}

static bool
in_list(const struct prefix *ts, size_t n, const struct ipaddr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix_contains_addr(&ts[i], a))
			return true;
	return false;
}

bool
esp_sa_ts_match(const struct esp_sa *sa, const struct ipaddr *local,
    const struct ipaddr *remote)
{
	return in_list(sa->ts_local, sa->n_local, local) &&
	    in_list(sa->ts_remote, sa->n_remote, remote);
}
