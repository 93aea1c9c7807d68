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

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  section "installing Node.js and npm (Debian packages)"
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 20)); then
  echo "Node.js 20 or later is needed (found $(node --version))" >&2
  exit 1
fi
# Vite 8's lock file installs with npm 11; npm 10 (seen when the machine's own upgrade failed)
# does not install it, so upgrade npm from the npm registry first.
if (($(npm --version | cut -d. -f1) < 11)); then
  section "upgrading npm to 11"
  npm install -g npm@11 --no-audit --no-fund --loglevel=error
fi
if [[ ! -x /usr/bin/chromium ]]; then
  section "installing Chromium (Debian package)"
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
echo "node $(node --version), npm $(npm --version), $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"

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
