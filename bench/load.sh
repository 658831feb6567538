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
# A port the system says is free, unless PORT is given.
PORT="${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 3100)}"
case "$PROFILE" in
  dev) out="$CARGO_TARGET_DIR/debug" ;;
  *) out="$CARGO_TARGET_DIR/$PROFILE" ;;
esac

cargo build --locked --profile "$PROFILE" --bin consent-link --example load

dir="$(mktemp -d)"
export DATABASE_URL="${DATABASE_URL:-sqlite://$dir/load.db}"
export RUST_LOG="${RUST_LOG:-warn}"
# PostgreSQL needs a configured server key; a fresh one per run will do.
export CONSENT_LINK_SECRET_KEY="${CONSENT_LINK_SECRET_KEY:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
secret="$("$out/consent-link" client create --id "load-$$" --name "Load run" \
  --callback http://127.0.0.1:9/cb --test --json \
  | sed -n 's/.*"client_secret":"\([^"]*\)".*/\1/p')"
# One address drives every flow: the per-address rate limits are off, and
# the metrics listener takes any free port.
"$out/consent-link" serve --bind "127.0.0.1:$PORT" --metrics-bind 127.0.0.1:0 \
  --rate-limit-link 0 --rate-limit-token 0 >"$dir/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; "$out/consent-link" client delete "load-$$" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
# Whether /readyz on the port answers consent-link's "ready" (so that
# another program on the port does not pass for it).
ready_probe() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
    printf 'GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    grep -qx 'ready' <&3
  ) 2>/dev/null
}
# Ready when our server answers on the port; stop with its log if it
# exits first (e.g. the port is taken) or never answers.
ready=""
for _ in $(seq 1 200); do
  if ! kill -0 "$server" 2>/dev/null; then break; fi
  if ready_probe; then ready=1; break; fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "consent-link did not start on port $PORT:" >&2
  cat "$dir/serve.log" >&2
  exit 1
fi

echo "machine: $(nproc) cores, $(uname -m); $(date -u +%Y-%m-%d); profile $PROFILE; database ${DATABASE_URL%%:*}"
"$out/examples/load" --base "http://127.0.0.1:$PORT" --client "load-$$" --secret="$secret" \
  --flows "$FLOWS" --concurrency "$CONCURRENCY"
