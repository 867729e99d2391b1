/* SMTP replies (RFC 5321 §4.2) with enhanced status codes (RFC 2034, RFC
 * 3463): a parser for one possibly multi-line reply from a byte buffer, and
 * the classifier that says what a reply to RCPT TO means for a mailbox
 * probe. Pure functions over caller memory; nothing is allocated. */
#ifndef LEADGEN_VERIFY_SMTP_REPLY_H
#define LEADGEN_VERIFY_SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

enum { VERIFY_SMTP_REPLY_MAX = 65536, VERIFY_SMTP_TEXT_MAX = 1024 };

struct verify_smtp_reply {
    int code;          /* 100..599 */
    char enhanced[16]; /* "5.1.1", or "" when the server gave none */
    int lines;
    /* The text of every line, enhanced codes removed, lines joined by '\n'
     * and cut at VERIFY_SMTP_TEXT_MAX - 1 bytes. */
    char text[VERIFY_SMTP_TEXT_MAX];
};

/* Parses the reply at the start of buf. Returns the bytes it spans (> 0)
 * when a whole reply is there, 0 when more input is needed, and -1 when the
 * bytes are not an SMTP reply (or one longer than VERIFY_SMTP_REPLY_MAX). Lines end
 * in CRLF; a bare LF is accepted. */
long verify_smtp_reply_parse(const char *buf, size_t len, struct verify_smtp_reply *out);

/* True when a line of the reply (an EHLO keyword line) starts with keyword,
 * compared case-insensitively and followed by a space or the line's end. */
bool verify_smtp_reply_has_keyword(const struct verify_smtp_reply *r, const char *keyword);

/* What an answer to RCPT TO says about the mailbox. */
enum verify_smtp_verdict {
    VERIFY_SMTP_ACCEPTED,     /* 250/251: the server will deliver */
    VERIFY_SMTP_NO_MAILBOX,   /* 5.1.x, or 550/551/553 saying the user is unknown */
    VERIFY_SMTP_DISABLED,     /* 5.2.1: the mailbox exists but takes no mail */
    VERIFY_SMTP_FULL,         /* x.2.2, 552, or 452 saying the mailbox is over quota */
    VERIFY_SMTP_TOO_MANY,     /* x.5.3: too many recipients; retry in a new transaction */
    VERIFY_SMTP_TEMPORARY,    /* any other 4xx: greylisting, rate limits, load */
    VERIFY_SMTP_POLICY,       /* 5.7.x or a block-list text: the sender was refused */
    VERIFY_SMTP_UNVERIFIABLE, /* 252: the server will not say */
    VERIFY_SMTP_OTHER,        /* any other reply: nothing can be concluded */
};

enum verify_smtp_verdict verify_smtp_classify_rcpt(const struct verify_smtp_reply *r);
/* A short name for logs and JSON ("accepted", "no_mailbox", ...). */
const char *verify_smtp_verdict_name(enum verify_smtp_verdict v);

#endif
