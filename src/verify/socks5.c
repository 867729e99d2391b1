/* SOCKS5 proxy list parsing and the handshake's messages (RFC 1928, RFC 1929).
 * Replies are read defensively: they come from the network, and a proxy may be
 * something else listening on that port. */
#include "verify/socks5.h"

#include "base/str.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

enum { SOCKS_VERSION = 5, USERPASS_VERSION = 1, CMD_CONNECT = 1 };
enum { ATYP_IPV4 = 1, ATYP_NAME = 3, ATYP_IPV6 = 4 };

/* ---- the list ------------------------------------------------------------- */

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into the arena; NULL when malformed or too long. */
static const char *decode(struct arena *a, const char *s, size_t n) {
    char *out = arena_alloc(a, n + 1);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            out[len++] = s[i];
            continue;
        }
        int hi = i + 2 < n ? hex_value(s[i + 1]) : -1, lo = i + 2 < n ? hex_value(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) return NULL;
        out[len++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[len] = '\0';
    return len >= 1 && len <= SOCKS5_FIELD_MAX && strlen(out) == len ? out : NULL;
}

/* "[user:pass@]host:port" of one entry. */
static enum rc parse_authority(const char *s, size_t n, struct arena *a, struct socks5_proxy *p,
                               struct err *err) {
    const char *at = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '@') at = s + i;
    if (at) {
        /* messages never repeat the user name and password */
        const char *colon = memchr(s, ':', (size_t)(at - s));
        if (!colon) return err_set(err, RC_INVALID, "expected user:password@ before the host");
        p->user = decode(a, s, (size_t)(colon - s));
        p->pass = decode(a, colon + 1, (size_t)(at - colon - 1));
        if (!p->user || !p->pass)
            return err_set(err, RC_INVALID, "user name and password must be 1 to 255 bytes");
        n -= (size_t)(at + 1 - s);
        s = at + 1;
    }
    const char *entry = arena_strndup(a, s, n), *host = s, *port;
    size_t hostlen;
    if (n > 0 && *s == '[') {
        const char *close = memchr(s, ']', n);
        if (!close || close + 1 >= s + n || close[1] != ':')
            return err_set(err, RC_INVALID, "%s: expected [IPv6]:port", entry);
        host = s + 1, hostlen = (size_t)(close - s - 1), port = close + 2;
    } else {
        const char *colon = NULL;
        for (size_t i = 0; i < n; i++)
            if (s[i] == ':') colon = s + i;
        if (!colon) return err_set(err, RC_INVALID, "%s: expected host:port", entry);
        hostlen = (size_t)(colon - s), port = colon + 1;
    }
    size_t portlen = (size_t)(s + n - port);
    if (portlen > 0 && port[portlen - 1] == '/') portlen--;
    int64_t number;
    char digits[8] = "";
    if (portlen < sizeof digits) memcpy(digits, port, portlen), digits[portlen] = '\0';
    if (hostlen == 0 || !str_parse_int64(digits, &number) || number < 1 || number > 65535)
        return err_set(err, RC_INVALID, "%s: expected host:port with a port from 1 to 65535",
                       entry);
    p->host = arena_strndup(a, host, hostlen);
    p->port = (int)number;
    p->label =
        arena_sprintf(a, "%s%s%s:%d", *s == '[' ? "[" : "", p->host, *s == '[' ? "]" : "", p->port);
    return RC_OK;
}

enum rc socks5_parse_list(const char *text, struct arena *a, struct socks5_proxy **out, size_t *n,
                          struct err *err) {
    *out = arena_alloc(a, SOCKS5_PROXIES_MAX * sizeof **out);
    *n = 0;
    for (const char *s = text ? text : ""; *s;) {
        size_t len = strcspn(s, ",");
        const char *start = s, *next = s[len] ? s + len + 1 : s + len;
        while (len > 0 && (*start == ' ' || *start == '\t'))
            start++, len--;
        while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
            len--;
        s = next;
        if (len == 0) continue;
        if (*n == SOCKS5_PROXIES_MAX)
            return err_set(err, RC_INVALID, "at most %d proxies", SOCKS5_PROXIES_MAX);
        static const char scheme[] = "socks5://";
        if (len <= sizeof scheme - 1 || strncmp(start, scheme, sizeof scheme - 1) != 0)
            return err_set(err, RC_INVALID, "%.*s: expected socks5://", (int)len, start);
        start += sizeof scheme - 1, len -= sizeof scheme - 1;
        if (parse_authority(start, len, a, &(*out)[*n], err) != RC_OK) return RC_INVALID;
        (*n)++;
    }
    return RC_OK;
}

/* ---- the client's messages ------------------------------------------------ */

size_t socks5_greeting(const struct socks5_proxy *p, unsigned char *out) {
    out[0] = SOCKS_VERSION;
    out[1] = 1;
    out[2] = p->user ? SOCKS5_USERPASS : SOCKS5_NO_AUTH;
    return 3;
}

size_t socks5_auth_request(const struct socks5_proxy *p, unsigned char *out) {
    size_t ulen = strlen(p->user), plen = strlen(p->pass), n = 0;
    out[n++] = USERPASS_VERSION;
    out[n++] = (unsigned char)ulen;
    memcpy(out + n, p->user, ulen), n += ulen;
    out[n++] = (unsigned char)plen;
    memcpy(out + n, p->pass, plen), n += plen;
    return n;
}

size_t socks5_connect_request(const struct dns_addr *addr, int port, unsigned char *out) {
    bool v6 = addr->family == AF_INET6;
    size_t n = 0, alen = v6 ? 16 : 4;
    out[n++] = SOCKS_VERSION;
    out[n++] = CMD_CONNECT;
    out[n++] = 0; /* reserved */
    out[n++] = v6 ? ATYP_IPV6 : ATYP_IPV4;
    memcpy(out + n, addr->bytes, alen), n += alen;
    out[n++] = (unsigned char)(port >> 8);
    out[n++] = (unsigned char)(port & 0xff);
    return n;
}

/* ---- the proxy's replies --------------------------------------------------- */

static long two_bytes(const unsigned char *buf, size_t len, int version, int *value) {
    if (len >= 1 && buf[0] != version) return -1;
    if (len < 2) return 0;
    *value = buf[1];
    return 2;
}

long socks5_method_reply(const unsigned char *buf, size_t len, int *value) {
    return two_bytes(buf, len, SOCKS_VERSION, value);
}

long socks5_auth_reply(const unsigned char *buf, size_t len, int *value) {
    return two_bytes(buf, len, USERPASS_VERSION, value);
}

/* VER REP RSV ATYP BND.ADDR BND.PORT; BND.ADDR's length depends on ATYP. */
long socks5_connect_reply(const unsigned char *buf, size_t len, int *value) {
    if (len >= 1 && buf[0] != SOCKS_VERSION) return -1;
    if (len >= 3 && buf[2] != 0) return -1;
    if (len < 5) return 0;
    size_t addr;
    switch (buf[3]) {
    case ATYP_IPV4:
        addr = 4;
        break;
    case ATYP_IPV6:
        addr = 16;
        break;
    case ATYP_NAME:
        addr = 1 + (size_t)buf[4];
        break;
    default:
        return -1;
    }
    size_t need = 4 + addr + 2;
    if (len < need) return 0;
    *value = buf[1];
    return (long)need;
}

const char *socks5_reply_text(int rep) {
    static const char *const text[] = {
        "succeeded",
        "general SOCKS server failure",
        "connection not allowed by ruleset",
        "network unreachable",
        "host unreachable",
        "connection refused by the destination host",
        "TTL expired",
        "command not supported",
        "address type not supported",
    };
    return rep >= 0 && rep < (int)(sizeof text / sizeof text[0]) ? text[rep] : "unknown error";
}
