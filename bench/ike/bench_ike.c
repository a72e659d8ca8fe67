/*
 * bench_ike: IKE_SA + Child SA establishments per second with transit's IKEv2
 * engine (src/ike, docs/ike-engine.md: the code transitd runs) over real UDP
 * sockets (performance.md section 6; bench/README.md "ike").  Driven by
 * bench/ike.sh.
 *
 *   bench_ike --role responder --local IP --remote BASE --peers N [options]
 *   bench_ike --role initiator --local BASE --remote IP --peers N [options]
 *
 * The initiator keeps N establishments in flight, one per source address
 * BASE, BASE+1, ... (one engine and one tunnel each, as transitd has one
 * engine per tunnel).  One establishment is IKE_SA_INIT + IKE_AUTH with the
 * first Child SA; it counts when IKE_EV_CHILD_SA_INSTALL arrives and its
 * latency runs from ike_engine_initiate().  Then the IKE SA is deleted
 * (INFORMATIONAL, "--teardown delete", the default: both ends free it) or
 * dropped without a word ("--teardown drop": a transit responder frees it on
 * the next IKE_AUTH's INITIAL_CONTACT), and the slot starts again.
 *
 * The responder is one engine with a tunnel per initiator address (the engine
 * picks the tunnel by the peer's address), cookies and the half-open limits
 * set out of reach, so that the load is not taken for a flood.
 *
 * IKE runs on UDP --port (500) and 4500 with the non-ESP marker (RFC 3948),
 * which a NAT seen by either end (charon with kernel-libipsec fakes one)
 * moves it to.  The initiator prints one RESULT line: establishments, rate,
 * p50/p99 latency, failures, its own CPU seconds and, with --peer-pid, the
 * responder's, all over the measured window (after --warmup).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "common/log.h"
#include "common/prefix.h"
#include "common/util.h"
#include "ike/ike_engine.h"

#define BATCH		64
#define DGRAM_MAX	65536
#define MARKER		4		/* non-ESP marker on 4500 */
#define MAX_PEERS	4096
#define TX_BATCH	64
#define TX_SLOT		4096		/* larger datagrams: not sent (logged) */

enum role { ROLE_NONE, ROLE_RESPONDER, ROLE_INITIATOR };
enum slot_state { SLOT_IDLE, SLOT_ESTABLISHING, SLOT_DELETING };

struct opts {
	enum role	 role;
	struct ipaddr	 local, remote;
	uint16_t	 port;
	unsigned	 peers;
	const char	*dh;
	const char	*psk;
	double		 duration, warmup;
	unsigned long	 count;
	bool		 drop;
	int		 peer_pid;
	int		 tx_batch;	/* datagrams per sendmmsg, at most */
	bool		 verbose;
};

struct txq {
	int			 n;
	struct mmsghdr		 mm[TX_BATCH];
	struct iovec		 iov[TX_BATCH];
	struct sockaddr_in	 to[TX_BATCH];
	uint8_t			 ctl[TX_BATCH][64];
	uint8_t			 data[TX_BATCH][TX_SLOT];
};

struct sock {
	int		 fd;
	uint16_t	 port;
	bool		 natt;
	struct txq	 tx;
};

struct rxbuf {
	struct mmsghdr		 mm[BATCH];
	struct iovec		 iov[BATCH];
	struct sockaddr_in	 from[BATCH];
	uint8_t			 ctl[BATCH][64];
	uint8_t			 data[BATCH][DGRAM_MAX / 16];
};

struct slot {
	struct ike_engine	*eng;
	struct ipaddr		 ip;
	enum slot_state		 state;
	uint64_t		 t0_ns;
	uint64_t		 wake;
};

struct bench {
	struct opts	 o;
	struct sock	 s[2];		/* --port, 4500 */
	struct rxbuf	*rx;
	/* initiator */
	struct slot	*slots;
	bool		 measuring;
	uint64_t	 n_est, n_fail, n_all;
	uint32_t	*lat_us;
	size_t		 nlat, lat_cap;
	/* responder */
	struct ike_engine *eng;
	uint64_t	 wake;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double
self_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* user + system CPU of another process (all its threads), -1 if unknown. */
static double
pid_cpu_s(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields 14 and 15, counted after the ")" closing the name. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void
rand_cb(void *buf, size_t len, void *arg)
{
	(void)arg;
	if (RAND_bytes(buf, (int)len) != 1)
		fatalx("RAND_bytes failed");
}

static void
sock_open(struct sock *s, const struct ipaddr *bind_ip, uint16_t port,
    bool natt)
{
	struct sockaddr_in sin;
	int one = 1, sz = 8 << 20;

	s->port = port;
	s->natt = natt;
	if ((s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1)
		fatal("socket");
	(void)setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	(void)setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (setsockopt(s->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == -1)
		fatal("IP_PKTINFO");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (bind_ip != NULL)
		memcpy(&sin.sin_addr, bind_ip->addr, 4);
	if (bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		fatal("bind UDP %u", port);
}

/* Flush a socket's queued datagrams: one sendmmsg for the batch. */
static void
tx_flush(struct bench *b, struct sock *s)
{
	struct txq *q = &s->tx;
	int i = 0, n;

	while (i < q->n) {
		if ((n = sendmmsg(s->fd, q->mm + i, (unsigned)(q->n - i), 0)) <= 0) {
			/* A full socket buffer loses the datagram: the engine
			 * retransmits. */
			if (b->o.verbose)
				log_warn("sendmmsg");
			i++;
			continue;
		}
		i += n;
	}
	q->n = 0;
}

static void
tx_flush_all(struct bench *b)
{
	tx_flush(b, &b->s[0]);
	tx_flush(b, &b->s[1]);
}

/*
 * Queue a datagram (its bytes are only valid until the next pop) from the
 * socket of its source port; the queues go out with sendmmsg once the
 * current receive batch is handled (performance.md 6: batched UDP I/O).
 */
static void
send_dgram(struct bench *b, const struct ike_dgram *d)
{
	struct sock *s = d->src.port == IKE_NATT_PORT ? &b->s[1] : &b->s[0];
	struct txq *q = &s->tx;
	struct msghdr *mh;
	struct cmsghdr *cm;
	struct in_pktinfo pi;
	size_t off = 0;
	int i;

	if (d->len + MARKER > TX_SLOT) {
		if (b->o.verbose)
			log_warnx("datagram of %zu bytes not sent", d->len);
		return;
	}
	if (q->n == TX_BATCH)
		tx_flush(b, s);
	i = q->n++;
	if (s->natt) {
		memset(q->data[i], 0, MARKER);
		off = MARKER;
	}
	memcpy(q->data[i] + off, d->data, d->len);
	q->iov[i].iov_base = q->data[i];
	q->iov[i].iov_len = off + d->len;
	memset(&q->to[i], 0, sizeof(q->to[i]));
	q->to[i].sin_family = AF_INET;
	q->to[i].sin_port = htons(d->dst.port);
	memcpy(&q->to[i].sin_addr, d->dst.ip.addr, 4);
	mh = &q->mm[i].msg_hdr;
	memset(mh, 0, sizeof(*mh));
	memset(q->ctl[i], 0, sizeof(q->ctl[i]));
	mh->msg_name = &q->to[i];
	mh->msg_namelen = sizeof(q->to[i]);
	mh->msg_iov = &q->iov[i];
	mh->msg_iovlen = 1;
	mh->msg_control = q->ctl[i];
	mh->msg_controllen = CMSG_SPACE(sizeof(pi));
	cm = CMSG_FIRSTHDR(mh);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memset(&pi, 0, sizeof(pi));
	memcpy(&pi.ipi_spec_dst, d->src.ip.addr, 4);
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	/* Small batches: a whole receive batch held back would leave the peer
	 * idle meanwhile (the two ends would take turns). */
	if (q->n >= b->o.tx_batch)
		tx_flush(b, s);
}

/* Receive a batch; for each IKE datagram call fn.  Returns the count. */
static int
recv_batch(struct bench *b, struct sock *s,
    void (*fn)(struct bench *, const struct ike_addr *,
    const struct ike_addr *, const uint8_t *, size_t))
{
	struct rxbuf *r = b->rx;
	struct ike_addr src, dst;
	struct cmsghdr *cm;
	int i, n;

	for (i = 0; i < BATCH; i++) {
		r->iov[i].iov_base = r->data[i];
		r->iov[i].iov_len = sizeof(r->data[i]);
		memset(&r->mm[i].msg_hdr, 0, sizeof(r->mm[i].msg_hdr));
		r->mm[i].msg_hdr.msg_name = &r->from[i];
		r->mm[i].msg_hdr.msg_namelen = sizeof(r->from[i]);
		r->mm[i].msg_hdr.msg_iov = &r->iov[i];
		r->mm[i].msg_hdr.msg_iovlen = 1;
		r->mm[i].msg_hdr.msg_control = r->ctl[i];
		r->mm[i].msg_hdr.msg_controllen = sizeof(r->ctl[i]);
	}
	if ((n = recvmmsg(s->fd, r->mm, BATCH, MSG_DONTWAIT, NULL)) <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		const uint8_t *p = r->data[i];
		size_t len = r->mm[i].msg_len;

		memset(&src, 0, sizeof(src));
		memset(&dst, 0, sizeof(dst));
		src.ip.family = dst.ip.family = PFX_V4;
		memcpy(src.ip.addr, &r->from[i].sin_addr, 4);
		src.port = ntohs(r->from[i].sin_port);
		dst.port = s->port;
		for (cm = CMSG_FIRSTHDR(&r->mm[i].msg_hdr); cm != NULL;
		    cm = CMSG_NXTHDR(&r->mm[i].msg_hdr, cm))
			if (cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				memcpy(dst.ip.addr, &pi.ipi_addr, 4);
			}
		if (s->natt) {
			/* Keepalives and ESP are not ours. */
			if (len < MARKER || memcmp(p, "\0\0\0\0", MARKER) != 0)
				continue;
			p += MARKER;
			len -= MARKER;
		}
		fn(b, &src, &dst, p, len);
	}
	return n;
}

/* Sleep until a socket is readable or `wake` (at most 100 ms), then take in
 * everything that arrived, sending what the engines produce on the way. */
static void
io_wait(struct bench *b, uint64_t wake, uint64_t ms,
    void (*fn)(struct bench *, const struct ike_addr *,
    const struct ike_addr *, const uint8_t *, size_t))
{
	struct pollfd pfd[2];
	int k, timeout;

	timeout = wake == UINT64_MAX ? 100 : (int)MIN(100, wake > ms ? wake - ms : 0);
	for (k = 0; k < 2; k++) {
		pfd[k].fd = b->s[k].fd;
		pfd[k].events = POLLIN;
	}
	if (poll(pfd, 2, timeout) <= 0)
		return;
	for (k = 0; k < 2; k++)
		while (recv_batch(b, &b->s[k], fn) == BATCH)
			tx_flush_all(b);
	tx_flush_all(b);
}

static struct ike_engine *
engine_new(const struct opts *o, const char *name)
{
	struct ike_engine_cfg ec;

	memset(&ec, 0, sizeof(ec));
	ec.rand_bytes = rand_cb;
	ec.name = name;
	/* A benchmark load is not a flood: no cookies, no per-address or
	 * rate limit before the engine does the work. */
	ec.cookie_threshold = 1 << 30;
	ec.block_threshold = 1u << 30;
	ec.init_rate = 10000000;
	return ike_engine_new(&ec);
}

static void
tunnel_add(struct bench *b, struct ike_engine *eng, uint32_t id,
    const struct ipaddr *local, const struct ipaddr *remote, bool initiator)
{
	struct ike_tunnel_cfg tc;
	char err[256], suite[64];
	struct prefix a, z;

	prefix_from_v4(&a, 0x0a010000, 16);	/* 10.1.0.0/16: initiators */
	prefix_from_v4(&z, 0x0a020000, 16);	/* 10.2.0.0/16: responder */
	snprintf(suite, sizeof(suite), "aes256gcm16-prfsha256-%s", b->o.dh);
	memset(&tc, 0, sizeof(tc));
	tc.id = id;
	tc.local.ip = *local;
	tc.local.port = b->o.port;
	tc.remote.ip = *remote;
	tc.remote.port = b->o.port;
	tc.psk_len = strlen(b->o.psk);
	if (tc.psk_len == 0 || tc.psk_len > sizeof(tc.psk))
		fatalx("bad --psk length");
	memcpy(tc.psk, b->o.psk, tc.psk_len);
	tc.ike_proposals = suite;
	tc.esp_proposals = "aes256gcm16";
	tc.ts_local[0] = initiator ? a : z;
	tc.ts_remote[0] = initiator ? z : a;
	tc.n_local = tc.n_remote = 1;
	tc.rekey_fuzz_pct = -1;
	tc.startup = IKE_STARTUP_ADD;
	if (ike_engine_add_tunnel(eng, &tc, err, sizeof(err)) == -1)
		fatalx("tunnel: %s", err);
}

static void
nth_addr(const struct ipaddr *base, unsigned i, struct ipaddr *out)
{
	addr_from_v4(out, addr_v4(base) + i);
}

/* ------------------------------------------------------------ responder */

static void
resp_drain(struct bench *b)
{
	struct ike_dgram d;
	struct ike_event ev;

	while (ike_engine_pop_dgram(b->eng, &d))
		send_dgram(b, &d);
	while (ike_engine_pop_event(b->eng, &ev)) {
		if (ev.type == IKE_EV_CHILD_SA_INSTALL)
			b->n_est++;
		else if (ev.type == IKE_EV_LOG && b->o.verbose)
			fprintf(stderr, "%s\n", ev.text);
		ike_event_wipe(&ev);
	}
	b->wake = ike_engine_next_wakeup(b->eng);
}

static void
resp_input(struct bench *b, const struct ike_addr *src,
    const struct ike_addr *dst, const uint8_t *p, size_t len)
{
	ike_engine_input(b->eng, mono_ns() / 1000000, src, dst, p, len);
	resp_drain(b);
}

static int
run_responder(struct bench *b)
{
	struct ipaddr peer;
	uint64_t t_end, now;
	unsigned i;

	b->eng = engine_new(&b->o, "resp");
	for (i = 0; i < b->o.peers; i++) {
		nth_addr(&b->o.remote, i, &peer);
		tunnel_add(b, b->eng, i + 1, &b->o.local, &peer, false);
	}
	sock_open(&b->s[0], &b->o.local, b->o.port, false);
	sock_open(&b->s[1], &b->o.local, IKE_NATT_PORT, true);
	b->wake = UINT64_MAX;
	fprintf(stderr, "bench_ike: responder on %s port %u (+4500), %u peer "
	    "addresses, dh %s, pid %d\n", addr_fmt(&b->o.local, (char[64]){ 0 },
	    64), b->o.port, b->o.peers, b->o.dh, (int)getpid());
	t_end = b->o.duration > 0 ? mono_ns() + (uint64_t)(b->o.duration * 1e9) :
	    UINT64_MAX;
	while (!stop && (now = mono_ns()) < t_end) {
		uint64_t ms = now / 1000000;

		if (ms >= b->wake) {
			ike_engine_timer(b->eng, ms);
			resp_drain(b);
			tx_flush_all(b);
		}
		io_wait(b, b->wake, ms, resp_input);
	}
	printf("RESPONDER installed=%llu sas=%zu cpu_s=%.2f\n",
	    (unsigned long long)b->n_est, ike_engine_n_sas(b->eng),
	    self_cpu_s());
	fflush(stdout);
	ike_engine_free(b->eng);
	return 0;
}

/* ------------------------------------------------------------ initiator */

static void
slot_start(struct bench *b, struct slot *s, uint64_t now_ns)
{
	if (s->eng == NULL) {
		s->eng = engine_new(&b->o, "init");
		tunnel_add(b, s->eng, 1, &s->ip, &b->o.remote, true);
	}
	s->t0_ns = now_ns;
	s->state = SLOT_ESTABLISHING;
	if (ike_engine_initiate(s->eng, 1, now_ns / 1000000) == -1)
		fatalx("ike_engine_initiate failed");
}

static void
record(struct bench *b, uint64_t lat_ns)
{
	b->n_all++;
	if (!b->measuring)
		return;
	b->n_est++;
	util_grow(&b->lat_us, &b->lat_cap, b->nlat + 1, sizeof(*b->lat_us));
	b->lat_us[b->nlat++] = (uint32_t)MIN(lat_ns / 1000, UINT32_MAX);
}

static void
slot_drain(struct bench *b, struct slot *s)
{
	struct ike_dgram d;
	struct ike_event ev;
	bool again = true;
	uint64_t now;

	while (again) {
		again = false;
		while (ike_engine_pop_dgram(s->eng, &d))
			send_dgram(b, &d);
		while (ike_engine_pop_event(s->eng, &ev)) {
			now = mono_ns();
			if (ev.type == IKE_EV_CHILD_SA_INSTALL &&
			    s->state == SLOT_ESTABLISHING) {
				record(b, now - s->t0_ns);
				if (b->o.drop) {
					ike_event_wipe(&ev);
					ike_engine_free(s->eng);
					s->eng = NULL;
					slot_start(b, s, now);
					again = true;
					break;
				}
				s->state = SLOT_DELETING;
				(void)ike_engine_delete(s->eng, 1, now / 1000000);
				again = true;
			} else if (ev.type == IKE_EV_IKE_SA_DOWN) {
				if (s->state == SLOT_ESTABLISHING) {
					b->n_fail += b->measuring;
					if (b->o.verbose)
						fprintf(stderr, "down: %s\n",
						    ev.text);
				}
				slot_start(b, s, now);
				again = true;
			} else if (ev.type == IKE_EV_LOG && b->o.verbose)
				fprintf(stderr, "%s\n", ev.text);
			ike_event_wipe(&ev);
		}
	}
	s->wake = ike_engine_next_wakeup(s->eng);
}

static void
init_input(struct bench *b, const struct ike_addr *src,
    const struct ike_addr *dst, const uint8_t *p, size_t len)
{
	uint32_t i = addr_v4(&dst->ip) - addr_v4(&b->o.local);
	struct slot *s;

	if (i >= b->o.peers)
		return;
	s = &b->slots[i];
	ike_engine_input(s->eng, mono_ns() / 1000000, src, dst, p, len);
	slot_drain(b, s);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
run_initiator(struct bench *b)
{
	uint64_t t_start, t_meas = 0, t_end = UINT64_MAX, now, ms, wake;
	double cpu0 = 0, pcpu0 = 0, cpu, pcpu, secs;
	unsigned i, next_report;

	b->slots = xcalloc(b->o.peers, sizeof(*b->slots));
	sock_open(&b->s[0], NULL, b->o.port, false);
	sock_open(&b->s[1], NULL, IKE_NATT_PORT, true);
	fprintf(stderr, "bench_ike: initiator %u in flight from %s.. to %s "
	    "port %u, dh %s, teardown %s, warm-up %.1f s, then %.1f s%s\n",
	    b->o.peers, addr_fmt(&b->o.local, (char[64]){ 0 }, 64),
	    addr_fmt(&b->o.remote, (char[64]){ 0 }, 64), b->o.port, b->o.dh,
	    b->o.drop ? "drop" : "delete", b->o.warmup, b->o.duration,
	    b->o.count ? " or the count" : "");
	t_start = now = mono_ns();
	for (i = 0; i < b->o.peers; i++) {
		nth_addr(&b->o.local, i, &b->slots[i].ip);
		slot_start(b, &b->slots[i], now);
		slot_drain(b, &b->slots[i]);
	}
	tx_flush_all(b);
	next_report = 1;
	while (!stop) {
		now = mono_ns();
		ms = now / 1000000;
		if (!b->measuring && now - t_start >= (uint64_t)(b->o.warmup *
		    1e9)) {
			b->measuring = true;
			t_meas = now;
			t_end = b->o.duration > 0 ? now +
			    (uint64_t)(b->o.duration * 1e9) : UINT64_MAX;
			cpu0 = self_cpu_s();
			pcpu0 = pid_cpu_s(b->o.peer_pid);
			fprintf(stderr, "bench_ike: warm-up done (%llu "
			    "established), measuring\n",
			    (unsigned long long)b->n_all);
		}
		if (b->measuring && (now >= t_end ||
		    (b->o.count && b->n_est >= b->o.count)))
			break;
		if (b->measuring && now - t_meas >= next_report * 1000000000ull) {
			fprintf(stderr, "bench_ike: %us: %llu established "
			    "(%.0f/s), %llu failed\n", next_report,
			    (unsigned long long)b->n_est,
			    (double)b->n_est / next_report,
			    (unsigned long long)b->n_fail);
			next_report++;
		}
		wake = UINT64_MAX;
		for (i = 0; i < b->o.peers; i++) {
			struct slot *s = &b->slots[i];

			if (ms >= s->wake) {
				ike_engine_timer(s->eng, ms);
				slot_drain(b, s);
			}
			wake = MIN(wake, s->wake);
		}
		tx_flush_all(b);
		io_wait(b, wake, ms, init_input);
	}
	now = mono_ns();
	cpu = self_cpu_s() - cpu0;
	pcpu = pid_cpu_s(b->o.peer_pid);
	pcpu = pcpu >= 0 && pcpu0 >= 0 ? pcpu - pcpu0 : -1;
	secs = b->measuring ? (double)(now - t_meas) / 1e9 : 0;
	qsort(b->lat_us, b->nlat, sizeof(*b->lat_us), cmp_u32);
	printf("RESULT dh=%s inflight=%u teardown=%s established=%llu "
	    "failed=%llu secs=%.2f rate=%.1f p50_ms=%.2f p99_ms=%.2f "
	    "cpu_init_s=%.2f cpu_resp_s=%.2f\n", b->o.dh, b->o.peers,
	    b->o.drop ? "drop" : "delete", (unsigned long long)b->n_est,
	    (unsigned long long)b->n_fail, secs,
	    secs > 0 ? (double)b->n_est / secs : 0,
	    b->nlat ? b->lat_us[b->nlat / 2] / 1000.0 : 0,
	    b->nlat ? b->lat_us[b->nlat * 99 / 100] / 1000.0 : 0, cpu, pcpu);
	fflush(stdout);
	for (i = 0; i < b->o.peers; i++)
		ike_engine_free(b->slots[i].eng);
	free(b->slots);
	free(b->lat_us);
	return b->measuring ? 0 : 1;
}

/* ------------------------------------------------------------ main */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bench_ike --role responder|initiator --local IP "
	    "--remote IP [--peers N]\n"
	    "\t[--dh x25519|modp2048|ecp256|...] [--psk S] [--port P]\n"
	    "\t[--duration S] [--warmup S] [--count K] [--teardown delete|drop]\n"
	    "\t(--duration: initiator 10 s after the warm-up, responder until "
	    "SIGTERM)\n"
	    "\t[--peer-pid PID] [--tx-batch N (4)] [-v]\n"
	    "  responder: --local = its address, --remote = the first "
	    "initiator address,\n"
	    "             --peers = how many consecutive initiator addresses\n"
	    "  initiator: --local = the first source address, --remote = the "
	    "responder,\n"
	    "             --peers = establishments in flight (one address "
	    "each)\n");
	exit(2);
}

static void
parse(int argc, char **argv, struct opts *o)
{
	char err[128];
	int i;

	memset(o, 0, sizeof(*o));
	o->port = IKE_PORT;
	o->peers = 16;
	o->dh = "x25519";
	o->psk = "bench-only-psk-0123456789abcdef";
	o->duration = -1;	/* initiator: 10 s; responder: until signalled */
	o->warmup = 2;
	o->tx_batch = 4;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-v") == 0) {
			o->verbose = true;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--role") == 0)
			o->role = strcmp(v, "responder") == 0 ? ROLE_RESPONDER :
			    strcmp(v, "initiator") == 0 ? ROLE_INITIATOR :
			    ROLE_NONE;
		else if (strcmp(a, "--local") == 0 || strcmp(a, "--remote") == 0) {
			struct ipaddr *ip = a[2] == 'l' ? &o->local : &o->remote;

			if (addr_parse(v, ip, err, sizeof(err)) == -1 ||
			    ip->family != PFX_V4)
				fatalx("%s %s: IPv4 address expected", a, v);
		} else if (strcmp(a, "--peers") == 0)
			o->peers = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(a, "--dh") == 0)
			o->dh = v;
		else if (strcmp(a, "--psk") == 0)
			o->psk = v;
		else if (strcmp(a, "--port") == 0)
			o->port = (uint16_t)strtoul(v, NULL, 10);
		else if (strcmp(a, "--duration") == 0)
			o->duration = strtod(v, NULL);
		else if (strcmp(a, "--warmup") == 0)
			o->warmup = strtod(v, NULL);
		else if (strcmp(a, "--count") == 0)
			o->count = strtoul(v, NULL, 10);
		else if (strcmp(a, "--teardown") == 0)
			o->drop = strcmp(v, "drop") == 0;
		else if (strcmp(a, "--peer-pid") == 0)
			o->peer_pid = atoi(v);
		else if (strcmp(a, "--tx-batch") == 0)
			o->tx_batch = atoi(v);
		else
			usage();
	}
	if (o->duration < 0)
		o->duration = o->role == ROLE_INITIATOR ? 10 : 0;
	if (o->role == ROLE_NONE || o->local.family != PFX_V4 ||
	    o->remote.family != PFX_V4 || o->peers == 0 ||
	    o->peers > MAX_PEERS || o->port == 0 || o->port == IKE_NATT_PORT ||
	    o->tx_batch < 1 || o->tx_batch > TX_BATCH)
		usage();
}

int
main(int argc, char **argv)
{
	struct bench *b = xcalloc(1, sizeof(*b));	/* ~600 KB of queues */
	struct sigaction sa;
	int rc;

	parse(argc, argv, &b->o);
	log_init("bench_ike", true, b->o.verbose ? LOG_LVL_INFO : LOG_LVL_WARN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	b->rx = xcalloc(1, sizeof(*b->rx));
	if (b->o.role == ROLE_RESPONDER)
		rc = run_responder(b);
	else
		rc = run_initiator(b);
	close(b->s[0].fd);
	close(b->s[1].fd);
	free(b->rx);
	free(b);
	return rc;
}
