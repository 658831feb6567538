#!/usr/bin/env bash
# A load run (README, Performance): builds consent-link and examples/load,
# starts `serve` on a fresh SQLite file (or on DATABASE_URL, e.g. a fresh
# PostgreSQL database), registers a test-mode client, and drives FLOWS
# complete Link flows through it, CONCURRENCY end users at once.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/consent-link-target}"
PROFILE="${PROFILE:-release}"
FLOWS="${FLOWS:-2000}"
CONCURRENCY="${CONCURRENCY:-32}"
PORT="${PORT:-3100}"
case "$PROFILE" in
  dev) out="$CARGO_TARGET_DIR/debug" ;;
  *) out="$CARGO_TARGET_DIR/$PROFILE" ;;
esac

cargo build --locked --profile "$PROFILE" --bin consent-link --example load

dir="$(mktemp -d)"
export DATABASE_URL="${DATABASE_URL:-sqlite://$dir/load.db}"
export RUST_LOG="${RUST_LOG:-warn}"
secret="$("$out/consent-link" client create --id "load-$$" --name "Load run" \
  --callback http://127.0.0.1:9/cb --test --json \
  | sed -n 's/.*"client_secret":"\([^"]*\)".*/\1/p')"
"$out/consent-link" serve --bind "127.0.0.1:$PORT" --no-demo >"$dir/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; "$out/consent-link" client delete "load-$$" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done

echo "machine: $(nproc) cores, $(uname -m); $(date -u +%Y-%m-%d); profile $PROFILE; database ${DATABASE_URL%%:*}"
"$out/examples/load" --base "http://127.0.0.1:$PORT" --client "load-$$" --secret "$secret" \
  --flows "$FLOWS" --concurrency "$CONCURRENCY"
