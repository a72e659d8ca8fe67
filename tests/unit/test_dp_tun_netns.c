/*
 * TUN and UDP across network namespaces (docs/io.md).  Driven by
 * tests/integration/tun_netns.test.sh, which prepares the namespaces as root and
 * runs this program; run alone (plain ctest) every test skips with its reason.
 *
 * TRANSIT_NETNS_TEST=<ns> TRANSIT_NETNS_TEST_DIR=<dir>
 *	Create tun "trtest0" inside <ns> with 10.99.0.1/24, MTU 1400, routes
 *	10.77.0.0/16 (kept) and 10.78.0.0/16 (added then deleted); write the device
 *	name to <dir>/ready; answer every ICMP echo request read from the TUN with an
 *	echo reply written back (so the script's ping inside <ns> succeeds only if
 *	both directions work); stop on SIGTERM through the event loop; require two
 *	echoes; close and check the device is gone.
 * TRANSIT_NETNS_UDP_A=<nsA> TRANSIT_NETNS_UDP_B=<nsB>
 *	nsA has 10.98.0.1/24 and nsB 10.98.0.2/24 on a veth pair.  One socket is
 *	opened inside each (this process stays in its own namespace); 64 datagrams
 *	go out in one sendmmsg and must all arrive through recvmmsg with their
 *	contents, source address/port and local address.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <net/if.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/ev.h"
#include "common/prefix.h"
#include "dataplane/dp_nl.h"
#include "dataplane/dp_tun.h"
#include "dataplane/dp_udp.h"

#define TUN_NAME	"trtest0"
#define TUN_MTU		1400
#define BATCH		8

static const char *
netns_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "/run/netns/%s", name);
	return buf;
}

/* RFC 1071 checksum over bytes we built ourselves. */
static uint16_t
inet_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Turn an IPv4 ICMP echo request (RFC 792) into its reply in out.  Returns the
 * reply length, or 0 when pkt is anything else.
 */
static size_t
echo_reply(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap)
{
	struct buf_reader r, icmp;
	struct buf_writer w;
	uint8_t vihl, tos, ttl, proto, type, code;
	uint16_t tot, id, frag, csum, icsum;
	uint32_t src, dst;
	const uint8_t *rest;
	size_t hlen, restlen;

	buf_reader_init(&r, pkt, len);
	buf_get_u8(&r, &vihl);
	buf_get_u8(&r, &tos);
	buf_get_u16(&r, &tot);
	buf_get_u16(&r, &id);
	buf_get_u16(&r, &frag);
	buf_get_u8(&r, &ttl);
	buf_get_u8(&r, &proto);
	buf_get_u16(&r, &csum);
	buf_get_u32(&r, &src);
	buf_get_u32(&r, &dst);
	if (!buf_ok(&r) || vihl >> 4 != 4 || proto != 1 || tot > len)
		return 0;
	hlen = (size_t)(vihl & 0x0f) * 4;
	if (hlen < 20 || tot < hlen || buf_skip(&r, hlen - 20) == -1 ||
	    buf_get_sub(&r, &icmp, tot - hlen) == -1)
		return 0;
	if (buf_get_u8(&icmp, &type) == -1 || buf_get_u8(&icmp, &code) == -1 ||
	    buf_get_u16(&icmp, &icsum) == -1 || type != 8 || code != 0)
		return 0;
	restlen = buf_left(&icmp);	/* identifier, sequence, data */
	if (buf_get_ptr(&icmp, &rest, restlen) == -1)
		return 0;

	buf_writer_init(&w, out, cap);
	buf_put_u8(&w, 0x45);
	buf_put_u8(&w, 0);
	buf_put_u16(&w, (uint16_t)(20 + 4 + restlen));
	buf_put_u16(&w, id);
	buf_put_u16(&w, 0);
	buf_put_u8(&w, 64);
	buf_put_u8(&w, 1);
	buf_put_u16(&w, 0);
	buf_put_u32(&w, dst);
	buf_put_u32(&w, src);
	buf_put_u8(&w, 0);	/* echo reply */
	buf_put_u8(&w, 0);
	buf_put_u16(&w, 0);
	buf_put_bytes(&w, rest, restlen);
	if (!buf_wok(&w))
		return 0;
	buf_patch_u16(&w, 10, inet_csum(out, 20));
	buf_patch_u16(&w, 22, inet_csum(out + 20, w.len - 20));
	return w.len;
}

struct tun_test {
	struct dp_tun	tun;
	int		echoes;
	int		other;
	bool		timed_out;
	uint8_t		bufs[BATCH][2048];
};

static void
tun_readable(struct ev_loop *loop, int fd, unsigned revents, void *arg)
{
	struct tun_test *t = arg;
	uint8_t *bufs[BATCH], reply[2048];
	size_t lens[BATCH], rlen;
	ssize_t n, i;

	for (i = 0; i < BATCH; i++)
		bufs[i] = t->bufs[i];
	n = dp_tun_read_batch(fd, bufs, lens, BATCH, sizeof(t->bufs[0]));
	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		if ((rlen = echo_reply(bufs[i], lens[i], reply, sizeof(reply))) == 0) {
			t->other++;
			continue;
		}
		assert_int_equal(dp_tun_write(fd, reply, rlen), 0);
		t->echoes++;
	}
}

static void
on_sigterm(struct ev_loop *loop, int signo, void *arg)
{
	ev_stop(loop);
}

static void
on_timeout(struct ev_loop *loop, struct ev_timer *tm, void *arg)
{
	struct tun_test *t = arg;

	t->timed_out = true;
	ev_stop(loop);
}

static void
write_ready(const char *dir, const char *name)
{
	char tmp[512], path[512];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/ready.tmp", dir);
	snprintf(path, sizeof(path), "%s/ready", dir);
	assert_non_null(f = fopen(tmp, "w"));
	fprintf(f, "%s\n", name);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
}

/* Is pkt an IPv4 UDP datagram to 10.99.0.7 port 9999?  Returns its payload byte. */
static int
udp_probe(const uint8_t *pkt, size_t len)
{
	struct buf_reader r;
	uint8_t vihl, proto, payload;
	uint16_t dport;
	uint32_t dst;

	buf_reader_init(&r, pkt, len);
	buf_get_u8(&r, &vihl);
	buf_skip(&r, 8);
	buf_get_u8(&r, &proto);
	buf_skip(&r, 6);
	buf_get_u32(&r, &dst);
	if (!buf_ok(&r) || vihl != 0x45 || proto != 17 || dst != 0x0a630007)
		return -1;
	buf_skip(&r, 2);
	buf_get_u16(&r, &dport);
	buf_skip(&r, 4);
	if (buf_get_u8(&r, &payload) == -1 || dport != 9999)
		return -1;
	return payload;
}

/*
 * Several packets queued on the TUN come out of one dp_tun_read_batch, at most n
 * at a time, and the batch ends at EAGAIN.  The packets are UDP datagrams sent
 * from a socket inside the namespace towards 10.99.0.7, which routes into the TUN.
 */
static void
tun_batch_read(struct tun_test *t, const char *path)
{
	enum { NPROBE = 5 };
	uint8_t payload[NPROBE], *bufs[BATCH];
	struct dp_udp_msg out[NPROBE];
	struct dp_udp_cfg cfg = { .netns = path };
	struct dp_udp u;
	size_t lens[BATCH], i, seen = 0;
	ssize_t n;
	int k, rounds = 0;

	for (i = 0; i < BATCH; i++)
		bufs[i] = t->bufs[i];
	/* nothing queued yet (or only kernel chatter, which we drain) */
	while (dp_tun_read_batch(t->tun.fd, bufs, lens, BATCH, sizeof(t->bufs[0])) > 0)
		;
	addr_from_v4(&cfg.local, 0x0a630001);
	assert_int_equal(dp_udp_open(&cfg, &u), 0);
	memset(out, 0, sizeof(out));
	for (i = 0; i < NPROBE; i++) {
		payload[i] = (uint8_t)(0xa0 + i);
		out[i].buf = &payload[i];
		out[i].len = 1;
		addr_from_v4(&out[i].peer, 0x0a630007);
		out[i].peer_port = 9999;
	}
	assert_int_equal(dp_udp_send_batch(&u, out, NPROBE), NPROBE);
	/* All five are queued now: a batch of 2 returns exactly 2. */
	n = dp_tun_read_batch(t->tun.fd, bufs, lens, 2, sizeof(t->bufs[0]));
	assert_int_equal(n, 2);
	for (;;) {
		for (i = 0; i < (size_t)n; i++) {
			if ((k = udp_probe(bufs[i], lens[i])) == -1)
				continue;
			assert_int_equal(k, 0xa0 + seen);	/* in order */
			seen++;
		}
		n = dp_tun_read_batch(t->tun.fd, bufs, lens, BATCH, sizeof(t->bufs[0]));
		assert_true(n >= 0);
		if (n == 0 || ++rounds > 10)
			break;
	}
	assert_int_equal(seen, NPROBE);
	dp_udp_close(&u);
}

static void
test_tun_in_netns(void **state)
{
	const char *ns = getenv("TRANSIT_NETNS_TEST");
	const char *dir = getenv("TRANSIT_NETNS_TEST_DIR");
	static struct tun_test t;
	struct dp_tun_cfg cfg = { .name = TUN_NAME, .mtu = TUN_MTU, .plen = 24 };
	struct ipaddr a;
	struct prefix keep, gone;
	struct dp_nl nl;
	struct ev_loop *loop;
	struct ev_timer guard;
	char path[256];

	if (ns == NULL || dir == NULL) {
		print_message("SKIP: TRANSIT_NETNS_TEST/_DIR not set; "
		    "tests/integration/tun_netns.test.sh runs this as root\n");
		skip();
	}
	netns_path(ns, path, sizeof(path));
	addr_from_v4(&a, 0x0a630001);	/* 10.99.0.1 */
	cfg.addr = &a;
	cfg.netns = path;
	assert_int_equal(dp_tun_open(&cfg, &t.tun), 0);
	assert_string_equal(t.tun.name, TUN_NAME);
	/* Only inside the namespace: not in ours. */
	assert_int_equal(if_nametoindex(TUN_NAME), 0);
	assert_int_equal(dp_nl_open(&nl, path), 0);
	assert_int_equal(dp_nl_ifindex(&nl, TUN_NAME), t.tun.ifindex);

	prefix_from_v4(&keep, 0x0a4d0000, 16);	/* 10.77.0.0/16 */
	prefix_from_v4(&gone, 0x0a4e0000, 16);	/* 10.78.0.0/16 */
	assert_int_equal(dp_nl_route_add(path, &keep, TUN_NAME), 0);
	assert_int_equal(dp_nl_route_add(path, &gone, TUN_NAME), 0);
	assert_int_equal(dp_nl_route_add(path, &gone, TUN_NAME), 0);	/* replace */
	assert_int_equal(dp_nl_route_del(path, &gone, TUN_NAME), 0);
	assert_int_equal(dp_nl_route_del(path, &gone, TUN_NAME), -1);
	assert_int_equal(dp_nl_route_add(path, &keep, "nosuchdev0"), -1);

	tun_batch_read(&t, path);

	assert_non_null(loop = ev_new());
	assert_int_equal(ev_signal_add(loop, SIGTERM, on_sigterm, NULL), 0);
	assert_int_equal(ev_io_add(loop, t.tun.fd, EV_READ, tun_readable, &t), 0);
	ev_timer_init(&guard, on_timeout, &t);
	ev_timer_after(loop, &guard, 30ull * 1000000000u);
	write_ready(dir, t.tun.name);

	assert_int_equal(ev_run(loop), 0);
	print_message("tun: %d echo requests answered, %d other packets%s\n",
	    t.echoes, t.other, t.timed_out ? ", TIMED OUT" : "");
	assert_false(t.timed_out);
	assert_true(t.echoes >= 2);

	ev_io_del(loop, t.tun.fd);
	ev_timer_cancel(loop, &guard);
	ev_free(loop);
	dp_tun_close(&t.tun);
	/* Non-persistent: the last close removed it. */
	errno = 0;
	assert_int_equal(dp_nl_ifindex(&nl, TUN_NAME), -1);
	assert_int_equal(errno, ENODEV);
	dp_nl_close(&nl);
}

/* Refusals that need no privileges: they happen before any system call. */
static void
test_tun_bad_config(void **state)
{
	struct dp_tun_cfg cfg = { .name = "trtest-too-long-name" };
	struct dp_tun tun;

	errno = 0;
	assert_int_equal(dp_tun_open(&cfg, &tun), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(tun.fd, -1);
	cfg.name = "trtest1";
	cfg.flags = 0x80;	/* no such flag */
	errno = 0;
	assert_int_equal(dp_tun_open(&cfg, &tun), -1);
	assert_int_equal(errno, EOPNOTSUPP);
	assert_int_equal(tun.fd, -1);
	cfg.flags = 0;
	cfg.netns = "/nonexistent/netns";
	assert_int_equal(dp_tun_open(&cfg, &tun), -1);
	assert_int_equal(tun.fd, -1);
	dp_tun_close(&tun);	/* harmless after a failed open */
}

#define NUDP	64

static void
test_udp_batch_veth(void **state)
{
	const char *nsa = getenv("TRANSIT_NETNS_UDP_A");
	const char *nsb = getenv("TRANSIT_NETNS_UDP_B");
	static uint8_t sbuf[NUDP][1500], rbuf[NUDP][1500];
	struct dp_udp_msg out[NUDP], in[NUDP];
	struct dp_udp_cfg cfg = { .rcvbuf = 4 << 20, .sndbuf = 4 << 20 };
	struct dp_udp ua, ub;
	struct ipaddr a, b;
	char pa[256], pb[256];
	size_t i, got = 0;
	int idle = 0;
	bool seen[NUDP] = { false };

	if (nsa == NULL || nsb == NULL) {
		print_message("SKIP: TRANSIT_NETNS_UDP_A/_B not set; "
		    "tests/integration/tun_netns.test.sh runs this as root\n");
		skip();
	}
	addr_from_v4(&a, 0x0a620001);	/* 10.98.0.1 */
	addr_from_v4(&b, 0x0a620002);	/* 10.98.0.2 */
	cfg.local = a;
	cfg.netns = netns_path(nsa, pa, sizeof(pa));
	assert_int_equal(dp_udp_open(&cfg, &ua), 0);
	cfg.local = b;
	cfg.port = 4500;
	cfg.netns = netns_path(nsb, pb, sizeof(pb));
	assert_int_equal(dp_udp_open(&cfg, &ub), 0);
	assert_int_equal(ub.port, 4500);
	print_message("udp: rcvbuf granted %d (asked %d), sndbuf %d\n", ub.rcvbuf,
	    4 << 20, ub.sndbuf);

	memset(out, 0, sizeof(out));
	memset(in, 0, sizeof(in));
	for (i = 0; i < NUDP; i++) {
		size_t j;

		out[i].buf = sbuf[i];
		out[i].len = 100 + i * 20;
		for (j = 0; j < out[i].len; j++)
			sbuf[i][j] = (uint8_t)(i ^ j);
		out[i].peer = b;
		out[i].peer_port = 4500;
		in[i].buf = rbuf[i];
		in[i].cap = sizeof(rbuf[i]);
	}
	assert_int_equal(dp_udp_send_batch(&ua, out, NUDP), NUDP);
	while (got < NUDP && idle < 200) {
		struct pollfd pfd = { .fd = ub.fd, .events = POLLIN };
		int r;

		if (poll(&pfd, 1, 10) == 0) {
			idle++;
			continue;
		}
		r = dp_udp_recv_batch(&ub, in + got, NUDP - got);
		assert_true(r >= 0);
		got += (size_t)r;
	}
	print_message("udp batch: %zu/%d datagrams\n", got, NUDP);
	assert_int_equal(got, NUDP);
	for (i = 0; i < NUDP; i++) {
		size_t idx = (in[i].len - 100) / 20, j;

		assert_true(idx < NUDP && !seen[idx]);
		seen[idx] = true;
		assert_int_equal(in[i].len, 100 + idx * 20);
		for (j = 0; j < in[i].len; j++)
			assert_int_equal(in[i].buf[j], (uint8_t)(idx ^ j));
		assert_true(addr_eq(&in[i].peer, &a));
		assert_int_equal(in[i].peer_port, ua.port);
		assert_true(addr_eq(&in[i].local, &b));
	}
	dp_udp_close(&ua);
	dp_udp_close(&ub);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tun_bad_config),
		cmocka_unit_test(test_tun_in_netns),
		cmocka_unit_test(test_udp_batch_veth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
