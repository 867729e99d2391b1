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
