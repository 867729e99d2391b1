/* Fuzz target: the extraction engine. One input is parsed as a page (twice,
 * with and without a page URL, so link resolution and the country default are
 * both exercised), the two results are merged, and the building blocks that
 * take outside text are called on the same bytes. */
#include "extract/extract.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *html = (const char *)data;
    struct arena a;
    arena_init(&a);
    struct extract_result one, two;
    extract_page(html, size, "https://www.example.de/dir/page.html", &a, &one);
    extract_page(html, size, NULL, &a, &two);
    extract_merge(&one, &two, &a);

    const char **emails;
    extract_emails_from_text(html, size, &a, &emails);
    const char **phones, **phones_normalized;
    extract_phones_from_text(html, size, "1", &a, &phones, &phones_normalized);
    extract_social_canonical(html, size, &a);
    extract_social_profile(html, size, &a);
    extract_email_valid(html, size);
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    char out[64];
    extract_phone_normalize(s, "49", out, sizeof out);
    extract_phone_normalize(s, NULL, out, sizeof out);
    extract_email_is_junk(s);
    extract_email_on_site(s, "www.example.de");
    const char *utf8;
    size_t n;
    extract_to_utf8(html, size, s, &a, &utf8, &n);
    free(s);
    arena_cleanup(&a);
    return 0;
}
