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
 * Blocks live in a pool addressed by index: a chunk table maps (index >> 4) to a
 * 16-block (16 KiB) chunk.  The first 128 chunks are malloc'd one by one (small
 * tables stay small); later ones are carved from 2 MiB arenas mapped with
 * MADV_HUGEPAGE so a full table's random lookups do not also miss the TLB.
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
 *  - Readers load entries and the chunk-table pointer with acquire loads (plain
 *    moves on x86) and never write.
 *  - The writer changes a reachable entry only with a single release store, so a
 *    reader sees the old or the new value, each of which was a correct answer at
 *    some instant of the update.
 *  - A new block is completely filled (with the leaf it replaces) and its chunk is
 *    in the chunk table before the release store of the EXT entry pointing to it.
 *  - Growing the chunk table publishes a copy by a release store of the pointer.
 *    Readers load the pointer after the EXT entry they follow (and again before
 *    level 3), so the table they use already holds the chunk they need.
 *  - A block made unreachable by a collapse, and a replaced chunk table, are
 *    RETIRED: kept intact on a list, never reused or freed until fib_reclaim(),
 *    which the writer calls once every reader has passed a quiescent point (e.g.
 *    each worker finished the batch it was on).  Reclaim then returns blocks to the
 *    free map and unmaps trailing empty chunks, so memory follows the table down.
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
#define CH_SHIFT	4
#define CH_BLOCKS	(1u << CH_SHIFT)
#define CH_BYTES	((size_t)CH_BLOCKS * BLK_ENTRIES * sizeof(uint32_t))
#define ARENA_CHUNKS	128u
#define ARENA_BYTES	((size_t)ARENA_CHUNKS * CH_BYTES)
#define SMALL_CHUNKS	ARENA_CHUNKS		/* chunks below this are malloc'd */
#define MAX_BLOCKS	(1u << 24)		/* what 24 index bits address */
#define BATCH		32

struct fib {
	uint32_t	 *tbl1;		/* level 1, L1_SIZE entries */
	uint32_t	**chunks;	/* chunk table (readers), chcap slots */
	size_t		  chcap;
	size_t		  nchunks;	/* chunks mapped: blocks [0, nchunks*16) */
	void		**arenas;
	size_t		  arenacap;
	uint64_t	 *used;		/* block allocated (live or retired) */
	size_t		  usedcap;	/* words */
	uint32_t	 *bcount;	/* prefixes longer than the block's base */
	size_t		  bcountcap;
	size_t		  free_hint;	/* no clear bit in used[] below this word */
	size_t		  live;		/* blocks reachable from level 1 */
	uint32_t	 *retired;	/* unreachable blocks awaiting reclaim */
	size_t		  nretired, retcap;
	void		**rptr;		/* retired chunk tables */
	size_t		  nrptr, rptrcap;
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

static inline uint32_t *const *
ld_chunks(const struct fib *f)
{
	return __atomic_load_n(&f->chunks, __ATOMIC_ACQUIRE);
}

static inline uint32_t *
blkp(uint32_t *const *ch, uint32_t idx)
{
	return ch[idx >> CH_SHIFT] + ((size_t)(idx & (CH_BLOCKS - 1)) << 8);
}

static inline uint32_t
pmask(unsigned len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

/* ---- block pool ---- */

static void *
arena_map(void)
{
	char *p, *a;
	size_t head;

	/* Over-map to get a 2 MiB aligned range that can be backed by one huge page. */
	p = mmap(NULL, 2 * ARENA_BYTES, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fatal("fib: mmap %zu", 2 * ARENA_BYTES);
	a = (char *)(((uintptr_t)p + ARENA_BYTES - 1) & ~(uintptr_t)(ARENA_BYTES - 1));
	head = (size_t)(a - p);
	if (head)
		munmap(p, head);
	munmap(a + ARENA_BYTES, ARENA_BYTES - head);
#ifdef MADV_HUGEPAGE
	(void)madvise(a, ARENA_BYTES, MADV_HUGEPAGE);	/* a hint; failure is harmless */
#endif
	return a;
}

static void
retire_ptr(struct fib *f, void *p)
{
	util_grow(&f->rptr, &f->rptrcap, f->nrptr + 1, sizeof(*f->rptr));
	f->rptr[f->nrptr++] = p;
}

/* Map one more chunk of 16 blocks; -1 when the 24-bit index space is used up. */
static int
chunk_add(struct fib *f)
{
	size_t c = f->nchunks, ncap, a, off;
	uint32_t **nt;
	uint32_t *mem;

	if ((c + 1) * CH_BLOCKS > MAX_BLOCKS)
		return -1;
	if (c == f->chcap) {
		ncap = f->chcap ? f->chcap * 2 : 4;
		nt = xcalloc(ncap, sizeof(*nt));
		if (f->chunks != NULL) {
			memcpy(nt, f->chunks, c * sizeof(*nt));
			retire_ptr(f, f->chunks);
		}
		__atomic_store_n(&f->chunks, nt, __ATOMIC_RELEASE);
		f->chcap = ncap;
	}
	if (c < SMALL_CHUNKS)
		mem = xmalloc(CH_BYTES);
	else {
		a = (c - SMALL_CHUNKS) / ARENA_CHUNKS;
		off = (c - SMALL_CHUNKS) % ARENA_CHUNKS;
		if (off == 0) {
			util_grow(&f->arenas, &f->arenacap, a + 1, sizeof(*f->arenas));
			f->arenas[a] = arena_map();
		}
		mem = (uint32_t *)((char *)f->arenas[a] + off * CH_BYTES);
	}
	__atomic_store_n(&f->chunks[c], mem, __ATOMIC_RELEASE);
	f->nchunks++;
	util_grow(&f->used, &f->usedcap, (f->nchunks * CH_BLOCKS + 63) / 64,
	    sizeof(*f->used));
	util_grow(&f->bcount, &f->bcountcap, f->nchunks * CH_BLOCKS, sizeof(*f->bcount));
	return 0;
}

/* A new block whose 256 entries all hold fill; UINT32_MAX when the pool is full. */
static uint32_t
blk_alloc(struct fib *f, uint32_t fill)
{
	size_t w, hw = f->nchunks * CH_BLOCKS, nw = (hw + 63) / 64;
	uint32_t idx, *b, i;

	for (w = f->free_hint; w < nw && f->used[w] == ~(uint64_t)0; w++)
		;
	f->free_hint = w;
	idx = w < nw ? (uint32_t)(w * 64 + (size_t)__builtin_ctzll(~f->used[w])) :
	    (uint32_t)hw;
	/* Bits past the mapped chunks are always clear, so idx == hw means "grow". */
	if (idx >= hw && chunk_add(f) == -1)
		return UINT32_MAX;
	f->used[idx / 64] |= (uint64_t)1 << (idx % 64);
	f->bcount[idx] = 0;
	f->live++;
	b = blkp(f->chunks, idx);
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
	uint32_t v = blkp(f->chunks, idx)[0];

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
			fill_range(f, blkp(f->chunks, v & E_VAL), BLK_ENTRIES, len, leaf);
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
			unfill_range(f, blkp(f->chunks, v & E_VAL), BLK_ENTRIES, len, repl);
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
	b2 = blkp(f->chunks, i2);
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
	fill_range(f, blkp(f->chunks, i3) + (addr & 0xff), (size_t)1 << (32 - len),
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
	b2 = blkp(f->chunks, i2);
	if (len <= 24)
		unfill_range(f, b2 + ((addr >> 8) & 0xff), (size_t)1 << (24 - len),
		    len, repl);
	else {
		p2 = &b2[(addr >> 8) & 0xff];
		if (!(*p2 & E_EXT))
			fatalx("fib: no level-3 block under stored prefix /%u", len);
		i3 = *p2 & E_VAL;
		unfill_range(f, blkp(f->chunks, i3) + (addr & 0xff),
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
	return f;
}

void
fib_free(struct fib *f)
{
	size_t c;

	if (f == NULL)
		return;
	for (c = 0; c < f->nchunks && c < SMALL_CHUNKS; c++)
		free(f->chunks[c]);
	for (c = 0; c < f->arenacap; c++)
		if (f->arenas[c] != NULL)
			munmap(f->arenas[c], ARENA_BYTES);
	for (c = 0; c < f->nrptr; c++)
		free(f->rptr[c]);
	free(f->arenas);
	free(f->rptr);
	free(f->chunks);
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
		e = ld(blkp(ld_chunks(f), e & E_VAL) + ((dst >> 8) & 0xff));
		/* Reload: a level-3 block may be newer than the table read above. */
		if (e & E_EXT)
			e = ld(blkp(ld_chunks(f), e & E_VAL) + (dst & 0xff));
	}
	return e & E_VAL;
}

/*
 * Three passes per batch of 32: level-1 loads (L2-resident, independent, so the
 * CPU overlaps them), then address and prefetch of every level-2 entry, then the
 * level-2 loads, by which time up to 32 DRAM misses have been in flight together.
 */
void
fib_lookup4_batch(const struct fib *f, const uint32_t *dst, uint32_t *nh, size_t n)
{
	const uint32_t *p[BATCH];
	uint32_t *const *ch;
	uint32_t e[BATCH], v;
	size_t base, i, m;

	for (base = 0; base < n; base += m) {
		m = MIN(n - base, BATCH);
		/* Level 1 of the next batch, so its loads below find it in L1d. */
		for (i = base + m; i < MIN(n, base + m + BATCH); i++)
			__builtin_prefetch(&f->tbl1[dst[i] >> 16]);
		for (i = 0; i < m; i++)
			e[i] = ld(&f->tbl1[dst[base + i] >> 16]);
		ch = ld_chunks(f);
		for (i = 0; i < m; i++) {
			if (e[i] & E_EXT) {
				p[i] = blkp(ch, e[i] & E_VAL) + ((dst[base + i] >> 8) & 0xff);
				__builtin_prefetch(p[i]);
			}
		}
		for (i = 0; i < m; i++) {
			v = e[i];
			if (v & E_EXT) {
				v = ld(p[i]);
				if (v & E_EXT)
					v = ld(blkp(ld_chunks(f), v & E_VAL) +
					    (dst[base + i] & 0xff));
			}
			nh[base + i] = v & E_VAL;
		}
	}
}

void
fib_stats(const struct fib *f, struct fib_stats *s)
{
	size_t small = MIN(f->nchunks, SMALL_CHUNKS), i;

	memset(s, 0, sizeof(*s));
	s->prefixes = f->ps.n;
	s->groups = f->live;
	s->retired = f->nretired;
	s->lookup_bytes = L1_SIZE * sizeof(*f->tbl1) + f->chcap * sizeof(*f->chunks) +
	    (f->live + f->nretired) * BLK_ENTRIES * sizeof(uint32_t);
	s->memory = sizeof(*f) + L1_SIZE * sizeof(*f->tbl1) +
	    f->chcap * sizeof(*f->chunks) + small * CH_BYTES +
	    f->arenacap * sizeof(*f->arenas) + f->usedcap * sizeof(*f->used) +
	    f->bcountcap * sizeof(*f->bcount) + f->retcap * sizeof(*f->retired) +
	    f->rptrcap * sizeof(*f->rptr) + fib_ps_bytes(&f->ps);
	for (i = 0; i < f->arenacap; i++)
		if (f->arenas[i] != NULL)
			s->memory += ARENA_BYTES;
	/* Retired chunk tables: each was half the size of its successor. */
	for (i = 0; i < f->nrptr; i++)
		s->memory += (f->chcap >> (f->nrptr - i)) * sizeof(*f->chunks);
}

void
fib_reclaim(struct fib *f)
{
	size_t i, hi, keep, c;
	uint32_t idx;

	for (i = 0; i < f->nretired; i++) {
		idx = f->retired[i];
		f->used[idx / 64] &= ~((uint64_t)1 << (idx % 64));
		f->free_hint = MIN(f->free_hint, idx / 64);
	}
	f->nretired = 0;
	for (i = 0; i < f->nrptr; i++)
		free(f->rptr[i]);
	f->nrptr = 0;

	/* Unmap chunks past the highest block still in use. */
	for (hi = (f->nchunks * CH_BLOCKS + 63) / 64; hi > 0 && f->used[hi - 1] == 0; hi--)
		;
	keep = hi == 0 ? 0 :
	    ((hi - 1) * 64 + 64 - (size_t)__builtin_clzll(f->used[hi - 1]) +
	    CH_BLOCKS - 1) / CH_BLOCKS;
	for (c = f->nchunks; c-- > keep;) {
		if (c < SMALL_CHUNKS)
			free(f->chunks[c]);
		else if ((c - SMALL_CHUNKS) % ARENA_CHUNKS == 0) {
			munmap(f->arenas[(c - SMALL_CHUNKS) / ARENA_CHUNKS], ARENA_BYTES);
			f->arenas[(c - SMALL_CHUNKS) / ARENA_CHUNKS] = NULL;
		}
		f->chunks[c] = NULL;
	}
	f->nchunks = keep;
	if (keep == 0) {
		/* Nothing is reachable and no reader holds anything: drop the pool. */
		free(f->chunks);
		free(f->used);
		free(f->bcount);
		free(f->arenas);
		free(f->retired);
		free(f->rptr);
		f->chunks = NULL;
		f->used = NULL;
		f->bcount = NULL;
		f->arenas = NULL;
		f->retired = NULL;
		f->rptr = NULL;
		f->chcap = f->usedcap = f->bcountcap = f->arenacap = 0;
		f->retcap = f->rptrcap = 0;
		f->free_hint = 0;
	}
}
