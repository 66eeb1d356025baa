#!/usr/bin/env python3
"""The benchmark's measuring half: run by bench/run.sh once everything is built.

Measures fc's `hello`, the bare-hyper floor, the Go net/http server, the Express server
and the Flask/gunicorn server on loopback (throughput and latency with wrk at 1 and 32
keep-alive connections, in interleaved rounds; cold start; idle and under-load RSS), the
user-space instructions per call of fc and the floor (callgrind), the static binary and
zip sizes of fc, the floor and the Go server, fc's payload echo, error/panic and
full-context rows, and two pairs: the `http` example against the same router on bare
hyper (wrk) and the `grpc` example against the same service on tonic's own server
(grpc-load); prints the tables and writes BENCHMARKS.md and results/results.json.

Environment (all optional):
  BENCH_ROUNDS        interleaved rounds of the throughput runs (default 16)
  BENCH_SECONDS       seconds of each measured wrk run (default 2)
  BENCH_WARMUP        seconds of the wrk warm-up runs (default 1)
  BENCH_COLD_STARTS   measured cold starts per server (default 30)
  BENCH_PIN           1: servers on CPU 0, wrk and the clients on the others (default 1
                      with 2 or more CPUs); 0: no pinning
  BENCH_ONLY          comma-separated subset of fc,floor,go,node,python (default all;
                      the HTTP-function and gRPC pairs run when it holds fc)
  BENCH_PY_WORKERS    gunicorn workers (default: the number of cores)
  BENCH_PY_THREADS    gunicorn threads per worker (default 8)
"""

import atexit
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import coldstart  # noqa: E402
import instructions  # noqa: E402

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
FC_TARGET = os.environ.get("FC_TARGET_DIR") or os.path.join(ROOT, "target")
BENCH_TARGET = os.environ.get("BENCH_TARGET_DIR") or os.path.join(BENCH, "target")
RESULTS = os.environ.get("BENCH_RESULTS") or os.path.join(BENCH, "results")
PIDFILE = os.path.join(RESULTS, "pids")
LUA = os.path.join(BENCH, "wrk", "invoke.lua")
MUSL = "x86_64-unknown-linux-musl"

HEADERS_FILE = os.path.join(BENCH, "full-headers.txt")
HTTP_HEADERS_FILE = os.path.join(BENCH, "http-headers.txt")
GRPC_LOAD = os.path.join(BENCH_TARGET, "release", "grpc-load")

ROUNDS = int(os.environ.get("BENCH_ROUNDS") or 16)
SECONDS = float(os.environ.get("BENCH_SECONDS") or 2)
WARMUP = float(os.environ.get("BENCH_WARMUP") or 1)
COLD_STARTS = int(os.environ.get("BENCH_COLD_STARTS") or 30)
NPROC = os.cpu_count() or 1
PIN = (os.environ.get("BENCH_PIN") or ("1" if NPROC >= 2 else "0")) == "1" and NPROC >= 2
# Pinned: the server under test has CPU 0 to itself; wrk, the cold-start and callgrind
# clients and this script run on the other CPUs, so load and server never share a core.
SERVER_CPUS = {0} if PIN else None
LOAD_CPUS = set(range(1, NPROC)) if PIN else None
WRK_THREADS_32 = max(1, min(len(LOAD_CPUS) if PIN else NPROC, 32))

SERVERS = {
    "fc": {"cmd": [os.path.join(FC_TARGET, "release", "hello")], "cwd": None,
           "what": "fc-rs `hello` example (`target/release/hello`)"},
    "floor": {"cmd": [os.path.join(BENCH_TARGET, "release", "floor")], "cwd": None,
              "what": "bare hyper 1 server (`bench/floor`)"},
    "go": {"cmd": [os.path.join(BENCH_TARGET, "go-hello")], "cwd": None,
           "what": "Go `net/http`, the official SDK's language (`bench/go`)"},
    "node": {"cmd": ["node", os.path.join(BENCH, "node", "server.js")], "cwd": os.path.join(BENCH, "node"),
             "what": "Express, the platform's documented server (`bench/node`)"},
    "python": {"cmd": [os.path.join(BENCH, "python", ".venv", "bin", "gunicorn"), "-c", "gunicorn.conf.py", "app:app"],
               "cwd": os.path.join(BENCH, "python"),
               "what": "Flask under gunicorn, gthread workers (`bench/python`)"},
}
ORDER = ["fc", "floor", "go", "node", "python"]
ONLY = [s.strip() for s in (os.environ.get("BENCH_ONLY") or ",".join(ORDER)).split(",") if s.strip()]

# The pairs: an fc example that serves an HTTP function, and the very same function
# (compiled in from the example, `bench/peers`) served without fc.
# Each peer writes the platform's `FC Invoke Start/End` lines, as a function must; "bare" is
# the same binary without them (`FC_BENCH_CALL_LINES=0`), shown beside it.
HTTP_PAIR = {"fc": [os.path.join(FC_TARGET, "release", "http")],
             "peer": [os.path.join(BENCH_TARGET, "release", "axum-hyper")], "peer_name": "axum-hyper",
             "bare": ["env", "FC_BENCH_CALL_LINES=0", os.path.join(BENCH_TARGET, "release", "axum-hyper")]}
GRPC_PAIR = {"fc": [os.path.join(FC_TARGET, "release", "grpc")],
             "peer": [os.path.join(BENCH_TARGET, "release", "tonic-server")], "peer_name": "tonic-server",
             "bare": ["env", "FC_BENCH_CALL_LINES=0", os.path.join(BENCH_TARGET, "release", "tonic-server")]}
# wrk's request for the HTTP pair: the router's `GET /`, as the platform sends an HTTP call.
HTTP_WRK_ENV = {"WRK_METHOD": "GET", "WRK_PATH": "/", "WRK_HEADERS": HTTP_HEADERS_FILE}

def on_server_cpus(cmd):
    """`cmd`, run on the servers' CPUs when pinning."""
    if not PIN:
        return list(cmd)
    return ["taskset", "-c", ",".join(map(str, sorted(SERVER_CPUS)))] + list(cmd)


LIVE = set()  # servers
LOADERS = set()  # wrk processes


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def cleanup():
    for proc in list(LOADERS):
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        LOADERS.discard(proc)
    for proc in list(LIVE):
        coldstart.stop(proc)
        LIVE.discard(proc)


def on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


# --- processes -----------------------------------------------------------------------

class Server:
    """A server started on a free port, in a session of its own; stopped on exit."""

    def __init__(self, name, cmd, cwd=None, ready_body=coldstart.BODY, ready=None):
        """`ready(port, proc)`, when given, waits for the server instead of a `POST /invoke`."""
        self.port = coldstart.free_port()
        self.stderr = open(os.path.join(RESULTS, f"{name}.stderr"), "ab")
        self.proc = coldstart.spawn(on_server_cpus(cmd), self.port, cwd=cwd, stderr=self.stderr, pidfile=PIDFILE)
        LIVE.add(self.proc)
        if ready is None:
            coldstart.wait_ready(self.port, self.proc, request=coldstart.invoke_request(ready_body))
        else:
            ready(self.port, self.proc)
        self.url = f"http://127.0.0.1:{self.port}/invoke"

    def rss_kb(self):
        return session_rss_kb(self.proc.pid)

    def stop(self):
        coldstart.stop(self.proc, grace_s=2.0)
        LIVE.discard(self.proc)
        self.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def session_processes(sid):
    """(pid, fields of /proc/<pid>/stat after the command name) of every process of the
    session `sid` (a server and its workers)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # Fields after the command name: state ppid pgrp session ... utime stime ...
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid:
            yield entry, fields


def session_rss_kb(sid):
    """VmRSS summed over every process of the session `sid`."""
    total = 0
    for pid, _ in session_processes(sid):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError):
            continue
    return total


def session_cpu_s(sid):
    """User + system CPU seconds of every process of the session `sid`."""
    ticks = sum(int(fields[11]) + int(fields[12]) for _, fields in session_processes(sid))
    return ticks / os.sysconf("SC_CLK_TCK")


def steal_s(cpus):
    """Seconds the hypervisor has given `cpus` (all when None) to others: /proc/stat's steal."""
    total = 0
    with open("/proc/stat") as f:
        for line in f:
            name, *values = line.split()
            if not name.startswith("cpu") or name == "cpu":
                continue
            if cpus is None or int(name[3:]) in cpus:
                total += int(values[7])
    return total / os.sysconf("SC_CLK_TCK")


class RssSampler(threading.Thread):
    def __init__(self, sid, interval=0.1):
        super().__init__(daemon=True)
        self.sid, self.interval = sid, interval
        self.samples = []
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            self.samples.append(session_rss_kb(self.sid))
            self.halt.wait(self.interval)

    def finish(self):
        self.halt.set()
        self.join()
        return {"peak_kb": max(self.samples, default=0),
                "mean_kb": statistics.mean(self.samples) if self.samples else 0,
                "samples": len(self.samples)}


# --- wrk -------------------------------------------------------------------------------

WRK_LINE = re.compile(r"WRK_RESULT (.*)")


def run_loader(cmd, line, timeout_s, env=None):
    """Runs a load client (wrk, grpc-load) to its end within `timeout_s` and returns the
    `key=value` numbers of the result `line` (a regex) it printed, as floats."""
    name = os.path.basename(cmd[0])
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    LOADERS.add(proc)
    try:
        stdout, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        stdout, stderr = "", "timed out"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        LOADERS.discard(proc)
    match = line.search(stdout)
    if not match:
        raise RuntimeError(f"{name} printed no result:\n{stdout}\n{stderr}")
    return {key: float(value) for key, value in (pair.split("=") for pair in match.group(1).split())}


def wrk(url, connections, seconds, env_extra=None, timeout_s=30):
    env = dict(os.environ)
    for key in ("WRK_METHOD", "WRK_PATH", "WRK_BODY", "WRK_BODY_BYTES", "WRK_HEADERS"):
        env.pop(key, None)
    env.update(env_extra or {})
    threads = 1 if connections == 1 else min(WRK_THREADS_32, connections)
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
           "--timeout", f"{timeout_s}s", "-s", LUA, url]
    result = run_loader(cmd, WRK_LINE, seconds + timeout_s + 60, env)
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["socket_errors"] = int(result["connect"] + result["read"] + result["write"] + result["timeout"])
    result["non_2xx"] = int(result["status"])
    return result


def measured_wrk(url, connections, env_extra=None, sampler_sid=None, seconds=None, warmup=True):
    seconds = SECONDS if seconds is None else seconds
    if warmup and WARMUP > 0:
        wrk(url, connections, WARMUP, env_extra)
    sampler = RssSampler(sampler_sid) if sampler_sid else None
    if sampler:
        sampler.start()
    try:
        result = wrk(url, connections, seconds, env_extra)
    finally:
        if sampler:
            result_rss = sampler.finish()
    if sampler:
        result["rss"] = result_rss
    return result


# --- grpc-load -------------------------------------------------------------------------

GRPC_LINE = re.compile(r"GRPC_RESULT (.*)")


def grpc_load(port, streams, seconds, timeout_s=30):
    """`grpc-load PORT STREAMS SECONDS`: unary calls on one HTTP/2 connection, `streams` in
    flight; returns its numbers, with `rps` (calls/s) and `requests` (= calls)."""
    result = run_loader([GRPC_LOAD, str(port), str(streams), f"{seconds:g}"], GRPC_LINE, seconds + timeout_s)
    result["requests"] = result["calls"]
    result["rps"] = result["calls"] / (result["duration_us"] / 1e6) if result["duration_us"] else 0.0
    result["errors"] = int(result["errors"])
    return result


def wait_grpc_ready(port, proc, deadline_s=60.0):
    """Polls until a TCP connect succeeds, then until a short `grpc-load` run answers
    calls without errors (neither gRPC server answers an HTTP/1.1 `POST /invoke`)."""
    start = time.perf_counter()

    def check_alive():
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before answering")
        if time.perf_counter() - start > deadline_s:
            raise TimeoutError(f"no gRPC answer on port {port} within {deadline_s} s")

    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                break
        except OSError:
            check_alive()
            time.sleep(0.01)
    while True:
        try:
            r = grpc_load(port, 1, 0.2)
            if r["calls"] > 0 and r["errors"] == 0:
                return
        except RuntimeError:
            pass
        check_alive()
        time.sleep(0.05)


# --- measurements ----------------------------------------------------------------------

def measure_servers(names):
    """Every server's load runs, in `ROUNDS` interleaved rounds, then each one's cold starts.

    In a round, every server runs at 1 connection, then every server at 32: the runs
    that are compared follow one another within seconds, so that a slow spell of the
    machine falls on all of them rather than on one. The order alternates from round to
    round (fc before the floor, then the floor before fc). Each server gets one warm-up
    run at each connection count before the first round."""
    out = {name: {"rounds": []} for name in names}
    servers = {}
    try:
        for name in names:
            spec = SERVERS[name]
            servers[name] = Server(name, spec["cmd"], spec["cwd"])
            time.sleep(0.5)
            out[name]["idle_rss_kb"] = servers[name].rss_kb()
        if WARMUP > 0:
            log("warm-up runs")
            for name in names:
                for connections in (1, 32):
                    wrk(servers[name].url, connections, WARMUP)
        for r in range(ROUNDS):
            order = names if r % 2 == 0 else names[::-1]
            log(f"round {r + 1}/{ROUNDS}: {', '.join(order)}")
            runs = {name: {} for name in names}
            for conns, connections in (("c1", 1), ("c32", 32)):
                for name in order:
                    server = servers[name]
                    sid = server.proc.pid if connections == 32 else None
                    runs[name][conns] = accounted(server, lambda: measured_wrk(
                        server.url, connections, sampler_sid=sid, warmup=False))
            for name in names:
                out[name]["rounds"].append(runs[name])
    finally:
        for server in servers.values():
            server.stop()
    for name in names:
        rounds = out[name]["rounds"]
        for conns in ("c1", "c32"):
            out[name][conns] = summary([r[conns] for r in rounds])
        out[name]["load_rss_peak_kb"] = max(r["c32"]["rss"]["peak_kb"] for r in rounds)
    # Cold starts are not pinned: a server starting on one CPU with its client pinned to
    # another took about 5 or about 9 ms by turns (the floor as much as fc), where
    # unpinned starts took about 5 ms. They are interleaved too: one start of each server
    # in turn, after one discarded start of each (the page cache).
    if PIN:
        os.sched_setaffinity(0, range(NPROC))
    try:
        log(f"{COLD_STARTS} cold starts of each, in turn")
        for name in names:
            out[name]["cold_times"] = []
        for i in range(COLD_STARTS + 1):
            for name in names:
                spec = SERVERS[name]
                elapsed = coldstart.cold_start_once(spec["cmd"], cwd=spec["cwd"], pidfile=PIDFILE)
                if i > 0:
                    out[name]["cold_times"].append(elapsed)
                time.sleep(0.05)
    finally:
        if PIN:
            os.sched_setaffinity(0, LOAD_CPUS)
    for name in names:
        times = out[name].pop("cold_times")
        out[name]["cold"] = {"median_ms": statistics.median(times) * 1000,
                             "p90_ms": coldstart.percentile(times, 90) * 1000,
                             "min_ms": min(times) * 1000, "max_ms": max(times) * 1000,
                             "runs": len(times)}
    return out


def accounted(server, measure):
    """`measure()`'s run of `server`, with the server's CPU time per call and the steal
    during it (share of the servers' CPUs)."""
    cpu, steal = session_cpu_s(server.proc.pid), steal_s(SERVER_CPUS)
    run = measure()
    run["cpu_us_per_call"] = (session_cpu_s(server.proc.pid) - cpu) / max(run["requests"], 1) * 1e6
    run["steal_pct"] = (steal_s(SERVER_CPUS) - steal) / (run["duration_us"] / 1e6) / (
        len(SERVER_CPUS) if SERVER_CPUS else NPROC) * 100
    return run


def summary(runs):
    """The medians of one server's runs at one level over the rounds, and its failures
    (`errors`: failed gRPC calls, none for wrk's runs)."""
    out = {field: statistics.median(run[field] for run in runs)
           for field in ("rps", "p50_us", "p99_us", "cpu_us_per_call")}
    out.update({field: sum(run.get(field, 0) for run in runs) for field in ("errors", "socket_errors", "non_2xx")})
    return out


def paired_ratios(servers, a, b, conns):
    """fc-style ratios a/b of the throughput, round by round (the two ran minutes apart at most)."""
    ra, rb = servers.get(a, {}).get("rounds"), servers.get(b, {}).get("rounds")
    if not ra or not rb:
        return []
    return [x[conns]["rps"] / y[conns]["rps"] for x, y in zip(ra, rb) if y[conns]["rps"]]


def measure_pair(label, pair, start, load, levels):
    """fc's example against the same function served without fc (`pair["peer"]`, which
    writes the platform's log lines, and `pair["bare"]`, the same without them, when
    given): side by side, one warm-up run of each at each level, then `ROUNDS` interleaved rounds
    as in `measure_servers` (every level in turn, the order alternating from round to
    round). `start(name, cmd)` starts a `Server`; `load(server, n, seconds)` runs the load
    at level `n` (connections or streams) and returns its numbers with `rps`, `requests`,
    `p50_us` and `p99_us`. Returns each side's rounds and medians and the per-round
    fc/peer (and fc/bare) throughput ratios of each level."""
    sides = ("fc", "peer", "bare") if "bare" in pair else ("fc", "peer")
    out = {"peer_name": pair["peer_name"], **{side: {"rounds": []} for side in sides}}
    servers = {}
    try:
        for side in sides:
            servers[side] = start(side, pair[side])
        if WARMUP > 0:
            log(f"{label}: warm-up runs")
            for side in sides:
                for _, n in levels:
                    load(servers[side], n, WARMUP)
        for r in range(ROUNDS):
            order = sides if r % 2 == 0 else sides[::-1]
            names = {"fc": "fc", "peer": pair["peer_name"], "bare": f"{pair['peer_name']} without the lines"}
            log(f"{label}: round {r + 1}/{ROUNDS}: {', '.join(names[s] for s in order)}")
            runs = {side: {} for side in sides}
            for key, n in levels:
                for side in order:
                    server = servers[side]
                    runs[side][key] = accounted(server, lambda: load(server, n, SECONDS))
            for side in sides:
                out[side]["rounds"].append(runs[side])
    finally:
        for server in servers.values():
            server.stop()
    for side in sides:
        rounds = out[side]["rounds"]
        for key, _ in levels:
            out[side][key] = summary([r[key] for r in rounds])
    for name, side in (("ratios", "peer"), ("bare_ratios", "bare")):
        if side in out:
            out[name] = {key: [a[key]["rps"] / b[key]["rps"] for a, b in zip(out["fc"]["rounds"], out[side]["rounds"])
                               if b[key]["rps"]] for key, _ in levels}
    return out


def measure_http_pair():
    """The `http` example (an axum router as fc's HTTP function) against `axum-hyper` (the
    same router on bare hyper): wrk `GET /` with the platform's `x-fc-control-path`, at 1
    and 32 connections. Both answer `POST /invoke` (the router has the route), which is
    how they are found ready."""
    def start(side, cmd):
        return Server("fc-http" if side == "fc" else HTTP_PAIR["peer_name"], cmd)

    def load(server, connections, seconds):
        return wrk(server.url, connections, seconds, HTTP_WRK_ENV)

    return measure_pair("http pair", HTTP_PAIR, start, load, (("c1", 1), ("c32", 32)))


def measure_grpc_pair():
    """The `grpc` example (a tonic service as fc's HTTP function, over h2c) against
    `tonic-server` (the same service on tonic's own server): `grpc-load` unary calls on one
    HTTP/2 connection, 1 and 32 in flight."""
    def start(side, cmd):
        return Server("fc-grpc" if side == "fc" else GRPC_PAIR["peer_name"], cmd, ready=wait_grpc_ready)

    def load(server, streams, seconds):
        return grpc_load(server.port, streams, seconds)

    return measure_pair("grpc pair", GRPC_PAIR, start, load, (("s1", 1), ("s32", 32)))


def instruction_counts(names):
    """User-space instructions per call under callgrind: `hello` and the floor, sent the
    plain request and then every common x-fc-* header; `fc-context` sent every header."""
    headers = instructions.read_headers(HEADERS_FILE)
    hello = [os.path.join(FC_TARGET, "release", "hello")]
    floor = SERVERS["floor"]["cmd"]
    cases = [("fc", hello, None, "fc"), ("floor", floor, None, "floor"),
             ("fc_full_headers", hello, headers, "fc"), ("floor_full_headers", floor, headers, "floor"),
             ("fc_context", [os.path.join(BENCH_TARGET, "release", "fc-context")], headers, "fc")]
    cases = [(label, cmd, extra) for label, cmd, extra, needs in cases if needs in names]
    out = {}
    for label, cmd, extra_headers in cases:
        log(f"callgrind: {label}")
        body = b"{}" if label == "fc_context" else coldstart.BODY
        out[label] = instructions.per_call(cmd, body=body, headers=extra_headers, pidfile=PIDFILE, cpus=SERVER_CPUS)
    return out


def strip_and_zip(name, binary):
    work = os.path.join(RESULTS, "size", name)
    os.makedirs(work, exist_ok=True)
    bootstrap = os.path.join(work, "bootstrap")
    strip = shutil.which("strip")
    if not strip:
        raise RuntimeError("`strip` (binutils) is missing")
    subprocess.run([strip, "-o", bootstrap, binary], check=True)
    os.chmod(bootstrap, 0o755)
    archive = os.path.join(work, "code.zip")
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("bootstrap", date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = (0o100755 & 0xFFFF) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3  # Unix, so the mode is honoured
        with open(bootstrap, "rb") as f:
            z.writestr(info, f.read())
    return {"unstripped": os.path.getsize(binary), "stripped": os.path.getsize(bootstrap),
            "zip": os.path.getsize(archive)}


def sizes():
    out = {}
    for name, binary in (("fc", os.path.join(FC_TARGET, MUSL, "release", "hello")),
                         ("floor", os.path.join(BENCH_TARGET, MUSL, "release", "floor")),
                         ("go", os.path.join(BENCH_TARGET, "go-hello")),  # static (CGO_ENABLED=0)
                         ("fc_no_events", os.path.join(BENCH_TARGET, MUSL, "release", "hello-no-events")),
                         ("fc_events_example", os.path.join(FC_TARGET, MUSL, "release", "events"))):
        if os.path.exists(binary):
            out[name] = strip_and_zip(name, binary)
        else:
            log(f"missing {binary}: no size row for {name}")
    return out


def fc_extras():
    extra = {}
    # Payload echo.
    echo = os.path.join(BENCH_TARGET, "release", "fc-echo")
    log("fc: 6 MiB and 30 MiB echo")
    with Server("fc-echo", [echo]) as server:
        for mib in (6, 30):
            r = measured_wrk(server.url, 1, {"WRK_BODY_BYTES": str(mib * 1024 * 1024)})
            r["mib_per_s"] = r["rps"] * mib
            extra[f"echo_{mib}"] = r
    # Errors and panics against a normal call, after the first.
    log("fc: ok / error / panic calls")
    errors = os.path.join(FC_TARGET, "release", "errors")
    with Server("errors", [errors], ready_body=b'{"mode": "ok"}') as server:
        single = {}
        for label, body in (("ok", b'{"mode": "ok"}'), ("first_panic", b'{"mode": "panic"}'),
                            ("second_panic", b'{"mode": "panic"}'), ("first_error", b'{"mode": "error"}')):
            if label == "first_panic":
                single["rss_before_panic_kb"] = server.rss_kb()
            start = time.perf_counter()
            status = coldstart.try_invoke(server.port, coldstart.invoke_request(body))
            single[label] = {"ms": (time.perf_counter() - start) * 1000, "status": status}
            if label == "first_panic":
                single["rss_after_panic_kb"] = server.rss_kb()
        extra["single_calls"] = single
        for mode in ("ok", "error", "panic"):
            extra[f"mode_{mode}"] = measured_wrk(server.url, 1, {"WRK_BODY": json.dumps({"mode": mode})})
    # A full context read (`fc-context`) against `hello`, both sent every common header.
    log("fc: full context read vs hello")
    for name, binary, body in (("context_full", os.path.join(BENCH_TARGET, "release", "fc-context"), b"{}"),
                               ("hello_full", os.path.join(FC_TARGET, "release", "hello"), coldstart.BODY)):
        with Server(name, [binary], ready_body=body) as server:
            extra[name] = measured_wrk(server.url, 1, {"WRK_HEADERS": HEADERS_FILE, "WRK_BODY": body.decode()})
    return extra


# --- the report ------------------------------------------------------------------------

def sh(cmd, cwd=None):
    try:
        out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=30)
        return (out.stdout.strip() or out.stderr.strip()).splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "not found"


def lock_version(lockfile, package):
    try:
        text = open(lockfile).read()
    except OSError:
        return "?"
    m = re.search(r'name = "%s"\nversion = "([^"]+)"' % re.escape(package), text)
    return m.group(1) if m else "?"


def machine():
    model = "?"
    for line in sh_all(["lscpu"]):
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    venv_py = os.path.join(BENCH, "python", ".venv", "bin", "python")
    express = "?"
    try:
        express = json.load(open(os.path.join(BENCH, "node", "node_modules", "express", "package.json")))["version"]
    except (OSError, ValueError, KeyError):
        pass
    return {
        "nproc": NPROC, "cpu": model, "memory": mem, "kernel": platform.release(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "loadavg_start": open("/proc/loadavg").read().split()[:3],
        "rustc": sh(["rustc", "--version"], cwd=ROOT),
        "node": sh(["node", "--version"]),
        "go": (sh(["go", "version"]).split() + ["?"] * 3)[2],
        "express": express,
        "python": sh([venv_py, "--version"]),
        "gunicorn": sh([os.path.join(BENCH, "python", ".venv", "bin", "gunicorn"), "--version"]),
        "flask": sh([venv_py, "-c", "import importlib.metadata as m; print(m.version('flask'))"]),
        "wrk": sh(["wrk", "-v"]).split(" [")[0],
        "valgrind": sh(["valgrind", "--version"]),
        "hyper (floor)": lock_version(os.path.join(BENCH, "floor", "Cargo.lock"), "hyper"),
        "hyper (fc)": lock_version(os.path.join(ROOT, "Cargo.lock"), "hyper"),
        "hyper (peers)": lock_version(os.path.join(BENCH, "peers", "Cargo.lock"), "hyper"),
        "axum (fc)": lock_version(os.path.join(ROOT, "Cargo.lock"), "axum"),
        "axum (peers)": lock_version(os.path.join(BENCH, "peers", "Cargo.lock"), "axum"),
        "tonic (fc)": lock_version(os.path.join(ROOT, "Cargo.lock"), "tonic"),
        "tonic (peers)": lock_version(os.path.join(BENCH, "peers", "Cargo.lock"), "tonic"),
    }


def sh_all(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.splitlines()
    except OSError:
        return []


def fmt(value, digits=0):
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def mb(kb_or_bytes, unit="kb"):
    if kb_or_bytes is None:
        return None
    return kb_or_bytes * 1024 / 1e6 if unit == "kb" else kb_or_bytes / 1e6


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}"


def ratio_target(label, ratios, limit, against):
    """A target row: the median of the per-round fc/`against` throughput ratios ≥ `limit`."""
    if not ratios:
        return f"| {label} | — | not measured |"
    median = statistics.median(ratios)
    shown = (f"median {median:.3f} × {against} over {len(ratios)} round{'s' if len(ratios) > 1 else ''} "
             f"(each round: {min(ratios):.3f} to {max(ratios):.3f})")
    return f"| {label} | {shown} | {'**met**' if median >= limit else '**not met**'} |"


def pair_table(pair, fc_label, peer_label, unit, level_word, bare_label=None):
    """A pair's table (`measure_pair`): throughput, p50, p99 and server CPU time per call of
    each side at each level, and fc/peer (for throughput: the median of the per-round
    ratios); with the bare peer's column and fc/bare when it was measured. Empty when the
    pair was not measured."""
    if not pair:
        return ""
    levels = [key for key in pair.get("ratios", {}) if key in pair["fc"] and key in pair["peer"]]
    bare = "bare" in pair and bare_label is not None
    head = f"| | {fc_label} | {peer_label} | fc/{pair['peer_name']} |"
    rule = "|---|---:|---:|---:|"
    if bare:
        head += f" {bare_label} | fc/bare |"
        rule += "---:|---:|"
    lines = [head, rule]
    for key in levels:
        n = int(key[1:])
        at = f"{n} {level_word}{'s' if n > 1 else ''}"
        a, b = pair["fc"][key], pair["peer"][key]
        c = pair["bare"][key] if bare else None

        def paired(name):
            ratios = pair.get(name, {}).get(key)
            return f"{statistics.median(ratios):.3f}" if ratios else "—"

        row = f"| Throughput, {at} ({unit}) | {fmt(a['rps'])} | {fmt(b['rps'])} | {paired('ratios')} |"
        lines.append(row + (f" {fmt(c['rps'])} | {paired('bare_ratios')} |" if bare else ""))
        for label, field, digits in (("p50 latency", "p50_us", 0), ("p99 latency", "p99_us", 0),
                                     ("Server CPU time per call", "cpu_us_per_call", 1)):
            row = (f"| {label}, {at} (µs) | {fmt(a[field], digits)} | {fmt(b[field], digits)} | "
                   f"{ratio(a[field], b[field])} |")
            lines.append(row + (f" {fmt(c[field], digits)} | {ratio(a[field], c[field])} |" if bare else ""))

    def per_round(name):
        return "; ".join(f"{int(key[1:])} {level_word}{'s' if int(key[1:]) > 1 else ''}: "
                         + ", ".join(f"{x:.3f}" for x in pair[name][key]) for key in levels)

    lines += ["", f"fc/{pair['peer_name']} throughput round by round (the throughput rows give their median): "
                  f"{per_round('ratios')}."]
    if bare:
        lines += ["", f"fc/bare, round by round: {per_round('bare_ratios')}."]
    return "\n".join(lines)


def pair_warnings(pair, what, level_word):
    """Warning lines for a pair's failed calls (socket errors, non-2xx answers, gRPC errors)."""
    out = []
    for side in ("fc", "peer", "bare"):
        if side not in pair:
            continue
        name = {"fc": what, "peer": f"`{pair.get('peer_name')}`", "bare": f"`{pair.get('peer_name')}` without the lines"}[side]
        for key in (pair.get("ratios") or {}):
            r = pair.get(side, {}).get(key)
            if r and (r["errors"] or r["socket_errors"] or r["non_2xx"]):
                failed = (f"{r['errors']} failed calls" if r["errors"] else
                          f"{r['socket_errors']} socket errors, {r['non_2xx']} non-2xx answers")
                out.append(f"- {name} at {key[1:]} {level_word}: {failed}")
    return out


def render(results):
    servers = results["servers"]
    size = results["sizes"]
    extra = results.get("fc_extra", {})
    http_pair, grpc_pair = results.get("http_pair") or {}, results.get("grpc_pair") or {}
    m = results["machine"]

    def get(name, path):
        node = servers.get(name)
        for key in path:
            if node is None:
                return None
            node = node.get(key) if isinstance(node, dict) else None
        return node

    rows = [
        ("Throughput, 1 connection (req/s)", lambda n: get(n, ["c1", "rps"]), 0),
        ("p50 latency, 1 connection (µs)", lambda n: get(n, ["c1", "p50_us"]), 0),
        ("p99 latency, 1 connection (µs)", lambda n: get(n, ["c1", "p99_us"]), 0),
        ("Throughput, 32 connections (req/s)", lambda n: get(n, ["c32", "rps"]), 0),
        ("p50 latency, 32 connections (µs)", lambda n: get(n, ["c32", "p50_us"]), 0),
        ("p99 latency, 32 connections (µs)", lambda n: get(n, ["c32", "p99_us"]), 0),
        ("Server CPU time per call, 32 connections (µs)", lambda n: get(n, ["c32", "cpu_us_per_call"]), 1),
        ("Cold start, median (ms)", lambda n: get(n, ["cold", "median_ms"]), 2),
        ("Cold start, p90 (ms)", lambda n: get(n, ["cold", "p90_ms"]), 2),
        ("Idle RSS (MB)", lambda n: mb(get(n, ["idle_rss_kb"])), 2),
        ("RSS under load, peak at 32 conns (MB)", lambda n: mb(get(n, ["load_rss_peak_kb"])), 2),
        ("User-space instructions per call (callgrind)",
         lambda n: (results.get("instructions", {}).get(n) or {}).get("per_call"), 0),
        ("… the same, sent every common x-fc-* header",
         lambda n: (results.get("instructions", {}).get(f"{n}_full_headers") or {}).get("per_call"), 0),
        ("Stripped static binary: musl, Go without cgo (MB)", lambda n: mb(size.get(n, {}).get("stripped"), "b"), 3),
        ("Zipped `bootstrap` (MB)", lambda n: mb(size.get(n, {}).get("zip"), "b"), 3),
    ]
    others = [n for n in ORDER if n != "fc"]
    lines = ["| | " + " | ".join(ORDER) + " | " + " | ".join(f"fc/{o}" for o in others) + " |",
             "|---|" + "---:|" * (len(ORDER) + len(others))]
    for label, getter, digits in rows:
        vals = {n: getter(n) for n in ORDER}
        lines.append(f"| {label} | " + " | ".join(fmt(vals[n], digits) for n in ORDER) + " | "
                     + " | ".join(ratio(vals["fc"], vals[o]) for o in others) + " |")
    main_table = "\n".join(lines)

    fc_lines = []
    if extra:
        fc_lines = ["| fc alone | value |", "|---|---:|"]
        for mib in (6, 30):
            r = extra.get(f"echo_{mib}")
            if r:
                fc_lines.append(f"| Echo {mib} MiB, 1 connection | {r['rps']:.1f} req/s, {r['mib_per_s']:.0f} MiB/s each way, "
                                f"p50 {r['p50_us'] / 1000:.2f} ms |")
        ok = extra.get("mode_ok")
        for mode in ("ok", "error", "panic"):
            r = extra.get(f"mode_{mode}")
            if r:
                diff = "" if mode == "ok" else f", {(r['mean_us'] - ok['mean_us']) / 1000:+.3f} ms against ok"
                fc_lines.append(f"| `errors` mode {mode}: mean latency, 1 connection, after warm-up | "
                                f"{r['mean_us'] / 1000:.3f} ms (p99 {r['p99_us'] / 1000:.3f} ms){diff} |")
        single = extra.get("single_calls")
        if single:
            fc_lines.append(f"| First panic ever / second panic / an ok call, each on a new connection | "
                            f"{single['first_panic']['ms']:.2f} ms / {single['second_panic']['ms']:.2f} ms / "
                            f"{single['ok']['ms']:.2f} ms |")
            if "rss_after_panic_kb" in single:
                fc_lines.append(f"| RSS before / after the first panic | {single['rss_before_panic_kb'] / 1024:.2f} MB / "
                                f"{single['rss_after_panic_kb'] / 1024:.2f} MB |")
        cf, hf = extra.get("context_full"), extra.get("hello_full")
        counts = results.get("instructions", {})
        ci, hi = counts.get("fc_context"), counts.get("fc_full_headers")
        if cf and hf:
            fc_lines.append(f"| Full context read (`fc-context`: every accessor), every common x-fc-* header, 1 connection | "
                            f"{cf['mean_us'] / 1000:.3f} ms mean, {cf['rps']:,.0f} req/s |")
            fc_lines.append(f"| `hello` sent the same headers, 1 connection | {hf['mean_us'] / 1000:.3f} ms mean, "
                            f"{hf['rps']:,.0f} req/s; the full read costs {(cf['mean_us'] - hf['mean_us']) / 1000:+.3f} ms |")
        if ci and hi:
            fc_lines.append(f"| The same two under callgrind: instructions per call | `fc-context` {ci['per_call']:,.0f}, "
                            f"`hello` {hi['per_call']:,.0f}: the full read costs {ci['per_call'] - hi['per_call']:+,.0f} |")
    with_events, without = size.get("fc", {}).get("stripped"), size.get("fc_no_events", {}).get("stripped")
    if with_events and without:
        if not fc_lines:
            fc_lines = ["| fc alone | value |", "|---|---:|"]
        fc_lines.append(f"| Stripped musl `hello` with the default `events` feature / without it | {with_events:,} / "
                        f"{without:,} bytes: {with_events - without:+,} for the event types a function does not use |")
        example = size.get("fc_events_example", {}).get("stripped")
        if example:
            fc_lines.append(f"| Stripped musl `events` example (an OSS trigger's function) | {example:,} bytes |")
    fc_table = "\n".join(fc_lines)

    def target(label, value, limit, ok, shown):
        if value is None or limit is None:
            return f"| {label} | — | — | not measured |"
        return f"| {label} | {shown} | {'**met**' if ok else '**not met**'} |"

    def throughput_target(conns, label):
        return ratio_target(label, paired_ratios(servers, "fc", "floor", conns), 0.95, "floor")

    fc_cold, fl_cold = get("fc", ["cold", "median_ms"]), get("floor", ["cold", "median_ms"])
    fc_size = size.get("fc", {}).get("stripped")
    fc_idle = get("fc", ["idle_rss_kb"])
    panic_diff = None
    if extra.get("mode_panic") and extra.get("mode_ok"):
        panic_diff = (extra["mode_panic"]["mean_us"] - extra["mode_ok"]["mean_us"]) / 1000
    targets = ["| target | measured | status |", "|---|---|---|"]
    targets.append(throughput_target("c1", "Throughput ≥ 0.95 × floor, 1 connection"))
    targets.append(throughput_target("c32", "Throughput ≥ 0.95 × floor, 32 connections"))
    targets.append(target("Cold start median ≤ 1.25 × floor", fc_cold, fl_cold,
                          fc_cold is not None and fl_cold and fc_cold <= 1.25 * fl_cold,
                          f"{fc_cold:.2f} ms = {fc_cold / fl_cold:.3f} × floor ({fl_cold:.2f} ms)" if fc_cold and fl_cold else ""))
    targets.append(target("Stripped musl `hello` ≤ 1.3 MB (1,300,000 bytes)", fc_size, 1,
                          fc_size is not None and fc_size <= 1_300_000, f"{fc_size:,} bytes" if fc_size else ""))
    targets.append(target("Idle RSS ≤ 4 MB (4,000,000 bytes)", fc_idle, 1,
                          fc_idle is not None and fc_idle * 1024 <= 4_000_000,
                          f"{fc_idle * 1024:,} bytes ({fc_idle:,} KiB)" if fc_idle else ""))
    targets.append(target("A panicking call ≤ 2 ms slower than a normal one (after the first)", panic_diff, 1,
                          panic_diff is not None and panic_diff <= 2.0,
                          f"{panic_diff:+.3f} ms mean" if panic_diff is not None else ""))
    for key, pair, limit, label in (
            ("c1", http_pair, 0.97, "HTTP function throughput ≥ 0.97 × the same router on bare hyper, 1 connection"),
            ("c32", http_pair, 0.97, "HTTP function throughput ≥ 0.97 × the same router on bare hyper, 32 connections"),
            ("s1", grpc_pair, 0.95, "gRPC unary calls/s ≥ 0.95 × tonic's own server, 1 stream"),
            ("s32", grpc_pair, 0.95, "gRPC unary calls/s ≥ 0.95 × tonic's own server, 32 streams on one connection")):
        targets.append(ratio_target(label, (pair.get("ratios") or {}).get(key, []), limit, pair.get("peer_name", "")))
    targets_table = "\n".join(targets)

    rounds_lines = []
    fc_rounds, floor_rounds = get("fc", ["rounds"]), get("floor", ["rounds"])
    if fc_rounds and floor_rounds:
        rounds_lines = ["| round | fc, 1 conn | floor, 1 conn | fc/floor | fc, 32 conns | floor, 32 conns | fc/floor "
                        "| steal during these four runs |",
                        "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for i, (a, b) in enumerate(zip(fc_rounds, floor_rounds), 1):
            steal = [run[c].get("steal_pct", 0) for run in (a, b) for c in ("c1", "c32")]
            rounds_lines.append(f"| {i} | {a['c1']['rps']:,.0f} | {b['c1']['rps']:,.0f} | {a['c1']['rps'] / b['c1']['rps']:.3f} | "
                                f"{a['c32']['rps']:,.0f} | {b['c32']['rps']:,.0f} | {a['c32']['rps'] / b['c32']['rps']:.3f} | "
                                f"{min(steal):.0f}–{max(steal):.0f}% |")
        quiet = [(a, b) for a, b in zip(fc_rounds, floor_rounds)
                 if all(run[c].get("steal_pct", 0) < 5 for run in (a, b) for c in ("c1", "c32"))]
        rounds_lines.append("")
        if quiet:
            c1 = statistics.median(a["c1"]["rps"] / b["c1"]["rps"] for a, b in quiet)
            c32 = statistics.median(a["c32"]["rps"] / b["c32"]["rps"] for a, b in quiet)
            rounds_lines.append(f"Over the {len(quiet)} rounds whose four runs all had less than 5% steal, the median "
                                f"fc/floor is {c1:.3f} at 1 connection and {c32:.3f} at 32 (the targets use every round).")
        else:
            rounds_lines.append("No round had less than 5% steal in all four of its runs.")
    rounds_table = "\n".join(rounds_lines)

    warnings = []
    for name in ORDER:
        for conns in ("c1", "c32"):
            r = get(name, [conns])
            if r and (r["socket_errors"] or r["non_2xx"]):
                warnings.append(f"- {name} at {conns[1:]} connection(s): {r['socket_errors']} socket errors, "
                                f"{r['non_2xx']} non-2xx answers")
    for key in ("echo_6", "echo_30", "mode_ok", "context_full", "hello_full"):
        r = extra.get(key)
        if r and (r["socket_errors"] or r["non_2xx"]):
            warnings.append(f"- fc {key}: {r['socket_errors']} socket errors, {r['non_2xx']} non-2xx answers")
    warnings += pair_warnings(http_pair, "the `http` example", "connection(s)")
    warnings += pair_warnings(grpc_pair, "the `grpc` example", "stream(s)")

    short = SECONDS < 2 or COLD_STARTS < 30 or ROUNDS < 16
    cfg = results["config"]
    return {"main": main_table, "fc": fc_table, "targets": targets_table, "rounds": rounds_table, "warnings": warnings,
            "http_pair": pair_table(http_pair, "fc `http`", "axum on bare hyper", "req/s", "connection",
                                    "… without the log lines"),
            "grpc_pair": pair_table(grpc_pair, "fc `grpc`", "tonic's server", "calls/s", "stream",
                                    "… without the log lines"),
            "short": short, "machine": m, "config": cfg}


NOTES_MARKER = "<!-- Everything below this line is kept when bench/run.sh rewrites this file. -->"


def write_markdown(r, path):
    m = r["machine"]
    cfg = r["config"]
    note = ""
    if r["short"]:
        note = (f"\n> **Short run** ({cfg['rounds']} rounds of {cfg['seconds']:g} s per wrk run, {cfg['cold_starts']} cold "
                f"starts; load average {' '.join(m['loadavg_start'])} at the start). These numbers only show that the "
                f"harness works; the reference numbers come from a full run (`bench/run.sh` with its defaults) on a "
                f"quiet machine.\n")
    warn = ""
    if r["warnings"]:
        warn = "\n### Warnings\n\n" + "\n".join(r["warnings"]) + "\n"
    if cfg.get("pinned"):
        pinning = (f"the servers run on CPU {','.join(map(str, cfg['server_cpus']))} (`taskset`), wrk and the clients on "
                   f"CPU {','.join(map(str, cfg['load_cpus']))}: load and server never share a core, and each server "
                   f"sees one CPU (tokio starts one worker, gunicorn's workers share it). Cold starts are not pinned.")
    else:
        pinning = "nothing is pinned (`BENCH_PIN=0`, or a single CPU): wrk shares the cores with the server."
    kept = ""
    try:
        with open(path) as f:
            old = f.read()
        if NOTES_MARKER in old:
            kept = old[old.index(NOTES_MARKER) + len(NOTES_MARKER):].strip("\n")
    except OSError:
        pass
    pairs = ""
    if r["http_pair"]:
        pairs += f"""
### HTTP functions: the `http` example against the same router on bare hyper

`GET /` of the `http` example's axum router (`"hello from axum"`), sent as the platform sends
an HTTP function's call (`x-fc-control-path: /http-invoke`), to fc (`target/release/http`) and to
`axum-hyper` (`bench/peers`: the very same router, compiled in from `examples/http.rs`, on
hyper 1's HTTP/1.1 server, with the `FC Invoke Start/End` lines the platform requires of
every call written by a tower layer, one locked write each, as the floor writes them). The
last two columns are the same peer without those lines. Medians over the rounds.

{r['http_pair']}
"""
    if r["grpc_pair"]:
        pairs += f"""
### gRPC: the `grpc` example against the same service on tonic's own server

Unary `helloworld.Greeter/SayHello` calls from `grpc-load` (`bench/peers`) on one HTTP/2
cleartext connection, 1 or 32 in flight, to fc (`target/release/grpc`, h2c) and to
`tonic-server` (`bench/peers`: the very same service, compiled in from `examples/grpc`, on
tonic's transport server, with the same tower layer of log lines). The last two columns are
the same peer without them. Medians over the rounds.

{r['grpc_pair']}
"""
    rounds = ""
    if r["rounds"]:
        rounds = f"""
### fc and the floor, round by round (req/s)

{r['rounds']}
"""
    text = f"""# Benchmarks

fc-rs against what it competes with, measured side by side in one run on one machine:

- **fc**: the `hello` example (`examples/hello.rs`, release build);
- **floor**: a bare hyper 1 server (`bench/floor`) doing only what the protocol demands of
  `POST /invoke`: read the body, parse `{{"key": String}}`, build `"hello, <key>!"`, write
  the `FC Invoke Start/End` lines (one locked write each), answer 200 with `x-fc-status: 200`,
  with its header names made at compile time and its log lines built without formatting;
- **go**: a plain Go `net/http` server (`bench/go`; Go is the language of the platform's
  official SDK) doing the same work with the standard library only (`encoding/json`,
  `fmt`), no timeouts, built static (`CGO_ENABLED=0`);
- **node**: the Express server of the platform's documentation (`bench/node`, express
  pinned), `server.timeout = 0` and `keepAliveTimeout = 0` as the docs set them;
- **python**: Flask under gunicorn with gthread workers (`bench/python`, pinned;
  {os.environ.get('BENCH_PY_WORKERS') or NPROC} workers × {os.environ.get('BENCH_PY_THREADS') or 8} threads, keep-alive 24 h).

## Running it

```sh
bench/run.sh                                                      # the full run
BENCH_ROUNDS=1 BENCH_SECONDS=2 BENCH_COLD_STARTS=5 bench/run.sh   # a quick check that the harness works
```

It installs what is missing (wrk, valgrind and Go from Debian's packages, the musl target,
the npm and PyPI packages into `bench/node/node_modules` and `bench/python/.venv`), builds
`hello`, `errors`, `http` and the `grpc` example in the workspace, `hello` for `{MUSL}`,
`bench/floor`, `bench/fc-echo` and `bench/peers` (their own packages, built into
`bench/target`) and `bench/go` (into `bench/target/go-hello`), then measures, prints the
tables, and rewrites this file (the notes at its end are kept). Raw numbers:
`bench/results/results.json`. A full run takes about 12 minutes of measuring, plus the
builds the first time (4–5 minutes). Settings: `BENCH_ROUNDS` (default 16),
`BENCH_SECONDS` (each measured wrk run, default 2), `BENCH_WARMUP` (the wrk warm-up
runs, default 1), `BENCH_COLD_STARTS` (default 30), `BENCH_PIN` (default 1),
`BENCH_ONLY` (e.g. `fc,floor`; such a partial run writes `bench/results/BENCHMARKS.md`
instead of this file), `BENCH_PY_WORKERS`, `BENCH_PY_THREADS`.

How each number is taken:
- Pinning: {pinning}
- Throughput and latency: wrk on 127.0.0.1 over keep-alive connections, `bench/wrk/invoke.lua`
  posting `{{"key": "value"}}` as `application/octet-stream` with an `x-fc-request-id`;
  1 connection (1 wrk thread) and 32 connections ({WRK_THREADS_32} wrk thread{'s' if WRK_THREADS_32 > 1 else ''}). The servers
  run side by side; after one warm-up run of each, they are measured in {cfg['rounds']}
  rounds of {cfg['seconds']:g} s runs. A round runs every server at 1 connection, then every
  server at 32, in the order {', '.join(ORDER)} and then reversed in the next
  round: the runs compared follow one another within seconds, so that a slow spell of
  the machine falls on all of them rather than on one. The table gives each server's
  median over the rounds; the throughput targets take fc/floor round by round and then
  the median of those ratios. Every server's stdout goes to `/dev/null`.
- Server CPU time per call: the user + system CPU time of the server's processes during
  a 32-connection run, divided by the calls it answered (median over the rounds); in the
  two pairs below, at each connection or stream count.
- Steal: the share of the servers' CPU that the hypervisor gave to other guests during a
  run (`/proc/stat`); rounds with steal are the noisy ones.
- Instructions per call: `bench/instructions.py` runs the server under valgrind's
  callgrind twice (on the servers' CPU when pinned), answering 500 and then 2,500 calls
  on one keep-alive connection, and divides the difference of the totals by 2,000. It
  counts user-space instructions only (not the kernel's socket work), and gives the same
  count whatever else the machine is doing (on one CPU it repeats to within 0.1%): it is
  the number to compare when throughput differences are within the noise.
- Cold start: `bench/coldstart.py` spawns the server and connects + POSTs in a tight loop
  until the first 200 answer; exec to that answer. One discarded start of each server,
  then the measured ones, one start of each server in turn; median and p90 (nearest rank).
- Idle RSS: VmRSS summed over the server's session (gunicorn's master and workers, node),
  0.5 s after the first successful `/invoke`, before any load. Under load: the peak of
  that sum sampled every 100 ms during the 32-connection runs. RSS is measured on the
  glibc release build; sizes on the musl one.
- Sizes: the `{MUSL}` release binary (Go's: its static `CGO_ENABLED=0` build) stripped
  with `strip`, then as `bootstrap` (mode 0755) in a deflate zip. MB = 10⁶ bytes throughout.
- fc alone: `fc-echo` (`#[fc::handler] async fn echo(body: Vec<u8>) -> Vec<u8>`) at
  1 connection; `target/release/errors` with modes ok / error / panic, mean latency at 1
  connection after a warm-up (so not the first panic), and the first panic timed alone;
  `fc-context` (an async handler that reads every accessor of its context) against
  `hello`, both sent every common `x-fc-*` header (`bench/full-headers.txt`).
- HTTP functions: what fc adds to an HTTP function over serving the same application
  without it. fc's `http` example (an axum router as the HTTP function) and `axum-hyper`
  (`bench/peers`: that very router on hyper 1's HTTP/1.1 server, keep-alive, with the
  `FC Invoke Start/End` lines that the platform requires of every call, which a function
  served without fc must write too: a tower layer, one locked write a line, as the floor
  writes them) run side by side on the servers' CPU, with a third server beside them, the
  same peer without the lines (`FC_BENCH_CALL_LINES=0`); wrk sends `GET /` with the
  platform's `x-fc-control-path: /http-invoke` (`bench/http-headers.txt`) and an
  `x-fc-request-id`, at 1 and 32 connections, in {cfg['rounds']} interleaved rounds after one
  warm-up run of each, as above (fc first, then fc last in the next round). All are found
  ready by a `POST /invoke` (the router has that route); no cold starts. Medians over the
  rounds; the ratio and the target are fc/axum-hyper round by round, then the median.
- gRPC: the same for a gRPC service. fc's `grpc` example (tonic's `Greeter` as the HTTP
  function, HTTP/2 cleartext) and `tonic-server` (`bench/peers`: that very service on tonic's
  transport server, with the same layer of log lines; and again without it). The load is `grpc-load` (`bench/peers`, an h2 client on the load CPUs):
  unary `SayHello` calls on one HTTP/2 connection with 1 or 32 calls in flight for
  {cfg['seconds']:g} s, each with an `x-fc-request-id` and `x-fc-control-path`; a call counts when it
  brings a reply and `grpc-status: 0`. Calls/s = calls / the run's duration; p50/p99 from
  grpc-load's own per-call times. Ready when a TCP connect succeeds and a 0.2 s grpc-load run
  answers without errors. Same rounds, ratios and medians as the HTTP pair.

## Results
{note}
Machine: {m['nproc']} cores, {m['cpu']}, {m['memory']} memory, Linux {m['kernel']}; load average at the start {' '.join(m['loadavg_start'])}.
Versions: {m['rustc']}; {m.get('go', '?')}; node {m['node']} with express {m['express']}; {m['python']} with Flask {m['flask']} and {m['gunicorn']}; {m['wrk']}; {m['valgrind']}; hyper {m['hyper (fc)']} (fc), {m['hyper (floor)']} (floor), {m.get('hyper (peers)', '?')} (peers); axum {m.get('axum (fc)', '?')} (fc), {m.get('axum (peers)', '?')} (peers); tonic {m.get('tonic (fc)', '?')} (fc), {m.get('tonic (peers)', '?')} (peers).
Date: {m['date']}. Settings: {cfg['rounds']} rounds of {cfg['seconds']:g} s wrk runs after one {cfg['warmup']:g} s warm-up run of each server, {cfg['cold_starts']} cold starts per server.

Ratios are fc's value divided by the other's: above 1 is better for throughput, worse for
everything else.

{r['main']}

{r['fc']}
{rounds}{pairs}{warn}
## Targets

{r['targets']}

{NOTES_MARKER}
"""
    if kept:
        text += "\n" + kept + "\n"
    with open(path, "w") as f:
        f.write(text)


def main():
    os.makedirs(RESULTS, exist_ok=True)
    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if PIN:
        # This script and everything it starts (wrk, the clients) stay off the servers' CPUs.
        os.sched_setaffinity(0, LOAD_CPUS)
    results = {"config": {"rounds": ROUNDS, "seconds": SECONDS, "warmup": WARMUP, "cold_starts": COLD_STARTS,
                          "wrk_threads_32": WRK_THREADS_32, "pinned": PIN,
                          "server_cpus": sorted(SERVER_CPUS) if PIN else None,
                          "load_cpus": sorted(LOAD_CPUS) if PIN else None},
               "machine": machine(), "servers": {}, "sizes": {}}
    started = time.time()
    names = [name for name in ORDER if name in ONLY]
    results["servers"] = measure_servers(names)
    results["instructions"] = instruction_counts(names)
    results["sizes"] = sizes()
    if "fc" in ONLY:
        results["fc_extra"] = fc_extras()
        results["http_pair"] = measure_http_pair()
        results["grpc_pair"] = measure_grpc_pair()
    results["machine"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    results["elapsed_s"] = time.time() - started
    with open(os.path.join(RESULTS, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    r = render(results)
    print("\n" + r["main"] + "\n\n" + r["fc"] + "\n")
    if r["warnings"]:
        print("Warnings:\n" + "\n".join(r["warnings"]) + "\n")
    for key in ("http_pair", "grpc_pair"):
        if r[key]:
            print(r[key] + "\n")
    print("Targets:\n" + r["targets"] + "\n")
    complete = all(name in ONLY for name in ORDER)
    out = os.environ.get("BENCH_MARKDOWN") or os.path.join(ROOT if complete else RESULTS, "BENCHMARKS.md")
    write_markdown(r, out)
    log(f"measured in {results['elapsed_s']:.0f} s; wrote {out} and {os.path.join(RESULTS, 'results.json')}")


if __name__ == "__main__":
    main()
