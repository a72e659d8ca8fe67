/*
 * buf: the bounded cursor through which every untrusted byte is read, and the bounded
 * writer through which every wire message is built (style.md, practices 1 and 7).
 *
 * A reader never reads past its end: each get fails (returns -1 and latches the
 * cursor's error flag) when too few bytes are left, and a failed cursor keeps failing,
 * so a parser may check once at the end of a block.  Integers are network byte order.
 * A writer has a hard capacity; a put that does not fit latches the error flag and
 * writes nothing.
 */
#ifndef TRANSIT_BUF_H
#define TRANSIT_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct buf_reader {
	const uint8_t	*p;
	size_t		 len;	/* bytes left */
	bool		 err;
};

struct buf_writer {
	uint8_t		*p;
	size_t		 cap;
	size_t		 len;	/* bytes written */
	bool		 err;
};

void	buf_reader_init(struct buf_reader *, const void *, size_t);
size_t	buf_left(const struct buf_reader *);
bool	buf_ok(const struct buf_reader *);
int	buf_get_u8(struct buf_reader *, uint8_t *);
int	buf_get_u16(struct buf_reader *, uint16_t *);
int	buf_get_u32(struct buf_reader *, uint32_t *);
int	buf_get_u64(struct buf_reader *, uint64_t *);
int	buf_get_bytes(struct buf_reader *, void *, size_t);
/* Borrow n bytes without copying; *out points into the reader's buffer. */
int	buf_get_ptr(struct buf_reader *, const uint8_t **, size_t);
/* Split off the next n bytes as their own reader (a length-prefixed block). */
int	buf_get_sub(struct buf_reader *, struct buf_reader *, size_t);
int	buf_skip(struct buf_reader *, size_t);
int	buf_peek_u8(const struct buf_reader *, uint8_t *);

void	buf_writer_init(struct buf_writer *, void *, size_t);
bool	buf_wok(const struct buf_writer *);
int	buf_put_u8(struct buf_writer *, uint8_t);
int	buf_put_u16(struct buf_writer *, uint16_t);
int	buf_put_u32(struct buf_writer *, uint32_t);
int	buf_put_u64(struct buf_writer *, uint64_t);
int	buf_put_bytes(struct buf_writer *, const void *, size_t);
int	buf_put_zero(struct buf_writer *, size_t);
/* Reserve n bytes to fill later (a length field); returns the offset or -1. */
long	buf_reserve(struct buf_writer *, size_t);
int	buf_patch_u16(struct buf_writer *, size_t, uint16_t);
int	buf_patch_u32(struct buf_writer *, size_t, uint32_t);

#endif
