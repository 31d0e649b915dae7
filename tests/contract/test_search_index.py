"""One contract for every SearchIndex: the embedded engine always, Elasticsearch when GONGWEN_TEST_ES_URL is set.
The same corpus (the three example documents and a few of the test's own) and the same queries must give the same
documents on both."""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from search import Filters, QueryInvalid, SearchDoc, SearchIndex, SearchQuery, Visibility, open_search_index
from services.seed.texts import JOINT_NOTICE, PLAN_NOTICE, SUMMARIES, document_text

ES_URL = os.environ.get("GONGWEN_TEST_ES_URL")
MONGOLIAN = "ᠵᠠᠯᠠᠨᠲᠤ ᠰᠢ ᠪᠣᠯᠠᠭ ᠠᠨᠠᠨᠠᠭ"


def corpus() -> list[SearchDoc]:
    return [
        SearchDoc(
            1,
            "扎兰屯市第42个全区民族团结进步活动月工作总结汇编",
            document_text(SUMMARIES),
            None,
            None,
            ("扎兰屯市民族事务委员会",),
            "报告",
            "imported",
            "imported",
            "D30",
            dt.date(2025, 10, 15),
            (14,),
            0,
            "summaries.txt",
        ),
        SearchDoc(
            2,
            "关于印发《扎兰屯市2025年民族团结进步示范单位创建工作实施方案》的通知",
            document_text(PLAN_NOTICE),
            "扎民委字〔2025〕11号",
            "扎民委字〔2025〕11号",
            ("扎兰屯市民族事务委员会",),
            "通知",
            "distributed",
            "outgoing",
            "Y",
            dt.date(2025, 4, 2),
            (13,),
            0,
            None,
        ),
        SearchDoc(
            3,
            "关于印发《扎兰屯市第42个全区民族团结进步活动月系列活动方案》的通知",
            document_text(JOINT_NOTICE),
            "扎民委字〔2025〕27号",
            None,
            ("中共扎兰屯市委员会统一战线工作部", "中共扎兰屯市委员会宣传部", "扎兰屯市民族事务委员会"),
            "通知",
            "distributed",
            "outgoing",
            "D30",
            dt.date(2025, 8, 26),
            (2, 3, 4, 5),
            0,
            None,
        ),
        SearchDoc(
            4,
            "關於開展健康義診活動的通知",
            "各醫療衛生單位深入基層，開展社區健康講座、健康義診。",
            None,
            None,
            ("扎兰屯市卫生健康委员会",),
            "通知",
            "distributed",
            "outgoing",
            "D10",
            dt.date(2023, 3, 2),
            (6,),
            0,
            None,
        ),
        SearchDoc(
            5,
            "蒙古文名称测试的函",
            f"{MONGOLIAN}\n扎兰屯市民族事务委员会来函。",
            None,
            None,
            ("扎兰屯市民族事务委员会",),
            "函",
            "distributed",
            "outgoing",
            "D10",
            dt.date(2024, 1, 5),
            (4,),
            0,
            None,
        ),
        SearchDoc(
            6,
            "关于石榴籽工程保密事项的通知",
            "石榴籽工程实施细节，涉密。",
            "扎民委字〔2024〕33号",
            None,
            ("扎兰屯市民族事务委员会",),
            "通知",
            "distributed",
            "outgoing",
            "Y",
            dt.date(2024, 10, 1),
            (4,),
            2,
            None,
        ),
    ]


@pytest.fixture(params=["embedded", "elasticsearch"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    if request.param == "embedded":
        idx = open_search_index(f"embedded://{tmp_path / 'index'}")
    else:
        if not ES_URL:
            pytest.skip("Elasticsearch contract tests need GONGWEN_TEST_ES_URL (e.g. http://127.0.0.1:9200)")
        from search.elasticsearch import ElasticsearchIndex, ElasticsearchOptions

        options = ElasticsearchOptions(retire_grace=0.5, initial_backoff=0.2)
        idx = ElasticsearchIndex(ES_URL, alias=f"gongwen-test-{uuid.uuid4().hex[:8]}", options=options)
        request.addfinalizer(lambda: _remove_everything_of(idx))
    idx.upsert(corpus())
    yield idx
    idx.close()


def _remove_everything_of(index: SearchIndex) -> None:
    """The live suite leaves no index or template behind (each test has an alias of its own)."""
    from search.elasticsearch import ElasticsearchIndex

    assert isinstance(index, ElasticsearchIndex)
    index.client.indices.delete(index=f"{index.alias}-*", ignore_unavailable=True, allow_no_indices=True)
    index.client.indices.delete_index_template(name=index.alias, ignore=[404])
    index.close()


PUBLIC = Visibility(None, 0)  # every organ, no clearance


def ids(index: SearchIndex, text: str, match: str = "exact", **kw: object) -> list[int]:
    """The documents a query finds as typed (or found by its other forms, or near, with ``match``)."""
    kw.setdefault("visibility", PUBLIC)
    hits = index.search(SearchQuery(text, **kw)).hits  # type: ignore[arg-type]
    return sorted(h.id for h in hits if h.match == match)


def test_two_character_words(index: SearchIndex) -> None:
    assert ids(index, "义诊") == [1, 3, 4]
    assert ids(index, "石榴") == [1, 3]  # doc 6 is 机密: only the cleared see it
    assert ids(index, "石榴", visibility=Visibility(None, 3)) == [1, 3, 6]


def test_phrases_match_exactly(index: SearchIndex) -> None:
    assert ids(index, "民族团结进步活动月") == [1, 3]
    assert ids(index, '"民族团结 进步示范单位"') == [2]
    assert ids(index, "团结进步民族") == []


def test_a_phrase_never_reaches_across_punctuation_or_other_words(index: SearchIndex) -> None:
    body = "加强民族工，团结一致。坚持民族ab团结。推进示范单位、创建活动。"
    index.upsert([SearchDoc(7, "测试用文", body, date=dt.date(2024, 2, 1))])
    assert ids(index, "民族团结一致") == []
    assert ids(index, "民族团结") == [1, 2, 3]  # the example documents only; doc 7 never has the four side by side
    assert ids(index, '"示范单位，创建"') == [7]  # typed punctuation stands for any
    assert ids(index, '"民族ab团结"') == [7]


def test_absent_words_return_nothing_not_scattered_characters(index: SearchIndex) -> None:
    assert ids(index, "量子计算") == []
    assert ids(index, "榴义") == []  # both characters occur, never side by side
    assert ids(index, "义诊 量子") == []


def test_and_or_not(index: SearchIndex) -> None:
    assert ids(index, "义诊 石榴") == [1, 3]
    assert ids(index, "示范单位 OR 蒙古文") == [2, 5]
    assert ids(index, "义诊 -石榴") == [4]
    assert ids(index, "义诊 NOT 石榴") == [4]


@pytest.mark.parametrize(
    "typed",
    [
        "扎民委字〔2025〕27号",
        "扎民委字[2025]27号",
        "扎民委字【2025】27号",
        "扎民委字（2025）27号",
        "扎民委字〔2025〕第027号",
        "扎民委字 2025 27",
    ],
)
def test_doc_number_in_any_bracket(index: SearchIndex, typed: str) -> None:
    assert ids(index, typed) == [3]


def test_doc_number_filter_and_issuer(index: SearchIndex) -> None:
    assert ids(index, "", filters=Filters(doc_number="扎民委字〔2025〕11号")) == [2]
    assert ids(index, "活动月", filters=Filters(issuer="中共扎兰屯市委员会宣传部")) == [3]
    assert ids(index, "通知", filters=Filters(issuer="扎兰屯市民族事务委员会")) == [2, 3]
    assert ids(index, "扎兰屯市民族事务委员会") == [1, 2, 3, 5]  # in the text or as the issuer


def test_traditional_and_simplified_find_each_other(index: SearchIndex) -> None:
    assert ids(index, "義診") == [1, 3, 4]
    assert ids(index, "健康义诊") == [1, 3, 4]
    assert ids(index, "健康義診") == [1, 3, 4]
    assert ids(index, "團結進步活動月") == [1, 3]


def test_mongolian_text_indexes_and_is_found(index: SearchIndex) -> None:
    assert ids(index, "ᠵᠠᠯᠠᠨᠲᠤ") == [5]
    assert ids(index, "来函") == [5]


def test_filters_dates_sort_and_pages(index: SearchIndex) -> None:
    assert ids(index, "民族", filters=Filters(year=2025)) == [1, 2, 3]
    assert ids(index, "民族", filters=Filters(year=2024)) == [5]
    assert ids(index, "民族", filters=Filters(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 8, 31))) == [2, 3]
    newest = index.search(SearchQuery("民族", sort="date", visibility=PUBLIC))
    assert [h.id for h in newest.hits] == [1, 3, 2, 5]
    page = index.search(SearchQuery("民族", sort="date", limit=1, offset=2, visibility=PUBLIC))
    assert page.total == 4 and [h.id for h in page.hits] == [2]


def test_visibility_by_organ_and_rank(index: SearchIndex) -> None:
    assert ids(index, "通知", visibility=Visibility(frozenset({4}), 0)) == [3]
    assert ids(index, "通知", visibility=Visibility(frozenset({4}), 2)) == [3, 6]
    assert ids(index, "通知", visibility=Visibility(frozenset(), 3)) == []


def test_title_matches_rank_first_and_hits_carry_highlights(index: SearchIndex) -> None:
    result = index.search(SearchQuery("义诊", visibility=PUBLIC))
    assert result.hits[0].id == 4  # in the title
    assert "<em>義診</em>" in result.hits[0].highlight
    hit = index.search(SearchQuery("扎民委字[2025]27号", visibility=PUBLIC)).hits[0]
    assert hit.doc_number == "扎民委字〔2025〕27号" and len(hit.issuers) == 3 and hit.date == dt.date(2025, 8, 26)


def test_facets(index: SearchIndex) -> None:
    facets = index.search(SearchQuery("民族", visibility=PUBLIC)).facets
    assert dict(facets["year"]) == {"2025": 3, "2024": 1}
    assert dict(facets["retention"]) == {"D30": 2, "Y": 1, "D10": 1}
    assert ("扎兰屯市民族事务委员会", 4) in facets["issuer"]
    assert dict(facets["doc_type"]) == {"通知": 2, "报告": 1, "函": 1}


def test_replace_and_delete(index: SearchIndex) -> None:
    doc = corpus()[3]
    index.upsert([SearchDoc(doc.id, "关于开展送医下乡活动的通知", "送医下乡。", date=doc.date, organs=doc.organs)])
    assert ids(index, "义诊") == [1, 3]
    assert ids(index, "送医下乡") == [4]
    index.delete([4])
    assert ids(index, "送医下乡") == []
    assert index.count() == 5


def test_search_keeps_working_during_a_rebuild(index: SearchIndex) -> None:
    docs = corpus()
    extra = [SearchDoc(100 + i, f"第{i}号活动的通知", "民族团结进步。" * 50, organs=(1,)) for i in range(1500)]
    answers: list[list[int]] = []
    done = threading.Event()

    def keep_searching() -> None:
        while not done.is_set():
            answers.append(ids(index, "石榴"))

    thread = threading.Thread(target=keep_searching)
    thread.start()
    try:
        assert index.rebuild(iter(docs + extra)) == 1506
    finally:
        done.set()
        thread.join()
    assert answers and all(a == [1, 3] for a in answers)
    assert ids(index, "石榴") == [1, 3] and index.count() == 1506


def test_an_index_knows_it_was_built_by_the_current_analysis(index: SearchIndex) -> None:
    assert index.built_with_current_analysis()
    index.rebuild(iter(corpus()))
    assert index.built_with_current_analysis() and ids(index, "石榴") == [1, 3]


@pytest.mark.parametrize("typed", ["第42个", "是第42个", "42个全区", "9月", "2025年"])
def test_a_character_beside_digits_is_found(index: SearchIndex, typed: str) -> None:
    assert 3 in ids(index, typed)


def test_a_lone_character_finds_it_anywhere_in_a_word(index: SearchIndex) -> None:
    assert ids(index, "榴") == [1, 3]  # inside 石榴籽
    assert ids(index, "籽") == [1, 3]


@pytest.mark.parametrize(
    "typed", ["扎民委字2025年27号", "扎民委〔2025〕27号", "扎民委字〔2025〕27", "扎民委字27号", "27号 年份:2025"]
)
def test_a_doc_number_as_typed(index: SearchIndex, typed: str) -> None:
    assert ids(index, typed) == [3]


def test_a_year_is_that_of_the_date_or_of_the_doc_number(index: SearchIndex) -> None:
    index.upsert([SearchDoc(8, "关于2021年工作的报告", "工作报告。", "扎民委字〔2021〕3号", date=dt.date(2022, 1, 4))])
    assert ids(index, "工作报告", filters=Filters(year=2021)) == [8]
    assert ids(index, "工作报告", filters=Filters(year=2022)) == [8]


def test_an_undated_document_is_a_facet_value_and_sorted_last(index: SearchIndex) -> None:
    index.upsert([SearchDoc(9, "民族工作方案", "民族工作。"), SearchDoc(10, "民族工作计划", "民族工作。", year=2024)])
    found = index.search(SearchQuery("民族", sort="date", visibility=PUBLIC))
    assert dict(found.facets["year"])["日期不详"] == 1 and dict(found.facets["year"])["2024"] == 2
    assert [h.id for h in found.hits] == [1, 3, 2, 5, 10, 9]  # a year alone after that year's dated; no date last
    assert ids(index, "民族", filters=Filters(year=0)) == [9]


def test_deep_pages_are_refused_alike(index: SearchIndex) -> None:
    with pytest.raises(QueryInvalid) as err:
        index.search(SearchQuery("民族", offset=9_995, limit=10, visibility=PUBLIC))
    assert err.value.code == "search_window_exceeded"


def test_other_forms_and_near_words_come_after_the_exact_hits_marked(index: SearchIndex) -> None:
    index.upsert([SearchDoc(11, "关于开展义诊的通知", "请市卫健委组织义诊。", organs=(6,))])
    result = index.search(SearchQuery("卫生健康委员会", visibility=PUBLIC, limit=50))
    matches = [(h.id, h.match) for h in result.hits]
    assert (11, "abbreviation") in matches and (1, "exact") in matches
    kinds = [m for _, m in matches]
    assert kinds == sorted(kinds, key=lambda m: m != "exact")  # every exact hit before any other
    assert ids(index, "民族团结活动月", "near") == [1, 3]  # 民族团结进步活动月
    assert index.search(SearchQuery("民族量子团结", visibility=PUBLIC)).total == 0


def test_a_misspelling_suggests_a_near_spelling_that_finds_something(index: SearchIndex) -> None:
    result = index.search(SearchQuery("名族团结", visibility=PUBLIC))
    assert result.total == 0 and result.suggestion == "民族团结"


def test_an_issuer_is_found_by_the_short_forms_of_its_full_name(index: SearchIndex) -> None:
    """Only full names are indexed here (no organ, no alias): 机关: still takes the place cut to its level or
    dropped, 委员会 as 委 and the field's short forms; a name no issuer has is said to be so."""
    assert ids(index, "机关:统战部") == ids(index, "机关:市委统战部") == [3]
    assert ids(index, "机关:市民委") == ids(index, "机关:民族事务委员会") == [1, 2, 3, 5]
    assert ids(index, "机关:扎兰屯市卫健委") == ids(index, "机关:卫生健康委") == [4]
    unknown = index.search(SearchQuery("机关:市档案局", visibility=PUBLIC))
    assert unknown.total == 0 and [n.code for n in unknown.notices] == ["issuer_unknown"]
    known = index.search(SearchQuery("机关:市卫健委 石榴籽", visibility=PUBLIC))
    assert known.total == 0 and known.notices == ()


def test_a_learnt_abbreviation_also_teaches_its_stem(index: SearchIndex) -> None:
    index.upsert(
        [
            SearchDoc(21, "关于开展宣传月活动的通知", "九月开展民族团结进步宣传月（简称民宣月）活动。", organs=(6,)),
            SearchDoc(22, "关于报送工作信息的通知", "请每月报送民宣工作信息。", organs=(6,)),
        ]
    )
    assert ids(index, "民族团结进步宣传") == [21] and ids(index, "民族团结进步宣传", "abbreviation") == [22]
