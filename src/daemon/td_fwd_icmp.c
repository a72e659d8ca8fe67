/*
 * td_fwd_icmp: which address an ICMP error about a packet that came out of a
 * tunnel is sent from (docs/daemon.md "ICMP errors"; RFC 1812 4.3.2.4 wants an
 * address of the interface the error leaves by, here the tunnel).  td_fwd.c builds
 * and encrypts the error; this file only owns the policy, so it stays readable.
 *
 * Candidates, first acceptable wins:
 *   1. our side's inside address of the tunnel (inside_cidr .1 left, .2 right):
 *      what AWS and GCP VPN endpoints answer traceroute from (169.254.x.y), and
 *      what a route-based (0.0.0.0/0) SA carries;
 *   2. the ENI address of the VPN gateway's VPC attachment: inside a policy-based
 *      SA's local selectors whenever the gateway's VPC is (the usual case), and
 *      the address the same gateway already answers its VPC side from.
 * "Acceptable" means inside the outbound SA's local selectors, with dst in its
 * remote ones: the peer's inbound SA checks exactly that (RFC 4301 5.2) and would
 * drop anything else after decrypting it, so sending it would only cost a
 * sequence number.  A TGW side without an inside address has no address of its
 * own on the tunnel (no ENI on a VPN attachment), so it sends nothing.
 */
#include "daemon/td.h"
#include "esp/esp_sa.h"

/* Our inside address of t, when the tunnel has an inside_cidr. */
static bool
inside_addr(const struct td_tunnel *t, struct ipaddr *a)
{
	const struct cfg_tunnel *ct;

	if (t->conn == NULL || t->index >= t->conn->ntunnels)
		return false;
	ct = &t->conn->tunnels[t->index];
	if (!ct->inside_set)
		return false;
	*a = t->left ? ct->inside_left : ct->inside_right;
	return a->family == PFX_V4;
}

int
td_fwd_icmp_src(const struct td_tunnel *t, const struct esp_sa *sa, uint32_t dst,
    uint32_t *src)
{
	struct ipaddr cand[2], to;
	size_t n = 0, i;

	if (inside_addr(t, &cand[n]))
		n++;
	if (t->vpc_att != NULL && t->vpc_att->eni.family == PFX_V4)
		cand[n++] = t->vpc_att->eni;
	addr_from_v4(&to, dst);
	for (i = 0; i < n; i++) {
		if (esp_sa_ts_match(sa, &cand[i], &to)) {
			*src = addr_v4(&cand[i]);
			return 0;
		}
	}
	return -1;
}
