/*
 * bench_tunnel: the small-packet load generator and counter of bench/tunnel.sh
 * (performance.md, targets table: "sendmmsg UDP blaster in client netns, binary
 * search on offered rate, count at server"). iperf3 sends one datagram per
 * syscall with a select() in between and tops out near 60 kpps of 64-byte packets
 * on the test VM, below what a tunnel should carry; this one batches with
 * sendmmsg/recvmmsg.
 *
 *   bench_tunnel send ADDR PORT PPS SECS LEN FLOWS
 *	offers PPS packets/s (0: as fast as possible) of LEN bytes of UDP payload for
 *	SECS seconds from FLOWS sockets (distinct source ports, so distinct flows);
 *	prints "sent N".
 *   bench_tunnel recv ADDR PORT SECS
 *	counts the datagrams that carry the sender's tag until 0.5 s pass without one
 *	(after the first) or SECS seconds in all; prints "received N".
 *
 * Only ever talks to the address it is given; the script points it at hostB
 * inside its own namespaces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

#define BATCH		64
#define MAX_LEN		1472
#define MAX_FLOWS	64
#define TAG		0x74756e42u	/* "tunB": ignore strays on the port */
#define IDLE_NS		500000000ull

struct blast {
	struct sockaddr_in dst;
	uint64_t	pps;
	uint64_t	secs;
	size_t		len;
	int		fds[MAX_FLOWS];
	size_t		nflows;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int
parse_addr(const char *a, const char *p, struct sockaddr_in *sin)
{
	uint64_t port;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, a, &sin->sin_addr) != 1 ||
	    parse_u64(p, 1, 65535, &port) == -1)
		return -1;
	sin->sin_port = htons((uint16_t)port);
	return 0;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
do_send(struct blast *b)
{
	uint8_t (*pkt)[MAX_LEN] = xcalloc(BATCH, MAX_LEN);
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint64_t t0, now, end, sent = 0, want, minburst;
	size_t i, flow = 0;
	int n, rc = 0;

	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		put32(pkt[i], TAG);
		iov[i].iov_base = pkt[i];
		iov[i].iov_len = b->len;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	/*
	 * Paced: wait until about 100 us worth of packets are due, so that a
	 * syscall carries several of them (a sleep costs ~60 us of timer slack).
	 */
	minburst = b->pps / 10000;
	if (minburst < 1)
		minburst = 1;
	if (minburst > BATCH)
		minburst = BATCH;
	t0 = now_ns();
	end = t0 + b->secs * 1000000000ull;
	while ((now = now_ns()) < end) {
		size_t burst = BATCH;

		if (b->pps != 0) {
			want = (now - t0) * b->pps / 1000000000ull;
			if (want < sent + minburst) {
				struct timespec ts = { 0, 20000 };

				nanosleep(&ts, NULL);
				continue;
			}
			if (want - sent < burst)
				burst = (size_t)(want - sent);
		}
		for (i = 0; i < burst; i++)
			put32(pkt[i] + 4, (uint32_t)(sent + i));
		n = sendmmsg(b->fds[flow], msgs, (unsigned int)burst, 0);
		if (n == -1) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR ||
			    errno == ECONNREFUSED)
				continue;
			perror("bench_tunnel: sendmmsg");
			rc = -1;
			break;
		}
		sent += (uint64_t)n;
		flow = (flow + 1) % b->nflows;
	}
	printf("sent %llu\n", (unsigned long long)sent);
	free(pkt);
	return rc;
}

static int
do_recv(int fd, uint64_t secs)
{
	uint8_t (*buf)[MAX_LEN] = xcalloc(BATCH, MAX_LEN);
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct timeval tv = { 0, 100000 };
	uint64_t t0, last = 0, got = 0, now;
	int i, n, sz = 64 << 20, rc = 0;

	/* root: FORCE ignores rmem_max, which cannot be raised inside a netns */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1) {
		perror("bench_tunnel: SO_RCVTIMEO");
		free(buf);
		return -1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	printf("ready\n");
	fflush(stdout);
	t0 = now_ns();
	for (;;) {
		now = now_ns();
		if (now - t0 > secs * 1000000000ull ||
		    (got != 0 && now - last > IDLE_NS))
			break;
		n = recvmmsg(fd, msgs, BATCH, 0, NULL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				continue;
			perror("bench_tunnel: recvmmsg");
			rc = -1;
			break;
		}
		for (i = 0; i < n; i++)
			if (msgs[i].msg_len >= 8 && get32(buf[i]) == TAG)
				got++;
		if (n > 0)
			last = now_ns();
	}
	printf("received %llu\n", (unsigned long long)got);
	free(buf);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_tunnel send ADDR PORT PPS SECS LEN FLOWS\n"
	    "       bench_tunnel recv ADDR PORT SECS\n");
}

int
main(int argc, char **argv)
{
	struct blast b;
	uint64_t v;
	size_t i;
	int fd, rc;

	memset(&b, 0, sizeof(b));
	if (argc == 8 && strcmp(argv[1], "send") == 0) {
		if (parse_addr(argv[2], argv[3], &b.dst) == -1 ||
		    parse_u64(argv[4], 0, 100000000, &b.pps) == -1 ||
		    parse_u64(argv[5], 1, 3600, &b.secs) == -1 ||
		    parse_u64(argv[6], 8, MAX_LEN, &v) == -1) {
			usage();
			return 2;
		}
		b.len = (size_t)v;
		if (parse_u64(argv[7], 1, MAX_FLOWS, &v) == -1) {
			usage();
			return 2;
		}
		b.nflows = (size_t)v;
		for (i = 0; i < b.nflows; i++) {
			b.fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
			if (b.fds[i] == -1 || connect(b.fds[i],
			    (const struct sockaddr *)&b.dst, sizeof(b.dst)) == -1) {
				perror("bench_tunnel: socket/connect");
				return 1;
			}
		}
		rc = do_send(&b);
		for (i = 0; i < b.nflows; i++)
			close(b.fds[i]);
		return rc == 0 ? 0 : 1;
	}
	if (argc == 5 && strcmp(argv[1], "recv") == 0) {
		if (parse_addr(argv[2], argv[3], &b.dst) == -1 ||
		    parse_u64(argv[4], 1, 3600, &b.secs) == -1) {
			usage();
			return 2;
		}
		if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
		    bind(fd, (const struct sockaddr *)&b.dst, sizeof(b.dst)) == -1) {
			perror("bench_tunnel: socket/bind");
			return 1;
		}
		rc = do_recv(fd, b.secs);
		close(fd);
		return rc == 0 ? 0 : 1;
	}
	usage();
	return 2;
}
