/* Unit tests for the SERP module: the Google and Bing parsers on the
 * project's own pages (tests/data/serp/, described in its README) and on the
 * real saved pages of ../shared/fixtures/serp/ (skipped with a note when that
 * tree is absent), page classification, redirect unwrapping, engine URLs, the
 * SerpApi mapping, contacts, the merging search over a recording provider,
 * and the recipe store. */
#include "test.h"

#include "serp/serp.h"
#include "store/store.h"

#include <stdlib.h>

/* ---- helpers ------------------------------------------------------------------ */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc(n > 0 ? (size_t)n + 1 : 1);
    size_t got = n > 0 ? fread(d, 1, (size_t)n, f) : 0;
    d[got] = '\0';
    fclose(f);
    *len = got;
    return d;
}

static const char *data_dir(void)
{
    const char *env = getenv("LEADGEN_TEST_DATA");
    return env ? env : "tests/data";
}

/* Parses tests/data/serp/NAME (or a shared fixture when shared is true). */
static bool parse_file(enum serp_engine e, const char *name, bool shared, struct arena *a,
                       struct serp_page *out)
{
    char path[1024];
    if (shared) {
        const char *dir = test_fixtures_dir();
        if (!dir) return false;
        snprintf(path, sizeof path, "%s/serp/%s", dir, name);
    } else {
        snprintf(path, sizeof path, "%s/serp/%s", data_dir(), name);
    }
    size_t len;
    char *html = slurp(path, &len);
    if (!html) {
        fprintf(stderr, "    cannot read %s\n", path);
        return false;
    }
    serp_parse_html(e, html, len, a, out);
    serp_find_contacts(out, a);
    /* the page's bytes are copied into the arena only when converted; keep them */
    char *copy = arena_alloc(a, len + 1);
    memcpy(copy, html, len);
    free(html);
    return true;
}

static bool shared_absent(void)
{
    if (test_fixtures_dir()) return false;
    fprintf(stderr, "    note: ../shared/fixtures absent; shared SERP pages skipped\n");
    return true;
}

/* ---- the project's own pages ----------------------------------------------------- */

TEST(serp_google_rendered_page_gives_results_ads_and_contacts)
{
    struct arena a;
    arena_init(&a);
    struct serp_page p;
    CHECK(parse_file(SERP_GOOGLE, "google-2025-rendered.html", false, &a, &p));
    CHECK_INT(p.kind, SERP_RESULTS); /* the noscript enablejs fallback is not a wall here */
    CHECK_INT(p.results_count, 5);   /* the repeated contact URL is kept once */
    CHECK_STR(p.results[0].title, "Contact Us | Brooklyn Plumbing Co.");
    CHECK_STR(p.results[0].url, "https://www.brooklynplumbingco.com/contact");
    CHECK_STR(p.results[0].display_url, "https://www.brooklynplumbingco.com › contact");
    CHECK_STR(p.results[0].snippet,
              "Call us at (718) 555-0190 or email office@brooklynplumbingco.com. Licensed "
              "master plumber serving Brooklyn since 1987.");
    CHECK_INT(p.results[0].emails_count, 1);
    CHECK_STR(p.results[0].emails[0], "office@brooklynplumbingco.com");
    CHECK_INT(p.results[0].phones_count, 1);
    CHECK_STR(p.results[0].phones[0], "(718) 555-0190");
    CHECK_STR(p.results[1].url,
              "https://www.yelp.com/search?find_desc=Plumbers&find_loc=Brooklyn%2C+NY");
    CHECK_STR(p.results[2].title, "Ace Pipes NYC – Emergency Plumber in Brooklyn & Queens");
    CHECK_STR(p.results[2].emails[0], "dispatch@acepipes.nyc"); /* spelled out */
    CHECK_STR(p.results[2].phones[0], "+1 646-555-0199");
    CHECK_STR(p.results[4].title, "Sanitär Müller – Kontakt");
    CHECK_STR(p.results[4].url, "https://www.sanitaer-mueller.de/kontakt?ref=google");
    CHECK_STR(p.results[4].phones_normalized[0], "+493044902318"); /* .de: national to +49 */
    for (size_t i = 0; i < p.results_count; i++) CHECK_INT(p.results[i].position, (int64_t)i + 1);

    CHECK_INT(p.ads_count, 3);
    const struct serp_ad *ad = &p.ads[0];
    CHECK_INT(ad->block, SERP_AD_TOP);
    CHECK_STR(ad->title, "Roto-Rooter® Brooklyn Plumbers - 24/7 Emergency Service");
    CHECK_STR(ad->url, "https://www.rotorooter.com/brooklyn/?utm_source=google&utm_medium=cpc");
    CHECK_STR(ad->domain, "www.rotorooter.com");
    CHECK_STR(ad->display_url, "https://www.rotorooter.com/brooklyn");
    CHECK_STR(ad->text, "Licensed plumbers in Brooklyn, on call 24/7. Call (718) 555-0142 or "
                        "write to brooklyn@rotorooter.com for a free estimate.");
    CHECK_STR(ad->tracking_url,
              "https://www.google.com/aclk?sa=l&ai=DChsSEwiA0pWq&sig=AOD64_1Xq&q&adurl");
    CHECK_INT(ad->emails_count, 1);
    CHECK_STR(ad->emails[0], "brooklyn@rotorooter.com");
    CHECK_STR(p.ads[1].url, "https://www.mrrooter.com/brooklyn/");
    CHECK_INT(p.ads[1].block, SERP_AD_TOP);
    CHECK_INT(p.ads[2].block, SERP_AD_BOTTOM);
    CHECK_STR(p.ads[2].title, "Compare Brooklyn Plumbers - Free Quotes in Minutes");
    CHECK_INT(p.ads[2].position, 3);
    arena_cleanup(&a);
}

TEST(serp_google_basic_page_unwraps_redirects)
{
    struct arena a;
    arena_init(&a);
    struct serp_page p;
    CHECK(parse_file(SERP_GOOGLE, "google-basic.html", false, &a, &p));
    CHECK_INT(p.kind, SERP_RESULTS);
    /* "People also ask" links have no <h3>; a /url?q= to google.com/search is Google's own */
    CHECK_INT(p.results_count, 3);
    CHECK_STR(p.results[0].url,
              "https://www.theknot.com/marketplace/wedding-photographers-austin-tx");
    CHECK_STR(p.results[0].display_url, "www.theknot.com › marketplace");
    CHECK_STR(p.results[1].title,
              "Contact — Jessica Marie Photography | Austin Wedding Photographer");
    CHECK_STR(p.results[1].emails[0], "jessica@jessicamarie.photo");
    CHECK_STR(p.results[1].phones[0], "(512) 555-0173");
    CHECK_STR(p.results[2].url, "https://www.instagram.com/austinweddingshots/?hl=en");
    CHECK_STR(p.results[2].emails[0], "austinweddingshots@gmail.com");
    CHECK_INT(p.ads_count, 2);
    CHECK_STR(p.ads[0].title, "Lumière Studio - Austin Wedding Photography");
    CHECK_STR(p.ads[0].url, "https://www.lumiere-studio.com/austin?gclid=abc"); /* adurl= */
    CHECK_STR(p.ads[0].display_url, "www.lumiere-studio.com/austin");
    CHECK_STR(p.ads[0].text, "Timeless wedding photos in Austin & Hill Country. Book a call: "
                             "hello@lumiere-studio.com");
    CHECK_INT(p.ads[0].block, SERP_AD_TOP);
    CHECK_STR(p.ads[1].url, "https://www.zola.com/"); /* empty adurl: data-pcu */
    CHECK_INT(p.ads[1].block, SERP_AD_BOTTOM);        /* after the results */
    arena_cleanup(&a);
}

TEST(serp_bing_page_decodes_ck_and_aclick_links)
{
    struct arena a;
    arena_init(&a);
    struct serp_page p;
    CHECK(parse_file(SERP_BING, "bing-2025.html", false, &a, &p));
    CHECK_INT(p.kind, SERP_RESULTS);
    CHECK_INT(p.results_count, 4);
    CHECK_STR(p.results[0].title, "Contact Us - Harbor Fresh Seafood | Wholesale Fish Supplier");
    CHECK_STR(p.results[0].url, "https://www.harborfreshseafood.com/contact-us");
    CHECK_STR(p.results[0].display_url, "https://www.harborfreshseafood.com › contact-us");
    CHECK_STR(p.results[0].snippet, "Wholesale orders: sales@harborfreshseafood.com or call "
                                    "1-800-555-0123. Serving restaurants in Boston since 1992.");
    CHECK_STR(p.results[0].emails[0], "sales@harborfreshseafood.com");
    CHECK_STR(p.results[0].phones[0], "1-800-555-0123");
    CHECK_STR(p.results[1].title,
              "Seafood Wholesalers in Massachusetts | SeafoodSource Buyer's Guide");
    CHECK_STR(p.results[2].url, "https://www.linkedin.com/in/maria-oconnor-seafood");
    CHECK_STR(p.results[2].emails[0], "maria.oconnor@bostonfishco.com");
    CHECK_STR(p.results[3].snippet,
              "Feb 11, 2025 · Seafood Wholesale in Boston on YP.com. See reviews, photos, "
              "directions, phone numbers and more for the best Seafood Wholesale.");
    CHECK_INT(p.ads_count, 2);
    CHECK_STR(p.ads[0].title, "Wholesale Seafood Delivered Daily - Restaurant Pricing");
    CHECK_STR(p.ads[0].url, "https://www.oceanharvest.com/wholesale?utm_source=bing");
    CHECK_STR(p.ads[0].display_url, "https://www.oceanharvest.com/wholesale");
    CHECK_STR(p.ads[0].text, "Fresh catch from Gloucester every morning. Open an account: "
                             "orders@oceanharvest.com"); /* without the "Ad" label */
    CHECK_INT(p.ads[0].block, SERP_AD_TOP);
    CHECK(strncmp(p.ads[0].tracking_url, "https://www.bing.com/aclick?", 28) == 0);
    CHECK_STR(p.ads[1].url, "https://www.fishmongerdirect.com/?msclkid=abc123");
    CHECK_INT(p.ads[1].block, SERP_AD_BOTTOM);
    CHECK_STR(p.ads[1].phones[0], "+1 617-555-0148");
    arena_cleanup(&a);
}

TEST(serp_pages_that_are_not_results_are_told_apart)
{
    static const struct {
        enum serp_engine e;
        const char *file;
        enum serp_page_kind kind;
    } cases[] = {
        {SERP_GOOGLE, "google-js-wall.html", SERP_JS_WALL},
        {SERP_GOOGLE, "google-sorry.html", SERP_CAPTCHA}, /* also says "enable javascript" */
        {SERP_GOOGLE, "google-consent.html", SERP_CONSENT},
        {SERP_GOOGLE, "google-no-results.html", SERP_EMPTY}, /* carries the enablejs fallback */
        {SERP_BING, "bing-captcha.html", SERP_CAPTCHA},
        {SERP_BING, "bing-no-results.html", SERP_EMPTY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct arena a;
        arena_init(&a);
        struct serp_page p;
        CHECK(parse_file(cases[i].e, cases[i].file, false, &a, &p));
        if (p.kind != cases[i].kind) fprintf(stderr, "    %s\n", cases[i].file);
        CHECK_INT(p.kind, cases[i].kind);
        CHECK_INT(p.results_count + p.ads_count, 0);
        arena_cleanup(&a);
    }
    struct arena a;
    arena_init(&a);
    struct serp_page p;
    serp_parse_google("<html><body><p>Hello</p></body></html>", 38, &a, &p);
    CHECK_INT(p.kind, SERP_UNKNOWN);
    serp_parse_bing("<ol id=\"b_results\"></ol>", 24, &a, &p);
    CHECK_INT(p.kind, SERP_EMPTY); /* the result frame without results */
    serp_parse_google(NULL, 0, &a, &p);
    CHECK_INT(p.kind, SERP_UNKNOWN);
    CHECK(strstr(serp_kind_message(SERP_GOOGLE, SERP_CAPTCHA, &a), "blocked by the search engine"));
    CHECK(strstr(serp_kind_message(SERP_GOOGLE, SERP_CONSENT, &a), "blocked by the search engine"));
    const char *wall = serp_kind_message(SERP_GOOGLE, SERP_JS_WALL, &a);
    CHECK(strstr(wall, "scraperapi") && strstr(wall, "render=true") && strstr(wall, "serpapi"));
    arena_cleanup(&a);
}

/* ---- the real saved pages (../shared/fixtures/serp, see its README) ---------------- */

TEST(serp_shared_google_desktop_page)
{
    if (shared_absent()) return;
    struct arena a;
    arena_init(&a);
    struct serp_page p;
    CHECK(parse_file(SERP_GOOGLE, "google-desktop-com-domains-2023.html", true, &a, &p));
    static const char *const urls[] = {
        "https://www.godaddy.com/tlds/com-domain",
        "https://www.godaddy.com/en-ca/tlds/com-domain",
        "https://www.godaddy.com/en-uk/tlds/com-domain",
        "https://www.godaddy.com/en-in/tlds/com-domain",
        "https://www.godaddy.com/en-au/tlds/com-domain",
        "https://www.domain.com/domains/tlds/com",
        "https://www.namecheap.com/domains/registration/gtld/com/",
        "https://domains.google/",
        "https://www.shopify.com/domains/com",
        "https://www.hostinger.com/tld/com-domain",
    };
    CHECK_INT(p.results_count, 10);
    for (size_t i = 0; i < 10; i++) CHECK_STR(p.results[i].url, urls[i]);
    CHECK_STR(p.results[0].title, "com Domains | Buy Your Domain Name");
    CHECK_STR(p.results[0].display_url, "https://www.godaddy.com › Tlds");
    CHECK(strncmp(p.results[0].snippet, "You can buy your .com domain for anywhere from 1-10",
                  51) == 0);
    CHECK_INT(p.ads_count, 3);
    CHECK_STR(p.ads[0].title, ".com Domain Names - Register Yours Today");
    CHECK_STR(p.ads[0].url, "https://www.godaddy.com/offers/domain?isc=GDD2dom");
    CHECK_INT(p.ads[0].block, SERP_AD_TOP);
    CHECK_STR(p.ads[1].title, "Easy Registration and Set up - Google Domains - Official Site");
    CHECK_STR(p.ads[1].url, "https://domains.google/tld/com/");
    CHECK_INT(p.ads[1].block, SERP_AD_TOP);
    CHECK_STR(p.ads[2].title, "$1 Domains at IONOS - .com Domain From $1/Year");
    CHECK_STR(p.ads[2].url, "https://www.ionos.com/domains/com-domain");
    CHECK_STR(p.ads[2].domain, "www.ionos.com");
    CHECK_INT(p.ads[2].block, SERP_AD_BOTTOM);
    CHECK(strncmp(p.ads[0].tracking_url, "https://www.google.com/aclk?sa=l&ai=", 36) == 0);
    CHECK(strncmp(p.ads[0].text, "Save On .com Domain Names & Get Free", 36) == 0);
    arena_cleanup(&a);
}

TEST(serp_shared_google_basic_html_page)
{
    if (shared_absent()) return;
    struct arena a;
    arena_init(&a);
    struct serp_page p;
    CHECK(parse_file(SERP_GOOGLE, "google-nojs-domain-2023.html", true, &a, &p));
    static const char *const urls[] = {
        "https://www.domain.com/",
        "https://www.domain.com/domains/",
        "https://www.domain.com/index.html",
        "https://domains.google/",
        "https://en.wikipedia.org/wiki/Domain_(biology)",
        "https://www.merriam-webster.com/dictionary/domain",
        "https://www.simon.com/mall/the-domain",
        "https://www.godaddy.com/",
        "https://www.namecheap.com/",
    };
    CHECK_INT(p.results_count, 9);
    for (size_t i = 0; i < 9; i++) CHECK_STR(p.results[i].url, urls[i]);
    CHECK_INT(p.ads_count, 2);
    CHECK_STR(p.ads[0].title, "Buy Domain Names - .com Domains From $2.99");
    CHECK_STR(p.ads[0].url, "https://www.godaddy.com/"); /* data-pcu: adurl= is empty */
    CHECK_STR(p.ads[0].text,
              "Domains, Websites, Email, Hosting, Security & More. Everything You Need To "
              "Succeed Online.");
    CHECK(strncmp(p.ads[0].tracking_url, "https://www.google.com/aclk?sa=l&ai=", 36) == 0);
    CHECK_STR(p.ads[1].title, "10 Best Places To Buy A Domain - Why Buy a Domain If It's Free?");
    CHECK_STR(p.ads[1].url, "https://www.top10.com/");
    /* the fixture README's table calls both ads "above the results", but in the
     * page the second one follows the ninth result: a bottom ad in document order */
    CHECK_INT(p.ads[0].block, SERP_AD_TOP);
    CHECK_INT(p.ads[1].block, SERP_AD_BOTTOM);
    arena_cleanup(&a);
}

TEST(serp_shared_bing_page)
{
    if (shared_absent()) return;
    struct arena a;
    arena_init(&a);
    struct serp_page p;
    CHECK(parse_file(SERP_BING, "bing-domain-2021.html", true, &a, &p));
    static const char *const urls[] = {
        "https://www.domain.com/",
        "https://www.wordreference.com/es/translation.asp?tranword=domain",
        "http://domains.google/",
        "https://es.wikipedia.org/wiki/Dominio_de_Internet",
    };
    CHECK_INT(p.results_count, 4);
    for (size_t i = 0; i < 4; i++) CHECK_STR(p.results[i].url, urls[i]);
    CHECK_STR(p.results[0].display_url, "https://www.domain.com");
    CHECK(strncmp(p.results[0].snippet, "Your domain name is where you make your first", 45) == 0);
    static const char *const titles[] = {
        "Domain - Free Domain Name - Get a Free Domain Easy & Quick",
        "Domain Names From US$1 - Register Your Domain Name",
        "Hot Domain Name From US$0.01 - Alibaba Cloud Domain Name",
        "Domain Name - Resultados selectos - Encuentra Domain Name",
        "Domain Name - Ohdeal.com - es.ohdeal.com",
        "Top 10 Best Web Hosting 2020 - Cheapest Hosting Plan",
        "Domain - Free Domain Name - Get a Free Domain Easy & Quick",
        "Domain Names From US$1 - Register Your Domain Name",
    };
    CHECK_INT(p.ads_count, 8);
    for (size_t i = 0; i < 8; i++) {
        CHECK_STR(p.ads[i].title, titles[i]);
        CHECK_INT(p.ads[i].block, i < 4 ? SERP_AD_TOP : SERP_AD_BOTTOM);
    }
    CHECK_STR(p.ads[0].url, "https://wix.com/html5bing/hiker-domain?utm_source=bing&utm_medium="
                            "cpc&utm_campaign=ms_en_e_expansion_Dec19^dn_domain_x_2ka&experiment_"
                            "id=domain^be^79714709244633^domain&msclkid="
                            "fd10e2b69d551d7b4a0a82bf5a0f38d4");
    CHECK_STR(p.ads[0].text, "Wix Has Free Domains - Sign Up Now!");
    CHECK_STR(p.ads[0].display_url, "https://wix.com/website/domain");
    CHECK_STR(p.ads[1].domain, "www.onlydomains.com");
    arena_cleanup(&a);
}

/* ---- URLs --------------------------------------------------------------------- */

TEST(serp_redirects_unwrap_to_their_destination)
{
    struct arena a;
    arena_init(&a);
    CHECK_STR(serp_unwrap_url("/url?q=https://example.com/a%3Fb%3Dc&sa=U&ved=x", &a),
              "https://example.com/a?b=c");
    CHECK_STR(serp_unwrap_url("https://www.google.com/url?sa=t&url=https%3A%2F%2Fx.org%2F", &a),
              "https://x.org/");
    CHECK_STR(serp_unwrap_url("https://www.google.com/aclk?sa=l&ai=X&adurl=https://ad.com/p", &a),
              "https://ad.com/p");
    CHECK(!serp_unwrap_url("https://www.google.com/aclk?sa=l&ai=X&adurl=", &a));
    CHECK(!serp_unwrap_url("/url?q=javascript:alert(1)&sa=U", &a));
    CHECK(!serp_unwrap_url("/url?q=https://x.com/%00evil", &a));     /* NUL */
    CHECK(!serp_unwrap_url("/url?q=https://x.com/%FF%FE&sa=U", &a)); /* not UTF-8 */
    /* Bing: a1 + base64url("https://www.example.com/path?x=1") */
    CHECK_STR(serp_unwrap_url("https://www.bing.com/ck/a?!&&p=abc&u="
                              "a1aHR0cHM6Ly93d3cuZXhhbXBsZS5jb20vcGF0aD94PTE&ntb=1",
                              &a),
              "https://www.example.com/path?x=1");
    CHECK(!serp_unwrap_url("https://www.bing.com/ck/a?!&&p=abc&u=zzaHR0cHM6Ly9h&ntb=1", &a));
    CHECK(!serp_unwrap_url("https://www.bing.com/ck/a?u=a1!!!!", &a));
    /* aclick: base64 of the %-encoded URL; sitelinks lack the scheme */
    CHECK_STR(serp_unwrap_url("https://www.bing.com/aclick?ld=x&u=aHR0cHMlM2ElMmYlMmZhLmNvbSUyZnA",
                              &a),
              "https://a.com/p");
    CHECK_STR(serp_unwrap_url("https://www.bing.com/aclick?ld=x&u=d3d3LmEuY29tJTJmcQ", &a),
              "https://www.a.com/q");
    CHECK(!serp_unwrap_url("https://www.example.com/page", &a));
    CHECK(!serp_unwrap_url(NULL, &a));
    arena_cleanup(&a);
}

TEST(serp_engine_urls_encode_and_page)
{
    struct arena a;
    arena_init(&a);
    CHECK_STR(serp_query_encode("a b&c=d/\"é\"~._-", &a), "a+b%26c%3Dd%2F%22%C3%A9%22~._-");
    CHECK_STR(serp_engine_url(SERP_GOOGLE, "https://www.google.com/search",
                              "site:linkedin.com/in cto", 20, 10, &a),
              "https://www.google.com/search?q=site%3Alinkedin.com%2Fin+cto&start=20&hl=en");
    CHECK_STR(serp_engine_url(SERP_BING, "http://127.0.0.1:9/search?setmkt=en-US", "x y", 50, 50,
                              &a),
              "http://127.0.0.1:9/search?setmkt=en-US&q=x+y&first=51&count=50");
    CHECK_STR(serp_engine_name(SERP_BING), "bing");
    enum serp_engine e;
    CHECK(serp_engine_from_name("google", &e) && e == SERP_GOOGLE);
    CHECK(!serp_engine_from_name("yahoo", &e) && !serp_engine_from_name(NULL, &e));
    CHECK(serp_provider_named("direct") == &serp_direct);
    CHECK(serp_provider_named("serpapi") == &serp_serpapi);
    CHECK(serp_provider_named("scraperapi") == &serp_scraperapi);
    CHECK(!serp_provider_named("duckduckgo"));
    CHECK(!serp_direct.key_var);
    CHECK_STR(serp_serpapi.key_var, "LEADGEN_SERPAPI_KEY");
    CHECK_INT(serp_direct.page_size(SERP_GOOGLE), 10);
    CHECK_INT(serp_direct.page_size(SERP_BING), 50);
    arena_cleanup(&a);
}

/* ---- SerpApi ------------------------------------------------------------------- */

TEST(serp_serpapi_answers_map_to_pages)
{
    struct arena a;
    arena_init(&a);
    struct serp_page p;
    struct err err = {0};
    const char *doc =
        "{\"search_metadata\":{\"status\":\"Success\"},\"organic_results\":["
        "{\"position\":1,\"title\":\"Acme Roofing\",\"link\":\"https://acme.example/\","
        "\"displayed_link\":\"acme.example\",\"snippet\":\"Email: info@acmeroofing.com\"},"
        "{\"position\":2,\"title\":\"No link\"},"
        "{\"position\":3,\"title\":\"Twice\",\"link\":\"https://acme.example/\"},"
        "{\"position\":4,\"title\":\"Beta\",\"link\":\"javascript:x\"}],"
        "\"ads\":[{\"position\":1,\"block_position\":\"bottom\",\"title\":\"Roof Deals\","
        "\"link\":\"https://deals.example/roof\",\"displayed_link\":\"deals.example\","
        "\"tracking_link\":\"https://www.google.com/aclk?sa=l&ai=Q\","
        "\"description\":\"Save 20%\"}]}";
    CHECK_INT(serp_serpapi_map(SERP_GOOGLE, doc, strlen(doc), &a, &p, &err), RC_OK);
    CHECK_INT(p.kind, SERP_RESULTS);
    CHECK_INT(p.results_count, 1);
    CHECK_STR(p.results[0].url, "https://acme.example/");
    CHECK_STR(p.results[0].display_url, "acme.example");
    CHECK_INT(p.ads_count, 1);
    CHECK_INT(p.ads[0].block, SERP_AD_BOTTOM);
    CHECK_STR(p.ads[0].domain, "deals.example");
    CHECK_STR(p.ads[0].text, "Save 20%");
    CHECK_STR(p.ads[0].tracking_url, "https://www.google.com/aclk?sa=l&ai=Q");
    const char *none = "{\"error\":\"Google hasn't returned any results for this query.\"}";
    CHECK_INT(serp_serpapi_map(SERP_GOOGLE, none, strlen(none), &a, &p, &err), RC_OK);
    CHECK_INT(p.kind, SERP_EMPTY);
    const char *bad = "{\"error\":\"Invalid API key. Your API key should be here: x\"}";
    CHECK_INT(serp_serpapi_map(SERP_BING, bad, strlen(bad), &a, &p, &err), RC_UPSTREAM);
    CHECK(strstr(err.msg, "Invalid API key"));
    struct err e2 = {0};
    CHECK_INT(serp_serpapi_map(SERP_BING, "<html>", 6, &a, &p, &e2), RC_UPSTREAM);
    CHECK(strstr(e2.msg, "not a JSON object"));
    arena_cleanup(&a);
}

/* ---- one search over a recording provider ---------------------------------------- */

static struct serp_fetch recorded[16];
static size_t nrecorded;
static int fail_at = -1;

static int fake_page_size(enum serp_engine e)
{
    return e == SERP_BING ? 50 : 10;
}

/* Each request gets count results numbered from its offset (r<offset+k>),
 * and result r5 repeats r4's URL; one ad per page. */
static void fake_fetch(const struct serp_fetch *f, size_t n, struct arena *a,
                       struct serp_page *pages, struct err *errs, enum rc *rcs)
{
    for (size_t i = 0; i < n; i++) {
        if (nrecorded < 16) recorded[nrecorded++] = f[i];
        memset(&pages[i], 0, sizeof pages[i]);
        if ((int)i == fail_at) {
            rcs[i] = err_set(&errs[i], RC_UPSTREAM, "page %zu failed", i);
            continue;
        }
        rcs[i] = RC_OK;
        pages[i].kind = SERP_RESULTS;
        pages[i].results = arena_alloc(a, (size_t)f[i].count * sizeof *pages[i].results);
        for (int k = 0; k < f[i].count; k++) {
            struct serp_result *r = &pages[i].results[pages[i].results_count++];
            int64_t num = f[i].offset + k;
            r->position = k + 1;
            r->title = arena_sprintf(a, "r%lld", (long long)num);
            r->url = arena_sprintf(a, "https://r%lld.example/", (long long)(num == 5 ? 4 : num));
            r->snippet = num == 0 ? "write to first@zero-corp.com" : "";
            r->display_url = "";
        }
        pages[i].ads = arena_alloc(a, sizeof *pages[i].ads);
        pages[i].ads_count = 1;
        pages[i].ads[0] = (struct serp_ad){.position = 1, .title = "ad",
                                           .url = "https://ad.example/", .domain = "ad.example",
                                           .display_url = "", .text = "", .tracking_url = ""};
    }
}

static const struct serp_provider fake = {
    .name = "fake", .page_size = fake_page_size, .fetch = fake_fetch};

TEST(serp_search_fetches_engine_pages_and_merges_in_order)
{
    struct arena a;
    arena_init(&a);
    struct serp_page p;
    struct err err = {0};
    nrecorded = 0;
    fail_at = -1;
    struct serp_query q = {.engine = SERP_GOOGLE, .query = "x", .page = 0, .per_page = 25};
    CHECK_INT(serp_search(&fake, &q, &a, &p, &err), RC_OK);
    CHECK_INT(nrecorded, 3); /* 10 + 10 + 5 */
    CHECK_INT(recorded[0].offset, 0);
    CHECK_INT(recorded[1].offset, 10);
    CHECK_INT(recorded[2].offset, 20);
    CHECK_INT(recorded[2].count, 5);
    CHECK_INT(p.results_count, 24); /* r5 repeats r4: dropped */
    CHECK_STR(p.results[4].title, "r4");
    CHECK_STR(p.results[5].title, "r6");
    CHECK_STR(p.results[10].title, "r11");
    CHECK_INT(p.results[23].position, 24);
    CHECK_INT(p.ads_count, 3);
    CHECK_INT(p.ads[2].position, 3);
    CHECK_STR(p.results[0].emails[0], "first@zero-corp.com"); /* contacts are found */

    nrecorded = 0; /* page 2 of 30 per page on Bing: one request from result 60 */
    q = (struct serp_query){.engine = SERP_BING, .query = "x", .page = 2, .per_page = 30};
    CHECK_INT(serp_search(&fake, &q, &a, &p, &err), RC_OK);
    CHECK_INT(nrecorded, 1);
    CHECK_INT(recorded[0].offset, 60);
    CHECK_INT(recorded[0].count, 30);
    CHECK_INT(p.results[0].position, 61);
    CHECK_STR(p.results[0].title, "r60");

    nrecorded = 0; /* any failed page fails the search with its message */
    fail_at = 1;
    q = (struct serp_query){.engine = SERP_GOOGLE, .query = "x", .page = 0, .per_page = 30};
    CHECK_INT(serp_search(&fake, &q, &a, &p, &err), RC_UPSTREAM);
    CHECK_STR(err.msg, "page 1 failed");
    fail_at = -1;
    arena_cleanup(&a);
}

static const struct serp_provider failing = {
    .name = "failing", .page_size = fake_page_size, .fetch = fake_fetch};

TEST(serp_search_chain_hands_over_to_the_next_provider)
{
    struct arena a;
    arena_init(&a);
    struct serp_page p;
    struct err err = {0};
    const struct serp_provider *served = NULL;
    struct serp_query q = {.engine = SERP_GOOGLE, .query = "x", .page = 0, .per_page = 10};
    nrecorded = 0;
    fail_at = 0; /* every first page fails: both providers fail */
    struct serp_chain two = {.providers = {&failing, &fake}, .n = 2};
    CHECK_INT(serp_search_chain(&two, &q, &a, &p, &served, &err), RC_UPSTREAM);
    CHECK(served == NULL);
    CHECK_STR(err.msg, "fake: page 0 failed"); /* the last one's message, named */
    struct serp_chain one = {.providers = {&fake}, .n = 1};
    struct err alone = {0};
    CHECK_INT(serp_search_chain(&one, &q, &a, &p, &served, &alone), RC_UPSTREAM);
    CHECK_STR(alone.msg, "page 0 failed"); /* alone: unchanged */
    fail_at = -1;
    CHECK_INT(serp_search_chain(&two, &q, &a, &p, &served, &err), RC_OK);
    CHECK(served == &failing); /* the first that answers */
    CHECK_INT(p.results_count, 9); /* r5 repeats r4 */
    arena_cleanup(&a);
}

TEST(serp_provider_choose_skips_providers_that_lack_their_settings)
{
    struct arena a;
    arena_init(&a);
    struct err err = {0};
    struct serp_options o = {.provider = "serpapi, searxng,direct,serpapi"};
    const struct serp_chain *c = serp_provider_choose(&o, &a, &err);
    CHECK(c != NULL);
    CHECK_INT(c->n, 1);
    CHECK_STR(c->providers[0]->name, "direct");
    o = (struct serp_options){.provider = "searxng,serpapi", .serpapi_key = "k",
                              .searxng_url = "http://127.0.0.1:1"};
    c = serp_provider_choose(&o, &a, &err);
    CHECK_INT(c->n, 2);
    CHECK_STR(c->providers[0]->name, "searxng");
    CHECK_STR(c->providers[1]->name, "serpapi");
    o = (struct serp_options){.provider = "serpapi,searxng"};
    CHECK(serp_provider_choose(&o, &a, &err) == NULL);
    CHECK_STR(err.msg, "Lead Search is not configured: the serpapi provider needs "
                       "LEADGEN_SERPAPI_KEY; the searxng provider needs LEADGEN_SEARXNG_URL.");
    arena_cleanup(&a);
}

TEST(serp_searxng_answers_map_to_pages)
{
    struct arena a;
    arena_init(&a);
    struct serp_page p;
    struct err err = {0};
    const char *body =
        "{\"query\":\"plumber\",\"number_of_results\":0,\"results\":["
        "{\"url\":\"https://a.example/x\",\"title\":\" A \",\"content\":\"Call a@a.example\","
        "\"engine\":\"google\"},"
        "{\"url\":\"javascript:alert(1)\",\"title\":\"bad\"},"
        "{\"url\":\"https://b.example/\",\"title\":\"B\"},"
        "{\"url\":\"https://a.example/x\",\"title\":\"again\"},"
        "{\"url\":\"https://c.example/\",\"title\":\"C\",\"content\":7}],"
        "\"unresponsive_engines\":[[\"bing\",\"timeout\"]]}";
    CHECK_INT(serp_searxng_map(body, strlen(body), 0, 10, &a, &p, &err), RC_OK);
    CHECK_INT(p.kind, SERP_RESULTS);
    CHECK_INT(p.results_count, 3);
    CHECK_STR(p.results[0].url, "https://a.example/x");
    CHECK_STR(p.results[0].title, "A");
    CHECK_STR(p.results[0].snippet, "Call a@a.example");
    CHECK_STR(p.results[1].title, "B");
    CHECK_STR(p.results[1].snippet, "");
    CHECK_STR(p.results[2].snippet, ""); /* not a string */
    CHECK_INT(p.ads_count, 0);
    /* skip and count select a slice of SearXNG's page */
    CHECK_INT(serp_searxng_map(body, strlen(body), 2, 1, &a, &p, &err), RC_OK);
    CHECK_INT(p.results_count, 1);
    CHECK_STR(p.results[0].title, "B");
    const char *none = "{\"results\":[],\"unresponsive_engines\":[]}";
    CHECK_INT(serp_searxng_map(none, strlen(none), 0, 10, &a, &p, &err), RC_OK);
    CHECK_INT(p.kind, SERP_EMPTY);
    const char *blocked = "{\"results\":[],\"unresponsive_engines\":[[\"google\",\"CAPTCHA\"]]}";
    CHECK_INT(serp_searxng_map(blocked, strlen(blocked), 0, 10, &a, &p, &err), RC_UPSTREAM);
    CHECK_STR(err.msg, "SearXNG's engine google (CAPTCHA) did not answer");
    CHECK_INT(serp_searxng_map("<html>", 6, 0, 10, &a, &p, &err), RC_UPSTREAM);
    CHECK_INT(serp_searxng_map("[1]", 3, 0, 10, &a, &p, &err), RC_UPSTREAM);
    CHECK_INT(serp_searxng_map(NULL, 0, 0, 10, &a, &p, &err), RC_UPSTREAM);
    arena_cleanup(&a);
}

/* ---- recipes ------------------------------------------------------------------- */

TEST(serp_recipes_are_seeded_in_the_store)
{
    struct err err = {0};
    struct store *st = test_store_fresh("leadgen");
    CHECK(st);
    struct arena a;
    arena_init(&a);
    struct recipe *list;
    size_t n;
    CHECK_INT(st->ops->recipe_list(st, &a, &list, &n, &err), RC_OK);
    CHECK(n >= 10);
    CHECK_STR(list[0].code, "gmail");
    CHECK_STR(list[0].template, "{query} \"@gmail.com\"");
    bool linkedin = false;
    for (size_t i = 0; i < n; i++) {
        CHECK(strstr(list[i].template, "{query}"));
        CHECK(*list[i].name && *list[i].description);
        if (strcmp(list[i].code, "linkedin") == 0)
            linkedin = strcmp(list[i].template, "site:linkedin.com/in {query}") == 0;
    }
    CHECK(linkedin);
    struct recipe r;
    CHECK_INT(st->ops->recipe_get(st, "instagram", &a, &r, &err), RC_OK);
    CHECK_STR(r.template, "site:instagram.com {query}");
    CHECK_INT(st->ops->recipe_get(st, "nope", &a, &r, &err), RC_NOT_FOUND);
    arena_cleanup(&a);
    store_close(st);
}
