#!/usr/bin/env bash
# Installs the Debian packages publish needs, only those missing.
#   scripts/system-deps.sh          what building a book needs (Pango, HarfBuzz subsetter, the theme's fonts)
#   scripts/system-deps.sh --test   plus what the tests need: Java for EPUBCheck, poppler-utils, and
#                                   Chromium with Node.js for Ace by DAISY and the foliate-js reading engine
set -euo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig
          fonts-vollkorn fonts-inter fonts-jetbrains-mono
          fonts-dejavu-core)  # ☐ ☑ of task lists, which the theme's text fonts lack
# Debian's own Python needs python3-venv for `python3 -m venv`.
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || packages+=(python3-venv)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(poppler-utils chromium)
  command -v java >/dev/null 2>&1 || packages+=(default-jre-headless)
  command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "Installing system packages: ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "error: these Debian packages are missing: ${missing[*]}" >&2
  echo "       run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fc-cache -f >/dev/null 2>&1 || true
