#!/usr/bin/env bash
# Keep-alive tests: proves the runtime never causes the reverse-proxy keep-alive 502 race
# (a proxy reuses a pooled connection the upstream has just closed), with nginx in front,
# and shows that a control server which does break connections that way gets caught.
# Then the early answer: an HTTP function (the `http` example) that answers 413 before
# reading an 8 MiB body that nginx sends whole; nginx must pass on the 413, not a 502.
# Meanwhile, a WebSocket through nginx (the `websocket` example and the `ws-probe`
# client): echoes both ways across an idle gap longer than the idle timeouts it must not
# have.
#
#   scripts/keepalive/run.sh [quick|soak]
#
#   quick (default, CI, about 2 minutes after the build): 3 idle gaps of 35 s, bursts of 50
#   soak: 20 idle gaps of 40 s, bursts of 200 (about 14 minutes)
#
# It installs nginx if missing (Debian package), builds the `hello` example and the
# `race-server` control (release), starts both on free loopback ports, starts nginx in
# the foreground with a generated config (nginx.conf.template: a keep-alive upstream pool
# per server, HTTP/1.1, `proxy_next_upstream off`), and runs client.py against both:
# through nginx, and directly over one keep-alive connection left idle for > 30 s.
#
# Environment:
#   KEEPALIVE_REPORT=path        also write the summary as JSON there
#   KEEPALIVE_GAPS, KEEPALIVE_GAP_SECONDS, KEEPALIVE_BURST   override the mode's numbers
#   KEEPALIVE_SKIP_BUILD=1       use the binaries already in target/release
#   KEEPALIVE_KEEP_TMP=1         keep the temp dir (logs, nginx config) even on success
#   RACE_IDLE_MS                 the control server's idle threshold (default 1000)
#
# Exit 0 only if the fc function answered every call (0 502s, 0 failures, 0 broken
# connections) and the control showed at least one 502 and one broken connection.
# Everything runs on 127.0.0.1; every process started here is stopped on exit.

set -euo pipefail

mode=${1:-quick}
case "$mode" in
    quick) gaps=3 gap_seconds=35 burst=50 ;;
    soak) gaps=20 gap_seconds=40 burst=200 ;;
    -h | --help)
        sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "usage: $0 [quick|soak]" >&2
        exit 2
        ;;
esac
gaps=${KEEPALIVE_GAPS:-$gaps}
gap_seconds=${KEEPALIVE_GAP_SECONDS:-$gap_seconds}
burst=${KEEPALIVE_BURST:-$burst}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

say() { printf '[%s] keepalive: %s\n' "$(date +%H:%M:%S)" "$*"; }
die() {
    printf 'keepalive: FAIL: %s\n' "$*" >&2
    exit 1
}

command -v python3 >/dev/null || die "python3 is required"

# --- nginx -------------------------------------------------------------------------------
find_nginx() {
    command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}
nginx_bin=$(find_nginx)
if [ -z "$nginx_bin" ]; then
    say "installing nginx"
    sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || die "nginx is missing and installing it needs root or sudo"
        sudo="sudo"
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx >/dev/null
    nginx_bin=$(find_nginx)
    [ -n "$nginx_bin" ] || die "nginx is still missing after apt-get install"
fi
say "using $("$nginx_bin" -v 2>&1)"

# --- build -------------------------------------------------------------------------------
cd "$root"
if [ "${KEEPALIVE_SKIP_BUILD:-0}" != 1 ]; then
    say "building hello, http, websocket, ws-probe and race-server (release)"
    cargo build --release --bin hello --bin http --bin websocket --bin ws-probe --bin race-server
fi
target_dir=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
fc_bin=$target_dir/release/hello
race_bin=$target_dir/release/race-server
http_bin=$target_dir/release/http
ws_bin=$target_dir/release/websocket
probe_bin=$target_dir/release/ws-probe
[ -x "$http_bin" ] || die "$http_bin is missing (build it, or unset KEEPALIVE_SKIP_BUILD)"
[ -x "$ws_bin" ] || die "$ws_bin is missing (build it, or unset KEEPALIVE_SKIP_BUILD)"
[ -x "$probe_bin" ] || die "$probe_bin is missing (build it, or unset KEEPALIVE_SKIP_BUILD)"
[ -x "$fc_bin" ] || die "$fc_bin is missing (build it, or unset KEEPALIVE_SKIP_BUILD)"
[ -x "$race_bin" ] || die "$race_bin is missing (build it, or unset KEEPALIVE_SKIP_BUILD)"

# --- processes ---------------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keepalive.XXXXXX")
pids=()
status=1
cleanup() {
    local pid
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "$status" = 0 ] && [ "${KEEPALIVE_KEEP_TMP:-0}" != 1 ]; then
        rm -rf "$tmp"
    else
        echo "keepalive: logs and config kept in $tmp" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Eight free loopback ports: the fc function, the control, the HTTP function, the
# WebSocket function, and nginx in front of each.
read -r fc_port control_port nginx_fc_port nginx_control_port http_port nginx_http_port ws_port nginx_ws_port < <(python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(8)]
for s in socks:
    s.bind(("127.0.0.1", 0))
ports = [s.getsockname()[1] for s in socks]
# Release them before saying which they are: the servers start as soon as this is read.
for s in socks:
    s.close()
print(*ports, flush=True)
EOF
)

wait_port() { # name pid port
    local _
    for _ in $(seq 300); do
        kill -0 "$2" 2>/dev/null || die "$1 exited at startup (see $tmp)"
        if (exec 3<>"/dev/tcp/127.0.0.1/$3") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    die "$1 is not listening on 127.0.0.1:$3 after 30 s"
}

# The runtime reads FC_CUSTOM_LISTEN_PORT before FC_SERVER_PORT: make sure ours counts.
env -u FC_CUSTOM_LISTEN_PORT FC_SERVER_PORT="$fc_port" RUST_LOG=info "$fc_bin" >"$tmp/fc.log" 2>&1 &
fc_pid=$!
pids+=("$fc_pid")
env FC_SERVER_PORT="$control_port" "$race_bin" >"$tmp/control.log" 2>&1 &
pids+=("$!")
env -u FC_CUSTOM_LISTEN_PORT FC_SERVER_PORT="$http_port" "$http_bin" >"$tmp/http.log" 2>&1 &
http_pid=$!
pids+=("$http_pid")
env -u FC_CUSTOM_LISTEN_PORT FC_SERVER_PORT="$ws_port" "$ws_bin" >"$tmp/websocket.log" 2>&1 &
ws_pid=$!
pids+=("$ws_pid")
wait_port "the fc function" "$fc_pid" "$fc_port"
wait_port "the HTTP function" "$http_pid" "$http_port"
wait_port "the WebSocket function" "$ws_pid" "$ws_port"
wait_port "the control server" "${pids[1]}" "$control_port"

user_line=""
if [ "$(id -u)" = 0 ]; then
    user_line="user root;" # workers as root can write the temp dir; loopback only
fi
for dir in client_body proxy fastcgi uwsgi scgi; do
    mkdir -p "$tmp/$dir"
done
sed -e "s|@DIR@|$tmp|g" -e "s|@USER@|$user_line|" -e "s|@FC_PORT@|$fc_port|" \
    -e "s|@CONTROL_PORT@|$control_port|" -e "s|@NGINX_FC_PORT@|$nginx_fc_port|" \
    -e "s|@NGINX_CONTROL_PORT@|$nginx_control_port|" -e "s|@HTTP_PORT@|$http_port|" \
    -e "s|@NGINX_HTTP_PORT@|$nginx_http_port|" -e "s|@WS_PORT@|$ws_port|" \
    -e "s|@NGINX_WS_PORT@|$nginx_ws_port|" \
    "$here/nginx.conf.template" >"$tmp/nginx.conf"
"$nginx_bin" -t -q -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/error.log" || die "bad nginx config $tmp/nginx.conf"
"$nginx_bin" -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/error.log" >"$tmp/nginx.out" 2>&1 &
nginx_pid=$!
pids+=("$nginx_pid")
wait_port nginx "$nginx_pid" "$nginx_fc_port"
wait_port nginx "$nginx_pid" "$nginx_control_port"
wait_port nginx "$nginx_pid" "$nginx_http_port"
wait_port nginx "$nginx_pid" "$nginx_ws_port"
say "fc (hello) on 127.0.0.1:$fc_port, nginx -> fc on 127.0.0.1:$nginx_fc_port;" \
    "control (race-server) on 127.0.0.1:$control_port, nginx -> control on 127.0.0.1:$nginx_control_port"

# --- workload ----------------------------------------------------------------------------
report_args=()
if [ -n "${KEEPALIVE_REPORT:-}" ]; then
    report_args=(--report "$KEEPALIVE_REPORT")
fi
# The WebSocket probe runs beside the keep-alive workload: idle for as long as one gap.
"$probe_bin" "ws://127.0.0.1:$nginx_ws_port/ws" "$gap_seconds" >"$tmp/ws-probe.log" 2>&1 &
probe_pid=$!
pids+=("$probe_pid")
set +e
python3 "$here/client.py" --mode "$mode" --gaps "$gaps" --gap-seconds "$gap_seconds" --burst "$burst" \
    --fc-port "$fc_port" --control-port "$control_port" \
    --nginx-fc-port "$nginx_fc_port" --nginx-control-port "$nginx_control_port" \
    --nginx-error-log "$tmp/error.log" --fc-pid "$fc_pid" "${report_args[@]}" &
client_pid=$!
pids+=("$client_pid")
wait "$client_pid" # in the background, so that a signal stops the run at once
status=$?
set -e

if [ "$status" != 0 ]; then
    echo "--- nginx error log (last 20 lines) ---" >&2
    tail -n 20 "$tmp/error.log" >&2 || true
    echo "--- fc log (last 20 lines) ---" >&2
    tail -n 20 "$tmp/fc.log" >&2 || true
    echo "keepalive: FAIL (details above)" >&2
    exit 1
fi
say "control server: $(grep -c 'closing without an answer' "$tmp/control.log" || true) connections broken on purpose"

# --- a WebSocket through nginx ----------------------------------------------------------
if ! wait "$probe_pid"; then
    status=1
    cat "$tmp/ws-probe.log" >&2
    tail -n 20 "$tmp/websocket.log" >&2 || true
    die "the WebSocket through nginx failed"
fi
say "$(cat "$tmp/ws-probe.log")"

# --- an early answer through nginx -----------------------------------------------------
# axum's default body limit (2 MB) answers 413 to an 8 MiB POST without reading it;
# nginx has sent the whole body first. Every answer must be that 413, none a 502, and the
# pooled connections must go on serving.
say "early answer: 8 MiB POSTs through nginx to an HTTP function that refuses them unread"
if ! python3 - "$nginx_http_port" <<'EOF'
import http.client, sys
port = int(sys.argv[1])
body = b"x" * (8 << 20)
statuses = []
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
for _ in range(5):
    conn.request("POST", "/echo", body=body, headers={"content-type": "application/octet-stream"})
    answer = conn.getresponse()
    answer.read()
    statuses.append(answer.status)
conn.request("GET", "/")
answer = conn.getresponse()
text = answer.read()
print(f"early answer: statuses {statuses}, then GET / {answer.status} {text!r}")
sys.exit(0 if statuses == [413] * 5 and answer.status == 200 and text == b"hello from axum" else 1)
EOF
then
    status=1
    tail -n 20 "$tmp/error.log" >&2 || true
    die "the early answer did not reach the caller through nginx"
fi
say "PASS"
exit 0
