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

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
	if (buf == NULL || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

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
	char *in, *okpath, *p1, *p2, *want, *src = NULL;
	size_t inlen, l1, l2, wantlen;

	if (argc != 2) {
		fprintf(stderr, "usage: golden_cfgprint FILE.in\n");
		return 2;
	}
	if ((in = slurp(argv[1], &inlen)) == NULL) {
		perror(argv[1]);
		return 2;
	}
	if (strncmp(in, "#include ", 9) == 0) {
		in[strcspn(in, "\n")] = '\0';
		char *d = strdup(argv[1]);

		if (d == NULL || asprintf(&src, "%s/%s", dirname(d), in + 9) == -1)
			return 2;
		free(d);
		a = load_or_die(src, src, NULL, 0);
	} else
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
	okpath = strdup(argv[1]);
	strcpy(okpath + strlen(okpath) - 3, ".ok");
	if (getenv("TRANSIT_GOLDEN_UPDATE") != NULL) {
		FILE *f = fopen(okpath, "w");

		if (f == NULL || fwrite(p1, 1, l1, f) != l1 || fclose(f) != 0) {
			perror(okpath);
			return 1;
		}
		return 0;
	}
	if ((want = slurp(okpath, &wantlen)) == NULL) {
		fprintf(stderr, "%s: missing; printed:\n%s", okpath, p1);
		return 1;
	}
	if (wantlen != l1 || memcmp(want, p1, l1) != 0) {
		fprintf(stderr, "print differs from %s\n--- expected\n%s--- got\n%s", okpath,
		    want, p1);
		return 1;
	}
	cfg_free(a);
	cfg_free(b);
	free(in);
	free(src);
	free(p1);
	free(p2);
	free(want);
	free(okpath);
	return 0;
}
