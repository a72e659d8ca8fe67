/*
 * fib_store: the prefix store behind a FIB (src/route/fib.c): every prefix with its
 * next hop, so fib_add can tell a replace from a new prefix and fib_del can find
 * the next covering prefix.  One open-addressing hash (linear probing, load <= 3/4,
 * 8 bytes a prefix) keyed by address and length; lencnt[] lets the covering search
 * skip lengths that hold no prefix.  It shrinks as prefixes go and frees itself
 * when empty, so an emptied FIB returns to its baseline size.
 */
#include <stdlib.h>

#include "common/util.h"
#include "route/fib.h"

static inline uint32_t
pmask(unsigned len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

static inline size_t
slot(const struct fib_pstore *ps, uint32_t addr, unsigned len)
{
	uint64_t k = ((uint64_t)addr << 6 | len) * 0x9e3779b97f4a7c15ull;

	return (size_t)(k >> (64 - ps->bits));
}

static struct fib_pent *
find(const struct fib_pstore *ps, uint32_t addr, unsigned len)
{
	size_t i, m = ps->cap - 1;
	struct fib_pent *e;

	if (ps->cap == 0)
		return NULL;
	for (i = slot(ps, addr, len);; i = (i + 1) & m) {
		e = &ps->tab[i];
		if (e->lennh == 0)
			return NULL;
		if (e->addr == addr && e->lennh >> 24 == len)
			return e;
	}
}

static void
put(struct fib_pstore *ps, uint32_t addr, uint32_t lennh)
{
	size_t i, m = ps->cap - 1;

	for (i = slot(ps, addr, lennh >> 24); ps->tab[i].lennh != 0; i = (i + 1) & m)
		;
	ps->tab[i].addr = addr;
	ps->tab[i].lennh = lennh;
}

static void
resize(struct fib_pstore *ps, size_t ncap)
{
	struct fib_pent *old = ps->tab;
	size_t i, ocap = ps->cap;

	ps->tab = ncap ? xcalloc(ncap, sizeof(*ps->tab)) : NULL;
	ps->cap = ncap;
	ps->bits = 0;
	while (((size_t)1 << ps->bits) < ncap)
		ps->bits++;
	for (i = 0; i < ocap; i++)
		if (old[i].lennh != 0)
			put(ps, old[i].addr, old[i].lennh);
	free(old);
}

void
fib_ps_reserve(struct fib_pstore *ps, size_t n)
{
	size_t cap = ps->cap ? ps->cap : 64;

	while (n > cap / 4 * 3)
		cap *= 2;
	if (cap != ps->cap)
		resize(ps, cap);
}

uint32_t
fib_ps_get(const struct fib_pstore *ps, uint32_t addr, unsigned len)
{
	const struct fib_pent *e = find(ps, addr, len);

	return e == NULL ? FIB_NH_NONE : e->lennh & FIB_NH_MAX;
}

void
fib_ps_set(struct fib_pstore *ps, uint32_t addr, unsigned len, uint32_t nh)
{
	struct fib_pent *e;

	if ((e = find(ps, addr, len)) != NULL) {
		e->lennh = (uint32_t)len << 24 | nh;
		return;
	}
	fib_ps_reserve(ps, ps->n + 1);
	put(ps, addr, (uint32_t)len << 24 | nh);
	ps->n++;
	ps->lencnt[len]++;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
int
fib_ps_del(struct fib_pstore *ps, uint32_t addr, unsigned len)
{
	struct fib_pent *e = find(ps, addr, len);
	size_t m = ps->cap - 1, i, j, h;

	if (e == NULL)
		return -1;
	i = j = (size_t)(e - ps->tab);
	for (;;) {
		j = (j + 1) & m;
		if (ps->tab[j].lennh == 0)
			break;
		h = slot(ps, ps->tab[j].addr, ps->tab[j].lennh >> 24);
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if (((j - h) & m) >= ((j - i) & m)) {
			ps->tab[i] = ps->tab[j];
			i = j;
		}
	}
	ps->tab[i].addr = 0;
	ps->tab[i].lennh = 0;
	ps->lencnt[len]--;
	if (--ps->n == 0)
		resize(ps, 0);
	else if (ps->cap > 64 && ps->n < ps->cap / 8)
		resize(ps, ps->cap / 2);
	return 0;
}

uint32_t
fib_ps_covering(const struct fib_pstore *ps, uint32_t addr, unsigned len,
    unsigned *clen)
{
	const struct fib_pent *e;
	unsigned l;

	if (ps->cap == 0)
		return FIB_NH_NONE;
	/* The probes are independent: start every miss before waiting on one. */
	for (l = len; l-- > 0;)
		if (ps->lencnt[l] != 0)
			__builtin_prefetch(&ps->tab[slot(ps, addr & pmask(l), l)]);
	for (l = len; l-- > 0;) {
		if (ps->lencnt[l] == 0)
			continue;
		if ((e = find(ps, addr & pmask(l), l)) != NULL) {
			*clen = l;
			return e->lennh & FIB_NH_MAX;
		}
	}
	return FIB_NH_NONE;
}

void
fib_ps_prefetch(const struct fib_pstore *ps, uint32_t addr, unsigned len)
{
	if (ps->cap != 0)
		__builtin_prefetch(&ps->tab[slot(ps, addr, len)], 1);
}

size_t
fib_ps_bytes(const struct fib_pstore *ps)
{
	return ps->cap * sizeof(*ps->tab);
}

void
fib_ps_free(struct fib_pstore *ps)
{
	free(ps->tab);
	ps->tab = NULL;
	ps->cap = ps->n = 0;
}
