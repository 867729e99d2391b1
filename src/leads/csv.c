/* CSV export rows and the import reader for leads (RFC 4180, OWASP's rule
 * against formula injection). */
#include "leads/csv.h"

#include "base/str.h"
#include "leads/leads.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { CSV_FIELD_MAX = 2000, CSV_MAX_COLUMNS = 256 };

/* ---- writing ----------------------------------------------------------------- */

void csv_leads_header(struct buf *out)
{
    buf_puts(out, "id,email,firstname,lastname,company,website,phones,description,verified,"
                  "source,created_at\r\n");
}

static bool formula_start(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* A text cell: quoted when it holds a separator, a quote or a line break, and
 * prefixed with ' (inside quotes) when a spreadsheet would evaluate it. */
static void text_cell(struct buf *out, const char *s)
{
    s = s ? s : "";
    bool formula = formula_start(s[0]);
    bool quoted = formula || strpbrk(s, ",\"\r\n") != NULL;
    if (quoted) buf_append(out, "\"", 1);
    if (formula) buf_append(out, "'", 1);
    for (const char *p = s; *p; p++) {
        size_t n = strcspn(p, "\"");
        buf_append(out, p, n);
        p += n;
        if (!*p) break;
        buf_append(out, "\"\"", 2);
    }
    if (quoted) buf_append(out, "\"", 1);
}

void csv_lead_row(struct buf *out, const struct lead *l)
{
    const char *texts[] = {l->email,  l->firstname, l->lastname,    l->company,
                           l->website, l->phones,   l->description};
    buf_printf(out, "%lld", (long long)l->id);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        buf_append(out, ",", 1);
        text_cell(out, texts[i]);
    }
    buf_printf(out, ",%d,", l->verified);
    text_cell(out, l->source);
    char when[32];
    time_t t = (time_t)l->created_at;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    buf_printf(out, ",%s\r\n", when);
}

/* ---- reading: records -------------------------------------------------------- */

struct reader {
    const char *p, *end;
    struct buf field;
};

enum field_end { F_MORE, F_RECORD, F_FILE, F_UNCLOSED };

static enum field_end field_end(struct reader *r)
{
    if (r->p >= r->end) return F_FILE;
    char c = *r->p++;
    if (c == ',') return F_MORE;
    if (c == '\r' && r->p < r->end && *r->p == '\n') r->p++;
    return F_RECORD;
}

/* One field into r->field; quoted fields take "" as a quote and keep line
 * breaks; text after a closing quote is kept (lenient, as spreadsheets are). */
static enum field_end read_field(struct reader *r)
{
    buf_reset(&r->field);
    if (r->p < r->end && *r->p == '"') {
        r->p++;
        for (;;) {
            if (r->p >= r->end) return F_UNCLOSED;
            if (*r->p == '"') {
                if (r->p + 1 < r->end && r->p[1] == '"') {
                    buf_append(&r->field, "\"", 1);
                    r->p += 2;
                    continue;
                }
                r->p++;
                break;
            }
            buf_append(&r->field, r->p++, 1);
        }
    }
    const char *start = r->p;
    while (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n') r->p++;
    buf_append(&r->field, start, (size_t)(r->p - start));
    return field_end(r);
}

struct record {
    char *cells[CSV_MAX_COLUMNS];
    size_t lens[CSV_MAX_COLUMNS];
    size_t count;
};

/* The next record; false at the end of the data. *unclosed on a quote left open. */
static bool read_record(struct reader *r, struct arena *a, struct record *rec, bool *unclosed)
{
    rec->count = 0;
    if (r->p >= r->end) return false;
    for (;;) {
        enum field_end e = read_field(r);
        if (e == F_UNCLOSED) {
            *unclosed = true;
            return false;
        }
        if (rec->count < CSV_MAX_COLUMNS) { /* columns past the last are ignored */
            rec->lens[rec->count] = r->field.len;
            rec->cells[rec->count++] = arena_strndup(a, r->field.data ? r->field.data : "",
                                                     r->field.len);
        }
        if (e != F_MORE) return true;
    }
}

/* ---- reading: columns -------------------------------------------------------- */

enum column { C_NONE, C_EMAIL, C_FIRST, C_LAST, C_COMPANY, C_WEBSITE, C_PHONES, C_DESCRIPTION,
              C_SOURCE, C_COUNT };

/* Header names with everything but letters and digits removed, lower-cased. */
static const struct {
    const char *name;
    enum column column;
} aliases[] = {
    {"email", C_EMAIL},         {"emailaddress", C_EMAIL},   {"mail", C_EMAIL},
    {"emailaddr", C_EMAIL},     {"workemail", C_EMAIL},      {"businessemail", C_EMAIL},
    {"firstname", C_FIRST},     {"first", C_FIRST},          {"givenname", C_FIRST},
    {"fname", C_FIRST},         {"forename", C_FIRST},       {"lastname", C_LAST},
    {"last", C_LAST},           {"surname", C_LAST},         {"familyname", C_LAST},
    {"lname", C_LAST},          {"company", C_COMPANY},      {"companyname", C_COMPANY},
    {"organization", C_COMPANY}, {"organisation", C_COMPANY}, {"org", C_COMPANY},
    {"business", C_COMPANY},    {"businessname", C_COMPANY}, {"account", C_COMPANY},
    {"accountname", C_COMPANY}, {"website", C_WEBSITE},      {"websiteurl", C_WEBSITE},
    {"url", C_WEBSITE},         {"web", C_WEBSITE},          {"site", C_WEBSITE},
    {"domain", C_WEBSITE},      {"homepage", C_WEBSITE},     {"companywebsite", C_WEBSITE},
    {"phones", C_PHONES},       {"phone", C_PHONES},         {"phonenumber", C_PHONES},
    {"phonenumbers", C_PHONES}, {"telephone", C_PHONES},     {"tel", C_PHONES},
    {"mobile", C_PHONES},       {"description", C_DESCRIPTION}, {"notes", C_DESCRIPTION},
    {"note", C_DESCRIPTION},    {"comment", C_DESCRIPTION},  {"comments", C_DESCRIPTION},
    {"source", C_SOURCE},       {"sourceurl", C_SOURCE},     {"foundon", C_SOURCE},
    {"origin", C_SOURCE},
};

static enum column column_of(const char *header)
{
    char folded[64];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)header; *p && n < sizeof folded - 1; p++)
        if (isalnum(*p)) folded[n++] = (char)tolower(*p);
    folded[n] = '\0';
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i].name, folded) == 0) return aliases[i].column;
    return C_NONE;
}

/* columns[c]: the index of the first header cell naming column c, or -1. */
static void map_columns(const struct record *header, int columns[C_COUNT])
{
    for (int c = 0; c < C_COUNT; c++) columns[c] = -1;
    for (size_t i = 0; i < header->count; i++) {
        enum column c = column_of(header->cells[i]);
        if (c != C_NONE && columns[c] < 0) columns[c] = (int)i;
    }
}

/* ---- reading: rows into leads ------------------------------------------------ */

/* A cell trimmed, with the ' that neutralised a formula on export taken off again. */
static const char *cell_value(const struct record *rec, int column)
{
    if (column < 0 || (size_t)column >= rec->count) return NULL;
    char *s = str_trim(rec->cells[column]);
    if (s[0] == '\'' && formula_start(s[1])) s++;
    return *s ? s : NULL;
}

static void reject(struct csv_import *out, size_t row, const char *reason)
{
    out->invalid++;
    if (out->rejected_count < CSV_MAX_REJECTED)
        out->rejected[out->rejected_count++] = (struct csv_rejected){row, reason};
}

/* Why the record cannot be a lead, or NULL. */
static const char *row_problem(const struct record *rec, const int columns[C_COUNT],
                               struct arena *a)
{
    for (size_t i = 0; i < rec->count; i++) {
        if (!str_utf8_valid(rec->cells[i], rec->lens[i]) || strlen(rec->cells[i]) != rec->lens[i])
            return "a cell is not UTF-8 text";
        if (rec->lens[i] > CSV_FIELD_MAX) return "a cell is longer than 2000 bytes";
    }
    const char *email = cell_value(rec, columns[C_EMAIL]);
    if (!email) return "the email cell is empty";
    if (!lead_email_valid(email))
        return arena_sprintf(a, "'%.80s' is not a valid email address", email);
    return NULL;
}

static void take_row(const struct record *rec, const int columns[C_COUNT], struct arena *a,
                     struct lead *l)
{
    *l = (struct lead){
        .email = cell_value(rec, columns[C_EMAIL]),
        .firstname = cell_value(rec, columns[C_FIRST]),
        .lastname = cell_value(rec, columns[C_LAST]),
        .company = cell_value(rec, columns[C_COMPANY]),
        .website = cell_value(rec, columns[C_WEBSITE]),
        .phones = cell_value(rec, columns[C_PHONES]),
        .description = cell_value(rec, columns[C_DESCRIPTION]),
        .source = cell_value(rec, columns[C_SOURCE]),
    };
    const char *first, *last;
    lead_names_from_email(l->email, a, &first, &last);
    if (!l->firstname) l->firstname = first;
    if (!l->lastname) l->lastname = last;
}

/* Room for one more lead (capacity doubles; the old copy stays in the arena). */
static struct lead *grow(struct arena *a, struct lead *items, size_t count, size_t *cap)
{
    if (count < *cap) return items;
    *cap = *cap ? *cap * 2 : 64;
    struct lead *bigger = arena_alloc(a, *cap * sizeof *bigger);
    if (count) memcpy(bigger, items, count * sizeof *bigger);
    return bigger;
}

static bool blank(const struct record *rec)
{
    return rec->count == 1 && rec->lens[0] == 0;
}

static enum rc read_rows(struct reader *r, const int columns[C_COUNT], struct arena *a,
                         struct record *rec, struct csv_import *out, struct err *err)
{
    size_t cap = 0, row = 1, data_rows = 0;
    bool unclosed = false;
    while (read_record(r, a, rec, &unclosed)) {
        row++;
        if (blank(rec)) continue;
        if (++data_rows > CSV_MAX_ROWS)
            return err_set(err, RC_INVALID,
                           "The CSV file has more than %d rows; import it in parts.", CSV_MAX_ROWS);
        const char *problem = row_problem(rec, columns, a);
        if (problem) {
            reject(out, row, problem);
            continue;
        }
        out->leads = grow(a, out->leads, out->count, &cap);
        take_row(rec, columns, a, &out->leads[out->count++]);
    }
    if (unclosed)
        return err_set(err, RC_INVALID, "The CSV file has a quoted cell that is never closed "
                                        "(row %zu).", row + 1);
    return RC_OK;
}

enum rc csv_leads_read(const char *data, size_t len, struct arena *a, struct csv_import *out,
                       struct err *err)
{
    memset(out, 0, sizeof *out);
    struct reader r = {.p = data, .end = data + len};
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) r.p += 3; /* a UTF-8 BOM */
    buf_init(&r.field, 0);
    struct record *rec = arena_alloc(a, sizeof *rec);
    bool unclosed = false;
    int columns[C_COUNT];
    enum rc rc = RC_OK;
    if (!read_record(&r, a, rec, &unclosed))
        rc = err_set(err, RC_INVALID, "The CSV file is empty: a header row naming an email "
                                      "column is needed.");
    if (rc == RC_OK) {
        map_columns(rec, columns);
        if (columns[C_EMAIL] < 0)
            rc = err_set(err, RC_INVALID, "The CSV header has no email column (one named "
                                          "email, e-mail or email address).");
    }
    if (rc == RC_OK) rc = read_rows(&r, columns, a, rec, out, err);
    buf_free(&r.field);
    return rc;
}

/* ---- the preview ------------------------------------------------------------- */

static const char *const column_names[C_COUNT] = {
    [C_EMAIL] = "email",     [C_FIRST] = "firstname", [C_LAST] = "lastname",
    [C_COMPANY] = "company", [C_WEBSITE] = "website", [C_PHONES] = "phones",
    [C_DESCRIPTION] = "description", [C_SOURCE] = "source",
};

enum rc csv_leads_preview(const char *data, size_t len, struct arena *a, struct csv_preview *out,
                          struct err *err)
{
    memset(out, 0, sizeof *out);
    struct reader r = {.p = data, .end = data + len};
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) r.p += 3;
    buf_init(&r.field, 0);
    struct record *rec = arena_alloc(a, sizeof *rec);
    bool unclosed = false;
    enum rc rc = RC_OK;
    if (!read_record(&r, a, rec, &unclosed) || rec->count == 0) {
        rc = err_set(err, RC_INVALID, "The CSV file is empty: a header row naming an email "
                                      "column is needed.");
        goto done;
    }
    int columns[C_COUNT];
    map_columns(rec, columns);
    out->columns = rec->count;
    out->headers = arena_alloc(a, rec->count * sizeof *out->headers);
    out->fields = arena_alloc(a, rec->count * sizeof *out->fields);
    for (size_t i = 0; i < rec->count; i++) {
        out->headers[i] = rec->cells[i];
        out->fields[i] = NULL;
        for (int c = 1; c < C_COUNT; c++)
            if (columns[c] == (int)i) out->fields[i] = column_names[c];
    }
    while (out->row_count < CSV_PREVIEW_ROWS && read_record(&r, a, rec, &unclosed)) {
        if (blank(rec)) continue;
        const char **cells = arena_alloc(a, out->columns * sizeof *cells);
        for (size_t i = 0; i < out->columns; i++) cells[i] = i < rec->count ? rec->cells[i] : "";
        out->rows[out->row_count++] = cells;
    }
done:
    buf_free(&r.field);
    return rc;
}
