/* Private and special-purpose address ranges (IANA special-purpose registries). */
#include "net/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static const struct {
    uint32_t net;
    int bits;
} v4_blocked[] = {
    {0x00000000, 8},  /* "this" network */
    {0x0A000000, 8},  /* 10/8 */
    {0x64400000, 10}, /* 100.64/10 CGNAT */
    {0x7F000000, 8},  /* loopback */
    {0xA9FE0000, 16}, /* link-local, cloud metadata */
    {0xAC100000, 12}, /* 172.16/12 */
    {0xC0000000, 24}, /* IETF protocol assignments */
    {0xC0000200, 24}, /* TEST-NET-1 */
    {0xC0A80000, 16}, /* 192.168/16 */
    {0xC6120000, 15}, /* benchmarking */
    {0xC6336400, 24}, /* TEST-NET-2 */
    {0xCB007100, 24}, /* TEST-NET-3 */
    {0xE0000000, 4},  /* multicast */
    {0xF0000000, 4},  /* reserved, broadcast */
};

bool addr_ipv4_is_private(uint32_t ip)
{
    for (size_t i = 0; i < sizeof v4_blocked / sizeof v4_blocked[0]; i++) {
        uint32_t mask = 0xFFFFFFFFu << (32 - v4_blocked[i].bits);
        if ((ip & mask) == v4_blocked[i].net) return true;
    }
    return false;
}

static uint32_t v4_at(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static bool ipv6_is_private(const uint8_t *b)
{
    static const uint8_t zero[16], mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff},
                                   nat64[12] = {0, 0x64, 0xff, 0x9b};
    if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1)) return true; /* :: and ::1 */
    if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0 || memcmp(b, zero, 12) == 0)
        return addr_ipv4_is_private(v4_at(b + 12)); /* v4-mapped, NAT64, v4-compatible */
    if ((b[0] & 0xFE) == 0xFC) return true;                 /* fc00::/7 unique local */
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return true; /* fe80::/10 link-local */
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) return true; /* fec0::/10 site-local */
    if (b[0] == 0xFF) return true;                          /* multicast */
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return true; /* docs */
    return false;
}

bool addr_is_private(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return addr_ipv4_is_private(ntohl(in->sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        return ipv6_is_private(in6->sin6_addr.s6_addr);
    }
    return true; /* unix sockets and anything else are never a public web target */
}
