"""The Elasticsearch adapter builds no client until used and turns every vendor error into SearchError."""

from __future__ import annotations

import socket

import pytest

from search import SearchDoc, SearchError, SearchQuery
from search.analysis import ANALYSIS_VERSION
from search.elasticsearch import ElasticsearchIndex, index_body, to_source


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


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
def test_an_unreachable_cluster_is_a_search_error(call: object) -> None:
    index = ElasticsearchIndex(_dead_url())
    index._client = None
    from elasticsearch import Elasticsearch

    index._client = Elasticsearch(index.url, request_timeout=1, max_retries=0)
    with pytest.raises(SearchError) as err:
        call(index)  # type: ignore[operator]
    assert err.value.code == "search_unavailable"
    index.close()


def test_mapping_adds_plugin_fields_only_when_present() -> None:
    plain = index_body(set())
    assert "fields" not in plain["mappings"]["properties"]["body_raw"]
    both = index_body({"analysis-smartcn", "analysis-ik"})
    assert set(both["mappings"]["properties"]["body_raw"]["fields"]) == {"smartcn", "ik"}
    assert plain["settings"]["analysis"]["analyzer"]["gw_cjk"]["filter"][-1] == "cjk_bigram"
    assert plain["mappings"]["_meta"] == {"analysis": ANALYSIS_VERSION}  # an older index is rebuilt


def test_source_carries_the_shared_token_streams() -> None:
    src = to_source(SearchDoc(7, "關於義診的通知", "健康义诊", "国发〔2024〕5号"))
    assert src["title"] == "关于 于义 义诊 诊的 的通 通知"
    assert src["number_text"] == "国发 _ _ 2024 5 号"  # two fillers end a Han run (search/analysis.py)
