/* OpenAI-compatible /chat/completions client for step generation. */
#include "ai/ai.h"

#include "base/buf.h"
#include "base/json.h"
#include "campaign/steps.h"
#include "net/http.h"

#include <stdio.h>
#include <string.h>

const char ai_default_system_prompt[] =
    "You write cold outreach email sequences for B2B campaigns. Answer only with JSON "
    "matching the schema: {\"steps\": [{\"subject\", \"body\", \"delay_days\"}, ...]}.\n"
    "Rules:\n"
    "- The first step is the first email (delay_days 0); each later step is a follow-up that "
    "reads as a reply in the same thread (short, refers back to the previous email, subject "
    "usually \"Re: \" plus the first subject).\n"
    "- delay_days counts days after the previous email: use sensible gaps such as 3, 4, 7.\n"
    "- Every subject line uses spintax with two to four variants, written {a|b|c}.\n"
    "- Bodies are short HTML (at most 120 words) using only <p>, <br>, <a href>, <b>, <i>, "
    "<ul>, <li>; no images, scripts, styles or tracking.\n"
    "- Personalise with merge fields: {{firstname|there}}, {{company|your company}}, "
    "{{website}}, {{lastname}}, {{email}}, {{phones}}, {{description}}; always give "
    "firstname and company a fallback after '|'. No other placeholders.\n"
    "- Plain, specific, friendly; one clear call to action; no hype, no fake claims.";

const char ai_default_user_template[] =
    "Write one first email and {num_followups} follow-up emails for this campaign:\n\n{prompt}";

char *ai_user_prompt(struct arena *a, const char *template_text, int num_followups,
                     const char *prompt)
{
    struct buf out;
    buf_init(&out, 0);
    char count[16];
    snprintf(count, sizeof count, "%d", num_followups);
    for (const char *p = template_text; *p;) {
        if (strncmp(p, "{num_followups}", 15) == 0) {
            buf_puts(&out, count);
            p += 15;
        } else if (strncmp(p, "{prompt}", 8) == 0) {
            buf_puts(&out, prompt);
            p += 8;
        } else {
            buf_append(&out, p++, 1);
        }
    }
    char *text = arena_strndup(a, out.data ? out.data : "", out.len);
    buf_free(&out);
    return text;
}

static json_t *response_format(void)
{
    return json_pack(
        "{s:s, s:{s:s, s:b, s:{s:s, s:{s:{s:s, s:{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}, s:[s,s,s], "
        "s:b}}}, s:[s], s:b}}}",
        "type", "json_schema", "json_schema", "name", "email_sequence", "strict", 1, "schema",
        "type", "object", "properties", "steps", "type", "array", "items", "type", "object",
        "properties", "subject", "type", "string", "body", "type", "string", "delay_days", "type",
        "integer", "required", "subject", "body", "delay_days", "additionalProperties", 0,
        "required", "steps", "additionalProperties", 0);
}

static json_t *message(const char *role, const char *content)
{
    return json_pack("{s:s, s:s}", "role", role, "content", content);
}

/* One chat-completions exchange; *content is the model's text, in a. */
static enum rc complete(const struct ai_options *o, json_t *messages, struct arena *a,
                        char **content, struct err *err)
{
    char url[1024], auth[1200];
    snprintf(url, sizeof url, "%s/chat/completions", o->url);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->key ? o->key : "");
    const char *headers[] = {auth, "Content-Type: application/json", NULL};
    json_t *body = json_pack("{s:s, s:O, s:o, s:f}", "model", o->model,
                             "messages", messages, "response_format", response_format(),
                             "temperature", 0.7);
    char *text = arena_json_dumps(a, body, JSON_COMPACT);
    json_decref(body);
    if (!text) return err_set(err, RC_INVALID, "AI request: cannot serialise the messages");
    struct http_request req = {.method = "POST", .url = url, .headers = headers, .body = text,
                               .body_len = strlen(text),
                               .timeout_ms = o->timeout_ms,
                               .max_bytes = 2 << 20};
    struct http_response resp;
    enum rc rc = http_fetch(&req, &resp, err);
    json_t *doc = rc == RC_OK ? json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL) : NULL;
    if (rc == RC_OK && (resp.status < 200 || resp.status > 299)) {
        const char *msg = json_string_value(json_object_get(json_object_get(doc, "error"), "message"));
        rc = err_set(err, RC_UPSTREAM, "AI server answered HTTP %ld: %s", resp.status,
                     msg ? msg : "no message");
    } else if (rc == RC_OK) {
        json_t *msg = json_object_get(json_array_get(json_object_get(doc, "choices"), 0), "message");
        const char *refusal = json_string_value(json_object_get(msg, "refusal"));
        const char *answer = json_string_value(json_object_get(msg, "content"));
        if (refusal) rc = err_set(err, RC_UPSTREAM, "the model refused: %s", refusal);
        else if (!answer) rc = err_set(err, RC_UPSTREAM, "AI server answered without message content");
        else *content = arena_strdup(a, answer);
    }
    json_decref(doc);
    http_response_free(&resp);
    return rc;
}

/* Parses and validates the model's answer; NULL with why on failure. */
static json_t *checked_steps(const char *content, int expected, char *why, size_t why_len)
{
    json_error_t jerr;
    json_t *doc = json_loads(content, 0, &jerr);
    if (!json_is_object(doc)) {
        snprintf(why, why_len, "the answer is not a JSON object (%s)", doc ? "wrong type" : jerr.text);
        json_decref(doc);
        return NULL;
    }
    json_t *steps = json_incref(json_object_get(doc, "steps"));
    json_decref(doc);
    if (!steps_validate(steps, (size_t)expected, true, why, why_len)) {
        json_decref(steps);
        return NULL;
    }
    return steps;
}

enum rc ai_generate_steps(const struct ai_options *o, const struct ai_prompt *prompt,
                          json_t **steps, struct err *err)
{
    json_t *messages = json_pack("[o, o]",
                                 message("system", prompt->system ? prompt->system : ai_default_system_prompt),
                                 message("user", prompt->user));
    int expected = 1 + prompt->num_followups;
    char why[512] = "";
    enum rc rc = RC_OK;
    *steps = NULL;
    struct arena a; /* the request texts and answers of both attempts */
    arena_init(&a);
    for (int attempt = 0; attempt < 2 && !*steps && rc == RC_OK; attempt++) {
        char *content = NULL;
        rc = complete(o, messages, &a, &content, err);
        if (rc != RC_OK) break;
        *steps = checked_steps(content, expected, why, sizeof why);
        if (!*steps) { /* feed the reason back once */
            char retry[700];
            snprintf(retry, sizeof retry,
                     "That answer was rejected: %s. Answer again with exactly %d steps that "
                     "follow every rule.",
                     why, expected);
            json_array_append_new(messages, message("assistant", content));
            json_array_append_new(messages, message("user", retry));
        }
    }
    arena_cleanup(&a);
    json_decref(messages);
    if (*steps) return RC_OK;
    if (rc == RC_OK) rc = err_set(err, RC_UPSTREAM, "the model's answer was invalid twice: %s", why);
    return rc;
}
