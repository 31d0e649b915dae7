"""SIGKILL the API during a sign-off round and the worker during issuing; after a restart every document is
issued once, with one number, and no recipient has two inbox items."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from services.config import Settings
from services.domain.models import AuditEvent, Document, InboxItem, ProcessJob
from services.processes import STARTUP_SECONDS, gongwen_command, wait_for_http
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, load_organs_and_users
from tests.conftest import _free_port
from tests.helpers.joint_notice import HEADS

pytestmark = pytest.mark.slow
DOCS = 6


class Stack:
    """The API and the worker as real processes over one home."""

    def __init__(self, home: Path, database_url: str, prefect_api: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "GONGWEN_HOME": str(home),
            "GONGWEN_DATABASE_URL": database_url,
            "GONGWEN_API__PORT": str(self.port),
            "GONGWEN_WORKFLOW__STEP_DELAY_SECONDS": "0.7",
            "GONGWEN_WORKFLOW__LEASE_SECONDS": "4",
            "PREFECT_API_URL": prefect_api,
            "GONGWEN_PREFECT__API_URL": prefect_api,  # the server the instance uses, as an operator sets it
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        log = open(Path(self.env["GONGWEN_HOME"]) / f"{name}.log", "ab")  # noqa: SIM115
        self.procs[name] = subprocess.Popen(gongwen_command(name), env=self.env, stdout=log, stderr=log)
        if name == "api":
            wait_for_http(self.base + "/api/v1/health", STARTUP_SECONDS, self.procs[name])

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        for name in list(self.procs):
            self.kill(name)


@pytest.fixture
def stack(tmp_path: Path, prefect_server: str) -> Iterator[tuple[Stack, Runtime]]:
    home = tmp_path / "home"
    home.mkdir()
    url = f"sqlite:///{home / 'gongwen.db'}"
    runtime = Runtime(Settings(home=home, database_url=url, environment="test"))
    with runtime.context() as ctx:
        load_organs_and_users(ctx)
    s = Stack(home, url, prefect_server)
    yield s, runtime
    s.stop()
    runtime.close()


def _login(http: httpx.Client, username: str) -> dict[str, str]:
    r = http.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _wait(predicate: object, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.3)
    raise TimeoutError("condition not reached")


def _statuses(runtime: Runtime) -> list[str]:
    with runtime.context() as ctx:
        return list(ctx.session.scalars(select(Document.status).order_by(Document.id)))


def test_killing_api_and_worker_loses_nothing_and_does_nothing_twice(stack: tuple[Stack, Runtime]) -> None:
    s, runtime = stack
    s.start("api")
    s.start("worker")
    http = httpx.Client(base_url=s.base, timeout=30)
    from tests.helpers.joint_notice import draft_payload

    class _Client:  # draft_payload reads organs through anything with .get(url, headers=)
        def get(self, url: str, headers: dict[str, str]) -> httpx.Response:
            return http.get(url, headers=headers)

    drafter = _login(http, "mw.drafter")
    payload = draft_payload(_Client(), drafter, dt.date.today() + dt.timedelta(days=9))  # type: ignore[arg-type]
    payload["attachment_notes"] = []  # no attachment is uploaded here
    ids = [http.post("/api/v1/documents", json=payload, headers=drafter).json()["id"] for _ in range(DOCS)]
    for doc_id in ids:
        http.post(f"/api/v1/documents/{doc_id}/submit", headers=drafter)
    _wait(lambda: set(_statuses(runtime)) == {"in_review"})
    reviewer = _login(http, "mw.reviewer")
    for doc_id in ids:
        http.post(f"/api/v1/documents/{doc_id}/review", json={"approve": True}, headers=reviewer)
    heads = {h: _login(http, h) for h in HEADS}

    # Sign-off round: the API is killed while signatures are arriving.
    def sign(pair: tuple[int, str]) -> int:
        try:
            return http.post(
                f"/api/v1/documents/{pair[0]}/signoff",
                json={"approve": True, "opinion": "同意"},
                headers=heads[pair[1]],
            ).status_code
        except httpx.HTTPError:
            return -1

    pairs = [(d, h) for d in ids for h in HEADS]
    random.Random(7).shuffle(pairs)
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(sign, p) for p in pairs]
        time.sleep(0.4)
        s.kill("api")
        answers = [f.result() for f in futures]
    assert -1 in answers or all(a == 200 for a in answers)
    s.start("api")
    for pair in pairs:  # signers who got no answer sign again; what was recorded answers 409
        assert sign(pair) in {200, 409}

    # Issuing: the worker is killed twice in the middle of flows and restarted.
    for _ in range(2):
        time.sleep(random.uniform(0.8, 2.0))
        s.kill("worker")
        s.start("worker")
    _wait(lambda: set(_statuses(runtime)) == {"distributed"}, timeout=240)

    with runtime.context() as ctx:
        docs = list(ctx.session.scalars(select(Document).where(Document.id.in_(ids))))
        per_doc_items = dict(
            ctx.session.execute(select(InboxItem.document_id, func.count()).group_by(InboxItem.document_id)).all()
        )
        numbered = dict(
            ctx.session.execute(
                select(AuditEvent.document_id, func.count())
                .where(AuditEvent.action == "numbered")
                .group_by(AuditEvent.document_id)
            ).all()
        )
        failed = ctx.session.scalar(select(func.count()).select_from(ProcessJob).where(ProcessJob.status == "failed"))
    year = docs[0].doc_year
    assert sorted(d.doc_seq for d in docs) == list(range(1, DOCS + 1))
    assert {d.doc_number for d in docs} == {f"扎民委字〔{year}〕{n}号" for n in range(1, DOCS + 1)}
    assert all(per_doc_items[d.id] == len(payload["main_recipients"]) + 1 for d in docs)
    assert all(numbered[d.id] == 1 for d in docs)
    assert all(d.rendered_pdf_key and runtime.store.exists(d.rendered_pdf_key) for d in docs)
    assert failed == 0
