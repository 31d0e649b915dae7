"""What an operator reads in the Prefect UI. Every run is named for what it works on — a document's 文号 (its title
while it has none) and the step, `扎民委字〔2026〕3号 · 核发` — and tagged so the UI can filter by document, organ
and step (`doc:6`, `organ:zlt-mw`, `step:issue`); archive, import and reindex runs by year, fonds and counts.

Whoever starts a run labels it (`run_labelled`): the flow's `flow_run_name` takes the name it was given, the
`tags()` context tags it when it is created (Prefect takes a run's tags only from that context or a deployment).
The flows run their tasks `untagged()`: a task run is named for its document and carries no tags, because Prefect
asks its server for a concurrency slot of every tag a task run carries (two round trips a task, and a new client
for each new set of tags).
When issuing registers a 文号, the document's earlier runs are renamed to carry it, so a search for the 文号
finds its format checks too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from flows.runtime import get_runtime
from services import compose
from services.domain.enums import JobStep
from services.jobs.service import RunSubject

log = logging.getLogger("gongwen.runs")
SEPARATOR = " · "
MAX_TITLE = 40  # characters of a title kept in a run's name (a longer one loses its middle: 关于…的通知)
MAX_SUBJECTS = 140  # characters of subjects in a batch run's name before `等N件`
DOC_TAG = re.compile(r"^doc:(\d+)$")
STEP_TAG = "step:"
REINDEX = "reindex"  # runs no outbox step starts
_GIVEN: ContextVar[str | None] = ContextVar("gongwen_run_name", default=None)


@dataclass(frozen=True)
class RunLabel:
    name: str
    tags: tuple[str, ...]


def short_title(title: str) -> str:
    """A long title keeps its head and its 文种 ending: 关于开展……工作的通知."""
    title = " ".join(title.split())
    if len(title) <= MAX_TITLE:
        return title
    return title[: MAX_TITLE - 11] + "…" + title[-10:]


def subject_name(subject: RunSubject) -> str:
    return subject.doc_number or short_title(subject.title)


def document_label(step: JobStep, subjects: Sequence[RunSubject]) -> RunLabel:
    """One document's run, or a batch's: its documents — those with a 文号 first, as that is what an operator
    searches for, then in the order they were made (tags carry no order) — each named while the name stays
    short, then `等N件`."""
    subjects = sorted(subjects, key=lambda s: (s.doc_number is None, s.document_id))
    names: list[str] = []
    for subject in subjects:
        if names and len("、".join([*names, subject_name(subject)])) > MAX_SUBJECTS:
            break
        names.append(subject_name(subject))
    named = "、".join(names) + (f" 等{len(subjects)}件" if len(names) < len(subjects) else "")
    organs = dict.fromkeys(f"organ:{s.organ_code}" for s in subjects if s.organ_code)
    tags = (*(f"doc:{s.document_id}" for s in subjects), *organs, f"{STEP_TAG}{step.value}")
    return RunLabel(f"{named}{SEPARATOR}{step.zh}", tags)


def archive_tags(fonds_code: str) -> tuple[str, ...]:
    """What every archive run is tagged with, the scheduled ones too (whose year is known only when they run)."""
    return (f"{STEP_TAG}{JobStep.archive.value}", f"fonds:{fonds_code}")


def archive_label(year: int, fonds_code: str, dry_run: bool) -> RunLabel:
    name = f"{year} 年度归档{SEPARATOR}全宗 {fonds_code}" + ("（试运行）" if dry_run else "")
    tags = (*archive_tags(fonds_code), f"year:{year}")
    return RunLabel(name, (*tags, "dry-run") if dry_run else tags)


def fixity_label() -> RunLabel:
    return RunLabel(JobStep.fixity.zh, (f"{STEP_TAG}{JobStep.fixity.value}",))


def anchor_label() -> RunLabel:
    return RunLabel(JobStep.anchor.zh, (f"{STEP_TAG}{JobStep.anchor.value}",))


def import_label(files: int, roots: Sequence[str]) -> RunLabel:
    from pathlib import PurePath

    where = "、".join(PurePath(r).name for r in roots[:2]) + (" 等" if len(roots) > 2 else "")
    tags = (f"{STEP_TAG}{JobStep.import_files.value}", f"files:{files}")
    return RunLabel(f"导入 {files} 个文件{SEPARATOR}{where}", tags)


def reindex_label(documents: int) -> RunLabel:
    return RunLabel(f"重建检索索引{SEPARATOR}{documents} 件", (f"{STEP_TAG}{REINDEX}", f"documents:{documents}"))


def given_name(default: str | Callable[[], str] | None = None) -> Callable[[], str]:
    """A flow's `flow_run_name`: the name whoever started the run gave it (`run_labelled`), else ``default``
    (a run started by a schedule), else the name Prefect made up."""

    def name() -> str:
        given = _GIVEN.get()
        if given:
            return given
        if callable(default):
            return default()
        if default:
            return default
        from prefect.runtime import flow_run

        return str(flow_run.name)

    return name


def run_labelled(flow: Any, label: RunLabel, *args: Any, **kwargs: Any) -> Any:
    """Run ``flow`` (whose `flow_run_name` is `given_name`) under this name, with these tags. Not
    `flow.with_options(flow_run_name=…)`: that rebuilds the flow's parameter models, ≈20 ms."""
    from prefect import tags

    token = _GIVEN.set(label.name)
    try:
        with tags(*label.tags):
            return flow(*args, **kwargs)
    finally:
        _GIVEN.reset(token)


@contextmanager
def untagged() -> Iterator[None]:
    """Task runs started inside carry no tags (the flow run keeps its own; see the module's docstring)."""
    from prefect.context import TagsContext

    with TagsContext(current_tags=set()):
        yield


def document_run_label(step: JobStep, document_ids: Sequence[int]) -> RunLabel:
    return document_label(step, _subjects(document_ids))


def rename_document_runs(document_ids: Sequence[int]) -> int:
    """Runs of these documents named before their 文号 was registered take it (a failure only leaves the old
    names: issuing goes on). Returns how many runs were renamed."""
    try:
        return _rename_document_runs(document_ids)
    except Exception as exc:  # the names are for the operator; a Prefect hiccup must not fail issuing
        log.warning("could not rename the runs of documents %s after registration: %s", list(document_ids), exc)
        return 0


def _rename_document_runs(document_ids: Sequence[int]) -> int:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    wanted = FlowRunFilter(tags=FlowRunFilterTags(any_=[f"doc:{i}" for i in document_ids]))
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=wanted)
    labelled = [(run, _documents_of(run.tags), _step_of(run.tags)) for run in runs]
    known = {s.document_id: s for s in _subjects(sorted({i for _, ids, _ in labelled for i in ids}))}
    renamed = 0
    for run, ids, step in labelled:
        subjects = [known[i] for i in ids if i in known]
        if step is None or not subjects:
            continue
        name = document_label(step, subjects).name
        if name != run.name:
            _update(run.id, name, None)
            renamed += 1
    return renamed


def _subjects(document_ids: Sequence[int]) -> list[RunSubject]:
    with get_runtime().context(write=False) as ctx:
        return compose.jobs(ctx).subjects(document_ids)


def _documents_of(tags: Iterable[str]) -> list[int]:
    return [int(m.group(1)) for tag in tags if (m := DOC_TAG.match(tag))]


def _step_of(tags: Iterable[str]) -> JobStep | None:
    steps = {tag.removeprefix(STEP_TAG) for tag in tags if tag.startswith(STEP_TAG)}
    return next((JobStep(s) for s in steps if s in JobStep.__members__), None)


def _update(run_id: object, name: str, tags: list[str] | None) -> None:
    from uuid import UUID

    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        client.update_flow_run(UUID(str(run_id)), name=name, tags=tags)
