/* The command table: `leadgen serve`, `user add`, `credits add`, ... Each
 * command opens the store from the configuration and calls the same core
 * and store operations the API uses. */
#include "cli/cli.h"
#include "cli/cli_int.h"

#include "base/buf.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/str.h"
#include "api/api.h"
#include "serp/serp.h"
#include "config.h"
#include "crawl/crawl.h"
#include "api/async.h"
#include "campaign/scheduler.h"
#include "core/webhooks.h"
#include "campaign/window.h"
#include "crawl/result.h"
#include "core/auth.h"
#include "core/keys.h"
#include "core/ratelimit.h"
#include "core/passwords.h"
#include "core/secrets.h"
#include "web/web.h"
#include "leads/leads.h"
#include "http/server.h"
#include "net/http.h"
#include "verify/socks5.h"
#include "verify/verify.h"
#include "version.h"

#include <malloc.h>
#include <pthread.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

struct command {
    const char *words; /* "user add" */
    const char *usage;
    int (*fn)(int argc, char **argv); /* argv after the command words */
    const char *help;
};

/* The configuration, loaded and checked once before any command runs. */
static struct config cfg;
/* LEADGEN_SMTP_PROXY parsed, checked with the rest of the configuration. */
static struct arena proxy_arena;
static struct socks5_proxy *smtp_proxies;
static size_t smtp_nproxies;

enum { DB_POOL_DEFAULT_MAX = 16 };

/* LEADGEN_DB_POOL, or one connection per thread that may use the store at once, capped. */
static struct store_options store_options(void)
{
    int64_t pool = cfg.db_pool;
    if (pool == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        int64_t threads = cfg.threads ? cfg.threads : (cores > 1 ? cores - 1 : 1);
        pool = threads + cfg.workers;
        if (pool > DB_POOL_DEFAULT_MAX) pool = DB_POOL_DEFAULT_MAX;
    }
    return (struct store_options){.pool = (unsigned)pool};
}

/* Set by serve and worker: from then on every line goes through the log. */
static bool long_running;

/* A failure, for the operator: a log line in a server, else "leadgen: ..." on stderr. */
__attribute__((format(printf, 1, 2))) static void complain(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (long_running) {
        log_vmsg(LOG_ERROR, fmt, ap);
    } else {
        fputs("leadgen: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputs("\n", stderr);
    }
    va_end(ap);
}

static struct store *open_store(void)
{
    struct err err = {0};
    struct store_options opt = store_options();
    struct store *st = store_open_with(cfg.db, &opt, &err);
    if (!st) complain("%s", err.msg);
    return st;
}

struct store *cli_open_store(void)
{
    return open_store();
}

/* What a command about one user's data holds: the store, the user, an arena
 * and the first error, reported by user_session_close. */
struct user_session {
    struct store *st;
    struct arena a;
    struct user user;
    struct err err;
};

static enum rc user_session_open(struct user_session *s, const char *email)
{
    memset(s, 0, sizeof *s);
    arena_init(&s->a);
    struct store_options opt = store_options();
    s->st = store_open_with(cfg.db, &opt, &s->err);
    if (!s->st) return RC_DB;
    return s->st->ops->user_by_email(s->st, email, &s->a, &s->user, &s->err);
}

/* Ends the session; returns the exit status for rc, printing the error. */
static int user_session_close(struct user_session *s, enum rc rc)
{
    if (rc != RC_OK) fprintf(stderr, "leadgen: %s\n", s->err.msg);
    arena_cleanup(&s->a);
    store_close(s->st);
    return rc == RC_OK ? 0 : 1;
}

/* The password named by --password-env VAR, hashed; false (with a message) when unset or
 * out of bounds. */
static bool password_from_env(const char *var, char hash[PASSWORD_HASH_MAX])
{
    const char *value = getenv(var);
    if (!value || !*value) {
        complain("environment variable %s is empty", var);
        return false;
    }
    struct err err = {0};
    if (passwords_hash(value, hash, &err) == RC_OK) return true;
    complain("%s", err.msg);
    return false;
}

/* Creates a user with a fresh key (and a dashboard password when password_hash is set);
 * prints the key alone on the last line of stdout (a server announces the user in
 * its log, so stdout holds only the key). */
static int create_user(struct store *st, const char *email, int64_t credits,
                       const char *password_hash)
{
    char key[KEY_LEN + 1], hash[KEY_HASH_LEN + 1];
    keys_generate(key);
    keys_hash(key, hash);
    int64_t id;
    struct err err = {0};
    if (st->ops->user_create(st, email, credits, hash, &id, &err) != RC_OK ||
        (password_hash && st->ops->user_set_password(st, id, password_hash, &err) != RC_OK)) {
        complain("%s", err.msg);
        return 1;
    }
    if (long_running)
        log_info("created user %lld <%s> with %lld credits; its API key is the last line on "
                 "stdout", (long long)id, email, (long long)credits);
    else
        printf("user %lld <%s> created with %lld credits; API key:\n", (long long)id, email,
               (long long)credits);
    printf("%s\n", key);
    fflush(stdout);
    return 0;
}

static int cmd_user_add(int argc, char **argv)
{
    int64_t credits = 0;
    const char *password_var = NULL;
    if (argc < 1 || argc % 2 == 0) return -1;
    for (int i = 1; i < argc; i += 2) {
        if (strcmp(argv[i], "--credits") == 0) {
            if (!str_parse_int64(argv[i + 1], &credits) || credits < 0) {
                fprintf(stderr, "leadgen: --credits must be a whole number >= 0\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--password-env") == 0) {
            password_var = argv[i + 1];
        } else {
            return -1;
        }
    }
    if (!lead_email_valid(argv[0])) {
        fprintf(stderr, "leadgen: '%s' is not a valid email address\n", argv[0]);
        return 2;
    }
    char password_hash[PASSWORD_HASH_MAX];
    if (password_var && !password_from_env(password_var, password_hash)) return 2;
    struct store *st = open_store();
    if (!st) return 1;
    int rc = create_user(st, argv[0], credits, password_var ? password_hash : NULL);
    store_close(st);
    return rc;
}

static int cmd_user_password(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "--password-env") != 0) return -1;
    char hash[PASSWORD_HASH_MAX];
    if (!password_from_env(argv[2], hash)) return 2;
    struct user_session s;
    enum rc rc = user_session_open(&s, argv[0]);
    if (rc == RC_OK) rc = s.st->ops->user_set_password(s.st, s.user.id, hash, &s.err);
    if (rc == RC_OK) printf("password set for %s\n", argv[0]);
    return user_session_close(&s, rc);
}

static int cmd_credits_add(int argc, char **argv)
{
    int64_t amount;
    if (argc != 2) return -1;
    if (!str_parse_int64(argv[1], &amount)) {
        fprintf(stderr, "leadgen: N must be a whole number\n");
        return 2;
    }
    struct user_session s;
    int64_t balance = 0;
    enum rc rc = user_session_open(&s, argv[0]);
    if (rc == RC_OK) rc = s.st->ops->credits_add(s.st, s.user.id, amount, "cli", &balance, &s.err);
    if (rc == RC_OK) printf("%lld\n", (long long)balance);
    return user_session_close(&s, rc);
}

/* ---- users, keys and credits ---------------------------------------------- */

static const char *when(int64_t t, char buf[21])
{
    if (t <= 0) return "never";
    clock_format_iso(t, buf);
    return buf;
}

static int cmd_user_list(int argc, char **argv)
{
    (void)argv;
    if (argc != 0) return -1;
    struct store *st = open_store();
    if (!st) return 1;
    struct arena a;
    arena_init(&a);
    struct user_summary *users = NULL;
    size_t n = 0;
    struct err err = {0};
    enum rc rc = st->ops->user_list(st, &a, &users, &n, &err);
    if (rc == RC_OK) printf("email\tbalance\tkeys\tcreated\n");
    for (size_t i = 0; rc == RC_OK && i < n; i++) {
        char t[21];
        printf("%s\t%lld\t%lld\t%s\n", users[i].email, (long long)users[i].credits,
               (long long)users[i].keys, when(users[i].created_at, t));
    }
    if (rc != RC_OK) complain("%s", err.msg);
    arena_cleanup(&a);
    store_close(st);
    return rc == RC_OK ? 0 : 1;
}

enum { LEDGER_SHOWN = 10 };

static void print_ledger(const struct ledger_entry *rows, size_t n)
{
    printf("last %d ledger entries, newest first:\n", LEDGER_SHOWN);
    for (size_t i = 0; i < n; i++) {
        char t[21];
        /* an open reservation holds credits that settling charges or gives back */
        int64_t amount = strcmp(rows[i].state, "reserved") == 0 ? -rows[i].reserved
                                                                 : rows[i].amount;
        printf("  %s\t%+lld\t%s\t%s%s%s\n", when(rows[i].created_at, t), (long long)amount,
               rows[i].state, rows[i].endpoint, *rows[i].request_id ? "\t" : "",
               rows[i].request_id);
    }
}

static int cmd_user_show(int argc, char **argv)
{
    if (argc != 1) return -1;
    struct user_session s;
    struct key_info *keys = NULL;
    struct ledger_entry *rows = NULL;
    size_t nkeys = 0, nrows = 0;
    enum rc rc = user_session_open(&s, argv[0]);
    if (rc == RC_OK) rc = s.st->ops->key_list(s.st, s.user.id, &s.a, &keys, &nkeys, &s.err);
    if (rc == RC_OK)
        rc = s.st->ops->ledger_recent(s.st, s.user.id, LEDGER_SHOWN, &s.a, &rows, &nrows, &s.err);
    if (rc == RC_OK) {
        printf("user %lld <%s>\nbalance %lld\nkeys %zu\n", (long long)s.user.id, s.user.email,
               (long long)s.user.credits, nkeys);
        print_ledger(rows, nrows);
    }
    return user_session_close(&s, rc);
}

static int cmd_credits_show(int argc, char **argv)
{
    if (argc != 1) return -1;
    struct user_session s;
    enum rc rc = user_session_open(&s, argv[0]);
    if (rc == RC_OK) printf("%lld\n", (long long)s.user.credits);
    return user_session_close(&s, rc);
}

static int cmd_key_add(int argc, char **argv)
{
    if (argc != 1) return -1;
    char key[KEY_LEN + 1], hash[KEY_HASH_LEN + 1];
    keys_generate(key);
    keys_hash(key, hash);
    struct user_session s;
    enum rc rc = user_session_open(&s, argv[0]);
    if (rc == RC_OK) rc = s.st->ops->key_add(s.st, s.user.id, hash, &s.err);
    if (rc == RC_OK)
        printf("key %.*s added for <%s>; API key:\n%s\n", KEY_ID_LEN, hash, s.user.email, key);
    sodium_memzero(key, sizeof key);
    return user_session_close(&s, rc);
}

static int cmd_key_list(int argc, char **argv)
{
    if (argc != 1) return -1;
    struct user_session s;
    struct key_info *keys = NULL;
    size_t n = 0;
    enum rc rc = user_session_open(&s, argv[0]);
    if (rc == RC_OK) rc = s.st->ops->key_list(s.st, s.user.id, &s.a, &keys, &n, &s.err);
    if (rc == RC_OK) printf("id\tsource\tcreated\tlast used\n");
    for (size_t i = 0; rc == RC_OK && i < n; i++) {
        char created[21], used[21];
        printf("%s\t%s\t%s\t%s\n", keys[i].id,
               keys[i].source == KEY_EXTERNAL ? "licence" : "local",
               when(keys[i].created_at, created), when(keys[i].last_used_at, used));
    }
    return user_session_close(&s, rc);
}

/* An id from `key list` (8 or more hex digits), else a whole key, hashed. */
static const char *key_selector(const char *arg, char hash[KEY_HASH_LEN + 1])
{
    size_t n = strlen(arg);
    if (n >= 8 && n <= KEY_HASH_LEN && strspn(arg, "0123456789abcdef") == n) return arg;
    keys_hash(arg, hash);
    return hash;
}

static int cmd_key_revoke(int argc, char **argv)
{
    if (argc != 2) return -1;
    char hash[KEY_HASH_LEN + 1];
    const char *which = key_selector(argv[1], hash);
    struct user_session s;
    enum rc rc = user_session_open(&s, argv[0]);
    if (rc == RC_OK) rc = s.st->ops->key_revoke(s.st, s.user.id, which, &s.err);
    if (rc == RC_NOT_FOUND && s.user.id) {
        s.err = (struct err){0}; /* the store's "no such key", said for the operator */
        err_set(&s.err, RC_NOT_FOUND, "<%s> has no key %s (see `leadgen key list %s`)",
                s.user.email, argv[1], s.user.email);
    }
    if (rc == RC_OK)
        printf("revoked key %.*s of <%s> (a running server stops accepting it within a "
               "minute)\n", KEY_ID_LEN, which, s.user.email);
    return user_session_close(&s, rc);
}

/* ---- upgrades -------------------------------------------------------------- */

static int cmd_migrate(int argc, char **argv)
{
    bool dry_run = argc == 1 && strcmp(argv[0], "--dry-run") == 0;
    if (argc > 1 || (argc == 1 && !dry_run)) return -1;
    struct store_plan plan;
    struct err err = {0};
    if (store_plan(cfg.db, &plan, &err) != RC_OK ||
        store_refuse_newer(plan.store_max, plan.known_max, &err) != RC_OK) {
        complain("%s", err.msg);
        return 1;
    }
    printf("store schema version %d; this leadgen (" LEADGEN_VERSION ") brings it to %d\n",
           plan.store_max, plan.known_max);
    if (!plan.npending) printf("nothing to apply\n");
    for (size_t i = 0; i < plan.npending; i++)
        printf("%s migration %d\n", dry_run ? "would apply" : "applying", plan.pending[i]);
    if (dry_run || !plan.npending) return 0;
    struct store *st = open_store();
    if (!st) return 1;
    store_close(st);
    printf("done\n");
    return 0;
}

/* ---- sending accounts ------------------------------------------------------ */

/* Reads "--name value" pairs from argv; false (with a message) on anything else. */
struct options {
    const char *names[12];
    const char *values[12];
    int count;
};

static bool parse_options(int argc, char **argv, const char *const *allowed, struct options *o)
{
    o->count = 0;
    for (int i = 0; i < argc; i += 2) {
        bool known = false;
        for (const char *const *a = allowed; *a; a++) known = known || strcmp(*a, argv[i]) == 0;
        if (!known || i + 1 >= argc || o->count == 12) {
            fprintf(stderr, "leadgen: unexpected argument '%s'\n", argv[i]);
            return false;
        }
        o->names[o->count] = argv[i];
        o->values[o->count++] = argv[i + 1];
    }
    return true;
}

static const char *option(const struct options *o, const char *name)
{
    for (int i = 0; i < o->count; i++)
        if (strcmp(o->names[i], name) == 0) return o->values[i];
    return NULL;
}

static bool option_int(const struct options *o, const char *name, int64_t fallback, int64_t min,
                       int64_t max, int64_t *out)
{
    const char *v = option(o, name);
    *out = fallback;
    if (!v) return true;
    if (str_parse_int64(v, out) && *out >= min && *out <= max) return true;
    fprintf(stderr, "leadgen: %s must be a number from %lld to %lld\n", name, (long long)min,
            (long long)max);
    return false;
}

/* The secret named by --password-env / --refresh-token-env, read from the environment. */
static const char *secret_from_env(const struct options *o, const char *flag, bool required)
{
    const char *var = option(o, flag);
    if (!var) {
        if (required) fprintf(stderr, "leadgen: %s VAR is required\n", flag);
        return required ? NULL : "";
    }
    const char *value = getenv(var);
    if (!value || !*value) fprintf(stderr, "leadgen: environment variable %s is empty\n", var);
    return value && *value ? value : NULL;
}

/* --window "Mon-Fri 08:00-17:30" and --timezone Europe/Berlin, checked now so
 * that a typo is refused here rather than found by the sender. */
static bool sending_window(const struct options *o, struct account *acc)
{
    acc->send_window = option(o, "--window") ? option(o, "--window") : "";
    acc->timezone = option(o, "--timezone") ? option(o, "--timezone") : "UTC";
    struct err err = {0};
    if (window_check(acc->send_window, acc->timezone, &err) == RC_OK) return true;
    fprintf(stderr, "leadgen: %s\n", err.msg);
    return false;
}

static bool account_from_options(const char *type, const struct options *o, struct account *acc,
                                 const char **secret)
{
    bool smtp = strcmp(type, "smtp") == 0;
    *acc = (struct account){.type = type,
                            .address = option(o, "--address"),
                            .display_name = option(o, "--name"),
                            .smtp_host = option(o, "--host"),
                            .tls_mode = option(o, "--tls") ? option(o, "--tls") : "starttls",
                            .username = option(o, "--username"),
                            .imap_host = option(o, "--imap-host"),
                            .created_at = clock_now()};
    if (!acc->address || !lead_email_valid(acc->address)) {
        fprintf(stderr, "leadgen: --address must be a valid email address\n");
        return false;
    }
    if (smtp && !acc->smtp_host) {
        fprintf(stderr, "leadgen: --host is required for smtp accounts\n");
        return false;
    }
    if (strcmp(acc->tls_mode, "none") && strcmp(acc->tls_mode, "starttls") &&
        strcmp(acc->tls_mode, "tls")) {
        fprintf(stderr, "leadgen: --tls must be none, starttls or tls\n");
        return false;
    }
    if (!option_int(o, "--port", smtp ? 587 : 0, smtp ? 1 : 0, 65535, &acc->smtp_port) ||
        !option_int(o, "--imap-port", acc->imap_host ? 993 : 0, 0, 65535, &acc->imap_port) ||
        !option_int(o, "--daily-limit", 50, 1, 10000, &acc->daily_limit) ||
        !option_int(o, "--min-gap", 10, 0, 86400, &acc->min_gap) ||
        !option_int(o, "--max-extra", 20, 0, 86400, &acc->max_extra) || !sending_window(o, acc))
        return false;
    *secret = smtp ? secret_from_env(o, "--password-env", false)
                   : secret_from_env(o, "--refresh-token-env", true);
    return *secret != NULL;
}

static int cmd_account_add(int argc, char **argv)
{
    static const char *const smtp_opts[] = {"--address", "--host", "--port", "--username",
                                            "--password-env", "--tls", "--imap-host",
                                            "--imap-port", "--name", "--daily-limit",
                                            "--window", "--timezone", "--min-gap", "--max-extra",
                                            NULL};
    static const char *const gmail_opts[] = {"--address", "--refresh-token-env", "--name",
                                             "--daily-limit", "--window", "--timezone",
                                             "--min-gap", "--max-extra", NULL};
    if (argc < 2 || (strcmp(argv[0], "smtp") && strcmp(argv[0], "gmail"))) return -1;
    const char *type = argv[0], *email = argv[1];
    struct options o;
    if (!parse_options(argc - 2, argv + 2, strcmp(type, "smtp") ? gmail_opts : smtp_opts, &o))
        return 2;
    struct account acc;
    const char *secret;
    if (!account_from_options(type, &o, &acc, &secret)) return 2;
    struct user_session s;
    unsigned char key[SECRETS_KEY_LEN];
    int64_t id = 0;
    enum rc rc = user_session_open(&s, email);
    if (rc == RC_OK) rc = secrets_prepare(s.st, &s.err); /* no account under a wrong key */
    if (rc == RC_OK) rc = secrets_key(s.st, key, &s.err);
    if (rc == RC_OK) {
        char *context = arena_sprintf(&s.a, "account:%lld:%s:%s", (long long)s.user.id, type,
                                      acc.address);
        char *sealed = *secret ? secrets_seal(key, secret, context) : NULL;
        acc.secret = sealed;
        rc = s.st->ops->account_add(s.st, s.user.id, &acc, &id, &s.err);
        free(sealed);
        sodium_memzero(key, sizeof key);
    }
    if (rc == RC_OK) printf("%lld\n", (long long)id);
    return user_session_close(&s, rc);
}

static int cmd_account_list(int argc, char **argv)
{
    if (argc != 1) return -1;
    struct user_session s;
    struct account *list = NULL;
    size_t n = 0;
    enum rc rc = user_session_open(&s, argv[0]);
    if (rc == RC_OK) rc = s.st->ops->account_list(s.st, s.user.id, NULL, &s.a, &list, &n, &s.err);
    for (size_t i = 0; rc == RC_OK && i < n; i++)
        printf("%lld\t%s\t%s\t%s\t%s\n", (long long)list[i].id, list[i].type, list[i].address,
               strcmp(list[i].type, "gmail") == 0
                   ? "gmail (OAuth)"
                   : arena_sprintf(&s.a, "%s:%lld", list[i].smtp_host, (long long)list[i].smtp_port),
               strcmp(list[i].state, "ok") == 0
                   ? "ok"
                   : arena_sprintf(&s.a, "needs authorising again: %s", list[i].state_reason));
    return user_session_close(&s, rc);
}

static int cmd_account_remove(int argc, char **argv)
{
    int64_t id;
    if (argc != 2) return -1;
    if (!str_parse_int64(argv[1], &id)) {
        fprintf(stderr, "leadgen: ID must be a number\n");
        return 2;
    }
    struct user_session s;
    enum rc rc = user_session_open(&s, argv[0]);
    if (rc == RC_OK) rc = s.st->ops->account_remove(s.st, s.user.id, id, &s.err);
    if (rc == RC_OK) printf("removed %lld\n", (long long)id);
    return user_session_close(&s, rc);
}

/* ---- crawl ----------------------------------------------------------------- */

/* One progress line on a terminal, rewritten as pages come in. */
static void crawl_progress(void *cls, int pages, size_t emails)
{
    (void)cls;
    fprintf(stderr, "\r\033[Kcrawling: %d of at most %d pages, %zu emails so far", pages,
            CRAWL_MAX_PAGES, emails);
}

/* The same crawl as crawl.php, without a server: prints the endpoint's data object,
 * with progress on stderr when that is a terminal. */
static int cmd_crawl(int argc, char **argv)
{
    if (argc != 1) return -1;
    static const struct crawl_progress progress = {crawl_progress, NULL};
    struct arena a;
    arena_init(&a);
    const char *url;
    bool implied;
    struct crawl_result r;
    struct err err = {0};
    int status = 0;
    if (crawl_normalize(argv[0], &a, &url, &implied, &err) != RC_OK) {
        status = 2;
    } else if (crawl_site_reporting(url, implied, isatty(STDERR_FILENO) ? &progress : NULL, &a,
                                    &r, &err) != RC_OK) {
        status = 1;
    } else {
        r.domain = crawl_domain_echo(argv[0], r.url, &a);
        json_t *data = crawl_result_json(&r);
        char *text = arena_json_dumps(&a, data, JSON_INDENT(2));
        json_decref(data);
        if (text) {
            printf("%s\n", text);
        } else {
            err_set(&err, RC_INVALID, "cannot serialise the result");
            status = 1;
        }
    }
    if (isatty(STDERR_FILENO)) fputs("\r\033[K", stderr); /* the progress line goes */
    if (status) fprintf(stderr, "leadgen: %s\n", err.msg);
    arena_cleanup(&a);
    return status;
}

/* ---- serve ---------------------------------------------------------------- */

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* SIGINT and SIGTERM ask the main loop to stop cleanly; SIGPIPE is ignored
 * (a client that hangs up is an error on its socket, not a reason to die). */
static void catch_stop_signals(void)
{
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
}

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* First start: a store without users gets one, so `make run` is usable at once. */
static int ensure_first_user(struct store *st)
{
    int64_t users = 0;
    struct err err = {0};
    if (st->ops->user_count(st, &users, &err) != RC_OK) {
        complain("%s", err.msg);
        return 1;
    }
    if (users > 0) return 0;
    return create_user(st, "admin@localhost.localdomain", cfg.first_user_credits, NULL);
}

/* The sealing key: LEADGEN_SECRET, or generated once into the key file; it
 * must open the account secrets already stored, or nothing may start. */
static int ensure_secret(struct store *st)
{
    struct stat key_sb, db_sb;
    if (cfg.secret_file &&
        (strcmp(cfg.secret_file, cfg.db) == 0 ||
         (stat(cfg.secret_file, &key_sb) == 0 && stat(cfg.db, &db_sb) == 0 &&
          key_sb.st_dev == db_sb.st_dev && key_sb.st_ino == db_sb.st_ino))) {
        complain("LEADGEN_SECRET_FILE names the store itself; the key must live outside it");
        return 1;
    }
    struct err err = {0};
    if (secrets_prepare(st, &err) != RC_OK) {
        complain("%s", err.msg);
        return 1;
    }
    return 0;
}

/* Whether holder ("host:pid", store_holder()) names a process of this machine
 * that is gone: its reservations can be refunded without waiting. */
static bool holder_is_dead(const char *holder)
{
    const char *self = store_holder(), *colon = strrchr(holder, ':');
    const char *self_colon = strrchr(self, ':');
    if (!colon || !self_colon || colon - holder != self_colon - self ||
        strncmp(holder, self, (size_t)(colon - holder)) != 0 || strcmp(holder, self) == 0)
        return false;
    int64_t pid;
    return str_parse_int64(colon + 1, &pid) && pid > 0 && pid <= INT32_MAX &&
           kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* At start-up: refunds what processes of this machine that died (a crash,
 * kill -9) still held, instead of waiting for the stale horizon. */
static void release_dead_holders(struct store *st)
{
    struct arena a;
    arena_init(&a);
    struct err err = {0};
    const char **holders = NULL;
    size_t n = 0;
    if (st->ops->credits_holders(st, &a, &holders, &n, &err) != RC_OK)
        log_warn("listing reservation holders: %s", err.msg);
    for (size_t i = 0; i < n; i++) {
        int64_t released = 0;
        if (!holder_is_dead(holders[i])) continue;
        if (st->ops->credits_release_holder(st, holders[i], &released, &err) != RC_OK)
            log_warn("releasing reservations of %s: %s", holders[i], err.msg);
        else if (released)
            log_warn("released %lld reservations held by %s, which is no longer running",
                     (long long)released, holders[i]);
    }
    arena_cleanup(&a);
}

/* No request holds a reservation this long (a crawl stops at 90 s; a search
 * tries each provider of its chain for at most the upstream timeout); older
 * ones belong to a process, on another machine, that died. */
static int64_t stale_reservation_s(void)
{
    int64_t longest = cfg.upstream_timeout * 6;
    return longest > 300 ? longest : 300;
}

/* Expired cache rows and reservations orphaned by a crash are cleaned here. */
static void housekeeping(struct store *st)
{
    struct err err = {0};
    int64_t removed = 0, released = 0;
    int64_t now = clock_now();
    if (st->ops->cache_purge(st, now, &removed, &err) != RC_OK)
        log_warn("cache purge: %s", err.msg);
    if (st->ops->credits_release_stale(st, now - stale_reservation_s(), &released, &err) != RC_OK)
        log_warn("releasing stale reservations: %s", err.msg);
    if (released)
        log_warn("released %lld reservations left by an interrupted run", (long long)released);
}

static struct server_options serve_options(void)
{
    return (struct server_options){
        .listen = cfg.listen,
        .threads = (unsigned)cfg.threads,
        .workers = (unsigned)cfg.workers,
        .user_inflight = (unsigned)cfg.user_inflight,
        .queued = {[JOB_UPSTREAM] = (unsigned)cfg.queue_upstream,
                   [JOB_VERIFY] = (unsigned)cfg.queue_verify,
                   [JOB_AI] = (unsigned)cfg.queue_ai,
                   [JOB_LICENCE] = (unsigned)cfg.queue_licence},
        .max_connections = (unsigned)cfg.max_connections,
        .max_connections_per_ip = (unsigned)cfg.max_connections_per_ip,
        .client_timeout = (unsigned)cfg.client_timeout,
        .access_log = cfg.access_log,
        .cors_origins = cfg.cors_origins,
    };
}

/* The options the handlers hand to the domain modules; what they build (the
 * default MAIL FROM) lives in a for the whole run. */
static struct api_options api_options_from_config(struct arena *a)
{
    long upstream_ms = (long)cfg.upstream_timeout * 1000;
    struct api_options o = {
        .serp = {.provider = cfg.search_provider,
                 .google_url = cfg.google_search_url,
                 .bing_url = cfg.bing_search_url,
                 .scraperapi_url = cfg.scraperapi_url,
                 .scraperapi_key = cfg.scraperapi_key,
                 .scraperapi_country = cfg.scraperapi_country,
                 .scraperapi_render = cfg.scraperapi_render,
                 .serpapi_url = cfg.serpapi_url,
                 .serpapi_key = cfg.serpapi_key,
                 .searxng_url = cfg.searxng_url,
                 .chromium = cfg.chromium,
                 .browser_tabs = (int)cfg.browser_tabs,
                 .browser_max_mb = (long)cfg.browser_max_mb,
                 .resolve = cfg.resolve,
                 .allow_private = cfg.allow_private_targets,
                 .timeout_ms = upstream_ms},
        .places = {.url = cfg.places_url, .key = cfg.places_key, .timeout_ms = upstream_ms,
                   .parallel = (unsigned)cfg.places_parallel},
        .ai = {.url = cfg.ai_url, .key = cfg.ai_key, .model = cfg.ai_model,
               .timeout_ms = upstream_ms},
        .verify = {.dns = {.servers = cfg.dns_servers,
                           .timeout_ms = (int)cfg.dns_timeout * 1000,
                           .tries = 2},
                   .probe = {.port = (int)cfg.smtp_probe_port,
                             .helo = cfg.smtp_helo,
                             .from = cfg.smtp_from,
                             .connect_timeout_ms = (int)cfg.smtp_connect_timeout * 1000,
                             .command_timeout_ms = (int)cfg.smtp_timeout * 1000,
                             .per_host = (int)cfg.smtp_per_host,
                             .allow_private = cfg.allow_private_targets,
                             .off = strcmp(cfg.smtp_probe, "off") == 0,
                             .proxies = smtp_proxies,
                             .nproxies = smtp_nproxies},
                   .deadline_ms = (int)cfg.verify_timeout * 1000},
    };
    verify_options_fill_identity(&o.verify, a);
    return o;
}

/* Whether probes can reach port 25, asked once in the background so start-up
 * does not wait for a blocked port's time-out. */
static void *port25_check(void *arg)
{
    (void)arg;
    char why[300];
    if (!verify_port25_open(5000, why, sizeof why))
        log_warn("outbound port 25 looks blocked (%s): mailbox probes will answer unknown; set "
                 "LEADGEN_SMTP_PROXY=socks5://host:port to probe through a relay where it is "
                 "open, or LEADGEN_SMTP_PROBE=off to skip probes at once", why);
    return NULL;
}

/* Skipped when probes do not use port 25 directly (a proxy, probing off, a test port). */
static void start_port25_check(void)
{
    if (strcmp(cfg.smtp_probe, "off") == 0 || smtp_nproxies > 0 || cfg.smtp_probe_port != 25)
        return;
    pthread_t t;
    if (pthread_create(&t, NULL, port25_check, NULL) == 0) pthread_detach(t);
}

/* The sender's options: URLs and limits from the configuration, and the key
 * that signs unsubscribe links, derived from the store's sealing secret so
 * that every process (serve, worker) signs and checks the same way. */
static struct sender_options sender_options_from_config(struct store *st, struct arena *a,
                                                        struct err *err)
{
    static unsigned char link_key[32];
    unsigned char key[SECRETS_KEY_LEN];
    static const char context[] = "leadgen unsubscribe links";
    if (secrets_key(st, key, err) == RC_OK)
        crypto_generichash(link_key, sizeof link_key, (const unsigned char *)context,
                           sizeof context - 1, key, sizeof key);
    sodium_memzero(key, sizeof key);
    const char *public_url = cfg.public_url ? cfg.public_url : arena_sprintf(a, "http://%s", cfg.listen);
    size_t n = strlen(public_url);
    while (n > 0 && public_url[n - 1] == '/') n--;
    return (struct sender_options){
        .public_url = arena_strndup(a, public_url, n),
        .link_key = link_key,
        .link_key_len = sizeof link_key,
        .oauth = {.token_url = cfg.oauth_token_url,
                  .client_id = cfg.google_client_id,
                  .client_secret = cfg.google_client_secret,
                  .timeout_ms = (long)cfg.send_timeout * 1000},
        .gmail_smtp = cfg.gmail_smtp,
        .gmail_imap = cfg.gmail_imap,
        .gmail_sent_folder = cfg.gmail_sent_folder,
        .timeout_ms = (long)cfg.send_timeout * 1000,
        .guard_private = !cfg.allow_private_targets,
        .resolve = cfg.resolve,
        .reconcile_after = cfg.send_timeout * 2,
    };
}

static struct scheduler *start_scheduler(struct store *st, const struct sender_options *so)
{
    struct err err = {0};
    struct scheduler *sch = scheduler_start(st, so, cfg.cron_interval, &err);
    if (!sch) complain("%s", err.msg);
    return sch;
}

/* Signed webhook deliveries (async jobs, campaign events) from the store's outbox. */
static struct webhooks_deliverer *start_webhooks(struct store *st)
{
    struct webhooks_options o = {.guard_private = !cfg.allow_private_targets,
                                 .timeout_ms = (long)cfg.upstream_timeout * 1000,
                                 .first_retry = cfg.webhook_retry};
    struct err err = {0};
    struct webhooks_deliverer *d = webhooks_start(st, &o, &err);
    if (!d) log_error("%s", err.msg);
    return d;
}

static int cmd_serve(int argc, char **argv)
{
    if (argc > 1 || (argc == 1 && strcmp(argv[0], "--no-scheduler") != 0)) return -1;
    bool scheduler = argc == 0;
    catch_stop_signals(); /* before anything can answer: a stop may follow the first answer */
    long_running = true;
    raise_fd_limit();
    struct store *st = open_store();
    if (!st) return 1;
    if (ensure_first_user(st) || ensure_secret(st)) {
        store_close(st);
        return 1;
    }
    release_dead_holders(st);
    housekeeping(st);
    static struct arena run_arena; /* lives as long as the process serves */
    arena_init(&run_arena);
    struct api_options api = api_options_from_config(&run_arena);
    struct err key_err = {0};
    struct sender_options so = sender_options_from_config(st, &run_arena, &key_err);
    api.unsubscribe_key = so.link_key;
    api.unsubscribe_key_len = so.link_key_len;
    api_configure(&api);
    struct server_options opt = serve_options();
    opt.routes = (struct route_table){api_routes, api_routes_count};
    struct err err = {0};
    struct server *srv = server_start(st, &opt, &err);
    if (!srv) {
        complain("%s", err.msg);
        store_close(st);
        return 1;
    }
    log_info("leadgen " LEADGEN_VERSION " listening on http://%.*s:%u (store: %s)",
             (int)(strrchr(opt.listen, ':') - opt.listen), opt.listen, server_port(srv),
             st->ops->name);
    start_port25_check();
    struct scheduler *sch = scheduler ? start_scheduler(st, &so) : NULL;
    struct async_runner *runner = async_start(st, &opt.routes, (unsigned)cfg.workers, &err);
    struct webhooks_deliverer *hooks = start_webhooks(st);
    malloc_trim(0); /* start-up (migrations, first user) left freed heap behind */
    for (int tick = 0; !stop_requested; tick++) {
        struct timespec second = {1, 0};
        nanosleep(&second, NULL);
        if (tick % 60 == 59) housekeeping(st);
    }
    log_info("shutting down");
    scheduler_stop(sch);
    async_stop(runner);
    webhooks_stop(hooks);
    server_stop(srv);
    serp_browser_shutdown();
    store_close(st);
    log_info("stopped");
    return 0;
}

/* The scheduler (campaign sending, reply and bounce polling) and the webhook
 * deliverer, so the campaign events it queues go out without a serve. */
static int cmd_worker(int argc, char **argv)
{
    (void)argv;
    if (argc != 0) return -1;
    catch_stop_signals();
    long_running = true;
    struct store *st = open_store();
    if (!st) return 1;
    if (ensure_secret(st)) {
        store_close(st);
        return 1;
    }
    static struct arena run_arena;
    arena_init(&run_arena);
    struct err err = {0};
    struct sender_options so = sender_options_from_config(st, &run_arena, &err);
    struct scheduler *sch = start_scheduler(st, &so);
    if (!sch) {
        store_close(st);
        return 1;
    }
    struct webhooks_deliverer *hooks = start_webhooks(st);
    log_info("leadgen worker sending every %lld s (store: %s)", (long long)cfg.cron_interval,
             st->ops->name);
    while (!stop_requested) {
        struct timespec second = {1, 0};
        nanosleep(&second, NULL);
    }
    log_info("shutting down");
    scheduler_stop(sch);
    webhooks_stop(hooks);
    store_close(st);
    arena_cleanup(&run_arena);
    log_info("stopped");
    return 0;
}

/* MCP over stdio: newline-delimited JSON-RPC for the user of LEADGEN_API_KEY. */
static int cmd_mcp(int argc, char **argv)
{
    (void)argv;
    if (argc != 0) return -1;
    const char *key = getenv("LEADGEN_API_KEY");
    if (!key || !*key) {
        fprintf(stderr, "leadgen: mcp needs LEADGEN_API_KEY\n");
        return 1;
    }
    struct store *st = open_store();
    if (!st) return 1;
    static struct arena run_arena;
    arena_init(&run_arena);
    struct api_options api = api_options_from_config(&run_arena);
    api_configure(&api);
    signal(SIGPIPE, SIG_IGN);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
        if (n == 0) continue;
        char *out = api_mcp_handle(line, (size_t)n, key, st);
        if (out) {
            fputs(out, stdout);
            fputc('\n', stdout);
            fflush(stdout);
        }
        free(out);
    }
    free(line);
    store_close(st);
    arena_cleanup(&run_arena);
    return 0;
}

/* The progress line of store copy, rewritten in place on a terminal. */
static void copy_progress(void *ctx, const char *table, int64_t done, int64_t total)
{
    (void)ctx;
    fprintf(stderr, "\r\033[Kcopying %s: %lld/%lld rows", table, (long long)done,
            (long long)total);
    if (done == total) fputc('\n', stderr);
}

/* The configured store into an empty one (another backend, usually). */
static int cmd_store_copy(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[0], "--to") != 0) return -1;
    struct store_options opt = store_options();
    struct err err = {0};
    struct store *from = open_store(), *to = NULL;
    if (from && !(to = store_open_with(argv[1], &opt, &err)))
        fprintf(stderr, "leadgen: %s\n", err.msg);
    if (!to) {
        store_close(from);
        return 1;
    }
    struct arena a;
    arena_init(&a);
    struct store_copy_count *counts;
    size_t n;
    double started = clock_mono_ms();
    enum rc rc = store_copy(from, to, isatty(STDERR_FILENO) ? copy_progress : NULL, NULL, &a,
                            &counts, &n, &err);
    double seconds = (clock_mono_ms() - started) / 1000;
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        printf("%-20s %lld\n", counts[i].table, (long long)counts[i].rows);
        total += counts[i].rows;
    }
    if (rc == RC_OK)
        printf("copied %lld rows in %zu tables from %s to %s in %.1f s\n", (long long)total, n,
               from->ops->name, to->ops->name, seconds);
    else fprintf(stderr, "leadgen: %s\n", err.msg);
    arena_cleanup(&a);
    store_close(to);
    store_close(from);
    return rc == RC_OK ? 0 : 1;
}

static int cmd_help(int argc, char **argv);

static int cmd_version(int argc, char **argv)
{
    (void)argv;
    if (argc != 0) return -1;
    printf("leadgen " LEADGEN_VERSION "\n");
    return 0;
}

static const struct command commands[] = {
    {"serve", "serve [--no-scheduler]", cmd_serve,
     "run the HTTP API, with the campaign scheduler unless --no-scheduler"},
    {"mcp", "mcp", cmd_mcp, "speak MCP on stdin/stdout for the user of LEADGEN_API_KEY"},
    {"worker", "worker", cmd_worker,
     "run only the campaign scheduler (sending, replies, bounces) and webhook deliveries"},
    {"user add", "user add EMAIL [--credits N] [--password-env VAR]", cmd_user_add,
     "create a user (with a dashboard password from VAR); prints the API key on the last line"},
    {"user password", "user password EMAIL --password-env VAR", cmd_user_password,
     "set a user's dashboard password from environment variable VAR"},
    {"user list", "user list", cmd_user_list, "list users: email, balance, keys, created"},
    {"user show", "user show EMAIL", cmd_user_show,
     "show a user's balance, key count and last ledger entries"},
    {"key add", "key add EMAIL", cmd_key_add,
     "give a user another API key; prints it on the last line"},
    {"key list", "key list EMAIL", cmd_key_list,
     "list a user's keys by id with when each was last used (never the key)"},
    {"key revoke", "key revoke EMAIL KEY_OR_ID", cmd_key_revoke,
     "revoke a user's key, given whole or by its id from key list"},
    {"credits add", "credits add EMAIL N", cmd_credits_add,
     "add N credits to a user; prints the new balance"},
    {"credits show", "credits show EMAIL", cmd_credits_show, "print a user's balance"},
    {"account add", "account add smtp EMAIL --address A --host H [--port P] [--username U "
                    "--password-env VAR] [--tls none|starttls|tls] [--imap-host H --imap-port P] "
                    "[--name N] [--daily-limit N] [--window W --timezone Z] [--min-gap S] "
                    "[--max-extra S]",
     cmd_account_add, "connect an SMTP sending account to user EMAIL; prints its id"},
    {"account add", "account add gmail EMAIL --address A --refresh-token-env VAR [--name N] "
                    "[--daily-limit N] [--window W --timezone Z] [--min-gap S] [--max-extra S]",
     cmd_account_add, "connect a Gmail (OAuth) sending account; prints its id"},
    {"account list", "account list EMAIL", cmd_account_list, "list a user's sending accounts"},
    {"account remove", "account remove EMAIL ID", cmd_account_remove,
     "remove a sending account no campaign uses"},
    {"store copy", "store copy --to URL", cmd_store_copy,
     "copy the whole store (LEADGEN_DB) into an empty one: a file or postgres://..."},
    {"crawl", "crawl URL", cmd_crawl, "crawl a site as crawl.php does; prints the data object"},
    {"leads import", "leads import EMAIL PROJECT_ID FILE.csv", cli_leads_import,
     "add a CSV file's rows to a user's project as leads.php does; prints the counts"},
    {"leads export", "leads export EMAIL PROJECT_ID [FILE.csv]", cli_leads_export,
     "write a project's leads as CSV (to stdout without FILE)"},
    {"subject export", "subject export ADDRESS", cli_subject_export,
     "print every record of every user that holds ADDRESS, as JSON (GDPR art. 15)"},
    {"subject erase", "subject erase ADDRESS", cli_subject_erase,
     "erase ADDRESS everywhere and keep only a keyed hash so it never returns (GDPR art. 17)"},
    {"migrate", "migrate [--dry-run]", cmd_migrate,
     "apply pending store migrations; --dry-run lists them and changes nothing"},
    {"help", "help", cmd_help, "show this list (also --help)"},
    {"version", "version", cmd_version, "print the version (also --version)"},
};
enum { COMMAND_COUNT = sizeof commands / sizeof commands[0] };

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("usage: leadgen COMMAND\n\ncommands:\n");
    for (int i = 0; i < COMMAND_COUNT; i++)
        printf("  %s\n      %s\n", commands[i].usage, commands[i].help);
    printf("\nconfiguration (environment, or KEY=value lines in $LEADGEN_CONFIG):\n");
    int n;
    const struct config_var *vars = config_table(&n);
    for (int i = 0; i < n; i++) {
        char accepts[200] = "";
        if (vars[i].type != CONFIG_STRING) config_accepts(&vars[i], accepts, sizeof accepts);
        printf("  %-30s %s%s%s%s%s\n", vars[i].name, vars[i].help, *accepts ? "; " : "", accepts,
               vars[i].fallback ? "; default " : "", vars[i].fallback ? vars[i].fallback : "");
    }
    return 0;
}

/* The modules every command may reach get their options before any runs. */
static void configure_modules(void)
{
    enum log_format format = LOG_AUTO;
    enum log_level level = LOG_INFO;
    log_format_parse(cfg.log_format, &format); /* the config row admits only these words */
    log_level_parse(cfg.log_level, &level);
    log_configure(format, level);
    clock_set_offset(cfg.time_offset);
    http_configure(&(struct http_net_options){.resolve = cfg.resolve,
                                              .allow_private = cfg.allow_private_targets});
    auth_configure(&(struct auth_options){
        .url = cfg.auth_url, .ttl = cfg.auth_ttl, .checks_per_ip = cfg.auth_checks_per_ip});
    static char *default_key_file;
    free(default_key_file);
    default_key_file = cfg.secret_file ? NULL : secrets_default_file(cfg.db);
    secrets_configure(cfg.secret, cfg.secret_file ? cfg.secret_file : default_key_file);
    crawl_configure(&(struct crawl_options){.obey_robots = cfg.obey_robots});
    static char base_url[300];
    snprintf(base_url, sizeof base_url, "%s", cfg.public_url ? cfg.public_url : "");
    if (!cfg.public_url) snprintf(base_url, sizeof base_url, "http://%s", cfg.listen);
    for (size_t n = strlen(base_url); n > 0 && base_url[n - 1] == '/'; n--) base_url[n - 1] = '\0';
    web_configure(&(struct web_options){.public_url = cfg.public_url,
                                        .base_url = base_url,
                                        .oauth_auth_url = cfg.oauth_auth_url,
                                        .oauth_token_url = cfg.oauth_token_url,
                                        .oauth_userinfo_url = cfg.oauth_userinfo_url,
                                        .google_client_id = cfg.google_client_id,
                                        .google_client_secret = cfg.google_client_secret,
                                        .gmail_smtp = cfg.gmail_smtp,
                                        .gmail_imap = cfg.gmail_imap,
                                        .resolve = cfg.resolve,
                                        .mail_timeout_ms = (long)cfg.send_timeout * 1000,
                                        .guard_private = !cfg.allow_private_targets});
}

/* Number of leading argv words that spell the command, or 0. */
static int words_match(const char *words, int argc, char **argv)
{
    int used = 0;
    for (const char *w = words; *w;) {
        size_t n = strcspn(w, " ");
        if (used >= argc || strlen(argv[used]) != n || strncmp(argv[used], w, n) != 0) return 0;
        used++;
        w += n;
        if (*w == ' ') w++;
    }
    return used;
}

/* Names what was not understood: a command, or a subcommand of a known one
 * (with the subcommands it has). */
static int unknown_command(int argc, char **argv)
{
    char subcommands[256] = "";
    size_t used = 0, first_len = strlen(argv[1]);
    for (int i = 0; i < COMMAND_COUNT; i++) {
        const char *w = commands[i].words;
        if (strncmp(w, argv[1], first_len) != 0 || w[first_len] != ' ') continue;
        const char *sub = w + first_len + 1;
        if (strstr(subcommands, sub)) continue; /* "account add" has two rows */
        used += (size_t)snprintf(subcommands + used, sizeof subcommands - used, "%s%s",
                                 used ? ", " : "", sub);
        if (used >= sizeof subcommands) break;
    }
    if (!*subcommands)
        fprintf(stderr, "leadgen: unknown command '%s' (try `leadgen help`)\n", argv[1]);
    else if (argc < 3)
        fprintf(stderr, "leadgen: '%s' needs a subcommand: %s\n", argv[1], subcommands);
    else
        fprintf(stderr, "leadgen: unknown subcommand '%s' of '%s' (it has: %s)\n", argv[2],
                argv[1], subcommands);
    return 2;
}

int cli_main(int argc, char **argv)
{
    struct err err = {0};
    /* answered before the configuration is read: a bad setting must not hide them */
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0))
        return cmd_help(0, NULL);
    if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0))
        return cmd_version(0, NULL);
    if (sodium_init() < 0) {
        fprintf(stderr, "leadgen: cannot initialise libsodium\n");
        return 1;
    }
    if (http_init(&err) != RC_OK) {
        fprintf(stderr, "leadgen: %s\n", err.msg);
        return 1;
    }
    if (config_load(&cfg, &err) != RC_OK) {
        fprintf(stderr, "leadgen: %s\n", err.msg);
        return 2;
    }
    arena_init(&proxy_arena);
    if (socks5_parse_list(cfg.smtp_proxy, &proxy_arena, &smtp_proxies, &smtp_nproxies, &err) !=
        RC_OK) {
        fprintf(stderr, "leadgen: LEADGEN_SMTP_PROXY: %s; expected "
                        "socks5://[user:pass@]host:port[,...]\n", err.msg);
        return 2;
    }
    if (ratelimit_configure(cfg.rate_limit, &err) != RC_OK) {
        fprintf(stderr, "leadgen: LEADGEN_RATE_LIMIT=%s: %s\n", cfg.rate_limit, err.msg);
        return 2;
    }
    configure_modules();
    if (argc < 2) return cmd_help(0, NULL), 2;
    for (int i = 0; i < COMMAND_COUNT; i++) {
        int used = words_match(commands[i].words, argc - 1, argv + 1);
        if (!used) continue;
        int rc = commands[i].fn(argc - 1 - used, argv + 1 + used);
        if (rc == -1) {
            fprintf(stderr, "usage: leadgen %s\n", commands[i].usage);
            return 2;
        }
        return rc;
    }
    return unknown_command(argc, argv);
}
