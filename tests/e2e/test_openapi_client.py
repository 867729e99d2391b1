"""docs/openapi.yaml lints clean with Redocly, and a TypeScript client generated
from the document the server serves (openapi-typescript + openapi-fetch) works
against that live server. Needs node and the packages in tools/openapi
(scripts/setup.sh installs them with `npm ci`); skipped without them."""
import json
import os
import re
import shutil
import subprocess
import tempfile

import lib
from lib import Server

TOOLS = os.path.join(lib.REPO, "tools", "openapi")
BIN = os.path.join(TOOLS, "node_modules", ".bin")


def _tool(name):
    path = os.path.join(BIN, name)
    if not shutil.which("node") or not os.path.exists(path):
        raise lib.Skip("node or tools/openapi/node_modules missing (run scripts/setup.sh)")
    return path


def _run(args, cwd=None, env=None, timeout=180):
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, NO_UPDATE_NOTIFIER="1", REDOCLY_TELEMETRY="off",
                                   REDOCLY_SUPPRESS_UPDATE_NOTICE="true", **(env or {})))
    assert proc.returncode == 0, "%s failed:\n%s\n%s" % (args[0], proc.stdout[-3000:],
                                                       proc.stderr[-3000:])
    return proc


def test_openapi_document_lints_without_errors():
    redocly = _tool("redocly")
    proc = _run([redocly, "lint", "--format=stylish", os.path.join("docs", "openapi.yaml")],
                cwd=lib.REPO)
    assert "error" not in proc.stdout.lower().replace("0 errors", ""), proc.stdout


def test_every_operation_is_named_and_servers_prefix_the_paths():
    with Server() as s:
        doc = s.get("openapi.json", key=None).json
    ids = [op.get("operationId") for item in doc["paths"].values()
           for method, op in item.items() if method in ("get", "post", "put", "delete")]
    assert all(ids), ids
    assert len(set(ids)) == len(ids), ids
    for path in doc["paths"]:
        assert path.startswith("/"), path
    urls = [sv["url"] for sv in doc["servers"]]
    assert [re.sub(r"^https?://[^/]+", "", u) for u in urls] == ["", "/v2"], urls
    assert doc["info"]["license"]["name"], doc["info"]


def _live_servers(doc, port):
    """The document's server URLs with their host:port replaced by the live server's."""
    return [re.sub(r"^https?://[^/]+", "http://127.0.0.1:%d" % port, sv["url"])
            for sv in doc["servers"]]


def test_generated_typescript_client_works_against_a_live_server():
    generate, tsc = _tool("openapi-typescript"), _tool("tsc")
    # inside tools/openapi so that node finds its node_modules; removed at the end
    run_dir = tempfile.mkdtemp(prefix=".run-", dir=TOOLS)
    try:
        with Server() as s:
            doc = s.get("openapi.json", key=None).json
            schema = os.path.join(run_dir, "openapi.json")
            with open(schema, "w") as f:
                json.dump(doc, f)
            _run([generate, schema, "-o", os.path.join(run_dir, "schema.d.ts")])
            shutil.copy(os.path.join(TOOLS, "client-test.ts"), run_dir)
            with open(os.path.join(run_dir, "tsconfig.json"), "w") as f:
                json.dump({"compilerOptions": {"target": "ES2022", "module": "NodeNext",
                                               "moduleResolution": "NodeNext", "strict": True,
                                               "skipLibCheck": True, "types": [],
                                               "outDir": "out"},
                           "files": ["client-test.ts"]}, f)
            _run([tsc, "-p", run_dir])  # the calls type-check against the generated paths
            proc = _run(["node", os.path.join(run_dir, "out", "client-test.js")],
                        env={"LEADGEN_SERVERS": json.dumps(_live_servers(doc, s.port)),
                             "LEADGEN_KEY": s.key})
            assert proc.stdout.startswith("ok "), proc.stdout
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
