"""The Elasticsearch adapter against the official client's real request path, with the transport node replaced by
the fake in tests/helpers/elasticsearch_fake.py (no cluster runs here): the request bodies it sends, how it maps
every error, and what it does when the cluster fails on cue. The live cluster suite is
tests/contract/test_search_index.py."""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path

import pytest

from search import DocumentsRejected, QueryInvalid, SearchDoc, SearchError, SearchQuery, Visibility
from search.analysis import ANALYSIS_VERSION
from search.elasticsearch import ElasticsearchIndex, ElasticsearchOptions, index_body, to_source
from search.query import parse
from search.recall import Stage, with_near_words
from tests.helpers.elasticsearch_fake import FakeCluster

EVERYONE = Visibility(None, 3)
SECRET = "s3cret-Pa55"
API_KEY = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _doc(i: int, title: str = "关于开展健康义诊活动的通知", body: str = "各医疗卫生单位开展健康义诊。") -> SearchDoc:
    return SearchDoc(i, title, body, date=dt.date(2024, 9, 5), organs=(1,))


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


def _index(cluster: FakeCluster, url: str = "http://127.0.0.1:9200", **options: object) -> ElasticsearchIndex:
    settings = {"node_class": cluster.node_class(), "retire_grace": 0.0, "initial_backoff": 0.01, **options}
    index = ElasticsearchIndex(url, alias="gw-test", options=ElasticsearchOptions(**settings))  # type: ignore[arg-type]
    index.sleep = lambda seconds: cluster.requests.append(_sleep_marker(seconds))  # type: ignore[arg-type]
    return index


def _sleep_marker(seconds: float) -> object:
    from tests.helpers.elasticsearch_fake import Request

    return Request("SLEEP", f"/{seconds}", {}, None, {}, None)


def test_no_client_is_built_before_use() -> None:
    assert ElasticsearchIndex(_dead_url())._client is None


@pytest.mark.parametrize(
    "call",
    [
        lambda i: i.upsert([SearchDoc(1, "标题的通知", "正文")]),
        lambda i: i.delete([1]),
        lambda i: i.search(SearchQuery("义诊")),
        lambda i: i.count(),
        lambda i: i.rebuild(iter([])),
        lambda i: i.built_with_current_analysis(),
    ],
)
def test_an_unreachable_cluster_is_a_search_error_without_the_credentials(call: object) -> None:
    url = _dead_url().replace("//", f"//elastic:{SECRET}@")
    index = ElasticsearchIndex(url, options=ElasticsearchOptions(request_timeout=1, max_retries=0))
    with pytest.raises(SearchError) as err:
        call(index)  # type: ignore[operator]
    assert err.value.code == "search_unavailable"
    said = f"{err.value} {err.value.zh} {err.value.en} {err.value.__cause__} {err.value.__context__}"
    assert SECRET not in said and "elastic:" not in said
    index.close()


def test_credentials_go_in_headers_never_in_messages(cluster: FakeCluster) -> None:
    index = _index(cluster, f"https://elastic:{SECRET}@es.example:9200")
    index.count()
    assert cluster.requests[-1].headers["authorization"].startswith("Basic ")
    cluster.fail("_count", status=401, error_type="security_exception")
    with pytest.raises(SearchError) as err:
        index.count()
    assert err.value.code == "search_auth_failed" and SECRET not in str(err.value) and "elastic:" not in str(err.value)
    assert index.redact(f"failed with {SECRET} at https://elastic:{SECRET}@es.example:9200") == (
        "failed with *** at https://***@es.example:9200"
    )


def test_api_key_and_tls_settings_reach_the_transport(cluster: FakeCluster, tmp_path: Path) -> None:
    keyed = _index(cluster, api_key=API_KEY)
    keyed.count()
    assert cluster.requests[-1].headers["authorization"] == f"ApiKey {API_KEY}"
    ca = tmp_path / "ca.crt"
    ca.write_text("placeholder: the fake node never opens it")
    pinned = _index(FakeCluster(), "https://es.example:9200", ca_certs=str(ca), ssl_assert_fingerprint="AB:CD")
    config = pinned.client.transport.node_pool.all()[0].config
    assert (config.ca_certs, config.ssl_assert_fingerprint, config.verify_certs) == (str(ca), "AB:CD", True)
    lax = _index(FakeCluster(), "https://es.example:9200", verify_certs=False)
    assert lax.client.transport.node_pool.all()[0].config.verify_certs is False


def test_errors_map_to_stable_codes(cluster: FakeCluster) -> None:
    index = _index(cluster)
    index.count()
    for status, code in ((429, "search_busy"), (400, "search_request_rejected"), (500, "search_unavailable")):
        cluster.fail("_count", status=status, times=3)
        with pytest.raises(SearchError) as err:
            index.count()
        assert err.value.code == code and err.value.zh and err.value.en
        cluster.cues.clear()


def test_the_first_generation_is_made_with_its_write_alias_in_one_call(cluster: FakeCluster) -> None:
    index = _index(cluster)
    index.upsert([_doc(1)])
    creates = [r for r in cluster.requests if r.method == "PUT" and r.path == "/gw-test-000001"]
    assert len(creates) == 1 and creates[0].body["aliases"] == {"gw-test": {"is_write_index": True}}
    assert "POST /_aliases" not in cluster.lines()


def test_a_second_process_creating_the_first_generation_at_once_succeeds(cluster: FakeCluster) -> None:
    first, second = _index(cluster), _index(cluster)
    first.upsert([_doc(1)])
    cluster.fail("HEAD /_alias/gw-test", status=404)  # the second looked before the first had made it
    second.upsert([_doc(2)])
    assert sorted(cluster.indices) == ["gw-test-000001"]
    assert sorted(cluster.indices["gw-test-000001"].docs) == ["1", "2"]


def test_the_template_carries_shards_replicas_and_the_analysis_version(cluster: FakeCluster) -> None:
    _index(cluster).upsert([_doc(1)])
    settings = cluster.templates["gw-test"]["template"]["settings"]
    assert (settings["number_of_shards"], settings["number_of_replicas"]) == (1, 0)  # green on one node
    other = FakeCluster()
    _index(other, shards=3, replicas=1).upsert([_doc(1)])
    settings = other.templates["gw-test"]["template"]["settings"]
    assert (settings["number_of_shards"], settings["number_of_replicas"]) == (3, 1)
    assert other.templates["gw-test"]["template"]["mappings"]["_meta"] == {"analysis": ANALYSIS_VERSION}
    plain = index_body(set())
    assert "fields" not in plain["mappings"]["properties"]["body_raw"]
    both = index_body({"analysis-smartcn", "analysis-ik"})
    assert set(both["mappings"]["properties"]["body_raw"]["fields"]) == {"smartcn", "ik"}


def test_bulk_requests_refused_with_429_are_retried_with_backoff(cluster: FakeCluster) -> None:
    index = _index(cluster)
    index.upsert([_doc(1)])
    cluster.refuse["2"] = (429, "es_rejected_execution_exception")
    with pytest.raises(SearchError) as err:  # refused on every retry: the rows stay for later
        index.upsert([_doc(2)])
    assert err.value.code == "search_busy"
    assert len(cluster.lines("_bulk")) == 1 + 1 + 4  # the first write, then one try and 4 retries
    del cluster.refuse["2"]
    index.upsert([_doc(2)])
    assert "2" in cluster.indices["gw-test-000001"].docs


def test_a_document_refused_for_good_does_not_stop_the_others(cluster: FakeCluster) -> None:
    index = _index(cluster)
    cluster.refuse["3"] = (400, "mapper_parsing_exception")
    with pytest.raises(DocumentsRejected) as err:
        index.upsert([_doc(2), _doc(3), _doc(4)])
    assert list(err.value.rejected) == [3] and "mapper_parsing_exception" in err.value.rejected[3]
    assert sorted(cluster.indices["gw-test-000001"].docs) == ["2", "4"]


def test_a_failed_rebuild_leaves_no_orphan_generation(cluster: FakeCluster) -> None:
    index = _index(cluster)
    index.upsert([_doc(1)])
    cluster.fail("_bulk", status=None, times=10)  # the connection drops while the new generation fills
    with pytest.raises(SearchError):
        index.rebuild(iter([_doc(1), _doc(2)]))
    assert sorted(cluster.indices) == ["gw-test-000001"]
    assert cluster.indices["gw-test-000001"].aliases == {"gw-test": {"is_write_index": True}}


def test_the_old_generation_is_deleted_only_after_the_grace_period(cluster: FakeCluster) -> None:
    index = _index(cluster, retire_grace=7.0)
    index.upsert([_doc(1)])
    cluster.requests.clear()
    assert index.rebuild(iter([_doc(1), _doc(2)])) == 2
    lines = cluster.lines()
    swap, sleep, drop = lines.index("POST /_aliases"), lines.index("SLEEP /7.0"), lines.index("DELETE /gw-test-000001")
    assert swap < sleep < drop
    (live,) = cluster.indices
    assert cluster.indices[live].aliases == {"gw-test": {"is_write_index": True}}
    assert cluster.requests[lines.index("PUT /gw-test-000001/_mapping")].body["_meta"]["retired_at"] > 0


def test_a_retired_generation_left_behind_is_dropped_by_the_next_rebuild(cluster: FakeCluster) -> None:
    index = _index(cluster)
    index.upsert([_doc(1)])
    index.sleep = lambda seconds: (_ for _ in ()).throw(KeyboardInterrupt())  # the process stops while waiting
    with pytest.raises(KeyboardInterrupt):
        index.rebuild(iter([_doc(1)]))
    assert len(cluster.indices) == 2
    index.sleep = lambda seconds: None
    index.rebuild(iter([_doc(1)]))
    assert len(cluster.indices) == 1


def test_each_call_has_its_timeout(cluster: FakeCluster) -> None:
    index = _index(cluster, request_timeout=4.0, bulk_timeout=33.0)
    index.upsert([_doc(1)])
    index.search(SearchQuery("义诊", visibility=EVERYONE, facets=False))
    bulk = next(r for r in cluster.requests if "_bulk" in r.path)
    search = next(r for r in cluster.requests if r.path.endswith("/_search"))
    assert bulk.timeout == 33.0 and search.timeout == 4.0
    assert search.body["timeout"] == "3s"  # the shards stop before the client gives up


def test_partial_results_are_flagged(cluster: FakeCluster) -> None:
    index = _index(cluster)
    index.upsert([_doc(1)])
    cluster.search_answer = {"_shards": {"total": 3, "successful": 2, "skipped": 0, "failed": 1}}
    assert index.search(SearchQuery("义诊", visibility=EVERYONE)).partial
    cluster.search_answer = {"timed_out": True}
    assert index.search(SearchQuery("义诊", visibility=EVERYONE)).partial
    cluster.search_answer = {}
    assert not index.search(SearchQuery("义诊", visibility=EVERYONE)).partial


def test_deep_pages_are_refused_with_a_clear_message(cluster: FakeCluster) -> None:
    index = _index(cluster)
    with pytest.raises(QueryInvalid) as err:
        index.search(SearchQuery("义诊", offset=9_990, limit=20))
    assert err.value.code == "search_window_exceeded" and "10000" in err.value.zh
    assert not cluster.lines("_search")  # refused before asking the cluster


def _body(text: str) -> dict[str, object]:
    index = ElasticsearchIndex("http://127.0.0.1:9200")
    query = SearchQuery(text, visibility=EVERYONE)
    return index.search_body(Stage("exact", parse(text)), query)


def test_a_lone_character_is_a_term_query_never_a_regexp() -> None:
    body = json.dumps(_body("中"), ensure_ascii=False)
    assert "regexp" not in body and "wildcard" not in body and "prefix" not in body
    assert '"body.first": {"value": "中"' in body


def test_request_bodies_of_phrases_numbers_and_filters() -> None:
    body = json.dumps(_body('"民族团结" 扎民委字2024年32号 年份:2024 机关:市民委'), ensure_ascii=False)
    assert '"match_phrase": {"body": {"query": "民族 族团 团结"' in body
    assert '{"term": {"prefix_key": "扎民委"}}' in body and '{"term": {"doc_seq": 32}}' in body
    assert '{"term": {"doc_year": 2024}}' in body and '{"term": {"year": 2024}}' in body
    assert '{"term": {"issuer_names": "市民委"}}' in body
    near_query = with_near_words(parse("民族团结活动月"))
    assert near_query is not None
    index = ElasticsearchIndex("http://127.0.0.1:9200")
    near = json.dumps(index.search_body(Stage("near", near_query), SearchQuery("民族团结活动月", visibility=EVERYONE)))
    assert '"span_near"' in near and '"in_order": true' in near


def test_source_carries_the_shared_token_streams() -> None:
    src = to_source(SearchDoc(7, "關於義診的通知", "健康义诊", "国发〔2024〕5号"))
    assert src["title"] == "关 关于 于义 义诊 诊的 的通 通知 知"
    assert src["number_text"] == "国 国发 发 2024 5 号"
    assert (src["prefix_key"], src["doc_year"], src["doc_seq"], src["year"], src["day"]) == ("国发", 2024, 5, 0, 0)


def test_a_rebuild_goes_live_without_the_documents_refused_for_good(cluster: FakeCluster) -> None:
    index = _index(cluster)
    index.upsert([_doc(1)])
    cluster.refuse["2"] = (400, "mapper_parsing_exception")
    with pytest.raises(DocumentsRejected) as err:
        index.rebuild(iter([_doc(1), _doc(2), _doc(3)]))
    assert list(err.value.rejected) == [2]
    (live,) = cluster.indices
    assert live != "gw-test-000001" and sorted(cluster.indices[live].docs) == ["1", "3"]


def test_source_carries_the_issuers_short_forms_and_the_stems_of_learnt_abbreviations() -> None:
    doc = SearchDoc(
        8, "通知", "开展民族团结进步宣传月（简称民宣月）活动。", issuers=("中共扎兰屯市委员会统一战线工作部",)
    )
    src = to_source(doc)
    assert {"中共扎兰屯市委员会统一战线工作部", "扎兰屯市委统战部", "市委统战部", "统战部"} <= set(src["issuer_names"])
    assert src["abbr_pair"] == ["民族团结进步宣传月\t民宣月", "民族团结进步宣传\t民宣"]
    assert {"民族团结进步宣传", "民宣"} <= set(src["abbr_key"])


def test_an_issuer_nobody_has_is_checked_with_the_filter_alone(cluster: FakeCluster) -> None:
    index = _index(cluster)
    index.upsert([_doc(1)])
    result = index.search(SearchQuery("义诊 机关:扎兰屯市档案局", visibility=EVERYONE))
    assert [n.code for n in result.notices] == ["issuer_unknown"]
    alone = [r.body for r in cluster.requests if r.path.endswith("/_search")][-1]
    text = json.dumps(alone, ensure_ascii=False)
    assert '{"term": {"issuer_names": "扎兰屯市档案局"}}' in text and "义诊" not in text
