"""Imports run as jobs: the upload is stored and answered at once, the worker reads, recognises and stores the
files, and the uploader — only the uploader — follows the job's stage and files done of total to its per-file
report, over the API, on the import page and in the CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from services.domain.models import Document, ImportJob
from services.runtime import Runtime
from services.seed.texts import DOCUMENTS_DIR as EXAMPLES
from services.seed.texts import JOINT_NOTICE, PLAN_NOTICE
from tests.helpers.cli import run_cli
from tests.helpers.imports import import_files, job_of, submit
from tests.helpers.pages import page_login

Login = Callable[[str], dict[str, str]]
NOTICE = "关于召开民族团结座谈会的通知\n各单位：\n定于下周召开座谈会，请派员参加。\n"


def _documents(runtime: Runtime) -> int:
    with runtime.context(write=False) as ctx:
        return int(ctx.session.scalar(select(func.count()).select_from(Document)) or 0)


def _example(name: str) -> tuple[str, tuple[str, bytes, str]]:
    return ("files", (name, (EXAMPLES / name).read_bytes(), "text/plain"))


def test_an_upload_is_answered_at_once_and_the_worker_imports_it_as_a_prefect_run(
    client: TestClient, login: Login, runtime: Runtime, drain: Callable[[], None]
) -> None:
    headers = login("archivist")
    before = _documents(runtime)
    job = submit(client, headers, [_example(PLAN_NOTICE), _example(JOINT_NOTICE)])
    assert (job["stage"], job["done"], job["total"], job["waiting"]) == ("排队", 0, 2, [PLAN_NOTICE, JOINT_NOTICE])
    assert _documents(runtime) == before  # nothing read or recognised on the request
    assert len(runtime.store.list("import-uploads/")) == 2  # the files wait in the store
    drain()
    done = job_of(client, headers, job["id"])
    assert (done["status"], done["stage"], done["done"], done["fraction"]) == ("done", "完成", 2, 1.0)
    assert [f["status"] for f in done["files"]] == ["imported", "imported"]
    assert _documents(runtime) == before + 2
    assert runtime.store.list("import-uploads/") == []  # the uploaded copies are gone once imported
    doc = client.get(f"/api/v1/documents/{done['files'][0]['document_ids'][0]}", headers=headers).json()
    assert doc["doc_number"] == "扎民委字〔2025〕11号"


def test_a_failed_import_names_its_reason_on_the_job(client: TestClient, login: Login, runtime: Runtime) -> None:
    headers = login("mw.drafter")
    before = _documents(runtime)
    (outcome,) = import_files(client, runtime, headers, [("files", ("empty.txt", b"", "text/plain"))])
    assert outcome["code"] == "file_empty"
    jobs = client.get("/api/v1/imports/jobs", headers=headers).json()
    assert (jobs[0]["status"], jobs[0]["code"], jobs[0]["message_zh"]) == ("failed", "file_empty", "文件为空")
    assert _documents(runtime) == before


def test_one_bad_file_fails_alone_and_the_job_is_done_with_the_others(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    files = [("files", ("a.txt", NOTICE.encode(), "text/plain")), ("files", ("../b.txt", b"x", "text/plain"))]
    report = import_files(client, runtime, login("mw.drafter"), files)
    assert [(f["status"], f["code"]) for f in report] == [("imported", None), ("failed", "file_name_invalid")]
    jobs = client.get("/api/v1/imports/jobs", headers=login("mw.drafter")).json()
    assert jobs[0]["status"] == "done" and jobs[0]["code"] is None


def test_a_user_sees_only_their_own_import_jobs(client: TestClient, login: Login, runtime: Runtime) -> None:
    job = submit(client, login("mw.drafter"), [("files", ("a.txt", NOTICE.encode(), "text/plain"))])
    for other in ("jyj.drafter", "archivist", "admin"):
        r = client.get(f"/api/v1/imports/jobs/{job['id']}", headers=login(other))
        unknown = client.get("/api/v1/imports/jobs/987654", headers=login(other))
        assert (
            r.status_code == unknown.status_code == 404 and r.json()["error"]["code"] == unknown.json()["error"]["code"]
        )
        assert client.get("/api/v1/imports/jobs", headers=login(other)).json() == []
    assert [j["id"] for j in client.get("/api/v1/imports/jobs", headers=login("mw.drafter")).json()] == [job["id"]]


def test_only_drafters_and_archivists_may_upload_and_a_refusal_stores_nothing(
    client: TestClient, login: Login, runtime: Runtime
) -> None:
    r = client.post("/api/v1/imports", files={"files": ("a.txt", NOTICE.encode())}, headers=login("mw.reviewer"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_required"
    with runtime.context(write=False) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(ImportJob)) == 0
    assert runtime.store.list("import-uploads/") == []


def test_a_job_run_twice_imports_nothing_twice(client: TestClient, login: Login, runtime: Runtime) -> None:
    """A worker that died after finishing leaves the outbox step to be run again: the job is not redone."""
    headers = login("mw.drafter")
    (first,) = import_files(client, runtime, headers, [("files", ("a.txt", NOTICE.encode(), "text/plain"))])
    count = _documents(runtime)
    from flows.imports import run_import_job

    job_id = client.get("/api/v1/imports/jobs", headers=headers).json()[0]["id"]
    run_import_job(job_id)
    assert _documents(runtime) == count
    assert job_of(client, headers, job_id)["files"] == [first]


def test_the_import_page_uploads_and_shows_the_jobs_progress_to_its_owner_only(
    client: TestClient, runtime: Runtime
) -> None:
    csrf = page_login(client, "mw.drafter")
    home = client.get("/imports")
    assert home.status_code == 200 and "导入公文" in home.text
    files = {"files": ("座谈会.txt", NOTICE.encode(), "text/plain")}
    r = client.post("/imports", data={"csrf": csrf}, files=files, follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"].split("?")[0]
    queued = client.get(url)
    assert "排队中：排队，已完成 0 / 1 个文件" in queued.text and 'http-equiv="refresh"' in queued.text
    from flows.imports import run_import_job
    from flows.runtime import set_runtime

    set_runtime(runtime)
    run_import_job(int(url.rsplit("/", 1)[1]))
    finished = client.get(url)
    assert "已完成，共 1 个文件" in finished.text and 'http-equiv="refresh"' not in finished.text
    assert re.search(r"座谈会\.txt</td>\s*<td>已导入", finished.text)
    assert "#" + url.rsplit("/", 1)[1] in client.get("/imports").text
    page_login(client, "jyj.drafter")
    assert client.get(url).status_code == 404


def test_the_cli_import_prints_its_progress(runtime: Runtime, example_users: None, prefect_server: str) -> None:
    result = run_cli(runtime, "import", str(EXAMPLES / PLAN_NOTICE))
    assert result.exit_code == 0, result.output
    assert "完成" in result.output and "imported 1, duplicates 0, failed 0" in result.output
    again = run_cli(runtime, "import", str(EXAMPLES / PLAN_NOTICE), "--json")
    assert json.loads(again.output.strip().splitlines()[-1])[0]["status"] == "duplicate"
