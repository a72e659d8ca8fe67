/*
 * golden/cfgprint: the round trip.  NAME.in must load without errors; its canonical
 * print must equal NAME.ok; loading that print again must give a model cfg_equal to
 * the first, and printing it again must give the same bytes.  A NAME.in whose first
 * line is "#include PATH" loads PATH (relative to the .in file) instead, so the
 * examples are tested where they live.  TRANSIT_GOLDEN_UPDATE=1 rewrites the .ok.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "golden.h"

static char *
print_mem(const struct cfg_net *net, size_t *len)
{
	char *out = NULL;
	FILE *mem = open_memstream(&out, len);

	if (mem == NULL || cfg_print(net, mem) != 0) {
		fprintf(stderr, "cfg_print failed\n");
		exit(1);
	}
	fclose(mem);
	return out;
}

static struct cfg_net *
load_or_die(const char *what, const char *path, const char *buf, size_t len)
{
	struct cfg_diag diag;
	struct cfg_net *net;

	cfg_diag_init(&diag);
	net = path != NULL ? cfg_load_file(path, &diag) :
	    cfg_load_buffer(what, buf, len, &diag);
	if (net == NULL) {
		fprintf(stderr, "%s: does not load:\n", what);
		cfg_diag_print(&diag, stderr);
		if (buf != NULL)
			fprintf(stderr, "--- text\n%s", buf);
		exit(1);
	}
	cfg_diag_free(&diag);
	return net;
}

int
main(int argc, char **argv)
{
	struct cfg_net *a, *b;
	char *in, *p1, *p2, *src = NULL;
	size_t inlen, l1, l2;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: golden_cfgprint FILE.in\n");
		return 2;
	}
	if ((in = golden_slurp(argv[1], &inlen)) == NULL) {
		perror(argv[1]);
		return 2;
	}
	if ((src = golden_include(argv[1], in)) != NULL)
		a = load_or_die(src, src, NULL, 0);
	else
		a = load_or_die(argv[1], argv[1], NULL, 0);
	p1 = print_mem(a, &l1);
	b = load_or_die("printed form", NULL, p1, l1);
	if (!cfg_equal(a, b)) {
		fprintf(stderr, "reloaded model is not cfg_equal to the first; printed:\n%s",
		    p1);
		return 1;
	}
	p2 = print_mem(b, &l2);
	if (l1 != l2 || memcmp(p1, p2, l1) != 0) {
		fprintf(stderr, "second print differs:\n--- first\n%s--- second\n%s", p1, p2);
		return 1;
	}
	rc = golden_check(argv[1], p1, l1);
	cfg_free(a);
	cfg_free(b);
	free(in);
	free(src);
	free(p1);
	free(p2);
	return rc;
}
