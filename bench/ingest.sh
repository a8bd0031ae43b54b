#!/usr/bin/env bash
# Audit ingest over loopback, against `probity serve` (release, embedded SQLite):
#   1. HTTP batch ingest: 8 clients posting JSON arrays of 1,000 events to
#      /api/v1/audit/events:batch as fast as answers come (closed loop);
#   2. single-event POST /api/v1/audit/events: 64 clients in a closed loop (the ceiling);
#   3. single-event POST at half that rate on a fixed schedule (open loop: latency is measured
#      from when each request was due, so a slow server cannot hide its queueing);
#   4. the in-process ledger append rate from the same data directory right after
#      (`probity ledger append --count`, no HTTP), as the baseline the HTTP numbers compare to.
# After each of 1-3 the script waits until the search projection has indexed the run's events
# and reports the rate over the run plus that wait: an event counts once it is searchable.
# The load generator is crates/probity/examples/ingest_load.rs (release).
#
# Usage: bash bench/ingest.sh
# Knobs: BENCH_BIN / BENCH_LOAD (already built binaries; skip the build), BENCH_SECONDS (15),
#   BENCH_APPEND (events for the in-process run, 200000).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SECONDS_PER_RUN=${BENCH_SECONDS:-15}
APPEND=${BENCH_APPEND:-200000}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -z "${BENCH_BIN:-}" ] || [ -z "${BENCH_LOAD:-}" ]; then
    echo "==> building probity and the load generator (release) into $TARGET_DIR"
    cargo build --release -p probity --bin probity --example ingest_load
fi
PROBITY_BIN=${BENCH_BIN:-$TARGET_DIR/release/probity}
LOAD_BIN=${BENCH_LOAD:-$TARGET_DIR/release/examples/ingest_load}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/probity-ingest.XXXXXX")
PID=""
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
P() { env -u PROBITY_TEST_DATABASE_URL -u PROBITY_CONFIG PROBITY_LOG=warn "$PROBITY_BIN" --data-dir "$WORK/data" "$@"; }

P tenant create --slug bench --name Bench >/dev/null
TOKEN=$(P token create --tenant bench --role contributor --name load | tail -1)
AUDITOR=$(P token create --tenant bench --role auditor --name lag | tail -1)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
BASE=http://127.0.0.1:$PORT
env -u PROBITY_TEST_DATABASE_URL -u PROBITY_CONFIG PROBITY_LOG=warn \
    "$PROBITY_BIN" --data-dir "$WORK/data" serve --bind "127.0.0.1:$PORT" >"$WORK/probity.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do
    curl -fs -o /dev/null --max-time 2 "$BASE/healthz" && break
    sleep 0.2
done
curl -fsS -o /dev/null "$BASE/healthz"

load() { "$LOAD_BIN" --url "$BASE" --token "$TOKEN" --seconds "$SECONDS_PER_RUN" "$@"; }
# How far the search projection has got (entries below it are searchable).
indexed() {
    curl -fsS -H "Authorization: Bearer $AUDITOR" "$BASE/api/v1/audit/events?limit=1" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["indexed_through"])'
}
# A run's events are only ingested once they are searchable too: after the run, wait for the
# projection to reach them and report the rate over the run and that wait together.
run() {
    local before out events start waited
    before=$(indexed)
    out=$(load "$@")
    echo "    $out"
    events=$(echo "$out" | sed -E 's/.* ok=([0-9]+) .*/\1/')
    events=$((events * $(echo "$out" | sed -E 's/.* batch=([0-9]+) .*/\1/')))
    secs=$(echo "$out" | sed -E 's/.* seconds=([0-9.]+) .*/\1/')
    start=$(date +%s.%N)
    while [ "$(indexed)" -lt $((before + events)) ]; do sleep 0.05; done
    waited=$(python3 -c "print('%.2f' % ($(date +%s.%N) - $start))")
    python3 -c "print('    searchable %.2f s after the run ended: %d events in %.2f s = %.0f events/s indexed' % ($waited, $events, $secs + $waited, $events / ($secs + $waited)))"
    LAST="$out"
}
echo "==> warm-up"
"$LOAD_BIN" --url "$BASE" --token "$TOKEN" --seconds 2 --mode closed --concurrency 8 --batch 100 >/dev/null
echo "==> 1. batch ingest (8 clients, 1,000 events per request)"
run --mode closed --concurrency 8 --batch 1000
echo "==> 2. single events, closed loop (64 clients)"
run --mode closed --concurrency 64 --batch 1
HALF=$(echo "$LAST" | sed -E 's/.* req\/s=([0-9]+) .*/\1/' | awk '{printf "%d", $1 / 2}')
echo "==> 3. single events, open loop at $HALF req/s (half the closed-loop rate)"
run --mode open --rate "$HALF" --batch 1
RSS=$(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' "/proc/$PID/status")
echo "    server peak RSS (VmHWM): $RSS"
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""

echo "==> 4. in-process ledger append, $APPEND events (probity ledger append, same data directory)"
P tenant create --slug inproc --name InProc >/dev/null
START=$(date +%s.%N)
P ledger append --tenant inproc --kind data.accessed --count "$APPEND" \
    --json '{"event_type":"data.accessed","category":"data_access","severity":"low","actor":{"type":"service","id":"svc-1","name":"Billing"},"action":"read","resource":{"type":"invoice","id":"inv-1"},"message":"invoice read by the billing export"}' >/dev/null
END=$(date +%s.%N)
python3 -c "print('    in-process: %d events in %.2f s = %.0f events/s' % ($APPEND, $END-$START, $APPEND/($END-$START)))"
