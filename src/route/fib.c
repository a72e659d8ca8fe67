/*
 * fib: IPv4 longest-prefix match as a DIR-16-8-8 multibit trie, with incremental
 * updates and lock-free readers (docs/performance.md section 4).
 *
 * Layout.  Every entry is one uint32_t:
 *	bit 31		EXT: the low 24 bits are the index of a child block
 *	bits 24..29	depth: length of the prefix whose next hop this leaf holds
 *	bits 0..23	next hop (leaf) or block index (EXT); 0 = no route
 * Level 1 is a 65,536-entry array indexed by the top 16 bits (256 KiB, always
 * present); level 2 and level 3 are 256-entry blocks (1 KiB) indexed by the next
 * 8 bits and allocated only under a /16 (or /24) that holds a longer prefix.  A
 * lookup is one load for a /16-or-shorter answer, two for /17-/24 and three for
 * longer prefixes; the 256 KiB first level stays in the L2 cache, so a random
 * lookup costs one DRAM access, like DIR-24-8.  Why not DIR-24-8: its 64 MiB first
 * level would be paid by each of the tens of tiny per-attachment tables a hub
 * holds; here a 5-route table costs 256 KiB plus 1 KiB per /16 it touches, and a
 * full 1 M-route table stays under 100 MiB.  Why not compressed blocks: a
 * poptrie-style variant (runs + popcount, 11 MiB for 1 M routes; commit 00de13e)
 * was measured here and lost: this VM's usable last-level cache is ~4 MiB, so
 * 11 MiB is DRAM-bound too, and its two dependent accesses per level cost more
 * than one; its updates were also 2x slower.  bench/lpm/README.md has the figures.
 *
 * Blocks live in one pool per FIB at a fixed address: 4 GiB of address space
 * reserved PROT_NONE (no memory, no commit charge) and made read-write as it
 * fills, 16 KiB at a time inside the first 2 MiB (small tables stay small) and in
 * 2 MiB MADV_HUGEPAGE steps beyond (a full table's random lookups then do not also
 * miss the TLB).  So a block index becomes an address with one shift and no
 * table, and a reader never sees the pool move.
 *
 * Depths make updates local.  Adding prefix P/len overwrites only leaves in its
 * range whose depth is <= len (so a longer prefix already there survives) and
 * recurses into child blocks.  Deleting P rewrites only leaves of depth == len with
 * the next covering prefix, found in the prefix store (fib_store.c: a hash of every
 * prefix, probed from len-1 down to 0 over the lengths in use).  Each block counts
 * the prefixes longer than its base (/16 or /24) beneath it; when that count drops
 * to 0 all its leaves are equal, so the parent entry becomes that leaf again and
 * the block is retired.
 *
 * Concurrency protocol (one writer, any number of readers, no locks):
 *  - Readers load entries with acquire loads (plain moves on x86) and never write.
 *  - The writer changes a reachable entry only with a single release store, so a
 *    reader sees the old or the new value, each of which was a correct answer at
 *    some instant of the update.
 *  - A new block is completely filled (with the leaf it replaces) before the
 *    release store of the EXT entry pointing to it.
 *  - A block made unreachable by a collapse is RETIRED: kept intact on a list,
 *    never reused until fib_reclaim(), which the writer calls once every reader
 *    has passed a quiescent point (e.g. each worker finished the batch it was
 *    on).  Reclaim returns retired blocks to the free map and decommits the pool
 *    past the highest block in use, so memory follows the table down.
 */
#include <sys/mman.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "route/fib.h"

#define E_EXT		0x80000000u
#define E_DSHIFT	24
#define E_DMASK		0x3fu
#define E_VAL		0x00ffffffu
#define MKLEAF(d, nh)	(((uint32_t)(d) << E_DSHIFT) | (nh))
#define DEPTH(e)	(((e) >> E_DSHIFT) & E_DMASK)

#define L1_SIZE		65536u
#define BLK_ENTRIES	256u
#define BLK_BYTES	((size_t)BLK_ENTRIES * sizeof(uint32_t))
#define MAX_BLOCKS	(1u << 22)		/* 4 GiB of address space per FIB */
#define POOL_BYTES	((size_t)MAX_BLOCKS * BLK_BYTES)
#define HUGE_BYTES	((size_t)2 << 20)
#define SMALL_STEP	((size_t)16 << 10)	/* commit step inside the first 2 MiB */
#define RING		64		/* power of two, > AHEAD */
#define AHEAD		32

struct fib {
	uint32_t	 *tbl1;		/* level 1, L1_SIZE entries */
	uint32_t	 *pool;		/* blocks; fixed address for the FIB's life */
	size_t		  pcommit;	/* bytes of the pool made read-write */
	uint64_t	 *used;		/* block allocated (live or retired) */
	size_t		  usedcap;	/* words */
	uint32_t	 *bcount;	/* prefixes longer than the block's base */
	size_t		  bcountcap;
	size_t		  free_hint;	/* no clear bit in used[] below this word */
	size_t		  live;		/* blocks reachable from level 1 */
	uint32_t	 *retired;	/* unreachable blocks awaiting reclaim */
	size_t		  nretired, retcap;
	struct fib_pstore ps;		/* every prefix (fib_store.c) */
};

static inline uint32_t
ld(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void
st(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline uint32_t *
blkp(uint32_t *pool, uint32_t idx)
{
	return pool + ((size_t)idx << 8);
}

static inline uint32_t
pmask(unsigned len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

/* ---- block pool ---- */

/* Address space only: PROT_NONE costs no memory and no commit charge. */
static uint32_t *
pool_reserve(void)
{
	char *p, *a;
	size_t head;

	/* Over-map so the pool starts on a 2 MiB boundary (huge-page friendly). */
	p = mmap(NULL, POOL_BYTES + HUGE_BYTES, PROT_NONE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		fatal("fib: mmap %zu", POOL_BYTES + HUGE_BYTES);
	a = (char *)(((uintptr_t)p + HUGE_BYTES - 1) & ~(uintptr_t)(HUGE_BYTES - 1));
	head = (size_t)(a - p);
	if (head)
		munmap(p, head);
	munmap(a + POOL_BYTES, HUGE_BYTES - head);
	return (uint32_t *)(void *)a;
}

/*
 * Commit the next step of the pool: 16 KiB at a time inside the first 2 MiB, so
 * a small table stays small, then 2 MiB huge pages so a full table's random
 * lookups do not also miss the TLB.  -1 when the address space is used up.
 */
static int
pool_grow(struct fib *f)
{
	size_t step = f->pcommit < HUGE_BYTES ? SMALL_STEP : HUGE_BYTES, nb;
	char *at = (char *)f->pool + f->pcommit;

	if (f->pcommit + step > POOL_BYTES)
		return -1;
	if (mprotect(at, step, PROT_READ | PROT_WRITE) == -1)
		fatal("fib: mprotect");
#ifdef MADV_HUGEPAGE
	if (step == HUGE_BYTES)
		(void)madvise(at, step, MADV_HUGEPAGE);	/* a hint; failure is harmless */
#endif
	f->pcommit += step;
	nb = f->pcommit / BLK_BYTES;
	util_grow(&f->used, &f->usedcap, (nb + 63) / 64, sizeof(*f->used));
	util_grow(&f->bcount, &f->bcountcap, nb, sizeof(*f->bcount));
	return 0;
}

/* A new block whose 256 entries all hold fill; UINT32_MAX when the pool is full. */
static uint32_t
blk_alloc(struct fib *f, uint32_t fill)
{
	size_t w, hw = f->pcommit / BLK_BYTES, nw = (hw + 63) / 64;
	uint32_t idx, *b, i;

	for (w = f->free_hint; w < nw && f->used[w] == ~(uint64_t)0; w++)
		;
	f->free_hint = w;
	idx = w < nw ? (uint32_t)(w * 64 + (size_t)__builtin_ctzll(~f->used[w])) :
	    (uint32_t)hw;
	/* Bits past hw are always clear, so idx == hw means "commit more". */
	if (idx >= hw && pool_grow(f) == -1)
		return UINT32_MAX;
	f->used[idx / 64] |= (uint64_t)1 << (idx % 64);
	f->bcount[idx] = 0;
	f->live++;
	b = blkp(f->pool, idx);
	for (i = 0; i < BLK_ENTRIES; i++)
		b[i] = fill;
	return idx;
}

static void
blk_retire(struct fib *f, uint32_t idx)
{
	util_grow(&f->retired, &f->retcap, f->nretired + 1, sizeof(*f->retired));
	f->retired[f->nretired++] = idx;
	f->live--;
}

/* The block below *parent, creating it from the leaf there if needed. */
static int
expand(struct fib *f, uint32_t *parent, uint32_t *idx)
{
	uint32_t e = *parent;

	if (e & E_EXT) {
		*idx = e & E_VAL;
		return 0;
	}
	if ((*idx = blk_alloc(f, e)) == UINT32_MAX)
		return -1;
	st(parent, E_EXT | *idx);	/* the block is full before it is reachable */
	return 0;
}

/* Every leaf equals the covering one again: hand the parent that leaf. */
static void
collapse(struct fib *f, uint32_t *parent, uint32_t idx)
{
	uint32_t v = blkp(f->pool, idx)[0];

	if (v & E_EXT)
		fatalx("fib: collapsing block %u with a child", idx);
	st(parent, v);
	blk_retire(f, idx);
}

static void
fill_range(struct fib *f, uint32_t *e, size_t n, unsigned len, uint32_t leaf)
{
	size_t i;
	uint32_t v;

	for (i = 0; i < n; i++) {
		v = e[i];
		if (v & E_EXT)
			fill_range(f, blkp(f->pool, v & E_VAL), BLK_ENTRIES, len, leaf);
		else if (DEPTH(v) <= len && v != leaf)
			st(&e[i], leaf);
	}
}

static void
unfill_range(struct fib *f, uint32_t *e, size_t n, unsigned len, uint32_t repl)
{
	size_t i;
	uint32_t v;

	for (i = 0; i < n; i++) {
		v = e[i];
		if (v & E_EXT)
			unfill_range(f, blkp(f->pool, v & E_VAL), BLK_ENTRIES, len, repl);
		else if (DEPTH(v) == len)
			st(&e[i], repl);
	}
}

/*
 * Write addr/len -> nh into the tables; fresh says the prefix is new, so the
 * blocks under it count one more longer prefix.
 */
static int
install(struct fib *f, uint32_t addr, unsigned len, uint32_t nh, bool fresh)
{
	uint32_t leaf = MKLEAF(len, nh), i2, i3, *b2, *p1;

	if (len <= 16) {
		fill_range(f, f->tbl1 + (addr >> 16), (size_t)1 << (16 - len), len, leaf);
		return 0;
	}
	p1 = &f->tbl1[addr >> 16];
	if (expand(f, p1, &i2) == -1)
		return -1;
	b2 = blkp(f->pool, i2);
	if (len <= 24) {
		fill_range(f, b2 + ((addr >> 8) & 0xff), (size_t)1 << (24 - len), len,
		    leaf);
		f->bcount[i2] += fresh;
		return 0;
	}
	if (expand(f, &b2[(addr >> 8) & 0xff], &i3) == -1) {
		if (f->bcount[i2] == 0)
			collapse(f, p1, i2);
		return -1;
	}
	fill_range(f, blkp(f->pool, i3) + (addr & 0xff), (size_t)1 << (32 - len),
	    len, leaf);
	f->bcount[i2] += fresh;
	f->bcount[i3] += fresh;
	return 0;
}

static void
uninstall(struct fib *f, uint32_t addr, unsigned len, uint32_t repl)
{
	uint32_t i2, i3, *b2, *p1, *p2;

	if (len <= 16) {
		unfill_range(f, f->tbl1 + (addr >> 16), (size_t)1 << (16 - len), len,
		    repl);
		return;
	}
	p1 = &f->tbl1[addr >> 16];
	if (!(*p1 & E_EXT))
		fatalx("fib: no block under stored prefix /%u", len);
	i2 = *p1 & E_VAL;
	b2 = blkp(f->pool, i2);
	if (len <= 24)
		unfill_range(f, b2 + ((addr >> 8) & 0xff), (size_t)1 << (24 - len),
		    len, repl);
	else {
		p2 = &b2[(addr >> 8) & 0xff];
		if (!(*p2 & E_EXT))
			fatalx("fib: no level-3 block under stored prefix /%u", len);
		i3 = *p2 & E_VAL;
		unfill_range(f, blkp(f->pool, i3) + (addr & 0xff),
		    (size_t)1 << (32 - len), len, repl);
		if (--f->bcount[i3] == 0)
			collapse(f, p2, i3);
	}
	if (--f->bcount[i2] == 0)
		collapse(f, p1, i2);
}

static int
check(const struct prefix *p, uint32_t nh, bool need_nh)
{
	if (p->family != PFX_V4 || p->len > 32) {
		log_warnx("fib: not an IPv4 prefix (family %u, len %u)", p->family,
		    p->len);
		return -1;
	}
	if (need_nh && (nh == FIB_NH_NONE || nh > FIB_NH_MAX)) {
		log_warnx("fib: next hop %u outside 1..%u", nh, FIB_NH_MAX);
		return -1;
	}
	return 0;
}

/* ---- public API ---- */

struct fib *
fib_new(void)
{
	struct fib *f = xcalloc(1, sizeof(*f));

	f->tbl1 = xcalloc(L1_SIZE, sizeof(*f->tbl1));
	f->pool = pool_reserve();
	return f;
}

void
fib_free(struct fib *f)
{
	if (f == NULL)
		return;
	munmap(f->pool, POOL_BYTES);
	free(f->used);
	free(f->bcount);
	free(f->retired);
	fib_ps_free(&f->ps);
	free(f->tbl1);
	free(f);
}

int
fib_add(struct fib *f, const struct prefix *p, uint32_t nh)
{
	uint32_t addr, old;

	if (check(p, nh, true) == -1)
		return -1;
	addr = prefix_v4(p) & pmask(p->len);
	if ((old = fib_ps_get(&f->ps, addr, p->len)) == nh)
		return 0;
	if (install(f, addr, p->len, nh, old == FIB_NH_NONE) == -1) {
		log_warnx("fib: block pool exhausted (%u blocks)", MAX_BLOCKS);
		return -1;
	}
	fib_ps_set(&f->ps, addr, p->len, nh);
	return 0;
}

int
fib_del(struct fib *f, const struct prefix *p)
{
	uint32_t addr, nh;
	unsigned len = p->len, clen = 0;

	if (check(p, 0, false) == -1)
		return -1;
	addr = prefix_v4(p) & pmask(len);
	if (fib_ps_del(&f->ps, addr, len) == -1)
		return -1;
	nh = fib_ps_covering(&f->ps, addr, len, &clen);
	uninstall(f, addr, len, nh == FIB_NH_NONE ? 0 : MKLEAF(clen, nh));
	return 0;
}

/*
 * LSD radix sort of the build keys on bits 26..65 (length and address), 10 bits a
 * pass; stable, so duplicates keep their input order.  Several times faster than
 * qsort on a million keys, which matters for the 0.5 s build target.
 */
static void
radix_sort(uint64_t *key, size_t n)
{
	uint64_t *tmp = xreallocarray(NULL, n ? n : 1, sizeof(*tmp)), *a = key, *b = tmp, *t;
	size_t cnt[1024], i, sum, c;
	unsigned shift;

	for (shift = 26; shift < 64; shift += 10) {
		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < n; i++)
			cnt[(a[i] >> shift) & 1023]++;
		for (i = 0, sum = 0; i < 1024; i++) {
			c = cnt[i];
			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[cnt[(a[i] >> shift) & 1023]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	if (a != key)
		memcpy(key, a, n * sizeof(*key));
	free(tmp);
}

int
fib_build(struct fib *f, const struct prefix *pfx, const uint32_t *nh, size_t n)
{
	uint64_t *key;
	size_t i;
	uint32_t addr, v;
	unsigned len;
	int rc = 0;

	if (f->ps.n != 0) {
		log_warnx("fib: build into a table holding %zu prefixes", f->ps.n);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (check(&pfx[i], nh[i], true) == -1)
			return -1;
	/* key: len (6 bits) | address (32) | input position (26), sorted. */
	if (n >= (1u << 26)) {
		log_warnx("fib: build of %zu prefixes is too large", n);
		return -1;
	}
	key = xreallocarray(NULL, n ? n : 1, sizeof(*key));
	for (i = 0; i < n; i++)
		key[i] = (uint64_t)pfx[i].len << 58 |
		    (uint64_t)(prefix_v4(&pfx[i]) & pmask(pfx[i].len)) << 26 | i;
	/*
	 * Shorter prefixes first, so each later one only refines and the generic
	 * install path never rewrites a leaf twice; within a length, address order
	 * walks the blocks sequentially.
	 */
	radix_sort(key, n);
	fib_ps_reserve(&f->ps, n);
	for (i = 0; i < n; i++) {
		/* The prefix-store slot is a random miss: start it early. */
		if (i + 8 < n)
			fib_ps_prefetch(&f->ps, (uint32_t)(key[i + 8] >> 26),
			    (unsigned)(key[i + 8] >> 58));
		len = (unsigned)(key[i] >> 58);
		addr = (uint32_t)(key[i] >> 26);
		v = nh[key[i] & ((1u << 26) - 1)];
		/* A duplicate follows its twin in sorted order; the later input wins. */
		if (i + 1 < n && key[i + 1] >> 26 == key[i] >> 26)
			continue;
		if (install(f, addr, len, v, true) == -1) {
			log_warnx("fib: block pool exhausted during build");
			rc = -1;
			break;
		}
		fib_ps_set(&f->ps, addr, len, v);
	}
	free(key);
	return rc;
}

uint32_t
fib_lookup4(const struct fib *f, uint32_t dst)
{
	uint32_t e = ld(&f->tbl1[dst >> 16]);

	if (e & E_EXT) {
		e = ld(blkp(f->pool, e & E_VAL) + ((dst >> 8) & 0xff));
		if (e & E_EXT)
			e = ld(blkp(f->pool, e & E_VAL) + (dst & 0xff));
	}
	return e & E_VAL;
}

/*
 * A rolling pipeline: the level-2 entry of dst[i] is prefetched AHEAD lookups
 * before it is loaded, so about AHEAD DRAM misses stay in flight all the time
 * (the level-1 loads hit the L2 cache and overlap on their own).
 */
void
fib_lookup4_batch(const struct fib *f, const uint32_t *dst, uint32_t *nh, size_t n)
{
	const uint32_t *p[RING];
	uint32_t *pool = f->pool;
	uint32_t e[RING], v;
	size_t i, j, k;

	for (i = 0; i < n + AHEAD; i++) {
		if (i < n) {
			k = i & (RING - 1);
			e[k] = ld(&f->tbl1[dst[i] >> 16]);
			if (e[k] & E_EXT) {
				p[k] = blkp(pool, e[k] & E_VAL) + ((dst[i] >> 8) & 0xff);
				__builtin_prefetch(p[k]);
			}
		}
		if (i >= AHEAD) {
			j = i - AHEAD;
			k = j & (RING - 1);
			v = e[k];
			if (v & E_EXT) {
				v = ld(p[k]);
				if (v & E_EXT)
					v = ld(blkp(pool, v & E_VAL) + (dst[j] & 0xff));
			}
			nh[j] = v & E_VAL;
		}
	}
}

void
fib_stats(const struct fib *f, struct fib_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->prefixes = f->ps.n;
	s->groups = f->live;
	s->retired = f->nretired;
	s->lookup_bytes = L1_SIZE * sizeof(*f->tbl1) + f->pcommit;
	s->memory = sizeof(*f) + L1_SIZE * sizeof(*f->tbl1) + f->pcommit +
	    f->usedcap * sizeof(*f->used) + f->bcountcap * sizeof(*f->bcount) +
	    f->retcap * sizeof(*f->retired) + fib_ps_bytes(&f->ps);
}

void
fib_reclaim(struct fib *f)
{
	size_t i, hi, keep;
	uint32_t idx;

	for (i = 0; i < f->nretired; i++) {
		idx = f->retired[i];
		f->used[idx / 64] &= ~((uint64_t)1 << (idx % 64));
		f->free_hint = MIN(f->free_hint, idx / 64);
	}
	f->nretired = 0;

	/* Decommit the pool past the highest block still in use, step-aligned. */
	for (hi = (f->pcommit / BLK_BYTES + 63) / 64; hi > 0 && f->used[hi - 1] == 0; hi--)
		;
	keep = hi == 0 ? 0 : ((hi - 1) * 64 + 64 -
	    (size_t)__builtin_clzll(f->used[hi - 1])) * BLK_BYTES;
	if (keep <= HUGE_BYTES)
		keep = (keep + SMALL_STEP - 1) / SMALL_STEP * SMALL_STEP;
	else
		keep = (keep + HUGE_BYTES - 1) / HUGE_BYTES * HUGE_BYTES;
	if (keep < f->pcommit) {
		(void)madvise((char *)f->pool + keep, f->pcommit - keep, MADV_DONTNEED);
		if (mprotect((char *)f->pool + keep, f->pcommit - keep, PROT_NONE) == -1)
			fatal("fib: mprotect");
		f->pcommit = keep;
	}
	if (keep == 0) {
		free(f->used);
		free(f->bcount);
		free(f->retired);
		f->used = NULL;
		f->bcount = NULL;
		f->retired = NULL;
		f->usedcap = f->bcountcap = f->retcap = 0;
		f->free_hint = 0;
	}
}
