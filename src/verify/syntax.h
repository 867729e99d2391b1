/* Email address syntax as real mail systems accept it: an RFC 5321
 * Mailbox whose local part is a dot-atom (RFC 6531 UTF-8 allowed, unsafe
 * Unicode categories refused) and whose domain is a host name, converted to
 * its A-label form with libidn2 (IDNA2008, UTS #46 non-transitional). Quoted
 * local parts, comments, display names and IP literals are refused with a
 * reason of their own. Lengths: local part 64, domain 255, address 254
 * octets. Strings handed back live in the caller's arena. */
#ifndef LEADGEN_VERIFY_SYNTAX_H
#define LEADGEN_VERIFY_SYNTAX_H

#include "base/mem.h"

#include <stdbool.h>

enum syntax_error {
    SYN_OK = 0,
    SYN_EMPTY,
    SYN_NOT_UTF8,
    SYN_NO_AT,
    SYN_NO_LOCAL,
    SYN_NO_DOMAIN,
    SYN_DISPLAY_NAME,
    SYN_COMMENT,
    SYN_QUOTED,
    SYN_IP_LITERAL,
    SYN_LOCAL_CHAR,
    SYN_LOCAL_DOT,
    SYN_LOCAL_TOO_LONG,
    SYN_UNSAFE_CHAR,
    SYN_DOMAIN_CHAR,
    SYN_DOMAIN_DOT,
    SYN_DOMAIN_HYPHEN,
    SYN_LABEL_TOO_LONG,
    SYN_DOMAIN_TOO_LONG,
    SYN_NO_DOT,
    SYN_TLD,
    SYN_IDNA,
    SYN_RESERVED,
    SYN_TOO_LONG,
};

struct email_syntax {
    bool valid;
    enum syntax_error error;
    const char *reason;       /* why it is invalid, in words; NULL when valid */
    const char *local;        /* the local part as given */
    const char *domain;       /* the domain as given */
    const char *ascii_domain; /* lowercase A-label form, what DNS is asked */
    const char *address;      /* local@ascii_domain, what RCPT TO carries */
    bool smtputf8;            /* the local part is not ASCII (needs RFC 6531) */
};

/* Checks input (a NUL-terminated string, not trimmed); returns out->valid. */
bool verify_syntax(const char *input, struct arena *a, struct email_syntax *out);

#endif
