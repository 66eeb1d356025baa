#!/usr/bin/env python3
"""The client workload of the keep-alive tests; started by scripts/keepalive/run.sh.

For each target (the fc function, and the control server that breaks connections the
way the reverse-proxy keep-alive race does), at the same time:

* through nginx (a keep-alive upstream pool, `proxy_next_upstream off`): a burst of
  concurrent POSTs, then `gaps` times: an idle gap longer than 30 s, a sparse POST, a
  burst of concurrent POSTs, another sparse POST. Each call is a fresh client connection
  to nginx, like curl; nginx reuses its pooled upstream connections.
* directly: ONE keep-alive connection, like the platform's connection pool that does not
  watch its idle connections: two POSTs, then `gaps` times an idle gap and a POST on the
  same connection. A broken connection is counted and the client reconnects.

Every call ends in exactly one of: ok (2xx, `x-fc-status: 200`, the expected body), 502
(from nginx), failed (anything else), broken (the direct connection died under a request).
Prints one summary line per target, writes the JSON report to --report if given, and
exits 0 only if the fc target had nothing but ok answers (with its direct connection
reused after every gap) and the control target showed at least one 502 and one broken
connection, proving the test catches the race.
"""

import argparse
import http.client
import json
import os
import socket
import sys
import threading
import time
import uuid

PATH = "/invoke"
EVENT = b'{"key":"v"}'
EXPECTED = {"fc": b'"hello, v!"', "control": b'"ok"'}
MAX_ERRORS_KEPT = 10


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def headers():
    return {
        "Content-Type": "application/octet-stream",
        "x-fc-control-path": "/invoke",
        "x-fc-request-id": str(uuid.uuid4()),
        "x-fc-function-name": "keepalive-test",
    }


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {"calls": 0, "ok": 0, "502": 0, "failed": 0, "broken": 0}
        self.errors = {}  # distinct "outcome: detail" -> how many times

    def add(self, outcome, detail=None):
        with self.lock:
            self.counts["calls"] += 1
            self.counts[outcome] += 1
            if outcome != "ok" and detail:
                key = f"{outcome}: {detail}"
                if key in self.errors or len(self.errors) < MAX_ERRORS_KEPT:
                    self.errors[key] = self.errors.get(key, 0) + 1


def judge(status, response, body, expected):
    """The outcome of an answered call."""
    if status == 502:
        return "502", f"HTTP 502 from {response.getheader('server', '?')}"
    if not 200 <= status < 300:
        return "failed", f"HTTP {status} {body[:120]!r}"
    if response.getheader("x-fc-status") != "200":
        return "failed", f"x-fc-status {response.getheader('x-fc-status')!r}"
    if body != expected:
        return "failed", f"body {body[:120]!r}, expected {expected!r}"
    return "ok", None


def one_call(port, expected, tally, timeout):
    """A POST on a fresh connection (through nginx)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", PATH, body=EVENT, headers=headers())
        response = conn.getresponse()
        body = response.read()
        outcome, detail = judge(response.status, response, body, expected)
    except Exception as error:  # noqa: BLE001 - every failure counts
        outcome, detail = "failed", f"{type(error).__name__}: {error}"
    finally:
        conn.close()
    tally.add(outcome, detail)
    return outcome


def burst(port, expected, tally, size, timeout):
    barrier = threading.Barrier(size)
    outcomes = []

    def worker():
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        outcomes.append(one_call(port, expected, tally, timeout))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(size)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {o: outcomes.count(o) for o in sorted(set(outcomes))}


def via_nginx(name, port, args, tally):
    expected = EXPECTED[name]
    log(f"{name} via nginx: warm-up burst: {burst(port, expected, tally, args.burst, args.timeout)}")
    one_call(port, expected, tally, args.timeout)
    for gap in range(1, args.gaps + 1):
        time.sleep(args.gap_seconds)
        sparse = one_call(port, expected, tally, args.timeout)
        result = burst(port, expected, tally, args.burst, args.timeout)
        after = one_call(port, expected, tally, args.timeout)
        log(f"{name} via nginx: gap {gap}/{args.gaps} ({args.gap_seconds:g} s idle): "
            f"sparse call {sparse}, burst {result}, call after burst {after}")


def direct(name, port, args, tally, stats):
    """One keep-alive connection, left idle for longer than 30 s between calls."""
    expected = EXPECTED[name]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=args.timeout)

    def call(label, after_idle):
        reused = conn.sock is not None
        local = conn.sock.getsockname() if reused else None
        if after_idle and not reused:
            # The server ended the previous exchange with `Connection: close` (or the
            # client closed it): then nothing is being tested.
            stats["not_kept_alive"] += 1
        try:
            conn.request("POST", PATH, body=EVENT, headers=headers())
            response = conn.getresponse()
            body = response.read()
            outcome, detail = judge(response.status, response, body, expected)
            if outcome == "ok" and after_idle and reused and conn.sock is not None \
                    and conn.sock.getsockname() == local:
                stats["reused_after_idle"] += 1
        except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine,
                http.client.IncompleteRead, socket.timeout, OSError) as error:
            outcome, detail = "broken", f"{type(error).__name__}: {error}"
            conn.close()  # the next call reconnects
        tally.add(outcome, detail)
        log(f"{name} direct: {label}: {outcome}" + (f" ({detail})" if detail else "")
            + (f" on connection {local}" if local else " on a new connection"))

    call("first call", False)
    call("second call, no idle", False)
    for gap in range(1, args.gaps + 1):
        time.sleep(args.gap_seconds)
        call(f"call after idle gap {gap}/{args.gaps} ({args.gap_seconds:g} s)", True)
    conn.close()


def nginx_upstream_errors(error_log, port):
    """The nginx error-log lines about one upstream."""
    try:
        with open(error_log, encoding="utf-8", errors="replace") as f:
            return sum(1 for line in f if "[error]" in line and f'upstream: "http://127.0.0.1:{port}' in line)
    except OSError:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="quick")
    parser.add_argument("--gaps", type=int, required=True)
    parser.add_argument("--gap-seconds", type=float, required=True)
    parser.add_argument("--burst", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--fc-port", type=int, required=True)
    parser.add_argument("--control-port", type=int, required=True)
    parser.add_argument("--nginx-fc-port", type=int, required=True)
    parser.add_argument("--nginx-control-port", type=int, required=True)
    parser.add_argument("--nginx-error-log")
    parser.add_argument("--fc-pid", type=int)
    parser.add_argument("--report")
    args = parser.parse_args()

    targets = {
        "fc": {"direct_port": args.fc_port, "nginx_port": args.nginx_fc_port},
        "control": {"direct_port": args.control_port, "nginx_port": args.nginx_control_port},
    }
    started = time.monotonic()
    threads = []
    for name, target in targets.items():
        target["nginx"] = Tally()
        target["direct"] = Tally()
        target["direct_stats"] = {"reused_after_idle": 0, "not_kept_alive": 0}
        threads.append(threading.Thread(target=via_nginx, args=(name, target["nginx_port"], args, target["nginx"])))
        threads.append(threading.Thread(
            target=direct, args=(name, target["direct_port"], args, target["direct"], target["direct_stats"])))
    log(f"{args.mode}: {args.gaps} idle gaps of {args.gap_seconds:g} s, bursts of {args.burst} concurrent calls, "
        f"fc and control at the same time")
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    report = {
        "mode": args.mode,
        "gaps": args.gaps,
        "gap_seconds": args.gap_seconds,
        "burst": args.burst,
        "elapsed_seconds": round(elapsed, 1),
        "targets": {},
    }
    for name, target in targets.items():
        total = {k: target["nginx"].counts[k] + target["direct"].counts[k] for k in target["nginx"].counts}
        report["targets"][name] = {
            **total,
            "via_nginx": target["nginx"].counts,
            "direct": {**target["direct"].counts, **target["direct_stats"]},
            "nginx_upstream_errors": nginx_upstream_errors(args.nginx_error_log, target["direct_port"])
            if args.nginx_error_log else None,
            "errors": {**{f"via nginx {k}": v for k, v in target["nginx"].errors.items()},
                       **{f"direct {k}": v for k, v in target["direct"].errors.items()}},
        }
    fc, control = report["targets"]["fc"], report["targets"]["control"]
    fc["process_alive"] = None
    if args.fc_pid:
        try:
            os.kill(args.fc_pid, 0)
            fc["process_alive"] = True
        except OSError:
            fc["process_alive"] = False

    problems = []
    if fc["502"] or fc["failed"] or fc["broken"] or fc["ok"] != fc["calls"]:
        problems.append(f"the fc function lost calls: 502={fc['502']} failed={fc['failed']} broken={fc['broken']}")
    if fc["direct"]["reused_after_idle"] != args.gaps:
        problems.append(f"the direct client reused its fc connection after only {fc['direct']['reused_after_idle']} "
                        f"of {args.gaps} idle gaps (not kept alive: {fc['direct']['not_kept_alive']})")
    if fc["process_alive"] is False:
        problems.append("the fc process is gone")
    if control["502"] == 0:
        problems.append("the control server showed no 502 through nginx: the test cannot catch the race")
    if control["broken"] == 0:
        problems.append("the control server broke no direct connection: the test cannot catch the race")
    report["pass"] = not problems
    report["problems"] = problems

    print()
    for name, t in report["targets"].items():
        n, d = t["via_nginx"], t["direct"]
        print(f"{name}: calls={t['calls']} ok={t['ok']} 502={t['502']} failed={t['failed']} broken={t['broken']}"
              f"  (via nginx: calls={n['calls']} ok={n['ok']} 502={n['502']} failed={n['failed']};"
              f" direct: calls={d['calls']} ok={d['ok']} broken={d['broken']} failed={d['failed']}"
              f" reused_after_idle={d['reused_after_idle']}; nginx upstream errors: {t['nginx_upstream_errors']})")
        for error, count in t["errors"].items():
            print(f"    {name} {error} (x{count})")
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    print(f"elapsed: {elapsed:.0f} s")
    if problems:
        for problem in problems:
            print(f"FAIL: {problem}")
        return 1
    print(f"PASS: fc answered all {fc['calls']} calls (0 502s, 0 failures, 0 broken connections); "
          f"the control case showed {control['502']} 502s and {control['broken']} broken connections")
    return 0


if __name__ == "__main__":
    sys.exit(main())
