/* robots.txt (RFC 9309): the rules of the group for our user agent (the
 * group naming "leadgen", else "*"), with longest-match Allow/Disallow and
 * the '*' and '$' patterns. Rules live in the caller's arena. */
#ifndef LEADGEN_CRAWL_ROBOTS_H
#define LEADGEN_CRAWL_ROBOTS_H

#include "base/mem.h"

#include <stdbool.h>
#include <stddef.h>

struct robots_rule {
    const char *pattern;
    bool allow;
};

struct robots {
    struct robots_rule *rules;
    size_t count;
};

/* Parses text (any bytes; at most the first 512 KiB are read). */
void robots_parse(const char *text, size_t len, const char *agent, struct arena *a,
                  struct robots *out);
/* True when path (with its query) may be fetched; an empty rule set allows all. */
bool robots_allowed(const struct robots *r, const char *path);

#endif
