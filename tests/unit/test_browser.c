/* The browser provider's DevTools plumbing: NUL-framed messages split from a
 * byte stream, commands built, answers and events read; and the verdict on
 * each request a tab makes (unwanted types, private addresses, pins). */
#include "test.h"

#include "net/cdp.h"
#include "serp/internal.h"

#include <stdlib.h>
#include <string.h>

struct seen {
    char msgs[8][128];
    int n;
};

static void collect(void *ctx, const char *msg, size_t len)
{
    struct seen *s = ctx;
    if (s->n < 8) snprintf(s->msgs[s->n++], sizeof s->msgs[0], "%.*s", (int)len, msg);
}

TEST(cdp_reader_splits_messages_across_reads)
{
    struct cdp_reader r = {0};
    struct seen s = {0};
    static const char stream[] = "{\"id\":1}\0{\"method\":\"A\"}\0\0{\"id\":2,\"result\":{}}";
    /* fed one byte at a time: messages come out whole, in order, empty ones skipped */
    for (size_t i = 0; i < sizeof stream - 1; i++)
        CHECK(cdp_reader_feed(&r, stream + i, 1, collect, &s));
    CHECK_INT(s.n, 2);
    CHECK_STR(s.msgs[0], "{\"id\":1}");
    CHECK_STR(s.msgs[1], "{\"method\":\"A\"}");
    CHECK(cdp_reader_feed(&r, "", 1, collect, &s)); /* the third ends here */
    CHECK_INT(s.n, 3);
    CHECK_STR(s.msgs[2], "{\"id\":2,\"result\":{}}");
    CHECK_INT(r.len, 0);
    /* a message past the cap breaks the stream */
    char *big = malloc(CDP_MESSAGE_MAX);
    memset(big, 'x', CDP_MESSAGE_MAX);
    CHECK(cdp_reader_feed(&r, big, CDP_MESSAGE_MAX / 2, collect, &s));
    CHECK(!cdp_reader_feed(&r, big, CDP_MESSAGE_MAX / 2 + 1, collect, &s));
    CHECK_INT(r.len, 0);
    free(big);
    cdp_reader_free(&r);
}

TEST(cdp_commands_and_messages)
{
    char *cmd = cdp_command(7, "S1", "Page.navigate", json_pack("{s:s}", "url", "http://a/"));
    CHECK_STR(cmd, "{\"id\":7,\"method\":\"Page.navigate\",\"params\":{\"url\":\"http://a/\"},"
                   "\"sessionId\":\"S1\"}");
    free(cmd);
    cmd = cdp_command(8, NULL, "Target.createTarget", NULL);
    CHECK_STR(cmd, "{\"id\":8,\"method\":\"Target.createTarget\",\"params\":{}}");
    free(cmd);
    struct cdp_message m;
    const char *answer = "{\"id\":7,\"result\":{\"frameId\":\"F\"},\"sessionId\":\"S1\"}";
    CHECK(cdp_message_parse(answer, strlen(answer), &m));
    CHECK_INT(m.id, 7);
    CHECK(m.method == NULL && m.error == NULL);
    CHECK_STR(m.session, "S1");
    CHECK_STR(json_string_value(json_object_get(m.result, "frameId")), "F");
    json_decref(m.doc);
    const char *failed = "{\"id\":9,\"error\":{\"code\":-32000,\"message\":\"No target\"}}";
    CHECK(cdp_message_parse(failed, strlen(failed), &m));
    CHECK_STR(m.error, "No target");
    json_decref(m.doc);
    const char *event = "{\"method\":\"Fetch.requestPaused\",\"params\":{\"requestId\":\"R\"},"
                        "\"sessionId\":\"S2\"}";
    CHECK(cdp_message_parse(event, strlen(event), &m));
    CHECK_INT(m.id, 0);
    CHECK_STR(m.method, "Fetch.requestPaused");
    CHECK_STR(json_string_value(json_object_get(m.result, "requestId")), "R");
    json_decref(m.doc);
    CHECK(!cdp_message_parse("[1]", 3, &m));
    CHECK(!cdp_message_parse("{\"x\":1}", 7, &m));
    CHECK(!cdp_message_parse("{\"id\":", 6, &m));
}

TEST(browser_requests_are_judged)
{
    struct serp_options o = {.google_url = "http://127.0.0.1:8001/google/search",
                             .bing_url = "https://www.bing.com/search",
                             .resolve = "pinned.test:80:10.0.0.5,public.test:443:[2001:4860::1]"};
    CHECK_INT(serp_browser_verdict(&o, "http://127.0.0.1:8001/x.png", "Image"),
              SERP_BROWSER_UNWANTED);
    CHECK_INT(serp_browser_verdict(&o, "https://fonts.example/f.woff2", "Font"),
              SERP_BROWSER_UNWANTED);
    CHECK_INT(serp_browser_verdict(&o, "https://a.example/s.css", "Stylesheet"),
              SERP_BROWSER_UNWANTED);
    CHECK_INT(serp_browser_verdict(&o, "ftp://a.example/", "Document"), SERP_BROWSER_UNWANTED);
    CHECK_INT(serp_browser_verdict(&o, "data:text/plain,x", "Script"), SERP_BROWSER_ALLOW);
    /* the configured engine is trusted (as for the direct provider), on its port only */
    CHECK_INT(serp_browser_verdict(&o, "http://127.0.0.1:8001/google/search?q=x", "Document"),
              SERP_BROWSER_ALLOW);
    CHECK_INT(serp_browser_verdict(&o, "https://WWW.BING.COM/search?q=x", "Document"),
              SERP_BROWSER_ALLOW);
    /* everything else is fetched by net/http.c, whose guard judges the address connected to */
    CHECK_INT(serp_browser_verdict(&o, "http://127.0.0.1:8002/", "Document"), SERP_BROWSER_RELAY);
    CHECK_INT(serp_browser_verdict(&o, "http://user@[::1]:8001/", "XHR"), SERP_BROWSER_RELAY);
    CHECK_INT(serp_browser_verdict(&o, "http://169.254.169.254/latest", "Fetch"),
              SERP_BROWSER_RELAY);
    CHECK_INT(serp_browser_verdict(&o, "http://pinned.test/", "Document"), SERP_BROWSER_RELAY);
    CHECK_INT(serp_browser_verdict(&o, "https://public.test/", "Script"), SERP_BROWSER_RELAY);
    o.allow_private = true;
    CHECK_INT(serp_browser_verdict(&o, "http://127.0.0.1:8002/a.png", "Image"),
              SERP_BROWSER_UNWANTED);
}

TEST(browser_resolves_only_the_engines)
{
    struct serp_options o = {.google_url = "http://127.0.0.1:8001/google/search",
                             .bing_url = "https://www.bing.com/search",
                             .resolve = "www.bing.com:443:203.0.113.9,other.test:80:10.0.0.5"};
    char *rules = serp_browser_resolver_rules(&o);
    CHECK_STR(rules, "--host-resolver-rules=MAP 127.0.0.1:8001 127.0.0.1:8001, "
                     "MAP www.bing.com:443 203.0.113.9:443, MAP * ~NOTFOUND");
    free(rules);
    o.google_url = "https://[::1]:9443/search";
    o.resolve = "www.bing.com:443:2001:db8::7";
    rules = serp_browser_resolver_rules(&o);
    CHECK_STR(rules, "--host-resolver-rules=MAP [::1]:9443 [::1]:9443, "
                     "MAP www.bing.com:443 [2001:db8::7]:443, MAP * ~NOTFOUND");
    free(rules);
}
