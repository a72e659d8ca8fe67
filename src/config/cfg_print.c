/*
 * cfg_print: the canonical form of a network model (docs/network-file.md,
 * "Canonical form"): keys in schema order, keys at their default left out (required
 * keys always printed), lists of scalars in flow style, free-text strings double
 * quoted, two-space indentation.  Loading the output gives an equal model, and
 * printing that again gives the same bytes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "config/cfg_impl.h"

static bool obj_default(const struct cfg_schema *, const void *, unsigned);

static unsigned
kind_mask(const struct cfg_schema *s, const void *obj)
{
	if (s->kind_field < 0)
		return FF_KINDS;
	return *FIELD_CPTR(obj, s->fields[s->kind_field].off, int) == CFG_HUB_TGW ?
	    FF_TGW : FF_CEN;
}

static bool
applies(const struct cfg_field *f, unsigned mask)
{
	return (f->flags & FF_KINDS) == 0 || (f->flags & mask) != 0;
}

static size_t
visible_items(const struct cfg_field *f, const void *obj)
{
	const char *arr = *FIELD_CPTR(obj, f->off, char *);
	size_t n = *FIELD_CPTR(obj, f->cnt_off, size_t), i, cnt = 0;

	if (f->sub->implicit_off == 0)
		return n;
	for (i = 0; i < n; i++)
		if (!*FIELD_CPTR(arr + i * f->sub->size, f->sub->implicit_off, bool))
			cnt++;
	return cnt;
}

static bool
field_default(const struct cfg_field *f, const void *obj)
{
	const char *s;

	if (f->flags & FF_REQ)
		return false;
	if (f->set_off != 0)
		return !*FIELD_CPTR(obj, f->set_off, bool);
	switch (f->type) {
	case FT_STR:
	case FT_NAME:
		s = *FIELD_CPTR(obj, f->off, char *);
		return s == NULL || (f->sdef != NULL && strcmp(s, f->sdef) == 0);
	case FT_U32:
		return *FIELD_CPTR(obj, f->off, uint32_t) == (uint32_t)f->def;
	case FT_DBL:
		return *FIELD_CPTR(obj, f->off, double) == f->ddef;
	case FT_BOOL:
		return *FIELD_CPTR(obj, f->off, bool) == (f->def != 0);
	case FT_ENUM:
		return *FIELD_CPTR(obj, f->off, int) == (int)f->def;
	case FT_PREFIX:
		return FIELD_CPTR(obj, f->off, struct prefix)->family == PFX_NONE;
	case FT_ADDR:
		return FIELD_CPTR(obj, f->off, struct ipaddr)->family == PFX_NONE;
	case FT_REF:
		return FIELD_CPTR(obj, f->off, struct cfg_ref)->name == NULL;
	case FT_REFLIST:
	case FT_PFXLIST:
	case FT_ADDRLIST:
		return *FIELD_CPTR(obj, f->cnt_off, size_t) == 0;
	case FT_LIST:
		return visible_items(f, obj) == 0;
	case FT_OBJ:
		return obj_default(f->sub, FIELD_CPTR(obj, f->off, void), FF_KINDS);
	}
	return true;
}

static bool
obj_default(const struct cfg_schema *s, const void *obj, unsigned mask)
{
	size_t i;

	for (i = 0; i < s->nfields; i++)
		if (applies(&s->fields[i], mask) && !field_default(&s->fields[i], obj))
			return false;
	return true;
}

static void
put_quoted(FILE *fp, const char *s)
{
	const unsigned char *p;

	fputc('"', fp);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", fp);
		else if (*p == '\t')
			fputs("\\t", fp);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\x%02x", *p);
		/* C1 controls (U+0080-U+009F) would be refused on reading back;
		 * YAML reads NEL, LS and PS as line breaks even inside quotes. */
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			if (p[1] == 0x85)
				fputs("\\N", fp);
			else
				fprintf(fp, "\\x%02x", p[1]);
			p++;
		} else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			fputs(p[2] == 0xa8 ? "\\L" : "\\P", fp);
			p += 2;
		} else
			fputc(*p, fp);
	}
	fputc('"', fp);
}

/* Shortest text that reads back as the same double. */
static void
put_double(FILE *fp, double d)
{
	char buf[64];
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	fputs(buf, fp);
}

static void
put_scalar_list(FILE *fp, const struct cfg_field *f, const void *obj)
{
	char b[PREFIX_STRLEN];
	size_t i, n = *FIELD_CPTR(obj, f->cnt_off, size_t);

	fputc('[', fp);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputs(", ", fp);
		if (f->type == FT_REFLIST)
			fputs((*FIELD_CPTR(obj, f->off, struct cfg_ref *))[i].name, fp);
		else if (f->type == FT_PFXLIST)
			fputs(prefix_fmt(&(*FIELD_CPTR(obj, f->off, struct cfg_prefix *))[i].pfx,
			    b, sizeof(b)), fp);
		else
			fputs(addr_fmt(&(*FIELD_CPTR(obj, f->off, struct cfg_addr *))[i].addr,
			    b, sizeof(b)), fp);
	}
	fputc(']', fp);
}

static void print_obj(FILE *, const struct cfg_schema *, const void *, int, bool);

static void
pad(FILE *fp, int indent, bool *item)
{
	if (*item) {
		fprintf(fp, "%*s- ", indent - 2, "");
		*item = false;
	} else
		fprintf(fp, "%*s", indent, "");
}

static void
print_field(FILE *fp, const struct cfg_field *f, const void *obj, int indent, bool *item)
{
	char b[PREFIX_STRLEN];
	const char *arr, *s;
	size_t i, n;

	pad(fp, indent, item);
	fprintf(fp, "%s:", f->key);
	switch (f->type) {
	case FT_STR:
		fputc(' ', fp);
		put_quoted(fp, *FIELD_CPTR(obj, f->off, char *));
		break;
	case FT_NAME:
		s = *FIELD_CPTR(obj, f->off, char *);
		fprintf(fp, " %s", s != NULL ? s : "");
		break;
	case FT_U32:
		fprintf(fp, " %u", *FIELD_CPTR(obj, f->off, uint32_t));
		break;
	case FT_DBL:
		fputc(' ', fp);
		put_double(fp, *FIELD_CPTR(obj, f->off, double));
		break;
	case FT_BOOL:
		fprintf(fp, " %s", *FIELD_CPTR(obj, f->off, bool) ? "true" : "false");
		break;
	case FT_ENUM:
		fprintf(fp, " %s", f->enums[*FIELD_CPTR(obj, f->off, int)]);
		break;
	case FT_PREFIX:
		fprintf(fp, " %s", prefix_fmt(FIELD_CPTR(obj, f->off, struct prefix), b,
		    sizeof(b)));
		break;
	case FT_ADDR:
		fprintf(fp, " %s", addr_fmt(FIELD_CPTR(obj, f->off, struct ipaddr), b,
		    sizeof(b)));
		break;
	case FT_REF:
		s = FIELD_CPTR(obj, f->off, struct cfg_ref)->name;
		fprintf(fp, " %s", s != NULL ? s : "");
		break;
	case FT_REFLIST:
	case FT_PFXLIST:
	case FT_ADDRLIST:
		fputc(' ', fp);
		put_scalar_list(fp, f, obj);
		break;
	case FT_LIST:
		fputc('\n', fp);
		arr = *FIELD_CPTR(obj, f->off, char *);
		n = *FIELD_CPTR(obj, f->cnt_off, size_t);
		for (i = 0; i < n; i++) {
			const void *el = arr + i * f->sub->size;

			if (f->sub->implicit_off != 0 &&
			    *FIELD_CPTR(el, f->sub->implicit_off, bool))
				continue;
			print_obj(fp, f->sub, el, indent + 4, true);
		}
		return;
	case FT_OBJ:
		fputc('\n', fp);
		print_obj(fp, f->sub, FIELD_CPTR(obj, f->off, void), indent + 2, false);
		return;
	}
	fputc('\n', fp);
}

static void
print_obj(FILE *fp, const struct cfg_schema *s, const void *obj, int indent, bool item)
{
	unsigned mask = kind_mask(s, obj);
	size_t i;

	for (i = 0; i < s->nfields; i++) {
		const struct cfg_field *f = &s->fields[i];

		if (!applies(f, mask) || field_default(f, obj))
			continue;
		if (indent == 0 && f->type == FT_LIST)
			fputc('\n', fp);	/* a blank line between top-level sections */
		print_field(fp, f, obj, indent, &item);
	}
	if (item)	/* nothing printed: an item at all defaults */
		fprintf(fp, "%*s- {}\n", indent - 2, "");
}

int
cfg_print(const struct cfg_net *net, FILE *fp)
{
	print_obj(fp, &cfg_schema_net, net, 0, false);
	return ferror(fp) ? -1 : 0;
}
