/* The unsubscribe links in campaign emails. GET shows a small page that asks
 * to confirm (link scanners that follow every URL in a message must not
 * unsubscribe anyone); POST unsubscribes at once, which is what a mail
 * client's one-click button sends (RFC 8058). The recipient stops, and the
 * address joins its sender's suppression list, which launch and every send
 * respect. */
#include "api/api.h"

#include "base/clock.h"
#include "base/log.h"
#include "core/webhooks.h"
#include "campaign/unsubscribe.h"

#include <string.h>

static const char page_head[] =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<meta name=\"referrer\" content=\"no-referrer\"><title>Unsubscribe</title>"
    "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32em;margin:4em auto;"
    "padding:0 1em;color:#222}button{font:inherit;padding:.5em 1.2em}</style></head><body>";

/* "j***@smile.com": enough for a person to recognise, nothing for a bystander;
 * HTML-escaped, since addresses may hold & and ' */
static const char *masked(struct arena *a, const char *email)
{
    const char *at = strchr(email, '@');
    if (!at || at == email) return "your address";
    char *out = arena_alloc(a, strlen(at) * 6 + 16), *o = out;
    const char *shown = arena_sprintf(a, "%c***%s", email[0], at);
    for (const char *p = shown; *p; p++) {
        const char *ent = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;"
                          : *p == '"' ? "&quot;" : *p == '\'' ? "&#39;" : NULL;
        if (ent) o = stpcpy(o, ent);
        else *o++ = *p;
    }
    *o = '\0';
    return out;
}

static bool page(struct request *req, int status, const char *body)
{
    req->raw_body = arena_sprintf(&req->arena, "%s%s</body></html>", page_head, body);
    req->raw_len = strlen(req->raw_body);
    req->raw_type = "text/html; charset=utf-8";
    req->raw_status = status;
    req->data = json_object(); /* the router wants data on success; the page is sent */
    return true;
}

/* Why a link leads nowhere, as the page to show. */
static bool dead_link(struct request *req, const char *heading, const char *text)
{
    return page(req, 404, arena_sprintf(&req->arena, "<h1>%s</h1><p>%s</p>", heading, text));
}

enum link { LINK_OK, LINK_ANSWERED, LINK_FAILED };

/* The recipient the link in req->url is for; LINK_ANSWERED when a page already
 * says why there is none, LINK_FAILED with the request's error set. */
static enum link link_recipient(struct request *req, struct send_match *out)
{
    const struct api_options *o = api_options();
    const char *token = req->url + strlen("/u/");
    int64_t campaign_id = 0, lead_id = 0;
    struct err err = {0};
    if (!o->unsubscribe_key ||
        !unsub_verify(token, o->unsubscribe_key, o->unsubscribe_key_len, &campaign_id, &lead_id)) {
        dead_link(req, "Link not valid",
                  "This unsubscribe link is not one of ours, or your mail program cut it short.");
        return LINK_ANSWERED;
    }
    enum rc rc = req->store->ops->recipient_by_lead(req->store, campaign_id, lead_id,
                                                    &req->arena, out, &err);
    if (rc == RC_NOT_FOUND) {
        dead_link(req, "Nothing to unsubscribe from", "These emails have been deleted.");
        return LINK_ANSWERED;
    }
    if (rc == RC_OK) return LINK_OK;
    log_error("unsubscribe: %s", err.msg);
    req_fail(req, E_DB_ERROR, "Internal database error.");
    return LINK_FAILED;
}

static bool unsubscribed_page(struct request *req, const char *email)
{
    return page(req, 200,
                arena_sprintf(&req->arena, "<h1>You are unsubscribed</h1><p>%s will get no more "
                                           "of these emails.</p>",
                              masked(&req->arena, email)));
}

bool api_unsubscribe_page_run(struct request *req)
{
    struct send_match m;
    enum link l = link_recipient(req, &m);
    if (l != LINK_OK) return l == LINK_ANSWERED;
    if (strcmp(m.status, "unsubscribed") == 0) return unsubscribed_page(req, m.email);
    /* the form posts to this very URL: no script, nothing beyond the link's own token */
    return page(req, 200,
                arena_sprintf(&req->arena,
                              "<h1>Unsubscribe?</h1><p>Stop these emails to %s.</p>"
                              "<form method=\"post\"><button type=\"submit\">Unsubscribe"
                              "</button></form>",
                              masked(&req->arena, m.email)));
}

bool api_unsubscribe_run(struct request *req)
{
    struct send_match m;
    enum link l = link_recipient(req, &m);
    if (l != LINK_OK) return l == LINK_ANSWERED;
    struct err err = {0};
    if (strcmp(m.status, "unsubscribed") != 0 &&
        req->store->ops->recipient_stop(req->store, m.recipient_id, "unsubscribed",
                                        "unsubscribed by the recipient", true, clock_now(),
                                        &err) != RC_OK) {
        log_error("unsubscribe: %s", err.msg);
        return req_fail(req, E_DB_ERROR, "Internal database error.");
    }
    if (strcmp(m.status, "unsubscribed") != 0)
        webhooks_emit_campaign(req->store, m.user_id, "email.unsubscribed", m.campaign_id,
                               m.recipient_id, m.email, -1);
    return unsubscribed_page(req, m.email);
}
