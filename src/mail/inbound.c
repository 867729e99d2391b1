/* Inbound message classification for reply and bounce handling. A small,
 * bounded reader of RFC 5322 headers and MIME multiparts: it never decodes
 * bodies, it only finds the few fields that decide what happened to a send. */
#include "mail/inbound.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

enum { MAX_DEPTH = 4, MAX_VALUE = 8192, MAX_DIAGNOSTIC = 200, MAX_ID = 250 };

struct span {
    const char *p;
    size_t n;
};

/* The next line at *pos, without its CR LF; false at the end. */
static bool next_line(struct span s, size_t *pos, struct span *line)
{
    if (*pos >= s.n) return false;
    const char *start = s.p + *pos;
    const char *nl = memchr(start, '\n', s.n - *pos);
    size_t len = nl ? (size_t)(nl - start) : s.n - *pos;
    *pos += nl ? len + 1 : len;
    if (len > 0 && start[len - 1] == '\r') len--;
    *line = (struct span){start, len};
    return true;
}

/* Headers run to the first empty line; the body follows it. */
static void split_entity(struct span e, struct span *headers, struct span *body)
{
    size_t pos = 0, before = 0;
    struct span line;
    while (next_line(e, &pos, &line)) {
        if (line.n == 0) {
            *headers = (struct span){e.p, before};
            *body = (struct span){e.p + pos, e.n - pos};
            return;
        }
        before = pos;
    }
    *headers = e;
    *body = (struct span){e.p + e.n, 0};
}

static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* "Name:" (optionally "Name :") at the start of line; the value's offset or 0. */
static size_t field_value_at(struct span line, const char *name)
{
    size_t n = strlen(name), i = n;
    if (line.n <= n || strncasecmp(line.p, name, n) != 0) return 0;
    while (i < line.n && is_wsp(line.p[i]))
        i++;
    return i < line.n && line.p[i] == ':' ? i + 1 : 0;
}

static void append_trimmed(char *out, size_t *len, const char *p, size_t n)
{
    while (n > 0 && is_wsp(*p))
        p++, n--;
    while (n > 0 && is_wsp(p[n - 1]))
        n--;
    if (n == 0) return;
    if (*len > 0 && *len < MAX_VALUE - 1) out[(*len)++] = ' ';
    if (n > MAX_VALUE - 1 - *len) n = MAX_VALUE - 1 - *len;
    memcpy(out + *len, p, n);
    *len += n;
    out[*len] = '\0';
}

/* The first `name` field of a header block, unfolded; NULL when absent. */
static char *header_value(struct arena *a, struct span headers, const char *name)
{
    size_t pos = 0, len = 0;
    struct span line;
    char *out = NULL;
    while (next_line(headers, &pos, &line)) {
        if (out) {
            if (line.n == 0 || !is_wsp(line.p[0])) break; /* the field ends */
            append_trimmed(out, &len, line.p, line.n);
            continue;
        }
        size_t at = field_value_at(line, name);
        if (!at) continue;
        out = arena_alloc(a, MAX_VALUE);
        append_trimmed(out, &len, line.p + at, line.n - at);
    }
    return out;
}

static void lower_ascii(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z') *s = (char)(*s - 'A' + 'a');
}

/* A Content-Type parameter's value (quoted or not), or NULL. */
static char *type_param(struct arena *a, const char *value, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strchr(value, ';'); p; p = strchr(p + 1, ';')) {
        const char *q = p + 1;
        while (is_wsp(*q))
            q++;
        if (strncasecmp(q, name, n) != 0) continue;
        q += n;
        while (is_wsp(*q))
            q++;
        if (*q != '=') continue;
        q++;
        while (is_wsp(*q))
            q++;
        char *out = arena_alloc(a, strlen(q) + 1), *w = out;
        if (*q == '"') {
            for (q++; *q && *q != '"'; q++)
                *w++ = *q == '\\' && q[1] ? *++q : *q;
        } else {
            while (*q && *q != ';' && !is_wsp(*q))
                *w++ = *q++;
        }
        return out;
    }
    return NULL;
}

/* The media type ("multipart/report"), lower-cased; "text/plain" when absent. */
static char *media_type(struct arena *a, const char *value)
{
    if (!value) return arena_strdup(a, "text/plain");
    size_t n = strcspn(value, "; \t");
    char *type = arena_strndup(a, value, n);
    lower_ascii(type);
    return type;
}

static void add_ref(struct inbound *out, struct arena *a, const char *p, size_t n)
{
    for (size_t i = 0; i < out->refs_count; i++)
        if (strlen(out->refs[i]) == n && memcmp(out->refs[i], p, n) == 0) return;
    if (out->refs_count < INBOUND_MAX_REFS) out->refs[out->refs_count++] = arena_strndup(a, p, n);
}

/* Every <message-id> token of a header value. */
static void add_refs(struct inbound *out, struct arena *a, const char *value)
{
    for (const char *p = value ? strchr(value, '<') : NULL; p; p = strchr(p + 1, '<')) {
        size_t n = strcspn(p + 1, "<> \t");
        if (p[1 + n] == '>' && n > 0 && n <= MAX_ID && memchr(p + 1, '@', n))
            add_ref(out, a, p, n + 2);
    }
}

/* The address in "Name <a@b>", "a@b (Name)" or "rfc822; a@b", lower-cased. */
static const char *address_of(struct arena *a, const char *value)
{
    if (!value) return NULL;
    const char *p = value, *lt = strrchr(value, '<');
    size_t n;
    if (lt) {
        p = lt + 1;
        n = strcspn(p, ">");
    } else {
        const char *semi = strchr(value, ';');
        if (semi) p = semi + 1;
        while (is_wsp(*p))
            p++;
        n = strcspn(p, " \t(");
    }
    if (n == 0 || n > 320 || !memchr(p, '@', n)) return NULL;
    char *addr = arena_strndup(a, p, n);
    lower_ascii(addr);
    return addr;
}

/* Per-recipient fields of a message/delivery-status body: blocks of fields
 * separated by empty lines; the first permanent failure wins, else the first
 * transient one. */
static void read_delivery_status(struct arena *a, struct span body, struct inbound *out)
{
    size_t pos = 0, block_start = 0;
    struct span line;
    bool more = true;
    while (more) {
        size_t here = pos;
        more = next_line(body, &pos, &line);
        if (more && line.n > 0) continue;
        struct span block = {body.p + block_start, here - block_start};
        block_start = pos;
        char *status = header_value(a, block, "Status");
        if (!status || (status[0] != '4' && status[0] != '5')) continue;
        if (out->status && (out->status[0] == '5' || status[0] == '4')) continue;
        status[strcspn(status, " \t(")] = '\0';
        out->status = status;
        out->recipient = address_of(a, header_value(a, block, "Final-Recipient"));
        if (!out->recipient)
            out->recipient = address_of(a, header_value(a, block, "Original-Recipient"));
        char *diag = header_value(a, block, "Diagnostic-Code");
        if (diag && strlen(diag) > MAX_DIAGNOSTIC) diag[MAX_DIAGNOSTIC] = '\0';
        out->diagnostic = diag;
    }
}

struct walk {
    struct arena *a;
    struct inbound *out;
    bool report; /* a multipart/report of report-type delivery-status was seen */
};

static void visit_entity(struct walk *w, struct span entity, int depth);

/* Calls visit_entity for each body part between "--boundary" lines. */
static void visit_parts(struct walk *w, struct span body, const char *boundary, int depth)
{
    size_t blen = strlen(boundary), pos = 0, part_start = 0;
    bool in_part = false;
    struct span line;
    while (true) {
        size_t here = pos;
        bool more = next_line(body, &pos, &line);
        bool delim = more && line.n >= blen + 2 && line.p[0] == '-' && line.p[1] == '-' &&
                     memcmp(line.p + 2, boundary, blen) == 0;
        if (!more || delim) {
            if (in_part) {
                size_t end = here;
                /* the CR LF before a delimiter belongs to the delimiter */
                if (end > part_start && body.p[end - 1] == '\n') end--;
                if (end > part_start && body.p[end - 1] == '\r') end--;
                visit_entity(w, (struct span){body.p + part_start, end - part_start}, depth);
            }
            if (!more || (line.n >= blen + 4 && line.p[blen + 2] == '-' && line.p[blen + 3] == '-'))
                return;
            in_part = true;
            part_start = pos;
        }
    }
}

static void visit_entity(struct walk *w, struct span entity, int depth)
{
    struct span headers, body;
    split_entity(entity, &headers, &body);
    const char *ctype = header_value(w->a, headers, "Content-Type");
    const char *type = media_type(w->a, ctype);
    if (strncmp(type, "multipart/", 10) == 0) {
        const char *boundary = type_param(w->a, ctype, "boundary");
        const char *report_type = type_param(w->a, ctype, "report-type");
        if (strcmp(type, "multipart/report") == 0 && report_type &&
            strcasecmp(report_type, "delivery-status") == 0)
            w->report = true;
        if (boundary && *boundary && depth < MAX_DEPTH) visit_parts(w, body, boundary, depth + 1);
    } else if (strcmp(type, "message/delivery-status") == 0 ||
               strcmp(type, "message/global-delivery-status") == 0) {
        read_delivery_status(w->a, body, w->out);
    } else if (depth > 0 &&
               (strcmp(type, "message/rfc822") == 0 || strcmp(type, "text/rfc822-headers") == 0 ||
                strcmp(type, "message/global") == 0 ||
                strcmp(type, "message/global-headers") == 0)) {
        struct span returned, ignored;
        split_entity(body, &returned, &ignored);
        add_refs(w->out, w->a, header_value(w->a, returned, "Message-ID"));
    }
}

/* Subjects of automatic answers in the languages seen most. */
static const char *const auto_subjects[] = {
    "out of office",
    "automatic reply",
    "auto:",
    "autoreply",
    "auto-reply",
    "auto reply",
    "abwesenheitsnotiz",
    "réponse automatique",
    "respuesta automática",
    "risposta automatica",
    "on vacation",
    "vacation reply",
    "away from the office",
};

static bool automatic(struct arena *a, struct span headers, const struct inbound *in)
{
    const char *submitted = header_value(a, headers, "Auto-Submitted");
    if (submitted && strncasecmp(submitted, "no", 2) != 0) return true;
    if (header_value(a, headers, "X-Autoreply") || header_value(a, headers, "X-Autorespond") ||
        header_value(a, headers, "X-Autoreply-From"))
        return true;
    const char *precedence = header_value(a, headers, "Precedence");
    if (precedence && (strcasecmp(precedence, "auto_reply") == 0 ||
                       strcasecmp(precedence, "bulk") == 0 || strcasecmp(precedence, "junk") == 0))
        return true;
    if (in->from &&
        (strncmp(in->from, "mailer-daemon@", 14) == 0 || strncmp(in->from, "postmaster@", 11) == 0))
        return true;
    if (!in->subject) return false;
    char *subject = arena_strdup(a, in->subject);
    lower_ascii(subject);
    for (size_t i = 0; i < sizeof auto_subjects / sizeof auto_subjects[0]; i++)
        if (strstr(subject, auto_subjects[i])) return true;
    return false;
}

void inbound_parse(const char *raw, size_t len, struct arena *a, struct inbound *out)
{
    *out = (struct inbound){.kind = INBOUND_MESSAGE};
    struct span message = {raw, len}, headers, body;
    split_entity(message, &headers, &body);
    out->from = address_of(a, header_value(a, headers, "From"));
    out->subject = header_value(a, headers, "Subject");
    add_refs(out, a, header_value(a, headers, "In-Reply-To"));
    add_refs(out, a, header_value(a, headers, "References"));
    struct walk w = {a, out, false};
    visit_entity(&w, message, 0);
    /* reports carry Auto-Submitted too, so they are recognised first */
    if (w.report)
        out->kind = !out->status            ? INBOUND_AUTO_REPLY
                    : out->status[0] == '5' ? INBOUND_BOUNCE
                                            : INBOUND_DELAY;
    else if (automatic(a, headers, out))
        out->kind = INBOUND_AUTO_REPLY;
}

const char *inbound_kind_name(enum inbound_kind kind)
{
    static const char *const names[] = {
        [INBOUND_MESSAGE] = "message",
        [INBOUND_AUTO_REPLY] = "auto_reply",
        [INBOUND_BOUNCE] = "bounce",
        [INBOUND_DELAY] = "delay",
    };
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}
