/* The SOCKS5 proxy list and handshake messages (verify/socks5.h). */
#include "test.h"

#include "verify/socks5.h"

#include <sys/socket.h>

TEST(socks5_parses_proxy_lists) {
    struct arena a;
    arena_init(&a);
    struct socks5_proxy *p;
    size_t n;
    struct err err = {0};
    CHECK(socks5_parse_list(" socks5://127.0.0.1:1080, socks5://us%40r:p%3Ass@[::1]:9050/,", &a, &p,
                            &n, &err) == RC_OK);
    CHECK(n == 2);
    CHECK_STR(p[0].host, "127.0.0.1");
    CHECK(p[0].port == 1080 && !p[0].user && !p[0].pass);
    CHECK_STR(p[0].label, "127.0.0.1:1080");
    CHECK_STR(p[1].host, "::1");
    CHECK(p[1].port == 9050);
    CHECK_STR(p[1].user, "us@r");
    CHECK_STR(p[1].pass, "p:ss");
    CHECK_STR(p[1].label, "[::1]:9050");
    CHECK(socks5_parse_list(NULL, &a, &p, &n, &err) == RC_OK && n == 0);
    static const char *const bad[] = {
        "http://h:1",         "socks5://h",     "socks5://h:0",    "socks5://h:65536",
        "socks5://:1080",     "socks5://u@h:1", "socks5://:p@h:1", "socks5://u:%zz@h:1",
        "socks5://[::1:1080", "socks5://h:10x", "socks5://",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct err e = {0};
        CHECK(socks5_parse_list(bad[i], &a, &p, &n, &e) == RC_INVALID);
        CHECK(!strstr(e.msg, "%zz") && !strstr(e.msg, ":p@"));
    }
    arena_cleanup(&a);
}

TEST(socks5_messages_and_replies) {
    unsigned char out[SOCKS5_REQUEST_MAX];
    struct socks5_proxy open = {.host = "h", .port = 1},
                        auth = {.host = "h", .port = 1, .user = "u", .pass = "pw"};
    CHECK(socks5_greeting(&open, out) == 3 && memcmp(out, "\x05\x01\x00", 3) == 0);
    CHECK(socks5_greeting(&auth, out) == 3 && memcmp(out, "\x05\x01\x02", 3) == 0);
    CHECK(socks5_auth_request(&auth, out) == 6 && memcmp(out, "\x01\x01u\x02pw", 6) == 0);
    struct dns_addr v4 = {.family = AF_INET, .bytes = {192, 0, 2, 25}};
    CHECK(socks5_connect_request(&v4, 25, out) == 10);
    CHECK(memcmp(out, "\x05\x01\x00\x01\xc0\x00\x02\x19\x00\x19", 10) == 0);
    struct dns_addr v6 = {.family = AF_INET6, .bytes = {0x20, 0x01, [15] = 1}};
    CHECK(socks5_connect_request(&v6, 2525, out) == 22 && out[3] == 4 && out[20] == 0x09);

    int v = -1;
    CHECK(socks5_method_reply((const unsigned char *)"\x05", 1, &v) == 0);
    CHECK(socks5_method_reply((const unsigned char *)"\x05\x02", 2, &v) == 2 && v == 2);
    CHECK(socks5_method_reply((const unsigned char *)"HTTP/1.1", 8, &v) == -1);
    CHECK(socks5_auth_reply((const unsigned char *)"\x01\x01", 2, &v) == 2 && v == 1);
    /* a CONNECT reply arrives in pieces; its length depends on ATYP */
    const unsigned char ok4[] = {5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90, '2', '2', '0'};
    for (size_t len = 0; len < 10; len++)
        CHECK(socks5_connect_reply(ok4, len, &v) == 0);
    CHECK(socks5_connect_reply(ok4, sizeof ok4, &v) == 10 && v == 0);
    const unsigned char name[] = {5, 5, 0, 3, 3, 'a', 'b', 'c', 0, 25};
    CHECK(socks5_connect_reply(name, 9, &v) == 0);
    CHECK(socks5_connect_reply(name, sizeof name, &v) == 10 && v == 5);
    CHECK_STR(socks5_reply_text(v), "connection refused by the destination host");
    CHECK(socks5_connect_reply((const unsigned char *)"\x05\x00\x00\x07", 4, &v) == 0);
    CHECK(socks5_connect_reply((const unsigned char *)"\x05\x00\x00\x07\x00", 5, &v) == -1);
    CHECK(socks5_connect_reply((const unsigned char *)"\x05\x00\x01", 3, &v) == -1);
    CHECK_STR(socks5_reply_text(200), "unknown error");
}
