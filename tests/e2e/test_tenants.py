"""Tenant isolation: one user never sees or changes another user's projects."""
from lib import Server, assert_error, assert_success, eq


def two_users(s):
    """(key A, key B): the first user and a second one made with the CLI."""
    return s.key, s.add_user("tenant-b@example.com", credits=10)


def test_other_users_project_is_404_and_unchanged():
    with Server() as s:
        a, b = two_users(s)
        pid = s.create_project("A's Secret Project", key=a)
        assert_success(s.add_leads(pid, [{"email": "alice@a-corp.com", "company": "A Corp"}],
                                   key=a))
        before = s.leads(pid, key=a)

        listed = s.get("leads.php", key=b, project_id=pid)
        assert_error(listed, 404, "not_found")
        added = s.add_leads(pid, [{"email": "mallory@b-corp.com"}], key=b)
        assert_error(added, 404, "not_found")
        for r in (listed, added):  # the error leaks none of A's data
            for secret in ("Secret", "alice", "A Corp"):
                assert secret not in r.body.decode(), r

        eq(s.leads(pid, key=a), before)


def test_project_lists_are_per_user():
    with Server() as s:
        a, b = two_users(s)
        s.create_project("Only A", key=a)
        eq(s.project_names(key=b), [])
        eq(assert_success(s.get("projects.php", key=b, search="Only"))["projects"], [])
        s.create_project("Only B", key=b)
        eq(s.project_names(key=a), ["Only A"])
        eq(s.project_names(key=b), ["Only B"])


def test_same_project_name_for_two_users():
    with Server() as s:
        a, b = two_users(s)
        pa = s.create_project("Shared Name", key=a)
        pb = s.create_project("Shared Name", key=b)
        assert pa != pb
        assert_success(s.add_leads(pa, [{"email": "one@example.com"}], key=a))
        assert_success(s.add_leads(pb, [{"email": "two@example.com"}, {"email": "three@x.com"}],
                                   key=b))
        eq(s.leads(pa, key=a)["total"], 1)
        eq(s.leads(pb, key=b)["total"], 2)
        # Each still has exactly one project with that name, and a duplicate
        # of one's name is refused for that user only.
        assert_error(s.post("projects.php", {"name": "Shared Name"}, key=b), 400, "invalid_param")
        assert s.project_names(key=a) == ["Shared Name"] == s.project_names(key=b)
