/* HTML for the dashboard: an arena-backed builder, escaping, and the layout every page
 * shares (navigation, the sign-out form, the security headers). */
#include "web/web_int.h"

#include "base/clock.h"

#include <stdio.h>
#include <string.h>

void html_init(struct html *h, struct arena *a)
{
    *h = (struct html){.a = a, .cap = 1024};
    h->data = arena_alloc(a, h->cap);
}

static void reserve(struct html *h, size_t more)
{
    if (h->len + more + 1 <= h->cap) return;
    size_t cap = h->cap;
    while (h->len + more + 1 > cap)
        cap *= 2;
    char *grown = arena_alloc(h->a, cap);
    memcpy(grown, h->data, h->len + 1);
    h->data = grown;
    h->cap = cap;
}

void html_raw(struct html *h, const char *s)
{
    size_t n = strlen(s);
    reserve(h, n);
    memcpy(h->data + h->len, s, n + 1);
    h->len += n;
}

void html_printf(struct html *h, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        reserve(h, (size_t)n);
        vsnprintf(h->data + h->len, (size_t)n + 1, fmt, again);
        h->len += (size_t)n;
    }
    va_end(again);
}

void html_text(struct html *h, const char *s)
{
    html_raw(h, html_esc(h->a, s));
}

const char *html_esc(struct arena *a, const char *s)
{
    if (!s) return "";
    char *out = arena_alloc(a, strlen(s) * 6 + 1), *o = out;
    for (const char *p = s; *p; p++) {
        const char *ent = *p == '&'    ? "&amp;"
                          : *p == '<'  ? "&lt;"
                          : *p == '>'  ? "&gt;"
                          : *p == '"'  ? "&quot;"
                          : *p == '\'' ? "&#39;"
                                       : NULL;
        if (ent)
            o = stpcpy(o, ent);
        else
            *o++ = *p;
    }
    *o = '\0';
    return out;
}

const char *html_time(struct arena *a, int64_t unix_seconds)
{
    char t[20];
    clock_format(unix_seconds, t);
    t[16] = '\0';
    return arena_strdup(a, t);
}

const char *html_message(struct arena *a, const char *ok, const char *error)
{
    if (error)
        return arena_sprintf(a, "<p class=\"error\" role=\"alert\">%s</p>", html_esc(a, error));
    if (ok) return arena_sprintf(a, "<p class=\"ok\" role=\"status\">%s</p>", html_esc(a, ok));
    return "";
}

/* ---- the answer ---------------------------------------------------------- */

void web_security_headers(struct request *req)
{
    req_add_header(req, "Content-Security-Policy",
                   "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' "
                   "data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                   "base-uri 'none'");
    req_add_header(req, "X-Frame-Options", "DENY");
    req_add_header(req, "Referrer-Policy", "no-referrer");
    req_add_header(req, "X-Content-Type-Options", "nosniff");
    req_add_header(req, "Cache-Control", "no-store");
}

static bool answer(struct web *w, int status, const char *type, const char *body)
{
    struct request *req = w->req;
    web_security_headers(req);
    req->raw_body = body;
    req->raw_len = strlen(body);
    req->raw_type = type;
    req->raw_status = status;
    if (!req->data) req->data = json_object(); /* the router wants data; the page is sent */
    return true;
}

static const char head_fmt[] =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<meta name=\"referrer\" content=\"no-referrer\"><title>%s · leadgen</title>"
    "<link rel=\"stylesheet\" href=\"/app/static/app.css\">"
    "<script src=\"/app/static/app.js\" defer></script></head><body>";

static const struct {
    const char *href, *label;
} nav[] = {
    {"/app/", "Home"},
    {"/app/projects", "Projects"},
    {"/app/accounts", "Sending accounts"},
    {"/app/campaigns", "Campaigns"},
    {"/app/ads", "Ads"},
};

bool web_bare_page(struct web *w, int status, const char *title, const char *body)
{
    struct html h;
    html_init(&h, w->a);
    html_printf(&h, head_fmt, title);
    html_printf(&h, "<main class=\"narrow\">%s</main></body></html>", body);
    return answer(w, status, "text/html; charset=utf-8", h.data);
}

bool web_page(struct web *w, int status, const char *title, const char *body)
{
    struct html h;
    html_init(&h, w->a);
    html_printf(&h, head_fmt, title);
    html_raw(&h, "<header><nav><strong>leadgen</strong>");
    for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++)
        html_printf(&h, " <a href=\"%s\">%s</a>", nav[i].href, nav[i].label);
    html_printf(&h, "<span class=\"who\">%s %s</span></nav></header><main>%s</main></body></html>",
                html_esc(w->a, w->email), web_button_form(w, "/logout", "Sign out", NULL, NULL),
                body);
    return answer(w, status, "text/html; charset=utf-8", h.data);
}

bool web_redirect(struct web *w, const char *location)
{
    req_add_header(w->req, "Location", location);
    return answer(w, 303, "text/html; charset=utf-8", "");
}

bool web_not_found(struct web *w)
{
    const char *body = "<h1>Not found</h1><p>There is nothing here, or it is not yours.</p>";
    return w->user_id ? web_page(w, 404, "Not found", body)
                      : web_bare_page(w, 404, "Not found", body);
}

bool web_forbidden(struct web *w, const char *why)
{
    return web_bare_page(w, 403, "Refused",
                         arena_sprintf(w->a, "<h1>Refused</h1><p>%s</p>", html_esc(w->a, why)));
}

const char *web_csrf_input(struct web *w)
{
    return arena_sprintf(w->a, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
                         html_esc(w->a, w->csrf));
}

const char *web_button_form(struct web *w, const char *action, const char *label,
                            const char *hidden_name, const char *hidden_value)
{
    const char *hidden = hidden_name ? arena_sprintf(w->a,
                                                     "<input type=\"hidden\" name=\"%s\" "
                                                     "value=\"%s\">",
                                                     hidden_name, html_esc(w->a, hidden_value))
                                     : "";
    return arena_sprintf(w->a,
                         "<form method=\"post\" action=\"%s\" class=\"inline\">%s%s"
                         "<button type=\"submit\">%s</button></form>",
                         action, web_csrf_input(w), hidden, label);
}
