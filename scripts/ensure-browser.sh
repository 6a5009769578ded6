#!/usr/bin/env bash
# Browser tests need a Chromium and the fonts the screenshot baselines were made
# with. Playwright's own browsers cannot be downloaded everywhere, so Greenlight
# uses Debian's: installed here when missing and we may (root with apt-get).
set -euo pipefail
browser="${GREENLIGHT_CHROMIUM:-/usr/bin/chromium}"
missing=()
[ -x "$browser" ] || missing+=(chromium)
if command -v dpkg >/dev/null 2>&1 && ! dpkg -s fonts-dejavu-core >/dev/null 2>&1; then
  missing+=(fonts-dejavu-core)
fi
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "greenlight: installing ${missing[*]} from Debian for the browser tests" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

echo "greenlight: the browser tests need ${missing[*]}." >&2
echo "  Debian/Ubuntu: sudo apt-get install chromium fonts-dejavu-core" >&2
echo "  Or point GREENLIGHT_CHROMIUM at a Chromium binary (e.g. Playwright's)." >&2
exit 1
