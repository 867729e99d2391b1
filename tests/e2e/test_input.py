"""Keys and bad input: 401s, and every kind of malformed parameter is a 400
with missing_param or invalid_param, a message naming the parameter, and
nothing written."""
from lib import Server, assert_error, eq


def snapshot(s, project_id):
    """What a bad request must not change: the project list and the leads."""
    leads = s.leads(project_id, limit=500)
    return s.project_names(), leads["total"], [l["email"] for l in leads["leads"]]


def seeded(s):
    """A project holding one lead; returns its id."""
    pid = s.create_project("Seed")
    r = s.add_leads(pid, [{"email": "seed@example.com"}])
    assert r.status == 200 and r.json["data"]["added"] == 1, r
    return pid


def test_missing_api_key():
    with Server() as s:
        for r in (s.get("projects.php", key=None), s.get("projects.php", key=""),
                  s.post("projects.php", {"name": "X"}, key=None),
                  s.get("/v2/api/v1/leads.php", key=None, project_id=1)):
            assert_error(r, 401, "missing_api_key")
        eq(s.project_names(), [])


def test_invalid_api_key():
    with Server() as s:
        for bad in ("nope", "lg_" + "0" * 48, s.key[:-1], s.key + "x", s.key.upper()):
            assert_error(s.get("projects.php", key=bad), 401, "invalid_api_key")
        assert_error(s.post("projects.php", {"name": "X"}, key="lg_" + "1" * 48),
                     401, "invalid_api_key")
        assert_error(s.request("GET", "projects.php", key=None, raw_query="api_key=%FF%FE"),
                     401, "invalid_api_key")
        eq(s.project_names(), [])


def test_key_checked_before_parameters():
    with Server() as s:
        # A request that is both unauthenticated and malformed is a 401, not a 400.
        assert_error(s.get("leads.php", key=None, project_id="abc"), 401, "missing_api_key")
        assert_error(s.post("projects.php", b"{not json", key="bad"), 401, "invalid_api_key")


def test_malformed_json_body():
    with Server() as s:
        pid = seeded(s)
        before = snapshot(s, pid)
        for path, body in (("projects.php", b'{"name": "A"'), ("projects.php", b"name=A"),
                           ("leads.php", b'{"project_id": %d, "leads": [{"email": "x@y.com"},]}'
                            % pid),
                           ("projects.php", b'{"name": "A", "name": "B"}')):
            r = s.post(path, body)
            assert_error(r, 400, "invalid_param", "body")
        eq(snapshot(s, pid), before)


def test_body_must_be_an_object():
    with Server() as s:
        pid = seeded(s)
        before = snapshot(s, pid)
        for path, body in (("projects.php", b'[{"name": "A"}]'), ("leads.php", b"[%d]" % pid),
                           ("projects.php", b'"A"'), ("projects.php", b"5"),
                           ("projects.php", b"null")):
            assert_error(s.post(path, body), 400, "invalid_param", "body")
        eq(snapshot(s, pid), before)


def test_missing_required_parameters():
    with Server() as s:
        pid = seeded(s)
        before = snapshot(s, pid)
        cases = [
            (s.post("projects.php", {}), "name"),
            (s.post("projects.php", b""), "name"),
            (s.post("projects.php", {"name": None}), "name"),
            (s.post("leads.php", {"leads": [{"email": "a@b.com"}]}), "project_id"),
            (s.post("leads.php", {"project_id": pid}), "leads"),
            (s.post("leads.php", {"project_id": pid, "leads": []}), "leads"),
            (s.get("leads.php"), "project_id"),
            (s.get("leads.php", project_id=""), "project_id"),
        ]
        for r, name in cases:
            assert_error(r, 400, "missing_param", name)
        eq(snapshot(s, pid), before)


def test_wrong_types_in_body():
    with Server() as s:
        pid = seeded(s)
        before = snapshot(s, pid)
        good = [{"email": "new@example.com"}]
        cases = [
            ({"project_id": 1.5, "leads": good}, "project_id"),
            ({"project_id": float(pid), "leads": good}, "project_id"),
            ({"project_id": True, "leads": good}, "project_id"),
            ({"project_id": {"id": pid}, "leads": good}, "project_id"),
            ({"project_id": [pid], "leads": good}, "project_id"),
            ({"project_id": "abc", "leads": good}, "project_id"),
            ({"project_id": pid, "leads": {"email": "a@b.com"}}, "leads"),
            ({"project_id": pid, "leads": "a@b.com"}, "leads"),
            ({"project_id": pid, "leads": good + ["a@b.com"]}, "leads[1]"),
            ({"project_id": pid, "leads": good + [None]}, "leads[1]"),
            ({"project_id": pid, "leads": good + [{"email": 5}]}, "leads[1].email"),
            ({"project_id": pid, "leads": good + [{"email": "b@x.com", "firstname": ["B"]}]},
             "leads[1].firstname"),
            ({"project_id": pid, "leads": good + [{"email": "b@x.com", "phones": 5551234}]},
             "leads[1].phones"),
            ({"project_id": pid, "leads": good + [{"email": "b@x.com", "company": True}]},
             "leads[1].company"),
        ]
        for body, name in cases:
            assert_error(s.post("leads.php", body), 400, "invalid_param", name)
        for name in (5, True, ["A"], {"n": "A"}, 1.5):
            assert_error(s.post("projects.php", {"name": name}), 400, "invalid_param", "name")
        eq(snapshot(s, pid), before)


def test_non_numeric_ids_in_query():
    with Server() as s:
        pid = seeded(s)
        before = snapshot(s, pid)
        for value in ("abc", "1x", "1.0", "0x10", " 1", "1e3", "--1", "99999999999999999999999"):
            assert_error(s.get("leads.php", project_id=value), 400, "invalid_param", "project_id")
        for name in ("limit", "offset"):
            assert_error(s.get("leads.php", project_id=pid, **{name: "ten"}), 400,
                         "invalid_param", name)
        eq(snapshot(s, pid), before)


def test_out_of_range_numbers():
    with Server() as s:
        pid = seeded(s)
        before = snapshot(s, pid)
        cases = [({"project_id": pid, "limit": 0}, "limit"),
                 ({"project_id": pid, "limit": 501}, "limit"),
                 ({"project_id": pid, "limit": -1}, "limit"),
                 ({"project_id": pid, "offset": -1}, "offset"),
                 ({"project_id": 0}, "project_id"),
                 ({"project_id": -5}, "project_id")]
        for params, name in cases:
            assert_error(s.get("leads.php", **params), 400, "invalid_param", name)
        for value in (0, -1):
            assert_error(s.add_leads(value, [{"email": "n@example.com"}]), 400,
                         "invalid_param", "project_id")
        # The bounds themselves are accepted.
        eq(s.leads(pid, limit=1)["limit"], 1)
        eq(s.leads(pid, limit=500)["limit"], 500)
        eq(snapshot(s, pid), before)


def test_invalid_utf8_in_query_value():
    with Server() as s:
        pid = seeded(s)
        before = snapshot(s, pid)
        for raw in ("search=%FF", "search=ab%C3", "search=%C0%AF", "search=%ED%A0%80"):
            r = s.request("GET", "projects.php", raw_query=raw)
            assert_error(r, 400, "invalid_param", "search")
        # Valid UTF-8 in the same place is fine.
        r = s.request("GET", "projects.php", raw_query="search=%C3%A9")
        assert r.status == 200, r
        eq(snapshot(s, pid), before)


def test_invalid_utf8_in_json_body():
    with Server() as s:
        pid = seeded(s)
        before = snapshot(s, pid)
        bodies = [("projects.php", b'{"name": "Bad \xff name"}'),
                  ("projects.php", b'{"name": "\xc3"}'),
                  ("leads.php", b'{"project_id": %d, "leads": [{"email": "ok@example.com"}, '
                                b'{"email": "\xff@example.com"}]}' % pid),
                  ("leads.php", b'{"project_id": %d, "leads": [{"email": "ok@example.com", '
                                b'"company": "Caf\xe9"}]}' % pid)]
        for path, body in bodies:
            r = s.post(path, body)
            assert_error(r, 400, "invalid_param")
            assert "body" in r.json["message"].lower(), r.json
        eq(snapshot(s, pid), before)
