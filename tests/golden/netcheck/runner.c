/*
 * golden/netcheck: a network file -> every route table net_build() computes, printed
 * as `transitctl check --all` prints it, compared with the .ok beside the .in.
 * A .in is a network file, or "#include PATH" naming one relative to the .in (so the
 * shipped examples are tested where they live).  An invalid file is a case too: its
 * diagnostics are the output.
 */
#include <stdio.h>
#include <stdlib.h>

#include "config/cfg.h"
#include "net/net.h"
#include "golden.h"

int
main(int argc, char **argv)
{
	struct cfg_diag diag;
	struct cfg_net *cfg;
	struct net *net;
	char *text, *inc, *out = NULL;
	size_t len, outlen = 0;
	FILE *mem;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: golden_netcheck CASE.in\n");
		return 2;
	}
	if ((text = golden_slurp(argv[1], &len)) == NULL) {
		perror(argv[1]);
		return 2;
	}
	inc = golden_include(argv[1], text);
	cfg_diag_init(&diag);
	cfg = cfg_load_file(inc != NULL ? inc : argv[1], &diag);
	if ((mem = open_memstream(&out, &outlen)) == NULL)
		return 2;
	if (cfg == NULL) {
		fprintf(mem, "invalid\n");
		cfg_diag_print(&diag, mem);
	} else {
		net = net_build(cfg);
		net_print(mem, net, NET_PRINT_ALL, NULL);
		net_free(net);
		cfg_free(cfg);
	}
	fclose(mem);
	cfg_diag_free(&diag);
	rc = golden_check(argv[1], out, outlen);
	free(out);
	free(inc);
	free(text);
	return rc;
}
