/* Unit tests for the configuration loader: defaults, typed parsing, refusals
 * that name the variable and what it accepts, and the environment winning
 * over the LEADGEN_CONFIG file. */
#include "test.h"

#include "config.h"

#include <stdlib.h>

/* Unsets every table variable and LEADGEN_CONFIG, so each case starts clean. */
static void clean_env(void)
{
    int n;
    const struct config_var *vars = config_table(&n);
    for (int i = 0; i < n; i++) unsetenv(vars[i].name);
    unsetenv("LEADGEN_CONFIG");
}

static const char *write_file(const char *text)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/leadgen.conf", test_tmpdir());
    FILE *f = fopen(path, "w");
    if (!f) return NULL;
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loads with one variable set; returns the rc and leaves the message in err. */
static enum rc load_with(const char *name, const char *value, struct config *c, struct err *err)
{
    clean_env();
    setenv(name, value, 1);
    enum rc rc = config_load(c, err);
    clean_env();
    return rc;
}

TEST(config_defaults_fill_every_field)
{
    clean_env();
    struct config c;
    struct err err = {0};
    CHECK_INT(config_load(&c, &err), RC_OK);
    CHECK_STR(c.listen, "127.0.0.1:8080");
    CHECK_INT(c.workers, 64);
    CHECK_INT(c.upstream_timeout, 20);
    CHECK(c.access_log);
    CHECK(c.obey_robots);
    CHECK(!c.allow_private_targets);
    CHECK_STR(c.search_provider, "direct");
    CHECK_STR(c.places_url, "https://places.googleapis.com");
    CHECK(c.places_key == NULL);
    CHECK(c.auth_url == NULL);
}

TEST(config_typed_values_are_parsed)
{
    struct config c;
    struct err err = {0};
    CHECK_INT(load_with("LEADGEN_WORKERS", "8", &c, &err), RC_OK);
    CHECK_INT(c.workers, 8);
    CHECK_INT(load_with("LEADGEN_ACCESS_LOG", "no", &c, &err), RC_OK);
    CHECK(!c.access_log);
    CHECK_INT(load_with("LEADGEN_OBEY_ROBOTS", "false", &c, &err), RC_OK);
    CHECK(!c.obey_robots);
    CHECK_INT(load_with("LEADGEN_SEARCH_PROVIDER", "serpapi", &c, &err), RC_OK);
    CHECK_STR(c.search_provider, "serpapi");
    CHECK_INT(load_with("LEADGEN_WORKERS", "", &c, &err), RC_OK); /* empty: unset */
    CHECK_INT(c.workers, 64);
}

TEST(config_refuses_a_bad_integer)
{
    struct config c;
    struct err err = {0};
    CHECK_INT(load_with("LEADGEN_WORKERS", "abc", &c, &err), RC_INVALID);
    CHECK_STR(err.msg, "LEADGEN_WORKERS=abc: expected an integer from 1 to 1024");
    struct err err2 = {0};
    CHECK_INT(load_with("LEADGEN_WORKERS", "12x", &c, &err2), RC_INVALID);
}

TEST(config_refuses_an_integer_out_of_range)
{
    struct config c;
    struct err err = {0};
    CHECK_INT(load_with("LEADGEN_WORKERS", "0", &c, &err), RC_INVALID);
    CHECK_STR(err.msg, "LEADGEN_WORKERS=0: expected an integer from 1 to 1024");
    struct err err2 = {0};
    CHECK_INT(load_with("LEADGEN_VERIFY_TIMEOUT", "3601", &c, &err2), RC_INVALID);
    CHECK(strstr(err2.msg, "LEADGEN_VERIFY_TIMEOUT=3601") != NULL);
}

TEST(config_refuses_a_bad_boolean)
{
    struct config c;
    struct err err = {0};
    CHECK_INT(load_with("LEADGEN_ACCESS_LOG", "on", &c, &err), RC_INVALID);
    CHECK_STR(err.msg, "LEADGEN_ACCESS_LOG=on: expected 1, true, yes, 0, false or no");
    struct err err2 = {0};
    CHECK_INT(load_with("LEADGEN_OBEY_ROBOTS", "TRUE", &c, &err2), RC_INVALID);
}

TEST(config_refuses_a_bad_list_word)
{
    struct config c;
    struct err err = {0};
    CHECK_INT(load_with("LEADGEN_SEARCH_PROVIDER", "serpapi,duckduckgo", &c, &err), RC_INVALID);
    CHECK_STR(err.msg, "LEADGEN_SEARCH_PROVIDER=serpapi,duckduckgo: expected a comma-separated "
                       "list of direct, scraperapi, serpapi, searxng, browser");
    struct err err2 = {0};
    CHECK_INT(load_with("LEADGEN_SEARCH_PROVIDER", "serpapi,,direct", &c, &err2), RC_INVALID);
    CHECK_INT(load_with("LEADGEN_SEARCH_PROVIDER", "serpapi, browser,direct", &c, &err), RC_OK);
    CHECK_STR(c.search_provider, "serpapi, browser,direct");
}

TEST(config_refuses_a_url_without_http)
{
    struct config c;
    struct err err = {0};
    CHECK_INT(load_with("LEADGEN_PLACES_URL", "places.example", &c, &err), RC_INVALID);
    CHECK(strstr(err.msg, "LEADGEN_PLACES_URL=places.example: expected an http") != NULL);
    CHECK_INT(load_with("LEADGEN_PLACES_URL", "http://127.0.0.1:9", &c, &err), RC_OK);
}

TEST(config_file_refuses_an_unknown_key)
{
    clean_env();
    const char *path = write_file("# comment\nLEADGEN_WORKERS=4\nLEADGEN_NO_SUCH=1\n");
    CHECK(path);
    setenv("LEADGEN_CONFIG", path, 1);
    struct config c;
    struct err err = {0};
    CHECK_INT(config_load(&c, &err), RC_INVALID);
    CHECK(strstr(err.msg, ":3: unknown variable LEADGEN_NO_SUCH") != NULL);
    clean_env();
}

TEST(config_environment_overrides_the_file)
{
    clean_env();
    const char *path = write_file("LEADGEN_WORKERS = 4\nLEADGEN_AI_MODEL=from-file\n"
                                  "LEADGEN_ACCESS_LOG=0\n");
    CHECK(path);
    setenv("LEADGEN_CONFIG", path, 1);
    setenv("LEADGEN_WORKERS", "9", 1);
    struct config c;
    struct err err = {0};
    CHECK_INT(config_load(&c, &err), RC_OK);
    CHECK_INT(c.workers, 9);
    CHECK_STR(c.ai_model, "from-file");
    CHECK(!c.access_log);
    clean_env();
}

TEST(config_bad_file_value_names_the_variable_and_line)
{
    clean_env();
    const char *path = write_file("LEADGEN_SMTP_PER_HOST=lots\n");
    CHECK(path);
    setenv("LEADGEN_CONFIG", path, 1);
    struct config c;
    struct err err = {0};
    CHECK_INT(config_load(&c, &err), RC_INVALID);
    CHECK(strstr(err.msg, "LEADGEN_SMTP_PER_HOST=lots (") != NULL);
    CHECK(strstr(err.msg, "leadgen.conf:1): expected an integer from 1 to 100") != NULL);
    /* a good environment value hides the file's bad one */
    setenv("LEADGEN_SMTP_PER_HOST", "5", 1);
    struct err err2 = {0};
    CHECK_INT(config_load(&c, &err2), RC_OK);
    CHECK_INT(c.smtp_per_host, 5);
    clean_env();
}
