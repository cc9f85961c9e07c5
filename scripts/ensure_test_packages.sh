#!/usr/bin/env bash
# Makes sure the Debian packages the tests need beside the services are installed:
# Chromium and its WebDriver, which the portal's browser tests (tests/browser) drive through
# Playwright (never a browser build of Playwright's own), and TrueType fonts for Latin and Chinese
# text, which statements as PDF print in (and Chromium draws Chinese pages with). Installs them
# from Debian's packages when missing (needs root); elsewhere says what to install.
set -euo pipefail

LATIN_FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
CHINESE_FONT=/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
[ -f "$LATIN_FONT" ] || missing+=(fonts-dejavu-core)
[ -f "$CHINESE_FONT" ] || missing+=(fonts-droid-fallback)
[ ${#missing[@]} = 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ${missing[*]} from Debian's packages..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -x /usr/bin/chromium ] || ! command -v chromedriver >/dev/null || [ ! -f "$LATIN_FONT" ] ||
  [ ! -f "$CHINESE_FONT" ]; then
  echo "The tests need Chromium at /usr/bin/chromium, its driver, and the fonts $LATIN_FONT and $CHINESE_FONT:" \
    "install Debian's 'chromium', 'chromium-driver', 'fonts-dejavu-core' and 'fonts-droid-fallback'." >&2
  exit 1
fi
