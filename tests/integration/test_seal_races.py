"""Two people at once on an organ's electronic seal (SQLite and PostgreSQL): two admins rotating it make two
versions, one after the other, with one in use; two 用印 for an organ without a seal make one version, not two.
Every version's private key is in the key folder and signs what its public key verifies."""

from __future__ import annotations

import pytest

from services import compose
from services.context import Context
from services.runtime import Runtime
from services.seal.repository import SealRepository
from services.seal.service import SealService
from services.seed.example import user
from tests.integration.test_races import _codes, race, slow

ORGAN = "zlt-mw"


def _organ_id(runtime: Runtime) -> int:
    with runtime.context(write=False) as ctx:
        organ = SealRepository(ctx.session).organ_named(ORGAN)
        assert organ is not None
        return organ.id


def _versions(runtime: Runtime, organ_id: int) -> list[tuple[int, bool]]:
    """(version, retired) of each of the organ's seals; every version's key loads from the key folder."""
    with runtime.context(write=False) as ctx:
        service = compose.seals(ctx)
        seals = SealRepository(ctx.session).versions(organ_id)
        for seal in seals:
            assert service.key_of(seal).key.public_hex == seal.public_key
        return [(seal.version, seal.retired_at is not None) for seal in seals]


def test_two_admins_rotating_one_seal_at_once_make_two_versions_one_in_use(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    organ_id = _organ_id(runtime)

    def rotate(ctx: Context) -> object:
        return compose.seals(ctx).make(user(ctx, "admin"), organ_id).version

    with slow(monkeypatch, SealRepository, "lock_organ"):
        results = race(runtime, rotate, rotate)
    assert _codes(results) == ["ok", "ok"] and sorted(results) == [1, 2]  # type: ignore[type-var]
    assert _versions(runtime, organ_id) == [(1, True), (2, False)]


def test_two_presses_for_an_organ_without_a_seal_make_one(
    runtime: Runtime, example_users: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    organ_id = _organ_id(runtime)

    def press(ctx: Context) -> object:
        registrar = user(ctx, "mw.registrar")
        return compose.seals(ctx).for_pressing(registrar, registrar.organ).version

    with slow(monkeypatch, SealService, "_lock"):
        results = race(runtime, press, press)
    assert results == [1, 1]
    assert _versions(runtime, organ_id) == [(1, False)]
