/* Runner for the unit tests: runs every registered case (or those whose
 * name contains argv[1]) and ends with "N passed, N failed". */
#include "test.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

enum { MAX_TESTS = 1024 };
struct test_case {
    const char *name;
    test_fn fn;
};
static struct test_case tests[MAX_TESTS];
static int test_count;
static bool current_failed;
static char tmp_root[] = "/tmp/leadgen-unit-XXXXXX";
static char tmp_case[512];
static int tmp_seq;

void test_register(const char *name, test_fn fn)
{
    if (test_count < MAX_TESTS) tests[test_count++] = (struct test_case){name, fn};
}

void test_fail(const char *file, int line, const char *expr)
{
    current_failed = true;
    fprintf(stderr, "    %s:%d: CHECK(%s) failed\n", file, line, expr);
}

bool test_failed(void)
{
    return current_failed;
}

const char *test_tmpdir(void)
{
    snprintf(tmp_case, sizeof tmp_case, "%s/%d", tmp_root, ++tmp_seq);
    mkdir(tmp_case, 0700);
    return tmp_case;
}

const char *test_fixtures_dir(void)
{
    static const char *const candidates[] = {"../shared/fixtures", "../../shared/fixtures"};
    const char *env = getenv("LEADGEN_FIXTURES");
    if (env) return access(env, R_OK) == 0 ? env : NULL;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
        if (access(candidates[i], R_OK) == 0) return candidates[i];
    return NULL;
}

static void remove_tmp_root(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_root);
}

int main(int argc, char **argv)
{
    if (!mkdtemp(tmp_root)) return 1;
    atexit(remove_tmp_root);
    int passed = 0, failed = 0;
    for (int i = 0; i < test_count; i++) {
        if (argc > 1 && !strstr(tests[i].name, argv[1])) continue;
        current_failed = false;
        tests[i].fn();
        if (current_failed) {
            failed++;
            printf("FAIL %s\n", tests[i].name);
        } else {
            passed++;
            printf("ok   %s\n", tests[i].name);
        }
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
