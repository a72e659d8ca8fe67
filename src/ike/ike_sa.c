/*
 * ike_sa: IKE SA and Child SA objects - creation, lookup by SPI, the SK key
 * directions, key derivation (RFC 7296 2.14, 2.18) and freeing with the keys
 * wiped.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/util.h"
#include "ike/ike_exch.h"

struct ike_ikesa *
ike_ikesa_new(struct ike_engine *eng, struct ike_tunnel *tun, bool initiator,
    uint64_t now_ms)
{
	struct ike_ikesa *sa = xcalloc(1, sizeof(*sa));
	const uint8_t zero[IKE_SPI_LEN] = { 0 };

	sa->tun = tun;
	sa->initiator = initiator;
	do {
		ike_rand(eng, initiator ? sa->spi_i : sa->spi_r, IKE_SPI_LEN);
	} while (memcmp(initiator ? sa->spi_i : sa->spi_r, zero,
	    IKE_SPI_LEN) == 0);
	sa->created_ms = now_ms;
	sa->last_in_ms = now_ms;
	sa->rekey_ms = UINT64_MAX;
	sa->create_ms = UINT64_MAX;
	sa->next = eng->sas;
	eng->sas = sa;
	return sa;
}

void
ike_ikesa_req_clear(struct ike_req *r)
{
	free(r->out.buf);
	ike_dh_free(r->dh);
	OPENSSL_cleanse(r->nonce, sizeof(r->nonce));
	memset(r, 0, sizeof(*r));
}

void
ike_frags_clear(struct ike_frags *f)
{
	size_t i;

	for (i = 0; i <= IKE_MAX_FRAGMENTS; i++)
		if (f->part[i] != NULL) {
			OPENSSL_cleanse(f->part[i], f->plen[i]);
			free(f->part[i]);
		}
	memset(f, 0, sizeof(*f));
}

void
ike_ikesa_free(struct ike_engine *eng, struct ike_ikesa *sa)
{
	struct ike_ikesa **pp;

	for (pp = &eng->sas; *pp != NULL; pp = &(*pp)->next)
		if (*pp == sa) {
			*pp = sa->next;
			break;
		}
	while (sa->children != NULL)
		ike_child_free(sa, sa->children);
	ike_ikesa_req_clear(&sa->req);
	ike_dh_free(sa->dh);
	free(sa->init_req);
	free(sa->init_resp);
	free(sa->resp.buf);
	ike_frags_clear(&sa->rxf);
	ike_keys_wipe(&sa->keys);
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
}

struct ike_ikesa *
ike_ikesa_find(struct ike_engine *eng, const uint8_t spi_i[8],
    const uint8_t spi_r[8], bool from_initiator)
{
	struct ike_ikesa *sa;

	/* The sender's I flag says which of the two SPIs is ours. */
	for (sa = eng->sas; sa != NULL; sa = sa->next) {
		if (sa->state == IKE_SA_DEAD)
			continue;
		if (from_initiator && !sa->initiator &&
		    memcmp(sa->spi_r, spi_r, IKE_SPI_LEN) == 0 &&
		    memcmp(sa->spi_i, spi_i, IKE_SPI_LEN) == 0)
			return sa;
		if (!from_initiator && sa->initiator &&
		    memcmp(sa->spi_i, spi_i, IKE_SPI_LEN) == 0)
			return sa;
	}
	return NULL;
}

const uint8_t *
ike_ikesa_spi_local(const struct ike_ikesa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

void
ike_ikesa_sk_keys(const struct ike_ikesa *sa, bool ours, struct ike_sk_keys *k)
{
	/* SK_ei/SK_ai protect what the original initiator sends (2.14). */
	bool init_dir = ours == sa->initiator;

	memset(k, 0, sizeof(*k));
	k->encr = sa->alg.encr;
	k->encr_keybits = sa->alg.keybits;
	k->integ = sa->alg.integ;
	k->ekey = init_dir ? sa->keys.sk_ei : sa->keys.sk_er;
	k->akey = init_dir ? sa->keys.sk_ai : sa->keys.sk_ar;
}

int
ike_ikesa_derive(struct ike_ikesa *sa, const struct ike_ikesa *old,
    const uint8_t *gir, size_t girlen)
{
	uint8_t seed[IKE_PRF_MAX];
	int rc;

	sa->suite.encr = sa->alg.encr;
	sa->suite.encr_keybits = sa->alg.keybits;
	sa->suite.integ = sa->alg.integ;
	sa->suite.prf = sa->alg.prf;
	sa->suite.dh = sa->alg.dh;
	if (old != NULL)
		rc = ike_skeyseed_rekey(old->alg.prf, old->keys.sk_d,
		    old->keys.prf_len, gir, girlen, sa->ni, sa->ni_len, sa->nr,
		    sa->nr_len, seed);
	else
		rc = ike_skeyseed(sa->alg.prf, sa->ni, sa->ni_len, sa->nr,
		    sa->nr_len, gir, girlen, seed);
	if (rc == 0)
		rc = ike_derive_keys(&sa->suite, seed, sa->ni, sa->ni_len, sa->nr,
		    sa->nr_len, sa->spi_i, sa->spi_r, &sa->keys);
	OPENSSL_cleanse(seed, sizeof(seed));
	sa->have_keys = rc == 0;
	return rc;
}

struct ike_child *
ike_child_new(struct ike_ikesa *sa)
{
	struct ike_child *c = xcalloc(1, sizeof(*c)), **pp;

	c->rekey_ms = c->expire_ms = UINT64_MAX;
	/* Append: the newest child is the last. */
	for (pp = &sa->children; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = c;
	return c;
}

void
ike_child_free(struct ike_ikesa *sa, struct ike_child *c)
{
	struct ike_child **pp;

	for (pp = &sa->children; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (sa->req.child == c)
		sa->req.child = NULL;
	if (sa->req.coll_child == c)
		sa->req.coll_child = NULL;
	free(c);
}

struct ike_child *
ike_child_by_spi_in(struct ike_ikesa *sa, uint32_t spi)
{
	struct ike_child *c;

	for (c = sa->children; c != NULL; c = c->next)
		if (c->spi_in == spi)
			return c;
	return NULL;
}

struct ike_child *
ike_child_by_spi_out(struct ike_ikesa *sa, uint32_t spi)
{
	struct ike_child *c;

	for (c = sa->children; c != NULL; c = c->next)
		if (c->spi_out == spi)
			return c;
	return NULL;
}

size_t
ike_ikesa_n_children(const struct ike_ikesa *sa)
{
	const struct ike_child *c;
	size_t n = 0;

	for (c = sa->children; c != NULL; c = c->next)
		n++;
	return n;
}
