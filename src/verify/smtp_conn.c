/* Non-blocking SMTP connections with deadlines, plain or TLS. */
#include "verify/smtp_conn.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/mem.h"
#include "verify/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { LINE_MAX_OUT = 1024 };

struct verify_smtp_conn {
    int fd;
    SSL *ssl;
    char peer[64];
    size_t len;
    char buf[VERIFY_SMTP_REPLY_MAX];
};

void verify_smtp_addr_text(const struct dns_addr *addr, char *out, unsigned long size)
{
    if (!inet_ntop(addr->family, addr->bytes, out, (socklen_t)size)) snprintf(out, size, "?");
}

const char *verify_smtp_conn_peer(const struct verify_smtp_conn *c)
{
    return c->peer;
}

bool verify_smtp_tls_available(void)
{
    return tls_client_ctx() != NULL;
}

bool verify_smtp_conn_tls(const struct verify_smtp_conn *c)
{
    return c->ssl != NULL;
}

/* Milliseconds to wait: the operation's timeout or what is left before the
 * deadline, whichever is shorter; 0 when the deadline has passed. */
static int wait_budget(int timeout_ms, double deadline_ms)
{
    double left = deadline_ms - clock_mono_ms();
    if (left <= 0) return 0;
    return left < timeout_ms ? (int)left + 1 : timeout_ms;
}

/* Waits for events on fd; RC_UPSTREAM "timed out ..." when none come in time. */
static enum rc wait_fd(int fd, short events, int timeout_ms, double deadline_ms, const char *what,
                       struct err *err)
{
    for (;;) {
        int ms = wait_budget(timeout_ms, deadline_ms);
        struct pollfd p = {.fd = fd, .events = events};
        int n = ms > 0 ? poll(&p, 1, ms) : 0;
        if (n > 0) return RC_OK;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return err_set(err, RC_UPSTREAM, "%s: poll failed: %s", what, strerror(errno));
        return err_set(err, RC_UPSTREAM, "timed out after %.0f s %s", timeout_ms / 1000.0, what);
    }
}

static socklen_t fill_sockaddr(const struct dns_addr *addr, int port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (addr->family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        memcpy(&s6->sin6_addr, addr->bytes, 16);
        return sizeof *s6;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    memcpy(&s4->sin_addr, addr->bytes, 4);
    return sizeof *s4;
}

/* ---- raw I/O, plain or TLS -------------------------------------------------- */

/* Waits for what an OpenSSL call asked for (want read or write). */
static enum rc wait_tls(struct verify_smtp_conn *c, int ssl_error, int timeout_ms,
                        double deadline_ms, const char *what, struct err *err) {
    if (ssl_error == SSL_ERROR_WANT_READ)
        return wait_fd(c->fd, POLLIN, timeout_ms, deadline_ms, what, err);
    if (ssl_error == SSL_ERROR_WANT_WRITE)
        return wait_fd(c->fd, POLLOUT, timeout_ms, deadline_ms, what, err);
    unsigned long code = ERR_get_error();
    if (ssl_error == SSL_ERROR_ZERO_RETURN || (ssl_error == SSL_ERROR_SYSCALL && !code))
        return err_set(err, RC_UPSTREAM, "connection closed by the server %s", what);
    char msg[160];
    ERR_error_string_n(code, msg, sizeof msg);
    ERR_clear_error();
    return err_set(err, RC_UPSTREAM, "TLS error %s: %s", what, msg);
}

static enum rc send_all(struct verify_smtp_conn *c, const char *data, size_t n, int timeout_ms,
                        double deadline_ms, const char *what, struct err *err)
{
    while (n > 0) {
        if (c->ssl) {
            int w = SSL_write(c->ssl, data, (int)n);
            if (w > 0) {
                data += w, n -= (size_t)w;
                continue;
            }
            if (wait_tls(c, SSL_get_error(c->ssl, w), timeout_ms, deadline_ms, what, err) !=
                RC_OK)
                return RC_UPSTREAM;
            continue;
        }
        ssize_t w = send(c->fd, data, n, MSG_NOSIGNAL);
        if (w > 0) {
            data += w, n -= (size_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(c->fd, POLLOUT, timeout_ms, deadline_ms, what, err) != RC_OK)
                return RC_UPSTREAM;
        } else {
            return err_set(err, RC_UPSTREAM, "connection to %s lost %s: %s", c->peer, what,
                           strerror(errno));
        }
    }
    return RC_OK;
}

/* Reads what is available into the buffer (waiting for some). */
static enum rc receive_some(struct verify_smtp_conn *c, int timeout_ms, double deadline_ms,
                            const char *what, struct err *err)
{
    for (;;) {
        size_t room = sizeof c->buf - c->len;
        if (room == 0) return err_set(err, RC_UPSTREAM, "reply too long %s", what);
        if (c->ssl) {
            int r = SSL_read(c->ssl, c->buf + c->len, (int)room);
            if (r > 0) {
                c->len += (size_t)r;
                return RC_OK;
            }
            if (wait_tls(c, SSL_get_error(c->ssl, r), timeout_ms, deadline_ms, what, err) !=
                RC_OK)
                return RC_UPSTREAM;
            continue;
        }
        ssize_t r = recv(c->fd, c->buf + c->len, room, 0);
        if (r > 0) {
            c->len += (size_t)r;
            return RC_OK;
        }
        if (r == 0) return err_set(err, RC_UPSTREAM, "connection closed by the server %s", what);
        if (errno != EAGAIN && errno != EINTR)
            return err_set(err, RC_UPSTREAM, "connection to %s lost %s: %s", c->peer, what,
                           strerror(errno));
        if (wait_fd(c->fd, POLLIN, timeout_ms, deadline_ms, what, err) != RC_OK) return RC_UPSTREAM;
    }
}

static enum rc read_reply(struct verify_smtp_conn *c, int timeout_ms, double deadline_ms,
                          const char *what, struct verify_smtp_reply *reply, struct err *err)
{
    for (;;) {
        long used = verify_smtp_reply_parse(c->buf, c->len, reply);
        if (used < 0) return err_set(err, RC_UPSTREAM, "the server's answer %s is not SMTP", what);
        if (used > 0) {
            c->len -= (size_t)used;
            memmove(c->buf, c->buf + used, c->len);
            return RC_OK;
        }
        if (receive_some(c, timeout_ms, deadline_ms, what, err) != RC_OK) return RC_UPSTREAM;
    }
}

/* ---- connecting, directly or through a SOCKS5 proxy ------------------------ */

/* Opens a non-blocking socket to sa and waits until it is connected; name
 * ("127.0.0.2 port 25") is for messages. */
static enum rc open_socket(struct verify_smtp_conn *c, const struct sockaddr *sa, socklen_t len,
                           const char *name, int timeout_ms, double deadline_ms, struct err *err)
{
    c->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) return err_set(err, RC_UPSTREAM, "socket: %s", strerror(errno));
    if (connect(c->fd, sa, len) == 0) return RC_OK;
    if (errno != EINPROGRESS)
        return err_set(err, RC_UPSTREAM, "connect to %s: %s", name, strerror(errno));
    char what[160];
    snprintf(what, sizeof what, "connecting to %s", name);
    if (wait_fd(c->fd, POLLOUT, timeout_ms, deadline_ms, what, err) != RC_OK) return RC_UPSTREAM;
    int soerr = 0;
    socklen_t optlen = sizeof soerr;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &optlen) != 0) soerr = errno;
    if (soerr) return err_set(err, RC_UPSTREAM, "connect to %s: %s", name, strerror(soerr));
    return RC_OK;
}

/* Reads one proxy reply with parse (a socks5_*_reply); what follows it stays buffered. */
static enum rc proxy_reply(struct verify_smtp_conn *c, long (*parse)(const unsigned char *, size_t,
                                                                     int *),
                           int *value, int timeout_ms, double deadline_ms, const char *what,
                           struct err *err)
{
    for (;;) {
        long used = parse((const unsigned char *)c->buf, c->len, value);
        if (used < 0) return err_set(err, RC_UPSTREAM, "the reply is not SOCKS5 (%s)", what);
        if (used > 0) {
            c->len -= (size_t)used;
            memmove(c->buf, c->buf + used, c->len);
            return RC_OK;
        }
        if (receive_some(c, timeout_ms, deadline_ms, what, err) != RC_OK) return RC_UPSTREAM;
    }
}

/* RFC 1928 §3-§6 (and RFC 1929 §2 when the proxy asks for a password): method,
 * authentication, CONNECT to addr:port. */
static enum rc proxy_handshake(struct verify_smtp_conn *c, const struct socks5_proxy *proxy,
                               const struct dns_addr *addr, int port, int timeout_ms,
                               double deadline_ms, struct err *err)
{
    unsigned char msg[SOCKS5_REQUEST_MAX];
    int value = 0;
    size_t n = socks5_greeting(proxy, msg);
    if (send_all(c, (char *)msg, n, timeout_ms, deadline_ms, "sending the greeting", err) ||
        proxy_reply(c, socks5_method_reply, &value, timeout_ms, deadline_ms,
                    "waiting for the method reply", err))
        return RC_UPSTREAM;
    if (value == SOCKS5_USERPASS && proxy->user) {
        n = socks5_auth_request(proxy, msg);
        if (send_all(c, (char *)msg, n, timeout_ms, deadline_ms, "sending the password", err) ||
            proxy_reply(c, socks5_auth_reply, &value, timeout_ms, deadline_ms,
                        "waiting for the password reply", err))
            return RC_UPSTREAM;
        if (value != 0) return err_set(err, RC_UPSTREAM, "user name or password refused");
    } else if (value != SOCKS5_NO_AUTH) {
        return err_set(err, RC_UPSTREAM, "no acceptable authentication method%s",
                       proxy->user ? "" : " (the proxy may want a user name and password)");
    }
    n = socks5_connect_request(addr, port, msg);
    if (send_all(c, (char *)msg, n, timeout_ms, deadline_ms, "sending CONNECT", err) ||
        proxy_reply(c, socks5_connect_reply, &value, timeout_ms, deadline_ms,
                    "waiting for the CONNECT reply", err))
        return RC_UPSTREAM;
    if (value != 0)
        return err_set(err, RC_UPSTREAM, "CONNECT to %s port %d failed: %s", c->peer, port,
                       socks5_reply_text(value));
    return RC_OK;
}

/* Connects to the proxy (its first address) and has it connect to addr:port. */
static enum rc connect_through(struct verify_smtp_conn *c, const struct socks5_proxy *proxy,
                               const struct dns_addr *addr, int port, int timeout_ms,
                               double deadline_ms, struct err *err)
{
    char service[8];
    snprintf(service, sizeof service, "%d", proxy->port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res = NULL;
    int gai = getaddrinfo(proxy->host, service, &hints, &res);
    struct err inner = {0};
    enum rc rc;
    if (gai != 0)
        rc = err_set(&inner, RC_UPSTREAM, "cannot resolve %s: %s", proxy->host, gai_strerror(gai));
    else
        rc = open_socket(c, res->ai_addr, res->ai_addrlen, "the proxy", timeout_ms, deadline_ms,
                         &inner);
    if (res) freeaddrinfo(res);
    if (rc == RC_OK) rc = proxy_handshake(c, proxy, addr, port, timeout_ms, deadline_ms, &inner);
    if (rc != RC_OK) err_set(err, RC_UPSTREAM, "SOCKS5 proxy %s: %s", proxy->label, inner.msg);
    return rc;
}

enum rc verify_smtp_connect(const struct dns_addr *addr, int port,
                            const struct socks5_proxy *proxy, int timeout_ms, double deadline_ms,
                            struct verify_smtp_conn **out, struct err *err)
{
    struct verify_smtp_conn *c = xcalloc(1, sizeof *c);
    c->fd = -1;
    verify_smtp_addr_text(addr, c->peer, sizeof c->peer);
    enum rc rc;
    if (proxy) {
        rc = connect_through(c, proxy, addr, port, timeout_ms, deadline_ms, err);
    } else {
        struct sockaddr_storage ss;
        socklen_t sslen = fill_sockaddr(addr, port, &ss);
        char name[96];
        snprintf(name, sizeof name, "%s port %d", c->peer, port);
        rc = open_socket(c, (struct sockaddr *)&ss, sslen, name, timeout_ms, deadline_ms, err);
    }
    if (rc != RC_OK) {
        verify_smtp_close(c);
        c = NULL;
    }
    *out = c;
    return rc;
}

/* "waiting for the reply to RCPT TO" from the command line. */
static void describe(const char *line, char *what, size_t size)
{
    if (!line) {
        snprintf(what, size, "waiting for the greeting");
        return;
    }
    size_t verb = strcspn(line, ":");
    if (verb > 12) verb = strcspn(line, " ");
    snprintf(what, size, "waiting for the reply to %.*s", (int)verb, line);
}

enum rc verify_smtp_exchange(struct verify_smtp_conn *c, const char *line, int timeout_ms,
                             double deadline_ms, struct verify_smtp_reply *reply, struct err *err) {
    char what[64], out[LINE_MAX_OUT + 3];
    describe(line, what, sizeof what);
    if (line) {
        int n = snprintf(out, sizeof out, "%s\r\n", line);
        if (n < 0 || (size_t)n >= sizeof out) return err_set(err, RC_INVALID, "command too long");
        if (send_all(c, out, (size_t)n, timeout_ms, deadline_ms, what, err) != RC_OK)
            return RC_UPSTREAM;
    }
    return read_reply(c, timeout_ms, deadline_ms, what, reply, err);
}

enum rc verify_smtp_send_lines(struct verify_smtp_conn *c, const char *const *lines, size_t n,
                               int timeout_ms, double deadline_ms, struct err *err) {
    struct buf out;
    buf_init(&out, 0);
    for (size_t i = 0; i < n; i++) buf_printf(&out, "%s\r\n", lines[i]);
    char what[64];
    describe(n ? lines[0] : NULL, what, sizeof what);
    enum rc rc = send_all(c, out.data ? out.data : "", out.len, timeout_ms, deadline_ms, what, err);
    buf_free(&out);
    return rc;
}

enum rc verify_smtp_read_reply(struct verify_smtp_conn *c, const char *command, int timeout_ms,
                        double deadline_ms, struct verify_smtp_reply *reply, struct err *err)
{
    char what[64];
    describe(command, what, sizeof what);
    return read_reply(c, timeout_ms, deadline_ms, what, reply, err);
}

void verify_smtp_send_only(struct verify_smtp_conn *c, const char *line, double deadline_ms)
{
    char out[LINE_MAX_OUT + 3];
    int n = snprintf(out, sizeof out, "%s\r\n", line);
    struct err ignored = {0};
    if (n > 0 && (size_t)n < sizeof out)
        send_all(c, out, (size_t)n, 1000, deadline_ms, "", &ignored);
}

enum rc verify_smtp_start_tls(struct verify_smtp_conn *c, const char *sni, int timeout_ms,
                              double deadline_ms, struct err *err) {
    SSL_CTX *ctx = tls_client_ctx();
    if (!ctx) return err_set(err, RC_IO, "TLS is not available");
    c->len = 0; /* RFC 3207 §4.2: nothing sent before the handshake may be trusted */
    c->ssl = SSL_new(ctx);
    if (!c->ssl || !SSL_set_fd(c->ssl, c->fd)) return err_set(err, RC_IO, "TLS set-up failed");
    if (sni && *sni)
        SSL_set_tlsext_host_name(c->ssl, sni);
    for (;;) {
        int r = SSL_connect(c->ssl);
        if (r == 1) return RC_OK;
        if (wait_tls(c, SSL_get_error(c->ssl, r), timeout_ms, deadline_ms,
                     "during the TLS handshake", err) != RC_OK) {
            SSL_free(c->ssl);
            c->ssl = NULL;
            return RC_UPSTREAM;
        }
    }
}

void verify_smtp_close(struct verify_smtp_conn *c)
{
    if (!c) return;
    if (c->ssl) SSL_free(c->ssl);
    if (c->fd >= 0) close(c->fd);
    free(c);
}
