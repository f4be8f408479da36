/* Growable byte buffer, always NUL-terminated. An allocation failure sticks
 * in `failed` so callers can append freely and check once at the end. */
#ifndef SERVER_STUB_BUF_H
#define SERVER_STUB_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	int failed;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
int buf_append(struct buf *b, const void *bytes, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
