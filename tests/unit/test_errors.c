/* Unit tests for the error table (http/errors.c): complete, unique, and the
 * statuses the reference documents. */
#include "test.h"

#include "http/errors.h"

TEST(errors_every_code_has_a_name_and_an_error_status)
{
    for (int e = E_NONE + 1; e < E_COUNT; e++) {
        const char *code = errors_code((enum api_error)e);
        if (!code || !*code) fprintf(stderr, "    error %d has no code\n", e);
        CHECK(code && *code);
        CHECK(errors_status((enum api_error)e) >= 400 && errors_status((enum api_error)e) <= 599);
    }
    CHECK_INT(errors_status(E_NONE), 200);
}

TEST(errors_codes_are_unique)
{
    for (int a = E_NONE + 1; a < E_COUNT; a++)
        for (int b = a + 1; b < E_COUNT; b++) {
            if (strcmp(errors_code((enum api_error)a), errors_code((enum api_error)b)) == 0)
                fprintf(stderr, "    %s appears twice\n", errors_code((enum api_error)a));
            CHECK(strcmp(errors_code((enum api_error)a), errors_code((enum api_error)b)) != 0);
        }
}

TEST(errors_table_matches_the_reference)
{
    CHECK_INT(errors_status(E_MISSING_PARAM), 400);
    CHECK_STR(errors_code(E_INVALID_CODE), "invalid_code");
    CHECK_INT(errors_status(E_INVALID_API_KEY), 401);
    CHECK_INT(errors_status(E_INSUFFICIENT_CREDITS), 402);
    CHECK_INT(errors_status(E_DB_ERROR), 500);
    CHECK_STR(errors_code(E_CRAWL_ERROR), "crawl_error");
    CHECK_INT(errors_status(E_API_ERROR), 502);
    CHECK_INT(errors_status(E_AUTH_ERROR), 503);
    CHECK_STR(errors_code(E_PAYLOAD_TOO_LARGE), "payload_too_large");
    CHECK_INT(errors_status(E_URI_TOO_LONG), 414);
    CHECK_INT(errors_status(E_HEADERS_TOO_LARGE), 431);
    CHECK_INT(errors_status(E_NOT_CONFIGURED), 503);
}
