/* Suppression, tombstones and data-subject requests on the store (both
 * backends through test_store_fresh), and the leads CSV reader and writer. */
#include "test.h"

#include "base/buf.h"
#include "core/keys.h"
#include "core/privacy.h"
#include "core/secrets.h"
#include "leads/csv.h"
#include "leads/leads.h"
#include "store/store.h"

#include <jansson.h>

enum { T0 = 1700000000 };

struct two_users {
    struct store *st;
    int64_t u1, u2, p1, p2;
};

static bool two_users_init(struct two_users *f)
{
    *f = (struct two_users){.st = test_store_fresh("privacy")};
    if (!f->st) return false;
    secrets_configure("unit-test tombstone secret", NULL);
    char key[KEY_LEN + 1], hash[KEY_HASH_LEN + 1], hash2[KEY_HASH_LEN + 1];
    keys_generate(key);
    keys_hash(key, hash);
    keys_generate(key);
    keys_hash(key, hash2);
    struct err err = {0};
    struct store *st = f->st;
    return st->ops->user_create(st, "one@x.com", 10, hash, &f->u1, &err) == RC_OK &&
           st->ops->user_create(st, "two@x.com", 10, hash2, &f->u2, &err) == RC_OK &&
           st->ops->project_create(st, f->u1, "P1", T0, &f->p1, &err) == RC_OK &&
           st->ops->project_create(st, f->u2, "P2", T0, &f->p2, &err) == RC_OK;
}

static enum rc add(struct two_users *f, int64_t user, int64_t project, const char *email,
                   struct leads_added *out)
{
    struct arena a;
    arena_init(&a);
    struct lead l = {.email = email, .source = "https://found.example/contact"};
    struct err err = {0};
    enum rc rc = leads_add(f->st, user, project, &l, 1, T0, &a, out, &err);
    arena_cleanup(&a);
    return rc;
}

TEST(privacy_suppression_by_address_and_domain_counts_suppressed)
{
    struct two_users f;
    CHECK(two_users_init(&f));
    const char *values[] = {"jane@a.com", "b.com"};
    int64_t n = 0;
    struct err err = {0};
    CHECK_INT(f.st->ops->suppression_add(f.st, f.u1, values, 2, "manual", T0, &n, &err), RC_OK);
    CHECK_INT(n, 2);
    CHECK_INT(f.st->ops->suppression_add(f.st, f.u1, values, 1, "manual", T0, &n, &err), RC_OK);
    CHECK_INT(n, 0);
    struct leads_added out;
    CHECK_INT(add(&f, f.u1, f.p1, "Jane@A.com", &out), RC_OK);
    CHECK_INT(out.suppressed, 1);
    CHECK_INT(out.added, 0);
    CHECK_INT(add(&f, f.u1, f.p1, "anyone@b.com", &out), RC_OK);
    CHECK_INT(out.suppressed, 1);
    CHECK_INT(add(&f, f.u1, f.p1, "anyone@sub.b.com", &out), RC_OK);
    CHECK_INT(out.added, 1); /* a domain covers itself, not its subdomains */
    /* the other user's list is their own */
    CHECK_INT(add(&f, f.u2, f.p2, "jane@a.com", &out), RC_OK);
    CHECK_INT(out.added, 1);
    struct arena a;
    arena_init(&a);
    struct suppression *list;
    size_t count = 0;
    CHECK_INT(f.st->ops->suppression_list(f.st, f.u1, &a, &list, &count, &err), RC_OK);
    CHECK_INT(count, 2);
    CHECK_INT(f.st->ops->suppression_remove(f.st, f.u1, values, 2, &n, &err), RC_OK);
    CHECK_INT(n, 2);
    CHECK_INT(add(&f, f.u1, f.p1, "jane@a.com", &out), RC_OK);
    CHECK_INT(out.added, 1);
    struct lead *leads;
    CHECK_INT(f.st->ops->leads_after(f.st, f.u1, f.p1, 0, 10, &a, &leads, &count, &err), RC_OK);
    CHECK_INT(count, 2);
    CHECK_STR(leads[1].source, "https://found.example/contact");
    CHECK_INT(f.st->ops->leads_after(f.st, f.u2, f.p1, 0, 10, &a, &leads, &count, &err), RC_OK);
    CHECK_INT(count, 0); /* not the owner's project */
    arena_cleanup(&a);
    store_close(f.st);
}

TEST(privacy_erase_removes_every_record_and_keeps_a_tombstone)
{
    struct two_users f;
    CHECK(two_users_init(&f));
    struct leads_added out;
    CHECK_INT(add(&f, f.u1, f.p1, "Jane.Doe@Example.com", &out), RC_OK);
    CHECK_INT(add(&f, f.u2, f.p2, "jane.doe@example.com", &out), RC_OK);
    CHECK_INT(add(&f, f.u2, f.p2, "other@example.com", &out), RC_OK);
    const char *sup[] = {"jane.doe@example.com"};
    int64_t n = 0;
    struct err err = {0};
    CHECK_INT(f.st->ops->suppression_add(f.st, f.u2, sup, 1, "unsubscribe", T0, &n, &err), RC_OK);
    CHECK_INT(f.st->ops->cache_put(f.st, "crawl\x1fhttps://example.com/", "crawl",
                                   "{\"emails\":[\"jane.doe@example.com\"]}",
                                   (int64_t)T0 + 999999999,
                                   &err),
              RC_OK);
    CHECK_INT(f.st->ops->cache_put(f.st, "crawl\x1fhttps://else.com/", "crawl",
                                   "{\"emails\":[\"x@else.com\"]}", (int64_t)T0 + 999999999, &err),
              RC_OK);
    json_t *doc = NULL;
    enum rc erc = privacy_export(f.st, " JANE.doe@example.com ", &doc, &err);
    if (erc != RC_OK) fprintf(stderr, "    %s\n", err.msg);
    CHECK_INT(erc, RC_OK);
    CHECK_INT(json_array_size(json_object_get(doc, "records")), 4); /* 2 leads, 1 entry, 1 cache */
    CHECK(json_is_false(json_object_get(doc, "erased")));
    json_decref(doc);
    struct subject_erased e;
    CHECK_INT(privacy_erase(f.st, "jane.doe@EXAMPLE.com", &e, &err), RC_OK);
    CHECK_INT(e.leads, 2);
    CHECK_INT(e.suppressions, 1);
    CHECK_INT(e.cached, 1);
    CHECK_INT(privacy_export(f.st, "jane.doe@example.com", &doc, &err), RC_OK);
    CHECK_INT(json_array_size(json_object_get(doc, "records")), 0);
    CHECK(json_is_true(json_object_get(doc, "erased")));
    json_decref(doc);
    struct arena a;
    arena_init(&a);
    struct project p;
    CHECK_INT(f.st->ops->project_get(f.st, f.u2, f.p2, &a, &p, &err), RC_OK);
    CHECK_INT(p.leads_count, 1);
    char *body = NULL;
    CHECK_INT(f.st->ops->cache_get(f.st, "crawl\x1fhttps://else.com/", T0, &a, &body, &err),
              RC_OK);
    arena_cleanup(&a);
    /* never added again, for anyone */
    CHECK_INT(add(&f, f.u1, f.p1, "jane.doe@example.com", &out), RC_OK);
    CHECK_INT(out.suppressed, 1);
    CHECK_INT(out.added, 0);
    /* and left out of public answers, wherever it appears */
    json_t *answer = json_pack("{s:[s,s], s:{s:[s], s:[s]}, s:[{s:s}]}", "emails",
                               "Jane.Doe@example.com", "keep@example.com", "sources",
                               "jane.doe@example.com", "https://e.com/", "keep@example.com",
                               "https://e.com/", "results", "email", "jane.doe@example.com");
    CHECK_INT(privacy_scrub_answer(f.st, answer, &err), RC_OK);
    char *text = json_dumps(answer, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(text, "{\"emails\":[\"keep@example.com\"],\"results\":[],\"sources\":"
                    "{\"keep@example.com\":[\"https://e.com/\"]}}");
    free(text);
    json_decref(answer);
    store_close(f.st);
}

/* ---- CSV ------------------------------------------------------------------------ */

TEST(csv_export_quotes_and_neutralises_formulas)
{
    struct buf out;
    buf_init(&out, 0);
    struct lead l = {.id = 7, .email = "a@b.com", .firstname = "=cmd|' /C calc'!A0",
                     .lastname = "O\"Neil", .company = "Acme, Inc.", .website = "+x",
                     .phones = "-1", .description = "two\nlines", .verified = -1,
                     .source = "@here", .created_at = 0};
    csv_lead_row(&out, &l);
    CHECK_STR(out.data, "7,a@b.com,\"'=cmd|' /C calc'!A0\",\"O\"\"Neil\",\"Acme, Inc.\",\"'+x\","
                        "\"'-1\",\"two\nlines\",-1,\"'@here\",1970-01-01 00:00:00\r\n");
    buf_free(&out);
}

TEST(csv_import_aliases_bom_quotes_and_rejections)
{
    static const char file[] =
        "\xEF\xBB\xBF" "E-mail,First Name,Company Name,Website URL,Ignored,Notes\r\n"
        "john.doe@acme.com,,\"Acme, Inc.\",https://acme.com,x,\"said \"\"hi\"\"\n twice\"\r\n"
        "\r\n"
        "not-an-email,Bob,,,,\n"
        "mary@acme.com,\"'=SUM(A1)\",Acme\n";
    struct arena a;
    arena_init(&a);
    struct csv_import in;
    struct err err = {0};
    CHECK_INT(csv_leads_read(file, sizeof file - 1, &a, &in, &err), RC_OK);
    CHECK_INT(in.count, 2);
    CHECK_STR(in.leads[0].email, "john.doe@acme.com");
    CHECK_STR(in.leads[0].firstname, "John"); /* derived, the cell being empty */
    CHECK_STR(in.leads[0].company, "Acme, Inc.");
    CHECK_STR(in.leads[0].website, "https://acme.com");
    CHECK_STR(in.leads[0].description, "said \"hi\"\n twice");
    CHECK_STR(in.leads[1].firstname, "=SUM(A1)"); /* the export's neutralising ' comes off */
    CHECK_INT(in.invalid, 1);
    CHECK_INT(in.rejected_count, 1);
    CHECK_INT(in.rejected[0].row, 4);
    static const char no_email[] = "name,company\nx,y\n";
    CHECK_INT(csv_leads_read(no_email, sizeof no_email - 1, &a, &in, &err), RC_INVALID);
    static const char unclosed[] = "email\n\"a@b.com\n";
    CHECK_INT(csv_leads_read(unclosed, sizeof unclosed - 1, &a, &in, &err), RC_INVALID);
    arena_cleanup(&a);
}
