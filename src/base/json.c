/* Serialising into an arena: jansson writes once into a scratch buffer, and
 * the text is copied into the arena, so the caller owns nothing to free. */
#include "base/json.h"

#include "base/buf.h"

static int append(const char *text, size_t n, void *data)
{
    return buf_append(data, text, n) ? 0 : -1;
}

char *arena_json_dumps(struct arena *a, const json_t *j, size_t flags)
{
    if (!j) return NULL;
    struct buf text;
    buf_init(&text, 0);
    char *out = NULL;
    if (json_dump_callback(j, append, &text, flags) == 0)
        out = arena_strndup(a, text.data ? text.data : "", text.len);
    buf_free(&text);
    return out;
}
