/*
 * IKEv2 engine against strongSwan's charon (reliability.md K1/K10, in a
 * private network namespace on loopback): our engine initiates to charon with
 * PSK, AES-CBC-256/SHA2-256/MODP-2048 (the "aws" profile) and AES-GCM-16-256/
 * ECP-256 (the "gcp" profile); the Child SA keys we
 * hand to the daemon must equal the ones charon derived (from its level-4
 * log: this kernel has no XFRM ESP, so charon runs kernel-libipsec, which
 * also fakes a NAT - IKE moves to UDP 4500 with the non-ESP marker), both
 * directions; then Child SA rekeys initiated by us and by charon, IKE SA
 * rekeys both ways and a Delete; then the same with charon initiating.  Needs root, charon, swanctl and `ip`
 * (the namespace keeps charon off the host); skipped with the reason printed
 * otherwise, or with TRANSIT_IKE_INTEROP=0.  TRANSIT_IKE_INTEROP_KEEP=1 keeps
 * the configuration and charon's log in /tmp/ike-interop-*.
 */
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ike_harness.h"
#include "ike_test_util.h"
#include "common/util.h"

#define CHARON		"/usr/lib/ipsec/charon"
#define SWANCTL		"/usr/sbin/swanctl"

struct ix {
	char		 dir[64];
	char		 uri[128];
	pid_t		 charon;
	int		 fd[2];		/* 127.0.0.2:500 and :4500 */
	struct ike_engine *eng;
	struct h_side	 s;		/* model SADB, reusing the harness' */
	struct harness	 h;
};

static void
wfile(const char *dir, const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

static const char conf[] =
"charon {\n port = 1500\n port_nat_t = 14500\n install_routes = no\n"
" retransmit_tries = 3\n"
" filelog {\n  flog {\n   path = %s/charon.log\n   default = 1\n   ike = 2\n   chd = 4\n   flush_line = yes\n"
"  }\n }\n plugins {\n  vici {\n   socket = unix://%s/charon.vici\n  }\n"
"  stroke {\n   load = no\n  }\n }\n}\n";

static const char swconf[] =
"connections {\n t1 {\n  version = 2\n  local_addrs = 127.0.0.1\n"
"  remote_addrs = 127.0.0.2\n  proposals = %s\n"
"  rekey_time = 0\n  local {\n   auth = psk\n   id = 127.0.0.1\n  }\n"
"  remote {\n   auth = psk\n   id = 127.0.0.2\n  }\n  children {\n   c1 {\n"
"    local_ts = 0.0.0.0/0\n    remote_ts = 0.0.0.0/0\n"
"    esp_proposals = %s\n    rekey_time = 0\n"
"    policies = no\n   }\n  }\n }\n}\n"
"secrets {\n ike-1 {\n  id-1 = 127.0.0.1\n  id-2 = 127.0.0.2\n"
"  secret = transit-psk\n }\n}\n";

static int
swanctl(const struct ix *x, const char *args, bool bg)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "%s %s --uri %s >>%s/swanctl.out 2>&1%s",
	    SWANCTL, args, x->uri, x->dir, bg ? " &" : "");
	return system(cmd);
}

/* charon's IKE and ESP proposals, ours (a profile). */
struct suite {
	const char	*ike, *esp, *ours;
};

static int
setup_suite(void **state, const struct suite *su)
{
	static struct ix x;
	char buf[1024], p[256];
	struct sockaddr_in sin;
	struct ike_tunnel_cfg tc;
	struct ike_engine_cfg ec;
	char err[256];
	int i;

	memset(&x, 0, sizeof(x));
	*state = &x;
	if ((getenv("TRANSIT_IKE_INTEROP") != NULL &&
	    strcmp(getenv("TRANSIT_IKE_INTEROP"), "0") == 0) ||
	    geteuid() != 0 || access(CHARON, X_OK) != 0 ||
	    access(SWANCTL, X_OK) != 0 || unshare(CLONE_NEWNET) != 0 ||
	    system("ip link set lo up 2>/dev/null") != 0)
		return 0;
	strcpy(x.dir, "/tmp/ike-interop-XXXXXX");
	assert_non_null(mkdtemp(x.dir));
	snprintf(buf, sizeof(buf), conf, x.dir, x.dir);
	wfile(x.dir, "strongswan.conf", buf);
	snprintf(buf, sizeof(buf), swconf, su->ike, su->esp);
	wfile(x.dir, "swanctl.conf", buf);
	snprintf(x.uri, sizeof(x.uri), "unix://%s/charon.vici", x.dir);
	snprintf(p, sizeof(p), "%s/strongswan.conf", x.dir);
	snprintf(buf, sizeof(buf), "%s/run", x.dir);
	assert_int_equal(mkdir(buf, 0700), 0);
	if ((x.charon = fork()) == 0) {
		int fd = open("/dev/null", O_WRONLY);

		/* charon must not outlive a test that dies. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		/* Its pid file is /run/charon.pid whatever the configuration says:
		 * a private /run, so another charon on the host (an interop test,
		 * a benchmark) cannot stop this one from starting. */
		if (unshare(CLONE_NEWNS) != 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount(buf, "/run", NULL, MS_BIND, NULL) != 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("STRONGSWAN_CONF", p, 1);
		execl(CHARON, "charon", (char *)NULL);
		_exit(127);
	}
	snprintf(p, sizeof(p), "%s/charon.vici", x.dir);
	for (i = 0; i < 100 && access(p, F_OK) != 0; i++)
		usleep(50000);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(buf, sizeof(buf), "--load-all --file %s/swanctl.conf", x.dir);
	assert_int_equal(swanctl(&x, buf, false), 0);

	for (i = 0; i < 2; i++) {
		x.fd[i] = socket(AF_INET, SOCK_DGRAM, 0);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(i == 0 ? IKE_PORT : IKE_NATT_PORT);
		sin.sin_addr.s_addr = htonl(0x7f000002);
		assert_int_equal(bind(x.fd[i], (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
	}

	memset(&ec, 0, sizeof(ec));
	x.s.rng = 0x1234567;
	ec.rand_bytes = h_rand;	/* deterministic is fine against charon */
	ec.rand_arg = &x.s;
	ec.name = "us";
	x.eng = ike_engine_new(&ec);
	x.s.eng = x.eng;
	memset(&tc, 0, sizeof(tc));
	tc.id = 1;
	h_addr(&tc.local, "127.0.0.2");
	h_addr(&tc.remote, "127.0.0.1");
	tc.remote.port = 1500;
	/* charon's kernel-libipsec fakes a NAT: IKE moves to its NAT-T port. */
	tc.natt_port = 14500;
	memcpy(tc.psk, "transit-psk", 11);
	tc.psk_len = 11;
	tc.ike_proposals = tc.esp_proposals = su->ours;
	assert_int_equal(ike_engine_add_tunnel(x.eng, &tc, err, sizeof(err)), 0);
	x.h.s[0] = x.s;
	x.h.verbose = getenv("IKE_TEST_VERBOSE") != NULL;
	return 0;
}

static int
setup_aws(void **state)
{
	static const struct suite su = { "aes256-sha256-modp2048",
	    "aes256-sha256-modp2048", "aws" };

	return setup_suite(state, &su);
}

static int
setup_gcp(void **state)
{
	static const struct suite su = { "aes256gcm16-prfsha256-ecp256",
	    "aes256gcm16-ecp256", "gcp" };

	return setup_suite(state, &su);
}

static int
teardown(void **state)
{
	struct ix *x = *state;
	char cmd[128];

	if (x->eng == NULL)
		return 0;
	ike_engine_free(x->eng);
	close(x->fd[0]);
	close(x->fd[1]);
	kill(x->charon, SIGTERM);
	waitpid(x->charon, NULL, 0);
	if (getenv("TRANSIT_IKE_INTEROP_KEEP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", x->dir);
		if (system(cmd) != 0)
			print_message("cannot remove %s\n", x->dir);
	}
	return 0;
}

/* Run the engine on the socket with the real clock for `ms`, or until the
 * model has `want` pairs and the log ends in `tail` (NULL: any). */
static void
pump(struct ix *x, uint64_t ms, const char *tail)
{
	uint64_t end = util_now_ms() + ms;
	struct h_side *s = &x->h.s[0];

	s->eng = x->eng;
	for (;;) {
		uint64_t now = util_now_ms(), w;
		struct pollfd pfd[2] = { { .fd = x->fd[0], .events = POLLIN },
		    { .fd = x->fd[1], .events = POLLIN } };
		struct ike_dgram d;
		uint8_t buf[65536];
		int to, k;

		if (now >= end)
			break;
		if (tail != NULL && s->nlog >= strlen(tail) &&
		    strcmp(s->log + s->nlog - strlen(tail), tail) == 0)
			break;
		w = ike_engine_next_wakeup(x->eng);
		to = (int)MIN(MIN(end - now, w > now ? w - now : 0), 100);
		if (poll(pfd, 2, to) > 0)
			for (k = 0; k < 2; k++) {
				struct sockaddr_in from;
				socklen_t fl = sizeof(from);
				struct ike_addr src, dst;
				ssize_t n;
				size_t off = 0;

				if (!(pfd[k].revents & POLLIN))
					continue;
				n = recvfrom(x->fd[k], buf, sizeof(buf), 0,
				    (struct sockaddr *)&from, &fl);
				/* RFC 3948: the non-ESP marker on 4500. */
				if (k == 1 && n >= 4 && memcmp(buf, "\0\0\0\0",
				    4) == 0)
					off = 4;
				else if (k == 1)
					continue;	/* ESP: not ours */
				if (n <= 0)
					continue;
				memset(&src, 0, sizeof(src));
				addr_from_v4(&src.ip, ntohl(from.sin_addr.s_addr));
				src.port = ntohs(from.sin_port);
				h_addr(&dst, "127.0.0.2");
				dst.port = k == 0 ? IKE_PORT : IKE_NATT_PORT;
				ike_engine_input(x->eng, util_now_ms(), &src, &dst,
				    buf + off, (size_t)n - off);
			}
		ike_engine_timer(x->eng, util_now_ms());
		while (ike_engine_pop_dgram(x->eng, &d)) {
			struct sockaddr_in to_sin;

			memset(&to_sin, 0, sizeof(to_sin));
			to_sin.sin_family = AF_INET;
			to_sin.sin_port = htons(d.dst.port);
			memcpy(&to_sin.sin_addr, d.dst.ip.addr, 4);
			if (d.src.port == IKE_NATT_PORT) {
				uint8_t m[65536 + 4] = { 0 };

				memcpy(m + 4, d.data, d.len);
				(void)sendto(x->fd[1], m, d.len + 4, 0,
				    (struct sockaddr *)&to_sin, sizeof(to_sin));
			} else
				(void)sendto(x->fd[0], d.data, d.len, 0,
				    (struct sockaddr *)&to_sin, sizeof(to_sin));
		}
		h_events(&x->h, 0);
	}
}

/*
 * The last Child SA keys charon derived, from its log at level 4 (keymat_v2:
 * "encryption initiator key => N bytes @ ..." then a hex dump).  `what` is
 * "encryption initiator" etc.
 */
static size_t
charon_key(const struct ix *x, const char *what, uint8_t *out, size_t cap)
{
	char p[256], line[512], want[64];
	size_t n = 0, len = 0;
	bool in = false;
	FILE *f;

	snprintf(p, sizeof(p), "%s/charon.log", x->dir);
	snprintf(want, sizeof(want), "%s key => ", what);
	if ((f = fopen(p, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *k = strstr(line, want), *c, *tok, *save;

		if (k != NULL) {
			len = strtoul(k + strlen(want), NULL, 10);
			n = 0;
			in = len <= cap;
			continue;
		}
		if (!in || (c = strstr(line, "[CHD]")) == NULL ||
		    (c = strchr(c + 5, ':')) == NULL) {
			in = false;
			continue;
		}
		for (tok = strtok_r(c + 1, " \n", &save); tok != NULL && n < len;
		    tok = strtok_r(NULL, " \n", &save))
			if (strlen(tok) == 2 && hexdec(tok, out + n, 1) == 1)
				n++;
		if (n == len)
			in = false;
	}
	fclose(f);
	return n == len ? len : 0;
}

/* Our last installed pair against charon's last derived keys, either
 * direction (who initiated the exchange decides which half is "initiator"). */
static void
check_keys(struct ix *x)
{
	const struct h_sa *a = &x->h.s[0].sa[0];
	uint8_t ei[64], er[64], ai[64], ar[64], ki[128], kr[128];
	size_t le, la;

	/* When charon initiated the exchange it derives the keys on our
	 * response, after we installed ours: let it catch up. */
	pump(x, 300, NULL);
	assert_int_equal(x->h.s[0].nsa, 1);
	le = charon_key(x, "encryption initiator", ei, sizeof(ei));
	la = charon_key(x, "integrity initiator", ai, sizeof(ai));
	assert_int_equal(charon_key(x, "encryption responder", er,
	    sizeof(er)), le);
	assert_int_equal(charon_key(x, "integrity responder", ar, sizeof(ar)),
	    la);
	assert_int_equal(le + la, a->klen);
	memcpy(ki, ei, le);
	memcpy(ki + le, ai, la);
	memcpy(kr, er, le);
	memcpy(kr + le, ar, la);
	if (memcmp(a->kout, ki, a->klen) == 0)
		assert_memory_equal(a->kin, kr, a->klen);
	else {
		assert_memory_equal(a->kout, kr, a->klen);
		assert_memory_equal(a->kin, ki, a->klen);
	}
}

static void
test_interop_charon(void **state)
{
	struct ix *x = *state;
	uint32_t old;

	if (x->eng == NULL) {
		print_message("skipped: needs root, %s, %s, a network "
		    "namespace and `ip` (TRANSIT_IKE_INTEROP=0 also skips)\n",
		    CHARON, SWANCTL);
		skip();
	}
	assert_int_equal(ike_engine_initiate(x->eng, 1, util_now_ms()), 0);
	pump(x, 5000, "UI");
	assert_string_equal(x->h.s[0].log, "UI");
	check_keys(x);

	/* We rekey the Child SA. */
	old = x->h.s[0].sa[0].spi_in;
	assert_int_equal(ike_engine_rekey_child(x->eng, 1, util_now_ms()), 0);
	pump(x, 5000, "UIID");
	assert_string_equal(x->h.s[0].log, "UIID");
	assert_int_not_equal(x->h.s[0].sa[0].spi_in, old);
	check_keys(x);

	/* charon rekeys it. */
	swanctl(x, "--rekey --child c1", true);
	pump(x, 5000, "UIIDID");
	assert_string_equal(x->h.s[0].log, "UIIDID");
	check_keys(x);

	/* IKE SA rekeys, ours then charon's; then a Child rekey on the new
	 * IKE SA proves SK_d agrees. */
	assert_int_equal(ike_engine_rekey_ike(x->eng, 1, util_now_ms()), 0);
	pump(x, 5000, "R");
	swanctl(x, "--rekey --ike t1", true);
	pump(x, 5000, "RR");
	assert_int_equal(x->h.s[0].n_rekeyed, 2);
	assert_int_equal(ike_engine_rekey_child(x->eng, 1, util_now_ms()), 0);
	pump(x, 5000, "ID");
	check_keys(x);

	/* Delete: both sides empty. */
	assert_int_equal(ike_engine_delete(x->eng, 1, util_now_ms()), 0);
	pump(x, 5000, "DX");
	assert_int_equal(x->h.s[0].nsa, 0);
	assert_int_equal(x->h.s[0].errors, 0);
	pump(x, 300, NULL);

	/* Roles swapped: charon initiates, we answer. */
	swanctl(x, "--initiate --child c1", true);
	pump(x, 5000, "UI");
	assert_int_equal(x->h.s[0].n_up, 2);
	check_keys(x);
	swanctl(x, "--rekey --child c1", true);
	pump(x, 5000, "UIID");
	check_keys(x);
	assert_int_equal(ike_engine_rekey_child(x->eng, 1, util_now_ms()), 0);
	pump(x, 5000, "UIIDID");
	check_keys(x);
	swanctl(x, "--terminate --ike t1", true);
	pump(x, 5000, "DX");
	assert_int_equal(x->h.s[0].nsa, 0);
	assert_int_equal(x->h.s[0].errors, 0);
	assert_int_equal(ike_engine_n_sas(x->eng), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_interop_charon, setup_aws,
		    teardown),
		cmocka_unit_test_setup_teardown(test_interop_charon, setup_gcp,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
