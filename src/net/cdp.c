/* DevTools protocol framing over a pipe: NUL-delimited JSON, split as bytes
 * arrive; commands built and messages read with jansson. */
#include "net/cdp.h"

#include "base/mem.h"

#include <stdlib.h>
#include <string.h>

static void deliver(struct cdp_reader *r, cdp_message_fn on_message, void *ctx)
{
    size_t start = 0;
    for (;;) {
        char *end = memchr(r->data + start, '\0', r->len - start);
        if (!end) break;
        size_t len = (size_t)(end - (r->data + start));
        if (len) on_message(ctx, r->data + start, len);
        start += len + 1;
    }
    memmove(r->data, r->data + start, r->len - start);
    r->len -= start;
}

bool cdp_reader_feed(struct cdp_reader *r, const char *bytes, size_t n, cdp_message_fn on_message,
                     void *ctx)
{
    if (r->len + n > CDP_MESSAGE_MAX) {
        r->len = 0;
        return false;
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 65536;
        while (cap < r->len + n + 1) cap *= 2;
        r->data = xrealloc(r->data, cap);
        r->cap = cap;
    }
    memcpy(r->data + r->len, bytes, n);
    r->len += n;
    deliver(r, on_message, ctx);
    return true;
}

void cdp_reader_free(struct cdp_reader *r)
{
    free(r->data);
    memset(r, 0, sizeof *r);
}

char *cdp_command(int64_t id, const char *session, const char *method, json_t *params)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "method", json_string(method));
    json_object_set_new(o, "params", params ? params : json_object());
    if (session) json_object_set_new(o, "sessionId", json_string(session));
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!text) abort(); /* only out of memory: method and session are ASCII */
    return text;
}

bool cdp_message_parse(const char *msg, size_t len, struct cdp_message *out)
{
    memset(out, 0, sizeof *out);
    json_t *doc = json_loadb(msg, len, 0, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return false;
    }
    json_t *id = json_object_get(doc, "id");
    out->doc = doc;
    out->id = json_is_integer(id) ? json_integer_value(id) : 0;
    out->method = json_string_value(json_object_get(doc, "method"));
    out->session = json_string_value(json_object_get(doc, "sessionId"));
    if (out->method) out->result = json_object_get(doc, "params");
    else out->result = json_object_get(doc, "result");
    json_t *error = json_object_get(doc, "error");
    if (error) {
        const char *m = json_string_value(json_object_get(error, "message"));
        out->error = m ? m : "unknown DevTools error";
    }
    if (out->id > 0 || out->method) return true;
    json_decref(doc);
    memset(out, 0, sizeof *out);
    return false;
}
