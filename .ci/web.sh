#!/usr/bin/env bash
# Web app checks, called by .ci/run from the repository root of a fresh clone (root, Debian 12,
# no stdin): npm ci, typecheck, unit tests (Vitest), production build with the first-load size
# budget, then the browser end-to-end tests (playwright-core driving Debian's Chromium) against
# the real tower-cron, tower-backend and tower-frontend on SQLite. Needs the debug binaries in
# target/debug (built by `cargo test --workspace`; TOWER_BIN_DIR overrides). Screenshots and
# service logs land in frontend-proxy/web/e2e-artifacts/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

started=$(date +%s)
section() { printf '\n==> web: %s\n' "$*"; }
export DEBIAN_FRONTEND=noninteractive

section "Node.js and npm"
bash .ci/node.sh
if [[ ! -x /usr/bin/chromium ]]; then
  section "installing Chromium (Debian package)"
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null || true

cd frontend-proxy/web
section "npm ci"
npm ci --no-audit --no-fund --loglevel=error

section "typecheck (tsc)"
npm run --silent typecheck

section "unit tests (vitest)"
npx vitest run

section "build (vite) and size budget"
npm run --silent build
node scripts/size.mjs dist

section "end-to-end tests (Chromium, real services)"
node e2e/run.mjs

printf '\n==> web: passed in %d s\n' "$(($(date +%s) - started))"
