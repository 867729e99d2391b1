/* Projects and their leads: the list with a name search and a create form; a project's
 * leads table with paging and verification state, a form to add a lead and a button
 * that verifies the selected leads. Everything goes through projects.php, leads.php
 * and verify.php (web_api), so the API's rules and messages apply unchanged. */
#include "web/web_int.h"

#include "base/log.h"
#include "leads/csv.h"

#include <stdlib.h>
#include <string.h>

enum { PAGE_SIZE = 50, SELECT_MAX = PAGE_SIZE };

/* ---- the list ------------------------------------------------------------------ */

static bool projects_page(struct web *w, int status, const char *search, const char *error)
{
    const char *err = NULL;
    json_t *data = web_api(w, M_GET, "projects.php",
                           search ? json_pack("{s:s}", "search", search) : json_object(), &err);
    struct html h;
    html_init(&h, w->a);
    html_printf(&h,
                "<h1>Projects</h1>%s<section class=\"card\"><form method=\"get\" "
                "action=\"/app/projects\"><label>Search by name <input type=\"search\" "
                "name=\"search\" value=\"%s\"></label><button type=\"submit\">Search</button>"
                "</form></section>",
                html_message(w->a, NULL, error ? error : err), html_esc(w->a, search));
    html_raw(&h, "<section class=\"card\"><table id=\"projects\"><thead><tr><th>Name</th>"
                 "<th>Type</th><th>Campaigns</th></tr></thead><tbody>");
    json_t *list = json_object_get(data, "projects"), *p;
    size_t i;
    json_array_foreach(list, i, p) html_printf(
        &h,
        "<tr><td><a href=\"/app/projects/%lld\">%s</a></td><td>%s</td>"
        "<td>%zu</td></tr>",
        api_int(p, "id"), html_esc(w->a, api_str(p, "name")), html_esc(w->a, api_str(p, "type")),
        json_array_size(json_object_get(p, "campaigns")));
    if (!json_array_size(list))
        html_raw(&h, "<tr><td colspan=\"3\" class=\"muted\">No projects yet.</td></tr>");
    html_printf(&h,
                "</tbody></table></section><section class=\"card\"><h2>New project</h2>"
                "<form method=\"post\" action=\"/app/projects\">%s<label>Name <input "
                "name=\"name\" required maxlength=\"200\"></label><button type=\"submit\" "
                "id=\"create-project\">Create</button></form></section>",
                web_csrf_input(w));
    return web_page(w, status, "Projects", h.data);
}

bool page_projects(struct web *w)
{
    return projects_page(w, 200, req_query(w->req, "search"), NULL);
}

bool page_projects_post(struct web *w)
{
    const char *name = form_get(&w->form, "name"), *err = NULL;
    json_t *created = web_api(w, M_POST, "projects.php", json_pack("{s:s?}", "name", name), &err);
    if (!created) return projects_page(w, 400, NULL, err);
    return web_redirect(w, arena_sprintf(w->a, "/app/projects/%lld", api_int(created, "id")));
}

/* ---- one project ---------------------------------------------------------------- */

static const char *verified_text(json_int_t v)
{
    return v > 0 ? "valid" : v < 0 ? "invalid" : "not verified";
}

static int64_t page_number(const char *text)
{
    long long n = text ? atoll(text) : 1;
    return n >= 1 && n <= 1000000 ? n : 1;
}

static void leads_table(struct web *w, struct html *h, int64_t project_id, json_t *data,
                        int64_t page)
{
    json_t *leads = json_object_get(data, "leads"), *l;
    long long total = api_int(data, "total");
    html_printf(h,
                "<section class=\"card\"><h2>Leads (%lld)</h2><form method=\"post\" "
                "action=\"/app/projects/%lld\">%s<input type=\"hidden\" name=\"action\" "
                "value=\"verify\"><input type=\"hidden\" name=\"page\" value=\"%lld\">"
                "<table id=\"leads\"><thead><tr><th><input type=\"checkbox\" "
                "data-select-all=\"lead_ids\" aria-label=\"Select all\"></th><th>Email</th>"
                "<th>Name</th><th>Company</th><th>Website</th><th>Verification</th></tr>"
                "</thead><tbody>",
                total, (long long)project_id, web_csrf_input(w), (long long)page);
    size_t i;
    json_array_foreach(leads, i, l)
    {
        json_int_t v = json_integer_value(json_object_get(l, "verified"));
        html_printf(h,
                    "<tr><td><input type=\"checkbox\" name=\"lead_ids\" value=\"%lld\" "
                    "aria-label=\"Select\"></td><td>%s</td><td>%s %s</td><td>%s</td>"
                    "<td>%s</td><td class=\"v%s\">%s</td></tr>",
                    api_int(l, "id"), html_esc(w->a, api_str(l, "email")),
                    html_esc(w->a, api_str(l, "firstname")), html_esc(w->a, api_str(l, "lastname")),
                    html_esc(w->a, api_str(l, "company")), html_esc(w->a, api_str(l, "website")),
                    v > 0   ? "ok"
                    : v < 0 ? "bad"
                            : "none",
                    verified_text(v));
    }
    if (!json_array_size(leads))
        html_raw(h, "<tr><td colspan=\"6\" class=\"muted\">No leads on this page.</td></tr>");
    html_raw(h, "</tbody></table><p><button type=\"submit\" id=\"verify\">Verify selected"
                "</button></p></form><p class=\"pager\">");
    if (page > 1)
        html_printf(h, "<a href=\"/app/projects/%lld?page=%lld\">← Previous</a>",
                    (long long)project_id, (long long)page - 1);
    if (page * PAGE_SIZE < total)
        html_printf(h, "<a href=\"/app/projects/%lld?page=%lld\" id=\"next\">Next →</a>",
                    (long long)project_id, (long long)page + 1);
    html_printf(h, "<span class=\"muted\">Page %lld of %lld</span></p></section>", (long long)page,
                (total + PAGE_SIZE - 1) / PAGE_SIZE > 0 ? (total + PAGE_SIZE - 1) / PAGE_SIZE : 1);
}

static const char add_form[] =
    "<section class=\"card\"><h2>Add a lead</h2><form method=\"post\" "
    "action=\"/app/projects/%lld\">%s<input type=\"hidden\" name=\"action\" value=\"add\">"
    "<label>Email <input type=\"email\" name=\"email\" required></label>"
    "<label>First name <input name=\"firstname\"></label>"
    "<label>Last name <input name=\"lastname\"></label>"
    "<label>Company <input name=\"company\"></label>"
    "<label>Website <input name=\"website\"></label>"
    "<button type=\"submit\" id=\"add-lead\">Add</button></form></section>"
    "<section class=\"card\" id=\"csv\"><h2>CSV import and export</h2>"
    "<form method=\"post\" action=\"/app/projects/%lld\" enctype=\"multipart/form-data\">%s"
    "<input type=\"hidden\" name=\"action\" value=\"preview\">"
    "<label>CSV file (a header row naming an email column; up to 1 MB here, larger files "
    "through the API) <input type=\"file\" name=\"file\" accept=\".csv,text/csv\" required>"
    "</label><button type=\"submit\" id=\"csv-preview\">Preview import</button></form>"
    "<p><a href=\"/app/projects/%lld/leads.csv\" id=\"csv-export\" download>Export all "
    "leads as CSV</a></p></section>";

/* The project (404 page when it is not the user's), else false with the page answered. */
static bool own_project(struct web *w, struct project *p)
{
    int64_t id = web_arg_id(w);
    struct err err = {0};
    enum rc rc = id ? w->req->store->ops->project_get(w->req->store, w->user_id, id, w->a, p, &err)
                    : RC_NOT_FOUND;
    if (rc == RC_OK) return true;
    if (rc != RC_NOT_FOUND) log_error("web project: %s", err.msg);
    return false;
}

/* Page `page` (from 1) of the project's leads, as leads.php answers it. */
static json_t *leads_page(struct web *w, const struct project *p, int64_t page, const char **err)
{
    return web_api(w, M_GET, "leads.php",
                   json_pack("{s:I, s:I, s:I}", "project_id", (json_int_t)p->id, "limit",
                             (json_int_t)PAGE_SIZE, "offset", (json_int_t)((page - 1) * PAGE_SIZE)),
                   err);
}

static bool project_page(struct web *w, const struct project *p, int64_t page, const char *ok,
                         const char *error)
{
    const char *err = NULL;
    json_t *data = leads_page(w, p, page, &err);
    struct html h;
    html_init(&h, w->a);
    html_printf(&h, "<p><a href=\"/app/projects\">← Projects</a></p><h1>%s</h1>%s",
                html_esc(w->a, p->name), html_message(w->a, ok, error ? error : err));
    leads_table(w, &h, p->id, data, page);
    html_printf(&h, add_form, (long long)p->id, web_csrf_input(w), (long long)p->id,
                web_csrf_input(w), (long long)p->id);
    return web_page(w, error ? 400 : 200, p->name, h.data);
}

bool page_project(struct web *w)
{
    struct project p;
    if (!own_project(w, &p)) return web_not_found(w);
    return project_page(w, &p, page_number(req_query(w->req, "page")), NULL, NULL);
}

static bool add_lead(struct web *w, const struct project *p)
{
    json_t *lead = json_object();
    static const char *const fields[] = {"email", "firstname", "lastname", "company", "website"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *v = form_get(&w->form, fields[i]);
        if (v) json_object_set_new(lead, fields[i], json_string(v));
    }
    const char *err = NULL;
    json_t *r =
        web_api(w, M_POST, "leads.php",
                json_pack("{s:I, s:[o]}", "project_id", (json_int_t)p->id, "leads", lead), &err);
    if (!r) return project_page(w, p, 1, NULL, err);
    const char *msg = api_int(r, "added")        ? "Lead added."
                      : api_int(r, "duplicates") ? "That address is already in this project."
                                                 : NULL;
    if (!msg) return project_page(w, p, 1, NULL, "That is not a valid email address.");
    return project_page(w, p, 1, msg, NULL);
}

/* Verifies the selected leads of the page the form was on (their addresses are read
 * from the store, not from the form). */
static bool verify_selected(struct web *w, const struct project *p)
{
    int64_t page = page_number(form_get(&w->form, "page"));
    const char *picked[SELECT_MAX];
    size_t n = form_values(&w->form, "lead_ids", picked, SELECT_MAX);
    if (!n) return project_page(w, p, page, NULL, "Select the leads to verify first.");
    const char *err = NULL;
    json_t *data = leads_page(w, p, page, &err);
    json_t *emails = json_array(), *ids = json_array(), *l;
    size_t i;
    json_array_foreach(json_object_get(data, "leads"), i,
                       l) for (size_t k = 0; k < n; k++) if (atoll(picked[k]) == api_int(l, "id"))
    {
        json_array_append_new(emails, json_string(api_str(l, "email")));
        json_array_append_new(ids, json_integer(api_int(l, "id")));
        break;
    }
    if (!json_array_size(ids)) {
        json_decref(emails);
        json_decref(ids);
        return project_page(w, p, page, NULL, "None of the selected leads is on this page.");
    }
    json_t *r = web_api(w, M_POST, "verify.php",
                        json_pack("{s:o, s:o}", "emails", emails, "lead_ids", ids), &err);
    if (!r) return project_page(w, p, page, NULL, err);
    size_t valid = 0, invalid = 0, total = 0;
    json_array_foreach(json_object_get(r, "results"), i, l)
    {
        total++;
        valid += strcmp(api_str(l, "status"), "valid") == 0;
        invalid += strcmp(api_str(l, "status"), "invalid") == 0;
    }
    return project_page(w, p, page,
                        arena_sprintf(w->a, "Verified %zu: %zu valid, %zu invalid, %zu unknown.",
                                      total, valid, invalid, total - valid - invalid),
                        NULL);
}

/* ---- CSV import (a preview of the mapping first) and export ------------------------ */

static void preview_table(struct web *w, struct html *h, const struct csv_preview *pv)
{
    html_raw(h, "<div class=\"scroll\"><table id=\"csv-mapping\"><thead><tr><th>Column</th>");
    for (size_t c = 0; c < pv->columns; c++)
        html_printf(h, "<th>%s</th>", html_esc(w->a, pv->headers[c]));
    html_raw(h, "</tr><tr><th>Imported as</th>");
    for (size_t c = 0; c < pv->columns; c++)
        html_printf(h, "<td class=\"%s\">%s</td>", pv->fields[c] ? "map" : "muted",
                    pv->fields[c] ? pv->fields[c] : "ignored");
    html_raw(h, "</tr></thead><tbody>");
    for (size_t r = 0; r < pv->row_count; r++) {
        html_raw(h, "<tr><td class=\"muted\">row</td>");
        for (size_t c = 0; c < pv->columns; c++)
            html_printf(h, "<td>%s</td>", html_esc(w->a, pv->rows[r][c]));
        html_raw(h, "</tr>");
    }
    html_raw(h, "</tbody></table></div>");
}

static bool csv_preview_page(struct web *w, const struct project *p)
{
    const char *csv = form_get(&w->form, "file");
    if (!csv) return project_page(w, p, 1, NULL, "Choose a CSV file to import.");
    struct csv_preview pv;
    struct csv_import in;
    struct err err = {0};
    if (csv_leads_preview(csv, strlen(csv), w->a, &pv, &err) != RC_OK ||
        csv_leads_read(csv, strlen(csv), w->a, &in, &err) != RC_OK)
        return project_page(w, p, 1, NULL, err.msg);
    struct html h;
    html_init(&h, w->a);
    html_printf(&h,
                "<p><a href=\"/app/projects/%lld\">← %s</a></p><h1>Import into %s</h1>"
                "<section class=\"card\"><h2>Column mapping</h2>",
                (long long)p->id, html_esc(w->a, p->name), html_esc(w->a, p->name));
    preview_table(w, &h, &pv);
    html_printf(&h, "<p id=\"csv-summary\">%zu rows ready to import, %lld refused.</p>", in.count,
                (long long)in.invalid);
    for (size_t i = 0; i < in.rejected_count; i++)
        html_printf(&h, "<p class=\"muted\">Row %zu: %s</p>", in.rejected[i].row,
                    html_esc(w->a, in.rejected[i].reason));
    html_printf(&h,
                "<form method=\"post\" action=\"/app/projects/%lld\" "
                "enctype=\"multipart/form-data\">%s<input type=\"hidden\" name=\"action\" "
                "value=\"import\"><textarea name=\"file\" hidden>%s</textarea>"
                "<button type=\"submit\" id=\"csv-import\">Import %zu rows</button> "
                "<a href=\"/app/projects/%lld\">Cancel</a></form></section>",
                (long long)p->id, web_csrf_input(w), html_esc(w->a, csv), in.count,
                (long long)p->id);
    return web_page(w, 200, "Import preview", h.data);
}

static bool csv_import(struct web *w, const struct project *p)
{
    const char *csv = form_get(&w->form, "file"), *err = NULL;
    if (!csv) return project_page(w, p, 1, NULL, "Choose a CSV file to import.");
    json_t *r =
        web_api_raw(w, M_POST, "leads.php", json_pack("{s:I}", "project_id", (json_int_t)p->id),
                    csv, strlen(csv), "text/csv", &err);
    if (!r) return project_page(w, p, 1, NULL, err);
    return project_page(w, p, 1,
                        arena_sprintf(w->a,
                                      "Imported: %lld added, %lld already in the project, "
                                      "%lld invalid, %lld on your suppression list.",
                                      api_int(r, "added"), api_int(r, "duplicates"),
                                      api_int(r, "invalid"), api_int(r, "suppressed")),
                        NULL);
}

bool page_project_export(struct web *w)
{
    struct project p;
    if (!own_project(w, &p)) return web_not_found(w);
    const char *err = NULL;
    if (web_api_stream(w, "leads.php",
                       json_pack("{s:I, s:s}", "project_id", (json_int_t)p.id, "format", "csv"),
                       &err)) {
        req_add_header(w->req, "Content-Disposition",
                       arena_sprintf(w->a, "attachment; filename=\"project-%lld-leads.csv\"",
                                     (long long)p.id));
        return true;
    }
    return project_page(w, &p, 1, NULL, err);
}

bool page_project_post(struct web *w)
{
    struct project p;
    if (!own_project(w, &p)) return web_not_found(w);
    const char *action = form_get(&w->form, "action");
    if (action && strcmp(action, "add") == 0) return add_lead(w, &p);
    if (action && strcmp(action, "verify") == 0) return verify_selected(w, &p);
    if (action && strcmp(action, "preview") == 0) return csv_preview_page(w, &p);
    if (action && strcmp(action, "import") == 0) return csv_import(w, &p);
    return project_page(w, &p, 1, NULL, "Unknown action.");
}
