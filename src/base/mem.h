/* Allocation helpers that abort on out-of-memory, and a bump arena.
 * Small allocations cannot sensibly fail in a server, so xmalloc aborts; an
 * arena owns everything allocated for one request or job and frees it at once. */
#ifndef LEADGEN_BASE_MEM_H
#define LEADGEN_BASE_MEM_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

struct arena_block;
struct arena {
    struct arena_block *head;
};

void arena_init(struct arena *a);
void arena_cleanup(struct arena *a); /* frees every block; the arena is reusable */
void *arena_alloc(struct arena *a, size_t n); /* zeroed, 16-byte aligned */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_sprintf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vsprintf(struct arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
