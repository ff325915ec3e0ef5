#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs and starts what it needs, type-checks, lints, then runs every
# test file (each uses its own PostgreSQL database and its own Redis key prefix, and cleans up).
set -euo pipefail
cd "$(dirname "$0")/.."

AITU_SETUP_KEYS=0 bash scripts/setup.sh
echo "test: type-checking" >&2
npx tsc --noEmit -p .
echo "test: linting (eslint, prettier --check)" >&2
npm run --silent lint
mapfile -t files < <(find src cli bridges test eval -name '*.test.ts' -not -path '*/node_modules/*' | sort)
[ "${#files[@]}" -gt 0 ] || { echo "test: no test files found" >&2; exit 1; }
exec node --import tsx --test --test-reporter=spec --test-concurrency=2 "$@" "${files[@]}"
