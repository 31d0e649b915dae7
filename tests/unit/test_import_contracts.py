"""The package graph is a contract CI keeps (pyproject.toml, `lint-imports` in scripts/check.sh): a copy of the tree
with a forbidden import in it fails the check, naming the contract it breaks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy_of_the_tree(into: Path) -> Path:
    for package in ("services", "flows", "search"):
        shutil.copytree(ROOT / package, into / package, ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(ROOT / "pyproject.toml", into / "pyproject.toml")
    return into


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, timeout=300
    )


def _add_import(module: Path, line: str) -> None:
    module.write_text(module.read_text() + f"\n{line}  # noqa: F401, E402\n")


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="lint-imports is not installed beside this Python")
def test_an_import_against_the_layers_or_a_cycle_fails_the_check(tmp_path: Path) -> None:
    tree = _copy_of_the_tree(tmp_path)
    assert _lint(tree).returncode == 0  # the tree as it is keeps every contract

    _add_import(tree / "services" / "domain" / "enums.py", "import services.workflow.service")  # upward
    _add_import(tree / "services" / "documents" / "plan.py", "import services.obligations.service")  # a cycle
    broken = _lint(tree)
    said = broken.stdout + broken.stderr
    assert broken.returncode != 0
    assert "layers" in said and "BROKEN" in said
    assert "the packages of services form no cycle BROKEN" in said
    assert "services.domain is not allowed to import services.workflow" in said


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="lint-imports is not installed beside this Python")
def test_a_query_written_in_a_use_case_instead_of_its_repository_fails_the_check(tmp_path: Path) -> None:
    tree = _copy_of_the_tree(tmp_path)
    _add_import(tree / "services" / "jobs" / "service.py", "from sqlalchemy import select")
    broken = _lint(tree)
    said = broken.stdout + broken.stderr
    assert broken.returncode != 0
    assert "services.jobs.service is not allowed to import sqlalchemy" in said
