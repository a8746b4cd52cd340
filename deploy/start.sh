#!/usr/bin/env bash
# The container's start command (deploy/Dockerfile runs it as CMD).
#
#   1. refuses to start without API keys, unless PROMPTGEN_INSECURE=1 says so explicitly;
#   2. checks that the SQLite Library's folder (the /data volume) is writable;
#   3. seeds an empty Library from PROMPTGEN_SEED_DIR (the image sets /app/docs, the demo Library);
#   4. execs `promptgen serve --host 0.0.0.0 --port ${PORT:-8000} --workers ${WORKERS:-2}`.
#
# Variables: PORT, WORKERS, PROMPTGEN_INSECURE, PROMPTGEN_SEED_DIR (empty: no seeding) and every
# PROMPTGEN_* setting of the service itself (docs/operations.md).
set -euo pipefail

PORT="${PORT:-8000}"
WORKERS="${WORKERS:-2}"
SEED_DIR="${PROMPTGEN_SEED_DIR:-}"

say() { printf 'start.sh: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

# 1. A public bind serves the Library to anyone who can reach the port: keys, or an explicit opt-out.
serve_flags=()
if [[ -z "${PROMPTGEN_API_KEYS:-}" && -z "${PROMPTGEN_API_KEYS_FILE:-}" ]]; then
  if [[ "${PROMPTGEN_INSECURE:-}" != "1" ]]; then
    die "refusing to start without API keys: set PROMPTGEN_API_KEYS (e.g. 'fly secrets set PROMPTGEN_API_KEYS=<key>') or PROMPTGEN_API_KEYS_FILE, or set PROMPTGEN_INSECURE=1 to serve /api/* without authentication"
  fi
  say "warning: PROMPTGEN_INSECURE=1: serving /api/* without authentication"
  serve_flags+=(--insecure)
fi

# 2. SQLite lives on the volume: fail now, with the fix, rather than on the first write.
database_url="${PROMPTGEN_DATABASE_URL:-sqlite:///.promptgen/library.db}"
if [[ "$database_url" == sqlite:///* ]]; then
  database_dir="$(dirname -- "${database_url#sqlite:///}")"
  mkdir -p -- "$database_dir" 2>/dev/null || true
  if [[ ! -d "$database_dir" || ! -w "$database_dir" ]]; then
    die "the Library's folder $database_dir (PROMPTGEN_DATABASE_URL=$database_url) is not writable by uid $(id -u): mount the volume there and give it to that user (chown $(id -u):$(id -g))"
  fi
fi

# 3. Seed the demo Library once. A failed seed is reported and serving goes on: /health/deep then
#    shows context_builder: false, the same as any empty Library.
if [[ -n "$SEED_DIR" ]]; then
  [[ -d "$SEED_DIR" ]] || die "PROMPTGEN_SEED_DIR=$SEED_DIR is not a folder"
  if documents="$(promptgen library stats --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["documents"])')"; then
    if [[ "$documents" == "0" ]]; then
      say "the Library is empty: ingesting $SEED_DIR"
      promptgen ingest "$SEED_DIR" >&2 || say "warning: ingesting $SEED_DIR failed; serving anyway"
    else
      say "the Library is not empty ($documents documents): not seeding"
    fi
  else
    say "warning: could not read the Library's size; not seeding"
  fi
fi

say "serving on 0.0.0.0:$PORT with $WORKERS worker(s)"
exec promptgen serve --host 0.0.0.0 --port "$PORT" --workers "$WORKERS" "${serve_flags[@]}"
