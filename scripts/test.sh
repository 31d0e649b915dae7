#!/usr/bin/env bash
# Install what is missing, then run the whole test suite (SQLite and PostgreSQL, a real Prefect server).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec .venv/bin/pytest -q "$@"
