"""The embedded engine's fast paths answer exactly as scoring every match does: the best hits of a phrase query
checked among the cheap superset's best, and the count and facets gathered over two halves of the index."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.corpus import Corpus
from search import Filters, SearchQuery, SearchResult, Visibility
from search import embedded as engine
from search.embedded import EmbeddedIndex

EVERYONE = Visibility(None, 3)
QUERIES = [
    SearchQuery("民族团结", visibility=EVERYONE),
    SearchQuery('"铸牢中华民族共同体意识"', visibility=EVERYONE, limit=5),
    SearchQuery('"铸牢中华民族共同体意识"', visibility=EVERYONE, limit=5, offset=15),
    SearchQuery("志愿服务 健康义诊", visibility=EVERYONE),
    SearchQuery("宣传教育 OR 基层医疗", visibility=EVERYONE, sort="date"),
    SearchQuery("民族团结 -义诊", visibility=EVERYONE, limit=10, offset=20),
    SearchQuery('"各乡镇街道"', filters=Filters(issuer="广元市卫生健康委员会"), visibility=EVERYONE),
    SearchQuery('"民族团结进步活动月"', visibility=Visibility(frozenset({3, 7, 11}), 0)),
    SearchQuery("主题党日", filters=Filters(year=2020), visibility=EVERYONE, sort="date", limit=3),
    SearchQuery('"进一步提高干部职工"', visibility=EVERYONE, limit=50),
    # The exact phrase holds too few documents: they are all among the candidates, then found near each other.
    SearchQuery('"开展健康义诊活动"', visibility=EVERYONE),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedIndex:
    idx = EmbeddedIndex(Path(tmp_path_factory.mktemp("paths")) / "index")
    idx.rebuild(Corpus(7).docs(900))
    return idx


def _answer(result: SearchResult) -> tuple[int, list[tuple[int, float]], dict[str, list[tuple[str, int]]]]:
    return result.total, [(h.id, h.score) for h in result.hits], result.facets


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{q.text}@{q.offset}")
def test_fast_paths_give_the_answer_of_scoring_every_match(
    index: EmbeddedIndex, query: SearchQuery, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "MAX_CHECKED_PAGE", -1)
    monkeypatch.setattr(engine, "SPLIT_FROM", 10**9)
    reference = _answer(index.search(query))
    assert reference[0] > 0, "every query of this test matches something"
    monkeypatch.setattr(engine, "MAX_CHECKED_PAGE", 100)
    monkeypatch.setattr(engine, "CANDIDATES", 3)  # so small that checking often falls short and tries again
    monkeypatch.setattr(engine, "SPLIT_FROM", 10)
    assert _answer(index.search(query)) == reference
    monkeypatch.setattr(engine, "SAMPLE_FROM", 10)  # estimated on a third first, then counted: the estimate
    monkeypatch.setattr(engine, "SAMPLED_DOCS", 300)  # is below APPROXIMATE_FROM
    result = index.search(query)
    assert result.total_exact and _answer(result) == reference


def test_a_very_large_match_is_counted_on_a_sample_and_said_to_be_approximate(
    index: EmbeddedIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = SearchQuery("民族团结", visibility=EVERYONE)
    exact = index.search(query)
    assert exact.total_exact and exact.total > 400
    monkeypatch.setattr(engine, "SAMPLE_FROM", 10)
    monkeypatch.setattr(engine, "SAMPLED_DOCS", 300)  # a third of the 900 documents
    monkeypatch.setattr(engine, "APPROXIMATE_FROM", 100)
    estimate = index.search(query)
    assert not estimate.total_exact
    assert abs(estimate.total - exact.total) < exact.total * 0.2
    assert [h.id for h in estimate.hits] == [h.id for h in exact.hits]  # the best hits are never estimated
    years = dict(exact.facets["year"])
    for year, n in estimate.facets["year"]:
        assert abs(n - years[year]) <= max(12, years[year] * 0.6)


def test_slices_spread_neighbouring_ids() -> None:
    slices = [engine.sample_of(i) for i in range(1, 6401)]
    assert set(slices) == set(range(engine.SAMPLES))
    assert max(slices.count(s) for s in range(engine.SAMPLES)) < 130  # about 100 each
    assert len(set(slices[:16])) >= 12


@pytest.mark.parametrize("sets_read", [engine.ISSUER_SETS_READ, 1])  # 1: too few, read issuer by issuer
@pytest.mark.parametrize("text", ["民族团结", '"各乡镇街道"', "卫生健康委员会"])
def test_the_issuer_facet_read_from_issuer_sets_counts_each_issuer_as_the_issuer_field_does(
    index: EmbeddedIndex, text: str, sets_read: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "ISSUER_SETS_READ", sets_read)
    searcher = index._open().searcher()
    query = SearchQuery(text, visibility=EVERYONE)
    found = engine.plan(engine.SCHEMA, engine.parse(text, query.filters), query, None)
    assert found is not None
    by_field = engine._count_and_facets(searcher, found.matching, True, issuer_sets=False)
    by_sets = engine._count_and_facets(searcher, found.matching, True, issuer_sets=True)
    assert by_sets == by_field and by_field[1]["issuer"]
    assert sum(by_field[1]["issuer"].values()) > by_field[0]  # some documents have two issuers
