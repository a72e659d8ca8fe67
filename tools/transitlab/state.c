/*
 * transitlab: the state directory of a lab (see lab.h): reading it back, picking
 * the lab a command acts on, small file helpers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "lab.h"

char *
lab_state_dir(const char *name)
{
	return xasprintf("%s/%s", LAB_RUN_DIR, name);
}

char *
lab_read_file(const char *path, size_t max, size_t *lenp)
{
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	buf = xmalloc(max + 1);
	while (len < max && (n = read(fd, buf + len, max - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* First line of a small file, without its newline. */
static char *
read_line(const char *dir, const char *file)
{
	char *path = xasprintf("%s/%s", dir, file), *s;

	s = lab_read_file(path, 4096, NULL);
	free(path);
	if (s != NULL)
		s[strcspn(s, "\n")] = '\0';
	return s;
}

int
lab_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

int
lab_append_line(const char *path, const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(path, "a");

	if (f == NULL)
		return -1;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	return fclose(f);
}

char *
lab_state_pick(const char *name)
{
	DIR *d;
	struct dirent *e;
	char *found = NULL;
	int n = 0;

	if (name != NULL) {
		if (!lab_name_valid(name)) {
			fprintf(stderr, "transitlab: bad lab name '%s' (a-z, 0-9, -)\n", name);
			return NULL;
		}
		return xstrdup(name);
	}
	if ((d = opendir(LAB_RUN_DIR)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.' || !lab_name_valid(e->d_name))
				continue;
			n++;
			free(found);
			found = xstrdup(e->d_name);
		}
		closedir(d);
	}
	if (n == 1)
		return found;
	free(found);
	if (n == 0)
		fprintf(stderr, "transitlab: no lab is up (nothing in %s)\n", LAB_RUN_DIR);
	else
		fprintf(stderr, "transitlab: %d labs are up; say which with --name "
		    "(ls %s)\n", n, LAB_RUN_DIR);
	return NULL;
}

int
lab_load_net(const char *path, const char *name, const char *id,
    struct cfg_net **cfgp, struct lab_plan **planp)
{
	struct cfg_diag d;
	struct cfg_net *c;
	struct lab_plan *p;
	char err[256];

	cfg_diag_init(&d);
	c = cfg_load_file(path, &d);
	if (c == NULL)
		cfg_diag_print(&d, stderr);
	cfg_diag_free(&d);
	if (c == NULL)
		return -1;
	if ((p = lab_plan_new(c, name, id, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", path, err);
		cfg_free(c);
		return -1;
	}
	*cfgp = c;
	*planp = p;
	return 0;
}

int
lab_state_load(const char *name, bool want_cfg, struct lab_state *st)
{
	struct stat sb;

	memset(st, 0, sizeof(*st));
	st->dir = lab_state_dir(name);
	if (stat(st->dir, &sb) == -1) {
		fprintf(stderr, "transitlab: no lab '%s' (%s: %s)\n", name, st->dir,
		    strerror(errno));
		goto fail;
	}
	st->name = read_line(st->dir, "name");
	st->id = read_line(st->dir, "id");
	st->netfile = read_line(st->dir, "netfile");
	if (st->name == NULL || st->id == NULL || st->netfile == NULL) {
		fprintf(stderr, "transitlab: lab '%s' is incomplete (up was interrupted?); "
		    "transitlab down %s\n", name, name);
		goto fail;
	}
	if (want_cfg && lab_load_net(st->netfile, st->name, st->id, &st->cfg,
	    &st->plan) == -1)
		goto fail;
	return 0;
fail:
	lab_state_free(st);
	return -1;
}

void
lab_state_free(struct lab_state *st)
{
	lab_plan_free(st->plan);
	cfg_free(st->cfg);
	free(st->dir);
	free(st->name);
	free(st->id);
	free(st->netfile);
	memset(st, 0, sizeof(*st));
}
