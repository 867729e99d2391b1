"""The dashboard's CSV import (a preview of the column mapping, then the summary) and
export on a project's page, through leads.php's CSV endpoints."""
import re

from dashlib import Web, add_user
from lib import Server, eq

CSV = ("E-mail,First Name,Company Name,Shoe size,email\r\n"
       "ann@example.com,Ann,Acme,41,x@example.com\r\n"
       "not-an-address,Bob,Bobco,44,\r\n"
       "cy@example.com,\"Cy, Jr.\",\"<b>Cyco</b>\",39,\r\n")


def signed_in(s, email="csv@example.com"):
    key = add_user(s, email)
    w = Web(s)
    eq(w.login(email)[0], 303)
    return w, key


def test_csv_preview_import_and_export():
    with Server() as s:
        w, key = signed_in(s)
        pid = s.post("projects.php", {"name": "CSV"}, key=key).json["data"]["id"]
        path = "/app/projects/%d" % pid
        csrf = w.csrf(path)
        status, _, page = w.post_multipart(path, {"csrf": csrf, "action": "preview",
                                                  "file": CSV})
        eq(status, 200)
        mapping = re.search(r'<table id="csv-mapping">.*?</thead>', page, re.S).group(0)
        cells = re.findall(r'<td class="(?:map|muted)">([^<]*)</td>', mapping)
        eq(cells, ["email", "firstname", "company", "ignored", "ignored"])
        assert "&lt;b&gt;Cyco&lt;/b&gt;" in page  # preview cells escaped
        assert "2 rows ready to import, 1 refused." in page, page
        # nothing imported by the preview
        eq(s.get("leads.php", key=key, project_id=pid).json["data"]["total"], 0)
        carried = re.search(r'<textarea name="file" hidden>(.*?)</textarea>', page, re.S).group(1)
        carried = carried.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">") \
            .replace("&#39;", "'").replace("&amp;", "&")
        status, _, page = w.post_multipart(path, {"csrf": csrf, "action": "import",
                                                  "file": carried})
        eq(status, 200)
        assert "Imported: 2 added, 0 already in the project, 1 invalid" in page, page
        assert "ann@example.com" in page and "cy@example.com" in page
        status, headers, text = w.get(path + "/leads.csv")
        eq(status, 200)
        assert headers["content-type"].startswith("text/csv"), headers
        assert "attachment" in headers["content-disposition"]
        assert text.startswith("id,email,firstname"), text
        assert "ann@example.com" in text and '"Cy, Jr."' in text
        # a file without an email column is explained, nothing imported
        status, _, page = w.post_multipart(path, {"csrf": csrf, "action": "preview",
                                                  "file": "name,phone\r\nx,1\r\n"})
        eq(status, 400)
        assert "no email column" in page


def test_csv_pages_refuse_other_users_and_forms_without_csrf():
    with Server() as s:
        w, key = signed_in(s)
        other_key = add_user(s, "other@example.com")
        pid = s.post("projects.php", {"name": "Theirs"}, key=other_key).json["data"]["id"]
        s.post("leads.php", {"project_id": pid, "leads": [{"email": "secret@example.com"}]},
               key=other_key)
        status, _, text = w.get("/app/projects/%d/leads.csv" % pid)
        eq(status, 404)
        assert "secret@example.com" not in text
        csrf = w.csrf("/app/projects")
        eq(w.post_multipart("/app/projects/%d" % pid, {"csrf": csrf, "action": "import",
                                                        "file": CSV})[0], 404)
        mine = s.post("projects.php", {"name": "Mine"}, key=key).json["data"]["id"]
        eq(w.post_multipart("/app/projects/%d" % mine, {"action": "import", "file": CSV})[0],
           403)
        eq(w.post_multipart("/app/projects/%d" % mine, {"csrf": "0" * 64, "action": "import",
                                                         "file": CSV})[0], 403)
        eq(s.get("leads.php", key=key, project_id=mine).json["data"]["total"], 0)
