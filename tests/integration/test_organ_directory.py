"""The organs' names and aliases are held per process until an admin changes them: a rename or new aliases made
through another process are seen on the next read, and a change rolled back is never served."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.accounts.service import OrganChange, OrganService, UserService
from services.domain.models import CacheVersion
from services.runtime import Runtime


def directory(runtime: Runtime) -> tuple[dict[int, str], dict[str, int]]:
    with runtime.context(write=False) as ctx:
        found = OrganService(ctx).directory()
        return dict(found.names), dict(found.by_name)


@pytest.fixture
def other(runtime: Runtime) -> Runtime:
    with runtime.context() as ctx:  # the row the migration writes (a test database may have been emptied)
        if ctx.session.get(CacheVersion, "organs") is None:
            ctx.session.add(CacheVersion(name="organs", version=0))
    return Runtime(runtime.settings, migrated=True)  # another process: its own engine and caches


def test_a_rename_and_new_aliases_are_seen_by_every_process(runtime: Runtime, other: Runtime,
                                                             example_users: None) -> None:  # fmt: skip
    names, by_name = directory(runtime)
    assert directory(runtime) == (names, by_name)  # held
    organ_id = next(iter(names))
    with other.context() as ctx:
        admin = UserService(ctx).active_by_username("admin")
        assert admin is not None
        service = OrganService(ctx)
        service.set_aliases(admin, organ_id, ["测试别名甲"])
    names2, by_name2 = directory(runtime)
    assert by_name2["测试别名甲"] == organ_id
    with other.context() as ctx:
        admin = UserService(ctx).active_by_username("admin")
        assert admin is not None
        service = OrganService(ctx)
        service.update(admin, organ_id, replace(OrganChange.of(service.get(organ_id)), name="改名后的机关全称"))
    names3, by_name3 = directory(runtime)
    assert names3[organ_id] == "改名后的机关全称" and by_name3["改名后的机关全称"] == organ_id
    assert names2[organ_id] != names3[organ_id]
    other.close()


def test_a_change_rolled_back_is_never_served(runtime: Runtime, other: Runtime, example_users: None) -> None:
    names, _ = directory(runtime)
    organ_id = next(iter(names))
    with pytest.raises(RuntimeError), runtime.context() as ctx:
        admin = UserService(ctx).active_by_username("admin")
        assert admin is not None
        OrganService(ctx).set_aliases(admin, organ_id, ["撤销的别名"])
        ctx.session.flush()
        assert OrganService(ctx).directory().by_name["撤销的别名"] == organ_id  # its own change, read afresh
        raise RuntimeError("killed half-way")
    for rt in (runtime, other):
        assert "撤销的别名" not in directory(rt)[1]
    other.close()
