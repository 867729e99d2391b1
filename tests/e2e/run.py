#!/usr/bin/env python3
"""End-to-end test runner.

    python3 tests/e2e/run.py --bin build/leadgen [-k SUBSTRING] [-j N]
    python3 tests/e2e/run.py -j N --run NAME=BIN[@STORE_URL] --run ...

Imports every tests/e2e/test_*.py, runs each function named test_* in file
order, prints `ok   module.test`, `skip module.test: why` or `FAIL module.test`
with the traceback, and ends with one line `N passed, N failed, N skipped`.
Exits 1 when anything failed.

With -j N (N > 1) each module runs in its own process, N at a time; a
module's lines are printed together when it ends, and the closing line adds
them all up. Modules in SERIAL run alone, after the others.

Each --run names a configuration (a binary, and a store URL template for
LEADGEN_E2E_DB, or none for SQLite); every module runs once per configuration,
all of them in one pool of -j processes, so one configuration's slowest module
overlaps the others' instead of ending a pass of its own. Lines of a failure
name the configuration: `FAIL [asan] module.test`.
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
    started = time.monotonic()
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
    print("ok   %s (%.1fs)" % (label, time.monotonic() - started), flush=True)


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


class Config:
    """One way to run the suite: a binary, and the store template its servers get."""

    def __init__(self, name, binary, store):
        self.name, self.binary, self.store = name, binary, store

    @staticmethod
    def parse(text):
        """NAME=BIN[@STORE_URL], as --run takes it."""
        name, sep, rest = text.partition("=")
        if not sep or not name or not rest:
            raise argparse.ArgumentTypeError("--run takes NAME=BIN[@STORE_URL]: %r" % text)
        binary, _, store = rest.partition("@")
        return Config(name, binary, store)

    def env(self):
        """The environment of a module's process: the store template, or none for SQLite."""
        env = dict(os.environ)
        env.pop("LEADGEN_E2E_DB", None)
        if self.store:
            env["LEADGEN_E2E_DB"] = self.store
        if self.name:  # for what a test keeps, such as screenshots, apart per configuration
            env["LEADGEN_E2E_CONFIG"] = self.name
        return env


def module_process(args, config, name):
    """Starts `run.py` for one module; its output goes to a temp file, read at the end."""
    out = tempfile.TemporaryFile()
    cmd = [sys.executable, os.path.abspath(__file__), "--bin", config.binary, "-k", args.k,
           "--module", name]
    return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=config.env(),
                            stdin=subprocess.DEVNULL), out, time.monotonic()


def labelled(line, tag):
    """A child's line with the configuration named in failures and timings."""
    if not tag or line.startswith("ok   "):
        return line
    for word in ("FAIL ", "skip "):
        if line.startswith(word):
            return word + tag + line[len(word):]
    return line


def finish_module(task, proc, out, started, counts):
    """Prints a finished module's lines and adds its closing line to counts."""
    config, name = task
    tag = "[%s] " % config.name if config.name else ""
    out.seek(0)
    text = out.read().decode("utf-8", "replace")
    out.close()
    lines = text.rstrip("\n").split("\n") if text.strip() else []
    match = RESULT_LINE.match(lines[-1]) if lines else None
    body = lines[:-1] if match else lines
    if body:
        print("\n".join(labelled(line, tag) for line in body), flush=True)
    mine = counts.setdefault(config.name, {"passed": 0, "failed": 0, "skipped": 0})
    for c in (counts["all"], mine):
        if match:
            c["passed"] += int(match.group(1))
            c["failed"] += int(match.group(2))
            c["skipped"] += int(match.group(3) or 0)
        if not match or (proc.returncode != 0 and not int(match.group(2))):
            c["failed"] += 1
    if not match or (proc.returncode != 0 and not int(match.group(2))):
        print("FAIL %s%s: the module's process exited %s without a result line"
              % (tag, name, proc.returncode), flush=True)
    print("   %s%s: %.1fs" % (tag, name, time.monotonic() - started), flush=True)


# An ASan+UBSan binary runs its modules about this much slower (for the order only).
SANITIZER_WEIGHT = 1.5


def run_parallel(modules, args, configs, counts):
    """Runs each selected module once per configuration in its own process, args.j
    at a time; the heaviest first, so a long module does not start last."""
    names = [name for name, module in modules if selected(name, module, args.k)]
    size = lambda n: os.path.getsize(os.path.join(HERE, n + ".py"))
    weight = lambda c: SANITIZER_WEIGHT if "asan" in c.binary else 1.0
    tasks = [(c, n) for n in names for c in configs]
    queue = sorted((t for t in tasks if t[1] not in SERIAL),
                   key=lambda t: size(t[1]) * weight(t[0]), reverse=True)
    serial = [t for t in tasks if t[1] in SERIAL]
    running = {}
    while queue or serial or running:
        limit = args.j if queue else 1
        while (queue or (serial and not running)) and len(running) < limit:
            task = queue.pop(0) if queue else serial.pop(0)
            running[task] = module_process(args, *task)
        time.sleep(0.05)
        for task in [t for t, (proc, _, _) in running.items() if proc.poll() is not None]:
            finish_module(task, *running.pop(task), counts)


ZERO = {"passed": 0, "failed": 0, "skipped": 0}


def result_line(c):
    line = "%d passed, %d failed" % (c["passed"], c["failed"])
    if c["skipped"]:
        line += ", %d skipped" % c["skipped"]
    return line


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", help="the leadgen binary to test")
    parser.add_argument("--run", action="append", type=Config.parse, default=[],
                        metavar="NAME=BIN[@STORE_URL]",
                        help="a configuration to run the suite in (repeatable; needs -j)")
    parser.add_argument("-k", default="", help="run only tests whose module.test contains this")
    parser.add_argument("-j", type=int, default=1, help="modules run at once, each in a process")
    parser.add_argument("--module", help=argparse.SUPPRESS)  # -j's child: this module only
    args = parser.parse_args()
    configs = args.run or ([Config("", args.bin, os.environ.get("LEADGEN_E2E_DB", ""))]
                           if args.bin else [])
    if not configs or (args.run and (args.bin or args.j < 2)):
        parser.error("give --bin, or --run with -j 2 or more")

    for config in configs:
        if not os.access(config.binary, os.X_OK):
            print("FAIL setup: %s is not an executable" % config.binary)
            print("0 passed, 1 failed")
            return 1
    lib.BIN = os.path.abspath(configs[0].binary)

    counts = {"all": {"passed": 0, "failed": 0, "skipped": 0}}
    started = time.monotonic()
    modules = discover()
    if args.module:
        run_serial([m for m in modules if m[0] == args.module], args.k, counts["all"])
    elif args.j > 1:
        run_parallel(modules, args, configs, counts)
    else:
        run_serial(modules, args.k, counts["all"])

    if not args.module:
        print("e2e (%s) took %.1fs" % (", ".join(c.name or c.binary for c in configs),
                                       time.monotonic() - started))
        for config in configs if args.run else []:
            print("   %s: %s" % (config.name, result_line(counts.get(config.name, ZERO))))
    print(result_line(counts["all"]))
    return 1 if counts["all"]["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
