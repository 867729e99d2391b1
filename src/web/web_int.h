/* Internals of the web dashboard shared by its files: the page context, the HTML
 * builder and layout (html.c), form and cookie parsing (form.c), sessions, CSRF and
 * login throttling (session.c), and the pages (page_*.c). Not for use outside src/web/. */
#ifndef LEADGEN_WEB_INT_H
#define LEADGEN_WEB_INT_H

#include "web/web.h"

#include <stdarg.h>

const struct web_options *web_options(void);

/* An HTML text growing in the request arena (old copies stay there: at most twice). */
struct html {
    struct arena *a;
    char *data;
    size_t len, cap;
};
void html_init(struct html *h, struct arena *a);
void html_raw(struct html *h, const char *s);
/* printf of trusted markup: every %s argument must already be escaped (html_esc). */
void html_printf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text (or an attribute value) escaped for HTML. */
void html_text(struct html *h, const char *s);
const char *html_esc(struct arena *a, const char *s);
/* "YYYY-MM-DD HH:MM" UTC. */
const char *html_time(struct arena *a, int64_t unix_seconds);
/* A page's outcome line: the error (an alert) when there is one, else ok (a
 * status), else nothing; both escaped. */
const char *html_message(struct arena *a, const char *ok, const char *error);

/* s percent-encoded for a URL's query (an arena copy). */
const char *url_escape(struct arena *a, const char *s);
/* A submitted application/x-www-form-urlencoded body (or query string). */
struct form_field {
    const char *name, *value;
};
struct form {
    struct form_field *fields;
    size_t count;
};
void form_parse(struct arena *a, const char *body, size_t len, struct form *out);
/* The POST body, urlencoded or multipart/form-data. */
void form_parse_request(struct arena *a, struct request *req, struct form *out);
/* The first value of name, trimmed; NULL when absent or empty. */
const char *form_get(const struct form *f, const char *name);
/* A cookie's value from the Cookie header, or NULL. */
const char *cookie_get(struct request *req, const char *name);

/* One page request as the pages see it. */
struct web {
    struct request *req;
    struct arena *a;
    struct form form;       /* the POST body */
    int64_t user_id;        /* 0 without a session */
    const char *email;      /* the signed-in user's */
    const char *token_hash; /* the session's */
    const char *csrf;       /* the session's CSRF token */
    const char *oauth_state;
    const char *arg; /* the path's '*' part: an id, a file name */
};

/* Answers with a page in the layout (title and body are trusted markup). */
bool web_page(struct web *w, int status, const char *title, const char *body);
/* A page outside the layout's navigation (sign-in). */
bool web_bare_page(struct web *w, int status, const char *title, const char *body);
bool web_redirect(struct web *w, const char *location);
bool web_not_found(struct web *w);
bool web_forbidden(struct web *w, const char *why);
/* A hidden input with the session's CSRF token. */
const char *web_csrf_input(struct web *w);
/* A small form of one button that posts to action (with the CSRF token). */
const char *web_button_form(struct web *w, const char *action, const char *label,
                            const char *hidden_name, const char *hidden_value);
/* Security headers every page carries. */
void web_security_headers(struct request *req);

/* Sessions (session.c). */
bool web_session_load(struct web *w);
/* Whether the POST carries the session's CSRF token (constant-time compare). */
bool web_csrf_ok(struct web *w);
bool web_tokens_equal(const char *a, const char *b);

/* Login throttling: per account and per client address, in this process. */
enum throttle_verdict { THROTTLE_OK, THROTTLE_SLOW, THROTTLE_LOCKED };
enum throttle_verdict throttle_check(const char *email, const char *addr, unsigned *retry_after);
void throttle_failed(const char *email, const char *addr);
void throttle_succeeded(const char *email);

/* The pages. */
bool page_login_get(struct web *w);
bool page_login_post(struct web *w);
bool page_logout_post(struct web *w);
bool page_home(struct web *w);
bool page_key_get(struct web *w);
bool page_key_post(struct web *w);
bool page_static(struct web *w);
bool page_projects(struct web *w);
bool page_projects_post(struct web *w);
bool page_project(struct web *w);
bool page_project_post(struct web *w);
bool page_project_export(struct web *w);
bool page_accounts(struct web *w);
bool page_accounts_post(struct web *w);
bool page_gmail_connect(struct web *w);
bool page_gmail_callback(struct web *w);
bool page_campaigns(struct web *w);
bool page_campaigns_post(struct web *w);
bool page_campaign(struct web *w);
bool page_campaign_post(struct web *w);
bool page_ads(struct web *w);
bool page_ads_post(struct web *w);

/* Calls an API route as the signed-in user (args: the query for GET, else the JSON body;
 * taken). The data object (kept until the page is answered), or NULL with *error set to
 * the API's message. Only for routes that do not wait on the network, unless the page is
 * itself on the job pool (a POST). */
/* A member of an API answer: "" for a missing or non-string one, 0 for a non-integer. */
const char *api_str(json_t *obj, const char *name);
long long api_int(json_t *obj, const char *name);
json_t *web_api(struct web *w, enum http_method method, const char *file, json_t *args,
                const char **error);
/* As web_api with a body of another type (a CSV file); query: the query string's
 * members (taken). */
json_t *web_api_raw(struct web *w, enum http_method method, const char *file, json_t *query,
                    const char *body, size_t len, const char *type, const char **error);
/* A GET answered as a stream (a CSV export) becomes the page's answer; else false with
 * *error set (nothing answered). */
bool web_api_stream(struct web *w, const char *file, json_t *query, const char **error);
/* The values of every field called name (checkboxes), at most max. */
size_t form_values(const struct form *f, const char *name, const char **out, size_t max);

/* An id from the path, or 0 when it is not a positive number. */
int64_t web_arg_id(const struct web *w);

#endif
