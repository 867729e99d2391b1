/* The dashboard's script and style sheet, embedded in the binary at build time. */
#include "web/web_int.h"

#include <string.h>

extern const char web_app_js[], web_app_css[];
extern const size_t web_app_js_len, web_app_css_len;

static const struct {
    const char *name, *type;
    const char *data;
    const size_t *len;
} files[] = {
    {"app.js", "text/javascript; charset=utf-8", web_app_js, &web_app_js_len},
    {"app.css", "text/css; charset=utf-8", web_app_css, &web_app_css_len},
};

bool page_static(struct web *w)
{
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (strcmp(w->arg, files[i].name) == 0) {
            struct request *req = w->req;
            web_security_headers(req);
            req->raw_body = files[i].data;
            req->raw_len = *files[i].len;
            req->raw_type = files[i].type;
            req->data = json_object();
            return true;
        }
    return web_not_found(w);
}
