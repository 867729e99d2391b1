/* Unit tests for campaign/window: the spec grammar and its messages, time-zone names, and
 * open/next-open answers around window edges, weekends and daylight-saving changes. */
#include "test.h"

#include "campaign/window.h"

/* Unix seconds of a UTC civil time (Howard Hinnant's days_from_civil). */
static int64_t utc(int y, int m, int d, int hh, int mm, int ss)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + hh * 3600 + mm * 60 + ss;
}

static bool parse(const char *spec, const char *zone, struct window *w)
{
    struct err err = {0};
    return window_parse(spec, zone, w, &err) == RC_OK;
}

/* Whether spec in zone is open at t; aborts the case through CHECK on a parse error. */
static int open_at(const char *spec, const char *zone, int64_t t)
{
    struct window w;
    struct err err = {0};
    bool open = false;
    if (window_parse(spec, zone, &w, &err) != RC_OK) return -1;
    if (window_is_open(&w, t, &open, &err) != RC_OK) return -2;
    return open;
}

static int64_t next_open(const char *spec, const char *zone, int64_t t)
{
    struct window w;
    struct err err = {0};
    int64_t next = 0;
    if (window_parse(spec, zone, &w, &err) != RC_OK) return -1;
    if (window_next_open(&w, t, &next, &err) != RC_OK) return -2;
    return next;
}

TEST(window_parses_every_day_form)
{
    static const struct {
        const char *spec;
        unsigned days;
        int start, end;
    } good[] = {
        {"Mon-Fri 08:00-17:30", 0x3e, 480, 1050},      {"Mon,Wed,Fri 9:00-12:00", 0x2a, 540, 720},
        {"Mon, Wed 09:00-12:00", 0x0a, 540, 720},      {"sat-SUN 00:00-24:00", 0x41, 0, 1440},
        {"Mon-Sun 08:00-09:00", 0x7f, 480, 540},       {"DAILY 08:00-09:00", 0x7f, 480, 540},
        {"Fri-Mon 08:00-09:00", 0x63, 480, 540},       {"Mon-Mon 08:00-09:00", 0x02, 480, 540},
        {"Mon-Fri,Sun 23:59-24:00", 0x3f, 1439, 1440}, {"  Tue\t07:05-07:06  ", 0x04, 425, 426},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct window w;
        struct err err = {0};
        if (window_parse(good[i].spec, "Europe/Berlin", &w, &err) != RC_OK)
            fprintf(stderr, "    %s: %s\n", good[i].spec, err.msg);
        CHECK(err.rc == RC_OK);
        CHECK_INT(w.count, 1);
        CHECK_INT(w.spans[0].days, good[i].days);
        CHECK_INT(w.spans[0].start_min, good[i].start);
        CHECK_INT(w.spans[0].end_min, good[i].end);
        CHECK_STR(w.zone, "Europe/Berlin");
    }
}

TEST(window_parses_several_windows_and_defaults_to_utc)
{
    struct window w;
    CHECK(parse("Mon-Thu 08:00-17:00; Fri 08:00-12:00", NULL, &w));
    CHECK_INT(w.count, 2);
    CHECK_STR(w.zone, "UTC");
    CHECK_INT(w.spans[0].days, 0x1e);
    CHECK_INT(w.spans[1].days, 0x20);
    CHECK_INT(w.spans[1].end_min, 720);
    CHECK(parse("Mon 01:00-02:00;Tue 01:00-02:00;Wed 01:00-02:00;Thu 01:00-02:00;"
                "Fri 01:00-02:00;Sat 01:00-02:00;Sun 01:00-02:00;Mon 03:00-04:00",
                "", &w));
    CHECK_INT(w.count, WINDOW_MAX_SPANS);
}

TEST(window_rejects_with_a_message_naming_the_wrong_part)
{
    static const struct {
        const char *spec, *want;
    } bad[] = {
        {"Mon-Fry 08:00-17:30", "window \"Mon-Fry 08:00-17:30\": unknown day \"Fry\" (use Mon, "
                                "Tue, Wed, Thu, Fri, Sat, Sun or daily)"},
        {"Monday 08:00-09:00", "window \"Monday 08:00-09:00\": unknown day \"Monday\" (use Mon, "
                               "Tue, Wed, Thu, Fri, Sat, Sun or daily)"},
        {"", "window \"\": no days and hours (e.g. \"Mon-Fri 08:00-17:30\")"},
        {"   ", "window \"   \": no days and hours (e.g. \"Mon-Fri 08:00-17:30\")"},
        {"Mon-Fri", "window \"Mon-Fri\": missing hours after the days (e.g. \"Mon-Fri "
                    "08:00-17:30\")"},
        {"Mon-Fri ", "window \"Mon-Fri\": missing hours after the days (e.g. \"Mon-Fri "
                     "08:00-17:30\")"},
        {"Mon- 08:00-09:00", "window \"Mon- 08:00-09:00\": expected a day after \"-\" (use Mon, "
                             "Tue, Wed, Thu, Fri, Sat, Sun or daily)"},
        {"08:00-09:00", "window \"08:00-09:00\": expected a day at \"08:00-09:00\" (use Mon, Tue, "
                        "Wed, Thu, Fri, Sat, Sun or daily)"},
        {"Mon-Fri08:00-09:00", "window \"Mon-Fri08:00-09:00\": expected a space between the days "
                               "and the hours, at \"08:00-09:00\""},
        {"daily,Mon 08:00-09:00", "window \"daily,Mon 08:00-09:00\": \"daily\" cannot be combined "
                                  "with other days"},
        {"Mon,daily 08:00-09:00", "window \"Mon,daily 08:00-09:00\": \"daily\" cannot be combined "
                                  "with other days"},
        {"Mon-Fri 8-17", "window \"Mon-Fri 8-17\": bad start time \"8\" (want HH:MM, 24-hour)"},
        {"Mon-Fri 08:00-5pm", "window \"Mon-Fri 08:00-5pm\": bad end time \"5pm\" (want HH:MM, "
                              "24-hour)"},
        {"Mon-Fri 08:00", "window \"Mon-Fri 08:00\": expected \"-\" and an end time after "
                          "\"08:00\""},
        {"Mon-Fri 08:00-", "window \"Mon-Fri 08:00-\": missing the end time after \"-\" (want "
                           "HH:MM)"},
        {"Mon-Fri 17:30-08:00", "window \"Mon-Fri 17:30-08:00\": end \"08:00\" is not after start "
                                "\"17:30\""},
        {"Mon 08:00-08:00", "window \"Mon 08:00-08:00\": end \"08:00\" is not after start "
                            "\"08:00\""},
        {"Mon 25:00-26:00", "window \"Mon 25:00-26:00\": time \"25:00\" is out of range (00:00 to "
                            "24:00)"},
        {"Mon 08:60-09:00", "window \"Mon 08:60-09:00\": time \"08:60\" is out of range (00:00 to "
                            "24:00)"},
        {"Mon 08:00-24:30", "window \"Mon 08:00-24:30\": time \"24:30\" is out of range (00:00 to "
                            "24:00)"},
        {"Mon 24:00-24:00", "window \"Mon 24:00-24:00\": a window cannot start at \"24:00\""},
        {"Mon 08:00-09:00 Tue", "window \"Mon 08:00-09:00 Tue\": unexpected \"Tue\" after the "
                                "hours (separate windows with \";\")"},
        {"Mon 08:00-09:00;", "window \"Mon 08:00-09:00;\": empty window around \";\""},
        {"Mon 08:00-09:00; ;Tue 08:00-09:00", "window \"Mon 08:00-09:00; ;Tue 08:00-09:00\": "
                                              "empty window around \";\""},
        {"Mon 08:00-09:00; Tue 8:00-9", "window \"Tue 8:00-9\": bad end time \"9\" (want HH:MM, "
                                        "24-hour)"},
        {"Mon 01:00-02:00;Mon 01:00-02:00;Mon 01:00-02:00;Mon 01:00-02:00;Mon 01:00-02:00;"
         "Mon 01:00-02:00;Mon 01:00-02:00;Mon 01:00-02:00;Mon 01:00-02:00",
         "window \"Mon 01:00-02:00;Mon 01:00-02:00;Mon 01:00-02:00;Mon 01:00-02...\": more than 8 "
         "windows"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct window w;
        struct err err = {0};
        CHECK_INT(window_parse(bad[i].spec, "UTC", &w, &err), RC_INVALID);
        CHECK_STR(err.msg, bad[i].want);
    }
}

TEST(window_refuses_unknown_time_zones)
{
    static const struct {
        const char *zone, *want;
    } bad[] = {
        {"Europe/Berln", "unknown time zone \"Europe/Berln\" (use an IANA name, e.g. "
                         "Europe/Berlin)"},
        {"europe/berlin", "unknown time zone \"europe/berlin\" (did you mean Europe/Berlin?)"},
        {"Etc/Unknown", "unknown time zone \"Etc/Unknown\" (use an IANA name, e.g. "
                        "Europe/Berlin)"},
        {"GMT+05:00", "unknown time zone \"GMT+05:00\" (use an IANA name, e.g. Europe/Berlin)"},
        {"Europe/\nBerlin", "unknown time zone (an IANA name is printable ASCII, e.g. "
                            "Europe/Berlin)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct err err = {0};
        CHECK_INT(window_zone_check(bad[i].zone, &err), RC_INVALID);
        CHECK_STR(err.msg, bad[i].want);
        struct window w;
        struct err perr = {0};
        CHECK_INT(window_parse("Mon 08:00-09:00", bad[i].zone, &w, &perr), RC_INVALID);
        CHECK_STR(perr.msg, bad[i].want);
    }
    static const char *const good[] = {"UTC",          "Europe/Berlin",   "Asia/Calcutta",
                                       "Asia/Kolkata", "Pacific/Chatham", "America/New_York"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK_INT(window_zone_check(good[i], NULL), RC_OK);
}

TEST(window_edges_in_europe_berlin_winter_and_summer)
{
    const char *spec = "Mon-Fri 08:00-17:30", *zone = "Europe/Berlin";
    /* Monday 2024-01-15, CET (+01:00) */
    CHECK_INT(open_at(spec, zone, utc(2024, 1, 15, 6, 59, 59)), 0);
    CHECK_INT(open_at(spec, zone, utc(2024, 1, 15, 7, 0, 0)), 1);
    CHECK_INT(open_at(spec, zone, utc(2024, 1, 15, 16, 29, 59)), 1);
    CHECK_INT(open_at(spec, zone, utc(2024, 1, 15, 16, 30, 0)), 0);
    /* Monday 2024-07-15, CEST (+02:00) */
    CHECK_INT(open_at(spec, zone, utc(2024, 7, 15, 5, 59, 59)), 0);
    CHECK_INT(open_at(spec, zone, utc(2024, 7, 15, 6, 0, 0)), 1);
    CHECK_INT(open_at(spec, zone, utc(2024, 7, 15, 15, 29, 59)), 1);
    CHECK_INT(open_at(spec, zone, utc(2024, 7, 15, 15, 30, 0)), 0);
    /* Saturday 2024-07-20 at 10:00 local */
    CHECK_INT(open_at(spec, zone, utc(2024, 7, 20, 8, 0, 0)), 0);
}

TEST(window_edges_in_new_york_kolkata_chatham_and_utc)
{
    /* Friday 2024-01-19, EST (-05:00): 17:30 local is 22:30Z */
    CHECK_INT(open_at("Mon-Fri 08:00-17:30", "America/New_York", utc(2024, 1, 19, 13, 0, 0)), 1);
    CHECK_INT(open_at("Mon-Fri 08:00-17:30", "America/New_York", utc(2024, 1, 19, 22, 29, 59)), 1);
    CHECK_INT(open_at("Mon-Fri 08:00-17:30", "America/New_York", utc(2024, 1, 19, 22, 30, 0)), 0);
    /* Monday 00:00 in Kolkata (+05:30) is Sunday 18:30Z */
    CHECK_INT(open_at("Mon 00:00-01:00", "Asia/Kolkata", utc(2024, 1, 14, 18, 29, 59)), 0);
    CHECK_INT(open_at("Mon 00:00-01:00", "Asia/Kolkata", utc(2024, 1, 14, 18, 30, 0)), 1);
    CHECK_INT(open_at("Mon 00:00-01:00", "Asia/Calcutta", utc(2024, 1, 14, 19, 29, 59)), 1);
    CHECK_INT(open_at("Mon 00:00-01:00", "Asia/Kolkata", utc(2024, 1, 14, 19, 30, 0)), 0);
    /* Chatham in July is +12:45: Monday 09:00 local is Sunday 20:15Z; in January +13:45 */
    CHECK_INT(open_at("Mon 09:00-10:00", "Pacific/Chatham", utc(2024, 7, 14, 20, 14, 59)), 0);
    CHECK_INT(open_at("Mon 09:00-10:00", "Pacific/Chatham", utc(2024, 7, 14, 20, 15, 0)), 1);
    CHECK_INT(open_at("Mon 09:00-10:00", "Pacific/Chatham", utc(2024, 7, 14, 21, 14, 59)), 1);
    CHECK_INT(open_at("Mon 09:00-10:00", "Pacific/Chatham", utc(2024, 7, 14, 21, 15, 0)), 0);
    CHECK_INT(open_at("Mon 09:00-10:00", "Pacific/Chatham", utc(2024, 1, 14, 19, 15, 0)), 1);
    CHECK_INT(open_at("Mon 09:00-10:00", "Pacific/Chatham", utc(2024, 1, 14, 20, 15, 0)), 0);
    /* UTC, all day every day, and a window wrapping from Friday to Monday */
    CHECK_INT(open_at("daily 00:00-24:00", "UTC", utc(2024, 1, 14, 23, 59, 59)), 1);
    CHECK_INT(open_at("daily 00:00-24:00", "UTC", utc(2024, 1, 15, 0, 0, 0)), 1);
    CHECK_INT(open_at("Fri-Mon 00:00-24:00", "UTC", utc(2024, 1, 16, 0, 0, 0)), 0); /* Tue */
    CHECK_INT(open_at("Fri-Mon 00:00-24:00", "UTC", utc(2024, 1, 15, 23, 59, 59)), 1);
    CHECK_INT(open_at("Fri-Mon 00:00-24:00", "UTC", utc(2024, 1, 13, 12, 0, 0)), 1); /* Sat */
}

TEST(window_next_open_across_a_weekend)
{
    const char *spec = "Mon-Fri 08:00-17:30", *zone = "Europe/Berlin";
    int64_t open = utc(2024, 1, 15, 10, 0, 0);
    CHECK_INT(next_open(spec, zone, open), open);
    /* Friday 17:30 CET closes; Monday 08:00 CET opens */
    CHECK_INT(next_open(spec, zone, utc(2024, 1, 19, 16, 30, 0)), utc(2024, 1, 22, 7, 0, 0));
    CHECK_INT(next_open(spec, zone, utc(2024, 1, 20, 12, 0, 0)), utc(2024, 1, 22, 7, 0, 0));
    /* Earlier the same day, and the second window of a day */
    CHECK_INT(next_open(spec, zone, utc(2024, 1, 22, 6, 59, 59)), utc(2024, 1, 22, 7, 0, 0));
    CHECK_INT(next_open("Mon 08:00-09:00; Mon 13:00-14:00", "America/New_York",
                        utc(2024, 1, 15, 14, 0, 0)),
              utc(2024, 1, 15, 18, 0, 0));
    CHECK_INT(next_open("Sun 09:00-10:00", "Asia/Kolkata", utc(2024, 1, 15, 0, 0, 0)),
              utc(2024, 1, 21, 3, 30, 0));
}

TEST(window_next_open_across_daylight_saving_changes)
{
    const char *zone = "Europe/Berlin";
    /* Friday before the 2024-03-31 spring-forward: Monday 08:00 is CEST (06:00Z) */
    CHECK_INT(next_open("Mon-Fri 08:00-17:30", zone, utc(2024, 3, 29, 16, 30, 0)),
              utc(2024, 4, 1, 6, 0, 0));
    /* A window starting in the skipped hour opens when the clock jumps to 03:00 CEST (01:00Z) */
    CHECK_INT(next_open("Sun 02:30-04:00", zone, utc(2024, 3, 31, 0, 0, 0)),
              utc(2024, 3, 31, 1, 0, 0));
    CHECK_INT(open_at("Sun 02:30-04:00", zone, utc(2024, 3, 31, 0, 59, 59)), 0);
    /* One wholly inside it waits for the next Sunday (02:15 CEST = 00:15Z) */
    CHECK_INT(next_open("Sun 02:15-02:45", zone, utc(2024, 3, 31, 0, 0, 0)),
              utc(2024, 4, 7, 0, 15, 0));
    /* Fall-back 2024-10-27: 02:00-03:00 happens twice (00:00Z CEST, then 01:00Z CET) */
    CHECK_INT(open_at("Sun 02:00-02:30", zone, utc(2024, 10, 27, 0, 15, 0)), 1);
    CHECK_INT(open_at("Sun 02:00-02:30", zone, utc(2024, 10, 27, 0, 45, 0)), 0);
    CHECK_INT(open_at("Sun 02:00-02:30", zone, utc(2024, 10, 27, 1, 15, 0)), 1);
    CHECK_INT(next_open("Sun 02:00-02:30", zone, utc(2024, 10, 27, 0, 40, 0)),
              utc(2024, 10, 27, 1, 0, 0));
    /* The clock falling back from 03:00 to 02:00 re-enters a window ending at 02:30 */
    CHECK_INT(next_open("Sun 01:30-02:30", zone, utc(2024, 10, 27, 0, 40, 0)),
              utc(2024, 10, 27, 1, 0, 0));
    /* New York springs forward at 07:00Z on 2024-03-10 */
    CHECK_INT(next_open("Sun 02:30-04:00", "America/New_York", utc(2024, 3, 10, 5, 0, 0)),
              utc(2024, 3, 10, 7, 0, 0));
    /* Samoa skipped Friday 2011-12-30: the next Friday is 2012-01-06 08:00 +14:00 */
    CHECK_INT(next_open("Fri 08:00-09:00", "Pacific/Apia", utc(2011, 12, 29, 10, 0, 0)),
              utc(2012, 1, 5, 18, 0, 0));
}

TEST(window_refuses_instants_out_of_range)
{
    struct window w;
    struct err err = {0};
    int64_t next;
    bool open;
    CHECK(parse("daily 00:00-24:00", "UTC", &w));
    CHECK_INT(window_next_open(&w, INT64_MAX, &next, &err), RC_INVALID);
    CHECK_INT(window_is_open(&w, INT64_MIN, &open, NULL), RC_INVALID);
    CHECK_INT(window_next_open(&w, utc(9999, 12, 31, 23, 0, 0), &next, NULL), RC_OK);
}
