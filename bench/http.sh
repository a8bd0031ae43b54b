#!/usr/bin/env bash
# HTTP benchmark: wrk over loopback against
#   1. a bare axum hello-world (bench/hello, the framework baseline),
#   2. probity `GET /healthz`,
#   3. probity `GET /api/v1/members` with a viewer API token (the authenticated list path),
# all in the same run, plus the VmRSS of `probity serve` when idle after start and after the load.
# Prints a markdown table (copy it into docs/BENCHMARKS.md).
#
# Usage: bash bench/http.sh
# Knobs (environment): BENCH_DURATION (default 10s), BENCH_THREADS (2), BENCH_CONNECTIONS (32),
#   BENCH_WARMUP (default 2s, not recorded), BENCH_IDLE_SECS (seconds idle before the RSS reading, 5).
#
# Loopback only; every request loop is bounded by wrk's -d; both servers are killed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

DURATION=${BENCH_DURATION:-10s}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
WARMUP=${BENCH_WARMUP:-2s}
IDLE_SECS=${BENCH_IDLE_SECS:-5}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
HELLO_TARGET_DIR=$ROOT/bench/hello/target

echo "==> building probity (release) into $TARGET_DIR"
cargo build --release -p probity
echo "==> building bench/hello (release, its own workspace and target dir)"
cargo build --release --manifest-path bench/hello/Cargo.toml --target-dir "$HELLO_TARGET_DIR"
PROBITY_BIN=$TARGET_DIR/release/probity
HELLO_BIN=$HELLO_TARGET_DIR/release/probity-bench-hello

if ! command -v wrk >/dev/null 2>&1; then
    echo "==> installing wrk (apt)"
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
command -v curl >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/probity-bench.XXXXXX")
HELLO_PID=""
PROBITY_PID=""
cleanup() {
    for pid in $PROBITY_PID $HELLO_PID; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in $PROBITY_PID $HELLO_PID; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_http() { # url, what
    for _ in $(seq 1 100); do
        if curl -fsS -o /dev/null --max-time 2 "$1"; then return 0; fi
        sleep 0.2
    done
    echo "error: $2 did not answer at $1 within 20 s" >&2
    return 1
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

HELLO_PORT=$(free_port)
"$HELLO_BIN" "$HELLO_PORT" >"$WORK/hello.log" 2>&1 &
HELLO_PID=$!
PROBITY_PORT=$(free_port)
DATA_DIR=$WORK/data
mkdir -p "$DATA_DIR"
# Only the variables probity reads; PROBITY_TEST_DATABASE_URL and friends from a CI shell are dropped.
env -u PROBITY_TEST_DATABASE_URL -u PROBITY_CONFIG PROBITY_LOG=warn \
    "$PROBITY_BIN" serve --demo --data-dir "$DATA_DIR" --bind "127.0.0.1:$PROBITY_PORT" >"$WORK/probity.log" 2>&1 &
PROBITY_PID=$!

wait_http "http://127.0.0.1:$HELLO_PORT/" "hello"
wait_http "http://127.0.0.1:$PROBITY_PORT/healthz" "probity"

TOKEN=$(env -u PROBITY_TEST_DATABASE_URL -u PROBITY_CONFIG \
    "$PROBITY_BIN" token create --tenant demo --role viewer --name bench --data-dir "$DATA_DIR" 2>/dev/null)
case "$TOKEN" in
    prb_*) ;;
    *) echo "error: token create did not print a prb_ token" >&2; exit 1 ;;
esac
LIST_URL="http://127.0.0.1:$PROBITY_PORT/api/v1/members"
status=$(curl -sS -o "$WORK/members.json" -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $TOKEN" "$LIST_URL")
if [ "$status" != 200 ]; then
    echo "error: GET /api/v1/members with the viewer token answered $status:" >&2
    cat "$WORK/members.json" >&2
    exit 1
fi

sleep "$IDLE_SECS"
RSS_IDLE=$(rss_kb "$PROBITY_PID")
HELLO_RSS_IDLE=$(rss_kb "$HELLO_PID")

# wrk header file via a tiny Lua script, so the token does not show in `ps`.
cat >"$WORK/auth.lua" <<EOF
wrk.headers["Authorization"] = "Bearer $TOKEN"
EOF

ROWS=()
run_wrk() { # label, url, [lua script]
    local label=$1 url=$2 script=${3:-} out
    local args=(-t"$THREADS" -c"$CONNECTIONS" --latency)
    [ -n "$script" ] && args+=(-s "$script")
    echo "==> $label: warm-up $WARMUP"
    wrk "${args[@]}" -d"$WARMUP" "$url" >/dev/null
    echo "==> $label: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $url"
    out=$(wrk "${args[@]}" -d"$DURATION" "$url")
    echo "$out" | sed 's/^/    /'
    local rps p50 p75 p90 p99 non2xx errors
    rps=$(echo "$out" | awk '/^Requests\/sec:/ {printf "%.0f", $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p75=$(echo "$out" | awk '$1 == "75%" {print $2}')
    p90=$(echo "$out" | awk '$1 == "90%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx or 3xx responses:/ {print $NF}')
    errors=$(echo "$out" | awk '/Socket errors:/ {sub(/^ *Socket errors: */, ""); print}')
    ROWS+=("| $label | $rps | $p50 | $p75 | $p90 | $p99 | ${non2xx:-0} | ${errors:-none} |")
}

run_wrk "axum hello-world \`GET /\` (baseline)" "http://127.0.0.1:$HELLO_PORT/"
run_wrk "probity \`GET /healthz\`" "http://127.0.0.1:$PROBITY_PORT/healthz"
run_wrk "probity \`GET /api/v1/members\` (viewer token)" "$LIST_URL" "$WORK/auth.lua"

sleep 2
RSS_AFTER=$(rss_kb "$PROBITY_PID")
RSS_PEAK=$(awk '/^VmHWM:/ {print $2}' "/proc/$PROBITY_PID/status")
HELLO_RSS_AFTER=$(rss_kb "$HELLO_PID")
MEMBERS=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d.get("items", d) if isinstance(d, dict) else d))' "$WORK/members.json" 2>/dev/null || echo "?")

echo
echo "## HTTP over loopback ($(date -u +%Y-%m-%d), $(nproc) cores, $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}'))"
echo
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (after a $WARMUP warm-up); wrk and the server share the same cores."
echo "The members list returned $MEMBERS item(s)."
echo
echo "| target | req/s | p50 | p75 | p90 | p99 | non-2xx | socket errors |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for row in "${ROWS[@]}"; do echo "$row"; done
echo
echo "| process | VmRSS idle (${IDLE_SECS} s after start) | VmRSS after the load (+2 s) | VmHWM (peak) |"
echo "|---|---:|---:|---:|"
echo "| probity serve --demo (SQLite, jobs on) | $(mb "$RSS_IDLE") MB | $(mb "$RSS_AFTER") MB | $(mb "$RSS_PEAK") MB |"
echo "| axum hello-world | $(mb "$HELLO_RSS_IDLE") MB | $(mb "$HELLO_RSS_AFTER") MB | – |"
