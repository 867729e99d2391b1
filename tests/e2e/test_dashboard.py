"""The dashboard end to end in a real headless browser: Debian's chromium driven by
playwright-core (tests/browser/, installed by scripts/setup.sh) against a server
started here: sign in (a wrong password first), rotate the key; on Sending accounts add
an SMTP account by its form against the local mail sink and IMAP server, press Test and
check both servers' login answers shown, and Connect Gmail through the fake OAuth server
on loopback (its consent redirects back to the server, which lists the address); create
a project, add a lead by form and verify it, import a CSV (its mapping previewed first),
create a campaign with a second step and launch it through an SMTP account against the
local mail sink (added by the CLI: it sends with no gap between messages, which the
page's form does not set), watch its page reload itself while the sent count moves,
pause it, look at an ad history, sign out.
Every page's screenshot is saved under build/screenshots/ (in a folder per
configuration when run.py runs several, e.g. build/screenshots/release/). Skips
when node, chromium or playwright-core is missing."""
import json
import os
import re
import shutil
import subprocess

from dashlib import PASSWORD, add_user
from fakes.dns import FakeDns
from fakes.imapd import ImapServer
from fakes.mailsink import MailSink
from fakes.oauth import TokenServer
from lib import REPO, Server, Skip, eq

BROWSER_DIR = os.path.join(REPO, "tests", "browser")
CHROMIUM = os.environ.get("LEADGEN_TEST_CHROMIUM", "/usr/bin/chromium")
SENDER, SENDER_PASSWORD = "sam@send.lgtest", "smtp-pa55word"
FORM_SENDER, FORM_PASSWORD = "pat@send.lgtest", "form pa55word"  # added through the page
GMAIL, GMAIL_TOKEN = "me@gmail.lgtest", "ya29.browser"


class PublicServer(Server):
    """A Server whose LEADGEN_PUBLIC_URL is its own loopback address, so the fake
    provider's redirect after consent comes back to it (the port is only known at start)."""

    @property
    def env(self):
        env = Server.env.fget(self)
        env["LEADGEN_PUBLIC_URL"] = "http://127.0.0.1:%d" % self.port
        return env


def browser_available():
    if not shutil.which("node"):
        raise Skip("node is not installed")
    if not os.access(CHROMIUM, os.X_OK):
        raise Skip("no chromium at %s" % CHROMIUM)
    if not os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
        raise Skip("playwright-core is not installed (scripts/setup.sh installs it)")


def test_dashboard_in_a_browser():
    browser_available()
    # one folder a configuration: run.py runs this module in several at once
    shots = os.path.join(REPO, "build", "screenshots", os.environ.get("LEADGEN_E2E_CONFIG", ""))
    shutil.rmtree(shots, ignore_errors=True)
    with FakeDns() as dns, \
            MailSink(users={SENDER: SENDER_PASSWORD, FORM_SENDER: FORM_PASSWORD},
                     tokens={GMAIL: GMAIL_TOKEN}) as sink, \
            ImapServer(users={FORM_SENDER: FORM_PASSWORD}, tokens={GMAIL: GMAIL_TOKEN}) as imap, \
            TokenServer({"1//browser": GMAIL_TOKEN}, accounts={GMAIL: "1//browser"}) as oauth:
        dns.add("nullmx.lgtest", "MX", (0, "."))
        env = {"LEADGEN_DNS_SERVERS": dns.address, "LEADGEN_DNS_TIMEOUT": "1",
               "LEADGEN_SMTP_PROBE": "off", "LEADGEN_CRON_INTERVAL": "1",
               "LEADGEN_ALLOW_PRIVATE_TARGETS": "1",
               "LEADGEN_OAUTH_AUTH_URL": oauth.auth_url, "LEADGEN_OAUTH_TOKEN_URL": oauth.url,
               "LEADGEN_OAUTH_USERINFO_URL": oauth.userinfo_url,
               "LEADGEN_GOOGLE_CLIENT_ID": "cid.apps.lgtest",
               "LEADGEN_GOOGLE_CLIENT_SECRET": "csecret",
               "LEADGEN_GMAIL_SMTP": sink.url, "LEADGEN_GMAIL_IMAP": imap.url}
        with PublicServer(env=env) as s:
            old_key = add_user(s, "browser@example.com", credits=250)
            host, port = sink.url.rsplit("//", 1)[1].split(":")
            proc = s.cli("account", "add", "smtp", "browser@example.com", "--address", SENDER,
                         "--host", host, "--port", port, "--username", SENDER,
                         "--password-env", "SMTP_PW", "--tls", "none", "--min-gap", "0",
                         "--max-extra", "0", env={"SMTP_PW": SENDER_PASSWORD})
            assert proc.returncode == 0, proc.stderr
            run_env = dict(os.environ, LG_BASE="http://127.0.0.1:%d" % s.port,
                           LG_EMAIL="browser@example.com", LG_PASSWORD=PASSWORD,
                           LG_SHOTS=shots, LG_LEAD="jane.doe@nullmx.lgtest",
                           LG_LEAD2="ann@acme.lgtest", LG_SENDER=SENDER,
                           LG_FORM_SENDER=FORM_SENDER, LG_FORM_PASSWORD=FORM_PASSWORD,
                           LG_SMTP_PORT=str(sink.port), LG_IMAP_PORT=str(imap.port),
                           LG_GMAIL=GMAIL,
                           LG_CHROMIUM=CHROMIUM)
            for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
                run_env.pop(proxy, None)
            proc = subprocess.run(["node", "dashboard.mjs"], cwd=BROWSER_DIR, env=run_env,
                                  capture_output=True, text=True, timeout=180)
            assert proc.returncode == 0, "browser run failed:\n%s\n%s" % (proc.stdout,
                                                                        proc.stderr[-4000:])
            seen = json.loads(proc.stdout.strip().splitlines()[-1])
            eq(seen["cspViolations"], [])
            eq(seen["scriptErrors"], [])
            eq(seen["balance"], "250 credits")
            eq(seen["selected"], 1)  # the select-all box (app.js) ticked the one lead
            assert "invalid" in seen["verification"], seen
            eq(seen["afterLogout"], "/login")
            # the key shown once works; the old one is revoked
            eq(s.get("projects.php", key=seen["newKey"]).status, 200)
            eq(s.get("projects.php", key=old_key).status, 401)
            names = [p["name"] for p in seen["pages"]]
            eq(names, ["login", "login-failed", "home", "key-confirm", "key-new", "accounts",
                       "account-added", "account-tested", "gmail-connected", "projects",
                       "project-lead-added", "project-verified", "csv-preview", "csv-imported",
                       "campaigns", "campaign-draft", "campaign-launched", "campaign-progress",
                       "campaign-paused", "ads", "signed-out"])
            # the CSV previewed its mapping and imported what it said it would
            eq(seen["csvSummary"], "2 rows ready to import, 1 refused.")
            assert seen["csvImported"].startswith("Imported: 2 added"), seen["csvImported"]
            # the account added by the page's form, its test: both servers' logins accepted
            assert seen["accountAdded"].startswith("Added %s." % FORM_SENDER), seen
            smtp, imap_login = seen["accountTest"]
            eq((smtp["cls"], imap_login["cls"]), ("vok", "vok"))
            assert re.match(r"accepted: 220 .*235", smtp["text"], re.S), smtp
            assert re.match(r"accepted: \* OK.*OK", imap_login["text"], re.S), imap_login
            assert any(a["ok"] and a["user"] == FORM_SENDER for a in sink.auths), sink.auths
            assert FORM_PASSWORD not in seen["accountTestHtml"]
            listed = str(s.get("accounts.php", key=seen["newKey"]).json["data"])
            assert FORM_SENDER in listed and GMAIL in listed, listed
            # Connect Gmail went to the fake provider and back with the code
            q = oauth.authorizations[0]
            eq(q["redirect_uri"], "http://127.0.0.1:%d/oauth/google/callback" % s.port)
            eq(len([r for r in oauth.requests if r.get("grant_type") == "authorization_code"]), 1)
            eq(seen["gmailMessage"], "Connected %s." % GMAIL)
            eq(seen["gmailUrl"], "/app/accounts?connected=" + GMAIL.replace("@", "%40"))
            assert "Gmail (OAuth)" in seen["gmailRow"], seen
            # the campaign went out through the sink and its page showed the count move
            assert seen["launched"].startswith("Launched to"), seen
            assert seen["sentTotal"] >= 1 and seen["selfReloads"] >= 1, seen
            eq(seen["progressErrors"], 0)
            assert any("ann@acme.lgtest" in str(m) for m in sink.messages), sink.messages
            for p in seen["pages"]:
                assert os.path.getsize(p["file"]) > 1000, p
