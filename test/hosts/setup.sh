#!/usr/bin/env bash
# Prepare this machine for ship's tests and demo: Debian packages for the test hosts and the
# ACME test server, then the npm dependencies and the build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v ip >/dev/null || need+=(iproute2)
command -v ssh >/dev/null || need+=(openssh-client)
command -v openssl >/dev/null || need+=(openssl)
[ -x /usr/sbin/named ] || need+=(bind9)   # DNS-01 tests; Pebble comes from Debian unstable (pebble-package.ts)
command -v crontab >/dev/null || need+=(cron)
command -v shellcheck >/dev/null || need+=(shellcheck)   # the unit test that lints src/remote/sh/*.sh
command -v script >/dev/null || need+=(util-linux)      # e2e console.test.ts: ship on a pseudo-terminal
command -v python3 >/dev/null || need+=(python3)        # e2e console.test.ts: resizing that terminal, typing Ctrl-C
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ship tests need these Debian packages: ${need[*]} (run as root, or: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The tests run their own named in network namespaces, not the one the package may start.
  if [[ " ${need[*]} " == *" bind9 "* ]] && command -v systemctl >/dev/null; then
    systemctl disable --now named.service >/dev/null 2>&1 || true
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run -s build
