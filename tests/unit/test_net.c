/* Unit tests for net/: the private-address classifier behind the SSRF guard,
 * and the guard refusing a loopback target at connect time. */
#include "test.h"

#include "net/addr.h"
#include "net/http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>

static bool v4_private(const char *text)
{
    struct sockaddr_in in = {.sin_family = AF_INET};
    inet_pton(AF_INET, text, &in.sin_addr);
    return addr_is_private((struct sockaddr *)&in);
}

static bool v6_private(const char *text)
{
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, text, &in6.sin6_addr);
    return addr_is_private((struct sockaddr *)&in6);
}

TEST(private_ipv4_ranges_are_refused)
{
    static const char *const blocked[] = {"127.0.0.1",   "127.255.0.9",   "10.1.2.3",
                                          "172.16.0.1",  "172.31.255.254", "192.168.1.1",
                                          "169.254.169.254", "100.64.0.1", "100.127.255.255",
                                          "0.0.0.0",     "224.0.0.1",     "255.255.255.255",
                                          "192.0.2.10",  "198.18.0.1"};
    for (size_t i = 0; i < sizeof blocked / sizeof blocked[0]; i++) {
        if (!v4_private(blocked[i])) fprintf(stderr, "    allowed %s\n", blocked[i]);
        CHECK(v4_private(blocked[i]));
    }
}

TEST(public_ipv4_addresses_are_allowed)
{
    static const char *const open[] = {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1",
                                       "192.169.0.1", "93.184.216.34", "11.0.0.1"};
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++) {
        if (v4_private(open[i])) fprintf(stderr, "    refused %s\n", open[i]);
        CHECK(!v4_private(open[i]));
    }
}

TEST(ipv6_local_forms_are_refused_and_public_allowed)
{
    CHECK(v6_private("::1"));
    CHECK(v6_private("::"));
    CHECK(v6_private("fd12:3456::1"));
    CHECK(v6_private("fe80::1"));
    CHECK(v6_private("ff02::1"));
    CHECK(v6_private("::ffff:127.0.0.1"));
    CHECK(v6_private("::ffff:169.254.169.254"));
    CHECK(v6_private("64:ff9b::10.0.0.1"));
    CHECK(!v6_private("2606:4700:4700::1111"));
    CHECK(!v6_private("::ffff:8.8.8.8"));
}

TEST(guarded_fetch_refuses_loopback_at_connect_time)
{
    http_configure(&(struct http_net_options){.allow_private = false});
    struct http_request req = {.url = "http://127.0.0.1:9/", .guard_private = true,
                               .timeout_ms = 2000};
    struct http_response resp;
    struct err err = {0};
    CHECK_INT(http_fetch(&req, &resp, &err), RC_FORBIDDEN);
    CHECK(strstr(err.msg, "private") != NULL);
    http_response_free(&resp);
    /* a host name that resolves to loopback is caught the same way */
    struct http_request named = {.url = "http://localhost:9/", .guard_private = true,
                                 .timeout_ms = 2000};
    struct err err2 = {0};
    CHECK_INT(http_fetch(&named, &resp, &err2), RC_FORBIDDEN);
    http_response_free(&resp);
    /* unguarded, the same target is a plain connection failure */
    struct http_request open = {.url = "http://127.0.0.1:9/", .timeout_ms = 2000};
    struct err err3 = {0};
    CHECK_INT(http_fetch(&open, &resp, &err3), RC_UPSTREAM);
    http_response_free(&resp);
}
