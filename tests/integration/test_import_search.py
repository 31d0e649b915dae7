"""What an archivist searching imported documents needs, on documents written for the test and a fresh home (no
organ registered for their issuers): 机关: by the short forms of an issuer's full name, a 机关: value that names
no issuer said so, the lines between a title and its 主送 (a broken 文号, 信息来源, 发布时间) kept and found, a
learnt abbreviation's stem, and a web page's publication time kept as such."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from search import Filters, SearchQuery, SearchResult
from services.accounts.service import UserService
from services.domain.models import Document
from services.imports.service import ImportService
from services.indexing.service import IndexingService, search_as
from services.runtime import Runtime
from tests.helpers.pages import page_login

WEB_PAGE = """某市民族宗教网
关于做好2021年民族团结进步宣传月工作的通知
某办发〔20211
信息来源：某市民族宗教事务局
发布时间：2021-09-01 10:20:33
各县区民宗局：
现就做好2021年民族团结进步宣传月工作通知如下。一要加强组织领导，二要丰富活动载体。
"""
JOINT = """中共扎兰屯市委员会统一战线工作部
扎兰屯市民族事务委员会
文件
扎民委字〔2023〕9号
关于开展石榴籽家园建设的通知
各乡镇、街道：
请结合实际开展石榴籽家园建设。
中共扎兰屯市委统战部
扎兰屯市民族事务委员会
2023年5月6日
"""
HEALTH = """广元市卫生健康委员会文件
广卫发〔2023〕3号
关于开展健康义诊进社区活动的通知
委直属各单位：
请组织专家开展健康义诊进社区活动。
2023年4月2日
"""
DEFINES = """关于开展民族团结进步宣传月活动的通知
各单位：
每年九月开展民族团结进步宣传月（简称民宣月）活动，请认真组织。
2022年8月20日
"""
SAYS_SHORT = """关于报送民宣工作信息的通知
各单位：
请于每月底报送民宣工作信息和图片。
2022年9月1日
"""


def _import_all(runtime: Runtime, files: dict[str, str]) -> dict[str, int]:
    with runtime.context() as ctx:
        system = UserService(ctx).system_user()
        ids = {name: ImportService(ctx).import_bytes(system, name, text.encode()).document_ids[0]
               for name, text in files.items()}  # fmt: skip
        IndexingService(ctx).apply_batch(runtime.search_index)
    return ids


def _search(runtime: Runtime, text: str) -> SearchResult:
    with runtime.context() as ctx:
        return search_as(runtime.search_index, UserService(ctx).system_user(), SearchQuery(text, Filters(), limit=50))


def _found(runtime: Runtime, text: str) -> set[int]:
    return {h.id for h in _search(runtime, text).hits}


def test_issuer_short_forms_on_a_fresh_home(runtime: Runtime) -> None:
    ids = _import_all(runtime, {"joint.txt": JOINT, "health.txt": HEALTH, "web.txt": WEB_PAGE})
    with runtime.context() as ctx:
        joint = ctx.session.get(Document, ids["joint.txt"])
        assert joint is not None and joint.issuer_names == ["中共扎兰屯市委员会统一战线工作部"]  # as text (责任者)
        # 市民委 is the archive's 立档单位, made by the first import under its full name and nothing else.
        assert [i.organ.names for i in joint.issuers] == [["扎兰屯市民族事务委员会"]]
    assert _found(runtime, "机关:市民委") == {ids["joint.txt"]}
    assert _found(runtime, "机关:统战部") == {ids["joint.txt"]}
    assert _found(runtime, "机关:扎兰屯市委统战部") == {ids["joint.txt"]}
    assert _found(runtime, "机关:广元市卫健委") == _found(runtime, "机关:卫生健康委员会") == {ids["health.txt"]}
    assert _found(runtime, "机关:广元市卫生健康委员会 义诊") == {ids["health.txt"]}
    assert _found(runtime, "机关:扎兰屯市卫健委") == set()  # another city's 卫健委 is not 广元市's
    nobody = _search(runtime, "机关:市档案局 石榴籽")
    assert nobody.total == 0 and [n.code for n in nobody.notices] == ["issuer_unknown"]
    assert "没有发文机关为“市档案局”的公文" in nobody.notices[0].zh
    elsewhere = _search(runtime, "机关:市民委 义诊")  # the issuer is known: the words find nothing, no notice
    assert elsewhere.total == 0 and elsewhere.notices == ()


def test_lines_between_title_and_main_recipients_are_kept_and_found(runtime: Runtime, client: TestClient) -> None:
    ids = _import_all(runtime, {"web.txt": WEB_PAGE})
    web = ids["web.txt"]
    assert _found(runtime, "某办发〔20211") == {web}  # a 文号 broken on the web page: found as written
    assert _found(runtime, "信息来源 某市民族宗教事务局") == {web}
    with runtime.context() as ctx:
        document = ctx.session.get(Document, web)
        assert document is not None
        assert document.title == "关于做好2021年民族团结进步宣传月工作的通知"
        assert document.written_on is None  # the publication time is no 成文日期
        shanghai = dt.datetime(2021, 9, 1, 10, 20, 33, tzinfo=ZoneInfo("Asia/Shanghai"))
        assert document.published_at == shanghai
    csrf = page_login(client, "archivist")
    assert csrf
    page = client.get(f"/documents/{web}").text
    assert re.search(r"<dt>发布时间</dt><dd>2021-09-01 10:20:33</dd>", page)
    assert "<dt>成文日期</dt>" not in page


def test_a_learnt_abbreviation_teaches_its_stem(runtime: Runtime) -> None:
    ids = _import_all(runtime, {"defines.txt": DEFINES, "short.txt": SAYS_SHORT})
    result = _search(runtime, "民族团结进步宣传")
    matches = {h.id: h.match for h in result.hits}
    assert matches == {ids["defines.txt"]: "exact", ids["short.txt"]: "abbreviation"}
    assert "民宣" in result.expanded
    assert _found(runtime, "民宣月") == {ids["defines.txt"]}  # the pair as defined still holds
    assert ids["defines.txt"] in {h.id for h in _search(runtime, "民宣").hits}


def test_the_search_page_says_when_no_issuer_has_the_name(client: TestClient) -> None:
    page_login(client, "archivist")
    page = client.get("/search", params={"q": "机关:市档案局"}).text
    assert "没有发文机关为“市档案局”的公文" in page
    api = client.get("/api/v1/search", params={"q": "机关:市档案局"}, headers=_bearer(client, "archivist")).json()
    assert api["total"] == 0 and api["notices"][0]["code"] == "issuer_unknown"
    assert "no document was issued by" in api["notices"][0]["message_en"]


def _bearer(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": "gongwen-demo"})
    return {"Authorization": f"Bearer {r.json()['token']}"}
