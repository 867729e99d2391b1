/* One campaign email for one recipient and one step, as the bytes handed to
 * the SMTP server: RFC 5322 headers (Date, From, To, Subject, Message-ID,
 * In-Reply-To/References threading), RFC 2047 encoded words for non-ASCII
 * names and subjects, RFC 2369/8058 one-click unsubscribe headers, and a
 * multipart/alternative body (RFC 2045/2046) with a text/plain part generated
 * from the HTML and the HTML part, both UTF-8 quoted-printable. CRLF line ends,
 * no line over 78 columns but for an address or URL too long to fit (never over
 * 998); no dot-stuffing (the SMTP client does it). No caller value can add a
 * header: CR/LF in text becomes a space, and bad addresses/IDs/URLs are refused.
 * Everything returned lives in the caller's arena. */
#ifndef LEADGEN_CAMPAIGN_MESSAGE_H
#define LEADGEN_CAMPAIGN_MESSAGE_H

#include "base/mem.h"
#include "base/rc.h"
#include "campaign/template.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct msg_input {
    const char *subject;   /* the step's subject template; NULL or "" on a follow-up */
    const char *body_html; /* the step's HTML body template */
    struct tpl_vars lead;  /* merge-field values; escaped for HTML in the body */
    uint64_t seed;         /* msg_seed(): the same seed renders the same words */
    const char *from_addr; /* the sending account */
    const char *from_name; /* its display name; NULL or "" for none */
    const char *to_addr;
    /* The recipient's rendered first subject: a follow-up whose subject renders
     * empty is sent as "Re: " + this. NULL on the first step. */
    const char *first_subject;
    /* Message-IDs ("<...>") of the earlier messages to this recipient, oldest
     * first: In-Reply-To names the last, References all of them. */
    const char *const *earlier_ids;
    size_t earlier_count;
    const char *message_id;      /* "<...>", e.g. from msg_make_id */
    const char *unsubscribe_url; /* http(s) URL for List-Unsubscribe and the body link */
    time_t date;
};

struct msg_output {
    const char *data; /* the whole message, NUL-terminated */
    size_t len;
    const char *subject; /* as rendered (UTF-8, before encoding): keep the first step's */
    const char *text;    /* the generated text/plain part, before encoding */
};

/* The spintax seed for one recipient and step, a keyed hash of the three, so a
 * retry or a crash recovery renders the same words. */
uint64_t msg_seed(int64_t campaign_id, int64_t recipient_id, int step);
/* A fresh, unguessable Message-ID "<32 hex@domain>" on the domain of from_addr. */
const char *msg_make_id(struct arena *a, const char *from_addr);
/* Renders the message into out (arena-owned). RC_INVALID, with the reason,
 * for a template that does not render, an empty first subject, or an address,
 * Message-ID or URL that cannot go into a header. */
enum rc msg_render(const struct msg_input *in, struct arena *a, struct msg_output *out,
                   struct err *err);
/* The text a reader sees in an HTML body: tags dropped, entities decoded,
 * paragraphs and <br> as line breaks, list items as "- ", links as
 * "text (url)"; '\n' line ends. Arena-owned. */
const char *msg_html_to_text(const char *html, struct arena *a);

#endif
