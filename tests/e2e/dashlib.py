"""A tiny web client for the dashboard tests: one cookie jar, no redirects followed,
forms posted urlencoded. Standard library only."""
import http.client
import re
import urllib.parse

PASSWORD = "correct horse battery"


class Web:
    def __init__(self, server):
        self.s = server
        self.cookies = {}

    def request(self, method, path, form=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=30)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        body = None
        if isinstance(form, tuple):  # ("multipart", fields): multipart/form-data
            boundary = "lgboundary7e3f"
            parts = []
            for k, v in form[1].items():
                parts.append('--%s\r\nContent-Disposition: form-data; name="%s"%s\r\n\r\n%s\r\n'
                             % (boundary, k, '; filename="f.csv"' if k == "file" else "", v))
            body = ("".join(parts) + "--%s--\r\n" % boundary).encode()
            h["Content-Type"] = "multipart/form-data; boundary=" + boundary
        elif form is not None:
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        for name, value in r.getheaders():
            if name.lower() == "set-cookie":
                k, v = value.split(";", 1)[0].split("=", 1)
                if v:
                    self.cookies[k] = v
                else:
                    self.cookies.pop(k, None)
        conn.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, text

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, form):
        return self.request("POST", path, form=form)

    def post_multipart(self, path, fields):
        return self.request("POST", path, form=("multipart", fields))

    @staticmethod
    def csrf_of(html):
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
        assert m, "no csrf input in: " + html[:300]
        return m.group(1)

    def login(self, email, password=PASSWORD):
        _, _, page = self.get("/login")
        return self.post("/login", {"csrf": self.csrf_of(page), "email": email,
                                    "password": password})

    def csrf(self, path="/app/"):
        status, _, page = self.get(path)
        assert status == 200, (path, status)
        return self.csrf_of(page)


def add_user(server, email, credits=100):
    proc = server.cli("user", "add", email, "--credits", credits, "--password-env", "LG_PW",
                      env={"LG_PW": PASSWORD})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]
