"""The dashboard's pages over plain HTTP (the browser test drives the same pages in
chromium): home with balance, chart and ledger; projects (search, create, errors in
the API's words); a project's leads (add, duplicates, paging, verify selected)."""
import re

from dashlib import Web, add_user
from fakes.dns import FakeDns
from lib import Server, eq


def signed_in(s, email="pages@example.com", credits=100):
    key = add_user(s, email, credits)
    w = Web(s)
    eq(w.login(email)[0], 303)
    return w, key


def test_home_shows_balance_chart_and_ledger():
    with Server() as s:
        w, key = signed_in(s, credits=77)
        s.post("projects.php", {"name": "P"}, key=key)
        status, _, page = w.get("/app/")
        eq(status, 200)
        assert "77 credits" in page
        assert page.count('<rect class="bar"') == 30
        assert re.search(r'<table id="ledger">.*grant', page, re.S), page


def test_projects_search_create_and_errors():
    with Server() as s:
        w, key = signed_in(s)
        csrf = w.csrf("/app/projects")
        status, headers, _ = w.post("/app/projects", {"csrf": csrf, "name": "Dentists Berlin"})
        eq(status, 303)
        pid = int(headers["location"].rsplit("/", 1)[1])
        w.post("/app/projects", {"csrf": csrf, "name": "Plumbers <Hamburg>"})
        status, _, page = w.post("/app/projects", {"csrf": csrf, "name": "Dentists Berlin"})
        eq(status, 400)
        assert "already exists" in page
        page = w.get("/app/projects?search=dent")[2]
        assert "/app/projects/%d" % pid in page and "Plumbers" not in page
        page = w.get("/app/projects")[2]
        assert "Plumbers &lt;Hamburg&gt;" in page  # escaped


def test_leads_add_page_and_verify():
    with FakeDns() as dns:
        dns.add("nullmx.lgtest", "MX", (0, "."))
        env = {"LEADGEN_DNS_SERVERS": dns.address, "LEADGEN_DNS_TIMEOUT": "1",
               "LEADGEN_SMTP_PROBE": "off"}
        with Server(env=env) as s:
            w, key = signed_in(s)
            pid = s.post("projects.php", {"name": "L"}, key=key).json["data"]["id"]
            path = "/app/projects/%d" % pid
            csrf = w.csrf(path)
            status, _, page = w.post(path, {"csrf": csrf, "action": "add",
                                            "email": "jane.doe@nullmx.lgtest"})
            eq(status, 200)
            assert "Lead added." in page and "Jane" in page and "not verified" in page
            page = w.post(path, {"csrf": csrf, "action": "add",
                                 "email": "JANE.DOE@nullmx.lgtest"})[2]
            assert "already in this project" in page
            page = w.post(path, {"csrf": csrf, "action": "add", "email": "nope"})[2]
            assert "not a valid email" in page
            # paging: 60 leads make two pages of 50
            s.post("leads.php", {"project_id": pid, "leads": [
                {"email": "p%02d@example.com" % i} for i in range(60)]}, key=key)
            page = w.get(path)[2]
            assert "Page 1 of 2" in page and 'id="next"' in page
            eq(page.count('name="lead_ids"'), 50)
            page2 = w.get(path + "?page=2")[2]
            eq(page2.count('name="lead_ids"'), 11)
            lead_id = re.search(r'value="(\d+)" aria-label="Select"></td><td>jane.doe@', page)
            assert lead_id, page
            status, _, page = w.post(path, {"csrf": csrf, "action": "verify", "page": "1",
                                            "lead_ids": lead_id.group(1)})
            eq(status, 200)
            assert "Verified 1: 0 valid, 1 invalid" in page, page
            lead = [l for l in s.get("leads.php", key=key, project_id=pid, limit=100).json["data"]["leads"] if l["email"].startswith("jane")]
            eq(lead[0]["verified"], -1)
