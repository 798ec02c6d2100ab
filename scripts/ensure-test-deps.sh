#!/usr/bin/env bash
# Installs the system packages the suites talk to (Debian's redis-server and chromium; nginx
# and wrk for the bench) when they are missing, and node_modules when absent. Safe to run
# again: it installs nothing twice.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
# nginx (upstream and sub_filter proxy) and wrk: npm run bench and test/bench.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing test dependencies: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
