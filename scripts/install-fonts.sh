#!/usr/bin/env bash
# Installs the free Fandol fonts (仿宋, 宋, 黑, 楷; GPL with font exception) that GB/T 9704 layout needs.
# They ship inside Debian's texlive-lang-chinese; we unpack that package without installing TeX. The fallback faces
# (Noto Sans Mongolian, HanaMinA/B) come from Debian's fonts-noto-core and fonts-hanazono (scripts/setup.sh).
set -euo pipefail
dest="${GONGWEN_FONTS_DIR:-$HOME/.local/share/fonts/gongwen}"
files=(FandolFang-Regular.otf FandolSong-Regular.otf FandolSong-Bold.otf FandolHei-Regular.otf FandolKai-Regular.otf)
have_all() { for f in "${files[@]}"; do [ -f "$dest/$f" ] || return 1; done; }
if have_all; then echo "fonts: present in $dest"; exit 0; fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download texlive-lang-chinese >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  apt-get download texlive-lang-chinese >/dev/null
fi
dpkg -x texlive-lang-chinese_*.deb x
mkdir -p "$dest"
for f in "${files[@]}"; do cp "x/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/$f" "$dest/"; done
command -v fc-cache >/dev/null && fc-cache -f "$dest" >/dev/null 2>&1 || true
echo "fonts: installed in $dest"
