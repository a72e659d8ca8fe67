/*
 * cfg_diag: the diagnostics every config stage reports into (docs/network-file.md,
 * "Errors"), and the did-you-mean helper.  Every error is collected, never just the
 * first; output is sorted by position so it reads like the file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "config/cfg.h"
#include "config/cfg_impl.h"

void
cfg_diag_init(struct cfg_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void
cfg_diag_free(struct cfg_diag *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static void __attribute__((format(printf, 5, 0)))
diag_vadd(struct cfg_diag *d, const char *file, struct cfg_loc loc, bool warning,
    const char *fmt, va_list ap)
{
	struct cfg_diag_entry *e;
	char *msg;

	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("vasprintf");
	util_grow(&d->v, &d->cap, d->n + 1, sizeof(*d->v));
	e = &d->v[d->n++];
	e->file = xstrdup(file != NULL ? file : "-");
	e->line = loc.line;
	e->col = loc.col;
	e->warning = warning;
	e->msg = msg;
	if (warning)
		d->nwarnings++;
	else
		d->nerrors++;
}

void
cfg_diag_add(struct cfg_diag *d, const char *file, struct cfg_loc loc, bool warning,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, file, loc, warning, fmt, ap);
	va_end(ap);
}

void
cfg_err(struct cfg_ctx *ctx, struct cfg_loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(ctx->diag, ctx->file, loc, false, fmt, ap);
	va_end(ap);
}

void
cfg_warn(struct cfg_ctx *ctx, struct cfg_loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(ctx->diag, ctx->file, loc, true, fmt, ap);
	va_end(ap);
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct cfg_diag_entry *x = *(const struct cfg_diag_entry *const *)a;
	const struct cfg_diag_entry *y = *(const struct cfg_diag_entry *const *)b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	/* Same position: keep emission order (qsort is not stable). */
	return x < y ? -1 : x > y;
}

void
cfg_diag_print(const struct cfg_diag *d, FILE *fp)
{
	const struct cfg_diag_entry **order;
	size_t i;

	if (d == NULL || d->n == 0)
		return;
	order = xreallocarray(NULL, d->n, sizeof(*order));
	for (i = 0; i < d->n; i++)
		order[i] = &d->v[i];
	qsort(order, d->n, sizeof(*order), entry_cmp);
	for (i = 0; i < d->n; i++) {
		if (order[i]->line == 0)	/* about the file as a whole */
			fprintf(fp, "%s: %s%s\n", order[i]->file,
			    order[i]->warning ? "warning: " : "", order[i]->msg);
		else
			fprintf(fp, "%s:%d:%d: %s%s\n", order[i]->file, order[i]->line,
			    order[i]->col, order[i]->warning ? "warning: " : "",
			    order[i]->msg);
	}
	free(order);
}

size_t
cfg_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, *row, prev, tmp, best;

	if (la > 256 || lb > 256)	/* names are short; do not spend on junk */
		return la > lb ? la : lb;
	row = xreallocarray(NULL, lb + 1, sizeof(*row));
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] == b[j - 1] ? 0 : 1);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	best = row[lb];
	free(row);
	return best;
}

const char *
cfg_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t i, d, bestd = (size_t)-1, limit = strlen(word) / 3;
	const char *best = NULL;

	if (limit < 1)
		limit = 1;
	for (i = 0; i < n; i++) {
		if (cands[i] == NULL)
			continue;
		/* An abbreviation ("stat" for "static") is as likely as a typo. */
		if (strlen(word) >= 3 && strncmp(word, cands[i], strlen(word)) == 0)
			return cands[i];
		d = cfg_edit_distance(word, cands[i]);
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return bestd <= limit ? best : NULL;
}

const char *
cfg_kind_name(enum cfg_kind k)
{
	switch (k) {
	case CFG_K_OWNER:		return "owner";
	case CFG_K_REGION:		return "region";
	case CFG_K_VPC:			return "vpc";
	case CFG_K_SUBNET:		return "subnet";
	case CFG_K_HOST:		return "host";
	case CFG_K_HUB:			return "hub";
	case CFG_K_ROUTE_TABLE:		return "route table";
	case CFG_K_PREFIX_LIST:		return "prefix list";
	case CFG_K_ATTACHMENT:		return "attachment";
	case CFG_K_VPN_GATEWAY:		return "vpn gateway";
	case CFG_K_VPN_CONNECTION:	return "vpn connection";
	case CFG_K_NODE:		return "node";
	case CFG_K_BLACKHOLE:		return "blackhole";
	case CFG_K_NONE_KW:		return "none";
	case CFG_K_NONE:		break;
	}
	return "object";
}
