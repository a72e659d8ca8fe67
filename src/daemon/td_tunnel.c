/*
 * td_tunnel: one tunnel of a VPN connection on this node: its UDP 4500 socket
 * (ESP-in-UDP, RFC 3948) bound to our outside address and connected to the peer's,
 * its own SADB (so an SPI only ever resolves to this tunnel's SAs: RFC 4301 5.2,
 * reliability.md 4.2 "each tunnel and SA is bound to exactly one table"), and manual
 * keying: both ends derive the same SAs from the tunnel PSK with HKDF-SHA256
 * (RFC 5869 through OpenSSL EVP_KDF "HKDF"; docs/daemon.md "Manual keying").
 * `keying: ike` tunnels get their SAs from the IKEv2 engine instead (td_ike.c).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/td.h"
#include "esp/esp_xform.h"

#define TD_MANUAL_SALT	"transit manual keying v1"

/*
 * out = HKDF-SHA256(ikm = psk, salt = TD_MANUAL_SALT,
 *                   info = conn "|" index "|" dir "|" what)
 */
static int
hkdf(const char *psk, const char *conn, size_t index, bool l2r, const char *what,
    uint8_t *out, size_t outlen)
{
	EVP_KDF *kdf;
	EVP_KDF_CTX *ctx;
	OSSL_PARAM params[5], *p = params;
	char info[256], digest[] = "SHA256", salt[] = TD_MANUAL_SALT;
	uint8_t ikm[512];
	size_t klen = strlen(psk);
	int n, rc = -1;

	n = snprintf(info, sizeof(info), "%s|%zu|%s|%s", conn, index,
	    l2r ? "left>right" : "right>left", what);
	if (n < 0 || (size_t)n >= sizeof(info) || klen > sizeof(ikm))
		return -1;
	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL)
		return -1;
	ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (ctx == NULL)
		return -1;
	memcpy(ikm, psk, klen);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm, klen);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt,
	    strlen(salt));
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, (size_t)n);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, outlen, params) == 1)
		rc = 0;
	EVP_KDF_CTX_free(ctx);
	OPENSSL_cleanse(ikm, sizeof(ikm));
	return rc;
}

int
td_manual_derive(const char *psk, const char *conn, size_t index, bool l2r,
    uint8_t *key, size_t keylen, uint32_t *spi)
{
	uint8_t s[4];

	if (hkdf(psk, conn, index, l2r, "key", key, keylen) == -1 ||
	    hkdf(psk, conn, index, l2r, "spi", s, sizeof(s)) == -1)
		return -1;
	*spi = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
	/* 1-255 are reserved by IANA (RFC 4303 2.1): fold them away. */
	if (*spi < 256)
		*spi += 256;
	return 0;
}

bool
td_tunnel_live(const struct td_tunnel *t)
{
	return t->udp.fd != -1 && t->sadb != NULL &&
	    esp_sadb_outbound(t->sadb, t->id) != NULL;
}

static int
install_one(struct td_tunnel *t, enum esp_dir dir, char *err, size_t errlen)
{
	/* Outbound on the left is left>right; inbound on the left is right>left. */
	bool l2r = (dir == ESP_DIR_OUT) == t->left;
	uint8_t key[ESP_MAX_KEYMAT_LEN];
	size_t klen = esp_xform_keymat_len(t->xform);
	struct esp_sa_params p;
	struct esp_sa *sa;
	uint32_t spi;

	if (td_manual_derive(t->psk, t->conn_name, t->index, l2r, key, klen, &spi) == -1) {
		snprintf(err, errlen, "HKDF failed");
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.spi = spi;
	p.dir = dir;
	p.tunnel = t->id;
	p.xform = t->xform;
	p.keymat = key;
	p.keymat_len = klen;
	p.replay_window = t->replay_window;
	p.ts_local = t->ts_local;
	p.n_local = t->n_local;
	p.ts_remote = t->ts_remote;
	p.n_remote = t->n_remote;
	p.now = td_now_s();
	sa = esp_sadb_install(t->sadb, &p, err, errlen);
	OPENSSL_cleanse(key, sizeof(key));
	if (sa == NULL)
		return -1;
	if (dir == ESP_DIR_OUT) {
		/*
		 * Manual keying derives the same key after every restart or re-install;
		 * a random start for the explicit IV counter keeps GCM nonces from
		 * repeating under that key (RFC 4106 sec 3.1 asks only uniqueness).
		 */
		if (RAND_bytes((uint8_t *)&sa->xf.iv_ctr, sizeof(sa->xf.iv_ctr)) != 1) {
			snprintf(err, errlen, "no randomness for the IV counter");
			(void)esp_sadb_delete(t->sadb, ESP_DIR_OUT, spi);
			return -1;
		}
		sa->xf.iv_ctr >>= 1;	/* room to count up without wrapping */
		if (esp_sadb_switch_outbound(t->sadb, t->id, spi) == -1) {
			snprintf(err, errlen, "cannot switch outbound SA");
			return -1;
		}
		t->spi_out = spi;
	} else
		t->spi_in = spi;
	return 0;
}

int
td_tunnel_sa_install(struct td_tunnel *t, char *err, size_t errlen)
{
	if (!t->manual) {
		snprintf(err, errlen, "tunnel %s: keying is ike; use `tunnel up` "
		    "(IKE installs the SAs)", t->name);
		return -1;
	}
	if (t->psk == NULL) {
		snprintf(err, errlen, "tunnel %s: no psk", t->name);
		return -1;
	}
	if (t->sadb == NULL) {
		snprintf(err, errlen, "tunnel %s: down", t->name);
		return -1;
	}
	td_tunnel_sa_delete(t);
	if (install_one(t, ESP_DIR_IN, err, errlen) == -1 ||
	    install_one(t, ESP_DIR_OUT, err, errlen) == -1) {
		td_tunnel_sa_delete(t);
		return -1;
	}
	log_info("tunnel %s: manual SAs installed (in 0x%08x, out 0x%08x, %s)",
	    t->name, t->spi_in, t->spi_out, esp_xform_info(t->xform)->name);
	return 0;
}

size_t
td_tunnel_sa_delete(struct td_tunnel *t)
{
	size_t n = 0;

	if (t->sadb == NULL)
		return 0;
	if (!t->manual)
		return td_ike_sa_flush(t);
	if (t->spi_out != 0 && esp_sadb_delete(t->sadb, ESP_DIR_OUT, t->spi_out) == 0)
		n++;
	if (t->spi_in != 0 && esp_sadb_delete(t->sadb, ESP_DIR_IN, t->spi_in) == 0)
		n++;
	t->spi_in = t->spi_out = 0;
	return n;
}

int
td_tunnel_open(struct td_tunnel *t)
{
	struct dp_udp_cfg c;
	struct sockaddr_in sin;
	char err[256], lb[64], pb[64];
	int v;

	if (!t->manual && t->conn->ike_version != 2) {
		log_warnx("tunnel %s: ike_version %u: IKEv1 is not implemented (tunnel "
		    "stays down: fail closed)", t->name, t->conn->ike_version);
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.local = t->local;
	c.port = TD_ESP_PORT;
	c.rcvbuf = 4 << 20;
	c.sndbuf = 4 << 20;
	c.gro = true;	/* td_fwd splits coalesced reads (docs/daemon.md "Offloads") */
	if (dp_udp_open(&c, &t->udp) == -1) {
		log_warn("tunnel %s: cannot bind %s:%d", t->name,
		    addr_fmt(&t->local, lb, sizeof(lb)), TD_ESP_PORT);
		t->udp.fd = -1;
		return -1;
	}
	/*
	 * Connected, so several tunnels may share our address:4500 and the kernel
	 * still gives each its own peer's datagrams.
	 */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(TD_ESP_PORT);
	memcpy(&sin.sin_addr, t->peer.addr, 4);
	if (connect(t->udp.fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		log_warn("tunnel %s: connect", t->name);
	/* Our own fragmentation happens before encryption; never lose a packet to
	 * EMSGSIZE because the underlay is smaller than configured. */
	v = IP_PMTUDISC_DONT;
	(void)setsockopt(t->udp.fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
	if ((t->sadb = esp_sadb_new()) == NULL) {
		log_warnx("tunnel %s: no SADB (libcrypto lacks an algorithm)", t->name);
		dp_udp_close(&t->udp);
		t->udp.fd = -1;
		return -1;
	}
	log_info("tunnel %s: %s:%d <-> %s:%d, mtu %u, mss %u", t->name,
	    addr_fmt(&t->local, lb, sizeof(lb)), TD_ESP_PORT,
	    addr_fmt(&t->peer, pb, sizeof(pb)), TD_ESP_PORT, t->mtu, t->mss);
	if (!t->manual) {
		if (td_ike_open(t) == -1) {
			td_tunnel_close(t);
			return -1;
		}
	} else if (td_tunnel_sa_install(t, err, sizeof(err)) == -1)
		log_warnx("%s", err);
	return 0;
}

void
td_tunnel_close(struct td_tunnel *t)
{
	td_ike_close(t);
	if (t->sadb != NULL) {
		esp_sadb_free(t->sadb);
		t->sadb = NULL;
	}
	t->spi_in = t->spi_out = 0;
	if (t->udp.fd != -1) {
		log_info("tunnel %s: closed", t->name);
		dp_udp_close(&t->udp);
		t->udp.fd = -1;
	}
}

void
td_tunnel_take(struct td_tunnel *to, struct td_tunnel *from)
{
	to->id = from->id;
	to->udp = from->udp;
	from->udp.fd = -1;
	to->sadb = from->sadb;
	from->sadb = NULL;
	to->spi_in = from->spi_in;
	to->spi_out = from->spi_out;
	from->spi_in = from->spi_out = 0;
	to->c = from->c;
	td_ike_take(to, from);
	from->taken = true;
}
