#!/usr/bin/env bash
# The guard rails the test command runs first: lint, formatting, types and the import contracts (pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check services search flows tests bench
.venv/bin/ruff format --check services search flows tests bench
.venv/bin/mypy services search flows
.venv/bin/lint-imports
