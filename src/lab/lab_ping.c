/*
 * lab_ping: the iputils ping output parser (see lab_ping.h).  The lines used:
 *
 *   64 bytes from 10.0.0.17: icmp_seq=1 ttl=62 time=180 ms [(DUP!)]
 *   5 packets transmitted, 5 received, [+1 duplicates, ][+2 errors, ]0% packet loss, time 801ms
 *   rtt min/avg/max/mdev = 180.101/180.220/180.342/0.090 ms
 *
 * Everything else ("From ... Destination Net Unreachable", the banner) is
 * ignored.  ping is a local program, but its output still goes through bounded,
 * NUL-terminated line copies and strtoul/strtod with end checks.
 */
#include <stdlib.h>
#include <string.h>

#include "lab/lab_ping.h"

#define LINE_MAX_LEN	512

static bool
get_uint_after(const char *line, const char *key, unsigned *out)
{
	const char *p = strstr(line, key);
	char *end;
	unsigned long v;

	if (p == NULL)
		return false;
	p += strlen(key);
	if (*p < '0' || *p > '9')
		return false;
	v = strtoul(p, &end, 10);
	if (end == p || v > 0xffffffffUL)
		return false;
	*out = (unsigned)v;
	return true;
}

static void
parse_reply(const char *line, struct lab_ping_result *r, unsigned *last_seq)
{
	unsigned seq, ttl;

	if (!get_uint_after(line, " icmp_seq=", &seq))
		return;
	r->replies++;
	if (get_uint_after(line, " ttl=", &ttl)) {
		if (r->ttl == -1)
			r->ttl = (int)ttl;
		else if ((unsigned)r->ttl != ttl)
			r->ttl_varies = true;
	}
	if (strstr(line, "(DUP!)") != NULL)
		return;
	if (r->replies > 1 && seq < *last_seq)
		r->out_of_order++;
	*last_seq = seq;
}

/* "5 packets transmitted, 5 received, +1 errors, 0% packet loss, time 801ms" */
static int
parse_summary(const char *line, struct lab_ping_result *r)
{
	const char *p;
	char *end;
	unsigned long v;

	v = strtoul(line, &end, 10);
	if (end == line || strncmp(end, " packets transmitted, ", 22) != 0)
		return -1;
	r->tx = (unsigned)v;
	p = end + 22;
	v = strtoul(p, &end, 10);
	if (end == p || strncmp(end, " received", 9) != 0)
		return -1;
	r->rx = (unsigned)v;
	if ((p = strstr(line, " duplicates")) != NULL) {
		const char *q = p;

		while (q > line && q[-1] >= '0' && q[-1] <= '9')
			q--;
		r->dups = (unsigned)strtoul(q, NULL, 10);
	}
	if ((p = strstr(line, " errors")) != NULL) {
		const char *q = p;

		while (q > line && q[-1] >= '0' && q[-1] <= '9')
			q--;
		r->errors = (unsigned)strtoul(q, NULL, 10);
	}
	if ((p = strstr(line, "% packet loss")) != NULL) {
		const char *q = p;

		while (q > line && ((q[-1] >= '0' && q[-1] <= '9') || q[-1] == '.'))
			q--;
		r->loss_pct = strtod(q, NULL);
	} else
		return -1;
	r->have_summary = true;
	return 0;
}

/* "rtt min/avg/max/mdev = 180.101/180.220/180.342/0.090 ms" */
static void
parse_rtt(const char *line, struct lab_ping_result *r)
{
	const char *p = strstr(line, " = ");
	double v[4];
	char *end;
	int i;

	if (p == NULL)
		return;
	p += 3;
	for (i = 0; i < 4; i++) {
		v[i] = strtod(p, &end);
		if (end == p)
			return;
		p = end;
		if (i < 3) {
			if (*p != '/')
				return;
			p++;
		}
	}
	r->rtt_min = v[0];
	r->rtt_avg = v[1];
	r->rtt_max = v[2];
	r->rtt_mdev = v[3];
	r->have_rtt = true;
}

int
lab_ping_parse(const char *out, size_t len, struct lab_ping_result *r)
{
	char line[LINE_MAX_LEN];
	size_t i = 0, n;
	unsigned last_seq = 0;

	memset(r, 0, sizeof(*r));
	r->ttl = -1;
	while (i < len) {
		const char *nl = memchr(out + i, '\n', len - i);
		size_t ll = nl != NULL ? (size_t)(nl - (out + i)) : len - i;

		n = ll < sizeof(line) - 1 ? ll : sizeof(line) - 1;
		memcpy(line, out + i, n);
		line[n] = '\0';
		i += ll + 1;
		if (strstr(line, " bytes from ") != NULL)
			parse_reply(line, r, &last_seq);
		else if (strstr(line, " packets transmitted, ") != NULL)
			(void)parse_summary(line, r);
		else if (strncmp(line, "rtt ", 4) == 0 || strncmp(line, "round-trip ", 11) == 0)
			parse_rtt(line, r);
		else if (strcmp(line, "ping: connect: Network is unreachable") == 0)
			r->no_route = true;
	}
	return r->have_summary ? 0 : -1;
}

bool
lab_ping_ok(const struct lab_ping_result *r, bool expect_reachable)
{
	if (!r->have_summary)
		return !expect_reachable && r->no_route && r->replies == 0;
	if (expect_reachable)
		return r->tx > 0 && r->rx == r->tx;
	return r->rx == 0 && r->replies == 0;
}
