/* Growable byte buffer with a hard cap, for anything that holds outside input.
 * The buffer owns its heap memory; buf_free releases it. Data stays
 * NUL-terminated so text can be used as a C string. */
#ifndef LEADGEN_BASE_BUF_H
#define LEADGEN_BASE_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *data;
    size_t len, cap;
    size_t limit; /* 0 means no limit */
    bool too_big; /* set once an append was refused because of limit */
};

void buf_init(struct buf *b, size_t limit);
void buf_free(struct buf *b);
/* Appends n bytes; returns false (and sets too_big) when limit would be passed. */
bool buf_append(struct buf *b, const void *data, size_t n);
bool buf_puts(struct buf *b, const char *s);
bool buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);

#endif
