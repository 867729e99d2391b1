/* The embedded OpenAPI document describes every route in the route table,
 * with the route's method. */
#include "test.h"

#include "api/api.h"

#include <ctype.h>

extern const char openapi_json[];
extern const size_t openapi_json_len;

TEST(openapi_describes_every_route)
{
    json_error_t jerr;
    json_t *doc = json_loadb(openapi_json, openapi_json_len, 0, &jerr);
    CHECK(doc);
    CHECK(strncmp(json_string_value(json_object_get(doc, "openapi")), "3.1", 3) == 0);
    json_t *paths = json_object_get(doc, "paths");
    CHECK(json_is_object(paths));
    for (size_t i = 0; i < api_routes_count; i++) {
        const struct route *r = &api_routes[i];
        if (strcmp(r->endpoint, "web") == 0) continue; /* the dashboard's pages: not the API */
        char path[128], method[8];
        size_t n = strlen(r->file);
        if (strcmp(r->file, "healthz") == 0) snprintf(path, sizeof path, "/healthz");
        else if (r->file[0] == '/' && r->file[n - 1] == '/') /* a page taking one segment */
            snprintf(path, sizeof path, "%s{token}", r->file);
        else if (r->file[0] == '/') snprintf(path, sizeof path, "%s", r->file);
        else snprintf(path, sizeof path, "/api/v1/%s", r->file);
        snprintf(method, sizeof method, "%s",
                 r->method == M_GET ? "get" : r->method == M_POST ? "post" : r->method == M_PUT ? "put" : "delete");
        json_t *item = json_object_get(paths, path);
        if (!item || !json_object_get(item, method))
            fprintf(stderr, "    missing %s %s\n", method, path);
        CHECK(item && json_object_get(item, method));
    }
    json_decref(doc);
}
