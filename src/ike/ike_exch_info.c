/*
 * ike_exch_info: the INFORMATIONAL exchange (RFC 7296 1.4): Delete of Child SAs
 * and IKE SAs (1.4.1, including crossing Deletes), liveness checks (2.4: an
 * empty INFORMATIONAL request; its retransmission timing out is the DPD
 * timeout).  Only protected messages get here (2.21.4: never act on an
 * unauthenticated Delete).
 */
#include <string.h>

#include "ike/ike_exch.h"

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
ike_info_delete_child(struct ike_engine *eng, struct ike_ikesa *sa,
    struct ike_child *c)
{
	struct ike_mb mb;
	struct ike_payload *pl;

	mb.n = 0;
	pl = ike_mb_add(&mb, IKE_PLD_DELETE);
	pl->u.del.proto = IKE_PROTO_ESP;
	pl->u.del.spi_len = IKE_CHILD_SPI_LEN;
	pl->u.del.nspi = 1;
	put32(pl->u.del.spi[0], c->spi_in);
	ike_ikesa_req_clear(&sa->req);
	if (ike_request(eng, sa, IKE_REQ_DELETE_CHILD, IKE_EXCH_INFORMATIONAL,
	    &mb) == -1)
		return -1;
	sa->req.child = c;
	c->state = IKE_CHILD_DELETING;
	c->del_sent = true;
	return 0;
}

int
ike_info_delete_ike(struct ike_engine *eng, struct ike_ikesa *sa)
{
	struct ike_mb mb;
	struct ike_payload *pl;

	mb.n = 0;
	pl = ike_mb_add(&mb, IKE_PLD_DELETE);
	pl->u.del.proto = IKE_PROTO_IKE;
	ike_ikesa_req_clear(&sa->req);
	if (sa->state != IKE_SA_REKEYED)
		sa->state = IKE_SA_DELETING;
	return ike_request(eng, sa, IKE_REQ_DELETE_IKE, IKE_EXCH_INFORMATIONAL,
	    &mb);
}

int
ike_info_dpd(struct ike_engine *eng, struct ike_ikesa *sa)
{
	struct ike_mb mb;

	mb.n = 0;
	ike_ikesa_req_clear(&sa->req);
	if (ike_request(eng, sa, IKE_REQ_DPD, IKE_EXCH_INFORMATIONAL, &mb) == -1)
		return -1;
	sa->req.deadline_ms = eng->now +
	    (uint64_t)sa->tun->cfg.dpd_timeout_s * 1000;
	return 0;
}

void
ike_info_recv_req(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_rx *rx)
{
	struct ike_mb mb;
	struct ike_payload *out = NULL;
	bool del_ike = false;
	size_t i, j;

	mb.n = 0;
	for (i = 0; i < rx->n; i++) {
		const struct ike_delete *d = &rx->pl[i].u.del;

		if (rx->pl[i].type != IKE_PLD_DELETE)
			continue;
		if (d->proto == IKE_PROTO_IKE) {
			del_ike = true;
			continue;
		}
		if (d->proto != IKE_PROTO_ESP)
			continue;
		for (j = 0; j < d->nspi; j++) {
			uint32_t spi = (uint32_t)d->spi[j][0] << 24 |
			    (uint32_t)d->spi[j][1] << 16 |
			    (uint32_t)d->spi[j][2] << 8 | d->spi[j][3];
			struct ike_child *c = ike_child_by_spi_out(sa, spi);

			if (c == NULL)
				continue;
			/* 1.4.1: crossing Deletes - no Delete in our answer. */
			if (!(c->state == IKE_CHILD_DELETING && c->del_sent)) {
				if (out == NULL) {
					out = ike_mb_add(&mb, IKE_PLD_DELETE);
					out->u.del.proto = IKE_PROTO_ESP;
					out->u.del.spi_len = IKE_CHILD_SPI_LEN;
				}
				if (out->u.del.nspi < IKE_MAX_DELETE_SPIS)
					put32(out->u.del.spi[out->u.del.nspi++],
					    c->spi_in);
			}
			ike_child_delete_event(eng, sa, c);
			if (sa->req.child == c && sa->req.kind ==
			    IKE_REQ_REKEY_CHILD)
				ike_log(eng, sa, "Delete crossed our rekey");
			ike_child_free(sa, c);
		}
	}
	if (ike_rx_notify(rx, IKE_N_AUTHENTICATION_FAILED) != NULL &&
	    sa->state == IKE_SA_ESTABLISHED) {
		/* The initiator refused our AUTH after we thought it done. */
		mb.n = 0;
		ike_respond(eng, sa, IKE_EXCH_INFORMATIONAL, rx->m->hdr.msgid,
		    &mb);
		ike_sa_down(eng, sa, "peer refused our authentication");
		return;
	}
	if (del_ike) {
		mb.n = 0;
		ike_respond(eng, sa, IKE_EXCH_INFORMATIONAL, rx->m->hdr.msgid,
		    &mb);
		if (sa->state == IKE_SA_REKEYED) {
			sa->state = IKE_SA_DEAD;
			ike_log(eng, sa, "rekeyed IKE SA deleted by the peer");
		} else
			ike_sa_down(eng, sa, "deleted by the peer");
		return;
	}
	ike_respond(eng, sa, IKE_EXCH_INFORMATIONAL, rx->m->hdr.msgid, &mb);
}

void
ike_info_recv_resp(struct ike_engine *eng, struct ike_ikesa *sa,
    const struct ike_rx *rx)
{
	struct ike_child *c = sa->req.child;

	(void)rx;
	switch (sa->req.kind) {
	case IKE_REQ_DELETE_CHILD:
		if (c != NULL) {
			ike_child_delete_event(eng, sa, c);
			ike_child_free(sa, c);
		}
		break;
	case IKE_REQ_DELETE_IKE:
		ike_ikesa_req_clear(&sa->req);
		if (sa->state == IKE_SA_REKEYED) {
			sa->state = IKE_SA_DEAD;
			ike_log(eng, sa, "rekeyed IKE SA deleted");
		} else
			ike_sa_down(eng, sa, "deleted");
		return;
	default:
		break;
	}
	ike_ikesa_req_clear(&sa->req);
	ike_sa_kick(eng, sa);
}
