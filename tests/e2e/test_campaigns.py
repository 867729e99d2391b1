"""Sending accounts (CLI and accounts.php) and the campaign lifecycle: create,
list/detail, steps, launch, control, status, recipients; every transition of
the reference's state table and every refused one; validation messages;
tenant isolation; secrets never readable."""
import json
import os
import lib

from lib import Server, assert_error, assert_success

ADMIN = "admin@localhost.localdomain"
STEP = {"subject": "{Hi|Hello} {{firstname|there}}", "body": "<p>Hi {{company|there}}</p>",
        "delay_days": 0}
FOLLOW = {"subject": "Re: hi", "body": "<p>Following up</p>", "delay_days": 3}
PASSWORD = "s3cret-smtp-Pa55word"
TOKEN = "1//refresh-token-XYZ-0123456789"


def add_smtp(s, owner=ADMIN, address="sender@acme.com", extra=()):
    proc = s.cli("account", "add", "smtp", owner, "--address", address, "--host", "smtp.acme.com",
                 "--port", 587, "--username", "sender", "--password-env", "SMTP_PW",
                 "--imap-host", "imap.acme.com", *extra, env={"SMTP_PW": PASSWORD})
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.strip().splitlines()[-1])


def add_gmail(s, owner=ADMIN, address="me@gmail.com"):
    proc = s.cli("account", "add", "gmail", owner, "--address", address,
                 "--refresh-token-env", "GMAIL_TOKEN", env={"GMAIL_TOKEN": TOKEN})
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.strip().splitlines()[-1])


def project_with_leads(s, emails, key=None):
    kw = {} if key is None else {"key": key}
    pid = s.create_project("P-%d" % len(emails) + emails[0] if emails else "empty", **kw)
    if emails:
        r = s.add_leads(pid, [{"email": e} for e in emails], **kw)
        assert r.status == 200, r
    return pid


def create(s, pid, accounts, steps=None, key=None, **extra):
    body = {"name": "Cold", "project_id": pid, "sending_accounts": accounts,
            "steps": steps if steps is not None else [STEP, FOLLOW]}
    body.update(extra)
    kw = {} if key is None else {"key": key}
    return s.post("campaigns.php", body, **kw)


def control(s, cid, action, key=None):
    kw = {} if key is None else {"key": key}
    return s.post("campaigns/control.php", {"campaign_id": cid, "action": action}, **kw)


def launch(s, cid, key=None):
    kw = {} if key is None else {"key": key}
    return s.post("campaigns/launch.php", {"campaign_id": cid}, **kw)


def status_of(s, cid):
    return assert_success(s.get("campaigns/status.php", campaign_id=cid))["campaign"]["status"]


def new_campaign(s, emails=("a.b@x.com", "c.d@y.com")):
    acc = add_smtp(s, address="s%d@acme.com" % len(os.urandom(0) + bytes(len(emails))))
    pid = project_with_leads(s, list(emails))
    return assert_success(create(s, pid, [{"type": "smtp", "id": acc}]))["id"]


def test_accounts_listed_without_secrets_and_filtered_by_type():
    with Server() as s:
        smtp = add_smtp(s, extra=("--name", "Sales Team", "--daily-limit", 80))
        gmail = add_gmail(s)
        data = assert_success(s.get("accounts.php"))
        assert data["accounts_count"] == 2
        by_id = {a["id"]: a for a in data["accounts"]}
        assert by_id[smtp]["type"] == "smtp" and by_id[smtp]["email"] == "sender@acme.com"
        assert by_id[smtp]["name"] == "Sales Team" and by_id[smtp]["daily_limit"] == 80
        assert by_id[smtp]["smtp_host"] == "smtp.acme.com" and by_id[smtp]["imap_port"] == 993
        assert by_id[gmail]["type"] == "gmail"
        text = json.dumps(data)
        assert PASSWORD not in text and TOKEN not in text
        assert "secret" not in text and "password" not in text
        assert [a["id"] for a in assert_success(s.get("accounts.php", type="gmail"))["accounts"]] == [gmail]
        assert [a["id"] for a in assert_success(s.get("accounts.php", type="smtp"))["accounts"]] == [smtp]
        assert_error(s.get("accounts.php", type="imap"), 400, "invalid_param", "type")
        listing = s.cli("account", "list", ADMIN)
        assert "sender@acme.com" in listing.stdout and PASSWORD not in listing.stdout


def test_secrets_are_encrypted_in_the_store():
    with Server() as s:
        add_smtp(s)
        add_gmail(s)
        s.stop()
        raw = b""
        for suffix in ("", "-wal"):
            path = s.db_path + suffix
            if os.path.exists(path):
                with open(path, "rb") as f:
                    raw += f.read()
        assert PASSWORD.encode() not in raw and TOKEN.encode() not in raw
        sealed = [row[0] for row in lib.store_sql(s.db_path, "SELECT secret FROM accounts")]
        assert len(sealed) == 2 and all(len(x) > 2 * (len(PASSWORD) + 24) for x in sealed)
        assert len(set(sealed)) == 2


def test_cli_account_errors():
    with Server() as s:
        assert s.cli("account", "add", "smtp", ADMIN, "--address", "bad", "--host", "h").returncode != 0
        assert s.cli("account", "add", "smtp", ADMIN, "--address", "a@b.com").returncode != 0  # no host
        assert s.cli("account", "add", "gmail", ADMIN, "--address", "a@b.com").returncode != 0  # no token
        assert s.cli("account", "add", "smtp", ADMIN, "--address", "a@b.com", "--host", "h",
                     "--tls", "ssl3").returncode != 0
        assert s.cli("account", "add", "smtp", "nobody@x.com", "--address", "a@b.com",
                     "--host", "h").returncode != 0
        acc = add_smtp(s)
        dup = s.cli("account", "add", "smtp", ADMIN, "--address", "sender@acme.com", "--host", "h")
        assert dup.returncode != 0 and "already exists" in dup.stderr
        pid = project_with_leads(s, ["x.y@z.com"])
        assert_success(create(s, pid, [{"type": "smtp", "id": acc}]))
        used = s.cli("account", "remove", ADMIN, acc)
        assert used.returncode != 0 and "used by" in used.stderr
        other = add_smtp(s, address="spare@acme.com")
        assert s.cli("account", "remove", ADMIN, other).returncode == 0
        assert other not in [a["id"] for a in assert_success(s.get("accounts.php"))["accounts"]]


def test_create_validates_with_precise_messages():
    with Server() as s:
        acc = add_smtp(s)
        gmail = add_gmail(s)
        pid = project_with_leads(s, ["x.y@z.com"])
        ok = [{"type": "smtp", "id": acc}]
        cases = [
            ({"name": None}, 400, "missing_param", "name"),
            ({"project_id": 999}, 400, "invalid_param", "project_id"),
            ({"project_id": "abc"}, 400, "invalid_param", "project_id"),
            ({"sending_accounts": []}, 400, "missing_param", "sending_accounts"),
            ({"sending_accounts": [{"type": "smtp", "id": 999}]}, 400, "invalid_param",
             "sending_accounts[0]"),
            ({"sending_accounts": [{"type": "smtp", "id": gmail}]}, 400, "invalid_param",
             "sending_accounts[0]"),
            ({"sending_accounts": [{"type": "fax", "id": acc}]}, 400, "invalid_param",
             "sending_accounts[0].type"),
            ({"sending_accounts": [{"id": acc}]}, 400, "invalid_param", "sending_accounts[0]"),
            ({"sending_accounts": ok + ok}, 400, "invalid_param", "listed twice"),
            ({"steps": []}, 400, "missing_param", "steps"),
            ({"steps": [dict(STEP, subject="")]}, 400, "invalid_param", "steps[0].subject"),
            ({"steps": [dict(STEP, body="{a|b")]}, 400, "invalid_param", "steps[0].body"),
            ({"steps": [dict(STEP, subject="Hi {{nick}}")]}, 400, "invalid_param",
             "unknown merge field"),
            ({"steps": [dict(STEP, delay_days=2)]}, 400, "invalid_param", "steps[0].delay_days"),
            ({"steps": [STEP, dict(FOLLOW, delay_days=-1)]}, 400, "invalid_param",
             "steps[1].delay_days"),
            ({"daily_limit": 0}, 400, "invalid_param", "daily_limit"),
            ({"daily_limit": 10001}, 400, "invalid_param", "daily_limit"),
            ({"batch_size": 501}, 400, "invalid_param", "batch_size"),
        ]
        for change, code, err, name in cases:
            body = {"name": "C", "project_id": pid, "sending_accounts": ok, "steps": [STEP]}
            for k, v in change.items():
                if v is None:
                    body.pop(k)
                else:
                    body[k] = v
            assert_error(s.post("campaigns.php", body), code, err, name)
        assert assert_success(s.get("campaigns.php"))["campaigns_count"] == 0
        data = assert_success(create(s, pid, ok))
        assert data["status"] == "draft" and data["daily_limit"] == 50 and data["batch_size"] == 5
        assert data["steps"] == [STEP, FOLLOW] and data["launched_at"] is None
        assert data["sending_accounts"] == [{"type": "smtp", "id": acc, "email": "sender@acme.com",
                                             "name": ""}]


def test_integers_as_decimal_strings_and_the_first_delay_defaulting_to_zero():
    # README: integers may be JSON integers or decimal strings, everywhere
    with Server() as s:
        acc = add_smtp(s)
        pid = project_with_leads(s, ["x.y@z.com"])
        first = {"subject": STEP["subject"], "body": STEP["body"]}      # no delay_days
        data = assert_success(create(s, str(pid), [{"type": "smtp", "id": str(acc)}],
                                     steps=[first, dict(FOLLOW, delay_days="3")]))
        assert data["sending_accounts"][0]["id"] == acc
        assert data["steps"] == [STEP, FOLLOW], data["steps"]          # stored as integers
        cid = data["id"]
        data = assert_success(s.put("campaigns/steps.php",
                                    {"campaign_id": str(cid), "steps": [first]}))
        assert data["steps"] == [STEP]
        for bad in ("x", "2.5", ""):
            assert_error(create(s, pid, [{"type": "smtp", "id": bad}]), 400, "invalid_param",
                         "sending_accounts[0]")
        assert_error(create(s, pid, [{"type": "smtp", "id": acc}], steps=[STEP, {
            "subject": "Re", "body": "<p>b</p>"}]), 400, "invalid_param", "steps[1].delay_days")


def test_every_transition_and_every_refusal():
    with Server() as s:
        cid = new_campaign(s)
        for action in ("pause", "resume", "cancel"):  # nothing but launch works from draft
            assert_error(control(s, cid, action), 400, "invalid_param", "draft")
        data = assert_success(launch(s, cid))
        assert data["status"] == "active" and data["recipients"] == 2
        assert_error(launch(s, cid), 400, "invalid_param", "active")
        assert_error(control(s, cid, "resume"), 400, "invalid_param", "active")
        assert assert_success(control(s, cid, "pause"))["status"] == "paused"
        assert status_of(s, cid) == "paused"
        assert_error(control(s, cid, "pause"), 400, "invalid_param", "paused")
        assert_error(launch(s, cid), 400, "invalid_param", "paused")
        assert assert_success(control(s, cid, "resume"))["status"] == "active"
        assert assert_success(control(s, cid, "cancel"))["status"] == "cancelled"
        for action in ("pause", "resume", "cancel"):
            assert_error(control(s, cid, action), 400, "invalid_param", "cancelled")
        assert_error(launch(s, cid), 400, "invalid_param", "cancelled")
        other = new_campaign(s, ("e.f@x.com",))
        assert_success(launch(s, other))
        assert_success(control(s, other, "pause"))
        assert assert_success(control(s, other, "cancel"))["status"] == "cancelled"
        assert_error(control(s, other, "stop"), 400, "invalid_param", "action")
        assert_error(s.post("campaigns/control.php", {"campaign_id": other}), 400,
                     "missing_param", "action")


def test_steps_replaced_only_in_draft_or_paused():
    with Server() as s:
        cid = new_campaign(s)
        new_steps = [dict(STEP, subject="New {A|B}"), FOLLOW, dict(FOLLOW, delay_days=7)]
        data = assert_success(s.put("campaigns/steps.php", {"campaign_id": cid, "steps": new_steps}))
        assert data["steps"] == new_steps and data["steps_count"] == 3
        assert_success(launch(s, cid))
        assert_error(s.put("campaigns/steps.php", {"campaign_id": cid, "steps": [STEP]}), 400,
                     "invalid_param", "active")
        assert_success(control(s, cid, "pause"))
        data = assert_success(s.put("campaigns/steps.php", {"campaign_id": cid, "steps": [STEP]}))
        assert data["steps"] == [STEP] and data["status"] == "paused"
        # recipients keep their place in the sequence
        recipients = assert_success(s.get("campaigns/recipients.php", campaign_id=cid))
        assert [r["current_step"] for r in recipients["recipients"]] == [0, 0]
        assert_error(s.put("campaigns/steps.php", {"campaign_id": cid, "steps": [dict(STEP, body="")]}),
                     400, "invalid_param", "steps[0].body")
        assert_success(control(s, cid, "cancel"))
        assert_error(s.put("campaigns/steps.php", {"campaign_id": cid, "steps": [STEP]}), 400,
                     "invalid_param", "cancelled")
        assert_error(s.post("campaigns/steps.php", {"campaign_id": cid, "steps": [STEP]}), 405,
                     "method_not_allowed")


def test_launch_leaves_out_invalid_and_unsubscribed_leads():
    with Server() as s:
        emails = ["good.one@x.com", "Bad.Lead@x.com", "gone.away@x.com", "fine.too@y.com"]
        acc = add_smtp(s)
        pid = project_with_leads(s, emails)
        cid = assert_success(create(s, pid, [{"type": "smtp", "id": acc}]))["id"]
        # verify.php (not built yet) marks invalid leads, the sender records unsubscribes:
        # set both up directly in the store.
        lib.store_sql(s.db_path, "UPDATE leads SET verified = -1 WHERE email_key = 'bad.lead@x.com'")
        lib.store_sql(s.db_path, "INSERT INTO suppressions (user_id, value, reason, created_at) "
                      "SELECT id, 'gone.away@x.com', 'unsubscribe', 0 FROM users WHERE email = ?",
                      (ADMIN,))
        data = assert_success(launch(s, cid))
        assert data["recipients"] == 2
        listed = assert_success(s.get("campaigns/recipients.php", campaign_id=cid))
        assert [r["email"] for r in listed["recipients"]] == ["good.one@x.com", "fine.too@y.com"]
        assert listed["total"] == 2
        first = listed["recipients"][0]
        assert first["status"] == "pending" and first["current_step"] == 0
        assert first["last_sent_at"] is None and first["next_send_at"] is not None
        stats = assert_success(s.get("campaigns/status.php", campaign_id=cid))
        assert stats["recipient_stats"] == {"pending": 2, "in_progress": 0, "completed": 0,
                                            "replied": 0, "bounced": 0, "unsubscribed": 0,
                                            "failed": 0}
        campaign = stats["campaign"]
        # the reference's fields, and the sender's: when it sent last and sends next,
        # and why the system set the status
        assert set(campaign) == {"id", "name", "status", "daily_limit", "batch_size", "sent_today",
                                 "sent_total", "created_at", "launched_at", "last_sent_at",
                                 "next_send_at", "status_reason"}
        assert campaign["next_send_at"] is not None and campaign["last_sent_at"] is None
        assert campaign["launched_at"] is not None and campaign["sent_total"] == 0


def test_launch_refuses_a_project_without_eligible_leads():
    with Server() as s:
        acc = add_smtp(s)
        pid = s.create_project("Empty")
        cid = assert_success(create(s, pid, [{"type": "smtp", "id": acc}]))["id"]
        assert_error(launch(s, cid), 400, "invalid_param", "no eligible leads")
        assert status_of(s, cid) == "draft"
        assert_error(s.post("campaigns/launch.php", {}), 400, "missing_param", "campaign_id")


def test_recipients_filter_and_pagination():
    with Server() as s:
        cid = new_campaign(s, tuple("p%d.q@x.com" % i for i in range(7)))
        assert_success(launch(s, cid))
        page = assert_success(s.get("campaigns/recipients.php", campaign_id=cid, limit=3, offset=3))
        assert page["total"] == 7 and page["limit"] == 3 and page["offset"] == 3
        assert [r["email"] for r in page["recipients"]] == ["p3.q@x.com", "p4.q@x.com", "p5.q@x.com"]
        replied = assert_success(s.get("campaigns/recipients.php", campaign_id=cid, status="replied"))
        assert replied["recipients"] == [] and replied["total"] == 0
        assert_error(s.get("campaigns/recipients.php", campaign_id=cid, status="sent"), 400,
                     "invalid_param", "status")
        assert_error(s.get("campaigns/recipients.php", campaign_id=cid, limit=501), 400,
                     "invalid_param", "limit")
        assert_error(s.get("campaigns/recipients.php"), 400, "missing_param", "campaign_id")


def test_recipients_keyset_pages_follow_next_after_id():
    with Server() as s:
        cid = new_campaign(s, tuple("k%d.q@x.com" % i for i in range(7)))
        assert_success(launch(s, cid))
        def page(**params):
            return assert_success(s.get("campaigns/recipients.php", campaign_id=cid, limit=3,
                                        **params))
        first = page(offset=0)
        emails, after = [], 0
        while after is not None:
            got = page(after_id=after)
            assert got["total"] == 7, got
            emails += [r["email"] for r in got["recipients"]]
            after = got["next_after_id"]
        assert emails == ["k%d.q@x.com" % i for i in range(7)], emails
        # an offset page's next_after_id continues where it stopped
        assert first["next_after_id"] == first["recipients"][-1]["lead_id"]
        nxt = page(after_id=first["next_after_id"])
        assert [r["email"] for r in nxt["recipients"]] == ["k3.q@x.com", "k4.q@x.com",
                                                         "k5.q@x.com"], nxt
        pending = page(status="pending", after_id=0)
        assert pending["total"] == 7 and len(pending["recipients"]) == 3, pending
        assert_error(s.get("campaigns/recipients.php", campaign_id=cid, offset=3, after_id=1), 400,
                     "invalid_param")


def test_list_detail_and_projects_show_campaigns():
    with Server() as s:
        cid = new_campaign(s)
        listed = assert_success(s.get("campaigns.php"))
        assert listed["campaigns_count"] == 1
        summary = listed["campaigns"][0]
        assert summary["id"] == cid and summary["steps_count"] == 2
        assert summary["recipient_stats"]["pending"] == 0
        detail = assert_success(s.get("campaigns.php", id=cid))
        assert detail["steps"] == [STEP, FOLLOW] and len(detail["sending_accounts"]) == 1
        assert_error(s.get("campaigns.php", id=cid + 100), 404, "not_found")
        assert_error(s.get("campaigns.php", id="x"), 400, "invalid_param", "id")
        projects = assert_success(s.get("projects.php"))["projects"]
        assert {"id": cid, "name": "Cold", "status": "draft"} in projects[0]["campaigns"]


def test_tenants_cannot_see_or_touch_each_others_campaigns_or_accounts():
    with Server() as s:
        cid = new_campaign(s)
        mine = assert_success(s.get("accounts.php"))["accounts"][0]["id"]
        other_key = s.add_user("other@example.com", credits=0)
        assert_success(s.get("accounts.php", key=other_key))["accounts_count"] == 0
        assert assert_success(s.get("campaigns.php", key=other_key))["campaigns_count"] == 0
        assert_error(s.get("campaigns.php", key=other_key, id=cid), 404, "not_found")
        assert_error(s.get("campaigns/status.php", key=other_key, campaign_id=cid), 404, "not_found")
        assert_error(s.get("campaigns/recipients.php", key=other_key, campaign_id=cid), 404,
                     "not_found")
        assert_error(launch(s, cid, key=other_key), 404, "not_found")
        assert_error(control(s, cid, "pause", key=other_key), 404, "not_found")
        assert_error(s.put("campaigns/steps.php", {"campaign_id": cid, "steps": [STEP]},
                           key=other_key), 404, "not_found")
        # another user's account or project cannot be used in a campaign
        their_project = s.create_project("Theirs", key=other_key)
        assert_error(create(s, their_project, [{"type": "smtp", "id": mine}], key=other_key), 400,
                     "invalid_param", "sending_accounts[0]")
        assert status_of(s, cid) == "draft"
        assert s.cli("account", "remove", "other@example.com", mine).returncode != 0
