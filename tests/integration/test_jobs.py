"""Automated steps under faults: nothing is attempted while Prefect does not answer; a step whose worker died is
taken up again and its run marked crashed; a step failing every attempt reaches the operator and the issuing
office, and runs again with one command; one failing for want of a service is put back by itself."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from fastapi.testclient import TestClient
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import select

from flows.worker import Worker
from services.documents.service import DocumentService
from services.domain.models import Document, ProcessJob
from services.processes import free_port
from services.runtime import Runtime
from services.storage import ObjectStoreError
from services.workflow.service import WorkflowService
from tests.helpers import lifecycle
from tests.helpers.cli import run_cli
from tests.helpers.pages import page_login


def _job(runtime: Runtime, doc_id: int) -> ProcessJob:
    with runtime.context(write=False) as ctx:
        job = ctx.session.scalar(select(ProcessJob).where(ProcessJob.document_id == doc_id))
        assert job is not None
        return job


def _status(runtime: Runtime, doc_id: int) -> str:
    with runtime.context(write=False) as ctx:
        return ctx.session.get_one(Document, doc_id).status


def _cli(runtime: Runtime, *args: str) -> str:
    result = run_cli(runtime, *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_nothing_is_attempted_while_prefect_does_not_answer(
    runtime: Runtime, example_users: None, prefect_server: str
) -> None:
    doc_id = lifecycle.submitted(runtime)
    worker = Worker(runtime)
    with temporary_settings(updates={PREFECT_API_URL: f"http://127.0.0.1:{free_port()}/api"}):
        for _ in range(3):
            assert worker.run_once() == 0
    job = _job(runtime, doc_id)
    assert job.status == "pending" and job.attempts == 0 and _status(runtime, doc_id) == "submitted"
    beats = json.loads(_cli(runtime, "jobs", "--json").splitlines()[-1])["workers"]
    assert beats and beats[0]["prefect_ok"] is False
    worker.drain()
    assert _status(runtime, doc_id) == "in_review" and _job(runtime, doc_id).status == "done"


def test_a_step_failing_every_attempt_reaches_the_office_and_runs_again_with_one_command(
    runtime: Runtime, client: TestClient, prefect_server: str
) -> None:
    runtime.settings.workflow.max_attempts = 2
    doc_id = lifecycle.submitted(runtime)
    with runtime.context(write=False) as ctx:
        service = DocumentService(ctx)
        key = service.version(service.get(doc_id)).body_key
    body = runtime.store.get(key)
    runtime.store.delete(key)  # the step cannot read the draft: it fails on its own, every time
    worker = Worker(runtime)
    deadline = time.monotonic() + 60
    while _job(runtime, doc_id).status != "failed" and time.monotonic() < deadline:
        worker.run_once()
        with runtime.context() as ctx:  # no waiting out the backoff in a test
            ctx.session.get_one(ProcessJob, _job(runtime, doc_id).id).run_after = ctx.now()
    job = _job(runtime, doc_id)
    assert job.status == "failed" and job.failure_kind == "step" and job.attempts == 2
    listed = json.loads(_cli(runtime, "jobs", "--json").splitlines()[-1])
    assert [j["id"] for j in listed["failed"]] == [job.id]
    page_login(client, "mw.drafter")
    inbox = client.get("/").text
    assert "自动环节未能完成" in inbox and f"/documents/{doc_id}" in inbox and "格式检查（已尝试 2 次）" in inbox
    page_login(client, "jyj.drafter")
    assert "自动环节未能完成" not in client.get("/").text  # another organ's document: not theirs to see
    page_login(client, "admin")
    assert f"#{job.id}" in client.get("/admin/jobs").text
    runtime.store.put(key, body, "text/plain; charset=utf-8")
    assert f"[{job.id}]" in _cli(runtime, "jobs", "retry", "--failed")
    worker.drain()
    assert _status(runtime, doc_id) == "in_review"


def test_a_step_that_failed_for_want_of_a_service_is_put_back_by_itself(
    runtime: Runtime, example_users: None, prefect_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime.settings.workflow.max_attempts = 1
    doc_id = lifecycle.submitted(runtime)
    store = type(runtime.store)
    original = store.get

    def unavailable(self: object, key: str) -> bytes:
        raise ObjectStoreError("storage_unavailable", "对象存储不可用", "object storage unavailable")

    monkeypatch.setattr(store, "get", unavailable)
    worker = Worker(runtime)
    worker.run_once()
    job = _job(runtime, doc_id)
    assert job.status == "failed" and job.failure_kind == "dependency"
    monkeypatch.setattr(store, "get", original)
    worker._next_beat = 0.0  # the next pass looks at the services (every few seconds in a running worker)
    worker.drain()
    assert _status(runtime, doc_id) == "in_review" and _job(runtime, doc_id).requeues == 1


def test_a_long_step_keeps_its_lease_and_runs_once(runtime: Runtime, example_users: None, prefect_server: str) -> None:
    runtime.settings.workflow.lease_seconds = 1.0
    doc_id = lifecycle.submitted(runtime)
    first, second = Worker(runtime), Worker(runtime)
    second.name = "another-worker"
    original = WorkflowService.run_format_checks

    def slow(self: WorkflowService, document_id: int) -> object:
        time.sleep(3.0)  # three leases long
        return original(self, document_id)

    WorkflowService.run_format_checks = slow  # type: ignore[method-assign]
    try:
        thread = threading.Thread(target=first.run_once)
        thread.start()
        time.sleep(1.8)
        assert second.run_once() == 0  # the lease was renewed: nobody takes the step from a live worker
        thread.join(30)
    finally:
        WorkflowService.run_format_checks = original  # type: ignore[method-assign]
    job = _job(runtime, doc_id)
    assert job.status == "done" and job.attempts == 1 and _status(runtime, doc_id) == "in_review"


def test_the_run_a_dead_worker_left_is_marked_crashed_when_its_step_is_taken_up(
    runtime: Runtime, example_users: None, prefect_server: str
) -> None:
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.states import Running

    doc_id = lifecycle.submitted(runtime)

    @flow(name="document-checks")
    def left_behind() -> None: ...

    with get_client(sync_client=True) as client:
        run = client.create_flow_run(left_behind, name=f"doc-{doc_id}-checks")
        client.set_flow_run_state(run.id, Running(), force=True)
    with runtime.context() as ctx:  # a worker claimed it, started this run, and died
        job = ctx.session.scalar(select(ProcessJob).where(ProcessJob.document_id == doc_id))
        assert job is not None
        job.status, job.attempts, job.flow_run_id = "running", 1, str(run.id)
        job.lease_until = ctx.now() - dt.timedelta(seconds=1)
    Worker(runtime).drain()
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run.id).state
    assert state is not None and state.type.value == "CRASHED"
    assert _status(runtime, doc_id) == "in_review" and _job(runtime, doc_id).attempts == 2


def test_a_run_lost_before_its_step_could_record_it_is_settled(
    runtime: Runtime, example_users: None, prefect_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prefect went away between creating a run and running it (so no step ever learnt its id): the run would stay
    Pending for ever. The worker's sweep marks such runs crashed, but never the run a live step holds."""
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.states import Pending, Running

    import flows.worker as worker_module

    doc_id = lifecycle.submitted(runtime)

    @flow(name="document-issue")
    def issue() -> None: ...

    with get_client(sync_client=True) as client:
        lost = client.create_flow_run(issue, name="issue-1-documents", state=Pending())
        held = client.create_flow_run(issue, name=f"doc-{doc_id}-issue")
        client.set_flow_run_state(held.id, Running(), force=True)
    with runtime.context() as ctx:  # a live step (its lease renewed) carries the second run
        job = ctx.session.scalar(select(ProcessJob).where(ProcessJob.document_id == doc_id))
        assert job is not None
        job.status, job.attempts, job.flow_run_id = "running", 1, str(held.id)
        job.lease_until = ctx.now() + dt.timedelta(minutes=5)
    monkeypatch.setattr(worker_module, "STALE_AFTER_SECONDS", 0.0)
    monkeypatch.setattr(runtime.settings.workflow, "lease_seconds", 0.1)
    time.sleep(0.5)
    Worker(runtime)._crash_stale_runs()
    with get_client(sync_client=True) as client:
        states = {run.id: client.read_flow_run(run.id).state for run in (lost, held)}
    assert {k: s.type.value for k, s in states.items() if s} == {lost.id: "CRASHED", held.id: "RUNNING"}
