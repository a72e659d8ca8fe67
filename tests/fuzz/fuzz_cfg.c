/*
 * libFuzzer harness for the network file loader (src/config): any bytes must give
 * a model or diagnostics, never a crash, leak or hang.  When a model loads, its
 * canonical print must load again, compare equal and print identically (the same
 * round trip as tests/golden/cfgprint).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char *
print_mem(const struct cfg_net *net, size_t *len)
{
	char *out = NULL;
	FILE *mem = open_memstream(&out, len);

	if (mem == NULL)
		abort();
	if (cfg_print(net, mem) != 0)
		abort();
	fclose(mem);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_diag diag, diag2;
	struct cfg_net *a, *b;
	char *p1, *p2;
	size_t l1, l2;

	cfg_diag_init(&diag);
	a = cfg_load_buffer("fuzz", (const char *)data, size, &diag);
	if (a == NULL) {
		/* A refused input always says why. */
		if (diag.nerrors == 0)
			abort();
		cfg_diag_free(&diag);
		return 0;
	}
	p1 = print_mem(a, &l1);
	cfg_diag_init(&diag2);
	b = cfg_load_buffer("printed", p1, l1, &diag2);
	if (b == NULL || !cfg_equal(a, b)) {
		cfg_diag_print(&diag2, stderr);
		fprintf(stderr, "--- printed\n%s", p1);
		abort();
	}
	p2 = print_mem(b, &l2);
	if (l1 != l2 || memcmp(p1, p2, l1) != 0)
		abort();
	free(p1);
	free(p2);
	cfg_free(a);
	cfg_free(b);
	cfg_diag_free(&diag);
	cfg_diag_free(&diag2);
	return 0;
}
