/*
 * Golden runner for the route engine (src/route/rt.h): interprets one .in script,
 * prints what it shows, and compares the output with the .ok file beside it
 * (TRANSIT_GOLDEN_UPDATE=1 rewrites the .ok).  Exit 0 = match, 1 = mismatch,
 * 2 = bad script or an unexpected error (message names the line).
 *
 * Every command line is echoed as "> line" (comments "# ..." as themselves) so an
 * .ok file reads as a transcript.  Words are separated by blanks; PREFIX is a CIDR,
 * ADDR an address, on/off booleans.
 *
 * TGW hub model
 *   hub HUB [default-assoc on|off] [default-prop on|off] [ecmp on|off]
 *           [auto-accept on|off] [asn N]      create (default table HUB-default)
 *   hub-set HUB <same options>                change options later (beh. 11)
 *   table HUB TABLE                           create a route table
 *   default-table HUB TABLE
 *   attach HUB ATT TYPE [PREFIX...] [cross-owner]
 *                                             TYPE: vpc vpn-static vpn-bgp peering
 *                                             connect dx vpn-dx; PREFIXes = VPC CIDRs
 *   accept ATT | detach ATT
 *   associate ATT TABLE [policy] | disassociate ATT
 *   propagate ATT TABLE | unpropagate ATT TABLE
 *   static TABLE PREFIX ATT | blackhole TABLE PREFIX | unstatic TABLE PREFIX
 *   plist HUB LIST [PREFIX...]                define / replace a prefix list
 *   plist-add HUB LIST PREFIX | plist-del HUB LIST PREFIX
 *   plist-ref TABLE LIST ATT|blackhole | plist-unref TABLE LIST
 *   learn ATT tun N PREFIX [aspath LEN] [med M] [as FIRST-AS]
 *   unlearn ATT tun N PREFIX | tunnel-down ATT tun N
 *   lookup ATT ADDR                           LPM in ATT's associated table (beh. 1)
 *   advertise ATT                             what a BGP attachment advertises
 *   state ATT                                 attachment state, association, flags
 * VPC tables and CEN
 *   vpc-table TABLE | gateway NAME TYPE
 *   system TABLE PREFIX [vswitch] | unsystem TABLE PREFIX
 *   custom TABLE PREFIX GATEWAY | uncustom TABLE PREFIX
 *   quota TABLE N                             learned-route quota (0 = none)
 *   cen CEN [ttl-transparent on|off]
 *   cen-attach CEN TABLE REGION | cen-detach CEN TABLE
 *   publish CEN TABLE PREFIX | withdraw CEN TABLE PREFIX
 *   bandwidth CEN REGION REGION KBPS | show-bandwidth CEN REGION REGION
 *   path-bandwidth CEN TABLE TABLE | conflicts CEN | ttl CEN
 *   vpc-lookup TABLE ADDR
 * Any table
 *   show TABLE | show-all TABLE               active routes / every candidate
 *   watch on|off                              print change notifications
 *   expect-error COMMAND...                   COMMAND must fail; prints its error
 *   echo TEXT...
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/prefix.h"
#include "common/util.h"
#include "route/rt.h"
#include "golden.h"

#define MAXTOK	40

struct runner {
	struct rt_ctx	*ctx;
	FILE		*out;
	int		 nlines;
	char		 err[512];
	bool		 watch;
};

enum { OK = 0, FAIL = -1, SYNTAX = -2 };

static int __attribute__((format(printf, 2, 3)))
syntax(struct runner *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return SYNTAX;
}

static int
api(struct runner *r, int rc)
{
	if (rc == -1) {
		snprintf(r->err, sizeof(r->err), "%s", rt_ctx_error(r->ctx));
		return FAIL;
	}
	return OK;
}

static int
get_pfx(struct runner *r, const char *s, struct prefix *p)
{
	char e[160];

	if (prefix_parse(s, p, e, sizeof(e)) == -1)
		return syntax(r, "%s", e);
	return OK;
}

static int
get_addr(struct runner *r, const char *s, struct ipaddr *a)
{
	char e[160];

	if (addr_parse(s, a, e, sizeof(e)) == -1)
		return syntax(r, "%s", e);
	return OK;
}

static int
get_u32(struct runner *r, const char *s, uint32_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 || x > UINT32_MAX)
		return syntax(r, "'%s' is not a number 0-4294967295", s);
	*v = (uint32_t)x;
	return OK;
}

static int
get_bool(struct runner *r, const char *s, bool *b)
{
	if (strcmp(s, "on") == 0)
		*b = true;
	else if (strcmp(s, "off") == 0)
		*b = false;
	else
		return syntax(r, "'%s': expected on or off", s);
	return OK;
}

static int
get_table(struct runner *r, const char *s, struct rt_table **t)
{
	if ((*t = rt_table_find(r->ctx, s)) == NULL)
		return syntax(r, "no route table '%s'", s);
	return OK;
}

static int
get_hub(struct runner *r, const char *s, struct rt_hub **h)
{
	if ((*h = rt_hub_find(r->ctx, s)) == NULL)
		return syntax(r, "no hub '%s'", s);
	return OK;
}

static int
get_att(struct runner *r, const char *s, struct rt_att **a)
{
	if ((*a = rt_ctx_att_find(r->ctx, s)) == NULL)
		return syntax(r, "no attachment '%s'", s);
	return OK;
}

static int
get_cen(struct runner *r, const char *s, struct rt_cen **c)
{
	if ((*c = rt_cen_find(r->ctx, s)) == NULL)
		return syntax(r, "no cen '%s'", s);
	return OK;
}

static int
get_tun(struct runner *r, char **tok, unsigned *tun)
{
	uint32_t v;

	if (strcmp(tok[0], "tun") != 0)
		return syntax(r, "expected 'tun N', got '%s'", tok[0]);
	if (get_u32(r, tok[1], &v) != OK)
		return SYNTAX;
	*tun = v;
	return OK;
}

static int
nargs(struct runner *r, int ntok, int min, int max, const char *usage)
{
	if (ntok < min || ntok > max)
		return syntax(r, "usage: %s", usage);
	return OK;
}

static int
hub_opts(struct runner *r, char **tok, int ntok, struct rt_hub_opts *o)
{
	int i;

	for (i = 0; i < ntok; i += 2) {
		bool *b = NULL;

		if (i + 1 >= ntok)
			return syntax(r, "option '%s' needs a value", tok[i]);
		if (strcmp(tok[i], "default-assoc") == 0)
			b = &o->default_assoc;
		else if (strcmp(tok[i], "default-prop") == 0)
			b = &o->default_prop;
		else if (strcmp(tok[i], "ecmp") == 0)
			b = &o->ecmp;
		else if (strcmp(tok[i], "auto-accept") == 0)
			b = &o->auto_accept;
		else if (strcmp(tok[i], "asn") == 0) {
			if (get_u32(r, tok[i + 1], &o->asn) != OK)
				return SYNTAX;
			continue;
		} else
			return syntax(r, "unknown hub option '%s'", tok[i]);
		if (get_bool(r, tok[i + 1], b) != OK)
			return SYNTAX;
	}
	return OK;
}

static void
on_change(void *arg, struct rt_table *t, const struct prefix *p, uint32_t o, uint32_t n)
{
	struct runner *r = arg;
	char buf[PREFIX_STRLEN];

	if (!r->watch)
		return;
	fprintf(r->out, "  ~ %s %s: ", rt_table_name(t), prefix_fmt(p, buf, sizeof(buf)));
	rt_print_nh(r->out, r->ctx, o, rt_ctx_resolve, r->ctx);
	fprintf(r->out, " => ");
	rt_print_nh(r->out, r->ctx, n, rt_ctx_resolve, r->ctx);
	fprintf(r->out, "\n");
}

static void
print_lookup(struct runner *r, uint32_t nh, const struct prefix *m)
{
	const struct rt_nh *set = rt_nh_get(r->ctx, nh);
	char buf[PREFIX_STRLEN];

	if (set == NULL) {
		fprintf(r->out, "  no route (drop)\n");
		return;
	}
	fprintf(r->out, "  %s -> ", prefix_fmt(m, buf, sizeof(buf)));
	rt_print_nh(r->out, r->ctx, nh, rt_ctx_resolve, r->ctx);
	if (set->n == 1 && set->t[0].kind == RT_TGT_BLACKHOLE)
		fprintf(r->out, " (drop)");
	else if (set->n > 1)
		fprintf(r->out, " (ecmp %u)", set->n);
	fprintf(r->out, "\n");
}

static void
conflict_line(void *arg, struct rt_table *t, const struct prefix *p,
    const struct rt_route *rt, struct rt_table *pub)
{
	struct runner *r = arg;
	char buf[PREFIX_STRLEN];

	r->nlines++;
	fprintf(r->out, "  %s %s %s (published by %s)\n", rt_table_name(t),
	    prefix_fmt(p, buf, sizeof(buf)), rt_status_name(rt->status),
	    pub != NULL ? rt_table_name(pub) : "?");
}

static int cmd_cen(struct runner *, char **, int);

static int
cmd_hub(struct runner *r, char **tok, int ntok)
{
	const char *c = tok[0];
	struct rt_hub_opts o;
	struct rt_hub *h;
	struct rt_table *t;
	struct rt_att *a;
	struct prefix p, v[MAXTOK];
	enum rt_att_type type;
	int i, n;

	if (strcmp(c, "hub") == 0) {
		if (ntok < 2)
			return syntax(r, "usage: hub HUB [option value]...");
		if (rt_hub_find(r->ctx, tok[1]) != NULL)
			return syntax(r, "hub '%s' already exists", tok[1]);
		rt_hub_opts_default(&o);
		if (hub_opts(r, tok + 2, ntok - 2, &o) != OK)
			return SYNTAX;
		(void)rt_hub_new(r->ctx, tok[1], &o);
		return OK;
	}
	if (strcmp(c, "hub-set") == 0) {
		if (ntok < 2 || get_hub(r, tok[1], &h) != OK)
			return ntok < 2 ? syntax(r, "usage: hub-set HUB option value...") :
			    SYNTAX;
		o = *rt_hub_get_opts(h);
		if (hub_opts(r, tok + 2, ntok - 2, &o) != OK)
			return SYNTAX;
		rt_hub_set_opts(h, &o);
		return OK;
	}
	if (strcmp(c, "table") == 0) {
		if (nargs(r, ntok, 3, 3, "table HUB TABLE") != OK ||
		    get_hub(r, tok[1], &h) != OK)
			return SYNTAX;
		return rt_hub_table_new(h, tok[2]) == NULL ? api(r, -1) : OK;
	}
	if (strcmp(c, "default-table") == 0) {
		if (nargs(r, ntok, 3, 3, "default-table HUB TABLE") != OK ||
		    get_hub(r, tok[1], &h) != OK || get_table(r, tok[2], &t) != OK)
			return SYNTAX;
		return api(r, rt_hub_set_default_table(h, t));
	}
	if (strcmp(c, "attach") == 0) {
		bool cross = false;

		if (ntok < 4)
			return syntax(r,
			    "usage: attach HUB ATT TYPE [PREFIX...] [cross-owner]");
		if (get_hub(r, tok[1], &h) != OK)
			return SYNTAX;
		if (rt_att_type_parse(tok[3], &type) == -1)
			return syntax(r, "unknown attachment type '%s'", tok[3]);
		for (i = 4, n = 0; i < ntok; i++) {
			if (strcmp(tok[i], "cross-owner") == 0)
				cross = true;
			else if (get_pfx(r, tok[i], &v[n++]) != OK)
				return SYNTAX;
		}
		return rt_hub_attach(h, tok[2], type, v, (size_t)n, cross) == NULL ?
		    api(r, -1) : OK;
	}
	if (strcmp(c, "accept") == 0 || strcmp(c, "detach") == 0 ||
	    strcmp(c, "disassociate") == 0) {
		if (nargs(r, ntok, 2, 2, "accept|detach|disassociate ATT") != OK ||
		    get_att(r, tok[1], &a) != OK)
			return SYNTAX;
		if (c[0] == 'a')
			return api(r, rt_hub_accept(rt_att_hub(a), a));
		if (c[0] == 'd' && c[1] == 'e')
			return api(r, rt_hub_detach(rt_att_hub(a), a));
		return api(r, rt_hub_disassociate(rt_att_hub(a), a));
	}
	if (strcmp(c, "associate") == 0) {
		unsigned fl = 0;

		if (nargs(r, ntok, 3, 4, "associate ATT TABLE [policy]") != OK ||
		    get_att(r, tok[1], &a) != OK || get_table(r, tok[2], &t) != OK)
			return SYNTAX;
		if (ntok == 4) {
			if (strcmp(tok[3], "policy") != 0)
				return syntax(r, "expected 'policy', got '%s'", tok[3]);
			fl = RT_ASSOC_POLICY;
		}
		return api(r, rt_hub_associate(rt_att_hub(a), a, t, fl));
	}
	if (strcmp(c, "propagate") == 0 || strcmp(c, "unpropagate") == 0) {
		if (nargs(r, ntok, 3, 3, "[un]propagate ATT TABLE") != OK ||
		    get_att(r, tok[1], &a) != OK || get_table(r, tok[2], &t) != OK)
			return SYNTAX;
		if (c[0] == 'p')
			return api(r, rt_hub_propagate(rt_att_hub(a), a, t));
		return api(r, rt_hub_unpropagate(rt_att_hub(a), a, t));
	}
	if (strcmp(c, "static") == 0 || strcmp(c, "blackhole") == 0 ||
	    strcmp(c, "unstatic") == 0) {
		bool st = c[0] == 's';

		if (nargs(r, ntok, st ? 4 : 3, st ? 4 : 3,
		    st ? "static TABLE PREFIX ATT" : "blackhole|unstatic TABLE PREFIX") != OK ||
		    get_table(r, tok[1], &t) != OK || get_pfx(r, tok[2], &p) != OK)
			return SYNTAX;
		if (rt_table_hub(t) == NULL)
			return syntax(r, "%s is not a hub route table", tok[1]);
		a = NULL;
		if (st && get_att(r, tok[3], &a) != OK)
			return SYNTAX;
		if (c[0] == 'u')
			return api(r, rt_hub_static_del(rt_table_hub(t), t, &p));
		return api(r, rt_hub_static_add(rt_table_hub(t), t, &p, a));
	}
	if (strcmp(c, "plist") == 0) {
		if (ntok < 3 || get_hub(r, tok[1], &h) != OK)
			return ntok < 3 ?
			    syntax(r, "usage: plist HUB LIST [PREFIX...]") : SYNTAX;
		for (i = 3, n = 0; i < ntok; i++)
			if (get_pfx(r, tok[i], &v[n++]) != OK)
				return SYNTAX;
		return api(r, rt_hub_plist_set(h, tok[2], v, (size_t)n));
	}
	if (strcmp(c, "plist-add") == 0 || strcmp(c, "plist-del") == 0) {
		if (nargs(r, ntok, 4, 4, "plist-add|plist-del HUB LIST PREFIX") != OK ||
		    get_hub(r, tok[1], &h) != OK || get_pfx(r, tok[3], &p) != OK)
			return SYNTAX;
		if (c[6] == 'a')
			return api(r, rt_hub_plist_entry_add(h, tok[2], &p));
		return api(r, rt_hub_plist_entry_del(h, tok[2], &p));
	}
	if (strcmp(c, "plist-ref") == 0) {
		if (nargs(r, ntok, 4, 4, "plist-ref TABLE LIST ATT|blackhole") != OK ||
		    get_table(r, tok[1], &t) != OK)
			return SYNTAX;
		a = NULL;
		if (strcmp(tok[3], "blackhole") != 0 && get_att(r, tok[3], &a) != OK)
			return SYNTAX;
		if (rt_table_hub(t) == NULL)
			return syntax(r, "%s is not a hub route table", tok[1]);
		return api(r, rt_hub_plist_ref(rt_table_hub(t), t, tok[2], a));
	}
	if (strcmp(c, "plist-unref") == 0) {
		if (nargs(r, ntok, 3, 3, "plist-unref TABLE LIST") != OK ||
		    get_table(r, tok[1], &t) != OK)
			return SYNTAX;
		if (rt_table_hub(t) == NULL)
			return syntax(r, "%s is not a hub route table", tok[1]);
		return api(r, rt_hub_plist_unref(rt_table_hub(t), t, tok[2]));
	}
	if (strcmp(c, "learn") == 0) {
		struct rt_bgp_attr at = { 1, 0, 0 };
		unsigned tun;

		if (ntok < 5 || (ntok - 5) % 2 != 0)
			return syntax(r, "usage: learn ATT tun N PREFIX [aspath LEN] [med M] "
			    "[as FIRST-AS]");
		if (get_att(r, tok[1], &a) != OK || get_tun(r, tok + 2, &tun) != OK ||
		    get_pfx(r, tok[4], &p) != OK)
			return SYNTAX;
		for (i = 5; i < ntok; i += 2) {
			uint32_t *dst;

			if (strcmp(tok[i], "aspath") == 0)
				dst = &at.as_path_len;
			else if (strcmp(tok[i], "med") == 0)
				dst = &at.med;
			else if (strcmp(tok[i], "as") == 0)
				dst = &at.first_as;
			else
				return syntax(r, "unknown attribute '%s'", tok[i]);
			if (get_u32(r, tok[i + 1], dst) != OK)
				return SYNTAX;
		}
		return api(r, rt_hub_learn(rt_att_hub(a), a, tun, &p, &at));
	}
	if (strcmp(c, "unlearn") == 0 || strcmp(c, "tunnel-down") == 0) {
		unsigned tun;
		bool un = c[0] == 'u';

		if (nargs(r, ntok, un ? 5 : 4, un ? 5 : 4,
		    un ? "unlearn ATT tun N PREFIX" : "tunnel-down ATT tun N") != OK ||
		    get_att(r, tok[1], &a) != OK || get_tun(r, tok + 2, &tun) != OK ||
		    (un && get_pfx(r, tok[4], &p) != OK))
			return SYNTAX;
		if (un)
			return api(r, rt_hub_unlearn(rt_att_hub(a), a, tun, &p));
		return api(r, rt_hub_tunnel_down(rt_att_hub(a), a, tun));
	}
	if (strcmp(c, "lookup") == 0) {
		struct ipaddr ad;
		struct prefix m;
		uint32_t nh;

		if (nargs(r, ntok, 3, 3, "lookup ATT ADDR") != OK ||
		    get_att(r, tok[1], &a) != OK || get_addr(r, tok[2], &ad) != OK)
			return SYNTAX;
		nh = rt_hub_lookup(rt_att_hub(a), a, &ad, &m);
		print_lookup(r, nh, &m);
		return OK;
	}
	if (strcmp(c, "advertise") == 0) {
		struct rt_advert *ads;
		size_t k, na;
		char buf[PREFIX_STRLEN];

		if (nargs(r, ntok, 2, 2, "advertise ATT") != OK ||
		    get_att(r, tok[1], &a) != OK)
			return SYNTAX;
		if (rt_hub_advertise(rt_att_hub(a), a, &ads, &na) == -1)
			return api(r, -1);
		if (na == 0)
			fprintf(r->out, "  (nothing advertised)\n");
		for (k = 0; k < na; k++)
			fprintf(r->out, "  %s as-path-len %u first-as %u\n",
			    prefix_fmt(&ads[k].pfx, buf, sizeof(buf)), ads[k].as_path_len,
			    ads[k].first_as);
		free(ads);
		return OK;
	}
	if (strcmp(c, "state") == 0) {
		if (nargs(r, ntok, 2, 2, "state ATT") != OK || get_att(r, tok[1], &a) != OK)
			return SYNTAX;
		fprintf(r->out, "  %s %s %s assoc %s prop ", rt_att_name(a),
		    rt_att_type_name(rt_att_type(a)),
		    rt_att_state(a) == RT_ATT_AVAILABLE ? "available" : "pendingAcceptance",
		    rt_att_assoc(a) != NULL ? rt_table_name(rt_att_assoc(a)) : "-");
		for (i = 0; (size_t)i < rt_att_nprops(a); i++)
			fprintf(r->out, "%s%s", i > 0 ? "," : "",
			    rt_table_name(rt_att_prop_at(a, (size_t)i)));
		fprintf(r->out, "%s%s\n", i == 0 ? "-" : "",
		    rt_att_suppressed(a) ? " (identical CIDR: not propagated)" : "");
		return OK;
	}
	return cmd_cen(r, tok, ntok);
}

static int
cmd_cen(struct runner *r, char **tok, int ntok)
{
	const char *c = tok[0];
	struct rt_table *t, *t2;
	struct rt_cen *cen;
	struct prefix p;
	uint32_t v;

	if (strcmp(c, "vpc-table") == 0) {
		if (nargs(r, ntok, 2, 2, "vpc-table TABLE") != OK)
			return SYNTAX;
		return rt_vpc_table_new(r->ctx, tok[1]) == NULL ? api(r, -1) : OK;
	}
	if (strcmp(c, "gateway") == 0) {
		if (nargs(r, ntok, 3, 3, "gateway NAME TYPE") != OK)
			return SYNTAX;
		(void)rt_ctx_obj_new(r->ctx, tok[1], tok[2]);
		return OK;
	}
	if (strcmp(c, "system") == 0 || strcmp(c, "unsystem") == 0 ||
	    strcmp(c, "uncustom") == 0) {
		bool add = c[0] == 's';

		if (nargs(r, ntok, 3, add ? 4 : 3, add ? "system TABLE PREFIX [vswitch]" :
		    "unsystem|uncustom TABLE PREFIX") != OK || get_table(r, tok[1], &t) != OK ||
		    get_pfx(r, tok[2], &p) != OK)
			return SYNTAX;
		if (ntok == 4 && strcmp(tok[3], "vswitch") != 0)
			return syntax(r, "expected 'vswitch', got '%s'", tok[3]);
		if (add)
			return api(r, rt_vpc_system_add(t, &p, ntok == 4));
		if (c[2] == 's')
			return api(r, rt_vpc_system_del(t, &p));
		return api(r, rt_vpc_custom_del(t, &p));
	}
	if (strcmp(c, "custom") == 0) {
		uint32_t id;
		const char *name;

		if (nargs(r, ntok, 4, 4, "custom TABLE PREFIX GATEWAY") != OK ||
		    get_table(r, tok[1], &t) != OK || get_pfx(r, tok[2], &p) != OK)
			return SYNTAX;
		for (id = 1; (name = rt_ctx_obj_name(r->ctx, id)) != NULL; id++)
			if (strcmp(name, tok[3]) == 0)
				break;
		if (name == NULL)
			return syntax(r, "no gateway '%s' (declare it with 'gateway')", tok[3]);
		return api(r, rt_vpc_custom_add(t, &p, id));
	}
	if (strcmp(c, "quota") == 0) {
		if (nargs(r, ntok, 3, 3, "quota TABLE N") != OK ||
		    get_table(r, tok[1], &t) != OK || get_u32(r, tok[2], &v) != OK)
			return SYNTAX;
		rt_table_set_learned_quota(t, v);
		return OK;
	}
	if (strcmp(c, "cen") == 0) {
		bool ttl = true;

		if (ntok != 2 && ntok != 4)
			return syntax(r, "usage: cen CEN [ttl-transparent on|off]");
		if (rt_cen_find(r->ctx, tok[1]) != NULL)
			return syntax(r, "cen '%s' already exists", tok[1]);
		if (ntok == 4 && (strcmp(tok[2], "ttl-transparent") != 0 ||
		    get_bool(r, tok[3], &ttl) != OK))
			return syntax(r, "usage: cen CEN [ttl-transparent on|off]");
		cen = rt_cen_new(r->ctx, tok[1]);
		rt_cen_set_ttl_transparent(cen, ttl);
		return OK;
	}
	if (strcmp(c, "cen-attach") == 0) {
		if (nargs(r, ntok, 4, 4, "cen-attach CEN TABLE REGION") != OK ||
		    get_cen(r, tok[1], &cen) != OK || get_table(r, tok[2], &t) != OK)
			return SYNTAX;
		return api(r, rt_cen_attach(cen, t, tok[3]));
	}
	if (strcmp(c, "cen-detach") == 0) {
		if (nargs(r, ntok, 3, 3, "cen-detach CEN TABLE") != OK ||
		    get_cen(r, tok[1], &cen) != OK || get_table(r, tok[2], &t) != OK)
			return SYNTAX;
		return api(r, rt_cen_detach(cen, t));
	}
	if (strcmp(c, "publish") == 0 || strcmp(c, "withdraw") == 0) {
		if (nargs(r, ntok, 4, 4, "publish|withdraw CEN TABLE PREFIX") != OK ||
		    get_cen(r, tok[1], &cen) != OK || get_table(r, tok[2], &t) != OK ||
		    get_pfx(r, tok[3], &p) != OK)
			return SYNTAX;
		if (c[0] == 'p')
			return api(r, rt_cen_publish(cen, t, &p));
		return api(r, rt_cen_withdraw(cen, t, &p));
	}
	if (strcmp(c, "bandwidth") == 0) {
		if (nargs(r, ntok, 5, 5, "bandwidth CEN REGION REGION KBPS") != OK ||
		    get_cen(r, tok[1], &cen) != OK || get_u32(r, tok[4], &v) != OK)
			return SYNTAX;
		return api(r, rt_cen_set_bandwidth(cen, tok[2], tok[3], v));
	}
	if (strcmp(c, "show-bandwidth") == 0) {
		if (nargs(r, ntok, 4, 4, "show-bandwidth CEN REGION REGION") != OK ||
		    get_cen(r, tok[1], &cen) != OK)
			return SYNTAX;
		v = rt_cen_bandwidth(cen, tok[2], tok[3]);
		if (v == 0)
			fprintf(r->out, "  %s <-> %s: unlimited (same region)\n", tok[2],
			    tok[3]);
		else
			fprintf(r->out, "  %s <-> %s: %u kbps\n", tok[2], tok[3], v);
		return OK;
	}
	if (strcmp(c, "path-bandwidth") == 0) {
		if (nargs(r, ntok, 4, 4, "path-bandwidth CEN TABLE TABLE") != OK ||
		    get_cen(r, tok[1], &cen) != OK || get_table(r, tok[2], &t) != OK ||
		    get_table(r, tok[3], &t2) != OK)
			return SYNTAX;
		if (rt_cen_region(cen, t) == NULL || rt_cen_region(cen, t2) == NULL)
			return syntax(r, "both tables must be attached to %s", tok[1]);
		v = rt_cen_path_bandwidth(cen, t, t2);
		fprintf(r->out, "  %s (%s) -> %s (%s): ", tok[2], rt_cen_region(cen, t), tok[3],
		    rt_cen_region(cen, t2));
		if (v == 0)
			fprintf(r->out, "unlimited\n");
		else
			fprintf(r->out, "%u kbps\n", v);
		return OK;
	}
	if (strcmp(c, "conflicts") == 0) {
		if (nargs(r, ntok, 2, 2, "conflicts CEN") != OK ||
		    get_cen(r, tok[1], &cen) != OK)
			return SYNTAX;
		fprintf(r->out, "  conflicts of %s:\n", tok[1]);
		r->nlines = 0;
		rt_cen_conflicts(cen, conflict_line, r);
		if (r->nlines == 0)
			fprintf(r->out, "  (none)\n");
		return OK;
	}
	if (strcmp(c, "ttl") == 0) {
		if (nargs(r, ntok, 2, 2, "ttl CEN") != OK || get_cen(r, tok[1], &cen) != OK)
			return SYNTAX;
		fprintf(r->out, "  %s ttl-transparent %s\n", tok[1],
		    rt_cen_ttl_transparent(cen) ? "on" : "off");
		return OK;
	}
	if (strcmp(c, "vpc-lookup") == 0) {
		struct ipaddr ad;
		struct prefix m;

		if (nargs(r, ntok, 3, 3, "vpc-lookup TABLE ADDR") != OK ||
		    get_table(r, tok[1], &t) != OK || get_addr(r, tok[2], &ad) != OK)
			return SYNTAX;
		print_lookup(r, rt_table_lookup(t, &ad, &m), &m);
		return OK;
	}
	if (strcmp(c, "show") == 0 || strcmp(c, "show-all") == 0) {
		if (nargs(r, ntok, 2, 2, "show|show-all TABLE") != OK ||
		    get_table(r, tok[1], &t) != OK)
			return SYNTAX;
		rt_print_table(r->out, t, c[4] == '-' ? RT_PRINT_ALL : 0, rt_ctx_resolve,
		    r->ctx);
		return OK;
	}
	if (strcmp(c, "watch") == 0) {
		if (nargs(r, ntok, 2, 2, "watch on|off") != OK ||
		    get_bool(r, tok[1], &r->watch) != OK)
			return SYNTAX;
		return OK;
	}
	if (strcmp(c, "echo") == 0)
		return OK;
	return syntax(r, "unknown command '%s'", c);
}

static int
run_line(struct runner *r, char *line)
{
	char *tok[MAXTOK], *s, *save = NULL;
	int ntok = 0, rc;
	bool expect = false;

	for (s = strtok_r(line, " \t", &save); s != NULL; s = strtok_r(NULL, " \t", &save)) {
		if (ntok == MAXTOK)
			return syntax(r, "more than %d words", MAXTOK);
		tok[ntok++] = s;
	}
	if (ntok == 0)
		return OK;
	if (strcmp(tok[0], "expect-error") == 0) {
		expect = true;
		if (ntok == 1)
			return syntax(r, "usage: expect-error COMMAND...");
	}
	rc = cmd_hub(r, tok + expect, ntok - expect);
	if (!expect || rc == SYNTAX)
		return rc;
	if (rc == OK)
		return syntax(r, "expected an error, the command succeeded");
	fprintf(r->out, "  error: %s\n", r->err);
	return OK;
}

int
main(int argc, char **argv)
{
	struct runner r;
	char *in, *line, *save = NULL, *outbuf = NULL;
	size_t len, outlen = 0, plen;
	int lineno = 0, rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s case.in\n", argv[0]);
		return 2;
	}
	plen = strlen(argv[1]);
	if (plen < 4 || strcmp(argv[1] + plen - 3, ".in") != 0) {
		fprintf(stderr, "%s: expected a .in file\n", argv[1]);
		return 2;
	}
	if ((in = golden_slurp(argv[1], &len)) == NULL) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if (memchr(in, '\0', len) != NULL) {
		fprintf(stderr, "%s: contains a NUL byte\n", argv[1]);
		free(in);
		return 2;
	}
	memset(&r, 0, sizeof(r));
	r.ctx = rt_ctx_new();
	r.out = open_memstream(&outbuf, &outlen);
	if (r.out == NULL) {
		fprintf(stderr, "open_memstream: %s\n", strerror(errno));
		return 2;
	}
	rt_ctx_listen(r.ctx, on_change, &r);

	/* Split by hand: strtok_r would merge empty lines and shift line numbers. */
	for (line = in; line != NULL && *line != '\0'; line = save) {
		char *nl = strchr(line, '\n'), *p;

		save = nl != NULL ? nl + 1 : NULL;
		if (nl != NULL)
			*nl = '\0';
		lineno++;
		if ((p = strchr(line, '\r')) != NULL)
			*p = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0')
			continue;
		fprintf(r.out, "%s%s\n", *p == '#' ? "" : "> ", p);
		if (*p == '#')
			continue;
		if (run_line(&r, p) != OK) {
			fflush(r.out);
			fprintf(stderr, "%s:%d: %s\n", argv[1], lineno, r.err);
			rc = 2;
			break;
		}
	}
	fclose(r.out);
	rt_ctx_free(r.ctx);
	free(in);
	if (rc != 0) {
		free(outbuf);
		return rc;
	}

	rc = golden_check(argv[1], outbuf, outlen);
	free(outbuf);
	return rc;
}
