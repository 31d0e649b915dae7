"""The annual archival run and the fixity audit as Prefect flows, with per-stage timing in the run record."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.audit import anchor_audit_chain
from flows.naming import RunLabel, archive_label, fixity_label, given_name, untagged
from flows.packing import CATALOGUE_FORMATS, pack_all, packers, warm_packers, write_catalogues
from flows.runtime import get_runtime
from services import compose
from services.archive.service import Packaged
from services.domain.enums import ArchiveRunStatus

ITEMS_PER_TASK = 50  # one task per block of 50 件: a run per 件 would cost more than the work (STACK-NOTES)


def _add_seconds(run_id: int, stage: str, seconds: float) -> None:
    with get_runtime().context() as ctx:
        compose.archive(ctx).add_seconds(run_id, stage, seconds)


@task(name="archive-select-and-number", cache_policy=NO_CACHE)
def select_and_number(run_id: int) -> dict[str, Any]:
    """Choose the 件 of the year and their fonds, pre-check them, then number the passing 件 in one transaction
    with the retention schedule in force; the report says what waits and why, and which schedule was used."""
    started = time.perf_counter()
    with get_runtime().context() as ctx:
        service = compose.archive(ctx)
        run = service.run(run_id)
        schedule = compose.retention(ctx).in_force()
        selection = service.selection_of(run)
        failed = service.prechecks(selection.filings)
        passing = [f for f in selection.filings if f.group.main.id not in failed]
        selected = time.perf_counter()
        if not run.dry_run:
            service.number(run, passing, schedule)
        report = {
            "selected": len(selection.filings),
            "numbered": 0 if run.dry_run else len(passing),
            "precheck_failed": [{"document_id": k, "problems": v} for k, v in failed.items()],
            "held_back": selection.held,
            "eligibility": selection.counts,
            "explanation": selection.explanation(),
            "retention_schedule": schedule.as_report(),
            "fonds": run.fonds_code,
        }
        service.add_to_report(run, report)
    _add_seconds(run_id, "select", selected - started)
    _add_seconds(run_id, "number", time.perf_counter() - selected)
    return report


@task(name="archive-package-check-store", task_run_name="archive-items-{first_id}", cache_policy=NO_CACHE)
def package_check_store(run_id: int, item_ids: list[int], first_id: int) -> list[dict[str, Any]]:
    """Package, 四性-check and store these 件 (in parallel, outside any write transaction), then record them in
    one transaction in 件 order; a failing 件 is not stored. Every 件 is packaged from the state committed before
    the block began, so a block killed midway and run again writes the same bytes."""
    packed: list[Packaged] = []
    try:
        packed.extend(pack_all(item_ids))
    finally:  # what was stored before a 件 that raised is recorded, then the error goes on
        with get_runtime().context() as ctx:
            compose.archive(ctx).record(packed)
    for stage in ("package", "check", "store"):
        _add_seconds(run_id, stage, sum(p.seconds[stage] for p in packed))
    return [
        {"档号": p.archival_code, "passed": p.passed, "checks": p.checks, "bytes": p.bytes, "files": p.files}
        for p in packed
    ]


def blocks(item_ids: list[int]) -> list[list[int]]:
    """The 件 in blocks by id (ITEMS_PER_TASK ids a block): a run taken up again meets the same blocks."""
    found: dict[int, list[int]] = {}
    for item_id in item_ids:
        found.setdefault(item_id // ITEMS_PER_TASK, []).append(item_id)
    return list(found.values())


@task(name="archive-catalogue", cache_policy=NO_CACHE)
def write_catalogue(run_id: int) -> dict[str, Any]:
    """One 归档文件目录 per fonds (DA/T 22 §3.5: a catalogue belongs to its fonds) in each format, written in
    parallel when the run's workers are up, with each fonds' 件号 gaps."""
    started = time.perf_counter()
    with get_runtime().context(write=False) as ctx:
        service = compose.archive(ctx)
        run = service.run(run_id)
        year, filed = run.year, service.filed_fonds(run.year, run.fonds_code)
    written = write_catalogues([(fonds.code, year, fmt) for fonds in filed for fmt in CATALOGUE_FORMATS])
    with get_runtime().context() as ctx:
        service = compose.archive(ctx)
        catalogues, gaps = [], []
        for fonds in filed:
            catalogues.append({"fonds": fonds.code, "name": fonds.name, "rows": written[fonds.code]})
            gaps += service.gaps(fonds.code, year)
        rows = sum(written.values())
        service.add_to_report(service.run(run_id), {"catalogue_rows": rows, "catalogues": catalogues, "gaps": gaps})
    _add_seconds(run_id, "catalogue", time.perf_counter() - started)
    return {"rows": rows, "gaps": gaps}


def archive_year(year: int | None) -> int:
    """The year given, or the previous one (as the schedule runs it), in the instance's zone."""
    with get_runtime().context(write=False) as ctx:
        return year or ctx.today().year - 1


EVERY_FONDS = "全部"


def archive_run_label(year: int | None, dry_run: bool, fonds: str | None = None) -> RunLabel:
    """The run's name and tags: its year and the fonds it files into (every fonds when none is named)."""
    return archive_label(archive_year(year), fonds or EVERY_FONDS, dry_run)


def _archive_run_name() -> str:
    """A run nobody labelled (the schedule's) is named from its parameters."""
    from prefect.runtime import flow_run

    parameters = flow_run.parameters
    return archive_run_label(parameters.get("year"), bool(parameters.get("dry_run")), parameters.get("fonds")).name


@flow(name="annual-archive", flow_run_name=given_name(_archive_run_name))
def annual_archive(
    year: int | None = None,
    dry_run: bool = False,
    run_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    fonds: str | None = None,
) -> dict[str, Any]:
    """年度归档 of ``year`` (the previous year when run by the schedule) in one fonds, or in every fonds."""
    with untagged():
        return _archive(year, dry_run, run_id, progress, fonds)


def _archive(
    year: int | None,
    dry_run: bool,
    run_id: int | None,
    progress: Callable[[int, int], None] | None,
    fonds: str | None,
) -> dict[str, Any]:
    runtime = get_runtime()
    year = archive_year(year)
    with runtime.context() as ctx:
        service = compose.archive(ctx)
        run = service.run(run_id) if run_id else service.start_run(year, dry_run, fonds)
        run_id, fonds = run.id, run.fonds_code
    if not dry_run:
        with runtime.context(write=False) as ctx:
            warm_packers(runtime.settings, compose.archive(ctx).to_consider(year))
    report = select_and_number(run_id)
    if dry_run:
        return _finish(run_id, ArchiveRunStatus.dry_run)
    with runtime.context() as ctx:
        pending = compose.archive(ctx).pending_items(year, fonds)
    results: list[dict[str, Any]] = []
    with packers(runtime.settings, len(pending)):
        for block in blocks(pending):
            results += package_check_store(run_id, block, block[0])
            if progress:
                progress(len(block), len(pending))
        write_catalogue(run_id)
    anchor = anchor_audit_chain(run_id=run_id)  # after the run's own events: they are anchored with it
    failed = [r for r in results if not r["passed"]]
    outcome = {"stored": len(results) - len(failed), "failed": failed, **report, "anchor": anchor}
    counts = {
        "件": len(results) - len(failed),
        "bytes": sum(r["bytes"] for r in results),
        "files": sum(r["files"] for r in results),
    }
    return _finish(run_id, ArchiveRunStatus.done, outcome, counts)


def _finish(
    run_id: int, status: ArchiveRunStatus, report: dict[str, Any] | None = None, counts: dict[str, Any] | None = None
) -> dict[str, Any]:
    with get_runtime().context() as ctx:
        run = compose.archive(ctx).finish_run(run_id, status, report, counts)
        return {
            "run_id": run.id,
            "year": run.year,
            "status": run.status,
            "report": run.report,
            "stage_seconds": run.stage_seconds,
            "counts": run.counts,
        }


@flow(name="fixity-audit", flow_run_name=given_name(fixity_label().name))
def fixity_audit(progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    with get_runtime().context() as ctx:
        check = compose.archive(ctx).fixity(progress)
        return {
            "id": check.id,
            "items_checked": check.items_checked,
            "failures": check.failures,
            "finished_at": (check.finished_at or dt.datetime.now(dt.UTC)).isoformat(),
        }
