/*
 * cfg_impl: internals shared by the config stages.  The schema of the network file
 * is a table of field descriptors per object kind (cfg_schema.c); the YAML reader
 * (cfg_yaml.c), the printer (cfg_print.c) and the model compare/free (cfg_model.c)
 * all walk the same tables, so key order, types and defaults live in one place.
 */
#ifndef TRANSIT_CFG_IMPL_H
#define TRANSIT_CFG_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cfg.h"

enum cfg_ftype {
	FT_STR,		/* char *, any scalar */
	FT_NAME,	/* char *, name syntax */
	FT_U32,		/* uint32_t within [min, max] */
	FT_DBL,		/* double within [min, max] */
	FT_BOOL,	/* bool */
	FT_ENUM,	/* int: index into enums[] */
	FT_PREFIX,	/* struct prefix */
	FT_ADDR,	/* struct ipaddr */
	FT_REF,		/* struct cfg_ref */
	FT_REFLIST,	/* struct cfg_ref *, size_t */
	FT_PFXLIST,	/* struct cfg_prefix *, size_t */
	FT_ADDRLIST,	/* struct cfg_addr *, size_t */
	FT_LIST,	/* array of sub objects, size_t */
	FT_OBJ,		/* embedded sub object */
};

/* field flags */
#define FF_REQ		0x01	/* required */
#define FF_TGW		0x02	/* hub kind tgw only */
#define FF_CEN		0x04	/* hub kind cen only */
#define FF_KINDS	(FF_TGW | FF_CEN)
#define FF_PRINTDEF	0x08	/* print even when at the default */
#define FF_JOIN		0x10	/* FT_STR: a list of scalars is read joined by ',' */

struct cfg_schema;

struct cfg_field {
	const char	*key;
	enum cfg_ftype	 type;
	unsigned	 flags;
	size_t		 off;
	size_t		 cnt_off;	/* lists */
	size_t		 set_off;	/* bool "key given"; 0 = none */
	size_t		 loc_off;	/* struct cfg_loc of the value; 0 = none */
	int64_t		 min, max;	/* FT_U32 */
	double		 dmin, dmax;	/* FT_DBL */
	int64_t		 def;		/* FT_U32 / FT_BOOL / FT_ENUM default */
	double		 ddef;		/* FT_DBL default */
	const char	*sdef;		/* FT_STR / FT_NAME default */
	const char *const *enums;	/* FT_ENUM, NULL terminated */
	const struct cfg_schema *sub;	/* FT_LIST / FT_OBJ */
	const char	*what;		/* a noun for messages ("region name") */
};

struct cfg_schema {
	const char	*what;		/* "vpc", "tunnel", ... */
	size_t		 size;
	const struct cfg_field *fields;
	size_t		 nfields;
	int		 kind_field;	/* index of the field selecting FF_TGW/FF_CEN; -1 */
	size_t		 implicit_off;	/* bool: item made up by the loader, not printed */
};

extern const struct cfg_schema cfg_schema_net;

/* Loader context. */
struct cfg_ctx {
	struct cfg_diag	*diag;
	const char	*file;
	struct yaml_document_s *doc;
	unsigned char	*seen;		/* per node: already read (alias guard) */
	size_t		 nnodes;
	const char	*basedir;	/* for relative psk_file, may be NULL */
};

void	cfg_err(struct cfg_ctx *, struct cfg_loc, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	cfg_warn(struct cfg_ctx *, struct cfg_loc, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* cfg_yaml.c: read the document root into a struct cfg_net. */
void	cfg_read_net(struct cfg_ctx *, struct cfg_net *);
void	cfg_set_defaults(const struct cfg_schema *, void *obj);
bool	cfg_name_ok(const char *);

/* cfg_model.c */
void	cfg_obj_free(const struct cfg_schema *, void *obj);
bool	cfg_obj_equal(const struct cfg_schema *, const void *, const void *);

/* cfg_validate*.c */
struct cfg_name {
	const char	*name;
	enum cfg_kind	 kind;
	struct cfg_loc	 loc;
	void		*ptr;
};

struct cfg_vctx {
	struct cfg_ctx	*ctx;
	struct cfg_net	*net;
	struct cfg_name	*names;		/* the global name space */
	size_t		 nnames;
	size_t		 cap;
};

#define KB(k)	(1u << (k))

void	cfg_validate(struct cfg_ctx *, struct cfg_net *);
/* Resolve a reference that must name an object of one of the `kinds` (KB() bits);
 * reports undefined / wrong-kind names with a did-you-mean.  A NULL name is left
 * alone (a missing required key was reported by the reader). */
bool	cfg_resolve(struct cfg_vctx *, struct cfg_ref *, unsigned kinds, const char *role);
const struct cfg_name *cfg_vname(const struct cfg_vctx *, const char *);
void	cfg_validate_gateways(struct cfg_vctx *);	/* vpn gateways, connection sides */
void	cfg_validate_connections(struct cfg_vctx *);	/* tunnels, AWS rules */
void	cfg_validate_misc(struct cfg_vctx *);		/* nodes, shares, expect */

#define FIELD_PTR(obj, off, type)	((type *)(void *)((char *)(obj) + (off)))
#define FIELD_CPTR(obj, off, type)	((type const *)(const void *)((const char *)(obj) + (off)))

#endif
