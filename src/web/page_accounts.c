/* Sending accounts: the list with each account's state, a form that adds an SMTP
 * account (its password sealed like the CLI's), a test that logs in to its SMTP and
 * IMAP servers and shows their answers, removal, and Connect Gmail: the OAuth 2.0
 * authorisation-code flow with a single-use state bound to the session. */
#include "web/web_int.h"

#include "base/log.h"
#include "campaign/sender.h"
#include "campaign/window.h"
#include "core/secrets.h"
#include "mail/oauth.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static bool gmail_configured(void)
{
    const struct web_options *o = web_options();
    return o->google_client_id && *o->google_client_id && o->google_client_secret &&
           *o->google_client_secret;
}

/* ---- the page ------------------------------------------------------------------- */

static void account_rows(struct web *w, struct html *h, const struct account *list, size_t n)
{
    html_raw(h, "<div class=\"scroll\"><table id=\"accounts\"><thead><tr><th>Address</th>"
                "<th>Type</th><th>Server</th><th>State</th><th></th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const struct account *a = &list[i];
        bool gmail = strcmp(a->type, "gmail") == 0, ok = strcmp(a->state, "ok") == 0;
        const char *id = arena_sprintf(w->a, "%lld", (long long)a->id);
        html_printf(h,
                    "<tr id=\"account-%s\"><td>%s</td><td>%s</td><td>%s</td>"
                    "<td class=\"%s\">%s</td><td>%s %s%s</td></tr>",
                    id, html_esc(w->a, a->address), gmail ? "Gmail (OAuth)" : "SMTP",
                    gmail ? "Google"
                          : html_esc(w->a, arena_sprintf(w->a, "%s:%lld", a->smtp_host,
                                                         (long long)a->smtp_port)),
                    ok ? "vok" : "vbad",
                    ok ? "ok"
                       : html_esc(w->a, arena_sprintf(w->a, "needs authorising again: %s",
                                                      a->state_reason)),
                    web_button_form(w, "/app/accounts", "Test", "test", id),
                    web_button_form(w, "/app/accounts", "Remove", "remove", id),
                    gmail && !ok ? " <a href=\"/app/accounts/gmail/connect\">Reconnect</a>" : "");
    }
    if (!n) html_raw(h, "<tr><td colspan=\"5\" class=\"muted\">No sending accounts yet.</td></tr>");
    html_raw(h, "</tbody></table></div>");
}

static const char smtp_form[] =
    "<section class=\"card\"><h2>Add an SMTP account</h2><form method=\"post\" "
    "action=\"/app/accounts\">%s<input type=\"hidden\" name=\"action\" value=\"add\">"
    "<label>Address <input type=\"email\" name=\"address\" required></label>"
    "<label>Display name <input name=\"name\"></label>"
    "<label>SMTP host <input name=\"host\" required></label>"
    "<label>SMTP port <input type=\"number\" name=\"port\" value=\"587\" min=\"1\" "
    "max=\"65535\"></label>"
    "<label>Security <select name=\"tls\"><option value=\"starttls\">STARTTLS</option>"
    "<option value=\"tls\">TLS</option><option value=\"none\">none</option></select></label>"
    "<label>Username <input name=\"username\" autocomplete=\"off\"></label>"
    "<label>Password <input type=\"password\" name=\"password\" autocomplete=\"new-password\">"
    "</label><label>IMAP host (replies and bounces) <input name=\"imap_host\"></label>"
    "<label>IMAP port <input type=\"number\" name=\"imap_port\" value=\"993\" min=\"1\" "
    "max=\"65535\"></label><label>Daily limit <input type=\"number\" name=\"daily_limit\" "
    "value=\"50\" min=\"1\" max=\"10000\"></label>"
    "<label>Sending window <input name=\"window\" placeholder=\"Mon-Fri 08:00-17:30\"></label>"
    "<label>Time zone <input name=\"timezone\" value=\"UTC\" placeholder=\"Europe/Berlin\">"
    "</label><label>Seconds between emails <input type=\"number\" name=\"min_gap\" "
    "value=\"10\" min=\"0\" max=\"86400\"></label><label>Up to this many more, at random "
    "<input type=\"number\" name=\"max_extra\" value=\"20\" min=\"0\" max=\"86400\">"
    "</label><button type=\"submit\" id=\"add-account\">Add account</button></form></section>";

static bool accounts_page(struct web *w, int status, const char *ok, const char *error,
                          const char *extra)
{
    struct account *list = NULL;
    size_t n = 0;
    struct err err = {0};
    struct store *st = w->req->store;
    if (st->ops->account_list(st, w->user_id, NULL, w->a, &list, &n, &err) != RC_OK && !error)
        error = err.msg;
    struct html h;
    html_init(&h, w->a);
    html_printf(&h, "<h1>Sending accounts</h1>%s%s<section class=\"card\">",
                html_message(w->a, ok, error), extra ? extra : "");
    account_rows(w, &h, list, n);
    html_raw(&h, "</section><section class=\"card\"><h2>Gmail</h2>");
    if (gmail_configured())
        html_raw(&h, "<p><a class=\"button\" href=\"/app/accounts/gmail/connect\" "
                     "id=\"connect-gmail\">Connect Gmail</a></p><p class=\"muted\">Google asks "
                     "you to allow leadgen to send and read mail as you; the account then sends "
                     "campaigns without a password stored here.</p>");
    else
        html_raw(&h, "<p id=\"gmail-unconfigured\">Connect Gmail needs an OAuth client: the "
                     "operator sets <code>LEADGEN_GOOGLE_CLIENT_ID</code> and "
                     "<code>LEADGEN_GOOGLE_CLIENT_SECRET</code> (a Google Cloud OAuth client of "
                     "type web application whose redirect URI is <code>LEADGEN_PUBLIC_URL/oauth/"
                     "google/callback</code>) and restarts leadgen.</p>");
    html_raw(&h, "</section>");
    html_printf(&h, smtp_form, web_csrf_input(w));
    return web_page(w, status, "Sending accounts", h.data);
}

bool page_accounts(struct web *w)
{
    const char *connected = req_query(w->req, "connected");
    return accounts_page(w, 200, connected ? arena_sprintf(w->a, "Connected %s.", connected) : NULL,
                         NULL, NULL);
}

/* ---- the forms ------------------------------------------------------------------ */

/* The user's account id, or NULL with the page answered (404). */
static struct account *own_account(struct web *w, const char *id_text)
{
    struct account *list = NULL;
    size_t n = 0;
    struct err err = {0};
    int64_t id = id_text ? atoll(id_text) : 0;
    if (w->req->store->ops->account_list(w->req->store, w->user_id, NULL, w->a, &list, &n, &err) !=
        RC_OK)
        log_error("web accounts: %s", err.msg);
    for (size_t i = 0; id > 0 && i < n; i++)
        if (list[i].id == id) return &list[i];
    return NULL;
}

static int64_t form_int(struct web *w, const char *name, int64_t fallback, int64_t lo, int64_t hi)
{
    const char *v = form_get(&w->form, name);
    long long n = v ? atoll(v) : fallback;
    return n < lo || n > hi ? fallback : n;
}

/* Seals secret for the account's row (core/secrets.h), malloc'd; NULL on failure. */
static char *seal(struct web *w, const char *type, const char *address, const char *secret,
                  struct err *err)
{
    unsigned char key[SECRETS_KEY_LEN];
    if (secrets_key(w->req->store, key, err) != RC_OK) return NULL;
    char *sealed = secrets_seal(
        key, secret,
        arena_sprintf(w->a, "account:%lld:%s:%s", (long long)w->user_id, type, address));
    sodium_memzero(key, sizeof key);
    return sealed;
}

/* The sending window and time zone as the sender will read them, checked now so that a
 * typo is answered here rather than found by the sender; NULL when they are good. */
static const char *window_problem(struct web *w, struct account *acc)
{
    if (!acc->send_window) acc->send_window = "";
    if (!acc->timezone || !*acc->timezone) acc->timezone = "UTC";
    struct err err = {0};
    return window_check(acc->send_window, acc->timezone, &err) == RC_OK
               ? NULL
               : arena_strdup(w->a, err.msg);
}

static bool add_smtp(struct web *w)
{
    struct account acc = {.type = "smtp",
                          .address = form_get(&w->form, "address"),
                          .display_name = form_get(&w->form, "name"),
                          .smtp_host = form_get(&w->form, "host"),
                          .tls_mode = form_get(&w->form, "tls"),
                          .username = form_get(&w->form, "username"),
                          .imap_host = form_get(&w->form, "imap_host"),
                          .smtp_port = form_int(w, "port", 587, 1, 65535),
                          .daily_limit = form_int(w, "daily_limit", 50, 1, 10000),
                          .send_window = form_get(&w->form, "window"),
                          .timezone = form_get(&w->form, "timezone"),
                          .min_gap = form_int(w, "min_gap", 10, 0, 86400),
                          .max_extra = form_int(w, "max_extra", 20, 0, 86400)};
    const char *bad_window = window_problem(w, &acc);
    if (bad_window) return accounts_page(w, 400, NULL, bad_window, NULL);
    acc.imap_port = acc.imap_host ? form_int(w, "imap_port", 993, 1, 65535) : 0;
    if (!acc.display_name) acc.display_name = "";
    if (!acc.tls_mode || (strcmp(acc.tls_mode, "none") && strcmp(acc.tls_mode, "starttls") &&
                          strcmp(acc.tls_mode, "tls")))
        acc.tls_mode = "starttls";
    if (!acc.address || !strchr(acc.address, '@') || !acc.smtp_host)
        return accounts_page(w, 400, NULL, "An address and an SMTP host are needed.", NULL);
    const char *password = form_get(&w->form, "password");
    struct err err = {0};
    int64_t id = 0;
    char *sealed = password ? seal(w, "smtp", acc.address, password, &err) : NULL;
    enum rc rc = password && !sealed ? RC_DB : RC_OK;
    acc.secret = sealed;
    if (rc == RC_OK)
        rc = w->req->store->ops->account_add(w->req->store, w->user_id, &acc, &id, &err);
    free(sealed);
    if (rc == RC_CONFLICT)
        return accounts_page(w, 400, NULL, "That address is already one of your accounts.", NULL);
    if (rc != RC_OK) return accounts_page(w, 400, NULL, err.msg, NULL);
    return accounts_page(w, 200,
                         arena_sprintf(w->a, "Added %s. Test it to check the login.", acc.address),
                         NULL, NULL);
}

static struct sender_options sender_options(void)
{
    const struct web_options *o = web_options();
    return (struct sender_options){.oauth = {.token_url = o->oauth_token_url,
                                             .client_id = o->google_client_id,
                                             .client_secret = o->google_client_secret,
                                             .timeout_ms = o->mail_timeout_ms},
                                   .gmail_smtp = o->gmail_smtp,
                                   .gmail_imap = o->gmail_imap,
                                   .timeout_ms = o->mail_timeout_ms,
                                   .guard_private = o->guard_private,
                                   .resolve = o->resolve};
}

static bool test_account(struct web *w, struct account *acc)
{
    struct sender_options so = sender_options();
    struct account_check check;
    struct err err = {0};
    if (w->req->store->ops->account_secret(w->req->store, w->user_id, acc->id, w->a, &acc->secret,
                                           &err) != RC_OK ||
        sender_account_check(w->req->store, &so, acc, &check, &err) != RC_OK)
        return accounts_page(w, 200, NULL, arena_sprintf(w->a, "%s: %s", acc->address, err.msg),
                             NULL);
    const char *result = arena_sprintf(
        w->a,
        "<section class=\"card\" id=\"test-result\"><h2>Test of %s</h2><dl>"
        "<dt>SMTP login</dt><dd class=\"%s\">%s: %s</dd><dt>IMAP login</dt><dd class=\"%s\">%s"
        "</dd></dl></section>",
        html_esc(w->a, acc->address), check.smtp_ok ? "vok" : "vbad",
        check.smtp_ok ? "accepted" : "refused", html_esc(w->a, check.smtp),
        !check.has_imap ? "muted"
        : check.imap_ok ? "vok"
                        : "vbad",
        !check.has_imap
            ? "no IMAP server set: replies and bounces are not read"
            : html_esc(w->a, arena_sprintf(w->a, "%s: %s", check.imap_ok ? "accepted" : "refused",
                                           check.imap)));
    return accounts_page(w, 200, NULL, NULL, result);
}

bool page_accounts_post(struct web *w)
{
    const char *action = form_get(&w->form, "action");
    if (action && strcmp(action, "add") == 0) return add_smtp(w);
    const char *test = form_get(&w->form, "test"), *remove = form_get(&w->form, "remove");
    struct account *acc = own_account(w, test ? test : remove);
    if (!acc) return web_not_found(w);
    if (test) return test_account(w, acc);
    struct err err = {0};
    enum rc rc = w->req->store->ops->account_remove(w->req->store, w->user_id, acc->id, &err);
    if (rc == RC_CONFLICT)
        return accounts_page(w, 409, NULL,
                             "A campaign sends from this account: remove it from "
                             "the campaign first.",
                             NULL);
    if (rc != RC_OK) return accounts_page(w, 400, NULL, err.msg, NULL);
    return accounts_page(w, 200, arena_sprintf(w->a, "Removed %s.", acc->address), NULL, NULL);
}

/* ---- Connect Gmail: RFC 6749 section 4.1 ---------------------------------------- */

static const char *redirect_uri(struct web *w)
{
    return arena_sprintf(w->a, "%s/oauth/google/callback", web_options()->base_url);
}

bool page_gmail_connect(struct web *w)
{
    if (!gmail_configured()) return accounts_page(w, 200, NULL, NULL, NULL);
    unsigned char raw[32];
    char state[sizeof raw * 2 + 1];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(state, sizeof state, raw, sizeof raw);
    struct err err = {0};
    if (w->req->store->ops->session_set_state(w->req->store, w->token_hash, state, &err) != RC_OK)
        return accounts_page(w, 500, NULL, err.msg, NULL);
    const struct web_options *o = web_options();
    return web_redirect(
        w, arena_sprintf(w->a,
                         "%s%sclient_id=%s&redirect_uri=%s&response_type=code&scope=%s"
                         "&access_type=offline&prompt=consent&state=%s",
                         o->oauth_auth_url, strchr(o->oauth_auth_url, '?') ? "&" : "?",
                         url_escape(w->a, o->google_client_id), url_escape(w->a, redirect_uri(w)),
                         url_escape(w->a, "https://mail.google.com/ email"), state));
}

/* Stores the connected account: a new one, or the user's account of that address
 * authorised again (its reauth state cleared). */
static enum rc store_gmail(struct web *w, const char *address, const char *refresh, bool *again,
                           struct err *err)
{
    struct store *st = w->req->store;
    char *sealed = seal(w, "gmail", address, refresh, err);
    if (!sealed) return RC_DB;
    struct account *list = NULL;
    size_t n = 0;
    enum rc rc = st->ops->account_list(st, w->user_id, "gmail", w->a, &list, &n, err);
    *again = false;
    for (size_t i = 0; rc == RC_OK && i < n && !*again; i++)
        if (strcasecmp(list[i].address, address) == 0) {
            *again = true;
            rc = st->ops->account_reconnect(st, w->user_id, list[i].id, sealed, err);
            sender_token_forget(list[i].id);
        }
    if (rc == RC_OK && !*again) {
        struct account acc = {.type = "gmail",
                              .address = address,
                              .display_name = "",
                              .tls_mode = "tls",
                              .daily_limit = 50,
                              .send_window = "",
                              .timezone = "UTC",
                              .min_gap = 10,
                              .max_extra = 20,
                              .secret = sealed};
        int64_t id;
        rc = st->ops->account_add(st, w->user_id, &acc, &id, err);
    }
    sodium_memzero(sealed, strlen(sealed));
    free(sealed);
    return rc;
}

/* The session cookie is SameSite=Strict, so a browser coming back from Google (a
 * cross-site redirect) arrives without it: one page of ours that reloads the same
 * address makes the request same-site, and the cookie comes along. */
static bool reload_same_site(struct web *w)
{
    struct html h;
    html_init(&h, w->a);
    html_raw(&h, "?");
    for (size_t i = 0; i < w->req->nargs; i++)
        html_printf(&h, "%s%s=%s", i ? "&" : "", url_escape(w->a, w->req->args[i].name),
                    url_escape(w->a, w->req->args[i].value));
    const char *again =
        arena_sprintf(w->a, "%s%s%sagain=1", w->req->url, h.data, w->req->nargs ? "&" : "");
    return web_bare_page(w, 200, "Connecting",
                         arena_sprintf(w->a,
                                       "<meta http-equiv=\"refresh\" content=\"0;url=%s\">"
                                       "<p>Connecting your Gmail account… <a href=\"%s\">"
                                       "Continue</a></p>",
                                       html_esc(w->a, again), html_esc(w->a, again)));
}

bool page_gmail_callback(struct web *w)
{
    if (!w->user_id)
        return req_query(w->req, "again") ? web_redirect(w, "/login") : reload_same_site(w);
    const char *state = req_query(w->req, "state"), *code = req_query(w->req, "code");
    struct err err = {0};
    /* the state is taken whatever follows: a second use of it is refused */
    if (!state ||
        w->req->store->ops->session_take_state(w->req->store, w->token_hash, state, &err) != RC_OK)
        return web_forbidden(w, "This authorisation did not start here, or was already used. "
                                "Start again from Sending accounts.");
    const char *denied = req_query(w->req, "error");
    if (denied || !code)
        return accounts_page(w, 400, NULL,
                             arena_sprintf(w->a, "Google did not authorise the account (%s).",
                                           denied ? denied : "no code"),
                             NULL);
    const struct web_options *o = web_options();
    struct oauth_client client = {.token_url = o->oauth_token_url,
                                  .client_id = o->google_client_id,
                                  .client_secret = o->google_client_secret,
                                  .timeout_ms = o->mail_timeout_ms};
    char *access = NULL, *refresh = NULL, *address = NULL;
    bool again = false;
    enum rc rc = oauth_exchange_code(&client, code, redirect_uri(w), w->a, &access, &refresh, &err);
    if (rc == RC_OK)
        rc = oauth_userinfo_email(o->oauth_userinfo_url, access, o->mail_timeout_ms, w->a, &address,
                                  &err);
    if (rc == RC_OK) rc = store_gmail(w, address, refresh, &again, &err);
    if (refresh) sodium_memzero(refresh, strlen(refresh));
    if (rc != RC_OK)
        return accounts_page(w, 400, NULL,
                             arena_sprintf(w->a, "Connecting Gmail failed: %s", err.msg), NULL);
    log_info("web: user %lld %s Gmail account %s", (long long)w->user_id,
             again ? "reconnected" : "connected", address);
    return web_redirect(
        w, arena_sprintf(w->a, "/app/accounts?connected=%s", url_escape(w->a, address)));
}
