#!/usr/bin/env python3
"""Cold start: the time from exec to the first successful `POST /invoke` answer.

Spawns the server (in a session of its own, stdout to /dev/null, on a free port given
as FC_SERVER_PORT), then connects to 127.0.0.1 and POSTs in a tight loop until a 200
answer arrives, and records the elapsed time. Repeats, killing the server's whole
session between starts.

    python3 bench/coldstart.py --runs 30 -- target/release/hello

prints one line per start and then `median_ms=… p90_ms=…`.
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time

BODY = b'{"key": "value"}'


def free_port():
    """A TCP port free on every address (the servers bind 0.0.0.0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("0.0.0.0", 0))
        return s.getsockname()[1]


def invoke_request(body=BODY, request_id="cold-start", headers=()):
    """A `POST /invoke` as the platform sends it, with `headers` (name, value) added."""
    head = [
        "POST /invoke HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/octet-stream",
        f"x-fc-request-id: {request_id}",
    ]
    head += [f"{name}: {value}" for name, value in headers]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def read_response(sock):
    """Reads one HTTP/1.1 response with a Content-Length body; returns (status, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response head")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the end of the body")
        rest += chunk
    return status, rest[:length]


def try_invoke(port, request, timeout=60.0):
    """One connect + POST; returns the status, or None when nothing listens yet."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(timeout)
        try:
            sock.connect(("127.0.0.1", port))
        except (ConnectionRefusedError, ConnectionResetError):
            return None
        sock.sendall(request)
        status, _ = read_response(sock)
        return status
    except (ConnectionError, socket.timeout, OSError):
        return None
    finally:
        sock.close()


def wait_ready(port, proc, deadline_s=60.0, request=None):
    """Polls until a 200 answer; returns the seconds it took (from the call)."""
    request = request or invoke_request()
    start = time.perf_counter()
    while True:
        if try_invoke(port, request) == 200:
            return time.perf_counter() - start
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before answering")
        if time.perf_counter() - start > deadline_s:
            raise TimeoutError(f"no 200 answer on port {port} within {deadline_s} s")


def spawn(cmd, port, env=None, cwd=None, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pidfile=None):
    """Starts a server in a session of its own (so its whole tree can be stopped)."""
    full_env = dict(os.environ if env is None else env)
    full_env["FC_SERVER_PORT"] = str(port)
    full_env.pop("FC_CUSTOM_LISTEN_PORT", None)
    proc = subprocess.Popen(cmd, env=full_env, cwd=cwd, stdout=stdout, stderr=stderr,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    if pidfile:
        with open(pidfile, "a") as f:
            f.write(f"{proc.pid}\n")
    return proc


def stop(proc, grace_s=0.0):
    """Stops the server's whole session: SIGTERM (if a grace is given), then SIGKILL."""
    if proc.poll() is None and grace_s > 0:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    # Children that outlived the leader (gunicorn workers) are in the same group.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def cold_start_once(cmd, env=None, cwd=None, pidfile=None):
    port = free_port()
    request = invoke_request()
    start = time.perf_counter()
    proc = spawn(cmd, port, env=env, cwd=cwd, pidfile=pidfile)
    try:
        while True:
            if try_invoke(port, request) == 200:
                elapsed = time.perf_counter() - start
                break
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd[0]} exited with {proc.returncode} before answering")
            if time.perf_counter() - start > 120:
                raise TimeoutError(f"{cmd[0]}: no answer within 120 s")
    finally:
        stop(proc)
    return elapsed


def percentile(values, p):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def cold_starts(cmd, runs, env=None, cwd=None, pidfile=None, warmup=1):
    """Runs `warmup` discarded starts (page cache), then `runs` measured ones (seconds)."""
    for _ in range(warmup):
        cold_start_once(cmd, env=env, cwd=cwd, pidfile=pidfile)
        time.sleep(0.05)
    times = []
    for _ in range(runs):
        times.append(cold_start_once(cmd, env=env, cwd=cwd, pidfile=pidfile))
        time.sleep(0.05)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("give the server's command after --")
    times = cold_starts(cmd, args.runs)
    for t in times:
        print(f"{t * 1000:.3f} ms")
    print(f"median_ms={statistics.median(times) * 1000:.3f} p90_ms={percentile(times, 90) * 1000:.3f}")


if __name__ == "__main__":
    sys.exit(main())
