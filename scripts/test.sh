#!/usr/bin/env bash
# The README's test command: set up, type-check, then run every test (unit, lab, integration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent typecheck
node scripts/run-tests.js "$@"
