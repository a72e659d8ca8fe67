/*
 * cfg_yaml: YAML document nodes -> model fields, driven by the schema tables in
 * cfg_schema.c (docs/network-file.md).  Checks shape and types only: unknown and
 * duplicate keys, required keys, scalar syntax (integers, booleans, enums, names,
 * prefixes, addresses).  Cross references and semantics are cfg_validate*.c.
 * Every problem is reported and reading goes on with the next key.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/util.h"
#include "config/cfg.h"
#include "config/cfg_impl.h"

#define MAX_FIELDS	32

static struct cfg_loc
node_loc(const yaml_node_t *n)
{
	struct cfg_loc l;

	l.line = (int)n->start_mark.line + 1;
	l.col = (int)n->start_mark.column + 1;
	return l;
}

static yaml_node_t *
get_node(struct cfg_ctx *ctx, int id)
{
	return yaml_document_get_node(ctx->doc, id);
}

/*
 * The document API hands an alias back as the node it names; reading a node twice
 * would be an alias (aliases are refused before this by the event pre-scan, so this
 * is a second line of defence against exponential expansion).
 */
static bool
claim(struct cfg_ctx *ctx, int id)
{
	size_t i = (size_t)id - 1;

	if (id < 1 || i >= ctx->nnodes)
		return false;
	if (ctx->seen[i])
		return false;
	ctx->seen[i] = 1;
	return true;
}

static bool
is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return strcmp(v, "") == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* What a node is, for "got ..." in messages.  Long scalars are cut. */
static const char *
describe(const yaml_node_t *n, char *buf, size_t len)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (is_null(n))
		return "an empty value";
	snprintf(buf, len, "'%.40s%s'", (const char *)n->data.scalar.value,
	    n->data.scalar.length > 40 ? "..." : "");
	return buf;
}

/* A scalar's text, or NULL (with an error) when the node is not a usable scalar. */
static const char *
scalar(struct cfg_ctx *ctx, const yaml_node_t *n, const char *expected, const char *key)
{
	char b[64];

	if (n->type != YAML_SCALAR_NODE || is_null(n)) {
		if (key != NULL)
			cfg_err(ctx, node_loc(n), "expected %s for '%s', got %s", expected, key,
			    describe(n, b, sizeof(b)));
		else
			cfg_err(ctx, node_loc(n), "expected %s, got %s", expected,
			    describe(n, b, sizeof(b)));
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
		cfg_err(ctx, node_loc(n), "value contains a NUL character; expected %s",
		    expected);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

bool
cfg_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CFG_NAME_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-'))
			return false;
	return true;
}

static void
join_enums(const char *const *e, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; e[i] != NULL && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", e[i]);
}

static bool
read_u32(struct cfg_ctx *ctx, const struct cfg_field *f, const yaml_node_t *n,
    uint32_t *out)
{
	char exp[96];
	const char *s, *p;
	unsigned long long v;
	char *end;

	snprintf(exp, sizeof(exp), "an integer %lld-%lld", (long long)f->min,
	    (long long)f->max);
	if ((s = scalar(ctx, n, exp, f->key)) == NULL)
		return false;
	for (p = s; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			break;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s == '\0' || *p != '\0' || errno != 0 || (long long)v < f->min ||
	    (long long)v > f->max || v > 4294967295ULL) {
		cfg_err(ctx, node_loc(n), "expected %s for '%s', got '%.40s'", exp, f->key, s);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool
read_dbl(struct cfg_ctx *ctx, const struct cfg_field *f, const yaml_node_t *n,
    double *out)
{
	char exp[96];
	const char *s;
	char *end;
	double v;

	snprintf(exp, sizeof(exp), "a number %g-%g", f->dmin, f->dmax);
	if ((s = scalar(ctx, n, exp, f->key)) == NULL)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno != 0 || !isfinite(v) || v < f->dmin ||
	    v > f->dmax || strspn(s, "0123456789.+-eE") != strlen(s)) {
		cfg_err(ctx, node_loc(n), "expected %s for '%s', got '%.40s'", exp, f->key, s);
		return false;
	}
	*out = v;
	return true;
}

static bool
read_enum(struct cfg_ctx *ctx, const struct cfg_field *f, const yaml_node_t *n, int *out)
{
	char allowed[160];
	const char *s, *sugg;
	size_t i, cnt;

	join_enums(f->enums, allowed, sizeof(allowed));
	if ((s = scalar(ctx, n, "a word", f->key)) == NULL)
		return false;
	for (i = 0; f->enums[i] != NULL; i++)
		if (strcmp(s, f->enums[i]) == 0) {
			*out = (int)i;
			return true;
		}
	cnt = i;
	sugg = cfg_suggest(s, f->enums, cnt);
	if (sugg != NULL)
		cfg_err(ctx, node_loc(n), "invalid %s '%.40s'; allowed: %s (did you mean "
		    "'%s'?)", f->what, s, allowed, sugg);
	else
		cfg_err(ctx, node_loc(n), "invalid %s '%.40s'; allowed: %s", f->what, s,
		    allowed);
	return false;
}

static bool
read_prefix(struct cfg_ctx *ctx, const yaml_node_t *n, struct prefix *p, const char *key)
{
	char err[160];
	const char *s;

	if ((s = scalar(ctx, n, "a CIDR prefix (e.g. 10.0.0.0/8)", key)) == NULL)
		return false;
	if (prefix_parse(s, p, err, sizeof(err)) == -1) {
		cfg_err(ctx, node_loc(n), "%s", err);
		return false;
	}
	if (p->family != PFX_V4) {
		cfg_err(ctx, node_loc(n), "IPv6 prefix '%.60s' is not supported yet; use an "
		    "IPv4 prefix", s);
		return false;
	}
	return true;
}

static bool
read_addr(struct cfg_ctx *ctx, const yaml_node_t *n, struct ipaddr *a, const char *key)
{
	char err[160];
	const char *s;

	if ((s = scalar(ctx, n, "an IPv4 address (e.g. 192.0.2.1)", key)) == NULL)
		return false;
	if (addr_parse(s, a, err, sizeof(err)) == -1) {
		cfg_err(ctx, node_loc(n), "%s", err);
		return false;
	}
	if (a->family != PFX_V4) {
		cfg_err(ctx, node_loc(n), "IPv6 address '%.60s' is not supported yet; use "
		    "an IPv4 address", s);
		return false;
	}
	return true;
}

static bool
read_ref(struct cfg_ctx *ctx, const struct cfg_field *f, const yaml_node_t *n,
    struct cfg_ref *r)
{
	char exp[96];
	const char *s;

	snprintf(exp, sizeof(exp), "a %s name", f->what != NULL ? f->what : "object");
	if ((s = scalar(ctx, n, exp, f->key)) == NULL) {
		r->loc = node_loc(n);	/* given, though unusable: no "missing" later */
		return false;
	}
	free(r->name);
	r->name = xstrdup(s);
	r->loc = node_loc(n);
	return true;
}

static void read_obj(struct cfg_ctx *, const struct cfg_schema *, yaml_node_t *, void *);

/* A list value: a sequence, or an empty value meaning []. */
static bool
list_items(struct cfg_ctx *ctx, const struct cfg_field *f, yaml_node_t *n,
    yaml_node_item_t **items, size_t *count)
{
	char b[64];

	*items = NULL;
	*count = 0;
	if (is_null(n))
		return true;
	if (n->type != YAML_SEQUENCE_NODE) {
		if (f->type == FT_LIST)
			cfg_err(ctx, node_loc(n), "expected a list of %ss for '%s', got %s",
			    f->sub->what, f->key, describe(n, b, sizeof(b)));
		else if (n->type == YAML_SCALAR_NODE)
			cfg_err(ctx, node_loc(n), "expected a list for '%s', got %s; write "
			    "[%.60s]", f->key, describe(n, b, sizeof(b)),
			    (const char *)n->data.scalar.value);
		else
			cfg_err(ctx, node_loc(n), "expected a list for '%s', got %s; write "
			    "[a, b]", f->key, describe(n, b, sizeof(b)));
		return false;
	}
	*items = n->data.sequence.items.start;
	*count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	return true;
}

static bool
read_list(struct cfg_ctx *ctx, const struct cfg_field *f, yaml_node_t *n, void *obj)
{
	yaml_node_item_t *items;
	yaml_node_t *it;
	size_t count, i, got = 0, esz = 0;
	char *arr;

	if (!list_items(ctx, f, n, &items, &count))
		return false;
	if (count == 0)
		return true;
	switch (f->type) {
	case FT_REFLIST:	esz = sizeof(struct cfg_ref); break;
	case FT_PFXLIST:	esz = sizeof(struct cfg_prefix); break;
	case FT_ADDRLIST:	esz = sizeof(struct cfg_addr); break;
	case FT_LIST:		esz = f->sub->size; break;
	default:		return false;
	}
	arr = xcalloc(count, esz);
	for (i = 0; i < count; i++) {
		if (!claim(ctx, items[i]) || (it = get_node(ctx, items[i])) == NULL)
			continue;
		void *el = arr + got * esz;
		switch (f->type) {
		case FT_REFLIST:
			if (read_ref(ctx, f, it, el))
				got++;
			break;
		case FT_PFXLIST:
			if (read_prefix(ctx, it, &((struct cfg_prefix *)el)->pfx, f->key)) {
				((struct cfg_prefix *)el)->loc = node_loc(it);
				got++;
			}
			break;
		case FT_ADDRLIST:
			if (read_addr(ctx, it, &((struct cfg_addr *)el)->addr, f->key)) {
				((struct cfg_addr *)el)->loc = node_loc(it);
				got++;
			}
			break;
		default:
			/* Keep objects with errors: later checks still see the rest. */
			read_obj(ctx, f->sub, it, el);
			got++;
			break;
		}
	}
	if (got == 0) {
		free(arr);
		arr = NULL;
	}
	*FIELD_PTR(obj, f->off, void *) = arr;
	*FIELD_PTR(obj, f->cnt_off, size_t) = got;
	return got > 0;		/* every item bad: each was reported already */
}

/* FF_JOIN: a list of scalars, read as one string joined by ','. */
static const char *
joined(struct cfg_ctx *ctx, const struct cfg_field *f, yaml_node_t *n, char **out)
{
	yaml_node_item_t *it;
	yaml_node_t *in;
	const char *s;
	char *j = NULL, *t;

	if (n->data.sequence.items.top == n->data.sequence.items.start) {
		cfg_err(ctx, node_loc(n), "expected a string or a non-empty list of "
		    "strings for '%s', got an empty list", f->key);
		return NULL;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		if (!claim(ctx, *it) || (in = get_node(ctx, *it)) == NULL ||
		    (s = scalar(ctx, in, "a string", f->key)) == NULL) {
			free(j);
			return NULL;
		}
		t = j == NULL ? xstrdup(s) : xasprintf("%s,%s", j, s);
		free(j);
		j = t;
	}
	*out = j;
	return j;
}

static void
read_value(struct cfg_ctx *ctx, const struct cfg_field *f, yaml_node_t *n, void *obj)
{
	char *j;

	const char *s;
	char b[64];
	bool ok = true;

	switch (f->type) {
	case FT_STR:
		if ((f->flags & FF_JOIN) && n->type == YAML_SEQUENCE_NODE) {
			if ((ok = joined(ctx, f, n, &j) != NULL)) {
				free(*FIELD_PTR(obj, f->off, char *));
				*FIELD_PTR(obj, f->off, char *) = j;
			}
		} else if ((ok = (s = scalar(ctx, n, "a string", f->key)) != NULL)) {
			free(*FIELD_PTR(obj, f->off, char *));
			*FIELD_PTR(obj, f->off, char *) = xstrdup(s);
		}
		break;
	case FT_NAME:
		if ((s = scalar(ctx, n, "a name", f->key)) == NULL)
			ok = false;
		else if (!cfg_name_ok(s)) {
			cfg_err(ctx, node_loc(n), "invalid name '%.70s'; a name is 1-63 of "
			    "a-z, 0-9 and '-', starting with a letter or digit", s);
			ok = false;
		} else {
			free(*FIELD_PTR(obj, f->off, char *));
			*FIELD_PTR(obj, f->off, char *) = xstrdup(s);
		}
		break;
	case FT_U32:
		ok = read_u32(ctx, f, n, FIELD_PTR(obj, f->off, uint32_t));
		break;
	case FT_DBL:
		ok = read_dbl(ctx, f, n, FIELD_PTR(obj, f->off, double));
		break;
	case FT_BOOL:
		if ((ok = (s = scalar(ctx, n, "true or false", f->key)) != NULL)) {
			if (strcmp(s, "true") == 0)
				*FIELD_PTR(obj, f->off, bool) = true;
			else if (strcmp(s, "false") == 0)
				*FIELD_PTR(obj, f->off, bool) = false;
			else {
				cfg_err(ctx, node_loc(n), "expected true or false for '%s', "
				    "got '%.40s'", f->key, s);
				ok = false;
			}
		}
		break;
	case FT_ENUM:
		ok = read_enum(ctx, f, n, FIELD_PTR(obj, f->off, int));
		break;
	case FT_PREFIX:
		ok = read_prefix(ctx, n, FIELD_PTR(obj, f->off, struct prefix), f->key);
		break;
	case FT_ADDR:
		ok = read_addr(ctx, n, FIELD_PTR(obj, f->off, struct ipaddr), f->key);
		break;
	case FT_REF:
		ok = read_ref(ctx, f, n, FIELD_PTR(obj, f->off, struct cfg_ref));
		break;
	case FT_REFLIST:
	case FT_PFXLIST:
	case FT_ADDRLIST:
	case FT_LIST:
		ok = read_list(ctx, f, n, obj);
		break;
	case FT_OBJ:
		if (n->type != YAML_MAPPING_NODE) {
			cfg_err(ctx, node_loc(n), "expected a mapping for '%s' (a %s, e.g. "
			    "{ %s: ... }), got %s", f->key, f->sub->what, f->sub->fields[0].key,
			    describe(n, b, sizeof(b)));
			ok = false;
		} else
			read_obj(ctx, f->sub, n, FIELD_PTR(obj, f->off, void));
		break;
	}
	if (ok && f->set_off != 0)
		*FIELD_PTR(obj, f->set_off, bool) = true;
	if (f->loc_off != 0)
		*FIELD_PTR(obj, f->loc_off, struct cfg_loc) = node_loc(n);
}

void
cfg_set_defaults(const struct cfg_schema *s, void *obj)
{
	const struct cfg_field *f;
	size_t i;

	for (i = 0; i < s->nfields; i++) {
		f = &s->fields[i];
		switch (f->type) {
		case FT_U32:
			*FIELD_PTR(obj, f->off, uint32_t) = (uint32_t)f->def;
			break;
		case FT_DBL:
			*FIELD_PTR(obj, f->off, double) = f->ddef;
			break;
		case FT_BOOL:
			*FIELD_PTR(obj, f->off, bool) = f->def != 0;
			break;
		case FT_ENUM:
			*FIELD_PTR(obj, f->off, int) = (int)f->def;
			break;
		case FT_STR:
		case FT_NAME:
			if (f->sdef != NULL)
				*FIELD_PTR(obj, f->off, char *) = xstrdup(f->sdef);
			break;
		case FT_OBJ:
			cfg_set_defaults(f->sub, FIELD_PTR(obj, f->off, void));
			break;
		default:
			break;
		}
	}
}

static unsigned
field_mask(const struct cfg_schema *s, const void *obj, bool kind_ok)
{
	if (s->kind_field < 0 || !kind_ok)
		return FF_KINDS;
	return *FIELD_CPTR(obj, s->fields[s->kind_field].off, int) == CFG_HUB_TGW ?
	    FF_TGW : FF_CEN;
}

static bool
applies(const struct cfg_field *f, unsigned mask)
{
	return (f->flags & FF_KINDS) == 0 || (f->flags & mask) != 0;
}

static void
allowed_keys(const struct cfg_schema *s, unsigned mask, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < s->nfields && o < len; i++)
		if (applies(&s->fields[i], mask))
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "",
			    s->fields[i].key);
}

static int
find_field(const struct cfg_schema *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->nfields; i++)
		if (strcmp(s->fields[i].key, key) == 0)
			return (int)i;
	return -1;
}

static void
unknown_key(struct cfg_ctx *ctx, const struct cfg_schema *s, unsigned mask,
    const yaml_node_t *kn, const char *key)
{
	const char *cands[MAX_FIELDS], *sugg;
	char allowed[512];
	size_t i, n = 0;

	for (i = 0; i < s->nfields && n < MAX_FIELDS; i++)
		if (applies(&s->fields[i], mask))
			cands[n++] = s->fields[i].key;
	sugg = cfg_suggest(key, cands, n);
	allowed_keys(s, mask, allowed, sizeof(allowed));
	if (sugg != NULL)
		cfg_err(ctx, node_loc(kn), "unknown key '%.40s' in %s; did you mean '%s'? "
		    "(allowed: %s)", key, s->what, sugg, allowed);
	else
		cfg_err(ctx, node_loc(kn), "unknown key '%.40s' in %s; allowed: %s", key,
		    s->what, allowed);
}

static void
read_obj(struct cfg_ctx *ctx, const struct cfg_schema *s, yaml_node_t *map, void *obj)
{
	struct cfg_loc keyloc[MAX_FIELDS];
	bool given[MAX_FIELDS] = { false }, kind_ok = false;
	const struct cfg_field *f;
	yaml_node_pair_t *pair;
	yaml_node_t *kn, *vn;
	const char *key;
	unsigned mask;
	char b[64], allowed[512];
	int idx;
	size_t i;

	cfg_set_defaults(s, obj);
	*(struct cfg_loc *)obj = node_loc(map);
	if (map->type != YAML_MAPPING_NODE) {
		cfg_err(ctx, node_loc(map), "expected a mapping (key: value) for a %s, got %s",
		    s->what, describe(map, b, sizeof(b)));
		return;
	}
	/* The kind key decides which other keys are allowed: read it first. */
	if (s->kind_field >= 0) {
		f = &s->fields[s->kind_field];
		for (pair = map->data.mapping.pairs.start;
		    pair < map->data.mapping.pairs.top; pair++) {
			kn = get_node(ctx, pair->key);
			vn = get_node(ctx, pair->value);
			if (kn == NULL || vn == NULL || kn->type != YAML_SCALAR_NODE ||
			    strcmp((const char *)kn->data.scalar.value, f->key) != 0)
				continue;
			kind_ok = read_enum(ctx, f, vn, FIELD_PTR(obj, f->off, int));
			break;
		}
	}
	mask = field_mask(s, obj, kind_ok);
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top;
	    pair++) {
		if (!claim(ctx, pair->key) || !claim(ctx, pair->value))
			continue;
		kn = get_node(ctx, pair->key);
		vn = get_node(ctx, pair->value);
		if (kn == NULL || vn == NULL)
			continue;
		if (kn->type != YAML_SCALAR_NODE || (key = scalar(ctx, kn, "a key", NULL)) == NULL) {
			if (kn->type != YAML_SCALAR_NODE)
				cfg_err(ctx, node_loc(kn), "a key must be a plain word, got %s",
				    describe(kn, b, sizeof(b)));
			continue;
		}
		if ((idx = find_field(s, key)) == -1) {
			unknown_key(ctx, s, mask, kn, key);
			continue;
		}
		f = &s->fields[idx];
		if (given[idx]) {
			cfg_err(ctx, node_loc(kn), "duplicate key '%s' (first given at line %d); "
			    "each key may appear once", key, keyloc[idx].line);
			continue;
		}
		given[idx] = true;
		keyloc[idx] = node_loc(kn);
		if (!applies(f, mask)) {
			allowed_keys(s, mask, allowed, sizeof(allowed));
			cfg_err(ctx, node_loc(kn), "key '%s' applies only to kind: %s hubs; "
			    "allowed for kind: %s: %s", key, (f->flags & FF_TGW) ? "tgw" : "cen",
			    mask == FF_TGW ? "tgw" : "cen", allowed);
			continue;
		}
		if ((int)idx == s->kind_field)
			continue;	/* already read */
		read_value(ctx, f, vn, obj);
	}
	for (i = 0; i < s->nfields; i++) {
		f = &s->fields[i];
		if ((f->flags & FF_REQ) && !given[i] && applies(f, mask) &&
		    (s->kind_field < 0 || kind_ok || (f->flags & FF_KINDS) == 0))
			cfg_err(ctx, node_loc(map), "missing required key '%s' in %s",
			    f->key, s->what);
	}
}

void
cfg_read_net(struct cfg_ctx *ctx, struct cfg_net *net)
{
	yaml_node_t *root = yaml_document_get_root_node(ctx->doc);
	struct cfg_loc l = { 1, 1 };
	char b[64];

	if (root == NULL || is_null(root)) {
		cfg_set_defaults(&cfg_schema_net, net);
		cfg_err(ctx, l, "the file is empty; a network file is a mapping with at "
		    "least version, name and regions");
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		cfg_set_defaults(&cfg_schema_net, net);
		cfg_err(ctx, node_loc(root), "the top level must be a mapping (version: 1, "
		    "name: ..., regions: ...), got %s", describe(root, b, sizeof(b)));
		return;
	}
	claim(ctx, 1);
	read_obj(ctx, &cfg_schema_net, root, net);
}
