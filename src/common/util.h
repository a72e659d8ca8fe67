/*
 * util: allocation that cannot fail (fatal on exhaustion: a local invariant, never a
 * reaction to remote input), string helpers and small macros.
 */
#ifndef TRANSIT_UTIL_H
#define TRANSIT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

/* Grow a dynamic array *pp of *cap elements of size sz so that it holds n. */
void	 util_grow(void *pp, size_t *cap, size_t n, size_t sz);

/* Monotonic clock in milliseconds / nanoseconds (for I/O glue, never inside engines). */
uint64_t util_now_ms(void);
uint64_t util_now_ns(void);

#endif
