/*
 * fuzz_ike_engine (reliability.md 6.1): the exchange handlers behind the SK
 * payload, which fuzz_ike_msg cannot reach because it does not know the keys.
 * Two engines (A initiates, B answers) establish an IKE SA with fixed
 * randomness; the input then becomes the plaintext of a protected message,
 * sealed with the real SA keys, so every byte lands in the handlers:
 *
 *   byte 0, bits 0-1: 0 = a request A -> B (exchange from bits 2-3:
 *                     IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL, INFORMATIONAL);
 *                     1 = B's answer to A's Child SA rekey; 2 = to A's IKE SA
 *                     rekey; 3 = to A's Delete of the IKE SA
 *           bit 4:    afterwards run the clock past every lifetime
 *   byte 1:           the first inner payload type
 *   the rest:         the inner payload chain
 *
 * Oracles: no crash or sanitizer report; the engine answers or drops, and
 * after both tunnels are deleted and the clock has run out, every Child SA
 * INSTALL event on each side was matched by one DELETE (the event contract in
 * docs/ike-engine.md) and the engines free without leaks.
 *
 * Seeds: with FUZZ_IKE_ENGINE_SEEDS=DIR the first call writes the plaintexts
 * of real exchanges (a Child SA rekey request and response, an IKE SA rekey,
 * DPD, Delete) into DIR in the format above; FUZZ_IKE_ENGINE_VERBOSE=1 prints
 * how many Child SAs each side installed per input.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike_exch.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define TUNNEL_ID	1

static const uint8_t addr_a[4] = { 192, 0, 2, 1 }, addr_b[4] = { 192, 0, 2, 2 };

struct side {
	struct ike_engine	*eng;
	uint64_t		 rng;
	int			 installs, deletes;
};

struct pair {
	struct side	 s[2];
	uint64_t	 now;
};

static void
rand_cb(void *buf, size_t len, void *arg)
{
	uint64_t *x = arg;
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		*x ^= *x << 13;
		*x ^= *x >> 7;
		*x ^= *x << 17;
		p[i] = (uint8_t)*x;
	}
}

static void
side_init(struct side *sd, int idx)
{
	struct ike_engine_cfg ec;
	struct ike_tunnel_cfg tc;
	char err[256];

	memset(sd, 0, sizeof(*sd));
	sd->rng = 0x9e3779b97f4a7c15ULL + (uint64_t)idx;
	memset(&ec, 0, sizeof(ec));
	ec.rand_bytes = rand_cb;
	ec.rand_arg = &sd->rng;
	ec.dh_from_rand = true;
	ec.name = idx == 0 ? "A" : "B";
	if ((sd->eng = ike_engine_new(&ec)) == NULL)
		abort();
	memset(&tc, 0, sizeof(tc));
	tc.id = TUNNEL_ID;
	tc.name = ec.name;
	tc.local.ip.family = tc.remote.ip.family = AF_INET;
	memcpy(tc.local.ip.addr, idx == 0 ? addr_a : addr_b, 4);
	memcpy(tc.remote.ip.addr, idx == 0 ? addr_b : addr_a, 4);
	tc.local.port = tc.remote.port = IKE_PORT;
	memcpy(tc.psk, "fuzz.only.key", 13);
	tc.psk_len = 13;
	tc.ike_proposals = "aes256gcm16-prfsha256-x25519";
	tc.esp_proposals = "aes128gcm16-x25519";
	tc.rekey_fuzz_pct = -1;
	tc.startup = idx == 0 ? IKE_STARTUP_START : IKE_STARTUP_ADD;
	if (ike_engine_add_tunnel(sd->eng, &tc, err, sizeof(err)) == -1) {
		fprintf(stderr, "add_tunnel: %s\n", err);
		abort();
	}
}

static void
drain_events(struct side *sd)
{
	struct ike_event ev;

	while (ike_engine_pop_event(sd->eng, &ev)) {
		if (getenv("FUZZ_IKE_ENGINE_VERBOSE") != NULL)
			fprintf(stderr, "%s event %d spi %08x/%08x %s\n",
			    sd == NULL ? "" : (sd->rng & 1) ? "?" : "", ev.type,
			    ev.type == IKE_EV_CHILD_SA_INSTALL ? ev.child.spi_in :
			    ev.spi_in, ev.type == IKE_EV_CHILD_SA_INSTALL ?
			    ev.child.spi_out : ev.spi_out, ev.text);
		if (ev.type == IKE_EV_CHILD_SA_INSTALL)
			sd->installs++;
		else if (ev.type == IKE_EV_CHILD_SA_DELETE)
			sd->deletes++;
		ike_event_wipe(&ev);
	}
}

/* Deliver everything queued, both ways, until quiet (bounded). */
static void
pump(struct pair *p)
{
	struct ike_dgram d;
	int round, i, moved;

	for (round = 0; round < 64; round++) {
		moved = 0;
		for (i = 0; i < 2; i++) {
			while (ike_engine_pop_dgram(p->s[i].eng, &d)) {
				ike_engine_input(p->s[!i].eng, p->now, &d.src,
				    &d.dst, d.data, d.len);
				moved = 1;
			}
			drain_events(&p->s[i]);
		}
		if (!moved)
			break;
	}
	drain_events(&p->s[0]);
	drain_events(&p->s[1]);
}

static void
tick(struct pair *p, uint64_t ms)
{
	p->now += ms;
	ike_engine_timer(p->s[0].eng, p->now);
	ike_engine_timer(p->s[1].eng, p->now);
	pump(p);
}

/* The established IKE SA of an engine, or NULL. */
static struct ike_ikesa *
established(struct ike_engine *eng)
{
	struct ike_ikesa *sa;

	for (sa = eng->sas; sa != NULL; sa = sa->next)
		if (sa->state == IKE_SA_ESTABLISHED)
			return sa;
	return NULL;
}

/* Throw away what an engine queued (the request the input replaces). */
static void
discard_dgrams(struct side *sd)
{
	struct ike_dgram d;

	while (ike_engine_pop_dgram(sd->eng, &d))
		;
}

/* Seal `plain` as one SK message of `sa` and feed it to `to`. */
static void
inject(struct pair *p, struct ike_ikesa *sa, struct side *to, uint8_t exch,
    bool response, uint32_t msgid, uint8_t first, const uint8_t *plain,
    size_t plen)
{
	static uint8_t buf[IKE_MSG_MAX * 2];
	static const uint8_t iv[16] = { 0x11, 0x22, 0x33, 0x44 };
	struct buf_writer w;
	struct ike_enc e;
	struct ike_hdr h;
	struct ike_sk_keys k;
	struct ike_err err;
	size_t len;

	ike_ikesa_sk_keys(sa, true, &k);
	ike_hdr_for(sa, &h, exch, response, msgid);
	buf_writer_init(&w, buf, sizeof(buf));
	ike_enc_begin(&e, &w, &h);
	if (ike_sk_seal(&e, &k, first, NULL, plain, plen, iv, &len, &err) !=
	    IKE_PARSE_OK)
		return;
	ike_engine_input(to->eng, p->now, &sa->remote, &sa->local, buf, len);
	drain_events(to);
}

static void
pair_up(struct pair *p)
{
	memset(p, 0, sizeof(*p));
	p->now = 1000;
	side_init(&p->s[0], 0);
	side_init(&p->s[1], 1);
	tick(p, 0);
	if (established(p->s[0].eng) == NULL || established(p->s[1].eng) == NULL)
		abort();	/* the setup itself is broken */
}

/* Tear both down through the protocol, let every timer run out, then free. */
static void
pair_down(struct pair *p)
{
	int i;

	(void)ike_engine_delete(p->s[0].eng, TUNNEL_ID, p->now);
	pump(p);
	(void)ike_engine_delete(p->s[1].eng, TUNNEL_ID, p->now);
	pump(p);
	for (i = 0; i < 8; i++)
		tick(p, 60000);
	if (getenv("FUZZ_IKE_ENGINE_VERBOSE") != NULL)
		fprintf(stderr, "A: %d installs, B: %d installs\n",
		    p->s[0].installs, p->s[1].installs);
	for (i = 0; i < 2; i++) {
		if (p->s[i].installs != p->s[i].deletes) {
			fprintf(stderr, "side %d: %d installs, %d deletes\n", i,
			    p->s[i].installs, p->s[i].deletes);
			abort();
		}
		ike_engine_free(p->s[i].eng);
	}
}

/* Start A's request of the given mode; returns its message ID. */
static int
start_request(struct pair *p, int mode, uint8_t *exch, uint32_t *msgid)
{
	struct ike_ikesa *a = established(p->s[0].eng);
	int rc;

	if (mode == 1) {
		rc = ike_engine_rekey_child(p->s[0].eng, TUNNEL_ID, p->now);
		*exch = IKE_EXCH_CREATE_CHILD_SA;
	} else if (mode == 2) {
		rc = ike_engine_rekey_ike(p->s[0].eng, TUNNEL_ID, p->now);
		*exch = IKE_EXCH_CREATE_CHILD_SA;
	} else {
		rc = ike_engine_delete(p->s[0].eng, TUNNEL_ID, p->now);
		*exch = IKE_EXCH_INFORMATIONAL;
	}
	if (rc == -1 || a == NULL || a->req.kind == IKE_REQ_NONE)
		return -1;
	*msgid = a->req.msgid;
	return 0;
}

static const uint8_t req_exch[4] = { IKE_EXCH_AUTH, IKE_EXCH_CREATE_CHILD_SA,
    IKE_EXCH_INFORMATIONAL, IKE_EXCH_INFORMATIONAL };

static void
write_seed(const char *dir, const char *name, uint8_t mode,
    const struct ike_rx *rx, const struct ike_msg *m)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL)
		return;
	fputc(mode, f);
	fputc(m->pld[m->sk].next, f);
	fwrite(rx->plain, 1, rx->plen, f);
	fclose(f);
}

/* Decrypt the next datagram `from` queued, as `sa` (the receiver) would. */
static void
capture(struct pair *p, int from, struct ike_ikesa *sa, const char *dir,
    const char *name, uint8_t mode)
{
	static struct ike_rx rx;
	struct ike_dgram d;
	struct ike_msg m;
	struct ike_sk_keys k;
	struct ike_err err;

	if (!ike_engine_pop_dgram(p->s[from].eng, &d))
		return;
	if (ike_msg_parse(&m, d.data, d.len, &err) == IKE_PARSE_OK &&
	    m.sk >= 0) {
		ike_ikesa_sk_keys(sa, false, &k);
		if (ike_sk_open(&m, &k, rx.plain, sizeof(rx.plain), &rx.plen,
		    &err) == IKE_PARSE_OK)
			write_seed(dir, name, mode, &rx, &m);
	}
	ike_engine_input(p->s[!from].eng, p->now, &d.src, &d.dst, d.data, d.len);
	pump(p);
}

/* Deliver one queued datagram, nothing more. */
static void
forward(struct pair *p, int from)
{
	struct ike_dgram d;

	if (ike_engine_pop_dgram(p->s[from].eng, &d))
		ike_engine_input(p->s[!from].eng, p->now, &d.src, &d.dst, d.data,
		    d.len);
}

static void
write_seeds(const char *dir)
{
	struct pair p;

	/* Child SA rekey: A's request (mode 0, CREATE_CHILD_SA), B's answer. */
	pair_up(&p);
	(void)ike_engine_rekey_child(p.s[0].eng, TUNNEL_ID, p.now);
	capture(&p, 0, established(p.s[1].eng), dir, "seed-rekey-child-req",
	    0x04);
	pair_down(&p);
	pair_up(&p);
	(void)ike_engine_rekey_child(p.s[0].eng, TUNNEL_ID, p.now);
	forward(&p, 0);
	capture(&p, 1, established(p.s[0].eng), dir, "seed-rekey-child-resp",
	    0x01);
	pair_down(&p);
	/* IKE SA rekey request and answer. */
	pair_up(&p);
	(void)ike_engine_rekey_ike(p.s[0].eng, TUNNEL_ID, p.now);
	capture(&p, 0, established(p.s[1].eng), dir, "seed-rekey-ike-req", 0x04);
	pair_down(&p);
	pair_up(&p);
	(void)ike_engine_rekey_ike(p.s[0].eng, TUNNEL_ID, p.now);
	forward(&p, 0);
	capture(&p, 1, established(p.s[0].eng), dir, "seed-rekey-ike-resp", 0x02);
	pair_down(&p);
	/* Delete of the IKE SA (request), and the long-run variant. */
	pair_up(&p);
	(void)ike_engine_delete(p.s[0].eng, TUNNEL_ID, p.now);
	capture(&p, 0, established(p.s[1].eng), dir, "seed-delete-req", 0x08);
	pair_down(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int seeded;
	struct pair p;
	struct ike_ikesa *a, *b;
	uint8_t mode, exch;
	uint32_t msgid;
	const char *dir;

	if (!seeded) {
		seeded = 1;
		if ((dir = getenv("FUZZ_IKE_ENGINE_SEEDS")) != NULL)
			write_seeds(dir);
	}
	if (size < 2 || size > IKE_MSG_MAX - 256)
		return 0;
	mode = data[0];
	pair_up(&p);
	a = established(p.s[0].eng);
	b = established(p.s[1].eng);
	if ((mode & 3) == 0) {
		exch = req_exch[(mode >> 2) & 3];
		inject(&p, a, &p.s[1], exch, false, a->msgid_next, data[1],
		    data + 2, size - 2);
		pump(&p);
	} else if (start_request(&p, mode & 3, &exch, &msgid) == 0) {
		discard_dgrams(&p.s[0]);
		inject(&p, b, &p.s[0], exch, true, msgid, data[1], data + 2,
		    size - 2);
		pump(&p);
	}
	if (mode & 0x10) {
		tick(&p, 3600 * 1000);
		tick(&p, 3600 * 1000);
		tick(&p, 28800 * 1000);
	}
	pair_down(&p);
	return 0;
}
