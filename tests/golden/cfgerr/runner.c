/*
 * golden/cfgerr: every NAME.in is a bad (or doubtful) network file; NAME.ok holds the
 * exact diagnostics cfg_load_file must print for it, the file shown by its basename
 * (the runner works in the .in file's directory, so relative psk_file paths resolve
 * there too).  TRANSIT_GOLDEN_UPDATE=1 rewrites the .ok instead of comparing.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void
show_diff(const char *want, const char *got)
{
	const char *w = want, *g = got;
	int line = 1;

	while (*w != '\0' && *w == *g) {
		if (*w == '\n')
			line++;
		w++;
		g++;
	}
	fprintf(stderr, "first difference at output line %d\n--- expected\n%s--- got\n%s",
	    line, want, got);
}

int
main(int argc, char **argv)
{
	struct cfg_diag diag;
	struct cfg_net *net;
	char *dir, *basebuf, *base, *okpath, *got = NULL, *want;
	size_t gotlen = 0, wantlen = 0;
	FILE *mem;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: golden_cfgerr FILE.in\n");
		return 2;
	}
	dir = strdup(argv[1]);
	basebuf = strdup(argv[1]);
	if (dir == NULL || basebuf == NULL || chdir(dirname(dir)) == -1) {
		perror(argv[1]);
		return 2;
	}
	base = basename(basebuf);
	cfg_diag_init(&diag);
	net = cfg_load_file(base, &diag);
	mem = open_memstream(&got, &gotlen);
	cfg_diag_print(&diag, mem);
	if (net != NULL && diag.nerrors == 0)
		fprintf(mem, "(loaded: %zu warning(s), no errors)\n", diag.nwarnings);
	if (net == NULL && diag.nerrors == 0)
		fprintf(mem, "(load failed without any error reported)\n");
	fclose(mem);
	cfg_free(net);
	cfg_diag_free(&diag);

	okpath = malloc(strlen(base) + 4);
	strcpy(okpath, base);
	strcpy(okpath + strlen(okpath) - 3, ".ok");
	if (getenv("TRANSIT_GOLDEN_UPDATE") != NULL) {
		FILE *f = fopen(okpath, "w");

		if (f == NULL || fwrite(got, 1, gotlen, f) != gotlen || fclose(f) != 0) {
			perror(okpath);
			return 1;
		}
		free(got);
		free(okpath);
		free(dir);
		free(basebuf);
		return 0;
	}
	if ((want = slurp(okpath, &wantlen)) == NULL) {
		fprintf(stderr, "%s: missing; output was:\n%s", okpath, got);
		return 1;
	}
	if (wantlen != gotlen || memcmp(want, got, gotlen) != 0) {
		fprintf(stderr, "%s: diagnostics differ from %s\n", base, okpath);
		show_diff(want, got);
		rc = 1;
	}
	free(want);
	free(got);
	free(okpath);
	free(dir);
	free(basebuf);
	return rc;
}
