"""projects.php: create, per-user unique names, list and search."""
from lib import Server, assert_error, assert_success, eq


def test_create_returns_the_project():
    with Server() as s:
        r = s.post("projects.php", {"name": "NYC Agencies"})
        data = assert_success(r)
        assert r.json["credits_used"] == 0, r.json
        assert set(data) == {"id", "name", "type", "campaigns"}, data
        assert isinstance(data["id"], int) and data["id"] > 0, data
        assert data["name"] == "NYC Agencies" and data["type"] == "" and data["campaigns"] == []
        second = assert_success(s.post("projects.php", {"name": "Other"}))
        assert second["id"] != data["id"], (data, second)


def test_duplicate_name_is_invalid_param():
    with Server() as s:
        s.create_project("Twice")
        r = s.post("projects.php", {"name": "Twice"})
        assert_error(r, 400, "invalid_param", "Twice")
        eq(s.project_names(), ["Twice"])


def test_list_shape_and_count():
    with Server() as s:
        empty = assert_success(s.get("projects.php"))
        assert empty == {"projects_count": 0, "projects": []}, empty
        ids = {s.create_project(n) for n in ("One", "Two", "Three")}
        data = assert_success(s.get("projects.php"))
        assert data["projects_count"] == 3 == len(data["projects"]), data
        assert {p["id"] for p in data["projects"]} == ids, data
        for p in data["projects"]:
            assert set(p) == {"id", "name", "type", "campaigns"}, p
            assert p["type"] == "" and p["campaigns"] == [], p


def search(s, text):
    data = assert_success(s.get("projects.php", search=text))
    assert data["projects_count"] == len(data["projects"]), data
    return sorted(p["name"] for p in data["projects"])


def expect_search(s, text, expected):
    found = search(s, text)
    assert found == expected, "search=%r found %r, expected %r" % (text, found, expected)


def test_search_is_partial_and_case_insensitive():
    with Server() as s:
        for name in ("NYC Marketing Agencies", "Boston Agencies", "Berlin Bakeries"):
            s.create_project(name)
        expect_search(s, "agencies", ["Boston Agencies", "NYC Marketing Agencies"])
        expect_search(s, "AGENC", ["Boston Agencies", "NYC Marketing Agencies"])
        expect_search(s, "b", ["Berlin Bakeries", "Boston Agencies"])
        expect_search(s, "marketing ag", ["NYC Marketing Agencies"])
        expect_search(s, "nothing like it", [])
        expect_search(s, "", ["Berlin Bakeries", "Boston Agencies", "NYC Marketing Agencies"])


def test_search_wildcards_are_literal():
    with Server() as s:
        for name in ("50% off", "5000 leads", "a_b", "axb", "back\\slash", "plain"):
            s.create_project(name)
        expect_search(s, "%", ["50% off"])
        expect_search(s, "50%", ["50% off"])
        expect_search(s, "_", ["a_b"])
        expect_search(s, "a_b", ["a_b"])
        expect_search(s, "\\", ["back\\slash"])
        expect_search(s, "*", [])


def test_search_with_unicode():
    with Server() as s:
        s.create_project("Café Owners")
        s.create_project("Cafe Racers")
        expect_search(s, "Café", ["Café Owners"])
        expect_search(s, "é", ["Café Owners"])


def test_search_is_case_insensitive_beyond_ascii():
    with Server() as s:
        s.create_project("Café Owners")
        s.create_project("Zürich Bakers")
        expect_search(s, "CAFÉ", ["Café Owners"])
        expect_search(s, "ZÜRICH", ["Zürich Bakers"])
        expect_search(s, "zürich", ["Zürich Bakers"])
