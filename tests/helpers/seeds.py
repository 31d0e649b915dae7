"""Tests whose subject is a seed document (../shared/seeds, read through the ``seeds_dir`` fixture)."""

from __future__ import annotations

import pytest

# Such a test runs on one database: the rules it checks are the text's, and the database-bound paths are covered by
# the tests of the repository's own documents on both.
seed_subject = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
