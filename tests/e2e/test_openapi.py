"""The OpenAPI document served at /api/v1/openapi.json describes every route."""
import os
import re

from lib import REPO, Server

# The routes the foundation has; routes.c adds whatever later issues route.
ROUTED = {"/api/v1/projects.php": {"get", "post"}, "/api/v1/leads.php": {"get", "post"},
          "/api/v1/openapi.json": {"get"}}
HEALTHZ = ("/healthz", "/api/v1/healthz")
ROUTE_ROW = re.compile(r'\{\s*(?:\.file\s*=\s*)?"([^"]+)"\s*,\s*(?:\.method\s*=\s*)?M_([A-Z]+)')


def candidate_files():
    """Files that may be routed: the foundation's, plus every row of the route
    table in src/api/routes.c (so endpoints added later are covered too)."""
    files = {"projects.php", "leads.php", "openapi.json"}
    table = os.path.join(REPO, "src", "api", "routes.c")
    if os.path.exists(table):
        with open(table) as f:
            files.update(file for file, _ in ROUTE_ROW.findall(f.read()) if file != "healthz")
    return sorted(files)


def routed(s):
    """{"/api/v1/FILE": {methods}} as the binary under test routes them: OPTIONS
    is routed nowhere, so a routed file answers 405 with its methods in Allow,
    and an unknown one 404."""
    paths = {}
    for file in candidate_files():
        r = s.request("OPTIONS", "/api/v1/" + file, key=None)
        if r.status == 404:
            continue
        assert r.status == 405, (file, r)
        allow = {m.strip().lower() for m in (r.headers.get("Allow") or "").split(",") if m.strip()}
        assert allow, "405 without an Allow header for %s" % file
        paths["/api/v1/" + file] = allow
    return paths


def fetch(s, path):
    r = s.get(path, key=None)
    assert r.status == 200, r
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    assert isinstance(r.json, dict), "not a JSON object: %r" % r.body[:200]
    return r.json


def test_openapi_json_is_served_without_key():
    with Server() as s:
        doc = fetch(s, "openapi.json")
        assert str(doc.get("openapi", "")).startswith("3.1"), doc.get("openapi")
        assert isinstance(doc.get("paths"), dict), doc.get("paths")
        assert isinstance(doc.get("info"), dict) and doc["info"].get("title"), doc.get("info")
        assert fetch(s, "/v2/api/v1/openapi.json") == doc


def test_openapi_describes_every_route():
    with Server() as s:
        paths = fetch(s, "openapi.json")["paths"]
        routes = routed(s)
        for path, methods in ROUTED.items():  # the probe itself works
            assert methods <= routes.get(path, set()), (path, routes.get(path))
        missing = []
        for path, methods in sorted(routes.items()):
            described = {m.lower() for m in paths.get(path, {})}
            missing += ["%s %s" % (m.upper(), path) for m in sorted(methods - described)]
        if not any("get" in {m.lower() for m in paths.get(p, {})} for p in HEALTHZ):
            missing.append("GET /healthz")
        assert not missing, "not described in openapi.json: %s (paths: %s)" % (
            ", ".join(missing), sorted(paths))


def test_openapi_paths_are_routed():
    """The reverse direction: each /api/v1/ path the document names answers
    (with anything but 404), so the document describes no endpoint that is not there."""
    with Server() as s:
        paths = fetch(s, "openapi.json")["paths"]
        for path in paths:
            if "{" in path:
                continue
            r = s.get(path)
            assert r.status != 404 or r.json.get("code") != "not_found", \
                "%s is documented but not routed" % path
