#!/usr/bin/env bash
# Re-pin every dependency (and theirs) with hashes into requirements.lock after pyproject.toml changes.
# The set-up installs exactly that file; run this, then `bash scripts/test.sh`, then commit both files.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$(mktemp -d)"; trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/pip" install -q uv
"$tools/venv/bin/uv" pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 \
  --index-url https://pypi.org/simple --no-header --quiet --output-file requirements.lock
echo "requirements.lock: $(grep -c '==' requirements.lock) packages pinned"
