/* Campaigns: the list with a create form (a step editor whose add/remove buttons are plain
 * form buttons), and a campaign's page: status and counts, launch/pause/resume/cancel,
 * recipients by state as a server-drawn chart and a filtered table, a preview of each step
 * rendered for a chosen lead, and AI generation that fills the editor of a draft. Every
 * change goes through the API's campaign routes (web_api), so its rules apply unchanged. */
#include "web/web_int.h"

#include "base/clock.h"
#include "campaign/message.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { STEPS_EDIT_MAX = 10, RECIPIENTS_PAGE = 50, PREVIEW_LEADS = 50 };

static const char *const states[] = {"pending", "in_progress",  "completed", "replied",
                                     "bounced", "unsubscribed", "failed"};
enum { STATE_COUNT = sizeof states / sizeof states[0] };

/* ---- the step editor -------------------------------------------------------------- */

/* The steps as the form sent them ([{subject, body, delay_days}]), one dropped (drop, from
 * 1) or one empty added. */
static json_t *form_steps(struct web *w, long long drop, bool add)
{
    const char *subjects[STEPS_EDIT_MAX], *bodies[STEPS_EDIT_MAX], *delays[STEPS_EDIT_MAX];
    size_t n = form_values(&w->form, "subject", subjects, STEPS_EDIT_MAX);
    size_t nb = form_values(&w->form, "body", bodies, STEPS_EDIT_MAX);
    size_t nd = form_values(&w->form, "delay_days", delays, STEPS_EDIT_MAX);
    json_t *steps = json_array();
    for (size_t i = 0; i < n; i++) {
        if ((long long)i + 1 == drop) continue;
        json_array_append_new(steps, json_pack("{s:s, s:s, s:I}", "subject", subjects[i], "body",
                                               i < nb ? bodies[i] : "", "delay_days",
                                               (json_int_t)(i < nd ? atoll(delays[i]) : 0)));
    }
    if (add && n < STEPS_EDIT_MAX)
        json_array_append_new(steps, json_pack("{s:s, s:s, s:I}", "subject", "", "body", "",
                                               "delay_days", (json_int_t)(n ? 3 : 0)));
    return steps;
}

/* default_action: the form's own submit, first in the form so that Enter in a field submits
 * the form rather than removing step 1. */
static void step_editor(struct web *w, struct html *h, json_t *steps, const char *default_action)
{
    json_t *s;
    size_t i;
    html_printf(h,
                "<button type=\"submit\" name=\"action\" value=\"%s\" class=\"default\" "
                "tabindex=\"-1\" aria-hidden=\"true\"></button><div id=\"steps\">",
                default_action);
    json_array_foreach(steps, i, s)
        html_printf(h,
                    "<fieldset class=\"step\"><legend>Step %zu</legend><label>Subject "
                    "<input name=\"subject\" value=\"%s\" maxlength=\"500\"></label>"
                    "<label>HTML body <textarea name=\"body\">%s</textarea></label>"
                    "<label>Delay in days after the previous step <input type=\"number\" "
                    "name=\"delay_days\" value=\"%lld\" min=\"0\" max=\"365\"></label>"
                    "<button type=\"submit\" name=\"remove_step\" value=\"%zu\" "
                    "formnovalidate>Remove step %zu</button></fieldset>",
                    i + 1, html_esc(w->a, api_str(s, "subject")),
                    html_esc(w->a, api_str(s, "body")), api_int(s, "delay_days"), i + 1, i + 1);
    html_raw(h, "</div><p class=\"muted\">Spintax <code>{Hi|Hello}</code> and merge fields "
                "<code>{{firstname|there}}</code>, <code>{{company}}</code>, "
                "<code>{{website}}</code>, <code>{{email}}</code>. A follow-up with an empty "
                "subject is sent as a reply to the first email.</p><p><button type=\"submit\" "
                "name=\"action\" value=\"add_step\" id=\"add-step\" formnovalidate>Add a step"
                "</button></p>");
}

/* ---- the list and the create form ------------------------------------------------- */

static void campaign_rows(struct web *w, struct html *h, json_t *list)
{
    html_raw(h, "<section class=\"card\"><div class=\"scroll\"><table id=\"campaigns\"><thead>"
                "<tr><th>Name</th><th>Status</th><th>Sent today</th><th>Sent in all</th>"
                "<th>Recipients left</th></tr></thead><tbody>");
    json_t *c;
    size_t i;
    json_array_foreach(list, i, c)
    {
        json_t *st = json_object_get(c, "recipient_stats");
        html_printf(h,
                    "<tr><td><a href=\"/app/campaigns/%lld\">%s</a></td><td class=\"st-%s\">%s"
                    "</td><td>%lld / %lld</td><td>%lld</td><td>%lld</td></tr>",
                    api_int(c, "id"), html_esc(w->a, api_str(c, "name")),
                    html_esc(w->a, api_str(c, "status")), html_esc(w->a, api_str(c, "status")),
                    api_int(c, "sent_today"), api_int(c, "daily_limit"), api_int(c, "sent_total"),
                    api_int(st, "pending") + api_int(st, "in_progress"));
    }
    if (!json_array_size(list))
        html_raw(h, "<tr><td colspan=\"5\" class=\"muted\">No campaigns yet.</td></tr>");
    html_raw(h, "</tbody></table></div></section>");
}

static bool picked(const char *const *values, size_t n, const char *value)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(values[i], value) == 0) return true;
    return false;
}

static void create_form(struct web *w, struct html *h, json_t *steps)
{
    const char *err = NULL, *project = form_get(&w->form, "project_id");
    const char *chosen[32];
    size_t nchosen = form_values(&w->form, "account", chosen, 32);
    json_t *projects = web_api(w, M_GET, "projects.php", json_object(), &err);
    json_t *accounts = web_api(w, M_GET, "accounts.php", json_object(), &err);
    const char *name = form_get(&w->form, "name"), *limit = form_get(&w->form, "daily_limit"),
               *batch = form_get(&w->form, "batch_size");
    html_printf(h,
                "<section class=\"card\"><h2>New campaign</h2><form method=\"post\" "
                "action=\"/app/campaigns\" id=\"create-form\">%s<label>Name <input name=\"name\" "
                "required maxlength=\"200\" value=\"%s\"></label><label>Project (its leads get "
                "the emails) <select name=\"project_id\">",
                web_csrf_input(w), html_esc(w->a, name));
    json_t *p, *a;
    size_t i;
    json_array_foreach(json_object_get(projects, "projects"), i, p)
    {
        const char *id = arena_sprintf(w->a, "%lld", api_int(p, "id"));
        html_printf(h, "<option value=\"%s\"%s>%s</option>", id,
                    project && strcmp(project, id) == 0 ? " selected" : "",
                    html_esc(w->a, api_str(p, "name")));
    }
    html_raw(h, "</select></label><fieldset><legend>Sending accounts</legend>");
    json_array_foreach(json_object_get(accounts, "accounts"), i, a)
    {
        const char *v = arena_sprintf(w->a, "%s:%lld", api_str(a, "type"), api_int(a, "id"));
        html_printf(h,
                    "<label><input type=\"checkbox\" name=\"account\" value=\"%s\"%s> %s (%s)"
                    "</label>",
                    html_esc(w->a, v), picked(chosen, nchosen, v) ? " checked" : "",
                    html_esc(w->a, api_str(a, "email")), html_esc(w->a, api_str(a, "type")));
    }
    if (!json_array_size(json_object_get(accounts, "accounts")))
        html_raw(h, "<p class=\"muted\">No sending accounts yet: <a href=\"/app/accounts\">add "
                    "one</a>.</p>");
    html_printf(h,
                "</fieldset><label>Emails a day <input type=\"number\" name=\"daily_limit\" "
                "value=\"%s\" min=\"1\" max=\"10000\"></label><label>Emails a scheduler run "
                "<input type=\"number\" name=\"batch_size\" value=\"%s\" min=\"1\" max=\"500\">"
                "</label>",
                html_esc(w->a, limit ? limit : "50"), html_esc(w->a, batch ? batch : "5"));
    step_editor(w, h, steps, "create");
    html_raw(h, "<p><button type=\"submit\" name=\"action\" value=\"create\" "
                "id=\"create-campaign\">Create campaign (draft)</button></p></form></section>");
}

static bool campaigns_page(struct web *w, int status, json_t *steps, const char *error)
{
    const char *err = NULL;
    json_t *data = web_api(w, M_GET, "campaigns.php", json_object(), &err);
    struct html h;
    html_init(&h, w->a);
    html_printf(&h, "<h1>Campaigns</h1>%s", html_message(w->a, NULL, error ? error : err));
    campaign_rows(w, &h, json_object_get(data, "campaigns"));
    create_form(w, &h, steps);
    json_decref(steps);
    return web_page(w, status, "Campaigns", h.data);
}

bool page_campaigns(struct web *w)
{
    return campaigns_page(
        w, 200, json_pack("[{s:s, s:s, s:i}]", "subject", "", "body", "", "delay_days", 0), NULL);
}

static json_t *form_accounts(struct web *w)
{
    const char *chosen[32];
    size_t n = form_values(&w->form, "account", chosen, 32);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *colon = strchr(chosen[i], ':');
        if (!colon) continue;
        json_array_append_new(list, json_pack("{s:s%, s:I}", "type", chosen[i],
                                              (size_t)(colon - chosen[i]), "id",
                                              (json_int_t)atoll(colon + 1)));
    }
    return list;
}

static void set_int_field(struct web *w, json_t *obj, const char *name)
{
    const char *v = form_get(&w->form, name);
    if (v) json_object_set_new(obj, name, json_integer((json_int_t)atoll(v)));
}

bool page_campaigns_post(struct web *w)
{
    const char *action = form_get(&w->form, "action"), *drop = form_get(&w->form, "remove_step");
    if (drop) return campaigns_page(w, 200, form_steps(w, atoll(drop), false), NULL);
    if (action && strcmp(action, "add_step") == 0)
        return campaigns_page(w, 200, form_steps(w, 0, true), NULL);
    json_t *body =
        json_pack("{s:s?, s:o, s:o}", "name", form_get(&w->form, "name"), "sending_accounts",
                  form_accounts(w), "steps", form_steps(w, 0, false));
    set_int_field(w, body, "project_id");
    set_int_field(w, body, "daily_limit");
    set_int_field(w, body, "batch_size");
    const char *err = NULL;
    json_t *created = web_api(w, M_POST, "campaigns.php", body, &err);
    if (!created) return campaigns_page(w, 400, form_steps(w, 0, false), err);
    return web_redirect(w, arena_sprintf(w->a, "/app/campaigns/%lld", api_int(created, "id")));
}

/* ---- one campaign ------------------------------------------------------------------ */

/* Recipients by state as horizontal bars, drawn here (no script, no image request). */
static void state_chart(struct web *w, struct html *h, json_t *stats)
{
    long long max = 1;
    for (size_t i = 0; i < STATE_COUNT; i++)
        if (api_int(stats, states[i]) > max) max = api_int(stats, states[i]);
    html_printf(
        h,
        "<svg class=\"chart states\" id=\"state-chart\" viewBox=\"0 0 400 %d\" role=\"img\" "
        "aria-label=\"Recipients by state\">",
        (int)STATE_COUNT * 20 + 4);
    for (size_t i = 0; i < STATE_COUNT; i++) {
        long long n = api_int(stats, states[i]);
        html_printf(h,
                    "<text x=\"0\" y=\"%zu\">%s</text><rect class=\"bar\" x=\"90\" y=\"%zu\" "
                    "width=\"%lld\" height=\"14\"><title>%s: %lld</title></rect>"
                    "<text x=\"%lld\" y=\"%zu\" data-state=\"%s\">%lld</text>",
                    i * 20 + 14, states[i], i * 20 + 3, n * 260 / max, states[i], n,
                    94 + n * 260 / max, i * 20 + 14, states[i], n);
    }
    html_raw(h, "</svg>");
    (void)w;
}

/* ---- recipients by state per day --------------------------------------------------------- */

enum { DAILY_DAYS = 30, DAY_SECONDS = 86400 };

/* Day number (days since the epoch) as YYYY-MM-DD, UTC. */
static const char *day_text(struct web *w, int64_t day)
{
    time_t t = (time_t)(day * DAY_SECONDS);
    struct tm tm;
    gmtime_r(&t, &tm);
    return arena_sprintf(w->a, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* The days from first to last (at most DAILY_DAYS), each with its counts; days the store
 * left out (nothing happened) stay zero. */
static struct campaign_day *daily_fill(struct web *w, const struct campaign_day *rows, size_t n,
                                       int64_t first, int64_t last)
{
    size_t days = (size_t)(last - first + 1);
    struct campaign_day *out = arena_alloc(w->a, days * sizeof *out);
    for (size_t i = 0; i < days; i++)
        out[i] = (struct campaign_day){.day = first + (int64_t)i};
    for (size_t i = 0; i < n; i++)
        if (rows[i].day >= first && rows[i].day <= last) out[rows[i].day - first] = rows[i];
    return out;
}

/* The chart's series, bottom up: sends by outcome, then recipients who stopped that day. */
enum { SERIES_COUNT = 5 };
static const char *const series[SERIES_COUNT] = {"sent", "bounced", "failed", "replied",
                                                 "unsubscribed"};

static void day_parts(const struct campaign_day *d, int64_t parts[SERIES_COUNT])
{
    parts[0] = d->sent, parts[1] = d->bounced, parts[2] = d->failed;
    parts[3] = d->replied, parts[4] = d->unsubscribed;
}

static int64_t day_total(const struct campaign_day *d)
{
    int64_t parts[SERIES_COUNT], total = 0;
    day_parts(d, parts);
    for (size_t i = 0; i < SERIES_COUNT; i++)
        total += parts[i];
    return total;
}

/* One day's column: bars stacked bottom up (in series order) on a 100-high plot whose
 * baseline is y=120; the numbers ride along as data attributes and a tooltip. */
static void daily_column(struct web *w, struct html *h, const struct campaign_day *d, int x,
                         int width, int64_t max)
{
    int64_t parts[SERIES_COUNT];
    day_parts(d, parts);
    html_printf(h, "<g class=\"day\" data-day=\"%s\"", day_text(w, d->day));
    for (size_t i = 0; i < SERIES_COUNT; i++)
        html_printf(h, " data-%s=\"%lld\"", series[i], (long long)parts[i]);
    html_printf(h, "><title>%s:", day_text(w, d->day));
    for (size_t i = 0; i < SERIES_COUNT; i++)
        html_printf(h, "%s %lld %s", i ? "," : "", (long long)parts[i], series[i]);
    html_raw(h, "</title>");
    int64_t below = 0;
    for (size_t i = 0; i < SERIES_COUNT; i++) {
        int y0 = 120 - (int)(below * 100 / max), y1 = 120 - (int)((below + parts[i]) * 100 / max);
        if (y0 > y1)
            html_printf(h, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>",
                        series[i], x, y1, width, y0 - y1);
        below += parts[i];
    }
    html_raw(h, "</g>");
}

/* The swatches naming each series' colour (the CSS gives .legend .<series> its fill). */
static void daily_legend(struct html *h)
{
    html_raw(h, "<p class=\"legend muted\">");
    for (size_t i = 0; i < SERIES_COUNT; i++)
        html_printf(h, "%s<span class=\"swatch %s\">■</span> %s", i ? " · " : "", series[i],
                    series[i]);
    html_raw(h, ". Sends count by the day they were made; replies and unsubscribes by the day "
                "the recipient's state changed.</p>");
}

/* Recipients by state per UTC day over the campaign's sending life (its last DAILY_DAYS days
 * at most), as stacked columns drawn here: sends by outcome, and the recipients who replied
 * or unsubscribed that day (the store keeps when each recipient's state last changed). */
static void daily_chart(struct web *w, struct html *h, long long id)
{
    /* the app clock, as the stored times are (LEADGEN_TIME_OFFSET moves both) */
    int64_t today = clock_now() / DAY_SECONDS, first = today - (DAILY_DAYS - 1);
    struct campaign_day *rows = NULL;
    size_t n = 0;
    struct err err = {0};
    struct store *st = w->req->store;
    if (st->ops->campaign_daily(st, w->user_id, id, first * DAY_SECONDS, w->a, &rows, &n, &err) !=
        RC_OK)
        n = 0; /* the chart is extra: the page stands without it */
    if (n > 0 && rows[0].day > first) first = rows[0].day;
    if (n == 0) first = today;
    struct campaign_day *days = daily_fill(w, rows, n, first, today);
    size_t count = (size_t)(today - first + 1);
    int64_t max = 1;
    for (size_t i = 0; i < count; i++)
        if (day_total(&days[i]) > max) max = day_total(&days[i]);
    int step = 360 / (int)count, width = step > 2 ? step - 2 : 1;
    html_printf(h,
                "<h3 id=\"daily-caption\">Recipients by state per day (UTC), last %zu day%s</h3>"
                "<svg class=\"chart daily\" id=\"daily-chart\" viewBox=\"0 0 400 140\" "
                "role=\"img\" aria-label=\"Recipients by state per day: sent, bounced, failed, "
                "replied, unsubscribed\"><title id=\"daily-title\">Recipients by state per day "
                "(sent, bounced, failed, replied, unsubscribed), %s to %s</title>"
                "<text x=\"0\" y=\"10\">%lld</text><text x=\"0\" y=\"120\">0</text>",
                count, count == 1 ? "" : "s", day_text(w, first), day_text(w, today),
                (long long)max);
    for (size_t i = 0; i < count; i++)
        daily_column(w, h, &days[i], 36 + (int)i * step, width, max);
    html_printf(h,
                "<text x=\"36\" y=\"134\">%s</text><text x=\"396\" y=\"134\" "
                "text-anchor=\"end\">%s</text></svg>",
                day_text(w, first), day_text(w, today));
    daily_legend(h);
}

static void control_buttons(struct web *w, struct html *h, long long id, const char *status)
{
    const char *action = arena_sprintf(w->a, "/app/campaigns/%lld", id);
    static const struct {
        const char *when, *action, *label;
    } rows[] = {
        {"draft", "launch", "Launch"},  {"active", "pause", "Pause"},
        {"paused", "resume", "Resume"}, {"active", "cancel", "Cancel"},
        {"paused", "cancel", "Cancel"},
    };
    html_raw(h, "<div id=\"controls\">");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (strcmp(rows[i].when, status) == 0)
            html_printf(h, "%s ",
                        web_button_form(w, action, rows[i].label, "action", rows[i].action));
    html_raw(h, "</div>");
}

static bool known_state(const char *s)
{
    for (size_t i = 0; s && i < STATE_COUNT; i++)
        if (strcmp(states[i], s) == 0) return true;
    return false;
}

static void recipients_table(struct web *w, struct html *h, long long id)
{
    const char *state = req_query(w->req, "state"), *after = req_query(w->req, "after");
    if (!known_state(state)) state = NULL;
    json_t *args = json_pack("{s:I, s:I}", "campaign_id", (json_int_t)id, "limit",
                             (json_int_t)RECIPIENTS_PAGE);
    if (state) json_object_set_new(args, "status", json_string(state));
    if (after && atoll(after) > 0)
        json_object_set_new(args, "after_id", json_integer((json_int_t)atoll(after)));
    const char *err = NULL;
    json_t *data = web_api(w, M_GET, "campaigns/recipients.php", args, &err);
    html_printf(h,
                "<section class=\"card\"><h2>Recipients</h2>%s<p class=\"filters\">"
                "<a href=\"/app/campaigns/%lld\">all</a>",
                html_message(w->a, NULL, err), id);
    for (size_t i = 0; i < STATE_COUNT; i++)
        html_printf(h, " · <a href=\"/app/campaigns/%lld?state=%s\"%s>%s</a>", id, states[i],
                    state && strcmp(state, states[i]) == 0 ? " class=\"current\"" : "", states[i]);
    html_raw(h, "</p><div class=\"scroll\"><table id=\"recipients\"><thead><tr><th>Email</th>"
                "<th>State</th><th>Step</th><th>Last sent</th><th>Next</th><th>Note</th></tr>"
                "</thead><tbody>");
    json_t *r;
    size_t i;
    json_array_foreach(json_object_get(data, "recipients"), i, r) html_printf(
        h,
        "<tr><td>%s</td><td class=\"st-%s\">%s</td><td>%lld</td><td>%s</td>"
        "<td>%s</td><td>%s</td></tr>",
        html_esc(w->a, api_str(r, "email")), html_esc(w->a, api_str(r, "status")),
        html_esc(w->a, api_str(r, "status")), api_int(r, "current_step"),
        html_esc(w->a, api_str(r, "last_sent_at")), html_esc(w->a, api_str(r, "next_send_at")),
        html_esc(w->a, api_str(r, "reason")));
    if (!json_array_size(json_object_get(data, "recipients")))
        html_raw(h, "<tr><td colspan=\"6\" class=\"muted\">No recipients here.</td></tr>");
    html_printf(h,
                "</tbody></table></div><p class=\"pager\"><span class=\"muted\">%lld in all"
                "</span>",
                api_int(data, "total"));
    json_t *next = json_object_get(data, "next_after_id");
    if (json_is_integer(next))
        html_printf(h, " <a id=\"next\" href=\"/app/campaigns/%lld?%s%s%safter=%lld\">Next →</a>",
                    id, state ? "state=" : "", state ? state : "", state ? "&amp;" : "",
                    (long long)json_integer_value(next));
    html_raw(h, "</p></section>");
}

/* ---- the preview of each step for a chosen lead -------------------------------------- */

static void preview_step(struct web *w, struct html *h, json_t *campaign, json_t *lead, size_t step,
                         json_t *s, const char **first_subject)
{
    static const char *const fields[TPL_FIELD_COUNT] = {
        [TPL_FIRSTNAME] = "firstname",    [TPL_LASTNAME] = "lastname", [TPL_COMPANY] = "company",
        [TPL_WEBSITE] = "website",        [TPL_EMAIL] = "email",       [TPL_PHONES] = "phones",
        [TPL_DESCRIPTION] = "description"};
    struct msg_input in = {.subject = api_str(s, "subject"), .body_html = api_str(s, "body")};
    for (size_t f = 0; f < TPL_FIELD_COUNT; f++)
        in.lead.values[f] = api_str(lead, fields[f]);
    json_t *account = json_array_get(json_object_get(campaign, "sending_accounts"), 0);
    in.from_addr = account ? api_str(account, "email") : "preview@example.com";
    in.from_name = account ? api_str(account, "name") : "";
    in.to_addr = api_str(lead, "email");
    in.seed = msg_seed(api_int(campaign, "id"), api_int(lead, "id"), (int)step);
    in.first_subject = step ? *first_subject : NULL;
    in.message_id = msg_make_id(w->a, in.from_addr);
    in.unsubscribe_url = arena_sprintf(w->a, "%s/u/preview", web_options()->base_url);
    in.date = time(NULL);
    struct msg_output out;
    struct err err = {0};
    html_printf(h, "<div class=\"preview\" id=\"preview-%zu\"><h3>Step %zu</h3>", step + 1,
                step + 1);
    if (msg_render(&in, w->a, &out, &err) != RC_OK) {
        html_printf(h, "<p class=\"error\">%s</p></div>", html_esc(w->a, err.msg));
        return;
    }
    if (!step) *first_subject = out.subject;
    html_printf(h,
                "<p><strong>Subject:</strong> <span class=\"subject\">%s</span></p>"
                "<pre class=\"body\">%s</pre></div>",
                html_esc(w->a, out.subject), html_esc(w->a, out.text));
}

static void preview(struct web *w, struct html *h, json_t *campaign)
{
    const char *err = NULL, *chosen = req_query(w->req, "lead");
    json_t *data =
        web_api(w, M_GET, "leads.php",
                json_pack("{s:I, s:I}", "project_id", (json_int_t)api_int(campaign, "project_id"),
                          "limit", (json_int_t)PREVIEW_LEADS),
                &err);
    json_t *leads = json_object_get(data, "leads"), *l, *lead = json_array_get(leads, 0);
    long long id = api_int(campaign, "id");
    html_printf(h,
                "<section class=\"card\" id=\"preview\"><h2>Preview</h2><form method=\"get\" "
                "action=\"/app/campaigns/%lld\"><label>Rendered for <select name=\"lead\">",
                id);
    size_t i;
    json_array_foreach(leads, i, l)
    {
        bool is = chosen && atoll(chosen) == api_int(l, "id");
        if (is) lead = l;
        html_printf(h, "<option value=\"%lld\"%s>%s</option>", api_int(l, "id"),
                    is ? " selected" : "", html_esc(w->a, api_str(l, "email")));
    }
    html_raw(h, "</select></label><button type=\"submit\" id=\"show-preview\">Show</button>"
                "</form>");
    if (!lead) html_raw(h, "<p class=\"muted\">The project has no leads to preview with.</p>");
    json_t *s;
    const char *first_subject = NULL;
    json_array_foreach(lead ? json_object_get(campaign, "steps") : NULL, i, s)
        preview_step(w, h, campaign, lead, i, s, &first_subject);
    html_raw(h, "</section>");
}

/* ---- the page ---------------------------------------------------------------------- */

static const char generate_form[] =
    "<section class=\"card\"><h2>Generate with AI</h2><form method=\"post\" "
    "action=\"/app/campaigns/%lld\">%s<input type=\"hidden\" name=\"action\" value=\"generate\">"
    "<label>What the emails are about <textarea name=\"prompt\" required></textarea></label>"
    "<label>Follow-ups <input type=\"number\" name=\"num_followups\" value=\"2\" min=\"1\" "
    "max=\"5\"></label><button type=\"submit\" id=\"generate\">Generate with AI</button> "
    "<span class=\"muted\">1 credit per email; the editor is filled, nothing is saved until "
    "you save the steps.</span></form></section>";

/* The campaign (the API's detail answer), or NULL when it is not the user's. */
static json_t *own_campaign(struct web *w)
{
    int64_t id = web_arg_id(w);
    const char *err = NULL;
    return id ? web_api(w, M_GET, "campaigns.php", json_pack("{s:I}", "id", (json_int_t)id), &err)
              : NULL;
}

static bool campaign_page(struct web *w, json_t *c, int status, json_t *steps, const char *ok,
                          const char *error)
{
    long long id = api_int(c, "id");
    const char *st = api_str(c, "status");
    bool editable = strcmp(st, "draft") == 0 || strcmp(st, "paused") == 0;
    struct html h;
    html_init(&h, w->a);
    if (strcmp(st, "active") == 0) html_raw(&h, "<meta name=\"lg-refresh\" content=\"3\">");
    json_t *stats = json_object_get(c, "recipient_stats");
    html_printf(&h,
                "<p><a href=\"/app/campaigns\">← Campaigns</a></p><h1>%s</h1>%s"
                "<section class=\"card\"><p>Status: <strong id=\"status\">%s</strong> %s</p>"
                "<p>Sent today <strong id=\"sent-today\">%lld</strong> of %lld · sent in all "
                "<strong id=\"sent-total\">%lld</strong> · recipients left <strong "
                "id=\"left\">%lld</strong></p>",
                html_esc(w->a, api_str(c, "name")), html_message(w->a, ok, error),
                html_esc(w->a, st), html_esc(w->a, api_str(c, "status_reason")),
                api_int(c, "sent_today"), api_int(c, "daily_limit"), api_int(c, "sent_total"),
                api_int(stats, "pending") + api_int(stats, "in_progress"));
    control_buttons(w, &h, id, st);
    state_chart(w, &h, stats);
    daily_chart(w, &h, id);
    html_raw(&h, "</section>");
    recipients_table(w, &h, id);
    preview(w, &h, c);
    if (editable) {
        html_printf(&h,
                    "<section class=\"card\"><h2>Steps</h2><form method=\"post\" "
                    "action=\"/app/campaigns/%lld\" id=\"steps-form\">%s",
                    id, web_csrf_input(w));
        step_editor(w, &h, steps ? steps : json_object_get(c, "steps"), "save_steps");
        html_raw(&h, "<p><button type=\"submit\" name=\"action\" value=\"save_steps\" "
                     "id=\"save-steps\">Save steps</button></p></form></section>");
        html_printf(&h, generate_form, id, web_csrf_input(w));
    }
    json_decref(steps);
    return web_page(w, status, api_str(c, "name"), h.data);
}

/* The outcome of a change, from the address the change redirected to. */
static const char *done_text(struct web *w)
{
    const char *done = req_query(w->req, "done");
    if (!done) return NULL;
    if (strncmp(done, "launched-", 9) == 0)
        return arena_sprintf(w->a, "Launched to %lld recipients.", atoll(done + 9));
    static const char *const texts[][2] = {
        {"saved", "Steps saved."},
        {"paused", "Campaign paused."},
        {"active", "Campaign active."},
        {"cancelled", "Campaign cancelled."},
        {"completed", "Campaign completed."},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (strcmp(done, texts[i][0]) == 0) return texts[i][1];
    return NULL;
}

bool page_campaign(struct web *w)
{
    json_t *c = own_campaign(w);
    if (!c) return web_not_found(w);
    return campaign_page(w, c, 200, NULL, done_text(w), NULL);
}

static bool generate(struct web *w, json_t *c)
{
    const char *err = NULL, *n = form_get(&w->form, "num_followups");
    json_t *args = json_pack("{s:s?}", "prompt", form_get(&w->form, "prompt"));
    if (n) json_object_set_new(args, "num_followups", json_integer((json_int_t)atoll(n)));
    json_t *r = web_api(w, M_POST, "campaigns/generate.php", args, &err);
    if (!r) return campaign_page(w, c, 400, NULL, NULL, err);
    json_t *steps = json_incref(json_object_get(r, "steps"));
    return campaign_page(
        w, c, 200, steps,
        arena_sprintf(w->a, "Generated %zu steps: review them and save.", json_array_size(steps)),
        NULL);
}

/* Runs a launch, control or steps call; the page is reloaded with its outcome. */
static bool change(struct web *w, json_t *c, const char *action)
{
    json_int_t id = (json_int_t)api_int(c, "id");
    const char *err = NULL, *done;
    json_t *r;
    if (strcmp(action, "launch") == 0) {
        r = web_api(w, M_POST, "campaigns/launch.php", json_pack("{s:I}", "campaign_id", id), &err);
        done = r ? arena_sprintf(w->a, "launched-%lld", api_int(r, "recipients")) : NULL;
    } else if (strcmp(action, "save_steps") == 0) {
        r = web_api(w, M_PUT, "campaigns/steps.php",
                    json_pack("{s:I, s:o}", "campaign_id", id, "steps", form_steps(w, 0, false)),
                    &err);
        done = "saved";
        if (!r) return campaign_page(w, c, 400, form_steps(w, 0, false), NULL, err);
    } else {
        r = web_api(w, M_POST, "campaigns/control.php",
                    json_pack("{s:I, s:s}", "campaign_id", id, "action", action), &err);
        done = r ? html_esc(w->a, api_str(r, "status")) : NULL;
    }
    if (!r) return campaign_page(w, c, 400, NULL, NULL, err);
    /* a GET after the change: the page reloads itself while active, never re-posting */
    return web_redirect(w, arena_sprintf(w->a, "/app/campaigns/%lld?done=%s", (long long)id, done));
}

bool page_campaign_post(struct web *w)
{
    json_t *c = own_campaign(w);
    if (!c) return web_not_found(w);
    const char *action = form_get(&w->form, "action"), *drop = form_get(&w->form, "remove_step");
    if (drop) return campaign_page(w, c, 200, form_steps(w, atoll(drop), false), NULL, NULL);
    if (!action) return campaign_page(w, c, 400, NULL, NULL, "Unknown action.");
    if (strcmp(action, "add_step") == 0)
        return campaign_page(w, c, 200, form_steps(w, 0, true), NULL, NULL);
    if (strcmp(action, "generate") == 0) return generate(w, c);
    return change(w, c, action);
}
