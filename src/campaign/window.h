/* Sending windows: the days and hours, in a sending account's own time zone, during which the
 * scheduler may send from it. Time zones are IANA names resolved by ICU's calendar (never TZ or
 * tzset, which other threads would race on); a parsed window is a plain struct with no heap.
 * Every function is safe from any thread: each call opens and closes its own ICU calendar.
 *
 * Spec grammar (case-insensitive day names, spaces around ';' and after ',' allowed):
 *   spec   = window *( ";" window )              at most WINDOW_MAX_SPANS windows
 *   window = days " " hours                      e.g. "Mon-Fri 08:00-17:30"
 *   days   = "daily" / item *( "," item )        e.g. "Mon,Wed,Fri", "Sat-Sun", "Mon-Fri,Sun"
 *   item   = day / day "-" day                   a range may wrap: "Fri-Mon" is Fri,Sat,Sun,Mon
 *   day    = "Mon" / "Tue" / "Wed" / "Thu" / "Fri" / "Sat" / "Sun"
 *   hours  = time "-" time                       end after start; "00:00-24:00" is all day
 *   time   = H[H] ":" MM                         00:00 to 23:59, and 24:00 as an end only
 * Example: "Mon-Thu 08:00-17:00; Fri 08:00-12:00".
 *
 * A window is wall-clock time: it is open whenever the account's local clock reads a listed day
 * and a time in [start, end). Around daylight-saving changes this means: on a spring-forward day
 * a window starting in the skipped hour opens when the clock jumps (02:30-04:00 in Europe/Berlin
 * opens at 03:00 CEST), and one lying wholly inside the skipped hour does not open that day; on a
 * fall-back day a window touching the repeated hour is open during both passes of it. */
#ifndef LEADGEN_CAMPAIGN_WINDOW_H
#define LEADGEN_CAMPAIGN_WINDOW_H

#include "base/rc.h"

#include <stdbool.h>
#include <stdint.h>

enum {
    WINDOW_MAX_SPANS = 8, /* windows in one spec */
    WINDOW_ZONE_MAX = 64, /* bytes of a zone name, with its NUL */
};

/* One "days hours" window. days: bit 0 is Sunday ... bit 6 Saturday (ICU's order minus one). */
struct window_span {
    uint8_t days;
    uint16_t start_min; /* minutes after local midnight, 0..1439 */
    uint16_t end_min;   /* greater than start_min, at most 1440 */
};

struct window {
    char zone[WINDOW_ZONE_MAX]; /* as given (validated); "UTC" when none was */
    int count;                  /* 1..WINDOW_MAX_SPANS */
    struct window_span spans[WINDOW_MAX_SPANS];
};

/* Parses spec in time zone zone (NULL or "" means UTC) into *out. On a bad spec returns
 * RC_INVALID with a message quoting the wrong window and part, e.g.
 * `window "Mon-Fry 08:00-17:30": unknown day "Fry" (...)`; on a bad zone, window_zone_check's. */
enum rc window_parse(const char *spec, const char *zone, struct window *out, struct err *err);

/* RC_OK when zone is a time zone ICU knows by that exact (case-sensitive) IANA name, such as
 * "Europe/Berlin", "UTC" or an alias like "Asia/Calcutta"; otherwise RC_INVALID with
 * `unknown time zone "..."` and, when only the letter case is wrong, the right spelling. */
enum rc window_zone_check(const char *zone, struct err *err);

/* An account's window spec (empty: always open) and zone checked as the sender will read
 * them, so that a typo is refused where it is typed: window_parse's or window_zone_check's
 * answer. */
enum rc window_check(const char *spec, const char *zone, struct err *err);

/* *open is whether the window is open at Unix second at. Instants outside years 1 to 9999 are
 * RC_INVALID, as is a zone in w that window_zone_check refuses. */
enum rc window_is_open(const struct window *w, int64_t at, bool *open, struct err *err);

/* *next is the first Unix second >= at at which the window is open (at itself when open now),
 * for the scheduler's next_send_at. The search is bounded (WINDOW_SEARCH_DAYS); RC_NOT_FOUND
 * when the window does not open within it (a parsed window in a real zone opens within 8). */
enum { WINDOW_SEARCH_DAYS = 15 };
enum rc window_next_open(const struct window *w, int64_t at, int64_t *next, struct err *err);

#endif
