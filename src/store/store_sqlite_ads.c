/* SQLite backend: the permanent Ad Spy history. Recording a search's ads is
 * one transaction of upserts on the ad identity, so two concurrent searches
 * for the same query can never insert the same ad twice. */
#include "store/store_int.h"
#include "store/store_sqlite_int.h"

#include <string.h>

enum aq { Q_UPSERT, Q_HISTORY, Q_SET_CONTACT, Q_MENTIONS, Q_SIGHTING, Q_SIGHTINGS, Q_COUNT };

static const char *const aq_sql[Q_COUNT] = {
    [Q_UPSERT] = "INSERT INTO ads (query_key, engine, domain, title_key, title, url, display_url, "
                 "ad_text, position, first_seen, last_seen) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10) "
                 "ON CONFLICT (query_key, engine, domain, title_key) DO UPDATE SET "
                 "title = excluded.title, url = excluded.url, display_url = excluded.display_url, "
                 "ad_text = excluded.ad_text, position = excluded.position, "
                 "last_seen = excluded.last_seen RETURNING id",
    [Q_HISTORY] = "SELECT id, domain, title_key, title, url, display_url, ad_text, position, "
                  "first_seen, last_seen, contact_data, contact_checked_at FROM ads "
                  "WHERE query_key = ?1 AND engine = ?2 ORDER BY last_seen DESC, position, id",
    [Q_SET_CONTACT] = "UPDATE ads SET contact_data = ?2, contact_checked_at = ?3 WHERE id = ?1",
    /* public data only: cached crawl/search answers and ad contacts (a scan of
     * both; an index of addresses per domain is the next step if it grows) */
    [Q_MENTIONS] = "SELECT kind, url, body FROM ("
                   "SELECT endpoint AS kind, NULL AS url, body, expires_at AS at FROM cache "
                   "WHERE endpoint IN ('crawl', 'search') AND expires_at > ?2 "
                   "AND body LIKE ?1 ESCAPE '\\' "
                   "UNION ALL SELECT 'ad', url, contact_data, last_seen FROM ads "
                   "WHERE contact_data LIKE ?1 ESCAPE '\\') ORDER BY at DESC LIMIT ?3",
    [Q_SIGHTING] = "INSERT INTO email_sightings "
                   "(email, source, domain, first_seen, last_seen, person) "
                   "VALUES (?1, ?2, ?3, ?4, ?4, ?5) "
                   "ON CONFLICT (email, source) DO UPDATE SET last_seen = excluded.last_seen, "
                   "person = COALESCE(excluded.person, email_sightings.person)",
    [Q_SIGHTINGS] = "SELECT email, source, first_seen, last_seen, person FROM email_sightings "
                    "WHERE domain = ?1 ORDER BY email, first_seen, source LIMIT ?2",
};

_Static_assert(SQ_ADS_BASE + Q_COUNT <= SQ_SENDS_BASE, "ad statements overflow their slots");

#define Q(var_, id_)                                                                               \
    sqlite3_stmt *var_ = sq_stmt(c, SQ_ADS_BASE + (id_), aq_sql[id_], err);                        \
    if (!var_) return RC_DB

static enum rc record_in_tx(struct conn *c, const char *query_key, const char *engine,
                            struct ad *ads, size_t count, int64_t now, struct err *err)
{
    Q(q, Q_UPSERT);
    enum rc rc = RC_OK;
    for (size_t i = 0; rc == RC_OK && i < count; i++) {
        const struct ad *ad = &ads[i];
        sq_bind_text(q, 1, query_key);
        sq_bind_text(q, 2, engine);
        sq_bind_text(q, 3, ad->domain);
        sq_bind_text(q, 4, ad->title_key);
        sq_bind_text(q, 5, ad->title);
        sq_bind_text(q, 6, ad->url);
        sq_bind_text(q, 7, ad->display_url ? ad->display_url : "");
        sq_bind_text(q, 8, ad->ad_text ? ad->ad_text : "");
        sqlite3_bind_int64(q, 9, ad->position);
        sqlite3_bind_int64(q, 10, now);
        rc = sq_step_int(c, q, &ads[i].id, err, "ad upsert");
    }
    return rc;
}

enum rc sq_ads_record(struct store *st, const char *query_key, const char *engine, struct ad *ads,
                      size_t count, int64_t now, struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    return sq_end(c, record_in_tx(c, query_key, engine, ads, count, now, err), err);
}

enum rc sq_ads_history(struct store *st, const char *query_key, const char *engine,
                       struct arena *a, struct ad **out, size_t *count, struct err *err)
{
    CONN(st, err);
    Q(q, Q_HISTORY);
    sq_bind_text(q, 1, query_key);
    sq_bind_text(q, 2, engine);
    size_t n = 0, cap = 0;
    struct ad *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        list[n++] = (struct ad){
            .id = sqlite3_column_int64(q, 0),
            .domain = sq_col_text(q, 1, a),
            .title_key = sq_col_text(q, 2, a),
            .title = sq_col_text(q, 3, a),
            .url = sq_col_text(q, 4, a),
            .display_url = sq_col_text(q, 5, a),
            .ad_text = sq_col_text(q, 6, a),
            .position = sqlite3_column_int64(q, 7),
            .first_seen = sqlite3_column_int64(q, 8),
            .last_seen = sqlite3_column_int64(q, 9),
            .contact_data = sqlite3_column_type(q, 10) == SQLITE_NULL ? NULL : sq_col_text(q, 10, a),
            .contact_checked_at = sqlite3_column_int64(q, 11),
        };
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "ad history");
    sq_done(q);
    *out = list;
    *count = n;
    return rc;
}

enum rc sq_ads_set_contact(struct store *st, int64_t ad_id, const char *contact_json, int64_t now,
                           struct err *err)
{
    CONN(st, err);
    Q(q, Q_SET_CONTACT);
    sqlite3_bind_int64(q, 1, ad_id);
    sq_bind_text(q, 2, contact_json);
    sqlite3_bind_int64(q, 3, now);
    return sq_exec(c, q, err, "ad contact");
}

enum rc sq_public_mentions(struct store *st, const char *domain, int64_t now, size_t max,
                           struct arena *a, struct public_mention **out, size_t *count,
                           struct err *err)
{
    CONN(st, err);
    Q(q, Q_MENTIONS);
    sq_bind_text(q, 1, store_like_mention(a, domain));
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)max);
    size_t n = 0, cap = 0;
    struct public_mention *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        list[n++] = (struct public_mention){.kind = sq_col_text(q, 0, a),
                                            .url = sq_col_text(q, 1, a),
                                            .json = sq_col_text(q, 2, a)};
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "public mentions");
    sq_done(q);
    *out = list;
    *count = rc == RC_OK ? n : 0;
    return rc;
}

static enum rc sightings_in_tx(struct conn *c, const struct email_sighting *rows, size_t count,
                               int64_t now, struct err *err)
{
    Q(q, Q_SIGHTING);
    enum rc rc = RC_OK;
    for (size_t i = 0; rc == RC_OK && i < count; i++) {
        sq_bind_text(q, 1, rows[i].email);
        sq_bind_text(q, 2, rows[i].source);
        sq_bind_text(q, 3, rows[i].domain);
        sqlite3_bind_int64(q, 4, now);
        sq_bind_text(q, 5, rows[i].person);
        rc = sq_exec(c, q, err, "email sighting");
    }
    return rc;
}

enum rc sq_sightings_record(struct store *st, const struct email_sighting *rows, size_t count,
                            int64_t now, struct err *err)
{
    CONN(st, err);
    enum rc rc = sq_begin(c, err);
    if (rc != RC_OK) return rc;
    return sq_end(c, sightings_in_tx(c, rows, count, now, err), err);
}

enum rc sq_sightings_of_domain(struct store *st, const char *domain, size_t max, struct arena *a,
                               struct email_sighting **out, size_t *count, struct err *err)
{
    CONN(st, err);
    Q(q, Q_SIGHTINGS);
    sq_bind_text(q, 1, domain);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)max);
    size_t n = 0, cap = 0;
    struct email_sighting *list = NULL;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        list = sq_grow(a, list, n, &cap, sizeof *list);
        list[n++] = (struct email_sighting){.email = sq_col_text(q, 0, a),
                                            .domain = domain,
                                            .source = sq_col_text(q, 1, a),
                                            .first_seen = sqlite3_column_int64(q, 2),
                                            .last_seen = sqlite3_column_int64(q, 3),
                                            .person = sq_col_text(q, 4, a)};
    }
    enum rc rc = r == SQLITE_DONE ? RC_OK : sq_fail(c, err, "email sightings");
    sq_done(q);
    *out = list;
    *count = rc == RC_OK ? n : 0;
    return rc;
}
