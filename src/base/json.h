/* JSON text in an arena: jansson's json_dumps without a malloc'd result, so a
 * handler (or anything holding a request or job arena) never calls free.
 * The text lives as long as the arena. */
#ifndef LEADGEN_BASE_JSON_H
#define LEADGEN_BASE_JSON_H

#include "base/mem.h"

#include <jansson.h>

/* j serialised with jansson's flags (JSON_COMPACT, JSON_ENCODE_ANY, ...),
 * NUL-terminated in a; NULL when jansson cannot encode it (j NULL, or not an
 * array or object without JSON_ENCODE_ANY), as json_dumps. */
char *arena_json_dumps(struct arena *a, const json_t *j, size_t flags);

#endif
