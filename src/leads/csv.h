/* Leads as CSV (RFC 4180): the export's header and rows, with cells that a
 * spreadsheet would run as a formula neutralised (OWASP CSV injection: a cell
 * starting with = + - @ tab or CR gets a leading ' and is quoted), and the
 * import's reader: a UTF-8 BOM skipped, quoted cells with "" escapes and line
 * breaks, CRLF or LF records, columns matched by header name ignoring case and
 * punctuation, with the usual aliases (E-mail, Email Address, First Name,
 * Company Name, Website URL...). Everything lives in the caller's arena. */
#ifndef LEADGEN_LEADS_CSV_H
#define LEADGEN_LEADS_CSV_H

#include "base/buf.h"
#include "base/mem.h"
#include "base/rc.h"
#include "store/store.h"

#include <stddef.h>

enum { CSV_MAX_BYTES = 16 << 20, CSV_MAX_ROWS = 50000, CSV_MAX_REJECTED = 10 };

/* "id,email,firstname,lastname,company,website,phones,description,verified,source,created_at" */
void csv_leads_header(struct buf *out);
/* One lead as a CRLF-terminated record in the header's order. */
void csv_lead_row(struct buf *out, const struct lead *l);

struct csv_rejected {
    size_t row; /* in the file, the header being row 1 (as a spreadsheet numbers them) */
    const char *reason;
};

struct csv_import {
    struct lead *leads; /* acceptable rows, names derived from the address when absent */
    size_t count;
    int64_t invalid; /* rows refused (the first CSV_MAX_REJECTED in rejected) */
    struct csv_rejected rejected[CSV_MAX_REJECTED];
    size_t rejected_count;
};

/* Reads a whole CSV document. RC_INVALID (with a message for the user) for a
 * file that cannot be read as leads: no header, no email column, an unclosed
 * quote, more than CSV_MAX_ROWS data rows. */
enum rc csv_leads_read(const char *data, size_t len, struct arena *a, struct csv_import *out,
                       struct err *err);

enum { CSV_PREVIEW_ROWS = 5 };

/* What an import would do with each column, for a person to check first: the header
 * cells, the lead field each one fills ("email", "firstname", ...; NULL when the column
 * is ignored, a later duplicate included), and the first rows' cells. */
struct csv_preview {
    size_t columns;
    const char **headers, **fields;
    const char **rows[CSV_PREVIEW_ROWS]; /* each `columns` cells ("" past a short row) */
    size_t row_count;
};
/* RC_INVALID for a file without a header row. */
enum rc csv_leads_preview(const char *data, size_t len, struct arena *a, struct csv_preview *out,
                          struct err *err);

#endif
