/* Fuzz target: renders a campaign email from user-written templates and
 * outside values and checks what must always hold: CRLF lines of at most 998
 * octets (78 when the addresses and URL are short), a header block made only
 * of our own fields and their continuation lines, and unsubscribe tokens that
 * round-trip. Input: fields separated by 0x1E (subject, body, display name,
 * first name, company, first subject, recipient, unsubscribe URL, token). */
#include "campaign/message.h"
#include "campaign/unsubscribe.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FIELDS = 9 };

static const char *const header_names[] = {
    "Date:", "From:", "To:", "Subject:", "Message-ID:", "In-Reply-To:", "References:",
    "MIME-Version:", "List-Unsubscribe:", "List-Unsubscribe-Post:", "Content-Type:"};

static bool known_header(const char *line)
{
    for (size_t i = 0; i < sizeof header_names / sizeof header_names[0]; i++)
        if (strncmp(line, header_names[i], strlen(header_names[i])) == 0) return true;
    return false;
}

static void check_message(const struct msg_output *out, size_t max_cols)
{
    const char *m = out->data, *end = m + out->len;
    bool in_headers = true;
    if (out->len < 2 || memcmp(end - 2, "\r\n", 2) != 0) abort();
    for (const char *line = m; line < end;) {
        const char *eol = memchr(line, '\r', (size_t)(end - line));
        if (!eol || eol + 1 >= end || eol[1] != '\n') abort();
        if (memchr(line, '\n', (size_t)(eol - line))) abort();
        if ((size_t)(eol - line) > max_cols) abort();
        if (in_headers && eol == line) in_headers = false;
        else if (in_headers && line[0] != ' ' && !known_header(line)) abort();
        line = eol + 2;
    }
    if (in_headers) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *field[FIELDS] = {"{Hi|Hello} {{firstname|there}}", "<p>Hi</p>", "Sam", "Ada",
                                 "Acme", NULL, "ada@acme.example", "https://lg.example/u/t", ""};
    char *p = copy;
    for (int i = 0; i < FIELDS && p; i++) {
        char *sep = strchr(p, 0x1e);
        if (sep) *sep = '\0';
        field[i] = p;
        p = sep ? sep + 1 : NULL;
    }
    struct arena a;
    arena_init(&a);
    static const char *const earlier[] = {"<one@send.example>", "<two@send.example>"};
    struct msg_input in = {
        .subject = field[0], .body_html = field[1], .from_name = field[2],
        .lead = {{field[3], "", field[4], "acme.example", field[6], NULL, field[1]}},
        .seed = size, .from_addr = "sam@send.example", .to_addr = field[6],
        .first_subject = field[5], .earlier_ids = earlier, .earlier_count = size % 3,
        .message_id = msg_make_id(&a, "sam@send.example"), .unsubscribe_url = field[7],
        .date = (time_t)(size * 86399)};
    struct msg_output out;
    struct err err = {0};
    if (msg_render(&in, &a, &out, &err) == RC_OK) {
        bool short_values = strlen(field[6]) <= 60 && strlen(field[7]) <= 60;
        check_message(&out, short_values ? 78 : 998);
    } else if (err.rc != RC_INVALID || !err.msg[0]) {
        abort();
    }
    msg_html_to_text(field[1], &a);

    static const unsigned char key[] = "fuzz key";
    int64_t campaign = (int64_t)size, lead = (int64_t)(size * 31), c, l;
    if (!unsub_verify(unsub_token(&a, key, sizeof key, campaign, lead), key, sizeof key, &c, &l) ||
        c != campaign || l != lead)
        abort();
    unsub_verify(field[8], key, sizeof key, &c, &l);
    arena_cleanup(&a);
    free(copy);
    return 0;
}
