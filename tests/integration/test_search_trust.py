"""Search as an archivist tries it on the imported example documents (and a few small texts beside them): the right
dates,
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
from tests.helpers.imports import import_files
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
    # no 成文日期: the year of its 文号, and the year of its title
    "numbered.txt": "扎兰屯市民族事务委员会文件\n扎民委字〔2023〕12号\n关于做好少数民族流动人口服务工作的通知\n"
    "各乡镇、街道：\n请各乡镇、街道做好少数民族流动人口服务工作。\n",
    "titled.txt": "关于2022年民族团结进步创建工作的总结\n市民委：\n我局围绕创建目标开展了各项工作。\n",
}
EXAMPLES = ("joint-notice.txt", "plan.txt", "summaries.txt")


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

    def of(self, name: str) -> set[int]:
        return set(self.ids[name])


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Archive]:
    from services.app import create_app
    from services.seed.example import DEMO_PASSWORD, load_organs_and_users
    from services.seed.texts import document_text

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
        files = [("files", (name, document_text(name).encode(), "text/plain")) for name in EXAMPLES]
        files += [("files", (name, text.encode(), "text/plain")) for name, text in EXTRA.items()]
        report = import_files(client, runtime, headers, files)
        assert [f["status"] for f in report] == ["imported"] * len(files), report
        with runtime.context() as ctx:
            IndexingService(ctx).apply_batch(runtime.search_index, 5000)
        yield Archive(client, headers, runtime, {f["filename"]: f["document_ids"] for f in report})
    runtime.close()


def test_a_year_finds_every_document_of_that_year_by_its_date_number_or_title(archive: Archive) -> None:
    expected = archive.of("joint-notice.txt") | archive.of("plan.txt")  # 成文日期 2025-08-26 and 2025-04-02
    assert len(expected) == 2
    assert {h["id"] for h in archive.search("年份:2025")["hits"]} == expected
    assert {h["id"] for h in archive.search("", year="2025")["hits"]} == expected
    assert {h["id"] for h in archive.search("年份:2023")["hits"]} == archive.of("numbered.txt")  # from its 文号
    assert {h["id"] for h in archive.search("年份:2022")["hits"]} == archive.of("titled.txt")  # from its title


def test_no_document_is_dated_the_day_it_was_imported(archive: Archive) -> None:
    facets = dict(archive.search("民族")["facets"]["year"])
    assert str(dt.date.today().year) not in facets
    assert set(facets) <= {"2022", "2023", "2025", "日期不详"}
    hit = next(h for h in archive.search("扎民委字〔2023〕12号")["hits"])
    assert hit["date"] is None and hit["year"] == 2023


def test_documents_without_a_date_are_a_facet_value_and_sorted_last(archive: Archive) -> None:
    undated = archive.of("summaries.txt")  # five units' 总结, none dated
    assert dict(archive.search("活动月")["facets"]["year"])["日期不详"] >= len(undated)
    assert undated <= {h["id"] for h in archive.search("年份:日期不详")["hits"]}
    ordered = archive.search("民族团结", sort="date")["hits"]
    years = [h["year"] for h in ordered]
    assert years.index(None) > years.index(2022) and all(y is None for y in years[years.index(None) :])


@pytest.mark.parametrize("typed", ["第42个", "是第42个", "42个全区", "9月"])
def test_a_character_beside_digits_is_found(archive: Archive, typed: str) -> None:
    assert archive.of("joint-notice.txt") <= archive.found(typed)


def test_a_year_as_written_in_the_text_is_found(archive: Archive) -> None:
    assert archive.of("joint-notice.txt") | archive.of("plan.txt") <= archive.found("2025年")


@pytest.mark.parametrize("typed", ["机关:市民委", "机关:统战部", "机关:扎兰屯市民族事务委员会", "扎兰屯市民委"])
def test_issuers_are_found_by_the_names_people_type(archive: Archive, typed: str) -> None:
    assert archive.of("joint-notice.txt") <= archive.found(typed)


@pytest.mark.parametrize(
    "typed",
    ["扎民委字〔2025〕27号", "扎民委字2025年27号", "扎民委〔2025〕27号", "扎民委字〔2025〕27", "扎民委字27号"],
)
def test_a_doc_number_is_found_as_typed(archive: Archive, typed: str) -> None:
    assert archive.found(typed) == archive.of("joint-notice.txt")


def test_a_bare_number_with_a_year_is_a_doc_number(archive: Archive) -> None:
    assert archive.found("27号 年份:2025") == archive.of("joint-notice.txt")
    assert archive.found("12号 年份:2023") == archive.of("numbered.txt")


def test_the_header_is_indexed_and_a_broken_number_is_found_with_a_highlight(archive: Archive) -> None:
    hits = archive.search("扎民委字〔2023〕7号")["hits"]
    assert [h["id"] for h in hits] == archive.ids["broken.txt"]
    assert "<em>扎民委字〔2023 7</em>" in hits[0]["highlight"]
    assert archive.of("plan.txt") <= archive.found("扎兰屯市民族事务委员会文件")  # a header line, word for word


def test_filters_are_read_as_people_write_them(archive: Archive) -> None:
    assert archive.found("年份:2025年 第42个") == archive.of("joint-notice.txt")
    assert archive.found("日期:2025 第42个") == archive.of("joint-notice.txt")
    assert archive.found("日期:2025年8月 第42个") == archive.of("joint-notice.txt")
    assert archive.found("日期:2025年9月 第42个") == set()


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
    assert archive.of("joint-notice.txt") <= archive.found("民族团结活动月", "near")
    nothing = archive.search("民族量子团结")
    assert nothing["total"] == 0 and nothing["hits"] == []


def test_a_misspelling_finds_nothing_and_suggests_a_near_spelling(archive: Archive) -> None:
    result = archive.search("名族团结")
    assert result["total"] == 0 and result["suggestion"] == "民族团结"
    page_login(archive.client, "archivist")
    page = archive.client.get("/search", params={"q": "名族团结"}).text
    assert "没有找到" in page and "您要找的是不是" in page and "民族团结</a>" in page


def test_the_parts_of_a_compilation_can_be_told_apart(archive: Archive) -> None:
    hits = archive.search("活动月")["hits"]
    parts = [h for h in hits if h["id"] in archive.of("summaries.txt")]
    assert len(parts) == 5 and len({h["title"] for h in parts}) == 5
    assert all(h["collection_title"] == "扎兰屯市第42个全区民族团结进步活动月工作总结" for h in parts)
