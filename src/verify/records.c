/* SPF selection, DMARC and DKIM tag lists. */
#include "verify/records.h"

#include <string.h>
#include <strings.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool records_is_spf(const char *txt)
{
    return strncasecmp(txt, "v=spf1", 6) == 0 && (txt[6] == '\0' || txt[6] == ' ');
}

static void trim(const char **s, const char **e)
{
    while (*s < *e && is_space(**s)) (*s)++;
    while (*e > *s && is_space((*e)[-1])) (*e)--;
}

/* tag-name = ALPHA *(ALPHA / DIGIT / "_"); tag-value = VALCHARs and inner spaces. */
static bool tag_valid(const char *name, size_t nlen, const char *value, size_t vlen)
{
    if (nlen == 0 || !is_alpha(name[0])) return false;
    for (size_t i = 1; i < nlen; i++)
        if (!is_alpha(name[i]) && !(name[i] >= '0' && name[i] <= '9') && name[i] != '_')
            return false;
    for (size_t i = 0; i < vlen; i++) {
        unsigned char c = (unsigned char)value[i];
        if (!is_space((char)c) && (c < 0x21 || c > 0x7e)) return false;
    }
    return true;
}

bool records_tags(const char *txt,
                  bool (*fn)(void *ctx, const char *name, size_t nlen, const char *value,
                             size_t vlen, size_t index),
                  void *ctx)
{
    size_t index = 0;
    for (const char *p = txt; *p;) {
        const char *end = strchr(p, ';');
        if (!end) end = p + strlen(p);
        const char *s = p, *e = end;
        p = *end ? end + 1 : end;
        trim(&s, &e);
        if (s == e) continue; /* "a=b;;" and a trailing ";" are common: tolerated */
        const char *eq = memchr(s, '=', (size_t)(e - s));
        if (!eq) return false;
        const char *ns = s, *ne = eq, *vs = eq + 1, *ve = e;
        trim(&ns, &ne);
        trim(&vs, &ve);
        if (!tag_valid(ns, (size_t)(ne - ns), vs, (size_t)(ve - vs))) return false;
        if (!fn(ctx, ns, (size_t)(ne - ns), vs, (size_t)(ve - vs), index++)) return true;
    }
    return true;
}

static bool name_is(const char *name, size_t nlen, const char *want)
{
    return nlen == strlen(want) && strncasecmp(name, want, nlen) == 0;
}

static bool value_is(const char *value, size_t vlen, const char *want)
{
    return vlen == strlen(want) && strncmp(value, want, vlen) == 0;
}

/* ---- DMARC ---------------------------------------------------------------- */

struct dmarc_ctx {
    struct dmarc_record *out;
    bool is_dmarc, has_sp;
};

static bool policy_from(const char *value, size_t vlen, enum dmarc_policy *out)
{
    static const char *const names[] = {"none", "quarantine", "reject"};
    for (int i = 0; i < 3; i++)
        if (vlen == strlen(names[i]) && strncasecmp(value, names[i], vlen) == 0) {
            *out = (enum dmarc_policy)i;
            return true;
        }
    return false;
}

static bool dmarc_tag(void *ctx, const char *name, size_t nlen, const char *value, size_t vlen,
                      size_t index)
{
    struct dmarc_ctx *d = ctx;
    if (index == 0) {
        /* RFC 7489 §6.3: v must be first and match precisely */
        d->is_dmarc = name_is(name, nlen, "v") && value_is(value, vlen, "DMARC1");
        return d->is_dmarc;
    }
    if (name_is(name, nlen, "p")) {
        policy_from(value, vlen, &d->out->policy);
    } else if (name_is(name, nlen, "sp")) {
        d->has_sp = policy_from(value, vlen, &d->out->subdomain_policy);
    } else if (name_is(name, nlen, "pct") && vlen >= 1 && vlen <= 3) {
        int pct = 0;
        for (size_t i = 0; i < vlen && pct >= 0; i++)
            pct = value[i] >= '0' && value[i] <= '9' ? pct * 10 + (value[i] - '0') : -1;
        if (pct >= 0 && pct <= 100) d->out->pct = pct;
    }
    return true;
}

bool records_parse_dmarc(const char *txt, struct dmarc_record *out)
{
    *out = (struct dmarc_record){.policy = DMARC_NONE, .pct = 100};
    struct dmarc_ctx d = {.out = out};
    if (!records_tags(txt, dmarc_tag, &d) || !d.is_dmarc) return false;
    if (!d.has_sp) out->subdomain_policy = out->policy;
    return true;
}

const char *records_dmarc_policy_name(enum dmarc_policy p)
{
    return p == DMARC_REJECT ? "reject" : p == DMARC_QUARANTINE ? "quarantine" : "none";
}

/* ---- DKIM ----------------------------------------------------------------- */

struct dkim_ctx {
    bool has_p, bad_version;
};

static bool dkim_tag(void *ctx, const char *name, size_t nlen, const char *value, size_t vlen,
                     size_t index)
{
    struct dkim_ctx *d = ctx;
    if (name_is(name, nlen, "v") && (index != 0 || !value_is(value, vlen, "DKIM1"))) {
        d->bad_version = true;
        return false;
    }
    if (name_is(name, nlen, "p")) d->has_p = true;
    return true;
}

bool records_is_dkim_key(const char *txt)
{
    struct dkim_ctx d = {0};
    return records_tags(txt, dkim_tag, &d) && !d.bad_version && d.has_p;
}
