"""A fake OAuth 2.0 token endpoint (RFC 6749 section 6, the refresh-token
grant, as Google's https://oauth2.googleapis.com/token answers it), on loopback.

    with TokenServer({"1//good": "ya29.tok"}) as oauth:   # refresh token -> access token
        env = {"LEADGEN_OAUTH_TOKEN_URL": oauth.url}
        oauth.requests    # the form fields of every request, in order

A refresh token not in the map gets 400 {"error": "invalid_grant"}.
Standard library only."""
import http.server
import json
import threading
import urllib.parse


class TokenServer:
    def __init__(self, grants, expires_in=3599):
        self.grants = dict(grants)
        self.expires_in = expires_in
        self.requests = []

    @property
    def url(self):
        return "http://127.0.0.1:%d/token" % self.port

    def start(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                server.requests.append(form)
                token = server.grants.get(form.get("refresh_token"))
                if form.get("grant_type") != "refresh_token" or token is None:
                    status, doc = 400, {"error": "invalid_grant",
                                        "error_description": "Token has been expired or revoked."}
                else:
                    status, doc = 200, {"access_token": token, "expires_in": server.expires_in,
                                        "scope": "https://mail.google.com/",
                                        "token_type": "Bearer"}
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
