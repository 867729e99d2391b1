/* Fuzz target: spintax/merge-field validation and rendering, the HTML safety
 * scan, and step validation on arbitrary bytes. What validates must render. */
#include "campaign/steps.h"
#include "campaign/template.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    char why[256];
    bool ok = tpl_validate(s, why, sizeof why);
    struct tpl_vars vars = {{"Ada", "", "Acme", NULL, "a@b.co", "", "d"}};
    uint64_t rng = size + 1;
    struct buf out;
    buf_init(&out, 0);
    if (tpl_render(s, &vars, &rng, &out, why, sizeof why) != ok) abort();
    buf_free(&out);
    steps_html_safe(s, why, sizeof why);
    json_t *steps = json_loadb((const char *)data, size, 0, NULL);
    steps_validate(steps, 0, true, why, sizeof why);
    json_decref(steps);
    free(s);
    return 0;
}
