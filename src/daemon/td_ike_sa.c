/*
 * td_ike_sa: the Child SA pairs of a `keying: ike` tunnel in its SADB, and the
 * order in which the engine's events reach them (docs/daemon.md "IKE keying",
 * RFC 7296 2.8, esp_sadb.h "make-before-break").
 *
 * A rekey must not lose a packet in either direction:
 *  - INSTALL puts the new inbound SA in, then the new outbound SA.  When we
 *    initiated the exchange the peer already has both (it installed them when it
 *    answered), so the outbound switches at once.  When we answered the rekey
 *    (`defer_out`), the peer installs the pair only when our response arrives:
 *    we keep sending on the old outbound SA until the peer shows it has the new
 *    pair - the first packet that decrypts on the new inbound SA, or the old
 *    pair's Delete - or TD_IKE_DEFER_MS passed (the peer sends nothing and never
 *    deletes: the old pair still works for it then).
 *  - DELETE drops the pair's outbound SA at once and keeps its inbound SA for
 *    TD_IKE_GRACE_MS: the peer may have encrypted packets with it just before
 *    it switched, still queued or on the wire.
 * Times are the event loop's milliseconds, passed in (the unit test drives them).
 */
#include <string.h>

#include "common/log.h"
#include "daemon/td.h"
#include "esp/esp_sadb.h"
#include "esp/esp_xform.h"
#include "ike/ike_engine.h"

static struct td_ike_pair *
pair_find(struct td_tunnel *t, uint32_t spi_in, uint32_t spi_out)
{
	size_t i;

	for (i = 0; i < t->npairs; i++)
		if (t->pairs[i].spi_in == spi_in && t->pairs[i].spi_out == spi_out)
			return &t->pairs[i];
	return NULL;
}

/* One of the first n pairs has inbound SPI spi. */
static bool
has_pair_in(const struct td_tunnel *t, uint32_t spi, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t->pairs[i].spi_in == spi)
			return true;
	return false;
}

static void
pair_remove(struct td_tunnel *t, struct td_ike_pair *p)
{
	size_t i = (size_t)(p - t->pairs);

	memmove(&t->pairs[i], &t->pairs[i + 1],
	    (t->npairs - i - 1) * sizeof(t->pairs[0]));
	t->npairs--;
}

static void
dying_remove(struct td_tunnel *t, size_t i)
{
	(void)esp_sadb_delete(t->sadb, ESP_DIR_IN, t->dying[i].spi_in);
	memmove(&t->dying[i], &t->dying[i + 1],
	    (t->ndying - i - 1) * sizeof(t->dying[0]));
	t->ndying--;
}

static void
dying_add(struct td_tunnel *t, uint32_t spi_in, uint64_t until_ms)
{
	if (t->ndying == TD_IKE_PAIRS)
		dying_remove(t, 0);
	t->dying[t->ndying].spi_in = spi_in;
	t->dying[t->ndying].until_ms = until_ms;
	t->ndying++;
}

/* t->spi_in / spi_out (show tunnels): the pair that carries our traffic. */
static void
sync_current(struct td_tunnel *t)
{
	const struct esp_sa *cur = esp_sadb_outbound(t->sadb, t->id);
	size_t i;

	t->spi_in = t->spi_out = 0;
	for (i = 0; i < t->npairs; i++)
		if (cur != NULL && t->pairs[i].spi_out == cur->spi) {
			t->spi_in = t->pairs[i].spi_in;
			t->spi_out = t->pairs[i].spi_out;
		}
}

static int
switch_to(struct td_tunnel *t, struct td_ike_pair *p, const char *why)
{
	if (esp_sadb_switch_outbound(t->sadb, t->id, p->spi_out) == -1) {
		log_warnx("tunnel %s: cannot switch to SA 0x%08x", t->name,
		    p->spi_out);
		return -1;
	}
	if (p->out_pending)
		log_info("tunnel %s: outbound now on SA 0x%08x (%s)", t->name,
		    p->spi_out, why);
	p->out_pending = false;
	sync_current(t);
	return 0;
}

int
td_ike_sa_install(struct td_tunnel *t, const struct ike_child_install *c,
    uint64_t now_ms)
{
	struct esp_sa_params p;
	struct td_ike_pair *pr;
	char err[256];
	size_t i;
	bool defer;

	if (t->sadb == NULL)
		return -1;
	if (t->npairs == TD_IKE_PAIRS) {
		log_warnx("tunnel %s: too many Child SAs; dropping the oldest", t->name);
		(void)esp_sadb_delete(t->sadb, ESP_DIR_OUT, t->pairs[0].spi_out);
		(void)esp_sadb_delete(t->sadb, ESP_DIR_IN, t->pairs[0].spi_in);
		pair_remove(t, &t->pairs[0]);
	}
	/* A fresh SPI equal to one in its grace period: the old one yields. */
	for (i = 0; i < t->ndying; i++)
		if (t->dying[i].spi_in == c->spi_in) {
			dying_remove(t, i);
			break;
		}
	memset(&p, 0, sizeof(p));
	p.tunnel = t->id;
	p.xform = (enum esp_xform_id)c->esp_xform;
	p.keymat_len = c->keymat_len;
	p.esn = c->esn;
	p.replay_window = t->replay_window;
	p.ts_local = c->ts_local;
	p.n_local = c->n_local < ESP_SA_MAX_TS ? c->n_local : ESP_SA_MAX_TS;
	p.ts_remote = c->ts_remote;
	p.n_remote = c->n_remote < ESP_SA_MAX_TS ? c->n_remote : ESP_SA_MAX_TS;
	p.now = td_now_s();
	/* The engine rekeys and hard-expires (with a Delete): no SADB lifetime. */
	p.spi = c->spi_in;
	p.dir = ESP_DIR_IN;
	p.keymat = c->keymat_in;
	if (esp_sadb_install(t->sadb, &p, err, sizeof(err)) == NULL) {
		log_warnx("tunnel %s: inbound SA 0x%08x: %s", t->name, c->spi_in, err);
		return -1;
	}
	p.spi = c->spi_out;
	p.dir = ESP_DIR_OUT;
	p.keymat = c->keymat_out;
	if (esp_sadb_install(t->sadb, &p, err, sizeof(err)) == NULL) {
		log_warnx("tunnel %s: outbound SA 0x%08x: %s", t->name, c->spi_out, err);
		(void)esp_sadb_delete(t->sadb, ESP_DIR_IN, c->spi_in);
		return -1;
	}
	pr = &t->pairs[t->npairs++];
	memset(pr, 0, sizeof(*pr));
	pr->spi_in = c->spi_in;
	pr->spi_out = c->spi_out;
	pr->xform = p.xform;
	pr->installed_s = td_now_s();
	pr->soft_s = c->soft_s;
	pr->hard_s = c->hard_s;
	pr->natt = c->natt;
	pr->replaces_in = c->replaces_spi_in;
	pr->pending_ms = now_ms;
	/* Waiting only makes sense while the old pair can still carry traffic. */
	defer = c->defer_out && esp_sadb_outbound(t->sadb, t->id) != NULL &&
	    has_pair_in(t, c->replaces_spi_in, t->npairs - 1);
	if (defer)
		pr->out_pending = true;
	else if (switch_to(t, pr, "installed") == -1) {
		(void)esp_sadb_delete(t->sadb, ESP_DIR_OUT, c->spi_out);
		(void)esp_sadb_delete(t->sadb, ESP_DIR_IN, c->spi_in);
		pair_remove(t, pr);
		return -1;
	}
	log_info("tunnel %s: Child SA installed (in 0x%08x, out 0x%08x, %s%s%s%s)",
	    t->name, c->spi_in, c->spi_out, esp_xform_info(p.xform)->name,
	    c->natt ? ", natt" : "", c->replaces_spi_in != 0 ? ", rekey" : "",
	    defer ? ", outbound once the peer has it" : "");
	return 0;
}

bool
td_ike_sa_delete(struct td_tunnel *t, uint32_t spi_in, uint32_t spi_out,
    uint64_t now_ms)
{
	struct td_ike_pair *p = pair_find(t, spi_in, spi_out);
	size_t i;

	if (p == NULL || t->sadb == NULL)
		return false;
	(void)esp_sadb_delete(t->sadb, ESP_DIR_OUT, spi_out);
	dying_add(t, spi_in, now_ms + TD_IKE_GRACE_MS);
	pair_remove(t, p);
	/* The pair a deferred one replaces is gone: the peer has the new one. */
	for (i = 0; i < t->npairs; i++)
		if (t->pairs[i].out_pending && t->pairs[i].replaces_in == spi_in)
			(void)switch_to(t, &t->pairs[i], "old pair deleted");
	/*
	 * It was the outbound SA and no rekey took over (a duplicate IKE SA being
	 * resolved): the newest remaining pair carries the traffic; none left:
	 * fail closed.
	 */
	if (esp_sadb_outbound(t->sadb, t->id) == NULL && t->npairs > 0)
		(void)switch_to(t, &t->pairs[t->npairs - 1], "fail-over");
	sync_current(t);
	return true;
}

void
td_ike_sa_seen(struct td_tunnel *t, uint64_t now_ms)
{
	const struct esp_sa *sa;
	size_t i;

	(void)now_ms;
	if (t->sadb == NULL)
		return;
	for (i = 0; i < t->npairs; i++) {
		if (!t->pairs[i].out_pending)
			continue;
		sa = esp_sadb_lookup(t->sadb, ESP_DIR_IN, t->pairs[i].spi_in);
		if (sa != NULL && sa->stats.packets > 0)
			(void)switch_to(t, &t->pairs[i], "the peer sends on it");
	}
}

uint64_t
td_ike_sa_timer(struct td_tunnel *t, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX, at;
	size_t i;

	if (t->sadb == NULL)
		return next;
	for (i = 0; i < t->ndying;) {
		if (now_ms >= t->dying[i].until_ms) {
			dying_remove(t, i);
			continue;
		}
		if (t->dying[i].until_ms < next)
			next = t->dying[i].until_ms;
		i++;
	}
	for (i = 0; i < t->npairs; i++) {
		if (!t->pairs[i].out_pending)
			continue;
		at = t->pairs[i].pending_ms + TD_IKE_DEFER_MS;
		if (now_ms >= at)
			(void)switch_to(t, &t->pairs[i], "waited long enough");
		else if (at < next)
			next = at;
	}
	return next;
}

size_t
td_ike_sa_flush(struct td_tunnel *t)
{
	size_t n = 0;

	if (t->sadb != NULL) {
		while (t->ndying > 0) {
			dying_remove(t, 0);
			n++;
		}
		while (t->npairs > 0) {
			(void)esp_sadb_delete(t->sadb, ESP_DIR_OUT, t->pairs[0].spi_out);
			(void)esp_sadb_delete(t->sadb, ESP_DIR_IN, t->pairs[0].spi_in);
			pair_remove(t, &t->pairs[0]);
			n += 2;
		}
	}
	t->npairs = t->ndying = 0;
	t->spi_in = t->spi_out = 0;
	return n;
}
