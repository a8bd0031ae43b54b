#!/usr/bin/env bash
# Policy decision API latency: wrk over loopback against `probity serve` (release, embedded
# SQLite), closed loop, in one run:
#   1. GET /healthz (the server's floor: routing, no auth, no store);
#   2. POST /api/v1/decisions/trivial (`allow := true`: auth, policy read, a ledger append);
#   3. POST /api/v1/decisions/deploy-gate (a deploy gate with three reasons over the input);
#   4. a control test run (POST /api/v1/control-tests/{id}/input, 100 runs in a row): the
#      evaluation time the run records (`duration_us`), in a child process per run (the default
#      `assurance.rego_isolation = "process"`) and, after a restart, on a thread of the server.
# The difference 2 - 1 is the decision path without Rego; 3 - 2 is what a simple policy adds.
# Every decision is appended to the tenant's ledger (group commit), so latency includes a
# durable write.
#
# Usage: bash bench/decision.sh
# Knobs: BENCH_BIN (a built probity; skips the build), BENCH_DURATION (10s), BENCH_THREADS (2),
#   BENCH_CONNECTIONS (16).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DURATION=${BENCH_DURATION:-10s}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -z "${BENCH_BIN:-}" ]; then
    echo "==> building probity (release) into $TARGET_DIR"
    cargo build --release -p probity
fi
PROBITY_BIN=${BENCH_BIN:-$TARGET_DIR/release/probity}
command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/probity-decision.XXXXXX")
PID=""
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
P() { env -u PROBITY_TEST_DATABASE_URL -u PROBITY_CONFIG PROBITY_LOG=warn "$PROBITY_BIN" --data-dir "$WORK/data" "$@"; }

P tenant create --slug bench --name Bench >/dev/null
TOKEN=$(P token create --tenant bench --role admin --name bench | tail -1)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
BASE=http://127.0.0.1:$PORT
env -u PROBITY_TEST_DATABASE_URL -u PROBITY_CONFIG PROBITY_LOG=warn \
    "$PROBITY_BIN" --data-dir "$WORK/data" serve --bind "127.0.0.1:$PORT" >"$WORK/probity.log" 2>&1 &
PID=$!
wait_up() {
    for _ in $(seq 1 300); do
        curl -fs -o /dev/null --max-time 2 "$BASE/healthz" && break
        sleep 0.2
    done
}
wait_up

put_policy() {
    python3 - "$1" "$2" "$3" > "$WORK/policy.json" <<'PY'
import json, sys
print(json.dumps({"title": sys.argv[2], "rego": open(sys.argv[3]).read()}))
PY
    curl -fsS -o /dev/null -X PUT "$BASE/api/v1/decision-policies/$1" \
        -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        --data-binary @"$WORK/policy.json"
}
cat > "$WORK/trivial.rego" <<'REGO'
package probity.decisions.trivial
import rego.v1

allow := true
REGO
cat > "$WORK/gate.rego" <<'REGO'
package probity.decisions.deploy
import rego.v1

default allow := false

allow if count(reasons) == 0

reasons contains "the change has no approval" if input.approvals < 1

reasons contains "the tests did not pass" if not input.tests_passed

reasons contains msg if {
    some f in input.files
    startswith(f, "infra/prod/")
    not input.change_ticket
    msg := sprintf("%s changes production without a change ticket", [f])
}
REGO
put_policy trivial "Always allow" "$WORK/trivial.rego"
put_policy deploy-gate "Deploy gate" "$WORK/gate.rego"

BODY='{"approvals":1,"tests_passed":true,"files":["src/main.rs","infra/prod/db.tf"],"change_ticket":"CHG-1042"}'
curl -fsS -X POST "$BASE/api/v1/decisions/deploy-gate" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d "$BODY" | grep -q '"allow":true'
cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$BODY'
LUA
run() { # name, path, [script]
    local out
    if [ -n "${3:-}" ]; then
        out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$3" "$BASE$2")
    else
        out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$BASE$2")
    fi
    if echo "$out" | grep -q "Non-2xx"; then
        echo "$out" >&2
        echo "error: $1 answered non-2xx responses" >&2
        exit 1
    fi
    local rps p50 p90 p99
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p90=$(echo "$out" | awk '$1=="90%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    printf '| %s | %s | %s | %s | %s |\n' "$1" "$rps" "$p50" "$p90" "$p99"
}
echo "==> warm-up"
wrk -t1 -c4 -d2s -s "$WORK/post.lua" "$BASE/api/v1/decisions/deploy-gate" >/dev/null
echo
echo "| Path ($CONNECTIONS connections, $DURATION) | req/s | p50 | p90 | p99 |"
echo "|---|---:|---:|---:|---:|"
run "GET /healthz (floor)" /healthz
run "POST /api/v1/decisions/trivial" /api/v1/decisions/trivial "$WORK/post.lua"
run "POST /api/v1/decisions/deploy-gate" /api/v1/decisions/deploy-gate "$WORK/post.lua"

# 4. Control test runs: process per run, then thread.
ccm() { # label
    python3 - "$BASE" "$TOKEN" "$1" <<'PY'
import json, statistics, sys, urllib.request
base, token, label = sys.argv[1:4]
def call(method, path, body):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
rego = """package probity.tests.mfa
import rego.v1

deny contains msg if {
    some user in input.users
    not user.mfa
    msg := sprintf("user %s has no MFA", [user.email])
}
"""
key = "mfa-" + label
test = call("POST", "/api/v1/control-tests", {"key": key, "title": key, "control_ids": ["IAM-09"], "rego": rego})
users = [{"email": f"u{i}@example.com", "mfa": i % 10 != 0} for i in range(200)]
durations = []
for _ in range(100):
    run = call("POST", f"/api/v1/control-tests/{test['id']}/input", {"users": users})
    assert run["result"] == "fail", run
    durations.append(run["duration_us"] / 1000)
durations.sort()
print("| control test run, %s | %.1f ms | %.1f ms | %.1f ms |" % (
    label, statistics.median(durations), durations[89], durations[98]))
PY
}
echo
echo "| Control test evaluation (200 users, 100 runs) | p50 | p90 | p99 |"
echo "|---|---:|---:|---:|"
ccm process
kill "$PID"; wait "$PID" 2>/dev/null || true
env -u PROBITY_TEST_DATABASE_URL -u PROBITY_CONFIG PROBITY_LOG=warn PROBITY_ASSURANCE__REGO_ISOLATION=thread \
    "$PROBITY_BIN" --data-dir "$WORK/data" serve --bind "127.0.0.1:$PORT" >>"$WORK/probity.log" 2>&1 &
PID=$!
wait_up
ccm thread
