.PHONY: up test lint bench setup

setup:
	@scripts/setup.sh

up:
	scripts/up.sh

test:
	scripts/test.sh

lint: setup
	.venv/bin/ruff check services search flows tests bench
	.venv/bin/mypy services search flows

bench: setup
	.venv/bin/python bench/lifecycle.py
