#!/usr/bin/env python3
"""End-to-end test runner.

    python3 tests/e2e/run.py --bin build/leadgen [-k SUBSTRING]

Imports every tests/e2e/test_*.py, runs each function named test_* in file
order, prints `ok   module.test`, `skip module.test: why` or `FAIL module.test`
with the traceback, and ends with one line `N passed, N failed, N skipped`.
Exits 1 when anything failed.
"""
import argparse
import faulthandler
import importlib
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import lib  # noqa: E402

# A test that hangs past this is a bug in the test or the server: dump every
# thread's stack and exit rather than block CI (servers die with us: PDEATHSIG).
TEST_WATCHDOG = 300


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True, help="the leadgen binary to test")
    parser.add_argument("-k", default="", help="run only tests whose module.test contains this")
    args = parser.parse_args()

    lib.BIN = os.path.abspath(args.bin)
    if not os.access(lib.BIN, os.X_OK):
        print("FAIL setup: %s is not an executable" % lib.BIN)
        print("0 passed, 1 failed")
        return 1

    counts = {"passed": 0, "failed": 0, "skipped": 0}
    started = time.monotonic()
    for name, module in discover():
        if isinstance(module, str):  # the import failed
            if args.k in name:
                print("FAIL %s (import)\n%s" % (name, module), flush=True)
                counts["failed"] += 1
            continue
        for test_name, fn in test_functions(module):
            label = "%s.%s" % (name, test_name)
            if args.k in label:
                run_one(label, fn, counts)

    print("e2e against %s took %.1fs" % (lib.BIN, time.monotonic() - started))
    line = "%d passed, %d failed" % (counts["passed"], counts["failed"])
    if counts["skipped"]:
        line += ", %d skipped" % counts["skipped"]
    print(line)
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
