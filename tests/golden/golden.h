/*
 * golden: what every golden runner shares.  A runner turns CASE.in into text and hands
 * it to golden_check(), which compares it with CASE.ok (or rewrites CASE.ok when
 * TRANSIT_GOLDEN_UPDATE=1, for review by hand before committing).
 */
#ifndef TRANSIT_GOLDEN_H
#define TRANSIT_GOLDEN_H

#include <stddef.h>

/* The whole file, NUL-terminated; NULL (errno set) when unreadable. */
char	*golden_slurp(const char *path, size_t *len);
/*
 * When the text's first line is "#include PATH", the path it names, relative to the
 * directory of inpath (so shipped examples are tested where they live); else NULL.
 */
char	*golden_include(const char *inpath, const char *text);
/* 0: matches (or .ok rewritten); 1: differs or .ok missing, with a line diff on stderr. */
int	 golden_check(const char *inpath, const char *got, size_t len);

#endif
