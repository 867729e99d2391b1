/* Configuration table and loader. Lookups are by name against a small table;
 * the file is read once at start-up, before any thread exists. */
#include "config.h"

#include "base/mem.h"
#include "base/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct config_var config_vars[] = {
    {"LEADGEN_LISTEN", "127.0.0.1:8080", "address and port to listen on"},
    {"LEADGEN_DB", "./leadgen.db", "SQLite file path, or a postgres:// URL"},
    {"LEADGEN_AUTH_URL", NULL, "external licence service for keys this store does not know"},
    {"LEADGEN_AUTH_TTL", "300", "seconds a licence-service answer is trusted before re-checking"},
    {"LEADGEN_SECRET", NULL, "key for stored account secrets and unsubscribe links"},
    {"LEADGEN_PUBLIC_URL", NULL, "base URL used in unsubscribe links"},
    {"LEADGEN_THREADS", "0", "event threads serving requests (0: one per core but one)"},
    {"LEADGEN_WORKERS", "64", "threads for requests that wait on upstream I/O"},
    {"LEADGEN_USER_INFLIGHT", "8", "most job-pool requests one user may have queued or running"},
    {"LEADGEN_QUEUE_UPSTREAM", "64", "search/crawl/ads/places requests waiting for a thread"},
    {"LEADGEN_QUEUE_VERIFY", "32", "verify.php requests waiting for a thread"},
    {"LEADGEN_QUEUE_AI", "32", "AI generation requests waiting for a thread"},
    {"LEADGEN_QUEUE_LICENCE", "128", "requests waiting for a thread to ask the licence service"},
    {"LEADGEN_MAX_CONNECTIONS", "4096", "open connections accepted at once"},
    {"LEADGEN_CLIENT_TIMEOUT", "30", "seconds an idle or slow client may hold a connection"},
    {"LEADGEN_ACCESS_LOG", "1", "0 turns the per-request access log off"},
    {"LEADGEN_TIME_OFFSET", "0", "seconds added to the wall clock (tests only)"},
    {"LEADGEN_FIRST_USER_CREDITS", "100", "credits given to the first user `serve` creates"},
    {"LEADGEN_SEARCH_PROVIDER", "direct", "direct, scraperapi or serpapi"},
    {"LEADGEN_GOOGLE_SEARCH_URL", "https://www.google.com/search", "Google result page"},
    {"LEADGEN_BING_SEARCH_URL", "https://www.bing.com/search", "Bing result page"},
    {"LEADGEN_SCRAPERAPI_URL", "https://api.scraperapi.com/", "ScraperAPI proxy endpoint"},
    {"LEADGEN_SCRAPERAPI_KEY", NULL, "ScraperAPI key"},
    {"LEADGEN_SCRAPERAPI_RENDER", "0", "1 asks ScraperAPI to render pages (render=true)"},
    {"LEADGEN_SCRAPERAPI_COUNTRY", NULL, "ScraperAPI country_code, e.g. us"},
    {"LEADGEN_SERPAPI_URL", "https://serpapi.com/search.json", "SerpApi-compatible search API"},
    {"LEADGEN_SERPAPI_KEY", NULL, "SerpApi key"},
    {"LEADGEN_PLACES_URL", "https://places.googleapis.com", "Google Places API (New) base URL"},
    {"LEADGEN_PLACES_KEY", NULL, "Google Places API key"},
    {"LEADGEN_UPSTREAM_TIMEOUT", "20", "seconds an upstream API call (Places, AI) may take"},
    {"LEADGEN_PLACES_PARALLEL", "20", "most Place Details calls in flight at once"},
    {"LEADGEN_AI_URL", "https://api.openai.com/v1", "OpenAI-compatible API base"},
    {"LEADGEN_AI_KEY", NULL, "AI API key"},
    {"LEADGEN_AI_MODEL", "gpt-4o-mini", "model name"},
    {"LEADGEN_ALLOW_PRIVATE_TARGETS", "0", "1 lets outbound calls reach private addresses"},
    {"LEADGEN_RESOLVE", NULL, "host:port:address[,...] pins for outbound HTTP"},
    {"LEADGEN_OBEY_ROBOTS", "1", "0 makes the crawler ignore robots.txt"},
    {"LEADGEN_DNS_SERVERS", NULL, "host:port[,host:port] for verification look-ups"},
    {"LEADGEN_SMTP_PROBE_PORT", "25", "port used for SMTP mailbox probes"},
    {"LEADGEN_SMTP_HELO", NULL, "EHLO name for SMTP mailbox probes"},
    {"LEADGEN_SMTP_FROM", NULL, "MAIL FROM address for SMTP mailbox probes"},
    {"LEADGEN_SMTP_CONNECT_TIMEOUT", "10", "seconds an MX host may take to accept a probe"},
    {"LEADGEN_SMTP_TIMEOUT", "20", "seconds to wait for each SMTP reply during a probe"},
    {"LEADGEN_SMTP_PER_HOST", "3", "most probe connections open to one MX host at once"},
    {"LEADGEN_DNS_TIMEOUT", "3", "seconds per DNS try during verification (two tries)"},
    {"LEADGEN_VERIFY_TIMEOUT", "60", "most seconds one verify.php request spends on DNS and SMTP"},
    {"LEADGEN_CRON_INTERVAL", "300", "seconds between scheduler runs"},
    {"LEADGEN_OAUTH_TOKEN_URL", "https://oauth2.googleapis.com/token", "OAuth token endpoint"},
    {"LEADGEN_GMAIL_SMTP", "smtps://smtp.gmail.com:465", "where Gmail accounts send"},
    {"LEADGEN_GMAIL_IMAP", "imaps://imap.gmail.com:993", "where Gmail accounts are polled"},
};
enum { CONFIG_COUNT = sizeof config_vars / sizeof config_vars[0] };

static char *file_values[CONFIG_COUNT];

static int config_index(const char *name)
{
    for (int i = 0; i < CONFIG_COUNT; i++)
        if (strcmp(config_vars[i].name, name) == 0) return i;
    return -1;
}

static enum rc config_parse_line(char *line, const char *path, int lineno, struct err *err)
{
    char *s = str_trim(line);
    if (!*s || *s == '#') return RC_OK;
    char *eq = strchr(s, '=');
    if (!eq) return err_set(err, RC_INVALID, "%s:%d: expected KEY=value", path, lineno);
    *eq = '\0';
    char *key = str_trim(s), *value = str_trim(eq + 1);
    int i = config_index(key);
    if (i < 0) return err_set(err, RC_INVALID, "%s:%d: unknown variable %s", path, lineno, key);
    free(file_values[i]);
    file_values[i] = xstrdup(value);
    return RC_OK;
}

enum rc config_load(struct err *err)
{
    const char *path = getenv("LEADGEN_CONFIG");
    if (!path || !*path) return RC_OK;
    FILE *f = fopen(path, "r");
    if (!f) return err_set(err, RC_IO, "cannot read LEADGEN_CONFIG file %s", path);
    char line[4096];
    int lineno = 0;
    enum rc rc = RC_OK;
    while (rc == RC_OK && fgets(line, sizeof line, f)) rc = config_parse_line(line, path, ++lineno, err);
    fclose(f);
    return rc;
}

const char *config_get(const char *name)
{
    int i = config_index(name);
    if (i < 0) {
        fprintf(stderr, "leadgen: internal error: unknown configuration variable %s\n", name);
        abort();
    }
    const char *env = getenv(name);
    if (env && *env) return env;
    if (file_values[i]) return file_values[i];
    return config_vars[i].fallback;
}

int64_t config_int(const char *name, int64_t fallback, int64_t min, int64_t max)
{
    int64_t v;
    if (!str_parse_int64(config_get(name), &v)) v = fallback;
    return v < min ? min : v > max ? max : v;
}

bool config_bool(const char *name)
{
    const char *v = config_get(name);
    return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0);
}

const struct config_var *config_table(int *count)
{
    *count = CONFIG_COUNT;
    return config_vars;
}
