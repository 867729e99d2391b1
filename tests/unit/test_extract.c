/* Unit tests of the extraction engine (src/extract/): one test per rule, each
 * with small inline snippets that must match and snippets that must not. */
#include "test.h"

#include <stdlib.h>
#include <time.h>

#include "extract/extract.h"

static struct extract_result run_url(struct arena *a, const char *html, const char *url) {
    struct extract_result r;
    extract_page(html, strlen(html), url, a, &r);
    return r;
}

static struct extract_result run(struct arena *a, const char *html) {
    return run_url(a, html, "https://www.shop-muster.de/kontakt/");
}

static bool has(const char **list, size_t n, const char *s) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0) return true;
    return false;
}

#define HAS_EMAIL(r, e) has((r).emails, (r).emails_count, e)
#define HAS_PHONE(r, p) has((r).phones_normalized, (r).phones_count, p)
#define HAS_SOCIAL(r, s) has((r).social, (r).social_count, s)

/* Cloudflare's encoding: a key byte, then every byte XOR the key, as hex. */
static char *cf_encode(struct arena *a, const char *plain, unsigned key) {
    size_t n = strlen(plain);
    char *out = arena_alloc(a, 2 * n + 3);
    snprintf(out, 3, "%02x", key);
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 + 2 * i, 3, "%02x", (unsigned)(unsigned char)plain[i] ^ key);
    return out;
}

/* ---- emails ---- */

TEST(extract_email_plain_text_and_public_suffix) {
    struct arena a;
    arena_init(&a);
    struct extract_result r = run(&a, "<p>Schreiben Sie an Info@Firma-Muster.de. Danke!</p>"
                                      "<img srcset=\"logo@2x.png 2x\"><p>icon@3x.webp xxx@blabla "
                                      "a@b no@tld.invalidtld</p>");
    CHECK_INT(r.emails_count, 1);
    CHECK_STR(r.emails[0], "info@firma-muster.de");

    CHECK(extract_email_valid("info@evang.at", 13));
    CHECK(extract_email_valid("a.b-c+d@sub.example.co.uk", 25));
    CHECK(!extract_email_valid("logo@2x.png", 11));
    CHECK(!extract_email_valid("icon@3x.webp", 12));
    CHECK(!extract_email_valid("user@co.uk", 10));    /* a public suffix itself */
    CHECK(!extract_email_valid("a..b@firma.de", 13)); /* consecutive dots */
    CHECK(!extract_email_valid(".a@firma.de", 11));
    CHECK(!extract_email_valid("a@-firma.de", 11));
    CHECK(!extract_email_valid("a@b@firma.de", 12));
    arena_cleanup(&a);
}

TEST(extract_email_text_breaks_at_tags) {
    struct arena a;
    arena_init(&a);
    /* <br> ends the address: no office@schwimmverband.atweb */
    struct extract_result r =
        run(&a, "Mail: <a href=\"#\">office@schwimmverband.at</a><br>Web: www.schwimmverband.at");
    CHECK_INT(r.emails_count, 1);
    CHECK_STR(r.emails[0], "office@schwimmverband.at");
    /* inline formatting does not break an address */
    r = run(&a, "<p>kontakt<b>@</b>firma-muster.de</p>");
    CHECK_INT(r.emails_count, 1);
    CHECK_STR(r.emails[0], "kontakt@firma-muster.de");
    arena_cleanup(&a);
}

TEST(extract_email_mailto_links) {
    struct arena a;
    arena_init(&a);
    struct extract_result r = run(
        &a, "<a href=\"mailto:Sales%40Shop-Muster.de?subject=Hello%20there&body=x\">write</a>"
            "<a href=\"MAILTO:a@firma-eins.de,b@firma-zwei.de\">two</a>"
            "<a href=\"mailto:?to=c%40firma-drei.de&subject=x\">to</a>"
            "<a href=\"mailto:&#x6d;&#x61;&#x69;&#x6c;&#x40;&#x64;&#x69;&#x65;&#x2e;&#x64;&#x65;\">"
            "hex</a>");
    CHECK_INT(r.emails_count, 5);
    CHECK(HAS_EMAIL(r, "sales@shop-muster.de"));
    CHECK(HAS_EMAIL(r, "a@firma-eins.de"));
    CHECK(HAS_EMAIL(r, "b@firma-zwei.de"));
    CHECK(HAS_EMAIL(r, "c@firma-drei.de"));
    CHECK(HAS_EMAIL(r, "mail@die.de"));
    /* share mailtos carry no address */
    r = run(&a, "<a href=\"mailto:?subject=What%20went%20right&body=https%3A%2F%2Fx.com\">s</a>"
                "<a href=\"mailto:\">empty</a><a href=\"mailto:?to=&subject=Radfahren\">x</a>");
    CHECK_INT(r.emails_count, 0);
    /* an address in a non-mailto href is not a contact */
    r = run(&a, "<a href=\"skip.this.one@gmail.com\"></a>"
                "<img src=\"http://somewhere.com/ skip.this.one.too@gmail.com \">");
    CHECK_INT(r.emails_count, 0);
    arena_cleanup(&a);
}

TEST(extract_email_html_entities) {
    struct arena a;
    arena_init(&a);
    struct extract_result r =
        run(&a, "<p>carl&#64;firma-eins.de</p><p>dora&#x40;firma-zwei.de</p>"
                "<p>emil&commat;firma-drei.de</p><p>&#102;rida@firma-vier.de</p>");
    CHECK_INT(r.emails_count, 4);
    CHECK(HAS_EMAIL(r, "carl@firma-eins.de"));
    CHECK(HAS_EMAIL(r, "dora@firma-zwei.de"));
    CHECK(HAS_EMAIL(r, "emil@firma-drei.de"));
    CHECK(HAS_EMAIL(r, "frida@firma-vier.de"));
    /* &amp;#64; is text "&#64;", not an @ */
    r = run(&a, "<p>carl&amp;#64;firma-eins.de</p>");
    CHECK_INT(r.emails_count, 0);
    arena_cleanup(&a);
}

TEST(extract_email_cloudflare) {
    struct arena a;
    arena_init(&a);
    char html[2048];
    snprintf(html, sizeof html,
             "<a href=\"/cdn-cgi/l/email-protection#%s\"><span class=\"__cf_email__\" "
             "data-cfemail=\"%s\">[email&#160;protected]</span></a>"
             "<a href=\"http://www.dmagazine.com/cdn-cgi/l/email-protection#%s\">CONTACT US</a>"
             "<a href=\"https://x.de/cdn-cgi/l/email-protection#%s\">entities</a>",
             cf_encode(&a, "redaktion@kinzig.news", 0x3b),
             cf_encode(&a, "redaktion@kinzig.news", 0xa1),
             cf_encode(&a, "receptionist@dmagazine.com", 0x86),
             cf_encode(&a, "&#105;n&#102;o&#064;biancazapatka.com", 0xb8));
    struct extract_result r = run(&a, html);
    CHECK_INT(r.emails_count, 3);
    CHECK_STR(r.emails[0], "redaktion@kinzig.news");
    CHECK(HAS_EMAIL(r, "receptionist@dmagazine.com"));
    CHECK(HAS_EMAIL(r, "info@biancazapatka.com"));
    /* share buttons decode to no address; the key alone, odd or non-hex input is nothing */
    snprintf(html, sizeof html,
             "<a href=\"/cdn-cgi/l/email-protection#%s\">share</a>"
             "<span data-cfemail=\"ab\"></span><span data-cfemail=\"abc\"></span>"
             "<span data-cfemail=\"zz12\"></span>"
             "<img src=\"https://images.x.com/cdn-cgi/image/width=1200/a@2x.jpg\">",
             cf_encode(&a, "?subject=Meta%20Outage&body=https://kulu-media.com/x", 0x5c));
    r = run(&a, html);
    CHECK_INT(r.emails_count, 0);
    arena_cleanup(&a);
}

TEST(extract_email_spelled_out_forms) {
    struct arena a;
    arena_init(&a);
    struct extract_result r =
        run(&a, "<p>anna [at] firma-eins [dot] com</p><p>office[at]schwimmverband.at</p>"
                "<p>kontakt (at) firma-zwei.de</p><p>post{at}firma-drei(dot)de</p>"
                "<p>info AT firma-vier DOT de</p><p>hallo at firma-fuenf [dot] de</p>"
                "<p>vor [dot] nach [at] firma-sechs [dot] at</p>");
    CHECK_INT(r.emails_count, 7);
    CHECK(HAS_EMAIL(r, "anna@firma-eins.com"));
    CHECK(HAS_EMAIL(r, "office@schwimmverband.at"));
    CHECK(HAS_EMAIL(r, "kontakt@firma-zwei.de"));
    CHECK(HAS_EMAIL(r, "post@firma-drei.de"));
    CHECK(HAS_EMAIL(r, "info@firma-vier.de"));
    CHECK(HAS_EMAIL(r, "hallo@firma-fuenf.de"));
    CHECK(HAS_EMAIL(r, "nach@firma-sechs.at"));
    /* prose with "at" and "dot" is not an address, nor a broken-up domain */
    r = run(&a, "<p>Look at this dot com boom. Meet me at home.com or at the dot com party.</p>"
                "<p>We met AT home.com</p><p>mail [at] die &#8211; partei &#8211; sh . de</p>"
                "<p>mail [at] die-partei-sh de</p><p>Tickets (at) the door</p>");
    CHECK_INT(r.emails_count, 0);
    arena_cleanup(&a);
}

TEST(extract_email_drupal_spamspan) {
    struct arena a;
    arena_init(&a);
    struct extract_result r = run(
        &a, "<p><span class=\"spamspan\"><span class=\"u\">support</span> [at] "
            "<span class=\"d\">fairkom.eu</span></span><br /><a href=\"https://www.fairkom.eu\">"
            "www.fairkom.eu</a></p><span class=\"spamspan\"><span class=\"u\">hilfe</span> [at] "
            "<span class=\"d\">fairkom [dot] eu</span></span>");
    CHECK_INT(r.emails_count, 2);
    CHECK_STR(r.emails[0], "support@fairkom.eu");
    CHECK_STR(r.emails[1], "hilfe@fairkom.eu");
    r = run(&a, "<span class=\"spamspan\"><span class=\"u\">support</span> [at] "
                "<span class=\"d\">fairkom</span></span>");
    CHECK_INT(r.emails_count, 0);
    arena_cleanup(&a);
}

TEST(extract_email_joomla_cloaking) {
    struct arena a;
    arena_init(&a);
    /* Joomla 1.5: two statements, entities inside the literals */
    struct extract_result r = run(
        &a,
        "<script language='JavaScript' type='text/javascript'>\n<!--\nvar prefix = 'ma' + "
        "'il' + 'to';\nvar path = 'hr' + 'ef' + '=';\nvar addy21404 = "
        "'h&#117;nd&#101;v&#101;r&#101;&#105;n-q&#117;&#101;rf&#117;rt' + '&#64;';\naddy21404 = "
        "addy21404 + 'gmx' + '&#46;' + 'd&#101;';\ndocument.write( '<a ' + path + '\\'' + prefix "
        "+ ':' + addy21404 + '\\'>' );\n//-->\n</script>");
    CHECK_INT(r.emails_count, 1);
    CHECK_STR(r.emails[0], "hundeverein-querfurt@gmx.de");
    /* Joomla 3: one line, no spaces */
    r = run(&a,
            "<span id=\"cloak8ab\">protected</span><script type='text/javascript'>"
            "var addy8ab='&#101;v&#101;nts'+'&#64;';addy8ab=addy8ab+'g&#111;&#111;dn&#105;ght'+"
            "'&#46;'+'&#97;t';var addy_text8ab='m&#97;&#105;l'+'&#64;'+'g&#111;&#111;dn&#105;ght'"
            "+'&#46;'+'&#97;t';</script>");
    CHECK_INT(r.emails_count, 2);
    CHECK(HAS_EMAIL(r, "events@goodnight.at"));
    CHECK(HAS_EMAIL(r, "mail@goodnight.at"));
    /* Joomla 4: base64 attributes */
    r = run(&a, "<joomla-hidden-mail is-link=\"1\" is-email=\"1\" first=\"aW5mbw==\" "
                "last=\"am9vbWxhLW11c3Rlci5kZQ==\" text=\"aW5mb0Bqb29tbGEtbXVzdGVyLmRl\" base=\"\">"
                "This email address is being protected from spambots.</joomla-hidden-mail>");
    CHECK_INT(r.emails_count, 1);
    CHECK_STR(r.emails[0], "info@joomla-muster.de");
    /* the first statement alone is no address; junk base64 is nothing */
    r = run(&a, "<script>var addy1 = 'info' + '&#64;';</script>"
                "<joomla-hidden-mail first=\"!!\" last=\"am9vbWxh\"></joomla-hidden-mail>");
    CHECK_INT(r.emails_count, 0);
    arena_cleanup(&a);
}

TEST(extract_email_rot13_and_css_rtl) {
    struct arena a;
    arena_init(&a);
    struct extract_result r = run(
        &a,
        "<style>.__eae_cssd, .MNJ__qvRN0 {unicode-bidi: bidi-override;direction: rtl;}"
        "</style><p>E-Mail <a href=\"javascript:__eae_open('znvygb:vasb@rinat.ng');\">"
        "<span class=\"__eae_r13\">vasb@rinat.ng</span></a></p>"
        "<p>(<span class=\"__eae_r13\">bxe-crefbany@rinat.ng</span>)</p>"
        "<p><span class=\"MNJ__qvRN0\">ta.gnave@ecneics</span></p>"
        "<p><span style=\"unicode-bidi:bidi-override; direction:rtl\">ta.gnave@eciffo</span></p>");
    CHECK_INT(r.emails_count, 4);
    CHECK_STR(r.emails[0], "info@evang.at");
    CHECK(HAS_EMAIL(r, "okr-personal@evang.at"));
    CHECK(HAS_EMAIL(r, "science@evang.at"));
    CHECK(HAS_EMAIL(r, "office@evang.at"));
    CHECK(!HAS_EMAIL(r, "vasb@rinat.ng"));
    /* direction:rtl alone (real right-to-left text) reverses nothing */
    r = run(&a, "<p style=\"direction: rtl\">info@evang.at</p>");
    CHECK_INT(r.emails_count, 1);
    CHECK_STR(r.emails[0], "info@evang.at");
    arena_cleanup(&a);
}

TEST(extract_email_json_and_script_escapes) {
    struct arena a;
    arena_init(&a);
    /* JSON-LD: escapes decoded, \n is a separator */
    struct extract_result r = run(
        &a,
        "<script type=\"application/ld+json\">{\"@type\":\"Organization\",\"email\":"
        "\"info\\u0040kulu-media.com\",\"sameAs\":[\"https:\\/\\/twitter.com\\/KuluMediaNews\"],"
        "\"description\":\"write to\\nsales@kulu-media.com\"}</script>");
    CHECK_INT(r.emails_count, 2);
    CHECK(HAS_EMAIL(r, "info@kulu-media.com"));
    CHECK(HAS_EMAIL(r, "sales@kulu-media.com"));
    CHECK(HAS_SOCIAL(r, "https://twitter.com/KuluMediaNews"));
    /* inline JS: a literal that is exactly an address counts; a blocklist string does not,
     * and the n of \n never sticks to a local part */
    r = run(&a,
            "<script>var s={\"journalistJoinUsEmail\":\"veronika.rinecker@cointelegraph.com\","
            "\"disallowed_keys\":\"hansjuergen@gmx.de\\nSexx\\nhome20@gmx.net\\nboni@aon.at\","
            "dsn:\"https:\\u002F\\u002F26d85e1737194cc392dd8f51e66f7082@sentry22.x.com\\u002F3\"};"
            "</script><p>\\nhome20@gmx.net</p>");
    CHECK_INT(r.emails_count, 2);
    CHECK(HAS_EMAIL(r, "veronika.rinecker@cointelegraph.com"));
    CHECK(HAS_EMAIL(r, "home20@gmx.net")); /* from the visible text, without the n */
    CHECK(!HAS_EMAIL(r, "nhome20@gmx.net"));
    CHECK(!HAS_EMAIL(r, "hansjuergen@gmx.de"));
    /* a '+'-chained literal */
    r = run(&a, "<script>document.write('info' + '@' + 'chain-muster' + '.de');</script>");
    CHECK_INT(r.emails_count, 1);
    CHECK_STR(r.emails[0], "info@chain-muster.de");
    arena_cleanup(&a);
}

/* Addresses in JavaScript and JSON strings written with escapes: \u0040, \x40,
 * \u{40}, octal \100, \/ in markup, and JSON documents inside string literals. */
TEST(extract_email_escaped_in_js_and_json_strings) {
    struct arena a;
    arena_init(&a);
    static const char *const cases[][2] = {
        {"<script>var o = JSON.parse('{\"email\":\"info\\u0040firma-muster.de\"}');</script>",
         "info@firma-muster.de"},
        /* Next.js flight data: a JSON document inside a JS string, escaped twice */
        {"<script>self.__next_f.push([1,\"{\\\"email\\\":\\\"press\\\\u0040firma-muster.de\\\"}\"])"
         "</script>",
         "press@firma-muster.de"},
        {"<script>var c={\"mail\":\"mailto:team\\u0040firma-muster.de?subject=Anfrage%20\\/%20"
         "Kontakt\",\"url\":\"https:\\/\\/firma-muster.de\\/kontakt\\/\"}</script>",
         "team@firma-muster.de"},
        {"<script>document.write(\"<a href=\\\"mailto:sales\\x40firma-muster.de\\\">Mail<\\/a>\")"
         "</script>",
         "sales@firma-muster.de"},
        {"<script>x = \"office\\u{40}firma-muster.de\";</script>", "office@firma-muster.de"},
        {"<script>x = 'buero\\100firma-muster.de';</script>", "buero@firma-muster.de"},
        {"<a href=\"#\" onclick=\"location.href='mailto:kontakt\\x40firma-muster.de'\">Mail</a>",
         "kontakt@firma-muster.de"},
        {"<div data-props=\"{&quot;email&quot;:&quot;hello\\u0040firma-muster.de&quot;}\"></div>",
         "hello@firma-muster.de"},
        {"<script type=\"application/json\">{\"props\":{\"email\":\"jobs\\u0040firma-muster.de\"}}"
         "</script>",
         "jobs@firma-muster.de"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct extract_result r = run(&a, cases[i][0]);
        if (r.emails_count != 1 || strcmp(r.emails[0], cases[i][1]) != 0)
            fprintf(stderr, "    %s -> %zu %s\n", cases[i][0], r.emails_count,
                    r.emails_count ? r.emails[0] : "");
        CHECK_INT(r.emails_count, 1);
        if (r.emails_count == 1) CHECK_STR(r.emails[0], cases[i][1]);
    }
    /* the exactly-an-address rule still holds one level down: a blocklist in a JSON
     * settings string is no contact */
    struct extract_result r = run(
        &a, "<script>var s = JSON.parse(\"{\\\"disallowed_keys\\\":"
            "\\\"hans@gmx.de\\\\nboni@aon.at\\\"}\");</script>"
            "<div data-x=\"{&quot;note&quot;:&quot;write to a@gmx.de today&quot;}\"></div>");
    CHECK_INT(r.emails_count, 0);
    arena_cleanup(&a);
}

TEST(extract_email_junk_filter) {
    CHECK(extract_email_is_junk("johnsmith@example.com"));
    CHECK(extract_email_is_junk("youremail@email.com"));
    CHECK(extract_email_is_junk("info@yourdomain.com"));
    CHECK(extract_email_is_junk("abc@sentry.wixpress.com"));
    CHECK(extract_email_is_junk("x@o1069899.ingest.sentry.io"));
    CHECK(extract_email_is_junk("26d85e1737194cc392dd8f51e66f7082@sentry22.cointelegraph.com"));
    CHECK(extract_email_is_junk("c3ab8514873549d5b3785ebc7fb83c80@firma-muster.de")); /* hash */
    CHECK(extract_email_is_junk("NoReply@firma-muster.de"));
    CHECK(extract_email_is_junk("no-reply-shop@firma-muster.de"));
    CHECK(extract_email_is_junk("admin@firma-muster.de"));
    CHECK(extract_email_is_junk("test@firma-muster.de"));
    CHECK(extract_email_is_junk("banner@2x.zip")); /* a file extension that is a TLD */
    CHECK(extract_email_is_junk("someone@wix.com"));
    CHECK(!extract_email_is_junk("info@firma-muster.de"));
    CHECK(!extract_email_is_junk("testimonials@firma-muster.de"));
    CHECK(!extract_email_is_junk("support@wixandmore.de"));
    CHECK(!extract_email_is_junk("deadbeef@firma-muster.de")); /* short hex is a name */

    struct arena a;
    arena_init(&a);
    struct extract_result r =
        run(&a, "<input placeholder=\"youremail@email.com\"><p>johnsmith@example.com "
                "noreply@shop-muster.de kontakt@shop-muster.de</p>");
    CHECK_INT(r.emails_count, 1);
    CHECK_STR(r.emails[0], "kontakt@shop-muster.de");
    arena_cleanup(&a);
}

/* An address followed by a file suffix is an asset's name; a label of prose is not. */
TEST(extract_email_followed_by_a_file_suffix_is_an_asset_name) {
    struct arena a;
    arena_init(&a);
    struct extract_result r =
        run(&a, "<p>icon@empty-site.com.jpg logo@firma-muster.de.PNG "
                "/static/team@shop-muster.de.webp?v=2 banner@2x.shop-muster.de.svg</p>"
                "<script>var s = \"hero@shop-muster.de.jpeg\";</script>"
                "<p>Mail a@firma-muster.de.Bitte kontakt@shop-muster.de.</p>");
    CHECK_INT(r.emails_count, 2);
    CHECK(HAS_EMAIL(r, "a@firma-muster.de"));
    CHECK(HAS_EMAIL(r, "kontakt@shop-muster.de"));
    const char **found;
    CHECK_INT(extract_emails_from_text("see icon@empty-site.com.jpg", 27, &a, &found), 0);
    arena_cleanup(&a);
}

TEST(extract_email_dedupe_and_site_split) {
    struct arena a;
    arena_init(&a);
    struct extract_result r = run(&a, "<a href=\"mailto:Steuer-DE@viehbacher.com\">"
                                      "steuer-DE@viehbacher.com</a> STEUER-de@VIEHBACHER.com");
    CHECK_INT(r.emails_count, 1);
    CHECK_STR(r.emails[0], "steuer-de@viehbacher.com");
    CHECK(extract_email_on_site("veronika.rinecker@cointelegraph.com", "de.cointelegraph.com"));
    CHECK(extract_email_on_site("receptionist@dmagazine.com", "www.dmagazine.com"));
    CHECK(extract_email_on_site("x@mail.firma.co.uk", "www.firma.co.uk"));
    CHECK(!extract_email_on_site("office@filana.at", "www.5min.at"));
    CHECK(!extract_email_on_site("a@other.co.uk", "www.firma.co.uk"));
    arena_cleanup(&a);
}

TEST(extract_emails_from_plain_text_api) {
    struct arena a;
    arena_init(&a);
    const char **list;
    const char *text = "Kontakt: a@firma-eins.de, b [at] firma-zwei [dot] de, A@FIRMA-EINS.DE, "
                       "test@firma-eins.de, logo@2x.png";
    size_t n = extract_emails_from_text(text, strlen(text), &a, &list);
    CHECK_INT(n, 2);
    CHECK_STR(list[0], "a@firma-eins.de");
    CHECK_STR(list[1], "b@firma-zwei.de");
    n = extract_emails_from_text("no address here", 15, &a, &list);
    CHECK_INT(n, 0);
    arena_cleanup(&a);
}

/* ---- phones ---- */

TEST(extract_phone_tel_links) {
    struct arena a;
    arena_init(&a);
    struct extract_result r =
        run_url(&a,
                "<a href=\"tel:0664 1183226\">Anrufen</a><a href=\"tel://+42077533333\"></a>"
                "<a href=\"tel:+49%2089%201234567;ext=12\">x</a>",
                "https://www.5min.at/x");
    CHECK_INT(r.phones_count, 3);
    CHECK_STR(r.phones[0], "0664 1183226");
    CHECK_STR(r.phones_normalized[0], "+436641183226");
    CHECK(HAS_PHONE(r, "+42077533333"));
    CHECK(HAS_PHONE(r, "+49891234567"));
    /* the link text, when it is the same number, is the display form (country from .de) */
    r = run(&a, "<a href=\"tel:+493420230900\">034202-3090-0</a>"
                "<a href=\"tel:+49621123456\">0621 999999</a>");
    CHECK_INT(r.phones_count, 2);
    CHECK_STR(r.phones[0], "034202-3090-0");
    CHECK_STR(r.phones[1], "+49621123456");
    r = run(&a, "<a href=\"tel:\">x</a><a href=\"tel:{{phone}}\">x</a><a href=\"tel:12\">x</a>");
    CHECK_INT(r.phones_count, 0);
    arena_cleanup(&a);
}

TEST(extract_phone_text_needs_plus_or_keyword) {
    struct arena a;
    arena_init(&a);
    struct extract_result r = run_url(
        &a,
        "<span>Tel: 214.939.3636</span> <span>Fax: 214.748.4579</span>"
        "<p>Adresse ... +43 1 72570</p><table><tr><td><strong>Telefon:</strong></td><td>"
        "<p>034771/28076</p></td></tr></table><p>Telefon +43\xc2\xa0"
        "59\xc2\xa0"
        "1517\xc2\xa0"
        "00, E-Mail</p>"
        "<p>Tel. <span itemprop=\"telephone\">+49 (0) 89 20 80 27 250</span></p>"
        "<p>Bestelltelefon: 034202-3090-0</p><p><span itemprop=\"telephone\">0621 123456</span></p>"
        "<p>Tel.+49 711 987654</p>",
        "https://www.dmagazine.com/");
    CHECK_INT(r.phones_count, 9);
    CHECK(HAS_PHONE(r, "+49711987654"));
    CHECK(HAS_PHONE(r, "2149393636"));
    CHECK(HAS_PHONE(r, "2147484579"));
    CHECK(HAS_PHONE(r, "+43172570"));
    CHECK(HAS_PHONE(r, "03477128076"));
    CHECK(HAS_PHONE(r, "+4359151700"));
    CHECK_STR(r.phones[4], "+43 59 1517 00"); /* no-break spaces become spaces */
    CHECK(HAS_PHONE(r, "+4989208027250"));    /* (0) trunk dropped */
    CHECK(HAS_PHONE(r, "03420230900"));
    CHECK(HAS_PHONE(r, "0621123456"));     /* itemprop=telephone is context enough */
    r = run(&a, "<p>+49 621 123 456</p>"); /* three-digit groups are fine without zeros */
    CHECK_INT(r.phones_count, 1);
    /* no keyword, no +: not a phone */
    r = run(&a,
            "<p>Bestellnummer 0621 1234567</p><p>Ref 034202-3090-0</p><p>1 2 3 4 5 6 7 8 9 0</p>");
    CHECK_INT(r.phones_count, 0);
    arena_cleanup(&a);
}

/* Formats real pages use: extensions, the NANP long-distance 1 (toll-free too),
 * trunk prefixes and country codes in parentheses. {page text, display, normalised}. */
TEST(extract_phone_extensions_long_distance_one_and_parenthesised_prefixes) {
    struct arena a;
    arena_init(&a);
    static const char *const cases[][3] = {
        {"Tel: (415) 555-0142 ext. 89", "(415) 555-0142 ext. 89", "4155550142;ext=89"},
        {"Phone: (415) 555-0142, ext. 204", "(415) 555-0142, ext. 204", "4155550142;ext=204"},
        {"Phone: 415-555-0142 x 12", "415-555-0142 x 12", "4155550142;ext=12"},
        {"Phone: 415-555-0142x12", "415-555-0142x12", "4155550142;ext=12"},
        {"Phone: 415.555.0142 #7", "415.555.0142 #7", "4155550142;ext=7"},
        {"Tel: +1 415 555 0142 Ext: 31", "+1 415 555 0142 Ext: 31", "+14155550142;ext=31"},
        {"Tel: 415 555 0142 extension 7", "415 555 0142 extension 7", "4155550142;ext=7"},
        {"Call 1-800-555-0199 today", "1-800-555-0199", "+18005550199"},
        {"Toll-free: 1-888-555-0142", "1-888-555-0142", "+18885550142"},
        {"Toll free 1 (866) 555-0142", "1 (866) 555-0142", "+18665550142"},
        {"Tel. 1.415.555.0142", "1.415.555.0142", "+14155550142"},
        {"Orders: 1-877-555-0123", "1-877-555-0123", "+18775550123"}, /* no keyword needed */
        {"Tel. (0)89 2180 3456", "(0)89 2180 3456", "+498921803456"}, /* run(): a .de page */
        {"Telefon: (089) 2180 3456", "(089) 2180 3456", "+498921803456"},
        {"Tel: (0 30) 218 03 45", "(0 30) 218 03 45", "+49302180345"},
        {"Tel: +44 (0)20 7946 0958", "+44 (0)20 7946 0958", "+442079460958"},
        {"Tel: (+49) 89 21803456", "(+49) 89 21803456", "+498921803456"},
        {"(+43) 664 1183226", "(+43) 664 1183226", "+436641183226"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char html[128];
        snprintf(html, sizeof html, "<p>%s</p>", cases[i][0]);
        struct extract_result r = run(&a, html);
        if (r.phones_count != 1 || strcmp(r.phones[0], cases[i][1]) != 0 ||
            strcmp(r.phones_normalized[0], cases[i][2]) != 0)
            fprintf(stderr, "    %s -> %zu %s %s\n", cases[i][0], r.phones_count,
                    r.phones_count ? r.phones[0] : "",
                    r.phones_count ? r.phones_normalized[0] : "");
        CHECK_INT(r.phones_count, 1);
        if (r.phones_count != 1) continue;
        CHECK_STR(r.phones[0], cases[i][1]);
        CHECK_STR(r.phones_normalized[0], cases[i][2]);
    }
    /* the long-distance form and the local one are one phone; extensions make two */
    struct extract_result r =
        run(&a, "<p>Call 1-415-555-0142 or Tel. (415) 555-0142, Tel. 415-555-0142 x7</p>");
    CHECK_INT(r.phones_count, 2);
    CHECK_STR(r.phones_normalized[0], "+14155550142");
    CHECK_STR(r.phones_normalized[1], "4155550142;ext=7");
    /* still not phones on a page: no keyword, or no extension digits */
    r = run(&a, "<p>Order 415-555-0142 today</p><p>(089) 2180 3456</p><p>ISBN 1-55860-832-X</p>");
    CHECK_INT(r.phones_count, 0);
    r = run(&a, "<p>Tel: 415-555-0142 extra</p>");
    CHECK_INT(r.phones_count, 1);
    CHECK_STR(r.phones[0], "415-555-0142");
    arena_cleanup(&a);
}

/* Search snippets are too short to carry a "call" cue: numbers in shapes no other
 * number has count without one. */
TEST(extract_phones_in_snippets_without_a_keyword) {
    struct arena a;
    arena_init(&a);
    static const char *const cases[][3] = {
        {"Acme Plumbing - 24/7 service. (415) 555-0142. Open now", "(415) 555-0142",
         "+14155550142"},
        {"Acme Plumbing · 415-555-0142 · San Francisco", "415-555-0142", "+14155550142"},
        {"Free estimates 1-800-555-0199, licensed", "1-800-555-0199", "+18005550199"},
        {"Müller GmbH, München (089) 2180 3456 Öffnungszeiten", "(089) 2180 3456",
         "+498921803456"},
        {"Müller GmbH (0)89 2180 3456", "(0)89 2180 3456", "+498921803456"},
        {"Acme, 415.555.0142 ext. 12", "415.555.0142 ext. 12", "+14155550142;ext=12"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char **disp, **norm;
        const char *cc = strstr(cases[i][0], "nchen") || strstr(cases[i][0], "ller") ? "49" : "1";
        size_t n = extract_phones_from_text(cases[i][0], strlen(cases[i][0]), cc, &a, &disp, &norm);
        if (n != 1 || strcmp(disp[0], cases[i][1]) != 0)
            fprintf(stderr, "    %s -> %zu %s\n", cases[i][0], n, n ? disp[0] : "");
        CHECK_INT(n, 1);
        if (n != 1) continue;
        CHECK_STR(disp[0], cases[i][1]);
        CHECK_STR(norm[0], cases[i][2]);
    }
    static const char *const none[] = {
        "Updated 2023-05-12, 1,234,567 views",
        "ISBN 978-3-16-148410-0 (2019) 312 pages",
        "Price $415-555 range, 12.05.2023",
        "Population 415 555 0142 people", /* plain spaces are no NANP shape */
        "Order (0)1 item",
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        const char **disp, **norm;
        size_t n = extract_phones_from_text(none[i], strlen(none[i]), "1", &a, &disp, &norm);
        if (n) fprintf(stderr, "    %s -> %s\n", none[i], disp[0]);
        CHECK_INT(n, 0);
    }
    arena_cleanup(&a);
}

TEST(extract_phone_rejects_non_phone_shapes) {
    struct arena a;
    arena_init(&a);
    /* each one is next to a keyword or has a +, and still is no phone */
    struct extract_result r =
        run(&a, "<p>Tel. 12.05.2023</p><p>Tel: 2023-05-12</p><p>Telefon 08.00 - 16.00</p>"
                "<p>Tel 2019-2023</p><p>Tel. 1234-1256</p><p>Koordinaten +48.2082167</p>"
                "<p>Tel: 25,13 &euro;/l</p><p>Phone: $1234567</p><p>Tel: ABC1234567</p>"
                "<p>Tel: 1234567EUR</p><p>Tel: 1 2 3 4 5 6 7 8 9 0</p><p>Tel: 12345</p>"
                "<p>Tel: 1234567890123456789</p><p>+1234567890</p><p>Fax 1111111111</p>"
                "<p>Hotel 0621 1234567</p><p>+49.5</p><p>Severin-Schreiber-Gasse 1+3, 1180 Wien</p>"
                "<p>Tel: D-80331 12</p><p>Preis: 1.234.567,00 Tel</p><p>+25 000 000 Nutzer</p>"
                "<p>UTC+01:00</p><p>+20% mehr</p>");
    for (size_t i = 0; i < r.phones_count; i++)
        fprintf(stderr, "    unexpected %s\n", r.phones[i]);
    CHECK_INT(r.phones_count, 0);
    arena_cleanup(&a);
}

TEST(extract_phone_dedupe_on_normalised_digits) {
    struct arena a;
    arena_init(&a);
    /* tel: in E.164 and the text in national form: one phone (country from .de) */
    struct extract_result r =
        run(&a, "<a href=\"tel:+493420230900\">Bestellen</a> Bestelltelefon: 034202-3090-0 "
                "Service Hotline 034202 3090 0");
    CHECK_INT(r.phones_count, 1);
    CHECK_STR(r.phones_normalized[0], "+493420230900");
    /* 00 and + are the same; a national number matching an international one folds
     * even where the country is unknown */
    r = run_url(&a,
                "<a href=\"tel:0080040020000\">x</a> Telefon: 00800 400 200 00 "
                "Telefon +43 59 151700, Tel. 059 151700",
                "https://www.example.info/");
    CHECK_INT(r.phones_count, 2);
    CHECK_STR(r.phones_normalized[0], "+80040020000");
    CHECK_STR(r.phones_normalized[1], "+4359151700");

    char out[32];
    CHECK(extract_phone_normalize("+49 (0) 99 73 84 59 – 0", NULL, out, sizeof out));
    CHECK_STR(out, "+49997384590");
    CHECK(extract_phone_normalize("+49 0171 1234567", NULL, out, sizeof out));
    CHECK_STR(out, "+491711234567");
    CHECK(extract_phone_normalize("06051 88770 230", "49", out, sizeof out));
    CHECK_STR(out, "+49605188770230");
    CHECK(extract_phone_normalize("06 1234 5678", "39", out, sizeof out)); /* Italy keeps its 0 */
    CHECK_STR(out, "+390612345678");
    CHECK(extract_phone_normalize("(214) 939-3636", "1", out, sizeof out));
    CHECK_STR(out, "+12149393636");
    CHECK(extract_phone_normalize("214.939.3636", NULL, out, sizeof out));
    CHECK_STR(out, "2149393636");
    CHECK(!extract_phone_normalize("1234", NULL, out, sizeof out));
    CHECK(!extract_phone_normalize("+1234567890123456", NULL, out, sizeof out));
    CHECK(!extract_phone_normalize("+4989208027250", NULL, out, 8)); /* out too small */
    CHECK_STR(extract_country_code_for_host("www.ebrosia.de"), "49");
    CHECK(extract_country_code_for_host("www.dmagazine.com") == NULL);
    arena_cleanup(&a);
}

/* ---- social ---- */

TEST(extract_social_profiles_canonical) {
    struct arena a;
    arena_init(&a);
    static const char *const cases[][2] = {
        {"https://www.facebook.com/DMagazineOnline/", "https://facebook.com/DMagazineOnline"},
        {"http://www.Facebook.de/inundumsw", "https://facebook.com/inundumsw"},
        {"https://m.facebook.com/profile.php?id=100063790230362&ref=x",
         "https://facebook.com/profile.php?id=100063790230362"},
        {"fb.com/dada5678?query=1", "https://facebook.com/dada5678"},
        {"https://www.facebook.com/pages/category/category-name/page-name-and-ID/",
         "https://facebook.com/pages/category/category-name/page-name-and-ID"},
        {"https://twitter.com/PositiveNewsUK?ref_src=twsrc", "https://x.com/PositiveNewsUK"},
        {"https://x.com/apify", "https://x.com/apify"},
        {"https://twitter.com/intent/follow?screen_name=enews", "https://x.com/enews"},
        {"https://cz.linkedin.com/in/somecountry/", "https://linkedin.com/in/somecountry"},
        {"https://www.linkedin.com/company/schwimmverband-%C3%B6sterreich",
         "https://linkedin.com/company/schwimmverband-%C3%B6sterreich"},
        {"https://www.instagram.com/kinzignews/?hl=de", "https://instagram.com/kinzignews"},
        {"https://www.youtube.com/channel/UCj0T_42lNUOVJgGX3c8Qr-g?sub_confirmation=1",
         "https://youtube.com/channel/UCj0T_42lNUOVJgGX3c8Qr-g"},
        {"https://www.youtube.com/user/dmagazine", "https://youtube.com/user/dmagazine"},
        {"https://youtube.com/@BiancaZapatka", "https://youtube.com/@BiancaZapatka"},
        {"https://www.tiktok.com/@kulu.media?lang=de", "https://tiktok.com/@kulu.media"},
        {"https://www.tiktok.com/@username/video/1234567890123456789",
         "https://tiktok.com/@username"},
        {"https://www.pinterest.de/biancazapatka/", "https://pinterest.com/biancazapatka"},
        {"https://www.pinterest.com/eentertainment/pins/follow/?guid=x",
         "https://pinterest.com/eentertainment"},
        {"https://www.snapchat.com/add/e_news", "https://snapchat.com/add/e_news"},
        {"https://telegram.me/cointelegraphde", "https://t.me/cointelegraphde"},
        {"https://t.me/s/sw1news", "https://t.me/sw1news"},
        {"https://wa.me/4366412345678", "https://wa.me/4366412345678"},
        {"https://api.whatsapp.com/send?phone=+4366412345678&text=Hi",
         "https://wa.me/4366412345678"},
        {"https://open.spotify.com/show/0vT7LJMeVDxyQ2ZamHKu08?si=abc",
         "https://open.spotify.com/show/0vT7LJMeVDxyQ2ZamHKu08"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = extract_social_canonical(cases[i][0], (size_t)-1, &a);
        if (!got || strcmp(got, cases[i][1]) != 0)
            fprintf(stderr, "    %s -> %s\n", cases[i][0], got ? got : "(null)");
        CHECK_STR(got, cases[i][1]);
    }
    arena_cleanup(&a);
}

/* The reference's crawl example answers "https://twitter.com/example",
 * "https://www.linkedin.com/company/example", "https://www.facebook.com/example":
 * https, the host as the page wrote it, the profile path, no tracking query. */
TEST(extract_social_profiles_keep_the_pages_host_spelling) {
    struct arena a;
    arena_init(&a);
    static const char *const cases[][2] = {
        {"https://twitter.com/example", "https://twitter.com/example"},
        {"https://www.linkedin.com/company/example/", "https://www.linkedin.com/company/example"},
        {"http://www.facebook.com/example?ref=ts&fref=ts", "https://www.facebook.com/example"},
        {"https://X.com/apify?s=20", "https://x.com/apify"},
        {"https://twitter.com/intent/follow?screen_name=enews", "https://twitter.com/enews"},
        {"https://WWW.Instagram.com/kinzignews/?hl=de&utm_source=ig",
         "https://www.instagram.com/kinzignews"},
        {"//www.youtube.com/channel/UCj0T_42lNUOVJgGX3c8Qr-g?sub_confirmation=1",
         "https://www.youtube.com/channel/UCj0T_42lNUOVJgGX3c8Qr-g"},
        {"https://www.pinterest.de:443/biancazapatka/", "https://www.pinterest.de/biancazapatka"},
        {"https://m.facebook.com/profile.php?id=100063790230362&ref=x",
         "https://m.facebook.com/profile.php?id=100063790230362"},
        {"https://telegram.me/cointelegraphde", "https://telegram.me/cointelegraphde"},
        {"https://www.tiktok.com/@username/video/1234567890123456789",
         "https://www.tiktok.com/@username"},
        {"https://api.whatsapp.com/send?phone=+4366412345678&text=Hi",
         "https://wa.me/4366412345678"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = extract_social_profile(cases[i][0], (size_t)-1, &a);
        if (!got || strcmp(got, cases[i][1]) != 0)
            fprintf(stderr, "    %s -> %s\n", cases[i][0], got ? got : "(null)");
        CHECK_STR(got, cases[i][1]);
    }
    CHECK(extract_social_profile("https://twitter.com/intent/tweet?text=x", (size_t)-1, &a) ==
          NULL);
    /* on a page: the first spelling is kept, later spellings of the same profile are dups */
    struct extract_result r =
        run(&a, "<a href=\"https://twitter.com/example\">t</a>"
                "<a href=\"https://www.linkedin.com/company/example\">l</a>"
                "<a href=\"https://www.facebook.com/example?utm_source=site\">f</a>"
                "<a href=\"https://x.com/Example\">x</a>"
                "<a href=\"https://facebook.com/example/\">f</a>"
                "<meta name=\"twitter:site\" content=\"@example\">");
    CHECK_INT(r.social_count, 3);
    CHECK_STR(r.social[0], "https://twitter.com/example");
    CHECK_STR(r.social[1], "https://www.linkedin.com/company/example");
    CHECK_STR(r.social[2], "https://www.facebook.com/example");
    r = run(&a, "<meta name=\"twitter:site\" content=\"@example\">");
    CHECK_INT(r.social_count, 1);
    CHECK_STR(r.social[0], "https://twitter.com/example");
    arena_cleanup(&a);
}

TEST(extract_social_never_share_intent_pixel_or_post_links) {
    struct arena a;
    arena_init(&a);
    static const char *const rejects[] = {
        "https://www.facebook.com/sharer/sharer.php?u=x",
        "https://www.facebook.com/sharer.php?u=x",
        "https://www.facebook.com/share.php?u=x",
        "https://www.facebook.com/dialog/send?app_id=1",
        "https://www.facebook.com/tr?id=5441529955881558&ev=PageView&noscript=1",
        "https://www.facebook.com/",
        "https://twitter.com/intent/tweet?text=x",
        "https://twitter.com/intent/tweet",
        "https://twitter.com/share?url=x",
        "https://twitter.com/DieTagespresse/status/123",
        "https://www.linkedin.com/shareArticle?mini=true&url=x",
        "https://www.linkedin.com/cws/share?url=x",
        "https://pinterest.com/pin/create/button/?url=x",
        "https://pinterest.com/pin/find/?url=x",
        "https://www.pinterest.at/pin/351912457360490/sent/?invite_code=x",
        "https://www.instagram.com/p/BpWxLP7HzN3/?utm_source=ig_embed",
        "https://www.instagram.com/explore/tags/biancazapatka/",
        "https://www.youtube.com/",
        "https://www.youtube.com/user/{$youtubename}",
        "https://www.youtube.com/watch?v=abc",
        "https://youtu.be/kM7YfhfkiEE",
        "https://www.tiktok.com/embed/1234567890123456789/",
        "https://wa.me/?text=Firefox",
        "https://api.whatsapp.com/send?text=x",
        "https://telegram.me/share/url?url=x",
        "https://t.me/share/url?url=x",
        "https://discord.gg/abc",
        "https://open.spotify.com/track/abc123",
        "https://developers.facebook.com/docs",
        "https://www.notfacebook.com/name",
        "mailto:x@facebook.com",
    };
    for (size_t i = 0; i < sizeof rejects / sizeof rejects[0]; i++) {
        const char *got = extract_social_canonical(rejects[i], (size_t)-1, &a);
        if (got) fprintf(stderr, "    %s -> %s\n", rejects[i], got);
        CHECK(got == NULL);
    }
    /* entities are decoded before classifying: this is the wa.me share link */
    struct extract_result r = run(&a, "<a href=\"https://wa.me/?text&#x3D;Firefox\">share</a>");
    CHECK_INT(r.social_count, 0);
    arena_cleanup(&a);
}

TEST(extract_social_from_hrefs_text_jsonld_deduplicated) {
    struct arena a;
    arena_init(&a);
    struct extract_result r = run(
        &a,
        "<a href=\"https://twitter.com/kulumedianews\">t</a>"
        "<a href=\"https://www.facebook.com/KuluMedia/\">f</a>"
        "<a href=\"https://facebook.com/kulumedia\">f2</a>"
        "<p>https://www.linkedin.com/in/bobnewman and https://www.linkedin.com/in/bobnewman/</p>"
        "<script "
        "type=\"application/ld+json\">{\"sameAs\":[\"https:\\/\\/twitter.com\\/KuluMediaNews\","
        "\"https://www.youtube.com/channel/UCj0T_42lNUOVJgGX3c8Qr-g?sub_confirmation=1\"]}</script>"
        "<meta name=\"twitter:site\" content=\"@kulumedianews\">"
        "<noscript><img src=\"https://www.facebook.com/tr?id=1&ev=PageView\"></noscript>"
        "<script>var share='https://www.facebook.com/sharer.php?u=x';</script>");
    CHECK_INT(r.social_count, 4);
    CHECK_STR(r.social[0], "https://twitter.com/kulumedianews");
    CHECK_STR(r.social[1], "https://www.facebook.com/KuluMedia");
    CHECK(HAS_SOCIAL(r, "https://www.linkedin.com/in/bobnewman"));
    CHECK(HAS_SOCIAL(r, "https://www.youtube.com/channel/UCj0T_42lNUOVJgGX3c8Qr-g"));
    arena_cleanup(&a);
}

/* ---- metadata, links, charset ---- */

TEST(extract_metadata) {
    struct arena a;
    arena_init(&a);
    struct extract_result r = run_url(
        &a,
        "<html><head><title>\n  Caf&eacute; &amp; Bar &#x2013; Home </title>"
        "<meta name=\"description\" content=\"\"><meta name=\"Description\" content=\"Beste "
        " Kaffeebar\"><meta name=\"keywords\" content=\"kaffee, bar\">"
        "<meta property=\"og:image\" content=\"/img/og.jpg\"><meta property=\"og:image\" "
        "content=\"https://cdn.x.de/second.jpg\"></head><body><svg><title>Icon</title></svg>"
        "<title>Second</title></body></html>",
        "https://www.cafe-muster.de/menu/index.html");
    CHECK_STR(r.title, "Caf\xc3\xa9 & Bar \xe2\x80\x93 Home");
    CHECK_STR(r.description, "Beste Kaffeebar");
    CHECK_STR(r.keywords, "kaffee, bar");
    CHECK_STR(r.image, "https://www.cafe-muster.de/img/og.jpg");
    /* og:title and og:description stand in; absent fields are "" */
    r = run(&a, "<head><svg><title>Icon</title></svg><meta property=\"og:title\" content=\"OG T\">"
                "<meta property=\"og:description\" content=\"OG D\"></head>");
    CHECK_STR(r.title, "OG T");
    CHECK_STR(r.description, "OG D");
    CHECK_STR(r.keywords, "");
    CHECK_STR(r.image, "");
    r = run(&a, "");
    CHECK_STR(r.title, "");
    CHECK_INT(r.emails_count + r.phones_count + r.social_count + r.links_count, 0);
    arena_cleanup(&a);
}

TEST(extract_links_resolved_and_deduplicated) {
    struct arena a;
    arena_init(&a);
    struct extract_result r = run_url(
        &a,
        "<a href=\"/kontakt#form\">K</a><a href=\"impressum.html\">I</a>"
        "<a href=\"https://www.shop.de/kontakt\">again</a><a href=\"#top\">top</a>"
        "<a href=\"mailto:a@shop.de\">m</a><a href=\"javascript:void(0)\">j</a>"
        "<a href=\"tel:123\">t</a><a href=\"//cdn.shop.de/x?a=1&amp;b=2\">cdn</a>"
        "<a href=\"../up/./page\">up</a><area href=\"/area\"><a href=\"ftp://x.de/f\">ftp</a>",
        "https://www.shop.de/dir/page.html");
    CHECK_INT(r.links_count, 5);
    CHECK_STR(r.links[0], "https://www.shop.de/kontakt");
    CHECK_STR(r.links[1], "https://www.shop.de/dir/impressum.html");
    CHECK_STR(r.links[2], "https://cdn.shop.de/x?a=1&b=2");
    CHECK_STR(r.links[3], "https://www.shop.de/up/page");
    CHECK_STR(r.links[4], "https://www.shop.de/area");
    /* <base> changes where relative links point */
    r = run_url(&a, "<base href=\"https://other.de/base/\"><a href=\"x.html\">x</a>",
                "https://www.shop.de/dir/page.html");
    CHECK_INT(r.links_count, 1);
    CHECK_STR(r.links[0], "https://other.de/base/x.html");
    /* without a page URL only absolute links are kept */
    r = run_url(&a, "<a href=\"x.html\">x</a><a href=\"http://abs.de/y#z\">y</a>", NULL);
    CHECK_INT(r.links_count, 1);
    CHECK_STR(r.links[0], "http://abs.de/y");
    arena_cleanup(&a);
}

TEST(extract_charset_conversion) {
    struct arena a;
    arena_init(&a);
    /* Latin-1 bytes: "Müller" and an e-mail after "Straße" */
    const char latin1[] = "<meta charset=\"iso-8859-1\"><title>M\xfcller</title>"
                          "<p>Stra\xdf"
                          "e 1, m\xfcller@firma-muster.de info@firma-muster.de</p>";
    struct extract_result r = run(&a, latin1);
    CHECK_STR(r.title, "M\xc3\xbcller");
    CHECK(HAS_EMAIL(r, "info@firma-muster.de"));
    /* the HTTP header wins over the page; valid UTF-8 is used as it is */
    const char *out;
    size_t n;
    const char cyr[] = "\xcf\xf0\xe8\xe2\xe5\xf2"; /* "Привет" in windows-1251 */
    extract_to_utf8(cyr, 6, "text/html; charset=windows-1251", &a, &out, &n);
    CHECK_STR(out, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
    const char *utf8 = "<title>M\xc3\xbcller</title>";
    extract_to_utf8(utf8, strlen(utf8), "text/html; charset=iso-8859-1", &a, &out, &n);
    CHECK(out == utf8);
    extract_to_utf8("a\xff"
                    "b",
                    3, "text/html; charset=utf-8", &a, &out, &n);
    CHECK_STR(out, "a\xef\xbf\xbd"
                   "b");
    arena_cleanup(&a);
}

/* ---- merging, robustness, speed ---- */

TEST(extract_merge_deduplicates_across_pages) {
    struct arena a;
    arena_init(&a);
    struct extract_result one =
        run(&a, "<title>Home</title><p>info@shop-muster.de Tel +49 621 123456"
                "</p><a href=\"https://twitter.com/Shop\">t</a>"
                "<a href=\"/a\">a</a>");
    struct extract_result two =
        run(&a, "<title>Kontakt</title><meta name=\"description\" content=\"D2\">"
                "<p>INFO@shop-muster.de sales@shop-muster.de Tel: 0621 123456 Fax: 0621 123457</p>"
                "<a href=\"https://x.com/shop\">x</a><a href=\"/a\">a</a><a href=\"/b\">b</a>");
    extract_merge(&one, &two, &a);
    CHECK_INT(one.emails_count, 2);
    CHECK_STR(one.emails[1], "sales@shop-muster.de");
    CHECK_INT(one.phones_count, 2);
    CHECK_STR(one.phones_normalized[0], "+49621123456");
    CHECK_STR(one.phones_normalized[1], "+49621123457");
    CHECK_INT(one.social_count, 1);
    CHECK_STR(one.social[0], "https://twitter.com/Shop"); /* the first spelling */
    CHECK_INT(one.links_count, 4); /* /a, /b and the two profile links */
    CHECK_STR(one.title, "Home");
    CHECK_STR(one.description, "D2");
    /* merging into an empty result copies */
    struct extract_result empty;
    extract_result_init(&empty);
    extract_merge(&empty, &two, &a);
    CHECK_INT(empty.emails_count, 2);
    CHECK_STR(empty.title, "Kontakt");
    arena_cleanup(&a);
}

TEST(extract_tokenizer_survives_broken_markup) {
    struct arena a;
    arena_init(&a);
    static const char *const inputs[] = {
        "<",
        "<a",
        "<a href",
        "<a href=",
        "<a href=\"",
        "<!--",
        "<!-- x --",
        "<script>",
        "<script>var a = '",
        "</",
        "<!",
        "<?",
        "&",
        "&#",
        "&#x",
        "&#99999999999;",
        "<a href=\"mailto:",
        "<a href='tel:",
        "<title>",
        "<style>{",
        "<a href=\"fb.com/pages/x>y</a>",
        "<span class=\"__eae_r13\"><b>",
        "<div style=\"direction:rtl;unicode-bidi:bidi-override\">x",
        "[at]",
        " at ",
        "+",
        "+4",
        "(",
        "Tel:",
        "\xff\xfe<\x00>",
        "<joomla-hidden-mail first=\"",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        struct extract_result r;
        CHECK(extract_page(inputs[i], strlen(inputs[i]), "https://x.de/", &a, &r) == RC_OK);
        CHECK(r.title != NULL && r.description != NULL);
    }
    struct extract_result r;
    CHECK(extract_page(NULL, 0, NULL, &a, &r) == RC_OK);
    CHECK(extract_page(NULL, 5, NULL, &a, &r) == RC_INVALID);
    /* an unclosed quote runs on to the next quote, as in a browser */
    r = run(&a, "<a href=\"fb.com/pages/page-name/142434434>link</a>\n<a href=\"https://tiktok.com/"
                "@jack1234\">Profile</a><p>after@firma-muster.de</p>");
    CHECK(HAS_EMAIL(r, "after@firma-muster.de"));
    CHECK(HAS_SOCIAL(r, "https://fb.com/pages/page-name/142434434"));
    arena_cleanup(&a);
}

static double page_ms(struct arena *a, const char *html, size_t n) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct extract_result r;
    extract_page(html, n, "https://www.shop.de/", a, &r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

/* Pathological 1 MB inputs finish in linear time (a quadratic scan would take seconds). */
TEST(extract_speed_is_linear_on_hostile_pages) {
    static const char *const units[] = {
        "@",
        "a@",
        "a@b.",
        "x@y.de ",
        "<a ",
        "<a href=\"",
        "[at] ",
        " at x [dot] ",
        "Tel: 1 ",
        "+1 ",
        "1-",
        "&#64;",
        "<span>",
        "</span>",
        "'a'+",
        "addy=addy+'",
        "<!--",
        "http://x",
        "<b class=\"__eae_r13\">",
        "<p style=\"unicode-bidi:bidi-override;direction:rtl\">x",
        "<script>",
        "\\u0040",
        "<meta name=description content=",
        "znvygb:",
        "<script>x='\\'",
        "\\'",
        "addy=\"",
        "<p>Tel: +49 621 ",
        "<a href=x>",
        "<span class=__eae_cssd>a",
        "<p itemprop=telephone>",
    };
    enum { SIZE = 1 << 20 };
    char *buf = malloc(SIZE + 1);
    struct arena a;
    arena_init(&a);
    double worst = 0;
    const char *worst_unit = "";
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t ul = strlen(units[u]), n = 0;
        while (n + ul <= SIZE)
            memcpy(buf + n, units[u], ul), n += ul;
        buf[n] = '\0';
        double ms = page_ms(&a, buf, n);
        if (ms > worst) worst = ms, worst_unit = units[u];
        arena_cleanup(&a);
    }
    /* many distinct items: phones (national and international, folded), links, emails */
    static const char *const kinds[] = {"distinct phones", "distinct relative links",
                                        "distinct emails", "distinct profiles"};
    for (int f = 0; f < 4; f++) {
        size_t n = 0;
        for (int i = 0; n + 80 < SIZE; i++) {
            size_t room = SIZE + 1 - n;
            int w = f == 0 ? snprintf(buf + n, room, "<p>Tel: +49 621 %07d Fax 0621 %07d</p>", i, i)
                    : f == 1 ? snprintf(buf + n, room, "<a href=\"/p/%d\">%d</a>", i, i)
                    : f == 2
                        ? snprintf(buf + n, room, "<p>u%d@firma%d.de</p>", i, i)
                        : snprintf(buf + n, room, "<a href=\"https://fb.com/page%d\">x</a>", i);
            n += (size_t)w;
        }
        double ms = page_ms(&a, buf, n);
        if (ms > worst) worst = ms, worst_unit = kinds[f];
        arena_cleanup(&a);
    }
    free(buf);
    printf("    slowest hostile 1 MB page: %.1f ms (unit \"%s\")\n", worst, worst_unit);
    CHECK(worst < 1500);
}
