/* Polls a sending account's INBOX over IMAP (RFC 3501) with libcurl for
 * messages that arrived since the last poll, by UID (RFC 3501 section 2.3.1.1):
 * the caller keeps the mailbox's UIDVALIDITY and the last UID seen. Messages
 * are fetched whole (up to a size cap) and left unread where they were unread,
 * so polling never changes what the user sees in their mail client. */
#ifndef LEADGEN_MAIL_IMAP_H
#define LEADGEN_MAIL_IMAP_H

#include "base/rc.h"
#include "mail/smtp.h"

#include <stddef.h>
#include <stdint.h>

struct imap_server {
    const char *host;
    int port;
    enum mail_tls tls;
    const char *username;
    const char *password; /* unless bearer is set */
    const char *bearer;   /* an OAuth 2.0 access token: AUTHENTICATE XOAUTH2 */
    long timeout_ms;      /* each command */
    bool guard_private;
    const char *resolve; /* curl --resolve pins, or NULL */
};

struct imap_cursor {
    int64_t uidvalidity; /* 0: never polled; the poll then starts at UIDNEXT */
    int64_t last_uid;
};

/* Called for each new message in UID order; raw is valid during the call. */
typedef void (*imap_message_fn)(const char *raw, size_t len, int64_t uid, void *ctx);

/* Reads at most max_messages new messages and advances *cursor past them.
 * A changed UIDVALIDITY restarts at the mailbox's current end (old UIDs mean
 * nothing any more). RC_UPSTREAM (login, connection, protocol) with the reason. */
enum rc imap_poll(const struct imap_server *server, struct imap_cursor *cursor, size_t max_messages,
                  size_t max_bytes, imap_message_fn fn, void *ctx, struct err *err);

/* Whether `folder` holds a message whose header `name` is `value` (e.g. a
 * Message-ID in Gmail's sent folder). RC_UPSTREAM when it cannot be read. */
enum rc imap_has_header(const struct imap_server *server, const char *folder, const char *name,
                        const char *value, bool *found, struct err *err);

/* Logs in and sends NOOP, reading nothing: *answer (size bytes) gets the server's
 * greeting and its answer to the login, for a person checking an account.
 * RC_UPSTREAM with the reason when the login or connection fails. */
enum rc imap_login(const struct imap_server *server, char *answer, size_t size, struct err *err);

#endif
