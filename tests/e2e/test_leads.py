"""leads.php: add (dedupe, names from emails, invalid emails, the 500 limit)
and list (pagination, the lead object)."""
import re

import lib
from lib import Server, assert_error, assert_success, eq

LEAD_FIELDS = {"id", "email", "firstname", "lastname", "company", "website", "phones",
               "description", "verified", "source", "created_at"}


def add(s, pid, leads):
    return assert_success(s.add_leads(pid, leads))


def by_email(s, pid):
    return {l["email"]: l for l in s.leads(pid, limit=500)["leads"]}


def test_add_returns_counts():
    with Server() as s:
        pid = s.create_project("Counts")
        r = s.add_leads(pid, [{"email": "a@example.com"}, {"email": "b@example.com"},
                              {"email": "not-an-email"}])
        data = assert_success(r)
        assert r.json["credits_used"] == 0, r.json
        assert data == {"project_id": pid, "added": 2, "duplicates": 0, "invalid": 1,
                        "suppressed": 0, "leads_count": 2}, data
        data = add(s, pid, [{"email": "c@example.com"}, {"email": "a@example.com"}])
        assert data == {"project_id": pid, "added": 1, "duplicates": 1, "invalid": 0,
                        "suppressed": 0, "leads_count": 3}, data


def test_duplicates_skipped_case_insensitively():
    with Server() as s:
        pid = s.create_project("Dupes")
        data = add(s, pid, [{"email": "Jane@Example.com"}, {"email": "jane@example.com"},
                            {"email": "JANE@EXAMPLE.COM"}, {"email": "other@example.com"}])
        assert (data["added"], data["duplicates"], data["leads_count"]) == (2, 2, 2), data
        data = add(s, pid, [{"email": "jAnE@eXaMpLe.CoM"}, {"email": "OTHER@example.com"}])
        assert (data["added"], data["duplicates"], data["leads_count"]) == (0, 2, 2), data
        emails = sorted(by_email(s, pid))
        # The first spelling is the one kept.
        eq(emails, ["Jane@Example.com", "other@example.com"])


def test_same_email_in_two_projects():
    with Server() as s:
        one, two = s.create_project("One"), s.create_project("Two")
        eq(add(s, one, [{"email": "x@example.com"}])["added"], 1)
        eq(add(s, two, [{"email": "x@example.com"}])["added"], 1)
        assert s.leads(one)["total"] == 1 and s.leads(two)["total"] == 1


def names(s, pid, email):
    lead = by_email(s, pid)[email]
    return lead["firstname"], lead["lastname"]


def test_names_derived_from_email():
    with Server() as s:
        pid = s.create_project("Names")
        cases = {"john.doe@x.com": ("John", "Doe"), "john_doe@y.com": ("John", "Doe"),
                 "JANE.SMITH@x.com": ("Jane", "Smith"), "anna@x.com": ("Anna", ""),
                 "info@x.com": ("", ""), "sales@x.com": ("", ""), "Info@z.com": ("", "")}
        data = add(s, pid, [{"email": e} for e in cases])
        assert data["added"] == len(cases), data
        for email, expected in cases.items():
            assert names(s, pid, email) == expected, (email, names(s, pid, email))


def test_given_names_are_kept():
    with Server() as s:
        pid = s.create_project("Given")
        add(s, pid, [{"email": "john.doe@x.com", "firstname": "Johnny", "lastname": "D."},
                     {"email": "mary.major@x.com", "firstname": "M"},
                     {"email": "info@x.com", "firstname": "Front", "lastname": "Desk"}])
        eq(names(s, pid, "john.doe@x.com"), ("Johnny", "D."))
        eq(names(s, pid, "mary.major@x.com"), ("M", "Major"))
        eq(names(s, pid, "info@x.com"), ("Front", "Desk"))


def test_invalid_emails_counted_not_stored():
    with Server() as s:
        pid = s.create_project("Invalid")
        bad = [{"email": e} for e in ("plain", "@x.com", "a@", "a@b", "a b@x.com", "a@@x.com",
                                      "a@x..com", ".a@x.com", "")]
        bad += [{"firstname": "No Email"}, {"email": None}]
        data = add(s, pid, bad + [{"email": "good@example.com"}])
        assert data == {"project_id": pid, "added": 1, "duplicates": 0, "invalid": len(bad),
                        "suppressed": 0, "leads_count": 1}, data
        eq(list(by_email(s, pid)), ["good@example.com"])


def test_only_invalid_emails_adds_nothing():
    with Server() as s:
        pid = s.create_project("All Bad")
        data = add(s, pid, [{"email": "nope"}, {"email": "still nope"}])
        assert (data["added"], data["invalid"], data["leads_count"]) == (0, 2, 0), data
        eq(s.leads(pid)["total"], 0)


def many(n, start=0):
    return [{"email": "lead%04d@example.com" % i} for i in range(start, start + n)]


def test_500_leads_in_one_request():
    with Server() as s:
        pid = s.create_project("Five Hundred")
        data = add(s, pid, many(500))
        assert (data["added"], data["leads_count"]) == (500, 500), data
        eq(s.leads(pid, limit=500)["total"], 500)
        eq(len(s.leads(pid, limit=500)["leads"]), 500)


def test_501_leads_is_invalid_param_and_writes_nothing():
    with Server() as s:
        pid = s.create_project("Too Many")
        add(s, pid, many(3))
        assert_error(s.add_leads(pid, many(501, start=10)), 400, "invalid_param", "leads")
        eq(s.leads(pid)["total"], 3)
        eq(sorted(by_email(s, pid)), [l["email"] for l in many(3)])


def test_bad_lead_in_batch_writes_nothing():
    with Server() as s:
        pid = s.create_project("Atomic")
        batch = many(5) + [{"email": "x@example.com", "website": 42}]
        assert_error(s.add_leads(pid, batch), 400, "invalid_param", "leads[5].website")
        eq(s.leads(pid)["total"], 0)


def test_lead_object_fields():
    with Server() as s:
        pid = s.create_project("Fields")
        add(s, pid, [{"email": "full@example.com", "firstname": "Full", "lastname": "Lead",
                      "company": "Acme", "website": "https://acme.example", "phones": "+1 555 0100",
                      "description": "Met at a fair"}, {"email": "bare@example.com"}])
        leads = by_email(s, pid)
        full, bare = leads["full@example.com"], leads["bare@example.com"]
        for lead in (full, bare):
            assert set(lead) == LEAD_FIELDS, lead
            assert isinstance(lead["id"], int) and lead["id"] > 0, lead
            assert isinstance(lead["verified"], int), lead
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", lead["created_at"]), lead
        assert (full["company"], full["website"], full["phones"], full["description"]) == \
            ("Acme", "https://acme.example", "+1 555 0100", "Met at a fair"), full
        assert (bare["company"], bare["website"], bare["phones"], bare["description"]) == \
            ("", "", "", ""), bare
        assert full["verified"] == 0, full


def test_unicode_fields_round_trip():
    with Server() as s:
        pid = s.create_project("Unicode")
        add(s, pid, [{"email": "zoe@example.com", "firstname": "Zoë", "company": "Café ☕ 東京"}])
        lead = by_email(s, pid)["zoe@example.com"]
        assert (lead["firstname"], lead["company"]) == ("Zoë", "Café ☕ 東京"), lead


def test_list_pagination():
    with Server() as s:
        pid = s.create_project("Pages")
        add(s, pid, many(25))
        first = s.leads(pid)
        assert (first["project_id"], first["total"], first["limit"], first["offset"]) == \
            (pid, 25, 100, 0), first
        everything = [l["email"] for l in first["leads"]]
        eq(sorted(everything), [l["email"] for l in many(25)])
        pages = []
        for offset in range(0, 30, 10):
            page = s.leads(pid, limit=10, offset=offset)
            assert (page["total"], page["limit"], page["offset"]) == (25, 10, offset), page
            pages.append([l["email"] for l in page["leads"]])
        eq([len(p) for p in pages], [10, 10, 5], pages)
        eq(sum(pages, []), everything)
        beyond = s.leads(pid, limit=10, offset=1000)
        assert beyond["leads"] == [] and beyond["total"] == 25, beyond


def test_list_keyset_pages_walk_every_lead_once():
    with Server() as s:
        pid = s.create_project("Keyset")
        add(s, pid, many(25))
        everything = [l["email"] for l in s.leads(pid)["leads"]]
        first = s.leads(pid, limit=10)
        eq(first["next_after_id"], first["leads"][-1]["id"])
        pages, after = [], 0
        while after is not None:
            page = s.leads(pid, limit=10, after_id=after)
            eq(page["total"], 25)
            pages.append([l["email"] for l in page["leads"]])
            after = page["next_after_id"]
        eq([len(p) for p in pages], [10, 10, 5], pages)
        eq(sum(pages, []), everything)
        eq(s.leads(pid, limit=10, offset=20)["next_after_id"], None)
        assert_error(s.get("leads.php", project_id=pid, offset=10, after_id=5), 400,
                     "invalid_param")
        assert_error(s.get("leads.php", project_id=pid, after_id=-1), 400, "invalid_param")


def test_list_unknown_project_is_404():
    with Server() as s:
        assert_error(s.get("leads.php", project_id=999), 404, "not_found")
        assert_error(s.add_leads(999, many(1)), 404, "not_found")


def run_parallel(fns):
    """Runs each fn in its own thread, started together; their results in order."""
    results = lib.all_at_once(fns, timeout=60)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    return results


def test_parallel_adds_dedupe_consistently():
    with Server() as s:
        pid = s.create_project("Parallel")
        shared = ["shared%02d@example.com" % i for i in range(50)]

        def batch(n):
            # Every thread sends the shared emails (in its own letter case) and 10 of its own.
            emails = [e.upper() if n % 2 else e for e in shared]
            emails += ["own%d-%d@example.com" % (n, i) for i in range(10)]
            return lambda: s.add_leads(pid, [{"email": e} for e in emails])
        responses = run_parallel([batch(n) for n in range(8)])
        datas = [assert_success(r) for r in responses]
        expected_total = 50 + 8 * 10
        assert sum(d["added"] for d in datas) == expected_total, datas
        assert sum(d["duplicates"] for d in datas) == 8 * 60 - expected_total, datas
        assert max(d["leads_count"] for d in datas) == expected_total, datas
        listed = s.leads(pid, limit=500)
        assert listed["total"] == expected_total == len(listed["leads"]), listed["total"]
        keys = [l["email"].lower() for l in listed["leads"]]
        assert len(set(keys)) == len(keys), "duplicate emails stored"


def test_parallel_creates_of_one_name_make_one_project():
    with Server() as s:
        responses = run_parallel([lambda: s.post("projects.php", {"name": "Race"})] * 8)
        statuses = sorted(r.status for r in responses)
        eq(statuses, [200] + [400] * 7, responses)
        for r in responses:
            if r.status == 400:
                assert_error(r, 400, "invalid_param")
        eq(s.project_names(), ["Race"])
