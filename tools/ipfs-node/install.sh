#!/bin/sh
# Installs the js-ipfs fallback node (tools/ipfs-node) from its lockfile, unless already installed
# from this lockfile. Needs only the npm registry. Run from anywhere.
set -eu
cd "$(dirname "$0")"
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
