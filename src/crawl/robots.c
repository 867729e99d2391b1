/* robots.txt parsing and matching. */
#include "crawl/robots.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

enum { ROBOTS_MAX = 512 << 10, RULES_MAX = 2000, PATTERN_MAX = 512 };

/* One line split into a lower-cased field name and a trimmed value (comments cut). */
static bool split_line(const char *line, size_t n, char *field, size_t field_len, const char **value,
                       size_t *value_len)
{
    const char *hash = memchr(line, '#', n);
    if (hash) n = (size_t)(hash - line);
    const char *colon = memchr(line, ':', n);
    if (!colon) return false;
    size_t f = 0;
    for (const char *p = line; p < colon && f + 1 < field_len; p++)
        if (!isspace((unsigned char)*p)) field[f++] = (char)tolower((unsigned char)*p);
    field[f] = '\0';
    const char *v = colon + 1, *end = line + n;
    while (v < end && isspace((unsigned char)*v)) v++;
    while (end > v && isspace((unsigned char)end[-1])) end--;
    *value = v;
    *value_len = (size_t)(end - v);
    return true;
}

struct parse_state {
    bool in_agents;       /* reading the User-agent lines that open a group */
    bool group_is_ours;   /* the current group names our agent */
    bool group_is_star;   /* the current group names "*" */
    bool found_ours;      /* some group named our agent: "*" groups no longer count */
};

static void add_rule(struct robots *out, struct arena *a, size_t *cap, const char *v, size_t n,
                     bool allow)
{
    /* "Disallow:" with no path allows all; absurdly long patterns are ignored */
    if (out->count == RULES_MAX || n == 0 || n > PATTERN_MAX) return;
    if (out->count == *cap) {
        size_t next = *cap ? *cap * 2 : 16;
        struct robots_rule *bigger = arena_alloc(a, next * sizeof *bigger);
        if (out->count) memcpy(bigger, out->rules, out->count * sizeof *bigger);
        out->rules = bigger;
        *cap = next;
    }
    out->rules[out->count++] = (struct robots_rule){arena_strndup(a, v, n), allow};
}

void robots_parse(const char *text, size_t len, const char *agent, struct arena *a,
                  struct robots *out)
{
    struct robots ours = {0}, star = {0};
    size_t ours_cap = 0, star_cap = 0;
    struct parse_state ps = {0};
    if (len > ROBOTS_MAX) len = ROBOTS_MAX;
    for (size_t i = 0; i < len;) {
        size_t n = 0;
        while (i + n < len && text[i + n] != '\n' && text[i + n] != '\r') n++;
        char field[32];
        const char *v;
        size_t vn;
        if (split_line(text + i, n, field, sizeof field, &v, &vn)) {
            if (strcmp(field, "user-agent") == 0) {
                if (!ps.in_agents) ps.group_is_ours = ps.group_is_star = false;
                ps.in_agents = true;
                if (vn == 1 && *v == '*') ps.group_is_star = true;
                else if (vn && strncasecmp(v, agent, vn) == 0 && strlen(agent) == vn)
                    ps.group_is_ours = ps.found_ours = true;
            } else if (strcmp(field, "allow") == 0 || strcmp(field, "disallow") == 0) {
                ps.in_agents = false;
                bool allow = field[0] == 'a';
                if (ps.group_is_ours) add_rule(&ours, a, &ours_cap, v, vn, allow);
                if (ps.group_is_star) add_rule(&star, a, &star_cap, v, vn, allow);
            } else {
                ps.in_agents = false; /* sitemap, crawl-delay, ... end the agent list */
            }
        }
        i += n;
        while (i < len && (text[i] == '\n' || text[i] == '\r')) i++;
    }
    *out = ps.found_ours ? ours : star;
}

/* Whole-string match of p[0..pn) ('*' matches any run) against s: the greedy
 * algorithm with one backtrack point, O(len(p) * len(s)) at worst, so a
 * hostile robots.txt cannot make matching explode. */
static bool glob_full(const char *p, size_t pn, const char *s)
{
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0, sn = strlen(s);
    while (si < sn) {
        if (pi < pn && p[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < pn && p[pi] == s[si]) {
            pi++;
            si++;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (pi < pn && p[pi] == '*') pi++;
    return pi == pn;
}

/* A rule matches a prefix of the path, unless it ends in '$' (then all of it). */
static bool pattern_matches(const char *pat, const char *path)
{
    size_t n = strlen(pat);
    if (n && pat[n - 1] == '$') return glob_full(pat, n - 1, path);
    if (!memchr(pat, '*', n)) return strncmp(pat, path, n) == 0;
    char open[PATTERN_MAX + 2];
    memcpy(open, pat, n);
    open[n] = '*'; /* "prefix" is "followed by anything" */
    return glob_full(open, n + 1, path);
}

bool robots_allowed(const struct robots *r, const char *path)
{
    size_t best = 0;
    bool allowed = true;
    for (size_t i = 0; i < r->count; i++) {
        size_t n = strlen(r->rules[i].pattern);
        if (!pattern_matches(r->rules[i].pattern, path)) continue;
        /* the longest match wins; on a tie, Allow wins (RFC 9309 2.2.2) */
        if (n > best || (n == best && r->rules[i].allow)) {
            best = n;
            allowed = r->rules[i].allow;
        }
    }
    return allowed;
}
