/*
 * fib: IPv4 longest-prefix match, DIR-16-8-8 with compressed level-2/3 blocks,
 * incremental updates and lock-free readers (docs/performance.md section 4).
 *
 * What readers see.  A 65,536-entry level-1 array indexed by the top 16 bits
 * (256 KiB, always present).  An entry is a leaf (next hop in bits 0..23, the
 * prefix length in bits 24..29 for the writer) or, with bit 31 (EXT) set, the
 * offset of a compact block covering the next 8 bits.  A compact block describes
 * 256 slots as runs: a 256-bit map with a bit set where a run starts, the number
 * of runs before each 64-bit word, and one 32-bit value per run (a next hop, or
 * EXT and the offset of a level-3 compact block for the last 8 bits).  The slot's
 * value is leaf[base[w] + popcount(bm[w] up to the slot) - 1] (the Poptrie idea,
 * Asai & Ohara, SIGCOMM 2015, on a DIR-16-8-8 skeleton).  A full table of 1 M
 * prefixes needs about 10 MiB of compact blocks instead of 57 MiB of plain
 * 1 KiB blocks, so it lives in the last-level cache rather than DRAM; that is
 * what lets random lookups beat one DRAM miss each.  A tiny table costs 256 KiB
 * plus 64-256 bytes per /16 it touches.  Compact blocks come from one 1 GiB
 * address-space reservation per FIB (PROT_NONE, committed 2 MiB at a time,
 * huge pages past the first step) addressed by 24-bit offsets in 64-byte units,
 * so a reader needs no other indirection.
 *
 * What the writer keeps.  Each compact block has a plain 256-entry "shadow"
 * block that keeps every slot's depth; updates edit shadows and then republish
 * the compact blocks that changed (level 3 before level 2, since a level-2 block
 * holds level-3 offsets).  Adding prefix P/len overwrites only slots in its range
 * whose depth is <= len (a longer prefix already there survives) and recurses
 * into child blocks; deleting P rewrites only slots of depth == len with the next
 * covering prefix from the prefix store (fib_store.c: a hash of every prefix,
 * probed from len-1 down to 0 over the lengths in use).  A shadow counts the prefixes longer
 * than its base (/16 or /24) below it; at 0 all its slots are equal, so the parent
 * takes that leaf again and the block goes away.  Shadows live in a pool of
 * 16-block chunks (malloc'd for small tables, 2 MiB huge-page arenas beyond).
 *
 * Concurrency protocol (one writer, any number of readers, no locks):
 *  - Readers acquire-load level-1 entries (a plain move on x86) and read compact
 *    blocks with plain loads; they never write.
 *  - A compact block is immutable once reachable.  It is completely written
 *    before the release store that makes it reachable: a level-1 entry, or a
 *    level-2 block that is itself published later by such a store.
 *  - Any other change to a reachable entry is a single release store, so a reader
 *    sees the old or the new value, each correct at some instant of the update.
 *  - A compact block that a new one replaces, or that a collapse unlinks, is
 *    RETIRED: kept intact, never reused, until fib_reclaim(), which the writer
 *    calls once every reader has passed a quiescent point (e.g. each worker
 *    finished the batch it was on).  Reclaim recycles retired blocks; when none is
 *    live it also gives the committed arena back to the kernel.  Shadows are never
 *    read by readers, so they are freed at once.
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

/* Shadow pool: 16-block chunks; the first 128 malloc'd, then 2 MiB arenas. */
#define CH_SHIFT	4
#define CH_BLOCKS	(1u << CH_SHIFT)
#define CH_BYTES	((size_t)CH_BLOCKS * BLK_ENTRIES * sizeof(uint32_t))
#define ARENA_CHUNKS	128u
#define ARENA_BYTES	((size_t)ARENA_CHUNKS * CH_BYTES)
#define SMALL_CHUNKS	ARENA_CHUNKS
#define MAX_BLOCKS	(1u << 24)

/* Compact arena: 64-byte units, 24-bit offsets, so 1 GiB of address space. */
#define CU_SHIFT	6
#define CU_BYTES	(1u << CU_SHIFT)
#define CA_BYTES	((size_t)1 << (24 + CU_SHIFT))
#define CA_STEP		((size_t)2 << 20)
#define CU_MAX		17u		/* header + 256 runs */
#define NO_OFF		UINT32_MAX

#define BATCH		32

/*
 * popcnt is part of every x86-64 CPU since 2008 (x86-64-v2); without the target
 * GCC would call a libgcc routine in the lookup path.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#define READER		__attribute__((target("popcnt")))
#else
#define READER
#endif

struct cblk {
	uint64_t	bm[4];		/* bit set: a run starts at this slot */
	uint8_t		base[4];	/* runs starting before word w */
	uint32_t	sidx;		/* writer: the shadow block */
	uint32_t	leaf[];		/* one value per run */
};

/* Writer-only facts about one shadow block. */
struct sinfo {
	uint32_t	parent;		/* level 2: the /16 number; level 3: the shadow above */
	uint32_t	coff;		/* published compact block, or NO_OFF */
	uint32_t	bcount;		/* prefixes longer than the block's base */
	uint8_t		level;
	uint8_t		dirty;		/* on the dirty list, to be republished */
};

struct cret {
	uint32_t	off, units;
};

struct fib {
	uint32_t	 *tbl1;		/* level 1, read by readers */
	char		 *cbase;	/* compact arena, fixed for the FIB's life */
	size_t		  ccommit;	/* bytes made read-write */
	size_t		  cbump;	/* bytes handed out */
	size_t		  ncompact;	/* reachable compact blocks */
	uint32_t	  cfree[CU_MAX + 1];	/* free lists by size, linked through word 0 */
	struct cret	 *cret;		/* retired compact blocks */
	size_t		  ncret, cretcap;

	uint32_t	**chunks;	/* shadow pool (writer only) */
	size_t		  chcap, nchunks;
	void		**arenas;
	size_t		  arenacap;
	uint64_t	 *used;		/* shadow block allocated */
	size_t		  usedcap;	/* words */
	struct sinfo	 *si;
	size_t		  sicap;
	size_t		  free_hint;	/* no clear bit in used[] below this word */
	size_t		  live;		/* shadow blocks in use */
	uint32_t	 *dirty;
	size_t		  ndirty, dirtycap;
	uint32_t	 *bmap;		/* during fib_build: /16 -> level-2 shadow + 1 */

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

static inline uint32_t
pmask(unsigned len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

static inline struct cblk *
cptr(const struct fib *f, uint32_t off)
{
	return (struct cblk *)(void *)(f->cbase + ((size_t)off << CU_SHIFT));
}

static inline uint32_t *
shadow(const struct fib *f, uint32_t s)
{
	return f->chunks[s >> CH_SHIFT] + ((size_t)(s & (CH_BLOCKS - 1)) << 8);
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

/* ---- compact arena ---- */

static void *
map_aligned(size_t len, int prot, int flags)
{
	char *p, *a;
	size_t head;

	/* Over-map so the range starts on a 2 MiB boundary (huge-page friendly). */
	p = mmap(NULL, len + ARENA_BYTES, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	if (p == MAP_FAILED)
		fatal("fib: mmap %zu", len + ARENA_BYTES);
	a = (char *)(((uintptr_t)p + ARENA_BYTES - 1) & ~(uintptr_t)(ARENA_BYTES - 1));
	head = (size_t)(a - p);
	if (head)
		munmap(p, head);
	munmap(a + len, ARENA_BYTES - head);
	return a;
}

static unsigned
cunits(const struct cblk *c)
{
	unsigned runs = c->base[3] + (unsigned)__builtin_popcountll(c->bm[3]);

	return (unsigned)((sizeof(*c) + runs * sizeof(uint32_t) + CU_BYTES - 1) / CU_BYTES);
}

static uint32_t
calloc_units(struct fib *f, unsigned units)
{
	uint32_t off = f->cfree[units];
	size_t need, step;

	if (off != NO_OFF) {
		f->cfree[units] = *(uint32_t *)(void *)cptr(f, off);
		return off;
	}
	need = f->cbump + (size_t)units * CU_BYTES;
	if (need > CA_BYTES)
		fatalx("fib: compact arena exhausted (%zu bytes)", CA_BYTES);
	while (need > f->ccommit) {
		step = MIN(CA_STEP, CA_BYTES - f->ccommit);
		if (mprotect(f->cbase + f->ccommit, step, PROT_READ | PROT_WRITE) == -1)
			fatal("fib: mprotect");
#ifdef MADV_HUGEPAGE
		/* Not the first step: a 5-route table must not cost a 2 MiB page. */
		if (f->ccommit > 0)
			(void)madvise(f->cbase + f->ccommit, step, MADV_HUGEPAGE);
#endif
		f->ccommit += step;
	}
	off = (uint32_t)(f->cbump >> CU_SHIFT);
	f->cbump = need;
	return off;
}

static void
cretire(struct fib *f, uint32_t off)
{
	util_grow(&f->cret, &f->cretcap, f->ncret + 1, sizeof(*f->cret));
	f->cret[f->ncret].off = off;
	f->cret[f->ncret].units = cunits(cptr(f, off));
	f->ncret++;
	f->ncompact--;
}

/* ---- shadow pool ---- */

/* Map one more chunk of 16 shadow blocks. */
static void
chunk_add(struct fib *f)
{
	size_t c = f->nchunks, a, off;
	uint32_t *mem;

	if ((c + 1) * CH_BLOCKS > MAX_BLOCKS)
		fatalx("fib: shadow pool exhausted (%u blocks)", MAX_BLOCKS);
	util_grow(&f->chunks, &f->chcap, c + 1, sizeof(*f->chunks));
	if (c < SMALL_CHUNKS)
		mem = xmalloc(CH_BYTES);
	else {
		a = (c - SMALL_CHUNKS) / ARENA_CHUNKS;
		off = (c - SMALL_CHUNKS) % ARENA_CHUNKS;
		if (off == 0) {
			util_grow(&f->arenas, &f->arenacap, a + 1, sizeof(*f->arenas));
			f->arenas[a] = map_aligned(ARENA_BYTES, PROT_READ | PROT_WRITE, 0);
#ifdef MADV_HUGEPAGE
			(void)madvise(f->arenas[a], ARENA_BYTES, MADV_HUGEPAGE);
#endif
		}
		mem = (uint32_t *)(void *)((char *)f->arenas[a] + off * CH_BYTES);
	}
	f->chunks[c] = mem;
	f->nchunks++;
	util_grow(&f->used, &f->usedcap, (f->nchunks * CH_BLOCKS + 63) / 64,
	    sizeof(*f->used));
	util_grow(&f->si, &f->sicap, f->nchunks * CH_BLOCKS, sizeof(*f->si));
}

static void
mark_dirty(struct fib *f, uint32_t s)
{
	if (f->si[s].dirty)
		return;
	f->si[s].dirty = 1;
	util_grow(&f->dirty, &f->dirtycap, f->ndirty + 1, sizeof(*f->dirty));
	f->dirty[f->ndirty++] = s;
}

/* A new shadow block whose 256 slots all hold fill, already marked dirty. */
static uint32_t
sblk_alloc(struct fib *f, uint32_t fill, uint8_t level, uint32_t parent)
{
	size_t w, hw = f->nchunks * CH_BLOCKS, nw = (hw + 63) / 64;
	uint32_t s, *b, i;

	for (w = f->free_hint; w < nw && f->used[w] == ~(uint64_t)0; w++)
		;
	f->free_hint = w;
	s = w < nw ? (uint32_t)(w * 64 + (size_t)__builtin_ctzll(~f->used[w])) :
	    (uint32_t)hw;
	/* Bits past the mapped chunks are always clear, so s == hw means "grow". */
	if (s >= hw)
		chunk_add(f);
	f->used[s / 64] |= (uint64_t)1 << (s % 64);
	f->si[s] = (struct sinfo){ parent, NO_OFF, 0, level, 0 };
	f->live++;
	b = shadow(f, s);
	for (i = 0; i < BLK_ENTRIES; i++)
		b[i] = fill;
	mark_dirty(f, s);
	return s;
}

static void
sblk_free(struct fib *f, uint32_t s)
{
	if (f->si[s].coff != NO_OFF)
		cretire(f, f->si[s].coff);
	f->si[s].coff = NO_OFF;
	f->si[s].dirty = 0;		/* its stale dirty-list entry is skipped */
	f->used[s / 64] &= ~((uint64_t)1 << (s % 64));
	f->free_hint = MIN(f->free_hint, s / 64);
	f->live--;
}

/* ---- publishing ---- */

/* What a reader finds for a shadow slot. */
static inline uint32_t
rval(const struct fib *f, uint32_t e)
{
	return e & E_EXT ? E_EXT | f->si[e & E_VAL].coff : e & E_VAL;
}

/* A compact copy of shadow s, not yet reachable.  One pass, then one copy. */
static uint32_t
compact(struct fib *f, uint32_t s)
{
	const uint32_t *b = shadow(f, s);
	uint32_t leaf[BLK_ENTRIES], v, prev, off;
	uint64_t bm[4] = { 1, 0, 0, 0 }, any = 0;
	unsigned i, runs = 1;
	struct cblk *c;

	for (i = 0; i < BLK_ENTRIES; i++)
		any |= b[i];
	if (any & E_EXT) {
		leaf[0] = prev = rval(f, b[0]);
		for (i = 1; i < BLK_ENTRIES; i++) {
			v = rval(f, b[i]);
			if (v != prev) {
				bm[i >> 6] |= (uint64_t)1 << (i & 63);
				leaf[runs++] = v;
			}
			prev = v;
		}
	} else {
		/* No children (always so at level 3): plain masked compares. */
		leaf[0] = prev = b[0] & E_VAL;
		for (i = 1; i < BLK_ENTRIES; i++) {
			v = b[i] & E_VAL;
			if (v != prev) {
				bm[i >> 6] |= (uint64_t)1 << (i & 63);
				leaf[runs++] = v;
			}
			prev = v;
		}
	}
	off = calloc_units(f,
	    (unsigned)((sizeof(*c) + runs * sizeof(uint32_t) + CU_BYTES - 1) / CU_BYTES));
	c = cptr(f, off);
	memcpy(c->bm, bm, sizeof(bm));
	c->base[0] = 0;
	for (i = 1; i < 4; i++)
		c->base[i] = (uint8_t)(c->base[i - 1] + __builtin_popcountll(bm[i - 1]));
	c->sidx = s;
	memcpy(c->leaf, leaf, runs * sizeof(*leaf));
	f->ncompact++;
	return off;
}

/*
 * Republish every dirty shadow: level 3 first (each makes its parent dirty, since
 * the parent's compact block embeds the level-3 offset), then level 2, each made
 * reachable by one release store into level 1.
 */
static void
publish(struct fib *f)
{
	struct sinfo *si;
	uint32_t s, off;
	size_t i;
	int pass;

	for (pass = 3; pass >= 2; pass--) {
		for (i = 0; i < f->ndirty; i++) {
			s = f->dirty[i];
			si = &f->si[s];
			if (!si->dirty || si->level != pass)
				continue;
			off = compact(f, s);
			si = &f->si[s];
			if (si->coff != NO_OFF)
				cretire(f, si->coff);
			si->coff = off;
			si->dirty = 0;
			if (pass == 3)
				mark_dirty(f, si->parent);
			else
				st(&f->tbl1[si->parent], E_EXT | off);
		}
	}
	f->ndirty = 0;
}

/* The shadow below level-1 entry h, created (and made reachable) if needed. */
static uint32_t
expand1(struct fib *f, uint32_t h)
{
	uint32_t e = f->tbl1[h], s, off;

	if (e & E_EXT)
		return cptr(f, e & E_VAL)->sidx;
	if (f->bmap != NULL) {
		/* fib_build: level 1 is only written by publish() at the end. */
		if (f->bmap[h] == 0)
			f->bmap[h] = sblk_alloc(f, e, 2, h) + 1;
		return f->bmap[h] - 1;
	}
	/*
	 * Publish a one-run copy at once, so level 1 can lead the writer to the
	 * shadow (through sidx) before publish() replaces it.
	 */
	s = sblk_alloc(f, e, 2, h);
	off = compact(f, s);
	f->si[s].coff = off;
	st(&f->tbl1[h], E_EXT | off);
	return s;
}

/* The level-3 shadow below slot j of level-2 shadow s2, created if needed. */
static uint32_t
expand2(struct fib *f, uint32_t s2, unsigned j)
{
	uint32_t e = shadow(f, s2)[j], s;

	if (e & E_EXT)
		return e & E_VAL;
	s = sblk_alloc(f, e, 3, s2);
	shadow(f, s2)[j] = E_EXT | s;
	mark_dirty(f, s2);
	return s;
}

static void
fill_blk(struct fib *f, uint32_t s, unsigned lo, unsigned n, unsigned len, uint32_t leaf)
{
	uint32_t *b = shadow(f, s), v;
	bool changed = false;
	unsigned i;

	for (i = lo; i < lo + n; i++) {
		v = b[i];
		if (v & E_EXT)
			fill_blk(f, v & E_VAL, 0, BLK_ENTRIES, len, leaf);
		else if (DEPTH(v) <= len && v != leaf) {
			b[i] = leaf;
			changed = true;
		}
	}
	if (changed)
		mark_dirty(f, s);
}

static void
unfill_blk(struct fib *f, uint32_t s, unsigned lo, unsigned n, unsigned len,
    uint32_t repl)
{
	uint32_t *b = shadow(f, s), v;
	bool changed = false;
	unsigned i;

	for (i = lo; i < lo + n; i++) {
		v = b[i];
		if (v & E_EXT)
			unfill_blk(f, v & E_VAL, 0, BLK_ENTRIES, len, repl);
		else if (DEPTH(v) == len) {
			b[i] = repl;
			changed = true;
		}
	}
	if (changed)
		mark_dirty(f, s);
}

/* Level 1 is written in place: each slot is one atomic store. */
static void
fill_l1(struct fib *f, uint32_t h, uint32_t n, unsigned len, uint32_t leaf, bool del)
{
	uint32_t v, end = h + n;

	for (; h < end; h++) {
		v = f->tbl1[h];
		if (v & E_EXT) {
			if (del)
				unfill_blk(f, cptr(f, v & E_VAL)->sidx, 0, BLK_ENTRIES, len,
				    leaf);
			else
				fill_blk(f, cptr(f, v & E_VAL)->sidx, 0, BLK_ENTRIES, len,
				    leaf);
		} else if (del ? DEPTH(v) == len : DEPTH(v) <= len && v != leaf)
			st(&f->tbl1[h], leaf);
	}
}

/* addr/len -> nh into the shadows; fresh: a new prefix, counted in its blocks. */
static void
install(struct fib *f, uint32_t addr, unsigned len, uint32_t nh, bool fresh)
{
	uint32_t leaf = MKLEAF(len, nh), s2, s3;

	if (len <= 16) {
		fill_l1(f, addr >> 16, 1u << (16 - len), len, leaf, false);
		return;
	}
	s2 = expand1(f, addr >> 16);
	f->si[s2].bcount += fresh;
	if (len <= 24) {
		fill_blk(f, s2, (addr >> 8) & 0xff, 1u << (24 - len), len, leaf);
		return;
	}
	s3 = expand2(f, s2, (addr >> 8) & 0xff);
	f->si[s3].bcount += fresh;
	fill_blk(f, s3, addr & 0xff, 1u << (32 - len), len, leaf);
}

static void
uninstall(struct fib *f, uint32_t addr, unsigned len, uint32_t repl)
{
	uint32_t h = addr >> 16, j = (addr >> 8) & 0xff, s2, s3, v, *p2;

	if (len <= 16) {
		fill_l1(f, h, 1u << (16 - len), len, repl, true);
		return;
	}
	if (!(f->tbl1[h] & E_EXT))
		fatalx("fib: no block under a stored /%u", len);
	s2 = cptr(f, f->tbl1[h] & E_VAL)->sidx;
	if (len <= 24)
		unfill_blk(f, s2, j, 1u << (24 - len), len, repl);
	else {
		p2 = shadow(f, s2) + j;
		if (!(*p2 & E_EXT))
			fatalx("fib: no level-3 block under a stored /%u", len);
		s3 = *p2 & E_VAL;
		unfill_blk(f, s3, addr & 0xff, 1u << (32 - len), len, repl);
		if (--f->si[s3].bcount == 0) {
			/* Nothing longer than /24 left: every slot is the same leaf. */
			*p2 = shadow(f, s3)[0];
			mark_dirty(f, s2);
			sblk_free(f, s3);
		}
	}
	if (--f->si[s2].bcount == 0) {
		v = shadow(f, s2)[0];
		if (v & E_EXT)
			fatalx("fib: collapsing block %u with a child", s2);
		st(&f->tbl1[h], v);
		sblk_free(f, s2);
	}
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
	unsigned i;

	f->tbl1 = xcalloc(L1_SIZE, sizeof(*f->tbl1));
	/* Address space only: PROT_NONE costs no memory and no commit charge. */
	f->cbase = map_aligned(CA_BYTES, PROT_NONE, MAP_NORESERVE);
	for (i = 0; i <= CU_MAX; i++)
		f->cfree[i] = NO_OFF;
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
	munmap(f->cbase, CA_BYTES);
	free(f->arenas);
	free(f->chunks);
	free(f->used);
	free(f->si);
	free(f->dirty);
	free(f->cret);
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
	install(f, addr, p->len, nh, old == FIB_NH_NONE);
	fib_ps_set(&f->ps, addr, p->len, nh);
	publish(f);
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
	publish(f);
	return 0;
}

int
fib_build(struct fib *f, const struct prefix *pfx, const uint32_t *nh, size_t n)
{
	uint64_t *key;
	size_t i;
	uint32_t addr, v;
	unsigned len;

	if (f->ps.n != 0) {
		log_warnx("fib: build into a table holding %zu prefixes", f->ps.n);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (check(&pfx[i], nh[i], true) == -1)
			return -1;
	if (n >= (1u << 26)) {
		log_warnx("fib: build of %zu prefixes is too large", n);
		return -1;
	}
	/* key: len (6 bits) | address (32) | input position (26). */
	key = xreallocarray(NULL, n ? n : 1, sizeof(*key));
	for (i = 0; i < n; i++)
		key[i] = (uint64_t)pfx[i].len << 58 |
		    (uint64_t)(prefix_v4(&pfx[i]) & pmask(pfx[i].len)) << 26 | i;
	/*
	 * Shorter prefixes first, so each later one only refines and no slot is
	 * written twice; within a length, address order walks the shadows in order.
	 * Compact blocks are built once, at the end.
	 */
	radix_sort(key, n);
	fib_ps_reserve(&f->ps, n);
	f->bmap = xcalloc(L1_SIZE, sizeof(*f->bmap));
	for (i = 0; i < n; i++) {
		/* The prefix-store slot is a random miss: start it early. */
		if (i + 8 < n)
			fib_ps_prefetch(&f->ps, (uint32_t)(key[i + 8] >> 26),
			    (unsigned)(key[i + 8] >> 58));
		len = (unsigned)(key[i] >> 58);
		addr = (uint32_t)(key[i] >> 26);
		v = nh[key[i] & ((1u << 26) - 1)];
		/* A duplicate sorts just before its twin; the later input wins. */
		if (i + 1 < n && key[i + 1] >> 26 == key[i] >> 26)
			continue;
		install(f, addr, len, v, true);
		fib_ps_set(&f->ps, addr, len, v);
	}
	free(key);
	free(f->bmap);
	f->bmap = NULL;
	publish(f);
	return 0;
}

static inline READER uint32_t
cleaf(const char *base, uint32_t off, unsigned slot)
{
	const struct cblk *c = (const struct cblk *)(const void *)(base +
	    ((size_t)off << CU_SHIFT));
	unsigned w = slot >> 6;
	uint64_t x = c->bm[w] & (~(uint64_t)0 >> (63 - (slot & 63)));

	return c->leaf[c->base[w] + (unsigned)__builtin_popcountll(x) - 1];
}

READER uint32_t
fib_lookup4(const struct fib *f, uint32_t dst)
{
	uint32_t e = ld(&f->tbl1[dst >> 16]);

	if (e & E_EXT) {
		e = cleaf(f->cbase, e & E_VAL, (dst >> 8) & 0xff);
		if (e & E_EXT)
			e = cleaf(f->cbase, e & E_VAL, dst & 0xff);
	}
	return e & E_VAL;
}

/*
 * Three passes per batch of 32: level-1 loads and a prefetch of each compact
 * header, then each run index and a prefetch of its leaf, then the leaves; so
 * up to 32 cache misses of each kind are in flight together.
 */
READER void
fib_lookup4_batch(const struct fib *f, const uint32_t *dst, uint32_t *nh, size_t n)
{
	const char *base = f->cbase;
	const struct cblk *c[BATCH];
	const uint32_t *lp[BATCH];
	uint32_t e[BATCH], v, d;
	size_t b, i, m;
	unsigned slot, w;
	uint64_t x;

	for (b = 0; b < n; b += m) {
		m = MIN(n - b, BATCH);
		for (i = 0; i < m; i++) {
			e[i] = ld(&f->tbl1[dst[b + i] >> 16]);
			if (e[i] & E_EXT) {
				c[i] = (const struct cblk *)(const void *)(base +
				    ((size_t)(e[i] & E_VAL) << CU_SHIFT));
				__builtin_prefetch(c[i]);
			}
		}
		for (i = 0; i < m; i++) {
			if (e[i] & E_EXT) {
				slot = (dst[b + i] >> 8) & 0xff;
				w = slot >> 6;
				x = c[i]->bm[w] & (~(uint64_t)0 >> (63 - (slot & 63)));
				lp[i] = &c[i]->leaf[c[i]->base[w] +
				    (unsigned)__builtin_popcountll(x) - 1];
				__builtin_prefetch(lp[i]);
			}
		}
		for (i = 0; i < m; i++) {
			v = e[i];
			if (v & E_EXT) {
				v = *lp[i];
				d = dst[b + i];
				if (v & E_EXT)
					v = cleaf(base, v & E_VAL, d & 0xff);
			}
			nh[b + i] = v & E_VAL;
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
	s->compact = f->ncompact;
	s->retired = f->ncret;
	s->lookup_bytes = L1_SIZE * sizeof(*f->tbl1) + f->cbump;
	s->memory = sizeof(*f) + L1_SIZE * sizeof(*f->tbl1) + f->cbump +
	    f->chcap * sizeof(*f->chunks) + small * CH_BYTES +
	    f->arenacap * sizeof(*f->arenas) + f->usedcap * sizeof(*f->used) +
	    f->sicap * sizeof(*f->si) + f->dirtycap * sizeof(*f->dirty) +
	    f->cretcap * sizeof(*f->cret) + fib_ps_bytes(&f->ps);
	for (i = 0; i < f->arenacap; i++)
		if (f->arenas[i] != NULL)
			s->memory += ARENA_BYTES;
}

void
fib_reclaim(struct fib *f)
{
	size_t i, hi, keep, c;
	struct cret *r;

	/* No reader holds a retired compact block any more: recycle them. */
	for (i = 0; i < f->ncret; i++) {
		r = &f->cret[i];
		*(uint32_t *)(void *)cptr(f, r->off) = f->cfree[r->units];
		f->cfree[r->units] = r->off;
	}
	f->ncret = 0;
	if (f->ncompact == 0 && f->ccommit > 0) {
		/* Nothing reachable: hand the arena back, keep the reservation. */
		(void)madvise(f->cbase, f->ccommit, MADV_DONTNEED);
		if (mprotect(f->cbase, f->ccommit, PROT_NONE) == -1)
			fatal("fib: mprotect");
		f->ccommit = f->cbump = 0;
		for (i = 0; i <= CU_MAX; i++)
			f->cfree[i] = NO_OFF;
		free(f->cret);
		f->cret = NULL;
		f->cretcap = 0;
	}

	/* Shadows are writer-only: unmap chunks past the highest one in use. */
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
		free(f->chunks);
		free(f->used);
		free(f->si);
		free(f->arenas);
		free(f->dirty);
		f->chunks = NULL;
		f->used = NULL;
		f->si = NULL;
		f->arenas = NULL;
		f->dirty = NULL;
		f->chcap = f->usedcap = f->sicap = f->arenacap = f->dirtycap = 0;
		f->free_hint = 0;
	}
}
