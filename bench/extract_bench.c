/* Extraction-engine throughput benchmark (bench/run.sh extract; docs/BENCHMARKS.md).
 *
 * Builds an in-memory corpus of at least --min-mb MB of HTML (default 20): the
 * real saved pages of ../shared/fixtures/sites/ and ../shared/fixtures/serp/,
 * each copied as many times as needed, or, when that tree is absent (or with
 * --generated), pages generated here from a fixed seed: small-business and
 * blog pages with inline CSS and scripts, JSON-LD, navigation, prose, price
 * tables, base64 images and a contact block in every encoding the engine
 * handles. Then runs extract_page over every page, one pass after another, on
 * one thread (one core), and reports MB/s per pass: wall time and the
 * thread's CPU time. --corpus-out writes the same bytes to a file, so grep can
 * be timed over exactly what the engine read.
 *
 *   build/bench/extract_bench [--min-mb 20] [--passes 5] [--generated]
 *                             [--fixtures DIR] [--corpus-out FILE]
 *
 * Prints a human summary on stderr and one JSON object on stdout. */
#include "extract/extract.h"

#include <jansson.h>

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct page {
    const char *name;
    const char *url;
    size_t off, len; /* slice of the corpus buffer */
};

struct corpus {
    char *data;
    size_t len, cap;
    struct page *pages;
    size_t count, pages_cap;
};

static void grow(struct corpus *c, size_t more)
{
    if (c->len + more + 1 <= c->cap) return;
    size_t cap = c->cap ? c->cap : (size_t)1 << 20;
    while (cap < c->len + more + 1) cap *= 2;
    c->data = xrealloc(c->data, cap);
    c->cap = cap;
}

static void add_page(struct corpus *c, const char *name, const char *url, const char *data,
                     size_t len)
{
    grow(c, len);
    memcpy(c->data + c->len, data, len);
    if (c->count == c->pages_cap) {
        c->pages_cap = c->pages_cap ? c->pages_cap * 2 : 64;
        c->pages = xrealloc(c->pages, c->pages_cap * sizeof *c->pages);
    }
    c->pages[c->count++] = (struct page){.name = name, .url = url, .off = c->len, .len = len};
    c->len += len;
    c->data[c->len] = '\0';
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *d = NULL;
    size_t n = 0, cap = 0, got;
    do {
        if (n + 65536 > cap) {
            cap = cap ? cap * 2 : 1 << 20;
            d = xrealloc(d, cap);
        }
        got = fread(d + n, 1, 65536, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return d;
}

static double now(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- the real pages ------------------------------------------------------------- */

struct source {
    char *name, *url, *data;
    size_t len;
};

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct source *)a)->name, ((const struct source *)b)->name);
}

/* Reads the .html files of dir into src (at most max); the page URL is https://SITE/ from
 * sites/expected.json, or the search engine's result URL for a SERP page. */
static size_t load_dir(const char *dir, struct source *src, size_t max)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/expected.json", dir);
    json_t *expected = json_load_file(path, 0, NULL);
    size_t n = 0;
    struct dirent *e;
    while (n < max && (e = readdir(d))) {
        size_t nl = strlen(e->d_name);
        if (nl < 6 || strcmp(e->d_name + nl - 5, ".html")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        char *data = slurp(path, &len);
        if (!data || !len) {
            free(data);
            continue;
        }
        char url[512] = "https://www.example.org/";
        if (!strncmp(e->d_name, "google", 6))
            snprintf(url, sizeof url, "https://www.google.com/search?q=dentist+berlin");
        else if (!strncmp(e->d_name, "bing", 4))
            snprintf(url, sizeof url, "https://www.bing.com/search?q=dentist+berlin");
        json_t *files = json_object_get(expected, "files");
        if (!json_is_array(files)) files = json_object_get(expected, "pages");
        size_t i;
        json_t *item;
        json_array_foreach(files, i, item)
        {
            const char *file = json_string_value(json_object_get(item, "file"));
            const char *site = json_string_value(json_object_get(item, "site"));
            if (file && site && !strcmp(file, e->d_name))
                snprintf(url, sizeof url, "https://%s/", site);
        }
        src[n++] = (struct source){.name = xstrdup(e->d_name), .url = xstrdup(url), .data = data,
                                   .len = len};
    }
    closedir(d);
    json_decref(expected);
    qsort(src, n, sizeof *src, by_name);
    return n;
}

/* ---- generated pages ------------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}
#define PICK(arr) (arr[rnd((uint32_t)(sizeof arr / sizeof *arr))])

struct out {
    char *d;
    size_t len, cap;
};

#define PUTL(o, lit) put(o, lit, sizeof(lit) - 1)

static void put(struct out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        o->cap = (o->len + n + 1) * 2;
        o->d = xrealloc(o->d, o->cap);
    }
    memcpy(o->d + o->len, s, n);
    o->len += n;
    o->d[o->len] = '\0';
}

__attribute__((format(printf, 2, 3))) static void putf(struct out *o, const char *fmt, ...)
{
    char tmp[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static const char *const words[] = {
    "the", "and", "our", "team", "practice", "we", "offer", "modern", "treatment", "for", "all",
    "patients", "at", "dot", "in", "with", "appointment", "please", "call", "us", "today", "you",
    "can", "also", "reach", "experience", "years", "quality", "service", "customers", "family",
    "Berlin", "Munich", "Vienna", "London", "quick", "friendly", "opening", "hours", "Monday",
    "Friday", "from", "to", "parking", "available", "new", "clinic", "located", "near", "station",
    "Zahnarzt", "Praxis", "und", "wir", "freuen", "uns", "auf", "Ihren", "Besuch", "über",
    "prices", "start", "per", "hour", "order", "online", "delivery", "free", "shipping", "since",
    "award", "winning", "design", "consulting", "office", "is", "closed", "on", "holidays", "a",
};
static const char *const businesses[] = {
    "zahnarzt-mueller", "kanzlei-schneider", "baeckerei-huber", "autohaus-becker", "malerbetrieb-wolf",
    "physio-am-park", "brightsmile-dental", "greenleaf-landscaping", "harbor-yoga", "northside-plumbing",
    "atelier-dupont", "cafe-zentral", "hotel-alpenblick", "tischlerei-krause", "steuerberatung-koch",
    "riverside-vets", "bakker-installatie", "studio-lumen", "fahrschule-schmidt", "elektro-weber",
};
static const char *const tlds[] = {"de", "com", "co.uk", "at", "fr", "nl", "ch", "com.au", "it", "es"};
static const char *const locals[] = {"info", "kontakt", "office", "hello", "praxis", "anna.schmidt",
                                     "j.miller", "booking", "service", "m.dupont"};
/* profile and share links: the prefix, then a business name */
static const char *const socials[] = {
    "https://www.facebook.com/", "https://www.instagram.com/", "https://twitter.com/",
    "https://www.linkedin.com/company/", "https://www.youtube.com/@", "https://www.tiktok.com/@",
    "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2F",
    "https://twitter.com/intent/tweet?text=", "https://www.pinterest.com/pin/create/button/?url=",
};

static void prose(struct out *o, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        const char *w = PICK(words);
        if (i == 0) putf(o, "%c%s", w[0] >= 'a' ? w[0] - 32 : w[0], w + 1);
        else putf(o, " %s", w);
        switch (rnd(40)) {
        case 0: putf(o, " %u.%02u.20%02u", 1 + rnd(28), 1 + rnd(12), 10 + rnd(15)); break;
        case 1: putf(o, " %u,%02u &euro;", 5 + rnd(400), rnd(100)); break;
        case 2: putf(o, " %02u:%02u", 7 + rnd(12), rnd(4) * 15); break;
        case 3: putf(o, " (%u)", 1990 + rnd(35)); break;
        case 4: PUTL(o, "."); break;
        default: break;
        }
    }
    PUTL(o, ".");
}

static void script(struct out *o, size_t bytes)
{
    static const char *const bits[] = {
        "function(e,t){var n=e.length;for(var r=0;r<n;r++){t(e[r],r)}}",
        "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}",
        "var s=document.createElement(\"script\");s.async=!0;s.src=\"https://cdn.example.net/a.js\";",
        "e.prototype.render=function(){return this.el.innerHTML=this.tpl(this.model),this};",
        "if(a&&a.nodeType===1){a.classList.add(\"is-active\")}else{return null}",
        "{\"sizes\":[\"300x250\",\"728x90\"],\"logo\":\"/img/logo@2x.png\",\"v\":\"1.4.2\"}",
        "t.exports=function(e){return e&&e.__esModule?e:{default:e}};",
        "document.querySelectorAll(\".menu a\").forEach(function(a){a.addEventListener(\"click\",h)});",
    };
    PUTL(o, "<script>");
    size_t start = o->len;
    while (o->len - start < bytes) {
        const char *b = PICK(bits);
        put(o, b, strlen(b));
    }
    PUTL(o, "</script>\n");
}

static void style(struct out *o, size_t bytes)
{
    PUTL(o, "<style>");
    size_t start = o->len;
    while (o->len - start < bytes)
        putf(o, ".c-%u{margin:%upx %upx;padding:0 %upx;color:#%06x;font:%upx/1.4 \"Open Sans\",sans-serif}"
                "@media (max-width:%upx){.c-%u{display:none}}",
             rnd(5000), rnd(40), rnd(40), rnd(30), rnd(0xffffff), 12 + rnd(10), 480 + rnd(800),
             rnd(5000));
    PUTL(o, "</style>\n");
}

static void base64_img(struct out *o, size_t bytes)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    PUTL(o, "<img alt=\"\" src=\"data:image/png;base64,");
    for (size_t i = 0; i < bytes; i++) put(o, &b64[rnd(64)], 1);
    PUTL(o, "\">\n");
}

static void cf_encode(struct out *o, const char *email)
{
    unsigned key = 1 + rnd(255);
    putf(o, "%02x", key);
    for (const char *p = email; *p; p++) putf(o, "%02x", (unsigned)(unsigned char)*p ^ key);
}

static void contact(struct out *o, const char *dom)
{
    const char *l1 = PICK(locals), *l2 = PICK(locals);
    char email[256];
    snprintf(email, sizeof email, "%s@%s", l2, dom);
    putf(o, "<section class=\"contact\"><h2>Kontakt</h2><p>E-Mail: <a href=\"mailto:%s@%s?subject="
            "Anfrage%%20Termin\">%s@%s</a><br>",
         l1, dom, l1, dom);
    switch (rnd(4)) {
    case 0: putf(o, "Buchhaltung: %s&#64;%s<br>", l2, dom); break;
    case 1:
        PUTL(o, "<a href=\"/cdn-cgi/l/email-protection\" class=\"__cf_email__\" data-cfemail=\"");
        cf_encode(o, email);
        PUTL(o, "\">[email&#160;protected]</a><br>");
        break;
    case 2: putf(o, "Schreiben Sie an %s [at] %s<br>", l2, dom); break;
    default: putf(o, "Office: %s@%s<br>", l2, dom); break;
    }
    putf(o, "Tel.: <a href=\"tel:+49%u%u\">+49 (0)%u %u %02u %02u</a><br>Fax: 0%u / %u %u-%u<br>"
            "Mobil: +43 664 %u %u</p></section>\n",
         30 + rnd(60), 1000000 + rnd(8999999), 30 + rnd(60), 100 + rnd(899), rnd(100), rnd(100),
         30 + rnd(900), 100 + rnd(899), 10 + rnd(89), rnd(100), 100 + rnd(899), 1000 + rnd(8999));
}

static void gen_page(struct out *o, unsigned idx, char *url, size_t url_size)
{
    char dom[128];
    snprintf(dom, sizeof dom, "%s%s.%s", PICK(businesses), idx % 3 ? "" : "-online", PICK(tlds));
    snprintf(url, url_size, "https://www.%s/%s", dom, idx % 4 ? "leistungen/" : "");
    o->len = 0;
    putf(o, "<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>%s &ndash; Page %u</title><meta name=\"description\" content=\"",
         dom, idx);
    prose(o, 25);
    putf(o, "\"><meta name=\"keywords\" content=\"praxis, termin, %s\">"
            "<meta property=\"og:image\" content=\"/img/og-%u.jpg\">"
            "<link rel=\"stylesheet\" href=\"/wp-content/themes/x/style.css?ver=6.4.%u\">\n",
         dom, idx, rnd(9));
    style(o, 2000 + rnd(12000));
    script(o, 3000 + rnd(30000));
    putf(o, "<script type=\"application/ld+json\">{\"@context\":\"https://schema.org\",\"@type\":"
            "\"LocalBusiness\",\"name\":\"%s\",\"url\":\"https:\\/\\/www.%s\\/\",\"email\":"
            "\"info@%s\",\"telephone\":\"+49 30 %u\",\"sameAs\":[\"https:\\/\\/www.facebook.com\\/%s\"]}"
            "</script>\n</head>\n<body class=\"page-template-default page-id-%u\">\n",
         dom, dom, dom, 1000000 + rnd(8999999), PICK(businesses), idx);
    PUTL(o, "<header><nav><ul class=\"menu\">");
    unsigned nav = 25 + rnd(50);
    for (unsigned i = 0; i < nav; i++)
        putf(o, "<li class=\"menu-item menu-item-%u\"><a href=\"%s/%s-%u/\">%s</a></li>", rnd(9000),
             i % 5 ? "" : "https://www.example-partner.com", PICK(words), i, PICK(words));
    PUTL(o, "</ul></nav></header>\n<main>");
    unsigned sections = 4 + rnd(20);
    for (unsigned s = 0; s < sections; s++) {
        putf(o, "<section><h2>%s %s</h2>", PICK(words), PICK(words));
        unsigned paras = 1 + rnd(5);
        for (unsigned p = 0; p < paras; p++) {
            PUTL(o, "<p>");
            prose(o, 30 + rnd(90));
            PUTL(o, "</p>\n");
        }
        if (rnd(4) == 0) {
            PUTL(o, "<table class=\"prices\"><tr><th>Leistung</th><th>Preis</th></tr>");
            for (unsigned r = 0; r < 6; r++)
                putf(o, "<tr><td>%s %s</td><td>%u,00 &euro;</td></tr>", PICK(words), PICK(words),
                     20 + rnd(300));
            PUTL(o, "</table>\n");
        }
        if (rnd(3) == 0)
            putf(o, "<img src=\"/img/photo-%u.jpg\" srcset=\"/img/photo-%u@2x.jpg 2x\" alt=\"%s\">",
                 s, s, PICK(words));
        PUTL(o, "</section>\n");
    }
    if (rnd(3) == 0) base64_img(o, 2000 + rnd(20000));
    if (idx % 2 == 0) contact(o, dom);
    PUTL(o, "</main>\n<footer><ul class=\"social\">");
    for (unsigned i = 0; i < 4; i++) {
        PUTL(o, "<li><a href=\"");
        putf(o, "%s%s", PICK(socials), PICK(businesses));
        PUTL(o, "\" rel=\"noopener\">s</a></li>");
    }
    putf(o, "</ul><p>&copy; 2024 %s &middot; Hauptstra&szlig;e %u, %u Berlin &middot; "
            "<a href=\"/impressum/\">Impressum</a> &middot; <a href=\"/datenschutz/\">Datenschutz</a>"
            "</p></footer>\n",
         dom, 1 + rnd(200), 10000 + rnd(89999));
    script(o, 1000 + rnd(6000));
    PUTL(o, "</body></html>\n");
}

/* ---- main ----------------------------------------------------------------------- */

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    double min_mb = 20;
    int passes = 5;
    int generated = 0;
    const char *fixtures = "../shared/fixtures", *corpus_out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--min-mb") && i + 1 < argc) min_mb = atof(argv[++i]);
        else if (!strcmp(argv[i], "--passes") && i + 1 < argc) passes = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--generated")) generated = 1;
        else if (!strcmp(argv[i], "--fixtures") && i + 1 < argc) fixtures = argv[++i];
        else if (!strcmp(argv[i], "--corpus-out") && i + 1 < argc) corpus_out = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--min-mb N] [--passes N] [--generated] [--fixtures DIR] "
                            "[--corpus-out FILE]\n", argv[0]);
            return 2;
        }
    }
    if (passes < 1) passes = 1;
    size_t min_bytes = (size_t)(min_mb * 1e6);

    struct corpus c = {0};
    struct source src[256];
    size_t nsrc = 0;
    if (!generated) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/sites", fixtures);
        nsrc = load_dir(dir, src, 200);
        snprintf(dir, sizeof dir, "%s/serp", fixtures);
        nsrc += load_dir(dir, src + nsrc, 256 - nsrc);
    }
    size_t unique_bytes = 0;
    const char *kind;
    if (nsrc > 0) {
        kind = "fixtures";
        for (size_t i = 0; i < nsrc; i++) unique_bytes += src[i].len;
        while (c.len < min_bytes)
            for (size_t i = 0; i < nsrc; i++) add_page(&c, src[i].name, src[i].url, src[i].data, src[i].len);
    } else {
        kind = "generated";
        struct out o = {0};
        for (unsigned idx = 0; c.len < min_bytes; idx++) {
            char url[256];
            gen_page(&o, idx, url, sizeof url);
            add_page(&c, "generated", xstrdup(url), o.d, o.len);
        }
        unique_bytes = c.len;
        free(o.d);
    }
    if (corpus_out) {
        FILE *f = fopen(corpus_out, "wb");
        if (!f || fwrite(c.data, 1, c.len, f) != c.len || fclose(f)) {
            perror(corpus_out);
            return 1;
        }
    }

    double *wall = xcalloc((size_t)passes + 1, sizeof *wall);
    double *cpu = xcalloc((size_t)passes + 1, sizeof *cpu);
    size_t emails = 0, phones = 0, social = 0, links = 0;
    struct arena a;
    arena_init(&a);
    for (int p = -1; p < passes; p++) { /* pass -1 is an unrecorded warm-up */
        size_t e = 0, ph = 0, so = 0, li = 0;
        double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
        for (size_t i = 0; i < c.count; i++) {
            struct extract_result r;
            extract_result_init(&r);
            if (extract_page(c.data + c.pages[i].off, c.pages[i].len, c.pages[i].url, &a, &r) != RC_OK) {
                fprintf(stderr, "extract_page failed on %s\n", c.pages[i].name);
                return 1;
            }
            e += r.emails_count;
            ph += r.phones_count;
            so += r.social_count;
            li += r.links_count;
            arena_cleanup(&a);
        }
        double w1 = now(CLOCK_MONOTONIC), c1 = now(CLOCK_THREAD_CPUTIME_ID);
        if (p >= 0) {
            wall[p] = w1 - w0;
            cpu[p] = c1 - c0;
        }
        emails = e, phones = ph, social = so, links = li;
    }
    double mb = (double)c.len / 1e6;
    printf("{\"corpus\": \"%s\", \"bytes\": %zu, \"pages\": %zu, \"unique_pages\": %zu, "
           "\"unique_bytes\": %zu, \"passes\": %d, \"wall_s\": [",
           kind, c.len, c.count, nsrc ? nsrc : c.count, unique_bytes, passes);
    for (int p = 0; p < passes; p++) printf("%s%.4f", p ? ", " : "", wall[p]);
    printf("], \"cpu_s\": [");
    for (int p = 0; p < passes; p++) printf("%s%.4f", p ? ", " : "", cpu[p]);
    qsort(wall, (size_t)passes, sizeof *wall, by_double);
    qsort(cpu, (size_t)passes, sizeof *cpu, by_double);
    double wmed = wall[passes / 2], cmed = cpu[passes / 2];
    printf("], \"mb_per_s_wall_median\": %.1f, \"mb_per_s_wall_best\": %.1f, "
           "\"mb_per_s_cpu_median\": %.1f, \"mb_per_s_cpu_best\": %.1f, "
           "\"per_pass\": {\"emails\": %zu, \"phones\": %zu, \"social\": %zu, \"links\": %zu}}\n",
           mb / wmed, mb / wall[0], mb / cmed, mb / cpu[0], emails, phones, social, links);
    fprintf(stderr,
            "extract_page over %.1f MB (%zu pages, %s corpus): median %.1f MB/s wall, %.1f MB/s "
            "CPU (best %.1f / %.1f) over %d passes; per pass %zu emails, %zu phones, %zu social, "
            "%zu links\n",
            mb, c.count, kind, mb / wmed, mb / cmed, mb / wall[0], mb / cpu[0], passes, emails,
            phones, social, links);
    arena_cleanup(&a);
    return 0;
}
