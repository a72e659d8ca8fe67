/*
 * fib: the forwarding table compiled from one route table: longest-prefix match from
 * a destination address to a next-hop id.  The route engine owns what a next-hop id
 * means (an attachment, a tunnel, an ECMP group, a blackhole); the FIB only stores it.
 *
 * Concurrency: one writer (the control thread) and any number of lock-free readers
 * (data-plane workers).  Writers publish entries with atomic stores; memory a reader
 * might still hold (a replaced second-level block) is retired, not freed, and handed
 * back by fib_reclaim() once every reader has passed a quiescent point.  A whole new
 * FIB can also be built off-line and swapped in by pointer.
 *
 * Layout (fib.c has the details): DIR-16-8-8, a 256 KiB first level and 1 KiB
 * blocks below it on demand, so a tiny table costs ~260 KiB and a 1 M-prefix
 * table ~73 MiB (57 MiB of blocks, 16 MiB prefix store).  Each FIB reserves
 * 4 GiB of address space (not memory) for its blocks.  Every call except the
 * lookups is writer-only.
 *
 * IPv4 only for now; the family travels in struct prefix so IPv6 can follow.
 */
#ifndef TRANSIT_FIB_H
#define TRANSIT_FIB_H

#include <stddef.h>
#include <stdint.h>

#include "common/prefix.h"

#define FIB_NH_NONE	0u		/* lookup result when no prefix matches */
#define FIB_NH_MAX	((1u << 24) - 1)	/* largest next-hop id a FIB can store */

struct fib;

struct fib_stats {
	size_t	prefixes;
	size_t	memory;		/* bytes held, including the prefix store */
	size_t	groups;		/* level-2/3 blocks (256 entries, 1 KiB) reachable */
	size_t	retired;	/* blocks waiting for fib_reclaim() */
	size_t	lookup_bytes;	/* the part readers touch: level 1 + blocks */
};

struct fib *fib_new(void);
void	 fib_free(struct fib *);
/* Insert or replace prefix -> nh (1..FIB_NH_MAX).  -1 on a bad prefix or nh. */
int	 fib_add(struct fib *, const struct prefix *, uint32_t nh);
/* Remove a prefix; its addresses fall back to the next covering prefix.  -1 if absent. */
int	 fib_del(struct fib *, const struct prefix *);
/*
 * Bulk load into an empty FIB (fast path for a full table); -1 on error (a bad
 * prefix or nh rejects the whole load before anything is written).  A prefix given
 * twice keeps the later nh.
 */
int	 fib_build(struct fib *, const struct prefix *, const uint32_t *nh, size_t n);
/* Safe to call from any thread concurrently with the one writer. */
uint32_t fib_lookup4(const struct fib *, uint32_t dst_host_order);
/* n lookups with prefetching; the fast path for a batch of packets. */
void	 fib_lookup4_batch(const struct fib *, const uint32_t *dst, uint32_t *nh, size_t n);
void	 fib_stats(const struct fib *, struct fib_stats *);
/*
 * Free retired blocks (and unmap trailing empty chunks); the writer calls this when
 * no reader can still hold them, e.g. after every worker passed a quiescent point.
 */
void	 fib_reclaim(struct fib *);

/*
 * Internal to src/route/fib*.c: the prefix store (fib_store.c).  Every prefix of a
 * FIB with its next hop, so a delete can find the next covering prefix.
 */
struct fib_pent {
	uint32_t	addr;
	uint32_t	lennh;		/* len << 24 | nh; 0 = empty slot */
};

struct fib_pstore {
	struct fib_pent	*tab;
	size_t		 cap;		/* power of two, or 0 */
	unsigned	 bits;
	size_t		 n;
	uint32_t	 lencnt[33];	/* prefixes per length */
};

void	 fib_ps_reserve(struct fib_pstore *, size_t n);
/* The stored nh, or FIB_NH_NONE. */
uint32_t fib_ps_get(const struct fib_pstore *, uint32_t addr, unsigned len);
void	 fib_ps_set(struct fib_pstore *, uint32_t addr, unsigned len, uint32_t nh);
int	 fib_ps_del(struct fib_pstore *, uint32_t addr, unsigned len);
/* The longest stored prefix covering addr that is shorter than len: nh, *clen. */
uint32_t fib_ps_covering(const struct fib_pstore *, uint32_t addr, unsigned len,
	    unsigned *clen);
void	 fib_ps_prefetch(const struct fib_pstore *, uint32_t addr, unsigned len);
size_t	 fib_ps_bytes(const struct fib_pstore *);
void	 fib_ps_free(struct fib_pstore *);

#endif
