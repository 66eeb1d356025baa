#!/usr/bin/env bash
# The benchmark in one command: installs what it needs, builds fc's examples, the floor,
# fc-echo, the Go server and the peers (bench/peers), then measures fc, floor, go, node
# and python on loopback, and the `http` and `grpc` examples against the same function
# on bare hyper and on tonic's server (bench/bench.py), prints the tables and rewrites
# BENCHMARKS.md.
#
#   bench/run.sh                                                      # the full run
#   BENCH_ROUNDS=1 BENCH_SECONDS=2 BENCH_COLD_STARTS=5 bench/run.sh   # a quick check
#
# Every server listens on a free port and gets traffic on 127.0.0.1 only; every process
# started here is stopped on exit.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
MUSL=x86_64-unknown-linux-musl
export FC_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export BENCH_TARGET_DIR=$BENCH_DIR/target
export BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
PIDFILE=$BENCH_RESULTS/pids

mkdir -p "$BENCH_RESULTS"
: >"$PIDFILE"

MEASURE_PID=
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n $MEASURE_PID ]] && kill -0 "$MEASURE_PID" 2>/dev/null; then
        kill -TERM "$MEASURE_PID" 2>/dev/null || true
        wait "$MEASURE_PID" 2>/dev/null || true
    fi
    # Every server was started as the leader of its own session and process group.
    if [[ -s $PIDFILE ]]; then
        while read -r pgid; do
            [[ -n $pgid ]] && kill -KILL -- "-$pgid" 2>/dev/null || true
        done <"$PIDFILE"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf '\n==> %s\n' "$*" >&2; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "need root to run: $*" >&2
        return 1
    fi
}

APT_UPDATED=
apt_install() {
    if [[ -z $APT_UPDATED ]]; then
        as_root apt-get update -qq
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- tools -----------------------------------------------------------------------------
step "tools"
command -v wrk >/dev/null || apt_install wrk
command -v valgrind >/dev/null || apt_install valgrind
command -v taskset >/dev/null || apt_install util-linux
command -v strip >/dev/null || apt_install binutils
command -v go >/dev/null || apt_install golang-go
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs npm
fi
command -v python3 >/dev/null || apt_install python3
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
(cd "$ROOT" && rustup target list --installed | grep -qx "$MUSL") || (cd "$ROOT" && rustup target add "$MUSL")
echo "wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); node $(node --version); $(go version | cut -d' ' -f3); $(python3 --version); $(cd "$ROOT" && rustc --version)" >&2

# --- servers' dependencies -------------------------------------------------------------
step "node: npm packages"
if [[ -f $BENCH_DIR/node/package-lock.json ]]; then
    (cd "$BENCH_DIR/node" && npm ci --no-audit --no-fund --loglevel=error)
else
    (cd "$BENCH_DIR/node" && npm install --no-audit --no-fund --loglevel=error)
fi

step "python: venv"
VENV=$BENCH_DIR/python/.venv
[[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check -r "$BENCH_DIR/python/requirements.txt"

# --- builds ----------------------------------------------------------------------------
step "build: fc's hello, errors and http, and the grpc example (release)"
(cd "$ROOT" && cargo build --release --bin hello --bin errors --bin http)
(cd "$ROOT" && cargo build --release -p fc-example-grpc)
step "build: fc's hello and events for $MUSL"
(cd "$ROOT" && cargo build --release --target "$MUSL" --bin hello --bin events)
step "build: floor (glibc and $MUSL), fc-echo, fc-context and hello without events ($MUSL)"
(cd "$BENCH_DIR/floor" && CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo build --release)
(cd "$BENCH_DIR/floor" && CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo build --release --target "$MUSL")
(cd "$BENCH_DIR/fc-echo" && CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo build --release)
(cd "$BENCH_DIR/no-events" && CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo build --release --target "$MUSL")
step "build: the peers (axum-hyper, tonic-server, grpc-load)"
(cd "$BENCH_DIR/peers" && CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo build --release)

step "build: the Go server (static)"
# Go's build cache and module path under bench/target when the defaults are not writable.
GO_ENV=(CGO_ENABLED=0)
go_dir_ok() { [[ -n $1 && $1 != off ]] && mkdir -p "$1" 2>/dev/null && [[ -w $1 ]]; }
if ! go_dir_ok "$(go env GOCACHE 2>/dev/null)"; then GO_ENV+=("GOCACHE=$BENCH_TARGET_DIR/go/cache"); fi
if ! go_dir_ok "$(go env GOPATH 2>/dev/null)"; then GO_ENV+=("GOPATH=$BENCH_TARGET_DIR/go/path"); fi
(cd "$BENCH_DIR/go" && env "${GO_ENV[@]}" go build -trimpath -o "$BENCH_TARGET_DIR/go-hello" .)

# --- measure ---------------------------------------------------------------------------
step "measure (BENCH_ROUNDS=${BENCH_ROUNDS:-16}, BENCH_SECONDS=${BENCH_SECONDS:-2}, BENCH_COLD_STARTS=${BENCH_COLD_STARTS:-30})"
python3 "$BENCH_DIR/bench.py" &
MEASURE_PID=$!
wait "$MEASURE_PID"
