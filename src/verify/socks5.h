/* SOCKS5 for mailbox probes (RFC 1928, with RFC 1929 username/password): the
 * LEADGEN_SMTP_PROXY list, and the bytes of the handshake that asks a proxy to
 * CONNECT to an MX address leadgen resolved itself (never a name for the proxy
 * to resolve). Pure functions over buffers: smtp_conn.c does the I/O. Parsed
 * lists live in the caller's arena. */
#ifndef LEADGEN_VERIFY_SOCKS5_H
#define LEADGEN_VERIFY_SOCKS5_H

#include "base/mem.h"
#include "base/rc.h"
#include "verify/dns.h"

#include <stdbool.h>
#include <stddef.h>

enum {
    SOCKS5_PROXIES_MAX = 32,
    SOCKS5_FIELD_MAX = 255, /* RFC 1929: user name and password lengths fit in a byte */
    SOCKS5_REQUEST_MAX = 3 + SOCKS5_FIELD_MAX * 2, /* the longest message we send */
};

/* RFC 1928 §3 method numbers. */
enum { SOCKS5_NO_AUTH = 0x00, SOCKS5_USERPASS = 0x02, SOCKS5_NO_METHOD = 0xff };

struct socks5_proxy {
    const char *host; /* a name, an IPv4 address or a bracket-less IPv6 address */
    int port;
    const char *user, *pass; /* NULL: no authentication offered */
    const char *label;       /* "host:port", for messages (never the password) */
};

/* Parses "socks5://[user:pass@]host:port[,...]" (user and pass percent-decoded,
 * IPv6 in brackets) into *out (n entries in a). NULL or "" is an empty list. */
enum rc socks5_parse_list(const char *text, struct arena *a, struct socks5_proxy **out, size_t *n,
                          struct err *err);

/* The client's messages into out (SOCKS5_REQUEST_MAX bytes); each returns its length. */
size_t socks5_greeting(const struct socks5_proxy *p, unsigned char *out);
size_t socks5_auth_request(const struct socks5_proxy *p, unsigned char *out);
size_t socks5_connect_request(const struct dns_addr *addr, int port, unsigned char *out);

/* The proxy's replies: bytes used (> 0), 0 when more are needed, -1 when the
 * bytes are not a SOCKS5 reply. *value is the chosen method, the RFC 1929
 * status, or the RFC 1928 REP code. */
long socks5_method_reply(const unsigned char *buf, size_t len, int *value);
long socks5_auth_reply(const unsigned char *buf, size_t len, int *value);
long socks5_connect_reply(const unsigned char *buf, size_t len, int *value);

/* RFC 1928 §6 REP in words, e.g. "connection refused by the destination host". */
const char *socks5_reply_text(int rep);

#endif
