#!/usr/bin/env bash
# Browser tests run on the Chromium that package-lock.json pins (@sparticuz/chromium)
# and fonts from npm, so nothing here comes from the system's browser or fonts. This
# unpacks that browser once, installs any shared library it still lacks (none on
# Debian 12: the package ships NSS, NSPR and expat; libc and libgcc are always
# there), and prints which browser the tests will use.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t missing < <(npx tsx scripts/test-chromium.ts --missing-packages)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 && [[ ! " ${missing[*]} " =~ " unknown " ]]; then
    echo "greenlight: installing ${missing[*]} from Debian for the pinned Chromium" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "greenlight: the pinned Chromium needs shared libraries this machine lacks (${missing[*]})." >&2
    echo "  See 'Browser tests' in README.md; 'ldd' on the path below names them." >&2
    exit 1
  fi
fi
npx tsx scripts/test-chromium.ts
