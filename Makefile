.PHONY: up test lint bench setup

setup:
	@scripts/setup.sh

up: setup
	.venv/bin/gongwen up

test: setup
	.venv/bin/pytest -q

lint: setup
	.venv/bin/ruff check services search flows tests bench
	.venv/bin/mypy services search flows

bench: setup
	.venv/bin/python bench/lifecycle.py
