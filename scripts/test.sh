#!/usr/bin/env bash
# Install what is missing, check lint, formatting, types and import contracts, then run the whole test suite
# (SQLite and PostgreSQL, a real Prefect server per worker) on two workers: a file's tests on one worker
# (`--dist loadfile` in pyproject.toml), tests/layout and tests/e2e each whole on one (tests/conftest.py).
# GONGWEN_TEST_WORKERS=0 runs it in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
scripts/check.sh
exec .venv/bin/pytest -q -n "${GONGWEN_TEST_WORKERS:-2}" "$@"
