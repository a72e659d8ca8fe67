/*
 * fuzz_fib: random add/del/lookup/reclaim sequences on a FIB, checked against a
 * naive longest-prefix scan after every operation (src/route/fib.c).  Input is a
 * sequence of 8-byte records read through the bounded cursor:
 *	u8 op, u8 len, u16 nh, u32 addr	(network order)
 * op % 4: 0 add, 1 delete, 2 lookup only, 3 reclaim.  After each record the
 * prefix's edges (+-1) and a point in every stored prefix are looked up singly and
 * as a batch; any disagreement with the reference aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "route/fib.h"

#define REF_MAX	64

struct ref_ent {
	uint32_t	addr, nh;
	unsigned	len;
};

struct ref {
	struct ref_ent	e[REF_MAX];
	size_t		n;
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint32_t
mask(unsigned len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

static uint32_t
ref_lookup(const struct ref *r, uint32_t a)
{
	uint32_t nh = FIB_NH_NONE;
	int best = -1;
	size_t i;

	for (i = 0; i < r->n; i++)
		if ((a & mask(r->e[i].len)) == r->e[i].addr && (int)r->e[i].len > best) {
			best = (int)r->e[i].len;
			nh = r->e[i].nh;
		}
	return nh;
}

static void
check(const struct fib *f, const struct ref *r, uint32_t a)
{
	if (fib_lookup4(f, a) != ref_lookup(r, a))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf_reader br;
	struct ref r;
	struct fib *f = fib_new();
	struct prefix p;
	uint32_t addr, lo, hi, probe[REF_MAX + 4], out[REF_MAX + 4];
	uint16_t nh;
	uint8_t op, len;
	size_t i, k, np;
	int rc;

	memset(&r, 0, sizeof(r));
	buf_reader_init(&br, data, size);
	while (buf_left(&br) >= 8) {
		if (buf_get_u8(&br, &op) == -1 || buf_get_u8(&br, &len) == -1 ||
		    buf_get_u16(&br, &nh) == -1 || buf_get_u32(&br, &addr) == -1)
			break;
		len %= 33;
		addr &= mask(len);
		prefix_from_v4(&p, addr, len);
		for (k = 0; k < r.n; k++)
			if (r.e[k].addr == addr && r.e[k].len == len)
				break;
		switch (op % 4) {
		case 0:
			if (k == r.n && r.n == REF_MAX)
				break;
			rc = fib_add(f, &p, nh);
			if ((rc == 0) != (nh != 0))
				abort();
			if (rc == 0) {
				if (k == r.n)
					r.n++;
				r.e[k] = (struct ref_ent){ addr, nh, len };
			}
			break;
		case 1:
			rc = fib_del(f, &p);
			if ((rc == 0) != (k < r.n))
				abort();
			if (k < r.n)
				r.e[k] = r.e[--r.n];
			break;
		case 3:
			fib_reclaim(f);
			break;
		}
		lo = addr;
		hi = addr | ~mask(len);
		probe[0] = lo;
		probe[1] = hi;
		probe[2] = lo - 1;
		probe[3] = hi + 1;
		np = 4;
		for (i = 0; i < r.n; i++)
			probe[np++] = r.e[i].addr | (~mask(r.e[i].len) & addr);
		for (i = 0; i < np; i++)
			check(f, &r, probe[i]);
		/* The batch path must agree with the single one. */
		fib_lookup4_batch(f, probe, out, np);
		for (i = 0; i < np; i++)
			if (out[i] != ref_lookup(&r, probe[i]))
				abort();
	}
	fib_free(f);
	return 0;
}
