/* A tiny unit-test harness: TEST(name) registers a case, CHECK* record
 * failures and end the case. The runner prints one line per failure and a
 * closing "N passed, N failed" line. */
#ifndef LEADGEN_TEST_H
#define LEADGEN_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*test_fn)(void);
void test_register(const char *name, test_fn fn);
void test_fail(const char *file, int line, const char *expr);
bool test_failed(void);
/* A fresh temporary directory for this case (removed at exit). */
const char *test_tmpdir(void);
/* A fresh store for a case, opened from LEADGEN_TEST_STORE: a store URL
 * template where {dir} becomes a fresh temporary directory, {name} the
 * caller's name and {n} a number unique to this run (for a backend that
 * needs a fresh database or schema per store). Default: TEST_STORE_DEFAULT,
 * a fresh SQLite file. NULL (reason on stderr) when it cannot be opened. */
#define TEST_STORE_DEFAULT "{dir}/{name}.db"
struct store;
struct store *test_store_fresh(const char *name);
/* The URL test_store_fresh would open (a new one per call), in buf. */
const char *test_store_url(const char *name, char *buf, size_t len);
/* Directory of ../shared/fixtures or NULL when shared/ is absent. */
const char *test_fixtures_dir(void);

#define TEST(name)                                                                                 \
    static void name(void);                                                                        \
    __attribute__((constructor)) static void register_##name(void)                                 \
    {                                                                                              \
        test_register(#name, name);                                                                \
    }                                                                                              \
    static void name(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            test_fail(__FILE__, __LINE__, #cond);                                                  \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *check_a_ = (a), *check_b_ = (b);                                               \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                          \
            fprintf(stderr, "    got \"%s\", want \"%s\"\n", check_a_ ? check_a_ : "(null)",      \
                    check_b_ ? check_b_ : "(null)");                                               \
            test_fail(__FILE__, __LINE__, #a " == " #b);                                           \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                            \
        if (check_a_ != check_b_) {                                                                \
            fprintf(stderr, "    got %lld, want %lld\n", check_a_, check_b_);                      \
            test_fail(__FILE__, __LINE__, #a " == " #b);                                           \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#endif
