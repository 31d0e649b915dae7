"""Search as an archivist tries it on the imported seeds (and a few small texts beside them): the right dates,
every word of the page, the names people type, 文号 as typed, help when a query cannot be read or finds nothing,
recall beyond the exact words ranked after them and marked, and compilations whose parts can be told apart.
The import and the index are built once for the module (the embedded engine; the database is SQLite here —
tests/integration/test_imports.py runs the import rules on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.config import Settings
from services.indexing.service import IndexingService
from services.runtime import Runtime
from tests.helpers.pages import page_login

EXTRA = {
    # only the short forms: found by the full ones, ranked after exact hits
    "wjw.txt": "关于开展健康义诊的通知\n各乡镇：\n请市卫健委组织医疗单位开展健康义诊。\n",
    "tzb.txt": "关于召开座谈会的通知\n各单位：\n统战部定于下周召开民主党派座谈会。\n",
    # a 文号 the recogniser cannot read (closing bracket and 号 lost): kept as text, found, highlighted
    "broken.txt": "扎兰屯市民族事务委员会文件\n扎民委字〔2023 7\n关于做好秋季防火工作的通知\n各乡镇：\n请做好防火。\n",
    # an abbreviation a document defines itself, and another document that uses only the short form
    "defines.txt": "关于组建服务队的通知\n各社区：\n组建扎兰屯市石榴籽志愿服务队（以下简称石榴籽服务队）。\n",
    "uses.txt": "关于社区服务的报告\n市民委：\n石榴籽服务队到社区开展了政策宣讲。\n",
}


@dataclass
class Archive:
    client: TestClient
    headers: dict[str, str]
    runtime: Runtime
    ids: dict[str, list[int]]

    def search(self, q: str, status: int = 200, **params: Any) -> dict[str, Any]:
        r = self.client.get("/api/v1/search", params={"q": q, "limit": 50, **params}, headers=self.headers)
        assert r.status_code == status, r.text
        return dict(r.json())

    def found(self, q: str, match: str = "exact", **params: Any) -> set[int]:
        return {h["id"] for h in self.search(q, **params)["hits"] if h["match"] == match}

    def seed(self, name: str) -> set[int]:
        return set(next(ids for file, ids in self.ids.items() if file.startswith(name)))


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path, sqlite_template: Path) -> Iterator[Archive]:
    from services.api.app import create_app
    from services.seed.example import DEMO_PASSWORD, load_organs_and_users

    home = tmp_path_factory.mktemp("trust")
    shutil.copy(sqlite_template, home / "gongwen.db")
    settings = Settings(
        home=home / "home", database_url=f"sqlite:///{home / 'gongwen.db'}", environment="test", example_data=False
    )
    runtime = Runtime(settings, migrated=True)
    with runtime.context() as ctx:
        load_organs_and_users(ctx)
    with TestClient(create_app(settings, runtime)) as client:
        token = client.post("/api/v1/auth/login", json={"username": "archivist", "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['token']}"}
        files = [("files", (p.name, p.read_bytes(), "text/plain")) for p in sorted(seeds_dir.glob("*.txt"))]
        files += [("files", (name, text.encode(), "text/plain")) for name, text in EXTRA.items()]
        report = client.post("/api/v1/imports", files=files, headers=headers).json()["files"]
        assert [f["status"] for f in report] == ["imported"] * len(files), report
        with runtime.context() as ctx:
            IndexingService(ctx).apply_batch(runtime.search_index, 5000)
        yield Archive(client, headers, runtime, {f["filename"]: f["document_ids"] for f in report})
    runtime.close()


def test_a_year_finds_every_document_of_that_year_by_its_date_number_or_title(archive: Archive) -> None:
    expected = archive.seed("002") | archive.seed("003")  # 成文日期 2024-09-05; ten parts titled “关于2024年…”
    assert len(expected) == 11
    assert {h["id"] for h in archive.search("年份:2024")["hits"]} == expected
    assert {h["id"] for h in archive.search("", year="2024")["hits"]} == expected
    assert {h["id"] for h in archive.search("年份:2022")["hits"]} == archive.seed("001")  # from its 文号
    assert {h["id"] for h in archive.search("年份:2018")["hits"]} == archive.seed("000")  # from its title


def test_no_document_is_dated_the_day_it_was_imported(archive: Archive) -> None:
    facets = dict(archive.search("民族")["facets"]["year"])
    assert str(dt.date.today().year) not in facets
    assert set(facets) <= {"2018", "2022", "2024", "日期不详"}
    hit = next(h for h in archive.search("广卫发〔2022〕17号")["hits"])
    assert hit["date"] is None and hit["year"] == 2022


def test_documents_without_a_date_are_a_facet_value_and_sorted_last(archive: Archive) -> None:
    undated = archive.seed("004")
    assert dict(archive.search("创建活动方案")["facets"]["year"])["日期不详"] >= len(undated)
    assert undated <= {h["id"] for h in archive.search("年份:日期不详")["hits"]}
    ordered = archive.search("民族团结", sort="date")["hits"]
    years = [h["year"] for h in ordered]
    assert years.index(None) > years.index(2018) and all(y is None for y in years[years.index(None) :])


@pytest.mark.parametrize("typed", ["第41个", "是第41个", "41个全区", "9月"])
def test_a_character_beside_digits_is_found(archive: Archive, typed: str) -> None:
    assert archive.seed("002") <= archive.found(typed)


def test_a_year_as_written_in_the_text_is_found(archive: Archive) -> None:
    assert archive.seed("002") | archive.seed("003") <= archive.found("2024年")


@pytest.mark.parametrize("typed", ["机关:市民委", "机关:统战部", "机关:扎兰屯市民族事务委员会", "扎兰屯市民委"])
def test_issuers_are_found_by_the_names_people_type(archive: Archive, typed: str) -> None:
    assert archive.seed("002") <= archive.found(typed)


@pytest.mark.parametrize(
    "typed",
    ["扎民委字〔2024〕32号", "扎民委字2024年32号", "扎民委〔2024〕32号", "扎民委字〔2024〕32", "扎民委字32号"],
)
def test_a_doc_number_is_found_as_typed(archive: Archive, typed: str) -> None:
    assert archive.found(typed) == archive.seed("002")


def test_a_bare_number_with_a_year_is_a_doc_number(archive: Archive) -> None:
    assert archive.found("32号 年份:2024") == archive.seed("002")
    assert archive.found("17号 年份:2022") == archive.seed("001")


def test_the_header_is_indexed_and_a_broken_number_is_found_with_a_highlight(archive: Archive) -> None:
    hits = archive.search("扎民委字〔2023〕7号")["hits"]
    assert [h["id"] for h in hits] == archive.ids["broken.txt"]
    assert "<em>扎民委字〔2023 7</em>" in hits[0]["highlight"]
    assert archive.seed("001") <= archive.found("广元市卫生健康委员会文件")  # a header line, word for word


def test_filters_are_read_as_people_write_them(archive: Archive) -> None:
    assert archive.found("年份:2024年 第41个") == archive.seed("002")
    assert archive.found("日期:2024 第41个") == archive.seed("002")
    assert archive.found("日期:2024年9月 第41个") == archive.seed("002")
    assert archive.found("日期:2024年8月 第41个") == set()


@pytest.mark.parametrize(("typed", "wants"), [("年份:去年", "年份要写四位数的年"), ("日期:明天", "日期要写成")])
def test_a_filter_that_cannot_be_read_says_why(archive: Archive, typed: str, wants: str) -> None:
    error = archive.search(typed, status=422)["error"]
    assert error["code"] == "query_filter_invalid" and wants in error["message_zh"]
    page_login(archive.client, "archivist")
    page = archive.client.get("/search", params={"q": typed})
    assert page.status_code == 422 and wants in page.text


def test_abbreviations_find_the_other_form_ranked_after_and_marked(archive: Archive) -> None:
    found = archive.search("卫生健康委员会")
    exact = [h for h in found["hits"] if h["match"] == "exact"]
    abbreviated = [h["id"] for h in found["hits"] if h["match"] == "abbreviation"]
    assert archive.ids["wjw.txt"][0] in abbreviated and "卫健委" in found["expanded"]
    assert found["hits"][: len(exact)] == exact  # the exact ones first
    assert archive.ids["tzb.txt"][0] in archive.found("统一战线工作部", "abbreviation")


def test_an_abbreviation_a_document_defines_is_used_for_others(archive: Archive) -> None:
    assert archive.found("石榴籽志愿服务队") == set(archive.ids["defines.txt"])
    assert archive.found("石榴籽志愿服务队", "abbreviation") == set(archive.ids["uses.txt"])


def test_a_phrase_split_by_other_words_is_found_near_and_an_absent_word_finds_nothing(archive: Archive) -> None:
    assert archive.found("民族团结活动月") == set()
    assert archive.seed("002") <= archive.found("民族团结活动月", "near")
    nothing = archive.search("民族量子团结")
    assert nothing["total"] == 0 and nothing["hits"] == []


def test_a_misspelling_finds_nothing_and_suggests_a_near_spelling(archive: Archive) -> None:
    result = archive.search("名族团结")
    assert result["total"] == 0 and result["suggestion"] == "民族团结"
    page_login(archive.client, "archivist")
    page = archive.client.get("/search", params={"q": "名族团结"}).text
    assert "没有找到" in page and "您要找的是不是" in page and "民族团结</a>" in page


def test_the_parts_of_a_compilation_can_be_told_apart(archive: Archive) -> None:
    hits = archive.search("宣传月活动总结")["hits"]
    parts = [h for h in hits if h["id"] in archive.seed("003")]
    assert len(parts) == 10 and len({h["title"] for h in parts}) == 10
    assert all(h["collection_title"] == "关于2024年民族团结进步宣传月活动总结" for h in parts)
