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
    if (a->weight != b->weight) return b->weight - a->weight;
    if (a->paired != b->paired) return b->paired - a->paired;
    return patterns[b->pattern].prior - patterns[a->pattern].prior;
}

int finder_rank_samples(const struct finder_sample *samples, size_t n, struct finder_rank *out) {
    for (int i = 0; i < PATTERN_COUNT; i++)
        out[i] = (struct finder_rank){.pattern = i};
    int total = 0;
    for (size_t i = 0; i < n; i++) {
        bool paired = samples[i].paired >= 0 && samples[i].paired < PATTERN_COUNT;
        int p = paired ? samples[i].paired : finder_classify(samples[i].local);
        if (p < 0) continue;
        int w = paired ? FINDER_WEIGHT_PAIRED : FINDER_WEIGHT_ADDRESS;
        out[p].count++;
        out[p].paired += paired;
        out[p].weight += w;
        total += w;
    }
    qsort(out, PATTERN_COUNT, sizeof *out, by_evidence);
    return total;
}

size_t finder_rank_patterns(const char *const *locals, size_t n, struct finder_rank *out) {
    struct finder_sample *samples = xcalloc(n ? n : 1, sizeof *samples);
    for (size_t i = 0; i < n; i++)
        samples[i] = (struct finder_sample){locals[i], -1};
    int total = finder_rank_samples(samples, n, out);
    free(samples);
    return (size_t)total;
}

/* The words of a name as written, folded: first, middle initial (when a
 * capitalised word or an initial sits between), last (the rest joined,
 * particles included: "van der Berg" -> vanderberg). */
static bool split_name(const char *person, struct finder_name *name, struct arena *a) {
    const char *words[8];
    size_t n = 0;
    char *copy = arena_strdup(a, person);
    for (char *save = NULL, *w = strtok_r(copy, " \t", &save); w && n < 8;
         w = strtok_r(NULL, " \t", &save)) {
        const char *ascii = finder_name_ascii(w, a);
        bool title = ascii && (!strcmp(ascii, "dr") || !strcmp(ascii, "prof") ||
                               !strcmp(ascii, "mr") || !strcmp(ascii, "mrs") ||
                               !strcmp(ascii, "ms"));
        if (ascii && !(n == 0 && title)) words[n++] = w;
    }
    if (n < 2) return false;
    name->first = finder_name_ascii(words[0], a);
    name->middle = NULL;
    size_t from = 1;
    bool middle = n >= 3 && ((words[1][0] >= 'A' && words[1][0] <= 'Z') ||
                             (unsigned char)words[1][0] >= 0x80);
    if (middle) name->middle = finder_name_ascii(words[1], a), from = 2;
    char *last = arena_strdup(a, "");
    for (size_t i = from; i < n; i++)
        last = arena_sprintf(a, "%s%s%s", last, *last ? "-" : "", finder_name_ascii(words[i], a));
    /* particles are joined on, as finder_name_ascii joins "van der Berg" */
    if (from < n && !((words[from][0] >= 'A' && words[from][0] <= 'Z') ||
                      (unsigned char)words[from][0] >= 0x80)) {
        char *w = last;
        for (const char *r = last; *r; r++)
            if (*r != '-') *w++ = *r;
        *w = '\0';
    }
    name->last = last;
    return name->first && *last;
}

int finder_pair_pattern(const char *person, const char *local, struct arena *a) {
    struct finder_name name;
    if (!person || !*person || !local || !split_name(person, &name, a)) return -1;
    /* the name as written, its compound last name joined, then its first part */
    struct finder_name variants[3] = {name, name, name};
    char *joined = arena_strdup(a, name.last), *w = joined;
    for (const char *r = name.last; *r; r++)
        if (*r != '-') *w++ = *r;
    *w = '\0';
    variants[1].last = joined;
    variants[2].last = arena_strndup(a, name.last, strcspn(name.last, "-"));
    for (int p = 0; p < PATTERN_COUNT; p++)
        for (size_t v = 0; v < 3; v++) {
            const char *r = finder_render(patterns[p].name, &variants[v], a);
            if (r && strcmp(r, local) == 0) return p;
        }
    return -1;
}

/* Evidence strength 0-1: the pattern's share of the addresses read, damped
 * while there are fewer than three of them. */
static double strength(int pattern_count, size_t classified) {
    if (classified == 0) return 0;
    double share = (double)pattern_count / (double)classified;
    double amount = classified >= 3 ? 1.0 : (double)classified / 3.0;
    return share * amount;
}

int finder_confidence(int pattern_weight, size_t total_weight, enum finder_check check) {
    double e = strength(pattern_weight, total_weight);
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
