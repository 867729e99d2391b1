"""A fake OAuth 2.0 token endpoint (RFC 6749 section 6, the refresh-token
grant, as Google's https://oauth2.googleapis.com/token answers it), on loopback.

    with TokenServer({"1//good": "ya29.tok"}) as oauth:   # refresh token -> access token
        env = {"LEADGEN_OAUTH_TOKEN_URL": oauth.url}
        oauth.requests    # the form fields of every request, in order

A refresh token not in the map gets 400 {"error": "invalid_grant"}.

The authorisation-code flow (RFC 6749 section 4.1) as the dashboard's Connect Gmail
uses it, with accounts={"me@gmail.com": "1//good"} (address -> refresh token issued):

    oauth.auth_url        # GET: records the query in oauth.authorizations, redirects
                          # (302) to redirect_uri?code=C&state=S for oauth.consent_as
                          # (the first account by default), or ?error=access_denied
                          # when oauth.deny is set
    POST oauth.url        # grant_type=authorization_code: a known, unused code with the
                          # redirect_uri it was issued for -> access and refresh token;
                          # else 400 invalid_grant
    oauth.userinfo_url    # GET with "Authorization: Bearer T" -> {"email": ...}

Standard library only."""
import http.server
import json
import urllib.parse
from fakes import serve_in_thread


class TokenServer:
    def __init__(self, grants, expires_in=3599, accounts=None):
        self.grants = dict(grants)
        self.expires_in = expires_in
        self.requests = []
        self.accounts = dict(accounts or {})
        self.consent_as = next(iter(self.accounts), None)
        self.deny = False
        self.authorizations = []
        self._codes = {}      # code -> (address, redirect_uri)
        self._access = {}     # access token -> address

    @property
    def auth_url(self):
        return "http://127.0.0.1:%d/auth" % self.port

    @property
    def userinfo_url(self):
        return "http://127.0.0.1:%d/userinfo" % self.port

    def _authorize(self, query):
        q = dict(urllib.parse.parse_qsl(query))
        self.authorizations.append(q)
        target = q.get("redirect_uri", "")
        if self.deny or q.get("response_type") != "code" or not q.get("client_id"):
            args = {"error": "access_denied", "state": q.get("state", "")}
        else:
            code = "4/code-%d" % len(self.authorizations)
            self._codes[code] = (self.consent_as, target)
            args = {"code": code, "state": q.get("state", ""), "scope": q.get("scope", "")}
        return target + ("&" if "?" in target else "?") + urllib.parse.urlencode(args)

    def _exchange(self, form):
        issued = self._codes.pop(form.get("code"), None)
        if issued is None or issued[1] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant", "error_description": "Malformed auth code."}
        address = issued[0]
        access = "ya29.acc-%s" % address
        self._access[access] = address
        return 200, {"access_token": access, "expires_in": self.expires_in,
                     "refresh_token": self.accounts[address], "token_type": "Bearer",
                     "scope": "https://mail.google.com/ email"}

    @property
    def url(self):
        return "http://127.0.0.1:%d/token" % self.port

    def start(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status, doc):
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path, _, query = self.path.partition("?")
                if path == "/auth":
                    self.send_response(302)
                    self.send_header("Location", server._authorize(query))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif path == "/userinfo":
                    auth = self.headers.get("Authorization", "")
                    address = server._access.get(auth[7:]) if auth.startswith("Bearer ") else None
                    if address:
                        self.answer(200, {"sub": "1", "email": address, "email_verified": True})
                    else:
                        self.answer(401, {"error": "invalid_token"})
                else:
                    self.answer(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                server.requests.append(form)
                if form.get("grant_type") == "authorization_code":
                    self.answer(*server._exchange(form))
                    return
                token = server.grants.get(form.get("refresh_token"))
                if form.get("grant_type") != "refresh_token" or token is None:
                    status, doc = 400, {"error": "invalid_grant",
                                        "error_description": "Token has been expired or revoked."}
                else:
                    status, doc = 200, {"access_token": token, "expires_in": server.expires_in,
                                        "scope": "https://mail.google.com/",
                                        "token_type": "Bearer"}
                self.answer(status, doc)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = serve_in_thread(self._server)
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
