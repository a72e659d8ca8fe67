/*
 * Helpers shared by the test_ike_*.c programs (header-only, static): hex decoding
 * of vectors as printed in RFCs (spaces allowed).
 */
#ifndef TRANSIT_IKE_TEST_UTIL_H
#define TRANSIT_IKE_TEST_UTIL_H

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Decode hex (whitespace ignored) into out; returns the byte count or -1. */
static inline long
hexdec(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s != '\0'; s++) {
		int v;

		if (isspace((unsigned char)*s))
			continue;
		if (!isxdigit((unsigned char)*s))
			return -1;
		v = isdigit((unsigned char)*s) ? *s - '0' :
		    tolower((unsigned char)*s) - 'a' + 10;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (long)n : -1;
}

#endif
