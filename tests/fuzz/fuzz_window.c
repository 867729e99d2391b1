/* Fuzz target: sending-window specs and time-zone names as users type them. Input is a zone
 * name, a newline, then the spec. What parses is well formed, and next-open agrees with
 * is-open: the answer is open, the second before it (when later than asked) is closed. */
#include "campaign/window.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_shape(const struct window *w)
{
    if (w->count < 1 || w->count > WINDOW_MAX_SPANS) abort();
    for (int i = 0; i < w->count; i++) {
        const struct window_span *s = &w->spans[i];
        if (!s->days || s->days > 0x7f || s->start_min >= s->end_min || s->end_min > 1440) abort();
    }
}

static bool is_open(const struct window *w, int64_t at)
{
    bool open = true;
    if (window_is_open(w, at, &open, NULL) != RC_OK) abort();
    return open;
}

static void check_clock(const struct window *w, int64_t at)
{
    int64_t next;
    enum rc rc = window_next_open(w, at, &next, NULL);
    if (rc == RC_NOT_FOUND) return;
    if (rc != RC_OK || next < at || !is_open(w, next)) abort();
    if ((next == at) != is_open(w, at)) abort();
    if (next > at && is_open(w, next - 1)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char *spec = strchr(text, '\n');
    const char *zone = spec ? text : "Europe/Berlin";
    if (spec) *spec++ = '\0';
    else spec = text;
    uint64_t hash = 1469598103934665603u; /* FNV-1a: instants that vary with the input */
    for (size_t i = 0; i < size; i++) hash = (hash ^ data[i]) * 1099511628211u;
    struct window w;
    if (window_parse(spec, zone, &w, NULL) == RC_OK ||
        window_parse(spec, "Pacific/Chatham", &w, NULL) == RC_OK) {
        check_shape(&w);
        /* 1970 to 2106, then the seconds either side of a whole local hour in most zones */
        int64_t at = (int64_t)(hash % 4294967296u);
        check_clock(&w, at);
        check_clock(&w, at - at % 900);
        check_clock(&w, at - at % 900 - 1);
    }
    window_zone_check(zone, NULL);
    free(text);
    return 0;
}
