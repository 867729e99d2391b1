"""The HTTP layer: health check, both path prefixes, headers, the access log,
routing errors, body-size limits and keep-alive."""
import http.client
import json
import re
import socket

from lib import Server, assert_error, assert_success, send, eq

MIB = 1 << 20
CONTENT_TYPE = "application/json; charset=utf-8"


def test_healthz_without_key():
    with Server() as s:
        r = s.get("/healthz", key=None)
        data = assert_success(r)
        assert r.json["credits_used"] == 0, r.json
        assert data.get("state") == "ok", data
        assert r.headers["Content-Type"] == CONTENT_TYPE, r.headers


def test_both_prefixes_route_the_same_endpoint():
    with Server() as s:
        s.create_project("Prefix Test")
        for prefix in ("/api/v1/", "/v2/api/v1/"):
            r = s.get(prefix + "projects.php")
            data = assert_success(r)
            eq([p["name"] for p in data["projects"]], ["Prefix Test"], (prefix, data))
            assert r.headers["Content-Type"] == CONTENT_TYPE, (prefix, r.headers)


def test_content_type_on_success_and_error():
    with Server() as s:
        for r in (s.get("projects.php"), s.get("projects.php", key=None),
                  s.get("nope.php"), s.request("DELETE", "projects.php")):
            assert r.headers["Content-Type"] == CONTENT_TYPE, (r, r.headers)
            json.loads(r.body.decode("utf-8"))  # every body is JSON


def test_request_id_header_and_access_log_line():
    with Server() as s:
        s.create_project("Logged")
        r = s.get("projects.php", search="Log")
        assert_success(r)
        request_id = r.headers.get("X-Request-Id")
        assert request_id, r.headers
        entry = s.wait_log(request_id)
        assert entry, "no access-log line with request_id %s in:\n%s" % (
            request_id, s.stderr_text()[-2000:])
        assert entry["method"] == "GET", entry
        assert entry["path"] == "/api/v1/projects.php", entry
        assert entry["status"] == 200, entry
        assert isinstance(entry["ms"], (int, float)) and entry["ms"] >= 0, entry
        assert isinstance(entry["user_id"], int) and entry["user_id"] > 0, entry
        assert entry["credits"] == 0, entry
        assert "time" in entry, entry


def test_request_ids_are_distinct():
    with Server() as s:
        ids = [s.get("/healthz", key=None).headers.get("X-Request-Id") for _ in range(5)]
        assert all(ids) and len(set(ids)) == 5, ids


def test_error_requests_are_logged_too():
    with Server() as s:
        r = s.get("nope.php")
        assert_error(r, 404, "not_found")
        entry = s.wait_log(r.headers.get("X-Request-Id"))
        assert entry and entry["status"] == 404 and entry["path"] == "/api/v1/nope.php", entry


def test_api_key_never_logged():
    with Server() as s:
        other = s.add_user("logged@example.com", credits=5)
        bad_key = "lg_" + "0" * 48
        project = s.create_project("Secrets")
        requests = [
            s.get("projects.php"),
            s.get("projects.php", key=other),
            s.add_leads(project, [{"email": "a@example.com"}]),
            s.get("leads.php", project_id=project),
            s.get("leads.php", project_id="abc"),
            s.get("nope.php"),
            s.request("DELETE", "projects.php"),
            s.get("projects.php", key=bad_key),
            s.request("GET", "projects.php", raw_query="search=%FF"),
            s.request("GET", "projects.php", key=None, raw_query="api_key=%s&api_key=%s"
                      % (s.key, s.key)),
        ]
        ids = [r.headers.get("X-Request-Id") for r in requests]
        # Wait for the last request's log line so the whole log is written.
        assert s.wait_log(ids[-1]), s.stderr_text()[-2000:]
        s.stop()
        err, out = s.stderr_text(), s.stdout_text()
        for key in (s.key, other, bad_key):
            assert key not in err, "API key %s... found in stderr" % key[:8]
        assert "api_key=[redacted]" in err, err[-2000:]
        # The first user's key is printed once, alone on a stdout line, and nowhere else.
        assert out.count(s.key) == 1 and s.key in out.splitlines(), out
        assert other not in out and bad_key not in out, out


def test_unknown_path_is_404():
    with Server() as s:
        for path in ("nope.php", "/api/v1/", "/api/v1/projects.php/extra", "/api/v2/projects.php",
                     "/v3/api/v1/projects.php", "/projects.php", "/"):
            r = s.get(path)
            assert_error(r, 404, "not_found")


def test_wrong_method_is_405_with_allow():
    with Server() as s:
        for method, path, allowed in (("DELETE", "projects.php", {"GET", "POST"}),
                                      ("PUT", "leads.php", {"GET", "POST"}),
                                      ("POST", "/healthz", {"GET"}),
                                      ("PATCH", "/v2/api/v1/projects.php", {"GET", "POST"})):
            r = s.request(method, path, body={} if method != "DELETE" else None)
            assert_error(r, 405, "method_not_allowed")
            allow = {m.strip() for m in (r.headers.get("Allow") or "").split(",") if m.strip()}
            assert allow == allowed, (method, path, r.headers.get("Allow"))
        eq(s.project_names(), [])


def raw_exchange(port, head, body_chunks=(), timeout=30):
    """Sends a hand-made request (head, then each chunk) on a new socket and
    returns (status, json body) of the response."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        try:
            for chunk in body_chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before the body is all sent
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        return resp.status, json.loads(resp.read().decode("utf-8"))


def request_head(s, method, path, headers):
    lines = ["%s /api/v1/%s?api_key=%s HTTP/1.1" % (method, path, s.key), "Host: 127.0.0.1"]
    lines += ["%s: %s" % kv for kv in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def test_declared_body_over_1mib_is_413():
    with Server() as s:
        head = request_head(s, "POST", "projects.php",
                            {"Content-Type": "application/json", "Content-Length": MIB + 1})
        # The server must answer from the headers alone: no body is sent.
        status, body = raw_exchange(s.port, head)
        assert status == 413 and body["code"] == "payload_too_large", (status, body)
        assert set(body) == {"status", "code", "message"}, body
        eq(s.project_names(), [])


def padded_project_body(name, size):
    """A JSON object naming a project, padded with whitespace to exactly size bytes."""
    core = json.dumps({"name": name})
    return (core[:-1] + " " * (size - len(core)) + "}").encode("utf-8")


def test_body_of_exactly_1mib_is_accepted():
    with Server() as s:
        r = s.post("projects.php", padded_project_body("Exactly", MIB))
        assert_success(r)
        eq(s.project_names(), ["Exactly"])


def test_content_length_body_over_1mib_is_413():
    with Server() as s:
        body = padded_project_body("Too Big", MIB + 1)
        head = request_head(s, "POST", "projects.php", {"Content-Type": "application/json",
                                                         "Content-Length": len(body)})
        # The server may answer before reading the body, so the body is sent
        # in pieces and a closed pipe is not an error (raw_exchange).
        chunks = [body[i:i + 65536] for i in range(0, len(body), 65536)]
        status, reply = raw_exchange(s.port, head, chunks)
        assert status == 413 and reply["code"] == "payload_too_large", (status, reply)
        eq(s.project_names(), [])


def test_chunked_body_over_1mib_is_413():
    with Server() as s:
        body = padded_project_body("Chunked", MIB + 4096)
        head = request_head(s, "POST", "projects.php", {"Content-Type": "application/json",
                                                         "Transfer-Encoding": "chunked"})
        chunks = [b"%x\r\n%s\r\n" % (len(body[i:i + 65536]), body[i:i + 65536])
                  for i in range(0, len(body), 65536)] + [b"0\r\n\r\n"]
        status, reply = raw_exchange(s.port, head, chunks)
        assert status == 413 and reply["code"] == "payload_too_large", (status, reply)
        assert set(reply) == {"status", "code", "message"}, reply
        eq(s.project_names(), [])


def test_chunked_body_under_limit_is_accepted():
    with Server() as s:
        body = json.dumps({"name": "Small Chunks"}).encode()
        head = request_head(s, "POST", "projects.php", {"Content-Type": "application/json",
                                                         "Transfer-Encoding": "chunked"})
        chunks = [b"%x\r\n%s\r\n" % (len(body[i:i + 5]), body[i:i + 5])
                  for i in range(0, len(body), 5)] + [b"0\r\n\r\n"]
        status, reply = raw_exchange(s.port, head, chunks)
        assert status == 200, (status, reply)
        eq(s.project_names(), ["Small Chunks"])


def test_keep_alive_serves_many_requests_on_one_connection():
    with Server() as s:
        conn = s.connect()
        try:
            ports = set()
            for i in range(10):
                if i % 2:
                    r = send(conn, "POST", "/api/v1/projects.php?api_key=" + s.key,
                             {"name": "KA %d" % i})
                else:
                    r = send(conn, "GET", "/api/v1/projects.php?api_key=" + s.key)
                assert_success(r)
                assert (r.headers.get("Connection") or "").lower() != "close", r.headers
                ports.add(conn.sock.getsockname()[1])
            assert len(ports) == 1, "the client had to reconnect: %s" % ports
        finally:
            conn.close()
        eq(len(s.project_names()), 5)


def test_head_request_has_no_body():
    with Server() as s:
        conn = s.connect()
        try:
            conn.request("HEAD", "/healthz")
            r = conn.getresponse()
            assert r.status == 200, r.status
            eq(r.read(), b"")
        finally:
            conn.close()


def test_request_id_looks_like_an_id():
    with Server() as s:
        rid = s.get("/healthz", key=None).headers.get("X-Request-Id", "")
        assert re.fullmatch(r"[0-9A-Za-z-]{8,64}", rid), rid


def test_keep_alive_survives_error_responses():
    with Server() as s:
        conn = s.connect()
        try:
            base = "/api/v1/projects.php?api_key=" + s.key
            exchanges = [("GET", "/api/v1/nope.php", None, 404),
                         ("GET", "/api/v1/projects.php", None, 401),
                         ("DELETE", base, None, 405),
                         ("POST", base, b"{broken", 400),
                         ("GET", "/api/v1/leads.php?api_key=%s&project_id=abc" % s.key, None, 400),
                         ("POST", base, {"name": "After Errors"}, 200),
                         ("GET", base, None, 200)]
            ports = set()
            for method, url, body, status in exchanges:
                r = send(conn, method, url, body)
                assert r.status == status, (method, url, r)
                ports.add(conn.sock.getsockname()[1])
            assert len(ports) == 1, "an error response closed the connection: %s" % ports
            eq([p["name"] for p in r.json["data"]["projects"]], ["After Errors"])
        finally:
            conn.close()


def read_responses(sock, count, timeout=30):
    """Reads count complete responses (Content-Length framed) from sock; [(status, body)]."""
    sock.settimeout(timeout)
    reader = sock.makefile("rb")
    out = []
    for _ in range(count):
        status_line = reader.readline(65537)
        assert status_line.startswith(b"HTTP/1.1 "), status_line
        length = 0
        for line in iter(lambda: reader.readline(65537), b"\r\n"):
            assert line, "connection closed inside the headers"
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        out.append((int(status_line.split()[1]), reader.read(length)))
    return out


def test_pipelined_requests_answered_in_order():
    with Server() as s:
        s.create_project("Piped")
        with socket.create_connection(("127.0.0.1", s.port), timeout=30) as sock:
            urls = ["/api/v1/projects.php?api_key=" + s.key, "/api/v1/nope.php",
                    "/healthz", "/api/v1/leads.php?api_key=%s&project_id=999" % s.key]
            sock.sendall(b"".join(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % u.encode()
                                  for u in urls))
            answers = read_responses(sock, len(urls))
        eq([st for st, _ in answers], [200, 404, 200, 404], answers)
        eq(json.loads(answers[0][1])["data"]["projects"][0]["name"], "Piped")


def test_expect_100_continue():
    with Server() as s:
        body = json.dumps({"name": "Continued"}).encode()
        with socket.create_connection(("127.0.0.1", s.port), timeout=30) as sock:
            sock.sendall(request_head(s, "POST", "projects.php", {
                "Content-Type": "application/json", "Expect": "100-continue",
                "Content-Length": len(body)}))
            interim = b""
            while b"\r\n\r\n" not in interim and len(interim) < 4096:
                chunk = sock.recv(1)
                if not chunk:
                    break
                interim += chunk
            assert interim.startswith(b"HTTP/1.1 100"), interim
            sock.sendall(body)
            [(status, reply)] = read_responses(sock, 1)
        assert status == 200, reply
        eq(s.project_names(), ["Continued"])


def test_expect_100_continue_too_large_is_413_without_body():
    with Server() as s:
        head = request_head(s, "POST", "projects.php", {
            "Content-Type": "application/json", "Expect": "100-continue",
            "Content-Length": 5 * MIB})
        status, reply = raw_exchange(s.port, head)
        assert status == 413 and reply["code"] == "payload_too_large", (status, reply)


def test_invalid_utf8_in_path_is_404():
    with Server() as s:
        for path in ("/api/v1/%FF.php", "/%FF", "/healthz%C3", "/v2/api/v1/%ED%A0%80"):
            r = s.get(path, key=None)
            assert_error(r, 404, "not_found")
        assert_success(s.get("/healthz", key=None))


def test_long_multibyte_path_is_404_with_valid_json():
    with Server() as s:
        # Long enough that an error message quoting the path must be cut; one
        # byte of padding so a cut at a fixed byte count falls inside a character.
        for pad in ("", "x"):
            r = s.get("/api/v1/" + pad + "%C3%A9" * 300, key=None)
            assert_error(r, 404, "not_found")
        assert_success(s.get("/healthz", key=None))


def test_nul_in_a_query_value_is_refused_not_truncated():
    with Server() as s:
        r = s.request("GET", "projects.php", key=None, raw_query="api_key=%s%%00junk" % s.key)
        assert_error(r, 400, "invalid_param", "api_key")
        r = s.request("GET", "projects.php", raw_query="search=E1%00zzz")
        assert_error(r, 400, "invalid_param", "search")


def test_access_log_stays_json_for_invalid_utf8_queries():
    with Server() as s:
        r = s.request("GET", "projects.php", raw_query="search=%FF")
        assert_error(r, 400, "invalid_param", "search")
        entry = s.wait_log(r.headers["X-Request-Id"])
        assert entry is not None, "no access-log line for the request"
        assert "search=?" in entry["query"], entry
        assert s.key not in entry["query"] and "api_key=[redacted]" in entry["query"]
