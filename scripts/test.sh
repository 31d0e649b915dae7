#!/usr/bin/env bash
# Install what is missing, check lint, formatting, types and import contracts, then run the whole test suite
# (SQLite and PostgreSQL, a real Prefect server).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
scripts/check.sh
exec .venv/bin/pytest -q "$@"
