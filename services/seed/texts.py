"""The project's own example documents (services/seed/documents/, shipped with the package): a joint notice of
市委统战部, 市委宣传部 and 市民委 印发ing a plan with numbered tasks and their units, phases and a report-back; a plan
of 市民委 with dated, weekly and monthly obligations and phases; a compilation of the units' summaries.

They are written as the issuing office types them: the 版头 lines, the 发文字号, ``## `` before the notice's title,
the 主送 line ending in "：", the body, the signature block and the date, ``# `` before the plan's title, the plan."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from services.imports.recognize import join_broken_lines

DOCUMENTS_DIR = Path(__file__).resolve().parent / "documents"
JOINT_NOTICE = "joint-notice.txt"
PLAN_NOTICE = "plan.txt"
SUMMARIES = "summaries.txt"
EVERY_DOCUMENT = (JOINT_NOTICE, PLAN_NOTICE, SUMMARIES)

_DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_SIGNATURE = re.compile(r"^[\u4e00-\u9fff]{4,30}$")  # an organ's name alone on its line
_HAN_GAP = re.compile(r"(?<=[\u4e00-\u9fff\d])\s+(?=[\u4e00-\u9fff\d])")


class ExampleDocumentMissing(FileNotFoundError):
    """An example document is not where the package keeps it (a broken install)."""


class NoticeShapeError(ValueError):
    """A text lacks a part of the notice shape (its title, 主送 line, date or plan)."""


@dataclass(frozen=True)
class Notice:
    """A notice that 印发s a plan: its title, 主送 line as written, body, and the plan (its title and text)."""

    title: str
    main_line: str
    body: str
    plan_title: str
    plan_text: str


def document_text(name: str, folder: Path | None = None) -> str:
    path = (folder or DOCUMENTS_DIR) / name
    if not path.is_file():
        raise ExampleDocumentMissing(f"example document {name} not found in {folder}")
    return path.read_text(encoding="utf-8")


def read_notice(path: Path) -> Notice:
    """The parts of a notice typed in the shape above (the seed documents of that shape read the same way)."""
    if not path.is_file():
        raise ExampleDocumentMissing(f"document {path.name} not found in {path.parent}")
    lines = path.read_text(encoding="utf-8").splitlines()

    def first(start: int, what: str, found: Callable[[str], object]) -> int:
        at = next((i for i in range(start, len(lines)) if found(lines[i])), None)
        if at is None:
            raise NoticeShapeError(f"{path.name}: no {what} found")
        return at

    title_at = first(0, "title (## …)", lambda line: line.startswith("## "))
    salutation_at = first(title_at, "主送 line (…：)", lambda line: line.rstrip().endswith("："))
    date_at = first(salutation_at, "date line", lambda line: bool(_DATE_LINE.match(line.strip())))
    body_end = date_at
    while body_end > salutation_at + 1 and (not lines[body_end - 1].strip() or _SIGNATURE.match(lines[body_end - 1])):
        body_end -= 1
    plan_at = first(date_at, "plan (# …)", lambda line: line.startswith("# "))
    body = join_broken_lines([line.strip() for line in lines[salutation_at + 1 : body_end]])
    plan = join_broken_lines([re.sub(r"^#+\s*|\*\*", "", line).strip() for line in lines[plan_at + 1 :]])
    return Notice(
        title=lines[title_at].lstrip("# ").strip(),
        main_line=lines[salutation_at].strip().removesuffix("："),
        body="\n".join(body),
        plan_title=_HAN_GAP.sub("", lines[plan_at].lstrip("# ").strip()),
        plan_text="\n".join(_HAN_GAP.sub("", p) if len(p) < 60 else p for p in plan),
    )


def joint_notice(folder: Path | None = None) -> Notice:
    """The joint notice of 市委统战部, 市委宣传部 and 市民委 (lead, 扎民委字) and its plan of twelve tasks."""
    return read_notice((folder or DOCUMENTS_DIR) / JOINT_NOTICE)


def plan_notice(folder: Path | None = None) -> Notice:
    """市民委's notice 印发ing a plan with phases, two dated reports, a weekly and a monthly one."""
    return read_notice((folder or DOCUMENTS_DIR) / PLAN_NOTICE)


def every_text(folder: Path | None = None) -> list[str]:
    """The full text of each example document, in a fixed order."""
    return [document_text(name, folder) for name in EVERY_DOCUMENT]


@dataclass(frozen=True)
class Summary:
    """One unit's 总结 in the compilation: its own title and its text."""

    title: str
    body: str


_PART = re.compile(r"^\S.{3,80}?\s*篇[一二三四五六七八九十]{1,3}$")


def summaries(folder: Path | None = None) -> list[Summary]:
    """The 篇 of the compilation one after another, each as its unit wrote it."""
    lines = document_text(SUMMARIES, folder).splitlines()
    starts = [i for i, line in enumerate(lines) if _PART.match(line.strip())]
    found = []
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        paragraphs = [line.strip() for line in lines[start + 1 : end] if line.strip()]
        if not paragraphs:
            raise NoticeShapeError(f"{SUMMARIES}: {lines[start].strip()} is empty")
        found.append(Summary(paragraphs[0], "\n".join(paragraphs[1:])))
    return found
