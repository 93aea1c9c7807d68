#!/usr/bin/env bash
# Node.js 20+ and npm 11 (Debian packages, then npm from the npm registry): the Rust build embeds
# the web app when npm is on PATH (frontend-proxy/build.rs), so .ci/run calls this before cargo.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "installing Node.js and npm (Debian packages)"
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
  echo "upgrading npm to 11"
  npm install -g npm@11 --no-audit --no-fund --loglevel=error
fi
echo "node $(node --version), npm $(npm --version)"
