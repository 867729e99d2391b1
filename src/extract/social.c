/* Social profiles: a link is classified by host and path into one network's
 * profile form, or rejected (share/intent/dialog links, pixels, posts, videos,
 * embeds, bare hosts, template placeholders). Two forms come out: the canonical
 * one, https://host/path with no www./m./country label, no query (but Facebook's
 * profile.php?id=), no fragment and no trailing slash, twitter.com as x.com,
 * telegram.me as t.me, fb.com and facebook.<cc> as facebook.com -- the key that
 * deduplicates; and the profile as answers give it (the reference's
 * "https://www.linkedin.com/company/example"): the same path on the host as the
 * page wrote it. */
#include <string.h>

#include "extract/internal.h"

enum net {
    NET_NONE,
    NET_FACEBOOK,
    NET_TWITTER,
    NET_LINKEDIN,
    NET_INSTAGRAM,
    NET_YOUTUBE,
    NET_TIKTOK,
    NET_PINTEREST,
    NET_SNAPCHAT,
    NET_TELEGRAM,
    NET_WHATSAPP,
    NET_SPOTIFY,
};

enum { SEG_MAX = 8, URL_MAX = 2048 };

struct seg {
    const char *s;
    size_t n;
};

static bool seq(struct seg g, const char *lit) {
    return ex_ieq(g.s, g.n, lit);
}

static bool in_set(struct seg g, const char *const *set) {
    for (; *set; set++)
        if (seq(g, *set)) return true;
    return false;
}

/* Every byte of g is a letter, digit or one of extra. */
static bool chars_ok(struct seg g, const char *extra, size_t min, size_t max) {
    if (g.n < min || g.n > max) return false;
    for (size_t i = 0; i < g.n; i++) {
        unsigned char ch = (unsigned char)g.s[i];
        if (!ex_is_alnum(ch) && !strchr(extra, ch)) return false;
    }
    return true;
}

static bool is_cc_label(const char *s, size_t n) {
    /* "de", "uk", "de-de", "de_de" */
    if (n == 2) return ex_is_alpha((unsigned char)s[0]) && ex_is_alpha((unsigned char)s[1]);
    if (n == 5)
        return ex_is_alpha((unsigned char)s[0]) && ex_is_alpha((unsigned char)s[1]) &&
               (s[2] == '-' || s[2] == '_') && ex_is_alpha((unsigned char)s[3]) &&
               ex_is_alpha((unsigned char)s[4]);
    return false;
}

/* Is rest (after "name.") "com", a ccTLD or "co.xx"/"com.xx"? */
static bool brand_tld(const char *rest, size_t n) {
    if (ex_ieq(rest, n, "com")) return true;
    if (n == 2) return is_cc_label(rest, n);
    if (n == 5 && ex_istarts(rest, n, "co.")) return is_cc_label(rest + 3, 2);
    if (n == 6 && ex_istarts(rest, n, "com.")) return is_cc_label(rest + 4, 2);
    return false;
}

/* Classifies the lower-case host; *sub gets the labels before the brand. */
static enum net host_net(const char *h, size_t n, const char **sub, size_t *subn) {
    static const struct {
        const char *base;
        enum net net;
        bool brand; /* base is "name." and any brand_tld may follow */
    } hosts[] = {
        {"facebook.", NET_FACEBOOK, true},     {"fb.com", NET_FACEBOOK, false},
        {"twitter.com", NET_TWITTER, false},   {"x.com", NET_TWITTER, false},
        {"linkedin.com", NET_LINKEDIN, false}, {"instagram.com", NET_INSTAGRAM, false},
        {"instagr.am", NET_INSTAGRAM, false},  {"youtube.com", NET_YOUTUBE, false},
        {"tiktok.com", NET_TIKTOK, false},     {"pinterest.", NET_PINTEREST, true},
        {"snapchat.com", NET_SNAPCHAT, false}, {"t.me", NET_TELEGRAM, false},
        {"telegram.me", NET_TELEGRAM, false},  {"telegram.dog", NET_TELEGRAM, false},
        {"wa.me", NET_WHATSAPP, false},        {"whatsapp.com", NET_WHATSAPP, false},
        {"spotify.com", NET_SPOTIFY, false},
    };
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        size_t bl = strlen(hosts[i].base);
        size_t pos;
        if (hosts[i].brand) {
            /* find "name." as a whole label, followed by a brand TLD */
            const char *hit = NULL;
            for (size_t k = 0; k + bl <= n; k++) {
                if ((k == 0 || h[k - 1] == '.') && memcmp(h + k, hosts[i].base, bl) == 0 &&
                    brand_tld(h + k + bl, n - k - bl)) {
                    hit = h + k;
                    break;
                }
            }
            if (!hit) continue;
            pos = (size_t)(hit - h);
        } else {
            if (n < bl || memcmp(h + n - bl, hosts[i].base, bl) != 0) continue;
            pos = n - bl;
            if (pos > 0 && h[pos - 1] != '.') continue;
        }
        *sub = h;
        *subn = pos ? pos - 1 : 0;
        return hosts[i].net;
    }
    return NET_NONE;
}

static bool sub_ok(enum net net, const char *sub, size_t n) {
    if (n == 0) return net != NET_SPOTIFY;
    /* strip one leading www. */
    if (n > 4 && ex_istarts(sub, n, "www.")) sub += 4, n -= 4;
    if (ex_ieq(sub, n, "www")) return net != NET_SPOTIFY;
    switch (net) {
    case NET_SPOTIFY:
        return ex_ieq(sub, n, "open");
    case NET_WHATSAPP:
        return ex_ieq(sub, n, "api") || ex_ieq(sub, n, "web") || ex_ieq(sub, n, "chat");
    case NET_FACEBOOK:
    case NET_LINKEDIN:
    case NET_PINTEREST:
        if (is_cc_label(sub, n)) return true;
        break;
    default:
        break;
    }
    return ex_ieq(sub, n, "m") || ex_ieq(sub, n, "mobile") || ex_ieq(sub, n, "web") ||
           ex_ieq(sub, n, "touch") || ex_ieq(sub, n, "mbasic");
}

/* The value of query parameter name in q (raw), or a zero seg. */
static struct seg query_param(struct seg q, const char *name) {
    if (!q.s) return (struct seg){NULL, 0};
    size_t nl = strlen(name);
    const char *p = q.s, *end = q.s + q.n;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp ? amp : end;
        if ((size_t)(pe - p) > nl && ex_istarts(p, (size_t)(pe - p), name) && p[nl] == '=')
            return (struct seg){p + nl + 1, (size_t)(pe - p - (ptrdiff_t)nl - 1)};
        p = amp ? amp + 1 : end;
    }
    return (struct seg){NULL, 0};
}

static const char *const fb_reserved[] = {"sharer",
                                          "sharer.php",
                                          "share",
                                          "share.php",
                                          "dialog",
                                          "tr",
                                          "plugins",
                                          "login",
                                          "login.php",
                                          "signup",
                                          "r.php",
                                          "reg",
                                          "photo.php",
                                          "photo",
                                          "photos",
                                          "watch",
                                          "story.php",
                                          "permalink.php",
                                          "hashtag",
                                          "help",
                                          "policies",
                                          "policy.php",
                                          "privacy",
                                          "legal",
                                          "terms",
                                          "ads",
                                          "business",
                                          "home.php",
                                          "l.php",
                                          "2008",
                                          "events",
                                          "gaming",
                                          "marketplace",
                                          "search",
                                          "notes",
                                          "media",
                                          "video.php",
                                          "videos",
                                          "reel",
                                          "reels",
                                          "stories",
                                          "messages",
                                          "settings",
                                          "fundraisers",
                                          "donate",
                                          "rsrc.php",
                                          "images",
                                          "live",
                                          "cookies",
                                          "about",
                                          "recover",
                                          "intl",
                                          "apps",
                                          "games",
                                          "bookmarks",
                                          "friends",
                                          "find-friends",
                                          "offers",
                                          "jobs",
                                          "watchparty",
                                          "v2.0",
                                          "v2.12",
                                          "v3.0",
                                          "sdk",
                                          "connect",
                                          "security",
                                          "campaign",
                                          "privacy_sandbox",
                                          "shares",
                                          "posts",
                                          "composer",
                                          "lite",
                                          "pg",
                                          "profile.php",
                                          "pages",
                                          "people",
                                          "groups",
                                          "index.php",
                                          "public",
                                          "places",
                                          "directory",
                                          "checkpoint",
                                          "hashtag",
                                          "mobile",
                                          "careers",
                                          "brand",
                                          "facebook",
                                          "fbml",
                                          NULL};
static const char *const tw_reserved[] = {
    "intent",  "share",   "home",       "search",      "hashtag", "i",        "login",
    "signup",  "explore", "settings",   "tos",         "privacy", "messages", "notifications",
    "compose", "widgets", "widgets.js", "account",     "about",   "download", "jobs",
    "rules",   "en",      "following",  "followers",   "lists",   "status",   "statuses",
    "oauth",   "logout",  "help",       "search-home", "x",       "twitter",  NULL};
static const char *const ig_reserved[] = {
    "p",       "reel",      "reels",     "tv",      "explore",   "stories",  "accounts",
    "about",   "developer", "legal",     "direct",  "web",       "static",   "emails",
    "privacy", "terms",     "challenge", "oauth",   "instagram", "embed.js", "api",
    "graphql", "ar",        "s",         "session", NULL};
static const char *const pin_reserved[] = {
    "pin",        "pins",     "search",   "ideas",    "today",     "explore",   "_",
    "categories", "discover", "business", "login",    "signup",    "topics",    "settings",
    "about",      "js",       "oauth",    "password", "resource",  "source",    "offsite",
    "news_hub",   "videos",   "shopping", "homefeed", "following", "pinterest", "board",
    "boards",     "follow",   "static",   "invite",   NULL};
static const char *const tg_reserved[] = {"share",        "iv",       "addstickers", "login",
                                          "proxy",        "socks",    "setlanguage", "addtheme",
                                          "confirmphone", "addemoji", "boost",       "c",
                                          "contact",      "telegram", NULL};

static char *canon(struct arena *a, const char *prefix, struct seg one, struct seg two) {
    if (two.s)
        return arena_sprintf(a, "https://%s%.*s/%.*s", prefix, (int)one.n, one.s, (int)two.n,
                             two.s);
    return arena_sprintf(a, "https://%s%.*s", prefix, (int)one.n, one.s);
}

static const struct seg NOSEG = {NULL, 0};

/* The host a link was written with (lower-case, no port) and its network. */
struct written {
    char host[256];
    size_t hn;
    enum net net;
};

static const char *classify(const char *url, size_t len, struct arena *a, struct written *w) {
    char *host = w->host;
    if (!url) return NULL;
    if (len == (size_t)-1) len = strlen(url);
    const char *p = url, *end = url + len;
    while (p < end && ex_is_space((unsigned char)*p))
        p++;
    /* a URL ends at whitespace or markup (an href with a missing quote runs on) */
    for (const char *q = p; q < end; q++)
        if (ex_is_space((unsigned char)*q) || *q == '<' || *q == '>' || *q == '"' || *q == '\'') {
            end = q;
            break;
        }
    if ((size_t)(end - p) > URL_MAX) return NULL;
    size_t n = (size_t)(end - p);
    if (ex_istarts(p, n, "https://"))
        p += 8;
    else if (ex_istarts(p, n, "http://"))
        p += 7;
    else if (ex_istarts(p, n, "//"))
        p += 2;
    /* host */
    const char *h = p;
    while (p < end && *p != '/' && *p != '?' && *p != '#' && *p != ':' && *p != '\\')
        p++;
    size_t hn = (size_t)(p - h);
    if (hn == 0 || hn > 253) return NULL;
    for (size_t i = 0; i < hn; i++)
        host[i] = ex_lower(h[i]);
    while (hn && host[hn - 1] == '.')
        hn--;
    host[hn] = '\0';
    const char *sub;
    size_t subn;
    enum net net = host_net(host, hn, &sub, &subn);
    if (net == NET_NONE || !sub_ok(net, sub, subn)) return NULL;
    w->hn = hn;
    w->net = net;
    if (p < end && *p == ':') { /* port */
        p++;
        while (p < end && ex_is_digit((unsigned char)*p))
            p++;
    }
    /* path segments and query */
    struct seg segs[SEG_MAX];
    size_t ns = 0;
    struct seg query = {NULL, 0};
    while (p < end && *p != '?' && *p != '#') {
        if (*p == '/') {
            p++;
            continue;
        }
        const char *s0 = p;
        while (p < end && *p != '/' && *p != '?' && *p != '#')
            p++;
        if (ns < SEG_MAX) segs[ns++] = (struct seg){s0, (size_t)(p - s0)};
    }
    if (p < end && *p == '?') {
        const char *q0 = ++p;
        while (p < end && *p != '#')
            p++;
        query = (struct seg){q0, (size_t)(p - q0)};
    }
    const char *seg_chars = "._-%@+~!";
    for (size_t i = 0; i < ns; i++)
        if (!chars_ok(segs[i], seg_chars, 1, 200)) {
            ns = i;                 /* everything from a bad segment on is ignored... */
            if (i < 2) return NULL; /* ...but a bad profile segment kills the link */
            break;
        }

    switch (net) {
    case NET_FACEBOOK: {
        if (ns == 0) return NULL;
        if (seq(segs[0], "profile.php")) {
            struct seg id = query_param(query, "id");
            if (!chars_ok(id, "", 3, 30)) return NULL;
            for (size_t i = 0; i < id.n; i++)
                if (!ex_is_digit((unsigned char)id.s[i])) return NULL;
            return arena_sprintf(a, "https://facebook.com/profile.php?id=%.*s", (int)id.n, id.s);
        }
        if (seq(segs[0], "pages") || seq(segs[0], "people")) {
            if (ns < 2) return NULL;
            size_t upto = ns < 5 ? ns : 5;
            char *out = arena_sprintf(a, "https://facebook.com/%.*s", (int)segs[0].n, segs[0].s);
            for (size_t i = 1; i < upto; i++)
                out = arena_sprintf(a, "%s/%.*s", out, (int)segs[i].n, segs[i].s);
            return out;
        }
        if (seq(segs[0], "groups")) {
            if (ns < 2 || !chars_ok(segs[1], ".-_", 2, 100)) return NULL;
            return canon(a, "facebook.com/groups/", segs[1], NOSEG);
        }
        struct seg name = segs[0];
        if (seq(segs[0], "pg")) {
            if (ns < 2) return NULL;
            name = segs[1];
        } else if (in_set(segs[0], fb_reserved)) {
            return NULL;
        }
        if (!chars_ok(name, ".-", 2, 100)) return NULL;
        return canon(a, "facebook.com/", name, NOSEG);
    }
    case NET_TWITTER: {
        if (ns >= 2 && seq(segs[0], "intent") && (seq(segs[1], "follow") || seq(segs[1], "user"))) {
            struct seg sn = query_param(query, "screen_name");
            if (!chars_ok(sn, "_", 1, 15)) return NULL;
            return canon(a, "x.com/", sn, NOSEG);
        }
        if (ns == 0 || in_set(segs[0], tw_reserved)) return NULL;
        if (ns >= 2 && (seq(segs[1], "status") || seq(segs[1], "statuses"))) return NULL;
        struct seg hdl = segs[0];
        if (hdl.n > 1 && hdl.s[0] == '@') hdl.s++, hdl.n--;
        if (!chars_ok(hdl, "_", 1, 15)) return NULL;
        return canon(a, "x.com/", hdl, NOSEG);
    }
    case NET_LINKEDIN: {
        if (ns < 2) return NULL;
        if (!(seq(segs[0], "in") || seq(segs[0], "company") || seq(segs[0], "school") ||
              seq(segs[0], "showcase")))
            return NULL;
        if (!chars_ok(segs[1], "-_.%", 2, 150)) return NULL;
        struct seg kind = segs[0];
        char k[16];
        for (size_t i = 0; i < kind.n; i++)
            k[i] = ex_lower(kind.s[i]);
        return arena_sprintf(a, "https://linkedin.com/%.*s/%.*s", (int)kind.n, k, (int)segs[1].n,
                             segs[1].s);
    }
    case NET_INSTAGRAM: {
        if (ns == 0 || in_set(segs[0], ig_reserved)) return NULL;
        if (!chars_ok(segs[0], "._", 1, 30)) return NULL;
        return canon(a, "instagram.com/", segs[0], NOSEG);
    }
    case NET_YOUTUBE: {
        if (ns == 0) return NULL;
        if (segs[0].n > 1 && segs[0].s[0] == '@') {
            struct seg hdl = {segs[0].s + 1, segs[0].n - 1};
            if (!chars_ok(hdl, "._-", 3, 100)) return NULL;
            return canon(a, "youtube.com/", segs[0], NOSEG);
        }
        if (ns < 2) return NULL;
        if (seq(segs[0], "channel")) {
            if (!chars_ok(segs[1], "_-", 10, 64)) return NULL;
            return canon(a, "youtube.com/channel/", segs[1], NOSEG);
        }
        if (seq(segs[0], "user") || seq(segs[0], "c")) {
            if (!chars_ok(segs[1], "._-", 1, 100)) return NULL;
            return seq(segs[0], "user") ? canon(a, "youtube.com/user/", segs[1], NOSEG)
                                        : canon(a, "youtube.com/c/", segs[1], NOSEG);
        }
        return NULL;
    }
    case NET_TIKTOK: {
        if (ns == 0 || segs[0].n < 3 || segs[0].s[0] != '@') return NULL;
        struct seg hdl = {segs[0].s + 1, segs[0].n - 1};
        if (!chars_ok(hdl, "._", 2, 24)) return NULL;
        return canon(a, "tiktok.com/", segs[0], NOSEG);
    }
    case NET_PINTEREST: {
        if (ns == 0 || in_set(segs[0], pin_reserved)) return NULL;
        if (!chars_ok(segs[0], "_", 3, 30)) return NULL;
        return canon(a, "pinterest.com/", segs[0], NOSEG);
    }
    case NET_SNAPCHAT: {
        if (ns >= 2 && seq(segs[0], "add")) {
            if (!chars_ok(segs[1], "._-", 3, 15)) return NULL;
            return canon(a, "snapchat.com/add/", segs[1], NOSEG);
        }
        if (ns >= 1 && segs[0].n > 3 && segs[0].s[0] == '@') {
            struct seg hdl = {segs[0].s + 1, segs[0].n - 1};
            if (!chars_ok(hdl, "._-", 3, 15)) return NULL;
            return canon(a, "snapchat.com/add/", hdl, NOSEG);
        }
        return NULL;
    }
    case NET_TELEGRAM: {
        if (ns == 0) return NULL;
        if (seq(segs[0], "joinchat")) {
            if (ns < 2 || !chars_ok(segs[1], "_-", 5, 64)) return NULL;
            return canon(a, "t.me/joinchat/", segs[1], NOSEG);
        }
        struct seg name = segs[0];
        if (seq(segs[0], "s")) {
            if (ns < 2) return NULL;
            name = segs[1];
        } else if (in_set(segs[0], tg_reserved)) {
            return NULL;
        }
        if (name.n > 1 && name.s[0] == '+') {
            struct seg code = {name.s + 1, name.n - 1};
            if (!chars_ok(code, "_-", 5, 64)) return NULL;
            return canon(a, "t.me/", name, NOSEG);
        }
        if (!chars_ok(name, "_", 4, 32)) return NULL;
        return canon(a, "t.me/", name, NOSEG);
    }
    case NET_WHATSAPP: {
        struct seg phone = NOSEG;
        if (ex_ieq(host, hn, "wa.me") || ex_ieq(host, hn, "www.wa.me")) {
            if (ns == 0) return NULL;
            if (seq(segs[0], "message")) {
                if (ns < 2 || !chars_ok(segs[1], "", 6, 64)) return NULL;
                return canon(a, "wa.me/message/", segs[1], NOSEG);
            }
            phone = segs[0];
        } else if (sub && ex_istarts(sub, subn, "chat") && subn == 4) {
            if (ns == 0 || !chars_ok(segs[0], "", 10, 64)) return NULL;
            return canon(a, "chat.whatsapp.com/", segs[0], NOSEG);
        } else if (ns >= 2 && seq(segs[0], "channel")) {
            if (!chars_ok(segs[1], "", 10, 64)) return NULL;
            return canon(a, "whatsapp.com/channel/", segs[1], NOSEG);
        } else if (ns >= 1 && seq(segs[0], "send")) {
            phone = query_param(query, "phone");
        } else {
            return NULL;
        }
        if (phone.n && phone.s[0] == '+') phone.s++, phone.n--;
        if (phone.n < 6 || phone.n > 15) return NULL;
        for (size_t i = 0; i < phone.n; i++)
            if (!ex_is_digit((unsigned char)phone.s[i])) return NULL;
        return canon(a, "wa.me/", phone, NOSEG);
    }
    case NET_SPOTIFY: {
        size_t i = 0;
        if (ns > 0 && segs[0].n > 5 && ex_istarts(segs[0].s, segs[0].n, "intl-")) i = 1;
        if (ns < i + 2) return NULL;
        struct seg kind = segs[i], id = segs[i + 1];
        if (!(seq(kind, "artist") || seq(kind, "show") || seq(kind, "user"))) return NULL;
        if (!chars_ok(id, "._-", 3, 64)) return NULL;
        char k[8];
        for (size_t j = 0; j < kind.n; j++)
            k[j] = ex_lower(kind.s[j]);
        return arena_sprintf(a, "https://open.spotify.com/%.*s/%.*s", (int)kind.n, k, (int)id.n,
                             id.s);
    }
    case NET_NONE:
        break;
    }
    return NULL;
}

/* WhatsApp's wa.me/<digits> is itself a rewrite of api.whatsapp.com/send?phone=; every
 * other canonical path is a profile on whichever host of its network the page used. */
static const char *as_written(const char *canonical, const struct written *w, struct arena *a) {
    if (w->net == NET_WHATSAPP || w->net == NET_SPOTIFY) return canonical;
    const char *path = strchr(canonical + 8, '/');
    return arena_sprintf(a, "https://%.*s%s", (int)w->hn, w->host, path ? path : "");
}

const char *extract_social_canonical(const char *url, size_t len, struct arena *a) {
    struct written w;
    return classify(url, len, a, &w);
}

const char *extract_social_profile(const char *url, size_t len, struct arena *a) {
    struct written w;
    const char *canonical = classify(url, len, a, &w);
    return canonical ? as_written(canonical, &w, a) : NULL;
}

static const char *key_of_canonical(struct arena *a, const char *canonical) {
    size_t n = strlen(canonical);
    struct ex_buf dec = {0};
    ex_url_decode(canonical, n, &dec);
    size_t keep_from = dec.len; /* bytes from here keep their case */
    if (strncmp(dec.data, "https://youtube.com/channel/", 28) == 0 ||
        strncmp(dec.data, "https://open.spotify.com/", 25) == 0) {
        const char *slash = strrchr(dec.data, '/');
        keep_from = (size_t)(slash - dec.data);
    }
    for (size_t i = 0; i < keep_from; i++)
        dec.data[i] = ex_lower(dec.data[i]);
    char *key = arena_strndup(a, dec.data, dec.len);
    ex_buf_free(&dec);
    return key;
}

const char *ex_social_key(struct arena *a, const char *profile) {
    const char *canonical = extract_social_canonical(profile, (size_t)-1, a);
    return key_of_canonical(a, canonical ? canonical : profile);
}

void ex_social_add(struct ex_ctx *c, const char *url, size_t n) {
    struct written w;
    const char *canonical = classify(url, n, c->a, &w);
    if (!canonical) return;
    ex_list_add(&c->social, as_written(canonical, &w, c->a), key_of_canonical(c->a, canonical),
                NULL);
}

static bool url_end_char(unsigned char ch) {
    return ex_is_space(ch) || ch == '"' || ch == '\'' || ch == '<' || ch == '>' || ch == '`' ||
           ch == ')' || ch == ']' || ch == '}' || ch == ',' || ch == '\\' || ch == '|' ||
           ch == '^' || ch == '{' || ch == 0;
}

void ex_social_scan_text(struct ex_ctx *c, const char *s, size_t n) {
    const char *p = s, *end = s + n;
    while (p < end) {
        const char *hit = memmem(p, (size_t)(end - p), "http", 4);
        if (!hit) return;
        p = hit + 4;
        size_t rest = (size_t)(end - hit);
        if (!ex_istarts(hit, rest, "https://") && !ex_istarts(hit, rest, "http://")) continue;
        const char *e = hit;
        while (e < end && !url_end_char((unsigned char)*e) && e - hit < URL_MAX)
            e++;
        /* trailing sentence punctuation */
        while (e > hit && (e[-1] == '.' || e[-1] == ';' || e[-1] == ':' || e[-1] == '!'))
            e--;
        ex_social_add(c, hit, (size_t)(e - hit));
        p = e > p ? e : p;
    }
}
