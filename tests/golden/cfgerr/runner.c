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
#include "golden.h"

int
main(int argc, char **argv)
{
	struct cfg_diag diag;
	struct cfg_net *net;
	char *dir, *basebuf, *base, *got = NULL;
	size_t gotlen = 0;
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

	rc = golden_check(base, got, gotlen);
	free(got);
	free(dir);
	free(basebuf);
	return rc;
}
