/*
 * util: see util.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"

void *
xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		fatal("malloc %zu", n);
	return p;
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n == 0 ? 1 : n, sz == 0 ? 1 : sz);

	if (p == NULL)
		fatal("calloc %zu x %zu", n, sz);
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t sz)
{
	void *p;

	if (sz != 0 && n > SIZE_MAX / sz)
		fatalx("reallocarray overflow %zu x %zu", n, sz);
	p = realloc(old, n * sz == 0 ? 1 : n * sz);
	if (p == NULL)
		fatal("realloc %zu x %zu", n, sz);
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("strdup");
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("asprintf");
	return p;
}

void
util_grow(void *pp, size_t *cap, size_t n, size_t sz)
{
	void **p = pp;
	size_t ncap;

	if (n <= *cap)
		return;
	ncap = *cap == 0 ? 8 : *cap;
	while (ncap < n)
		ncap *= 2;
	*p = xreallocarray(*p, ncap, sz);
	memset((char *)*p + *cap * sz, 0, (ncap - *cap) * sz);
	*cap = ncap;
}

uint64_t
util_now_ms(void)
{
	return util_now_ns() / 1000000;
}

uint64_t
util_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
