"""Live answers against docs/openapi.yaml (as served at /api/v1/openapi.json):
every status an operation answers is documented for it, and the body validates
against that response's schema. The validator below covers the subset of JSON
Schema the document uses; a keyword it does not know fails the test, so the
subset stays explicit (the document's lint is tools/openapi/'s job)."""
import re

import test_campaigns as campaigns
from fakes.sites import Sites, page
from lib import Server, assert_success

ANNOTATIONS = {"description", "example", "examples", "default", "title", "deprecated",
               "summary", "format", "readOnly", "writeOnly"}
TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def resolve(doc, node):
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), "only local references: %s" % ref
        target = doc
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def errors(doc, schema, value, where="$"):
    """The reasons value does not match schema (empty when it does)."""
    if "$ref" in schema:
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return errors(doc, resolve(doc, schema), value, where) + errors(doc, rest, value, where)
    out = []
    for key, arg in schema.items():
        if key in ANNOTATIONS:
            continue
        if key == "type":
            kinds = arg if isinstance(arg, list) else [arg]
            if not any(TYPES[k](value) for k in kinds):
                out.append("%s: %r is not of type %s" % (where, value, arg))
        elif key == "const":
            if value != arg or type(value) is not type(arg):
                out.append("%s: %r is not %r" % (where, value, arg))
        elif key == "enum":
            if not any(value == e and type(value) is type(e) for e in arg):
                out.append("%s: %r not in %r" % (where, value, arg))
        elif key == "required":
            if isinstance(value, dict):
                out += ["%s: %s is missing" % (where, k) for k in arg if k not in value]
        elif key == "properties":
            if isinstance(value, dict):
                for k, sub in arg.items():
                    if k in value:
                        out += errors(doc, sub, value[k], "%s.%s" % (where, k))
        elif key == "additionalProperties":
            if isinstance(value, dict):
                extra = [k for k in value if k not in schema.get("properties", {})]
                for k in extra:
                    if arg is False:
                        out.append("%s: unexpected property %s" % (where, k))
                    elif isinstance(arg, dict):
                        out += errors(doc, arg, value[k], "%s.%s" % (where, k))
        elif key == "items":
            if isinstance(value, list):
                for i, item in enumerate(value):
                    out += errors(doc, arg, item, "%s[%d]" % (where, i))
        elif key == "allOf":
            for sub in arg:
                out += errors(doc, sub, value, where)
        elif key in ("oneOf", "anyOf"):
            matching = [i for i, sub in enumerate(arg) if not errors(doc, sub, value, where)]
            if key == "oneOf" and len(matching) != 1:
                out.append("%s: matches %d branches of oneOf %s (exactly one wanted)" % (
                    where, len(matching), matching))
            elif key == "anyOf" and not matching:
                out.append("%s: matches no branch of anyOf" % where)
        elif key in ("minimum", "maximum"):
            if TYPES["number"](value) and (value < arg if key == "minimum" else value > arg):
                out.append("%s: %r violates %s %r" % (where, value, key, arg))
        elif key in ("minLength", "maxLength"):
            if isinstance(value, str) and (len(value) < arg if key == "minLength"
                                           else len(value) > arg):
                out.append("%s: length %d violates %s %r" % (where, len(value), key, arg))
        elif key in ("minItems", "maxItems"):
            if isinstance(value, list) and (len(value) < arg if key == "minItems"
                                            else len(value) > arg):
                out.append("%s: %d items violate %s %r" % (where, len(value), key, arg))
        elif key == "pattern":
            if isinstance(value, str) and not re.search(arg, value):
                out.append("%s: %r does not match %r" % (where, value, arg))
        else:
            raise AssertionError("%s: keyword %r is outside the validator's subset (nullable "
                                 "is OpenAPI 3.0: use type: [T, 'null'] in 3.1)" % (where, key))
    return out


def test_validator_itself():
    doc = {"components": {"schemas": {"N": {"type": "integer", "minimum": 1}}}}
    one_of = {"oneOf": [{"type": "object", "required": ["a"]},
                        {"type": "object", "required": ["b"]}]}
    assert not errors(doc, one_of, {"a": 1})
    assert errors(doc, one_of, {"a": 1, "b": 2})          # both branches: not oneOf
    assert errors(doc, one_of, {})
    assert not errors(doc, {"$ref": "#/components/schemas/N"}, 3)
    assert errors(doc, {"$ref": "#/components/schemas/N"}, 0)
    assert errors(doc, {"type": "integer"}, True)
    assert not errors(doc, {"type": ["string", "null"]}, None)
    assert errors(doc, {"properties": {"x": {"const": "ok"}}, "additionalProperties": False},
                  {"x": "ok", "y": 1})
    try:
        errors(doc, {"type": "string", "nullable": True}, "x")
        raise AssertionError("nullable accepted")
    except AssertionError as e:
        assert "outside the validator's subset" in str(e)


class Checker:
    """Checks answers against the served document and remembers what it saw."""

    def __init__(self, s):
        self.s = s
        self.doc = s.get("openapi.json", key=None).json
        self.seen = set()

    def check(self, resp, method, file):
        path = file if file.startswith("/") else "/api/v1/" + file
        op = self.doc["paths"].get(path, {}).get(method.lower())
        assert op is not None, "%s %s is not in the document" % (method, path)
        declared = op["responses"].get(str(resp.status)) or op["responses"].get("default")
        assert declared is not None, "%s %s answered %d, which the document does not list" % (
            method, path, resp.status)
        declared = resolve(self.doc, declared)
        schema = declared.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            problems = errors(self.doc, schema, resp.json)
            assert not problems, "%s %s %d: %s\n%r" % (method, path, resp.status,
                                                        "; ".join(problems[:8]), resp.json)
        self.seen.add((method.upper(), path, resp.status))
        return resp


AUTHENTICATED_MUST = ("401", "405", "500", "503")


def test_every_operation_lists_the_errors_it_can_answer():
    """401 (no key / bad key), 405 (another method), 500 (db_error) and 503 (auth_error
    with LEADGEN_AUTH_URL) can come from every authenticated operation; 405 from any."""
    with Server() as s:
        doc = s.get("openapi.json", key=None).json
        missing = []
        for path, item in doc["paths"].items():
            for method, op in item.items():
                if method not in ("get", "post", "put", "delete", "patch"):
                    continue
                public = op.get("security") == []
                must = ("405",) if public else AUTHENTICATED_MUST
                missing += ["%s %s: %s" % (method.upper(), path, code) for code in must
                            if code not in op["responses"]]
        assert not missing, "responses not documented:\n  " + "\n  ".join(missing)


def test_campaign_list_and_detail_each_match_exactly_one_branch():
    with Server() as s:
        c = Checker(s)
        acc = campaigns.add_smtp(s)
        pid = campaigns.project_with_leads(s, ["ann.lee@acme.com", "bo@acme.com"])
        cid = assert_success(c.check(campaigns.create(s, pid, [{"type": "smtp", "id": acc}]),
                                     "POST", "campaigns.php"))["id"]
        listing = c.check(s.get("campaigns.php"), "GET", "campaigns.php")
        assert assert_success(listing)["campaigns_count"] == 1
        detail = c.check(s.get("campaigns.php", id=cid), "GET", "campaigns.php")
        assert assert_success(detail)["id"] == cid
        c.check(s.get("campaigns.php", id=cid + 100), "GET", "campaigns.php")      # 404
        c.check(s.get("campaigns.php", id="x"), "GET", "campaigns.php")            # 400


def test_live_answers_match_their_schemas():
    with Sites() as sites:
        sites.add("acme-plumbing.com", {"/": page(
            'Mail office@acme-plumbing.com, Tel: +49 89 21803456 '
            '<a href="https://www.facebook.com/acmeplumbing">f</a>', title="Acme")})
        with Server(env=sites.env()) as s:
            c = Checker(s)
            c.check(s.get("/healthz", key=None), "GET", "/healthz")
            c.check(s.request("DELETE", "/healthz", key=None), "GET", "/healthz")      # 405
            c.check(s.get("projects.php"), "GET", "projects.php")
            c.check(s.get("projects.php", key=None), "GET", "projects.php")            # 401
            c.check(s.get("projects.php", key="no-such-key"), "GET", "projects.php")   # 401
            c.check(s.request("DELETE", "projects.php"), "GET", "projects.php")        # 405
            c.check(s.request("PATCH", "openapi.json", key=None), "GET", "openapi.json")
            c.check(s.get("leads.php"), "GET", "leads.php")                            # 400
            pid = assert_success(c.check(s.post("projects.php", {"name": "Live"}),
                                         "POST", "projects.php"))["id"]
            c.check(s.post("projects.php", {"name": "Live"}), "POST", "projects.php")  # 400
            c.check(s.post("leads.php", {"project_id": pid, "leads": [
                {"email": "ann.lee@acme.com"}, {"email": "bo@acme.com"}]}), "POST", "leads.php")
            c.check(s.get("leads.php", project_id=pid), "GET", "leads.php")
            c.check(s.get("leads.php", project_id=pid + 99), "GET", "leads.php")      # 404
            c.check(s.get("recipes.php"), "GET", "recipes.php")
            acc = campaigns.add_smtp(s)
            c.check(s.get("accounts.php"), "GET", "accounts.php")
            c.check(s.get("accounts.php", type="fax"), "GET", "accounts.php")          # 400
            cid = assert_success(c.check(campaigns.create(
                s, pid, [{"type": "smtp", "id": acc}]), "POST", "campaigns.php"))["id"]
            c.check(s.put("campaigns/steps.php", {"campaign_id": cid, "steps": [
                campaigns.STEP, campaigns.FOLLOW]}), "PUT", "campaigns/steps.php")
            c.check(campaigns.launch(s, cid), "POST", "campaigns/launch.php")
            c.check(campaigns.launch(s, cid), "POST", "campaigns/launch.php")        # 400
            c.check(s.get("campaigns/status.php", campaign_id=cid), "GET",
                    "campaigns/status.php")
            c.check(s.get("campaigns/recipients.php", campaign_id=cid), "GET",
                    "campaigns/recipients.php")
            c.check(campaigns.control(s, cid, "pause"), "POST", "campaigns/control.php")
            c.check(campaigns.control(s, cid + 50, "pause"), "POST", "campaigns/control.php")
            c.check(s.get("crawl.php", domain=sites.url("acme-plumbing.com")), "GET",
                    "crawl.php")
            c.check(s.get("crawl.php", domain="ftp://x.com"), "GET", "crawl.php")      # 400
            statuses = {status for _, _, status in c.seen}
            assert {200, 400, 401, 404, 405} <= statuses, statuses
