#!/usr/bin/env bash
# Makes sure Debian's Chromium and its WebDriver are installed: the portal's browser tests
# (tests/browser) drive /usr/bin/chromium through Playwright, never a browser build of their
# own. Installs them from Debian's packages when missing (needs root); elsewhere says what
# to install.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
[ ${#missing[@]} = 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ${missing[*]} from Debian's packages..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -x /usr/bin/chromium ] || ! command -v chromedriver >/dev/null; then
  echo "The browser tests need Chromium at /usr/bin/chromium and its driver:" \
    "install Debian's 'chromium' and 'chromium-driver' (apt-get install chromium chromium-driver)." >&2
  exit 1
fi
