#!/usr/bin/env bash
# Debian's Chromium (the dashboard and report tests drive it headless through Playwright's executable_path)
# and pango (WeasyPrint's renderer for `labelpact report --format pdf`). Idempotent; run as root.
set -euo pipefail
say() { echo ".ci/browser.sh: $*" >&2; }
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || need+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ "${#need[@]}" -gt 0 ]; then
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v chromium
