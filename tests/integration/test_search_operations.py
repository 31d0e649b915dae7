"""What the operator and the admin see of search: a document the index refuses for good is set aside with its
reason and never holds up the others; an unreachable cluster leaves the changes waiting, with an error that
names no credential; organ aliases are edited by admins only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from search import SearchError
from search.elasticsearch import ElasticsearchIndex, ElasticsearchOptions
from services.domain.models import Organ, SearchOutbox
from services.indexing.service import IndexingService
from services.runtime import Runtime
from tests.helpers.elasticsearch_fake import FakeCluster
from tests.helpers.imports import import_files
from tests.helpers.pages import page_login

Login = Callable[[str], dict[str, str]]
TEXTS = {f"{i}.txt": f"关于第{i}次座谈会的通知\n各单位：\n定于下周召开第{i}次座谈会。\n" for i in range(1, 4)}


def _import_three(client: TestClient, login: Login) -> list[int]:
    files = [("files", (name, text.encode(), "text/plain")) for name, text in TEXTS.items()]
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    report = import_files(client, runtime, login("archivist"), files)
    return [f["document_ids"][0] for f in report]


def test_a_document_refused_for_good_is_set_aside_and_never_blocks_the_others(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    ids = _import_three(client, login)
    cluster = FakeCluster()
    cluster.refuse[str(ids[1])] = (400, "mapper_parsing_exception")
    runtime.__dict__["search_index"] = ElasticsearchIndex(
        "http://127.0.0.1:9200", alias="gw-ops", options=ElasticsearchOptions(node_class=cluster.node_class())
    )
    with runtime.context() as ctx:
        assert IndexingService(ctx).apply_batch(runtime.search_index) == 3
    assert sorted(cluster.indices["gw-ops-000001"].docs) == sorted(str(i) for i in (ids[0], ids[2]))
    with runtime.context() as ctx:
        service = IndexingService(ctx)
        assert service.pending() == 0 and service.apply_batch(runtime.search_index) == 0  # nothing held up
        (aside,) = service.set_aside()
        assert aside.document_id == ids[1] and "mapper_parsing_exception" in (aside.last_error or "")
    status = client.get("/api/v1/search/status", headers=login("admin")).json()
    assert status["pending"] == 0 and [r["document_id"] for r in status["set_aside"]] == [ids[1]]
    assert client.get("/api/v1/search/status", headers=login("mw.drafter")).status_code == 403
    page_login(client, "admin")
    admin_page = client.get("/admin").text
    assert "被检索服务拒收" in admin_page and "mapper_parsing_exception" in admin_page


def test_an_unreachable_cluster_keeps_the_changes_and_records_no_credential(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    from flows.runtime import set_runtime
    from flows.search import apply_index_updates

    _import_three(client, login)
    cluster = FakeCluster()
    cluster.fail("HEAD /_alias", status=None, times=100)
    runtime.__dict__["search_index"] = ElasticsearchIndex(
        "https://elastic:hunter2-secret@127.0.0.1:9200",
        alias="gw-ops",
        options=ElasticsearchOptions(node_class=cluster.node_class(), max_retries=0),
    )
    set_runtime(runtime)
    with pytest.raises(SearchError) as err:
        apply_index_updates.fn(500)
    assert err.value.code == "search_unavailable" and "hunter2" not in f"{err.value} {err.value.en}"
    with runtime.context() as ctx:
        rows = list(ctx.session.scalars(select(SearchOutbox)))
        assert len(rows) == 3 and all(r.set_aside_at is None and r.attempts == 1 for r in rows)
        assert all("search_unavailable" in (r.last_error or "") and "hunter2" not in (r.last_error or "") for r in rows)


def test_organ_aliases_are_edited_by_admins_and_name_one_organ(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    with runtime.context() as ctx:
        mw = ctx.session.scalar(select(Organ).where(Organ.code == "zlt-mw"))
        jyj = ctx.session.scalar(select(Organ).where(Organ.code == "zlt-jyj"))
        assert mw is not None and jyj is not None
        mw_id, jyj_id = mw.id, jyj.id
    organs = {o["code"]: o for o in client.get("/api/v1/organs", headers=login("mw.drafter")).json()}
    assert "扎兰屯市民委" in organs["zlt-mw"]["aliases"]  # the example data's short forms
    body = {"aliases": ["扎民委", "民族事务委"]}
    assert client.put(f"/api/v1/organs/{mw_id}/aliases", json=body, headers=login("mw.drafter")).status_code == 403
    saved = client.put(f"/api/v1/organs/{mw_id}/aliases", json=body, headers=login("admin"))
    assert saved.status_code == 200 and saved.json()["aliases"] == ["扎民委", "民族事务委"]
    taken = client.put(f"/api/v1/organs/{jyj_id}/aliases", json={"aliases": ["扎民委"]}, headers=login("admin"))
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "alias_taken"
    csrf = page_login(client, "admin")
    posted = client.post(f"/admin/organs/{jyj_id}/aliases", data={"aliases": "教育局，市教育局", "csrf": csrf})
    assert posted.status_code in (200, 303)
    organs = {o["code"]: o for o in client.get("/api/v1/organs", headers=login("admin")).json()}
    assert organs["zlt-jyj"]["aliases"] == ["教育局", "市教育局"]
    created = client.post(
        "/api/v1/organs",
        json={"code": "x-1", "name": "某某县民族事务联络处", "short_name": "联络处", "aliases": ["县联络处"]},
        headers=login("mw.drafter"),
    )
    assert created.status_code == 403  # only an admin creates organs
