/*
 * buf: bounded reader and writer (see buf.h).
 */
#include <string.h>

#include "common/buf.h"

void
buf_reader_init(struct buf_reader *r, const void *p, size_t len)
{
	r->p = p;
	r->len = p == NULL ? 0 : len;
	r->err = false;
}

size_t
buf_left(const struct buf_reader *r)
{
	return r->err ? 0 : r->len;
}

bool
buf_ok(const struct buf_reader *r)
{
	return !r->err;
}

/* Take n bytes off the front, or latch the error and take nothing. */
static const uint8_t *
take(struct buf_reader *r, size_t n)
{
	const uint8_t *p;

	if (r->err || n > r->len) {
		r->err = true;
		return NULL;
	}
	p = r->p;
	r->p += n;
	r->len -= n;
	return p;
}

int
buf_get_u8(struct buf_reader *r, uint8_t *v)
{
	const uint8_t *p = take(r, 1);

	if (p == NULL)
		return -1;
	*v = p[0];
	return 0;
}

int
buf_get_u16(struct buf_reader *r, uint16_t *v)
{
	const uint8_t *p = take(r, 2);

	if (p == NULL)
		return -1;
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return 0;
}

int
buf_get_u32(struct buf_reader *r, uint32_t *v)
{
	const uint8_t *p = take(r, 4);

	if (p == NULL)
		return -1;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return 0;
}

int
buf_get_u64(struct buf_reader *r, uint64_t *v)
{
	uint32_t hi, lo;

	if (buf_get_u32(r, &hi) == -1 || buf_get_u32(r, &lo) == -1)
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int
buf_get_bytes(struct buf_reader *r, void *out, size_t n)
{
	const uint8_t *p = take(r, n);

	if (p == NULL)
		return -1;
	if (n > 0)
		memcpy(out, p, n);
	return 0;
}

int
buf_get_ptr(struct buf_reader *r, const uint8_t **out, size_t n)
{
	const uint8_t *p = take(r, n);

	if (p == NULL)
		return -1;
	*out = p;
	return 0;
}

int
buf_get_sub(struct buf_reader *r, struct buf_reader *sub, size_t n)
{
	const uint8_t *p = take(r, n);

	if (p == NULL) {
		buf_reader_init(sub, NULL, 0);
		sub->err = true;
		return -1;
	}
	buf_reader_init(sub, p, n);
	return 0;
}

int
buf_skip(struct buf_reader *r, size_t n)
{
	return take(r, n) == NULL ? -1 : 0;
}

int
buf_peek_u8(const struct buf_reader *r, uint8_t *v)
{
	if (r->err || r->len < 1)
		return -1;
	*v = r->p[0];
	return 0;
}

void
buf_writer_init(struct buf_writer *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = p == NULL ? 0 : cap;
	w->len = 0;
	w->err = false;
}

bool
buf_wok(const struct buf_writer *w)
{
	return !w->err;
}

/* Room for n more bytes, or latch the error. */
static uint8_t *
room(struct buf_writer *w, size_t n)
{
	uint8_t *p;

	if (w->err || n > w->cap - w->len) {
		w->err = true;
		return NULL;
	}
	p = w->p + w->len;
	w->len += n;
	return p;
}

int
buf_put_u8(struct buf_writer *w, uint8_t v)
{
	uint8_t *p = room(w, 1);

	if (p == NULL)
		return -1;
	p[0] = v;
	return 0;
}

int
buf_put_u16(struct buf_writer *w, uint16_t v)
{
	uint8_t *p = room(w, 2);

	if (p == NULL)
		return -1;
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 0;
}

int
buf_put_u32(struct buf_writer *w, uint32_t v)
{
	uint8_t *p = room(w, 4);

	if (p == NULL)
		return -1;
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 0;
}

int
buf_put_u64(struct buf_writer *w, uint64_t v)
{
	if (buf_put_u32(w, (uint32_t)(v >> 32)) == -1)
		return -1;
	return buf_put_u32(w, (uint32_t)v);
}

int
buf_put_bytes(struct buf_writer *w, const void *src, size_t n)
{
	uint8_t *p = room(w, n);

	if (p == NULL)
		return -1;
	if (n > 0)
		memcpy(p, src, n);
	return 0;
}

int
buf_put_zero(struct buf_writer *w, size_t n)
{
	uint8_t *p = room(w, n);

	if (p == NULL)
		return -1;
	memset(p, 0, n);
	return 0;
}

long
buf_reserve(struct buf_writer *w, size_t n)
{
	size_t off = w->len;

	if (buf_put_zero(w, n) == -1)
		return -1;
	return (long)off;
}

int
buf_patch_u16(struct buf_writer *w, size_t off, uint16_t v)
{
	if (w->err || off > w->len || w->len - off < 2)
		return -1;
	w->p[off] = (uint8_t)(v >> 8);
	w->p[off + 1] = (uint8_t)v;
	return 0;
}

int
buf_patch_u32(struct buf_writer *w, size_t off, uint32_t v)
{
	if (w->err || off > w->len || w->len - off < 4)
		return -1;
	w->p[off] = (uint8_t)(v >> 24);
	w->p[off + 1] = (uint8_t)(v >> 16);
	w->p[off + 2] = (uint8_t)(v >> 8);
	w->p[off + 3] = (uint8_t)v;
	return 0;
}
