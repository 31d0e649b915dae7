#!/usr/bin/env bash
# Install what is missing, then start everything on the embedded defaults with example data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/gongwen up --example-data "$@"
