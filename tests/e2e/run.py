#!/usr/bin/env python3
"""End-to-end test runner.

    python3 tests/e2e/run.py --bin build/leadgen [-k SUBSTRING] [-j N]

Imports every tests/e2e/test_*.py, runs each function named test_* in file
order, prints `ok   module.test`, `skip module.test: why` or `FAIL module.test`
with the traceback, and ends with one line `N passed, N failed, N skipped`.
Exits 1 when anything failed.

With -j N (N > 1) each module runs in its own process, N at a time; a
module's lines are printed together when it ends, and the closing line adds
them all up. Modules in SERIAL run alone, after the others.
"""
import argparse
import faulthandler
import importlib
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import lib  # noqa: E402

# A test that hangs past this is a bug in the test or the server: dump every
# thread's stack and exit rather than block CI (servers die with us: PDEATHSIG).
TEST_WATCHDOG = 300

# Modules whose timing assertions do not survive sharing the machine with other
# modules; -j runs them one at a time once the parallel ones are done.
SERIAL = ()

RESULT_LINE = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$")


def test_functions(module):
    """The module's own test_* functions, in the order they are defined."""
    return [(name, obj) for name, obj in vars(module).items()
            if name.startswith("test_") and callable(obj)
            and getattr(obj, "__module__", None) == module.__name__]


def discover():
    """[(module name, module or the import traceback)] for tests/e2e/test_*.py."""
    found = []
    for filename in sorted(os.listdir(HERE)):
        if not (filename.startswith("test_") and filename.endswith(".py")):
            continue
        name = filename[:-3]
        try:
            found.append((name, importlib.import_module(name)))
        except Exception:
            found.append((name, traceback.format_exc()))
    return found


def run_one(label, fn, counts):
    faulthandler.dump_traceback_later(TEST_WATCHDOG, exit=True)
    try:
        fn()
    except lib.Skip as why:
        print("skip %s: %s" % (label, why), flush=True)
        counts["skipped"] += 1
        return
    except Exception:
        print("FAIL %s" % label, flush=True)
        print(traceback.format_exc(), flush=True)
        counts["failed"] += 1
        return
    finally:
        faulthandler.cancel_dump_traceback_later()
    counts["passed"] += 1
    print("ok   %s" % label, flush=True)


def run_serial(modules, pattern, counts):
    for name, module in modules:
        if isinstance(module, str):  # the import failed
            if pattern in name:
                print("FAIL %s (import)\n%s" % (name, module), flush=True)
                counts["failed"] += 1
            continue
        for test_name, fn in test_functions(module):
            label = "%s.%s" % (name, test_name)
            if pattern in label:
                run_one(label, fn, counts)


def selected(name, module, pattern):
    """True when the module has a test (or an import failure) the pattern picks."""
    if isinstance(module, str):
        return pattern in name
    return any(pattern in "%s.%s" % (name, t) for t, _ in test_functions(module))


def module_process(args, name):
    """Starts `run.py` for one module; its output goes to a temp file, read at the end."""
    out = tempfile.TemporaryFile()
    cmd = [sys.executable, os.path.abspath(__file__), "--bin", args.bin, "-k", args.k,
           "--module", name]
    return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL), out, time.monotonic()


def finish_module(name, proc, out, started, counts):
    """Prints a finished module's lines and adds its closing line to counts."""
    out.seek(0)
    text = out.read().decode("utf-8", "replace")
    out.close()
    lines = text.rstrip("\n").split("\n") if text.strip() else []
    match = RESULT_LINE.match(lines[-1]) if lines else None
    body = lines[:-1] if match else lines
    if body:
        print("\n".join(body), flush=True)
    if match:
        counts["passed"] += int(match.group(1))
        counts["failed"] += int(match.group(2))
        counts["skipped"] += int(match.group(3) or 0)
    if not match or (proc.returncode != 0 and not int(match.group(2))):
        print("FAIL %s: the module's process exited %s without a result line"
              % (name, proc.returncode), flush=True)
        counts["failed"] += 1
    print("   %s: %.1fs" % (name, time.monotonic() - started), flush=True)


def run_parallel(modules, args, counts):
    """Runs each selected module in its own process, args.j at a time; the
    biggest files first, so a long module does not start last."""
    names = [name for name, module in modules if selected(name, module, args.k)]
    size = lambda n: os.path.getsize(os.path.join(HERE, n + ".py"))
    queue = sorted((n for n in names if n not in SERIAL), key=size, reverse=True)
    serial = [n for n in names if n in SERIAL]
    running = {}
    while queue or serial or running:
        limit = args.j if queue else 1
        while (queue or (serial and not running)) and len(running) < limit:
            name = queue.pop(0) if queue else serial.pop(0)
            running[name] = module_process(args, name)
        time.sleep(0.05)
        for name in [n for n, (proc, _, _) in running.items() if proc.poll() is not None]:
            finish_module(name, *running.pop(name), counts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True, help="the leadgen binary to test")
    parser.add_argument("-k", default="", help="run only tests whose module.test contains this")
    parser.add_argument("-j", type=int, default=1, help="modules run at once, each in a process")
    parser.add_argument("--module", help=argparse.SUPPRESS)  # -j's child: this module only
    args = parser.parse_args()

    lib.BIN = os.path.abspath(args.bin)
    if not os.access(lib.BIN, os.X_OK):
        print("FAIL setup: %s is not an executable" % lib.BIN)
        print("0 passed, 1 failed")
        return 1

    counts = {"passed": 0, "failed": 0, "skipped": 0}
    started = time.monotonic()
    modules = discover()
    if args.module:
        run_serial([m for m in modules if m[0] == args.module], args.k, counts)
    elif args.j > 1:
        run_parallel(modules, args, counts)
    else:
        run_serial(modules, args.k, counts)

    if not args.module:
        print("e2e against %s took %.1fs" % (lib.BIN, time.monotonic() - started))
    line = "%d passed, %d failed" % (counts["passed"], counts["failed"])
    if counts["skipped"]:
        line += ", %d skipped" % counts["skipped"]
    print(line)
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
