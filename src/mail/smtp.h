/* Delivery of one message to one recipient by SMTP submission through
 * libcurl (RFC 5321, STARTTLS per RFC 3207 or implicit TLS per RFC 8314,
 * AUTH with a password or Google's XOAUTH2 bearer token). A session keeps its
 * connection between sends, so a scheduler run pays one handshake per
 * account. The outcome says whether to retry: 5xx at RCPT or DATA is final. */
#ifndef LEADGEN_MAIL_SMTP_H
#define LEADGEN_MAIL_SMTP_H

#include <stdbool.h>
#include <stddef.h>

enum mail_tls { MAIL_TLS_NONE, MAIL_TLS_STARTTLS, MAIL_TLS_IMPLICIT };

struct mail_server {
    const char *host;
    int port;
    enum mail_tls tls;
    const char *username; /* NULL or "": no AUTH */
    const char *password; /* with username, unless bearer is set */
    const char *bearer;   /* an OAuth 2.0 access token: AUTH XOAUTH2 */
    long timeout_ms;      /* each send, connection included */
    bool guard_private;   /* refuse loopback and private addresses at connect time */
    const char *resolve;  /* "host:port:addr[,...]" pins, curl's --resolve syntax, or NULL */
};

enum mail_outcome {
    MAIL_SENT,     /* the server took the message (250 after DATA) */
    MAIL_REJECTED, /* a permanent refusal of this recipient or message (5xx at RCPT or DATA) */
    MAIL_DEFERRED, /* try again later: 4xx, a lost connection, a timeout */
    MAIL_ACCOUNT,  /* the account itself failed (login, sender refused, TLS): stop using it */
};

struct mail_result {
    enum mail_outcome outcome;
    long code;         /* the last SMTP reply code, 0 when none arrived */
    bool after_data;   /* the refusal came after the message's data (not at RCPT) */
    char message[256]; /* why, for the recipient's record and the log */
};

struct mail_session;

/* The server's strings are copied; nothing connects until the first send. */
struct mail_session *mail_session_new(const struct mail_server *server);
void mail_session_free(struct mail_session *s);
/* Sends msg (a whole RFC 5322 message with CRLF line ends; libcurl dot-stuffs
 * it) from `from` to `to` in one transaction. */
void mail_send(struct mail_session *s, const char *from, const char *to, const char *msg,
               size_t len, struct mail_result *out);

/* Connects and logs in (AUTH when a username is set) without sending anything, then
 * NOOP: MAIL_SENT when the server took the login, else why not (MAIL_ACCOUNT for a
 * refused login or TLS). out->message holds the server's greeting and its answer to
 * the login, for a person checking an account. */
void mail_login(struct mail_session *s, struct mail_result *out);

const char *mail_outcome_name(enum mail_outcome outcome);

#endif
