/* PostgreSQL backend: the Ad Spy history (upserts on the ad identity, so
 * concurrent searches in any process never insert one ad twice), Lead Search
 * recipes and what email verification stores. */
#include "store/store_int.h"
#include "store/store_pg_int.h"

enum miscq {
    Q_AD_UPSERT,
    Q_AD_HISTORY,
    Q_AD_SET_CONTACT,
    Q_RECIPE_LIST,
    Q_RECIPE_GET,
    Q_LEAD_OWNED,
    Q_SET_VERIFIED,
    Q_MENTIONS,
    Q_SIGHTING,
    Q_SIGHTINGS,
    Q_COUNT
};

/* the last slot is the ping's (store_pg.c) */
_Static_assert(PG_MISC_BASE + Q_COUNT <= PG_AUTO_BASE, "misc statements overflow their slots");

#define RECIPE_COLUMNS "code, name, template, description"

static const char *const sql[Q_COUNT] = {
    [Q_AD_UPSERT] = "INSERT INTO ads (query_key, engine, domain, title_key, title, url, display_url, "
                    "ad_text, position, first_seen, last_seen) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) "
                    "ON CONFLICT (query_key, engine, domain, title_key) DO UPDATE SET "
                    "title = excluded.title, url = excluded.url, display_url = excluded.display_url, "
                    "ad_text = excluded.ad_text, position = excluded.position, "
                    "last_seen = excluded.last_seen RETURNING id",
    [Q_AD_HISTORY] = "SELECT id, domain, title_key, title, url, display_url, ad_text, position, "
                     "first_seen, last_seen, contact_data, contact_checked_at FROM ads "
                     "WHERE query_key = $1 AND engine = $2 ORDER BY last_seen DESC, position, id",
    [Q_AD_SET_CONTACT] = "UPDATE ads SET contact_data = $2, contact_checked_at = $3 WHERE id = $1",
    [Q_RECIPE_LIST] = "SELECT " RECIPE_COLUMNS " FROM recipes ORDER BY position, code",
    [Q_RECIPE_GET] = "SELECT " RECIPE_COLUMNS " FROM recipes WHERE code = $1",
    [Q_LEAD_OWNED] = "SELECT l.id FROM leads l JOIN projects p ON p.id = l.project_id "
                     "WHERE l.id = $1 AND p.user_id = $2",
    [Q_SET_VERIFIED] = "UPDATE leads SET verified = $3 WHERE id = $1 "
                       "AND project_id IN (SELECT id FROM projects WHERE user_id = $2)",
    /* ILIKE: SQLite's LIKE ignores ASCII case, PostgreSQL's does not */
    [Q_MENTIONS] = "SELECT kind, url, body FROM ("
                   "SELECT endpoint AS kind, NULL AS url, body, expires_at AS at FROM cache "
                   "WHERE endpoint IN ('crawl', 'search') AND expires_at > $2 "
                   "AND body ILIKE $1 ESCAPE '\\' "
                   "UNION ALL SELECT 'ad', url, contact_data, last_seen FROM ads "
                   "WHERE contact_data ILIKE $1 ESCAPE '\\') m ORDER BY at DESC LIMIT $3",
    [Q_SIGHTING] = "INSERT INTO email_sightings "
                   "(email, source, domain, first_seen, last_seen, person) "
                   "VALUES ($1, $2, $3, $4, $4, $5) "
                   "ON CONFLICT (email, source) DO UPDATE SET last_seen = excluded.last_seen, "
                   "person = COALESCE(excluded.person, email_sightings.person)",
    [Q_SIGHTINGS] = "SELECT email, source, first_seen, last_seen, person FROM email_sightings "
                    "WHERE domain = $1 ORDER BY email, first_seen, source LIMIT $2",
};

#define RUN(id_, args_, what_) pg_run(c, PG_MISC_BASE + (id_), sql[id_], (args_), err, (what_))
#define EXEC(id_, args_, what_) pg_exec(c, PG_MISC_BASE + (id_), sql[id_], (args_), NULL, err, (what_))
#define ONE(id_, args_, out_, what_)                                                               \
    pg_one_int(c, PG_MISC_BASE + (id_), sql[id_], (args_), (out_), err, (what_))

/* ---- ads -------------------------------------------------------------------- */

static enum rc ads_record_on(struct pgc *c, const char *query_key, const char *engine,
                             struct ad *ads, size_t count, int64_t now, struct err *err)
{
    enum rc rc = RC_OK;
    for (size_t i = 0; rc == RC_OK && i < count; i++) {
        const struct ad *ad = &ads[i];
        struct pg_args args = {0};
        pg_arg_text(&args, query_key);
        pg_arg_text(&args, engine);
        pg_arg_text(&args, ad->domain);
        pg_arg_text(&args, ad->title_key);
        pg_arg_text(&args, ad->title);
        pg_arg_text(&args, ad->url);
        pg_arg_text(&args, ad->display_url ? ad->display_url : "");
        pg_arg_text(&args, ad->ad_text ? ad->ad_text : "");
        pg_arg_int(&args, ad->position);
        pg_arg_int(&args, now);
        rc = ONE(Q_AD_UPSERT, &args, &ads[i].id, "ad upsert");
    }
    return rc;
}

enum rc pg_ads_record(struct store *st, const char *query_key, const char *engine, struct ad *ads,
                      size_t count, int64_t now, struct err *err)
{
    PG_TX(st, err, ads_record_on(c, query_key, engine, ads, count, now, err));
}

static void ad_item(const PGresult *r, int i, struct arena *a, void *item)
{
    struct ad *it = item;
    *it = (struct ad){
        .id = pg_int(r, i, 0),
        .domain = pg_text(r, i, 1, a),
        .title_key = pg_text(r, i, 2, a),
        .title = pg_text(r, i, 3, a),
        .url = pg_text(r, i, 4, a),
        .display_url = pg_text(r, i, 5, a),
        .ad_text = pg_text(r, i, 6, a),
        .position = pg_int(r, i, 7),
        .first_seen = pg_int(r, i, 8),
        .last_seen = pg_int(r, i, 9),
        .contact_data = pg_null(r, i, 10) ? NULL : pg_text(r, i, 10, a),
        .contact_checked_at = pg_int(r, i, 11),
    };
}

static enum rc ads_history_on(struct pgc *c, const char *query_key, const char *engine,
                              struct arena *a, struct ad **out, size_t *count, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, query_key);
    pg_arg_text(&args, engine);
    PGresult *r = RUN(Q_AD_HISTORY, &args, "ad history");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, ad_item, count);
    return RC_OK;
}

enum rc pg_ads_history(struct store *st, const char *query_key, const char *engine,
                       struct arena *a, struct ad **out, size_t *count, struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, ads_history_on(c, query_key, engine, a, out, count, err));
}

static enum rc ads_set_contact_on(struct pgc *c, int64_t ad_id, const char *contact_json,
                                  int64_t now, struct err *err)
{
    struct pg_args args = {0};
    pg_arg_int(&args, ad_id);
    pg_arg_text(&args, contact_json);
    pg_arg_int(&args, now);
    return EXEC(Q_AD_SET_CONTACT, &args, "ad contact");
}

enum rc pg_ads_set_contact(struct store *st, int64_t ad_id, const char *contact_json, int64_t now,
                           struct err *err)
{
    PG_OP(st, err, ads_set_contact_on(c, ad_id, contact_json, now, err));
}

/* ---- recipes ---------------------------------------------------------------- */

static void recipe_from_row(const PGresult *r, int row, struct arena *a, void *item)
{
    *(struct recipe *)item = (struct recipe){
        .code = pg_text(r, row, 0, a),
        .name = pg_text(r, row, 1, a),
        .template = pg_text(r, row, 2, a),
        .description = pg_text(r, row, 3, a),
    };
}

static enum rc recipe_list_on(struct pgc *c, struct arena *a, struct recipe **out, size_t *count,
                              struct err *err)
{
    PGresult *r = RUN(Q_RECIPE_LIST, NULL, "recipes");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, recipe_from_row, count);
    return RC_OK;
}

enum rc pg_recipe_list(struct store *st, struct arena *a, struct recipe **out, size_t *count,
                       struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, recipe_list_on(c, a, out, count, err));
}

static enum rc recipe_get_on(struct pgc *c, const char *code, struct arena *a, struct recipe *out,
                             struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, code);
    PGresult *r = RUN(Q_RECIPE_GET, &args, "recipe");
    if (!r) return RC_DB;
    bool found = PQntuples(r) > 0;
    if (found) recipe_from_row(r, 0, a, out);
    PQclear(r);
    return found ? RC_OK : err_set(err, RC_NOT_FOUND, "no recipe %s", code);
}

enum rc pg_recipe_get(struct store *st, const char *code, struct arena *a, struct recipe *out,
                      struct err *err)
{
    PG_OP(st, err, recipe_get_on(c, code, a, out, err));
}

/* ---- verification ----------------------------------------------------------- */

static enum rc leads_owned_on(struct pgc *c, int64_t user_id, const int64_t *ids, size_t count,
                              int64_t *missing, struct err *err)
{
    for (size_t i = 0; i < count; i++) {
        struct pg_args args = {0};
        pg_arg_int(&args, ids[i]);
        pg_arg_int(&args, user_id);
        int64_t id;
        enum rc rc = ONE(Q_LEAD_OWNED, &args, &id, "lead ownership");
        if (rc == RC_NOT_FOUND) {
            *missing = ids[i];
            return err_set(err, RC_NOT_FOUND, "Lead %lld is not one of your leads.",
                           (long long)ids[i]);
        }
        if (rc != RC_OK) return rc;
    }
    return RC_OK;
}

enum rc pg_leads_owned(struct store *st, int64_t user_id, const int64_t *ids, size_t count,
                       int64_t *missing, struct err *err)
{
    PG_OP(st, err, leads_owned_on(c, user_id, ids, count, missing, err));
}

static enum rc set_verified_on(struct pgc *c, int64_t user_id, const int64_t *ids,
                               const int *values, size_t count, struct err *err)
{
    for (size_t i = 0; i < count; i++) {
        if (values[i] == 0) continue; /* risky or unknown: left as it is */
        struct pg_args args = {0};
        pg_arg_int(&args, ids[i]);
        pg_arg_int(&args, user_id);
        pg_arg_int(&args, values[i] > 0 ? 1 : -1);
        enum rc rc = EXEC(Q_SET_VERIFIED, &args, "set lead verified");
        if (rc != RC_OK) return rc;
    }
    return RC_OK;
}

enum rc pg_leads_set_verified(struct store *st, int64_t user_id, const int64_t *ids,
                              const int *values, size_t count, struct err *err)
{
    PG_TX(st, err, set_verified_on(c, user_id, ids, values, count, err));
}

/* ---- public mentions (the email finder's evidence) -------------------------- */

static void public_mention_item(const PGresult *r, int i, struct arena *a, void *item)
{
    struct public_mention *it = item;
    *it = (struct public_mention){.kind = pg_text(r, i, 0, a),
                                  .url = pg_null(r, i, 1) ? NULL : pg_text(r, i, 1, a),
                                  .json = pg_text(r, i, 2, a)};
}

static enum rc public_mentions_on(struct pgc *c, const char *domain, int64_t now, size_t max,
                                  struct arena *a, struct public_mention **out, size_t *count,
                                  struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, store_like_mention(a, domain));
    pg_arg_int(&args, now);
    pg_arg_int(&args, (int64_t)max);
    PGresult *r = RUN(Q_MENTIONS, &args, "public mentions");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, public_mention_item, count);
    return RC_OK;
}

enum rc pg_public_mentions(struct store *st, const char *domain, int64_t now, size_t max,
                           struct arena *a, struct public_mention **out, size_t *count,
                           struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, public_mentions_on(c, domain, now, max, a, out, count, err));
}

/* ---- email sightings (domain.php's evidence) --------------------------------- */

static enum rc sightings_record_on(struct pgc *c, const struct email_sighting *rows, size_t count,
                                   int64_t now, struct err *err)
{
    enum rc rc = RC_OK;
    for (size_t i = 0; rc == RC_OK && i < count; i++) {
        struct pg_args args = {0};
        pg_arg_text(&args, rows[i].email);
        pg_arg_text(&args, rows[i].source);
        pg_arg_text(&args, rows[i].domain);
        pg_arg_int(&args, now);
        pg_arg_text(&args, rows[i].person);
        rc = EXEC(Q_SIGHTING, &args, "email sighting");
    }
    return rc;
}

enum rc pg_sightings_record(struct store *st, const struct email_sighting *rows, size_t count,
                            int64_t now, struct err *err)
{
    PG_TX(st, err, sightings_record_on(c, rows, count, now, err));
}

static void email_sighting_item(const PGresult *r, int i, struct arena *a, void *item)
{
    struct email_sighting *it = item;
    *it = (struct email_sighting){.email = pg_text(r, i, 0, a),
                                  .source = pg_text(r, i, 1, a),
                                  .first_seen = pg_int(r, i, 2),
                                  .last_seen = pg_int(r, i, 3),
                                  .person = pg_text(r, i, 4, a)};
}

static enum rc sightings_of_domain_on(struct pgc *c, const char *domain, size_t max,
                                      struct arena *a, struct email_sighting **out, size_t *count,
                                      struct err *err)
{
    struct pg_args args = {0};
    pg_arg_text(&args, domain);
    pg_arg_int(&args, (int64_t)max);
    PGresult *r = RUN(Q_SIGHTINGS, &args, "email sightings");
    if (!r) return RC_DB;
    *out = pg_rows(r, a, sizeof **out, email_sighting_item, count);
    for (size_t i = 0; i < *count; i++)
        (*out)[i].domain = domain; /* the one asked for */
    return RC_OK;
}

enum rc pg_sightings_of_domain(struct store *st, const char *domain, size_t max, struct arena *a,
                               struct email_sighting **out, size_t *count, struct err *err)
{
    *out = NULL;
    *count = 0;
    PG_OP(st, err, sightings_of_domain_on(c, domain, max, a, out, count, err));
}
