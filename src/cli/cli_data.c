/* Commands about the data leadgen holds: a project's leads in and out as CSV
 * (with a progress line on stderr), and data-subject requests (export or
 * erase an address everywhere; the log says what was done, never the address). */
#include "cli/cli_int.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/str.h"
#include "core/privacy.h"
#include "leads/csv.h"
#include "leads/leads.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { IMPORT_CHUNK = 5000, EXPORT_PAGE = 1000 };

/* The user by email and the project id, both checked against the store. */
static enum rc user_project(struct store *st, const char *email, const char *project,
                            struct arena *a, int64_t *user_id, int64_t *project_id,
                            struct err *err)
{
    struct user u;
    struct project p;
    if (!str_parse_int64(project, project_id) || *project_id < 1)
        return err_set(err, RC_INVALID, "PROJECT_ID must be a whole number >= 1");
    enum rc rc = st->ops->user_by_email(st, email, a, &u, err);
    if (rc == RC_OK) rc = st->ops->project_get(st, u.id, *project_id, a, &p, err);
    *user_id = u.id;
    return rc;
}

static enum rc read_file(const char *path, struct buf *out, struct err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(err, RC_IO, "cannot open %s: %s", path, strerror(errno));
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && buf_append(out, chunk, n)) {}
    bool failed = ferror(f) != 0;
    fclose(f);
    if (out->too_big) return err_set(err, RC_INVALID, "%s is larger than 16 MiB", path);
    return failed ? err_set(err, RC_IO, "cannot read %s", path) : RC_OK;
}

/* Adds the rows in chunks, one transaction each, with a progress line. */
static enum rc import_rows(struct store *st, int64_t user_id, int64_t project_id,
                           struct csv_import *in, struct arena *a, struct leads_added *total,
                           struct err *err)
{
    memset(total, 0, sizeof *total);
    enum rc rc = RC_OK;
    for (size_t done = 0; rc == RC_OK && done < in->count;) {
        size_t n = in->count - done < IMPORT_CHUNK ? in->count - done : IMPORT_CHUNK;
        struct leads_added added;
        rc = leads_add(st, user_id, project_id, in->leads + done, n, clock_now(), a, &added, err);
        if (rc != RC_OK) break;
        done += n;
        total->added += added.added;
        total->duplicates += added.duplicates;
        total->suppressed += added.suppressed;
        total->total = added.total;
        fprintf(stderr, "\rleadgen: %zu/%zu rows", done, in->count);
    }
    if (in->count) fprintf(stderr, "\n");
    return rc;
}

int cli_leads_import(int argc, char **argv)
{
    if (argc != 3) return -1;
    struct arena a;
    arena_init(&a);
    struct buf file;
    buf_init(&file, CSV_MAX_BYTES);
    struct err err = {0};
    struct store *st = cli_open_store();
    int64_t user_id = 0, project_id = 0;
    struct csv_import in;
    struct leads_added added;
    enum rc rc = st ? user_project(st, argv[0], argv[1], &a, &user_id, &project_id, &err) : RC_DB;
    if (rc == RC_OK) rc = read_file(argv[2], &file, &err);
    if (rc == RC_OK) rc = csv_leads_read(file.data ? file.data : "", file.len, &a, &in, &err);
    if (rc == RC_OK) rc = import_rows(st, user_id, project_id, &in, &a, &added, &err);
    if (rc == RC_OK) {
        json_t *rejected = json_array();
        for (size_t i = 0; i < in.rejected_count; i++)
            json_array_append_new(rejected, json_pack("{s:I, s:s}", "row",
                                                      (json_int_t)in.rejected[i].row, "reason",
                                                      in.rejected[i].reason));
        json_t *out = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "project_id",
                                (json_int_t)project_id, "added", (json_int_t)added.added,
                                "duplicates", (json_int_t)added.duplicates, "invalid",
                                (json_int_t)in.invalid, "suppressed",
                                (json_int_t)added.suppressed, "leads_count",
                                (json_int_t)added.total, "rejected", rejected);
        printf("%s\n", arena_json_dumps(&a, out, JSON_INDENT(2)));
        json_decref(out);
    }
    if (rc != RC_OK && st) fprintf(stderr, "leadgen: %s\n", err.msg);
    buf_free(&file);
    arena_cleanup(&a);
    store_close(st);
    return rc == RC_OK ? 0 : rc == RC_INVALID ? 2 : 1;
}

static enum rc export_rows(struct store *st, int64_t user_id, int64_t project_id, FILE *out,
                           struct err *err)
{
    struct buf text;
    buf_init(&text, 0);
    csv_leads_header(&text);
    int64_t after = 0, written = 0;
    enum rc rc = RC_OK;
    for (;;) {
        struct arena page;
        arena_init(&page);
        struct lead *leads;
        size_t n = 0;
        rc = st->ops->leads_after(st, user_id, project_id, after, EXPORT_PAGE, &page, &leads, &n,
                                  err);
        for (size_t i = 0; rc == RC_OK && i < n; i++) csv_lead_row(&text, &leads[i]);
        if (n) after = leads[n - 1].id;
        arena_cleanup(&page);
        if (fwrite(text.data, 1, text.len, out) != text.len && rc == RC_OK)
            rc = err_set(err, RC_IO, "cannot write the CSV: %s", strerror(errno));
        buf_reset(&text);
        written += (int64_t)n;
        fprintf(stderr, "\rleadgen: %lld leads", (long long)written);
        if (rc != RC_OK || n < EXPORT_PAGE) break;
    }
    fprintf(stderr, "\n");
    buf_free(&text);
    return rc;
}

int cli_leads_export(int argc, char **argv)
{
    if (argc != 2 && argc != 3) return -1;
    struct arena a;
    arena_init(&a);
    struct err err = {0};
    struct store *st = cli_open_store();
    int64_t user_id = 0, project_id = 0;
    FILE *out = stdout;
    enum rc rc = st ? user_project(st, argv[0], argv[1], &a, &user_id, &project_id, &err) : RC_DB;
    if (rc == RC_OK && argc == 3 && !(out = fopen(argv[2], "wb")))
        rc = err_set(&err, RC_IO, "cannot create %s: %s", argv[2], strerror(errno));
    if (rc == RC_OK) rc = export_rows(st, user_id, project_id, out, &err);
    if (out && out != stdout && fclose(out) != 0 && rc == RC_OK)
        rc = err_set(&err, RC_IO, "cannot write %s", argv[2]);
    if (rc != RC_OK && st) fprintf(stderr, "leadgen: %s\n", err.msg);
    arena_cleanup(&a);
    store_close(st);
    return rc == RC_OK ? 0 : 1;
}

/* ---- data-subject requests ---------------------------------------------------- */

static bool address_ok(const char *address)
{
    if (strchr(address, '@') && strlen(address) <= LEAD_EMAIL_MAX) return true;
    fprintf(stderr, "leadgen: ADDRESS must be an email address\n");
    return false;
}

int cli_subject_export(int argc, char **argv)
{
    if (argc != 1) return -1;
    if (!address_ok(argv[0])) return 2;
    struct store *st = cli_open_store();
    if (!st) return 1;
    struct err err = {0};
    json_t *doc = NULL;
    enum rc rc = privacy_export(st, argv[0], &doc, &err);
    if (rc == RC_OK) {
        char *text = json_dumps(doc, JSON_INDENT(2));
        printf("%s\n", text);
        free(text);
        log_info("subject export: %zu records printed",
                 json_array_size(json_object_get(doc, "records")));
    } else {
        fprintf(stderr, "leadgen: %s\n", err.msg);
    }
    json_decref(doc);
    store_close(st);
    return rc == RC_OK ? 0 : 1;
}

int cli_subject_erase(int argc, char **argv)
{
    if (argc != 1) return -1;
    if (!address_ok(argv[0])) return 2;
    struct store *st = cli_open_store();
    if (!st) return 1;
    struct err err = {0};
    struct subject_erased e;
    enum rc rc = privacy_erase(st, argv[0], &e, &err);
    if (rc == RC_OK) {
        log_info("subject erase: %lld leads, %lld recipients, %lld sends, %lld suppression "
                 "entries, %lld cached answers, %lld sightings, %lld webhook deliveries and "
                 "%lld async jobs deleted, %lld ads' contact data cleared; tombstone kept",
                 (long long)e.leads, (long long)e.recipients, (long long)e.sends,
                 (long long)e.suppressions, (long long)e.cached, (long long)e.sightings,
                 (long long)e.deliveries, (long long)e.jobs, (long long)e.ads);
        printf("{\"leads\": %lld, \"recipients\": %lld, \"sends\": %lld, \"suppressions\": %lld, "
               "\"cached\": %lld, \"ads\": %lld, \"sightings\": %lld, \"webhook_deliveries\": "
               "%lld, \"async_jobs\": %lld}\n",
               (long long)e.leads, (long long)e.recipients, (long long)e.sends,
               (long long)e.suppressions, (long long)e.cached, (long long)e.ads,
               (long long)e.sightings, (long long)e.deliveries, (long long)e.jobs);
    } else {
        log_error("subject erase failed: %s", err.msg);
    }
    store_close(st);
    return rc == RC_OK ? 0 : 1;
}
