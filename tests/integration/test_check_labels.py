"""The reviewer reads which format checks passed by what was found ("主送机关 ✓"), never a passed check under the
message of its failure ("通过 缺少主送机关")."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.runtime import Runtime
from services.workflow.service import WorkflowService
from tests.helpers.lifecycle import submitted
from tests.helpers.pages import page_login


def test_passed_checks_name_what_they_found(client: TestClient, runtime: Runtime) -> None:
    doc_id = submitted(runtime)
    with runtime.context() as ctx:
        WorkflowService(ctx).run_format_checks(doc_id)
    page_login(client, "mw.reviewer")
    page = client.get(f"/documents/{doc_id}/review").text
    assert "主送机关 ✓" in page and "标题以文种结尾 ✓" in page and "正文 ✓" in page
    assert "缺少主送机关" not in page and "正文为空" not in page
