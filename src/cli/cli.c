/* The command table: `leadgen serve`, `user add`, `credits add`, ... Each
 * command opens the store from the configuration and calls the same core
 * and store operations the API uses. */
#include "cli/cli.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "config.h"
#include "core/keys.h"
#include "domain/leads.h"
#include "http/server.h"
#include "net/http.h"

#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

struct command {
    const char *words; /* "user add" */
    const char *usage;
    int (*fn)(int argc, char **argv); /* argv after the command words */
    const char *help;
};

static struct store *open_store(void)
{
    struct err err = {0};
    struct store *st = store_open(config_get("LEADGEN_DB"), &err);
    if (!st) fprintf(stderr, "leadgen: %s\n", err.msg);
    return st;
}

/* Creates a user with a fresh key; prints the key alone on the last line. */
static int create_user(struct store *st, const char *email, int64_t credits)
{
    char key[KEY_LEN + 1], hash[KEY_HASH_LEN + 1];
    keys_generate(key);
    keys_hash(key, hash);
    int64_t id;
    struct err err = {0};
    if (st->ops->user_create(st, email, credits, hash, &id, &err) != RC_OK) {
        fprintf(stderr, "leadgen: %s\n", err.msg);
        return 1;
    }
    printf("user %lld <%s> created with %lld credits; API key:\n%s\n", (long long)id, email,
           (long long)credits, key);
    fflush(stdout);
    return 0;
}

static int cmd_user_add(int argc, char **argv)
{
    int64_t credits = 0;
    if (argc != 1 && !(argc == 3 && strcmp(argv[1], "--credits") == 0)) return -1;
    if (argc == 3 && (!str_parse_int64(argv[2], &credits) || credits < 0)) {
        fprintf(stderr, "leadgen: --credits must be a whole number >= 0\n");
        return 2;
    }
    if (!lead_email_valid(argv[0])) {
        fprintf(stderr, "leadgen: '%s' is not a valid email address\n", argv[0]);
        return 2;
    }
    struct store *st = open_store();
    if (!st) return 1;
    int rc = create_user(st, argv[0], credits);
    store_close(st);
    return rc;
}

static int cmd_credits_add(int argc, char **argv)
{
    int64_t amount;
    if (argc != 2) return -1;
    if (!str_parse_int64(argv[1], &amount)) {
        fprintf(stderr, "leadgen: N must be a whole number\n");
        return 2;
    }
    struct store *st = open_store();
    if (!st) return 1;
    struct arena a;
    arena_init(&a);
    struct user user;
    int64_t balance = 0;
    struct err err = {0};
    enum rc rc = st->ops->user_by_email(st, argv[0], &a, &user, &err);
    if (rc == RC_OK) rc = st->ops->credits_add(st, user.id, amount, "cli", &balance, &err);
    if (rc == RC_OK) printf("%lld\n", (long long)balance);
    else fprintf(stderr, "leadgen: %s\n", err.msg);
    arena_cleanup(&a);
    store_close(st);
    return rc == RC_OK ? 0 : 1;
}

/* ---- serve ---------------------------------------------------------------- */

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
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
        fprintf(stderr, "leadgen: %s\n", err.msg);
        return 1;
    }
    if (users > 0) return 0;
    return create_user(st, "admin@localhost.localdomain",
                       config_int("LEADGEN_FIRST_USER_CREDITS", 100, 0, INT64_MAX / 2));
}

/* LEADGEN_SECRET, when not configured, is generated once and kept in the store. */
static int ensure_secret(struct store *st)
{
    const char *secret = config_get("LEADGEN_SECRET");
    if (secret && *secret) return 0;
    char fresh[65];
    str_random_hex(32, fresh);
    struct err err = {0};
    if (st->ops->meta_set_once(st, "secret", fresh, &err) != RC_OK) {
        fprintf(stderr, "leadgen: %s\n", err.msg);
        return 1;
    }
    return 0;
}

/* Expired cache rows and reservations orphaned by a crash are cleaned here. */
static void housekeeping(struct store *st)
{
    struct err err = {0};
    int64_t removed = 0, released = 0;
    int64_t now = clock_now();
    if (st->ops->cache_purge(st, now, &removed, &err) != RC_OK) log_warn("cache purge: %s", err.msg);
    /* no request holds a reservation for 15 minutes; older ones belong to a dead process */
    if (st->ops->credits_release_stale(st, now - 900, &released, &err) != RC_OK)
        log_warn("releasing stale reservations: %s", err.msg);
    if (released) log_warn("released %lld reservations left by an interrupted run", (long long)released);
}

static struct server_options serve_options(void)
{
    return (struct server_options){
        .listen = config_get("LEADGEN_LISTEN"),
        .threads = (unsigned)config_int("LEADGEN_THREADS", 0, 0, 64),
        .workers = (unsigned)config_int("LEADGEN_WORKERS", 64, 1, 1024),
        .max_connections = (unsigned)config_int("LEADGEN_MAX_CONNECTIONS", 4096, 16, 1000000),
        .client_timeout = (unsigned)config_int("LEADGEN_CLIENT_TIMEOUT", 30, 1, 3600),
        .access_log = config_bool("LEADGEN_ACCESS_LOG"),
    };
}

static int cmd_serve(int argc, char **argv)
{
    /* --no-scheduler is accepted now so scripts keep working once the scheduler lands */
    if (argc > 1 || (argc == 1 && strcmp(argv[0], "--no-scheduler") != 0)) return -1;
    raise_fd_limit();
    struct store *st = open_store();
    if (!st) return 1;
    if (ensure_first_user(st) || ensure_secret(st)) {
        store_close(st);
        return 1;
    }
    housekeeping(st);
    struct server_options opt = serve_options();
    struct err err = {0};
    struct server *srv = server_start(st, &opt, &err);
    if (!srv) {
        fprintf(stderr, "leadgen: %s\n", err.msg);
        store_close(st);
        return 1;
    }
    log_info("leadgen listening on http://%.*s:%u (store: %s)",
             (int)(strrchr(opt.listen, ':') - opt.listen), opt.listen, server_port(srv),
             st->ops->name);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    for (int tick = 0; !stop_requested; tick++) {
        struct timespec second = {1, 0};
        nanosleep(&second, NULL);
        if (tick % 600 == 599) housekeeping(st);
    }
    log_info("shutting down");
    server_stop(srv);
    store_close(st);
    return 0;
}

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
    {"serve", "serve [--no-scheduler]", cmd_serve, "run the HTTP API"},
    {"user add", "user add EMAIL [--credits N]", cmd_user_add,
     "create a user; prints the API key on the last line"},
    {"credits add", "credits add EMAIL N", cmd_credits_add,
     "add N credits to a user; prints the new balance"},
    {"help", "help", cmd_help, "show this list"},
};
enum { COMMAND_COUNT = sizeof commands / sizeof commands[0] };

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("usage: leadgen COMMAND\n\ncommands:\n");
    for (int i = 0; i < COMMAND_COUNT; i++)
        printf("  %-40s %s\n", commands[i].usage, commands[i].help);
    printf("\nconfiguration (environment, or KEY=value lines in $LEADGEN_CONFIG):\n");
    int n;
    const struct config_var *vars = config_table(&n);
    for (int i = 0; i < n; i++)
        printf("  %-30s %s%s%s\n", vars[i].name, vars[i].help, vars[i].fallback ? "; default " : "",
               vars[i].fallback ? vars[i].fallback : "");
    return 0;
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

int cli_main(int argc, char **argv)
{
    struct err err = {0};
    if (sodium_init() < 0 || net_global_init(&err) != RC_OK) {
        fprintf(stderr, "leadgen: cannot initialise crypto or networking\n");
        return 1;
    }
    if (config_load(&err) != RC_OK) {
        fprintf(stderr, "leadgen: %s\n", err.msg);
        return 2;
    }
    clock_set_offset(config_int("LEADGEN_TIME_OFFSET", 0, INT64_MIN / 4, INT64_MAX / 4));
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
    fprintf(stderr, "leadgen: unknown command '%s' (try `leadgen help`)\n", argv[1]);
    return 2;
}
