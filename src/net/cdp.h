/* The Chrome DevTools Protocol over Chromium's --remote-debugging-pipe: JSON
 * messages, each ended by a NUL byte, commands written to the browser's fd 3
 * and answers and events read from its fd 4. This module only frames and
 * shapes messages (pure, no I/O): cdp_reader splits a byte stream into
 * messages, cdp_command builds one, cdp_message_parse reads one. */
#ifndef LEADGEN_NET_CDP_H
#define LEADGEN_NET_CDP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes held for one message; a longer one breaks the stream (the browser
 * is then treated as broken). Rendered result pages are well below this. */
enum { CDP_MESSAGE_MAX = 32 << 20 };

struct cdp_reader {
    char *data;
    size_t len, cap;
};
typedef void (*cdp_message_fn)(void *ctx, const char *msg, size_t len);
/* Appends n bytes and calls on_message for every complete message, in order
 * (msg is NUL-terminated and valid during the call). False when a message
 * grows past CDP_MESSAGE_MAX (the buffered bytes are dropped). */
bool cdp_reader_feed(struct cdp_reader *r, const char *bytes, size_t n, cdp_message_fn on_message,
                     void *ctx);
void cdp_reader_free(struct cdp_reader *r);

/* The text of command id (method, params: steals the reference, may be NULL;
 * session: a flattened target session or NULL for the browser), without the
 * NUL; heap-owned (free). */
char *cdp_command(int64_t id, const char *session, const char *method, json_t *params);

struct cdp_message {
    json_t *doc;         /* owns everything below; json_decref when done */
    int64_t id;          /* an answer's command id; 0 for an event */
    const char *method;  /* an event's name, or NULL */
    const char *session; /* its sessionId, or NULL */
    json_t *result;      /* an answer's result, or an event's params (borrowed) */
    const char *error;   /* an answer's error message, or NULL */
};
/* False when msg is not a JSON object with an id or a method. */
bool cdp_message_parse(const char *msg, size_t len, struct cdp_message *out);

#endif
