/* Sending windows: the spec parser (grammar in window.h), then the two clock questions, answered
 * by an ICU calendar in the account's zone. The next opening is found by jumping from one
 * possible change to the next (a window start, local midnight or a zone transition). */
#include "campaign/window.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unicode/ucal.h>
#include <unicode/uenum.h>
#include <unicode/ustring.h>

#define DAY_HINT "use Mon, Tue, Wed, Thu, Fri, Sat, Sun or daily"
#define EXAMPLE "e.g. \"Mon-Fri 08:00-17:30\""

enum { ALL_DAYS = 0x7f, DAY_SECONDS = 86400, QUOTE_MAX = 60, MAX_STEPS = 1000 };

/* Indexed like window_span.days bits. */
static const char *const day_names[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

/* One window of the spec being parsed; messages quote it. */
struct cursor {
    const char *seg;
    int seg_len;
    const char *p, *end;
    struct err *err;
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void skip_blanks(struct cursor *c)
{
    while (c->p < c->end && is_blank(*c->p))
        c->p++;
}

static bool at_end(const struct cursor *c)
{
    return c->p >= c->end;
}

/* Records `window "<text>": <what>`, text cut to QUOTE_MAX bytes with "..." when longer. */
static enum rc fail_quoting(struct err *err, const char *text, size_t len, const char *what)
{
    int shown = len > QUOTE_MAX ? QUOTE_MAX : (int)len;
    return err_set(err, RC_INVALID, "window \"%.*s%s\": %s", shown, text,
                   len > QUOTE_MAX ? "..." : "", what);
}

static enum rc fail(const struct cursor *c, const char *what)
{
    return fail_quoting(c->err, c->seg, (size_t)c->seg_len, what);
}

/* Length of the token at p: up to a blank, or also a '-' when stop_at_dash. */
static int token_len(const struct cursor *c, const char *p, bool stop_at_dash)
{
    const char *q = p;
    while (q < c->end && !is_blank(*q) && !(stop_at_dash && *q == '-'))
        q++;
    int n = (int)(q - p);
    return n < QUOTE_MAX ? n : QUOTE_MAX;
}

static enum rc parse_day(struct cursor *c, int *day)
{
    char why[160];
    const char *name = c->p;
    while (c->p < c->end && is_alpha(*c->p))
        c->p++;
    size_t n = (size_t)(c->p - name);
    if (n == 0 && (name == c->seg || (!at_end(c) && !is_blank(*name))))
        snprintf(why, sizeof why, "expected a day at \"%.*s\" (" DAY_HINT ")",
                 token_len(c, name, false), name);
    else if (n == 0)
        snprintf(why, sizeof why, "expected a day after \"%c\" (" DAY_HINT ")", name[-1]);
    if (n == 0) return fail(c, why);
    for (int d = 0; d < 7; d++) {
        if (n == 3 && strncasecmp(name, day_names[d], 3) == 0) {
            *day = d;
            return RC_OK;
        }
    }
    if (n == 5 && strncasecmp(name, "daily", 5) == 0)
        return fail(c, "\"daily\" cannot be combined with other days");
    snprintf(why, sizeof why, "unknown day \"%.*s\" (" DAY_HINT ")",
             (int)(n < QUOTE_MAX ? n : QUOTE_MAX), name);
    return fail(c, why);
}

/* A day or a range of days (wrapping past Sunday) into the bit set *days. */
static enum rc parse_day_item(struct cursor *c, uint8_t *days)
{
    int first, last;
    if (parse_day(c, &first) != RC_OK) return RC_INVALID;
    last = first;
    if (!at_end(c) && *c->p == '-') {
        c->p++;
        if (parse_day(c, &last) != RC_OK) return RC_INVALID;
    }
    for (int d = first;; d = (d + 1) % 7) {
        *days = (uint8_t)(*days | 1u << d);
        if (d == last) break;
    }
    return RC_OK;
}

static enum rc parse_days(struct cursor *c, uint8_t *days)
{
    *days = 0;
    if (c->end - c->p >= 5 && strncasecmp(c->p, "daily", 5) == 0 &&
        (c->end - c->p == 5 || !is_alpha(c->p[5]))) {
        c->p += 5;
        if (!at_end(c) && (*c->p == ',' || *c->p == '-'))
            return fail(c, "\"daily\" cannot be combined with other days");
        *days = ALL_DAYS;
        return RC_OK;
    }
    for (;;) {
        if (parse_day_item(c, days) != RC_OK) return RC_INVALID;
        if (at_end(c) || *c->p != ',') return RC_OK;
        c->p++;
        skip_blanks(c);
    }
}

/* H[H]:MM into minutes after midnight; 24:00 only when is_end. */
static enum rc parse_time(struct cursor *c, bool is_end, int *minutes)
{
    char why[160];
    const char *t = c->p;
    int n = token_len(c, t, !is_end);
    int colon = (n >= 2 && t[1] == ':') ? 1 : (n >= 3 && t[2] == ':') ? 2 : 0;
    bool shaped = colon > 0 && n == colon + 3;
    for (int i = 0; shaped && i < n; i++)
        shaped = i == colon || is_digit(t[i]);
    if (!shaped) {
        if (n == 0 && !is_end) return fail(c, "missing hours after the days (" EXAMPLE ")");
        if (n == 0) return fail(c, "missing the end time after \"-\" (want HH:MM)");
        snprintf(why, sizeof why, "bad %s time \"%.*s\" (want HH:MM, 24-hour)",
                 is_end ? "end" : "start", n, t);
        return fail(c, why);
    }
    int hour = colon == 1 ? t[0] - '0' : (t[0] - '0') * 10 + (t[1] - '0');
    int minute = (t[colon + 1] - '0') * 10 + (t[colon + 2] - '0');
    if (hour > 24 || minute > 59 || (hour == 24 && minute != 0)) {
        snprintf(why, sizeof why, "time \"%.*s\" is out of range (00:00 to 24:00)", n, t);
        return fail(c, why);
    }
    if (hour == 24 && !is_end) {
        snprintf(why, sizeof why, "a window cannot start at \"%.*s\"", n, t);
        return fail(c, why);
    }
    c->p += n;
    *minutes = hour * 60 + minute;
    return RC_OK;
}

static enum rc parse_hours(struct cursor *c, struct window_span *span)
{
    char why[200];
    const char *start_tok = c->p;
    int start, end;
    if (parse_time(c, false, &start) != RC_OK) return RC_INVALID;
    int start_len = (int)(c->p - start_tok);
    if (at_end(c) || *c->p != '-') {
        snprintf(why, sizeof why, "expected \"-\" and an end time after \"%.*s\"", start_len,
                 start_tok);
        return fail(c, why);
    }
    c->p++;
    const char *end_tok = c->p;
    if (parse_time(c, true, &end) != RC_OK) return RC_INVALID;
    if (end <= start) {
        snprintf(why, sizeof why, "end \"%.*s\" is not after start \"%.*s\"", (int)(c->p - end_tok),
                 end_tok, start_len, start_tok);
        return fail(c, why);
    }
    span->start_min = (uint16_t)start;
    span->end_min = (uint16_t)end;
    return RC_OK;
}

/* One "days hours" window, seg_len bytes at seg, already trimmed and non-empty. */
static enum rc parse_span(const char *seg, int seg_len, struct window_span *span, struct err *err)
{
    struct cursor c = {seg, seg_len, seg, seg + seg_len, err};
    char why[160];
    if (parse_days(&c, &span->days) != RC_OK) return RC_INVALID;
    if (at_end(&c)) return fail(&c, "missing hours after the days (" EXAMPLE ")");
    if (!is_blank(*c.p)) {
        snprintf(why, sizeof why, "expected a space between the days and the hours, at \"%.*s\"",
                 token_len(&c, c.p, false), c.p);
        return fail(&c, why);
    }
    skip_blanks(&c);
    if (parse_hours(&c, span) != RC_OK) return RC_INVALID;
    skip_blanks(&c);
    if (!at_end(&c)) {
        snprintf(why, sizeof why,
                 "unexpected \"%.*s\" after the hours (separate windows with \";\")",
                 token_len(&c, c.p, false), c.p);
        return fail(&c, why);
    }
    return RC_OK;
}

enum rc window_parse(const char *spec, const char *zone, struct window *out, struct err *err)
{
    memset(out, 0, sizeof *out);
    if (!zone || !*zone) zone = "UTC";
    if (window_zone_check(zone, err) != RC_OK) return RC_INVALID;
    memcpy(out->zone, zone, strlen(zone) + 1);
    if (!spec) spec = "";
    const char *p = spec;
    for (;;) {
        const char *semi = strchr(p, ';');
        const char *seg_end = semi ? semi : p + strlen(p);
        while (p < seg_end && is_blank(*p))
            p++;
        while (seg_end > p && is_blank(seg_end[-1]))
            seg_end--;
        if (p == seg_end) {
            const char *what = !semi && out->count == 0 ? "no days and hours (" EXAMPLE ")"
                                                        : "empty window around \";\"";
            return fail_quoting(err, spec, strlen(spec), what);
        }
        if (out->count == WINDOW_MAX_SPANS)
            return fail_quoting(err, spec, strlen(spec), "more than 8 windows");
        _Static_assert(WINDOW_MAX_SPANS == 8, "the message above names the limit");
        if (parse_span(p, (int)(seg_end - p), &out->spans[out->count], err) != RC_OK)
            return RC_INVALID;
        out->count++;
        if (!semi) return RC_OK;
        p = semi + 1;
    }
}

/* ---- time zones ---- */

static bool zone_name_plausible(const char *zone)
{
    size_t n = strlen(zone);
    if (n == 0 || n >= WINDOW_ZONE_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (zone[i] <= ' ' || zone[i] > '~') return false;
    return true;
}

/* The system zone id spelled like zone but for letter case, into out; false when none. */
static bool zone_spelling(const char *zone, char out[WINDOW_ZONE_MAX])
{
    UErrorCode st = U_ZERO_ERROR;
    UEnumeration *ids = ucal_openTimeZones(&st);
    bool found = false;
    const char *id;
    int32_t len;
    while (!found && U_SUCCESS(st) && (id = uenum_next(ids, &len, &st))) {
        if (strcasecmp(id, zone) == 0 && (size_t)len < WINDOW_ZONE_MAX) {
            memcpy(out, id, (size_t)len + 1);
            found = true;
        }
    }
    uenum_close(ids);
    return found;
}

enum rc window_zone_check(const char *zone, struct err *err)
{
    if (!zone || !*zone) return err_set(err, RC_INVALID, "time zone is empty (e.g. Europe/Berlin)");
    if (!zone_name_plausible(zone))
        return err_set(err, RC_INVALID,
                       "unknown time zone (an IANA name is printable ASCII, e.g. Europe/Berlin)");
    UChar id[WINDOW_ZONE_MAX], canonical[WINDOW_ZONE_MAX * 2];
    u_uastrncpy(id, zone, WINDOW_ZONE_MAX);
    UErrorCode st = U_ZERO_ERROR;
    UBool is_system = false;
    ucal_getCanonicalTimeZoneID(id, -1, canonical, WINDOW_ZONE_MAX * 2, &is_system, &st);
    if (U_SUCCESS(st) && is_system) return RC_OK;
    char spelling[WINDOW_ZONE_MAX];
    if (zone_spelling(zone, spelling))
        return err_set(err, RC_INVALID, "unknown time zone \"%s\" (did you mean %s?)", zone,
                       spelling);
    return err_set(err, RC_INVALID,
                   "unknown time zone \"%s\" (use an IANA name, e.g. Europe/Berlin)", zone);
}

enum rc window_check(const char *spec, const char *zone, struct err *err)
{
    struct window w;
    return spec && *spec ? window_parse(spec, zone, &w, err) : window_zone_check(zone, err);
}

/* ---- the clock ---- */

/* Years 1 to 9999: keeps at * 1000 exact in a double and inside ICU's range. */
static const int64_t instant_min = -62135596800, instant_max = 253402300799;

struct local_time {
    int dow; /* 0 = Sunday */
    int sec; /* seconds after local midnight */
};

static UCalendar *calendar_open(const struct window *w, struct err *err)
{
    if (window_zone_check(w->zone, err) != RC_OK) return NULL;
    UChar id[WINDOW_ZONE_MAX];
    u_uastrncpy(id, w->zone, WINDOW_ZONE_MAX);
    UErrorCode st = U_ZERO_ERROR;
    /* An explicit locale keeps ICU from consulting the environment for a default one. */
    UCalendar *cal = ucal_open(id, -1, "en_US_POSIX", UCAL_GREGORIAN, &st);
    if (U_FAILURE(st)) {
        if (cal) ucal_close(cal);
        err_set(err, RC_INVALID, "time zone \"%s\": %s", w->zone, u_errorName(st));
        return NULL;
    }
    return cal;
}

static enum rc local_time_at(UCalendar *cal, int64_t at, struct local_time *lt, struct err *err)
{
    UErrorCode st = U_ZERO_ERROR;
    ucal_setMillis(cal, (UDate)at * 1000.0, &st);
    lt->dow = ucal_get(cal, UCAL_DAY_OF_WEEK, &st) - UCAL_SUNDAY;
    int hour = ucal_get(cal, UCAL_HOUR_OF_DAY, &st);
    int minute = ucal_get(cal, UCAL_MINUTE, &st);
    int second = ucal_get(cal, UCAL_SECOND, &st);
    if (U_FAILURE(st) || lt->dow < 0 || lt->dow > 6)
        return err_set(err, RC_INVALID, "time zone calendar failed: %s", u_errorName(st));
    lt->sec = hour * 3600 + minute * 60 + second;
    return RC_OK;
}

static bool open_at(const struct window *w, const struct local_time *lt)
{
    for (int i = 0; i < w->count; i++) {
        const struct window_span *s = &w->spans[i];
        if ((s->days >> lt->dow & 1) && lt->sec >= s->start_min * 60 && lt->sec < s->end_min * 60)
            return true;
    }
    return false;
}

/* Seconds until the local clock reaches the next window start today, else midnight, assuming
 * the zone's offset holds that long (the caller caps the step at the next transition). */
static int64_t seconds_to_next_change(const struct window *w, const struct local_time *lt)
{
    int64_t best = DAY_SECONDS - lt->sec;
    for (int i = 0; i < w->count; i++) {
        const struct window_span *s = &w->spans[i];
        int64_t until = (int64_t)s->start_min * 60 - lt->sec;
        if ((s->days >> lt->dow & 1) && until > 0 && until < best) best = until;
    }
    return best;
}

/* The Unix second of the zone's first transition after the calendar's time, or INT64_MAX. */
static int64_t next_transition(const UCalendar *cal)
{
    UErrorCode st = U_ZERO_ERROR;
    UDate when = 0;
    if (!ucal_getTimeZoneTransitionDate(cal, UCAL_TZ_TRANSITION_NEXT, &when, &st) ||
        U_FAILURE(st) || when > (UDate)instant_max * 1000.0)
        return INT64_MAX;
    int64_t ms = (int64_t)when;
    return ms / 1000 + (ms > 0 && ms % 1000 != 0); /* rounded up: the first second after */
}

static enum rc check_instant(int64_t at, struct err *err)
{
    if (at < instant_min || at > instant_max)
        return err_set(err, RC_INVALID, "instant %lld is outside years 1 to 9999", (long long)at);
    return RC_OK;
}

enum rc window_is_open(const struct window *w, int64_t at, bool *open, struct err *err)
{
    *open = false;
    if (check_instant(at, err) != RC_OK) return RC_INVALID;
    UCalendar *cal = calendar_open(w, err);
    if (!cal) return RC_INVALID;
    struct local_time lt;
    enum rc rc = local_time_at(cal, at, &lt, err);
    if (rc == RC_OK) *open = open_at(w, &lt);
    ucal_close(cal);
    return rc;
}

enum rc window_next_open(const struct window *w, int64_t at, int64_t *next, struct err *err)
{
    *next = at;
    if (check_instant(at, err) != RC_OK) return RC_INVALID;
    UCalendar *cal = calendar_open(w, err);
    if (!cal) return RC_INVALID;
    enum rc rc;
    int64_t t = at, horizon = at + (int64_t)WINDOW_SEARCH_DAYS * DAY_SECONDS;
    for (int step = 0; step < MAX_STEPS && t <= horizon && t <= instant_max; step++) {
        struct local_time lt;
        if ((rc = local_time_at(cal, t, &lt, err)) != RC_OK) goto out;
        if (open_at(w, &lt)) {
            *next = t;
            rc = RC_OK;
            goto out;
        }
        int64_t later = t + seconds_to_next_change(w, &lt), shift = next_transition(cal);
        t = shift > t && shift < later ? shift : later;
    }
    rc = err_set(err, RC_NOT_FOUND, "window does not open within %d days in %s", WINDOW_SEARCH_DAYS,
                 w->zone);
out:
    ucal_close(cal);
    return rc;
}
