#!/usr/bin/env python3
"""Instructions per call: the user-space instructions a server executes per `POST /invoke`,
counted by valgrind's callgrind. Unlike a throughput figure, the count hardly depends on
what else the machine is doing: it repeats to within about 1% for the same binary and
requests (what varies is how often the runtime's threads park and wake; on one CPU, as
the benchmark runs it, tokio starts one worker and the count varies least).

The server runs under callgrind twice, answering `low` and then `high` calls on one
keep-alive connection, and exits (SIGTERM); the difference of the two totals divided by
`high - low` is the cost of one call, without the start and the exit. Kernel time
(the socket reads and writes, the wakeups) is not counted.

    python3 bench/instructions.py --cpus 0 -- target/release/hello
    python3 bench/instructions.py --headers bench/full-headers.txt -- bench/target/release/fc-context

prints `instructions_per_call=…`.
"""

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import coldstart  # noqa: E402

TOTALS = re.compile(rb"^(?:totals|summary):\s+(\d+)", re.MULTILINE)


def read_headers(path):
    """`name: value` lines of a header file (`#` starts a comment line)."""
    pairs = []
    if not path:
        return pairs
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, value = line.partition(":")
            pairs.append((name.strip(), value.strip()))
    return pairs


def requests(body, headers, count=256):
    """Prepared requests, each with its own `x-fc-request-id`, as bench/wrk/invoke.lua makes them."""
    return [coldstart.invoke_request(body, f"bench-1-{k:04d}-5f0c-4e1b-9a7d-2c3e4f5a6b7c", headers)
            for k in range(1, count + 1)]


def count_run(cmd, calls, prepared, cwd=None, pidfile=None, cpus=None):
    """Total instructions of one run of `cmd` under callgrind that answers `calls` calls
    (on `cpus` only, when given)."""
    with tempfile.TemporaryDirectory(prefix="fc-bench-callgrind-") as tmp:
        out_file = os.path.join(tmp, "callgrind.out")
        port = coldstart.free_port()
        vg = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", "--dump-instr=no",
              "--dump-line=no", "--compress-strings=no"]
        log = open(os.path.join(tmp, "valgrind.log"), "wb")
        if cpus:
            vg = ["taskset", "-c", ",".join(map(str, sorted(cpus)))] + vg
        proc = coldstart.spawn(vg + cmd, port, cwd=cwd, stderr=log, pidfile=pidfile)
        try:
            coldstart.wait_ready(port, proc, deadline_s=120, request=prepared[0])
            sock = socket.create_connection(("127.0.0.1", port), timeout=120)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                for i in range(calls):
                    sock.sendall(prepared[i % len(prepared)])
                    status, body = coldstart.read_response(sock)
                    if status != 200:
                        raise RuntimeError(f"{cmd[0]} answered {status}: {body[:200]!r}")
            finally:
                sock.close()
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(120)
        finally:
            coldstart.stop(proc)
            log.close()
        with open(out_file, "rb") as f:
            match = TOTALS.search(f.read())
        if not match:
            raise RuntimeError(f"callgrind wrote no total for {cmd[0]}")
        return int(match.group(1))


def per_call(cmd, body=coldstart.BODY, headers=None, low=500, high=2500, cwd=None, pidfile=None, cpus=None):
    """Instructions per call of `cmd`, and the two totals it comes from."""
    prepared = requests(body, headers or [])
    started = time.time()
    total_low = count_run(cmd, low, prepared, cwd=cwd, pidfile=pidfile, cpus=cpus)
    total_high = count_run(cmd, high, prepared, cwd=cwd, pidfile=pidfile, cpus=cpus)
    return {"per_call": (total_high - total_low) / (high - low), "calls": [low, high],
            "totals": [total_low, total_high], "seconds": time.time() - started}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--low", type=int, default=500)
    parser.add_argument("--high", type=int, default=2500)
    parser.add_argument("--body", default=coldstart.BODY.decode())
    parser.add_argument("--headers", help="a file of extra `name: value` header lines")
    parser.add_argument("--cpus", help="run the server on these CPUs only (e.g. 0), as the benchmark does")
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("give the server's command after --")
    cpus = [int(c) for c in args.cpus.split(",")] if args.cpus else None
    result = per_call(cmd, args.body.encode(), read_headers(args.headers), args.low, args.high, cpus=cpus)
    print(f"instructions_per_call={result['per_call']:.0f} totals={result['totals']} calls={result['calls']}")


if __name__ == "__main__":
    sys.exit(main())
