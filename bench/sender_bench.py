#!/usr/bin/env python3
"""Campaign sender throughput (issue 13): emails per second from one SMTP
account to a local sink, with connection reuse. Target: at least 100/s.

    python3 bench/sender_bench.py [--bin build/leadgen] [--leads 2000]
                                  [--campaigns 4] [--sink async|mailsink] [--rounds 3]

Each round: a fresh store and `leadgen serve` (tests/e2e/lib.py) used only to
set up, with a scheduler interval of a day so it never sends; one SMTP account
(`account add ... --min-gap 0 --max-extra 0 --daily-limit 10000`), LEADS leads
split over CAMPAIGNS launched campaigns that all send through that account
(batch_size 500, the API's maximum, and daily_limit 10000: one run sends every
lead). Then `leadgen worker` starts with LEADGEN_CRON_INTERVAL=1 and sends.
Measured in the sink: the time from the first to the last message, the rate
(messages - 1) / that time, and the number of SMTP connections (the sender
opens one per account and campaign in a run and reuses it for every message).

The default sink is a minimal asyncio SMTP server written here (no parsing,
it records the time each message ends); --sink mailsink uses the e2e fake
(tests/e2e/fakes/mailsink.py, a thread per connection that parses every
message), which is slower per message but still not the bottleneck.
"""
import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

import lib  # noqa: E402
from fakes.mailsink import MailSink  # noqa: E402

ADMIN = "admin@localhost.localdomain"
SENDER = "bench@send.lgtest"
PASSWORD = "bench-pa55word"
TARGET_PER_S = 100
STEP = {"subject": "{Quick question|Idea|A thought} for {{company|your team}}",
        "body": "<p>Hi {{firstname|there}},</p><p>We help <b>{{company|teams}}</b> grow "
                "{faster|sooner}. Worth a call next week?</p><p>Sam</p>",
        "delay_days": 0}
FOLLOW = {"subject": "", "body": "<p>Just following up, {{firstname|friend}}.</p>",
          "delay_days": 3}


class AsyncSink:
    """SMTP on loopback that accepts everything (AUTH included) and records
    when each message's DATA ends; one asyncio loop in a thread."""

    def __init__(self):
        self.times = []
        self.connections = 0
        self._ready = threading.Event()

    @property
    def messages(self):
        return self.times

    async def _session(self, reader, writer):
        self.connections += 1
        writer.write(b"220 sink ESMTP\r\n")
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    writer.write(b"250-sink\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n"
                                 b"250 SIZE 10485760\r\n")
                elif verb == b"AUTH":
                    words = line.split()
                    if words[1].upper() == b"LOGIN":
                        writer.write(b"334 VXNlcm5hbWU6\r\n")
                        await reader.readline()
                        writer.write(b"334 UGFzc3dvcmQ6\r\n")
                        await writer.drain()
                        await reader.readline()
                    elif len(words) < 3:
                        writer.write(b"334 \r\n")
                        await writer.drain()
                        await reader.readline()
                    writer.write(b"235 2.7.0 ok\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 go on\r\n")
                    await writer.drain()
                    data = await reader.readuntil(b"\r\n.\r\n")
                    self.times.append((time.monotonic(), len(data)))
                    writer.write(b"250 2.0.0 queued\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    break
                else:  # MAIL, RCPT, RSET, NOOP
                    writer.write(b"250 ok\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        writer.close()

    def _run(self):
        self.loop = asyncio.new_event_loop()

        async def main():
            self.server = await asyncio.start_server(self._session, "127.0.0.1", 0,
                                                     limit=1 << 22)
            self.port = self.server.sockets[0].getsockname()[1]
            self._ready.set()
            async with self.server:
                await self.server.serve_forever()

        try:
            self.loop.run_until_complete(main())
        except asyncio.CancelledError:
            pass

    def __enter__(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.server.close)
        return False

    def arrival_times(self):
        return [t for t, _ in self.times]


class ThreadSink(MailSink):
    """The e2e fake, with each message's arrival time."""

    def _record(self, kind, item):
        if kind == "messages":
            item.arrived = time.monotonic()
        super()._record(kind, item)

    def arrival_times(self):
        return [m.arrived for m in self.messages]


def setup(s, port, leads, campaigns, follow_up):
    proc = s.cli("account", "add", "smtp", ADMIN, "--address", SENDER, "--host", "127.0.0.1",
                 "--port", str(port), "--username", SENDER, "--password-env", "SMTP_PW",
                 "--tls", "none", "--name", "Sam Sender", "--daily-limit", "10000",
                 "--min-gap", "0", "--max-extra", "0", env={"SMTP_PW": PASSWORD})
    assert proc.returncode == 0, proc.stderr
    account = int(lib.last_line(proc.stdout))
    proc = s.cli("credits", "add", ADMIN, str(leads * 2))
    assert proc.returncode == 0, proc.stderr
    steps = [STEP, FOLLOW] if follow_up else [STEP]
    per = (leads + campaigns - 1) // campaigns
    for c in range(campaigns):
        pid = s.create_project("Bench %d" % c)
        batch = [{"email": "lead%d@acme%d.lgtest" % (i, i % 97), "firstname": "Lee%d" % i,
                  "company": "Acme %d" % (i % 97)}
                 for i in range(c * per, min(leads, (c + 1) * per))]
        for i in range(0, len(batch), 500):
            lib.assert_success(s.add_leads(pid, batch[i:i + 500]))
        cid = lib.assert_success(s.post("campaigns.php", {
            "name": "Bench %d" % c, "project_id": pid, "steps": steps, "daily_limit": 10000,
            "batch_size": 500, "sending_accounts": [{"type": "smtp", "id": account}]}))["id"]
        lib.assert_success(s.post("campaigns/launch.php", {"campaign_id": cid}))


def one_round(args):
    sink_class = AsyncSink if args.sink == "async" else \
        (lambda: ThreadSink(users={SENDER: PASSWORD}))
    env = {"LEADGEN_CRON_INTERVAL": "86400", "LEADGEN_ALLOW_PRIVATE_TARGETS": "1",
           "LEADGEN_PUBLIC_URL": "https://lg.example/"}
    with sink_class() as sink, lib.Server(env=env, bin=args.bin) as s:
        setup(s, sink.port, args.leads, args.campaigns, args.follow_up)
        worker_env = dict(s.env, LEADGEN_CRON_INTERVAL="1")
        worker_env.pop("LEADGEN_LISTEN", None)
        log = open(os.path.join(s.tmp, "worker.txt"), "wb")
        started = time.monotonic()
        worker = subprocess.Popen([os.path.abspath(args.bin), "worker"],
                                  env=lib.child_env(worker_env), stdout=log,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            done = lib.wait_until(lambda: len(sink.messages) >= args.leads, args.timeout)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            log.close()
        times = sorted(sink.arrival_times())
        assert done, "the sink got %d of %d messages" % (len(times), args.leads)
        span = times[-1] - times[0]
        return {"messages": len(times), "span": span,
                "rate": (len(times) - 1) / span if span > 0 else float("inf"),
                "from_start": times[-1] - started, "connections": sink.connections}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "leadgen"))
    ap.add_argument("--leads", type=int, default=2000)
    ap.add_argument("--campaigns", type=int, default=4,
                    help="campaigns sharing the account (each sends at most 500 a run)")
    ap.add_argument("--sink", choices=("async", "mailsink"), default="async")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--follow-up", action="store_true",
                    help="two-step campaigns (only the first step is sent)")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    print("sender throughput: %d leads in %d campaign(s), one account, %s sink, %d round(s)"
          % (args.leads, args.campaigns, args.sink, args.rounds))
    results = []
    for n in range(args.rounds):
        r = one_round(args)
        results.append(r)
        print("  round %d: %d messages in %.2f s first to last = %.0f/s; "
              "%.2f s from the worker's start; %d SMTP connection(s)"
              % (n + 1, r["messages"], r["span"], r["rate"], r["from_start"],
                 r["connections"]))
    rate = statistics.median(r["rate"] for r in results)
    print("median: %.0f emails/s (target >= %d/s): %s"
          % (rate, TARGET_PER_S, "ok" if rate >= TARGET_PER_S else "MISSED"))
    return 0 if rate >= TARGET_PER_S else 1


if __name__ == "__main__":
    sys.exit(main())
