/* Unit tests for the request pipeline (http/router.c) with test routes:
 * reservation, settlement, release on error, the cache, parameter readers
 * and the response envelopes. */
#include "test.h"

#include "base/clock.h"
#include "core/hotcache.h"
#include "core/keys.h"
#include "http/router.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

static atomic_int runs;

static bool test_parse(struct request *req)
{
    const char *q;
    if (!param_string(req, "q", true, 100, &q)) return false;
    req->params = (void *)q;
    return true;
}

static const char *test_cache_key(struct request *req)
{
    return arena_sprintf(&req->arena, "test\x1f%s", (const char *)req->params);
}

/* Costs as many credits as the query is long; "fail" fails upstream. */
static bool test_run(struct request *req)
{
    atomic_fetch_add(&runs, 1);
    const char *q = req->params;
    if (strcmp(q, "fail") == 0) return req_fail(req, E_SEARCH_ERROR, "upstream failed");
    req->cost = (int64_t)strlen(q);
    req->data = json_pack("{s:s}", "echo", q);
    return true;
}

static const struct route billed = {.file = "test.php", .method = M_GET, .endpoint = "test",
                                    .max_credits = 10, .cache_ttl = 60, .parse = test_parse,
                                    .cache_key = test_cache_key, .run = test_run};
static const struct route uncached = {.file = "test.php", .method = M_GET, .endpoint = "test",
                                      .max_credits = 10, .parse = test_parse, .run = test_run};
static const struct route one_credit = {.file = "test.php", .method = M_GET, .endpoint = "test",
                                        .max_credits = 1, .parse = test_parse, .run = test_run};

static struct store *fresh_store(void)
{
    return test_store_fresh("router");
}

static int64_t make_user(struct store *st, int64_t credits)
{
    char key[KEY_LEN + 1], hash[KEY_HASH_LEN + 1], email[64];
    keys_generate(key);
    keys_hash(key, hash);
    snprintf(email, sizeof email, "%.12s@x.com", key + 3);
    int64_t id = 0;
    st->ops->user_create(st, email, credits, hash, &id, NULL);
    return id;
}

static void request_init(struct request *req, struct store *st, const struct route *r,
                         int64_t user, const char *q)
{
    memset(req, 0, sizeof *req);
    arena_init(&req->arena);
    req->store = st;
    req->route = r;
    req->method = M_GET;
    req->user_id = user;
    strcpy(req->request_id, "test");
    req->args = arena_alloc(&req->arena, sizeof *req->args);
    req->args[0] = (struct query_arg){"q", q};
    req->nargs = q ? 1 : 0;
}

static void request_cleanup(struct request *req)
{
    json_decref(req->data);
    json_decref(req->json);
    arena_cleanup(&req->arena);
}

static int64_t balance(struct store *st, int64_t user)
{
    int64_t b = -1;
    st->ops->credits_balance(st, user, &b, NULL);
    return b;
}

TEST(router_charges_the_real_cost_and_caches_the_data)
{
    struct store *st = fresh_store();
    CHECK(st);
    int64_t user = make_user(st, 20);
    struct request req;
    atomic_store(&runs, 0);
    request_init(&req, st, &billed, user, "abcd");
    router_finish(&req);
    CHECK_INT(req.error, E_NONE);
    CHECK_INT(req.credits_used, 4);
    CHECK_INT(balance(st, user), 16);
    int status;
    size_t len;
    char *body = router_response(&req, &status, &len);
    CHECK_INT(status, 200);
    CHECK_STR(body, "{\"status\":\"success\",\"credits_used\":4,\"data\":{\"echo\":\"abcd\"}}");
    free(body);
    request_cleanup(&req);

    request_init(&req, st, &billed, user, "abcd"); /* a hit: free, and no upstream run */
    router_finish(&req);
    CHECK_INT(req.credits_used, 0);
    CHECK_INT(atomic_load(&runs), 1);
    CHECK_INT(balance(st, user), 16);
    body = router_response(&req, &status, &len);
    CHECK_STR(body, "{\"status\":\"success\",\"credits_used\":0,\"data\":{\"echo\":\"abcd\"}}");
    free(body);
    request_cleanup(&req);
    store_close(st);
}

TEST(router_charges_nothing_on_error_and_caches_nothing)
{
    struct store *st = fresh_store();
    CHECK(st);
    int64_t user = make_user(st, 20);
    struct request req;
    atomic_store(&runs, 0);
    for (int i = 0; i < 2; i++) {
        request_init(&req, st, &billed, user, "fail");
        router_finish(&req);
        CHECK_INT(req.error, E_SEARCH_ERROR);
        CHECK_INT(req.credits_used, 0);
        int status;
        size_t len;
        char *body = router_response(&req, &status, &len);
        CHECK_INT(status, 502);
        CHECK_STR(body,
                  "{\"status\":\"error\",\"code\":\"search_error\",\"message\":\"upstream failed\"}");
        free(body);
        request_cleanup(&req);
    }
    CHECK_INT(atomic_load(&runs), 2);
    CHECK_INT(balance(st, user), 20);
    store_close(st);
}

TEST(router_refuses_at_zero_balance_before_running)
{
    struct store *st = fresh_store();
    CHECK(st);
    int64_t user = make_user(st, 0);
    struct request req;
    atomic_store(&runs, 0);
    request_init(&req, st, &uncached, user, "abc");
    router_finish(&req);
    CHECK_INT(req.error, E_INSUFFICIENT_CREDITS);
    CHECK_INT(errors_status(req.error), 402);
    CHECK_INT(atomic_load(&runs), 0);
    request_cleanup(&req);
    request_init(&req, st, &uncached, user, NULL);
    router_finish(&req);
    CHECK_INT(req.error, E_MISSING_PARAM); /* bad input is reported before credits */
    CHECK(strstr(req.error_msg, "'q'") != NULL);
    request_cleanup(&req);
    store_close(st);
}

struct racer {
    struct store *st;
    const struct route *route;
    int64_t user;
    int64_t used;
    enum api_error error;
};

static void *race(void *p)
{
    struct racer *r = p;
    struct request req;
    request_init(&req, r->st, r->route, r->user, "x");
    router_finish(&req);
    r->used = req.credits_used;
    r->error = req.error;
    if (req.error != E_NONE && req.error != E_INSUFFICIENT_CREDITS)
        fprintf(stderr, "    unexpected %s: %s\n", errors_code(req.error), req.error_msg);
    request_cleanup(&req);
    return NULL;
}

struct race_totals {
    int ok, refused;
    int64_t used;
};

/* Runs n concurrent requests of route for user and adds up the outcomes. */
static struct race_totals run_race(struct store *st, const struct route *route, int64_t user,
                                   int n)
{
    struct racer r[64];
    pthread_t tid[64];
    struct race_totals t = {0};
    for (int i = 0; i < n; i++) {
        r[i] = (struct racer){st, route, user, 0, E_NONE};
        pthread_create(&tid[i], NULL, race, &r[i]);
    }
    for (int i = 0; i < n; i++) {
        pthread_join(tid[i], NULL);
        t.used += r[i].used;
        t.ok += r[i].error == E_NONE;
        t.refused += r[i].error == E_INSUFFICIENT_CREDITS;
    }
    return t;
}

TEST(router_fifty_parallel_billed_requests_against_twenty_credits)
{
    struct store *st = fresh_store();
    CHECK(st);
    int64_t user = make_user(st, 20);
    struct race_totals t = run_race(st, &one_credit, user, 50);
    CHECK_INT(t.ok, 20);
    CHECK_INT(t.refused, 30);
    CHECK_INT(t.used, 20);
    CHECK_INT(balance(st, user), 0);
    store_close(st);
}

/* With a reservation larger than the cost, how many requests get through
 * depends on timing, but what is charged always matches the balance. */
TEST(router_parallel_reservations_never_overdraw)
{
    struct store *st = fresh_store();
    CHECK(st);
    int64_t user = make_user(st, 20);
    struct race_totals t = run_race(st, &uncached, user, 30);
    CHECK_INT(t.ok + t.refused, 30);
    CHECK(t.ok >= 2);
    CHECK_INT(t.used, t.ok); /* each success cost its 1 credit, no more */
    CHECK_INT(balance(st, user), 20 - t.used);
    store_close(st);
}

TEST(params_read_the_json_body_for_post)
{
    struct request req;
    memset(&req, 0, sizeof req);
    arena_init(&req.arena);
    req.method = M_POST;
    req.json = json_loads("{\"id\": \"42\", \"n\": 7, \"f\": 1.5, \"s\": \"  hi  \", \"b\": true,"
                          "\"a\": [1,2,3], \"empty\": \"  \"}",
                          0, NULL);
    int64_t v;
    const char *s;
    json_t *arr;
    CHECK(param_int(&req, "id", true, 0, 1, 100, &v) && v == 42);
    CHECK(param_int(&req, "n", true, 0, 1, 100, &v) && v == 7);
    CHECK(param_int(&req, "missing", false, 5, 1, 100, &v) && v == 5);
    CHECK(param_string(&req, "s", true, 10, &s));
    CHECK_STR(s, "hi");
    CHECK(param_array(&req, "a", true, 3, &arr) && json_array_size(arr) == 3);
    CHECK(!param_array(&req, "a", true, 2, &arr));
    CHECK_INT(req.error, E_INVALID_PARAM);
    req.error = E_NONE;
    CHECK(!param_int(&req, "f", true, 0, 0, 10, &v));
    CHECK(strstr(req.error_msg, "'f'") != NULL);
    req.error = E_NONE;
    CHECK(!param_string(&req, "b", true, 10, &s));
    CHECK_INT(req.error, E_INVALID_PARAM);
    req.error = E_NONE;
    CHECK(!param_string(&req, "empty", true, 10, &s));
    CHECK_INT(req.error, E_MISSING_PARAM);
    req.error = E_NONE;
    CHECK(!param_int(&req, "n", true, 0, 8, 100, &v));
    CHECK(strstr(req.error_msg, "between 8 and 100") != NULL);
    json_decref(req.json);
    arena_cleanup(&req.arena);
}

TEST(params_read_the_query_for_get_and_reject_bad_utf8)
{
    struct request req;
    memset(&req, 0, sizeof req);
    arena_init(&req.arena);
    req.method = M_GET;
    struct query_arg args[] = {{"limit", "abc"}, {"name", "caf\xff"}, {"ok", "12"}};
    req.args = args;
    req.nargs = 3;
    int64_t v;
    const char *s;
    CHECK(!param_int(&req, "limit", false, 100, 1, 500, &v));
    CHECK_INT(req.error, E_INVALID_PARAM);
    req.error = E_NONE;
    CHECK(!param_string(&req, "name", false, 100, &s));
    CHECK(strstr(req.error_msg, "UTF-8") != NULL);
    req.error = E_NONE;
    CHECK(param_int(&req, "ok", true, 0, 1, 500, &v) && v == 12);
    CHECK(!param_int(&req, "absent", true, 0, 1, 500, &v));
    CHECK_INT(req.error, E_MISSING_PARAM);
    arena_cleanup(&req.arena);
}

static bool tiny_run(struct request *req)
{
    req->data = json_pack("{s:s}", "file", req->file);
    return true;
}

static const struct route tiny_rows[] = {
    {.file = "tiny.php", .method = M_POST, .endpoint = "tiny", .public = true, .run = tiny_run},
};
static const struct route_table tiny = {tiny_rows, sizeof tiny_rows / sizeof tiny_rows[0]};

/* Runs router_begin for method and url against the one-route table. */
static char *begin_tiny(const char *method, enum http_method m, const char *url, int *status)
{
    struct request req;
    memset(&req, 0, sizeof req);
    arena_init(&req.arena);
    req.method = m;
    req.method_name = method;
    req.url = url;
    size_t len;
    enum router_step step = router_begin(&tiny, &req);
    char *body = router_response(&req, status, &len);
    if (step != ROUTER_DONE) *status = -1;
    if (req.error == E_METHOD_NOT_ALLOWED && strcmp(router_allowed(&tiny, &req), "POST") != 0)
        *status = -2;
    request_cleanup(&req);
    return body;
}

TEST(router_answers_from_the_table_it_is_given)
{
    int status;
    char *body = begin_tiny("POST", M_POST, "/v2/api/v1/tiny.php", &status);
    CHECK_INT(status, 200);
    CHECK_STR(body, "{\"status\":\"success\",\"credits_used\":0,\"data\":{\"file\":\"tiny.php\"}}");
    free(body);
    body = begin_tiny("GET", M_GET, "/api/v1/tiny.php", &status);
    CHECK_INT(status, 405); /* and Allow: POST */
    free(body);
    body = begin_tiny("GET", M_GET, "/api/v1/projects.php", &status); /* not in this table */
    CHECK_INT(status, 404);
    free(body);
}

static const struct route hot = {.file = "hot.php", .method = M_GET, .endpoint = "hot",
                                 .hot_cache = true, .parse = test_parse,
                                 .cache_key = test_cache_key, .run = test_run};

/* Finishes a request of the hot route and returns its body. */
static char *finish_hot(struct store *st, int64_t user, const char *q)
{
    struct request req;
    request_init(&req, st, &hot, user, q);
    router_finish(&req);
    int status;
    size_t len;
    char *body = router_response(&req, &status, &len);
    request_cleanup(&req);
    return body;
}

TEST(router_hot_cache_serves_until_the_store_changes)
{
    struct store *st = fresh_store();
    CHECK(st);
    int64_t user = make_user(st, 0), other = make_user(st, 0);
    atomic_store(&runs, 0);
    const char *want = "{\"status\":\"success\",\"credits_used\":0,\"data\":{\"echo\":\"ab\"}}";
    double started = clock_mono_ms();
    char *first = finish_hot(st, user, "ab"), *second = finish_hot(st, user, "ab");
    bool within_max_age = clock_mono_ms() - started < HOTCACHE_MAX_AGE_MS;
    CHECK_STR(first, want);
    CHECK_STR(second, want);
    CHECK_INT(atomic_load(&runs), within_max_age ? 1 : 2); /* the second came from memory */
    free(first);
    free(second);
    atomic_store(&runs, 0);
    free(finish_hot(st, user, "abc")); /* other parameters, other entry */
    free(finish_hot(st, other, "ab")); /* another user's answer is their own */
    CHECK_INT(atomic_load(&runs), 2);
    make_user(st, 0); /* any write in this process makes the entries stale */
    free(finish_hot(st, user, "ab"));
    CHECK_INT(atomic_load(&runs), 3);
    store_close(st);
}
