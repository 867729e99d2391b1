"""Issue 17: provenance (crawl.php sources, a lead's source), CSV export and
import, the suppression list (address and domain, across projects, at
launch), and data-subject export and erasure across two users with the store
files scanned for the address afterwards."""
import csv
import glob
import http.client
import io
import json
import os
import socket

import lib
from fakes.sites import Sites, page
from lib import Server, assert_error, assert_success

ADMIN = "admin@localhost.localdomain"
HEADER = ["id", "email", "firstname", "lastname", "company", "website", "phones",
          "description", "verified", "source", "created_at"]


def post_csv(s, pid, text, key=lib.DEFAULT):
    body = text.encode("utf-8") if isinstance(text, str) else text
    return s.request("POST", "leads.php", params={"project_id": pid}, body=body, key=key,
                     headers={"Content-Type": "text/csv"})


def export_csv(s, pid, key=lib.DEFAULT):
    r = s.request("GET", "leads.php", params={"project_id": pid, "format": "csv"}, key=key)
    assert r.status == 200, r
    assert r.headers["Content-Type"].startswith("text/csv"), r.headers
    return r.body.decode("utf-8")


def rows_of(text):
    return list(csv.reader(io.StringIO(text, newline="")))


def test_crawl_sources_name_the_pages_of_each_email_and_phone():
    with Sites() as sites:
        sites.add("acme-plumbing.com", {
            "/": page('<a href="/contact">Contact</a><a href="/team">Team</a> '
                      "office@acme-plumbing.com"),
            "/contact": page("office@acme-plumbing.com, Tel: +49 89 21803456"),
            "/team": page("maria@acme-plumbing.com"),
        })
        with Server(env=sites.env()) as s:
            data = assert_success(s.get("crawl.php", domain=sites.url("acme-plumbing.com")))
            src = data["sources"]
            assert sorted(src["office@acme-plumbing.com"]) == sorted(
                [sites.url("acme-plumbing.com", "/"), sites.url("acme-plumbing.com", "/contact")])
            assert src["maria@acme-plumbing.com"] == [sites.url("acme-plumbing.com", "/team")]
            assert src[data["phones"][0]] == [sites.url("acme-plumbing.com", "/contact")]
            assert set(src) == set(data["all_emails"]) | set(data["phones"])


def test_lead_source_is_stored_and_returned():
    with Server() as s:
        pid = s.create_project("P")
        assert_success(s.add_leads(pid, [{"email": "a@x.com", "source": "https://x.com/team"},
                                         {"email": "b@x.com"}]))
        leads = s.leads(pid)["leads"]
        assert [l["source"] for l in leads] == ["https://x.com/team", ""]


def test_csv_export_quotes_and_neutralises_formula_cells():
    with Server() as s:
        pid = s.create_project("P")
        assert_success(s.add_leads(pid, [
            {"email": "a@x.com", "firstname": "=HYPERLINK(\"http://evil\")", "company": "A, Inc.",
             "description": "line one\nline \"two\"", "phones": "+1 555 0100",
             "source": "@import"},
            {"email": "b@x.com", "lastname": "-2+3"}]))
        rows = rows_of(export_csv(s, pid))
        assert rows[0] == HEADER
        a = dict(zip(HEADER, rows[1]))
        assert a["firstname"] == "'=HYPERLINK(\"http://evil\")"
        assert a["company"] == "A, Inc." and a["description"] == "line one\nline \"two\""
        assert a["phones"] == "'+1 555 0100" and a["source"] == "'@import"
        assert a["verified"] == "0" and len(a["created_at"]) == 19
        b = dict(zip(HEADER, rows[2]))
        assert b["lastname"] == "'-2+3"
        assert len(rows) == 3
        # another user's project is not found, as for JSON
        other = s.add_user("other@x.com")
        r = s.request("GET", "leads.php", params={"project_id": pid, "format": "csv"}, key=other)
        assert_error(r, 404, "not_found")


def test_csv_import_aliases_bom_quotes_rejections_and_round_trip():
    with Server() as s:
        pid = s.create_project("In")
        text = ("\ufeffE-mail,First Name,Company Name,Website URL,Notes,Source URL\r\n"
                "john.doe@acme.com,,\"Acme, Inc.\",https://acme.com,\"said \"\"hi\"\"\nagain\","
                "https://acme.com/team\r\n"
                "broken,Bob,,,,\r\n"
                ",NoMail,,,,\r\n"
                "mary@acme.com,'=1+2,Acme,,,\r\n"
                "JOHN.DOE@acme.com,,,,,\r\n")
        data = assert_success(post_csv(s, pid, text))
        assert data["added"] == 2 and data["duplicates"] == 1 and data["invalid"] == 2, data
        assert data["suppressed"] == 0 and data["leads_count"] == 2
        assert [r["row"] for r in data["rejected"]] == [3, 4], data["rejected"]
        assert "not a valid email" in data["rejected"][0]["reason"]
        leads = s.leads(pid)["leads"]
        john, mary = leads
        assert john["firstname"] == "John" and john["company"] == "Acme, Inc."
        assert john["description"] == "said \"hi\"\nagain" and john["source"] == "https://acme.com/team"
        assert mary["firstname"] == "=1+2"
        # export, import into another project: the same leads come back
        exported = export_csv(s, pid)
        pid2 = s.create_project("Copy")
        again = assert_success(post_csv(s, pid2, exported))
        assert again["added"] == 2 and again["invalid"] == 0, again
        strip = lambda ls: [{k: v for k, v in l.items() if k not in ("id", "created_at")}
                            for l in ls]
        assert strip(s.leads(pid2)["leads"]) == strip(leads)
        # no email column, an unclosed quote
        assert_error(post_csv(s, pid, "name,company\nx,y\n"), 400, "invalid_param")
        assert_error(post_csv(s, pid, "email\n\"a@b.com\n"), 400, "invalid_param")


def declared(s, pid, content_type, length):
    """(status, the size named in the message) for a POST leads.php that only declares its size."""
    head = ("POST /api/v1/leads.php?api_key=%s&project_id=%d HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: %s\r\nContent-Length: %d\r\n\r\n" % (s.key, pid, content_type, length))
    with socket.create_connection(("127.0.0.1", s.port), timeout=30) as sock:
        sock.sendall(head.encode("ascii"))
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        body = json.loads(resp.read().decode("utf-8"))
        assert body["code"] == "payload_too_large", body
        return resp.status, body["message"].split("than ")[1].rstrip(".")


def test_csv_import_of_50000_rows_and_the_limits():
    with Server() as s:
        pid = s.create_project("Big")
        lines = ["email,first name,company"]
        lines += ["person%d@bulk%d.example.com,P%d,\"Co, %d\"" % (i, i % 97, i, i)
                  for i in range(50000)]
        data = assert_success(post_csv(s, pid, "\n".join(lines) + "\n"))
        assert data["added"] == 50000 and data["leads_count"] == 50000, data
        rows = rows_of(export_csv(s, pid))
        assert len(rows) == 50001 and rows[0] == HEADER
        assert rows[-1][1] == "person49999@bulk49999.example.com".replace(
            "bulk49999", "bulk%d" % (49999 % 97))
        too_many = "\n".join(lines + ["one.more@x.com,,"]) + "\n"
        assert_error(post_csv(s, s.create_project("Big2"), too_many), 400, "invalid_param")
        # declared sizes: answered from the headers alone; JSON keeps its 1 MiB cap
        assert declared(s, pid, "text/csv", (16 << 20) + 1) == (413, "16 MiB")
        assert declared(s, pid, "application/json", 2 << 20) == (413, "1 MiB")


def test_suppression_by_address_and_domain_across_projects_and_at_launch():
    with Server() as s:
        r = s.post("suppression.php", {"emails": ["Jane@Corp.com"], "domains": ["@spam.example"]})
        assert assert_success(r) == {"added": 2}
        listed = assert_success(s.get("suppression.php"))
        assert [e["email"] for e in listed["emails"]] == ["jane@corp.com"]
        assert [d["domain"] for d in listed["domains"]] == ["spam.example"]
        assert listed["emails"][0]["reason"] == "manual"
        p1, p2 = s.create_project("One"), s.create_project("Two")
        for pid in (p1, p2):
            data = assert_success(s.add_leads(pid, [{"email": "jane@corp.com"},
                                                   {"email": "anyone@spam.example"},
                                                   {"email": "ok@corp.com"}]))
            assert (data["added"], data["suppressed"]) == (1, 2), data
        data = assert_success(post_csv(s, p1, "email\nJANE@corp.com\nnew@spam.example\n"))
        assert data["suppressed"] == 2 and data["added"] == 0
        assert_error(s.post("suppression.php", {"emails": ["nope"]}), 400, "invalid_param")
        assert_error(s.post("suppression.php", {}), 400, "missing_param")
        # another user's list is separate
        other = s.add_user("other@x.com")
        assert assert_success(s.get("suppression.php", key=other))["total"] == 0
        # at launch: leads added before the domain was suppressed are left out
        pid = s.create_project("Camp")
        assert_success(s.add_leads(pid, [{"email": "a@later.example"}, {"email": "b@fine.com"}]))
        assert_success(s.post("suppression.php", {"domains": ["later.example"]}))
        proc = s.cli("account", "add", "smtp", ADMIN, "--address", "sender@acme.com",
                     "--host", "smtp.acme.com")
        assert proc.returncode == 0, proc.stderr
        acc = int(proc.stdout.strip().splitlines()[-1])
        steps = [{"subject": "Hi", "body": "Hello", "delay_days": 0}]
        cid = assert_success(s.post("campaigns.php", {
            "name": "C", "project_id": pid, "sending_accounts": [{"type": "smtp", "id": acc}],
            "steps": steps}))["id"]
        assert assert_success(s.post("campaigns/launch.php", {"campaign_id": cid}))[
            "recipients"] == 1
        got = assert_success(s.get("campaigns/recipients.php", campaign_id=cid))
        assert [r["email"] for r in got["recipients"]] == ["b@fine.com"]
        # removal
        r = s.request("DELETE", "suppression.php", body={"domains": ["spam.example"],
                                                         "emails": ["jane@corp.com"]})
        assert assert_success(r) == {"removed": 2}
        data = assert_success(s.add_leads(p1, [{"email": "anyone@spam.example"}]))
        assert data["added"] == 1


def store_files(db):
    return [f for f in glob.glob(db + "*") if os.path.isfile(f)]


def test_subject_export_and_erase_across_two_users():
    address = "Maria.Rossi@Acme-Plumbing.com"
    plain = address.lower().encode()
    with Sites() as sites:
        sites.add("acme-plumbing.com", {"/": page("Write to maria.rossi@acme-plumbing.com or "
                                                  "office@acme-plumbing.com")})
        with Server(env=sites.env()) as s:
            site = sites.url("acme-plumbing.com")
            first = assert_success(s.get("crawl.php", domain=site))
            assert "maria.rossi@acme-plumbing.com" in first["all_emails"], first
            other = s.add_user("second@x.com", credits=10)
            p1 = s.create_project("One")
            p2 = s.create_project("Two", key=other)
            assert_success(s.add_leads(p1, [{"email": address, "source": site}]))
            assert_success(s.add_leads(p2, [{"email": address.lower()},
                                            {"email": "keep@x.com"}], key=other))
            assert_success(s.post("suppression.php", {"emails": [address]}, key=other))
            exported = s.cli("subject", "export", address)
            assert exported.returncode == 0, exported.stderr
            doc = json.loads(exported.stdout)
            kinds = sorted(r["kind"] for r in doc["records"])
            assert kinds == ["cache", "lead", "lead", "sighting", "suppression"], kinds
            assert len({r["user_id"] for r in doc["records"] if r["kind"] == "lead"}) == 2
            assert doc["erased"] is False

            erased = s.cli("subject", "erase", address)
            assert erased.returncode == 0, erased.stderr
            counts = json.loads(erased.stdout)
            assert counts["leads"] == 2 and counts["suppressions"] == 1 and counts["cached"] == 1
            assert address.lower() not in erased.stderr.lower()
            assert "subject erase" in erased.stderr
            after = json.loads(s.cli("subject", "export", address).stdout)
            assert after["records"] == [] and after["erased"] is True
            assert s.leads(p2, key=other)["total"] == 1

            if not lib.on_postgres():
                for f in store_files(s.db_path):
                    with open(f, "rb") as fh:
                        content = fh.read()
                    assert plain not in content.lower(), "address left in %s" % f

            # never added again, by anyone, also by CSV
            data = assert_success(s.add_leads(p1, [{"email": address}]))
            assert data["suppressed"] == 1 and data["added"] == 0
            data = assert_success(post_csv(s, p2, "email\n" + address + "\n", key=other))
            assert data["suppressed"] == 1
            # and left out of the re-crawl (the cached answer was dropped)
            again = assert_success(s.get("crawl.php", domain=site))
            assert "cached" not in again or not again["cached"]
            assert again["all_emails"] == ["office@acme-plumbing.com"]
            assert "maria.rossi@acme-plumbing.com" not in json.dumps(again).lower()


def test_cli_leads_import_and_export():
    with Server() as s:
        pid = s.create_project("Cli")
        path = os.path.join(s.tmp, "in.csv")
        with open(path, "w", newline="") as f:
            f.write("Email Address,Company\r\na@x.com,\"A, Inc.\"\r\nbad,\r\nb@x.com,=1+2\r\n")
        proc = s.cli("leads", "import", ADMIN, pid, path)
        assert proc.returncode == 0, proc.stderr
        counts = json.loads(proc.stdout)
        assert (counts["added"], counts["invalid"]) == (2, 1), counts
        assert counts["rejected"][0]["row"] == 3
        assert "2/2 rows" in proc.stderr
        out = s.cli("leads", "export", ADMIN, pid)
        assert out.returncode == 0, out.stderr
        rows = rows_of(out.stdout)
        assert rows[0] == HEADER and [r[1] for r in rows[1:]] == ["a@x.com", "b@x.com"]
        assert rows[2][4] == "'=1+2"
        assert out.stdout == export_csv(s, pid)
        assert s.cli("leads", "import", ADMIN, 999, path).returncode != 0
