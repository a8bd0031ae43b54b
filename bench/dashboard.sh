#!/usr/bin/env bash
# Web page benchmark: server time of the executive dashboard on the demo tenant, next to
# baselines in the same run. Starts `probity serve --demo` (release, fresh SQLite data dir),
# signs in as the demo admin through the API (session cookie), then runs one connection at a
# time (wrk -t1 -c1, so the numbers are the server's time per request, not queueing) against:
#   1. `GET /healthz` (no session, no store: the HTTP floor),
#   2. `GET /api/v1/auth/me` (the session lookup every page does),
#   3. `GET /` (the dashboard: every context's widget),
#   4. `GET /reports` (catalog, history, schedules).
# Prints a markdown table with p50/p90/p95/p99 (p95 from wrk's Lua latency object).
#
# Usage: bash bench/dashboard.sh      Knobs: BENCH_DURATION (10s), BENCH_WARMUP (2s),
#   BENCH_BIN (an already built release binary; skips the build).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

if [ -n "${BENCH_BIN:-}" ]; then
    PROBITY_BIN=$BENCH_BIN
else
    echo "==> building probity (release) into $TARGET_DIR"
    cargo build --release -p probity
    PROBITY_BIN=$TARGET_DIR/release/probity
fi
command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/probity-dash.XXXXXX")
PID=""
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
BASE=http://127.0.0.1:$PORT
env -u PROBITY_TEST_DATABASE_URL -u PROBITY_CONFIG PROBITY_LOG=warn \
    "$PROBITY_BIN" serve --demo --data-dir "$WORK/data" --bind "127.0.0.1:$PORT" >"$WORK/probity.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do
    curl -fsS -o /dev/null --max-time 2 "$BASE/healthz" && break
    sleep 0.2
done
curl -fsS -o /dev/null "$BASE/healthz"
# The demo is seeded before the listener answers; give the ledger task a moment to catch up.
sleep 3

curl -fsS -c "$WORK/jar" -o /dev/null -H 'content-type: application/json' \
    -d '{"email":"admin@demo.probity.test","password":"demo-probity-2026"}' "$BASE/api/v1/auth/login"
# HttpOnly cookies are written as `#HttpOnly_<domain>` lines in curl's jar.
COOKIE=$(sed 's/^#HttpOnly_//' "$WORK/jar" | awk '!/^#/ && NF >= 7 {printf "%s%s=%s", sep, $6, $7; sep="; "}')
[ -n "$COOKIE" ] || { echo "error: sign-in gave no session cookie" >&2; exit 1; }
status=$(curl -sS -o "$WORK/dash.html" -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE/")
[ "$status" = 200 ] || { echo "error: GET / answered $status" >&2; exit 1; }
grep -q 'Risk heat map' "$WORK/dash.html" || { echo "error: the dashboard has no risk widget" >&2; exit 1; }

cat >"$WORK/session.lua" <<LUA
wrk.headers["Cookie"] = "$COOKIE"
done = function(summary, latency, requests)
  io.write(string.format("P95 %.2fms\n", latency:percentile(95) / 1000))
end
LUA
cat >"$WORK/plain.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("P95 %.2fms\n", latency:percentile(95) / 1000))
end
LUA

ROWS=()
run() { # label, path, lua
    local label=$1 url=$BASE$2 script=$3 out
    wrk -t1 -c1 -d"$WARMUP" -s "$script" "$url" >/dev/null
    out=$(wrk -t1 -c1 -d"$DURATION" --latency -s "$script" "$url")
    echo "$out" | sed 's/^/    /'
    local rps p50 p90 p95 p99 non2xx
    rps=$(echo "$out" | awk '/^Requests\/sec:/ {printf "%.0f", $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p90=$(echo "$out" | awk '$1 == "90%" {print $2}')
    p95=$(echo "$out" | awk '$1 == "P95" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx or 3xx responses:/ {print $NF}')
    ROWS+=("| $label | $rps | $p50 | $p90 | $p95 | $p99 | ${non2xx:-0} |")
}
run "\`GET /healthz\` (baseline: HTTP floor)" /healthz "$WORK/plain.lua"
run "\`GET /api/v1/auth/me\` (baseline: session lookup)" /api/v1/auth/me "$WORK/session.lua"
run "\`GET /\` dashboard" / "$WORK/session.lua"
run "\`GET /reports\`" /reports "$WORK/session.lua"

echo
echo "## Web pages, demo tenant ($(date -u +%Y-%m-%d), $(nproc) cores)"
echo
echo "wrk -t1 -c1 -d$DURATION --latency after a $WARMUP warm-up; one request at a time."
echo
echo "| target | req/s | p50 | p90 | p95 | p99 | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for row in "${ROWS[@]}"; do echo "$row"; done
