"""The names and tags an operator finds a run by (flows/naming.py), without a Prefect server."""

from __future__ import annotations

from flows.naming import archive_label, document_label, import_label, short_title
from services.domain.enums import JobStep
from services.jobs.service import RunSubject

LONG = "关于印发《扎兰屯市2026年铸牢中华民族共同体意识示范创建工作推进暨民族团结进步宣传月活动实施方案》的通知"


def _subject(doc_id: int, number: str | None = None, title: str = "关于召开座谈会的通知") -> RunSubject:
    return RunSubject(doc_id, number, title, "zlt-mw")


def test_a_document_is_named_by_its_number_or_while_it_has_none_by_its_title() -> None:
    numbered = document_label(JobStep.issue, [_subject(6, "扎民委字〔2026〕3号")])
    assert numbered.name == "扎民委字〔2026〕3号 · 核发"
    assert numbered.tags == ("doc:6", "organ:zlt-mw", "step:issue")
    assert document_label(JobStep.check, [_subject(6)]).name == "关于召开座谈会的通知 · 格式检查"


def test_a_long_title_keeps_its_head_and_its_kind_and_stays_short() -> None:
    short = short_title(LONG)
    assert len(short) == 40 and short.startswith("关于印发《扎兰屯市") and short.endswith("实施方案》的通知")
    assert "…" in short and short_title("  关于召开\n座谈会的通知 ") == "关于召开 座谈会的通知"


def test_a_large_batch_names_a_few_and_counts_the_rest_but_tags_every_document() -> None:
    subjects = [_subject(i, f"扎民委字〔2026〕{i}号") for i in range(40, 0, -1)]
    label = document_label(JobStep.check, subjects)
    assert label.name.startswith("扎民委字〔2026〕1号、扎民委字〔2026〕2号、") and label.name.endswith(
        " 等40件 · 格式检查"
    )
    assert len(label.name) < 160
    assert [t for t in label.tags if t.startswith("doc:")] == [f"doc:{i}" for i in range(1, 41)]
    assert label.tags.count("organ:zlt-mw") == 1


def test_in_a_batch_the_numbered_documents_come_first_so_a_search_for_their_number_finds_the_run() -> None:
    subjects = [_subject(i, title=f"{LONG}（{i}）") for i in range(1, 6)] + [_subject(9, "扎民委字〔2026〕9号")]
    label = document_label(JobStep.issue, subjects)
    assert label.name.startswith("扎民委字〔2026〕9号、关于印发") and label.name.endswith(" 等6件 · 核发")


def test_archive_and_import_runs_say_what_they_cover() -> None:
    archive = archive_label(2025, "Z001", dry_run=True)
    assert archive.name == "2025 年度归档 · 全宗 Z001（试运行）"
    assert set(archive.tags) == {"step:archive", "year:2025", "fonds:Z001", "dry-run"}
    imported = import_label(12, ["/srv/in/2019", "/srv/in/2020", "/srv/in/2021"])
    assert imported.name == "导入 12 个文件 · 2019、2020 等" and "files:12" in imported.tags
