/* Home: the balance, credits used per day over 30 days (an SVG drawn here, no script),
 * the recent ledger, and the API key: rotating it asks first, then shows the new key
 * once (the store keeps only its hash) and revokes the old one. */
#include "web/web_int.h"

#include "base/clock.h"
#include "base/log.h"
#include "core/auth.h"
#include "core/keys.h"

#include <string.h>

enum { DAYS = 30, LEDGER_ROWS = 20, DAY = 86400 };

/* Bars of credits per day, oldest on the left; per_day[DAYS-1] is today. */
static const char *usage_chart(struct web *w, const int64_t per_day[DAYS], int64_t first_day)
{
    int64_t max = 1;
    for (int i = 0; i < DAYS; i++)
        if (per_day[i] > max) max = per_day[i];
    struct html h;
    html_init(&h, w->a);
    html_raw(&h, "<svg class=\"chart\" viewBox=\"0 0 620 140\" role=\"img\" "
                 "aria-label=\"Credits used per day, last 30 days\">");
    for (int i = 0; i < DAYS; i++) {
        long height = (long)(per_day[i] * 100 / max);
        char date[20];
        clock_format(first_day + (int64_t)i * DAY, date);
        date[10] = '\0';
        html_printf(&h,
                    "<rect class=\"bar\" x=\"%d\" y=\"%ld\" width=\"16\" height=\"%ld\">"
                    "<title>%s: %lld credits</title></rect>",
                    10 + i * 20, 110 - height, height, date, (long long)per_day[i]);
        if (i % 7 == 0 || i == DAYS - 1)
            html_printf(&h, "<text x=\"%d\" y=\"128\">%s</text>", 10 + i * 20, date + 5);
    }
    html_printf(&h, "<text x=\"10\" y=\"10\">max %lld</text></svg>", (long long)max);
    return h.data;
}

static bool usage_section(struct web *w, struct html *h)
{
    int64_t today = clock_now() / DAY * DAY, first_day = today - (DAYS - 1) * (int64_t)DAY;
    struct usage_row *rows = NULL;
    size_t n = 0;
    struct err err = {0};
    struct store *st = w->req->store;
    if (st->ops->usage_by_day(st, w->user_id, first_day, w->a, &rows, &n, &err) != RC_OK) {
        log_error("web usage: %s", err.msg);
        return false;
    }
    int64_t per_day[DAYS] = {0}, total = 0;
    for (size_t i = 0; i < n; i++)
        for (int d = 0; d < DAYS; d++) {
            char date[20];
            clock_format(first_day + (int64_t)d * DAY, date);
            if (strncmp(date, rows[i].date, 10) == 0) per_day[d] += rows[i].credits;
        }
    for (int d = 0; d < DAYS; d++) total += per_day[d];
    html_printf(h, "<section class=\"card\"><h2>Credits used, last 30 days: %lld</h2>%s</section>",
                (long long)total, usage_chart(w, per_day, first_day));
    return true;
}

static bool ledger_section(struct web *w, struct html *h)
{
    struct ledger_entry *rows = NULL;
    size_t n = 0;
    struct err err = {0};
    struct store *st = w->req->store;
    if (st->ops->ledger_recent(st, w->user_id, LEDGER_ROWS, w->a, &rows, &n, &err) != RC_OK) {
        log_error("web ledger: %s", err.msg);
        return false;
    }
    html_raw(h, "<section class=\"card\"><h2>Recent ledger</h2><table id=\"ledger\"><thead><tr>"
                "<th>When (UTC)</th><th>What</th><th>State</th><th>Credits</th></tr></thead>"
                "<tbody>");
    for (size_t i = 0; i < n; i++)
        html_printf(h, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%+lld</td></tr>",
                    html_time(w->a, rows[i].created_at), html_esc(w->a, rows[i].endpoint),
                    html_esc(w->a, rows[i].state), (long long)rows[i].amount);
    if (!n) html_raw(h, "<tr><td colspan=\"4\" class=\"muted\">Nothing yet.</td></tr>");
    html_raw(h, "</tbody></table></section>");
    return true;
}

static bool store_trouble(struct web *w)
{
    return web_page(w, 500, "Error", "<h1>Something went wrong</h1><p>The store did not "
                                     "answer; try again in a moment.</p>");
}

bool page_home(struct web *w)
{
    struct user u;
    struct err err = {0};
    struct store *st = w->req->store;
    if (st->ops->user_get(st, w->user_id, w->a, &u, &err) != RC_OK) return store_trouble(w);
    struct html h;
    html_init(&h, w->a);
    html_printf(&h,
                "<h1>Your account</h1><section class=\"card\"><h2>Balance</h2>"
                "<p class=\"big\" id=\"balance\">%lld credits</p></section>"
                "<section class=\"card\"><h2>API key</h2><p>Your key is kept only as a hash, "
                "so it cannot be shown again. A new key replaces the old one at once.</p>"
                "<p><a href=\"/app/key\">Rotate the API key…</a></p></section>",
                (long long)u.credits);
    if (!usage_section(w, &h) || !ledger_section(w, &h)) return store_trouble(w);
    return web_page(w, 200, "Home", h.data);
}

bool page_key_get(struct web *w)
{
    return web_page(w, 200, "Rotate the API key",
                    arena_sprintf(w->a,
                                  "<h1>Rotate the API key?</h1><section class=\"card\"><p>A new "
                                  "key is made and shown once. Your current key stops working "
                                  "at once: every program that uses it needs the new one.</p>"
                                  "<form method=\"post\" action=\"/app/key\">%s"
                                  "<input type=\"hidden\" name=\"confirm\" value=\"yes\">"
                                  "<button type=\"submit\" class=\"danger\" id=\"rotate\">Yes, "
                                  "make a new key</button> <a href=\"/app/\">Cancel</a></form>"
                                  "</section>",
                                  web_csrf_input(w)));
}

bool page_key_post(struct web *w)
{
    const char *confirm = form_get(&w->form, "confirm");
    if (!confirm || strcmp(confirm, "yes") != 0) return web_redirect(w, "/app/key");
    char key[KEY_LEN + 1], hash[KEY_HASH_LEN + 1];
    keys_generate(key);
    keys_hash(key, hash);
    struct err err = {0};
    struct store *st = w->req->store;
    if (st->ops->key_rotate(st, w->user_id, hash, clock_now(), &err) != RC_OK) {
        log_error("web key rotation: %s", err.msg);
        return store_trouble(w);
    }
    auth_cache_clear(); /* the old key's resolution must not outlive it in this process */
    return web_page(w, 200, "Your new API key",
                    arena_sprintf(w->a,
                                  "<h1>Your new API key</h1><section class=\"card\"><p>Copy it "
                                  "now: it is shown only this once.</p><p class=\"key\" "
                                  "id=\"new-key\">%s</p><p><a href=\"/app/\">Done</a></p>"
                                  "</section>",
                                  key));
}
