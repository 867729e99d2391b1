/* Step validation and the HTML safety scan for generated bodies. */
#include "campaign/steps.h"

#include "base/str.h"
#include "campaign/template.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const blocked_tags[] = {"script", "iframe", "object", "embed", "link",
                                           "style",  "meta",   "form",   "base",  "frame",
                                           "frameset", "applet", "svg",  "video", "audio"};
static const char *const blocked_attrs[] = {"src", "srcset", "background", "poster", "formaction",
                                            "action", "data"};

static bool name_in(const char *name, size_t n, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strlen(list[i]) == n && strncasecmp(list[i], name, n) == 0) return true;
    return false;
}

/* Contains needle, case-insensitively, within [s, s+n). */
static bool contains_ci(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (strncasecmp(s + i, needle, m) == 0) return true;
    return false;
}

/* Scans the attributes of one tag, [p, end). */
static bool attrs_safe(const char *p, const char *end, char *why, size_t why_len)
{
    while (p < end) {
        while (p < end && (isspace((unsigned char)*p) || *p == '/')) p++;
        const char *name = p;
        while (p < end && !isspace((unsigned char)*p) && *p != '=' && *p != '/') p++;
        size_t n = (size_t)(p - name);
        const char *value = p, *value_end = p;
        if (p < end && *p == '=') {
            p++;
            char quote = (*p == '"' || *p == '\'') ? *p++ : 0;
            value = p;
            while (p < end && (quote ? *p != quote : !isspace((unsigned char)*p))) p++;
            value_end = p;
            if (quote && p < end) p++;
        }
        if (n == 0) continue;
        if (n > 2 && strncasecmp(name, "on", 2) == 0)
            return snprintf(why, why_len, "event handler attribute '%.*s'", (int)n, name), false;
        if (name_in(name, n, blocked_attrs, sizeof blocked_attrs / sizeof blocked_attrs[0]))
            return snprintf(why, why_len, "external resource attribute '%.*s'", (int)n, name), false;
        size_t vn = (size_t)(value_end - value);
        if (contains_ci(value, vn, "javascript:") || contains_ci(value, vn, "url(") ||
            contains_ci(value, vn, "@import"))
            return snprintf(why, why_len, "unsafe value in attribute '%.*s'", (int)n, name), false;
    }
    return true;
}

bool steps_html_safe(const char *body, char *why, size_t why_len)
{
    for (const char *p = strchr(body, '<'); p; p = strchr(p + 1, '<')) {
        const char *q = p + 1;
        if (*q == '/') q++;
        const char *name = q;
        while (isalnum((unsigned char)*q)) q++;
        size_t n = (size_t)(q - name);
        if (n == 0) continue;
        if (name_in(name, n, blocked_tags, sizeof blocked_tags / sizeof blocked_tags[0]))
            return snprintf(why, why_len, "<%.*s> is not allowed in an email body", (int)n, name),
                   false;
        const char *end = strchr(q, '>');
        if (!end) end = q + strlen(q);
        if (!attrs_safe(q, end, why, why_len)) return false;
    }
    return true;
}

/* optional: a follow-up's subject may be absent or empty ("Re: " + the first one's) */
static bool text_field(const json_t *step, size_t i, const char *name, size_t max, bool safe_html,
                       bool optional, char *why, size_t why_len)
{
    const json_t *v = json_object_get(step, name);
    const char *s = json_string_value(v);
    char detail[200];
    if (optional && (!v || (s && !*s))) return true;
    if (!s || !*s)
        return snprintf(why, why_len, "steps[%zu].%s must be a non-empty string", i, name), false;
    if (strlen(s) > max)
        return snprintf(why, why_len, "steps[%zu].%s is longer than %zu bytes", i, name, max), false;
    if (!tpl_validate(s, detail, sizeof detail))
        return snprintf(why, why_len, "steps[%zu].%s: %s", i, name, detail), false;
    if (safe_html && !steps_html_safe(s, detail, sizeof detail))
        return snprintf(why, why_len, "steps[%zu].%s: %s", i, name, detail), false;
    return true;
}

/* delay_days is an integer or a decimal string (as every integer parameter may be),
 * stored back as the integer; the first step's defaults to 0, the only value it can have. */
static bool delay_field(json_t *step, size_t i, char *why, size_t why_len)
{
    const json_t *v = json_object_get(step, "delay_days");
    int64_t d = 0;
    if (!v && i == 0) {
        json_object_set_new(step, "delay_days", json_integer(0));
        return true;
    }
    if (json_is_integer(v))
        d = (int64_t)json_integer_value(v);
    else if (!json_is_string(v) || !str_parse_int64(json_string_value(v), &d))
        return snprintf(why, why_len, "steps[%zu].delay_days must be an integer", i), false;
    else
        json_object_set_new(step, "delay_days", json_integer((json_int_t)d));
    if (i == 0 && d != 0)
        return snprintf(why, why_len, "steps[0].delay_days must be 0 (the first email goes at launch)"), false;
    if (d < 0 || d > STEP_DELAY_MAX)
        return snprintf(why, why_len, "steps[%zu].delay_days must be between 0 and %d", i,
                        STEP_DELAY_MAX), false;
    return true;
}

bool steps_validate(json_t *steps, size_t expected, bool safe_html, char *why,
                    size_t why_len)
{
    if (!json_is_array(steps)) return snprintf(why, why_len, "steps must be an array"), false;
    size_t n = json_array_size(steps);
    if (expected && n != expected)
        return snprintf(why, why_len, "expected %zu steps, got %zu", expected, n), false;
    if (n == 0) return snprintf(why, why_len, "at least one step is required"), false;
    if (n > STEPS_MAX) return snprintf(why, why_len, "at most %d steps are allowed", STEPS_MAX), false;
    for (size_t i = 0; i < n; i++) {
        json_t *step = json_array_get(steps, i);
        if (!json_is_object(step))
            return snprintf(why, why_len, "steps[%zu] must be an object", i), false;
        if (!text_field(step, i, "subject", STEP_SUBJECT_MAX, false, i > 0, why, why_len) ||
            !text_field(step, i, "body", STEP_BODY_MAX, safe_html, false, why, why_len) ||
            !delay_field(step, i, why, why_len))
            return false;
    }
    return true;
}
