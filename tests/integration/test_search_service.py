"""Issued documents and report-backs become searchable through the outbox; the API and CLI answer by caller."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from flows.runtime import set_runtime
from flows.search import reindex
from flows.worker import quiet_prefect
from search.elasticsearch import ElasticsearchIndex
from search.embedded import EmbeddedIndex
from services.cli import app
from services.indexing.service import IndexingService
from services.runtime import Runtime
from tests.conftest import _free_port
from tests.helpers.joint_notice import issue, obligation_id, report

Login = Callable[[str], dict[str, str]]
DEADLINE = dt.date.today() + dt.timedelta(days=30)


def _search(client: TestClient, headers: dict[str, str], q: str, **params: object) -> dict[str, object]:
    r = client.get("/api/v1/search", params={"q": q, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_issued_documents_are_found_by_those_who_may_see_them(
    client: TestClient, login: Login, drain: Callable[[], None]
) -> None:
    doc_id = issue(client, login, drain, DEADLINE)
    found = _search(client, login("mw.drafter"), "石榴")
    assert found["total"] == 1
    hit = found["hits"][0]  # type: ignore[index]
    assert hit["id"] == doc_id and hit["doc_number"].startswith("扎民委字〔")
    assert "<em>石榴</em>" in hit["highlight"] and len(hit["issuers"]) == 3
    number = hit["doc_number"].replace("〔", "[").replace("〕", "]")
    assert [h["id"] for h in _search(client, login("jyj.drafter"), number)["hits"]] == [doc_id]  # type: ignore[index]
    assert _search(client, login("gy-wjw.drafter"), "石榴")["total"] == 0  # not an issuer nor a recipient
    assert _search(client, login("archivist"), "石榴", issuer="扎兰屯市民族事务委员会")["total"] == 1
    facets = _search(client, login("mw.drafter"), "民族团结")["facets"]
    assert ["通知", 1] in facets["doc_type"]  # type: ignore[index]

    wjw = login("wjw.drafter")
    r = report(client, wjw, obligation_id(client, wjw, doc_id), "市卫健委活动月工作总结",
               "开展健康义诊12场，服务各族群众1300余人次。")  # fmt: skip
    assert r.status_code == 201
    drain()
    reply_hits = _search(client, login("mw.registrar"), "服务各族群众")["hits"]
    assert [h["title"] for h in reply_hits] == ["市卫健委活动月工作总结"]  # type: ignore[index]
    assert _search(client, login("jyj.drafter"), "服务各族群众")["total"] == 0


def test_issuing_goes_on_while_the_index_is_unreachable(
    client: TestClient, login: Login, drain: Callable[[], None], runtime: Runtime
) -> None:
    working = runtime.search_index
    runtime.__dict__["search_index"] = ElasticsearchIndex(f"http://127.0.0.1:{_free_port()}")
    doc_id = issue(client, login, drain, DEADLINE)  # asserts it reached every inbox
    with runtime.context() as ctx:
        assert IndexingService(ctx).pending() >= 1
    runtime.__dict__["search_index"] = working
    assert _search(client, login("mw.drafter"), "石榴")["total"] == 0
    drain()  # the index is back: the outbox catches up
    assert [h["id"] for h in _search(client, login("mw.drafter"), "石榴")["hits"]] == [doc_id]  # type: ignore[index]
    with runtime.context() as ctx:
        assert IndexingService(ctx).pending() == 0


def test_reindex_rebuilds_everything_from_the_database(
    client: TestClient, login: Login, drain: Callable[[], None], runtime: Runtime
) -> None:
    doc_id = issue(client, login, drain, DEADLINE)
    runtime.search_index.delete([doc_id])
    assert _search(client, login("mw.drafter"), "石榴")["total"] == 0
    set_runtime(runtime)
    seen: list[int] = []
    with quiet_prefect():
        assert reindex(seen.append) == 1
    assert sum(seen) == 1
    assert _search(client, login("mw.drafter"), "石榴")["total"] == 1


def test_an_index_built_by_an_older_analysis_is_rebuilt_when_the_worker_starts(
    client: TestClient, login: Login, drain: Callable[[], None], runtime: Runtime
) -> None:
    from flows.worker import Worker

    doc_id = issue(client, login, drain, DEADLINE)
    worker = Worker(runtime)
    assert worker.rebuild_index_if_outdated() is False  # current: nothing to do
    index = runtime.search_index
    if not isinstance(index, EmbeddedIndex):
        pytest.skip("the embedded engine's generation stamp is what this test ages")
    live = index.root / (index.root / "CURRENT").read_text().strip()
    (live / "ANALYSIS").write_text("1")
    index._analysis_current.clear()
    assert not index.built_with_current_analysis()
    assert [h["id"] for h in _search(client, login("mw.drafter"), '"铸牢中华民族共同体意识"')["hits"]] == [doc_id]  # type: ignore[index]
    assert worker.rebuild_index_if_outdated() is True
    assert index.built_with_current_analysis()
    assert [h["id"] for h in _search(client, login("mw.drafter"), '"铸牢中华民族共同体意识"')["hits"]] == [doc_id]  # type: ignore[index]


def test_cli_search_prints_one_json_object(
    client: TestClient, login: Login, drain: Callable[[], None], runtime: Runtime
) -> None:
    doc_id = issue(client, login, drain, DEADLINE)
    env = {
        "GONGWEN_HOME": str(runtime.settings.home_dir),
        "GONGWEN_DATABASE_URL": runtime.settings.effective_database_url,
    }
    number = client.get(f"/api/v1/documents/{doc_id}", headers=login("mw.drafter")).json()["doc_number"]
    typed = number.replace("〔", "【").replace("〕", "】")
    result = CliRunner().invoke(app, ["search", f"{typed} 石榴", "--json", "--limit", "5"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    assert set(data) == {"total", "total_exact", "hits", "suggestion", "partial", "expanded", "notices"}
    assert data["notices"] == []
    assert data["total"] == 1 and data["total_exact"] is True and data["suggestion"] is None
    hit = data["hits"][0]
    keys = {"id", "title", "doc_number", "issuers", "date", "score", "highlight", "source"}
    assert set(hit) == keys | {"year", "collection_title", "match"} and hit["match"] == "exact"
    assert hit["id"] == doc_id and hit["source"] is None


def test_an_estimated_total_is_said_to_be_one(
    client: TestClient,
    login: Login,
    drain: Callable[[], None],
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from search import embedded as engine
    from tests.helpers.pages import page_login

    issue(client, login, drain, DEADLINE)
    if not isinstance(runtime.search_index, EmbeddedIndex):
        pytest.skip("sampling is the embedded engine's")
    assert _search(client, login("archivist"), '"石榴籽"')["total_exact"] is True
    page_login(client, "archivist")
    assert "共 1 件" in client.get("/search", params={"q": '"石榴籽"'}).text
    for name, value in (("SAMPLE_FROM", 0), ("SAMPLED_DOCS", 0), ("APPROXIMATE_FROM", 0)):
        monkeypatch.setattr(engine, name, value)  # as for a phrase found in tens of thousands of documents
    found = _search(client, login("archivist"), '"石榴籽"')
    assert found["total_exact"] is False and len(found["hits"]) == 1  # type: ignore[arg-type]
    page_login(client, "archivist")
    page = client.get("/search", params={"q": '"石榴籽"'}).text
    assert "约 " in page and "抽样估计" in page
