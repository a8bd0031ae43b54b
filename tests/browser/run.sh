#!/usr/bin/env bash
# Runs the browser smoke test: installs headless Chromium (Debian's package) and playwright-core
# when missing, starts `probity serve --demo` on a free port with a temporary data directory,
# runs smoke.mjs against it, and stops the server. Screenshots go to $SMOKE_SCREENSHOTS
# (default: a temporary directory, printed at the end). The variables are SMOKE_* because the
# server refuses PROBITY_* variables it does not know.
#   bash tests/browser/run.sh            # builds the debug binary first
#   SMOKE_BIN=target/release/probity bash tests/browser/run.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

if [ ! -x /usr/bin/chromium ]; then
    echo "installing chromium from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y chromium
fi
if ! command -v pdftoppm >/dev/null 2>&1; then
    echo "installing poppler-utils (pdftoppm) from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y poppler-utils
fi
if [ ! -d "$HERE/node_modules/playwright-core" ]; then
    echo "installing playwright-core into tests/browser/node_modules"
    (cd "$HERE" && npm install --no-save --no-audit --no-fund --no-package-lock playwright-core@1)
fi

if [ -z "${SMOKE_BIN:-}" ]; then
    (cd "$ROOT" && cargo build -p probity)
    SMOKE_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug/probity
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/probity-browser.XXXXXX")
SHOTS=${SMOKE_SCREENSHOTS:-$WORK/screenshots}
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK/data"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
BASE=http://127.0.0.1:$PORT
env -u PROBITY_TEST_DATABASE_URL PROBITY_LOG=warn \
    "$SMOKE_BIN" serve --demo --data-dir "$WORK/data" --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for i in $(seq 1 120); do
    if curl -fsS -o /dev/null --max-time 2 "$BASE/healthz" 2>/dev/null; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null || [ "$i" = 120 ]; then
        echo "error: probity serve did not answer $BASE/healthz; its log:" >&2
        cat "$WORK/server.log" >&2
        exit 1
    fi
    sleep 0.5
done

set +e
SMOKE_URL=$BASE SMOKE_SCREENSHOTS=$SHOTS node "$HERE/smoke.mjs"
RC=$?
set -e
if [ "$RC" != 0 ]; then
    echo "server log (last 30 lines):" >&2
    tail -n 30 "$WORK/server.log" >&2 || true
fi
echo "screenshots: $SHOTS"
exit "$RC"
