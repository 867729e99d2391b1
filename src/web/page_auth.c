/* Sign-in and sign-out. The sign-in form is guarded by a double-submit CSRF token (a
 * cookie and a hidden field that must match) since there is no session yet. */
#include "web/web_int.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "core/keys.h"
#include "core/passwords.h"

#include <string.h>
#include <time.h>

enum { SESSION_TTL = 12 * 3600, TOKEN_HEX = 64 };

static bool secure_cookies(void)
{
    const char *u = web_options()->public_url;
    return u && strncmp(u, "https://", 8) == 0;
}

static void set_cookie(struct web *w, const char *name, const char *value, int max_age)
{
    req_add_header(w->req, "Set-Cookie",
                   arena_sprintf(w->a, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
                                 name, value, max_age, secure_cookies() ? "; Secure" : ""));
}

static bool login_form(struct web *w, int status, const char *message, const char *email)
{
    const char *token = cookie_get(w->req, "lg_csrf");
    if (!token || strlen(token) != TOKEN_HEX) {
        char fresh[TOKEN_HEX + 1];
        str_random_hex(TOKEN_HEX / 2, fresh);
        token = arena_strdup(w->a, fresh);
        set_cookie(w, "lg_csrf", token, SESSION_TTL);
    }
    const char *note = message ? arena_sprintf(w->a, "<p class=\"error\" role=\"alert\">%s</p>",
                                               html_esc(w->a, message))
                               : "";
    return web_bare_page(
        w, status, "Sign in",
        arena_sprintf(w->a,
                      "<h1>Sign in to leadgen</h1>%s<form method=\"post\" action=\"/login\">"
                      "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
                      "<label>Email <input type=\"email\" name=\"email\" value=\"%s\" required "
                      "autocomplete=\"username\"></label>"
                      "<label>Password <input type=\"password\" name=\"password\" required "
                      "autocomplete=\"current-password\"></label>"
                      "<button type=\"submit\">Sign in</button></form>",
                      note, token, html_esc(w->a, email ? email : "")));
}

bool page_login_get(struct web *w)
{
    if (w->user_id) return web_redirect(w, "/app/");
    return login_form(w, 200, NULL, NULL);
}

static bool start_session(struct web *w, int64_t user_id)
{
    char token[TOKEN_HEX + 1], hash[KEY_HASH_LEN + 1], csrf[TOKEN_HEX + 1];
    str_random_hex(TOKEN_HEX / 2, token);
    str_random_hex(TOKEN_HEX / 2, csrf);
    keys_hash(token, hash);
    struct err err = {0};
    int64_t now = clock_now();
    struct store *st = w->req->store;
    if (st->ops->session_create(st, hash, user_id, csrf, now, now + SESSION_TTL, &err) != RC_OK) {
        log_error("web login: %s", err.msg);
        return login_form(w, 500, "The sign-in could not be recorded; try again.", NULL);
    }
    set_cookie(w, "lg_session", token, SESSION_TTL);
    return web_redirect(w, "/app/");
}

static bool throttled(struct web *w, unsigned retry_after)
{
    char seconds[16];
    snprintf(seconds, sizeof seconds, "%u", retry_after);
    req_add_header(w->req, "Retry-After", seconds);
    return login_form(w, 429, "Too many failed sign-ins. Wait a while and try again.", NULL);
}

bool page_login_post(struct web *w)
{
    if (!web_tokens_equal(form_get(&w->form, "csrf"), cookie_get(w->req, "lg_csrf")))
        return web_forbidden(w, "The form expired or did not come from this site. Reload the "
                                "sign-in page and try again.");
    const char *email = form_get(&w->form, "email"), *password = form_get(&w->form, "password");
    if (!email || !password) return login_form(w, 400, "Enter your email and password.", email);
    unsigned retry_after = 0;
    enum throttle_verdict v = throttle_check(email, w->req->client, &retry_after);
    if (v == THROTTLE_LOCKED) return throttled(w, retry_after);
    if (v == THROTTLE_SLOW) { /* on the job pool: this waits a job thread, not an event thread */
        struct timespec pause = {1, 0};
        nanosleep(&pause, NULL);
    }
    int64_t user_id = 0;
    char *hash = NULL;
    struct err err = {0};
    struct store *st = w->req->store;
    enum rc rc = st->ops->user_password(st, email, w->a, &user_id, &hash, &err);
    if (rc != RC_OK && rc != RC_NOT_FOUND) {
        log_error("web login: %s", err.msg);
        return login_form(w, 500, "Sign-in is unavailable right now; try again.", email);
    }
    bool ok = rc == RC_OK && passwords_verify(hash, password);
    if (rc == RC_NOT_FOUND) passwords_dummy_verify(password);
    if (!ok) {
        throttle_failed(email, w->req->client);
        return login_form(w, 401, "Wrong email or password.", email);
    }
    throttle_succeeded(email);
    return start_session(w, user_id);
}

bool page_logout_post(struct web *w)
{
    if (!w->user_id) return web_redirect(w, "/login");
    if (!web_csrf_ok(w)) return web_forbidden(w, "The form did not come from this site.");
    struct err err = {0};
    if (w->req->store->ops->session_delete(w->req->store, w->token_hash, &err) != RC_OK)
        log_error("web logout: %s", err.msg);
    set_cookie(w, "lg_session", "", 0);
    return web_redirect(w, "/login");
}
