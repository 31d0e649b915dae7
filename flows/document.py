"""Prefect flows that take a document through its automated steps. Each task calls one service method with
ids, in its own transaction; each reads the database first, so a retried or repeated run does nothing twice.

Every task of the project has `cache_policy=NO_CACHE`: what a task does depends on the database, not on its
inputs, so a cache key over them would be wrong (and for a callable input, a progress bar, Prefect cannot compute
one and logs a ValueError traceback)."""

from __future__ import annotations

import time
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.failures import failure_of, failure_of_exception
from flows.naming import given_name, rename_document_runs, untagged
from flows.runtime import get_runtime
from services import compose
from services.domain.enums import JobStep


def _pause_for_fault_tests() -> None:
    delay = get_runtime().settings.workflow.step_delay_seconds
    if delay:
        time.sleep(delay)


@task(name="format-checks", task_run_name="format-checks-doc-{document_id}", cache_policy=NO_CACHE)
def format_checks(document_id: int) -> list[dict[str, Any]]:
    with get_runtime().context() as ctx:
        return compose.workflow(ctx).run_format_checks(document_id)


@task(name="register-number", task_run_name="register-doc-{document_id}", cache_policy=NO_CACHE)
def register_number(document_id: int) -> str:
    """复核 and 登记: not safe to blindly repeat, so it is idempotent on the document row (one number ever)."""
    with get_runtime().context() as ctx:
        return compose.workflow(ctx).register(document_id)


@task(
    name="render-and-store",
    task_run_name="render-doc-{document_id}",
    retries=2,
    retry_delay_seconds=1,
    cache_policy=NO_CACHE,
)
def render_and_store(document_id: int) -> str:
    """印制: laid out in a read-only transaction (no write lock held for the ≈0.2 s it takes), stored in a short one."""
    runtime = get_runtime()
    with runtime.context(write=False) as ctx:
        rendered = compose.workflow(ctx).render_issued(document_id, runtime.renderer)
    with runtime.context() as ctx:
        workflow = compose.workflow(ctx)
        return workflow.store_rendered(document_id, rendered) if rendered else workflow.rendered_key(document_id)


@task(
    name="distribute",
    task_run_name="distribute-doc-{document_id}",
    retries=2,
    retry_delay_seconds=1,
    cache_policy=NO_CACHE,
)
def distribute(document_id: int) -> int:
    """核发: one task for every recipient at once (a run per recipient would cost too much, STACK-NOTES)."""
    with get_runtime().context() as ctx:
        return compose.distribution(ctx).distribute(document_id)


@flow(name="document-checks", flow_run_name=given_name(), log_prints=False)
def document_checks(document_id: int) -> list[dict[str, Any]]:
    with untagged():
        return format_checks(document_id)


@flow(name="document-issue", flow_run_name=given_name(), log_prints=False)
def document_issue(document_id: int) -> dict[str, Any]:
    with untagged():
        number = register_number(document_id)
        rename_document_runs([document_id])
        _pause_for_fault_tests()
        pdf_key = render_and_store(document_id)
        _pause_for_fault_tests()
        delivered = distribute(document_id)
    return {"doc_number": number, "pdf": pdf_key, "delivered": delivered}


@task(name="format-checks-batch", task_run_name="format-checks-docs-{document_ids}", cache_policy=NO_CACHE)
def format_checks_batch(document_ids: list[int]) -> dict[str, tuple[str, str]]:
    """Checks are a few milliseconds each, Prefect's bookkeeping of a task tens: a burst is checked in one task,
    each document in its own transaction (one failing leaves the others checked)."""
    failed = {}
    for document_id in document_ids:
        try:
            with get_runtime().context() as ctx:
                compose.workflow(ctx).run_format_checks(document_id)
        except Exception as exc:  # reported per document; the worker retries that one alone
            failed[str(document_id)] = failure_of_exception(exc, f"format checks of document {document_id} failed")
    return failed


@flow(name="document-checks-batch", flow_run_name=given_name(), log_prints=False)
def document_checks_batch(document_ids: list[int], count: int) -> dict[str, tuple[str, str]]:
    """Format checks of the documents submitted together. Returns those whose check failed, with
    (failure kind, error)."""
    with untagged():
        return format_checks_batch(document_ids)


@flow(name="document-issue-batch", flow_run_name=given_name(), log_prints=False)
def document_issue_batch(document_ids: list[int], count: int) -> dict[str, tuple[str, str]]:
    """复核/登记, render and 核发 of the documents signed together, document by document."""
    failed = {}
    with untagged():
        for document_id in document_ids:
            for step in (register_number, render_and_store, distribute):
                state = step(document_id, return_state=True)
                if not state.is_completed():
                    failed[str(document_id)] = failure_of(state, f"{step.name} of document {document_id} failed")
                    break
    rename_document_runs(document_ids)
    return failed


STEP_FLOWS = {JobStep.check: document_checks, JobStep.issue: document_issue}
BATCH_FLOWS = {JobStep.check: document_checks_batch, JobStep.issue: document_issue_batch}
