/*
 * cfg_load: the entry points.  Reads the bytes, runs libyaml twice - an event pass
 * that reports syntax errors and refuses aliases (they would let a small file expand
 * into a huge one), then the document pass that cfg_yaml.c walks - and validates.
 * Any error means NULL: a daemon keeps its running model (design.md, reload).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "common/log.h"
#include "common/util.h"
#include "config/cfg.h"
#include "config/cfg_impl.h"

#define CFG_MAX_FILE	(16u << 20)	/* a network file is kilobytes; refuse junk */

static void
syntax_error(struct cfg_ctx *ctx, const yaml_parser_t *p, const char *buf, size_t len)
{
	struct cfg_loc l;
	size_t idx = p->problem_mark.index;

	l.line = (int)p->problem_mark.line + 1;
	l.col = (int)p->problem_mark.column + 1;
	if (p->error == YAML_READER_ERROR) {
		cfg_err(ctx, l, "the file is not valid UTF-8 text (%s at byte %zu)",
		    p->problem != NULL ? p->problem : "bad byte", p->problem_offset);
		return;
	}
	if (idx < len && buf[idx] == '\t' && p->problem != NULL &&
	    strstr(p->problem, "cannot start any token") != NULL) {
		cfg_err(ctx, l, "tab character in indentation; YAML indents with spaces only");
		return;
	}
	if (p->context != NULL)
		cfg_err(ctx, l, "YAML syntax error: %s %s that starts at line %d; check "
		    "quotes, brackets and indentation", p->problem != NULL ? p->problem :
		    "error", p->context, (int)p->context_mark.line + 1);
	else
		cfg_err(ctx, l, "YAML syntax error: %s", p->problem != NULL ? p->problem :
		    "error");
}

/* Event pass: syntax, aliases, more than one document. */
static bool
prescan(struct cfg_ctx *ctx, const char *buf, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct cfg_loc l;
	int docs = 0;
	bool ok = true, done = false;

	if (!yaml_parser_initialize(&p))
		fatalx("yaml_parser_initialize");
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			syntax_error(ctx, &p, buf, len);
			ok = false;
			break;
		}
		l.line = (int)ev.start_mark.line + 1;
		l.col = (int)ev.start_mark.column + 1;
		switch (ev.type) {
		case YAML_ALIAS_EVENT:
			cfg_err(ctx, l, "YAML aliases (*%.40s) are not supported; write the "
			    "value out", (const char *)ev.data.alias.anchor);
			ok = false;
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs == 2) {
				cfg_err(ctx, l, "a second YAML document; a network file holds "
				    "exactly one");
				ok = false;
				done = true;
			}
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return ok;
}

static struct cfg_net *
load(const char *name, const char *basedir, const char *buf, size_t len,
    struct cfg_diag *diag)
{
	struct cfg_ctx ctx;
	struct cfg_net *net;
	yaml_parser_t p;
	yaml_document_t doc;
	size_t before = diag->nerrors;

	memset(&ctx, 0, sizeof(ctx));
	ctx.diag = diag;
	ctx.file = name;
	ctx.basedir = basedir;
	if (!prescan(&ctx, buf, len))
		return NULL;
	if (!yaml_parser_initialize(&p))
		fatalx("yaml_parser_initialize");
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&p, &doc)) {
		syntax_error(&ctx, &p, buf, len);
		yaml_parser_delete(&p);
		return NULL;
	}
	yaml_parser_delete(&p);
	ctx.doc = &doc;
	ctx.nnodes = (size_t)(doc.nodes.top - doc.nodes.start);
	ctx.seen = xcalloc(ctx.nnodes + 1, 1);
	net = xcalloc(1, sizeof(*net));
	net->file = xstrdup(name);
	cfg_read_net(&ctx, net);
	yaml_document_delete(&doc);
	free(ctx.seen);
	ctx.doc = NULL;
	cfg_validate(&ctx, net);
	if (diag->nerrors != before) {
		cfg_free(net);
		return NULL;
	}
	return net;
}

struct cfg_net *
cfg_load_buffer(const char *name, const char *buf, size_t len, struct cfg_diag *diag)
{
	return load(name != NULL ? name : "-", NULL, buf, len, diag);
}

struct cfg_net *
cfg_load_file(const char *path, struct cfg_diag *diag)
{
	struct cfg_loc none = { 0, 0 };
	struct cfg_net *net = NULL;
	struct stat st;
	char *buf = NULL, *dir = NULL;
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		cfg_diag_add(diag, path, none, false, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (uintmax_t)st.st_size > CFG_MAX_FILE) {
		cfg_diag_add(diag, path, none, false, "not a regular file of at most %u "
		    "bytes", CFG_MAX_FILE);
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			cfg_diag_add(diag, path, none, false, "cannot read: %s",
			    n == 0 ? "file shrank" : strerror(errno));
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	dir = xstrdup(path);
	net = load(path, dirname(dir), buf, got, diag);
out:
	close(fd);
	free(buf);
	free(dir);
	return net;
}
