/* The refresh-token and authorisation-code grants: one form-encoded POST through
 * net/http.c (the token endpoint is operator-configured, so it is trusted like
 * other upstreams), answered with a JSON access token or a JSON error; and the
 * userinfo read that names a newly connected account. */
#include "mail/oauth.h"

#include "base/buf.h"
#include "net/http.h"

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void form_add(struct buf *b, const char *name, const char *value)
{
    if (!value || !*value) return;
    char *escaped = curl_easy_escape(NULL, value, 0);
    buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, escaped ? escaped : "");
    curl_free(escaped);
}

static enum rc read_answer(const struct http_response *resp, struct arena *a, char **token,
                           int64_t *expires_in, struct err *err)
{
    json_t *doc = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
    const char *access = json_string_value(json_object_get(doc, "access_token"));
    const char *error = json_string_value(json_object_get(doc, "error"));
    const char *why = json_string_value(json_object_get(doc, "error_description"));
    enum rc rc = RC_OK;
    if (resp->status == 200 && access && *access) {
        *token = arena_strdup(a, access);
        json_int_t ttl = json_integer_value(json_object_get(doc, "expires_in"));
        *expires_in = ttl > 0 ? (int64_t)ttl : 3600;
    } else if (error && strcmp(error, "invalid_grant") == 0) {
        rc = err_set(err, RC_FORBIDDEN, "the account's authorisation was revoked or expired (%s)",
                     why ? why : error);
    } else {
        rc = err_set(err, RC_UPSTREAM, "token endpoint answered %ld%s%s", resp->status,
                     error ? ": " : "", error ? error : "");
    }
    json_decref(doc);
    return rc;
}

enum rc oauth_refresh(const struct oauth_client *client, const char *refresh_token, struct arena *a,
                      char **access_token, int64_t *expires_in, struct err *err)
{
    struct buf form;
    buf_init(&form, 0);
    form_add(&form, "grant_type", "refresh_token");
    form_add(&form, "refresh_token", refresh_token);
    form_add(&form, "client_id", client->client_id);
    form_add(&form, "client_secret", client->client_secret);
    static const char *const headers[] = {"Content-Type: application/x-www-form-urlencoded",
                                          "Accept: application/json", NULL};
    struct http_request req = {.method = "POST",
                               .url = client->token_url,
                               .headers = headers,
                               .body = form.data,
                               .body_len = form.len,
                               .timeout_ms = client->timeout_ms,
                               .max_bytes = 64 << 10};
    struct http_response resp;
    enum rc rc = http_fetch(&req, &resp, err);
    if (rc == RC_OK) rc = read_answer(&resp, a, access_token, expires_in, err);
    http_response_free(&resp);
    if (form.data) sodium_memzero(form.data, form.len); /* it held the refresh token */
    buf_free(&form);
    return rc;
}

static enum rc post_form(const struct oauth_client *client, struct buf *form,
                         struct http_response *resp, struct err *err)
{
    static const char *const headers[] = {"Content-Type: application/x-www-form-urlencoded",
                                          "Accept: application/json", NULL};
    struct http_request req = {.method = "POST",
                               .url = client->token_url,
                               .headers = headers,
                               .body = form->data,
                               .body_len = form->len,
                               .timeout_ms = client->timeout_ms,
                               .max_bytes = 64 << 10};
    return http_fetch(&req, resp, err);
}

enum rc oauth_exchange_code(const struct oauth_client *client, const char *code,
                            const char *redirect_uri, struct arena *a, char **access_token,
                            char **refresh_token, struct err *err)
{
    struct buf form;
    buf_init(&form, 0);
    form_add(&form, "grant_type", "authorization_code");
    form_add(&form, "code", code);
    form_add(&form, "redirect_uri", redirect_uri);
    form_add(&form, "client_id", client->client_id);
    form_add(&form, "client_secret", client->client_secret);
    struct http_response resp;
    int64_t ttl;
    enum rc rc = post_form(client, &form, &resp, err);
    if (rc == RC_OK) rc = read_answer(&resp, a, access_token, &ttl, err);
    if (rc == RC_FORBIDDEN)
        rc = err_set(err, RC_FORBIDDEN, "the token endpoint refused the authorisation code");
    if (rc == RC_OK) {
        json_t *doc = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);
        const char *refresh = json_string_value(json_object_get(doc, "refresh_token"));
        if (refresh && *refresh) *refresh_token = arena_strdup(a, refresh);
        else rc = err_set(err, RC_UPSTREAM, "the token endpoint gave no refresh token");
        json_decref(doc);
    }
    if (resp.body.data) sodium_memzero(resp.body.data, resp.body.len);
    http_response_free(&resp);
    if (form.data) sodium_memzero(form.data, form.len);
    buf_free(&form);
    return rc;
}

enum rc oauth_userinfo_email(const char *url, const char *access_token, long timeout_ms,
                             struct arena *a, char **email, struct err *err)
{
    const char *headers[] = {arena_sprintf(a, "Authorization: Bearer %s", access_token),
                             "Accept: application/json", NULL};
    struct http_request req = {.url = url, .headers = headers, .timeout_ms = timeout_ms,
                               .max_bytes = 64 << 10};
    struct http_response resp;
    enum rc rc = http_fetch(&req, &resp, err);
    if (rc == RC_OK) {
        json_t *doc = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);
        const char *address = json_string_value(json_object_get(doc, "email"));
        if (resp.status == 200 && address && strchr(address, '@'))
            *email = arena_strdup(a, address);
        else
            rc = err_set(err, RC_UPSTREAM, "userinfo answered %ld without an email", resp.status);
        json_decref(doc);
    }
    http_response_free(&resp);
    return rc;
}
