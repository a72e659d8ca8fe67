/*
 * golden: shared helpers of the golden runners (see golden.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "golden.h"

char *
golden_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (fp == NULL)
		return NULL;
	do {
		util_grow(&buf, &cap, n + 4096 + 1, 1);
		got = fread(buf + n, 1, 4096, fp);
		n += got;
	} while (got > 0);
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

char *
golden_include(const char *inpath, const char *text)
{
	const char *slash = strrchr(inpath, '/');
	size_t n;

	if (strncmp(text, "#include ", 9) != 0)
		return NULL;
	text += 9;
	n = strcspn(text, "\r\n");
	return xasprintf("%.*s%.*s", slash != NULL ? (int)(slash - inpath + 1) : 0, inpath,
	    (int)n, text);
}

/* The first differing lines, diff-style, with line numbers. */
static void
report_diff(const char *okpath, const char *exp, const char *got)
{
	int line = 1, shown = 0;

	fprintf(stderr, "golden mismatch against %s (TRANSIT_GOLDEN_UPDATE=1 rewrites it)\n",
	    okpath);
	while ((*exp != '\0' || *got != '\0') && shown < 12) {
		size_t le = strcspn(exp, "\n"), lg = strcspn(got, "\n");

		if (le != lg || memcmp(exp, got, le) != 0) {
			fprintf(stderr, "line %d:\n-%.*s\n+%.*s\n", line, (int)le, exp,
			    (int)lg, got);
			shown++;
		}
		exp += le + (exp[le] == '\n');
		got += lg + (got[lg] == '\n');
		line++;
	}
}

int
golden_check(const char *inpath, const char *got, size_t len)
{
	size_t plen = strlen(inpath), explen;
	char *okpath, *exp;
	const char *upd = getenv("TRANSIT_GOLDEN_UPDATE");
	int rc = 0;

	if (plen > 3 && strcmp(inpath + plen - 3, ".in") == 0)
		plen -= 3;
	okpath = xasprintf("%.*s.ok", (int)plen, inpath);
	if (upd != NULL && strcmp(upd, "1") == 0) {
		FILE *fp = fopen(okpath, "wb");

		if (fp == NULL || fwrite(got, 1, len, fp) != len || fclose(fp) != 0) {
			fprintf(stderr, "%s: cannot write: %s\n", okpath, strerror(errno));
			rc = 1;
		}
	} else if ((exp = golden_slurp(okpath, &explen)) == NULL) {
		fprintf(stderr, "%s: %s (TRANSIT_GOLDEN_UPDATE=1 creates it); output was:\n%s",
		    okpath, strerror(errno), got);
		rc = 1;
	} else {
		if (explen != len || memcmp(exp, got, len) != 0) {
			report_diff(okpath, exp, got);
			rc = 1;
		}
		free(exp);
	}
	free(okpath);
	return rc;
}
