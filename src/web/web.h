/* The web dashboard: server-rendered pages under /app/ for people who do not read API
 * docs, with sign-in (/login, /logout) and the Gmail OAuth callback. Pages call the same
 * store operations and domain modules as the API handlers. Every page carries a strict
 * security policy (no inline script; the little JavaScript there is lives in
 * /app/static/app.js); every state-changing form carries the session's CSRF token (403
 * without it); a page under /app/ without a session redirects to /login; another user's
 * objects are 404. */
#ifndef LEADGEN_WEB_H
#define LEADGEN_WEB_H

#include "http/request.h"

struct web_options {
    const char *public_url; /* LEADGEN_PUBLIC_URL: https makes cookies Secure */
    const char *base_url;   /* the same, or http:// + LEADGEN_LISTEN: OAuth's redirect_uri */
    const char *oauth_auth_url, *oauth_token_url, *oauth_userinfo_url;
    const char *google_client_id, *google_client_secret;
    /* how a sending account's test reaches its servers (as the sender does) */
    const char *gmail_smtp, *gmail_imap, *resolve;
    long mail_timeout_ms;
    bool guard_private;
};
/* Set once at start-up, before any request; the strings must outlive the server. */
void web_configure(const struct web_options *o);

/* The route rows' handlers: every page's GET and POST, dispatched by path. */
bool web_get_run(struct request *req);
bool web_post_run(struct request *req);

#endif
