/*
 * bench_lpm: the FIB (src/route/fib.c) against docs/performance.md section 4 on a
 * synthetic full IPv4 table: build time and memory, random and hot-set lookup rates
 * (single and batched), and single-route update rates.  Method and figures are in
 * bench/lpm/README.md.  Deterministic for a given --seed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "route/fib.h"

#define ARRAY_N		(1u << 20)	/* destinations per pass; 4 MiB, streamed */
#define HOT_N		65536u
#define BATCH_N		256u
#define RECLAIM_EVERY	1000u

struct opts {
	size_t		 prefixes, lookups, updates;
	uint64_t	 seed;
	bool		 json, longer;
};

struct rng {
	uint64_t	 s;
};

struct gen {
	struct rng	 r;
	bool		 longer;
	uint64_t	*set;		/* (addr << 6 | len) + 1, open addressing */
	size_t		 setcap;
};

struct result {
	const char	*name, *unit, *target;
	double		 value, cpu;	/* from wall-clock time / from on-CPU time */
};

/* Wall and on-CPU seconds: the VM is shared, so both are reported. */
struct span {
	double		 wall, cpu;
};

static uint64_t
rnd64(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t
rnd32(struct rng *r)
{
	return (uint32_t)(rnd64(r) >> 32);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Anonymous memory backed by transparent huge pages (kB), from smaps_rollup. */
static size_t
thp_kb(void)
{
	FILE *fp = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	unsigned long kb = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

static double
cputime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct span
span_start(void)
{
	return (struct span){ now(), cputime() };
}

static struct span
span_stop(struct span s)
{
	return (struct span){ now() - s.wall, cputime() - s.cpu };
}

static size_t
rss_bytes(void)
{
	FILE *fp = fopen("/proc/self/statm", "r");
	unsigned long size = 0, res = 0;

	if (fp == NULL)
		return 0;
	if (fscanf(fp, "%lu %lu", &size, &res) != 2)
		res = 0;
	fclose(fp);
	return res * (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * Prefix-length mix of the public IPv4 table (bgp.potaroo.net, late 2025), in
 * units of 1/10,000: ~60 % /24, then /22 /23 /21 /20 /19 /16 /18 /17, a sliver of
 * /8-/15.  --longer moves 1 % onto /25-/32 (hub tables carry host routes).
 */
static const uint16_t len_weight[33] = {
	[8] = 2, [9] = 2, [10] = 4, [11] = 8, [12] = 15, [13] = 30, [14] = 60,
	[15] = 100, [16] = 130, [17] = 90, [18] = 150, [19] = 250, [20] = 400,
	[21] = 450, [22] = 1100, [23] = 950, [24] = 6259,
};

static unsigned
pick_len(struct gen *g)
{
	unsigned w = rnd32(&g->r) % 10000, l, acc = 0;

	if (g->longer && w < 100)
		return 25 + rnd32(&g->r) % 8;
	w = rnd32(&g->r) % 10000;
	for (l = 0; l <= 32; l++) {
		acc += len_weight[l];
		if (w < acc)
			return l;
	}
	return 24;
}

static uint32_t
mask(unsigned len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

/* True if addr/len was new (and is now remembered). */
static bool
set_insert(struct gen *g, uint32_t addr, unsigned len)
{
	uint64_t k = ((uint64_t)addr << 6 | len) + 1;
	size_t i = (size_t)((k * 0x9e3779b97f4a7c15ull) >> 20) & (g->setcap - 1);

	for (; g->set[i] != 0; i = (i + 1) & (g->setcap - 1))
		if (g->set[i] == k)
			return false;
	g->set[i] = k;
	return true;
}

/* A distinct prefix in 1.0.0.0-223.255.255.255 (unicast space). */
static void
gen_prefix(struct gen *g, struct prefix *p)
{
	uint32_t a;
	unsigned len;

	do {
		len = pick_len(g);
		a = ((1 + rnd32(&g->r) % 223) << 24 | (rnd32(&g->r) & 0xffffff)) &
		    mask(len);
	} while (!set_insert(g, a, len));
	prefix_from_v4(p, a, (uint8_t)len);
}

static struct span
run_lookups(const struct fib *f, const uint32_t *dst, size_t n, bool batch,
    uint64_t *sum)
{
	uint32_t out[BATCH_N];
	size_t done = 0, i, m;
	uint64_t s = 0;
	struct span t0 = span_start();

	while (done < n) {
		m = MIN(n - done, ARRAY_N);
		if (batch) {
			for (i = 0; i < m; i += BATCH_N) {
				size_t k, b = MIN(BATCH_N, m - i);

				fib_lookup4_batch(f, dst + i, out, b);
				for (k = 0; k < b; k++)
					s += out[k];
			}
		} else {
			for (i = 0; i < m; i++)
				s += fib_lookup4(f, dst[i]);
		}
		done += m;
	}
	*sum += s;
	return span_stop(t0);
}

/*
 * n single-route updates against the full table: alternately delete a stored
 * prefix and add a new one drawn from the same mix (minlen > 0 restricts both to
 * prefixes at least that long), so the table size stays put.  The operations are
 * drawn before the clock starts.
 */
static struct span
run_updates(struct fib *f, struct gen *g, struct prefix *pfx, size_t np, size_t n,
    unsigned minlen, double *reclaim_s)
{
	struct prefix *op = xreallocarray(NULL, n ? n : 1, sizeof(*op));
	uint32_t *opnh = xreallocarray(NULL, n ? n : 1, sizeof(*opnh));
	size_t i, k = 0, fails = 0;
	struct span t0, t;

	for (i = 0; i < n; i++) {
		if (i % 2 == 0) {
			do {
				k = rnd64(&g->r) % np;
			} while (pfx[k].len < minlen || pfx[k].len == 0xff);
			op[i] = pfx[k];
			opnh[i] = 0;			/* delete */
			pfx[k].len = 0xff;		/* gone */
		} else {
			do {
				gen_prefix(g, &op[i]);
			} while (op[i].len < minlen);
			opnh[i] = 1 + rnd32(&g->r) % 4096;
			pfx[k] = op[i];			/* reuse the freed slot */
		}
	}
	/*
	 * A control plane applies updates in bursts and reclaims after each grace
	 * period; here every RECLAIM_EVERY updates (this bench has no concurrent
	 * readers).  The reclaims are part of the timed work.
	 */
	t0 = span_start();
	for (i = 0; i < n; i++) {
		if (opnh[i] == 0 ? fib_del(f, &op[i]) : fib_add(f, &op[i], opnh[i]))
			fails++;
		if (i % RECLAIM_EVERY == RECLAIM_EVERY - 1)
			fib_reclaim(f);
	}
	t = span_stop(t0);
	t0 = span_start();
	fib_reclaim(f);
	*reclaim_s = span_stop(t0).wall;
	if (fails)
		fprintf(stderr, "bench_lpm: %zu updates failed\n", fails);
	free(op);
	free(opnh);
	return t;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_lpm [--prefixes N] [--lookups N] [--updates N] "
	    "[--seed S] [--longer] [-j]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct opts o = { 1040000, 100000000, 100000, 1, false, false };
	struct result res[16];
	struct fib_stats st;
	struct gen g;
	struct prefix *pfx;
	struct fib *f;
	uint32_t *nh, *dst, *hot, *hotdst;
	uint64_t sum = 0;
	size_t nres = 0, i, rss0, rss1, thp;
	struct span t, t_single, t_batch, t_hs, t_hb, t_upd, t_upd20;
	double t_rec, t_rec20;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "-j") == 0 || strcmp(argv[a], "--json") == 0)
			o.json = true;
		else if (strcmp(argv[a], "--longer") == 0)
			o.longer = true;
		else if (a + 1 < argc && strcmp(argv[a], "--prefixes") == 0)
			o.prefixes = strtoull(argv[++a], NULL, 0);
		else if (a + 1 < argc && strcmp(argv[a], "--lookups") == 0)
			o.lookups = strtoull(argv[++a], NULL, 0);
		else if (a + 1 < argc && strcmp(argv[a], "--updates") == 0)
			o.updates = strtoull(argv[++a], NULL, 0);
		else if (a + 1 < argc && strcmp(argv[a], "--seed") == 0)
			o.seed = strtoull(argv[++a], NULL, 0);
		else
			usage();
	}
	if (o.prefixes < 2 || o.prefixes > 8000000)
		usage();

	memset(&g, 0, sizeof(g));
	g.r.s = o.seed;
	g.longer = o.longer;
	for (g.setcap = 1024; g.setcap < 4 * (o.prefixes + o.updates); g.setcap *= 2)
		;
	g.set = xcalloc(g.setcap, sizeof(*g.set));
	pfx = xreallocarray(NULL, o.prefixes, sizeof(*pfx));
	nh = xreallocarray(NULL, o.prefixes, sizeof(*nh));
	for (i = 0; i < o.prefixes; i++) {
		gen_prefix(&g, &pfx[i]);
		nh[i] = 1 + rnd32(&g.r) % 4096;
	}
	dst = xreallocarray(NULL, ARRAY_N, sizeof(*dst));
	for (i = 0; i < ARRAY_N; i++)
		dst[i] = rnd32(&g.r);
	hot = xreallocarray(NULL, HOT_N, sizeof(*hot));
	hotdst = xreallocarray(NULL, ARRAY_N, sizeof(*hotdst));
	for (i = 0; i < HOT_N; i++)
		hot[i] = rnd32(&g.r);
	for (i = 0; i < ARRAY_N; i++)
		hotdst[i] = hot[rnd32(&g.r) % HOT_N];

	rss0 = rss_bytes();
	t = span_start();
	f = fib_new();
	if (fib_build(f, pfx, nh, o.prefixes) == -1) {
		fprintf(stderr, "bench_lpm: build failed\n");
		return 1;
	}
	t = span_stop(t);
	fib_reclaim(f);		/* no readers yet: drop build-time retirees */
	rss1 = rss_bytes();
	thp = thp_kb();
	fib_stats(f, &st);

	/* Warm-up pass so page faults and frequency ramp are not timed. */
	(void)run_lookups(f, dst, ARRAY_N, true, &sum);
	sum = 0;
	t_single = run_lookups(f, dst, o.lookups, false, &sum);
	t_batch = run_lookups(f, dst, o.lookups, true, &sum);
	t_hs = run_lookups(f, hotdst, o.lookups, false, &sum);
	t_hb = run_lookups(f, hotdst, o.lookups, true, &sum);
	t_upd = run_updates(f, &g, pfx, o.prefixes, o.updates, 0, &t_rec);
	t_upd20 = run_updates(f, &g, pfx, o.prefixes, o.updates, 20, &t_rec20);

#define R(n, u, tg, v, c) res[nres++] = (struct result){ n, u, tg, v, c }
#define RATE(n, u, tg, cnt, sp, div) \
	R(n, u, tg, (double)(cnt) / (sp).wall / (div), (double)(cnt) / (sp).cpu / (div))
	R("build", "s", "<= 0.5", t.wall, t.cpu);
	R("memory (fib_stats)", "MiB", "<= 100", (double)st.memory / 1048576.0,
	    (double)st.memory / 1048576.0);
	R("memory (RSS delta)", "MiB", "<= 100", (double)(rss1 - rss0) / 1048576.0,
	    (double)(rss1 - rss0) / 1048576.0);
	R("  of which huge pages", "MiB", "", (double)thp / 1024.0, (double)thp / 1024.0);
	R("  read by lookups", "MiB", "", (double)st.lookup_bytes / 1048576.0,
	    (double)st.lookup_bytes / 1048576.0);
	R("blocks (1 KiB)", "", "", (double)st.groups, (double)st.groups);
	RATE("lookup random, single", "M/s", ">= 100 (batch)", o.lookups, t_single, 1e6);
	RATE("lookup random, batch", "M/s", ">= 100", o.lookups, t_batch, 1e6);
	RATE("lookup hot 64Ki, single", "M/s", "", o.lookups, t_hs, 1e6);
	RATE("lookup hot 64Ki, batch", "M/s", "", o.lookups, t_hb, 1e6);
	R("updates, any len: time", "s", "well < 1 (100k)", t_upd.wall, t_upd.cpu);
	RATE("updates, any len: rate", "k/s", "", o.updates, t_upd, 1e3);
	RATE("updates, >= /20: rate", "k/s", ">= 1000 (stretch)", o.updates, t_upd20,
	    1e3);
	R("reclaim after updates", "ms", "", t_rec * 1e3, t_rec20 * 1e3);
#undef RATE
#undef R

	if (o.json) {
		printf("{\"prefixes\": %zu, \"lookups\": %zu, \"updates\": %zu, "
		    "\"seed\": %llu, \"longer\": %s, \"checksum\": %llu, \"results\": [",
		    st.prefixes, o.lookups, o.updates, (unsigned long long)o.seed,
		    o.longer ? "true" : "false", (unsigned long long)sum);
		for (i = 0; i < nres; i++)
			printf("%s{\"name\": \"%s\", \"unit\": \"%s\", \"value\": %.3f, "
			    "\"value_cpu\": %.3f}", i ? ", " : "", res[i].name, res[i].unit,
			    res[i].value, res[i].cpu);
		printf("]}\n");
	} else {
		printf("bench_lpm: %zu prefixes%s, seed %llu, %zu lookups, %zu updates\n",
		    st.prefixes, o.longer ? " (with /25-/32)" : "",
		    (unsigned long long)o.seed, o.lookups, o.updates);
		printf("%-28s %11s %11s %-5s  %s\n", "metric", "wall", "on-cpu", "unit",
		    "target");
		for (i = 0; i < nres; i++)
			printf("%-28s %11.3f %11.3f %-5s  %s\n", res[i].name, res[i].value,
			    res[i].cpu, res[i].unit, res[i].target);
		printf("checksum %llu\n", (unsigned long long)sum);
	}
	fib_free(f);
	free(g.set);
	free(pfx);
	free(nh);
	free(dst);
	free(hot);
	free(hotdst);
	return 0;
}
