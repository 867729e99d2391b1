/* Fuzz target: the SMTP reply parser and RCPT classifier on arbitrary bytes
 * (what a hostile mail server can send), consuming reply after reply. */
#include "base/str.h"
#include "verify/smtp_reply.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    size_t left = size;
    struct verify_smtp_reply r;
    for (;;) {
        long used = verify_smtp_reply_parse(p, left, &r);
        if (used <= 0) break;
        if ((size_t)used > left || r.code < 100 || r.code > 599 || r.lines < 1) abort();
        if (strlen(r.text) >= sizeof r.text || !str_utf8_valid(r.text, strlen(r.text))) abort();
        for (const char *c = r.text; *c; c++)
            if ((unsigned char)*c < 0x20 && *c != '\n') abort();
        if (r.enhanced[0] && r.enhanced[0] != (char)('0' + r.code / 100)) abort();
        if ((unsigned)verify_smtp_classify_rcpt(&r) > VERIFY_SMTP_OTHER) abort();
        verify_smtp_reply_has_keyword(&r, "STARTTLS");
        p += used;
        left -= (size_t)used;
    }
    return 0;
}
