#!/usr/bin/env bash
# Install the Debian packages that `make test` needs (as root), once: PostgreSQL with PostGIS,
# Mosquitto, and Chromium for the UI tests (Debian's build, driven by Playwright; never a
# browser downloaded by `playwright install`).
set -euo pipefail
needed=(postgresql postgresql-15-postgis-3 mosquitto chromium)
missing=()
for package in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Need root to install: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
