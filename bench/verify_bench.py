#!/usr/bin/env python3
"""Email-verification benchmark, on loopback only.

    python3 bench/verify_bench.py [--bin build/leadgen] [--delay 1.0] [--rounds 3]

A fake DNS server and fake SMTP servers on 127.0.0.2 ... 127.0.0.21 (one per
domain, each waiting DELAY seconds before every reply, the greeting included:
tests/e2e/fakes/) stand in for the internet. In one run it measures:

  single      one address alone (the baseline), median of ROUNDS requests
  concurrent  20 addresses on 20 domains in one request, median of ROUNDS
  sequential  the same 20 checks as 20 requests one after another
  one domain  20 addresses on one domain: MX look-ups, catch-all probes and
              SMTP connections, counted by the fakes

Targets (issue 7): concurrent <= 1.5 x single; one domain: 1 MX look-up, 1
catch-all probe, at most 2 connections. Every request uses fresh addresses,
so the per-address cache never answers. Prints a table, writes
bench/out/verify-<UTC time>.json, and exits 1 when a target is missed.
"""
import argparse
import json
import os
import statistics
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

import lib  # noqa: E402
from fakes.dns import FakeDns  # noqa: E402
from fakes.smtp import Rule, SmtpFarm  # noqa: E402

DOMAINS = 20


def domain(i):
    return "bench%02d.lgtest" % i


def ip(i):
    return "127.0.0.%d" % (2 + i)


def world(delay):
    rules = {ip(i): Rule(catch_all=False, delay=delay,
                         mailboxes={"%s%d@%s" % (p, k, domain(i)) for p in "abcdu"
                                    for k in range(40)})
             for i in range(DOMAINS)}
    dns = FakeDns()
    for i in range(DOMAINS):
        dns.add(domain(i), "MX", (10, "mx." + domain(i)))
        dns.add("mx." + domain(i), "A", ip(i))
        dns.add(domain(i), "TXT", "v=spf1 ip4:%s -all" % ip(i))
    return dns, SmtpFarm(rules)


def timed(server, emails):
    started = time.monotonic()
    r = server.post("verify.php", {"emails": emails})
    elapsed = time.monotonic() - started
    assert r.status == 200, r
    statuses = [x["status"] for x in r.json["data"]["results"]]
    assert statuses == ["valid"] * len(emails), statuses
    return elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "leadgen"))
    ap.add_argument("--delay", type=float, default=1.0, help="seconds before every SMTP reply")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    lib.BIN = os.path.abspath(args.bin)

    dns, farm = world(args.delay)
    with dns, farm:
        env = {"LEADGEN_DNS_SERVERS": dns.address, "LEADGEN_SMTP_PROBE_PORT": farm.port,
               "LEADGEN_ALLOW_PRIVATE_TARGETS": "1", "LEADGEN_SMTP_HELO": "bench.lgtest",
               "LEADGEN_SMTP_TIMEOUT": str(int(args.delay * 5 + 5)), "LEADGEN_ACCESS_LOG": "0"}
        with lib.Server(env=env) as s:
            single = [timed(s, ["a%d@%s" % (r, domain(r))]) for r in range(args.rounds)]
            concurrent = [timed(s, ["b%d@%s" % (r, domain(i)) for i in range(DOMAINS)])
                          for r in range(args.rounds)]
            started = time.monotonic()
            for i in range(DOMAINS):
                timed(s, ["c0@%s" % domain(i)])
            sequential = time.monotonic() - started
            dns.clear()
            farm.clear()
            one_domain = timed(s, ["u%d@%s" % (k, domain(0)) for k in range(DOMAINS)])
            rcpts = farm.commands(ip(0), "RCPT")
            counts = {
                "mx_lookups": dns.count(domain(0), "MX"),
                "catch_all_probes": sum(1 for c in rcpts if "<u" not in c),
                "connections": len(farm.sessions(ip(0))),
                "rcpt_commands": len(rcpts),
            }

    result = {
        "delay_s": args.delay,
        "rounds": args.rounds,
        "single_s": statistics.median(single),
        "single_all_s": single,
        "concurrent_20_domains_s": statistics.median(concurrent),
        "concurrent_all_s": concurrent,
        "sequential_20_requests_s": sequential,
        "one_domain_20_addresses_s": one_domain,
        "one_domain": counts,
    }
    ratio = result["concurrent_20_domains_s"] / result["single_s"]
    result["concurrent_over_single"] = ratio
    result["sequential_over_concurrent"] = sequential / result["concurrent_20_domains_s"]
    ok = (ratio <= 1.5 and counts["mx_lookups"] == 1 and counts["catch_all_probes"] == 1
          and counts["connections"] <= 2)
    result["targets_met"] = ok

    print("email verification (SMTP servers wait %.1f s before each reply)" % args.delay)
    print("  one address alone              %6.2f s  (median of %d)" % (result["single_s"], args.rounds))
    print("  20 addresses, 20 domains       %6.2f s  (median of %d) = %.2f x one address (target <= 1.5)"
          % (result["concurrent_20_domains_s"], args.rounds, ratio))
    print("  the same 20, one after another %6.2f s  = %.1f x the concurrent request"
          % (sequential, result["sequential_over_concurrent"]))
    print("  20 addresses, one domain       %6.2f s: %d MX look-up(s), %d catch-all probe(s), "
          "%d connection(s), %d RCPT"
          % (one_domain, counts["mx_lookups"], counts["catch_all_probes"], counts["connections"],
             counts["rcpt_commands"]))
    print("targets %s" % ("met" if ok else "MISSED"))
    out = os.path.join(ROOT, "bench", "out")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "verify-%s.json" % time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    print("raw results: %s" % os.path.relpath(path, ROOT))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
