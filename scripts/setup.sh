#!/usr/bin/env bash
# Set-up shared by scripts/up.sh and scripts/test.sh (--test: also what the browser tests need).
# Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"

# fonts-noto-core: Noto Sans Mongolian (the 标志's traditional Mongolian lines); fonts-hanazono: HanaMinA/B (rare
# and Ext-B Han in a 宋-like face). Both are fallback faces of the layout (services/rendering/fonts.py).
system_packages=(libharfbuzz-subset0 poppler-utils fonts-noto-core fonts-hanazono)
if [ "${1:-}" = "--test" ]; then
  # The browser tests drive Debian's Chromium (a browser downloaded at install time does not run here).
  system_packages+=(chromium fonts-noto-cjk)
fi
missing=()
for pkg in "${system_packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    # Debian's system Python keeps venv/ensurepip in a separate package.
    rm -rf .venv
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
    "$PY" -m venv .venv
  fi
fi
# Every dependency, and theirs, exactly as pinned (with hashes) in requirements.lock (scripts/lock.sh makes it).
stamp=.venv/.installed-$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q --require-hashes -r requirements.lock
  .venv/bin/pip install -q --no-deps -e .
  rm -f .venv/.installed-*; touch "$stamp"
fi
scripts/install-fonts.sh
