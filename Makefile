.PHONY: up test lint bench setup

setup:
	@scripts/setup.sh

up:
	scripts/up.sh

test:
	scripts/test.sh

lint: setup
	scripts/check.sh

bench: setup
	.venv/bin/python bench/lifecycle.py
