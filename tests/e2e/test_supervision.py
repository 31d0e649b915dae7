"""`gongwen up` keeps itself running: SIGKILL a worker while documents are being issued, then the scheduler, then
the Prefect server. Each comes back by itself; every document in flight is issued exactly once; no flow run is
left Running."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from services.config import Settings
from services.domain.models import AuditEvent, Document, InboxItem
from services.processes import STARTUP_SECONDS, free_port, gongwen_command, wait_for_http
from services.runtime import Runtime
from services.seed.example import DEMO_PASSWORD, load_organs_and_users
from tests.helpers import lifecycle
from tests.helpers.joint_notice import HEADS

pytestmark = pytest.mark.slow
DOCS = 4


def children_of(home: Path, command: str) -> list[int]:
    """Processes of this instance (by its GONGWEN_HOME) whose command line contains ``command``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"GONGWEN_HOME={home}".encode() in environ and command in cmdline and "pytest" not in cmdline:
            found.append(int(pid))
    return found


def wait_until(what: str, check: object, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting until {what}")


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[tuple[Path, str, str, subprocess.Popen[bytes]]]:
    home = tmp_path / "home"
    api_port, prefect_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GONGWEN_"))}
    env.update({
        "GONGWEN_HOME": str(home),
        "GONGWEN_API__PORT": str(api_port),
        "GONGWEN_API__WORKERS": "1",
        "GONGWEN_PREFECT__PORT": str(prefect_port),
        "GONGWEN_WORKFLOW__LEASE_SECONDS": "4",
        "GONGWEN_WORKFLOW__STEP_DELAY_SECONDS": "1",
    })  # fmt: skip
    log = open(tmp_path / "up.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(gongwen_command("up"), env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{api_port}"
    try:
        wait_for_http(base + "/api/v1/health", timeout=STARTUP_SECONDS, process=proc)
        yield home, base, f"http://127.0.0.1:{prefect_port}/api", proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(90)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _sign_all(base: str, ids: list[int]) -> None:
    with httpx.Client(base_url=base, timeout=60) as http:

        def head(username: str) -> dict[str, str]:
            r = http.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
            return {"Authorization": f"Bearer {r.json()['token']}"}

        for doc_id in ids:
            for username in HEADS:
                r = http.post(f"/api/v1/documents/{doc_id}/signoff", json={"approve": True}, headers=head(username))
                assert r.status_code == 200, r.text


def test_killed_parts_come_back_and_every_document_is_issued_once(
    instance: tuple[Path, str, str, subprocess.Popen[bytes]],
) -> None:
    home, base, prefect, up = instance
    runtime = Runtime(Settings(home=home))
    with runtime.context() as ctx:
        load_organs_and_users(ctx)
    ids = _documents_in_signing(runtime)
    _sign_all(base, ids)  # the issue steps are due now, each paused a second between its tasks

    workers = children_of(home, "gongwen worker")
    assert len(workers) == 2
    wait_until("a worker is issuing", lambda: _running_jobs(runtime) > 0, 60)
    os.kill(workers[0], signal.SIGKILL)
    wait_until("the worker is back", lambda: len(children_of(home, "gongwen worker")) == 2, 60)
    scheduler = children_of(home, "gongwen scheduler")
    os.kill(scheduler[0], signal.SIGKILL)
    wait_until("the scheduler is back", lambda: children_of(home, "gongwen scheduler") not in ([], scheduler), 60)
    server = children_of(home, "prefect server start")
    os.kill(server[0], signal.SIGKILL)
    wait_until("Prefect is back", lambda: _answers(prefect + "/health") and children_of(home, "prefect server"), 180)

    wait_until("every document is distributed", lambda: _statuses(runtime, ids) == {"distributed"}, 240)
    assert up.poll() is None  # gongwen up itself never stopped
    with runtime.context(write=False) as ctx:
        numbered = ctx.session.execute(
            select(AuditEvent.document_id, func.count()).where(AuditEvent.action == "numbered")
            .group_by(AuditEvent.document_id)
        ).all()  # fmt: skip
        assert sorted(n for _, n in numbered) == [1] * DOCS
        doubles = ctx.session.execute(
            select(InboxItem.document_id, InboxItem.organ_id).group_by(InboxItem.document_id, InboxItem.organ_id)
            .having(func.count() > 1)
        ).all()  # fmt: skip
        assert doubles == []
    left: list[str] = []

    def nothing_left() -> bool:
        left[:] = _running_runs(prefect)
        return not left

    # One moment with no run Pending or Running is the proof; asking again afterwards could catch a run that has
    # just begun (the worker keeps indexing), which is not a run left behind.
    try:
        wait_until("no flow run is left Running", nothing_left, 150)
    except AssertionError as timed_out:
        raise AssertionError(f"runs left Pending or Running: {left}") from timed_out
    runtime.close()


def _documents_in_signing(runtime: Runtime) -> list[int]:
    ids = [lifecycle.submitted(runtime) for _ in range(DOCS)]
    wait_until("the checks ran", lambda: _statuses(runtime, ids) == {"in_review"}, 120)
    for doc_id in ids:
        lifecycle.review(runtime, doc_id)
    return ids


def _statuses(runtime: Runtime, ids: list[int]) -> set[str]:
    with runtime.context(write=False) as ctx:
        return set(ctx.session.scalars(select(Document.status).where(Document.id.in_(ids))))


def _running_jobs(runtime: Runtime) -> int:
    from services.domain.models import ProcessJob

    with runtime.context(write=False) as ctx:
        return int(ctx.session.scalar(select(func.count()).where(ProcessJob.status == "running")) or 0)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _running_runs(prefect: str) -> list[str]:
    try:
        runs = httpx.post(
            f"{prefect}/flow_runs/filter",
            json={"flow_runs": {"state": {"type": {"any_": ["RUNNING", "PENDING"]}}}},
            timeout=10,
        ).json()
    except httpx.HTTPError:
        return ["prefect not answering"]
    return [f"{r['name']} ({r['state_type']}, flow {r['flow_id']}, deployment {r['deployment_id']})" for r in runs]


def test_a_killed_up_leaves_nothing_running_and_a_second_up_refuses_while_one_runs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    api_port, prefect_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GONGWEN_"))}
    env.update(
        {
            "GONGWEN_HOME": str(home),
            "GONGWEN_API__PORT": str(api_port),
            "GONGWEN_API__WORKERS": "2",
            "GONGWEN_PREFECT__PORT": str(prefect_port),
            "GONGWEN_WORKFLOW__WORKERS": "1",
        }
    )
    with open(tmp_path / "up.log", "wb") as log:
        up = subprocess.Popen(gongwen_command("up"), env=env, stdout=log, stderr=log)
        try:
            wait_for_http(f"http://127.0.0.1:{api_port}/api/v1/health", timeout=STARTUP_SECONDS, process=up)
            wait_until("both API workers serve", lambda: len(children_of(home, "multiprocessing")) >= 2, 60)
            second = subprocess.run(gongwen_command("up"), env=env, capture_output=True, timeout=120)
            said = second.stdout.decode()
            server_pid = httpx.get(f"http://127.0.0.1:{api_port}/api/v1/health").json()["pid"]
            assert second.returncode != 0 and "instance_running" in said and str(server_pid) in said, said
            assert up.poll() is None  # the first one is untouched
            up.send_signal(signal.SIGKILL)
            up.wait(10)
            wait_until("no process of the instance is left", lambda: children_of(home, "") == [], 5)
        finally:
            if up.poll() is None:
                up.kill()
            for pid in children_of(home, ""):
                os.kill(pid, signal.SIGKILL)
