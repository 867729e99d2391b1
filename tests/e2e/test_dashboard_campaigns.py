"""The dashboard's campaigns: the create form with its step editor (add/remove steps as
plain form buttons, the API's validation message shown), a campaign's page (status and
counts, launch/pause/resume/cancel, recipients by state, a preview of each step for a
chosen lead, AI generation into the editor), the sender moving a campaign's progress
against the local mail sink, a reply (by IMAP) and an unsubscribe (by the link) charted on
their day; another user's campaign 404 and the CSRF token required; the ad history
timeline."""
import html
import json
import re
import time
import urllib.parse

import lib
from dashlib import Web, add_user
from fakes.imapd import ImapServer, reply_message
from fakes.mailsink import MailSink
from fakes.openai import OpenAiServer, content, steps_json
from fakes.sites import Sites
from lib import Server, eq
from test_ads import FakeSerpApi, ad, ads_server, landing_sites

SENDER, PASSWORD = "sam@send.lgtest", "s3cret pw"
ENV = {"LEADGEN_CRON_INTERVAL": "1", "LEADGEN_ALLOW_PRIVATE_TARGETS": "1"}


def signed_in(s, email="camp@example.com"):
    key = add_user(s, email)
    w = Web(s)
    eq(w.login(email)[0], 303)
    return w, key


def smtp_account(s, owner, sink, imap=None):
    host, port = sink.url.rsplit("//", 1)[1].split(":")
    inbox = ["--imap-host", "127.0.0.1", "--imap-port", str(imap.port)] if imap else []
    proc = s.cli("account", "add", "smtp", owner, "--address", SENDER, "--host", host,
                 "--port", port, "--username", SENDER, "--password-env", "SMTP_PW", "--tls",
                 "none", "--min-gap", "0", "--max-extra", "0", *inbox, env={"SMTP_PW": PASSWORD})
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.strip().splitlines()[-1])


def post_then_get(w, path, form):
    """A change answers 303 to the campaign's page (so its self-reload never re-posts)."""
    status, headers, page = w.post(path, form)
    if status != 303:
        return status, page
    assert headers["location"].startswith(path + "?done="), headers
    status, _, page = w.get(headers["location"])
    return status, page


def project_with_leads(s, key):
    pid = s.create_project("Ohio dentists", key=key)
    lib.assert_success(s.add_leads(pid, [
        {"email": "ada@acme.lgtest", "firstname": "Ada", "company": "Acme"},
        {"email": "cy@cog.lgtest", "firstname": "Cy", "company": "Cog <b>"}], key=key))
    return pid


def create_form(csrf, pid, acc, steps, action="create"):
    form = [("csrf", csrf), ("name", "Spring"), ("project_id", str(pid)),
            ("account", "smtp:%d" % acc), ("daily_limit", "50"), ("batch_size", "5"),
            ("action", action)]
    for subject, body, delay in steps:
        form += [("subject", subject), ("body", body), ("delay_days", str(delay))]
    return form


STEPS = [("Hi {{firstname|there}}", "<p>Hello {{company|team}} {A|B}</p>", 0),
         ("", "<p>Following up, {{firstname}}.</p>", 2)]


def test_create_with_invalid_step_shows_the_api_message_and_editor_buttons():
    with MailSink(users={SENDER: PASSWORD}) as sink, Server(env=ENV) as s:
        w, key = signed_in(s)
        pid = project_with_leads(s, key)
        acc = smtp_account(s, "camp@example.com", sink)
        csrf = w.csrf("/app/campaigns")
        bad = [("Hi {unclosed", "<p>x</p>", 0)]
        status, _, page = w.post("/app/campaigns", create_form(csrf, pid, acc, bad))
        eq(status, 400)
        api = s.post("campaigns.php", {"name": "Spring", "project_id": pid, "sending_accounts":
                                       [{"type": "smtp", "id": acc}],
                                       "steps": [{"subject": "Hi {unclosed", "body": "<p>x</p>",
                                                  "delay_days": 0}]}, key=key)
        eq(api.status, 400)
        message = api.json["message"]
        assert html.escape(message).replace("&#x27;", "&#39;") in page, (message, page)
        assert 'value="Hi {unclosed"' in page  # the editor keeps what was typed
        # add and remove steps with plain form buttons
        status, _, page = w.post("/app/campaigns", create_form(csrf, pid, acc, STEPS,
                                                               action="add_step"))
        eq(status, 200)
        eq(page.count('<fieldset class="step">'), 3)
        form = create_form(csrf, pid, acc, STEPS)
        form = [f for f in form if f[0] != "action"] + [("remove_step", "1")]
        status, _, page = w.post("/app/campaigns", form)
        eq(page.count('<fieldset class="step">'), 1)
        assert "Following up" in page and "Hello {{company|team}}" not in page
        eq(lib.assert_success(s.get("campaigns.php", key=key))["campaigns_count"], 0)


def daily_chart(page):
    """The daily chart's columns as (day, sent, bounced, failed, replied, unsubscribed),
    oldest first."""
    m = re.search(r'<svg class="chart daily" id="daily-chart"[^>]*role="img" aria-label="[^"]+">'
                  r'<title[^>]*>[^<]+</title>(.*?)</svg>', page, re.S)
    assert m, page
    return [(d, *map(int, counts)) for d, *counts in re.findall(
        r'<g class="day" data-day="([\d-]+)" data-sent="(\d+)" data-bounced="(\d+)" '
        r'data-failed="(\d+)" data-replied="(\d+)" data-unsubscribed="(\d+)">', m.group(1))]


def mail_to(sink, address):
    return [m.email for m in sink.messages if m.rcpt_to == [address]][0]


def unsubscribe(s, sink, address):
    """The one-click POST to the List-Unsubscribe link of the mail sent to address."""
    link = urllib.parse.urlsplit(mail_to(sink, address)["List-Unsubscribe"].strip()[1:-1])
    eq(s.request("POST", link.path, key=None, body="List-Unsubscribe=One-Click").status, 200)


def wait_daily(w, cid, want):
    """Waits for the daily chart's last column (today) to be want."""
    chart = lambda: daily_chart(w.get("/app/campaigns/%d" % cid)[2])  # noqa: E731
    assert lib.wait_until(lambda: chart()[-1] == want, 20), chart()


def test_create_launch_progress_control_and_preview():
    with MailSink(users={SENDER: PASSWORD}) as sink, \
            ImapServer(users={SENDER: PASSWORD}) as imap, Server(env=ENV) as s:
        w, key = signed_in(s)
        pid = project_with_leads(s, key)
        acc = smtp_account(s, "camp@example.com", sink, imap)
        csrf = w.csrf("/app/campaigns")
        status, headers, _ = w.post("/app/campaigns", create_form(csrf, pid, acc, STEPS))
        eq(status, 303)
        m = re.fullmatch(r"/app/campaigns/(\d+)", headers["location"])
        assert m, headers
        cid = int(m.group(1))
        status, _, page = w.get("/app/campaigns/%d" % cid)
        eq(status, 200)
        assert '<strong id="status">draft</strong>' in page, page
        assert 'name="lg-refresh"' not in page
        # before any send the daily chart shows today, empty
        eq(daily_chart(page), [(time.strftime("%Y-%m-%d", time.gmtime()), 0, 0, 0, 0, 0)])
        assert "Recipients by state per day" in page and "not charted" not in page, page
        for series in ("sent", "bounced", "failed", "replied", "unsubscribed"):
            assert '<span class="swatch %s">' % series in page, (series, page)
        # the preview renders each step for the chosen lead, escaped
        lead = re.search(r'<option value="(\d+)">cy@cog.lgtest</option>', page).group(1)
        status, _, page = w.get("/app/campaigns/%d?lead=%s" % (cid, lead))
        assert "Hi Cy" in page, page
        assert "Hello Cog &lt;b&gt;" in page, page
        assert "Following up, Cy." in page
        eq(lib.assert_success(s.get("campaigns.php", key=key))["campaigns"][0]["name"], "Spring")
        # launch: the sender sends, the page shows progress and reloads itself meanwhile
        status, page = post_then_get(w, "/app/campaigns/%d" % cid,
                                     {"csrf": csrf, "action": "launch"})
        eq(status, 200)
        assert "Launched to 2 recipients." in page, page
        assert 'name="lg-refresh"' in page
        assert lib.wait_until(lambda: len(sink.messages) >= 2, 20), sink.messages
        assert lib.wait_until(
            lambda: '<strong id="sent-total">2</strong>' in w.get("/app/campaigns/%d" % cid)[2],
            20)
        # the daily chart (issue 19): today's column counts the two sends once both
        # are recorded (the sent total counts them from their claim)
        today = (time.strftime("%Y-%m-%d", time.gmtime()), 2, 0, 0, 0, 0)
        assert lib.wait_until(
            lambda: daily_chart(w.get("/app/campaigns/%d" % cid)[2])[-1] == today, 20)
        _, _, page = w.get("/app/campaigns/%d?state=in_progress" % cid)
        eq(page.count("<td class=\"st-in_progress\">"), 2)
        assert re.search(r'data-state="in_progress">2<', page), page
        _, _, page = w.get("/app/campaigns/%d?state=pending" % cid)
        assert "No recipients here." in page
        # keyset paging: after the first lead's id, only the second
        first = min(r["lead_id"] for r in lib.assert_success(s.get(
            "campaigns/recipients.php", campaign_id=cid, key=key))["recipients"])
        _, _, page = w.get("/app/campaigns/%d?after=%d" % (cid, first))
        assert "cy@cog.lgtest" in page and "<td>ada@acme.lgtest</td>" not in page, page
        # Ada's reply, read by IMAP, joins today's column (Cy still waits for step 2, so
        # the campaign stays active for the controls below)
        imap.add(reply_message("Ada <ada@acme.lgtest>", SENDER,
                               mail_to(sink, "ada@acme.lgtest")["Message-ID"]))
        wait_daily(w, cid, today[:4] + (1, 0))
        # pause, resume, cancel; a wrong action is the API's message
        for action, want in (("pause", "paused"), ("resume", "active"), ("cancel", "cancelled")):
            status, page = post_then_get(w, "/app/campaigns/%d" % cid,
                                         {"csrf": csrf, "action": action})
            eq(status, 200)
            assert '<strong id="status">%s</strong>' % want in page, (action, page)
        status, _, page = w.post("/app/campaigns/%d" % cid, {"csrf": csrf, "action": "resume"})
        eq(status, 400)
        assert 'class="error"' in page
        # Cy's unsubscribe by the link (which holds after a cancel) joins it too
        unsubscribe(s, sink, "cy@cog.lgtest")
        wait_daily(w, cid, today[:4] + (1, 1))
        # the time of the change is the person's data too: a subject export shows it
        exported = s.cli("subject", "export", "ada@acme.lgtest")
        assert exported.returncode == 0, exported.stderr
        ada = [r for r in json.loads(exported.stdout)["records"] if r["kind"] == "recipient"]
        eq([r["record"]["status"] for r in ada], ["replied"])
        assert ada[0]["record"]["changed_at"] // 86400 == int(time.time()) // 86400, ada
        _, _, page = w.get("/app/campaigns")
        assert re.search(r'>Spring</a></td><td class="st-cancelled">cancelled</td>'
                         r'<td>\d+ / 50</td><td>2</td>', page), page


def test_other_users_campaign_is_404_and_csrf_is_required():
    with MailSink(users={SENDER: PASSWORD}) as sink, Server(env=ENV) as s:
        w, key = signed_in(s)
        pid = project_with_leads(s, key)
        acc = smtp_account(s, "camp@example.com", sink)
        cid = lib.assert_success(s.post("campaigns.php", {
            "name": "Mine", "project_id": pid, "sending_accounts": [{"type": "smtp", "id": acc}],
            "steps": [{"subject": "Hi", "body": "<p>x</p>", "delay_days": 0}]}, key=key))["id"]
        other, _ = signed_in(s, "other@example.com")
        csrf = other.csrf("/app/campaigns")
        eq(other.get("/app/campaigns/%d" % cid)[0], 404)
        eq(other.get("/app/campaigns/999999")[0], 404)
        eq(other.get("/app/campaigns/abc")[0], 404)
        eq(other.post("/app/campaigns/%d" % cid, {"csrf": csrf, "action": "launch"})[0], 404)
        _, _, page = other.get("/app/campaigns")
        assert "Mine" not in page
        # a project or account of someone else cannot be used either
        status, _, page = other.post("/app/campaigns", create_form(csrf, pid, acc, STEPS))
        eq(status, 400)
        # CSRF: missing or wrong token refused, nothing launched
        eq(w.post("/app/campaigns/%d" % cid, {"action": "launch"})[0], 403)
        eq(w.post("/app/campaigns/%d" % cid, {"csrf": "0" * 64, "action": "launch"})[0], 403)
        eq(w.post("/app/campaigns", create_form("bad", pid, acc, STEPS))[0], 403)
        eq(lib.assert_success(s.get("campaigns.php", id=cid, key=key))["status"], "draft")


def test_generate_with_ai_fills_the_draft_editor_and_save_keeps_it():
    with OpenAiServer() as ai, MailSink(users={SENDER: PASSWORD}) as sink, \
            Server(env=dict(ENV, LEADGEN_AI_URL=ai.url, LEADGEN_AI_KEY=ai.key,
                            LEADGEN_AI_MODEL="test-model")) as s:
        ai.answer_with(content(steps_json(3, body="<p>Audit for {{company|you}}</p>")))
        w, key = signed_in(s)
        pid = project_with_leads(s, key)
        acc = smtp_account(s, "camp@example.com", sink)
        csrf = w.csrf("/app/campaigns")
        _, headers, _ = w.post("/app/campaigns", create_form(csrf, pid, acc, STEPS[:1]))
        path = headers["location"]
        status, _, page = w.post(path, {"csrf": csrf, "action": "generate",
                                        "prompt": "SEO audits for dentists", "num_followups": "2"})
        eq(status, 200)
        assert "Generated 3 steps" in page, page
        eq(page.count('<fieldset class="step">'), 3)
        assert "&lt;p&gt;Audit for {{company|you}}&lt;/p&gt;" in page
        assert "SEO audits for dentists" in ai.requests[0]["json"]["messages"][1]["content"]
        cid = int(path.rsplit("/", 1)[1])
        eq(len(lib.assert_success(s.get("campaigns.php", id=cid, key=key))["steps"]), 1)
        # saving the editor replaces the steps through steps.php; a bad one is its message
        form = [("csrf", csrf), ("action", "save_steps")]
        for step in json.loads(steps_json(3))["steps"]:
            form += [("subject", step["subject"]), ("body", step["body"]),
                     ("delay_days", str(step["delay_days"]))]
        status, page = post_then_get(w, path, form)
        eq(status, 200)
        assert "Steps saved." in page
        eq(len(lib.assert_success(s.get("campaigns.php", id=cid, key=key))["steps"]), 3)
        status, _, page = w.post(path, [("csrf", csrf), ("action", "save_steps"),
                                        ("subject", "{{nosuchfield}}"), ("body", "<p>x</p>"),
                                        ("delay_days", "0")])
        eq(status, 400)
        assert 'class="error"' in page and "nosuchfield" in page, page
        eq(len(lib.assert_success(s.get("campaigns.php", id=cid, key=key))["steps"]), 3)


def test_ads_history_timeline_and_search_now():
    with FakeSerpApi() as api, Sites() as sites:
        landing_sites(sites, ["alpha-agency.com"], ["gamma-agency.com"])
        api.ads = [ad(sites, "alpha-agency.com", "Alpha <Marketing>", 1),
                   ad(sites, "gamma-agency.com", "Gamma Ads", 2)]
        with ads_server(api, sites) as s:
            w, key = signed_in(s, "ads@example.com")
            status, _, page = w.get("/app/ads?query=Marketing+Agency")
            eq(status, 200)
            assert 'id="no-ads"' in page, page
            eq(api.requests, [])  # showing the history searches nothing
            csrf = w.csrf("/app/ads")
            eq(w.post("/app/ads", {"query": "Marketing Agency", "action": "search"})[0], 403)
            status, headers, _ = w.post("/app/ads", {"csrf": csrf, "query": "Marketing Agency",
                                                     "se": "bing", "action": "history"})
            eq(status, 303)
            eq(headers["location"], "/app/ads?query=Marketing%20Agency&se=bing")
            status, _, page = w.post("/app/ads", {"csrf": csrf, "query": "Marketing Agency",
                                                  "se": "google", "action": "search"})
            eq(status, 200)
            assert "2 ads showing now, 0 seen before." in page, page
            eq(len(api.requests), 1)
            svg = re.search(r'<svg class="chart" id="ads-timeline".*?</svg>', page, re.S)
            assert svg, page
            eq(len(re.findall(r'<rect class="bar span"', svg.group(0))), 2)
            assert "Alpha &lt;Marketing&gt;" in svg.group(0)
            # the history is shown again without a search (a different case and spacing)
            status, _, page = w.get("/app/ads?query=marketing++agency&se=google")
            eq(len(re.findall(r'<rect class="bar span"', page)), 2)
            eq(len(api.requests), 1)
            _, _, page = w.get("/app/ads?query=marketing+agency&se=bing")
            assert 'id="no-ads"' in page
            status, _, page = w.post("/app/ads", {"csrf": csrf, "se": "google",
                                                  "action": "search"})
            eq(status, 400, page)
            assert 'class="error"' in page
