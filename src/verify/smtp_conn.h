/* One SMTP client connection (RFC 5321) for mailbox probes: a non-blocking
 * socket whose every wait (connect, send, reply, TLS handshake) is bounded
 * by a per-operation timeout and by the caller's deadline, with STARTTLS
 * (RFC 3207) through OpenSSL. TLS is opportunistic (RFC 7435): certificates
 * are not verified, as between MTAs, since a probe carries no secret.
 * With a SOCKS5 proxy (verify/socks5.h) the socket is the proxy's, and the
 * proxy is asked to CONNECT to the address given; a proxy that fails is a
 * failed connection, never a reason to connect directly.
 * Failures are RC_UPSTREAM with the reason in words. */
#ifndef LEADGEN_VERIFY_SMTP_CONN_H
#define LEADGEN_VERIFY_SMTP_CONN_H

#include "base/rc.h"
#include "verify/dns.h"
#include "verify/socks5.h"
#include "verify/smtp_reply.h"

#include <stdbool.h>

struct verify_smtp_conn;

/* Connects to addr:port, through proxy when it is not NULL (timeout_ms bounds
 * the connection to the proxy and each of its replies). */
enum rc verify_smtp_connect(const struct dns_addr *addr, int port,
                            const struct socks5_proxy *proxy, int timeout_ms, double deadline_ms,
                            struct verify_smtp_conn **out, struct err *err);
/* Sends line and CRLF (nothing when line is NULL, to read the greeting),
 * then reads one reply. */
enum rc verify_smtp_exchange(struct verify_smtp_conn *c, const char *line, int timeout_ms,
                             double deadline_ms, struct verify_smtp_reply *reply, struct err *err);
/* RFC 2920 pipelining: sends the lines (each with CRLF) in one write; read
 * their replies, in order, with verify_smtp_read_reply (command names the one whose
 * reply is awaited, for messages). */
enum rc verify_smtp_send_lines(struct verify_smtp_conn *c, const char *const *lines, size_t n,
                               int timeout_ms, double deadline_ms, struct err *err);
enum rc verify_smtp_read_reply(struct verify_smtp_conn *c, const char *command, int timeout_ms,
                               double deadline_ms, struct verify_smtp_reply *reply,
                               struct err *err);
/* Sends line and CRLF without waiting for the reply (QUIT). */
void verify_smtp_send_only(struct verify_smtp_conn *c, const char *line, double deadline_ms);
/* Starts TLS once the server has answered 220 to STARTTLS; sni is the MX
 * host name. Bytes the server sent before the handshake are discarded. */
enum rc verify_smtp_start_tls(struct verify_smtp_conn *c, const char *sni, int timeout_ms,
                              double deadline_ms, struct err *err);
bool verify_smtp_conn_tls(const struct verify_smtp_conn *c);
/* libssl could be loaded: STARTTLS is worth asking for. */
bool verify_smtp_tls_available(void);
/* "127.0.0.2" / "::1": the peer address, for messages. */
const char *verify_smtp_conn_peer(const struct verify_smtp_conn *c);
void verify_smtp_close(struct verify_smtp_conn *c);

/* The address in text form into out (INET6_ADDRSTRLEN bytes). */
void verify_smtp_addr_text(const struct dns_addr *addr, char *out, unsigned long size);

#endif
