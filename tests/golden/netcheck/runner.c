/*
 * golden/netcheck: a network file -> every route table net_build() computes, printed
 * as `transitctl check --all` prints it, compared with the .ok beside the .in.
 *
 * A .in is a network file; or a single line "@ PATH" naming one relative to the .in
 * (so the shipped examples are tested without copying them).
 * TRANSIT_GOLDEN_UPDATE=1 rewrites the .ok.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "net/net.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (f == NULL)
		return NULL;
	do {
		if (n + 4096 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap + 1);
			if (buf == NULL) {
				fclose(f);
				return NULL;
			}
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int
compare(const char *okpath, const char *got, size_t gotlen)
{
	size_t oklen = 0, line = 1, i;
	char *ok = slurp(okpath, &oklen);

	if (getenv("TRANSIT_GOLDEN_UPDATE") != NULL) {
		FILE *f = fopen(okpath, "wb");

		free(ok);
		if (f == NULL || fwrite(got, 1, gotlen, f) != gotlen) {
			perror(okpath);
			return 1;
		}
		fclose(f);
		printf("updated %s\n", okpath);
		return 0;
	}
	if (ok == NULL) {
		fprintf(stderr, "%s: missing (TRANSIT_GOLDEN_UPDATE=1 writes it)\n", okpath);
		return 1;
	}
	for (i = 0; i < oklen && i < gotlen && ok[i] == got[i]; i++)
		if (ok[i] == '\n')
			line++;
	if (i == oklen && i == gotlen) {
		free(ok);
		return 0;
	}
	fprintf(stderr, "golden mismatch against %s at line %zu\n--- got:\n%s\n", okpath, line,
	    got);
	free(ok);
	return 1;
}

int
main(int argc, char **argv)
{
	struct cfg_diag diag;
	struct cfg_net *cfg;
	struct net *net;
	char okpath[4096], path[4096], *text, *out = NULL;
	size_t len, outlen = 0;
	const char *file = NULL;
	FILE *mem;
	int rc;

	if (argc != 2 || strlen(argv[1]) < 4) {
		fprintf(stderr, "usage: golden_netcheck CASE.in\n");
		return 2;
	}
	snprintf(okpath, sizeof(okpath), "%.*s.ok", (int)(strlen(argv[1]) - 3), argv[1]);
	if ((text = slurp(argv[1], &len)) == NULL) {
		perror(argv[1]);
		return 2;
	}
	file = argv[1];
	if (text[0] == '@') {
		const char *slash = strrchr(argv[1], '/');
		char *rel = text + 1, *nl;

		while (*rel == ' ')
			rel++;
		if ((nl = strchr(rel, '\n')) != NULL)
			*nl = '\0';
		snprintf(path, sizeof(path), "%.*s%s", slash ? (int)(slash - argv[1] + 1) : 0,
		    argv[1], rel);
		file = path;
	}
	cfg_diag_init(&diag);
	cfg = cfg_load_file(file, &diag);
	mem = open_memstream(&out, &outlen);
	if (cfg == NULL) {
		/* Invalid input is a valid golden case too: the diagnostics are the output. */
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
	rc = compare(okpath, out, outlen);
	free(out);
	free(text);
	return rc;
}
