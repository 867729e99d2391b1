/* Address patterns: the table, rendering a name with one, reading which one
 * an address seen was written with, ranking them by that evidence, and the
 * confidence of an answer. Pure functions. */
#include "finder/finder.h"

#include "verify/lists.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The prior is a rough order of how often companies use each pattern. */
static const struct finder_pattern patterns[] = {
    {"{first}.{last}", 100},    {"{f}{last}", 90},    {"{first}", 80},    {"{first}{last}", 70},
    {"{first}_{last}", 60},     {"{f}.{last}", 55},   {"{first}{l}", 50}, {"{last}.{first}", 45},
    {"{first}-{last}", 40},     {"{last}{f}", 35},    {"{last}", 30},     {"{f}{l}", 20},
    {"{first}.{m}.{last}", 15}, {"{f}{m}{last}", 10},
};
enum { PATTERN_COUNT = sizeof patterns / sizeof patterns[0] };

const struct finder_pattern *finder_patterns(size_t *count) {
    *count = PATTERN_COUNT;
    return patterns;
}

static int pattern_index(const char *name) {
    for (int i = 0; i < PATTERN_COUNT; i++)
        if (strcmp(patterns[i].name, name) == 0) return i;
    return -1;
}

const char *finder_render(const char *pattern, const struct finder_name *name, struct arena *a) {
    char out[320];
    size_t n = 0;
    for (const char *p = pattern; *p && n < sizeof out - 1;) {
        const char *value = NULL;
        size_t take = 0;
        if (*p == '{') {
            const char *close = strchr(p, '}');
            size_t len = close ? (size_t)(close - p - 1) : 0;
            if (len == 5 && strncmp(p + 1, "first", 5) == 0)
                value = name->first, take = 0;
            else if (len == 4 && strncmp(p + 1, "last", 4) == 0)
                value = name->last, take = 0;
            else if (len == 1 && p[1] == 'f')
                value = name->first, take = 1;
            else if (len == 1 && p[1] == 'l')
                value = name->last, take = 1;
            else if (len == 1 && p[1] == 'm')
                value = name->middle, take = 1;
            if (!value || !*value) return NULL;
            size_t vlen = take ? 1 : strlen(value);
            if (n + vlen >= sizeof out) return NULL;
            memcpy(out + n, value, vlen), n += vlen;
            p = close + 1;
            continue;
        }
        out[n++] = *p++;
    }
    out[n] = '\0';
    return arena_strdup(a, out);
}

static bool all_letters(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] < 'a' || s[i] > 'z') return false;
    return n > 0;
}

/* One word: a given name alone, with a last initial or a last name after it,
 * else an initial and a last name. */
static int classify_word(const char *w, size_t n) {
    if (finder_is_given_name(w, n)) return pattern_index("{first}");
    for (size_t k = n - 1; k >= 2; k--) {
        if (!finder_is_given_name(w, k)) continue;
        return pattern_index(n - k == 1 ? "{first}{l}" : "{first}{last}");
    }
    if (n >= 4 && finder_is_given_name(w + 1, n - 1)) return -1; /* a given name, not a last */
    return n >= 4 ? pattern_index("{f}{last}") : -1;
}

int finder_classify(const char *local) {
    size_t n = strlen(local);
    if (n == 0 || n > 64 || verify_is_role(local)) return -1;
    size_t cut = strcspn(local, "._-");
    if (cut == n) return all_letters(local, n) ? classify_word(local, n) : -1;
    char sep = local[cut];
    const char *second = local + cut + 1;
    size_t rest = strlen(second), cut2 = strcspn(second, "._-");
    if (cut2 < rest) { /* three parts: first.m.last */
        bool middle = cut2 == 1 && second[1] == '.' && sep == '.';
        return middle && all_letters(local, cut) && all_letters(second + 2, rest - 2)
                   ? pattern_index("{first}.{m}.{last}")
                   : -1;
    }
    if (!all_letters(local, cut) || !all_letters(second, rest)) return -1;
    if (cut == 1 && rest >= 2 && sep == '.') return pattern_index("{f}.{last}");
    if (cut < 2 || rest < 2) return -1;
    bool reversed = finder_is_given_name(second, rest) && !finder_is_given_name(local, cut);
    if (sep == '.') return pattern_index(reversed ? "{last}.{first}" : "{first}.{last}");
    if (reversed) return -1;
    return pattern_index(sep == '_' ? "{first}_{last}" : "{first}-{last}");
}

static int by_evidence(const void *x, const void *y) {
    const struct finder_rank *a = x, *b = y;
    if (a->count != b->count) return b->count - a->count;
    return patterns[b->pattern].prior - patterns[a->pattern].prior;
}

size_t finder_rank_patterns(const char *const *locals, size_t n, struct finder_rank *out) {
    for (int i = 0; i < PATTERN_COUNT; i++)
        out[i] = (struct finder_rank){.pattern = i};
    size_t classified = 0;
    for (size_t i = 0; i < n; i++) {
        int p = finder_classify(locals[i]);
        if (p < 0) continue;
        out[p].count++;
        classified++;
    }
    qsort(out, PATTERN_COUNT, sizeof *out, by_evidence);
    return classified;
}

/* Evidence strength 0-1: the pattern's share of the addresses read, damped
 * while there are fewer than three of them. */
static double strength(int pattern_count, size_t classified) {
    if (classified == 0) return 0;
    double share = (double)pattern_count / (double)classified;
    double amount = classified >= 3 ? 1.0 : (double)classified / 3.0;
    return share * amount;
}

int finder_confidence(int pattern_count, size_t classified, enum finder_check check) {
    double e = strength(pattern_count, classified);
    switch (check) {
    case FINDER_VERIFIED:
        return 90 + (int)(9 * e + 0.5); /* 90-99 */
    case FINDER_CATCH_ALL:
        return 10 + (int)(70 * e + 0.5); /* 10-80, never 100 */
    case FINDER_UNVERIFIED:
        return 5 + (int)(60 * e + 0.5); /* 5-65 */
    }
    return 0;
}
