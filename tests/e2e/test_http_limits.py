"""Oversized request lines and header blocks (issue 21) are answered in the
reference's JSON envelope, not libmicrohttpd's own HTML pages."""
import http.client
import json
import socket

from lib import Server, eq


def _exchange(port, head):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        return resp.status, resp.getheader("Content-Type"), resp.read()


def _head(s, query="", headers=()):
    lines = ["GET /api/v1/projects.php?api_key=%s%s HTTP/1.1" % (s.key, query),
             "Host: 127.0.0.1"] + ["%s: %s" % kv for kv in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def _assert_envelope(answer, status, code):
    got_status, content_type, body = answer
    eq(got_status, status)
    eq(content_type, "application/json; charset=utf-8")
    doc = json.loads(body.decode("utf-8"))
    eq(set(doc), {"status", "code", "message"})
    eq((doc["status"], doc["code"]), ("error", code))


def test_a_uri_over_8_kib_is_414_in_the_envelope():
    with Server() as s:
        _assert_envelope(_exchange(s.port, _head(s, "&pad=" + "a" * 20000)), 414, "uri_too_long")
        status, _, _ = _exchange(s.port, _head(s, "&pad=" + "a" * 6000))
        eq(status, 200)  # below the limit: served


def test_header_fields_over_16_kib_are_431_in_the_envelope():
    with Server() as s:
        one_big = _head(s, headers=[("X-Pad", "b" * 20000)])
        _assert_envelope(_exchange(s.port, one_big), 431, "headers_too_large")
        many = _head(s, headers=[("X-Pad-%d" % i, "c" * 200) for i in range(100)])
        _assert_envelope(_exchange(s.port, many), 431, "headers_too_large")
        status, _, _ = _exchange(s.port, _head(s, headers=[("X-Pad", "d" * 8000)]))
        eq(status, 200)
