#!/bin/sh
# Makes sure a Chromium is there for the browser-viewer test, which drives it with playwright-core
# (Playwright's own browser download does not work on the CI machines).
#   CHROMIUM_PATH   the browser to use (default /usr/bin/chromium); never installed over.
# Exit codes: 0 a browser is there, 3 none and this user cannot install one (not root, no
# passwordless sudo): the test runner then skips the browser test and says so; 1 an install failed.
set -eu

CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}

if [ -x "$CHROMIUM" ]; then
  echo "chromium present: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi

if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "ensure-chromium: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file" >&2
  exit 3
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "ensure-chromium: $CHROMIUM is missing and this user cannot run apt-get (not root, no passwordless sudo)" >&2
  exit 3
fi

echo "Installing chromium with apt-get (about 414 MB)"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium

if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: apt-get finished but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
