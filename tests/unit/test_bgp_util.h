/*
 * Helpers shared by the BGP codec tests: wrapping a body into a whole message,
 * parsing with a session, and dumping seeds for the fuzz corpus when
 * BGP_WRITE_CORPUS names a directory.
 */
#ifndef TEST_BGP_UTIL_H
#define TEST_BGP_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/bgp_msg.h"

static const struct bgp_sess sess2 __attribute__((unused)) = { .as4 = false };
static const struct bgp_sess sess4 __attribute__((unused)) = { .as4 = true };

/* marker, length, type, body */
__attribute__((unused)) static size_t
wrap(uint8_t type, const uint8_t *body, size_t blen, uint8_t *out)
{
	size_t len = BGP_HDR_LEN + blen;

	memset(out, 0xff, BGP_MARKER_LEN);
	out[16] = (uint8_t)(len >> 8);
	out[17] = (uint8_t)len;
	out[18] = type;
	if (blen > 0)
		memcpy(out + BGP_HDR_LEN, body, blen);
	return len;
}

__attribute__((unused)) static void
save_seed(const char *name, const uint8_t *p, size_t len)
{
	const char *dir = getenv("BGP_WRITE_CORPUS");
	char path[512];
	FILE *f;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL)
		return;
	fwrite(p, 1, len, f);
	fclose(f);
}

/*
 * An UPDATE from its three parts: withdrawn routes, attributes, NLRI.
 */
__attribute__((unused)) static size_t
mk_update(const uint8_t *wd, size_t wl, const uint8_t *at, size_t al,
    const uint8_t *nl, size_t nll, uint8_t *out)
{
	uint8_t body[BGP_MSG_MAX];
	size_t n = 0;

	body[n++] = (uint8_t)(wl >> 8);
	body[n++] = (uint8_t)wl;
	if (wl > 0)
		memcpy(body + n, wd, wl);
	n += wl;
	body[n++] = (uint8_t)(al >> 8);
	body[n++] = (uint8_t)al;
	if (al > 0)
		memcpy(body + n, at, al);
	n += al;
	if (nll > 0)
		memcpy(body + n, nl, nll);
	n += nll;
	return wrap(BGP_UPDATE, body, n, out);
}

#endif
