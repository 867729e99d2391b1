/* Reads a message found in a sending account's inbox and says what it is: a
 * delivery-status report (RFC 3464, multipart/report), an automatic reply
 * (RFC 3834 Auto-Submitted, X-Autoreply, out-of-office subjects) or a message
 * a person wrote. Strings are allocated in the caller's arena. */
#ifndef LEADGEN_MAIL_INBOUND_H
#define LEADGEN_MAIL_INBOUND_H

#include "base/mem.h"

#include <stddef.h>

enum inbound_kind {
    INBOUND_MESSAGE,    /* written by a person: a reply when it refers to one of ours */
    INBOUND_AUTO_REPLY, /* out-of-office and other automatic answers: never a reply */
    INBOUND_BOUNCE,     /* a delivery-status report with a permanent (5.x.x) failure */
    INBOUND_DELAY,      /* a delivery-status report with only transient (4.x.x) news */
};

enum { INBOUND_MAX_REFS = 64 };

struct inbound {
    enum inbound_kind kind;
    const char *from;    /* the sender's address, lower-cased; NULL when unreadable */
    const char *subject; /* unfolded, as sent (encoded-words are left encoded) */
    /* Message-IDs with their angle brackets: In-Reply-To, then References, then
     * (reports) the returned message's own Message-ID, which is ours. */
    const char *refs[INBOUND_MAX_REFS];
    size_t refs_count;
    const char *recipient;  /* reports: the Final-Recipient address, lower-cased */
    const char *status;     /* reports: the enhanced status code, e.g. "5.1.1" */
    const char *diagnostic; /* reports: the Diagnostic-Code text, at most 200 bytes */
};

/* Classifies raw (an RFC 5322 message, CRLF or LF line ends, any bytes). */
void inbound_parse(const char *raw, size_t len, struct arena *a, struct inbound *out);

const char *inbound_kind_name(enum inbound_kind kind);

#endif
